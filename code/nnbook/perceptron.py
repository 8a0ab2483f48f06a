r"""パーセプトロン (perceptron): 論理ゲート, 学習規則, 損失として見た形.

第 1 章の 1.2 節から 1.6 節の順に並べてあります.

- `and_gate`, `or_gate`, `nand_gate` : 重みとバイアスを手で決めた
  論理ゲート. `xor_gate` は NAND, OR, AND を 2 層に組んだ XOR です.
- `perceptron_update`, `Perceptron` : 単純パーセプトロン
  $y = \mathrm{step}(x \cdot w + b)$ (Rosenblatt 1958) と, 間違えたとき
  だけ重みを直す学習規則 (Rosenblatt 1962).
- `novikoff_bound` : 線形分離可能なデータなら有限回の更新で止まること
  (収束定理, Novikoff が 1962 年の研究集会で発表, 論文集は 1963 年刊)
  の更新回数の上限.
- `zero_one_loss`, `perceptron_criterion` : 損失関数として見た
  パーセプトロン (1.6 節).

行列で書いた多層の順伝播は `nnbook.feedforward`, 線形分離可能な
データは `nnbook.datasets.make_separable` にあります. ステップ関数は
`nnbook.activations.step` ($x > 0$ で 1, $x \le 0$ で 0) を使います.
"""

from __future__ import annotations

import numpy as np

from nnbook import backend
from nnbook._checks import (
    check_batch,
    check_binary_labels,
    check_count,
    check_positive,
    check_update_args,
)
from nnbook.activations import step
from nnbook.backend import get_array_module

__all__ = [
    "GATE_PARAMS",
    "Perceptron",
    "and_gate",
    "nand_gate",
    "novikoff_bound",
    "or_gate",
    "perceptron_criterion",
    "perceptron_update",
    "xor_gate",
    "zero_one_loss",
]

# ---------------------------------------------------------------- 論理ゲート

#: 手で決めた重みとバイアス ``(w1, w2, b)``. 出力は
#: ``step(x1 * w1 + x2 * w2 + b)``. 境界の直線 ``x1 * w1 + x2 * w2 + b = 0``
#: が 4 つの入力の点からなるべく離れるように選んであります.
GATE_PARAMS = {
    "AND": (1.0, 1.0, -1.5),
    "OR": (1.0, 1.0, -0.5),
    "NAND": (-1.0, -1.0, 1.5),
}


def _fire(a):
    """ステップ関数を通し, 整数の 0 か 1 (配列なら int64 の配列) にする."""
    y = step(a).astype(np.int64)
    return int(y) if y.ndim == 0 else y


def and_gate(x1, x2):
    """AND ゲート: 両方の入力が 1 のときだけ 1.

    `y = step(x1 * w1 + x2 * w2 + b)`, `(w1, w2, b) = (1, 1, -1.5)`.
    x1, x2 はスカラーでも同じ形の配列でもかまいません.
    """
    w1, w2, b = GATE_PARAMS["AND"]
    return _fire(x1 * w1 + x2 * w2 + b)


def or_gate(x1, x2):
    """OR ゲート: どちらかの入力が 1 なら 1. ``(w1, w2, b) = (1, 1, -0.5)``."""
    w1, w2, b = GATE_PARAMS["OR"]
    return _fire(x1 * w1 + x2 * w2 + b)


def nand_gate(x1, x2):
    """NAND ゲート: AND の否定. ``(w1, w2, b) = (-1, -1, 1.5)``."""
    w1, w2, b = GATE_PARAMS["NAND"]
    return _fire(x1 * w1 + x2 * w2 + b)


def xor_gate(x1, x2):
    """XOR ゲート: 入力が異なるときだけ 1. 2 層のパーセプトロンです.

    1 層のパーセプトロンでは作れません (境界が直線 1 本なので).
    1 層目 (中間層) で NAND と OR を計算し, 2 層目 (出力層) で
    その AND を取ります: `XOR = AND(NAND(x1, x2), OR(x1, x2))`.
    """
    s1 = nand_gate(x1, x2)  # 中間層のニューロン 1
    s2 = or_gate(x1, x2)  # 中間層のニューロン 2
    return and_gate(s1, s2)  # 出力層のニューロン


