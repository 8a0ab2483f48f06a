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
import re
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
    "バッチ正規化": ["chapters/08_batch_norm", "chapters/intro"],
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
    # Alt text says what a figure shows, not where its file is.
    path_alts = page.evaluate(
        "() => [...document.querySelectorAll('main img')]"
        ".map(i => i.getAttribute('alt') || '')"
        ".filter(a => /\\.(png|svg|jpe?g)$/i.test(a)"
        " || a.includes('_images/'))"
    )
    assert path_alts == [], f"{path}: alt text is a file path: {path_alts}"
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
        " || t.includes('{cite}') || t.includes('$$'))"
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
    "chapters/05_optimizers.html": 2,  # learning rate, Adam's beta2
    "chapters/06_regularization.html": 1,  # weight decay alpha
    "chapters/07_initialization.html": 1,  # std x activation
    "chapters/08_batch_norm.html": 1,  # initial std, with and without BN
    "chapters/09_metric_learning.html": 1,  # triplet margin
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


CHAPTER_PAGES = sorted(
    f"chapters/{p.stem}.html"
    for pattern in ("0[1-9]_*.ipynb", "a[1-9]_*.ipynb")  # chapters, appendices
    for p in (ROOT / "chapters").glob(pattern)
)


@pytest.mark.parametrize("path", CHAPTER_PAGES)
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


# --- Phones and narrow windows ---------------------------------------------

VIEWPORTS = {
    "phone": {"width": 390, "height": 844},
    "tablet": {"width": 1024, "height": 768},
}


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def _touch_page(browser, viewport):
    context = browser.new_context(
        viewport=viewport,
        device_scale_factor=2,
        is_mobile=viewport["width"] < 600,
        has_touch=True,
    )
    return context, context.new_page()


def _chapter_list(page):
    """The chapter list the reader sees now (drawer or sidebar)."""
    drawer = page.locator("#pst-primary-sidebar-modal[open]")
    if drawer.count():
        return drawer
    return page.locator("#pst-primary-sidebar")


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_chapter_list_opens_by_tap_and_navigates(browser, root_url, size):
    context, page = _touch_page(browser, VIEWPORTS[size])
    try:
        page.goto(root_url + "chapters/02_activations.html")
        toggle = page.locator(".primary-toggle:visible")
        assert toggle.count() == 1, "目次のボタンが見えない"
        link = page.locator(
            "#pst-primary-sidebar a.reference", has_text="第3章"
        )
        if link.is_visible():
            # Wide enough for the sidebar: the button hides and shows it.
            toggle.tap()
            expect(link).to_be_hidden(timeout=3000)
        toggle.tap()
        page.wait_for_timeout(300)
        link = _chapter_list(page).locator("a.reference", has_text="第3章")
        expect(link).to_be_visible(timeout=3000)
        link.tap()
        page.wait_for_url("**/chapters/03_losses.html*")
    finally:
        context.close()


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_section_list_opens_by_tap(browser, root_url, size):
    context, page = _touch_page(browser, VIEWPORTS[size])
    try:
        page.goto(root_url + "chapters/02_activations.html")
        toggle = page.locator(".secondary-toggle:visible")
        assert toggle.count() == 1, "節の一覧のボタンが見えない"
        toggle.tap()
        drawer = page.locator("#pst-secondary-sidebar-modal[open]")
        drawer.wait_for(timeout=3000)
        section = drawer.locator("a", has_text="ReLU").first
        assert section.is_visible(), "節の一覧が開かない"
        section.tap()
        page.wait_for_function("() => location.hash.length > 1")
    finally:
        context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_nothing_is_clipped(browser, http_root, width):
    """Formulas, tables and listings fit the column or scroll visibly."""
    context, page = _touch_page(browser, {"width": width, "height": 900})
    try:
        for path in _pages():
            if not path.startswith("chapters/"):
                continue
            page.goto(http_root + path)
            page.wait_for_function(
                "() => !window.MathJax || !MathJax.startup"
                " || MathJax.startup.promise.then(() => true)"
            )
            clipped = page.evaluate(
                """() => {
                  const main = document.querySelector('main');
                  const right = main.getBoundingClientRect().right + 1;
                  const out = [];
                  const sel = 'mjx-container, table, pre, img';
                  for (const e of main.querySelectorAll(sel)) {
                    // The section list (off screen until opened) is not text.
                    if (e.closest('nav, .bd-sidebar-secondary')) continue;
                    const r = e.getBoundingClientRect();
                    if (r.width === 0 || r.right <= right) continue;
                    // Fine if an ancestor inside main scrolls sideways.
                    let a = e, scrolls = false;
                    while (a && a !== main) {
                      const s = getComputedStyle(a).overflowX;
                      if ((s === 'auto' || s === 'scroll')
                          && a.getBoundingClientRect().right <= right) {
                        scrolls = true; break;
                      }
                      a = a.parentElement;
                    }
                    if (!scrolls) out.push(e.tagName + ': '
                      + e.textContent.slice(0, 50));
                  }
                  return out;
                }"""
            )
            assert clipped == [], f"{path} @ {width}px: clipped {clipped}"
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth"
                " - document.documentElement.clientWidth"
            )
            assert overflow <= 1, f"{path} @ {width}px: page scrolls sideways"
    finally:
        context.close()


