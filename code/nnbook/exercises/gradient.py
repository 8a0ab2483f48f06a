"""第 4 章 (勾配降下法と誤差逆伝播法) の練習問題のチェッカー.

使い方::

    from nnbook.exercises import gradient as check
    check.mul_backward(mul_backward)

数や選択肢で答える問題も, 答えを返す関数 ``answer()`` を渡します
(読者用の版では関数の中身が ``NotImplementedError`` になり, チェッカーは
「まだ実装されていません」と表示します). 表示するのは読者の答えと
ヒントだけで, 正解そのものは表示しません.
"""

from __future__ import annotations

import math

import numpy as np

from nnbook.backend import to_numpy
from nnbook.exercises._core import Mistake, call, checker, expect_close

__all__ = [
    "central_difference",
    "largest_stable_lr",
    "loss_evaluations",
    "mul_backward",
]


def _number(value, what):
    """答えを Python の float にする. 数でなければ Mistake."""
    arr = np.asarray(to_numpy(value))
    if arr.size != 1 or arr.dtype.kind not in "iuf":
        raise Mistake(
            f"{what}: 答え {value!r} を一つの数として読めません",
            "answer() は 0.1 のような数を一つ返してください.",
        )
    return float(arr.reshape(()))


def _pair(value, what):
    if not (isinstance(value, (tuple, list)) and len(value) == 2):
        raise Mistake(
            f"{what}: 戻り値は (dx, dy) の 2 つ組にしてください "
            f"(受け取った値: {value!r})",
            "return dx, dy のように 2 つの値を返します.",
        )
    return value


# ------------------------------------------------------- 乗算ノードの逆伝播


@checker("乗算ノードの逆伝播 mul_backward")
def mul_backward(user_fn):
    """``mul_backward(x, y, dout) -> (dx, dy)``: z = x · y の逆伝播.

    dx = dout · y, dy = dout · x (要素ごと). 本文の数値の例と,
    乱数の配列 (上流の勾配 dout も乱数) で確かめます.
    """
    rng = np.random.default_rng(4)
    cases = [
        ("x = 3, y = -2, dout = 1", 3.0, -2.0, 1.0),
        ("x = 3, y = -2, dout = 0.5", 3.0, -2.0, 0.5),
        (
            "形 (2, 3) の配列",
            rng.normal(size=(2, 3)),
            rng.normal(size=(2, 3)),
            rng.normal(size=(2, 3)),
        ),
    ]
    for what, x, y, dout in cases:
        dx, dy = _pair(call(user_fn, x, y, dout), what)
        if np.allclose(to_numpy(dx), dout * x) and np.allclose(
            to_numpy(dy), dout * y
        ):
            raise Mistake(
                f"{what}: dx と dy が入れ替わっています",
                "z = x·y を x で微分すると y が残ります. x に流す勾配には"
                "相手の y を掛けます.",
            )
        if np.allclose(to_numpy(dx), y) and np.allclose(to_numpy(dy), x):
            if not np.allclose(dout, 1.0):
                raise Mistake(
                    f"{what}: 上流から来た勾配 dout が掛かっていません",
                    "連鎖律: 下流へ流す勾配 = 上流の勾配 × 局所的な勾配.",
                )
        hint = "dx = dout × (x についての z の偏微分) です."
        expect_close(dx, dout * y, f"{what} の dx", hint)
        expect_close(dy, dout * x, f"{what} の dy", hint)


# ------------------------------------------------- 安定な学習率の上限を予想


