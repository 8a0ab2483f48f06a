"""Tests for nnbook.activations.

Every ``_grad`` is checked against central differences in float64 (inputs
kept away from kinks), every function PyTorch also has is compared with it
in float64 (value and autograd gradient), properties are checked with
hypothesis, and |x| up to 1e4 must give no floating-point warning.
"""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nnbook import activations as act
from nnbook.backend import to_numpy
from nnbook.gradcheck import check_gradient

# name -> (function, gradient, keyword arguments, kinks)
ELEMENTWISE = {
    "step": (act.step, act.step_grad, {}, [0.0]),
    "sigmoid": (act.sigmoid, act.sigmoid_grad, {}, []),
    "tanh": (act.tanh, act.tanh_grad, {}, []),
    "relu": (act.relu, act.relu_grad, {}, [0.0]),
    "leaky_relu": (act.leaky_relu, act.leaky_relu_grad, {"alpha": 0.1}, [0]),
    "prelu": (act.prelu, act.prelu_grad, {"alpha": 0.25}, [0.0]),
    "rrelu": (act.rrelu, act.rrelu_grad, {}, [0.0]),
    "rrelu_train": (
        act.rrelu,
        act.rrelu_grad,
        {"train": True, "rng": 7},  # same seed: same slopes every call
        [0.0],
    ),
    "elu": (act.elu, act.elu_grad, {"alpha": 0.7}, [0.0]),
    "softplus": (act.softplus, act.softplus_grad, {}, []),
    "swish": (act.swish, act.swish_grad, {}, []),
    "swish_beta": (act.swish, act.swish_grad, {"beta": 1.7}, []),
    "gelu": (act.gelu, act.gelu_grad, {}, []),
    "gelu_tanh": (act.gelu, act.gelu_grad, {"approximate": True}, []),
    "hard_sigmoid": (
        act.hard_sigmoid,
        act.hard_sigmoid_grad,
        {},
        [-2.0, 2.0],
    ),
    "hard_tanh": (act.hard_tanh, act.hard_tanh_grad, {}, [-1.0, 1.0]),
    "identity": (act.identity, act.identity_grad, {}, []),
}

EXTREMES = [-1e4, -1e3, -100.0, -20.0, -1.0, -1e-8, 0.0, 1e-8, 1.0, 20.0]
EXTREMES += [100.0, 1e3, 1e4]

fast = settings(max_examples=40, deadline=None)


def away_from_kinks(x, kinks, gap=0.05):
    x = x.copy()
    for k in kinks:
        near = np.abs(x - k) < gap
        x[near] = k + 2 * gap * np.where(x[near] >= k, 1, -1)
    return x


def torch_value_and_grad(fn, x, dout):
    """fn(x) and d(sum(fn(x) * dout))/dx via autograd, in float64."""
    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = fn(tx)
    (y * torch.tensor(dout)).sum().backward()
    return y.detach().numpy(), tx.grad.numpy()


# ------------------------------------------------------- numerical gradients


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_grad_matches_central_differences(name, xp, rng):
    f, grad, kw, kinks = ELEMENTWISE[name]
    x_host = away_from_kinks(rng.uniform(-4, 4, size=(3, 5)), kinks)
    dout = xp.asarray(rng.standard_normal(x_host.shape))
    x = xp.asarray(x_host)

    def loss(z):
        return (f(z, **kw) * dout).sum()

    check_gradient(loss, x, grad(x, **kw) * dout, tol=1e-6)


def test_prelu_channelwise_alpha_grad(xp, rng):
    x = xp.asarray(away_from_kinks(rng.standard_normal((4, 3)), [0.0]))
    alpha = xp.asarray([0.1, 0.2, -0.3])
    dout = xp.asarray(rng.standard_normal((4, 3)))

    def loss(z):
        return (act.prelu(z, alpha) * dout).sum()

    check_gradient(loss, x, act.prelu_grad(x, alpha) * dout)


# ---------------------------------------------------------- against PyTorch

TORCH = {
    "sigmoid": (act.sigmoid, act.sigmoid_grad, {}, torch.sigmoid),
    "tanh": (act.tanh, act.tanh_grad, {}, torch.tanh),
    "relu": (act.relu, act.relu_grad, {}, F.relu),
    "leaky_relu": (
        act.leaky_relu,
        act.leaky_relu_grad,
        {"alpha": 0.03},
        lambda t: F.leaky_relu(t, 0.03),
    ),
    "prelu": (
        act.prelu,
        act.prelu_grad,
        {"alpha": 0.2},
        lambda t: F.prelu(t, torch.tensor([0.2], dtype=t.dtype)),
    ),
    "rrelu_eval": (
        act.rrelu,
        act.rrelu_grad,
        {"lower": 0.1, "upper": 0.3},
        lambda t: F.rrelu(t, 0.1, 0.3, training=False),
    ),
    "elu": (act.elu, act.elu_grad, {"alpha": 1.3}, lambda t: F.elu(t, 1.3)),
    "softplus": (act.softplus, act.softplus_grad, {}, F.softplus),
    "swish": (act.swish, act.swish_grad, {}, F.silu),
    "gelu": (act.gelu, act.gelu_grad, {}, F.gelu),
    "gelu_tanh": (
        act.gelu,
        act.gelu_grad,
        {"approximate": True},
        lambda t: F.gelu(t, approximate="tanh"),
    ),
    "hard_tanh": (act.hard_tanh, act.hard_tanh_grad, {}, F.hardtanh),
    # PyTorch's hardsigmoid has slope 1/6: ours(x) = hardsigmoid(1.5 x).
    # Its backward uses the float32 constant 1.0f / 6 (see RTOL below).
    "hard_sigmoid": (
        act.hard_sigmoid,
        act.hard_sigmoid_grad,
        {},
        lambda t: F.hardsigmoid(1.5 * t),
    ),
}

