"""The panels of an explorer's views: grids of numbers written as text, outlines, clicks.

A panel is a small dict (JSON, the browser draws it: ``js/grid.js``); ``grid`` makes
one from a numpy array, writing each number with ``cnnlib.plotting._format``, so the
text the learner reads is Python's.
"""
import json
from functools import lru_cache

import numpy as np

from ..plotting import _format

# outline colours: the hues of plotting.HIGHLIGHT and SECOND, darkened to reach 3:1 (WCAG's
# contrast for graphics) against the white halo drawn under every outline (js/grid.js), so an
# outline shows on any cell: orange 3.8:1, green 4.5:1; DARK ("done") 15.9:1
ORANGE, GREEN, DARK = "#d95f02", "#1e8a1e", "#222222"


def plain(v):
    """A number as a learner writes it: 3, -1.5, 0.25 (``plotting._format``)."""
    return _format(float(v), None)


def num(v):
    """As ``plain``, negative numbers in parentheses: (-1)·2."""
    s = plain(v)
    return f"({s})" if float(v) < 0 else s


def cells(values, blank_zeros=False, blank=None):
    """A 2-D array as the text of its cells: rows joined by ';', cells by ','.
    ``blank_zeros``: zeros are left empty; ``blank``: an (R, C) bool mask of cells left empty."""
    a = np.asarray(values, dtype=float)
    if a.ndim != 2:
        raise ValueError(f"cells: expected a 2-D array, got shape {a.shape}")
    mask = np.zeros(a.shape, dtype=bool) if blank is None else np.asarray(blank, dtype=bool)
    if mask.shape != a.shape:
        raise ValueError(f"cells: expected a blank mask of shape {a.shape}, got {mask.shape}")
    if blank_zeros:
        mask = mask | (a == 0)
    return _cells(a.shape, a.tobytes(), mask.tobytes())


@lru_cache(maxsize=4096)
def _cells(shape, data, mask):   # the explorers' tables repeat many arrays
    a = np.frombuffer(data, dtype=float).reshape(shape)
    empty = np.frombuffer(mask, dtype=bool).reshape(shape)
    return ";".join(",".join("" if e else plain(v) for v, e in zip(row, erow))
                    for row, erow in zip(a, empty))


def outside(shape, window):
    """(R, C) bool: True outside the ``window`` ``(row, col, height, width)``."""
    out = np.ones(shape, dtype=bool)
    r, c, h, w = window[:4]
    out[max(r, 0):r + h, max(c, 0):c + w] = False
    return out


def grid(name, values, title, signed=None, vmax=None, vmin=None, origin=None, pad=0,
         boxes=(), marks=None, pick=None, blank_zeros=False, frame=None, select=None,
         blank=None):
    """One panel: a grid of numbers with its colour scale, outlines, crosses and clicks.

    values : (R, C) array. ``signed``: diverging colours centred on 0 (default: any
    value < 0), ``vmax``/``vmin`` the colour limits (as ``plotting.plot_grid``).
    pad    : the dashed frame around the real image inside ``pad`` rows of padding
             (or ``frame=(row, col, height, width)``, a dashed frame anywhere).
    origin : the index written at the first row and column. Default ``(-pad, -pad)``:
             every grid is labelled with the index of the array it shows, so the real
             image keeps its indices 0..H-1 and its padding is -P..-1 and H..H+P-1 (as
             ``plotting.plot_padded_grid``, the sliders and the readouts).
    blank  : (R, C) bool, cells left empty (or ``blank_zeros``: every zero).
    boxes  : ``[(row, col, height, width, colour)]`` outlines.
    marks  : (R, C) bool, cells crossed out. ``pick``: (R, C) nested list of what a
    click on each cell sets (a dict of control values, or None: no click).
    select : ``(("out_i", "out_j"), boxes[i][j])``: outlines that follow two controls (one
    view serves every position: the browser picks ``boxes[value of out_i][value of out_j]``).
    """
    a = np.asarray(values, dtype=float)
    signed = bool((a < 0).any()) if signed is None else bool(signed)
    if signed:
        hi = float(vmax) if vmax is not None else max(float(np.abs(a).max()) if a.size else 1.0,
                                                       1e-12)
        lo = -hi
    else:
        lo = float(vmin) if vmin is not None else min(0.0, float(a.min()))
        hi = float(vmax) if vmax is not None else (float(a.max()) if a.max() > lo else lo + 1)
    if origin is None:
        origin = (-pad, -pad)
    panel = {"n": name, "t": title, "g": cells(a, blank_zeros, blank), "s": int(signed),
             "lo": lo, "hi": hi, "o": [int(origin[0]), int(origin[1])],
             "b": [[int(r), int(c), int(h), int(w), col] for r, c, h, w, col in boxes]}
    if pad:
        frame = (pad, pad, a.shape[0] - 2 * pad, a.shape[1] - 2 * pad)
    if frame is not None:
        panel["f"] = [int(v) for v in frame]
    if marks is not None and np.any(marks):
        panel["m"] = [[int(r), int(c)] for r, c in zip(*np.nonzero(marks))]
    if pick is not None:
        panel["k"] = pick
    if select is not None:
        panel["xb"], panel["x"] = list(select[0]), json.loads(json.dumps(select[1]))  # lists
    return panel


def resolved(panel, values):
    """The panel as drawn for ``values``: its ``select`` outlines added to its boxes."""
    if "x" not in panel:
        return panel
    a, b = panel["xb"]
    return {**panel, "b": panel["b"] + panel["x"][values[a]][values[b]]}


def pick_table(shape, fn):
    """``[[fn(row, col)]]``: what a click on each cell of a ``shape`` grid sets (or None)."""
    return [[fn(r, c) for c in range(shape[1])] for r in range(shape[0])]
