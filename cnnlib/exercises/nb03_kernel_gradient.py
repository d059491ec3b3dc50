"""Checkers of notebook 03 (the kernel gradient): ∂E/∂w and ∂E/∂b.

- ``check_kernel_gradient``: "Check yourself", ∂E/∂w of a one-channel layer computed with
  the primitives, on ``kernel_gradient_exercise_data()`` in the notebook;
- ``check_bias_gradient``: "Check yourself", ∂E/∂b of a batch of deltas, on
  ``bias_gradient_exercise_data()`` in the notebook;
- ``check_kernel_and_bias_gradient``: "Your turn", the learner's whole backward pass for
  dw and db as loops (``nb03_kernel_and_bias_gradient``).

Each wrong answer a typical mistake gives is computed here from cnnlib's loop reference on
altered inputs; the message names every mistake whose answer equals the given one.
"""
import numpy as np

from .._validate import as_pair
from ..correlate import cross_correlate2d, dilate, rot180
from .compare import Mistake, as_answer_array, compare_answer, not_answered, unanswered
from .result import CheckResult, checker
from .nb03_kernel_and_bias_gradient import KERNEL_AND_BIAS_MISTAKES, check_kernel_and_bias_gradient
from .references import one_channel_gradients as _one_channel_gradients


def kernel_gradient_exercise_data():
    """The data of notebook 03's "Check yourself" 1: ``(x (6, 6), δ (3, 3), (KH, KW) = (2, 2), S = 2)``.

    A one-channel layer with a 2x2 kernel and stride 2: the windows do not overlap."""
    rng = np.random.default_rng(2024)
    x = rng.integers(0, 10, size=(6, 6)).astype(float)      # input (6, 6)
    dout = rng.integers(-2, 3, size=(3, 3)).astype(float)   # deltas (3, 3)
    return x, dout, (2, 2), 2


def bias_gradient_exercise_data():
    """The data of notebook 03's "Check yourself" 2: deltas ``(N, F, H_out, W_out) = (2, 3, 3, 3)``:
    a batch of two images through a layer with three filters."""
    rng = np.random.default_rng(2026)
    return rng.integers(-2, 3, size=(2, 3, 3, 3)).astype(float)


# ----------------------------------------------------- check yourself 1: ∂E/∂w, one channel

DELTAS_ROTATED = Mistake(
    "deltas_rotated", "the deltas were rotated by 180 degrees (or convolve2d was used, which flips "
    "its kernel): ∂E/∂w = x ⋆ δ uses δ as it is (eq. 14 writes rot180(δ) with * meaning a true "
    "convolution; the two flips cancel).")
DELTAS_MISSING = Mistake(
    "deltas_missing", "the deltas are missing: every input pixel must be multiplied by the delta of "
    "its window (dilate δ itself, not an array of ones).")
STRIDE_IGNORED = Mistake(
    "stride_ignored", "the stride was ignored: the deltas must be dilated first (stride - 1 zeros "
    "between them, dilate(δ, S)); then x ⋆ dilate(δ, S) is exactly KH x KW.")

DILATED_WITH_S_MINUS_1 = Mistake(
    "dilated_with_S_minus_1", "dilate(δ, S - 1) was called: dilate's second argument is the stride S "
    "itself, and it puts the S - 1 zeros in, so call dilate(δ, S) (with S = 2, dilate(δ, 1) leaves δ "
    "as it is).")
RESULT_SUBSAMPLED = Mistake(
    "result_subsampled", "the result was subsampled, as the forward pass subsamples its outputs: "
    "backward, the stride goes into the deltas instead. Dilate them first (S - 1 zeros between "
    "neighbours), then correlate: x ⋆ dilate(δ, S) (section 8).")
RESULT_ROTATED = Mistake(
    "result_rotated", "the result was rotated by 180 degrees: rot180(x ⋆ dilate(δ, S)) is the kernel "
    "gradient of a layer whose forward pass is a true convolution (01's flip table). This layer's "
    "forward pass is a cross-correlation, so ∂E/∂w = x ⋆ dilate(δ, S), nothing rotated (section 6).")

KERNEL_GRADIENT_MISTAKES = [DELTAS_ROTATED, DELTAS_MISSING, STRIDE_IGNORED, DILATED_WITH_S_MINUS_1,
                            RESULT_SUBSAMPLED, RESULT_ROTATED]


