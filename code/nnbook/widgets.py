"""スライダーで値を動かせる図 (Jupyter でも, 本のサイトでも動く).

使い方は一つだけです::

    from nnbook.widgets import interactive_plot

    def draw(ax, lr):
        ...  # lr のときの図を ax に描く

    interactive_plot(draw, lr=[0.01, 0.1, 0.5])

``interactive_plot`` はセルの出力 (表示の束) を一つだけ作り, そこに
二つの表現を入れます.

- **本のサイト (カーネルなし)**: 候補の値ごとの図をあらかじめ PNG で
  描いておき, ``<input type="range">`` で表示する画像を切り替える
  HTML (``text/html``). 外部のスクリプトは使わず, キーボード
  (矢印キー) でも操作できます.
- **Jupyter (カーネルあり)**: ipywidgets のスライダー. 図によって
  二通りです.

  - 描くのが速い図 (既定): スライダーは候補の最小値から最大値までを
    細かく刻んで動き (:class:`LiveRange`), 値を動かすたびにカーネルで
    ``draw`` を呼び直して, 画像 (PNG) だけを差し替えます. 候補の間の
    値も選べます.
  - 学習のように計算に時間がかかる図 (``precomputed=True``): 候補の
    値だけを選べるスライダーで, サイト用に描いておいた図を切り替えます
    (``draw`` は呼びません). スライダーの下にそう書きます.

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
import gc
import hashlib
import html
import inspect
import io
import json
import math
import numbers
import warnings
from decimal import Decimal

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from nnbook import plotting  # noqa: F401  (日本語フォントと体裁の設定)

__all__ = [
    "DEFAULT_LABELS",
    "LIVE_STEPS",
    "MAX_FRAMES",
    "PIXEL_RATIO",
    "InteractivePlot",
    "LiveRange",
    "interactive_plot",
]

#: 1 つの図に描く画像 (コマ) の数の上限. 2 つのパラメータなら
#: 値の数の積がこれを超えてはいけません.
MAX_FRAMES = 60

#: サイト用のコマの画素密度 (表示の大きさに対する倍率).
PIXEL_RATIO = 2

#: Jupyter のスライダーの刻みの数の目安 (最小値から最大値まで).
LIVE_STEPS = 200

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

#: Jupyter のスライダーの下に出す説明.
LIVE_NOTE = "値を動かすたびに計算し直して描きます(候補の値の間も選べます)。"
PRECOMPUTED_NOTE = (
    "計算に時間がかかるので、セルを実行したときに描いておいた図を"
    "切り替えて表示します(選べる値はサイトと同じです)。"
)

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


def _check_live_options(grid: dict, precomputed, log_scale) -> tuple:
    """precomputed と log_scale を確かめ, 対数の目盛りの名前のタプルを返す."""
    if not isinstance(precomputed, (bool, np.bool_)):
        raise TypeError(
            f"precomputed は True か False です (受け取ったもの: "
            f"{precomputed!r})"
        )
    names = (log_scale,) if isinstance(log_scale, str) else tuple(log_scale)
    if names and precomputed:
        raise ValueError(
            "log_scale は Jupyter で描き直すスライダーの目盛りです. "
            "precomputed=True の図には使えません"
        )
    for name in names:
        if name not in grid:
            raise ValueError(
                f"log_scale の {name!r} はスライダーのパラメータ "
                f"({', '.join(grid)}) にありません"
            )
        if min(grid[name]) <= 0:
            raise ValueError(
                f"対数の目盛りにする {name} の値はすべて正の数です "
                f"(受け取った値: {list(grid[name])})"
            )
    return names


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


def _collect_garbage() -> None:
    """捨てた図をすぐに回収し, 生き残ったオブジェクトを GC から外す.

    matplotlib の図は循環参照を多く含むので, 消した Axes は参照カウント
    では片付かず, ときどき動く GC がまとめて回収します. そのとき GC は
    カーネルのすべてのオブジェクトを調べるので, 1 回で 100 ms 以上
    止まり, スライダーの反応が遅れます. そこで Jupyter で値を動かす
    たびに, 古い図を消した直後に回収し (``gc.collect``), 生き残った
    オブジェクトは以後の回収の対象から外します (``gc.freeze``). 外す
    のは新しいスライダーを作るまでです (``gc.unfreeze``). 最初に値を
    動かしたときだけは, カーネル全体を調べるぶん遅くなります.
    """
    gc.collect()
    gc.freeze()


class _Renderer:
    """1 枚の Figure に値ごとの図を描き直し, PNG のバイト列にする.

    pyplot を通さない Figure なので, ノートブックに勝手に表示されたり,
    図が溜まったりしません. コマごとに Figure を空にしてから ``draw``
    を呼びます. Axes の配置は最初のコマで constrained layout に決め
    させ, 以後はその位置に固定します (コマの間で軸が揺れず, 配置の
    計算も 1 回で済みます). ``draw`` が最初のコマと違う数の Axes を
    作ったときは, そのコマで配置を決め直します.

    ``render(values, collect=True)`` (Jupyter で値を動かしたときの
    描画) は, 古い図を消した直後に :func:`_collect_garbage` を呼びます.
    """

    def __init__(self, draw, figsize, dpi):
        self.draw = draw
        self.fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        FigureCanvasAgg(self.fig)
        self.pass_figure = _wants_figure(draw)
        # 最初のコマで決めた Axes の位置と, Figure の文字 (suptitle など)
        # の位置の対応 (配置の前 → 後)
        self._layout = None

    def _clear(self, collect: bool) -> None:
        # fig.clear() は Axes を外す前に中身を空にするので, 先に外すと速い
        # (ループの変数に Axes を残さないよう, 先頭から 1 つずつ外す)
        while self.fig.axes:
            self.fig.axes[0].remove()
        self.fig.clear()
        if collect:
            _collect_garbage()

    def _draw(self, values: dict, collect: bool = False) -> None:
        fig = self.fig
        self._clear(collect)
        # タイトルの高さを固定すると, 毎回の目盛りの大きさの計算を省ける
        with matplotlib.rc_context({"axes.titley": 1.0}):
            target = fig if self.pass_figure else fig.add_subplot()
            self.draw(target, **values)
            if self._apply_layout():
                fig.canvas.draw()
            else:
                self._find_layout()

    def _find_layout(self) -> None:
        """constrained layout で描き, 決まった配置を覚えて以後は固定する."""
        fig = self.fig
        fig.set_layout_engine("constrained")
        placed = [text.get_position() for text in fig.texts]
        fig.canvas.draw()
        boxes = [ax.get_position() for ax in fig.axes]
        after = [text.get_position() for text in fig.texts]
        moved = dict(zip(placed, after, strict=True))
        self._layout = (boxes, moved)
        fig.set_layout_engine("none")

    def _apply_layout(self) -> bool:
        """覚えた配置を今の図に当てはめる (Axes の数が違えば False)."""
        if self._layout is None:
            return False
        boxes, moved = self._layout
        if len(boxes) != len(self.fig.axes):
            return False
        for ax, box in zip(self.fig.axes, boxes, strict=True):
            ax.set_position(box)
        for text in self.fig.texts:
            position = text.get_position()
            if position in moved:
                text.set_position(moved[position])
        return True

    def render(
        self, values: dict, small: bool = False, collect: bool = False
    ) -> bytes:
        """``values`` の図を描いて PNG にする.

        ``small=True`` なら 256 色に減色して小さくする (サイトの静止画用,
        約 1/3 の大きさ). 同じ環境なら毎回同じバイト列になります.
        ``collect=True`` なら, 古い図を消した直後に GC を回します.
        """
        from PIL import Image

        self._draw(values, collect)
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
# Jupyter のスライダーの範囲
# ---------------------------------------------------------------------------


def _nice_step(span: float) -> float:
    """``span / LIVE_STEPS`` に (比で) いちばん近い 1, 2, 5 × 10^k."""
    target = span / LIVE_STEPS
    k = math.floor(math.log10(target))
    steps = [float(f"{m}e{e}") for e in (k, k + 1) for m in (1, 2, 5)]
    return min(steps, key=lambda s: abs(math.log(s / target)))


def _decimals(x: float) -> int:
    """10 進で書いたときの小数点以下の桁数 (0.005 → 3, 2.0 → 0)."""
    return max(0, -Decimal(repr(float(x))).normalize().as_tuple().exponent)


class LiveRange:
    """Jupyter のスライダーが動く範囲と刻み (パラメータ 1 つ分).

    候補の値の最小値から最大値までを刻みます. 刻み方 ``scale`` は

    - ``"int"``: 候補がすべて整数のとき. 刻みは候補の差の最大公約数.
    - ``"linear"``: 刻みは (最大値 − 最小値) / :data:`LIVE_STEPS` に
      近い 1, 2, 5 × 10^k.
    - ``"log"``: 対数の目盛り (``log=True``). 指数 (log10) を同じ
      ように刻みます.

    ``low``, ``high``, ``step`` はスライダーの座標 (``"log"`` では指数)
    で表します.
    """

    def __init__(self, values, log: bool = False):
        self.values = tuple(values)
        lo, hi = min(self.values), max(self.values)
        if log:
            self.scale = "log"
            self.low, self.high = math.log10(lo), math.log10(hi)
        elif all(isinstance(v, int) for v in self.values):
            self.scale = "int"
            self.low, self.high = lo, hi
        else:
            self.scale = "linear"
            self.low, self.high = float(lo), float(hi)
        span = self.high - self.low
        if self.scale == "int":
            self.step = math.gcd(*(v - lo for v in self.values)) or 1
        else:
            self.step = _nice_step(span) if span > 0 else 1.0
        self.decimals = max(_decimals(self.step), _decimals(self.low))

    def _coord(self, v: float) -> float:
        return math.log10(v) if self.scale == "log" else v

    def snap(self, value) -> int | float:
        """スライダーが返した値を, ``draw`` に渡す値にする.

        刻みの半分より近くに候補の値があれば, その値をそのまま返します
        (候補の値はいつでも正確に選べる). なければ刻みの位置に丸めた
        値 (``"log"`` では有効数字 3 桁) を返します. 範囲の外の値は
        端に寄せます.
        """
        u = min(max(self._coord(value), self.low), self.high)
        nearest = min(self.values, key=lambda v: abs(self._coord(v) - u))
        if abs(self._coord(nearest) - u) <= self.step / 2 * (1 + 1e-9):
            return nearest
        if self.scale == "int":
            return int(round(u))
        if self.scale == "log":
            return float(f"{10.0**u:.3g}")
        k = round((u - self.low) / self.step)
        return round(self.low + k * self.step, self.decimals)

    def slider(self, label: str, value):
        """この範囲の ipywidgets のスライダー."""
        import ipywidgets as w

        common = {
            "value": value,
            "description": label,
            "continuous_update": True,
            "style": {"description_width": "initial"},
            "layout": w.Layout(width="min(100%, 28em)"),
        }
        bounds = {"min": self.low, "max": self.high, "step": self.step}
        if self.scale == "int":
            return w.IntSlider(**bounds, **common)
        if self.scale == "log":
            return w.FloatLogSlider(
                base=10, readout_format=".3g", **bounds, **common
            )
        return w.FloatSlider(
            readout_format=f".{self.decimals}f", **bounds, **common
        )

    def __repr__(self) -> str:
        return (
            f"LiveRange({self.scale}, {self.low:g} … {self.high:g}, "
            f"刻み {self.step:g})"
        )


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
        パラメータごとの候補の値 (サイトのスライダーの値).
    labels : dict[str, str]
        表示するラベル.
    precomputed : bool
        True なら Jupyter でも描いておいた図を切り替えるだけ.
    live : dict[str, LiveRange]
        Jupyter のスライダーの範囲 (``precomputed`` なら空).
    frames : list of bytes
        すべての値の組の PNG. 順番は ``itertools.product`` と同じ
        (最初のパラメータが外側).
    html : str
        本のサイト用の静的なスライダー (text/html).
    """

    def __init__(
        self,
        draw,
        grid,
        labels,
        initial,
        figsize,
        dpi,
        title,
        precomputed=False,
        log_scale=(),
    ):
        self.names = tuple(grid)
        self.grid = grid
        self.labels = labels
        self.title = title
        self.precomputed = bool(precomputed)
        self.index = _initial_index(grid, initial)
        self.width = round(figsize[0] * dpi)  # 表示の幅 (CSS の px)
        self.live = {}
        self._renderer = None
        if not self.precomputed:
            self.live = {n: LiveRange(grid[n], n in log_scale) for n in grid}
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

    def _grid_index(self, values: dict) -> tuple:
        """候補の値の組 → 添字の組 (候補にない値はエラー)."""
        index = []
        for name in self.names:
            if values[name] not in self.grid[name]:
                raise ValueError(
                    f"{name}={values[name]!r} は候補の値 "
                    f"{list(self.grid[name])} にありません "
                    "(precomputed=True の図は描いておいた値だけを表示します)"
                )
            index.append(self.grid[name].index(values[name]))
        return tuple(index)

    # --- Jupyter: ipywidgets ---------------------------------------------

    @property
    def widget(self):
        """Jupyter で表示する ipywidgets (初めて使うときに作る)."""
        if self._widget is None:
            self._widget = self._build_widget()
        return self._widget

    @property
    def sliders(self) -> dict:
        """パラメータ名 → スライダー (ipywidgets)."""
        children = self.widget.children[: len(self.names)]
        return dict(zip(self.names, children, strict=True))

    @property
    def note(self):
        """スライダーの下の説明 (``ipywidgets.Label``)."""
        return self.widget.children[-2]

    @property
    def image(self):
        """図を表示している ``ipywidgets.Image``."""
        return self.widget.children[-1]

    def _build_widget(self):
        import ipywidgets as w

        values = self.values_at(self.index)
        if self.precomputed:
            sliders = [
                w.SelectionSlider(
                    options=[(_format_value(v), v) for v in self.grid[n]],
                    value=values[n],
                    description=self.labels[n],
                    continuous_update=True,
                    style={"description_width": "initial"},
                    layout=w.Layout(width="min(100%, 28em)"),
                )
                for n in self.names
            ]
            first = self.frames[self.frame_number(self.index)]
            note = PRECOMPUTED_NOTE
        else:
            gc.unfreeze()  # 前のスライダーが GC から外したものを戻す
            sliders = [
                self.live[n].slider(self.labels[n], values[n])
                for n in self.names
            ]
            first = self._renderer.render(values)
            note = LIVE_NOTE
        for slider in sliders:
            slider.observe(self._on_change, names="value")
        # サイトのコマ (2 倍の画素) も同じ幅で表示する
        image = w.Image(
            value=first,
            format="png",
            layout=w.Layout(width=f"{self.width}px", max_width="100%"),
        )
        return w.VBox([*sliders, w.Label(note), image])

    def current_values(self) -> dict:
        """今の値 (ウィジェットを作る前は初期値).

        Jupyter で描き直すスライダーでは, :meth:`LiveRange.snap` で
        丸めた, ``draw`` に渡す値です.
        """
        if self._widget is None:
            return self.values_at(self.index)
        values = {n: s.value for n, s in self.sliders.items()}
        if self.precomputed:
            return values
        return {n: self.live[n].snap(v) for n, v in values.items()}

    def update(self, **values) -> bytes:
        """値を変えたときの処理: 図を差し替える.

        ``precomputed`` なら描いておいたコマを選ぶだけ, そうでなければ
        ``draw`` で描き直します. ``values`` を省いたパラメータは
        スライダーの今の値を使います. 表示した PNG を返します.
        """
        unknown = set(values) - set(self.names)
        if unknown:
            raise ValueError(
                f"未知のパラメータ {sorted(unknown)} があります "
                f"(この図のパラメータ: {', '.join(self.names)})"
            )
        values = {**self.current_values(), **values}
        if self.precomputed:
            png = self.frames[self.frame_number(self._grid_index(values))]
        else:
            snapped = {n: self.live[n].snap(v) for n, v in values.items()}
            png = self._renderer.render(snapped, collect=True)
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
    precomputed: bool = False,
    log_scale=(),
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
    precomputed : bool
        False (既定) なら, Jupyter のスライダーは候補の最小値から最大値
        までを細かく刻んで動き, 値ごとに ``draw`` を呼び直します
        (``draw`` は候補にない値でも描けること). True なら Jupyter でも
        候補の値だけを選び, 描いておいた図を切り替えます. ``draw`` が
        学習の結果を候補の値で引くときや, 1 回描くのに 0.1 秒より長く
        かかるときに使います.
    log_scale : str or sequence of str
        Jupyter のスライダーを対数の目盛りにするパラメータの名前
        (値がすべて正で, 何桁にもわたるとき. 例: ``log_scale="delta"``).
    **params : list of numbers
        スライダーにするパラメータと候補の値のリスト (1 つか 2 つ).
        例: ``lr=[0.01, 0.1, 0.5]``. 値の数の積 (コマ数) は
        :data:`MAX_FRAMES` 以下. ``labels``, ``initial``, ``figsize``,
        ``dpi``, ``title``, ``precomputed``, ``log_scale`` は
        パラメータ名に使えません.

    Returns
    -------
    InteractivePlot

    Raises
    ------
    TypeError
        ``draw`` が呼び出せない, 値がリストでない, 数でない値がある,
        ``precomputed`` が真偽値でない.
    ValueError
        パラメータが 0 個か 3 個以上, 空のリスト, 重複した値,
        コマ数が :data:`MAX_FRAMES` を超える, ``log_scale`` の名前が
        パラメータにない・値が正でない・``precomputed`` と一緒に使った.
    """
    grid = _check_spec(draw, params)
    log_scale = _check_live_options(grid, precomputed, log_scale)
    labels = {n: (labels or {}).get(n, DEFAULT_LABELS.get(n, n)) for n in grid}
    return InteractivePlot(
        draw,
        grid,
        labels,
        initial,
        tuple(figsize),
        dpi,
        title,
        precomputed,
        log_scale,
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
