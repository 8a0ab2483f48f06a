r"""距離学習 (metric learning): 距離, 埋め込みネットワーク, 組の選び方, 評価.

第 9 章で使う道具をまとめたモジュールです.

- 距離と類似度: ``euclidean_distance``, ``cosine_similarity``,
  ``pairwise_distances``, ``l2_normalize``.
- 埋め込みネットワーク ``EmbeddingNet``: ``nnbook.layers`` の
  全結合層と活性化の層を積み, 最後の層の出力 (分類のスコアではなく
  埋め込み) を返します.
- ペアと 3 つ組 (トリプレット) のサンプラー ``sample_pairs``,
  ``sample_triplets``, ``sample_pk_batch`` と, ミニバッチの中から
  トリプレットを選ぶマイニング ``mine_semi_hard``,
  ``mine_batch_hard``.
- 損失と勾配を埋め込みの行列に集める ``triplet_batch_grad``,
  ``contrastive_batch_grad`` と, 学習の関数 ``train_embedding``.
- 評価: 検索の recall@k (``recall_at_k``), k 近傍距離による異常の
  スコア (``knn_distance_score``), ROC 曲線下の面積 (``roc_auc``).

距離の行列やマイニングは入力の配列と同じデバイスで計算します
(``xp = get_array_module(x)``). 乱数はホストのシード付き生成器から
作り, 添字の配列を入力のデバイスへ移します.
"""

from __future__ import annotations

import numpy as np

from nnbook import initializers, layers, losses, optimizers
from nnbook._checks import (
    check_choice,
    check_count,
    check_int_labels,
    check_margin,
    check_matrix,
    check_same_shape,
    check_scores,
    check_sizes,
)
from nnbook.backend import get_array_module, to_device, to_device_of
from nnbook.models import ACTIVATIONS, LayerStack

__all__ = [
    "EmbeddingNet",
    "contrastive_batch_grad",
    "cosine_similarity",
    "euclidean_distance",
    "knn_distance_score",
    "l2_normalize",
    "l2_normalize_grad",
    "mine_batch_hard",
    "mine_semi_hard",
    "pairwise_distances",
    "recall_at_k",
    "roc_auc",
    "sample_pairs",
    "sample_pk_batch",
    "sample_triplets",
    "train_embedding",
    "triplet_batch_grad",
]


# ---------------------------------------------------------------- 距離


def euclidean_distance(a, b):
    r"""ユークリッド距離 $d(a, b) = \sqrt{\sum_i (a_i - b_i)^2}$.

    a, b : (D,) か (N, D). 最後の軸で測り, (N, D) なら (N,) を返します.
    """
    xp = get_array_module(a, b)
    a, b = xp.asarray(a, dtype=float), xp.asarray(b, dtype=float)
    check_same_shape(a, b, ("a", "b"))
    return xp.sqrt(((a - b) ** 2).sum(axis=-1))


def cosine_similarity(a, b):
    r"""コサイン類似度 $a \cdot b / (\lVert a\rVert\, \lVert b\rVert)$.

    a, b : (D,) か (N, D). 長さ 0 のベクトルがあるとエラーにします
    (向きが決まらないため).
    """
    xp = get_array_module(a, b)
    a, b = xp.asarray(a, dtype=float), xp.asarray(b, dtype=float)
    check_same_shape(a, b, ("a", "b"))
    norms = xp.sqrt((a * a).sum(axis=-1)) * xp.sqrt((b * b).sum(axis=-1))
    if bool((norms == 0).any()):
        raise ValueError("長さ 0 のベクトルのコサイン類似度は定義されません")
    return (a * b).sum(axis=-1) / norms


