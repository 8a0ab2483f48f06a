"""Tests for nnbook.demos: the two sliders of the slider page."""

import io

import numpy as np
import pytest
from PIL import Image

from nnbook import demos, descent
from nnbook.widgets import interactive_plot


def test_gradient_descent_path_formula():
    for lr in demos.DEMO_GRIDS["gradient_descent"]["lr"]:
        path = demos.gradient_descent_path(lr, w0=2.0, steps=10)
        np.testing.assert_allclose(
            path, 2.0 * (1 - 2 * lr) ** np.arange(11), rtol=1e-12
        )
    assert demos.gradient_descent_path(0.5)[1] == 0.0


def test_gradient_descent_path_is_descent_gradient_descent():
    path = demos.gradient_descent_path(0.3, w0=-1.5, steps=7)
    expected = descent.gradient_descent(lambda w: 2 * w, -1.5, 0.3, 7)
    np.testing.assert_array_equal(path, expected)
    assert path.shape == (8,) and path.dtype == np.float64


def test_gradient_descent_path_rejects_a_negative_learning_rate():
    with pytest.raises(ValueError, match="学習率 lr は 0 以上"):
        demos.gradient_descent_path(-0.1)


@pytest.mark.parametrize(
    "lr, verdict",
    [
        (0.1, "振動せずに収束"),
        (0.5, "1 回で最小値に到達"),
        (0.7, "振動しながら収束"),
        (1.0, "振動が続く (収束しない)"),
        (1.05, "発散"),
        (0.505, "振動しながら収束"),  # between the grid values (Jupyter)
    ],
)
def test_gradient_descent_verdicts(lr, verdict):
    assert demos._gd_verdict(lr) == verdict


@pytest.mark.parametrize("name", list(demos.DEMO_GRIDS))
def test_demos_fit_in_the_size_budget(name):
    draw = getattr(demos, f"demo_{name}")
    p = interactive_plot(draw, **demos.DEMO_GRIDS[name])
    assert not p.precomputed  # cheap to draw: live in Jupyter
    assert len(p.html) < 1_000_000
    w, h = Image.open(io.BytesIO(p.frames[0])).size
    assert (w, h) == (896, 576)  # shown at 448 x 288 CSS px
    assert "width:448px" in p.html


def test_demo_titles_follow_the_value():
    from matplotlib.figure import Figure

    fig = Figure()
    demos.demo_gradient_descent(fig, 0.5)
    assert fig.get_suptitle() == "学習率 0.5: 1 回で最小値に到達"
    ax = Figure().add_subplot()
    demos.demo_leaky_relu(ax, 0.25)
    assert ax.get_title() == "Leaky ReLU (α = 0.25)"
    neg = ax.lines[0].get_ydata()[0]  # x = -4
    assert neg == pytest.approx(-1.0)
