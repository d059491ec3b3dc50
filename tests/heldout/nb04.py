"""Wrong answers to notebook 04's "Your turn" (b): input_gradient_by_correlation(dout, w, x_shape, stride,
pad) -> dx. (Your turn (a) was input_gradient_loops, a scatter-add; it is now pixel_gradient, the
gradient of one pixel gathered from the outputs that read it, which has no held-out answers yet:
they are to be written by someone who has not read its checker.)"""
import numpy as np

from cnnlib.correlate import cross_correlate2d, dilate, pad2d, rot180

from . import wrong

BY_CORRELATION = "check_input_gradient_by_correlation"


@wrong(BY_CORRELATION,
       bug="The dilated deltas are padded with KH - 1 zeros on both axes (a square kernel "
           "assumed), so with KW != KH the full correlation has the wrong width and is shifted "
           "(or does not fit into dx_pad).",
       where="only non-square kernels (KH != KW): a broadcast ValueError when the too-wide "
             "result does not fit into dx_pad, else shifted by a column")
def ic_square_kernel_padding(dout, w, x_shape, stride, pad):
    N, C, H, W = x_shape
    F, _, KH, KW = w.shape
    dx = np.zeros(x_shape)
    for n in range(N):
        for c in range(C):
            dx_pad = np.zeros((H + 2 * pad, W + 2 * pad))
            for f in range(F):
                spread = pad2d(dilate(dout[n, f], stride), KH - 1)
                full = cross_correlate2d(spread, rot180(w[f, c]))
                dx_pad[:full.shape[0], :full.shape[1]] += full
            dx[n, c] = dx_pad[pad:pad + H, pad:pad + W]
    return dx


@wrong(BY_CORRELATION,
       bug="The deltas are padded first and dilated second, dilate(pad2d(d, K - 1), S): the "
           "K - 1 border zeros get dilated too, so the border is S(K - 1) wide and the result "
           "too big.",
       where="every geometry with S > 1 (usually a broadcast ValueError, the result not "
             "fitting into dx_pad); right when S = 1")
def ic_pad_then_dilate(dout, w, x_shape, stride, pad):
    N, C, H, W = x_shape
    F, _, KH, KW = w.shape
    dx = np.zeros(x_shape)
    for n in range(N):
        for c in range(C):
            dx_pad = np.zeros((H + 2 * pad, W + 2 * pad))
            for f in range(F):
                spread = dilate(pad2d(dout[n, f], (KH - 1, KW - 1)), stride)
                full = cross_correlate2d(spread, rot180(w[f, c]))
                dx_pad[:full.shape[0], :full.shape[1]] += full
            dx[n, c] = dx_pad[pad:pad + H, pad:pad + W]
    return dx


@wrong(BY_CORRELATION,
       bug="The bank is 'rotated' once with w[::-1, ::-1], the 2-D idiom applied to the 4-D "
           "bank: it reverses the filter and channel axes instead of the kernel rows and "
           "columns. So no kernel is rotated, and w_rot[f, c] is w[F-1-f, C-1-c].",
       where="every geometry (no rotation); with F > 1 or C > 1 also the wrong filter/channel",
       catalogue_keys_ok=("forgot_flip",))
def ic_rot_idiom_on_bank(dout, w, x_shape, stride, pad):
    N, C, H, W = x_shape
    F, _, KH, KW = w.shape
    w_rot = w[::-1, ::-1]
    dx = np.zeros(x_shape)
    for n in range(N):
        for c in range(C):
            dx_pad = np.zeros((H + 2 * pad, W + 2 * pad))
            for f in range(F):
                full = cross_correlate2d(dilate(dout[n, f], stride), w_rot[f, c], mode="full")
                dx_pad[:full.shape[0], :full.shape[1]] += full
            dx[n, c] = dx_pad[pad:pad + H, pad:pad + W]
    return dx


@wrong(BY_CORRELATION,
       bug="dx_pad is allocated once, before the loops over n and c, and never reset: each "
           "channel (and image) also holds the sums of all the channels before it.",
       where="only when N > 1 or C > 1 (the first image's first channel is right)")
