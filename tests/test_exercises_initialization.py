"""Tests for the chapter 7 checkers (nnbook.exercises.initialization)."""

import math

import numpy as np
import pytest
from exercise_helpers import assert_not_implemented, assert_rejected

from nnbook.exercises import initialization as check


def _standardize(x_train, x_test):
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return (x_train - mean) / std, (x_test - mean) / std


def _eps(x_train, x_test):
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    return (x_train - mean) / (std + 1e-8), (x_test - mean) / (std + 1e-8)


def _naive(x_train, x_test):
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    return (x_train - mean) / std, (x_test - mean) / std


def _test_stats(x_train, x_test):
    return _standardize(x_train, x_train)[0], _standardize(x_test, x_test)[0]


def _in_place(x_train, x_test):
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    x_test -= mean
    x_test /= std
    return (x_train - mean) / std, x_test


def _ddof1(x_train, x_test):
    mean, std = x_train.mean(axis=0), x_train.std(axis=0, ddof=1)
    std = np.where(std > 0, std, 1.0)
    return (x_train - mean) / std, (x_test - mean) / std


GOOD = [
    ("q7_1", 2 / 50),
    ("q7_1", 0.04),
    ("q7_2", 1 / 6),
    ("q7_3", 2**-5),
    ("q7_3", 0.03125),
    ("q7_4", "C"),
    ("q7_4", " c "),
    ("q7_5", 0.98),
    ("q7_6", _standardize),
]


@pytest.mark.parametrize(("name", "answer"), GOOD)
def test_accepts_a_correct_answer(name, answer, capsys):
    assert getattr(check, name)(answer).passed is True
    out = capsys.readouterr().out
    assert out.startswith("○") and "正解です" in out


WRONG = [
    ("q7_1", 1 / 50, "恒等関数"),
    ("q7_1", math.sqrt(2 / 50), "標準偏差"),
    ("q7_1", 2 / 150, "Glorot"),
    ("q7_1", 0.5, "Var[z]"),
    ("q7_2", 1 / 2, "a²/3"),
    ("q7_2", 6.0, "逆"),
    ("q7_2", 1 / math.sqrt(6), "標準偏差"),
    ("q7_3", 1.0, "保たれる"),
    ("q7_3", 2**-10, "2 乗平均そのもの"),
    ("q7_3", 2**-4.5, "9 層"),
    ("q7_3", 0.5**9, "1/√2"),
    ("q7_3", 0.1, "10 回"),
    ("q7_4", "A", "同じ"),
    ("q7_4", "B", "0 にした"),
    ("q7_4", "E", "A, B, C, D"),
    ("q7_4", 3, "A, B, C, D"),
    ("q7_5", 0.02, "誤り"),
    ("q7_5", 98, "百分率"),
    ("q7_5", 0.5, "980"),
    ("q7_1", "よんぱーせんと", "1 つの数"),
    ("q7_1", True, "True/False"),
    ("q7_6", _naive, "nan"),
    ("q7_6", _eps, "1/eps"),
    ("q7_6", _test_stats, "テストデータ自身"),
    ("q7_6", _in_place, "書き換えて"),
    ("q7_6", _ddof1, "N で割る"),
    ("q7_6", lambda a, b: a, "2 つ組"),
]


@pytest.mark.parametrize(("name", "answer", "fragment"), WRONG)
def test_rejects_typical_mistakes(name, answer, fragment, capsys):
    assert_rejected(capsys, getattr(check, name)(answer), fragment)


@pytest.mark.parametrize("name", ["q7_1", "q7_2", "q7_3", "q7_4", "q7_5"])
def test_ellipsis_means_not_answered_yet(name, capsys):
    result = getattr(check, name)(...)
    out = capsys.readouterr().out
    assert result.passed is False
    assert out.startswith("△") and "まだ答えが書かれていません" in out


def test_unimplemented_function(capsys):
    def standardize(x_train, x_test):
        raise NotImplementedError("ここを実装してください")

    assert_not_implemented(capsys, check.q7_6(standardize))
