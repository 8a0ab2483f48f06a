"""本で使うデータセット.

- :func:`load_digits` : scikit-learn に同梱された 8×8 の手書き数字
  (1797 枚, ネットワーク不要). 本の章はこれを使います.
- :func:`make_xor`, :func:`make_spirals`, :func:`make_moons`,
  :func:`make_regression_with_outliers` : 小さな人工データ.
- :func:`make_separable` : 直線で分けられる 2 次元のデータ (第 1 章).
- :func:`logic_gate_data` : AND/OR/NAND/XOR の真理値表.

乱数はいつもホスト側の ``numpy.random.Generator`` (``backend.rng``) で
作ってから :func:`nnbook.backend.to_device` で既定のデバイスへ移すので,
CPU でも GPU でも同じデータになります. 入力 ``x`` は float32,
ラベル ``t`` は int64 (``one_hot=True`` なら float32 の one-hot) です.
"""

from __future__ import annotations

import math

import numpy as np

from nnbook import backend, losses
from nnbook._checks import check_count

__all__ = [
    "add_label_noise",
    "load_digits",
    "logic_gate_data",
    "make_moons",
    "make_regression_with_outliers",
    "make_separable",
    "make_spirals",
    "make_xor",
    "stratified_split",
    "to_one_hot",
]


# ---------------------------------------------------------------------------
# 共通の小道具
# ---------------------------------------------------------------------------


def to_one_hot(t, num_classes: int | None = None, dtype=np.float32):
    """整数ラベル `t : (N,)` を one-hot 表現 `(N, num_classes)` にする.

    デバイスは `t` のものを保ちます (`nnbook.losses.one_hot` と同じ計算).
    """
    t = backend.get_array_module(t).asarray(t)
    if num_classes is None:
        num_classes = int(t.max()) + 1
    return losses.one_hot(t, num_classes, dtype)


def stratified_split(t, test_size: float = 0.2, seed: int = 0):
    """クラスの比率を保って添字を訓練用とテスト用に分ける (層化分割).

    各クラスの添字をシードつきの乱数で並べ替え, 先頭の
    ``round(n_c * test_size)`` 個 (1 個以上) をテスト用にします.

    Parameters
    ----------
    t : (N,) 整数ラベル (ホスト上の配列)
    test_size : float
        テスト用に回す割合 (0 < test_size < 1).
    seed : int

    Returns
    -------
    train_idx, test_idx : (N_train,), (N_test,) の int64 配列 (昇順)
    """
    if not 0.0 < test_size < 1.0:
        raise ValueError(
            f"test_size は 0 より大きく 1 より小さい値です: {test_size!r}"
        )
    t = np.asarray(t)
    gen = backend.rng(seed)
    test_parts = []
    for c in np.unique(t):
        idx = np.flatnonzero(t == c)
        gen.shuffle(idx)
        n_test = max(1, round(len(idx) * test_size))
        test_parts.append(idx[:n_test])
    test_idx = np.sort(np.concatenate(test_parts))
    mask = np.ones(len(t), dtype=bool)
    mask[test_idx] = False
    return np.flatnonzero(mask), test_idx


