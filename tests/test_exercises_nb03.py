"""Tests of cnnlib/exercises/nb03_kernel_gradient.py: notebook 03's checkers.

The catalogue of each checker (every mistake named exactly, on the notebook's own data, and
the Your-turn function exercise on its hidden geometries) is proven in
test_mistake_catalogue.py with the mutants of tests/mutants/nb03_kernel_gradient.py. Here:
the right answers pass by several routes, the messages say what is wrong, the exercise data
is what the notebook shows, and the fixes of the misdiagnoses hold (a correct one-filter db
given as a number is accepted; a number for F > 1 is told why not).
"""
import numpy as np
import pytest

from cnnlib.conv import conv2d_backward, conv2d_forward
from cnnlib.correlate import cross_correlate2d, dilate, rot180
from cnnlib.data import teaching_example
from cnnlib.exercises import WrongAnswer
from cnnlib.exercises.nb03_kernel_gradient import (bias_gradient_exercise_data, check_bias_gradient,
                                                   check_kernel_and_bias_gradient, check_kernel_gradient,
                                                   kernel_gradient_exercise_data)
from cnnlib.exercises.nb03_kernel_and_bias_gradient import kernel_and_bias_gradient_example
from cnnlib.gradcheck import numerical_vjp


def _index_sum_dw(x, dout, kh, kw, stride):
    """∂E/∂w[m, q] = Σ_i Σ_j δ[i, j] · x[S·i + m, S·j + q], term by term (one channel, no padding)."""
    return np.array([[sum(dout[i, j] * x[stride * i + m, stride * j + q]
                          for i in range(dout.shape[0]) for j in range(dout.shape[1]))
                      for q in range(kw)] for m in range(kh)])


def test_kernel_gradient_exercise_data_is_what_the_notebook_shows():
    x, dout, kernel_shape, stride = kernel_gradient_exercise_data()
    assert x.shape == (6, 6) and dout.shape == (3, 3) and kernel_shape == (2, 2) and stride == 2
    assert np.array_equal(kernel_gradient_exercise_data()[0], x)          # seeded: the same every call


def test_check_kernel_gradient_accepts_every_route():
    x, d, ks, s = kernel_gradient_exercise_data()
    by_sum = _index_sum_dw(x, d, *ks, s)
    by_fd = numerical_vjp(lambda v: conv2d_forward(x[None, None], v, np.zeros(1), s)[0],
                          np.zeros((1, 1) + ks), d[None, None])[0, 0]
    np.testing.assert_allclose(by_fd, by_sum, atol=1e-6)
    for answer in (by_sum, cross_correlate2d(x, dilate(d, s)), by_sum.tolist()):
        assert check_kernel_gradient(answer, x, d, ks, s).correct is True


def test_check_kernel_gradient_on_the_course_example():
    ex = teaching_example(seed=3)
    x, d = ex.x[0, 0], ex.dout[0, 0]
    assert check_kernel_gradient(cross_correlate2d(x, dilate(d, 2)), x, d, (3, 3), 2)
    with pytest.raises(WrongAnswer, match="rotated by 180") as info:
        check_kernel_gradient(cross_correlate2d(x, rot180(dilate(d, 2))), x, d, (3, 3), 2, strict=True)
    assert info.value.mistakes == ("deltas_rotated",)
    with pytest.raises(WrongAnswer, match="stride was ignored") as info:
        check_kernel_gradient(cross_correlate2d(x, d)[:3, :3], x, d, (3, 3), 2, strict=True)
    # with S = 2, dilate(δ, S - 1) is δ itself: the same numbers, both named
    assert info.value.mistakes == ("stride_ignored", "dilated_with_S_minus_1")
    with pytest.raises(WrongAnswer, match=r"wrong values: \d of 9 entries differ") as info:
        check_kernel_gradient(cross_correlate2d(x, dilate(d, 2)) + 0.5, x, d, (3, 3), 2, strict=True)
    assert info.value.mistakes == ()


def test_check_kernel_gradient_names_the_stride_slips_apart_at_stride_3():
    """dilate(δ, S - 1), the result subsampled like a forward pass, and the result rotated (01's
    true-convolution row) are each named alone where the numbers tell them apart."""
    rng = np.random.default_rng(5)
    x, d = rng.integers(0, 10, size=(11, 11)).astype(float), rng.integers(-2, 3, size=(3, 3)).astype(float)
    right = _index_sum_dw(x, d, 5, 5, 3)                                    # 11 = 3·(3-1) + 5
    assert check_kernel_gradient(cross_correlate2d(x, dilate(d, 3)), x, d, (5, 5), 3).correct
    for answer, key in [(cross_correlate2d(x, dilate(d, 2)), "dilated_with_S_minus_1"),           # (7, 7)
                        (cross_correlate2d(x, dilate(d, 2))[:5, :5], "dilated_with_S_minus_1"),
                        (cross_correlate2d(x, d), "stride_ignored"),                               # (9, 9)
                        (cross_correlate2d(x, d)[::3, ::3], "result_subsampled"),                  # (3, 3)
                        (rot180(right), "result_rotated")]:
        result = check_kernel_gradient(answer, x, d, (5, 5), 3)
        assert result.mistakes == (key,), (key, result.text)


