"""Tests for the chapter 4 checkers (nnbook.exercises.gradient)."""

import numpy as np
import pytest
from exercise_helpers import assert_not_implemented, assert_rejected

from nnbook import models
from nnbook.exercises import gradient as check


def _not_yet(*args):
    raise NotImplementedError("ここを実装してください")


GOOD = {
    "mul_backward": lambda x, y, dout: (dout * y, dout * x),
    "largest_stable_lr": lambda: 0.25,
    "central_difference": lambda f, x, h=1e-4: (f(x + h) - f(x - h)) / (2 * h),
    "loss_evaluations": lambda: 15020,
}


@pytest.mark.parametrize("name", sorted(GOOD))
def test_accepts_a_correct_answer(name, capsys):
    assert getattr(check, name)(GOOD[name]).passed is True
    out = capsys.readouterr().out
    assert out.startswith("✅") and "正解です" in out


@pytest.mark.parametrize("name", sorted(GOOD))
def test_says_not_implemented(name, capsys):
    assert_not_implemented(capsys, getattr(check, name)(_not_yet))


def test_parameter_count_matches_the_package_mlp():
    mlp = models.MLP([64, 100, 10])
    n = sum(p.size for p in mlp.params.values())
    assert n == check.MLP_PARAMETERS == 7510


def test_accepts_numpy_scalars_and_lists_for_mul():
    assert check.largest_stable_lr(lambda: np.float32(0.25)).passed
    assert check.mul_backward(lambda x, y, d: [d * y, d * x]).passed


WRONG = [
    ("mul_backward", lambda x, y, d: (d * x, d * y), "入れ替わって"),
    ("mul_backward", lambda x, y, d: (y, x), "dout が掛かって"),
    ("mul_backward", lambda x, y, d: (d * y + 0.1, d * x), "dx"),
    ("mul_backward", lambda x, y, d: d * y, "2 つ組"),
    ("mul_backward", lambda x, y, d: (d * y, d * x, 0), "2 つ組"),
    ("largest_stable_lr", lambda: 2.0, "平らな方向"),
    ("largest_stable_lr", lambda: 0.5, "係数 4"),
    ("largest_stable_lr", lambda: 0.125, "1/λ"),
    ("largest_stable_lr", lambda: 1.0, "平らな方向の値"),
    ("largest_stable_lr", lambda: 0.3, "値が違います"),
    ("largest_stable_lr", lambda: "0.25", "数として読めません"),
    (
        "central_difference",
        lambda f, x, h=1e-4: (f(x + h) - f(x)) / h,
        "前進差分",
    ),
    (
        "central_difference",
        lambda f, x, h=1e-4: (f(x) - f(x - h)) / h,
        "前進差分",
    ),
    (
        "central_difference",
        lambda f, x, h=1e-4: (f(x + h) - f(x - h)) / h,
        "2 倍",
    ),
    (
        "central_difference",
        lambda f, x, h=1e-4: (f(x + h) - f(x - h)) / (2 * h) + 1e-3,
        "値が違います",
    ),
    (
        "central_difference",
        lambda f, x, h=1e-4: (
            (f(x + h) - f(x - h)) / (2 * h)
            if np.isscalar(x)
            else float(f(x[0] + h) - f(x[0] - h)) / (2 * h)
        ),
        "配列",
    ),
    ("loss_evaluations", lambda: 7510, "パラメータの数と同じ"),
    ("loss_evaluations", lambda: 14800, "バイアス"),
    ("loss_evaluations", lambda: 2, "誤差逆伝播法"),
    ("loss_evaluations", lambda: 15000, "値が違います"),
]


@pytest.mark.parametrize(
    "name, fn, fragment",
    WRONG,
    ids=[f"{w[0]}-{i}" for i, w in enumerate(WRONG)],
)
def test_rejects_typical_mistakes(name, fn, fragment, capsys):
    assert_rejected(capsys, getattr(check, name)(fn), fragment)


def test_reader_error_becomes_a_hint(capsys):
    def broken(x, y, dout):
        return dout * z  # noqa: F821

    assert_rejected(capsys, check.mul_backward(broken), "NameError")
