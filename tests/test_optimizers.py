"""Tests for nnbook.optimizers and nnbook.objectives.

Trajectories are compared with torch.optim (float64, CPU) over many steps
on a non-trivial function; AdaBound/AMSBound with a transcription of the
authors' reference step (github.com/Luolc/AdaBound, adabound.py).
"""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from nnbook import backend, gradcheck, objectives, optimizers

STEPS = 100


def _objective_grad(params):
    """Gradient of a sum of Rosenbrock valleys and a coupled quartic.

    f(W, b) = Σ Rosenbrock(W[:, 2j], W[:, 2j+1]) + Σ (b − W.sum(0)[:3])⁴/4
    Written for numpy and torch alike (only +, *, sums).
    """
    W, b = params["W"], params["b"]
    x, y = W[:, 0::2], W[:, 1::2]
    r = y - x * x
    gW = 0.0 * W
    gW[:, 0::2] = -2.0 * (1.0 - x) - 40.0 * x * r
    gW[:, 1::2] = 20.0 * r
    c = b - W.sum(0)[:3]
    gb = c**3
    gW[:, :3] = gW[:, :3] - c**3
    return {"W": gW, "b": gb}


def _start(rng):
    return {"W": rng.uniform(-1.5, 1.5, (3, 4)), "b": rng.uniform(-1, 1, 3)}


def _run_nnbook(opt, p0, steps=STEPS):
    params = {k: v.copy() for k, v in p0.items()}
    path = []
    for _ in range(steps):
        opt.update(params, _objective_grad(params))
        path.append({k: v.copy() for k, v in params.items()})
    return path


def _run_torch(make_opt, p0, steps=STEPS):
    tp = {k: torch.tensor(v, requires_grad=True) for k, v in p0.items()}
    opt = make_opt(list(tp.values()))
    path = []
    for _ in range(steps):
        with torch.no_grad():
            g = _objective_grad({k: v.detach().clone() for k, v in tp.items()})
        for k, v in tp.items():
            v.grad = g[k]
        opt.step()
        path.append({k: v.detach().numpy().copy() for k, v in tp.items()})
    return path


def _assert_same_path(path, ref, tol=1e-10):
    for step, (a, b) in enumerate(zip(path, ref, strict=True)):
        for k in a:
            err = np.abs(a[k] - b[k]).max()
            assert err < tol * (1 + np.abs(b[k]).max()), (step, k, err)


O, T = optimizers, torch.optim  # noqa: E741
TORCH_PAIRS = {
    "sgd": (O.SGD(lr=0.01), lambda p: T.SGD(p, lr=0.01)),
    "momentum": (
        O.Momentum(lr=0.005, momentum=0.9),
        lambda p: T.SGD(p, lr=0.005, momentum=0.9),
    ),
    "nesterov": (
        O.Nesterov(lr=0.005, momentum=0.8),
        lambda p: T.SGD(p, lr=0.005, momentum=0.8, nesterov=True),
    ),
    "adagrad": (
        O.AdaGrad(lr=0.1, eps=1e-10),
        lambda p: T.Adagrad(p, lr=0.1, eps=1e-10, initial_accumulator_value=0),
    ),
    "rmsprop": (
        O.RMSprop(lr=0.01, alpha=0.9, eps=1e-8),
        lambda p: T.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-8),
    ),
    "adadelta": (
        O.AdaDelta(lr=1.0, rho=0.9, eps=1e-6),
        lambda p: T.Adadelta(p, lr=1.0, rho=0.9, eps=1e-6),
    ),
    "adam": (
        O.Adam(lr=0.01, beta1=0.8, beta2=0.99, eps=1e-8),
        lambda p: T.Adam(p, lr=0.01, betas=(0.8, 0.99), eps=1e-8),
    ),
    "amsgrad": (
        O.AMSGrad(lr=0.01, beta1=0.9, beta2=0.99),
        lambda p: T.Adam(p, lr=0.01, betas=(0.9, 0.99), amsgrad=True),
    ),
    "sgd_weight_decay": (
        O.SGD(lr=0.01, weight_decay=0.3),
        lambda p: T.SGD(p, lr=0.01, weight_decay=0.3),
    ),
    "adam_l2": (
        O.Adam(lr=0.01, weight_decay=0.2),
        lambda p: T.Adam(p, lr=0.01, weight_decay=0.2),
    ),
    "adamw": (
        O.AdamW(lr=0.01, beta1=0.8, beta2=0.99, weight_decay=0.5),
        lambda p: T.AdamW(p, lr=0.01, betas=(0.8, 0.99), weight_decay=0.5),
    ),
}


