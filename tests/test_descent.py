"""Tests for nnbook.descent (numerical_diff, gradient_descent)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnbook import descent, objectives
from nnbook.backend import to_numpy

# ------------------------------------------------------------ numerical_diff


def test_central_difference_is_second_order():
    """Halving h divides the central error by ~4 and the forward by ~2."""
    x, exact = 1.0, np.cos(1.0)
    errors = {}
    for method in descent.METHODS:
        errors[method] = [
            abs(descent.numerical_diff(np.sin, x, h, method) - exact)
            for h in (1e-2, 5e-3)
        ]
    central, forward = errors["central"], errors["forward"]
    assert central[0] / central[1] == pytest.approx(4.0, rel=1e-2)
    assert forward[0] / forward[1] == pytest.approx(2.0, rel=2e-2)
    assert central[0] < forward[0] / 10


def test_numerical_diff_exact_for_quadratics_central():
    # (f(x+h) − f(x−h)) / 2h is exact for a quadratic, up to rounding
    f = lambda x: 3 * x**2 - 2 * x + 1  # noqa: E731
    assert descent.numerical_diff(f, 2.0, 1e-3) == pytest.approx(10.0, 1e-9)


def test_numerical_diff_keeps_the_dtype_float32():
    x = np.float32(1.0)
    d = descent.numerical_diff(np.sin, x, 1e-3)
    assert d.dtype == np.float32
    # float32 with a tiny h: x + h rounds back to x, the difference is 0
    assert descent.numerical_diff(np.sin, x, 1e-9) == 0.0
    assert descent.numerical_diff(np.sin, np.float64(1.0), 1e-9) != 0.0


def test_numerical_diff_elementwise_on_arrays(xp):
    x = xp.linspace(-2.0, 2.0, 9)
    d = descent.numerical_diff(xp.tanh, x, 1e-5)
    assert type(d) is type(x)
    np.testing.assert_allclose(
        to_numpy(d), 1 - np.tanh(to_numpy(x)) ** 2, rtol=1e-8
    )


@pytest.mark.parametrize("h", [0, -1e-4, float("nan"), "1e-4", True])
def test_numerical_diff_rejects_bad_step(h):
    # a number that is not positive: ValueError; not a number: TypeError
    with pytest.raises((ValueError, TypeError), match="差分の幅 h は"):
        descent.numerical_diff(np.sin, 1.0, h)


def test_numerical_diff_rejects_unknown_method():
    with pytest.raises(ValueError, match="未知の method"):
        descent.numerical_diff(np.sin, 1.0, 1e-4, "backward")


@settings(max_examples=50, deadline=None)
@given(
    a=st.floats(-3, 3),
    b=st.floats(-3, 3),
    x=st.floats(-2, 2),
)
def test_numerical_diff_of_cubic_matches_derivative(a, b, x):
    f = lambda z: a * z**3 + b * z  # noqa: E731
    exact = 3 * a * x**2 + b
    approx = descent.numerical_diff(f, x, 1e-5)
    assert approx == pytest.approx(exact, abs=1e-6)


# ---------------------------------------------------------- gradient_descent


@pytest.mark.parametrize("lr", [0.05, 0.3, 0.5, 0.9, 1.0, 1.1])
def test_one_dimensional_quadratic_has_closed_form(lr):
    """f(x) = x²: x_k = (1 − 2η)^k x_0."""
    path = descent.gradient_descent(lambda x: 2 * x, 10.0, lr, 12)
    k = np.arange(13)
    np.testing.assert_allclose(path, 10.0 * (1 - 2 * lr) ** k, atol=1e-12)


def test_quadratic_converges_iff_lr_below_two_over_lambda_max(xp):
    """0.1 x² + 2 y² (Hessian eigenvalues 0.2, 4): limit η < 2/4 = 0.5."""
    f = objectives.Quadratic(0.2, 4.0)
    x0 = xp.asarray([-5.0, -2.0])
    for lr, converges in [(0.1, True), (0.45, True), (0.55, False)]:
        path = descent.gradient_descent(f.grad, x0, lr, 400)
        final = float(f(path[-1]))
        assert (final < 1e-6) is converges, (lr, final)
    # at the boundary the steep coordinate flips sign forever
    path = to_numpy(descent.gradient_descent(f.grad, x0, 0.5, 6))
    np.testing.assert_allclose(np.abs(path[:, 1]), 2.0)


def test_gradient_descent_matches_the_sgd_optimizer(xp):
    """The same update as nnbook.optimizers.SGD on f.grad."""
    from nnbook.optimizers import SGD

    f = objectives.rosenbrock
    x0 = xp.asarray([-1.2, 1.0])
    path = descent.gradient_descent(f.grad, x0, 1e-3, 50)
    params = {"p": x0.copy()}
    opt = SGD(lr=1e-3)
    for _ in range(50):
        opt.update(params, {"p": f.grad(params["p"])})
    np.testing.assert_allclose(to_numpy(path[-1]), to_numpy(params["p"]))


def test_gradient_descent_shape_dtype_and_start(xp):
    x0 = xp.asarray([1, 2, 3])  # integers become float64
    path = descent.gradient_descent(lambda x: x, x0, 0.1, 5)
    assert path.shape == (6, 3) and path.dtype == xp.float64
    np.testing.assert_array_equal(to_numpy(path[0]), [1.0, 2.0, 3.0])
    assert descent.gradient_descent(lambda x: x, x0, 0.1, 0).shape == (1, 3)
    x32 = xp.asarray([1.0], dtype=xp.float32)
    assert descent.gradient_descent(lambda x: x, x32, 0.1, 2).dtype == (
        xp.float32
    )


def test_gradient_descent_diverges_quietly():
    with np.errstate(all="raise"):
        path = descent.gradient_descent(lambda x: 2 * x, 10.0, 5.0, 400)
    assert not np.isfinite(path[-1])


@pytest.mark.parametrize(
    "lr, steps, error, match",
    [
        (-0.1, 5, ValueError, "学習率 lr は 0 以上"),
        ("0.1", 5, ValueError, "学習率"),
        (0.1, 2.5, TypeError, "steps は整数"),
        (0.1, -1, ValueError, "steps は 0 以上"),
    ],
)
def test_gradient_descent_rejects_bad_arguments(lr, steps, error, match):
    with pytest.raises(error, match=match):
        descent.gradient_descent(lambda x: x, 1.0, lr, steps)


def test_gradient_descent_matches_torch_sgd_over_many_steps():
    """The same path as torch.optim.SGD on 0.1 x² + 2 y² (float64)."""
    torch = pytest.importorskip("torch")
    f = objectives.Quadratic(0.2, 4.0)
    path = descent.gradient_descent(f.grad, np.array([-5.0, -2.0]), 0.4, 30)
    p = torch.tensor([-5.0, -2.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.4)
    torch_path = [p.detach().numpy().copy()]
    for _ in range(30):
        opt.zero_grad()
        loss = 0.1 * p[0] ** 2 + 2.0 * p[1] ** 2
        loss.backward()
        opt.step()
        torch_path.append(p.detach().numpy().copy())
    np.testing.assert_allclose(path, np.array(torch_path), rtol=1e-12)


def test_gradient_descent_takes_one_learning_rate_per_step():
    rates = [0.5, 0.25, 0.1]
    path = to_numpy(descent.gradient_descent(lambda x: 2 * x, 8.0, rates, 3))
    expected = [8.0]
    for r in rates:
        expected.append(expected[-1] * (1 - 2 * r))
    np.testing.assert_allclose(path, expected)
    # a constant lr is the same as a list of it
    same = descent.gradient_descent(lambda x: 2 * x, 8.0, [0.1] * 4, 4)
    np.testing.assert_array_equal(
        to_numpy(same),
        to_numpy(descent.gradient_descent(lambda x: 2 * x, 8.0, 0.1, 4)),
    )


def test_gradient_descent_rejects_a_short_or_negative_rate_list():
    with pytest.raises(ValueError, match="長さ 3 以上"):
        descent.gradient_descent(lambda x: x, 1.0, [0.1, 0.1], 3)
    with pytest.raises(ValueError, match="学習率 lr は 0 以上"):
        descent.gradient_descent(lambda x: x, 1.0, [0.1, -0.1], 2)
