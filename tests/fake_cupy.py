"""A CuPy stand-in that proves device discipline without a GPU.

``fake_cupy`` behaves like the parts of CuPy that nnbook uses: its
``ndarray`` ("device array") computes with NumPy underneath, but it refuses
to meet host (NumPy) arrays implicitly exactly where CuPy refuses
(cupy/_core/core.pyx, _kernel.pyx, _routines_indexing.pyx):

- ``np.asarray(d)``, ``np.array(d)`` and everything that converts through
  ``__array__`` (matplotlib, ``np.mean([d1, d2])``, ...): ``TypeError:
  Implicit conversion to a NumPy array is not allowed. ...``.
- a ufunc or an operator with a host ``numpy.ndarray`` operand (0-d
  included, except in comparisons): ``TypeError: Unsupported type <class
  'numpy.ndarray'>``; Python and NumPy scalars are fine.
- a NumPy function (``__array_function__``) given a host array next to a
  device array: ``TypeError`` (CuPy hands host arrays to its own function,
  which rejects them; a few CuPy functions happen to convert host input,
  the stand-in is stricter there). NumPy functions that CuPy lacks
  (``np.errstate``, ``np.geomspace``, ...) are missing here too.
- ``d[...] = host`` with basic indexing: ``ValueError: non-scalar
  numpy.ndarray cannot be used for fill`` (CuPy refuses it, gh-2079);
  with advanced indexing CuPy uploads the host value, and so does this.

What CuPy transfers implicitly host → device (``cupy.asarray(host)``,
host arrays and lists used as indices, advanced ``setitem``) works and is
counted in :data:`counters`. Everything that waits for the device and
copies to the host is counted as a *sync*: ``float()``, ``int()``,
``bool()``, ``complex()``, ``.item()``, ``.tolist()``, ``.get()``,
``asnumpy()``, ``repr``/``str``/``format``, explicit
``cuda.Device().synchronize()``, and what sizes its output from the data
(boolean-mask indexing, ``nonzero``, ``unique``, ...), as CuPy reads a
count back from the device there.

Random numbers: ``random.default_rng(seed)`` is NumPy's generator with the
same seed, so the stand-in draws the numbers NumPy would (real CuPy uses
cuRAND's XORWOW and draws different ones).

Use: ``NNBOOK_FAKE_CUPY=/path/to/tests/fake_cupy.py`` makes
``nnbook.backend`` load this module instead of ``cupy`` (see its
``_import_cupy``); the root ``conftest.py`` does that when CuPy is not
installed. Nothing here is imported by the package itself.
"""

from __future__ import annotations

import contextlib
import functools
import types

import numpy as np

__version__ = "0.0-stand-in"
IS_STAND_IN = True  # nnbook.backend reports "CuPy stand-in" in messages

_HOST = np.ndarray
_SCALARS = (bool, int, float, complex, np.generic)
_COMPARISONS = {
    "equal",
    "not_equal",
    "less",
    "less_equal",
    "greater",
    "greater_equal",
}
IMPLICIT_MESSAGE = (
    "Implicit conversion to a NumPy array is not allowed. "
    "Please use `.get()` to construct a NumPy array explicitly."
)


# ------------------------------------------------------------- counters


class Counters:
    """Syncs (device → host waits) and transfers in both directions."""

    FIELDS = (
        "syncs",
        "to_host",
        "to_host_bytes",
        "to_device",
        "to_device_bytes",
    )

    def __init__(self):
        self.reset()

    def reset(self):
        for name in self.FIELDS:
            setattr(self, name, 0)

    def as_dict(self):
        return {name: getattr(self, name) for name in self.FIELDS}

    def __repr__(self):
        inner = ", ".join(f"{k}={v}" for k, v in self.as_dict().items())
        return f"Counters({inner})"


#: Totals since import (or the last ``counters.reset()``).
counters = Counters()
_active: list[Counters] = []


def _bump(field, n=1):
    for c in (counters, *_active):
        setattr(c, field, getattr(c, field) + n)


def _sync(nbytes):
    _bump("syncs")
    _bump("to_host")
    _bump("to_host_bytes", int(nbytes))


def _upload(nbytes):
    _bump("to_device")
    _bump("to_device_bytes", int(nbytes))


@contextlib.contextmanager
def counting():
    """``with counting() as c:`` counts what happens inside into ``c``."""
    c = Counters()
    _active.append(c)
    try:
        yield c
    finally:
        _active.remove(c)


# ------------------------------------------------------ device arrays