@pytest.mark.parametrize("name", list(TORCH_PAIRS))
def test_trajectory_matches_torch(rng, name):
    ours, make_torch = TORCH_PAIRS[name]
    p0 = _start(rng)
    path = _run_nnbook(ours, p0)
    ref = _run_torch(make_torch, p0)
    _assert_same_path(path, ref)
    moved = np.abs(path[-1]["W"] - p0["W"]).max()
    assert moved > 1e-2  # the test is not trivially passed by standing still


def test_torch_defaults_are_ours(rng):
    """Default hyper-parameters agree with torch where the name agrees."""
    pairs = [
        (O.AdaGrad(), lambda p: T.Adagrad(p)),
        (O.RMSprop(), lambda p: T.RMSprop(p)),
        (O.AdaDelta(), lambda p: T.Adadelta(p)),
        (O.Adam(), lambda p: T.Adam(p)),
        (O.AdamW(), lambda p: T.AdamW(p)),
    ]
    p0 = _start(rng)
    for ours, make in pairs:
        _assert_same_path(_run_nnbook(ours, p0, 20), _run_torch(make, p0, 20))


def test_textbook_nesterov_differs_from_the_first_step():
    """The μ²·v_new variant (STYLE §3) is not Sutskever/torch Nesterov."""
    lr, mu, g = 0.1, 0.9, np.array([1.0])
    ours = {"p": np.array([0.0])}
    O.Nesterov(lr, mu).update(ours, {"p": g})
    v = mu * 0.0 - lr * g  # textbook: v updated first, then μ²·v
    textbook = 0.0 + mu * mu * v - (1 + mu) * lr * g
    assert ours["p"][0] == pytest.approx(-(1 + mu) * lr)
    assert textbook[0] != pytest.approx(ours["p"][0])


# ------------------------------------------------- AdaBound vs the reference