@checker("安定な学習率の上限 largest_stable_lr")
def largest_stable_lr(user_fn):
    """f(x₁, x₂) = 0.5 x₁² + 4 x₂² で勾配降下法が収束する学習率の上限.

    ヘッセ行列の固有値は 1 と 8 なので, 上限は 2/8 = 0.25.
    """
    what = "f(x₁, x₂) = 0.5 x₁² + 4 x₂² の学習率の上限"
    value = _number(call(user_fn), what)
    wrong = {
        2.0: (
            "平らな方向 (固有値 1) で上限を決めています",
            "どの方向でも発散しないためには, 一番急な方向の条件が効きます.",
        ),
        0.5: (
            "係数 4 をそのまま λ に使っています",
            "λ は f の 2 階微分 (曲率) です. 4 x₂² を 2 回微分すると"
            "いくつになりますか.",
        ),
        0.125: (
            "1/λ になっています. これは 1 回で最小値に届く学習率です",
            "|1 − ηλ| < 1 を η について解いてください.",
        ),
        1.0: (
            "1/λ の λ に平らな方向の値を使っています",
            "|1 − ηλ| < 1 を一番急な方向の λ について解いてください.",
        ),
    }
    for bad, (message, hint) in wrong.items():
        if math.isclose(value, bad, rel_tol=1e-9):
            raise Mistake(f"{what}: {message} (答え: {value:g})", hint)
    expect_close(
        value,
        0.25,
        what,
        "x₂ 方向の更新は x₂ ← (1 − 8η) x₂ です. 振動しても縮む条件は?",
        rtol=1e-3,
    )


# ------------------------------------------------------------ 中心差分


def _cubic(x):
    return x**3 - 2.0 * x


@checker("中心差分 numerical_diff")
def central_difference(user_fn):
    """``numerical_diff(f, x, h)``: (f(x + h) − f(x − h)) / 2h.

    3 次関数なら中心差分の誤差はちょうど h² (f''' = 6 なので
    6 h² / 6) になることを使って, 前進差分や 2 の付け忘れを見分けます.
    """
    x, h = 1.5, 1e-2
    exact = 3.0 * x**2 - 2.0  # f'(x)
    central = exact + h**2  # 3 次関数の中心差分の値
    forward = (_cubic(x + h) - _cubic(x)) / h
    backward = (_cubic(x) - _cubic(x - h)) / h
    what = "f(x) = x³ − 2x, x = 1.5, h = 0.01"
    value = _number(call(user_fn, _cubic, x, h), what)
    if math.isclose(value, forward, rel_tol=1e-9) or math.isclose(
        value, backward, rel_tol=1e-9
    ):
        raise Mistake(
            f"{what}: 前進差分 (か後退差分) の値になっています",
            "x の両側 x + h と x − h で f を計算し, 差を 2h で割ります.",
        )
    if math.isclose(value, 2.0 * central, rel_tol=1e-9):
        raise Mistake(
            f"{what}: 値が 2 倍になっています",
            "両側の差は幅 2h にわたる変化です. h ではなく 2h で割ります.",
        )
    expect_close(value, central, what, "中心差分の式を見直してください.")
    arr = np.linspace(-1.0, 1.0, 5)
    values = call(user_fn, np.sin, arr, 1e-5)
    expect_close(
        values,
        np.cos(arr),
        "配列 x (要素ごとの微分)",
        "x が配列でも同じ式がそのまま使えるように書いてください.",
        rtol=1e-6,
    )


# ------------------------------------------- 数値微分で学習しない理由 (説明)

#: 問題の MLP([64, 100, 10]) のパラメータ数: W1, b1, W2, b2.
MLP_PARAMETERS = 64 * 100 + 100 + 100 * 10 + 10


@checker("数値微分の勾配に必要な損失の計算回数 loss_evaluations")
def loss_evaluations(user_fn):
    """MLP([64, 100, 10]) の勾配を中心差分で求めるときの損失の計算回数."""
    what = "MLP([64, 100, 10]) の勾配 1 回分"
    value = _number(call(user_fn), what)
    p = MLP_PARAMETERS
    if math.isclose(value, p):
        raise Mistake(
            f"{what}: パラメータの数と同じ {value:g} 回になっています",
            "中心差分は 1 つのパラメータにつき f(θ + h) と f(θ − h) の"
            "2 回, 損失を計算します.",
        )
    if math.isclose(value, 2 * (64 * 100 + 100 * 10)):
        raise Mistake(
            f"{what}: バイアスを数えていません (答え: {value:g})",
            "b1 (100 個) と b2 (10 個) もパラメータです.",
        )
    if value <= 4:
        raise Mistake(
            f"{what}: {value:g} 回は誤差逆伝播法の回数です",
            "数値微分ではパラメータを 1 つずつ動かします.",
        )
    expect_close(value, 2 * p, what, "W1, b1, W2, b2 の要素数を数えます.")
