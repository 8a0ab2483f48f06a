"""Tests for nnbook.metric_learning.

Distances against scikit-learn, float64 numerical gradients of the
normalisation, the embedding network and the mined batch losses, PyTorch
parity of the batch triplet loss (with the mined triplets), samplers'
invariants, miners against brute force, recall@k against
``NearestNeighbors``, ROC-AUC against ``roc_auc_score``, and Japanese
error messages.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score
from sklearn.metrics.pairwise import cosine_similarity as sk_cosine
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.neighbors import NearestNeighbors

from nnbook import losses
from nnbook import metric_learning as ml
from nnbook.backend import to_device_of, to_numpy
from nnbook.gradcheck import check_gradient

fast = settings(max_examples=30, deadline=None)


def assert_close(a, b, rtol=1e-7, atol=1e-9):
    np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=rtol, atol=atol)


def labelled(rng, n_classes=4, per_class=5, d=3):
    t = np.repeat(np.arange(n_classes), per_class)
    x = rng.normal(size=(len(t), d)) + 2.0 * rng.normal(size=(n_classes, d))[t]
    return x, t


# ------------------------------------------------------------------ 距離


def test_book_vectors():
    A, B, C = [0, 8, 7, 10], [2, 5, 8, 12], [10, 15, 2, 3]
    assert_close(ml.euclidean_distance(A, B), np.sqrt(18))
    assert_close(ml.euclidean_distance(A, C), np.sqrt(223))
    assert_close(ml.cosine_similarity(A, B), 216 / np.sqrt(213 * 237))
    assert_close(ml.cosine_similarity(A, C), 164 / np.sqrt(213 * 338))


def test_distances_match_sklearn(xp, rng):
    x, y = rng.normal(size=(7, 5)), rng.normal(size=(4, 5))
    xd, yd = xp.asarray(x), xp.asarray(y)
    assert_close(ml.pairwise_distances(xd, yd), euclidean_distances(x, y))
    assert_close(
        ml.pairwise_distances(xd, squared=True),
        euclidean_distances(x, squared=True),
        atol=1e-12,
    )
    assert_close(
        ml.cosine_similarity(xd[:4], yd), np.diag(sk_cosine(x[:4], y))
    )
    assert_close(
        ml.euclidean_distance(xd[:4], yd), np.linalg.norm(x[:4] - y, axis=1)
    )


@fast
@given(st.floats(0.01, 100), st.integers(0, 10_000))
def test_cosine_ignores_length_but_distance_does_not(scale, seed):
    a, b = np.random.default_rng(seed).normal(size=(2, 6))
    assert_close(
        ml.cosine_similarity(a, b), ml.cosine_similarity(scale * a, b)
    )
    assert_close(
        ml.euclidean_distance(scale * a, scale * b),
        scale * ml.euclidean_distance(a, b),
    )


def test_l2_normalize_and_grad(xp, rng):
    x = xp.asarray(rng.normal(size=(5, 3)))
    z = ml.l2_normalize(x)
    assert_close((z * z).sum(axis=1), np.ones(5))
    dout = xp.asarray(rng.normal(size=(5, 3)))
    grad = ml.l2_normalize_grad(x, dout)
    check_gradient(lambda v: (ml.l2_normalize(v) * dout).sum(), x, grad)


# ------------------------------------------------------------ ネットワーク


@pytest.mark.parametrize("normalize", [False, True])
def test_embedding_net_gradient(normalize, rng):
    net = ml.EmbeddingNet(
        [4, 5, 3], activation="tanh", normalize=normalize, dtype=np.float64
    )
    x = rng.normal(size=(6, 4))
    dout = rng.normal(size=(6, 3))
    dout_dev = to_device_of(dout, net.params["W1"])
    net.forward(x)
    grads = net.backward(dout)
    assert set(grads) == {"W1", "b1", "W2", "b2"}
    for key, p in net.params.items():
        check_gradient(
            lambda _: (net.forward(x) * dout_dev).sum(), p, grads[key]
        )


def test_embedding_net_matches_torch(rng):
    net = ml.EmbeddingNet([4, 6, 2], normalize=True, dtype=np.float64)
    x = rng.normal(size=(5, 4))
    P = {
        k: torch.tensor(to_numpy(v), requires_grad=True)
        for k, v in net.params.items()
    }
    h = torch.relu(torch.tensor(x) @ P["W1"] + P["b1"]) @ P["W2"] + P["b2"]
    z = F.normalize(h, dim=1)
    (z[:, 0] ** 2).sum().backward()
    assert_close(to_numpy(net.forward(x)), z.detach())
    dout = np.zeros((5, 2))
    dout[:, 0] = 2 * to_numpy(z.detach())[:, 0]
    grads = net.backward(dout)
    for k in P:
        assert_close(to_numpy(grads[k]), P[k].grad)


# --------------------------------------------------------- サンプラー


@fast
@given(st.integers(0, 1000), st.integers(2, 50))
def test_samplers_respect_labels(seed, n):
    t = np.array([0, 0, 1, 1, 1, 2, 2, 0, 2, 2])
    a, p, neg = (to_numpy(v) for v in ml.sample_triplets(t, n, seed))
    assert (t[a] == t[p]).all() and (a != p).all() and (t[a] != t[neg]).all()
    i, j, s = (to_numpy(v) for v in ml.sample_pairs(t, n, seed))
    assert ((t[i] == t[j]) == (s == 1)).all() and (i != j).all()
    assert s.sum() == n // 2


def test_samplers_are_uniform_over_valid_choices():
    t = np.array([0, 0, 1, 1, 1, 2, 2, 0, 2, 2])
    a, p, n = (to_numpy(v) for v in ml.sample_triplets(t, 40_000, seed=3))
    p0, n0 = p[a == 0], n[a == 0]
    np.testing.assert_allclose(np.mean(p0 == 1), 0.5, atol=0.03)
    counts = np.bincount(n0, minlength=10)[[2, 3, 4, 5, 6, 8, 9]]
    np.testing.assert_allclose(counts / len(n0), 1 / 7, atol=0.02)


def test_pk_batch():
    t = np.repeat(np.arange(6), 10)
    idx = ml.sample_pk_batch(t, 3, 4, np.random.default_rng(0))
    assert len(idx) == 12 and len(set(idx)) == 12
    assert sorted(np.bincount(t[idx])[np.bincount(t[idx]) > 0]) == [4, 4, 4]


# ------------------------------------------------------------ マイニング


def test_batch_hard_matches_brute_force(xp, rng):
    x, t = labelled(rng)
    a, p, n = (to_numpy(v) for v in ml.mine_batch_hard(xp.asarray(x), t))
    d = euclidean_distances(x)
    assert (a == np.arange(len(t))).all()
    for i, (pi, ni) in enumerate(zip(p, n, strict=True)):
        same = (t == t[i]) & (np.arange(len(t)) != i)
        assert d[i, pi] == d[i][same].max() and t[pi] == t[i]
        assert d[i, ni] == d[i][t != t[i]].min()


def test_semi_hard_matches_brute_force(xp, rng):
    x, t = labelled(rng)
    a, p, n = (to_numpy(v) for v in ml.mine_semi_hard(xp.asarray(x), t))
    d = euclidean_distances(x)
    assert len(a) == sum(c * (c - 1) for c in np.bincount(t))
    for ai, pi, ni in zip(a, p, n, strict=True):
        neg = d[ai][t != t[ai]]
        farther = neg[neg > d[ai, pi]]
        expected = farther.min() if len(farther) else neg.max()
        assert t[ni] != t[ai] and np.isclose(d[ai, ni], expected)


def test_mined_loss_gradient_and_torch(xp, rng):
    """Mining is locally constant: the batch loss is differentiable."""
    x, t = labelled(rng)
    emb = xp.asarray(x)

    def mined_loss(e):
        return ml.triplet_batch_grad(e, *ml.mine_batch_hard(e, t), 0.5)[0]

    loss, grad = ml.triplet_batch_grad(emb, *ml.mine_batch_hard(emb, t), 0.5)
    check_gradient(mined_loss, emb, grad)
    a, p, n = (torch.tensor(to_numpy(v)) for v in ml.mine_batch_hard(emb, t))
    te = torch.tensor(x, requires_grad=True)
    ref = F.triplet_margin_loss(te[a], te[p], te[n], margin=0.5, eps=0)
    ref.backward()
    assert_close(loss, ref.detach())
    assert_close(grad, te.grad)


def test_contrastive_batch_grad(xp, rng):
    x, t = labelled(rng)
    i, j, s = ml.sample_pairs(t, 12, seed=1)
    i, j, s = (xp.asarray(to_numpy(v)) for v in (i, j, s))
    emb = xp.asarray(x)
    loss, grad = ml.contrastive_batch_grad(emb, i, j, s.astype(float), 3.0)
    check_gradient(
        lambda e: ml.contrastive_batch_grad(e, i, j, s.astype(float), 3.0)[0],
        emb,
        grad,
    )
    assert float(loss) > 0


@fast
@given(st.integers(0, 10_000), st.floats(0.0, 3.0))
def test_batch_hard_takes_each_anchors_largest_hinge(seed, margin):
    """Per anchor, the mined triplet has the largest hinge of all its
    valid triplets, so the batch-hard loss is at least the batch-all mean
    (equal class sizes: every anchor has as many triplets)."""
    x, t = labelled(np.random.default_rng(seed), n_classes=3, per_class=4)
    d = euclidean_distances(x)
    a, p, n = ml.mine_batch_hard(x, t)
    all_hinges = []
    for i, pi, ni in zip(a, p, n, strict=True):
        pos = np.flatnonzero((t == t[i]) & (np.arange(len(t)) != i))
        neg = np.flatnonzero(t != t[i])
        h = np.maximum(d[i, pos][:, None] - d[i, neg][None, :] + margin, 0)
        mined = ml.triplet_batch_grad(x, [i], [pi], [ni], margin)[0]
        assert mined == pytest.approx(h.max(), abs=1e-12)
        all_hinges.append(h.ravel())
    loss = ml.triplet_batch_grad(x, a, p, n, margin)[0]
    assert loss >= np.concatenate(all_hinges).mean() - 1e-12 >= -1e-12


def test_contrastive_label_convention_against_hadsell():
    """Hadsell et al. (2006) write Y = 0 for similar pairs; nnbook's
    ``similar`` is 1 − Y."""
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=(2, 8, 3))
    Y = np.array([0, 1, 0, 1, 1, 0, 0, 1], dtype=float)
    d = np.linalg.norm(x1 - x2, axis=1)
    m = 2.0
    hadsell = ((1 - Y) * d**2 / 2 + Y * np.maximum(0, m - d) ** 2 / 2).mean()
    assert float(losses.contrastive_loss(x1, x2, 1 - Y, m)) == pytest.approx(
        hadsell
    )
    assert float(losses.contrastive_loss(x1, x2, Y, m)) != pytest.approx(
        hadsell
    )


def test_mined_loss_is_zero_when_classes_are_far_apart(xp):
    t = np.repeat(np.arange(3), 4)
    x = 100.0 * np.eye(3)[t] + 0.01 * np.arange(12)[:, None]
    emb = xp.asarray(x)
    for trip in (ml.mine_batch_hard(emb, t), ml.mine_semi_hard(emb, t)):
        loss, grad = ml.triplet_batch_grad(emb, *trip, margin=1.0)
        assert float(loss) == 0.0 and not to_numpy(grad).any()


# ---------------------------------------------------------------- 学習


@pytest.mark.parametrize(
    "miner", ["random", "semi_hard", "batch_hard", "pairs"]
)
def test_training_lowers_the_loss_and_is_deterministic(miner, rng):
    x, t = labelled(rng, n_classes=4, per_class=15, d=6)
    runs = []
    for _ in range(2):
        net = ml.EmbeddingNet([6, 8, 2], seed=1, dtype=np.float64)
        h = ml.train_embedding(
            net, x, t, miner=miner, margin=0.5, steps=60, batch_size=16,
            n_per_class=4, lr=0.01, seed=2,
        )  # fmt: skip
        runs.append(h)
    np.testing.assert_array_equal(runs[0], runs[1])
    assert runs[0][-10:].mean() < runs[0][:10].mean()


# ---------------------------------------------------------------- 評価


def _sk_recall(q, tq, db, tdb, k, loo):
    nn = NearestNeighbors(n_neighbors=k + loo).fit(db)
    idx = nn.kneighbors(q, return_distance=False)
    idx = idx[:, 1:] if loo else idx
    return (tdb[idx] == tq[:, None]).any(axis=1).mean()


@pytest.mark.parametrize("k", [1, 3])
def test_recall_matches_sklearn(k, xp, rng):
    x, t = labelled(rng, n_classes=5, per_class=12)
    q, tq = rng.normal(size=(20, 3)) * 2, rng.integers(0, 5, 20)
    got = ml.recall_at_k(xp.asarray(q), xp.asarray(tq), xp.asarray(x),
                         xp.asarray(t), k=k)  # fmt: skip
    assert got == pytest.approx(_sk_recall(q, tq, x, t, k, loo=False))
    got = ml.recall_at_k(xp.asarray(x), xp.asarray(t), k=[k])[0]
    assert got == pytest.approx(_sk_recall(x, t, x, t, k, loo=True))


def test_recall_is_monotone_in_k(rng):
    x, t = labelled(rng)
    r = ml.recall_at_k(x, t, k=[1, 2, 4, 8])
    assert all(a <= b for a, b in zip(r, r[1:], strict=False))
    assert ml.recall_at_k(x, t, k=19) == 1.0


def test_knn_score(xp, rng):
    ref, q = rng.normal(size=(30, 4)), rng.normal(size=(6, 4))
    got = ml.knn_distance_score(xp.asarray(ref), xp.asarray(q), k=3)
    nn = NearestNeighbors(n_neighbors=3).fit(ref)
    assert_close(got, nn.kneighbors(q)[0][:, 2])


@fast
@given(st.integers(0, 10_000))
def test_roc_auc_matches_sklearn(seed):
    g = np.random.default_rng(seed)
    y = g.integers(0, 2, size=30)
    y[:2] = [0, 1]
    s = g.integers(0, 6, size=30).astype(float)  # ties on purpose
    assert ml.roc_auc(s, y) == pytest.approx(roc_auc_score(y, s))


# ------------------------------------------------------------ 誤った入力


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: ml.euclidean_distance([1, 2], [1, 2, 3]), ValueError,
         "a と b の shape"),
        (lambda: ml.cosine_similarity([0, 0], [1, 2]), ValueError, "長さ 0"),
        (lambda: ml.pairwise_distances(np.ones(3)), ValueError, r"\(N, D\)"),
        (lambda: ml.EmbeddingNet([4]), ValueError, "sizes"),
        (lambda: ml.EmbeddingNet([4, 2], activation="foo"), ValueError,
         "未知の activation"),
        (lambda: ml.sample_triplets(np.array([0, 1, 1]), 3), ValueError,
         "2 個以上"),
        (lambda: ml.mine_batch_hard(np.ones((3, 2)), np.array([0.0, 1, 1])),
         TypeError, "整数"),
        (lambda: ml.train_embedding(None, np.ones((4, 2)),
                                    np.array([0, 0, 1, 1]), margin=-1),
         ValueError, "margin"),
        (lambda: ml.recall_at_k(np.ones((3, 2)), np.array([0, 1])),
         ValueError, "長さ 3"),
        (lambda: ml.recall_at_k(np.ones((3, 2)), np.array([0, 1, 1]), k=0),
         ValueError, "k は 1 以上"),
        (lambda: ml.roc_auc([0.1, 0.2], [1, 1]), ValueError, "負例 0 個"),
        (lambda: ml.train_embedding(None, np.ones((4, 2)),
                                    np.array([0, 0, 1, 1]), miner="hard"),
         ValueError, "未知の miner"),
    ],
)  # fmt: skip
def test_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()
