"""入力の確認 (パッケージの中だけで使う小さな関数).

章で表示する関数 (アルゴリズム) から引数の確認を追い出し, 名前の付いた
1 行 (`check_count("n_hidden", n_hidden)` など) で済ませるためのものです.
どれも間違った入力に日本語の ValueError か TypeError を出し, 確かめた
値 (整数や float に直したもの) を返します.

- `as_real` : 実数の配列にする (整数と bool は float64 に)
- `real_scalar` : ハイパーパラメータを Python の float にする
- `check_count` : 下限以上の整数 (データ数, エポック数, ユニット数)
- `check_positive`, `check_nonnegative`, `check_unit` : 数の範囲
- `check_axis`, `check_ndim`, `check_choice` : 軸, 次元, 選択肢
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from nnbook.backend import get_array_module, is_gpu_array, to_numpy

__all__ = [
    "as_real",
    "check_axis",
    "check_choice",
    "check_count",
    "check_ndim",
    "check_nonnegative",
    "check_positive",
    "check_unit",
    "real_scalar",
]


def as_real(x, name="x", dtype=None):
    """x を浮動小数点の配列にする (整数と bool は float64 に, dtype を
    指定すればその型に). デバイスは x のものを保ち, 既に浮動小数点の
    配列ならコピーしません (dtype を変えるときを除く).

    数値でないもの (文字列, None, 複素数など) には TypeError を出します.
    """
    xp = get_array_module(x)
    arr = xp.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} には実数の配列を渡してください "
            f"(受け取ったもの: {type(x).__name__}, dtype={arr.dtype})"
        )
    if dtype is not None:
        return arr.astype(dtype, copy=False)
    return arr if arr.dtype.kind == "f" else arr.astype(xp.float64)


def real_scalar(name, value, low=None):
    """ハイパーパラメータを確かめて Python の float にする."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} は実数 (float) です (受け取ったもの: {value!r})"
        )
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} は有限の値にしてください ({value})")
    if low is not None and value < low:
        raise ValueError(f"{name} は {low} 以上にしてください ({value})")
    return value


