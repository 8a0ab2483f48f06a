"""第 9 章 (距離学習) の練習問題のチェッカー.

使い方::

    from nnbook.exercises import metric_learning as check
    check.q9_1(answer)          # 値で答える問題
    check.q9_4(batch_hard)      # 関数を書く問題

正解の値は ``nnbook.losses`` と ``nnbook.metric_learning`` で
計算します. 表示するのは読者の答えと何が違うかのヒントだけです.
"""

from __future__ import annotations

import numpy as np

from nnbook import losses as _losses
from nnbook import metric_learning as _ml
from nnbook.backend import to_numpy
from nnbook.exercises._core import (
    Mistake,
    call,
    checker,
    expect_choice,
    expect_close,
    expect_equal,
    expect_number,
)

__all__ = ["Q9_1_TRIPLET", "q9_1", "q9_2", "q9_3", "q9_4"]

#: 練習問題 9.1 の 3 つ組 (アンカー, 同じクラス, 違うクラス) とマージン.
Q9_1_TRIPLET = {
    "a": np.array([0.0, 0.0]),
    "p": np.array([3.0, 4.0]),
    "n": np.array([1.0, 0.0]),
    "margin": 1.0,
}


def _vector(value, size, what):
    arr = np.asarray(to_numpy(value), dtype=float).ravel()
    if arr.size != size:
        raise Mistake(
            f"{what}: {size} 個の数で答えてください (受け取った数: "
            f"{arr.size})",
            "例えば (0.1, -0.2) のようにタプルで書きます.",
        )
    return arr


def _number(value, what):
    try:
        return float(np.asarray(to_numpy(value), dtype=float).reshape(()))
    except (TypeError, ValueError):
        raise Mistake(
            f"{what}: 1 つの数で答えてください (受け取った値: {value!r})",
            "answer = 0.5 のように書きます.",
        ) from None


# ------------------------------------------------------ 9.1 勾配の導出


def _q9_1_expected():
    q = Q9_1_TRIPLET
    a, p, n = (q[k][None, :] for k in "apn")
    return to_numpy(_losses.triplet_loss_grad(a, p, n, q["margin"])[0])[0]


@checker("練習問題9.1 トリプレット損失のアンカーについての勾配")
def q9_1(answer):
    """``answer``: ∂L/∂a の 2 つの成分 (距離は 2 乗しない)."""
    got = _vector(answer, 2, "∂L/∂a")
    expected = _q9_1_expected()
    q = Q9_1_TRIPLET
    if np.allclose(got, -expected):
        raise Mistake(
            "符号が逆です",
            "d(a, p) は a を p から離すと増え, 損失も増えます. "
            "∂L/∂a は損失が増える向きです.",
        )
    squared = 2 * (q["n"] - q["p"])  # 距離の 2 乗を使ったときの勾配
    if np.allclose(got, squared):
        raise Mistake(
            "距離の 2 乗 (FaceNet の式) の勾配になっています",
            "この問題は 2 乗しない距離 ‖a − p‖ です. "
            "∂‖a − p‖/∂a = (a − p)/‖a − p‖ を使います.",
        )
    if np.allclose(got, 0):
        raise Mistake(
            "0 ではありません",
            "d(a, p) − d(a, n) + m が正なら, ヒンジの内側で勾配が流れます.",
        )
    expect_close(
        got,
        expected,
        "∂L/∂a",
        "∂L/∂a = (a − p)/‖a − p‖ − (a − n)/‖a − n‖ です (N = 1).",
    )


# ------------------------------------------- 9.2 recall@1 の予想と確認


@checker("練習問題9.2 生の画素と 2 次元の埋め込みの recall@1")
def q9_2(answer):
    """``answer``: "A" (生の画素が高い), "B" (2 次元が高い), "C" (同じ)."""
    expect_choice(
        answer,
        "A",
        {
            "B": "2 次元に押し込むと, 64 次元の画素が持っていた近さの情報の"
            "多くが失われます. 次のセルで確かめてください.",
            "C": "差は 0.01 より大きくなります. 8×8 の数字では画素の距離が"
            "とても強い基準です. 次のセルで確かめてください.",
        },
    )


# ------------------------------------------------ 9.3 マージンとスケール


@checker("練習問題9.3 埋め込みを 2 倍したときのトリプレット損失")
def q9_3(answer):
    """``answer``: L(f; m=0.5) = 0.2 のとき L(2f; m=1) の値."""
    expect_number(
        answer,
        2 * 0.2,
        "L(2f; m = 1)",
        hints={
            0.2: "損失は変わらないわけではありません. 距離もマージンも "
            "2 倍になると, ヒンジの中身 d(a,p) − d(a,n) + m は全体が "
            "2 倍になります.",
            0.1: "2 で割るのではありません. max(0, 2x) = 2 max(0, x) です.",
            0.8: "4 倍ではありません. 距離の 2 乗ではなく距離そのものが "
            "2 倍になります.",
        },
    )


# ----------------------------------------------- 9.4 batch hard の実装


def _q9_4_cases():
    gen = np.random.default_rng(2024)
    t = np.repeat(np.arange(4), 4)
    x = gen.normal(size=(len(t), 3)) + 1.5 * gen.normal(size=(4, 3))[t]
    yield "4 クラス × 4 点", x, t
    t2 = np.array([0, 1, 0, 1, 1])
    x2 = np.array([[0.0], [0.5], [3.0], [3.2], [-1.0]])
    yield "1 次元の 5 点", x2, t2


@checker("練習問題9.4 batch hard のマイニング")
def q9_4(user_fn):
    """``batch_hard(d, t)``: 各アンカーの最も遠い正例と最も近い負例の添字."""
    for what, x, t in _q9_4_cases():
        d = to_numpy(_ml.pairwise_distances(x))
        _, p_ref, n_ref = (to_numpy(v) for v in _ml.mine_batch_hard(x, t))
        got = call(user_fn, d.copy(), t.copy())
        if not (isinstance(got, tuple) and len(got) == 2):
            raise Mistake(
                f"{what}: (p, n) の 2 つの配列を返してください",
                "return p, n のようにタプルで返します.",
            )
        p, n = (np.asarray(to_numpy(v)) for v in got)
        if p.shape == p_ref.shape and np.array_equal(p, np.arange(len(t))):
            raise Mistake(
                f"{what}: 正例が自分自身になっています",
                "同じクラスの中から自分 (対角成分) を除きます.",
            )
        same = t[:, None] == t[None, :]
        nearest_pos = np.where(same & ~np.eye(len(t), dtype=bool), d, np.inf)
        if p.shape == p_ref.shape and np.array_equal(
            p, nearest_pos.argmin(axis=1)
        ):
            raise Mistake(
                f"{what}: 最も近い正例を選んでいます",
                "難しい正例は, アンカーから最も遠い同じクラスの点です.",
            )
        if n.shape == n_ref.shape and np.array_equal(
            n, np.where(~same, d, -np.inf).argmax(axis=1)
        ):
            raise Mistake(
                f"{what}: 最も遠い負例を選んでいます",
                "難しい負例は, アンカーに最も近い違うクラスの点です.",
            )
        hint = "正例は同じクラスで最も遠い点, 負例は違うクラスで最も近い点."
        expect_equal(p, p_ref, f"{what}: p", hint)
        expect_equal(n, n_ref, f"{what}: n", hint)
