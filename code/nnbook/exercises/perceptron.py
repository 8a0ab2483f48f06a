"""第 1 章 パーセプトロンの練習問題のチェッカー.

使い方::

    from nnbook.exercises import perceptron as check
    check.nor_gate(nor_gate)
    check.perceptron_update(perceptron_update)

どのチェッカーも, 正しければ ○ を表示して True を, 違えば × と
ヒントを表示して False を返します. 答えそのものは表示しません.
"""

from __future__ import annotations

import numbers

import numpy as np

from nnbook import feedforward
from nnbook import perceptron as ref
from nnbook.backend import to_numpy
from nnbook.exercises._core import (
    Mistake,
    call,
    checker,
    expect_choice,
    expect_close,
    expect_number,
)

__all__ = [
    "and_gate",
    "forward",
    "lr_scaling",
    "nand_gate",
    "nor_gate",
    "novikoff_and",
    "or_gate",
    "perceptron_update",
    "step_gradient",
    "xnor_gate",
    "xor_gate",
]

# ------------------------------------------------------------ 論理ゲート

_INPUTS = ((0, 0), (1, 0), (0, 1), (1, 1))

#: 各ゲートの真理値表 (入力は _INPUTS の順).
_TABLES = {
    "AND": (0, 0, 0, 1),
    "OR": (0, 1, 1, 1),
    "NAND": (1, 1, 1, 0),
    "NOR": (1, 0, 0, 0),
    "XOR": (0, 1, 1, 0),
    "XNOR": (1, 0, 0, 1),
}

_GATE_HINTS = {
    "AND": "両方が 1 のときだけ和が閾値を超えるように, バイアスを"
    "十分に負にしてください.",
    "OR": "どちらか一方が 1 なら和が 0 を超えるように, バイアスを"
    "小さな負の値にしてください.",
    "NAND": "AND の重みとバイアスの符号をすべて反対にすると, 出力が"
    "反転します.",
    "NOR": "OR の重みとバイアスの符号をすべて反対にすると, 出力が反転します.",
    "XOR": "1 つのパーセプトロン (直線 1 本) では作れません. NAND, OR, "
    "AND を 2 層に組み合わせてください.",
    "XNOR": "1 つのパーセプトロンでは作れません. XOR の出力を反転するか, "
    "AND と NOR を OR でまとめるなど, ゲートを 2 層に組み合わせて"
    "ください.",
}


def _as_bit(value, inputs):
    """読者の関数の出力を 0 か 1 の int にする. できなければ Mistake."""
    arr = np.asarray(to_numpy(value))
    if arr.size != 1 or not isinstance(arr.item(), numbers.Real):
        raise Mistake(
            f"入力 {inputs} で {value!r} が返りました. 0 か 1 の数を 1 つ"
            "返してください",
            "関数の最後で return を忘れていないか確かめてください.",
        )
    v = arr.item()
    if v not in (0, 1):
        raise Mistake(
            f"入力 {inputs} で {v!r} が返りました. 出力は 0 か 1 です",
            "重み付き和をそのまま返さず, ステップ関数 (0 以下なら 0, "
            "正なら 1) を通してください.",
        )
    return int(v)


