"""Notebook 03's exercises, right and with each typical mistake, written as a learner would.

- "Check yourself" 1 and 2 (array answers) on the notebook's own data
  (``kernel_gradient_exercise_data``, ``bias_gradient_exercise_data``): the answer computed
  with the primitives, and each mistake as the one-line slip that gives it;
- "Your turn": ``kernel_and_bias_gradient(dout, x, w_shape, stride, pad)`` as loops over
  n, f, i, j (a window of x_pad per delta), and as scalar loops; one mutant per mistake.
"""
import math

import numpy as np

from cnnlib.correlate import convolve2d, cross_correlate2d, dilate, rot180
from cnnlib.exercises.nb03_kernel_gradient import (bias_gradient_exercise_data, check_bias_gradient,
                                                   check_kernel_and_bias_gradient, check_kernel_gradient,
                                                   kernel_gradient_exercise_data)

from . import Entry, registry

# ------------------------------------------------------------ check yourself 1: ∂E/∂w
X_EX, D_EX, K_EX, S_EX = kernel_gradient_exercise_data()
DW_RIGHT = cross_correlate2d(X_EX, dilate(D_EX, S_EX))                        # (2, 2)
DW_MUTANTS = {
    "deltas_rotated": cross_correlate2d(X_EX, rot180(dilate(D_EX, S_EX))),    # eq. 14 misread
    "deltas_missing": cross_correlate2d(X_EX, dilate(np.ones_like(D_EX), S_EX)),
    "stride_ignored": cross_correlate2d(X_EX, D_EX),                          # (4, 4): not dilated
    "dilated_with_S_minus_1": cross_correlate2d(X_EX, dilate(D_EX, S_EX - 1)),  # "S - 1 zeros": dilate(δ, 1)
    "result_subsampled": cross_correlate2d(X_EX, D_EX)[::S_EX, ::S_EX],       # strided like the forward
    "result_rotated": rot180(cross_correlate2d(X_EX, dilate(D_EX, S_EX))),    # 01's true-convolution row
}
DW_MORE = {  # other ways to the same mistakes
    "deltas_rotated": convolve2d(X_EX, dilate(D_EX, S_EX)),                   # convolve2d flips
    "stride_ignored": cross_correlate2d(X_EX, D_EX)[:2, :2],                  # ... cut to 2x2
    "dilated_with_S_minus_1": cross_correlate2d(X_EX, dilate(D_EX, S_EX - 1))[:2, :2],
}
# with S = 2, dilate(δ, S - 1) is δ itself: the numbers cannot tell it from undilated deltas
DW_TWINS = (frozenset({"stride_ignored", "dilated_with_S_minus_1"}),)

# ------------------------------------------------------------ check yourself 2: ∂E/∂b
D_B = bias_gradient_exercise_data()                                           # (2, 3, 3, 3)
DB_RIGHT = D_B.sum(axis=(0, 2, 3))                                            # (3,)
DB_MUTANTS = {
    "db_mean": D_B.mean(axis=(0, 2, 3)),
    "db_mean_over_batch": D_B.sum(axis=(2, 3)).mean(axis=0),                  # Σ over i, j, then the mean over n
    "db_not_summed_over_batch": D_B[0].sum(axis=(1, 2)),
    "db_not_summed_over_ij": D_B.sum(axis=0),                                 # (3, 3, 3)
    "db_summed_over_filters": D_B.sum(),                                      # one number
}
DB_MORE = {
    "db_not_summed_over_batch": D_B.sum(axis=(2, 3)),                         # (2, 3): one row per image
    "db_summed_over_filters": D_B.sum(axis=(1, 2, 3)),                        # (2,): per image
}


# ------------------------------------------------------------ your turn: dw and db as loops

def _pad(x, pad):
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


def kernel_and_bias_gradient(dout, x, w_shape, stride, pad):
    N, C, H, W = x.shape
    F, _, KH, KW = w_shape
    _, _, H_out, W_out = dout.shape
    x_pad = _pad(x, pad)
    dw = np.zeros(w_shape)
    db = np.zeros(F)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                    dw[f] += dout[n, f, i, j] * window
                    db[f] += dout[n, f, i, j]
    return dw, db


