"""Tests for nnbook.random_features (random ReLU features, min-norm fit)."""

import numpy as np
import pytest

from nnbook import random_features as rf
from nnbook.backend import to_numpy


def test_features_are_relu_of_a_gaussian_projection(xp):
    x = xp.asarray(np.random.default_rng(0).normal(size=(5, 3)))
    phi, phi_test = rf.random_relu_features(x, x[:2], 7, seed=3)
    assert phi.shape == (5, 7) and phi_test.shape == (2, 7)
    assert float(phi.min()) >= 0.0
    v = np.random.default_rng(3).standard_normal((3, 7)) / np.sqrt(3)
    expected = np.maximum(to_numpy(x) @ v, 0) / np.sqrt(7)
    np.testing.assert_allclose(to_numpy(phi), expected)
    np.testing.assert_array_equal(to_numpy(phi_test), to_numpy(phi)[:2])


@pytest.mark.parametrize(("n", "p"), [(20, 8), (8, 20), (10, 10)])
def test_min_norm_fit_matches_numpy_lstsq(n, p):
    rng = np.random.default_rng(1)
    phi, y = rng.normal(size=(n, p)), rng.normal(size=(n, 3))
    ref = np.linalg.lstsq(phi, y, rcond=None)[0]  # also minimum norm
    np.testing.assert_allclose(rf.fit_least_squares(phi, y), ref, atol=1e-10)


def test_overparameterised_fit_interpolates_with_the_smallest_norm():
    rng = np.random.default_rng(2)
    phi, y = rng.normal(size=(6, 15)), rng.normal(size=(6, 1))
    w = rf.fit_least_squares(phi, y)
    np.testing.assert_allclose(phi @ w, y, atol=1e-10)
    # any other interpolating solution w + z (z in the null space) is longer
    z = rng.normal(size=(15, 1))
    z -= np.linalg.pinv(phi) @ (phi @ z)
    assert np.linalg.norm(w + z) > np.linalg.norm(w)


@pytest.mark.parametrize(("n", "p"), [(20, 8), (8, 20)])
def test_ridge_matches_scikit_learn(n, p):
    from sklearn.linear_model import Ridge

    rng = np.random.default_rng(3)
    phi, y = rng.normal(size=(n, p)), rng.normal(size=(n, 2))
    ref = Ridge(alpha=0.3, fit_intercept=False).fit(phi, y).coef_.T
    np.testing.assert_allclose(rf.fit_least_squares(phi, y, 0.3), ref)


def test_small_ridge_approaches_the_min_norm_solution():
    rng = np.random.default_rng(4)
    phi, y = rng.normal(size=(5, 12)), rng.normal(size=(5, 2))
    np.testing.assert_allclose(
        rf.fit_least_squares(phi, y, 1e-10),
        rf.fit_least_squares(phi, y),
        atol=1e-6,
    )


def test_double_descent_peaks_at_the_interpolation_threshold():
    """Noisy linear targets: the min-norm test error is largest at P = N."""
    rng = np.random.default_rng(5)
    x, xt = rng.normal(size=(30, 10)), rng.normal(size=(200, 10))
    beta = rng.normal(size=(10, 1))
    y = x @ beta + 0.5 * rng.normal(size=(30, 1))
    yt = xt @ beta
    ps = [5, 15, 30, 60, 300]
    train, test = rf.double_descent(x, y, xt, yt, ps, seeds=range(3))
    med = np.median(test, axis=0)
    assert int(np.argmax(med)) == ps.index(30)
    assert np.all(train[:, ps.index(60) :] < 1e-16 + 1e-10)  # interpolates
    _, ridged = rf.double_descent(x, y, xt, yt, ps, range(3), ridge=0.1)
    assert np.median(ridged, axis=0)[2] < 0.2 * med[2]


def test_bad_arguments():
    x = np.ones((3, 2))
    with pytest.raises(ValueError, match="num_features"):
        rf.random_relu_features(x, x, 0)
    with pytest.raises(ValueError, match="ridge"):
        rf.fit_least_squares(x, x, ridge=-1.0)
