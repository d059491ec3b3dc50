"""Notebook 06: im2row and row2im written by a learner, right and with each typical mistake; then
∂E/∂w and ∂E/∂x as matrix products with the learner's own pair, on the notebook's own data.

The functions loop over the output positions and copy (or add back) one window at a time, the
way a learner writes them from the index equation.
"""
import numpy as np

from cnnlib.exercises.nb06_im2row import (check_conv_backward_matrices, check_im2row, check_row2im,
                                          conv_backward_matrices_exercise_data)

from . import Entry, registry


def _sizes(H, W, KH, KW, stride, pad):
    return (H + 2 * pad - KH) // stride + 1, (W + 2 * pad - KW) // stride + 1


def _pad(x, pad):
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


# --------------------------------------------------------------------------- im2row

def my_im2row(x, KH, KW, stride, pad, x_pad=None, sizes=None, order="n i j", flatten=np.ravel, start=None):
    """The right loops; the keyword arguments are where a learner's one slip goes."""
    N, C, H, W = x.shape
    H_out, W_out = sizes or _sizes(H, W, KH, KW, stride, pad)
    x_pad = _pad(x, pad) if x_pad is None else x_pad
    start = start or (lambda i, j: (stride * i, stride * j))
    rows = []
    loops = {"n i j": [(n, i, j) for n in range(N) for i in range(H_out) for j in range(W_out)],
             "n j i": [(n, i, j) for n in range(N) for j in range(W_out) for i in range(H_out)],
             "i j n": [(n, i, j) for i in range(H_out) for j in range(W_out) for n in range(N)]}[order]
    for n, i, j in loops:
        top, left = start(i, j)
        window = x_pad[n, :, top:top + KH, left:left + KW]      # (C, KH, KW)
        rows.append(flatten(window))
    return np.array(rows)                                       # (N*H_out*W_out, C*KH*KW)


def my_im2row_preallocated(x, KH, KW, stride, pad):
    """The same, into a preallocated matrix, row r = (n*H_out + i)*W_out + j."""
    N, C, H, W = x.shape
    H_out, W_out = _sizes(H, W, KH, KW, stride, pad)
    x_pad = _pad(x, pad)
    rows = np.zeros((N * H_out * W_out, C * KH * KW))
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                rows[(n * H_out + i) * W_out + j] = \
                    x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW].ravel()
    return rows


IM2ROW, bad = registry()


@bad("column_order_mqc")
def im2row_mqc(x, KH, KW, stride, pad):
    return my_im2row(x, KH, KW, stride, pad, flatten=lambda win: win.transpose(1, 2, 0).ravel())


@bad("kernel_m_q_swapped")
def _(x, KH, KW, stride, pad):
    return my_im2row(x, KH, KW, stride, pad, flatten=lambda win: win.transpose(0, 2, 1).ravel())


@bad("rows_i_j_swapped")
def im2row_ji(x, KH, KW, stride, pad):
    return my_im2row(x, KH, KW, stride, pad, order="n j i")


@bad("rows_image_last")
def _(x, KH, KW, stride, pad):
    return my_im2row(x, KH, KW, stride, pad, order="i j n")


@bad("padding_forgotten")
def _(x, KH, KW, stride, pad):
    N, C, H, W = x.shape
    H_out, W_out = _sizes(H, W, KH, KW, stride, pad)
    rows = np.zeros((N * H_out * W_out, C * KH * KW))
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                window = x[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW]   # x, not x_pad
                rows[(n * H_out + i) * W_out + j] = window.ravel()
    return rows


@bad("np_pad_all_axes")
def _(x, KH, KW, stride, pad):
    N, C, H, W = x.shape
    H_out, W_out = _sizes(H, W, KH, KW, stride, pad)
    x_pad = np.pad(x, pad)
    rows = np.zeros((N * H_out * W_out, C * KH * KW))
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                rows[(n * H_out + i) * W_out + j] = \
                    x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW].ravel()
    return rows


@bad("stride_ignored")
def _(x, KH, KW, stride, pad):
    return my_im2row(x, KH, KW, stride, pad, start=lambda i, j: (i, j))


@bad("im2col_layout")
def _(x, KH, KW, stride, pad):
    N, C, H, W = x.shape
    H_out, W_out = _sizes(H, W, KH, KW, stride, pad)
    x_pad = _pad(x, pad)
    cols = np.zeros((C * KH * KW, N * H_out * W_out))            # a column per window (im2col)
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                cols[:, (n * H_out + i) * W_out + j] = \
                    x_pad[n, :, stride * i:stride * i + KH, stride * j:stride * j + KW].ravel()
    return cols


# --------------------------------------------------------------------------- row2im

def my_row2im(rows, x_shape, KH, KW, stride, pad, row_of=None, unflatten=None, assign=False,
              crop=None, padded=True, start=None):
    """The right scatter-add; the keyword arguments are where a learner's one slip goes."""
    N, C, H, W = x_shape
    H_out, W_out = _sizes(H, W, KH, KW, stride, pad)
    row_of = row_of or (lambda n, i, j: (n * H_out + i) * W_out + j)
    unflatten = unflatten or (lambda row: row.reshape(C, KH, KW))
    start = start or (lambda i, j: (stride * i, stride * j))
    dx_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad) if padded else (N, C, H, W))
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                top, left = start(i, j)
                share = unflatten(rows[row_of(n, i, j)])          # (C, KH, KW)
                if assign:
                    dx_pad[n, :, top:top + KH, left:left + KW] = share
                else:
                    dx_pad[n, :, top:top + KH, left:left + KW] += share
    if not padded:
        return dx_pad
    return crop(dx_pad, H, W, pad) if crop else dx_pad[:, :, pad:pad + H, pad:pad + W]


