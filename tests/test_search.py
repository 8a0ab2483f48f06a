"""Tests for nnbook.search (hyper-parameter search helpers)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnbook import search

SPACE = {"lr": (1e-3, 10.0, "log"), "wd": (0.0, 1.0, "linear")}


def _peak(params):
    """Depends (almost) only on lr, best at lr = 0.1: low effective dim."""
    return -((math.log10(params["lr"]) + 1.0) ** 2) + 1e-3 * params["wd"]


class Counter:
    def __init__(self, f):
        self.f, self.calls = f, []

    def __call__(self, params):
        self.calls.append(dict(params))
        return self.f(params)


def _methods():
    return {
        "grid": lambda f: search.grid_search(f, SPACE, n_per_axis=4),
        "random": lambda f: search.random_search(f, SPACE, 16, seed=1),
        "bayes": lambda f: search.bayesian_optimization(f, SPACE, 16, seed=1),
        "ga": lambda f: search.genetic_algorithm(f, SPACE, 4, 4, seed=1),
    }


@pytest.mark.parametrize("name", list(_methods()))
def test_every_method_spends_exactly_the_budget_inside_the_space(name):
    f = Counter(_peak)
    result = _methods()[name](f)
    assert len(f.calls) == len(result.trials) == 16
    for p in f.calls:
        assert 1e-3 <= p["lr"] <= 10.0 and 0.0 <= p["wd"] <= 1.0
    assert result.best.score == max(t.score for t in result.trials)
    curve = result.best_so_far()
    assert np.all(np.diff(curve) >= 0) and curve[-1] == result.best.score


@pytest.mark.parametrize("name", ["random", "bayes", "ga"])
def test_seeded_methods_are_reproducible(name):
    a = _methods()[name](_peak)
    b = _methods()[name](_peak)
    assert [t.params for t in a.trials] == [t.params for t in b.trials]


def test_grid_tries_only_four_learning_rates_random_tries_sixteen():
    """Bergstra & Bengio 2012: at equal budget grid repeats values."""
    grid = _methods()["grid"](_peak)
    rand = _methods()["random"](_peak)
    assert len({t.params["lr"] for t in grid.trials}) == 4
    assert len({t.params["lr"] for t in rand.trials}) == 16


def test_log_scale_is_uniform_in_the_exponent():
    p = search.to_params([0.5, 0.5], SPACE)
    assert p["lr"] == pytest.approx(10**-1.0)
    assert p["wd"] == pytest.approx(0.5)
    assert search.to_params([0.0, 1.0], SPACE) == pytest.approx(
        {"lr": 1e-3, "wd": 1.0}
    )


def test_bayesian_optimization_finds_the_peak_of_a_smooth_function():
    result = search.bayesian_optimization(_peak, SPACE, 14, seed=0)
    assert abs(math.log10(result.best.params["lr"]) + 1.0) < 0.15
    # and it beats the first (random) points it started from
    assert result.best.score > max(t.score for t in result.trials[:4])
    mu = result.model.predict(np.array([[0.5, 0.5]]))
    assert mu[0] == pytest.approx(0.0, abs=0.05)  # GP learned the peak


def test_genetic_algorithm_improves_on_its_first_generation():
    result = search.genetic_algorithm(_peak, SPACE, 4, 6, seed=0)
    first = max(t.score for t in result.trials[:4])
    assert result.best.score > first


def test_diverged_runs_are_ignored_not_crashing():
    def f(params):
        return math.nan if params["lr"] > 1.0 else _peak(params)

    for make in _methods().values():
        result = make(f)
        assert math.isfinite(result.best.score)


@settings(max_examples=30, deadline=None)
@given(
    st.floats(-3, 3), st.floats(0.01, 3), st.floats(-3, 3), st.floats(0, 0.1)
)
def test_expected_improvement_matches_monte_carlo(mu, sigma, best, xi):
    ei = search.expected_improvement(mu, sigma, best, xi)
    z = np.random.default_rng(0).normal(size=200_000)
    mc = np.maximum(mu + sigma * z - best - xi, 0.0).mean()
    assert float(ei) == pytest.approx(mc, abs=0.02 * sigma + 1e-3)
    assert ei >= 0


def test_expected_improvement_without_uncertainty_is_the_plain_gain():
    ei = search.expected_improvement([1.0, -1.0], [0.0, 0.0], 0.0, 0.0)
    np.testing.assert_allclose(ei, [1.0, 0.0])


def test_bad_arguments_raise_japanese_errors():
    with pytest.raises(ValueError, match="下限"):
        search.random_search(_peak, {"lr": (1.0, 0.1, "log")})
    with pytest.raises(ValueError, match="log"):
        search.random_search(_peak, {"lr": (0.0, 1.0, "log")})
    with pytest.raises(ValueError, match="'linear'"):
        search.random_search(_peak, {"lr": (0.1, 1.0, "exp")})
    with pytest.raises(ValueError, match="空"):
        search.grid_search(_peak, {})
    with pytest.raises(ValueError, match="整数"):
        search.random_search(_peak, SPACE, n_trials=0)
    with pytest.raises(ValueError, match="整数"):
        search.genetic_algorithm(_peak, SPACE, population=1)
