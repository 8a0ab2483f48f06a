"""benchmarks/bench_devices.py and the committed results it wrote."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "bench_devices", ROOT / "benchmarks" / "bench_devices.py"
)
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

RESULT_FILES = sorted((ROOT / "benchmarks" / "results").glob("devices-*.json"))


def test_matmul_and_elementwise_compute_what_they_claim():
    a, b = bench._host_inputs("matmul", 16)
    np.testing.assert_allclose(bench.make_fn("matmul", 16, "cpu")(), a @ b)
    x, y = bench._host_inputs("elementwise", 1000)
    np.testing.assert_allclose(
        bench.make_fn("elementwise", 1000, "cpu")(), np.maximum(x, 0) * y + 1
    )


def test_mlp_step_trains_the_model():
    """Repeating the timed step lowers the loss on its batch."""
    from nnbook import models

    size = ([64, 100, 10], 100)
    step = bench.make_fn("mlp", size, "cpu")
    x, t = bench._host_inputs("mlp", size)
    before = float(models.MLP(size[0], seed=0).loss(x, t))
    model = step.model
    for _ in range(20):
        step()
    assert float(model.loss(x, t)) < before


def test_cpu_timer_reports_median_and_quartiles():
    calls = []
    summary = bench.time_cpu(lambda: calls.append(1), n_warmup=3, n_repeat=8)
    assert len(calls) == 11
    assert summary["repeats"] == 8
    assert summary["q1"] <= summary["median"] <= summary["q3"]


@pytest.mark.parametrize("path", RESULT_FILES, ids=lambda p: p.stem)
def test_results_name_their_machine_and_never_invent_gpu_numbers(path):
    result = json.loads(path.read_text("utf-8"))
    assert path.stem == f"devices-{result['machine']}"
    assert result["cpu"]["cores"] >= 1 and result["cpu"]["model"]
    assert result["cpu"]["blas_threads"] >= 1 and result["blas"]
    assert [r["id"] for r in result["rows"]] == [c[0] for c in bench.CASES]
    for row in result["rows"]:
        transfer = row["kind"] in ("h2d", "d2h")
        assert (row["cpu_ms"] is None) == transfer, row["id"]
        if result["gpu"] is None:
            assert row["gpu_ms"] is None, row["id"]
        else:
            assert row["gpu_ms"]["median"] > 0, row["id"]
    if result["gpu"] is not None:
        assert {"name", "cuda_runtime", "cupy"} <= set(result["gpu"])
