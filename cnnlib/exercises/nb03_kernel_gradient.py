"""Checkers of notebook 03 (the kernel gradient): ∂E/∂w and ∂E/∂b."""
import numpy as np

from .._validate import as_pair
from ..correlate import cross_correlate2d, rot180
from .compare import WrongAnswer, as_answer_array as _as_array, compare_answer
from .references import one_channel_gradients as _one_channel_gradients


def check_kernel_gradient(answer, x, dout, kernel_shape, stride=1):
    """Check ``∂E/∂w (KH, KW)`` of a one-channel layer (no padding) given its input and deltas.

    ``x (H, W)``, ``dout (H_out, W_out)`` the deltas, ``kernel_shape (KH, KW)``:

        ∂E/∂w[m, q] = Σ_i Σ_j δ[i, j] · x[S·i + m, S·j + q]  =  (x ⋆ dilate(δ, S))[m, q]

    Reference: ``cnnlib.conv.conv2d_backward_naive``. Known mistakes recognised:
    the deltas rotated by 180 degrees (eq. 14 read as a cross-correlation), the
    stride ignored (deltas not dilated), the deltas left out (windows just summed).
    """
    x = np.asarray(x, dtype=np.float64)
    dout = np.asarray(dout, dtype=np.float64)
    kh, kw = kernel_shape
    _, expected = _one_channel_gradients(x.shape, np.zeros((kh, kw)), dout, stride, 0, x=x)
    given = _as_array(answer, "kernel gradient")
    undilated = cross_correlate2d(x, dout, "valid")
    if given.shape != expected.shape and given.shape == undilated.shape:
        raise WrongAnswer(f"kernel gradient: wrong shape: expected {expected.shape}, given {given.shape}"
                          f" (the shape of x ⋆ δ without dilation: with stride {stride}, put "
                          f"{stride} - 1 zeros between the deltas first, dilate(δ, {stride}))")
    mistakes = [(_one_channel_gradients(x.shape, np.zeros((kh, kw)), rot180(dout), stride, 0, x=x)[1],
                 "the deltas were rotated by 180 degrees: ∂E/∂w = x ⋆ δ uses δ as it is "
                 "(eq. 14 writes rot180(δ) with * meaning a true convolution; the two flips cancel)."),
                (_one_channel_gradients(x.shape, np.zeros((kh, kw)), np.ones_like(dout), stride, 0, x=x)[1],
                 "the deltas are missing: every input pixel must be multiplied by the delta of its window.")]
    if as_pair(stride, "stride", 1) != (1, 1) and undilated.shape[0] >= kh and undilated.shape[1] >= kw:
        mistakes.append((undilated[:kh, :kw], "the stride was ignored: the deltas must be dilated "
                                              f"(stride {stride} - 1 zeros between them) before correlating."))
    return compare_answer("kernel gradient", given, expected, known_mistakes=mistakes)


def check_bias_gradient(answer, dout):
    """Check ``∂E/∂b[f] = Σ_n Σ_i Σ_j δ[n, f, i, j]`` for deltas ``dout (N, F, H_out, W_out)``: shape ``(F,)``."""
    dout = np.asarray(dout, dtype=np.float64)
    if dout.ndim != 4:
        raise ValueError(f"dout: expected 4 dimensions (N, F, H_out, W_out), got shape {dout.shape}")
    expected = dout.sum(axis=(0, 2, 3))
    mistakes = [(dout.mean(axis=(0, 2, 3)), "that is the mean of the deltas; the bias gradient is their sum "
                                            "(the bias is added to every output, so every delta counts once)."),
                (dout.sum(axis=(2, 3))[0], "only the first image of the batch was summed: sum over n too.")]
    return compare_answer("bias gradient", answer, expected, known_mistakes=mistakes)
