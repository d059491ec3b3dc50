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

from . import _conv_chunks
from ._validate import as_float_array, as_pair, as_shape, check_shape, output_size
from .correlate import pad2d
from .parallel import resolve_threads


class ConvCache(NamedTuple):
    """What forward keeps for backward: its own read-only copies of ``x``, ``w``, ``b``.

    Copies, so that changing the caller's arrays in place between forward and
    backward cannot change the gradients (PyTorch refuses such a backward; here
    it simply uses the values forward saw). ``x_pad`` is the padded input the
    im2row path reads (``x`` is then a view of it); None in the loop version.
    ``rows`` is kept for compatibility and always None: the im2row matrix is
    rebuilt chunk by chunk in backward instead of being stored whole.
    """
    x: np.ndarray
    w: np.ndarray
    b: np.ndarray
    stride: tuple
    pad: tuple
    rows: object = None
    x_pad: object = None


def _frozen(a, dtype):
    """A read-only copy of ``a`` as ``dtype``."""
    out = np.array(a, dtype=dtype, copy=True)
    out.flags.writeable = False
    return out


def conv_output_shape(x_shape, w_shape, stride=1, pad=0):
    """``(N, F, H_out, W_out)`` for inputs of these shapes, or a ValueError saying why not."""
    sh, sw = as_pair(stride, "stride", 1)
    ph, pw = as_pair(pad, "pad", 0)
    x_shape = as_shape(x_shape, "x_shape", minimum=0, hint="(N, C, H, W)")
    w_shape = as_shape(w_shape, "w_shape", minimum=0, hint="(F, C, KH, KW)")
    if len(x_shape) != 4 or len(w_shape) != 4:
        raise ValueError(f"expected x_shape (N, C, H, W) and w_shape (F, C, KH, KW), got "
                         f"{x_shape} and {w_shape}")
    n, _, h, w = x_shape
    f, _, kh, kw = w_shape
    return (n, f, output_size(h, kh, sh, ph, "H"), output_size(w, kw, sw, pw, "W"))


def _check_forward(x, w, b, stride, pad, copy=True):
    """Checked inputs as one dtype; with ``copy`` (the loops) ``x`` is a read-only copy too."""
    x = as_float_array(x, "x", ndim=4)
    w = as_float_array(w, "w", ndim=4)
    b = as_float_array(b, "b", ndim=1)
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"channels differ: x has C={x.shape[1]} (shape {x.shape}) but w expects "
                         f"C={w.shape[1]} (shape {w.shape})")
    if b.shape[0] != w.shape[0]:
        raise ValueError(f"b: expected one bias per filter, shape ({w.shape[0]},), got {b.shape}")
    if min(w.shape) < 1:
        raise ValueError(f"w: expected at least one filter, channel, kernel row and column, got shape {w.shape}")
    stride = as_pair(stride, "stride", 1)
    pad = as_pair(pad, "pad", 0)
    out_shape = conv_output_shape(x.shape, w.shape, stride, pad)
    dtype = np.result_type(x, w, b)
    x = _frozen(x, dtype) if copy else x.astype(dtype, copy=False)
    return x, _frozen(w, dtype), _frozen(b, dtype), stride, pad, out_shape


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


def conv2d_forward(x, w, b, stride=1, pad=0, threads=None):
    """Convolution layer forward through im2row: matrix products.

    Same signature and result as ``conv2d_forward_naive``. With ``rows`` the
    im2row matrix of the batch:

        rows = im2row(x)                      (N*H_out*W_out, C*KH*KW)
        out  = rows @ w.reshape(F, -1).T + b  (N*H_out*W_out, F) -> (N, F, H_out, W_out)

    computed a chunk of images at a time (``_conv_chunks``): each chunk's rows
    are filled into a reused buffer and multiplied straight into its images of
    ``out`` (one product per image, ``out[n] = w_mat @ rows_n.T``, in the
    ``(F, H_out*W_out)`` order ``out`` is stored in). ``threads`` (default
    ``parallel.num_threads()``) runs the chunks on that many threads; the
    result is the same for every thread count. The cache keeps a read-only
    padded copy of ``x`` (``ConvCache.x_pad``), not the matrix.
    """
    threads = resolve_threads(threads)
    x, w, b, stride, pad, out_shape = _check_forward(x, w, b, stride, pad, copy=False)
    g = _conv_chunks.Geometry(x.shape, w.shape, stride, pad, *out_shape[2:])
    out, x_pad = _conv_chunks.forward(x, w, b, g, threads)
    x_view = x_pad[:, :, g.ph:g.ph + g.h, g.pw:g.pw + g.w]  # (N, C, H, W): the padding cropped, a view
    return out, ConvCache(x_view, w, b, stride, pad, None, x_pad)


