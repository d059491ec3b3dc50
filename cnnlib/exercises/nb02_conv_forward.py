"""Checkers of notebook 02 (the conv layer forward): the learner's own forward pass as loops
(``check_conv_forward_loops``, the "Your turn" exercise); the output-shape and one-cell
checkers live in ``nb02_conv_arithmetic`` and are re-exported here.

Each typical mistake has a model: what a learner with that slip gets, as cnnlib's reference
on altered inputs, or ``Raises(...)`` where the slip crashes, with ``Variants`` where it
depends on how the loops are written (a vectorized window ``x_pad[n, :, ...] * w[f]``, or
scalar loops over c, m, q).
"""
import numpy as np

from ..conv import conv2d_forward_naive, conv_output_shape
from .function_exercise import RAISES, Case, FunctionExercise, FunctionMistake, Output, Raises, Variants
from .nb02_conv_arithmetic import CATALOGUE as _ARITHMETIC_CATALOGUE
from .nb02_conv_arithmetic import (check_conv_output_cell, check_conv_output_shape,  # noqa: F401
                                   conv_cell_exercise_data, conv_shape_exercise_data)


def _forward(x, w, b, stride, pad):
    return conv2d_forward_naive(x, w, b, stride, pad)[0]


def _out_size(size, k, stride, pad):
    return (size + 2 * pad - k) // stride + 1


def _shape_text(*dims):
    """numpy's way of writing a shape in a broadcast error: ``(4,3,3)``."""
    return "(" + ",".join(str(int(d)) for d in dims) + ")"


def _forgot_plus_one(x, w, b, stride, pad):
    return _forward(x, w, b, stride, pad)[:, :, :-1, :-1]


def _padding_not_in_size(x, w, b, stride, pad):
    (_, _, h, w_in), (_, _, kh, kw) = x.shape, w.shape
    return _forward(x, w, b, stride, pad)[:, :, :_out_size(h, kh, stride, 0), :_out_size(w_in, kw, stride, 0)]


def _np_pad_all_axes(x, w, b, stride, pad):
    if pad == 0:
        return None
    # a vectorized window x_pad[n, :, ...] has C + 2P channels: it does not broadcast with w[f];
    # scalar loops over c read x_pad[n, c], the images and channels shifted by P
    shifted = np.pad(x, pad)[:x.shape[0], :x.shape[1]]  # (N, C, H+2P, W+2P)
    window = _shape_text(x.shape[1] + 2 * pad, *w.shape[2:])
    return Variants([Raises(ValueError, window), _forward(shifted, w, b, stride, 0)])


def _window_cut_from_x(x, w, b, stride, pad):
    """Windows cut from x, or from x padded on one side only (H + P rows): they run past its end.
    Scalar loops get an IndexError; a vectorized window that comes out short does not broadcast
    with w[f] (its shape is in numpy's message)."""
    if pad == 0:
        return _forward(x, w, b, stride, pad)
    _, _, h_out, w_out = conv_output_shape(x.shape, w.shape, stride, pad)
    n_img, channels, h, w_in = x.shape
    kh, kw = w.shape[2:]
    variants = [Raises(IndexError)]
    for extra in (0, pad):  # x itself, or x padded on one side
        if stride * (h_out - 1) + kh <= h + extra and stride * (w_out - 1) + kw <= w_in + extra:
            return None  # every window fits: other numbers, not modelled (not in the hidden data)
        for i, j in np.ndindex(h_out, w_out):  # the first window a vectorized loop cannot multiply
            rows = len(range(h + extra)[stride * i:stride * i + kh])
            cols = len(range(w_in + extra)[stride * j:stride * j + kw])
            if rows not in (1, kh) or cols not in (1, kw):
                variants.append(Raises(ValueError, _shape_text(channels, rows, cols)))
                break
    return Variants(variants)


def _ceil(x, w, b, stride, pad):
    (_, _, h, w_in), (_, _, kh, kw) = x.shape, w.shape
    tiles = (h + 2 * pad - kh) % stride == 0 and (w_in + 2 * pad - kw) % stride == 0
    return _forward(x, w, b, stride, pad) if tiles else RAISES


def _stride_ignored(x, w, b, stride, pad):
    _, _, h_out, w_out = conv_output_shape(x.shape, w.shape, stride, pad)
    return _forward(x, w, b, 1, pad)[:, :, :h_out, :w_out]


def _kernel_m_q_swapped(x, w, b, stride, pad):
    return _forward(x, w.transpose(0, 1, 3, 2), b, stride, pad) if w.shape[2] == w.shape[3] else RAISES


