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

from ._validate import as_float_array, as_numeric_array, as_real


def _callable(f, name="f"):
    if not callable(f):
        raise ValueError(f"{name}: expected a function, got {type(f).__name__}")
    return f


def _scalar(value, k):
    """``f``'s value at the ``k``-th nudge as a float, or a ValueError saying what it was."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "fiub" or arr.size != 1:
        raise ValueError(f"numerical_gradient: expected f to return one real number, got "
                         f"{type(value).__name__} with shape {arr.shape} and dtype {arr.dtype} "
                         f"(for a function with an array value use numerical_vjp or numerical_jacobian)")
    number = float(arr.reshape(()))
    if not np.isfinite(number):
        raise ValueError(f"numerical_gradient: f returned {number} when entry {k} of x was nudged")
    return number


def numerical_gradient(f, x, h=1e-6):
    """Central-difference gradient of a scalar function ``f`` at ``x`` (any shape).

    ``f`` receives a float64 copy of ``x`` with one entry nudged; ``x`` itself is
    never modified. ``f`` must return one finite real number. Returns an array
    shaped like ``x``.
    """
    _callable(f)
    h = as_real(h, "h", low=0, low_open=True)
    x = as_float_array(x, "x", finite=False)
    x = np.array(x, dtype=np.float64, copy=True)
    if not np.isfinite(x).all():
        raise ValueError("numerical_gradient: expected finite values in x, got NaN or infinity")
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for k in range(flat.size):
        old = flat[k]
        flat[k] = old + h
        f_plus = _scalar(f(x), k)
        flat[k] = old - h
        f_minus = _scalar(f(x), k)
        flat[k] = old
        gflat[k] = (f_plus - f_minus) / (2 * h)
    return grad


def numerical_vjp(f, x, dout, h=1e-6):
    """Numerical ``Σ_k dout_k ∂f_k/∂x``: the gradient of ``L(x) = Σ f(x)·dout``.

    This is what a backward pass returns for the deltas ``dout``, which must
    have the shape of ``f(x)`` (checked once at ``x``: no broadcasting).
    """
    _callable(f)
    dout = as_float_array(dout, "dout")
    x_checked = as_float_array(x, "x")
    value = as_numeric_array(f(np.array(x_checked, dtype=np.float64, copy=True)), "f(x)", complex_ok=False)
    if value.shape != dout.shape:
        raise ValueError(f"dout: expected the shape of f(x), {value.shape}, got {dout.shape}")
    dout = dout.astype(np.float64, copy=False)
    return numerical_gradient(lambda z: np.sum(np.asarray(f(z)) * dout), x_checked, h)


def _numbers(a, name):
    arr = as_numeric_array(a, name)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name}: expected finite values, got NaN or infinity")
    return arr


def rel_error(a, b):
    """Relative error ``‖a - b‖ / (‖a‖ + ‖b‖)`` (0 when both are 0).

    Norm-based, so one near-zero entry cannot blow it up. Shapes must match:
    a mismatch raises ``ValueError`` instead of broadcasting, and so do strings
    and NaN or infinite values. Complex arrays (Fourier transforms) are
    compared as complex numbers, imaginary parts included.
    """
    a, b = _numbers(a, "rel_error: a"), _numbers(b, "rel_error: b")
    kind = np.complex128 if np.iscomplexobj(a) or np.iscomplexobj(b) else np.float64
    a, b = a.astype(kind, copy=False), b.astype(kind, copy=False)
    if a.shape != b.shape:
        raise ValueError(f"rel_error: shapes differ: {a.shape} vs {b.shape}")
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


def check_close(name, got, expected, tol=1e-7):
    """Assert that ``got`` matches ``expected`` in shape and to relative error ``tol``.

    Returns the relative error, so a notebook can show it. Raises
    ``AssertionError`` naming ``name`` on a shape mismatch (never broadcasts),
    on NaN or infinity, or on an error above ``tol``; ``ValueError`` when the
    arguments themselves are not usable (a non-numeric array, a bad ``tol``).
    """
    if not isinstance(name, str):
        raise ValueError(f"name: expected a str naming what is compared, got {type(name).__name__}")
    tol = as_real(tol, "tol", low=0)
    got = as_numeric_array(got, f"{name}: got")
    expected = as_numeric_array(expected, f"{name}: expected")
    if got.shape != expected.shape:
        raise AssertionError(f"{name}: shape {got.shape} but expected shape {expected.shape}")
    if not (np.isfinite(got).all() and np.isfinite(expected).all()):
        raise AssertionError(f"{name}: contains NaN or infinity")
    err = rel_error(got, expected)
    if not err <= tol:
        raise AssertionError(f"{name}: relative error {err:.3e} is above the tolerance {tol:.1e}")
    return err
