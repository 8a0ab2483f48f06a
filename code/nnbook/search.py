r"""ハイパーパラメータの探索: グリッド, ランダム, ベイズ最適化, GA.

どの関数も ``objective(params) -> score`` を **最大化** します.
``params`` は ``{"lr": 0.1, ...}`` の辞書, ``score`` は検証データでの
正解率のような数です. 探索範囲 ``space`` は名前から
``(下限, 上限, "log" か "linear")`` への辞書です. 学習率のように桁で
効く値は ``"log"`` にして, $\log_{10}$ の目盛りで一様に扱います.

内部ではどの方法も単位立方体 $[0, 1]^d$ の点 ``u`` で考え,
``to_params`` で実際の値に直します. 評価の回数 (予算) はどの方法
でも引数で決まり, 返す ``SearchResult`` に評価した順に残ります.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from nnbook._checks import check_count, check_space

__all__ = [
    "SearchResult",
    "Trial",
    "bayesian_optimization",
    "expected_improvement",
    "genetic_algorithm",
    "grid_search",
    "random_search",
    "to_params",
]


@dataclass(frozen=True)
class Trial:
    """1 回の評価: ハイパーパラメータ ``params`` とスコア ``score``."""

    params: dict
    score: float


@dataclass
class SearchResult:
    """探索の記録. ``trials`` は評価した順."""

    method: str
    trials: list = field(default_factory=list)
    points: list = field(default_factory=list)  # 単位立方体の点 u
    model: object = None  # ベイズ最適化の最後のガウス過程

    @property
    def best(self) -> Trial:
        """スコアが最大の試行 (同点なら先に評価したもの)."""
        return max(self.trials, key=lambda tr: _finite(tr.score))

    def best_so_far(self) -> np.ndarray:
        """``k`` 回目までの最大スコア (長さは評価回数)."""
        scores = [_finite(tr.score) for tr in self.trials]
        return np.maximum.accumulate(np.array(scores, dtype=float))


def _finite(score) -> float:
    score = float(score)
    return score if math.isfinite(score) else -math.inf


def to_params(u, space) -> dict:
    r"""単位立方体の点 ``u`` (長さ $d$) を ``space`` の値に直す.

    ``"log"`` の軸は $\mathrm{low}\,(\mathrm{high}/\mathrm{low})^{u}$,
    ``"linear"`` の軸は $\mathrm{low} + u\,(\mathrm{high} - \mathrm{low})$.
    """
    out = {}
    for ui, (name, (low, high, scale)) in zip(u, space.items(), strict=True):
        ui = min(max(float(ui), 0.0), 1.0)
        if scale == "log":
            out[name] = low * (high / low) ** ui
        else:
            out[name] = low + ui * (high - low)
    return out


def _evaluate(objective, space, points, result):
    for u in points:
        params = to_params(u, space)
        result.points.append(np.asarray(u, dtype=float))
        result.trials.append(Trial(params, float(objective(params))))


def grid_search(objective, space, n_per_axis=4) -> SearchResult:
    """各軸を ``n_per_axis`` 等分 (両端を含む) した格子をすべて評価する.

    評価回数は ``n_per_axis ** d`` です.
    """
    check_space(space)
    check_count("n_per_axis", n_per_axis, 2)
    axis = np.linspace(0.0, 1.0, int(n_per_axis))
    mesh = np.meshgrid(*[axis] * len(space), indexing="ij")
    points = np.stack([m.ravel() for m in mesh], axis=1)
    result = SearchResult("グリッドサーチ")
    _evaluate(objective, space, points, result)
    return result


def random_search(objective, space, n_trials=16, seed=0) -> SearchResult:
    """各軸で一様 (`"log"` なら桁で一様) に選んだ点を評価する.

    Bergstra & Bengio (2012) のランダムサーチです.
    """
    check_space(space)
    check_count("n_trials", n_trials)
    gen = np.random.default_rng(seed)
    points = gen.uniform(size=(int(n_trials), len(space)))
    result = SearchResult("ランダムサーチ")
    _evaluate(objective, space, points, result)
    return result


def expected_improvement(mu, sigma, best, xi=0.01):
    r"""期待改善量 (expected improvement) を計算する.

    予測が $f \sim \mathcal{N}(\mu, \sigma^2)$ のとき,
    $\mathrm{EI} = \mathbb{E}[\max(f - f^* - \xi, 0)]
    = (\mu - f^* - \xi)\,\Phi(z) + \sigma\,\phi(z)$,
    $z = (\mu - f^* - \xi)/\sigma$. $f^*$ はこれまでの最大スコアです.
    $\sigma = 0$ の点では $\max(\mu - f^* - \xi, 0)$ を返します.
    """
    from scipy.stats import norm

    mu, sigma = np.asarray(mu, float), np.asarray(sigma, float)
    gain = mu - best - xi
    safe = np.where(sigma > 0, sigma, 1.0)
    z = gain / safe
    ei = gain * norm.cdf(z) + safe * norm.pdf(z)
    return np.where(sigma > 0, ei, np.maximum(gain, 0.0))


def _gaussian_process(seed):
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import (
        ConstantKernel,
        Matern,
        WhiteKernel,
    )

    kernel = ConstantKernel(1.0, (1e-2, 1e2)) * Matern(
        length_scale=0.3, length_scale_bounds=(0.05, 10.0), nu=2.5
    ) + WhiteKernel(1e-3, (1e-6, 1e-1))
    return GaussianProcessRegressor(
        kernel, normalize_y=True, n_restarts_optimizer=1, random_state=seed
    )


def bayesian_optimization(
    objective, space, n_trials=16, n_initial=4, seed=0, n_candidates=2000
) -> SearchResult:
    r"""ガウス過程と期待改善量によるベイズ最適化 (Snoek et al. 2012).

    はじめの `n_initial` 回はランダムに選びます. その後は毎回,

    1. これまでの $(u, \mathrm{score})$ にガウス過程を当てはめ,
    2. 乱数で選んだ `n_candidates` 個の候補点で予測 $\mu, \sigma$ を求め,
    3. `expected_improvement` が最大の候補を次に評価します.

    すべての評価に当てはめたガウス過程を `result.model` に残します.
    """
    check_space(space)
    check_count("n_trials", n_trials)
    check_count("n_initial", n_initial)
    gen = np.random.default_rng(seed)
    d, result = len(space), SearchResult("ベイズ最適化")
    first = gen.uniform(size=(min(n_initial, n_trials), d))
    _evaluate(objective, space, first, result)
    while True:
        gp, best = _fit_gp(result, seed)
        if len(result.trials) >= n_trials:
            break
        cand = gen.uniform(size=(int(n_candidates), d))
        mu, sigma = gp.predict(cand, return_std=True)
        u = cand[np.argmax(expected_improvement(mu, sigma, best))]
        _evaluate(objective, space, [u], result)
    result.model = gp
    return result


def _fit_gp(result, seed):
    """これまでの評価 (有限のスコアだけ) にガウス過程を当てはめる."""
    scores = np.array([_finite(tr.score) for tr in result.trials])
    ok = np.isfinite(scores)
    gp = _gaussian_process(seed)
    with warnings.catch_warnings():  # 長さスケールが境界に達した警告
        warnings.simplefilter("ignore")
        gp.fit(np.array(result.points)[ok], scores[ok])
    return gp, scores[ok].max()


def genetic_algorithm(
    objective,
    space,
    population=4,
    generations=4,
    mutation=0.1,
    seed=0,
) -> SearchResult:
    r"""小さな遺伝的アルゴリズム (実数値の遺伝子 $u \in [0, 1]^d$).

    第 1 世代は乱数で作ります. 以後の各世代では, これまでの上位
    `population` 個体から親を 2 体ずつ選び, 遺伝子ごとにどちらかの
    親の値を受け継ぎ (一様交叉), 標準偏差 `mutation` の正規乱数を
    足して (突然変異) 子を `population` 体作ります. 評価回数は
    `population * generations` です.
    """
    check_space(space)
    check_count("population", population, 2)
    check_count("generations", generations)
    gen = np.random.default_rng(seed)
    d, result = len(space), SearchResult("遺伝的アルゴリズム")
    genes = list(gen.uniform(size=(int(population), d)))
    _evaluate(objective, space, genes, result)
    for _ in range(int(generations) - 1):
        order = np.argsort([-_finite(tr.score) for tr in result.trials])
        elite = [genes[i] for i in order[: int(population)]]  # 選択
        children = []
        for _ in range(int(population)):
            a, b = gen.choice(len(elite), size=2, replace=False)
            mask = gen.uniform(size=d) < 0.5  # 一様交叉
            child = np.where(mask, elite[a], elite[b])
            child = child + mutation * gen.normal(size=d)  # 突然変異
            children.append(np.clip(child, 0.0, 1.0))
        genes += children
        _evaluate(objective, space, children, result)
    return result
