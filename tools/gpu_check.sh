#!/usr/bin/env bash
# One prepared check of nnbook on a CUDA GPU (called by `make test-gpu`).
#
#   tools/gpu_check.sh OUT_DIR          # on the GPU machine
#   tools/gpu_check.sh --fake OUT_DIR   # here: the CuPy stand-in plays the GPU
#
# The GPU machine has Python 3.12 with CuPy, NumPy, matplotlib,
# scikit-learn, pytest, hypothesis and torch, but no Jupyter stack and no
# package registry. The time limits of the steps add up to 575 s (the
# device tool allows 600 s a command). Bring the wheels of tools/gpu-requirements.txt in .whl/
# (`make gpu-wheels`, ≈ 22 MB, not committed). Steps, each with a time
# limit so that the report is always written:
#
#   1. install the missing wheels from .whl/ (only those not installed)
#      into a private folder, and nnbook itself --no-deps (offline build)
#   2. the test suite with the GPU as the default device (NNBOOK_DEVICE=gpu;
#      without the browser, textlint and reader-version tests, which need
#      Node, Chromium or run the chapters a second time)
#   3. every chapter executed on the GPU (fresh kernels), outputs written
#      to OUT_DIR/chapters/ and compared with the committed CPU outputs
#      (tools/compare_outputs.py: rtol 1e-3 or one unit in the last
#      printed digit)
#   4. the GPU part of benchmarks/bench_mlp.py
#
# Everything goes to OUT_DIR: report.md (summary), env.txt, *.log.
# --fake (for testing this script without a GPU): the stand-in of
# tests/fake_cupy.py plays CuPy, step 1 checks offline that .whl/ holds a
# complete cp312 set (pip --dry-run) instead of replacing this machine's
# packages, and the benchmark runs a small network.
set -uo pipefail

FAKE=0
if [[ "${1:-}" == "--fake" ]]; then FAKE=1; shift; fi
OUT="${1:?usage: tools/gpu_check.sh [--fake] OUT_DIR}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
SITE="$OUT/site"  # nnbook and the missing wheels go here (PYTHONPATH)
REPORT="$OUT/report.md"
cd "$ROOT"

export NNBOOK_DEVICE=gpu PYTHONHASHSEED=0 TQDM_DISABLE=1 MPLBACKEND=Agg
export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}"
if [[ $FAKE == 1 ]]; then
  export NNBOOK_FAKE_CUPY="$ROOT/tests/fake_cupy.py"
else
  export NNBOOK_FAKE_CUPY=""  # the real CuPy, never the stand-in
fi

STATUS=()
step() {  # step NAME TIMEOUT_S COMMAND...: run, log, record the outcome
  local name=$1 limit=$2; shift 2
  local start=$SECONDS rc
  echo "==> $name" | tee -a "$OUT/steps.log"
  timeout "$limit" "$@" >"$OUT/$name.log" 2>&1
  rc=$?
  local took=$((SECONDS - start))
  local what="ok"
  if [[ $rc == 124 ]]; then what="timed out after ${limit} s"
  elif [[ $rc != 0 ]]; then what="failed (exit $rc)"; fi
  STATUS+=("| $name | $what | ${took} s | $name.log |")
  echo "    $what in ${took} s" | tee -a "$OUT/steps.log"
  tail -n 3 "$OUT/$name.log" | sed 's/^/    /'
  return $rc
}

