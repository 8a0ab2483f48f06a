r"""パラメータの更新規則 (optimizers).

どのクラスも ``update(params, grads)`` でパラメータを **その場で**
更新します (層は同じ配列を参照しているので, 層の重みも変わります).
``params`` と ``grads`` は同じキー (``"W1"``, ``"b1"``, …) の辞書です.
状態 (速度やモーメント) は最初の ``update`` のときに
``xp.zeros_like(p)`` で作るので, パラメータと同じデバイス・同じ型に
なります. 受け取った勾配は書き換えません.

更新式は論文の書き方に合わせて一行ずつ書き, 短いコメントを添えます.
記号: ``g`` は勾配, ``lr`` は学習率, ``t`` は 1 から数える更新回数.
PyTorch (``torch.optim``) に同じものがあるものは, 同じハイパー
パラメータで何百回更新しても同じ軌跡になることをテストで確かめて
います. ``eps`` の位置のような流儀の違いは各クラスに書きました
(``Adam`` の流儀は次の段落).

``Adam`` の流儀: ``eps`` は補正 **後** の $\sqrt{\hat v}$ に足します
(論文の Algorithm 1, ``torch.optim.Adam`` と同じ). 論文 2 節の
「効率のよい順序」や「ゼロから作るDeep Learning」は補正 **前** の
$\sqrt{v}$ に足すので, 更新の初め ($t$ が小さいとき) に少しだけ違います.
``weight_decay`` ($\lambda$) は torch の ``Adam(weight_decay=λ)`` と同じく
L2 正則化として勾配に $\lambda p$ を足します. $\lambda p$ も
$\sqrt{\hat v}$ で割られるので, 勾配が大きかった要素ほど縮み方が
弱くなります. 重みを一様に縮める荷重減衰は ``AdamW`` です.
AMSGrad (Reddi et al. 2018) は $v$ のこれまでの最大値 $v_{\max}$ を
分母に使います. ``torch.optim.Adam(amsgrad=True)`` と同じく, 最大値は
補正前の $v$ で取り, 分母で $1 - \beta_2^t$ を補正します (論文の
Algorithm は偏り補正なしで書かれています).
"""

from __future__ import annotations

import math

from nnbook._checks import check_betas, check_nonnegative, check_unit
from nnbook.backend import get_array_module

__all__ = [
    "OPTIMIZERS",
    "SGD",
    "AMSBound",
    "AMSGrad",
    "AdaBound",
    "AdaDelta",
    "AdaGrad",
    "Adam",
    "AdamW",
    "Momentum",
    "Nesterov",
    "Optimizer",
    "RMSprop",
    "get",
]


class Optimizer:
    r"""更新規則の基底クラス. 派生クラスは `step` を書きます.

    `state[key]` にパラメータごとの状態を持ちます. 状態は
    `state_names` の名前の 0 の配列で, 最初の `update` のときに作ります.
    `t` は `update` を呼んだ回数です (全パラメータで共通).
    `weight_decay` ($\lambda$) が 0 でなければ, `step` の前に `decay` で
    勾配に $\lambda p$ を足します (L2 正則化. AdamW は `decay` を変えます).
    """

    state_names: tuple[str, ...] = ()

    def __init__(self, lr, weight_decay=0.0):
        self.lr = check_nonnegative("lr (学習率)", lr)
        self.weight_decay = check_nonnegative("weight_decay", weight_decay)
        self.t = 0
        self.state: dict = {}

    def update(self, params, grads):
        """`params[key]` を `grads[key]` を使ってその場で更新する."""
        missing = [k for k in params if k not in grads]
        if missing:
            raise KeyError(f"grads に {missing} の勾配がありません")
        self.t += 1
        for key, p in params.items():
            g = grads[key]
            if p.shape != g.shape:
                raise ValueError(
                    f"{key}: パラメータの形 {p.shape} と勾配の形 "
                    f"{g.shape} が違います"
                )
            if key not in self.state:
                xp = get_array_module(p)
                self.state[key] = {
                    n: xp.zeros_like(p) for n in self.state_names
                }
            if self.weight_decay:
                g = self.decay(p, g)
            self.step(p, g, self.state[key])

    def decay(self, p, g):
        """L2 正則化: 勾配に $\\lambda p$ を足す (新しい配列を返す)."""
        return g + self.weight_decay * p  # g ← g + λ p

    def step(self, p, g, s) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    r"""確率的勾配降下法: $p \leftarrow p - \eta (g + \lambda p)$.

    $\eta$ は `lr`, $\lambda$ は `weight_decay` (既定は 0) です.

    `weight_decay` $= \lambda > 0$ なら, 損失に L2 正則化
    $\frac{\lambda}{2}\|p\|^2$ を足したときの勾配 $g + \lambda p$ で
    更新します (基底クラスの `decay`). 書き直すと
    $p \leftarrow (1 - \mathrm{lr}\,\lambda)\,p - \mathrm{lr}\, g$ で,
    毎回重みを一定の割合で縮める荷重減衰 (weight decay) と同じ更新です.
    `torch.optim.SGD(lr=lr, weight_decay=λ)` と同じで, すべての
    パラメータ (バイアスも) に掛かります.
    """

    def __init__(self, lr=0.01, weight_decay=0.0):
        super().__init__(lr, weight_decay)

    def step(self, p, g, s):
        p -= self.lr * g  # p ← p − lr·g


