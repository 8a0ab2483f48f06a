"""Tests for nnbook.widgets: specs, frames, live/precomputed modes, HTML."""

import base64
import gc
import io
import json
import re
import shutil
import textwrap
import weakref

import numpy as np
import pytest
from bs4 import BeautifulSoup
from matplotlib.colors import to_hex
from PIL import Image

from nnbook import demos, widgets
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


@pytest.fixture(autouse=True)
def _thaw_gc():
    """A live update freezes the GC's view of old objects: undo it."""
    yield
    gc.unfreeze()


def _render_in_order(draw, param, values, figsize=(5.6, 3.6), dpi=80):
    r = widgets._Renderer(draw, figsize, dpi)
    return {v: r.render({param: v}) for v in values}


@pytest.mark.parametrize("name", list(demos.DEMO_GRIDS))
def test_a_frame_does_not_depend_on_the_frames_before_it(name):
    draw = getattr(demos, f"demo_{name}")
    ((param, values),) = demos.DEMO_GRIDS[name].items()
    first, rest = values[0], list(values[1:])
    forward = _render_in_order(draw, param, [first, *rest])
    backward = _render_in_order(draw, param, [first, *rest[::-1]])
    assert forward == backward  # byte for byte: nothing leaks between frames


def test_layout_of_the_first_frame_is_kept():
    def draw(fig, n):
        ax1, ax2 = fig.subplots(1, 2)
        ax1.plot([0, 1], [0, n])
        # a long label in later frames would shrink a recomputed layout
        ax1.set_ylabel("y" + "long label " * (n > 1) * 3)
        fig.suptitle(f"n = {n}")

    r = widgets._Renderer(draw, (5, 3), 50)
    r.render({"n": 1})
    boxes = [ax.get_position().bounds for ax in r.fig.axes]
    suptitle = r.fig.texts[0].get_position()
    assert suptitle[1] != 0.98  # constrained layout moved it from its default
    for n in (2, 3, 1):
        r.render({"n": n})
        assert [ax.get_position().bounds for ax in r.fig.axes] == boxes
        assert r.fig.texts[0].get_position() == suptitle
        assert r.fig.get_suptitle() == f"n = {n}"
        assert r.fig.get_layout_engine() is None or (
            type(r.fig.get_layout_engine()).__name__
            == "PlaceHolderLayoutEngine"
        )


def test_layout_is_found_again_when_draw_makes_other_axes():
    def draw(fig, n):
        axes = fig.subplots(1, n, squeeze=False)[0]
        for ax in axes:
            ax.plot([0, 1], [0, n])
            ax.set_title(f"n = {n}")

    r = widgets._Renderer(draw, (4, 2), 50)
    r.render({"n": 1})
    png = r.render({"n": 2})
    assert len(r.fig.axes) == 2
    assert [a.get_title() for a in r.fig.axes] == ["n = 2", "n = 2"]
    left, right = (ax.get_position() for ax in r.fig.axes)
    assert left.x1 < right.x0  # side by side, not on top of each other
    # the same as a renderer whose first frame had two Axes
    assert (
        pixels(png).shape
        == pixels(widgets._Renderer(draw, (4, 2), 50).render({"n": 2})).shape
    )


def test_colours_and_autoscaled_limits_start_afresh_each_frame():
    def draw(ax, a):
        ax.plot([0, a], [0, a])  # no fixed limits: autoscale
        ax.plot([0, 1], [1, 0])

    r = widgets._Renderer(draw, (3, 2), 50)
    r.render({"a": 10})
    r.render({"a": 1})
    ax = r.fig.axes[0]
    assert [to_hex(ln.get_color()) for ln in ax.lines] == [
        to_hex("C0"),
        to_hex("C1"),
    ]
    assert ax.get_xlim()[1] < 2


def test_the_renderer_does_not_patch_the_figure():
    r = widgets._Renderer(demos.demo_gradient_descent, (5.6, 3.6), 80)
    r.render({"lr": 0.1})
    r.render({"lr": 0.5})
    assert not {"subplots", "add_subplot"} & set(vars(r.fig))


