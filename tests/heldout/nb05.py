"""Wrong answers to notebook 05's "Your turn": my_relu_backward(dout, z),
my_maxpool_backward(dout, x, size, stride) and my_avgpool_backward(dout, x_shape, size, stride)."""
import numpy as np

from . import wrong

RELU = "check_relu_backward"
MAXPOOL = "check_maxpool_backward"
AVGPOOL = "check_avgpool_backward"


# ----------------------------------------------------------------------------- ReLU

@wrong(RELU,
       bug="The slope is taken as np.sign(z): -1 where z < 0, so the deltas pass there with "
           "their sign flipped instead of stopping.",
       where="every entry with z < 0")
def relu_sign_slope(dout, z):
    return dout * np.sign(z)


@wrong(RELU,
       bug="The mask is np.heaviside(z, 0.5): where z = 0 exactly half the delta passes "
           "(ReLU's slope there is taken as 0).",
       where="only entries with z == 0 exactly")
def relu_heaviside_half(dout, z):
    return dout * np.heaviside(z, 0.5)


@wrong(RELU,
       bug="The mask is made an integer array and the deltas are multiplied into it in place "
           "(dz *= dout): numpy refuses to cast the float product back into int64 "
           "(UFuncTypeError).",
       where="raises on every geometry")
def relu_int_mask_in_place(dout, z):
    dz = (z > 0).astype(int)
    dz *= dout
    return dz


@wrong(RELU,
       bug="The slope is np.clip(z, 0, 1) (a hard-tanh habit): deltas are scaled by z where "
           "0 < z < 1 instead of passing whole.",
       where="only entries with 0 < z < 1 (none in whole-number data)")
def relu_clip_slope(dout, z):
    return dout * np.clip(z, 0, 1)


@wrong(RELU,
       bug="The deltas are masked in place, dout[z <= 0] = 0, and dout itself is returned: the "
           "values are right, but the caller's dout is changed (a backward pass that reuses it, "
           "or another branch that reads it, sees zeros).",
       where="every geometry with some z <= 0 (a side effect only: the returned values are right)")
def relu_masks_dout_in_place(dout, z):
    dout[z <= 0] = 0
    return dout


# ----------------------------------------------------------------------- max pooling

@wrong(MAXPOOL,
       bug="The flat index of the window's maximum is unravelled with the input's shape (H, W) "
           "instead of the window's (k, k): a winner in the window's second row or below is "
           "put in row 0 of the window, further right (or past the edge: IndexError).",
       where="every window whose winner is not in its first row: usually an IndexError past "
             "the right edge of dx, else the delta in the wrong place")
def mp_unravel_with_input_shape(dout, x, size, stride):
    N, C, H, W = x.shape
    _, _, H_out, W_out = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    window = x[n, c, stride * i:stride * i + size, stride * j:stride * j + size]
                    m, q = np.unravel_index(np.argmax(window), (H, W))
                    dx[n, c, stride * i + m, stride * j + q] += dout[n, c, i, j]
    return dx


@wrong(MAXPOOL,
       bug="Each window writes its whole k x k patch, a one-hot times its delta, with = : where "
           "windows overlap, a later window's zeros erase the delta an earlier window gave to "
           "a shared winner (or to its own winner in the overlap).",
       where="only where windows overlap (stride < size)",
       catalogue_keys_ok=("overwrite_where_windows_overlap",))
def mp_assign_whole_window(dout, x, size, stride):
    N, C, H, W = x.shape
    _, _, H_out, W_out = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    window = x[n, c, stride * i:stride * i + size, stride * j:stride * j + size]
                    onehot = np.zeros_like(window)
                    onehot.flat[np.argmax(window)] = 1.0
                    dx[n, c, stride * i:stride * i + size,
                       stride * j:stride * j + size] = onehot * dout[n, c, i, j]
    return dx


@wrong(MAXPOOL,
       bug="The winner is the entry of largest magnitude, np.argmax(np.abs(window)): a "
           "strongly negative entry wins over the true maximum.",
       where="only windows where some negative entry is larger in magnitude than the maximum")
def mp_argmax_of_abs(dout, x, size, stride):
    N, C, H, W = x.shape
    _, _, H_out, W_out = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    window = x[n, c, stride * i:stride * i + size, stride * j:stride * j + size]
                    m, q = np.unravel_index(np.argmax(np.abs(window)), window.shape)
                    dx[n, c, stride * i + m, stride * j + q] += dout[n, c, i, j]
    return dx


@wrong(MAXPOOL,
       bug="The number of windows is taken as H // S and W // S ('pooling divides the size by "
           "the stride') instead of dout's shape: too many windows where the windows overlap, "
           "and dout is indexed past its end (IndexError).",
       where="only where H // S != (H - k) // S + 1 (e.g. overlapping windows with stride 1)")
def mp_windows_from_h_over_stride(dout, x, size, stride):
    N, C, H, W = x.shape
    H_out, W_out = H // stride, W // stride
    dx = np.zeros((N, C, H, W))
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    window = x[n, c, stride * i:stride * i + size, stride * j:stride * j + size]
                    m, q = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, stride * i + m, stride * j + q] += dout[n, c, i, j]
    return dx


@wrong(MAXPOOL,
       bug="Vectorized by cutting x into k x k tiles with a reshape, which is only right when "
           "the stride equals the size: where windows overlap the reshape has too few entries "
           "and raises a ValueError.",
       where="raises when stride < size; right when stride == size")
def mp_reshape_into_tiles(dout, x, size, stride):
    N, C, H, W = x.shape
    _, _, H_out, W_out = dout.shape
    k = size
    tiles = x[:, :, :H_out * k, :W_out * k].reshape(N, C, H_out, k, W_out, k)
    tiles = tiles.transpose(0, 1, 2, 4, 3, 5).reshape(N, C, H_out, W_out, k * k)
    winner = tiles.argmax(axis=-1)                                   # (N, C, H_out, W_out)
    onehot = np.arange(k * k) == winner[..., None]                   # (N, C, H_out, W_out, k*k)
    routed = (onehot * dout[..., None]).reshape(N, C, H_out, W_out, k, k)
    routed = routed.transpose(0, 1, 2, 4, 3, 5).reshape(N, C, H_out * k, W_out * k)
    dx = np.zeros_like(x)
    dx[:, :, :H_out * k, :W_out * k] = routed
    return dx


# ------------------------------------------------------------------- average pooling

@wrong(AVGPOOL,
       bug="The share is computed with floor division, dout // (k*k) (a Python integer habit): "
           "every share is rounded down to a whole number.",
       where="every geometry with deltas that are not multiples of k*k")
def ap_floor_division(dout, x_shape, size, stride):
    N, C, H, W = x_shape
    _, _, H_out, W_out = dout.shape
    dx = np.zeros(x_shape)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    dx[n, c, stride * i:stride * i + size,
                       stride * j:stride * j + size] += dout[n, c, i, j] // (size * size)
    return dx


@wrong(AVGPOOL,
       bug="Each share is divided by stride * stride instead of size * size (the two are the "
           "same in the usual 2x2 stride-2 pooling).",
       where="only when stride != size (a constant factor size² / stride²)")
def ap_divide_by_stride_squared(dout, x_shape, size, stride):
    N, C, H, W = x_shape
    _, _, H_out, W_out = dout.shape
    dx = np.zeros(x_shape)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    dx[n, c, stride * i:stride * i + size,
                       stride * j:stride * j + size] += dout[n, c, i, j] / (stride * stride)
    return dx


@wrong(AVGPOOL,
       bug="The window's slice ends at S*i + size - 1 (an inclusive-end habit), so the last row "
           "and column of every window get nothing; the share is still dout / (k*k).",
       where="every geometry")
def ap_inclusive_slice_end(dout, x_shape, size, stride):
    N, C, H, W = x_shape
    _, _, H_out, W_out = dout.shape
    dx = np.zeros(x_shape)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    r0, c0 = stride * i, stride * j
                    dx[n, c, r0:r0 + size - 1, c0:c0 + size - 1] += dout[n, c, i, j] / (size * size)
    return dx


@wrong(AVGPOOL,
       bug="Where windows overlap, the summed shares are divided by the number of windows that "
           "cover each entry (to 'normalise' the overlap): the entry gets the mean of its "
           "shares instead of their sum.",
       where="only where windows overlap (stride < size)")
def ap_normalise_overlap(dout, x_shape, size, stride):
    N, C, H, W = x_shape
    _, _, H_out, W_out = dout.shape
    dx = np.zeros(x_shape)
    count = np.zeros(x_shape)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    rows = slice(stride * i, stride * i + size)
                    cols = slice(stride * j, stride * j + size)
                    dx[n, c, rows, cols] += dout[n, c, i, j] / (size * size)
                    count[n, c, rows, cols] += 1
    return dx / np.maximum(count, 1)


@wrong(AVGPOOL,
       bug="The result is allocated with np.zeros(*x_shape): the shape's entries become "
           "separate arguments (shape, dtype, ...) and numpy raises a TypeError.",
       where="raises on every geometry")
def ap_zeros_with_star(dout, x_shape, size, stride):
    N, C, H_out, W_out = dout.shape
    dx = np.zeros(*x_shape)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    dx[n, c, stride * i:stride * i + size,
                       stride * j:stride * j + size] += dout[n, c, i, j] / (size * size)
    return dx
