"""Tests for nnbook.fitting (line fits with MSE / MAE / Huber)."""

import itertools

import numpy as np
import pytest

from nnbook import backend, datasets, fitting, losses


def _data(xp, **kwargs):
    x, t = datasets.make_regression_with_outliers(seed=0, **kwargs)
    x, t = backend.to_numpy(x), backend.to_numpy(t)
    return xp.asarray(x, dtype=xp.float64), xp.asarray(t, dtype=xp.float64)


def _host(x, t):
    return backend.to_numpy(x).ravel(), backend.to_numpy(t).ravel()


def test_mse_matches_least_squares(xp):
    x, t = _data(xp)
    fit = fitting.fit_line(x, t, "mse", steps=3000)
    w, b = np.polyfit(*_host(x, t), 1)
    assert fit.w == pytest.approx(w, abs=1e-6)
    assert fit.b == pytest.approx(b, abs=1e-6)
    assert fit.loss == "mse"
    # lr = 0.5 on standardised x is an exact Newton step for MSE: the
    # second step already moves less than tol, so the loop stops early.
    assert len(fit.history) == 2


def test_stops_when_converged_and_runs_all_steps_without_tol(xp):
    x, t = _data(xp)
    early = fitting.fit_line(x, t, "huber", delta=1.0)
    full = fitting.fit_line(x, t, "huber", delta=1.0, tol=0.0, steps=500)
    assert len(early.history) < 500 and len(full.history) == 500
    assert early.w == pytest.approx(full.w, abs=1e-8)
    assert early.b == pytest.approx(full.b, abs=1e-8)


def test_mae_reaches_least_absolute_deviations(xp):
    x, t = _data(xp, n_samples=40, n_outliers=4)
    hx, ht = _host(x, t)
    # 最小絶対偏差の直線は 2 点を通るものの中にある (線形計画の頂点)
    best = min(
        np.abs(
            (ht[j] - ht[i]) / (hx[j] - hx[i]) * (hx - hx[i]) + ht[i] - ht
        ).mean()
        for i, j in itertools.combinations(range(len(hx)), 2)
    )
    fit = fitting.fit_line(x, t, "mae", steps=4000)
    value = np.abs(fit.w * hx + fit.b - ht).mean()
    assert value == pytest.approx(best, abs=1e-3)


def test_huber_gradient_vanishes_at_the_fit(xp):
    x, t = _data(xp)
    fit = fitting.fit_line(x, t, "huber", delta=1.0, steps=4000)
    y = fit.predict(x).ravel()
    dy = backend.to_numpy(losses.huber_loss_grad(y, t.ravel(), delta=1.0))
    hx = backend.to_numpy(x).ravel()
    assert abs(float((dy * hx).sum())) < 1e-6
    assert abs(float(dy.sum())) < 1e-6


def test_huber_interpolates_between_mae_and_mse(xp):
    x, t = _data(xp)
    mse = fitting.fit_line(x, t, "mse", steps=3000)
    mae = fitting.fit_line(x, t, "mae", steps=4000)
    big = fitting.fit_line(x, t, "huber", delta=1e3, steps=3000)
    small = fitting.fit_line(x, t, "huber", delta=1e-3, steps=4000)
    # δ が大きいと二乗誤差と同じ直線, 小さいと絶対誤差に近い直線
    assert big.w == pytest.approx(mse.w, abs=1e-6)
    assert big.b == pytest.approx(mse.b, abs=1e-6)
    assert small.w == pytest.approx(mae.w, abs=0.05)
    assert small.b == pytest.approx(mae.b, abs=0.05)


def test_robust_losses_resist_outliers(xp):
    x, t = _data(xp, outlier_scale=20.0)
    errors = {
        name: abs(fitting.fit_line(x, t, name).b - 1.0)
        for name in ("mse", "mae", "huber")
    }
    assert errors["mae"] < errors["mse"]
    assert errors["huber"] < errors["mse"]


def test_float32_input_stays_on_device(xp):
    x, t = datasets.make_regression_with_outliers(seed=1)
    x, t = xp.asarray(backend.to_numpy(x)), xp.asarray(backend.to_numpy(t))
    fit = fitting.fit_line(x, t, "huber", steps=50)
    y = fit.predict(x)
    assert backend.get_array_module(y) is xp
    assert isinstance(fit.w, float) and isinstance(fit.b, float)
    assert all(np.isfinite(fit.history))


def test_constant_learning_rate_option():
    x = np.linspace(-1.0, 1.0, 11)
    t = 3.0 * x - 2.0
    fit = fitting.fit_line(x, t, "mse", lr=0.4, steps=500, decay=False)
    assert fit.w == pytest.approx(3.0, abs=1e-9)
    assert fit.b == pytest.approx(-2.0, abs=1e-9)
    assert fit.history[-1] < 1e-18


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"loss": "hinge"}, "未知の損失"),
        ({"delta": 0.0}, "delta"),
    ],
)
def test_bad_arguments(kwargs, message):
    x = np.arange(5.0)
    with pytest.raises(ValueError, match=message):
        fitting.fit_line(x, x, **kwargs)


def test_bad_shapes():
    with pytest.raises(ValueError, match="同じ長さ"):
        fitting.fit_line(np.arange(5.0), np.arange(4.0))
    with pytest.raises(ValueError, match="同じ長さ"):
        fitting.fit_line(np.ones((3, 2)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="2 個以上"):
        fitting.fit_line(np.ones(1), np.ones(1))
