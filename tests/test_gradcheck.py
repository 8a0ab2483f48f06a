"""Tests for nnbook.gradcheck, with tiny layers and a tiny model defined here
(written against the layer/model interface of issue 3)."""

import numpy as np
import pytest

from nnbook import gradcheck as gc
from nnbook import losses
from nnbook.backend import get_array_module, to_numpy


class Affine:
    """y = x W + b, with an optional bug in the bias gradient."""

    def __init__(self, W, b, bug=None):
        self.params = {"W": W, "b": b}
        self.grads = {}
        self.bug = bug
        self.calls = 0

    def forward(self, x, train=True):
        self.calls += 1
        self.x = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, dout):
        self.grads["W"] = self.x.T @ dout
        self.grads["b"] = dout.sum(axis=0)
        if self.bug == "db":
            self.grads["b"] = dout.mean(axis=0)  # typical mistake
        if self.bug == "inplace":
            dout *= 2  # modifies the caller's gradient
            return dout @ self.params["W"].T / 2
        return dout @ self.params["W"].T


class Tanh:
    """A layer without parameters."""

    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, x, train=True):
        self.y = get_array_module(x).tanh(x)
        return self.y

    def backward(self, dout):
        return dout * (1 - self.y**2)


class SoftmaxWithLoss:
    """A loss layer: forward(x, t) returns the loss, backward(dout=1)."""

    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, x, t):
        self.x, self.t = x, t
        return losses.softmax_cross_entropy(x, t)

    def backward(self, dout=1.0):
        return dout * losses.softmax_cross_entropy_grad(self.x, self.t)


class TwoLayerNet:
    """Affine → tanh → Affine → softmax cross-entropy, with weight decay."""

    def __init__(self, xp, rng, bug=False):
        self.params = {
            "W1": xp.asarray(rng.standard_normal((3, 4))),
            "b1": xp.asarray(rng.standard_normal(4)),
            "W2": xp.asarray(rng.standard_normal((4, 2))),
            "b2": xp.asarray(rng.standard_normal(2)),
        }
        self.decay, self.bug = 0.1, bug

    def _forward(self, x):
        xp = get_array_module(x)
        h = xp.tanh(x @ self.params["W1"] + self.params["b1"])
        return h, h @ self.params["W2"] + self.params["b2"]

    def loss(self, x, t):
        penalty = sum((self.params[k] ** 2).sum() for k in ("W1", "W2"))
        z = self._forward(x)[1]
        return losses.softmax_cross_entropy(z, t) + 0.5 * self.decay * penalty

    def gradient(self, x, t):
        h, z = self._forward(x)
        dz = losses.softmax_cross_entropy_grad(z, t)
        dh = dz @ self.params["W2"].T * (1 - h**2)
        grads = {
            "W1": x.T @ dh + self.decay * self.params["W1"],
            "b1": dh.sum(axis=0),
            "W2": h.T @ dz + self.decay * self.params["W2"],
            "b2": dz.sum(axis=0),
        }
        if self.bug:
            grads["W2"] = h.T @ dz  # forgot weight decay
        return grads


def affine(xp, rng, dtype=np.float64, bug=None):
    W = xp.asarray(rng.standard_normal((3, 2)), dtype=dtype)
    b = xp.asarray(rng.standard_normal(2), dtype=dtype)
    return Affine(W, b, bug=bug)


# ------------------------------------------------------ numerical_gradient


def test_numerical_gradient_of_a_quadratic(xp, rng):
    x = xp.asarray(rng.standard_normal((2, 3)))
    before = x.copy()
    grad = gc.numerical_gradient(lambda z: (z**2).sum(), x)
    assert get_array_module(grad) is xp
    assert grad.dtype == np.float64
    np.testing.assert_allclose(to_numpy(grad), 2 * to_numpy(x), atol=1e-8)
    assert (x == before).all()  # x is restored exactly


def test_numerical_gradient_through_a_reference(xp, rng):
    """f may ignore its argument and read the array it holds (a param)."""
    W = xp.asarray(rng.standard_normal(3))
    x = xp.asarray(rng.standard_normal(3))
    grad = gc.numerical_gradient(lambda _: float((W * x).sum()), W)
    np.testing.assert_allclose(to_numpy(grad), to_numpy(x), rtol=1e-9)


def test_numerical_gradient_rejects_float32_and_non_scalar(xp):
    with pytest.raises(TypeError, match="float64 の配列"):
        gc.numerical_gradient(lambda z: z.sum(), xp.ones(3, np.float32))
    with pytest.raises(TypeError, match="float64 の配列"):
        gc.numerical_gradient(lambda z: z.sum(), [1.0, 2.0])
    with pytest.raises(ValueError, match="スカラー"):
        gc.numerical_gradient(lambda z: z * 2, xp.ones(3))


