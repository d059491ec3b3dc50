"""Checker of notebook 01 (cross-correlation and convolution): the flip."""
import numpy as np

from ..correlate import convolve2d, cross_correlate2d
from .compare import compare_answer


def check_convolution_via_correlation(answer, image, kernel, mode="full"):
    """Check a convolution of ``image (H, W)`` with ``kernel (KH, KW)`` (eq. 2), ``mode`` 'valid' or 'full'.

    The reference is ``cnnlib.correlate.convolve2d`` (computed as a scatter,
    without any flip). Known mistakes recognised: the kernel not flipped (a
    cross-correlation), flipped along one axis only, transposed instead of rotated.
    """
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    expected = convolve2d(image, kernel, mode)
    mistakes = [
        (cross_correlate2d(image, kernel, mode),
         "this is the cross-correlation: the kernel was not rotated by 180 degrees."),
        (cross_correlate2d(image, kernel[::-1, :], mode),
         "the kernel was flipped up-down only; rot180 flips both axes."),
        (cross_correlate2d(image, kernel[:, ::-1], mode),
         "the kernel was flipped left-right only; rot180 flips both axes."),
    ]
    if kernel.shape[0] == kernel.shape[1]:
        mistakes.append((cross_correlate2d(image, kernel.T, mode),
                         "the kernel was transposed; a 180-degree rotation is not a transpose."))
    (h, w), (kh, kw) = image.shape, kernel.shape
    other = (h - kh + 1, w - kw + 1) if mode == "full" else (h + kh - 1, w + kw - 1)
    shape_hints = [(other, f"this is the shape of the {'valid' if mode == 'full' else 'full'} result; "
                           f"mode='{mode}' was asked.")]
    return compare_answer(f"convolution ({mode})", answer, expected, known_mistakes=mistakes,
                          shape_hints=shape_hints)
