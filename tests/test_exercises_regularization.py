"""Tests for the chapter 6 checkers (nnbook.exercises.regularization)."""

import numpy as np
import pytest
from exercise_helpers import assert_not_implemented, assert_rejected

from nnbook.backend import to_numpy
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
    ("q6_1", 1 - 0.1 * 0.01),
    ("q6_1", 0.999),
    ("q6_2", 50),
    ("q6_2", 50.0),
    ("q6_3", (1.25, "A")),
    ("q6_3", [1 / 0.8, " a "]),
    ("q6_4", _soft),
    ("q6_5", _early),
]


@pytest.mark.parametrize(("name", "answer"), GOOD)
def test_accepts_a_correct_answer(name, answer, capsys):
    assert getattr(check, name)(answer).passed is True
    out = capsys.readouterr().out
    assert out.startswith("○") and "正解です" in out


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
    ("q6_1", 0.99, "学習率"),
    ("q6_1", 0.9995, "1/2"),
    ("q6_1", 0.9, "α"),
    ("q6_1", 1.001, "縮み"),
    ("q6_1", 0.5, "導出"),
    ("q6_1", "0.999", "数を 1 つ"),
    ("q6_2", 64, "Φ"),
    ("q6_2", 100, "50 枚"),
    ("q6_2", 10, "クラス"),
    ("q6_2", 200, "最小ノルム"),
    ("q6_2", 20, "P = N"),
    ("q6_3", (0.8, "A"), "逆数"),
    ("q6_3", (5, "A"), "残す確率"),
    ("q6_3", (1.2, "A"), "期待値"),
    ("q6_3", (1.25, "B"), "期待値"),
    ("q6_3", (1.25, "C"), "期待値"),
    ("q6_3", (1.25, "D"), "A, B, C"),
    ("q6_3", 1.25, "2 つ組"),
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


@pytest.mark.parametrize("name", ["q6_4", "q6_5"])
def test_blank_function_says_not_implemented(name, capsys):
    def blank(*args):
        raise NotImplementedError("ここを実装してください")

    assert_not_implemented(capsys, getattr(check, name)(blank))


@pytest.mark.parametrize("name", ["q6_1", "q6_2", "q6_3"])
def test_blank_value_says_not_answered(name, capsys):
    result = getattr(check, name)(...)
    out = capsys.readouterr().out
    assert result.passed is False
    assert out.startswith("△") and "まだ答えが書かれていません" in out


def test_answers_are_not_printed(capsys):
    check.q6_1(0.5)
    check.q6_2(30)
    check.q6_3((1.25, "B"))
    out = capsys.readouterr().out
    assert "0.999" not in out
    assert "50" not in out.replace("50 枚", "")
    assert "A ではありません" not in out and "正解は A" not in out


# ---------------------------------- the expected values come from the package


def test_expected_values_are_what_the_package_computes():
    from nnbook import datasets, layers, optimizers, random_features

    # 6.1: SGD with weight decay multiplies w by 1 − ηα (data gradient 0)
    p = {"w": np.array([2.0])}
    optimizers.SGD(lr=0.1, weight_decay=0.01).update(p, {"w": np.zeros(1)})
    assert p["w"][0] / 2.0 == pytest.approx(0.999, rel=1e-12)
    # 6.3: Dropout(0.2) keeps values multiplied by 1.25
    out = layers.Dropout(0.2, seed=0).forward(np.ones((1, 1000)), train=True)
    assert set(np.unique(out)) == {0.0, 1.25}
    # 6.2: with 50 training images the min-norm test error peaks at P = 50
    (x, t), (xt, tt) = (
        tuple(map(to_numpy, pair)) for pair in datasets.load_digits(seed=0)
    )
    order = np.random.default_rng(0).permutation(len(x))[:50]
    raw = x[order].astype(np.float64)
    mean = raw.mean(axis=0)
    ps = [10, 20, 30, 40, 50, 60, 80, 100, 200, 500, 1000]
    _, err = random_features.double_descent(
        raw - mean,
        np.eye(10)[t[order]],
        xt.astype(np.float64) - mean,
        np.eye(10)[tt],
        ps,
        seeds=range(5),
    )
    assert ps[int(np.argmax(np.median(err, axis=0)))] == 50
