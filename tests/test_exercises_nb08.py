"""Tests of cnnlib/exercises/nb08_backward_pass.py: notebook 08's checkers (their mistakes are proven
caught and named through the mutants in test_mistake_catalogue.py).

What is proven here: the count of relu2 units with a nonzero delta is one per pooling window of
the digit, and every typical wrong count differs from it; the input-gradient checker's expected
answers are right by a second route (a scatter loop, written here, and on the digit the network's
own delta), its hidden geometries cover what the mistakes need, and it tells them all apart.
"""
import numpy as np
import pytest

from cnnlib.exercises import WrongAnswer
from cnnlib.exercises.nb08_backward_pass import (DIGIT, HINTS, POOL1_MISTAKES, RELU2_MISTAKES, _digit_case,
                                                 check_pool1_delta, check_relu2_delta_count, reference,
                                                 relu2_delta_counts)
from cnnlib.explorers.network_state import held_out_digits, network_state, trained_two_conv_net


@pytest.fixture(scope="module")
def state():
    x, _, labels = held_out_digits()
    return network_state(trained_two_conv_net(), x[DIGIT], int(labels[DIGIT]))


def test_the_count_is_one_unit_per_pooling_window_and_every_wrong_count_differs(state):
    right, wrong = relu2_delta_counts(state)
    assert right == 250 == np.count_nonzero(state.delta["maxpool2"])   # every pool2 delta is nonzero here
    received = state.delta["relu2"].reshape(10, 5, 2, 5, 2) != 0        # (F, 5, 2, 5, 2): the 2x2 windows
    assert (received.sum(axis=(2, 4)) == 1).all()                       # exactly one unit per window
    values = [v for v, _ in wrong]
    assert len(values) == len(set(values)) == len(RELU2_MISTAKES) and right not in values
    assert sorted(values) == sorted([1000, int(np.count_nonzero(state.delta["conv2"])),
                                     int(np.count_nonzero(state.act["relu2"])), 750])


def test_the_count_checker(state):
    assert check_relu2_delta_count(250, state).correct
    assert check_relu2_delta_count(None, state).status == "not_answered"
    result = check_relu2_delta_count(251, state)
    assert result.status == "wrong" and result.mistakes == () and "250" not in result.text   # not given away
    with pytest.raises(WrongAnswer):
        check_relu2_delta_count(1000, state, strict=True)
    assert "Hint 2 of 3" in repr(check_relu2_delta_count.hint(2))
    assert "Hint 1 of 3" in repr(check_pool1_delta.hint(1))


def _scatter(w2, delta):
    """The input gradient as a scatter: each delta sends itself, times the filter, to its window."""
    f_count, c_count, kh, kw = w2.shape
    _, h, w = delta.shape
    out = np.zeros((c_count, h + kh - 1, w + kw - 1))
    for f in range(f_count):
        for i in range(h):
            for j in range(w):
                out[:, i:i + kh, j:j + kw] += delta[f, i, j] * w2[f]
    return out


def test_the_expected_answers_are_right_by_a_second_route():
    cases, expected = check_pool1_delta.cases, check_pool1_delta._expected
    for case, (ref,) in zip(cases, expected):
        assert np.allclose(_scatter(*case.args), ref, rtol=1e-5, atol=1e-7)
        assert np.allclose(reference(*case.args), ref, rtol=1e-5, atol=1e-7)
    digit, own = _digit_case()
    assert np.array_equal(expected[0][0], own)          # the digit's answer is the network's own delta
    assert np.count_nonzero(own) == 456 and own.shape == (3, 13, 13)


