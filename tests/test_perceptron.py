"""Tests for nnbook.perceptron (chapter 1)."""

import numpy as np
import pytest

from nnbook import backend, datasets
from nnbook import perceptron as P

INPUTS = [(0, 0), (1, 0), (0, 1), (1, 1)]
TABLES = {
    P.and_gate: [0, 0, 0, 1],
    P.or_gate: [0, 1, 1, 1],
    P.nand_gate: [1, 1, 1, 0],
    P.xor_gate: [0, 1, 1, 0],
}


@pytest.mark.parametrize("gate", list(TABLES), ids=lambda g: g.__name__)
def test_gate_truth_tables(gate):
    got = [gate(a, b) for a, b in INPUTS]
    assert got == TABLES[gate]
    assert all(type(y) is int for y in got)
    # float inputs and whole arrays give the same answers
    assert [gate(float(a), float(b)) for a, b in INPUTS] == TABLES[gate]
    x = np.array(INPUTS, dtype=float)
    y = gate(x[:, 0], x[:, 1])
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y, TABLES[gate])


def test_gates_match_logic_gate_data():
    x, targets = datasets.logic_gate_data()
    x = backend.to_numpy(x)
    for name, gate in [
        ("AND", P.and_gate),
        ("OR", P.or_gate),
        ("NAND", P.nand_gate),
        ("XOR", P.xor_gate),
    ]:
        np.testing.assert_array_equal(
            gate(x[:, 0], x[:, 1]), backend.to_numpy(targets[name])
        )


def test_gate_params_are_the_ones_used():
    for name, gate in [
        ("AND", P.and_gate),
        ("OR", P.or_gate),
        ("NAND", P.nand_gate),
    ]:
        w1, w2, b = P.GATE_PARAMS[name]
        for a, c in INPUTS:
            assert gate(a, c) == int(a * w1 + c * w2 + b > 0)


def test_gate_rejects_non_numbers():
    with pytest.raises(TypeError):
        P.and_gate("1", 1)


def test_update_rule_cases():
    w, b = np.array([0.5, -0.5]), -0.25
    x = np.array([1.0, 1.0])
    # 1 を 0 と間違えた: x を η 倍して足す
    w2, b2 = P.perceptron_update(w, b, x, 1, lr=0.5)
    np.testing.assert_allclose(w2, [1.0, 0.0])
    assert b2 == pytest.approx(0.25)
    # 引数は書き換えない
    np.testing.assert_array_equal(w, [0.5, -0.5])
    # 正解なら何も変わらない
    w3, b3 = P.perceptron_update(w, b, x, 0)
    np.testing.assert_array_equal(w3, w)
    assert b3 == b
    # 0 を 1 と間違えた: x を引く
    w4, b4 = P.perceptron_update(np.array([1.0, 1.0]), 0.0, x, 0)
    np.testing.assert_allclose(w4, [0.0, 0.0])
    assert b4 == -1.0
    # step(0) = 0: a がちょうど 0 なら出力 0
    w5, b5 = P.perceptron_update(np.zeros(2), 0.0, x, 1)
    np.testing.assert_allclose(w5, [1.0, 1.0])
    assert b5 == 1.0


def test_update_rule_rejects_bad_input():
    with pytest.raises(ValueError, match="同じ形"):
        P.perceptron_update(np.zeros(2), 0.0, np.zeros(3), 1)
    with pytest.raises(ValueError, match="0 か 1"):
        P.perceptron_update(np.zeros(2), 0.0, np.zeros(2), -1)


@pytest.mark.parametrize("gate", ["AND", "OR", "NAND"])
def test_fit_converges_on_separable_gates(gate):
    x, targets = datasets.logic_gate_data()
    p = P.Perceptron(2, seed=0).fit(x, targets[gate], max_epochs=50)
    assert p.converged_
    assert p.epochs_ == len(p.errors_) < 50
    assert p.errors_[-1] == 0
    np.testing.assert_array_equal(
        backend.to_numpy(p.predict(x)), backend.to_numpy(targets[gate])
    )
    assert p.score(x, targets[gate]) == 1.0


def test_fit_never_converges_on_xor():
    x, targets = datasets.logic_gate_data()
    for seed in range(5):
        p = P.Perceptron(2, seed=seed).fit(x, targets["XOR"], max_epochs=200)
        assert not p.converged_
        assert p.epochs_ == 200
        assert min(p.errors_) >= 1
        assert p.score(x, targets["XOR"]) <= 0.75


