"""第2章 活性化関数の練習問題のチェッカー.

使い方::

    from nnbook.exercises import activations as check
    check.sigmoid(sigmoid)
    check.softmax(softmax)
    check.leaky_relu_grad(leaky_relu_grad)

読者の関数には NumPy 配列を渡し, オーバーフローなどの警告を誤りとして
扱います (``numpy.errstate(over="raise", invalid="raise",
divide="raise")`` の中で呼びます. 0 へのアンダーフローは害がないので
許します). 正しければ ○ を表示して True を, 違えば × と何が違うかと
ヒントを表示して False を返します. 答えそのものは表示しません.
"""

from __future__ import annotations

import numpy as np

from nnbook import activations as ref
from nnbook.backend import to_numpy
from nnbook.exercises._core import (
    Mistake,
    call,
    checker,
    expect_choice,
    expect_close,
    expect_number,
)

__all__ = [
    "gelu_grad_minimum",
    "leaky_relu_grad",
    "positive_outputs",
    "sigmoid",
    "sigmoid_derivative",
    "softmax",
]


def _call_strict(fn, *args, what: str, hint: str, **kwargs):
    """読者の関数を浮動小数点の警告を例外にして呼ぶ.

    オーバーフロー, 0 での割り算, NaN を生む演算が起きたら,
    ``what`` (どの入力か) と ``hint`` を添えた :class:`Mistake` にします.
    """
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        try:
            return call(fn, *args, **kwargs)
        except Mistake as m:
            cause = m.__cause__
            if isinstance(cause, FloatingPointError):
                raise Mistake(
                    f"{what}で浮動小数点の警告が出ました ({cause})", hint
                ) from None
            raise


def _as_array(value, what: str):
    """戻り値を NumPy 配列にする. 数の配列でなければ Mistake."""
    arr = np.asarray(to_numpy(value))
    if arr.dtype.kind not in "fiub":
        raise Mistake(
            f"{what}: 数の配列を返してください (返ってきたもの: "
            f"{type(value).__name__})",
            "関数の最後で計算結果をreturnしているか確かめてください.",
        )
    return arr


# ------------------------------------------------------------ シグモイド

_SIGMOID_OVERFLOW_HINT = (
    "exp(-x)は, xが大きな負の数のときにあふれます. xの符号で式を"
    "書き分け, expには0以下の値 (例えば-|x|) だけを渡してください. "
    "np.whereは両方の式を全要素で計算してから選ぶので, あふれる式を"
    "np.whereの中に書いても警告は消えません."
)


@checker("安定なシグモイド関数")
def sigmoid(fn) -> None:
    """``fn(x)`` が σ(x) = 1 / (1 + exp(-x)) を安定に計算するか確かめる."""
    # 1. ふつうの大きさの入力で値が合うか
    x = np.linspace(-8.0, 8.0, 33)
    y = _as_array(
        _call_strict(
            fn,
            x.copy(),
            what="入力-8〜8",
            hint=_SIGMOID_OVERFLOW_HINT,
        ),
        "入力-8〜8",
    )
    expect_close(
        y,
        ref.sigmoid(x),
        "入力-8〜8での値",
        "σ(x) = 1 / (1 + exp(-x)) です. x = 0で0.5になり, xが大きいほど"
        "1に近づくか確かめてください.",
    )
    # 2. 形を保つか (2 次元の入力)
    x2 = np.array([[-1.0, 0.0, 1.0], [2.0, -2.0, 0.5]])
    y2 = _as_array(
        _call_strict(
            fn, x2.copy(), what="2次元の入力", hint=_SIGMOID_OVERFLOW_HINT
        ),
        "2次元の入力",
    )
    expect_close(
        y2,
        ref.sigmoid(x2),
        "形 (2, 3) の入力での値",
        "要素ごとの計算なので, 入力と同じ形の配列を返してください. "
        "np.vectorizeやfor文は要りません.",
    )
    # 3. 極端な入力 (float64 と float32) で警告も NaN も出ないか
    for dtype in (np.float64, np.float32):
        name = np.dtype(dtype).name
        xe = np.array(
            [-1e4, -1000.0, -50.0, 0.0, 50.0, 1000.0, 1e4], dtype=dtype
        )
        what = f"極端な入力±1e4 ({name})"
        ye = _as_array(
            _call_strict(
                fn, xe.copy(), what=what, hint=_SIGMOID_OVERFLOW_HINT
            ),
            what,
        )
        expect_close(
            ye,
            ref.sigmoid(xe.astype(np.float64)),
            f"{what}での値",
            _SIGMOID_OVERFLOW_HINT,
            rtol=1e-5,
            atol=1e-7,
        )


