"""NumPy (CPU) と CuPy (GPU) の計算時間を問題の大きさごとに比べる.

測るもの (すべて float32):

- 行列積 ``a @ b`` (n × n, n = 256, 1024, 2048)
- 要素ごとの演算 ``maximum(x, 0) * y + 1`` (1e5, 1e7 要素)
- 本書の MLP の 1 学習ステップ (順伝播, 逆伝播, SGD の更新):
  digits の大きさ 64-100-10 (バッチ 100) と大きな 784-1024-1024-10
  (バッチ 256)
- ホスト ↔ デバイスの転送 (1e7 要素 = 40 MB), GPU のときだけ

CPU 側は ``time.perf_counter`` で, ウォームアップの後に繰り返し測った
中央値と四分位です. BLAS のスレッド数は ``--threads`` (既定: この
マシンのコア数) に threadpoolctl で固定し, 結果のファイルに書きます.
GPU 側は CuPy と GPU があるときだけ, ``cupyx.profiler.benchmark``
(ウォームアップ付き, CUDA イベントで測る GPU 時間) で測ります.

使い方::

    .venv/bin/python benchmarks/bench_devices.py --machine cpu-2core
    # -> benchmarks/results/devices-cpu-2core.json
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

import nnbook
from nnbook import backend, models, optimizers

RESULTS = Path(__file__).resolve().parent / "results"
LR = 0.01
TRANSFER_N = 10**7

# (id, 種類, 表に出す名前, 大きさ)
CASES = [
    ("matmul-256", "matmul", "行列積 256×256", 256),
    ("matmul-1024", "matmul", "行列積 1024×1024", 1024),
    ("matmul-2048", "matmul", "行列積 2048×2048", 2048),
    ("elementwise-1e5", "elementwise", "要素ごとの演算 1e5 要素", 10**5),
    ("elementwise-1e7", "elementwise", "要素ごとの演算 1e7 要素", 10**7),
    ("mlp-digits", "mlp", "MLP 64-100-10 (バッチ 100)", ([64, 100, 10], 100)),
    (
        "mlp-large",
        "mlp",
        "MLP 784-1024-1024-10 (バッチ 256)",
        ([784, 1024, 1024, 10], 256),
    ),
    ("h2d-1e7", "h2d", "転送 ホスト→GPU 1e7 要素 (40 MB)", TRANSFER_N),
    ("d2h-1e7", "d2h", "転送 GPU→ホスト 1e7 要素 (40 MB)", TRANSFER_N),
]


def _host_inputs(kind, size, seed=0):
    """ホストで作った入力 (乱数はいつも NumPy の Generator から)."""
    gen = np.random.default_rng(seed)
    if kind == "matmul":
        return [gen.standard_normal((size, size), dtype=np.float32)] * 2
    if kind in ("elementwise", "h2d", "d2h"):
        return [gen.standard_normal(size, dtype=np.float32) for _ in range(2)]
    sizes, batch = size
    x = gen.standard_normal((batch, sizes[0]), dtype=np.float32)
    return [x, gen.integers(0, sizes[-1], batch)]


def make_fn(kind, size, device):
    """device ('cpu' / 'gpu') の上で 1 回分の計算をする関数を返す."""
    xp = backend.xp_for_device(device)
    host = _host_inputs(kind, size)
    if kind == "h2d":
        return lambda: xp.asarray(host[0])
    if kind == "d2h":
        on_device = xp.asarray(host[0])
        return lambda: backend.to_numpy(on_device)
    args = [backend.to_device(a, device) for a in host]
    if kind == "matmul":
        a, b = args
        return lambda: a @ b
    if kind == "elementwise":
        x, y = args
        return lambda: xp.maximum(x, 0) * y + 1
    sizes, _ = size
    previous = backend.current_device()
    backend.use(device)  # 重みを device の上に作る
    try:
        model = models.MLP(sizes, seed=0)
    finally:
        backend.use(previous)
    opt = optimizers.SGD(lr=LR)
    x, t = args

    def step():
        opt.update(model.params, model.gradient(x, t))

    step.model = model  # 学習が進んでいることを確かめるため (テスト)
    return step


def _repeats(kind, size):
    big = (kind == "matmul" and size >= 2048) or (
        kind == "mlp" and size[0][1] >= 1000
    )
    return (3, 15) if big else (10, 50)


def time_cpu(fn, n_warmup, n_repeat):
    """ウォームアップの後 n_repeat 回測り, ms の中央値と四分位を返す."""
    for _ in range(n_warmup):
        fn()
    ms = []
    for _ in range(n_repeat):
        start = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - start) * 1e3)
    return _summary(ms)


def time_gpu(fn, n_warmup, n_repeat):
    """cupyx.profiler.benchmark の GPU 時間 (CUDA イベント) を ms で返す."""
    from cupyx.profiler import benchmark  # noqa: PLC0415 (GPU のときだけ)

    result = benchmark(fn, n_warmup=n_warmup, n_repeat=n_repeat)
    return _summary([float(s) * 1e3 for s in result.gpu_times[0]])


def _summary(ms):
    q1, _, q3 = statistics.quantiles(ms, n=4)
    return {
        "median": round(statistics.median(ms), 4),
        "q1": round(q1, 4),
        "q3": round(q3, 4),
        "repeats": len(ms),
    }


def cpu_name():
    """The CPU model from /proc/cpuinfo (Linux), else what platform says."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _gpu_info():
    cupy = backend.xp_for_device("gpu")
    props = cupy.cuda.runtime.getDeviceProperties(0)
    return {
        "name": props["name"].decode(),
        "cuda_runtime": cupy.cuda.runtime.runtimeGetVersion(),
        "cuda_driver": cupy.cuda.runtime.driverGetVersion(),
        "cupy": cupy.__version__,
        "memory_gib": round(props["totalGlobalMem"] / 2**30, 1),
    }