def pairwise_distances(x, y=None, squared=False):
    r"""すべての組のユークリッド距離の行列 $D_{ij} = \lVert x_i - y_j\rVert$.

    x : (N, D), y : (M, D) (省略すると x). (N, M) を返します.
    $\lVert x\rVert^2 + \lVert y\rVert^2 - 2 x\cdot y$ で計算し,
    丸め誤差で負になった分は 0 に切り上げます.
    """
    y = x if y is None else y
    check_matrix("x", x)
    check_matrix("y", y)
    xx = (x * x).sum(axis=1)[:, None]
    yy = (y * y).sum(axis=1)[None, :]
    d2 = get_array_module(x).maximum(xx + yy - 2 * (x @ y.T), 0)
    return d2 if squared else get_array_module(x).sqrt(d2)


def l2_normalize(x):
    r"""各行を長さ 1 にする: $z = x / \lVert x\rVert$ (単位球面への射影)."""
    xp = get_array_module(x)
    norm = xp.sqrt((x * x).sum(axis=1, keepdims=True))
    return x / xp.maximum(norm, xp.finfo(x.dtype).tiny)


def l2_normalize_grad(x, dout):
    r"""$z = x/\lVert x\rVert$ の逆伝播.

    $\partial L/\partial x = (\mathrm{dout} - z\,(z \cdot \mathrm{dout}))
    / \lVert x\rVert$ (行ごと).
    """
    xp = get_array_module(x)
    norm = xp.maximum(
        xp.sqrt((x * x).sum(axis=1, keepdims=True)), xp.finfo(x.dtype).tiny
    )
    z = x / norm
    return (dout - z * (z * dout).sum(axis=1, keepdims=True)) / norm


# ------------------------------------------------------ 埋め込みネットワーク


class EmbeddingNet(LayerStack):
    r"""入力を埋め込み (embedding) に写す全結合ネットワーク.

    ``sizes = [D, H1, …, E]`` なら ``Affine → 活性化`` を繰り返し, 最後は
    活性化なしの ``Affine`` で E 次元の埋め込みを出します.
    ``nnbook.models.MLP`` と同じ層と初期値を使い, 最後の
    ``SoftmaxWithLoss`` の代わりに距離学習の損失を外から与えます.
    ``normalize=True`` なら出力を長さ 1 にします
    ($z = f(x)/\lVert f(x)\rVert$).

    Parameters
    ----------
    sizes : list of int
    activation : str, ``nnbook.models.ACTIVATIONS`` のキー
    normalize : bool
    init : str, ``nnbook.initializers.get`` に渡す初期値
    seed : int, 初期値の乱数
    dtype : パラメータの型 (勾配確認には float64)
    """

    def __init__(
        self,
        sizes,
        activation="relu",
        normalize=False,
        init="he",
        seed=0,
        dtype=np.float32,
    ):
        check_sizes(sizes)
        check_choice("activation", activation, tuple(ACTIVATIONS))
        self.sizes, self.normalize = list(sizes), bool(normalize)
        self.dtype = np.dtype(dtype)
        self.params, self.layers, self._owner = {}, [], {}
        init_fn, gen = initializers.get(init), np.random.default_rng(seed)
        for i in range(1, len(sizes)):
            W = init_fn(sizes[i - 1], sizes[i], rng=gen, dtype=self.dtype)
            b = initializers.zeros(sizes[i], self.dtype)
            self._add(layers.Affine(W, b), i)
            if i < len(sizes) - 1:
                self.layers.append(ACTIVATIONS[activation]())
        self._raw = None

    def __repr__(self):
        names = " → ".join(type(layer).__name__ for layer in self.layers)
        tail = " → L2正規化" if self.normalize else ""
        return f"EmbeddingNet({self.sizes}: {names}{tail})"

    def forward(self, x, train=True):
        """埋め込み (N, E) を返す. 逆伝播のために途中の値を覚えます."""
        x = x.astype(self.dtype, copy=False)
        for layer in self.layers:
            x = layer.forward(x, train)
        self._raw = x
        return l2_normalize(x) if self.normalize else x

    def __call__(self, x):
        return self.forward(x, train=False)

    def backward(self, dout):
        """埋め込みについての勾配 dout (N, E) から, パラメータの勾配の辞書."""
        dout = to_device_of(dout, self._raw)  # 埋め込みのデバイスへ
        if self.normalize:
            dout = l2_normalize_grad(self._raw, dout)
        for layer in reversed(self.layers[1:]):
            dout = layer.backward(dout)
        self.layers[0].backward(dout, need_dx=False)
        return self._grads()


