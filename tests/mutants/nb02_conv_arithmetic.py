"""Notebook 02's "check yourself" answers: the output shape of a layer and one output cell,
computed the way a learner would on the notebook's own exercise data, right and with each
typical mistake.
"""
import math

import numpy as np

from cnnlib.exercises.nb02_conv_forward import (
    check_conv_output_cell, check_conv_output_shape, conv_cell_exercise_data, conv_shape_exercise_data,
)

from . import Entry

SHAPE_DATA = conv_shape_exercise_data()      # (x_shape, w_shape, stride, pad)


def _shape_answer(formula, channels="F", order="hw"):
    """The shape a learner writes down with ``formula(size, k, s, p)`` for each axis."""
    (N, C, H, W), (F, _, KH, KW), S, P = SHAPE_DATA
    h, w = formula(H, KH, S, P), formula(W, KW, S, P)
    return (N, F if channels == "F" else C) + ((h, w) if order == "hw" else (w, h))


SHAPE_RIGHT = _shape_answer(lambda n, k, s, p: (n + 2 * p - k) // s + 1)
SHAPE_MUTANTS = {
    "shape_stride_left_out": _shape_answer(lambda n, k, s, p: n + 2 * p - k + 1),
    "shape_padding_left_out": _shape_answer(lambda n, k, s, p: (n - k) // s + 1),
    "shape_padding_counted_once": _shape_answer(lambda n, k, s, p: (n + p - k) // s + 1),
    "shape_ceil_instead_of_floor": _shape_answer(lambda n, k, s, p: math.ceil((n + 2 * p - k) / s) + 1),
    "shape_forgot_plus_one": _shape_answer(lambda n, k, s, p: (n + 2 * p - k) // s),
    "shape_not_rounded": _shape_answer(lambda n, k, s, p: round((n + 2 * p - k) / s + 1, 2)),
    "shape_depth_is_input_channels": _shape_answer(lambda n, k, s, p: (n + 2 * p - k) // s + 1, channels="C"),
    "shape_h_w_swapped": _shape_answer(lambda n, k, s, p: (n + 2 * p - k) // s + 1, order="wh"),
}

CELL = conv_cell_exercise_data()            # x, w, b, stride, pad, (n, f, i, j)


def _cell_answer(slip=None):
    """out[n, f, i, j] by hand: pad, cut the window, multiply, sum, add the bias; ``slip`` changes one step."""
    x, w, b, S, P, (n, f, i, j) = CELL
    x_pad = np.pad(x, ((0, 0), (0, 0), (P, P), (P, P)))
    row, col = S * i, S * j
    source, kernel, bias = x_pad, w[f], b[f]
    if slip == "cell_stride_left_out":
        row, col = i, j
    if slip == "cell_padding_left_out":
        source = x
    if slip == "cell_i_j_swapped":
        row, col = S * j, S * i
    if slip == "cell_kernel_flipped":
        kernel = np.flip(kernel, axis=(1, 2))
    if slip == "cell_c_f_swapped":
        kernel = w[:, f]
    if slip == "cell_wrong_filter":
        kernel, bias = w[1 - f], b[1 - f]
    if slip == "cell_wrong_kernel_only":
        kernel = w[1 - f]
    if slip == "cell_wrong_bias_only":
        bias = b[1 - f]
    window = source[n, :, row:row + 3, col:col + 3]
    if slip == "cell_one_channel_only":
        window, kernel = window[:1], kernel[:1]
    total = np.sum(window * kernel)
    if slip == "cell_bias_left_out":
        return total
    if slip == "cell_bias_added_per_channel":
        return sum(np.sum(window[c] * kernel[c]) + bias for c in range(x.shape[1]))
    return total + bias


CELL_KEYS = ["cell_bias_left_out", "cell_stride_left_out", "cell_padding_left_out", "cell_kernel_flipped",
             "cell_bias_added_per_channel", "cell_one_channel_only", "cell_i_j_swapped", "cell_wrong_filter",
             "cell_c_f_swapped"]

ENTRIES = [
    Entry("check_conv_output_shape", lambda answer: check_conv_output_shape(answer, *SHAPE_DATA),
          SHAPE_RIGHT, SHAPE_MUTANTS),
    Entry("check_conv_output_cell",
          lambda answer: check_conv_output_cell(answer, *CELL[:5], *CELL.cell),
          _cell_answer(), {key: _cell_answer(key) for key in CELL_KEYS}),
    Entry("check_conv_output_cell",                     # the same mistake, with the right bias
          lambda answer: check_conv_output_cell(answer, *CELL[:5], *CELL.cell),
          _cell_answer(), {"cell_wrong_filter": _cell_answer("cell_wrong_kernel_only")}),
    Entry("check_conv_output_cell",                     # and with the right kernels (review 1, item 3)
          lambda answer: check_conv_output_cell(answer, *CELL[:5], *CELL.cell),
          _cell_answer(), {"cell_wrong_filter": _cell_answer("cell_wrong_bias_only")}),
]
