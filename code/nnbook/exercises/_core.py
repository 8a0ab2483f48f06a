"""練習問題の自動チェックの土台.

各章のチェッカーは :func:`checker` で包んだ関数として書きます.
チェッカーは読者の関数をいくつかの入力 (境界の値を含む) で呼び,
間違いを見つけたら :class:`Mistake` を送出します. 包み側が

- すべて通れば ``○ 正解です`` と表示し,
- 間違いがあれば ``×`` と何が違うか, ヒントを表示し,
- 読者の関数が ``NotImplementedError`` を送出したら
  「まだ実装されていません」と表示します.
- 値で答える問題 (導出, 予想と確認, 説明) で答えが ``...`` のまま
  (読者版のノートブックの初めの状態) なら「まだ答えが書かれていません」
  と表示します.

戻り値は :class:`CheckResult` です. ``bool(result)`` が合否で, ノートブック
ではメッセージだけが見え, ``True`` のような余計な出力は出ません.

どの場合もトレースバックは出さず, 答えそのものも表示しません.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from nnbook.backend import to_numpy

__all__ = [
    "CheckResult",
    "Mistake",
    "call",
    "checker",
    "expect_choice",
    "expect_close",
    "expect_equal",
    "expect_number",
]


class CheckResult:
    """チェックの結果. ``bool(result)`` と ``result.passed`` が合否.

    IPython はセルの最後の式の値を表示しますが, この値はメッセージを
    表示済みなので, 何も表示しません (``_ipython_display_``).
    """

    __slots__ = ("passed", "title")

    def __init__(self, title: str, passed: bool):
        self.title = title
        self.passed = passed

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"CheckResult({self.title!r}, passed={self.passed})"

    def _ipython_display_(self) -> None:
        pass


class Mistake(Exception):
    """読者の答えの誤り. ``message`` は何が違うか, ``hint`` は手がかり."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message = message
        self.hint = hint


class _NotImplementedYet(Exception):
    pass


def call(user_fn: Callable, *args, **kwargs):
    """読者の関数を呼ぶ. 例外はトレースバックなしの :class:`Mistake` に."""
    try:
        return user_fn(*args, **kwargs)
    except NotImplementedError as exc:
        raise _NotImplementedYet() from exc
    except Exception as exc:  # 読者のコードの誤りは何でもありうる
        shown = ", ".join(repr(a) for a in args)
        raise Mistake(
            f"入力 ({shown}) で {type(exc).__name__} が起きました: {exc}",
            "エラーの種類とメッセージを手がかりに, 関数の中を見直して"
            "ください.",
        ) from exc


def expect_equal(actual, expected, what: str, hint: str = "") -> None:
    """``actual == expected`` (配列なら全要素と形) でなければ Mistake."""
    a, e = np.asarray(to_numpy(actual)), np.asarray(to_numpy(expected))
    if a.shape != e.shape:
        raise Mistake(
            f"{what}: 形が {a.shape} になっていますが, {e.shape} のはずです",
            hint,
        )
    if not np.array_equal(a, e):
        raise Mistake(f"{what}: 値が違います (得られた値: {_short(a)})", hint)


def expect_close(
    actual,
    expected,
    what: str,
    hint: str = "",
    rtol: float = 1e-6,
    atol: float = 1e-8,
) -> None:
    """``actual`` が ``expected`` に十分近くなければ Mistake.

    NaN や無限大が混じっていれば, それ自体を誤りとして知らせます.
    """
    a = np.asarray(to_numpy(actual), dtype=float)
    e = np.asarray(to_numpy(expected), dtype=float)
    if a.shape != e.shape:
        raise Mistake(
            f"{what}: 形が {a.shape} になっていますが, {e.shape} のはずです",
            hint,
        )
    if not np.all(np.isfinite(a)) and np.all(np.isfinite(e)):
        raise Mistake(
            f"{what}: nan か inf が出ています (得られた値: {_short(a)})",
            hint or "exp や log に渡す値が大きすぎないか確かめてください.",
        )
    if not np.allclose(a, e, rtol=rtol, atol=atol):
        raise Mistake(f"{what}: 値が違います (得られた値: {_short(a)})", hint)


def expect_choice(answer, expected: str, hints: dict[str, str]) -> None:
    """選択式の答え (``"A"`` など, 大文字小文字は問わない) を確かめる.

    ``hints`` は正解以外の選択肢ごとの, それを選んだ読者へのヒントです.
    選択肢でない答えも Mistake にします (正解は表示しません).
    """
    choices = sorted({expected, *hints})
    key = answer.strip().upper() if isinstance(answer, str) else None
    if key not in choices:
        raise Mistake(
            f"答えは {', '.join(choices)} のどれか 1 つの文字列です "
            f"(得られた値: {answer!r})",
            '例: answer = "A" のように引用符で囲んで書きます.',
        )
    if key != expected:
        raise Mistake(f"{key} ではありません", hints[key])


_CHECK_THE_DERIVATION = (
    "導出を一行ずつ見直し, 途中の値をコードで確かめてください."
)


def expect_number(
    answer,
    expected: float,
    what: str,
    hints=None,
    rtol: float = 1e-3,
    miss_hint: str = _CHECK_THE_DERIVATION,
) -> None:
    """数で答える問題. ``hints`` はよくある誤答の値 → ヒント,
    ``miss_hint`` はそのどれでもない誤答へのヒント."""
    if isinstance(answer, bool) or not isinstance(
        answer, (int, float, np.integer, np.floating)
    ):
        raise Mistake(
            f"{what}: 数を 1 つ書いてください (得られた値: {answer!r})",
            "例: answer = 0.5",
        )
    for wrong, hint in (hints or {}).items():
        if np.isclose(answer, wrong, rtol=rtol) and not np.isclose(
            wrong, expected, rtol=rtol
        ):
            raise Mistake(f"{what}: {answer:g} ではありません", hint)
    if not np.isclose(answer, expected, rtol=rtol, atol=1e-12):
        raise Mistake(f"{what}: {answer:g} ではありません", miss_hint)


def _short(a: np.ndarray) -> str:
    return np.array2string(a, precision=4, threshold=8, edgeitems=2)


def checker(title: str):
    """チェッカー関数を, 結果を日本語で表示する関数に変えるデコレータ.

    Parameters
    ----------
    title : str
        練習問題の名前 (表示に使います).
    """

    def decorate(check: Callable[..., None]) -> Callable[..., CheckResult]:
        @functools.wraps(check)
        def run(*args, **kwargs) -> CheckResult:
            if any(a is Ellipsis for a in (*args, *kwargs.values())):
                print(
                    f"△ {title}: まだ答えが書かれていません. "
                    "... を自分の答えに置き換えてください."
                )
                return CheckResult(title, False)
            try:
                check(*args, **kwargs)
            except _NotImplementedYet:
                print(
                    f"△ {title}: まだ実装されていません. "
                    "NotImplementedError の行を自分のコードに置き換えて"
                    "ください."
                )
                return CheckResult(title, False)
            except Mistake as m:
                print(f"× {title}: {m.message}")
                if m.hint:
                    print(f"ヒント: {m.hint}")
                return CheckResult(title, False)
            print(f"○ {title}: 正解です.")
            return CheckResult(title, True)

        return run

    return decorate
