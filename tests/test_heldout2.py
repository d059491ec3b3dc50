"""Held-out set 2: learner-style wrong answers written without reading the checkers (tests/heldout2).

For every answer: it is really wrong (it differs from the solutions notebook's function on this
set's own probes), its checker rejects it, and the message names no catalogue mistake its author
did not list as a fair name (that would be confidently wrong). Known checker defects found by this
set are strict xfails, with the defect as the reason: a fix turns them into failures to remove.
"""
import pytest

import cnnlib.exercises as exercises
from heldout2.confirm import is_wrong
from heldout2.registry import all_answers
from heldout2.run import judge

ANSWERS = all_answers()

# answer -> why the checker accepts it (a defect of the checker's data, found by this set)
ACCEPTED = {
    "nb04.pad_added_after_division": "check_pixel_gradient: no hidden geometry has both P >= 2 and "
    "S >= 2, and for P = 1 (or S = 1) (u - m) // S + P equals (u + P - m) // S whenever "
    "(u + P - m) % S == 0",
}
# answer -> the key the message names that is not a fair name
NAMES_WRONGLY = {}


def _param(a, marks_for):
    return pytest.param(a, id=a.name, marks=marks_for(a))


def _checker_missing(a):
    return [pytest.mark.skip(reason=f"{a.checker} is not in cnnlib.exercises on this branch")] \
        if not hasattr(exercises, a.checker) else []


@pytest.mark.parametrize("answer", [pytest.param(a, id=a.name) for a in ANSWERS])
def test_answer_is_really_wrong(answer):
    assert is_wrong(answer), f"{answer.name} gives the reference's results on every probe"


def _rejected_marks(a):
    marks = _checker_missing(a)
    if a.name in ACCEPTED:
        marks.append(pytest.mark.xfail(strict=True, reason="accepted: " + ACCEPTED[a.name]))
    return marks


@pytest.mark.parametrize("answer", [_param(a, _rejected_marks) for a in ANSWERS])
def test_checker_rejects_it(answer):
    result = judge(answer)
    assert result.correct is False, result.text
    assert result.status == "wrong" and result.text.startswith("Not yet"), result.text


def _names_marks(a):
    marks = _checker_missing(a)
    if a.name in NAMES_WRONGLY:
        marks.append(pytest.mark.xfail(strict=True, reason="names " + NAMES_WRONGLY[a.name]))
    return marks


@pytest.mark.parametrize("answer", [_param(a, _names_marks) for a in ANSWERS])
def test_no_confidently_wrong_name(answer):
    result = judge(answer)
    assert not result.named_outside, (f"{answer.name} is named {result.named_outside}, not a fair name "
                                      f"for: {answer.bug}\n{result.text}")


def test_the_set_covers_every_your_turn_exercise():
    checkers = {a.checker for a in ANSWERS}
    assert checkers == {"check_conv_forward_loops", "check_kernel_and_bias_gradient", "check_pixel_gradient",
                        "check_input_gradient_by_correlation", "check_relu_backward", "check_maxpool_backward",
                        "check_avgpool_backward", "check_im2row", "check_row2im", "check_one_conv_gradients",
                        "check_pool1_delta"}
    assert len(ANSWERS) >= 40
