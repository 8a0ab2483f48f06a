"""練習問題の自動チェッカー. 章ごとに一つのモジュールがあります.

使い方 (第 1 章の例)::

    from nnbook.exercises import perceptron as check
    check.and_gate(my_and)   # ○ か, 何が違うかとヒントを表示

チェッカーの土台は :mod:`nnbook.exercises._core` にあります.
"""

# 土台の名前 (CheckResult, checker, expect_number, …) をそのまま見せる
from nnbook.exercises._core import *  # noqa: F403
from nnbook.exercises._core import __all__  # noqa: F401
