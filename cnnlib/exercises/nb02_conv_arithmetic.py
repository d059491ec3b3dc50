"""Checkers of notebook 02's "check yourself" exercises: a conv layer's output shape, and one
output cell computed by hand; with the notebook's own exercise data and the catalogue of
typical mistakes each checker names.

A shape or a single number is the answer itself, so these checkers never print the expected
value: they say which entry is wrong and give the hint of the mistake that explains it.
"""
import math
from typing import NamedTuple

import numpy as np

from .._validate import as_pair
from ..conv import conv2d_forward_naive, conv_output_shape
from ..correlate import pad2d, rot180
from ..data import teaching_example
from .compare import Mistake, WrongAnswer, compare_answer, hint_lines, not_answered, unanswered
from .result import CheckResult, checker

# ------------------------------------------------------------------ the output shape

SHAPE_NO_STRIDE = Mistake("shape_stride_left_out", "the stride was left out: divide (H + 2P - KH) by S, "
                          "round down, then add 1.")
SHAPE_NO_PAD = Mistake("shape_padding_left_out", "the padding was left out: the padded input is H + 2P "
                       "tall (P rows of zeros on top and P below).")
SHAPE_PAD_ONCE = Mistake("shape_padding_counted_once", "the padding was counted on one side only: P zeros "
                         "go on *both* sides, so the padded input is H + 2P tall, not H + P.")
SHAPE_CEIL = Mistake("shape_ceil_instead_of_floor", "the division was rounded up: where the stride does not "
                     "tile, the last window would stick out of the padded input. Round down.")
SHAPE_NO_PLUS_ONE = Mistake("shape_forgot_plus_one", "each size is one too small: after the division, add 1 "
                            "(the first window sits at 0 and is counted too).")
SHAPE_NOT_ROUNDED = Mistake("shape_not_rounded", "a size is a fraction: the number of windows is a whole "
                            "number; round the division down (floor), then add 1.")
SHAPE_DEPTH_C = Mistake("shape_depth_is_input_channels", "the channel axis of the output has one entry per "
                        "filter (F), not per input channel (C): each filter sums over all C channels.")
SHAPE_H_W_SWAPPED = Mistake("shape_h_w_swapped", "H_out and W_out are swapped: the shape is (N, F, H_out, "
                            "W_out), rows before columns, and this input is not square.")
SHAPE_MISTAKES = [SHAPE_NO_STRIDE, SHAPE_NO_PAD, SHAPE_PAD_ONCE, SHAPE_CEIL, SHAPE_NO_PLUS_ONE,
                  SHAPE_NOT_ROUNDED, SHAPE_DEPTH_C, SHAPE_H_W_SWAPPED]

_SHAPE_NAMES = ("N", "F", "H_out", "W_out")


def conv_shape_exercise_data():
    """Notebook 02's exercise 1: ``(x_shape, w_shape, stride, pad)``.

    A batch of 2 RGB images of 28 x 24, 6 filters of 3 x 5 x 5, stride 3, padding 2. Chosen so
    that every typical mistake of ``SHAPE_MISTAKES`` gives a shape of its own (the tests prove
    it): the padding changes the size, the stride does not tile the columns (so rounding up
    shows), C != F, H != W.
    """
    return (2, 3, 28, 24), (6, 3, 5, 5), 3, 2


def _sizes(size, k, s, p):
    """What each typical mistake makes of one axis (and the right value, ``"right"``)."""
    return {"right": (size + 2 * p - k) // s + 1, SHAPE_NO_STRIDE: size + 2 * p - k + 1,
            SHAPE_NO_PAD: (size - k) // s + 1, SHAPE_PAD_ONCE: (size + p - k) // s + 1,
            SHAPE_CEIL: math.ceil((size + 2 * p - k) / s) + 1, SHAPE_NO_PLUS_ONE: (size + 2 * p - k) // s,
            SHAPE_NOT_ROUNDED: (size + 2 * p - k) / s + 1}


def _shape_mistakes(x_shape, w_shape, stride, pad):
    """``[(wrong shape, Mistake)]`` for this layer."""
    (n, c, h, w_in), (f, _, kh, kw) = x_shape, w_shape
    (sh, sw), (ph, pw) = as_pair(stride, "stride", 1), as_pair(pad, "pad", 0)
    rows, cols = _sizes(h, kh, sh, ph), _sizes(w_in, kw, sw, pw)
    found = [((n, f, rows[m], cols[m]), m) for m in SHAPE_MISTAKES if m in rows]
    found.append(((n, c, rows["right"], cols["right"]), SHAPE_DEPTH_C))
    found.append(((n, f, cols["right"], rows["right"]), SHAPE_H_W_SWAPPED))
    return found


def _and(names):
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


