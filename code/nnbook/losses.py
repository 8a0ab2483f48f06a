"""損失関数 (loss function) とその勾配.

- 値はミニバッチで平均したスカラーで, 入力と同じデバイス・dtype の
  まま返ります (NumPy なら numpy.float64 などの数, CuPy なら 0 次元の
  配列). 何で割るか (平均の取り方) は関数ごとに書きました.
- ``<名前>_grad`` は損失の最初の引数についての勾配 dL/dy で, 最初の
  引数と同じ形です. ただし距離学習の損失 (contrastive_loss,
  triplet_loss) は, すべての埋め込みについての勾配をタプルで返します.
- log(0) を避けるため, 確率を受け取る損失は確率を [eps, 1 − eps] に
  切り詰め (clip) ます (eps = 1e-7). ロジット (softmax の前の値) を
  受け取る ``softmax_cross_entropy`` は log_softmax を使うので切り詰め
  は要りません. 学習ではこちらを使ってください. KL ダイバージェンス
  だけは KL(p‖p) = 0 を正確に保つため, 0 を最小の正の数に切り上げます.
"""

from __future__ import annotations

from nnbook._checks import (
    as_real,
    check_positive,
    check_probability,
    check_targets,
    real_scalar,
)
from nnbook.activations import log_softmax, sigmoid, softmax
from nnbook.backend import get_array_module

__all__ = [
    "one_hot",
    "EPS",
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_grad",
    "contrastive_loss",
    "contrastive_loss_grad",
    "cross_entropy_error",
    "cross_entropy_error_grad",
    "huber_loss",
    "huber_loss_grad",
    "kl_divergence",
    "kl_divergence_grad",
    "mean_absolute_error",
    "mean_absolute_error_grad",
    "mean_squared_error",
    "mean_squared_error_grad",
    "softmax_cross_entropy",
    "softmax_cross_entropy_grad",
    "triplet_loss",
    "triplet_loss_grad",
]

EPS = 1e-7  # log(0) を避けるために確率を切り詰める幅


# ---------------------------------------------------------------- 入力の確認


def _pair(y, t, names=("y", "t")):
    """y と t を同じデバイスの浮動小数点配列にし, 形が同じか確かめる."""
    y = as_real(y, names[0])
    t = get_array_module(y).asarray(as_real(t, names[1]), dtype=y.dtype)
    if y.shape != t.shape:
        raise ValueError(
            f"{names[0]} と {names[1]} の shape が違います: "
            f"{y.shape} と {t.shape}"
        )
    return y, t


def _batch_size(y):
    """最後の軸をクラスとみなしたときのデータ数 N (1 次元なら 1)."""
    if y.ndim == 0:
        raise ValueError("y は 1 次元以上の配列にしてください (クラスの軸)")
    return y.size // y.shape[-1] if y.shape[-1] else 0


def one_hot(t, num_classes, dtype=None):
    r"""整数ラベル `t : (N,)` を one-hot の `(N, C)` にする ($t_n$ 列目だけ 1).

    範囲外のラベルの行は NaN です. GPU では範囲を確かめて例外を出すと
    計算を待つ (同期する) ことになるので, 代わりに損失を NaN にして
    知らせます (CuPy の添字は範囲外でも黙って折り返すため).
    """
    xp = get_array_module(t)
    ok = (t >= 0) & (t < num_classes)
    rows = xp.eye(num_classes, dtype=dtype or xp.float64)[xp.where(ok, t, 0)]
    return xp.where(ok[..., None], rows, xp.nan)


def _targets(y, t):
    """t を y と同じ形の (one-hot の) 配列にする. 整数ラベルも受け付ける."""
    t = check_targets(y, t)
    return t if t.shape == y.shape else one_hot(t, y.shape[-1], y.dtype)


def mean_squared_error(y, t):
    """平均二乗誤差 L = (1/M) Σᵢ (yᵢ − tᵢ)².

    M はすべての要素の数 (y.size) です. 「ゼロから作るDeep Learning」の
    (1/2) Σ (y − t)² とは係数が違います (PyTorch の `F.mse_loss` と同じ).

    Parameters
    ----------
    y : (N, D) など, 予測
    t : y と同じ形, 正解
    """
    y, t = _pair(y, t)
    return ((y - t) ** 2).mean()


def mean_squared_error_grad(y, t):
    """∂L/∂y = 2(y − t) / M."""
    y, t = _pair(y, t)
    return 2 * (y - t) / y.size


def mean_absolute_error(y, t):
    """平均絶対誤差 L = (1/M) Σᵢ |yᵢ − tᵢ| (M = y.size).

    外れ値に引きずられにくい損失です (``F.l1_loss`` と同じ).
    """
    y, t = _pair(y, t)
    return get_array_module(y).abs(y - t).mean()