ROW2IM, bad = registry()


@bad("overwrite_where_windows_overlap")
def row2im_assign(rows, x_shape, KH, KW, stride, pad):
    return my_row2im(rows, x_shape, KH, KW, stride, pad, assign=True)


@bad("column_order_mqc")
def row2im_mqc(rows, x_shape, KH, KW, stride, pad):
    C = x_shape[1]
    return my_row2im(rows, x_shape, KH, KW, stride, pad,
                     unflatten=lambda row: row.reshape(KH, KW, C).transpose(2, 0, 1))


@bad("rows_i_j_swapped")
def row2im_ji(rows, x_shape, KH, KW, stride, pad):
    N, C, H, W = x_shape
    H_out, W_out = _sizes(H, W, KH, KW, stride, pad)
    return my_row2im(rows, x_shape, KH, KW, stride, pad, row_of=lambda n, i, j: (n * W_out + j) * H_out + i)


@bad("rows_image_last")
def _(rows, x_shape, KH, KW, stride, pad):
    N, C, H, W = x_shape
    H_out, W_out = _sizes(H, W, KH, KW, stride, pad)
    return my_row2im(rows, x_shape, KH, KW, stride, pad, row_of=lambda n, i, j: (i * W_out + j) * N + n)


@bad("padding_not_cropped")
def _(rows, x_shape, KH, KW, stride, pad):
    return my_row2im(rows, x_shape, KH, KW, stride, pad, crop=lambda d, H, W, P: d)


@bad("cropped_wrong_side")
def _(rows, x_shape, KH, KW, stride, pad):
    return my_row2im(rows, x_shape, KH, KW, stride, pad, crop=lambda d, H, W, P: d[:, :, :H, :W])


@bad("crop_minus_zero")
def _(rows, x_shape, KH, KW, stride, pad):
    return my_row2im(rows, x_shape, KH, KW, stride, pad, crop=lambda d, H, W, P: d[:, :, P:-P, P:-P])


@bad("padding_forgotten")
def _(rows, x_shape, KH, KW, stride, pad):
    return my_row2im(rows, x_shape, KH, KW, stride, pad, padded=False)


@bad("stride_ignored")
def _(rows, x_shape, KH, KW, stride, pad):
    return my_row2im(rows, x_shape, KH, KW, stride, pad, start=lambda i, j: (i, j))


# ------------------------------------- ∂E/∂w and ∂E/∂x with the learner's pair, notebook data

X, W, DOUT, S, P = DATA = conv_backward_matrices_exercise_data()


def backward_matrices(im2row=my_im2row, row2im=my_row2im, d_y=None, w_col=None, transpose_dw=True):
    """(dw, dx) as the notebook's matrix formulas, with the learner's pair; one step swappable."""
    F, C, KH, KW = W.shape
    R = im2row(X, KH, KW, S, P)                                          # (N*H_out*W_out, C*KH*KW)
    dY = DOUT.transpose(0, 2, 3, 1).reshape(-1, F) if d_y is None else d_y   # (N*H_out*W_out, F)
    W_col = W.reshape(F, -1).T if w_col is None else w_col                # (C*KH*KW, F)
    dW_col = R.T @ dY                                                   # (C*KH*KW, F)
    dw = dW_col.T.reshape(W.shape) if transpose_dw else dW_col.reshape(W.shape)
    dx = row2im(dY @ W_col.T, X.shape, KH, KW, S, P)                    # (N, C, H, W)
    return dw, dx


MATRICES = {
    "dy_reshape_without_moving_f": backward_matrices(d_y=DOUT.reshape(-1, W.shape[0])),
    "dw_not_transposed": backward_matrices(transpose_dw=False),
    "w_col_by_reshape": backward_matrices(w_col=W.reshape(-1, W.shape[0])),
    "row2im_overwrite": backward_matrices(row2im=row2im_assign),
    "pair_column_order_mqc": backward_matrices(im2row=im2row_mqc, row2im=row2im_mqc),
    "pair_rows_i_j_swapped": backward_matrices(im2row=im2row_ji, row2im=row2im_ji),
    "w_col_rotated": backward_matrices(w_col=np.rot90(W, 2, axes=(2, 3)).reshape(W.shape[0], -1).T),
}


def _check_matrices(answer):
    dw, dx = answer
    return check_conv_backward_matrices(dw, dx, X, W, DOUT, S, P)


MATRICES_OTHER_WAYS = {  # the same mistakes, written another way
    "w_col_rotated": backward_matrices(w_col=np.flip(W).reshape(W.shape[0], -1).T),   # every axis flipped
}

ENTRIES = [
    Entry("check_im2row", check_im2row, my_im2row, IM2ROW),
    Entry("check_im2row (preallocated rows)", check_im2row, my_im2row_preallocated, {}),
    Entry("check_row2im", check_row2im, my_row2im, ROW2IM),
    Entry("check_conv_backward_matrices", _check_matrices, backward_matrices(), MATRICES),
    Entry("check_conv_backward_matrices", _check_matrices, backward_matrices(), MATRICES_OTHER_WAYS),
]