def check_count(name, value, low=1):
    """value が low 以上の整数か確かめて int にする."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} は {low} 以上の整数です (受け取った値: {value!r})"
        )
    if int(value) != value or value < low:
        raise ValueError(
            f"{name} は {low} 以上の整数です (受け取った値: {value!r})"
        )
    return int(value)


def check_positive(name, value):
    """value > 0 の実数か確かめて float にする."""
    value = real_scalar(name, value)
    if value <= 0:
        raise ValueError(f"{name} は正の数です (受け取った値: {value!r})")
    return value


def check_nonnegative(name, value):
    """value ≥ 0 の実数か確かめて float にする."""
    value = real_scalar(name, value)
    if value < 0:
        raise ValueError(f"{name} は 0 以上の数です (受け取った値: {value!r})")
    return value


def check_unit(name, value):
    """0 ≤ value < 1 (減衰率やモーメンタムの係数) か確かめる."""
    value = real_scalar(name, value)
    if not 0.0 <= value < 1.0:
        raise ValueError(
            f"{name} は 0 以上 1 未満です (受け取った値: {value!r})"
        )
    return value


def check_axis(x, axis):
    """axis が x の軸の番号 (負も可) か確かめる."""
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"axis は整数です (受け取ったもの: {axis!r})")
    if x.ndim == 0:
        raise ValueError("0 次元の配列 (スカラー) には使えません")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(
            f"axis={axis} は範囲外です: x は {x.ndim} 次元 "
            f"(shape {x.shape}) なので {-x.ndim} 以上 {x.ndim - 1} 以下"
        )


def check_ndim(name, x, ndim=2):
    """x が ndim 次元 (既定は (N, D)) の配列か確かめる."""
    if x.ndim != ndim:
        raise ValueError(
            f"{name}: 入力は {ndim} 次元 (N, D) の配列です "
            f"(受け取った形: {x.shape})"
        )


def check_choice(name, value, choices):
    """value が choices のどれかか確かめる."""
    if value not in choices:
        raise ValueError(
            f"未知の {name} {value!r} です. 使える値: {', '.join(choices)}"
        )
    return value


# ---------------------------------------------------------------- 層の形


def check_prelu_alpha(alpha, x=None):
    """PReLU の傾き alpha が (D,) か (1,) で, 入力 x の最後の軸に合うか."""
    if getattr(alpha, "ndim", None) != 1:
        raise ValueError(
            "PRelu: alpha は形 (D,) か (1,) の配列です "
            f"(受け取ったもの: {alpha!r})"
        )
    if x is not None and alpha.shape[0] not in (1, x.shape[-1]):
        raise ValueError(
            f"PRelu: alpha の形 {alpha.shape} が入力の最後の軸 "
            f"{x.shape[-1]} と合いません"
        )


def check_maxout(W, b, k, x=None):
    """Maxout の W: (D, k·M), b: (k·M,) と入力 x: (N, D). k を int で返す."""
    if not (isinstance(k, numbers.Integral) and k >= 1):
        raise ValueError(
            f"Maxout: k は 1 以上の整数です (受け取った値: {k!r})"
        )
    if W.ndim != 2 or W.shape[1] % k or b.shape != (W.shape[1],):
        raise ValueError(
            f"Maxout: W は (D, k·M), b は (k·M,) の形です "
            f"(k={k}, W {W.shape}, b {b.shape})"
        )
    if x is not None:
        check_ndim("Maxout", x)
        if x.shape[1] != W.shape[0]:
            raise ValueError(
                f"Maxout: 入力の次元 {x.shape[1]} が W の行数 "
                f"{W.shape[0]} と合いません"
            )
    return int(k)


def check_betas(beta1, beta2):
    """Adam の系統の減衰率 β₁, β₂ (どちらも 0 以上 1 未満)."""
    return check_unit("beta1", beta1), check_unit("beta2", beta2)


# ---------------------------------------------------------------- 第 1 章


def check_binary_labels(t, n):
    """t が長さ n の 0/1 のラベルか確かめ, ホストの int64 配列にする."""
    t = to_numpy(t)
    if t.shape != (n,):
        raise ValueError(
            f"t の形は ({n},) のはずですが {t.shape} です "
            "(ラベルはデータ 1 つにつき 1 つの 0 か 1)"
        )
    if not np.isin(t, (0, 1)).all():
        raise ValueError("t は 0 か 1 のラベルです (それ以外の値があります)")
    return t.astype(np.int64)


def check_update_args(w, x, t):
    """学習規則の w, x (同じ形 (D,)) と t (0 か 1). w と x の配列を返す."""
    xp = get_array_module(w, x)
    w = xp.asarray(w)
    x = xp.asarray(x, dtype=w.dtype)
    if x.shape != w.shape or w.ndim != 1:
        raise ValueError(
            f"x と w は同じ形 (D,) の 1 次元配列です "
            f"(x: {x.shape}, w: {w.shape})"
        )
    if t not in (0, 1):
        raise ValueError(f"t は 0 か 1 です (受け取った値: {t!r})")
    return w, x


def check_batch(x, d):
    """x が (N, d) のバッチか確かめる."""
    if x.ndim != 2 or x.shape[1] != d:
        raise ValueError(
            f"x の形は (N, {d}) のはずですが {x.shape} です "
            "(データ 1 つなら x.reshape(1, -1) で (1, D) に)"
        )
    return x


def check_sizes(sizes):
    """層の大きさ [D, H1, …, C]: 1 以上の整数 2 つ以上. tuple で返す."""
    ok = len(sizes) >= 2 and all(
        isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 1
        for n in sizes
    )
    if not ok:
        raise ValueError(
            "sizes は [入力の次元, 中間層のユニット数…, 出力の次元] の"
            f"ように 1 以上の整数を 2 つ以上並べます (受け取った値: {sizes!r})"
        )
    return tuple(int(n) for n in sizes)


def check_params(params):
    """順伝播の重みの辞書. 重み W1, W2, … の数 (層の数) を返す."""
    n_layers = sum(1 for k in params if k.startswith("W"))
    if n_layers < 1 or "W1" not in params:
        raise ValueError("params に重み W1 がありません")
    return n_layers


# ---------------------------------------------------------------- 第 9 章


def check_matrix(name, x):
    if x.ndim != 2:
        raise ValueError(
            f"{name} は (N, D) の 2 次元配列にしてください (shape {x.shape})"
        )


def check_same_shape(a, b, names):
    if a.shape != b.shape:
        raise ValueError(
            f"{names[0]} と {names[1]} の shape が違います: "
            f"{a.shape} と {b.shape}"
        )


def check_int_labels(t, n, name="t"):
    if t.ndim != 1 or len(t) != n:
        raise ValueError(
            f"ラベル {name} は長さ {n} の 1 次元配列にしてください "
            f"(shape {t.shape})"
        )
    if t.dtype.kind not in "iu":
        raise TypeError(
            f"ラベル {name} は整数にしてください (dtype={t.dtype})"
        )


def check_margin(margin):
    if not np.isfinite(margin) or margin < 0:
        raise ValueError(
            f"margin は 0 以上の有限の数にしてください: {margin!r}"
        )


def check_scores(scores, positive):
    """ROC-AUC の scores と positive (bool). 正例と負例の数を返す."""
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if scores.shape != positive.shape or n_pos == 0 or n_neg == 0:
        raise ValueError(
            "scores と positive は同じ長さで, 正例と負例の両方が必要です "
            f"(正例 {n_pos} 個, 負例 {n_neg} 個)"
        )
    return n_pos, n_neg


# ---------------------------------------------------------------- 第 3 章


def check_probability(p, name="p"):
    """p の要素がどれも 0 以上 1 以下 (確率) か確かめる."""
    if p.size and not bool(((p >= 0) & (p <= 1)).all()):
        raise ValueError(
            f"{name} は確率 (0 以上 1 以下) にしてください "
            f"(最小 {float(p.min()):.3g}, 最大 {float(p.max()):.3g}). "
            "ロジットを渡していませんか?"
        )


# ------------------------------------------------------------- 回帰の損失


def check_targets(y, t):
    """損失の正解 t: y と同じ形 (one-hot か確率) か (N,) の整数ラベル.

    one-hot なら y と同じ型の配列, 整数ラベルならそのまま返します.
    CPU ではラベルが 0 以上 C − 1 以下かも確かめます (GPU では
    学習の毎ステップで同期しないよう確かめず, 損失が NaN になります).
    """
    if y.ndim == 0:
        raise ValueError("y は 1 次元以上の配列にしてください (クラスの軸)")
    xp = get_array_module(y)
    t = xp.asarray(t)
    if t.shape == y.shape:
        return xp.asarray(as_real(t, "t"), dtype=y.dtype)
    if t.shape != y.shape[:-1]:
        raise ValueError(
            f"t の shape {t.shape} が y の shape {y.shape} に合いません. "
            f"one-hot なら {y.shape}, 整数ラベルなら {y.shape[:-1]} です"
        )
    if t.dtype.kind not in "iu":
        raise TypeError(f"ラベル t は整数にしてください (dtype={t.dtype})")
    c = y.shape[-1]
    if is_gpu_array(t) or not t.size or bool(((t >= 0) & (t < c)).all()):
        return t
    raise ValueError(
        f"ラベル t は 0 以上 {c - 1} 以下にしてください "
        f"(最小 {int(t.min())}, 最大 {int(t.max())})"
    )


# ------------------------------------------------------------ random_features


def check_ridge(ridge):
    if not ridge >= 0.0:
        raise ValueError(f"ridge は 0 以上の数です (受け取った値: {ridge!r})")


# --------------------------------------------------------------------- search


def check_space(space):
    if not space:
        raise ValueError("space (探索範囲) が空です")
    for name, spec in space.items():
        if len(spec) != 3 or spec[2] not in ("log", "linear"):
            raise ValueError(
                f"space[{name!r}] は (下限, 上限, 'log' か 'linear') です "
                f"(受け取った値: {spec!r})"
            )
        low, high, scale = spec
        if not low < high or (scale == "log" and low <= 0):
            raise ValueError(
                f"space[{name!r}]: 下限 < 上限 (log なら下限 > 0) にして"
                f"ください (受け取った値: {spec!r})"
            )


# ------------------------------------------------------------- regularization


def check_penalty(alpha):
    if not alpha >= 0.0:
        raise ValueError(
            f"正則化の係数 α は 0 以上です (受け取った値: {alpha!r})"
        )


# --------------------------------------------------------------- initializers


def check_fans(n_in, n_out) -> None:
    for name, n in (("n_in", n_in), ("n_out", n_out)):
        if not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(
                f"{name} は 1 以上の整数です (受け取った値: {n!r})"
            )


def check_propagate(x, n_layers, activation):
    if getattr(x, "ndim", None) != 2:
        raise ValueError(
            f"x は形 (N, D) の 2 次元配列です "
            f"(受け取った形: {getattr(x, 'shape', None)})"
        )
    if not (isinstance(n_layers, (int, np.integer)) and n_layers >= 1):
        raise ValueError(f"n_layers は 1 以上の整数です: {n_layers!r}")
    if not callable(activation):
        raise TypeError("activation は関数です (例: nnbook.activations.relu)")


# -------------------------------------------------------------- preprocessing


def check_data_matrix(x, name="x"):
    if getattr(x, "ndim", None) != 2:
        shape = getattr(x, "shape", None)
        raise ValueError(
            f"{name} は形 (N, D) の 2 次元配列です (受け取った形: {shape})"
        )
    if x.shape[0] < 1:
        raise ValueError(f"{name} にデータが 1 件もありません")


def check_fitted(scaler, x):
    if getattr(scaler, "n_features_", None) is None:
        raise RuntimeError(
            f"{type(scaler).__name__} はまだ fit されていません. "
            "先に訓練データで fit(x_train) を呼んでください"
        )
    check_data_matrix(x)
    if x.shape[1] != scaler.n_features_:
        raise ValueError(
            f"特徴量の数が fit のとき ({scaler.n_features_}) と違います "
            f"(受け取った形: {x.shape})"
        )


def check_feature_range(feature_range):
    a, b = feature_range
    if not a < b:
        raise ValueError(
            f"feature_range は (小さい値, 大きい値): {feature_range!r}"
        )
    return float(a), float(b)


def check_eigenvalues(lam, eps):
    if eps == 0 and float(lam[-1]) <= 1e-12 * float(lam[0]):
        raise ValueError(
            "共分散行列に分散がほぼ 0 の方向があり, eps = 0 では白色化で"
            "0 に近い値で割ることになります. eps > 0 を指定してください "
            "(例: 画素値が [0, 1] なら eps = 0.01)"
        )


# ------------------------------------------------------------------ imbalance


def check_class_data(x, t):
    if getattr(x, "ndim", None) != 2:
        raise ValueError(
            f"x は形 (N, D) の 2 次元配列です "
            f"(受け取った形: {getattr(x, 'shape', None)})"
        )
    if getattr(t, "ndim", None) != 1 or t.shape[0] != x.shape[0]:
        raise ValueError(
            f"t は x と同じ長さ {x.shape[0]} の整数ラベルの 1 次元配列です "
            f"(受け取った形: {getattr(t, 'shape', None)})"
        )
    if t.dtype.kind not in "iu":
        raise TypeError(
            f"t は整数のクラス番号です (受け取った型: {t.dtype}). "
            "one-hot 表現なら argmax(axis=1) で番号に戻してください"
        )


def check_smote_args(x_min, n_new, k):
    n = x_min.shape[0]
    if not (isinstance(k, (int, np.integer)) and 1 <= k):
        raise ValueError(f"k は 1 以上の整数です (受け取った値: {k!r})")
    if n <= k:
        raise ValueError(
            f"少数クラスのデータが {n} 個しかなく, 自分以外の近傍を "
            f"k = {k} 個選べません. k を {n - 1} 以下にしてください"
        )
    if not (isinstance(n_new, (int, np.integer)) and n_new >= 0):
        raise ValueError(
            f"n_new は 0 以上の整数です (受け取った値: {n_new!r})"
        )


# ------------------------------------------------------------------- training


def check_fit_args(x, t, epochs, batch_size, x_val, t_val, early_stopping):
    if int(epochs) != epochs or epochs < 1:
        raise ValueError(f"epochs は 1 以上の整数です: {epochs!r}")
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size は 1 以上の整数です: {batch_size!r}")
    if len(x) != len(t):
        raise ValueError(
            f"x と t のサンプル数が違います: {len(x)} と {len(t)}"
        )
    if (x_val is None) != (t_val is None):
        raise ValueError("x_val と t_val は両方渡すか, 両方省いてください")
    if x_val is not None and len(x_val) != len(t_val):
        raise ValueError(
            f"x_val と t_val のサンプル数が違います: "
            f"{len(x_val)} と {len(t_val)}"
        )
    if early_stopping is not None:
        if int(early_stopping) != early_stopping or early_stopping < 1:
            raise ValueError(
                "early_stopping は我慢するエポック数 (1 以上の整数) です: "
                f"{early_stopping!r}"
            )
        if x_val is None:
            raise ValueError(
                "早期終了 (early_stopping) には検証データ x_val, t_val が"
                "必要です"
            )


def check_models(models):
    models = list(models)
    if not models:
        raise ValueError("アンサンブルにはモデルが 1 個以上必要です")
    return models


# ------------------------------------------------------------------ gradcheck


def require_float64(x, name):
    xp = get_array_module(x)
    if not isinstance(x, xp.ndarray) or x.dtype != xp.float64:
        kind = getattr(x, "dtype", type(x).__name__)
        raise TypeError(
            f"{name} は float64 の配列にしてください (受け取ったもの: "
            f"{kind}). 例: x.astype(np.float64). 数値微分の差 "
            "f(x + h) − f(x − h) は float32 では丸めで失われます"
        )


# --------------------------------------------------------------------- layers


def check_dropout_ratio(ratio):
    if not 0.0 <= ratio < 1.0:
        raise ValueError(
            f"Dropout: ratio (落とす確率) は 0 以上 1 未満です "
            f"(受け取った値: {ratio!r})"
        )


def check_norm_params(name, gamma, beta):
    if gamma.ndim != 1 or beta.shape != gamma.shape:
        raise ValueError(
            f"{name}: gamma と beta は同じ (D,) の形です "
            f"(受け取った形: {gamma.shape}, {beta.shape})"
        )


def check_features(name, x, gamma):
    check_ndim(name, x)
    if x.shape[1] != gamma.shape[0]:
        raise ValueError(
            f"{name}: 入力の次元 {x.shape[1]} が gamma の長さ "
            f"{gamma.shape[0]} と合いません"
        )


def check_batch_size(x):
    if x.shape[0] < 2:
        raise ValueError(
            "BatchNorm: 訓練時はバッチに 2 つ以上のデータが要ります "
            f"(受け取った形: {x.shape})"
        )


# ------------------------------------------------------------------- diagrams


def check_length(name, seq, n):
    if seq is not None and len(seq) != n:
        raise ValueError(f"{name} は {n} 個にします ({len(seq)} 個でした)")


def check_line_data(x, t, delta, check_every):
    """x, t を float64 の 1 次元配列にし, 長さと delta などを確かめる."""
    # 直線の当てはめは軽いので, 入力が float32 でも float64 で計算する
    # (丸め誤差で収束の判定が効かなくならないように).
    x, t = as_real(x, "x", "float64"), as_real(t, "t", "float64")
    if x.size != t.size or x.size not in x.shape or t.size not in t.shape:
        raise ValueError(
            f"x と t は同じ長さの 1 次元配列 (か (N, 1) の配列) です "
            f"(x: {x.shape}, t: {t.shape})"
        )
    x, t = x.reshape(-1), t.reshape(-1)
    if x.shape[0] < 2:
        raise ValueError("直線を決めるにはデータが 2 個以上必要です")
    check_positive("delta", delta)
    check_count("check_every", check_every)
    return x, t
