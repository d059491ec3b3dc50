"""Tests of cnnlib/exercises/nb07_training.py and nb07_models.py: notebook 07's Your-turn checker,
one training step of seed 004's network (its mistakes are proven caught and named through the
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
from cnnlib.exercises.nb07_models import PARAM_NAMES, PARAM_SHAPES, forward, step
from cnnlib.exercises.nb07_training import (TrainingStepExercise, check_training_step, flat,
                                            reference)
from cnnlib.gradcheck import rel_error
from cnnlib.network import two_conv_net

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
    broken.reference = lambda *args: flat(step(*args, mask=(False, False)))
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
