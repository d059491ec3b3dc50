"""Practice questions of the network explorer (seed 004's trained two-conv net, real digits).

Every number comes from ``network_state`` (the digit forward, then backward from the loss for
its true label) and ``network_unit`` (what a click on a unit shows):

- ``count``: "how many of the 1,000 relu2 units receive a nonzero delta?" (a number).
  Right: the nonzero entries of relu2's delta. Mistakes: each delta split over its window
  (average pooling's routing: every unit of a window with a nonzero delta), every unit that
  is on (relu2 > 0), the ReLU mask applied one layer early (conv2's nonzero deltas).
- ``route``: "which relu2 unit of maxpool2 window (f, i, j) gets its delta?" (one cell of
  the window). Right: ``network_unit(state, "maxpool2", ...)``'s route (the forward pass's
  argmax). Mistakes: every tied maximum (a window of zeros: all four), the last maximum,
  the delta split over the window.
- ``reach``: "which maxpool1 units of channel c does the delta of conv2 unit (f, i, j)
  reach?" (cells of a 13x13 map). Right: ``network_unit(state, "conv2", ...)["down"]``.
  Mistakes: only unit (i, j), the window on the wrong side (rows i − 3..i: the index of the
  full correlation read backwards), conv1's 3x3 kernel size.
- ``gate``: "does a nonzero delta reach conv2 unit (f, r, s)?" (yes / no). Right: conv2's
  delta there. The wrong option is named by why it is wrong there: the unit lost its
  max-pool window, or won it (a tie of zeros) while ReLU was off, or won it and was on.
"""
import numpy as np

from .._panels import GREEN, ORANGE, grid, plain
from ..network_units import network_unit, sig3
from ._question import Mistake, Question, check_kind, pick

NAME = "network explorer"
M = [
    Mistake("count_split", "each delta split over its window",
            "max pooling sends each maxpool2 delta to one unit of its 2×2 window, the one the "
            "forward pass kept; the other three get 0."),
    Mistake("count_on_units", "every unit that is on",
            "a relu2 unit gets a delta only if it won its max-pool window; being on (> 0) is "
            "not enough, and a window of zeros also has a winner."),
    Mistake("count_mask_early", "the ReLU mask applied one layer early",
            "relu2's delta comes straight from maxpool2's routing; the ReLU mask acts on the way "
            "down to conv2, one step later."),
    Mistake("route_every_tie", "every tied maximum",
            "the forward pass kept one unit, the first maximum in row-major order (numpy's "
            "argmax), even in a window of zeros: the whole delta goes to it."),
    Mistake("route_last_tie", "the last maximum",
            "on a tie the first maximum in row-major order won in the forward pass."),
    Mistake("route_split", "split over the window",
            "max pooling's output is one unit of its window: that unit gets the whole delta."),
    Mistake("reach_one", "only unit (i, j)",
            "conv2 unit (f, i, j) read a 4×4 window of every maxpool1 map, and its delta goes "
            "back to each unit of that window, times the weight that multiplied it."),
    Mistake("reach_wrong_side", "the window on the wrong side",
            "conv2 unit (f, i, j) read rows i to i + 3 and columns j to j + 3 (stride 1, no "
            "padding); the full correlation writes the same sum from the input's side."),
    Mistake("reach_kernel_3", "conv1's kernel size",
            "conv2's kernels are 4×4 (conv1's are 3×3): its window is 4 rows and 4 columns."),
    Mistake("gate_not_winner", "a unit that lost its window",
            "maxpool2 sends its delta to one unit of the 2×2 window, the first maximum in "
            "row-major order; this unit is not that one, so it gets 0."),
    Mistake("gate_mask_forgotten", "the ReLU mask forgotten",
            "this unit won its window (a tie of zeros: the first wins), but conv2 ≤ 0 there: "
            "ReLU's derivative is 0, so the delta stops at relu2."),
    Mistake("gate_winner_missed", "the winner missed",
            "this unit holds its window's kept maximum and conv2 > 0 there: maxpool2's delta "
            "reaches relu2, and the ReLU passes it to conv2."),
]
MISTAKES = {m.key: m for m in M}
YES_NO = ("yes: a nonzero delta", "no: its delta is 0")


