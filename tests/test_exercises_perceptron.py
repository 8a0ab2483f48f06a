"""Each checker of chapter 1 accepts a correct answer, rejects typical
wrong answers (False and × with a hint) and answers NotImplementedError
with the △ message, never a traceback."""

import numpy as np
import pytest
from exercise_helpers import assert_not_implemented, assert_rejected

from nnbook import activations
from nnbook import feedforward as F
from nnbook import perceptron as P
from nnbook.exercises import perceptron as check


def not_implemented(*args, **kwargs):
    raise NotImplementedError("ここを実装してください")


def nor_gate(x1, x2):
    return 1 - P.or_gate(x1, x2)


def xnor_gate(x1, x2):
    return P.or_gate(P.and_gate(x1, x2), nor_gate(x1, x2))


CORRECT_GATES = {
    check.and_gate: P.and_gate,
    check.or_gate: P.or_gate,
    check.nand_gate: P.nand_gate,
    check.nor_gate: nor_gate,
    check.xor_gate: P.xor_gate,
    check.xnor_gate: xnor_gate,
}


@pytest.mark.parametrize(
    "checker", list(CORRECT_GATES), ids=lambda c: c.__name__
)
def test_gate_checkers_accept_correct_answers(checker, capsys):
    assert checker(CORRECT_GATES[checker]).passed is True
    assert capsys.readouterr().out.startswith("○")


@pytest.mark.parametrize(
    "checker", list(CORRECT_GATES), ids=lambda c: c.__name__
)
def test_gate_checkers_say_not_implemented(checker, capsys):
    assert_not_implemented(capsys, checker(not_implemented))


def test_nor_checker_names_the_gate_made_instead(capsys):
    # 典型的な誤り: 符号を反転し忘れて OR を作った
    assert_rejected(capsys, check.nor_gate(P.or_gate), "OR ゲート")
    # 典型的な誤り: NAND と取り違えた
    assert_rejected(capsys, check.nor_gate(P.nand_gate), "NAND ゲート")


def test_gate_checker_rejects_non_binary_and_missing_return(capsys):
    def weighted_sum(x1, x2):  # ステップ関数を通し忘れた
        return -0.5 * x1 - 0.5 * x2 + 0.2

    out = assert_rejected(capsys, check.nor_gate(weighted_sum), "0 か 1")
    assert "ステップ関数" in out

    def no_return(x1, x2):
        _ = x1 + x2

    assert_rejected(capsys, check.nor_gate(no_return), "None")


def test_gate_checker_rejects_crash_without_traceback(capsys):
    def crash(x1, x2):
        return [0, 1][x1 + x2 + 5]

    assert_rejected(capsys, check.xor_gate(crash), "IndexError")


def test_xor_checker_rejects_single_perceptron(capsys):
    # どの 1 層パーセプトロンも XOR にはならない: OR で代用した誤り
    out = assert_rejected(capsys, check.xor_gate(P.or_gate))
    assert "2 層" in out


def test_xnor_checker_rejects_xor(capsys):
    assert_rejected(capsys, check.xnor_gate(P.xor_gate), "XOR ゲート")


def test_gate_checker_does_not_reveal_the_table(capsys):
    check.nor_gate(P.and_gate)
    out = capsys.readouterr().out
    assert "(1, 0, 0, 0)" not in out and "[1, 0, 0, 0]" not in out


# ------------------------------------------------- パーセプトロンの学習規則


def test_update_checker_accepts_reference(capsys):
    assert check.perceptron_update(P.perceptron_update).passed is True
    assert capsys.readouterr().out.startswith("○")


def test_update_checker_accepts_other_correct_styles(capsys):
    def update(w, b, x, t, lr):
        y = 1 if np.dot(x, w) + b > 0 else 0
        return w + lr * (t - y) * x, b + lr * (t - y)

    assert check.perceptron_update(update).passed is True
    capsys.readouterr()


def test_update_checker_rejects_wrong_sign(capsys):
    def update(w, b, x, t, lr):
        y = 1 if x @ w + b > 0 else 0
        return w - lr * (t - y) * x, b - lr * (t - y)

    assert_rejected(capsys, check.perceptron_update(update), "符号")


def test_update_checker_rejects_missing_bias_update(capsys):
    def update(w, b, x, t, lr):
        y = 1 if x @ w + b > 0 else 0
        return w + lr * (t - y) * x, b

    assert_rejected(capsys, check.perceptron_update(update), "バイアス")


def test_update_checker_rejects_missing_lr(capsys):
    def update(w, b, x, t, lr):
        y = 1 if x @ w + b > 0 else 0
        return w + (t - y) * x, b + (t - y)

    assert_rejected(capsys, check.perceptron_update(update), "学習率 0.5")


def test_update_checker_rejects_step_at_zero(capsys):
    def update(w, b, x, t, lr):
        y = 1 if x @ w + b >= 0 else 0  # step(0) = 1 と取り違えた
        return w + lr * (t - y) * x, b + lr * (t - y)

    assert_rejected(capsys, check.perceptron_update(update), "= 0")


def test_update_checker_rejects_in_place_update(capsys):
    def update(w, b, x, t, lr):
        y = 1 if x @ w + b > 0 else 0
        w += lr * (t - y) * x
        return w, b + lr * (t - y)

    assert_rejected(capsys, check.perceptron_update(update), "書き換え")


def test_update_checker_rejects_wrong_return_type(capsys):
    def update(w, b, x, t, lr):
        return w

    assert_rejected(capsys, check.perceptron_update(update), "(w_new, b_new)")


def test_update_checker_says_not_implemented(capsys):
    assert_not_implemented(capsys, check.perceptron_update(not_implemented))


# ----------------------------------------------------------- 順伝播


def test_forward_checker_accepts_correct_answers(capsys):
    def forward(params, x):
        z = x
        for i in (1, 2):
            z = activations.sigmoid(z @ params[f"W{i}"] + params[f"b{i}"])
        return z @ params["W3"] + params["b3"]

    assert check.forward(forward).passed is True
    assert check.forward(F.forward).passed is True
    capsys.readouterr()


def test_forward_checker_rejects_sigmoid_on_output(capsys):
    def forward(params, x):
        return activations.sigmoid(F.forward(params, x))

    assert_rejected(capsys, check.forward(forward), "恒等関数")


def test_forward_checker_rejects_missing_bias(capsys):
    def forward(params, x):
        z1 = activations.sigmoid(x @ params["W1"])
        z2 = activations.sigmoid(z1 @ params["W2"])
        return z2 @ params["W3"]

    assert_rejected(capsys, check.forward(forward), "バイアス")


def test_forward_checker_rejects_flattened_single_row(capsys):
    def forward(params, x):
        y = F.forward(params, x)
        return y[0] if len(y) == 1 else y

    assert_rejected(capsys, check.forward(forward), "(1, C)")


def test_forward_checker_rejects_transposed_weights(capsys):
    def forward(params, x):
        z = x
        for i in (1, 2):
            z = activations.sigmoid(params[f"W{i}"] @ z.T + params[f"b{i}"])
        return z

    assert_rejected(capsys, check.forward(forward), "Error")


def test_forward_checker_says_not_implemented(capsys):
    assert_not_implemented(capsys, check.forward(not_implemented))
