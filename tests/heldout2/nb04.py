"""Notebook 04 §10 (a) pixel_gradient(dout, w, stride, pad, u, v) and (b)
input_gradient_by_correlation(dout, w, x_shape, stride, pad): held-out wrong answers."""
import numpy as np

from cnnlib.correlate import convolve2d, cross_correlate2d, dilate, pad2d, rot180

from .registry import wrong

P = "check_pixel_gradient"
B = "check_input_gradient_by_correlation"


# ---------------------------------------------------------------- (a) pixel_gradient

@wrong(P, bug="g starts as the number 0 (g = 0; g += outer(...)): right wherever a window reads the "
              "pixel, but a pixel that no window reads gets the scalar 0, not an (N, C) array of zeros",
       where="pixels read by no window (past the last window, between windows): a () result")
def scalar_start(dout, w, stride, pad, u, v):
    N, F, H_out, W_out = dout.shape
    _, C, KH, KW = w.shape
    g = 0
    for m in range(KH):
        for q in range(KW):
            if (u + pad - m) % stride or (v + pad - q) % stride:
                continue
            i, j = (u + pad - m) // stride, (v + pad - q) // stride
            if 0 <= i < H_out and 0 <= j < W_out:
                for f in range(F):
                    g = g + np.outer(dout[:, f, i, j], w[f, :, m, q])
    return g


@wrong(P, bug="copy-paste slip in the column bound: 0 <= j < H_out (the rows' bound) instead of W_out",
       where="non-square outputs: where W_out > H_out the outputs j >= H_out are missed; where "
             "W_out < H_out a j past the last column is indexed (IndexError); right when H_out == W_out",
       catalogue_keys_ok=("upper_bound_missing",))
def column_bound_h_out(dout, w, stride, pad, u, v):
    N, F, H_out, W_out = dout.shape
    _, C, KH, KW = w.shape
    g = np.zeros((N, C))
    for m in range(KH):
        if (u + pad - m) % stride:
            continue
        i = (u + pad - m) // stride
        if not 0 <= i < H_out:
            continue
        for q in range(KW):
            if (v + pad - q) % stride:
                continue
            j = (v + pad - q) // stride
            if not 0 <= j < H_out:
                continue
            for f in range(F):
                g += np.outer(dout[:, f, i, j], w[f, :, m, q])
    return g


@wrong(P, bug="copy-paste slip: the column j is computed from the pixel's row u, (u + P - q) / S, "
              "instead of its column v",
       where="pixels with u != v; right on the diagonal u == v")
def column_from_u(dout, w, stride, pad, u, v):
    N, F, H_out, W_out = dout.shape
    _, C, KH, KW = w.shape
    g = np.zeros((N, C))
    for m in range(KH):
        if (u + pad - m) % stride:
            continue
        i = (u + pad - m) // stride
        if not 0 <= i < H_out:
            continue
        for q in range(KW):
            if (u + pad - q) % stride:
                continue
            j = (u + pad - q) // stride
            if not 0 <= j < W_out:
                continue
            for f in range(F):
                g += np.outer(dout[:, f, i, j], w[f, :, m, q])
    return g


@wrong(P, bug="the padding is added after the division: i = (u - m) // S + P (the divisibility test "
              "uses u + P - m, right), as if the padding counted in output rows rather than pixels",
       where="geometries with P > 0 and S > 1; right at P = 0 or S = 1",
       catalogue_keys_ok=(),
       variant=None)
def pad_added_after_division(dout, w, stride, pad, u, v):
    N, F, H_out, W_out = dout.shape
    _, C, KH, KW = w.shape
    g = np.zeros((N, C))
    for m in range(KH):
        if (u + pad - m) % stride:
            continue
        i = (u - m) // stride + pad
        if not 0 <= i < H_out:
            continue
        for q in range(KW):
            if (v + pad - q) % stride:
                continue
            j = (v - q) // stride + pad
            if not 0 <= j < W_out:
                continue
            for f in range(F):
                g += np.outer(dout[:, f, i, j], w[f, :, m, q])
    return g


@wrong(P, bug="the outer product the other way round, np.outer(w[f, :, m, q], dout[:, f, i, j]): a "
              "(C, N) table added into g (N, C)",
       where="N != C: raises (broadcast error); N == C: g transposed",
       catalogue_keys_ok=("outer_product_missing",),
       variant="outer_product_missing (here the outer product is taken, in the wrong order)")
