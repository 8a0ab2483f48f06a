"""Tests for nnbook.layers: gradient checks, PyTorch parity, contracts."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nnbook import activations, backend, gradcheck, layers

TOL = 1e-6  # relative error of backward vs central differences


def _randn(xp, rng, *shape, scale=1.0):
    return xp.asarray(scale * rng.standard_normal(shape))


def _away_from_kinks(x, kinks=(0.0,), margin=0.05):
    """Push entries of x at least ``margin`` away from each kink."""
    xp = backend.get_array_module(x)
    for k in kinks:
        d = x - k
        near = xp.abs(d) < margin
        x = xp.where(near, k + xp.where(d >= 0, margin, -margin), x)
    return x


def _maxout_input(xp, rng):
    W = _randn(xp, rng, 4, 3 * 5)
    b = _randn(xp, rng, 3 * 5)
    x = _randn(xp, rng, 6, 4)
    return layers.Maxout(W, b, 3), x


def _layer_cases(xp, rng):
    """(name, layer, x) with float64 parameters, inputs away from kinks."""
    x = _randn(xp, rng, 5, 4)
    xk = _away_from_kinks(x)
    return [
        (
            "affine",
            layers.Affine(_randn(xp, rng, 4, 3), _randn(xp, rng, 3)),
            x,
        ),
        (
            "affine-4d",
            layers.Affine(_randn(xp, rng, 12, 3), _randn(xp, rng, 3)),
            _randn(xp, rng, 2, 3, 2, 2),
        ),
        ("sigmoid", layers.Sigmoid(), x),
        ("tanh", layers.Tanh(), x),
        ("relu", layers.Relu(), xk),
        ("leaky_relu", layers.LeakyRelu(0.1), xk),
        ("prelu-d", layers.PRelu(_randn(xp, rng, 4, scale=0.3)), xk),
        ("prelu-1", layers.PRelu(xp.asarray([0.25])), xk),
        ("elu", layers.Elu(1.3), xk),
        ("swish", layers.Swish(1.5), x),
        ("gelu", layers.Gelu(), x),
        ("gelu-tanh", layers.Gelu(approximate=True), x),
        ("maxout", *_maxout_input(xp, rng)),
        ("softmax", layers.Softmax(), x),
        (
            "batchnorm-train",
            layers.BatchNorm(_randn(xp, rng, 4), _randn(xp, rng, 4)),
            x,
        ),
        (
            "layernorm",
            layers.LayerNorm(_randn(xp, rng, 4), _randn(xp, rng, 4)),
            x,
        ),
    ]


CASE_NAMES = [name for name, *_ in _layer_cases(np, np.random.default_rng())]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_backward_matches_numerical_gradient(xp, rng, name):
    layer, x = next(
        (c[1], c[2]) for c in _layer_cases(xp, rng) if c[0] == name
    )
    errors = gradcheck.check_layer(layer, x, detail=True)
    assert max(errors.values()) < TOL, errors
    assert set(errors) == {"x", *layer.params}


def test_batchnorm_eval_backward_matches_numerical_gradient(xp, rng):
    bn = layers.BatchNorm(_randn(xp, rng, 4), _randn(xp, rng, 4))
    for _ in range(3):  # non-trivial running statistics
        bn.forward(_randn(xp, rng, 8, 4) + 2.0)
    x = _randn(xp, rng, 5, 4)
    assert gradcheck.check_layer(bn, x, train=False) < TOL


@pytest.mark.parametrize("onehot", [False, True])
def test_softmax_with_loss_matches_numerical_gradient(xp, rng, onehot):
    x = _randn(xp, rng, 6, 4, scale=3.0)
    t = xp.asarray(rng.integers(0, 4, 6))
    if onehot:
        t = xp.eye(4)[t]
    layer = layers.SoftmaxWithLoss()
    assert gradcheck.check_layer(layer, x, t=t) < TOL


def test_softmax_with_loss_backward_is_y_minus_t_over_n(xp, rng):
    x = _randn(xp, rng, 5, 3)
    t = xp.asarray(rng.integers(0, 3, 5))
    layer = layers.SoftmaxWithLoss()
    layer.forward(x, t)
    dx = layer.backward()
    expected = (activations.softmax(x) - xp.eye(3)[t]) / 5
    np.testing.assert_allclose(
        backend.to_numpy(dx), backend.to_numpy(expected)
    )
    dx2 = layer.backward(2.0)  # the upstream gradient scales it
    np.testing.assert_allclose(backend.to_numpy(dx2), 2 * backend.to_numpy(dx))


def _all_layers_with_input(xp, rng):
    cases = [(layer, x) for _, layer, x in _layer_cases(xp, rng)]
    cases.append((layers.Dropout(0.5, seed=1), _randn(xp, rng, 5, 4)))
    return cases


def test_backward_never_modifies_dout(rng):
    """A read-only dout raises if any backward writes into it."""
    for layer, x in _all_layers_with_input(np, rng):
        y = layer.forward(x)
        dout = rng.standard_normal(y.shape)
        dout.setflags(write=False)
        layer.backward(dout)
    loss = layers.SoftmaxWithLoss()
    loss.forward(rng.standard_normal((3, 4)), np.array([0, 1, 3]))
    dout = np.array(1.0)
    dout.setflags(write=False)
    loss.backward(dout)


def test_backward_leaves_dout_unchanged_on_device(xp, rng):
    for layer, x in _all_layers_with_input(xp, rng):
        y = layer.forward(x)
        dout = _randn(xp, rng, *y.shape)
        before = dout.copy()
        layer.backward(dout)
        assert bool((dout == before).all()), type(layer).__name__


def test_layers_follow_the_input_device(xp, rng):
    for layer, x in _all_layers_with_input(xp, rng):
        y = layer.forward(x)
        dx = layer.backward(xp.ones_like(y))
        assert backend.get_array_module(y, dx) is xp
        for g in layer.grads.values():
            assert backend.get_array_module(g) is xp


def test_float32_stays_float32(xp, rng):
    for layer, x in _all_layers_with_input(xp, rng):
        for k, p in layer.params.items():
            layer.params[k] = p.astype(xp.float32)
        x32 = x.astype(xp.float32)
        y = layer.forward(x32)
        dx = layer.backward(xp.ones_like(y))
        assert y.dtype == xp.float32 and dx.dtype == xp.float32, layer


def test_relu_layer_agrees_with_relu_grad_at_zero(xp):
    x = xp.asarray([[-1.0, 0.0, 2.0]])
    layer = layers.Relu()
    layer.forward(x)
    dx = layer.backward(xp.ones_like(x))
    np.testing.assert_array_equal(
        backend.to_numpy(dx), backend.to_numpy(activations.relu_grad(x))
    )


def test_parameters_are_shared_by_reference(rng):
    W, b = rng.standard_normal((3, 2)), np.zeros(2)
    layer = layers.Affine(W, b)
    W -= 1.0  # an optimizer updates in place ...
    np.testing.assert_array_equal(layer.forward(np.eye(3)), W)  # ... seen
    assert layers.Linear is layers.Affine


# ------------------------------------------------------------ PyTorch parity

F = torch.nn.functional


def _t(a):
    return torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=True)


def _compare(layer, torch_fn, x, dout, params=()):
    """Forward, dx and parameter grads of layer vs torch_fn, float64."""
    y = layer.forward(x)
    dx = layer.backward(dout)
    xt = _t(x)
    pts = [_t(layer.params[k]) for k in params]
    yt = torch_fn(xt, *pts)
    yt.backward(torch.tensor(dout))
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    for k, pt in zip(params, pts, strict=True):
        g = layer.grads[k]
        np.testing.assert_allclose(g, pt.grad.numpy(), rtol=1e-10, atol=1e-12)


ELEMENTWISE = [
    (layers.Sigmoid(), torch.sigmoid),
    (layers.Tanh(), torch.tanh),
    (layers.Relu(), F.relu),
    (layers.LeakyRelu(0.2), lambda x: F.leaky_relu(x, 0.2)),
    (layers.Elu(0.7), lambda x: F.elu(x, 0.7)),
    (layers.Swish(), F.silu),
    (layers.Gelu(), F.gelu),
    (layers.Gelu(approximate=True), lambda x: F.gelu(x, approximate="tanh")),
    (layers.Softmax(), lambda x: F.softmax(x, dim=-1)),
]


@pytest.mark.parametrize(
    "layer, fn", ELEMENTWISE, ids=[type(la).__name__ for la, _ in ELEMENTWISE]
)
def test_activation_layers_match_torch(rng, layer, fn):
    x = _away_from_kinks(rng.standard_normal((7, 5)) * 3)
    _compare(layer, fn, x, rng.standard_normal((7, 5)))


def test_affine_matches_torch_linear(rng):
    W, b = rng.standard_normal((5, 3)), rng.standard_normal(3)
    layer = layers.Affine(W, b)
    x, dout = rng.standard_normal((4, 5)), rng.standard_normal((4, 3))
    _compare(layer, lambda x, W, b: F.linear(x, W.T, b), x, dout, ("W", "b"))


@pytest.mark.parametrize("size", [1, 5])
def test_prelu_matches_torch(rng, size):
    layer = layers.PRelu(rng.uniform(0.1, 0.4, size))
    x = _away_from_kinks(rng.standard_normal((6, 5)))
    _compare(layer, F.prelu, x, rng.standard_normal((6, 5)), ("alpha",))


@pytest.mark.parametrize("onehot", [False, True])
def test_softmax_with_loss_matches_torch_cross_entropy(rng, onehot):
    x = rng.standard_normal((8, 4)) * 5
    t = rng.integers(0, 4, 8)
    target = torch.tensor(t)
    if onehot:
        t = np.eye(4)[t]
        target = torch.tensor(t)
    layer = layers.SoftmaxWithLoss()
    loss = layer.forward(x, t)
    dx = layer.backward(1.0)
    xt = _t(x)
    lt = F.cross_entropy(xt, target)
    lt.backward()
    np.testing.assert_allclose(float(loss), lt.item(), rtol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_batchnorm_matches_torch_in_train_and_eval(rng):
    d = 6
    gamma, beta = rng.uniform(0.5, 2, d), rng.standard_normal(d)
    bn = layers.BatchNorm(gamma.copy(), beta.copy(), momentum=0.9)
    ref = torch.nn.BatchNorm1d(d, momentum=0.1, eps=1e-5).double()
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(gamma))
        ref.bias.copy_(torch.tensor(beta))
    for _ in range(5):  # several steps: running stats must agree
        x = rng.standard_normal((10, d)) * 3 + 1
        dout = rng.standard_normal((10, d))
        y = bn.forward(x, train=True)
        dx = bn.backward(dout)
        xt = _t(x)
        ref.zero_grad()
        yt = ref(xt)
        yt.backward(torch.tensor(dout))
        np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-10)
        np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(bn.grads["gamma"], ref.weight.grad.numpy())
        np.testing.assert_allclose(bn.grads["beta"], ref.bias.grad.numpy())
    np.testing.assert_allclose(bn.running_mean, ref.running_mean.numpy())
    np.testing.assert_allclose(bn.running_var, ref.running_var.numpy())
    ref.eval()
    x = rng.standard_normal((4, d))
    dout = rng.standard_normal((4, d))
    y = bn.forward(x, train=False)
    dx = bn.backward(dout)
    xt = _t(x)
    yt = ref(xt)
    yt.backward(torch.tensor(dout))
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-10)


def test_layernorm_matches_torch(rng):
    d = 6
    gamma, beta = rng.uniform(0.5, 2, d), rng.standard_normal(d)
    ln = layers.LayerNorm(gamma.copy(), beta.copy())
    ref = torch.nn.LayerNorm(d, eps=1e-5).double()
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(gamma))
        ref.bias.copy_(torch.tensor(beta))
    for n in (1, 7):  # any batch size, even 1
        x = rng.standard_normal((n, d)) * 3 + 1
        dout = rng.standard_normal((n, d))
        y = ln.forward(x)
        dx = ln.backward(dout)
        xt = _t(x)
        ref.zero_grad()
        yt = ref(xt)
        yt.backward(torch.tensor(dout))
        np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-10)
        np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(ln.grads["gamma"], ref.weight.grad.numpy())
        np.testing.assert_allclose(ln.grads["beta"], ref.bias.grad.numpy())


# ------------------------------------------------------- Dropout, BatchNorm


def test_dropout_is_inverted_and_deterministic(xp):
    x = xp.ones((200, 50))
    a = layers.Dropout(0.3, seed=7)
    b = layers.Dropout(0.3, seed=7)
    ya, yb = a.forward(x), b.forward(x)
    assert bool((ya == yb).all())  # same seed, same mask
    dropped = float((ya == 0).mean())
    assert abs(dropped - 0.3) < 0.02  # ratio is the probability of dropping
    kept = backend.to_numpy(ya[ya != 0])
    np.testing.assert_allclose(kept, 1 / 0.7)  # inverted: scaled up
    dout = xp.full(x.shape, 2.0)
    np.testing.assert_array_equal(
        backend.to_numpy(a.backward(dout)), backend.to_numpy(2.0 * ya)
    )
    assert a.forward(x, train=False) is x  # inference: identity
    assert a.backward(dout) is dout


def test_dropout_mask_is_the_same_on_every_device(xp):
    y_dev = layers.Dropout(0.5, seed=3).forward(xp.ones((4, 5)))
    y_cpu = layers.Dropout(0.5, seed=3).forward(np.ones((4, 5)))
    np.testing.assert_array_equal(backend.to_numpy(y_dev), y_cpu)


def test_batchnorm_running_var_is_unbiased(rng):
    bn = layers.BatchNorm(np.ones(3), np.zeros(3), momentum=0.0)
    x = rng.standard_normal((5, 3))
    y = bn.forward(x)
    np.testing.assert_allclose(bn.running_mean, x.mean(0))
    np.testing.assert_allclose(bn.running_var, x.var(0, ddof=1))
    # ... while the batch itself is normalised with the biased variance
    np.testing.assert_allclose(y.var(0), 1 - 1e-5 / (x.var(0) + 1e-5))


# -------------------------------------------------------------- properties

finite = st.floats(-50, 50, allow_nan=False, width=64)


@settings(max_examples=30, deadline=None)
@given(arrays(np.float64, (4, 5), elements=finite))
def test_softmax_layer_gradient_rows_sum_to_zero(x):
    layer = layers.Softmax()
    layer.forward(x)
    dx = layer.backward(np.arange(20.0).reshape(4, 5))
    np.testing.assert_allclose(dx.sum(axis=1), 0, atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(arrays(np.float64, (6, 3), elements=finite))
def test_batchnorm_train_output_is_standardised(x):
    bn = layers.BatchNorm(np.ones(3), np.zeros(3))
    y = bn.forward(x)
    v = x.var(axis=0)  # biased, as used for normalising
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-9)
    expected = np.sqrt(v / (v + 1e-5))
    np.testing.assert_allclose(y.std(axis=0), expected, 1e-6, atol=1e-9)
    dx = bn.backward(np.cos(np.arange(18.0)).reshape(6, 3))
    np.testing.assert_allclose(dx.sum(axis=0), 0, atol=1e-6)  # shift-inv.


@settings(max_examples=30, deadline=None)
@given(arrays(np.float64, (3, 6), elements=finite))
def test_layernorm_rows_are_standardised_whatever_the_batch(x):
    ln = layers.LayerNorm(np.ones(6), np.zeros(6))
    y = ln.forward(x)
    v = x.var(axis=1)
    np.testing.assert_allclose(y.mean(axis=1), 0, atol=1e-9)
    expected = np.sqrt(v / (v + 1e-5))
    np.testing.assert_allclose(y.std(axis=1), expected, 1e-6, atol=1e-9)
    # a row's output does not depend on the other rows
    np.testing.assert_allclose(ln.forward(x[:1]), y[:1], rtol=1e-12)
    # train and inference compute the same thing
    np.testing.assert_array_equal(ln.forward(x, train=False), y)


def test_extreme_inputs_give_finite_values(strict_numpy):
    for dtype in (np.float32, np.float64):
        x = np.array([[-1e4, -10.0, 0.5, 10.0, 1e4]], dtype=dtype)
        for layer in [
            layers.Sigmoid(),
            layers.Tanh(),
            layers.Elu(),
            layers.Swish(),
            layers.Gelu(),
            layers.Gelu(approximate=True),
            layers.Softmax(),
        ]:
            y = layer.forward(x)
            dx = layer.backward(np.ones_like(x))
            assert np.isfinite(y).all() and np.isfinite(dx).all(), layer
        loss = layers.SoftmaxWithLoss()
        assert np.isfinite(loss.forward(x, np.array([0])))
        assert np.isfinite(loss.backward()).all()


# -------------------------------------------------------------- bad inputs


def test_bad_inputs_raise_clear_errors(rng):
    W, b = rng.standard_normal((4, 3)), np.zeros(3)
    with pytest.raises(ValueError, match="W の行数"):
        layers.Affine(W, b).forward(np.ones((2, 5)))
    with pytest.raises(ValueError, match=r"\(D, M\)"):
        layers.Affine(W, np.zeros(4))
    with pytest.raises(RuntimeError, match="forward を"):
        layers.Relu().backward(np.ones(3))
    for ratio in (-0.1, 1.0, 1.5):
        with pytest.raises(ValueError, match="0 以上 1 未満"):
            layers.Dropout(ratio)
    with pytest.raises(ValueError, match="2 つ以上"):
        layers.BatchNorm(np.ones(3), np.zeros(3)).forward(np.ones((1, 3)))
    with pytest.raises(ValueError, match="gamma の長さ"):
        layers.BatchNorm(np.ones(3), np.zeros(3)).forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match="momentum"):
        layers.BatchNorm(np.ones(3), np.zeros(3), momentum=1.0)
    with pytest.raises(ValueError, match="同じ \\(D,\\) の形"):
        layers.LayerNorm(np.ones(3), np.zeros(4))
    with pytest.raises(ValueError, match="gamma の長さ"):
        layers.LayerNorm(np.ones(3), np.zeros(3)).forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match="k は 1 以上"):
        layers.Maxout(np.ones((4, 6)), np.zeros(6), 0)
    with pytest.raises(ValueError, match=r"k·M"):
        layers.Maxout(np.ones((4, 6)), np.zeros(6), 4)
    with pytest.raises(ValueError, match="t の形"):
        layers.SoftmaxWithLoss().forward(np.ones((3, 4)), np.zeros(4, int))
    with pytest.raises(ValueError, match="整数のラベル"):
        layers.SoftmaxWithLoss().forward(np.ones((3, 4)), np.zeros(3))
    with pytest.raises(ValueError, match="alpha"):
        layers.PRelu(np.ones(3)).forward(np.ones((2, 4)))
