"""Each checker of chapter 2 accepts correct answers, rejects typical wrong
answers (False and × with a ヒント: hint, never the answer, never a traceback)
and answers NotImplementedError with the △ message."""

import numpy as np
import pytest
from exercise_helpers import assert_not_implemented, assert_rejected

from nnbook import activations
from nnbook.exercises import activations as check


def not_implemented(*args, **kwargs):
    raise NotImplementedError("ここを実装してください")


def assert_accepted(capsys, ok):
    out = capsys.readouterr().out
    assert ok.passed is True, out
    assert out.startswith("○"), out


@pytest.mark.parametrize(
    "checker",
    [check.sigmoid, check.softmax, check.leaky_relu_grad],
    ids=lambda c: c.__name__,
)
def test_not_implemented_prints_pencil(checker, capsys):
    assert_not_implemented(capsys, checker(not_implemented))


# ------------------------------------------------------------- sigmoid


def stable_sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def test_sigmoid_accepts_correct_answers(capsys):
    assert_accepted(capsys, check.sigmoid(stable_sigmoid))
    assert_accepted(capsys, check.sigmoid(activations.sigmoid))

    def via_tanh(x):  # σ(x) = (1 + tanh(x/2)) / 2 も安定
        return 0.5 * (1 + np.tanh(0.5 * x))

    assert_accepted(capsys, check.sigmoid(via_tanh))


def test_sigmoid_rejects_naive_overflowing_formula(capsys):
    def naive(x):
        return 1 / (1 + np.exp(-x))

    assert_rejected(capsys, check.sigmoid(naive), "±1e4", "overflow")


def test_sigmoid_rejects_where_with_overflowing_branch(capsys):
    def both_branches(x):  # np.where は両方の式を計算する
        return np.where(
            x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x))
        )

    out = assert_rejected(capsys, check.sigmoid(both_branches), "overflow")
    assert "np.where" in out


def test_sigmoid_rejects_wrong_formula_and_shape(capsys):
    def wrong_sign(x):
        return 1 / (1 + np.exp(np.minimum(x, 700)))

    assert_rejected(capsys, check.sigmoid(wrong_sign), "値が違います")

    def scalar_only(x):
        return stable_sigmoid(np.ravel(x))

    assert_rejected(capsys, check.sigmoid(scalar_only), "形")

    def no_return(x):
        _ = stable_sigmoid(x)

    assert_rejected(capsys, check.sigmoid(no_return), "return")


# ------------------------------------------------------------- softmax


def stable_softmax(x):
    z = x - x.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def test_softmax_accepts_correct_answers(capsys):
    assert_accepted(capsys, check.softmax(stable_softmax))
    assert_accepted(capsys, check.softmax(activations.softmax))


def test_softmax_rejects_missing_max_trick(capsys):
    def naive(x):
        e = np.exp(x)
        return e / e.sum(axis=-1, keepdims=True)

    out = assert_rejected(capsys, check.softmax(naive), "1010", "overflow")
    assert "最大値を引いて" in out


def test_softmax_rejects_global_max_and_global_sum(capsys):
    def global_max(x):
        e = np.exp(x - x.max())
        return e / e.sum(axis=-1, keepdims=True)

    assert_rejected(capsys, check.softmax(global_max), "行ごとの最大値")

    def global_sum(x):
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum()

    assert_rejected(capsys, check.softmax(global_sum), "各行の和が1")

    def sigmoid_instead(x):
        return activations.sigmoid(x)

    assert_rejected(capsys, check.softmax(sigmoid_instead), "値が違います")


# ------------------------------------------------- leaky_relu_grad


def leaky_relu_grad(x, alpha=0.01):
    return np.where(x > 0, 1.0, alpha)


def test_leaky_relu_grad_accepts_correct_answers(capsys):
    assert_accepted(capsys, check.leaky_relu_grad(leaky_relu_grad))
    assert_accepted(capsys, check.leaky_relu_grad(activations.leaky_relu_grad))


def test_leaky_relu_grad_rejects_function_values(capsys):
    def values_not_slopes(x, alpha=0.01):
        return np.where(x > 0, x, alpha * x)

    out = assert_rejected(capsys, check.leaky_relu_grad(values_not_slopes))
    assert "傾き" in out


def test_leaky_relu_grad_rejects_hard_coded_alpha(capsys):
    def hard_coded(x, alpha=0.01):
        return np.where(x > 0, 1.0, 0.01)

    assert_rejected(capsys, check.leaky_relu_grad(hard_coded), "alpha=0.2")


def test_leaky_relu_grad_rejects_other_convention_at_zero(capsys):
    def one_at_zero(x, alpha=0.01):
        return np.where(x >= 0, 1.0, alpha)

    assert_rejected(capsys, check.leaky_relu_grad(one_at_zero), "x = 0")


def test_leaky_relu_grad_rejects_in_place_modification(capsys):
    def in_place(x, alpha=0.01):
        x[x > 0] = 1.0
        x[x <= 0] = alpha
        return x

    assert_rejected(capsys, check.leaky_relu_grad(in_place), "書き換え")


def test_leaky_relu_grad_rejects_relu_grad(capsys):
    assert_rejected(
        capsys, check.leaky_relu_grad(activations.relu_grad), "値が違います"
    )
