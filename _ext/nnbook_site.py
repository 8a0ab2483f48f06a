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
  that follow a Japanese character are removed from the prose.
* The collapsed answer of an exercise (a code cell tagged ``exercise``)
  is labelled 解答例を表示 rather than the generic code label.
* Figures, tables and numbered equations are numbered per chapter from the
  file name: the 3rd figure of ``chapters/01_perceptron`` is 図1.3, so
  ``{numref}`` works without a numbered toctree (which would prefix every
  heading with a second number beside the book's own 第1章 / 1.1).
* As a safety net, any script or stylesheet that would load from another
  host is dropped from the page (the browser test also checks this).
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

from docutils import nodes

# A line break right after a Japanese character (kana, kanji, full-width
# punctuation) is a source-formatting artefact, not a space.
_JA_SOFTBREAK = re.compile(
    r"(?<=[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef])\n[ \t]*"
)
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
    """Drop source line breaks that follow Japanese text in prose.

    MyST turns a soft line break into its own ``Text("\\n")`` node, so the
    character before it is tracked across the text nodes of a block.
    """
    for block in doctree.findall(nodes.TextElement):
        if isinstance(block, _KEEP_AS_IS) or block.parent is None:
            continue
        if isinstance(block.parent, nodes.TextElement):
            continue  # handled as part of the enclosing block
        previous = ""
        for text in list(block.findall(nodes.Text)):
            if any(isinstance(a, _KEEP_AS_IS) for a in _ancestors(text)):
                previous = "x"
                continue
            joined = _JA_SOFTBREAK.sub("", previous + str(text))
            joined = joined[len(previous) :] if previous else joined
            if joined != str(text):
                text.parent.replace(text, nodes.Text(joined))
            previous = (joined or previous)[-1:]


def _label_exercise_answers(app, doctree) -> None:
    for cell in doctree.findall(nodes.container):
        if "tag_exercise" in cell["classes"] and cell.get("hide_mode"):
            cell["prompt_show"] = "解答例を表示"
            cell["prompt_hide"] = "解答例を隠す"


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


def _keep_local_assets(app, pagename, templatename, context, doctree):
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


def _chapter_number(docname: str) -> int | None:
    """``chapters/03_losses`` → 3; pages that are not chapters → None."""
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


def setup(app):
    app.add_js_file(None, body=_NO_SUMMARY_FROM_FILE, priority=201)
    app.connect("builder-inited", _drop_thebe)
    app.connect("doctree-resolved", _join_japanese_lines)
    app.connect("doctree-read", _label_exercise_answers)
    # after Sphinx's own numbering (TocTreeCollector, priority 500)
    app.connect("env-get-updated", _number_per_chapter, priority=900)
    app.connect("html-page-context", _keep_local_assets, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
