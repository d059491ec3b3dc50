"""Tests of cnnlib/exercises/nb02_conv_forward.py and nb02_conv_arithmetic.py: notebook 02's
checkers. Every catalogued mistake is proven named by its mutant in test_mistake_catalogue.py;
here: the exercise data, answers that give nothing away, bad input, and the checker's own
contract (it never changes its inputs, an unanswered template runs).
"""
import re

import numpy as np
import pytest

from cnnlib.conv import conv2d_forward_naive, conv_output_shape
from cnnlib.correlate import pad2d
from cnnlib.data import teaching_example
from cnnlib.exercises import WrongAnswer, check_conv_output_cell, check_conv_output_shape
from cnnlib.exercises.nb02_conv_arithmetic import (CELL_MISTAKES, SHAPE_MISTAKES, _cell_mistakes,
                                                   _shape_mistakes, conv_cell_exercise_data,
                                                   conv_shape_exercise_data)
from cnnlib.exercises.nb02_conv_forward import FORWARD_MISTAKES, check_conv_forward_loops


# ------------------------------------------------------------------ exercise 1: the shape

def _count_windows(size, k, s, p):
    """Window starts that fit in the padded axis, counted one by one (no formula)."""
    return sum(1 for start in range(size + 2 * p) if start % s == 0 and start + k <= size + 2 * p)


def test_shape_exercise_data_shows_every_mistake():
    x_shape, w_shape, s, p = conv_shape_exercise_data()
    right = (x_shape[0], w_shape[0], _count_windows(x_shape[2], w_shape[2], s, p),
             _count_windows(x_shape[3], w_shape[3], s, p))
    assert conv_output_shape(x_shape, w_shape, s, p) == right
    wrong = _shape_mistakes(x_shape, w_shape, s, p)
    assert {m for _, m in wrong} == set(SHAPE_MISTAKES)
    shapes = [tuple(v) for v, _ in wrong]
    assert right not in shapes and len(set(shapes)) == len(shapes), "two mistakes give one shape here"


def test_shape_checker_accepts_the_right_shape_and_names_the_wrong_entries():
    ex = teaching_example()
    assert check_conv_output_shape((1, 1, 3, 3), ex.x.shape, ex.w.shape, ex.stride, ex.pad).text.startswith("Correct")
    assert check_conv_output_shape(np.array([2, 6, 32, 32]), (2, 3, 32, 32), (6, 3, 5, 5), 1, 2)
    with pytest.raises(WrongAnswer, match=r"given \(2, 6, 11, 9\): H_out and W_out are not right "
                                          r"\(N and F are right\)\.\n.*Use H_out = floor") as info:
        check_conv_output_shape((2, 6, 11, 9), *conv_shape_exercise_data(), strict=True)
    assert info.value.mistakes == ()


def test_shape_checker_never_gives_the_expected_shape_away():
    data = conv_shape_exercise_data()
    expected = conv_output_shape(*data)
    for wrong, mistake in _shape_mistakes(*data):
        with pytest.raises(WrongAnswer) as info:
            check_conv_output_shape(wrong, *data, strict=True)
        assert info.value.mistakes == (mistake.key,)
        rest = str(info.value).split(":", 3)[3]      # the message after "Not yet: ...: given (...):"
        assert str(expected) not in rest and f"{expected[2]}, {expected[3]}" not in rest


@pytest.mark.parametrize("answer, match", [
    ((3, 3), "expected 4 numbers"), ("abcd", "expected 4 numbers"), ((1, 2, (3, 4), 5), "expected 4 numbers"),
    ((2, 6, 10.5, 8), "whole numbers"),
])
def test_shape_checker_rejects_malformed_answers(answer, match):
    with pytest.raises(WrongAnswer, match=match):
        check_conv_output_shape(answer, *conv_shape_exercise_data(), strict=True)


def test_shape_checker_template_is_not_answered():
    result = check_conv_output_shape(None, *conv_shape_exercise_data())
    assert result.status == "not_answered" and "Not answered yet" in result.text


# ------------------------------------------------------------------ exercise 2: one cell

def test_cell_exercise_data_shows_every_mistake():
    x, w, b, s, p, (n, f, i, j) = conv_cell_exercise_data()
    x_pad = pad2d(x, p)
    by_sum = b[f] + sum(w[f, c, m, q] * x_pad[n, c, s * i + m, s * j + q]
                        for c in range(x.shape[1]) for m in range(3) for q in range(3))
    assert by_sum == conv2d_forward_naive(x, w, b, s, p)[0][n, f, i, j]
    wrong = _cell_mistakes(x, w, b, s, p, n, f, i, j)
    assert {m for _, m in wrong} == set(CELL_MISTAKES)
    values = [v for v, _ in wrong]
    assert by_sum not in values and len(set(values)) == len(values), "two mistakes give one number here"


def test_cell_data_keeps_every_mistake_two_away_from_the_answer_and_names_the_other_filters_bias():
    """Review 1, item 3: b2[0] + Σ w2[1]·window (the other filter's bias) was named "the bias was
    added once per input channel". Now it is named for what it is, and a slip of one in the
    arithmetic is named as no mistake."""
    data = conv_cell_exercise_data()
    x, w, b, s, p, (n, f, i, j) = data
    expected = conv2d_forward_naive(x, w, b, s, p)[0][n, f, i, j]
    assert all(abs(v - expected) >= 2 for v, _ in _cell_mistakes(x, w, b, s, p, n, f, i, j))
    for slip in (-1, 1):
        result = check_conv_output_cell(expected + slip, *data[:5], *data.cell)
        assert result.status == "wrong" and result.mistakes == ()
    other_bias = expected - b[f] + b[1 - f]
    assert check_conv_output_cell(other_bias, *data[:5], *data.cell).mistakes == ("cell_wrong_filter",)


