"""Losses: softmax cross-entropy (for classes) and the article's squared error.

Softmax cross-entropy, averaged over the batch, ``scores (N, K)``, integer
``labels (N,)``:

    p = softmax(scores),  E = -(1/N) Σ_n log p[n, labels[n]]
    ∂E/∂scores = (p - onehot(labels)) / N

Squared error, summed (article eq. 9), ``y`` and ``t`` of the same shape:

    E = 1/2 Σ (t - y)²,   ∂E/∂y = y - t
"""
from typing import NamedTuple

import numpy as np

from ._validate import as_finite_scalar, as_float_array, check_shape


class SoftmaxCache(NamedTuple):
    probs: np.ndarray
    labels: np.ndarray


def softmax(scores):
    """Row-wise softmax of ``(N, K)`` scores, shifted by the row maximum for stability."""
    scores = as_float_array(scores, "scores (N, K)", ndim=2)
    shifted = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def softmax_cross_entropy_forward(scores, labels):
    """Mean cross-entropy of softmax(scores) against integer labels -> ``(loss, cache)``."""
    scores = as_float_array(scores, "scores (N, K)", ndim=2)
    labels = np.asarray(labels)
    if labels.shape != (scores.shape[0],) or labels.dtype.kind not in "iu":
        raise ValueError(f"labels: expected {scores.shape[0]} integer labels, shape ({scores.shape[0]},), "
                         f"got shape {labels.shape} dtype {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= scores.shape[1]):
        raise ValueError(f"labels: expected values in 0..{scores.shape[1] - 1}, "
                         f"got values from {labels.min()} to {labels.max()}")
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(len(labels)), labels].mean()
    return float(loss), SoftmaxCache(np.exp(log_probs), labels)


def softmax_cross_entropy_backward(dloss, cache):
    """``∂E/∂scores = dloss · (p - onehot) / N``; ``dloss`` is usually 1.0."""
    probs, labels = cache
    grad = probs.copy()
    grad[np.arange(len(labels)), labels] -= 1
    return as_finite_scalar(dloss, "dloss") * grad / len(labels)


def squared_error_forward(y, t):
    """``E = 1/2 Σ (t - y)²`` (article eq. 9) -> ``(loss, cache)``."""
    y = as_float_array(y, "y")
    t = as_float_array(t, "t")
    check_shape(t, "t (same shape as y)", y.shape)
    return float(0.5 * np.sum((t - y) ** 2)), (y, t)


def squared_error_backward(dloss, cache):
    """``∂E/∂y = dloss · (y - t)``."""
    y, t = cache
    return as_finite_scalar(dloss, "dloss") * (y - t)
