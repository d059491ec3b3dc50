"""Notebook 05's "Your turn", part 1: the learner writes ReLU's backward pass.

    my_relu_backward(dout, z) -> dz,   dz[...] = dout[...] · [z[...] > 0]

``z`` is the ReLU's input (what its forward caches), ``dout`` the deltas arriving at its
output ``a = max(0, z)``; any shape (ReLU acts entry by entry). The hidden data holds exact
zeros in ``z`` (where ``[z > 0]`` and ``[z >= 0]`` differ), deltas of both signs, and values
other than 0 and 1, so that each typical mistake below gives other numbers.

A mask built from the output, ``[a > 0]``, is the same mask as ``[z > 0]`` (``a = z`` where
``z > 0``, else 0): not a mistake. ``[a >= 0]`` is always true: that is "no mask".
"""
import numpy as np

from ..activations import relu_backward, relu_forward
from .function_exercise import Case, FunctionExercise, FunctionMistake, Output, Variants


def _reference(dout, z):
    return relu_backward(dout, relu_forward(z)[1])


RELU_MISTAKES = [
    FunctionMistake("no_mask", "the deltas passed everywhere: no mask, or one that is always true, such as "
                    "[a >= 0] on the output a = max(0, z). Keep δ only where the unit was on: "
                    "dz = dout · [z > 0].", lambda dout, z: dout),
    FunctionMistake("mask_ge_zero", "the mask is [z >= 0]: at z = 0 exactly the unit is off (its output is 0 "
                    "and stays 0 for a small push down), so ReLU's slope there is taken as 0: use [z > 0].",
                    lambda dout, z: np.where(z >= 0, dout, 0.0)),
    FunctionMistake("mask_inverted", "the mask is the wrong way round: the delta passes where the unit was on, "
                    "z > 0, and stops where z <= 0.",
                    lambda dout, z: Variants([np.where(z <= 0, dout, 0.0), np.where(z < 0, dout, 0.0)])),
    FunctionMistake("mask_from_deltas", "the mask was taken from the deltas (dout > 0, or max(0, dout)): it "
                    "must come from the forward input z, the unit's state: dz = dout · [z > 0].",
                    lambda dout, z: np.maximum(dout, 0.0)),
    FunctionMistake("times_output", "the deltas were multiplied by the output a = max(0, z) itself (the habit "
                    "of sigmoid, whose slope is written with its output): ReLU's slope is 1 or 0, so "
                    "multiply by the mask [z > 0], not by the values.",
                    lambda dout, z: dout * np.maximum(z, 0.0)),
    FunctionMistake("returned_mask", "it returned the mask [z > 0] itself: multiply the arriving deltas by it, "
                    "dz = dout · [z > 0].", lambda dout, z: (z > 0).astype(float)),
]


def _relu_cases():
    rng = np.random.default_rng(50)
    shapes = [((3, 4), "a 3x4 array, as in notebook 05 §1"),
              ((2, 3, 4, 5), "a batch of feature maps (N, C, H, W) = (2, 3, 4, 5)"),
              ((4, 6), "a dense layer's (N, D) = (4, 6)")]
    cases = []
    for shape, label in shapes:
        z = rng.integers(-3, 4, size=shape).astype(float)        # exact zeros included
        z.flat[:3] = [0.0, 2.0, -1.0]                            # a zero, a value not 1, a negative
        dout = rng.choice([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0], size=shape)
        dout.flat[:3] = [2.0, -1.0, 3.0]
        cases.append(Case(label, (dout, z)))
    return cases


check_relu_backward = FunctionExercise(
    "my_relu_backward", ("dout", "z"), [Output("dz", "", "z.shape")],
    reference=_reference, cases=_relu_cases, mistakes=RELU_MISTAKES,
    checker_name="check_relu_backward", equation="dz = dout · [z > 0]")

CATALOGUE = {"check_relu_backward": RELU_MISTAKES}

HINTS = {
    "check_relu_backward": (
        "Notebook 05 §1: the chain rule multiplies the arriving delta by ReLU's slope "
        "$\\partial a / \\partial z$.",
        "The slope is 1 where the unit was on and 0 where it was off. Which argument tells you "
        "that, `dout` or `z`? At $z = 0$ exactly the unit counts as off.",
        "The result has the shape of `z`: `dout` where $z > 0$, 0 elsewhere. A boolean array "
        "built from `z` does it in one line, no loop.",
    ),
}
