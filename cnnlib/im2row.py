"""im2row: every receptive field of a batch as one row of a matrix, and its adjoint.

For an input ``x`` of shape ``(N, C, H, W)``, a ``KH x KW`` window, stride ``S``
and padding ``P``, ``im2row`` returns the matrix ``rows`` of shape
``(N*H_out*W_out, C*KH*KW)`` whose row ``r = (n*H_out + i)*W_out + j`` is

    rows[r, (c*KH + m)*KW + q] = x_pad[n, c, S_h*i + m, S_w*j + q]

so a convolution layer is one matrix product, ``rows @ w.reshape(F, -1).T``.

``row2im`` is the adjoint (transpose) of the linear map ``im2row``: it sends every
entry of ``rows`` back to the input pixel it was copied from and *adds* where
windows overlap. Adjointness, ``<im2row(x), R> == <x, row2im(R)>``, is exactly
what backprop needs: ``dx = row2im(d rows)``.
"""
import numpy as np

from ._validate import as_float_array, as_pair, output_size
from .correlate import pad2d


def _geometry(x_shape, kh, kw, stride, pad):
    if len(x_shape) != 4:
        raise ValueError(f"x: expected 4 dimensions (N, C, H, W), got shape {tuple(x_shape)}")
    kh, kw = as_pair((kh, kw), "kernel size (KH, KW)", 1)
    sh, sw = as_pair(stride, "stride", 1)
    ph, pw = as_pair(pad, "pad", 0)
    _, _, h, w = x_shape
    h_out = output_size(h, kh, sh, ph, "H")
    w_out = output_size(w, kw, sw, pw, "W")
    return kh, kw, sh, sw, ph, pw, h_out, w_out


def im2row(x, KH, KW, stride=1, pad=0):
    """Copy every ``KH x KW`` receptive field of ``x`` into one row.

    Shapes: ``x (N, C, H, W) -> rows (N*H_out*W_out, C*KH*KW)`` with
    ``H_out = floor((H + 2P - KH) / S) + 1`` (likewise W).
    Row order: image, then output row, then output column. Column order:
    channel, then kernel row, then kernel column, matching ``w.reshape(F, -1)``.
    """
    x = as_float_array(x, "x", ndim=4)
    kh, kw, sh, sw, ph, pw, h_out, w_out = _geometry(x.shape, KH, KW, stride, pad)
    n, c = x.shape[:2]
    xp = pad2d(x, (ph, pw))
    # A view, no copy yet: windows[n, c, i, j, m, q] = xp[n, c, i + m, j + q]
    windows = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(2, 3))
    windows = windows[:, :, ::sh, ::sw][:, :, :h_out, :w_out]  # (N, C, H_out, W_out, KH, KW)
    rows = windows.transpose(0, 2, 3, 1, 4, 5)  # (N, H_out, W_out, C, KH, KW)
    return rows.reshape(n * h_out * w_out, c * kh * kw)  # the copy happens here


def row2im(rows, x_shape, KH, KW, stride=1, pad=0):
    """Adjoint of ``im2row``: scatter-add every row back onto its receptive field.

    Shapes: ``rows (N*H_out*W_out, C*KH*KW) -> (N, C, H, W)`` (``x_shape``).

        out_pad[n, c, S_h*i + m, S_w*j + q] += rows[(n*H_out + i)*W_out + j, (c*KH + m)*KW + q]

    then the padding is cropped (the gradient of the padded zeros is dropped).

    How the scatter is done: a Python loop over the ``KH*KW`` kernel offsets
    ``(m, q)``; for each offset, the entries of all windows land on a regular
    strided slice of the output, so one vectorized ``+=`` adds them all. Within
    one offset no two windows hit the same pixel, so there is no write
    conflict. ``np.add.at`` on flat indices gives the same result but is 10-16x
    slower (measured): it handles repeated indices one element at a time.
    """
    kh, kw, sh, sw, ph, pw, h_out, w_out = _geometry(tuple(x_shape), KH, KW, stride, pad)
    n, c, h, w = x_shape
    rows = as_float_array(rows, "rows", ndim=2)
    expected = (n * h_out * w_out, c * kh * kw)
    if rows.shape != expected:
        raise ValueError(f"rows: expected shape {expected} (N*H_out*W_out, C*KH*KW) for x shape "
                         f"{tuple(x_shape)}, got {rows.shape}")
    cols = rows.reshape(n, h_out, w_out, c, kh, kw).transpose(0, 3, 4, 5, 1, 2)  # (N, C, KH, KW, H_out, W_out)
    out = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=rows.dtype)
    for m in range(kh):
        for q in range(kw):
            out[:, :, m:m + sh * h_out:sh, q:q + sw * w_out:sw] += cols[:, :, m, q]
    return out[:, :, ph:ph + h, pw:pw + w]