@checker
def check_kernel_gradient(answer, x, dout, kernel_shape, stride=1):
    """Check ``∂E/∂w (KH, KW)`` of a one-channel layer (no padding) given its input and deltas.

    ``x (H, W)``, ``dout (H_out, W_out)`` the deltas, ``kernel_shape (KH, KW)``:

        ∂E/∂w[m, q] = Σ_i Σ_j δ[i, j] · x[S·i + m, S·j + q]  =  (x ⋆ dilate(δ, S))[m, q]

    Reference: ``cnnlib.conv.conv2d_backward_naive``. Mistakes named (``KERNEL_GRADIENT_MISTAKES``):
    the deltas rotated by 180 degrees (eq. 14 read as a cross-correlation), the deltas left out
    (windows just summed), the stride ignored (deltas not dilated: the (H - H_out + 1)-wide
    result, or its first KH x KW block), ``dilate(δ, S - 1)`` (with S = 2 the same numbers as
    the stride ignored: both named), the result subsampled like a forward pass
    (``(x ⋆ δ)[::S, ::S]``), the result rotated (the true-convolution row of 01's flip table).
    """
    if not_answered(answer):
        return unanswered("kernel gradient")
    x = np.asarray(x, dtype=np.float64)
    dout = np.asarray(dout, dtype=np.float64)
    kh, kw = kernel_shape
    zeros = np.zeros((kh, kw))

    def dw(deltas):
        return _one_channel_gradients(x.shape, zeros, deltas, stride, 0, x=x)[1]

    expected = dw(dout)
    given = as_answer_array(answer, "kernel gradient")
    undilated = cross_correlate2d(x, dout, "valid")  # (H - H_out + 1, W - W_out + 1)
    mistakes = [(dw(rot180(dout)), DELTAS_ROTATED), (dw(np.ones_like(dout)), DELTAS_MISSING),
                (rot180(expected), RESULT_ROTATED)]
    sh, sw = as_pair(stride, "stride", 1)
    if (sh, sw) != (1, 1):
        mistakes.append((undilated, STRIDE_IGNORED))
        if undilated.shape[0] >= kh and undilated.shape[1] >= kw:
            mistakes.append((undilated[:kh, :kw], STRIDE_IGNORED))
        mistakes.append((undilated[::sh, ::sw], RESULT_SUBSAMPLED))
    if sh > 1 and sw > 1:  # dilate(δ, S - 1) refuses a stride 0
        short = cross_correlate2d(x, dilate(dout, (sh - 1, sw - 1)), "valid")
        mistakes += [(short, DILATED_WITH_S_MINUS_1)]
        if short.shape[0] >= kh and short.shape[1] >= kw:
            mistakes.append((short[:kh, :kw], DILATED_WITH_S_MINUS_1))
    shape_hints = [(undilated.shape, f"that is the shape of x ⋆ δ without dilation: with stride {stride}, "
                                     f"put {stride} - 1 zeros between the deltas first, dilate(δ, {stride}).")]
    return compare_answer("kernel gradient", given, expected, known_mistakes=mistakes,
                          letters="m q", shape_hints=shape_hints)


# ---------------------------------------------------------- check yourself 2: ∂E/∂b, a batch

DB_MEAN = Mistake(
    "db_mean", "that is the mean of the deltas; the bias gradient is their sum (the bias is added "
    "to every output, so every delta counts once).")
DB_MEAN_OVER_BATCH = Mistake(
    "db_mean_over_batch", "the batch was averaged (summed over i, j, then the mean over the images): "
    "the batch's loss is the sum of the images' losses, so every image's deltas add to the same bias; "
    "a mean's 1/N is already inside δ (section 9).")
DB_NOT_SUMMED_OVER_BATCH = Mistake(
    "db_not_summed_over_batch", "the batch was not summed: every image's deltas add to the same "
    "bias, so sum over the images n as well as the positions i, j.")
DB_NOT_SUMMED_OVER_IJ = Mistake(
    "db_not_summed_over_ij", "the deltas were not summed over the positions i, j: the bias is added "
    "at every output position, so sum over i and j (and over the images n), leaving one number per filter.")
DB_SUMMED_OVER_FILTERS = Mistake(
    "db_summed_over_filters", "the filters were summed together: each filter f has its own bias, "
    "so ∂E/∂b has shape (F,): keep the filters apart and sum over n, i, j only.")

BIAS_GRADIENT_MISTAKES = [DB_MEAN, DB_MEAN_OVER_BATCH, DB_NOT_SUMMED_OVER_BATCH, DB_NOT_SUMMED_OVER_IJ, DB_SUMMED_OVER_FILTERS]


