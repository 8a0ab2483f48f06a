"""練習問題の自動チェッカー. 章ごとに一つのモジュールがあります.

使い方 (第 1 章の例)::

    from nnbook.exercises import perceptron as check
    check.and_gate(my_and)   # ○ か, 何が違うかとヒントを表示

チェッカーの土台は :mod:`nnbook.exercises._core` にあります.
"""

from nnbook.exercises._core import (
    CheckResult,
    Mistake,
    call,
    checker,
    expect_choice,
    expect_close,
    expect_equal,
    expect_number,
)

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
