"""Tests for nnbook.widgets: spec checks, frames, static HTML, live kernel."""

import base64
import io
import json
import re
import shutil
import textwrap

import numpy as np
import pytest
from bs4 import BeautifulSoup
from matplotlib.colors import to_hex
from PIL import Image

from nnbook import widgets
from nnbook.widgets import MAX_FRAMES, interactive_plot

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def draw_line(ax, a, b=0.0):
    """A tiny draw function: the line y = a x + b on fixed axes."""
    x = np.linspace(-1, 1, 5)
    ax.plot(x, a * x + b)
    ax.set(xlim=(-1, 1), ylim=(-3, 3))


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def soup(plot) -> BeautifulSoup:
    return BeautifulSoup(plot.html, "html.parser")


# --- the grid of frames ---------------------------------------------------


def test_one_parameter_grid_frames_and_labels():
    p = interactive_plot(draw_line, a=[0.5, 1, 2], initial={"a": 1})
    assert p.names == ("a",)
    assert p.grid == {"a": (0.5, 1, 2)}
    assert len(p.frames) == 3
    assert all(f.startswith(b"\x89PNG") for f in p.frames)
    assert p.index == (1,)
    # each frame is what draw gives for its value, at twice the pixels
    sharp = widgets._Renderer(draw_line, (5.6, 3.6), 80 * widgets.PIXEL_RATIO)
    for k, a in enumerate([0.5, 1, 2]):
        np.testing.assert_array_equal(
            pixels(p.frames[k]), pixels(sharp.render({"a": a}, small=True))
        )
    live = pixels(p._renderer.render({"a": 1}))
    assert pixels(p.frames[1]).shape[:2] == (
        2 * live.shape[0],
        2 * live.shape[1],
    )
    assert len({f for f in p.frames}) == 3


def test_two_parameter_grid_order_first_parameter_outside():
    p = interactive_plot(draw_line, a=[1, 2], b=[-1.0, 0.0, 1.0])
    assert len(p.frames) == 6
    values = list(p._all_values())
    assert values[0] == {"a": 1, "b": -1.0}
    assert values[1] == {"a": 1, "b": 0.0}
    assert values[3] == {"a": 2, "b": -1.0}
    assert p.frame_number((1, 2)) == 5
    assert p.values_at((1, 2)) == {"a": 2, "b": 1.0}


def test_values_accept_numpy_and_ranges_and_keep_python_types():
    p = interactive_plot(draw_line, a=np.array([0.25, 0.5]), b=range(2))
    assert p.grid == {"a": (0.25, 0.5), "b": (0, 1)}
    assert all(type(v) is float for v in p.grid["a"])
    assert all(type(v) is int for v in p.grid["b"])


def test_default_and_custom_labels():
    def draw(ax, lr, alpha):
        pass

    p = interactive_plot(draw, lr=[0.1, 0.2], alpha=[0, 1])
    assert p.labels == {"lr": "学習率", "alpha": "α"}
    p = interactive_plot(draw, labels={"lr": "η"}, lr=[0.1], alpha=[0])
    assert p.labels == {"lr": "η", "alpha": "α"}
    for name, label in [
        ("beta", "β"),
        ("delta", "δ"),
        ("margin", "マージン"),
        ("std", "標準偏差"),
        ("momentum", "モーメンタム"),
    ]:
        assert widgets.DEFAULT_LABELS[name] == label

    def draw_w(ax, width):
        pass

    assert interactive_plot(draw_w, width=[1]).labels == {"width": "width"}


def test_draw_receives_a_figure_when_its_first_argument_is_fig():
    seen = []

    def draw(fig, a):
        seen.append(type(fig).__name__)
        fig.subplots(1, 2)

    interactive_plot(draw, a=[1, 2])
    assert set(seen) == {"Figure"}

    def draw_ax(ax, a):
        seen.append(type(ax).__name__)

    seen.clear()
    interactive_plot(draw_ax, a=[1])
    assert seen == ["Axes"]


def _fresh(draw, positions, values, figsize=(5.6, 3.6), dpi=80):
    r = widgets._Renderer(draw, figsize, dpi)
    r._positions = positions
    return r.render(values)


@pytest.mark.parametrize("name", list(widgets.DEMO_GRIDS))
def test_reused_axes_draw_exactly_what_a_fresh_figure_draws(name):
    draw = getattr(widgets, f"demo_{name}")
    ((param, values),) = widgets.DEMO_GRIDS[name].items()
    r = widgets._Renderer(draw, (5.6, 3.6), 80)
    for v in values[::-1]:
        reused = r.render({param: v})
        fresh = _fresh(draw, r._positions, {param: v})
        np.testing.assert_array_equal(pixels(reused), pixels(fresh))
    assert r.reuse  # the fast path was taken throughout


