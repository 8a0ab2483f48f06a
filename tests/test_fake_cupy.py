"""The CuPy stand-in raises exactly where CuPy raises, and nowhere else.

Each ``test_planted_*`` plants one host/device mix that CuPy refuses
(cupy/_core/core.pyx ``__array__``, ``__array_ufunc__``; _kernel.pyx
``CScalar``; _routines_indexing.pyx ``_scatter_op``) and checks that the
stand-in refuses it the same way; the ``test_legal_*`` tests run what CuPy
accepts. These run only against the stand-in (a real GPU needs no proof
that CuPy behaves like CuPy).
"""

import sys

import matplotlib
import numpy as np
import pytest

from nnbook import backend


def _fc():
    """The stand-in module, when it plays CuPy in this run."""
    cupy = backend._load_cupy()
    return cupy if getattr(cupy, "IS_STAND_IN", False) else None


@pytest.fixture(autouse=True)
def _only_with_the_stand_in():
    if _fc() is None:
        pytest.skip("CuPy の代役 (tests/fake_cupy.py) のテスト")


def _dev(a):
    return _fc().asarray(np.asarray(a, dtype=float))


IMPLICIT = "Implicit conversion to a NumPy array is not allowed"


# ------------------------------------------------------- planted bugs


def test_planted_asarray_of_a_device_array():
    d = _dev([1.0, 2.0])
    with pytest.raises(TypeError, match=IMPLICIT):
        np.asarray(d)
    with pytest.raises(TypeError, match=IMPLICIT):
        np.array(d)
    with pytest.raises(TypeError, match=IMPLICIT):
        np.asarray([d, d])  # a list of device arrays too


@pytest.mark.parametrize(
    "mix",
    [
        lambda d, h: d + h,
        lambda d, h: h + d,
        lambda d, h: d * h,
        lambda d, h: d @ h.reshape(2, 1),
        lambda d, h: np.maximum(d, h),
        lambda d, h: np.exp(h) * d,
        lambda d, h: d + np.float64(1.0) * h,
    ],
    ids=["d+h", "h+d", "d*h", "d@h", "np.maximum", "np.exp(h)*d", "d+s*h"],
)
def test_planted_ufunc_with_a_host_array(mix):
    d, h = _dev([1.0, 2.0]), np.array([3.0, 4.0])
    with pytest.raises(TypeError, match="Unsupported type"):
        mix(d, h)


def test_planted_zero_d_host_array_in_arithmetic():
    """CuPy's CScalar takes NumPy scalars, not 0-d NumPy arrays."""
    d = _dev([1.0, 2.0])
    with pytest.raises(TypeError, match="Unsupported type"):
        d * np.array(2.0)
    assert bool((d == np.array(1.0))[0])  # comparisons: CuPy uses .item()


def test_planted_inplace_update_with_a_host_array():
    w = _dev([1.0, 2.0])
    with pytest.raises(TypeError, match="Unsupported type"):
        w -= 0.1 * np.ones(2)


@pytest.mark.parametrize(
    "call",
    [
        lambda d, h: np.concatenate([d, h]),
        lambda d, h: np.where(d > 0, h, 0.0),
        lambda d, h: np.dot(d, h),
        lambda d, h: _fc().stack([d, h]),
    ],
    ids=["concatenate", "where", "dot", "cupy.stack"],
)
def test_planted_function_with_a_host_array(call):
    d, h = _dev([1.0, 2.0]), np.array([3.0, 4.0])
    with pytest.raises(TypeError, match="Unsupported type"):
        call(d, h)


def test_planted_basic_setitem_with_a_host_array():
    d = _dev(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="non-scalar numpy.ndarray"):
        d[...] = np.ones((2, 2))
    with pytest.raises(ValueError, match="non-scalar numpy.ndarray"):
        d[0] = np.ones(2)


def test_planted_matplotlib_gets_a_device_array():
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    try:
        with pytest.raises(TypeError, match=IMPLICIT):
            ax.plot(_dev([1.0, 2.0]))
    finally:
        plt.close(fig)


def test_planted_numpy_functions_cupy_does_not_have():
    with pytest.raises(AttributeError, match="errstate"):
        _fc().errstate  # noqa: B018
    with pytest.raises(TypeError, match="no implementation found"):
        np.geomspace(_dev([1.0]), _dev([2.0]), 3)


def test_planted_host_input_meets_device_weights():
    """The bug of issue 13: host input meets device weights in Affine."""
    W = _dev(np.ones((3, 2)))
    with pytest.raises(TypeError, match="Unsupported type"):
        np.ones((4, 3)) @ W


# ------------------------------------------------------- legal code


