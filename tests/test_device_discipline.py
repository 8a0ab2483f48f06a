"""Device discipline (issue 13): input on the wrong device, random numbers
drawn where the data lives, and the number of host syncs in training loops.

Policy: whatever owns parameters (a model, a layer) moves its input to the
device of its parameters (``backend.to_device_of``); ``training.train``
moves the data once, before the first step. Sync and transfer counts are
observed with the CuPy stand-in (``tests/fake_cupy.py``).
"""

import numpy as np
import pytest

from nnbook import activations, backend, layers, models, optimizers, training


def _toy(n=32, d=5, c=3, seed=0):
    gen = np.random.default_rng(seed)
    return gen.standard_normal((n, d)), gen.integers(0, c, n)


# ------------------------------------------- input on the wrong device


def test_host_input_to_a_gpu_model_predicts_on_the_gpu(on_gpu):
    model = models.MLP([5, 4, 3], seed=0)
    x, t = _toy()
    assert backend.is_gpu_array(model.params["W1"])
    y = model.predict(x)  # NumPy input, weights on the GPU
    assert backend.is_gpu_array(y)
    cpu = _same_model_on("cpu")
    np.testing.assert_allclose(
        backend.to_numpy(y), cpu.predict(x), rtol=1e-6, atol=1e-6
    )
    assert model.accuracy(x, t) == cpu.accuracy(x, t)
    assert float(model.loss(x, t)) == pytest.approx(float(cpu.loss(x, t)))


def _same_model_on(device, **kwargs):
    before = backend.current_device()
    backend.use(device)
    try:
        return models.MLP([5, 4, 3], seed=0, **kwargs)
    finally:
        backend.use(before)


def test_gpu_input_to_a_cpu_model_comes_back_to_the_host(on_gpu):
    cpu = _same_model_on("cpu")
    x, _ = _toy()
    y = cpu.predict(backend.to_device(x, "gpu"))
    assert type(y) is np.ndarray


@pytest.mark.parametrize("kw", [{}, {"batchnorm": True, "dropout": 0.2}])
def test_training_a_gpu_model_on_host_data(on_gpu, counting, kw):
    model = models.MLP([5, 4, 3], seed=0, **kw)
    x, t = _toy(64)
    with counting() as c:
        h = training.train(
            model, optimizers.SGD(0.1), x, t, 2, 16, x, t, progress=False
        )
    # the data moved once (x, t, x_val, t_val) plus one permutation per
    # epoch, not once per mini-batch
    assert c.to_device == 4 + 2
    assert h.epochs == 2 and np.isfinite(h.val_loss).all()
    grads = model.gradient(x[:8], t[:8])  # host mini-batch: moved too
    assert all(backend.is_gpu_array(g) for g in grads.values())


@pytest.mark.parametrize(
    "layer",
    [
        lambda d: layers.Affine(d(np.ones((5, 3))), d(np.zeros(3))),
        lambda d: layers.PRelu(d(np.full(5, 0.25))),
        lambda d: layers.BatchNorm(d(np.ones(5)), d(np.zeros(5))),
        lambda d: layers.Maxout(d(np.ones((5, 6))), d(np.zeros(6)), 2),
    ],
    ids=["Affine", "PRelu", "BatchNorm", "Maxout"],
)
def test_layers_with_parameters_move_their_input(on_gpu, layer):
    lay = layer(backend.to_device)  # parameters on the GPU
    x, _ = _toy(8)
    out = lay.forward(x)  # host input
    dx = lay.backward(np.ones(out.shape))  # host upstream gradient
    assert backend.is_gpu_array(out) and backend.is_gpu_array(dx)


def test_softmax_with_loss_moves_the_labels(on_gpu):
    x, t = _toy(8)
    last = layers.SoftmaxWithLoss()
    loss = last.forward(backend.to_device(x), t)  # labels on the host
    assert backend.is_gpu_array(loss)
    assert backend.is_gpu_array(last.backward())


# ------------------------------------ random numbers where the data lives


def test_dropout_masks_on_the_cpu_are_unchanged():
    """Same masks as before issue 13 (host generator spawned by the MLP)."""
    backend.use("cpu")
    model = models.MLP([5, 6, 3], dropout=0.5, seed=7, dtype=np.float64)
    drop = next(la for la in model.layers if isinstance(la, layers.Dropout))
    # the previous code: Dropout(seed=gen.spawn(1)[0]), gen = rng(seed);
    # spawning depends on the seed only, not on the draws for W1
    old_child = np.random.default_rng(7).spawn(1)[0]
    x = np.ones((4, 6))
    np.testing.assert_array_equal(
        drop.forward(x.copy()) > 0,
        old_child.random(x.shape, dtype=np.float32) >= 0.5,
    )


