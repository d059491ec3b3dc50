"""Input checks shared by every module.

Each check raises ``ValueError`` with a message that says what was expected and
what was given, so a learner never has to decode a numpy broadcast error, a
``TypeError`` from deep inside a library, or a silently truncated number.
"""
import math
import numbers

import numpy as np


class NonFiniteError(ValueError):
    """A ValueError for NaN or infinite values where finite ones were expected.

    A ValueError like every other check, so callers need not know it; ``train``
    catches only this one to tell a diverging network from any other error.
    """


def _is_int(value):
    kind = type(value)
    if kind is int:  # the common case, without the slower abstract-class check
        return True
    return kind is not bool and isinstance(value, numbers.Integral) and not isinstance(value, np.bool_)


def _show(value):
    """A short description of ``value`` for an error message."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def as_int(value, name, minimum=None, maximum=None):
    """Return ``value`` as a Python int, or raise unless it is an integer in range.

    Floats are refused even when whole (``2.5`` would otherwise be truncated and
    ``3.0`` is most likely a computed size that went wrong), and so are bools and
    strings.
    """
    if not _is_int(value):
        raise ValueError(f"{name}: expected an int{_range(minimum, maximum)}, got {_show(value)}")
    value = int(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"{name}: expected an int{_range(minimum, maximum)}, got {value}")
    return value


def _range(minimum, maximum):
    if minimum is not None and maximum is not None:
        return f" in {minimum}..{maximum}"
    if minimum is not None:
        return f" >= {minimum}"
    if maximum is not None:
        return f" <= {maximum}"
    return ""


def as_real(value, name, low=None, high=None, low_open=False, high_open=False):
    """Return ``value`` as a finite Python float within the given bounds, or raise.

    ``low_open=True`` excludes ``low`` itself (``lr > 0``), likewise ``high_open``
    (``momentum < 1``). NaN, infinity, bools, strings and arrays are refused.
    """
    bounds = []
    if low is not None:
        bounds.append(f"{'>' if low_open else '>='} {low:g}")
    if high is not None:
        bounds.append(f"{'<' if high_open else '<='} {high:g}")
    wanted = "a finite real number" + (f" {' and '.join(bounds)}" if bounds else "")
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise ValueError(f"{name}: expected {wanted}, got {_show(value)}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name}: expected {wanted}, got {value!r}")
    if low is not None and (number < low or (low_open and number == low)):
        raise ValueError(f"{name}: expected {wanted}, got {value!r}")
    if high is not None and (number > high or (high_open and number == high)):
        raise ValueError(f"{name}: expected {wanted}, got {value!r}")
    return number


def as_bool(value, name):
    """Return ``value`` as a bool; only True and False (or numpy's) are accepted."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name}: expected True or False, got {_show(value)}")
    return bool(value)


def as_seed(seed, name="seed"):
    """A seed for ``np.random.default_rng``: None (fresh entropy) or an int >= 0."""
    if seed is None:
        return None
    return as_int(seed, name, minimum=0)


def as_shape(value, name, ndim=None, minimum=1, hint=None):
    """Return ``value`` as a tuple of ints, each at least ``minimum``.

    ``ndim`` fixes the length; ``hint`` (e.g. ``"(N, C, H, W)"``) names the entries.
    """
    if type(value) is tuple and all(type(v) is int and v >= minimum for v in value) and \
            (ndim is None or len(value) == ndim):
        return value  # the common case (an array's .shape), without building a message
    what = f"{'a tuple of ' + str(ndim) if ndim else 'a tuple of'} ints >= {minimum}" + \
        (f" {hint}" if hint else "")
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind in "iu":
        value = tuple(value.tolist())
    if not isinstance(value, (tuple, list)) or not all(_is_int(v) for v in value):
        raise ValueError(f"{name}: expected {what}, got {_show(value)}")
    shape = tuple(int(v) for v in value)
    if (ndim is not None and len(shape) != ndim) or any(v < minimum for v in shape):
        raise ValueError(f"{name}: expected {what}, got {shape}")
    return shape


def as_pair(value, name, minimum):
    """Return ``value`` as an ``(h, w)`` pair of ints, each at least ``minimum``.

    ``value`` may be one int (used for both directions) or a pair of ints.
    """
    if _is_int(value):
        pair = (int(value), int(value))
    elif isinstance(value, (tuple, list)) and len(value) == 2 and all(_is_int(v) for v in value):
        pair = (int(value[0]), int(value[1]))
    else:
        raise ValueError(f"{name}: expected an int or a pair of ints (h, w), got {value!r}")
    if min(pair) < minimum:
        raise ValueError(f"{name}: expected values >= {minimum}, got {value!r}")
    return pair


def _as_array(a, name):
    try:
        return np.asarray(a)
    except (ValueError, TypeError) as err:  # ragged nested lists and the like
        raise ValueError(f"{name}: expected a numeric array, got {type(a).__name__} that numpy "
                         f"cannot turn into one ({err})") from None


def as_float_array(a, name, ndim=None, finite=True):
    """Return ``a`` as a floating ndarray (float32 stays float32, the rest float64).

    Checks the number of dimensions and, unless ``finite=False``, that no value is
    NaN or infinite (a NaN would silently poison every gradient it touches).
    Complex, string and object arrays are refused (a cast would drop the
    imaginary part or parse the strings).
    """
    arr = _as_array(a, name)
    if arr.dtype.kind not in "fiub":
        raise ValueError(f"{name}: expected a numeric array, got dtype {arr.dtype}")
    if arr.dtype != np.float32:
        arr = arr.astype(np.float64, copy=False)
    if ndim is not None and arr.ndim != ndim:
        hint = _NDIM_HINT.get(name)
        raise ValueError(f"{name}: expected {ndim} dimensions{' ' + hint if hint else ''}, "
                         f"got {arr.ndim} dimensions with shape {arr.shape}")
    if finite and not np.isfinite(arr).all():
        bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
        raise NonFiniteError(f"{name}: expected finite values, got {bad} NaN or infinite value(s)")
    return arr


def as_numeric_array(a, name, complex_ok=True, min_ndim=0):
    """Return ``a`` as an ndarray of numbers (bool, int, float, and complex unless
    ``complex_ok=False``), unchanged in dtype; strings and objects are refused."""
    arr = _as_array(a, name)
    kinds = "biufc" if complex_ok else "biuf"
    if arr.dtype.kind not in kinds:
        raise ValueError(f"{name}: expected a numeric array, got dtype {arr.dtype}")
    if arr.ndim < min_ndim:
        raise ValueError(f"{name}: expected an array with at least {min_ndim} dimensions, "
                         f"got shape {arr.shape}")
    return arr


def as_labels(labels, name, count=None, classes=None):
    """Integer class labels ``(N,)`` as an int64 array, each in ``0..classes-1``.

    ``count`` fixes ``N``. Floats (even 3.0), bools and strings are refused.
    """
    arr = _as_array(labels, name)
    if arr.ndim != 1 or arr.dtype.kind not in "iu" or (count is not None and arr.shape[0] != count):
        size = "" if count is None else f"{count} "
        shape = "(N,)" if count is None else f"({count},)"
        raise ValueError(f"{name}: expected {size}integer labels, shape {shape}, "
                         f"got shape {arr.shape} dtype {arr.dtype}")
    if classes is not None and arr.size and (arr.min() < 0 or arr.max() >= classes):
        raise ValueError(f"{name}: expected values in 0..{classes - 1}, "
                         f"got values from {arr.min()} to {arr.max()}")
    return arr.astype(np.int64, copy=False)


def frozen_copy(a):
    """A read-only copy of the array ``a``: what a cache keeps of its inputs.

    The caller may change its own array in place after a forward pass (or
    reuse the buffer); the backward pass then still sees the values the
    forward pass used, and writing through the cache raises.
    """
    out = np.array(a, copy=True)
    out.flags.writeable = False
    return out


def check_cache(cache, kind, what):
    """Raise unless ``cache`` is an instance of ``kind`` (``what`` names its forward)."""
    if not isinstance(cache, kind):
        raise ValueError(f"cache: expected the {kind.__name__} returned by {what}, "
                         f"got {type(cache).__name__}")
    return cache


def as_finite_scalar(value, name):
    """Return ``value`` as a Python float, or raise unless it is one finite real number."""
    arr = _as_array(value, name)
    if arr.shape != () or arr.dtype.kind not in "fiub":
        raise ValueError(f"{name}: expected one real number (a scalar), got {type(value).__name__} "
                         f"with shape {arr.shape} and dtype {arr.dtype}")
    if not np.isfinite(arr):
        raise NonFiniteError(f"{name}: expected a finite number, got {value!r}")
    return float(arr)


def check_shape(a, name, expected):
    """Raise unless ``a.shape == expected``."""
    if tuple(a.shape) != tuple(expected):
        raise ValueError(f"{name}: expected shape {tuple(expected)}, got {tuple(a.shape)}")


def output_size(size, kernel, stride, pad, axis="H", what="kernel"):
    """Output length along one axis: ``floor((size + 2*pad - kernel) / stride) + 1``.

    ``pad=None`` means the operation has no padding at all (pooling). Every
    argument must be an int (a float size would give a float length).
    """
    if not (type(size) is int and type(kernel) is int and type(stride) is int and type(pad) in (int, type(None))):
        for label, v in (("size", size), (f"{what} size", kernel), ("stride", stride)):
            if not _is_int(v):
                raise ValueError(f"{axis} {label}: expected an int, got {_show(v)}")
        if pad is not None and not _is_int(pad):
            raise ValueError(f"{axis} pad: expected an int, got {_show(pad)}")
    if pad is None:
        if kernel > size:
            raise ValueError(f"{what} {axis} size {kernel} is larger than the input {axis} size {size}")
        pad = 0
    padded = size + 2 * pad
    if kernel > padded:
        raise ValueError(f"{what} {axis} size {kernel} is larger than the padded input "
                         f"{axis} size {size} + 2*{pad} = {padded}")
    return int((padded - kernel) // stride + 1)


_NDIM_HINT = {
    "x": "(N, C, H, W)",
    "w": "(F, C, KH, KW)",
    "b": "(F,)",
    "dout": "(N, F, H_out, W_out)",
    "image": "(H, W)",
    "kernel": "(KH, KW)",
}