def test_legal_device_code_runs_and_matches_numpy():
    h = np.random.default_rng(0).standard_normal((3, 4))
    d = _fc().asarray(h)
    got = np.exp(d) * 2.0 + (d @ d.T).sum(axis=1, keepdims=True)
    want = np.exp(h) * 2.0 + (h @ h.T).sum(axis=1, keepdims=True)
    np.testing.assert_array_equal(d.get(), h)
    np.testing.assert_array_equal(_fc().asnumpy(got), want)
    assert type(d.sum()) is _fc().ndarray and d.sum().ndim == 0  # 0-d
    assert float(np.float32(2.0) * d[0, 0]) == 2.0 * h[0, 0]
    d[np.array([0, 2])] = np.ones(4)  # advanced setitem uploads
    d[[1]] = 5.0
    d[0, 1] = np.float64(7.0)
    assert d[np.array([True, False, True])].shape == (2, 4)
    assert float(d[0, 1]) == 7.0 and float(d[1, 0]) == 5.0


def test_legal_dtypes_follow_numpy_rules():
    d32 = _fc().ones(3, dtype=np.float32)
    assert (d32 * 0.5).dtype == np.float32  # Python scalars are weak
    assert (d32 * np.float64(0.5)).dtype == np.float64
    assert _fc().asarray(d32) is d32
    assert d32.astype(np.float32, copy=False) is d32


def test_legal_random_numbers_follow_the_seed():
    g1, g2 = _fc().random.default_rng(3), _fc().random.default_rng(3)
    a, b = g1.random((2, 3), dtype=np.float32), g2.random((2, 3), np.float32)
    np.testing.assert_array_equal(a.get(), b.get())
    assert a.dtype == np.float32 and type(a) is _fc().ndarray


# ------------------------------------------------------------ counters


def test_counters_count_syncs_and_transfers():
    with _fc().counting() as c:
        d = _fc().asarray(np.zeros(1000))  # 8000 bytes up
        s = d.sum()
        assert c.syncs == 0  # no sync yet: everything stays on the device
        float(s)
        bool(s == 0)
        s.item()
        f"{s:.3f}"
        d.get()
        _fc().cuda.Device().synchronize()
    assert c.syncs == 6
    assert c.to_device == 1 and c.to_device_bytes == 8000
    assert c.to_host == 5 and c.to_host_bytes == 3 * 8 + 1 + 8000
    with _fc().counting() as c:
        d[d > 0]  # the result's size comes from the device
        d[np.arange(3)]  # integer indices: no sync (an upload)
        np.nonzero(d)
    assert c.syncs == 2 and c.to_device == 1


# ------------------------------------------------- the seam in backend


def test_backend_loads_the_stand_in_named_by_the_env_var(monkeypatch):
    fake = _fc()
    monkeypatch.setattr(backend, "_cupy", None)
    monkeypatch.setattr(backend, "_cupy_error", None)
    monkeypatch.setenv(backend.STAND_IN_VAR, fake.__file__)
    assert backend._load_cupy() is fake  # the module already imported
    assert backend.gpu_available()
    monkeypatch.setattr(backend, "_cupy", None)
    monkeypatch.setattr(backend, "_cupy_error", None)
    monkeypatch.setenv(backend.STAND_IN_VAR, "")  # empty: real CuPy only
    monkeypatch.setitem(sys.modules, "cupy", None)
    assert not backend.gpu_available()
    assert "CuPy を import できません" in backend._cupy_error


def test_to_device_of_and_device_of():
    d = _dev([1.0])
    h = np.array([2.0])
    assert backend.device_of(d) == "gpu" and backend.device_of(h) == "cpu"
    assert backend.to_device_of(d, like=d) is d  # no copy, no transfer
    assert backend.to_device_of(h, like=h) is h
    assert backend.is_gpu_array(backend.to_device_of(h, like=d))
    assert type(backend.to_device_of(d, like=h)) is np.ndarray
    assert type(backend.to_device_of([1, 2], like=h)) is np.ndarray


def test_rng_like_a_device_array():
    d = _dev(np.zeros(4))
    a = backend.rng(11, like=d).random(4)
    assert backend.is_gpu_array(a)
    np.testing.assert_array_equal(  # int seed: the stand-in's = NumPy's
        a.get(), np.random.default_rng(11).random(4)
    )
    gen = np.random.default_rng(11)
    state = gen.bit_generator.state
    first = backend.rng(gen, like=d).random(4).get()
    second = backend.rng(gen, like=d).random(4).get()
    assert not np.array_equal(first, second)  # a new child every call
    assert gen.bit_generator.state == state  # the host stream is untouched
    assert backend.rng(gen) is gen
    assert backend.rng(gen, like=np.zeros(1)) is gen