def test_reuse_resets_colours_and_autoscaled_limits():
    def draw(ax, a):
        ax.plot([0, a], [0, a])  # no fixed limits: autoscale
        ax.plot([0, 1], [1, 0])

    r = widgets._Renderer(draw, (3, 2), 50)
    r.render({"a": 10})
    png = r.render({"a": 1})
    ax = r.fig.axes[0]
    colors = [to_hex(ln.get_color()) for ln in ax.lines]
    assert colors == [to_hex("C0"), to_hex("C1")]
    assert ax.get_xlim()[1] < 2
    np.testing.assert_array_equal(
        pixels(png), pixels(_fresh(draw, r._positions, {"a": 1}, (3, 2), 50))
    )


def test_reuse_falls_back_when_draw_makes_other_axes():
    def draw(fig, n):
        axes = fig.subplots(1, n, squeeze=False)[0]
        for ax in axes:
            ax.plot([0, 1], [0, n])
            ax.set_title(f"n = {n}")

    r = widgets._Renderer(draw, (4, 2), 50)
    r.render({"n": 1})
    r.render({"n": 2})
    assert not r.reuse and len(r.fig.axes) == 2
    assert [a.get_title() for a in r.fig.axes] == ["n = 2", "n = 2"]


# --- errors for bad specs ----------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({}, ValueError, "1 つか 2 つ"),
        ({"a": []}, ValueError, "a の値のリストが空"),
        ({"a": ["x", 1]}, TypeError, "数でない値 'x'"),
        ({"a": [True, False]}, TypeError, "数でない値 True"),
        ({"a": [1, None]}, TypeError, "数でない値 None"),
        ({"a": [1, float("nan")]}, ValueError, "有限"),
        ({"a": 0.5}, TypeError, "値のリストを渡して"),
        ({"a": "0.5"}, TypeError, "値のリストを渡して"),
        ({"a": [1, 1]}, ValueError, "重複"),
        ({"a": [1], "b": [2], "c": [3]}, ValueError, "2 つまで"),
        (
            {"a": list(range(8)), "b": list(range(8))},
            ValueError,
            rf"8 × 8 = 64 枚 \(上限 {MAX_FRAMES} 枚\)",
        ),
        ({"a": [1, 2], "initial": {"a": 3}}, ValueError, "a=3 が値のリスト"),
        ({"a": [1, 2], "initial": {"z": 3}}, ValueError, "未知"),
    ],
)
def test_bad_specs_give_clear_messages(kwargs, error, match):
    with pytest.raises(error, match=match):
        interactive_plot(draw_line, **kwargs)


def test_draw_must_be_callable():
    with pytest.raises(TypeError, match="draw には図を描く関数"):
        interactive_plot("not a function", a=[1])


def test_max_frames_is_allowed():
    p = interactive_plot(lambda ax, a: None, a=list(range(MAX_FRAMES)))
    assert len(p.frames) == MAX_FRAMES


def test_errors_inside_draw_propagate():
    def broken(ax, a):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        interactive_plot(broken, a=[1])


# --- static HTML -------------------------------------------------------------


def test_static_html_structure_for_two_parameters():
    p = interactive_plot(
        draw_line, a=[1, 2], b=[-1.0, 0.0, 1.0], initial={"b": 0.0}
    )
    s = soup(p)
    root = s.select_one("div.nnbook-slider")
    assert re.fullmatch(r"nnbook-slider-[0-9a-f]{12}", root["id"])
    assert root["role"] == "group" and root["aria-label"]
    inputs = s.select("input.nnbook-slider-input")
    assert [i["data-param"] for i in inputs] == ["a", "b"]
    a, b = inputs
    assert (a["type"], a["min"], a["max"], a["step"]) == (
        "range",
        "0",
        "1",
        "1",
    )
    assert (b["max"], b["value"], b["aria-valuetext"]) == ("2", "1", "0")
    assert json.loads(b["data-labels"]) == ["-1", "0", "1"]
    assert b["aria-label"] == "b" and "oninput" in b.attrs
    label = s.select_one(f'label[for="{b["id"]}"]')
    assert label.text == "b"
    out = s.select("output.nnbook-slider-value")
    assert [o.text for o in out] == ["1", "0"]
    assert out[1]["for"] == [b["id"]] and out[1]["aria-live"] == "polite"
    imgs = s.select("img.nnbook-slider-frame")
    assert len(imgs) == 6
    visible = [
        i for i, m in enumerate(imgs) if "display:none" not in m["style"]
    ]
    assert visible == [p.frame_number(p.index)] == [1]
    assert imgs[1]["alt"] == "a = 1, b = 0 のときの図"
    for img, png in zip(imgs, p.frames, strict=True):
        assert img["src"] == "data:image/png;base64," + base64.b64encode(
            png
        ).decode("ascii")
    # no external resources, no script tags; only inline handlers
    assert not s.select("script") and not s.select("link")
    assert "http" not in p.html


