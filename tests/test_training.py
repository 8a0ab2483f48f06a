"""Tests for nnbook.training: mini-batches, schedules, early stopping."""

import math

import numpy as np
import pytest

from nnbook import backend, datasets, training


class SoftmaxRegression:
    """A tiny model with the interface train() expects (own, test-only)."""

    def __init__(self, d_in, n_classes, seed=0):
        gen = np.random.default_rng(seed)
        self.params = {
            "W": (0.01 * gen.standard_normal((d_in, n_classes))).astype(
                np.float32
            ),
            "b": np.zeros(n_classes, np.float32),
        }

    def _probs(self, x):
        xp = backend.get_array_module(x)
        z = x @ self.params["W"] + self.params["b"]
        e = xp.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def loss(self, x, t):
        xp = backend.get_array_module(x)
        p = self._probs(x)
        return -xp.mean(xp.log(p[xp.arange(len(t)), t] + 1e-7))

    def gradient(self, x, t):
        xp = backend.get_array_module(x)
        d = self._probs(x)
        d[xp.arange(len(t)), t] -= 1
        d /= len(t)
        return {"W": x.T @ d, "b": d.sum(axis=0)}

    def accuracy(self, x, t):
        return (self._probs(x).argmax(axis=1) == t).mean()


class SGD:
    def __init__(self, lr):
        self.lr = lr

    def update(self, params, grads):
        for k in params:
            params[k] -= self.lr * grads[k]


def _digits_small():
    (x, t), (xv, tv) = datasets.load_digits()
    return x[:600], t[:600], xv, tv


def test_train_learns_digits_and_records_history():
    x, t, xv, tv = _digits_small()
    model = SoftmaxRegression(64, 10)
    h = training.train(model, SGD(0.5), x, t, 8, 32, xv, tv, progress=False)
    assert h.epochs == 8
    for name in ("train_loss", "train_acc", "val_loss", "val_acc", "lr"):
        assert len(getattr(h, name)) == 8, name
        assert all(isinstance(v, float) for v in getattr(h, name))
    assert h.train_loss[-1] < 0.5 * h.train_loss[0]
    assert h.val_acc[-1] > 0.85
    assert h.lr == [0.5] * 8
    assert 1 <= h.best_epoch <= 8
    assert h.val_loss[h.best_epoch - 1] == min(h.val_loss)
    assert repr(h).startswith("History(epochs=8, train_loss=")


def test_train_without_validation_or_accuracy():
    x, t, _, _ = _digits_small()

    class NoAcc(SoftmaxRegression):
        accuracy = None

    h = training.train(NoAcc(64, 10), SGD(0.1), x, t, 2, 50, progress=False)
    assert h.train_acc == [] and h.val_loss == [] and len(h.train_loss) == 2


def test_train_is_deterministic_given_the_seed():
    x, t, xv, tv = _digits_small()
    runs = []
    for seed in (0, 0, 1):
        m = SoftmaxRegression(64, 10)
        h = training.train(
            m, SGD(0.3), x, t, 3, 16, xv, tv, seed=seed, progress=False
        )
        runs.append((h.as_dict(), m.params["W"].copy()))
    assert runs[0][0] == runs[1][0]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    assert not np.array_equal(runs[0][1], runs[2][1])


class Spy:
    """Records the indices of every mini-batch and the lr in use."""

    def __init__(self):
        self.params = {"w": np.zeros(1)}
        self.batches = []

    def gradient(self, x, t):
        self.batches.append(np.asarray(x[:, 0]).astype(int).tolist())
        return {"w": np.zeros(1)}

    def loss(self, x, t):
        return 1.0


class LrSpy:
    def __init__(self, lr):
        self.lr = lr
        self.seen = []

    def update(self, params, grads):
        self.seen.append(self.lr)