def _wrap(value):
    """NumPy results become device arrays (0-d for scalars, as in CuPy)."""
    if isinstance(value, _HOST):
        return ndarray._from_host(value)
    if isinstance(value, np.generic):
        return ndarray._from_host(np.asarray(value))
    if isinstance(value, tuple):
        return tuple(_wrap(v) for v in value)
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value


def _unwrap_operand(x, where, comparison=False):
    """An operand of a ufunc: device array, scalar, or TypeError."""
    if isinstance(x, ndarray):
        return x._a
    if isinstance(x, _SCALARS) or x is None:
        return x
    if isinstance(x, _HOST):
        if comparison and x.ndim == 0:  # CuPy: x.item() for comparisons
            return x.item()
        raise TypeError(f"Unsupported type {type(x)}")
    raise TypeError(
        f"Unsupported type {type(x)} ({where}: CuPy accepts only "
        "cupy.ndarray and scalars here)"
    )


def _unwrap_args(obj, where):
    """Arguments of a function: device arrays anywhere, no host arrays."""
    if isinstance(obj, ndarray):
        return obj._a
    if isinstance(obj, _HOST):
        raise TypeError(
            f"Unsupported type {type(obj)}: cupy.{where} got a host "
            "numpy.ndarray (CuPy does not convert it implicitly; move it "
            "with cupy.asarray first)"
        )
    if isinstance(obj, (list, tuple)):
        return type(obj)(_unwrap_args(o, where) for o in obj)
    if isinstance(obj, dict):
        return {k: _unwrap_args(v, where) for k, v in obj.items()}
    return obj


def _unwrap_nested(obj):
    """Data for cupy.asarray: host data as is, device arrays unwrapped."""
    if isinstance(obj, ndarray):
        return obj._a
    if isinstance(obj, (list, tuple)):
        return type(obj)(_unwrap_nested(o) for o in obj)
    return obj


def _unwrap_index(key):
    """An index: device arrays, or host arrays/lists uploaded as CuPy does."""
    if isinstance(key, tuple):
        return tuple(_unwrap_index(k) for k in key)
    if isinstance(key, ndarray):
        return key._a
    if isinstance(key, (_HOST, list)):
        arr = np.asarray(key)
        _upload(arr.nbytes)
        return arr
    return key


def _count_mask_sync(key):
    """A boolean mask as index: CuPy reads the count of True to the host."""
    keys = key if isinstance(key, tuple) else (key,)
    for k in keys:
        if isinstance(k, (ndarray, _HOST)) and k.dtype == bool and k.ndim:
            _bump("syncs")


def _is_advanced(key):
    keys = key if isinstance(key, tuple) else (key,)
    return any(isinstance(k, (ndarray, _HOST, list)) for k in keys)


class _Flags:
    def __init__(self, a):
        self.c_contiguous = a.flags.c_contiguous
        self.f_contiguous = a.flags.f_contiguous
        self.owndata = a.flags.owndata


