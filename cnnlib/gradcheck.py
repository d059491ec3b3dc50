"""Numerical gradients and an asserting comparison.

A central difference approximates each partial derivative:

    ∂f/∂x_k ≈ (f(x + h·e_k) - f(x - h·e_k)) / (2h)

with an error of order h² (plus rounding of order ε/h), so with float64 and
``h = 1e-6`` analytic and numerical gradients agree to about 1e-9 relative.
To check a backward that maps deltas ``dout`` to ``dx``, differentiate the
scalar ``L(x) = Σ f(x) · dout``: its gradient is exactly what backward returns
(a vector-Jacobian product).
"""
import numpy as np


def numerical_gradient(f, x, h=1e-6):
    """Central-difference gradient of a scalar function ``f`` at ``x`` (any shape).

    ``f`` receives a float64 copy of ``x`` with one entry nudged; ``x`` itself is
    never modified. Returns an array shaped like ``x``.
    """
    x = np.array(x, dtype=np.float64, copy=True)
    if not np.isfinite(x).all():
        raise ValueError("numerical_gradient: expected finite values in x, got NaN or infinity")
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for k in range(flat.size):
        old = flat[k]
        flat[k] = old + h
        f_plus = float(f(x))
        flat[k] = old - h
        f_minus = float(f(x))
        flat[k] = old
        gflat[k] = (f_plus - f_minus) / (2 * h)
    return grad


def numerical_vjp(f, x, dout, h=1e-6):
    """Numerical ``Σ_k dout_k ∂f_k/∂x``: the gradient of ``L(x) = Σ f(x)·dout``.

    This is what a backward pass returns for the deltas ``dout``.
    """
    dout = np.asarray(dout, dtype=np.float64)
    return numerical_gradient(lambda z: np.sum(np.asarray(f(z)) * dout), x, h)


def rel_error(a, b):
    """Relative error ``‖a - b‖ / (‖a‖ + ‖b‖)`` (0 when both are 0).

    Norm-based, so one near-zero entry cannot blow it up. Shapes must match:
    a mismatch raises ``ValueError`` instead of broadcasting. Complex arrays
    (Fourier transforms) are compared as complex numbers, imaginary parts included.
    """
    kind = np.complex128 if np.iscomplexobj(a) or np.iscomplexobj(b) else np.float64
    a, b = np.asarray(a, dtype=kind), np.asarray(b, dtype=kind)
    if a.shape != b.shape:
        raise ValueError(f"rel_error: shapes differ: {a.shape} vs {b.shape}")
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


def check_close(name, got, expected, tol=1e-7):
    """Assert that ``got`` matches ``expected`` in shape and to relative error ``tol``.

    Returns the relative error, so a notebook can show it. Raises
    ``AssertionError`` naming ``name`` on a shape mismatch (never broadcasts),
    on NaN or infinity, or on an error above ``tol``.
    """
    got, expected = np.asarray(got), np.asarray(expected)
    if got.shape != expected.shape:
        raise AssertionError(f"{name}: shape {got.shape} but expected shape {expected.shape}")
    if not (np.isfinite(got).all() and np.isfinite(expected).all()):
        raise AssertionError(f"{name}: contains NaN or infinity")
    err = rel_error(got, expected)
    if not err <= tol:
        raise AssertionError(f"{name}: relative error {err:.3e} is above the tolerance {tol:.1e}")
    return err
