"""Tests for nnbook.imbalance: SMOTE follows Chawla et al. (2002) and
behaves like imbalanced-learn; samplers and metrics match references."""

import numpy as np
import pytest
from imblearn.over_sampling import SMOTE, RandomOverSampler
from imblearn.under_sampling import RandomUnderSampler
from sklearn.metrics import f1_score, recall_score

from nnbook import backend, imbalance


def _imbalanced(rng, counts=(60, 25, 8), d=3):
    x = np.concatenate(
        [rng.normal(loc=3.0 * c, size=(n, d)) for c, n in enumerate(counts)]
    )
    t = np.concatenate([np.full(n, c) for c, n in enumerate(counts)])
    return x, t


def _on_a_segment_to_a_neighbor(x_new, x_c, k):
    """Each x_new lies on a segment from some x_i to one of its k nearest
    same-class neighbours (computed independently with brute force).
    Returns the u in [0, 1] of each point."""
    d = np.linalg.norm(x_c[:, None] - x_c[None], axis=2)
    np.fill_diagonal(d, np.inf)
    nbrs = np.argsort(d, axis=1)[:, :k]
    us = []
    for p in x_new:
        best = None
        for i in range(len(x_c)):
            for j in nbrs[i]:
                v = x_c[j] - x_c[i]
                u = float((p - x_c[i]) @ v / (v @ v))
                if -1e-9 <= u <= 1 + 1e-9:
                    err = np.linalg.norm(x_c[i] + u * v - p)
                    if err < 1e-9 and (best is None or err < best[0]):
                        best = (err, u)
        assert best is not None, f"{p} は近傍を結ぶ線分上にありません"
        us.append(best[1])
    return np.array(us)


def test_smote_points_lie_on_segments_between_minority_neighbors(rng):
    x, t = _imbalanced(rng)
    x_res, t_res = imbalance.smote(x, t, k=5, seed=0)
    np.testing.assert_array_equal(x_res[: len(x)], x)  # 元のデータが先頭
    for c in (1, 2):
        x_new = x_res[len(x) :][t_res[len(x) :] == c]
        us = _on_a_segment_to_a_neighbor(x_new, x[t == c], k=5)
        assert 0.2 < us.mean() < 0.8  # u は [0, 1] に散らばる


def test_imbalanced_learn_smote_satisfies_the_same_property(rng):
    """The reference implementation passes the same segment check, and
    both produce the same class counts."""
    x, t = _imbalanced(rng)
    xr, tr = SMOTE(k_neighbors=5, random_state=0).fit_resample(x, t)
    ours_x, ours_t = imbalance.smote(x, t, k=5)
    assert imbalance.class_counts(tr) == imbalance.class_counts(ours_t)
    assert ours_x.shape == xr.shape
    _on_a_segment_to_a_neighbor(xr[len(x) :][tr[len(x) :] == 2], x[t == 2], 5)
    # 合成点の平均は少数クラスの平均の近く (どちらの実装も)
    for xs, ts in ((xr, tr), (ours_x, ours_t)):
        new = xs[len(x) :][ts[len(x) :] == 2]
        assert np.linalg.norm(new.mean(0) - x[t == 2].mean(0)) < 1.0


def test_smote_allocation_follows_chawla(rng):
    """Each minority point is the base of floor(n_new/n) or one more."""
    x_c = rng.normal(size=(8, 2))
    x_new = imbalance.smote_samples(x_c, 19, k=3, seed=1)
    assert x_new.shape == (19, 2)
    d = np.linalg.norm(x_c[:, None] - x_c[None], axis=2)
    np.fill_diagonal(d, np.inf)
    nbrs = np.argsort(d, axis=1)[:, :3]
    # 同じ乱数で作り直した元の点: 19 = 8 * 2 + 3
    gen = np.random.default_rng(1)
    rest = gen.choice(8, 3, replace=False)
    base = np.concatenate([np.repeat(np.arange(8), 2), rest])
    nn = nbrs[base, gen.integers(0, 3, size=19)]
    u = gen.uniform(size=(19, 1))
    np.testing.assert_allclose(x_new, x_c[base] + u * (x_c[nn] - x_c[base]))
    assert np.bincount(base, minlength=8).min() == 2
    assert np.bincount(base, minlength=8).max() == 3


def test_smote_same_seed_same_points_and_device(xp, rng):
    x, t = _imbalanced(rng)
    a = imbalance.smote(xp.asarray(x), xp.asarray(t), seed=3)
    b = imbalance.smote(x, t, seed=3)
    assert backend.get_array_module(a[0]) is xp
    np.testing.assert_allclose(backend.to_numpy(a[0]), b[0], rtol=1e-12)
    c = imbalance.smote(x, t, seed=4)
    assert not np.array_equal(b[0], c[0])


def test_random_samplers_match_imbalanced_learn_counts(rng):
    x, t = _imbalanced(rng)
    for ours, ref in (
        (imbalance.random_over_sample, RandomOverSampler),
        (imbalance.random_under_sample, RandomUnderSampler),
    ):
        xo, to = ours(x, t, seed=0)
        xr, tr = ref(random_state=0).fit_resample(x, t)
        assert imbalance.class_counts(to) == imbalance.class_counts(tr)
        # 作った点はどれも元のデータの点 (ラベルも同じ)
        rows = {tuple(r): c for r, c in zip(x, t, strict=True)}
        assert all(rows[tuple(r)] == c for r, c in zip(xo, to, strict=True))


def test_over_sampling_keeps_everything_under_sampling_drops_no_minority(rng):
    x, t = _imbalanced(rng)
    xo, to = imbalance.random_over_sample(x, t)
    np.testing.assert_array_equal(xo[: len(x)], x)
    xu, tu = imbalance.random_under_sample(x, t)
    np.testing.assert_array_equal(
        np.sort(xu[tu == 2], axis=0), np.sort(x[t == 2], axis=0)
    )
    assert len(np.unique(xu, axis=0)) == len(xu)  # 非復元抽出


def test_metrics_match_scikit_learn(rng):
    t = rng.integers(0, 4, size=300)
    y = np.where(rng.uniform(size=300) < 0.7, t, rng.integers(0, 4, size=300))
    y[y == 3] = 0  # クラス 3 を一度も予測しない
    np.testing.assert_allclose(
        imbalance.recall_per_class(t, y, 4), recall_score(t, y, average=None)
    )
    assert imbalance.macro_f1(t, y, 4) == pytest.approx(
        f1_score(t, y, average="macro", zero_division=0)
    )


def test_bad_inputs_get_japanese_messages(rng):
    x, t = _imbalanced(rng, counts=(20, 4))
    with pytest.raises(ValueError, match="k = 5"):
        imbalance.smote(x, t, k=5)
    with pytest.raises(ValueError, match="同じ長さ"):
        imbalance.smote(x, t[:-1])
    with pytest.raises(TypeError, match="整数のクラス番号"):
        imbalance.random_over_sample(x, t.astype(float))
    with pytest.raises(ValueError, match="2 次元"):
        imbalance.random_under_sample(x[:, 0], t)
