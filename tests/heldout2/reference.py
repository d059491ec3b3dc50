"""The right answers, copied from the solutions notebooks (notebooks/solutions/02-08), used only to
confirm that each held-out answer is really wrong. Not cnnlib's layer code: a second route."""
import numpy as np

from cnnlib.activations import relu_backward, relu_forward
from cnnlib.conv import conv2d_backward, conv2d_forward
from cnnlib.correlate import cross_correlate2d, dilate, pad2d, rot180
from cnnlib.dense import affine_backward, affine_forward, flatten_backward, flatten_forward
from cnnlib.losses import softmax_cross_entropy_backward, softmax_cross_entropy_forward
from cnnlib.pool import maxpool2d_backward, maxpool2d_forward


def conv_forward_loops(x, w, b, stride, pad):
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
                    out[n, f, i, j] = b[f] + np.sum(window * w[f])
    return out


def kernel_and_bias_gradient(dout, x, w_shape, stride, pad):
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
    return dw, db


def pixel_gradient(dout, w, stride, pad, u, v):
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
                g += np.outer(dout[:, f, i, j], w[f, :, m, q])
    return g


def input_gradient_by_correlation(dout, w, x_shape, stride, pad):
    N, C, H, W = x_shape
    F, _, KH, KW = w.shape
    dx = np.zeros(x_shape)
    for n in range(N):
        for c in range(C):
            dx_pad = np.zeros((H + 2 * pad, W + 2 * pad))
            for f in range(F):
                spread = pad2d(dilate(dout[n, f], stride), (KH - 1, KW - 1))
                full = cross_correlate2d(spread, rot180(w[f, c]))
                dx_pad[:full.shape[0], :full.shape[1]] += full
            dx[n, c] = dx_pad[pad:pad + H, pad:pad + W]
    return dx


def relu_backward_ref(dout, z):
    return dout * (z > 0)


def maxpool_backward(dout, x, size, stride):
    N, C, H, W = x.shape
    _, _, H_out, W_out = dout.shape
    dx = np.zeros((N, C, H, W))
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    window = x[n, c, stride * i:stride * i + size, stride * j:stride * j + size]
                    m, q = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, stride * i + m, stride * j + q] += dout[n, c, i, j]
    return dx


def avgpool_backward(dout, x_shape, size, stride):
    N, C, H_out, W_out = dout.shape
    dx = np.zeros(x_shape)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    dx[n, c, stride * i:stride * i + size, stride * j:stride * j + size] += \
                        dout[n, c, i, j] / (size * size)
    return dx


def im2row(x, KH, KW, stride, pad):
    N, C, H, W = x.shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    rows = np.zeros((N * H_out * W_out, C * KH * KW))
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                rows[(n * H_out + i) * W_out + j] = window.ravel()
    return rows


def row2im(rows, x_shape, KH, KW, stride, pad):
    N, C, H, W = x_shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    dx_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                share = rows[(n * H_out + i) * W_out + j].reshape(C, KH, KW)
                dx_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW] += share
    return dx_pad[:, :, pad:pad + H, pad:pad + W]


def one_conv_gradients(params, x, y):
    z, conv_cache = conv2d_forward(x, params["conv1.w"], params["conv1.b"])
    a, relu_cache = relu_forward(z)
    p, pool_cache = maxpool2d_forward(a, 2)
    h, flatten_cache = flatten_forward(p)
    s, fc_cache = affine_forward(h, params["fc1.w"], params["fc1.b"])
    loss, loss_cache = softmax_cross_entropy_forward(s, y)
    ds = softmax_cross_entropy_backward(1.0, loss_cache)
    dh, dw_fc, db_fc = affine_backward(ds, fc_cache)
    dp = flatten_backward(dh, flatten_cache)
    da = maxpool2d_backward(dp, pool_cache)
    dz = relu_backward(da, relu_cache)
    _, dw, db = conv2d_backward(dz, conv_cache)
    return loss, {"conv1.w": dw, "conv1.b": db, "fc1.w": dw_fc, "fc1.b": db_fc}


def pool1_delta(w2, delta_conv2):
    f_count, c_count, kh, kw = w2.shape
    _, h, w = delta_conv2.shape
    out = np.zeros((c_count, h + kh - 1, w + kw - 1))
    for c in range(c_count):
        for f in range(f_count):
            out[c] += cross_correlate2d(delta_conv2[f], rot180(w2[f, c]), mode="full")
    return out


REFERENCE = {
    "check_conv_forward_loops": conv_forward_loops,
    "check_kernel_and_bias_gradient": kernel_and_bias_gradient,
    "check_pixel_gradient": pixel_gradient,
    "check_input_gradient_by_correlation": input_gradient_by_correlation,
    "check_relu_backward": relu_backward_ref,
    "check_maxpool_backward": maxpool_backward,
    "check_avgpool_backward": avgpool_backward,
    "check_im2row": im2row,
    "check_row2im": row2im,
    "check_one_conv_gradients": one_conv_gradients,
    "check_pool1_delta": pool1_delta,
}