def _square_kernel_assumed(x, w, b, stride, pad):
    """K = w.shape[2] (or [3]) for both kernel axes: a vectorized window (C, K, K) does not fit
    w[f]; scalar loops over range(K) run past the shorter axis, or use only its K x K corner."""
    channels, kh, kw = w.shape[1:]
    if kh == kw:
        return _forward(x, w, b, stride, pad)
    variants = []
    for k in (kh, kw):
        variants.append(Raises(ValueError, _shape_text(channels, k, k)))
        variants.append(_forward(x, w[:, :, :k, :k], b, stride, pad) if k <= min(kh, kw) else Raises(IndexError))
    return Variants(variants)


def _output_i_j_swapped(x, w, b, stride, pad):
    out = _forward(x, w, b, stride, pad)
    return out.transpose(0, 1, 3, 2) if out.shape[2] == out.shape[3] else RAISES


def _c_f_swapped(x, w, b, stride, pad):
    return _forward(x, w.transpose(1, 0, 2, 3), b, stride, pad) if w.shape[0] == w.shape[1] else RAISES


def _all_filters_summed(x, w, b, stride, pad):
    summed = np.repeat(w.sum(axis=0, keepdims=True), w.shape[0], axis=0)  # (F, C, KH, KW), all equal
    return _forward(x, summed, b, stride, pad)


def _output_has_c_channels(x, w, b, stride, pad):
    """out allocated with C channels: loops over range(F) write past it (F > C) or leave zero
    channels (F < C); loops over range(C) leave filters out or index w[f] past F."""
    out = _forward(x, w, b, stride, pad)
    n_filters, channels = w.shape[:2]
    if n_filters == channels:
        return out
    if n_filters > channels:
        return Variants([Raises(IndexError), out[:, :channels]])
    zeros = np.zeros((out.shape[0], channels - n_filters) + out.shape[2:])
    return Variants([np.concatenate([out, zeros], axis=1), Raises(IndexError)])


def _sum_not_reset(x, w, b, stride, pad):
    """Scalar loops whose running sum starts once per (n, f) (or once per row i), not per entry."""
    out = _forward(x, w, b, stride, pad)
    terms = out - b[None, :, None, None]  # (N, F, H_out, W_out), each entry's window sum
    n_img, n_filt, h_out, w_out = out.shape
    per_map = np.cumsum(terms.reshape(n_img, n_filt, -1), axis=2).reshape(out.shape)
    per_row = np.cumsum(terms, axis=3)
    return Variants([per_map + b[None, :, None, None], per_row + b[None, :, None, None]])


FORWARD_MISTAKES = [
    FunctionMistake("forgot_bias", "the bias is missing: add b[f], once, to every output of filter f.",
                    lambda x, w, b, s, p: _forward(x, w, 0 * b, s, p)),
    FunctionMistake("bias_added_twice", "the bias was added twice: add b[f] once per output entry.",
                    lambda x, w, b, s, p: _forward(x, w, 2 * b, s, p)),
    FunctionMistake("bias_added_per_channel",
                    "the bias was added once per input channel (inside the loop over c): add b[f] once, "
                    "after the sum over c, m, q.",
                    lambda x, w, b, s, p: _forward(x, w, x.shape[1] * b, s, p)),
    FunctionMistake("flipped_kernel", "the kernel was flipped: the layer is a cross-correlation, "
                    "w[f, c, m, q] multiplies x_pad[n, c, S·i + m, S·j + q], no rotation.",
                    lambda x, w, b, s, p: _forward(x, w[..., ::-1, ::-1], b, s, p)),
    FunctionMistake("padding_ignored", "the padding is missing: pad x with P zeros on every side of "
                    "H and W first (pad2d), and use H + 2P in the output size.",
                    lambda x, w, b, s, p: _forward(x, w, b, s, 0)),
    FunctionMistake("padding_not_in_output_size",
                    "the padding is left out of the output size: H_out = (H + 2P - KH) // S + 1.",
                    _padding_not_in_size),
    FunctionMistake("np_pad_all_axes", "np.pad(x, P) padded the N and C axes too, so x_pad[n, c] is "
                    "the wrong image and channel: pad only the last two axes (pad2d(x, P), or "
                    "np.pad(x, ((0, 0), (0, 0), (P, P), (P, P)))).", _np_pad_all_axes),
    FunctionMistake("window_cut_from_x", "a window runs past the end of the array it is cut from: cut "
                    "every window from x_pad, which has P zeros on both sides of H and of W, not from x.",
                    _window_cut_from_x),
    FunctionMistake("ceil_instead_of_floor", "the output size was rounded up: where the stride does not "
                    "tile, the last window would stick out of x_pad. Round down: (H + 2P - KH) // S + 1.",
                    _ceil),
    FunctionMistake("forgot_plus_one", "the output size is one too small: H_out = (H + 2P - KH) // S "
                    "+ 1 (the first window sits at 0, the +1 counts it).", _forgot_plus_one),
    FunctionMistake("stride_ignored", "the window of out[i, j] starts at row S·i and column S·j of "
                    "x_pad, not at (i, j).", _stride_ignored),
    FunctionMistake("kernel_m_q_swapped", "the kernel's row and column indices are swapped: w[f, c, m, q] "
                    "with m the row (0..KH-1) and q the column (0..KW-1).", _kernel_m_q_swapped),
    FunctionMistake("square_kernel_assumed", "the kernel was taken to be square: it is KH x KW; use KH "
                    "(w.shape[2]) for the rows and KW (w.shape[3]) for the columns.", _square_kernel_assumed),
    FunctionMistake("output_i_j_swapped", "the output's row and column are swapped: out[n, f, i, j] "
                    "has i the row (0..H_out-1) and j the column (0..W_out-1).", _output_i_j_swapped),
    FunctionMistake("c_f_swapped", "the filter bank is indexed w[c, f]; its shape is (F, C, KH, KW): "
                    "w[f, c] is filter f's kernel for input channel c.", _c_f_swapped),
    FunctionMistake("channels_not_summed", "only input channel 0 is used: sum over every input channel "
                    "c as well as over m and q.",
                    lambda x, w, b, s, p: _forward(x[:, :1], w[:, :1], b, s, p)),
    FunctionMistake("all_filters_summed", "every output map is the same: the window was multiplied by the "
                    "whole bank w (F, C, KH, KW) and summed over all filters; use w[f], filter f's (C, KH, "
                    "KW) kernels.", _all_filters_summed),
    FunctionMistake("output_has_c_channels", "the output has one channel per filter: out has shape (N, F, "
                    "H_out, W_out) and f runs over range(F); C counts the input channels.",
                    _output_has_c_channels),
    FunctionMistake("sum_not_reset", "the running sum is not started again for each output entry: set it "
                    "to b[f] (or 0) inside the loop over j, just before the sums over c, m and q.",
                    _sum_not_reset),
    FunctionMistake("relu_applied", "negative outputs were set to 0: out is the layer's output before "
                    "the activation; the ReLU is a layer of its own (notebook 05).",
                    lambda x, w, b, s, p: np.maximum(_forward(x, w, b, s, p), 0)),
]


