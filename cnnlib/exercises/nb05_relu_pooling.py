"""Checkers of notebook 05 (ReLU and pooling): the conv -> ReLU -> max pool chain by hand."""
import numpy as np

from ..activations import relu_backward, relu_forward
from ..conv import conv2d_backward, conv2d_forward
from ..correlate import convolve2d, cross_correlate2d
from ..pool import avgpool2d_backward, avgpool2d_forward, maxpool2d_backward, maxpool2d_forward
from .compare import compare_answer


def check_conv_relu_pool_dw(answer, x, w, b, delta_p, size=2):
    """Check ``∂E/∂w`` of one chain conv -> ReLU -> max pool, computed by hand (one channel).

    ``x (H, W)``, ``w (KH, KW)``, ``b`` a number, ``delta_p (H_p, W_p)``: the deltas
    arriving at the pooled output (``size x size`` windows, stride ``size``).

        z = x ⋆ w + b,   a = max(0, z),   p = maxpool(a)
        δz = [z > 0] ⊙ (δp routed to the first maximum of each window)
        ∂E/∂w = x ⋆ δz                                    (KH, KW)

    Reference: cnnlib's conv, ReLU and max-pool layers composed. Known mistakes
    recognised: the ReLU mask forgotten; the delta given to every tied maximum;
    the delta spread as by average pooling; a convolution (flipped deltas)
    instead of a cross-correlation.
    """
    x, w, delta_p = (np.asarray(v, dtype=np.float64) for v in (x, w, delta_p))
    for name, v in (("x", x), ("w", w), ("delta_p", delta_p)):
        if v.ndim != 2:
            raise ValueError(f"{name}: expected a 2-D array (one channel), got shape {v.shape}")
    z, conv_cache = conv2d_forward(x[None, None], w[None, None], np.array([float(b)]))
    a, relu_cache = relu_forward(z)
    p, pool_cache = maxpool2d_forward(a, size)
    dp = delta_p[None, None]  # (1, 1, H_p, W_p)
    routed = maxpool2d_backward(dp, pool_cache)
    dz = relu_backward(routed, relu_cache)  # (1, 1, H_z, W_z)
    expected = conv2d_backward(dz, conv_cache)[1][0, 0]  # (KH, KW)

    h_cov, w_cov = p.shape[2] * size, p.shape[3] * size  # the part of a the windows cover
    p_up = np.repeat(np.repeat(p, size, axis=2), size, axis=3)  # (1, 1, h_cov, w_cov)
    dp_up = np.repeat(np.repeat(dp, size, axis=2), size, axis=3)  # (1, 1, h_cov, w_cov)
    all_ties = np.zeros_like(a)
    all_ties[..., :h_cov, :w_cov] = np.where(a[..., :h_cov, :w_cov] == p_up, dp_up, 0.0)
    spread = avgpool2d_backward(dp, avgpool2d_forward(a, size)[1])
    mistakes = [
        (cross_correlate2d(x, routed[0, 0]),
         "the ReLU mask was forgotten: after routing, keep the delta only where z > 0."),
        (cross_correlate2d(x, relu_backward(all_ties, relu_cache)[0, 0]),
         "the delta went to every tied maximum: a window with k tied maxima then hands "
         "out k·δ, but its shares must add up to δ. Here, as in cnnlib, all of δ goes to "
         "one winner by convention: the first maximum in row-major order."),
        (cross_correlate2d(x, relu_backward(spread, relu_cache)[0, 0]),
         "the delta was spread over the window as in average pooling; max pooling "
         "sends all of it to the winning unit."),
        (convolve2d(x, dz[0, 0]),
         "that is a convolution (flipped deltas); the kernel gradient is the "
         "cross-correlation x ⋆ δz, no flip."),
    ]
    return compare_answer("∂E/∂w", answer, expected, known_mistakes=mistakes)
