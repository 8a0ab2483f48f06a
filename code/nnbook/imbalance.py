r"""不均衡データ: サンプリングと, 少数クラスを見落とさない評価指標.

クラスごとのデータ数が大きく違うと, 分類器は多数派のクラスに
寄りがちです. ここではデータの側で数をそろえる 3 つの方法と,
その効果を測る指標を用意します.

- :func:`random_under_sample` : 多いクラスから無作為に捨てる
- :func:`random_over_sample` : 少ないクラスを無作為に複製する
- :func:`smote` : 少ないクラスの近傍どうしを結ぶ線分上に
  新しい点を作る (SMOTE; Chawla et al. 2002)
- :func:`recall_per_class`, :func:`macro_f1` : クラスごとの再現率と,
  クラスごとの F1 値の単純平均

サンプリングは **訓練データを分けた後で, 訓練データだけに** 掛けます.
分ける前に複製や合成をすると, テストデータの点の複製や, テストデータの
点から作った合成点が訓練データに入ってしまいます.

どの関数も ``x : (N, D)`` と整数ラベル ``t : (N,)`` を受け取り,
その配列のデバイスで計算します. 乱数はシードつきのホスト側生成器で
作ってから移すので, CPU でも GPU でも同じ点を選びます.
imbalanced-learn (``RandomUnderSampler``, ``RandomOverSampler``,
``SMOTE``) と同じく, 返す配列の先頭は元のデータ (捨てた点を除く)
です.
"""

from __future__ import annotations

import numpy as np

from nnbook import backend
from nnbook._checks import check_class_data, check_smote_args
from nnbook.backend import get_array_module, to_numpy

__all__ = [
    "class_counts",
    "macro_f1",
    "random_over_sample",
    "random_under_sample",
    "recall_per_class",
    "smote",
    "smote_samples",
]


def class_counts(t) -> dict:
    """クラス番号 → データ数の辞書 (ホスト上の Python の int)."""
    labels, counts = np.unique(to_numpy(t), return_counts=True)
    return {int(c): int(n) for c, n in zip(labels, counts, strict=True)}


def _take(x, t, parts):
    """クラスごとの添字の配列 (ホスト) を連結して x, t から取り出す."""
    xp = get_array_module(x)
    idx = xp.asarray(np.concatenate(parts))
    return x[idx], t[idx]


def random_under_sample(x, t, seed=0):
    r"""どのクラスも最少のクラスと同じ数になるよう, 無作為に捨てる.

    各クラスから非復元抽出で $n_{\min}$ 個を残します (残す点の順は
    元の順). 情報を捨てる代わりに, 少数クラスを複製も合成もしません.
    """
    check_class_data(x, t)
    gen = backend.rng(seed)
    t_host = to_numpy(t)
    n_min = min(class_counts(t_host).values())
    parts = []
    for c in np.unique(t_host):
        idx = np.flatnonzero(t_host == c)
        parts.append(np.sort(gen.choice(idx, n_min, replace=False)))
    return _take(x, t, parts)


def random_over_sample(x, t, seed=0):
    """どのクラスも最多のクラスと同じ数になるよう, 無作為に複製する.

    元のデータはすべて残し, 足りない数だけ各クラスから復元抽出した
    点を後ろに足します. 新しい情報は増えず, 同じ点が何度も現れます.
    """
    check_class_data(x, t)
    gen = backend.rng(seed)
    t_host = to_numpy(t)
    counts = class_counts(t_host)
    n_max = max(counts.values())
    parts = [np.arange(len(t_host))]
    for c, n in counts.items():
        idx = np.flatnonzero(t_host == c)
        parts.append(gen.choice(idx, n_max - n, replace=True))
    return _take(x, t, parts)


def _nearest_neighbors(x, k):
    """各点の (自分を除く) 近い順 k 個の添字 (N, k). ユークリッド距離."""
    xp = get_array_module(x)
    sq = (x * x).sum(axis=1)
    d2 = sq[:, None] + sq[None, :] - 2.0 * (x @ x.T)
    d2[xp.arange(len(x)), xp.arange(len(x))] = xp.inf  # 自分は除く
    return xp.argsort(d2, axis=1, kind="stable")[:, :k]


