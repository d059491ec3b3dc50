"""Tests of cnnlib/exercises/nb07_training.py, nb07_models.py and nb07_backward.py: notebook 07's
checkers, the backward pass of seed 000's one-conv network (the Your turn) and one training step of
seed 004's network (the extra) (its mistakes are proven caught and named through the
mutants in test_mistake_catalogue.py).

What is proven here: the checker's two routes (finite differences of the true loss and
Sequential.backward) agree with each other on the hidden batches and each can fail on its own;
the mistakes' models are built on a chain that, with no slip, is the right step; the report
names the parameters whose gradient is wrong and only those; inputs changed in place and
answers of the wrong structure are rejected with a message that says so.
"""
import numpy as np
import pytest

from cnnlib.exercises import WrongAnswer
from cnnlib.exercises.nb07_backward import PARAM_NAMES as ONE_CONV_PARAMS
from cnnlib.exercises.nb07_backward import (HINTS, ONE_CONV_MISTAKES, OneConvGradientsExercise, backward,
                                            check_one_conv_gradients)
from cnnlib.exercises.nb07_backward import flat as flat_one_conv
from cnnlib.exercises.nb07_backward import reference as reference_one_conv
from cnnlib.exercises.nb07_models import PARAM_NAMES, PARAM_SHAPES, forward, step
from cnnlib.exercises.nb07_training import (TrainingStepExercise, check_training_step, flat,
                                            reference)
from cnnlib.gradcheck import rel_error
from cnnlib.network import two_conv_net

from mutants.nb07_backward import one_conv_gradients
from mutants.nb07_training import training_step


def test_the_hidden_batches_are_small_float64_and_every_mistake_shows():
    cases = check_training_step.cases
    assert len(cases) == 3 and {len(c.args[1]) for c in cases} == {1, 2, 3}  # a batch of one and larger ones
    for case in cases:
        params, x, y, lr = case.args
        assert x.dtype == np.float64 and all(params[p].dtype == np.float64 for p in PARAM_NAMES)
        assert all(np.any(params[p] != 0) for p in PARAM_NAMES)  # nonzero biases too
    assert check_training_step.distinguishable() == []


def test_the_step_with_no_slip_is_sequential_backward():
    """The mistakes' models are ``step`` with one switch on: with none, it is the right answer."""
    for case in check_training_step.cases:
        loss, grads, new = step(*case.args)
        ref_loss, ref_grads, ref_new = reference(*case.args)
        assert abs(loss - ref_loss) < 1e-12
        for p in PARAM_NAMES:
            assert grads[p].shape == PARAM_SHAPES[p]
            assert rel_error(grads[p], ref_grads[p]) < 1e-12 and rel_error(new[p], ref_new[p]) < 1e-12


def test_the_reference_agrees_with_finite_differences_on_every_parameter():
    """The checker's two routes agree, on sampled entries of all six arrays of every batch."""
    for case, (entries, numeric) in zip(check_training_step.cases, check_training_step.numeric):
        _, grads, _ = reference(*case.args)
        assert sorted(entries) == sorted(PARAM_NAMES)
        for p in PARAM_NAMES:
            size = int(np.prod(PARAM_SHAPES[p]))
            assert len(entries[p]) == (size if size <= 30 else 20)  # every entry of the small arrays
            assert rel_error(grads[p].reshape(-1)[entries[p]], numeric[p]) < 1e-7, p


def test_finite_differences_reject_a_wrong_reference():
    """The finite-difference route does not trust cnnlib: with a reference that forgot the ReLU
    masks, an answer equal to that reference is still rejected, on the conv parameters only."""
    broken = TrainingStepExercise()
    broken._reference = lambda *args: flat(step(*args, mask=(False, False)))
    with pytest.raises(WrongAnswer) as info:
        broken(lambda *args: step(*args, mask=(False, False)), strict=True)
    rows = {line.split()[0]: line for line in str(info.value).splitlines() if line.startswith("    ")}
    assert all(" WRONG " in rows[p] and "right on every batch" in rows[p] for p in PARAM_NAMES[:4])
    assert all(" agree " in rows[p] for p in PARAM_NAMES[4:])


def test_the_report_names_each_wrong_parameter_and_only_those():
    def relu1_mask_forgotten(params, x, y, lr):
        return step(params, x, y, lr, mask=(False, True))
    with pytest.raises(WrongAnswer) as info:
        check_training_step(relu1_mask_forgotten, strict=True)
    message = str(info.value)
    rows = {line.split()[0]: line for line in message.splitlines() if line.startswith("    ")}
    assert sorted(rows) == sorted(PARAM_NAMES)
    assert " WRONG " in rows["conv1.w"] and " WRONG " in rows["conv1.b"]
    assert all(" agree " in rows[p] and "right on every batch" in rows[p] for p in PARAM_NAMES[2:])
    assert "grads" not in rows["conv1.w"] and "[f=" in rows["conv1.w"]  # the first wrong entry by its letters
    assert "loss: right on every batch" in message
    assert "the update params - lr·grads is right for the gradients you returned" in message
    assert info.value.mistakes == ("relu_mask_forgotten",)


