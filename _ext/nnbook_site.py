"""Sphinx extension for nnbook's site: keep every page self-contained.

* Jupyter Book always loads ``sphinx_thebe``, which declares
  ``const THEBE_JS_URL`` twice per page (a console SyntaxError) and points
  at a CDN. nnbook has no live-code button, so its listeners are removed.
* Sphinx's search fetches each hit's page for a summary; from ``file://``
  the browser blocks that fetch (CORS) and logs errors, so the summary is
  only shown when the site is served over HTTP. The hits themselves work
  in both cases.
* Japanese text has no spaces between sentences, but the line break after
  each sentence in the Markdown source becomes a space in HTML. Line breaks
  that follow a Japanese character are removed from the prose. Hand-written
  because the kept tool does not fit (sphinxcontrib-trimblank 1.0.3, tried
  on the whole book): by default it also deletes the spaces the book writes
  on purpose (「第1章 パーセプトロン」「1.1 ニューロンのモデル」, table cells
  such as 「行列積 256×256」); with ``trimblank_keep_alnum_blank`` it keeps
  every line break, because MyST makes each soft break its own
  ``Text("\\n")`` node and trimblank only looks inside one node for a
  Japanese character on both sides. It also replaces nodes with
  ``parent.replace()``, which for equal strings hits the wrong node.
* Figures, tables and numbered equations are numbered per chapter from the
  file name: the 3rd figure of ``chapters/01_perceptron`` is 図1.3, so
  ``{numref}`` works without a numbered toctree (which would prefix every
  heading with a second number beside the book's own 第1章 / 1.1).
* As a safety net, any script or stylesheet that would load from another
  host is dropped from the page (the browser test also checks this).
* A collapsed cell tells a screen reader what it hides (解答例, 図のコード)
  instead of myst-nb's fixed English ``Toggle hidden content``. myst-nb can
  set a cell's button text from its metadata (``mystnb: code_prompt_show``)
  but not the ``aria-label``, so the HTML of the node stays hand-written;
  and the text follows from what the cell is (an ``exercise`` tag, an image
  in the output) by one rule here, instead of the same two strings in the
  metadata of some 120 cells that a new cell could forget.
* The site stays light for phones on slow links: after the build, only the
  MathJax files the pages use are kept (the combined ``tex-chtml.js``, the
  TeX extensions it loads on demand, its CHTML fonts and the small ui/a11y
  modules), source maps are dropped, the notebooks offered for download
  lose their stored outputs, and the 1.5 MB Font Awesome script is
  replaced by a stylesheet with just the icons the pages show (their SVG
  paths taken from the theme's own copy of Font Awesome Free, CC BY 4.0).
* The bibliography is labelled author-year ([Bengio et al., 1994]), like
  the citations in the text, through a small pybtex style ``nnbook``.
* ``static/nnbook.js`` and ``static/nnbook.css`` (added to every page) make
  the sidebar buttons work below 1200 px, name the copy and toggle buttons
  in Japanese, and keep long formulas and tables scrollable, not clipped.
"""

from __future__ import annotations

import json
import re
import sys
from html import escape
from pathlib import Path
from urllib.parse import urlparse

import nbformat
from docutils import nodes
from myst_nb.sphinx_ import HideCodeCellNode
from pybtex.plugin import register_plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle

STATIC = Path(__file__).parent / "static"
TOOLS = Path(__file__).resolve().parent.parent / "tools"

# A line break next to a Japanese character (kana, kanji, full-width
# punctuation) is a source-formatting artefact, not a space.
_JAPANESE = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]")
_SOFTBREAK = re.compile(r"\n[ \t]*")
_KEEP_AS_IS = (
    nodes.literal_block,
    nodes.literal,
    nodes.math,
    nodes.math_block,
    nodes.raw,
    nodes.comment,
)


def _is_external(url: str | None) -> bool:
    return (
        bool(url)
        and urlparse(url).scheme in ("http", "https", "")
        and bool(urlparse(url).netloc)
    )


