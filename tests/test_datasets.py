"""Tests for nnbook.datasets (no network needed)."""

import numpy as np
import pytest

from nnbook import backend, datasets

# --- digits -----------------------------------------------------------------


def _host(value):
    """Arrays (in tuples, lists, dicts) on the default device → NumPy."""
    if isinstance(value, (tuple, list)):
        return type(value)(_host(v) for v in value)
    if isinstance(value, dict):
        return {k: _host(v) for k, v in value.items()}
    return backend.to_numpy(value)


def test_load_digits_shapes_types_and_range():
    (x_tr, t_tr), (x_te, t_te) = datasets.load_digits()
    assert x_tr.shape[1] == 64 and x_te.shape[1] == 64
    assert len(x_tr) + len(x_te) == 1797
    assert x_tr.dtype == np.float32 and t_tr.dtype == np.int64
    x = backend.to_numpy(x_tr)
    assert x.min() == 0.0 and x.max() == 1.0
    assert abs(len(x_te) / 1797 - 0.2) < 0.01


def test_load_digits_is_stratified_deterministic_and_disjoint():
    (x1, t1), (xt1, tt1) = _host(datasets.load_digits(seed=3))
    (x2, t2), (xt2, tt2) = _host(datasets.load_digits(seed=3))
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(tt1, tt2)
    (_, _), (xt3, _) = _host(datasets.load_digits(seed=4))
    assert not np.array_equal(xt1, xt3)
    # every class keeps its share (within one sample)
    for c in range(10):
        n_c = np.sum(t1 == c) + np.sum(tt1 == c)
        assert abs(np.sum(tt1 == c) - 0.2 * n_c) <= 1
    # train and test do not share a sample
    from sklearn.datasets import load_digits

    all_x = load_digits().data / 16.0
    tr_idx, te_idx = datasets.stratified_split(load_digits().target, 0.2, 3)
    assert not set(tr_idx) & set(te_idx)
    assert len(tr_idx) + len(te_idx) == 1797
    np.testing.assert_allclose(xt1, all_x[te_idx], rtol=0, atol=1e-7)


def test_load_digits_one_hot_and_raw():
    (x, t), _ = _host(datasets.load_digits(normalize=False, one_hot=True))
    assert t.shape == (len(x), 10) and t.dtype == np.float32
    np.testing.assert_array_equal(t.sum(axis=1), 1)
    assert x.max() == 16.0


def test_stratified_split_rejects_bad_test_size():
    with pytest.raises(ValueError, match="test_size"):
        datasets.stratified_split(np.zeros(10, int), 1.0)


# --- generators -------------------------------------------------------------


@pytest.mark.parametrize(
    "make, n",
    [
        (lambda s: datasets.make_xor(120, seed=s), 120),
        (lambda s: datasets.make_spirals(50, 3, seed=s), 150),
        (lambda s: datasets.make_moons(101, seed=s), 101),
    ],
)
def test_classification_generators_are_seeded(make, n):
    x, t = _host(make(0))
    x2, t2 = _host(make(0))
    x3, _ = _host(make(1))
    assert x.shape == (n, 2) and t.shape == (n,)
    assert x.dtype == np.float32 and t.dtype == np.int64
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(t, t2)
    assert not np.array_equal(x, x3)


def test_xor_labels_follow_the_quadrants():
    x, t = _host(datasets.make_xor(500, seed=0))
    expected = (x[:, 0] > 0) != (x[:, 1] > 0)
    np.testing.assert_array_equal(t, expected.astype(int))
    assert 0.4 < t.mean() < 0.6


def test_spirals_classes_balanced_and_in_unit_disc():
    x, t = _host(datasets.make_spirals(40, 4, noise=0.3))
    np.testing.assert_array_equal(np.bincount(t), [40] * 4)
    assert np.all(np.hypot(x[:, 0], x[:, 1]) <= 1.0 + 1e-6)


def test_moons_without_noise_lie_on_the_half_circles():
    x, t = _host(datasets.make_moons(100, noise=0.0))
    c0 = x[t == 0]
    c1 = x[t == 1] - np.array([1.0, 0.5])
    np.testing.assert_allclose(np.hypot(*c0.T), 1.0, atol=1e-6)
    np.testing.assert_allclose(np.hypot(*c1.T), 1.0, atol=1e-6)


def test_regression_with_outliers():
    x, y, mask = datasets.make_regression_with_outliers(
        200, 15, slope=2.0, intercept=1.0, noise=0.1, return_mask=True
    )
    assert x.shape == (200, 1) and y.shape == (200, 1)
    assert x.dtype == np.float32 and mask.sum() == 15
    resid = np.abs(y[:, 0] - (2.0 * x[:, 0] + 1.0))
    assert resid[~mask].max() < 1.0
    assert resid[mask].min() > 5.0
    with pytest.raises(ValueError, match="n_outliers"):
        datasets.make_regression_with_outliers(10, 11)


def test_generators_reject_bad_sizes():
    with pytest.raises(ValueError, match="n_samples"):
        datasets.make_xor(0)
    with pytest.raises(ValueError, match="n_classes"):
        datasets.make_spirals(10, 0)


def test_logic_gate_truth_tables():
    x, targets = _host(datasets.logic_gate_data())
    assert x.shape == (4, 2) and x.dtype == np.float32
    a, b = x[:, 0].astype(bool), x[:, 1].astype(bool)
    np.testing.assert_array_equal(targets["AND"], a & b)
    np.testing.assert_array_equal(targets["OR"], a | b)
    np.testing.assert_array_equal(targets["NAND"], ~(a & b))
    np.testing.assert_array_equal(targets["XOR"], a ^ b)


def test_to_one_hot():
    np.testing.assert_array_equal(
        datasets.to_one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]]
    )


@pytest.mark.gpu
def test_data_lands_on_the_default_device(xp):
    if xp is np:
        pytest.skip("GPU のときだけ意味がある")
    backend.use("gpu")
    try:
        x, t = datasets.make_moons(10)
        assert backend.is_gpu_array(x) and backend.is_gpu_array(t)
        np.testing.assert_array_equal(
            backend.to_numpy(x), datasets.make_moons(10)[0].get()
        )
    finally:
        backend.use("cpu")


# ------------------------------------------------------------ label noise


@pytest.mark.parametrize("rate", [0.0, 0.2, 1.0])
def test_label_noise_flips_exactly_the_requested_fraction(rate):
    t = np.arange(50) % 10
    noisy, flipped = datasets.add_label_noise(t, rate, 10, seed=1)
    assert flipped.sum() == round(rate * 50)
    np.testing.assert_array_equal(noisy != t, flipped)  # always another class
    assert noisy.min() >= 0 and noisy.max() <= 9
    np.testing.assert_array_equal(t, np.arange(50) % 10)  # input untouched


def test_label_noise_is_seeded():
    t = np.arange(100) % 10
    a, _ = datasets.add_label_noise(t, 0.3, seed=4)
    b, _ = datasets.add_label_noise(t, 0.3, seed=4)
    c, _ = datasets.add_label_noise(t, 0.3, seed=5)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_label_noise_rejects_bad_input_in_japanese():
    with pytest.raises(ValueError, match="rate は 0 以上 1 以下"):
        datasets.add_label_noise(np.zeros(3, int), 1.5)
    with pytest.raises(ValueError, match="整数のラベル"):
        datasets.add_label_noise(np.zeros((3, 2), int), 0.1)
