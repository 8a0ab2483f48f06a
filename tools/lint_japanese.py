"""Check the book's Japanese prose with textlint (the gate of ``make test``).

Usage::

    .venv/bin/python tools/lint_japanese.py            # README + chapters/
    .venv/bin/python tools/lint_japanese.py PATH ...   # given .md / .ipynb

What is checked: ``README.md``, ``index.md``, ``chapters/*.md`` and the
Markdown cells of ``chapters/*.ipynb``, with ``.textlintrc.yml`` and the
term dictionary ``prh.yml``.  textlint reads Markdown only, so every file
is first turned into a temporary ``.md`` that keeps the line numbers of
its source:

- notebooks: only Markdown cells (code and raw cells are dropped); each
  cell starts on a known line, so a report maps back to ``cell``/``line``;
  a ``<!-- textlint-enable -->`` line between cells keeps a
  ``<!-- textlint-disable … -->`` comment from reaching past its cell;
- MyST is read by the book's own parser (myst-parser's markdown-it-py
  with the extensions of ``_config.yml``), so the linter sees the blocks
  the site shows; only the token → line mapping is written here.  The
  fences of prose directives (``{glossary}``, ``{note}``, …) are blanked
  so their bodies are checked as text, the other directives
  (``{code-cell}``, ``{math}``, ``{bibliography}``, …) are hidden;
  ``$…$`` math becomes a code span, math blocks, ``(label)=`` targets,
  ``%`` comments and ``+++`` are hidden; a role ``{term}`X``` becomes the
  text X, other roles (``{cite}`…``` …) code spans (code spans are not
  checked); a formula starting with ``\\mathrm{erf}`` leaves the word
  ``erf`` as text (see prh.yml);
- blocks without a single Japanese character (an English summary) are
  blanked: the Japanese rules do not apply to English.

Why not a kept tool for the whole step: textlint has no MyST or notebook
plugin (its Markdown plugin reads a directive as a code block and ``$x$``
as text), and jupytext's Markdown export keeps the MyST syntax; neither
maps a report back to a notebook cell.

Reports are printed as ``path:line:col: message [rule]`` for pages and
``path:cell N:line:col: …`` for notebooks, where N is the cell's index
counted from 0 over all cells (as nbval names cells) and line is the line
inside that cell.  Exit status: 0 clean, 1 problems found, 2 usage/setup
error.

Unless ``--no-install`` is given, ``npm ci`` is run first when
``node_modules`` is missing or older than ``package-lock.json``.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from markdown_it.renderer import RendererHTML
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.mdit import create_md_parser

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".textlintrc.yml"
TEXTLINT = ROOT / "node_modules" / ".bin" / "textlint"
# npm ci writes this file last; its age tells whether node_modules is stale.
INSTALL_STAMP = ROOT / "node_modules" / ".package-lock.json"
LOCK = ROOT / "package-lock.json"

# Directives whose body is prose (checked); any other directive is skipped.
PROSE_DIRECTIVES = {
    "admonition",
    "attention",
    "caution",
    "danger",
    "error",
    "hint",
    "important",
    "note",
    "seealso",
    "tip",
    "warning",
    "margin",
    "sidebar",
    "topic",
    "epigraph",
    "pull-quote",
    "highlights",
    "glossary",
    "figure",
    "dropdown",
    "card",
    "tab-item",
    "tab-set",
    "grid-item-card",
    "div",
    "exercise",
    "solution",
    "proof",
    "prf:definition",
    "prf:theorem",
    "prf:proof",
    "prf:example",
    "prf:remark",
}
# Directives whose argument (text after the name) is a title to check.
TITLED_DIRECTIVES = {
    "admonition",
    "topic",
    "sidebar",
    "dropdown",
    "card",
    "tab-item",
    "grid-item-card",
    "exercise",
    "prf:definition",
    "prf:theorem",
    "prf:example",
    "prf:remark",
}

OPTION_RE = re.compile(r"^\s*:[\w-]+:")
TERM_LABEL_RE = re.compile(r"\s*<[^<>]*>\s*$")
STRONG_CODE_RE = re.compile(r"(?<!\*)\*\*(`[^`]+`)\*\*(?!\*)")
ERF_RE = re.compile(
    r"\s*(?:\\(?:mathrm|operatorname|text|rm)\s*\{\s*erf\s*\}|\\?erf\b)"
)
# kana, kanji and full-width forms (punctuation 、。「」 included)
JAPANESE_RE = re.compile(
    r"[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]"
)
# Blocks hidden from textlint: math, targets, comments, cell breaks.
HIDDEN_TOKENS = {
    "amsmath",
    "front_matter",
    "math_block",
    "math_block_label",
    "myst_block_break",
    "myst_line_comment",
    "myst_target",
}


@functools.cache
def _parser():
    """The MyST parser of the book itself (myst-parser on markdown-it-py),
    with the syntax extensions that ``_config.yml`` turns on."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text("utf-8"))
    extensions = config["parse"]["myst_enable_extensions"]
    return create_md_parser(
        MdParserConfig(enable_extensions=set(extensions)), RendererHTML
    )


