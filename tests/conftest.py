"""Shared test setup: the hypothesis profile, and helpers every core test uses.

- The hypothesis profile ``ci`` is loaded for every run: ``derandomize=True`` makes
  the examples the same on every machine and every run (CI is reproducible),
  ``deadline=None`` because the loop versions are slow on a busy machine, and
  no example database is written into the repository. ``HYPOTHESIS_PROFILE=dev``
  explores with fresh random examples instead.
- ``grad_check`` asserts a gradient against its finite-difference estimate
  (relative error below 1e-7) and records the largest error of the session;
  ``torch_case`` counts the comparisons with PyTorch. Both numbers are printed
  in the terminal summary at the end of the run.
- ``unchanged`` runs a backward pass and proves it did not modify its cache
  (nor the deltas it was given).
"""
import copy
import os

import numpy as np
import pytest
from hypothesis import settings

from cnnlib.gradcheck import check_close

settings.register_profile("ci", derandomize=True, deadline=None, database=None, print_blob=True)
settings.register_profile("dev", derandomize=False, deadline=None, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

GRAD_TOL = 1e-7  # finite differences vs backward, float64 (issue 2)

_STATS = {"grad_checks": 0, "grad_max_err": 0.0, "grad_worst": "", "torch_cases": 0}


@pytest.fixture(scope="session")
def grad_check():
    """``grad_check(name, analytic, numerical)``: assert rel. error < 1e-7, record it, return it."""
    def _check(name, analytic, numerical, tol=GRAD_TOL):
        err = check_close(name, analytic, numerical, tol)
        _STATS["grad_checks"] += 1
        if err >= _STATS["grad_max_err"]:
            _STATS["grad_max_err"], _STATS["grad_worst"] = err, name
        return err
    return _check


@pytest.fixture(scope="session")
def torch_case():
    """Call once per case compared against PyTorch; the total is reported at the end."""
    def _count():
        _STATS["torch_cases"] += 1
    return _count


def _assert_same(before, after, where):
    """Recursive exact equality for what a cache may hold (arrays, tuples, dicts, scalars)."""
    if isinstance(before, np.ndarray):
        assert isinstance(after, np.ndarray), f"{where}: an array became {type(after).__name__}"
        assert before.dtype == after.dtype and before.shape == after.shape, \
            f"{where}: {before.dtype}{before.shape} became {after.dtype}{after.shape}"
        assert np.array_equal(before, after, equal_nan=True), f"{where}: values were modified"
    elif isinstance(before, (tuple, list)):
        assert type(before) is type(after) and len(before) == len(after), f"{where}: structure changed"
        for k, (u, v) in enumerate(zip(before, after)):
            _assert_same(u, v, f"{where}[{k}]")
    elif isinstance(before, dict):
        assert before.keys() == after.keys(), f"{where}: keys changed"
        for k in before:
            _assert_same(before[k], after[k], f"{where}[{k!r}]")
    elif hasattr(before, "__dict__") and not isinstance(before, type):
        _assert_same(vars(before), vars(after), f"{where}.__dict__")
    else:
        assert before == after, f"{where}: {before!r} became {after!r}"


@pytest.fixture(scope="session")
def unchanged():
    """``unchanged(backward, dout, cache)``: run backward, assert cache and dout are untouched."""
    def _run(backward, dout, cache):
        cache_copy, dout_copy = copy.deepcopy(cache), copy.deepcopy(dout)
        result = backward(dout, cache)
        _assert_same(cache_copy, cache, f"{backward.__name__} cache")
        _assert_same(dout_copy, dout, f"{backward.__name__} dout")
        return result
    return _run


@pytest.fixture(scope="session")
def distinct():
    """``distinct(rng, shape)``: values all different, at least 0.05 apart (no ties for max)."""
    def _make(rng, shape):
        size = int(np.prod(shape))
        values = (rng.permutation(size) + rng.uniform(0.0, 0.5, size)) * 0.1
        return values.reshape(shape) - values.mean()
    return _make


def pytest_terminal_summary(terminalreporter):
    if _STATS["grad_checks"]:
        terminalreporter.write_line(
            f"cnnlib: {_STATS['grad_checks']} finite-difference gradient checks, largest relative "
            f"error {_STATS['grad_max_err']:.2e} ({_STATS['grad_worst']})")
    if _STATS["torch_cases"]:
        terminalreporter.write_line(f"cnnlib: {_STATS['torch_cases']} cases compared with PyTorch autograd")
