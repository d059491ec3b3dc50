"""The conv-arithmetic explorer: input size, kernel, stride, padding -> output size and windows.

The readout gives the output-size formula with the numbers, and says which
rows and columns no window reads and why: gaps between windows (stride S
larger than the kernel K) and rows left over after the last window (the stride
does not tile), and whether those are real pixels or only padding.
"""
import html
import itertools
from dataclasses import dataclass

import numpy as np

from ..conv import conv2d_coverage, conv_output_shape
from . import _check
from ._base import Explorer
from ._panels import ORANGE, grid, pick_table


@dataclass
class ConvArithmeticState:
    """Output size, windows and unread pixels for one input size, kernel, stride, padding."""
    size: int
    kernel_size: int
    stride: int
    pad: int
    padded: int                # H + 2P
    out_size: int              # H_out (0 when the kernel does not fit)
    error: object              # cnnlib's ValueError message, or None
    remainder: int             # (H + 2P - K) mod S: padded rows/cols after the last window
    tiles: bool                # remainder == 0
    coverage_pad: np.ndarray   # (Hp, Hp) windows reading each padded pixel (conv2d_coverage);
    #                            padded row r is row r - P of x (the grid's labels)
    unread: np.ndarray         # (Hp, Hp) bool, real pixels no window reads
    out_pos: tuple
    window: object             # (row, col, K, K) in padded coordinates, or None
    formula: str
    reason: str
    gaps: tuple = ()           # padded rows (= cols) between two windows, read by none
    leftover: tuple = ()       # padded rows (= cols) after the last window


def _rows(rows, pad, size):
    """'2, 3, 6': the real rows among the padded rows ``rows``, in x's indices."""
    real = [r - pad for r in rows if pad <= r < pad + size]
    return ", ".join(str(r) for r in real)


def _in_x(rows, pad, size):
    """'rows 2, 3 and 6' for the padded rows ``rows``, named by x's indices (as the grid's
    labels): padding rows are below 0 or from H on, and said to be padding."""
    xs = [r - pad for r in rows]
    listed = ", ".join(map(str, xs[:-1])) + (" and " if len(xs) > 1 else "") + str(xs[-1])
    pads = [x for x in xs if x < 0 or x >= size]
    note = ("" if not pads else ": padding" if len(pads) == len(xs)
            else f"; {', '.join(map(str, pads))}: padding")
    return f"{'row' if len(xs) == 1 else 'rows'} {listed}{note}"


def conv_arithmetic_state(size=7, kernel_size=3, stride=2, pad=0, out_pos=(0, 0)):
    """Pure function behind ``conv_arithmetic_explorer`` (square input and kernel).

    ``H_out = floor((H + 2P - K) / S) + 1`` comes from ``conv_output_shape``, the
    windows' coverage from ``conv2d_coverage``. A padded row no window reads lies
    either in a gap between two windows (when S > K) or after the last window
    (when ``(H + 2P - K)`` is not a multiple of S); real pixels in such a row or
    column are never read, and their gradient is always 0. Every size is an int
    in 1..64 (padding 0..64; else ValueError): the grids stay small.
    """
    size, kernel_size, stride = (_check.int_in("conv_arithmetic_state", n, v, 1, 64) for n, v in
                                 (("size", size), ("kernel_size", kernel_size), ("stride", stride)))
    pad = _check.int_in("conv_arithmetic_state", "pad", pad, 0, 64)
    out_pos = _check.pair("conv_arithmetic_state", "out_pos", out_pos)
    padded = size + 2 * pad
    head = (f"H_out = ⌊(H + 2P − K) / S⌋ + 1 = ⌊({size} + {2 * pad} − {kernel_size}) / "
            f"{stride}⌋ + 1")
    try:
        out_size = conv_output_shape((1, 1, size, size), (1, 1, kernel_size, kernel_size),
                                     stride, pad)[2]
        error = None
    except ValueError as exc:
        out_size, error = 0, str(exc)
    gaps, leftover = (), ()
    if error:
        coverage = np.zeros((padded, padded), dtype=int)
        remainder, window, pos = 0, None, (0, 0)
        formula, reason = f"{head}: the kernel does not fit", f"No output: {error}."
    else:
        coverage = conv2d_coverage((padded, padded), kernel_size, stride, 0)
        span = padded - kernel_size
        remainder = span % stride
        pos = tuple(int(np.clip(v, 0, out_size - 1)) for v in out_pos)
        window = (stride * pos[0], stride * pos[1], kernel_size, kernel_size)
        formula = f"{head} = ⌊{span}/{stride}⌋ + 1 = {out_size}"
        end = padded - remainder - 1           # the last padded row a window reads
        unread_rows = [int(r) for r in np.nonzero(~coverage.any(axis=1))[0]]
        gaps = tuple(r for r in unread_rows if r < end)
        leftover = tuple(r for r in unread_rows if r > end)
        parts = []
        if gaps:
            parts.append(f"K = {kernel_size} < S = {stride}: each step skips S − K = "
                         f"{stride - kernel_size} row(s) and column(s) between two windows "
                         f"({_in_x(gaps, pad, size)}).")
        if remainder:
            parts.append(f"The stride does not tile: {span} = {span // stride}·{stride} + "
                         f"{remainder}, so after the last window (it ends at row {end - pad}) "
                         f"{remainder} row(s) and column(s) are left over "
                         f"({_in_x(leftover, pad, size)}): the division is floored.")
        else:
            parts.append(f"The stride tiles: {span} is a multiple of {stride}, the last window "
                         f"ends exactly at the last row{' of the padding' if pad else ''}, "
                         f"row {padded - 1 - pad}.")
        real = _rows(unread_rows, pad, size)
        if not unread_rows:
            parts.append("Every pixel is read.")
        elif real:
            n_unread = int(((coverage == 0)[pad:pad + size, pad:pad + size]).sum())
            rows_word = "rows and columns" if "," in real else "row and column"
            parts.append(f"Real {rows_word} {real} are never read: {n_unread} of "
                         f"{size * size} pixels are crossed out, their gradient is always 0.")
        else:
            parts.append("Those rows and columns are all padding: every real pixel is read, "
                         "nothing is crossed out.")
        reason = " ".join(parts)
    unread = np.zeros((padded, padded), dtype=bool)
    unread[pad:pad + size, pad:pad + size] = coverage[pad:pad + size, pad:pad + size] == 0
    return ConvArithmeticState(size, kernel_size, stride, pad, padded, out_size, error, remainder,
                               remainder == 0 and not error, coverage, unread, pos, window,
                               formula, reason, gaps, leftover)


