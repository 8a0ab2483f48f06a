"""Checkers of the exercises answered with a value (chapters 1-3).

Derivation, predict-then-check and explanation exercises are answered by
assigning a number, a choice or a pair; each checker must accept the right
answer, reject the typical wrong ones with their own hint, and never show
the right answer.
"""

import numpy as np
import pytest
from exercise_helpers import assert_not_implemented, assert_rejected

from nnbook import activations, datasets, losses, perceptron
from nnbook.exercises import activations as ch2
from nnbook.exercises import losses as ch3
from nnbook.exercises import perceptron as ch1
from nnbook.exercises._core import expect_choice, expect_number


def test_right_answers_come_from_the_package_not_from_memory():
    """The expected values are what the chapters' code computes."""
    x, t = datasets.logic_gate_data()
    bound = perceptron.novikoff_bound(x, t["AND"], np.array([1.0, 1.0]), -1.5)
    assert bound == pytest.approx(51.0)
    runs = [
        perceptron.Perceptron(2, lr=lr, seed=0).fit(x, t["AND"]).errors_
        for lr in (1.0, 0.1)
    ]
    assert runs[0] == runs[1]  # 1.4: the number of corrections is the same
    s = activations.sigmoid(np.log(9.0))  # σ(a) = 0.9
    assert float(activations.sigmoid_grad(np.log(9.0))) == pytest.approx(
        s * (1 - s)
    )
    xs = np.linspace(-4, 4, 80001)
    g = activations.gelu_grad(xs)
    assert xs[g.argmin()] == pytest.approx(-np.sqrt(2), abs=1e-3)
    assert g.min() == pytest.approx(-0.1289, abs=1e-4)  # choice B of 2.4
    data = np.array([1.0, 2.0, 3.0, 10.0, 50.0])
    assert (np.median(data), data.mean()) == (3.0, 13.2)
    r, zero = np.array([3.0]), np.zeros(1)
    assert float(losses.huber_loss(r, zero, delta=100.0)) == 4.5
    small = float(losses.huber_loss(r, zero, delta=1e-3)) / 1e-3
    assert small == pytest.approx(2.9995)


@pytest.mark.parametrize(
    "check, right",
    [
        (ch1.novikoff_and, 51),
        (ch1.novikoff_and, 51.0),
        (ch1.lr_scaling, "B"),
        (ch1.lr_scaling, " b "),
        (ch1.step_gradient, "B"),
        (ch2.sigmoid_derivative, 0.09),
        (ch2.gelu_grad_minimum, "B"),
        (ch2.positive_outputs, "A"),
        (ch3.minimizers, (3, 13.2)),
        (ch3.huber_limits, (4.5, 2.9995)),
        (ch3.huber_limits, (4.5, 3.0)),  # within the checker's tolerance
        (ch3.mean_not_sum, "B"),
    ],
)
def test_right_answer_passes(capsys, check, right):
    assert check(right)
    assert capsys.readouterr().out.startswith("○")


@pytest.mark.parametrize(
    "check, wrong, fragment",
    [
        (ch1.novikoff_and, 34, "1 を入力に付け足す"),
        (ch1.novikoff_and, 12.0, "正規化"),
        (ch1.novikoff_and, 24, "バイアスも含めた"),
        (ch1.novikoff_and, 7, "導出を一行ずつ"),
        (ch1.novikoff_and, "51", "数を 1 つ"),
        (ch1.lr_scaling, "A", "lr の何倍か"),
        (ch1.lr_scaling, "C", "向き"),
        (ch1.lr_scaling, "E", "A, B, C のどれか"),
        (ch1.lr_scaling, 2, "引用符"),
        (ch1.step_gradient, "A", "指数関数"),
        (ch1.step_gradient, "D", "傾き"),
        (ch2.sigmoid_derivative, 0.81, "2 回掛けて"),
        (ch2.sigmoid_derivative, 0.25, "最大値"),
        (ch2.sigmoid_derivative, 0.1, "σ(a) も掛けます"),
        (ch2.gelu_grad_minimum, "A", "符号"),
        (ch2.gelu_grad_minimum, "C", "−√2"),
        (ch2.positive_outputs, "B", "符号を決める"),
        (ch3.minimizers, (13.2, 3), "入れ替わって"),
        (ch3.minimizers, (13.2, 13.2), "平均です"),
        (ch3.minimizers, (3, 3), "中央値です"),
        (ch3.minimizers, 3, "タプル"),
        (ch3.huber_limits, (9.0, 3.0), "1/2"),
        (ch3.huber_limits, (4.5, 0.0), "δ で割った"),
        (ch3.mean_not_sum, "A", "最小になる"),
        (ch3.mean_not_sum, "C", "計算量"),
    ],
)
def test_typical_wrong_answer_gets_its_hint(capsys, check, wrong, fragment):
    out = assert_rejected(capsys, check(wrong), fragment)
    # the right answer is never printed
    for secret in ("51", "0.09", "13.2", "4.5"):
        if secret not in repr(wrong):
            assert secret not in out


@pytest.mark.parametrize(
    "check",
    [ch1.novikoff_and, ch2.gelu_grad_minimum, ch3.minimizers],
)
def test_unanswered_ellipsis_is_not_an_error(capsys, check):
    assert not check(...)
    out = capsys.readouterr().out
    assert out.startswith("△") and "まだ答えが書かれていません" in out


def test_expect_helpers_reject_bools_and_unknown_choices():
    from nnbook.exercises import Mistake

    with pytest.raises(Mistake, match="数を 1 つ"):
        expect_number(True, 1.0, "x")
    with pytest.raises(Mistake, match="A, B のどれか"):
        expect_choice(None, "A", {"B": "違います"})
    expect_number(np.float64(0.5), 0.5, "x")  # NumPy scalars are numbers


# ------------------------------------------- 3.4 ロジットからの BCE


def _stable(z, t):
    return np.mean(np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z))))


def test_bce_with_logits_accepts_stable_form(capsys):
    assert ch3.bce_with_logits(_stable)
    assert ch3.bce_with_logits(
        lambda z, t: np.mean(np.logaddexp(0, z) - z * t)  # another stable way
    )


def test_bce_with_logits_rejects_probability_route(capsys):
    def via_probability(z, t):
        p = np.clip(1 / (1 + np.exp(-z)), 1e-7, 1 - 1e-7)
        return -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))

    assert_rejected(capsys, ch3.bce_with_logits(via_probability), "極端")


def test_bce_with_logits_rejects_naive_and_sum(capsys):
    def naive(z, t):
        return np.mean(np.log(1 + np.exp(z)) - z * t)  # overflows at 1e4

    assert_rejected(capsys, ch3.bce_with_logits(naive), "nan か inf")

    def summed(z, t):
        return np.sum(np.maximum(z, 0) - z * t + np.log1p(np.exp(-abs(z))))

    assert_rejected(capsys, ch3.bce_with_logits(summed), "平均")


def test_bce_with_logits_not_implemented(capsys):
    def blank(z, t):
        raise NotImplementedError("ここを実装してください")

    assert_not_implemented(capsys, ch3.bce_with_logits(blank))