def test_static_html_is_deterministic_and_content_addressed():
    p1 = interactive_plot(draw_line, a=[0.5, 1, 2])
    p2 = interactive_plot(draw_line, a=[0.5, 1, 2])
    assert p1.html == p2.html
    p3 = interactive_plot(draw_line, a=[0.5, 1, 3])
    assert soup(p1).div["id"] != soup(p3).div["id"]
    assert not re.search(r"0x[0-9a-f]{6,}", p1.html)


def test_labels_and_title_are_escaped():
    def draw(ax, a):
        pass

    p = interactive_plot(
        draw, labels={"a": '<b>"x"</b>'}, title="A & B", a=[1]
    )
    s = soup(p)
    assert s.label.text == '<b>"x"</b>'
    assert s.div["aria-label"] == "A & B"
    assert "<b>" not in p.html


def test_demos_fit_in_the_size_budget():
    for name, grid in widgets.DEMO_GRIDS.items():
        draw = getattr(widgets, f"demo_{name}")
        p = interactive_plot(draw, **grid)
        assert len(p.html) < 1_000_000, name
        w, h = Image.open(io.BytesIO(p.frames[0])).size
        assert (w, h) == (896, 576)  # shown at 448 x 288 CSS px
        assert "width:448px" in p.html


def test_large_html_warns():
    def noisy(ax, a):
        ax.imshow(np.random.default_rng(a).random((300, 300, 3)))

    with pytest.warns(UserWarning, match="MB"):
        interactive_plot(noisy, dpi=150, a=list(range(12)))


# --- the display bundle -----------------------------------------------------


def test_mimebundle_has_widget_view_html_and_stable_plain_text():
    p = interactive_plot(draw_line, a=[1, 2])
    bundle = p._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html", WIDGET_VIEW}
    assert bundle["text/html"] == p.html
    assert bundle["text/plain"] == "<スライダーつきの図: a (a) 2 値>"
    assert bundle[WIDGET_VIEW]["model_id"] == p.widget.model_id


def test_live_update_redraws_in_place():
    p = interactive_plot(draw_line, a=[1, 2, -1])
    image = p.image
    before = image.value
    p.sliders["a"].value = -1
    assert p.image is image  # the same Image widget, no new figure
    assert image.value != before
    np.testing.assert_array_equal(
        pixels(image.value), pixels(p._renderer.render({"a": -1}))
    )
    assert p.current_values() == {"a": -1}
    labels = [o[0] for o in p.sliders["a"].options]
    assert labels == ["1", "2", "-1"]
    assert p.sliders["a"].description == "a"


def test_no_pyplot_figures_are_left_behind():
    import matplotlib.pyplot as plt

    n = len(plt.get_fignums())
    p = interactive_plot(draw_line, a=[1, 2])
    p.sliders["a"].value = 2
    assert len(plt.get_fignums()) == n


def test_gradient_descent_path_formula():
    for lr in widgets.DEMO_GRIDS["gradient_descent"]["lr"]:
        path = widgets.gradient_descent_path(lr, w0=2.0, steps=10)
        np.testing.assert_allclose(
            path, 2.0 * (1 - 2 * lr) ** np.arange(11), rtol=1e-12
        )
    assert widgets.gradient_descent_path(0.5)[1] == 0.0


def test_gradient_descent_verdicts():
    v = widgets._gd_verdict
    assert v(0.1) == "振動せずに収束"
    assert v(0.5) == "1 回で最小値に到達"
    assert v(0.7) == "振動しながら収束"
    assert v(1.0) == "振動が続く (収束しない)"
    assert v(1.05) == "発散"


# --- a live kernel --------------------------------------------------------

LIVE_SETUP = textwrap.dedent(
    """
    from nnbook.widgets import interactive_plot, demo_leaky_relu
    p = interactive_plot(demo_leaky_relu, alpha=[0.0, 0.5, 1.0])
    display(p)
    """
)


def _run(kc, code, timeout=60):
    """Execute code; return the iopub messages until the kernel is idle."""
    msg_id = kc.execute(code)
    return _collect(kc, msg_id, timeout)


def _collect(kc, msg_id, timeout=60):
    msgs = []
    while True:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        msgs.append(msg)
        if (
            msg["msg_type"] == "status"
            and msg["content"]["execution_state"] == "idle"
        ):
            return msgs


