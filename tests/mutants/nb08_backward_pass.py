"""Notebook 08's exercises, right and with each typical mistake.

- the "check yourself" count of relu2 units that receive a nonzero delta (digit 26 of the test
  set through the trained network), worked out the way a learner would count, from the state's
  arrays or from the network's sizes;
- the "Your turn" ``pool1_delta(w2, delta_conv2)``: ∂E/∂p1 as the sum over the filters of full
  correlations with the rotated kernels, written with cnnlib.correlate's 2-D functions (and once
  with plain numpy loops), each mutant with one slip.
"""
import numpy as np

from cnnlib.correlate import convolve2d, cross_correlate2d, pad2d, rot180
from cnnlib.exercises.nb08_backward_pass import DIGIT, check_pool1_delta, check_relu2_delta_count
from cnnlib.explorers.network_state import held_out_digits, network_state, trained_two_conv_net

from . import Entry, registry


def _state():
    x, _, labels = held_out_digits()
    return network_state(trained_two_conv_net(), x[DIGIT], int(labels[DIGIT]))


STATE = _state()                                                   # the notebook's digit


def check_count(answer):
    return check_relu2_delta_count(answer, STATE)


RIGHT_COUNT = 10 * 5 * 5                                           # one unit per pooling window
COUNT_MUTANTS = {
    "every_unit_gets_a_delta": 10 * 10 * 10,
    "counted_after_the_mask": int((STATE.delta["conv2"] != 0).sum()),
    "counted_the_units_on": int((STATE.act["conv2"] > 0).sum()),
    "counted_the_zeros": 1000 - 250,
}


def pool1_delta(w2, delta_conv2):
    f_count, c_count, kh, kw = w2.shape
    _, h, w = delta_conv2.shape
    out = np.zeros((c_count, h + kh - 1, w + kw - 1))
    for c in range(c_count):
        for f in range(f_count):
            out[c] += cross_correlate2d(delta_conv2[f], rot180(w2[f, c]), mode="full")
    return out


def pool1_delta_scatter(w2, delta_conv2):
    """Another way: each delta sends itself, times the weights, to the window it came from."""
    f_count, c_count, kh, kw = w2.shape
    _, h, w = delta_conv2.shape
    out = np.zeros((c_count, h + kh - 1, w + kw - 1))
    for f in range(f_count):
        for i in range(h):
            for j in range(w):
                out[:, i:i + kh, j:j + kw] += delta_conv2[f, i, j] * w2[f]
    return out


MUTANTS, bad = registry()


def _loops(term, w2, delta_conv2):
    f_count, c_count, kh, kw = w2.shape
    _, h, w = delta_conv2.shape
    out = np.zeros((c_count, h + kh - 1, w + kw - 1))
    for c in range(c_count):
        for f in range(f_count):
            out[c] += term(delta_conv2[f], w2[f, c])
    return out


@bad("kernel_not_rotated")
def _(w2, delta_conv2):
    return _loops(lambda d, k: cross_correlate2d(d, k, mode="full"), w2, delta_conv2)


@bad("deltas_rotated_not_kernel")
def _(w2, delta_conv2):
    return _loops(lambda d, k: cross_correlate2d(rot180(d), k, mode="full"), w2, delta_conv2)


@bad("kernel_transposed")
def _(w2, delta_conv2):
    return _loops(lambda d, k: cross_correlate2d(d, k.T, mode="full"), w2, delta_conv2)


@bad("kernel_flipped_one_axis")
def _(w2, delta_conv2):
    return _loops(lambda d, k: cross_correlate2d(d, np.flipud(k), mode="full"), w2, delta_conv2)


@bad("valid_not_full")
def _(w2, delta_conv2):
    return _loops(lambda d, k: cross_correlate2d(d, rot180(k)), w2, delta_conv2)


@bad("square_kernel_assumed")
def _(w2, delta_conv2):
    kh = w2.shape[2]
    return _loops(lambda d, k: cross_correlate2d(pad2d(d, kh - 1), rot180(k)), w2, delta_conv2)   # KH both ways


@bad("last_filter_only")
def _(w2, delta_conv2):
    f_count, c_count, kh, kw = w2.shape
    _, h, w = delta_conv2.shape
    out = np.zeros((c_count, h + kh - 1, w + kw - 1))
    for c in range(c_count):
        for f in range(f_count):
            out[c] = cross_correlate2d(delta_conv2[f], rot180(w2[f, c]), mode="full")   # = not +=
    return out


@bad("summed_over_channels")
def _(w2, delta_conv2):
    f_count, c_count, kh, kw = w2.shape
    _, h, w = delta_conv2.shape
    out = np.zeros((f_count, h + kh - 1, w + kw - 1))
    for f in range(f_count):
        for c in range(c_count):
            out[f] += cross_correlate2d(delta_conv2[f], rot180(w2[f, c]), mode="full")
    return out


@bad("bank_indexed_c_f")
def _(w2, delta_conv2):
    f_count, c_count, kh, kw = w2.shape
    _, h, w = delta_conv2.shape
    out = np.zeros((c_count, h + kh - 1, w + kw - 1))
    for c in range(c_count):
        for f in range(f_count):
            out[c] += cross_correlate2d(delta_conv2[f], rot180(w2[c, f]), mode="full")
    return out


OTHER_WAYS, other = registry()


@other("kernel_not_rotated")
def _(w2, delta_conv2):
    """Rotated twice: convolve2d already correlates with the rotated kernel."""
    return _loops(lambda d, k: convolve2d(d, rot180(k), mode="full"), w2, delta_conv2)


@other("kernel_flipped_one_axis")
def _(w2, delta_conv2):
    return _loops(lambda d, k: cross_correlate2d(d, k[:, ::-1], mode="full"), w2, delta_conv2)


@other("valid_not_full")
def _(w2, delta_conv2):
    f_count, c_count = w2.shape[:2]
    return np.stack([sum(cross_correlate2d(delta_conv2[f], rot180(w2[f, c])) for f in range(f_count))
                     for c in range(c_count)])


ENTRIES = [
    Entry("check_relu2_delta_count", check_count, RIGHT_COUNT, COUNT_MUTANTS),
    Entry("check_pool1_delta", check_pool1_delta, pool1_delta, MUTANTS),
    Entry("check_pool1_delta", check_pool1_delta, pool1_delta_scatter, OTHER_WAYS),
]
