"""Tests of cnnlib/exercises/compare.py: the comparison and the messages every checker uses.

Pattern: the reference answer passes (returns True); each kind of wrong answer is
rejected with a message that says what is wrong (``match=``).
"""
import numpy as np
import pytest

from cnnlib.exercises import (WrongAnswer, compare_answer)


# ------------------------------------------------------------- compare_answer


def test_compare_answer_accepts_equal_and_says_so_without_printing(capsys):
    result = compare_answer("a", [[1, 2], [3, 4]], np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert result.correct is True and bool(result) and result.text.startswith("Correct: a")
    assert compare_answer("a", 1.0, 1.0, quiet=True).correct is True
    assert capsys.readouterr().out == ""


def test_compare_answer_wrong_shape_says_expected_and_given():
    with pytest.raises(WrongAnswer, match=r"wrong shape: expected \(2, 3\), given \(3, 2\)"):
        compare_answer("a", np.zeros((3, 2)), np.zeros((2, 3)), strict=True)


def test_compare_answer_wrong_values_names_the_worst_entry():
    expected = np.arange(12.0).reshape(3, 4)
    given = expected.copy()
    given[1, 2] += 5
    given[2, 0] -= 0.5
    with pytest.raises(WrongAnswer) as info:
        compare_answer("a", given, expected, strict=True)
    msg = str(info.value)
    assert "2 of 12 entries differ" in msg
    assert "first wrong entry a[1, 2]: given 11, expected 6" in msg   # row-major first, not (2, 0)


def test_compare_answer_scalar_message_does_not_give_the_answer_away():
    with pytest.raises(WrongAnswer, match="given 3") as info:
        compare_answer("s", 3, 4, strict=True)
    assert "4" not in str(info.value)
    with pytest.raises(WrongAnswer, match="given 3, expected 4"):
        compare_answer("s", 3, 4, reveal=True, strict=True)


def test_compare_answer_names_entries_by_letters():
    with pytest.raises(WrongAnswer, match=r"dw\[f=0, c=1\]: given 1, expected 0"):
        compare_answer("dw", np.array([[0.0, 1.0], [1.0, 0.0]]),
                       np.zeros((2, 2)), letters="f c", reveal=True, strict=True)


def test_compare_answer_rejects_nan_and_non_numbers():
    with pytest.raises(WrongAnswer, match="NaN or infinite"):
        compare_answer("a", [1.0, np.nan], [1.0, 2.0], strict=True)
    with pytest.raises(WrongAnswer, match="expected numbers"):
        compare_answer("a", "hello", [1.0], strict=True)


def test_compare_answer_names_a_known_mistake_only_when_it_matches():
    expected, typo = np.array([1.0, 2.0]), np.array([2.0, 1.0])
    with pytest.raises(WrongAnswer, match="Hint: swapped"):
        compare_answer("a", typo, expected, known_mistakes=[(typo, "swapped")], strict=True)
    with pytest.raises(WrongAnswer) as info:
        compare_answer("a", [0.0, 0.0], expected, known_mistakes=[(typo, "swapped")], strict=True)
    assert "Hint" not in str(info.value)


def test_compare_answer_lists_every_matching_mistake():
    with pytest.raises(WrongAnswer, match="each of these mistakes(.|\n)*- first(.|\n)*- second"):
        compare_answer("a", 0.0, 1.0, known_mistakes=[(0.0, "first"), (0.0, "second"), (2.0, "third")], strict=True)


def test_an_unanswered_template_is_not_answered_yet():
    result = compare_answer("a", None, [1.0])
    assert result.status == "not_answered" and result.text.startswith("Not answered yet: a.")
    with pytest.raises(WrongAnswer, match="Not answered yet"):
        compare_answer("a", None, [1.0], strict=True)


def test_wrong_answer_is_an_assertion_error():
    assert issubclass(WrongAnswer, AssertionError)
