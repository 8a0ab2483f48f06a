"""Latency of a live slider update for the book's demos (target: p95 ≤ 150 ms).

One update is what happens in the kernel when a reader moves a slider in
Jupyter: the ``observe`` callback calls the demo's ``draw`` for the new
value, renders the figure with Agg, encodes the PNG and hands it to the
``Image`` widget. The values are visited in a seeded random order (each
value many times, never the same value twice in a row). Both the wall time
and the CPU time of the kernel thread are printed: on a shared machine the
wall time includes waiting for a core, the CPU time does not.

    .venv/bin/python benchmarks/bench_widgets.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from nnbook import widgets


def bench_demo(name: str, rounds: int, seed: int = 0):
    """Return the wall and CPU time (ms) of every live update of a demo."""
    grid = widgets.DEMO_GRIDS[name]
    draw = getattr(widgets, f"demo_{name}")
    plot = widgets.interactive_plot(draw, **grid)
    (param, values), *_ = grid.items()
    slider = plot.sliders[param]
    gen = np.random.default_rng(seed)
    order = []
    for _ in range(rounds):
        perm = list(gen.permutation(len(values)))
        if order and perm[0] == order[-1]:
            perm.reverse()
        order += perm
    slider.value = values[order[0]]  # warm-up (not timed)
    wall, cpu = [], []
    for i in order[1:]:
        start, start_cpu = time.perf_counter(), time.thread_time()
        slider.value = values[i]  # → observe → draw → PNG → Image.value
        cpu.append(time.thread_time() - start_cpu)
        wall.append(time.perf_counter() - start)
    return 1e3 * np.array(wall), 1e3 * np.array(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    load = os.getloadavg()
    print(
        f"machine: {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, load average {load[0]:.2f} (1 min)"
    )
    print(
        f"{'demo':<18} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"
        f" {'cpu p95':>8}"
    )
    for name in widgets.DEMO_GRIDS:
        t, cpu = bench_demo(name, args.rounds)
        p50, p95 = np.percentile(t, [50, 95])
        verdict = "ok" if p95 <= 150 else "SLOW"
        print(
            f"{name:<18} {len(t):>4} {p50:>8.1f} {p95:>8.1f} "
            f"{t.max():>8.1f} {np.percentile(cpu, 95):>8.1f}  {verdict}"
        )


if __name__ == "__main__":
    main()