def test_minibatches_cover_each_sample_once_per_epoch():
    n, bs = 23, 5
    x = np.arange(n, dtype=np.float32)[:, None]
    t = np.zeros(n, int)
    model = Spy()
    training.train(model, LrSpy(0.1), x, t, 3, bs, seed=7, progress=False)
    per_epoch = math.ceil(n / bs)
    assert len(model.batches) == 3 * per_epoch
    epochs = [
        model.batches[i * per_epoch : (i + 1) * per_epoch] for i in range(3)
    ]
    for batches in epochs:
        assert [len(b) for b in batches] == [5, 5, 5, 5, 3]
        assert sorted(sum(batches, [])) == list(range(n))
    flat = [sum(b, []) for b in epochs]
    assert flat[0] != flat[1] != flat[2]  # reshuffled every epoch
    assert flat[0] != list(range(n))
    # the same seed gives the same order, as numpy's Generator does
    gen = np.random.default_rng(7)
    assert flat[0] == gen.permutation(n).tolist()
    assert flat[1] == gen.permutation(n).tolist()


@pytest.mark.parametrize(
    "schedule, expected",
    [
        (training.StepDecay(3, 0.5), [1, 1, 1, 0.5, 0.5, 0.5, 0.25]),
        (training.ExponentialDecay(0.5), [0.5**e for e in range(7)]),
        (
            training.CosineAnnealing(4, lr_min=0.2),
            [1.0, 0.8828427, 0.6, 0.3171573, 0.2, 0.2, 0.2],
        ),
    ],
)
def test_schedules_set_the_optimizer_lr_each_epoch(schedule, expected):
    x = np.arange(4, dtype=np.float32)[:, None]
    t = np.zeros(4, int)
    opt = LrSpy(1.0)
    h = training.train(
        Spy(), opt, x, t, 7, 2, lr_schedule=schedule, progress=False
    )
    np.testing.assert_allclose(h.lr, expected, rtol=1e-6)
    np.testing.assert_allclose(opt.seen, np.repeat(expected, 2), rtol=1e-6)
    assert opt.lr == 1.0  # base lr restored after training


def test_schedules_match_torch():
    torch = pytest.importorskip("torch")
    sched = torch.optim.lr_scheduler
    cases = [
        (training.StepDecay(4, 0.3), lambda o: sched.StepLR(o, 4, 0.3)),
        (
            training.ExponentialDecay(0.9),
            lambda o: sched.ExponentialLR(o, 0.9),
        ),
        (
            training.CosineAnnealing(10, 0.01),
            lambda o: sched.CosineAnnealingLR(o, 10, eta_min=0.01),
        ),
    ]
    for ours, make in cases:
        opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5)
        theirs = make(opt)
        for epoch in range(11):
            lr = opt.param_groups[0]["lr"]
            assert ours(epoch, 0.5) == pytest.approx(lr, rel=1e-9), (
                type(ours).__name__,
                epoch,
            )
            opt.step()
            theirs.step()


class Scripted:
    """Validation loss follows a script; params record the epoch."""

    def __init__(self, val_losses):
        self.val_losses = list(val_losses)
        self.params = {"w": np.zeros(2)}
        self.epoch = 0
        self.calls = 0

    def gradient(self, x, t):
        return {"w": np.zeros(2)}

    def loss(self, x, t):
        if len(x) == 3:  # validation set
            loss = self.val_losses[self.epoch]
            self.epoch += 1
            return loss
        return 1.0


class Stamp:
    """'Optimizer' writing the number of updates into the params."""

    lr = 0.1

    def __init__(self):
        self.n = 0

    def update(self, params, grads):
        self.n += 1
        params["w"][...] = self.n


def test_early_stopping_stops_and_restores_best_params_in_place():
    x = np.zeros((4, 1))
    t = np.zeros(4, int)
    xv, tv = np.zeros((3, 1)), np.zeros(3, int)
    model = Scripted([5, 4, 3, 3.5, 3.2, 3.1, 1.0, 0.5])
    w = model.params["w"]
    h = training.train(
        model, Stamp(), x, t, 8, 4, xv, tv, early_stopping=3, progress=False
    )
    assert h.stopped_early and h.epochs == 6
    assert h.best_epoch == 3
    assert h.val_loss == [5, 4, 3, 3.5, 3.2, 3.1]
    # one update per epoch: the best epoch's params hold 3, restored in place
    assert model.params["w"] is w
    np.testing.assert_array_equal(w, [3, 3])


