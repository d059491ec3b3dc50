"""Checkers of notebook 04 (the input gradient): ∂E/∂x.

- ``check_input_gradient``: "Check yourself", ∂E/∂x of a one-channel layer computed with the
  primitives, on ``input_gradient_exercise_data()`` in the notebook (9x9, K = 3, S = 3, P = 1:
  the real last row and column are read by no window);
- ``check_pixel_gradient``: "Your turn" (a), the gradient of one input pixel gathered from exactly
  the outputs that read it (``nb04_pixel_gradient``);
- ``check_input_gradient_by_correlation``: "Your turn" (b), the learner's whole input gradient
  from the primitives (``nb04_input_gradient_functions``).

``HINTS``: each checker's hints, in levels (``check_x.hint(1)`` ...).

A wrong answer is named by its values, never by its shape alone: different mistakes can give
arrays of the same shape (a 5x5 answer to a 6x6, stride-2, padding-1 exercise is both what
undilated deltas give and what the full result cropped without its unread zero row gives).
"""
import numpy as np

from .._validate import as_pair
from .compare import Mistake, as_answer_array, compare_answer, not_answered, unanswered
from .result import checker
from .nb04_input_gradient_functions import CORRELATION_MISTAKES, check_input_gradient_by_correlation
from .nb04_pixel_gradient import PIXEL_MISTAKES, check_pixel_gradient
from .references import one_channel_gradients as _one_channel_gradients


def input_gradient_exercise_data():
    """The data of notebook 04's "Check yourself": ``(δ (3, 3), w (3, 3), x_shape (9, 9), S = 3, P = 1)``."""
    rng = np.random.default_rng(2025)
    kernel = rng.integers(-2, 3, size=(3, 3)).astype(float)  # w (3, 3)
    dout = rng.integers(-2, 3, size=(3, 3)).astype(float)    # deltas (3, 3)
    return dout, kernel, (9, 9), 3, 1


_BY_KEY = {m.key: m for m in CORRELATION_MISTAKES}
FULL_AS_DX = Mistake(
    "full_result_as_dx", "that is the full result itself, not ∂E/∂x: it covers only the first "
    "S·(H_out-1) + KH rows (and S·(W_out-1) + KW columns) of ∂E/∂x_pad (H + 2P rows), starting in the "
    "padding. Put it into a zero ∂E/∂x_pad (the rows no window reads stay 0), then crop P on every side.")
INPUT_GRADIENT_MISTAKES = [Mistake(k, _BY_KEY[k].hint.replace("[:, :, ", "[").replace("w[f, c]", "w"))
                           for k in ("forgot_flip", "flipped_twice", "transpose_instead_of_rot180",
                                     "one_axis_flipped", "rotated_90_not_180", "not_dilated", "dilated_with_S_zeros",
                                     "dilated_with_S_minus_1", "zeros_on_the_wrong_side", "padding_not_cropped",
                                     "unread_missing", "crop_at_the_end")] + [FULL_AS_DX]
(FORGOT_FLIP, FLIPPED_TWICE, TRANSPOSED, ONE_AXIS, QUARTER, NOT_DILATED, DILATED_S, DILATED_S_MINUS_1, WRONG_SIDE,
 NOT_CROPPED, UNREAD_MISSING, CROP_AT_END, _) = INPUT_GRADIENT_MISTAKES


