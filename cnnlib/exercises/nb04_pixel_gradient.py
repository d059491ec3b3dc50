"""Notebook 04's "Your turn" (a): the gradient of one input pixel, gathered from the outputs that read it.

    pixel_gradient(dout, w, stride, pad, u, v) -> g (N, C),   g[n, c] = ∂E/∂x[n, c, u, v]

The pixel sits at ``x_pad[u + P, v + P]``. Output ``(i, j)`` reads it through ``w[f, c, m, q]``
exactly when ``S·i + m = u + P`` and ``S·j + q = v + P``: for each kernel row ``m`` the row
``i = (u + P - m) / S`` counts only when it is a whole number in ``0 .. H_out - 1`` (the same for
``q`` and ``j``). The learner derives this inverse index map; the scatter of notebook 03 never
needs it.

``check_pixel_gradient`` runs the function on hidden (geometry, pixel) pairs: interior pixels
read by several windows, corner pixels where ``u + P - m`` goes negative, pixels past the last
window (a stride that does not tile), pixels in the gaps between windows (kernel 2, stride 3),
padding, C != F, N != C, non-square kernels and outputs. The mistakes' models are cnnlib's loop
backward (``conv2d_backward_naive``) on altered inputs, read at an altered position, or the
exception a learner's indexing raises there.
"""
import numpy as np

from ..conv import conv2d_backward_naive, conv2d_forward_naive
from .function_exercise import Case, FunctionExercise, FunctionMistake, Output, Raises, Variants


def pixel_gradient_example():
    """The notebook's example, geometry 0 of the checker: ``(dout, w, stride, pad, u, v)`` with
    ``x (N, C, H, W) = (2, 3, 8, 8)``, ``w (F, C, KH, KW) = (2, 3, 3, 3)``, stride 2, padding 1, so
    ``dout (N, F, H_out, W_out) = (2, 2, 4, 4)``; the pixel ``(u, v) = (3, 3)`` is read by 4 windows."""
    rng = np.random.default_rng(440)
    w = rng.integers(-3, 4, size=(2, 3, 3, 3)).astype(float)
    dout = rng.integers(-3, 4, size=(2, 2, 4, 4)).astype(float)
    return dout, w, 2, 1, 3, 3


# ------------------------------------------------------------- the reference, by cnnlib's loops

def _padded_gradient(dout, w, stride):
    """∂E/∂x_pad over the rows and columns some window reads: (N, C, S·(H_out-1) + KH, S·(W_out-1) + KW),
    by cnnlib's loop backward (the input's values do not enter it)."""
    (n_img, _, h_out, w_out), (_, n_chan, kh, kw) = dout.shape, w.shape
    shape = (n_img, n_chan, stride * (h_out - 1) + kh, stride * (w_out - 1) + kw)
    _, cache = conv2d_forward_naive(np.zeros(shape), w, np.zeros(w.shape[0]), stride, 0)
    return conv2d_backward_naive(dout, cache)[0]


def _at(grad, a, b):
    """``grad[:, :, a, b]`` (N, C), or zeros where ``(a, b)`` is outside (a position no window reads)."""
    if 0 <= a < grad.shape[2] and 0 <= b < grad.shape[3]:
        return grad[:, :, a, b]
    return np.zeros(grad.shape[:2])


def _reference(dout, w, stride, pad, u, v):
    return _at(_padded_gradient(dout, w, stride), u + pad, v + pad)


