"""ReLU: forward and backward.

    out = max(0, x)            ∂out/∂x = 1 where x > 0, else 0

So backward is a mask: ``dx = dout · [x > 0]``. At exactly ``x = 0`` the
derivative is taken as 0 (a sub-gradient; PyTorch does the same).
Any shape works: ReLU acts on each entry alone.

The cache is a read-only copy of ``x``: changing your ``x`` in place after the
forward pass cannot change the mask the backward pass uses.
"""
import numpy as np

from ._validate import as_float_array, check_shape, frozen_copy


def relu_forward(x):
    """``out = max(0, x)`` elementwise; returns ``(out, cache)`` with ``cache`` a read-only copy of ``x``."""
    x = as_float_array(x, "x")
    return np.maximum(x, 0), frozen_copy(x)


def relu_backward(dout, cache):
    """``dx = dout · [x > 0]``: the delta passes where the unit was on, else it stops."""
    x = cache
    if not isinstance(x, np.ndarray) or x.dtype.kind not in "fiu":
        got = f"an array of dtype {x.dtype}" if isinstance(x, np.ndarray) else type(x).__name__
        raise ValueError(f"cache: expected the array returned by relu_forward (its input x), got {got}")
    dout = as_float_array(dout, "dout")
    check_shape(dout, "dout", x.shape)
    return np.where(x > 0, dout, 0).astype(dout.dtype, copy=False)
