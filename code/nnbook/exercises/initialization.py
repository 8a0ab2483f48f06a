"""第 7 章 (重みの初期値とデータの前処理) の練習問題のチェッカー.

使い方::

    from nnbook.exercises import initialization as check
    check.q7_1(answer)          # 値で答える問題
    check.q7_6(standardize)     # 関数を実装する問題

値で答える問題は, よくある間違いの値 (分散と標準偏差の取り違え,
ReLU の 1/2 の忘れなど) にはそれに合わせたヒントを出します.
答えの値そのものは表示しません.
"""

from __future__ import annotations

import math

import numpy as np

from nnbook.backend import to_numpy
from nnbook.exercises._core import (
    Mistake,
    call,
    checker,
    expect_close,
    expect_number,
)

__all__ = ["q7_1", "q7_2", "q7_3", "q7_4", "q7_5", "q7_6"]


def _number(answer, what="答え"):
    """答えを float にする. 数でなければ Mistake."""
    if isinstance(answer, bool):
        raise Mistake(
            f"{what}は数で答えてください (True/False ではなく)",
            "例: answer = 0.5",
        )
    try:
        value = float(np.asarray(to_numpy(answer)).reshape(()))
    except (TypeError, ValueError):
        raise Mistake(
            f"{what}は 1 つの数で答えてください (受け取った値: {answer!r})",
            "例: answer = 0.5",
        ) from None
    if not math.isfinite(value):
        raise Mistake(
            f"{what}が有限の数ではありません: {value}",
            "inf や nan ではなく, 計算した値を書いてください.",
        )
    return value


def _near(value, target, rtol=1e-3):
    return math.isclose(value, target, rel_tol=rtol)


@checker("練習問題7.1 ReLU の層の重みの分散")
def q7_1(answer):
    """n_in = 50 の ReLU の層で, 活性の 2 乗平均を保つ Var[W] (= 2/50)."""
    v = _number(answer)
    wrong = {
        1 / 50: "それは活性化関数が恒等関数 (線形) のときの条件です. "
        "ReLU は負の入力を 0 にするので, 2 乗平均は半分になります.",
        math.sqrt(2 / 50): "それは標準偏差です. 問われているのは分散です.",
        2 / 150: "それは Glorot の 2/(n_in + n_out) です. "
        "ここでは順伝播 (n_in) だけを考えます.",
        1 / 100: "ReLU で半分になるのを補うには, 分散を 2 で割るのでは"
        "なく 2 倍にします.",
    }
    expect_number(
        v,
        2 / 50,
        "Var[W]",
        wrong,
        miss_hint="Var[z] = n_in Var[W] E[h²] と E[ReLU(z)²] = Var[z]/2 を"
        "組み合わせてください.",
    )


@checker("練習問題7.2 PyTorch の既定の初期値と He の初期値の分散の比")
def q7_2(answer):
    """U(-1/√n, 1/√n) の分散 1/(3n) と He の 2/n の比 (= 1/6)."""
    v = _number(answer)
    wrong = {
        1 / 2: "U(-a, a) の分散は a² ではなく a²/3 です.",
        1 / math.sqrt(6): "それは標準偏差の比です. 分散の比を答えてください.",
        6.0: "比の向きが逆です (PyTorch の既定 ÷ He).",
        1 / 3: "He の分散は 1/n_in ではなく 2/n_in です.",
    }
    expect_number(
        v,
        1 / 6,
        "分散の比",
        wrong,
        miss_hint="一様分布 U(-a, a) の分散は a²/3 です. a = 1/√n_in を"
        "入れて, He の 2/n_in で割ってください.",
    )


@checker("練習問題7.3 第 10 層の活性の大きさの予想")
def q7_3(answer):
    """ReLU, Var[W] = 1/n, 入力 N(0, 1): 第 10 層の 2 乗平均平方根 2⁻⁵."""
    v = _number(answer)
    target = 2.0**-5
    if _near(v, 1.0, 0.05):
        raise Mistake(
            "活性が保たれると予想しましたね. 実際には層ごとに縮みます.",
            "Var[W] = 1/n は恒等関数なら大きさを保ちますが, ReLU は負の"
            "入力を 0 にします. 1 層で 2 乗平均は何倍になりますか.",
        )
    if _near(v, 2.0**-10, 0.05):
        raise Mistake(
            "それは 2 乗平均そのものです.",
            "問われているのは 2 乗平均の平方根です.",
        )
    if _near(v, 2.0**-4.5, 0.05):
        raise Mistake(
            "9 層分しか縮めていません.",
            "第 1 層の ReLU でも 2 乗平均は半分になります.",
        )
    if _near(v, 0.5**10, 0.05) or _near(v, 0.5**9, 0.05):
        raise Mistake(
            "標準偏差 (平方根) を層ごとに半分にしていませんか.",
            "半分になるのは 2 乗平均です. 平方根は 1/√2 倍です.",
        )
    expect_close(
        v,
        target,
        "第 10 層の 2 乗平均平方根",
        "E[h_l²] = n Var[W] E[h_{l-1}²] / 2 を 10 回使ってください. "
        "入力の 2 乗平均は 1 です.",
        rtol=0.02,
    )


