"""本で使うデータセット.

- :func:`load_digits` : scikit-learn に同梱された 8×8 の手書き数字
  (1797 枚, ネットワーク不要). 本の章はこれを使います.
- :func:`make_xor`, :func:`make_spirals`, :func:`make_moons`,
  :func:`make_regression_with_outliers` : 小さな人工データ.
- :func:`logic_gate_data` : AND/OR/NAND/XOR の真理値表.
- :func:`load_mnist` : MNIST (28×28, 7 万枚). 読者向けの任意の追加で,
  初回だけダウンロードします. 本の章は MNIST を必要としません.

乱数はいつもホスト側の ``numpy.random.Generator`` (``backend.rng``) で
作ってから :func:`nnbook.backend.to_device` で既定のデバイスへ移すので,
CPU でも GPU でも同じデータになります. 入力 ``x`` は float32,
ラベル ``t`` は int64 (``one_hot=True`` なら float32 の one-hot) です.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

from nnbook import backend

__all__ = [
    "MNIST_FILES",
    "MNIST_MIRRORS",
    "MNISTDownloadError",
    "add_label_noise",
    "load_digits",
    "load_mnist",
    "logic_gate_data",
    "make_moons",
    "make_regression_with_outliers",
    "make_spirals",
    "make_xor",
    "read_idx",
    "stratified_split",
    "to_one_hot",
    "write_idx",
]


# ---------------------------------------------------------------------------
# 共通の小道具
# ---------------------------------------------------------------------------


def to_one_hot(t, num_classes: int | None = None, dtype=np.float32):
    """整数ラベル ``t : (N,)`` を one-hot 表現 ``(N, num_classes)`` にする.

    デバイスは ``t`` のものを保ちます.
    """
    xp = backend.get_array_module(t)
    t = xp.asarray(t)
    if num_classes is None:
        num_classes = int(t.max()) + 1
    out = xp.zeros((t.shape[0], num_classes), dtype=dtype)
    out[xp.arange(t.shape[0]), t] = 1
    return out


def stratified_split(t, test_size: float = 0.2, seed: int = 0):
    """クラスの比率を保って添字を訓練用とテスト用に分ける (層化分割).

    各クラスの添字をシードつきの乱数で並べ替え, 先頭の
    ``round(n_c * test_size)`` 個 (1 個以上) をテスト用にします.

    Parameters
    ----------
    t : (N,) 整数ラベル (ホスト上の配列)
    test_size : float
        テスト用に回す割合 (0 < test_size < 1).
    seed : int

    Returns
    -------
    train_idx, test_idx : (N_train,), (N_test,) の int64 配列 (昇順)
    """
    if not 0.0 < test_size < 1.0:
        raise ValueError(
            f"test_size は 0 より大きく 1 より小さい値です: {test_size!r}"
        )
    t = np.asarray(t)
    gen = backend.rng(seed)
    test_parts = []
    for c in np.unique(t):
        idx = np.flatnonzero(t == c)
        gen.shuffle(idx)
        n_test = max(1, round(len(idx) * test_size))
        test_parts.append(idx[:n_test])
    test_idx = np.sort(np.concatenate(test_parts))
    mask = np.ones(len(t), dtype=bool)
    mask[test_idx] = False
    return np.flatnonzero(mask), test_idx


def _finish(x, t, one_hot: bool, num_classes: int | None = None):
    """x を float32, t を int64 (か one-hot) にして既定のデバイスへ移す."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    t = np.asarray(t, dtype=np.int64)
    if one_hot:
        t = to_one_hot(t, num_classes)
    return backend.to_device(x), backend.to_device(t)


# ---------------------------------------------------------------------------
# 手書き数字 (scikit-learn 同梱, 8×8)
# ---------------------------------------------------------------------------