class ndarray:  # noqa: N801 (the name CuPy uses)
    """A device array: NumPy data that never leaves "the device" implicitly."""

    __slots__ = ("_a",)
    __array_priority__ = 100.0
    __hash__ = None

    def __init__(self, shape, dtype=float, order="C"):
        self._a = np.empty(shape, dtype=dtype, order=order)

    @classmethod
    def _from_host(cls, a):
        obj = cls.__new__(cls)
        obj._a = a
        return obj

    # --- what CuPy refuses -------------------------------------------
    def __array__(self, dtype=None, copy=None):
        raise TypeError(IMPLICIT_MESSAGE)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        cmp = ufunc.__name__ in _COMPARISONS
        where = f"{ufunc.__name__}.{method}"
        args = [_unwrap_operand(x, where, cmp) for x in inputs]
        out = kwargs.pop("out", None)
        if out is not None:
            for o in out:
                if not isinstance(o, ndarray):
                    raise TypeError(
                        f"Unsupported type {type(o)}: out= must be a "
                        "cupy.ndarray"
                    )
            kwargs["out"] = tuple(o._a for o in out)
        if "where" in kwargs:
            kwargs["where"] = _unwrap_operand(kwargs["where"], where)
        result = getattr(ufunc, method)(*args, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return _wrap(result)

    def __array_function__(self, func, types, args, kwargs):
        if func.__name__ in NOT_IN_CUPY:
            return NotImplemented
        if not all(issubclass(t, (ndarray, _HOST)) for t in types):
            return NotImplemented
        return _call(func, func.__name__, args, kwargs)

    # --- syncs: the host waits for the device and copies ---------------
    def get(self, stream=None, order="C", out=None):
        _sync(self._a.nbytes)
        host = np.array(self._a, order=order, copy=True)
        if out is not None:
            out[...] = host
            return out
        return host

    def item(self):
        if self._a.size != 1:
            raise ValueError(
                "can only convert an array of size 1 to a Python scalar"
            )
        return self.get().item()

    def tolist(self):
        return self.get().tolist()

    def __float__(self):
        return float(self.get())

    def __int__(self):
        return int(self.get())

    def __complex__(self):
        return complex(self.get())

    def __bool__(self):
        if self._a.size > 1:
            raise ValueError(
                "The truth value of an array with more than one element is "
                "ambiguous. Use a.any() or a.all()"
            )
        return bool(self.get())

    def __repr__(self):
        return repr(self.get())

    def __str__(self):
        return str(self.get())

    def __format__(self, spec):
        return format(self.get(), spec)

    def set(self, arr):
        if not isinstance(arr, _HOST):
            raise TypeError("set() takes a numpy.ndarray")
        _upload(arr.nbytes)
        self._a[...] = arr

    # --- attributes ---------------------------------------------------
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    strides = property(lambda self: self._a.strides)
    flags = property(lambda self: _Flags(self._a))
    T = property(lambda self: _wrap(self._a.T))
    mT = property(lambda self: _wrap(self._a.mT))
    real = property(lambda self: _wrap(self._a.real))
    imag = property(lambda self: _wrap(self._a.imag))
    device = property(lambda self: cuda.Device(0))

    def __len__(self):
        if self._a.ndim == 0:
            raise TypeError("len() of unsized object")
        return len(self._a)

    def __iter__(self):
        if self._a.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self._a.shape[0]))

    def __getitem__(self, key):
        _count_mask_sync(key)
        return _wrap(self._a[_unwrap_index(key)])

    def __setitem__(self, key, value):
        if isinstance(value, ndarray):
            value = value._a
        elif not isinstance(value, _SCALARS):
            if not _is_advanced(key):  # CuPy: y.fill(value)
                arr = np.asarray(value)
                if arr.ndim != 0:
                    raise ValueError(
                        "non-scalar numpy.ndarray cannot be used for fill"
                    )
                value = arr[()]
            else:  # CuPy uploads the value (core.array)
                value = np.asarray(value)
                _upload(value.nbytes)
        _count_mask_sync(key)
        self._a[_unwrap_index(key)] = value

    def fill(self, value):
        if isinstance(value, ndarray):
            value = value._a
        elif np.ndim(value) != 0:
            raise ValueError(
                "non-scalar numpy.ndarray cannot be used for fill"
            )
        self._a.fill(value)

    def copy(self, order="C"):
        return _wrap(self._a.copy(order=order))

    def astype(self, dtype, order="K", casting=None, subok=None, copy=True):
        a = self._a.astype(dtype, order=order, copy=copy)
        return self if a is self._a else _wrap(a)

    def view(self, dtype=None):
        return _wrap(self._a.view() if dtype is None else self._a.view(dtype))

    def dot(self, b, out=None):
        kwargs = {} if out is None else {"out": out}
        return _call(np.dot, "dot", (self, b), kwargs)

    def __dlpack__(self, *args, **kwargs):
        raise TypeError("the CuPy stand-in does not export DLPack")


def _method(name):
    def method(self, *args, **kwargs):
        return _call(getattr(_HOST, name), name, (self, *args), kwargs)

    method.__name__ = name
    return method


for _name in (
    "all any argmax argmin argsort clip conj conjugate cumprod cumsum "
    "diagonal flatten max mean min nonzero prod ravel repeat reshape "
    "round squeeze std sum swapaxes take trace transpose var"
).split():
    setattr(ndarray, _name, _method(_name))


def _operator(ufunc, reflected=False, inplace=False):
    def op(self, other):
        if getattr(type(other), "__array_ufunc__", True) is None:
            return NotImplemented  # NumPy's rule: the other operand decides
        if inplace:
            return ufunc(self, other, out=(self,))
        return ufunc(other, self) if reflected else ufunc(self, other)

    return op


for _name, _uf in {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "truediv": np.true_divide,
    "floordiv": np.floor_divide,
    "mod": np.remainder,
    "pow": np.power,
    "matmul": np.matmul,
    "and": np.bitwise_and,
    "or": np.bitwise_or,
    "xor": np.bitwise_xor,
    "lshift": np.left_shift,
    "rshift": np.right_shift,
}.items():
    setattr(ndarray, f"__{_name}__", _operator(_uf))
    setattr(ndarray, f"__r{_name}__", _operator(_uf, reflected=True))
    setattr(ndarray, f"__i{_name}__", _operator(_uf, inplace=True))