@checker
def check_bias_gradient(answer, dout):
    """Check ``∂E/∂b[f] = Σ_n Σ_i Σ_j δ[n, f, i, j]`` for deltas ``dout (N, F, H_out, W_out)``: shape ``(F,)``.

    With one filter (F = 1) a single number is accepted too (it is said that cnnlib's
    ``db`` has shape ``(1,)``). Mistakes named (``BIAS_GRADIENT_MISTAKES``): the mean instead
    of the sum, the batch averaged (the sum over i, j, then the mean over n), the batch not
    summed (image 0 only, or one row per image), the positions not summed, the filters summed
    together. No hint spells out the axes to sum.
    """
    if not_answered(answer):
        return unanswered("bias gradient")
    dout = np.asarray(dout, dtype=np.float64)
    if dout.ndim != 4:
        raise ValueError(f"dout: expected 4 dimensions (N, F, H_out, W_out), got shape {dout.shape}")
    expected = dout.sum(axis=(0, 2, 3))  # (F,)
    given = as_answer_array(answer, "bias gradient")
    one_number = given.ndim == 0 and expected.shape == (1,)
    if one_number:  # one filter: a number is the same answer as an array of one
        given = given.reshape(1)
    mistakes = [(dout.mean(axis=(0, 2, 3)), DB_MEAN), (dout.mean(axis=(2, 3)).sum(axis=0), DB_MEAN),
                (dout.sum(axis=(2, 3)).mean(axis=0), DB_MEAN_OVER_BATCH),
                (dout[0].sum(axis=(1, 2)), DB_NOT_SUMMED_OVER_BATCH),
                (dout.sum(axis=(2, 3)), DB_NOT_SUMMED_OVER_BATCH),
                (dout.sum(axis=0), DB_NOT_SUMMED_OVER_IJ),
                (dout.sum(axis=(0, 1)), DB_NOT_SUMMED_OVER_IJ)]
    if expected.shape != (1,):  # with one filter, summing over the filters changes nothing
        mistakes += [(dout.sum(), DB_SUMMED_OVER_FILTERS),
                     (dout.sum(axis=(1, 2, 3)), DB_SUMMED_OVER_FILTERS)]
    shape_hints = [((), f"a single number: the layer has F = {expected.shape[0]} filters, each with "
                        f"its own bias, so ∂E/∂b has shape ({expected.shape[0]},).")]
    result = compare_answer("bias gradient", given, expected, known_mistakes=mistakes, letters="f",
                            shape_hints=shape_hints)
    if one_number and result.correct:
        return CheckResult.passed("Correct: bias gradient matches the reference (one filter, so one number; "
                                  "cnnlib's conv2d_backward returns it as an array of shape (F,) = (1,)).")
    return result


CATALOGUE = {"check_kernel_gradient": KERNEL_GRADIENT_MISTAKES,
             "check_bias_gradient": BIAS_GRADIENT_MISTAKES,
             "check_kernel_and_bias_gradient": KERNEL_AND_BIAS_MISTAKES}

HINTS = {
    "check_kernel_gradient": (
        "Section 8: a stride-$S$ layer is a stride-1 layer followed by subsampling, so its kernel "
        "gradient is section 6's rule applied to other deltas.",
        "Which deltas does the stride-1 layer receive? Put $S - 1$ zeros between neighbouring deltas "
        "(`dilate` takes the stride $S$ itself): the 3×3 deltas become 5×5, and a valid correlation of "
        "the 6×6 input with a 5×5 array is 2×2, one entry per weight.",
        "The deltas play the kernel and slide over the input, as they are (section 6: no rotation): "
        "correlate $x$ with the dilated deltas.",
    ),
    "check_bias_gradient": (
        "Sections 7 and 9: $b[f]$ is added to every output of filter $f$, in every image.",
        "So every delta of filter $f$ counts once, with weight 1: add them over the images $n$ and the "
        "positions $i, j$, but keep the filters apart.",
        "The deltas' axes are $(n, f, i, j)$. $b[f]$ does not depend on which image or position: "
        "sum over the axes of those, keep $f$; the answer has shape $(F,)$.",
    ),
    "check_kernel_and_bias_gradient": (
        "Section 9 derived both sums; sections 3-5 and 8 say what each index does. Each output "
        "$(n, f, i, j)$ read one window of $x_{\\text{pad}}$ with the filter $w[f]$.",
        "Pad $x$ on its last two axes only. Output $(n, f, i, j)$'s window starts at row $S i$, column "
        "$S j$ of $x_{\\text{pad}}$ and spans all $C$ channels, $K_H$ rows and $K_W$ columns. Its delta "
        "times that window belongs to `dw[f]`; the delta itself to `db[f]`.",
        "Loops: `dw = np.zeros(w_shape)` and `db = np.zeros(F)`; for `n, f, i, j` over `dout`'s shape, "
        "add `dout[n, f, i, j]` times the window `x_pad[n, :, S·i : S·i + KH, S·j : S·j + KW]` to `dw[f]` "
        "and `dout[n, f, i, j]` to `db[f]`, always with `+=`.",
    ),
}

__all__ = ["kernel_gradient_exercise_data", "bias_gradient_exercise_data", "check_kernel_gradient",
           "check_bias_gradient", "check_kernel_and_bias_gradient", "CATALOGUE", "HINTS"]
