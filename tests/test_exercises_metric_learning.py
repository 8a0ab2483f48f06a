"""Tests for the chapter 9 checkers (nnbook.exercises.metric_learning)."""

import numpy as np
import pytest
from exercise_helpers import assert_not_implemented, assert_rejected

from nnbook import datasets, losses
from nnbook import metric_learning as ml
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
    assert out.startswith("○") and "正解です" in out


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
        ("q9_2", "B", "失われます"),
        ("q9_2", "C", "0.01 より大きく"),
        ("q9_2", "D", "A, B, C のどれか"),
        ("q9_2", 1, "A, B, C のどれか"),
        ("q9_3", 0.2, "変わらない"),
        ("q9_3", 0.1, "2 で割る"),
        ("q9_3", 0.8, "4 倍ではありません"),
        ("q9_3", 0.5, "0.5 ではありません"),
        ("q9_3", "たくさん", "数を 1 つ"),
        ("q9_3", True, "数を 1 つ"),
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
    assert result.passed is False and out.startswith("△")


def test_q9_3_answer_is_the_package_scaling():
    """L(2f; 2m) = 2 L(f; m) for the package's triplet loss."""
    rng = np.random.default_rng(3)
    a, p, n = rng.normal(size=(3, 50, 4))
    base = float(losses.triplet_loss(a, p, n, margin=0.5))
    assert base > 0
    doubled = float(losses.triplet_loss(2 * a, 2 * p, 2 * n, margin=1.0))
    assert doubled == pytest.approx(2 * base)


def test_q9_2_answer_holds_for_the_chapter_setting():
    """Raw pixels beat the chapter's 2-D semi-hard embedding by > 0.01."""
    (x, t), (xt, tt) = datasets.load_digits()
    net = ml.EmbeddingNet([64, 64, 2], seed=0)
    ml.train_embedding(
        net, x, t, miner="semi_hard", margin=1.0, steps=1000, lr=3e-3
    )
    raw = ml.recall_at_k(xt, tt, x, t, k=1)
    emb = ml.recall_at_k(net(xt), tt, net(x), t, k=1)
    assert raw > emb + 0.01
