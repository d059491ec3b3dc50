"""Twenty-five wrong answers outside the catalogue, across notebooks 02-07, each a whole function (or
answer) as a learner would write it (issue 19 counted 24; its max-pool case comes here twice, with and
without the learner's own assert): the cases of issue 19's "What was seen" (the three that were
misleading, the four whose evidence went unused, the np.full variant, two mistakes at once, the
matrices whose entries were not decoded) and more of the same kind. None is taken from
tests/mutants/. ``tests/test_diagnosis_cases.py`` runs each through its checker and asserts the
message is right and specific.

Each case: ``CASES[key] = (run, what the bug is)``; ``run()`` returns the checker's result.
"""
import numpy as np

from cnnlib.activations import relu_backward, relu_forward
from cnnlib.conv import conv2d_backward, conv2d_forward
from cnnlib.correlate import cross_correlate2d, dilate, pad2d, rot180
from cnnlib.dense import affine_backward, affine_forward, flatten_backward, flatten_forward
from cnnlib.exercises import (check_avgpool_backward, check_conv_backward_matrices, check_conv_forward_loops,
                              check_input_gradient, check_input_gradient_by_correlation,
                              check_kernel_and_bias_gradient, check_maxpool_backward, check_pixel_gradient,
                              check_relu_backward, check_im2row, check_row2im, check_training_step,
                              conv_backward_matrices_exercise_data, input_gradient_exercise_data)
from cnnlib.im2row import im2row, row2im
from cnnlib.losses import softmax_cross_entropy_backward, softmax_cross_entropy_forward
from cnnlib.pool import maxpool2d_backward, maxpool2d_forward

CASES = {}


def case(key, bug):
    def register(fn):
        CASES[key] = (fn, bug)
        return fn
    return register


def _pad(x, p):
    return np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))


# ------------------------------------------------------------------ 02: the conv forward

def _forward(x, w, b, stride, pad, x_pad=None, kernel=None, bias=True, h_size=None):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = ((h_size or W) + 2 * pad - KW) // stride + 1
    x_pad = _pad(x, pad) if x_pad is None else x_pad
    kernel = w if kernel is None else kernel
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                    out[n, f, i, j] = np.sum(window * kernel[f]) + (b[f] if bias else 0.0)
    return out


@case("forward_flipped_and_no_bias", "two catalogued mistakes at once: the kernel flipped and the bias left out")
def forward_flipped_and_no_bias():
    return check_conv_forward_loops(lambda x, w, b, s, p: _forward(x, w, b, s, p, kernel=w[:, :, ::-1, ::-1],
                                                                   bias=False))


@case("forward_edge_padding", "np.pad(..., mode='edge'): the padding repeats the border instead of zeros")
def forward_edge_padding():
    def conv_forward_loops(x, w, b, stride, pad):
        x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="edge")
        return _forward(x, w, b, stride, pad, x_pad=x_pad)
    return check_conv_forward_loops(conv_forward_loops)


@case("forward_w_out_from_h", "W_out computed from H (copy-paste of the H_out line)")
def forward_w_out_from_h():
    return check_conv_forward_loops(lambda x, w, b, s, p: _forward(x, w, b, s, p, h_size=x.shape[2]))


@case("forward_bias_subtracted", "out[n, f] -= b[f]: the bias subtracted (a forward written channel by channel)")
def forward_bias_per_channel_pair():
    def conv_forward_loops(x, w, b, stride, pad):
        N, C, H, W = x.shape
        F, _, KH, KW = w.shape
        H_out, W_out = (H + 2 * pad - KH) // stride + 1, (W + 2 * pad - KW) // stride + 1
        x_pad = _pad(x, pad)
        out = np.zeros((N, F, H_out, W_out))
        for n in range(N):
            for f in range(F):
                for c in range(C):
                    for i in range(H_out):
                        for j in range(W_out):
                            window = x_pad[n, c, stride * i:stride * i + KH, stride * j:stride * j + KW]
                            out[n, f, i, j] += np.sum(window * w[f, c])
                out[n, f] -= b[f]          # a sign slip: the bias subtracted
        return out
    return check_conv_forward_loops(conv_forward_loops)


# ------------------------------------------------------------------ 03: dw and db

