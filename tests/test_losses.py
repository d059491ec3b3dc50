"""Softmax cross-entropy and the article's squared error."""
import numpy as np
import pytest

from cnnlib.gradcheck import check_close, numerical_gradient
from cnnlib.losses import (softmax, softmax_cross_entropy_backward, softmax_cross_entropy_forward,
                           squared_error_backward, squared_error_forward)


def test_softmax_rows_are_probabilities_and_stable():
    scores = np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, -1000.0]])
    p = softmax(scores)
    assert np.all(np.isfinite(p)) and np.allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    check_close("row 0", p[0], np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum(), 1e-15)
    check_close("row 1", p[1], np.array([0.5, 0.5, 0.0]), 1e-15)
    check_close("shift invariance", softmax(scores + 7.0), p, 1e-15)


def test_cross_entropy_value():
    scores = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]])
    labels = np.array([0, 1])
    loss, _ = softmax_cross_entropy_forward(scores, labels)
    expected = -np.mean([np.log(np.exp(2.0) / np.exp([2.0, 1.0, 0.1]).sum()),
                         np.log(np.exp(2.5) / np.exp([0.5, 2.5, 0.3]).sum())])
    assert isinstance(loss, float) and abs(loss - expected) < 1e-14
    loss, _ = softmax_cross_entropy_forward(np.zeros((3, 4)), np.array([0, 1, 3]))
    assert abs(loss - np.log(4)) < 1e-14  # uniform guess over 4 classes


@pytest.mark.parametrize("n, k", [(1, 2), (4, 5), (8, 10)])
def test_cross_entropy_gradient_matches_finite_differences(n, k, grad_check, unchanged):
    rng = np.random.default_rng(n * k)
    scores, labels = 3 * rng.standard_normal((n, k)), rng.integers(0, k, size=n)
    _, cache = softmax_cross_entropy_forward(scores, labels)
    for dloss in (1.0, 0.25):
        grad = unchanged(softmax_cross_entropy_backward, dloss, cache)
        numerical = numerical_gradient(lambda z: dloss * softmax_cross_entropy_forward(z, labels)[0], scores)
        grad_check(f"softmax CE dscores dloss={dloss}", grad, numerical)
    check_close("(p - onehot)/N", softmax_cross_entropy_backward(1.0, cache),
                (softmax(scores) - np.eye(k)[labels]) / n, 1e-14)


@pytest.mark.parametrize("shape", [(5,), (2, 3), (2, 3, 4, 4)])
def test_squared_error_value_and_gradient(shape, grad_check, unchanged):
    rng = np.random.default_rng(1)
    y, t = rng.standard_normal(shape), rng.standard_normal(shape)
    loss, cache = squared_error_forward(y, t)
    assert isinstance(loss, float) and abs(loss - 0.5 * np.sum((t - y) ** 2)) < 1e-13
    for dloss in (1.0, -2.0):
        grad = unchanged(squared_error_backward, dloss, cache)
        check_close("y - t", grad, dloss * (y - t), 1e-15)
        grad_check(f"squared error dy dloss={dloss}", grad,
                   numerical_gradient(lambda z: dloss * squared_error_forward(z, t)[0], y))


def test_float32_gradients_stay_float32():
    _, cache = squared_error_forward(np.ones(3, np.float32), np.zeros(3, np.float32))
    assert squared_error_backward(1.0, cache).dtype == np.float32
    _, cache = softmax_cross_entropy_forward(np.ones((2, 3), np.float32), np.array([0, 2]))
    assert softmax_cross_entropy_backward(1.0, cache).dtype == np.float32


_, CE_CACHE = softmax_cross_entropy_forward(np.ones((2, 3)), np.array([0, 1]))
_, SE_CACHE = squared_error_forward(np.ones(3), np.zeros(3))
BAD = [
    (lambda: softmax_cross_entropy_forward(np.ones((2, 3)), np.array([0, 3])),
     r"labels: expected values in 0..2, got values from 0 to 3"),
    (lambda: softmax_cross_entropy_forward(np.ones((2, 3)), np.array([-1, 0])),
     r"labels: expected values in 0..2, got values from -1 to 0"),
    (lambda: softmax_cross_entropy_forward(np.ones((2, 3)), np.array([0.0, 1.0])),
     r"labels: expected 2 integer labels, shape \(2,\), got shape \(2,\) dtype float64"),
    (lambda: softmax_cross_entropy_forward(np.ones((2, 3)), np.array([0])),
     r"labels: expected 2 integer labels, shape \(2,\), got shape \(1,\)"),
    (lambda: softmax_cross_entropy_forward(np.ones(3), np.array([0])), r"scores \(N, K\): expected 2 dimensions, got 1"),
    (lambda: softmax_cross_entropy_forward(np.full((2, 3), np.nan), np.array([0, 1])),
     r"scores \(N, K\): expected finite values, got 6 NaN"),
    (lambda: softmax(np.ones((2, 2, 2))), r"scores \(N, K\): expected 2 dimensions, got 3"),
    (lambda: softmax_cross_entropy_backward(np.nan, CE_CACHE), r"dloss: expected a finite number, got nan"),
    (lambda: softmax_cross_entropy_backward(np.ones(2), CE_CACHE),
     r"dloss: expected one real number \(a scalar\), got ndarray with shape \(2,\)"),
    (lambda: squared_error_forward(np.ones(3), np.ones(4)), r"t \(same shape as y\): expected shape \(3,\), got \(4,\)"),
    (lambda: squared_error_forward(np.ones((3, 1)), np.ones(3)), r"expected shape \(3, 1\), got \(3,\)"),
    (lambda: squared_error_forward(np.ones(3), np.full(3, np.inf)), r"t: expected finite values, got 3 NaN"),
    (lambda: squared_error_backward(np.inf, SE_CACHE), r"dloss: expected a finite number, got inf"),
    (lambda: squared_error_backward("1", SE_CACHE), r"dloss: expected one real number \(a scalar\), got str"),
]


@pytest.mark.parametrize("call, message", BAD, ids=[m[:40] for _, m in BAD])
def test_bad_input_raises_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
