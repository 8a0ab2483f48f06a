"""Tests for nnbook.regularization and the penalties inside models.MLP."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from nnbook import gradcheck, models, optimizers, regularization
from nnbook.backend import to_numpy


def _weights(xp, rng):
    # away from 0 so that |w| is differentiable at every entry
    w1 = rng.uniform(0.1, 1.0, (4, 3)) * rng.choice([-1.0, 1.0], (4, 3))
    w2 = rng.uniform(0.1, 1.0, (3, 2)) * rng.choice([-1.0, 1.0], (3, 2))
    return xp.asarray(w1), xp.asarray(w2)


@pytest.mark.parametrize(
    ("penalty", "grad"),
    [
        (regularization.l2_penalty, regularization.l2_penalty_grad),
        (regularization.l1_penalty, regularization.l1_penalty_grad),
    ],
    ids=["l2", "l1"],
)
def test_penalty_gradient_matches_numerical_gradient(xp, rng, penalty, grad):
    ws = _weights(xp, rng)
    for w in ws:
        numerical = gradcheck.numerical_gradient(
            lambda _: penalty(ws, 0.7), w, 1e-6
        )
        err = gradcheck.max_relative_error(grad(w, 0.7), numerical)
        assert err < 1e-6


def test_penalties_match_torch(rng):
    w1, w2 = _weights(np, rng)
    t1, t2 = torch.tensor(w1), torch.tensor(w2)
    l2 = 0.5 * 0.3 * (t1.pow(2).sum() + t2.pow(2).sum())
    l1 = 0.3 * (t1.abs().sum() + t2.abs().sum())
    assert float(regularization.l2_penalty([w1, w2], 0.3)) == pytest.approx(
        l2.item(), rel=1e-12
    )
    assert float(regularization.l1_penalty([w1, w2], 0.3)) == pytest.approx(
        l1.item(), rel=1e-12
    )
    np.testing.assert_array_equal(
        regularization.l1_penalty_grad(w1, 0.3), 0.3 * torch.sign(t1).numpy()
    )


def test_l1_subgradient_is_zero_at_zero():
    g = regularization.l1_penalty_grad(np.array([-2.0, 0.0, 3.0]), 0.5)
    np.testing.assert_array_equal(g, [-0.5, 0.0, 0.5])


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=8),
    st.one_of(st.just(0.0), st.floats(1e-6, 10.0)),  # no subnormal α
)
def test_penalties_are_nonnegative_and_zero_only_at_zero(values, alpha):
    w = np.array(values)
    for penalty in (regularization.l2_penalty, regularization.l1_penalty):
        value = float(penalty([w], alpha))
        assert value >= 0.0
        if alpha > 0 and np.any(w != 0):
            assert value > 0.0 or np.all(np.abs(w) < 1e-150)


def test_negative_alpha_is_rejected_in_japanese():
    with pytest.raises(ValueError, match="0 以上"):
        regularization.l2_penalty([np.ones(2)], -1.0)
    with pytest.raises(ValueError, match="l1 は 0 以上"):
        models.MLP([3, 2], l1=-0.1)


def _data(rng):
    x = rng.normal(size=(6, 5))
    t = rng.integers(0, 3, 6)
    return x, t


def test_mlp_with_l1_and_l2_passes_the_gradient_check(rng):
    model = models.MLP([5, 4, 3], dtype=np.float64, weight_decay=0.1, l1=0.05)
    x, t = _data(rng)
    numerical = model.numerical_gradient(x, t)
    for k, g in model.gradient(x, t).items():
        assert gradcheck.max_relative_error(g, numerical[k]) < 1e-6, k


def test_mlp_l1_adds_alpha_times_sum_of_abs_weights(rng):
    x, t = _data(rng)
    plain = models.MLP([5, 4, 3], dtype=np.float64)
    sparse = models.MLP([5, 4, 3], dtype=np.float64, l1=0.2)
    w1 = sum(float(np.abs(plain.params[k]).sum()) for k in ("W1", "W2"))
    assert float(sparse.loss(x, t)) == pytest.approx(
        float(plain.loss(x, t)) + 0.2 * w1
    )


def test_l2_in_the_loss_equals_weight_decay_in_sgd(rng):
    """MLP(weight_decay=λ) + SGD ≡ MLP() + p ← (1 − ηλ)p − η g on W.

    Twenty steps of both give the same weights (to rounding): for plain
    SGD, L2 regularisation and weight decay are the same update.
    """
    x, t = _data(rng)
    lr, lam = 0.1, 0.05
    l2 = models.MLP([5, 4, 3], dtype=np.float64, weight_decay=lam)
    wd = models.MLP([5, 4, 3], dtype=np.float64)
    sgd = optimizers.SGD(lr)
    for _ in range(20):
        sgd.update(l2.params, l2.gradient(x, t))
        g = wd.gradient(x, t)
        for k, p in wd.params.items():
            if k.startswith("W"):
                p *= 1.0 - lr * lam  # 荷重減衰: 重みを縮める
            p -= lr * g[k]
    for k in l2.params:
        np.testing.assert_allclose(
            to_numpy(l2.params[k]), to_numpy(wd.params[k]), rtol=1e-12
        )
    moved = models.MLP([5, 4, 3], dtype=np.float64).params["W1"]
    assert np.abs(l2.params["W1"] - moved).max() > 1e-3


def test_l1_makes_weights_smaller_and_some_nearly_zero(rng):
    x = rng.normal(size=(40, 5))
    t = (x[:, 0] > 0).astype(int)  # only the first input matters
    dense = models.MLP([5, 8, 2], dtype=np.float64, seed=1)
    sparse = models.MLP([5, 8, 2], dtype=np.float64, seed=1, l1=0.02)
    for model in (dense, sparse):
        opt = optimizers.SGD(0.1)
        for _ in range(300):
            opt.update(model.params, model.gradient(x, t))
    small = [
        int((np.abs(m.params["W1"]) < 1e-2).sum()) for m in (dense, sparse)
    ]
    assert small[1] > small[0]
    assert np.abs(sparse.params["W1"]).sum() < np.abs(dense.params["W1"]).sum()


def test_penalty_is_the_difference_between_loss_and_data_term(rng):
    x, t = _data(rng)
    plain = models.MLP([5, 4, 3], dtype=np.float64)
    both = models.MLP([5, 4, 3], dtype=np.float64, weight_decay=0.2, l1=0.1)
    ws = [plain.params["W1"], plain.params["W2"]]
    expected = regularization.l2_penalty(ws, 0.2) + regularization.l1_penalty(
        ws, 0.1
    )
    assert float(both.penalty()) == pytest.approx(float(expected))
    assert float(both.loss(x, t) - both.penalty()) == pytest.approx(
        float(plain.loss(x, t))
    )
    assert float(plain.penalty()) == 0.0
