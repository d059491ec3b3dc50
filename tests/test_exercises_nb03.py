"""Tests of cnnlib/exercises/nb03_kernel_gradient.py: notebook 03's checkers.

Pattern: the reference answer passes (returns True); each kind of wrong answer is
rejected with a message that says what is wrong (``match=``).
"""
import numpy as np
import pytest

from cnnlib.conv import conv2d_forward_naive
from cnnlib.correlate import cross_correlate2d, rot180
from cnnlib.data import teaching_example
from cnnlib.exercises import WrongAnswer


# ------------------------------------------- 03/04: kernel, bias and input gradient checkers

def _gradients_3_4(x, w, dout, stride, pad):
    from cnnlib.conv import conv2d_backward_naive
    _, cache = conv2d_forward_naive(x[None, None], w[None, None], np.zeros(1), stride, pad)
    dx, dw, _ = conv2d_backward_naive(dout[None, None], cache)
    return dx[0, 0], dw[0, 0]


def test_check_kernel_gradient_accepts_reference_and_names_mistakes():
    from cnnlib.correlate import dilate
    from cnnlib.exercises import check_kernel_gradient
    ex = teaching_example(seed=3)
    x, w, d = ex.x[0, 0], ex.w[0, 0], ex.dout[0, 0]
    _, dw = _gradients_3_4(x, w, d, 2, 0)
    assert check_kernel_gradient(dw, x, d, (3, 3), 2)
    assert check_kernel_gradient(cross_correlate2d(x, dilate(d, 2)), x, d, (3, 3), 2)
    with pytest.raises(WrongAnswer, match="rotated by 180"):
        check_kernel_gradient(cross_correlate2d(x, rot180(dilate(d, 2))), x, d, (3, 3), 2)
    with pytest.raises(WrongAnswer, match="not dilated|dilate"):
        check_kernel_gradient(cross_correlate2d(x, d), x, d, (3, 3), 2)
    with pytest.raises(WrongAnswer, match="stride was ignored"):
        check_kernel_gradient(cross_correlate2d(x, d)[:3, :3], x, d, (3, 3), 2)
    with pytest.raises(WrongAnswer, match="deltas are missing"):
        check_kernel_gradient(cross_correlate2d(x, dilate(np.ones_like(d), 2)), x, d, (3, 3), 2)
    with pytest.raises(WrongAnswer, match="wrong values"):
        check_kernel_gradient(dw + 0.5, x, d, (3, 3), 2)


def test_check_bias_gradient():
    from cnnlib.exercises import check_bias_gradient
    dout = np.arange(2 * 3 * 2 * 2, dtype=float).reshape(2, 3, 2, 2) - 10
    assert check_bias_gradient(dout.sum(axis=(0, 2, 3)), dout)
    with pytest.raises(WrongAnswer, match="mean"):
        check_bias_gradient(dout.mean(axis=(0, 2, 3)), dout)
    with pytest.raises(WrongAnswer, match="first image"):
        check_bias_gradient(dout[0].sum(axis=(1, 2)), dout)
    with pytest.raises(WrongAnswer, match="wrong shape"):
        check_bias_gradient(dout.sum(), dout)
