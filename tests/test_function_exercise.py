"""Tests of cnnlib/exercises/function_exercise.py on a toy exercise: scale(v, k) -> (v * k, k * sum v).

The checker's contract: right answers pass; "not written yet" while the template raises
NotImplementedError; each output judged on its own; the first wrong entry by its letters;
every mistake that explains an output named (twins together, none when none explains it);
exceptions reported with the learner's line; inputs changed in place, None returned and a
wrong number of results rejected with a clear message.
"""
import numpy as np
import pytest

from cnnlib.exercises import RAISES, Case, FunctionExercise, FunctionMistake, Output, Variants, WrongAnswer


def _ref(v, k):
    return v * k, np.array(k * v.sum())


def _cases():
    return [Case("a short vector", (np.array([1.0, 2.0]), 3.0)),
            Case("a longer one", (np.array([1.0, -1.0, 4.0]), 2.0))]


MISTAKES = [
    FunctionMistake("forgot_k", "the factor k is missing from the product.", lambda v, k: (v, np.array(k * v.sum()))),
    FunctionMistake("double_k", "k was applied twice to the sum.", lambda v, k: (v * k, np.array(k * k * v.sum()))),
    FunctionMistake("same_as_double", "a twin of double_k.", lambda v, k: (v * k, np.array(k * k * v.sum()))),
    FunctionMistake("crash_long", "it crashes on long vectors.", lambda v, k: RAISES if len(v) > 2 else _ref(v, k)),
    FunctionMistake("styles", "two ways to write the same slip.",
                    lambda v, k: Variants([RAISES, (v * k + 1, np.array(k * v.sum()))])),
]


def exercise(mistakes=MISTAKES, twins=()):
    return FunctionExercise("scale", ("v", "k"), [Output("scaled", "p", "P"), Output("total", "")],
                            reference=_ref, cases=_cases, mistakes=mistakes, twins=twins)


def test_right_answer_passes_and_lists_the_geometries():
    result = exercise()(lambda v, k: (v * k, k * v.sum()))
    assert result.correct is True
    out = result.text
    assert "Correct: scale matches cnnlib on all 2 geometries" in out and "1. a longer one" in out


def test_not_written_yet_is_not_answered():
    def template(v, k):
        raise NotImplementedError
    result = exercise()(template)
    assert result.status == "not_answered" and result.text.startswith("Not written yet: scale")


def test_each_output_is_judged_on_its_own():
    with pytest.raises(WrongAnswer) as info:
        exercise()(lambda v, k: (v, k * v.sum()), strict=True)
    msg = str(info.value)
    assert "scaled: wrong on 2 of 2 geometries" in msg and "total: right on all 2 geometries" in msg
    assert "the first is scaled[p=0]: given 1, expected 3" in msg
    assert info.value.mistakes == ("forgot_k",)


def test_all_mistakes_that_explain_an_answer_are_named():
    with pytest.raises(WrongAnswer) as info:
        exercise()(lambda v, k: (v * k, k * k * v.sum()), strict=True)
    assert set(info.value.mistakes) == {"double_k", "same_as_double"}
    assert "cannot tell them apart" in str(info.value)


def test_no_hint_when_no_mistake_explains_it():
    with pytest.raises(WrongAnswer) as info:
        exercise()(lambda v, k: (v * k + 5, k * v.sum()), strict=True)
    assert info.value.mistakes == () and "No typical mistake" in str(info.value)


def test_an_exception_is_reported_with_the_learners_line_and_matched_to_a_raising_mistake():
    def crashes_on_long(v, k):
        if len(v) > 2:
            return v[7] * k, 0.0
        return v * k, k * v.sum()
    with pytest.raises(WrongAnswer) as info:
        exercise()(crashes_on_long, strict=True)
    msg = str(info.value)
    assert "failed on 1 of 2 geometries; the first is geometry 1: a longer one" in msg
    assert "IndexError" in msg and "return v[7] * k, 0.0" in msg
    assert info.value.mistakes == ("crash_long",)


def test_variants_match_either_way_of_writing_the_mistake():
    with pytest.raises(WrongAnswer) as info:
        exercise()(lambda v, k: (v * k + 1, k * v.sum()), strict=True)
    assert info.value.mistakes == ("styles",)
    with pytest.raises(WrongAnswer) as info:
        exercise()(lambda v, k: 1 / 0, strict=True)
    assert info.value.mistakes == ("styles",)


