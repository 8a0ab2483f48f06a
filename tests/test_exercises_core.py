"""The exercise-check framework: messages, results, no tracebacks."""

import numpy as np
import pytest

from nnbook.exercises import (
    CheckResult,
    Mistake,
    call,
    checker,
    expect_close,
    expect_equal,
)


@checker("二乗")
def check_square(fn):
    for x in [0.0, -2.0, 3.0]:
        expect_close(call(fn, x), x * x, f"x={x}", hint="x を2回掛けます")


def test_pass_prints_check_mark_and_result_is_truthy(capsys):
    result = check_square(lambda x: x * x)
    assert isinstance(result, CheckResult)
    assert result.passed is True and bool(result)
    assert capsys.readouterr().out == "○ 二乗: 正解です.\n"


def test_wrong_answer_prints_message_and_hint_not_answer(capsys):
    result = check_square(lambda x: 2 * x)
    out = capsys.readouterr().out
    assert not result
    assert out.startswith("× 二乗: x=-2.0: 値が違います")
    assert "ヒント: x を2回掛けます" in out
    assert "4.0" not in out  # the expected value is never shown


def test_not_implemented_is_a_gentle_message(capsys):
    def blank(x):
        raise NotImplementedError("ここを実装してください")

    assert not check_square(blank)
    out = capsys.readouterr().out
    assert out.startswith("△ 二乗: まだ実装されていません")
    assert "Traceback" not in out


@checker("中央値")
def check_value(answer):
    expect_close(answer, 2.0, "答え", hint="並べて真ん中の値です")


def test_unanswered_value_is_a_gentle_message(capsys):
    assert not check_value(...)
    out = capsys.readouterr().out
    assert out.startswith("△ 中央値: まだ答えが書かれていません")
    assert check_value(2.0)
    assert not check_value(answer=...)


def test_reader_errors_become_messages(capsys):
    assert not check_square(lambda x: x / 0)
    out = capsys.readouterr().out
    assert "ZeroDivisionError" in out and "Traceback" not in out


def test_result_displays_nothing_in_ipython():
    result = CheckResult("x", True)
    assert result._ipython_display_() is None
    assert repr(result) == "CheckResult('x', passed=True)"


def test_expectations_report_shape_and_non_finite():
    with pytest.raises(Mistake, match="形が"):
        expect_equal(np.zeros(2), np.zeros(3), "出力")
    with pytest.raises(Mistake, match="nan か inf"):
        expect_close(np.array([np.inf]), np.array([1.0]), "出力")
    expect_equal(np.array([1, 2]), np.array([1, 2]), "出力")