def test_hidden_cells_say_what_they_hide(browser, http_root):
    w = PageWatch(browser, http_root)
    try:
        page = w.open("chapters/02_activations.html")
        labels = page.locator("details.hide > summary").evaluate_all(
            "els => els.map(e => e.getAttribute('aria-label'))"
        )
        assert labels and "Toggle hidden content" not in labels
        assert "解答例を表示" in labels and "図のコードを表示" in labels
        page.wait_for_timeout(300)
        copy = page.locator("button.copybtn")
        assert copy.count() > 0
        names = copy.evaluate_all(
            "els => els.map(e => e.getAttribute('aria-label'))"
        )
        assert set(names) == {"コードをコピー"}
    finally:
        w.close()


def test_printed_tables_stay_in_one_block(browser, http_root):
    """A cell's stdout is one block, so a printed table keeps its columns."""
    w = PageWatch(browser, http_root)
    try:
        for path in _pages():
            if not path.startswith("chapters/0"):
                continue
            page = w.open(path)
            split = page.evaluate(
                "() => [...document.querySelectorAll('div.cell_output')]"
                ".filter(o => o.querySelectorAll("
                "':scope > div.output.stream').length > 1).length"
            )
            assert split == 0, f"{path}: {split} outputs split into streams"
    finally:
        w.close()


FIRST_PAGE_BUDGET = 1.5e6  # bytes a reader downloads before reading
SITE_BUDGET = 12e6  # the whole site without the chapters' images


def _tree_bytes(root: Path, skip: tuple[str, ...] = ()) -> int:
    return sum(
        p.stat().st_size
        for p in root.rglob("*")
        if p.is_file() and not any(part in skip for part in p.parts)
    )


def _embedded_image_bytes() -> int:
    pattern = re.compile(rb"data:image/[a-z]+;base64,[A-Za-z0-9+/=]+")
    return sum(
        len(m)
        for page in SITE.rglob("*.html")
        for m in pattern.findall(page.read_bytes())
    )


def test_page_weight(browser, http_root):
    """The first page and the site stay light (figures printed with -s)."""
    w = PageWatch(browser, http_root)
    sizes: dict[str, int] = {}

    def on_finished(request):
        transfer = request.sizes()
        sizes[request.url] = (
            transfer["responseBodySize"] + transfer["responseHeadersSize"]
        )

    w.page.on("requestfinished", on_finished)
    try:
        w.open("index.html")
        w.page.wait_for_load_state("networkidle")
        first = sum(sizes.values())
        # Content images: the figure files, and the slider frames that the
        # pages embed as data: URIs.
        site = _tree_bytes(SITE, skip=("_images",)) - _embedded_image_bytes()
        print(
            f"\n最初のページ: {first / 1e6:.2f} MB ({len(sizes)} 件), "
            f"サイト (図を除く): {site / 1e6:.1f} MB, 外部への要求: "
            f"{len(w.external)} 件"
        )
        assert w.external == []
        assert first <= FIRST_PAGE_BUDGET, sorted(
            sizes.items(), key=lambda kv: -kv[1]
        )[:5]
        assert site <= SITE_BUDGET
    finally:
        w.close()


def _content_images(page):
    return page.locator(
        "main .cell_output img:not(.nnbook-slider-frame), main figure img"
    )


@pytest.mark.parametrize(
    "path", [p for p in _pages() if p.startswith("chapters/0")]
)
def test_figures_are_sharp_on_phones(browser, http_root, path):
    """Figures and slider frames carry twice the pixels they are shown at
    (DPR 2)."""
    context, page = _touch_page(browser, VIEWPORTS["phone"])
    try:
        page.goto(http_root + path)
        images = page.locator("main .cell_output img, main figure img")
        blurry = images.evaluate_all(
            "els => els.filter(e => e.naturalWidth"
            " < 1.9 * parseFloat(e.style.width || e.width))"
            ".map(e => e.src.split('/').pop().slice(0, 12))"
        )
        assert blurry == [], f"{path}: figures drawn at 1x: {blurry}"
    finally:
        context.close()


