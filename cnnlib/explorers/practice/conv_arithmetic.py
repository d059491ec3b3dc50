"""Practice questions of the conv-arithmetic explorer (input H, kernel K, stride S, padding P).

- ``size``: "what is H_out?" (a typed number). Right: ``conv_output_shape``. Mistakes, each
  the same output-size computation on altered inputs: the division rounded up (the input
  made S − 1 rows taller: one more window counted when the stride does not tile), the +1
  forgotten (one window fewer), the padding left out (P = 0), the padding counted once (an
  input H + P tall, P = 0), the stride left out (S = 1). Where cnnlib finds no window on the
  altered input, ``⌊(H + 2P − K) / S⌋ + 1`` of it (what the learner's formula gives) is used.
- ``unread``: "click every row of the padded input that no window reads" (cells of a column
  of rows). Right: the rows where ``conv2d_coverage`` of the padded input is 0. Mistakes: a
  window that sticks out of the bottom taken as one more window (the padded input made
  S − rem rows taller), the padding ignored (the coverage of the unpadded input, P = 0), the
  stride ignored (S = 1), the gaps between windows missed (only the rows after the last).
"""
import itertools

import numpy as np

from ...conv import conv2d_coverage, conv_output_shape
from .._panels import grid
from ..conv_arithmetic import conv_arithmetic_state
from ._question import Mistake, Question, check_kind, pick, span

NAME = "conv-arithmetic explorer"
M = [
    Mistake("size_ceil", "the division rounded up",
            "a window must fit inside the padded input: where the stride does not tile, "
            "the rows left after the last window make no window. Round (H + 2P − K) / S down."),
    Mistake("size_no_plus_one", "the +1 forgotten",
            "(H + 2P − K) / S counts the steps between windows; the first window, at the top, "
            "comes on top of them: add 1."),
    Mistake("size_padding_left_out", "the padding left out",
            "the windows slide over the padded input, H + 2P rows tall."),
    Mistake("size_padding_once", "the padding counted once",
            "P rows of zeros go on top and P at the bottom: the padded input is H + 2P tall."),
    Mistake("size_stride_left_out", "the stride left out",
            "the windows move S rows at a time: divide (H + 2P − K) by S."),
    Mistake("unread_ceil", "a window that sticks out",
            "the last window must end inside the padded input: the rows after it, too few for "
            "one more window, are read by none."),
    Mistake("unread_padding_ignored", "the padding ignored",
            "the first window starts at the top of the padded input, P rows above x: the windows "
            "sit P rows higher than on x alone, and padding rows count too."),
    Mistake("unread_stride_ignored", "the stride ignored",
            "the windows move S rows at a time, not one: rows can be left out between them "
            "(where S > K) and after the last one."),
    Mistake("unread_gaps_missed", "the gaps missed",
            "with K < S each step jumps over S − K rows between two windows: no window reads "
            "those rows either."),
]
MISTAKES = {m.key: m for m in M}


def _out(h, k, s, p):
    """Windows along one axis: cnnlib's ``conv_output_shape``, or the formula where cnnlib
    finds no window (what a learner's formula gives on those inputs)."""
    try:
        return conv_output_shape((1, 1, h, h), (1, 1, k, k), s, p)[2]
    except ValueError:
        return (h + 2 * p - k) // s + 1


def _setting(h, k, s, p):
    return {"size": h, "kernel_size": k, "stride": s, "pad": p}


def size(h, k, s, p):
    state = conv_arithmetic_state(h, k, s, p)
    right = state.out_size
    mistakes = {"size_ceil": [_out(h + s - 1, k, s, p)] if state.remainder else [],
                "size_no_plus_one": [right - 1]}
    if p:
        mistakes["size_padding_left_out"] = [_out(h, k, s, 0)]
        mistakes["size_padding_once"] = [_out(h + p, k, s, 0)]
    if s > 1:
        mistakes["size_stride_left_out"] = [_out(h, k, 1, p)]
    pointer = (f"H_out counts the windows: the first starts at the top of the padded input, each "
               f"next one {f'{s} rows' if s > 1 else 'row'} lower, and the last must end inside the "
               f"H + 2P = {h + 2 * p} padded rows.")
    text = f"Input H = {h}, kernel K = {k}, stride S = {s}, padding P = {p}: type H_out."
    return Question("size", _setting(h, k, s, p), text, "number", right, mistakes,
                    state.formula + ".", {"text": pointer}, explore=_setting(h, k, s, p))