def mean_absolute_error_grad(y, t):
    """∂L/∂y = sign(y − t) / M (y = t では 0 とします)."""
    y, t = _pair(y, t)
    return get_array_module(y).sign(y - t) / y.size


def huber_loss(y, t, delta=1.0):
    """Huber 損失 (Huber 1964). r = y − t として要素ごとに

        r² / 2               (|r| ≤ δ)
        δ (|r| − δ / 2)      (|r| > δ)

    をすべての要素で平均します (`F.huber_loss` と同じ). 小さな誤差には
    二乗誤差, 大きな誤差 (外れ値) には絶対誤差のように振る舞います.

    Parameters
    ----------
    y, t : 同じ形の配列
    delta : float, 正
    """
    y, t = _pair(y, t)
    delta = check_positive("delta", delta)
    xp = get_array_module(y)
    a = xp.abs(y - t)
    quadratic = xp.minimum(a, delta)  # |r| のうち二乗で数える部分
    return (0.5 * quadratic**2 + delta * (a - quadratic)).mean()


def huber_loss_grad(y, t, delta=1.0):
    """∂L/∂y = clip(y − t, −δ, δ) / M."""
    y, t = _pair(y, t)
    delta = check_positive("delta", delta)
    return get_array_module(y).clip(y - t, -delta, delta) / y.size


# ------------------------------------------------------------- 分類の損失


def binary_cross_entropy(p, t, eps=EPS):
    """2 値の交差エントロピー誤差.

        L = −(1/K) Σᵢ [tᵢ log pᵢ + (1 − tᵢ) log(1 − pᵢ)]

    K は要素の数 (p.size) です (`F.binary_cross_entropy` と同じ).
    log(0) を避けるため p を [eps, 1 − eps] に切り詰めます.

    Parameters
    ----------
    p : (N,) や (N, K), 確率 (シグモイドの出力)
    t : p と同じ形, 0 か 1 (0 から 1 の確率でもよい)
    """
    p, t = _pair(p, t, ("p", "t"))
    check_probability(p)
    xp = get_array_module(p)
    p = p.clip(eps, 1 - eps)
    return -(t * xp.log(p) + (1 - t) * xp.log(1 - p)).mean()


def binary_cross_entropy_grad(p, t, eps=EPS):
    """∂L/∂p = (p − t) / (p(1 − p)) / K (切り詰めた p で計算)."""
    p, t = _pair(p, t, ("p", "t"))
    check_probability(p)
    p = p.clip(eps, 1 - eps)
    return (p - t) / (p * (1 - p)) / p.size


def binary_cross_entropy_with_logits(logits, t):
    r"""ロジット $z$ から計算する 2 値の交差エントロピー誤差.

    $p = \sigma(z)$ を経由せず, 要素ごとの損失を
    $\ell(z, t) = \max(z, 0) - zt + \log(1 + e^{-|z|})$
    で計算して, 要素の数 $K$ で平均します. $e^{-|z|} \le 1$ なので
    $|z|$ が大きくてもあふれず, log(0) も現れません (切り詰めは不要).
    値と勾配は ``torch.nn.BCEWithLogitsLoss`` と同じです.

    Parameters
    ----------
    logits : (N,) や (N, K) の配列
        シグモイド関数に入る前の値.
    t : logits と同じ形
        正解 (0 か 1. 0 から 1 の確率でもよい).
    """
    z, t = _pair(logits, t, ("logits", "t"))
    check_probability(t, "t")
    xp = get_array_module(z)
    per_element = xp.maximum(z, 0) - z * t + xp.log1p(xp.exp(-xp.abs(z)))
    return per_element.mean()


def binary_cross_entropy_with_logits_grad(logits, t):
    r"""$\partial L / \partial z = (\sigma(z) - t) / K$ ($K$ は要素の数)."""
    z, t = _pair(logits, t, ("logits", "t"))
    check_probability(t, "t")
    return (sigmoid(z) - t) / z.size


def cross_entropy_error(y, t, eps=EPS):
    """交差エントロピー誤差 L = −(1/N) Σₙ Σₖ tₙₖ log yₙₖ.

    Parameters
    ----------
    y : (N, C), 確率 (softmax の出力). 1 次元 (C,) なら N = 1
    t : (N, C) の one-hot (確率分布でもよい) か (N,) の整数ラベル

    log(0) を避けるため y は eps 以上に切り詰めます.
    """
    y = as_real(y, "y")
    t = check_targets(y, t)  # (N, C) の one-hot か (N,) の整数ラベル
    if t.shape != y.shape:  # 整数ラベルなら one-hot に直す
        t = one_hot(t, y.shape[-1], y.dtype)
    check_probability(y, "y")
    xp = get_array_module(y)
    return -(t * xp.log(y.clip(eps, 1))).sum() / _batch_size(y)


