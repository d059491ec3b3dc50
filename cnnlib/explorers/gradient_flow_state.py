"""The numbers of the gradient-flow explorer: a pure function of its controls, all from cnnlib.

The layer is the course's 7x7 input, 3x3 kernel, stride-2 example
(``cnnlib.data.teaching_example``); stride, padding and kernel size can change.
What does not depend on the chosen output, pixel or step (the layer, its
backward pass, the coverage, the full-correlation route) is computed once per
geometry (``_geometry``, cached; its arrays are read-only).
"""
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from ..conv import conv2d_backward, conv2d_coverage, conv2d_forward, conv_output_shape
from ..correlate import cross_correlate2d, dilate, pad2d, rot180
from ..data import teaching_example
from ..im2row import im2row
from . import _check


def gradient_flow_layer(channels=1, seed=0, kernel_size=3, stride=2, pad=0):
    """The numbers of the gradient-flow explorer for one geometry.

    Returns ``x (1, C, 7, 7)``, ``w (1, C, K, K)``, ``b (1,)``, ``dout (1, 1, H_out, W_out)``.
    With the defaults (K=3, S=2, P=0) these are exactly
    ``cnnlib.data.teaching_example(channels, seed=seed)``. Other kernel sizes
    and output shapes keep the example's numbers in the top-left corner and fill
    the rest with integers -2..2 drawn from ``default_rng([seed, 5])``, so
    moving a slider changes the geometry, not the familiar numbers. Kernel 2..4,
    stride 1..3, padding 0..2, channels 1..8, seed an int >= 0 (else ValueError).
    """
    channels, seed, kernel_size, stride, pad = _check.layer_args("gradient_flow_layer", channels, seed,
                                                                 kernel_size, stride, pad)
    ex = teaching_example(channels=channels, seed=seed)
    _, _, h_out, w_out = conv_output_shape(ex.x.shape, (1, channels, kernel_size, kernel_size),
                                           stride, pad)
    rng = np.random.default_rng([seed, 5])
    w_big = rng.integers(-2, 3, size=(1, channels, 4, 4)).astype(np.float64)
    w_big[:, :, :3, :3] = ex.w
    d_big = rng.integers(-2, 3, size=(1, 1, 10, 10)).astype(np.float64)  # 10 = largest H_out here
    d_big[:, :, :3, :3] = ex.dout
    w = w_big[:, :, :kernel_size, :kernel_size].copy()
    return ex.x, w, ex.b, d_big[:, :, :h_out, :w_out].copy()


@dataclass
class Term:
    """One term ``δ[i, j] · w[c, m, n]`` of the sum that makes dE/dx at one pixel."""
    out_pos: tuple      # (i, j), the output whose window read the pixel
    kernel_pos: tuple   # (m, q), the kernel entry that multiplied it
    delta: float
    weight: float

    @property
    def value(self):
        return self.delta * self.weight


@dataclass
class GradientFlowState:
    """Everything the gradient-flow explorer shows, for one setting of its controls.

    Arrays with a leading C are per input channel; "_pad" arrays are in padded
    coordinates ``(H + 2P, W + 2P)`` (the real pixel (u, v) sits at (u + P, v + P)).
    """
    stride: int
    pad: int
    kernel_size: int
    channel: int
    x: np.ndarray              # (C, H, W)
    x_pad: np.ndarray          # (C, Hp, Wp)
    w: np.ndarray              # (C, K, K), the one filter
    dout: np.ndarray           # (H_out, W_out), the deltas from above
    dx: np.ndarray             # (C, H, W)   conv2d_backward
    dw: np.ndarray             # (C, K, K)   conv2d_backward
    db: float
    dx_pad: np.ndarray         # (C, Hp, Wp) dX before the padding is cropped
    coverage: np.ndarray       # (H, W) how many windows read each pixel (conv2d_coverage)
    unread: np.ndarray         # (H, W) bool, coverage == 0
    unread_pad: np.ndarray     # (Hp, Wp) bool, the same cells in padded coordinates
    # one output position
    out_pos: tuple
    window: tuple              # (row, col, K, K) in padded coordinates
    contrib_dx_pad: np.ndarray  # (C, Hp, Wp) what δ[i, j] alone adds to dX
    contrib_dw: np.ndarray     # (C, K, K)   what δ[i, j] alone adds to dW
    # one input pixel
    pixel: tuple               # (u, v), unpadded
    reached: np.ndarray        # (H_out, W_out) bool, outputs whose window holds the pixel
    terms: list                # [Term], one per reached output (channel ``channel``)
    dx_at_pixel: float         # dx[channel, u, v]
    # scatter-add, output by output (row-major order)
    step: int                  # how many outputs have been added (0 .. H_out*W_out)
    done: np.ndarray           # (H_out, W_out) bool, the first ``step`` outputs
    current: object            # (i, j) of the output added last, or None
    step_dx_pad: np.ndarray    # (C, Hp, Wp) what that output adds
    partial_dx_pad: np.ndarray  # (C, Hp, Wp) the sum after ``step`` outputs
    # dX as a full correlation of the dilated deltas with the rotated kernel
    dilated: np.ndarray        # (S(H_out-1)+1, S(W_out-1)+1)
    dilated_padded: np.ndarray  # dilated, zero-padded by K-1 (and on the bottom/right up to Hp)
    rot_w: np.ndarray          # (C, K, K) rot180(w)
    full: np.ndarray           # (C, S(H_out-1)+K, S(W_out-1)+K) cross_correlate2d(..., "full")
    dx_full_pad: np.ndarray    # (C, Hp, Wp) ``full`` extended by zero rows/cols never read
    dx_full: np.ndarray        # (C, H, W) cropped: equals dx
    covered: tuple = ()        # (rows, cols) of padded coordinates some window reads
    meta: dict = field(default_factory=dict)


