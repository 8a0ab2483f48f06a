"""活性化関数 (activation function) とその導関数.

どの関数も入力 ``x`` と同じ形・同じ dtype・同じデバイスの配列を返します
(``xp = get_array_module(x)``). ``<名前>_grad(x, ...)`` は導関数 dφ/dx の
値で, 逆伝播では上流の勾配にこれを要素ごとに掛けます.

- **数値の安定性**: exp には 0 以下の値しか渡しません. |x| が 1e4 までなら
  float32 でも float64 でもオーバーフローの警告や NaN は出ません.
- **折れ点での約束**: ``relu_grad(0) = 0`` (Relu 層と同じ),
  ``step_grad`` は至るところ 0 です.
- **ハイパーパラメータ** (``alpha`` など) は Python の float として
  計算するので, float32 の入力は float32 のまま返ります.
"""

from __future__ import annotations

import math

import numpy as np

from nnbook import backend
from nnbook._checks import as_real, check_axis, real_scalar
from nnbook.backend import get_array_module, get_special_module

__all__ = [
    "elu",
    "elu_grad",
    "gelu",
    "gelu_grad",
    "hard_sigmoid",
    "hard_sigmoid_grad",
    "hard_tanh",
    "hard_tanh_grad",
    "identity",
    "identity_grad",
    "leaky_relu",
    "leaky_relu_grad",
    "log_softmax",
    "prelu",
    "prelu_grad",
    "relu",
    "relu_grad",
    "rrelu",
    "rrelu_grad",
    "sigmoid",
    "sigmoid_grad",
    "softmax",
    "softplus",
    "softplus_grad",
    "step",
    "step_grad",
    "swish",
    "swish_grad",
    "tanh",
    "tanh_grad",
]


# ------------------------------------------------- ステップ関数とシグモイド


def step(x):
    """ステップ関数 h(x) = 1 (x > 0), 0 (x ≤ 0). パーセプトロンで使います.

    Parameters
    ----------
    x : (...) 配列

    Returns
    -------
    (...) x と同じ dtype の 0 と 1 の配列
    """
    x = as_real(x)
    return (x > 0).astype(x.dtype)


def step_grad(x):
    """ステップ関数の導関数. x ≠ 0 では 0 (x = 0 では定義されず 0 とする).

    勾配がどこでも 0 なので, 勾配降下法では学習が進みません.
    """
    x = as_real(x)
    return get_array_module(x).zeros_like(x)


def sigmoid(x):
    """シグモイド関数 σ(x) = 1 / (1 + exp(−x)).

    x が大きな負の数だと exp(−x) がオーバーフローするので,
    e = exp(−|x|) ∈ (0, 1] を使って書き分けます::

        x ≥ 0:  σ(x) = 1 / (1 + e)
        x < 0:  σ(x) = e / (1 + e)

    Parameters
    ----------
    x : (...) 配列

    Returns
    -------
    (...) 0 から 1 の値
    """
    x = as_real(x)
    xp = get_array_module(x)
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_grad(x):
    """σ'(x) = σ(x)(1 − σ(x)) = e / (1 + e)², e = exp(−|x|).

    右の形は x の正負に対して対称で, 大きな |x| でも桁落ちしません.
    """
    x = as_real(x)
    xp = get_array_module(x)
    e = xp.exp(-xp.abs(x))
    return e / (1 + e) ** 2


def tanh(x):
    """双曲線正接 tanh(x) = (eˣ − e⁻ˣ) / (eˣ + e⁻ˣ) = 2σ(2x) − 1."""
    x = as_real(x)
    return get_array_module(x).tanh(x)


def tanh_grad(x):
    """tanh'(x) = 1 − tanh(x)²."""
    y = tanh(x)
    return 1 - y * y


# ------------------------------------------------------------ ReLU の仲間


def relu(x):
    """ReLU (Rectified Linear Unit) max(0, x) (Nair & Hinton 2010)."""
    x = as_real(x)
    return get_array_module(x).maximum(x, 0)