class _Cycle:
    def __init__(self):
        self.me = self  # garbage only the GC can free


def test_a_live_update_frees_the_old_frame_at_once():
    p = interactive_plot(draw_line, a=[1, 2, 3])
    p.sliders["a"].value = 2
    old_axes = weakref.ref(p._renderer.fig.axes[0])
    p.sliders["a"].value = 3
    assert old_axes() is None  # collected now, not at some later GC pass
    assert gc.get_freeze_count() > 0  # survivors are left out of later GCs


def test_a_new_slider_lets_the_gc_see_frozen_objects_again():
    p = interactive_plot(draw_line, a=[1, 2])
    junk = _Cycle()
    ref = weakref.ref(junk)
    p.sliders["a"].value = 2  # freezes everything alive, junk included
    del junk
    gc.collect()
    assert ref() is not None  # frozen: the GC does not look at it
    q = interactive_plot(draw_line, a=[1, 2])
    q.widget.close()  # building a slider (running its cell) thaws...
    assert gc.get_freeze_count() == 0  # ...and does not freeze again
    gc.collect()
    assert ref() is None  # an ordinary collection frees it now


# --- the Jupyter slider's range -------------------------------------------


@pytest.mark.parametrize(
    "span, step",
    [(1.09, 0.005), (1.03, 0.005), (1.98, 0.01), (10.0, 0.05), (0.55, 0.002)],
)
def test_nice_step_is_1_2_5_times_a_power_of_ten_near_span_over_200(
    span, step
):
    assert widgets._nice_step(span) == step
    assert 0.5 < span / widgets.LIVE_STEPS / step < 2


def test_linear_range_spans_the_grid_and_snaps_to_clean_values():
    r = widgets.LiveRange((0.02, 0.05, 0.1, 0.5, 0.7, 1.0, 1.05))
    assert (r.scale, r.low, r.high, r.step, r.decimals) == (
        "linear",
        0.02,
        1.05,
        0.005,
        3,
    )
    assert r.snap(0.5000000000000001) == 0.5  # a grid value, exactly
    assert r.snap(0.49999999) == 0.5
    assert r.snap(0.015 + 0.3) == 0.315  # between grid values: 3 decimals
    assert r.snap(0.7749) == 0.775
    assert r.snap(5.0) == 1.05 and r.snap(-1.0) == 0.02  # clamped
    s = r.slider("学習率", 0.1)
    assert type(s).__name__ == "FloatSlider"
    assert (s.min, s.max, s.step, s.value) == (0.02, 1.05, 0.005, 0.1)
    assert s.readout_format == ".3f" and s.description == "学習率"


def test_grid_values_off_the_steps_stay_reachable():
    r = widgets.LiveRange((0.0, 0.5, 1.0, 1.702, 2.0, 5.0, 10.0))
    assert r.step == 0.05
    assert r.snap(1.7) == 1.702  # the slider position nearest to 1.702
    assert r.snap(1.75) == 1.75 and r.snap(1.65) == 1.65


def test_integer_range_steps_by_the_gcd():
    r = widgets.LiveRange((0, 1, 2))
    assert (r.scale, r.low, r.high, r.step) == ("int", 0, 2, 1)
    assert r.snap(1) == 1 and type(r.snap(1)) is int
    assert widgets.LiveRange((0, 10, 30)).step == 10
    s = r.slider("活性化関数", 2)
    assert type(s).__name__ == "IntSlider"
    assert (s.min, s.max, s.step, s.value) == (0, 2, 1, 2)


