"""The Japanese prose gate (tools/lint_japanese.py + textlint) fails on
deliberately introduced violations, in a page and in a notebook's Markdown
cells, and passes on clean text.  The gate itself runs on the book in
``make test``; these tests show that it would catch a regression."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "lint_japanese.py"
sys.path.insert(0, str(TOOL.parent))
import lint_japanese  # noqa: E402

needs_node = pytest.mark.skipif(
    shutil.which("node") is None
    or (shutil.which("npm") is None and not lint_japanese.TEXTLINT.exists()),
    reason="Node.js/npm がないので textlint を実行できない "
    "(Node.js 20 と npm を入れると実行される)",
)

BAD_MD = """\
# 見本

損失関数は誤差関数とも呼ばれます。
この本では誤差関数を最小にします。
学習率 0.1 で学習します。
重みを更新します．次に進みます。
**ハイパーパラメーター**を決めます。
グラデーションを計算します。

```{glossary}
:sorted:

用語
  誤差関数は予測の外れ具合を表します。
```

誤差関数$E$を最小にします。
学習データで学習します。
二値分類では良い結果になります。
対照損失を使います。
"""
# (line, what must be reported there) in BAD_MD
BAD_MD_EXPECTED = [
    (4, "誤差関数 => 損失関数"),
    (5, "ja-space-between-half-and-full-width"),
    (6, "． => 。"),
    (7, "ハイパーパラメーター => ハイパーパラメータ"),
    (8, "グラデーション => 勾配"),
    (14, "誤差関数 => 損失関数"),
    (17, "誤差関数 => 損失関数"),  # followed by math that is not erf
    (18, "学習データ => 訓練データ"),
    (19, "二値分類 => 2クラス分類"),
    (19, "良い => よい"),
    (20, "対照損失 => コントラスティブ損失"),
]

CLEAN_MD = """\
# 見本

損失関数(loss function)は誤差関数とも呼ばれます。
この本では損失関数と書きます。
2クラス分類では二値交差エントロピー誤差を、よい訓練データで最小にします。
学習率0.1で、ReLU関数を使います。
{term}`ハイパーパラメータ`は$\\eta$のように書きます。
GELUの式にはガウスの誤差関数が出てきます。
GELUは誤差関数$\\mathrm{erf}$を使います。

$$
L = \\frac{1}{2}\\sum_k (y_k - t_k)^2
$$

```python
lr = 0.1  # 誤差関数 ハイパーパラメーター (コードは検査しない)
```

## English summary

