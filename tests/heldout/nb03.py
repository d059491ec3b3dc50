"""Wrong answers to notebook 03's "Your turn": kernel_and_bias_gradient(dout, x, w_shape, stride, pad)."""
import numpy as np

from . import wrong

CHECKER = "check_kernel_and_bias_gradient"


@wrong(CHECKER,
       bug="The loops run over the input channels c too, and db[f] += delta sits inside the "
           "loop over c: db is C times too large (dw is right).",
       where="only when C > 1 (a constant factor C on db)")
def kb_db_once_per_channel(dout, x, w_shape, stride, pad):
    N, C, H, W = x.shape
    F, _, KH, KW = w_shape
    _, _, H_out, W_out = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dw = np.zeros(w_shape)
    db = np.zeros(F)
    for n in range(N):
        for f in range(F):
            for c in range(C):
                for i in range(H_out):
                    for j in range(W_out):
                        delta = dout[n, f, i, j]
                        dw[f, c] += delta * x_pad[n, c, stride * i:stride * i + KH,
                                                  stride * j:stride * j + KW]
                        db[f] += delta
    return dw, db


@wrong(CHECKER,
       bug="dw and db are allocated as float32, so the accumulated sums are rounded to about 7 "
           "significant digits.",
       where="any data that float32 cannot hold exactly (relative error about 1e-7); exact on "
             "small whole numbers; the returned dtype is float32 everywhere")
def kb_float32_accumulators(dout, x, w_shape, stride, pad):
    N, C, H, W = x.shape
    F, _, KH, KW = w_shape
    _, _, H_out, W_out = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dw = np.zeros(w_shape, dtype=np.float32)
    db = np.zeros(F, dtype=np.float32)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                    dw[f] += dout[n, f, i, j] * window
                    db[f] += dout[n, f, i, j]
    return dw, db


@wrong(CHECKER,
       bug="db is summed with chained sums that keep the original axis numbers, "
           "dout.sum(axis=0).sum(axis=2).sum(axis=3): after the first two sums only two axes "
           "are left, so numpy raises an AxisError (dw is right).",
       where="raises on every geometry")
def kb_chained_sum_axis_error(dout, x, w_shape, stride, pad):
    N, C, H, W = x.shape
    F, _, KH, KW = w_shape
    _, _, H_out, W_out = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dw = np.zeros(w_shape)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                    dw[f] += dout[n, f, i, j] * window
    db = dout.sum(axis=0).sum(axis=2).sum(axis=3)
    return dw, db


@wrong(CHECKER,
       bug="The output size is written without parentheses, H_out = H_pad - KH // S + 1, so "
           "only KH is divided: too many output rows when S > 1, and indexing dout past its end "
           "raises an IndexError.",
       where="raises when S > 1; right when S = 1")
def kb_precedence_output_size(dout, x, w_shape, stride, pad):
    N, C, H, W = x.shape
    F, _, KH, KW = w_shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    H_out = x_pad.shape[2] - KH // stride + 1
    W_out = x_pad.shape[3] - KW // stride + 1
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


@wrong(CHECKER,
       bug="dw is averaged over the output positions (divided by H_out * W_out), as if a "
           "weight's gradient were the mean of its contributions; it is their sum (db is right).",
       where="every geometry (a constant factor 1 / (H_out * W_out) on dw)")
def kb_dw_mean_over_positions(dout, x, w_shape, stride, pad):
    N, C, H, W = x.shape
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


@wrong(CHECKER,
       bug="The window is cut from input channel 0 only, x_pad[n, 0, ...] (KH, KW), and numpy "
           "broadcasts it to all C kernels of dw[f]: every channel's gradient is channel 0's.",
       where="only when C > 1")
def kb_channel_zero_broadcast(dout, x, w_shape, stride, pad):
    N, C, H, W = x.shape
    F, _, KH, KW = w_shape
    _, _, H_out, W_out = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dw = np.zeros(w_shape)
    db = np.zeros(F)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, 0, stride * i:stride * i + KH, stride * j:stride * j + KW]
                    dw[f] += dout[n, f, i, j] * window
                    db[f] += dout[n, f, i, j]
    return dw, db


@wrong(CHECKER,
       bug="Two slips at once: the deltas are rotated by 180 degrees before the loops "
           "(eq. 14 misread), and db is their mean instead of their sum.",
       where="every geometry (dw and db both wrong)",
       catalogue_keys_ok=("deltas_flipped", "db_mean"))
def kb_flipped_deltas_and_db_mean(dout, x, w_shape, stride, pad):
    N, C, H, W = x.shape
    F, _, KH, KW = w_shape
    d = dout[:, :, ::-1, ::-1]
    _, _, H_out, W_out = d.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dw = np.zeros(w_shape)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                    dw[f] += d[n, f, i, j] * window
    db = dout.mean(axis=(0, 2, 3))
    return dw, db


@wrong(CHECKER,
       bug="The deltas are indexed dout[f, n, i, j] (image and filter axes swapped): an "
           "IndexError when F > N, other filters' and images' deltas when both are > 1.",
       where="raises when F > N; wrong values when N > 1 and F > 1 otherwise; right only when "
             "N = F = 1")
def kb_dout_n_f_swapped(dout, x, w_shape, stride, pad):
    N, C, H, W = x.shape
    F, _, KH, KW = w_shape
    H_out, W_out = dout.shape[2], dout.shape[3]
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dw = np.zeros(w_shape)
    db = np.zeros(F)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    delta = dout[f, n, i, j]
                    dw[f] += delta * x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                    db[f] += delta
    return dw, db
