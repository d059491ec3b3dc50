"""The convolution layer: forward and backward, as loops and through im2row.

Shapes (NCHW): ``x (N, C, H, W)``, ``w (F, C, KH, KW)``, ``b (F,)``,
``out (N, F, H_out, W_out)`` with ``H_out = floor((H + 2P - KH) / S) + 1``.

Forward (what deep-learning frameworks call convolution is a cross-correlation):

    out[n, f, i, j] = b[f] + Σ_c Σ_m Σ_q w[f, c, m, q] · x_pad[n, c, S·i + m, S·j + q]

Backward, with the deltas ``δ = dout = ∂E/∂out``:

    ∂E/∂b[f]          = Σ_n Σ_i Σ_j δ[n, f, i, j]
    ∂E/∂w[f, c, m, q] = Σ_n Σ_i Σ_j δ[n, f, i, j] · x_pad[n, c, S·i + m, S·j + q]
    ∂E/∂x_pad[n, c, S·i + m, S·j + q]  +=  Σ_f δ[n, f, i, j] · w[f, c, m, q]

and ``∂E/∂x`` is ``∂E/∂x_pad`` with the padding cropped. Input pixels that no
window reads (when the stride does not tile the input) get zero gradient.

``*_naive`` functions are loops that follow these equations line by line; they
are the reference. ``conv2d_forward`` / ``conv2d_backward`` have the same
signatures and compute the same numbers with im2row and matrix products.
"""
from typing import NamedTuple

import numpy as np

from ._validate import as_float_array, as_pair, check_shape, output_size
from .correlate import pad2d
from .im2row import _im2row, _row2im, _row2im_batch_last


class ConvCache(NamedTuple):
    """What forward keeps for backward. ``rows`` is the im2row matrix (None in the naive path)."""
    x: np.ndarray
    w: np.ndarray
    b: np.ndarray
    stride: tuple
    pad: tuple
    rows: object = None


def conv_output_shape(x_shape, w_shape, stride=1, pad=0):
    """``(N, F, H_out, W_out)`` for inputs of these shapes, or a ValueError saying why not."""
    sh, sw = as_pair(stride, "stride", 1)
    ph, pw = as_pair(pad, "pad", 0)
    if len(x_shape) != 4 or len(w_shape) != 4:
        raise ValueError(f"expected x_shape (N, C, H, W) and w_shape (F, C, KH, KW), got "
                         f"{tuple(x_shape)} and {tuple(w_shape)}")
    n, _, h, w = x_shape
    f, _, kh, kw = w_shape
    return (n, f, output_size(h, kh, sh, ph, "H"), output_size(w, kw, sw, pw, "W"))


def _check_forward(x, w, b, stride, pad):
    x = as_float_array(x, "x", ndim=4)
    w = as_float_array(w, "w", ndim=4)
    b = as_float_array(b, "b", ndim=1)
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"channels differ: x has C={x.shape[1]} (shape {x.shape}) but w expects "
                         f"C={w.shape[1]} (shape {w.shape})")
    if b.shape[0] != w.shape[0]:
        raise ValueError(f"b: expected one bias per filter, shape ({w.shape[0]},), got {b.shape}")
    stride = as_pair(stride, "stride", 1)
    pad = as_pair(pad, "pad", 0)
    out_shape = conv_output_shape(x.shape, w.shape, stride, pad)
    dtype = np.result_type(x, w, b)
    return x.astype(dtype, copy=False), w.astype(dtype, copy=False), b.astype(dtype, copy=False), \
        stride, pad, out_shape


def _check_dout(dout, cache):
    if not isinstance(cache, ConvCache):
        raise ValueError(f"cache: expected the ConvCache returned by a conv2d forward, got {type(cache).__name__}")
    dout = as_float_array(dout, "dout", ndim=4)
    expected = conv_output_shape(cache.x.shape, cache.w.shape, cache.stride, cache.pad)
    check_shape(dout, "dout", expected)
    return dout.astype(cache.x.dtype, copy=False)


