"""第 6 章 (正則化) の練習問題のチェッカー.

使い方::

    from nnbook.exercises import regularization as check
    check.q6_1(answer_6_1)

数や選択肢で答える問題 (導出, 予想と確認, 説明) は値 (数, ``"A"``,
2 つ組) を受け取ります. ``...`` (読者版の初めの状態) なら「まだ答えが
書かれていません」と表示します. 実装の問題は読者の関数を NumPy 配列
(float64) で呼び, 境界の場合 (閾値ちょうど, 負の値, 改善が止まらない
列など) も試します.
"""

from __future__ import annotations

import math

import numpy as np

from nnbook.backend import to_numpy
from nnbook.exercises._core import (
    Mistake,
    call,
    checker,
    expect_choice,
    expect_close,
    expect_equal,
    expect_number,
)

__all__ = ["q6_1", "q6_2", "q6_3", "q6_4", "q6_5"]


# ------------------------------------------------ 6.1 荷重減衰の更新式


@checker("練習問題6.1 荷重減衰の更新式")
def q6_1(answer):
    r"""$\eta = 0.1$, $\alpha = 0.01$ の SGD で $w$ に掛かる倍率.

    正解は $1 - \eta\alpha$.
    """
    lr, alpha = 0.1, 0.01
    expect_number(
        answer,
        1.0 - lr * alpha,
        "倍率",
        hints={
            1.0 - alpha: "罰則の勾配 αw にも学習率 η が掛かります.",
            1.0 - 0.5 * lr * alpha: "(α/2)‖w‖² を w で微分すると, 1/2 は"
            "消えて αw になります.",
            1.0 - lr: "係数 α を掛け忘れていませんか.",
            1.0 + lr * alpha: "勾配降下法は勾配と逆向きに進むので, 重みは"
            "縮みます (倍率は 1 より小さい).",
        },
        rtol=1e-9,
    )


# ------------------------------------------- 6.2 補間の閾値の予想


@checker("練習問題6.2 補間の閾値")
def q6_2(answer):
    """訓練データ 50 枚の二重降下で, テスト誤差が最大になる特徴の数."""
    hints = {
        64: "64 は入力の次元 D です. 行列 Φ の形は (N, P) です. 連立方程式 "
        "ΦW = Y の式の数と未知数の数が等しくなるのはいつですか.",
        100: "100 は本文の実験の値です. 訓練データの数を 50 枚に変えると, "
        "閾値も動きます.",
        10: "10 はクラスの数です. 特徴の数 P と訓練データの数 N の関係を"
        "考えてください.",
    }
    for wrong in (200, 500, 1000):
        hints[wrong] = (
            "P が N を大きく超えると解は無数にあり, 最小ノルムの解は"
            "落ち着きます."
        )
    for wrong in (20, 30, 40, 60, 80):
        hints[wrong] = "ピークは P = N (補間の閾値) の近くにあります."
    expect_number(answer, 50.0, "特徴の数", hints=hints, rtol=1e-9)


# ------------------------------------------ 6.3 ドロップアウトの倍率


_REASONS = {
    "B": "分散は保たれません (大きくなります). 保たれるのは期待値です.",
    "C": "0 にした要素の勾配は, 倍率を掛けても 0 のままです. 出力の"
    "期待値を考えてください.",
}


@checker("練習問題6.3 ドロップアウトの倍率")
def q6_3(answer):
    """``(倍率, 理由の記号)``: ratio = 0.2 のとき 1.25 と "A"."""
    value = answer
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise Mistake(
            f"答えが {value!r} です", '(倍率, "A") のような 2 つ組で答えます.'
        )
    expect_number(
        value[0],
        1.0 / 0.8,
        "倍率",
        hints={
            0.8: "0.8 は残す確率 1 − p です. 残った値はその逆数倍にします.",
            5.0: "落とす確率 p ではなく, 残す確率 1 − p で割ります.",
            1.2: "1 + p ではありません. 期待値が入力と等しくなる倍率です.",
        },
        rtol=1e-9,
    )
    expect_choice(value[1], "A", _REASONS)


# --------------------------------------------- 6.4 ソフト閾値関数


def _soft_threshold(w, threshold):
    return np.sign(w) * np.maximum(np.abs(w) - threshold, 0.0)