def test_fit_on_separable_data_respects_novikoff_bound():
    x, t = datasets.make_separable(200, margin=0.05, seed=3)
    bound = P.novikoff_bound(x, t, np.array([1.0, 1.0]), -0.2)
    p = P.Perceptron(2, seed=1).fit(x, t, max_epochs=1000)
    assert p.converged_
    assert p.score(x, t) == 1.0
    assert sum(p.errors_) <= bound


def test_fit_is_deterministic_and_lr_only_scales():
    x, t = datasets.make_separable(50, seed=0)
    a = P.Perceptron(2, lr=1.0, seed=7).fit(x, t)
    b = P.Perceptron(2, lr=1.0, seed=7).fit(x, t)
    c = P.Perceptron(2, lr=0.1, seed=7).fit(x, t)
    assert a.errors_ == b.errors_ == c.errors_
    np.testing.assert_allclose(
        backend.to_numpy(c.w), 0.1 * backend.to_numpy(a.w)
    )
    assert len(a.history_) == a.epochs_


def test_make_separable_has_margin():
    x, t = datasets.make_separable(300, margin=0.1, seed=2)
    x = backend.to_numpy(x).astype(float)
    assert x.shape == (300, 2) and backend.to_numpy(t).shape == (300,)
    dist = np.abs(x[:, 0] + x[:, 1] - 0.2) / np.sqrt(2)
    assert dist.min() >= 0.1 - 1e-6
    assert set(np.unique(backend.to_numpy(t))) == {0, 1}


def test_novikoff_bound_rejects_wrong_separator():
    x, t = datasets.make_separable(50, seed=0)
    with pytest.raises(ValueError, match="γ"):
        P.novikoff_bound(x, t, np.array([-1.0, -1.0]), 0.2)


def test_perceptron_rejects_bad_input():
    with pytest.raises(ValueError):
        P.Perceptron(0)
    with pytest.raises(ValueError):
        P.Perceptron(2, lr=0.0)
    p = P.Perceptron(2)
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        p.predict(np.zeros(2))
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        p.fit(np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(ValueError, match=r"\(4,\)"):
        p.fit(np.zeros((4, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="0 か 1"):
        p.fit(np.zeros((4, 2)), np.array([0, 1, 2, 0]))
    with pytest.raises(ValueError):
        p.fit(np.zeros((4, 2)), np.zeros(4), max_epochs=0)


# ---------------------------------------------- 0-1 損失とパーセプトロン基準


def test_zero_one_loss_counts_mistakes_and_is_flat():
    x, targets = datasets.logic_gate_data()
    t = targets["AND"]
    assert P.zero_one_loss(np.array([1.0, 1.0]), -1.5, x, t) == 0.0
    assert P.zero_one_loss(np.array([1.0, 1.0]), -0.5, x, t) == 0.5
    # piecewise constant: a small change of w leaves it unchanged
    w = np.array([0.3, 0.7])
    base = P.zero_one_loss(w, -0.5, x, t)
    assert P.zero_one_loss(w + 1e-6, -0.5, x, t) == base


def test_perceptron_criterion_gradient_gives_the_update_rule():
    x, targets = datasets.logic_gate_data()
    x = backend.to_numpy(x).astype(float)
    t = backend.to_numpy(targets["OR"])
    w, b = np.array([-0.3, 0.25]), 0.1  # no x·w + b at exactly 0
    assert P.perceptron_criterion(np.array([1.0, 1.0]), -0.5, x, t) == 0.0
    e = P.perceptron_criterion(w, b, x, t)
    assert e > 0
    # central differences of E w.r.t. w equal −Σ_{n∈M} s_n x_n
    wrong = (x @ w + b > 0).astype(int) != t
    s = 2 * t - 1
    grad = -(s[wrong, None] * x[wrong]).sum(axis=0)
    h = 1e-6
    for i in range(2):
        d = np.zeros(2)
        d[i] = h
        num = (
            P.perceptron_criterion(w + d, b, x, t)
            - P.perceptron_criterion(w - d, b, x, t)
        ) / (2 * h)
        assert num == pytest.approx(grad[i], abs=1e-6)


# ------------------------------------------------- NumPy と CuPy で同じ結果


def test_same_results_on_every_device(device):
    xp = device
    x, t = datasets.make_separable(80, seed=4)
    assert backend.get_array_module(x) is xp
    p = P.Perceptron(2, seed=2).fit(x, t)
    assert backend.get_array_module(p.w) is xp
    assert backend.get_array_module(p.predict(x)) is xp
    ref = P.Perceptron(2, seed=2).fit(backend.to_numpy(x), backend.to_numpy(t))
    assert p.errors_ == ref.errors_
    assert P.zero_one_loss(p.w, p.b, x, t) == 0.0