for _name, _uf in {
    "eq": np.equal,
    "ne": np.not_equal,
    "lt": np.less,
    "le": np.less_equal,
    "gt": np.greater,
    "ge": np.greater_equal,
}.items():
    setattr(ndarray, f"__{_name}__", _operator(_uf))
ndarray.__neg__ = lambda self: np.negative(self)
ndarray.__pos__ = lambda self: np.positive(self)
ndarray.__abs__ = lambda self: np.absolute(self)
ndarray.__invert__ = lambda self: np.invert(self)


# --------------------------------------------------- module functions


#: Functions whose output size depends on the data: CuPy syncs to size it.
_SIZE_FROM_DATA = frozenset(
    "nonzero argwhere flatnonzero unique compress extract".split()
)


def _call(func, name, args, kwargs):
    """Run NumPy's ``func`` on device arrays; host arrays are refused."""
    if name in _SIZE_FROM_DATA:
        _bump("syncs")
    out = kwargs.get("out")
    if out is not None and not isinstance(out, ndarray):
        raise TypeError(f"cupy.{name}: out= must be a cupy.ndarray")
    result = func(*_unwrap_args(args, name), **_unwrap_args(kwargs, name))
    if out is not None:
        return out
    return _wrap(result)


#: NumPy callables that CuPy does not have (cupy/__init__.py at CuPy's
#: main branch, 2026); using them on the GPU raises AttributeError.
NOT_IN_CUPY = frozenset(
    "asmatrix block bmat broadcast_shapes busday_count busday_offset "
    "datetime_as_string datetime_data einsum_path errstate frompyfunc "
    "fromregex geomspace get_include getbufsize geterr geterrcall "
    "histogram_bin_edges info insert is_busday isnat matrix matvec memmap "
    "nanpercentile nanquantile ndenumerate nditer nested_iters polyder "
    "polydiv polyint recarray seterr seterrcall setbufsize spacing "
    "unstack vecdot vecmat".split()
)

#: Functions whose array arguments may live on the host: CuPy uploads them.
_FROM_HOST = frozenset(
    "array asarray asanyarray ascontiguousarray asfortranarray".split()
)


def _from_host(name):
    numpy_func = getattr(np, name)

    def create(obj, *args, **kwargs):
        if isinstance(obj, ndarray):
            a = numpy_func(obj._a, *args, **kwargs)
            return obj if a is obj._a else _wrap(a)
        arr = numpy_func(_unwrap_nested(obj), *args, **kwargs)
        _upload(np.asarray(arr).nbytes)
        if not isinstance(arr, _HOST):
            arr = np.asarray(arr)
        if name == "asarray" and isinstance(obj, _HOST) and arr is obj:
            arr = arr.copy()  # device memory is never the host buffer
        return _wrap(arr)

    create.__name__ = name
    return create


class ufunc:  # noqa: N801
    """A CuPy ufunc: NumPy's, applied to device arrays and scalars only."""

    def __init__(self, np_ufunc):
        self._uf = np_ufunc
        self.__name__ = np_ufunc.__name__
        self.nin, self.nout = np_ufunc.nin, np_ufunc.nout

    def _apply(self, method, inputs, kwargs):
        if not any(isinstance(x, ndarray) for x in inputs):
            cmp = self.__name__ in _COMPARISONS
            for x in inputs:  # all scalars: compute and put on the device
                _unwrap_operand(x, f"cupy.{self.__name__}", cmp)
            out = kwargs.get("out")
            if out is not None and not isinstance(out, ndarray):
                raise TypeError(f"cupy.{self.__name__}: out= must be cupy")
            if out is not None:
                kwargs = {**kwargs, "out": (out,)}
                return ndarray.__array_ufunc__(
                    out, self._uf, method, *inputs, **kwargs
                )
            return _wrap(getattr(self._uf, method)(*inputs, **kwargs))
        if "out" in kwargs and not isinstance(kwargs["out"], tuple):
            kwargs = {**kwargs, "out": (kwargs["out"],)}
        return ndarray.__array_ufunc__(
            next(x for x in inputs if isinstance(x, ndarray)),
            self._uf,
            method,
            *inputs,
            **kwargs,
        )

    def __call__(self, *inputs, **kwargs):
        return self._apply("__call__", inputs, kwargs)

    def reduce(self, *inputs, **kwargs):
        return self._apply("reduce", inputs, kwargs)

    def accumulate(self, *inputs, **kwargs):
        return self._apply("accumulate", inputs, kwargs)

    def outer(self, *inputs, **kwargs):
        return self._apply("outer", inputs, kwargs)

    def at(self, *inputs, **kwargs):
        return self._apply("at", inputs, kwargs)


