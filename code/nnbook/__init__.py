"""nnbook: ニューラルネットワークの基礎を学ぶ教科書の共通コード.

章のノートブックはすべてこのパッケージを import して計算します.
デバイスの切り替えは ``nnbook.use("gpu")`` か環境変数
``NNBOOK_DEVICE=gpu`` の一つだけです.
"""

from nnbook import activations, gradcheck, losses
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
    "losses",
    "current_device",
    "get_array_module",
    "gpu_available",
    "to_device",
    "to_numpy",
    "use",
]
