"""Notebook 02's "Your turn": the same typical mistakes written in other loop styles (scalar
loops over c, m, q; a one-sided padding; loops over C instead of F; a sum reset per row),
and the right answer in scalar loops. Each must be named as in ``nb02_conv_forward``."""
import numpy as np

from cnnlib.exercises.nb02_conv_forward import check_conv_forward_loops

from . import Entry
from .nb02_conv_forward import _loops, _pad, conv_forward_loops, conv_forward_scalar_loops


def _window_cut_from_x_scalar(x, w, b, stride, pad):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out, W_out = (H + 2 * pad - KH) // stride + 1, (W + 2 * pad - KW) // stride + 1
    out = np.zeros((N, F, H_out, W_out))
    for n, f, i, j in np.ndindex(N, F, H_out, W_out):
        total = b[f]
        for c in range(C):
            for m in range(KH):
                for q in range(KW):
                    total += w[f, c, m, q] * x[n, c, stride * i + m, stride * j + q]
        out[n, f, i, j] = total
    return out


def _padded_on_one_side(x, w, b, stride, pad):
    return _loops(x, w, b, stride, pad, x_pad=np.pad(x, ((0, 0), (0, 0), (pad, 0), (pad, 0))))


def _padded_at_the_end(x, w, b, stride, pad):
    return _loops(x, w, b, stride, pad, x_pad=np.pad(x, ((0, 0), (0, 0), (0, pad), (0, pad))))


def _square_kernel_scalar(x, w, b, stride, pad):
    N, C, H, W = x.shape
    F, _, K, _ = w.shape
    H_out, W_out = (H + 2 * pad - K) // stride + 1, (W + 2 * pad - K) // stride + 1
    x_pad = _pad(x, pad)
    out = np.zeros((N, F, H_out, W_out))
    for n, f, i, j in np.ndindex(N, F, H_out, W_out):
        total = b[f]
        for c in range(C):
            for m in range(K):
                for q in range(K):
                    total += w[f, c, m, q] * x_pad[n, c, stride * i + m, stride * j + q]
        out[n, f, i, j] = total
    return out


def _c_channels_everywhere(x, w, b, stride, pad):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out, W_out = (H + 2 * pad - KH) // stride + 1, (W + 2 * pad - KW) // stride + 1
    x_pad = _pad(x, pad)
    out = np.zeros((N, C, H_out, W_out))
    for n, f, i, j in np.ndindex(N, C, H_out, W_out):
        window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
        out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out


def _sum_reset_per_row(x, w, b, stride, pad):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out, W_out = (H + 2 * pad - KH) // stride + 1, (W + 2 * pad - KW) // stride + 1
    x_pad = _pad(x, pad)
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                total = 0.0                   # reset per row, not per entry
                for j in range(W_out):
                    total += np.sum(x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW] * w[f])
                    out[n, f, i, j] = total + b[f]
    return out


ENTRIES = [
    Entry("check_conv_forward_loops", check_conv_forward_loops, conv_forward_scalar_loops, {
        "window_cut_from_x": _window_cut_from_x_scalar, "square_kernel_assumed": _square_kernel_scalar,
        "sum_not_reset": _sum_reset_per_row}),
    Entry("check_conv_forward_loops", check_conv_forward_loops, conv_forward_loops, {
        "window_cut_from_x": _padded_on_one_side, "output_has_c_channels": _c_channels_everywhere}),
    Entry("check_conv_forward_loops", check_conv_forward_loops, conv_forward_loops, {
        "window_cut_from_x": _padded_at_the_end}),
]
