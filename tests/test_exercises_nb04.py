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
from cnnlib.exercises.nb04_input_gradient import (HINTS, CATALOGUE, check_input_gradient,
                                                  check_input_gradient_by_correlation, check_pixel_gradient,
                                                  input_gradient_exercise_data)
from cnnlib.exercises.nb04_input_gradient_functions import input_gradient_example
from cnnlib.exercises.nb04_pixel_gradient import pixel_gradient_example
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
    # with S = 2, dilate(δ, S - 1) is δ itself: the same numbers, both named
    assert info.value.mistakes == ("not_dilated", "dilated_with_S_minus_1"), str(info.value)
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
    with pytest.raises(WrongAnswer, match="the full result itself") as info:   # the full result as it is
        check_input_gradient(full, d, w, (6, 6), 2, 1, strict=True)
    assert info.value.mistakes == ("full_result_as_dx",)
    assert "7 rows, the top of ∂E/∂x_pad (8 rows)" in " ".join(str(info.value).split())
    with pytest.raises(WrongAnswer, match=r"wrong values: \d+ of 36 entries differ") as info:
        check_input_gradient(answer + 1.0, d, w, (6, 6), 2, 1, strict=True)
    assert info.value.mistakes == ()
    assert check_input_gradient(None, d, w, (6, 6), 2, 1).status == "not_answered"


def test_the_uncropped_full_result_is_called_what_it_is():
    """Check yourself: the full result (9x9, x's shape) handed in as it is is named first as the full
    result, with its rows and those of ∂E/∂x_pad; cropping dx_pad at the end gives the same numbers."""
    d, w, x_shape, stride, pad = input_gradient_exercise_data()
    _, full = _by_primitives(d, w, x_shape, stride, pad)
    assert full.shape == x_shape
    result = check_input_gradient(full, d, w, x_shape, stride, pad)
    assert result.mistakes == ("full_result_as_dx", "crop_at_the_end"), result.text
    text = " ".join(result.text.split())                 # the message is wrapped at 100 columns
    assert "3·(3-1) + 3 = 9 rows, the top of ∂E/∂x_pad (11 rows); ∂E/∂x is its rows 1 to 9" in text
    assert text.index("the full result itself, not ∂E/∂x") < text.index("the crop is off by P")


def test_dilate_by_s_minus_1_is_named_alone_at_stride_3():
    d, w, x_shape, stride, pad = input_gradient_exercise_data()
    short = cross_correlate2d(dilate(d, stride - 1), rot180(w), mode="full")           # (7, 7)
    placed = np.zeros((11, 11))
    placed[:7, :7] = short
    for answer in (short, placed[1:10, 1:10]):
        assert check_input_gradient(answer, d, w, x_shape, stride, pad).mistakes == ("dilated_with_S_minus_1",)


def test_your_turn_b_example_is_geometry_0_with_the_spec_geometry():
    dout, w, x_shape, stride, pad = input_gradient_example()
    assert (x_shape[2], w.shape[2], stride, pad) == (9, 3, 3, 1)
    checker = check_input_gradient_by_correlation
    assert np.array_equal(checker.case(0)["dout"], dout) and checker.case(0)["x_shape"] == x_shape
    labels = " ".join(c.label for c in checker.cases)
    assert "C=3, F=2" in labels and "no padding" in labels and "overlap" in labels


def test_your_turn_b_reference_agrees_with_finite_differences():
    for k, case in enumerate(check_input_gradient_by_correlation.cases):
        dout, w, x_shape, stride, pad = case.args
        fd = numerical_vjp(lambda v: conv2d_forward(v, w, np.zeros(w.shape[0]), stride, pad)[0],
                           np.zeros(x_shape), dout)
        np.testing.assert_allclose(check_input_gradient_by_correlation._expected[k][0], fd, atol=1e-5)


# ------------------------------------------------------------ your turn (a): one pixel, gathered

def _pixel_by_fd(dout, w, stride, pad, u, v, shape):
    """∂E/∂x[:, :, u, v] by finite differences of E = Σ δ·out on an input of ``shape`` (independent route)."""
    fd = numerical_vjp(lambda x: conv2d_forward(x, w, np.zeros(w.shape[0]), stride, pad)[0], np.zeros(shape), dout)
    return fd[:, :, u, v]


def _smallest_input(dout, w, stride, pad, u, v):
    """The input shape (N, C, H, W) whose output is dout's and which holds pixel (u, v)."""
    (n, f, h_out, w_out), (_, c, kh, kw) = dout.shape, w.shape
    h = stride * (h_out - 1) + kh - 2 * pad
    wd = stride * (w_out - 1) + kw - 2 * pad
    h, wd = max(h, u + 1), max(wd, v + 1)
    assert (h + 2 * pad - kh) // stride + 1 == h_out and (wd + 2 * pad - kw) // stride + 1 == w_out
    return n, c, h, wd