def smote_samples(x_min, n_new, k=5, seed=0):
    r"""1 つのクラスの点 `x_min : (n, D)` から合成点を `n_new` 個作る.

    Chawla et al. (2002) の SMOTE です. 各点 $x_i$ について, 同じ
    クラスの中で近い順に $k$ 個の点 (自分を除く) を求めておき,

    1. 合成点を作る元の点 $x_i$ を決める. 論文は合成する数を $n$ の
       整数倍とし, 各点から同じ数ずつ作ります. ここでは各点から
       $\lfloor n_{\mathrm{new}} / n \rfloor$ 個ずつ作り, 余りの
       $n_{\mathrm{new}} \bmod n$ 個は重複なしに無作為に選んだ点から
       1 個ずつ作る (論文の $n$ 未満の場合の扱いと同じ).
    2. $x_i$ の $k$ 近傍から 1 点 $x_{\mathrm{nn}}$ を無作為に選ぶ.
    3. $u \sim U(0, 1)$ を 1 つ引き, $x_i + u\,(x_{\mathrm{nn}} - x_i)$
       を合成点にする (2 点を結ぶ線分上の点).

    Returns
    -------
    x_new : (n_new, D) 合成点 (x_min と同じデバイスと型)
    """
    check_smote_args(x_min, n_new, k)
    xp = get_array_module(x_min)
    gen = backend.rng(seed)
    n = x_min.shape[0]
    neighbors = to_numpy(_nearest_neighbors(x_min, k))  # (n, k)
    each = np.repeat(np.arange(n), n_new // n)  # 各点から同じ数ずつ
    rest = gen.choice(n, n_new % n, replace=False)  # 余りは無作為に
    base = np.concatenate([each, rest])
    nn = neighbors[base, gen.integers(0, k, size=n_new)]
    u = gen.uniform(0.0, 1.0, size=(n_new, 1))
    base, nn = xp.asarray(base), xp.asarray(nn)
    u = xp.asarray(u.astype(x_min.dtype))
    return x_min[base] + u * (x_min[nn] - x_min[base])


def smote(x, t, k=5, seed=0):
    """最多のクラスより少ないクラスを, SMOTE の合成点で同じ数にそろえる.

    元のデータをすべて残し, クラスごとに :func:`smote_samples` で
    作った合成点を後ろに足します.
    """
    check_class_data(x, t)
    xp = get_array_module(x)
    gen = backend.rng(seed)
    t_host = to_numpy(t)
    counts = class_counts(t_host)
    n_max = max(counts.values())
    xs, ts = [x], [t]
    for c, n in counts.items():
        if n == n_max:
            continue
        x_c = x[xp.asarray(np.flatnonzero(t_host == c))]
        xs.append(smote_samples(x_c, n_max - n, k=k, seed=gen))
        ts.append(xp.full(n_max - n, c, dtype=t.dtype))
    return xp.concatenate(xs), xp.concatenate(ts)


def _confusion(t, y, num_classes):
    t, y = to_numpy(t).astype(np.int64), to_numpy(y).astype(np.int64)
    if t.shape != y.shape or t.ndim != 1:
        raise ValueError(
            f"t と y は同じ長さの 1 次元のラベルです ({t.shape}, {y.shape})"
        )
    m = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(m, (t, y), 1)  # m[正解, 予測]
    return m


def recall_per_class(t, y, num_classes=None):
    r"""クラスごとの再現率 (recall): 正解が $c$ の点のうち $c$ と予測した割合.

    $\mathrm{recall}_c = \mathrm{TP}_c / (\mathrm{TP}_c + \mathrm{FN}_c)$.

    ``t`` は正解, ``y`` は予測の整数ラベル. 返り値は (C,) の NumPy 配列.
    """
    if num_classes is None:
        num_classes = int(max(to_numpy(t).max(), to_numpy(y).max())) + 1
    m = _confusion(t, y, num_classes)
    return np.diag(m) / np.maximum(m.sum(axis=1), 1)


def macro_f1(t, y, num_classes=None):
    r"""マクロ平均 F1 値: クラスごとの F1 値の単純平均.

    $F_1 = 2\,\mathrm{TP} / (2\,\mathrm{TP} + \mathrm{FP} + \mathrm{FN})$
    (適合率と再現率の調和平均). 小さいクラスも大きいクラスと同じ重みで
    数えるので, 少数クラスの見落としが値に出ます. 分母が 0 のクラスは
    F1 を 0 とします (scikit-learn の ``zero_division=0`` と同じ).
    """
    if num_classes is None:
        num_classes = int(max(to_numpy(t).max(), to_numpy(y).max())) + 1
    m = _confusion(t, y, num_classes)
    tp = np.diag(m)
    denom = m.sum(axis=0) + m.sum(axis=1)  # 2TP + FP + FN
    f1 = np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)
    return float(f1.mean())