class ConvArithmeticExplorer(Explorer):
    """``conv_arithmetic_explorer``: one view per geometry; the window follows the position.

    The sliders' ranges bound every size (input H 3..12, kernel 1..5, stride 1..4,
    padding 0..3): the table of views covers exactly these, and a value outside
    them, from the constructor or a setter, is a ValueError.
    """

    NAME = "conv-arithmetic explorer"
    CONTROLS = [
        dict(name="size", kind="slider", label="input H", min=3, max=12, value=7),
        dict(name="kernel_size", kind="slider", label="kernel K", min=1, max=5, value=3),
        dict(name="stride", kind="slider", label="stride S", min=1, max=4, value=2),
        dict(name="pad", kind="slider", label="padding P", min=0, max=3, value=0),
        dict(name="out_i", kind="slider", label="window row i", min=0, max=2, value=0),
        dict(name="out_j", kind="slider", label="window col j", min=0, max=2, value=0),
    ]
    MODE, GEOMETRY = None, ["size", "kernel_size", "stride", "pad"]
    KEYS = {"": ["size", "kernel_size", "stride", "pad"]}
    VISIBLE = {"": [c["name"] for c in CONTROLS]}

    def limits(self, values):
        s = conv_arithmetic_state(values["size"], values["kernel_size"], values["stride"],
                                  values["pad"])
        return {"out_i": max(s.out_size - 1, 0), "out_j": max(s.out_size - 1, 0)}

    def geometries(self):
        for h, k, s, p in itertools.product(range(3, 13), range(1, 6), range(1, 5), range(4)):
            yield {"size": h, "kernel_size": k, "stride": s, "pad": p}

    def positions(self, base):
        yield {}

    def compute(self, values):
        return conv_arithmetic_state(values["size"], values["kernel_size"], values["stride"],
                                     values["pad"], (values["out_i"], values["out_j"]))

    def scene(self, s, values):
        n, k, st = s.out_size, s.kernel_size, s.stride
        windows = [[[(st * i, st * j, k, k, ORANGE)] for j in range(max(n, 1))]
                   for i in range(max(n, 1))] if n else [[[]]]
        panels = [grid("coverage", s.coverage_pad, "windows reading each pixel", signed=False,
                       pad=s.pad, vmax=2 * max(int(s.coverage_pad.max()), 1),  # light greys
                       marks=s.unread, select=(("out_i", "out_j"), windows))]
        if not s.error:
            index = np.arange(n * n).reshape(n, n)
            here = [[[(i, j, 1, 1, ORANGE)] for j in range(n)] for i in range(n)]
            panels.append(grid("windows", index, "output (window no.)", signed=False,
                               vmax=4 * index.max() + 1, select=(("out_i", "out_j"), here),
                               pick=pick_table((n, n), lambda r, c: {"out_i": r, "out_j": c})))
        tip = "Click an output to outline its window." if not s.error else ""
        return dict(readout=f"{html.escape(s.formula)}<br>{html.escape(s.reason)}", tip=tip,
                    panels=panels)


def conv_arithmetic_explorer(**values):
    """Input size, kernel, stride, padding -> output size and windows (returns a widget).

    The grid shows the padded input with the number of windows reading each
    pixel; the window of the chosen output is outlined; the readout gives the
    output-size formula with the numbers and which rows and columns are left
    unread (gaps between windows, leftovers after the last one) and why.
    ``values`` set controls at the start (``conv_arithmetic_explorer(size=9, stride=3)``).
    Sizes are bounded by the sliders: input H 3..12, kernel K 1..5, stride S 1..4,
    padding P 0..3 (a ValueError otherwise; the views of every one of these
    settings are stored with the widget).
    """
    return ConvArithmeticExplorer(**values)
