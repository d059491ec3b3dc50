"""Notebook 01's "check yourself": the full convolution of A with B from cross_correlate2d and
rot180, right and with each typical flip mistake, on the notebook's own data (A, B, mode)."""
import numpy as np

from cnnlib.correlate import convolve2d, cross_correlate2d, rot180
from cnnlib.exercises.nb01_flip import TWINS, check_convolution_via_correlation, flip_exercise_data

from . import Entry

A, B, MODE = flip_exercise_data()


def check(answer):
    return check_convolution_via_correlation(answer, A, B, mode=MODE)


RIGHT = cross_correlate2d(A, rot180(B), mode="full")

MUTANTS = {
    "forgot_flip": cross_correlate2d(A, B, mode="full"),
    "flipped_twice": cross_correlate2d(A, rot180(rot180(B)), mode="full"),
    "flipped_up_down_only": cross_correlate2d(A, np.flipud(B), mode="full"),
    "flipped_left_right_only": cross_correlate2d(A, np.fliplr(B), mode="full"),
    "transposed_not_rotated": cross_correlate2d(A, B.T, mode="full"),
    "rotated_90_degrees": cross_correlate2d(A, np.rot90(B), mode="full"),
    "image_rotated": cross_correlate2d(rot180(A), B, mode="full"),
    "wrong_mode": cross_correlate2d(A, rot180(B), mode="valid"),
}

OTHER_WAYS = {  # the same mistakes, written another way
    "flipped_twice": convolve2d(A, rot180(B), mode="full"),        # = a correlation with rot180(rot180(B))
    "rotated_90_degrees": cross_correlate2d(A, np.rot90(B, 3), mode="full"),
    "image_rotated": cross_correlate2d(rot180(B), A, mode="full"),  # the arguments swapped
    "wrong_mode": convolve2d(A, B, mode="valid"),
}

TWIN_GROUPS = tuple(frozenset(t) for t in TWINS)

ENTRIES = [
    Entry("check_convolution_via_correlation", check, RIGHT, MUTANTS, TWIN_GROUPS),
    Entry("check_convolution_via_correlation", check, convolve2d(A, B, mode="full"), OTHER_WAYS, TWIN_GROUPS),
]