def test_log_range_steps_the_exponent():
    grid = (0.05, 0.1, 0.3, 1.0, 5.0, 30.0)
    r = widgets.LiveRange(grid, log=True)
    assert r.scale == "log"
    assert r.low == pytest.approx(np.log10(0.05))
    assert r.high == pytest.approx(np.log10(30.0))
    assert r.step == 0.01  # 2.78 decades / 200
    assert r.snap(10**-0.003) == 1.0  # within half a step of a grid value
    assert r.snap(10**0.37) == 2.34  # elsewhere: 3 significant digits
    assert r.snap(1e-9) == 0.05 and r.snap(1e9) == 30.0
    s = r.slider("δ", 1.0)
    assert type(s).__name__ == "FloatLogSlider"
    assert (s.base, s.step, s.value) == (10.0, 0.01, 1.0)


def test_a_single_value_is_a_range_of_one_point():
    r = widgets.LiveRange((0.3,))
    assert (r.low, r.high) == (0.3, 0.3)
    assert r.snap(7.0) == 0.3


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
        ({"a": [1], "precomputed": 1}, TypeError, "True か False"),
        ({"a": [1], "log_scale": "b"}, ValueError, "'b' はスライダーの"),
        ({"a": [0, 1], "log_scale": ["a"]}, ValueError, "すべて正の数"),
        (
            {"a": [1, 2], "log_scale": "a", "precomputed": True},
            ValueError,
            "precomputed=True の図には使えません",
        ),
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
    assert (p.sliders["a"].min, p.sliders["a"].max) == (-1, 2)
    assert p.sliders["a"].description == "a"


def test_live_slider_redraws_any_value_in_its_range():
    seen = []

    def draw(ax, a):
        seen.append(a)
        draw_line(ax, a)

    p = interactive_plot(draw, a=[0.0, 1.0, 2.0])  # steps of 0.01
    assert not p.precomputed and set(p.live) == {"a"}
    assert p.note.value == widgets.LIVE_NOTE
    seen.clear()
    p.sliders["a"].value = 0.37  # not a grid value
    assert seen == [0.37]
    assert p.current_values() == {"a": 0.37}
    np.testing.assert_array_equal(
        pixels(p.image.value), pixels(p._renderer.render({"a": 0.37}))
    )
    p.sliders["a"].value = 1.0000000000000002  # as a front end may send it
    assert seen[-1] == 1.0 and type(seen[-1]) is float


def test_precomputed_slider_swaps_the_frames_without_drawing():
    calls = []

    def draw(ax, a):
        calls.append(a)
        draw_line(ax, a)

    p = interactive_plot(draw, precomputed=True, a=[1, 2, -1])
    assert calls == [1, 2, -1]  # the site's frames, once
    assert p.live == {} and p._renderer is None
    assert p.note.value == widgets.PRECOMPUTED_NOTE
    slider = p.sliders["a"]
    assert type(slider).__name__ == "SelectionSlider"
    assert [o[0] for o in slider.options] == ["1", "2", "-1"]
    assert p.image.value == p.frames[0]
    slider.value = -1
    assert p.image.value == p.frames[2]
    assert calls == [1, 2, -1]  # no draw call in Jupyter
    assert p.current_values() == {"a": -1}
    # the site's frames have twice the pixels; Jupyter shows them as wide
    assert p.image.layout.width == f"{p.width}px"
    with pytest.raises(ValueError, match=r"a=0\.5 は候補の値"):
        p.update(a=0.5)


def test_two_parameter_precomputed_slider_picks_the_right_frame():
    p = interactive_plot(
        draw_line, precomputed=True, a=[1, 2], b=[-1.0, 0.0, 1.0]
    )
    p.sliders["b"].value = 1.0
    p.sliders["a"].value = 2
    assert p.image.value == p.frames[p.frame_number((1, 2))]


def test_the_site_html_does_not_depend_on_the_jupyter_mode():
    live = interactive_plot(draw_line, a=[0.5, 1, 2], log_scale="a")
    pre = interactive_plot(draw_line, a=[0.5, 1, 2], precomputed=True)
    assert live.html == pre.html
    assert live.frames == pre.frames


