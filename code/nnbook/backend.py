"""CPU (NumPy) と GPU (CuPy) を一つのスイッチで切り替えるための仕組み.

方針は二つだけです.

1. **関数は入力に従う.** 配列を受け取る関数は
   ``xp = get_array_module(x)`` で NumPy か CuPy かを選びます.
   GPU 上の配列を渡せば GPU で, CPU 上の配列なら CPU で計算します.
2. **配列を新しく作るときだけ既定のデバイスを使う.** 既定のデバイスは
   環境変数 ``NNBOOK_DEVICE`` (``cpu`` / ``gpu``) か, ノートブックの
   先頭での ``nnbook.use("gpu")`` で決まります. 乱数はいつもホスト側の
   ``numpy.random.Generator`` で作ってから移すので, CPU でも GPU でも
   同じ初期値から始まります.

CuPy を import するのはこのモジュールだけです.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

__all__ = [
    "DEVICES",
    "as_float",
    "current_device",
    "get_array_module",
    "get_special_module",
    "gpu_available",
    "is_gpu_array",
    "rng",
    "to_device",
    "to_numpy",
    "use",
    "xp_for_device",
]

DEVICES = ("cpu", "gpu")
ENV_VAR = "NNBOOK_DEVICE"

_INSTALL_HINT = (
    'CuPy をインストールしてください: pip install "nnbook[gpu]" '
    "(CUDA 12 用の cupy-cuda12x が入ります. 他の CUDA 版は "
    "https://docs.cupy.dev/en/stable/install.html を参照)"
)

_cupy: Any = None  # import 済みの cupy モジュール (未 import なら None)
_cupy_error: str | None = None  # import や GPU 検出に失敗した理由


def _check_device_name(device: str) -> str:
    if not isinstance(device, str):
        raise TypeError(
            f"device は 'cpu' か 'gpu' の文字列です "
            f"(受け取った型: {type(device).__name__})"
        )
    name = device.strip().lower()
    if name not in DEVICES:
        raise ValueError(
            f"未知のデバイス {device!r} です. 'cpu' か 'gpu' を指定して"
            "ください"
        )
    return name


def _load_cupy():
    """CuPy と使える GPU があれば cupy を返し, なければ None を返す."""
    global _cupy, _cupy_error
    if _cupy is not None or _cupy_error is not None:
        return _cupy
    try:
        import cupy  # noqa: PLC0415 (CuPy は任意の依存)
    except Exception as exc:  # ImportError のほか CUDA の読み込み失敗も
        _cupy_error = f"CuPy を import できません ({exc}). {_INSTALL_HINT}"
        return None
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:
        _cupy_error = (
            f"CuPy は入っていますが CUDA の GPU が使えません ({exc}). "
            "NVIDIA ドライバと GPU を確認してください"
        )
        return None
    if count < 1:
        _cupy_error = "CuPy は入っていますが GPU が見つかりません"
        return None
    _cupy = cupy
    return _cupy


def gpu_available() -> bool:
    """CuPy が import でき, CUDA の GPU が 1 台以上あれば True."""
    return _load_cupy() is not None


def _require_cupy():
    cupy = _load_cupy()
    if cupy is None:
        raise RuntimeError(f"GPU を要求されましたが使えません: {_cupy_error}")
    return cupy


def _device_from_env() -> str:
    value = os.environ.get(ENV_VAR, "cpu")
    try:
        return _check_device_name(value)
    except ValueError:
        raise ValueError(
            f"環境変数 {ENV_VAR}={value!r} は不正です. 'cpu' か 'gpu' を"
            "指定してください"
        ) from None


_current: str | None = None  # None のあいだは環境変数から決める


def current_device() -> str:
    """配列を作るときに使う既定のデバイス ('cpu' か 'gpu') を返す."""
    global _current
    if _current is None:
        device = _device_from_env()
        if device == "gpu":
            _require_cupy()
        _current = device
    return _current


def use(device: str) -> str:
    """既定のデバイスを切り替える. ノートブックの先頭で一度だけ呼びます.

    Parameters
    ----------
    device : {"cpu", "gpu"}

    Returns
    -------
    str
        切り替え後のデバイス名.

    Raises
    ------
    RuntimeError
        ``"gpu"`` を指定したのに CuPy か GPU がないとき. 何が足りず,
        どう入れればよいかをメッセージで伝えます.
    """
    global _current
    name = _check_device_name(device)
    if name == "gpu":
        _require_cupy()
    _current = name
    return name


def xp_for_device(device: str | None = None):
    """デバイス名に対応する配列モジュール (numpy か cupy) を返す."""
    name = current_device() if device is None else _check_device_name(device)
    return _require_cupy() if name == "gpu" else np


def is_gpu_array(x) -> bool:
    """x が CuPy の配列なら True (CuPy を import していなくても安全)."""
    return _cupy is not None and isinstance(x, _cupy.ndarray)


def get_array_module(*arrays):
    """引数の配列に合うモジュールを返す. 一つでも CuPy 配列なら cupy.

    >>> get_array_module(np.zeros(3)) is np
    True
    """
    if any(is_gpu_array(a) for a in arrays):
        return _cupy
    return np


def get_special_module(*arrays):
    """特殊関数のモジュール: scipy.special か cupyx.scipy.special.

    NumPy に無い erf などに使います. scipy は使うときに初めて import
    します (scikit-learn と一緒に入っています).
    """
    if any(is_gpu_array(a) for a in arrays):
        import cupyx.scipy.special as special  # noqa: PLC0415
    else:
        import scipy.special as special  # noqa: PLC0415
    return special


def to_numpy(x):
    """x を NumPy 配列 (ホスト上) にする. スカラーやリストもそのまま扱う."""
    if is_gpu_array(x):
        return _cupy.asnumpy(x)
    return np.asarray(x)


def to_device(x, device: str | None = None):
    """x を指定のデバイス (省略時は既定のデバイス) の配列にする."""
    xp = xp_for_device(device)
    if xp is np:
        return to_numpy(x)
    return xp.asarray(x)


def as_float(x, dtype=None):
    """整数やリストを浮動小数点の配列にする. デバイスは x のものを保つ.

    既に浮動小数点の配列ならコピーせずに返します (``dtype`` 指定時を除く).
    """
    xp = get_array_module(x)
    arr = xp.asarray(x)
    if dtype is not None:
        return arr.astype(dtype, copy=False)
    if arr.dtype.kind != "f":
        return arr.astype(xp.float64)
    return arr


def rng(seed: int | None = 0) -> np.random.Generator:
    """ホスト側の乱数生成器. 生成した配列は :func:`to_device` で移す."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)