def relu_grad(x):
    """ReLU の導関数 1 (x > 0), 0 (x ≤ 0).

    x = 0 では微分できないので 0 とします (Relu 層の backward と同じ).
    """
    x = as_real(x)
    return (x > 0).astype(x.dtype)


def leaky_relu(x, alpha=0.01):
    """Leaky ReLU: x (x > 0), αx (x ≤ 0) (Maas et al. 2013).

    Parameters
    ----------
    x : (...) 配列
    alpha : float, 0 以上
        負の側の傾き. 論文と PyTorch の既定値は 0.01 です.
    """
    x, alpha = as_real(x), real_scalar("alpha", alpha, low=0.0)
    return get_array_module(x).where(x > 0, x, alpha * x)


def leaky_relu_grad(x, alpha=0.01):
    """Leaky ReLU の導関数 1 (x > 0), α (x ≤ 0)."""
    x, alpha = as_real(x), real_scalar("alpha", alpha, low=0.0)
    xp = get_array_module(x)
    return xp.where(x > 0, 1.0, alpha).astype(x.dtype, copy=False)


def _prelu_alpha(x, alpha):
    """alpha を x と同じデバイス・dtype にし, x の形に放送できるか確かめる."""
    xp = get_array_module(x)
    a = xp.asarray(as_real(alpha, "alpha"), dtype=x.dtype)
    try:
        shape = np.broadcast_shapes(a.shape, x.shape)
    except ValueError:
        shape = None
    if shape != x.shape:
        raise ValueError(
            f"alpha の shape {a.shape} は x の shape {x.shape} に"
            "放送 (broadcast) できません. 例: x が (N, D) なら alpha は"
            " () か (D,)"
        )
    return a


def prelu(x, alpha):
    """PReLU (Parametric ReLU): x (x > 0), αx (x ≤ 0) (He et al. 2015).

    Leaky ReLU の傾き α を学習するパラメータにしたものです.

    Parameters
    ----------
    x : (N, D) など任意の形の配列
    alpha : float か配列
        x の形に放送できる形. 例えば (D,) ならチャネルごとの傾き.
    """
    x = as_real(x)
    a = _prelu_alpha(x, alpha)
    return get_array_module(x).where(x > 0, x, a * x)


def prelu_grad(x, alpha):
    """PReLU の x についての導関数 1 (x > 0), α (x ≤ 0).

    α についての導関数は min(x, 0) です (PRelu 層が使います).
    """
    x = as_real(x)
    a = _prelu_alpha(x, alpha)
    xp = get_array_module(x)
    return xp.where(x > 0, 1.0, a).astype(x.dtype, copy=False)


def _rrelu_slope(x, lower, upper, train, rng):
    lower = real_scalar("lower", lower, low=0.0)
    upper = real_scalar("upper", upper, low=lower)
    if not train:
        return (lower + upper) / 2
    # 傾きは x のあるデバイスで引く (GPU ならホストから送らない)
    a = backend.rng(rng, like=x).uniform(lower, upper, size=x.shape)
    return get_array_module(x).asarray(a, dtype=x.dtype)


def rrelu(x, lower=1 / 8, upper=1 / 3, train=False, rng=None):
    """RReLU (Randomized Leaky ReLU) (Xu et al. 2015).

    学習時 (``train=True``) は負の側の傾き a を要素ごとに一様分布
    U(lower, upper) から引き, テスト時はその平均 (lower + upper) / 2 を
    使います (PyTorch の ``F.rrelu`` と同じ).

    論文は NDSB コンペの設定として y = x / a, a ~ U(3, 8) とも書いており,
    そのテスト時の傾きは 1 / 5.5 ≈ 0.182 です. ここでは傾きそのものを
    U(1/8, 1/3) から引くので, テスト時の傾きは 11/48 ≈ 0.229 になります.

    Parameters
    ----------
    x : (...) 配列
    lower, upper : float, 0 ≤ lower ≤ upper
    train : bool
    rng : numpy.random.Generator か int (seed) か None
        ``train=True`` のときに使う乱数. 同じ seed を ``rrelu_grad`` にも
        渡すと, 同じ傾きで導関数が計算されます. None は毎回違う乱数.
        傾きは x のあるデバイスで引きます (GPU では CuPy の生成器なので,
        同じ seed でも CPU とは別の数になります).
    """
    x = as_real(x)
    a = _rrelu_slope(x, lower, upper, train, rng)
    return get_array_module(x).where(x > 0, x, a * x)


