"""The checkers against hostile or unusual learner code (issue 22): every class below gets a clear
message, never a traceback, a hang or a wrong "Correct".

- a function that calls its own checker (the check line indented into its body);
- answers that are complex, text, objects, booleans, torch tensors (with requires_grad);
- ``check.case(k)`` with k out of range or of the wrong type;
- a check interrupted in the middle leaves no half-filled cache behind;
- a learner's endless loop is stopped by a time limit, with a message.
"""
import signal
import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnlib.exercises import (WrongAnswer, check_kernel_gradient, check_relu_backward, check_training_step,
                              compare_answer, kernel_gradient_exercise_data)
from cnnlib.exercises.nb05_relu_backward import _reference as relu_reference
from cnnlib.exercises.nb06_im2row import adjoint_test
from cnnlib.exercises.nb07_training import TrainingStepExercise
from cnnlib.im2row import im2row, row2im


def right_relu(dout, z):
    return dout * (z > 0)


# ------------------------------------------------------------------ a function that calls its own checker

def test_a_function_that_calls_its_own_checker_is_stopped_with_a_message():
    calls = []

    def my_relu_backward(dout, z):
        calls.append(1)
        check_relu_backward(my_relu_backward)          # the check line, indented into the body
        return dout * (z > 0)
    start = time.monotonic()
    result = check_relu_backward(my_relu_backward)
    assert time.monotonic() - start < 5 and len(calls) == 1
    assert result.status == "wrong" and "calls check_relu_backward itself" in result.text
    assert "check_relu_backward(my_relu_backward)" in result.text and "un-indent" in result.text
    assert "out of the body of my_relu_backward" in result.text
    assert check_relu_backward(right_relu).correct       # nothing is left marked as running


def test_an_except_exception_in_the_learners_code_does_not_hide_the_recursion():
    def my_relu_backward(dout, z):
        try:
            check_relu_backward(my_relu_backward)
        except Exception:                               # noqa: BLE001 -- what a learner may write
            pass
        return dout * (z > 0)
    assert "calls check_relu_backward itself" in check_relu_backward(my_relu_backward).text


def test_a_value_checker_called_inside_the_function_it_checks_is_stopped_too():
    def my_row2im(rows, x_shape, kh, kw, s, p):
        adjoint_test(im2row, my_row2im)
        return row2im(rows, x_shape, kh, kw, s, p)
    result = adjoint_test(im2row, my_row2im)
    assert result.status == "wrong" and "calls adjoint_test itself" in result.text


# ------------------------------------------------------------------ answers that are not plain numbers

@pytest.mark.parametrize("make, words", [
    (lambda a: a + 5j, "complex numbers"),
    (lambda a: a + 0j, "complex numbers"),                      # even a zero imaginary part: say it
    (lambda a: "dx", "text"),
    (lambda a: [a, a[:1]], "expected numbers"),                   # a ragged list
    (lambda a: np.array([object()] * a.size, dtype=object).reshape(a.shape), "expected numbers"),
])
def test_answers_that_are_not_real_numbers_get_a_message(make, words):
    x, d, ks, s = kernel_gradient_exercise_data()
    from cnnlib.correlate import cross_correlate2d, dilate
    right = cross_correlate2d(x, dilate(d, s))
    result = check_kernel_gradient(make(right), x, d, ks, s)
    assert result.status == "wrong" and words in result.text, result.text
    relu = check_relu_backward(lambda dout, z: make(right_relu(dout, z)))
    assert relu.status == "wrong" and words in relu.text, relu.text


def test_booleans_are_judged_as_numbers_and_said_to_be_booleans():
    result = check_relu_backward(lambda dout, z: z > 0)         # the mask itself, as booleans
    assert result.mistakes == ("returned_mask",) and "booleans" in result.text
    wrong = compare_answer("m", np.array([True, False]), np.array([1.0, 1.0]))
    assert wrong.status == "wrong" and "booleans" in wrong.text
    assert compare_answer("m", np.array([True, False]), np.array([1.0, 0.0])).correct


def test_torch_tensors_are_detached_and_judged():
    torch = pytest.importorskip("torch")

    def with_graph(dout, z):
        t = torch.tensor(dout, requires_grad=True)
        return t * torch.tensor((z > 0).astype(float))
    assert check_relu_backward(with_graph).correct
    wrong = check_relu_backward(lambda dout, z: torch.tensor(dout, requires_grad=True) * 1.0)
    assert wrong.mistakes == ("no_mask",)
    value = torch.tensor([1.0, 2.0], requires_grad=True) * 2
    assert compare_answer("v", value, np.array([2.0, 4.0])).correct


@given(st.sampled_from([None, "3", 3.5, -1, 99, True, [0], np.int64(2), 2]))
def test_case_k_out_of_range_or_of_the_wrong_type_gets_a_value_error(k):
    n = len(check_relu_backward.cases)
    if isinstance(k, (int, np.integer)) and not isinstance(k, bool) and 0 <= k < n:
        assert set(check_relu_backward.case(k)) == {"dout", "z"}
    else:
        with pytest.raises(ValueError, match=r"case\(k\): k is the number of a hidden geometry, a whole number "
                                             rf"from 0 to {n - 1}; given"):
            check_relu_backward.case(k)


# ------------------------------------------------------------------ interrupted, endless

def test_an_interrupted_check_leaves_no_half_filled_cache(monkeypatch):
    import cnnlib.exercises.nb07_training as nb07
    from mutants.nb07_training import training_step
    fresh = TrainingStepExercise()
    calls = []

    def interrupted(*args):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return original(*args)
    original = nb07.finite_differences
    monkeypatch.setattr(nb07, "finite_differences", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fresh(training_step)
    monkeypatch.setattr(nb07, "finite_differences", original)
    assert fresh._numeric is None
    assert fresh(training_step).correct


def test_an_endless_loop_is_stopped_by_the_time_limit():
    if not hasattr(signal, "setitimer"):
        pytest.skip("no interval timer on this platform")
    check = check_relu_backward
    before = check.time_limit
    check.time_limit = 0.5

    def my_relu_backward(dout, z):
        i = 0
        while i < 10:           # i is never increased
            pass
        return dout
    try:
        start = time.monotonic()
        result = check(my_relu_backward)
    finally:
        check.time_limit = before
    assert time.monotonic() - start < 3 * len(check.cases)
    assert result.status == "wrong" and "did not return within 0.5 s" in result.text
    assert "endless loop" in result.text and "while i < 10" in result.text
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)        # the timer is given back
    assert check(right_relu).correct


def test_the_time_limit_gives_back_someone_elses_alarm():
    if not hasattr(signal, "setitimer"):
        pytest.skip("no interval timer on this platform")
    fired = []
    old = signal.signal(signal.SIGALRM, lambda *a: fired.append(1))
    try:
        signal.setitimer(signal.ITIMER_REAL, 30)
        assert check_relu_backward(right_relu).correct
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 0 < left <= 30 and not fired
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_strict_turns_each_of_these_into_wrong_answer():
    with pytest.raises(WrongAnswer, match="complex"):
        check_relu_backward(lambda dout, z: right_relu(dout, z) + 1j, strict=True)
    assert check_relu_backward(right_relu, strict=True).correct
    assert relu_reference is not None and check_training_step.checker_name == "check_training_step"
