"""The reader version of the chapters (tools/make_reader_version.py)."""

import importlib.util
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTER_1 = ROOT / "chapters" / "01_perceptron.ipynb"
# Every numbered chapter and appendix (a1_…) has exercises (the slider
# page 00 has none).
CHAPTERS = sorted(
    p
    for p in (ROOT / "chapters").glob("[0-9a-z][0-9]_*.ipynb")
    if not p.name.startswith("00_")
)

_spec = importlib.util.spec_from_file_location(
    "make_reader_version", ROOT / "tools" / "make_reader_version.py"
)
mrv = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mrv)


def _exercise_cells(nb):
    return [
        (i, c)
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and "exercise" in c.metadata.get("tags", [])
    ]


# ------------------------------------------------------------ blank_answer


def test_blank_answer_keeps_markers_and_indentation():
    source = (
        "def f(x):\n"
        '    """doc"""\n'
        "    # --- 解答 ここから ---\n"
        "    y = x + 1\n"
        "\n"
        "    return y\n"
        "    # --- 解答 ここまで ---\n"
        "\n"
        "print(f)"
    )
    assert mrv.blank_answer(source) == (
        "def f(x):\n"
        '    """doc"""\n'
        "    # --- 解答 ここから ---\n"
        '    raise NotImplementedError("ここを実装してください")\n'
        "    # --- 解答 ここまで ---\n"
        "\n"
        "print(f)"
    )


def test_blank_answer_handles_several_pairs():
    source = (
        "# --- 解答 ここから ---\na = 1\n# --- 解答 ここまで ---\n"
        "def g():\n"
        "        # --- 解答 ここから ---\n        return 2\n"
        "        # --- 解答 ここまで ---"
    )
    out = mrv.blank_answer(source)
    assert out.count("raise NotImplementedError") == 1
    assert out.count("a = ...") == 1
    assert "a = 1" not in out and "return 2" not in out
    assert '        raise NotImplementedError("' in out


def test_top_level_answer_becomes_ellipsis_not_a_raise():
    source = (
        "# --- 解答 ここから ---\n"
        "answer = 0.5  # 導出した値\n"
        "limit: float = 2.0\n"
        "answer = 0.25\n"
        "# --- 解答 ここまで ---"
    )
    out = mrv.blank_answer(source)
    assert out.split("\n") == [
        mrv.BEGIN,
        "answer = ...  # ここに答えを書いてください",
        "limit = ...  # ここに答えを書いてください",
        mrv.END,
    ]
    namespace = {}
    exec(out, namespace)  # runs: nothing raises at the top level
    assert namespace["answer"] is Ellipsis


def test_top_level_answer_without_assignment_fails_loudly():
    source = "# --- 解答 ここから ---\nprint(1)\n# --- 解答 ここまで ---"
    with pytest.raises(mrv.MarkerError, match="must assign a value"):
        mrv.blank_answer(source, "nb.ipynb, cell 3")


def test_solution_cells_are_dropped_and_other_markdown_kept():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("### 練習問題1.1 【導出】問題"),
        nbformat.v4.new_code_cell(
            "# --- 解答 ここから ---\nanswer = 3\n# --- 解答 ここまで ---",
            metadata={"tags": ["exercise", "hide-input"]},
        ),
        nbformat.v4.new_code_cell("check.q1_1(answer)"),
        nbformat.v4.new_markdown_cell(
            "解説: 答えは 3", metadata={"tags": ["solution"]}
        ),
        nbformat.v4.new_markdown_cell(
            "solution という語を含むだけの本文", metadata={"tags": ["note"]}
        ),
    ]
    reader = mrv.reader_notebook(nb, "x.ipynb")
    sources = [c.source for c in reader.cells]
    assert len(reader.cells) == 4
    assert not any("答えは 3" in s for s in sources)
    assert "answer = ..." in sources[1]
    assert sources[3].startswith("solution という語")
    assert len(nb.cells) == 5  # the original is untouched


def _glue_output(name, value):
    return nbformat.v4.new_output(
        "display_data",
        data={"application/papermill.record/text/plain": repr(value)},
        metadata={
            "scrapbook": {
                "name": name,
                "mime_prefix": "application/papermill.record/",
            }
        },
    )


def test_glued_values_are_written_into_the_prose():
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("glue('acc', acc, display=False)")
    code.outputs = [_glue_output("acc", 0.95547), _glue_output("n", 1438)]
    nb.cells = [
        code,
        nbformat.v4.new_markdown_cell(
            "正解率は{glue:text}`acc:.3f`({glue:text}`acc:.1%`)、"
            "{glue:text}`n:,d`枚、{glue}`n`です。"
        ),
    ]
    reader = mrv.reader_notebook(nb, "x.ipynb")
    assert (
        reader.cells[1].source == "正解率は0.955(95.5%)、1,438枚、1438です。"
    )
    assert reader.cells[0].outputs == []
    nb.cells[1].source = "{glue:text}`missing:.3f`"
    with pytest.raises(ValueError, match="missing"):
        mrv.reader_notebook(nb, "x.ipynb")


