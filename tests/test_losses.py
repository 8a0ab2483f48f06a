"""Tests for nnbook.losses.

Gradients against central differences (float64, away from kinks), values
and gradients against PyTorch in float64, hypothesis properties, extreme
inputs under numpy errstate, and bad input with the message checked.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nnbook import activations as act
from nnbook import losses as L
from nnbook.backend import to_numpy
from nnbook.gradcheck import check_gradient

fast = settings(max_examples=40, deadline=None)


def probabilities(rng, shape):
    return act.softmax(rng.normal(size=shape))


def tensors(*arrays):
    return [torch.tensor(a, requires_grad=True) for a in arrays]


def assert_close(ours, ref, rtol=1e-12, atol=1e-14):
    if isinstance(ref, torch.Tensor):
        ref = ref.detach().numpy()
    np.testing.assert_allclose(to_numpy(ours), ref, rtol=rtol, atol=atol)


def regression_pair(rng, shape=(4, 3), delta=1.0):
    """y, t with no residual near 0 or ±delta (the kinks)."""
    y = rng.normal(scale=2, size=shape)
    r = rng.uniform(0.1, 3, size=shape) * rng.choice([-1, 1], size=shape)
    r[np.abs(np.abs(r) - delta) < 0.05] += 0.1
    return y, y - r


# ------------------------------------------------------- numerical gradients

REGRESSION = {
    "mse": (L.mean_squared_error, L.mean_squared_error_grad, {}),
    "mae": (L.mean_absolute_error, L.mean_absolute_error_grad, {}),
    "huber": (L.huber_loss, L.huber_loss_grad, {"delta": 0.7}),
}


@pytest.mark.parametrize("name", sorted(REGRESSION))
def test_regression_grads(name, xp, rng):
    f, grad, kw = REGRESSION[name]
    y, t = map(xp.asarray, regression_pair(rng, delta=kw.get("delta", 1)))
    check_gradient(lambda z: f(z, t, **kw), y, grad(y, t, **kw))


@pytest.mark.parametrize("labels", [False, True])
def test_classification_grads(labels, xp, rng):
    x = xp.asarray(rng.normal(size=(4, 3)))
    y = xp.asarray(probabilities(rng, (4, 3)))
    idx = np.array([0, 2, 1, 1])
    t = xp.asarray(idx if labels else np.eye(3)[idx])
    check_gradient(
        lambda z: L.softmax_cross_entropy(z, t),
        x,
        L.softmax_cross_entropy_grad(x, t),
    )
    check_gradient(
        lambda z: L.cross_entropy_error(z, t),
        y,
        L.cross_entropy_error_grad(y, t),
    )


def test_binary_cross_entropy_and_kl_grads(xp, rng):
    p = xp.asarray(rng.uniform(0.05, 0.95, size=(5, 2)))
    t = xp.asarray(rng.uniform(0, 1, size=(5, 2)))
    check_gradient(
        lambda z: L.binary_cross_entropy(z, t),
        p,
        L.binary_cross_entropy_grad(p, t),
    )
    p, q = (xp.asarray(probabilities(rng, (3, 4))) for _ in range(2))
    check_gradient(
        lambda z: L.kl_divergence(z, q), p, L.kl_divergence_grad(p, q)
    )


def embeddings(rng, n=6, d=4):
    return [rng.normal(size=(n, d)) for _ in range(3)]


def test_contrastive_grads(xp, rng):
    x1, x2, _ = embeddings(rng)
    d = np.linalg.norm(x1 - x2, axis=1)
    margin = float(np.median(d)) + 0.01  # some pairs inside, some outside
    assert np.abs(d - margin).min() > 1e-3
    s = xp.asarray([1, 0, 1, 0, 0, 0])
    x1, x2 = xp.asarray(x1), xp.asarray(x2)
    dx1, dx2 = L.contrastive_loss_grad(x1, x2, s, margin)
    check_gradient(lambda z: L.contrastive_loss(z, x2, s, margin), x1, dx1)
    check_gradient(lambda z: L.contrastive_loss(x1, z, s, margin), x2, dx2)


@pytest.mark.parametrize("squared", [False, True])
def test_triplet_grads(squared, xp, rng):
    a, p, n = map(xp.asarray, embeddings(rng, n=8))
    kw = {"margin": 1.0, "squared": squared}
    grads = L.triplet_loss_grad(a, p, n, **kw)
    hinge = L._triplet_distances(a - p, a - n, squared)
    hinge = to_numpy(hinge[0] - hinge[1]) + 1.0
    assert np.abs(hinge).min() > 1e-3 and (hinge > 0).any()
    assert (hinge < 0).any()
    check_gradient(lambda z: L.triplet_loss(z, p, n, **kw), a, grads[0])
    check_gradient(lambda z: L.triplet_loss(a, z, n, **kw), p, grads[1])
    check_gradient(lambda z: L.triplet_loss(a, p, z, **kw), n, grads[2])


# ---------------------------------------------------------- against PyTorch


@pytest.mark.parametrize(
    "name, ref",
    [
        ("mse", F.mse_loss),
        ("mae", F.l1_loss),
        ("huber", lambda y, t: F.huber_loss(y, t, delta=0.7)),
    ],
)
def test_regression_matches_torch(name, ref, xp, rng):
    f, grad, kw = REGRESSION[name]
    y, t = regression_pair(rng, (5, 4), delta=0.7)
    ty, tt = tensors(y, t)
    loss = ref(ty, tt)
    loss.backward()
    yd, td = xp.asarray(y), xp.asarray(t)
    assert_close(f(yd, td, **kw), loss)
    assert_close(grad(yd, td, **kw), ty.grad)


def test_binary_cross_entropy_matches_torch(xp, rng):
    p = rng.uniform(0.01, 0.99, size=(6, 3))
    t = rng.integers(0, 2, size=(6, 3)).astype(float)
    tp, tt = tensors(p, t)
    loss = F.binary_cross_entropy(tp, tt)
    loss.backward()
    assert_close(L.binary_cross_entropy(xp.asarray(p), xp.asarray(t)), loss)
    grad = L.binary_cross_entropy_grad(xp.asarray(p), xp.asarray(t))
    assert_close(grad, tp.grad)


@pytest.mark.parametrize("scale", [1.0, 30.0])
def test_binary_cross_entropy_with_logits_matches_torch(scale, xp, rng):
    z = rng.normal(scale=scale, size=(6, 3))
    t = rng.uniform(0, 1, size=(6, 3))
    t[:3] = np.round(t[:3])  # hard and soft targets
    tz, tt = tensors(z, t)
    loss = torch.nn.BCEWithLogitsLoss()(tz, tt)
    loss.backward()
    zd, td = xp.asarray(z), xp.asarray(t)
    assert_close(L.binary_cross_entropy_with_logits(zd, td), loss)
    assert_close(L.binary_cross_entropy_with_logits_grad(zd, td), tz.grad)


def test_binary_cross_entropy_with_logits_grad_and_probability_form(xp, rng):
    z = xp.asarray(rng.normal(scale=2, size=(4, 2)))
    t = xp.asarray(rng.integers(0, 2, size=(4, 2)).astype(float))
    check_gradient(
        lambda v: L.binary_cross_entropy_with_logits(v, t),
        z,
        L.binary_cross_entropy_with_logits_grad(z, t),
    )
    # away from saturation it equals the loss on p = sigmoid(z)
    via_p = L.binary_cross_entropy(act.sigmoid(z), t)
    assert float(L.binary_cross_entropy_with_logits(z, t)) == pytest.approx(
        float(via_p), rel=1e-12
    )


def test_binary_cross_entropy_with_logits_keeps_large_losses(xp):
    # sigmoid(-40) is below eps, so the probability form clips at -log(eps)
    z, t = xp.asarray([-40.0, 1e4]), xp.asarray([1.0, 0.0])
    assert float(L.binary_cross_entropy_with_logits(z, t)) == pytest.approx(
        (40.0 + 1e4) / 2, rel=1e-12
    )
    clipped = float(L.binary_cross_entropy(act.sigmoid(z), t))
    assert clipped < 17


@pytest.mark.parametrize("target", ["labels", "one_hot", "soft"])
def test_cross_entropies_match_torch(target, xp, rng):
    x = rng.normal(scale=3, size=(5, 4))
    idx = rng.integers(0, 4, size=5)
    t = {
        "labels": idx,
        "one_hot": np.eye(4)[idx],
        "soft": probabilities(rng, (5, 4)),
    }[target]
    tx = torch.tensor(x, requires_grad=True)
    loss = F.cross_entropy(tx, torch.tensor(t))
    loss.backward()
    xd, td = xp.asarray(x), xp.asarray(t)
    assert_close(L.softmax_cross_entropy(xd, td), loss)
    assert_close(L.softmax_cross_entropy_grad(xd, td), tx.grad)

    # cross_entropy_error takes probabilities: compare through log
    y = act.softmax(x)
    ty = torch.tensor(y, requires_grad=True)
    t_all = torch.tensor(np.eye(4)[idx] if target == "labels" else t)
    loss = -(t_all * ty.log()).sum() / len(y)
    loss.backward()
    yd = xp.asarray(y)
    assert_close(L.cross_entropy_error(yd, td), loss)
    assert_close(L.cross_entropy_error_grad(yd, td), ty.grad)


def test_kl_divergence_matches_torch(xp, rng):
    p, q = probabilities(rng, (4, 5)), probabilities(rng, (4, 5))
    tp, tq = tensors(p, q)
    # F.kl_div(input, target) = KL(target ‖ exp(input)); input is log q
    loss = F.kl_div(tq.log(), tp, reduction="batchmean")
    loss.backward()
    pd, qd = xp.asarray(p), xp.asarray(q)
    assert_close(L.kl_divergence(pd, qd), loss)
    assert_close(L.kl_divergence_grad(pd, qd), tp.grad)


@pytest.mark.parametrize("margin", [0.5, 2.0])
def test_triplet_matches_torch(margin, xp, rng):
    a, p, n = embeddings(rng, n=10, d=3)
    ta, tp, tn = tensors(a, p, n)
    # eps=0: PyTorch's default eps=1e-6 is added to a − p before the norm
    loss = F.triplet_margin_loss(ta, tp, tn, margin=margin, p=2, eps=0)
    loss.backward()
    args = [xp.asarray(v) for v in (a, p, n)]
    assert_close(L.triplet_loss(*args, margin=margin), loss)
    grads = L.triplet_loss_grad(*args, margin=margin)
    for ours, ref in zip(grads, (ta, tp, tn), strict=True):
        assert_close(ours, ref.grad)


def test_squared_triplet_and_contrastive_match_torch_formulas(xp, rng):
    a, p, n = embeddings(rng, n=10, d=3)
    ta, tp, tn = tensors(a, p, n)
    d_ap = ((ta - tp) ** 2).sum(1)
    d_an = ((ta - tn) ** 2).sum(1)
    loss = torch.clamp(d_ap - d_an + 1.5, min=0).mean()  # FaceNet
    loss.backward()
    args = [xp.asarray(v) for v in (a, p, n)]
    assert_close(L.triplet_loss(*args, 1.5, squared=True), loss)
    grads = L.triplet_loss_grad(*args, 1.5, squared=True)
    for ours, ref in zip(grads, (ta, tp, tn), strict=True):
        assert_close(ours, ref.grad)

    s = rng.integers(0, 2, size=10).astype(float)
    t1, t2 = tensors(a, p)
    d = (t1 - t2).norm(dim=1)
    ts = torch.tensor(s)
    hinge = torch.clamp(2.0 - d, min=0)
    loss = (ts * d**2 + (1 - ts) * hinge**2).mean() / 2  # Hadsell et al.
    loss.backward()
    x1, x2, sd = xp.asarray(a), xp.asarray(p), xp.asarray(s)
    assert_close(L.contrastive_loss(x1, x2, sd, 2.0), loss)
    dx1, dx2 = L.contrastive_loss_grad(x1, x2, sd, 2.0)
    assert_close(dx1, t1.grad)
    assert_close(dx2, t2.grad)


# ------------------------------------------------------------- properties

matrix = arrays(np.float64, (3, 4), elements=st.floats(-100, 100))


@fast
@given(matrix, matrix, st.floats(0.01, 10))
def test_regression_losses_nonnegative_and_zero_at_target(y, t, delta):
    for f in (L.mean_squared_error, L.mean_absolute_error):
        assert f(y, t) >= 0
        assert f(y, y) == 0
    assert L.huber_loss(y, y, delta) == 0
    # δ|r| − δ²/2 ≤ huber ≤ min(r²/2, δ|r|), averaged over the elements
    h = L.huber_loss(y, t, delta)
    mae, mse = L.mean_absolute_error(y, t), L.mean_squared_error(y, t)
    tol = 1e-9 * (1 + mse)
    assert delta * mae - delta**2 / 2 - tol <= h <= min(mse / 2, delta * mae)
    assert h <= min(mse / 2, delta * mae) + tol
    if delta >= np.abs(y - t).max():  # all residuals inside: MSE / 2
        assert h == pytest.approx(mse / 2, rel=1e-12)


@fast
@given(matrix, matrix, st.integers(0, 3))
def test_classification_losses(x, z, label):
    p, q = act.softmax(x / 10), act.softmax(z / 10)
    assert L.kl_divergence(p, q) >= -1e-12  # ≥ 0 up to rounding (−5e-17)
    assert L.kl_divergence(p, p) == 0
    if np.abs(p - q).max() > 1e-3:
        assert L.kl_divergence(p, q) > 0
    t = np.full(3, label)
    ce = L.softmax_cross_entropy(x, t)
    assert ce >= 0
    assert ce == pytest.approx(L.softmax_cross_entropy(x + 5.0, t), abs=1e-9)
    onehot = np.eye(4)[t]
    assert ce == pytest.approx(L.softmax_cross_entropy(x, onehot), rel=1e-12)
    p = act.softmax(x / 20)  # every p ≥ 1e-5 > eps: no clipping
    assert L.cross_entropy_error(p, t) == pytest.approx(
        L.softmax_cross_entropy(x / 20, t), rel=1e-9
    )


@fast
@given(arrays(np.float64, 5, elements=st.floats(0, 1)))
def test_binary_cross_entropy_at_target(t):
    assert L.binary_cross_entropy(np.clip(t, 0.3, 0.6), t) >= 0
    hard = np.round(t)
    assert 0 <= L.binary_cross_entropy(hard, hard) < 2e-7  # −log(1 − eps)


@fast
@given(
    arrays(np.float64, (4, 3), elements=st.floats(-10, 10)),
    arrays(np.float64, (4, 3), elements=st.floats(-10, 10)),
    st.floats(0, 3),
)
def test_distance_losses_nonnegative(a, b, margin):
    s = np.array([1, 0, 1, 0])
    assert L.contrastive_loss(a, b, s, margin) >= 0
    assert L.contrastive_loss(a, a, np.ones(4), margin) == 0
    assert L.triplet_loss(a, a, b, margin) >= 0
    # a negative that is far enough away gives no loss
    far = a + margin + 1.0
    assert L.triplet_loss(a, a, far, margin) == 0


# --------------------------------------------------------- extreme inputs


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_inputs_are_finite(dtype, xp, strict_numpy):
    def arr(v):
        return xp.asarray(v, dtype=dtype)

    logits = arr([[-1e4, 0.0, 1e4], [1e4, -1e4, 0.0]])
    labels = xp.asarray([0, 1])
    probs = arr([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    big, neg = arr([[1e4, -1e4]]), arr([[-1e4, 1e4]])
    x1 = arr([[1e4, -1e4], [0.0, 0.0]])
    x2 = arr([[-1e4, 1e4], [0.0, 0.0]])
    s = xp.asarray([0, 0])
    outs = [
        L.softmax_cross_entropy(logits, labels),
        L.softmax_cross_entropy_grad(logits, labels),
        L.cross_entropy_error(probs, labels),
        L.cross_entropy_error_grad(probs, labels),
        L.binary_cross_entropy(probs, 1 - probs),
        L.binary_cross_entropy_grad(probs, 1 - probs),
        L.binary_cross_entropy_with_logits(logits, probs),
        L.binary_cross_entropy_with_logits_grad(logits, probs),
        L.kl_divergence(probs, probs[::-1]),
        L.kl_divergence_grad(probs, probs[::-1]),
        L.mean_squared_error(big, neg),
        L.mean_squared_error_grad(big, neg),
        L.huber_loss(big, neg),
        L.huber_loss_grad(big, neg),
        L.contrastive_loss(x1, x2, s),
        *L.contrastive_loss_grad(x1, x2, s),
        L.triplet_loss(x1, x2, x1),
        *L.triplet_loss_grad(x1, x2, x1),
        *L.triplet_loss_grad(x1, x2, x1, squared=True),
    ]
    for out in outs:
        assert out.dtype == dtype
        assert np.isfinite(to_numpy(out)).all()
    # the wrong class is 2e4 below the right one: the loss is about 2e4
    assert float(outs[0]) == pytest.approx(2e4, rel=1e-6)


def test_zero_distance_gradients_are_zero_not_nan(xp, strict_numpy):
    a = xp.ones((3, 2))
    for s in ([0, 0, 0], [1, 1, 1]):
        for g in L.contrastive_loss_grad(a, a, xp.asarray(s)):
            assert to_numpy(g).tolist() == [[0, 0]] * 3
    for g in L.triplet_loss_grad(a, a, a):  # hinge active: d = 0 − 0 + 1
        assert np.isfinite(to_numpy(g)).all()
        assert (to_numpy(g) == 0).all()
    assert float(L.triplet_loss(a, a, a)) == 1.0


def test_integer_labels_match_one_hot(xp, rng):
    y = xp.asarray(probabilities(rng, (4, 3)))
    idx = np.array([2, 0, 1, 2])
    for f in (L.cross_entropy_error, L.cross_entropy_error_grad):
        assert_close(f(y, xp.asarray(idx)), to_numpy(f(y, np.eye(3)[idx])))
    single = xp.asarray(probabilities(rng, 3))  # (C,) is a batch of one
    assert float(L.cross_entropy_error(single, 1)) == pytest.approx(
        -np.log(float(single[1]))
    )


def test_dtype_is_preserved(xp):
    y = xp.asarray([[0.2, 0.8]], dtype=np.float32)
    t = xp.asarray([[0.0, 1.0]])  # float64 target: cast to y's dtype
    for f in (
        L.mean_squared_error,
        L.huber_loss_grad,
        L.binary_cross_entropy,
        L.cross_entropy_error_grad,
        L.softmax_cross_entropy,
        L.kl_divergence_grad,
    ):
        assert f(y, t).dtype == np.float32


# -------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda: L.mean_squared_error(np.ones(3), np.ones(4)),
            ValueError,
            r"shape が違います: \(3,\) と \(4,\)",
        ),
        (lambda: L.mean_absolute_error("a", "b"), TypeError, "実数の配列"),
        (lambda: L.huber_loss(1.0, 2.0, delta=0), ValueError, "delta は正"),
        (
            lambda: L.binary_cross_entropy([2.0, -1.0], [1.0, 0.0]),
            ValueError,
            "ロジットを渡していませんか",
        ),
        (
            lambda: L.binary_cross_entropy_with_logits(
                [2.0, -1.0], [1.0, 2.0]
            ),
            ValueError,
            r"t は確率 \(0 以上 1 以下\)",
        ),
        (
            lambda: L.binary_cross_entropy_with_logits(np.ones(2), np.ones(3)),
            ValueError,
            "logits と t の shape が違います",
        ),
        (
            lambda: L.cross_entropy_error(np.full((2, 3), 1 / 3), [0, 3]),
            ValueError,
            "ラベル t は 0 以上 2 以下",
        ),
        (
            lambda: L.cross_entropy_error(np.full((2, 3), 1 / 3), [-1, 0]),
            ValueError,
            "ラベル t は 0 以上 2 以下",
        ),
        (
            lambda: L.softmax_cross_entropy(np.zeros((2, 3)), [0.0, 1.0]),
            TypeError,
            "ラベル t は整数",
        ),
        (
            lambda: L.softmax_cross_entropy(np.zeros((2, 3)), np.zeros(3)),
            ValueError,
            r"整数ラベルなら \(2,\)",
        ),
        (
            lambda: L.cross_entropy_error(0.5, 0),
            ValueError,
            "1 次元以上",
        ),
        (
            lambda: L.kl_divergence([0.5, 0.5], [1.5, -0.5]),
            ValueError,
            "q は確率",
        ),
        (
            lambda: L.contrastive_loss(np.ones((2, 3)), np.ones((2, 3)), [1]),
            ValueError,
            r"similar の shape は \(2,\)",
        ),
        (
            lambda: L.contrastive_loss(np.ones(3), np.ones(3), [1]),
            ValueError,
            r"x1 は \(N, D\)",
        ),
        (
            lambda: L.triplet_loss(np.ones((2, 3)), np.ones((2, 3)), 1.0),
            ValueError,
            "anchor と negative の shape",
        ),
        (
            lambda: L.triplet_loss(*np.ones((3, 2, 2)), margin=-1),
            ValueError,
            "margin は 0",
        ),
    ],
)
def test_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()