def _frozen(*arrays):
    for a in arrays:
        a.flags.writeable = False
    return arrays


@lru_cache(maxsize=128)
def _geometry(channels, seed, stride, pad, k):
    """What one geometry's views share (cached: arrays are read-only)."""
    x4, w4, b, d4 = gradient_flow_layer(channels, seed, k, stride, pad)
    n_ch, h, w_in = x4.shape[1:]
    _, cache = conv2d_forward(x4, w4, b, stride, pad)
    dx, dw, db = conv2d_backward(d4, cache)
    x_pad4 = pad2d(x4, pad)  # (1, C, Hp, Wp)
    _, cache_pad = conv2d_forward(x_pad4, w4, b, stride, 0)
    h_out, w_out = d4.shape[2:]
    hp, wp = x_pad4.shape[2:]
    dx_pad = conv2d_backward(d4, cache_pad)[0][0]  # (C, Hp, Wp)
    coverage = conv2d_coverage((h, w_in), k, stride, pad)
    coverage_pad = conv2d_coverage((hp, wp), k, stride, 0)
    unread_pad = np.zeros((hp, wp), dtype=bool)
    unread_pad[pad:pad + h, pad:pad + w_in] = coverage_pad[pad:pad + h, pad:pad + w_in] == 0
    covered = (tuple(int(r) for r in np.nonzero(coverage_pad.any(axis=1))[0]),
               tuple(int(c) for c in np.nonzero(coverage_pad.any(axis=0))[0]))
    dilated = dilate(d4[0, 0], stride)  # (S(H_out-1)+1, S(W_out-1)+1)
    rot_w = rot180(w4[0])  # (C, K, K)
    full = np.stack([cross_correlate2d(dilated, rot_w[cc], mode="full") for cc in range(n_ch)])
    extra_h, extra_w = hp - full.shape[1], wp - full.shape[2]  # rows/cols no window reached
    dx_full_pad = np.pad(full, ((0, 0), (0, extra_h), (0, extra_w)))  # (C, Hp, Wp)
    dilated_padded = np.pad(dilated, ((k - 1, k - 1 + extra_h), (k - 1, k - 1 + extra_w)))
    arrays = _frozen(x4, w4, d4, dx, dw, x_pad4, dx_pad, coverage, unread_pad, dilated, rot_w,
                     full, dx_full_pad, dilated_padded)
    names = ("x4", "w4", "d4", "dx", "dw", "x_pad4", "dx_pad", "coverage", "unread_pad",
             "dilated", "rot_w", "full", "dx_full_pad", "dilated_padded")
    return dict(zip(names, arrays), b=b, db=float(db[0]), cache_pad=cache_pad, covered=covered,
                shape=(n_ch, h, w_in, h_out, w_out, hp, wp), extra=(extra_h, extra_w))


