"""Notebook 03 §12, kernel_and_bias_gradient(dout, x, w_shape, stride, pad): held-out wrong answers."""
import numpy as np

from .registry import wrong

C = "check_kernel_and_bias_gradient"


@wrong(C, bug="the loops over c, m, q are written out and db[f] += δ sits inside the loop over c "
              "(and m, q): db is C·KH·KW times too large",
       where="db on every geometry (factor C·KH·KW); dw right",
       variant="bias_added_per_channel (of the forward checker), here in the backward pass")
def db_inside_channel_loop(dout, x, w_shape, stride, pad):
    N, C_, H, W = x.shape
    F, _, KH, KW = w_shape
    _, _, H_out, W_out = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dw = np.zeros(w_shape)
    db = np.zeros(F)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    for c in range(C_):
                        for m in range(KH):
                            for q in range(KW):
                                dw[f, c, m, q] += dout[n, f, i, j] * x_pad[n, c, stride * i + m, stride * j + q]
                                db[f] += dout[n, f, i, j]
    return dw, db


@wrong(C, bug="db is allocated with dtype=int (np.zeros(F, dtype=int)): db[f] += δ stores the sum "
              "truncated towards 0 at every step",
       where="db on every geometry with non-integer deltas; right on the integer examples",
       tags=("dtype",))
def db_int_dtype(dout, x, w_shape, stride, pad):
    N, C_, H, W = x.shape
    F, _, KH, KW = w_shape
    _, _, H_out, W_out = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dw = np.zeros(w_shape)
    db = np.zeros(F, dtype=int)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                    dw[f] += dout[n, f, i, j] * window
                    db[f] += dout[n, f, i, j]
    return dw, db


@wrong(C, bug="copy-paste slip: W_out is computed from H, (H + 2P - KW) // S + 1, instead of taking "
              "dout's shape",
       where="non-square inputs: too many columns (windows run off x_pad, or index past dout) or too "
             "few (the last columns of outputs left out); right on square inputs",
       catalogue_keys_ok=("forgot_plus_one", "output_size_without_padding", "ceil_instead_of_floor"))
def w_out_from_h(dout, x, w_shape, stride, pad):
    N, C_, H, W = x.shape
    F, _, KH, KW = w_shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (H + 2 * pad - KW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dw = np.zeros(w_shape)
    db = np.zeros(F)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                    dw[f] += dout[n, f, i, j] * window
                    db[f] += dout[n, f, i, j]
    return dw, db


@wrong(C, bug="dw is divided by the number of output positions H_out·W_out at the end (an average over "
              "the positions, 'like a mean loss'); db is right",
       where="dw on every geometry, by a factor that changes with the geometry (1/9, 1/16, ...)")
def dw_mean_over_positions(dout, x, w_shape, stride, pad):
    N, C_, H, W = x.shape
    F, _, KH, KW = w_shape
    _, _, H_out, W_out = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dw = np.zeros(w_shape)
    db = np.zeros(F)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                    dw[f] += dout[n, f, i, j] * window
                    db[f] += dout[n, f, i, j]
    dw /= H_out * W_out
    return dw, db


@wrong(C, bug="the kernel loops are written out with range(KH) for both m and q (a square kernel assumed)",
       where="non-square kernels: KW < KH raises IndexError (dw[f, c, m, q] past KW), KW > KH leaves the "
             "last kernel columns 0; right on square kernels",
       catalogue_keys_ok=("square_kernel_assumed",),
       variant="square_kernel_assumed (catalogued for the forward checker)")
def square_kernel_loops(dout, x, w_shape, stride, pad):
    N, C_, H, W = x.shape
    F, _, KH, KW = w_shape
    _, _, H_out, W_out = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dw = np.zeros(w_shape)
    db = np.zeros(F)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    db[f] += dout[n, f, i, j]
                    for c in range(C_):
                        for m in range(KH):
                            for q in range(KH):
                                dw[f, c, m, q] += dout[n, f, i, j] * x_pad[n, c, stride * i + m, stride * j + q]
    return dw, db


@wrong(C, bug="window *= δ in place, then dw[f] += window: the window is a view of x_pad, so every "
              "later window that overlaps it, and every later filter, reads the scaled pixels",
       where="geometries where windows overlap (S < K) or F > 1 (every filter after the first); "
             "right with one filter and non-overlapping windows",
       tags=("in-place",))
def window_scaled_in_place(dout, x, w_shape, stride, pad):
    N, C_, H, W = x.shape
    F, _, KH, KW = w_shape
    _, _, H_out, W_out = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dw = np.zeros(w_shape)
    db = np.zeros(F)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                    window *= dout[n, f, i, j]
                    dw[f] += window
                    db[f] += dout[n, f, i, j]
    return dw, db


@wrong(C, bug="the loops run over the window starts, range(0, H + 2P - KH, S), with δ[n, f, i // S, j // S]: "
              "the end leaves out the +1, so the last start is missed when the stride tiles",
       where="geometries where (H + 2P - KH) is a multiple of S (the last row/column of outputs missed); "
             "right where the stride does not tile",
       catalogue_keys_ok=("forgot_plus_one",),
       variant="forgot_plus_one, written as a range over window starts")
def start_range_without_plus_one(dout, x, w_shape, stride, pad):
    N, C_, H, W = x.shape
    F, _, KH, KW = w_shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dw = np.zeros(w_shape)
    db = np.zeros(F)
    for n in range(N):
        for f in range(F):
            for r in range(0, H + 2 * pad - KH, stride):
                for s in range(0, W + 2 * pad - KW, stride):
                    d = dout[n, f, r // stride, s // stride]
                    dw[f] += d * x_pad[n, :, r:r + KH, s:s + KW]
                    db[f] += d
    return dw, db


@wrong(C, bug="two slips at once: db is the mean of the deltas (np.mean over n, i, j) and the deltas "
              "are flipped in dw (δ[n, f, H_out-1-i, W_out-1-j], eq. 14's rot180 read literally)",
       where="every geometry",
       catalogue_keys_ok=("db_mean", "deltas_flipped"),
       tags=("two slips",))
def db_mean_and_flipped(dout, x, w_shape, stride, pad):
    N, C_, H, W = x.shape
    F, _, KH, KW = w_shape
    _, _, H_out, W_out = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    flipped = dout[:, :, ::-1, ::-1]
    dw = np.zeros(w_shape)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                    dw[f] += flipped[n, f, i, j] * window
    db = dout.mean(axis=(0, 2, 3))
    return dw, db


@wrong(C, bug="the batch axis of x is ignored: every image's deltas are paired with image 0's windows "
              "(x_pad[0, ...] instead of x_pad[n, ...])",
       where="dw on geometries with N > 1; db right; right for one image")
def windows_of_image_zero(dout, x, w_shape, stride, pad):
    N, C_, H, W = x.shape
    F, _, KH, KW = w_shape
    _, _, H_out, W_out = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dw = np.zeros(w_shape)
    db = np.zeros(F)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[0, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                    dw[f] += dout[n, f, i, j] * window
                    db[f] += dout[n, f, i, j]
    return dw, db
