"""Notebook 04's exercises, right and with each typical mistake, written as a learner would.

- "Check yourself" (an array answer) on the notebook's own data (``input_gradient_exercise_data``:
  9x9, K = 3, S = 3, P = 1): the answer from the primitives, and each mistake as its slip;
- "Your turn" (b): ``input_gradient_by_correlation``, dilate -> pad -> correlate with rot180(w)
  -> place into a zero dx_pad -> crop, from the one-channel primitives.
("Your turn" (a), ``pixel_gradient``, is in ``nb04_pixel_gradient``.)
"""
import numpy as np

from cnnlib.correlate import convolve2d, cross_correlate2d, dilate, pad2d, rot180
from cnnlib.exercises.nb04_input_gradient import (check_input_gradient, check_input_gradient_by_correlation,
                                                  input_gradient_exercise_data)

from . import Entry, registry

# ------------------------------------------------------------ check yourself: ∂E/∂x, one channel
D_EX, W_EX, XS_EX, S_EX, P_EX = input_gradient_exercise_data()


def _finish(full, start=0):
    dx_pad = np.zeros((11, 11))                          # x_pad is 9 + 2 = 11 wide
    dx_pad[start:start + full.shape[0], start:start + full.shape[1]] = full
    return dx_pad[1:10, 1:10]                            # crop P = 1


FULL = cross_correlate2d(dilate(D_EX, 3), rot180(W_EX), mode="full")    # (9, 9): x_pad rows 0..8
DX_RIGHT = _finish(FULL)
DX_MUTANTS = {
    "forgot_flip": _finish(cross_correlate2d(dilate(D_EX, 3), W_EX, mode="full")),
    "flipped_twice": _finish(convolve2d(dilate(D_EX, 3), rot180(W_EX), mode="full")),     # eq. 21
    "transpose_instead_of_rot180": _finish(cross_correlate2d(dilate(D_EX, 3), W_EX.T, mode="full")),
    "one_axis_flipped": _finish(cross_correlate2d(dilate(D_EX, 3), np.flipud(W_EX), mode="full")),
    "rotated_90_not_180": _finish(cross_correlate2d(dilate(D_EX, 3), np.rot90(W_EX), mode="full")),
    "not_dilated": _finish(cross_correlate2d(D_EX, rot180(W_EX), mode="full")),           # 5x5 placed
    "dilated_with_S_zeros": _finish(cross_correlate2d(dilate(D_EX, 4), rot180(W_EX), mode="full")),
    "dilated_with_S_minus_1": _finish(cross_correlate2d(dilate(D_EX, S_EX - 1), rot180(W_EX), mode="full")),
    "zeros_on_the_wrong_side": _finish(FULL, start=2),
    "padding_not_cropped": np.pad(FULL, ((0, 2), (0, 2))),                                 # (11, 11)
    "unread_missing": FULL[1:-1, 1:-1],                                                    # (7, 7)
    "crop_at_the_end": np.pad(FULL, ((0, 2), (0, 2)))[:9, :9],
    "full_result_as_dx": FULL,                                                             # (9, 9), as it is
}
DX_MORE = {  # other ways to the same mistakes
    "one_axis_flipped": _finish(cross_correlate2d(dilate(D_EX, 3), np.fliplr(W_EX), mode="full")),
    "rotated_90_not_180": _finish(cross_correlate2d(dilate(D_EX, 3), np.rot90(W_EX, -1), mode="full")),
    "not_dilated": cross_correlate2d(D_EX, rot180(W_EX), mode="full"),                    # (5, 5)
    "dilated_with_S_zeros": cross_correlate2d(dilate(D_EX, 4), rot180(W_EX), mode="full"),  # (11, 11)
    "unread_missing": FULL[1:10, 1:10],                                                    # (8, 8)
    "dilated_with_S_minus_1": cross_correlate2d(dilate(D_EX, S_EX - 1), rot180(W_EX), mode="full"),  # (7, 7)
}


# ------------------------------------------------------------ your turn (b): from the primitives

