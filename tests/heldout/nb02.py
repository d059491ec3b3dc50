"""Wrong answers to notebook 02's "Your turn": conv_forward_loops(x, w, b, stride, pad)."""
import numpy as np

from . import wrong

CHECKER = "check_conv_forward_loops"


@wrong(CHECKER,
       bug="x_pad is built by hand as an integer array, so copying x into it truncates every "
           "pixel towards zero.",
       where="any x with a fractional part; right on whole-number data (the course's 7x7 "
             "example and, today, every checker geometry)")
def fwd_int_padded_copy(x, w, b, stride, pad):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=int)
    x_pad[:, :, pad:pad + H, pad:pad + W] = x
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                    out[n, f, i, j] = b[f] + np.sum(window * w[f])
    return out


@wrong(CHECKER,
       bug="The output is allocated as float32 (to save memory), so every entry is rounded to "
           "about 7 significant digits.",
       where="any data that float32 cannot hold exactly (relative error about 3e-8); exact on "
             "small whole numbers; the returned dtype is float32 everywhere")
def fwd_float32_output(x, w, b, stride, pad):
    N, C, H, W = x.shape
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


@wrong(CHECKER,
       bug="The padded copy is filled with x_pad[:, :, pad:, pad:] = x, an open-ended slice that "
           "is P rows and columns too big for x: numpy raises a broadcast ValueError.",
       where="raises when P > 0; right when P = 0")
def fwd_pad_slice_open_end(x, w, b, stride, pad):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    x_pad[:, :, pad:, pad:] = x
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    total = 0.0
                    for c in range(C):
                        for m in range(KH):
                            for q in range(KW):
                                total += w[f, c, m, q] * x_pad[n, c, stride * i + m, stride * j + q]
                    out[n, f, i, j] = total + b[f]
    return out


@wrong(CHECKER,
       bug="The bias is added at the end with out += b: numpy broadcasts b (F,) along the last "
           "axis (the output columns j), not along the filters.",
       where="raises a broadcast ValueError when W_out != F (and F > 1); silently adds b[j] when "
             "W_out == F; right only when F == 1")
def fwd_bias_broadcast_last_axis(x, w, b, stride, pad):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                    out[n, f, i, j] = np.sum(window * w[f])
    out += b
    return out


@wrong(CHECKER,
       bug="The stride multiplies the kernel offset too: it reads x_pad[n, c, S*(i + m), "
           "S*(j + q)], a kernel dilated by S, instead of x_pad[n, c, S*i + m, S*j + q].",
       where="every geometry with S > 1 (usually an IndexError past the end of x_pad); right "
             "when S = 1")
def fwd_stride_dilates_kernel(x, w, b, stride, pad):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    s = b[f]
                    for c in range(C):
                        for m in range(KH):
                            for q in range(KW):
                                s += w[f, c, m, q] * x_pad[n, c, stride * (i + m), stride * (j + q)]
                    out[n, f, i, j] = s
    return out


@wrong(CHECKER,
       bug="The zeros are put on the top and the left only (np.pad with (pad, 0)), and the "
           "output size uses H + P to match: the output is too small and its windows are "
           "shifted.",
       where="only when P > 0")
def fwd_pad_top_left_only(x, w, b, stride, pad):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, 0), (pad, 0)))        # (N, C, H + P, W + P)
    H_out = (x_pad.shape[2] - KH) // stride + 1
    W_out = (x_pad.shape[3] - KW) // stride + 1
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                    out[n, f, i, j] = b[f] + np.sum(window * w[f])
    return out


@wrong(CHECKER,
       bug="Two slips at once: the kernel is flipped (w[f, c, KH-1-m, KW-1-q], a true "
           "convolution) and the bias is never added.",
       where="every geometry",
       catalogue_keys_ok=("flipped_kernel", "forgot_bias"))
def fwd_flipped_and_no_bias(x, w, b, stride, pad):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    for c in range(C):
                        for m in range(KH):
                            for q in range(KW):
                                out[n, f, i, j] += (w[f, c, KH - 1 - m, KW - 1 - q]
                                                    * x_pad[n, c, stride * i + m, stride * j + q])
    return out


@wrong(CHECKER,
       bug="The window is multiplied in place (window *= w[f]); the window is a view of x_pad "
           "(and x_pad is x itself when P = 0), so every later window that reads the same "
           "pixels, and every later filter, sees pixels already multiplied by a weight. With "
           "P = 0 it also changes the caller's x.",
       where="wherever a pixel is read twice: overlapping windows (S < K), several filters or "
             "the same window again; right only when no pixel is read twice")
def fwd_window_scaled_in_place(x, w, b, stride, pad):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    x_pad = x if pad == 0 else np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                    window *= w[f]
                    out[n, f, i, j] = window.sum() + b[f]
    return out


@wrong(CHECKER,
       bug="The output size is counted as (H + 2P - KH + 1) // S, the +1 moved inside the "
           "division: one window too few along an axis where the stride does not leave exactly "
           "S - 1 rows over.",
       where="only when S > 1 and (H + 2P - KH) % S != S - 1 (or the same for W); right when "
             "S = 1",
       catalogue_keys_ok=("forgot_plus_one",))
def fwd_plus_one_inside_division(x, w, b, stride, pad):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out = (H + 2 * pad - KH + 1) // stride
    W_out = (W + 2 * pad - KW + 1) // stride
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                    out[n, f, i, j] = b[f] + np.sum(window * w[f])
    return out
