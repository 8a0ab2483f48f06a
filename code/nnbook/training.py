"""学習ループ: ミニバッチ, 検証データ, 学習率のスケジュール, 早期終了,
アンサンブル.

モデルと最適化手法には次の約束だけを求めます.

- ``model.params`` : パラメータの辞書 (``"W1"``, ``"b1"``, …)
- ``model.gradient(x, t)`` : ``params`` と同じキーの勾配の辞書
- ``model.loss(x, t)`` : 損失 (スカラー)
- ``model.accuracy(x, t)`` : 正解率 (なくてもよい)
- ``optimizer.update(params, grads)`` と属性 ``optimizer.lr``

``loss`` と ``accuracy`` が ``train`` (または ``train_flg``) 引数を
持つなら, 評価は ``train=False`` (推論モード: ドロップアウトなし,
バッチ正規化は移動平均) で行います.

進捗バー (``tqdm.auto``) の表示には経過時間が入り, 実行のたびに変わる
ので, nbval で出力を比べられません. 章を実行するときは環境変数
``TQDM_DISABLE=1`` を設定するので, ``progress=True`` でもバーは出ません
(読者が Jupyter で実行したときだけ出ます).
"""

from __future__ import annotations

import inspect
import math
import os
from dataclasses import dataclass, field

import numpy as np

from nnbook import backend
from nnbook._checks import check_fit_args, check_models

__all__ = [
    "CosineAnnealing",
    "ExponentialDecay",
    "History",
    "StepDecay",
    "ensemble_accuracy",
    "ensemble_proba",
    "train",
]


