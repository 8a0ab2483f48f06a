r"""損失関数を選んで直線を当てはめる (第 3 章の外れ値の実験用).

モデルは直線 $y = wx + b$ だけです. 損失関数は ``nnbook.losses``
の関数をそのまま使い, その ``_grad`` (損失の $y$ についての勾配) から
連鎖律でパラメータの勾配を求めて, 勾配降下法で更新します.

$$
\frac{\partial L}{\partial w} = \sum_n \frac{\partial L}{\partial y_n} x_n,
\qquad
\frac{\partial L}{\partial b} = \sum_n \frac{\partial L}{\partial y_n}
$$

(損失はミニバッチの平均なので, $1/N$ は ``_grad`` の中に入っています.)

使える損失は ``"mse"`` (平均二乗誤差), ``"mae"`` (平均絶対誤差),
``"huber"`` (Huber 損失, ``delta`` で切り替え点を指定) の三つです.

``fit_line`` の細かな決まりは次のとおりです.

- ``x`` は内部で平均 0, 標準偏差 1 にそろえてから当てはめ, 最後に元の
  単位の $w$, $b$ に戻します (学習率をデータの単位に合わせて選ばずに
  済むように). 初期値は $w = b = 0$ です. 入力が float32 でも
  float64 で計算します (丸め誤差で収束の判定が効かなくならないように).
- 平均絶対誤差の勾配は最適解の近くでも大きさが縮まない (符号だけで
  決まる) ので, 学習率が一定だと最適解のまわりで行き来し続けます.
  そこで既定 (``decay=True``) では, $k$ 回目の更新の学習率を
  $\eta / \sqrt{1 + k / 100}$ と少しずつ小さくします.
- Huber 損失の勾配の大きさは $\delta$ 以下なので, $\delta$ が小さいと
  同じ学習率ではほとんど動きません. そこで $\delta < 1$ のときは
  学習率を $\delta$ で割ります (損失 $\rho/\delta$ に勾配降下法を使うのと
  同じで, $\delta \to 0$ では平均絶対誤差の場合と同じ歩幅になります).
- 1 回の更新で $w$ と $b$ の動いた量が ``tol`` (標準化した単位) より
  小さくなったら, 収束したとみなして ``steps`` 回より前に止めます.
  $w$, $b$ と損失はデバイスの上に置いたまま更新し, 収束したかどうかは
  ``check_every`` 回ごとにまとめてホストで調べます (GPU でも毎回は
  待たずに済むように). 収束した回より後に進めた分は捨てるので,
  結果は毎回調べた場合と同じです.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from nnbook import losses as _losses
from nnbook._checks import as_real, check_line_data
from nnbook.backend import get_array_module, to_numpy
from nnbook.descent import gradient_descent

__all__ = ["LOSSES", "LineFit", "fit_line"]

#: 名前 → (``nnbook.losses`` の損失関数名, その勾配の関数名)
LOSSES = {
    "mse": ("mean_squared_error", "mean_squared_error_grad"),
    "mae": ("mean_absolute_error", "mean_absolute_error_grad"),
    "huber": ("huber_loss", "huber_loss_grad"),
}


@dataclass
class LineFit:
    """``fit_line`` の結果.

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
        return self.w * as_real(x) + self.b


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
    r"""損失 `loss` を最小にする直線 $y = wx + b$ を勾配降下法で求める.

    `x`, `t` は (N,) か (N, 1), `loss` は `"mse"`, `"mae"`, `"huber"`
    (切り替え点 `delta`). 学習率は `decay` なら $k$ 回目に
    $1/\sqrt{1 + k/100}$ 倍. 移動量が `tol` を下回ったら止めます
    (`check_every` 回ごとに調べる). 細かな決まりはモジュールの説明に.
    """
    x, t = check_line_data(x, t, delta, check_every)
    xp = get_array_module(x, t)
    f, g = _loss_functions(loss, delta)
    z, mean, std = _standardize(xp, x)  # z = (x - mean) / std

    def grad(p):  # p = (w, b). 連鎖律で dL/dw = Σ dL/dy·z, dL/db = Σ dL/dy
        dy = g(p[0] * z + p[1], t)  # dL/dy (1/N を含む)
        return xp.stack([xp.sum(dy * z), xp.sum(dy)])

    rates = _learning_rates(lr, loss, delta, decay, steps)
    path = [xp.zeros(2)]  # (w, b) の列. 初期値は w = b = 0
    for start in range(0, steps, check_every):  # check_every 回ずつ進める
        lrs = rates[start : start + check_every]  # この区間の学習率
        chunk = gradient_descent(grad, path[-1], lrs, len(lrs))
        path.extend(chunk[1:])
        n = _converged_at(xp, chunk, start, tol)  # ホストで調べるのはここ
        if n is not None:  # n 回目の更新で収束していた
            path = path[: n + 1]
            break
    history = [f(w * z + b, t) for w, b in path[:-1]]  # 更新前の損失
    return _to_line_fit(xp, path[-1], history, mean, std, loss)


def _standardize(xp, x):
    """x を平均 0, 標準偏差 1 にそろえた z と, その mean, std (float)."""
    mean, std = _host_floats(xp, x.mean(), x.std())
    std = std or 1.0
    return (x - mean) / std, mean, std


def _learning_rates(lr, loss, delta, decay, steps):
    """k 回目の学習率の list (モジュールの説明: Huber の delta と decay)."""
    if loss == "huber" and delta < 1.0:
        lr = lr / delta
    if not decay:
        return [lr] * steps
    return [lr / math.sqrt(1.0 + k / 100.0) for k in range(steps)]


def _to_line_fit(xp, p, history, mean, std, loss):
    """最後の (w, b) をホストへ移し, 元の x の単位に戻して LineFit にする."""
    w, b = _host_floats(xp, *p)
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


def _converged_at(xp, chunk, start, tol):
    """更新 start+1 … の点の列 chunk で, 移動量が初めて tol を下回った回.

    移動量は 1 回の更新での (w, b) の変化の大きいほう. 下回った回が
    なければ None. ホストへの転送 (GPU の同期) は 1 回です.
    """
    moved = abs(chunk[1:] - chunk[:-1]).max(axis=1)
    small = (to_numpy(moved) < tol).nonzero()[0]
    return start + int(small[0]) + 1 if small.size else None