def _dw_db(dout, x, w_shape, stride, pad, db_in_c_loop=False, db_full=False, kh_for_kw=False, sum_channels=False):
    N, C, H, W = x.shape
    F, _, KH, KW = w_shape
    _, _, H_out, W_out = dout.shape
    x_pad = _pad(x, pad)
    dw, db = np.zeros(w_shape), np.zeros(F)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + (KH if kh_for_kw else KW)]
                    if sum_channels:
                        dw[f] += dout[n, f, i, j] * window.sum(axis=0)
                    else:
                        dw[f] += dout[n, f, i, j] * window
                    if db_in_c_loop:
                        for c in range(C):
                            db[f] += dout[n, f, i, j]
                    elif not db_full:
                        db[f] += dout[n, f, i, j]
    if db_full:
        db = np.full(F, dout.sum())
    return dw, db


@case("db_inside_channel_loop", "db accumulated inside the loop over c: C times the right db")
def db_inside_channel_loop():
    return check_kernel_and_bias_gradient(lambda *a: _dw_db(*a, db_in_c_loop=True))


@case("db_np_full", "db = np.full(F, dout.sum()): the filters summed together, written another way")
def db_np_full():
    return check_kernel_and_bias_gradient(lambda *a: _dw_db(*a, db_full=True))


@case("dw_window_kh_for_kw", "the window cut KH wide in both directions (a square kernel assumed)")
def dw_window_kh_for_kw():
    return check_kernel_and_bias_gradient(lambda *a: _dw_db(*a, kh_for_kw=True))


@case("dw_channels_summed", "dw[f] gets the window summed over its channels: every channel gets the same")
def dw_channels_summed():
    return check_kernel_and_bias_gradient(lambda *a: _dw_db(*a, sum_channels=True))


# ------------------------------------------------------------------ 04: dx

def _dx_by_correlation(dout, w, x_shape, stride, pad, rotate=lambda w, f, c: rot180(w[f, c]), pad_by=None):
    N, C, H, W = x_shape
    F, _, KH, KW = w.shape
    dx = np.zeros(x_shape)
    for n in range(N):
        for c in range(C):
            dx_pad = np.zeros((H + 2 * pad, W + 2 * pad))
            for f in range(F):
                spread = pad2d(dilate(dout[n, f], stride), pad_by or (KH - 1, KW - 1))
                full = cross_correlate2d(spread, rotate(w, f, c))
                rows, cols = min(full.shape[0], H + 2 * pad), min(full.shape[1], W + 2 * pad)
                dx_pad[:rows, :cols] += full[:rows, :cols]
            dx[n, c] = dx_pad[pad:pad + H, pad:pad + W]
    return dx


@case("dx_np_flip_all_axes", "rot180 by np.flip(w), which flips all four axes: w[F-1-f, C-1-c] rotated")
def dx_np_flip_all_axes():
    return check_input_gradient_by_correlation(
        lambda d, w, xs, s, p: _dx_by_correlation(d, w, xs, s, p, rotate=lambda w, f, c: np.flip(w)[f, c]))


@case("dx_spread_padded_by_k", "the dilated deltas padded by K instead of K - 1: the result moved by one")
def dx_spread_padded_by_k():
    def fn(d, w, xs, s, p):
        return _dx_by_correlation(d, w, xs, s, p, pad_by=(w.shape[2], w.shape[3]))
    return check_input_gradient_by_correlation(fn)


@case("pixel_first_filter_only", "one pixel's gradient gathers only filter 0's terms (a loop over f forgotten)")
def pixel_first_filter_only():
    def pixel_gradient(dout, w, stride, pad, u, v):
        N, F, H_out, W_out = dout.shape
        _, C, KH, KW = w.shape
        g = np.zeros((N, C))
        for m in range(KH):
            for q in range(KW):
                if (u + pad - m) % stride or (v + pad - q) % stride:
                    continue
                i, j = (u + pad - m) // stride, (v + pad - q) // stride
                if 0 <= i < H_out and 0 <= j < W_out:
                    g += np.outer(dout[:, 0, i, j], w[0, :, m, q])
        return g
    return check_pixel_gradient(pixel_gradient)


