"""第 8 章 (バッチ正規化) の練習問題のチェッカー.

使い方::

    from nnbook.exercises import batch_norm as check
    check.q8_1(answer)            # 値で答える問題
    check.q8_5(fold_batchnorm)    # 関数を実装する問題

値で答える問題は, 値そのものか, 値を返す引数なしの関数を渡せます.
問題のデータ (``Q8_1_X`` など) はこのモジュールにあり, 章の本文と
同じものです. 表示するのは読者の答えとヒントだけで, 正解の値は
表示しません.
"""

from __future__ import annotations

import numpy as np

from nnbook import layers as _layers
from nnbook.backend import to_numpy
from nnbook.exercises._core import Mistake, call, checker, expect_close

__all__ = [
    "Q8_1_BETA",
    "Q8_1_GAMMA",
    "Q8_1_X",
    "Q8_2_DOUT",
    "Q8_2_GAMMA",
    "Q8_2_XN",
    "Q8_3_CHOICES",
    "q8_1",
    "q8_2",
    "q8_3",
    "q8_4",
    "q8_5",
]

#: 問題8.1: 特徴 1 個, データ 5 個のバッチと γ, β.
Q8_1_X = np.array([1.0, 2.0, 3.0, 4.0, 10.0])
Q8_1_GAMMA, Q8_1_BETA = 2.0, 1.0

#: 問題8.2: 特徴 1 個の正規化された値 x̂, 上流の勾配 dout, γ.
Q8_2_XN = np.array([-1.5, -0.5, 0.5, 1.5])
Q8_2_DOUT = np.array([0.2, -0.1, 0.4, 0.5])
Q8_2_GAMMA = 2.0

#: 問題8.3 の選択肢.
Q8_3_CHOICES = {
    "A": "β の初期値が 0 なので, バイアスも 0 のまま変わらないから",
    "B": "バッチの平均を引くと, 全データに同じ値を足す効果が消えるから",
    "C": "ReLU の前では負の値が 0 になり, バイアスの効果が消えるから",
    "D": "分散で割ると, バイアスの大きさが 1 にそろうから",
}


def _blank():
    raise NotImplementedError("ここを実装してください")


def _value(answer):
    """答えの値. 関数なら呼び, None なら「未実装」にする.

    ``...`` (読者版の初めの状態) は :func:`checker` が先に扱います.
    """
    if answer is None:
        return call(_blank)
    if callable(answer):
        return call(answer)
    return answer


def _pair(answer, what):
    """答えを 2 つの float の組にする. 形が違えば Mistake."""
    value = _value(answer)
    try:
        a, b = (float(v) for v in np.asarray(to_numpy(value)).ravel())
    except (TypeError, ValueError):
        raise Mistake(
            f"{what}: 答えは 2 つの数の組 (a, b) です "
            f"(受け取ったもの: {value!r})",
            "例: answer = (0.5, 2.0) のように, かっこで 2 つの数を並べます.",
        ) from None
    if not (np.isfinite(a) and np.isfinite(b)):
        raise Mistake(f"{what}: nan か inf が入っています", "数で答えます.")
    return a, b


def _near(a, b, rtol=1e-3):
    return bool(np.isclose(a, b, rtol=rtol, atol=1e-6))


# ------------------------------------------------- 問題8.1 出力の平均と分散


def _q8_1_expected():
    var = Q8_1_X.var()
    scale = var / (var + 1e-5)  # ε の分だけ 1 より小さい
    return Q8_1_BETA, Q8_1_GAMMA**2 * scale


