"""ReLU forward and backward."""
import numpy as np
import pytest

from cnnlib.activations import relu_backward, relu_forward
from cnnlib.gradcheck import numerical_vjp


def _away_from_zero(rng, shape):
    """Random values with |x| >= 0.01, so a finite-difference step never crosses the kink."""
    x = rng.standard_normal(shape)
    return np.where(x >= 0, x + 0.01, x - 0.01)


def test_forward_values():
    out, cache = relu_forward(np.array([[-2.0, -0.0, 0.0, 0.5, 3.0]]))
    assert np.array_equal(out, np.array([[0.0, 0.0, 0.0, 0.5, 3.0]]))
    assert np.array_equal(cache, np.array([[-2.0, -0.0, 0.0, 0.5, 3.0]]))


def test_backward_is_a_mask_and_zero_at_zero():
    x = np.array([-1.0, 0.0, 2.0, -3.0, 4.0])
    _, cache = relu_forward(x)
    dx = relu_backward(np.array([10.0, 20.0, 30.0, 40.0, 50.0]), cache)
    assert np.array_equal(dx, np.array([0.0, 0.0, 30.0, 0.0, 50.0]))  # x = 0 gets the sub-gradient 0


@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 4, 5)])
def test_gradient_matches_finite_differences(shape, grad_check, unchanged):
    rng = np.random.default_rng(0)
    x = _away_from_zero(rng, shape)
    dout = rng.standard_normal(shape)
    _, cache = relu_forward(x)
    dx = unchanged(relu_backward, dout, cache)
    grad_check(f"relu dx {shape}", dx, numerical_vjp(lambda z: relu_forward(z)[0], x, dout))


def test_float32_in_float32_out():
    x = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)
    out, cache = relu_forward(x)
    assert out.dtype == np.float32
    assert relu_backward(np.ones((3, 4), np.float32), cache).dtype == np.float32


def test_bad_input_raises_value_error():
    with pytest.raises(ValueError, match=r"x: expected finite values, got 1 NaN"):
        relu_forward(np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match=r"x: expected a numeric array, got dtype <U1"):
        relu_forward(np.array(["a"]))
    _, cache = relu_forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"dout: expected shape \(2, 3\), got \(3, 2\)"):
        relu_backward(np.ones((3, 2)), cache)
    with pytest.raises(ValueError, match=r"dout: expected shape \(2, 3\), got \(3,\)"):
        relu_backward(np.ones(3), cache)  # would broadcast: must not
    with pytest.raises(ValueError, match=r"dout: expected finite values, got 6 NaN or infinite"):
        relu_backward(np.full((2, 3), np.inf), cache)
