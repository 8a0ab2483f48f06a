"""Tests for nnbook.backend: device choice, NNBOOK_DEVICE, the error when
no GPU exists (simulated), moving arrays, seeded host random numbers."""

import sys
import types

import numpy as np
import pytest

import nnbook
from nnbook import backend


@pytest.fixture
def fresh(monkeypatch):
    """Forget the chosen device (restored after the test)."""
    monkeypatch.setattr(backend, "_current", None)
    monkeypatch.delenv(backend.ENV_VAR, raising=False)
    return monkeypatch


@pytest.fixture
def real_cupy_only(fresh):
    """No CuPy stand-in: ``import cupy`` decides (as for a reader)."""
    fresh.delenv(backend.STAND_IN_VAR, raising=False)
    return fresh


@pytest.fixture
def no_cupy(real_cupy_only):
    """Simulate a machine where ``import cupy`` fails."""
    fresh = real_cupy_only
    fresh.setattr(backend, "_cupy", None)
    fresh.setattr(backend, "_cupy_error", None)
    fresh.setitem(sys.modules, "cupy", None)  # import cupy -> ImportError
    return fresh


def fake_cupy(monkeypatch, device_count):
    """Simulate CuPy installed but no usable GPU."""
    cupy = types.ModuleType("cupy")

    def count():
        if isinstance(device_count, Exception):
            raise device_count
        return device_count

    runtime = types.SimpleNamespace(getDeviceCount=count)
    cupy.cuda = types.SimpleNamespace(runtime=runtime)
    monkeypatch.setattr(backend, "_cupy", None)
    monkeypatch.setattr(backend, "_cupy_error", None)
    monkeypatch.setitem(sys.modules, "cupy", cupy)


# ---------------------------------------------------------------- devices


def test_default_device_is_cpu(fresh):
    assert backend.current_device() == "cpu"
    assert nnbook.current_device() == "cpu"
    assert backend.xp_for_device() is np


def test_use_cpu(fresh):
    assert nnbook.use(" CPU ") == "cpu"
    assert backend.current_device() == "cpu"


@pytest.mark.parametrize("value", ["cpu", "CPU", " cpu\n"])
def test_env_var_cpu(fresh, value):
    fresh.setenv("NNBOOK_DEVICE", value)
    assert backend.current_device() == "cpu"


def test_env_var_bad_value(fresh):
    fresh.setenv("NNBOOK_DEVICE", "tpu")
    with pytest.raises(ValueError, match="NNBOOK_DEVICE='tpu' は不正"):
        backend.current_device()


def test_env_var_is_read_once(fresh):
    fresh.setenv("NNBOOK_DEVICE", "cpu")
    assert backend.current_device() == "cpu"
    fresh.setenv("NNBOOK_DEVICE", "tpu")  # too late: already chosen
    assert backend.current_device() == "cpu"


def test_bad_device_names(fresh):
    with pytest.raises(ValueError, match="未知のデバイス 'cuda'"):
        backend.use("cuda")
    with pytest.raises(TypeError, match="受け取った型: int"):
        backend.use(0)
    with pytest.raises(ValueError, match="'cpu' か 'gpu'"):
        backend.xp_for_device("tpu")


# ---------------------------------------------------------- no GPU at all


def test_use_gpu_without_cupy_says_how_to_install(no_cupy):
    assert not backend.gpu_available()
    with pytest.raises(RuntimeError, match='pip install "nnbook\\[gpu\\]"'):
        backend.use("gpu")
    assert backend.current_device() == "cpu"  # unchanged after the error
    with pytest.raises(RuntimeError, match="CuPy を import できません"):
        backend.xp_for_device("gpu")
    with pytest.raises(RuntimeError, match="nnbook\\[gpu\\]"):
        backend.to_device(np.ones(2), "gpu")


def test_env_var_gpu_without_cupy(no_cupy):
    no_cupy.setenv("NNBOOK_DEVICE", "gpu")
    with pytest.raises(RuntimeError, match='pip install "nnbook\\[gpu\\]"'):
        backend.current_device()


@pytest.mark.parametrize(
    "count, message",
    [
        (RuntimeError("cudaErrorNoDevice"), "CUDA の GPU が使えません"),
        (0, "GPU が見つかりません"),
    ],
)
def test_cupy_without_gpu(real_cupy_only, count, message):
    fake_cupy(real_cupy_only, count)
    assert not backend.gpu_available()
    with pytest.raises(RuntimeError, match=message):
        backend.use("gpu")


# ------------------------------------------------------- moving arrays


def test_arrays_follow_their_module(xp):
    x = xp.arange(3.0)
    assert backend.get_array_module(x) is xp
    assert backend.get_array_module(np.ones(1), x) is xp
    assert backend.get_array_module(1.0, [2]) is np
    assert backend.is_gpu_array(x) == (xp is not np)


def test_to_numpy_and_to_device(xp):
    x = xp.asarray([1.0, 2.0])
    host = backend.to_numpy(x)
    assert type(host) is np.ndarray
    np.testing.assert_array_equal(host, [1.0, 2.0])
    assert type(backend.to_numpy([1, 2])) is np.ndarray
    assert backend.to_numpy(2.5).shape == ()
    device = "cpu" if xp is np else "gpu"
    moved = backend.to_device(host, device)
    assert backend.get_array_module(moved) is xp
    np.testing.assert_array_equal(backend.to_numpy(moved), host)
    back = backend.to_device(x, "cpu")
    assert type(back) is np.ndarray


def test_to_device_default_is_current_device(fresh):
    backend.use("cpu")
    assert type(backend.to_device([1.0])) is np.ndarray


def test_special_module(xp):
    special = backend.get_special_module(xp.zeros(1))
    assert special.__name__.endswith("scipy.special")
    assert float(special.erf(xp.asarray(0.5))) == pytest.approx(
        0.5204998778130465
    )


# ----------------------------------------------------------- random numbers


def test_rng_is_deterministic():
    a = backend.rng(42).standard_normal(5)
    b = backend.rng(42).standard_normal(5)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, backend.rng(43).standard_normal(5))
    np.testing.assert_array_equal(
        backend.rng().standard_normal(3), backend.rng(0).standard_normal(3)
    )
    gen = np.random.default_rng(1)
    assert backend.rng(gen) is gen


def test_same_numbers_on_every_device(xp):
    """Random numbers come from the host, then move: CPU and GPU agree."""
    host = backend.rng(7).standard_normal((2, 3))
    device = "cpu" if xp is np else "gpu"
    moved = backend.to_device(backend.rng(7).standard_normal((2, 3)), device)
    np.testing.assert_array_equal(backend.to_numpy(moved), host)
