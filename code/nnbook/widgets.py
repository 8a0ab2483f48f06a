"""スライダーで値を動かせる図 (Jupyter でも, 本のサイトでも動く).

使い方は一つだけです::

    from nnbook.widgets import interactive_plot

    def draw(ax, lr):
        ...  # lr のときの図を ax に描く

    interactive_plot(draw, lr=[0.01, 0.1, 0.5])

``interactive_plot`` はセルの出力 (表示の束) を一つだけ作り, そこに
二つの表現を入れます.

- **Jupyter (カーネルあり)**: ipywidgets のスライダー. 値を動かすたびに
  カーネルで ``draw`` を呼び直し, 画像 (PNG) だけを差し替えるので,
  図がちらついたり積み重なったりしません.
- **本のサイト (カーネルなし)**: スライダーの各値の図をあらかじめ
  PNG で描いておき, ``<input type="range">`` で表示する画像を
  切り替える HTML (``text/html``). 外部のスクリプトは使わず,
  キーボード (矢印キー) でも操作できます.

HTML は内容 (値と画像) から作ったハッシュを id に使い, 同じ環境なら
毎回同じバイト列になるので, nbval で出力を比べられます (nbval は
widget-view を比べません). サイトでは ``_config.yml`` の
``nb_mime_priority_overrides`` で widget-view を外し, text/html を
表示します. 章の実行結果をコミットするときは, 乱数の model_id を持つ
widget-view を出力から除いてもかまいません (開き直したノートブックでも
静的なスライダーが表示されます).
"""

from __future__ import annotations

import base64
import hashlib
import html
import inspect
import io
import json
import math
import numbers
import warnings

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from nnbook import plotting  # noqa: F401  (日本語フォントと体裁の設定)

__all__ = [
    "DEFAULT_LABELS",
    "DEMO_GRIDS",
    "MAX_FRAMES",
    "InteractivePlot",
    "demo_gradient_descent",
    "demo_leaky_relu",
    "gradient_descent_path",
    "interactive_plot",
]

#: 1 つの図に描く画像 (コマ) の数の上限. 2 つのパラメータなら
#: 値の数の積がこれを超えてはいけません.
MAX_FRAMES = 60

#: パラメータ名から日本語のラベルへの既定の対応.
DEFAULT_LABELS = {
    "lr": "学習率",
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "eps": "ε",
    "margin": "マージン",
    "std": "標準偏差",
    "momentum": "モーメンタム",
    "epochs": "エポック数",
    "batch_size": "バッチサイズ",
}

_MAX_BYTES = 1_000_000  # HTML がこれより大きいと警告する


# ---------------------------------------------------------------------------
# 入力の確認
# ---------------------------------------------------------------------------


def _format_value(v) -> str:
    """スライダーに表示する値の文字列 (例: 0.1, 1e-05, 3)."""
    return str(v) if isinstance(v, int) else f"{v:g}"


def _check_values(name: str, values) -> tuple:
    """1 つのパラメータの値のリストを確かめ, Python の数のタプルにする."""
    if isinstance(values, (str, bytes, dict, set, frozenset)) or not (
        hasattr(values, "__len__") and hasattr(values, "__iter__")
    ):
        raise TypeError(
            f"{name} には値のリストを渡してください (例: {name}=[0.1, 0.5])."
            f" 受け取ったもの: {values!r}"
        )
    if isinstance(values, np.ndarray):
        values = values.ravel().tolist()
    values = list(values)
    if not values:
        raise ValueError(f"{name} の値のリストが空です")
    out = []
    for v in values:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
            raise TypeError(
                f"{name} の値は数 (int か float) です. "
                f"数でない値 {v!r} が入っています"
            )
        v = int(v) if isinstance(v, numbers.Integral) else float(v)
        if not math.isfinite(v):
            raise ValueError(f"{name} の値 {v} は有限ではありません")
        out.append(v)
    if len(set(out)) != len(out):
        raise ValueError(f"{name} の値に重複があります: {out}")
    return tuple(out)


