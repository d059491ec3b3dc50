"""Checkers of notebook 02 (the conv layer forward): output shape, one output cell."""
import numpy as np

from .._validate import as_pair
from ..conv import conv2d_forward_naive, conv_output_shape
from ..correlate import pad2d, rot180
from .compare import WrongAnswer, compare_answer


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