@case("dx_check_yourself_transposed", "the one-channel ∂E/∂x handed in transposed (.T at the end)")
def dx_check_yourself_transposed():
    d, w, x_shape, s, p = input_gradient_exercise_data()
    full = cross_correlate2d(dilate(d, s), rot180(w), mode="full")
    dx_pad = np.zeros((x_shape[0] + 2 * p, x_shape[1] + 2 * p))
    dx_pad[:full.shape[0], :full.shape[1]] = full
    return check_input_gradient(dx_pad[p:p + x_shape[0], p:p + x_shape[1]].T, d, w, x_shape, s, p)


# ------------------------------------------------------------------ 05: ReLU and pooling

@case("maxpool_forward_without_stride", "maxpool2d_forward(x, size) called without the stride (misleading before)")
def maxpool_forward_without_stride():
    def my_maxpool_backward(dout, x, size, stride):
        _, cache = maxpool2d_forward(x, size)                 # the stride left out
        return maxpool2d_backward(dout, cache)
    return check_maxpool_backward(my_maxpool_backward)


@case("maxpool_assert_stride_is_size", "the learner's own assert stride == size (misleading before)")
def maxpool_assert_stride_is_size():
    def my_maxpool_backward(dout, x, size, stride):
        assert stride == size, "only non-overlapping windows"
        N, C, H, W = x.shape
        dx = np.zeros_like(x)
        for n, c, i, j in np.ndindex(*dout.shape):
            window = x[n, c, size * i:size * i + size, size * j:size * j + size]
            m, q = np.unravel_index(np.argmax(window), window.shape)
            dx[n, c, size * i + m, size * j + q] += dout[n, c, i, j]
        return dx
    return check_maxpool_backward(my_maxpool_backward)


@case("avgpool_divided_by_stride_squared", "average pooling's δ divided by S² instead of k²")
def avgpool_divided_by_stride_squared():
    def my_avgpool_backward(dout, x_shape, size, stride):
        dx = np.zeros(x_shape)
        for n, c, i, j in np.ndindex(*dout.shape):
            dx[n, c, stride * i:stride * i + size, stride * j:stride * j + size] += dout[n, c, i, j] / stride ** 2
        return dx
    return check_avgpool_backward(my_avgpool_backward)


@case("relu_times_sign", "dz = dout · sign(z): the negative units pass -δ instead of 0")
def relu_times_sign():
    return check_relu_backward(lambda dout, z: dout * np.sign(z))


@case("maxpool_argmax_of_abs", "the winner taken as the largest |x| of the window")
def maxpool_argmax_of_abs():
    def my_maxpool_backward(dout, x, size, stride):
        dx = np.zeros_like(x)
        for n, c, i, j in np.ndindex(*dout.shape):
            window = x[n, c, stride * i:stride * i + size, stride * j:stride * j + size]
            m, q = np.unravel_index(np.argmax(np.abs(window)), window.shape)
            dx[n, c, stride * i + m, stride * j + q] += dout[n, c, i, j]
        return dx
    return check_maxpool_backward(my_maxpool_backward)


@case("avgpool_window_stride_swapped", "the window placed at size·i and cut stride wide (size and stride swapped)")
def avgpool_window_stride_swapped():
    def my_avgpool_backward(dout, x_shape, size, stride):
        dx = np.zeros(x_shape)
        for n, c, i, j in np.ndindex(*dout.shape):
            dx[n, c, size * i:size * i + stride, size * j:size * j + stride] += dout[n, c, i, j] / size ** 2
        return dx
    return check_avgpool_backward(my_avgpool_backward)


# ------------------------------------------------------------------ 06: im2row

@case("im2row_ravel_order_f", "window.ravel(order='F'): the columns of a row in (q, m, c) order")
def im2row_ravel_order_f():
    def my_im2row(x, KH, KW, stride, pad):
        N, C, H, W = x.shape
        H_out, W_out = (H + 2 * pad - KH) // stride + 1, (W + 2 * pad - KW) // stride + 1
        x_pad = _pad(x, pad)
        rows = np.zeros((N * H_out * W_out, C * KH * KW))
        for n, i, j in np.ndindex(N, H_out, W_out):
            window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
            rows[(n * H_out + i) * W_out + j] = window.ravel(order="F")
        return rows
    return check_im2row(my_im2row)


