"""Practice questions of the pooling explorer (max or average pooling, size 2-4, stride 1-4).

On the explorer's input (7x7 integers with ties) and deltas (``pooling_layer``):

- ``route``: "click every cell of dX that gets a share of δ[i, j]" (cells). Right: the
  backward pass of that delta alone (``maxpool2d_backward`` / ``avgpool2d_backward``).
  Mistakes, max pooling: every tied maximum (the cells equal to the window's maximum,
  cnnlib's forward), the last maximum (the backward on x plus a tiny row-major ramp, which
  makes the last tie win), the delta split over the window (average pooling's backward),
  the window not strided (the stride-1 layer's output (i, j)); average pooling: only the
  maximum (max pooling's backward), the window not strided.
- ``dx``: "type dX[r, c]" (all deltas). Right: the backward pass. Mistakes, max pooling:
  the shares assigned and not added (one window's share), every tied maximum, the last
  maximum, split evenly (average pooling's backward); average pooling: δ/K instead of δ/K²
  (the backward of K·δ), divided by S² (the backward of δ·K²/S²), not added, routed to the
  maximum (max pooling's backward).
"""
import itertools

import numpy as np

from ...pool import avgpool2d_backward, avgpool2d_forward, maxpool2d_backward, maxpool2d_forward
from .._panels import GREEN, ORANGE, grid, num, plain
from ..pooling import first_window, pooling_layer, pooling_state
from ._question import Mistake, Question, cells_of, check_kind, pick, span

NAME = "pooling explorer"
M = [
    Mistake("route_every_tie", "every tied maximum",
            "on a tie the window's output came from one cell, the first maximum in row-major "
            "order: only that cell gets the delta."),
    Mistake("route_last_tie", "the last maximum",
            "on a tie the forward pass kept the first maximum in row-major order (numpy's "
            "argmax), so backward sends the delta there."),
    Mistake("route_split", "split over the window",
            "max pooling's output is one cell of its window: the whole delta goes to that "
            "cell, the maximum, and nothing to the others."),
    Mistake("route_max_only", "only the maximum",
            "average pooling's output is the mean of every cell of its window: each cell gets "
            "an equal share δ/K²."),
    Mistake("route_not_strided", "the window not strided",
            "output (i, j)'s window starts at row S·i and column S·j, not at (i, j)."),
    Mistake("dx_not_added", "assigned, not added",
            "windows overlap: a cell in several windows gets a share from each of them, and "
            "dX adds them up."),
    Mistake("dx_every_tie", "every tied maximum",
            "on a tie only the first maximum in row-major order receives a window's delta."),
    Mistake("dx_last_tie", "the last maximum",
            "on a tie the first maximum in row-major order, not the last, receives the delta."),
    Mistake("dx_split", "split evenly",
            "max pooling sends each window's whole delta to its maximum, nothing to the other "
            "cells."),
    Mistake("dx_one_over_k", "δ/K instead of δ/K²",
            "the window has K·K cells and the mean divides by all of them: each gets δ/K²."),
    Mistake("dx_over_s2", "divided by S²",
            "the share is δ divided by the number of cells in the window, K², whatever the "
            "stride."),
    Mistake("dx_max_routing", "routed to the maximum",
            "average pooling has no winner: every cell of the window gets δ/K²."),
]
MISTAKES = {m.key: m for m in M}
FORWARD = {"max": (maxpool2d_forward, maxpool2d_backward), "avg": (avgpool2d_forward, avgpool2d_backward)}


def _backward(mode, x, dout, size, stride):
    forward, backward = FORWARD[mode]
    return backward(dout, forward(x, size, stride)[1])[0, 0]


def _one(dout, i, j):
    keep = np.zeros_like(dout)
    keep[0, 0, i, j] = dout[0, 0, i, j]
    return keep


def _last_wins(x):
    """x plus a ramp too small to change any order but a tie's: the last maximum wins."""
    return x + np.arange(x.size).reshape(x.shape) * 1e-6


def _setting(mode, size, stride, **at):
    return {"mode": mode, "size": size, "stride": stride, **at}


def _words(mode, size, stride):
    kind = "Max" if mode == "max" else "Average"
    return f"{kind} pooling, size K = {size}, stride S = {stride}."