def test_an_entry_that_finite_differences_do_not_sample_is_still_caught():
    entries, _ = check_training_step.numeric[0]
    unsampled = next(k for k in range(2500) if k not in set(entries["fc1.w"]))

    def one_entry_off(params, x, y, lr):
        loss, grads, new = training_step(params, x, y, lr)
        grads["fc1.w"] = grads["fc1.w"].copy()
        grads["fc1.w"].reshape(-1)[unsampled] += 1.0
        return loss, grads, {p: params[p] - lr * grads[p] for p in params}
    with pytest.raises(WrongAnswer) as info:
        check_training_step(one_entry_off, strict=True)
    row = next(line for line in str(info.value).splitlines() if line.startswith("    fc1.w"))
    assert " WRONG " in row and "1 of 2500 differ" in row
    assert info.value.mistakes == ()


def test_the_right_answer_lists_every_parameter():
    result = check_training_step(training_step)
    assert result.correct is True
    out = result.text
    assert out.startswith("Correct: training_step matches cnnlib on all 3 hidden batches")
    for p in PARAM_NAMES:
        assert f"    {p}" in out
    assert out.count(" agree ") == 6 and "new_params: right" in out


def test_inputs_changed_in_place_and_wrong_structures_are_rejected():
    def in_place(params, x, y, lr):
        loss, grads, _ = training_step(params, x, y, lr)
        for p in params:
            params[p] -= lr * grads[p]
        return loss, grads, params
    with pytest.raises(WrongAnswer, match="changed its input params in place"):
        check_training_step(in_place, strict=True)
    with pytest.raises(WrongAnswer, match=r"expected 3 results \(loss, grads, new_params\), given 2"):
        check_training_step(lambda *args: training_step(*args)[:2], strict=True)
    with pytest.raises(WrongAnswer, match="grads must be a dict with the six names"):
        check_training_step(lambda *args: (training_step(*args)[0], {"W1": 0}, training_step(*args)[2]), strict=True)

    def loss_with_cache(params, x, y, lr):
        loss, grads, new = training_step(params, x, y, lr)
        return (loss, "cache"), grads, new
    with pytest.raises(WrongAnswer, match=r"returns \(loss, cache\); unpack it"):
        check_training_step(loss_with_cache, strict=True)
    with pytest.raises(WrongAnswer, match="expected your function"):
        check_training_step(training_step(**check_training_step.case(0)), strict=True)


def test_a_crash_no_mistake_explains_gets_the_order_hint_and_names_nothing():
    def relu1_cache_for_pool1(params, x, y, lr):
        loss, caches = forward(params, x, y)
        from cnnlib.pool import maxpool2d_backward
        return maxpool2d_backward(np.zeros((len(x), 3, 13, 13)), caches["relu1"])
    with pytest.raises(WrongAnswer) as info:
        check_training_step(relu1_cache_for_pool1, strict=True)
    message = str(info.value)
    assert "ValueError in maxpool2d_backward" in message and "reverse order" in message
    assert info.value.mistakes == ()


def test_the_checker_never_changes_its_cases_and_a_case_runs_the_template():
    before = check_training_step.case(1)
    check_training_step(training_step)
    after = check_training_step.case(1)
    assert all(np.array_equal(before["params"][p], after["params"][p]) for p in PARAM_NAMES)
    assert np.array_equal(before["x"], after["x"]) and before["lr"] == after["lr"]
    loss, grads, new = training_step(**after)
    model = two_conv_net(dtype=np.float64)
    for p, value in model.parameters().items():
        value[...] = after["params"][p]
    assert abs(loss - model.loss(after["x"], after["y"])) < 1e-12


# ------------------------------------------------- the one-conv exercise (seed 000's network)

def test_one_conv_cases_are_small_float64_batches_and_every_mistake_shows():
    cases = check_one_conv_gradients.cases
    assert len(cases) == 3 and {len(c.args[1]) for c in cases} == {1, 2, 3}
    for params, x, y in (c.args for c in cases):
        assert sorted(params) == sorted(ONE_CONV_PARAMS) and x.dtype == np.float64
        assert all(np.any(params[p] != 0) for p in ONE_CONV_PARAMS)
    assert check_one_conv_gradients.distinguishable() == []


def test_one_conv_backward_with_no_slip_is_sequential_backward_and_finite_differences():
    for case, (entries, numeric) in zip(check_one_conv_gradients.cases, check_one_conv_gradients.numeric):
        loss, grads = backward(*case.args)
        ref_loss, ref_grads = reference_one_conv(*case.args)
        assert abs(loss - ref_loss) < 1e-12
        for p in ONE_CONV_PARAMS:
            assert rel_error(grads[p], ref_grads[p]) < 1e-12
            assert rel_error(ref_grads[p].reshape(-1)[entries[p]], numeric[p]) < 1e-7, p


