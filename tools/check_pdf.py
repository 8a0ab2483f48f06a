"""Check the PDF edition that ``make pdf`` builds (_build/latex/nnbook.pdf).

Usage::

    python tools/check_pdf.py [_build/latex]

What must hold (each failure is listed, and the exit status is 1):

* LaTeX: no error (``! ...``), no undefined reference or citation, no
  line of code running into the margin (Sphinx wraps code lines), no
  character the fonts lack (``Missing character`` in ``nnbook.log``;
  dvipdfmx's ``No character mapping available`` in ``make-pdf.log``,
  the output of ``make all-pdf``: such a character would simply be
  missing from the page).
* Every page of ``_toc.yml`` is a bookmark of the PDF under its title.
* Every figure of the chapters is printed with its number as on the site
  (``図1.3:``, ``図A.1:`` under the image).
* Every slider of the chapters is printed as its strip of frames: each
  frame's image is in the build and its value label is in the PDF's text.
* The text is Japanese, set in the embedded Harano Aji fonts, with no
  replacement characters.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_ext"))

from nnbook_latex import FRAME_MACRO, slider_ids  # noqa: E402
from nnbook_site import _chapter_number  # noqa: E402

PDF_NAME = "nnbook.pdf"
LOG_NAME = "nnbook.log"
MAKE_LOG_NAME = "make-pdf.log"

_LATEX_PROBLEMS = [
    (re.compile(r"^! (.*)$", re.M), "LaTeX のエラー: {}"),
    (
        re.compile(r"(?:Hyper r|R)eference `([^']*)' on page \d+ undefined"),
        "未定義の参照: {}",
    ),
    (
        re.compile(r"Citation `([^']*)' on page \d+ undefined"),
        "未定義の引用: {}",
    ),
    (
        re.compile(r"Missing character: There is no (.*)$", re.M),
        "字形がない: {}",
    ),
]
_NO_MAPPING = re.compile(
    r"No character mapping available\.\s*\n\s*CMap name: \S+\s*\n"
    r"\s*input str: <([0-9a-fA-F]+)>"
)


def latex_log_problems(log: str) -> list[str]:
    """Errors, undefined references and missing glyphs in ``nnbook.log``."""
    found = []
    for pattern, message in _LATEX_PROBLEMS:
        for m in pattern.finditer(log):
            text = message.format(m.group(1).strip())
            if text not in found:
                found.append(text)
    return found


_OVERFULL = re.compile(
    r"Overfull \\hbox \(([\d.]+)pt too wide\) in paragraph at lines (\d+)--"
)


def code_overflows(log: str, tex: str) -> list[str]:
    """Code lines that run into the margin (an overfull line of a
    ``sphinxVerbatim`` block: Sphinx found no place to wrap it)."""
    in_code, code_lines = False, set()
    for number, line in enumerate(tex.splitlines(), start=1):
        if line.startswith(r"\begin{sphinxVerbatim}"):
            in_code = True
        elif line.startswith(r"\end{sphinxVerbatim}"):
            in_code = False
        elif in_code:
            code_lines.add(number)
    return [
        f"コードの行がはみ出す ({float(m.group(1)):.0f}pt): nnbook.tex の"
        f" {m.group(2)} 行目"
        for m in _OVERFULL.finditer(log)
        if int(m.group(2)) in code_lines and float(m.group(1)) > 1
    ]


def dvipdfmx_problems(output: str) -> list[str]:
    """Characters dvipdfmx could not find in the Japanese fonts."""
    codes = sorted({m.group(1).upper() for m in _NO_MAPPING.finditer(output)})
    if not codes and "No character mapping available" in output:
        codes = ["?"]
    return [
        f"日本語のフォントにない文字 U+{c} (dvipdfmx: No character mapping"
        " available). _ext/nnbook_latex.py の PREAMBLE で別の字形に"
        "置き換えてください"
        for c in codes
    ]


def toc_pages(root: Path = ROOT) -> list[Path]:
    """The source files of every page in ``_toc.yml``, in order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    files = []

    def walk(entries):
        for entry in entries:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("chapters", []) + entry.get("sections", []))
            for part in entry.get("parts", []):
                walk(part.get("chapters", []))

    walk(toc.get("parts", []))
    walk(toc.get("chapters", []))
    pages = []
    for name in files:
        for suffix in (".ipynb", ".md"):
            if (root / (name + suffix)).exists():
                pages.append(root / (name + suffix))
                break
        else:
            raise FileNotFoundError(f"目次のページ {name} が見つかりません")
    return pages


def _cells(path: Path) -> list[dict]:
    if path.suffix == ".ipynb":
        return json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [{"cell_type": "markdown", "source": path.read_text("utf-8")}]


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def page_title(path: Path) -> str:
    """The page's first ``# `` heading."""
    for cell in _cells(path):
        if cell["cell_type"] != "markdown":
            continue
        m = re.search(r"^# (.+)$", _source(cell), re.M)
        if m:
            return m.group(1).strip()
    raise ValueError(f"{path.name} に見出し (# ...) がありません")


def figure_labels(path: Path) -> list[str]:
    """``図1.1:``, ``図1.2:``, … for the figures of a notebook."""
    chapter = _chapter_number(path.stem)
    prefix = f"{chapter}." if chapter else ""
    count = 0
    for cell in _cells(path):
        meta = cell.get("metadata", {}).get("mystnb", {})
        has_image = any(
            "image/png" in o.get("data", {}) for o in cell.get("outputs", [])
        )
        if meta.get("figure") and has_image:
            count += 1
    return [f"図{prefix}{k}:" for k in range(1, count + 1)]