def _check_spec(draw, params: dict) -> dict:
    if not callable(draw):
        raise TypeError(
            "draw には図を描く関数 draw(ax, **値) を渡してください "
            f"(受け取ったもの: {type(draw).__name__})"
        )
    if not params:
        raise ValueError(
            "スライダーにするパラメータを 1 つか 2 つ, "
            "interactive_plot(draw, lr=[0.1, 0.5]) のように渡してください"
        )
    if len(params) > 2:
        raise ValueError(
            f"パラメータは 2 つまでです ({len(params)} 個: "
            f"{', '.join(params)}). 残りは draw の中で固定してください"
        )
    grid = {name: _check_values(name, v) for name, v in params.items()}
    n_frames = math.prod(len(v) for v in grid.values())
    if n_frames > MAX_FRAMES:
        sizes = " × ".join(str(len(v)) for v in grid.values())
        raise ValueError(
            f"コマが多すぎます: {sizes} = {n_frames} 枚 "
            f"(上限 {MAX_FRAMES} 枚). 値の数を減らしてください"
        )
    return grid


def _wants_figure(draw) -> bool:
    """draw の最初の引数の名前が fig / figure なら Figure を渡す."""
    try:
        first = next(iter(inspect.signature(draw).parameters), "")
    except (TypeError, ValueError):
        return False
    return first in ("fig", "figure")


# ---------------------------------------------------------------------------
# 描画
# ---------------------------------------------------------------------------


class _Mismatch(Exception):
    """2 コマ目以降の draw が 1 コマ目と違う Axes を作ろうとした."""


_MAKERS = ("subplots", "add_subplot")  # 記録して再利用する Figure のメソッド


def _wipe_axes(ax) -> None:
    """Axes の中身 (線, 点, 文字, 凡例, タイトル) だけを消す.

    ``ax.clear()`` と違って目盛りや軸を作り直さないので速い.
    """
    groups = (ax.lines, ax.collections, ax.patches, ax.texts, ax.images)
    for group in (*groups, ax.tables, ax.artists):
        for artist in list(group):
            artist.remove()
    ax.containers.clear()
    if ax.legend_ is not None:
        ax.legend_.remove()
    for loc in ("center", "left", "right"):
        ax.set_title("", loc=loc)
    ax.set_prop_cycle(None)  # 色の順番を最初に戻す
    ax.relim()
    ax.ignore_existing_data_limits = True


def _wipe_figure(fig) -> None:
    for group in (fig.texts, fig.lines, fig.patches, fig.images, fig.legends):
        for artist in list(group):
            artist.remove()
    if fig._suptitle is not None:
        fig._suptitle.set_text("")
    for ax in fig.axes:
        _wipe_axes(ax)


#: サイト用のコマの画素密度 (表示の大きさに対する倍率).
PIXEL_RATIO = 2