English text, such as this summary, with its commas, is not checked by
the Japanese rules. Sentences. Like. These.
"""


def _markdown(text):
    return {
        "cell_type": "markdown",
        "metadata": {},
        "source": text.splitlines(keepends=True),
    }


def _code(text):
    return {
        "cell_type": "code",
        "metadata": {},
        "execution_count": 1,
        "outputs": [
            {
                "output_type": "stream",
                "name": "stdout",
                "text": ["○ and_gate: 正解です.\n"],
            }
        ],
        "source": text.splitlines(keepends=True),
    }


def _notebook(cells):
    return json.dumps(
        {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5},
        ensure_ascii=False,
    )


BAD_NB = _notebook(
    [
        _markdown("# 第1章 見本\n\n## 学習目標\n\n- 損失関数を説明します。"),
        _code("loss = '誤差関数 です.'  # code cells are not checked"),
        _markdown(
            "## 1.1 誤差\n\nまず誤差関数を定義します。"
        ),  # cell 2, line 3
        _markdown(
            "次に勾配を計算します.\n"  # cell 3, line 1
            "バックプロパゲーション と呼ばれる方法を使います。"
        ),  # line 2
    ]
)
BAD_NB_EXPECTED = [
    ("cell 2:3:", "誤差関数 => 損失関数"),
    ("cell 3:1:", "。"),  # 「計算します.」
    ("cell 3:2:", "バックプロパゲーション => 誤差逆伝播法"),
    ("cell 3:2:", "ja-no-space-between-full-width"),
]

CLEAN_NB = _notebook(
    [
        _markdown("# 第1章 見本\n\n## 学習目標\n\n- 損失関数を説明します。"),
        _code("print('誤差関数 です.')"),
        _markdown("{term}`損失関数`を$L$と書き、勾配を`grad`に入れます。"),
    ]
)


def _run(*paths):
    return subprocess.run(
        [sys.executable, str(TOOL), *map(str, paths)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


@needs_node
def test_gate_fails_on_violations(tmp_path):
    bad_md, bad_nb = tmp_path / "bad.md", tmp_path / "bad.ipynb"
    clean_md, clean_nb = tmp_path / "clean.md", tmp_path / "clean.ipynb"
    bad_md.write_text(BAD_MD, encoding="utf-8")
    bad_nb.write_text(BAD_NB, encoding="utf-8")
    clean_md.write_text(CLEAN_MD, encoding="utf-8")
    clean_nb.write_text(CLEAN_NB, encoding="utf-8")

    proc = _run(bad_md, bad_nb, clean_md, clean_nb)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()

    def reported(prefix, what):
        return any(prefix in line and what in line for line in lines)

    for line_no, what in BAD_MD_EXPECTED:
        assert reported(f"bad.md:{line_no}:", what), (
            line_no,
            what,
            proc.stdout,
        )
    for where, what in BAD_NB_EXPECTED:
        assert reported(f"bad.ipynb:{where}", what), (where, what, proc.stdout)
    # the synonym sentence (line 3) is the narrow exception for 誤差関数
    assert not any("bad.md:3:" in line for line in lines), proc.stdout
    # code cells (cell 1) and the clean files are not reported
    assert not any("bad.ipynb:cell 1:" in line for line in lines)
    assert not any("clean." in line for line in lines), proc.stdout


@needs_node
def test_gate_passes_on_clean_text(tmp_path):
    clean_md, clean_nb = tmp_path / "clean.md", tmp_path / "clean.ipynb"
    clean_md.write_text(CLEAN_MD, encoding="utf-8")
    clean_nb.write_text(CLEAN_NB, encoding="utf-8")
    proc = _run(clean_md, clean_nb)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no problems in 2 files" in proc.stdout


def test_myst_to_markdown_keeps_lines_and_hides_code():
    out = lint_japanese.myst_to_markdown(CLEAN_MD)
    assert out.count("\n") == CLEAN_MD.count("\n")
    assert "{term}" not in out and "$" not in out
    assert "ハイパーパラメータは`\\eta`のように" in out  # term: text
    assert "English" not in out  # no Japanese in the block: blanked
    assert "lr = 0.1" in out  # code blocks stay (textlint skips them)
    glossary = lint_japanese.myst_to_markdown(BAD_MD).split("\n")
    assert glossary[9] == "" and glossary[10] == ""  # fence and :sorted:
    assert glossary[12] == "#### 用語"


def test_notebook_cells_map_back(tmp_path):
    path = tmp_path / "bad.ipynb"
    path.write_text(BAD_NB, encoding="utf-8")
    src = lint_japanese.load(path)
    assert [index for _, index in src.cells] == [0, 2, 3]
    text = src.text.split("\n")
    first, _ = src.cells[1]
    assert text[first - 1 + 2] == "まず誤差関数を定義します。"
    assert lint_japanese.locate(src, first + 2, 3).endswith(
        "bad.ipynb:cell 2:3:3"
    )
    assert "print" not in src.text and "loss =" not in src.text


MYST_CASES = """\
定数$\\theta$1つでデータ$t_1$を代表させます。
正解率は{glue:text}`acc:.3f`です。

| 学習率 | $\\eta$ | $\\eta$の値 |
| --- | --- | --- |

<!-- textlint-disable ja-technical-writing/sentence-length -->

:::{code-cell} python
x = 1
:::

````{admonition} 注意$x$
:class: dropdown
本文{cite}`goodfellow2016`です。
```python
x = 1
```
````
"""


def test_myst_is_read_as_the_site_reads_it():
    out = lint_japanese.myst_to_markdown(MYST_CASES).split("\n")
    assert len(out) == MYST_CASES.count("\n") + 1
    assert out[0] == "定数`\\theta`1つでデータ`t_1`を代表させます。"
    assert out[1] == "正解率は`0.000`です。"  # a glued value
    assert out[3] == "| 学習率 | `\\eta` | `\\eta`の値 |"  # each cell
    # an HTML comment is kept even without Japanese (textlint's filter)
    assert out[6].startswith("<!-- textlint-disable")
    assert out[8:11] == ["", "", ""]  # a code-cell directive is hidden
    assert out[12] == "#### 注意`x`"  # a prose directive's title
    assert out[13] == ""  # its options
    assert out[14] == "本文`goodfellow2016`です。"
    assert out[15:18] == ["```python", "x = 1", "```"]  # nested code
    assert out[18] == ""


def test_three_backtick_directive_ends_at_the_first_bare_fence():
    # what the site does too: the inner ``` closes the note, so the
    # last ``` opens an empty code block (use ```` for the outer fence)
    text = "```{note}\n```python\nx = 1\n```\n```"
    out = lint_japanese.myst_to_markdown(text).split("\n")
    assert out[0] == "" and out[3] == ""  # the note's fences
    assert out[4] == "```"  # left over: a code block of its own


@pytest.mark.parametrize(
    "text",
    [
        "```{note}\n本文です。",  # left open at the end of a cell
        "```{admonition} 題\n:class: dropdown\n本文です。\n```\n後の文です。",
        "- 項目です。\n\n  ```{note}\n  本文です。\n  ```\n",
    ],
)
def test_directives_keep_the_line_count(text):
    out = lint_japanese.myst_to_markdown(text)
    assert out.count("\n") == text.count("\n")
    assert "本文です。" in out and "{" not in out
