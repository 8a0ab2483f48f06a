"""最適化手法を比べるための目的関数 (テスト関数, 第 4 章と第 5 章).

2 変数の関数 `Quadratic`, `Rosenbrock`, `Saddle` と, 最適化手法で
その上をたどる `trajectory`, Reddi et al. (2018) のオンライン問題
(`reddi_gradient`, `run_online_adam`) です.

どれも ``f(p)`` が値, ``f.grad(p)`` が勾配を返します. ``p`` は
形 ``(2,)`` の配列 (最後の軸の長さが 2 なら ``(…, 2)`` でも可.
等高線を描くときに格子全体を一度に計算できます). 勾配は入力と同じ形
です. 最適化手法には ``params = {"p": p}``,
``grads = {"p": f.grad(p)}`` として渡します.
"""

from __future__ import annotations

import math

import numpy as np

from nnbook._checks import as_real
from nnbook.backend import get_array_module, to_device, to_numpy

__all__ = [
    "Quadratic",
    "Rosenbrock",
    "Saddle",
    "quadratic",
    "reddi_gradient",
    "rosenbrock",
    "run_online_adam",
    "trajectory",
]


def _xy(p):
    p = as_real(p)
    if p.shape[-1:] != (2,):
        raise ValueError(
            f"p の最後の軸の長さは 2 です (受け取った形: {p.shape})"
        )
    return p[..., 0], p[..., 1]


def _stack(gx, gy):
    xp = get_array_module(gx)
    return xp.stack([gx, gy], axis=-1)


class Quadratic:
    """悪条件の二次関数 ``f(x, y) = (a x² + b y²) / 2``.

    最小値は ``(0, 0)`` で 0. 条件数 ``b / a`` が大きいほど
    SGD は ``y`` 方向に振動し, ``x`` 方向にはゆっくりしか進みません.
    「ゼロから作るDeep Learning」の ``x²/20 + y²`` は ``a=0.1, b=2``.
    """

    minimum = (0.0, 0.0)

    def __init__(self, a=0.1, b=2.0):
        if not (a > 0 and b > 0):
            raise ValueError(f"a, b は正の数です (a={a!r}, b={b!r})")
        self.a, self.b = a, b

    def __call__(self, p):
        x, y = _xy(p)
        return 0.5 * (self.a * x * x + self.b * y * y)

    def grad(self, p):
        """``∇f = (a x, b y)``."""
        x, y = _xy(p)
        return _stack(self.a * x, self.b * y)


class Rosenbrock:
    """Rosenbrock 関数 ``f(x, y) = (a − x)² + b (y − x²)²``.

    最小値は ``(a, a²)`` で 0. 細く曲がった谷の底をたどる必要があり,
    最適化手法の比較によく使われます (既定 ``a=1, b=100``).
    """

    def __init__(self, a=1.0, b=100.0):
        self.a, self.b = a, b
        self.minimum = (a, a * a)

    def __call__(self, p):
        x, y = _xy(p)
        return (self.a - x) ** 2 + self.b * (y - x * x) ** 2

    def grad(self, p):
        """``∇f = (−2(a − x) − 4b x (y − x²), 2b (y − x²))``."""
        x, y = _xy(p)
        r = y - x * x
        return _stack(
            -2.0 * (self.a - x) - 4.0 * self.b * x * r, 2.0 * self.b * r
        )


class Saddle:
    """鞍点を持つ関数 ``f(x, y) = (x² − y²) / 2 + y⁴ / 4``.

    原点は鞍点 (勾配 0, ``x`` 方向には谷, ``y`` 方向には山).
    最小値は ``(0, ±1)`` で ``-1/4``. ``y`` がちょうど 0 から出発すると
    勾配降下法は鞍点に吸い込まれます.
    """

    minimum = (0.0, 1.0)

    def __call__(self, p):
        x, y = _xy(p)
        return 0.5 * (x * x - y * y) + 0.25 * y**4

    def grad(self, p):
        """``∇f = (x, −y + y³)``."""
        x, y = _xy(p)
        return _stack(x, -y + y**3)


#: 「ゼロから作るDeep Learning」の ``x²/20 + y²`` と同じ関数.
quadratic = Quadratic(0.1, 2.0)
#: 標準の Rosenbrock 関数 (a=1, b=100).
rosenbrock = Rosenbrock()


def reddi_gradient(t):
    r"""Reddi et al. (2018) 5 節のオンライン問題の $t$ 回目の勾配.

    $f_t(x) = 1010x$ ($t \bmod 101 = 1$), $-10x$ (それ以外),
    $x \in [-1, 1]$. 101 回の和は $1010x - 1000x = 10x$ なので,
    最適解は $x = -1$ です. 大きな勾配はまれにしか来ません.
    """
    return 1010.0 if t % 101 == 1 else -10.0


def run_online_adam(beta2, steps=10000, amsgrad=False, lr=1.0, beta1=0.9):
    r"""`reddi_gradient` の問題で Adam (AMSGrad) を回し, $x_t$ を返す.

    更新は `optimizers.Adam` と同じ式 (`eps=1e-8`) で, 学習率は
    $\mathrm{lr}/\sqrt{t}$, 更新のたびに $x$ を $[-1, 1]$ に戻します.
    `beta2` に配列を渡すと, 値ごとの軌跡を並べて一度に計算します.

    Returns
    -------
    xs : (steps, K) の配列 (`K` は `beta2` の個数)
    """
    b2 = np.atleast_1d(np.asarray(beta2, dtype=float))
    x, m, v, v_max = (np.zeros_like(b2) for _ in range(4))
    xs = np.empty((int(steps), b2.size))
    for t in range(1, int(steps) + 1):
        g = reddi_gradient(t)
        m = beta1 * m + (1.0 - beta1) * g  # m ← β₁ m + (1−β₁) g
        v = b2 * v + (1.0 - b2) * g * g  # v ← β₂ v + (1−β₂) g²
        v_max = np.maximum(v_max, v)  # AMSGrad の最大値
        m_hat = m / (1.0 - beta1**t)
        v_hat = (v_max if amsgrad else v) / (1.0 - b2**t)
        step = lr / math.sqrt(t) * m_hat / (np.sqrt(v_hat) + 1e-8)
        x = np.clip(x - step, -1.0, 1.0)  # F = [−1, 1] への射影
        xs[t - 1] = x
    return xs


def trajectory(optimizer, f, start, steps):
    """`start` から `optimizer` で `steps` 回更新した点の列.

    点は既定のデバイスに置き (`float64`), 返す前にホストへ移します.

    Returns
    -------
    path : (steps + 1, 2) の NumPy 配列 (1 行目が出発点)
    """
    p = to_device(np.asarray(start, dtype=np.float64))
    xp = get_array_module(p)
    path = xp.empty((int(steps) + 1, 2))
    path[0] = p
    params = {"p": p}
    for k in range(1, int(steps) + 1):
        optimizer.update(params, {"p": f.grad(p)})  # p はその場で動く
        path[k] = p
    return to_numpy(path)
