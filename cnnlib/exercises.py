"""Checkers for the "check yourself" exercises at the end of each notebook.

The pattern (other notebooks append their own checkers below, in the same form):

    def check_<name>(answer, <the exercise's inputs>):
        expected = <computed with the cnnlib reference>
        return compare_answer("<name>", answer, expected,
                              known_mistakes=[(<a typical wrong answer>, "<what went wrong>")])

``compare_answer`` does the work and every checker goes through it, so the
messages read the same everywhere:

- right answer: prints one line saying so and returns ``True``;
- wrong shape: raises ``WrongAnswer`` with the expected and the given shape;
- wrong values: raises ``WrongAnswer`` saying how many entries differ, where the
  largest difference is (index, given, expected, off by how much) and the first
  few wrong positions;
- an answer equal to a known typical mistake (a forgotten flip, a missing
  bias, ...): the message names that mistake.

``WrongAnswer`` is an ``AssertionError``, so a checker can sit in an ``assert``
style cell and a wrong answer stops the notebook at that cell with the message.
A checker never changes its inputs and uses no randomness.
"""
import numpy as np

from ._validate import as_pair
from .activations import relu_forward
from .conv import conv2d_forward, conv2d_forward_naive, conv_output_shape
from .correlate import convolve2d, cross_correlate2d, pad2d, rot180
from .dense import affine_forward, flatten_forward
from .pool import maxpool2d_forward


class WrongAnswer(AssertionError):
    """Raised by a checker when the learner's answer is not right; the message says why."""


def _as_array(answer, name):
    try:
        arr = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise WrongAnswer(f"{name}: expected numbers (an array, a tuple or a number), "
                          f"got {type(answer).__name__}: {answer!r:.80} ({err})") from None
    return arr


def _index(flat_index, shape):
    idx = np.unravel_index(flat_index, shape) if shape else ()
    return tuple(int(k) for k in idx)


def compare_answer(name, answer, expected, atol=1e-6, rtol=1e-6, known_mistakes=(),
                   quiet=False):
    """Compare a learner's ``answer`` with the ``expected`` array; ``True`` if they match.

    name           : what the answer is, used in every message (e.g. ``"convolve2d full"``).
    answer         : anything ``np.asarray`` turns into numbers (array, tuple, list, scalar).
    expected       : the reference, computed with cnnlib by the checker.
    atol, rtol     : entries match when ``|answer - expected| <= atol + rtol·|expected|``.
    known_mistakes : pairs ``(wrong_array, explanation)``: if the answer matches one of
                     these (and not ``expected``), the explanation is added to the message
                     (all of them when several typical mistakes give the same answer).
    quiet          : do not print the success line.

    Raises ``WrongAnswer`` (an AssertionError) saying what is wrong: the shape
    (expected vs given), NaN/infinite entries, or the values (how many differ,
    the largest difference with its index, and the first few wrong positions).
    """
    expected = np.asarray(expected, dtype=np.float64)
    given = _as_array(answer, name)
    if given.shape != expected.shape:
        hint = ""
        if given.size == expected.size:
            hint = " (same number of entries: reshape or transpose?)"
        elif given.ndim == 2 and expected.ndim == 2:
            hint = _mode_hint(given.shape, expected.shape)
        raise WrongAnswer(f"{name}: wrong shape: expected {expected.shape}, given {given.shape}{hint}")
    if not np.isfinite(given).all():
        bad = int(given.size - np.count_nonzero(np.isfinite(given)))
        raise WrongAnswer(f"{name}: {bad} entr{'y is' if bad == 1 else 'ies are'} NaN or infinite")
    diff = np.abs(given - expected)
    wrong = diff > atol + rtol * np.abs(expected)
    if not wrong.any():
        if not quiet:
            print(f"Correct: {name} matches the reference"
                  + (f" (shape {expected.shape})." if expected.ndim >= 2 else "."))
        return True
    lines = [f"{name}: wrong values"]
    if expected.shape:
        lines[0] += f": {int(wrong.sum())} of {expected.size} entries differ."
        worst = _index(int(np.argmax(np.where(wrong, diff, -1.0))), expected.shape)
        lines.append(f"  largest difference at index {worst}: given {given[worst]:.6g}, "
                     f"expected {expected[worst]:.6g} (off by {given[worst] - expected[worst]:+.6g}).")
        positions = [_index(k, expected.shape) for k in np.flatnonzero(wrong)[:5]]
        more = " ..." if wrong.sum() > 5 else ""
        lines.append(f"  wrong at: {', '.join(str(p) for p in positions)}{more}")
    else:
        lines[0] += f": given {float(given):.6g}, expected {float(expected):.6g}."
    hints = [explanation for wrong_answer, explanation in known_mistakes
             if np.shape(wrong_answer) == given.shape
             and np.allclose(given, np.asarray(wrong_answer, dtype=np.float64), atol=atol, rtol=rtol)]
    if len(hints) == 1:
        lines.append(f"  Hint: {hints[0]}")
    elif hints:  # several typical mistakes give this same number: name them all
        lines.append("  Hint: this is what one of these mistakes gives:")
        lines.extend(f"    - {h}" for h in hints)
    raise WrongAnswer("\n".join(lines))


