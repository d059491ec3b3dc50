"""Checkers of notebook 04 (the input gradient): ∂E/∂x."""
import numpy as np

from .._validate import as_pair
from ..correlate import rot180
from .compare import WrongAnswer, as_answer_array as _as_array, compare_answer
from .references import one_channel_gradients as _one_channel_gradients


def check_input_gradient(answer, dout, kernel, x_shape, stride=1, pad=0):
    """Check ``∂E/∂x (H, W)`` of a one-channel layer given its deltas and kernel.

    ``dout (H_out, W_out)``, ``kernel (KH, KW)``, ``x_shape (H, W)``:

        ∂E/∂x_pad = full(dilate(δ, S) ⋆ rot180(w)), zero rows/columns appended where no
        window reads, then the padding P cropped.

    Reference: ``cnnlib.conv.conv2d_backward_naive``. Known mistakes recognised:
    the kernel not rotated, the deltas not dilated, the padding not cropped,
    the unread last rows/columns not appended.
    """
    dout = np.asarray(dout, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    h, w_in = x_shape
    sh, sw = as_pair(stride, "stride", 1)
    ph, pw = as_pair(pad, "pad", 0)
    expected, _ = _one_channel_gradients((h, w_in), kernel, dout, stride, pad)
    given = _as_array(answer, "input gradient")
    kh, kw = kernel.shape
    shape_hints = [
        ((h + 2 * ph, w_in + 2 * pw), "the padding was not cropped: drop P rows/columns on every side."),
        ((dout.shape[0] + kh - 1, dout.shape[1] + kw - 1),
         f"the deltas were not dilated: with stride {stride}, put stride - 1 zeros between them first."),
        ((sh * (dout.shape[0] - 1) + kh - 2 * ph, sw * (dout.shape[1] - 1) + kw - 2 * pw),
         "the rows/columns that no window reads are missing: append zeros for them (their gradient is 0)."),
        ((sh * (dout.shape[0] - 1) + kh, sw * (dout.shape[1] - 1) + kw),
         "this is the full result before cropping: append zero rows/columns no window reads, then crop P."),
    ]
    if given.shape != expected.shape:
        for shape, hint in shape_hints:
            if given.shape == shape:
                raise WrongAnswer(f"input gradient: wrong shape: expected {expected.shape}, "
                                  f"given {given.shape} ({hint})")
    mistakes = [(_one_channel_gradients((h, w_in), rot180(kernel), dout, stride, pad)[0],
                 "the kernel was not rotated: ∂E/∂x is the full cross-correlation of the deltas with "
                 "rot180(w) (or the full convolution with w itself), not with w.")]
    return compare_answer("input gradient", given, expected, known_mistakes=mistakes)
