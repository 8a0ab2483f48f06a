r"""微分の近似と勾配降下法 (第 4 章).

- :func:`numerical_diff` は 1 変数関数の微分を差分で近似します
  (前進差分と中心差分). 入力の型 (float32 か float64) のまま計算する
  ので, 丸め誤差が差分の幅 $h$ とともにどう変わるかを調べられます.
  多変数の勾配は :func:`nnbook.gradcheck.numerical_gradient` を使います.
- :func:`gradient_descent` は勾配降下法
  $\boldsymbol{x}_{k+1} = \boldsymbol{x}_k - \eta \nabla f(\boldsymbol{x}_k)$
  を決まった回数だけ繰り返し, 通った点の列を返します. 2 変数の
  テスト関数 (`nnbook.objectives`) の ``f.grad`` をそのまま渡せます.
"""

from __future__ import annotations

import numbers

import numpy as np

from nnbook._checks import check_choice, check_positive
from nnbook.backend import get_array_module

__all__ = ["METHODS", "gradient_descent", "numerical_diff"]

#: :func:`numerical_diff` の ``method`` に使える名前.
METHODS = ("central", "forward")


def numerical_diff(f, x, h=1e-4, method="central"):
    r"""1 変数関数 f の x での微分を差分で近似する.

    - 前進差分: $\dfrac{f(x + h) - f(x)}{h}$ (誤差は $O(h)$)
    - 中心差分: $\dfrac{f(x + h) - f(x - h)}{2h}$ (誤差は $O(h^2)$)

    $h$ は x と同じ型に変換してから使います. x が float32 なら
    $x \pm h$ も $f$ の値も float32 で計算されるので, 丸め誤差の
    大きさを型ごとに比べられます.

    Parameters
    ----------
    f : callable
        1 変数関数. 配列を渡せば要素ごとに計算するもの (`np.sin` など).
    x : float または配列
        微分する点. 配列なら要素ごとの微分を返します.
    h : float
        差分の幅 (正の数).
    method : {"central", "forward"}

    Returns
    -------
    x と同じ型の値
    """
    check_positive("差分の幅 h", h)
    check_choice("method", method, METHODS)
    xp = get_array_module(x)
    x = xp.asarray(x)
    h = x.dtype.type(h) if x.dtype.kind == "f" else h
    if method == "forward":
        return (f(x + h) - f(x)) / h
    return (f(x + h) - f(x - h)) / (2 * h)


def _learning_rates(lr, steps):
    """lr (数か, 長さ steps 以上の数の列) を k 回目の学習率の list にする."""
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral):
        raise TypeError(f"steps は整数です (受け取った値: {steps!r})")
    if steps < 0:
        raise ValueError(f"steps は 0 以上です (受け取った値: {steps!r})")
    rates = [lr] * steps if isinstance(lr, numbers.Number) else list(lr)
    for r in rates[:steps]:
        if isinstance(r, bool) or not isinstance(r, numbers.Real) or r < 0:
            raise ValueError(
                f"学習率 lr は 0 以上の数です (受け取った値: {r!r})"
            )
    if len(rates) < steps:
        raise ValueError(
            f"学習率の列 lr は長さ {steps} 以上です (長さ {len(rates)})"
        )
    return [float(r) for r in rates[:steps]]


def gradient_descent(grad, x0, lr, steps):
    r"""勾配降下法を `steps` 回行い, 通った点をすべて返す.

    $$\boldsymbol{x}_{k+1} = \boldsymbol{x}_k - \eta_k\,
    \nabla f(\boldsymbol{x}_k) \qquad (k = 0, 1, \dots)$$

    途中で値が発散しても止めません (発散の様子も見たいので).
    オーバーフローした点は inf や nan になります.

    Parameters
    ----------
    grad : callable
        `grad(x)` が x と同じ形の勾配 $\nabla f(\boldsymbol{x})$ を
        返す関数.
    x0 : float または配列
        出発点. 整数なら float64 にします.
    lr : float または float の列
        学習率 $\eta$ (0 以上). 列なら k 回目に `lr[k]` を使います.
    steps : int
        更新の回数.

    Returns
    -------
    (steps + 1, *x0.shape) の配列
        0 番目が x0, k 番目が k 回更新した点. x0 と同じデバイス.
    """
    rates = _learning_rates(lr, steps)  # k 回目の学習率 η_k
    xp = get_array_module(x0)
    x = xp.asarray(x0)
    if x.dtype.kind != "f":
        x = x.astype(xp.float64)
    path = xp.empty((steps + 1, *x.shape), dtype=x.dtype)
    path[0] = x
    with np.errstate(over="ignore", invalid="ignore"):  # 発散しても警告なし
        for k in range(steps):
            x = x - rates[k] * grad(x)  # x ← x − η_k ∇f(x)
            path[k + 1] = x
    return path
