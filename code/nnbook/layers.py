"""層 (layers): 順伝播 ``forward`` と逆伝播 ``backward`` の組.

どの層も次の約束を守ります.

- ``params`` と ``grads`` は同じキーの辞書 (パラメータのない層は空).
  層はパラメータの配列そのものを参照するので, 最適化手法が
  ``params`` をその場で更新すると層の重みも変わります.
- ``forward(x, train=True)`` は出力を返し, 逆伝播に要る値を覚えます.
  ``train`` は訓練時か推論時かで振る舞いが変わる層
  (:class:`Dropout`, :class:`BatchNorm`) だけが使います.
- ``backward(dout)`` は上流から来た勾配 ``dout = ∂L/∂out`` を受け取り,
  ``dx = ∂L/∂x`` を返し, パラメータの勾配を ``grads`` に入れます.
  ``dout`` をその場で書き換えることはしません.
- 計算は入力のデバイスで行います (``xp = get_array_module(x)``).
  パラメータを持つ層は, 別のデバイスの入力 (GPU の層に NumPy 配列など)
  を自分のパラメータのデバイスへ移してから計算します.

形は ``x : (N, D)`` (N はバッチの大きさ) が基本です.
"""

from __future__ import annotations

import numpy as np

from nnbook import activations, losses
from nnbook._checks import (
    check_batch_size,
    check_dropout_ratio,
    check_features,
    check_maxout,
    check_ndim,
    check_norm_params,
    check_prelu_alpha,
)
from nnbook.backend import get_array_module, is_gpu_array, to_device_of
from nnbook.backend import rng as make_rng

__all__ = [
    "Affine",
    "BatchNorm",
    "Dropout",
    "Elu",
    "Gelu",
    "Layer",
    "LayerNorm",
    "LeakyRelu",
    "Linear",
    "Maxout",
    "PRelu",
    "Relu",
    "Sigmoid",
    "Softmax",
    "SoftmaxWithLoss",
    "Swish",
    "Tanh",
]


class Layer:
    """層の基底クラス. ``params``/``grads`` は空の辞書から始まります."""

    def __init__(self):
        self.params: dict = {}
        self.grads: dict = {}
        self._cache = None

    def __call__(self, x, train=True):
        return self.forward(x, train)

    def __repr__(self):
        shapes = ", ".join(f"{k}={v.shape}" for k, v in self.params.items())
        return f"{type(self).__name__}({shapes})"

    def _on_my_device(self, x):
        """x をパラメータと同じデバイスへ移す (同じなら何もしない)."""
        for p in self.params.values():
            return to_device_of(x, p)
        return x

    def _saved(self):
        """forward で覚えた値. forward 前に backward を呼ぶとエラー."""
        if self._cache is None:
            raise RuntimeError(
                f"{type(self).__name__}.backward の前に forward を"
                "呼んでください"
            )
        return self._cache


# ---------------------------------------------------------------- 全結合層


