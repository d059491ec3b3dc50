"""Checkers of notebook 08 (watch the backward pass of the trained network, one digit).

- ``check_relu2_delta_count(answer, state)``: "Check yourself", before the explorer: how many of
  the 1,000 relu2 units receive a nonzero delta from the max pooling above, for the digit of
  ``state`` (a ``cnnlib.explorers.network_state.NetworkState``)? The answer is the count of
  nonzero entries of ``state.delta["relu2"]``; the typical wrong counts are computed from the same
  state (every unit, the count after the ReLU mask, the units that are on, the zeros).
- ``check_pool1_delta(fn)``: "Your turn", ``pool1_delta(w2, delta_conv2) -> ∂E/∂p1``, the delta of
  conv2's input for one image, as the sum over the filters of full correlations with the rotated
  kernels:

      ∂E/∂p1[c] = Σ_f  δ_conv2[f] ⋆_full rot180(w2[f, c])          (C, H' + KH - 1, W' + KW - 1)

  run on hidden geometries (F != C, F = C, F = 1, F = C = 1, non-square kernels and deltas, deltas
  smaller than the kernel) and on the notebook's digit, where the expected answer is the network's own delta
  (``network_state``'s ``delta["maxpool1"]``, computed by ``Sequential``'s layers); on the other
  geometries the reference is ``cnnlib.conv.conv2d_backward``'s input gradient.
"""
import numpy as np

from ..conv import conv2d_backward, conv2d_forward
from ..correlate import convolve2d, cross_correlate2d, pad2d, rot180
from .compare import Mistake, compare_answer
from .result import checker
from .function_exercise import Case, FunctionExercise, FunctionMistake, Output, Raises, Variants

DIGIT = 26   # notebook 08's digit: a test 9 read right, without much confidence


# ------------------------------------------------------------------ check yourself: relu2's deltas

EVERY_UNIT = Mistake("every_unit_gets_a_delta",
                     "your count gives every unit a delta: max pooling's backward sends each window's delta to "
                     "one unit, its winner; the other three units of the window get exactly 0.")
AFTER_THE_MASK = Mistake("counted_after_the_mask",
                         "that is the count after relu2's mask, the deltas of conv2's outputs. The question "
                         "asks what reaches relu2's units from the pooling above, before the mask.")
UNITS_ON = Mistake("counted_the_units_on",
                   "your count is of the relu2 units that are on: the pooling's routing does not look at the "
                   "ReLU; every window sends its delta to its winner, on or off.")
THE_ZEROS = Mistake("counted_the_zeros",
                    "your count is of the units whose delta is exactly 0: the question asks for the nonzero "
                    "ones.")
RELU2_MISTAKES = [EVERY_UNIT, AFTER_THE_MASK, UNITS_ON, THE_ZEROS]


def relu2_delta_counts(state):
    """``(right count, [(wrong count, Mistake)])`` for the digit of ``state``."""
    right = int(np.count_nonzero(state.delta["relu2"]))
    size = int(state.delta["relu2"].size)
    wrong = [(size, EVERY_UNIT), (int(np.count_nonzero(state.delta["conv2"])), AFTER_THE_MASK),
             (int(np.count_nonzero(state.act["relu2"])), UNITS_ON), (size - right, THE_ZEROS)]
    return right, [(value, m) for value, m in wrong if value != right]


@checker
def check_relu2_delta_count(answer, state):
    """Check the number of relu2 units (of 1,000) that receive a nonzero delta, for ``state``'s digit."""
    right, wrong = relu2_delta_counts(state)
    return compare_answer("the count of relu2 units with a nonzero delta", answer, right, atol=0.0, rtol=0.0,
                          known_mistakes=wrong)


# ------------------------------------------------------------------ your turn: ∂E/∂p1

def _full(d, k):
    return cross_correlate2d(d, k, mode="full")


def _sum_over_filters(w2, delta, term):
    """``out[c] = Σ_f term(delta[f], w2[f, c])``, shape ``(C, H' + KH - 1, W' + KW - 1)``."""
    f_count, c_count, kh, kw = w2.shape
    out = np.zeros((c_count, delta.shape[1] + kh - 1, delta.shape[2] + kw - 1))
    for c in range(c_count):
        for f in range(f_count):
            out[c] += term(delta[f], w2[f, c])
    return out