def conv2d_forward_naive(x, w, b, stride=1, pad=0):
    """Convolution layer forward as loops over every output entry (the reference).

    ``x (N, C, H, W)``, ``w (F, C, KH, KW)``, ``b (F,)``, ``stride`` and ``pad``
    an int or an ``(h, w)`` pair -> ``out (N, F, H_out, W_out)``, ``cache``.

        out[n, f, i, j] = b[f] + Σ_c Σ_m Σ_q w[f, c, m, q] · x_pad[n, c, S·i + m, S·j + q]
    """
    x, w, b, (sh, sw), (ph, pw), out_shape = _check_forward(x, w, b, stride, pad)
    _, _, kh, kw = w.shape
    x_pad = pad2d(x, (ph, pw))
    out = np.zeros(out_shape, dtype=x.dtype)
    n_img, n_filt, h_out, w_out = out_shape
    for n in range(n_img):
        for f in range(n_filt):
            for i in range(h_out):
                for j in range(w_out):
                    window = x_pad[n, :, sh * i:sh * i + kh, sw * j:sw * j + kw]  # (C, KH, KW)
                    out[n, f, i, j] = b[f] + np.sum(w[f] * window)
    return out, ConvCache(x, w, b, (sh, sw), (ph, pw))


def conv2d_backward_naive(dout, cache):
    """Convolution layer backward as loops: every delta scatters into dx, dw, db.

    ``dout (N, F, H_out, W_out)`` -> ``dx (N, C, H, W)``, ``dw (F, C, KH, KW)``, ``db (F,)``.

    Each output entry ``out[n, f, i, j]`` read one window of ``x_pad`` with
    ``w[f]``; so its delta ``δ = dout[n, f, i, j]`` adds
    ``δ`` to ``db[f]``, ``δ · window`` to ``dw[f]`` and ``δ · w[f]`` to that window of ``dx_pad``.
    """
    dout = _check_dout(dout, cache)
    x, w = cache.x, cache.w
    (sh, sw), (ph, pw) = cache.stride, cache.pad
    _, _, kh, kw = w.shape
    x_pad = pad2d(x, (ph, pw))
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros_like(w)
    db = np.zeros_like(cache.b)
    n_img, n_filt, h_out, w_out = dout.shape
    for n in range(n_img):
        for f in range(n_filt):
            for i in range(h_out):
                for j in range(w_out):
                    delta = dout[n, f, i, j]
                    db[f] += delta
                    dw[f] += delta * x_pad[n, :, sh * i:sh * i + kh, sw * j:sw * j + kw]
                    dx_pad[n, :, sh * i:sh * i + kh, sw * j:sw * j + kw] += delta * w[f]
    h, w_in = x.shape[2:]
    dx = dx_pad[:, :, ph:ph + h, pw:pw + w_in]
    return dx, dw, db


def conv2d_forward(x, w, b, stride=1, pad=0):
    """Convolution layer forward through im2row: one matrix product.

    Same signature and result as ``conv2d_forward_naive``.

        rows = im2row(x)                      (N*H_out*W_out, C*KH*KW)
        out  = rows @ w.reshape(F, -1).T + b  (N*H_out*W_out, F) -> (N, F, H_out, W_out)

    ``ConvCache.rows`` keeps ``rows`` for the backward pass (``dW = dY.T @ rows``).
    """
    x, w, b, stride, pad, out_shape = _check_forward(x, w, b, stride, pad)
    n_img, n_filt, h_out, w_out = out_shape
    _, _, kh, kw = w.shape
    # im2row(x) without checking x a second time
    rows = _im2row(x, kh, kw, *stride, *pad, h_out, w_out)  # (N*H_out*W_out, C*KH*KW)
    w_mat = w.reshape(n_filt, -1)  # (F, C*KH*KW): one filter per row
    # The same product, transposed and image by image: with rows_n the rows of
    # image n, out[n] = (rows_n @ w_mat.T).T = w_mat @ rows_n.T. rows.T is the
    # contiguous array im2row filled; each image's block of it is read in place,
    # and each product lands directly in out[n], in (F, H_out*W_out) order: no copy.
    rows_t = rows.T.reshape(rows.shape[1], n_img, h_out * w_out)  # (C*KH*KW, N, H_out*W_out), a view
    rows_t = rows_t.transpose(1, 0, 2)  # (N, C*KH*KW, H_out*W_out), a view
    out = np.matmul(w_mat, rows_t)  # (N, F, H_out*W_out): one matrix product per image
    out += b[:, None]  # + b[f]
    return out.reshape(n_img, n_filt, h_out, w_out), ConvCache(x, w, b, stride, pad, rows)


# Output rows shorter than this are scattered with the image index last (see conv2d_backward).
_SHORT_ROW = 16


