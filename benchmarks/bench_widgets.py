"""Latency of a live slider update for the book's demos (target: p95 ≤ 150 ms).

One update is what happens in the kernel when a reader moves a slider in
Jupyter: the ``observe`` callback calls the demo's ``draw`` for the new
value, renders the figure with Agg, encodes the PNG and hands it to the
``Image`` widget. The values are visited in a seeded random order (each
value many times, never the same value twice in a row). Both the wall time
and the CPU time of the kernel thread are printed: on a shared machine the
wall time includes waiting for a core, the CPU time does not.

Measured: the two demos of ``chapters/00_sliders.ipynb`` and every slider
of the chapters (each chapter is run in-process first, so its slider's
``draw`` sees the same data as in the book).

    .venv/bin/python benchmarks/bench_widgets.py [--rounds 20] [--no-chapters]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import os
import platform
import time
from pathlib import Path

import nbformat
import numpy as np

from nnbook import widgets

CHAPTERS = Path(__file__).resolve().parents[1] / "chapters"


def visit_order(n_values: int, rounds: int, seed: int = 0) -> list[int]:
    """Each value ``rounds`` times, shuffled, never twice in a row."""
    gen = np.random.default_rng(seed)
    order: list[int] = []
    for _ in range(rounds):
        perm = list(gen.permutation(n_values))
        if order and perm[0] == order[-1]:
            perm.reverse()
        order += perm
    return order


def bench_plot(plot: widgets.InteractivePlot, rounds: int):
    """Wall and CPU time (ms) of every live update of the first slider."""
    (param, slider), *_ = plot.sliders.items()
    values = plot.grid[param]
    order = visit_order(len(values), rounds)
    slider.value = values[order[0]]  # warm-up (not timed)
    wall, cpu = [], []
    for i in order[1:]:
        start, start_cpu = time.perf_counter(), time.thread_time()
        slider.value = values[i]  # → observe → draw → PNG → Image.value
        cpu.append(time.thread_time() - start_cpu)
        wall.append(time.perf_counter() - start)
    return 1e3 * np.array(wall), 1e3 * np.array(cpu)


def demo_plots():
    """The demos of the slider page, by name."""
    for name, grid in widgets.DEMO_GRIDS.items():
        draw = getattr(widgets, f"demo_{name}")
        yield name, widgets.interactive_plot(draw, **grid)


def chapter_plots():
    """Run each chapter in-process and yield the sliders it creates."""
    import matplotlib.pyplot as plt
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    created: list[widgets.InteractivePlot] = []
    original = widgets.interactive_plot

    def recording(*args, **kwargs):
        plot = original(*args, **kwargs)
        created.append(plot)
        return plot

    widgets.interactive_plot = recording
    try:
        for path in sorted(CHAPTERS.glob("[0-9][0-9]_*.ipynb")):
            if path.name.startswith("00_"):
                continue  # the demos above
            nb = nbformat.read(path, as_version=4)
            created.clear()
            cwd = os.getcwd()
            os.chdir(path.parent)
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    for cell in nb.cells:
                        if cell.cell_type == "code":
                            # the chapter's own import picks up the
                            # recording wrapper installed above
                            shell.run_cell(
                                cell.source, store_history=False
                            ).raise_error()
                            plt.close("all")
            finally:
                os.chdir(cwd)
            for k, plot in enumerate(created, 1):
                yield f"{path.stem[:2]}章 slider {k} ({plot.names[0]})", plot
    finally:
        widgets.interactive_plot = original


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--no-chapters", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("NNBOOK_DEVICE", "cpu")
    load = os.getloadavg()
    print(
        f"machine: {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, load average {load[0]:.2f} (1 min)"
    )
    print(
        f"{'demo':<28} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"
        f" {'cpu p95':>8}"
    )
    plots = demo_plots()
    if not args.no_chapters:
        # Lazily: a chapter's sliders are timed before the next chapter
        # runs in the same namespace (chapter 4 reuses chapter 3's names).
        plots = itertools.chain(plots, chapter_plots())
    for name, plot in plots:
        t, cpu = bench_plot(plot, args.rounds)
        p50, p95 = np.percentile(t, [50, 95])
        verdict = "ok" if p95 <= 150 else "SLOW"
        print(
            f"{name:<28} {len(t):>4} {p50:>8.1f} {p95:>8.1f} "
            f"{t.max():>8.1f} {np.percentile(cpu, 95):>8.1f}  {verdict}"
        )


if __name__ == "__main__":
    main()
