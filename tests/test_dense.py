"""The affine layer and flatten."""
import numpy as np
import pytest

from cnnlib.dense import affine_backward, affine_forward, flatten_backward, flatten_forward
from cnnlib.gradcheck import check_close, numerical_vjp


def _case(seed=0, n=4, d=6, m=3):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, d)), rng.standard_normal((d, m)), rng.standard_normal(m),
            rng.standard_normal((n, m)))


def test_affine_forward_follows_the_sum():
    x, w, b, _ = _case()
    out, _ = affine_forward(x, w, b)
    expected = np.array([[sum(x[n, d] * w[d, k] for d in range(6)) + b[k] for k in range(3)] for n in range(4)])
    check_close("affine out", out, expected, 1e-14)


@pytest.mark.parametrize("shape", [(4, 6, 3), (1, 1, 1), (5, 2, 7)])
def test_affine_gradients_match_finite_differences(shape, grad_check, unchanged):
    x, w, b, dout = _case(1, *shape)
    _, cache = affine_forward(x, w, b)
    dx, dw, db = unchanged(affine_backward, dout, cache)
    grad_check("affine dx", dx, numerical_vjp(lambda z: affine_forward(z, w, b)[0], x, dout))
    grad_check("affine dw", dw, numerical_vjp(lambda z: affine_forward(x, z, b)[0], w, dout))
    grad_check("affine db", db, numerical_vjp(lambda z: affine_forward(x, w, z)[0], b, dout))


def test_flatten_keeps_each_image_in_c_order_and_backward_restores_the_layout(grad_check, unchanged):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 4, 5))
    out, cache = flatten_forward(x)
    assert out.shape == (2, 60)
    assert np.array_equal(out[1], x[1].ravel())
    dout = rng.standard_normal((2, 60))
    dx = unchanged(flatten_backward, dout, cache)
    assert dx.shape == x.shape and np.array_equal(dx[0, 2], dout[0, 40:60].reshape(4, 5))
    grad_check("flatten dx", dx, numerical_vjp(lambda z: flatten_forward(z)[0], x, dout))


def test_float32_in_float32_out():
    x, w, b, dout = (a.astype(np.float32) for a in _case())
    out, cache = affine_forward(x, w, b)
    assert out.dtype == np.float32 and all(g.dtype == np.float32 for g in affine_backward(dout, cache))
    flat, fcache = flatten_forward(np.ones((2, 2, 2), np.float32))
    assert flat.dtype == np.float32 and flatten_backward(flat, fcache).dtype == np.float32


BAD = [
    (lambda: affine_forward(np.ones(3), np.ones((3, 2)), np.ones(2)), r"x \(N, D\): expected 2 dimensions, got 1"),
    (lambda: affine_forward(np.ones((1, 3)), np.ones(3), np.ones(2)), r"w \(D, M\): expected 2 dimensions, got 1"),
    (lambda: affine_forward(np.ones((1, 3)), np.ones((4, 2)), np.ones(2)),
     r"x has D=3 features .* but w expects D=4"),
    (lambda: affine_forward(np.ones((1, 3)), np.ones((3, 2)), np.ones(3)), r"b: expected shape \(2,\), got \(3,\)"),
    (lambda: affine_forward(np.ones((1, 3)), np.ones((3, 2)), np.ones((1, 2))), r"b \(M,\): expected 1 dimensions, got 2"),
    (lambda: affine_forward(np.full((1, 3), np.nan), np.ones((3, 2)), np.ones(2)), r"x \(N, D\): expected finite values"),
    (lambda: affine_backward(np.ones((1, 3)), affine_forward(np.ones((1, 3)), np.ones((3, 2)), np.ones(2))[1]),
     r"dout: expected shape \(1, 2\), got \(1, 3\)"),
    (lambda: affine_backward(np.full((1, 2), np.inf), affine_forward(np.ones((1, 3)), np.ones((3, 2)), np.ones(2))[1]),
     r"dout \(N, M\): expected finite values, got 2 NaN"),
    (lambda: flatten_forward(np.ones(3)), r"flatten: expected at least 2 dimensions \(N, ...\), got shape \(3,\)"),
    (lambda: flatten_forward(np.full((2, 2), np.nan)), r"x: expected finite values, got 4 NaN"),
    (lambda: flatten_backward(np.ones((2, 5)), flatten_forward(np.ones((2, 2, 2)))[1]),
     r"dout: expected shape \(2, 4\), got \(2, 5\)"),
    (lambda: flatten_backward(np.full((2, 4), np.nan), flatten_forward(np.ones((2, 2, 2)))[1]),
     r"dout: expected finite values, got 8 NaN"),
]


@pytest.mark.parametrize("call, message", BAD, ids=[m[:40] for _, m in BAD])
def test_bad_input_raises_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
