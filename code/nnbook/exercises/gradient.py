"""第 4 章 (勾配降下法と誤差逆伝播法) の練習問題のチェッカー.

使い方::

    from nnbook.exercises import gradient as check
    check.mul_backward(answer)               # 数で答える問題
    check.numerical_gradient(numerical_gradient)  # 実装の問題

数で答える問題には ``answer`` の値を, 実装の問題には読者の関数を
渡します. 表示するのは読者の答えとヒントだけで, 正解そのものは
表示しません.
"""

from __future__ import annotations

import numpy as np

from nnbook.backend import to_numpy
from nnbook.exercises._core import (
    Mistake,
    call,
    checker,
    expect_close,
    expect_number,
)

__all__ = [
    "MLP_PARAMETERS",
    "largest_stable_lr",
    "loss_evaluations",
    "mul_backward",
    "numerical_gradient",
]


def _pair_of_numbers(answer, what):
    ok = isinstance(answer, (tuple, list)) and len(answer) == 2
    if ok:
        try:
            return float(answer[0]), float(answer[1])
        except (TypeError, ValueError):
            pass
    raise Mistake(
        f"{what}: 答えは 2 つの数の組です (得られた値: {answer!r})",
        "例: answer = (1.0, 2.0) のように (∂L/∂x, ∂L/∂y) の順に書きます.",
    )


# ------------------------------------------------------- 乗算ノードの逆伝播


@checker("乗算ノードの逆伝播")
def mul_backward(answer):
    """z = x·y (x = 3, y = −2) に上流から 0.5 が届いたときの (∂L/∂x, ∂L/∂y).

    連鎖律で (0.5 · y, 0.5 · x) = (−1, 1.5).
    """
    what = "x = 3, y = −2, 上流の勾配 0.5"
    dx, dy = _pair_of_numbers(answer, what)
    if np.allclose((dx, dy), (1.5, -1.0)):
        raise Mistake(
            f"{what}: ∂L/∂x と ∂L/∂y が入れ替わっています",
            "z = x·y を x で微分すると y が残ります. x に流す勾配には"
            "相手の y を掛けます.",
        )
    if np.allclose((dx, dy), (-2.0, 3.0)):
        raise Mistake(
            f"{what}: 局所的な勾配 (∂z/∂x, ∂z/∂y) のままです",
            "連鎖律: 下流へ流す勾配 = 上流の勾配 × 局所的な勾配.",
        )
    if np.allclose((dx, dy), (0.5, 0.5)):
        raise Mistake(
            f"{what}: 加算ノードのように勾配をそのまま流しています",
            "乗算ノードでは, 上流の勾配に相手の入力の値を掛けます.",
        )
    for got, want, name in ((dx, -1.0, "∂L/∂x"), (dy, 1.5, "∂L/∂y")):
        if not np.isclose(got, want, rtol=1e-6, atol=1e-12):
            raise Mistake(
                f"{what}: {name} = {got:g} ではありません",
                "∂L/∂x = (∂L/∂z)(∂z/∂x) に数を入れて計算してください.",
            )


# ------------------------------------------------- 安定な学習率の上限を予想


@checker("安定な学習率の上限")
def largest_stable_lr(answer):
    """f(x₁, x₂) = 0.5 x₁² + 4 x₂² で勾配降下法が収束する学習率の上限.

    ヘッセ行列の固有値は 1 と 8 なので, 上限は 2/8 = 0.25.
    """
    expect_number(
        answer,
        0.25,
        "f(x₁, x₂) = 0.5 x₁² + 4 x₂² の学習率の上限",
        {
            2.0: "平らな方向 (固有値 1) で上限を決めています. どの方向でも"
            "発散しないためには, 一番急な方向の条件が効きます.",
            0.5: "係数 4 をそのまま λ に使っています. λ は f の 2 階微分"
            " (曲率) です. 4 x₂² を 2 回微分するといくつになりますか.",
            0.125: "1/λ は 1 回で最小値に届く学習率です. |1 − ηλ| < 1 を"
            " η について解いてください.",
            1.0: "1/λ の λ に平らな方向の値を使っています. |1 − ηλ| < 1 を"
            "一番急な方向の λ について解いてください.",
        },
    )


