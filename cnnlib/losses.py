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

from ._validate import as_finite_scalar, as_float_array, as_labels, check_cache, check_shape, frozen_copy


class SoftmaxCache(NamedTuple):
    """What ``softmax_cross_entropy_forward`` keeps: the probabilities and a copy of the labels."""
    probs: np.ndarray
    labels: np.ndarray


def _scores(scores):
    scores = as_float_array(scores, "scores (N, K)", ndim=2)
    if scores.shape[1] == 0:
        raise ValueError(f"scores (N, K): expected at least one class (K >= 1), got shape {scores.shape}")
    return scores


def softmax(scores):
    """Row-wise softmax of ``(N, K)`` scores, shifted by the row maximum for stability."""
    scores = _scores(scores)
    shifted = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def softmax_cross_entropy_forward(scores, labels):
    """Mean cross-entropy of softmax(scores) against integer labels -> ``(loss, cache)``.

    ``scores (N, K)`` with ``N >= 1`` (the mean of an empty batch is undefined),
    ``labels (N,)`` integers in ``0..K-1``.
    """
    scores = _scores(scores)
    if scores.shape[0] == 0:
        raise ValueError(f"scores (N, K): expected at least one row (N >= 1: the mean loss of an "
                         f"empty batch is undefined), got shape {scores.shape}")
    labels = as_labels(labels, "labels", count=scores.shape[0], classes=scores.shape[1])
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(len(labels)), labels].mean()
    return float(loss), SoftmaxCache(np.exp(log_probs), frozen_copy(labels))


def softmax_cross_entropy_backward(dloss, cache):
    """``∂E/∂scores = dloss · (p - onehot) / N``; ``dloss`` is usually 1.0."""
    probs, labels = check_cache(cache, SoftmaxCache, "softmax_cross_entropy_forward")
    dloss = as_finite_scalar(dloss, "dloss")
    grad = probs.copy()
    grad[np.arange(len(labels)), labels] -= 1
    return dloss * grad / len(labels)


class SquaredErrorCache(NamedTuple):
    """What ``squared_error_forward`` keeps: read-only copies of ``y`` and ``t``."""
    y: np.ndarray
    t: np.ndarray


def squared_error_forward(y, t):
    """``E = 1/2 Σ (t - y)²`` (article eq. 9) -> ``(loss, cache)``."""
    y = as_float_array(y, "y")
    t = as_float_array(t, "t")
    check_shape(t, "t (same shape as y)", y.shape)
    return float(0.5 * np.sum((t - y) ** 2)), SquaredErrorCache(frozen_copy(y), frozen_copy(t))


def squared_error_backward(dloss, cache):
    """``∂E/∂y = dloss · (y - t)``."""
    y, t = check_cache(cache, SquaredErrorCache, "squared_error_forward")
    return as_finite_scalar(dloss, "dloss") * (y - t)
