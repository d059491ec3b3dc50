"""Checkers of notebook 02 (the conv layer forward): output shape, one output cell, and the
learner's own forward pass as loops (``check_conv_forward_loops``)."""
import numpy as np

from .._validate import as_pair
from ..conv import conv2d_forward_naive, conv_output_shape
from ..correlate import pad2d, rot180
from .compare import WrongAnswer, compare_answer
from .function_exercise import RAISES, Case, FunctionExercise, FunctionMistake, Output, Variants


def check_conv_output_shape(answer, x_shape, w_shape, stride=1, pad=0):
    """Check a predicted output shape ``(N, F, H_out, W_out)`` of a conv layer.

    ``x_shape (N, C, H, W)``, ``w_shape (F, C, KH, KW)``; reference:
    ``cnnlib.conv.conv_output_shape``, i.e. ``H_out = floor((H + 2P - KH)/S) + 1``.
    """
    expected = conv_output_shape(x_shape, w_shape, stride, pad)
    given = np.asarray(answer)
    if given.shape != (4,):
        raise WrongAnswer(f"conv output shape: expected 4 numbers (N, F, H_out, W_out), "
                          f"given {answer!r}")
    (_, _, h, w_in), (_, _, kh, kw) = x_shape, w_shape
    (sh, sw), (ph, pw) = as_pair(stride, "stride", 1), as_pair(pad, "pad", 0)
    no_pad = (x_shape[0], w_shape[0], (h - kh) // sh + 1, (w_in - kw) // sw + 1)
    no_stride = (x_shape[0], w_shape[0], h + 2 * ph - kh + 1, w_in + 2 * pw - kw + 1)
    mistakes = [(no_stride, "the stride was left out: divide (H + 2P - KH) by S, round down, then add 1."),
                (no_pad, "the padding was left out: the padded input is H + 2P tall."),
                ((x_shape[0], x_shape[1]) + tuple(expected[2:]),
                 "the channel axis of the output has one entry per filter (F), not per input channel (C).")]
    if given.shape == (4,) and np.issubdtype(given.dtype, np.floating) and not np.all(given == np.floor(given)):
        raise WrongAnswer(f"conv output shape: sizes are whole numbers (floor), given {tuple(answer)}")
    return compare_answer("conv output shape", answer, expected, atol=0, rtol=0, known_mistakes=mistakes)


def check_conv_output_cell(answer, x, w, b, stride, pad, n, f, i, j):
    """Check one output entry ``out[n, f, i, j]`` of a conv layer computed by hand.

        out[n, f, i, j] = b[f] + Σ_c Σ_m Σ_q w[f, c, m, q] · x_pad[n, c, S·i + m, S·j + q]

    Reference: ``cnnlib.conv.conv2d_forward_naive``. Known mistakes recognised:
    the bias left out, the stride left out (window at ``(i, j)`` instead of
    ``(S·i, S·j)``), the padding left out, the kernel flipped.
    """
    x, w, b = (np.asarray(a, dtype=np.float64) for a in (x, w, b))
    out, _ = conv2d_forward_naive(x, w, b, stride, pad)
    expected = out[n, f, i, j]
    (sh, sw), (ph, pw) = as_pair(stride, "stride", 1), as_pair(pad, "pad", 0)
    kh, kw = w.shape[2:]
    x_pad = pad2d(x, (ph, pw))

    def window_sum(xp, r, c, kernel):
        win = xp[n, :, r:r + kh, c:c + kw]
        return float(np.sum(win * kernel)) if win.shape[1:] == (kh, kw) else np.nan

    mistakes = [(expected - b[f], "the bias b[f] was left out (one scalar per filter, added once)."),
                (window_sum(x_pad, i, j, w[f]) + b[f],
                 "the stride was left out: the window of out[i, j] starts at row S*i, column S*j."),
                (window_sum(x, sh * i, sw * j, w[f]) + b[f],
                 "the padding was left out: index into x_pad, the zero-padded input."),
                (window_sum(x_pad, sh * i, sw * j, rot180(w[f])) + b[f],
                 "the kernel was flipped: the layer computes a cross-correlation, no flip.")]
    mistakes = [(v, msg) for v, msg in mistakes if np.isfinite(v)]
    return compare_answer(f"out[{n}, {f}, {i}, {j}]", answer, expected, known_mistakes=mistakes)


# ------------------------------------------------ Your turn: the forward pass as loops

def _forward(x, w, b, stride, pad):
    return conv2d_forward_naive(x, w, b, stride, pad)[0]


def _out_size(size, k, stride, pad):
    return (size + 2 * pad - k) // stride + 1


def _forgot_plus_one(x, w, b, stride, pad):
    return _forward(x, w, b, stride, pad)[:, :, :-1, :-1]


def _padding_not_in_size(x, w, b, stride, pad):
    (_, _, h, w_in), (_, _, kh, kw) = x.shape, w.shape
    return _forward(x, w, b, stride, pad)[:, :, :_out_size(h, kh, stride, 0), :_out_size(w_in, kw, stride, 0)]


def _np_pad_all_axes(x, w, b, stride, pad):
    if pad == 0:
        return None
    # a window x_pad[n, :, ...] has C + 2P channels: it does not broadcast with w[f];
    # loops over c read x_pad[n, c], the images and channels shifted by P
    shifted = np.pad(x, pad)[:x.shape[0], :x.shape[1]]  # (N, C, H+2P, W+2P)
    return Variants([RAISES, _forward(shifted, w, b, stride, 0)])


def _ceil(x, w, b, stride, pad):
    (_, _, h, w_in), (_, _, kh, kw) = x.shape, w.shape
    tiles = (h + 2 * pad - kh) % stride == 0 and (w_in + 2 * pad - kw) % stride == 0
    return _forward(x, w, b, stride, pad) if tiles else RAISES


def _stride_ignored(x, w, b, stride, pad):
    _, _, h_out, w_out = conv_output_shape(x.shape, w.shape, stride, pad)
    return _forward(x, w, b, 1, pad)[:, :, :h_out, :w_out]


def _kernel_m_q_swapped(x, w, b, stride, pad):
    return _forward(x, w.transpose(0, 1, 3, 2), b, stride, pad) if w.shape[2] == w.shape[3] else RAISES


def _output_i_j_swapped(x, w, b, stride, pad):
    out = _forward(x, w, b, stride, pad)
    return out.transpose(0, 1, 3, 2) if out.shape[2] == out.shape[3] else RAISES


def _c_f_swapped(x, w, b, stride, pad):
    return _forward(x, w.transpose(1, 0, 2, 3), b, stride, pad) if w.shape[0] == w.shape[1] else RAISES


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
    FunctionMistake("ceil_instead_of_floor", "the output size was rounded up: where the stride does not "
                    "tile, the last window would stick out of x_pad. Round down: (H + 2P - KH) // S + 1.",
                    _ceil),
    FunctionMistake("forgot_plus_one", "the output size is one too small: H_out = (H + 2P - KH) // S "
                    "+ 1 (the first window sits at 0, the +1 counts it).", _forgot_plus_one),
    FunctionMistake("stride_ignored", "the window of out[i, j] starts at row S·i and column S·j of "
                    "x_pad, not at (i, j).", _stride_ignored),
    FunctionMistake("kernel_m_q_swapped", "the kernel's row and column indices are swapped: w[f, c, m, q] "
                    "with m the row (0..KH-1) and q the column (0..KW-1).", _kernel_m_q_swapped),
    FunctionMistake("output_i_j_swapped", "the output's row and column are swapped: out[n, f, i, j] "
                    "has i the row (0..H_out-1) and j the column (0..W_out-1).", _output_i_j_swapped),
    FunctionMistake("c_f_swapped", "the filter bank is indexed w[c, f]; its shape is (F, C, KH, KW): "
                    "w[f, c] is filter f's kernel for input channel c.", _c_f_swapped),
    FunctionMistake("channels_not_summed", "only input channel 0 is used: sum over every input channel "
                    "c as well as over m and q.",
                    lambda x, w, b, s, p: _forward(x[:, :1], w[:, :1], b, s, p)),
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

CATALOGUE = {"check_conv_forward_loops": FORWARD_MISTAKES}
