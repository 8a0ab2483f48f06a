"""Tests for the chapter 6 checkers (nnbook.exercises.regularization)."""

import numpy as np
import pytest
from exercise_helpers import assert_not_implemented, assert_rejected

from nnbook.exercises import regularization as check


def _soft(w, c):
    return np.sign(w) * np.maximum(np.abs(w) - c, 0.0)


def _early(losses, patience):
    best, best_epoch, wait = float("inf"), 0, 0
    for epoch, loss in enumerate(losses, start=1):
        if loss < best:
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if wait >= patience:
                return best_epoch, epoch
    return best_epoch, len(losses)


GOOD = [
    ("q6_1", lambda: 1 - 0.1 * 0.01),
    ("q6_1", 0.999),  # a plain value is accepted too
    ("q6_2", lambda: 50),
    ("q6_3", lambda: (1.25, "A")),
    ("q6_3", lambda: [1 / 0.8, " a "]),
    ("q6_4", _soft),
    ("q6_5", _early),
]


@pytest.mark.parametrize(("name", "answer"), GOOD)
def test_accepts_a_correct_answer(name, answer, capsys):
    assert getattr(check, name)(answer).passed is True
    out = capsys.readouterr().out
    assert out.startswith("✅") and "正解です" in out


def _hard(w, c):
    return np.where(np.abs(w) > c, w, 0.0)


def _no_sign(w, c):
    return np.maximum(np.abs(w) - c, 0.0)


def _in_place(w, c):
    w[...] = _soft(w, c)
    return w


def _zero_based(losses, patience):
    best, stop = _early(losses, patience)
    return best - 1, stop - 1


def _returns_last(losses, patience):
    _, stop = _early(losses, patience)
    return stop, stop


def _ties_improve(losses, patience):
    best, best_epoch, wait = float("inf"), 0, 0
    for epoch, loss in enumerate(losses, start=1):
        if loss <= best:
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if wait >= patience:
                return best_epoch, epoch
    return best_epoch, len(losses)


WRONG = [
    ("q6_1", lambda: 0.99, "学習率"),
    ("q6_1", lambda: 0.9995, "1/2"),
    ("q6_1", lambda: 0.9, "α"),
    ("q6_1", lambda: 1.001, "縮み"),
    ("q6_1", lambda: "大きい", "数"),
    ("q6_2", lambda: 64, "Φ"),
    ("q6_2", lambda: 100, "50 枚"),
    ("q6_2", lambda: 200, "最小ノルム"),
    ("q6_2", lambda: 20, "P = N"),
    ("q6_3", lambda: (0.8, "A"), "逆数"),
    ("q6_3", lambda: (5, "A"), "残す確率"),
    ("q6_3", lambda: (1.25, "B"), "期待値"),
    ("q6_3", lambda: (1.25, "C"), "期待値"),
    ("q6_3", lambda: 1.25, "2 つ組"),
    ("q6_4", _hard, "ハード閾値"),
    ("q6_4", _no_sign, "符号"),
    ("q6_4", _in_place, "書き換え"),
    ("q6_4", lambda w, c: np.clip(w, -c, c), "値が違います"),
    ("q6_5", _zero_based, "1 から"),
    ("q6_5", _returns_last, "最小"),
    ("q6_5", _ties_improve, "同じ値"),
    ("q6_5", lambda losses, p: len(losses), "2 つ組"),
]


@pytest.mark.parametrize(("name", "answer", "fragment"), WRONG)
def test_rejects_typical_mistakes(name, answer, fragment, capsys):
    result = getattr(check, name)(answer)
    assert_rejected(capsys, result, fragment)


@pytest.mark.parametrize("name", ["q6_1", "q6_2", "q6_3", "q6_4", "q6_5"])
def test_blank_answer_says_not_implemented(name, capsys):
    def blank(*args):
        raise NotImplementedError("ここを実装してください")

    assert_not_implemented(capsys, getattr(check, name)(blank))


def test_answers_are_not_printed(capsys):
    check.q6_1(lambda: 0.5)
    check.q6_2(lambda: 10)
    out = capsys.readouterr().out
    assert "0.999" not in out
    assert "50" not in out.replace("50 枚", "")
