"""tools/compare_outputs.py: GPU outputs vs the committed CPU outputs."""

import importlib.util
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "compare_outputs", ROOT / "tools" / "compare_outputs.py"
)
co = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(co)


@pytest.mark.parametrize(
    "ref, new, ok",
    [
        ("loss = 0.123", "loss = 0.123", True),
        ("loss = 0.123", "loss = 0.124", True),  # one unit in the last digit
        ("loss = 0.123", "loss = 0.125", False),
        ("acc 97.52 %", "acc 97.60 %", True),  # rtol 1e-3 of 97.52
        ("acc 97.52 %", "acc 97.75 %", False),
        ("w = 1234.5", "w = 1235.6", True),  # rtol 1e-3 of 1234.5
        ("w = 1234.5", "w = 1236.0", False),
        ("x = 1e-05", "x = 1.0000001e-05", True),
        ("loss = 0.123", "loss = nan", False),  # text differs
        ("3 epochs", "4 epochs", False),  # integers are exact
        ("12345 steps", "12346 steps", False),
    ],
)
def test_numbers_close_uses_rtol_or_the_printed_digit(ref, new, ok):
    assert co.numbers_close(ref, new, 1e-3)[0] is ok


def _notebook(path, outputs_per_cell):
    nb = nbformat.v4.new_notebook()
    for i, outputs in enumerate(outputs_per_cell):
        cell = nbformat.v4.new_code_cell(f"cell_{i}()")
        cell.outputs = outputs
        nb.cells.append(cell)
    nbformat.write(nb, path)


def _stream(text):
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def test_compare_folders(tmp_path, capsys):
    ref, new = tmp_path / "ref", tmp_path / "new"
    ref.mkdir()
    new.mkdir()
    cpu = [
        [_stream("計算に使うデバイス: cpu\n")],
        [_stream("a = 0.500\nb = 1\n")],
    ]
    gpu = [
        [_stream("計算に使うデバイス: gpu\n")],  # sanitized
        [_stream("a = 0.501\n"), _stream("b = 1\n")],  # split stream
    ]
    _notebook(ref / "01_x.ipynb", cpu)
    _notebook(new / "01_x.ipynb", gpu)
    assert co.main([str(ref), str(new)]) == 0
    assert "| 01_x | 1 | 1 | 0 | 0 | 0 |" in capsys.readouterr().out

    _notebook(new / "01_x.ipynb", [gpu[0], [_stream("a = 0.9\nb = 1\n")]])
    assert co.main([str(ref), str(new)]) == 2  # beyond the tolerance

    error = nbformat.v4.new_output(
        "error", ename="TypeError", evalue="Implicit", traceback=[]
    )
    _notebook(new / "01_x.ipynb", [gpu[0], [error]])
    assert co.main([str(ref), str(new)]) == 1  # a cell raised

    _notebook(ref / "02_y.ipynb", cpu)  # never executed on the GPU
    _notebook(new / "01_x.ipynb", gpu)
    assert co.main([str(ref), str(new)]) == 1
