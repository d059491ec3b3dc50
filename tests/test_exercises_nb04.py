"""Tests of cnnlib/exercises/nb04_input_gradient.py: notebook 04's checkers.

Pattern: the reference answer passes (returns True); each kind of wrong answer is
rejected with a message that says what is wrong (``match=``).
"""
import numpy as np
import pytest

from cnnlib.conv import conv2d_forward_naive
from cnnlib.correlate import cross_correlate2d, rot180
from cnnlib.exercises import WrongAnswer


def _gradients_3_4(x, w, dout, stride, pad):
    from cnnlib.conv import conv2d_backward_naive
    _, cache = conv2d_forward_naive(x[None, None], w[None, None], np.zeros(1), stride, pad)
    dx, dw, _ = conv2d_backward_naive(dout[None, None], cache)
    return dx[0, 0], dw[0, 0]


def test_check_input_gradient_accepts_reference_and_names_mistakes():
    from cnnlib.correlate import dilate
    from cnnlib.exercises import check_input_gradient
    rng = np.random.default_rng(7)
    w = rng.integers(-2, 3, size=(3, 3)).astype(float)
    d = rng.integers(-2, 3, size=(4, 4)).astype(float)    # 8x8 input, pad 1, stride 2 -> 4x4
    dx, _ = _gradients_3_4(np.zeros((8, 8)), w, d, 2, 1)
    assert check_input_gradient(dx, d, w, (8, 8), 2, 1)
    full = cross_correlate2d(dilate(d, 2), rot180(w), "full")        # (9, 9): rows 0..8 of the 10x10 x_pad
    with pytest.raises(WrongAnswer, match="before cropping"):
        check_input_gradient(full, d, w, (8, 8), 2, 1)
    with pytest.raises(WrongAnswer, match="not dilated"):
        check_input_gradient(cross_correlate2d(d, rot180(w), "full"), d, w, (8, 8), 2, 1)
    padded = np.pad(full, ((0, 1), (0, 1)))                          # (10, 10) = x_pad
    with pytest.raises(WrongAnswer, match="padding was not cropped"):
        check_input_gradient(padded, d, w, (8, 8), 2, 1)
    with pytest.raises(WrongAnswer, match="no window reads"):
        check_input_gradient(full[1:-1, 1:-1], d, w, (8, 8), 2, 1)
    not_rotated = np.pad(cross_correlate2d(dilate(d, 2), w, "full"), ((0, 1), (0, 1)))[1:-1, 1:-1]
    with pytest.raises(WrongAnswer, match="not rotated"):
        check_input_gradient(not_rotated, d, w, (8, 8), 2, 1)
    with pytest.raises(WrongAnswer, match="wrong values"):
        check_input_gradient(dx + 1.0, d, w, (8, 8), 2, 1)
