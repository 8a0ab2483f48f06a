"""第 3 章 (損失関数) の練習問題のチェッカー.

使い方::

    from nnbook.exercises import losses as check
    check.mean_squared_error(mean_squared_error)

どのチェッカーも読者の関数を NumPy 配列 (float64) で呼び, 境界の場合
(確率 0 のクラス, 大きなロジット, 切り替え点 δ のちょうど上など) も
試します. 正解の値は :mod:`nnbook.losses` で計算しますが, 表示するのは
読者の関数が返した値とヒントだけです.
"""

from __future__ import annotations

import numpy as np

from nnbook import activations as _act
from nnbook import losses as _ref
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
    "bce_with_logits",
    "cross_entropy_error",
    "huber_limits",
    "mean_not_sum",
    "minimizers",
    "huber_loss",
    "mean_squared_error",
    "softmax_cross_entropy_grad",
]


def _quiet_call(user_fn, *args, **kwargs):
    """読者の関数を呼ぶ. log(0) などの NumPy の警告は表示しない.

    警告の代わりに, 結果が nan や inf なら :func:`expect_close` が
    何が起きたかを伝えます.
    """
    with np.errstate(all="ignore"):
        return call(user_fn, *args, **kwargs)


def _as_float(value, what):
    """戻り値をホスト上の float にする. スカラーでなければ Mistake."""
    arr = np.asarray(to_numpy(value))
    if arr.size != 1:
        raise Mistake(
            f"{what}: 戻り値の形が {arr.shape} です. 損失は一つの数"
            "(スカラー) で返してください",
            "最後に全体を一つの数にまとめる計算 (平均) を忘れていませんか.",
        )
    try:
        return float(arr.reshape(()))
    except (TypeError, ValueError):
        raise Mistake(
            f"{what}: 戻り値 {value!r} を数として読めません",
            "NumPy の配列か数を返してください.",
        ) from None


def _scaled(actual, expected, factor):
    """actual が expected の factor 倍 (factor ≠ 1) に近いか."""
    return bool(
        np.isfinite(actual)
        and expected != 0
        and np.isclose(actual, expected * factor, rtol=1e-6, atol=0)
    )


def _rng():
    return np.random.default_rng(2024)


def _probabilities(rng, n, c):
    p = rng.uniform(0.05, 1.0, size=(n, c))
    return p / p.sum(axis=1, keepdims=True)


def _one_hot(labels, c):
    return np.eye(c)[labels]


# ------------------------------------------------------------ 平均二乗誤差


_MSE_CASES = [
    ("ミニバッチ (N=4, D=3)", None, None),  # 乱数で作る
    (
        "1 個のデータ",
        np.array([[0.5, 2.0, -1.0]]),
        np.array([[1.0, 2.0, 0.0]]),
    ),
    ("予測が正解と一致", np.array([[1.5, -2.0]]), np.array([[1.5, -2.0]])),
]


@checker("平均二乗誤差 mean_squared_error")
def mean_squared_error(user_fn):
    """``mean_squared_error(y, t)``: すべての要素の (y − t)² の平均."""
    rng = _rng()
    for what, y, t in _MSE_CASES:
        if y is None:
            y = rng.normal(size=(4, 3))
            t = rng.normal(size=(4, 3))
        expected = float(_ref.mean_squared_error(y, t))
        actual = _as_float(_quiet_call(user_fn, y.copy(), t.copy()), what)
        if _scaled(actual, expected, y.size):
            raise Mistake(
                f"{what}: 値が平均の {y.size} 倍 (要素の数の倍) になって"
                "います",
                "二乗誤差を合計したあと, 要素の数で割りましたか.",
            )
        if _scaled(actual, expected, 0.5 * y.size):
            raise Mistake(
                f"{what}: (1/2) Σ (y − t)² の値になっています",
                "この本の平均二乗誤差は 1/2 を掛けた合計ではなく, "
                "要素の数で割った平均です. 本文の式を見直してください.",
            )
        if y.ndim == 2 and _scaled(actual, expected, y.shape[1]):
            raise Mistake(
                f"{what}: 値がデータの数 N でしか割られていないようです",
                "平均はすべての要素 (N×D 個) についてとります.",
            )
        expect_close(
            actual,
            expected,
            what,
            "差 y − t を二乗してから平均をとります (平均してから二乗する"
            "のではありません).",
        )


