"""Sphinx extension for nnbook's site: keep every page self-contained.

* Jupyter Book always loads ``sphinx_thebe``, which declares
  ``const THEBE_JS_URL`` twice per page (a console SyntaxError) and points
  at a CDN. nnbook has no live-code button, so its listeners are removed.
* Sphinx's search fetches each hit's page for a summary; from ``file://``
  the browser blocks that fetch (CORS) and logs errors, so the summary is
  only shown when the site is served over HTTP. The hits themselves work
  in both cases.
* As a safety net, any script or stylesheet that would load from another
  host is dropped from the page (the browser test also checks this).
"""

from __future__ import annotations

from urllib.parse import urlparse


def _is_external(url: str | None) -> bool:
    return (
        bool(url)
        and urlparse(url).scheme in ("http", "https", "")
        and bool(urlparse(url).netloc)
    )


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


_NO_SUMMARY_FROM_FILE = (
    'if (location.protocol === "file:") '
    "{ DOCUMENTATION_OPTIONS.SHOW_SEARCH_SUMMARY = false; }"
)


def setup(app):
    app.add_js_file(None, body=_NO_SUMMARY_FROM_FILE, priority=201)
    app.connect("builder-inited", _drop_thebe)
    app.connect("html-page-context", _keep_local_assets, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