def load_digits(
    normalize: bool = True,
    one_hot: bool = False,
    test_size: float = 0.2,
    seed: int = 0,
):
    """scikit-learn に同梱された 8×8 の手書き数字を読み込む.

    UCI の Optical Recognition of Handwritten Digits のテスト部分
    (1797 枚, 10 クラス, 画素値 0〜16) です. パッケージに入っているので
    ネットワークは使いません. クラスの比率を保って
    (:func:`stratified_split`) 訓練用とテスト用に分けます.

    Parameters
    ----------
    normalize : bool
        True なら画素値を 16 で割って [0, 1] にする.
    one_hot : bool
        True ならラベルを one-hot (float32, (N, 10)) で返す.
    test_size : float
        テスト用に回す割合.
    seed : int
        分割の乱数のシード. 同じシードなら同じ分割になります.

    Returns
    -------
    (x_train, t_train), (x_test, t_test)
        ``x : (N, 64)`` float32, ``t : (N,)`` int64 (または (N, 10)).
        既定のデバイス上の配列です.
    """
    from sklearn.datasets import load_digits as _sk_load_digits

    bunch = _sk_load_digits()
    x = bunch.data.astype(np.float32)
    t = bunch.target.astype(np.int64)
    if normalize:
        x /= 16.0
    train_idx, test_idx = stratified_split(t, test_size, seed)
    return (
        _finish(x[train_idx], t[train_idx], one_hot, 10),
        _finish(x[test_idx], t[test_idx], one_hot, 10),
    )


def add_label_noise(t, rate: float, num_classes: int = 10, seed: int = 0):
    """ラベルの一部を, ほかのクラスに付け替えた (ラベルノイズ) コピーを返す.

    ``round(rate · N)`` 個のデータを選び, それぞれのラベルを元とは
    **違う** クラスに一様に付け替えます. 選ぶデータと新しいラベルは
    シードつきのホスト側乱数で決めるので, CPU でも GPU でも同じです.

    Parameters
    ----------
    t : (N,) 整数のラベル
    rate : float, 0 以上 1 以下
        付け替える割合.
    num_classes : int
    seed : int

    Returns
    -------
    noisy : (N,) ``t`` と同じデバイスの int64
    flipped : (N,) bool のホスト上の配列. 付け替えたデータで True.
    """
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"rate は 0 以上 1 以下です (受け取った値: {rate!r})")
    labels = backend.to_numpy(t).astype(np.int64)
    if labels.ndim != 1:
        raise ValueError(
            f"t は整数のラベル (N,) です (受け取った形: {labels.shape})"
        )
    gen = backend.rng(seed)
    n = len(labels)
    idx = gen.choice(n, int(round(rate * n)), replace=False)
    shift = gen.integers(1, num_classes, size=len(idx))  # 1 … C−1
    noisy = labels.copy()
    noisy[idx] = (labels[idx] + shift) % num_classes  # 必ず別のクラス
    flipped = np.zeros(n, dtype=bool)
    flipped[idx] = True
    xp = backend.get_array_module(t)
    return xp.asarray(noisy), flipped


# ---------------------------------------------------------------------------
# 人工データ
# ---------------------------------------------------------------------------


def _check_positive(name: str, value) -> int:
    if int(value) != value or value < 1:
        raise ValueError(f"{name} は 1 以上の整数です: {value!r}")
    return int(value)


def make_xor(n_samples: int = 200, noise: float = 0.0, seed: int = 0):
    """XOR 型の 2 クラスデータ (直線では分けられない).

    ``x`` は正方形 [-1, 1]² に一様に散らばり, 2 つの座標の符号が
    異なるとき ``t = 1`` (第 2, 第 4 象限), 同じとき ``t = 0`` です.
    ``noise`` > 0 なら, ラベルを決めた後の ``x`` に標準偏差 ``noise`` の
    ガウス雑音を足します.

    Returns
    -------
    x : (n_samples, 2) float32
    t : (n_samples,) int64
    """
    n = _check_positive("n_samples", n_samples)
    gen = backend.rng(seed)
    x = gen.uniform(-1.0, 1.0, size=(n, 2))
    t = ((x[:, 0] > 0) != (x[:, 1] > 0)).astype(np.int64)
    if noise > 0:
        x = x + gen.normal(0.0, noise, size=x.shape)
    return _finish(x, t, one_hot=False)


