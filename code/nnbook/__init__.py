"""nnbook: ニューラルネットワークの基礎を学ぶ教科書の共通コード.

章のノートブックはすべてこのパッケージを import して計算します.
デバイスの切り替えは ``nnbook.use("gpu")`` か環境変数
``NNBOOK_DEVICE=gpu`` の一つだけです.

計算のモジュール (activations, losses, layers, models, optimizers,
regularization, random_features, …) は
``import nnbook`` だけで使えます. matplotlib や scikit-learn を使う
datasets, plotting, book, diagrams, widgets, training, exercises は
``from nnbook import plotting`` のように必要なときに import します.
"""

from nnbook import (
    activations,
    gradcheck,
    initializers,
    layers,
    losses,
    models,
    objectives,
    optimizers,
    random_features,
    regularization,
)
from nnbook.backend import (
    current_device,
    get_array_module,
    gpu_available,
    to_device,
    to_numpy,
    use,
)

__version__ = "0.1.0"

__all__ = [
    "activations",
    "gradcheck",
    "initializers",
    "layers",
    "losses",
    "models",
    "objectives",
    "optimizers",
    "random_features",
    "regularization",
    "current_device",
    "get_array_module",
    "gpu_available",
    "to_device",
    "to_numpy",
    "use",
]
