"""The PDF edition: _ext/nnbook_latex.py and tools/check_pdf.py.

The PDF itself is built and checked by ``make pdf`` (a step of ``make
test``); these tests need no LaTeX. They check the slider strips on a
fresh slider and on every slider of the book, the upLaTeX settings, and
that ``check_pdf`` reports each kind of problem it is meant to catch.
"""

import io
import json
import re
from types import SimpleNamespace

import check_pdf
import nnbook_latex as latex
import numpy as np
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from nnbook.widgets import interactive_plot

ROOT = check_pdf.ROOT


def draw_line(ax, a, b=0.0):
    x = np.linspace(-1, 1, 5)
    ax.plot(x, a * x + b)
    ax.set(xlim=(-1, 1), ylim=(-3, 3))


# --- choosing and laying out the frames -------------------------------------


@given(
    n=st.integers(1, 40),
    k=st.integers(3, 10),
    data=st.data(),
)
def test_pick_spreads_evenly_with_both_ends_and_the_initial_value(n, k, data):
    keep = data.draw(st.integers(0, n - 1))
    chosen = latex.pick(n, k, keep)
    assert chosen == sorted(set(chosen))
    assert len(chosen) == min(n, k)
    assert {0, n - 1, keep} <= set(chosen)
    if n > k:  # no gap between neighbours much wider than an even step
        assert max(np.diff(chosen)) <= 2 * (n - 1) / (k - 1) + 1


def test_parse_slider_reads_frames_labels_values_and_initial_index():
    plot = interactive_plot(
        draw_line,
        labels={"a": "傾き (直線の)"},
        initial={"a": 2, "b": 1.0},
        figsize=(2, 1.5),
        dpi=40,
        a=[0.5, 1, 2],
        b=[-1.0, 0.0, 1.0, 2.0],
    )
    slider = latex.parse_slider(plot.html)
    assert slider.uid.startswith("nnbook-slider-")
    assert len(slider.frames) == 12 and slider.frames[0][0] == plot.frames[0]
    assert [p["label"] for p in slider.params] == ["傾き (直線の)", "b"]
    assert slider.params[0]["values"] == ["0.5", "1", "2"]
    assert [p["initial"] for p in slider.params] == [2, 2]
    assert latex.slider_ids(plot.html) == [slider.uid]

    rows, legends = latex.strip_layout(slider, aspect=2 / 1.5)
    # rows: the 3 values of a (fewer), columns: the 4 values of b
    assert len(rows) == 3 and all(len(r) == 3 for r in rows)
    assert legends == ["傾き: 直線の"]
    for k, caption in (cell for row in rows for cell in row):
        a, b = np.unravel_index(k, (3, 4))
        assert caption == (
            f"傾き = {slider.params[0]['values'][a]}, "
            f"b = {slider.params[1]['values'][b]}"
        )
    # the initial frame (a = 2, b = 1.0) is among them
    assert plot.frame_number(plot.index) in [k for r in rows for k, _ in r]


def test_parse_slider_ignores_other_html_and_rejects_a_broken_slider():
    assert latex.parse_slider("<table><tr><td>1</td></tr></table>") is None
    plot = interactive_plot(draw_line, figsize=(2, 1.5), dpi=40, a=[1, 2])
    one_frame_less = re.sub(
        r'<img class="nnbook-slider-frame"[^>]*>', "", plot.html, count=1
    )
    with pytest.raises(ValueError, match="コマの数"):
        latex.parse_slider(one_frame_less)


# --- every slider of the book -----------------------------------------------


@pytest.fixture(scope="module")
def book_strips(tmp_path_factory):
    """Each slider of the book's pages, its strip's LaTeX and frames."""
    out = tmp_path_factory.mktemp("latex")
    strips = []
    for page in check_pdf.toc_pages():
        if page.suffix != ".ipynb":
            continue
        for cell in json.loads(page.read_text("utf-8"))["cells"]:
            for output in cell.get("outputs", []):
                html = "".join(output.get("data", {}).get("text/html", ""))
                slider = latex.parse_slider(html) if html else None
                if slider is not None:
                    tex = latex.strip_latex(slider, out, "uplatex")
                    strips.append((page, slider, tex))
    return out, strips