# ------------------------------------------------------ ペアと 3 つ組の作り方


def _host_labels(t):
    return np.asarray(t.get() if hasattr(t, "get") else t)


def _by_class(t):
    """クラス → そのクラスの添字 (ホストの配列) の辞書."""
    return {c: np.flatnonzero(t == c) for c in np.unique(t)}


def _class_index(t):
    """クラス順に並べた添字 order と, 各点のクラスの開始位置と個数."""
    order = np.argsort(t, kind="stable")
    classes, start, count = np.unique(
        t[order], return_index=True, return_counts=True
    )
    c = np.searchsorted(classes, t)
    if (count < 2).any() or len(classes) < 2:
        raise ValueError(
            "どのクラスにも 2 個以上の点があり, クラスが 2 つ以上必要です"
        )
    rank = np.empty(len(t), dtype=np.int64)
    rank[order] = np.arange(len(t)) - start[c[order]]  # クラスの中の順位
    return order, start[c], count[c], rank


def _same_class(gen, i, idx):
    """i と同じクラスで i 以外の点を一様に選ぶ."""
    order, start, count, rank = idx
    r = gen.integers(count[i] - 1)
    return order[start[i] + r + (r >= rank[i])]  # 自分自身を飛ばす


def _other_class(gen, i, idx):
    """i と違うクラスの点を一様に選ぶ."""
    order, start, count, _ = idx
    r = gen.integers(len(order) - count[i])
    return order[r + count[i] * (r >= start[i])]  # i のクラスを飛ばす


def _pairs(idx, n_pairs, gen):
    """ホストの添字 (i, j, similar): 前半は同じクラス, 後半は違うクラス."""
    i = gen.integers(len(idx[0]), size=n_pairs)
    similar = np.arange(n_pairs) < n_pairs // 2
    j = np.where(similar, _same_class(gen, i, idx), _other_class(gen, i, idx))
    return i, j, similar.astype(np.float32)


def _triplets(idx, n_triplets, gen):
    """ホストの添字 (a, p, n)."""
    a = gen.integers(len(idx[0]), size=n_triplets)
    return a, _same_class(gen, a, idx), _other_class(gen, a, idx)


def sample_pairs(t, n_pairs, seed=0):
    """ランダムなペア (i, j, similar). 半分は同じクラス, 半分は違うクラス.

    similar は同じクラスなら 1, 違うクラスなら 0 (float32) です
    (``nnbook.losses.contrastive_loss`` と同じ約束).
    添字は既定のデバイスの配列で返します.
    """
    n_pairs = check_count("n_pairs", n_pairs, low=2)
    idx = _class_index(_host_labels(t))
    pairs = _pairs(idx, n_pairs, np.random.default_rng(seed))
    return tuple(to_device(v) for v in pairs)


def sample_triplets(t, n_triplets, seed=0):
    """ランダムな 3 つ組 (a, p, n): p は a と同じクラス, n は違うクラス."""
    n_triplets = check_count("n_triplets", n_triplets)
    idx = _class_index(_host_labels(t))
    trip = _triplets(idx, n_triplets, np.random.default_rng(seed))
    return tuple(to_device(v) for v in trip)


def sample_pk_batch(t, n_classes, n_per_class, gen):
    """P クラス × K 枚のミニバッチの添字 (Hermans et al. 2017 の PK 抽出).

    gen : numpy.random.Generator. 添字はホストの配列で返します.
    """
    groups = _by_class(_host_labels(t))
    classes = gen.choice(list(groups), size=n_classes, replace=False)
    return np.concatenate(
        [gen.choice(groups[c], n_per_class, replace=False) for c in classes]
    )


