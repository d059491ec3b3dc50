"""Checkers of notebook 05 (ReLU and pooling).

- ``check_conv_relu_pool_dw``: "check yourself", ``∂E/∂w`` of the chain conv -> ReLU -> max pool
  computed by hand on the notebook's data, ``conv_relu_pool_exercise_data()``;
- ``check_relu_backward``, ``check_maxpool_backward``, ``check_avgpool_backward``: the "Your turn"
  functions (``nb05_relu_backward``, ``nb05_pool_backward``).

``CATALOGUE`` lists the typical mistakes of all four, ``HINTS`` their hints, in levels.
"""
import numpy as np

from ..activations import relu_backward, relu_forward
from ..conv import conv2d_backward, conv2d_forward
from ..correlate import convolve2d, cross_correlate2d
from ..pool import avgpool2d_backward, avgpool2d_forward, maxpool2d_backward, maxpool2d_forward
from .compare import Mistake, compare_answer
from .result import checker
from .nb05_pool_backward import CATALOGUE as _POOL_CATALOGUE
from .nb05_pool_backward import HINTS as _POOL_HINTS
from .nb05_pool_backward import _every, _last, _route, _split, check_avgpool_backward, check_maxpool_backward
from .nb05_relu_backward import CATALOGUE as _RELU_CATALOGUE
from .nb05_relu_backward import HINTS as _RELU_HINTS
from .nb05_relu_backward import check_relu_backward


def conv_relu_pool_exercise_data():
    """The data of notebook 05's "check yourself": ``x (5, 5)``, ``w (2, 2)``, ``b``, ``delta_p (2, 2)``.

    Chosen so that every mistake of ``check_conv_relu_pool_dw`` gives another ``∂E/∂w``: window
    (0, 0) of ``z`` holds a tie of two positive values (1 at (0, 0) and at (1, 1)), window (1, 1)
    is all ``<= 0`` with ``z = 0`` exactly at its first entry (where ``[z >= 0]`` lets δ through),
    window (1, 0) is all negative (the ReLU mask stops its delta), and the bias moves the mask.
    """
    x = np.array([[2., -2., 3., 0., 3.],
                  [-1., -1., -1., -1., 2.],
                  [0., 1., 1., -2., 1.],
                  [0., 0., -1., 2., -1.],
                  [-1., 0., 1., -2., 2.]])
    w = np.array([[1., -1.],
                  [2., 0.]])
    delta_p = np.array([[1., -2.],
                        [3., 1.]])
    return x, w, -1.0, delta_p


RELU_MASK_FORGOTTEN = Mistake("relu_mask_forgotten",
                              "the ReLU mask was forgotten: after routing, keep the delta only where z > 0.")
EVERY_TIED_MAX = Mistake("every_tied_max_gets_delta",
                         "the delta went to every tied maximum: a window with k tied maxima then hands out "
                         "k·δ, but its shares must add up to δ. Here, as in cnnlib, all of δ goes to one "
                         "winner by convention: the first maximum in row-major order.")
LAST_MAX_WINS = Mistake("last_max_wins",
                        "on the tie the last maximum won: the convention is the first maximum in row-major "
                        "order (top row first, then left to right), what np.argmax returns.")
SPLIT_AMONG_TIES = Mistake("delta_split_among_ties",
                           "δ was split evenly among the tied maxima: a valid choice at the kink, but not "
                           "the convention used here: all of δ goes to the first maximum in row-major order.")
SPREAD_AS_AVERAGE = Mistake("spread_as_average",
                            "the delta was spread over the window as in average pooling; max pooling sends "
                            "all of it to the winning unit.")
MASK_GE_ZERO = Mistake("mask_ge_zero",
                       "the ReLU mask was [z >= 0]: where z = 0 exactly the unit is off and its slope is "
                       "taken as 0, so the mask is [z > 0].")
MASK_FROM_DELTAS = Mistake("mask_from_deltas",
                           "the ReLU mask was taken from the deltas (δ > 0): it comes from the forward "
                           "input z, δz = δa · [z > 0].")
FORWARD_WITHOUT_BIAS = Mistake("forward_without_bias",
                               "the forward pass left out the bias: z = x ⋆ w + b decides both the winners "
                               "and the ReLU mask, so with b left out they are the wrong ones.")
CONVOLUTION_NOT_CORRELATION = Mistake("convolution_not_correlation",
                                      "that is a convolution (flipped deltas); the kernel gradient is the "
                                      "cross-correlation x ⋆ δz, no flip.")