def make_spirals(
    n_per_class: int = 100,
    n_classes: int = 3,
    noise: float = 0.2,
    seed: int = 0,
):
    """渦巻き (spiral) データ. クラス c の点は角度をずらした渦の上に並ぶ.

    半径 r を 0 から 1 まで等間隔に取り, 角度を
    θ = 4 r + 2π c / n_classes + noise · ε (ε ~ N(0, 1)) として
    x = (r sin θ, r cos θ) とします (CS231n の例と同じ形).

    Returns
    -------
    x : (n_per_class * n_classes, 2) float32
    t : (n_per_class * n_classes,) int64, クラスごとに連続して並ぶ
    """
    n = _check_positive("n_per_class", n_per_class)
    k = _check_positive("n_classes", n_classes)
    gen = backend.rng(seed)
    r = np.tile(np.linspace(0.0, 1.0, n), k)
    c = np.repeat(np.arange(k), n)
    theta = 4.0 * r + 2.0 * math.pi * c / k
    theta = theta + noise * gen.standard_normal(n * k)
    x = np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1)
    return _finish(x, c, one_hot=False)


def make_moons(n_samples: int = 200, noise: float = 0.1, seed: int = 0):
    """2 つの三日月 (moons) データ.

    クラス 0 は上向きの半円 (cos s, sin s), クラス 1 はずらした下向きの
    半円 (1 − cos s, 0.5 − sin s), s は [0, π] に等間隔です.
    それぞれの点に標準偏差 ``noise`` のガウス雑音を足します.

    Returns
    -------
    x : (n_samples, 2) float32
    t : (n_samples,) int64, 並びはシャッフル済み
    """
    n = _check_positive("n_samples", n_samples)
    gen = backend.rng(seed)
    n0 = n // 2
    n1 = n - n0
    s0 = np.linspace(0.0, math.pi, n0)
    s1 = np.linspace(0.0, math.pi, n1)
    x = np.concatenate(
        [
            np.stack([np.cos(s0), np.sin(s0)], axis=1),
            np.stack([1.0 - np.cos(s1), 0.5 - np.sin(s1)], axis=1),
        ]
    )
    t = np.concatenate([np.zeros(n0, np.int64), np.ones(n1, np.int64)])
    x = x + noise * gen.standard_normal(x.shape)
    perm = gen.permutation(n)
    return _finish(x[perm], t[perm], one_hot=False)


def make_regression_with_outliers(
    n_samples: int = 100,
    n_outliers: int = 10,
    slope: float = 2.0,
    intercept: float = 1.0,
    noise: float = 0.5,
    outlier_scale: float = 10.0,
    seed: int = 0,
    return_mask: bool = False,
):
    """外れ値を含む 1 次元の回帰データ.

    ``x ~ U(-3, 3)``, ``y = slope · x + intercept + noise · ε`` とし,
    ランダムに選んだ ``n_outliers`` 個の点の ``y`` に
    ``± outlier_scale · (1 + U(0, 1))`` を足して外れ値にします.
    平均二乗誤差とフーバー損失の比較に使います.

    Returns
    -------
    x : (n_samples, 1) float32
    y : (n_samples, 1) float32
    mask : (n_samples,) bool, ``return_mask=True`` のときだけ.
        外れ値なら True (ホスト上の NumPy 配列).
    """
    n = _check_positive("n_samples", n_samples)
    if not 0 <= n_outliers <= n:
        raise ValueError(
            f"n_outliers は 0 以上 n_samples 以下です: {n_outliers!r}"
        )
    gen = backend.rng(seed)
    x = gen.uniform(-3.0, 3.0, size=(n, 1))
    y = slope * x + intercept + noise * gen.standard_normal((n, 1))
    idx = gen.choice(n, size=n_outliers, replace=False)
    sign = gen.choice([-1.0, 1.0], size=n_outliers)
    y[idx, 0] += sign * outlier_scale * (1.0 + gen.uniform(size=n_outliers))
    mask = np.zeros(n, dtype=bool)
    mask[idx] = True
    x = backend.to_device(x.astype(np.float32))
    y = backend.to_device(y.astype(np.float32))
    return (x, y, mask) if return_mask else (x, y)


def logic_gate_data():
    """論理ゲートの真理値表.

    Returns
    -------
    x : (4, 2) float32
        入力 (0,0), (1,0), (0,1), (1,1).
    targets : dict[str, (4,) int64]
        ``"AND"``, ``"OR"``, ``"NAND"``, ``"XOR"`` それぞれの出力.

    >>> x, targets = logic_gate_data()
    >>> targets["XOR"].tolist()
    [0, 1, 1, 0]
    """
    x = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=np.float32)
    a = x[:, 0].astype(np.int64)
    b = x[:, 1].astype(np.int64)
    targets = {
        "AND": a & b,
        "OR": a | b,
        "NAND": 1 - (a & b),
        "XOR": a ^ b,
    }
    return backend.to_device(x), {
        k: backend.to_device(v) for k, v in targets.items()
    }


