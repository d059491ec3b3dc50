"""Notebook 03's "Your turn": the learner writes the kernel and bias gradient as loops.

    kernel_and_bias_gradient(dout, x, w_shape, stride, pad) -> (dw, db)

    dw[f, c, m, q] = Σ_n Σ_i Σ_j δ[n, f, i, j] · x_pad[n, c, S·i + m, S·j + q]
    db[f]          = Σ_n Σ_i Σ_j δ[n, f, i, j]

``check_kernel_and_bias_gradient`` runs it on hidden geometries (the notebook's example first;
a stride that does not tile, padding that changes the result, C != F, non-square shapes,
one image and several) and judges ``dw`` and ``db`` apart. Every mistake's model is cnnlib's
loop backward (``conv2d_backward_naive``) on altered inputs, or simple arithmetic on its result.
"""
import numpy as np

from ..conv import conv2d_backward_naive, conv2d_forward_naive
from .function_exercise import RAISES, Case, FunctionExercise, FunctionMistake, Output, Variants


def kernel_and_bias_gradient_example():
    """The notebook's example, geometry 0 of the checker: ``(dout, x, w_shape, stride, pad)`` with
    ``x (N, C, H, W) = (2, 2, 7, 7)``, ``w_shape (F, C, KH, KW) = (3, 2, 3, 3)``, stride 2, padding 1,
    so ``dout (N, F, H_out, W_out) = (2, 3, 4, 4)``."""
    rng = np.random.default_rng(303)
    x = rng.integers(-4, 5, size=(2, 2, 7, 7)).astype(float)
    dout = rng.integers(-3, 4, size=(2, 3, 4, 4)).astype(float)
    return dout, x, (3, 2, 3, 3), 2, 1


def _reference(dout, x, w_shape, stride, pad):
    """(dw (F, C, KH, KW), db (F,)) by cnnlib's loop backward; the weights do not enter dw or db."""
    _, cache = conv2d_forward_naive(x, np.zeros(w_shape), np.zeros(w_shape[0]), stride, pad)
    _, dw, db = conv2d_backward_naive(dout, cache)
    return dw, db


def _dw(dout, x, w_shape, stride, pad):
    return _reference(dout, x, w_shape, stride, pad)[0]


def _db(dout):
    return dout.sum(axis=(0, 2, 3))


def _read_extent(dout, w_shape, stride):
    """Rows and columns of x_pad that some window reads: S·(H_out - 1) + KH, S·(W_out - 1) + KW."""
    (h_out, w_out), (kh, kw) = dout.shape[2:], w_shape[2:]
    return stride * (h_out - 1) + kh, stride * (w_out - 1) + kw


# ------------------------------------------------------------- the mistakes' models (dw)

def _stride_ignored(dout, x, w_shape, stride, pad):
    # windows at (i, j): the stride-1 layer's dw with these deltas in its top-left corner
    (_, _, h, w_in), (_, _, kh, kw) = x.shape, w_shape
    spread = np.zeros(dout.shape[:2] + (h + 2 * pad - kh + 1, w_in + 2 * pad - kw + 1))
    spread[:, :, :dout.shape[2], :dout.shape[3]] = dout
    return _dw(spread, x, w_shape, 1, pad), _db(dout)


def _padding_forgotten(dout, x, w_shape, stride, pad):
    # the windows read x itself at S·i + m: beyond its last row that is an index error (or a
    # window cut short, which does not broadcast); else x with 2P zero rows appended, unpadded
    rows, cols = _read_extent(dout, w_shape, stride)
    if rows > x.shape[2] or cols > x.shape[3]:
        (h_out, w_out), (kh, kw) = dout.shape[2:], w_shape[2:]
        rows_cut = {min(stride * i + kh, x.shape[2]) - stride * i for i in range(h_out)}
        cols_cut = {min(stride * j + kw, x.shape[3]) - stride * j for j in range(w_out)}
        # a window cut down to 1 row or column still broadcasts: no exception, numbers that depend
        # on how the loops are written; the mistake is not judged on such a geometry
        return RAISES if rows_cut - {kh, 1} or cols_cut - {kw, 1} else None
    longer = np.pad(x, ((0, 0), (0, 0), (0, 2 * pad), (0, 2 * pad)))  # (N, C, H+2P, W+2P)
    return _dw(dout, longer, w_shape, stride, 0), _db(dout)


def _np_pad_all_axes(dout, x, w_shape, stride, pad):
    if pad == 0:
        return _reference(dout, x, w_shape, stride, pad)  # np.pad(x, 0) is x: no slip here
    # x_pad[n, :] has C + 2P channels: does not broadcast with dw[f]; loops over c read
    # x_pad[n, c], the images and channels shifted by P
    shifted = np.pad(x, pad)[:x.shape[0], :x.shape[1]]  # (N, C, H+2P, W+2P)
    return Variants([RAISES, (_dw(dout, shifted, w_shape, stride, 0), _db(dout))])