def test_every_slider_of_the_book_gets_a_strip_of_its_frames(book_strips):
    out, strips = book_strips
    pages = {page.name for page, _, _ in strips}
    assert len(strips) >= 14 and "00_sliders.ipynb" in pages
    for page, slider, tex in strips:
        frames = check_pdf.strip_frames(tex)[slider.uid]
        n_values = [len(p["values"]) for p in slider.params]
        assert min(3, len(slider.frames)) <= len(frames) <= 12, page.name
        labels = [label for _, label in frames]
        for p in slider.params:  # the initial value is shown
            name = latex._short(p["label"])[0]
            initial = p["values"][p["initial"]]
            assert any(f"{name} = {initial}" in label for label in labels)
        if len(n_values) == 1:  # both ends of the range are shown
            assert labels[0].endswith(f"= {slider.params[0]['values'][0]}")
            assert labels[-1].endswith(f"= {slider.params[0]['values'][-1]}")
        for image, _ in frames:
            with Image.open(out / image) as im:
                assert im.width <= latex.FRAME_PX
                assert im.height > 0.2 * im.width


def test_strip_images_are_the_sites_frames(book_strips):
    out, strips = book_strips
    page, slider, tex = strips[0]
    image, _ = check_pdf.strip_frames(tex)[slider.uid][0]
    k = int(image.rsplit("-", 1)[1].removesuffix(".png"))
    with Image.open(io.BytesIO(slider.frames[k][0])) as site:
        site = np.asarray(
            site.convert("RGB").resize((latex.FRAME_PX, 100)), dtype=float
        )
    with Image.open(out / image) as printed:
        printed = np.asarray(
            printed.convert("RGB").resize((latex.FRAME_PX, 100)), dtype=float
        )
    assert np.abs(site - printed).mean() < 3  # same picture, resampled


# --- upLaTeX settings -------------------------------------------------------


def test_uplatex_replaces_what_jupyter_book_sets_for_xelatex():
    from sphinx_jupyterbook_latex.events import override_latex_config

    config = {"latex_elements": {}, "jblatex_show_tocs": True}
    override_latex_config(None, config)
    assert config["latex_engine"] == "xelatex"
    latex._use_uplatex(None, config)
    assert config["latex_engine"] == "uplatex"
    assert config["latex_theme"] == "manual"
    preamble = config["latex_elements"]["preamble"]
    assert "ucharclasses" not in preamble and "unicode-math" not in preamble
    assert r"\usepackage[haranoaji]{pxchfon}" in preamble
    assert config["latex_elements"]["papersize"] == "a4paper"
    assert config["latex_elements"]["printindex"] == ""


