"""Tests of the checker API (cnnlib/exercises/result.py, display.py, hints.py): every checker
returns a CheckResult that displays itself; strict=True raises; hints come in levels.

What a learner and a test rely on: the verdict words on the first line; no print and no raise
by default; ``strict=True`` raises ``WrongAnswer`` with the same message and mistake keys; the
plain text is wrapped without cutting a token; the HTML escapes the message, follows the
host's colours (no fixed white or black background) and is the same on every run (nbval
compares it); every checker of the package has ``strict`` and ``.hint``.
"""
import inspect
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import cnnlib.exercises as ex
from cnnlib.exercises import CheckResult, FunctionExercise, WrongAnswer, checker
from cnnlib.exercises.catalogue import NOTEBOOK_MODULES
from cnnlib.exercises.display import WIDTH, chunks, to_html, wrap_text
from cnnlib.exercises.hints import Hints


def _checkers():
    found = {}
    for name in ex.__all__:
        obj = getattr(ex, name)
        if (name.startswith("check_") or name == "adjoint_test") and callable(obj):
            found[name] = obj
    return sorted(found.items())


CHECKERS = _checkers()


def _template(*args):
    raise NotImplementedError


UNANSWERED = {  # each value checker, called on its notebook's data with the template's None
    "check_seed_network_shapes": lambda c, **k: c(None, **k),
    "check_convolution_via_correlation": lambda c, **k: c(None, *ex.nb01_flip.flip_exercise_data(), **k),
    "check_conv_output_shape": lambda c, **k: c(None, *ex.conv_shape_exercise_data(), **k),
    "check_conv_output_cell": lambda c, **k: c(None, *ex.conv_cell_exercise_data()[:5],
                                               *ex.conv_cell_exercise_data().cell, **k),
    "check_kernel_gradient": lambda c, **k: c(None, *ex.kernel_gradient_exercise_data(), **k),
    "check_bias_gradient": lambda c, **k: c(None, ex.bias_gradient_exercise_data(), **k),
    "check_input_gradient": lambda c, **k: c(None, *ex.input_gradient_exercise_data(), **k),
    "check_conv_relu_pool_dw": lambda c, **k: c(None, *ex.conv_relu_pool_exercise_data(), **k),
    "check_conv_backward_matrices": lambda c, **k: c(None, None, *ex.conv_backward_matrices_exercise_data(), **k),
    "adjoint_test": lambda c, **k: c(_template, _template, **k),
}


# ------------------------------------------------------------------ the result

def test_a_result_has_a_verdict_a_text_and_keys():
    right = CheckResult.passed("Correct: dw matches the reference.")
    wrong = CheckResult.wrong(["dw: 3 of 9 entries differ.", "  Hint: the deltas were rotated."], ["deltas_rotated"])
    empty = CheckResult.not_answered("dw.")
    assert (right.correct, bool(right), right.status) == (True, True, "correct")
    assert (wrong.correct, bool(wrong), wrong.status, wrong.mistakes) == (False, False, "wrong", ("deltas_rotated",))
    assert empty.status == "not_answered" and not empty
    assert wrong.text.startswith("Not yet: dw: 3 of 9") and empty.text.startswith("Not answered yet: dw.")
    assert repr(wrong) == str(wrong) == wrong.text and wrong.lines[1] == "  Hint: the deltas were rotated."
    with pytest.raises(ValueError, match="status"):
        CheckResult("maybe", "x")


def test_strict_raises_the_same_message_and_keys_and_correct_passes_through():
    wrong = CheckResult.wrong("dw: wrong.", ["k1", "k2"])
    with pytest.raises(WrongAnswer) as info:
        wrong.raise_if_wrong()
    assert str(info.value) == wrong.message and info.value.mistakes == ("k1", "k2")
    assert isinstance(info.value, AssertionError)
    right = CheckResult.passed("Correct.")
    assert right.raise_if_wrong() is right
    with pytest.raises(WrongAnswer, match="Not answered yet"):
        CheckResult.not_answered("x.").raise_if_wrong()


def test_the_checker_decorator_turns_a_raised_wrong_answer_into_a_result_and_adds_strict_and_hint():
    @checker
    def check_toy(answer):
        """Toy checker."""
        if answer != 3:
            raise WrongAnswer("toy: given something else.", ["toy_mistake"])
        return CheckResult.passed("Correct: toy.")
    result = check_toy(4)
    assert result.status == "wrong" and result.mistakes == ("toy_mistake",) and result.text.startswith("Not yet: toy")
    assert check_toy(3).correct and check_toy.__doc__ == "Toy checker."
    with pytest.raises(WrongAnswer, match="toy: given something else"):
        check_toy(4, strict=True)
    assert isinstance(check_toy.hint, Hints) and "no hints" in repr(check_toy.hint())


@pytest.mark.parametrize("name, check", CHECKERS, ids=[n for n, _ in CHECKERS])
def test_every_checker_takes_strict_and_has_hints(name, check):
    assert isinstance(check.hint, Hints)
    if isinstance(check, FunctionExercise):
        assert "strict" in inspect.signature(check.__call__).parameters
        source = inspect.getsource(type(check))
    else:
        assert check.__wrapped__ and check.__name__ == name        # made a checker by @checker
        source = inspect.getsource(check.__wrapped__)
        if name in UNANSWERED:
            assert UNANSWERED[name](check).status == "not_answered"
            with pytest.raises(WrongAnswer, match="Not (answered|written) yet"):
                UNANSWERED[name](check, strict=True)
    assert "print(" not in source, f"{name} prints"


