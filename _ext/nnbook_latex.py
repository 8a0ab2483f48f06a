"""Sphinx extension for nnbook's PDF (``make pdf``): a Japanese book in print.

Everything here acts only on the LaTeX builder; the site is untouched.

* Jupyter Book's own LaTeX extension forces xelatex (which needs packages
  outside Debian's ``texlive-lang-japanese``). upLaTeX with the ``ujbook``
  class is put back after it, and the xelatex-only lines of its preamble
  are dropped. ``pxchfon`` embeds the Harano Aji fonts in the PDF.
* A slider's ``text/html`` output (``nnbook.widgets``: the pre-rendered
  frames as ``<img class="nnbook-slider-frame">`` and the values of each
  range input in ``data-labels``) becomes a small-multiples strip: its
  frames side by side, evenly chosen (the initial one always among them),
  with the parameter value under each. The frames are the very PNGs the
  site switches between.
* Chapter headings already say 「第1章」 / 「付録A」, so LaTeX numbers
  no heading; figures, tables, listings and equations are numbered per
  chapter from the file name as on the site (図1.3, 式(A.2)): the same
  rule as ``nnbook_site._chapter_number``.
* An exercise's solution code (hidden behind a button on the site) is
  printed in a box 「解答例」 right after the exercise; the explanation
  that follows is already a 「解説」 box.
* The bibliography is printed inside the 参考文献 chapter (not in an
  extra 関連図書 chapter), with the author-year labels of the site.
* The site's landing page (links, "this site") and the index (Sphinx
  cannot sort kanji without readings) are left out; code lines wrap.
"""

from __future__ import annotations

import base64
import io
import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
from docutils import nodes
from nnbook_site import _chapter_number
from sphinx import addnodes
from sphinx.builders.latex.nodes import thebibliography
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.texescape import escape as tex_escape

_JB_PREAMBLE = re.compile(
    r"\s*% Start of preamble defined in sphinx-jupyterbook-latex %.*?"
    r"% End of preamble defined in sphinx-jupyterbook-latex %\s*",
    re.S,
)

#: Width in pixels of a frame in the PDF (about 300 dpi at the size it
#: is printed); the site's retina frames are 2-3 times wider.
FRAME_PX = 640
#: Frames per row: four, or three when the frames are wide (two panels).
WIDE_ASPECT = 1.3

PREAMBLE = r"""
\usepackage[haranoaji]{pxchfon}
% a glyph missing from a Latin font: "Missing character" in the log
\tracinglostchars=2
% Letters the Japanese fonts lack (dvipdfmx would drop them silently):
% typeset by the Latin font instead.
\kcatcode"1D40=15 \DeclareUnicodeCharacter{1D40}{\textsuperscript{T}}
\kcatcode"1D57=15 \DeclareUnicodeCharacter{1D57}{\textsuperscript{t}}
\kcatcode"1D62=15 \DeclareUnicodeCharacter{1D62}{\textsubscript{i}}
\kcatcode"2C7C=15 \DeclareUnicodeCharacter{2C7C}{\textsubscript{j}}
\kcatcode"2096=15 \DeclareUnicodeCharacter{2096}{\textsubscript{k}}
\kcatcode"2099=15 \DeclareUnicodeCharacter{2099}{\textsubscript{n}}
\kcatcode"207A=15 \DeclareUnicodeCharacter{207A}{\textsuperscript{+}}
\kcatcode"207B=15 \DeclareUnicodeCharacter{207B}{\textsuperscript{\textminus}}
% The headings carry their own 「第1章」「1.1」: LaTeX numbers none.
\setcounter{secnumdepth}{-2}
\makeatletter
\def\nnbook@prefix{}
% \nnbookchapter{1} / {A} / {} at the start of each page of the book:
% figures, tables, listings and equations count again from 1, with the
% chapter in front (the chapter counter itself only keeps PDF anchors
% apart).
\newcommand{\nnbookchapter}[1]{%
  \stepcounter{chapter}%
  \setcounter{figure}{0}\setcounter{table}{0}%
  \setcounter{equation}{0}\setcounter{literalblock}{0}%
  \def\nnbook@prefix{#1}%
  \ifx\nnbook@prefix\@empty\else\def\nnbook@prefix{#1.}\fi}
\AtBeginDocument{%
  \renewcommand{\thefigure}{\nnbook@prefix\arabic{figure}}%
  \renewcommand{\thetable}{\nnbook@prefix\arabic{table}}%
  \renewcommand{\theequation}{\nnbook@prefix\arabic{equation}}%
  \renewcommand{\theliteralblock}{\nnbook@prefix\arabic{literalblock}}%
  \renewcommand{\contentsname}{目次}%
  % a tall figure leaves room for its caption on the page
  \spx@image@maxheight=0.8\textheight}
% Page footers name the chapter by its heading alone (Sphinx would put
% 「第\thechapter 章」 in front of the heading's own 「第1章」).
\fancypagestyle{normal}{%
  \fancyhf{}%
  \fancyfoot[RO]{{\py@HeaderFamily\thepage}}%
  \fancyfoot[LO]{{\py@HeaderFamily\nouppercase{\rightmark}}}%
  \fancyhead[RO]{{\py@HeaderFamily\@title}}%
  \if@twoside
    \fancyfoot[LE]{{\py@HeaderFamily\thepage}}%
    \fancyfoot[RE]{{\py@HeaderFamily\nouppercase{\leftmark}}}%
    \fancyhead[LE]{{\py@HeaderFamily\@title}}%
  \fi
  \renewcommand{\headrulewidth}{0.4pt}%
  \renewcommand{\footrulewidth}{0.4pt}%
  \def\chaptermark##1{\markboth{##1}{}}}
% The bibliography sits in the chapter 参考文献: no heading of its own.
\renewenvironment{sphinxthebibliography}[1]
  {\let\chapter\@gobbletwo\begin{thebibliography}{#1}}
  {\end{thebibliography}}
\makeatother
% Code cells (sphinx-jupyterbook-latex wraps them in these): the input
% on grey, its output indented on white.
\usepackage{changepage}
\newenvironment{sphinxVerbatimInput}{}{}
\newenvironment{sphinxVerbatimOutput}
  {\sphinxsetup{VerbatimColor={RGB}{255,255,255},
                VerbatimBorderColor={RGB}{200,200,200}}%
   \begin{adjustwidth}{1.5em}{}}
  {\end{adjustwidth}}
% A slider's frames (nnbook_latex): image above, value below.
\newcommand{\nnbookframe}[3]{%
  \begin{minipage}[t]{#1\linewidth}\centering
    \sphinxincludegraphics[width=\linewidth]{#2}\par
    {\footnotesize #3\par}\end{minipage}}
"""