# ------------------------------------------------------------- マイニング


def _masks(t):
    xp = get_array_module(t)
    same = t[:, None] == t[None, :]
    return same & ~xp.eye(len(t), dtype=bool), ~same


def _distances_and_masks(emb, t, squared):
    """距離行列 (N, N) と, 同じクラス・違うクラスの組のマスク."""
    check_int_labels(t, len(emb))
    t = get_array_module(emb).asarray(t)  # ラベルを埋め込みと同じデバイスへ
    d = pairwise_distances(emb, squared=squared)
    pos, neg = _masks(t)
    return d, pos, neg


def mine_batch_hard(emb, t, squared=False):
    r"""バッチ内で最も難しい組 (Hermans et al. 2017 の batch hard).

    アンカー $i$ ごとに, 同じクラスで最も遠い点と違うクラスで最も近い点
    $p_i = \arg\max_{j \ne i,\, t_j = t_i} d_{ij}$,
    $n_i = \arg\min_{j:\, t_j \ne t_i} d_{ij}$ を選びます.
    同じクラスの仲間か違うクラスの点がないアンカーは除きます.

    Parameters
    ----------
    emb : (N, E), ミニバッチの埋め込み
    t : (N,), 整数のクラス
    squared : bool, 距離の 2 乗で比べるか (選ばれる組は同じ)

    Returns
    -------
    a, p, n : 3 つ組の添字の配列
    """
    xp = get_array_module(emb)
    d, pos, neg = _distances_and_masks(emb, t, squared)
    ok = xp.flatnonzero(pos.any(axis=1) & neg.any(axis=1))
    p = xp.where(pos, d, -xp.inf).argmax(axis=1)
    n = xp.where(neg, d, xp.inf).argmin(axis=1)
    return ok, p[ok], n[ok]


def mine_semi_hard(emb, t, squared=False):
    r"""セミハードな組 (Schroff et al. 2015).

    同じクラスのすべての組 $(a, p)$ について, 違うクラスの点のうち
    $d(a, n) > d(a, p)$ を満たす最も近い点を $n$ とします. そのような
    点がなければ, 違うクラスで最も遠い点 (損失の最も小さい点) を選び
    ます. $d(a, n) \ge d(a, p) + m$ なら損失は 0 なので, 学習に効くのは
    マージンの内側 $d(a, p) < d(a, n) < d(a, p) + m$ に入った組です.
    引数と戻り値 (3 つ組の添字の配列 a, p, n) は `mine_batch_hard` と同じです.
    """
    xp = get_array_module(emb)
    d, pos, neg = _distances_and_masks(emb, t, squared)
    a, p = xp.nonzero(pos)
    d_an = xp.where(neg[a], d[a], xp.nan)  # (組の数, N)
    farther = d_an > d[a, p][:, None]
    n = xp.where(
        farther.any(axis=1),
        xp.where(farther, d_an, xp.inf).argmin(axis=1),
        xp.where(neg[a], d[a], -xp.inf).argmax(axis=1),
    )
    return a, p, n


# -------------------------------------------------- バッチの損失と勾配


def triplet_batch_grad(emb, a, p, n, margin=1.0, squared=False):
    """埋め込み emb (N, E) と組の添字から, トリプレット損失と dL/d emb.

    同じ点がいくつもの組に現れるので, 勾配は ``xp.add.at`` で足し込みます.
    """
    xp = get_array_module(emb)
    a, p, n = (xp.asarray(v) for v in (a, p, n))  # 添字を emb のデバイスへ
    args = (emb[a], emb[p], emb[n])
    loss = losses.triplet_loss(*args, margin=margin, squared=squared)
    ga, gp, gn = losses.triplet_loss_grad(*args, margin, squared)
    grad = xp.zeros_like(emb)
    for idx, g in ((a, ga), (p, gp), (n, gn)):
        xp.add.at(grad, idx, g)
    return loss, grad