def test_site_download_has_the_values_and_no_outputs(tmp_path):
    """The notebooks the site offers for download (_ext/nnbook_site)."""
    spec = importlib.util.spec_from_file_location(
        "nnbook_site", ROOT / "_ext" / "nnbook_site.py"
    )
    site = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(site)
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("glue('acc', acc, display=False)")
    code.outputs = [_glue_output("acc", 0.95547)]
    code.execution_count = 3
    nb.cells = [code, nbformat.v4.new_markdown_cell("{glue:text}`acc:.3f`")]
    nbformat.write(nb, tmp_path / "x.ipynb")
    site._strip_outputs(tmp_path)
    out = nbformat.read(tmp_path / "x.ipynb", as_version=4)
    assert out.cells[1].source == "0.955"
    assert out.cells[0].outputs == [] and out.cells[0].execution_count is None


@pytest.mark.parametrize(
    "source, message",
    [
        ("def f():\n    return 1", "needs the answer"),
        ("# --- 解答 ここから ---\nx = 1", "never closed"),
        ("x = 1\n# --- 解答 ここまで ---", "without"),
        (
            "# --- 解答 ここから ---\n# --- 解答 ここから ---\n"
            "# --- 解答 ここまで ---",
            "again",
        ),
    ],
)
def test_blank_answer_fails_loudly(source, message):
    with pytest.raises(mrv.MarkerError, match=message):
        mrv.blank_answer(source, "nb.ipynb, cell 3")


def test_main_fails_on_exercise_cell_without_markers(tmp_path, capsys):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "def f():\n    return 1", metadata={"tags": ["exercise"]}
        )
    ]
    path = tmp_path / "bad.ipynb"
    nbformat.write(nb, path)
    assert mrv.main([str(path), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "bad.ipynb, cell 0" in err
    assert not (tmp_path / "out" / "bad.ipynb").exists()


# -------------------------------------------------------- real chapters


@pytest.fixture(scope="module")
def reader_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("reader") / "chapters"
    assert mrv.main(["--out", str(out)]) == 0
    return out


def test_every_chapter_has_a_reader_version(reader_dir):
    chapters = sorted(p.name for p in (ROOT / "chapters").glob("*.ipynb"))
    assert "01_perceptron.ipynb" in chapters
    assert sorted(p.name for p in reader_dir.glob("*.ipynb")) == chapters


def test_reader_versions_are_blank_and_output_free(reader_dir):
    for path in sorted(reader_dir.glob("*.ipynb")):
        original = nbformat.read(ROOT / "chapters" / path.name, as_version=4)
        reader = nbformat.read(path, as_version=4)
        nbformat.validate(reader)
        solutions = [
            c
            for c in original.cells
            if "solution" in c.metadata.get("tags", [])
        ]
        assert len(reader.cells) == len(original.cells) - len(solutions)
        assert not any(
            "solution" in c.metadata.get("tags", []) for c in reader.cells
        )
        for cell in reader.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [], path.name
                assert cell.execution_count is None, path.name
        exercises = _exercise_cells(reader)
        assert len(exercises) == len(_exercise_cells(original))
        for i, cell in exercises:
            assert "hide-input" not in cell.metadata["tags"]
            lines = [ln.strip() for ln in cell.source.split("\n")]
            for k, line in enumerate(lines):
                if line == mrv.BEGIN:
                    end = lines.index(mrv.END, k)
                    blanks = lines[k + 1 : end]
                    assert blanks, (path.name, i)
                    assert all(
                        b == mrv.PLACEHOLDER
                        or b.endswith("= ...  # ここに答えを書いてください")
                        for b in blanks
                    ), (path.name, i)
        assert not any("{glue" in c.source for c in reader.cells)
        # the committed chapter itself is untouched
        assert any(c.get("outputs") for c in original.cells if "outputs" in c)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_has_at_least_three_collapsed_exercises(chapter):
    nb = nbformat.read(chapter, as_version=4)
    exercises = _exercise_cells(nb)
    assert len(exercises) >= 3
    for _, cell in exercises:
        assert "hide-input" in cell.metadata["tags"]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_reader_chapter_runs_and_checkers_say_not_implemented(
    reader_dir, chapter
):
    """The blanked chapter runs to the end; every checker says △.

    The root conftest has put the execution environment of
    tools/execute_notebooks.py (CPU, fixed seeds) into os.environ, which
    the kernel inherits.
    """
    from nbclient import NotebookClient

    nb = nbformat.read(reader_dir / chapter.name, as_version=4)
    NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(reader_dir)}},
    ).execute()  # raises CellExecutionError on any error
    checked = 0
    for i, _ in _exercise_cells(nb):
        nxt = next(c for c in nb.cells[i + 1 :] if c.cell_type == "code")
        text = "".join(
            o.get("text", "") for o in nxt.outputs if o.output_type == "stream"
        )
        assert "check." in nxt.source
        assert "△" in text and "○" not in text, text
        assert "Traceback" not in text
        assert not any(o.output_type == "error" for o in nxt.outputs)
        checked += 1
    assert checked >= 3