def cross_entropy_error_grad(y, t, eps=EPS):
    """∂L/∂y = −t / y / N (y は eps 以上に切り詰めて計算)."""
    y = as_real(y, "y")
    t = _targets(y, t)
    check_probability(y, "y")
    return -t / y.clip(eps, 1) / _batch_size(y)


def softmax_cross_entropy(logits, t):
    """ソフトマックスと交差エントロピー誤差をまとめたもの.

        L = −(1/N) Σₙ Σₖ tₙₖ log softmax(xₙ)ₖ

    log_softmax で計算するので, ロジットが ±1e4 でも log(0) になりません
    (``F.cross_entropy`` と同じ).

    Parameters
    ----------
    logits : (N, C), softmax の前の値
    t : (N, C) の one-hot (確率分布でもよい) か (N,) の整数ラベル
    """
    x = as_real(logits, "logits")
    t = _targets(x, t)
    return -(t * log_softmax(x)).sum() / _batch_size(x)


def softmax_cross_entropy_grad(logits, t):
    """∂L/∂x = (softmax(x) − t) / N. 簡潔な形になるのが, この二つを
    まとめる理由です.
    """
    x = as_real(logits, "logits")
    t = _targets(x, t)
    return (softmax(x) - t) / _batch_size(x)


def _safe_log(x):
    """log x. ただし 0 は最小の正の数 (float64 で約 2.2e-308) に切り上げる."""
    xp = get_array_module(x)
    return xp.log(xp.maximum(x, xp.finfo(x.dtype).tiny))


def kl_divergence(p, q):
    """KL ダイバージェンス KL(p‖q) (Kullback & Leibler 1951).

        L = (1/N) Σₙ Σₖ pₙₖ log(pₙₖ / qₙₖ)

    クラスについて和を取り, バッチで平均します. PyTorch では
    `F.kl_div(q.log(), p, reduction="batchmean")` (引数の順が逆で,
    q は対数で渡す) に当たります.

    0 log 0 = 0 とします. p > 0 で q = 0 の所は本当は +∞ ですが, q を
    最小の正の数に切り上げて有限の大きな値にします. eps = 1e-7 で
    切り詰めないのは, KL(p‖p) = 0 と KL ≥ 0 をそのまま保つためです.

    Parameters
    ----------
    p, q : (N, C), 各行が確率分布. 1 次元 (C,) なら N = 1
    """
    p, q = _pair(p, q, ("p", "q"))
    check_probability(p, "p")
    check_probability(q, "q")
    return (p * (_safe_log(p) - _safe_log(q))).sum() / _batch_size(p)


def kl_divergence_grad(p, q):
    """∂L/∂p = (log p − log q + 1) / N (0 は最小の正の数に切り上げる)."""
    p, q = _pair(p, q, ("p", "q"))
    check_probability(p, "p")
    check_probability(q, "q")
    return (_safe_log(p) - _safe_log(q) + 1) / _batch_size(p)


# ---------------------------------------- 距離学習 (metric learning)


def _embeddings(*arrays, names):
    """埋め込みを同じ形 (N, D) の配列にそろえる."""
    first = as_real(arrays[0], names[0])
    if first.ndim != 2:
        raise ValueError(
            f"{names[0]} は (N, D) の 2 次元配列にしてください "
            f"(shape {first.shape})"
        )
    return [first] + [
        _pair(first, a, (names[0], n))[1]
        for a, n in zip(arrays[1:], names[1:], strict=True)
    ]


def _distance(diff):
    """(N, D) の差から, ユークリッド距離 d (N, 1) と単位ベクトル (N, D).

    d = 0 では向きが決まらないので単位ベクトルを 0 とします (0 での勾配を
    0 にする約束. NaN や 0 除算の警告を出しません).
    """
    xp = get_array_module(diff)
    d = xp.sqrt((diff * diff).sum(axis=1, keepdims=True))
    tiny = xp.finfo(diff.dtype).tiny
    return d, diff / xp.maximum(d, tiny)


def _contrastive_args(x1, x2, similar, margin):
    x1, x2 = _embeddings(x1, x2, names=("x1", "x2"))
    xp = get_array_module(x1)
    s = xp.asarray(as_real(similar, "similar"), dtype=x1.dtype)
    if s.shape != (len(x1),):
        raise ValueError(
            f"similar の shape は ({len(x1)},) にしてください "
            f"(受け取った shape {s.shape})"
        )
    check_probability(s, "similar")
    return (x1, x2), s[:, None], real_scalar("margin", margin, low=0.0)


