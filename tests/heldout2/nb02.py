"""Notebook 02 §11, conv_forward_loops(x, w, b, stride, pad): held-out wrong answers."""
import numpy as np

from .registry import wrong

C = "check_conv_forward_loops"


@wrong(C, bug="the output array is allocated with dtype=int, so every sum is truncated towards 0 "
              "when it is stored",
       where="every geometry with non-integer inputs; right on the course's integer example")
def int_output(x, w, b, stride, pad):
    N, C_, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out), dtype=int)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out


@wrong(C, bug="the output is float32 (np.zeros(..., dtype=np.float32) 'to save memory'): "
              "float32 rounding, about 1e-7 relative",
       where="every geometry with non-integer data; exact on small integers")
def float32_output(x, w, b, stride, pad):
    N, C_, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out), dtype=np.float32)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                    out[n, f, i, j] = b[f] + np.sum(window * w[f])
    return out


@wrong(C, bug="x_pad is built by hand and the image is copied in with x_pad[:, :, pad:-pad, pad:-pad]: "
              "with pad = 0 that slice is empty and the copy raises a broadcast error",
       where="every geometry without padding (raises); right with padding",
       catalogue_keys_ok=(), variant="crop_minus_zero (catalogued for row2im/input gradient, here in the forward pass's padding)")
def pad_by_hand_minus_zero(x, w, b, stride, pad):
    N, C_, H, W = x.shape
    F, _, KH, KW = w.shape
    x_pad = np.zeros((N, C_, H + 2 * pad, W + 2 * pad))
    x_pad[:, :, pad:-pad, pad:-pad] = x
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out


@wrong(C, bug="the loops run to range(H_out - 1) and range(W_out - 1) (the output array has the right "
              "size): the last output row and column stay 0, without even the bias",
       where="every geometry: the last row and column of every map",
       catalogue_keys_ok=("forgot_plus_one",),
       variant="forgot_plus_one (here the array is the right size; only the loop bounds are one short)")
def loop_bounds_one_short(x, w, b, stride, pad):
    N, C_, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out - 1):
                for j in range(W_out - 1):
                    window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out


@wrong(C, bug="all filters at once, np.sum(window * w, axis=(0, 2, 3)): the sum runs over the filters "
              "instead of the channels, giving C numbers per output instead of F",
       where="C != F: raises (C values into F slots); C == F: every value wrong (filter c's sum of "
             "channel c's window over all filters)")
def vectorized_wrong_axis(x, w, b, stride, pad):
    N, C_, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]  # (C, KH, KW)
                out[n, :, i, j] = np.sum(window * w, axis=(0, 2, 3)) + b
    return out


@wrong(C, bug="window *= w[f] multiplies the window in place: the window is a view of x_pad (and of x "
              "itself when pad = 0, x_pad = x), so later windows and later filters read products, "
              "and the caller's x is changed",
       where="every geometry where windows overlap or F > 1; x mutated when pad = 0",
       tags=("in-place",))
def window_multiplied_in_place(x, w, b, stride, pad):
    N, C_, H, W = x.shape
    F, _, KH, KW = w.shape
    x_pad = x if pad == 0 else np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                    window *= w[f]
                    out[n, f, i, j] = window.sum() + b[f]
    return out


@wrong(C, bug="copy-paste slip: H_out is computed from W, (W + 2P - KH) // S + 1",
       where="non-square inputs only (a wrong number of output rows); right on square inputs")
def h_out_from_w(x, w, b, stride, pad):
    N, C_, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out = (W + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out


@wrong(C, bug="padding on one side only: np.pad(x, ((0, 0), (0, 0), (pad, 0), (pad, 0))) puts P zeros "
              "above and left, none below and right, while H_out counts 2P: the last windows run off "
              "the end and come out short (broadcast error)",
       where="geometries with padding (raises or wrong last row/column); right without padding",
       catalogue_keys_ok=("window_cut_from_x", "padding_ignored"),
       variant="shape_padding_counted_once (of check_conv_output_shape), here in the array")
def pad_one_side(x, w, b, stride, pad):
    N, C_, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, 0), (pad, 0)))
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out


@wrong(C, bug="two slips at once: the bias is left out and the window is cut from x, not x_pad "
              "(the padding is counted in H_out but never added)",
       where="every geometry (no bias); with padding also the windows",
       catalogue_keys_ok=("forgot_bias", "window_cut_from_x", "padding_ignored"),
       tags=("two slips",))
def no_bias_and_no_pad(x, w, b, stride, pad):
    N, C_, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                    out[n, f, i, j] = np.sum(window * w[f])
    return out


@wrong(C, bug="the windows are read with a step: x_pad[n, :, i:i + KH * S:S, j:j + KW * S:S], the stride "
              "put inside the window (a dilated kernel) instead of between windows",
       where="every geometry with S > 1; right at S = 1",
       catalogue_keys_ok=("stride_ignored",),
       variant="stride_ignored (the window starts at (i, j), and is also spread S apart)")
def stride_inside_window(x, w, b, stride, pad):
    N, C_, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, i:i + KH * stride:stride, j:j + KW * stride:stride]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out