# ---------------------------------------------------------------------------
# 学習率のスケジュール: schedule(epoch, base_lr) -> lr
# epoch は 0 から数える (これから回すエポックの番号).
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StepDecay:
    """``step_size`` エポックごとに学習率を ``gamma`` 倍する.

    lr = base_lr · gamma^⌊epoch / step_size⌋
    (PyTorch の ``StepLR`` をエポックごとに ``step()`` したときと同じ)
    """

    step_size: int
    gamma: float = 0.1

    def __post_init__(self):
        if self.step_size < 1:
            raise ValueError(f"step_size は 1 以上です: {self.step_size!r}")

    def __call__(self, epoch: int, base_lr: float) -> float:
        return base_lr * self.gamma ** (epoch // self.step_size)


@dataclass(frozen=True)
class ExponentialDecay:
    """毎エポック学習率を ``gamma`` 倍する: lr = base_lr · gamma^epoch.

    (PyTorch の ``ExponentialLR`` と同じ)
    """

    gamma: float

    def __call__(self, epoch: int, base_lr: float) -> float:
        return base_lr * self.gamma**epoch


@dataclass(frozen=True)
class CosineAnnealing:
    """コサインで学習率を `lr_min` まで下げる (Loshchilov & Hutter 2017).

    lr = lr_min + (base_lr − lr_min) · (1 + cos(π · epoch / t_max)) / 2

    `epoch ≤ t_max` では PyTorch の `CosineAnnealingLR` と同じです.
    `t_max` を過ぎると `lr_min` のままにします (PyTorch は再び
    上げていきます).
    """

    t_max: int
    lr_min: float = 0.0

    def __post_init__(self):
        if self.t_max < 1:
            raise ValueError(f"t_max は 1 以上です: {self.t_max!r}")

    def __call__(self, epoch: int, base_lr: float) -> float:
        e = min(epoch, self.t_max)
        cos = (1.0 + math.cos(math.pi * e / self.t_max)) / 2.0
        return self.lr_min + (base_lr - self.lr_min) * cos


# ---------------------------------------------------------------------------
# 学習の記録
# ---------------------------------------------------------------------------


@dataclass
class History:
    """エポックごとの記録. リストの i 番目がエポック i + 1 の値です.

    Attributes
    ----------
    train_loss, train_acc : list of float
        エポックの終わりに訓練データ全体で測った損失と正解率.
    val_loss, val_acc : list of float
        検証データでの値 (検証データがなければ空).
    lr : list of float
        そのエポックで使った学習率.
    best_epoch : int or None
        監視した損失 (検証データがあれば検証損失, なければ訓練損失) が
        最小だったエポックの番号 (1 から数える).
    stopped_early : bool
        早期終了で止まったら True.
    """

    train_loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    lr: list = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False

    @property
    def epochs(self) -> int:
        """実際に回したエポック数."""
        return len(self.train_loss)

    def as_dict(self) -> dict:
        return {
            "train_loss": list(self.train_loss),
            "train_acc": list(self.train_acc),
            "val_loss": list(self.val_loss),
            "val_acc": list(self.val_acc),
            "lr": list(self.lr),
            "best_epoch": self.best_epoch,
            "stopped_early": self.stopped_early,
        }

    def __repr__(self) -> str:
        parts = [f"epochs={self.epochs}"]
        for name in ("train_loss", "train_acc", "val_loss", "val_acc"):
            values = getattr(self, name)
            if values:
                parts.append(f"{name}={values[-1]:.4f}")
        parts.append(f"best_epoch={self.best_epoch}")
        if self.stopped_early:
            parts.append("stopped_early=True")
        return f"History({', '.join(parts)})"


# ---------------------------------------------------------------------------
# 学習ループ
# ---------------------------------------------------------------------------


def _evaluate(fn, x, t):
    """`fn(x, t)` を推論モードで呼ぶ (値は GPU の上にあってもよい)."""
    params = inspect.signature(fn).parameters
    if "train" in params:
        return fn(x, t, train=False)
    if "train_flg" in params:
        return fn(x, t, train_flg=False)
    return fn(x, t)


def _floats(values):
    """値を float にする. GPU の上の値はまとめて 1 回でホストへ移す."""
    on_gpu = [v for v in values if backend.is_gpu_array(v)]
    if on_gpu:
        xp = backend.get_array_module(*on_gpu)
        stacked = xp.stack([v.astype(xp.float64) for v in on_gpu])
        host = iter(backend.to_numpy(stacked).tolist())
        values = [next(host) if backend.is_gpu_array(v) else v for v in values]
    return [float(v) for v in values]


def _to_model_device(model, *arrays):
    """データをモデルのパラメータのデバイスへ一度だけ移す.

    ステップごとに移すと, そのたびに転送が起きるためです.
    """
    like = next(iter(model.params.values()), None)
    if like is None:
        return arrays
    return [
        None if a is None else backend.to_device_of(a, like) for a in arrays
    ]


def _minibatches(n: int, batch_size: int, gen, xp):
    """0..n-1 をシャッフルして batch_size ずつに分けた添字を順に返す."""
    perm = gen.permutation(n)
    if xp is not np:
        perm = xp.asarray(perm)
    for start in range(0, n, batch_size):
        yield perm[start : start + batch_size]


def train(
    model,
    optimizer,
    x,
    t,
    epochs: int,
    batch_size: int,
    x_val=None,
    t_val=None,
    lr_schedule=None,
    early_stopping: int | None = None,
    seed: int = 0,
    progress: bool = True,
    min_delta: float = 0.0,
) -> History:
    """ミニバッチ学習を ``epochs`` エポック回し, 記録を返す.

    各エポックで, シードつきのホスト側乱数 (``backend.rng(seed)``) で
    訓練データを並べ替え, ``batch_size`` 個ずつ (最後は余り) に
    分けて ``grads = model.gradient(xb, tb)``,
    ``optimizer.update(model.params, grads)`` を繰り返します.
    エポックの終わりに訓練データ全体と検証データで損失と正解率を測ります.

    Parameters
    ----------
    model : ``params``, ``gradient``, ``loss`` (と ``accuracy``) を持つ
    optimizer : ``update(params, grads)`` と ``lr`` を持つ
    x : (N, ...) 入力, t : (N, ...) 教師データ
    epochs : int
    batch_size : int
    x_val, t_val : 検証データ (任意)
    lr_schedule : callable, optional
        ``lr_schedule(epoch, base_lr) -> lr`` (epoch は 0 から).
        :class:`StepDecay`, :class:`ExponentialDecay`,
        :class:`CosineAnnealing` か自作の関数. ``base_lr`` は呼び出し
        時の ``optimizer.lr`` で, 学習の後に ``optimizer.lr`` は
        ``base_lr`` に戻します.
    early_stopping : int, optional
        我慢するエポック数 (patience). 検証損失が ``min_delta`` より
        大きく改善しないエポックがこの数だけ続いたら止め, 検証損失が
        最小だったエポックのパラメータに (その場で) 戻します.
    seed : int
        ミニバッチの並べ替えのシード. 同じシードなら同じ学習になります.
    progress : bool
        ``tqdm.auto`` の進捗バーを出すか. True でも環境変数
        ``TQDM_DISABLE=1`` があれば出しません (章を実行する環境).
    min_delta : float
        改善とみなす損失の減り幅.

    Returns
    -------
    History
    """
    check_fit_args(x, t, epochs, batch_size, x_val, t_val, early_stopping)
    x, t, x_val, t_val = _to_model_device(model, x, t, x_val, t_val)
    from tqdm.auto import tqdm

    gen = backend.rng(seed)
    xp = backend.get_array_module(x)
    accuracy = getattr(model, "accuracy", None)
    base_lr = optimizer.lr
    history = History()
    best_loss, best_params, wait = math.inf, None, 0

    bar = tqdm(
        range(1, int(epochs) + 1),
        desc="学習",
        unit="epoch",
        disable=_progress_off(progress),
    )
    try:
        for epoch in bar:
            if lr_schedule is not None:
                optimizer.lr = float(lr_schedule(epoch - 1, base_lr))
            history.lr.append(float(optimizer.lr))
            for idx in _minibatches(len(x), int(batch_size), gen, xp):
                grads = model.gradient(x[idx], t[idx])
                optimizer.update(model.params, grads)

            # エポックの終わりの評価. ホストで値を見るのはここだけ
            monitor = _record(
                history, model.loss, accuracy, x, t, x_val, t_val
            )
            bar.set_postfix_str(_postfix(history), refresh=False)

            if monitor < best_loss - min_delta:
                best_loss, wait = monitor, 0
                history.best_epoch = epoch
                if early_stopping is not None:
                    best_params = {
                        k: v.copy() for k, v in model.params.items()
                    }
            else:
                wait += 1
                if early_stopping is not None and wait >= early_stopping:
                    history.stopped_early = True
                    break
    finally:
        bar.close()
        optimizer.lr = base_lr

    if best_params is not None:
        for key, value in best_params.items():
            model.params[key][...] = value  # 層と共有する配列をその場で戻す
    return history


def _progress_off(progress: bool) -> bool:
    """進捗バーを消すか. 環境変数 TQDM_DISABLE=1 (章の実行環境) でも消す.

    Jupyter で ``tqdm.auto`` が選ぶ ``tqdm.notebook`` は ``disable`` を
    自分で False に決めてしまい, この環境変数を読まないので, ここで
    読みます.
    """
    env = os.environ.get("TQDM_DISABLE", "").strip().lower()
    return not progress or env not in ("", "0", "false")


def _record(history, loss, accuracy, x, t, x_val, t_val) -> float:
    """損失と正解率を測って history に足し, 監視する損失を返す."""
    names, values = ["train_loss"], [_evaluate(loss, x, t)]
    if accuracy is not None:
        names.append("train_acc")
        values.append(_evaluate(accuracy, x, t))
    if x_val is not None:
        names.append("val_loss")
        values.append(_evaluate(loss, x_val, t_val))
        if accuracy is not None:
            names.append("val_acc")
            values.append(_evaluate(accuracy, x_val, t_val))
    for name, value in zip(names, _floats(values), strict=True):
        getattr(history, name).append(value)
    return (
        history.val_loss[-1] if x_val is not None else history.train_loss[-1]
    )


def _postfix(h: History) -> str:
    text = f"loss={h.train_loss[-1]:.4f}"
    if h.val_acc:
        text += f" val_acc={h.val_acc[-1]:.4f}"
    elif h.train_acc:
        text += f" acc={h.train_acc[-1]:.4f}"
    return text


# ---------------------------------------------------------------------------
# アンサンブル: 何個かのモデルの予測を平均する
# ---------------------------------------------------------------------------


def ensemble_proba(models, x):
    r"""モデルごとのソフトマックス出力を平均した確率 `(N, C)`.

    $$\bar{y} = \frac{1}{K}\sum_{k=1}^{K} \mathrm{softmax}(f_k(x))$$

    Breiman (1996) のバギングは, 数値の予測では平均, クラスの予測
    では多数決で予測をまとめます. ここではクラスの確率を平均します
    (自信のあるモデルの票が重くなります). 各モデルは
    `predict(x, train=False)` でソフトマックスの前のスコアを返す
    ものとします (`nnbook.models.MLP` など).
    """
    from nnbook.activations import softmax

    models = check_models(models)
    total = 0.0
    for model in models:
        total = total + softmax(model.predict(x, train=False))
    return total / len(models)


def ensemble_accuracy(models, x, t) -> float:
    """``ensemble_proba`` の最大のクラスで予測したときの正解率.

    ``t`` は整数のラベル (N,) か one-hot (N, C).
    """
    y = ensemble_proba(models, x).argmax(axis=1)
    if t.ndim != 1:
        t = t.argmax(axis=1)
    return float((y == t).mean())
