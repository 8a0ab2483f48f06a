"""Tests for the chapter 5 checkers (nnbook.exercises.optimizers)."""

import math

import numpy as np
import pytest
from exercise_helpers import assert_not_implemented, assert_rejected

from nnbook import optimizers
from nnbook.exercises import optimizers as check


def good_adam(p, m, v, g, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def test_reference_answer_of_5_3_is_nnbook_adam():
    """The checker's notion of 'right' is the package's (torch-tested) Adam."""
    gen = np.random.default_rng(0)
    p = gen.normal(size=3)
    ours = {"p": p.copy()}
    opt = optimizers.Adam(lr=0.1, beta1=0.9, beta2=0.999, eps=0.1)
    m = v = np.zeros(3)
    for t in range(1, 8):
        g = gen.normal(size=3)
        opt.update(ours, {"p": g})
        p, m, v = good_adam(p, m, v, g, t, 0.1, 0.9, 0.999, 0.1)
    np.testing.assert_allclose(ours["p"], p, rtol=1e-12)


@pytest.mark.parametrize(
    ("name", "answer"),
    [
        ("q5_1", 1 - 0.9**3),
        ("q5_1", 0.271),
        ("q5_2", "C"),
        ("q5_2", " c "),
        ("q5_3", good_adam),
        ("q5_4", 0.01),
        ("q5_4", 0.1 / math.sqrt(100)),
    ],
)
def test_accepts_right_answers(capsys, name, answer):
    assert getattr(check, name)(answer).passed is True
    assert capsys.readouterr().out.startswith("○")


def efficient_adam(p, m, v, g, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    lr_t = lr * math.sqrt(1 - beta2**t) / (1 - beta1**t)
    return p - lr_t * m / (np.sqrt(v) + eps), m, v


def uncorrected_adam(p, m, v, g, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    return p - lr * m / (np.sqrt(v) + eps), m, v


def in_place_adam(p, m, v, g, t, lr, beta1, beta2, eps):
    g *= 1.0
    g += 0.0 * g
    g[...] = g * 1.0000001
    return good_adam(p, m, v, g, t, lr, beta1, beta2, eps)


def swapped_adam(p, m, v, g, t, lr, beta1, beta2, eps):
    return good_adam(p, m, v, g, t, lr, beta2, beta1, eps)


@pytest.mark.parametrize(
    ("name", "answer", "fragment"),
    [
        ("q5_1", 0.9**3, "重みの残り"),
        ("q5_1", 0.1, "t = 1"),
        ("q5_1", 1.0, "1 に届きません"),
        ("q5_1", 0.5, "等比数列"),
        ("q5_1", "abc", "数として"),
        ("q5_1", None, "まだ答え"),
        ("q5_2", "A", "SGD は最後"),
        ("q5_2", "B", "1 番ではありません"),
        ("q5_2", "D", "選択肢"),
        ("q5_3", efficient_adam, "効率"),
        ("q5_3", uncorrected_adam, "偏り補正"),
        ("q5_3", in_place_adam, "書き換えて"),
        ("q5_3", swapped_adam, "t = 1 の m"),
        ("q5_3", lambda *a: a[0], "3 つ組"),
        ("q5_4", 0.02, "打ち消し"),
        ("q5_4", 0.001, "√t"),
        ("q5_4", 0.1, "1 回目"),
        ("q5_4", 0.2, "SGD"),
        ("q5_4", 0.05, "lr·g/√h_t"),
    ],
)
def test_rejects_typical_mistakes(capsys, name, answer, fragment):
    assert_rejected(capsys, getattr(check, name)(answer), fragment)


@pytest.mark.parametrize("name", ["q5_1", "q5_2", "q5_4"])
def test_ellipsis_means_not_answered_yet(capsys, name):
    result = getattr(check, name)(...)
    out = capsys.readouterr().out
    assert result.passed is False
    assert out.startswith("△") and "まだ答えが書かれていません" in out


def test_not_implemented_is_reported_without_traceback(capsys):
    def blank(*args):
        raise NotImplementedError("ここを実装してください")

    assert_not_implemented(capsys, check.q5_3(blank))
