"""Tests for the chapter 9 checkers (nnbook.exercises.metric_learning)."""

import numpy as np
import pytest
from exercise_helpers import assert_not_implemented, assert_rejected

from nnbook.exercises import metric_learning as check


def batch_hard(d, t):
    same = t[:, None] == t[None, :]
    pos = same & ~np.eye(len(t), dtype=bool)
    p = np.where(pos, d, -np.inf).argmax(axis=1)
    n = np.where(~same, d, np.inf).argmin(axis=1)
    return p, n


def _accepted(capsys, result):
    out = capsys.readouterr().out
    assert result.passed is True, out
    assert out.startswith("✅") and "正解です" in out


@pytest.mark.parametrize(
    ("name", "answer"),
    [
        ("q9_1", (0.4, -0.8)),
        ("q9_1", np.array([0.4, -0.8])),
        ("q9_2", "A"),
        ("q9_2", " a "),
        ("q9_3", 0.4),
        ("q9_4", batch_hard),
    ],
)
def test_accepts_right_answers(name, answer, capsys):
    _accepted(capsys, getattr(check, name)(answer))


def test_q9_1_answer_is_the_package_gradient():
    q = check.Q9_1_TRIPLET
    a, p, n = q["a"], q["p"], q["n"]
    expected = (a - p) / np.linalg.norm(a - p) - (a - n) / np.linalg.norm(
        a - n
    )
    np.testing.assert_allclose(expected, [0.4, -0.8])


def _nearest_positive(d, t):
    same = t[:, None] == t[None, :]
    pos = same & ~np.eye(len(t), dtype=bool)
    return np.where(pos, d, np.inf).argmin(axis=1), batch_hard(d, t)[1]


def _self_positive(d, t):
    return np.arange(len(t)), batch_hard(d, t)[1]


def _farthest_negative(d, t):
    same = t[:, None] == t[None, :]
    return batch_hard(d, t)[0], np.where(~same, d, -np.inf).argmax(axis=1)


@pytest.mark.parametrize(
    ("name", "answer", "fragment"),
    [
        ("q9_1", (-0.4, 0.8), "符号が逆"),
        ("q9_1", (-4.0, -8.0), "2 乗"),
        ("q9_1", (0.0, 0.0), "0 ではありません"),
        ("q9_1", (0.6, 0.8), "値が違います"),
        ("q9_1", (0.4,), "2 個の数で"),
        ("q9_2", "B", "本文の表"),
        ("q9_2", "D", '"A", "B", "C"'),
        ("q9_3", 0.2, "変わらない"),
        ("q9_3", 0.1, "2 で割る"),
        ("q9_3", 0.8, "値が違います"),
        ("q9_3", "たくさん", "1 つの数"),
        ("q9_4", _nearest_positive, "最も近い正例"),
        ("q9_4", _self_positive, "自分自身"),
        ("q9_4", _farthest_negative, "最も遠い負例"),
        ("q9_4", lambda d, t: batch_hard(d, t)[0], "2 つの配列"),
        ("q9_4", lambda d, t: 1 / 0, "ZeroDivisionError"),
    ],
)
def test_rejects_typical_mistakes(name, answer, fragment, capsys):
    assert_rejected(capsys, getattr(check, name)(answer), fragment)


def test_not_implemented_and_not_answered(capsys):
    def todo(d, t):
        raise NotImplementedError("ここを実装してください")

    assert_not_implemented(capsys, check.q9_4(todo))
    result = check.q9_3(...)
    out = capsys.readouterr().out
    assert result.passed is False and out.startswith("✏️")
