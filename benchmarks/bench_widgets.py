"""Latency of a slider update in Jupyter (target: p95 ≤ 150 ms).

One update is what happens in the kernel when a reader moves a slider in
Jupyter: the ``observe`` callback runs and the ``Image`` widget gets a new
PNG. For a live slider (the default of ``interactive_plot``) that means
calling the slider's ``draw`` for the new value, rendering the figure with
Agg and encoding the PNG; for a ``precomputed=True`` slider it only picks
one of the frames drawn when the cell ran (timed too, for comparison).

Live sliders are moved to seeded random positions of their Jupyter range
(``nnbook.widgets.LiveRange``: the positions the front end can send,
between the grid values as well as on them), never to the same value
twice in a row (that would not fire ``observe``); for two parameters the
slider moved is drawn at random too. Precomputed sliders are moved to
random grid values. Both the wall time and the CPU time of the kernel
thread are printed: on a shared machine the wall time includes waiting
for a core, the CPU time does not.

Measured: the two demos of ``chapters/00_sliders.ipynb`` and every slider
of chapters 1–9 (each chapter is run in-process first, so its slider's
``draw`` sees the same data as in the book, and the kernel's heap is as
large as after running the chapter in Jupyter).

    .venv/bin/python benchmarks/bench_widgets.py [--updates 100]
        [--chapters 00 03 07] [--no-chapters]
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

from nnbook import demos, widgets

CHAPTERS = Path(__file__).resolve().parents[1] / "chapters"
TARGET_MS = 150


def live_positions(live: widgets.LiveRange) -> np.ndarray:
    """Every value the Jupyter slider can send (the front end's positions)."""
    n = round((live.high - live.low) / live.step)
    coords = live.low + live.step * np.arange(n + 1)
    return 10.0**coords if live.scale == "log" else coords


def random_moves(plot: widgets.InteractivePlot, n: int, seed: int = 0):
    """``n`` (slider name, value) moves; each changes the slider's value."""
    gen = np.random.default_rng(seed)
    if plot.precomputed:
        choices = {name: np.array(plot.grid[name]) for name in plot.names}
    else:
        choices = {
            name: live_positions(plot.live[name]) for name in plot.names
        }
    current = dict(plot.values_at(plot.index))
    moves = []
    while len(moves) < n:
        name = plot.names[gen.integers(len(plot.names))]
        value = choices[name][gen.integers(len(choices[name]))].item()
        if len(choices[name]) > 1 and value == current[name]:
            continue
        current[name] = value
        moves.append((name, value))
    return moves


def bench_plot(plot: widgets.InteractivePlot, updates: int):
    """Wall and CPU time (ms) of ``updates`` updates, after one warm-up."""
    sliders = plot.sliders  # builds the widget (and renders its first image)
    moves = random_moves(plot, updates + 1)
    name, value = moves[0]
    sliders[name].value = value  # warm-up (not timed)
    wall, cpu = [], []
    for name, value in moves[1:]:
        start, start_cpu = time.perf_counter(), time.thread_time()
        sliders[name].value = value  # → observe → (draw →) PNG → Image
        cpu.append(time.thread_time() - start_cpu)
        wall.append(time.perf_counter() - start)
    return 1e3 * np.array(wall), 1e3 * np.array(cpu)


def demo_plots():
    """The demos of the slider page, as the page makes them."""
    for name, grid in demos.DEMO_GRIDS.items():
        draw = getattr(demos, f"demo_{name}")
        yield f"00 {name}", widgets.interactive_plot(draw, **grid)


def chapter_plots(selected=None):
    """Run each chapter in-process and yield the sliders it creates.

    A chapter's sliders are yielded (and timed) before the next chapter
    runs in the same namespace (chapter 4 reuses names of chapter 3).
    """
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
            number = path.stem[:2]
            if number == "00" or (selected and number not in selected):
                continue  # 00: the demos above
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
                yield f"{number} slider {k} ({', '.join(plot.names)})", plot
    finally:
        widgets.interactive_plot = original


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=100)
    parser.add_argument("--no-chapters", action="store_true")
    parser.add_argument(
        "--chapters", nargs="*", help="chapter numbers, e.g. 00 03 07"
    )
    args = parser.parse_args()
    os.environ.setdefault("NNBOOK_DEVICE", "cpu")
    os.environ.setdefault("TQDM_DISABLE", "1")  # the chapters' progress bars
    print(
        f"machine: {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.2f} (1 min) at the start"
    )
    print(
        f"{'slider':<34} {'mode':<11} {'n':>4} {'p50 ms':>7} {'p95 ms':>7}"
        f" {'max ms':>7} {'cpu p50':>7} {'cpu p95':>7}"
    )
    with_demos = not args.chapters or "00" in args.chapters
    plots = demo_plots() if with_demos else iter(())
    if not args.no_chapters:
        # lazily: each chapter's sliders are timed before the next runs
        plots = itertools.chain(plots, chapter_plots(args.chapters))
    for name, plot in plots:
        mode = "precomputed" if plot.precomputed else "live"
        t, cpu = bench_plot(plot, args.updates)
        p50, p95 = np.percentile(t, [50, 95])
        c50, c95 = np.percentile(cpu, [50, 95])
        verdict = "ok" if p95 <= TARGET_MS else "SLOW"
        print(
            f"{name:<34} {mode:<11} {len(t):>4} {p50:>7.1f} {p95:>7.1f} "
            f"{t.max():>7.1f} {c50:>7.1f} {c95:>7.1f}  {verdict}",
            flush=True,
        )
    print(f"load average {os.getloadavg()[0]:.2f} (1 min) at the end")


if __name__ == "__main__":
    main()
