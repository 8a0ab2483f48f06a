"""Tests for nnbook.initializers: variances, determinism, devices."""

import math

import numpy as np
import pytest
import torch

from nnbook import backend, initializers

N_IN, N_OUT = 300, 500  # 150 000 samples: sample std within ~0.5 %

# (initializer, expected variance, uniform half-width or None)
CASES = {
    "xavier_uniform": (
        initializers.xavier_uniform,
        2 / (N_IN + N_OUT),
        math.sqrt(6 / (N_IN + N_OUT)),
    ),
    "xavier_normal": (initializers.xavier_normal, 2 / (N_IN + N_OUT), None),
    "xavier_simple": (initializers.xavier_simple, 1 / N_IN, None),
    "he_normal": (initializers.he_normal, 2 / N_IN, None),
    "he_uniform": (initializers.he_uniform, 2 / N_IN, math.sqrt(6 / N_IN)),
    "torch_default": (
        initializers.torch_default,
        1 / (3 * N_IN),
        1 / math.sqrt(N_IN),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_variance_and_support(device, name):
    init, var, limit = CASES[name]
    W = init(N_IN, N_OUT, rng=0)
    assert W.shape == (N_IN, N_OUT) and W.dtype == np.float32
    assert backend.get_array_module(W) is device
    w = backend.to_numpy(W).astype(np.float64)
    assert abs(w.mean()) < 0.01 * math.sqrt(var)
    assert w.var() == pytest.approx(var, rel=0.02)
    if limit is not None:  # uniform: inside [-a, a], close to both ends
        assert np.abs(w).max() <= limit
        assert np.abs(w).max() > 0.999 * limit


def test_variances_agree_with_torch_init():
    """Same variance formulas as torch.nn.init (fan_in = n_in here)."""
    t = torch.empty(N_OUT, N_IN, dtype=torch.float64)  # torch: (out, in)
    gen = torch.Generator().manual_seed(0)
    pairs = [
        (torch.nn.init.xavier_uniform_, "xavier_uniform"),
        (torch.nn.init.xavier_normal_, "xavier_normal"),
        (torch.nn.init.kaiming_normal_, "he_normal"),
        (torch.nn.init.kaiming_uniform_, "he_uniform"),
    ]
    for fn, name in pairs:
        kw = {"nonlinearity": "relu"} if "kaiming" in fn.__name__ else {}
        ref = fn(t, generator=gen, **kw).var().item()
        ours = backend.to_numpy(CASES[name][0](N_IN, N_OUT)).var()
        assert ours == pytest.approx(ref, rel=0.03), name


def test_normal_and_zeros(device):
    W = initializers.normal(N_IN, N_OUT, std=0.01, rng=1, dtype=np.float64)
    assert W.dtype == np.float64
    assert backend.to_numpy(W).std() == pytest.approx(0.01, rel=0.01)
    z = initializers.zeros(7)
    assert z.shape == (7,) and not bool(z.any())
    assert backend.get_array_module(z) is device


def test_same_seed_same_weights_on_every_device(device):
    for init, *_ in CASES.values():
        a = backend.to_numpy(init(20, 30, rng=3))
        b = backend.to_numpy(init(20, 30, rng=np.random.default_rng(3)))
        np.testing.assert_array_equal(a, b)
        backend.use("cpu")
        np.testing.assert_array_equal(a, init(20, 30, rng=3))
        backend.use("cpu" if device is np else "gpu")
        assert not np.array_equal(a, backend.to_numpy(init(20, 30, rng=4)))


def test_get_by_name_number_or_function():
    assert initializers.get("he") is initializers.he_normal
    assert initializers.get("Xavier") is initializers.xavier_normal
    assert initializers.get("glorot_uniform") is initializers.xavier_uniform
    W = initializers.get(0.05)(N_IN, N_OUT)
    assert float(W.std()) == pytest.approx(0.05, rel=0.01)
    assert initializers.get(initializers.zeros) is initializers.zeros


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="未知の初期値"):
        initializers.get("lecun")
    with pytest.raises(ValueError, match="正の数"):
        initializers.get(-0.1)
    with pytest.raises(TypeError, match="init は"):
        initializers.get(None)
    with pytest.raises(ValueError, match="n_in"):
        initializers.he_normal(0, 3)
    with pytest.raises(ValueError, match="n_out"):
        initializers.xavier_uniform(3, 2.5)
    with pytest.raises(ValueError, match="std"):
        initializers.normal(3, 3, std=-1.0)


def test_torch_default_matches_nn_linear():
    """nn.Linear draws U(-1/sqrt(n_in), 1/sqrt(n_in)) (kaiming_uniform_
    with a = sqrt(5)): same bound and variance as ours."""
    torch.manual_seed(0)
    lin = torch.nn.Linear(N_IN, N_OUT)
    w = lin.weight.detach().double()
    ours = backend.to_numpy(initializers.torch_default(N_IN, N_OUT))
    bound = 1 / math.sqrt(N_IN)
    assert w.abs().max().item() <= bound
    assert w.abs().max().item() > 0.999 * bound
    assert np.abs(ours).max() == pytest.approx(w.abs().max().item(), rel=1e-3)
    assert ours.var() == pytest.approx(w.var().item(), rel=0.03)
    assert ours.var() == pytest.approx(
        torch.nn.init.calculate_gain("leaky_relu", math.sqrt(5)) ** 2 / N_IN,
        rel=0.02,
    )
    assert initializers.get("torch_default") is initializers.torch_default


@pytest.mark.parametrize(
    ("init", "act", "gain2"),
    [
        ("xavier_simple", "identity", 1.0),  # 線形: Var[W] = 1/n で保存
        ("he_normal", "relu", 1.0),  # ReLU: 2/n で 2 乗平均を保存
        ("xavier_simple", "relu", 0.5),  # ReLU に 1/n: 層ごとに半分
    ],
)
def test_propagate_follows_the_variance_argument(init, act, gain2):
    """E[h_l^2] changes by the predicted factor per layer (width 400).

    One layer's ratio fluctuates by several per cent at this width, so
    compare the geometric mean over five layers."""
    from nnbook import activations

    x = backend.rng(0).standard_normal((2000, 400))
    outs = initializers.propagate(
        x, 6, init, getattr(activations, act), seed=1
    )
    ms = [float((h**2).mean()) for h in [x, *outs]]
    per_layer = (ms[-1] / ms[1]) ** (1 / (len(ms) - 2))
    assert per_layer == pytest.approx(gain2, rel=0.05)
    assert outs[0].dtype == x.dtype and outs[0].shape == (2000, 400)


def test_propagate_checks_its_arguments():
    from nnbook import activations

    x = np.ones((3, 4))
    with pytest.raises(ValueError, match="2 次元"):
        initializers.propagate(x[0], 2, "he", activations.relu)
    with pytest.raises(ValueError, match="n_layers"):
        initializers.propagate(x, 0, "he", activations.relu)
    with pytest.raises(TypeError, match="activation"):
        initializers.propagate(x, 2, "he", "relu")