CHAIN_MISTAKES = [RELU_MASK_FORGOTTEN, EVERY_TIED_MAX, LAST_MAX_WINS, SPLIT_AMONG_TIES, SPREAD_AS_AVERAGE,
                  MASK_GE_ZERO, MASK_FROM_DELTAS, FORWARD_WITHOUT_BIAS, CONVOLUTION_NOT_CORRELATION]


def _as_2d(name, v):
    v = np.asarray(v, dtype=np.float64)
    if v.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D array (one channel), got shape {v.shape}")
    return v


@checker
def check_conv_relu_pool_dw(answer, x, w, b, delta_p, size=2):
    """Check ``∂E/∂w`` of one chain conv -> ReLU -> max pool, computed by hand (one channel).

    ``x (H, W)``, ``w (KH, KW)``, ``b`` a number, ``delta_p (H_p, W_p)``: the deltas
    arriving at the pooled output (``size x size`` windows, stride ``size``).

        z = x ⋆ w + b,   a = max(0, z),   p = maxpool(a)
        δz = [z > 0] ⊙ (δp routed to the first maximum of each window)
        ∂E/∂w = x ⋆ δz                                    (KH, KW)

    Reference: cnnlib's conv, ReLU and max-pool layers composed. The typical mistakes it
    names are ``CHAIN_MISTAKES`` (every one that gives the answer).
    """
    x, w, delta_p = _as_2d("x", x), _as_2d("w", w), _as_2d("delta_p", delta_p)
    z, conv_cache = conv2d_forward(x[None, None], w[None, None], np.array([float(b)]))
    a, relu_cache = relu_forward(z)
    _, pool_cache = maxpool2d_forward(a, size)
    dp = delta_p[None, None]  # (1, 1, H_p, W_p)
    routed = maxpool2d_backward(dp, pool_cache)  # (1, 1, H_z, W_z)
    dz = relu_backward(routed, relu_cache)  # (1, 1, H_z, W_z)
    expected = conv2d_backward(dz, conv_cache)[1][0, 0]  # (KH, KW)

    def masked(da, mask=None):  # x ⋆ (da · mask), one channel
        return cross_correlate2d(x, (da * (z > 0 if mask is None else mask))[0, 0])

    def tie_rule(share):  # the deltas routed by another tie rule, then the right mask
        return masked(_route(dp, a, size, size, share))

    z_nb = conv2d_forward(x[None, None], w[None, None], np.zeros(1))[0]  # (1, 1, H_z, W_z): no bias
    routed_nb = maxpool2d_backward(dp, maxpool2d_forward(np.maximum(z_nb, 0), size)[1])
    mistakes = [
        (cross_correlate2d(x, routed[0, 0]), RELU_MASK_FORGOTTEN),
        (tie_rule(_every), EVERY_TIED_MAX),
        (tie_rule(_last), LAST_MAX_WINS),
        (tie_rule(_split), SPLIT_AMONG_TIES),
        (masked(avgpool2d_backward(dp, avgpool2d_forward(a, size)[1])), SPREAD_AS_AVERAGE),
        (masked(routed, z >= 0), MASK_GE_ZERO),
        (masked(routed, routed > 0), MASK_FROM_DELTAS),
        (masked(routed_nb, z_nb > 0), FORWARD_WITHOUT_BIAS),
        (convolve2d(x, dz[0, 0]), CONVOLUTION_NOT_CORRELATION),
    ]
    return compare_answer("∂E/∂w", answer, expected, known_mistakes=mistakes, letters="m q")


CATALOGUE = {"check_conv_relu_pool_dw": CHAIN_MISTAKES, **_RELU_CATALOGUE, **_POOL_CATALOGUE}

HINTS = {
    "check_conv_relu_pool_dw": (
        "Notebook 05 §6 takes the same steps on another example.",
        "Forward first: $z = x \\star w + b$ (with the bias), then the winner of each pooling "
        "window of $\\max(0, z)$; a tie goes to the first maximum in row-major order (§3). Route "
        "$\\delta^p$ to the winners, then apply the mask $[z > 0]$.",
        "$\\partial E/\\partial w = x \\star \\delta^z$, a valid cross-correlation: $5\\times5$ with "
        "$4\\times4$ gives $2\\times2$. No flip.",
    ),
    **_RELU_HINTS, **_POOL_HINTS,
}

__all__ = ["check_conv_relu_pool_dw", "conv_relu_pool_exercise_data", "check_relu_backward",
           "check_maxpool_backward", "check_avgpool_backward", "CATALOGUE", "HINTS"]