class Affine(Layer):
    r"""全結合層 (Affine / Linear): ``out = x W + b``.

    Parameters
    ----------
    W : (D, M) 重み
    b : (M,) バイアス

    ``x`` が 3 次元以上 (画像など) なら ``(N, D)`` に平らにしてから
    掛け, ``dx`` は元の形で返します. 逆伝播は

    $$\frac{\partial L}{\partial W} = x^\top \mathrm{dout}, \quad
    \frac{\partial L}{\partial b} = \sum_n \mathrm{dout}_n, \quad
    \frac{\partial L}{\partial x} = \mathrm{dout}\, W^\top$$
    """

    def __init__(self, W, b):
        super().__init__()
        if W.ndim != 2 or b.shape != (W.shape[1],):
            raise ValueError(
                f"W は (D, M), b は (M,) の形です "
                f"(受け取った形: W {W.shape}, b {b.shape})"
            )
        self.params = {"W": W, "b": b}

    def forward(self, x, train=True):
        W, b = self.params["W"], self.params["b"]
        x = self._on_my_device(x)
        if x.ndim < 2:
            check_ndim("Affine", x)
        x2 = x.reshape(x.shape[0], -1) if x.ndim > 2 else x
        if x2.shape[1] != W.shape[0]:
            raise ValueError(
                f"Affine: 入力の次元 {x2.shape[1]} が W の行数 "
                f"{W.shape[0]} と合いません (x の形 {x.shape}, "
                f"W の形 {W.shape})"
            )
        self._cache = (x2, x.shape)
        out = x2 @ W
        out += b  # 新しい配列 out にその場で足す (一時配列を作らない)
        return out

    def backward(self, dout, need_dx=True):
        """`need_dx=False` なら `dx` を計算せず None を返す (入力層)."""
        x2, x_shape = self._saved()
        dout = self._on_my_device(dout)
        self.grads["W"] = x2.T @ dout
        self.grads["b"] = dout.sum(axis=0)
        if not need_dx:
            return None
        return (dout @ self.params["W"].T).reshape(x_shape)


#: PyTorch の名前 (``torch.nn.Linear``) での別名.
Linear = Affine


# ------------------------------------------------------------- 活性化の層


class Sigmoid(Layer):
    """シグモイド関数の層: `y = σ(x)`, `dx = dout · y (1 − y)`."""

    def forward(self, x, train=True):
        y = activations.sigmoid(x)
        self._cache = y
        return y

    def backward(self, dout):
        y = self._saved()
        return dout * y * (1.0 - y)


class Tanh(Layer):
    """tanh の層: ``y = tanh(x)``, ``dx = dout · (1 − y²)``."""

    def forward(self, x, train=True):
        y = activations.tanh(x)
        self._cache = y
        return y

    def backward(self, dout):
        y = self._saved()
        return dout * (1.0 - y * y)


class Relu(Layer):
    """ReLU の層: `y = max(0, x)`, `dx = dout · [x > 0]`.

    `x = 0` での勾配は 0 とします (`nnbook.activations.relu_grad`
    や PyTorch と同じ).
    """

    def forward(self, x, train=True):
        self._cache = x > 0  # 逆伝播で勾配を通す位置
        return activations.relu(x)

    def backward(self, dout):
        mask = self._saved()
        return dout * mask  # 新しい配列を返す (dout は書き換えない)


class LeakyRelu(Layer):
    """Leaky ReLU の層: ``y = x (x > 0), αx (x ≤ 0)`` (Maas et al. 2013)."""

    def __init__(self, alpha=0.01):
        super().__init__()
        self.alpha = alpha

    def forward(self, x, train=True):
        self._cache = x
        return activations.leaky_relu(x, self.alpha)

    def backward(self, dout):
        return dout * activations.leaky_relu_grad(self._saved(), self.alpha)


class PRelu(Layer):
    r"""PReLU の層 (He et al. 2015): 傾き `alpha` も学習する Leaky ReLU.

    $y = \max(0, x) + \alpha \min(0, x)$,
    $\partial L / \partial \alpha = \sum \mathrm{dout} \cdot \min(0, x)$.

    Parameters
    ----------
    alpha : (D,) or (1,) 配列
        負の側の傾き. `(D,)` なら最後の軸の各要素 (ユニット) ごと,
        `(1,)` なら全要素で共通 (`torch.nn.PReLU(num_parameters)`
        と同じ). 論文の初期値は 0.25 です.
    """

    def __init__(self, alpha):
        super().__init__()
        check_prelu_alpha(alpha)
        self.params = {"alpha": alpha}

    def forward(self, x, train=True):
        x, alpha = self._on_my_device(x), self.params["alpha"]
        check_prelu_alpha(alpha, x)
        self._cache = x
        return activations.prelu(x, alpha)

    def backward(self, dout):
        dout = self._on_my_device(dout)
        xp = get_array_module(dout)
        x, alpha = self._saved(), self.params["alpha"]
        dalpha = (dout * xp.minimum(x, 0)).reshape(-1, x.shape[-1]).sum(0)
        self.grads["alpha"] = (
            dalpha if alpha.shape[0] > 1 else dalpha.sum(keepdims=True)
        )
        return dout * activations.prelu_grad(x, alpha)


