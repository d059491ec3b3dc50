"""What one wrong answer has to do with the right one: the facts a diagnosis is built from.

``relation(given, expected)`` tests, in this order, and returns the first that holds (or None):

- ``zeros``     : the answer is all zeros (nothing was added into it);
- ``float32``   : every difference is at the level of float32 rounding;
- ``multiple``  : the answer is exactly ``c`` times the right one (``c`` in ``.value``);
- ``transpose`` : the right one with two axes swapped (``.value``: the two axes);
- ``flip``      : the right one reversed along some axes (``.value``: the axes);
- ``shift``     : the right one moved by a few rows or columns (``.value``: (rows, columns)),
                  wherever both are defined;
- ``rows``      : (2-D) every row holds the right numbers, in another order; ``columns`` alike;
- ``rounded``   : the right one rounded to whole numbers (``.value``: floor, trunc, round, ceil);
- ``same_along``: the answer does not change along an axis where the right one does (``.value``:
                  the axis): a sum or a broadcast over that axis;
- ``moved``     : all the right numbers, each once, in other places.

With the exercise's inputs at hand, two more: ``offset`` (the answer is the right one plus ``c``
times an input vector along one axis, such as ``-2·b[f]``) and ``masked`` (the wrong entries are
exactly where an input is negative, zero or positive, and there the answer equals a simple
function of the inputs).

Each test is exact up to the checker's tolerance: a relation is only reported when it holds at
every entry (a diagnosis says only what the numbers show). ``wrong_region`` says where the wrong
entries are, when they sit in a part of one axis (only the last row, only image n = 1, ...).
"""
import itertools
from typing import NamedTuple

import numpy as np

EPS32 = float(np.finfo(np.float32).eps)


class Relation(NamedTuple):
    kind: str
    value: object = None


def _close(a, b, atol=1e-6, rtol=1e-6):
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))


def float32_level(given, expected):
    """Do ``given`` and ``expected`` differ only by float32 rounding (and not by more than that)?"""
    if given.shape != expected.shape or not expected.size:
        return False
    scale = max(float(np.max(np.abs(expected))), 1e-30)
    diff = np.abs(given - expected)
    return bool(np.any(diff > 0) and np.all(diff <= 64 * EPS32 * scale))


def constant_factor(given, expected, atol=1e-6, rtol=1e-6):
    """``c`` when ``given == c·expected`` at every entry (``expected`` not all zero), else None."""
    if given.shape != expected.shape or not np.any(expected):
        return None
    c = float(np.sum(given * expected) / np.sum(expected * expected))
    if not np.isfinite(c) or abs(c - 1) < 1e-9:
        return None
    return c if _close(given, c * expected, atol, rtol) else None


def _shifted(expected, dy, dx):
    """Views (of the same shape) of the overlap of ``x[u, v]`` and ``expected[u - dy, v - dx]``."""
    h, w = expected.shape[-2:]
    rows_g, rows_e = slice(max(dy, 0), h + min(dy, 0)), slice(max(-dy, 0), h + min(-dy, 0))
    cols_g, cols_e = slice(max(dx, 0), w + min(dx, 0)), slice(max(-dx, 0), w + min(-dx, 0))
    return (Ellipsis, rows_g, cols_g), (Ellipsis, rows_e, cols_e)


def shift(given, expected, atol=1e-6, rtol=1e-6, largest=2):
    """``(dy, dx)`` when ``given[..., u, v] == expected[..., u - dy, v - dx]`` wherever both exist,
    over at least half of the entries and at least 3 nonzero ones; else None."""
    if given.shape != expected.shape or given.ndim < 2 or min(given.shape[-2:]) < 3:
        return None
    found = []
    for dy, dx in itertools.product(range(-largest, largest + 1), repeat=2):
        if (dy, dx) == (0, 0):
            continue
        g_idx, e_idx = _shifted(expected, dy, dx)
        part = expected[e_idx]
        if part.size * 2 < expected.size or np.count_nonzero(part) < 3:
            continue
        if _close(given[g_idx], part, atol, rtol):
            found.append((dy, dx))
    return found[0] if len(found) == 1 else None