def reference(w2, delta):
    """cnnlib's input gradient of a stride-1, unpadded conv layer: ``conv2d_backward``'s ``dx``."""
    f_count, c_count, kh, kw = w2.shape
    x = np.zeros((1, c_count, delta.shape[1] + kh - 1, delta.shape[2] + kw - 1))
    _, cache = conv2d_forward(x, w2, np.zeros(f_count))
    dx, _, _ = conv2d_backward(delta[None], cache)
    return dx[0]                                                    # (C, H, W)


def _digit_case():
    """The notebook's digit through the trained network: conv2's weights, its deltas, and the
    network's own ∂E/∂p1, all float64 (the network runs in float32)."""
    from ..explorers.network_state import held_out_digits, network_state, trained_two_conv_net
    x, _, labels = held_out_digits()
    state = network_state(trained_two_conv_net(), x[DIGIT], int(labels[DIGIT]))
    w2 = state.params["conv2.w"].astype(np.float64)                 # (10, 3, 4, 4)
    delta = state.delta["conv2"].astype(np.float64)                 # (10, 10, 10)
    return Case(f"the notebook's digit (test digit {DIGIT}): the trained conv2, its deltas; expected: the "
                "network's own ∂E/∂p1", (w2, delta)), state.delta["maxpool1"].astype(np.float64)


def _cases():
    rng = np.random.default_rng(8)
    digit, _ = _digit_case()
    cases = [digit]
    for f, c, (kh, kw), (h, w) in ((2, 3, (3, 2), (4, 5)), (2, 2, (2, 3), (3, 2)), (3, 1, (3, 3), (2, 2)),
                                   (1, 2, (3, 3), (3, 4)), (1, 1, (2, 2), (3, 3))):    # F = 1; F = C = 1
        w2 = rng.normal(size=(f, c, kh, kw))
        delta = rng.normal(size=(f, h, w))
        plural = {1: ""}
        cases.append(Case(f"F = {f} filter{plural.get(f, 's')}, C = {c} channel{plural.get(c, 's')}, "
                          f"kernel {kh}x{kw}, deltas {h}x{w}", (w2, delta)))
    return cases


def _model(term, sum_over="f", last_only=False):
    """A mistake's answer: the sum with another ``term``, or over the wrong index, or the last term only;
    ``Raises`` where the learner's loops would fail (a 'valid' correlation of deltas smaller than the
    kernel, an index out of range)."""
    def model(w2, delta):
        f_count, c_count = w2.shape[:2]
        try:
            if sum_over == "c":                                   # one map per filter: summed over c
                return np.stack([sum(term(delta[f], w2[f, c]) for c in range(c_count)) for f in range(f_count)])
            if sum_over == "bank_c_f":                            # w2[c, f]: the bank read the other way
                return sum(np.eye(c_count)[:, c, None, None] * term(delta[f], w2[c, f])
                           for c in range(c_count) for f in range(f_count))
            if last_only:
                return _sum_over_filters(w2[-1:], delta[-1:], term)
            return _sum_over_filters(w2, delta, term)
        except IndexError:
            return Raises(IndexError, "out of bounds")
        except ValueError as err:   # cnnlib's "valid mode: ..." or numpy's "could not be broadcast"
            return Raises(ValueError, "valid mode" if "valid mode" in str(err) else "broadcast")
    return model


def _stacked(term):
    """The sum over the filters without a map of the right shape made first: ``np.stack`` of the sums
    (an answer of another shape where ``term`` gives one)."""
    def model(w2, delta):
        try:
            return np.stack([sum(term(delta[f], w2[f, c]) for f in range(w2.shape[0])) for c in range(w2.shape[1])])
        except ValueError as err:
            return Raises(ValueError, "valid mode" if "valid mode" in str(err) else "broadcast")
    return model


def _either(term):
    """A mistake that changes the shape: a learner who filled zeros of the right shape gets numpy's
    broadcast error, one who stacked the terms gets an answer of the wrong shape."""
    return lambda w2, d: Variants([_model(term)(w2, d), _stacked(term)(w2, d)])


def _right(d, k):
    return _full(d, rot180(k))