class Elu(Layer):
    """ELU の層 (Clevert et al. 2016): ``y = x (x > 0), α(eˣ − 1)``."""

    def __init__(self, alpha=1.0):
        super().__init__()
        self.alpha = alpha

    def forward(self, x, train=True):
        self._cache = x
        return activations.elu(x, self.alpha)

    def backward(self, dout):
        return dout * activations.elu_grad(self._saved(), self.alpha)


class Swish(Layer):
    """Swish の層 (Ramachandran et al. 2017): ``y = x σ(βx)`` (β は固定)."""

    def __init__(self, beta=1.0):
        super().__init__()
        self.beta = beta

    def forward(self, x, train=True):
        self._cache = x
        return activations.swish(x, self.beta)

    def backward(self, dout):
        return dout * activations.swish_grad(self._saved(), self.beta)


class Gelu(Layer):
    """GELU の層 (Hendrycks & Gimpel 2016): ``y = x Φ(x)``.

    ``approximate=True`` なら tanh による近似式 (``torch.nn.GELU``
    の ``approximate="tanh"`` と同じ).
    """

    def __init__(self, approximate=False):
        super().__init__()
        self.approximate = approximate

    def forward(self, x, train=True):
        self._cache = x
        return activations.gelu(x, approximate=self.approximate)

    def backward(self, dout):
        x = self._saved()
        return dout * activations.gelu_grad(x, approximate=self.approximate)


class Maxout(Layer):
    r"""Maxout の層 (Goodfellow et al. 2013): k 個のアフィン変換の最大値.

    $z_{nji} = \sum_d x_{nd} W_{d,\,jM+i} + b_{jM+i}$,
    $\mathrm{out}_{ni} = \max_{j < k} z_{nji}$ (出力は (N, M)).
    逆伝播では最大を取った変換 (同点なら番号の小さいほう) にだけ勾配が
    流れます.

    Parameters
    ----------
    W, b : (D, k·M) と (k·M,) の配列
        重みとバイアス. 列 $jM, \dots, (j+1)M - 1$ が j 番目の変換
        (一度の行列積で k 個をまとめて計算できる並べ方).
    k : int
        1 ユニットあたりのアフィン変換の数.
    """

    def __init__(self, W, b, k):
        super().__init__()
        self.k = check_maxout(W, b, k)
        self.params = {"W": W, "b": b}

    def forward(self, x, train=True):
        x = self._on_my_device(x)
        xp = get_array_module(x)
        W, b, k = self.params["W"], self.params["b"], self.k
        check_maxout(W, b, k, x)
        z = (x @ W + b).reshape(x.shape[0], k, -1)  # (N, k, M)
        j = z.argmax(axis=1)  # (N, M): 最大を取った変換の番号
        mask = xp.arange(k)[None, :, None] == j[:, None, :]  # (N, k, M)
        self._cache = (x, mask)
        return z.max(axis=1)

    def backward(self, dout):
        x, mask = self._saved()
        dout = self._on_my_device(dout)
        dz = (mask * dout[:, None, :]).reshape(x.shape[0], -1)  # (N, k·M)
        self.grads["W"] = x.T @ dz
        self.grads["b"] = dz.sum(axis=0)
        return dz @ self.params["W"].T


# ------------------------------------------------------------- 出力の層