def rrelu_grad(x, lower=1 / 8, upper=1 / 3, train=False, rng=None):
    """RReLU の導関数 1 (x > 0), a (x ≤ 0). 引数は :func:`rrelu` と同じ."""
    x = as_real(x)
    a = _rrelu_slope(x, lower, upper, train, rng)
    xp = get_array_module(x)
    return xp.where(x > 0, 1.0, a).astype(x.dtype, copy=False)


def elu(x, alpha=1.0):
    """ELU (Exponential Linear Unit) (Clevert et al. 2016).

    φ(x) = x (x > 0), α(exp(x) − 1) (x ≤ 0).
    exp は min(x, 0) にだけ使い (オーバーフローしない), 0 付近でも
    精度を保つため exp(x) − 1 を `expm1` で計算します.

    Parameters
    ----------
    x : (...) 配列
    alpha : float, 0 以上
        x → −∞ での値 −α を決めます.
    """
    x, alpha = as_real(x), real_scalar("alpha", alpha, low=0.0)
    xp = get_array_module(x)
    return xp.where(x > 0, x, alpha * xp.expm1(xp.minimum(x, 0)))


def elu_grad(x, alpha=1.0):
    """ELU の導関数 1 (x > 0), α exp(x) (x ≤ 0)."""
    x, alpha = as_real(x), real_scalar("alpha", alpha, low=0.0)
    xp = get_array_module(x)
    slope = alpha * xp.exp(xp.minimum(x, 0))
    return xp.where(x > 0, 1.0, slope).astype(x.dtype, copy=False)


# ------------------------------------------------------- 滑らかな活性化関数


def softplus(x):
    """ソフトプラス log(1 + exp(x)) (Dugas et al. 2001). ReLU を滑らかに
    したもの.

    オーバーフローしないように max(x, 0) + log(1 + exp(−|x|)) と書き換え,
    log(1 + ·) は 0 付近でも正確な ``log1p`` で計算します.
    """
    x = as_real(x)
    xp = get_array_module(x)
    return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))


def softplus_grad(x):
    """ソフトプラスの導関数はシグモイド関数 σ(x) です."""
    return sigmoid(x)


def swish(x, beta=1.0):
    """Swish x·σ(βx) (Ramachandran et al. 2017).

    β = 1 のときは SiLU (PyTorch の ``F.silu``) と同じです.

    Parameters
    ----------
    x : (...) 配列
    beta : float
    """
    x, beta = as_real(x), real_scalar("beta", beta)
    return x * sigmoid(beta * x)


def swish_grad(x, beta=1.0):
    """Swish の導関数 σ(βx) + βx·σ'(βx)."""
    x, beta = as_real(x), real_scalar("beta", beta)
    return sigmoid(beta * x) + beta * x * sigmoid_grad(beta * x)


_GELU_C = math.sqrt(2 / math.pi)  # tanh 近似の係数 √(2/π)
_GELU_K = 0.044715  # tanh 近似の 3 次の係数


def gelu(x, approximate=False):
    """GELU (Gaussian Error Linear Unit) (Hendrycks & Gimpel 2016).

    厳密な形 (`approximate=False`): 標準正規分布の累積分布関数 Φ で

        GELU(x) = x Φ(x) = x (1 + erf(x / √2)) / 2

    近似 (`approximate=True`, 論文の tanh 近似, PyTorch の
    `approximate="tanh"`):

        GELU(x) ≈ x (1 + tanh(√(2/π) (x + 0.044715 x³))) / 2

    NumPy には erf が無いので, CPU では `scipy.special.erf`, GPU では
    `cupyx.scipy.special.erf` を使います (`get_special_module`).
    """
    x = as_real(x)
    xp = get_array_module(x)
    if approximate:
        u = _GELU_C * (x + _GELU_K * x**3)
        return 0.5 * x * (1 + xp.tanh(u))
    erf = get_special_module(x).erf
    return 0.5 * x * (1 + erf(x / math.sqrt(2)))