class Momentum(Optimizer):
    r"""モーメンタム (Polyak 1964; Sutskever et al. 2013 の式 (1)(2)).

    $v \leftarrow \mu v - \eta g, \quad p \leftarrow p + v$

    `v` は「速度」です. `torch.optim.SGD(momentum=μ)` は
    $b \leftarrow \mu b + g,\ p \leftarrow p - \eta b$ と書きますが,
    学習率が一定なら $v = -\eta b$ で同じ軌跡になります.
    """

    state_names = ("v",)

    def __init__(self, lr=0.01, momentum=0.9):
        super().__init__(lr)
        self.momentum = check_unit("momentum", momentum)

    def step(self, p, g, s):
        v = s["v"]
        v *= self.momentum  # v ← μ v
        v -= self.lr * g  # v ← μ v − lr·g
        p += v  # p ← p + v


class Nesterov(Momentum):
    r"""ネステロフの加速勾配法 (Nesterov 1983; Sutskever et al. 2013).

    Sutskever et al. (2013) の式 (3)(4) は先読みした点 $p + \mu v$ の
    勾配を使います. 先読み点を新しい変数に取り直すと, いまの点の
    勾配 $g$ だけで書けます ($v$ は更新後の値):

    $v \leftarrow \mu v - \eta g, \quad p \leftarrow p + \mu v - \eta g$

    `torch.optim.SGD(momentum=μ, nesterov=True)` と同じ軌跡です.
    """

    # 速度 v の持ち方と更新は Momentum と同じで, p の動かし方だけが違う.

    def step(self, p, g, s):
        v = s["v"]
        v *= self.momentum  # v ← μ v
        v -= self.lr * g  # v ← μ v − lr·g
        p += self.momentum * v  # p ← p + μ v
        p -= self.lr * g  # p ← p + μ v − lr·g


class AdaGrad(Optimizer):
    r"""AdaGrad (Duchi et al. 2011).

    $h \leftarrow h + g^2, \quad
    p \leftarrow p - \eta g / (\sqrt{h} + \epsilon)$

    `eps` は平方根の **外** です. `torch.optim.Adagrad` と同じ位置・
    同じ既定値 (`eps=1e-10`) です.
    """

    state_names = ("h",)

    def __init__(self, lr=0.01, eps=1e-10):
        super().__init__(lr)
        self.eps = check_nonnegative("eps", eps)

    def step(self, p, g, s):
        xp = get_array_module(p)
        h = s["h"]
        h += g * g  # h ← h + g²
        p -= self.lr * g / (xp.sqrt(h) + self.eps)  # p ← p − lr·g/(√h + ε)


class RMSprop(Optimizer):
    r"""RMSprop (Tieleman & Hinton 2012, 講義 6.5).

    $h \leftarrow \alpha h + (1 - \alpha) g^2, \quad
    p \leftarrow p - \eta g / (\sqrt{h} + \epsilon)$

    `eps` は平方根の **外** で, `torch.optim.RMSprop` (既定
    `alpha=0.99, eps=1e-8`) と同じです.
    """

    state_names = ("h",)

    def __init__(self, lr=0.01, alpha=0.99, eps=1e-8):
        super().__init__(lr)
        self.alpha = check_unit("alpha", alpha)
        self.eps = check_nonnegative("eps", eps)

    def step(self, p, g, s):
        xp = get_array_module(p)
        h = s["h"]
        h *= self.alpha  # h ← α h
        h += (1.0 - self.alpha) * (g * g)  # h ← α h + (1−α) g²
        p -= self.lr * g / (xp.sqrt(h) + self.eps)  # p ← p − lr·g/(√h + ε)