def run(machine, threads):
    has_gpu = backend.gpu_available()
    rows = []
    for case_id, kind, label, size in CASES:
        n_warmup, n_repeat = _repeats(kind, size)
        row = {"id": case_id, "kind": kind, "label": label}
        transfer = kind in ("h2d", "d2h")
        row["cpu_ms"] = (
            None
            if transfer
            else time_cpu(make_fn(kind, size, "cpu"), n_warmup, n_repeat)
        )
        row["gpu_ms"] = (
            time_gpu(make_fn(kind, size, "gpu"), n_warmup, n_repeat)
            if has_gpu
            else None
        )
        rows.append(row)
        cpu = row["cpu_ms"]["median"] if row["cpu_ms"] else float("nan")
        gpu = row["gpu_ms"]["median"] if row["gpu_ms"] else float("nan")
        print(f"{label:36s} CPU {cpu:10.3f} ms   GPU {gpu:10.3f} ms")
    blas = [
        {
            "library": i["internal_api"],
            "version": i.get("version"),
            "architecture": i.get("architecture"),
            "threads": i["num_threads"],
        }
        for i in threadpool_info()
        if i["user_api"] == "blas"
    ]
    return {
        "machine": machine,
        "measured_at": datetime.datetime.now(datetime.UTC).strftime(
            "%Y-%m-%dT%H:%MZ"
        ),
        "cpu": {
            "model": cpu_name(),
            "cores": os.cpu_count(),
            "blas_threads": threads,
        },
        "load_average_1min": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas,
        "nnbook": nnbook.__version__,
        "dtype": "float32",
        "gpu": _gpu_info() if has_gpu else None,
        "rows": rows,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machine", default=platform.node() or "unknown")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    start = time.perf_counter()
    with threadpool_limits(args.threads, user_api="blas"):
        result = run(args.machine, args.threads)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"devices-{args.machine}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    print(f"{path} に書きました (経過 {time.perf_counter() - start:.1f} 秒)")


if __name__ == "__main__":
    main()