def axes_order(given, expected, atol=1e-6, rtol=1e-6):
    """``perm`` (not the identity) with ``given == np.transpose(expected, perm)``: the right numbers
    with their axes in another order (any number of axes moved, shapes alike or not); else None."""
    if given.ndim != expected.ndim or given.size != expected.size or given.ndim < 2 or given.ndim > 6:
        return None
    identity = tuple(range(given.ndim))
    for perm in itertools.permutations(identity):
        if perm == identity or tuple(expected.shape[a] for a in perm) != given.shape:
            continue
        moved = np.transpose(expected, perm)
        if not _close(moved, expected) and _close(given, moved, atol, rtol):
            return perm
    return None


def shape_order(given_shape, expected_shape):
    """``perm`` (not the identity, the fewest axes moved) with ``given_shape`` the sizes of
    ``expected_shape`` in that order, when the two differ; else None."""
    given_shape, expected_shape = tuple(given_shape), tuple(expected_shape)
    if given_shape == expected_shape or sorted(given_shape) != sorted(expected_shape):
        return None
    perms = [p for p in itertools.permutations(range(len(expected_shape)))
             if tuple(expected_shape[a] for a in p) == given_shape]
    return min(perms, key=lambda p: sum(a != b for a, b in enumerate(p))) if perms else None


def relation(given, expected, atol=1e-6, rtol=1e-6):
    """The first relation of the module's list that holds between ``given`` and ``expected``."""
    given, expected = np.asarray(given, float), np.asarray(expected, float)
    if not np.all(np.isfinite(given)) or not np.any(expected):
        return None
    if given.shape == expected.shape and not np.any(given):
        return Relation("zeros")
    if float32_level(given, expected):
        return Relation("float32")
    c = constant_factor(given, expected, atol, rtol)
    if c is not None:
        return Relation("multiple", c)
    if given.ndim >= 2 and given.ndim == expected.ndim:
        for a, b in itertools.combinations(range(given.ndim), 2):
            swapped = np.swapaxes(expected, a, b)
            if swapped.shape == given.shape and not _close(swapped, expected) and _close(given, swapped, atol, rtol):
                return Relation("transpose", (a, b))
    if given.shape == expected.shape:
        axes_sets = [(-2, -1), (-1,), (-2,), tuple(range(given.ndim))] if given.ndim >= 2 else [(0,)]
        for axes in dict.fromkeys(tuple(a % given.ndim for a in s) for s in axes_sets):
            flipped = np.flip(expected, axes)
            if not _close(flipped, expected) and _close(given, flipped, atol, rtol):
                return Relation("flip", axes)
        moved = shift(given, expected, atol, rtol)
        if moved is not None:
            return Relation("shift", moved)
        if given.ndim == 2:
            if _close(np.sort(given, axis=1), np.sort(expected, axis=1), atol, rtol):
                return Relation("rows")
            if _close(np.sort(given, axis=0), np.sort(expected, axis=0), atol, rtol):
                return Relation("columns")
        for name, rounded in (("floor", np.floor), ("trunc", np.trunc), ("round", np.round), ("ceil", np.ceil)):
            if not _close(rounded(expected), expected) and _close(given, rounded(expected), atol, rtol):
                return Relation("rounded", name)
        for axis in range(given.ndim):
            if given.shape[axis] > 1 and np.all(np.ptp(given, axis=axis) == 0) and \
                    np.any(np.ptp(expected, axis=axis) > 0):
                return Relation("same_along", axis)
        if np.count_nonzero(expected) >= 2 and _close(np.sort(given, axis=None), np.sort(expected, axis=None),
                                                      atol, rtol):
            return Relation("moved")
    return None


def edge_region(given, expected, letters, atol=1e-6, rtol=1e-6):
    """``"row u = 0 and column v = 0"``: when the wrong entries fill (at least half of the nonzero
    right entries of) a few rows of one axis and a few of another, and nothing else; else None."""
    if given.shape != expected.shape or given.ndim < 2 or not letters or len(letters.split()) != given.ndim:
        return None
    wrong = np.abs(given - expected) > atol + rtol * np.abs(expected)
    if not wrong.any():
        return None
    names = letters.split()
    for a, b in itertools.combinations(range(given.ndim), 2):
        lines = {}
        for axis in (a, b):
            w = np.moveaxis(wrong, axis, 0).reshape(given.shape[axis], -1)
            nz = np.moveaxis(expected != 0, axis, 0).reshape(given.shape[axis], -1)
            lines[axis] = [i for i in range(given.shape[axis]) if w[i].sum() >= 0.5 * max(1, nz[i].sum()) and w[i].any()]
        if not lines[a] or not lines[b] or len(lines[a]) * 2 > given.shape[a] or len(lines[b]) * 2 > given.shape[b]:
            continue
        covered = np.zeros_like(wrong)
        np.moveaxis(covered, a, 0)[lines[a]] = True
        np.moveaxis(covered, b, 0)[lines[b]] = True
        if not np.any(wrong & ~covered):
            return (f"only at {names[a]} = {_ranges(np.array(lines[a]))} and at {names[b]} = "
                    f"{_ranges(np.array(lines[b]))}")
    return None