def _gate_checker(name: str, title: str):
    expected = _TABLES[name]

    @checker(title)
    def check(fn) -> None:
        got = []
        for x1, x2 in _INPUTS:
            got.append(_as_bit(call(fn, x1, x2), (x1, x2)))
        # 入力を float で渡しても同じ答えか (0.0 と 1.0 も 0 と 1)
        for (x1, x2), y in zip(_INPUTS, got, strict=True):
            yf = _as_bit(call(fn, float(x1), float(x2)), (x1 * 1.0, x2 * 1.0))
            if yf != y:
                raise Mistake(
                    f"入力 ({x1}, {x2}) と ({x1 * 1.0}, {x2 * 1.0}) で"
                    "出力が違います",
                    "整数と小数のどちらを渡しても同じ計算になるように"
                    "してください.",
                )
        if tuple(got) == expected:
            return
        wrong = [i for i in range(4) if got[i] != expected[i]]
        first = _INPUTS[wrong[0]]
        other = [k for k, v in _TABLES.items() if v == tuple(got)]
        if other:
            msg = (
                f"あなたの関数は {other[0]} ゲートになっています "
                f"(入力 {first} などで違います)"
            )
        else:
            msg = (
                f"4 通りの入力のうち {len(wrong)} 通りで出力が違います "
                f"(最初は入力 {first})"
            )
        raise Mistake(msg, _GATE_HINTS[name])

    check.__name__ = f"{name.lower()}_gate"
    check.__doc__ = (
        f"{name} ゲートの関数 ``fn(x1, x2) -> 0 or 1`` を 4 通りの入力で"
        "確かめる."
    )
    return check


and_gate = _gate_checker("AND", "AND ゲート")
or_gate = _gate_checker("OR", "OR ゲート")
nand_gate = _gate_checker("NAND", "NAND ゲート")
nor_gate = _gate_checker("NOR", "練習問題1.1 NORゲート")
xor_gate = _gate_checker("XOR", "XOR ゲート")
xnor_gate = _gate_checker("XNOR", "練習問題1.2 XNORゲート")

# ------------------------------------------------- パーセプトロンの学習規則

# (場面の説明, w, b, x, t, lr). a = x·w + b の値は説明のとおり.
_UPDATE_CASES = (
    ("正しく 1 と答えた場合", [0.5, -0.2], 0.1, [1.0, 2.0], 1, 1.0),
    ("0 を 1 と間違えた場合", [0.5, -0.2], 0.1, [2.0, -1.0], 0, 1.0),
    ("1 を 0 と間違えた場合", [0.5, -0.5], -0.25, [1.0, 1.0], 1, 1.0),
    ("学習率 0.5 で間違えた場合", [0.5, -0.5], -0.25, [1.0, 1.0], 1, 0.5),
    ("学習率 0.1 で正しく 0", [-1.0, 0.25], 0.0, [-1.0, -3.0], 0, 0.1),
    ("x·w + b = 0 で正解が 1 の場合", [1.0, -1.0], 0.0, [2.0, 2.0], 1, 1.0),
)


def _split_result(result):
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise Mistake(
            f"戻り値は (w_new, b_new) の組のはずですが {type(result).__name__}"
            " が返りました",
            "return w_new, b_new のように 2 つを返してください.",
        )
    return result


@checker("パーセプトロンの学習規則")
def perceptron_update(fn) -> None:
    """``fn(w, b, x, t, lr) -> (w_new, b_new)`` を 6 つの場面で確かめる."""
    for scene, w, b, x, t, lr in _UPDATE_CASES:
        w_in = np.array(w)
        x_in = np.array(x)
        w_new, b_new = _split_result(call(fn, w_in, b, x_in, t, lr))
        if not np.array_equal(w_in, np.array(w)):
            raise Mistake(
                "引数の w を書き換えています",
                "w += ... は渡された配列そのものを変えます. "
                "w_new = w + ... と新しい配列を作ってください.",
            )
        w_ref, b_ref = ref.perceptron_update(np.array(w), b, x_in, t, lr)
        w_got = np.asarray(to_numpy(w_new), dtype=float)
        same_w = w_got.shape == w_ref.shape and np.allclose(w_got, w_ref)
        if not same_w:
            hint = (
                "誤差 t − y の符号を確かめてください. 1 を 0 と間違えたら "
                "x を足す向きです."
                if np.allclose(w_got, 2 * np.array(w) - w_ref)
                else "y = step(x·w + b) を計算し, w に η (t − y) x を"
                "足してください. step(0) は 0 です."
            )
            expect_close(w_new, w_ref, f"{scene}の w_new", hint)
        hint_b = (
            "バイアスも更新します: b に η (t − y) を足してください."
            if np.isclose(float(np.asarray(to_numpy(b_new))), b)
            else "b_new = b + η (t − y) です. x は掛けません."
        )
        expect_close(b_new, b_ref, f"{scene}の b_new", hint_b)