def kernel_and_bias_gradient_scalar_loops(dout, x, w_shape, stride, pad):
    """The same, one multiply-add at a time, and db with numpy."""
    N, C, H, W = x.shape
    F, _, KH, KW = w_shape
    _, _, H_out, W_out = dout.shape
    x_pad = _pad(x, pad)
    dw = np.zeros((F, C, KH, KW))
    for f in range(F):
        for c in range(C):
            for m in range(KH):
                for q in range(KW):
                    total = 0.0
                    for n in range(N):
                        for i in range(H_out):
                            for j in range(W_out):
                                total += dout[n, f, i, j] * x_pad[n, c, stride * i + m, stride * j + q]
                    dw[f, c, m, q] = total
    db = dout.sum(axis=(0, 2, 3))
    return dw, db


MUTANTS, bad = registry()


def _loops(dout, x, w_shape, stride, pad, x_pad=None, dw_term=None, db_term=None, dw_store=None):
    """The right loops with one piece replaced: how a learner's one-line slip looks."""
    N, C, H, W = x.shape
    F, _, KH, KW = w_shape
    _, _, H_out, W_out = dout.shape
    x_pad = _pad(x, pad) if x_pad is None else x_pad
    dw = np.zeros(w_shape)
    db = np.zeros(F)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                    value = dw_term(window, n, f, i, j) if dw_term else dout[n, f, i, j] * window
                    if dw_store:
                        dw_store(dw, value, n, f)
                    else:
                        dw[f] += value
                    if db_term:
                        db_term(db, n, f, i, j)
                    else:
                        db[f] += dout[n, f, i, j]
    return dw, db


@bad("deltas_flipped")
def _(dout, x, w_shape, stride, pad):
    flipped = dout[:, :, ::-1, ::-1]                     # "rot180(δ)", eq. 14
    return _loops(dout, x, w_shape, stride, pad, dw_term=lambda win, n, f, i, j: flipped[n, f, i, j] * win)


@bad("stride_ignored")
def _(dout, x, w_shape, stride, pad):
    KH, KW = w_shape[2:]
    x_pad = _pad(x, pad)
    return _loops(dout, x, w_shape, stride, pad,
                  dw_term=lambda win, n, f, i, j: dout[n, f, i, j] * x_pad[n, :, i:i + KH, j:j + KW])


@bad("padding_forgotten")
def _(dout, x, w_shape, stride, pad):
    return _loops(dout, x, w_shape, stride, pad, x_pad=x)


@bad("np_pad_all_axes")
def _(dout, x, w_shape, stride, pad):
    return _loops(dout, x, w_shape, stride, pad, x_pad=np.pad(x, pad))


@bad("dw_not_summed_over_batch")
def _(dout, x, w_shape, stride, pad):
    N, C, H, W = x.shape
    F, _, KH, KW = w_shape
    _, _, H_out, W_out = dout.shape
    x_pad = _pad(x, pad)
    db = np.zeros(F)
    for n in range(N):
        dw = np.zeros(w_shape)                           # set anew for every image
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                    dw[f] += dout[n, f, i, j] * window
                    db[f] += dout[n, f, i, j]
    return dw, db


@bad("dw_mean_over_batch")
def _(dout, x, w_shape, stride, pad):
    dw, db = kernel_and_bias_gradient(dout, x, w_shape, stride, pad)
    return dw / x.shape[0], db                           # "average over the batch"


@bad("dw_overwritten")
def _(dout, x, w_shape, stride, pad):
    def store(dw, value, n, f):
        dw[f] = value
    return _loops(dout, x, w_shape, stride, pad, dw_store=store)


@bad("deltas_missing")
def _(dout, x, w_shape, stride, pad):
    return _loops(dout, x, w_shape, stride, pad, dw_term=lambda win, n, f, i, j: win)


@bad("i_j_swapped")
def _(dout, x, w_shape, stride, pad):
    return _loops(dout, x, w_shape, stride, pad, dw_term=lambda win, n, f, i, j: dout[n, f, j, i] * win)


