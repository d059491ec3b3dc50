"""Notebook 08 §4, pool1_delta(w2, delta_conv2): held-out wrong answers."""
import numpy as np

from cnnlib.correlate import cross_correlate2d, pad2d, rot180

from .registry import wrong

D = "check_pool1_delta"


@wrong(D, bug="the kernel bank is rotated with np.flip(w2) (no axis): that reverses all four axes, "
              "so filter f and channel c are exchanged for F-1-f and C-1-c as well as the kernel "
              "being rotated",
       where="geometries with F > 1 or C > 1; right with one filter and one channel",
       catalogue_keys_ok=())
def np_flip_all_axes(w2, delta_conv2):
    F, C, KH, KW = w2.shape
    _, H, W = delta_conv2.shape
    w_rot = np.flip(w2)
    out = np.zeros((C, H + KH - 1, W + KW - 1))
    for c in range(C):
        for f in range(F):
            out[c] += cross_correlate2d(delta_conv2[f], w_rot[f, c], mode="full")
    return out


@wrong(D, bug="'vectorized' over the filters by summing first: the deltas summed over f, correlated "
              "with the kernels summed over f; a sum of products is not the product of the sums",
       where="geometries with F > 1; right with one filter")
def sum_over_filters_first(w2, delta_conv2):
    F, C, KH, KW = w2.shape
    d = delta_conv2.sum(axis=0)                                  # (H', W')
    return np.stack([cross_correlate2d(d, rot180(w2[:, c].sum(axis=0)), mode="full")
                     for c in range(C)])


@wrong(D, bug="the full correlation is built by hand with pad2d(δ, KH - 1) and a valid correlation: "
              "KH - 1 on both axes, a square kernel assumed",
       where="non-square kernels (wrong width: a wrong shape, or a broadcast error); right on square "
             "kernels",
       catalogue_keys_ok=("square_kernel_assumed",),
       variant="square_kernel_assumed (catalogued for the forward checker)")
def pad_kh_on_both_axes(w2, delta_conv2):
    F, C, KH, KW = w2.shape
    _, H, W = delta_conv2.shape
    out = np.zeros((C, H + KH - 1, W + KW - 1))
    for c in range(C):
        for f in range(F):
            out[c] += cross_correlate2d(pad2d(delta_conv2[f], KH - 1), rot180(w2[f, c]))
    return out


@wrong(D, bug="the output is allocated one too large, (C, H' + KH, W' + KW), and each full result "
              "is added into its top-left corner: the shape is wrong and the last row and column are 0",
       where="every geometry (a shape one larger on both axes)")
def output_one_too_large(w2, delta_conv2):
    F, C, KH, KW = w2.shape
    _, H, W = delta_conv2.shape
    out = np.zeros((C, H + KH, W + KW))
    for c in range(C):
        for f in range(F):
            full = cross_correlate2d(delta_conv2[f], rot180(w2[f, c]), mode="full")
            out[c, :full.shape[0], :full.shape[1]] += full
    return out


@wrong(D, bug="mode='full' forgotten: the valid correlation of the deltas with the rotated kernel, "
              "(H' - KH + 1, W' - KW + 1) instead of (H' + KH - 1, W' + KW - 1); where the kernel is "
              "larger than the deltas, cross_correlate2d raises a ValueError",
       where="every geometry: a wrong shape, or raises where a kernel side exceeds the deltas'",
       catalogue_keys_ok=("wrong_mode", "valid_not_full"),
       variant="valid_not_full (in the checker's catalogue, which reached this branch after the answer "
               "was written)")
def valid_mode(w2, delta_conv2):
    F, C, KH, KW = w2.shape
    out = 0
    for f in range(F):
        out = out + np.stack([cross_correlate2d(delta_conv2[f], rot180(w2[f, c])) for c in range(C)])
    return out
