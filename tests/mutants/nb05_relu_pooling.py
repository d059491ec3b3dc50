"""Notebook 05: ReLU and pooling backward written by a learner, right and with each typical mistake.

The "Your turn" functions (my_relu_backward, my_maxpool_backward, my_avgpool_backward) as a
learner types them: loops over the windows, a mask, np.argmax; and the "check yourself" chain
(conv -> ReLU -> max pool, ∂E/∂w by hand) on the notebook's own data, each with one slip.
"""
import numpy as np

from cnnlib.correlate import convolve2d, cross_correlate2d
from cnnlib.exercises.nb05_relu_pooling import (check_avgpool_backward, check_conv_relu_pool_dw,
                                                check_maxpool_backward, check_relu_backward,
                                                conv_relu_pool_exercise_data)

from . import Entry, registry

# ------------------------------------------------------------------------------ ReLU


def my_relu_backward(dout, z):
    return dout * (z > 0)


def my_relu_backward_copy(dout, z):
    dz = dout.copy()
    dz[z <= 0] = 0
    return dz


RELU, bad = registry()


@bad("no_mask")
def _(dout, z):
    a = np.maximum(z, 0)
    dz = dout.copy()
    dz[a < 0] = 0                 # "where the output was negative": never
    return dz


@bad("mask_ge_zero")
def _(dout, z):
    return dout * (z >= 0)


@bad("mask_inverted")
def _(dout, z):
    dz = dout.copy()
    dz[z > 0] = 0
    return dz


@bad("mask_from_deltas")
def _(dout, z):
    return dout * (dout > 0)


@bad("times_output")
def _(dout, z):
    a = np.maximum(0, z)
    return dout * a


@bad("returned_mask")
def _(dout, z):
    return np.where(z > 0, 1.0, 0.0)


@bad("slope_half_at_zero")
def _(dout, z):
    slope = np.where(z > 0, 1.0, 0.0)
    slope[z == 0] = 0.5           # "the two one-sided slopes, averaged", as finite differences give
    return dout * slope


# ------------------------------------------------------------------------- max pool


def my_maxpool_backward(dout, x, size, stride):
    N, C, H, W = x.shape
    _, _, H_out, W_out = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    window = x[n, c, stride * i:stride * i + size, stride * j:stride * j + size]
                    m, q = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, stride * i + m, stride * j + q] += dout[n, c, i, j]
    return dx


def _scan(window, better):
    """The learner's own search for the winner: scan the window, keep the best so far."""
    best, where = -np.inf, (0, 0)
    for m in range(window.shape[0]):
        for q in range(window.shape[1]):
            if better(window[m, q], best):
                best, where = window[m, q], (m, q)
    return where


def my_maxpool_backward_scan(dout, x, size, stride):
    """The same, with the maximum found by a scan with a strict > (the first one wins)."""
    dx = np.zeros(x.shape)
    for n, c, i, j in np.ndindex(*dout.shape):
        window = x[n, c, stride * i:stride * i + size, stride * j:stride * j + size]
        m, q = _scan(window, lambda value, best: value > best)
        dx[n, c, stride * i + m, stride * j + q] += dout[n, c, i, j]
    return dx


MAXPOOL, bad = registry()


def _windows(dout, x, size, stride, body):
    dx = np.zeros(x.shape)
    for n, c, i, j in np.ndindex(*dout.shape):
        rows, cols = slice(stride * i, stride * i + size), slice(stride * j, stride * j + size)
        body(dx, x[n, c, rows, cols], dout[n, c, i, j], n, c, i, j, rows, cols)
    return dx


@bad("every_tied_max_gets_delta")
def _(dout, x, size, stride):
    def body(dx, window, delta, n, c, i, j, rows, cols):
        dx[n, c, rows, cols] += (window == window.max()) * delta
    return _windows(dout, x, size, stride, body)


@bad("last_max_wins")
def _(dout, x, size, stride):
    def body(dx, window, delta, n, c, i, j, rows, cols):
        m, q = _scan(window, lambda value, best: value >= best)
        dx[n, c, stride * i + m, stride * j + q] += delta
    return _windows(dout, x, size, stride, body)


@bad("delta_split_among_ties")
def _(dout, x, size, stride):
    def body(dx, window, delta, n, c, i, j, rows, cols):
        mask = window == window.max()
        dx[n, c, rows, cols] += mask * delta / mask.sum()
    return _windows(dout, x, size, stride, body)


@bad("overwrite_where_windows_overlap")
def _(dout, x, size, stride):
    def body(dx, window, delta, n, c, i, j, rows, cols):
        m, q = np.unravel_index(np.argmax(window), window.shape)
        dx[n, c, stride * i + m, stride * j + q] = delta
    return _windows(dout, x, size, stride, body)


@bad("spread_as_average")
def _(dout, x, size, stride):
    def body(dx, window, delta, n, c, i, j, rows, cols):
        dx[n, c, rows, cols] += delta / (size * size)
    return _windows(dout, x, size, stride, body)


@bad("window_origin_forgotten")
def _(dout, x, size, stride):
    def body(dx, window, delta, n, c, i, j, rows, cols):
        m, q = np.unravel_index(np.argmax(window), window.shape)
        dx[n, c, m, q] += delta
    return _windows(dout, x, size, stride, body)


@bad("unravel_with_stride")
def _(dout, x, size, stride):
    def body(dx, window, delta, n, c, i, j, rows, cols):
        m, q = divmod(np.argmax(window), stride)
        dx[n, c, stride * i + m, stride * j + q] += delta
    return _windows(dout, x, size, stride, body)


@bad("stride_left_out")
def _(dout, x, size, stride):
    N, C, H, W = x.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    window = x[n, c, i:i + size, j:j + size]            # the stride left out
                    m, q = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, i + m, j + q] += dout[n, c, i, j]
    return dx


