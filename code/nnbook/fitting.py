"""損失関数を選んで直線を当てはめる (第 3 章の外れ値の実験用).

モデルは直線 ``y = w x + b`` だけです. 損失関数は :mod:`nnbook.losses`
の関数をそのまま使い, その ``_grad`` (損失の ``y`` についての勾配) から
連鎖律でパラメータの勾配を求めて, 勾配降下法で更新します.

.. math::

    \\frac{\\partial L}{\\partial w} = \\sum_n
        \\frac{\\partial L}{\\partial y_n} x_n, \\qquad
    \\frac{\\partial L}{\\partial b} = \\sum_n
        \\frac{\\partial L}{\\partial y_n}

(損失はミニバッチの平均なので, ``1/N`` は ``_grad`` の中に入っています.)

使える損失は ``"mse"`` (平均二乗誤差), ``"mae"`` (平均絶対誤差),
``"huber"`` (Huber 損失, ``delta`` で切り替え点を指定) の三つです.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from nnbook import losses as _losses
from nnbook.backend import as_float, get_array_module, to_numpy

__all__ = ["LOSSES", "LineFit", "fit_line"]

#: 名前 → (:mod:`nnbook.losses` の損失関数名, その勾配の関数名)
LOSSES = {
    "mse": ("mean_squared_error", "mean_squared_error_grad"),
    "mae": ("mean_absolute_error", "mean_absolute_error_grad"),
    "huber": ("huber_loss", "huber_loss_grad"),
}


@dataclass
class LineFit:
    """:func:`fit_line` の結果.

    Attributes
    ----------
    w, b : float
        当てはめた直線 ``y = w x + b`` の傾きと切片 (元の ``x`` の単位).
    loss : str
        使った損失の名前.
    history : list of float
        各ステップの更新前の損失の値 (長さは実際に更新した回数).
    """

    w: float
    b: float
    loss: str
    history: list[float] = field(default_factory=list, repr=False)

    def predict(self, x):
        """直線の値 ``w x + b`` (``x`` と同じデバイスの配列)."""
        return self.w * as_float(x) + self.b


def _loss_functions(loss: str, delta: float):
    if loss not in LOSSES:
        raise ValueError(
            f"未知の損失 {loss!r} です. {sorted(LOSSES)} のどれかを"
            "指定してください"
        )
    name, grad_name = LOSSES[loss]
    f, g = getattr(_losses, name), getattr(_losses, grad_name)
    if loss == "huber":
        return (
            lambda y, t: f(y, t, delta=delta),
            lambda y, t: g(y, t, delta=delta),
        )
    return f, g


def fit_line(
    x,
    t,
    loss: str = "mse",
    *,
    delta: float = 1.0,
    lr: float = 0.5,
    steps: int = 2000,
    decay: bool = True,
    tol: float = 1e-10,
    check_every: int = 25,
) -> LineFit:
    """損失 ``loss`` を最小にする直線 ``y = w x + b`` を勾配降下法で求める.

    ``x`` は内部で平均 0, 標準偏差 1 にそろえてから当てはめ, 最後に元の
    単位の ``w``, ``b`` に戻します (学習率をデータの単位に合わせて選ばず
    に済むように). 初期値は ``w = b = 0`` です.

    平均絶対誤差の勾配は最適解の近くでも大きさが縮まない (符号だけで
    決まる) ので, 学習率が一定だと最適解のまわりで行き来し続けます.
    そこで既定 (``decay=True``) では, ``k`` 回目の更新の学習率を
    ``lr / sqrt(1 + k / 100)`` と少しずつ小さくします.

    Huber 損失の勾配の大きさは δ 以下なので, δ が小さいと同じ学習率では
    ほとんど動きません. そこで δ < 1 のときは学習率を δ で割ります
    (損失 ρ/δ に勾配降下法を使うのと同じで, δ → 0 では平均絶対誤差の
    場合と同じ歩幅になります).

    1 回の更新で ``w`` と ``b`` の動いた量が ``tol`` (標準化した単位) より
    小さくなったら, 収束したとみなして ``steps`` 回より前に止めます.
    ``w``, ``b`` と損失はデバイスの上に置いたまま更新し, 収束したかどうか
    は ``check_every`` 回ごとにまとめてホストで調べます (GPU でも
    毎回は待たずに済むように). 収束した回より後に進めた分は捨てるので,
    結果は毎回調べた場合と同じです.

    Parameters
    ----------
    x, t : (N,) か (N, 1) の array
        入力と正解. 同じデバイス (NumPy か CuPy) の配列.
    loss : {"mse", "mae", "huber"}
        使う損失関数.
    delta : float
        Huber 損失の切り替え点 (``loss="huber"`` のときだけ使います).
    lr : float
        学習率の初期値.
    steps : int
        更新の回数の上限.
    decay : bool
        学習率を ``1/sqrt`` で小さくしていくかどうか.
    tol : float
        収束の判定に使う, 1 回の更新での移動量の下限.
    check_every : int
        収束したかどうかを調べる間隔 (更新の回数).

    Returns
    -------
    LineFit
    """
    # 直線の当てはめは軽いので, 入力が float32 でも float64 で計算する
    # (丸め誤差で収束の判定が効かなくならないように).
    x, t = as_float(x, "float64"), as_float(t, "float64")
    if x.size != t.size or x.size not in x.shape or t.size not in t.shape:
        raise ValueError(
            f"x と t は同じ長さの 1 次元配列 (か (N, 1) の配列) です "
            f"(x: {x.shape}, t: {t.shape})"
        )
    x, t = x.reshape(-1), t.reshape(-1)
    if x.shape[0] < 2:
        raise ValueError("直線を決めるにはデータが 2 個以上必要です")
    if not (delta > 0):
        raise ValueError(f"delta は正の数です (delta={delta!r})")
    xp = get_array_module(x, t)
    f, g = _loss_functions(loss, delta)

    mean, std = _host_floats(xp, x.mean(), x.std())
    std = std or 1.0
    if loss == "huber" and delta < 1.0:
        lr = lr / delta
    z = (x - mean) / std  # 標準化した入力
    w, b = 0.0, 0.0
    history, params, moved = [], [], []
    for k in range(steps):
        y = w * z + b
        history.append(f(y, t))
        dy = g(y, t)  # dL/dy (1/N を含む)
        grad_w, grad_b = xp.sum(dy * z), xp.sum(dy)
        step = lr / math.sqrt(1.0 + k / 100.0) if decay else lr
        w = w - step * grad_w
        b = b - step * grad_b
        params.append((w, b))
        moved.append(step * xp.maximum(abs(grad_w), abs(grad_b)))
        if (k + 1) % check_every == 0 or k + 1 == steps:
            n = _converged_at(xp, moved, k + 1 - len(moved), tol)
            if n is not None:  # n 回目の更新で収束していた
                history, params = history[:n], params[:n]
                break
            moved = []
    w, b = _host_floats(xp, *params[-1]) if params else (0.0, 0.0)
    # z = (x − mean) / std なので w z + b = (w / std) x + (b − w mean / std)
    return LineFit(
        w=w / std,
        b=b - w * mean / std,
        loss=loss,
        history=_host_floats(xp, *history),
    )


def _host_floats(xp, *values):
    """デバイスの値をまとめて 1 回でホストへ移し, float のリストにする."""
    if not values:
        return []
    return [float(v) for v in to_numpy(xp.stack(values)).tolist()]


def _converged_at(xp, moved, start, tol):
    """更新 start+1 … の移動量 moved のうち, 初めて tol を下回った回.

    下回った回がなければ None. ホストへの転送 (GPU の同期) は 1 回です.
    """
    small = (to_numpy(xp.stack(moved)) < tol).nonzero()[0]
    return start + int(small[0]) + 1 if small.size else None
