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

from ._validate import as_float_array, as_pair, as_shape, output_size


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


def _padded_cnhw(x, ph, pw):
    """``x (N, C, H, W)`` -> ``x_pad`` laid out channel-first, ``(C, N, H + 2P_h, W + 2P_w)``.

    A view (no copy) when there is no padding, else one copy into a zero array.
    """
    n, c, h, w = x.shape
    x_t = x.transpose(1, 0, 2, 3)  # (C, N, H, W), a view
    if ph == 0 and pw == 0:
        return x_t
    x_pad = np.zeros((c, n, h + 2 * ph, w + 2 * pw), dtype=x.dtype)  # (C, N, H+2P_h, W+2P_w)
    x_pad[:, :, ph:ph + h, pw:pw + w] = x_t
    return x_pad


def _fill(cols, x_pad, kh, kw, sh, sw, h_out, w_out):
    """``cols (C, KH, KW, N, H_out, W_out)`` <- every window entry of ``x_pad (C, N, H_p, W_p)``.

    One strided slice copy per kernel offset ``(m, q)``: entry ``(m, q)`` of every
    window, for all channels and images, is ``x_pad[:, :, m::S_h, q::S_w]``.
    """
    for m in range(kh):
        for q in range(kw):
            cols[:, m, q] = x_pad[:, :, m:m + sh * h_out:sh, q:q + sw * w_out:sw]  # (C, N, H_out, W_out)


def _fill_last(cols, x_pad, kh, kw, sh, sw, h_out, w_out):
    """As ``_fill`` with the image index last: ``cols (C, KH, KW, H_out, W_out, N)``
    from ``x_pad (C, H_p, W_p, N)``; each slice then moves runs of ``W_out*N`` numbers."""
    for m in range(kh):
        for q in range(kw):
            cols[:, m, q] = x_pad[:, m:m + sh * h_out:sh, q:q + sw * w_out:sw, :]  # (C, H_out, W_out, N)


def _scatter(target, cols, kh, kw, sh, sw, h_out, w_out):
    """The adjoint of ``_fill``: ``target (C, N, H_p, W_p) += `` every entry of
    ``cols (C, KH, KW, N, H_out, W_out)`` at the pixel it was copied from."""
    for m in range(kh):
        for q in range(kw):
            target[:, :, m:m + sh * h_out:sh, q:q + sw * w_out:sw] += cols[:, m, q]  # (C, N, H_out, W_out)


def _scatter_last(target, cols, kh, kw, sh, sw, h_out, w_out):
    """The adjoint of ``_fill_last``: ``target (C, H_p, W_p, N) +=`` ``cols (C, KH, KW, H_out, W_out, N)``."""
    for m in range(kh):
        for q in range(kw):
            target[:, m:m + sh * h_out:sh, q:q + sw * w_out:sw, :] += cols[:, m, q]  # (C, H_out, W_out, N)


def _im2row(x, kh, kw, sh, sw, ph, pw, h_out, w_out):
    """``im2row`` without the input checks (the callers in cnnlib have checked ``x``)."""
    n, c = x.shape[:2]
    x_pad = _padded_cnhw(x, ph, pw)  # (C, N, H+2P_h, W+2P_w)
    cols = np.empty((c, kh, kw, n, h_out, w_out), dtype=x.dtype)
    _fill(cols, x_pad, kh, kw, sh, sw, h_out, w_out)
    cols = cols.reshape(c * kh * kw, n * h_out * w_out)  # (C*KH*KW, N*H_out*W_out): rows.T
    return cols.T  # (N*H_out*W_out, C*KH*KW), a view of cols: rows in column-major order


def im2row(x, KH, KW, stride=1, pad=0):
    """Copy every ``KH x KW`` receptive field of ``x`` into one row.

    Shapes: ``x (N, C, H, W) -> rows (N*H_out*W_out, C*KH*KW)`` with
    ``H_out = floor((H + 2P - KH) / S) + 1`` (likewise W).
    Row order: image, then output row, then output column. Column order:
    channel, then kernel row, then kernel column, matching ``w.reshape(F, -1)``.

        rows[(n*H_out + i)*W_out + j, (c*KH + m)*KW + q] = x_pad[n, c, S_h*i + m, S_w*j + q]

    How it is built (fast, and still just copies): a Python loop over the
    ``KH*KW`` kernel offsets ``(m, q)``. For one offset, entry ``(m, q)`` of
    every window, over all channels and images, is the strided slice
    ``x_pad[:, :, m::S_h, q::S_w]`` (``H_out x W_out`` of it): one vectorized
    copy. Each slice fills a contiguous block of ``rows.T``, so the matrix is
    stored transposed (column-major): ``rows.T`` is a C-contiguous
    ``(C*KH*KW, N*H_out*W_out)`` array. The entries are the same; matrix
    products take either order at no cost. (Copying windows from a
    ``sliding_window_view`` straight into row-major rows gives the same
    matrix 2-6x slower on the benchmark's layers: it copies in short runs.)
    """
    x = as_float_array(x, "x", ndim=4)
    kh, kw, sh, sw, ph, pw, h_out, w_out = _geometry(x.shape, KH, KW, stride, pad)
    return _im2row(x, kh, kw, sh, sw, ph, pw, h_out, w_out)  # (N*H_out*W_out, C*KH*KW)


def _row2im(rows, x_shape, kh, kw, sh, sw, ph, pw, h_out, w_out):
    """``row2im`` without the input checks (the callers in cnnlib have checked ``rows``).

    Returns ``(N, C, H, W)``, a view of the padded array when there is padding.
    """
    n, c, h, w = x_shape
    cols = rows.T.reshape(c, kh, kw, n, h_out, w_out)  # (C, KH, KW, N, H_out, W_out), a view
    out = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=rows.dtype)  # (N, C, H+2P_h, W+2P_w)
    out_t = out.transpose(1, 0, 2, 3)  # (C, N, H+2P_h, W+2P_w), a view: cols' channel-first order
    _scatter(out_t, cols, kh, kw, sh, sw, h_out, w_out)
    return out[:, :, ph:ph + h, pw:pw + w]  # (N, C, H, W): the padding cropped


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
    Column ``(m, q)`` blocks are read from ``rows.T``, fastest when ``rows`` is
    stored column-major, as ``im2row`` returns it (any layout gives the same result).
    """
    x_shape = as_shape(x_shape, "x_shape", ndim=4, hint="(N, C, H, W)")
    kh, kw, sh, sw, ph, pw, h_out, w_out = _geometry(x_shape, KH, KW, stride, pad)
    n, c, h, w = x_shape
    rows = as_float_array(rows, "rows", ndim=2)
    expected = (n * h_out * w_out, c * kh * kw)
    if rows.shape != expected:
        raise ValueError(f"rows: expected shape {expected} (N*H_out*W_out, C*KH*KW) for x shape "
                         f"{tuple(x_shape)}, got {rows.shape}")
    return _row2im(rows, (n, c, h, w), kh, kw, sh, sw, ph, pw, h_out, w_out)  # (N, C, H, W)