def contrastive_batch_grad(emb, i, j, similar, margin=1.0):
    """埋め込み emb (N, E) とペアの添字から, コントラスティブ損失と勾配."""
    xp = get_array_module(emb)
    i, j = xp.asarray(i), xp.asarray(j)  # 添字を emb のデバイスへ
    loss = losses.contrastive_loss(emb[i], emb[j], similar, margin)
    gi, gj = losses.contrastive_loss_grad(emb[i], emb[j], similar, margin)
    grad = xp.zeros_like(emb)
    xp.add.at(grad, i, gi)
    xp.add.at(grad, j, gj)
    return loss, grad


# ---------------------------------------------------------------- 学習

_MINERS = ("random", "semi_hard", "batch_hard", "pairs")


def _random_batch(cfg, gen):
    """ランダムな組のバッチ: 添字 idx と, idx の中での組の位置 (ホスト)."""
    b = cfg["batch_size"]
    pos = np.arange(b)
    if cfg["miner"] == "pairs":
        i, j, s = _pairs(cfg["index"], b, gen)
        return np.concatenate([i, j]), (pos, pos + b, s)
    a, p, n = _triplets(cfg["index"], b, gen)
    return np.concatenate([a, p, n]), (pos, pos + b, pos + 2 * b)


def _step_loss(net, x, t, gen, cfg):
    """1 ステップ分の (損失, dL/d emb): ミニバッチを作り, 組を選ぶ.

    乱数と添字はホストで作り, 1 ステップに 1 回だけデバイスへ送ります.
    """
    m, sq = cfg["margin"], cfg["squared"]
    if cfg["miner"] in ("random", "pairs"):
        idx, groups = _random_batch(cfg, gen)
        emb = net.forward(x[to_device_of(idx, x)], train=True)
        i, j, k = (to_device_of(g, emb) for g in groups)
        if cfg["miner"] == "pairs":
            return contrastive_batch_grad(emb, i, j, k, m)
        return triplet_batch_grad(emb, i, j, k, m, sq)
    idx = to_device_of(
        sample_pk_batch(
            cfg["t_host"], cfg["n_classes"], cfg["n_per_class"], gen
        ),
        x,
    )
    emb, tb = net.forward(x[idx], train=True), t[idx]
    if cfg["miner"] == "batch_hard":
        return triplet_batch_grad(emb, *mine_batch_hard(emb, tb, sq), m, sq)
    return triplet_batch_grad(emb, *mine_semi_hard(emb, tb, sq), m, sq)