@checker("練習問題6.4 ソフト閾値関数 soft_threshold")
def q6_4(user_fn):
    r"""``soft_threshold(w, threshold)``.

    正解は $\mathrm{sign}(w)\max(|w| - c, 0)$ (要素ごと).
    """
    rng = np.random.default_rng(6)
    cases = [
        (
            "正と負の値 (c = 0.5)",
            np.array([-2.0, -0.5, -0.2, 0.0, 0.3, 1.5]),
            0.5,
        ),
        ("行列 (4, 3), c = 0.1", rng.normal(scale=0.3, size=(4, 3)), 0.1),
        ("c = 0 (何もしない)", np.array([[-1.0, 0.25], [3.0, -0.125]]), 0.0),
    ]
    for what, w, c in cases:
        original = w.copy()
        got = np.asarray(to_numpy(call(user_fn, w, c)), dtype=float)
        if not np.array_equal(w, original):
            raise Mistake(
                f"{what}: 入力の配列 w を書き換えています",
                "新しい配列を作って返してください (w -= … は使わない).",
            )
        expected = _soft_threshold(w, c)
        if got.shape == w.shape:
            hard = np.where(np.abs(w) > c, w, 0.0)
            if (
                c > 0
                and np.allclose(got, hard)
                and not np.allclose(got, expected)
            ):
                raise Mistake(
                    f"{what}: 小さい値を 0 にしただけで, 大きい値を縮めて"
                    "いません",
                    "|w| > c の値も c だけ 0 に近づけます (ハード閾値との"
                    "違い).",
                )
            if np.allclose(got, np.abs(expected)) and np.any(expected < 0):
                raise Mistake(
                    f"{what}: 負の値の符号が消えています",
                    "np.sign(w) を掛けて符号を戻してください.",
                )
        expect_close(
            got,
            expected,
            what,
            "|w| から c を引き, 負になったら 0 にし, 元の符号を付けます.",
            rtol=1e-12,
            atol=1e-15,
        )
        zeros = np.abs(w) <= c
        if np.any(got[zeros] != 0.0):
            raise Mistake(
                f"{what}: |w| ≤ c の要素がちょうど 0 になっていません", ""
            )


# ---------------------------------------------------- 6.5 早期終了


def _early_stopping(losses, patience):
    best, best_epoch, wait = math.inf, 0, 0
    for epoch, loss in enumerate(losses, start=1):
        if loss < best:
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if wait >= patience:
                return best_epoch, epoch
    return best_epoch, len(losses)


_ES_CASES = [
    (
        "本文のような列 (patience = 3)",
        [1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9],
        3,
    ),
    (
        "途中で持ち直す列 (patience = 3)",
        [1.0, 0.9, 0.95, 0.93, 0.85, 0.9, 0.91, 0.92],
        3,
    ),
    ("同じ値が続く列 (patience = 2)", [0.5, 0.5, 0.5, 0.4], 2),
    ("最後まで下がり続ける列 (patience = 2)", [0.9, 0.8, 0.7, 0.6], 2),
    ("patience = 1", [0.6, 0.5, 0.55, 0.4], 1),
]


@checker("練習問題6.5 早期終了 early_stopping_epochs")
def q6_5(user_fn):
    """``early_stopping_epochs(val_losses, patience) -> (best, stop)``.

    エポックは 1 から数えます. 改善は「これまでの最小値より真に小さい」
    ことで, 改善のないエポックが ``patience`` 回続いたエポックで止めます.
    止まらなければ ``stop`` は最後のエポック.
    """
    for what, losses, patience in _ES_CASES:
        got = call(user_fn, list(losses), patience)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise Mistake(
                f"{what}: 戻り値が {got!r} です",
                "(最良のエポック, 止めたエポック) の 2 つ組を返します.",
            )
        best, stop = _early_stopping(losses, patience)
        got = (int(got[0]), int(got[1]))
        if got == (best - 1, stop - 1):
            raise Mistake(
                f"{what}: エポックを 0 から数えています",
                "エポックは 1 から数えます (History.best_epoch と同じ).",
            )
        expect_equal(
            got[1],
            stop,
            f"{what}: 止めたエポック",
            "改善がないエポックを数え, patience 回に達したら止めます. "
            "改善したら数え直します. 同じ値は改善ではありません.",
        )
        expect_equal(
            got[0],
            best,
            f"{what}: 最良のエポック",
            "戻すのは止めたときの重みではなく, 検証損失が最小だった"
            "エポックの重みです.",
        )
