"""Notebook 02's "Your turn": the conv layer forward as loops, right and with each typical mistake.

Every function here is what a learner might type into the template: loops over n, f, i, j,
a window cut out of x_pad, multiplied by the filter, summed, plus the bias (or scalar loops
over c, m, q). The same mistakes in other loop styles are in nb02_conv_forward_styles.
"""
import math

import numpy as np

from cnnlib.exercises.nb02_conv_forward import (
    check_conv_forward_loops,
)

from . import Entry, registry


def _pad(x, pad):
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


def conv_forward_loops(x, w, b, stride, pad):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    x_pad = _pad(x, pad)
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out


def conv_forward_scalar_loops(x, w, b, stride, pad):
    """The same, one multiply-add at a time (the other way learners write it)."""
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out, W_out = (H + 2 * pad - KH) // stride + 1, (W + 2 * pad - KW) // stride + 1
    x_pad = _pad(x, pad)
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    total = b[f]
                    for c in range(C):
                        for m in range(KH):
                            for q in range(KW):
                                total += w[f, c, m, q] * x_pad[n, c, stride * i + m, stride * j + q]
                    out[n, f, i, j] = total
    return out


MUTANTS, bad = registry()


def _loops(x, w, b, stride, pad, x_pad=None, sizes=None, term=None, store=None):
    """The right loops, with one piece replaced: how a learner's one-line slip looks."""
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out, W_out = sizes or ((H + 2 * pad - KH) // stride + 1, (W + 2 * pad - KW) // stride + 1)
    x_pad = _pad(x, pad) if x_pad is None else x_pad
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                    value = term(window, n, f, i, j) if term else np.sum(window * w[f]) + b[f]
                    if store:
                        store(out, value, n, f, i, j)
                    else:
                        out[n, f, i, j] = value
    return out


@bad("forgot_bias")
def _(x, w, b, stride, pad):
    return _loops(x, w, b, stride, pad, term=lambda win, n, f, i, j: np.sum(win * w[f]))


@bad("bias_added_twice")
def _(x, w, b, stride, pad):
    out = _loops(x, w, b, stride, pad)
    for f in range(w.shape[0]):
        out[:, f] += b[f]                     # "and the bias" -- a second time
    return out


@bad("bias_added_per_channel")
def _(x, w, b, stride, pad):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out, W_out = (H + 2 * pad - KH) // stride + 1, (W + 2 * pad - KW) // stride + 1
    x_pad = _pad(x, pad)
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    for c in range(C):
                        window = x_pad[n, c, stride * i:stride * i + KH, stride * j:stride * j + KW]
                        out[n, f, i, j] += np.sum(window * w[f, c]) + b[f]
    return out


@bad("flipped_kernel")
def _(x, w, b, stride, pad):
    return _loops(x, w, b, stride, pad,
                  term=lambda win, n, f, i, j: np.sum(win * w[f, :, ::-1, ::-1]) + b[f])


@bad("padding_ignored")
def _(x, w, b, stride, pad):
    return conv_forward_loops(x, w, b, stride, 0)


@bad("padding_not_in_output_size")
def _(x, w, b, stride, pad):
    (H, W), (KH, KW) = x.shape[2:], w.shape[2:]
    return _loops(x, w, b, stride, pad, sizes=((H - KH) // stride + 1, (W - KW) // stride + 1))


@bad("np_pad_all_axes")
def _(x, w, b, stride, pad):
    return _loops(x, w, b, stride, pad, x_pad=np.pad(x, pad))


@bad("ceil_instead_of_floor")
def _(x, w, b, stride, pad):
    (H, W), (KH, KW) = x.shape[2:], w.shape[2:]
    sizes = (math.ceil((H + 2 * pad - KH) / stride) + 1, math.ceil((W + 2 * pad - KW) / stride) + 1)
    return _loops(x, w, b, stride, pad, sizes=sizes)


@bad("forgot_plus_one")
def _(x, w, b, stride, pad):
    (H, W), (KH, KW) = x.shape[2:], w.shape[2:]
    return _loops(x, w, b, stride, pad, sizes=((H + 2 * pad - KH) // stride, (W + 2 * pad - KW) // stride))


@bad("stride_ignored")
def _(x, w, b, stride, pad):
    KH, KW = w.shape[2:]
    x_pad = _pad(x, pad)
    return _loops(x, w, b, stride, pad,
                  term=lambda win, n, f, i, j: np.sum(x_pad[n, :, i:i + KH, j:j + KW] * w[f]) + b[f])


@bad("kernel_m_q_swapped")
def _(x, w, b, stride, pad):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out, W_out = (H + 2 * pad - KH) // stride + 1, (W + 2 * pad - KW) // stride + 1
    x_pad = _pad(x, pad)
    out = np.zeros((N, F, H_out, W_out))
    for n, f, i, j in np.ndindex(N, F, H_out, W_out):
        total = b[f]
        for c in range(C):
            for m in range(KH):
                for q in range(KW):
                    total += w[f, c, q, m] * x_pad[n, c, stride * i + m, stride * j + q]
        out[n, f, i, j] = total
    return out


@bad("output_i_j_swapped")
def _(x, w, b, stride, pad):
    def store(out, value, n, f, i, j):
        out[n, f, j, i] = value
    return _loops(x, w, b, stride, pad, store=store)


@bad("c_f_swapped")
def _(x, w, b, stride, pad):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out, W_out = (H + 2 * pad - KH) // stride + 1, (W + 2 * pad - KW) // stride + 1
    x_pad = _pad(x, pad)
    out = np.zeros((N, F, H_out, W_out))
    for n, f, i, j in np.ndindex(N, F, H_out, W_out):
        total = b[f]
        for c in range(C):
            window = x_pad[n, c, stride * i:stride * i + KH, stride * j:stride * j + KW]
            total += np.sum(window * w[c, f])
        out[n, f, i, j] = total
    return out


@bad("channels_not_summed")
def _(x, w, b, stride, pad):
    return _loops(x, w, b, stride, pad, term=lambda win, n, f, i, j: np.sum(win[0] * w[f, 0]) + b[f])


@bad("window_cut_from_x")
def _(x, w, b, stride, pad):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    x_pad = _pad(x, pad)                      # computed ...  # noqa: F841
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]  # ... not used
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out


@bad("square_kernel_assumed")
def _(x, w, b, stride, pad):
    N, C, H, W = x.shape
    F, _, K, _ = w.shape                      # "a K x K kernel"
    H_out, W_out = (H + 2 * pad - K) // stride + 1, (W + 2 * pad - K) // stride + 1
    x_pad = _pad(x, pad)
    out = np.zeros((N, F, H_out, W_out))
    for n, f, i, j in np.ndindex(N, F, H_out, W_out):
        window = x_pad[n, :, stride * i:stride * i + K, stride * j:stride * j + K]
        out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out


@bad("all_filters_summed")
def _(x, w, b, stride, pad):
    return _loops(x, w, b, stride, pad, term=lambda win, n, f, i, j: np.sum(win * w) + b[f])


@bad("output_has_c_channels")
def _(x, w, b, stride, pad):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out, W_out = (H + 2 * pad - KH) // stride + 1, (W + 2 * pad - KW) // stride + 1
    x_pad = _pad(x, pad)
    out = np.zeros((N, C, H_out, W_out))      # C: the channels of the input
    for n, f, i, j in np.ndindex(N, F, H_out, W_out):
        window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
        out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out


@bad("sum_not_reset")
def _(x, w, b, stride, pad):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out, W_out = (H + 2 * pad - KH) // stride + 1, (W + 2 * pad - KW) // stride + 1
    x_pad = _pad(x, pad)
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            total = b[f]                      # one loop too far out
            for i in range(H_out):
                for j in range(W_out):
                    for c in range(C):
                        for m in range(KH):
                            for q in range(KW):
                                total += w[f, c, m, q] * x_pad[n, c, stride * i + m, stride * j + q]
                    out[n, f, i, j] = total
    return out


@bad("relu_applied")
def _(x, w, b, stride, pad):
    out = conv_forward_loops(x, w, b, stride, pad)
    return np.maximum(out, 0)                 # "a conv layer with its activation"


ENTRIES = [
    Entry("check_conv_forward_loops", check_conv_forward_loops, conv_forward_loops, MUTANTS),
]