@checker
def check_input_gradient(answer, dout, kernel, x_shape, stride=1, pad=0):
    """Check ``∂E/∂x (H, W)`` of a one-channel layer given its deltas and kernel.

    ``dout (H_out, W_out)``, ``kernel (KH, KW)``, ``x_shape (H, W)``:

        ∂E/∂x_pad = full(dilate(δ, S) ⋆ rot180(w)), zero rows/columns appended where no
        window reads, then the padding P cropped.

    Reference: ``cnnlib.conv.conv2d_backward_naive``. Mistakes named, by the values they give
    (``INPUT_GRADIENT_MISTAKES``): the kernel not rotated, or rotated twice (eq. 21 as printed:
    the same numbers, both named), transposed, flipped along one axis, turned by 90 degrees;
    the deltas not dilated, dilated with S zeros, or by ``dilate(δ, S - 1)``; the full result
    handed in as it is (named first, with its size and that of ∂E/∂x_pad; when it has x's
    shape, the crop at the end gives the same numbers and is named too); the zeros put on the
    wrong side; the padding not cropped; the unread rows/columns missing; the crop taken at
    the end.
    """
    if not_answered(answer):
        return unanswered("input gradient")
    dout = np.asarray(dout, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    h, w_in = x_shape
    (sh, sw), (ph, pw) = as_pair(stride, "stride", 1), as_pair(pad, "pad", 0)
    kh, kw = kernel.shape
    expected, _ = _one_channel_gradients((h, w_in), kernel, dout, stride, pad)
    given = as_answer_array(answer, "input gradient")

    def full(k=kernel, s=(sh, sw)):
        """The full correlation with kernel rot180(k): (s·(H_out-1) + KH, s·(W_out-1) + KW)."""
        rows, cols = s[0] * (dout.shape[0] - 1) + k.shape[0], s[1] * (dout.shape[1] - 1) + k.shape[1]
        return _one_channel_gradients((rows, cols), k, dout, s, 0)[0]

    def finish(f, at_end=False, crop="middle"):
        dx_pad = np.zeros((h + 2 * ph, w_in + 2 * pw))
        if f.shape[0] > dx_pad.shape[0] or f.shape[1] > dx_pad.shape[1]:
            return None
        rows = slice(dx_pad.shape[0] - f.shape[0], None) if at_end else slice(0, f.shape[0])
        cols = slice(dx_pad.shape[1] - f.shape[1], None) if at_end else slice(0, f.shape[1])
        dx_pad[rows, cols] = f
        if crop is None:
            return dx_pad
        return dx_pad[:h, :w_in] if crop == "end" else dx_pad[ph:ph + h, pw:pw + w_in]

    def as_given(f):
        """A wrong full result as a learner hands it in: as it is, cropped by P, or finished."""
        return [f, f[ph:f.shape[0] - ph, pw:f.shape[1] - pw], finish(f)]

    right = full()
    mistakes = []
    if right.shape != (h + 2 * ph, w_in + 2 * pw):  # else the full result is ∂E/∂x_pad: not cropped
        here = Mistake(FULL_AS_DX.key, FULL_AS_DX.hint + (
            f" Here: the full result has {sh}·({dout.shape[0]}-1) + {kh} = {right.shape[0]} rows, the top of "
            f"∂E/∂x_pad ({h + 2 * ph} rows); ∂E/∂x is its rows {ph} to {ph + h - 1}."))
        mistakes.append((right, here))              # first: it is what the learner computed
    flipped = finish(full(rot180_(kernel)))          # correlated with w itself
    mistakes += [(flipped, FORGOT_FLIP), (flipped, FLIPPED_TWICE), (finish(full(rot180_(kernel.T))), TRANSPOSED)]
    mistakes += [(finish(full(k)), ONE_AXIS) for k in (kernel[:, ::-1], kernel[::-1, :])]
    mistakes += [(finish(full(rot180_(np.rot90(kernel, k)))), QUARTER) for k in (1, -1)]
    mistakes += [(v, NOT_DILATED) for v in as_given(full(s=(1, 1)))] if (sh, sw) != (1, 1) else []
    mistakes += [(v, DILATED_S) for v in as_given(full(s=(sh + 1, sw + 1)))]
    if sh > 1 and sw > 1:  # dilate(δ, S - 1) refuses a stride 0
        mistakes += [(v, DILATED_S_MINUS_1) for v in as_given(full(s=(sh - 1, sw - 1)))]
    mistakes += [(finish(right, at_end=True), WRONG_SIDE), (finish(right, crop=None), NOT_CROPPED),
                 (right[ph:right.shape[0] - ph, pw:right.shape[1] - pw], UNREAD_MISSING),
                 (right[ph:ph + h, pw:pw + w_in], UNREAD_MISSING), (finish(right, crop="end"), CROP_AT_END)]
    mistakes = [(v, m) for v, m in mistakes if v is not None]
    mistakes = [(v, m) for v, m in mistakes if not (np.shape(v) == expected.shape and np.allclose(v, expected))]
    shapes = {}
    for shape, hint in [((h + 2 * ph, w_in + 2 * pw), "the shape of ∂E/∂x_pad: crop P on every side."),
                        (right.shape, "the shape of the full result: put it into a zero ∂E/∂x_pad "
                                      "(rows no window reads stay 0), then crop P."),
                        ((dout.shape[0] + kh - 1, dout.shape[1] + kw - 1),
                         f"the shape of undilated deltas' full result: with stride {stride}, dilate first.")]:
        if shape != expected.shape:
            shapes[shape] = shapes[shape] + " Or: " + hint if shape in shapes else "this is " + hint
    return compare_answer("input gradient", given, expected, known_mistakes=mistakes, letters="u v",
                          shape_hints=list(shapes.items()))


def rot180_(k):
    return np.asarray(k)[::-1, ::-1]


CATALOGUE = {"check_input_gradient": INPUT_GRADIENT_MISTAKES,
             "check_pixel_gradient": PIXEL_MISTAKES,
             "check_input_gradient_by_correlation": CORRELATION_MISTAKES}

HINTS = {
    "check_input_gradient": (
        "Sections 6-8: a stride-$S$ layer is a stride-1 layer whose deltas are dilated; the input "
        "gradient of the padded input is a full correlation; rows no window reads get zero; the padding "
        "is cropped.",
        "The full result of the dilated $3\\times3$ deltas with a $3\\times3$ kernel has "
        "$3\\cdot(3-1)+1+3-1 = 9$ rows, but $x_{\\text{pad}}$ has $9 + 2 = 11$. Which of its rows "
        "does the full result cover, and what are the others?",
        "Dilate the deltas and fully correlate them with the rotated kernel: a $9\\times9$ result that "
        "covers padded rows and columns 0 to 8. Place it in the top-left corner of a zero "
        "$\\partial E/\\partial x_{\\text{pad}}$ of $11\\times11$ (rows 9 and 10 stay 0), then crop $P$ "
        "on every side.",
    ),
    "check_pixel_gradient": (
        "Sections 1, 6 and 7: $x[u, v]$ changes $E$ only through the outputs whose windows contain it, "
        "each through one weight. The windows are laid on $x_{\\text{pad}}$, where the pixel sits at "
        "row $u + P$, column $v + P$.",
        "Output $(i, j)$ reads $x_{\\text{pad}}[S i + m,\\ S j + q]$ through $w[f, c, m, q]$. For a kernel "
        "row $m$, which output row $i$ puts it on row $u + P$? It must be a whole number, and "
        "$0 \\le i < H_{out}$; otherwise no output reads the pixel through that row. (Or go the other "
        "way: for each output row $i$, which kernel row $m$ lands on the pixel, and is it inside the kernel?)",
        "Loops: `g = np.zeros((N, C))`; for each `m`: skip it unless `(u + P - m) % S == 0`; "
        "`i = (u + P - m) // S`; skip it unless `0 <= i < H_out`; the same for `q` and `j` inside; then "
        "for each filter `f` add the table of every image times every channel, "
        "`np.outer(dout[:, f, i, j], w[f, :, m, q])`.",
    ),
    "check_input_gradient_by_correlation": (
        "Sections 3-8: one channel of $\\partial E/\\partial x$ is a sum over the filters of full "
        "correlations; stride, padding and unread rows each add one step.",
        "For image $n$ and input channel $c$, filter $f$ contributes the full cross-correlation of its "
        "dilated deltas with the rotated kernel $w[f, c]$. That covers the first $S(H_{out}-1)+K_H$ rows "
        "of $x_{\\text{pad}}$, not all $H + 2P$ of them.",
        "Loops over `n` and `c`, each with its own zero $\\partial E/\\partial x_{\\text{pad}}$ "
        "($H + 2P$ by $W + 2P$). Inside, a loop over `f` adds filter $f$'s full result (section 6's "
        "formula for the pair $f, c$) into its top-left corner. After the loop over `f`, crop $P$ on "
        "every side into `dx[n, c]`.",
    ),
}

__all__ = ["input_gradient_exercise_data", "check_input_gradient", "check_pixel_gradient",
           "check_input_gradient_by_correlation", "CATALOGUE", "HINTS"]
