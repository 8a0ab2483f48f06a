r"""正則化の罰則項: L2 (荷重減衰) と L1.

損失に重みの大きさの罰則を足すと, 訓練データにぴったり合わせるより
重みを小さく保つ解が選ばれます.

- L2 正則化 (Krogh & Hertz 1992 の weight decay): $\frac{\alpha}{2}
  \sum \|W\|^2$. 勾配は $\alpha W$ で, 重みを 0 へ比例して引き戻します.
- L1 正則化 (Tibshirani 1996 の lasso): $\alpha \sum |W|$. 勾配は
  $\alpha\,\mathrm{sign}(W)$ で, 重みの大きさによらず一定の力で 0 へ
  引くので, ちょうど 0 の重みが増えます (疎な解).

どちらもバイアスには掛けないのが普通です. ``nnbook.models.MLP``
は ``weight_decay`` (L2) と ``l1`` の引数でこれらを使います.
"""

from __future__ import annotations

from nnbook._checks import check_penalty
from nnbook.backend import get_array_module

__all__ = ["l1_penalty", "l1_penalty_grad", "l2_penalty", "l2_penalty_grad"]


def l2_penalty(weights, alpha):
    r"""L2 正則化の罰則 $\frac{\alpha}{2}\sum_{W} \|W\|^2$ (重みの二乗和).

    Parameters
    ----------
    weights : 重み行列の並び (list や generator)
    alpha : float, 0 以上

    Returns
    -------
    float または 0 次元配列 (重みと同じデバイス)
    """
    check_penalty(alpha)
    total = 0.0
    for w in weights:
        total = total + get_array_module(w).sum(w * w)
    return 0.5 * alpha * total


def l2_penalty_grad(w, alpha):
    r"""$\partial/\partial W\ \frac{\alpha}{2}\|W\|^2 = \alpha W$."""
    check_penalty(alpha)
    return alpha * w


def l1_penalty(weights, alpha):
    r"""L1 正則化の罰則 $\alpha \sum_{W} \sum_{ij} |W_{ij}|$.

    Parameters
    ----------
    weights : 重み行列の並び
    alpha : float, 0 以上
    """
    check_penalty(alpha)
    total = 0.0
    for w in weights:
        xp = get_array_module(w)
        total = total + xp.sum(xp.abs(w))
    return alpha * total


def l1_penalty_grad(w, alpha):
    r"""$\alpha\,\mathrm{sign}(W)$: $|W|$ の劣勾配 ($W = 0$ では 0 を選ぶ).

    $|w|$ は $w = 0$ で微分できません. そこでは $[-\alpha, \alpha]$ の
    どれもが劣勾配で, ここでは 0 を返します (`torch.sign` と同じ).
    """
    check_penalty(alpha)
    return alpha * get_array_module(w).sign(w)