LATEX_ELEMENTS = {
    "papersize": "a4paper",
    "pointsize": "10pt",
    "geometry": r"\usepackage[dvipdfm,headheight=15pt]{geometry}",
    "makeindex": "",
    "printindex": "",
    "sphinxsetup": (
        # (verbatimforcewraps would break Sphinx's ``\\(\\sb{..}\\)`` for ₂ in
        # highlighted code; every long line here has a space to break at)
        "verbatimwrapslines=true, verbatimhintsturnover=false"
    ),
}


def _use_uplatex(app, config) -> None:
    """Undo what sphinx-jupyterbook-latex set for xelatex."""
    config["latex_engine"] = "uplatex"
    config["latex_theme"] = "manual"
    config["jblatex_show_tocs"] = False
    elements = config["latex_elements"]
    jb_free = _JB_PREAMBLE.sub("\n", elements.get("preamble", ""))
    elements["preamble"] = jb_free + PREAMBLE
    for key, value in LATEX_ELEMENTS.items():
        elements.setdefault(key, value)


# --- sliders ---------------------------------------------------------------

#: The LaTeX command of one frame of a strip (defined in PREAMBLE);
#: ``tools/check_pdf.py`` finds the strips by it.
FRAME_MACRO = r"\nnbookframe"
_SLIDER_TAG = re.compile(r'<div\b[^>]*\bclass="nnbook-slider"[^>]*>')
_ID = re.compile(r'\bid="([^"]+)"')


def slider_ids(html: str) -> list[str]:
    """The ids of the sliders (``<div class="nnbook-slider" id=…>``)."""
    return [
        m.group(1)
        for tag in _SLIDER_TAG.findall(html)
        if (m := _ID.search(tag))
    ]