install_wheels() {
  mkdir -p "$SITE"
  "$PYTHON" - "$ROOT/tools/gpu-requirements.txt" >"$OUT/missing.txt" <<'EOF'
import importlib.metadata as md, sys
for line in open(sys.argv[1]):
    req = line.split("#")[0].strip()
    if not req:
        continue
    name = req.split("==")[0]
    try:
        md.version(name)
    except md.PackageNotFoundError:
        print(req)
EOF
  echo "missing here: $(wc -l <"$OUT/missing.txt") of the carried wheels"
  if [[ $FAKE == 1 ]]; then
    # the carried set must be complete for CPython 3.12, offline
    "$PYTHON" -m pip install --disable-pip-version-check --dry-run \
      --no-deps --no-index --find-links "$ROOT/.whl" --only-binary=:all: \
      --python-version 3.12 --platform manylinux2014_x86_64 \
      --platform manylinux_2_28_x86_64 --target "$OUT/dry-run" \
      -r "$ROOT/tools/gpu-requirements.txt" || return 1
  elif [[ -s "$OUT/missing.txt" ]]; then
    "$PYTHON" -m pip install --disable-pip-version-check --no-deps \
      --no-index --find-links "$ROOT/.whl" --target "$SITE" \
      -r "$OUT/missing.txt" || return 1
  fi
  # nnbook itself, built offline (setuptools from .whl/ if need be)
  "$PYTHON" -m pip install --disable-pip-version-check --no-deps \
    --no-index --find-links "$ROOT/.whl" --target "$SITE" --upgrade \
    "$ROOT" || return 1
  "$PYTHON" - <<'EOF'
import nnbook, nnbook.backend as b
print("nnbook from", nnbook.__file__)
print("default device:", b.current_device(), "/ CuPy:", b._load_cupy())
import nbclient, ipykernel, ipywidgets, matplotlib_fontja  # noqa: F401
EOF
}

env_info() {
  {
    date -u +"%Y-%m-%d %H:%M UTC"
    uname -a
    "$PYTHON" --version
    command -v nvidia-smi >/dev/null && nvidia-smi \
      --query-gpu=name,driver_version,memory.total --format=csv
    "$PYTHON" - <<'EOF'
import importlib.metadata as md
for name in ("numpy", "cupy-cuda13x", "cupy-cuda12x", "cupy", "torch",
             "matplotlib", "scikit-learn", "pytest", "hypothesis"):
    try:
        print(f"{name} {md.version(name)}")
    except md.PackageNotFoundError:
        pass
from nnbook import backend
cupy = backend._load_cupy()
if cupy is not None:
    rt = cupy.cuda.runtime
    name = rt.getDeviceProperties(0)["name"].decode()
    v = rt.runtimeGetVersion()
    print(f"GPU: {name}; CuPy {cupy.__version__}; CUDA runtime "
          f"{v // 1000}.{v % 1000 // 10}")
else:
    print("no GPU:", backend._cupy_error)
EOF
  } >"$OUT/env.txt" 2>&1
}

# --- the steps ---------------------------------------------------------------
export FAKE ROOT OUT SITE PYTHON
export -f install_wheels  # `timeout` runs it in a child bash
step install 60 bash -c install_wheels
env_info
step pytest 200 "$PYTHON" -m pytest -p no:cacheprovider -q tests \
  -m "not browser" --ignore=tests/test_site.py \
  --ignore=tests/test_textlint.py --ignore=tests/test_reader_version.py \
  --junitxml="$OUT/pytest.xml"
rm -rf "$OUT/chapters"
step chapters 240 "$PYTHON" tools/execute_notebooks.py --device gpu \
  --timeout 300 --outdir "$OUT/chapters" $([[ $FAKE == 1 ]] && echo --fake)
step compare 30 "$PYTHON" tools/compare_outputs.py chapters "$OUT/chapters" \
  --report "$OUT/compare.md"
if [[ $FAKE == 1 ]]; then CASE=784-100-10x100; else CASE=784-4096-4096-10x1024; fi
step bench 45 "$PYTHON" benchmarks/bench_mlp.py --gpu-only --rounds 5 \
  --gpu-case "$CASE"

# --- the report --------------------------------------------------------------
{
  echo "# nnbook GPU check"
  echo
  [[ $FAKE == 1 ]] && echo "**--fake: the CuPy stand-in played the GPU.**" \
    && echo
  echo '```'
  cat "$OUT/env.txt"
  echo '```'
  echo
  echo "| step | result | time | log |"
  echo "| --- | --- | ---: | --- |"
  printf '%s\n' "${STATUS[@]}"
  echo
  echo "## pytest (NNBOOK_DEVICE=gpu)"
  echo '```'
  tail -n 15 "$OUT/pytest.log"
  echo '```'
  echo
  echo "## Chapters on the GPU vs the committed CPU outputs"
  echo
  cat "$OUT/compare.md" 2>/dev/null || echo "(no comparison)"
  echo
  echo "## Benchmark (benchmarks/bench_mlp.py --gpu-only)"
  echo '```'
  cat "$OUT/bench.log"
  echo '```'
} >"$REPORT"
echo "report: $REPORT"
for s in "${STATUS[@]}"; do [[ $s == *"| ok |"* ]] || exit 1; done