def _hits(a, k, stride):
    """The output rows i = (a - m) / S that are whole numbers, for m = 0 .. k - 1 (any sign, any size)."""
    return [(a - m) // stride for m in range(k) if (a - m) % stride == 0]


def _readers(dout, w, stride, pad, u, v):
    """How many (i, j, m, q) put pixel (u, v) into a window: the count of terms of the sum."""
    (h_out, w_out), (kh, kw) = dout.shape[2:], w.shape[2:]
    rows = [i for i in _hits(u + pad, kh, stride) if 0 <= i < h_out]
    cols = [j for j in _hits(v + pad, kw, stride) if 0 <= j < w_out]
    return len(rows) * len(cols)


# ------------------------------------------------------------- the mistakes' models

def _pad_not_shifted(dout, w, stride, pad, u, v):
    # windows matched against u itself: the pixel P rows and columns up and left of (u, v)
    return _at(_padded_gradient(dout, w, stride), u, v)


def _stride_ignored(dout, w, stride, pad, u, v):
    # i = u + P - m, the stride-1 rule; or that i kept only where it is a multiple of S
    masked = np.zeros_like(dout)
    masked[:, :, ::stride, ::stride] = dout[:, :, ::stride, ::stride]
    return Variants([_at(_padded_gradient(d, w, 1), u + pad, v + pad) for d in (dout, masked)])


def _floor_division(dout, w, stride, pad, u, v):
    # i = (u + P - m) // S with the remainder never checked: every m with S·i <= u + P - m < S·i + S
    # counts, which is the right sum at the S x S pixels whose rounding lands on (u, v)
    grad = _padded_gradient(dout, w, stride)
    return sum(_at(grad, u + pad - r, v + pad - s) for r in range(stride) for s in range(stride))


def _float_index(dout, w, stride, pad, u, v):
    # i = (u + P - m) / S is a float: numpy refuses it as an index as soon as one term is read
    if _readers(dout, w, stride, pad, u, v) == 0:
        return _reference(dout, w, stride, pad, u, v)
    return Raises(IndexError, "only integers")


def _out_of_range(rows, cols, row_size, col_size):
    """Raises(IndexError) when some (row, column) pair the learner's loops index lies outside
    ``-size .. size - 1`` (Python wraps negative indices down to -size); else None."""
    if rows and cols and (any(not -row_size <= r < row_size for r in rows) or
                          any(not -col_size <= c < col_size for c in cols)):
        return Raises(IndexError, "out of bounds")
    return None


def _by_offset_indices(dout, w, stride, pad, u, v, low, high):
    """The output rows and columns indexed by loops over m and q, with the checks i >= 0 (``low``)
    and i < H_out (``high``) kept or dropped."""
    (h_out, w_out), (kh, kw) = dout.shape[2:], w.shape[2:]

    def kept(hits, size):
        return [i for i in hits if (not low or i >= 0) and (not high or i < size)]
    return kept(_hits(u + pad, kh, stride), h_out), kept(_hits(v + pad, kw, stride), w_out)


def _by_output_offsets(dout, w, stride, pad, u, v, low, high):
    """The kernel rows and columns indexed by loops over the outputs i and j (m = u + P - S·i),
    with the checks m >= 0 (``low``) and m < KH (``high``) kept or dropped."""
    (h_out, w_out), (kh, kw) = dout.shape[2:], w.shape[2:]

    def kept(a, n, size):
        return [a - stride * i for i in range(n) if (not low or a - stride * i >= 0) and
                (not high or a - stride * i < size)]
    return kept(u + pad, h_out, kh), kept(v + pad, w_out, kw)


def _negative_index_wraps(dout, w, stride, pad, u, v):
    # no check i >= 0 (loops over m): δ[n, f, -1, j] is the last row (Python counts from the end),
    # so the deltas act as if tiled: the right sum on deltas repeated 2 x 2, S·H_out rows further on.
    # No check m >= 0 (loops over the outputs): w[f, c, -1, q] is the kernel's last row: the right
    # sum with the kernel tiled 2 x 2, KH rows further on.
    (h_out, w_out), (kh, kw) = dout.shape[2:], w.shape[2:]
    rows, cols = _by_offset_indices(dout, w, stride, pad, u, v, low=False, high=True)
    by_offset = _out_of_range(rows, cols, h_out, w_out) or _at(
        _padded_gradient(np.tile(dout, (1, 1, 2, 2)), w, stride), u + pad + stride * h_out, v + pad + stride * w_out)
    rows, cols = _by_output_offsets(dout, w, stride, pad, u, v, low=False, high=True)
    by_output = _out_of_range(rows, cols, kh, kw) or _at(
        _padded_gradient(dout, np.tile(w, (1, 1, 2, 2)), stride), u + pad + kh, v + pad + kw)
    return Variants([by_offset, by_output])


def _upper_bound_missing(dout, w, stride, pad, u, v):
    # no check i < H_out (or m < KH): an output (or a kernel entry) past the last one is indexed,
    # which numpy refuses
    (h_out, w_out), (kh, kw) = dout.shape[2:], w.shape[2:]
    right = _reference(dout, w, stride, pad, u, v)
    by_offset = _out_of_range(*_by_offset_indices(dout, w, stride, pad, u, v, low=True, high=False), h_out, w_out)
    by_output = _out_of_range(*_by_output_offsets(dout, w, stride, pad, u, v, low=True, high=False), kh, kw)
    return Variants([by_offset or right, by_output or right])


def _pad_subtracted(dout, w, stride, pad, u, v):
    # u - P instead of u + P: the windows matched against the pixel 2P rows and columns further up-left
    return _at(_padded_gradient(dout, w, stride), u - pad, v - pad)


def _filter_zero_only(dout, w, stride, pad, u, v):
    # the loop over the filters forgotten, f = 0 written in its place
    return _reference(dout[:, :1], w[:1], stride, pad, u, v)


def _filter_is_channel(dout, w, stride, pad, u, v):
    # channel c gathered from filter c only: δ[n, c, i, j] · w[c, c, m, q]
    return _only_filter_c(dout, w, lambda d, ww: _reference(d, ww, stride, pad, u, v),
                          _readers(dout, w, stride, pad, u, v) > 0)


def _only_filter_c(dout, w, reference, reads):
    """What a learner gets who pairs channel c with filter c only: the reference with w[f, c] = 0
    for f != c; an IndexError where C > F (there is no filter c) and something is read."""
    n_filt, n_chan = w.shape[:2]
    if n_chan > n_filt and reads:
        return Raises(IndexError, "out of bounds")
    diagonal = np.zeros_like(w)
    for c in range(min(n_filt, n_chan)):
        diagonal[c, c] = w[c, c]
    return reference(dout, diagonal)


def _kernel_flipped(dout, w, stride, pad, u, v):
    return _reference(dout, w[..., ::-1, ::-1], stride, pad, u, v)


def _plus_instead_of_minus(dout, w, stride, pad, u, v):
    # i = (u + P + m) / S pairs δ[i] with w[m] where S·i - m = u + P: with m' = KH - 1 - m that is
    # the right sum for the rotated kernel, KH - 1 rows (KW - 1 columns) further on
    kh, kw = w.shape[2:]
    return _at(_padded_gradient(dout, w[..., ::-1, ::-1], stride), u + pad + kh - 1, v + pad + kw - 1)


def _c_f_swapped(dout, w, stride, pad, u, v):
    if w.shape[0] == w.shape[1]:
        return _reference(dout, w.transpose(1, 0, 2, 3), stride, pad, u, v)
    if _readers(dout, w, stride, pad, u, v) == 0:
        return _reference(dout, w, stride, pad, u, v)
    # w[c, f] (or w[:, f]) runs out of range, or a (N, F) block does not fit an (N, C) answer
    return Variants([Raises(IndexError, "out of bounds"), Raises(ValueError, "broadcast")])


def _i_j_swapped(dout, w, stride, pad, u, v):
    # δ[n, f, j, i]: on a square output the right sum over the transposed deltas
    if dout.shape[2] != dout.shape[3]:
        return None  # a non-square output: an index error or other numbers, depending on the pixel
    return _reference(dout.transpose(0, 1, 3, 2), w, stride, pad, u, v)


def _outer_product_missing(dout, w, stride, pad, u, v):
    # dout[:, f, i, j] (N,) times w[f, :, m, q] (C,) is an entrywise product, not an outer one
    right = _reference(dout, w, stride, pad, u, v)
    n_img, n_chan = right.shape
    if _readers(dout, w, stride, pad, u, v) == 0 or n_img == 1:
        return right  # nothing added, or a (C,) row that broadcasts onto the one image: right
    if n_img == n_chan:
        return np.broadcast_to(np.diag(right)[None, :], right.shape).copy()  # g[n, c] gets the n = c term
    return Raises(ValueError, "broadcast")


def _overwrite_not_add(dout, w, stride, pad, u, v):
    # "=" instead of "+=": only the last term survives, the last filter's (or the sum over the
    # filters, when f is summed inside), in the order of the learner's loops: over m and q
    # upwards, or over the outputs i and j upwards (m and q downwards); or g reset for each filter
    (_, _, h_out, w_out), (_, _, kh, kw) = dout.shape, w.shape
    a, b = u + pad, v + pad
    rows = [(m, (a - m) // stride) for m in range(kh) if (a - m) % stride == 0 and 0 <= (a - m) // stride < h_out]
    cols = [(q, (b - q) // stride) for q in range(kw) if (b - q) % stride == 0 and 0 <= (b - q) // stride < w_out]
    if not rows or not cols:
        return _reference(dout, w, stride, pad, u, v)
    variants = []
    for (m, i), (q, j) in [(rows[-1], cols[-1]), (rows[0], cols[0])]:
        terms = np.einsum("nf,fc->nfc", dout[:, :, i, j], w[:, :, m, q])       # (N, F, C)
        variants += [terms[:, -1], terms.sum(axis=1)]
    variants.append(_reference(dout[:, -1:], w[-1:], stride, pad, u, v))
    return Variants(variants)


PIXEL_MISTAKES = [
    FunctionMistake("pad_not_shifted", "the padding shift is missing: x[u, v] sits at x_pad[u + P, v + P], and "
                    "the windows are laid on x_pad, so solve S·i + m = u + P (not u).", _pad_not_shifted),
    FunctionMistake("pad_subtracted", "the padding shift has the wrong sign: x[u, v] sits at x_pad[u + P, v + P] "
                    "(the padding adds P rows above the image), so solve S·i + m = u + P, not u - P.",
                    _pad_subtracted),
    FunctionMistake("stride_ignored", "the stride is missing: output i's window starts at row S·i, so the row "
                    "that reads the pixel through w[m] is i = (u + P - m) / S, not u + P - m.", _stride_ignored),
    FunctionMistake("no_divisibility_check", "outputs that do not read the pixel were counted: (u + P - m) // S "
                    "rounds down, so check (u + P - m) % S == 0 first; where it is not 0, no window puts "
                    "w[m] on this pixel.", _floor_division),
    FunctionMistake("float_index", "(u + P - m) / S is a float, and numpy takes only whole numbers as indices: "
                    "check (u + P - m) % S == 0, then use (u + P - m) // S.", _float_index),
    FunctionMistake("negative_index_wraps", "a negative output index was used: for m > u + P the row i = "
                    "(u + P - m) / S is negative, and δ[n, f, -1, j] silently reads the last row (Python counts "
                    "from the end). Keep only 0 <= i < H_out and 0 <= j < W_out.", _negative_index_wraps),
    FunctionMistake("upper_bound_missing", "an output past the last one was indexed: near the bottom or right "
                    "edge i = (u + P - m) / S can reach H_out (the stride may not tile, or the pixel is in the "
                    "padding's reach). Keep only 0 <= i < H_out and 0 <= j < W_out.", _upper_bound_missing),
    FunctionMistake("kernel_flipped", "a flip where none belongs: in this sum the output (i, j) that reads the "
                    "pixel through w[f, c, m, q] contributes δ[n, f, i, j] · w[f, c, m, q] itself; rot180 "
                    "belongs to the sliding-window route of section 3.", _kernel_flipped),
    FunctionMistake("plus_instead_of_minus", "the window was placed the wrong way: output i reads x_pad[S·i + m], "
                    "so the pixel u + P meets w[m] in the output with S·i = u + P - m (minus m, the window "
                    "starts m rows above the pixel), not u + P + m.", _plus_instead_of_minus),
    FunctionMistake("c_f_swapped", "the filter and channel axes are swapped: w has shape (F, C, KH, KW), so the "
                    "weight that carries δ[n, f, i, j] to channel c is w[f, c, m, q].", _c_f_swapped),
    FunctionMistake("first_filter_only", "only filter f = 0 counts: every filter reads every channel, so "
                    "g[n, c] collects from all F filters: sum over f, each through its own w[f, c, m, q] "
                    "(section 5, the depth question).", _filter_zero_only),
    FunctionMistake("filter_equals_channel", "only the filter f = c counts: channel c is read by every filter, "
                    "not just by filter c, so g[n, c] collects from all F filters: sum over f of "
                    "δ[n, f, i, j] · w[f, c, m, q] (section 5, the depth question).", _filter_is_channel),
    FunctionMistake("i_j_swapped", "i and j are swapped: the row i comes from u and m, the column j from v and "
                    "q, and the delta is δ[n, f, i, j].", _i_j_swapped),
    FunctionMistake("outer_product_missing", "dout[:, f, i, j] (N,) times w[f, :, m, q] (C,) is an entrywise "
                    "product, not the (N, C) table of every image times every channel: use np.outer, or "
                    "dout[:, f, i, j, None] * w[f, :, m, q].", _outer_product_missing),
    FunctionMistake("overwrite_not_add", "only one term survives: = instead of += (or the answer reset inside a "
                    "loop). ∂E/∂x[n, c, u, v] adds up every (f, i, j) that reads the pixel.", _overwrite_not_add),
]


def _cases():
    geometries = [  # N, C, F, H, W, KH, KW, S, P, pixels, what the geometry is
        (2, 3, 2, 8, 8, 3, 3, 2, 1, [(0, 0), (7, 6)], "2 images, C=3, F=2, 8x8, 3x3, stride 2, padding 1"),
        (1, 1, 1, 7, 7, 3, 3, 2, 0, [(2, 2), (0, 0), (3, 4)], "the course's 7x7 example: 1 image, 1 channel, "
                                                                  "1 filter, 3x3, stride 2"),
        (2, 2, 2, 6, 9, 3, 2, 1, 2, [(0, 8), (3, 4)], "2 images, C=F=2, 6x9, a 3x2 kernel, stride 1, padding 2"),
        (1, 2, 4, 9, 9, 3, 3, 3, 1, [(4, 2), (8, 8), (8, 3)], "1 image, C=2, F=4, 9x9, 3x3, stride 3, padding 1 "
                                                               "(the last row and column unread)"),
        (3, 2, 2, 8, 8, 2, 2, 3, 0, [(2, 4), (7, 1)], "3 images, C=F=2, 8x8, 2x2, stride 3 (gaps between the "
                                                       "windows)"),
        (2, 2, 3, 5, 7, 4, 2, 2, 1, [(0, 3), (4, 6)], "2 images, C=2, F=3, 5x7, a 4x2 kernel, stride 2, "
                                                       "padding 1 (non-square output)"),
    ]
    dout0, w0, *_ = pixel_gradient_example()
    cases = [Case("the notebook's example: 2 images, C=3, F=2, 8x8, 3x3, stride 2, padding 1; "
                  "pixel (3, 3), read by 4 windows", pixel_gradient_example())]
    rng = np.random.default_rng(44)
    for k, (n, c, f, h, w_in, kh, kw, s, p, pixels, label) in enumerate(geometries):
        if k == 0:
            dout, w = dout0, w0
        else:
            w = rng.integers(-3, 4, size=(f, c, kh, kw)).astype(float)
            h_out, w_out = (h + 2 * p - kh) // s + 1, (w_in + 2 * p - kw) // s + 1
            dout = rng.integers(-3, 4, size=(n, f, h_out, w_out)).astype(float)
        for u, v in pixels:
            readers = _readers(dout, w, s, p, u, v)
            read = f"read by {readers} window{'s' if readers != 1 else ''}" if readers else "read by no window"
            cases.append(Case(f"{label}; pixel ({u}, {v}), {read}", (dout, w, s, p, u, v)))
    return cases


check_pixel_gradient = FunctionExercise(
    "pixel_gradient", ("dout", "w", "stride", "pad", "u", "v"), [Output("g", "n c", "N C")],
    reference=_reference, cases=_cases, mistakes=PIXEL_MISTAKES,
    equation="g[n, c] = Σ_f Σ_m Σ_q δ[n, f, i, j] · w[f, c, m, q] over S·i + m = u + P, S·j + q = v + P, "
             "0 <= i < H_out, 0 <= j < W_out")
