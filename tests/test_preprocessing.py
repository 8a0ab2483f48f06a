"""Tests for nnbook.preprocessing: scikit-learn parity, train-only
statistics, constant features and the properties of whitening."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import preprocessing as skp

from nnbook import backend
from nnbook.preprocessing import MinMaxScaler, StandardScaler, Whitening


def _data(rng, n=200, d=6):
    """Correlated features on very different scales, one constant."""
    z = rng.normal(size=(n, d))
    x = z @ rng.normal(size=(d, d)) * np.logspace(-2, 3, d) + 5.0
    x[:, 2] = 7.0  # 値が一定の特徴量
    return x


@pytest.mark.parametrize(
    ("ours", "ref"),
    [
        (MinMaxScaler, skp.MinMaxScaler),
        (StandardScaler, skp.StandardScaler),
    ],
)
def test_matches_scikit_learn_with_a_constant_feature(xp, rng, ours, ref):
    x = _data(rng)
    x_train, x_test = x[:150], x[150:]
    x_test[0, 2] = 9.0  # テストデータにだけ現れる値
    s = ref().fit(x_train)
    o = ours().fit(xp.asarray(x_train))
    for part in (x_train, x_test):
        got = backend.to_numpy(o.transform(xp.asarray(part)))
        assert np.all(np.isfinite(got))
        np.testing.assert_allclose(got, s.transform(part), atol=1e-12)
        back = backend.to_numpy(o.inverse_transform(xp.asarray(got)))
        np.testing.assert_allclose(back, part, rtol=1e-12, atol=1e-9)
    # 定数の特徴量: 訓練データでは 0 (平均・最小値を引くだけ)
    assert np.all(
        backend.to_numpy(o.transform(xp.asarray(x_train)))[:, 2] == 0
    )


def test_minmax_feature_range_matches_scikit_learn(rng):
    x = _data(rng)
    ours = MinMaxScaler((-1, 1)).fit_transform(x)
    np.testing.assert_allclose(
        ours, skp.MinMaxScaler((-1, 1)).fit_transform(x), atol=1e-12
    )
    assert ours.min() == -1 and ours.max() == 1


def test_statistics_come_from_the_fitted_data_only(rng):
    x = _data(rng)
    s = StandardScaler().fit(x[:100])
    np.testing.assert_allclose(s.mean_, x[:100].mean(axis=0))
    z_test = s.transform(x[100:])
    # 訓練データの統計量で変換したテストデータは, 平均がちょうど 0 には
    # ならない (テストデータの情報を使っていない証拠)
    assert np.abs(z_test.mean(axis=0)[[0, 1, 3]]).max() > 1e-3
    np.testing.assert_allclose(
        s.transform(x[:100]).mean(axis=0), 0, atol=1e-12
    )


@settings(max_examples=30, deadline=None)
@given(
    st.integers(2, 6),
    st.integers(0, 10_000),
    st.floats(1e-3, 1e3),
    st.floats(-1e3, 1e3),
)
def test_standardized_train_has_mean_0_std_1(d, seed, scale, shift):
    x = np.random.default_rng(seed).normal(size=(50, d)) * scale + shift
    z = StandardScaler().fit_transform(x)
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-9)
    np.testing.assert_allclose(z.std(axis=0), 1, rtol=1e-9)


@pytest.mark.parametrize("method", ["pca", "zca"])
def test_whitened_covariance_is_identity(xp, rng, method):
    x = rng.normal(size=(500, 5)) @ rng.normal(size=(5, 5)) + 3.0
    w = Whitening(method, eps=0.0).fit(xp.asarray(x))
    z = backend.to_numpy(w.transform(xp.asarray(x)))
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-10)
    np.testing.assert_allclose(np.cov(z.T, bias=True), np.eye(5), atol=1e-9)


def test_zca_is_symmetric_and_closest_to_the_input(rng):
    x = rng.normal(size=(500, 5)) @ rng.normal(size=(5, 5))
    zca = Whitening("zca", eps=0.0).fit(x)
    pca = Whitening("pca", eps=0.0).fit(x)
    np.testing.assert_allclose(zca.matrix_, zca.matrix_.T, atol=1e-10)
    # ZCA = Σ^{-1/2}: 二乗して Σ の逆行列になる
    cov = np.cov(x.T, bias=True)
    np.testing.assert_allclose(
        zca.matrix_ @ zca.matrix_, np.linalg.inv(cov), rtol=1e-8, atol=1e-10
    )
    # ZCA は PCA 白色化を元の座標へ回し戻したもの
    np.testing.assert_allclose(
        zca.matrix_, pca.matrix_ @ pca.components_.T, atol=1e-10
    )
    # 白色化の中で ZCA は元のデータとの差が最小 (Kessy et al. 2018)
    xc = x - x.mean(axis=0)
    gap = {
        m: ((w.transform(x) - xc) ** 2).sum()
        for m, w in [("z", zca), ("p", pca)]
    }
    assert gap["z"] < gap["p"]


def test_pca_whitening_orders_components_by_variance(rng):
    x = rng.normal(size=(400, 4)) * np.array([5.0, 1.0, 3.0, 0.5])
    w = Whitening("pca", eps=0.0).fit(x)
    assert np.all(np.diff(w.eigenvalues_) <= 0)
    np.testing.assert_allclose(
        w.eigenvalues_,
        np.sort(np.linalg.eigvalsh(np.cov(x.T, bias=True)))[::-1],
    )


def test_eps_is_required_with_a_constant_feature(rng):
    x = _data(rng)
    with pytest.raises(ValueError, match="eps > 0"):
        Whitening("zca", eps=0.0).fit(x)
    z = Whitening("zca", eps=1e-2).fit(x).transform(x)
    assert np.all(np.isfinite(z))


def test_errors_are_explained_in_japanese(rng):
    with pytest.raises(RuntimeError, match="fit されていません"):
        StandardScaler().transform(np.zeros((2, 2)))
    s = StandardScaler().fit(np.ones((3, 2)))
    with pytest.raises(ValueError, match="特徴量の数"):
        s.transform(np.ones((3, 3)))
    with pytest.raises(ValueError, match="2 次元"):
        MinMaxScaler().fit(np.ones(3))
    with pytest.raises(ValueError, match="feature_range"):
        MinMaxScaler((1, 0))
    with pytest.raises(ValueError, match="method"):
        Whitening("cholesky")
    with pytest.raises(ValueError, match="eps"):
        Whitening(eps=-1)
