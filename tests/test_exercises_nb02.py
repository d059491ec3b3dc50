"""Tests of cnnlib/exercises/nb02_conv_forward.py: notebook 02's checkers (the Your-turn
exercise is tested through its mutants in test_mistake_catalogue.py).

Pattern: the reference answer passes (returns True); each kind of wrong answer is
rejected with a message that says what is wrong (``match=``).
"""
import numpy as np
import pytest

from cnnlib.conv import conv2d_forward_naive, conv_output_shape
from cnnlib.data import teaching_example
from cnnlib.exercises import (WrongAnswer, check_conv_output_cell, check_conv_output_shape)


# ------------------------------------------------------- 02: the conv layer


def test_check_conv_output_shape():
    ex = teaching_example()
    assert check_conv_output_shape((1, 1, 3, 3), ex.x.shape, ex.w.shape, ex.stride, ex.pad)
    assert check_conv_output_shape(conv_output_shape((2, 3, 32, 32), (6, 3, 5, 5), 1, 2),
                                   (2, 3, 32, 32), (6, 3, 5, 5), 1, 2)
    with pytest.raises(WrongAnswer, match="stride was left out"):
        check_conv_output_shape((1, 1, 5, 5), ex.x.shape, ex.w.shape, 2, 0)
    with pytest.raises(WrongAnswer, match="padding was left out"):
        check_conv_output_shape((2, 6, 28, 28), (2, 3, 32, 32), (6, 3, 5, 5), 1, 2)
    with pytest.raises(WrongAnswer, match="one entry per filter"):
        check_conv_output_shape((2, 3, 32, 32), (2, 3, 32, 32), (6, 3, 5, 5), 1, 2)
    with pytest.raises(WrongAnswer, match=r"expected 4 numbers"):
        check_conv_output_shape((3, 3), ex.x.shape, ex.w.shape, 2, 0)
    with pytest.raises(WrongAnswer, match="whole numbers"):
        check_conv_output_shape((1, 1, 3.5, 3.5), ex.x.shape, ex.w.shape, 2, 0)


@pytest.fixture
def layer():
    ex = teaching_example(channels=2, filters=2, seed=1)
    b = ex.b + 1  # make sure no bias is zero, so a forgotten bias is visible
    out, _ = conv2d_forward_naive(ex.x, ex.w, b, 2, 1)
    return ex.x, ex.w, b, out


def test_check_conv_output_cell_accepts_reference(layer):
    x, w, b, out = layer
    for (i, j) in [(0, 0), (1, 2), (3, 3)]:
        assert check_conv_output_cell(out[0, 1, i, j], x, w, b, 2, 1, 0, 1, i, j)


def test_check_conv_output_cell_names_mistakes(layer):
    x, w, b, out = layer
    with pytest.raises(WrongAnswer, match="bias"):
        check_conv_output_cell(out[0, 1, 1, 2] - b[1], x, w, b, 2, 1, 0, 1, 1, 2)
    x_pad = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    no_stride = np.sum(x_pad[0, :, 1:4, 2:5] * w[1]) + b[1]
    flipped = np.sum(x_pad[0, :, 2:5, 4:7] * w[1, :, ::-1, ::-1]) + b[1]
    right, no_bias = out[0, 1, 1, 2], out[0, 1, 1, 2] - b[1]
    assert len({float(v) for v in (right, no_bias, no_stride, flipped)}) == 4, "mistakes must differ here"
    with pytest.raises(WrongAnswer, match="stride was left out"):
        check_conv_output_cell(no_stride, x, w, b, 2, 1, 0, 1, 1, 2)
    with pytest.raises(WrongAnswer, match="flipped"):
        check_conv_output_cell(flipped, x, w, b, 2, 1, 0, 1, 1, 2)
    with pytest.raises(WrongAnswer, match=r"out\[0, 1, 1, 2\]: wrong value: given"):
        check_conv_output_cell(out[0, 1, 1, 2] + 0.25, x, w, b, 2, 1, 0, 1, 1, 2)