# ------------------------------------------------- パーセプトロンの学習規則


def perceptron_update(w, b, x, t, lr=1.0):
    r"""1 つのデータ `(x, t)` でパーセプトロンの学習規則を 1 回使う.

    出力 $y = \mathrm{step}(x \cdot w + b)$ を正解 $t$ と比べて

    $w \leftarrow w + \eta (t - y) x, \quad b \leftarrow b + \eta (t - y)$

    正解なら $t - y = 0$ で何も変わりません. 1 を 0 と間違えたら
    $\eta x$ を足し, 0 を 1 と間違えたら $\eta x$ を引きます (Rosenblatt
    1962 が論じた誤り訂正の手続きを, 今日の教科書の記法で書いたもの).

    Parameters
    ----------
    w : (D,) 配列
    b : float
    x : (D,) 配列
    t : 0 か 1
    lr : float
        学習率 η (> 0).

    Returns
    -------
    (w_new, b_new) : ((D,) 配列, float)
        新しい重みとバイアス. 引数の `w` は書き換えません.
    """
    w, x = check_update_args(w, x, t)
    y = float(step(x @ w + b))
    delta = float(lr) * (int(t) - y)  # -η, 0, +η のどれか
    return w + delta * x, float(b) + delta


class Perceptron:
    """単純パーセプトロン: ``y = step(x·w + b)`` (Rosenblatt 1958).

    重みは 0 から始め, :meth:`fit` でパーセプトロンの学習規則
    (:func:`perceptron_update`) を 1 つずつのデータに使います.
    データを見る順番はエポックごとに ``seed`` から決まる乱数で並べ替え
    るので, 同じ ``seed`` なら結果も同じです.

    Parameters
    ----------
    n_inputs : int
        入力の次元 D.
    lr : float
        学習率 η. 重みを 0 から始めるとき, 予測は η によらず同じです
        (w と b が η 倍になるだけなので).
    seed : int
        データを見る順番を決める乱数の種.

    Attributes
    ----------
    w : (D,) 既定のデバイスの float64 配列
    b : float
    errors_ : list[int]
        各エポックで間違えた (= 更新した) 回数.
    history_ : list[tuple[numpy.ndarray, float]]
        各エポックの後の ``(w, b)`` (ホスト上のコピー). 図に使います.
    epochs_ : int
        :meth:`fit` が回したエポック数.
    converged_ : bool
        1 エポックを間違いなしで通せたら True.
    """

    def __init__(self, n_inputs: int, lr: float = 1.0, seed: int = 0):
        xp = backend.xp_for_device()
        self.w = xp.zeros(check_count("n_inputs", n_inputs), dtype=xp.float64)
        self.b = 0.0
        self.lr = check_positive("学習率 lr", lr)
        self.seed = seed
        self.errors_: list[int] = []
        self.history_: list[tuple[np.ndarray, float]] = []
        self.epochs_ = 0
        self.converged_ = False

    def _check_x(self, x):
        xp = get_array_module(self.w)
        return check_batch(xp.asarray(x, dtype=xp.float64), self.w.shape[0])

    def predict(self, x):
        """``(N, D)`` の入力に対する 0/1 の出力 ``(N,)`` (int64)."""
        x = self._check_x(x)
        return step(x @ self.w + self.b).astype(np.int64)

    def score(self, x, t) -> float:
        """正解率 (予測がラベルと一致したデータの割合)."""
        y = backend.to_numpy(self.predict(x))
        return float(np.mean(y == check_binary_labels(t, len(y))))

    def fit(self, x, t, max_epochs: int = 100):
        """パーセプトロンの学習規則で `(x, t)` を学習する.

        1 エポックを間違いなしで通せたら止まります (`converged_ = True`).
        線形分離可能でないデータ (XOR など) では止まらず, `max_epochs`
        で打ち切ります. 重みはデバイスの上で更新し, ホストで値を見るのは
        エポックごとに 1 度です (GPU でもデータ 1 つごとには待ちません).

        Parameters
        ----------
        x : (N, D) 配列
        t : (N,) 0 か 1 のラベル
        max_epochs : int

        Returns
        -------
        self
        """
        x = self._check_x(x)
        t = check_binary_labels(t, x.shape[0])
        gen = backend.rng(self.seed)
        self.errors_, self.history_ = [], []
        for _ in range(check_count("max_epochs", max_epochs)):
            w, b, mistakes = self.w, self.b, 0
            for n in gen.permutation(x.shape[0]):
                # perceptron_update と同じ規則. 値はデバイスに置いたまま
                y = step(x[n] @ w + b)
                delta = self.lr * (t[n] - y)  # -η, 0, +η のどれか
                w, b = w + delta * x[n], b + delta
                mistakes = mistakes + (delta != 0)  # 間違えた数
            self.w, self.b = w, float(b)  # エポックに 1 度だけホストへ
            self.errors_.append(int(mistakes))
            self.history_.append((backend.to_numpy(w).copy(), self.b))
            if self.errors_[-1] == 0:
                break
        self.epochs_ = len(self.errors_)
        self.converged_ = self.errors_[-1] == 0
        return self


