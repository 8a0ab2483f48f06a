"""重みの初期値 (weight initialization).

重み ``W`` は形 ``(n_in, n_out)`` (入力 ``x : (N, n_in)`` に ``x @ W``
として掛ける向き) で作ります. 乱数はいつもホスト側の
``numpy.random.Generator`` で作ってから既定のデバイスへ移すので
(:func:`nnbook.backend.to_device`), CPU でも GPU でも同じ初期値から
学習が始まります.

どの式がどの論文のものか:

- Glorot & Bengio (2010) の「正規化された初期化」(論文の式 (16)) は
  一様分布 ``U[-a, a]``, ``a = sqrt(6 / (n_in + n_out))`` で,
  分散は ``2 / (n_in + n_out)`` です (:func:`xavier_uniform`).
  同じ分散の正規分布 (:func:`xavier_normal`) は論文にはなく,
  後のライブラリ (``torch.nn.init.xavier_normal_`` など) の変種です.
- 分散 ``1 / n_in`` (:func:`xavier_simple`) は, 同じ論文の順伝播だけを
  考えた条件 ``n_in Var[W] = 1`` です. 「ゼロから作るDeep Learning」は
  これを「Xavier の初期値」と呼んでいます.
- He et al. (2015) の論文の式は, 平均 0, 標準偏差 ``sqrt(2 / n_in)``
  の正規分布です (:func:`he_normal`). 同じ分散の一様分布
  (:func:`he_uniform`, ``a = sqrt(6 / n_in)``) は
  ``torch.nn.init.kaiming_uniform_`` と同じ変種で, 論文にはありません.
- PyTorch の ``nn.Linear`` の既定の初期値 (:func:`torch_default`) は
  ``kaiming_uniform_(W, a=sqrt(5))`` で, これは
  ``U[-1/sqrt(n_in), 1/sqrt(n_in)]``, 分散 ``1 / (3 n_in)`` です.
  Xavier でも He でもありません.

:func:`propagate` は, 重みを乱数で決めた全結合層を何層も重ねて
データを通し, 各層の出力 (活性) を返します. 初期値の大きさで活性が
消えたり爆発したりする様子を調べるのに使います.
"""

from __future__ import annotations

import math

import numpy as np

from nnbook import backend
from nnbook._checks import check_fans, check_propagate

__all__ = [
    "INITIALIZERS",
    "get",
    "he_normal",
    "he_uniform",
    "normal",
    "propagate",
    "torch_default",
    "xavier_normal",
    "xavier_simple",
    "xavier_uniform",
    "zeros",
]


def _finish(w: np.ndarray, dtype):
    """ホストの float64 配列を dtype にして既定のデバイスへ移す."""
    return backend.to_device(w.astype(dtype, copy=False))


def normal(n_in, n_out, std=0.01, rng=0, dtype=np.float32):
    """平均 0, 標準偏差 ``std`` の正規分布: ``W ~ N(0, std²)``.

    Parameters
    ----------
    n_in, n_out : int
        入力と出力の次元. 返す ``W`` の形は ``(n_in, n_out)``.
    std : float
        標準偏差.
    rng : int or numpy.random.Generator
        乱数の種かホスト側の生成器.
    dtype : 浮動小数点の型

    Returns
    -------
    W : (n_in, n_out) 既定のデバイスの配列
    """
    check_fans(n_in, n_out)
    if not std >= 0:
        raise ValueError(f"std は 0 以上です (受け取った値: {std!r})")
    gen = backend.rng(rng)
    return _finish(std * gen.standard_normal((n_in, n_out)), dtype)


def _uniform(n_in, n_out, limit, rng, dtype):
    gen = backend.rng(rng)
    return _finish(gen.uniform(-limit, limit, (n_in, n_out)), dtype)


def xavier_uniform(n_in, n_out, rng=0, dtype=np.float32):
    """Glorot & Bengio (2010) の式 (16): `U[-a, a]`.

    `a = sqrt(6 / (n_in + n_out))`, 分散 `a² / 3 = 2 / (n_in + n_out)`.
    順伝播の分散を保つ条件 `n_in Var[W] = 1` と逆伝播の条件
    `n_out Var[W] = 1` の折り合いです. 論文の式そのものです.
    """
    check_fans(n_in, n_out)
    return _uniform(n_in, n_out, math.sqrt(6.0 / (n_in + n_out)), rng, dtype)


def xavier_normal(n_in, n_out, rng=0, dtype=np.float32):
    """分散 ``2 / (n_in + n_out)`` の正規分布.

    Glorot & Bengio (2010) と同じ分散を正規分布で与える変種です
    (論文の式は一様分布. ``torch.nn.init.xavier_normal_`` と同じ).
    """
    check_fans(n_in, n_out)
    std = math.sqrt(2.0 / (n_in + n_out))
    return normal(n_in, n_out, std=std, rng=rng, dtype=dtype)


def xavier_simple(n_in, n_out, rng=0, dtype=np.float32):
    """分散 ``1 / n_in`` の正規分布 (簡略版の Xavier).

    Glorot & Bengio (2010) の順伝播の条件 ``n_in Var[W] = 1`` だけを
    満たす形で, 「ゼロから作るDeep Learning」の「Xavier の初期値」
    (標準偏差 ``1 / sqrt(n_in)``) です.
    """
    check_fans(n_in, n_out)
    std = math.sqrt(1.0 / n_in)
    return normal(n_in, n_out, std=std, rng=rng, dtype=dtype)


