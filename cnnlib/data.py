"""Data: the small worked example the course follows.

``teaching_example`` is the layer of the seeds' question: a 7x7 input, 3x3
kernels, stride 2, no padding, so a 3x3 output, with small integers so a
learner can follow every sum by hand.
"""
from typing import NamedTuple

import numpy as np


class TeachingExample(NamedTuple):
    x: np.ndarray      # (1, C, 7, 7)
    w: np.ndarray      # (F, C, 3, 3)
    b: np.ndarray      # (F,)
    dout: np.ndarray   # (1, F, 3, 3), the deltas arriving from the layer above
    stride: int
    pad: int


def teaching_example(channels=1, filters=1, seed=0):
    """The 7x7 input, 3x3 kernel, stride-2 example, as float64 arrays of small integers.

    Inputs are integers 0..9, weights and deltas integers -2..2, biases 0..2,
    drawn from ``np.random.default_rng(seed)``, so the same seed always gives
    the same numbers.
    """
    if channels < 1 or filters < 1:
        raise ValueError(f"expected channels >= 1 and filters >= 1, got channels={channels}, filters={filters}")
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 10, size=(1, channels, 7, 7)).astype(np.float64)
    w = rng.integers(-2, 3, size=(filters, channels, 3, 3)).astype(np.float64)
    b = rng.integers(0, 3, size=(filters,)).astype(np.float64)
    dout = rng.integers(-2, 3, size=(1, filters, 3, 3)).astype(np.float64)
    return TeachingExample(x, w, b, dout, 2, 0)
