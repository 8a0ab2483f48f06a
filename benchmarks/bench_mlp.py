"""nnbook の MLP と PyTorch (CPU) の 1 学習ステップの速さを比べる.

1 ステップ = 順伝播, 逆伝播, SGD による更新. float32, 同じ形の
ネットワーク, 同じデータで, 二つを交互に (順番も毎回入れ替えて)
何度も測り, 中央値 (ms/step) と比 nnbook/torch を表示します.
GPU があれば CuPy / NumPy / PyTorch CUDA も比べます.

使い方::

    .venv/bin/python benchmarks/bench_mlp.py            # 既定の回数
    .venv/bin/python benchmarks/bench_mlp.py --rounds 30

スレッド数は両方とも ``--threads`` (既定: CPU のコア数) にそろえます.
NumPy の BLAS (OpenBLAS) は threadpoolctl で, PyTorch は
``torch.set_num_threads`` で設定します.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
import torch
from bench_devices import cpu_name  # same folder; run as a script
from threadpoolctl import threadpool_info, threadpool_limits

import nnbook
from nnbook import backend, models, optimizers

CASES = [  # (層の大きさ, バッチの大きさ)
    ([784, 100, 10], 100),
    ([784, 1024, 1024, 10], 256),
]
LR = 0.01


def _data(sizes, batch, seed=0):
    gen = np.random.default_rng(seed)
    x = gen.standard_normal((batch, sizes[0]), dtype=np.float32)
    t = gen.integers(0, sizes[-1], batch)
    return x, t


def _torch_twin(model, device="cpu"):
    """nnbook の重みを写した同じ形の nn.Sequential."""
    n = len(model.sizes) - 1
    mods = []
    for i in range(1, n + 1):
        lin = torch.nn.Linear(model.sizes[i - 1], model.sizes[i])
        with torch.no_grad():
            w = backend.to_numpy(model.params[f"W{i}"])
            lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(w.T)))
            lin.bias.copy_(
                torch.from_numpy(backend.to_numpy(model.params[f"b{i}"]))
            )
        mods.append(lin)
        if i < n:
            mods.append(torch.nn.ReLU())
    return torch.nn.Sequential(*mods).to(device)


def nnbook_step_fn(sizes, x, t):
    model = models.MLP(sizes, seed=0)
    opt = optimizers.SGD(lr=LR)

    def step():
        opt.update(model.params, model.gradient(x, t))

    return model, step


def torch_step_fn(model, x, t, device="cpu", sync=None):
    net = _torch_twin(model, device)
    opt = torch.optim.SGD(net.parameters(), lr=LR)
    xt = torch.from_numpy(backend.to_numpy(x)).to(device)
    tt = torch.from_numpy(backend.to_numpy(t)).to(device)

    def step():
        loss = torch.nn.functional.cross_entropy(net(xt), tt)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if sync is not None:
            sync()

    return step


def _time(fn):
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1e3


def interleaved(fns, rounds, block, skip=2, pause=0.25):
    """fns を交互に測る: 1 ラウンドで各関数を block 回ずつ続けて実行する.

    1 ステップごとに切り替えると, 片方のライブラリの待機中のスレッドが
    (OpenBLAS は最大約 0.1 秒, libgomp もしばらく) CPU を回し続け,
    もう片方の 2 スレッドの計算から 1 コアを奪ってしまいます. そこで
    関数ごとに block 回続けて測り, 切り替えの前に ``pause`` 秒休んで
    待機中のスレッドを眠らせます. 各 block の最初の ``skip`` 回
    (スレッドを起こす分) は捨てます. ラウンドごとに順番を入れ替え,
    時間とともに変わる条件 (他のプロセス, 温度) が両方に同じように
    効くようにします.

    Returns
    -------
    list of list of float
        関数ごとの 1 ステップの時間 (ms).
    """
    times = [[] for _ in fns]
    for r in range(rounds):
        order = list(range(len(fns)))
        if r % 2:
            order.reverse()
        for i in order:
            time.sleep(pause)
            for k in range(skip + block):
                ms = _time(fns[i])
                if k >= skip:
                    times[i].append(ms)
    return times


def _others_busy():
    """このプロセス以外が使った CPU 時間 (秒, 起動以来). Linux のみ."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:9]]
    except OSError:
        return float("nan")
    idle = fields[3] + fields[4]  # idle + iowait
    busy = (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")
    mine = sum(os.times()[:2])
    return busy - mine


def _summary(ms):
    q = statistics.quantiles(ms, n=4)
    return statistics.median(ms), q[0], q[2]


def bench_cpu(rounds):
    rows = []
    for sizes, batch in CASES:
        x, t = _data(sizes, batch)
        model, ours = nnbook_step_fn(sizes, x, t)
        theirs = torch_step_fn(model, x, t)
        block = 30 if sizes[1] < 500 else 8
        t_ours, t_torch = interleaved([ours, theirs], rounds, block)
        n = len(t_ours)
        m_ours, m_torch = _summary(t_ours), _summary(t_torch)
        rows.append((sizes, batch, n, m_ours, m_torch))
        name = "-".join(map(str, sizes))
        print(
            f"{name:>20} batch {batch:3d} ({n} 回): "
            f"nnbook {m_ours[0]:7.3f} ms [{m_ours[1]:.3f}–{m_ours[2]:.3f}]  "
            f"torch {m_torch[0]:7.3f} ms [{m_torch[1]:.3f}–{m_torch[2]:.3f}]  "
            f"比 nnbook/torch = {m_ours[0] / m_torch[0]:.3f}"
        )
    return rows


GPU_CASE = ([784, 4096, 4096, 10], 1024)


def bench_gpu(rounds, case=GPU_CASE):
    """CuPy (nnbook) と NumPy (nnbook) と PyTorch CUDA を比べる."""
    if not backend.gpu_available():
        print("GPU なし: 省略")
        return
    cupy = backend.xp_for_device("gpu")  # cupy を import するのは backend
    sizes, batch = case
    x, t = _data(sizes, batch)
    _, cpu_step = nnbook_step_fn(sizes, x, t)
    backend.use("gpu")
    try:
        xg, tg = backend.to_device(x), backend.to_device(t)
        model, step_on_gpu = nnbook_step_fn(sizes, xg, tg)
    finally:
        backend.use("cpu")

    def gpu_step():
        step_on_gpu()
        cupy.cuda.Device().synchronize()

    fns, labels = [gpu_step], ["nnbook CuPy (GPU)"]
    if torch.cuda.is_available():
        sync = torch.cuda.synchronize
        fns.append(torch_step_fn(model, x, t, "cuda", sync))
        labels.append("PyTorch CUDA")
    else:
        print("この PyTorch は CUDA なしの版です: PyTorch CUDA は省略")
    times = interleaved(fns, rounds, 10)
    times.append(interleaved([cpu_step], 2, 3)[0])
    labels.append("nnbook NumPy (CPU)")
    props = cupy.cuda.runtime.getDeviceProperties(0)
    gpu_name = props["name"].decode()
    name = "-".join(map(str, sizes))
    cuda = cupy.cuda.runtime.runtimeGetVersion()
    print(f"GPU: {gpu_name} ({name}, batch {batch}, float32)")
    major, minor = cuda // 1000, cuda % 1000 // 10
    print(f"CuPy {cupy.__version__}, CUDA runtime {major}.{minor}")
    for label, ms in zip(labels, times, strict=True):
        print(f"  {label:20s} {statistics.median(ms):9.3f} ms/step")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument(
        "--gpu-only",
        action="store_true",
        help="GPU の比較だけ (tools/gpu_check.sh が使う)",
    )
    parser.add_argument(
        "--gpu-case",
        default="784-4096-4096-10x1024",
        help="GPU の比較の層の大きさとバッチ (例: 784-100-10x100)",
    )
    args = parser.parse_args()
    layers_text, _, batch = args.gpu_case.partition("x")
    case = ([int(n) for n in layers_text.split("-")], int(batch))
    torch.set_num_threads(args.threads)
    with threadpool_limits(args.threads, user_api="blas"):
        blas = [
            f"{i['internal_api']} {i.get('version')} "
            f"({i.get('architecture')}, {i['num_threads']} threads)"
            for i in threadpool_info()
            if i["user_api"] == "blas"
        ]
        print(f"CPU: {cpu_name()}, {os.cpu_count()} コア")
        print(f"numpy {np.__version__} BLAS: {', '.join(blas)}")
        print(
            f"torch {torch.__version__} "
            f"(MKL {torch.backends.mkl.is_available()}, "
            f"oneDNN {torch.backends.mkldnn.is_available()}), "
            f"threads: {torch.get_num_threads()}"
        )
        print(f"nnbook {nnbook.__version__}")
        if not args.gpu_only:
            busy0, wall0 = _others_busy(), time.perf_counter()
            bench_cpu(args.rounds)
            others = _others_busy() - busy0
            wall = time.perf_counter() - wall0
            print(
                f"測定中にほかのプロセスが使った CPU: {others:.1f} コア秒 "
                f"(経過 {wall:.1f} 秒. 0 に近いほど静かな状態での値)"
            )
        bench_gpu(args.rounds, case)


if __name__ == "__main__":
    main()