def he_normal(n_in, n_out, rng=0, dtype=np.float32):
    """He et al. (2015) の初期値: `N(0, 2 / n_in)`. 論文の式です.

    ReLU は入力の半分を 0 にするので, 分散を保つには Xavier の
    `1 / n_in` の 2 倍が要る, という導き方です.
    """
    check_fans(n_in, n_out)
    std = math.sqrt(2.0 / n_in)
    return normal(n_in, n_out, std=std, rng=rng, dtype=dtype)


def he_uniform(n_in, n_out, rng=0, dtype=np.float32):
    """分散 ``2 / n_in`` の一様分布 ``U[-a, a]``, ``a = sqrt(6 / n_in)``.

    He et al. (2015) と同じ分散の一様分布版
    (``torch.nn.init.kaiming_uniform_`` と同じ. 論文の式は正規分布).
    """
    check_fans(n_in, n_out)
    return _uniform(n_in, n_out, math.sqrt(6.0 / n_in), rng, dtype)


def torch_default(n_in, n_out, rng=0, dtype=np.float32):
    r"""PyTorch の ``nn.Linear`` の既定の重み (一様分布).

    $W \sim U[-a, a]$, $a = 1/\sqrt{n_{in}}$.
    ``nn.Linear.reset_parameters`` は ``kaiming_uniform_(W, a=sqrt(5))``
    を呼びます. 利得 (gain) が $\sqrt{2 / (1 + a^2)} = \sqrt{1/3}$ に
    なるので, 範囲は $\sqrt{3} \cdot \sqrt{1/3} / \sqrt{n_{in}}
    = 1/\sqrt{n_{in}}$, 分散は $1 / (3 n_{in})$ です (He の 1/6).
    バイアスも同じ範囲の一様分布ですが, nnbook のバイアスは 0 です.
    """
    check_fans(n_in, n_out)
    return _uniform(n_in, n_out, 1.0 / math.sqrt(n_in), rng, dtype)


def zeros(shape, dtype=np.float32):
    """0 で埋めた配列を既定のデバイスに作る (バイアスの初期値)."""
    return backend.xp_for_device().zeros(shape, dtype=dtype)


#: 名前で選べる初期値. :func:`get` と ``MLP(init=...)`` が使います.
INITIALIZERS = {
    "he": he_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "xavier": xavier_normal,
    "xavier_normal": xavier_normal,
    "xavier_uniform": xavier_uniform,
    "xavier_simple": xavier_simple,
    "glorot": xavier_normal,
    "glorot_normal": xavier_normal,
    "glorot_uniform": xavier_uniform,
    "torch_default": torch_default,
}


def get(init):
    """名前か数値から初期値の関数 ``f(n_in, n_out, rng, dtype)`` を返す.

    Parameters
    ----------
    init : str, float or callable
        ``INITIALIZERS`` のキー (``"he"``, ``"xavier"`` など), 正の数なら
        その標準偏差の :func:`normal`, 関数ならそのまま.
    """
    if callable(init):
        return init
    if isinstance(init, str):
        key = init.strip().lower()
        if key not in INITIALIZERS:
            names = ", ".join(sorted(INITIALIZERS))
            raise ValueError(
                f"未知の初期値 {init!r} です. 使える名前: {names}. "
                "数値を渡すとその標準偏差の正規分布になります"
            )
        return INITIALIZERS[key]
    if isinstance(init, (int, float)) and not isinstance(init, bool):
        if not init > 0:
            raise ValueError(
                f"初期値の標準偏差は正の数です (受け取った値: {init!r})"
            )
        std = float(init)

        def fixed_std(n_in, n_out, rng=0, dtype=np.float32):
            return normal(n_in, n_out, std=std, rng=rng, dtype=dtype)

        return fixed_std
    raise TypeError(
        f"init は名前 (str), 標準偏差 (float) か関数です "
        f"(受け取った型: {type(init).__name__})"
    )


def propagate(x, n_layers, init, activation, width=None, seed=0):
    r"""重みを乱数で決めた全結合層を `n_layers` 層重ね, 各層の活性を返す.

    第 $l$ 層は $h_l = f(h_{l-1} W_l)$ ($h_0 = x$, バイアスは 0) です.
    $W_l$ は `init` (`get` に渡せるもの: 名前, 標準偏差, 関数)
    で作ります. 初期値の大きさで活性が層ごとに縮むか, 保たれるか,
    膨らむかを調べるための関数で, 学習はしません.

    Parameters
    ----------
    x : (N, D) 入力 (デバイスと型を引き継ぐ)
    n_layers : int
    init : str, float or callable
    activation : callable  `f(z)` (例: `nnbook.activations.tanh`)
    width : int, optional  各層のユニット数 (省くと D)
    seed : int  重みの乱数の種 (同じ種なら同じ重み)

    Returns
    -------
    list of (N, width) arrays  第 1 層から第 `n_layers` 層の活性
    """
    check_propagate(x, n_layers, activation)
    init_fn = get(init)
    gen = backend.rng(seed)
    width = x.shape[1] if width is None else width
    h, outs = x, []
    for _ in range(n_layers):
        W = init_fn(h.shape[1], width, rng=gen, dtype=x.dtype)
        h = activation(h @ backend.to_device_of(W, h))  # W を x のデバイスへ
        outs.append(h)
    return outs
