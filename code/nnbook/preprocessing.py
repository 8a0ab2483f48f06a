r"""データの前処理: 特徴量のスケーリングと白色化.

どのクラスも scikit-learn と同じ使い方です. ``fit(x_train)`` で
**訓練データだけから** 統計量 (最小値と最大値, 平均と標準偏差,
共分散行列) を求め, ``transform(x)`` で訓練データにも検証データにも
テストデータにも同じ変換を掛けます. テストデータの統計量を使うと,
テストデータの情報が学習に漏れます.

- :class:`MinMaxScaler` : 各特徴量を $[0, 1]$ (など) に収める
- :class:`StandardScaler` : 各特徴量を平均 0, 分散 1 にする (標準化)
- :class:`Whitening` : 特徴量どうしの相関も消して共分散行列を単位行列に
  する (PCA 白色化と ZCA 白色化; Kessy et al. 2018)

値が一定の特徴量 (手書き数字の隅の画素など) は範囲も標準偏差も 0 です.
そのまま割ると 0 / 0 = nan になり, 小さな eps を足して割ると, テスト
データにだけ現れる小さな値が $10^8$ 倍にもなります. ここでは
scikit-learn と同じく, 範囲や標準偏差が 0 の特徴量は 1 で割ります
(平均や最小値を引くだけにする).

入力 ``x`` は形 ``(N, D)`` で, 計算はその配列のデバイス (NumPy か
CuPy) で行います.
"""

from __future__ import annotations

from nnbook._checks import (
    check_data_matrix,
    check_eigenvalues,
    check_feature_range,
    check_fitted,
)
from nnbook.backend import get_array_module

__all__ = ["MinMaxScaler", "StandardScaler", "Whitening"]


def _safe_scale(s):
    """0 の範囲・標準偏差を 1 に置き換える (定数の特徴量は割らない)."""
    xp = get_array_module(s)
    return xp.where(s > 0, s, xp.ones_like(s))


class _Scaler:
    n_features_ = None

    def fit_transform(self, x):
        """``fit(x)`` してから ``transform(x)`` する."""
        return self.fit(x).transform(x)


class MinMaxScaler(_Scaler):
    r"""各特徴量を訓練データの最小値と最大値で $[a, b]$ に写す.

    $x' = a + (b - a)\,(x - \min) / (\max - \min)$. 範囲
    $\max - \min$ が 0 の特徴量は 1 で割ります (値は $a$ になる).
    テストデータでは $[a, b]$ をはみ出すこともあります.

    Parameters
    ----------
    feature_range : (float, float)
        写す先の範囲 $(a, b)$. 既定は $(0, 1)$.
    """

    def __init__(self, feature_range=(0.0, 1.0)):
        self.feature_range = check_feature_range(feature_range)

    def fit(self, x):
        check_data_matrix(x)
        self.min_ = x.min(axis=0)
        self.range_ = _safe_scale(x.max(axis=0) - self.min_)
        self.n_features_ = x.shape[1]
        return self

    def transform(self, x):
        check_fitted(self, x)
        a, b = self.feature_range
        return a + (b - a) * (x - self.min_) / self.range_

    def inverse_transform(self, x):
        check_fitted(self, x)
        a, b = self.feature_range
        return (x - a) / (b - a) * self.range_ + self.min_


class StandardScaler(_Scaler):
    r"""各特徴量を訓練データの平均 0, 標準偏差 1 にする (標準化).

    $x' = (x - \mu) / \sigma$. $\sigma$ は $N$ で割る標準偏差
    (scikit-learn と同じ). $\sigma = 0$ の特徴量は 1 で割ります
    (値は $x - \mu$, 訓練データでは 0).
    """

    def fit(self, x):
        check_data_matrix(x)
        self.mean_ = x.mean(axis=0)
        self.scale_ = _safe_scale(x.std(axis=0))
        self.n_features_ = x.shape[1]
        return self

    def transform(self, x):
        check_fitted(self, x)
        return (x - self.mean_) / self.scale_

    def inverse_transform(self, x):
        check_fitted(self, x)
        return x * self.scale_ + self.mean_


class Whitening(_Scaler):
    r"""PCA 白色化と ZCA 白色化 (Kessy et al. 2018).

    訓練データの共分散行列 $\Sigma = U \Lambda U^\top$ (固有値分解,
    $\Sigma = \frac{1}{N} \sum_n (x_n - \mu)^\top (x_n - \mu)$) から
    行ベクトル $x$ に右から掛ける行列 $W$ を作り, $z = (x - \mu) W$
    とします.

    - PCA 白色化: $W = U (\Lambda + \varepsilon I)^{-1/2}$.
      主成分の座標に回してから, 各軸を $\sqrt{\lambda_i + \varepsilon}$
      で割ります. $z$ の成分は主成分の順 (分散の大きい順) です.
    - ZCA 白色化: $W = U (\Lambda + \varepsilon I)^{-1/2} U^\top$
      $= (\Sigma + \varepsilon I)^{-1/2}$ (対称行列). PCA 白色化の後に
      元の座標へ回し戻すので, 画像は画像のまま残ります.

    $\varepsilon = 0$ なら $z$ の共分散行列は単位行列です. 分散が 0 の
    方向 (定数の画素) があると $\varepsilon > 0$ が必要で, 小さい固有値の
    方向の雑音を $1/\sqrt{\varepsilon}$ 倍まで増やすのを抑えます.

    Parameters
    ----------
    method : {"zca", "pca"}
    eps : float
        固有値に足す正則化の定数 $\varepsilon \ge 0$.
    """

    def __init__(self, method="zca", eps=1e-5):
        if method not in ("zca", "pca"):
            raise ValueError(
                f'method は "zca" か "pca" です (受け取った値: {method!r})'
            )
        if not eps >= 0:
            raise ValueError(f"eps は 0 以上です (受け取った値: {eps!r})")
        self.method, self.eps = method, float(eps)

    def fit(self, x):
        check_data_matrix(x)
        xp = get_array_module(x)
        self.mean_ = x.mean(axis=0)
        xc = x - self.mean_
        cov = xc.T @ xc / x.shape[0]
        lam, U = xp.linalg.eigh(cov)  # 固有値の小さい順
        lam, U = lam[::-1], U[:, ::-1]  # 分散の大きい順に並べ替える
        # 固有ベクトルの符号は決まらないので, 最大の成分を正にそろえる
        rows = xp.argmax(xp.abs(U), axis=0)
        U = U * xp.sign(U[rows, xp.arange(U.shape[1])])
        lam = xp.clip(lam, 0, None)  # 丸め誤差で負になった固有値
        check_eigenvalues(lam, self.eps)
        self.eigenvalues_, self.components_ = lam, U
        self.matrix_ = U / xp.sqrt(lam + self.eps)  # PCA 白色化
        if self.method == "zca":
            self.matrix_ = self.matrix_ @ U.T  # 元の座標へ回し戻す
        self.n_features_ = x.shape[1]
        return self

    def transform(self, x):
        check_fitted(self, x)
        return (x - self.mean_) @ self.matrix_