@checker
def check_conv_output_shape(answer, x_shape, w_shape, stride=1, pad=0):
    """Check a predicted output shape ``(N, F, H_out, W_out)`` of a conv layer.

    ``x_shape (N, C, H, W)``, ``w_shape (F, C, KH, KW)``; reference:
    ``cnnlib.conv.conv_output_shape``, i.e. ``H_out = floor((H + 2P - KH)/S) + 1``.
    Says which of the four sizes are wrong and the typical mistake that explains them
    (every one that does), never the expected sizes. ``None`` is "not answered yet".
    """
    if not_answered(answer):
        return unanswered("conv output shape")
    expected = conv_output_shape(x_shape, w_shape, stride, pad)
    try:
        given = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        given = np.zeros(0)
    if given.shape != (4,):
        raise WrongAnswer(f"conv output shape: expected 4 numbers (N, F, H_out, W_out), given {answer!r}")
    text = "(" + ", ".join(f"{v:g}" for v in given) + ")"
    found = [m for wrong, m in _shape_mistakes(x_shape, w_shape, stride, pad)
             if np.allclose(given, wrong, rtol=0, atol=0.01 if m is SHAPE_NOT_ROUNDED else 0)]
    found = list(dict.fromkeys(found))
    if not found and not np.all(given == np.floor(given)):
        raise WrongAnswer(f"conv output shape: sizes are whole numbers (round down), given {text}")
    wrong = [name for name, g, e in zip(_SHAPE_NAMES, given, expected) if g != e]
    if not wrong:
        return CheckResult.passed("Correct: conv output shape matches the reference.")
    right = [name for name in _SHAPE_NAMES if name not in wrong]
    line = f"conv output shape: given {text}: {_and(wrong)} {'is' if len(wrong) == 1 else 'are'} not right"
    line += f" ({_and(right)} {'is' if len(right) == 1 else 'are'} right)." if right else "."
    if not found:
        line += "\n  Use H_out = floor((H + 2P - KH) / S) + 1 (and the same for W), and F output channels."
    raise WrongAnswer("\n".join([line] + hint_lines(found)), [m.key for m in found])


# ------------------------------------------------------------------ one output cell

CELL_NO_BIAS = Mistake("cell_bias_left_out", "the bias b[f] was left out (one number per filter, added once).")
CELL_NO_STRIDE = Mistake("cell_stride_left_out", "the stride was left out: the window of out[i, j] starts at "
                         "row S*i, column S*j of x_pad.")
CELL_NO_PAD = Mistake("cell_padding_left_out", "the padding was left out: cut the window from x_pad, the "
                      "zero-padded input, not from x.")
CELL_FLIPPED = Mistake("cell_kernel_flipped", "the kernel was flipped: the layer computes a "
                       "cross-correlation, no flip.")
CELL_BIAS_PER_CHANNEL = Mistake("cell_bias_added_per_channel", "the bias was added once per input channel: "
                                "add b[f] once, after summing over c, m and q.")
CELL_ONE_CHANNEL = Mistake("cell_one_channel_only", "only input channel 0 was summed: a filter sums "
                           "over every input channel c.")
CELL_I_J_SWAPPED = Mistake("cell_i_j_swapped", "this is out[n, f, j, i]: i is the output row (window at row "
                           "S*i), j the column (window at column S*j).")
CELL_WRONG_FILTER = Mistake("cell_wrong_filter", "this uses another filter's kernels or bias: use w[f] and "
                            "b[f] of the filter f that was asked.")
CELL_C_F_SWAPPED = Mistake("cell_c_f_swapped", "the filter bank was indexed w[c, f]: its shape is (F, C, KH, "
                           "KW), so filter f's kernel for channel c is w[f, c].")
CELL_MISTAKES = [CELL_NO_BIAS, CELL_NO_STRIDE, CELL_NO_PAD, CELL_FLIPPED, CELL_BIAS_PER_CHANNEL,
                 CELL_ONE_CHANNEL, CELL_I_J_SWAPPED, CELL_WRONG_FILTER, CELL_C_F_SWAPPED]


class CellExercise(NamedTuple):
    """Notebook 02's exercise 2: compute ``out[n, f, i, j]`` of this layer by hand."""
    x: np.ndarray        # (1, 2, 7, 7)
    w: np.ndarray        # (2, 2, 3, 3)
    b: np.ndarray        # (2,)
    stride: int
    pad: int
    cell: tuple          # (n, f, i, j)


def conv_cell_exercise_data():
    """The two-channel, two-filter 7x7 example (``x`` and ``w`` of ``teaching_example(2, 2,
    seed=1)``), biases ``b = (-4, 4)``, stride 2, padding 1, cell ``out[0, 1, 2, 1]``.

    The biases are chosen so that every mistake of ``CELL_MISTAKES``, in each of its ways,
    gives a number of its own there, at least 2 away from the right one (a slip of one in the
    arithmetic is named as no mistake): the example's own biases ``(2, 1)`` made "the other
    filter's bias" (2 + 45) and "the bias once per channel" (45 + 2 * 1) both 47. The tests
    prove it."""
    ex = teaching_example(channels=2, filters=2, seed=1)
    return CellExercise(ex.x, ex.w, np.array([-4.0, 4.0]), 2, 1, (0, 1, 2, 1))