POOL1_MISTAKES = [
    FunctionMistake("kernel_not_rotated",
                    "your kernel was not rotated, or was rotated twice: the input gradient is the full "
                    "cross-correlation with rot180(w2[f, c]) (notebook 04); convolve2d already correlates "
                    "with the rotated kernel, so convolve2d of rot180 undoes the rotation.",
                    lambda w2, d: Variants([_model(_full)(w2, d), _model(lambda a, k: convolve2d(a, rot180(k), "full"))(w2, d)])),
    FunctionMistake("deltas_rotated_not_kernel",
                    "the deltas were rotated instead of the kernel: rot180 goes on w2[f, c], the deltas stay as "
                    "they are.",
                    _model(lambda d, k: _full(rot180(d), k))),
    FunctionMistake("kernel_transposed",
                    "the kernel was transposed, not rotated: rot180 flips the rows and the columns, "
                    "k[::-1, ::-1]; k.T swaps them.",
                    _either(lambda d, k: _full(d, k.T))),
    FunctionMistake("kernel_flipped_one_axis",
                    "the kernel was flipped along one axis only: rot180 flips both, k[::-1, ::-1].",
                    lambda w2, d: Variants([_model(lambda a, k: _full(a, k[::-1]))(w2, d),
                                            _model(lambda a, k: _full(a, k[:, ::-1]))(w2, d)])),
    FunctionMistake("valid_not_full",
                    "your correlation was 'valid', not 'full': every unit of p1 that a window of conv2 read gets "
                    "a delta, also near the border, so the result is larger than the deltas: H' + KH - 1 rows.",
                    _either(lambda d, k: cross_correlate2d(d, rot180(k), "valid"))),
    FunctionMistake("square_kernel_assumed",
                    "your padding took the kernel to be square: a full correlation pads the deltas by KH - 1 "
                    "rows and KW - 1 columns, not by KH - 1 on both axes.",
                    _either(lambda d, k: cross_correlate2d(pad2d(d, k.shape[0] - 1), rot180(k)))),
    FunctionMistake("last_filter_only",
                    "your answer keeps only the last filter's term: each filter f adds its term to ∂E/∂p1[c] "
                    "(a sum over f, +=); it does not replace the one before.",
                    _model(_right, last_only=True)),
    FunctionMistake("summed_over_channels",
                    "your sum ran over the channels c, one map per filter: ∂E/∂p1 has one map per input "
                    "channel c of conv2, each the sum over the filters f.",
                    _model(_right, sum_over="c")),
    FunctionMistake("bank_indexed_c_f",
                    "the filter bank was read as w2[c, f]: its axes are (F, C, KH, KW), filter first.",
                    _model(_right, sum_over="bank_c_f")),
]

HINTS = {
    "check_relu2_delta_count": (
        "Which layer hands relu2 its deltas, and what does that layer's backward do with each delta it gets "
        "(notebook 05)?",
        "maxpool2 has 10·5·5 outputs, and each gets a delta from the flatten above. Where does each of those "
        "go, and what do the other units of its window get?",
        "Each pooling window sends its whole delta to one relu2 unit, its winner, whether that unit is on or "
        "off: the ReLU's mask acts only after that, on the way to conv2.",
    ),
    "check_pool1_delta": (
        "Section 3's sum for one unit of pool1, done for all 507 at once; notebook 04 derived it as a full "
        "correlation with the rotated kernel (eq. 16-21).",
        "Each filter $f$ adds, to each channel $c$ of pool1, one 2-D full correlation of its deltas "
        "$\\delta[f]$ with the kernel $w_2[f, c]$ rotated by 180°. The result is "
        "$(C, H' + K_H - 1, W' + K_W - 1)$; `cnnlib.correlate` has the 2-D pieces (notebook 01).",
        "Two loops: over the channel $c$ (one map of the answer each) and, inside, over the filters $f$, "
        "adding one term per filter to a map that starts at zeros.",
    ),
}


class Pool1DeltaExercise(FunctionExercise):
    """``FunctionExercise`` whose first case (the notebook's digit) expects the network's own delta."""

    @property
    def _expected(self):
        if self._ref is None:
            _, own = _digit_case()
            self._ref = [(own,)] + [self._normalise(self._reference(*c.args)) for c in self.cases[1:]]
        return self._ref


check_pool1_delta = Pool1DeltaExercise(
    "pool1_delta", ("w2", "delta_conv2"), [Output("∂E/∂p1", "c u v", "C H W")], reference=reference,
    cases=_cases, mistakes=POOL1_MISTAKES, atol=1e-6, rtol=1e-5,
    equation="∂E/∂p1[c] = Σ_f δ_conv2[f] ⋆_full rot180(w2[f, c])", checker_name="check_pool1_delta")

CATALOGUE = {"check_relu2_delta_count": RELU2_MISTAKES, "check_pool1_delta": POOL1_MISTAKES}
