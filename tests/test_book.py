"""Tests for nnbook.book: show_source (how the chapters show the code)."""

import re

import matplotlib
import pytest

from nnbook import book
from nnbook.training import History


def test_importing_book_sets_the_figure_style():
    assert matplotlib.rcParams["font.family"][0] == "IPAexGothic"


def test_show_source_markdown_fence_and_stable_plain_text():
    from nnbook import activations

    src = book.show_source(activations.leaky_relu)
    md = src._repr_markdown_()
    assert md.startswith("```python\ndef leaky_relu(x, alpha=0.01):\n")
    assert md.endswith("\n```\n")
    assert repr(src) == src.code == str(src)
    assert src.code.startswith("def leaky_relu")
    assert not re.search(r"0x[0-9a-f]+", repr(src))
    assert src.name == "leaky_relu"
    # methods are dedented
    meth = book.show_source(book.SourceCode._repr_markdown_)
    assert meth.code.startswith("def _repr_markdown_")


def test_show_source_of_a_class():
    src = book.show_source(History)
    assert src.code.startswith("@dataclass\nclass History:")


def test_show_source_uses_a_longer_fence_when_the_code_has_one():
    src = book.SourceCode('s = """\n```\n"""')
    assert src._repr_markdown_().startswith("````python\n")


def test_show_source_rejects_builtins():
    with pytest.raises(TypeError, match="ソースコードは取り出せません"):
        book.show_source(len)