def _mode_hint(given, expected):
    """A hint when a 2-D result has the size of the other mode (valid vs full)."""
    dh, dw = given[0] - expected[0], given[1] - expected[1]
    if dh > 0 and dw > 0 and dh % 2 == 0 and dw % 2 == 0:
        return " (larger than expected: a 'full' result where 'valid' was asked, or too much padding?)"
    if dh < 0 and dw < 0 and dh % 2 == 0 and dw % 2 == 0:
        return " (smaller than expected: a 'valid' result where 'full' was asked?)"
    return ""


# ------------------------------------------------ 00_start_here: network shapes

def seed_network_shapes():
    """The layer output shapes of the two-conv MNIST network of seed 004, for one image.

    28x28 input -> conv 3 filters 1x3x3 -> relu -> maxpool 2x2 -> conv 10 filters
    3x4x4 -> relu -> maxpool 2x2 -> flatten -> fully connected to 10 classes.
    Computed by running cnnlib's layers on zeros, so the shapes are cnnlib's own.
    Returns a list of 8 shape tuples: input, conv1, relu1, pool1, conv2, relu2,
    pool2, scores (flatten is not counted: it only changes the layout).
    """
    x = np.zeros((1, 1, 28, 28))
    conv1, _ = conv2d_forward(x, np.zeros((3, 1, 3, 3)), np.zeros(3))
    relu1, _ = relu_forward(conv1)
    pool1, _ = maxpool2d_forward(relu1, 2)
    conv2, _ = conv2d_forward(pool1, np.zeros((10, 3, 4, 4)), np.zeros(10))
    relu2, _ = relu_forward(conv2)
    pool2, _ = maxpool2d_forward(relu2, 2)
    flat, _ = flatten_forward(pool2)
    scores, _ = affine_forward(flat, np.zeros((flat.shape[1], 10)), np.zeros(10))
    return [a.shape for a in (x, conv1, relu1, pool1, conv2, relu2, pool2, scores)]


