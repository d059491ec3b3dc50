"""Input checks shared by every module.

Each check raises ``ValueError`` with a message that says what was expected and
what was given, so a learner never has to decode a numpy broadcast error.
"""
import numbers

import numpy as np


def as_pair(value, name, minimum):
    """Return ``value`` as an ``(h, w)`` pair of ints, each at least ``minimum``.

    ``value`` may be one int (used for both directions) or a pair of ints.
    """
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        pair = (int(value), int(value))
    elif (isinstance(value, (tuple, list)) and len(value) == 2
          and all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in value)):
        pair = (int(value[0]), int(value[1]))
    else:
        raise ValueError(f"{name}: expected an int or a pair of ints (h, w), got {value!r}")
    if min(pair) < minimum:
        raise ValueError(f"{name}: expected values >= {minimum}, got {value!r}")
    return pair


def as_float_array(a, name, ndim=None, finite=True):
    """Return ``a`` as a floating ndarray (float32 stays float32, the rest float64).

    Checks the number of dimensions and, unless ``finite=False``, that no value is
    NaN or infinite (a NaN would silently poison every gradient it touches).
    """
    try:
        arr = np.asarray(a)
    except (ValueError, TypeError) as err:  # ragged nested lists and the like
        raise ValueError(f"{name}: expected a numeric array, got {type(a).__name__} that numpy "
                         f"cannot turn into one ({err})") from None
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
        raise ValueError(f"{name}: expected finite values, got {bad} NaN or infinite value(s)")
    return arr


def as_finite_scalar(value, name):
    """Return ``value`` as a Python float, or raise unless it is one finite real number."""
    arr = np.asarray(value)
    if arr.shape != () or arr.dtype.kind not in "fiub":
        raise ValueError(f"{name}: expected one real number (a scalar), got {type(value).__name__} "
                         f"with shape {arr.shape} and dtype {arr.dtype}")
    if not np.isfinite(arr):
        raise ValueError(f"{name}: expected a finite number, got {value!r}")
    return float(arr)


def check_shape(a, name, expected):
    """Raise unless ``a.shape == expected``."""
    if tuple(a.shape) != tuple(expected):
        raise ValueError(f"{name}: expected shape {tuple(expected)}, got {tuple(a.shape)}")


def output_size(size, kernel, stride, pad, axis="H", what="kernel"):
    """Output length along one axis: ``floor((size + 2*pad - kernel) / stride) + 1``.

    ``pad=None`` means the operation has no padding at all (pooling).
    """
    if pad is None:
        if kernel > size:
            raise ValueError(f"{what} {axis} size {kernel} is larger than the input {axis} size {size}")
        pad = 0
    padded = size + 2 * pad
    if kernel > padded:
        raise ValueError(f"{what} {axis} size {kernel} is larger than the padded input "
                         f"{axis} size {size} + 2*{pad} = {padded}")
    return (padded - kernel) // stride + 1


_NDIM_HINT = {
    "x": "(N, C, H, W)",
    "w": "(F, C, KH, KW)",
    "b": "(F,)",
    "dout": "(N, F, H_out, W_out)",
    "image": "(H, W)",
    "kernel": "(KH, KW)",
}
