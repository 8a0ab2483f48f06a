"""「スライダーの使い方」のページ (chapters/00_sliders) で使うデモ.

どちらのデモも描くのが速いので, Jupyter ではスライダーの値を動かす
たびに描き直します (:func:`nnbook.widgets.interactive_plot`).

- :func:`demo_gradient_descent`: f(w) = w² の勾配降下法と学習率.
- :func:`demo_leaky_relu`: Leaky ReLU とその導関数と, 負の側の傾き α.

:data:`DEMO_GRIDS` はページのスライダーの候補の値です.
ベンチマーク (benchmarks/bench_widgets.py) とテストも同じ値を使います.
"""

from __future__ import annotations

import numpy as np

from nnbook import descent
from nnbook.activations import leaky_relu, leaky_relu_grad

__all__ = [
    "DEMO_GRIDS",
    "demo_gradient_descent",
    "demo_leaky_relu",
    "gradient_descent_path",
]

#: ページのスライダーの候補の値 (デモの名前 → パラメータ → 値).
DEMO_GRIDS = {
    "gradient_descent": {
        "lr": [
            0.02,
            0.05,
            0.1,
            0.2,
            0.3,
            0.4,
            0.5,
            0.6,
            0.7,
            0.8,
            0.9,
            0.95,
            1.0,
            1.02,
            1.05,
        ],
    },
    "leaky_relu": {
        "alpha": [0.0, 0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0],
    },
}


def gradient_descent_path(lr: float, w0: float = 2.0, steps: int = 10):
    r"""f(w) = w² に勾配降下法を steps 回使ったときの w の列.

    勾配は $f'(w) = 2w$ なので, 1 回の更新は
    $w_{k+1} = w_k - \mathrm{lr} \cdot 2 w_k = (1 - 2\,\mathrm{lr})\,w_k$
    です. 更新の繰り返しは第 4 章の
    `nnbook.descent.gradient_descent` に任せます.

    Returns
    -------
    (steps + 1,) float64 の配列 (w_0 から w_steps まで)
    """
    return descent.gradient_descent(lambda w: 2.0 * w, w0, lr, steps)


def _gd_verdict(lr: float) -> str:
    r = 1.0 - 2.0 * lr  # 1 回の更新で w に掛かる倍率
    if r == 0:
        return "1 回で最小値に到達"
    if abs(r) < 1:
        return "振動せずに収束" if r > 0 else "振動しながら収束"
    return "振動が続く (収束しない)" if r == -1 else "発散"


def demo_gradient_descent(fig, lr: float, w0: float = 2.0, steps: int = 10):
    """f(w) = w² の勾配降下法 (左: 関数と更新した点, 右: w_k の推移)."""
    path = gradient_descent_path(lr, w0, steps)
    ax1, ax2 = fig.subplots(1, 2)
    w = np.linspace(-3.0, 3.0, 121)
    ax1.plot(w, w**2, color="gray", lw=1.5)
    ax1.plot(path, path**2, "o-", color="C3", ms=4, lw=1, clip_on=True)
    ax1.plot(path[0], path[0] ** 2, "ks", ms=6)
    ax1.set(xlim=(-3, 3), ylim=(-0.3, 9), xlabel="$w$", ylabel="$f(w)=w^2$")
    ax1.set_title("関数と更新した点")
    k = np.arange(steps + 1)
    ax2.axhline(0.0, color="gray", lw=1)
    ax2.plot(k, path, "o-", color="C0", ms=4, lw=1)
    ax2.set(xlim=(-0.5, steps + 0.5), ylim=(-3.2, 3.2), xlabel="更新回数 $k$")
    ax2.set_ylabel("$w_k$")
    ax2.set_title(f"$w_{{k+1}} = ({1 - 2 * lr:+.2f})\\,w_k$")
    fig.suptitle(f"学習率 {lr:g}: {_gd_verdict(lr)}")


def demo_leaky_relu(ax, alpha: float):
    """Leaky ReLU とその導関数 (負の側の傾きが α)."""
    x = np.linspace(-4.0, 4.0, 161)
    ax.plot(x, leaky_relu(x, alpha), label="Leaky ReLU")
    ax.plot(x, leaky_relu_grad(x, alpha), "--", label="導関数")
    ax.set(xlim=(-4, 4), ylim=(-4.2, 4.2), xlabel="$x$", ylabel="$y$")
    ax.set_title(f"Leaky ReLU (α = {alpha:g})")
    ax.legend(loc="upper left")