@case("row2im_row_index_h_out", "row2im reads row (n·H_out + i)·H_out + j: H_out where W_out is meant")
def row2im_row_index_h_out():
    def my_row2im(rows, x_shape, KH, KW, stride, pad):
        N, C, H, W = x_shape
        H_out, W_out = (H + 2 * pad - KH) // stride + 1, (W + 2 * pad - KW) // stride + 1
        dx_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
        for n, i, j in np.ndindex(N, H_out, W_out):
            r = min((n * H_out + i) * H_out + j, rows.shape[0] - 1)
            dx_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW] += rows[r].reshape(C, KH, KW)
        return dx_pad[:, :, pad:pad + H, pad:pad + W]
    return check_row2im(my_row2im)


@case("matrices_dy_rows_j_before_i", "ΔY = dout.transpose(0, 3, 2, 1).reshape(-1, F): its rows in (n, j, i) order")
def matrices_dy_rows_j_before_i():
    x, w, dout, s, p = conv_backward_matrices_exercise_data()
    F = w.shape[0]
    rows = im2row(x, 3, 3, s, p)
    d_y = dout.transpose(0, 3, 2, 1).reshape(-1, F)
    dw = (rows.T @ d_y).T.reshape(w.shape)
    dx = row2im(d_y @ w.reshape(F, -1), x.shape, 3, 3, s, p)
    return check_conv_backward_matrices(dw, dx, x, w, dout, s, p)


# ------------------------------------------------------------------ 07: the training step

def _grads(params, x, y, dtype=np.float64, dscores_scale=1.0):
    params = {k: v.astype(dtype) for k, v in params.items()}
    x = x.astype(dtype)
    z1, c1 = conv2d_forward(x, params["conv1.w"], params["conv1.b"])
    a1, r1 = relu_forward(z1)
    p1, q1 = maxpool2d_forward(a1, 2)
    z2, c2 = conv2d_forward(p1, params["conv2.w"], params["conv2.b"])
    a2, r2 = relu_forward(z2)
    p2, q2 = maxpool2d_forward(a2, 2)
    h, fl = flatten_forward(p2)
    scores, fc = affine_forward(h, params["fc1.w"], params["fc1.b"])
    loss, cl = softmax_cross_entropy_forward(scores, y)
    ds = softmax_cross_entropy_backward(1.0, cl) * dscores_scale
    dh, dw3, db3 = affine_backward(ds, fc)
    dz2 = relu_backward(maxpool2d_backward(flatten_backward(dh, fl), q2), r2)
    dp1, dw2, db2 = conv2d_backward(dz2, c2)
    dz1 = relu_backward(maxpool2d_backward(dp1, q1), r1)
    _, dw1, db1 = conv2d_backward(dz1, c1)
    return loss, {"conv1.w": dw1, "conv1.b": db1, "conv2.w": dw2, "conv2.b": db2, "fc1.w": dw3, "fc1.b": db3}


@case("training_float32", "the whole step computed in float32 (misleading before)")
def training_float32():
    def training_step(params, x, y, lr):
        loss, grads = _grads(params, x, y, dtype=np.float32)
        return loss, grads, {k: params[k] - lr * grads[k] for k in params}
    return check_training_step(training_step)


@case("training_weight_decay", "a weight decay 1e-4·θ added to every gradient after the backward (misleading before)")
def training_weight_decay():
    def training_step(params, x, y, lr):
        loss, grads = _grads(params, x, y)
        grads = {k: g + 1e-4 * params[k] for k, g in grads.items()}
        return loss, grads, {k: params[k] - lr * grads[k] for k in params}
    return check_training_step(training_step)


@case("training_dscores_over_n_twice", "∂E/∂scores divided by N once more, after softmax_cross_entropy_backward")
def training_dscores_over_n_twice():
    def training_step(params, x, y, lr):
        loss, grads = _grads(params, x, y, dscores_scale=1.0 / len(x))
        return loss, grads, {k: params[k] - lr * grads[k] for k in params}
    return check_training_step(training_step)


@case("training_biases_not_updated", "the update leaves the three biases as they were")
def training_biases_not_updated():
    def training_step(params, x, y, lr):
        loss, grads = _grads(params, x, y)
        return loss, grads, {k: params[k] - (lr * grads[k] if k.endswith(".w") else 0) for k in params}
    return check_training_step(training_step)
