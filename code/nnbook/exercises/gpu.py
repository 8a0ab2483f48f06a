"""付録 A (GPU と CuPy) の練習問題のチェッカー.

使い方::

    from nnbook.exercises import gpu as check
    check.qa_1(answer)     # 値で答える問題
    check.qa_4(gflops)     # 関数を実装する問題

値で答える問題は, 値そのものか, 値を返す引数なしの関数を渡せます.
表示するのは読者の答えとヒントだけで, 正解の値は表示しません.
"""

from __future__ import annotations

import numpy as np

from nnbook.exercises._core import (
    Mistake,
    call,
    checker,
    expect_choice,
    expect_close,
    expect_number,
)

__all__ = ["QA_1_SIZES", "QA_3_CHOICES", "qa_1", "qa_2", "qa_3", "qa_4"]

#: 問題A.1: 本書の digits 用 MLP の層の大きさ.
QA_1_SIZES = (64, 100, 10)

#: 問題A.3 の選択肢.
QA_3_CHOICES = {
    "A": "GPU は float32 の行列積を CPU より遅くしか計算できないから",
    "B": "1 ステップの計算が小さく, 演算ごとの起動と待ち合わせの"
    "固定費が計算そのものの時間を上回るから",
    "C": "digits の画素値は整数なので, GPU では計算できないから",
    "D": "CuPy は逆伝播を GPU で計算できず, CPU に戻して計算するから",
}


def _blank():
    raise NotImplementedError("ここを実装してください")


def _value(answer):
    """答えの値. 関数なら呼び, None なら「未実装」にする."""
    if answer is None:
        return call(_blank)
    if callable(answer):
        return call(answer)
    return answer


def _n_params(sizes):
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=False))


# ------------------------------------------------ 問題A.1 パラメータの数


@checker("問題A.1 digits 用 MLP のパラメータの数")
def qa_1(answer):
    """``answer = 数``: 64-100-10 の MLP の重みとバイアスの要素数の合計."""
    value = _value(answer)
    d, h, c = QA_1_SIZES
    hints = {
        d * h + h * c: "重みだけを数えています. 各層のバイアスも学習する"
        "パラメータです.",
        d + h + c: "ユニット (ニューロン) の数を数えています. 数えるのは"
        "重みとバイアスの要素です.",
        d * h + h + h * c: "2 層目のバイアス (クラスの数だけある) を"
        "忘れています.",
        d * h * c: "層の大きさを全部掛けています. 層ごとに D × M + M を"
        "数えて足します.",
    }
    expect_number(value, _n_params(QA_1_SIZES), "パラメータの数", hints)


# ------------------------------------- 問題A.2 行列積の大きさと時間の予想


@checker("問題A.2 行列積を 2 倍の大きさにしたときの時間")
def qa_2(answer):
    """``answer = 倍率``: n × n の行列積で n を 2 倍にしたときの計算量."""
    value = _value(answer)
    hints = {
        2.0: "行列の 1 辺の長さの比だけを見ています. 出力の要素の数と, "
        "1 要素あたりの掛け算の数の両方が増えます.",
        4.0: "それは行列の要素の数 (メモリの量) の比です. 出力の 1 要素を"
        "作るのに必要な掛け算の数も n に比例して増えます.",
        16.0: "n の 4 乗で増えると考えています. 出力は n² 要素, 1 要素に"
        "n 回の掛け算と足し算です.",
    }
    expect_number(value, 8.0, "計算量の倍率", hints)


# ---------------------------------------- 問題A.3 GPU が速くならない理由


@checker("問題A.3 digits の大きさで GPU が速くならない理由")
def qa_3(answer):
    """``answer = "A"`` などの記号 (:data:`QA_3_CHOICES`)."""
    expect_choice(
        _value(answer),
        "B",
        {
            "A": "大きな行列積では, GPU は CPU より何十倍も速く計算します. "
            "問題は行列の大きさのほうです.",
            "C": "nnbook は入力を float に変えてから計算します. 整数か"
            "どうかは関係ありません.",
            "D": "CuPy の配列は逆伝播のあいだも GPU に置かれたままです "
            "(関数は入力に従います).",
        },
    )


# --------------------------------------------- 問題A.4 GFLOP/s を求める


def _gflops_ok(n, ms):
    return 2.0 * float(n) ** 3 / (ms * 1e-3) / 1e9


_QA_4_CASES = [(256, 0.17), (1024, 10.6), (2048, 87.5), (100, 1.0)]


@checker("問題A.4 行列積の速さ (GFLOP/s)")
def qa_4(gflops):
    """``gflops(n, ms)``: n × n の行列積が ms ミリ秒なら何 GFLOP/s か."""
    for n, ms in _QA_4_CASES:
        got = call(gflops, n, ms)
        try:
            got = float(got)
        except (TypeError, ValueError):
            raise Mistake(
                f"gflops({n}, {ms}) が数を返していません (返した値: {got!r})",
                "return で 1 つの数を返します.",
            ) from None
        ok = _gflops_ok(n, ms)
        if np.isclose(got, ok / 2):
            raise Mistake(
                f"gflops({n}, {ms}) が半分の値です",
                "1 回の積和は掛け算と足し算の 2 回の浮動小数点演算と数えます.",
            )
        if np.isclose(got, ok * 1e3) or np.isclose(got, ok / 1e3):
            raise Mistake(
                f"gflops({n}, {ms}) が 1000 倍ずれています",
                "ms は秒の 1000 分の 1, G は 10⁹ です. 単位を一つずつ"
                "直します.",
            )
        expect_close(
            got,
            ok,
            f"gflops({n}, {ms})",
            "演算の数 2n³ を秒で割り, 10⁹ で割ります.",
            rtol=1e-6,
        )