@dataclass
class Source:
    """One checked file and its temporary Markdown twin."""

    path: Path  # the real file
    text: str = ""  # the Markdown given to textlint
    # (first line in ``text``, cell index) for each notebook cell
    cells: list[tuple[int, int]] = field(default_factory=list)

    @property
    def is_notebook(self) -> bool:
        return self.path.suffix == ".ipynb"


def _as_code(content: str) -> str:
    """Content as a Markdown code span (the span is not checked)."""
    ticks = "``" if "`" in content else "`"
    pad = " " if content.startswith("`") or content.endswith("`") else ""
    return f"{ticks}{pad}{content}{pad}{ticks}"


def _math(content: str) -> str:
    """Inline math as a code span.  A formula that starts with the error
    function erf keeps the word ``erf`` as text, so that prh.yml can tell
    「誤差関数$\\mathrm{erf}$」 (the function erf) from 誤差関数 used for
    the loss."""
    m = ERF_RE.match(content)
    if m:
        rest = content[m.end() :].strip()
        return "erf" + (_as_code(rest) if rest else "")
    return _as_code(content)


def _inline_markup(child) -> list[tuple[str, str]]:
    """(source text, what textlint gets) for one inline token."""
    if child.type in ("math_inline", "math_inline_double"):
        dollars = "$" if child.type == "math_inline" else "$$"
        return [(dollars + child.content + dollars, _math(child.content))]
    if child.type == "myst_role":
        name = child.meta["name"]
        if name == "term":
            new = TERM_LABEL_RE.sub("", child.content).strip()
        elif name.startswith("glue"):  # a computed value: as long as one
            new = _as_code("0.000")
        else:
            new = _as_code(child.content)
        return [
            (f"{{{name}}}{ticks}{child.content}{ticks}", new)
            for ticks in ("`", "``", "```")
        ]
    if child.type == "code_inline":  # passed over, as it is
        code = child.markup + child.content + child.markup
        return [(code, code)]
    return []


def _convert_inline(token, out: list[str], cursor: dict[int, int]) -> None:
    """Replace math and roles in the source lines of one inline token.

    ``{term}`X``` and ``{term}`X <label>``` become the text X (what the
    reader sees, so the term's spelling is checked too); any other role
    (``{cite}``, ``{ref}``, …) and math become code spans (skipped); a
    ``{glue:text}`` value becomes the code span ```0.000```, about as long
    as the number the reader sees (sentence-length counts it).  A code
    span that is the whole of a ``**…**`` loses the asterisks: textlint's
    sentence splitter does not split sentences after it.  ``cursor``
    keeps the column reached on a line that several tokens share (the
    cells of a table row).
    """
    first, end = token.map
    region, pos = "\n".join(out[first:end]), cursor.get(first, 0)
    for child in token.children or []:
        for old, new in _inline_markup(child):
            at = region.find(old, pos)
            if at >= 0:
                region = region[:at] + new + region[at + len(old) :]
                pos = at + len(new)
                break
    cursor[first] = pos
    out[first:end] = STRONG_CODE_RE.sub(r"\1", region).split("\n")