# ---------------------------------------------------------------------------
# MNIST (任意. 本の章では使いません)
# ---------------------------------------------------------------------------

# 4 つの公式ファイルの SHA-256. torchvision / TensorFlow が使うミラー
# (ossci-datasets, cvdf-datasets) のファイルと同じもの. 複数の公開
# リポジトリ (torchvision の Ruby 移植 torch.rb の datasets/mnist.rb など)
# に記された値を照合しました.
MNIST_FILES = {
    "train_images": (
        "train-images-idx3-ubyte.gz",
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    ),
    "train_labels": (
        "train-labels-idx1-ubyte.gz",
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    ),
    "test_images": (
        "t10k-images-idx3-ubyte.gz",
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    ),
    "test_labels": (
        "t10k-labels-idx1-ubyte.gz",
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    ),
}

MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

_NO_MNIST_NEEDED = (
    "本の章は MNIST を必要としません (scikit-learn 同梱の "
    "nnbook.datasets.load_digits を使います). MNIST は読者向けの"
    "任意の追加です"
)


class MNISTDownloadError(RuntimeError):
    """MNIST のダウンロードや検証に失敗したときの例外."""


# IDX 形式の型コード (http://yann.lecun.com/exdb/mnist/ の説明どおり)
_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def _open_maybe_gzip(path: Path):
    with open(path, "rb") as f:
        head = f.read(2)
    if head == b"\x1f\x8b":
        return gzip.open(path, "rb")
    return open(path, "rb")


def read_idx(path) -> np.ndarray:
    """IDX 形式のファイル (gzip 圧縮でもよい) を NumPy 配列として読む.

    形式: 先頭 4 バイトが ``0, 0, 型コード, 次元数 d``, 続いて各次元の
    大きさ (ビッグエンディアンの uint32 × d), 残りがデータ.

    Returns
    -------
    numpy.ndarray
        ホスト上の配列 (型はファイルのとおり, バイト順はネイティブ).
    """
    path = Path(path)
    with _open_maybe_gzip(path) as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(f"{path.name} は IDX 形式ではありません")
    code, ndim = data[2], data[3]
    if code not in _IDX_DTYPES:
        raise ValueError(f"{path.name}: 未知の IDX 型コード 0x{code:02x}")
    dtype = _IDX_DTYPES[code]
    header = 4 + 4 * ndim
    shape = tuple(
        int(v) for v in np.frombuffer(data, ">u4", count=ndim, offset=4)
    )
    expected = header + math.prod(shape) * dtype.itemsize
    if len(data) != expected:
        raise ValueError(
            f"{path.name}: 大きさが合いません (形 {shape} なら "
            f"{expected} バイトのはずが {len(data)} バイト)"
        )
    arr = np.frombuffer(data, dtype, offset=header).reshape(shape)
    return arr.astype(dtype.newbyteorder("="))


def write_idx(path, array, compress: bool | None = None) -> Path:
    """配列を IDX 形式で書く (テストや自作データ用).

    ``compress`` が None なら, ファイル名が ``.gz`` で終わるとき gzip
    圧縮します.
    """
    path = Path(path)
    arr = np.asarray(array)
    codes = {v.newbyteorder("="): k for k, v in _IDX_DTYPES.items()}
    dtype = arr.dtype.newbyteorder("=")
    if dtype not in codes:
        raise TypeError(f"IDX で書けない型です: {arr.dtype}")
    code = codes[dtype]
    header = bytes([0, 0, code, arr.ndim])
    header += np.asarray(arr.shape, dtype=">u4").tobytes()
    body = arr.astype(_IDX_DTYPES[code]).tobytes()
    if compress is None:
        compress = path.suffix == ".gz"
    data = header + body
    if compress:
        # mtime=0: 時刻を書かないので, 同じ配列なら同じバイト列になる
        data = gzip.compress(data, mtime=0)
    path.write_bytes(data)
    return path


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _download(filename: str, dest: Path, mirrors, timeout: float) -> None:
    """ミラーを順に試してダウンロードする. 途中のファイルは残さない."""
    errors = []
    tmp = dest.with_name(dest.name + ".part")
    for base in mirrors:
        url = base.rstrip("/") + "/" + filename
        try:
            with urllib.request.urlopen(url, timeout=timeout) as r:
                tmp.write_bytes(r.read())
            os.replace(tmp, dest)
            return
        except (urllib.error.URLError, OSError, ValueError) as exc:
            errors.append(f"{url}: {exc}")
            tmp.unlink(missing_ok=True)
    raise MNISTDownloadError(
        f"MNIST の {filename} をダウンロードできませんでした.\n  "
        + "\n  ".join(errors)
        + f"\n{_NO_MNIST_NEEDED}. ネットワークのある環境で "
        f"{dest.parent} にファイルを置けば, 以後は読み込みだけで使えます"
    )