# ----------------------------------------------------------- 3 層の順伝播


def _test_params(sizes, seed):
    gen = np.random.default_rng(seed)
    params = {}
    pairs = zip(sizes[:-1], sizes[1:], strict=False)
    for i, (n_in, n_out) in enumerate(pairs, start=1):
        params[f"W{i}"] = gen.normal(0.0, 1.0, (n_in, n_out))
        params[f"b{i}"] = gen.normal(0.0, 1.0, n_out)
    return params


@checker("3 層ネットワークの順伝播")
def forward(fn) -> None:
    """``fn(params, x) -> y`` を (N, D) のバッチ 3 通りで確かめる.

    中間層はシグモイド関数, 出力層は恒等関数です.
    """
    from nnbook.activations import sigmoid  # noqa: PLC0415

    cases = (((2, 3, 2, 2), 4, 0), ((2, 3, 2, 2), 1, 1), ((3, 5, 4, 2), 6, 2))
    for sizes, n, seed in cases:
        params = _test_params(sizes, seed)
        x = np.random.default_rng(100 + seed).normal(size=(n, sizes[0]))
        kept = {k: v.copy() for k, v in params.items()}
        y = call(fn, params, x)
        y_ref = feedforward.forward(kept, x)
        what = f"入力の形 {x.shape}, 層の大きさ {sizes} での出力"
        y_arr = np.asarray(to_numpy(y), dtype=float)
        if y_arr.shape != y_ref.shape:
            raise Mistake(
                f"{what}の形が {y_arr.shape} ですが, {y_ref.shape} のはずです",
                "出力は (N, C) です. データが 1 つ (N = 1) でも "
                "(1, C) の形のまま返してください.",
            )
        if np.allclose(y_arr, sigmoid(y_ref)):
            hint = "出力層には活性化関数をかけず, そのまま返します (恒等関数)."
        else:
            hint = (
                "各層で A = Z @ W + b, Z = sigmoid(A) を順に計算します. "
                "バイアスの足し忘れや, W の順番を確かめてください."
            )
        expect_close(y, y_ref, what, hint)


# ------------------------------------------------ 値で答える問題 (第 1 章)


@checker("練習問題1.3 ANDゲートのNovikoffの上限")
def novikoff_and(answer) -> None:
    r"""$\tilde{w} = (1, 1, -1.5)$ で AND を分けるときの $(R/\gamma)^2$."""
    expect_number(
        answer,
        51.0,
        "上限 (R/γ)²",
        hints={
            34.0: "バイアスの分の 1 を入力に付け足すと, R は (1, 1, 1) の"
            "長さになります.",
            12.0: "γ は長さ 1 に正規化した重みで測ります. (1, 1, −1.5) の"
            "長さで割ってください.",
            24.0: "正規化するのはバイアスも含めた (1, 1, −1.5) です.",
        },
    )


@checker("練習問題1.4 学習率を変えたときの修正の回数")
def lr_scaling(answer) -> None:
    expect_choice(
        answer,
        "B",
        {
            "A": "重みを 0 から始めると, 重みもバイアスも lr の何倍かに"
            "なります. 重み付き和の符号はどう変わるでしょうか.",
            "C": "1 回の修正は小さくなりますが, 重み付き和の符号を決めるのは"
            "重みの大きさではなく向きです.",
        },
    )


@checker("練習問題1.5 ステップ関数と勾配")
def step_gradient(answer) -> None:
    expect_choice(
        answer,
        "B",
        {
            "A": "ステップ関数は比較 1 回で計算でき, 指数関数は使いません.",
            "C": "出力が 0 か 1 に限られるのは, むしろ値が大きくならない"
            "ということです. 勾配に注目してください.",
            "D": "a ≠ 0 でのステップ関数の傾きを, グラフで確かめてください.",
        },
    )