def novikoff_bound(x, t, w, b) -> float:
    """パーセプトロンの更新回数の上限 ``(R / γ)²`` (Novikoff 1963).

    データ ``(x, t)`` を正しく分ける重み ``(w, b)`` が一つあれば,
    重み 0 から始めた学習規則の更新回数は ``(R / γ)²`` 以下です.
    バイアスは入力に 1 を付け足した ``x̃ = (x, 1)`` の重みとして扱い,
    ``R = max ‖x̃‖``, ``γ = min s (x̃·w̃) / ‖w̃‖`` (``s = 2t − 1``).

    Raises
    ------
    ValueError
        ``(w, b)`` がデータを正しく分けていないとき (γ ≤ 0).
    """
    x = backend.to_numpy(x).astype(np.float64)
    t = check_binary_labels(t, x.shape[0])
    xt = np.hstack([x, np.ones((x.shape[0], 1))])
    wt = np.append(backend.to_numpy(w).astype(np.float64), float(b))
    gamma = np.min((2 * t - 1) * (xt @ wt)) / np.linalg.norm(wt)
    if not gamma > 0:
        raise ValueError("(w, b) はデータを正しく分けていません (γ ≤ 0)")
    r = np.max(np.linalg.norm(xt, axis=1))
    return float((r / gamma) ** 2)


# ------------------------------------------- 損失関数としてのパーセプトロン


def zero_one_loss(w, b, x, t) -> float:
    """0-1 損失: 間違えたデータの割合 ``(1/N) Σ [step(x_n·w + b) ≠ t_n]``.

    w や b を少し動かしても値はほとんど変わらず, 変わるときは跳びます.
    そのため勾配は (跳ぶ所を除いて) どこでも 0 です.
    """
    xp = get_array_module(w, x)
    x = xp.asarray(x, dtype=xp.float64)
    t = check_binary_labels(t, x.shape[0])
    y = backend.to_numpy(step(x @ xp.asarray(w) + b))
    return float(np.mean(y != t))


def perceptron_criterion(w, b, x, t) -> float:
    """パーセプトロン基準 ``E = −Σ_{n∈M} s_n (x_n·w + b)``.

    ``s_n = 2t_n − 1`` (±1) で, M は間違えたデータの集合です
    (Bishop 2006, 4.1.7 節). 1 つのデータの項の勾配は ``−s_n x_n``
    なので, 確率的勾配降下法の 1 歩
    ``w ← w + η s_n x_n`` がパーセプトロンの学習規則になります.
    """
    xp = get_array_module(w, x)
    x = xp.asarray(x, dtype=xp.float64)
    t = check_binary_labels(t, x.shape[0])
    a = backend.to_numpy(x @ xp.asarray(w) + b)
    y = (a > 0).astype(np.int64)
    wrong = y != t
    return float(-np.sum((2 * t[wrong] - 1) * a[wrong]))
