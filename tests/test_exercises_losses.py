"""Tests for the chapter 3 checkers (nnbook.exercises.losses)."""

import numpy as np
import pytest
from exercise_helpers import assert_not_implemented

from nnbook.exercises import losses as check


def _softmax(x):
    z = x - x.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _huber_parts(y, t, delta):
    a = np.abs(y - t)
    return a, a <= delta


# ------------------------------------------------------------ 正しい答え

GOOD = {
    "mean_squared_error": lambda y, t: np.mean((y - t) ** 2),
    "cross_entropy_error": lambda y, t: (
        -np.sum(t * np.log(y + 1e-7)) / y.shape[0]
    ),
    "softmax_cross_entropy_grad": lambda x, t: (_softmax(x) - t) / len(x),
    "huber_loss": lambda y, t, d: np.mean(
        np.where(
            np.abs(y - t) <= d,
            0.5 * (y - t) ** 2,
            d * (np.abs(y - t) - 0.5 * d),
        )
    ),
}


def _clipped_ce(y, t):
    return -np.sum(t * np.log(np.clip(y, 1e-12, 1.0))) / len(y)


@pytest.mark.parametrize("name", sorted(GOOD))
def test_accepts_a_correct_answer(name, capsys):
    assert getattr(check, name)(GOOD[name]).passed is True
    out = capsys.readouterr().out
    assert out.startswith("○") and "正解です" in out


def test_accepts_clipping_instead_of_adding_eps(capsys):
    assert check.cross_entropy_error(_clipped_ce).passed is True


# ----------------------------------------------------------- 典型的な誤り

WRONG = [
    # 平均二乗誤差
    ("mean_squared_error", lambda y, t: np.sum((y - t) ** 2), "倍"),
    (
        "mean_squared_error",
        lambda y, t: 0.5 * np.sum((y - t) ** 2),
        "1/2",
    ),
    (
        "mean_squared_error",
        lambda y, t: np.sum((y - t) ** 2) / len(y),
        "N でしか",
    ),
    ("mean_squared_error", lambda y, t: np.mean(y - t) ** 2, "二乗して"),
    ("mean_squared_error", lambda y, t: (y - t) ** 2, "スカラー"),
    # 交差エントロピー誤差
    (
        "cross_entropy_error",
        lambda y, t: -np.sum(t * np.log(y)) / len(y),
        "nan か inf",
    ),
    (
        "cross_entropy_error",
        lambda y, t: -np.sum(t * np.log(y + 1e-7)),
        "倍",
    ),
    (
        "cross_entropy_error",
        lambda y, t: -np.mean(t * np.log(y + 1e-7)),
        "クラスの数",
    ),
    (
        "cross_entropy_error",
        lambda y, t: np.sum(t * np.log(y + 1e-7)) / len(y),
        "符号",
    ),
    (
        "cross_entropy_error",
        lambda y, t: -np.sum(t * np.log10(y + 1e-7)) / len(y),
        "底",
    ),
    (
        "cross_entropy_error",
        lambda y, t: -np.sum(t * np.log(np.where(y > 0, y, 1.0))) / len(y),
        "小さすぎ",
    ),
    # ソフトマックス + 交差エントロピー誤差の勾配
    (
        "softmax_cross_entropy_grad",
        lambda x, t: _softmax(x) - t,
        "N で",
    ),
    (
        "softmax_cross_entropy_grad",
        lambda x, t: (t - _softmax(x)) / len(x),
        "符号",
    ),
    (
        "softmax_cross_entropy_grad",
        lambda x, t: (x - t) / len(x),
        "ソフトマックス",
    ),
    (
        "softmax_cross_entropy_grad",
        lambda x, t: (
            (np.exp(x) / np.exp(x).sum(axis=1, keepdims=True) - t) / len(x)
        ),
        "最大値を引いて",
    ),
    # Huber 損失
    (
        "huber_loss",
        lambda y, t, d: np.sum(
            np.where(
                np.abs(y - t) <= d,
                0.5 * (y - t) ** 2,
                d * (np.abs(y - t) - 0.5 * d),
            )
        ),
        "倍",
    ),
    (
        "huber_loss",
        lambda y, t, d: np.mean(
            np.where(np.abs(y - t) <= d, 0.5 * (y - t) ** 2, d * np.abs(y - t))
        ),
        "連続",
    ),
    (
        "huber_loss",
        lambda y, t, d: np.mean(
            np.where(
                np.abs(y - t) <= d,
                (y - t) ** 2,
                d * (np.abs(y - t) - 0.5 * d),
            )
        ),
        "1/2",
    ),
    ("huber_loss", lambda y, t, d: np.mean(0.5 * (y - t) ** 2), "切り替え"),
]


@pytest.mark.parametrize(
    ("name", "fn", "hint"),
    WRONG,
    ids=[f"{w[0]}-{i}" for i, w in enumerate(WRONG)],
)
def test_rejects_a_typical_mistake(name, fn, hint, capsys):
    assert getattr(check, name)(fn).passed is False
    out = capsys.readouterr()
    assert out.out.startswith("×")
    assert "ヒント:" in out.out
    assert hint in out.out
    assert "Traceback" not in out.out + out.err
    assert "Warning" not in out.err  # log(0) の警告を表示しない


@pytest.mark.parametrize("name", sorted(GOOD))
def test_not_implemented_prints_pencil(name, capsys):
    def blank(*args):
        raise NotImplementedError("ここを実装してください")

    assert_not_implemented(capsys, getattr(check, name)(blank))


@pytest.mark.parametrize("name", sorted(GOOD))
def test_an_exception_is_reported_without_traceback(name, capsys):
    def broken(*args):
        return args[0] @ np.ones((7, 7))

    assert getattr(check, name)(broken).passed is False
    out = capsys.readouterr()
    assert out.out.startswith("×")
    assert "Traceback" not in out.out + out.err


@pytest.mark.parametrize("name", sorted(GOOD))
def test_never_prints_the_expected_value(name, capsys):
    """間違えたときも, 表示するのは読者の値だけ (正解の値は出さない)."""

    def wrong(*args):
        return GOOD[name](*args) * 1.5

    getattr(check, name)(wrong)
    out = capsys.readouterr().out
    # 本文の例の正解 −log 0.7 = 0.3567 などが表示されていない
    for value in ("0.3567", "0.357"):
        assert value not in out