def page_sliders(path: Path) -> list[str]:
    """The ids of the sliders in a page's outputs."""
    ids = []
    for cell in _cells(path):
        for out in cell.get("outputs", []):
            html = out.get("data", {}).get("text/html", "")
            ids += slider_ids(
                "".join(html) if isinstance(html, list) else html
            )
    return ids


def strip_frames(tex: str) -> dict[str, list[tuple[str, str]]]:
    """Slider id → the (image, label) of each frame printed in its strip."""
    frames: dict[str, list[tuple[str, str]]] = {}
    for m in re.finditer(
        re.escape(FRAME_MACRO) + r"\{[^}]*\}\{\{(nnbook-slider-[0-9a-f]+)-"
        r"(\d+)\}\.png\}\{(.*?)\}(?=\\hspace|\\par)",
        tex,
    ):
        frames.setdefault(m.group(1), []).append(
            (f"{m.group(1)}-{m.group(2)}.png", m.group(3))
        )
    return frames


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _tex_to_text(label: str) -> str:
    """A frame label as printed (the LaTeX escapes the labels use)."""
    label = re.sub(r"\\sphinxhyphen\{\}", "-", label)
    label = re.sub(r"\\\(\\sb\{\\text\{(\d)\}\}\\\)", r"\1", label)
    label = re.sub(r"\\\(\\sp\{\\text\{(\d)\}\}\\\)", r"\1", label)
    return re.sub(r"\\[a-zA-Z]+\{\}|[{}\\]", "", label)


def _font_name(font) -> str:
    import ctypes

    import pypdfium2.raw as pdfium_c

    size = pdfium_c.FPDFFont_GetBaseFontName(font, None, 0)
    buf = ctypes.create_string_buffer(size)
    pdfium_c.FPDFFont_GetBaseFontName(font, buf, size)
    return buf.value.decode("ascii", "replace")


def read_pdf(pdf_path: Path) -> tuple[list[str], list[str], dict[str, bool]]:
    """Text of each page, bookmark titles, font name → embedded."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    pdf = pdfium.PdfDocument(pdf_path)
    pages, fonts = [], {}
    try:
        for page in pdf:
            text = page.get_textpage()
            pages.append(text.get_text_range())
            for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT]):
                font = pdfium_c.FPDFTextObj_GetFont(obj.raw)
                fonts[_font_name(font)] = bool(
                    pdfium_c.FPDFFont_GetIsEmbedded(font)
                )
        marks = [b.get_title() for b in pdf.get_toc()]
    finally:
        pdf.close()
    return pages, marks, fonts


def _japanese_share(text: str) -> float:
    letters = [c for c in text if not c.isspace()]
    ja = [
        c
        for c in letters
        if "\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff"
    ]
    return len(ja) / max(len(letters), 1)


def check(build: Path, root: Path = ROOT) -> list[str]:
    """Every problem of the PDF built in ``build`` (empty: all is well)."""
    problems = []
    pdf_path, log_path = build / PDF_NAME, build / LOG_NAME
    for path in (pdf_path, log_path, build / MAKE_LOG_NAME):
        if not path.exists():
            return [f"{path} がありません (make pdf で作ります)"]
    log = log_path.read_text("utf-8", "replace")
    problems += latex_log_problems(log)
    problems += dvipdfmx_problems(
        (build / MAKE_LOG_NAME).read_text("utf-8", "replace")
    )
    tex = (build / "nnbook.tex").read_text(encoding="utf-8")
    problems += code_overflows(log, tex)
    pages, marks, fonts = read_pdf(pdf_path)
    text = _squash("".join(pages))
    marks_squashed = {_squash(m) for m in marks}

    strips = strip_frames(tex)
    for page in toc_pages(root):
        title = page_title(page)
        if _squash(title) not in marks_squashed:
            problems.append(
                f"章がない: {page.name} 「{title}」 (しおりにない)"
            )
        for label in figure_labels(page):
            if label not in text:
                problems.append(f"図がない: {page.name} の {label[:-1]}")
        for uid in page_sliders(page):
            frames = strips.get(uid)
            if not frames:
                problems.append(
                    f"スライダーのコマの一覧がない: {page.name} {uid}"
                )
                continue
            for image, _ in frames:
                if not (build / image).exists():
                    problems.append(f"スライダーのコマの画像がない: {image}")
            labels = [_tex_to_text(label) for _, label in frames]
            if "".join(_squash(label) for label in labels) not in text:
                problems.append(
                    f"スライダーのコマの値が PDF にない: {page.name} {uid}"
                    f" 「{labels[0]}」…「{labels[-1]}」"
                )
    if "\ufffd" in text:
        problems.append("PDF の文字に U+FFFD (置き換え文字) がある")
    share = _japanese_share(text)
    if share < 0.3:
        problems.append(f"日本語の文字が少ない ({share:.0%}): フォントの問題?")
    if not any("HaranoAji" in name for name in fonts):
        problems.append(
            "日本語の文字が原ノ味フォント (HaranoAji) で組まれていない"
        )
    problems += [
        f"フォントが PDF に埋め込まれていない: {name}"
        for name, embedded in sorted(fonts.items())
        if not embedded
    ]
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="make pdf の PDF を確かめる")
    parser.add_argument(
        "build", nargs="?", type=Path, default=ROOT / "_build" / "latex"
    )
    build = parser.parse_args(argv).build
    problems = check(build)
    print("".join(f"NG: {p}\n" for p in problems), end="")
    verdict = f"{len(problems)} 件の問題" if problems else "問題なし"
    print(f"PDF の確認: {verdict} ({build / PDF_NAME})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