def input_gradient_by_correlation(dout, w, x_shape, stride, pad):
    N, C, H, W = x_shape
    F, _, KH, KW = w.shape
    dx = np.zeros(x_shape)
    for n in range(N):
        for c in range(C):
            dx_pad = np.zeros((H + 2 * pad, W + 2 * pad))
            for f in range(F):
                spread = pad2d(dilate(dout[n, f], stride), (KH - 1, KW - 1))   # dilate, then pad
                full = cross_correlate2d(spread, rot180(w[f, c]))              # valid = the full result
                dx_pad[:full.shape[0], :full.shape[1]] += full                  # unread rows stay 0
            dx[n, c] = dx_pad[pad:pad + H, pad:pad + W]
    return dx


CORRELATION, wrong = registry()


def _primitives(dout, w, x_shape, stride, pad, kernel=None, spread=None, full_fn=None, add=None, crop=None,
                channel=None):
    """The right route with one step replaced."""
    N, C, H, W = x_shape
    F, _, KH, KW = w.shape
    dx = np.zeros(x_shape)
    for n in range(N):
        for c in range(C):
            dx_pad = np.zeros((H + 2 * pad, W + 2 * pad))
            for f in range(F):
                k = w[c, f] if channel else w[f, c]
                d = spread(dout[n, f]) if spread else dilate(dout[n, f], stride)
                if full_fn:
                    full = full_fn(d, k)
                else:
                    full = cross_correlate2d(d, kernel(k) if kernel else rot180(k), mode="full")
                if add:
                    add(dx_pad, full)
                else:
                    dx_pad[:full.shape[0], :full.shape[1]] += full
            dx[n, c] = crop(dx_pad) if crop else dx_pad[pad:pad + H, pad:pad + W]
    return dx


@wrong("forgot_flip")
def _(dout, w, x_shape, stride, pad):
    return _primitives(dout, w, x_shape, stride, pad, kernel=lambda k: k)


@wrong("flipped_twice")
def _(dout, w, x_shape, stride, pad):
    return _primitives(dout, w, x_shape, stride, pad, full_fn=lambda d, k: convolve2d(d, rot180(k), mode="full"))


@wrong("transpose_instead_of_rot180")
def _(dout, w, x_shape, stride, pad):
    return _primitives(dout, w, x_shape, stride, pad, kernel=lambda k: k.T)


@wrong("one_axis_flipped")
def _(dout, w, x_shape, stride, pad):
    return _primitives(dout, w, x_shape, stride, pad, kernel=np.flipud)


@wrong("rotated_90_not_180")
def _(dout, w, x_shape, stride, pad):
    return _primitives(dout, w, x_shape, stride, pad, kernel=np.rot90)


@wrong("not_dilated")
def _(dout, w, x_shape, stride, pad):
    return _primitives(dout, w, x_shape, stride, pad, spread=lambda d: d)


@wrong("dilated_with_S_zeros")
def _(dout, w, x_shape, stride, pad):
    return _primitives(dout, w, x_shape, stride, pad, spread=lambda d: dilate(d, stride + 1))


@wrong("dilated_with_S_minus_1")
def _(dout, w, x_shape, stride, pad):
    return _primitives(dout, w, x_shape, stride, pad, spread=lambda d: dilate(d, stride - 1))


@wrong("zeros_on_the_wrong_side")
def _(dout, w, x_shape, stride, pad):
    def add(dx_pad, full):
        dx_pad[dx_pad.shape[0] - full.shape[0]:, dx_pad.shape[1] - full.shape[1]:] += full
    return _primitives(dout, w, x_shape, stride, pad, add=add)


@wrong("padding_not_cropped")
def _(dout, w, x_shape, stride, pad):
    N, C, H, W = x_shape
    target = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    for n in range(N):
        for c in range(C):
            for f in range(w.shape[0]):
                full = cross_correlate2d(dilate(dout[n, f], stride), rot180(w[f, c]), mode="full")
                target[n, c, :full.shape[0], :full.shape[1]] += full
    return target


@wrong("unread_missing")
def _(dout, w, x_shape, stride, pad):
    images = []
    for n in range(x_shape[0]):
        channels = []
        for c in range(x_shape[1]):
            total = sum(cross_correlate2d(dilate(dout[n, f], stride), rot180(w[f, c]), mode="full")
                        for f in range(w.shape[0]))
            channels.append(total[pad:total.shape[0] - pad, pad:total.shape[1] - pad])   # crop P
        images.append(channels)
    return np.array(images)


