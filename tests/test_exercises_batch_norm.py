"""Tests for the chapter 8 checkers (nnbook.exercises.batch_norm)."""

import numpy as np
import pytest
from exercise_helpers import assert_not_implemented, assert_rejected

from nnbook import layers
from nnbook.exercises import batch_norm as check


def _true_81():
    """Run the real layer on the problem's batch."""
    bn = layers.BatchNorm(
        np.array([check.Q8_1_GAMMA]), np.array([check.Q8_1_BETA])
    )
    y = bn.forward(check.Q8_1_X[:, None])
    return float(y.mean()), float(y.var())


def _true_82():
    bn = layers.BatchNorm(np.array([check.Q8_2_GAMMA]), np.zeros(1))
    # x̂ of this x is Q8_2_XN up to the tiny ε effect; use the cache directly
    bn.forward(check.Q8_2_XN[:, None] * 10.0)
    xn = check.Q8_2_XN[:, None]
    bn._cache = (xn, np.ones(1), True)
    bn.backward(check.Q8_2_DOUT[:, None])
    return float(bn.grads["gamma"][0]), float(bn.grads["beta"][0])


def _scale_ratios():
    """Measure how output and ∂L/∂W scale when W is multiplied by 10."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 3))
    W = rng.normal(size=(3, 4))
    dout = rng.normal(size=(8, 4))
    res = []
    for scale in (1.0, 10.0):
        bn = layers.BatchNorm(np.ones(4), np.zeros(4), eps=0.0)
        aff = layers.Affine(scale * W, np.zeros(4))
        y = bn.forward(aff.forward(x))
        aff.backward(bn.backward(dout))
        res.append((y, aff.grads["W"]))
    out = np.abs(res[1][0]).sum() / np.abs(res[0][0]).sum()
    grad = np.abs(res[1][1]).sum() / np.abs(res[0][1]).sum()
    return out, grad


def fold_ok(W, b, gamma, beta, mean, var, eps):
    s = gamma / np.sqrt(var + eps)
    return W * s, (b - mean) * s + beta


GOOD = {
    "q8_1": _true_81,
    "q8_2": _true_82,
    "q8_3": "B",
    "q8_4": _scale_ratios,
    "q8_5": fold_ok,
}


@pytest.mark.parametrize("name", sorted(GOOD))
def test_accepts_the_right_answer(name, capsys):
    assert getattr(check, name)(GOOD[name]).passed is True
    out = capsys.readouterr().out
    assert out.startswith("○") and "正解です" in out


def test_value_answers_can_be_plain_values(capsys):
    assert check.q8_1(_true_81()).passed
    assert check.q8_2(list(_true_82())).passed
    assert check.q8_3(" b ").passed
    assert check.q8_4(np.array([1.0, 0.1])).passed
    assert check.q8_1((1.0, 4.0)).passed  # rounded is fine (rtol 1e-3)


WRONG = [
    ("q8_1", (0.0, 1.0), "正規化した直後"),
    ("q8_1", (2.0, 1.0), "入れ替わって"),
    ("q8_1", (1.0, 2.0), "γ 倍"),
    ("q8_1", (4.0, 4.0), "入力 x の平均"),
    ("q8_1", (1.0, 3.0), "出力の分散"),
    ("q8_2", (1.0, 0.7), "入れ替わって"),
    ("q8_2", (0.175, 0.25), "平均"),
    ("q8_2", (1.4, 2.0), "γ が掛かって"),
    ("q8_2", (0.7, 0.9), "∂L/∂β"),
    ("q8_2", (0.6, 1.0), "∂L/∂γ"),
    ("q8_3", "A", "初期値"),
    ("q8_3", "C", "ReLU"),
    ("q8_3", "D", "平均を引く"),
    ("q8_3", "E", "A, B, C, D"),
    ("q8_3", 2, "A, B, C, D"),
    ("q8_4", (10.0, 0.1), "10 倍"),
    ("q8_4", (1.0, 10.0), "倍率 10"),
    ("q8_4", (1.0, 1.0), "倍率 1"),
    ("q8_4", (1.0, 0.01), "∂L/∂W の倍率"),
    ("q8_1", "1, 4", "2 つの数"),
    ("q8_1", (1.0, float("nan")), "nan"),
    (
        "q8_5",
        lambda W, b, g, be, m, v, e: (
            W * g / np.sqrt(v),
            (b - m) * g / np.sqrt(v) + be,
        ),
        "ε",
    ),
    (
        "q8_5",
        lambda W, b, g, be, m, v, e: fold_ok(W, 0 * b, g, be, m, v, e),
        "バイアス b",
    ),
    (
        "q8_5",
        lambda W, b, g, be, m, v, e: (
            W * g / (v + e),
            (b - m) * g / (v + e) + be,
        ),
        "x @ W2 + b2",
    ),
    (
        "q8_5",
        lambda W, b, g, be, m, v, e: (fold_ok(W, b, g, be, m, v, e)[0].T, b),
        "形",
    ),
    ("q8_5", lambda W, b, g, be, m, v, e: W, "(W2, b2)"),
]


@pytest.mark.parametrize(
    ("name", "answer", "fragment"),
    WRONG,
    ids=[f"{w[0]}-{i}" for i, w in enumerate(WRONG)],
)
def test_rejects_typical_mistakes(name, answer, fragment, capsys):
    assert_rejected(capsys, getattr(check, name)(answer), fragment)


@pytest.mark.parametrize("name", sorted(GOOD))
def test_blank_answer_says_not_implemented(name, capsys):
    def blank(*args):
        raise NotImplementedError("ここを実装してください")

    assert_not_implemented(capsys, getattr(check, name)(blank))


@pytest.mark.parametrize("name", ["q8_1", "q8_2", "q8_3", "q8_4"])
def test_none_says_not_implemented(name, capsys):
    assert_not_implemented(capsys, getattr(check, name)(None))


@pytest.mark.parametrize("name", ["q8_1", "q8_2", "q8_3", "q8_4"])
def test_reader_placeholder_says_not_answered_yet(name, capsys):
    result = getattr(check, name)(...)  # what the reader version holds
    out = capsys.readouterr().out
    assert result.passed is False
    assert out.startswith("△") and "まだ答えが書かれていません" in out


def test_wrong_answers_never_reveal_the_expected_values(capsys):
    check.q8_1((1.0, 3.0))
    check.q8_2((0.6, 0.5))
    out = capsys.readouterr().out
    assert "3.99" not in out and "4.0" not in out
    assert "0.7" not in out
