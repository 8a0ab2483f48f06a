"""Per-chapter numbering of figures, tables and equations (_ext/nnbook_site).

The chapters' figures carry myst-nb metadata (name, caption, alt); these
tests check the metadata in the committed chapters and the Sphinx hook
that turns Sphinx's running numbers into 図<chapter>.<k>.
"""

import importlib.util
import re
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "nnbook_site", ROOT / "_ext" / "nnbook_site.py"
)
site = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(site)

CHAPTERS = sorted(
    [
        *(ROOT / "chapters").glob("0[1-9]_*.ipynb"),
        *(ROOT / "chapters").glob("a[1-9]_*.ipynb"),  # appendices
    ]
)


def test_chapter_number_comes_from_the_file_name():
    assert site._chapter_number("chapters/01_perceptron") == 1
    assert site._chapter_number("chapters/12_extra") == 12
    assert site._chapter_number("chapters/00_sliders") is None
    assert site._chapter_number("chapters/intro") is None
    # appendices: a1_gpu is appendix A, its figures 図A.1, 図A.2, …
    assert site._chapter_number("chapters/a1_gpu") == "A"
    assert site._chapter_number("chapters/b1_extra") == "B"
    assert site._chapter_number("chapters/glossary") is None


def test_numbers_restart_per_chapter_in_document_order():
    env = SimpleNamespace(
        toc_fignumbers={
            # Sphinx numbers on across pages when the toctree is unnumbered
            "chapters/01_perceptron": {
                "figure": {"fig-a": (2,), "fig-b": (1,), "fig-c": (3,)},
                "displaymath": {"eq-1": (1,)},
            },
            "chapters/02_activations": {"figure": {"fig-d": (4,)}},
            "chapters/a1_gpu": {"figure": {"fig-g": (7,), "fig-f": (6,)}},
            "chapters/intro": {"figure": {"fig-e": (5,)}},
        }
    )
    assert site._number_per_chapter(None, env) == []
    numbers = env.toc_fignumbers
    assert numbers["chapters/01_perceptron"]["figure"] == {
        "fig-b": (1, 1),
        "fig-a": (1, 2),
        "fig-c": (1, 3),
    }
    assert numbers["chapters/01_perceptron"]["displaymath"] == {"eq-1": (1, 1)}
    assert numbers["chapters/02_activations"]["figure"] == {"fig-d": (2, 1)}
    assert numbers["chapters/intro"]["figure"] == {"fig-e": (1,)}
    assert numbers["chapters/a1_gpu"]["figure"] == {
        "fig-f": ("A", 1),
        "fig-g": ("A", 2),
    }


def test_config_formats_numbers_as_zu():
    config = yaml.safe_load((ROOT / "_config.yml").read_text("utf-8"))
    sphinx = config["sphinx"]["config"]
    assert sphinx["numfig"] is True
    assert sphinx["numfig_format"]["figure"] == "図%s"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_every_figure_has_name_caption_and_alt_and_is_referenced(chapter):
    nb = nbformat.read(chapter, as_version=4)
    number = str(site._chapter_number(chapter.stem)).lower()  # 4, a
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    names = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        has_image = any(
            "image/png" in o.get("data", {}) for o in cell.get("outputs", [])
        )
        meta = cell.metadata.get("mystnb", {})
        if not has_image:
            continue
        assert "hide-input" in cell.metadata.get("tags", []), cell.source
        figure, image = meta.get("figure", {}), meta.get("image", {})
        name = figure.get("name", "")
        assert re.fullmatch(rf"fig-{number}-[a-z0-9-]+", name), cell.source
        assert len(figure.get("caption", "")) >= 10, name
        alt = image.get("alt", "")
        assert len(alt) >= 10 and not alt.endswith(".png"), name
        assert f"{{numref}}`{name}`" in prose, f"{name} is never referenced"
        names.append(name)
    assert len(names) == len(set(names))