# ------------------------------------------------------ 多変数の数値微分


def _worked_example(p):
    a, b, c, d = p
    return 3 * a**3 + 8 * b**3 - 3 * c**2 + d**4


def _cubes(w):
    return (w**3).sum()


@checker("数値微分による勾配 numerical_gradient")
def numerical_gradient(user_fn):
    """``numerical_gradient(f, x, h)``: 要素ごとの中心差分で勾配を求める.

    本文の例 y = 3a³ + 8b³ − 3c² + d⁴ と, 行列の入力 f(W) = Σ W³ で
    確かめます. 3 次関数なので中心差分の誤差は h² の程度になり,
    前進差分 (誤差 h) や 2h の付け忘れと見分けられます. x を
    元の値に戻しているかも確かめます.
    """
    h = 1e-3
    p = np.array([1.0, 2.0, 3.0, 4.0])
    exact = np.array([9.0, 96.0, -18.0, 256.0])
    what = "本文の例 (a, b, c, d) = (1, 2, 3, 4)"
    got = call(user_fn, _worked_example, p, h)
    if not np.array_equal(p, [1.0, 2.0, 3.0, 4.0]):
        raise Mistake(
            f"{what}: 呼んだあと x の値が変わっています ({p})",
            "x[i] を動かして f を計算したら, 次の要素に進む前に元の値に"
            "戻してください.",
        )
    got = np.asarray(to_numpy(got), dtype=float)
    base = _worked_example(p)
    forward = np.array(
        [(_worked_example(p + h * e) - base) / h for e in np.eye(4)]
    )
    if got.shape == exact.shape and np.allclose(got, forward, rtol=1e-7):
        raise Mistake(
            f"{what}: 前進差分の値になっています",
            "x[i] + h と x[i] − h の両側で f を計算し, 差を 2h で割ります.",
        )
    if got.shape == exact.shape and np.allclose(got, 2 * exact, rtol=1e-4):
        raise Mistake(
            f"{what}: 値が 2 倍になっています",
            "両側の差は幅 2h にわたる変化です. h ではなく 2h で割ります.",
        )
    expect_close(
        got,
        exact,
        what,
        "1 つの要素だけを ±h 動かし, ほかの要素はそのままにします.",
        rtol=1e-5,
    )
    w = np.random.default_rng(4).normal(size=(2, 3))
    expect_close(
        call(user_fn, _cubes, w.copy(), 1e-4),
        3 * w**2,
        "行列の入力 f(W) = Σ W³",
        "x が行列でも, すべての要素について同じことをします "
        "(np.ndindex(x.shape) が使えます).",
        rtol=1e-6,
    )


# ------------------------------------------- 数値微分で学習しない理由 (説明)

#: 問題の MLP([64, 100, 10]) のパラメータ数: W1, b1, W2, b2.
MLP_PARAMETERS = 64 * 100 + 100 + 100 * 10 + 10


@checker("数値微分の勾配に必要な損失の計算回数")
def loss_evaluations(answer):
    """MLP([64, 100, 10]) の勾配を中心差分で求めるときの損失の計算回数."""
    p = MLP_PARAMETERS
    expect_number(
        answer,
        2 * p,
        "MLP([64, 100, 10]) の勾配 1 回分",
        {
            p: "中心差分は 1 つのパラメータにつき f(θ + h) と f(θ − h) の"
            " 2 回, 損失を計算します.",
            2 * (64 * 100 + 100 * 10): "b1 (100 個) と b2 (10 個) も"
            "パラメータです.",
            2: "それは誤差逆伝播法の回数 (順伝播と逆伝播) です. 数値微分では"
            "パラメータを 1 つずつ動かします.",
        },
        rtol=1e-9,
    )
