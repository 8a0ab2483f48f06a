"""第 5 章 (最適化手法) の練習問題のチェッカー.

使い方::

    from nnbook.exercises import optimizers as check
    check.q5_1(answer)

数で答える問題は, よくある間違いの値を見つけるとヒントを表示します.
実装の問題 (5.3) は読者の関数を何度も呼び, :class:`nnbook.optimizers.Adam`
と同じ軌跡になるかを確かめます.
"""

from __future__ import annotations

import math

import numpy as np

from nnbook.backend import to_numpy
from nnbook.exercises._core import (
    Mistake,
    call,
    checker,
    expect_close,
    expect_number,
)

__all__ = ["q5_1", "q5_2", "q5_3", "q5_4"]


def _number(answer, what):
    """答えを float にする. 数でなければ Mistake."""
    if answer is None:
        raise Mistake(
            f"{what}: まだ答えが入っていません",
            "解答の行に数を書いてください.",
        )
    try:
        return float(np.asarray(to_numpy(answer)).reshape(()))
    except (TypeError, ValueError):
        raise Mistake(
            f"{what}: {answer!r} を数として読めません",
            "0.5 のような数を 1 つ書いてください.",
        ) from None


def _near(x, y):
    return math.isclose(x, y, rel_tol=1e-3, abs_tol=1e-9)


# ------------------------------------------------ 5.1 Adam の偏り補正


@checker("練習問題5.1 Adamの偏り補正")
def q5_1(answer) -> None:
    """β₁ = 0.9, t = 3 で E[m_t] = c E[g] となる c (= 1 − β₁³)."""
    c = _number(answer, "E[m_3] / E[g]")
    wrong = {
        0.9**3: "β₁ᵗ は初期値 m₀ = 0 に掛かる重みの残りです. "
        "g に掛かる重みの和を求めてください.",
        1 - 0.9: "t = 1 の場合の値です. 3 回分の重みを足してください.",
        1.0: "m₀ = 0 から始めるので, 重みの和は 1 に届きません.",
        0.1 * 0.9**2: "g₁ の重みだけです. g₁, g₂, g₃ の重みを足します.",
    }
    expect_number(
        c,
        1 - 0.9**3,
        "E[m_3] / E[g]",
        wrong,
        miss_hint="m_t = (1 − β₁) Σ β₁^(t−i) g_i の重みの和を等比数列の"
        "和で求めてください.",
    )


# ------------------------------------------------ 5.2 鞍点から抜け出す


_CHOICES = {"A": "SGD", "B": "モーメンタム", "C": "Adam"}


@checker("練習問題5.2 鞍点から先に抜け出すのは？")
def q5_2(answer) -> None:
    """A: SGD, B: モーメンタム, C: Adam のうち最初に |y| > 0.5 になるもの."""
    choice = str(answer).strip().upper()
    if choice not in _CHOICES:
        raise Mistake(
            f"{answer!r} は選択肢にありません",
            '"A", "B", "C" のどれか 1 つを文字列で書いてください.',
        )
    if choice == "A":
        raise Mistake(
            "SGD は最後です",
            "y 方向の勾配は y に比例して小さいので, SGD の y は毎回 "
            "1.1 倍にしかなりません.",
        )
    if choice == "B":
        raise Mistake(
            "モーメンタムは SGD より速いものの, 1 番ではありません",
            "速度がたまるには何回もかかります. 勾配の大きさで割る手法は, "
            "小さな勾配でも 1 回に lr 程度進みます.",
        )


# ------------------------------------------------ 5.3 Adam の 1 回の更新


def _adam_ref(p, m, v, g, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def _efficient(p, m, v, g, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    lr_t = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
    return p - lr_t * m / (np.sqrt(v) + eps), m, v


def _no_correction(p, m, v, g, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    return p - lr * m / (np.sqrt(v) + eps), m, v


def _unpack(result):
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        raise Mistake(
            "戻り値は (p, m, v) の 3 つ組のはずです",
            "return p_new, m_new, v_new のように返してください.",
        )
    return [np.asarray(to_numpy(r), dtype=float) for r in result]


@checker("練習問題5.3 Adamの更新")
def q5_3(fn) -> None:
    """``fn(p, m, v, g, t, lr, beta1, beta2, eps) -> (p, m, v)``."""
    gen = np.random.default_rng(5)
    args = (0.1, 0.9, 0.999, 0.1)  # eps を大きくして位置の違いを見る
    p = gen.normal(size=4)
    m, v = np.zeros(4), np.zeros(4)
    for t in range(1, 6):
        g = gen.normal(size=4)
        g_in = g.copy()
        got = _unpack(call(fn, p.copy(), m.copy(), v.copy(), g_in, t, *args))
        if not np.array_equal(g_in, g):
            raise Mistake(
                "引数の勾配 g を書き換えています",
                "g *= ... ではなく新しい配列を作ってください.",
            )
        ref = _adam_ref(p, m, v, g, t, *args)
        what = f"t = {t} の更新後の p"
        if got[0].shape == ref[0].shape:
            for wrong, hint in (
                (
                    _efficient(p, m, v, g, t, *args),
                    "ε を補正前の √v に足しています (論文 2 節の効率の"
                    "よい形). この本と PyTorch は補正後の √v̂ に足します.",
                ),
                (
                    _no_correction(p, m, v, g, t, *args),
                    "偏り補正 m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ) を忘れて"
                    "いませんか.",
                ),
            ):
                if np.allclose(got[0], wrong[0]):
                    raise Mistake(f"{what}が違います", hint)
        expect_close(got[1], ref[1], f"t = {t} の m", "m ← β₁m + (1−β₁)g")
        expect_close(got[2], ref[2], f"t = {t} の v", "v ← β₂v + (1−β₂)g²")
        expect_close(got[0], ref[0], what, "p ← p − lr·m̂/(√v̂ + ε)")
        p, m, v = ref


# ------------------------------------------------ 5.4 AdaGrad の歩幅


@checker("練習問題5.4 AdaGradの歩幅が縮む理由")
def q5_4(answer) -> None:
    """勾配が一定値 g = 2, lr = 0.1 のとき, 100 回目の歩幅 (ε は無視)."""
    step = _number(answer, "100 回目の歩幅")
    wrong = {
        0.02: "h = t·g² なので √h = √t·|g| です. g は分子と分母で"
        "打ち消し合います.",
        0.001: "h は g² の和なので t に比例し, 歩幅は √t で割られます.",
        0.1: "それは 1 回目の歩幅です. 2 回目からは h が増えます.",
        0.2: "lr·g は SGD の歩幅です. AdaGrad は √h で割ります.",
    }
    for value, hint in wrong.items():
        if _near(step, value):
            raise Mistake(f"歩幅 {step:g} ではありません", hint)
    expect_close(
        step,
        0.1 / math.sqrt(100),
        "100 回目の歩幅",
        "h_t = g₁² + … + g_t² を求め, lr·g/√h_t を計算してください.",
        rtol=1e-3,
    )