def _cell_mistakes(x, w, b, stride, pad, n, f, i, j):
    """``[(wrong value, Mistake)]`` for cell ``(n, f, i, j)`` of this layer (those that apply)."""
    (sh, sw), (ph, pw) = as_pair(stride, "stride", 1), as_pair(pad, "pad", 0)
    n_filters, channels, kh, kw = w.shape
    x_pad = pad2d(x, (ph, pw))

    def window_sum(xp, r, c, kernel, channels=slice(None)):
        win = xp[n, channels, r:r + kh, c:c + kw]  # (C, KH, KW) when it fits
        return float(np.sum(win * kernel)) if win.shape[1:] == (kh, kw) else np.nan

    right = window_sum(x_pad, sh * i, sw * j, w[f]) + b[f]
    found = [(right - b[f], CELL_NO_BIAS),
             (window_sum(x_pad, i, j, w[f]) + b[f], CELL_NO_STRIDE),
             (window_sum(x, sh * i, sw * j, w[f]) + b[f], CELL_NO_PAD),
             (window_sum(x_pad, sh * i, sw * j, rot180(w[f])) + b[f], CELL_FLIPPED),
             (right + (channels - 1) * b[f], CELL_BIAS_PER_CHANNEL),
             (window_sum(x_pad, sh * j, sw * i, w[f]) + b[f], CELL_I_J_SWAPPED)]
    if channels > 1:  # the loop over c forgotten: channel 0 only
        found.append((window_sum(x_pad, sh * i, sw * j, w[f, :1], slice(0, 1)) + b[f], CELL_ONE_CHANNEL))
    for g in range(n_filters):  # another filter's cell, its kernels with the right bias, or its bias alone
        if g != f:
            found += [(window_sum(x_pad, sh * i, sw * j, w[g]) + b[g], CELL_WRONG_FILTER),
                      (window_sum(x_pad, sh * i, sw * j, w[g]) + b[f], CELL_WRONG_FILTER),
                      (right - b[f] + b[g], CELL_WRONG_FILTER)]
    if channels == n_filters:
        found.append((window_sum(x_pad, sh * i, sw * j, w[:, f]) + b[f], CELL_C_F_SWAPPED))
    return [(v, m) for v, m in found if np.isfinite(v)]


@checker
def check_conv_output_cell(answer, x, w, b, stride, pad, n, f, i, j):
    """Check one output entry ``out[n, f, i, j]`` of a conv layer computed by hand.

        out[n, f, i, j] = b[f] + Σ_c Σ_m Σ_q w[f, c, m, q] · x_pad[n, c, S·i + m, S·j + q]

    Reference: ``cnnlib.conv.conv2d_forward_naive``. Names every mistake of
    ``CELL_MISTAKES`` whose number the answer is; never prints the expected value.
    """
    x, w, b = (np.asarray(a, dtype=np.float64) for a in (x, w, b))
    out, _ = conv2d_forward_naive(x, w, b, stride, pad)
    cell = (n, f, i, j)
    if not all(isinstance(k, (int, np.integer)) and 0 <= k < size for k, size in zip(cell, out.shape)):
        raise ValueError(f"cell (n, f, i, j): expected whole numbers with 0 <= n < {out.shape[0]}, "
                         f"0 <= f < {out.shape[1]}, 0 <= i < {out.shape[2]}, 0 <= j < {out.shape[3]}, got {cell}")
    expected = out[cell]
    return compare_answer(f"out[{n}, {f}, {i}, {j}]", answer, expected, reveal=False,
                          known_mistakes=_cell_mistakes(x, w, b, stride, pad, n, f, i, j))


CATALOGUE = {"check_conv_output_shape": SHAPE_MISTAKES, "check_conv_output_cell": CELL_MISTAKES}

HINTS = {
    "check_conv_output_shape": (
        "Section 6 of notebook 02 derives the output size; section 3 says how many channels the output has.",
        r"Rows: $H_{out} = \lfloor (H + 2P - K_H)/S \rfloor + 1$; columns: the same with $W$ and $K_W$. "
        r"$N$ stays; the depth is the number of filters $F$.",
    ),
    "check_conv_output_cell": (
        "Section 5 of notebook 02 writes one output cell term by term; this layer adds the channels "
        "(section 2) and padding (section 7).",
        r"Pad `x2` by $P$ on both sides of $H$ and $W$. The window of $\text{out}_{n,f,i,j}$ starts at row "
        r"$S i$, column $S j$ of the padded input and holds all $C$ channels; multiply it by filter $f$'s "
        r"kernels, add everything up, then add $b_f$ once.",
    ),
}