def _words(digit, label):
    return f"Test digit #{digit} (label {label}), the loss for its label."


def _explore(digit, stage, index, step=9):
    return {"digit": digit, "target": -1, "stage": stage, "unit": int(index), "step": step}


def count(state, digit, label):
    d, a = state.delta, state.act
    right = int(np.count_nonzero(d["relu2"]))
    windows = np.repeat(np.repeat(d["maxpool2"] != 0, 2, axis=1), 2, axis=2)   # (10, 10, 10)
    mistakes = {"count_split": [int(np.count_nonzero(windows))],
                "count_on_units": [int(np.count_nonzero(a["relu2"] > 0))],
                "count_mask_early": [int(np.count_nonzero(d["conv2"]))]}
    n_pool = int(np.count_nonzero(d["maxpool2"]))
    why = (f"Each of the {n_pool} nonzero maxpool2 deltas goes to one relu2 unit, its window's "
           f"kept maximum; windows do not overlap (2×2, stride 2): <b>{right}</b> units.")
    how = ("relu2's delta is maxpool2's backward: how many units of its 2×2 window does one "
           "maxpool2 delta reach, and how many maxpool2 deltas are there?")
    text = f"{_words(digit, label)} How many of the 1,000 relu2 units receive a nonzero delta?"
    return Question("count", {"digit": digit}, text, "number", right, mistakes, why, {"text": how},
                    explore=_explore(digit, "relu2", 0, step=4))


def route(state, digit, label, f, i, j):
    a = state.act["relu2"][f, 2 * i:2 * i + 2, 2 * j:2 * j + 2]   # (2, 2)
    flat = int(np.ravel_multi_index((f, i, j), (10, 5, 5)))
    unit = network_unit(state, "maxpool2", flat)
    win = divmod(int(state.winners["maxpool2"][f, i, j]), 2)
    rf, cf = np.unravel_index(unit["down"][0][1], (10, 10, 10))[1:]
    assert (rf - 2 * i, cf - 2 * j) == win   # the route of network_unit is the forward's argmax
    right = (win[0] * 2 + win[1],)
    ties = [k for k in range(4) if a.flat[k] == a.max()]
    mistakes = {"route_split": [(0, 1, 2, 3)]}
    if len(ties) > 1:
        mistakes["route_every_tie"] = [tuple(ties)]
        mistakes["route_last_tie"] = [(ties[-1],)]
    where = f"relu2[{f}, {2 * i}..{2 * i + 1}, {2 * j}..{2 * j + 1}]"
    why = (f"The window's maximum is {plain(a.max())}"
           + (f", a tie of {len(ties)}: the first in row-major order won" if len(ties) > 1 else "")
           + f"; relu2[{f}, {2 * i + win[0]}, {2 * j + win[1]}] gets all of the delta "
             f"{sig3(state.delta['maxpool2'][f, i, j])}.")
    pointer = {"extra": [f"relu2[{f}, {{R}}, {{C}}] is not the unit the forward pass kept: only "
                         f"that one gets maxpool2's delta."],
               "at": [-1 if k in right else 0 for k in range(4)],
               "R": [str(2 * i + r) for r in range(2)], "C": [str(2 * j + c) for c in range(2)],
               "missing": "Pick the one unit that gets maxpool2's delta."}
    panels = [grid("relu2", a, f"{where}", signed=False, origin=(2 * i, 2 * j))]
    text = (f"{_words(digit, label)} Maxpool2 unit ({f}, {i}, {j}) reads this 2×2 window of "
            f"relu2. Which unit receives its delta? Click it.")
    return Question("route", {"digit": digit, "f": f, "i": i, "j": j}, text, "cells", right, mistakes,
                    why, pointer, panels, target=0, explore=_explore(digit, "maxpool2", flat, step=4))