def _forward_cases():
    rng = np.random.default_rng(2)
    geometries = [  # N, C, F, H, W, KH, KW, S, P, label
        (1, 1, 1, 7, 7, 3, 3, 2, 0, "the course's 7x7 example: 1 image, 1 channel, 1 filter, 3x3, stride 2"),
        (2, 2, 3, 6, 5, 3, 3, 1, 1, "2 images, C=2, F=3, a 6x5 input, 3x3, stride 1, padding 1"),
        (1, 3, 2, 8, 8, 3, 3, 2, 0, "C=3, F=2, 8x8, 3x3, stride 2 that does not tile (a row and a column unread)"),
        (2, 2, 2, 9, 8, 3, 2, 2, 2, "C=F=2, 9x8, a 3x2 kernel, stride 2, padding 2"),
        (1, 3, 4, 10, 8, 4, 4, 3, 1, "C=3, F=4, 10x8, 4x4, stride 3 (does not tile the rows), padding 1"),
    ]
    cases = []
    for n, c, f, h, w_in, kh, kw, s, p, label in geometries:
        x = rng.integers(-4, 5, size=(n, c, h, w_in)).astype(float)
        w = rng.integers(-3, 4, size=(f, c, kh, kw)).astype(float)
        b = rng.integers(1, 4, size=f) * rng.choice([-1.0, 1.0], size=f)  # never zero
        cases.append(Case(label, (x, w, b, s, p)))
    return cases


check_conv_forward_loops = FunctionExercise(
    "conv_forward_loops", ("x", "w", "b", "stride", "pad"), [Output("out", "n f i j", "N F H_out W_out")],
    reference=_forward, cases=_forward_cases, mistakes=FORWARD_MISTAKES,
    equation="out[n, f, i, j] = b[f] + Σ_c Σ_m Σ_q w[f, c, m, q] · x_pad[n, c, S·i + m, S·j + q]")

CATALOGUE = {**_ARITHMETIC_CATALOGUE, "check_conv_forward_loops": FORWARD_MISTAKES}

HINTS = {
    "check_conv_forward_loops": (
        "The layer equation of notebook 02, built up in sections 1 to 9: one output entry is one window "
        "of the padded input times one filter, summed, plus that filter's bias. Section 6 gives the output size.",
        r"Pad only the last two axes (`pad2d(x, pad)`). The output has shape $(N, F, H_{out}, W_{out})$. "
        r"The window of $\text{out}_{n,f,i,j}$ starts at row $S i$, column $S j$ of the padded input, is "
        r"$K_H \times K_W$, and spans all $C$ channels.",
        "The structure: allocate `out` with zeros; four loops, over n, f, i and j; in the innermost, cut "
        "the window `x_pad[n, :, rows, cols]` (shape (C, KH, KW)), multiply it by `w[f]`, sum, add `b[f]`.",
    ),
}
