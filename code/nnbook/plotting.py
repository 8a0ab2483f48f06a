"""図の体裁と, 章で使う小さな描画関数.

import するだけで日本語フォント (matplotlib-fontja の IPAex ゴシック) と
本の体裁 (:data:`BOOK_STYLE`) が設定されます. 描画関数はどれも CuPy の
配列を受け取れます (中で :func:`nnbook.backend.to_numpy` します).

- :func:`plot_function` : 関数とその導関数を並べて描く
- :func:`plot_decision_boundary` : 2 次元入力の分類器の決定境界
- :func:`plot_history` : 学習曲線 (損失と正解率)
- :func:`plot_contour_with_path` : 等高線と最適化の軌跡
- :func:`plot_activation_histograms` : 層ごとの活性の分布と標準偏差
"""

from __future__ import annotations

import matplotlib
import matplotlib_fontja  # noqa: F401  (import で IPAex ゴシックを登録)
import numpy as np

from nnbook import backend

__all__ = [
    "BOOK_STYLE",
    "plot_activation_histograms",
    "plot_contour_with_path",
    "plot_decision_boundary",
    "plot_function",
    "plot_history",
    "set_style",
]

#: 本の図の体裁. スマートフォンの幅 (約 360 px) に縮めても文字が
#: 読めるよう, 図は小さめ (5.6 × 3.6 インチ, 100 dpi) で文字は 11 pt.
BOOK_STYLE = {
    # IPAex ゴシックにない記号 (≤ など) は DejaVu Sans で補う
    "font.family": ["IPAexGothic", "DejaVu Sans"],
    "font.size": 11,
    "axes.titlesize": 12,
    "legend.fontsize": 10,
    "figure.figsize": (5.6, 3.6),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.constrained_layout.use": True,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "image.cmap": "viridis",
    "lines.linewidth": 2.0,
    # SVG の id を乱数でなく固定の塩から作り, 出力を毎回同じにする
    "svg.hashsalt": "nnbook",
    "svg.fonttype": "path",
}


def set_style(rc: dict | None = None) -> None:
    """本の体裁を matplotlib に設定する (import 時に一度呼ばれます).

    ``rc`` で個別の項目を変えられます (例: ``set_style({"font.size": 14})``).
    Jupyter の中では図を 2 倍の画素数 (retina) で出力し, 表示の大きさは
    そのままにします. 高精細の画面 (スマートフォン) でもぼやけません.
    """
    matplotlib.rcParams.update({**BOOK_STYLE, **(rc or {})})
    _use_retina_inline()


def _use_retina_inline() -> None:
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:
        return
    if get_ipython() is not None:
        set_matplotlib_formats("retina")


set_style()


# ---------------------------------------------------------------------------
# 描画関数
# ---------------------------------------------------------------------------


def _plt():
    import matplotlib.pyplot as plt

    return plt


def plot_function(
    f,
    grad=None,
    x=None,
    *,
    title=None,
    xlabel="x",
    ylabel=None,
    axes=None,
):
    """関数 ``f`` と (あれば) その導関数 ``grad`` を左右に並べて描く.

    Parameters
    ----------
    f, grad : callable
        配列を受け取り同じ形の配列を返す関数 (例: ``activations.sigmoid``
        と ``activations.sigmoid_grad``).
    x : (M,) array, optional
        横軸の点. 既定は [-5, 5] の 401 点.
    title : str, optional
        左の図のタイトル (既定は関数名). 右は「…の導関数」.
    axes : sequence of Axes, optional
        描き込む先 (``grad`` があれば 2 つ).

    Returns
    -------
    list of Axes
    """
    x = np.linspace(-5.0, 5.0, 401) if x is None else backend.to_numpy(x)
    n = 1 if grad is None else 2
    if axes is None:
        width = matplotlib.rcParams["figure.figsize"][0]
        _, axes = _plt().subplots(1, n, figsize=(width * n / 1.4, 3.2))
    axes = list(np.atleast_1d(axes))
    name = title or getattr(f, "__name__", "f")
    axes[0].plot(x, backend.to_numpy(f(x)))
    axes[0].set_title(name)
    axes[0].set_ylabel(ylabel or "y")
    if grad is not None:
        axes[1].plot(x, backend.to_numpy(grad(x)), color="C1")
        axes[1].set_title(f"{name}の導関数")
        axes[1].set_ylabel("dy/dx")
    for ax in axes:
        ax.set_xlabel(xlabel)
    return axes