def test_update_rejects_unknown_parameters():
    p = interactive_plot(draw_line, a=[1, 2])
    with pytest.raises(ValueError, match=r"未知のパラメータ \['z'\]"):
        p.update(z=1)


def test_no_pyplot_figures_are_left_behind():
    import matplotlib.pyplot as plt

    n = len(plt.get_fignums())
    p = interactive_plot(draw_line, a=[1, 2])
    p.sliders["a"].value = 2
    assert len(plt.get_fignums()) == n


# --- a live kernel --------------------------------------------------------

LIVE_SETUP = textwrap.dedent(
    """
    from nnbook.demos import demo_leaky_relu
    from nnbook.widgets import interactive_plot
    p = interactive_plot(demo_leaky_relu, alpha=[0.0, 0.5, 1.0])
    display(p)
    """
)
PRECOMPUTED_SETUP = textwrap.dedent(
    """
    q = interactive_plot(
        demo_leaky_relu, alpha=[0.0, 0.5, 1.0], precomputed=True
    )
    display(q)
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


def _opened(msgs) -> dict:
    """comm id → state of the widget models the kernel opened."""
    return {
        m["content"]["comm_id"]: m["content"]["data"]["state"]
        for m in msgs
        if m["msg_type"] == "comm_open"
    }


def _model(opens, name):
    return next(k for k, s in opens.items() if s["_model_name"] == name)


def _move(kc, comm_id, state):
    """Move a slider as a front end does; return the PNGs sent back."""
    msg = kc.session.msg(
        "comm_msg",
        {
            "comm_id": comm_id,
            "data": {"method": "update", "state": state, "buffer_paths": []},
        },
    )
    kc.shell_channel.send(msg)
    return [
        bytes(m["buffers"][0])
        for m in _collect(kc, msg["header"]["msg_id"])
        if m["msg_type"] == "comm_msg" and m["buffers"]
    ]


def _printed(kc, code) -> str:
    msgs = _run(kc, code)
    errors = [m for m in msgs if m["msg_type"] == "error"]
    assert not errors, errors[0]["content"]["traceback"]
    return "".join(
        m["content"]["text"] for m in msgs if m["msg_type"] == "stream"
    ).strip()


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
    opens = _opened(msgs)
    slider_id = _model(opens, "FloatSliderModel")
    image_id = _model(opens, "ImageModel")
    assert opens[slider_id]["description"] == "α"
    assert (opens[slider_id]["min"], opens[slider_id]["max"]) == (0.0, 1.0)
    assert opens[slider_id]["step"] == 0.005
    note = _model(opens, "LabelModel")
    assert opens[note]["value"] == widgets.LIVE_NOTE

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

    # 2) move the slider as a front end does, to a value between the grid's
    pngs = _move(kc, slider_id, {"value": 0.37})
    assert len(pngs) == 1 and pngs[0].startswith(b"\x89PNG")
    out = _printed(
        kc,
        "print(p.current_values(), "
        "bytes(p.image.value) == p._renderer.render({'alpha': 0.37}))",
    )
    assert out == "{'alpha': 0.37} True"
    assert pngs[0] == _image_value(kc)


def test_precomputed_kernel_slider_sends_the_drawn_frames(kernel):
    kc = kernel
    _run(kc, LIVE_SETUP)
    msgs = _run(kc, PRECOMPUTED_SETUP)
    opens = _opened(msgs)
    slider_id = _model(opens, "SelectionSliderModel")
    assert opens[slider_id]["_options_labels"] == ["0", "0.5", "1"]
    note = _model(opens, "LabelModel")
    assert opens[note]["value"] == widgets.PRECOMPUTED_NOTE
    pngs = _move(kc, slider_id, {"index": 2})
    assert len(pngs) == 1
    out = _printed(
        kc,
        "import base64\n"
        "print(q.current_values()['alpha'], "
        "base64.b64encode(q.frames[2]).decode())",
    )
    value, frame = out.split()
    assert value == "1.0"
    assert pngs[0] == base64.b64decode(frame)


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
