"""Every `show_source(X)` listing in the chapters reads as the algorithm.

The test finds each `show_source(...)` call in chapters/*.ipynb, resolves
its target with the chapter's own import statements, renders it the way
`nnbook.book.show_source` does and checks that the listing

- is at most 40 lines long,
- spends at most 3 lines on validation (`raise`, `assert` and the test of
  an `if` whose body raises: checks belong in `nnbook._checks`),
- has no reST markup (`:func:` and other roles, `.. math::`, double
  backquotes) and no doubled backslashes (math goes in raw docstrings).
"""

import ast
import json
import re
from pathlib import Path

import pytest

from nnbook.book import show_source

CHAPTERS = Path(__file__).resolve().parents[1] / "chapters"
MAX_LINES = 40
MAX_GUARD_LINES = 3
RST = re.compile(r":(?:func|class|meth|mod|data|attr|obj):`|\.\. math::")


def _code_cells(path):
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "code":
            yield "".join(cell["source"])


def _imports(path):
    """The namespace that the chapter's import statements build."""
    ns = {}
    for src in _code_cells(path):
        try:
            tree = ast.parse(src)
        except SyntaxError:  # cell magics
            continue
        for node in tree.body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                code = compile(ast.Module([node], []), str(path), "exec")
                exec(code, ns)
    return ns


def _targets():
    out = []
    for path in sorted(CHAPTERS.glob("*.ipynb")):
        for src in _code_cells(path):
            for m in re.finditer(r"show_source\(([\w.]+)\)", src):
                out.append(
                    pytest.param(path, m.group(1), id=f"{path.stem}:{m[1]}")
                )
    return out


TARGETS = _targets()


def guard_lines(code):
    """Lines of `raise`/`assert` and of the tests of `if`s that raise."""
    lines = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Raise | ast.Assert):
            lines.update(range(node.lineno, node.end_lineno + 1))
        if isinstance(node, ast.If) and any(
            isinstance(n, ast.Raise) for n in ast.walk(node)
        ):
            lines.update(range(node.lineno, node.test.end_lineno + 1))
    return len(lines)


def test_the_chapters_show_code():
    assert len(TARGETS) > 50


@pytest.mark.parametrize(("chapter", "expr"), TARGETS)
def test_listing_reads_as_the_algorithm(chapter, expr):
    obj = eval(expr, _imports(chapter))  # noqa: S307 (our own notebooks)
    code = show_source(obj).code
    n = len(code.splitlines())
    assert n <= MAX_LINES, f"{expr}: {n} lines"
    assert guard_lines(code) <= MAX_GUARD_LINES, f"{expr}: validation inline"
    assert not RST.search(code), f"{expr}: reST markup"
    assert "\\\\" not in code, f"{expr}: doubled backslash"
    assert "``" not in code, f"{expr}: double backquotes"


def test_guard_lines_counts_validation():
    code = (
        "def f(x):\n"
        "    if x < 0:\n"
        "        raise ValueError('x')\n"
        "    assert x\n"
        "    return x\n"
    )
    assert guard_lines(code) == 3