def _dw_one_image(dout, x, w_shape, stride, pad):
    first = _dw(dout[:1], x[:1], w_shape, stride, pad)
    last = _dw(dout[-1:], x[-1:], w_shape, stride, pad)  # dw[f] = ... inside the loop over n
    return Variants([(first, _db(dout)), (last, _db(dout))])


def _dw_overwritten(dout, x, w_shape, stride, pad):
    last = np.zeros_like(dout)
    last[-1, :, -1, -1] = dout[-1, :, -1, -1]  # the last (n, i, j) of each filter wins
    return _dw(last, x, w_shape, stride, pad), _db(dout)


def _i_j_swapped(dout, x, w_shape, stride, pad):
    if dout.shape[2] != dout.shape[3]:
        return RAISES  # δ[n, f, j, i] (or the window at (S·j, S·i)) runs out of range
    return _dw(dout.transpose(0, 1, 3, 2), x, w_shape, stride, pad), _db(dout)


def _c_f_swapped(dout, x, w_shape, stride, pad):
    swapped = (_dw(dout, x, w_shape, stride, pad).transpose(1, 0, 2, 3), _db(dout))  # (C, F, KH, KW)
    return swapped if w_shape[0] == w_shape[1] else Variants([swapped, RAISES])


def _loop_sizes(dout, x, w_shape, stride, pad):
    """H_out, W_out as the learner's loops may compute them: (without P, without +1, ceil)."""
    (_, _, h, w_in), (_, _, kh, kw) = x.shape, w_shape
    return {"no_pad": ((h - kh) // stride + 1, (w_in - kw) // stride + 1),
            "no_plus_one": ((h + 2 * pad - kh) // stride, (w_in + 2 * pad - kw) // stride),
            "ceil": (-(-(h + 2 * pad - kh) // stride) + 1, -(-(w_in + 2 * pad - kw) // stride) + 1)}


def _fewer_outputs(kind):
    # the loops run over fewer (i, j) than dout has: both dw and db miss those deltas;
    # over more (ceil, where the stride does not tile): δ[n, f, i, j] is out of range
    def model(dout, x, w_shape, stride, pad):
        rows, cols = _loop_sizes(dout, x, w_shape, stride, pad)[kind]
        if rows > dout.shape[2] or cols > dout.shape[3]:
            return RAISES
        kept = np.zeros_like(dout)
        kept[:, :, :rows, :cols] = dout[:, :, :rows, :cols]
        return _reference(kept, x, w_shape, stride, pad)
    return model


# ------------------------------------------------------------- the mistakes' models (db)

def _with_db(db):
    return lambda dout, x, w_shape, stride, pad: Variants(
        [(_dw(dout, x, w_shape, stride, pad), v) for v in db(dout)])


KERNEL_AND_BIAS_MISTAKES = [
    FunctionMistake("deltas_flipped", "dw: the deltas were rotated by 180 degrees (eq. 14's rot180(δ) "
                    "read with * as a cross-correlation): each pixel x_pad[n, c, S·i + m, S·j + q] "
                    "pairs with δ[n, f, i, j] of its own window, no flip.",
                    lambda d, x, ws, s, p: (_dw(d[..., ::-1, ::-1], x, ws, s, p), _db(d))),
    FunctionMistake("stride_ignored", "dw: the stride is missing (the deltas not dilated): the window "
                    "of δ[n, f, i, j] starts at row S·i, column S·j of x_pad, not at (i, j).",
                    _stride_ignored),
    FunctionMistake("padding_forgotten", "dw: the padding is missing: the windows are in x_pad, x with "
                    "P zero rows and columns on every side (pad2d(x, P)); index x_pad, not x.",
                    _padding_forgotten),
    FunctionMistake("np_pad_all_axes", "dw: np.pad(x, P) padded the N and C axes too, so x_pad[n, c] is "
                    "the wrong image and channel: pad only the last two axes (pad2d(x, P), or "
                    "np.pad(x, ((0, 0), (0, 0), (P, P), (P, P)))).", _np_pad_all_axes),
    FunctionMistake("dw_not_summed_over_batch", "dw: only one image counts (the first, or the last when "
                    "dw[f] is set anew for each n): every image adds to the same weights, so sum over n.",
                    _dw_one_image),
    FunctionMistake("dw_mean_over_batch", "dw: it was divided by N: the backward pass sums over the batch "
                    "(a 1/N belongs to the loss and is already inside δ).",
                    lambda d, x, ws, s, p: (_dw(d, x, ws, s, p) / x.shape[0], _db(d))),
    FunctionMistake("dw_overwritten", "dw: only the last window counts: use += (accumulate), not =, so "
                    "every (n, i, j) adds its δ·window.", _dw_overwritten),
    FunctionMistake("deltas_missing", "dw: the deltas are missing: each window must be multiplied by its "
                    "delta δ[n, f, i, j] before it is added.",
                    lambda d, x, ws, s, p: (_dw(np.ones_like(d), x, ws, s, p), _db(d))),
    FunctionMistake("i_j_swapped", "dw: i and j are swapped: δ[n, f, i, j] has i the row (0..H_out-1) "
                    "and j the column (0..W_out-1); its window starts at row S·i, column S·j.",
                    _i_j_swapped),
    FunctionMistake("c_f_swapped", "dw: the filter and channel axes are swapped: dw has w's shape "
                    "(F, C, KH, KW), and dw[f, c] pairs filter f's deltas with input channel c.",
                    _c_f_swapped),
    FunctionMistake("output_size_without_padding", "the loops miss the last outputs: H_out = (H + 2P - KH) "
                    "// S + 1 (the padded size), or simply H_out = dout.shape[2].", _fewer_outputs("no_pad")),
    FunctionMistake("forgot_plus_one", "the loops miss the last row and column of outputs: H_out = "
                    "(H + 2P - KH) // S + 1 (the first window sits at 0, the +1 counts it), or dout.shape[2].",
                    _fewer_outputs("no_plus_one")),
    FunctionMistake("ceil_instead_of_floor", "the output size was rounded up: where the stride does not tile, "
                    "H_out = (H + 2P - KH) // S + 1 rounds down (or take dout.shape[2]).", _fewer_outputs("ceil")),
    FunctionMistake("db_mean", "db: that is a mean of the deltas; the bias gradient is their sum (the "
                    "bias is added to every output of its filter, so every delta counts once).",
                    _with_db(lambda d: [d.mean(axis=(0, 2, 3)), d.mean(axis=(2, 3)).sum(axis=0),
                                        d.sum(axis=(0, 2, 3)) / d.shape[0]])),
    FunctionMistake("db_not_summed_over_batch", "db: the batch was not summed: every image's deltas "
                    "add to the same bias, so sum over the images n as well as the positions i, j.",
                    _with_db(lambda d: [d[0].sum(axis=(1, 2)), d[-1].sum(axis=(1, 2)), d.sum(axis=(2, 3))])),
    FunctionMistake("db_not_summed_over_ij", "db: the positions i, j were not summed: the bias is added "
                    "at every output position, so db[f] sums δ[n, f, i, j] over n, i and j.",
                    _with_db(lambda d: [d.sum(axis=0), d[:, :, -1, -1].sum(axis=0)])),
    FunctionMistake("db_overwritten", "db: only the last delta counts: use db[f] += δ, not db[f] = δ.",
                    _with_db(lambda d: [d[-1, :, -1, -1]])),
    FunctionMistake("db_summed_over_filters", "db: the filters were summed together: each filter has "
                    "its own bias, so db has shape (F,): keep the filters apart, sum over n, i, j only.",
                    _with_db(lambda d: [d.sum(), d.sum(axis=(1, 2, 3))])),
]


def _cases():
    rng = np.random.default_rng(3)
    geometries = [  # N, C, F, H, W, KH, KW, S, P, label
        (1, 1, 1, 7, 7, 3, 3, 2, 0, "the course's 7x7 example: 1 image, 1 channel, 1 filter, 3x3, stride 2"),
        (2, 3, 2, 8, 8, 3, 3, 2, 0, "2 images, C=3, F=2, 8x8, 3x3, stride 2 that does not tile "
                                    "(a row and a column unread)"),
        (2, 2, 2, 6, 9, 3, 2, 1, 2, "2 images, C=F=2, a 6x9 input, a 3x2 kernel, stride 1, padding 2"),
        (3, 2, 4, 9, 12, 3, 3, 3, 1, "3 images, C=2, F=4, 9x12, 3x3, stride 3, padding 1 "
                                     "(the last padded row and column unread)"),
        (2, 3, 3, 9, 8, 4, 3, 3, 1, "2 images, C=F=3, 9x8, a 4x3 kernel, stride 3 that does not tile, padding 1"),
    ]
    cases = [Case("the notebook's example: 2 images, C=2, F=3, 7x7, 3x3, stride 2, padding 1",
                  kernel_and_bias_gradient_example())]
    for n, c, f, h, w_in, kh, kw, s, p, label in geometries:
        x = rng.integers(-4, 5, size=(n, c, h, w_in)).astype(float)
        h_out, w_out = (h + 2 * p - kh) // s + 1, (w_in + 2 * p - kw) // s + 1
        dout = rng.integers(-3, 4, size=(n, f, h_out, w_out)).astype(float)
        cases.append(Case(label, (dout, x, (f, c, kh, kw), s, p)))
    return cases


check_kernel_and_bias_gradient = FunctionExercise(
    "kernel_and_bias_gradient", ("dout", "x", "w_shape", "stride", "pad"),
    [Output("dw", "f c m q", "F C KH KW"), Output("db", "f", "F")],
    reference=_reference, cases=_cases, mistakes=KERNEL_AND_BIAS_MISTAKES,
    equation="dw[f, c, m, q] = Σ_n Σ_i Σ_j δ[n, f, i, j] · x_pad[n, c, S·i + m, S·j + q];  "
             "db[f] = Σ_n Σ_i Σ_j δ[n, f, i, j]")
