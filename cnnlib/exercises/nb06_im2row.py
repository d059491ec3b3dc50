"""Checkers of notebook 06 (im2row): the backward pass as matrix products."""
import numpy as np

from .._validate import as_pair
from ..conv import conv2d_backward_naive, conv2d_forward_naive, conv_output_shape
from ..im2row import im2row, row2im
from .compare import compare_answer


def row2im_overwrite(rows, x_shape, KH, KW, stride=1, pad=0):
    """WRONG ON PURPOSE: ``row2im`` that writes (``=``) where it must add (``+=``).

    Same signature and shapes as ``cnnlib.im2row.row2im``:
    ``rows (N*H_out*W_out, C*KH*KW) -> (N, C, H, W)``. Each row is written onto
    its receptive field, window after window in row order, so where windows
    overlap only the last one's value survives:

        out_pad[n, c, S·i + m, S·j + q] = rows[(n*H_out + i)*W_out + j, (c*KH + m)*KW + q]

    This is the typical bug of a hand-written col2im. It is not the adjoint of
    ``im2row`` (the dot-product test fails), and the input gradient it gives is
    wrong at every pixel that lies in more than one window. Notebook 06 shows
    it failing; the exercise checkers recognise its result.
    """
    n_img, n_ch, h, w_in = x_shape
    _, _, h_out, w_out = conv_output_shape(tuple(x_shape), (1, n_ch, KH, KW), stride, pad)
    (sh, sw), (ph, pw) = as_pair(stride, "stride", 1), as_pair(pad, "pad", 0)
    rows = np.asarray(rows, dtype=np.float64)
    expected = (n_img * h_out * w_out, n_ch * KH * KW)
    if rows.shape != expected:
        raise ValueError(f"rows: expected shape {expected} (N*H_out*W_out, C*KH*KW), got {rows.shape}")
    out = np.zeros((n_img, n_ch, h + 2 * ph, w_in + 2 * pw))
    for r in range(rows.shape[0]):
        n, rest = divmod(r, h_out * w_out)
        i, j = divmod(rest, w_out)
        out[n, :, sh * i:sh * i + KH, sw * j:sw * j + KW] = rows[r].reshape(n_ch, KH, KW)  # the bug: = not +=
    return out[:, :, ph:ph + h, pw:pw + w_in]


def check_conv_backward_matrices(dw, dx, x, w, dout, stride=1, pad=0):
    """Check ``∂E/∂w`` and ``∂E/∂x`` of a conv layer computed with im2row matrices.

    ``x (N, C, H, W)``, ``w (F, C, KH, KW)``, ``dout (N, F, H_out, W_out)``:

        R     = im2row(x)                              (N*H_out*W_out, C*KH*KW)
        ΔY    = dout with the filter axis last          (N*H_out*W_out, F)
        W_col = w.reshape(F, -1).T                      (C*KH*KW, F)
        ∂E/∂w = (Rᵀ ΔY)ᵀ reshaped to w's shape           (F, C, KH, KW)
        ∂E/∂x = row2im(ΔY W_colᵀ)                       (N, C, H, W)

    Reference: ``cnnlib.conv.conv2d_backward_naive`` (the loops). Known mistakes
    recognised: ``ΔY = dout.reshape(-1, F)`` without moving the filter axis
    last; ``Rᵀ ΔY`` reshaped to w's shape without transposing it; a row2im that
    overwrites instead of adding. Returns True when both are right.
    """
    x, w, dout = (np.asarray(v, dtype=np.float64) for v in (x, w, dout))
    n_filt, _, kh, kw = w.shape
    _, cache = conv2d_forward_naive(x, w, np.zeros(n_filt), stride, pad)
    dx_ref, dw_ref, _ = conv2d_backward_naive(dout, cache)

    rows = im2row(x, kh, kw, stride, pad)  # (N*H_out*W_out, C*KH*KW)
    w_col = w.reshape(n_filt, -1).T  # (C*KH*KW, F)
    d_y = dout.transpose(0, 2, 3, 1).reshape(-1, n_filt)  # (N*H_out*W_out, F)
    d_y_bad = dout.reshape(-1, n_filt)  # (N*H_out*W_out, F), but the entries in the wrong places
    layout = ("the deltas were laid out with dout.reshape(-1, F): move the filter axis last "
              "first, dout.transpose(0, 2, 3, 1).reshape(-1, F), so that row r holds the "
              "F deltas of output position r.")
    dw_mistakes = [((rows.T @ d_y_bad).T.reshape(w.shape), layout),
                   ((rows.T @ d_y).reshape(w.shape),
                    "Rᵀ ΔY has shape (C*KH*KW, F): transpose it to (F, C*KH*KW) before reshaping "
                    "to (F, C, KH, KW).")]
    dx_mistakes = [(row2im(d_y_bad @ w_col.T, x.shape, kh, kw, stride, pad), layout),
                   (row2im_overwrite(d_y @ w_col.T, x.shape, kh, kw, stride, pad),
                    "row2im overwrote where windows overlap: it must add (+=) every row's share, "
                    "the adjoint of im2row.")]
    ok_w = compare_answer("∂E/∂w", dw, dw_ref, known_mistakes=dw_mistakes)
    ok_x = compare_answer("∂E/∂x", dx, dx_ref, known_mistakes=dx_mistakes)
    return ok_w and ok_x
