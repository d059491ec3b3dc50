"""Tests of cnnlib/exercises/nb04_input_gradient.py: notebook 04's checkers.

The catalogue of each checker (every mistake named exactly, on the notebook's own data, and
the two Your-turn function exercises on their hidden geometries) is proven in
test_mistake_catalogue.py with the mutants of tests/mutants/nb04_input_gradient.py. Here: the
right answers pass by several routes, the exercise data has the promised geometry, and the
old misdiagnoses are gone (a 5x5 answer to the 6x6, stride-2, padding-1 exercise was called
"not dilated" whatever it was; the double flip was called "not rotated" only).
"""
import numpy as np
import pytest

from cnnlib.conv import conv2d_forward
from cnnlib.correlate import convolve2d, cross_correlate2d, dilate, rot180
from cnnlib.exercises import WrongAnswer
from cnnlib.exercises.nb04_input_gradient import (check_input_gradient, check_input_gradient_by_correlation,
                                                  check_input_gradient_loops, input_gradient_exercise_data)
from cnnlib.exercises.nb04_input_gradient_functions import input_gradient_example
from cnnlib.gradcheck import numerical_vjp


def _fd_dx(dout, kernel, x_shape, stride, pad):
    """∂E/∂x of a one-channel layer by finite differences (an independent route)."""
    w = np.asarray(kernel, dtype=float)[None, None]
    return numerical_vjp(lambda v: conv2d_forward(v, w, np.zeros(1), stride, pad)[0],
                         np.zeros((1, 1) + tuple(x_shape)), np.asarray(dout, dtype=float)[None, None])[0, 0]


def _by_primitives(d, w, x_shape, stride, pad):
    full = cross_correlate2d(dilate(d, stride), rot180(w), mode="full")
    dx_pad = np.zeros((x_shape[0] + 2 * pad, x_shape[1] + 2 * pad))
    dx_pad[:full.shape[0], :full.shape[1]] = full
    return dx_pad[pad:pad + x_shape[0], pad:pad + x_shape[1]], full


def test_exercise_data_has_a_real_row_and_column_that_no_window_reads():
    d, w, x_shape, stride, pad = input_gradient_exercise_data()
    assert (x_shape, w.shape, stride, pad, d.shape) == ((9, 9), (3, 3), 3, 1, (3, 3))
    read = stride * (d.shape[0] - 1) + w.shape[0]               # padded rows 0..8 are read
    assert read - pad < x_shape[0]                              # so the real row 8 is not
    fd = _fd_dx(d, w, x_shape, stride, pad)
    assert np.all(fd[-1] == 0) and np.all(fd[:, -1] == 0)


def test_check_input_gradient_accepts_the_right_answer_by_every_route():
    d, w, x_shape, stride, pad = input_gradient_exercise_data()
    answer, _ = _by_primitives(d, w, x_shape, stride, pad)
    np.testing.assert_allclose(answer, _fd_dx(d, w, x_shape, stride, pad), atol=1e-6)
    assert check_input_gradient(answer, d, w, x_shape, stride, pad).correct is True
    scatter = np.zeros((11, 11))
    for i in range(3):
        for j in range(3):
            scatter[3 * i:3 * i + 3, 3 * j:3 * j + 3] += d[i, j] * w
    assert check_input_gradient(scatter[1:10, 1:10], d, w, x_shape, stride, pad).correct is True


@pytest.fixture
def old_exercise():
    """The old exercise: 6x6 input, 3x3 kernel, stride 2, padding 1 (deltas 3x3)."""
    rng = np.random.default_rng(2025)
    return rng.integers(-2, 3, size=(3, 3)).astype(float), rng.integers(-2, 3, size=(3, 3)).astype(float)


def test_a_5x5_answer_is_named_by_its_values_not_by_its_shape(old_exercise):
    w, d = old_exercise
    _, full = _by_primitives(d, w, (6, 6), 2, 1)                # (7, 7): x_pad rows 0..6 of 0..7
    no_zero_row = full[1:-1, 1:-1]                              # cropped, no zero row appended: 5x5
    undilated = cross_correlate2d(d, rot180(w), mode="full")    # (5, 5) as well
    with pytest.raises(WrongAnswer) as info:
        check_input_gradient(no_zero_row, d, w, (6, 6), 2, 1, strict=True)
    assert info.value.mistakes == ("unread_missing",), str(info.value)
    assert "not dilated" not in str(info.value)
    with pytest.raises(WrongAnswer) as info:
        check_input_gradient(undilated, d, w, (6, 6), 2, 1, strict=True)
    assert info.value.mistakes == ("not_dilated",), str(info.value)
    with pytest.raises(WrongAnswer) as info:                    # a 5x5 no mistake gives: both shapes said
        check_input_gradient(np.zeros((5, 5)), d, w, (6, 6), 2, 1, strict=True)
    assert info.value.mistakes == () and "full result" in str(info.value) and "dilate" in str(info.value)


def test_the_double_flip_is_named_with_its_twin(old_exercise):
    w, d = old_exercise
    full = convolve2d(dilate(d, 2), rot180(w), mode="full")     # eq. 21 as printed
    dx_pad = np.zeros((8, 8))
    dx_pad[:7, :7] = full
    with pytest.raises(WrongAnswer) as info:
        check_input_gradient(dx_pad[1:-1, 1:-1], d, w, (6, 6), 2, 1, strict=True)
    assert set(info.value.mistakes) == {"forgot_flip", "flipped_twice"}
    assert "two flips cancel" in str(info.value) and "not rotated" in str(info.value)


def test_check_input_gradient_other_messages(old_exercise):
    w, d = old_exercise
    answer, full = _by_primitives(d, w, (6, 6), 2, 1)
    assert check_input_gradient(answer, d, w, (6, 6), 2, 1).correct is True
    with pytest.raises(WrongAnswer, match="padding was not cropped"):
        check_input_gradient(np.pad(full, ((0, 1), (0, 1))), d, w, (6, 6), 2, 1, strict=True)
    with pytest.raises(WrongAnswer, match="padding was not cropped"):   # the full result as it is
        check_input_gradient(full, d, w, (6, 6), 2, 1, strict=True)
    with pytest.raises(WrongAnswer, match=r"wrong values: \d+ of 36 entries differ") as info:
        check_input_gradient(answer + 1.0, d, w, (6, 6), 2, 1, strict=True)
    assert info.value.mistakes == ()
    assert check_input_gradient(None, d, w, (6, 6), 2, 1).status == "not_answered"


def test_your_turn_example_is_geometry_0_with_the_spec_geometry():
    dout, w, x_shape, stride, pad = input_gradient_example()
    assert (x_shape[2], w.shape[2], stride, pad) == (9, 3, 3, 1)
    for checker in (check_input_gradient_loops, check_input_gradient_by_correlation):
        assert np.array_equal(checker.case(0)["dout"], dout) and checker.case(0)["x_shape"] == x_shape
        labels = " ".join(c.label for c in checker.cases)
        assert "C=3, F=2" in labels and "no padding" in labels and "overlap" in labels


def test_your_turn_reference_agrees_with_finite_differences():
    for k, case in enumerate(check_input_gradient_loops.cases):
        dout, w, x_shape, stride, pad = case.args
        fd = numerical_vjp(lambda v: conv2d_forward(v, w, np.zeros(w.shape[0]), stride, pad)[0],
                           np.zeros(x_shape), dout)
        np.testing.assert_allclose(check_input_gradient_loops.expected[k][0], fd, atol=1e-5)