# ---------------------------------------------------------- ソフトマックス

_SOFTMAX_MAX_HINT = (
    "exp(a)は, aが710ほどを超えるとfloat64でもあふれます. "
    "分子と分母のexpに同じ定数を掛けても値は変わらないことを使い, "
    "expに渡す前に最大値を引いてください."
)
_SOFTMAX_AXIS_HINT = (
    "形(N, C)の入力では, 行ごと (最後の軸) に正規化します. maxとsumに"
    "axis=-1とkeepdims=Trueを付けると, 形(N, 1)のまま引き算や"
    "割り算ができます."
)


@checker("練習問題2.1 オーバーフローしないソフトマックス関数")
def softmax(fn) -> None:
    """``fn(x)`` が最後の軸に沿ったソフトマックスを安定に計算するか."""
    # 1. 1 次元の小さな入力
    a = np.array([0.3, 2.9, 4.0])
    y = _as_array(
        _call_strict(
            fn, a.copy(), what="入力[0.3, 2.9, 4.0]", hint=_SOFTMAX_MAX_HINT
        ),
        "1次元の入力",
    )
    expect_close(
        y,
        ref.softmax(a),
        "入力[0.3, 2.9, 4.0]での値",
        "yₖ = exp(aₖ) / Σⱼ exp(aⱼ) です. 出力の和が1になるか確かめてください.",
    )
    # 2. (N, C) の入力: 行ごとに和が 1
    rng = np.random.default_rng(0)
    A = rng.normal(size=(4, 5)) * 3
    Y = _as_array(
        _call_strict(
            fn, A.copy(), what="形(4, 5)の入力", hint=_SOFTMAX_AXIS_HINT
        ),
        "形(4, 5)の入力",
    )
    if Y.shape != A.shape:
        raise Mistake(
            f"形(4, 5)の入力に形{Y.shape}の配列が返りました",
            _SOFTMAX_AXIS_HINT,
        )
    row_sums = Y.sum(axis=-1)
    if not np.allclose(row_sums, 1.0):
        raise Mistake(
            "形(4, 5)の入力で, 各行の和が1になっていません "
            f"(行ごとの和: {np.round(row_sums, 4)})",
            _SOFTMAX_AXIS_HINT,
        )
    expect_close(Y, ref.softmax(A), "形(4, 5)の入力での値", _SOFTMAX_AXIS_HINT)
    # 3. 大きな入力: 最大値を引かないとあふれる
    big = np.array([1000.0, 990.0, 1010.0])
    yb = _as_array(
        _call_strict(
            fn,
            big.copy(),
            what="入力[1000, 990, 1010]",
            hint=_SOFTMAX_MAX_HINT,
        ),
        "大きな入力",
    )
    expect_close(
        yb, ref.softmax(big), "入力[1000, 990, 1010]での値", _SOFTMAX_MAX_HINT
    )
    # 4. 行ごとに大きさが大きく違う入力: 行ごとの最大値が必要
    B = np.array([[1e4, 1e4 - 1.0, 0.0], [-1e4, -1e4 + 2.0, -1e4 + 1.0]])
    what = "行ごとに大きさの違う入力 (±1e4)"
    row_hint = (
        "配列全体の最大値ではなく, 行ごとの最大値を引いてください. "
        "全体の最大値を引くと, 小さな値の行はexpがすべて0になり, "
        "0 / 0になります. " + _SOFTMAX_AXIS_HINT
    )
    YB = _as_array(_call_strict(fn, B.copy(), what=what, hint=row_hint), what)
    expect_close(YB, ref.softmax(B), f"{what}での値", row_hint)


# --------------------------------------------------- Leaky ReLU の導関数