def test_min_delta_counts_tiny_improvements_as_none():
    x = np.zeros((4, 1))
    t = np.zeros(4, int)
    xv, tv = np.zeros((3, 1)), np.zeros(3, int)
    model = Scripted([1.0, 0.99, 0.98, 0.97, 0.5])
    h = training.train(
        model,
        Stamp(),
        x,
        t,
        5,
        4,
        xv,
        tv,
        early_stopping=2,
        min_delta=0.05,
        progress=False,
    )
    assert h.stopped_early and h.epochs == 3 and h.best_epoch == 1


def test_without_early_stopping_params_are_the_last_ones():
    x = np.zeros((4, 1))
    t = np.zeros(4, int)
    xv, tv = np.zeros((3, 1)), np.zeros(3, int)
    model = Scripted([1, 2, 3])
    h = training.train(model, Stamp(), x, t, 3, 4, xv, tv, progress=False)
    assert h.best_epoch == 1 and not h.stopped_early
    np.testing.assert_array_equal(model.params["w"], [3, 3])


def test_evaluation_runs_in_inference_mode():
    seen = []

    class WithTrainFlag(SoftmaxRegression):
        def loss(self, x, t, train=True):
            seen.append(train)
            return super().loss(x, t)

    x, t, _, _ = _digits_small()
    training.train(
        WithTrainFlag(64, 10), SGD(0.1), x, t, 2, 100, progress=False
    )
    assert seen == [False, False]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"epochs": 0}, "epochs"),
        ({"batch_size": 0}, "batch_size"),
        ({"t": np.zeros(3, int)}, "サンプル数"),
        ({"x_val": np.zeros((2, 64))}, "x_val と t_val"),
        ({"early_stopping": 2}, "検証データ"),
        (
            {
                "early_stopping": 0,
                "x_val": np.zeros((2, 64)),
                "t_val": np.zeros(2, int),
            },
            "patience|我慢",
        ),
    ],
)
def test_bad_arguments_raise_clear_errors(kwargs, match):
    args = {
        "x": np.zeros((5, 64), np.float32),
        "t": np.zeros(5, int),
        "epochs": 1,
        "batch_size": 2,
    }
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        training.train(
            SoftmaxRegression(64, 10), SGD(0.1), progress=False, **args
        )


def test_schedule_arguments_are_checked():
    with pytest.raises(ValueError, match="step_size"):
        training.StepDecay(0)
    with pytest.raises(ValueError, match="t_max"):
        training.CosineAnnealing(0)


def test_train_with_the_package_mlp_and_optimizer():
    models = pytest.importorskip("nnbook.models")
    optimizers = pytest.importorskip("nnbook.optimizers")
    x, t, xv, tv = _digits_small()
    model = models.MLP([64, 32, 10], seed=0)
    h = training.train(
        model,
        optimizers.SGD(0.1),
        x,
        t,
        10,
        32,
        xv,
        tv,
        lr_schedule=training.CosineAnnealing(10),
        early_stopping=3,
        progress=False,
    )
    assert h.val_acc[-1] > 0.85
    assert h.val_loss[h.best_epoch - 1] == min(h.val_loss)


def test_train_on_the_gpu_matches_the_cpu(xp):
    if xp is np:
        pytest.skip("GPU のときだけ意味がある")
    x, t, xv, tv = _digits_small()
    hs = []
    for dev in ("cpu", "gpu"):
        m = SoftmaxRegression(64, 10)
        m.params = {k: backend.to_device(v, dev) for k, v in m.params.items()}
        put = [backend.to_device(a, dev) for a in (x, t, xv, tv)]
        hs.append(
            training.train(
                m, SGD(0.5), put[0], put[1], 3, 32, *put[2:], progress=False
            )
        )
    np.testing.assert_allclose(hs[0].val_loss, hs[1].val_loss, rtol=1e-4)


