"""勾配確認 (gradient check): 逆伝播の勾配を数値微分と比べる.

誤差逆伝播法の実装は間違えやすいので, 遅いが確実な数値微分
(中心差分) と比べて確かめます::

    ∂f/∂xᵢ ≈ (f(x + h eᵢ) − f(x − h eᵢ)) / 2h

- 差分は float64 で, ホスト上 (Python の float) で計算します. CuPy の
  配列を渡しても結果は同じデバイスの配列で返ります.
- x はその場で一時的に書き換えて元に戻します. そのため層やモデルが
  参照を持っているパラメータ (``layer.params["W"]``) にもそのまま使え
  ます. 配列は float64 でなければなりません (float32 では h = 1e-6 の
  差が丸めで消えてしまいます).
- 層の確認では上流の勾配 dout を乱数にし, f = Σ forward(x) · dout の
  勾配と backward(dout) を比べます (Chainer の ``check_backward`` と同じ
  考え方). dout がすべて 1 だと見逃す誤りも見つかります.
"""

from __future__ import annotations

import copy
import inspect

import numpy as np

from nnbook import backend
from nnbook._checks import require_float64
from nnbook.backend import get_array_module, to_numpy

__all__ = [
    "check_gradient",
    "check_layer",
    "check_model",
    "max_relative_error",
    "numerical_gradient",
]


def _scalar_value(value):
    """f の戻り値 (Python の数, 0 次元配列, 要素 1 個の配列) を float に."""
    size = getattr(value, "size", 1)
    if size != 1:
        raise ValueError(
            "f はスカラー (損失の値など) を返す関数にしてください "
            f"(戻り値の shape: {getattr(value, 'shape', None)})"
        )
    return float(value.item() if hasattr(value, "item") else value)


def numerical_gradient(f, x, eps=1e-6):
    """中心差分による f の x についての勾配.

    Parameters
    ----------
    f : callable
        ``f(x)`` がスカラーを返す関数. x を引数として使っても, 引数を
        無視して x を参照している層やモデルを計算してもかまいません.
    x : float64 の配列, 任意の形
        一時的にその場で書き換え, 最後に元の値に戻します.
    eps : float
        差分の幅 h.

    Returns
    -------
    x と同じ形・同じデバイスの float64 配列
    """
    require_float64(x, "x")
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = float(x[i])
        x[i] = old + eps
        f_plus = _scalar_value(f(x))
        x[i] = old - eps
        f_minus = _scalar_value(f(x))
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return get_array_module(x).asarray(grad)