def test_pixel_gradient_reference_agrees_with_finite_differences_on_every_hidden_case():
    for k, case in enumerate(check_pixel_gradient.cases):
        dout, w, stride, pad, u, v = case.args
        fd = _pixel_by_fd(*case.args, _smallest_input(*case.args))
        np.testing.assert_allclose(check_pixel_gradient._expected[k][0], fd, atol=1e-5, err_msg=case.label)


def test_pixel_gradient_cases_cover_what_the_exercise_promises():
    cases, expected = check_pixel_gradient.cases, check_pixel_gradient._expected
    assert cases[0].label.startswith("the notebook's example")
    assert all(np.array_equal(a, b) for a, b in zip(check_pixel_gradient.case(0).values(), pixel_gradient_example()))
    text = " ".join(c.label for c in cases)
    for promised in ("padding 1", "padding 2", "unread", "gaps", "C=3, F=2", "C=F=2", "3x2 kernel", "non-square",
                     "read by no window", "read by 4 windows"):
        assert promised in text, promised

    def tiles(dout, w, stride, pad, u, v):        # does every padded row lie in some window?
        x_shape = _smallest_input(dout, w, stride, pad, u, v)
        return (x_shape[2] + 2 * pad - w.shape[2]) % stride == 0
    assert any(not tiles(*c.args) and c.args[3] > 0 for c in cases)   # a stride that does not tile, with padding
    assert sum(not e[0].any() for e in expected) >= 3                  # pixels past the last window, in the gaps
    assert any(c.args[0].shape[0] not in (1, c.args[1].shape[1]) for c in cases)   # N != C, both > 1


def test_pixel_gradient_by_scatter_agrees_and_a_scatter_answer_passes():
    """The gathered sum equals cnnlib's scatter at that pixel; a learner may also scatter and read the pixel."""
    def by_scatter(dout, w, stride, pad, u, v):
        x_shape = _smallest_input(dout, w, stride, pad, u, v)
        _, cache = conv2d_forward(np.zeros(x_shape), w, np.zeros(w.shape[0]), stride, pad)
        from cnnlib.conv import conv2d_backward_naive
        return conv2d_backward_naive(dout, cache)[0][:, :, u, v]
    assert check_pixel_gradient(by_scatter).correct


def test_every_checker_of_notebook_04_has_hints_in_levels():
    assert set(HINTS) == set(CATALOGUE)
    for name, levels in HINTS.items():
        assert len(levels) == 3 and all(len(text) > 40 for text in levels), name
        assert "Section" in levels[0], name                # level 1 points to where it was derived


# ------------------------------------------------------------------ the notebook: challenge first

def _code_before(notebook, marker):
    """The code cells of a course notebook before the first cell that contains ``marker``, and that cell."""
    import json
    from pathlib import Path
    cells = json.loads((Path(__file__).resolve().parents[1] / "notebooks" / notebook).read_text())["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    first = next(k for k, src in enumerate(code) if marker in src)
    return code[:first], code[first]


def test_notebook_04_has_no_reference_input_gradient_before_its_exercises():
    import re
    before, _ = _code_before("04_input_gradient.ipynb", "def pixel_gradient")
    for name in ("conv2d_backward", "conv2d_backward_naive", "input_gradient_by_full_convolution",
                 "conv2d_input_jacobian", "row2im"):
        assert not any(re.search(rf"(?<![\w.]){name}\b", src) for src in before), \
            f"{name} is in notebook 04's namespace before its exercises"


def test_notebook_04_templates_give_the_task_not_the_recipe():
    _, pixel = _code_before("04_input_gradient.ipynb", "def pixel_gradient")
    _, by_correlation = _code_before("04_input_gradient.ipynb", "def input_gradient_by_correlation")
    for template in (pixel, by_correlation):
        assert "raise NotImplementedError" in template
        for recipe in ("Σ", "+=", "S·i", "dilate(", "rot180(", "% S", "//", "full["):
            assert recipe not in template, recipe


def test_notebook_04_lists_cnnlib_references_only_after_the_exercises():
    from test_exercises_nb03 import _after_the_exercises
    _after_the_exercises("04_input_gradient.ipynb",
                         ("conv2d_backward", "conv2d_backward_naive", "input_gradient_by_full_convolution", "inspect"),
                         ("check_input_gradient(my_dx", "check_pixel_gradient(pixel_gradient)",
                          "check_input_gradient_by_correlation(input_gradient_by_correlation)"))