def contrastive_loss(x1, x2, similar, margin=1.0):
    """コントラスティブ損失 (contrastive loss) (Hadsell et al. 2006).

        L = (1/2N) Σₙ [sₙ dₙ² + (1 − sₙ) max(0, m − dₙ)²]

    dₙ = ‖x1ₙ − x2ₙ‖ は埋め込み (embedding) のユークリッド距離です.
    似たペア (s = 1) は近づけ, 似ていないペア (s = 0) は距離 m 以上に
    離します. 論文は逆に Y = 0 を「似ている」としているので注意.

    Parameters
    ----------
    x1, x2 : (N, D), ペアの埋め込み
    similar : (N,), 似たペアなら 1, そうでなければ 0
    margin : float, 0 以上
    """
    (x1, x2), s, m = _contrastive_args(x1, x2, similar, margin)
    xp = get_array_module(x1)
    d, _ = _distance(x1 - x2)
    push = xp.maximum(m - d, 0)
    return (s * d**2 + (1 - s) * push**2).sum() / (2 * len(x1))


def contrastive_loss_grad(x1, x2, similar, margin=1.0):
    """コントラスティブ損失の勾配 (∂L/∂x1, ∂L/∂x2) のタプル. ∂L/∂x2 = −∂L/∂x1.

        ∂L/∂x1ₙ = [sₙ (x1ₙ − x2ₙ) − (1 − sₙ) max(0, m − dₙ) uₙ] / N

    uₙ = (x1ₙ − x2ₙ) / dₙ は単位ベクトル (dₙ = 0 では 0) です.
    """
    (x1, x2), s, m = _contrastive_args(x1, x2, similar, margin)
    xp = get_array_module(x1)
    d, u = _distance(x1 - x2)
    push = xp.maximum(m - d, 0)
    dx1 = (s * (x1 - x2) - (1 - s) * push * u) / len(x1)
    return dx1, -dx1


_TRIPLET = ("anchor", "positive", "negative")


def _triplet_distances(diff_p, diff_n, squared):
    """(N, 1) の距離 d(a, p), d(a, n). squared なら距離の二乗."""
    if squared:
        return (
            (diff_p * diff_p).sum(axis=1, keepdims=True),
            (diff_n * diff_n).sum(axis=1, keepdims=True),
        )
    return _distance(diff_p)[0], _distance(diff_n)[0]


def triplet_loss(anchor, positive, negative, margin=1.0, squared=False):
    """トリプレット損失 (Schroff et al. 2015, FaceNet).

        L = (1/N) Σₙ max(0, d(aₙ, pₙ) − d(aₙ, nₙ) + m)

    アンカー a と同じクラスの p を, 違うクラスの n より m 以上近づけます.
    d はユークリッド距離 (`F.triplet_margin_loss(p=2, eps=0)` と同じ.
    PyTorch の既定 eps=1e-6 は差に 1e-6 を足してから距離を取ります).
    `squared=True` なら FaceNet 論文のように距離の二乗 ‖a − p‖² を使います.

    Parameters
    ----------
    anchor, positive, negative : (N, D), 埋め込み
    margin : float, 0 以上
    squared : bool
    """
    a, p, n = _embeddings(anchor, positive, negative, names=_TRIPLET)
    m = real_scalar("margin", margin, low=0.0)
    xp = get_array_module(a)
    d_ap, d_an = _triplet_distances(a - p, a - n, squared)
    return xp.maximum(d_ap - d_an + m, 0).mean()


def triplet_loss_grad(anchor, positive, negative, margin=1.0, squared=False):
    """トリプレット損失の勾配 (∂L/∂a, ∂L/∂p, ∂L/∂n) のタプル.

    損失が正の組 (ヒンジの内側) だけが寄与します. u = (a − p)/‖a − p‖,
    v = (a − n)/‖a − n‖ (距離 0 では 0) として

        ∂L/∂p = −u / N,   ∂L/∂n = v / N,   ∂L/∂a = −(∂L/∂p + ∂L/∂n)

    ``squared=True`` では u, v の代わりに 2(a − p), 2(a − n) です.
    """
    a, p, n = _embeddings(anchor, positive, negative, names=_TRIPLET)
    m = real_scalar("margin", margin, low=0.0)
    d_ap, d_an = _triplet_distances(a - p, a - n, squared)
    active = (d_ap - d_an + m > 0).astype(a.dtype)
    if squared:
        u, v = 2 * (a - p), 2 * (a - n)
    else:
        u, v = _distance(a - p)[1], _distance(a - n)[1]
    dp = -active * u / len(a)
    dn = active * v / len(a)
    return -(dp + dn), dp, dn
