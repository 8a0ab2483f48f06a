"""Tests for nnbook.plotting.plot_activation_histograms (chapter 7)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib.figure import Figure

from nnbook import activations, initializers
from nnbook.plotting import plot_activation_histograms


def test_histograms_and_stds_show_what_the_layers_hold():
    rng = np.random.default_rng(0)
    acts = [
        rng.uniform(-0.5, 0.5, size=(200, 10)),  # 範囲の中
        np.full((200, 10), 5.0),  # 範囲の右の外 → 右端のビン
        np.full((200, 10), -7.0),  # 範囲の左の外 → 左端のビン
        np.array([[1.0, np.inf]]),  # 有限でない値 → 標準偏差は上端
    ]
    fig = Figure()
    ax_hist, ax_std = plot_activation_histograms(
        acts, fig=fig, value_range=(-1, 1), std_range=(1e-6, 1e6), bins=20
    )
    steps = [p.get_data() for p in ax_hist.patches]
    assert len(steps) == 4
    for i, (values, edges, baseline) in enumerate(steps):
        assert baseline == 3 - i  # 第 1 層が上
        np.testing.assert_allclose(edges, np.linspace(-1, 1, 21))
        heights = values - baseline
        assert heights.max() == pytest.approx(0.9)
    h1 = steps[1][0] - steps[1][2]
    assert h1[-1] == pytest.approx(0.9) and not h1[:-1].any()
    h2 = steps[2][0] - steps[2][2]
    assert h2[0] == pytest.approx(0.9) and not h2[1:].any()
    h0 = steps[0][0] - steps[0][2]
    assert not h0[:5].any() and not h0[15:].any()  # |a| ≤ 0.5 だけ
    (line,) = ax_std.get_lines()
    y = line.get_ydata()
    assert y[0] == pytest.approx(acts[0].std())
    assert y[1] == 1e-6 and y[2] == 1e-6  # 標準偏差 0 は下端に
    assert y[3] == 1e6  # inf は上端に


def test_collapse_and_explosion_are_visible_on_the_std_axis():
    x = np.random.default_rng(1).standard_normal((500, 100))
    for std, check in ((0.01, lambda s: s < 1e-9), (1.0, lambda s: s > 1e6)):
        outs = initializers.propagate(x, 10, std, activations.relu, seed=0)
        fig = Figure()
        _, ax_std = plot_activation_histograms(
            outs, fig=fig, value_range=(0, 3)
        )
        assert check(ax_std.get_lines()[0].get_ydata()[-1])
