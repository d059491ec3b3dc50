"""Notebook 04's "Your turn" (b): the learner writes the input gradient from the one-channel primitives.

    input_gradient_by_correlation(dout, w, x_shape, stride, pad) -> dx

    dx_pad[n, c] = Σ_f full(dilate(δ[n, f], S) ⋆ rot180(w[f, c])), zeros where no window reads;
    dx = dx_pad cropped by P

The checker runs the function on hidden geometries (the notebook's example first, 9x9 with
K = 3, S = 3, P = 1: a real row and column no window reads; overlapping windows; C != F;
non-square shapes; no padding). The mistakes' models are cnnlib's loop backward
(``conv2d_backward_naive``) on altered inputs, followed by the finishing steps a learner
takes (place the full result into a zero ``dx_pad``, crop ``P``), each step altered by one slip.
(Your turn (a), the gradient of one pixel gathered from the outputs that read it, is
``nb04_pixel_gradient``.)
"""
import numpy as np

from ..conv import conv2d_backward_naive, conv2d_forward_naive
from .function_exercise import RAISES, Case, FunctionExercise, FunctionMistake, Output, Raises, Variants


def input_gradient_example():
    """The notebook's example, geometry 0 of the checker: ``(dout, w, x_shape, stride, pad)`` with
    ``x_shape (N, C, H, W) = (2, 2, 9, 9)``, ``w (F, C, KH, KW) = (3, 2, 3, 3)``, stride 3, padding 1,
    so ``dout (N, F, H_out, W_out) = (2, 3, 3, 3)``; the windows read padded rows 0..8 of 0..10,
    so the real row 8 and column 8 are never read."""
    rng = np.random.default_rng(404)
    w = rng.integers(-3, 4, size=(3, 2, 3, 3)).astype(float)
    dout = rng.integers(-3, 4, size=(2, 3, 3, 3)).astype(float)
    return dout, w, (2, 2, 9, 9), 3, 1


def _reference(dout, w, x_shape, stride, pad):
    """dx (N, C, H, W) by cnnlib's loop backward (the input's values do not enter dx)."""
    _, cache = conv2d_forward_naive(np.zeros(x_shape), w, np.zeros(w.shape[0]), stride, pad)
    return conv2d_backward_naive(dout, cache)[0]


def _full(dout, w, stride):
    """The full result Σ_f full(dilate(δ, S) ⋆ rot180(w)): dx_pad of the rows some window reads,
    shape (N, C, S·(H_out-1) + KH, S·(W_out-1) + KW)."""
    (n_img, _, h_out, w_out), (_, n_chan, kh, kw) = dout.shape, w.shape
    return _reference(dout, w, (n_img, n_chan, stride * (h_out - 1) + kh, stride * (w_out - 1) + kw), stride, 0)


def _finish(full, x_shape, pad, at_end=False, crop="middle"):
    """Put ``full`` into a zero dx_pad (top-left, or ``at_end``: bottom-right), then crop:
    ``"middle"`` [P:P+H] (right), ``"end"`` [:H], ``None`` (dx_pad itself); RAISES if it does not fit."""
    n_img, n_chan, h, w_in = x_shape
    dx_pad = np.zeros((n_img, n_chan, h + 2 * pad, w_in + 2 * pad))
    rows, cols = full.shape[2:]
    if rows > dx_pad.shape[2] or cols > dx_pad.shape[3]:
        return RAISES  # a slice of dx_pad cut short does not take the larger array
    if at_end:
        dx_pad[:, :, dx_pad.shape[2] - rows:, dx_pad.shape[3] - cols:] = full
    else:
        dx_pad[:, :, :rows, :cols] = full
    if crop is None:
        return dx_pad
    return dx_pad[:, :, :h, :w_in] if crop == "end" else dx_pad[:, :, pad:pad + h, pad:pad + w_in]


def _placed(full, right_full, x_shape, pad):
    """The wrong-sized full result, placed by its own shape or (RAISES) by the right shape's formula."""
    by_formula = RAISES if full.shape != right_full.shape else _finish(full, x_shape, pad)
    return Variants([_finish(full, x_shape, pad), by_formula])


# ------------------------------------------------------------- the finishing steps' models

def _crop_at_the_end(dout, w, x_shape, stride, pad):
    full = _full(dout, w, stride)
    # the padding ignored: dx itself is filled, which fails where the read rows run past H
    ignored = RAISES if full.shape[2] > x_shape[2] or full.shape[3] > x_shape[3] else \
        _finish(full, x_shape, 0)
    return Variants([_finish(full, x_shape, pad, crop="end"), ignored])


def _crop_minus_zero(dout, w, x_shape, stride, pad):
    # the empty crop is returned as it is, or does not fit into a dx of shape (N, C, H, W)
    if pad > 0:
        return _reference(dout, w, x_shape, stride, pad)  # no slip without padding to crop
    return Variants([np.zeros(tuple(x_shape[:2]) + (0, 0)), RAISES])


