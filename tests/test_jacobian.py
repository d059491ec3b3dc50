"""Tests for cnnlib.jacobian: explicit Jacobians of the conv layer."""
import numpy as np
import pytest

from cnnlib.conv import conv2d_backward, conv2d_forward
from cnnlib.data import teaching_example
from cnnlib.im2row import im2row
from cnnlib.jacobian import conv2d_input_jacobian, conv2d_kernel_jacobian, numerical_jacobian


def test_numerical_jacobian_of_a_matrix_product_is_the_matrix():
    a = np.arange(12.0).reshape(3, 4)
    jac = numerical_jacobian(lambda v: a @ v, np.ones(4))
    np.testing.assert_allclose(jac, a, atol=1e-8)


def test_numerical_jacobian_does_not_modify_x():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    before = x.copy()
    jac = numerical_jacobian(lambda z: z ** 2, x)
    assert np.array_equal(x, before)
    np.testing.assert_allclose(jac, np.diag(2 * before.ravel()), atol=1e-6)


def test_kernel_jacobian_is_im2row_for_one_filter():
    ex = teaching_example()
    jac = conv2d_kernel_jacobian(ex.x, (3, 3), 1, ex.stride, ex.pad)
    assert jac.shape == (9, 9)
    np.testing.assert_array_equal(jac, im2row(ex.x, 3, 3, ex.stride, ex.pad))


@pytest.mark.parametrize("stride,pad", [(1, 0), (2, 1), ((1, 2), (0, 1))])
def test_kernel_jacobian_matches_finite_differences(stride, pad):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 2, 5, 6))
    w = rng.normal(size=(3, 2, 3, 2))
    b = rng.normal(size=3)
    jac = conv2d_kernel_jacobian(x, (3, 2), 3, stride, pad)
    num = numerical_jacobian(lambda v: conv2d_forward(x, v, b, stride, pad)[0], w)
    np.testing.assert_allclose(jac, num, atol=1e-7)


@pytest.mark.parametrize("stride,pad", [(1, 0), (2, 1), (2, 0)])
def test_input_jacobian_matches_finite_differences_and_vjp(stride, pad):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 2, 6, 5))
    w = rng.normal(size=(3, 2, 3, 3))
    b = rng.normal(size=3)
    jac = conv2d_input_jacobian(w, x.shape, stride, pad)
    num = numerical_jacobian(lambda v: conv2d_forward(v, w, b, stride, pad)[0], x)
    np.testing.assert_allclose(jac, num, atol=1e-7)
    out, cache = conv2d_forward(x, w, b, stride, pad)
    dout = rng.normal(size=out.shape)
    dx, dw, _ = conv2d_backward(dout, cache)
    np.testing.assert_allclose((jac.T @ dout.ravel()).reshape(x.shape), dx, atol=1e-12)
    kjac = conv2d_kernel_jacobian(x, (3, 3), 3, stride, pad)
    np.testing.assert_allclose((kjac.T @ dout.ravel()).reshape(w.shape), dw, atol=1e-12)


def test_bad_inputs_raise_value_error():
    with pytest.raises(ValueError, match="filters"):
        conv2d_kernel_jacobian(np.zeros((1, 1, 5, 5)), (3, 3), 0)
    with pytest.raises(ValueError, match="channels differ"):
        conv2d_input_jacobian(np.zeros((1, 2, 3, 3)), (1, 1, 5, 5))
    with pytest.raises(ValueError, match="x: expected 4 dimensions"):
        conv2d_kernel_jacobian(np.zeros((5, 5)), (3, 3))
    with pytest.raises(ValueError, match="finite"):
        numerical_jacobian(lambda v: v, np.array([np.nan]))
