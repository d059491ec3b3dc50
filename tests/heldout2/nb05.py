"""Notebook 05 §1 and §5: my_relu_backward(dout, z), my_maxpool_backward(dout, x, size, stride),
my_avgpool_backward(dout, x_shape, size, stride): held-out wrong answers."""
import numpy as np

from .registry import wrong

R = "check_relu_backward"
M = "check_maxpool_backward"
A = "check_avgpool_backward"


# ---------------------------------------------------------------- ReLU

@wrong(R, bug="the slope is taken as np.clip(z, 0, 1), read as 'ReLU's step clipped to [0, 1]': "
              "right for z <= 0 and z >= 1, but for 0 < z < 1 it passes only z·δ",
       where="entries with 0 < z < 1; right elsewhere")
def clip_as_slope(dout, z):
    return dout * np.clip(z, 0, 1)


@wrong(R, bug="the slope is taken as np.sign(z): right where z > 0 and z = 0, but where z < 0 it "
              "passes -δ instead of 0",
       where="entries with z < 0",
       catalogue_keys_ok=())
def sign_as_slope(dout, z):
    return dout * np.sign(z)


@wrong(R, bug="two loops over the rows and columns, written for a 2-D array: on a 4-D batch "
              "z[r, s] is an array and `if z[r, s] > 0` raises 'truth value ... is ambiguous'",
       where="arrays that are not 2-D (a batch of feature maps (N, C, H, W)); right on 2-D arrays",
       tags=("crash",))
def loops_for_2d(dout, z):
    dz = np.zeros_like(dout)
    for r in range(z.shape[0]):
        for s in range(z.shape[1]):
            if z[r, s] > 0:
                dz[r, s] = dout[r, s]
    return dz


@wrong(R, bug="the mask is made in place in z, z[z > 0] = 1 and z[z <= 0] = 0, then dout * z: the "
              "values are right, but the caller's z (the forward's cache) is overwritten by 0s and 1s",
       where="every array: the returned values are right, z is changed",
       tags=("in-place",))
def mask_in_place_in_z(dout, z):
    z[z > 0] = 1
    z[z <= 0] = 0
    return dout * z


# ---------------------------------------------------------------- max pooling

@wrong(M, bug="the running maximum starts at 0 (best = 0, then `if window[m, q] > best`): a window "
              "whose entries are all negative finds no winner and its δ goes to the corner (0, 0) "
              "whatever the maximum is",
       where="windows whose entries are all <= 0 (negative inputs); right when every window has a "
             "positive maximum")
def running_max_starts_at_zero(dout, x, size, stride):
    N, C, H, W = x.shape
    _, _, H_out, W_out = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    best, bm, bq = 0, 0, 0
                    for m in range(size):
                        for q in range(size):
                            if x[n, c, stride * i + m, stride * j + q] > best:
                                best, bm, bq = x[n, c, stride * i + m, stride * j + q], m, q
                    dx[n, c, stride * i + bm, stride * j + bq] += dout[n, c, i, j]
    return dx


@wrong(M, bug="the window's flat argmax is unravelled with the image's shape, "
              "np.unravel_index(k, (H, W)), instead of the window's (size, size)",
       where="every window whose winner is not in its first row; right on winners in row 0 "
             "(k < size)",
       catalogue_keys_ok=("unravel_with_stride",),
       variant="unravel_with_stride (divmod by the stride), here by the image's width")
def unravel_with_image_shape(dout, x, size, stride):
    N, C, H, W = x.shape
    _, _, H_out, W_out = dout.shape
    dx = np.zeros((N, C, H, W))
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    window = x[n, c, stride * i:stride * i + size, stride * j:stride * j + size]
                    m, q = np.unravel_index(np.argmax(window), (H, W))
                    dx[n, c, stride * i + m, stride * j + q] += dout[n, c, i, j]
    return dx


@wrong(M, bug="the channels are handled together: one argmax over the whole (C, k, k) block "
              "(np.unravel_index(k, (C, size, size)) gives c*, m*, q*), so each window routes only "
              "the δ of the channel holding the largest value; the other channels' deltas are lost",
       where="geometries with C > 1; right with one channel")