@wrong("crop_at_the_end")
def _(dout, w, x_shape, stride, pad):
    H, W = x_shape[2:]
    return _primitives(dout, w, x_shape, stride, pad, crop=lambda dx_pad: dx_pad[:H, :W])


@wrong("crop_minus_zero")
def _(dout, w, x_shape, stride, pad):
    return _primitives(dout, w, x_shape, stride, pad, crop=lambda dx_pad: dx_pad[pad:-pad, pad:-pad])


@wrong("c_f_swapped")
def _(dout, w, x_shape, stride, pad):
    return _primitives(dout, w, x_shape, stride, pad, channel=True)


def _one_filter_per_channel(dout, w, x_shape, stride, pad, filter_of):
    """No loop over the filters: channel c takes filter ``filter_of(c)`` only."""
    N, C, H, W = x_shape
    dx = np.zeros(x_shape)
    for n in range(N):
        for c in range(C):
            dx_pad = np.zeros((H + 2 * pad, W + 2 * pad))
            f = filter_of(c)
            full = cross_correlate2d(dilate(dout[n, f], stride), rot180(w[f, c]), mode="full")
            dx_pad[:full.shape[0], :full.shape[1]] += full
            dx[n, c] = dx_pad[pad:pad + H, pad:pad + W]
    return dx


@wrong("first_filter_only")
def _(dout, w, x_shape, stride, pad):
    return _one_filter_per_channel(dout, w, x_shape, stride, pad, lambda c: 0)


@wrong("filter_equals_channel")
def _(dout, w, x_shape, stride, pad):
    return _one_filter_per_channel(dout, w, x_shape, stride, pad, lambda c: c)


@wrong("overwrite_not_add")
def _(dout, w, x_shape, stride, pad):
    def add(dx_pad, full):
        dx_pad[:full.shape[0], :full.shape[1]] = full
    return _primitives(dout, w, x_shape, stride, pad, add=add)


def _not_dilated_formula_size(dout, w, x_shape, stride, pad):
    """Placed with the size formula S·(H_out - 1) + KH: the undilated result does not fit."""
    KH, KW = w.shape[2:]
    rows, cols = stride * (dout.shape[2] - 1) + KH, stride * (dout.shape[3] - 1) + KW

    def add(dx_pad, full):
        dx_pad[:rows, :cols] += full
    return _primitives(dout, w, x_shape, stride, pad, spread=lambda d: d, add=add)


def _unread_missing_into_dx(dout, w, x_shape, stride, pad):
    """The zero rows forgotten, the short crop written into a preallocated dx (which fails)."""
    N, C, H, W = x_shape
    dx = np.zeros(x_shape)
    for n in range(N):
        for c in range(C):
            total = sum(cross_correlate2d(dilate(dout[n, f], stride), rot180(w[f, c]), mode="full")
                        for f in range(w.shape[0]))
            dx[n, c] = total[pad:pad + H, pad:pad + W]
    return dx


CORRELATION_MORE = {"not_dilated": _not_dilated_formula_size, "unread_missing": _unread_missing_into_dx,
                    "one_axis_flipped": lambda *a: _primitives(*a, kernel=np.fliplr)}

_TWINS = (frozenset({"forgot_flip", "flipped_twice"}),)
# the Check yourself's full result is 9x9, x's shape: handing it in as it is and cropping dx_pad
# at the end ([:H, :W]) give the same numbers
_TWINS_CHECK = _TWINS + (frozenset({"full_result_as_dx", "crop_at_the_end"}),)

ENTRIES = [
    Entry("check_input_gradient", lambda answer: check_input_gradient(answer, D_EX, W_EX, XS_EX, S_EX, P_EX),
          DX_RIGHT, DX_MUTANTS, _TWINS_CHECK),
    Entry("check_input_gradient", lambda answer: check_input_gradient(answer, D_EX, W_EX, XS_EX, S_EX, P_EX),
          DX_RIGHT, DX_MORE, _TWINS_CHECK),
    Entry("check_input_gradient_by_correlation", check_input_gradient_by_correlation,
          input_gradient_by_correlation, CORRELATION, _TWINS),
    Entry("check_input_gradient_by_correlation", check_input_gradient_by_correlation,
          input_gradient_by_correlation, CORRELATION_MORE, _TWINS),
]
