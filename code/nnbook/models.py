"""多層パーセプトロン (MLP): 層を積み重ねたモデル.

``MLP([784, 100, 10])`` は 784 次元の入力, 100 ユニットの中間層,
10 クラスの出力を持つネットワークです. 中間層ごとに
``Affine → (BatchNorm か LayerNorm) → 活性化 → (Dropout)`` を並べ, 最後は
``Affine → SoftmaxWithLoss`` です.

パラメータは ``params`` 辞書に ``W1, b1, W2, b2, …`` (BatchNorm が
あれば ``gamma1, beta1, …``, PReLU なら ``alpha1, …``) の名前で入って
おり, 層と同じ配列を参照しています. 最適化手法の
``update(model.params, model.gradient(x, t))`` でそのまま学習できます.
"""

from __future__ import annotations

import contextlib

import numpy as np

from nnbook import gradcheck, initializers, layers, regularization
from nnbook._checks import check_sizes
from nnbook.backend import to_device, to_device_of

__all__ = ["ACTIVATIONS", "MLP", "LayerStack"]

#: ``MLP(activation=...)`` で選べる活性化関数の層.
ACTIVATIONS = {
    "relu": layers.Relu,
    "sigmoid": layers.Sigmoid,
    "tanh": layers.Tanh,
    "leaky_relu": layers.LeakyRelu,
    "prelu": layers.PRelu,
    "elu": layers.Elu,
    "swish": layers.Swish,
    "gelu": layers.Gelu,
}


def _activation_class(name):
    key = str(name).strip().lower()
    if key not in ACTIVATIONS:
        names = ", ".join(ACTIVATIONS)
        raise ValueError(
            f"未知の活性化関数 {name!r} です. 使える名前: {names}"
        )
    return ACTIVATIONS[key]


class LayerStack:
    """層の列 `layers` と, 名前つきのパラメータの辞書 `params`.

    `MLP` と `nnbook.metric_learning.EmbeddingNet` が共通に使います.
    i 番目の層のパラメータは `W{i}`, `b{i}`, `gamma{i}` … の名前で
    `params` に入り, `_owner` がその名前から (層, 層の中での名前) を引きます.
    """

    def _add(self, layer, i):
        """層を足し, そのパラメータを `{名前}{i}` で params に登録する."""
        self.layers.append(layer)
        for name, p in layer.params.items():
            self.params[f"{name}{i}"] = p
            self._owner[f"{name}{i}"] = (layer, name)

    def _grads(self):
        """逆伝播の後の, params と同じキーの勾配の辞書."""
        return {k: layer.grads[n] for k, (layer, n) in self._owner.items()}


