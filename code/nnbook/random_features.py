"""ランダム特徴モデルと最小ノルムの最小二乗法 (二重降下の実験).

入力 ``x : (N, D)`` をランダムな重み ``V : (D, P)`` で ``P`` 次元に
写し, ReLU を通した特徴 ``Φ = max(0, xV) / √P`` を作ります. 学習する
のは最後の線形の重み ``W : (P, K)`` だけで, 最小二乗法で一度に解けます.
特徴の数 ``P`` が訓練データの数 ``N`` より多いと解は無数にあるので,
そのうちノルム ``‖W‖`` が最小のもの (擬似逆行列の解) を選びます.

``P`` を増やしながらテスト誤差を測ると, ``P = N`` (補間の閾値) の
近くで誤差が跳ね上がり, その先で再び下がります. これが二重降下
(double descent, Belkin et al. 2019) です.

行列の計算は BLAS を使います. CPU が少ない計算機では BLAS の
スレッドが奪い合って遅くなるので, ``double_descent`` は
``threadpoolctl`` で BLAS を 1 スレッドにして計算します.
"""

from __future__ import annotations

import math

import numpy as np

from nnbook import backend
from nnbook._checks import check_count, check_ridge
from nnbook.backend import get_array_module

__all__ = [
    "double_descent",
    "fit_least_squares",
    "random_relu_features",
    "squared_error",
]


def random_relu_features(x_train, x_test, num_features, seed=0):
    r"""同じランダムな重みで訓練データとテストデータの特徴を作る.

    $V_{dj} \sim \mathcal{N}(0, 1/D)$ をシードつきのホスト側乱数で
    作り, 入力と同じデバイスへ移してから
    $\Phi = \max(0, xV) / \sqrt{P}$ を計算します.

    Parameters
    ----------
    x_train : (N, D), x_test : (M, D)
    num_features : int
        特徴の数 $P$.
    seed : int

    Returns
    -------
    phi_train : (N, P), phi_test : (M, P)
    """
    p = check_count("num_features", num_features)
    xp = get_array_module(x_train)
    d = x_train.shape[1]
    v = backend.rng(seed).standard_normal((d, p)) / math.sqrt(d)
    v = xp.asarray(v, dtype=x_train.dtype)
    scale = 1.0 / math.sqrt(p)
    return (
        xp.maximum(x_train @ v, 0.0) * scale,
        xp.maximum(x_test @ v, 0.0) * scale,
    )


def fit_least_squares(phi, y, ridge=0.0):
    r"""$\|\Phi W - Y\|^2 + \lambda \|W\|^2$ を最小にする $W$ を返す.

    `ridge` $= \lambda > 0$ ならリッジ回帰の解
    $W = \Phi^\top (\Phi\Phi^\top + \lambda I)^{-1} Y$ です.
    $\lambda = 0$ なら擬似逆行列 $W = \Phi^{+} Y$ で, 解が無数にある
    とき ($P > N$) はノルム $\|W\|$ が最小の解, 一つに決まるとき
    ($P < N$) は普通の最小二乗解になります
    ($\lambda \to 0$ の極限がこの解です).

    Parameters
    ----------
    phi : (N, P) 特徴, y : (N, K) 目標値
    ridge : float, 0 以上

    Returns
    -------
    W : (P, K)
    """
    check_ridge(ridge)
    xp = get_array_module(phi)
    if ridge == 0.0:
        return xp.linalg.pinv(phi) @ y  # 最小ノルム解 Φ⁺ Y
    n, p = phi.shape
    if p >= n:  # N × N の連立方程式: W = Φᵀ (ΦΦᵀ + λI)⁻¹ Y
        gram = phi @ phi.T + ridge * xp.eye(n, dtype=phi.dtype)
        return phi.T @ xp.linalg.solve(gram, y)
    gram = phi.T @ phi + ridge * xp.eye(p, dtype=phi.dtype)  # P × P
    return xp.linalg.solve(gram, phi.T @ y)  # W = (ΦᵀΦ + λI)⁻¹ Φᵀ Y


def squared_error(y, t):
    r"""1 データあたりの二乗誤差 $\frac{1}{N}\sum_n \|y_n - t_n\|^2$."""
    xp = get_array_module(y)
    return float(xp.sum((y - t) ** 2) / y.shape[0])


def double_descent(
    x_train, y_train, x_test, y_test, num_features, seeds=(0,), ridge=0.0
):
    r"""特徴の数 $P$ ごとにランダム特徴モデルを解き, 誤差を測る.

    Parameters
    ----------
    x_train : (N, D), y_train : (N, K), x_test : (M, D), y_test : (M, K)
    num_features : list of int
        試す特徴の数 $P$.
    seeds : list of int
        ランダムな重みのシード (シードごとに別のモデル).
    ridge : float
        ``fit_least_squares`` の $\lambda$ (0 なら最小ノルム解).

    Returns
    -------
    train_error, test_error : (len(seeds), len(num_features)) の ndarray
        ``squared_error`` の値 (ホスト上).
    """
    from threadpoolctl import threadpool_limits

    shape = (len(seeds), len(num_features))
    train_error, test_error = np.empty(shape), np.empty(shape)
    with threadpool_limits(limits=1, user_api="blas"):  # 2 コアでも速い
        for i, seed in enumerate(seeds):
            for j, p in enumerate(num_features):
                phi, phi_test = random_relu_features(x_train, x_test, p, seed)
                w = fit_least_squares(phi, y_train, ridge)
                train_error[i, j] = squared_error(phi @ w, y_train)
                test_error[i, j] = squared_error(phi_test @ w, y_test)
    return train_error, test_error
