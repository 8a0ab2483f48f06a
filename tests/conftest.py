"""Shared fixtures: the ``xp`` fixture runs a test on NumPy and, where a
CUDA GPU and CuPy exist, on CuPy too (skipped cleanly otherwise)."""

import numpy as np
import pytest

from nnbook import backend


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
