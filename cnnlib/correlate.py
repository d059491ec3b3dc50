"""Single-channel primitives: cross-correlation, convolution, flip, dilate, pad.

Everything here works on one 2-D image ``(H, W)`` and one 2-D kernel ``(KH, KW)``
(``pad2d``, ``rot180`` and ``dilate`` act on the last two axes of any array, so
they also serve the batched layers). These are the operations the article's
equations are written in; ``conv.py`` builds the layer from the same ideas.

Cross-correlation slides the kernel as it is:

    (I ⋆ K)[i, j] = Σ_m Σ_q I[i + m, j + q] · K[m, q]

A true convolution runs the image index backwards:

    (I ∗ K)[i, j] = Σ_m Σ_q I[i - m, j - q] · K[m, q]

A true convolution equals a correlation with rot180(K):
``convolve2d(I, K, mode) == cross_correlate2d(I, rot180(K), mode)``. The two
functions below compute their equations by two different routes on purpose (a
gather of shifted image slices; a scatter of shifted image copies), so that this
identity is a real check.
"""
import numpy as np

from ._validate import as_float_array, as_numeric_array, as_pair

_MODES = ("valid", "full")


def pad2d(a, pad):
    """Zero-pad the last two axes of ``a`` by ``pad`` (int or ``(ph, pw)``) on each side.

    Shapes: ``(..., H, W) -> (..., H + 2*ph, W + 2*pw)``.
    """
    ph, pw = as_pair(pad, "pad", 0)
    a = as_numeric_array(a, "pad2d: a")
    if a.ndim < 2:
        raise ValueError(f"pad2d: expected an array with at least 2 dimensions, got shape {a.shape}")
    widths = [(0, 0)] * (a.ndim - 2) + [(ph, ph), (pw, pw)]
    return np.pad(a, widths)


def rot180(kernel):
    """Rotate the last two axes by 180 degrees: ``rot180(K)[m, q] = K[KH-1-m, KW-1-q]``.

    A rotation by 180 degrees is a flip up-down followed by a flip left-right.
    Shapes: ``(..., KH, KW) -> (..., KH, KW)``.
    """
    kernel = as_numeric_array(kernel, "rot180: kernel")
    if kernel.ndim < 2:
        raise ValueError(f"rot180: expected an array with at least 2 dimensions, got shape {kernel.shape}")
    return kernel[..., ::-1, ::-1].copy()


def dilate(delta, stride):
    """Insert ``stride - 1`` zeros between neighbouring entries of the last two axes.

    ``dilate(d, s)[..., s*i, s*j] = d[..., i, j]`` and every other entry is zero.
    Shapes: ``(..., H, W) -> (..., s_h*(H-1) + 1, s_w*(W-1) + 1)``.
    This turns the deltas of a strided layer into those of a stride-1 layer.
    """
    sh, sw = as_pair(stride, "stride", 1)
    delta = as_numeric_array(delta, "dilate: delta")
    if delta.ndim < 2:
        raise ValueError(f"dilate: expected an array with at least 2 dimensions, got shape {delta.shape}")
    h, w = delta.shape[-2:]
    out = np.zeros(delta.shape[:-2] + (sh * (h - 1) + 1, sw * (w - 1) + 1), dtype=delta.dtype)
    out[..., ::sh, ::sw] = delta
    return out


def _check_pair(image, kernel, mode):
    if mode not in _MODES:
        raise ValueError(f"mode: expected one of {_MODES}, got {mode!r}")
    image = as_float_array(image, "image", ndim=2)
    kernel = as_float_array(kernel, "kernel", ndim=2)
    if mode == "valid" and (kernel.shape[0] > image.shape[0] or kernel.shape[1] > image.shape[1]):
        raise ValueError(f"valid mode: kernel shape {kernel.shape} is larger than image shape {image.shape}")
    return image, kernel


def cross_correlate2d(image, kernel, mode="valid"):
    """Cross-correlation of one image ``(H, W)`` with one kernel ``(KH, KW)`` (article eq. 1).

        out[i, j] = Σ_m Σ_q image[i + m, j + q] · kernel[m, q]

    ``mode="valid"``: only positions where the kernel fits, shape
    ``(H - KH + 1, W - KW + 1)``. ``mode="full"``: every position where kernel
    and image overlap at all: the same sum over ``image_pad``, the image
    zero-padded by ``KH-1`` rows and ``KW-1`` columns on every side,

        out[i, j] = Σ_m Σ_q image_pad[i + m, j + q] · kernel[m, q]
                  = Σ_m Σ_q image[i + m - (KH-1), j + q - (KW-1)] · kernel[m, q]

    (zero outside the image), shape ``(H + KH - 1, W + KW - 1)``.

    Computed as a gather: for each kernel offset ``(m, q)`` add the shifted image
    slice times ``kernel[m, q]``.
    """
    image, kernel = _check_pair(image, kernel, mode)
    kh, kw = kernel.shape
    if mode == "full":
        image = pad2d(image, (kh - 1, kw - 1))
    h_out, w_out = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    out = np.zeros((h_out, w_out), dtype=np.result_type(image, kernel))
    for m in range(kh):
        for q in range(kw):
            out += kernel[m, q] * image[m:m + h_out, q:q + w_out]
    return out


def convolve2d(image, kernel, mode="valid"):
    """True convolution of one image ``(H, W)`` with one kernel ``(KH, KW)`` (article eq. 2).

        out[i, j] = Σ_m Σ_q image[i - m, j - q] · kernel[m, q]

    (zero outside the image). ``mode="full"``: every ``(i, j)`` where a term
    reads a pixel, shape ``(H + KH - 1, W + KW - 1)``; ``mode="valid"``: those
    where every term does, ``KH-1 <= i <= H-1``, shape ``(H - KH + 1, W - KW + 1)``
    (the full result cropped by ``KH-1``, ``KW-1``).

    A true convolution equals a correlation with rot180(kernel):
    ``convolve2d(image, kernel, mode) == cross_correlate2d(image, rot180(kernel), mode)``.
    Here it is computed from eq. 2 as it stands, a scatter: each kernel entry
    ``kernel[m, q]`` adds a copy of the image shifted down by ``m`` and right by ``q``.
    """
    image, kernel = _check_pair(image, kernel, mode)
    kh, kw = kernel.shape
    h, w = image.shape
    full = np.zeros((h + kh - 1, w + kw - 1), dtype=np.result_type(image, kernel))
    for m in range(kh):
        for q in range(kw):
            full[m:m + h, q:q + w] += kernel[m, q] * image
    if mode == "full":
        return full
    return full[kh - 1:h, kw - 1:w]