class AdaDelta(Optimizer):
    r"""AdaDelta (Zeiler 2012, Algorithm 1).

    $h \leftarrow \rho h + (1 - \rho) g^2, \quad
    \Delta = -\frac{\sqrt{u + \epsilon}}{\sqrt{h + \epsilon}}\, g, \quad
    u \leftarrow \rho u + (1 - \rho) \Delta^2, \quad
    p \leftarrow p + \eta \Delta$

    論文に学習率はありません (`lr=1.0` が論文どおり). `lr` と
    `eps` の位置 (平方根の **中**) は `torch.optim.Adadelta` と同じ.
    """

    state_names = ("h", "u")

    def __init__(self, lr=1.0, rho=0.9, eps=1e-6):
        super().__init__(lr)
        self.rho = check_unit("rho", rho)
        self.eps = check_nonnegative("eps", eps)

    def step(self, p, g, s):
        xp = get_array_module(p)
        h, u, rho, eps = s["h"], s["u"], self.rho, self.eps
        h *= rho  # h ← ρ h
        h += (1.0 - rho) * (g * g)  # h ← ρ h + (1−ρ) g²
        rms_u, rms_h = xp.sqrt(u + eps), xp.sqrt(h + eps)  # RMS[Δ], RMS[g]
        delta = -rms_u / rms_h * g  # Δ ← −RMS[Δ]/RMS[g]·g
        u *= rho  # u ← ρ u
        u += (1.0 - rho) * (delta * delta)  # u ← ρ u + (1−ρ) Δ²
        p += self.lr * delta  # p ← p + lr·Δ


class Adam(Optimizer):
    r"""Adam (Kingma & Ba 2015, Algorithm 1); `amsgrad=True` で AMSGrad.

    `eps` の位置, `weight_decay` (L2 正則化), AMSGrad の最大値の
    取り方はどれも `torch.optim.Adam` と同じです (モジュールの説明).
    """

    state_names = ("m", "v")

    def __init__(
        self,
        lr=0.001,
        beta1=0.9,
        beta2=0.999,
        eps=1e-8,
        amsgrad=False,
        weight_decay=0.0,
    ):
        super().__init__(lr, weight_decay)
        self.beta1, self.beta2 = check_betas(beta1, beta2)
        self.eps, self.amsgrad = check_nonnegative("eps", eps), amsgrad

    def moments(self, g, s):
        """モーメント m, v を更新して返す (AMSGrad なら v はその最大値)."""
        m, v, b1, b2 = s["m"], s["v"], self.beta1, self.beta2
        m *= b1  # m ← β₁ m
        m += (1.0 - b1) * g  # m ← β₁ m + (1−β₁) g
        v *= b2  # v ← β₂ v
        v += (1.0 - b2) * (g * g)  # v ← β₂ v + (1−β₂) g²
        if self.amsgrad:  # v_max ← max(v_max, v)
            v = s["v_max"] = get_array_module(v).maximum(s.get("v_max", v), v)
        return m, v

    def step(self, p, g, s):
        xp = get_array_module(p)
        m, v = self.moments(g, s)
        m_hat = m / (1.0 - self.beta1**self.t)  # m̂ = m / (1−β₁ᵗ)
        v_hat = v / (1.0 - self.beta2**self.t)  # v̂ = v / (1−β₂ᵗ)
        p -= self.lr * m_hat / (xp.sqrt(v_hat) + self.eps)  # p − lr·m̂/(√v̂+ε)


class AdamW(Adam):
    r"""AdamW (Loshchilov & Hutter 2019): 荷重減衰を勾配から切り離した Adam.

    $$p \leftarrow (1 - \mathrm{lr}\,\lambda)\, p, \qquad
    p \leftarrow p - \mathrm{lr}\, \hat m / (\sqrt{\hat v} + \epsilon)$$

    重みを縮める量 $\mathrm{lr}\,\lambda\,p$ は $\sqrt{\hat v}$ で
    割られないので, どの要素も同じ割合で縮みます. 論文の Algorithm 2
    は縮める量を $\eta_t \lambda p$ ($\eta_t$ はスケジュールの倍率)
    と書き, 学習率 $\alpha$ は掛けません. ここでは
    `torch.optim.AdamW` (既定 `weight_decay=0.01`) と同じく
    `lr·λ` で縮めます.
    """

    def __init__(
        self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01
    ):
        super().__init__(lr, beta1, beta2, eps, weight_decay=weight_decay)

    def decay(self, p, g):
        p *= 1.0 - self.lr * self.weight_decay  # p ← (1 − lr·λ) p
        return g  # 勾配には足さない


