"""Held-out wrong answers (tests/heldout/) through the "Your turn" checkers.

Each wrong answer was written as a learner would write it, from the notebooks alone, with a bug
outside the mistake catalogue. Two tests per wrong answer:

- it really is wrong: on the checker's own geometries (``checker.case(k)``), or on the same
  shapes filled with non-whole numbers, it raises, changes its inputs in place, or returns
  something else than cnnlib's reference layer code;
- its checker rejects it (a WrongAnswer, or a result whose ``.correct`` is false), with a message,
  never a traceback.

Every message goes to tests/output/heldout_messages.md for a person to read.
"""
import contextlib
import inspect
import io
import warnings
from pathlib import Path

import numpy as np
import pytest

import cnnlib.exercises as exercises
from cnnlib.conv import conv2d_backward_naive, conv2d_forward_naive
from cnnlib.activations import relu_backward
from cnnlib.im2row import im2row, row2im
from cnnlib.pool import (avgpool2d_backward_naive, avgpool2d_forward_naive, maxpool2d_backward_naive,
                         maxpool2d_forward_naive)

from heldout import all_wrong_answers

WRONG_ANSWERS = all_wrong_answers()
OUTPUT = Path(__file__).parent / "output" / "heldout_messages.md"

# Wrong answers the checkers accept today (checker defects, see the reasons). strict xfail: when a
# checker learns to reject one, its test XPASSes and fails, so that its entry here gets removed.
KNOWN_ACCEPTED = {
    "nb02.fwd_int_padded_copy": "every geometry of the checker has whole-number x, so truncating "
                                "x to integers changes nothing",
    "nb02.fwd_float32_output": "whole-number data are exact in float32; the float32 dtype of the "
                               "result is not looked at",
    "nb03.kb_float32_accumulators": "whole-number data are exact in float32; the float32 dtype of "
                                    "dw and db is not looked at",
    "nb04.ic_float32_result": "whole-number data are exact in float32; the float32 dtype of dx is "
                              "not looked at",
    "nb05.relu_clip_slope": "z holds whole numbers only, so no entry has 0 < z < 1, where "
                            "clip(z, 0, 1) differs from the mask [z > 0]",
    "nb06.i2r_float32_matrix": "whole-number data are exact in float32; the float32 dtype of the "
                               "matrix is not looked at",
}


# ------------------------------------------------------------------ cnnlib's right answers

def _conv_forward(x, w, b, stride, pad):
    return conv2d_forward_naive(x, w, b, stride, pad)[0]


def _kernel_and_bias_gradient(dout, x, w_shape, stride, pad):
    _, cache = conv2d_forward_naive(x, np.zeros(w_shape), np.zeros(w_shape[0]), stride, pad)
    _, dw, db = conv2d_backward_naive(dout, cache)
    return dw, db


def _input_gradient(dout, w, x_shape, stride, pad):
    _, cache = conv2d_forward_naive(np.zeros(x_shape), w, np.zeros(w.shape[0]), stride, pad)
    return conv2d_backward_naive(dout, cache)[0]


def _maxpool_backward(dout, x, size, stride):
    return maxpool2d_backward_naive(dout, maxpool2d_forward_naive(x, size, stride)[1])


def _avgpool_backward(dout, x_shape, size, stride):
    return avgpool2d_backward_naive(dout, avgpool2d_forward_naive(np.zeros(x_shape), size, stride)[1])


REFERENCE = {
    "check_conv_forward_loops": _conv_forward,
    "check_kernel_and_bias_gradient": _kernel_and_bias_gradient,
    "check_input_gradient_by_correlation": _input_gradient,
    "check_relu_backward": lambda dout, z: relu_backward(dout, z),
    "check_maxpool_backward": _maxpool_backward,
    "check_avgpool_backward": _avgpool_backward,
    "check_im2row": im2row,
    "check_row2im": row2im,
}


def _differs(got, expected):
    """Why ``got`` is not the right answer ``expected``, or None when it is (to 1e-12, float64)."""
    if isinstance(expected, tuple):
        if not isinstance(got, tuple) or len(got) != len(expected):
            return f"returned {type(got).__name__}, expected a tuple of {len(expected)}"
        reasons = [_differs(g, e) for g, e in zip(got, expected)]
        return "; ".join(r for r in reasons if r) or None
    got = np.asarray(got)
    if got.shape != expected.shape:
        return f"shape {got.shape}, expected {expected.shape}"
    if got.dtype != np.float64:
        return f"dtype {got.dtype}"
    if not np.allclose(got, expected, rtol=1e-12, atol=1e-12):
        return f"values differ by up to {np.max(np.abs(got - expected)):.3g}"
    return None


def _inputs(checker):
    """The checker's geometries, then the same shapes with non-whole N(0, 1) numbers."""
    rng = np.random.default_rng(2024)
    for k in range(len(checker.cases)):
        args = checker.case(k)
        yield f"case {k}", args
        yield f"case {k}, N(0, 1) values", {
            name: rng.normal(size=value.shape) if isinstance(value, np.ndarray) else value
            for name, value in args.items()}


def _copy(args):
    return {name: value.copy() if isinstance(value, np.ndarray) else value for name, value in args.items()}