class _SliderParser(HTMLParser):
    """Frames, parameter labels and values of one slider's static HTML."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.frames: list[tuple[bytes, str]] = []  # (png, alt)
        self.params: list[dict] = []  # label, values, initial
        self.uid = ""
        self._label_for: dict[str, str] = {}
        self._in_label: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if "nnbook-slider" in classes and not self.uid:
            self.uid = a.get("id") or ""
        elif tag == "img" and "nnbook-slider-frame" in classes:
            src = a.get("src") or ""
            _, _, data = src.partition("base64,")
            self.frames.append((base64.b64decode(data), a.get("alt") or ""))
        elif tag == "input" and "data-labels" in a:
            self.params.append(
                {
                    "id": a.get("id"),
                    "label": a.get("aria-label") or a.get("data-param", ""),
                    "values": json.loads(a["data-labels"]),
                    "initial": int(a.get("value") or 0),
                }
            )
        elif tag == "label":
            self._in_label = a.get("for")
            self._label_for[self._in_label] = ""

    def handle_data(self, data):
        if self._in_label is not None:
            self._label_for[self._in_label] += data

    def handle_endtag(self, tag):
        if tag == "label":
            self._in_label = None

    def close(self):
        super().close()
        for p in self.params:
            p["label"] = self._label_for.get(p["id"]) or p["label"]


def parse_slider(html: str) -> _SliderParser | None:
    """The slider in ``html``, or None when it is no nnbook slider."""
    if "nnbook-slider" not in html:
        return None
    parser = _SliderParser()
    parser.feed(html)
    parser.close()
    if not parser.frames:
        return None
    sizes = [len(p["values"]) for p in parser.params]
    if not sizes or math.prod(sizes) != len(parser.frames):
        raise ValueError(
            f"スライダー {parser.uid} のコマの数 ({len(parser.frames)}) が"
            f"値の組の数 ({sizes}) と合いません"
        )
    return parser


def pick(n: int, k: int, keep: int) -> list[int]:
    """``k`` of ``range(n)`` spread evenly, ends and ``keep`` included."""
    if n <= k:
        return list(range(n))
    chosen = {int(round(x)) for x in np.linspace(0, n - 1, k)}
    if keep not in chosen:
        inner = sorted(chosen - {0, n - 1}, key=lambda i: abs(i - keep))
        if inner:
            chosen.discard(inner[0])
        chosen.add(keep)
    return sorted(chosen)


def _short(label: str) -> tuple[str, str]:
    """``活性化関数 (0: シグモイド, …)`` → (``活性化関数``, the legend)."""
    m = re.fullmatch(r"(.+?)\s*[(（](.+)[)）]\s*", label)
    return (m.group(1), m.group(2)) if m else (label, "")


def strip_layout(slider: _SliderParser, aspect: float):
    """Rows of (frame number, caption) and the legends to print above.

    One parameter: at most two rows of four frames (three rows of three
    for wide frames), evenly chosen. Two: one row per value of the
    parameter with fewer values (at most three rows), its columns the
    other one's values.
    """
    params = slider.params
    cols = 3 if aspect > WIDE_ASPECT else 4
    sizes = [len(p["values"]) for p in params]
    names = [_short(p["label"]) for p in params]
    legends = [f"{n}: {legend}" for n, legend in names if legend]
    if len(params) == 1:
        shown = pick(sizes[0], 9 if cols == 3 else 8, params[0]["initial"])
        cells = [
            (i, f"{names[0][0]} = {params[0]['values'][i]}") for i in shown
        ]
        rows = [cells[r : r + cols] for r in range(0, len(cells), cols)]
        return rows, legends
    if len(params) == 2:
        r_ax = int(np.argmin(sizes))
        c_ax = 1 - r_ax
        rows = []
        for r in pick(sizes[r_ax], 3, params[r_ax]["initial"]):
            row = []
            for c in pick(sizes[c_ax], cols, params[c_ax]["initial"]):
                index = [0, 0]
                index[r_ax], index[c_ax] = r, c
                caption = ", ".join(
                    f"{names[a][0]} = {params[a]['values'][index[a]]}"
                    for a in range(2)
                )
                row.append((int(np.ravel_multi_index(index, sizes)), caption))
            rows.append(row)
        return rows, legends
    raise ValueError(
        f"スライダー {slider.uid} のパラメータは 1 つか 2 つのはずです"
        f" ({len(params)} つ)"
    )


def _save_frame(png: bytes, path: Path) -> None:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        if im.width > FRAME_PX:
            height = round(im.height * FRAME_PX / im.width)
            im = im.resize((FRAME_PX, height), Image.Resampling.LANCZOS)
        im.save(path, optimize=True)


def strip_latex(slider: _SliderParser, outdir: Path, engine: str) -> str:
    """The LaTeX of a slider's strip; its frames are written to ``outdir``."""
    from PIL import Image

    with Image.open(io.BytesIO(slider.frames[0][0])) as im:
        aspect = im.width / im.height
    rows, legends = strip_layout(slider, aspect)
    cols = max(len(r) for r in rows)
    gap = 0.02
    width = (0.98 - gap * (cols - 1)) / cols
    # one block: a strip is never split between two pages
    lines = [r"\par\medskip\noindent\begin{minipage}{\linewidth}\centering"]
    lines += [r"{\small " + tex_escape(s, engine) + r"}\par" for s in legends]
    for row in rows:
        cells = []
        for k, caption in row:
            name = f"{slider.uid}-{k}.png"
            _save_frame(slider.frames[k][0], outdir / name)
            cells.append(
                rf"{FRAME_MACRO}{{{width:.3f}}}{{{{{Path(name).stem}}}.png}}"
                rf"{{{tex_escape(caption, engine)}}}"
            )
        lines.append(rf"\hspace{{{gap}\linewidth}}".join(cells) + r"\par")
        lines.append(r"\smallskip")
    lines.append(r"\end{minipage}\par\medskip")
    return "\n".join(lines) + "\n"