def reach(state, digit, label, f, i, j, channel=0):
    flat = int(np.ravel_multi_index((f, i, j), (10, 10, 10)))
    unit = network_unit(state, "conv2", flat)
    right = tuple(sorted(int(u) - channel * 169 for stage, u, w, _ in unit["down"]
                         if stage == "maxpool1" and u // 169 == channel and w != 0))

    def cells(rows, cols):
        return tuple(sorted(r * 13 + c for r in rows for c in cols if 0 <= r < 13 and 0 <= c < 13))

    mistakes = {"reach_one": [(i * 13 + j,)], "reach_kernel_3": [cells(range(i, i + 3), range(j, j + 3))]}
    if i or j:
        mistakes["reach_wrong_side"] = [cells(range(i - 3, i + 1), range(j - 3, j + 1))]
    at = []
    for k in range(169):
        r, c = divmod(k, 13)
        if k in right:
            at.append(-1)
        else:
            at.append(0 if r < i else 1 if r > i + 3 else 2 if c < j else 3)
    pointer = {"extra": [f"maxpool1[{channel}, {{r}}, {{c}}] lies {side} the window conv2 unit "
                         f"({f}, {i}, {j}) read." for side in ("above", "below", "left of", "right of")],
               "at": at, "R": [], "C": [],
               "missing": (f"A unit of the window conv2 unit ({f}, {i}, {j}) read is not picked: "
                           f"its delta goes back to every unit of that window (conv2 has no stride "
                           f"and no padding).")}
    why = (f"conv2 unit ({f}, {i}, {j}) read rows {i}..{i + 3} and columns {j}..{j + 3} of each "
           f"maxpool1 map: its delta {sig3(unit['delta'])} goes back to those {len(right)} units of "
           f"channel {channel}, times the weights w2[{f}, {channel}, m, q].")
    conv = np.zeros((10, 10))
    panels = [grid("conv2", conv, f"conv2 map {f}", signed=False, blank_zeros=True,
                   boxes=[(i, j, 1, 1, ORANGE)]),
              grid("maxpool1", np.zeros((13, 13)), f"maxpool1 map {channel}: click", signed=False,
                   blank_zeros=True)]
    text = (f"{_words(digit, label)} The delta of conv2 unit ({f}, {i}, {j}) goes back to "
            f"maxpool1. Click every unit of maxpool1 map {channel} it reaches.")
    return Question("reach", {"digit": digit, "f": f, "i": i, "j": j}, text, "cells", right, mistakes,
                    why, pointer, panels, target=1, explore=_explore(digit, "conv2", flat))


def gate(state, digit, label, f, r, s):
    conv = state.act["conv2"][f]
    i, j = r // 2, s // 2
    won = int(state.winners["maxpool2"][f, i, j]) == (r % 2) * 2 + s % 2
    on = conv[r, s] > 0
    passes = bool(state.delta["conv2"][f, r, s] != 0)
    assert passes == (won and on)
    right = 0 if passes else 1
    wrong = "gate_winner_missed" if passes else ("gate_not_winner" if not won else "gate_mask_forgotten")
    mistakes = {wrong: [1 - right]}
    why = ((f"relu2[{f}, {r}, {s}] is its window's kept maximum and conv2 = {plain(conv[r, s])} > 0: "
            f"the delta {sig3(state.delta['conv2'][f, r, s])} passes.") if passes else
           (f"relu2[{f}, {r}, {s}] is not its window's kept maximum: maxpool2 sends it nothing."
            if not won else f"relu2[{f}, {r}, {s}] won its window, but conv2 = {plain(conv[r, s])} ≤ 0: "
            f"the ReLU stops the delta."))
    how = "Look at both gates on the way down: max pooling's routing, then ReLU's mask."
    panels = [grid("conv2", conv[2 * i:2 * i + 2, 2 * j:2 * j + 2],
                   f"conv2[{f}] before ReLU", signed=True, origin=(2 * i, 2 * j),
                   boxes=[(r - 2 * i, s - 2 * j, 1, 1, GREEN)])]
    text = (f"{_words(digit, label)} Conv2 unit ({f}, {r}, {s}) (outlined) and the other units of "
            f"its 2×2 max-pool window, before the ReLU. Does a nonzero delta reach it?")
    return Question("gate", {"digit": digit, "f": f, "r": r, "s": s}, text, "choice", right, mistakes,
                    why, {"text": how}, panels, options=YES_NO,
                    explore=_explore(digit, "conv2", np.ravel_multi_index((f, r, s), (10, 10, 10)), 5))


ASK = {"count": count, "route": route, "reach": reach, "gate": gate}
POSITIONS = {"route": ("f", "i", "j"), "reach": ("f", "i", "j"), "gate": ("f", "r", "s"), "count": ()}


def ask(kind, setting, state, label):
    check_kind(kind, ASK, NAME)
    return ASK[kind](state, setting["digit"], label, *(setting[n] for n in POSITIONS[kind]))


def _shown_apart(a):
    """True where numbers that differ are also written differently (a learner compares them)."""
    texts = {}
    for v in np.ravel(a):
        texts.setdefault(plain(v), set()).add(float(v))
    return all(len(v) == 1 for v in texts.values())


def candidates(kind, state, digit):
    if kind == "count":
        yield {"digit": digit}
        return
    for f in range(10):
        if kind == "route":
            for i in range(5):
                for j in range(5):
                    if _shown_apart(state.act["relu2"][f, 2 * i:2 * i + 2, 2 * j:2 * j + 2]):
                        yield {"digit": digit, "f": f, "i": i, "j": j}
        elif kind == "reach":
            for i in range(7):
                for j in range(7):
                    if state.delta["conv2"][f, i, j] != 0:
                        yield {"digit": digit, "f": f, "i": i, "j": j}
        else:
            for r in range(10):
                for s in range(10):
                    window = state.act["conv2"][f, r // 2 * 2:r // 2 * 2 + 2, s // 2 * 2:s // 2 * 2 + 2]
                    if _shown_apart(np.maximum(window, 0)) and _shown_apart(window):
                        yield {"digit": digit, "f": f, "r": r, "s": s}


COUNT = {"count": 8, "route": 16, "reach": 12, "gate": 18}


def questions(states, seed=0):
    """``states``: {digit: (label, NetworkState)} (the stored digits). ``count`` on every
    digit; ``route`` half on windows of zeros, ``reach`` spread over edges and the middle,
    ``gate`` a third on each reason; the digits mixed."""
    out = []
    for n, kind in enumerate(ASK):
        fit = [(s, label, st) for digit, (label, st) in states.items() for s in candidates(kind, st, digit)]
        key = {"count": lambda c: c[0]["digit"],
               "route": lambda c: bool(c[2].act["relu2"][c[0]["f"], 2 * c[0]["i"]:2 * c[0]["i"] + 2,
                                                          2 * c[0]["j"]:2 * c[0]["j"] + 2].max() == 0),
               "reach": lambda c: (c[0]["i"] in (0, 6), c[0]["j"] in (0, 6)),
               "gate": _gate_case}[kind]
        out += pick(fit, lambda c, kind=kind: ask(kind, c[0], c[2], c[1]), COUNT[kind],
                    np.random.default_rng([seed, n]), key)
    return out


def _gate_case(c):
    """Which wrong option a ``gate`` setting has: the unit lost its window, won it while off,
    or won it while on."""
    (s, _, st), (f, r, q) = c, (c[0]["f"], c[0]["r"], c[0]["s"])
    won = int(st.winners["maxpool2"][f, r // 2, q // 2]) == (r % 2) * 2 + q % 2
    return (won, bool(st.act["conv2"][f, r, q] > 0))