def _c_f_swapped(dout, w, x_shape, stride, pad):
    if w.shape[0] != w.shape[1]:
        return RAISES  # w[c, f] runs out of range
    return _reference(dout, w.transpose(1, 0, 2, 3), x_shape, stride, pad)


# ------------------------------------------------------------- the mistakes' models

def _wrong_full(make):
    """A mistake in the full result: ``make(dout, w, stride)`` is what the learner correlated."""
    def model(dout, w, x_shape, stride, pad):
        return _placed(make(dout, w, stride), _full(dout, w, stride), x_shape, pad)
    return model


def _unread_missing(dout, w, x_shape, stride, pad):
    full = _full(dout, w, stride)
    (_, _, h, w_in), (rows, cols) = x_shape, full.shape[2:]
    short = [full[:, :, pad:rows - pad, pad:cols - pad], full[:, :, pad:pad + h, pad:pad + w_in]]
    # the short crop returned as it is, or written into a dx of shape (N, C, H, W), which fails
    fails = [Raises(ValueError, "could not broadcast input array") for s in short if s.shape != tuple(x_shape)]
    return Variants(short + fails)


def _quarter_turn(dout, w, x_shape, stride, pad):
    # correlated with np.rot90(w) (or np.rot90(w, -1)): it scatters rot180 of that
    turned = [np.rot90(w, k, axes=(2, 3))[..., ::-1, ::-1] for k in (1, -1)]
    right = _full(dout, w, stride)
    return Variants([v for t in turned for v in _placed(_full(dout, t, stride), right, x_shape, pad)])


def _one_filter(dout, w, x_shape, stride, pad):
    return _reference(dout[:, -1:], w[-1:], x_shape, stride, pad)


def _first_filter(dout, w, x_shape, stride, pad):
    return _reference(dout[:, :1], w[:1], x_shape, stride, pad)


def _filter_is_channel(dout, w, x_shape, stride, pad):
    # channel c from filter c only: dilate(δ[n, c]) with rot180(w[c, c]); no filter c where C > F
    n_filt, n_chan = w.shape[:2]
    if n_chan > n_filt:
        return Raises(IndexError, "out of bounds")
    diagonal = np.zeros_like(w)
    for c in range(n_chan):
        diagonal[c, c] = w[c, c]
    return _reference(dout, diagonal, x_shape, stride, pad)


def _dilated_by_s_minus_1(dout, w, x_shape, stride, pad):
    # dilate(δ, S - 1): S - 2 zeros between the deltas; dilate refuses a stride 0
    if stride == 1:
        return Raises(ValueError, "stride")
    return _placed(_full(dout, w, stride - 1), _full(dout, w, stride), x_shape, pad)


