"""Real-browser tests of the built site (Debian Chromium via Playwright).

They read ``_build/html`` as built by ``make build-strict`` (``make test``
builds it first) and check what a reader sees, offline:

* every page loads with no console error and no request to another host,
  from ``file://`` and over HTTP;
* formulas are typeset by the bundled MathJax (no raw LaTeX left);
* every image loads;
* Japanese search finds the page that teaches each compound term;
* static sliders respond to the mouse and to the arrow keys.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser

# Each compound term must lead to the page that teaches it. Until that
# chapter exists, the introduction (which names every chapter) is enough.
SEARCH_TERMS = {
    "活性化関数": ["chapters/02_activations", "chapters/intro"],
    "勾配降下法": ["chapters/04_gradient_descent", "chapters/intro"],
    "誤差逆伝播法": ["chapters/04_gradient_descent", "chapters/intro"],
    "バッチ正規化": ["chapters/08_batchnorm", "chapters/intro"],
    "距離学習": ["chapters/09_metric_learning", "chapters/intro"],
    "損失関数": ["chapters/03_losses", "chapters/intro"],
    "パーセプトロン": ["chapters/01_perceptron", "chapters/intro"],
}


def _require_site():
    if (SITE / "index.html").exists():
        return
    message = "サイトがありません: 先に `make build-strict` を実行してください"
    if os.environ.get("NNBOOK_REQUIRE_SITE"):
        pytest.fail(message)
    pytest.skip(message)


def _pages() -> list[str]:
    if not SITE.exists():
        return []
    pages = sorted(
        str(p.relative_to(SITE))
        for p in SITE.rglob("*.html")
        if "_static" not in p.parts and "_sources" not in p.parts
    )
    return pages


def _expected_page(candidates: list[str]) -> str:
    for page in candidates:
        if (SITE / f"{page}.html").exists():
            return page
    raise AssertionError(f"none of {candidates} was built")


@pytest.fixture(scope="session")
def browser():
    _require_site()
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium がありません ({CHROMIUM}); make test が入れます"
        )
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def http_root():
    """Serve the site on a free loopback port for the session."""
    _require_site()
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(params=["file", "http"])
def root_url(request):
    if request.param == "file":
        _require_site()
        return SITE.as_uri() + "/"
    return request.getfixturevalue("http_root")


class PageWatch:
    """Open a page and record console errors and off-site requests."""

    def __init__(self, browser, root: str):
        self.context = browser.new_context(
            viewport={"width": 1200, "height": 900}
        )
        self.page = self.context.new_page()
        self.root = root
        self.errors: list[str] = []
        self.external: list[str] = []
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", self._on_request)

    def _on_console(self, msg):
        if msg.type == "error":
            self.errors.append(msg.text)

    def _on_request(self, request):
        url = urlparse(request.url)
        if url.scheme in ("file", "data", "blob", "about"):
            return
        if url.hostname not in ("127.0.0.1", "localhost"):
            self.external.append(request.url)

    def open(self, path: str):
        self.page.goto(self.root + path, wait_until="load")
        self.page.wait_for_function(
            "() => !window.MathJax || !MathJax.startup"
            " || MathJax.startup.promise.then(() => true)"
        )
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture
def watch(browser, root_url):
    w = PageWatch(browser, root_url)
    yield w
    w.close()


@pytest.mark.parametrize("path", _pages() or ["index.html"])
def test_page_loads_cleanly(watch, path):
    page = watch.open(path)
    page.wait_for_timeout(100)
    assert watch.errors == [], f"{path}: console errors {watch.errors}"
    assert watch.external == [], f"{path}: off-site requests {watch.external}"
    assert page.evaluate("document.documentElement.lang") == "ja"
    broken = page.evaluate(
        "() => [...document.images]"
        ".filter(i => !(i.complete && i.naturalWidth > 0))"
        ".map(i => i.src.slice(0, 80))"
    )
    assert broken == [], f"{path}: images that did not load: {broken}"
    raw_math = page.evaluate(
        "() => [...document.querySelectorAll('.math')]"
        ".filter(e => !e.querySelector('mjx-container'))"
        ".map(e => e.textContent.slice(0, 60))"
    )
    assert raw_math == [], f"{path}: formulas left as raw LaTeX: {raw_math}"
    # Markdown that did not render (e.g. ** next to Japanese text and a
    # role, which CommonMark does not treat as emphasis) shows up as text.
    stray = page.evaluate(
        "() => [...document.querySelectorAll('main p, main li, main td')]"
        ".filter(e => !e.closest('pre, code, .cell_output'))"
        ".map(e => e.textContent)"
        ".filter(t => t.includes('**') || t.includes('{term}')"
        " || t.includes('{cite}'))"
        ".map(t => t.slice(0, 80))"
    )
    assert stray == [], f"{path}: unrendered Markdown: {stray}"


def test_formulas_are_typeset(browser, http_root):
    w = PageWatch(browser, http_root)
    try:
        page = w.open("chapters/notation.html")
        assert page.locator("mjx-container").count() > 10
        assert "\\lVert" not in page.inner_text("main")
    finally:
        w.close()


@pytest.mark.parametrize("term", list(SEARCH_TERMS))
def test_japanese_search_finds_page(watch, term):
    expected = _expected_page(SEARCH_TERMS[term])
    page = watch.open(f"search.html?q={term}")
    results = page.locator("#search-results ul.search li a")
    results.first.wait_for(timeout=15000)
    hrefs = [
        urlparse(h).path
        for h in results.evaluate_all("els => els.map(e => e.href)")
    ]
    assert any(h.endswith(f"{expected}.html") for h in hrefs), (
        f"「{term}」で {expected} が見つかりません: {hrefs}"
    )
    assert watch.errors == []


def _visible_frame(slider):
    return slider.locator("img.nnbook-slider-frame:visible").get_attribute(
        "src"
    )


def _check_slider(page, slider):
    """Arrow keys and a mouse click move the frame and the value label."""
    rng = slider.locator("input[type=range].nnbook-slider-input").first
    label = slider.locator("output.nnbook-slider-value").first
    rng.scroll_into_view_if_needed()
    assert slider.locator("img.nnbook-slider-frame:visible").count() == 1

    rng.focus()
    page.keyboard.press("Home")
    home_frame, home_value = _visible_frame(slider), label.inner_text()
    assert home_frame and home_value
    page.keyboard.press("ArrowRight")
    assert _visible_frame(slider) != home_frame
    assert label.inner_text() != home_value
    page.keyboard.press("ArrowLeft")
    assert _visible_frame(slider) == home_frame
    assert label.inner_text() == home_value

    box = rng.bounding_box()
    page.mouse.click(box["x"] + box["width"] - 3, box["y"] + box["height"] / 2)
    assert _visible_frame(slider) != home_frame
    assert label.inner_text() != home_value
    assert rng.get_attribute("aria-valuetext") == label.inner_text()


# Every slider the chapters promise (TOPICS marks them), by page.
SLIDERS = {
    "chapters/00_sliders.html": 2,  # learning rate, leaky ReLU alpha
    "chapters/01_perceptron.html": 1,  # bias -> decision boundary
    "chapters/02_activations.html": 2,  # leaky ReLU alpha, swish beta
    "chapters/03_losses.html": 1,  # Huber delta
    "chapters/04_gradient_descent.html": 2,  # learning rate 1-D and 2-D
}


@pytest.mark.parametrize("path", list(SLIDERS))
def test_static_sliders_follow_keys_and_mouse(watch, path):
    if not (SITE / path).exists():
        pytest.skip(f"{path} is not built yet")
    page = watch.open(path)
    sliders = page.locator("div.nnbook-slider")
    sliders.first.wait_for()
    assert sliders.count() >= SLIDERS[path]
    for i in range(sliders.count()):
        _check_slider(page, sliders.nth(i))
    assert watch.errors == []


@pytest.mark.parametrize(
    "path",
    [
        "chapters/01_perceptron.html",
        "chapters/02_activations.html",
        "chapters/03_losses.html",
        "chapters/04_gradient_descent.html",
    ],
)
def test_exercise_answers_are_collapsed_until_clicked(
    browser, http_root, path
):
    if not (SITE / path).exists():
        pytest.skip(f"{path} is not built yet")
    w = PageWatch(browser, http_root)
    try:
        page = w.open(path)
        answers = page.locator("div.cell.tag_exercise details.hide")
        assert answers.count() >= 3, "練習問題は3問以上, 解答は折りたたむ"
        first = answers.first
        code = first.locator("div.cell_input")
        assert not code.is_visible()
        assert "解答例を表示" in first.locator("summary").inner_text()
        first.locator("summary").click()
        assert code.is_visible()
        assert "解答 ここから" in code.inner_text()
        checks = page.locator("div.cell_output").filter(has_text="正解です")
        assert checks.count() >= answers.count()
    finally:
        w.close()
