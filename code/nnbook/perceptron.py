"""パーセプトロン (perceptron) と, 層を重ねたネットワークの順伝播.

第 1 章で使うものをまとめたモジュールです.

- :class:`Perceptron` : 単純パーセプトロン ``y = step(x·w + b)``
  (Rosenblatt 1958) と, 間違えたときだけ重みを直す学習規則
  (Rosenblatt 1962). 線形分離可能なデータなら有限回の更新で止まること
  (収束定理) の短い証明は Novikoff による (1962 年の研究集会で発表,
  論文集は 1963 年刊).
- :func:`and_gate`, :func:`or_gate`, :func:`nand_gate` : 重みとバイアスを
  手で決めた論理ゲート. :func:`xor_gate` は NAND, OR, AND を 2 層に組んだ
  XOR です.
- :func:`init_network`, :func:`forward` : 行列で書いた 3 層ネットワークの
  順伝播. 入力はデータを行に並べた ``(N, D)`` のバッチです.
- :func:`staircase_network` : 万能近似定理 (Cybenko 1989) の小さな実演.

ステップ関数は :func:`nnbook.activations.step` (``x > 0`` で 1,
``x ≤ 0`` で 0) を使います.
"""

from __future__ import annotations

import math

import numpy as np

from nnbook import backend, initializers
from nnbook.activations import identity, sigmoid, step
from nnbook.backend import get_array_module

__all__ = [
    "GATE_PARAMS",
    "Perceptron",
    "and_gate",
    "forward",
    "init_network",
    "make_separable",
    "nand_gate",
    "novikoff_bound",
    "or_gate",
    "perceptron_criterion",
    "perceptron_update",
    "staircase_network",
    "xor_gate",
    "xor_network",
    "zero_one_loss",
]

# ---------------------------------------------------------------- 論理ゲート

#: 手で決めた重みとバイアス ``(w1, w2, b)``. 出力は
#: ``step(x1 * w1 + x2 * w2 + b)``. 境界の直線 ``x1 * w1 + x2 * w2 + b = 0``
#: が 4 つの入力の点からなるべく離れるように選んであります.
GATE_PARAMS = {
    "AND": (1.0, 1.0, -1.5),
    "OR": (1.0, 1.0, -0.5),
    "NAND": (-1.0, -1.0, 1.5),
}


def _fire(a):
    """ステップ関数を通し, 整数の 0 か 1 (配列なら int64 の配列) にする."""
    y = step(a).astype(np.int64)
    return int(y) if y.ndim == 0 else y


def and_gate(x1, x2):
    """AND ゲート: 両方の入力が 1 のときだけ 1.

    ``y = step(x1 * w1 + x2 * w2 + b)``, ``(w1, w2, b) = (1, 1, -1.5)``.
    x1, x2 はスカラーでも同じ形の配列でもかまいません.
    """
    w1, w2, b = GATE_PARAMS["AND"]
    return _fire(x1 * w1 + x2 * w2 + b)


def or_gate(x1, x2):
    """OR ゲート: どちらかの入力が 1 なら 1. ``(w1, w2, b) = (1, 1, -0.5)``."""
    w1, w2, b = GATE_PARAMS["OR"]
    return _fire(x1 * w1 + x2 * w2 + b)


def nand_gate(x1, x2):
    """NAND ゲート: AND の否定. ``(w1, w2, b) = (-1, -1, 1.5)``."""
    w1, w2, b = GATE_PARAMS["NAND"]
    return _fire(x1 * w1 + x2 * w2 + b)


def xor_gate(x1, x2):
    """XOR ゲート: 入力が異なるときだけ 1. 2 層のパーセプトロンです.

    1 層のパーセプトロンでは作れません (境界が直線 1 本なので).
    1 層目 (中間層) で NAND と OR を計算し, 2 層目 (出力層) で
    その AND を取ります: ``XOR = AND(NAND(x1, x2), OR(x1, x2))``.
    """
    s1 = nand_gate(x1, x2)  # 中間層のニューロン 1
    s2 = or_gate(x1, x2)  # 中間層のニューロン 2
    return and_gate(s1, s2)  # 出力層のニューロン


