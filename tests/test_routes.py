"""Tests for cnnlib.routes: the correlation routes agree with the loop backward."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlib.conv import conv2d_backward_naive, conv2d_forward_naive
from cnnlib.data import teaching_example
from cnnlib.routes import input_gradient_by_full_convolution, kernel_gradient_by_correlation


def _reference(x, w, dout, stride, pad):
    _, cache = conv2d_forward_naive(x, w, np.zeros(w.shape[0]), stride, pad)
    return conv2d_backward_naive(dout, cache)


def test_teaching_example_matches_naive():
    ex = teaching_example(channels=2, filters=3, seed=1)
    dx, dw, _ = _reference(ex.x, ex.w, ex.dout, ex.stride, ex.pad)
    np.testing.assert_allclose(kernel_gradient_by_correlation(ex.x, ex.dout, (3, 3), ex.stride, ex.pad), dw)
    np.testing.assert_allclose(input_gradient_by_full_convolution(ex.dout, ex.w, ex.x.shape, ex.stride, ex.pad), dx)


def test_stride_that_does_not_tile_gives_zero_gradient_to_unread_pixels():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, 1, 8, 8))
    w = rng.normal(size=(1, 1, 3, 3))
    dout = rng.normal(size=(1, 1, 3, 3))
    dx = input_gradient_by_full_convolution(dout, w, x.shape, 2, 0)
    assert np.all(dx[0, 0, 7, :] == 0) and np.all(dx[0, 0, :, 7] == 0)
    assert np.count_nonzero(dx[0, 0, :7, :7]) > 0
    dx_ref, dw_ref, _ = _reference(x, w, dout, 2, 0)
    np.testing.assert_allclose(dx, dx_ref)
    np.testing.assert_allclose(kernel_gradient_by_correlation(x, dout, (3, 3), 2, 0), dw_ref)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 2), c=st.integers(1, 3), f=st.integers(1, 3), h=st.integers(3, 9), w_in=st.integers(3, 9),
       kh=st.integers(1, 3), kw=st.integers(1, 3), sh=st.integers(1, 3), sw=st.integers(1, 3),
       ph=st.integers(0, 2), pw=st.integers(0, 2), seed=st.integers(0, 10_000))
def test_routes_match_naive_for_any_geometry(n, c, f, h, w_in, kh, kw, sh, sw, ph, pw, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, c, h, w_in))
    w = rng.normal(size=(f, c, kh, kw))
    out, cache = conv2d_forward_naive(x, w, np.zeros(f), (sh, sw), (ph, pw))
    dout = rng.normal(size=out.shape)
    dx_ref, dw_ref, _ = conv2d_backward_naive(dout, cache)
    np.testing.assert_allclose(kernel_gradient_by_correlation(x, dout, (kh, kw), (sh, sw), (ph, pw)), dw_ref,
                               atol=1e-12, rtol=1e-10)
    np.testing.assert_allclose(input_gradient_by_full_convolution(dout, w, x.shape, (sh, sw), (ph, pw)), dx_ref,
                               atol=1e-12, rtol=1e-10)


def test_inputs_are_not_modified():
    ex = teaching_example(channels=2, filters=2)
    x, w, dout = ex.x.copy(), ex.w.copy(), ex.dout.copy()
    kernel_gradient_by_correlation(ex.x, ex.dout, (3, 3), 2)
    input_gradient_by_full_convolution(ex.dout, ex.w, ex.x.shape, 2)
    assert np.array_equal(x, ex.x) and np.array_equal(w, ex.w) and np.array_equal(dout, ex.dout)


def test_bad_inputs_raise_value_error():
    ex = teaching_example()
    with pytest.raises(ValueError, match="dout: expected shape"):
        kernel_gradient_by_correlation(ex.x, np.zeros((1, 1, 4, 4)), (3, 3), 2)
    with pytest.raises(ValueError, match="dout: expected shape"):
        input_gradient_by_full_convolution(np.zeros((1, 1, 2, 2)), ex.w, ex.x.shape, 2)
    with pytest.raises(ValueError, match="channels differ"):
        input_gradient_by_full_convolution(ex.dout, ex.w, (1, 2, 7, 7), 2)
    with pytest.raises(ValueError, match="x_shape"):
        input_gradient_by_full_convolution(ex.dout, ex.w, (7, 7), 2)
    with pytest.raises(ValueError, match="stride"):
        kernel_gradient_by_correlation(ex.x, ex.dout, (3, 3), 0)
