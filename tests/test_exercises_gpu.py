"""Tests for the appendix A checkers (nnbook.exercises.gpu)."""

import pytest
from exercise_helpers import assert_not_implemented, assert_rejected

from nnbook import models
from nnbook.exercises import gpu as check


def _count_params():
    """Count the parameters of the real model, not a formula."""
    model = models.MLP(list(check.QA_1_SIZES), seed=0)
    return int(sum(p.size for p in model.params.values()))


def _flop_ratio():
    """Count multiply-adds of the naive triple loop for n and 2n."""

    def madds(n):
        return n * n * n  # n² outputs, n products each

    return madds(8) / madds(4)


def gflops_ok(n, ms):
    return 2 * n**3 / (ms / 1000) / 1e9


GOOD = {
    "qa_1": _count_params,
    "qa_2": _flop_ratio,
    "qa_3": "B",
    "qa_4": gflops_ok,
}


def test_parameter_count_is_that_of_the_model():
    assert _count_params() == 64 * 100 + 100 + 100 * 10 + 10 == 7510


@pytest.mark.parametrize("name", sorted(GOOD))
def test_accepts_the_right_answer(name, capsys):
    assert getattr(check, name)(GOOD[name]).passed is True
    out = capsys.readouterr().out
    assert out.startswith("○") and "正解です" in out


def test_value_answers_can_be_plain_values(capsys):
    assert check.qa_1(7510).passed
    assert check.qa_2(8).passed
    assert check.qa_3(" b ").passed


WRONG = [
    ("qa_1", 7400, "バイアス"),
    ("qa_1", 174, "ユニット"),
    ("qa_1", 7500, "2 層目のバイアス"),
    ("qa_1", 64000, "掛けて"),
    ("qa_1", 7000, "ではありません"),
    ("qa_1", "7510", "数を 1 つ"),
    ("qa_2", 2, "1 辺"),
    ("qa_2", 4, "要素の数"),
    ("qa_2", 16, "4 乗"),
    ("qa_2", 6, "ではありません"),
    ("qa_3", "A", "大きな行列積"),
    ("qa_3", "C", "整数"),
    ("qa_3", "D", "逆伝播"),
    ("qa_3", "E", "A, B, C, D"),
    ("qa_4", lambda n, ms: n**3 / (ms / 1000) / 1e9, "半分"),
    ("qa_4", lambda n, ms: 2 * n**3 / ms / 1e9, "1000 倍"),
    ("qa_4", lambda n, ms: 2 * n**3 / (ms / 1000) / 1e12, "1000 倍"),
    ("qa_4", lambda n, ms: 2 * n**2 / (ms / 1000) / 1e9, "2n³"),
    ("qa_4", lambda n, ms: "fast", "数を返していません"),
    ("qa_4", lambda n, ms: 1 / 0, "ZeroDivisionError"),
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


@pytest.mark.parametrize("name", ["qa_1", "qa_2", "qa_3"])
def test_none_says_not_implemented(name, capsys):
    assert_not_implemented(capsys, getattr(check, name)(None))


@pytest.mark.parametrize("name", sorted(GOOD))
def test_reader_placeholder_says_not_answered_yet(name, capsys):
    result = getattr(check, name)(...)
    out = capsys.readouterr().out
    assert result.passed is False
    assert out.startswith("△") and "まだ答えが書かれていません" in out


def test_wrong_answers_never_reveal_the_expected_values(capsys):
    check.qa_1(7000)
    check.qa_2(6)
    check.qa_4(lambda n, ms: 2 * n**2 / (ms / 1000) / 1e9)
    out = capsys.readouterr().out
    assert "7510" not in out and "8.0" not in out
    assert "394.8" not in out  # 2·1024³ / 10.6 ms
