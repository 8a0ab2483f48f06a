"""Tests for nnbook.models.MLP: back-propagation, PyTorch parity, contracts."""

import copy

import numpy as np
import pytest
import torch

from nnbook import backend, gradcheck, models, optimizers


def _data(xp, rng, n=6, d=5, c=3):
    x = xp.asarray(rng.standard_normal((n, d)))
    t = xp.asarray(rng.integers(0, c, n))
    return x, t


def _nudge_biases(model, rng):
    """Random biases keep ReLU pre-activations away from the kink at 0."""
    for k, p in model.params.items():
        if k[0] == "b" or k.startswith("beta"):
            p[...] = backend.to_device(rng.uniform(0.1, 0.5, p.shape))


CONFIGS = {
    "relu": {},
    "sigmoid": {"activation": "sigmoid", "init": "xavier"},
    "tanh-wd": {"activation": "tanh", "weight_decay": 0.1},
    "gelu": {"activation": "gelu"},
    "swish": {"activation": "swish"},
    "elu": {"activation": "elu"},
    "leaky_relu": {"activation": "leaky_relu"},
    "prelu": {"activation": "prelu"},
    "batchnorm": {"batchnorm": True},
    "layernorm": {"layernorm": True},
    "dropout": {"dropout": 0.3},
    "all": {
        "activation": "prelu",
        "batchnorm": True,
        "dropout": 0.2,
        "weight_decay": 0.05,
    },
}


@pytest.mark.parametrize("name", list(CONFIGS))
def test_gradient_matches_numerical_gradient(device, rng, name):
    model = models.MLP([5, 4, 3, 3], dtype=np.float64, **CONFIGS[name])
    _nudge_biases(model, rng)
    x, t = _data(device, rng)
    numerical = model.numerical_gradient(x, t)
    grads = model.gradient(x, t)
    assert set(grads) == set(model.params)
    for k, g in grads.items():
        if CONFIGS[name].get("batchnorm") and k in ("b1", "b2"):
            # a bias right before BatchNorm has no effect: gradient 0
            assert float(abs(g).max()) < 1e-12
            continue
        err = gradcheck.max_relative_error(g, numerical[k])
        assert err < 1e-6, (k, err)


def test_check_model_agrees_without_train_only_layers(rng):
    model = models.MLP([5, 4, 3], dtype=np.float64, weight_decay=0.2)
    _nudge_biases(model, rng)
    x, t = _data(np, rng)
    assert gradcheck.check_model(model, x, t) < 1e-6


def test_numerical_gradient_leaves_the_model_state_alone(rng):
    model = models.MLP(
        [5, 4, 3], dtype=np.float64, batchnorm=True, dropout=0.5
    )
    x, t = _data(np, rng)
    bn = next(la for la in model.layers if hasattr(la, "running_mean"))
    drop = next(la for la in model.layers if hasattr(la, "ratio"))
    mean, rng_state = bn.running_mean.copy(), drop.rng.bit_generator.state
    before = {k: v.copy() for k, v in model.params.items()}
    model.numerical_gradient(x, t)
    np.testing.assert_array_equal(
        backend.to_numpy(bn.running_mean), backend.to_numpy(mean)
    )
    assert drop.rng.bit_generator.state == rng_state
    for k, v in model.params.items():
        np.testing.assert_array_equal(
            backend.to_numpy(v), backend.to_numpy(before[k])
        )


# ------------------------------------------------------------ PyTorch parity


def _torch_twin(model, activation="relu", batchnorm=False, layernorm=False):
    """The same network as nn.Sequential, with nnbook's weights copied."""
    act = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh}[activation]
    n = len(model.sizes) - 1
    mods = []
    for i in range(1, n + 1):
        lin = torch.nn.Linear(model.sizes[i - 1], model.sizes[i]).double()
        with torch.no_grad():
            w = backend.to_numpy(model.params[f"W{i}"])
            lin.weight.copy_(torch.tensor(w.T))
            lin.bias.copy_(
                torch.tensor(backend.to_numpy(model.params[f"b{i}"]))
            )
        mods.append(lin)
        if i < n:
            if batchnorm:
                mods.append(torch.nn.BatchNorm1d(model.sizes[i]).double())
            if layernorm:
                mods.append(torch.nn.LayerNorm(model.sizes[i]).double())
            mods.append(act())
    return torch.nn.Sequential(*mods)


def _torch_grads(net, n):
    """Torch gradients keyed like nnbook's params."""
    grads, i = {}, 0
    for m in net:
        if isinstance(m, torch.nn.Linear):
            i += 1
            grads[f"W{i}"] = m.weight.grad.numpy().T
            grads[f"b{i}"] = m.bias.grad.numpy()
        elif isinstance(m, (torch.nn.BatchNorm1d, torch.nn.LayerNorm)):
            grads[f"gamma{i}"] = m.weight.grad.numpy()
            grads[f"beta{i}"] = m.bias.grad.numpy()
    return grads


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"activation": "tanh", "weight_decay": 0.01},
        {"batchnorm": True},
        {"layernorm": True},
    ],
    ids=["relu", "tanh-wd", "batchnorm", "layernorm"],
)
def test_mlp_matches_torch_sequential(rng, kw):
    model = models.MLP([8, 6, 5, 4], dtype=np.float64, seed=3, **kw)
    net = _torch_twin(
        model,
        kw.get("activation", "relu"),
        "batchnorm" in kw,
        "layernorm" in kw,
    )
    x = rng.standard_normal((10, 8))
    t = rng.integers(0, 4, 10)
    for _ in range(3):  # several steps with updates in between
        grads = model.gradient(x, t)
        loss = copy.deepcopy(model).loss(x, t, train=True)  # stats once
        net.train()
        net.zero_grad()
        out = net(torch.tensor(x))
        lt = torch.nn.functional.cross_entropy(out, torch.tensor(t))
        wd = model.weight_decay
        if wd:
            ws = [m.weight for m in net if isinstance(m, torch.nn.Linear)]
            lt = lt + 0.5 * wd * sum((w * w).sum() for w in ws)
        lt.backward()
        assert float(loss) == pytest.approx(lt.item(), rel=1e-12)
        ref = _torch_grads(net, len(model.sizes) - 1)
        assert set(ref) == set(grads)
        for k, g in grads.items():
            np.testing.assert_allclose(
                backend.to_numpy(g), ref[k], rtol=1e-9, atol=1e-12
            )
        optimizers.SGD(lr=0.1).update(model.params, grads)
        with torch.no_grad():
            for p in net.parameters():
                p -= 0.1 * p.grad
    net.eval()  # inference: running statistics in the batchnorm case
    np.testing.assert_allclose(
        backend.to_numpy(model.predict(x)),
        net(torch.tensor(x)).detach().numpy(),
        rtol=1e-9,
    )