_SEED_LAYERS = ["input", "conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "scores"]


def check_seed_network_shapes(answer):
    """Check the list of 8 shapes ``(N, C, H, W)`` (``(N, 10)`` for the scores) of seed 004's network.

    ``answer`` : a list of 8 tuples in the order input, conv1, relu1, pool1,
    conv2, relu2, pool2, scores, for a batch of one image.
    """
    expected = seed_network_shapes()
    answer = list(answer)
    if len(answer) != len(expected):
        raise WrongAnswer(f"seed network shapes: expected {len(expected)} shapes "
                          f"({', '.join(_SEED_LAYERS)}), given {len(answer)}")
    for layer, given, exp in zip(_SEED_LAYERS, answer, expected):
        given = tuple(int(v) for v in np.atleast_1d(given))
        if given != tuple(exp):
            hint = ""
            if layer.startswith("conv") and len(given) == 4 and given[2] == given[3]:
                hint = " (a valid convolution shrinks by KH - 1: H_out = H - KH + 1)"
            if layer.startswith("pool"):
                hint = " (a 2x2 pool with stride 2 halves H and W, rounding down)"
            raise WrongAnswer(f"seed network shapes: {layer}: expected {tuple(exp)}, given {given}{hint}")
    print("Correct: all 8 shapes match the network run by cnnlib.")
    return True


# ------------------------------ 01_cross_correlation_and_convolution: the flip

def check_convolution_via_correlation(answer, image, kernel, mode="full"):
    """Check a convolution of ``image (H, W)`` with ``kernel (KH, KW)`` (eq. 2), ``mode`` 'valid' or 'full'.

    The reference is ``cnnlib.correlate.convolve2d`` (computed as a scatter,
    without any flip). Known mistakes recognised: the kernel not flipped (a
    cross-correlation), flipped along one axis only, transposed instead of rotated.
    """
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    expected = convolve2d(image, kernel, mode)
    mistakes = [
        (cross_correlate2d(image, kernel, mode),
         "this is the cross-correlation: the kernel was not rotated by 180 degrees."),
        (cross_correlate2d(image, kernel[::-1, :], mode),
         "the kernel was flipped up-down only; rot180 flips both axes."),
        (cross_correlate2d(image, kernel[:, ::-1], mode),
         "the kernel was flipped left-right only; rot180 flips both axes."),
    ]
    if kernel.shape[0] == kernel.shape[1]:
        mistakes.append((cross_correlate2d(image, kernel.T, mode),
                         "the kernel was transposed; a 180-degree rotation is not a transpose."))
    return compare_answer(f"convolution ({mode})", answer, expected, known_mistakes=mistakes)


# ------------------------------------------- 02_conv_layer_forward: the layer

def check_conv_output_shape(answer, x_shape, w_shape, stride=1, pad=0):
    """Check a predicted output shape ``(N, F, H_out, W_out)`` of a conv layer.

    ``x_shape (N, C, H, W)``, ``w_shape (F, C, KH, KW)``; reference:
    ``cnnlib.conv.conv_output_shape``, i.e. ``H_out = floor((H + 2P - KH)/S) + 1``.
    """
    expected = conv_output_shape(x_shape, w_shape, stride, pad)
    given = np.asarray(answer)
    if given.shape != (4,):
        raise WrongAnswer(f"conv output shape: expected 4 numbers (N, F, H_out, W_out), "
                          f"given {answer!r}")
    (_, _, h, w_in), (_, _, kh, kw) = x_shape, w_shape
    (sh, sw), (ph, pw) = as_pair(stride, "stride", 1), as_pair(pad, "pad", 0)
    no_pad = (x_shape[0], w_shape[0], (h - kh) // sh + 1, (w_in - kw) // sw + 1)
    no_stride = (x_shape[0], w_shape[0], h + 2 * ph - kh + 1, w_in + 2 * pw - kw + 1)
    mistakes = [(no_stride, "the stride was left out: divide (H + 2P - KH) by S, round down, then add 1."),
                (no_pad, "the padding was left out: the padded input is H + 2P tall."),
                ((x_shape[0], x_shape[1]) + tuple(expected[2:]),
                 "the channel axis of the output has one entry per filter (F), not per input channel (C).")]
    if given.shape == (4,) and np.issubdtype(given.dtype, np.floating) and not np.all(given == np.floor(given)):
        raise WrongAnswer(f"conv output shape: sizes are whole numbers (floor), given {tuple(answer)}")
    return compare_answer("conv output shape", answer, expected, atol=0, rtol=0, known_mistakes=mistakes)


def check_conv_output_cell(answer, x, w, b, stride, pad, n, f, i, j):
    """Check one output entry ``out[n, f, i, j]`` of a conv layer computed by hand.

        out[n, f, i, j] = b[f] + Σ_c Σ_m Σ_q w[f, c, m, q] · x_pad[n, c, S·i + m, S·j + q]

    Reference: ``cnnlib.conv.conv2d_forward_naive``. Known mistakes recognised:
    the bias left out, the stride left out (window at ``(i, j)`` instead of
    ``(S·i, S·j)``), the padding left out, the kernel flipped.
    """
    x, w, b = (np.asarray(a, dtype=np.float64) for a in (x, w, b))
    out, _ = conv2d_forward_naive(x, w, b, stride, pad)
    expected = out[n, f, i, j]
    (sh, sw), (ph, pw) = as_pair(stride, "stride", 1), as_pair(pad, "pad", 0)
    kh, kw = w.shape[2:]
    x_pad = pad2d(x, (ph, pw))

    def window_sum(xp, r, c, kernel):
        win = xp[n, :, r:r + kh, c:c + kw]
        return float(np.sum(win * kernel)) if win.shape[1:] == (kh, kw) else np.nan

    mistakes = [(expected - b[f], "the bias b[f] was left out (one scalar per filter, added once)."),
                (window_sum(x_pad, i, j, w[f]) + b[f],
                 "the stride was left out: the window of out[i, j] starts at row S*i, column S*j."),
                (window_sum(x, sh * i, sw * j, w[f]) + b[f],
                 "the padding was left out: index into x_pad, the zero-padded input."),
                (window_sum(x_pad, sh * i, sw * j, rot180(w[f])) + b[f],
                 "the kernel was flipped: the layer computes a cross-correlation, no flip.")]
    mistakes = [(v, msg) for v, msg in mistakes if np.isfinite(v)]
    return compare_answer(f"out[{n}, {f}, {i}, {j}]", answer, expected, known_mistakes=mistakes)


# ------------------------------ 03_kernel_gradient and 04_input_gradient: one channel

def _one_channel_gradients(x_shape, kernel, dout, stride, pad, x=None):
    """dx (H, W) and dw (KH, KW) of a one-channel layer, by ``conv2d_backward_naive``."""
    from .conv import conv2d_backward_naive  # the loop reference
    x = np.zeros(x_shape) if x is None else np.asarray(x, dtype=np.float64)
    w = np.asarray(kernel, dtype=np.float64)[None, None]
    _, cache = conv2d_forward_naive(x[None, None], w, np.zeros(1), stride, pad)
    dx, dw, _ = conv2d_backward_naive(np.asarray(dout, dtype=np.float64)[None, None], cache)
    return dx[0, 0], dw[0, 0]


def check_kernel_gradient(answer, x, dout, kernel_shape, stride=1):
    """Check ``∂E/∂w (KH, KW)`` of a one-channel layer (no padding) given its input and deltas.

    ``x (H, W)``, ``dout (H_out, W_out)`` the deltas, ``kernel_shape (KH, KW)``:

        ∂E/∂w[m, q] = Σ_i Σ_j δ[i, j] · x[S·i + m, S·j + q]  =  (x ⋆ dilate(δ, S))[m, q]

    Reference: ``cnnlib.conv.conv2d_backward_naive``. Known mistakes recognised:
    the deltas rotated by 180 degrees (eq. 14 read as a cross-correlation), the
    stride ignored (deltas not dilated), the deltas left out (windows just summed).
    """
    x = np.asarray(x, dtype=np.float64)
    dout = np.asarray(dout, dtype=np.float64)
    kh, kw = kernel_shape
    _, expected = _one_channel_gradients(x.shape, np.zeros((kh, kw)), dout, stride, 0, x=x)
    given = _as_array(answer, "kernel gradient")
    undilated = cross_correlate2d(x, dout, "valid")
    if given.shape != expected.shape and given.shape == undilated.shape:
        raise WrongAnswer(f"kernel gradient: wrong shape: expected {expected.shape}, given {given.shape}"
                          f" (the shape of x ⋆ δ without dilation: with stride {stride}, put "
                          f"{stride} - 1 zeros between the deltas first, dilate(δ, {stride}))")
    mistakes = [(_one_channel_gradients(x.shape, np.zeros((kh, kw)), rot180(dout), stride, 0, x=x)[1],
                 "the deltas were rotated by 180 degrees: ∂E/∂w = x ⋆ δ uses δ as it is "
                 "(eq. 14 writes rot180(δ) with * meaning a true convolution; the two flips cancel)."),
                (_one_channel_gradients(x.shape, np.zeros((kh, kw)), np.ones_like(dout), stride, 0, x=x)[1],
                 "the deltas are missing: every input pixel must be multiplied by the delta of its window.")]
    if as_pair(stride, "stride", 1) != (1, 1) and undilated.shape[0] >= kh and undilated.shape[1] >= kw:
        mistakes.append((undilated[:kh, :kw], "the stride was ignored: the deltas must be dilated "
                                              f"(stride {stride} - 1 zeros between them) before correlating."))
    return compare_answer("kernel gradient", given, expected, known_mistakes=mistakes)


def check_bias_gradient(answer, dout):
    """Check ``∂E/∂b[f] = Σ_n Σ_i Σ_j δ[n, f, i, j]`` for deltas ``dout (N, F, H_out, W_out)``: shape ``(F,)``."""
    dout = np.asarray(dout, dtype=np.float64)
    if dout.ndim != 4:
        raise ValueError(f"dout: expected 4 dimensions (N, F, H_out, W_out), got shape {dout.shape}")
    expected = dout.sum(axis=(0, 2, 3))
    mistakes = [(dout.mean(axis=(0, 2, 3)), "that is the mean of the deltas; the bias gradient is their sum "
                                            "(the bias is added to every output, so every delta counts once)."),
                (dout.sum(axis=(2, 3))[0], "only the first image of the batch was summed: sum over n too.")]
    return compare_answer("bias gradient", answer, expected, known_mistakes=mistakes)


def check_input_gradient(answer, dout, kernel, x_shape, stride=1, pad=0):
    """Check ``∂E/∂x (H, W)`` of a one-channel layer given its deltas and kernel.

    ``dout (H_out, W_out)``, ``kernel (KH, KW)``, ``x_shape (H, W)``:

        ∂E/∂x_pad = full(dilate(δ, S) ⋆ rot180(w)), zero rows/columns appended where no
        window reads, then the padding P cropped.

    Reference: ``cnnlib.conv.conv2d_backward_naive``. Known mistakes recognised:
    the kernel not rotated, the deltas not dilated, the padding not cropped,
    the unread last rows/columns not appended.
    """
    dout = np.asarray(dout, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    h, w_in = x_shape
    sh, sw = as_pair(stride, "stride", 1)
    ph, pw = as_pair(pad, "pad", 0)
    expected, _ = _one_channel_gradients((h, w_in), kernel, dout, stride, pad)
    given = _as_array(answer, "input gradient")
    kh, kw = kernel.shape
    shape_hints = [
        ((h + 2 * ph, w_in + 2 * pw), "the padding was not cropped: drop P rows/columns on every side."),
        ((dout.shape[0] + kh - 1, dout.shape[1] + kw - 1),
         f"the deltas were not dilated: with stride {stride}, put stride - 1 zeros between them first."),
        ((sh * (dout.shape[0] - 1) + kh - 2 * ph, sw * (dout.shape[1] - 1) + kw - 2 * pw),
         "the rows/columns that no window reads are missing: append zeros for them (their gradient is 0)."),
        ((sh * (dout.shape[0] - 1) + kh, sw * (dout.shape[1] - 1) + kw),
         "this is the full result before cropping: append zero rows/columns no window reads, then crop P."),
    ]
    if given.shape != expected.shape:
        for shape, hint in shape_hints:
            if given.shape == shape:
                raise WrongAnswer(f"input gradient: wrong shape: expected {expected.shape}, "
                                  f"given {given.shape} ({hint})")
    mistakes = [(_one_channel_gradients((h, w_in), rot180(kernel), dout, stride, pad)[0],
                 "the kernel was not rotated: ∂E/∂x is the full cross-correlation of the deltas with "
                 "rot180(w) (or the full convolution with w itself), not with w.")]
    return compare_answer("input gradient", given, expected, known_mistakes=mistakes)


# ------------------------------------ 05_relu_and_pooling: the chain by hand

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
    from .activations import relu_backward
    from .conv import conv2d_backward
    from .pool import avgpool2d_backward, avgpool2d_forward, maxpool2d_backward
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


# ------------------------------- 06_im2row_vectorization: the backward as matrices

def row2im_overwrite(rows, x_shape, KH, KW, stride=1, pad=0):
    """WRONG ON PURPOSE: ``row2im`` that writes (``=``) where it must add (``+=``).

    Same signature and shapes as ``cnnlib.im2row.row2im``:
    ``rows (N*H_out*W_out, C*KH*KW) -> (N, C, H, W)``. Each row is written onto
    its receptive field, window after window in row order, so where windows
    overlap only the last one's value survives:

        out_pad[n, c, S·i + m, S·j + q] = rows[(n*H_out + i)*W_out + j, (c*KH + m)*KW + q]

    This is the typical bug of a hand-written col2im. It is not the adjoint of
    ``im2row`` (the dot-product test fails), and the input gradient it gives is
    wrong at every pixel that lies in more than one window. Notebook 06 shows
    it failing; the exercise checkers recognise its result.
    """
    n_img, n_ch, h, w_in = x_shape
    _, _, h_out, w_out = conv_output_shape(tuple(x_shape), (1, n_ch, KH, KW), stride, pad)
    (sh, sw), (ph, pw) = as_pair(stride, "stride", 1), as_pair(pad, "pad", 0)
    rows = np.asarray(rows, dtype=np.float64)
    expected = (n_img * h_out * w_out, n_ch * KH * KW)
    if rows.shape != expected:
        raise ValueError(f"rows: expected shape {expected} (N*H_out*W_out, C*KH*KW), got {rows.shape}")
    out = np.zeros((n_img, n_ch, h + 2 * ph, w_in + 2 * pw))
    for r in range(rows.shape[0]):
        n, rest = divmod(r, h_out * w_out)
        i, j = divmod(rest, w_out)
        out[n, :, sh * i:sh * i + KH, sw * j:sw * j + KW] = rows[r].reshape(n_ch, KH, KW)  # the bug: = not +=
    return out[:, :, ph:ph + h, pw:pw + w_in]


def check_conv_backward_matrices(dw, dx, x, w, dout, stride=1, pad=0):
    """Check ``∂E/∂w`` and ``∂E/∂x`` of a conv layer computed with im2row matrices.

    ``x (N, C, H, W)``, ``w (F, C, KH, KW)``, ``dout (N, F, H_out, W_out)``:

        R     = im2row(x)                              (N*H_out*W_out, C*KH*KW)
        ΔY    = dout with the filter axis last          (N*H_out*W_out, F)
        W_col = w.reshape(F, -1).T                      (C*KH*KW, F)
        ∂E/∂w = (Rᵀ ΔY)ᵀ reshaped to w's shape           (F, C, KH, KW)
        ∂E/∂x = row2im(ΔY W_colᵀ)                       (N, C, H, W)

    Reference: ``cnnlib.conv.conv2d_backward_naive`` (the loops). Known mistakes
    recognised: ``ΔY = dout.reshape(-1, F)`` without moving the filter axis
    last; ``Rᵀ ΔY`` reshaped to w's shape without transposing it; a row2im that
    overwrites instead of adding. Returns True when both are right.
    """
    from .conv import conv2d_backward_naive
    from .im2row import im2row, row2im
    x, w, dout = (np.asarray(v, dtype=np.float64) for v in (x, w, dout))
    n_filt, _, kh, kw = w.shape
    _, cache = conv2d_forward_naive(x, w, np.zeros(n_filt), stride, pad)
    dx_ref, dw_ref, _ = conv2d_backward_naive(dout, cache)

    rows = im2row(x, kh, kw, stride, pad)  # (N*H_out*W_out, C*KH*KW)
    w_col = w.reshape(n_filt, -1).T  # (C*KH*KW, F)
    d_y = dout.transpose(0, 2, 3, 1).reshape(-1, n_filt)  # (N*H_out*W_out, F)
    d_y_bad = dout.reshape(-1, n_filt)  # (N*H_out*W_out, F), but the entries in the wrong places
    layout = ("the deltas were laid out with dout.reshape(-1, F): move the filter axis last "
              "first, dout.transpose(0, 2, 3, 1).reshape(-1, F), so that row r holds the "
              "F deltas of output position r.")
    dw_mistakes = [((rows.T @ d_y_bad).T.reshape(w.shape), layout),
                   ((rows.T @ d_y).reshape(w.shape),
                    "Rᵀ ΔY has shape (C*KH*KW, F): transpose it to (F, C*KH*KW) before reshaping "
                    "to (F, C, KH, KW).")]
    dx_mistakes = [(row2im(d_y_bad @ w_col.T, x.shape, kh, kw, stride, pad), layout),
                   (row2im_overwrite(d_y @ w_col.T, x.shape, kh, kw, stride, pad),
                    "row2im overwrote where windows overlap: it must add (+=) every row's share, "
                    "the adjoint of im2row.")]
    ok_w = compare_answer("∂E/∂w", dw, dw_ref, known_mistakes=dw_mistakes)
    ok_x = compare_answer("∂E/∂x", dx, dx_ref, known_mistakes=dx_mistakes)
    return ok_w and ok_x