def max_relative_error(a, b, floor=0.0):
    """二つの勾配の相対誤差 max|a − b| / max(max|a|, max|b|, floor).

    要素ごとの |a − b| / |a| は, 真の値が 0 に近い要素で数値微分の丸め
    誤差 (およそ 1e-10) を大きく拡大してしまいます. そこで分母には勾配
    全体の大きさ (最大値ノルム) を使います. 勾配全体がほぼ 0 のとき
    (BatchNorm の直前のバイアスなど) のために, 分母の下限 ``floor`` を
    指定できます. 分母が 0 なら 0 を返します.
    """
    a = to_numpy(a).astype(np.float64)
    b = to_numpy(b).astype(np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shape が違います: {a.shape} と {b.shape}")
    if a.size == 0:
        return 0.0
    scale = max(np.abs(a).max(), np.abs(b).max(), floor)
    return float(np.abs(a - b).max() / scale) if scale > 0 else 0.0


def check_gradient(f, x, analytic, eps=1e-6, tol=1e-6):
    """解析的な勾配 ``analytic`` を数値微分と比べ, 相対誤差を返す.

    相対誤差が ``tol`` を超えたら AssertionError を出します (表示する
    だけでは間違いを見逃すので).

    Parameters
    ----------
    f : callable, ``f(x)`` はスカラー
    x : float64 の配列
    analytic : x と同じ形の配列 (逆伝播で求めた ∂f/∂x)
    """
    error = max_relative_error(analytic, numerical_gradient(f, x, eps))
    if not error <= tol:
        raise AssertionError(
            f"勾配が数値微分と一致しません: 相対誤差 {error:.2e} > {tol:.0e}"
        )
    return error


def _float64_copy(x):
    xp = get_array_module(x)
    return xp.array(x, dtype=xp.float64)


def check_layer(layer, x, t=None, train=True, seed=0, eps=1e-6, detail=False):
    """層の backward を数値微分で確かめ, 最大の相対誤差を返す.

    入力 x の勾配と, ``layer.params`` のすべてのパラメータの勾配
    (``layer.grads``) を調べます. 層は次の約束に従っているものとします:
    ``params``/``grads`` の辞書, ``forward(x, train=True)``,
    ``backward(dout) -> dx``. 渡した層はコピーしてから調べるので,
    BatchNorm の移動平均なども変わりません.

    Parameters
    ----------
    layer : 層のオブジェクト. パラメータは float64 にしてください
    x : (N, ...) 入力. float64 のコピーで調べます
    t : 教師データ, 省略可
        与えると損失の層とみなし, ``forward(x, t)`` (スカラー) と
        ``backward(1.0)`` を調べます (SoftmaxWithLoss など).
    train : bool
        ``forward`` に渡す値. Dropout のように forward のたびに乱数が
        変わる層は, 乱数を固定するか ``train=False`` で調べてください.
    seed : int
        上流の勾配 dout を作る乱数の seed.
    detail : bool
        True なら ``{"x": 誤差, "W": 誤差, ...}`` の辞書を返します.

    Returns
    -------
    float (detail=True なら dict)
        最大の相対誤差 (:func:`max_relative_error`). 1e-6 程度以下なら
        正しいと考えられます.
    """
    layer = copy.deepcopy(layer)
    params = getattr(layer, "params", {})
    for name, p in params.items():
        require_float64(p, f"layer.params[{name!r}]")
    x = _float64_copy(x)

    if t is None:
        y = layer.forward(x, train=train)
        xp = get_array_module(y)
        dout = xp.asarray(backend.rng(seed).standard_normal(y.shape))
        dout_before = dout.copy()
        dx = layer.backward(dout)
        if not bool((dout == dout_before).all()):
            raise AssertionError("backward が dout をその場で書き換えました")

        def f(_):
            return (layer.forward(x, train=train) * dout).sum()
    else:
        layer.forward(x, t)
        dx = layer.backward(1.0)

        def f(_):
            return layer.forward(x, t)

    analytic = {"x": _float64_copy(dx)}
    analytic.update({k: _float64_copy(layer.grads[k]) for k in params})
    targets = {"x": x, **params}
    errors = {
        k: max_relative_error(analytic[k], numerical_gradient(f, v, eps))
        for k, v in targets.items()
    }
    return errors if detail else max(errors.values())


def check_model(model, x, t, eps=1e-6, detail=False):
    """モデルの ``gradient(x, t)`` を数値微分で確かめ, 最大の相対誤差を返す.

    モデルは ``params`` の辞書, ``loss(x, t)`` (スカラー),
    ``gradient(x, t)`` (``params`` と同じキーの勾配の辞書) を持つものと
    します. ``loss`` が ``train`` 引数を取るなら ``train=True`` で呼び,
    ``gradient`` と同じ訓練時の損失 (BatchNorm はバッチの統計) を
    微分します. パラメータは float64 にし, Dropout などの乱数は止めてから
    調べてください. 渡したモデルはコピーしてから調べます.

    真の勾配が 0 のパラメータ (BatchNorm の直前のバイアス) では, 相対
    誤差が丸め誤差どうしの比になってしまいます. そこで分母の下限を
    モデル全体で最大の勾配の 1/1000 にします.

    Returns
    -------
    float (detail=True なら パラメータ名 → 誤差 の dict)
    """
    model = copy.deepcopy(model)
    for name, p in model.params.items():
        require_float64(p, f"model.params[{name!r}]")
    grads = model.gradient(x, t)
    missing = set(model.params) - set(grads)
    if missing:
        raise AssertionError(f"gradient() に無いパラメータ: {sorted(missing)}")
    analytic = {k: _float64_copy(grads[k]) for k in model.params}

    takes_train = "train" in inspect.signature(model.loss).parameters
    kwargs = {"train": True} if takes_train else {}

    def f(_):
        return model.loss(x, t, **kwargs)

    floor = 1e-3 * max(float(np.abs(g).max()) for g in analytic.values())
    errors = {
        k: max_relative_error(
            analytic[k], numerical_gradient(f, p, eps), floor
        )
        for k, p in model.params.items()
    }
    return errors if detail else max(errors.values())