def _labels(t) -> np.ndarray:
    t = backend.to_numpy(t)
    return t.argmax(axis=1) if t.ndim == 2 else t


def plot_decision_boundary(
    predict,
    x,
    t,
    ax=None,
    *,
    resolution=200,
    margin=0.5,
    title="決定境界",
    cmap="coolwarm",
):
    """2 次元入力の分類器の決定境界を, データ点と一緒に描く.

    Parameters
    ----------
    predict : callable
        ``(M, 2)`` の入力に対して ``(M,)`` のラベル, ``(M, 1)`` の
        確率 (0.5 で分ける), または ``(M, C)`` のスコア (argmax) を返す.
        格子点は ``x`` と同じデバイスで渡します.
    x : (N, 2) array
    t : (N,) int labels or (N, C) one-hot
    resolution : int
        格子の 1 辺の点の数.
    margin : float
        データの範囲の外側に広げる幅.

    Returns
    -------
    Axes
    """
    xh = backend.to_numpy(x)
    th = _labels(t)
    if ax is None:
        _, ax = _plt().subplots()
    lo = xh.min(axis=0) - margin
    hi = xh.max(axis=0) + margin
    g0, g1 = np.meshgrid(
        np.linspace(lo[0], hi[0], resolution),
        np.linspace(lo[1], hi[1], resolution),
    )
    grid = np.stack([g0.ravel(), g1.ravel()], axis=1).astype(xh.dtype)
    xp = backend.get_array_module(x)
    out = backend.to_numpy(predict(xp.asarray(grid)))
    if out.ndim == 2:
        out = out.argmax(axis=1) if out.shape[1] > 1 else out[:, 0] > 0.5
    n_classes = int(max(th.max(), out.max())) + 1
    levels = np.arange(n_classes + 1) - 0.5
    ax.contourf(
        g0, g1, out.reshape(g0.shape), levels=levels, cmap=cmap, alpha=0.3
    )
    ax.scatter(
        xh[:, 0],
        xh[:, 1],
        c=th,
        cmap=cmap,
        vmin=0,
        vmax=n_classes - 1,
        s=18,
        edgecolors="k",
        linewidths=0.5,
    )
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title)
    return ax


def plot_history(history, axes=None):
    """学習曲線 (左: 損失, 右: 正解率) を訓練と検証で描く.

    Parameters
    ----------
    history : :class:`nnbook.training.History` or dict
        ``train_loss``, ``val_loss``, ``train_acc``, ``val_acc``,
        ``best_epoch`` (なくてもよい) を持つもの.

    Returns
    -------
    list of Axes
    """
    h = history if isinstance(history, dict) else history.as_dict()
    has_acc = bool(h.get("train_acc") or h.get("val_acc"))
    n = 2 if has_acc else 1
    if axes is None:
        width = matplotlib.rcParams["figure.figsize"][0]
        _, axes = _plt().subplots(1, n, figsize=(width * n / 1.4, 3.2))
    axes = list(np.atleast_1d(axes))
    panels = [("loss", "損失")] + ([("acc", "正解率")] if has_acc else [])
    for ax, (key, name) in zip(axes, panels, strict=False):
        for split, label, style in (
            ("train", "訓練", "-"),
            ("val", "検証", "--"),
        ):
            values = h.get(f"{split}_{key}") or []
            if values:
                epochs = np.arange(1, len(values) + 1)
                ax.plot(epochs, values, style, label=label)
        if h.get("best_epoch"):
            ax.axvline(h["best_epoch"], color="gray", lw=1, ls=":")
        ax.set_xlabel("エポック")
        ax.set_ylabel(name)
        ax.set_title(f"{name}の推移")
        ax.legend()
    return axes