class _Renderer:
    """1 枚の Figure を使い回して, 値ごとの図を PNG のバイト列にする.

    pyplot を通さない Figure なので, ノートブックに勝手に表示されたり,
    図が溜まったりしません. 速くするための工夫が二つあります.

    - 最初のコマだけ constrained layout で配置を決め, 以後はその位置に
      固定する (コマの間で軸が揺れない).
    - 2 コマ目からは Axes を作り直さず, 中身だけを消して描き直す
      (Axes と目盛りを作るのが描画時間の半分近くを占めるため).
      ``draw`` が 1 コマ目と同じ引数で ``fig.subplots`` /
      ``fig.add_subplot`` を呼んだときは 1 コマ目の Axes を返します.
      違う作り方をしたら, そのコマから図を作り直す方法に戻ります.
    """

    def __init__(self, draw, figsize, dpi):
        self.draw = draw
        self.fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        FigureCanvasAgg(self.fig)
        self.pass_figure = _wants_figure(draw)
        self._positions = None  # 最初のコマで決めた Axes と suptitle の位置
        self._made = None  # 1 コマ目で Axes を作った呼び出しの記録
        self.reuse = True

    def _call_draw(self, values):
        target = self.fig if self.pass_figure else self.fig.add_subplot()
        self.draw(target, **values)

    def _draw(self, values: dict) -> None:
        # タイトルの高さを固定すると, 毎回の目盛りの大きさの計算を省ける
        with matplotlib.rc_context({"axes.titley": 1.0}):
            if self.reuse and self._made is not None:
                if self._draw_reusing(values):
                    return
                self.reuse = False
            self._draw_fresh(values)

    def _patch(self, make):
        fig = self.fig
        for name in _MAKERS:
            setattr(fig, name, make(name, getattr(type(fig), name)))

    def _unpatch(self):
        for name in _MAKERS:
            self.fig.__dict__.pop(name, None)

    def _draw_fresh(self, values: dict) -> None:
        fig = self.fig
        fig.clear()
        made = []
        depth = [0]  # subplots は中で add_subplot を呼ぶ: 外側だけ記録

        def make(name, method):
            def recorded(*args, **kwargs):
                depth[0] += 1
                try:
                    result = method(fig, *args, **kwargs)
                finally:
                    depth[0] -= 1
                if depth[0] == 0:
                    made.append((name, args, kwargs, result))
                return result

            return recorded

        self._patch(make)
        try:
            self._call_draw(values)
        finally:
            self._unpatch()
        self._made = made
        frozen = self._positions
        if frozen is not None and len(frozen) == len(fig.axes) + 1:
            for ax, pos in zip(fig.axes, frozen, strict=False):
                ax.set_position(pos)
            if fig._suptitle is not None and frozen[-1] is not None:
                fig._suptitle.set_position(frozen[-1])
            fig.canvas.draw()
            return
        fig.set_layout_engine("constrained")
        fig.canvas.draw()
        sup = fig._suptitle.get_position() if fig._suptitle else None
        self._positions = [ax.get_position() for ax in fig.axes] + [sup]
        fig.set_layout_engine("none")

    def _draw_reusing(self, values: dict) -> bool:
        fig = self.fig
        before = list(fig.axes)
        _wipe_figure(fig)
        calls = iter(self._made)

        def make(name, method):
            def replay(*args, **kwargs):
                rec = next(calls, None)
                try:
                    same = rec is not None and rec[:3] == (name, args, kwargs)
                except Exception:  # 配列どうしの比較など
                    same = False
                if not same:
                    raise _Mismatch
                return rec[3]

            return replay

        self._patch(make)
        try:
            self._call_draw(values)
        except _Mismatch:
            return False
        finally:
            self._unpatch()
        if next(calls, None) is not None or fig.axes != before:
            return False
        if fig._suptitle is not None and self._positions[-1] is not None:
            fig._suptitle.set_position(self._positions[-1])
        fig.canvas.draw()
        return True

    def render(self, values: dict, small: bool = False) -> bytes:
        """``values`` の図を描いて PNG にする.

        ``small=True`` なら 256 色に減色して小さくする (サイトの静止画用,
        約 1/3 の大きさ). 同じ環境なら毎回同じバイト列になります.
        """
        from PIL import Image

        self._draw(values)
        rgba = np.asarray(self.fig.canvas.buffer_rgba())
        image = Image.fromarray(rgba[..., :3])
        if small:
            image = image.quantize(256, method=Image.Quantize.FASTOCTREE)
        buf = io.BytesIO()
        if small:
            image.save(buf, format="png", optimize=True)
        else:  # 速さ優先 (カーネルからブラウザへ送るだけ)
            image.save(buf, format="png", compress_level=1)
        return buf.getvalue()


# ---------------------------------------------------------------------------
# 本体
# ---------------------------------------------------------------------------