def test_tapping_a_figure_opens_it_full_size(browser, root_url):
    context, page = _touch_page(browser, VIEWPORTS["phone"])
    try:
        page.goto(root_url + "chapters/03_losses.html")
        figure = _content_images(page).first
        figure.scroll_into_view_if_needed()
        shown = figure.bounding_box()["width"]
        assert shown <= VIEWPORTS["phone"]["width"]
        figure.tap()
        page.wait_for_url("**/_images/*.png")
        full = page.evaluate("document.images[0].naturalWidth")
        assert full > shown
    finally:
        context.close()


@pytest.mark.parametrize(
    "path", ["chapters/01_perceptron.html", "chapters/03_losses.html"]
)
def test_printed_chapter_shows_solutions_without_blank_pages(
    browser, http_root, path
):
    """Chromium's PDF of a chapter: solutions open, no half-empty page."""
    pdfium = pytest.importorskip("pypdfium2")
    w = PageWatch(browser, http_root)
    try:
        page = w.open(path)
        exercises = page.locator("div.cell.tag_exercise").count()
        pdf = pdfium.PdfDocument(page.pdf(format="A4"))
    finally:
        w.close()
    text = "".join(p.get_textpage().get_text_range() for p in pdf)
    assert text.count("# --- 解答 ここから ---") >= exercises >= 3
    blank = [_longest_blank_run(p.render(scale=0.5).to_numpy()) for p in pdf]
    half_empty = [i + 1 for i, b in enumerate(blank[:-1]) if b > 0.5]
    assert half_empty == [], f"{path}: pages more than half blank"


def _longest_blank_run(pixels) -> float:
    """Longest run of blank rows, as a fraction of the page height."""
    inked = (pixels[..., :3].min(axis=2) < 235).any(axis=1)
    longest = run = 0
    for row_has_ink in inked:
        run = 0 if row_has_ink else run + 1
        longest = max(longest, run)
    return longest / len(inked)


def test_bibliography_is_author_year(browser, http_root):
    w = PageWatch(browser, http_root)
    try:
        page = w.open("chapters/references.html")
        labels = page.locator("div.citation > span.label").all_inner_texts()
    finally:
        w.close()
    assert len(labels) >= 20
    pattern = re.compile(r"^\[\S.*, (\d{4}[a-z]?|n\.d\.)\]$")
    assert [x for x in labels if not pattern.match(x)] == []
    assert len(set(labels)) == len(labels), "同じラベルが2つある"


def test_landing_page_introduces_the_book(browser, root_url):
    """The site's root is a page with the title and every chapter."""
    w = PageWatch(browser, root_url)
    try:
        page = w.open("index.html")
        assert page.url.rstrip("/").endswith("index.html")
        assert "nnbook" in page.locator("main h1").first.inner_text()
        toc = page.locator("main a.reference.internal").evaluate_all(
            "els => els.map(e => e.getAttribute('href'))"
        )
        chapters = sorted(
            f"chapters/{p.name.replace('.ipynb', '.html')}"
            for p in (ROOT / "chapters").glob("0*.ipynb")
        )
        assert [c for c in chapters if c not in toc] == []
    finally:
        w.close()


# A topic word leads to the chapter that teaches it within the top three.
TOPIC_WORDS = {
    "ReLU": "chapters/02_activations",
    "シグモイド": "chapters/02_activations",
    "ソフトマックス": "chapters/02_activations",
    "Huber": "chapters/03_losses",
    "XOR": "chapters/01_perceptron",
    "学習率": "chapters/04_gradient_descent",
}


@pytest.mark.parametrize("word", list(TOPIC_WORDS))
def test_search_ranks_teaching_chapter_and_quotes_prose(
    browser, http_root, word
):
    expected = TOPIC_WORDS[word]
    if not (SITE / f"{expected}.html").exists():
        pytest.skip(f"{expected} is not built yet")
    w = PageWatch(browser, http_root)
    try:
        page = w.open(f"search.html?q={word}")
        page.wait_for_function(
            "() => /件|見つかりません/.test("
            "document.querySelector('#search-results p.search-summary')"
            "?.textContent || '')",
            timeout=15000,
        )
        status = page.locator("#search-results p.search-summary").first
        assert re.fullmatch(
            rf"「{word}」の検索結果: \d+件", status.inner_text()
        )
        items = page.locator("#search-results ul.search > li")
        top3 = [
            urlparse(h).path
            for h in items.locator("a").evaluate_all(
                "els => els.slice(0, 3).map(e => e.href)"
            )
        ]
        assert any(p.endswith(f"{expected}.html") for p in top3), top3
        page.wait_for_timeout(1500)  # snippets arrive one by one
        snippets = items.locator("p.context").all_inner_texts()
        assert snippets, "本文の抜粋がない"
        for text in snippets:
            assert "\\(" not in text and "\\frac" not in text, text
            assert "目次 学習目標" not in text, text
        names = items.locator("a[href*='glossary.html#']").all_inner_texts()
        assert all(n.startswith("用語集: ") and len(n) > 5 for n in names)
    finally:
        w.close()
