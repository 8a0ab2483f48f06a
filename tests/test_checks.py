"""Tests for nnbook._checks: every argument check of the package."""

import numpy as np
import pytest

from nnbook import _checks as C


def test_as_real_converts_and_keeps_floats(xp):
    x32 = xp.ones(3, dtype=np.float32)
    assert C.as_real(x32) is x32  # no copy
    assert C.as_real(xp.arange(3)).dtype == np.float64
    assert C.as_real(x32, dtype=np.float64).dtype == np.float64
    assert C.as_real([True, False]).dtype == np.float64
    with pytest.raises(TypeError, match="y には実数の配列"):
        C.as_real(["a"], "y")
    with pytest.raises(TypeError, match="実数の配列"):
        C.as_real(np.ones(2, dtype=complex))


@pytest.mark.parametrize(
    ("check", "value", "error", "message"),
    [
        (C.check_count, 0, ValueError, "n は 1 以上の整数"),
        (C.check_count, 2.5, ValueError, "n は 1 以上の整数"),
        (C.check_count, "3", TypeError, "n は 1 以上の整数"),
        (C.check_count, True, TypeError, "n は 1 以上の整数"),
        (C.check_positive, 0.0, ValueError, "n は正の数"),
        (C.check_positive, "1", TypeError, "n は実数"),
        (C.check_nonnegative, -1e-9, ValueError, "n は 0 以上の数"),
        (C.check_unit, 1.0, ValueError, "n は 0 以上 1 未満"),
        (C.check_unit, float("nan"), ValueError, "n は有限の値"),
    ],
)
def test_scalar_checks_say_what_is_wrong_in_japanese(
    check, value, error, message
):
    with pytest.raises(error, match=message):
        check("n", value)


def test_scalar_checks_return_plain_numbers():
    assert C.check_count("n", np.int64(3)) == 3
    assert type(C.check_count("n", 3.0)) is int
    assert C.check_positive("lr", np.float32(0.5)) == 0.5
    assert C.check_nonnegative("eps", 0) == 0.0
    assert C.check_unit("beta1", 0.9) == 0.9
    assert C.check_betas(0.9, 0.999) == (0.9, 0.999)
    with pytest.raises(ValueError, match="beta2"):
        C.check_betas(0.9, 1.5)


def test_shape_checks():
    C.check_ndim("Affine", np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"Affine: 入力は 2 次元"):
        C.check_ndim("Affine", np.ones(3))
    with pytest.raises(ValueError, match="axis=2 は範囲外"):
        C.check_axis(np.ones((2, 3)), 2)
    with pytest.raises(TypeError, match="axis は整数"):
        C.check_axis(np.ones((2, 3)), 1.0)
    with pytest.raises(ValueError, match="未知の method 'x'"):
        C.check_choice("method", "x", ("a", "b"))
    assert C.check_sizes([2, np.int64(3), 1]) == (2, 3, 1)
    with pytest.raises(ValueError, match="sizes"):
        C.check_sizes([2, 3.0])
    with pytest.raises(ValueError, match="sizes"):
        C.check_sizes([2])


def test_targets_accept_one_hot_and_labels_and_reject_the_rest():
    y = np.full((2, 3), 1 / 3)
    assert C.check_targets(y, [[1, 0, 0], [0, 0, 1]]).dtype == y.dtype
    np.testing.assert_array_equal(C.check_targets(y, [0, 2]), [0, 2])
    with pytest.raises(ValueError, match="0 以上 2 以下"):
        C.check_targets(y, [0, 3])
    with pytest.raises(TypeError, match="整数"):
        C.check_targets(y, [0.0, 1.0])
    with pytest.raises(ValueError, match="合いません"):
        C.check_targets(y, [0, 1, 2])


def test_binary_labels_and_the_update_rule_arguments():
    np.testing.assert_array_equal(C.check_binary_labels([0, 1], 2), [0, 1])
    with pytest.raises(ValueError, match="0 か 1"):
        C.check_binary_labels([0, 2], 2)
    with pytest.raises(ValueError, match=r"\(3,\)"):
        C.check_binary_labels([0, 1], 3)
    with pytest.raises(ValueError, match="同じ形"):
        C.check_update_args(np.zeros(2), np.zeros(3), 1)