def test_no_bias_gradient_hint_spells_out_the_axes():
    """The axes to sum are the exercise (Check yourself 2): no hint or mistake message gives them."""
    from cnnlib.exercises.nb03_kernel_gradient import CATALOGUE, HINTS
    texts = list(HINTS["check_bias_gradient"]) + list(HINTS["check_kernel_and_bias_gradient"])
    texts += [m.hint for key in ("check_bias_gradient", "check_kernel_and_bias_gradient") for m in CATALOGUE[key]]
    for text in texts:
        assert "(0, 2, 3)" not in text and "0, 2" not in text and "numbered 0" not in text, text


def test_the_batch_mean_of_the_bias_gradient_points_to_section_9():
    d = bias_gradient_exercise_data()
    result = check_bias_gradient(d.sum(axis=(2, 3)).mean(axis=0), d)
    assert result.mistakes == ("db_mean_over_batch",) and "section 9" in result.text


def test_check_kernel_gradient_does_not_give_the_answer_away_and_says_the_shape():
    x, d, ks, s = kernel_gradient_exercise_data()
    with pytest.raises(WrongAnswer) as info:
        check_kernel_gradient(_index_sum_dw(x, d, *ks, s) + 1, x, d, ks, s, strict=True)
    assert "expected" not in str(info.value)                               # 4 entries: no reveal
    with pytest.raises(WrongAnswer, match=r"wrong shape: expected \(2, 2\), given \(4, 4\)"):
        check_kernel_gradient(np.zeros((4, 4)), x, d, ks, s, strict=True)              # the undilated shape
    with pytest.raises(WrongAnswer, match="without dilation"):
        check_kernel_gradient(np.zeros((4, 4)), x, d, ks, s, strict=True)


def test_check_bias_gradient_on_the_notebook_data():
    d = bias_gradient_exercise_data()
    assert d.shape == (2, 3, 3, 3)
    explicit = np.array([sum(d[n, f, i, j] for n in range(2) for i in range(3) for j in range(3))
                         for f in range(3)])
    assert check_bias_gradient(explicit, d).correct is True
    with pytest.raises(WrongAnswer, match="mean"):
        check_bias_gradient(explicit / 18, d, strict=True)
    with pytest.raises(WrongAnswer, match=r"a single number: the layer has F = 3 filters") as info:
        check_bias_gradient(1.5, d, strict=True)                                        # a number no mistake gives
    assert info.value.mistakes == ()
    with pytest.raises(WrongAnswer, match="filters were summed together") as info:
        check_bias_gradient(explicit.sum(), d, strict=True)
    assert info.value.mistakes == ("db_summed_over_filters",)


def test_a_correct_one_filter_bias_gradient_given_as_a_number_is_accepted():
    ex = teaching_example()
    out, cache = conv2d_forward(ex.x, ex.w, ex.b, 2)
    _, _, db = conv2d_backward(ex.dout, cache)                              # (1,)
    result = check_bias_gradient(float(db[0]), ex.dout)
    assert result.correct is True and "one filter, so one number" in result.text
    assert check_bias_gradient(db, ex.dout).correct is True                        # and the array
    with pytest.raises(WrongAnswer, match="mean"):
        check_bias_gradient(float(ex.dout.mean()), ex.dout, strict=True)                # the scalar is still judged
    with pytest.raises(ValueError, match="4 dimensions"):
        check_bias_gradient(1.0, ex.dout[0])


def test_unanswered_templates_are_not_answered_yet():
    x, d, ks, s = kernel_gradient_exercise_data()
    for result in (check_kernel_gradient(None, x, d, ks, s), check_bias_gradient(None, bias_gradient_exercise_data())):
        assert result.status == "not_answered" and "Not answered yet" in result.text


def test_your_turn_example_is_geometry_0_and_has_the_spec_geometry():
    dout, x, w_shape, stride, pad = kernel_and_bias_gradient_example()
    assert (x.shape[0], x.shape[1], w_shape[0], stride, pad) == (2, 2, 3, 2, 1)   # N, C, F, S, P
    case = check_kernel_and_bias_gradient.case(0)
    assert np.array_equal(case["dout"], dout) and np.array_equal(case["x"], x)
    labels = [c.label for c in check_kernel_and_bias_gradient.cases]
    assert any("does not tile" in t for t in labels) and any("padding 2" in t for t in labels)