def _join_japanese_lines(app, doctree, docname) -> None:
    """Drop source line breaks next to Japanese text in prose.

    A break with a Japanese character on either side goes (the book puts
    no space between Japanese and Latin text or a formula, STYLE §5); a
    break between two Latin words stays a space. MyST turns a soft line
    break into its own ``Text("\\n")`` node, so the neighbours are looked
    up across the text nodes of a block; a formula or code counts as Latin.
    """
    for block in doctree.findall(nodes.TextElement):
        if isinstance(block, _KEEP_AS_IS) or block.parent is None:
            continue
        if isinstance(block.parent, nodes.TextElement):
            continue  # handled as part of the enclosing block
        texts = list(block.findall(nodes.Text))
        strings = [
            "x"
            if any(isinstance(a, _KEEP_AS_IS) for a in _ancestors(t))
            else str(t)
            for t in texts
        ]
        for k, text in enumerate(texts):
            if strings[k] != str(text):
                continue  # formula or code
            before = "".join(strings[:k])[-1:]
            after = "".join(strings[k + 1 :])[:1]
            joined = _SOFTBREAK.sub(
                lambda m, s=str(text), b=before, a=after: (
                    ""
                    if _JAPANESE.match((s[: m.start()] or b)[-1:] or " ")
                    or _JAPANESE.match((s[m.end() :] or a)[:1] or " ")
                    else m.group(0)
                ),
                str(text),
            )
            if joined != str(text):
                strings[k] = joined
                # by identity: Text is a str, and parent.replace() would
                # replace the first *equal* "\n" of the block instead
                parent = text.parent
                i = next(i for i, c in enumerate(parent.children) if c is text)
                parent[i] = nodes.Text(joined)


def _label_hidden_cells(app, doctree) -> None:
    """Say on the button what a collapsed cell holds."""
    for cell in doctree.findall(nodes.container):
        if not cell.get("hide_mode"):
            continue
        if "tag_exercise" in cell["classes"]:
            what = "解答例"
        elif next(cell.findall(nodes.image), None) is not None:
            what = "図のコード"
        else:
            continue
        cell["prompt_show"] = f"{what}を表示"
        cell["prompt_hide"] = f"{what}を隠す"


def _let_figures_shrink(app, doctree) -> None:
    """Keep a figure's aspect ratio when a phone narrows it.

    Retina PNGs carry their display width and height; a fixed height would
    stretch the image once CSS limits its width to the screen.
    """
    for image in doctree.findall(nodes.image):
        if "width" in image and "height" in image:
            del image["height"]


def _visit_hidden_cell(self, node) -> None:
    """myst-nb's markup, with an aria-label that names what is hidden."""
    classes = " ".join(node["classes"])
    self.body.append(f'<details class="admonition hide {classes}">\n')
    self.body.append(f'<summary aria-label="{escape(node["prompt_show"])}">\n')
    for state, prompt in (
        ("collapsed", "prompt_show"),
        ("expanded", "prompt_hide"),
    ):
        self.body.append(
            f'<p class="{state} admonition-title">{escape(node[prompt])}</p>\n'
        )
    self.body.append("</summary>\n")


def _depart_hidden_cell(self, node) -> None:
    self.body.append("</details>\n")


def _ancestors(node):
    while node is not None:
        yield node
        node = node.parent


def _drop_thebe(app) -> None:
    for listeners in app.events.listeners.values():
        listeners[:] = [
            lst
            for lst in listeners
            if getattr(lst.handler, "__module__", "") != "sphinx_thebe"
        ]


def _has_math(doctree) -> bool:
    return doctree is not None and any(
        isinstance(n, (nodes.math, nodes.math_block))
        for n in doctree.findall()
    )


