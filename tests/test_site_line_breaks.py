"""The Sphinx hook that joins Japanese source lines (_ext/nnbook_site).

MyST gives each soft line break its own ``Text("\\n")`` node; the hook
drops the ones that follow a Japanese character and keeps the others
(a break after Latin text or a formula stays a space).
"""

import importlib.util
from pathlib import Path

from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "nnbook_site", ROOT / "_ext" / "nnbook_site.py"
)
site = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(site)


def _joined(*children):
    doc = new_document("test", get_default_settings(Parser))
    paragraph = nodes.paragraph("", "", *children)
    doc += paragraph
    site._join_japanese_lines(None, doc, "test")
    return paragraph.astext()


def test_break_next_to_japanese_is_dropped_between_latin_kept():
    text = _joined(
        nodes.Text("同じ計算です。"),
        nodes.Text("\n"),
        nodes.Text("See Kingma and"),
        nodes.Text("\n"),
        nodes.Text("Ba (2015)"),
        nodes.Text("\n"),
        nodes.Text("写像"),
        nodes.math("", "f(x)"),
        nodes.Text("を満たします。"),
        nodes.Text("\n"),
        nodes.Text("中間層を変えます。"),
    )
    # each break is looked up by identity, not by its equal text
    assert text == (
        "同じ計算です。See Kingma and\nBa (2015)写像f(x)を満たします。"
        "中間層を変えます。"
    )


def test_breaks_inside_one_text_node_and_around_a_formula():
    text = _joined(
        nodes.Text("勾配を計算します。\n  次に"),
        nodes.math("", "w"),
        nodes.Text("\nを更新し、ReLU\n関数と"),
        nodes.math("", "x"),
        nodes.Text("\n"),
        nodes.math("", "y"),
        nodes.Text("を使います。"),
    )
    assert text == (
        "勾配を計算します。次にwを更新し、ReLU関数とx\nyを使います。"
    )