def test_inputs_changed_in_place_none_and_wrong_result_count_are_rejected():
    def in_place(v, k):
        v *= k
        return v, k * v.sum() / k
    with pytest.raises(WrongAnswer, match="changed its input v in place"):
        exercise()(in_place, strict=True)
    with pytest.raises(WrongAnswer, match="returned None"):
        exercise()(lambda v, k: None, strict=True)
    with pytest.raises(WrongAnswer, match=r"expected 2 results \(scaled, total\), given 1"):
        exercise()(lambda v, k: v * k, strict=True)
    with pytest.raises(WrongAnswer, match="expected your function"):
        exercise()(np.zeros(2), strict=True)


def test_wrong_shape_names_the_dimensions():
    with pytest.raises(WrongAnswer, match=r"wrong shape: expected \(P\) = \(2,\), given \(3,\)"):
        exercise()(lambda v, k: (np.append(v * k, 0.0), k * v.sum()), strict=True)


def test_distinguishable_finds_mistakes_the_data_cannot_see():
    invisible = FunctionMistake("invisible", "changes nothing here.", _ref)
    assert exercise(MISTAKES[:2])._make_cases and exercise(MISTAKES[:2]).distinguishable() == []
    problems = exercise(MISTAKES[:3] + [invisible]).distinguishable()
    assert "invisible: the cases cannot tell it from the right answer" in problems
    assert any("double_k: the cases cannot tell it from same_as_double" in p for p in problems)
    assert exercise(MISTAKES[:3], twins=[{"double_k", "same_as_double"}]).distinguishable() == []


def test_the_checker_never_changes_its_cases():
    ex = exercise()
    before = ex.case(1)
    ex(lambda v, k: (v * k, k * v.sum()))
    assert np.array_equal(ex.case(1)["v"], before["v"]) and ex.case(1)["k"] == 2.0


def test_an_output_can_say_what_the_first_wrong_index_means():
    def where(index, args):
        v, k = args
        return f"entry {index[0]} of a vector of {len(v)}, k = {k:g}"
    ex = FunctionExercise("scale", ("v", "k"), [Output("scaled", "p", "P", where=where), Output("total", "")],
                          reference=_ref, cases=_cases, mistakes=MISTAKES)
    with pytest.raises(WrongAnswer) as info:
        ex(lambda v, k: (v * k + (np.arange(len(v)) == 1), k * v.sum()), strict=True)
    assert "the first is scaled[p=1]: given 7, expected 6.\n  (entry 1 of a vector of 2, k = 3)" in str(info.value)
    assert Output("out", "n").where is None      # the field is optional: older exercises unchanged


def test_raises_can_name_the_kind_of_exception_so_two_crashing_mistakes_stay_apart():
    from cnnlib.exercises import Raises
    index_slip = FunctionMistake("index_slip", "an index runs past the end.",
                                 lambda v, k: Raises(IndexError) if len(v) > 2 else _ref(v, k))
    shape_slip = FunctionMistake("shape_slip", "two shapes that do not broadcast.",
                                 lambda v, k: Raises(ValueError, "broadcast") if len(v) > 2 else _ref(v, k))
    ex = exercise([index_slip, shape_slip])
    assert ex.distinguishable() == []
    with pytest.raises(WrongAnswer) as info:
        ex(lambda v, k: (v[[0, 1, 5]] * k, 0.0) if len(v) > 2 else _ref(v, k), strict=True)
    assert info.value.mistakes == ("index_slip",)
    with pytest.raises(WrongAnswer) as info:
        ex(lambda v, k: (v * np.ones(2), 0.0) if len(v) > 2 else _ref(v, k), strict=True)
    assert info.value.mistakes == ("shape_slip",)
    with pytest.raises(WrongAnswer) as info:   # another exception: neither is named
        ex(lambda v, k: (1 / 0, 0.0) if len(v) > 2 else _ref(v, k), strict=True)
    assert info.value.mistakes == ()
    # RAISES is Raises(): any exception, as before; both kinds are told from it by distinguishable()
    assert RAISES.matches(ZeroDivisionError()) and repr(RAISES) == "RAISES"
    assert exercise([index_slip, MISTAKES[3]]).distinguishable() == [
        "index_slip: the cases cannot tell it from crash_long"]


def test_distinguishable_names_as_the_checker_does_when_a_run_raises():
    # crash_long raises on the long vector; "styles" may raise there too and leaves the total
    # right, so it explains the total output alone, but not every output: the checker then names
    # crash_long only (a failed run is explained by a mistake that explains all outputs), and so
    # must distinguishable
    ex = exercise([MISTAKES[3], MISTAKES[4]])
    assert ex.distinguishable() == []

    def crashes_on_long(v, k):
        if len(v) > 2:
            raise IndexError("index 2 is out of bounds")
        return v * k, k * v.sum()
    with pytest.raises(WrongAnswer) as info:
        ex(crashes_on_long, strict=True)
    assert info.value.mistakes == ("crash_long",)