def wrong_region(given, expected, letters, atol=1e-6, rtol=1e-6):
    """``"only at u = 8"``, ``"only at n = 1"``: when every wrong entry lies in at most half of the
    indices of one axis (the axis where they are most concentrated), in words; else None."""
    if given.shape != expected.shape or given.ndim == 0:
        return None
    wrong = np.abs(given - expected) > atol + rtol * np.abs(expected)
    if not wrong.any() or wrong.all():
        return None
    names = letters.split() if letters and len(letters.split()) == given.ndim else [f"axis {a}" for a in
                                                                                      range(given.ndim)]
    best = None
    for axis in range(given.ndim):
        size = given.shape[axis]
        if size < 2:
            continue
        hit = np.flatnonzero(np.any(np.moveaxis(wrong, axis, 0).reshape(size, -1), axis=1))
        if len(hit) * 2 <= size and (best is None or len(hit) / size < best[0]):
            best = (len(hit) / size, axis, hit)
    if best is None:
        return None
    _, axis, hit = best
    return f"only at {names[axis]} = {_ranges(hit)} (of 0..{given.shape[axis] - 1})"


def _ranges(indices):
    """[0, 1, 2, 5] -> "0..2 and 5"."""
    parts, start = [], indices[0]
    for a, b in zip(indices, list(indices[1:]) + [None]):
        if b != a + 1:
            parts.append(str(start) if start == a else f"{start}..{a}")
            start = b
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def offset(given, expected, vectors, atol=1e-6, rtol=1e-6):
    """Every ``(c, name, axis)`` with ``given - expected == c·vectors[name]`` along ``axis`` (the
    same at every other index), ``c`` a whole number or a half (a list, maybe empty)."""
    found = []
    if given.shape != expected.shape or given.ndim == 0:
        return found
    diff = given - expected
    for name, vec in vectors.items():
        vec = np.asarray(vec, float)
        if vec.ndim != 1 or not np.any(vec):
            continue
        for axis in range(given.ndim):
            if given.shape[axis] != vec.size:
                continue
            shape = [1] * given.ndim
            shape[axis] = vec.size
            unit = np.broadcast_to(vec.reshape(shape), given.shape)
            c = float(np.sum(diff * unit) / np.sum(unit * unit))
            if abs(c) > 1e-9 and abs(2 * c - round(2 * c)) < 1e-9 and _close(given, expected + c * unit, atol, rtol):
                found.append((round(2 * c) / 2, name, axis))
    return found


_CONDITIONS = [("< 0", np.less), ("== 0", np.equal), ("> 0", np.greater), ("<= 0", np.less_equal),
               (">= 0", np.greater_equal)]


def masked(given, expected, arrays, atol=1e-6, rtol=1e-6):
    """``(name, condition, value)``: the wrong entries are exactly where ``arrays[name] <cond> 0``,
    and there ``given`` equals ``value`` ("0", "-other", "other", "other·|name|"...); else None."""
    if given.shape != expected.shape:
        return None
    wrong = np.abs(given - expected) > atol + rtol * np.abs(expected)
    if not wrong.any():
        return None
    for name, a in arrays.items():
        a = np.asarray(a, float)
        if a.shape != given.shape:
            continue
        for cond, op in _CONDITIONS:
            if np.array_equal(op(a, 0), wrong):
                candidates = [("0", np.zeros_like(a))] + [
                    (f"{sign}{other}", s * np.asarray(v, float)) for other, v in arrays.items()
                    if np.shape(v) == given.shape for sign, s in (("", 1), ("-", -1))]
                for label, value in candidates:
                    if _close(given[wrong], value[wrong], atol, rtol):
                        return name, cond, label
                return name, cond, None
    return None