_LEAKY_HINT = (
    "関数の値 (xまたはαx) ではなく, 傾き (導関数の値) を返します. "
    "正の側の傾きは1, 負の側の傾きはαです."
)


@checker("練習問題2.2 Leaky ReLUの導関数")
def leaky_relu_grad(fn) -> None:
    """``fn(x, alpha=0.01)`` が Leaky ReLU の導関数を返すか確かめる.

    x = 0 では本書 (:func:`nnbook.activations.leaky_relu_grad`) の約束
    どおり α (x ≤ 0 を負の側に含める) を期待します.
    """
    x = np.array([-3.0, -0.5, 0.25, 2.0])
    y = _as_array(call(fn, x.copy()), "入力[-3, -0.5, 0.25, 2]")
    expect_close(
        y,
        ref.leaky_relu_grad(x),
        "alphaを省略したときの値",
        _LEAKY_HINT + " alphaの既定値は0.01です.",
    )
    # alpha を引数で変えられるか
    y2 = _as_array(call(fn, x.copy(), alpha=0.2), "alpha=0.2のとき")
    expect_close(
        y2,
        ref.leaky_relu_grad(x, alpha=0.2),
        "alpha=0.2のときの値",
        "負の側の傾きを0.01と書き込まず, 引数alphaを使ってください.",
    )
    # x = 0 での約束
    z = np.array([0.0])
    y0 = _as_array(call(fn, z.copy(), alpha=0.2), "x = 0")
    expect_close(
        y0,
        ref.leaky_relu_grad(z, alpha=0.2),
        "x = 0 (alpha=0.2) での値",
        "x = 0では微分できません. 問題文の約束 (x ≤ 0を負の側に"
        "含める) を見直し, 比較の不等号を確かめてください.",
    )
    # 形を保ち, 入力を書き換えないか
    X = np.array([[-1.0, 1.0, 0.0], [3.0, -2.0, 0.5]])
    X_before = X.copy()
    Y = _as_array(call(fn, X, alpha=0.1), "形(2, 3)の入力")
    expect_close(
        Y,
        ref.leaky_relu_grad(X_before, alpha=0.1),
        "形(2, 3)の入力 (alpha=0.1) での値",
        "要素ごとの計算なので, 入力と同じ形の配列を返してください.",
    )
    if not np.array_equal(X, X_before):
        raise Mistake(
            "渡した入力の配列xが, 関数の中で書き換えられています",
            "x[x < 0] = … のような代入は, 呼び出し側の配列も変えて"
            "しまいます. np.where などで新しい配列を作って返してください.",
        )


# ------------------------------------------------ 値で答える問題 (第 2 章)


@checker("練習問題2.3 シグモイド関数の導関数")
def sigmoid_derivative(answer) -> None:
    r"""$\sigma(a) = 0.9$ のときの $\sigma'(a) = \sigma(a)(1 - \sigma(a))$."""
    expect_number(
        answer,
        0.09,
        "σ'(a)",
        hints={
            0.81: "σ(a) を 2 回掛けていませんか. 導いた式は σ(1 − σ) です.",
            0.1: "1 − σ(a) だけでは足りません. σ(a) も掛けます.",
            0.25: "0.25 は σ'(a) の最大値 (a = 0, σ = 0.5 のとき) です.",
            0.9: "σ(a) そのものではなく, 導関数の値です.",
        },
    )


@checker("練習問題2.4 GELUの導関数の最小値")
def gelu_grad_minimum(answer) -> None:
    expect_choice(
        answer,
        "B",
        {
            "A": "GELU は負の側で一度下がってから 0 に戻ります. 下がる区間の"
            "導関数の符号を考えてください.",
            "C": "Φ(x) + xφ(x) の x = −√2 での値を計算してみてください. "
            "−0.5 ほど深くはありません.",
            "D": "GELU のグラフには, 右下がりの区間があります.",
        },
    )


@checker("練習問題2.5 出力がすべて正のときの重みの更新")
def positive_outputs(answer) -> None:
    expect_choice(
        answer,
        "A",
        {
            "B": "∂L/∂wᵢ = δ hᵢ で, hᵢ はすべて正です. 符号を決めるのは"
            "何でしょうか.",
            "C": "更新の向きは乱数ではなく, δ と hᵢ の符号で決まります.",
        },
    )