# ---------------------------------------------------- 交差エントロピー誤差


@checker("交差エントロピー誤差 cross_entropy_error")
def cross_entropy_error(user_fn):
    """``cross_entropy_error(y, t)``: y (N, C) の確率, t (N, C) の one-hot.

    −(1/N) Σₙ Σₖ tₙₖ log yₙₖ. 正解のクラスの確率が 0 でも有限の値を返す
    こと (log(0) の対策) も確かめます.
    """
    rng = _rng()
    worked = (
        "本文の例 (t = (1, 0, 0), y = (0.7, 0.1, 0.2))",
        np.array([[0.7, 0.1, 0.2]]),
        np.array([[1.0, 0.0, 0.0]]),
    )
    labels = rng.integers(0, 4, size=5)
    batch = (
        "ミニバッチ (N=5, C=4)",
        _probabilities(rng, 5, 4),
        _one_hot(labels, 4),
    )
    for what, y, t in (worked, batch):
        expected = float(_ref.cross_entropy_error(y, t))
        actual = _as_float(_quiet_call(user_fn, y.copy(), t.copy()), what)
        n, c = y.shape
        if n > 1 and _scaled(actual, expected, n):
            raise Mistake(
                f"{what}: 値がバッチの平均の {n} 倍になっています",
                "データについて合計したあと, データの数 N で割りましたか.",
            )
        if _scaled(actual, expected, 1.0 / c) or _scaled(
            actual, expected, 1.0 / (n * c)
        ):
            raise Mistake(
                f"{what}: クラスの数 C でも割ってしまっているようです",
                "クラスについては和をとり, 平均するのはデータの数 N に"
                "ついてだけです.",
            )
        if _scaled(actual, expected, -1.0):
            raise Mistake(
                f"{what}: 符号が逆です (得られた値: {actual:.4g})",
                "log y は 0 以下なので, 損失にはマイナスを付けます.",
            )
        expect_close(
            actual,
            expected,
            what,
            "正解のクラスの確率 y の対数だけが残ります. log の底は e "
            "(np.log) です.",
            rtol=1e-4,
        )

    # 正解のクラスの確率がちょうど 0: log(0) = −∞ を避けられるか
    what = "正解のクラスの確率が 0 の場合"
    y = np.array([[0.0, 0.6, 0.4], [0.8, 0.1, 0.1]])
    t = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    actual = _as_float(_quiet_call(user_fn, y.copy(), t.copy()), what)
    hint = (
        "np.log(0) は -inf になります. log に渡す前に, 小さな値 eps "
        "(たとえば 1e-7) を足すか, eps 以上に切り詰めてください."
    )
    if not np.isfinite(actual):
        raise Mistake(
            f"{what}: nan か inf が出ています (得られた値: {actual})", hint
        )
    if actual < 3.0:
        raise Mistake(
            f"{what}: 値が小さすぎます (得られた値: {actual:.4g}). "
            "確率 0 の正解は大きな損失になるはずです",
            "確率 0 の項を飛ばしていませんか. また, eps が大きすぎないか"
            "確かめてください (1e-7 程度が目安です).",
        )


# ------------------------------------- ソフトマックス + 交差エントロピー