class Softmax(Layer):
    """ソフトマックスの層 (最後の軸で正規化).

    .. math::
        y = \\mathrm{softmax}(x), \\quad
        dx = y \\odot (\\mathrm{dout} - \\sum_j \\mathrm{dout}_j y_j)
    """

    def forward(self, x, train=True):
        y = activations.softmax(x, axis=-1)
        self._cache = y
        return y

    def backward(self, dout):
        y = self._saved()
        return y * (dout - (dout * y).sum(axis=-1, keepdims=True))


class SoftmaxWithLoss(Layer):
    r"""ソフトマックスと交差エントロピー誤差をまとめた最後の層.

    ``forward(x, t)`` は損失 (バッチ平均) を返します. 二つをまとめると
    逆伝播がきれいな形になります:

    $$\frac{\partial L}{\partial x} = \frac{y - t}{N}$$

    Parameters (forward)
    --------------------
    x : (N, C) スコア (ロジット)
    t : (N,) 整数のラベル, または (N, C) の one-hot (確率でも可)
    """

    def forward(self, x, t, train=True):
        check_ndim("SoftmaxWithLoss", x)
        if t.shape not in ((x.shape[0],), x.shape):
            raise ValueError(
                f"SoftmaxWithLoss: t の形 {t.shape} は (N,) の整数ラベルか "
                f"x と同じ {x.shape} の one-hot です"
            )
        if t.ndim == 1 and t.dtype.kind not in "iu":
            raise ValueError(
                "SoftmaxWithLoss: (N,) の t は整数のラベルです "
                f"(受け取った型: {t.dtype})"
            )
        t = to_device_of(t, x)  # ラベルはスコアのデバイスへ
        self.y, self.t = activations.softmax(x, axis=-1), t
        self._cache = (self.y, t)
        return losses.softmax_cross_entropy(x, t)

    def backward(self, dout=1.0):
        xp = get_array_module(self._saved()[0])
        y, t = self._cache
        n = y.shape[0]
        if t.ndim == 1:  # 整数ラベル: y から正解の位置だけ 1 を引く
            dx = y.copy()
            dx[xp.arange(n), t] -= 1
        else:  # one-hot
            dx = y - t
        dx *= dout / n
        return dx


# ------------------------------------------------------------- 正則化の層


class _MaskRng:
    """ドロップアウトのマスク用の乱数 (CPU と GPU の生成器の管理).

    マスクは入力のあるデバイスで引きます: CPU では NumPy の, GPU では
    CuPy の生成器で, どちらも同じ種から作ります. 同じ種なら同じデバイス
    では同じマスクになります (CPU と GPU では別の数列です. ホストで
    作って毎回 GPU へ送ると, 大きな層では 1 ステップに何 MB もの転送に
    なるため).
    """

    def _init_rng(self, seed):
        self.rng = make_rng(seed)  # CPU のマスク用
        # GPU のマスク用の生成器は, 最初に GPU の入力が来たときに作る.
        # Generator を渡されたら, その数列と重ならない子の種から.
        self._device_seed = self.rng.bit_generator.seed_seq
        if isinstance(seed, np.random.Generator):
            self._device_seed = self._device_seed.spawn(1)[0]
        self._device_rng = None

    def _uniform(self, x):
        """x と同じ形の [0, 1) の一様乱数 (float32) を x のデバイスで引く."""
        if not is_gpu_array(x):
            return self.rng.random(x.shape, dtype=np.float32)
        if self._device_rng is None:
            self._device_rng = make_rng(self._device_seed, like=x)
        return self._device_rng.random(x.shape, dtype=np.float32)

    def save_rng(self):
        """乱数の今の状態を覚え, そこへ戻す関数を返す.

        数値微分で損失を何度も計算するとき, 毎回同じマスクを使うためです
        (``nnbook.models.MLP.numerical_gradient``). GPU の生成器は
        状態を読み出せないので, 新しい種から作り直す形で戻します.
        """
        state = self.rng.bit_generator.state
        if self._device_rng is not None:
            self._device_seed = self._device_seed.spawn(1)[0]

        def restore():
            self.rng.bit_generator.state = state
            self._device_rng = None  # 次の forward で同じ種から作り直す

        return restore


