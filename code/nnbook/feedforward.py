r"""行列で書いた多層ネットワークの順伝播 (第 1 章 1.5 節, 1.7 節, 1.8 節).

重みは辞書 `{"W1": (D, H1), "b1": (H1,), "W2": …}` で持ち, 入力は
データを行に並べた `(N, D)` のバッチです. 学習はしません (学習する
ネットワークは第 4 章からの `nnbook.models.MLP` です).

- `xor_network` : 論理ゲートの XOR を行列で書いた 2 層のネットワーク.
- `init_network`, `forward` : 重みを作り, 順伝播を計算する.
- `staircase_network` : 万能近似定理 (Cybenko 1989) の小さな実演.
"""

from __future__ import annotations

import numpy as np

from nnbook import backend, initializers
from nnbook._checks import check_batch, check_count, check_params, check_sizes
from nnbook.activations import identity, sigmoid
from nnbook.backend import get_array_module
from nnbook.perceptron import GATE_PARAMS

__all__ = ["forward", "init_network", "staircase_network", "xor_network"]


def xor_network():
    """`nnbook.perceptron.xor_gate` を行列で書いた 2 層のネットワークの重み.

    中間層の 2 つのニューロン (NAND と OR) の重みを列に並べた
    `W1 : (2, 2)`, `b1 : (2,)` と, 出力層 (AND) の `W2 : (2, 1)`,
    `b2 : (1,)` です. `forward(params, x, activation=step,
    output=step)` が `(N, 1)` の XOR を返します.
    """
    (n1, n2, nb), (o1, o2, ob) = GATE_PARAMS["NAND"], GATE_PARAMS["OR"]
    a1, a2, ab = GATE_PARAMS["AND"]
    params = {
        "W1": np.array([[n1, o1], [n2, o2]]),
        "b1": np.array([nb, ob]),
        "W2": np.array([[a1], [a2]]),
        "b2": np.array([ab]),
    }
    return {k: backend.to_device(v) for k, v in params.items()}


def init_network(sizes=(2, 3, 2, 2), std=1.0, seed=0, dtype=np.float64):
    """層の大きさ ``sizes = (D, H1, H2, C)`` のネットワークの重みを作る.

    ``W1 : (D, H1)``, ``b1 : (H1,)``, ``W2 : (H1, H2)``, … の辞書を返します.
    重みは平均 0, 標準偏差 ``std`` の正規分布, バイアスは 0 です
    (学習に向いた初期値は第 7 章で扱います).
    """
    sizes = check_sizes(sizes)
    gen = backend.rng(seed)
    params = {}
    pairs = zip(sizes[:-1], sizes[1:], strict=False)
    for i, (n_in, n_out) in enumerate(pairs, start=1):
        params[f"W{i}"] = initializers.normal(
            n_in, n_out, std=std, rng=gen, dtype=dtype
        )
        params[f"b{i}"] = initializers.zeros(n_out, dtype=dtype)
    return params


def forward(params, x, activation=sigmoid, output=identity):
    r"""行列で書いた順伝播. 3 層なら

    $$A_1 = X W_1 + b_1,\ Z_1 = h(A_1); \quad
    A_2 = Z_1 W_2 + b_2,\ Z_2 = h(A_2); \quad
    A_3 = Z_2 W_3 + b_3,\ Y = g(A_3)$$

    $h$ は中間層の活性化関数 (`activation`), $g$ は出力層の関数
    (`output`). 層の数は `params` の `W1, W2, …` の数で決まります.
    バイアス `b : (M,)` は N 行すべてに足されます (ブロードキャスト).

    Parameters
    ----------
    params : dict
        `init_network` の返す `{"W1": (D, H1), "b1": (H1,), …}`.
    x : (N, D) 配列
        データを行に並べたバッチ. 1 つだけなら `(1, D)` にします.

    Returns
    -------
    y : (N, C) 配列
    """
    n_layers = check_params(params)  # 重み W1, W2, … の数
    xp = get_array_module(params["W1"])
    z = check_batch(xp.asarray(x), params["W1"].shape[0])  # (N, D)
    for i in range(1, n_layers + 1):
        a = z @ params[f"W{i}"] + params[f"b{i}"]
        z = activation(a) if i < n_layers else output(a)
    return z


def staircase_network(f, n_hidden, lo=0.0, hi=1.0):
    r"""関数 f を近似する, 中間層 1 つのネットワークの重み (万能近似の実演).

    区間 [lo, hi] を `n_hidden` 等分した点 $g_0 < \dots < g_n$ を取り,
    中間層のニューロン k が $g_{k-1}$ と $g_k$ の中点 $m_k$ で
    0 から 1 へ切り替わるようにします:

    $$y(x) = f(g_0) + \sum_k (f(g_k) - f(g_{k-1}))\, \sigma(s (x - m_k))$$

    $s = 10 / 幅$ は切り替わりの急さです. 出力層のバイアス $f(g_0)$ を
    除けば Cybenko (1989) の形 $\sum_j \alpha_j \sigma(w_j x + \theta_j)$
    で, n_hidden を増やすほど連続関数 f に一様に近づきます.

    Parameters
    ----------
    f : callable
        NumPy 配列を受け取って同じ形の配列を返す関数.
    n_hidden : int
        中間層のニューロンの数.

    Returns
    -------
    params : dict
        `W1 : (1, n)`, `b1 : (n,)`, `W2 : (n, 1)`, `b2 : (1,)`.
        `forward(params, x)` (x は `(N, 1)`) で使えます.
    """
    n_hidden = check_count("n_hidden", n_hidden)
    if not hi > lo:
        raise ValueError(f"hi > lo が必要です (lo={lo!r}, hi={hi!r})")
    g = np.linspace(lo, hi, n_hidden + 1)
    fg = np.asarray(f(g), dtype=np.float64)
    s = 10.0 / (g[1] - g[0])
    mid = (g[:-1] + g[1:]) / 2
    params = {
        "W1": np.full((1, n_hidden), s),
        "b1": -s * mid,
        "W2": np.diff(fg).reshape(-1, 1),
        "b2": fg[:1].copy(),
    }
    return {k: backend.to_device(v) for k, v in params.items()}
