"""Re-execute chapter notebooks on a fresh kernel and store their outputs.

Usage::

    python tools/execute_notebooks.py                 # every chapter
    python tools/execute_notebooks.py chapters/01_perceptron.ipynb
    python tools/execute_notebooks.py --device gpu --outdir out/  # on a GPU
    python tools/execute_notebooks.py --device gpu --fake --check  # no GPU

``--device gpu`` runs the kernels with ``NNBOOK_DEVICE=gpu``; ``--fake``
makes the CuPy stand-in (tests/fake_cupy.py) play the GPU. Only CPU runs
are committed: with ``--device gpu`` the outputs are written only with
``--outdir`` (``tools/compare_outputs.py`` compares them with the stored
ones). A chapter that raises makes the exit status 1 (the others still
run).

Each notebook runs top to bottom in its own directory on a new kernel with
a fixed environment (CPU, ``PYTHONHASHSEED=0``), so that a second run gives
byte-identical text outputs; that is what ``make test`` (nbval, strict)
checks. Volatile metadata (timestamps) is dropped so that re-running an
unchanged chapter leaves ``git diff`` empty.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"
#: The CuPy stand-in (``--fake``; see tests/fake_cupy.py).
STAND_IN = ROOT / "tests" / "fake_cupy.py"

# The environment every chapter is executed (and tested) in.
EXECUTION_ENV = {
    "NNBOOK_DEVICE": "cpu",
    "PYTHONHASHSEED": "0",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "TQDM_DISABLE": "1",
    # One BLAS thread per kernel: make test runs two chapters at once on a
    # 2-core machine, and the sums come out in the same order everywhere.
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


def _portable_x86_kernels() -> dict[str, str]:
    """Environment that makes an AVX-512 machine compute like an AVX2 one.

    OpenBLAS, NumPy and PyTorch pick their kernels by the CPU. Kernels of
    another width sum in another order, and a training run amplifies the
    last-bit differences: on an AVX-512 machine chapter 8 printed 0.933
    where an AVX2 machine printed 0.936. Pinning the AVX2 kernels
    (OpenBLAS "Haswell", NumPy without its AVX-512 targets, PyTorch's
    "avx2") gives the same outputs on both kinds, so nbval passes on
    whichever machine CI gets.
    """
    import platform

    if platform.machine() not in ("x86_64", "AMD64"):
        return {}
    from numpy._core._multiarray_umath import __cpu_features__

    wide = [
        name
        for name in ("X86_V4", "AVX512_ICL", "AVX512_SPR")
        if __cpu_features__.get(name)
    ]
    env = {"OPENBLAS_CORETYPE": "Haswell", "ATEN_CPU_CAPABILITY": "avx2"}
    if wide:
        env["NPY_DISABLE_CPU_FEATURES"] = " ".join(wide)
    return env


EXECUTION_ENV.update(_portable_x86_kernels())


def find_notebooks(paths: list[str]) -> list[Path]:
    if paths:
        return [Path(p).resolve() for p in paths]
    return sorted(
        p
        for p in CHAPTERS.glob("*.ipynb")
        if ".ipynb_checkpoints" not in p.parts
    )


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
STATIC_SLIDER = 'class="nnbook-slider"'


def strip_volatile(nb: nbformat.NotebookNode) -> None:
    """Remove what changes on every run.

    A slider output carries a live widget view (with a random model id)
    and its static HTML twin. The widget's model is not stored in the
    notebook, so the stored view could only show "model not found";
    dropping it leaves the static slider, which works without a kernel.
    Re-running the cell in Jupyter brings the live widget back.
    """
    nb.metadata.pop("widgets", None)
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)
        cell.metadata.pop("scrolled", None)
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data and STATIC_SLIDER in str(
                data.get("text/html", "")
            ):
                del data[WIDGET_VIEW]


def execute(
    path: Path,
    timeout: int,
    device: str,
    write: bool = True,
    fake: bool = False,
    outdir: Path | None = None,
) -> float:
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    # the kernel inherits this process's environment
    os.environ.update(EXECUTION_ENV, NNBOOK_DEVICE=device)
    if fake:
        os.environ["NNBOOK_FAKE_CUPY"] = str(STAND_IN)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=False,
        record_timing=False,
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    strip_volatile(nb)
    lang = nb.metadata.get("language_info", {})
    nb.metadata["language_info"] = {
        "name": "python",
        "version": lang.get("version", ""),
    }
    nbformat.validate(nb)
    if outdir is not None:
        outdir.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, outdir / path.name)
    elif write:
        nbformat.write(nb, path)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*")
    parser.add_argument("--timeout", type=int, default=600)
    parser.add_argument(
        "--device",
        choices=["cpu", "gpu"],
        default="cpu",
        help="NNBOOK_DEVICE for the run (commit only CPU runs)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="only check that the chapters run; do not store outputs",
    )
    parser.add_argument(
        "--fake",
        action="store_true",
        help="the CuPy stand-in (tests/fake_cupy.py) plays the GPU",
    )
    parser.add_argument(
        "--outdir",
        type=Path,
        help="write the executed notebooks here instead of in place",
    )
    args = parser.parse_args(argv)
    write = not args.check and (args.device == "cpu" or args.outdir)
    failed = []
    for path in find_notebooks(args.notebooks):
        print(f"executing {path.relative_to(ROOT)} ...", flush=True)
        try:
            elapsed = execute(
                path,
                args.timeout,
                args.device,
                write=bool(write),
                fake=args.fake,
                outdir=args.outdir if write else None,
            )
        except Exception as exc:  # CellExecutionError, timeouts, ...
            failed.append(path.name)
            print(f"  FAILED: {type(exc).__name__}: {exc}", flush=True)
            continue
        print(f"  done in {elapsed:.1f} s", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