@pytest.fixture(scope="module")
def kernel():
    jupyter_client = pytest.importorskip("jupyter_client")
    km, kc = jupyter_client.manager.start_new_kernel(
        kernel_name="python3", startup_timeout=120
    )
    try:
        yield kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_live_kernel_displays_one_bundle_and_redraws_on_slider_change(kernel):
    kc = kernel
    msgs = _run(kc, LIVE_SETUP)
    errors = [m for m in msgs if m["msg_type"] == "error"]
    assert not errors, errors[0]["content"]["traceback"]
    displays = [m for m in msgs if m["msg_type"] == "display_data"]
    assert len(displays) == 1  # one output: no figure leaks into the cell
    data = displays[0]["content"]["data"]
    assert set(data) == {"text/plain", "text/html", WIDGET_VIEW}
    assert 'class="nnbook-slider"' in data["text/html"]
    # the widget models the kernel opened, as a front end sees them
    opens = {
        m["content"]["comm_id"]: m["content"]["data"]["state"]
        for m in msgs
        if m["msg_type"] == "comm_open"
    }
    slider_id = next(
        k
        for k, s in opens.items()
        if s["_model_name"] == "SelectionSliderModel"
    )
    image_id = next(
        k for k, s in opens.items() if s["_model_name"] == "ImageModel"
    )
    assert opens[slider_id]["description"] == "α"
    assert opens[slider_id]["_options_labels"] == ["0", "0.5", "1"]

    # 1) set the slider's value in the kernel
    msgs = _run(
        kc,
        "before = bytes(p.image.value)\n"
        "p.sliders['alpha'].value = 1.0\n"
        "print(before != bytes(p.image.value), p.current_values())",
    )
    out = "".join(
        m["content"]["text"] for m in msgs if m["msg_type"] == "stream"
    )
    assert out.strip() == "True {'alpha': 1.0}"
    assert any(
        m["msg_type"] == "comm_msg"
        and m["content"]["comm_id"] == image_id
        and m["buffers"]
        for m in msgs
    ), "the new PNG was not sent to the front end"

    # 2) move the slider as a front end does: a comm message with the index
    msg = kc.session.msg(
        "comm_msg",
        {
            "comm_id": slider_id,
            "data": {
                "method": "update",
                "state": {"index": 1},
                "buffer_paths": [],
            },
        },
    )
    kc.shell_channel.send(msg)
    updates = _collect(kc, msg["header"]["msg_id"])
    pngs = [
        m["buffers"][0]
        for m in updates
        if m["msg_type"] == "comm_msg"
        and m["content"]["comm_id"] == image_id
        and m["buffers"]
    ]
    assert len(pngs) == 1
    assert bytes(pngs[0]).startswith(b"\x89PNG")
    msgs = _run(
        kc,
        "from nnbook.widgets import _Renderer\n"
        "print(p.current_values(), "
        "bytes(p.image.value) == p._renderer.render({'alpha': 0.5}))",
    )
    out = "".join(
        m["content"]["text"] for m in msgs if m["msg_type"] == "stream"
    )
    assert out.strip() == "{'alpha': 0.5} True"
    assert bytes(pngs[0]) == _image_value(kc)


def _image_value(kc) -> bytes:
    msgs = _run(
        kc, "import base64; print(base64.b64encode(p.image.value).decode())"
    )
    text = "".join(
        m["content"]["text"] for m in msgs if m["msg_type"] == "stream"
    )
    return base64.b64decode(text.strip())


# --- the static slider in a real browser (standalone file) ------------------


def _chromium():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("chromium が無いので省略")
    sync_api = pytest.importorskip("playwright.sync_api")
    return path, sync_api


@pytest.mark.browser
def test_static_slider_works_in_a_browser(tmp_path):
    path, sync_api = _chromium()
    p = interactive_plot(draw_line, a=[1, 2], b=[-1.0, 0.0, 1.0])
    page_file = tmp_path / "slider.html"
    page_file.write_text(
        f'<!doctype html><meta charset="utf-8"><body>{p.html}</body>',
        encoding="utf-8",
    )
    srcs = [
        "data:image/png;base64," + base64.b64encode(f).decode()
        for f in p.frames
    ]
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=path,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic"],
        )
        page = browser.new_page()
        page.goto(page_file.as_uri())

        def visible_src():
            return page.eval_on_selector_all(
                "img.nnbook-slider-frame",
                "ms => ms.filter(m => m.style.display !== 'none')"
                ".map(m => m.src)",
            )

        assert visible_src() == [srcs[0]]
        b = page.locator("input[data-param=b]")
        b.focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        assert visible_src() == [srcs[2]]  # a = 1, b = 1
        values = page.locator("output.nnbook-slider-value")
        assert values.nth(1).text_content() == "1"
        assert b.get_attribute("aria-valuetext") == "1"
        a = page.locator("input[data-param=a]")
        box = a.bounding_box()
        page.mouse.click(
            box["x"] + box["width"] - 2, box["y"] + box["height"] / 2
        )
        assert visible_src() == [srcs[5]]  # a = 2, b = 1
        assert values.nth(0).text_content() == "2"
        browser.close()