def test_max_relative_error():
    a = np.array([1.0, -2.0, 1e-12])
    assert gc.max_relative_error(a, a) == 0
    assert gc.max_relative_error(np.zeros(2), np.zeros(2)) == 0
    assert gc.max_relative_error(a, a + [0, 0, 1e-10]) == pytest.approx(5e-11)
    assert gc.max_relative_error(1e6 * a, 1e6 * a * 1.01) == pytest.approx(
        0.01 / 1.01
    )
    with pytest.raises(ValueError, match="shape が違います"):
        gc.max_relative_error(np.zeros(2), np.zeros(3))


def test_check_gradient_asserts(xp, rng):
    x = xp.asarray(rng.standard_normal(4))
    err = gc.check_gradient(lambda z: (z**3).sum(), x, 3 * x**2)
    assert err < 1e-8
    with pytest.raises(AssertionError, match="相対誤差"):
        gc.check_gradient(lambda z: (z**3).sum(), x, 3 * x**2 + 1e-3)


# ------------------------------------------------------------- check_layer


def test_check_layer_passes_a_correct_layer(xp, rng):
    layer = affine(xp, rng)
    W_before = layer.params["W"].copy()
    x = xp.asarray(rng.standard_normal((4, 3)))
    errors = gc.check_layer(layer, x, detail=True)
    assert set(errors) == {"x", "W", "b"}
    assert max(errors.values()) < 1e-8
    assert gc.check_layer(layer, x) == max(errors.values())
    # the caller's layer is untouched: it was copied before checking
    assert layer.calls == 0 and layer.grads == {}
    assert (layer.params["W"] == W_before).all()
    assert gc.check_layer(Tanh(), x) < 1e-8


def test_check_layer_finds_a_wrong_bias_gradient(xp, rng):
    x = xp.asarray(rng.standard_normal((4, 3)))
    errors = gc.check_layer(affine(xp, rng, bug="db"), x, detail=True)
    assert errors["b"] > 0.1
    assert errors["W"] < 1e-8 and errors["x"] < 1e-8


def test_check_layer_finds_an_overwritten_dout(xp, rng):
    x = xp.asarray(rng.standard_normal((4, 3)))
    with pytest.raises(AssertionError, match="dout をその場で"):
        gc.check_layer(affine(xp, rng, bug="inplace"), x)


def test_check_layer_needs_float64_params(xp, rng):
    x = xp.asarray(rng.standard_normal((4, 3)))
    with pytest.raises(TypeError, match=r"layer.params\['W'\] は float64"):
        gc.check_layer(affine(xp, rng, dtype=np.float32), x)


def test_check_layer_float32_input_is_checked_in_float64(xp, rng):
    x = xp.asarray(rng.standard_normal((4, 3)), dtype=np.float32)
    assert gc.check_layer(affine(xp, rng), x) < 1e-8


@pytest.mark.parametrize("labels", [True, False])
def test_check_layer_with_a_loss_layer(labels, xp, rng):
    x = xp.asarray(rng.standard_normal((5, 3)))
    t = xp.asarray(np.array([0, 2, 1, 1, 0]))
    if not labels:
        t = xp.eye(3)[t]
    assert gc.check_layer(SoftmaxWithLoss(), x, t) < 1e-8


# ------------------------------------------------------------- check_model


def test_check_model(xp, rng):
    x = xp.asarray(rng.standard_normal((5, 3)))
    t = xp.asarray(np.array([0, 1, 1, 0, 1]))
    model = TwoLayerNet(xp, rng)
    before = {k: v.copy() for k, v in model.params.items()}
    errors = gc.check_model(model, x, t, detail=True)
    assert set(errors) == {"W1", "b1", "W2", "b2"}
    assert gc.check_model(model, x, t) < 1e-7
    for k, v in model.params.items():
        assert (v == before[k]).all()

    errors = gc.check_model(TwoLayerNet(xp, rng, bug=True), x, t, detail=True)
    assert errors["W2"] > 1e-3 and errors["W1"] < 1e-7


def test_check_model_reports_a_missing_gradient(xp, rng):
    model = TwoLayerNet(xp, rng)
    full = model.gradient
    model.gradient = lambda x, t: {
        k: v for k, v in full(x, t).items() if k != "b2"
    }
    x, t = xp.ones((2, 3)), xp.asarray(np.array([0, 1]))
    with pytest.raises(AssertionError, match="b2"):
        gc.check_model(model, x, t)


def test_check_model_uses_training_mode_for_batchnorm():
    """BatchNorm's loss differs between train and eval; check_model must
    differentiate the training loss that ``gradient`` back-propagates."""
    from nnbook.models import MLP

    model = MLP([4, 5, 3], batchnorm=True, dtype="float64", seed=1)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 4))
    t = rng.integers(0, 3, size=6)
    assert gc.check_model(model, x, t) < 1e-6
