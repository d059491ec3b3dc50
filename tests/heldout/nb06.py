"""Wrong answers to notebook 06's "Your turn": my_im2row(x, KH, KW, stride, pad) and
my_row2im(rows, x_shape, KH, KW, stride, pad)."""
import numpy as np

from . import wrong

IM2ROW = "check_im2row"
ROW2IM = "check_row2im"


# ---------------------------------------------------------------------------- im2row

@wrong(IM2ROW,
       bug="Each window is flattened with ravel(order='F') (a MATLAB/Fortran habit): the "
           "columns run channel fastest, then kernel row, then kernel column, "
           "(q*KH + m)*C + c, not (c*KH + m)*KW + q.",
       where="every geometry (every window has more than one entry)")
def i2r_ravel_fortran_order(x, KH, KW, stride, pad):
    N, C, H, W = x.shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    rows = np.zeros((N * H_out * W_out, C * KH * KW))
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                rows[(n * H_out + i) * W_out + j] = window.ravel(order="F")
    return rows


@wrong(IM2ROW,
       bug="Copy-paste slip: H_out is computed with KW instead of KH, so the number of output "
           "rows (and the matrix height) is wrong for a non-square kernel (a broadcast "
           "ValueError when the extra windows run past the end of x_pad).",
       where="only non-square kernels (KH != KW); right when KH == KW")
def i2r_h_out_with_kw(x, KH, KW, stride, pad):
    N, C, H, W = x.shape
    H_out = (H + 2 * pad - KW) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    rows = np.zeros((N * H_out * W_out, C * KH * KW))
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                rows[(n * H_out + i) * W_out + j] = window.ravel()
    return rows


@wrong(IM2ROW,
       bug="The matrix is allocated as float32 ('it is big'), so every copied pixel is rounded "
           "to about 7 significant digits.",
       where="any x that float32 cannot hold exactly (relative error about 3e-8); exact on "
             "small whole numbers; the returned dtype is float32 everywhere")
def i2r_float32_matrix(x, KH, KW, stride, pad):
    N, C, H, W = x.shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    rows = np.zeros((N * H_out * W_out, C * KH * KW), dtype=np.float32)
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                window = x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                rows[(n * H_out + i) * W_out + j] = window.ravel()
    return rows


@wrong(IM2ROW,
       bug="x is padded first and its sizes are read from the padded array, but the output "
           "size still adds 2P: the padding is counted twice, too many windows (the last ones "
           "run past x_pad: a broadcast ValueError).",
       where="only when P > 0")
def i2r_padding_counted_twice(x, KH, KW, stride, pad):
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    N, C, H, W = x.shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    rows = np.zeros((N * H_out * W_out, C * KH * KW))
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                window = x[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]
                rows[(n * H_out + i) * W_out + j] = window.ravel()
    return rows


@wrong(IM2ROW,
       bug="The rows are numbered with a running counter r that is reset to 0 for every image: "
           "each image overwrites the first block of rows and the other blocks stay 0.",
       where="only when N > 1")
def i2r_row_counter_reset_per_image(x, KH, KW, stride, pad):
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


# ---------------------------------------------------------------------------- row2im

@wrong(ROW2IM,
       bug="Each row is folded back with reshape(C, KH, KW, order='F'): the columns are read as "
           "(q*KH + m)*C + c, not in the (c*KH + m)*KW + q order that im2row wrote.",
       where="every geometry")
def r2i_reshape_fortran_order(rows, x_shape, KH, KW, stride, pad):
    N, C, H, W = x_shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    dx_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                share = rows[(n * H_out + i) * W_out + j].reshape(C, KH, KW, order="F")
                dx_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW] += share
    return dx_pad[:, :, pad:pad + H, pad:pad + W]


@wrong(ROW2IM,
       bug="row2im is taken for the inverse of im2row: every pixel's sum is divided by the "
           "number of windows that cover it (the average of its copies), instead of keeping "
           "the sum (the adjoint).",
       where="only where windows overlap (stride < kernel size)")
def r2i_average_of_copies(rows, x_shape, KH, KW, stride, pad):
    N, C, H, W = x_shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    dx_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    count = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                rr = slice(stride * i, stride * i + KH)
                cc = slice(stride * j, stride * j + KW)
                dx_pad[n, :, rr, cc] += rows[(n * H_out + i) * W_out + j].reshape(C, KH, KW)
                count[n, :, rr, cc] += 1
    dx_pad /= np.maximum(count, 1)
    return dx_pad[:, :, pad:pad + H, pad:pad + W]


@wrong(ROW2IM,
       bug="The output grid is taken to be square: H_out = W_out = sqrt(rows per image), so "
           "with H_out != W_out the rows are mapped to the wrong windows (and some are never "
           "read).",
       where="only when H_out != W_out")
def r2i_square_output_assumed(rows, x_shape, KH, KW, stride, pad):
    N, C, H, W = x_shape
    H_out = W_out = int(np.sqrt(rows.shape[0] // N))
    dx_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                share = rows[(n * H_out + i) * W_out + j].reshape(C, KH, KW)
                dx_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW] += share
    return dx_pad[:, :, pad:pad + H, pad:pad + W]


@wrong(ROW2IM,
       bug="Two slips at once: the windows are written with = (overlapping windows overwrite "
           "each other) and the padded array is returned without cropping the padding.",
       where="every geometry with P > 0 (wrong shape); with P = 0 only where windows overlap",
       catalogue_keys_ok=("overwrite_where_windows_overlap", "padding_not_cropped"))
def r2i_overwrite_and_no_crop(rows, x_shape, KH, KW, stride, pad):
    N, C, H, W = x_shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    dx_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                share = rows[(n * H_out + i) * W_out + j].reshape(C, KH, KW)
                dx_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW] = share
    return dx_pad


@wrong(ROW2IM,
       bug="Each row is reshaped to (C, KH, KH), a square kernel assumed: numpy raises a "
           "ValueError (cannot reshape) when KW != KH.",
       where="raises only for non-square kernels; right when KH == KW")
def r2i_square_kernel_reshape(rows, x_shape, KH, KW, stride, pad):
    N, C, H, W = x_shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    dx_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                share = rows[(n * H_out + i) * W_out + j].reshape(C, KH, KH)
                dx_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW] += share
    return dx_pad[:, :, pad:pad + H, pad:pad + W]