def _fetch(
    key: str, root: Path, download: bool, sha256, mirrors, timeout
) -> Path:
    filename, known = MNIST_FILES[key]
    expected = (sha256 or {}).get(key, known)
    path = root / filename
    if not path.exists():
        if not download:
            raise FileNotFoundError(
                f"{path} がありません (download=False). {_NO_MNIST_NEEDED}"
            )
        root.mkdir(parents=True, exist_ok=True)
        _download(filename, path, mirrors, timeout)
    if expected is not None:
        actual = _sha256(path)
        if actual != expected:
            path.unlink()
            raise MNISTDownloadError(
                f"{filename} の SHA-256 が一致しません (期待 {expected}, "
                f"実際 {actual}). 壊れたファイルを削除しました. "
                f"{_NO_MNIST_NEEDED}"
            )
    return path


def load_mnist(
    path=None,
    download: bool = True,
    normalize: bool = True,
    flatten: bool = True,
    one_hot: bool = False,
    sha256: dict | None = None,
    mirrors=MNIST_MIRRORS,
    timeout: float = 60.0,
):
    """MNIST を読み込む (初回だけダウンロードしてキャッシュする).

    4 つの IDX ファイル (gzip) を ``path`` (既定は
    ``~/.cache/nnbook/mnist``) に置き, SHA-256 を確かめてから
    NumPy で読みます. **本の章は MNIST を使いません**
    (:func:`load_digits` を使います). ダウンロードに失敗したときは
    そのことを述べた :class:`MNISTDownloadError` を送出します.

    Parameters
    ----------
    path : str or Path, optional
        キャッシュのディレクトリ.
    download : bool
        False ならダウンロードせず, ファイルがなければ
        ``FileNotFoundError``.
    normalize : bool
        True なら画素値を 255 で割って [0, 1] の float32 にする
        (False なら 0〜255 の float32).
    flatten : bool
        True なら画像を ``(N, 784)``, False なら ``(N, 1, 28, 28)``.
    one_hot : bool
        True ならラベルを one-hot ``(N, 10)`` にする.
    sha256 : dict, optional
        ``{"train_images": "...", ...}`` の形で, 既定のハッシュ
        (:data:`MNIST_FILES`) を置き換える. 値を None にすると検証を
        省きます (自作の IDX ファイルを読むときなど).
    mirrors : sequence of str
        ダウンロード元の URL (末尾にファイル名を付けて使う).
    timeout : float
        1 回のダウンロードのタイムアウト (秒).

    Returns
    -------
    (x_train, t_train), (x_test, t_test)
        既定のデバイス上の配列.
    """
    root = Path(path) if path is not None else _default_cache()
    unknown = set(sha256 or {}) - set(MNIST_FILES)
    if unknown:
        raise KeyError(
            f"sha256 のキーは {sorted(MNIST_FILES)} です: {sorted(unknown)}"
        )
    arrays = {
        key: read_idx(_fetch(key, root, download, sha256, mirrors, timeout))
        for key in MNIST_FILES
    }
    out = []
    for split in ("train", "test"):
        x = arrays[f"{split}_images"].astype(np.float32)
        if normalize:
            x /= 255.0
        x = x.reshape(len(x), -1) if flatten else x[:, None]
        out.append(_finish(x, arrays[f"{split}_labels"], one_hot, 10))
    return tuple(out)


def _default_cache() -> Path:
    return Path.home() / ".cache" / "nnbook" / "mnist"