def conv2d_backward(dout, cache, need_dx=True, threads=None):
    """Convolution layer backward through im2row.

    Same signature and result as ``conv2d_backward_naive``. With ``dY = dout``
    laid out as ``(N*H_out*W_out, F)`` and ``rows`` the im2row matrix of ``x``:

        db = Σ_rows dY                          (F,)
        dW = dY.T @ rows                        (F, C*KH*KW) -> (F, C, KH, KW)
        dx = row2im(dY @ w.reshape(F, -1))      (N*H_out*W_out, C*KH*KW) -> (N, C, H, W)

    a chunk of images at a time: the chunk's ``rows`` are filled again from the
    cached padded input, ``dW`` and ``db`` are sums of one partial per chunk
    (added in chunk order), and ``dx`` of the chunk is the scatter-add
    (``row2im``) of ``(dY @ w_mat).T``, computed in the orientation the arrays
    are stored in. When output rows are short (``W_out < 16``, e.g. 10 on
    MNIST layer 2) a chunk's rows are taken with the image index last, so that
    the scatter moves runs of ``W_out*k`` numbers (2x faster there). Row order
    does not change the products: each row of ``dY @ w_mat`` depends on its
    own row of ``dY`` only.

    ``need_dx=False`` skips ``dx`` (returned as None): the first layer of a
    network never needs the gradient of its input, and ``dx`` costs about
    half of the backward. ``threads`` as in ``conv2d_forward``.
    """
    if not isinstance(need_dx, (bool, np.bool_)):
        raise ValueError(f"need_dx: expected True or False, got {need_dx!r}")
    threads = resolve_threads(threads)
    dout = _check_dout(dout, cache)
    x_pad = cache.x_pad
    if x_pad is None:  # a cache of the loop version: pad its x once
        x_pad = pad2d(cache.x, cache.pad)
    g = _conv_chunks.Geometry(cache.x.shape, cache.w.shape, cache.stride, cache.pad, *dout.shape[2:])
    check_shape(x_pad, "cache.x_pad", (g.n, g.c, g.hp, g.wp))
    return _conv_chunks.backward(dout, x_pad, cache.w, g, bool(need_dx), threads)


def conv2d_coverage(x_shape, kernel_size, stride=1, pad=0):
    """How many windows read each input pixel: an int array of shape ``(H, W)``.

    ``x_shape`` is ``(H, W)`` or ``(N, C, H, W)``; a 0 marks a pixel that no
    output reads, whose gradient is therefore always zero (the stride does not
    tile the input).
    """
    x_shape = as_shape(x_shape, "x_shape", hint="(H, W) or (N, C, H, W)")
    if len(x_shape) not in (2, 4):
        raise ValueError(f"x_shape: expected (H, W) or (N, C, H, W), got {x_shape}")
    h, w = x_shape[-2:]
    kh, kw = as_pair(kernel_size, "kernel_size", 1)
    ones = np.ones((1, 1, h, w))
    _, cache = conv2d_forward(ones, np.ones((1, 1, kh, kw)), np.zeros(1), stride, pad)
    n_out = conv_output_shape(ones.shape, (1, 1, kh, kw), stride, pad)
    dx, _, _ = conv2d_backward(np.ones(n_out), cache)
    # with all-ones weights and deltas, dx counts the windows over each pixel
    return np.rint(dx[0, 0]).astype(int)
