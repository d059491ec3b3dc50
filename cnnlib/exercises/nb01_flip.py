"""Checker of notebook 01 (cross-correlation and convolution): a convolution computed with
``cross_correlate2d`` and ``rot180``, the notebook's exercise data, and the catalogue of the
typical flip mistakes it names."""
import numpy as np

from ..correlate import convolve2d, cross_correlate2d, rot180
from .compare import Mistake, compare_answer
from .result import checker

FORGOT_FLIP = Mistake("forgot_flip", "this is the cross-correlation: the kernel was not rotated by 180 "
                      "degrees (rot180).")
FLIPPED_TWICE = Mistake("flipped_twice", "the kernel was turned by 180 degrees twice: rot180(rot180(B)), or "
                        "convolve2d with rot180(B) (a true convolution turns its kernel once itself). Two turns "
                        "cancel.")
UP_DOWN_ONLY = Mistake("flipped_up_down_only", "the kernel was flipped up-down only (B[::-1, :]): rot180 "
                       "reverses the rows *and* the columns.")
LEFT_RIGHT_ONLY = Mistake("flipped_left_right_only", "the kernel was flipped left-right only (B[:, ::-1]): "
                          "rot180 reverses the rows *and* the columns.")
TRANSPOSED = Mistake("transposed_not_rotated", "the kernel was transposed (B.T): a 180-degree rotation is "
                     "not a transpose; rot180(B)[m, q] = B[KH-1-m, KW-1-q].")
ROTATED_90 = Mistake("rotated_90_degrees", "the kernel was turned by 90 degrees (np.rot90(B)): the flip is "
                     "a turn by 180 degrees, np.rot90(B, 2) or rot180(B).")
IMAGE_ROTATED = Mistake("image_rotated", "this is the right result turned by 180 degrees: the image was "
                        "rotated instead of the kernel, or the image and the kernel changed places.")
WRONG_MODE = Mistake("wrong_mode", "this is the other mode: 'full' keeps every position where kernel and "
                     "image overlap at all, (H + KH - 1) x (W + KW - 1); 'valid' only those where the kernel "
                     "lies inside the image, (H - KH + 1) x (W - KW + 1). Use the mode that was asked.")
FLIP_MISTAKES = [FORGOT_FLIP, FLIPPED_TWICE, UP_DOWN_ONLY, LEFT_RIGHT_ONLY, TRANSPOSED, ROTATED_90,
                 IMAGE_ROTATED, WRONG_MODE]
TWINS = [{FORGOT_FLIP.key, FLIPPED_TWICE.key}]  # rot180(rot180(B)) == B: the same numbers, always


def flip_exercise_data():
    """Notebook 01's exercise: ``(A, B, mode)``, the full convolution of a 4x5 image with a 3x3
    kernel that no flip, transpose or turn leaves unchanged, so every mistake of
    ``FLIP_MISTAKES`` but the twins gives numbers of its own (the tests prove it)."""
    A = np.array([[2, 0, 1, 3, 1],
                  [1, 4, 0, 0, 2],
                  [0, 1, 2, 1, 0],
                  [3, 0, 1, 0, 1]], dtype=float)   # 4x5 image
    B = np.array([[1, 0, -1],
                  [2, 1, 0],
                  [0, 3, 1]], dtype=float)         # 3x3 kernel, not symmetric
    return A, B, "full"


def flip_mistakes(image, kernel, mode):
    """``[(wrong answer, Mistake)]``: what each typical mistake computes for this exercise."""
    other = "valid" if mode == "full" else "full"
    found = [(cross_correlate2d(image, kernel, mode), FORGOT_FLIP),
             (cross_correlate2d(image, rot180(rot180(kernel)), mode), FLIPPED_TWICE),
             (cross_correlate2d(image, kernel[::-1, :], mode), UP_DOWN_ONLY),
             (cross_correlate2d(image, kernel[:, ::-1], mode), LEFT_RIGHT_ONLY),
             (rot180(convolve2d(image, kernel, mode)), IMAGE_ROTATED)]
    if mode == "full" or (image.shape[0] >= kernel.shape[0] and image.shape[1] >= kernel.shape[1]):
        found.append((convolve2d(image, kernel, other), WRONG_MODE))
    if kernel.shape[0] == kernel.shape[1]:
        found += [(cross_correlate2d(image, kernel.T, mode), TRANSPOSED),
                  (cross_correlate2d(image, np.rot90(kernel, 1), mode), ROTATED_90),
                  (cross_correlate2d(image, np.rot90(kernel, -1), mode), ROTATED_90)]
    return found


@checker
def check_convolution_via_correlation(answer, image, kernel, mode="full"):
    """Check a convolution of ``image (H, W)`` with ``kernel (KH, KW)`` (eq. 2), ``mode`` 'valid' or 'full'.

        (I * K)[i, j] = Σ_m Σ_q I[i - m, j - q] · K[m, q]

    The reference is ``cnnlib.correlate.convolve2d`` (computed as a scatter,
    without any flip). Names every mistake of ``FLIP_MISTAKES`` that gives the
    answer (the twins forgot_flip and flipped_twice together). ``None`` prints
    "not answered yet".
    """
    if mode not in ("valid", "full"):
        raise ValueError(f"mode: expected 'valid' or 'full', got {mode!r}")
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    expected = convolve2d(image, kernel, mode)
    (h, w), (kh, kw) = image.shape, kernel.shape
    other = (h - kh + 1, w - kw + 1) if mode == "full" else (h + kh - 1, w + kw - 1)
    shape_hints = [(other, f"this is the shape of the {'valid' if mode == 'full' else 'full'} result; "
                           f"mode='{mode}' was asked.")]
    return compare_answer(f"convolution ({mode})", answer, expected, letters="i j",
                          known_mistakes=flip_mistakes(image, kernel, mode), shape_hints=shape_hints)


CATALOGUE = {"check_convolution_via_correlation": FLIP_MISTAKES}

HINTS = {"check_convolution_via_correlation": (
    "Section 4 of notebook 01 writes a convolution as a cross-correlation: with which kernel?",
    r"Section 4's identity holds mode by mode: the full convolution $A * B$ is the full cross-correlation of "
    r"$A$ with $B$ turned by 180 degrees, once.",
)}
