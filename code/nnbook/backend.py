"""CPU (NumPy) と GPU (CuPy) を一つのスイッチで切り替えるための仕組み.

方針は三つです.

1. **関数は入力に従う.** 配列を受け取る関数は
   ``xp = get_array_module(x)`` で NumPy か CuPy かを選びます.
   GPU 上の配列を渡せば GPU で, CPU 上の配列なら CPU で計算します.
2. **配列を新しく作るときだけ既定のデバイスを使う.** 既定のデバイスは
   環境変数 ``NNBOOK_DEVICE`` (``cpu`` / ``gpu``) か, ノートブックの
   先頭での ``nnbook.use("gpu")`` で決まります. 重みの初期値やデータの
   乱数はホスト側の ``numpy.random.Generator`` で作ってから移すので,
   CPU でも GPU でも同じ初期値から始まります. 学習中に毎回引く乱数
   (ドロップアウトのマスクなど) は :func:`rng` の ``like=`` で
   データのあるデバイスの生成器から引きます (同じ seed なら同じデバイス
   では同じ数. CPU と GPU では別の数列です).
3. **パラメータを持つもの (モデル, 層) は入力を自分のデバイスへ移す.**
   GPU 上のモデルに NumPy 配列を渡しても動きます (:func:`to_device_of`).
   学習ループ (:func:`nnbook.training.train`) はデータを最初に一度だけ
   移します. 毎回移すと転送で遅くなるので, 大きなデータは
   ``nnbook.to_device(x)`` で先に移しておくのがよいでしょう.

CuPy を import するのはこのモジュールだけです. テストでは環境変数
``NNBOOK_FAKE_CUPY`` に CuPy の代役 (``tests/fake_cupy.py``: NumPy で
計算し, CuPy がエラーにする混ぜ方を同じようにエラーにする) のパスを
入れると, cupy の代わりにそれを使います (:func:`_import_cupy`).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import Any

import numpy as np

__all__ = [
    "DEVICES",
    "current_device",
    "device_of",
    "get_array_module",
    "get_special_module",
    "gpu_available",
    "is_gpu_array",
    "rng",
    "to_device",
    "to_device_of",
    "to_numpy",
    "use",
    "xp_for_device",
]

DEVICES = ("cpu", "gpu")
ENV_VAR = "NNBOOK_DEVICE"
STAND_IN_VAR = "NNBOOK_FAKE_CUPY"

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


def _import_cupy():
    """cupy を import する. テスト用の代役が指定されていればそれを使う.

    環境変数 ``NNBOOK_FAKE_CUPY`` にファイルのパス (``tests/fake_cupy.py``)
    があれば, そのモジュールを ``fake_cupy`` という名前で読み込んで
    (すでに読み込まれていればそれを) cupy の代わりに返します. テストと
    ``make test`` のための仕組みで, 本を読むときには使いません.
    """
    path = os.environ.get(STAND_IN_VAR, "").strip()
    if not path:
        import cupy  # noqa: PLC0415 (CuPy は任意の依存)

        return cupy
    loaded = sys.modules.get("fake_cupy")
    if loaded is not None and os.path.samefile(loaded.__file__, path):
        return loaded
    spec = importlib.util.spec_from_file_location("fake_cupy", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"{STAND_IN_VAR}={path!r} を読み込めません")
    module = importlib.util.module_from_spec(spec)
    sys.modules["fake_cupy"] = module
    spec.loader.exec_module(module)
    return module


def _load_cupy():
    """CuPy と使える GPU があれば cupy を返し, なければ None を返す."""
    global _cupy, _cupy_error
    if _cupy is not None or _cupy_error is not None:
        return _cupy
    try:
        cupy = _import_cupy()
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
        special = getattr(_cupy, "scipy_special", None)  # テスト用の代役
        if special is None:
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


def device_of(x) -> str:
    """配列 x のあるデバイス: CuPy の配列なら 'gpu', それ以外は 'cpu'."""
    return "gpu" if is_gpu_array(x) else "cpu"


def to_device_of(x, like):
    """x を配列 ``like`` と同じデバイスの配列にする (同じなら移さない).

    パラメータを持つモデルや層が, 受け取った入力を自分のデバイスへ
    移すのに使います (このモジュールの説明の方針 3).
    """
    if is_gpu_array(like):
        return x if is_gpu_array(x) else _cupy.asarray(x)
    return to_numpy(x)


def rng(seed=0, like=None):
    """乱数生成器. 既定ではホスト側の ``numpy.random.Generator``.

    Parameters
    ----------
    seed : int, numpy.random.SeedSequence, numpy.random.Generator or None
        Generator ならそれ自身を返します (``like`` が CPU のとき).
    like : 配列, optional
        GPU (CuPy) の配列なら, その GPU で乱数を引く
        ``cupy.random.Generator`` を返します. ドロップアウトのマスクの
        ように毎回引く乱数を, ホストで作って転送せずに済ませるためです.
        int や SeedSequence の seed からは CPU と同じ seed で作ります
        (同じデバイスなら同じ数列. CuPy の生成器は XORWOW なので数そのもの
        は NumPy と違います). Generator を渡したときは, その子
        (``spawn``) の seed から作るので, 呼ぶたびに別の数列になります.

    >>> rng(42).random() == rng(42).random()
    True
    """
    if not is_gpu_array(like):
        if isinstance(seed, np.random.Generator):
            return seed
        return np.random.default_rng(seed)
    if isinstance(seed, np.random.Generator):
        seed = seed.bit_generator.seed_seq.spawn(1)[0]
    return _cupy.random.default_rng(seed)