def _convert_directive(token, out: list[str], code: set[int]) -> None:
    """A fenced block: code stays code, a prose directive is unwrapped
    (its body converted in turn, its title a heading), any other
    directive (``{code-cell}``, ``{math}``, ``{bibliography}``, …) is
    hidden."""
    first, end = token.map
    name, _, arg = token.info.strip().partition(" ")
    name = name[1:-1].lower() if name.startswith("{") else ""
    if name not in PROSE_DIRECTIVES:
        if token.type == "fence":  # textlint skips code blocks itself
            code.update(range(first, end))
        else:
            out[first:end] = [""] * (end - first)
        return
    body = token.content.split("\n")
    options = 0
    while options < len(body) and OPTION_RE.match(body[options]):
        options += 1
    if name == "glossary":  # terms become headings
        body = [
            f"#### {line}" if line.strip() and not line[0].isspace() else line
            for line in body
        ]
    inner, inner_code = _convert("\n".join(body[options:]))
    indent = " " * (len(out[first]) - len(out[first].lstrip()))
    title = name in TITLED_DIRECTIVES and arg.strip()
    start = first + 1 + options
    out[first] = _convert(f"#### {arg.strip()}")[0][0] if title else ""
    out[first + 1 : start] = [""] * options
    # the body's last line ("" after its final newline) blanks the closing
    # fence; a fence left open at the end has no line for it
    inner = inner[: end - start]
    out[start:end] = [indent + line if line else line for line in inner]
    code.update(start + k for k in inner_code if k < end - start)


def _convert(text: str) -> tuple[list[str], set[int]]:
    """MyST -> Markdown lines (as many) and the lines textlint reads as
    code (code blocks, HTML comments such as ``textlint-disable``)."""
    out = text.split("\n")
    code: set[int] = set()
    cursor: dict[int, int] = {}
    for token in _parser().parse(text):
        if token.map is None:
            continue
        first, end = token.map
        if token.type in HIDDEN_TOKENS:
            # amsmath's map ends a line early: count the lines
            end = max(end, first + token.content.count("\n") + 1)
            out[first:end] = [""] * (end - first)
        elif token.type in ("fence", "colon_fence"):
            _convert_directive(token, out, code)
        elif token.type in ("code_block", "html_block"):
            code.update(range(first, end))
        elif token.type == "inline":
            _convert_inline(token, out, cursor)
    return out, code


def myst_to_markdown(text: str) -> str:
    """MyST Markdown -> plain Markdown with the same number of lines.

    Blocks without a single Japanese character (an English summary, a
    quoted abstract) are blanked: the Japanese rules do not apply to them.
    A block is a run of non-blank lines that are not code.
    """
    lines, code = _convert(text)
    out, block = list(lines), []
    for k, line in enumerate([*lines, ""]):
        if line.strip() and k not in code:
            block.append(k)
            continue
        if not any(JAPANESE_RE.search(lines[j]) for j in block):
            for j in block:
                out[j] = ""
        block = []
    return "\n".join(out)


def load(path: Path) -> Source:
    src = Source(path)
    if not src.is_notebook:
        src.text = myst_to_markdown(path.read_text(encoding="utf-8"))
        return src
    nb = json.loads(path.read_text(encoding="utf-8"))
    chunks: list[str] = []
    line_no = 1
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "markdown":
            continue
        body = cell.get("source", "")
        if isinstance(body, list):
            body = "".join(body)
        body = myst_to_markdown(body.rstrip("\n"))
        if chunks:
            # keep cells apart; end any textlint-disable of the last cell
            sep = "\n\n<!-- textlint-enable -->\n\n"
            chunks.append(sep)
            line_no += sep.count("\n")
        src.cells.append((line_no, index))
        chunks.append(body)
        line_no += body.count("\n")
    src.text = "".join(chunks) + "\n"
    return src


def locate(src: Source, line: int, col: int) -> str:
    rel = os.path.relpath(src.path, Path.cwd())
    if not src.is_notebook:
        return f"{rel}:{line}:{col}"
    start, index = 1, -1
    for first, cell_index in src.cells:
        if first <= line:
            start, index = first, cell_index
    return f"{rel}:cell {index}:{line - start + 1}:{col}"