def route(mode, size, stride, i, j):
    x, dout = pooling_layer(0, size, stride)
    s = pooling_state(mode, size, stride, (i, j))
    right = cells_of(s.route != 0)
    r0, c0 = stride * i, stride * j
    window = np.zeros(s.x.shape, dtype=bool)
    window[r0:r0 + size, c0:c0 + size] = True
    mistakes = {}
    if mode == "max":
        ties = window & (s.x == s.out[i, j])   # cnnlib's forward: the window's maximum
        if ties.sum() > 1:
            mistakes["route_every_tie"] = [cells_of(ties)]
            mistakes["route_last_tie"] = [cells_of(_backward("max", _last_wins(x), _one(dout, i, j), size,
                                                             stride) != 0)]
        mistakes["route_split"] = [cells_of(_backward("avg", x, _one(dout, i, j), size, stride) != 0)]
    else:
        mistakes["route_max_only"] = [cells_of(_backward("max", x, _one(dout, i, j), size, stride) != 0)]
    if stride > 1 and (i, j) != (0, 0):
        _, d1 = pooling_layer(0, size, 1)
        d1 = np.ones_like(d1)
        mistakes["route_not_strided"] = [cells_of(_backward(mode, x, _one(d1, i, j), size, 1) != 0)]
    # pointers: 0 outside the window, 1 in it but not the first maximum
    at = [-1 if k in right else (1 if window.flat[k] else 0) for k in range(s.x.size)]
    every = "every row and column" if stride == 1 else f"every S = {stride} rows and columns"
    pointer = {"extra": [f"x[{{r}}, {{c}}] is outside the window of output ({i}, {j}) (windows "
                         f"start {every}).",
                         f"x[{{r}}, {{c}}] is in the window of output ({i}, {j}), but "
                         + ("it is not the cell the forward pass kept (the first maximum in "
                            "row-major order)." if mode == "max" else "")],
               "at": at, "R": [], "C": [],
               "missing": (f"A cell that gets a share of δ[{i}, {j}] is not picked: "
                           + ("max pooling sends the whole delta to its window's maximum."
                              if mode == "max" else "average pooling spreads it over the whole "
                              "window."))}
    rows, cols = span(r0, r0 + size - 1), span(c0, c0 + size - 1)
    if mode == "max":
        why = (f"Window ({i}, {j}) covers rows {rows}, columns {cols}; its maximum {plain(s.out[i, j])} "
               f"is x[{s.winner[0]}, {s.winner[1]}] (the first in row-major order), so all of "
               f"δ[{i}, {j}] = {plain(s.dout[i, j])} goes there.")
    else:
        why = (f"Window ({i}, {j}) covers rows {rows}, columns {cols}; each of its {size * size} "
               f"cells gets δ/{size * size} = {num(s.dout[i, j])}/{size * size} = "
               f"{plain(s.route[r0, c0])}.")
    panels = [grid("x", s.x, "input x", signed=False),
              grid("delta", s.dout, "deltas δ", signed=True, boxes=[(i, j, 1, 1, ORANGE)]),
              grid("dx", np.zeros(s.x.shape), "dX: click", signed=False, blank_zeros=True)]
    text = f"{_words(mode, size, stride)} Click every cell of dX that gets a share of δ[{i}, {j}]."
    return Question("route", _setting(mode, size, stride, i=i, j=j), text, "cells", right, mistakes,
                    why, pointer, panels, target=2,
                    explore={"mode": mode, "size": size, "stride": stride, "out_i": i, "out_j": j})