def train_embedding(
    net,
    x,
    t,
    miner="random",
    margin=1.0,
    squared=False,
    steps=500,
    batch_size=64,
    n_per_class=8,
    lr=1e-3,
    seed=0,
):
    """埋め込みネットワークを Adam で学習し, ステップごとの損失を返す.

    miner : "random" (ランダムな 3 つ組), "semi_hard", "batch_hard"
        (P×K のバッチから選ぶ), "pairs" (ランダムなペアとコントラス
        ティブ損失).
    batch_size : ランダムな組なら組の数, マイニングならバッチの枚数
        (``batch_size // n_per_class`` クラス × ``n_per_class`` 枚).
    """
    check_choice("miner", miner, _MINERS)
    check_int_labels(t, len(x))
    check_margin(margin)
    cfg = dict(
        miner=miner,
        margin=margin,
        squared=squared,
        n_per_class=check_count("n_per_class", n_per_class, low=2),
        batch_size=check_count("batch_size", batch_size, low=2),
    )
    cfg["t_host"] = _host_labels(t)  # 添字を作るためのホストのコピー
    cfg["index"] = _class_index(cfg["t_host"])
    n_classes = len(np.unique(cfg["t_host"]))  # P は多くてもクラスの数
    cfg["n_classes"] = min(batch_size // cfg["n_per_class"], n_classes)
    opt, gen = optimizers.Adam(lr=lr), np.random.default_rng(seed)
    history = []
    for _ in range(check_count("steps", steps)):
        loss, grad = _step_loss(net, x, t, gen, cfg)
        opt.update(net.params, net.backward(grad))
        history.append(loss)
    return np.array([float(v) for v in history])


# ---------------------------------------------------------------- 評価


def _neighbours(query, db, k, exclude_self):
    """query の各行に近い db の行の添字 (近い順) (Nq, k)."""
    xp = get_array_module(query)
    d = pairwise_distances(query, db, squared=True)
    if exclude_self:
        d = d + xp.diag(xp.full(len(d), xp.inf))
    order = xp.argsort(d, axis=1, kind="stable")
    return order[:, :k], xp.take_along_axis(d, order[:, :k], axis=1)


def recall_at_k(query, t_query, db=None, t_db=None, k=1):
    r"""検索の recall@k: 近い k 件に同じクラスが 1 件でもあるクエリの割合.

    クエリ $q$ に近い k 件の添字の集合を $\mathrm{NN}_k(q)$ として
    $\frac{1}{N_q} \sum_q [\, t_q \in \{t_j : j \in \mathrm{NN}_k(q)\} \,]$.

    Parameters
    ----------
    query, t_query : (Nq, E) の埋め込みと (Nq,) の整数のクラス
    db, t_db : (Nd, E) と (Nd,), 検索する側 (データベース). 省くと
        query の中で検索し, 自分自身は除きます (leave-one-out).
    k : int か int のリスト. リストなら値のリストを返します.
    """
    exclude_self = db is None
    db, t_db = (query, t_query) if exclude_self else (db, t_db)
    check_int_labels(t_query, len(query), "t_query")
    check_int_labels(t_db, len(db), "t_db")
    xp = get_array_module(query)
    t_query, t_db = xp.asarray(t_query), xp.asarray(t_db)
    ks = [k] if np.isscalar(k) else list(k)
    kmax = max(check_count("k", v) for v in ks)
    idx, _ = _neighbours(query, db, kmax, exclude_self)
    hit = t_db[idx] == t_query[:, None]  # (Nq, kmax)
    found = [float(hit[:, :v].any(axis=1).mean()) for v in ks]
    return found[0] if np.isscalar(k) else found


def knn_distance_score(reference, query, k=1):
    """異常のスコア: query の各点から reference の k 番目に近い点までの距離.

    訓練データ (reference) から遠いほど大きく, 見たことのない種類の
    データほど大きくなると期待します.
    """
    k = check_count("k", k)
    _, d2 = _neighbours(query, reference, k, exclude_self=False)
    return get_array_module(d2).sqrt(d2[:, k - 1])


def roc_auc(scores, positive):
    r"""ROC 曲線の下の面積 (ROC-AUC): 正例のスコアが負例より大きい確率.

    $P(s^+ > s^-) + \frac{1}{2} P(s^+ = s^-)$ を, 順位の和から求めます
    (Mann–Whitney の U 統計量を正例と負例の数の積で割った値).

    Parameters
    ----------
    scores : (N,), 大きいほど正例 (異常) らしいスコア
    positive : (N,), 正例なら True (1)
    """
    s = np.asarray(_host_labels(scores), dtype=float)
    y = np.asarray(_host_labels(positive)).astype(bool)
    n_pos, n_neg = check_scores(s, y)  # 正例と負例の数
    order = np.argsort(s, kind="stable")
    ranks = np.empty(len(s))
    ranks[order] = np.arange(1, len(s) + 1)
    s_sorted = np.sort(s)
    for v in np.unique(s_sorted[1:][np.diff(s_sorted) == 0]):
        ranks[s == v] = ranks[s == v].mean()  # 同点は平均の順位
    return (ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