# -------------------------------------------------------------- contracts


def test_params_are_the_layers_arrays_and_keys_follow_the_book():
    model = models.MLP([4, 3, 3, 2], batchnorm=True, activation="prelu")
    assert list(model.params) == [
        "W1", "b1", "gamma1", "beta1", "alpha1",
        "W2", "b2", "gamma2", "beta2", "alpha2",
        "W3", "b3",
    ]  # fmt: skip
    assert model.params["W1"] is model.layers[0].params["W"]
    before = model.predict(np.ones((2, 4)))
    model.params["W3"] += 1.0  # in-place updates reach the layers
    assert not np.allclose(model.predict(np.ones((2, 4))), before)


def test_float32_by_default_float64_on_request(device, rng):
    model = models.MLP([5, 4, 3])
    x, t = _data(device, rng)  # float64 input is cast to the model's type
    assert all(p.dtype == np.float32 for p in model.params.values())
    assert model.predict(x).dtype == np.float32
    assert all(g.dtype == np.float32 for g in model.gradient(x, t).values())
    for p in model.params.values():
        assert backend.get_array_module(p) is device
    m64 = models.MLP([5, 4, 3], dtype=np.float64)
    assert m64.predict(x).dtype == np.float64


def test_same_seed_same_weights_and_same_training(device, rng):
    x, t = _data(device, rng, n=20)

    def train(seed):
        model = models.MLP([5, 8, 3], dropout=0.5, batchnorm=True, seed=seed)
        start = {
            k: backend.to_numpy(v).copy() for k, v in model.params.items()
        }
        opt = optimizers.Adam(lr=0.01)
        for _ in range(10):
            opt.update(model.params, model.gradient(x, t))
        return start, {k: backend.to_numpy(v) for k, v in model.params.items()}

    (s0, e0), (s1, e1), (s2, _) = train(0), train(0), train(1)
    for k in s0:
        np.testing.assert_array_equal(s0[k], s1[k])
        np.testing.assert_array_equal(e0[k], e1[k])
    assert not np.array_equal(s0["W1"], s2["W1"])


def test_cpu_and_gpu_start_from_the_same_weights(device):
    here = models.MLP([5, 4, 3], seed=5)
    backend.use("cpu")
    cpu = models.MLP([5, 4, 3], seed=5)
    for k in cpu.params:
        np.testing.assert_array_equal(
            backend.to_numpy(here.params[k]), cpu.params[k]
        )


def test_training_learns_a_separable_problem(device):
    gen = np.random.default_rng(0)
    x = gen.standard_normal((200, 2))
    t = (x[:, 0] * x[:, 1] > 0).astype(np.int64)  # XOR-like quadrants
    x, t = device.asarray(x), device.asarray(t)
    model = models.MLP([2, 16, 2], seed=0)
    opt = optimizers.Adam(lr=0.05)
    first = float(model.loss(x, t))
    for _ in range(200):
        opt.update(model.params, model.gradient(x, t))
    assert float(model.loss(x, t)) < 0.3 * first
    assert model.accuracy(x, t) > 0.9
    assert model.accuracy(x, device.eye(2)[t]) == model.accuracy(x, t)


def test_weight_decay_adds_half_lambda_w_squared(rng):
    x, t = _data(np, rng)
    plain = models.MLP([5, 4, 3], dtype=np.float64)
    decayed = models.MLP([5, 4, 3], dtype=np.float64, weight_decay=0.3)
    w2 = sum(float((plain.params[k] ** 2).sum()) for k in ("W1", "W2"))
    assert float(decayed.loss(x, t)) == pytest.approx(
        float(plain.loss(x, t)) + 0.15 * w2
    )


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="未知の活性化関数"):
        models.MLP([4, 3], activation="relu6")
    with pytest.raises(ValueError, match="未知の初期値"):
        models.MLP([4, 3], init="kaiming_fancy")
    with pytest.raises(ValueError, match="sizes"):
        models.MLP([4])
    with pytest.raises(ValueError, match="sizes"):
        models.MLP([4, 0, 3])
    with pytest.raises(ValueError, match="0 以上 1 未満"):
        models.MLP([4, 3], dropout=1.0)
    with pytest.raises(ValueError, match="weight_decay"):
        models.MLP([4, 3], weight_decay=-1.0)
    with pytest.raises(ValueError, match="どちらか一つ"):
        models.MLP([4, 3, 2], batchnorm=True, layernorm=True)
    model = models.MLP([4, 3])
    with pytest.raises(ValueError, match=r"\(N, 4\)"):
        model.predict(np.ones((2, 5)))
    with pytest.raises(TypeError, match="float64"):
        model.numerical_gradient(np.ones((2, 4)), np.array([0, 1]))
