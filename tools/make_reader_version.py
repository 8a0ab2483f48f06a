"""Make the reader version of the chapters: exercises blanked, no outputs.

Usage::

    python tools/make_reader_version.py                 # every chapter
    python tools/make_reader_version.py chapters/01_perceptron.ipynb
    python tools/make_reader_version.py --out /tmp/reader

In every code cell tagged ``exercise`` the lines between

    # --- 解答 ここから ---
    # --- 解答 ここまで ---

are replaced by ``raise NotImplementedError("ここを実装してください")``
at the indentation of the first marker (the markers stay, so the reader
sees where to write). Markers at the top level of a cell hold a value
(``answer = 0.5`` for a derivation or a prediction); raising there would
stop the notebook, so each assigned name gets ``...`` instead
(``answer = ...``), which the checkers report as not answered yet.
The ``hide-input`` tag is dropped from those cells (the reader has to see
them), Markdown cells tagged ``solution`` (the explained solutions) are
dropped, each value the prose takes from the outputs with myst-nb's
``{glue:text}`name:.3f``` role is written into the text (Jupyter does not
know the role, and the reader version has no outputs to take it from),
and every output and execution count is cleared. An
``exercise`` cell without a complete pair of markers is an error: the
script stops and names the notebook and the cell.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat
from execute_notebooks import ROOT, find_notebooks
from myst_nb.core.variables import format_plain_text
from myst_nb.ext.glue import extract_glue_data_cell

DEFAULT_OUT = ROOT / "reader" / "chapters"

BEGIN = "# --- 解答 ここから ---"
END = "# --- 解答 ここまで ---"
PLACEHOLDER = 'raise NotImplementedError("ここを実装してください")'
EXERCISE_TAG = "exercise"
HIDDEN_TAG = "hide-input"
SOLUTION_TAG = "solution"
VALUE_PLACEHOLDER = "{name} = ...  # ここに答えを書いてください"
_ASSIGNED = re.compile(r"([A-Za-z_]\w*)\s*(?::[^=]*)?=(?!=)")
GLUE_ROLE = re.compile(r"\{glue(?::text|:any)?\}`([^`]+)`")


class MarkerError(ValueError):
    """An exercise cell whose answer markers are missing or unbalanced."""


def blank_answer(source: str, where: str = "cell") -> str:
    """Replace each answer between the markers by the placeholder."""
    out: list[str] = []
    inside = False
    pairs = 0
    answer: list[str] = []
    for number, line in enumerate(source.split("\n"), start=1):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise MarkerError(
                    f"{where}, line {number}: {BEGIN!r} again before {END!r}"
                )
            inside, answer = True, []
            indent = line[: len(line) - len(line.lstrip())]
            out.append(line)
        elif stripped == END:
            if not inside:
                raise MarkerError(
                    f"{where}, line {number}: {END!r} without {BEGIN!r}"
                )
            inside = False
            pairs += 1
            out.extend(_placeholder(indent, answer, f"{where}, line {number}"))
            out.append(line)
        elif inside:
            answer.append(line)
        else:
            out.append(line)
    if inside:
        raise MarkerError(f"{where}: {BEGIN!r} is never closed by {END!r}")
    if pairs == 0:
        raise MarkerError(
            f"{where}: a cell tagged {EXERCISE_TAG!r} needs the answer "
            f"between the lines {BEGIN!r} and {END!r}"
        )
    return "\n".join(out)


def _placeholder(indent: str, answer: list[str], where: str) -> list[str]:
    """What replaces one answer: a raise, or ``name = ...`` at top level."""
    if indent:
        return [indent + PLACEHOLDER]
    names = []
    for line in answer:
        match = _ASSIGNED.match(line)  # only unindented assignments
        if match and match.group(1) not in names:
            names.append(match.group(1))
    if not names:
        raise MarkerError(
            f"{where}: a top-level answer must assign a value "
            "(e.g. answer = 0.5); put code answers inside a function"
        )
    return [VALUE_PLACEHOLDER.format(name=name) for name in names]


def paste_glued_values(nb: nbformat.NotebookNode, name: str) -> None:
    """Replace each glue role in the Markdown cells by its value."""
    values = {}
    for cell in nb.cells:
        if cell.cell_type == "code":
            for key, output in extract_glue_data_cell(cell):
                values[key] = output["data"]["text/plain"]

    def paste(match):
        key, _, fmt = match.group(1).partition(":")
        if key not in values:
            raise ValueError(
                f"{name}: no value glued as {key!r} (execute the chapter)"
            )
        return format_plain_text(values[key], fmt)

    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = GLUE_ROLE.sub(paste, cell.source)


def reader_notebook(nb: nbformat.NotebookNode, name: str = "notebook"):
    """Return a copy of ``nb`` as the reader gets it."""
    nb = nbformat.from_dict(nb)  # deep copy
    nb.cells = [
        cell
        for cell in nb.cells
        if not (
            cell.cell_type == "markdown"
            and SOLUTION_TAG in cell.metadata.get("tags", [])
        )
    ]
    paste_glued_values(nb, name)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.get("tags", [])
        if EXERCISE_TAG in tags:
            where = f"{name}, cell {index}"
            cell.source = blank_answer(cell.source, where)
            cell.metadata["tags"] = [t for t in tags if t != HIDDEN_TAG]
        cell.outputs = []
        cell.execution_count = None
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*")
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="output folder (default: reader/chapters)",
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for path in find_notebooks(args.notebooks):
        nb = nbformat.read(path, as_version=4)
        try:
            reader = reader_notebook(nb, path.name)
        except ValueError as exc:  # MarkerError, or a value not glued
            print(f"error: {exc}", file=sys.stderr)
            return 1
        nbformat.validate(reader)
        target = args.out / path.name
        nbformat.write(reader, target)
        print(f"{path.name} -> {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