class ReferenceAdaBound(torch.optim.Optimizer):
    """Transcription of Luolc/AdaBound adabound.py ``AdaBound.step``.

    Only the deprecated ``add_(scalar, tensor)`` call signatures were
    rewritten as ``add_(tensor, alpha=scalar)``.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), final_lr=0.1,
                 gamma=1e-3, eps=1e-8, weight_decay=0, amsbound=False):  # fmt: skip  # noqa: E501
        defaults = dict(lr=lr, betas=betas, final_lr=final_lr, gamma=gamma,
                        eps=eps, weight_decay=weight_decay, amsbound=amsbound)  # fmt: skip  # noqa: E501
        super().__init__(params, defaults)
        self.base_lrs = [group["lr"] for group in self.param_groups]

    @torch.no_grad()
    def step(self):
        for group, base_lr in zip(self.param_groups, self.base_lrs):  # noqa: B905
            for p in group["params"]:
                grad = p.grad.data
                amsbound = group["amsbound"]
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(p.data)
                    state["exp_avg_sq"] = torch.zeros_like(p.data)
                    if amsbound:
                        state["max_exp_avg_sq"] = torch.zeros_like(p.data)
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                if amsbound:
                    max_exp_avg_sq = state["max_exp_avg_sq"]
                beta1, beta2 = group["betas"]
                state["step"] += 1
                if group["weight_decay"] != 0:
                    grad = grad.add(p.data, alpha=group["weight_decay"])
                exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                if amsbound:
                    torch.max(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
                    denom = max_exp_avg_sq.sqrt().add_(group["eps"])
                else:
                    denom = exp_avg_sq.sqrt().add_(group["eps"])
                bias_correction1 = 1 - beta1 ** state["step"]
                bias_correction2 = 1 - beta2 ** state["step"]
                step_size = (
                    group["lr"]
                    * math.sqrt(bias_correction2)
                    / bias_correction1
                )
                final_lr = group["final_lr"] * group["lr"] / base_lr
                lower_bound = final_lr * (
                    1 - 1 / (group["gamma"] * state["step"] + 1)
                )
                upper_bound = final_lr * (
                    1 + 1 / (group["gamma"] * state["step"])
                )
                step_size = torch.full_like(denom, step_size)
                step_size.div_(denom).clamp_(lower_bound, upper_bound).mul_(
                    exp_avg
                )
                p.data.add_(-step_size)


@pytest.mark.parametrize("amsbound", [False, True])
@pytest.mark.parametrize("weight_decay", [0.0, 1e-2])
def test_adabound_matches_reference_implementation(
    rng, amsbound, weight_decay
):
    kw = dict(lr=0.01, final_lr=0.05, gamma=0.01, weight_decay=weight_decay)
    ours = O.AdaBound(beta1=0.9, beta2=0.99, amsbound=amsbound, **kw)
    p0 = _start(rng)
    path = _run_nnbook(ours, p0, 300)
    ref = _run_torch(
        lambda p: ReferenceAdaBound(
            p, betas=(0.9, 0.99), amsbound=amsbound, **kw
        ),
        p0,
        300,
    )
    _assert_same_path(path, ref)
    # by step 300 the bounds are within ±35 % of final_lr
    lower, upper = ours.bounds()
    assert 0.65 * 0.05 < lower < upper < 1.35 * 0.05


def test_amsbound_is_adabound_with_max():
    a, b = O.AMSBound(lr=0.02), O.AdaBound(lr=0.02, amsbound=True)
    pa, pb = {"p": np.array([1.0, -2.0])}, {"p": np.array([1.0, -2.0])}
    for i in range(20):
        g = np.array([math.sin(i), math.cos(3 * i)])
        a.update(pa, {"p": g})
        b.update(pb, {"p": g})
    np.testing.assert_array_equal(pa["p"], pb["p"])


def test_adabound_final_lr_follows_a_changed_lr():
    opt = O.AdaBound(lr=0.01, final_lr=0.1)
    opt.update({"p": np.ones(2)}, {"p": np.ones(2)})
    lo, up = opt.bounds()
    opt.lr = 0.001  # like a scheduler in the reference implementation
    lo2, up2 = opt.bounds()
    assert lo2 == pytest.approx(lo / 10) and up2 == pytest.approx(up / 10)


# ---------------------------------------------------------- convergence


CONVERGE = {
    "sgd": O.SGD(lr=0.9),
    "momentum": O.Momentum(lr=0.1, momentum=0.9),
    "nesterov": O.Nesterov(lr=0.1, momentum=0.9),
    "adagrad": O.AdaGrad(lr=1.0),
    "rmsprop": O.RMSprop(lr=0.003),  # hovers at a distance ~ lr
    "adadelta": O.AdaDelta(lr=1.0, rho=0.95, eps=1e-4),
    "adam": O.Adam(lr=0.1),
    "amsgrad": O.AMSGrad(lr=0.1),
    "adabound": O.AdaBound(lr=0.1, final_lr=0.1),
    "amsbound": O.AMSBound(lr=0.1, final_lr=0.1),
}


@pytest.mark.parametrize("name", list(CONVERGE))
def test_every_optimizer_converges_on_an_ill_conditioned_quadratic(xp, name):
    f = objectives.Quadratic(a=0.1, b=2.0)  # condition number 20
    opt = optimizers.get(name, **_params_of(CONVERGE[name]))
    params = {"p": xp.asarray([-7.0, 2.0])}
    f0 = float(f(params["p"]))
    for _ in range(3000):
        opt.update(params, {"p": f.grad(params["p"])})
    assert float(f(params["p"])) < 1e-6 * f0, name


def _params_of(opt):
    keys = {
        "sgd": ["lr"],
        "momentum": ["lr", "momentum"],
        "nesterov": ["lr", "momentum"],
        "adagrad": ["lr", "eps"],
        "rmsprop": ["lr", "alpha", "eps"],
        "adadelta": ["lr", "rho", "eps"],
        "adam": ["lr", "beta1", "beta2", "eps"],
        "amsgrad": ["lr", "beta1", "beta2", "eps"],
        "adabound": ["lr", "final_lr", "gamma", "eps"],
        "amsbound": ["lr", "final_lr", "gamma", "eps"],
    }[type(opt).__name__.lower()]
    return {k: getattr(opt, k) for k in keys}


# ---------------------------------------------------- contracts, properties


@pytest.mark.parametrize("name", list(optimizers.OPTIMIZERS))
def test_state_lives_with_the_parameter_and_grads_are_read_only(xp, name):
    opt = optimizers.get(name)
    p = xp.asarray(np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3))
    g = xp.asarray(np.full((2, 3), 0.5, dtype=np.float32))
    if xp is np:
        g.setflags(write=False)  # raises if an optimizer writes into g
    params = {"W": p}
    opt.update(params, {"W": g})
    opt.update(params, {"W": g})
    assert params["W"] is p  # updated in place
    assert p.dtype == np.float32  # Python-float hyper-parameters keep it
    for s in opt.state["W"].values():
        assert backend.get_array_module(s) is xp and s.dtype == p.dtype
    np.testing.assert_array_equal(backend.to_numpy(g), 0.5)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=5),
    st.floats(1e-4, 1.0),
)
def test_adam_first_step_has_size_lr(g, lr):
    """Kingma & Ba §2.1: |Δ| ≈ lr on the first step (where |g| ≫ eps)."""
    g = np.array(g)
    p = np.zeros_like(g)
    O.Adam(lr=lr).update({"p": p}, {"p": g})
    big = np.abs(g) > 1e-3
    np.testing.assert_allclose(-p[big], lr * np.sign(g[big]), rtol=1e-4)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=5))
def test_sgd_is_p_minus_lr_g(g):
    g = np.array(g)
    p = np.ones_like(g)
    O.SGD(lr=0.1).update({"p": p}, {"p": g})
    np.testing.assert_allclose(p, 1 - 0.1 * g)


def test_same_start_same_trajectory(rng):
    p0 = _start(rng)
    a = _run_nnbook(O.Adam(lr=0.01), p0, 30)
    b = _run_nnbook(O.Adam(lr=0.01), p0, 30)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x["W"], y["W"])


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="lr"):
        O.SGD(lr=-0.1)
    with pytest.raises(ValueError, match="momentum"):
        O.Momentum(momentum=1.0)
    with pytest.raises(ValueError, match="beta2"):
        O.Adam(beta2=1.5)
    with pytest.raises(ValueError, match="gamma"):
        O.AdaBound(gamma=1.0)
    with pytest.raises(ValueError, match="未知の最適化手法"):
        optimizers.get("adamx")
    with pytest.raises(ValueError, match="形"):
        O.SGD().update({"W": np.ones(3)}, {"W": np.ones(4)})
    with pytest.raises(KeyError, match="W"):
        O.SGD().update({"W": np.ones(3)}, {"b": np.ones(3)})


# ------------------------------------------------------------ objectives

FUNCS = [
    objectives.Quadratic(0.1, 2.0),
    objectives.Rosenbrock(),
    objectives.Saddle(),
]


@pytest.mark.parametrize("f", FUNCS, ids=lambda f: type(f).__name__)
def test_function_gradients_match_numerical_gradient(xp, rng, f):
    p = xp.asarray(rng.uniform(-1.5, 1.5, 2))
    err = gradcheck.max_relative_error(
        f.grad(p), gradcheck.numerical_gradient(f, p.copy())
    )
    assert err < 1e-6
    m = xp.asarray(f.minimum)
    np.testing.assert_allclose(backend.to_numpy(f.grad(m)), 0, atol=1e-12)


def test_functions_evaluate_a_grid(xp):
    g = xp.stack(xp.meshgrid(xp.linspace(-2, 2, 5), xp.linspace(-1, 3, 4)), -1)
    for f in FUNCS:
        assert f(g).shape == (4, 5) and f.grad(g).shape == (4, 5, 2)
    with pytest.raises(ValueError, match="長さは 2"):
        objectives.rosenbrock(xp.ones(3))


def test_saddle_traps_gradient_descent_on_the_ridge(xp):
    f, opt = objectives.Saddle(), O.SGD(lr=0.1)
    params = {"p": xp.asarray([1.0, 0.0])}
    for _ in range(200):
        opt.update(params, {"p": f.grad(params["p"])})
    np.testing.assert_allclose(backend.to_numpy(params["p"]), 0, atol=1e-8)


# ------------------------------------------ Reddi et al. 2018 counterexample


@pytest.mark.parametrize("amsgrad", [False, True])
def test_online_counterexample_is_our_adam_with_projection(amsgrad):
    betas = [0.9, 0.99]
    fast = objectives.run_online_adam(betas, steps=300, amsgrad=amsgrad)
    for k, b2 in enumerate(betas):
        x = np.zeros(1)
        opt = O.Adam(lr=1.0, beta1=0.9, beta2=b2, amsgrad=amsgrad)
        for t in range(1, 301):
            opt.lr = 1.0 / math.sqrt(t)
            opt.update(
                {"x": x}, {"x": np.array([objectives.reddi_gradient(t)])}
            )
            np.clip(x, -1.0, 1.0, out=x)
            assert fast[t - 1, k] == pytest.approx(x[0], abs=1e-12)


def test_adam_goes_the_wrong_way_amsgrad_does_not():
    adam = objectives.run_online_adam([0.9, 0.99], steps=10000)
    ams = objectives.run_online_adam([0.9, 0.99], steps=10000, amsgrad=True)
    assert np.all(adam[-1] > 0.9)  # near the worst point x = +1
    assert np.all(ams[-1] < -0.7)  # towards the optimum x = −1


def test_trajectory_of_sgd_on_the_quadratic_is_the_closed_form():
    path = objectives.trajectory(
        O.SGD(lr=0.95), objectives.quadratic, (-7.0, 2.0), 30
    )
    k = np.arange(31)
    np.testing.assert_allclose(path[:, 0], -7.0 * (1 - 0.95 * 0.1) ** k)
    np.testing.assert_allclose(path[:, 1], 2.0 * (1 - 0.95 * 2.0) ** k)
    assert isinstance(path, np.ndarray) and path.shape == (31, 2)


def test_sgd_weight_decay_equals_l2_in_the_gradient(rng):
    """SGD(weight_decay=λ) on g is SGD on g + λp: the same numbers."""
    p0 = _start(rng)
    decayed = _run_nnbook(O.SGD(lr=0.01, weight_decay=0.3), p0)
    ours = {k: v.copy() for k, v in p0.items()}
    plain = O.SGD(lr=0.01)
    for step in range(STEPS):
        g = _objective_grad(ours)
        plain.update(ours, {k: g[k] + 0.3 * ours[k] for k in g})
        for k in ours:
            np.testing.assert_allclose(ours[k], decayed[step][k], rtol=1e-12)


def test_adamw_shrinks_every_weight_by_the_same_factor():
    """With zero gradients AdamW multiplies p by (1 − lr·λ) per step,
    Adam with L2 moves each weight by about lr regardless of its size."""
    p0 = np.array([1.0, 100.0])
    w = {"p": p0.copy()}
    a = {"p": p0.copy()}
    adamw = O.AdamW(lr=0.01, weight_decay=0.1)
    adam_l2 = O.Adam(lr=0.01, weight_decay=0.1)
    for _ in range(10):
        adamw.update(w, {"p": np.zeros(2)})
        adam_l2.update(a, {"p": np.zeros(2)})
    np.testing.assert_allclose(w["p"], p0 * (1 - 0.01 * 0.1) ** 10)
    np.testing.assert_allclose(p0 - a["p"], [0.1, 0.1], rtol=1e-2)


@pytest.mark.parametrize("make", [O.SGD, O.Adam, O.AdamW])
def test_negative_weight_decay_is_rejected(make):
    with pytest.raises(ValueError, match="weight_decay"):
        make(weight_decay=-0.1)
