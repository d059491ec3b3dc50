"""Noticing a "Your turn" answer that hands the exercise back to cnnlib.

Two ways a function can match the reference without being the learner's own work:

- it **calls the cnnlib function that computes the very answer** (``conv2d_backward_naive``
  inside the kernel-gradient exercise, ``im2row`` inside the im2row exercise), directly, by
  another name, or through a layer object that calls it;
- it computes a gradient by **finite differences** (``cnnlib.gradcheck``, or its own loop):
  that approximates the answer to 9 or 10 digits, inside the checker's tolerance.

``Watch(exercise name)`` is a context in which every call of the functions that answer that
exercise (``ANSWERS``) or approximate it (``FINITE_DIFFERENCES``) is recorded, by name, with
the number of the learner's call it happened in. It uses ``sys.setprofile`` only while the
learner's function runs (about 1.6 times slower loops, on inputs that take milliseconds) and
does nothing when a profiler or debugger already holds the hook.

``inexact_lines(...)``: the note for numbers right within the tolerance but not exactly, where
exact arithmetic gives them to the last digit (small whole numbers): what finite differences
give, and what a loop or a matrix product over the same numbers never gives. A learner's own
finite differences can escape it: a conv layer is linear in w and b, so central differences
taken around w = 0 (the kernel exercises give no w) come out exact up to rounding. Nothing in
the numbers then tells them from a loop; only reading the code would.

``FunctionExercise`` adds these notes to a "Correct" result only: there the numbers cannot say
it; a "Not yet" already says what is wrong.
"""
import sys

import numpy as np

from ..activations import relu_backward
from ..conv import conv2d_backward, conv2d_backward_naive, conv2d_forward, conv2d_forward_naive
from ..gradcheck import numerical_gradient, numerical_vjp
from ..im2row import im2row, row2im
from ..jacobian import conv2d_input_jacobian, conv2d_kernel_jacobian, numerical_jacobian
from ..model import Sequential, check_gradients
from ..pool import avgpool2d_backward, avgpool2d_backward_naive, maxpool2d_backward, maxpool2d_backward_naive
from ..routes import input_gradient_by_full_convolution, kernel_gradient_by_correlation

# exercise name (FunctionExercise.name) -> the cnnlib functions whose result is the answer
ANSWERS = {
    "conv_forward_loops": (conv2d_forward_naive, conv2d_forward),
    "kernel_and_bias_gradient": (conv2d_backward_naive, conv2d_backward,
                                 kernel_gradient_by_correlation, conv2d_kernel_jacobian),
    "input_gradient_by_correlation": (conv2d_backward_naive, conv2d_backward,
                                      input_gradient_by_full_convolution, conv2d_input_jacobian),
    "pixel_gradient": (conv2d_backward_naive, conv2d_backward,
                       input_gradient_by_full_convolution, conv2d_input_jacobian),
    "my_maxpool_backward": (maxpool2d_backward, maxpool2d_backward_naive),
    "my_avgpool_backward": (avgpool2d_backward, avgpool2d_backward_naive),
    "my_relu_backward": (relu_backward,),
    "my_im2row": (im2row, conv2d_kernel_jacobian),
    "my_row2im": (row2im,),
    "training_step": (Sequential.backward, Sequential.loss_and_gradients, check_gradients),
    "one_conv_gradients": (Sequential.backward, Sequential.loss_and_gradients, check_gradients),
    "pool1_delta": (conv2d_backward_naive, conv2d_backward, input_gradient_by_full_convolution,
                    conv2d_input_jacobian),
}
FINITE_DIFFERENCES = (numerical_gradient, numerical_vjp, numerical_jacobian)


def _code(fn):
    return getattr(fn, "__code__", None)