@checker(
    "ソフトマックスと交差エントロピー誤差の勾配 softmax_cross_entropy_grad"
)
def softmax_cross_entropy_grad(user_fn):
    """``softmax_cross_entropy_grad(x, t)``: (softmax(x) − t) / N.

    x (N, C) はロジット, t (N, C) は one-hot. 大きなロジット (1000) でも
    nan にならないことも確かめます.
    """
    rng = _rng()
    labels = rng.integers(0, 3, size=4)
    cases = [
        ("1 個のデータ", np.array([[2.0, 1.0, 0.1]]), _one_hot([0], 3)),
        (
            "ミニバッチ (N=4, C=3)",
            rng.normal(size=(4, 3)),
            _one_hot(labels, 3),
        ),
        (
            "大きなロジット (1000 前後)",
            np.array([[1000.0, 999.0, 990.0], [-5.0, 1000.0, 1001.0]]),
            _one_hot([1, 2], 3),
        ),
    ]
    for what, x, t in cases:
        expected = to_numpy(_ref.softmax_cross_entropy_grad(x, t))
        actual = _quiet_call(user_fn, x.copy(), t.copy())
        actual = np.asarray(to_numpy(actual), dtype=float)
        n = x.shape[0]
        if actual.shape == expected.shape and np.all(np.isfinite(actual)):
            if n > 1 and np.allclose(actual, expected * n, rtol=1e-6):
                raise Mistake(
                    f"{what}: 勾配が {n} 倍 (データの数の倍) になっています",
                    "損失はバッチの平均なので, 勾配もデータの数 N で割ります.",
                )
            if np.allclose(actual, -expected, rtol=1e-6):
                raise Mistake(
                    f"{what}: 勾配の符号が逆です",
                    "引く順序 (予測 − 正解 か 正解 − 予測 か) を見直して"
                    "ください.",
                )
            if np.allclose(actual, (x - t) / n, rtol=1e-6):
                raise Mistake(
                    f"{what}: ロジット x から直接 t を引いています",
                    "先に x をソフトマックスで確率にしてください.",
                )
        expect_close(
            actual,
            expected,
            what,
            "exp が大きすぎてあふれていないか (各行の最大値を引いてから "
            "exp をとる), 確率の和が行ごとに 1 になっているかを確かめて"
            "ください.",
            rtol=1e-6,
            atol=1e-12,
        )


# ----------------------------------------------------------------- Huber 損失


@checker("Huber 損失 huber_loss")
def huber_loss(user_fn):
    """``huber_loss(y, t, delta)``: 要素ごとの Huber 関数の平均.

    r = y − t として |r| ≤ δ なら r²/2, |r| > δ なら δ(|r| − δ/2).
    """
    rng = _rng()
    cases = [
        ("小さな誤差だけ (δ = 1)", np.array([0.2, -0.5, 0.9]), 1.0),
        ("大きな誤差を含む (δ = 1)", np.array([0.3, -4.0, 10.0, 1.5]), 1.0),
        ("δ = 0.5", rng.normal(scale=2.0, size=(3, 4)), 0.5),
        ("δ = 3", rng.normal(scale=4.0, size=(6,)), 3.0),
    ]
    for what, r, delta in cases:
        t = rng.normal(size=r.shape)
        y = t + r
        expected = float(_ref.huber_loss(y, t, delta=delta))
        actual = _quiet_call(user_fn, y.copy(), t.copy(), delta)
        actual = _as_float(actual, what)
        a = np.abs(r)
        big = a > delta
        if _scaled(actual, expected, r.size):
            raise Mistake(
                f"{what}: 値が平均の {r.size} 倍になっています",
                "要素ごとの値を合計したあと, 要素の数で割りましたか.",
            )
        no_half = np.where(big, delta * (a - delta / 2), a**2).mean()
        no_shift = np.where(big, delta * a, a**2 / 2).mean()
        if big.any() and np.isclose(actual, no_shift, rtol=1e-6):
            raise Mistake(
                f"{what}: |r| > δ の部分の値が大きすぎます",
                "|r| = δ で二つの式の値がつながる (連続になる) ように, "
                "一次式の定数項を決めてください.",
            )
        if np.isclose(actual, no_half, rtol=1e-6) and not np.isclose(
            no_half, expected
        ):
            raise Mistake(
                f"{what}: |r| ≤ δ の部分の値が 2 倍になっています",
                "二乗の部分には 1/2 が付きます.",
            )
        expect_close(
            actual,
            expected,
            what,
            "|r| ≤ δ と |r| > δ で式を切り替えます. np.where と np.abs "
            "が使えます.",
        )


# ------------------------------------------------ 値で答える問題 (第 3 章)