class AMSGrad(Adam):
    """AMSGrad (Reddi et al. 2018) = `Adam(..., amsgrad=True)`."""

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(lr, beta1, beta2, eps, amsgrad=True)


class AdaBound(Adam):
    r"""AdaBound (Luo et al. 2019); `amsbound=True` で AMSBound.

    Adam の要素ごとの学習率を, 更新が進むにつれて `final_lr` へ狭まる
    範囲 $[\eta_l(t), \eta_u(t)]$ に切り詰めます. モーメント m, v は
    Adam と同じ (`Adam.moments`) です. 著者らの参照実装
    (github.com/Luolc/AdaBound の `adabound.py`) と同じ計算です:

    $\eta_l(t) = \alpha^* (1 - \frac{1}{\gamma t + 1}), \quad
    \eta_u(t) = \alpha^* (1 + \frac{1}{\gamma t}),$
    $\eta_t = \mathrm{clip}(\frac{\eta \sqrt{1-\beta_2^t}/(1-\beta_1^t)}
    {\sqrt{v} + \epsilon}, \eta_l(t), \eta_u(t)), \quad
    p \leftarrow p - \eta_t m$

    $\alpha^*$ は `final_lr` (`lr` を途中で変えると同じ比で変わる).
    `weight_decay` は勾配に $\lambda p$ を足す L2 正則化です.
    """

    def __init__(
        self,
        lr=0.001,
        final_lr=0.1,
        gamma=1e-3,
        beta1=0.9,
        beta2=0.999,
        eps=1e-8,
        weight_decay=0.0,
        amsbound=False,
    ):
        super().__init__(lr, beta1, beta2, eps, amsbound, weight_decay)
        self.final_lr = check_nonnegative("final_lr", final_lr)
        self.gamma = check_unit("gamma", gamma)
        self.base_lr = self.lr

    def bounds(self):
        """いまの `t` での学習率の下限と上限 `(η_l, η_u)`."""
        final_lr = self.final_lr * self.lr / self.base_lr
        lower = final_lr * (1.0 - 1.0 / (self.gamma * self.t + 1.0))
        upper = final_lr * (1.0 + 1.0 / (self.gamma * self.t))
        return lower, upper

    def step(self, p, g, s):
        xp = get_array_module(p)
        m, v = self.moments(g, s)  # Adam と同じ (AMSBound なら v の最大値)
        b1, b2, t = self.beta1, self.beta2, self.t
        lr_t = self.lr * math.sqrt(1.0 - b2**t) / (1.0 - b1**t)  # 偏り補正
        lower, upper = self.bounds()  # [η_l(t), η_u(t)]
        eta = xp.clip(lr_t / (xp.sqrt(v) + self.eps), lower, upper)
        p -= eta * m  # p ← p − η_t·m


class AMSBound(AdaBound):
    """AMSBound (Luo et al. 2019) = `AdaBound(..., amsbound=True)`.

    引数は `AdaBound` と同じです (`amsbound` を除く).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs, amsbound=True)


#: 名前で選べる最適化手法 (小文字).
OPTIMIZERS = {
    "sgd": SGD,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "adagrad": AdaGrad,
    "rmsprop": RMSprop,
    "adadelta": AdaDelta,
    "adam": Adam,
    "adamw": AdamW,
    "amsgrad": AMSGrad,
    "adabound": AdaBound,
    "amsbound": AMSBound,
}


def get(name, **kwargs):
    """名前 (大文字小文字は問わない) から最適化手法を作る.

    >>> get("adam", lr=0.01).lr
    0.01
    """
    key = str(name).strip().lower()
    if key not in OPTIMIZERS:
        names = ", ".join(OPTIMIZERS)
        raise ValueError(
            f"未知の最適化手法 {name!r} です. 使える名前: {names}"
        )
    return OPTIMIZERS[key](**kwargs)
