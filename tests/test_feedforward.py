"""Tests for nnbook.feedforward (chapter 1: the forward pass in matrices)."""

import numpy as np
import pytest

from nnbook import activations, backend, datasets
from nnbook import feedforward as F
from nnbook import perceptron as P

INPUTS = [(0, 0), (1, 0), (0, 1), (1, 1)]

# ------------------------------------------------------------ 順伝播


def test_init_network_shapes_and_seed():
    params = F.init_network((2, 3, 2, 2), seed=0)
    assert sorted(params) == ["W1", "W2", "W3", "b1", "b2", "b3"]
    assert params["W1"].shape == (2, 3)
    assert params["W2"].shape == (3, 2)
    assert params["W3"].shape == (2, 2)
    assert params["b3"].shape == (2,)
    again = F.init_network((2, 3, 2, 2), seed=0)
    for k in params:
        np.testing.assert_array_equal(
            backend.to_numpy(params[k]), backend.to_numpy(again[k])
        )
    with pytest.raises(ValueError):
        F.init_network((2,))


def test_forward_values_by_hand():
    params = {
        "W1": np.array([[1.0, -1.0], [0.5, 2.0]]),
        "b1": np.array([0.1, -0.2]),
        "W2": np.array([[1.0], [-2.0]]),
        "b2": np.array([0.3]),
    }
    x = np.array([[1.0, 2.0], [0.0, 0.0]])
    z1 = activations.sigmoid(x @ params["W1"] + params["b1"])
    expected = z1 @ params["W2"] + params["b2"]
    y = F.forward(params, x)
    assert y.shape == (2, 1)
    np.testing.assert_allclose(y, expected, rtol=1e-12)


def test_forward_batch_equals_rows():
    params = F.init_network((4, 5, 3, 2), seed=1)
    x = backend.to_device(np.random.default_rng(0).normal(size=(6, 4)))
    y = backend.to_numpy(F.forward(params, x))
    assert y.shape == (6, 2)
    for n in range(6):
        row = backend.to_numpy(F.forward(params, x[n : n + 1]))
        np.testing.assert_allclose(row[0], y[n], rtol=1e-12)


def test_forward_rejects_bad_shapes():
    params = F.init_network((2, 3, 2, 2))
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        F.forward(params, np.zeros(2))
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        F.forward(params, np.zeros((5, 3)))
    with pytest.raises(ValueError):
        F.forward({}, np.zeros((1, 2)))


def test_forward_matches_torch():
    torch = pytest.importorskip("torch")
    params = F.init_network((784, 128, 64, 10), std=0.05, seed=2)
    for i in (1, 2, 3):
        params[f"b{i}"] = backend.to_device(
            np.random.default_rng(i).normal(size=params[f"b{i}"].shape)
        )
    x = np.random.default_rng(5).normal(size=(8, 784))
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 128),
        torch.nn.Sigmoid(),
        torch.nn.Linear(128, 64),
        torch.nn.Sigmoid(),
        torch.nn.Linear(64, 10),
    ).double()
    with torch.no_grad():
        for i, layer in zip((1, 2, 3), model[::2], strict=True):
            # torch の weight は (出力, 入力) の向き: W.T を入れる
            w = backend.to_numpy(params[f"W{i}"])
            layer.weight.copy_(torch.from_numpy(w.T.copy()))
            layer.bias.copy_(
                torch.from_numpy(backend.to_numpy(params[f"b{i}"]))
            )
        expected = model(torch.from_numpy(x)).numpy()
    y = backend.to_numpy(F.forward(params, backend.to_device(x)))
    np.testing.assert_allclose(y, expected, rtol=1e-10, atol=1e-12)


def test_xor_network_with_forward_and_step():
    """The XOR gate is a 2-layer network: forward() with step gives it."""
    params = F.xor_network()
    assert params["W1"].shape == (2, 2) and params["W2"].shape == (2, 1)
    x = backend.to_device(np.array(INPUTS, dtype=float))
    y = F.forward(
        params, x, activation=activations.step, output=activations.step
    )
    np.testing.assert_array_equal(backend.to_numpy(y)[:, 0], [0, 1, 1, 0])
    xs = np.random.default_rng(0).uniform(-1, 2, size=(200, 2))
    y = F.forward(
        params, xs, activation=activations.step, output=activations.step
    )
    np.testing.assert_array_equal(
        backend.to_numpy(y)[:, 0], P.xor_gate(xs[:, 0], xs[:, 1])
    )


# ------------------------------------------------------- 万能近似の実演


def test_staircase_network_error_shrinks():
    def f(g):
        return np.sin(2 * np.pi * g)

    x = np.linspace(0.0, 1.0, 501).reshape(-1, 1)
    errors = []
    for n in (4, 16, 64, 256):
        params = F.staircase_network(f, n)
        assert params["W1"].shape == (1, n)
        assert params["W2"].shape == (n, 1)
        y = backend.to_numpy(F.forward(params, backend.to_device(x)))
        errors.append(np.abs(y[:, 0] - f(x[:, 0])).max())
    assert all(a > b for a, b in zip(errors, errors[1:], strict=False))
    assert errors[-1] < 0.01


def test_staircase_network_rejects_bad_input():
    with pytest.raises(ValueError):
        F.staircase_network(np.sin, 0)
    with pytest.raises(ValueError):
        F.staircase_network(np.sin, 4, lo=1.0, hi=0.0)


# ------------------------------------------------- NumPy と CuPy で同じ結果


def test_same_results_on_every_device(device):
    xp = device
    x, _ = datasets.make_separable(80, seed=4)
    params = F.init_network((2, 4, 3, 2), seed=1)
    assert backend.get_array_module(params["W1"]) is xp
    y = F.forward(params, x)
    assert backend.get_array_module(y) is xp
    host = {k: backend.to_numpy(v) for k, v in params.items()}
    np.testing.assert_allclose(
        backend.to_numpy(y), F.forward(host, backend.to_numpy(x)), rtol=1e-12
    )
    xs = F.xor_network()
    yx = F.forward(xs, x, activation=activations.step, output=activations.step)
    assert backend.get_array_module(yx) is xp