def test_config_and_makefile_wire_the_pdf_into_the_book_and_the_tests():
    config = yaml.safe_load((ROOT / "_config.yml").read_text("utf-8"))
    assert config["sphinx"]["local_extensions"]["nnbook_latex"] == "_ext"
    makefile = (ROOT / "Makefile").read_text("utf-8")
    test_recipe = re.search(r"^test:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert re.search(r"\bpdf\b", test_recipe.group(1))
    pdf_recipe = re.search(r"^pdf:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert "tools/check_pdf.py" in pdf_recipe.group(1)


# --- what check_pdf reports -------------------------------------------------


def test_latex_log_problems_finds_errors_references_and_glyphs():
    log = "\n".join(
        [
            "! Undefined control sequence.",
            "LaTeX Warning: Reference `chapters/01_perceptron:fig-1-x' on "
            "page 12 undefined on input line 340.",
            "LaTeX Warning: Hyper reference `chapters/glossary:term-5' on "
            "page 3 undefined on input line 9.",
            "LaTeX Warning: Citation `cite.x' on page 4 undefined on input",
            "Missing character: There is no ₖ in font txtt!",
            "LaTeX Font Info:    Kanji font shape `JY2/gt/m/it' undefined",
        ]
    )
    found = check_pdf.latex_log_problems(log)
    assert found == [
        "LaTeX のエラー: Undefined control sequence.",
        "未定義の参照: chapters/01_perceptron:fig-1-x",
        "未定義の参照: chapters/glossary:term-5",
        "未定義の引用: cite.x",
        "字形がない: ₖ in font txtt!",
    ]
    assert check_pdf.latex_log_problems("Output written on nnbook.dvi") == []


def test_dvipdfmx_problems_name_each_missing_character():
    output = (
        "[79\ndvipdfmx:warning: No character mapping available.\n"
        " CMap name: UniJIS-UTF16-H\n input str: <2096>\n\n"
        "dvipdfmx:warning: No character mapping available.\n"
        " CMap name: UniJIS-UTF16-H\n input str: <2096>\n]"
    )
    (problem,) = check_pdf.dvipdfmx_problems(output)
    assert "U+2096" in problem
    assert check_pdf.dvipdfmx_problems("nnbook.dvi -> nnbook.pdf [1][2]") == []


def test_code_overflows_are_code_lines_only():
    tex = "\n".join(
        [
            r"\begin{sphinxVerbatim}[commandchars=\\\{\}]",
            "x" * 150,  # line 2: no place to wrap
            r"\end{sphinxVerbatim}",
            r"\sphinxcode{\sphinxupquote{binary\_cross\_entropy}}",  # 4
        ]
    )
    log = (
        "Overfull \\hbox (335.25467pt too wide) in paragraph at lines 2--2\n"
        "Overfull \\hbox (57.5pt too wide) in paragraph at lines 4--4\n"
        "Overfull \\hbox (0.5pt too wide) in paragraph at lines 2--2\n"
    )
    assert check_pdf.code_overflows(log, tex) == [
        "コードの行がはみ出す (335pt): nnbook.tex の 2 行目"
    ]


def test_figure_labels_follow_the_sites_numbers():
    labels = check_pdf.figure_labels(ROOT / "chapters" / "01_perceptron.ipynb")
    assert labels[:2] == ["図1.1:", "図1.2:"] and len(labels) >= 5
    assert check_pdf.figure_labels(ROOT / "chapters" / "a1_gpu.ipynb")[0] == (
        "図A.1:"
    )


@pytest.fixture
def fake_build(tmp_path, book_strips, monkeypatch):
    """A build folder whose PDF has everything (read_pdf is replaced)."""
    out, strips = book_strips
    for image in out.iterdir():
        (tmp_path / image.name).symlink_to(image)
    (tmp_path / "nnbook.tex").write_text(
        "\n".join(tex for _, _, tex in strips), encoding="utf-8"
    )
    (tmp_path / "nnbook.log").write_text("Output written on nnbook.dvi\n")
    (tmp_path / "make-pdf.log").write_text("nnbook.dvi -> nnbook.pdf\n")
    (tmp_path / "nnbook.pdf").write_bytes(b"%PDF-1.5\n")
    pages = check_pdf.toc_pages()
    text = ["本文はおもに日本語です。" * 50]
    text += [lab for p in pages for lab in check_pdf.figure_labels(p)]
    text += [  # a strip's labels, one after the other
        " ".join(
            check_pdf._tex_to_text(label)
            for _, label in check_pdf.strip_frames(tex)[slider.uid]
        )
        for _, slider, tex in strips
    ]
    pdf = SimpleNamespace(
        pages=text,
        marks=[check_pdf.page_title(p) for p in pages],
        fonts={"ABCDEF+HaranoAjiMincho-Regular": True, "t1xtt": True},
    )
    monkeypatch.setattr(
        check_pdf, "read_pdf", lambda path: (pdf.pages, pdf.marks, pdf.fonts)
    )
    return tmp_path, pdf


def test_check_passes_a_complete_book(fake_build):
    build, _ = fake_build
    assert check_pdf.check(build) == []


def test_check_reports_a_missing_chapter_figure_or_strip(fake_build):
    build, pdf = fake_build
    pdf.marks.remove("第3章 損失関数")
    pdf.pages.remove("図2.1:")
    strip = next(t for t in pdf.pages if t.startswith("学習率 = "))
    pdf.pages[pdf.pages.index(strip)] = strip.replace(" 学習率 = ", " ", 1)
    pdf.fonts["XYZ+Unembedded"] = False
    found = check_pdf.check(build)
    assert any("章がない" in p and "第3章 損失関数" in p for p in found)
    assert any("図がない" in p and "図2.1" in p for p in found)
    assert any("値が PDF にない" in p and strip[:9] in p for p in found)
    assert any("埋め込まれていない: XYZ+Unembedded" in p for p in found)


def test_check_reports_a_slider_without_its_strip(fake_build):
    build, _ = fake_build
    tex = (build / "nnbook.tex").read_text("utf-8")
    uid = next(iter(check_pdf.strip_frames(tex)))
    kept = "\n".join(line for line in tex.splitlines() if uid not in line)
    (build / "nnbook.tex").write_text(kept, encoding="utf-8")
    found = check_pdf.check(build)
    assert [p for p in found if uid in p] == [
        p for p in found if "コマの一覧がない" in p
    ]
    assert len(found) == 1


def test_check_reports_log_problems_and_a_missing_build(fake_build):
    build, _ = fake_build
    (build / "make-pdf.log").write_text(
        "dvipdfmx:warning: No character mapping available.\n"
        " CMap name: UniJIS-UTF16-H\n input str: <2099>\n"
    )
    assert any("U+2099" in p for p in check_pdf.check(build))
    (build / "nnbook.pdf").unlink()
    assert "make pdf" in check_pdf.check(build)[0]
