"""Tests for the chapter 4 checkers (nnbook.exercises.gradient)."""

import numpy as np
import pytest
from exercise_helpers import assert_not_implemented, assert_rejected

from nnbook import descent, models, objectives
from nnbook.exercises import gradient as check


def _central(f, x, h=1e-4):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def _forward(f, x, h=1e-4):
    grad, base = np.zeros_like(x), f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        grad[i] = (f(x) - base) / h
        x[i] = old
    return grad


def _no_two(f, x, h=1e-4):
    return 2 * h * _central(f, x, h) / h


def _no_restore(f, x, h=1e-4):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        grad[i] = (f_plus - f(x)) / (2 * h)  # x[i] stays at old − h
    return grad


def _all_at_once(f, x, h=1e-4):
    d = (f(x + h) - f(x - h)) / (2 * h)
    return np.full_like(x, d)


def _flat_only(f, x, h=1e-4):
    if x.ndim != 1:
        return np.zeros(x.size)
    return _central(f, x, h)


def _not_yet(*args):
    raise NotImplementedError("ここを実装してください")


# --------------------------------------------------- the right answers


def test_right_answers_come_from_the_package_not_from_memory():
    """0.25 separates convergence from divergence; 15020 = 2 × params."""
    bowl = objectives.Quadratic(1.0, 8.0)  # 0.5 x1² + 4 x2²
    start = np.array([1.0, 1.0])
    below = descent.gradient_descent(bowl.grad, start, 0.249, 2000)[-1]
    above = descent.gradient_descent(bowl.grad, start, 0.251, 2000)[-1]
    assert bowl(below) < 1e-12 and bowl(above) > 1.0
    mlp = models.MLP([64, 100, 10])
    n = sum(p.size for p in mlp.params.values())
    assert n == check.MLP_PARAMETERS == 7510


@pytest.mark.parametrize(
    "name, right",
    [
        ("mul_backward", (-1.0, 1.5)),
        ("mul_backward", [-1, 1.5]),
        ("mul_backward", (np.float32(-1.0), np.float64(1.5))),
        ("largest_stable_lr", 0.25),
        ("largest_stable_lr", 2 / 8),
        ("loss_evaluations", 15020),
        ("numerical_gradient", _central),
    ],
)
def test_accepts_a_correct_answer(name, right, capsys):
    assert getattr(check, name)(right).passed is True
    out = capsys.readouterr().out
    assert out.startswith("○") and "正解です" in out


@pytest.mark.parametrize(
    "name", ["mul_backward", "largest_stable_lr", "loss_evaluations"]
)
def test_unanswered_ellipsis(name, capsys):
    result = getattr(check, name)(...)
    out = capsys.readouterr().out
    assert result.passed is False and out.startswith("△")


def test_not_implemented_function(capsys):
    assert_not_implemented(capsys, check.numerical_gradient(_not_yet))


WRONG = [
    ("mul_backward", (1.5, -1.0), "入れ替わって"),
    ("mul_backward", (-2.0, 3.0), "局所的な勾配"),
    ("mul_backward", (0.5, 0.5), "加算ノード"),
    ("mul_backward", (-1.0, 1.0), "∂L/∂y"),
    ("mul_backward", -1.0, "2 つの数の組"),
    ("mul_backward", (-1.0, 1.5, 0.0), "2 つの数の組"),
    ("mul_backward", ("a", "b"), "2 つの数の組"),
    ("largest_stable_lr", 2.0, "平らな方向"),
    ("largest_stable_lr", 0.5, "係数 4"),
    ("largest_stable_lr", 0.125, "1 回で最小値"),
    ("largest_stable_lr", 1.0, "平らな方向の値"),
    ("largest_stable_lr", 0.3, "ではありません"),
    ("largest_stable_lr", "0.25", "数を 1 つ"),
    ("loss_evaluations", 7510, "2 回"),
    ("loss_evaluations", 14800, "b1"),
    ("loss_evaluations", 2, "誤差逆伝播法"),
    ("loss_evaluations", 15000, "ではありません"),
    ("numerical_gradient", _forward, "前進差分"),
    ("numerical_gradient", _no_two, "2 倍"),
    ("numerical_gradient", _no_restore, "元の値に戻して"),
    ("numerical_gradient", _all_at_once, "1 つの要素だけ"),
    ("numerical_gradient", _flat_only, "行列"),
]


@pytest.mark.parametrize(
    "name, wrong, fragment",
    WRONG,
    ids=[f"{w[0]}-{i}" for i, w in enumerate(WRONG)],
)
def test_rejects_typical_mistakes(name, wrong, fragment, capsys):
    out = assert_rejected(capsys, getattr(check, name)(wrong), fragment)
    # the right answer is never shown (unless the reader typed it as text)
    right = {
        "mul_backward": "(-1.0, 1.5)",
        "largest_stable_lr": "0.25",
        "loss_evaluations": "15020",
        "numerical_gradient": "256",
    }[name]
    assert right not in out or right in repr(wrong)


def test_reader_error_becomes_a_hint(capsys):
    def broken(f, x, h=1e-4):
        return f(x) / zero  # noqa: F821

    assert_rejected(capsys, check.numerical_gradient(broken), "NameError")
