"""Second routes to the conv-layer gradients, built from the one-channel primitives.

``conv.py`` computes the gradients by scattering every delta (the loops) or with
im2row (matrix products). The functions here compute the same numbers the way
the derivations of notebooks 03 and 04 state them, one channel pair at a time,
with ``correlate.py``'s ``dilate``, ``rot180``, ``cross_correlate2d`` (mode
``"valid"`` / ``"full"``) and ``pad2d``. They are slow and meant for checking
and teaching, not for training.

Shapes (NCHW): ``x (N, C, H, W)``, ``w (F, C, KH, KW)``,
``dout (N, F, H_out, W_out)`` (the deltas ``δ``), stride ``S``, padding ``P``.
``dilate(δ, S)`` puts ``S - 1`` zeros between neighbouring deltas, which turns
a stride-``S`` layer into a stride-1 one (eq. 13 and 20 of the article then
hold as they are written for stride 1).

Kernel gradient (notebook 03), a *valid cross-correlation* of the input with
the dilated deltas, one per (filter, channel) pair, summed over the batch:

    ∂E/∂w[f, c] = Σ_n  x_pad[n, c] ⋆ dilate(δ[n, f], S)

Input gradient (notebook 04), a *full convolution* of the dilated deltas with
the kernel, i.e. a full cross-correlation with the 180-degree rotated kernel,
summed over the filters, then the padding cropped:

    ∂E/∂x_pad[n, c] = Σ_f  dilate(δ[n, f], S) ∗ w[f, c]
                    = Σ_f  full(dilate(δ[n, f], S) ⋆ rot180(w[f, c]))
    ∂E/∂x[n, c]     = ∂E/∂x_pad[n, c] cropped by P on every side

When the stride does not tile the padded input, the last rows/columns that no
window reads are never reached by the full convolution: they get zeros.
"""
import numpy as np

from ._validate import as_float_array, as_pair, as_shape, check_shape, output_size
from .correlate import cross_correlate2d, dilate, pad2d, rot180


def _geometry(x_shape, kernel_size, stride, pad):
    n_img, n_chan, h, w_in = as_shape(x_shape, "x_shape", ndim=4, hint="(N, C, H, W)")
    kh, kw = as_pair(kernel_size, "kernel size (KH, KW)", 1)
    sh, sw = as_pair(stride, "stride", 1)
    ph, pw = as_pair(pad, "pad", 0)
    h_out = output_size(h, kh, sh, ph, "H")
    w_out = output_size(w_in, kw, sw, pw, "W")
    return n_img, n_chan, h, w_in, kh, kw, sh, sw, ph, pw, h_out, w_out


def kernel_gradient_by_correlation(x, dout, kernel_size, stride=1, pad=0):
    """∂E/∂w as cross-correlations of the input with the dilated deltas.

    ``x (N, C, H, W)``, ``dout (N, F, H_out, W_out)``, ``kernel_size`` an
    ``(KH, KW)`` pair -> ``dw (F, C, KH, KW)``:

        dw[f, c] = Σ_n  x_pad[n, c, :Hr, :Wr] ⋆ dilate(dout[n, f], S)     (valid mode)

    where ``Hr = S_h·(H_out - 1) + KH`` (likewise ``Wr``) are the rows and
    columns some window actually reads; the valid cross-correlation of those
    with the ``(S_h·(H_out-1)+1, S_w·(W_out-1)+1)`` dilated deltas is exactly
    ``KH x KW``. Index form (the same sum as conv2d_backward_naive):

        dw[f, c, m, q] = Σ_n Σ_i Σ_j dout[n, f, i, j] · x_pad[n, c, S·i + m, S·j + q]
    """
    x = as_float_array(x, "x", ndim=4)
    dout = as_float_array(dout, "dout", ndim=4)
    geometry = _geometry(x.shape, kernel_size, stride, pad)
    n_img, n_chan, _, _, kh, kw, sh, sw, ph, pw, h_out, w_out = geometry
    n_filt = dout.shape[1]
    check_shape(dout, "dout", (n_img, n_filt, h_out, w_out))
    x_pad = pad2d(x, (ph, pw))
    h_read, w_read = sh * (h_out - 1) + kh, sw * (w_out - 1) + kw
    dw = np.zeros((n_filt, n_chan, kh, kw), dtype=np.result_type(x, dout))
    for f in range(n_filt):
        for c in range(n_chan):
            for n in range(n_img):
                deltas = dilate(dout[n, f], (sh, sw))  # (S_h*(H_out-1)+1, S_w*(W_out-1)+1)
                dw[f, c] += cross_correlate2d(x_pad[n, c, :h_read, :w_read], deltas, "valid")
    return dw


def input_gradient_by_full_convolution(dout, w, x_shape, stride=1, pad=0):
    """∂E/∂x as full cross-correlations of the dilated deltas with the rotated kernels.

    ``dout (N, F, H_out, W_out)``, ``w (F, C, KH, KW)``, ``x_shape (N, C, H, W)``
    -> ``dx (N, C, H, W)``. Per image ``n`` and input channel ``c``:

        dx_pad[n, c] = Σ_f  cross_correlate2d(dilate(dout[n, f], S), rot180(w[f, c]), "full")

    which has ``S_h·(H_out-1) + KH`` rows (likewise columns); rows of the padded
    input beyond that were never read, so they are filled with zeros; then the
    padding ``P`` is cropped. Index form (the same sum as the scatter-add of
    conv2d_backward_naive), at row ``u`` and column ``v`` of the padded input:

        dx_pad[n, c, u, v] = Σ_f Σ_m Σ_q  dilate(dout[n, f])[u - m, v - q] · w[f, c, m, q]
    """
    dout = as_float_array(dout, "dout", ndim=4)
    w = as_float_array(w, "w", ndim=4)
    geometry = _geometry(x_shape, w.shape[2:], stride, pad)
    n_img, n_chan, h, w_in, kh, kw, sh, sw, ph, pw, h_out, w_out = geometry
    n_filt = w.shape[0]
    if w.shape[1] != n_chan:
        raise ValueError(f"channels differ: x_shape has C={n_chan} but w has shape {w.shape} "
                         f"(C={w.shape[1]})")
    check_shape(dout, "dout", (n_img, n_filt, h_out, w_out))
    dx_pad = np.zeros((n_img, n_chan, h + 2 * ph, w_in + 2 * pw), dtype=np.result_type(dout, w))
    for n in range(n_img):
        for c in range(n_chan):
            for f in range(n_filt):
                deltas = dilate(dout[n, f], (sh, sw))  # (S_h*(H_out-1)+1, S_w*(W_out-1)+1)
                full = cross_correlate2d(deltas, rot180(w[f, c]), "full")  # (S_h*(H_out-1)+KH, ...)
                dx_pad[n, c, :full.shape[0], :full.shape[1]] += full
    return dx_pad[:, :, ph:ph + h, pw:pw + w_in]