def test_your_turn_reference_agrees_with_finite_differences():
    # the checker's reference (cnnlib's loops) against an independent route, on every geometry
    for k, case in enumerate(check_kernel_and_bias_gradient.cases):
        dout, x, w_shape, stride, pad = case.args
        dw, db = check_kernel_and_bias_gradient._expected[k]
        w0, b0 = np.zeros(w_shape), np.zeros(w_shape[0])
        fd_w = numerical_vjp(lambda v: conv2d_forward(x, v, b0, stride, pad)[0], w0, dout)
        fd_b = numerical_vjp(lambda v: conv2d_forward(x, w0, v, stride, pad)[0], b0, dout)
        np.testing.assert_allclose(dw, fd_w, atol=1e-5)
        np.testing.assert_allclose(db, fd_b, atol=1e-5)


def test_every_checker_of_notebook_03_has_hints_in_levels():
    from cnnlib.exercises.nb03_kernel_gradient import CATALOGUE, HINTS
    assert set(HINTS) == set(CATALOGUE)
    for name, levels in HINTS.items():
        assert len(levels) == 3 and all(len(text) > 40 for text in levels), name
        assert "Section" in levels[0], name                # level 1 points to where it was derived
    # the template's index formula is not handed out before the last level
    assert "S·i + m" not in " ".join(HINTS["check_kernel_and_bias_gradient"][:2])


# ------------------------------------------------------------------ the notebook: challenge first

def _code_before(notebook, marker):
    """The code cells of a course notebook before the first cell that contains ``marker``, and that cell."""
    import json
    from pathlib import Path
    cells = json.loads((Path(__file__).resolve().parents[1] / "notebooks" / notebook).read_text())["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    first = next(k for k, src in enumerate(code) if marker in src)
    return code[:first], code[first]


def test_notebook_03_has_no_reference_backward_before_its_exercise():
    """Nothing that returns dw (or J, whose product with δ is dw) is in the namespace before the Your turn."""
    import re
    before, _ = _code_before("03_kernel_gradient.ipynb", "def kernel_and_bias_gradient")
    for name in ("conv2d_backward", "conv2d_backward_naive", "kernel_gradient_by_correlation",
                 "conv2d_kernel_jacobian", "im2row"):
        assert not any(re.search(rf"(?<![\w.]){name}\b", src) for src in before), \
            f"{name} is in notebook 03's namespace before its exercise"


def test_notebook_03_check_yourself_2_answer_is_not_above_it():
    import re
    before, _ = _code_before("03_kernel_gradient.ipynb", "my_db = None")
    assert not any(re.search(r"\.sum\(\s*axis", src) for src in before)


def test_notebook_03_template_gives_the_task_not_the_formula():
    _, template = _code_before("03_kernel_gradient.ipynb", "def kernel_and_bias_gradient")
    assert "raise NotImplementedError" in template
    for formula in ("S·i", "x_pad[", "Σ", "+="):
        assert formula not in template, formula


def _after_the_exercises(notebook, references, exercise_calls):
    """The reference listings of a course notebook are in its section "After the exercises", which
    comes after every exercise's check; nothing before that heading uses a reference."""
    import json
    import re
    from pathlib import Path
    cells = json.loads((Path(__file__).resolve().parents[1] / "notebooks" / notebook).read_text())["cells"]
    sources = ["".join(c["source"]) for c in cells]
    heading = [k for k, c in enumerate(cells)
               if c["cell_type"] == "markdown" and "## After the exercises: cnnlib's version" in sources[k]]
    assert len(heading) == 1, "no (or more than one) section 'After the exercises'"
    checks = [k for k, src in enumerate(sources) if cells[k]["cell_type"] == "code"
              and any(call in src for call in exercise_calls)]
    assert len(checks) == len(exercise_calls) and max(checks) < heading[0]
    listings = [k for k, src in enumerate(sources) if "getsource" in src]
    assert listings and min(listings) > heading[0]
    for k, src in enumerate(sources[:heading[0]]):
        if cells[k]["cell_type"] == "code":
            for name in references:
                assert not re.search(rf"(?<![\w.]){name}\b", src), f"{name} in cell {k}, before the section"


def test_notebook_03_lists_cnnlib_backward_only_after_the_exercises():
    _after_the_exercises("03_kernel_gradient.ipynb", ("conv2d_backward", "conv2d_backward_naive", "inspect"),
                         ("check_kernel_gradient(my_dw", "check_bias_gradient(my_db",
                          "check_kernel_and_bias_gradient(kernel_and_bias_gradient)"))