def argmax_over_all_channels(dout, x, size, stride):
    N, C, H, W = x.shape
    _, _, H_out, W_out = dout.shape
    dx = np.zeros((N, C, H, W))
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                block = x[n, :, stride * i:stride * i + size, stride * j:stride * j + size]   # (C, k, k)
                c, m, q = np.unravel_index(np.argmax(block), block.shape)
                dx[n, c, stride * i + m, stride * j + q] += dout[n, c, i, j]
    return dx


@wrong(M, bug="dx = x (no copy): each window is zeroed and its winner set to δ, in x itself; where "
              "windows overlap, later windows pick winners among the zeros and deltas written before, "
              "entries in no window keep x's values, and the caller's x is destroyed",
       where="every geometry mutates x; values wrong where windows overlap or some entries are in "
             "no window",
       tags=("in-place",))
def dx_is_x(dout, x, size, stride):
    N, C, H, W = x.shape
    _, _, H_out, W_out = dout.shape
    dx = x
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    window = dx[n, c, stride * i:stride * i + size, stride * j:stride * j + size]
                    k = np.argmax(window)
                    window[...] = 0
                    window.flat[k] = dout[n, c, i, j]
    return dx


@wrong(M, bug="the number of windows is taken as H // S and W // S (the input divided by the stride), "
              "not (H - k) // S + 1: too many windows at stride 1, and dout[n, c, i, j] past its end",
       where="geometries where H // S > (H - k) // S + 1 (stride 1, or a stride smaller than the size "
             "with room left): IndexError; right where the two counts agree",
       catalogue_keys_ok=("too_few_windows",),
       variant="too_few_windows (H // k), here H // S, too many")
def windows_h_over_stride(dout, x, size, stride):
    N, C, H, W = x.shape
    dx = np.zeros((N, C, H, W))
    for n in range(N):
        for c in range(C):
            for i in range(H // stride):
                for j in range(W // stride):
                    window = x[n, c, stride * i:stride * i + size, stride * j:stride * j + size]
                    m, q = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, stride * i + m, stride * j + q] += dout[n, c, i, j]
    return dx


# ---------------------------------------------------------------- average pooling

@wrong(A, bug="floor division, δ // (k·k), instead of δ / (k·k): every share rounded down to a "
              "whole number",
       where="every geometry (non-integer or small deltas)")
def floor_division(dout, x_shape, size, stride):
    N, C, H_out, W_out = dout.shape
    dx = np.zeros(x_shape)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    dx[n, c, stride * i:stride * i + size, stride * j:stride * j + size] += \
                        dout[n, c, i, j] // (size * size)
    return dx


@wrong(A, bug="each share is δ / (k·S) (size times stride) instead of δ / (k·k)",
       where="geometries with S != k (overlapping windows, gaps); right when the stride equals the size")
def divided_by_size_times_stride(dout, x_shape, size, stride):
    N, C, H_out, W_out = dout.shape
    dx = np.zeros(x_shape)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    dx[n, c, stride * i:stride * i + size, stride * j:stride * j + size] += \
                        dout[n, c, i, j] / (size * stride)
    return dx


@wrong(A, bug="the window's extent is the stride, not the size: dx[.., S·i:S·i + S, S·j:S·j + S] "
              "gets δ / (k·k)",
       where="geometries with S != k (S < k: the window's last rows/columns get nothing; S > k: the "
             "gaps get shares); right when S == k",
       catalogue_keys_ok=())
def window_extent_is_stride(dout, x_shape, size, stride):
    N, C, H_out, W_out = dout.shape
    dx = np.zeros(x_shape)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    dx[n, c, stride * i:stride * i + stride, stride * j:stride * j + stride] += \
                        dout[n, c, i, j] / (size * size)
    return dx


@wrong(A, bug="dx's shape is rebuilt from dout, (N, C, H_out·k, W_out·k), instead of x_shape",
       where="geometries where the windows do not tile the input exactly (overlap, gaps or "
             "left-over rows): a wrong shape; right when H = H_out·k",
       catalogue_keys_ok=())
def shape_from_dout(dout, x_shape, size, stride):
    N, C, H_out, W_out = dout.shape
    dx = np.zeros((N, C, H_out * size, W_out * size))
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    dx[n, c, stride * i:stride * i + size, stride * j:stride * j + size] += \
                        dout[n, c, i, j] / (size * size)
    return dx
