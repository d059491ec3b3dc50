"""Tests of cnnlib/exercises/nb05_relu_pooling.py: notebook 05's checkers.

Pattern: the reference answer passes (returns True); each kind of wrong answer is
rejected with a message that says what is wrong (``match=``).
"""
import numpy as np
import pytest

from cnnlib.conv import conv2d_forward_naive
from cnnlib.correlate import convolve2d, cross_correlate2d
from cnnlib.exercises import WrongAnswer


# ------------------------------------------------------------- 05: conv -> relu -> pool


def _chain_05():
    """The exercise of notebook 05: a window that is all negative (ties of zeros after ReLU)."""
    rng = np.random.default_rng(21)
    x = rng.integers(-3, 6, size=(5, 5)).astype(float)
    w = np.array([[1., -1.], [2., 0.]])
    delta_p = np.array([[1., -2.], [3., 1.]])
    return x, w, 0.5, delta_p


def _chain_05_dw(x, w, b, delta_p, mode="max"):
    """∂E/∂w by the loop versions, with the pooling backward chosen by ``mode``."""
    from cnnlib.conv import conv2d_backward_naive
    from cnnlib.pool import (avgpool2d_backward_naive, avgpool2d_forward_naive,
                             maxpool2d_backward_naive, maxpool2d_forward_naive)
    z, cache = conv2d_forward_naive(x[None, None], w[None, None], np.array([b]))
    a = np.maximum(z, 0)
    if mode == "max":
        da = maxpool2d_backward_naive(delta_p[None, None], maxpool2d_forward_naive(a, 2)[1])
    else:
        da = avgpool2d_backward_naive(delta_p[None, None], avgpool2d_forward_naive(a, 2)[1])
    return conv2d_backward_naive(da * (z > 0), cache)[1][0, 0], z[0, 0], da[0, 0]


def test_check_conv_relu_pool_dw_accepts_reference():
    from cnnlib.exercises import check_conv_relu_pool_dw
    x, w, b, delta_p = _chain_05()
    dw, _, _ = _chain_05_dw(x, w, b, delta_p)
    copies = [v.copy() for v in (x, w, delta_p)]
    assert check_conv_relu_pool_dw(dw, x, w, b, delta_p)
    assert check_conv_relu_pool_dw(dw.tolist(), x, w, b, delta_p)
    for before, after in zip(copies, (x, w, delta_p)):
        assert np.array_equal(before, after)


def test_check_conv_relu_pool_dw_names_mistakes():
    from cnnlib.exercises import check_conv_relu_pool_dw
    x, w, b, delta_p = _chain_05()
    dw, z, da = _chain_05_dw(x, w, b, delta_p)
    no_mask = cross_correlate2d(x, da)
    assert not np.allclose(no_mask, dw)
    with pytest.raises(WrongAnswer, match="ReLU mask was forgotten"):
        check_conv_relu_pool_dw(no_mask, x, w, b, delta_p)
    dw_avg, _, _ = _chain_05_dw(x, w, b, delta_p, mode="avg")
    with pytest.raises(WrongAnswer, match="average pooling"):
        check_conv_relu_pool_dw(dw_avg, x, w, b, delta_p)
    with pytest.raises(WrongAnswer, match="convolution"):
        check_conv_relu_pool_dw(convolve2d(x, da * (z > 0)), x, w, b, delta_p)
    with pytest.raises(WrongAnswer, match="wrong shape"):
        check_conv_relu_pool_dw(np.zeros((3, 3)), x, w, b, delta_p)
    with pytest.raises(WrongAnswer, match="wrong values"):
        check_conv_relu_pool_dw(dw + 1.0, x, w, b, delta_p)


def test_check_conv_relu_pool_dw_names_every_tied_max():
    from cnnlib.exercises import check_conv_relu_pool_dw
    # a flat input with a positive bias: every pooling window is a four-way tie of b
    x, w, b, delta_p = np.zeros((5, 5)), np.array([[1., -1.], [2., 0.]]), 0.5, np.array([[1., -2.], [3., 1.]])
    dw, _, _ = _chain_05_dw(x, w, b, delta_p)
    assert check_conv_relu_pool_dw(dw, x, w, b, delta_p)
    x = np.arange(25.0).reshape(5, 5) % 2          # ties of positive values inside windows
    dw, z, _ = _chain_05_dw(x, w, b, delta_p)
    a = np.maximum(z, 0)
    p_up = np.repeat(np.repeat(a.reshape(2, 2, 2, 2).max(axis=(1, 3)), 2, 0), 2, 1)   # (4, 4)
    all_ties = np.where(a == p_up, np.repeat(np.repeat(delta_p, 2, 0), 2, 1), 0.0) * (z > 0)
    wrong = cross_correlate2d(x, all_ties)
    assert not np.allclose(wrong, dw)
    with pytest.raises(WrongAnswer, match="every tied maximum"):
        check_conv_relu_pool_dw(wrong, x, w, b, delta_p)


def test_check_conv_relu_pool_dw_rejects_bad_input():
    from cnnlib.exercises import check_conv_relu_pool_dw
    x, w, b, delta_p = _chain_05()
    with pytest.raises(ValueError, match="2-D"):
        check_conv_relu_pool_dw(np.zeros((2, 2)), x[None], w, b, delta_p)
    with pytest.raises(ValueError, match="dout"):
        check_conv_relu_pool_dw(np.zeros((2, 2)), x, w, b, np.zeros((3, 3)))
