"""The typical bug of a hand-written ``row2im`` (col2im), kept on purpose: it writes where it must add.

Two ways to write it, which give different wrong numbers where windows overlap:
``row2im_overwrite`` goes window by window (the last window written wins a shared pixel),
``row2im_overwrite_by_offset`` goes kernel offset by kernel offset, as cnnlib's fast
``row2im`` does (the last offset written wins). Notebook 06 shows the first failing the
dot-product test; the checkers of notebook 06 recognise both.
"""
import numpy as np

from .._validate import as_pair
from ..conv import conv_output_shape


def _setup(rows, x_shape, KH, KW, stride, pad):
    n_img, n_ch, h, w_in = x_shape
    _, _, h_out, w_out = conv_output_shape(tuple(x_shape), (1, n_ch, KH, KW), stride, pad)
    (sh, sw), (ph, pw) = as_pair(stride, "stride", 1), as_pair(pad, "pad", 0)
    rows = np.asarray(rows, dtype=np.float64)
    expected = (n_img * h_out * w_out, n_ch * KH * KW)
    if rows.shape != expected:
        raise ValueError(f"rows: expected shape {expected} (N*H_out*W_out, C*KH*KW), got {rows.shape}")
    out = np.zeros((n_img, n_ch, h + 2 * ph, w_in + 2 * pw))  # (N, C, H+2P, W+2P)
    return rows, out, h_out, w_out, sh, sw, ph, pw


def row2im_overwrite(rows, x_shape, KH, KW, stride=1, pad=0):
    """WRONG ON PURPOSE: ``row2im`` that writes (``=``) where it must add (``+=``).

    Same signature and shapes as ``cnnlib.im2row.row2im``:
    ``rows (N*H_out*W_out, C*KH*KW) -> (N, C, H, W)``. Each row is written onto
    its receptive field, window after window in row order, so where windows
    overlap only the last one's value survives:

        out_pad[n, c, S·i + m, S·j + q] = rows[(n*H_out + i)*W_out + j, (c*KH + m)*KW + q]

    This is the typical bug of a hand-written col2im. It is not the adjoint of
    ``im2row`` (the dot-product test fails), and the input gradient it gives is
    wrong at every pixel that lies in more than one window.
    """
    rows, out, h_out, w_out, sh, sw, ph, pw = _setup(rows, x_shape, KH, KW, stride, pad)
    n_ch, h, w_in = x_shape[1:]
    for r in range(rows.shape[0]):
        n, rest = divmod(r, h_out * w_out)
        i, j = divmod(rest, w_out)
        out[n, :, sh * i:sh * i + KH, sw * j:sw * j + KW] = rows[r].reshape(n_ch, KH, KW)  # the bug: = not +=
    return out[:, :, ph:ph + h, pw:pw + w_in]


def row2im_overwrite_by_offset(rows, x_shape, KH, KW, stride=1, pad=0):
    """WRONG ON PURPOSE: the offset-by-offset ``row2im`` with ``=`` instead of ``+=``.

    For each kernel offset ``(m, q)`` the entries of all windows land on one strided slice
    of ``out_pad``; assigning the slice keeps, at a pixel shared by several windows, only
    the entry of the last offset written.
    """
    rows, out, h_out, w_out, sh, sw, ph, pw = _setup(rows, x_shape, KH, KW, stride, pad)
    n_img, n_ch, h, w_in = x_shape
    cols = rows.reshape(n_img, h_out, w_out, n_ch, KH, KW)  # (N, H_out, W_out, C, KH, KW)
    for m in range(KH):
        for q in range(KW):
            # (N, C, H_out, W_out) slice of out_pad: the bug, = not +=
            out[:, :, m:m + sh * h_out:sh, q:q + sw * w_out:sw] = cols[..., m, q].transpose(0, 3, 1, 2)
    return out[:, :, ph:ph + h, pw:pw + w_in]