def ic_dx_pad_not_reset(dout, w, x_shape, stride, pad):
    N, C, H, W = x_shape
    F, _, KH, KW = w.shape
    dx = np.zeros(x_shape)
    dx_pad = np.zeros((H + 2 * pad, W + 2 * pad))
    for n in range(N):
        for c in range(C):
            for f in range(F):
                spread = pad2d(dilate(dout[n, f], stride), (KH - 1, KW - 1))
                full = cross_correlate2d(spread, rot180(w[f, c]))
                dx_pad[:full.shape[0], :full.shape[1]] += full
            dx[n, c] = dx_pad[pad:pad + H, pad:pad + W]
    return dx


@wrong(BY_CORRELATION,
       bug="dx is allocated as float32, so the result is rounded to about 7 significant digits.",
       where="any data that float32 cannot hold exactly (relative error about 3e-8); exact on "
             "small whole numbers; the returned dtype is float32 everywhere")
def ic_float32_result(dout, w, x_shape, stride, pad):
    N, C, H, W = x_shape
    F, _, KH, KW = w.shape
    dx = np.zeros(x_shape, dtype=np.float32)
    for n in range(N):
        for c in range(C):
            dx_pad = np.zeros((H + 2 * pad, W + 2 * pad))
            for f in range(F):
                full = cross_correlate2d(dilate(dout[n, f], stride), rot180(w[f, c]), mode="full")
                dx_pad[:full.shape[0], :full.shape[1]] += full
            dx[n, c] = dx_pad[pad:pad + H, pad:pad + W]
    return dx


@wrong(BY_CORRELATION,
       bug="dilate is called with S - 1 (the number of zeros to insert) instead of the stride "
           "S: with S = 1 cnnlib refuses a stride of 0, with S = 2 nothing is dilated, with "
           "S = 3 one zero too few.",
       where="raises when S = 1; wrong when S > 1",
       catalogue_keys_ok=("not_dilated",))
def ic_dilate_by_zero_count(dout, w, x_shape, stride, pad):
    N, C, H, W = x_shape
    F, _, KH, KW = w.shape
    dx = np.zeros(x_shape)
    for n in range(N):
        for c in range(C):
            dx_pad = np.zeros((H + 2 * pad, W + 2 * pad))
            for f in range(F):
                spread = pad2d(dilate(dout[n, f], stride - 1), (KH - 1, KW - 1))
                full = cross_correlate2d(spread, rot180(w[f, c]))
                dx_pad[:full.shape[0], :full.shape[1]] += full
            dx[n, c] = dx_pad[pad:pad + H, pad:pad + W]
    return dx


@wrong(BY_CORRELATION,
       bug="The deltas are padded with pad2d AND correlated in mode='full', which pads again: "
           "the result has 2(K - 1) rows and columns too many (and does not fit into dx_pad, "
           "or is shifted).",
       where="every geometry")
def ic_padded_twice(dout, w, x_shape, stride, pad):
    N, C, H, W = x_shape
    F, _, KH, KW = w.shape
    dx = np.zeros(x_shape)
    for n in range(N):
        for c in range(C):
            dx_pad = np.zeros((H + 2 * pad, W + 2 * pad))
            for f in range(F):
                spread = pad2d(dilate(dout[n, f], stride), (KH - 1, KW - 1))
                full = cross_correlate2d(spread, rot180(w[f, c]), mode="full")
                dx_pad[:full.shape[0], :full.shape[1]] += full
            dx[n, c] = dx_pad[pad:pad + H, pad:pad + W]
    return dx


@wrong(BY_CORRELATION,
       bug="The full result is placed at offset P in dx_pad (dx_pad[P:P + rows, P:P + cols]) "
           "instead of its top-left corner, as if it started after the padding; the crop then "
           "shifts it by P.",
       where="only when P > 0 (shifted, or a broadcast ValueError when it does not fit); right "
             "when P = 0")
def ic_full_placed_after_padding(dout, w, x_shape, stride, pad):
    N, C, H, W = x_shape
    F, _, KH, KW = w.shape
    dx = np.zeros(x_shape)
    for n in range(N):
        for c in range(C):
            dx_pad = np.zeros((H + 2 * pad, W + 2 * pad))
            for f in range(F):
                full = cross_correlate2d(dilate(dout[n, f], stride), rot180(w[f, c]), mode="full")
                dx_pad[pad:pad + full.shape[0], pad:pad + full.shape[1]] += full
            dx[n, c] = dx_pad[pad:pad + H, pad:pad + W]
    return dx