@bad("c_f_swapped")
def _(dout, x, w_shape, stride, pad):
    N, C, H, W = x.shape
    F, _, KH, KW = w_shape
    _, _, H_out, W_out = dout.shape
    x_pad = _pad(x, pad)
    dw = np.zeros(w_shape)
    for n, f, c in np.ndindex(N, F, C):
        for i in range(H_out):
            for j in range(W_out):
                window = x_pad[n, c, stride * i:stride * i + KH, stride * j:stride * j + KW]
                dw[c, f] += dout[n, f, i, j] * window
    return dw, dout.sum(axis=(0, 2, 3))


def _sized_loops(dout, x, w_shape, stride, pad, sizes):
    """The right loops, over H_out x W_out computed by the learner from x's shape."""
    N, C, H, W = x.shape
    F, _, KH, KW = w_shape
    H_out, W_out = sizes(H, W, KH, KW)
    x_pad = _pad(x, pad)
    dw, db = np.zeros(w_shape), np.zeros(F)
    for n, f, i, j in np.ndindex(N, F, H_out, W_out):
        dw[f] += dout[n, f, i, j] * x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
        db[f] += dout[n, f, i, j]
    return dw, db


@bad("output_size_without_padding")
def _(dout, x, w_shape, stride, pad):
    return _sized_loops(dout, x, w_shape, stride, pad,
                        lambda H, W, KH, KW: ((H - KH) // stride + 1, (W - KW) // stride + 1))


@bad("forgot_plus_one")
def _(dout, x, w_shape, stride, pad):
    return _sized_loops(dout, x, w_shape, stride, pad,
                        lambda H, W, KH, KW: ((H + 2 * pad - KH) // stride, (W + 2 * pad - KW) // stride))


@bad("ceil_instead_of_floor")
def _(dout, x, w_shape, stride, pad):
    return _sized_loops(dout, x, w_shape, stride, pad,
                        lambda H, W, KH, KW: (math.ceil((H + 2 * pad - KH) / stride) + 1,
                                              math.ceil((W + 2 * pad - KW) / stride) + 1))


@bad("db_mean")
def _(dout, x, w_shape, stride, pad):
    dw, _ = kernel_and_bias_gradient(dout, x, w_shape, stride, pad)
    return dw, np.mean(dout, axis=(0, 2, 3))


@bad("db_not_summed_over_batch")
def _(dout, x, w_shape, stride, pad):
    dw, _ = kernel_and_bias_gradient(dout, x, w_shape, stride, pad)
    return dw, dout[0].sum(axis=(1, 2))                  # the deltas of image 0 only


@bad("db_not_summed_over_ij")
def _(dout, x, w_shape, stride, pad):
    dw, _ = kernel_and_bias_gradient(dout, x, w_shape, stride, pad)
    return dw, dout.sum(axis=0)                          # (F, H_out, W_out)


@bad("db_overwritten")
def _(dout, x, w_shape, stride, pad):
    def db_term(db, n, f, i, j):
        db[f] = dout[n, f, i, j]
    return _loops(dout, x, w_shape, stride, pad, db_term=db_term)


@bad("db_summed_over_filters")
def _(dout, x, w_shape, stride, pad):
    dw, _ = kernel_and_bias_gradient(dout, x, w_shape, stride, pad)
    return dw, dout.sum()


ENTRIES = [
    Entry("check_kernel_gradient", lambda answer: check_kernel_gradient(answer, X_EX, D_EX, K_EX, S_EX),
          DW_RIGHT, DW_MUTANTS, DW_TWINS),
    Entry("check_kernel_gradient",
          lambda answer: check_kernel_gradient(answer, X_EX, D_EX, K_EX, S_EX), DW_RIGHT, DW_MORE, DW_TWINS),
    Entry("check_bias_gradient", lambda answer: check_bias_gradient(answer, D_B), DB_RIGHT, DB_MUTANTS),
    Entry("check_bias_gradient", lambda answer: check_bias_gradient(answer, D_B),
          DB_RIGHT, DB_MORE),
    Entry("check_kernel_and_bias_gradient", check_kernel_and_bias_gradient, kernel_and_bias_gradient, MUTANTS),
    Entry("check_kernel_and_bias_gradient (scalar loops)", check_kernel_and_bias_gradient,
          kernel_and_bias_gradient_scalar_loops, {}),
]