def _pair_of_numbers(answer, what):
    if not isinstance(answer, tuple) or len(answer) != 2:
        raise Mistake(
            f"{what}: 答えは 2 つの数の組 (タプル) です "
            f"(得られた値: {answer!r})",
            "例: answer = (1.0, 2.0)",
        )
    return answer


@checker("練習問題3.1 平均絶対誤差と平均二乗誤差を最小にする定数")
def minimizers(answer) -> None:
    """t = (1, 2, 3, 10, 50) に定数 θ を当てはめる: (MAE の θ, MSE の θ)."""
    mae, mse = _pair_of_numbers(answer, "(MAE の θ, MSE の θ)")
    if np.isclose(mae, 13.2) and np.isclose(mse, 3.0):
        raise Mistake(
            "2 つの値が入れ替わっています",
            "|t − θ| の和の傾きは, θ より上のデータの数と下のデータの数の"
            "差で決まります.",
        )
    expect_number(
        mae,
        3.0,
        "MAE を最小にする θ",
        hints={13.2: "それは平均です. |t − θ| の和の傾きを考えてください."},
    )
    expect_number(
        mse,
        13.2,
        "MSE を最小にする θ",
        hints={
            3.0: "それは中央値です. (t − θ)² の和を θ で微分して 0 と"
            "おいてください."
        },
    )


@checker("練習問題3.2 Huber損失のδを極端にしたとき")
def huber_limits(answer) -> None:
    r"""r = 3 での $(\rho_{100}(3),\ \rho_{0.001}(3) / 0.001)$."""
    big, small = _pair_of_numbers(answer, "(ρ_100(3), ρ_0.001(3)/0.001)")
    expect_number(
        big,
        4.5,
        "δ = 100 のときの ρ_δ(3)",
        hints={9.0: "|r| ≤ δ の側の式には 1/2 が付いています."},
    )
    expect_number(
        small,
        2.9995,
        "δ = 0.001 のときの ρ_δ(3)/δ",
        hints={
            0.0: "ρ_δ(3) 自体は 0 に近づきますが, δ で割った値を答えます.",
            0.0029995: "δ で割るのを忘れていませんか.",
        },
    )


@checker("練習問題3.3 ミニバッチで平均をとる理由")
def mean_not_sum(answer) -> None:
    expect_choice(
        answer,
        "B",
        {
            "A": "合計と平均は正の定数 N 倍しか違わないので, 最小になる"
            "パラメータは同じです.",
            "C": "合計と平均の計算量は, 割り算 1 回しか違いません.",
        },
    )


_BCE_CASES = [
    ("ふつうのロジット (N=4, 3 ラベル)", None, None),  # 乱数で作る
    (
        "極端なロジット",
        np.array([[-1e4, 50.0, 0.0, 1e4]]),
        np.array([[1.0, 0.0, 1.0, 0.0]]),
    ),
    ("確率の正解 (0.3 など)", np.array([[2.0, -1.0]]), np.array([[0.3, 0.8]])),
]


@checker("練習問題3.4 ロジットからの二値交差エントロピー誤差")
def bce_with_logits(user_fn) -> None:
    rng = _rng()
    for what, z, t in _BCE_CASES:
        if z is None:
            z = rng.normal(scale=3.0, size=(4, 3))
            t = rng.integers(0, 2, size=(4, 3)).astype(float)
        expected = float(_ref.binary_cross_entropy_with_logits(z, t))
        actual = _as_float(_quiet_call(user_fn, z.copy(), t.copy()), what)
        clipped = float(_ref.binary_cross_entropy(_act.sigmoid(z), t))
        if np.isfinite(actual) and np.isclose(actual, clipped, rtol=1e-6):
            if not np.isclose(clipped, expected, rtol=1e-6):
                raise Mistake(
                    f"{what}: 確率に直してから切り詰めた値になっています",
                    "σ(z) を経由すると, 極端なロジットで本当の損失を表せ"
                    "ません. log σ(z) をロジットの式に書き直してください.",
                )
        expect_close(
            actual,
            expected,
            what,
            hint="要素ごとに max(z, 0) − z t + log(1 + exp(−|z|)) を計算し, "
            "すべての要素で平均します.",
            rtol=1e-9,
        )
