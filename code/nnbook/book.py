"""本のための小道具: パッケージのソースコードを章の中に表示する.

章の本文にコードを貼り付けずに `show_source(nnbook.activations.relu)`
で表示するので, 本文とパッケージのコードが食い違うことはありません.
import すると `nnbook.plotting` も読み込み, 図の体裁 (日本語フォント)
が設定されます.
"""

from __future__ import annotations

import inspect
import re
import textwrap

from nnbook import plotting  # noqa: F401  (日本語フォントと本の体裁)

__all__ = ["SourceCode", "show_source"]


class SourceCode:
    """`show_source` の戻り値. ノートブックでは色付きのコードに.

    `_repr_markdown_` は Markdown のコードの囲み (python) を返し, Jupyter と
    本のサイト (myst-nb) で色付きのコードとして表示されます.
    `repr` (text/plain) はソースそのもので, メモリアドレスなどを
    含まないので nbval で比べられます.
    """

    def __init__(self, code: str, name: str = ""):
        self.code = code
        self.name = name

    def _repr_markdown_(self) -> str:
        runs = re.findall(r"`{3,}", self.code)
        fence = "`" * max([3] + [len(r) + 1 for r in runs])
        return f"{fence}python\n{self.code}\n{fence}\n"

    def __repr__(self) -> str:
        return self.code

    def __str__(self) -> str:
        return self.code


def show_source(obj) -> SourceCode:
    """関数・クラス・モジュールのソースコードを表示用に返す.

    章の本文にコードを貼り付けずにこれで表示するので, 本文と
    パッケージのコードが食い違うことはありません.

    >>> from nnbook import activations
    >>> show_source(activations.relu)  # doctest: +SKIP
    """
    try:
        code = inspect.getsource(obj)
    except (TypeError, OSError) as exc:
        raise TypeError(
            f"{obj!r} のソースコードは取り出せません "
            "(Python で書かれた関数・クラス・モジュールを渡してください)"
        ) from exc
    name = getattr(obj, "__qualname__", getattr(obj, "__name__", ""))
    return SourceCode(textwrap.dedent(code).rstrip("\n"), name)