def xor_network():
    """:func:`xor_gate` を行列で書いた 2 層のネットワークの重み.

    中間層の 2 つのニューロン (NAND と OR) の重みを列に並べた
    ``W1 : (2, 2)``, ``b1 : (2,)`` と, 出力層 (AND) の ``W2 : (2, 1)``,
    ``b2 : (1,)`` です. ``forward(params, x, activation=step,
    output=step)`` が ``(N, 1)`` の XOR を返します.
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


# ------------------------------------------------- パーセプトロンの学習規則


def _check_labels(t, n):
    t = backend.to_numpy(t)
    if t.shape != (n,):
        raise ValueError(
            f"t の形は ({n},) のはずですが {t.shape} です "
            "(ラベルはデータ 1 つにつき 1 つの 0 か 1)"
        )
    if not np.isin(t, (0, 1)).all():
        raise ValueError("t は 0 か 1 のラベルです (それ以外の値があります)")
    return t.astype(np.int64)


def perceptron_update(w, b, x, t, lr=1.0):
    """1 つのデータ ``(x, t)`` でパーセプトロンの学習規則を 1 回使う.

    出力 ``y = step(x·w + b)`` を正解 ``t`` と比べて::

        w ← w + η (t − y) x
        b ← b + η (t − y)

    正解なら ``t − y = 0`` で何も変わりません. 1 を 0 と間違えたら
    ``η x`` を足し, 0 を 1 と間違えたら ``η x`` を引きます (Rosenblatt
    1962 が論じた誤り訂正の手続きを, 今日の教科書の記法で書いたもの).

    Parameters
    ----------
    w : (D,) 配列
    b : float
    x : (D,) 配列
    t : 0 か 1
    lr : float
        学習率 η (> 0).

    Returns
    -------
    (w_new, b_new) : ((D,) 配列, float)
        新しい重みとバイアス. 引数の ``w`` は書き換えません.
    """
    xp = get_array_module(w, x)
    w = xp.asarray(w)
    x = xp.asarray(x, dtype=w.dtype)
    if x.shape != w.shape or w.ndim != 1:
        raise ValueError(
            f"x と w は同じ形 (D,) の 1 次元配列です "
            f"(x: {x.shape}, w: {w.shape})"
        )
    if t not in (0, 1):
        raise ValueError(f"t は 0 か 1 です (受け取った値: {t!r})")
    y = float(step(x @ w + b))
    delta = float(lr) * (int(t) - y)  # -η, 0, +η のどれか
    return w + delta * x, float(b) + delta


class Perceptron:
    """単純パーセプトロン: ``y = step(x·w + b)`` (Rosenblatt 1958).

    重みは 0 から始め, :meth:`fit` でパーセプトロンの学習規則
    (:func:`perceptron_update`) を 1 つずつのデータに使います.
    データを見る順番はエポックごとに ``seed`` から決まる乱数で並べ替え
    るので, 同じ ``seed`` なら結果も同じです.

    Parameters
    ----------
    n_inputs : int
        入力の次元 D.
    lr : float
        学習率 η. 重みを 0 から始めるとき, 予測は η によらず同じです
        (w と b が η 倍になるだけなので).
    seed : int
        データを見る順番を決める乱数の種.

    Attributes
    ----------
    w : (D,) 既定のデバイスの float64 配列
    b : float
    errors_ : list[int]
        各エポックで間違えた (= 更新した) 回数.
    history_ : list[tuple[numpy.ndarray, float]]
        各エポックの後の ``(w, b)`` (ホスト上のコピー). 図に使います.
    epochs_ : int
        :meth:`fit` が回したエポック数.
    converged_ : bool
        1 エポックを間違いなしで通せたら True.
    """

    def __init__(self, n_inputs: int, lr: float = 1.0, seed: int = 0):
        if not isinstance(n_inputs, (int, np.integer)) or n_inputs < 1:
            raise ValueError(f"n_inputs は 1 以上の整数です: {n_inputs!r}")
        if not lr > 0:
            raise ValueError(f"学習率 lr は正の数です: {lr!r}")
        xp = backend.xp_for_device()
        self.w = xp.zeros(int(n_inputs), dtype=xp.float64)
        self.b = 0.0
        self.lr = float(lr)
        self.seed = seed
        self.errors_: list[int] = []
        self.history_: list[tuple[np.ndarray, float]] = []
        self.epochs_ = 0
        self.converged_ = False

    def _check_x(self, x):
        xp = get_array_module(self.w)
        x = xp.asarray(x, dtype=xp.float64)
        if x.ndim != 2 or x.shape[1] != self.w.shape[0]:
            raise ValueError(
                f"x の形は (N, {self.w.shape[0]}) のはずですが {x.shape} "
                "です (1 つだけなら x.reshape(1, -1) で (1, D) に)"
            )
        return x

    def predict(self, x):
        """``(N, D)`` の入力に対する 0/1 の出力 ``(N,)`` (int64)."""
        x = self._check_x(x)
        return step(x @ self.w + self.b).astype(np.int64)

    def score(self, x, t) -> float:
        """正解率 (予測がラベルと一致したデータの割合)."""
        y = backend.to_numpy(self.predict(x))
        return float(np.mean(y == _check_labels(t, len(y))))

    def fit(self, x, t, max_epochs: int = 100):
        """パーセプトロンの学習規則で ``(x, t)`` を学習する.

        1 エポックを間違いなしで通せたら止まります (``converged_ = True``).
        重みはデバイスの上で更新し, ホストで値を見るのはエポックごとに
        1 度です (GPU でもデータ 1 つごとには待ちません).
        線形分離可能でないデータ (XOR など) では止まらず,
        ``max_epochs`` で打ち切ります.

        Parameters
        ----------
        x : (N, D) 配列
        t : (N,) 0 か 1 のラベル
        max_epochs : int

        Returns
        -------
        self
        """
        x = self._check_x(x)
        t = _check_labels(t, x.shape[0])
        if not isinstance(max_epochs, (int, np.integer)) or max_epochs < 1:
            raise ValueError(f"max_epochs は 1 以上の整数です: {max_epochs!r}")
        gen = backend.rng(self.seed)
        self.errors_, self.history_ = [], []
        self.converged_ = False
        for _ in range(int(max_epochs)):
            w, b, mistakes = self.w, self.b, 0
            for n in gen.permutation(x.shape[0]):
                # perceptron_update と同じ規則. 値はデバイスに置いたまま
                y = step(x[n] @ w + b)
                delta = self.lr * (t[n] - y)  # -η, 0, +η のどれか
                w, b = w + delta * x[n], b + delta
                mistakes = mistakes + (delta != 0)  # 間違えた数
            self.w, self.b = w, float(b)  # エポックに 1 度だけホストへ
            self.errors_.append(int(mistakes))
            self.history_.append((backend.to_numpy(w).copy(), self.b))
            if self.errors_[-1] == 0:
                self.converged_ = True
                break
        self.epochs_ = len(self.errors_)
        return self


def make_separable(n_samples=100, margin=0.1, seed=0):
    """直線 ``x1 + x2 = 0.2`` で分けられる 2 次元のデータ (float32).

    点は正方形 [-1, 1]² に一様に散らばり, 直線から ``margin`` より近い
    点は捨てます. 直線の上側が ``t = 1`` です.

    Returns
    -------
    x : (n_samples, 2) 既定のデバイスの float32 配列
    t : (n_samples,) int64
    """
    if not isinstance(n_samples, (int, np.integer)) or n_samples < 1:
        raise ValueError(f"n_samples は 1 以上の整数です: {n_samples!r}")
    if not 0 <= margin < 0.5:
        raise ValueError(f"margin は 0 以上 0.5 未満です: {margin!r}")
    gen = backend.rng(seed)
    points = []
    while sum(len(p) for p in points) < n_samples:
        p = gen.uniform(-1.0, 1.0, size=(n_samples, 2))
        dist = (p[:, 0] + p[:, 1] - 0.2) / math.sqrt(2.0)
        points.append(p[np.abs(dist) >= margin])
    x = np.concatenate(points)[:n_samples]
    t = (x[:, 0] + x[:, 1] - 0.2 > 0).astype(np.int64)
    return backend.to_device(x.astype(np.float32)), backend.to_device(t)


def novikoff_bound(x, t, w, b) -> float:
    """パーセプトロンの更新回数の上限 ``(R / γ)²`` (Novikoff 1963).

    データ ``(x, t)`` を正しく分ける重み ``(w, b)`` が一つあれば,
    重み 0 から始めた学習規則の更新回数は ``(R / γ)²`` 以下です.
    バイアスは入力に 1 を付け足した ``x̃ = (x, 1)`` の重みとして扱い,
    ``R = max ‖x̃‖``, ``γ = min s (x̃·w̃) / ‖w̃‖`` (``s = 2t − 1``).

    Raises
    ------
    ValueError
        ``(w, b)`` がデータを正しく分けていないとき (γ ≤ 0).
    """
    x = backend.to_numpy(x).astype(np.float64)
    t = _check_labels(t, x.shape[0])
    xt = np.hstack([x, np.ones((x.shape[0], 1))])
    wt = np.append(backend.to_numpy(w).astype(np.float64), float(b))
    gamma = np.min((2 * t - 1) * (xt @ wt)) / np.linalg.norm(wt)
    if not gamma > 0:
        raise ValueError("(w, b) はデータを正しく分けていません (γ ≤ 0)")
    r = np.max(np.linalg.norm(xt, axis=1))
    return float((r / gamma) ** 2)


# ------------------------------------------- 損失関数としてのパーセプトロン


def zero_one_loss(w, b, x, t) -> float:
    """0-1 損失: 間違えたデータの割合 ``(1/N) Σ [step(x_n·w + b) ≠ t_n]``.

    w や b を少し動かしても値はほとんど変わらず, 変わるときは跳びます.
    そのため勾配は (跳ぶ所を除いて) どこでも 0 です.
    """
    xp = get_array_module(w, x)
    x = xp.asarray(x, dtype=xp.float64)
    t = _check_labels(t, x.shape[0])
    y = backend.to_numpy(step(x @ xp.asarray(w) + b))
    return float(np.mean(y != t))


def perceptron_criterion(w, b, x, t) -> float:
    """パーセプトロン基準 ``E = −Σ_{n∈M} s_n (x_n·w + b)``.

    ``s_n = 2t_n − 1`` (±1) で, M は間違えたデータの集合です
    (Bishop 2006, 4.1.7 節). 1 つのデータの項の勾配は ``−s_n x_n``
    なので, 確率的勾配降下法の 1 歩
    ``w ← w + η s_n x_n`` がパーセプトロンの学習規則になります.
    """
    xp = get_array_module(w, x)
    x = xp.asarray(x, dtype=xp.float64)
    t = _check_labels(t, x.shape[0])
    a = backend.to_numpy(x @ xp.asarray(w) + b)
    y = (a > 0).astype(np.int64)
    wrong = y != t
    return float(-np.sum((2 * t[wrong] - 1) * a[wrong]))


# ------------------------------------------------------ 多層の順伝播 (行列)


def init_network(sizes=(2, 3, 2, 2), std=1.0, seed=0, dtype=np.float64):
    """層の大きさ ``sizes = (D, H1, H2, C)`` のネットワークの重みを作る.

    ``W1 : (D, H1)``, ``b1 : (H1,)``, ``W2 : (H1, H2)``, … の辞書を返します.
    重みは平均 0, 標準偏差 ``std`` の正規分布, バイアスは 0 です
    (学習に向いた初期値は第 7 章で扱います).
    """
    sizes = tuple(int(s) for s in sizes)
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes は 1 以上の整数 2 つ以上です: {sizes!r}")
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
    """行列で書いた順伝播. 3 層なら::

        A1 = X W1 + b1,  Z1 = h(A1)      (N, H1)
        A2 = Z1 W2 + b2, Z2 = h(A2)      (N, H2)
        A3 = Z2 W3 + b3, Y  = g(A3)      (N, C)

    ``h`` は中間層の活性化関数 (``activation``), ``g`` は出力層の関数
    (``output``). 層の数は ``params`` の ``W1, W2, …`` の数で決まります.
    バイアス ``b : (M,)`` は N 行すべてに足されます (ブロードキャスト).

    Parameters
    ----------
    params : dict
        :func:`init_network` の返す ``{"W1": (D, H1), "b1": (H1,), …}``.
    x : (N, D) 配列
        データを行に並べたバッチ. 1 つだけなら ``(1, D)`` にします.

    Returns
    -------
    y : (N, C) 配列
    """
    n_layers = sum(1 for k in params if k.startswith("W"))
    if n_layers < 1:
        raise ValueError("params に重み W1 がありません")
    xp = get_array_module(params["W1"])
    z = xp.asarray(x)
    d = params["W1"].shape[0]
    if z.ndim != 2 or z.shape[1] != d:
        raise ValueError(
            f"x の形は (N, {d}) のはずですが {z.shape} です "
            "(データ 1 つなら x.reshape(1, -1) で (1, D) に)"
        )
    for i in range(1, n_layers + 1):
        a = z @ params[f"W{i}"] + params[f"b{i}"]
        z = activation(a) if i < n_layers else output(a)
    return z


def staircase_network(f, n_hidden, lo=0.0, hi=1.0):
    """関数 f を近似する, 中間層 1 つのネットワークの重み (万能近似の実演).

    区間 [lo, hi] を ``n_hidden`` 等分した点 ``g_0 < … < g_n`` を取り,
    中間層のニューロン k が ``g_{k-1}`` と ``g_k`` の中点 ``m_k`` で
    0 から 1 へ切り替わるようにします::

        y(x) = f(g_0) + Σ_k (f(g_k) − f(g_{k-1})) σ(s (x − m_k))

    ``s = 10 / 幅`` は切り替わりの急さです. 出力層のバイアス f(g_0) を
    除けば Cybenko (1989) の形 ``Σ_j α_j σ(w_j x + θ_j)`` で,
    n_hidden を増やすほど連続関数 f に一様に近づきます.

    Parameters
    ----------
    f : callable
        NumPy 配列を受け取って同じ形の配列を返す関数.
    n_hidden : int
        中間層のニューロンの数.

    Returns
    -------
    params : dict
        ``W1 : (1, n)``, ``b1 : (n,)``, ``W2 : (n, 1)``, ``b2 : (1,)``.
        ``forward(params, x)`` (x は ``(N, 1)``) で使えます.
    """
    if not isinstance(n_hidden, (int, np.integer)) or n_hidden < 1:
        raise ValueError(f"n_hidden は 1 以上の整数です: {n_hidden!r}")
    if not hi > lo:
        raise ValueError(f"hi > lo が必要です (lo={lo!r}, hi={hi!r})")
    g = np.linspace(lo, hi, int(n_hidden) + 1)
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