@bad("too_few_windows")
def _(dout, x, size, stride):
    N, C, H, W = x.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(H // size):                 # "H // size windows fit"
                for j in range(W // size):
                    window = x[n, c, stride * i:stride * i + size, stride * j:stride * j + size]
                    m, q = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, stride * i + m, stride * j + q] += dout[n, c, i, j]
    return dx


# ------------------------------------------------------------------------- avg pool


def my_avgpool_backward(dout, x_shape, size, stride):
    dx = np.zeros(x_shape)
    N, C, H_out, W_out = dout.shape
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    dx[n, c, stride * i:stride * i + size, stride * j:stride * j + size] += \
                        dout[n, c, i, j] / (size * size)
    return dx


def my_avgpool_backward_offsets(dout, x_shape, size, stride):
    """The same, vectorized: one strided += per window offset (m, q)."""
    dx = np.zeros(x_shape)
    H_out, W_out = dout.shape[2:]
    for m in range(size):
        for q in range(size):
            dx[:, :, m:m + stride * H_out:stride, q:q + stride * W_out:stride] += dout / size ** 2
    return dx


AVGPOOL, bad = registry()


def _spread(dout, x_shape, step, share, add=True):
    dx = np.zeros(x_shape)
    for n, c, i, j in np.ndindex(*dout.shape):
        block = (n, c, slice(step * i, step * i + share[1]), slice(step * j, step * j + share[1]))
        if add:
            dx[block] += dout[n, c, i, j] / share[0]
        else:
            dx[block] = dout[n, c, i, j] / share[0]
    return dx


@bad("forgot_one_over_kk")
def _(dout, x_shape, size, stride):
    return _spread(dout, x_shape, stride, (1, size))


@bad("divided_by_k")
def _(dout, x_shape, size, stride):
    return _spread(dout, x_shape, stride, (size, size))


@bad("overwrite_where_windows_overlap")
def _(dout, x_shape, size, stride):
    return _spread(dout, x_shape, stride, (size * size, size), add=False)


@bad("repeat_upsample")
def _(dout, x_shape, size, stride):
    return np.kron(dout, np.ones((size, size))) / size ** 2


@bad("stride_taken_as_size")
def _(dout, x_shape, size, stride):
    return _spread(dout, x_shape, size, (size * size, size))


@bad("too_few_windows")
def _(dout, x_shape, size, stride):
    N, C, H, W = x_shape
    dx = np.zeros(x_shape)
    for n, c, i, j in np.ndindex(N, C, H // size, W // size):
        dx[n, c, stride * i:stride * i + size, stride * j:stride * j + size] += dout[n, c, i, j] / size ** 2
    return dx


# ------------------------------------------------- check yourself: the chain by hand

DATA = conv_relu_pool_exercise_data()


def _chain_dw(x, w, b, delta_p, winner=np.argmax, mask="z > 0", bias=True, correlate=True, spread=None):
    """∂E/∂w of conv -> ReLU -> 2x2 max pool as the notebook's steps, with one step swappable."""
    z = cross_correlate2d(x, w) + (b if bias else 0.0)          # (4, 4)
    a = np.maximum(z, 0)
    delta_a = np.zeros_like(a)
    for i, j in np.ndindex(*delta_p.shape):
        window = a[2 * i:2 * i + 2, 2 * j:2 * j + 2]
        if spread:
            delta_a[2 * i:2 * i + 2, 2 * j:2 * j + 2] += spread(window) * delta_p[i, j]
        else:
            m, q = divmod(int(winner(window.ravel())), 2)
            delta_a[2 * i + m, 2 * j + q] = delta_p[i, j]
    keep = {"z > 0": z > 0, "z >= 0": z >= 0, "none": True, "delta > 0": delta_a > 0}[mask]
    delta_z = delta_a * keep
    return cross_correlate2d(x, delta_z) if correlate else convolve2d(x, delta_z)


def _last_argmax(values):
    return len(values) - 1 - int(np.argmax(values[::-1]))


CHAIN = {
    "relu_mask_forgotten": _chain_dw(*DATA, mask="none"),
    "every_tied_max_gets_delta": _chain_dw(*DATA, spread=lambda win: win == win.max()),
    "last_max_wins": _chain_dw(*DATA, winner=_last_argmax),
    "delta_split_among_ties": _chain_dw(*DATA, spread=lambda win: (win == win.max()) / np.sum(win == win.max())),
    "spread_as_average": _chain_dw(*DATA, spread=lambda win: np.full(win.shape, 0.25)),
    "mask_ge_zero": _chain_dw(*DATA, mask="z >= 0"),
    "mask_from_deltas": _chain_dw(*DATA, mask="delta > 0"),
    "forward_without_bias": _chain_dw(*DATA, bias=False),
    "convolution_not_correlation": _chain_dw(*DATA, correlate=False),
}

ENTRIES = [
    Entry("check_relu_backward", check_relu_backward, my_relu_backward, RELU),
    Entry("check_relu_backward (copy and zero)", check_relu_backward, my_relu_backward_copy, {}),
    Entry("check_maxpool_backward", check_maxpool_backward, my_maxpool_backward, MAXPOOL),
    Entry("check_maxpool_backward (a scan for the maximum)", check_maxpool_backward, my_maxpool_backward_scan, {}),
    Entry("check_avgpool_backward", check_avgpool_backward, my_avgpool_backward, AVGPOOL),
    Entry("check_avgpool_backward (one += per offset)", check_avgpool_backward, my_avgpool_backward_offsets, {}),
    Entry("check_conv_relu_pool_dw", lambda answer: check_conv_relu_pool_dw(answer, *DATA), _chain_dw(*DATA), CHAIN),
]