def plot_activation_histograms(
    activations,
    fig=None,
    value_range=(-1.0, 1.0),
    std_range=(1e-12, 1e12),
    bins=40,
    title=None,
):
    r"""層ごとの活性の分布 (左) と標準偏差 (右, 対数軸) を描く.

    左の図は第 1 層を上にして, 各層の活性のヒストグラムを縦に並べます
    (高さは層ごとに最大 1 にそろえる). ``value_range`` の外の値は
    両端のビンに入れるので, 値が範囲をはみ出すと端に山ができます.
    右の図は層ごとの標準偏差で, 縮む ($10^{-10}$ など) のも
    膨らむ ($10^{8}$ など) のも一目で分かります.

    Parameters
    ----------
    activations : list of arrays  :func:`nnbook.initializers.propagate` の値
    fig : matplotlib Figure, optional  空の Figure (スライダー用)
    value_range : (float, float)  左の図の横軸の範囲
    std_range : (float, float)  右の図の縦軸 (標準偏差) の範囲
    bins : int
    title : str, optional  図全体の題

    Returns
    -------
    (ax_hist, ax_std)
    """
    acts = [backend.to_numpy(a).ravel() for a in activations]
    if fig is None:
        fig = _plt().figure(figsize=(8.0, 3.8))
    ax_hist, ax_std = fig.subplots(1, 2, width_ratios=[1.3, 1])
    lo, hi = value_range
    edges = np.linspace(lo, hi, bins + 1)
    for i, a in enumerate(acts):
        # 等間隔のビンなので番号を直接計算して数える (範囲外は両端へ)
        k = np.floor((a[np.isfinite(a)] - lo) * (bins / (hi - lo)))
        k = np.clip(k, 0, bins - 1).astype(np.int64)
        counts = np.bincount(k, minlength=bins)
        y0 = len(acts) - 1 - i  # 第 1 層を上に
        h = 0.9 * counts / max(counts.max(), 1)
        ax_hist.stairs(y0 + h, edges, baseline=y0, fill=True, alpha=0.8)
    ax_hist.set_yticks(np.arange(len(acts)) + 0.45)
    ax_hist.set_yticklabels([f"{len(acts) - j}" for j in range(len(acts))])
    ax_hist.set_xlim(*value_range)
    ax_hist.set_ylim(0, len(acts))
    ax_hist.set_xlabel("活性の値")
    ax_hist.set_ylabel("層")
    ax_hist.set_title("層ごとの活性の分布")
    stds = np.array(
        [
            a.std(dtype=np.float64) if np.isfinite(a).all() else np.inf
            for a in acts
        ]
    )
    layers = np.arange(1, len(acts) + 1)
    ax_std.semilogy(layers, np.clip(stds, *std_range), "o-")
    ax_std.set_ylim(*std_range)
    ax_std.set_xticks(layers[:: max(1, len(acts) // 5)])
    ax_std.set_xlabel("層")
    ax_std.set_ylabel("活性の標準偏差")
    ax_std.set_title("標準偏差 (対数軸)")
    if title:
        fig.suptitle(title)
    return ax_hist, ax_std


def plot_contour_with_path(
    f,
    path,
    x_range=None,
    y_range=None,
    ax=None,
    *,
    levels=20,
    resolution=200,
    title="等高線と更新の軌跡",
):
    """2 変数関数 ``f(x, y)`` の等高線と, 最適化の軌跡を描く.

    Parameters
    ----------
    f : callable
        ``f(X, Y)`` が格子 ``X, Y`` (同じ形の NumPy 配列) で値を返す.
    path : (K, 2) array, or dict[str, (K, 2) array]
        更新で通った点の列. 辞書なら名前を凡例にして複数描く
        (最適化手法の比較).
    x_range, y_range : (min, max), optional
        既定は軌跡の範囲を少し広げたもの.

    Returns
    -------
    Axes
    """
    paths = path if isinstance(path, dict) else {None: path}
    paths = {k: backend.to_numpy(p).reshape(-1, 2) for k, p in paths.items()}
    allp = np.concatenate(list(paths.values()))
    if x_range is None or y_range is None:
        lo, hi = allp.min(axis=0), allp.max(axis=0)
        pad = 0.2 * np.maximum(hi - lo, 1e-3)
        x_range = x_range or (lo[0] - pad[0], hi[0] + pad[0])
        y_range = y_range or (lo[1] - pad[1], hi[1] + pad[1])
    if ax is None:
        _, ax = _plt().subplots()
    gx, gy = np.meshgrid(
        np.linspace(*x_range, resolution), np.linspace(*y_range, resolution)
    )
    ax.contour(
        gx,
        gy,
        backend.to_numpy(f(gx, gy)),
        levels=levels,
        cmap="viridis",
        linewidths=1,
    )
    for i, (name, p) in enumerate(paths.items()):
        color = f"C{i % 10}" if name is not None else "C3"
        ax.plot(p[:, 0], p[:, 1], "o-", ms=3, lw=1.2, color=color, label=name)
        ax.plot(*p[-1], "*", ms=12, color=color)
    ax.plot(*allp[0], "ks", ms=6, label="出発点")
    ax.set_xlim(*x_range)
    ax.set_ylim(*y_range)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    ax.set_title(title)
    ax.legend(fontsize=9)
    return ax