@checker("問題8.1 BatchNorm の出力の平均と分散")
def q8_1(answer):
    """``answer = (平均, 分散)``: γ = 2, β = 1 の出力 (分散は N で割る)."""
    mean, var = _pair(answer, "問題8.1")
    mean_ok, var_ok = _q8_1_expected()
    if _near(mean, 0.0) and _near(var, 1.0):
        raise Mistake(
            "平均 0, 分散 1 は正規化した直後 x̂ の値です",
            "出力は γ x̂ + β です. γ と β がそれぞれ何を変えるか考えます.",
        )
    if _near(mean, Q8_1_GAMMA) and _near(var, Q8_1_BETA):
        raise Mistake(
            "平均と分散の役割が γ と β で入れ替わっています",
            "β は全体を平行移動し, γ は広がりを何倍かにします.",
        )
    if _near(mean, mean_ok) and _near(var, Q8_1_GAMMA):
        raise Mistake(
            "分散が γ 倍になっています",
            "値を γ 倍すると, 標準偏差は γ 倍, 分散は何倍になりますか.",
        )
    if _near(mean, Q8_1_X.mean()) or _near(var, Q8_1_X.var()):
        raise Mistake(
            "入力 x の平均や分散が残っています",
            "正規化で x の平均と分散はいったん消えます.",
        )
    expect_close(mean, mean_ok, "出力の平均", "β を見直します.", rtol=1e-3)
    expect_close(var, var_ok, "出力の分散", "γ を見直します.", rtol=1e-3)


# ----------------------------------------------------- 問題8.2 ∂L/∂γ, ∂L/∂β


@checker("問題8.2 ∂L/∂γ と ∂L/∂β")
def q8_2(answer):
    """``answer = (∂L/∂γ, ∂L/∂β)`` (問題のデータ Q8_2_* で)."""
    dgamma, dbeta = _pair(answer, "問題8.2")
    ok_g = float((Q8_2_DOUT * Q8_2_XN).sum())
    ok_b = float(Q8_2_DOUT.sum())
    n = len(Q8_2_XN)
    if _near(dgamma, ok_b) and _near(dbeta, ok_g):
        raise Mistake(
            "∂L/∂γ と ∂L/∂β が入れ替わっています",
            "out = γ x̂ + β を γ で微分すると何が残りますか.",
        )
    if _near(dgamma, ok_g / n) or _near(dbeta, ok_b / n):
        raise Mistake(
            "バッチについて平均をとっているようです",
            "γ と β はバッチのすべてのデータで共有されるので, 勾配は"
            "データについての和になります (平均ではありません).",
        )
    if _near(dgamma, ok_g * Q8_2_GAMMA) or _near(dbeta, ok_b * Q8_2_GAMMA):
        raise Mistake(
            "γ が掛かっています",
            "γ を掛けるのは x̂ への勾配 ∂L/∂x̂ = γ dout のほうです.",
        )
    expect_close(
        dgamma, ok_g, "∂L/∂γ", "各データの dout × x̂ を足します.", rtol=1e-6
    )
    expect_close(dbeta, ok_b, "∂L/∂β", "各データの dout を足します.")


# ------------------------------------------ 問題8.3 BatchNorm の前のバイアス


@checker("問題8.3 BatchNorm の直前のバイアス")
def q8_3(answer):
    """``answer = "A"`` などの記号 (:data:`Q8_3_CHOICES`)."""
    choice = _value(answer)
    if not isinstance(choice, str) or choice.strip().upper() not in (
        Q8_3_CHOICES
    ):
        raise Mistake(
            f"答えは A, B, C, D のどれかの文字です (受け取ったもの: "
            f"{choice!r})",
            'answer = "A" のように, 引用符で囲んだ 1 文字で答えます.',
        )
    choice = choice.strip().upper()
    hints = {
        "A": "β が 0 から動き始めても, 直前のバイアスの勾配は 0 のまま"
        "です. 初期値ではなく, 正規化の式そのものを見ます.",
        "C": "BatchNorm は ReLU の前にあります. ReLU に届く前の式 "
        "x + b − mean(x + b) を整理してみます.",
        "D": "分散で割る前に, 平均を引く段階で何が起きるかを見ます.",
    }
    if choice in hints:
        raise Mistake(f"{choice} ではありません", hints[choice])


# -------------------------------------------- 問題8.4 重みの大きさと勾配