def gradient_flow_state(channels=1, seed=0, stride=2, pad=0, kernel_size=3, out_pos=(0, 0),
                        pixel=(0, 0), step=0, channel=0):
    """The numbers behind the gradient-flow explorer (a pure function of the controls).

    The layer is ``gradient_flow_layer(channels, seed, kernel_size, stride, pad)``;
    positions out of range are clipped. Every array comes from cnnlib:

    - ``dx, dw, db = conv2d_backward(dout, cache)``; ``dx_pad`` from the same layer
      run on ``pad2d(x)`` with no padding (the same windows, before the crop);
    - one output's share: ``conv2d_backward`` of the deltas with all but
      ``δ[i, j]`` set to zero; the scatter-add after k steps: the same with the
      first k deltas kept (row-major);
    - the outputs that read pixel (u, v) and the kernel entry each used: the
      nonzero entries of ``im2row`` of the one-hot image at (u, v) (one column of
      the layer's Jacobian);
    - the full-convolution route, per channel c:
      ``cross_correlate2d(dilate(δ, S), rot180(w[c]), "full")``.
    """
    channels, seed, k, stride, pad = _check.layer_args("gradient_flow_state", channels, seed,
                                                       kernel_size, stride, pad)
    out_pos, pixel = _check.pair("gradient_flow_state", "out_pos", out_pos), _check.pair(
        "gradient_flow_state", "pixel", pixel)
    _check.ints("gradient_flow_state", step=step, channel=channel)
    g = _geometry(channels, seed, stride, pad, k)
    n_ch, h, w_in, h_out, w_out, hp, wp = g["shape"]
    x4, w4, d4 = g["x4"], g["w4"], g["d4"]

    def backward_pad(keep):
        """dX_pad and dW of the deltas where ``keep`` (H_out, W_out) is True, zero elsewhere."""
        d_kept = np.where(keep, d4, 0.0)  # (1, 1, H_out, W_out)
        dxp, dwk, _ = conv2d_backward(d_kept, g["cache_pad"])
        return dxp[0], dwk[0]

    # one output position
    i, j = int(np.clip(out_pos[0], 0, h_out - 1)), int(np.clip(out_pos[1], 0, w_out - 1))
    one = np.zeros((h_out, w_out), dtype=bool)
    one[i, j] = True
    contrib_dx_pad, contrib_dw = backward_pad(one)

    # the scatter-add after ``step`` outputs
    n_steps = h_out * w_out
    step = int(np.clip(step, 0, n_steps))
    done = (np.arange(n_steps) < step).reshape(h_out, w_out)
    partial_dx_pad = backward_pad(done)[0]
    if step:
        current = divmod(step - 1, w_out)
        last = np.zeros((h_out, w_out), dtype=bool)
        last[current] = True
        step_dx_pad = backward_pad(last)[0]
    else:
        current, step_dx_pad = None, np.zeros_like(g["dx_pad"])

    # one input pixel: which outputs read it, and with which kernel entry
    c = int(np.clip(channel, 0, n_ch - 1))
    p, q = int(np.clip(pixel[0], 0, h - 1)), int(np.clip(pixel[1], 0, w_in - 1))
    onehot = np.zeros_like(x4)
    onehot[0, c, p, q] = 1.0
    jac = im2row(onehot, k, k, stride, pad)  # (H_out*W_out, C*K*K): where the pixel lands
    reached = (jac.sum(axis=1) > 0).reshape(h_out, w_out)  # (H_out, W_out)
    terms = []
    for r, col in zip(*np.nonzero(jac)):
        oi, oj = divmod(int(r), w_out)
        _, m, n = np.unravel_index(int(col), (n_ch, k, k))
        terms.append(Term((oi, oj), (int(m), int(n)), float(d4[0, 0, oi, oj]),
                          float(w4[0, c, m, n])))

    dx, coverage = g["dx"], g["coverage"]
    return GradientFlowState(
        stride=stride, pad=pad, kernel_size=k, channel=c,
        x=x4[0], x_pad=g["x_pad4"][0], w=w4[0], dout=d4[0, 0], dx=dx[0], dw=g["dw"][0],
        db=g["db"], dx_pad=g["dx_pad"], coverage=coverage, unread=coverage == 0,
        unread_pad=g["unread_pad"], out_pos=(i, j), window=(stride * i, stride * j, k, k),
        contrib_dx_pad=contrib_dx_pad, contrib_dw=contrib_dw, pixel=(p, q), reached=reached,
        terms=terms, dx_at_pixel=float(dx[0, c, p, q]), step=step, done=done, current=current,
        step_dx_pad=step_dx_pad, partial_dx_pad=partial_dx_pad, dilated=g["dilated"],
        dilated_padded=g["dilated_padded"], rot_w=g["rot_w"], full=g["full"],
        dx_full_pad=g["dx_full_pad"], dx_full=g["dx_full_pad"][:, pad:pad + h, pad:pad + w_in],
        covered=g["covered"], meta={"extra": g["extra"], "n_steps": n_steps})
