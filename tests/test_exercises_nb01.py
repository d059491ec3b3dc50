"""Tests of cnnlib/exercises/nb01_flip.py: notebook 01's checker. Every catalogued mistake is
proven named by its mutant (tests/mutants/nb01_flip.py) in test_mistake_catalogue.py; here:
the exercise data, other kernels and modes, bad input, and the checker's own contract.
"""
import re

import numpy as np
import pytest

from cnnlib.correlate import convolve2d, cross_correlate2d, rot180
from cnnlib.exercises import WrongAnswer, check_convolution_via_correlation
from cnnlib.exercises.nb01_flip import FLIP_MISTAKES, TWINS, flip_exercise_data, flip_mistakes

IMAGE = np.array([[1.0, 2, 0, 3], [4, 1, 2, 0], [0, 3, 1, 1]])
KERNEL = np.array([[1.0, 2], [-1, 0]])


def _eq2(image, kernel):
    """Eq. 2 typed in: the full convolution as an explicit sum (no cnnlib)."""
    (h, w), (kh, kw) = image.shape, kernel.shape
    return np.array([[sum(image[i - m, j - q] * kernel[m, q] for m in range(kh) for q in range(kw)
                          if 0 <= i - m < h and 0 <= j - q < w)
                      for j in range(w + kw - 1)] for i in range(h + kh - 1)])


def test_the_exercise_data_tells_every_mistake_apart():
    A, B, mode = flip_exercise_data()
    right = _eq2(A, B)
    found = flip_mistakes(A, B, mode)
    assert {m for _, m in found} == set(FLIP_MISTAKES)
    twins = set().union(*TWINS)
    for k, (value, mistake) in enumerate(found):
        assert value.shape != right.shape or not np.allclose(value, right), f"{mistake.key} gives the answer"
        for other, mistake2 in found[k + 1:]:
            same = other.shape == value.shape and np.allclose(other, value)
            if mistake != mistake2:  # (one mistake may have several ways: rot90 both ways)
                assert same == ({mistake.key, mistake2.key} <= twins), (mistake.key, mistake2.key)


@pytest.mark.parametrize("mode", ["valid", "full"])
def test_the_rotated_correlation_passes_in_either_mode(mode):
    answer = cross_correlate2d(IMAGE, rot180(KERNEL), mode)
    assert check_convolution_via_correlation(answer, IMAGE, KERNEL, mode).text.startswith("Correct")
    full = _eq2(IMAGE, KERNEL)
    assert check_convolution_via_correlation(full, IMAGE, KERNEL, "full")
    assert check_convolution_via_correlation(full[1:3, 1:4], IMAGE, KERNEL, "valid")


@pytest.mark.parametrize("kernel, key", [
    (KERNEL, "forgot_flip"), (KERNEL[::-1, :], "flipped_up_down_only"),
    (KERNEL[:, ::-1], "flipped_left_right_only"), (KERNEL.T, "transposed_not_rotated"),
    (np.rot90(KERNEL), "rotated_90_degrees"),
])
def test_other_data_valid_mode_names_the_flip_mistake(kernel, key):
    with pytest.raises(WrongAnswer) as info:
        check_convolution_via_correlation(cross_correlate2d(IMAGE, kernel, "valid"), IMAGE, KERNEL, "valid", strict=True)
    assert key in info.value.mistakes


def test_a_non_square_kernel_has_no_transpose_mistake_and_the_mode_is_named():
    image, kernel = np.arange(20.0).reshape(4, 5) % 7, np.array([[1.0, 2, 0], [0, -1, 3]])
    keys = {m.key for _, m in flip_mistakes(image, kernel, "full")}
    assert "transposed_not_rotated" not in keys and "rotated_90_degrees" not in keys
    with pytest.raises(WrongAnswer, match=r"expected \(5, 7\), given \(3, 3\)") as info:
        check_convolution_via_correlation(convolve2d(image, kernel, "valid"), image, kernel, "full", strict=True)
    assert info.value.mistakes == ("wrong_mode",)
    with pytest.raises(WrongAnswer, match="valid result; mode='full' was asked") as info:
        check_convolution_via_correlation(cross_correlate2d(image, kernel, "valid"), image, kernel, "full", strict=True)
    assert info.value.mistakes == ()


def test_unanswered_and_bad_input():
    A, B, mode = flip_exercise_data()
    result = check_convolution_via_correlation(None, A, B, mode)
    assert result.status == "not_answered" and "Not answered yet" in result.text
    with pytest.raises(ValueError, match="mode: expected 'valid' or 'full', got 'same'"):
        check_convolution_via_correlation(_eq2(A, B), A, B, "same")
    with pytest.raises(WrongAnswer, match="expected numbers"):
        check_convolution_via_correlation("A * B", A, B, mode, strict=True)


def test_check_convolution_does_not_change_inputs():
    image, kernel = IMAGE.copy(), KERNEL.copy()
    check_convolution_via_correlation(convolve2d(image, kernel, "full"), image, kernel, "full")
    assert np.array_equal(image, IMAGE) and np.array_equal(kernel, KERNEL)


def test_nb01_hints_point_to_section_4_and_never_write_the_call():
    from cnnlib.exercises.nb01_flip import HINTS
    levels = HINTS["check_convolution_via_correlation"]
    assert 2 <= len(levels) <= 3 and "Section 4" in levels[0]
    assert not any("cross_correlate2d(" in level or "rot180(" in level for level in levels)


def test_nb01_mistake_messages_describe_the_mistake_and_never_give_the_recipe():
    """Review 1, item 2: a message says what the answer is, not the call that would be right."""
    for mistake in FLIP_MISTAKES:
        assert "cross_correlate2d(" not in mistake.hint, mistake.key
        assert not re.search(r"rotate once|then cross-correlate|correlate with the rot", mistake.hint, re.I), mistake.key
