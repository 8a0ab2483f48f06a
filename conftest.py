"""Root pytest configuration.

nbval starts one kernel per chapter notebook; the kernel inherits this
process's environment, so the chapters are checked in the environment
``tools/execute_notebooks.py`` stored their outputs in, except for the
device: ``NNBOOK_DEVICE`` is kept when it is set (``make test`` sets
``gpu``; ``make test-gpu`` too).

Where CuPy is not installed, ``NNBOOK_FAKE_CUPY`` points at the CuPy
stand-in ``tests/fake_cupy.py``, so that ``nnbook.use("gpu")`` and
``NNBOOK_DEVICE=gpu`` work without a GPU and every host/device mix that
CuPy would refuse raises here too. Set ``NNBOOK_FAKE_CUPY=`` (empty) to
turn the stand-in off.
"""

import importlib.util
import os
import sys
from pathlib import Path

ROOT = Path(__file__).parent
sys.path.insert(0, str(ROOT / "tools"))

from execute_notebooks import EXECUTION_ENV, STAND_IN  # noqa: E402

for key, value in EXECUTION_ENV.items():
    if key == "NNBOOK_DEVICE":
        os.environ.setdefault(key, value)
    else:
        os.environ[key] = value
if "NNBOOK_FAKE_CUPY" not in os.environ and not importlib.util.find_spec(
    "cupy"
):
    os.environ["NNBOOK_FAKE_CUPY"] = str(STAND_IN)
