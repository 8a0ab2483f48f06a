"""Root pytest configuration.

nbval starts one kernel per chapter notebook; the kernel inherits this
process's environment, so the chapters are checked in exactly the
environment ``tools/execute_notebooks.py`` stored their outputs in.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "tools"))

from execute_notebooks import EXECUTION_ENV  # noqa: E402

os.environ.update(EXECUTION_ENV)