class Dropout(_MaskRng, Layer):
    r"""ドロップアウト (Srivastava et al. 2014) の「逆」版 (inverted dropout).

    訓練時は各要素を確率 `ratio` で 0 にし, 残りを $1 / (1 - p)$
    倍します ($p$ = `ratio`). 期待値が変わらないので, 推論時
    (`train=False`) は何もしません. `ratio` は **落とす** 確率です
    (`torch.nn.Dropout(p)` と同じ向き. JAX の `rate` は「残す」確率).

    Parameters
    ----------
    ratio : float, 0 ≤ ratio < 1
    seed : int, numpy.random.SeedSequence or numpy.random.Generator
        マスクの乱数の種. マスクは入力のあるデバイスで引きます
        (`_MaskRng`: `_uniform` と, 数値微分用の `save_rng`).
    """

    def __init__(self, ratio=0.5, seed=0):
        super().__init__()
        check_dropout_ratio(ratio)
        self.ratio = ratio
        self._init_rng(seed)

    def forward(self, x, train=True):
        if not train or self.ratio == 0.0:
            self._cache = False  # 推論時: 何もしない (勾配もそのまま)
            return x
        keep = self._uniform(x) >= self.ratio
        scale = keep.astype(x.dtype) * (1.0 / (1.0 - self.ratio))
        self._cache = scale
        return x * scale

    def backward(self, dout):
        scale = self._saved()
        return dout if scale is False else dout * scale


def _normalize_backward(dxn, xn, std, axis):
    r"""正規化 $\hat x = (x - \mu)/\sigma$ の逆伝播 (μ, σ も x の関数).

    $\mathrm{dx} = (\mathrm{d}\hat x - \overline{\mathrm{d}\hat x}
    - \hat x\, \overline{\mathrm{d}\hat x \odot \hat x}) / \sigma$.
    上線は `axis` 方向の平均 (BatchNorm はバッチ, LayerNorm は特徴).
    """
    mean_dxn = dxn.mean(axis=axis, keepdims=True)
    mean_dxn_xn = (dxn * xn).mean(axis=axis, keepdims=True)
    return (dxn - mean_dxn - xn * mean_dxn_xn) / std