RTOL = {"hard_sigmoid": 1e-7}


@pytest.mark.parametrize("name", sorted(TORCH))
def test_matches_torch(name, xp, rng):
    f, grad, kw, ref = TORCH[name]
    kinks = ELEMENTWISE.get(name, ELEMENTWISE["relu"])[3] + [-2, -1, 1, 2]
    x = away_from_kinks(rng.uniform(-6, 6, size=(8, 7)), kinks)
    dout = rng.standard_normal(x.shape)
    y_ref, g_ref = torch_value_and_grad(ref, x, dout)
    y = to_numpy(f(xp.asarray(x), **kw))
    g = to_numpy(grad(xp.asarray(x), **kw)) * dout
    rtol = RTOL.get(name, 1e-12)
    np.testing.assert_allclose(y, y_ref, rtol=rtol, atol=1e-14)
    np.testing.assert_allclose(g, g_ref, rtol=rtol, atol=1e-14)


def test_prelu_channelwise_matches_torch(xp, rng):
    x = away_from_kinks(rng.standard_normal((5, 3)), [0.0])
    w = np.array([0.1, 0.25, 0.5])
    dout = rng.standard_normal(x.shape)
    y_ref, g_ref = torch_value_and_grad(
        lambda t: F.prelu(t, torch.tensor(w)), x, dout
    )
    xd, wd = xp.asarray(x), xp.asarray(w)
    np.testing.assert_allclose(to_numpy(act.prelu(xd, wd)), y_ref)
    g = to_numpy(act.prelu_grad(xd, wd)) * dout
    np.testing.assert_allclose(g, g_ref)


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_and_log_softmax_match_torch(axis, xp, rng):
    x = rng.normal(scale=5, size=(4, 6))
    tx = torch.tensor(x)
    for ours, ref in [
        (act.softmax, F.softmax),
        (act.log_softmax, F.log_softmax),
    ]:
        y = to_numpy(ours(xp.asarray(x), axis=axis))
        np.testing.assert_allclose(y, ref(tx, dim=axis).numpy(), atol=1e-14)


# ------------------------------------------------------------ conventions


def test_kink_conventions(xp):
    zero = xp.zeros(3)
    assert to_numpy(act.relu_grad(zero)).tolist() == [0, 0, 0]
    assert to_numpy(act.step(zero)).tolist() == [0, 0, 0]
    x = xp.asarray([-3.0, 0.0, 2.0])
    assert to_numpy(act.step_grad(x)).tolist() == [0, 0, 0]
    assert to_numpy(act.leaky_relu_grad(x, 0.1)).tolist() == [0.1, 0.1, 1]


def test_rrelu_slopes(xp):
    x = -xp.ones((200, 50))
    y = to_numpy(act.rrelu(x, train=True, rng=0))
    slopes = -y
    assert slopes.min() >= 1 / 8 and slopes.max() <= 1 / 3
    assert abs(slopes.mean() - 11 / 48) < 1e-3
    again = to_numpy(act.rrelu_grad(x, train=True, rng=0))
    np.testing.assert_array_equal(again, slopes)  # same seed, same slopes
    assert not np.array_equal(to_numpy(act.rrelu(x, train=True, rng=1)), y)
    # test time: the mean slope (lower + upper) / 2
    np.testing.assert_allclose(to_numpy(act.rrelu(x)), -11 / 48)
    positive = xp.asarray([0.5, 3.0])
    np.testing.assert_array_equal(
        to_numpy(act.rrelu(positive, train=True, rng=0)), [0.5, 3.0]
    )


def test_gelu_tanh_form_is_close_to_exact(xp):
    x = xp.linspace(-8, 8, 4001)
    diff = to_numpy(act.gelu(x) - act.gelu(x, approximate=True))
    assert np.abs(diff).max() < 5e-4


# ------------------------------------------------------------- properties

reals = st.floats(-50, 50, allow_nan=False)