def test_one_conv_finite_differences_reject_a_wrong_reference():
    broken = OneConvGradientsExercise()
    broken._reference = lambda *args: flat_one_conv(backward(*args, mask=False))
    with pytest.raises(WrongAnswer) as info:
        broken(lambda *args: backward(*args, mask=False), strict=True)
    rows = {line.split()[0]: line for line in str(info.value).splitlines() if line.startswith("    ")}
    assert sorted(rows) == sorted(ONE_CONV_PARAMS)
    assert all(" WRONG " in rows[p] and "right on every batch" in rows[p] for p in ("conv1.w", "conv1.b"))
    assert all(" agree " in rows[p] for p in ("fc1.w", "fc1.b"))


def test_one_conv_right_answer_and_template():
    result = check_one_conv_gradients(one_conv_gradients)
    assert result.correct is True
    assert result.text.startswith("Correct: one_conv_gradients matches cnnlib on all 3 hidden batches")
    assert result.text.count(" agree ") == 4 and "new_params" not in result.text

    def template(params, x, y):
        raise NotImplementedError("your turn")
    result = check_one_conv_gradients(template)
    assert result.status == "not_answered" and "Not written yet: one_conv_gradients" in result.text


def test_one_conv_structure_errors_say_what_is_expected():
    with pytest.raises(WrongAnswer, match=r"expected 2 results \(loss, grads\), given 3"):
        check_one_conv_gradients(lambda *args: one_conv_gradients(*args) + ({},), strict=True)
    with pytest.raises(WrongAnswer, match=r"grads must be a dict with the four names \['conv1.w'"):
        check_one_conv_gradients(lambda *args: (one_conv_gradients(*args)[0], {"dw": 0}), strict=True)

    def in_place(params, x, y):
        loss, grads = one_conv_gradients(params, x, y)
        params["fc1.b"] -= 0.1
        return loss, grads
    with pytest.raises(WrongAnswer, match="changed its input params in place; leave the inputs as they were"):
        check_one_conv_gradients(in_place, strict=True)


def test_one_conv_hints_come_in_three_levels_and_give_no_solution():
    assert sorted(HINTS) == ["check_one_conv_gradients"]
    levels = HINTS["check_one_conv_gradients"]
    assert len(levels) == 3 and all(len(text) > 40 for text in levels)
    assert not any("conv2d_backward(" in text or "relu_backward(" in text for text in levels)
    assert len(ONE_CONV_MISTAKES) == len({m.key for m in ONE_CONV_MISTAKES})
    assert "Hint 3 of 3" in repr(check_one_conv_gradients.hint(3))
    assert "Hint 1 of 3" in repr(check_training_step.hint(1))


def _code_before(notebook, marker):
    """The code cells of a course notebook before the first cell that contains ``marker``, and that cell."""
    import json
    from pathlib import Path
    cells = json.loads((Path(__file__).resolve().parents[1] / "notebooks" / notebook).read_text())["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    first = next(k for k, src in enumerate(code) if marker in src)
    return code[:first], code[first]


def test_notebook_07_has_no_reference_backward_before_its_exercises():
    """Nothing that computes the network's gradients is in the namespace before the Your turn and
    its extra: no network objects, no gradient check, no finite differences."""
    import re
    for marker in ("def one_conv_gradients", "def training_step"):
        before, _ = _code_before("07_cnn_on_mnist.ipynb", marker)
        for name in ("Sequential", "one_conv_net", "two_conv_net", "build_model", "check_gradients",
                     "numerical_gradient", "loss_and_gradients", "cnnlib.network", "cnnlib.train"):
            assert not any(re.search(rf"(?<![\w.]){re.escape(name)}\b", src) for src in before), \
                f"{name} is in notebook 07's namespace before {marker}"


def test_notebook_07_templates_give_the_task_not_the_calls():
    for marker in ("def one_conv_gradients", "def training_step"):
        _, template = _code_before("07_cnn_on_mnist.ipynb", marker)
        assert "raise NotImplementedError" in template
        for call in ("_forward", "_backward", "cache", "(dx, dw, db)", "1.0"):
            assert call not in template, (marker, call)


def test_one_conv_answers_no_mistake_explains_get_the_training_steps_diagnosis():
    """The evidence lines of the training step (float32, a decay term, a common factor) read the
    one-conv exercise's four gradients too."""
    def in_float32(params, x, y):
        return one_conv_gradients({k: v.astype(np.float32) for k, v in params.items()}, x.astype(np.float32), y)

    def halved(params, x, y):
        loss, grads = one_conv_gradients(params, x, y)
        return loss, {k: 0.5 * g for k, g in grads.items()}
    text = check_one_conv_gradients(in_float32).text
    assert "Diagnosis: every difference is float32 rounding" in text
    result = check_one_conv_gradients(halved)
    assert "Diagnosis: all four gradients are exactly 1/2 times the right ones" in result.text
    assert result.mistakes == ()


def test_one_conv_answer_that_calls_the_layer_objects_gets_a_note():
    def through_sequential(params, x, y):
        loss, grads = reference_one_conv(params, x, y)
        return loss, grads
    result = check_one_conv_gradients(through_sequential)
    assert result.correct and "Note: your function calls cnnlib's `Sequential.loss_and_gradients`" in result.text
