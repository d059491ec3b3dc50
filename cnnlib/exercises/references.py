"""Small reference computations several checkers share (built on cnnlib's loop versions)."""
import numpy as np

from ..conv import conv2d_backward_naive, conv2d_forward_naive


def one_channel_gradients(x_shape, kernel, dout, stride, pad, x=None):
    """dx (H, W) and dw (KH, KW) of a one-channel layer, by ``conv2d_backward_naive``."""
    x = np.zeros(x_shape) if x is None else np.asarray(x, dtype=np.float64)
    w = np.asarray(kernel, dtype=np.float64)[None, None]
    _, cache = conv2d_forward_naive(x[None, None], w, np.zeros(1), stride, pad)
    dx, dw, _ = conv2d_backward_naive(np.asarray(dout, dtype=np.float64)[None, None], cache)
    return dx[0, 0], dw[0, 0]