@pytest.mark.parametrize("wrong", WRONG_ANSWERS, ids=[w.name for w in WRONG_ANSWERS])
def test_heldout_answer_is_really_wrong(wrong):
    checker = getattr(exercises, wrong.checker)
    reference = REFERENCE[wrong.checker]
    found = []
    for label, args in _inputs(checker):
        expected = reference(**_copy(args))
        given = _copy(args)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                got = wrong.fn(**given)
        except Exception as error:          # a learner's exception is a way of being wrong
            found.append(f"{label}: raises {type(error).__name__}")
            continue
        changed = [name for name, value in args.items()
                   if isinstance(value, np.ndarray) and not np.array_equal(given[name], value)]
        if changed:                         # so is changing the caller's arrays
            found.append(f"{label}: changes its input {', '.join(changed)} in place")
        reason = _differs(got, expected)
        if reason:
            found.append(f"{label}: {reason}")
    assert found, f"{wrong.name} gives cnnlib's answer on every input: it is not a wrong answer"


# ------------------------------------------------------------------ through the checkers

def _accepts_strict(checker):
    try:
        parameters = inspect.signature(checker).parameters
    except (TypeError, ValueError):
        return False
    return "strict" in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())


def run_checker(checker, fn):
    """(rejected, message, printed) for ``fn`` through ``checker``, today's API or the strict one.

    rejected is True (a WrongAnswer, or a result with a false ``.correct``), False (accepted), or
    None (another exception escaped the checker: a traceback, not a message).
    """
    kwargs = {"strict": True} if _accepts_strict(checker) else {}
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = checker(fn, **kwargs)
    except exercises.WrongAnswer as message:
        return True, str(message), printed.getvalue()
    except Exception as error:              # noqa: BLE001 - reported, and the test fails
        return None, f"{type(error).__name__} escaped the checker: {error}", printed.getvalue()
    correct = getattr(result, "correct", result)
    message = getattr(result, "message", None)
    if message is None:
        message = "" if isinstance(result, bool) or result is None else str(result)
    if correct is None:                     # nothing says it is wrong
        correct = True
    return (not bool(correct)), message, printed.getvalue()


@pytest.fixture(scope="module")
def messages():
    collected = {}
    yield collected
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# What the checkers say to the held-out wrong answers", "",
             "Written by tests/test_heldout.py from tests/heldout/. Each entry: the bug as its author "
             "knows it, where it should show, and the checker's words.", ""]
    for wrong in WRONG_ANSWERS:
        if wrong.name not in collected:
            continue
        rejected, message, printed = collected[wrong.name]
        verdict = {True: "rejected", False: "ACCEPTED as correct", None: "a traceback escaped"}[rejected]
        lines += [f"## {wrong.name} ({wrong.checker}): {verdict}", "",
                  f"- bug: {wrong.bug}", f"- where: {wrong.where}",
                  f"- fair catalogue keys: {', '.join(wrong.catalogue_keys_ok) or '(none)'}", ""]
        lines += ["```text", message.rstrip() or "(no message)", "```", ""]
        if printed.strip():
            lines += ["printed:", "", "```text", printed.rstrip(), "```", ""]
    OUTPUT.write_text("\n".join(lines), encoding="utf-8")


@pytest.mark.parametrize(
    "wrong",
    [pytest.param(w, id=w.name, marks=pytest.mark.xfail(strict=True, reason=KNOWN_ACCEPTED[w.name]))
     if w.name in KNOWN_ACCEPTED else pytest.param(w, id=w.name) for w in WRONG_ANSWERS])
def test_heldout_answer_is_rejected(wrong, messages):
    checker = getattr(exercises, wrong.checker)
    rejected, message, printed = run_checker(checker, wrong.fn)
    messages[wrong.name] = (rejected, message, printed)
    assert rejected is not None, f"{wrong.name}: {message}"
    assert rejected, f"{wrong.name} passed {wrong.checker} as correct; its bug: {wrong.bug}"
    assert message.strip(), f"{wrong.checker} rejected {wrong.name} without a word"


def test_registry_is_sound():
    names = [w.name for w in WRONG_ANSWERS]
    assert len(names) == len(set(names)) >= 36
    assert set(KNOWN_ACCEPTED) <= set(names)
    for wrong in WRONG_ANSWERS:
        assert hasattr(exercises, wrong.checker), wrong.checker
        assert wrong.bug.strip() and wrong.where.strip(), wrong.name


@pytest.mark.parametrize("checker_name", sorted(REFERENCE))
def test_control_a_right_answer_is_accepted(checker_name):
    """The same harness on cnnlib's own answer: accepted, so that a rejection above means something."""
    rejected, message, _ = run_checker(getattr(exercises, checker_name), REFERENCE[checker_name])
    assert rejected is False, f"{checker_name} did not accept cnnlib's own answer: {message}"


class _Result:
    def __init__(self, correct, message):
        self.correct, self.message = correct, message


def _today(fn):
    raise exercises.WrongAnswer("wrong today")


def _strict_api(fn, strict=False):
    if strict:
        raise exercises.WrongAnswer("wrong, strict")
    return _Result(False, "wrong, not strict")


def _result_api(fn):
    return _Result(False, "wrong, as a result")


def _accepting(fn, strict=False):
    return _Result(True, "Correct")


def _crashing(fn):
    raise IndexError("inside the checker")


@pytest.mark.parametrize("checker, expected", [
    (_today, (True, "wrong today")), (_strict_api, (True, "wrong, strict")),
    (_result_api, (True, "wrong, as a result")), (_accepting, (False, "Correct")),
    (lambda fn: True, (False, "")), (_crashing, (None, "IndexError escaped the checker: inside the checker"))])
def test_run_checker_reads_both_apis(checker, expected):
    assert run_checker(checker, None)[:2] == expected