class InteractivePlot:
    """:func:`interactive_plot` の戻り値. セルの最後に置くと表示されます.

    Attributes
    ----------
    names : tuple of str
        パラメータ名 (スライダーの順).
    grid : dict[str, tuple]
        パラメータごとの値.
    labels : dict[str, str]
        表示するラベル.
    frames : list of bytes
        すべての値の組の PNG. 順番は ``itertools.product`` と同じ
        (最初のパラメータが外側).
    html : str
        本のサイト用の静的なスライダー (text/html).
    """

    def __init__(self, draw, grid, labels, initial, figsize, dpi, title):
        self.names = tuple(grid)
        self.grid = grid
        self.labels = labels
        self.title = title
        self.index = _initial_index(grid, initial)
        self.width = round(figsize[0] * dpi)  # 表示の幅 (CSS の px)
        self._renderer = _Renderer(draw, figsize, dpi)
        # サイトのコマは 2 倍の画素で描く (高精細の画面でもぼやけない)
        sharp = _Renderer(draw, figsize, dpi * PIXEL_RATIO)
        self.frames = [sharp.render(v, small=True) for v in self._all_values()]
        self.html = _static_html(self)
        if len(self.html) > _MAX_BYTES:
            warnings.warn(
                f"スライダーの HTML が {len(self.html) / 1e6:.1f} MB です. "
                "値の数か dpi を減らしてください",
                stacklevel=3,
            )
        self._widget = None

    # --- 値と添字 ---------------------------------------------------------

    def _all_values(self):
        sizes = [len(self.grid[n]) for n in self.names]
        for k in range(math.prod(sizes)):
            yield self.values_at(np.unravel_index(k, sizes))

    def values_at(self, index) -> dict:
        """添字の組 (パラメータごと) に対応する値の辞書."""
        return {
            n: self.grid[n][int(i)]
            for n, i in zip(self.names, index, strict=True)
        }

    def frame_number(self, index) -> int:
        """添字の組に対応するコマの番号 (``frames`` の添字)."""
        sizes = [len(self.grid[n]) for n in self.names]
        return int(np.ravel_multi_index(tuple(index), sizes))

    # --- Jupyter: ipywidgets ---------------------------------------------

    @property
    def widget(self):
        """Jupyter で表示する ipywidgets (初めて使うときに作る)."""
        if self._widget is None:
            self._widget = self._build_widget()
        return self._widget

    @property
    def sliders(self) -> dict:
        """パラメータ名 → ``ipywidgets.SelectionSlider``."""
        return dict(zip(self.names, self.widget.children[:-1], strict=True))

    @property
    def image(self):
        """図を表示している ``ipywidgets.Image``."""
        return self.widget.children[-1]

    def _build_widget(self):
        import ipywidgets as w

        sliders = []
        for name, i in zip(self.names, self.index, strict=True):
            values = self.grid[name]
            slider = w.SelectionSlider(
                options=[(_format_value(v), v) for v in values],
                value=values[i],
                description=self.labels[name],
                continuous_update=True,
                style={"description_width": "initial"},
                layout=w.Layout(width="min(100%, 28em)"),
            )
            slider.observe(self._on_change, names="value")
            sliders.append(slider)
        first = self._renderer.render(self.values_at(self.index))
        image = w.Image(
            value=first, format="png", layout=w.Layout(max_width="100%")
        )
        return w.VBox([*sliders, image])

    def current_values(self) -> dict:
        """スライダーの今の値 (ウィジェットを作る前は初期値)."""
        if self._widget is None:
            return self.values_at(self.index)
        return {n: s.value for n, s in self.sliders.items()}

    def update(self, **values) -> bytes:
        """値を変えたときの処理: ``draw`` で描き直して画像を差し替える.

        ``values`` を省いたパラメータはスライダーの今の値を使います.
        描いた PNG を返します (ベンチマーク用).
        """
        png = self._renderer.render({**self.current_values(), **values})
        self.image.value = png
        return png

    def _on_change(self, change):
        self.update()

    # --- 表示 --------------------------------------------------------------

    def __repr__(self) -> str:
        parts = [
            f"{self.labels[n]} ({n}) {len(self.grid[n])} 値"
            for n in self.names
        ]
        return f"<スライダーつきの図: {', '.join(parts)}>"

    def _repr_mimebundle_(self, include=None, exclude=None):
        data = {"text/plain": repr(self), "text/html": self.html}
        view = self.widget._repr_mimebundle_() or {}
        key = "application/vnd.jupyter.widget-view+json"
        if key in view:
            data[key] = view[key]
        return data


