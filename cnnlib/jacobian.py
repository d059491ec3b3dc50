"""Explicit Jacobians of the conv layer: what backprop never builds, made visible.

The conv layer's output is linear in the kernel and linear in the input, so its
derivative with respect to either is one fixed matrix, the Jacobian
``J[r, p] = ∂out_r / ∂θ_p`` (``out`` and ``θ`` flattened in C order).

- With respect to the kernel (eq. 12 of the article, with stride ``S``):

      ∂out[n, f, i, j] / ∂w[g, c, m, q] = [f == g] · x_pad[n, c, S·i + m, S·j + q]

  Row ``(n, f, i, j)`` is the window that output read. For one filter this is
  exactly the im2row matrix: ``J == im2row(x)``.
- With respect to the input:

      ∂out[n, f, i, j] / ∂x_pad[n, c, S·i + m, S·j + q] = w[f, c, m, q]   (other entries 0)

Backprop only needs the vector-Jacobian product ``J.T @ δ`` (δ flattened), which
is the gradient ``conv2d_backward`` returns without forming ``J``. These
builders are loops that follow the two equations; ``numerical_jacobian`` is the
independent finite-difference route.
"""
import numpy as np

from ._validate import as_float_array, as_int, as_numeric_array, as_pair, as_real, as_shape, output_size
from .correlate import pad2d


def numerical_jacobian(f, x, h=1e-6):
    """Central-difference Jacobian of ``f`` at ``x``: shape ``(f(x).size, x.size)``.

        J[:, k] ≈ (f(x + h·e_k) - f(x - h·e_k)).ravel() / (2h)

    ``f`` receives a float64 copy of ``x`` (any shape) with one entry nudged;
    ``x`` itself is never modified. Exact up to rounding for a linear ``f``.
    """
    if not callable(f):
        raise ValueError(f"f: expected a function, got {type(f).__name__}")
    h = as_real(h, "h", low=0, low_open=True)
    x = np.array(as_float_array(x, "x", finite=False), dtype=np.float64, copy=True)
    if not np.isfinite(x).all():
        raise ValueError("numerical_jacobian: expected finite values in x, got NaN or infinity")
    flat = x.reshape(-1)  # a view: nudging flat nudges x
    size = _values(f(x.copy()), None, "at x").size
    columns = []
    for k in range(flat.size):
        old = flat[k]
        flat[k] = old + h
        f_plus = _values(f(x), size, f"with entry {k} nudged")
        flat[k] = old - h
        f_minus = _values(f(x), size, f"with entry {k} nudged")
        flat[k] = old
        columns.append((f_plus - f_minus) / (2 * h))
    if not columns:
        return np.zeros((size, 0))
    return np.stack(columns, axis=1)  # (f(x).size, x.size)


def _values(value, size, where):
    """``f``'s value, flattened as float64; it must keep its size and be finite."""
    arr = as_numeric_array(value, "f(x)", complex_ok=False).astype(np.float64).ravel()
    if size is not None and arr.size != size:
        raise ValueError(f"numerical_jacobian: expected f to return {size} numbers every time, "
                         f"got {arr.size} {where}")
    if not np.isfinite(arr).all():
        raise ValueError(f"numerical_jacobian: f returned NaN or infinity {where}")
    return arr


def _sizes(x_shape, kh, kw, stride, pad):
    sh, sw = as_pair(stride, "stride", 1)
    ph, pw = as_pair(pad, "pad", 0)
    h_out = output_size(x_shape[2], kh, sh, ph, "H")
    w_out = output_size(x_shape[3], kw, sw, pw, "W")
    return sh, sw, ph, pw, h_out, w_out


def conv2d_kernel_jacobian(x, kernel_size, filters=1, stride=1, pad=0):
    """∂out/∂w of a conv layer as a matrix, built entry by entry from eq. 12.

    ``x (N, C, H, W)``, ``kernel_size (KH, KW)``, ``filters`` = F ->
    ``J (N*F*H_out*W_out, F*C*KH*KW)``, rows in the order of
    ``out.ravel()`` (n, f, i, j), columns in the order of ``w.ravel()`` (g, c, m, q):

        J[(n, f, i, j), (g, c, m, q)] = [f == g] · x_pad[n, c, S·i + m, S·j + q]

    It does not depend on ``w`` (the layer is linear in ``w``).
    """
    x = as_float_array(x, "x", ndim=4)
    kh, kw = as_pair(kernel_size, "kernel size (KH, KW)", 1)
    filters = as_int(filters, "filters", minimum=1)
    n_img, n_chan = x.shape[:2]
    sh, sw, ph, pw, h_out, w_out = _sizes(x.shape, kh, kw, stride, pad)
    x_pad = pad2d(x, (ph, pw))
    jac = np.zeros((n_img, filters, h_out, w_out, filters, n_chan, kh, kw), dtype=x.dtype)
    for n in range(n_img):
        for f in range(filters):
            for i in range(h_out):
                for j in range(w_out):
                    jac[n, f, i, j, f] = x_pad[n, :, sh * i:sh * i + kh, sw * j:sw * j + kw]
    # rows (n, f, i, j), columns (g, c, m, q):
    return jac.reshape(n_img * filters * h_out * w_out, filters * n_chan * kh * kw)


def conv2d_input_jacobian(w, x_shape, stride=1, pad=0):
    """∂out/∂x of a conv layer as a matrix, built entry by entry.

    ``w (F, C, KH, KW)``, ``x_shape (N, C, H, W)`` ->
    ``J (N*F*H_out*W_out, N*C*H*W)``, rows in the order of ``out.ravel()``,
    columns in the order of ``x.ravel()``:

        J[(n, f, i, j), (n, c, S·i + m - P, S·j + q - P)] = w[f, c, m, q]

    (entries whose input position falls in the padding are dropped: padded
    zeros are constants, not inputs). Its transpose applied to the deltas is
    the input gradient, which is why the backward of a convolution is called a
    *transposed convolution*.
    """
    w = as_float_array(w, "w", ndim=4)
    n_img, n_chan, h, w_in = as_shape(x_shape, "x_shape", ndim=4, hint="(N, C, H, W)")
    n_filt, c_w, kh, kw = w.shape
    if c_w != n_chan:
        raise ValueError(f"channels differ: x_shape has C={n_chan} but w has shape {w.shape} "
                         f"(C={c_w})")
    sh, sw, ph, pw, h_out, w_out = _sizes((n_img, n_chan, h, w_in), kh, kw, stride, pad)
    jac = np.zeros((n_img, n_filt, h_out, w_out, n_img, n_chan, h + 2 * ph, w_in + 2 * pw),
                   dtype=w.dtype)
    for n in range(n_img):
        for f in range(n_filt):
            for i in range(h_out):
                for j in range(w_out):
                    jac[n, f, i, j, n, :, sh * i:sh * i + kh, sw * j:sw * j + kw] = w[f]
    jac = jac[..., ph:ph + h, pw:pw + w_in]  # drop the padding columns
    # rows (n, f, i, j), columns (n, c, a, b):
    return jac.reshape(n_img * n_filt * h_out * w_out, n_img * n_chan * h * w_in)
