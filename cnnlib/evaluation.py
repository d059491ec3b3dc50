"""Evaluating a trained network: scores, predicted classes, loss and accuracy, confusion matrix.

``predict_scores(model, x)`` runs the network in batches; ``evaluate`` gives the
mean cross-entropy and the accuracy on labelled images; ``confusion_matrix``
counts, for every true class, what it was predicted as. Labels are checked
against the number of classes (a label of -1 or K is an error, never a count
in a wrong row).
"""
import numpy as np

from ._validate import as_int, as_labels
from .losses import softmax_cross_entropy_forward
from .model import Sequential


def _check_model(model, what):
    if not isinstance(model, Sequential):
        raise ValueError(f"{what}: expected a cnnlib Sequential model, got {type(model).__name__}")
    if len(model.shapes[-1]) != 1:
        raise ValueError(f"{what}: expected a model whose output is K class scores, shape (K,) per image, "
                         f"got {model.shapes[-1]}")
    return model.shapes[-1][0]


def predict_scores(model, x, batch_size=500):
    """The network's scores ``(N, K)`` for images ``x (N, C, H, W)``, in batches."""
    classes = _check_model(model, "predict_scores")
    batch_size = as_int(batch_size, "batch_size", minimum=1)
    x = model._input(x)
    if len(x) == 0:
        return np.empty((0, classes), dtype=model.dtype)
    return np.concatenate([model.forward(x[start:start + batch_size])
                           for start in range(0, len(x), batch_size)])


def predict(model, x, batch_size=500):
    """Predicted classes ``(N,)``: the index of the largest score of each image."""
    return predict_scores(model, x, batch_size).argmax(axis=1)


def evaluate(model, x, y, batch_size=500):
    """``(mean cross-entropy loss, accuracy)`` of ``model`` on images ``x`` with labels ``y``."""
    classes = _check_model(model, "evaluate")
    x = model._input(x)
    if len(x) == 0:
        raise ValueError("evaluate: expected at least one image, got 0 (the mean loss of no images is undefined)")
    y = as_labels(y, "y", count=len(x), classes=classes)
    scores = predict_scores(model, x, batch_size)
    loss, _ = softmax_cross_entropy_forward(scores.astype(np.float64), y)
    return loss, float(np.mean(scores.argmax(axis=1) == y))


def confusion_matrix(y_true, y_pred, classes=10):
    """``counts[t, p]``: how many images of class ``t`` were predicted as ``p``; ``(K, K)``.

    Both label arrays must hold integers in ``0..classes-1`` (a label of -1 or
    ``classes`` is an error, not a count in some row).
    """
    classes = as_int(classes, "classes", minimum=1)
    y_true = as_labels(y_true, "y_true", classes=classes)
    y_pred = np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"confusion_matrix: y_true shape {y_true.shape} differs from y_pred shape {y_pred.shape}")
    y_pred = as_labels(y_pred, "y_pred", count=len(y_true), classes=classes)
    counts = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts
