"""Notebook 06 §1 my_im2row(x, KH, KW, stride, pad) and §6 my_row2im(rows, x_shape, KH, KW, stride,
pad): held-out wrong answers."""
import numpy as np

from .registry import wrong

I = "check_im2row"
R = "check_row2im"


# ---------------------------------------------------------------- im2row

@wrong(I, bug="the row index is (n·H_out + i)·H_out + j: the row length is taken from H_out, not W_out",
       where="geometries with H_out != W_out (rows collide and some stay 0, or an index past the end "
             "raises); right when H_out == W_out",
       catalogue_keys_ok=())
def row_index_with_h_out(x, KH, KW, stride, pad):
    N, C, H, W = x.shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    rows = np.zeros((N * H_out * W_out, C * KH * KW))
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                rows[(n * H_out + i) * H_out + j] = window.ravel()
    return rows


@wrong(I, bug="rows is allocated with dtype=int: every pixel copied into it is truncated towards 0 "
              "(silently, by the assignment)",
       where="non-integer inputs; right on integer pixels", tags=("dtype",))
def int_rows(x, KH, KW, stride, pad):
    N, C, H, W = x.shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    rows = np.zeros((N * H_out * W_out, C * KH * KW), dtype=int)
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                rows[(n * H_out + i) * W_out + j] = window.ravel()
    return rows


@wrong(I, bug="a row counter r is reset to 0 for every image (r = 0 inside the loop over n): every "
              "image overwrites rows 0..H_out·W_out - 1, the last image wins, the other rows stay 0",
       where="geometries with N > 1; right for one image")
def counter_reset_per_image(x, KH, KW, stride, pad):
    N, C, H, W = x.shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    rows = np.zeros((N * H_out * W_out, C * KH * KW))
    for n in range(N):
        r = 0
        for i in range(H_out):
            for j in range(W_out):
                rows[r] = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW].ravel()
                r += 1
    return rows


@wrong(I, bug="the loops run over the window starts, range(0, H + 2P - KH + 1, S), and the start is "
              "used as the output index in the row number (n·H_out + start_i)·W_out + start_j",
       where="geometries with S > 1 (rows at the wrong places, or past the end: IndexError); "
             "right at S = 1")
def window_start_as_row_index(x, KH, KW, stride, pad):
    N, C, H, W = x.shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    rows = np.zeros((N * H_out * W_out, C * KH * KW))
    for n in range(N):
        for top in range(0, H + 2 * pad - KH + 1, stride):
            for left in range(0, W + 2 * pad - KW + 1, stride):
                rows[(n * H_out + top) * W_out + left] = x_pad[n, :, top:top + KH, left:left + KW].ravel()
    return rows


@wrong(I, bug="the window is flattened with window.T.ravel(): on the (C, KH, KW) window .T reverses "
              "all three axes, so the columns run (q, m, c): channel last and the kernel's row and "
              "column swapped",
       where="every geometry with C > 1 or a kernel larger than 1x1",
       catalogue_keys_ok=("column_order_mqc", "kernel_m_q_swapped"),
       variant="column_order_mqc and kernel_m_q_swapped at once")
def window_transposed(x, KH, KW, stride, pad):
    N, C, H, W = x.shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    rows = np.zeros((N * H_out * W_out, C * KH * KW))
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                rows[(n * H_out + i) * W_out + j] = window.T.ravel()
    return rows


@wrong(I, bug="vectorized with sliding_window_view on x_pad, subsampled [::S, ::S] along the window "
              "positions, then reshaped to (-1, C·KH·KW) without moving C next to the window axes: "
              "the (N, C, H_out, W_out, KH, KW) array is flattened with C before (i, j)",
       where="every geometry with C > 1; right with one channel",
       catalogue_keys_ok=())
def sliding_window_channel_order(x, KH, KW, stride, pad):
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = np.lib.stride_tricks.sliding_window_view(x_pad, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]
    C = x.shape[1]
    return win.reshape(-1, C * KH * KW)          # (N, C, H_out, W_out, KH, KW) -> rows, C not moved


# ---------------------------------------------------------------- row2im

@wrong(R, bug="each row is reshaped as (C, KW, KH), the kernel's height and width swapped",
       where="non-square kernels: raises (broadcast error); on square kernels the reshape is the same, "
             "so right",
       catalogue_keys_ok=("kernel_m_q_swapped",),
       variant="kernel_m_q_swapped (catalogued for im2row)")
def reshape_c_kw_kh(rows, x_shape, KH, KW, stride, pad):
    N, C, H, W = x_shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    dx_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                share = rows[(n * H_out + i) * W_out + j].reshape(C, KW, KH)
                dx_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW] += share
    return dx_pad[:, :, pad:pad + H, pad:pad + W]


@wrong(R, bug="the copies are averaged, not added: each pixel's sum is divided by the number of "
              "windows that hold it ('the inverse of im2row'), which is not its adjoint",
       where="pixels in more than one window (overlapping windows); right where windows do not overlap")
def average_of_copies(rows, x_shape, KH, KW, stride, pad):
    N, C, H, W = x_shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    dx_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    count = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                share = rows[(n * H_out + i) * W_out + j].reshape(C, KH, KW)
                dx_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW] += share
                count[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW] += 1
    dx_pad = dx_pad / np.maximum(count, 1)
    return dx_pad[:, :, pad:pad + H, pad:pad + W]


@wrong(R, bug="dx_pad is float32: float32 rounding", where="every geometry with non-integer rows",
       tags=("dtype",))
def float32_dx_pad(rows, x_shape, KH, KW, stride, pad):
    N, C, H, W = x_shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    dx_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=np.float32)
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                share = rows[(n * H_out + i) * W_out + j].reshape(C, KH, KW)
                dx_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW] += share
    return dx_pad[:, :, pad:pad + H, pad:pad + W]


@wrong(R, bug="the scatter goes straight into an unpadded dx, each window shifted up-left by P "
              "(rows S·i - P .. S·i - P + KH): the first windows start at -P, a negative slice start, "
              "which numpy reads from the end: an empty or short slice and a broadcast error",
       where="geometries with padding (raises); right without padding",
       catalogue_keys_ok=("padding_forgotten",),
       variant="padding_forgotten (the padding is handled, by a shift that fails at the border)")
def shift_instead_of_pad(rows, x_shape, KH, KW, stride, pad):
    N, C, H, W = x_shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    dx = np.zeros(x_shape)
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                share = rows[(n * H_out + i) * W_out + j].reshape(C, KH, KW)
                top, left = stride * i - pad, stride * j - pad
                dx[n, :, top:top + KH, left:left + KW] += share
    return dx


@wrong(R, bug="H_out and W_out are taken from rows.shape (H_out = W_out = sqrt(rows per image)), "
              "as if every output map were square",
       where="geometries with H_out != W_out (a float or wrong count, wrong rows); right on square outputs")
def square_output_from_rows(rows, x_shape, KH, KW, stride, pad):
    N, C, H, W = x_shape
    side = int(round((rows.shape[0] // N) ** 0.5))
    H_out = W_out = side
    dx_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                share = rows[(n * H_out + i) * W_out + j].reshape(C, KH, KW)
                dx_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW] += share
    return dx_pad[:, :, pad:pad + H, pad:pad + W]
