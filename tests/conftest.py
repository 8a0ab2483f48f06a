"""Shared fixtures.

The ``xp`` fixture runs a test on NumPy and on CuPy: the real one where a
CUDA GPU and CuPy exist, else the CuPy stand-in ``tests/fake_cupy.py``
(the root conftest points ``NNBOOK_FAKE_CUPY`` at it).

The default device of the whole run comes from ``NNBOOK_DEVICE``
(``make test`` and ``make test-gpu`` set ``gpu``); every test starts on it,
whatever the previous test switched to.
"""

import numpy as np
import pytest

from nnbook import backend

#: The default device of this run (``NNBOOK_DEVICE``, else cpu).
DEFAULT_DEVICE = backend.current_device()


@pytest.fixture(autouse=True)
def _default_device():
    """Every test starts (and ends) on the run's default device."""
    backend.use(DEFAULT_DEVICE)
    yield
    backend.use(DEFAULT_DEVICE)


def stand_in():
    """The CuPy stand-in module when it plays CuPy in this run, else None."""
    cupy = backend._load_cupy()
    return cupy if getattr(cupy, "IS_STAND_IN", False) else None


@pytest.fixture
def counting():
    """``with counting() as c:`` counts syncs and transfers (stand-in only).

    On a real GPU the counts cannot be observed; tests using this fixture
    are skipped there (they prove the same code paths on the stand-in).
    """
    fake = stand_in()
    if fake is None:
        pytest.skip("同期の回数は CuPy の代役 (tests/fake_cupy.py) で数える")
    return fake.counting


@pytest.fixture
def on_gpu():
    """Make the GPU (real or stand-in) the default device for the test."""
    if not backend.gpu_available():
        pytest.skip("CuPy/GPU が無いので省略")
    backend.use("gpu")
    return backend.xp_for_device("gpu")


def _gpu_param():
    marks = [pytest.mark.gpu]
    if not backend.gpu_available():
        marks.append(pytest.mark.skip(reason="CuPy/GPU が無いので省略"))
    return pytest.param("gpu", marks=marks, id="cupy")


@pytest.fixture(params=[pytest.param("cpu", id="numpy"), _gpu_param()])
def xp(request):
    """The array module under test: numpy, or cupy on a GPU machine."""
    return backend.xp_for_device(request.param)


@pytest.fixture
def device(xp):
    """Make ``xp``'s device the default for array creation; restore after."""
    before = backend.current_device()
    backend.use("cpu" if xp is np else "gpu")
    yield xp
    backend.use(before)


@pytest.fixture
def strict_numpy():
    """Turn overflow / invalid / divide warnings into errors."""
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        yield


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