def _initial_index(grid: dict, initial) -> tuple:
    initial = dict(initial or {})
    unknown = set(initial) - set(grid)
    if unknown:
        raise ValueError(
            f"initial に未知のパラメータ {sorted(unknown)} があります"
        )
    index = []
    for name, values in grid.items():
        if name not in initial:
            index.append(0)
            continue
        matches = [i for i, v in enumerate(values) if v == initial[name]]
        if not matches:
            raise ValueError(
                f"initial の {name}={initial[name]!r} が値のリスト "
                f"{list(values)} にありません"
            )
        index.append(matches[0])
    return tuple(index)


def interactive_plot(
    draw,
    labels: dict | None = None,
    initial: dict | None = None,
    figsize=(5.6, 3.6),
    dpi: int = 80,
    title: str | None = None,
    **params,
) -> InteractivePlot:
    """スライダーで値を選べる図を作る (セルの最後に置くと表示される).

    Parameters
    ----------
    draw : callable
        ``draw(ax, **values)`` で 1 つの Axes に描く関数.
        最初の引数の名前が ``fig`` (か ``figure``) なら Axes の代わりに
        空の Figure を渡すので, ``fig.subplots(1, 2)`` などで自由に描け
        ます. 軸の範囲は値によらず固定すると, 見比べやすくなります.
    labels : dict, optional
        パラメータ名 → 表示するラベル. 省くと :data:`DEFAULT_LABELS`
        (lr → 学習率, alpha → α, …), それにもなければ名前そのもの.
    initial : dict, optional
        最初に表示する値 (値のリストにあるもの). 省くと各リストの先頭.
    figsize : (float, float)
        図の大きさ (インチ).
    dpi : int
        画像の解像度. 80 dpi なら 5.6 × 3.6 インチで 448 × 288 画素.
    title : str, optional
        スライダー全体の説明 (画像の代替テキストと aria-label に使う).
    **params : list of numbers
        スライダーにするパラメータと値のリスト (1 つか 2 つ).
        例: ``lr=[0.01, 0.1, 0.5]``. 値の数の積 (コマ数) は
        :data:`MAX_FRAMES` 以下. ``labels``, ``initial``, ``figsize``,
        ``dpi``, ``title`` はパラメータ名に使えません.

    Returns
    -------
    InteractivePlot

    Raises
    ------
    TypeError
        ``draw`` が呼び出せない, 値がリストでない, 数でない値がある.
    ValueError
        パラメータが 0 個か 3 個以上, 空のリスト, 重複した値,
        コマ数が :data:`MAX_FRAMES` を超える.
    """
    grid = _check_spec(draw, params)
    labels = {n: (labels or {}).get(n, DEFAULT_LABELS.get(n, n)) for n in grid}
    return InteractivePlot(
        draw, grid, labels, initial, tuple(figsize), dpi, title
    )


# ---------------------------------------------------------------------------
# 本のサイト用の静的な HTML
# ---------------------------------------------------------------------------

# 入力が変わったら, コマの番号 k を添字から計算して (最初のパラメータが
# 外側), k 番目の画像だけを見せ, 値の表示と aria-valuetext を更新する.
_ONINPUT = (
    "var r=this.closest('.nnbook-slider'),k=0;"
    "r.querySelectorAll('input.nnbook-slider-input').forEach("
    "function(e){k=k*(+e.max+1)+(+e.value);});"
    "r.querySelectorAll('img.nnbook-slider-frame').forEach("
    "function(m,j){m.style.display=j===k?'':'none';});"
    "var v=JSON.parse(this.dataset.labels)[+this.value];"
    "this.setAttribute('aria-valuetext',v);"
    "this.parentNode.querySelector('.nnbook-slider-value').textContent=v;"
)


def _attr(value) -> str:
    return html.escape(str(value), quote=True)


def _content_id(plot: InteractivePlot) -> str:
    h = hashlib.sha256()
    spec = [(n, list(plot.grid[n]), plot.labels[n]) for n in plot.names]
    h.update(json.dumps([spec, plot.index, plot.title]).encode())
    for png in plot.frames:
        h.update(png)
    return "nnbook-slider-" + h.hexdigest()[:12]


def _alt_text(plot: InteractivePlot, values: dict) -> str:
    text = ", ".join(
        f"{plot.labels[n]} = {_format_value(v)}" for n, v in values.items()
    )
    return f"{plot.title}: {text}" if plot.title else f"{text} のときの図"