def outer_reversed(dout, w, stride, pad, u, v):
    N, F, H_out, W_out = dout.shape
    _, C, KH, KW = w.shape
    g = np.zeros((N, C))
    for m in range(KH):
        if (u + pad - m) % stride:
            continue
        i = (u + pad - m) // stride
        if not 0 <= i < H_out:
            continue
        for q in range(KW):
            if (v + pad - q) % stride:
                continue
            j = (v + pad - q) // stride
            if not 0 <= j < W_out:
                continue
            for f in range(F):
                g += np.outer(w[f, :, m, q], dout[:, f, i, j])
    return g


@wrong(P, bug="the kernel columns are looped with range(KH) (a square kernel assumed)",
       where="non-square kernels: KH > KW raises IndexError (w[f, :, m, q] past KW); KH < KW leaves out "
             "the last kernel columns; right on square kernels",
       catalogue_keys_ok=("square_kernel_assumed",),
       variant="square_kernel_assumed (catalogued for the forward checker)")
def square_kernel_loop(dout, w, stride, pad, u, v):
    N, F, H_out, W_out = dout.shape
    _, C, KH, KW = w.shape
    g = np.zeros((N, C))
    for m in range(KH):
        if (u + pad - m) % stride:
            continue
        i = (u + pad - m) // stride
        if not 0 <= i < H_out:
            continue
        for q in range(KH):
            if (v + pad - q) % stride:
                continue
            j = (v + pad - q) // stride
            if not 0 <= j < W_out:
                continue
            for f in range(F):
                g += np.outer(dout[:, f, i, j], w[f, :, m, q])
    return g


@wrong(P, bug="g is float32 (np.zeros((N, C), dtype=np.float32)): float32 rounding",
       where="every pixel read by a window, non-integer data",
       tags=("dtype",))
def float32_g(dout, w, stride, pad, u, v):
    N, F, H_out, W_out = dout.shape
    _, C, KH, KW = w.shape
    g = np.zeros((N, C), dtype=np.float32)
    for m in range(KH):
        if (u + pad - m) % stride:
            continue
        i = (u + pad - m) // stride
        if not 0 <= i < H_out:
            continue
        for q in range(KW):
            if (v + pad - q) % stride:
                continue
            j = (v + pad - q) // stride
            if not 0 <= j < W_out:
                continue
            for f in range(F):
                g += np.outer(dout[:, f, i, j], w[f, :, m, q])
    return g


@wrong(P, bug="the sum runs over the outputs, not the kernel: for every output (i, j) it takes "
              "m = u + P - S·i and q = v + P - S·j, and keeps 0 <= m < KH, but checks q < KH (not KW)",
       where="non-square kernels only: KW > KH misses terms, KW < KH indexes past KW (IndexError); "
             "right on square kernels",
       catalogue_keys_ok=("square_kernel_assumed",),
       variant="square_kernel_assumed, in the other loop order")
def over_outputs_square_bound(dout, w, stride, pad, u, v):
    N, F, H_out, W_out = dout.shape
    _, C, KH, KW = w.shape
    g = np.zeros((N, C))
    for i in range(H_out):
        m = u + pad - stride * i
        if not 0 <= m < KH:
            continue
        for j in range(W_out):
            q = v + pad - stride * j
            if not 0 <= q < KH:
                continue
            for f in range(F):
                g += np.outer(dout[:, f, i, j], w[f, :, m, q])
    return g


# ---------------------------------------------------------------- (b) input_gradient_by_correlation

@wrong(B, bug="the deltas are padded before they are dilated, dilate(pad2d(δ, K - 1), S): the K - 1 "
              "zeros of padding are dilated too and become S·(K - 1) zeros, so the full result is "
              "shifted and too large",
       where="every geometry with S > 1; right at S = 1")
def pad_then_dilate(dout, w, x_shape, stride, pad):
    N, C, H, W = x_shape
    F, _, KH, KW = w.shape
    dx = np.zeros(x_shape)
    for n in range(N):
        for c in range(C):
            dx_pad = np.zeros((H + 2 * pad, W + 2 * pad))
            for f in range(F):
                spread = dilate(pad2d(dout[n, f], (KH - 1, KW - 1)), stride)
                full = cross_correlate2d(spread, rot180(w[f, c]))
                h, w_ = min(full.shape[0], dx_pad.shape[0]), min(full.shape[1], dx_pad.shape[1])
                dx_pad[:h, :w_] += full[:h, :w_]
            dx[n, c] = dx_pad[pad:pad + H, pad:pad + W]
    return dx