class Watch:
    """``with Watch(name) as watch:`` ... ``watch.call()`` before each call of the learner's
    function; ``watch.seen``: ``{function name: [call numbers]}`` of the watched calls."""

    def __init__(self, exercise_name, answers=None):
        fns = ANSWERS.get(exercise_name, ()) if answers is None else tuple(answers)
        self.codes = {_code(f): f.__qualname__ for f in fns + FINITE_DIFFERENCES if _code(f) is not None}
        self.finite = {f.__qualname__ for f in FINITE_DIFFERENCES}
        self.seen, self.calls, self.depth = {}, -1, 0

    def next_call(self):
        """Start counting a new call of the learner's function."""
        self.calls += 1

    def _profile(self, frame, event, arg):
        name = self.codes.get(frame.f_code) if event in ("call", "return") else None
        if name is None:
            return
        if event == "return":
            self.depth -= 1
            return
        self.depth += 1
        if self.depth == 1:   # the outermost watched call (numerical_vjp calls numerical_gradient)
            runs = self.seen.setdefault(name, [])
            if not runs or runs[-1] != self.calls:
                runs.append(self.calls)

    def __enter__(self):
        self.depth = 0
        self.active = sys.getprofile() is None and bool(self.codes)
        if self.active:
            sys.setprofile(self._profile)
        return self

    def __exit__(self, *exc):
        if self.active:
            sys.setprofile(None)
        return False

    def lines(self, n_cases, word="geometry", words="geometries"):
        """The note (lines) for the watched calls seen in the first ``n_cases`` calls (the hidden
        geometries, in order), or []."""
        answers = sorted(name for name, runs in self.seen.items()
                         if name not in self.finite and any(k < n_cases for k in runs))
        finite = sorted(name for name, runs in self.seen.items()
                        if name in self.finite and any(k < n_cases for k in runs))
        lines = []
        if answers:
            names = " and ".join(f"`{name}`" for name in answers)
            where = sorted({k for name in answers for k in self.seen[name] if k < n_cases})
            on = (f"on all {n_cases} {words}" if len(where) == n_cases else
                  f"on {words} {_numbers(where)}" if len(where) > 1 else f"on {word} {where[0]}")
            lines.append(f"  Note: your function calls cnnlib's {names} ({on}), the function that computes this "
                         "answer: the exercise is to write it yourself, from the equation, without that call.")
        if finite:
            names = " and ".join(f"`{name}`" for name in finite)
            lines.append(f"  Note: your function calls cnnlib's {names}: finite differences approximate a "
                         "gradient (to about 9 digits) and are how a backward pass is checked, not how it is "
                         "computed. Write the backward pass from the equation.")
        return lines


def _numbers(ks):
    ks = [str(k) for k in ks]
    return ks[0] if len(ks) == 1 else ", ".join(ks[:-1]) + " and " + ks[-1]


def whole(a):
    """Are all entries of ``a`` whole numbers (exact in float64 arithmetic of small sums and products)?"""
    return bool(np.all(np.isfinite(a)) and np.all(a == np.round(a)))


def inexact_lines(pairs, inputs_whole):
    """The note for an answer right within the tolerance that is not exact: ``pairs`` are
    ``(given, expected)`` arrays of every output on every hidden geometry; ``inputs_whole``: the
    hidden inputs are all whole numbers. Said only when every expected entry is a whole number (a
    loop or a matrix product over whole numbers gives them exactly) and some given entry is off by
    more than float64 rounding of a different order of sums could explain (1e-11 of the largest)."""
    if not inputs_whole or not pairs or not all(whole(r) for _, r in pairs):
        return []
    worst = 0.0
    for g, r in pairs:
        if g.shape != r.shape or not r.size:
            return []
        scale = max(float(np.max(np.abs(r))), 1.0)
        worst = max(worst, float(np.max(np.abs(g - r))) / scale)
    if worst <= 1e-11:
        return []
    return [f"  Note: your numbers are within the tolerance, but not exact: they differ from the right ones by up "
            f"to {worst:.0e} (relative). The hidden inputs are whole numbers, so a loop or a matrix product gives "
            "every entry exactly (to about 1e-15). A difference of this size is what finite differences give: if "
            "you computed the gradient numerically, write the backward pass from the equation instead."]
