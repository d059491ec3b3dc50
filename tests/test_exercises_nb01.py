"""Tests of cnnlib/exercises/nb01_flip.py: notebook 01's checker.

Pattern: the reference answer passes (returns True); each kind of wrong answer is
rejected with a message that says what is wrong (``match=``).
"""
import numpy as np
import pytest

from cnnlib.correlate import convolve2d, cross_correlate2d, rot180
from cnnlib.exercises import (WrongAnswer, check_convolution_via_correlation)


# ------------------------------------------------------------- 01: the flip

IMAGE = np.array([[1.0, 2, 0, 3], [4, 1, 2, 0], [0, 3, 1, 1]])
KERNEL = np.array([[1.0, 2], [-1, 0]])


@pytest.mark.parametrize("mode", ["valid", "full"])
def test_check_convolution_accepts_rotated_correlation(mode):
    answer = cross_correlate2d(IMAGE, rot180(KERNEL), mode)
    assert check_convolution_via_correlation(answer, IMAGE, KERNEL, mode)


@pytest.mark.parametrize("kernel, hint", [
    (KERNEL, "not rotated"),
    (KERNEL[::-1, :], "up-down only"),
    (KERNEL[:, ::-1], "left-right only"),
    (KERNEL.T, "transposed"),
])
def test_check_convolution_names_the_flip_mistake(kernel, hint):
    with pytest.raises(WrongAnswer, match=hint):
        check_convolution_via_correlation(cross_correlate2d(IMAGE, kernel, "full"), IMAGE, KERNEL, "full")


def test_check_convolution_wrong_mode_shape():
    with pytest.raises(WrongAnswer, match=r"expected \(4, 5\), given \(2, 3\)\n.*valid result"):
        check_convolution_via_correlation(convolve2d(IMAGE, KERNEL, "valid"), IMAGE, KERNEL, "full")


def test_check_convolution_does_not_change_inputs():
    image, kernel = IMAGE.copy(), KERNEL.copy()
    check_convolution_via_correlation(convolve2d(image, kernel, "full"), image, kernel, "full")
    assert np.array_equal(image, IMAGE) and np.array_equal(kernel, KERNEL)