def _keep_local_assets(app, pagename, templatename, context, doctree):
    if not _has_math(doctree):  # 1.2 MB of MathJax for no formula
        context["script_files"] = [
            f
            for f in context.get("script_files", [])
            if "mathjax" not in str(getattr(f, "filename", f))
        ]
    for key in ("script_files", "css_files"):
        files = context.get(key)
        if files is None:
            continue
        context[key] = [
            f
            for f in files
            if not _is_external(getattr(f, "filename", f))
            and "THEBE_JS_URL" not in str(getattr(f, "attributes", {}))
        ]


_CHAPTER_FILE = re.compile(r"(?:^|/)(\d+)_[^/]*$")
_APPENDIX_FILE = re.compile(r"(?:^|/)([a-z])\d+_[^/]*$")


def _chapter_number(docname: str) -> int | str | None:
    """``chapters/03_losses`` → 3, ``chapters/a1_gpu`` → "A" (appendix A).

    Pages that are neither chapters nor appendices → None.
    """
    appendix = _APPENDIX_FILE.search(docname)
    if appendix:
        return appendix.group(1).upper()
    match = _CHAPTER_FILE.search(docname)
    return int(match.group(1)) if match and int(match.group(1)) > 0 else None


def _number_per_chapter(app, env) -> list[str]:
    """Renumber each chapter's figures (and tables, equations) as (ch, k).

    Sphinx has just numbered them (k,) in document order, counting on
    across pages when the toctree is not numbered; here every page starts
    again at 1 and chapters get their number in front.
    """
    for docname, by_type in env.toc_fignumbers.items():
        chapter = _chapter_number(docname)
        for numbers in by_type.values():
            ordered = sorted(numbers, key=numbers.get)
            for k, node_id in enumerate(ordered, start=1):
                numbers[node_id] = (chapter, k) if chapter else (k,)
    return []


_NO_SUMMARY_FROM_FILE = (
    'if (location.protocol === "file:") '
    "{ DOCUMENTATION_OPTIONS.SHOW_SEARCH_SUMMARY = false; }"
)


# What the pages load from the MathJax distribution (mathjax_path and
# loader.load in _config.yml); everything else in it is never requested.
MATHJAX_KEEP = (
    "tex-chtml.js",
    "input/tex/extensions",
    "output/chtml",
    "ui",
    "a11y",
)
_ICON_NAME = re.compile(r"\bfa-([a-z][a-z0-9-]*)")
_NOT_ICONS = {"solid", "regular", "brands", "lg", "sm", "xs", "fw", "2x"}


def _prune_mathjax(static: Path) -> None:
    root = static / "mathjax"
    if not root.is_dir():
        return
    keep = [root / k for k in MATHJAX_KEEP]
    for path in sorted(root.rglob("*"), reverse=True):
        if any(path == k or k in path.parents for k in keep):
            continue
        if path.is_file():
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def _icon_paths(fontawesome_js: str, names) -> dict:
    """``name -> (width, height, svg path)`` from Font Awesome's script.

    The script defines the regular pack before the solid one; the pages
    use solid icons, so the last definition of a name wins.
    """
    found = {}
    for name in names:
        key = rf'(?:"{re.escape(name)}"|(?<![\w-]){re.escape(name)})'
        pattern = key + r':\[(\d+),(\d+),\[[^\]]*\],"[0-9a-f]*","(M[^"]*)"'
        matches = re.findall(pattern, fontawesome_js)
        if matches:
            found[name] = matches[-1]
    return found


def _icon_css(icons: dict) -> str:
    rules = [
        ".fa-solid, .fas { display: inline-block; width: 1em; height: 1em;"
        " vertical-align: -0.125em; }",
        ".fa-lg { font-size: 1.25em; vertical-align: -0.2em; }",
    ]
    for name, (width, height, path) in sorted(icons.items()):
        svg = (
            f"<svg xmlns='http://www.w3.org/2000/svg' "
            f"viewBox='0 0 {width} {height}'><path d='{path}'/></svg>"
        )
        url = "data:image/svg+xml;utf8," + svg.replace("#", "%23")
        rules.append(
            f".fa-{name}::before {{ content: ''; display: block;"
            f" width: 100%; height: 100%; background: currentColor;"
            f" -webkit-mask: url({json.dumps(url)}) center / contain"
            f" no-repeat; mask: url({json.dumps(url)}) center / contain"
            " no-repeat; }"
        )
    return "\n".join(rules) + "\n"


