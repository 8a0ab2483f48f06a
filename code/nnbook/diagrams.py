r"""ニューロン, ネットワーク, 計算グラフの模式図をコードから描く.

図はどれも matplotlib の図 (``Figure``) として返るので, 章のセルで描けば
そのまま本の図になります. 日本語のラベルは ``nnbook.plotting`` が
設定するフォントで描かれます.

- ``neuron`` : 入力, 重み, バイアス, 活性化関数をもつ 1 個のニューロン
- ``network`` : 層ごとのユニットと全結合, 各層の配列の形
- ``Graph`` : 計算グラフ. 辺の上に順伝播の値 (黒), 下に逆伝播の勾配 (赤)

ラベルの書き方: ``"x_1"``, ``"w"``, ``"1.5"``, ``r"\sigma"`` のように
1 文字 (添字つき), 数値, バックスラッシュで始まる記号は自動で数式
(``$x_1$``) になります. それ以外 (``"NAND"``, ``"入力層"``) はそのまま,
``"$…$"`` を含む文字列もそのまま描かれます.
"""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
from matplotlib.patches import Circle, FancyArrowPatch

from nnbook import plotting  # noqa: F401  (日本語フォントと本の体裁)
from nnbook._checks import check_length

__all__ = ["BACKWARD_COLOR", "FORWARD_COLOR", "Graph", "network", "neuron"]

#: 辺の上に書く順伝播の値の色と, 辺の下に書く逆伝播の勾配の色.
FORWARD_COLOR = "black"
BACKWARD_COLOR = "tab:red"

_RADIUS = 0.3  # "op" ノードの円の半径 (データ座標)
_VALUE_GAP = 0.22  # "value" ノードの文字と矢印の間
_LABEL_GAP = 0.08  # 辺と, 辺に書くラベルの間
_DX = 2.0  # network の層の間隔
_CIRCLE = dict(fc="white", ec="black", lw=1.3, zorder=2)
_CENTER = dict(ha="center", va="center", zorder=3)
_ARROW = dict(arrowstyle="-|>", mutation_scale=12, lw=1.2, color="0.2")
_MATH = re.compile(r"[-+−]?\d+(\.\d*)?|[A-Za-z](?:[_^].*)?|\\.+")


def _tex(label: str) -> str:
    """1 文字の記号・数値・コマンドを ``$…$`` で囲む (それ以外はそのまま)."""
    label = str(label)
    if "$" not in label and _MATH.fullmatch(label):
        return f"${label.replace('−', '-')}$"
    return label


def _font_size(label: str, kind: str) -> int:
    """円の中の長い名前は小さく, ×・+ などの記号 1 文字は大きく."""
    if kind == "op" and len(label) > 3:
        return 10
    return 20 if len(label) == 1 and not label.isalnum() else 14