def default_paths() -> list[Path]:
    paths = [ROOT / "README.md", ROOT / "index.md"]
    paths += sorted((ROOT / "chapters").glob("*.md"))
    paths += sorted((ROOT / "chapters").glob("*.ipynb"))
    return [p for p in paths if p.exists()]


def ensure_installed() -> None:
    """Run ``npm ci`` when node_modules is missing or stale."""
    if (
        INSTALL_STAMP.exists()
        and TEXTLINT.exists()
        and INSTALL_STAMP.stat().st_mtime >= LOCK.stat().st_mtime
    ):
        return
    npm = shutil.which("npm")
    if npm is None:
        sys.exit(
            "lint_japanese: npm がありません (Node.js 20 と npm を"
            "インストールしてください)"
        )
    print("lint_japanese: npm ci (node_modules が無いか古い)", flush=True)
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"], cwd=ROOT, check=True
    )


def run_textlint(sources: list[Source]) -> list[str]:
    """Run textlint once on every source; return the report lines."""
    with tempfile.TemporaryDirectory(prefix="lint_japanese_") as tmp:
        by_tmp: dict[str, Source] = {}
        for k, src in enumerate(sources):
            # the name keeps the source's name for textlint's own messages
            name = f"{k:03d}_{src.path.name}.md"
            tmp_path = Path(tmp) / name
            tmp_path.write_text(src.text, encoding="utf-8")
            by_tmp[str(tmp_path.resolve())] = src
        proc = subprocess.run(
            [
                str(TEXTLINT),
                "--config",
                str(CONFIG),
                "--format",
                "json",
                *by_tmp,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        try:
            results = json.loads(proc.stdout)
        except json.JSONDecodeError:
            sys.stderr.write(proc.stdout + proc.stderr)
            sys.exit(2)
    lines = []
    for result in results:
        src = by_tmp[str(Path(result["filePath"]).resolve())]
        for msg in sorted(
            result["messages"], key=lambda m: (m["line"], m["column"])
        ):
            text = " ".join(msg["message"].split())
            # sentence-length names the line of the temporary file: drop it
            text = re.sub(r"^Line \d+ sentence", "Sentence", text)
            if msg.get("ruleId", "").endswith("ja-unnatural-alphabet"):
                text += " (変数なら$y$のように数式で書きます)"
            # math and MyST roles reach textlint as code spans
            text = text.replace(
                "インラインコード", "インラインコード(数式、{cite}なども)"
            )
            col = msg["column"]
            src_lines = src.text.split("\n")
            if (
                msg["line"] <= len(src_lines)
                and col > len(src_lines[msg["line"] - 1]) + 1
            ):
                col = 1  # some rules report a column past the line's end
            where = locate(src, msg["line"], col)
            lines.append(f"{where}: {text} [{msg.get('ruleId', '?')}]")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        help=".md / .ipynb files (default: README.md, "
        "chapters/*.md, chapters/*.ipynb)",
    )
    parser.add_argument(
        "--no-install",
        action="store_true",
        help="do not run npm ci when node_modules is missing or stale",
    )
    args = parser.parse_args(argv)
    if not args.no_install:
        ensure_installed()
    if not TEXTLINT.exists():
        print(
            "lint_japanese: node_modules/.bin/textlint がありません "
            "(npm ci を実行してください)",
            file=sys.stderr,
        )
        return 2
    paths = [p.resolve() for p in args.paths] or default_paths()
    bad = [p for p in paths if p.suffix not in (".md", ".ipynb")]
    if bad:
        parser.error(f"not .md or .ipynb: {', '.join(map(str, bad))}")
    sources = [load(p) for p in paths]
    problems = run_textlint(sources)
    for line in problems:
        print(line)
    checked = f"{len(sources)} files"
    if problems:
        print(f"lint_japanese: {len(problems)} problems in {checked}")
        return 1
    print(f"lint_japanese: no problems in {checked}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
