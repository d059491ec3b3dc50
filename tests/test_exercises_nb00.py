"""Tests of cnnlib/exercises/nb00_network_shapes.py: notebook 00's checker. Every catalogued
mistake is proven named by its mutant (tests/mutants/nb00_network_shapes.py) in
test_mistake_catalogue.py; here: the reference shapes against a count made without cnnlib,
answers that give nothing away, bad input, an unanswered template.
"""
import re

import pytest

from cnnlib.exercises import WrongAnswer, check_seed_network_shapes
from cnnlib.exercises.nb00_network_shapes import SEED_SHAPE_MISTAKES, _SEED_LAYERS, _stage_mistakes
from cnnlib.exercises.nb00_network_shapes import seed_network_shapes


def _windows(size, k, stride):
    """Window starts that fit, counted one by one."""
    return sum(1 for start in range(0, size, stride) if start + k <= size)


def test_seed_network_shapes_follow_seed_004_by_counting_windows():
    h = [28]
    for k in (3, 4):
        h.append(_windows(h[-1], k, 1))      # conv, stride 1
        h.append(_windows(h[-1], 2, 2))      # 2x2 pool, stride 2
    expected = [(1, 1, 28, 28), (1, 3, h[1], h[1]), (1, 3, h[1], h[1]), (1, 3, h[2], h[2]),
                (1, 10, h[3], h[3]), (1, 10, h[3], h[3]), (1, 10, h[4], h[4]), (1, 10)]
    assert seed_network_shapes() == expected


def test_the_right_shapes_pass():
    assert check_seed_network_shapes(seed_network_shapes()).text.startswith("Correct: all 8 shapes")
    assert check_seed_network_shapes([list(s) for s in seed_network_shapes()]).correct is True


def test_every_stage_mistake_differs_from_the_right_shape_and_from_the_others():
    expected = seed_network_shapes()
    seen = set()
    for k, (name, kind, filters, size) in enumerate(_SEED_LAYERS):
        found = _stage_mistakes(kind, filters, size, expected[k - 1] if k else None, expected[k])
        shapes = [s for s, _ in found]
        assert expected[k] not in shapes and len(set(shapes)) == len(shapes), name
        seen |= {m for _, m in found}
    assert seen == set(SEED_SHAPE_MISTAKES)


def test_the_first_wrong_stage_is_named_without_the_expected_shape():
    answer = seed_network_shapes()
    answer[3] = (1, 3, 14, 14)                  # pool1 rounded up: not a catalogued mistake here
    with pytest.raises(WrongAnswer) as info:
        check_seed_network_shapes(answer, strict=True)
    message = str(info.value)
    assert "1 of 8 stages is not right; the first is pool1: given (1, 3, 14, 14)" in message
    assert "(1, 3, 13, 13)" not in message and not re.search(r"\b13\b", message)
    assert "Hint: a 2x2 max pool with stride 2" in message and info.value.mistakes == ()


def test_the_depth_mistake_gets_the_depth_hint_not_the_shrink_hint():
    answer = seed_network_shapes()
    answer[4:7] = [(1, 3, 10, 10), (1, 3, 10, 10), (1, 3, 5, 5)]
    with pytest.raises(WrongAnswer) as info:
        check_seed_network_shapes(answer, strict=True)
    assert info.value.mistakes == ("depth_is_input_channels",)
    assert "shrink" not in str(info.value) and "number of filters F" in str(info.value)


@pytest.mark.parametrize("scores", [(1, 10, 1, 1), (10, 1), (1, 250, 10)])
def test_a_wrong_scores_shape_gets_a_hint_that_states_the_shape(scores):
    """Review 1, item 11: with no catalogued mistake at the scores, the stage's own hint says
    what the scores' shape is, (N, 10), as the exercise does."""
    result = check_seed_network_shapes(seed_network_shapes()[:7] + [scores])
    assert result.status == "wrong" and result.mistakes == ()
    assert "the first is scores" in result.text and "(N, 10)" in result.text


@pytest.mark.parametrize("answer, match", [
    (seed_network_shapes()[:5], "expected a list of 8 shapes"),
    ("shapes", "expected a list of 8 shapes"),
    (42, "expected a list of 8 shapes"),
    (seed_network_shapes()[:7] + [(1, 10.5)], "scores: sizes are whole numbers"),
    (seed_network_shapes()[:1] + [None] + seed_network_shapes()[2:], "conv1: expected a tuple of whole numbers"),
    (seed_network_shapes()[:1] + [(1, "3", "x", 26)] + seed_network_shapes()[2:], "conv1: expected a tuple"),
])
def test_malformed_answers_get_a_clear_message(answer, match):
    with pytest.raises(WrongAnswer, match=match):
        check_seed_network_shapes(answer, strict=True)


def test_an_unanswered_template_runs():
    result = check_seed_network_shapes(None)
    assert result.status == "not_answered" and "Not answered yet" in result.text


def test_notebook_00_runs_no_conv_layer_function_before_its_exercise():
    import json
    from pathlib import Path
    cells = json.loads((Path(__file__).resolve().parents[1] / "notebooks" / "00_start_here.ipynb").read_text())["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    before = code[:next(k for k, src in enumerate(code) if "my_shapes = None" in src)]
    assert not any(re.search(r"(?<![\w.])(conv2d_forward\w*|conv_output_shape|seed_network_shapes)\b", src)
                   for src in before)


def test_nb00_hints_point_to_the_network_and_never_give_a_shape():
    from cnnlib.exercises.nb00_network_shapes import HINTS
    levels = HINTS["check_seed_network_shapes"]
    assert 2 <= len(levels) <= 3 and "notebook 00" in levels[0]
    text = " ".join(levels)
    assert not any(str(shape) in text for shape in seed_network_shapes()[1:])
    assert not re.search(r"\b(26|13|5)\b|10, 10", text)