def _finish(x, t, one_hot: bool, num_classes: int | None = None):
    """x を float32, t を int64 (か one-hot) にして既定のデバイスへ移す."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    t = np.asarray(t, dtype=np.int64)
    if one_hot:
        t = to_one_hot(t, num_classes)
    return backend.to_device(x), backend.to_device(t)


# ---------------------------------------------------------------------------
# 手書き数字 (scikit-learn 同梱, 8×8)
# ---------------------------------------------------------------------------


def load_digits(
    normalize: bool = True,
    one_hot: bool = False,
    test_size: float = 0.2,
    seed: int = 0,
):
    """scikit-learn に同梱された 8×8 の手書き数字を読み込む.

    UCI の Optical Recognition of Handwritten Digits のテスト部分
    (1797 枚, 10 クラス, 画素値 0〜16) です. パッケージに入っているので
    ネットワークは使いません. クラスの比率を保って
    (:func:`stratified_split`) 訓練用とテスト用に分けます.

    Parameters
    ----------
    normalize : bool
        True なら画素値を 16 で割って [0, 1] にする.
    one_hot : bool
        True ならラベルを one-hot (float32, (N, 10)) で返す.
    test_size : float
        テスト用に回す割合.
    seed : int
        分割の乱数のシード. 同じシードなら同じ分割になります.

    Returns
    -------
    (x_train, t_train), (x_test, t_test)
        ``x : (N, 64)`` float32, ``t : (N,)`` int64 (または (N, 10)).
        既定のデバイス上の配列です.
    """
    from sklearn.datasets import load_digits as _sk_load_digits

    bunch = _sk_load_digits()
    x = bunch.data.astype(np.float32)
    t = bunch.target.astype(np.int64)
    if normalize:
        x /= 16.0
    train_idx, test_idx = stratified_split(t, test_size, seed)
    return (
        _finish(x[train_idx], t[train_idx], one_hot, 10),
        _finish(x[test_idx], t[test_idx], one_hot, 10),
    )


def add_label_noise(t, rate: float, num_classes: int = 10, seed: int = 0):
    """ラベルの一部を, ほかのクラスに付け替えた (ラベルノイズ) コピーを返す.

    ``round(rate · N)`` 個のデータを選び, それぞれのラベルを元とは
    **違う** クラスに一様に付け替えます. 選ぶデータと新しいラベルは
    シードつきのホスト側乱数で決めるので, CPU でも GPU でも同じです.

    Parameters
    ----------
    t : (N,) 整数のラベル
    rate : float, 0 以上 1 以下
        付け替える割合.
    num_classes : int
    seed : int

    Returns
    -------
    noisy : (N,) ``t`` と同じデバイスの int64
    flipped : (N,) bool のホスト上の配列. 付け替えたデータで True.
    """
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"rate は 0 以上 1 以下です (受け取った値: {rate!r})")
    labels = backend.to_numpy(t).astype(np.int64)
    if labels.ndim != 1:
        raise ValueError(
            f"t は整数のラベル (N,) です (受け取った形: {labels.shape})"
        )
    gen = backend.rng(seed)
    n = len(labels)
    idx = gen.choice(n, int(round(rate * n)), replace=False)
    shift = gen.integers(1, num_classes, size=len(idx))  # 1 … C−1
    noisy = labels.copy()
    noisy[idx] = (labels[idx] + shift) % num_classes  # 必ず別のクラス
    flipped = np.zeros(n, dtype=bool)
    flipped[idx] = True
    xp = backend.get_array_module(t)
    return xp.asarray(noisy), flipped


# ---------------------------------------------------------------------------
# 人工データ
# ---------------------------------------------------------------------------


def make_xor(n_samples: int = 200, noise: float = 0.0, seed: int = 0):
    """XOR 型の 2 クラスデータ (直線では分けられない).

    ``x`` は正方形 [-1, 1]² に一様に散らばり, 2 つの座標の符号が
    異なるとき ``t = 1`` (第 2, 第 4 象限), 同じとき ``t = 0`` です.
    ``noise`` > 0 なら, ラベルを決めた後の ``x`` に標準偏差 ``noise`` の
    ガウス雑音を足します.

    Returns
    -------
    x : (n_samples, 2) float32
    t : (n_samples,) int64
    """
    n = check_count("n_samples", n_samples)
    gen = backend.rng(seed)
    x = gen.uniform(-1.0, 1.0, size=(n, 2))
    t = ((x[:, 0] > 0) != (x[:, 1] > 0)).astype(np.int64)
    if noise > 0:
        x = x + gen.normal(0.0, noise, size=x.shape)
    return _finish(x, t, one_hot=False)


def make_spirals(
    n_per_class: int = 100,
    n_classes: int = 3,
    noise: float = 0.2,
    seed: int = 0,
):
    """渦巻き (spiral) データ. クラス c の点は角度をずらした渦の上に並ぶ.

    半径 r を 0 から 1 まで等間隔に取り, 角度を
    θ = 4 r + 2π c / n_classes + noise · ε (ε ~ N(0, 1)) として
    x = (r sin θ, r cos θ) とします (CS231n の例と同じ形).

    Returns
    -------
    x : (n_per_class * n_classes, 2) float32
    t : (n_per_class * n_classes,) int64, クラスごとに連続して並ぶ
    """
    n = check_count("n_per_class", n_per_class)
    k = check_count("n_classes", n_classes)
    gen = backend.rng(seed)
    r = np.tile(np.linspace(0.0, 1.0, n), k)
    c = np.repeat(np.arange(k), n)
    theta = 4.0 * r + 2.0 * math.pi * c / k
    theta = theta + noise * gen.standard_normal(n * k)
    x = np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1)
    return _finish(x, c, one_hot=False)


def make_moons(n_samples: int = 200, noise: float = 0.1, seed: int = 0):
    """2 つの三日月 (moons) データ.

    クラス 0 は上向きの半円 (cos s, sin s), クラス 1 はずらした下向きの
    半円 (1 − cos s, 0.5 − sin s), s は [0, π] に等間隔です.
    それぞれの点に標準偏差 ``noise`` のガウス雑音を足します.

    Returns
    -------
    x : (n_samples, 2) float32
    t : (n_samples,) int64, 並びはシャッフル済み
    """
    n = check_count("n_samples", n_samples)
    gen = backend.rng(seed)
    n0 = n // 2
    n1 = n - n0
    s0 = np.linspace(0.0, math.pi, n0)
    s1 = np.linspace(0.0, math.pi, n1)
    x = np.concatenate(
        [
            np.stack([np.cos(s0), np.sin(s0)], axis=1),
            np.stack([1.0 - np.cos(s1), 0.5 - np.sin(s1)], axis=1),
        ]
    )
    t = np.concatenate([np.zeros(n0, np.int64), np.ones(n1, np.int64)])
    x = x + noise * gen.standard_normal(x.shape)
    perm = gen.permutation(n)
    return _finish(x[perm], t[perm], one_hot=False)


def make_regression_with_outliers(
    n_samples: int = 100,
    n_outliers: int = 10,
    slope: float = 2.0,
    intercept: float = 1.0,
    noise: float = 0.5,
    outlier_scale: float = 10.0,
    seed: int = 0,
    return_mask: bool = False,
):
    """外れ値を含む 1 次元の回帰データ.

    ``x ~ U(-3, 3)``, ``y = slope · x + intercept + noise · ε`` とし,
    ランダムに選んだ ``n_outliers`` 個の点の ``y`` に
    ``± outlier_scale · (1 + U(0, 1))`` を足して外れ値にします.
    平均二乗誤差とフーバー損失の比較に使います.

    Returns
    -------
    x : (n_samples, 1) float32
    y : (n_samples, 1) float32
    mask : (n_samples,) bool, ``return_mask=True`` のときだけ.
        外れ値なら True (ホスト上の NumPy 配列).
    """
    n = check_count("n_samples", n_samples)
    if not 0 <= n_outliers <= n:
        raise ValueError(
            f"n_outliers は 0 以上 n_samples 以下です: {n_outliers!r}"
        )
    gen = backend.rng(seed)
    x = gen.uniform(-3.0, 3.0, size=(n, 1))
    y = slope * x + intercept + noise * gen.standard_normal((n, 1))
    idx = gen.choice(n, size=n_outliers, replace=False)
    sign = gen.choice([-1.0, 1.0], size=n_outliers)
    y[idx, 0] += sign * outlier_scale * (1.0 + gen.uniform(size=n_outliers))
    mask = np.zeros(n, dtype=bool)
    mask[idx] = True
    x = backend.to_device(x.astype(np.float32))
    y = backend.to_device(y.astype(np.float32))
    return (x, y, mask) if return_mask else (x, y)


def make_separable(n_samples=100, margin=0.1, seed=0):
    """直線 `x1 + x2 = 0.2` で分けられる 2 次元のデータ (float32).

    点は正方形 [-1, 1]² に一様に散らばり, 直線から `margin` より近い
    点は捨てます. 直線の上側が `t = 1` です.

    Returns
    -------
    x : (n_samples, 2) 既定のデバイスの float32 配列
    t : (n_samples,) int64
    """
    n_samples = check_count("n_samples", n_samples)
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


def logic_gate_data():
    """論理ゲートの真理値表.

    Returns
    -------
    x : (4, 2) float32
        入力 (0,0), (1,0), (0,1), (1,1).
    targets : dict[str, (4,) int64]
        ``"AND"``, ``"OR"``, ``"NAND"``, ``"XOR"`` それぞれの出力.

    >>> x, targets = logic_gate_data()
    >>> targets["XOR"].tolist()
    [0, 1, 1, 0]
    """
    x = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=np.float32)
    a = x[:, 0].astype(np.int64)
    b = x[:, 1].astype(np.int64)
    targets = {
        "AND": a & b,
        "OR": a | b,
        "NAND": 1 - (a & b),
        "XOR": a ^ b,
    }
    return backend.to_device(x), {
        k: backend.to_device(v) for k, v in targets.items()
    }