class MLP(LayerStack):
    """全結合の多層ニューラルネットワーク (分類用).

    Parameters
    ----------
    sizes : list of int
        ``[D, H1, …, C]``: 入力の次元, 中間層のユニット数, クラス数.
    activation : str
        中間層の活性化関数 (:data:`ACTIVATIONS` のキー).
    init : str, float or callable
        重みの初期値 (:func:`nnbook.initializers.get`). ``"he"``,
        ``"xavier"``, 数値なら標準偏差など.
    batchnorm : bool
        中間層の Affine の後に :class:`~nnbook.layers.BatchNorm` を入れる.
    layernorm : bool
        中間層の Affine の後に :class:`~nnbook.layers.LayerNorm` を入れる
        (``batchnorm`` とは同時に使えません).
    dropout : float
        0 より大きければ中間層の活性化の後に
        :class:`~nnbook.layers.Dropout` (落とす確率) を入れる.
    weight_decay : float
        L2 正則化 (荷重減衰) の係数 λ. 損失に ``λ/2 Σ‖W‖²`` を足します
        (バイアス, gamma, beta には掛けません).
    l1 : float
        L1 正則化の係数. 損失に ``l1·Σ|W|`` を足します (重みだけ).
    seed : int or numpy.random.Generator
        重みの初期値と Dropout のマスクの乱数. 同じ seed なら CPU でも
        GPU でも同じ重みから始まり, 同じデバイスなら同じ学習になります
        (Dropout のマスクはデータのあるデバイスの乱数で引くので, CPU と
        GPU では別のマスクです).
    dtype : 浮動小数点の型
        パラメータの型. 既定は float32 (勾配確認には float64).

    Notes
    -----
    - :meth:`loss` は既定で推論時の振る舞い (``train=False``) です.
      :meth:`gradient` と :meth:`numerical_gradient` は訓練時の損失
      ``loss(x, t, train=True)`` の勾配です. BatchNorm や Dropout が
      あると二つは違う関数なので, 勾配確認には :meth:`numerical_gradient`
      を使ってください.
    - BatchNorm の直前の Affine のバイアスは, BatchNorm が平均を
      引くので損失に効きません (勾配は 0). 「ゼロから作るDeep Learning」
      と同じく, 形をそろえるために残しています.
    - 入力層の Affine では ``dx`` を計算しません (PyTorch と同じく,
      入力の勾配は要らないので行列積を一つ省きます).
    """

    def __init__(
        self,
        sizes,
        activation="relu",
        init="he",
        batchnorm=False,
        layernorm=False,
        dropout=0.0,
        weight_decay=0.0,
        l1=0.0,
        seed=0,
        dtype=np.float32,
    ):
        check_sizes(sizes)
        act = _activation_class(activation)
        init_fn = initializers.get(init)
        if batchnorm and layernorm:
            raise ValueError(
                "batchnorm と layernorm はどちらか一つだけ True にできます"
            )
        if not 0.0 <= dropout < 1.0:
            raise ValueError(
                "dropout (落とす確率) は 0 以上 1 未満です "
                f"(受け取った値: {dropout!r})"
            )
        if not weight_decay >= 0.0:
            raise ValueError(
                f"weight_decay は 0 以上です (受け取った値: {weight_decay!r})"
            )
        if not l1 >= 0.0:
            raise ValueError(f"l1 は 0 以上です (受け取った値: {l1!r})")
        self.sizes = list(sizes)
        self.weight_decay = weight_decay
        self.l1 = l1
        self.dtype = np.dtype(dtype)
        self.params: dict = {}
        self.layers: list = []
        self._owner: dict = {}  # params のキー → (層, 層の中での名前)
        gen = np.random.default_rng(seed)
        n = len(sizes) - 1
        for i in range(1, n + 1):
            W = init_fn(sizes[i - 1], sizes[i], rng=gen, dtype=self.dtype)
            b = initializers.zeros(sizes[i], self.dtype)
            self._add(layers.Affine(W, b), i)
            if i == n:
                break
            if batchnorm or layernorm:
                ones = to_device(np.ones(sizes[i], self.dtype))
                zeros = initializers.zeros(sizes[i], self.dtype)
                norm = layers.BatchNorm if batchnorm else layers.LayerNorm
                self._add(norm(ones, zeros), i)
            if act is layers.PRelu:  # 論文の初期値 0.25, ユニットごと
                alpha = to_device(np.full(sizes[i], 0.25, self.dtype))
                self._add(layers.PRelu(alpha), i)
            else:
                self._add(act(), i)
            if dropout > 0.0:
                child = gen.bit_generator.seed_seq.spawn(1)[0]
                self._add(layers.Dropout(dropout, seed=child), i)
        self.last_layer = layers.SoftmaxWithLoss()

    def __repr__(self):
        names = " → ".join(type(layer).__name__ for layer in self.layers)
        return f"MLP({self.sizes}: {names} → SoftmaxWithLoss)"

    def _as_input(self, x):
        """入力を (N, D) のパラメータと同じデバイス, 同じ型の配列にする."""
        x = to_device_of(x, self.params["W1"]).astype(self.dtype, copy=False)
        if x.ndim > 2:
            x = x.reshape(x.shape[0], -1)
        if x.ndim != 2 or x.shape[1] != self.sizes[0]:
            raise ValueError(
                f"x は (N, {self.sizes[0]}) の形です (受け取った形: {x.shape})"
            )
        return x

    def predict(self, x, train=False):
        """スコア (ソフトマックスの前の値) ``(N, C)`` を返す."""
        x = self._as_input(x)
        for layer in self.layers:
            x = layer.forward(x, train)
        return x

    def loss(self, x, t, train=False):
        """交差エントロピー誤差 + 荷重減衰 ``λ/2 Σ‖W‖²`` (+ ``l1·Σ|W|``).

        ``train=True`` なら訓練時の振る舞い (BatchNorm はバッチの統計,
        Dropout は有効) で計算します. :meth:`gradient` はこちらの値の
        勾配を返します.
        """
        loss = self.last_layer.forward(self.predict(x, train), t)
        if self.weight_decay or self.l1:
            loss = loss + self.penalty()
        return loss

    def penalty(self):
        """罰則の項 ``λ/2 Σ‖W‖² + l1·Σ|W|`` (どちらも重みだけ).

        :meth:`loss` からこれを引くと, データの項 (交差エントロピー誤差)
        だけが残ります. 正則化の強さの違うモデルを比べるときに使います.
        """
        l2 = regularization.l2_penalty(self._weights(), self.weight_decay)
        return l2 + regularization.l1_penalty(self._weights(), self.l1)

    def _weights(self):
        return (p for k, p in self.params.items() if k.startswith("W"))

    def gradient(self, x, t):
        """誤差逆伝播法で ``loss(x, t, train=True)`` の勾配を求める.

        Returns
        -------
        dict
            ``params`` と同じキー (``W1``, ``b1``, …) の勾配.
        """
        self.loss(x, t, train=True)
        dout = self.last_layer.backward(1.0)
        for layer in reversed(self.layers[1:]):
            dout = layer.backward(dout)
        self.layers[0].backward(dout, need_dx=False)  # 入力の勾配は不要
        grads = self._grads()
        for k in grads:
            if not k.startswith("W"):  # 罰則は重みだけに掛ける
                continue
            if self.weight_decay:  # ∂/∂W (λ/2 ‖W‖²) = λ W
                grads[k] = grads[k] + regularization.l2_penalty_grad(
                    self.params[k], self.weight_decay
                )
            if self.l1:  # ∂/∂W (l1·Σ|W|) = l1·sign(W)
                grads[k] = grads[k] + regularization.l1_penalty_grad(
                    self.params[k], self.l1
                )
        return grads

    def accuracy(self, x, t):
        """正解率. ``t`` は整数のラベル (N,) か one-hot (N, C)."""
        y = self.predict(x, train=False).argmax(axis=1)
        t = to_device_of(t, y)
        if t.ndim != 1:
            t = t.argmax(axis=1)
        return float((y == t).mean())

    def numerical_gradient(self, x, t, eps=1e-6):
        """数値微分 (中心差分) で ``loss(x, t, train=True)`` の勾配を求める.

        誤差逆伝播法の確認用で, とても遅いので小さなモデルに使います.
        パラメータは float64 にしてください
        (:func:`nnbook.gradcheck.numerical_gradient` を使います).
        Dropout のマスクは毎回同じものを使い, BatchNorm の移動平均も
        呼ぶ前の状態に戻すので, 続けて :meth:`gradient` を呼べば
        同じ関数の勾配どうしを比べられます.
        """
        grads = {}
        with self._frozen() as reset:

            def f(_):
                reset()
                return self.loss(x, t, train=True)

            for key, p in self.params.items():
                grads[key] = gradcheck.numerical_gradient(f, p, eps)
        return grads

    @contextlib.contextmanager
    def _frozen(self):
        """乱数と移動平均を保存し, reset() で戻せるようにする."""
        saved, rngs = [], []
        for layer in self.layers:
            if isinstance(layer, layers.Dropout):
                rngs.append(layer.save_rng())  # 戻す関数
            elif isinstance(layer, layers.BatchNorm):
                saved.append((layer, "running_mean"))
                saved.append((layer, "running_var"))
        values = [_copy(getattr(obj, a)) for obj, a in saved]

        def reset():
            for restore in rngs:
                restore()
            for (obj, a), v in zip(saved, values, strict=True):
                getattr(obj, a)[...] = v  # 移動平均はその場で書き戻す

        try:
            yield reset
        finally:
            reset()


def _copy(v):
    return v.copy()