def _unread_rows(coverage):
    """Rows (of a square coverage array) that no window reads."""
    return tuple(int(r) for r in np.nonzero(~coverage.any(axis=1))[0])


def unread(h, k, s, p):
    state = conv_arithmetic_state(h, k, s, p)
    hp = h + 2 * p
    right = _unread_rows(state.coverage_pad)
    mistakes = {}
    if state.remainder:   # one more window, sticking out of the bottom, as if it fitted
        taller = hp + s - state.remainder
        mistakes["unread_ceil"] = [tuple(r for r in _unread_rows(conv2d_coverage((taller, taller), k, s, 0))
                                         if r < hp)]
    if p and k <= h:   # (with K > H the unpadded input has no window at all)
        mistakes["unread_padding_ignored"] = [tuple(r + p for r in _unread_rows(conv2d_coverage((h, h), k, s, 0)))]
    if s > 1:
        mistakes["unread_stride_ignored"] = [_unread_rows(conv2d_coverage((hp, hp), k, 1, 0))]
    if state.gaps:
        mistakes["unread_gaps_missed"] = [tuple(r for r in right if r not in state.gaps)]
    n = state.out_size
    reader = {}
    for i in range(n):
        for r in range(s * i, s * i + k):
            reader.setdefault(r, i)
    extra = [f"Row {r - p} is read by window {reader[r]}, which covers rows "
             f"{span(s * reader[r] - p, s * reader[r] + k - 1 - p)}." if r in reader else ""
             for r in range(hp)]
    pointer = {"extra": extra, "at": [-1 if r in right else r for r in range(hp)], "R": [], "C": [],
               "missing": (f"A row that no window reads is not picked: windows start every {s} "
                           f"row{'s' if s > 1 else ''} from the top of the padded input (row "
                           f"{-p}), each {k} row{'s' if k > 1 else ''} tall, and the last must end "
                           f"inside the padded input (rows {span(-p, h + p - 1)}).")}
    rows = ", ".join(str(r - p) for r in right)
    starts = ", ".join(str(s * i - p) for i in range(n))
    why = (f"{state.formula}: windows start at row{'s' if n > 1 else ''} {starts}, each {k} "
           f"row{'s' if k > 1 else ''} tall, so no window reads row{'s' if len(right) > 1 else ''} "
           f"{rows}.")
    panel = grid("rows", np.zeros((hp, 1)), "rows of the padded input", signed=False,
                 blank_zeros=True, origin=(-p, 0), frame=(p, 0, h, 1))
    text = (f"Input H = {h}, kernel K = {k}, stride S = {s}, padding P = {p}. Click every row of the "
            f"padded input (rows {span(-p, h + p - 1)}) that no window reads.")
    return Question("unread", _setting(h, k, s, p), text, "cells", right, mistakes, why, pointer,
                    [panel], target=0, explore=_setting(h, k, s, p))


ASK = {"size": size, "unread": unread}


def ask(kind, setting):
    check_kind(kind, ASK, NAME)
    return ASK[kind](setting["size"], setting["kernel_size"], setting["stride"], setting["pad"])


def candidates(kind):
    """Every geometry of the explorer whose kernel fits; for ``unread`` those where some row
    of the padded input is read by no window."""
    for h, k, s, p in itertools.product(range(3, 13), range(1, 6), range(1, 5), range(4)):
        state = conv_arithmetic_state(h, k, s, p)
        if state.error or (kind == "unread" and not _unread_rows(state.coverage_pad)):
            continue
        yield _setting(h, k, s, p)


COUNT = {"size": 30, "unread": 24}


def questions(seed=0):
    out = []
    for n, kind in enumerate(ASK):
        out += pick(list(candidates(kind)), lambda s, kind=kind: ask(kind, s), COUNT[kind],
                    np.random.default_rng([seed, n]), lambda s: (s["stride"], s["pad"] > 0, s["kernel_size"] > s["stride"]))
    return out