def _replace_fontawesome(outdir: Path) -> None:
    script = outdir / "_static" / "scripts" / "fontawesome.js"
    if not script.exists():
        return
    names = set()
    for page in outdir.rglob("*.html"):
        names |= set(_ICON_NAME.findall(page.read_text(encoding="utf-8")))
    icons = _icon_paths(script.read_text(encoding="utf-8"), names - _NOT_ICONS)
    (outdir / "_static" / "nnbook-icons.css").write_text(
        _icon_css(icons), encoding="utf-8"
    )
    script.write_text(
        "/* Font Awesome is replaced by nnbook-icons.css (nnbook_site). */\n",
        encoding="utf-8",
    )


def _strip_outputs(sources: Path) -> None:
    """The notebooks offered for download, without their outputs.

    A reader runs a downloaded chapter to see its outputs; stored ones only
    make the download (and the site) several times larger. The values the
    prose takes from the outputs (myst-nb glue) are first written into the
    text, as in the reader version: Jupyter does not know the role.
    """
    if str(TOOLS) not in sys.path:
        sys.path.append(str(TOOLS))
    from make_reader_version import paste_glued_values

    for path in sources.rglob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        paste_glued_values(nb, path.name)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nbformat.write(nb, path)


def _slim_site(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    _strip_outputs(outdir / "_sources")
    _prune_mathjax(outdir / "_static")
    for source_map in (outdir / "_static").rglob("*.map"):
        source_map.unlink()
    _replace_fontawesome(outdir)


def author_year_label(entry) -> str:
    """``Bengio et al., 1994`` (one, two or more authors, else editors)."""
    persons = entry.persons.get("author") or entry.persons.get("editor")
    names = [" ".join(p.last_names) for p in persons or []]
    if not names:
        who = entry.fields.get("organization", entry.key)
    elif len(names) <= 2:
        who = " and ".join(names)
    else:
        who = f"{names[0]} et al."
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabels(BaseLabelStyle):
    """Author-year labels; equal ones get a, b, … after the year."""

    def format_labels(self, sorted_entries):
        labels = [author_year_label(e) for e in sorted_entries]
        seen: dict[str, int] = {}
        for label in labels:
            if labels.count(label) == 1:
                yield label
                continue
            seen[label] = seen.get(label, 0) + 1
            yield label + "abcdefghijklmnopqrstuvwxyz"[seen[label] - 1]


class AuthorYearStyle(PlainStyle):
    default_label_style = "nnbook_author_year"


def _add_static_path(app) -> None:
    app.config.html_static_path.append(str(STATIC))


def setup(app):
    register_plugin(
        "pybtex.style.labels", "nnbook_author_year", AuthorYearLabels
    )
    register_plugin("pybtex.style.formatting", "nnbook", AuthorYearStyle)
    app.add_js_file(None, body=_NO_SUMMARY_FROM_FILE, priority=201)
    app.add_js_file("nnbook.js")
    app.add_css_file("nnbook.css")
    app.add_css_file("nnbook-icons.css")
    app.add_node(
        HideCodeCellNode,
        override=True,
        html=(_visit_hidden_cell, _depart_hidden_cell),
    )
    app.connect("builder-inited", _add_static_path)
    app.connect("build-finished", _slim_site)
    app.connect("builder-inited", _drop_thebe)
    app.connect("doctree-resolved", _join_japanese_lines)
    app.connect("doctree-read", _label_hidden_cells)
    app.connect("doctree-read", _let_figures_shrink)
    # after Sphinx's own numbering (TocTreeCollector, priority 500)
    app.connect("env-get-updated", _number_per_chapter, priority=900)
    app.connect("html-page-context", _keep_local_assets, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
