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
- MyST: the fences of prose directives (``{glossary}``, ``{note}``, …) are
  blanked so their bodies are checked as text, the other directives
  (``{code-cell}``, ``{math}``, ``{bibliography}``, …) are skipped;
  ``$…$`` and ``$$…$$`` math, ``\\begin{…}`` blocks, ``(label)=`` targets
  and ``%`` comments are hidden; a role ``{term}`X``` becomes the text X,
  other roles (``{cite}`…``` …) code spans (code spans are not checked);
  a formula starting with ``\\mathrm{erf}`` leaves the word ``erf`` as
  text (see prh.yml);
- blocks without a single Japanese character (an English summary) are
  blanked: the Japanese rules do not apply to English.

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
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

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

FENCE_RE = re.compile(
    r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,}|:{3,})\s*"
    r"(?:\{(?P<name>[\w:.-]+)\})?(?P<arg>.*)$"
)
OPTION_RE = re.compile(r"^\s*:[\w-]+:")
CODE_SPAN_RE = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)")
ROLE_RE = re.compile(r"\{([\w:.-]+)\}$")
TERM_LABEL_RE = re.compile(r"\s*<[^<>]*>\s*$")
STRONG_CODE_RE = re.compile(r"(?<!\*)\*\*(`[^`]+`)\*\*(?!\*)")
DISPLAY_MATH_INLINE_RE = re.compile(r"\$\$(.+?)\$\$")
INLINE_MATH_RE = re.compile(
    r"(?<![\\$])\$(?![\s$])([^$\n]+?)(?<![\s\\])\$(?!\d)"
)
ERF_RE = re.compile(
    r"\s*(?:\\(?:mathrm|operatorname|text|rm)\s*\{\s*erf\s*\}|\\?erf\b)"
)
TARGET_RE = re.compile(r"^\s*\([^()\s]+\)=\s*$")
BEGIN_RE = re.compile(r"^\s*\\begin\{(\w+\*?)\}")
# kana, kanji and full-width forms (punctuation 、。「」 included)
JAPANESE_RE = re.compile(
    r"[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]"
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


def _inline(line: str) -> str:
    """Hide inline math and role names outside code spans of one line.

    ``{term}`X``` and ``{term}`X <label>``` become the text X (what the
    reader sees, so the term's spelling is checked too); any other role
    (``{cite}``, ``{ref}``, ``{doc}``, …) becomes a code span (skipped).
    A code span that is the whole of a ``**…**`` loses the asterisks:
    textlint's sentence splitter does not split sentences after it.
    """
    out, pos = [], 0
    for m in CODE_SPAN_RE.finditer(line):
        before = line[pos : m.start()]
        role = ROLE_RE.search(before)
        if role:
            before = before[: role.start()]
        out.append(_inline_text(before))
        if role and role.group(1) == "term":
            out.append(TERM_LABEL_RE.sub("", m.group(2)).strip())
        else:
            out.append(m.group(0))
        pos = m.end()
    out.append(_inline_text(line[pos:]))
    return STRONG_CODE_RE.sub(r"\1", "".join(out))


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


def _inline_text(text: str) -> str:
    text = DISPLAY_MATH_INLINE_RE.sub(lambda m: _math(m.group(1)), text)
    return INLINE_MATH_RE.sub(lambda m: _math(m.group(1)), text)


def myst_to_markdown(text: str) -> str:
    """MyST Markdown -> plain Markdown with the same number of lines."""
    lines = text.split("\n")
    out: list[str] = []
    # stack of open fences: (fence chars, is a prose directive to unwrap)
    stack: list[tuple[str, bool, str]] = []
    in_math: str | None = None  # "$$" or the \begin environment name
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        i += 1
        if in_math is not None:
            if in_math == "$$":
                if stripped.endswith("$$") or re.search(
                    r"\$\$\s*\([^)]*\)\s*$", stripped
                ):
                    in_math = None
            elif re.match(rf"\\end\{{{re.escape(in_math)}\}}", stripped):
                in_math = None
            out.append("")
            continue
        skipping = bool(stack) and not stack[-1][1]
        m = FENCE_RE.match(line)
        if (
            m
            and stack
            and (
                m.group("fence")[0] == stack[-1][0][0]
                and len(m.group("fence")) >= len(stack[-1][0])
                and not m.group("name")
                and not m.group("arg").strip()
            )
        ):
            fence, prose, _ = stack.pop()
            out.append("" if prose or fence[0] == ":" else line)
            continue
        if skipping:
            # Inside a skipped block: keep backtick code as code for
            # textlint, blank out the body of a skipped colon directive.
            out.append(line if stack[-1][0][0] != ":" else "")
            continue
        if m and (m.group("name") or m.group("fence")[0] != ":"):
            name = (m.group("name") or "").lower()
            fence = m.group("fence")
            prose = name in PROSE_DIRECTIVES
            stack.append((fence, prose, name))
            if prose:
                arg = m.group("arg").strip()
                title = name in TITLED_DIRECTIVES and arg
                out.append(f"#### {_inline(arg)}" if title else "")
                while i < len(lines) and OPTION_RE.match(lines[i]):
                    out.append("")
                    i += 1
            elif fence[0] == ":":
                out.append("")
            else:
                out.append(line)
            continue
        if stack and stack[-1][2] == "glossary":
            # term lines become headings, definitions plain paragraphs
            # (an indent under 4 spaces is kept: not a code block, and
            # the reported columns stay right)
            if stripped and not line[:1].isspace():
                out.append(f"#### {_inline(stripped)}")
            else:
                indent = len(line) - len(line.lstrip())
                out.append(_inline(line if indent < 4 else stripped))
            continue
        if (
            TARGET_RE.match(line)
            or stripped.startswith("%")
            or stripped == "+++"
        ):
            out.append("")
            continue
        if stripped.startswith("$$"):
            rest = stripped[2:]
            if not (
                rest.rstrip().endswith("$$")
                or re.search(r"\$\$\s*\([^)]*\)\s*$", rest)
            ):
                in_math = "$$"
            out.append("")
            continue
        b = BEGIN_RE.match(line)
        if b:
            end = rf"\\end\{{{re.escape(b.group(1))}\}}"
            if not re.search(end, line):
                in_math = b.group(1)
            out.append("")
            continue
        out.append(_inline(line))
    return "\n".join(_blank_english_blocks(out))


def _blank_english_blocks(lines: list[str]) -> list[str]:
    """Blank blocks with no Japanese at all (an English summary, a quoted
    abstract): the Japanese rules do not apply to them.  A block is a run
    of non-blank lines outside code fences; fences are left intact."""
    out = list(lines)
    fence: str | None = None
    block: list[int] = []

    def flush():
        if block and not any(JAPANESE_RE.search(out[k]) for k in block):
            for k in block:
                out[k] = ""
        block.clear()

    for k, line in enumerate(lines):
        m = FENCE_RE.match(line)
        if fence is not None:
            if (
                m
                and m.group("fence").startswith(fence)
                and not m.group("name")
                and not m.group("arg").strip()
            ):
                fence = None
            continue
        if m and m.group("fence")[0] != ":":
            flush()
            fence = m.group("fence")
            continue
        if line.strip():
            block.append(k)
        else:
            flush()
    flush()
    return out


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