def _slider_html(bundle) -> str | None:
    for mime in bundle.children:
        if mime.get("mime_type") == "text/html":
            return "".join(n.astext() for n in mime.findall(nodes.raw))
    return None


class SliderStrips(SphinxPostTransform):
    """Replace each slider's output by its strip (before myst-nb picks a
    mime type for the output, which would keep only its text/plain)."""

    default_priority = 3  # myst_nb's SelectMimeType is 4
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        outdir = Path(self.app.outdir)
        engine = self.config.latex_engine
        for bundle in list(self.document.findall(nodes.container)):
            if bundle.get("nb_element") != "mime_bundle":
                continue
            html = _slider_html(bundle)
            slider = parse_slider(html) if html else None
            if slider is None:
                continue
            raw = nodes.raw(
                "", strip_latex(slider, outdir, engine), format="latex"
            )
            bundle.replace_self(raw)


# --- chapters, exercises, bibliography --------------------------------------


class ChapterNumbers(SphinxPostTransform):
    """``\\nnbookchapter{N}`` right after each page's heading."""

    default_priority = 900
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        for start in self.document.findall(addnodes.start_of_file):
            section = next(start.findall(nodes.section), None)
            if section is None or start["docname"] not in self.env.all_docs:
                continue  # a part (a caption of the table of contents)
            number = _chapter_number(start["docname"]) or ""
            raw = nodes.raw(
                "", rf"\nnbookchapter{{{number}}}" + "\n", format="latex"
            )
            title = section.next_node(nodes.title)
            section.insert(section.index(title) + 1 if title else 0, raw)


class ExerciseSolutions(SphinxPostTransform):
    """Print an exercise's solution code in a box 「解答例」."""

    default_priority = 390  # before sphinx-jupyterbook-latex hides it (400)
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        for cell in list(self.document.findall(nodes.container)):
            if "tag_exercise" not in cell.get("classes", []):
                continue
            cell["classes"] = [
                c for c in cell["classes"] if c != "tag_hide-input"
            ]
            box = nodes.admonition(
                "", nodes.title("", "解答例"), classes=["nnbook-solution"]
            )
            cell.replace_self(box)
            box += cell


class BibliographyInPlace(SphinxPostTransform):
    """Move the bibliography from the end of the book to 参考文献."""

    default_priority = 760  # after Sphinx gathers it (750)
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        bib = next(self.document.findall(thebibliography), None)
        for start in self.document.findall(addnodes.start_of_file):
            if start["docname"].endswith("references") and bib is not None:
                bib.parent.remove(bib)
                section = next(start.findall(nodes.section))
                section += bib
                return


class DropLandingPage(SphinxPostTransform):
    """The site's home page (before the first part) is not in the book."""

    default_priority = 950
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        root = self.config.root_doc
        for section in self.document.children:
            if not isinstance(section, nodes.section):
                continue
            if section.get("docname") == root:
                for node in section.children[1:]:  # all but its title
                    if not isinstance(node, nodes.target):
                        section.remove(node)


class NoBreakSpaces(SphinxPostTransform):
    """U+00A0 (pybtex puts it between given names) as a plain space: the
    Japanese font would print it a full character wide."""

    default_priority = 960
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        for parent in list(self.document.findall(nodes.TextElement)):
            if isinstance(parent, nodes.FixedTextElement):
                continue
            for i, child in enumerate(parent.children):
                if isinstance(child, nodes.Text) and "\u00a0" in child:
                    parent.children[i] = nodes.Text(
                        child.replace("\u00a0", " ")
                    )
                    parent.children[i].parent = parent


def setup(app):
    app.connect("config-inited", _use_uplatex, priority=900)
    app.add_post_transform(DropLandingPage)
    app.add_post_transform(NoBreakSpaces)
    app.add_post_transform(SliderStrips)
    app.add_post_transform(ChapterNumbers)
    app.add_post_transform(ExerciseSolutions)
    app.add_post_transform(BibliographyInPlace)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