@fast
@given(arrays(np.float64, (3, 5), elements=st.floats(-1e3, 1e3)))
def test_softmax_rows_sum_to_one_and_shift_invariant(x):
    y = act.softmax(x)
    assert np.all(y >= 0)
    np.testing.assert_allclose(y.sum(axis=1), 1, rtol=1e-12)
    shift = np.array([[-7.5], [0.0], [300.0]])
    np.testing.assert_allclose(act.softmax(x + shift), y, atol=1e-10)
    np.testing.assert_allclose(
        act.log_softmax(x + shift), act.log_softmax(x), rtol=1e-10, atol=1e-9
    )


@fast
@given(arrays(np.float64, 6, elements=st.floats(-30, 30)))
def test_log_softmax_is_log_of_softmax(x):
    np.testing.assert_allclose(
        act.log_softmax(x), np.log(act.softmax(x)), atol=1e-12
    )


@fast
@given(reals)
def test_sigmoid_symmetry_and_tanh_relation(x):
    x = np.float64(x)
    assert act.sigmoid(-x) == pytest.approx(1 - act.sigmoid(x), abs=1e-15)
    assert act.tanh(x) == pytest.approx(2 * act.sigmoid(2 * x) - 1, abs=1e-14)
    assert act.sigmoid_grad(x) == pytest.approx(
        act.sigmoid(x) * act.sigmoid(-x), rel=1e-14
    )
    assert act.softplus(x) - act.softplus(-x) == pytest.approx(x, abs=1e-12)


@fast
@given(reals, st.floats(0, 2))
def test_bounds(x, alpha):
    x = np.float64(x)
    assert 0 <= act.sigmoid(x) <= 1
    assert 0 <= act.hard_sigmoid(x) <= 1
    assert -1 <= act.hard_tanh(x) <= 1
    assert act.elu(x, alpha) >= -alpha
    assert act.softplus(x) >= act.relu(x)
    assert act.swish(x) >= -0.2785  # min of x·σ(x) ≈ −0.27846
    assert act.relu(x) == max(x, 0)


# --------------------------------------------------------- extreme inputs


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_extreme_inputs_are_finite(name, dtype, xp, strict_numpy):
    f, grad, kw, _ = ELEMENTWISE[name]
    x = xp.asarray(EXTREMES, dtype=dtype)
    for out in (f(x, **kw), grad(x, **kw)):
        assert out.dtype == dtype
        assert out.shape == x.shape
        assert np.isfinite(to_numpy(out)).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_softmax(dtype, xp, strict_numpy):
    x = xp.asarray([[-1e4, 0.0, 1e4], [1e4, 1e4, -1e4]], dtype=dtype)
    y = to_numpy(act.softmax(x))
    assert y.dtype == dtype
    np.testing.assert_allclose(y, [[0, 0, 1], [0.5, 0.5, 0]])
    log_y = to_numpy(act.log_softmax(x))
    assert np.isfinite(log_y).all()
    np.testing.assert_allclose(log_y[0], [-2e4, -1e4, 0])


def test_limits_are_exact(xp, strict_numpy):
    x = xp.asarray([-1e4, 1e4])
    assert to_numpy(act.sigmoid(x)).tolist() == [0.0, 1.0]
    assert to_numpy(act.softplus(x)).tolist() == [0.0, 1e4]
    assert to_numpy(act.gelu(x)).tolist() == [0.0, 1e4]
    assert to_numpy(act.swish_grad(x)).tolist() == [0.0, 1.0]
    assert to_numpy(act.elu(x)).tolist() == [-1.0, 1e4]


def test_integer_and_list_input():
    assert act.relu([1, -2]).dtype == np.float64
    np.testing.assert_allclose(act.sigmoid([0]), [0.5])
    assert act.sigmoid(0.0) == 0.5


# -------------------------------------------------------------- bad input


@pytest.mark.parametrize("bad", ["abc", None, {"x": 1}, np.array([1j])])
def test_non_numeric_input_is_a_type_error(bad):
    with pytest.raises(TypeError, match="実数の配列"):
        act.sigmoid(bad)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: act.leaky_relu(1.0, alpha=-0.1), ValueError, "alpha は 0"),
        (lambda: act.leaky_relu(1.0, alpha="0.1"), TypeError, "alpha は"),
        (lambda: act.elu(1.0, alpha=-1), ValueError, "alpha は 0"),
        (lambda: act.elu_grad(1.0, alpha=math.nan), ValueError, "有限"),
        (lambda: act.swish(1.0, beta=True), TypeError, "beta は"),
        (lambda: act.rrelu(-1.0, 0.5, 0.1), ValueError, "upper は 0.5"),
        (lambda: act.rrelu(-1.0, -0.1), ValueError, "lower は 0"),
        (
            lambda: act.prelu(np.ones((2, 3)), np.ones(2)),
            ValueError,
            r"alpha の shape \(2,\) は x の shape \(2, 3\)",
        ),
        (lambda: act.softmax(np.ones((2, 3)), axis=2), ValueError, "axis=2"),
        (lambda: act.softmax(np.ones(3), axis=1.0), TypeError, "axis は整数"),
        (lambda: act.log_softmax(np.float64(1)), ValueError, "0 次元"),
    ],
)
def test_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()
