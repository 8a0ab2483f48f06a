"""Tests for nnbook.diagrams: what the drawn figures show."""

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Circle, FancyArrowPatch  # noqa: E402

from nnbook import diagrams  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def texts(fig):
    """All text artists of the (single) axes, by their string."""
    ax = fig.axes[0]
    return {t.get_text(): t for t in ax.texts}


def circles(fig):
    return [p for p in fig.axes[0].patches if isinstance(p, Circle)]


def arrows(fig):
    return [p for p in fig.axes[0].patches if isinstance(p, FancyArrowPatch)]


def draw_strict(fig):
    """Render; a missing glyph (or any other warning) is an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("error", message=".*Glyph.*missing.*")
        fig.canvas.draw()


def chain_graph():
    g = diagrams.Graph()
    g.node("x", "x")
    g.node("mul", "×", kind="op")
    g.node("y", "出力")
    g.edge("x", "mul", forward="2", backward="-1.5")
    g.edge("mul", "y", forward="4", backward="1")
    return g


# --- Graph ----------------------------------------------------------------


def test_graph_draw_returns_figure_with_one_circle_per_op_node():
    fig = chain_graph().draw({"x": (0, 1), "mul": (1.5, 1), "y": (3, 1)})
    assert isinstance(fig, Figure)
    assert len(circles(fig)) == 1
    assert circles(fig)[0].center == pytest.approx((1.5, 1))
    assert len(arrows(fig)) == 2
    draw_strict(fig)


def test_node_labels_sit_at_layout_positions_and_math_is_wrapped():
    layout = {"x": (0, 1), "mul": (1.5, 1), "y": (3, 1)}
    fig = chain_graph().draw(layout)
    t = texts(fig)
    assert t["$x$"].get_position() == pytest.approx((0, 1))
    assert t["×"].get_position() == pytest.approx((1.5, 1))
    assert t["出力"].get_position() == pytest.approx((3, 1))


def test_forward_above_in_black_backward_below_in_red():
    fig = chain_graph().draw({"x": (0, 1), "mul": (1.5, 1), "y": (3, 1)})
    t = texts(fig)
    fwd, bwd = t["$2$"], t["$-1.5$"]
    assert fwd.get_position()[1] > 1 > bwd.get_position()[1]
    assert fwd.get_va() == "bottom" and bwd.get_va() == "top"
    assert to_rgba(fwd.get_color()) == to_rgba(diagrams.FORWARD_COLOR)
    assert to_rgba(bwd.get_color()) == to_rgba(diagrams.BACKWARD_COLOR)
    assert to_rgba(bwd.get_color()) == to_rgba("tab:red")
    # the labels of the first edge lie between x and mul
    assert 0 < fwd.get_position()[0] < 1.5
    assert 1.5 < t["$4$"].get_position()[0] < 3


def test_labels_stay_above_and_below_for_a_right_to_left_edge():
    g = diagrams.Graph()
    g.node("a", "a")
    g.node("b", "b")
    g.edge("b", "a", forward="3", backward="7")
    fig = g.draw({"a": (0, 0), "b": (2, 0)})
    t = texts(fig)
    assert t["$3$"].get_position()[1] > 0 > t["$7$"].get_position()[1]


def test_sloped_edge_labels_are_on_opposite_sides_of_the_arrow():
    g = diagrams.Graph()
    g.node("a", "a")
    g.node("b", "b")
    g.edge("a", "b", forward="5", backward="6")
    fig = g.draw({"a": (0, 0), "b": (2, 2)})
    (fx, fy), (bx, by) = (texts(fig)[s].get_position() for s in ("$5$", "$6$"))
    # the arrow is the line y = x: forward above it, backward below it
    assert fy - fx > 0 > by - bx


def test_arrows_stop_at_the_circle_of_an_op_node():
    fig = chain_graph().draw({"x": (0, 0), "mul": (2, 0), "y": (4, 0)})
    first, second = arrows(fig)
    # get_path is in data coordinates; the last vertex closes the head
    xs = first.get_path().vertices[:-1, 0]
    radius = circles(fig)[0].radius
    assert 2 - radius - 0.06 < xs.max() <= 2 - radius  # tip at the circle
    assert 0.2 < xs.min() < 0.3  # starts just right of the label "x"
    assert second.get_path().vertices[:-1, 0].min() >= 2 + radius


def test_default_layout_is_layered_left_to_right():
    g = diagrams.Graph()
    for name in ("x", "w", "b", "L"):
        g.node(name)
    g.node("mul", "×", kind="op")
    g.node("add", "+", kind="op")
    g.edge("x", "mul")
    g.edge("w", "mul")
    g.edge("mul", "add")
    g.edge("b", "add")
    g.edge("add", "L")
    pos = g.layered_layout()
    assert pos["x"][0] == pos["w"][0] == pos["b"][0] == 0
    assert pos["x"][0] < pos["mul"][0] < pos["add"][0] < pos["L"][0]
    # nodes of one layer are stacked top-down in insertion order, centred
    assert pos["x"][1] > pos["w"][1] > pos["b"][1]
    assert pos["w"][1] == pytest.approx(0)
    fig = g.draw()
    assert texts(fig)["×"].get_position() == pytest.approx(pos["mul"])
    draw_strict(fig)


def test_graph_errors_are_japanese():
    g = diagrams.Graph()
    g.node("a")
    with pytest.raises(ValueError, match="もうあります"):
        g.node("a")
    with pytest.raises(ValueError, match="kind は"):
        g.node("b", kind="box")
    with pytest.raises(KeyError, match="ノード 'z' がありません"):
        g.edge("a", "z")
    g.node("b")
    g.edge("a", "b")
    g.edge("b", "a")
    with pytest.raises(ValueError, match="閉路"):
        g.draw()
    with pytest.raises(KeyError, match="位置がありません"):
        g.draw({"a": (0, 0)})
    with pytest.raises(ValueError, match="同じ位置"):
        g.draw({"a": (0, 0), "b": (0, 0)})


def test_graph_repr_is_deterministic():
    assert repr(chain_graph()) == "Graph(3 ノード, 2 辺)"


def test_title_and_japanese_labels_render_without_missing_glyphs():
    g = diagrams.Graph()
    g.node("in", "入力")
    g.node("op", "NAND", kind="op")
    g.node("out", r"\sigma")
    g.edge("in", "op", forward="順伝播", backward="逆伝播")
    g.edge("op", "out", forward="1.5", backward="−0.25")
    fig = g.draw(title="計算グラフ: 順伝播と逆伝播")
    assert fig.axes[0].get_title() == "計算グラフ: 順伝播と逆伝播"
    assert {"入力", "NAND", r"$\sigma$", "$-0.25$"} <= set(texts(fig))
    draw_strict(fig)


# --- neuron ---------------------------------------------------------------


def test_neuron_shows_inputs_weights_bias_activation_and_output():
    fig = diagrams.neuron(
        inputs=["x_1", "x_2"],
        weights=["w_1", "w_2"],
        bias="b",
        activation="h",
        output="y",
    )
    t = texts(fig)
    assert {"$x_1$", "$x_2$", "$w_1$", "$w_2$", "$b$", "$h$", "$y$"} <= set(t)
    assert "$1$" in t  # the bias is the weight of a constant input 1
    assert len(circles(fig)) == 4  # 1, x_1, x_2 and the unit
    assert len(arrows(fig)) == 4  # three inputs and the output
    # weights are drawn above their arrows, in the forward colour
    for w in ("$w_1$", "$w_2$", "$b$"):
        assert to_rgba(t[w].get_color()) == to_rgba(diagrams.FORWARD_COLOR)
    # the unit is right of the inputs, the output right of the unit
    assert t["$x_1$"].get_position()[0] < t["$h$"].get_position()[0]
    assert t["$h$"].get_position()[0] < t["$y$"].get_position()[0]
    draw_strict(fig)


def test_neuron_without_bias_and_with_three_inputs():
    fig = diagrams.neuron(
        ["x_1", "x_2", "x_3"], ["w_1", "w_2", "w_3"], bias=None
    )
    assert len(circles(fig)) == 4
    assert "$b$" not in texts(fig) and "$1$" not in texts(fig)


def test_neuron_rejects_mismatched_weights():
    with pytest.raises(ValueError, match="weights は 2 個にします"):
        diagrams.neuron(["x_1", "x_2"], ["w_1"])


# --- network --------------------------------------------------------------


def test_network_draws_every_unit_and_full_connections():
    fig = diagrams.network(
        [2, 3, 2],
        labels=["入力層", "隠れ層", "出力層"],
        shapes=["(N, 2)", "(N, 3)", "(N, 2)"],
        title="3 層のネットワーク",
    )
    assert len(circles(fig)) == 7
    assert len(arrows(fig)) == 2 * 3 + 3 * 2
    t = texts(fig)
    assert {"入力層", "隠れ層", "出力層", "(N, 2)", "(N, 3)"} <= set(t)
    # names above the units, shapes below, one column per layer
    ys = [c.center[1] for c in circles(fig)]
    assert t["隠れ層"].get_position()[1] > max(ys)
    assert t["(N, 3)"].get_position()[1] < min(ys)
    xs = sorted({c.center[0] for c in circles(fig)})
    assert len(xs) == 3
    assert [
        t[s].get_position()[0] for s in ("入力層", "隠れ層", "出力層")
    ] == xs
    draw_strict(fig)


def test_wide_layers_are_elided_with_vertical_dots():
    fig = diagrams.network(
        [64, 10, 3], shapes=["(N, 64)", "(N, 10)", "(N, 3)"]
    )
    assert len(circles(fig)) == 6 + 6 + 3
    assert (
        sum(
            s == r"$\vdots$" for s in (t.get_text() for t in fig.axes[0].texts)
        )
        == 2
    )
    draw_strict(fig)


def test_network_rejects_bad_arguments():
    with pytest.raises(ValueError, match="labels は 3 個"):
        diagrams.network([2, 3, 2], labels=["入力層"])
    with pytest.raises(ValueError, match="1 以上"):
        diagrams.network([2, 0, 2])


def test_arrows_clear_long_value_labels_sideways_but_not_vertically():
    g = diagrams.Graph()
    g.node("long", "ロジットの値")
    g.node("x", "x")
    g.node("op", "+", kind="op")
    g.node("below", "正解データ")
    g.edge("long", "op")
    g.edge("x", "op")
    g.edge("below", "op")
    fig = g.draw(
        {"long": (0, 1), "x": (0, 0), "op": (3, 0.5), "below": (3, -1)}
    )
    first, second, third = arrows(fig)
    start_long = first.get_path().vertices[:-1, 0].min()
    start_x = second.get_path().vertices[:-1, 0].min()
    # six full-width characters need well over twice the room of "x"
    assert start_long > 0.5 > 2 * start_x
    # the vertical arrow leaves the long label at its half height
    start_below = third.get_path().vertices[:-1, 1].min()
    assert -1 + 0.15 < start_below < -1 + 0.25