CORRELATION_MISTAKES = [
    FunctionMistake("forgot_flip", "the kernel was not rotated: ∂E/∂x is the full cross-correlation of the "
                    "dilated deltas with rot180(w[f, c]), not with w[f, c].",
                    lambda d, w, xs, s, p: _reference(d, w[..., ::-1, ::-1], xs, s, p)),
    FunctionMistake("flipped_twice", "two flips cancel: convolve2d flips its kernel already, so "
                    "convolve2d(δ, rot180(w)) is a correlation with w itself (the article's eq. 21 as "
                    "printed): use convolve2d(δ, w, 'full') or cross_correlate2d(δ, rot180(w), 'full').",
                    lambda d, w, xs, s, p: _reference(d, w[..., ::-1, ::-1], xs, s, p)),
    FunctionMistake("transpose_instead_of_rot180", "the kernel was transposed (w.T), not rotated: rot180 "
                    "turns it upside down and left to right, rot180(w)[m, q] = w[KH-1-m, KW-1-q].",
                    _wrong_full(lambda d, w, s: _full(d, w.transpose(0, 1, 3, 2)[..., ::-1, ::-1], s))),
    FunctionMistake("one_axis_flipped", "only one axis was flipped (up-down or left-right): rot180 flips "
                    "both, rot180(w)[m, q] = w[KH-1-m, KW-1-q] (w[::-1, ::-1]).",
                    lambda d, w, xs, s, p: Variants([_reference(d, w[..., :, ::-1], xs, s, p),
                                                     _reference(d, w[..., ::-1, :], xs, s, p)])),
    FunctionMistake("rotated_90_not_180", "the kernel was turned by 90 degrees, not 180: np.rot90(w) is a "
                    "quarter turn; rot180(w) = np.rot90(w, 2) = w[::-1, ::-1].", _quarter_turn),
    FunctionMistake("not_dilated", "the deltas were not dilated: with stride S, put S - 1 zeros between "
                    "neighbouring deltas first (dilate(δ, S)).", _wrong_full(lambda d, w, s: _full(d, w, 1))),
    FunctionMistake("dilated_with_S_zeros", "S zeros were put between the deltas: dilation inserts S - 1 "
                    "(dilate(δ, S) does it), so that neighbouring deltas sit S apart.",
                    _wrong_full(lambda d, w, s: _full(d, w, s + 1))),
    FunctionMistake("dilated_with_S_minus_1", "dilate(δ, S - 1) was called: dilate's second argument is the "
                    "stride S itself, and it puts the S - 1 zeros in, so call dilate(δ, S) (with S = 2, "
                    "dilate(δ, 1) leaves δ as it is).", _dilated_by_s_minus_1),
    FunctionMistake("zeros_on_the_wrong_side", "the zero rows/columns were put before the full result: "
                    "it starts at row 0 of dx_pad; the rows no window reads are the last ones.",
                    lambda d, w, xs, s, p: _finish(_full(d, w, s), xs, p, at_end=True)),
    FunctionMistake("padding_not_cropped", "the padding was not cropped: that is ∂E/∂x_pad (H + 2P by "
                    "W + 2P); return [:, :, P:P + H, P:P + W] of it.",
                    lambda d, w, xs, s, p: _finish(_full(d, w, s), xs, p, crop=None)),
    FunctionMistake("unread_missing", "the rows/columns that no window reads are missing: the full result "
                    "covers only S·(H_out-1) + KH rows of dx_pad; put it into a zero dx_pad of H + 2P "
                    "rows first (the unread rows stay 0), then crop P.", _unread_missing),
    FunctionMistake("crop_at_the_end", "the crop is off by P (or the padding was ignored): x[u, v] sits at "
                    "x_pad[u + P, v + P], so take dx_pad[:, :, P:P + H, P:P + W], not [:H, :W].",
                    _crop_at_the_end),
    FunctionMistake("crop_minus_zero", "with P = 0, dx_pad[..., P:-P] is empty (-0 is 0): crop with "
                    "[P:P + H, P:P + W] instead.", _crop_minus_zero),
    FunctionMistake("c_f_swapped", "the filter and channel axes are swapped: channel c of dx sums over the "
                    "filters f the correlations with rot180(w[f, c]); w has shape (F, C, KH, KW).", _c_f_swapped),
    FunctionMistake("first_filter_only", "only filter f = 0 counts: every filter reads every channel, so "
                    "channel c of dx collects from all F filters: sum over f of the full correlations of "
                    "δ[n, f] with rot180(w[f, c]) (section 5, the depth question).", _first_filter),
    FunctionMistake("filter_equals_channel", "only the filter f = c counts: channel c is read by every filter, "
                    "not just by filter c, so it collects from all F filters: sum over f of the full "
                    "correlations of δ[n, f] with rot180(w[f, c]) (section 5, the depth question).",
                    _filter_is_channel),
    FunctionMistake("overwrite_not_add", "only the last filter counts: channel c of dx is the sum over all F "
                    "filters of their full correlations; add (+=), do not overwrite.", _one_filter),
]


def _cases():
    rng = np.random.default_rng(4)
    geometries = [  # N, C, F, H, W, KH, KW, S, P, label
        (1, 1, 1, 7, 7, 3, 3, 2, 0, "the course's 7x7 example: 1 image, 1 channel, 1 filter, 3x3, stride 2 "
                                    "(windows overlap)"),
        (2, 3, 2, 8, 7, 3, 2, 2, 1, "2 images, C=3, F=2, 8x7, a 3x2 kernel, stride 2, padding 1"),
        (2, 2, 2, 6, 9, 3, 3, 1, 2, "2 images, C=F=2, 6x9, 3x3, stride 1, padding 2"),
        (1, 2, 4, 10, 8, 4, 4, 3, 0, "1 image, C=2, F=4, 10x8, 4x4, stride 3, no padding "
                                     "(the last column unread)"),
    ]
    cases = [Case("the notebook's example: 2 images, C=2, F=3, 9x9, 3x3, stride 3, padding 1 "
                  "(the last row and column unread)", input_gradient_example())]
    for n, c, f, h, w_in, kh, kw, s, p, label in geometries:
        w = rng.integers(-3, 4, size=(f, c, kh, kw)).astype(float)
        h_out, w_out = (h + 2 * p - kh) // s + 1, (w_in + 2 * p - kw) // s + 1
        dout = rng.integers(-3, 4, size=(n, f, h_out, w_out)).astype(float)
        cases.append(Case(label, (dout, w, (n, c, h, w_in), s, p)))
    return cases


_PARAMS = ("dout", "w", "x_shape", "stride", "pad")
_OUTPUT = [Output("dx", "n c u v", "N C H W")]

check_input_gradient_by_correlation = FunctionExercise(
    "input_gradient_by_correlation", _PARAMS, _OUTPUT, reference=_reference, cases=_cases,
    mistakes=CORRELATION_MISTAKES, twins=[{"forgot_flip", "flipped_twice"}],
    equation="dx_pad[n, c] = Σ_f full(dilate(δ[n, f], S) ⋆ rot180(w[f, c])) (zeros where unread); "
             "dx = dx_pad[:, :, P:P+H, P:P+W]")