def test_a_checker_never_prints_and_never_raises_on_a_wrong_answer(capsys):
    a, b, mode = ex.nb01_flip.flip_exercise_data()
    result = ex.check_convolution_via_correlation(np.zeros((6, 7)), a, b, mode)
    assert result.status == "wrong" and capsys.readouterr().out == ""
    assert ex.check_relu_backward(lambda dout, z: dout).status == "wrong"
    assert capsys.readouterr().out == ""


# ------------------------------------------------------------------ the plain text

TOKENS = ["rot180(w[f, c])", "3 x 3", "H_out = (H + 2P - KH) // S + 1", "'valid'", "`check.case(2)`",
          "dw[f=0, c=1, m=2, q=0]", "x_pad[n, c, S·i + m, S·j + q]"]


@given(st.lists(st.sampled_from(TOKENS + ["word", "the", "kernel,", "given", "-1.5", "entries"]),
                min_size=1, max_size=60), st.integers(20, 100), st.integers(0, 3))
def test_wrapping_never_cuts_a_token_and_keeps_every_word(words, width, indent):
    line = " " * (2 * indent) + " ".join(words)
    wrapped = wrap_text([line], width)
    assert " ".join(wrapped.split()) == " ".join(line.split())          # nothing lost or added
    pieces = chunks(line.strip())
    for out in wrapped.splitlines():                                      # a line breaks only between pieces
        body = out.strip()
        assert any(body.startswith(p) for p in pieces) and any(body.endswith(p) for p in pieces), (out, pieces)
        assert len(out) <= width or len(chunks(body)) == 1


def test_the_known_bad_breaks_of_the_old_messages_do_not_happen():
    line = ("  wrong on 5 of 5 geometries: dx[n=0, c=0, u=0, v=1]: given 6, expected -1; a 3x3 kernel, "
            "rot180(w[f, c]) of every filter, H_out = (H + 2P - KH) // S + 1")
    for width in range(30, 100, 7):
        text = wrap_text([line], width)
        assert "3\nx3" not in text and "rot180(w\n" not in text and "dx[n=0,\n" not in text
        assert "rot180(w[f, c])" in text and "(H + 2P - KH) // S + 1" in text


# ------------------------------------------------------------------ the HTML

def test_the_html_escapes_shows_the_badge_and_follows_the_theme():
    result = CheckResult.wrong(["dw: <b>3</b> of 9 entries & more.", "  Hint: use `rot180(w)`.",
                                "  To debug: `check.case(1)`."])
    page = result._repr_html_()
    assert "<b>3</b>" not in page and "&lt;b&gt;3&lt;/b&gt;" in page and "&amp; more" in page
    assert '<span class="cnnlib-check__badge">Not yet</span>' in page and "<code>rot180(w)</code>" in page
    assert "cnnlib-check--wrong" in page and page == result._repr_html_()     # deterministic (nbval)
    css = re.search(r"<style>(.*)</style>", page).group(1)
    for fixed in ("background:#fff", "background:white", "background:#000", "background:black",
                  "color:#000", "color:black"):
        assert fixed not in css.replace(" ", "")
    assert "color:inherit" in css and "var(--jp-" in css
    assert to_html("correct", ["Correct: fine."]).count("Correct") == 1      # the badge is not repeated


def test_every_status_has_its_own_look():
    pages = {s: to_html(s, ["x"]) for s in ("correct", "wrong", "not_answered")}
    assert len({re.search(r"cnnlib-check--(\w+)", p).group(1) for p in pages.values()}) == 3


# ------------------------------------------------------------------ hints

def test_hints_come_in_levels_and_a_bad_level_gets_a_message(monkeypatch):
    import cnnlib.exercises.nb03_kernel_gradient as nb03
    monkeypatch.setattr(nb03, "HINTS", {"check_kernel_gradient": ("See §4, eq. 14.", "Dilate $\\delta$ first.",
                                                                   "Loop over m and q.")}, raising=False)
    hint = ex.check_kernel_gradient.hint
    assert len(hint) == 3 and "3 hint levels" in repr(hint())
    assert repr(hint(1)).startswith("Hint 1 of 3 for check_kernel_gradient") and "eq. 14" in repr(hint(1))
    assert "$\\delta$" in hint(2)._repr_markdown_() and hint(2)._repr_markdown_().startswith("**Hint 2 of 3")
    for bad in (0, 4, -1, "1", 1.0, True, [1]):
        text = repr(hint(bad))
        assert "there are 3 levels, ask for hint(1), hint(2) or hint(3)" in text, text
    assert repr(hint(np.int64(2))).startswith("Hint 2 of 3")


def test_a_function_exercise_finds_hints_by_its_checker_name(monkeypatch):
    import cnnlib.exercises.nb05_relu_backward as nb05
    monkeypatch.setattr(nb05, "HINTS", {"check_relu_backward": ("the ReLU section",)}, raising=False)
    assert repr(ex.check_relu_backward.hint(1)) == "Hint 1 of 1 for check_relu_backward\n\nthe ReLU section"
    assert "1 hint level: hint(1)" in repr(ex.check_relu_backward.hint())


@pytest.mark.parametrize("module", NOTEBOOK_MODULES)
def test_every_hint_table_names_a_checker_and_holds_text(module):
    import importlib
    mod = importlib.import_module(f"cnnlib.exercises.{module}")
    for name, levels in getattr(mod, "HINTS", {}).items():
        assert callable(getattr(ex, name, None) or getattr(mod, name, None)), f"{module}.HINTS: no checker {name}"
        levels = (levels,) if isinstance(levels, str) else levels
        assert levels and all(isinstance(t, str) and t.strip() for t in levels), name