def _static_html(plot: InteractivePlot) -> str:
    uid = _content_id(plot)
    current = plot.frame_number(plot.index)
    imgs = []
    for k, (png, values) in enumerate(
        zip(plot.frames, plot._all_values(), strict=True)
    ):
        style = f"width:{plot.width}px;max-width:100%;height:auto"
        if k != current:
            style += ";display:none"
        b64 = base64.b64encode(png).decode("ascii")
        imgs.append(
            f'<img class="nnbook-slider-frame" src="data:image/png;base64,'
            f'{b64}" alt="{_attr(_alt_text(plot, values))}" '
            f'style="{style}">'
        )
    controls = []
    for name, i in zip(plot.names, plot.index, strict=True):
        texts = [_format_value(v) for v in plot.grid[name]]
        label = plot.labels[name]
        iid = f"{uid}-{name}"
        controls.append(
            f'<div class="nnbook-slider-control" style="margin:0.3em 0">'
            f'<label for="{iid}" style="margin-right:0.5em">'
            f"{_attr(label)}</label>"
            f'<input type="range" class="nnbook-slider-input" id="{iid}" '
            f'data-param="{_attr(name)}" min="0" max="{len(texts) - 1}" '
            f'step="1" value="{i}" aria-label="{_attr(label)}" '
            f'aria-valuetext="{_attr(texts[i])}" '
            f'data-labels="{_attr(json.dumps(texts))}" '
            f'style="width:min(60%,18em);vertical-align:middle" '
            f'oninput="{_attr(_ONINPUT)}">'
            f'<output class="nnbook-slider-value" for="{iid}" '
            f'aria-live="polite" style="margin-left:0.5em">'
            f"{_attr(texts[i])}</output></div>"
        )
    group = _attr(plot.title or "スライダーつきの図")
    return (
        f'<div class="nnbook-slider" id="{uid}" role="group" '
        f'aria-label="{group}">'
        + "".join(controls)
        + "<div>"
        + "".join(imgs)
        + "</div></div>"
    )


# ---------------------------------------------------------------------------
# 本で使うデモ (はじめに: スライダーの使い方)
# ---------------------------------------------------------------------------

#: はじめにのデモで使う値. ベンチマーク (benchmarks/bench_widgets.py)
#: も同じ値で測ります.
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
    """f(w) = w² に勾配降下法を ``steps`` 回使ったときの w の列.

    勾配は f'(w) = 2w なので w_{k+1} = w_k − lr · 2 w_k = (1 − 2 lr) w_k.

    Returns
    -------
    (steps + 1,) float64 の配列 (w_0 から w_steps まで)
    """
    w = np.empty(steps + 1)
    w[0] = w0
    for k in range(steps):
        w[k + 1] = w[k] - lr * 2.0 * w[k]  # w ← w − lr · f'(w)
    return w


def _gd_verdict(lr: float) -> str:
    r = 1.0 - 2.0 * lr
    if r == 0:
        return "1 回で最小値に到達"
    if abs(r) < 1:
        return "振動せずに収束" if r > 0 else "振動しながら収束"
    return "振動が続く (収束しない)" if r == -1 else "発散"


def demo_gradient_descent(fig, lr: float, w0: float = 2.0, steps: int = 10):
    """はじめにのデモ: f(w) = w² の勾配降下法 (左: 関数と点, 右: w_k)."""
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
    """はじめにのデモ: Leaky ReLU とその導関数 (負の側の傾きが α)."""
    from nnbook.activations import leaky_relu, leaky_relu_grad

    x = np.linspace(-4.0, 4.0, 161)
    ax.plot(x, leaky_relu(x, alpha), label="Leaky ReLU")
    ax.plot(x, leaky_relu_grad(x, alpha), "--", label="導関数")
    ax.set(xlim=(-4, 4), ylim=(-4.2, 4.2), xlabel="$x$", ylabel="$y$")
    ax.set_title(f"Leaky ReLU (α = {alpha:g})")
    ax.legend(loc="upper left")