def _function(name):
    numpy_func = getattr(np, name)

    @functools.wraps(numpy_func)
    def function(*args, **kwargs):
        return _call(numpy_func, name, args, kwargs)

    return function


def asnumpy(a, stream=None, order="C", out=None):
    """Device → host copy (a sync); host input is returned as an array."""
    if isinstance(a, ndarray):
        return a.get(order=order, out=out)
    return np.asarray(a, order=order)


def get_array_module(*args):
    return _this_module() if any(isinstance(a, ndarray) for a in args) else np


def _this_module():
    import sys  # noqa: PLC0415

    return sys.modules[__name__]


def __getattr__(name):  # PEP 562: cupy.<name> for the rest of NumPy's API
    if name.startswith("__") or name in NOT_IN_CUPY or not hasattr(np, name):
        raise AttributeError(
            f"module 'cupy' has no attribute {name!r} (CuPy stand-in: "
            "not in CuPy, or not provided by the stand-in)"
        )
    obj = getattr(np, name)
    if name in _FROM_HOST:
        value = _from_host(name)
    elif isinstance(obj, np.ufunc):
        value = ufunc(obj)
    elif isinstance(obj, type) or not callable(obj):
        value = obj  # dtypes (float32, ...), constants, finfo, iinfo, dtype
    elif name in {"result_type", "can_cast", "isscalar", "promote_types"}:
        value = obj
    else:
        value = _function(name)
    globals()[name] = value
    return value


# ------------------------------------------------------------- random


class Generator:
    """``cupy.random.Generator`` on NumPy's (same seed, same numbers)."""

    def __init__(self, seed=None):
        self._g = np.random.default_rng(seed)

    def random(self, size=None, dtype=np.float64, out=None):
        return _wrap(np.asarray(self._g.random(size, dtype=dtype)))

    def uniform(self, low=0.0, high=1.0, size=None, dtype=np.float64):
        a = self._g.uniform(low, high, size)
        return _wrap(np.asarray(a).astype(dtype, copy=False))

    def standard_normal(self, size=None, dtype=np.float64, out=None):
        return _wrap(np.asarray(self._g.standard_normal(size, dtype=dtype)))

    def integers(self, low, high=None, size=None, dtype=np.int64, **kw):
        a = self._g.integers(low, high, size, dtype=dtype, **kw)
        return _wrap(np.asarray(a))

    def permutation(self, x):
        if isinstance(x, ndarray):
            x = x._a
        return _wrap(self._g.permutation(x))


def _default_rng(seed=None):
    if isinstance(seed, Generator):
        return seed
    if isinstance(seed, np.random.Generator):
        raise TypeError("cupy.random.default_rng takes no NumPy Generator")
    return Generator(seed)


random = types.ModuleType("cupy.random (stand-in)")
random.default_rng = _default_rng
random.Generator = Generator


# ---------------------------------------------- cupyx.scipy.special


def _special(name):
    import scipy.special  # noqa: PLC0415

    return ufunc(getattr(scipy.special, name))


#: ``cupyx.scipy.special`` (what nnbook uses of it).
scipy_special = types.ModuleType("cupyx.scipy.special")
scipy_special.erf = _special("erf")
scipy_special.erfc = _special("erfc")
scipy_special.expit = _special("expit")


# --------------------------------------------------------------- cuda


class _Device:
    def __init__(self, device_id=0):
        self.id = device_id

    def synchronize(self):
        _bump("syncs")

    def __repr__(self):
        return f"<CUDA Device {self.id} (CuPy stand-in)>"


class _Stream:
    def synchronize(self):
        _bump("syncs")


_Stream.null = _Stream()


def _device_properties(device_id):
    return {"name": b"CuPy stand-in (NumPy on the CPU)", "totalGlobalMem": 0}


cuda = types.SimpleNamespace(
    Device=_Device,
    Stream=_Stream,
    get_device_id=lambda: 0,
    runtime=types.SimpleNamespace(
        getDeviceCount=lambda: 1,
        getDeviceProperties=_device_properties,
        runtimeGetVersion=lambda: 0,
        driverGetVersion=lambda: 0,
    ),
)