@wrong(B, bug="the deltas are padded by KH - 1 on both axes, pad2d(dilate(δ, S), KH - 1) "
              "(a square kernel assumed)",
       where="non-square kernels: the full result has the wrong width (raises, or misplaced columns); "
             "right on square kernels",
       catalogue_keys_ok=("square_kernel_assumed",),
       variant="square_kernel_assumed (catalogued for the forward checker)")
def pad_kh_both_axes(dout, w, x_shape, stride, pad):
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


@wrong(B, bug="the kernel bank is rotated once with w[::-1, ::-1] (notebook 01's rot180 of a 2-D "
              "kernel): on the 4-D bank it reverses the filter and channel axes, not the kernel",
       where="every geometry: with F = C = 1 it is the unrotated kernel (forgot_flip); otherwise also "
             "the wrong filter and channel",
       catalogue_keys_ok=("forgot_flip",),
       variant="forgot_flip, mixed with a filter/channel permutation")
def bank_flipped_on_wrong_axes(dout, w, x_shape, stride, pad):
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


@wrong(B, bug="dx is float32 (np.zeros(x_shape, dtype=np.float32)): float32 rounding",
       where="every geometry with non-integer data", tags=("dtype",))
def float32_dx(dout, w, x_shape, stride, pad):
    N, C, H, W = x_shape
    F, _, KH, KW = w.shape
    dx = np.zeros(x_shape, dtype=np.float32)
    for n in range(N):
        for c in range(C):
            dx_pad = np.zeros((H + 2 * pad, W + 2 * pad))
            for f in range(F):
                full = convolve2d(dilate(dout[n, f], stride), w[f, c], mode="full")
                dx_pad[:full.shape[0], :full.shape[1]] += full
            dx[n, c] = dx_pad[pad:pad + H, pad:pad + W]
    return dx


@wrong(B, bug="every image uses image 0's deltas (dout[0, f] instead of dout[n, f])",
       where="geometries with N > 1 (images after the first); right for one image")
def deltas_of_image_zero(dout, w, x_shape, stride, pad):
    N, C, H, W = x_shape
    F, _, KH, KW = w.shape
    dx = np.zeros(x_shape)
    for n in range(N):
        for c in range(C):
            dx_pad = np.zeros((H + 2 * pad, W + 2 * pad))
            for f in range(F):
                full = cross_correlate2d(dilate(dout[0, f], stride), rot180(w[f, c]), mode="full")
                dx_pad[:full.shape[0], :full.shape[1]] += full
            dx[n, c] = dx_pad[pad:pad + H, pad:pad + W]
    return dx


@wrong(B, bug="the channel index is left out where the cropped term is added: dx[n] += ... adds "
              "channel c's term to every channel, so every channel gets the sum over all channels",
       where="geometries with C > 1; right with one channel")
def added_to_every_channel(dout, w, x_shape, stride, pad):
    N, C, H, W = x_shape
    F, _, KH, KW = w.shape
    dx = np.zeros(x_shape)
    for n in range(N):
        for f in range(F):
            for c in range(C):
                dx_pad = np.zeros((H + 2 * pad, W + 2 * pad))
                full = cross_correlate2d(dilate(dout[n, f], stride), rot180(w[f, c]), mode="full")
                dx_pad[:full.shape[0], :full.shape[1]] = full
                dx[n] += dx_pad[pad:pad + H, pad:pad + W]
    return dx


@wrong(B, bug="dx_pad is sized by the full result (np.zeros_like(full)) instead of H + 2P: the crop "
              "[P:P + H] comes out short where some rows are read by no window, and the copy into "
              "dx[n, c] raises a broadcast error",
       where="geometries with rows or columns no window reads (stride that does not tile, or "
             "unread padding); right where the windows cover x_pad",
       catalogue_keys_ok=("unread_missing",),
       variant="unread_missing (as a crash)")
def dx_pad_sized_by_full(dout, w, x_shape, stride, pad):
    N, C, H, W = x_shape
    F, _, KH, KW = w.shape
    dx = np.zeros(x_shape)
    for n in range(N):
        for c in range(C):
            total = 0
            for f in range(F):
                total = total + cross_correlate2d(dilate(dout[n, f], stride), rot180(w[f, c]), mode="full")
            dx_pad = np.zeros_like(total)
            dx_pad += total
            dx[n, c] = dx_pad[pad:pad + H, pad:pad + W]
    return dx