def test_the_geometries_cover_what_the_mistakes_need_and_tell_them_apart():
    shapes = [c.args[0].shape for c in check_pool1_delta.cases]
    assert any(f != c for f, c, _, _ in shapes) and any(f == c for f, c, _, _ in shapes)   # F != C and F = C
    assert any(kh != kw for _, _, kh, kw in shapes)                                      # a non-square kernel
    assert any(f == 1 and c > 1 for f, c, _, _ in shapes) and any(f == c == 1 for f, c, _, _ in shapes)
    assert any(d.args[1].shape[1] < d.args[0].shape[2] for d in check_pool1_delta.cases)  # deltas < kernel
    assert check_pool1_delta.distinguishable() == []
    assert len({m.key for m in POOL1_MISTAKES}) == len(POOL1_MISTAKES)


def test_hints_come_in_three_levels_for_both_checkers():
    assert sorted(HINTS) == ["check_pool1_delta", "check_relu2_delta_count"]
    for levels in HINTS.values():
        assert len(levels) == 3 and all(len(text) > 40 for text in levels)
    assert not any("250" in text for text in HINTS["check_relu2_delta_count"])
    assert not any("rot180(" in text or "mode=" in text for text in HINTS["check_pool1_delta"])


def test_an_unwritten_template_and_a_function_that_changes_its_input():
    def template(w2, delta_conv2):
        raise NotImplementedError("your turn")
    result = check_pool1_delta(template)
    assert result.status == "not_answered" and "Not written yet: pool1_delta" in result.text

    def in_place(w2, delta_conv2):
        delta_conv2 *= 1.0
        w2[0, 0, 0, 0] = 0.0
        return _scatter(w2, delta_conv2)
    with pytest.raises(WrongAnswer, match="changed its input w2 in place"):
        check_pool1_delta(in_place, strict=True)


def _code_before(notebook, marker):
    """The code cells of a course notebook before the first cell that contains ``marker``, and that cell."""
    import json
    from pathlib import Path
    cells = json.loads((Path(__file__).resolve().parents[1] / "notebooks" / notebook).read_text())["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    first = next(k for k, src in enumerate(code) if marker in src)
    return code[:first], code[first]


def test_notebook_08_asks_its_question_before_showing_the_answer():
    """No cell above the question counts deltas, prints the explorer's notes or shows the explorer."""
    before, question = _code_before("08_watch_the_backward_pass.ipynb", "relu2_with_a_delta = None")
    assert "check_relu2_delta_count(relu2_with_a_delta, state)" in question
    for name in ("count_nonzero", "layer_notes(", "network_explorer(", "delta["):
        assert not any(name in src for src in before), f"{name} is used above the question"


def test_notebook_08_has_no_reference_input_gradient_before_its_exercise():
    import re
    before, template = _code_before("08_watch_the_backward_pass.ipynb", "def pool1_delta")
    for name in ("conv2d_backward", "conv2d_backward_naive", "input_gradient_by_full_convolution", "routes"):
        assert not any(re.search(rf"(?<![\w.]){name}\b", src) for src in before), name
    assert "raise NotImplementedError" in template
    body = template.split('"""')[-1]                    # what the template does, after its docstring
    for recipe in ("rot180(", "mode=", "for ", "+="):
        assert recipe not in body and recipe not in template.split("def pool1_delta")[1], recipe


def test_an_answer_that_calls_cnnlibs_input_gradient_gets_a_note():
    result = check_pool1_delta(lambda w2, delta_conv2: reference(w2, delta_conv2))
    assert result.correct and "Note: your function calls cnnlib's `conv2d_backward`" in result.text


def test_an_answer_no_mistake_explains_gets_the_geometry_split():
    """Summing the deltas and the kernels over the filters first is right only with one filter:
    the diagnosis reads F and C off w2 and says so."""
    def filters_summed_first(w2, delta_conv2):
        d, k = delta_conv2.sum(axis=0), w2.sum(axis=0)                      # (H', W'), (C, KH, KW)
        return np.stack([_scatter(k[None, c:c + 1], d[None])[0] for c in range(k.shape[0])])
    result = check_pool1_delta(filters_summed_first)
    assert not result.correct and result.mistakes == ()
    assert "right on the 2 geometries with F = 1" in result.text and "the filter axis f" in result.text