def gelu_grad(x, approximate=False):
    """GELU の導関数.

    厳密な形: Φ(x) + x φ(x), φ(x) = exp(−x²/2) / √(2π) (正規分布の密度).
    tanh 近似: u = √(2/π)(x + 0.044715x³), t = tanh(u) として
    (1 + t) / 2 + x (1 − t²) √(2/π) (1 + 3·0.044715x²) / 2.
    """
    x = as_real(x)
    xp = get_array_module(x)
    if approximate:
        t = xp.tanh(_GELU_C * (x + _GELU_K * x**3))
        du = _GELU_C * (1 + 3 * _GELU_K * x**2)
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du
    erf = get_special_module(x).erf
    cdf = 0.5 * (1 + erf(x / math.sqrt(2)))
    pdf = xp.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
    return cdf + x * pdf


# ------------------------------------------------ 区分線形 (hard) な近似


def hard_sigmoid(x):
    """ハードシグモイド clip(x/4 + 1/2, 0, 1).

    傾き 1/4 は原点での σ'(0) に合わせたものです. PyTorch の
    `F.hardsigmoid` は clip(x/6 + 1/2, 0, 1) (傾き 1/6) で, 形が違う
    ので注意してください (hard_sigmoid(x) = F.hardsigmoid(1.5x)).
    """
    x = as_real(x)
    return get_array_module(x).clip(0.25 * x + 0.5, 0, 1)


def hard_sigmoid_grad(x):
    """ハードシグモイドの導関数 1/4 (−2 < x < 2), 0 (それ以外)."""
    x = as_real(x)
    return (0.25 * ((-2 < x) & (x < 2))).astype(x.dtype, copy=False)


def hard_tanh(x):
    """ハード tanh clip(x, −1, 1) (PyTorch の ``F.hardtanh`` と同じ)."""
    x = as_real(x)
    return get_array_module(x).clip(x, -1, 1)


def hard_tanh_grad(x):
    """ハード tanh の導関数 1 (−1 < x < 1), 0 (それ以外)."""
    x = as_real(x)
    return ((-1 < x) & (x < 1)).astype(x.dtype)


def identity(x):
    """恒等関数 x (回帰の出力層で使います)."""
    return as_real(x)


def identity_grad(x):
    """恒等関数の導関数 1."""
    x = as_real(x)
    return get_array_module(x).ones_like(x)


# ------------------------------------------------------------ ソフトマックス


def softmax(x, axis=-1):
    """ソフトマックス関数 yₖ = exp(xₖ) / Σⱼ exp(xⱼ) (axis に沿って).

    分子と分母に同じ exp(−max x) を掛けても値は変わらないので, 最大値を
    引いてから exp を取ります. exp の引数は 0 以下になり, オーバーフロー
    しません.

    Parameters
    ----------
    x : (N, C) など. axis の方向が分類のクラス
    axis : int

    Returns
    -------
    x と同じ形. axis に沿った和は 1
    """
    x = as_real(x)
    check_axis(x, axis)
    xp = get_array_module(x)
    e = xp.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(x, axis=-1):
    """log softmax(x) = z − log Σⱼ exp(zⱼ), z = x − max x.

    softmax の対数を直接計算します. log(softmax(x)) と違い, 確率が
    0 に丸められても −inf になりません (交差エントロピー誤差で使います).
    """
    x = as_real(x)
    check_axis(x, axis)
    xp = get_array_module(x)
    z = x - x.max(axis=axis, keepdims=True)
    return z - xp.log(xp.exp(z).sum(axis=axis, keepdims=True))