@checker("練習問題7.4 同じ値で初期化したときの中間層")
def q7_4(answer):
    """選択肢: C (動くが, ユニットはいつまでも同じ)."""
    choice = str(answer).strip().upper() if isinstance(answer, str) else None
    if choice not in {"A", "B", "C", "D"}:
        raise Mistake(
            f"A, B, C, D のどれかを文字列で答えてください "
            f"(受け取った値: {answer!r})",
            '例: answer = "A"',
        )
    hints = {
        "A": "ユニット j と k の重みが同じなら, 出力も, 逆伝播で届く勾配も"
        "同じです. 同じ量だけ動いたユニットが違う値になるでしょうか.",
        "B": "勾配がちょうど 0 になるのは, 重みをすべて 0 にしたときです. "
        "0.1 なら上の層から勾配が届きます.",
        "D": "0.1 は小さな値で, 発散の原因にはなりません. "
        "7.4 節の実験を見直してください.",
    }
    if choice in hints:
        raise Mistake(f"{choice} ではありません.", hints[choice])


@checker("練習問題7.5 正解率が隠すもの")
def q7_5(answer):
    """1000 件中 20 件の少数クラスを全部外し, 他を全部当てる: 0.98."""
    v = _number(answer)
    if _near(v, 0.02) or _near(v, 20):
        raise Mistake(
            "それは誤りの割合 (か数) です.",
            "正解率は, 正しく分類した数 ÷ 全体の数です.",
        )
    if _near(v, 98):
        raise Mistake(
            "百分率ではなく, 0 から 1 の割合で答えてください.",
            "98 % なら 0.98 です.",
        )
    expect_close(
        v,
        0.98,
        "正解率",
        "少数クラスの 20 件以外の 980 件は正しく分類されています.",
        rtol=1e-6,
    )


def _std_case(rng):
    x_train = rng.normal(3.0, 2.0, size=(40, 5))
    x_train[:, 1] = 0.0  # 訓練データでは値が一定の特徴量
    x_train[:, 3] *= 1e-3  # 小さいが 0 ではない標準偏差
    x_test = rng.normal(3.5, 2.5, size=(10, 5))
    x_test[:, 1] = 0.0
    x_test[2, 1] = 0.25  # テストデータにだけ現れる値
    return x_train, x_test


def _reference_std(x_train, x_test):
    mean = x_train.mean(axis=0)
    std = x_train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return (x_train - mean) / std, (x_test - mean) / std


@checker("練習問題7.6 値が一定の特徴量に強い標準化")
def q7_6(user_fn):
    """``standardize(x_train, x_test) -> (z_train, z_test)``."""
    rng = np.random.default_rng(7)
    x_train, x_test = _std_case(rng)
    copies = x_train.copy(), x_test.copy()
    with np.errstate(all="ignore"):
        out = call(user_fn, x_train, x_test)
    if not (isinstance(out, tuple) and len(out) == 2):
        raise Mistake(
            "戻り値は (z_train, z_test) の 2 つ組にしてください.",
            "return z_train, z_test",
        )
    z_train, z_test = (np.asarray(to_numpy(z), dtype=float) for z in out)
    if not (
        np.array_equal(x_train, copies[0])
        and np.array_equal(x_test, copies[1])
    ):
        raise Mistake(
            "渡された x_train か x_test を書き換えています.",
            "x -= mean のようなその場の演算ではなく, 新しい配列を作って"
            "ください.",
        )
    ref_train, ref_test = _reference_std(x_train, x_test)
    if np.isnan(z_train).any() or np.isnan(z_test).any():
        raise Mistake(
            "nan が出ています (値が一定の特徴量で 0 / 0).",
            "標準偏差が 0 の特徴量は 1 で割る (平均を引くだけにする) と"
            "よいです.",
        )
    if np.abs(z_test).max() > 1e6:
        raise Mistake(
            f"テストデータの値が {np.abs(z_test).max():.1e} まで"
            "大きくなっています.",
            "σ に小さな eps を足して割ると, 訓練データで一定だった特徴量に"
            "テストデータで値が現れたとき, それが 1/eps 倍になります. "
            "σ = 0 の特徴量は 1 で割ってください.",
        )
    test_stats = _reference_std(x_test, x_test)[1]
    if np.allclose(z_test, test_stats, atol=1e-6) and not np.allclose(
        z_test, ref_test, atol=1e-6
    ):
        raise Mistake(
            "テストデータをテストデータ自身の平均と標準偏差で変換しています.",
            "平均と標準偏差は訓練データだけから求め, 同じ値でテストデータ"
            "も変換します.",
        )
    hint = "訓練データの平均と (N で割る) 標準偏差を使っていますか."
    expect_close(z_train, ref_train, "z_train", hint, rtol=1e-6, atol=1e-8)
    expect_close(z_test, ref_test, "z_test", hint, rtol=1e-6, atol=1e-8)
