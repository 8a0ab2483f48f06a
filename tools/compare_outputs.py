"""Compare the text outputs of chapters run elsewhere (on a GPU) with the
committed ones.

Usage::

    python tools/compare_outputs.py chapters/ OUT/chapters/ --report OUT/x.md

For every notebook of the second folder, its code cells are paired with the
committed notebook's. Text outputs (streams, ``text/plain``,
``text/markdown``, ``text/html``) are compared after the substitutions of
``tests/nbval_sanitize.cfg`` (the device name among them); images are not
compared (they may differ in the last bits). Cells tagged
``nbval-ignore-output`` (timings) are skipped.

Tolerance: two outputs agree when they are equal, or when they differ only
in numbers and each pair of numbers a (committed) and b satisfies
``|a − b| ≤ max(rtol · |a|, u)``, where ``u`` is one unit in the last digit
printed for ``a`` (0.001 for "0.123") and ``rtol`` is 1e-3 by default
(integers, such as counts, must be equal):
float32 on another device rounds differently in the last bits, and those
differences may surface in the last printed digit. Larger differences are
listed (a chapter that draws random numbers during training, e.g. dropout
masks, draws different ones on the GPU and may differ there legitimately).

Exit status: 0 when everything agrees, 1 when a notebook is missing or a
cell raised, 2 when outputs differ beyond the tolerance.
"""

from __future__ import annotations

import argparse
import configparser
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"
TEXT_TYPES = ("text/plain", "text/markdown", "text/html")
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def sanitizers(path: Path = SANITIZE):
    config = configparser.ConfigParser()
    config.read(path, encoding="utf-8")
    return [
        (re.compile(config[s]["regex"]), config[s]["replace"])
        for s in config.sections()
    ]


def cell_text(cell, subs) -> tuple[str, bool]:
    """The cell's text outputs, sanitized, and whether it raised."""
    parts, raised, stream = [], False, None
    for out in cell.get("outputs", []):
        if out.output_type == "stream" and out.name == stream:
            parts[-1] += out.text  # the kernel splits streams as it likes
            continue
        stream = out.name if out.output_type == "stream" else None
        if stream:
            parts.append(f"[{out.name}]\n{out.text}")
        elif out.output_type == "error":
            raised = True
            parts.append(f"[error] {out.ename}: {out.evalue}")
        else:
            for mime in TEXT_TYPES:
                if mime in out.get("data", {}):
                    parts.append(f"[{mime}]\n{out.data[mime]}")
    text = "\n".join(parts)
    for pattern, replace in subs:
        text = pattern.sub(replace, text)
    return text, raised


def _unit(token: str) -> float:
    mantissa, _, exponent = token.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (-decimals + (int(exponent) if exponent else 0))


def numbers_close(ref: str, new: str, rtol: float) -> tuple[bool, str]:
    """Same text apart from numbers within the tolerance? (and why not)."""
    if NUMBER.sub("#", ref) != NUMBER.sub("#", new):
        return False, "text differs"
    worst = ""
    for a, b in zip(NUMBER.findall(ref), NUMBER.findall(new), strict=True):
        fa, fb = float(a), float(b)
        if not any(c in a for c in ".eE"):  # integers (counts) are exact
            tol = 0.0
        else:  # (1 + 1e-9): 0.124 − 0.123 is a hair above 0.001
            tol = max(rtol * abs(fa), _unit(a)) * (1 + 1e-9)
        if abs(fa - fb) > tol:
            worst = worst or f"{a} → {b}"
    return (not worst), worst


def compare_notebook(ref_path: Path, new_path: Path, rtol: float, subs):
    ref = nbformat.read(ref_path, as_version=4)
    new = nbformat.read(new_path, as_version=4)
    ref_cells = [c for c in ref.cells if c.cell_type == "code"]
    new_cells = [c for c in new.cells if c.cell_type == "code"]
    counts = {"same": 0, "close": 0, "differ": 0, "error": 0, "skipped": 0}
    notes = []
    if [c.source for c in ref_cells] != [c.source for c in new_cells]:
        return counts, ["the code cells differ: not the same notebook"]
    for i, (rc, nc) in enumerate(zip(ref_cells, new_cells, strict=True)):
        if "nbval-ignore-output" in rc.metadata.get("tags", []):
            counts["skipped"] += 1
            continue
        (a, _), (b, raised) = cell_text(rc, subs), cell_text(nc, subs)
        if raised:
            counts["error"] += 1
            notes.append(f"code cell {i}: raised: {b[-300:]}")
        elif a == b:
            counts["same"] += 1
        else:
            ok, why = numbers_close(a, b, rtol)
            counts["close" if ok else "differ"] += 1
            if not ok:
                notes.append(f"code cell {i}: {why}: {_first_line(rc)}")
    return counts, notes


def _first_line(cell) -> str:
    return cell.source.strip().splitlines()[0][:70] if cell.source else ""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference", type=Path, help="committed chapters")
    parser.add_argument("new", type=Path, help="chapters run elsewhere")
    parser.add_argument("--rtol", type=float, default=1e-3)
    parser.add_argument("--report", type=Path)
    args = parser.parse_args(argv)
    subs = sanitizers()
    lines = [
        f"Text outputs vs the committed ones (rtol {args.rtol:g} or one "
        "unit in the last printed digit; images not compared).",
        "",
        "| chapter | same | within tolerance | differ | raised | skipped |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    details, status = [], 0
    for new_path in sorted(args.new.glob("*.ipynb")):
        ref_path = args.reference / new_path.name
        if not ref_path.exists():
            details.append(f"- {new_path.name}: no committed notebook")
            status = max(status, 1)
            continue
        c, notes = compare_notebook(ref_path, new_path, args.rtol, subs)
        lines.append(
            f"| {new_path.stem} | {c['same']} | {c['close']} | "
            f"{c['differ']} | {c['error']} | {c['skipped']} |"
        )
        details += [f"- {new_path.stem}: {n}" for n in notes]
        if c["error"] or (notes and not c["same"] + c["close"]):
            status = max(status, 1)
        elif c["differ"]:
            status = max(status, 2)
    expected = {p.name for p in args.reference.glob("*.ipynb")}
    for name in sorted(expected - {p.name for p in args.new.glob("*.ipynb")}):
        details.append(f"- {name}: not executed (missing from {args.new})")
        status = max(status, 1)
    text = "\n".join(lines + ([""] + details if details else [])) + "\n"
    print(text)
    if args.report:
        args.report.write_text(text, encoding="utf-8")
    return status


if __name__ == "__main__":
    sys.exit(main())