def dx(mode, size, stride, r, c):
    x, dout = pooling_layer(0, size, stride)
    s = pooling_state(mode, size, stride)
    right = float(s.dx[r, c])
    n_out = s.out.shape[0]
    holding = [(i, j) for i in range(n_out) for j in range(n_out)
               if stride * i <= r < stride * i + size and stride * j <= c < stride * j + size]
    shares = [_backward(mode, x, _one(dout, i, j), size, stride)[r, c] for i, j in holding]
    sent = [v for v in shares if v != 0]
    mistakes = {"dx_not_added": sent if len(sent) > 1 else []}
    if mode == "max":
        out = maxpool2d_forward(x, size, stride)[0][0, 0]
        tied = [(i, j) for i, j in holding if s.x[r, c] == out[i, j]
                and (s.x[stride * i:stride * i + size, stride * j:stride * j + size] == out[i, j]).sum() > 1]
        if tied:   # x[r, c] ties for the maximum of a window that holds it
            mistakes["dx_every_tie"] = [sum(dout[0, 0, i, j] for i, j in holding if s.x[r, c] == out[i, j])]
            mistakes["dx_last_tie"] = [_backward("max", _last_wins(x), dout, size, stride)[r, c]]
        mistakes["dx_split"] = [_backward("avg", x, dout, size, stride)[r, c]]
    else:
        mistakes["dx_one_over_k"] = [_backward("avg", x, dout * size, size, stride)[r, c]]
        if stride != size:
            mistakes["dx_over_s2"] = [_backward("avg", x, dout * size ** 2 / stride ** 2, size, stride)[r, c]]
        mistakes["dx_max_routing"] = [_backward("max", x, dout, size, stride)[r, c]]
    n = len(holding)
    if mode == "max":
        how = (f"dX[{r}, {c}] adds δ[i, j] of every window whose kept maximum (the first, on a tie) "
               f"is x[{r}, {c}]; {n} window{'s hold' if n > 1 else ' holds'} x[{r}, {c}].")
        won = [(ij, v) for ij, v in zip(holding, shares) if v != 0]
        why = (f"dX[{r}, {c}] = " + " + ".join(f"δ[{i}, {j}]" for (i, j), _ in won) + " = "
               + " + ".join(num(v) for _, v in won) + f" = <b>{plain(right)}</b>: x[{r}, {c}] is "
               f"the kept maximum of window{'s' if len(won) > 1 else ''} "
               + ", ".join(f"({i}, {j})" for (i, j), _ in won) + "." if won else
               f"dX[{r}, {c}] = <b>0</b>: x[{r}, {c}] is the kept maximum of none of the {n} "
               f"window{'s' if n > 1 else ''} that hold it.")
    else:
        k2 = size * size
        how = (f"dX[{r}, {c}] adds δ[i, j]/{k2} of every window that holds x[{r}, {c}]; "
               f"{n} window{'s hold' if n > 1 else ' holds'} it.")
        total = sum(dout[0, 0, i, j] for i, j in holding)
        why = (f"dX[{r}, {c}] = (" + " + ".join(f"δ[{i}, {j}]" for i, j in holding) + f")/{k2} = ("
               + " + ".join(num(dout[0, 0, i, j]) for i, j in holding) + f")/{k2} = {plain(total)}/{k2}"
               f" = <b>{right:.4g}</b>.")
    panels = [grid("x", s.x, "input x", signed=False, boxes=[(r, c, 1, 1, GREEN)]),
              grid("delta", s.dout, "deltas δ", signed=True)]
    text = (f"{_words(mode, size, stride)} Type dX[{r}, {c}], the gradient at x[{r}, {c}] from all "
            f"the deltas" + (" (a fraction like -2/9 works)." if mode == "avg" else "."))
    first = first_window(r, c, size, stride, n_out) or (0, 0)
    return Question("dx", _setting(mode, size, stride, r=r, c=c), text, "number", right, mistakes,
                    why, {"text": how}, panels, tol=0.005,
                    explore={"mode": mode, "size": size, "stride": stride, "out_i": first[0],
                             "out_j": first[1]})


ASK = {"route": route, "dx": dx}


def ask(kind, setting):
    check_kind(kind, ASK, NAME)
    s = setting
    if kind == "route":
        return route(s["mode"], s["size"], s["stride"], s["i"], s["j"])
    return dx(s["mode"], s["size"], s["stride"], s["r"], s["c"])


def candidates(kind):
    """``route``: every window of every geometry; ``dx``: every cell in two windows or more."""
    for mode, size, stride in itertools.product(("max", "avg"), (2, 3, 4), (1, 2, 3, 4)):
        n = (7 - size) // stride + 1
        if kind == "route":
            for i, j in itertools.product(range(n), range(n)):
                yield _setting(mode, size, stride, i=i, j=j)
            continue
        cover = np.zeros((7, 7), dtype=int)
        for i, j in itertools.product(range(n), range(n)):
            cover[stride * i:stride * i + size, stride * j:stride * j + size] += 1
        for r, c in zip(*np.nonzero(cover >= 2)):
            yield _setting(mode, size, stride, r=int(r), c=int(c))


COUNT = {"route": 24, "dx": 24}


def _ties(s):
    """Whether ties matter to the setting: the window (route), or a window holding the cell
    where it ties for the maximum (dx), has two maxima or more."""
    x = pooling_layer(0, s["size"], s["stride"])[0][0, 0]
    k, st = s["size"], s["stride"]
    n = (7 - k) // st + 1
    spots = ([(s["i"], s["j"])] if "i" in s else
             [(i, j) for i in range(n) for j in range(n)
              if st * i <= s["r"] < st * i + k and st * j <= s["c"] < st * j + k])
    for i, j in spots:
        w = x[st * i:st * i + k, st * j:st * j + k]
        if (w == w.max()).sum() > 1 and ("i" in s or x[s["r"], s["c"]] == w.max()):
            return True
    return False


def questions(seed=0):
    """For each kind, ``COUNT`` questions taking turns over (mode, ties matter or not, the
    stride larger than 1 or not), drawn with ``default_rng([seed, k])``."""
    out = []
    for n, kind in enumerate(ASK):
        out += pick(list(candidates(kind)), lambda s, kind=kind: ask(kind, s), COUNT[kind],
                    np.random.default_rng([seed, n]),
                    lambda s: (s["mode"], s["mode"] == "max" and _ties(s), s["stride"] > 1))
    return out