class Graph:
    r"""計算グラフ (または任意の有向グラフ) の模式図.

    ノードを ``node`` で, 辺を ``edge`` で加えてから ``draw``
    で描きます. 辺 $u \to v$ には順伝播の値を矢印の上に黒で, 逆伝播の
    勾配 $\partial L / \partial u$ などを矢印の下に赤で書けます.

    Examples
    --------
    >>> g = Graph()
    >>> g.node("x", "x")
    >>> g.node("mul", "×", kind="op")
    >>> g.node("y", "y")
    >>> g.edge("x", "mul", forward="2", backward="1.1")
    >>> g.edge("mul", "y", forward="4", backward="1")
    >>> fig = g.draw()  # doctest: +SKIP
    """

    def __repr__(self) -> str:
        return f"Graph({len(self.nodes)} ノード, {len(self.edges)} 辺)"

    def __init__(self):
        self.nodes: dict[str, tuple[str, str]] = {}
        self.edges: list[tuple[str, str, str | None, str | None, float]] = []

    def node(
        self, name: str, label: str | None = None, *, kind: str = "value"
    ):
        """ノード ``name`` を加える.

        Parameters
        ----------
        name : str
            辺と ``layout`` で使う名前.
        label : str, optional
            図に書く文字 (既定は ``name``).
        kind : {"value", "op"}
            ``"value"`` は文字だけ (変数や値), ``"op"`` は円で囲む (演算).
        """
        if kind not in ("value", "op"):
            raise ValueError(
                f'kind は "value" か "op" です ({kind!r} が渡されました)'
            )
        if name in self.nodes:
            raise ValueError(f"ノード {name!r} はもうあります")
        self.nodes[name] = (name if label is None else label, kind)

    def edge(self, src: str, dst: str, *, forward=None, backward=None, at=0.5):
        """辺 ``src`` → ``dst`` を加える.

        Parameters
        ----------
        src, dst : str
            ``node`` で加えたノードの名前.
        forward, backward : str or float, optional
            矢印の上 (黒) と下 (赤) に書くラベル.
        at : float
            ラベルを置く位置 (矢印の始点 0 から終点 1 まで).
        """
        for name in (src, dst):
            if name not in self.nodes:
                raise KeyError(
                    f"ノード {name!r} がありません (node で加えます)"
                )
        self.edges.append((src, dst, forward, backward, at))

    def layered_layout(self, dx: float = 1.6, dy: float = 1.0) -> dict:
        """左から右への層状の配置: 入力の辺をもたないノードを x = 0 に置く.

        各ノードの層は, 入ってくる辺をたどった最長の道の長さです.
        同じ層のノードは加えた順に上から並べます.
        """
        layer = {name: 0 for name in self.nodes}
        for _ in range(len(self.nodes)):
            changed = False
            for src, dst, *_ in self.edges:
                if layer[dst] < layer[src] + 1:
                    layer[dst], changed = layer[src] + 1, True
            if not changed:
                break
        else:
            raise ValueError(
                "閉路があるので層に分けられません (layout を渡します)"
            )
        columns: dict[int, list[str]] = {}
        for name in self.nodes:
            columns.setdefault(layer[name], []).append(name)
        return {
            name: (dx * k, dy * ((len(col) - 1) / 2 - i))
            for k, col in columns.items()
            for i, name in enumerate(col)
        }

    def draw(
        self, layout: dict | None = None, *, figsize=None, title=None, ax=None
    ):
        """グラフを描いて ``Figure`` を返す.

        Parameters
        ----------
        layout : dict, optional
            ノード名 → ``(x, y)``. 隣り合うノードが 1〜2 離れる座標を想定
            しています. 既定は ``layered_layout``.
        figsize : (float, float), optional
            既定は座標の広がりに合わせた大きさ (幅は 8 インチまで).
        title : str, optional
            図のタイトル.
        ax : Axes, optional
            描き込む先.
        """
        pos = self.layered_layout() if layout is None else dict(layout)
        missing = [name for name in self.nodes if name not in pos]
        if missing:
            raise KeyError(f"layout にノード {missing} の位置がありません")
        xs = [pos[n][0] for n in self.nodes] or [0.0]
        ys = [pos[n][1] for n in self.nodes] or [0.0]
        if ax is None:
            w, h = max(xs) - min(xs) + 1.2, max(ys) - min(ys) + 1.2
            scale = min(1.2, 8.0 / w)
            _, ax = plt.subplots(figsize=figsize or (w * scale, h * scale))
        for name, (label, kind) in self.nodes.items():
            if kind == "op":
                ax.add_patch(
                    Circle(pos[name], self._gap(name, 1, 0), **_CIRCLE)
                )
            size = _font_size(label, kind)
            ax.text(*pos[name], _tex(label), fontsize=size, **_CENTER)
        for src, dst, forward, backward, at in self.edges:
            self._draw_edge(ax, pos, src, dst, forward, backward, at)
        ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
        ax.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
        ax.set_aspect("equal")
        ax.set_axis_off()
        if title:
            ax.set_title(title)
        return ax.figure

    def _gap(self, name: str, ux: float, uy: float) -> float:
        """ノードの中心から, 向き (ux, uy) の矢印の端までの距離."""
        label, kind = self.nodes[name]
        if kind == "op":
            return _RADIUS if len(label) <= 3 else 1.3 * _RADIUS
        # 文字の箱 (半幅 hw, 半高 hh) の縁まで. 全角 1 字 ≈ 0.17, 半角 ≈ 0.09
        plain = re.sub(r"\\[A-Za-z]+|[${}_^]", "", label)
        width = sum(1.0 if ord(c) > 0x2FF else 0.55 for c in plain)
        hw, hh = max(_VALUE_GAP, 0.07 + 0.085 * width), 0.17
        return min(hw / abs(ux) if ux else hw * 9, hh / abs(uy) if uy else 9)

    def _draw_edge(self, ax, pos, src, dst, forward, backward, at):
        (x0, y0), (x1, y1) = pos[src], pos[dst]
        length = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
        if length == 0:
            raise ValueError(f"ノード {src!r} と {dst!r} が同じ位置にあります")
        ux, uy = (x1 - x0) / length, (y1 - y0) / length
        ga, gb = self._gap(src, ux, uy), self._gap(dst, ux, uy)
        a, b = (x0 + ux * ga, y0 + uy * ga), (x1 - ux * gb, y1 - uy * gb)
        ax.add_patch(FancyArrowPatch(a, b, **_ARROW))
        # 矢印に垂直で上 (y が大きい側) を向く単位ベクトル. 縦の辺では右.
        nx, ny = (-uy, ux) if (ux > 0 or (ux == 0 and uy < 0)) else (uy, -ux)
        mx, my = a[0] + at * (b[0] - a[0]), a[1] + at * (b[1] - a[1])
        labels = [(forward, 1, FORWARD_COLOR), (backward, -1, BACKWARD_COLOR)]
        for text, sign, color in labels:
            if text is None:
                continue
            va = "center" if abs(ny) < 0.3 else ("bottom", "top")[sign < 0]
            ha = "center" if abs(nx) < 0.7 else ("right", "left")[sign > 0]
            x, y = mx + sign * _LABEL_GAP * nx, my + sign * _LABEL_GAP * ny
            ax.text(x, y, _tex(text), color=color, ha=ha, va=va, fontsize=12)