def test_dropout_mask_is_drawn_on_the_device(on_gpu, counting):
    drop = layers.Dropout(0.5, seed=3)
    x = backend.to_device(np.ones((64, 128), np.float32))
    with counting() as c:
        y = drop.forward(x)
        drop.backward(y)
    assert c.to_device == 0 and c.syncs == 0  # no mask from the host
    again = layers.Dropout(0.5, seed=3).forward(x)
    np.testing.assert_array_equal(backend.to_numpy(y), backend.to_numpy(again))
    assert 0.4 < float((y == 0).mean()) < 0.6


def test_rrelu_slopes_are_drawn_on_the_device(on_gpu, counting):
    x = backend.to_device(-np.ones((50, 40)))
    with counting() as c:
        y = activations.rrelu(x, train=True, rng=5)
    assert c.to_device == 0 and c.syncs == 0
    slopes = backend.to_numpy(-y)
    assert 1 / 8 <= slopes.min() and slopes.max() < 1 / 3
    same = activations.rrelu_grad(x, train=True, rng=5)
    np.testing.assert_array_equal(backend.to_numpy(same), slopes)


def test_numerical_gradient_with_dropout_on_the_device(on_gpu):
    model = models.MLP([5, 4, 3], dtype=np.float64, dropout=0.3, seed=1)
    x, t = _toy(6)
    num = model.numerical_gradient(x, t)
    ana = model.gradient(x, t)  # the same masks as the numerical gradient
    for k in ana:
        np.testing.assert_allclose(
            backend.to_numpy(ana[k]), backend.to_numpy(num[k]), atol=1e-7
        )


# ------------------------------------------ host syncs in training loops


def _steps(n, batch):
    return -(-n // batch)


@pytest.mark.parametrize("batch", [8, 64])
def test_train_waits_for_the_gpu_only_at_the_end_of_an_epoch(
    on_gpu, counting, batch
):
    model = models.MLP([5, 4, 3], seed=0, batchnorm=True, dropout=0.2)
    x, t = map(backend.to_device, _toy(64))
    epochs = 3
    with counting() as c:
        training.train(
            model,
            optimizers.Adam(0.01),
            x,
            t,
            epochs,
            batch,
            x,
            t,
            progress=False,
        )
    # MLP.accuracy returns a float (one sync each), the losses travel
    # together: 3 syncs per epoch whatever the number of steps
    assert c.syncs == 3 * epochs
    if _steps(64, batch) >= 3:
        assert c.syncs <= epochs * _steps(64, batch)  # ≤ 1 per step


def test_fit_line_does_not_sync_per_step(on_gpu, counting):
    from nnbook import datasets, fitting

    x, t = datasets.make_regression_with_outliers(seed=0)
    with counting() as c:
        fit = fitting.fit_line(x, t, "mae", tol=0.0, steps=300)
    assert len(fit.history) == 300
    # mean and std, one check per 25 steps, the result, the history
    assert c.syncs == 1 + 300 // 25 + 1 + 1
    with counting() as c:
        fit = fitting.fit_line(x, t, "huber")
    assert c.syncs <= 3 + -(-len(fit.history) // 25)


def test_fit_line_stops_where_a_check_every_step_would(on_gpu):
    from nnbook import datasets, fitting

    x, t = datasets.make_regression_with_outliers(seed=0)
    for loss in ("mse", "mae", "huber"):
        every = fitting.fit_line(x, t, loss, check_every=1)
        batched = fitting.fit_line(x, t, loss, check_every=25)
        assert (every.w, every.b, every.history) == (
            batched.w,
            batched.b,
            batched.history,
        )


def test_perceptron_fit_syncs_per_epoch_not_per_sample(on_gpu, counting):
    from nnbook import datasets, perceptron

    x, t = datasets.make_separable(100, margin=0.1, seed=0)
    with counting() as c:
        p = perceptron.Perceptron(2, seed=0).fit(x, t)
    assert p.converged_ and p.epochs_ >= 2
    # labels checked once (host copy); per epoch: b, the mistakes, history
    assert c.syncs == 1 + 3 * p.epochs_
    assert isinstance(p.b, float) and all(type(e) is int for e in p.errors_)


def test_out_of_range_labels_on_the_gpu_give_nan_not_garbage(on_gpu, counting):
    from nnbook import losses

    y = backend.to_device(np.zeros((2, 3)))
    with counting() as c:
        loss = losses.softmax_cross_entropy(y, backend.to_device([0, 3]))
    assert c.syncs == 0
    assert np.isnan(float(loss))
    with pytest.raises(ValueError, match="0 以上 2 以下"):
        losses.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3]))