class BatchNorm(Layer):
    r"""バッチ正規化 (Ioffe & Szegedy 2015 の Algorithm 1 と 2).

    訓練時は特徴 (列) ごとにミニバッチの平均 $\mu$ と分散 $\sigma^2$
    (N で割る標本分散) で正規化し, 学習するスケール $\gamma$ と
    シフト $\beta$ を掛けて足します:
    $\hat x = (x - \mu)/\sqrt{\sigma^2 + \epsilon}$,
    $\mathrm{out} = \gamma \hat x + \beta$.

    推論時 (``train=False``) は, 訓練中に集めた移動平均
    ``running_mean``, ``running_var`` で正規化します. 分散の移動平均には
    N − 1 で割る不偏分散 $\frac{N}{N-1}\sigma^2$ を入れます (論文の
    Algorithm 2, ``torch.nn.BatchNorm1d`` と同じ). 初期値は 0 と 1.

    ``momentum`` は **古い値** の重み $m$ です:
    $\mathrm{running} \leftarrow m\,\mathrm{running} + (1 - m)\,\mathrm{new}$.
    既定の 0.9 は torch の ``momentum=0.1`` (新しい値の重み) と同じ更新.

    Parameters
    ----------
    gamma, beta : (D,) 配列. 入力は (N, D) で, 訓練時は N ≥ 2.
    momentum : float, 0 ≤ momentum < 1
    eps : float
    """

    def __init__(self, gamma, beta, momentum=0.9, eps=1e-5):
        super().__init__()
        check_norm_params("BatchNorm", gamma, beta)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(
                f"BatchNorm: momentum は 0 以上 1 未満です "
                f"(受け取った値: {momentum!r})"
            )
        xp = get_array_module(gamma)
        self.params = {"gamma": gamma, "beta": beta}
        self.momentum, self.eps = momentum, eps
        self.running_mean = xp.zeros_like(gamma)
        self.running_var = xp.ones_like(gamma)

    def forward(self, x, train=True):
        x = self._on_my_device(x)
        gamma, beta = self.params["gamma"], self.params["beta"]
        check_features("BatchNorm", x, gamma)
        if train:
            check_batch_size(x)
            mu = x.mean(axis=0)  # (D,) 特徴ごとの平均
            var = ((x - mu) ** 2).mean(axis=0)  # N で割る標本分散
            self._update_running(mu, var, n=x.shape[0])
        else:  # 推論: 訓練中に集めた統計を使う
            mu, var = self.running_mean, self.running_var
        std = get_array_module(x).sqrt(var + self.eps)
        xn = (x - mu) / std  # 正規化
        self._cache = (xn, std, train)
        return gamma * xn + beta  # スケールとシフト

    def _update_running(self, mu, var, n):
        """移動平均をその場で更新する (分散は不偏分散 N/(N−1)·σ²)."""
        m = self.momentum
        self.running_mean *= m
        self.running_mean += (1.0 - m) * mu
        self.running_var *= m
        self.running_var += (1.0 - m) * n / (n - 1) * var

    def backward(self, dout):
        xn, std, train = self._saved()
        dout = self._on_my_device(dout)
        self.grads["beta"] = dout.sum(axis=0)  # ∂L/∂β = Σ_n dout
        self.grads["gamma"] = (dout * xn).sum(axis=0)  # Σ_n dout · x̂
        dxn = dout * self.params["gamma"]  # ∂L/∂x̂
        if not train:  # 推論時は μ, σ が定数
            return dxn / std
        return _normalize_backward(dxn, xn, std, axis=0)


class LayerNorm(Layer):
    r"""レイヤー正規化 (Ba, Kiros & Hinton 2016).

    BatchNorm と同じ式を, バッチ方向ではなく **各データの特徴方向**
    (行ごと) に使います: 行ごとの平均 $\mu_n$ と分散 $\sigma_n^2$
    (D で割る) で $\hat x_{nd} = (x_{nd} - \mu_n)/\sqrt{\sigma_n^2 +
    \epsilon}$ とし, $\mathrm{out} = \gamma \hat x + \beta$
    ($\gamma, \beta$ は特徴ごと).

    統計がデータ 1 個の中で決まるので, 訓練時と推論時で計算が同じで,
    移動平均も要らず, バッチの大きさ (1 でも) によりません
    (``torch.nn.LayerNorm(D)`` と同じ).

    Parameters
    ----------
    gamma, beta : (D,) 配列. 入力は (N, D).
    eps : float
    """

    def __init__(self, gamma, beta, eps=1e-5):
        super().__init__()
        check_norm_params("LayerNorm", gamma, beta)
        self.params = {"gamma": gamma, "beta": beta}
        self.eps = eps

    def forward(self, x, train=True):
        x = self._on_my_device(x)
        gamma, beta = self.params["gamma"], self.params["beta"]
        check_features("LayerNorm", x, gamma)
        xp = get_array_module(x)
        mu = x.mean(axis=1, keepdims=True)  # (N, 1) データごとの平均
        var = ((x - mu) ** 2).mean(axis=1, keepdims=True)
        std = xp.sqrt(var + self.eps)
        xn = (x - mu) / std
        self._cache = (xn, std)
        return gamma * xn + beta

    def backward(self, dout):
        xn, std = self._saved()
        dout = self._on_my_device(dout)
        self.grads["beta"] = dout.sum(axis=0)
        self.grads["gamma"] = (dout * xn).sum(axis=0)
        dxn = dout * self.params["gamma"]
        return _normalize_backward(dxn, xn, std, axis=1)