def neuron(
    inputs=("x_1", "x_2"),
    weights=("w_1", "w_2"),
    bias="b",
    activation="h",
    output="y",
    *,
    figsize=None,
    title=None,
):
    r"""1 個のニューロン $y = h(x_1 w_1 + x_2 w_2 + b)$ の模式図.

    入力 (円) から重みをつけた矢印が活性化関数の円に集まり, 出力 $y$ が
    出ていきます. ``bias`` は値 1 の入力からの重みとして描きます.

    Parameters
    ----------
    inputs, weights : sequence of str
        入力と重みのラベル (同じ長さ).
    bias : str, optional
        バイアスのラベル. ``None`` なら描きません.
    activation, output : str
        ニューロンの円に書く活性化関数と, 出力のラベル.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_length("weights", weights, len(inputs))
    sources = list(zip(inputs, weights, strict=True))
    if bias is not None:
        sources.insert(0, ("1", bias))
    g, layout = Graph(), {"unit": (2.2, 0.0), "out": (3.6, 0.0)}
    for i, (x, _) in enumerate(sources):
        g.node(f"in{i}", x, kind="op")
        layout[f"in{i}"] = (0.0, (len(sources) - 1) / 2 - i)
    g.node("unit", activation, kind="op")
    g.node("out", output)
    for i, (_, w) in enumerate(sources):
        g.edge(f"in{i}", "unit", forward=w, at=0.35)
    g.edge("unit", "out")
    return g.draw(layout, figsize=figsize, title=title)


def _slots(n, max_units):
    """層に描くユニットの番号. 多いときは上下 3 個ずつと省略 (None)."""
    return (
        list(range(n)) if n <= max_units else [0, 1, 2, None, *range(n - 3, n)]
    )


def network(
    sizes, labels=None, shapes=None, *, title=None, figsize=None, max_units=7
):
    """層を並べた全結合ネットワークの模式図.

    Parameters
    ----------
    sizes : sequence of int
        各層のユニット数 (入力層から出力層まで).
    labels : sequence of str, optional
        各層の上に書く名前 (例: ``["入力層", "隠れ層", "出力層"]``).
    shapes : sequence of str, optional
        各層の下に書く配列の形 (例: ``["(N, 2)", "(N, 3)", "(N, 2)"]``).
    max_units : int
        これより多いユニットの層は, 上下の数個と縦の省略記号で描きます.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_length("labels", labels, len(sizes))
    check_length("shapes", shapes, len(sizes))
    if any(int(n) < 1 for n in sizes):
        raise ValueError(f"各層のユニット数は 1 以上です: {list(sizes)}")
    g, layout, layers, dots = Graph(), {}, [], []
    for k, n in enumerate(sizes):
        slots = _slots(int(n), max_units)
        layers.append([])
        for j, unit in enumerate(slots):
            xy = (_DX * k, 0.8 * ((len(slots) - 1) / 2 - j))
            if unit is None:
                dots.append(xy)
                continue
            layers[-1].append(f"{k}.{unit}")
            g.node(layers[-1][-1], "", kind="op")
            layout[layers[-1][-1]] = xy
    for left, right in zip(layers, layers[1:], strict=False):
        for src in left:
            for dst in right:
                g.edge(src, dst)
    ax = g.draw(layout, figsize=figsize, title=title).axes[0]
    for xy in dots:
        ax.text(*xy, r"$\vdots$", fontsize=14, **_CENTER)
    top = max(y for _, y in layout.values())
    for k in range(len(sizes)):
        if labels is not None:
            ax.text(_DX * k, top + 0.45, labels[k], ha="center", va="bottom")
        if shapes is not None:
            ax.text(
                _DX * k, -top - 0.45, _tex(shapes[k]), ha="center", va="top"
            )
    ax.set_ylim(-top - 1.0, top + 1.0)
    return ax.figure