_PROGRESS_SCRIPT = """
import sys
import numpy as np
from nnbook import training
class M:
    params = {'w': np.zeros(1)}
    def gradient(self, x, t): return {'w': np.zeros(1)}
    def loss(self, x, t): return 0.0
class O:
    lr = 0.1
    def update(self, p, g): pass
if len(sys.argv) > 2:  # the bar Jupyter gets from tqdm.auto
    import tqdm.auto, tqdm.notebook
    tqdm.auto.tqdm = tqdm.notebook.tqdm
training.train(M(), O(), np.zeros((4, 1)), np.zeros(4), 2, 2,
               progress=sys.argv[1] == 'True')
"""


@pytest.mark.parametrize(
    "progress, env, shown, notebook",
    [
        (False, None, False, False),
        (True, None, True, False),
        (True, "1", False, False),
        (True, "1", False, True),  # tqdm.notebook ignores TQDM_DISABLE
    ],
)
def test_progress_bar_only_when_asked(progress, env, shown, notebook):
    # tqdm reads TQDM_* when it is imported (and the root conftest sets
    # TQDM_DISABLE=1 like the chapter runs), so use a fresh process
    import os
    import subprocess
    import sys

    environ = {k: v for k, v in os.environ.items() if k != "TQDM_DISABLE"}
    if env is not None:
        environ["TQDM_DISABLE"] = env
    r = subprocess.run(
        [sys.executable, "-c", _PROGRESS_SCRIPT, str(progress)]
        + (["notebook"] if notebook else []),
        env=environ,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    if shown:
        assert "学習" in r.stderr and "2/2" in r.stderr
    else:
        assert r.stderr == "" and r.stdout == ""


# ------------------------------------------------------------- ensembles


class _Fixed:
    """A model whose scores are fixed: predict ignores x."""

    def __init__(self, scores):
        self.scores = np.asarray(scores, dtype=float)

    def predict(self, x, train=False):
        assert train is False
        return self.scores


def test_ensemble_proba_averages_softmax_outputs():
    a = _Fixed([[2.0, 0.0], [0.0, 1.0]])
    b = _Fixed([[0.0, 3.0], [1.0, 1.0]])
    p = training.ensemble_proba([a, b], np.zeros((2, 1)))

    def softmax(s):
        e = np.exp(s - s.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    np.testing.assert_allclose(p, (softmax(a.scores) + softmax(b.scores)) / 2)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)


def test_ensemble_can_be_right_where_the_majority_of_scores_is_not():
    """Averaging probabilities, not votes: one confident model wins."""
    unsure = _Fixed([[0.1, 0.0]])  # slightly prefers class 0
    sure = _Fixed([[0.0, 5.0]])  # strongly prefers class 1
    x, t = np.zeros((1, 1)), np.array([1])
    assert training.ensemble_accuracy([unsure, unsure, sure], x, t) == 1.0
    assert training.ensemble_accuracy([unsure], x, np.eye(2)[t]) == 0.0


def test_ensemble_of_trained_mlps_is_at_least_as_good_on_digits():
    from nnbook import models, optimizers

    (x, t), (xv, tv) = datasets.load_digits(seed=0)
    x, t = x[:200], t[:200]
    nets = []
    for seed in range(3):
        net = models.MLP([64, 20, 10], seed=seed)
        training.train(
            net, optimizers.SGD(0.1), x, t, 15, 20, seed=seed, progress=False
        )
        nets.append(net)
    single = [net.accuracy(xv, tv) for net in nets]
    assert training.ensemble_accuracy(nets, xv, tv) >= np.mean(single)


def test_empty_ensemble_is_rejected():
    with pytest.raises(ValueError, match="1 個以上"):
        training.ensemble_proba([], np.zeros((1, 1)))
