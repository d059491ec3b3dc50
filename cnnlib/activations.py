"""ReLU: forward and backward.

    out = max(0, x)            ∂out/∂x = 1 where x > 0, else 0

So backward is a mask: ``dx = dout · [x > 0]``. At exactly ``x = 0`` the
derivative is taken as 0 (a sub-gradient; PyTorch does the same).
Any shape works: ReLU acts on each entry alone.
"""
import numpy as np

from ._validate import as_float_array, check_shape


def relu_forward(x):
    """``out = max(0, x)`` elementwise; returns ``(out, cache)`` with ``cache = x``."""
    x = as_float_array(x, "x")
    return np.maximum(x, 0), x


def relu_backward(dout, cache):
    """``dx = dout · [x > 0]``: the delta passes where the unit was on, else it stops."""
    x = cache
    dout = as_float_array(dout, "dout")
    check_shape(dout, "dout", x.shape)
    return np.where(x > 0, dout, 0).astype(dout.dtype, copy=False)