@checker("問題8.4 重みを 10 倍したときの出力と勾配")
def q8_4(answer):
    """``answer = (出力の倍率, ∂L/∂W の倍率)``."""
    out_ratio, grad_ratio = _pair(answer, "問題8.4")
    if _near(out_ratio, 10.0):
        raise Mistake(
            "出力が 10 倍になると答えています",
            "BatchNorm は x W の平均と標準偏差で割ります. x W を 10 倍"
            "すると, 平均と標準偏差は何倍になりますか.",
        )
    expect_close(
        out_ratio, 1.0, "出力の倍率", "正規化の後の値を考えます.", rtol=1e-6
    )
    if _near(grad_ratio, 10.0) or _near(grad_ratio, 1.0):
        raise Mistake(
            f"∂L/∂W の倍率 {grad_ratio:g} は違います",
            "W' = 10 W での損失は L(W'/10) と同じ関数です. 連鎖律で "
            "W' について微分すると, どんな係数が出ますか.",
        )
    expect_close(
        grad_ratio,
        0.1,
        "∂L/∂W の倍率",
        "L'(W') = L(W'/10) を W' で微分します.",
        rtol=1e-6,
    )


# ------------------------- 問題8.5 推論時の BatchNorm を全結合層にまとめる


def _fold_case(rng, small_var):
    d, m = 5, 4
    W = rng.normal(size=(d, m))
    b = rng.normal(size=m)
    gamma = rng.uniform(0.5, 2.0, m)
    beta = rng.normal(size=m)
    mean = rng.normal(size=m)
    var = np.full(m, 2e-5) if small_var else rng.uniform(0.5, 3.0, m)
    return W, b, gamma, beta, mean, var


def _reference(x, W, b, gamma, beta, mean, var, eps):
    bn = _layers.BatchNorm(gamma.copy(), beta.copy(), eps=eps)
    bn.running_mean[...] = mean
    bn.running_var[...] = var
    return bn.forward(x @ W + b, train=False)


@checker("問題8.5 推論時の BatchNorm を全結合層にまとめる")
def q8_5(user_fn):
    """``fold_batchnorm(W, b, gamma, beta, mean, var, eps)`` → ``(W2, b2)``.

    ``x @ W2 + b2`` が Affine → BatchNorm (推論時) と一致するか調べます.
    分散が ε と同じくらい小さい場合 (ε を忘れると大きくずれる) も試します.
    """
    rng = np.random.default_rng(8)
    x = rng.normal(size=(6, 5))
    for what, small in (("ふつうの分散", False), ("分散が ε 程度", True)):
        W, b, gamma, beta, mean, var = _fold_case(rng, small)
        args = (W.copy(), b.copy(), gamma.copy(), beta.copy())
        out = call(user_fn, *args, mean.copy(), var.copy(), 1e-5)
        try:
            W2, b2 = (np.asarray(to_numpy(v), dtype=float) for v in out)
        except (TypeError, ValueError):
            raise Mistake(
                f"{what}: 戻り値は (W2, b2) の組です",
                "return W2, b2 のように 2 つの配列を返します.",
            ) from None
        if W2.shape != W.shape or b2.shape != b.shape:
            raise Mistake(
                f"{what}: W2 の形 {W2.shape}, b2 の形 {b2.shape} が "
                f"W {W.shape}, b {b.shape} と違います",
                "γ / √(σ² + ε) は出力のユニット (W の列) ごとの係数です.",
            )
        expected = _reference(x, W, b, gamma, beta, mean, var, 1e-5)
        actual = x @ W2 + b2
        no_eps = _reference(x, W, b, gamma, beta, mean, var, 0.0)
        if small and np.allclose(actual, no_eps, rtol=1e-6):
            raise Mistake(
                f"{what}: ε を入れ忘れているようです",
                "推論時も √(running_var + ε) で割ります.",
            )
        no_b = _reference(x, W, np.zeros_like(b), gamma, beta, mean, var, 1e-5)
        if np.allclose(actual, no_b, rtol=1e-6):
            raise Mistake(
                f"{what}: 元のバイアス b が消えています",
                "推論時は b − running_mean を正規化します (訓練時と違い, "
                "b は打ち消されません).",
            )
        expect_close(
            actual,
            expected,
            f"{what}: x @ W2 + b2",
            "γ (x W + b − μ) / √(σ² + ε) + β を x W2 + b2 の形に整理します.",
        )
