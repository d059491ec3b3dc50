"""Numerical gradients, rel_error and check_close: the tools every other check relies on."""
import numpy as np
import pytest

from cnnlib.gradcheck import check_close, numerical_gradient, numerical_vjp, rel_error


def test_numerical_gradient_of_known_functions():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    assert rel_error(numerical_gradient(lambda z: np.sum(z ** 2), x), 2 * x) < 1e-9
    assert rel_error(numerical_gradient(lambda z: np.sum(np.sin(z)), x), np.cos(x)) < 1e-9
    assert numerical_gradient(lambda z: np.sum(z ** 2), x).shape == (3, 4)


def test_numerical_gradient_leaves_x_alone_and_accepts_integers():
    x = np.array([1.0, 2.0, 3.0])
    seen = []
    numerical_gradient(lambda z: seen.append(z.dtype) or float(z.sum()), x)
    assert np.array_equal(x, [1.0, 2.0, 3.0]) and set(seen) == {np.dtype(np.float64)}
    g = numerical_gradient(lambda z: float(np.prod(z)), np.array([2, 3]))
    assert rel_error(g, np.array([3.0, 2.0])) < 1e-9


def test_numerical_vjp_is_the_transposed_jacobian_times_the_deltas():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((5, 3))
    x, dout = rng.standard_normal(3), rng.standard_normal(5)
    assert rel_error(numerical_vjp(lambda z: a @ z, x, dout), a.T @ dout) < 1e-9


def test_rel_error():
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error([1.0, 0.0], [1.0, 0.0]) == 0.0
    assert abs(rel_error([1.0], [3.0]) - 0.5) < 1e-15  # |1 - 3| / (1 + 3)
    assert rel_error([1.0, 2.0], [2.0, 1.0]) == rel_error([2.0, 1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"rel_error: shapes differ: \(3,\) vs \(1, 3\)"):
        rel_error(np.ones(3), np.ones((1, 3)))


def test_check_close_passes_and_returns_the_error():
    err = check_close("same", np.ones(3), np.ones(3) * (1 + 1e-10))
    assert 0.0 < err < 1e-9


def test_check_close_fails_on_shape_mismatch_instead_of_broadcasting():
    with pytest.raises(AssertionError, match=r"g: shape \(3,\) but expected shape \(1, 3\)"):
        check_close("g", np.ones(3), np.ones((1, 3)))
    with pytest.raises(AssertionError, match=r"shape \(3, 1\) but expected shape \(3,\)"):
        check_close("g", np.ones((3, 1)), np.ones(3))


def test_check_close_fails_on_large_error_and_on_nan():
    with pytest.raises(AssertionError, match=r"dx: relative error 5.0+e-01 is above the tolerance 1.0e-07"):
        check_close("dx", np.array([1.0]), np.array([3.0]))
    with pytest.raises(AssertionError, match=r"dx: contains NaN or infinity"):
        check_close("dx", np.array([np.nan]), np.array([1.0]))
    with pytest.raises(AssertionError, match=r"dx: contains NaN or infinity"):
        check_close("dx", np.array([1.0]), np.array([np.inf]))
    check_close("loose", np.array([1.0]), np.array([1.1]), tol=0.1)


def test_a_wrong_backward_is_caught():
    """The check has teeth: a gradient that is off by a transposition fails."""
    rng = np.random.default_rng(2)
    a, x = rng.standard_normal((4, 4)), rng.standard_normal(4)
    dout = rng.standard_normal(4)
    numerical = numerical_vjp(lambda z: a @ z, x, dout)
    check_close("right", a.T @ dout, numerical)
    with pytest.raises(AssertionError, match="wrong: relative error"):
        check_close("wrong", a @ dout, numerical)


def test_non_finite_x_is_rejected():
    with pytest.raises(ValueError, match=r"numerical_gradient: expected finite values in x, got NaN or infinity"):
        numerical_gradient(lambda z: float(z.sum()), np.array([1.0, np.nan]))


def test_complex_arrays_are_compared_with_their_imaginary_parts():
    """A Fourier-domain check must not silently drop the imaginary part."""
    a = np.array([1 + 2j, 3 - 1j])
    assert check_close("same", a, a.copy(), tol=1e-15) == 0.0
    with pytest.raises(AssertionError, match="relative error"):
        check_close("imaginary parts differ", a, a.real + 0j, tol=1e-3)
    assert rel_error(a, np.conj(a)) > 0.5