def conv2d_backward(dout, cache, need_dx=True):
    """Convolution layer backward through im2row.

    Same signature and result as ``conv2d_backward_naive``. With
    ``dY = dout`` laid out as ``(N*H_out*W_out, F)``:

        db = Σ_rows dY                          (F,)
        dW = dY.T @ rows                        (F, C*KH*KW) -> (F, C, KH, KW)
        dx = row2im(dY @ w.reshape(F, -1))      (N*H_out*W_out, C*KH*KW) -> (N, C, H, W)

    The code computes the transposes, ``dW.T = rows.T @ dY`` and
    ``(dY @ w_mat).T``, the orientations in which the arrays are already
    stored. The scatter of ``row2im`` copies runs of ``W_out`` numbers; when
    output rows are short (``W_out < 16``, e.g. 10 on MNIST layer 2) the
    rows of ``dY`` are taken in another order, image index last, so that the
    runs are ``W_out*N`` long (see ``im2row._row2im_batch_last``): 2x faster
    there, though it costs two transposed copies, which do not pay off on
    longer rows. Row order does not change the product: each row of
    ``dY @ w_mat`` depends on its own row of ``dY`` only.

    ``need_dx=False`` skips ``dx`` (returned as None): the first layer of a
    network never needs the gradient of its input, and ``dx`` costs about
    half of the backward.
    """
    if not isinstance(need_dx, (bool, np.bool_)):
        raise ValueError(f"need_dx: expected True or False, got {need_dx!r}")
    dout = _check_dout(dout, cache)
    x, w = cache.x, cache.w
    n_filt, _, kh, kw = w.shape
    (sh, sw), (ph, pw) = cache.stride, cache.pad
    h_out, w_out = dout.shape[2:]
    rows = cache.rows if cache.rows is not None else _im2row(x, kh, kw, sh, sw, ph, pw, h_out, w_out)
    d_y_t = dout.transpose(1, 0, 2, 3).reshape(n_filt, -1)  # (F, N*H_out*W_out): dY.T, a copy
    db = d_y_t.sum(axis=1)  # (F,)
    dw = (rows.T @ d_y_t.T).T.reshape(w.shape)  # (C*KH*KW, F) -> (F, C*KH*KW) -> (F, C, KH, KW)
    if not need_dx:
        return None, dw, db
    w_mat = w.reshape(n_filt, -1)  # (F, C*KH*KW)
    if w_out >= _SHORT_ROW:
        d_rows_t = w_mat.T @ d_y_t  # (C*KH*KW, N*H_out*W_out): (dY @ w_mat).T
        dx = _row2im(d_rows_t.T, x.shape, kh, kw, sh, sw, ph, pw, h_out, w_out)  # (N, C, H, W)
    else:
        d_y_last = dout.transpose(1, 2, 3, 0).reshape(n_filt, -1)  # (F, H_out*W_out*N): image index last
        d_rows_t = w_mat.T @ d_y_last  # (C*KH*KW, H_out*W_out*N): (dY @ w_mat).T, image index last
        dx = _row2im_batch_last(d_rows_t, x.shape, kh, kw, sh, sw, ph, pw, h_out, w_out)  # (N, C, H, W)
    return dx, dw, db


def conv2d_coverage(x_shape, kernel_size, stride=1, pad=0):
    """How many windows read each input pixel: an int array of shape ``(H, W)``.

    ``x_shape`` is ``(H, W)`` or ``(N, C, H, W)``; a 0 marks a pixel that no
    output reads, whose gradient is therefore always zero (the stride does not
    tile the input).
    """
    if len(tuple(x_shape)) not in (2, 4):
        raise ValueError(f"x_shape: expected (H, W) or (N, C, H, W), got {tuple(x_shape)}")
    h, w = tuple(x_shape)[-2:]
    kh, kw = as_pair(kernel_size, "kernel_size", 1)
    ones = np.ones((1, 1, h, w))
    _, cache = conv2d_forward(ones, np.ones((1, 1, kh, kw)), np.zeros(1), stride, pad)
    n_out = conv_output_shape(ones.shape, (1, 1, kh, kw), stride, pad)
    dx, _, _ = conv2d_backward(np.ones(n_out), cache)
    # with all-ones weights and deltas, dx counts the windows over each pixel
    return np.rint(dx[0, 0]).astype(int)
