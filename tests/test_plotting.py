"""Tests for nnbook.plotting: style, fonts, plot helpers."""

import io
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnbook import backend, datasets, plotting  # noqa: E402
from nnbook.training import History  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_style_and_japanese_font_are_set_on_import():
    rc = matplotlib.rcParams
    assert rc["font.family"][0] == "IPAexGothic"
    assert rc["svg.hashsalt"] == "nnbook"
    assert rc["axes.grid"] is True
    assert tuple(rc["figure.figsize"]) == (5.6, 3.6)


def test_japanese_text_draws_without_missing_glyph_warnings():
    fig, ax = plt.subplots()
    ax.set_title("学習率と損失関数 α β δ ≤ −1")
    ax.set_xlabel("エポック")
    ax.plot([-1, 1], [-1, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.canvas.draw()


def test_set_style_overrides_one_key_and_restores():
    plotting.set_style({"font.size": 15})
    assert matplotlib.rcParams["font.size"] == 15
    plotting.set_style()
    assert matplotlib.rcParams["font.size"] == 11


def test_svg_output_is_deterministic():
    def svg():
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, 1])
        ax.set_title("同じ図")
        buf = io.BytesIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
        plt.close(fig)
        return buf.getvalue()

    assert svg() == svg()


# --- plot helpers ---------------------------------------------------------


def test_plot_function_with_and_without_derivative():
    from nnbook import activations

    axes = plotting.plot_function(
        activations.sigmoid, activations.sigmoid_grad
    )
    assert len(axes) == 2
    x, y = axes[0].lines[0].get_data()
    np.testing.assert_allclose(y, 1 / (1 + np.exp(-x)), rtol=1e-6)
    assert axes[0].get_title() == "sigmoid"
    assert axes[1].get_title() == "sigmoidの導関数"
    (ax,) = plotting.plot_function(np.tanh, x=np.linspace(-1, 1, 5))
    assert len(ax.lines[0].get_xdata()) == 5


def test_plot_decision_boundary_labels_and_probabilities():
    x, t = map(backend.to_numpy, datasets.make_xor(100, seed=0))

    def predict_labels(z):
        return ((z[:, 0] > 0) != (z[:, 1] > 0)).astype(int)

    def predict_probs(z):
        return predict_labels(z)[:, None].astype(float)

    def predict_scores(z):
        lab = predict_labels(z)
        return np.stack([1 - lab, lab], axis=1)

    for predict in (predict_labels, predict_probs, predict_scores):
        ax = plotting.plot_decision_boundary(predict, x, t, resolution=50)
        assert len(ax.collections) >= 2  # filled contour + points
        pts = ax.collections[-1].get_offsets()
        np.testing.assert_allclose(pts, x)
    # one-hot targets are accepted
    plotting.plot_decision_boundary(
        predict_labels, x, datasets.to_one_hot(t, 2), resolution=20
    )


def test_plot_decision_boundary_passes_the_grid_on_the_data_device():
    seen = []
    x, t = map(backend.to_numpy, datasets.make_moons(20))  # host data

    def predict(z):
        seen.append((type(z), z.dtype, z.shape))
        return np.zeros(len(z), int)

    plotting.plot_decision_boundary(predict, x, t, resolution=10)
    assert seen == [(np.ndarray, np.float32, (100, 2))]


def test_plot_history_from_history_and_dict():
    h = History(
        train_loss=[1.0, 0.5, 0.4],
        val_loss=[1.1, 0.7, 0.8],
        train_acc=[0.5, 0.8, 0.9],
        val_acc=[0.4, 0.7, 0.7],
        lr=[0.1] * 3,
        best_epoch=2,
    )
    axes = plotting.plot_history(h)
    assert len(axes) == 2
    assert [len(a.lines) for a in axes] == [3, 3]  # train, val, best
    np.testing.assert_array_equal(axes[0].lines[0].get_xdata(), [1, 2, 3])
    assert axes[0].get_xlabel() == "エポック"
    (ax,) = plotting.plot_history({"train_loss": [3, 2, 1]})
    assert len(ax.lines) == 1


def test_plot_contour_with_path_single_and_many():
    def f(x, y):
        return x**2 + 10 * y**2

    path = np.array([[2.0, 1.0], [1.0, 0.5], [0.5, 0.1]])
    ax = plotting.plot_contour_with_path(f, path, resolution=30)
    np.testing.assert_allclose(ax.lines[0].get_xydata(), path)
    lo, hi = ax.get_xlim()
    assert lo < 0.5 and hi > 2.0
    ax = plotting.plot_contour_with_path(
        f, {"SGD": path, "Adam": path[::-1]}, (-3, 3), (-2, 2)
    )
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["SGD", "Adam", "出発点"]
    assert ax.get_xlim() == (-3, 3)


def test_helpers_accept_gpu_arrays(xp):
    if xp is np:
        pytest.skip("GPU のときだけ意味がある")
    x, t = datasets.make_moons(30)
    xg, tg = backend.to_device(x, "gpu"), backend.to_device(t, "gpu")

    def predict(z):
        assert backend.is_gpu_array(z)
        return (z[:, 1] > 0.25).astype(xp.int64)

    plotting.plot_decision_boundary(predict, xg, tg, resolution=10)
    plotting.plot_function(lambda v: v**2, x=xp.linspace(-1, 1, 5))
    plotting.plot_contour_with_path(
        lambda a, b: a**2 + b**2, xp.asarray([[1.0, 1.0], [0.5, 0.5]])
    )