def test_cell_checker_accepts_every_cell_of_the_reference():
    x, w, b, s, p, _ = conv_cell_exercise_data()
    out, _ = conv2d_forward_naive(x, w, b, s, p)
    for idx in np.ndindex(*out.shape):
        assert check_conv_output_cell(out[idx], x, w, b, s, p, *idx)


def test_cell_checker_never_gives_the_value_away():
    data = conv_cell_exercise_data()
    expected = conv2d_forward_naive(*data[:5])[0][data.cell]
    with pytest.raises(WrongAnswer) as info:
        check_conv_output_cell(expected + 13, *data[:5], *data.cell, strict=True)
    assert f"{expected:g}" not in str(info.value) and info.value.mistakes == ()
    assert "not answered yet" not in str(info.value)


def test_cell_checker_does_not_change_its_inputs():
    data = conv_cell_exercise_data()
    copies = [a.copy() for a in data[:3]]
    with pytest.raises(WrongAnswer):
        check_conv_output_cell(0.0, *data[:5], *data.cell, strict=True)
    assert all(np.array_equal(a, c) for a, c in zip(data[:3], copies))


# ------------------------------------------------------------------ Your turn: the loops

def test_forward_catalogue_keys_and_the_hidden_geometries():
    cases = check_conv_forward_loops.cases
    assert len({m.key for m in FORWARD_MISTAKES}) == len(FORWARD_MISTAKES) == 20
    shapes = [(c.args[0].shape, c.args[1].shape, c.args[3], c.args[4]) for c in cases]
    assert any(xs[1] != ws[0] for xs, ws, _, _ in shapes), "C != F somewhere"
    assert any(xs[2] != xs[3] for xs, _, _, _ in shapes) and any(ws[2] != ws[3] for _, ws, _, _ in shapes)
    assert any((xs[2] + 2 * p - ws[2]) % s for xs, ws, s, p in shapes), "a stride that does not tile"
    assert any(p > 0 for *_, p in shapes) and all(np.all(c.args[2] != 0) for c in cases)


@pytest.mark.parametrize("cell", [(0, 2, 0, 0), (0, 1, 4, 0), (0, 1, -1, 0), (0.5, 1, 2, 1)])
def test_cell_checker_rejects_a_cell_outside_the_output(cell):
    data = conv_cell_exercise_data()
    with pytest.raises(ValueError, match=r"cell \(n, f, i, j\): expected whole numbers with 0 <= n < 1, 0 <= f < 2"):
        check_conv_output_cell(1.0, *data[:5], *cell)


# ------------------------------------------------------------------ challenge first

def _code_before(notebook, marker):
    """The code cells of a course notebook before the first cell that contains ``marker``."""
    import json
    from pathlib import Path
    cells = json.loads((Path(__file__).resolve().parents[1] / "notebooks" / notebook).read_text())["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    first = next(k for k, src in enumerate(code) if marker in src)
    return code[:first], code[first]


def test_notebook_02_has_no_reference_layer_before_its_exercises():
    before, _ = _code_before("02_conv_layer_forward.ipynb", "my_shape = None")
    for name in ("conv2d_forward", "conv2d_forward_naive", "conv_output_shape", "conv2d_backward"):
        assert not any(re.search(rf"(?<![\w.]){name}\b", src) for src in before), \
            f"{name} is in notebook 02's namespace before its exercises"


def test_notebook_02_template_gives_the_task_not_the_formula():
    _, template = _code_before("02_conv_layer_forward.ipynb", "def conv_forward_loops")
    assert "raise NotImplementedError" in template
    assert "S·i" not in template and "x_pad[" not in template and "//" not in template and "Σ" not in template


def test_nb02_hints_go_from_a_section_to_the_loop_structure_without_the_answers():
    from cnnlib.exercises.nb02_conv_arithmetic import HINTS as ARITHMETIC_HINTS
    from cnnlib.exercises.nb02_conv_forward import HINTS
    hints = {**ARITHMETIC_HINTS, **HINTS}
    assert set(hints) == {"check_conv_output_shape", "check_conv_output_cell", "check_conv_forward_loops"}
    assert all(2 <= len(levels) <= 3 and "section" in levels[0].lower() for levels in hints.values())
    assert "loops" in hints["check_conv_forward_loops"][-1]
    data = conv_shape_exercise_data()
    x, w, b, s, p, cell = conv_cell_exercise_data()
    expected_shape = conv_output_shape(*data)
    expected_cell = conv2d_forward_naive(x, w, b, s, p)[0][cell]
    text = " ".join(" ".join(levels) for levels in hints.values())
    assert str(expected_shape[2:])[1:-1] not in text and f"{expected_cell:g}" not in text.split()


def test_every_checker_of_notebooks_00_to_02_answers_hint_requests():
    from cnnlib.exercises import check_convolution_via_correlation, check_seed_network_shapes
    checkers = [check_seed_network_shapes, check_convolution_via_correlation, check_conv_output_shape,
                check_conv_output_cell, check_conv_forward_loops]
    for checker in checkers:
        n = len(checker.hint)
        assert 2 <= n <= 3, checker
        assert repr(checker.hint(1)).startswith(f"Hint 1 of {n} for ")
        assert f"there are {n} levels" in repr(checker.hint(n + 1))
