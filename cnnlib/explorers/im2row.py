"""The im2row explorer: one output position is one row of the im2row matrix, and back.

Forward: the chosen output's window in the input, its row in ``im2row(x)``, and
the kernel w whose flattened entries the row meets. Backward: the row ``δ_r·w``
of ``dY @ W`` and ``row2im`` scattering it back onto the window.
"""
import html
import itertools
from dataclasses import dataclass

import numpy as np

from ..conv import conv_output_shape
from ..correlate import pad2d
from ..im2row import im2row, row2im
from . import _check
from ._base import Explorer
from ._panels import ORANGE, grid, num, outside, pick_table, plain
from .gradient_flow_state import gradient_flow_layer


@dataclass
class Im2rowState:
    """The numbers behind ``im2row_explorer`` for one setting."""
    kernel_size: int
    stride: int
    pad: int
    x_pad: np.ndarray          # (Hp, Wp), the input (one channel) padded
    w: np.ndarray              # (K, K)
    rows: np.ndarray           # (H_out*W_out, K*K) im2row(x)
    out: np.ndarray            # (H_out, W_out) rows @ w.ravel(), reshaped
    dout: np.ndarray           # (H_out, W_out)
    d_rows: np.ndarray         # (H_out*W_out, K*K) dY @ w.reshape(1, -1): row r is δ_r · w
    out_pos: tuple
    row: int                   # r = i * W_out + j
    window: tuple              # (row, col, K, K) in padded coordinates
    scatter_row_pad: np.ndarray  # (Hp, Wp) row2im of row r alone (padded coordinates)
    dx_pad: np.ndarray         # (Hp, Wp) row2im of all rows (padded coordinates)
    dx: np.ndarray             # (H, W) row2im(d_rows, x.shape, ..., pad): the padding cropped


def im2row_state(kernel_size=3, stride=2, pad=0, out_pos=(0, 0), seed=0):
    """Pure function behind ``im2row_explorer`` (one channel, one filter).

    ``rows = im2row(x, K, K, S, P)``; row ``r = i*W_out + j`` is the window of
    output (i, j). Backward: ``d_rows = dY @ w.reshape(1, -1)`` and
    ``dx = row2im(d_rows, ...)``; ``row2im`` of row r alone is that row
    scattered back onto its window. Padded-coordinate versions come from the
    same functions applied to ``pad2d(x)`` with no padding.
    """
    out_pos = _check.pair("im2row_state", "out_pos", out_pos)
    x4, w4, b, d4 = gradient_flow_layer(1, seed, kernel_size, stride, pad)
    k = kernel_size
    rows = im2row(x4, k, k, stride, pad)  # (H_out*W_out, K*K)
    h_out, w_out = d4.shape[2:]
    out = (rows @ w4.reshape(1, -1).T).reshape(h_out, w_out)  # (H_out*W_out, 1) -> (H_out, W_out)
    d_y = d4.reshape(-1, 1)  # (H_out*W_out, F=1)
    d_rows = d_y @ w4.reshape(1, -1)  # (H_out*W_out, K*K)
    i, j = int(np.clip(out_pos[0], 0, h_out - 1)), int(np.clip(out_pos[1], 0, w_out - 1))
    r = i * w_out + j
    x_pad4 = pad2d(x4, pad)
    only_r = np.zeros_like(d_rows)
    only_r[r] = d_rows[r]
    scatter_row_pad = row2im(only_r, x_pad4.shape, k, k, stride, 0)[0, 0]
    dx_pad = row2im(d_rows, x_pad4.shape, k, k, stride, 0)[0, 0]
    dx = row2im(d_rows, x4.shape, k, k, stride, pad)[0, 0]
    return Im2rowState(k, stride, pad, x_pad4[0, 0], w4[0, 0], rows, out, d4[0, 0], d_rows,
                       (i, j), r, (stride * i, stride * j, k, k), scatter_row_pad, dx_pad, dx)


class Im2rowExplorer(Explorer):
    """``im2row_explorer``: controls and views; the numbers are in ``self.state``."""

    NAME = "im2row explorer"
    max_rows_shown = 9
    CONTROLS = [
        dict(name="mode", kind="toggle", label="direction",
             options=[["forward: im2row", "forward"], ["backward: row2im", "backward"]],
             value="forward"),
        dict(name="kernel_size", kind="slider", label="kernel K", min=2, max=4, value=3),
        dict(name="stride", kind="slider", label="stride S", min=1, max=3, value=2),
        dict(name="pad", kind="slider", label="padding P", min=0, max=1, value=0),
        dict(name="out_i", kind="slider", label="output row i", min=0, max=2, value=0),
        dict(name="out_j", kind="slider", label="output col j", min=0, max=2, value=0),
    ]
    MODE, GEOMETRY = "mode", ["kernel_size", "stride", "pad"]
    KEYS = {m: ["kernel_size", "stride", "pad", "out_i", "out_j"] for m in ("forward", "backward")}
    VISIBLE = dict.fromkeys(("forward", "backward"), [c["name"] for c in CONTROLS])

    ARGUMENTS = ("seed",)

    def __init__(self, seed=0, **values):
        self.seed = _check.seed(type(self).__name__, seed)
        super().__init__(**values)

    def limits(self, values):
        k = values["kernel_size"]
        _, _, h_out, w_out = conv_output_shape((1, 1, 7, 7), (1, 1, k, k), values["stride"],
                                               values["pad"])
        return {"out_i": h_out - 1, "out_j": w_out - 1}

    def geometries(self):
        for k, s, p in itertools.product((2, 3, 4), (1, 2, 3), (0, 1)):
            yield {"kernel_size": k, "stride": s, "pad": p}

    def positions(self, base):
        lim = self.limits(base)
        for i, j in itertools.product(range(lim["out_i"] + 1), range(lim["out_j"] + 1)):
            yield {"out_i": i, "out_j": j}

    def compute(self, values):
        return im2row_state(values["kernel_size"], values["stride"], values["pad"],
                            (values["out_i"], values["out_j"]), self.seed)

    def band(self, state=None):
        """The rows of the matrix shown, ``(lo, hi)``: at most ``max_rows_shown``, around row r."""
        s = state or self.state
        n_rows, r, shown = s.rows.shape[0], s.row, self.max_rows_shown
        start = int(np.clip(r - shown // 2, 0, max(n_rows - shown, 0)))
        return start, min(n_rows, start + shown)

    def _band(self, n_rows):   # the old name
        return self.band()

    def scene(self, s, values):
        k, pad, r = s.kernel_size, s.pad, s.row
        i, j = s.out_pos
        w_out = s.out.shape[1]
        lo, hi = self.band(s)
        n_rows = s.rows.shape[0]
        band = "" if (lo, hi) == (0, n_rows) else f", rows {lo}..{hi - 1} shown"
        # why only some rows: said once, in the readout
        why = ("" if not band else f" The matrix has {n_rows} rows, one per output; the "
               f"{hi - lo} around row r are drawn (rows {lo}..{hi - 1}), each labelled with "
               f"its row number.")
        r0, c0 = s.window[0] - pad, s.window[1] - pad   # x's indices, as the grid's labels
        row_box = [(r - lo, 0, 1, k * k, ORANGE)]
        win = s.window + (ORANGE,)
        to_output = pick_table(s.out.shape, lambda a, b: {"out_i": a, "out_j": b})
        to_row = pick_table((hi - lo, k * k),
                            lambda a, b: dict(zip(("out_i", "out_j"), divmod(lo + a, w_out))))
        if values["mode"] == "forward":
            text = (f"Output ({i}, {j}) is row r = i·W_out + j = {i}·{w_out} + {j} = <b>{r}</b>"
                    f" of im2row(x): its window (rows {r0}..{r0 + k - 1}, cols "
                    f"{c0}..{c0 + k - 1} of x) read row by row (column m·{k} + q holds entry "
                    f"(m, q)). out[{i},{j}] = row {r} · w.ravel() = {plain(s.out[i, j])}.{why}")
            return dict(readout=text, tip=("Click an output or a row of the matrix to pick "
                                           "that output position."), panels=[
                grid("x", s.x_pad, "input x", signed=False, pad=pad, boxes=[win]),
                grid("rows", s.rows[lo:hi], f"im2row(x): {s.rows.shape[0]}×{k * k}{band}",
                     signed=False, origin=(lo, 0), boxes=row_box, pick=to_row),
                grid("w", s.w, "kernel w", signed=True),
                grid("w_flat", s.w.reshape(1, -1), f"w.ravel(): entry (m, q) at m·{k} + q",
                     signed=True),
                grid("out", s.out, "rows @ w.ravel()", boxes=[(i, j, 1, 1, ORANGE)],
                     pick=to_output)])
        text = (f"Backward: row {r} of dY·w is δ[{i},{j}]·w = {num(s.dout[i, j])}·w. row2im sends "
                f"each entry back to the pixel it was copied from (rows {r0}..{r0 + k - 1}, cols "
                f"{c0}..{c0 + k - 1} of x) and adds where windows overlap"
                f"{'; then the padding frame is cropped' if pad else ''}.{why}")
        return dict(readout=html.escape(text), tip=("Click a delta or a row of the matrix to "
                                                   "pick that output position."), panels=[
            grid("delta", s.dout, "deltas δ", signed=True, boxes=[(i, j, 1, 1, ORANGE)],
                 pick=to_output),
            grid("d_rows", s.d_rows[lo:hi], f"dY·w: row r is δ_r·w{band}", signed=True,
                 origin=(lo, 0), boxes=row_box, pick=to_row),
            grid("scatter", s.scatter_row_pad, f"row2im(row {r} alone)", signed=True, pad=pad,
                 blank=outside(s.x_pad.shape, win), boxes=[win]),
            grid("dx", s.dx_pad, "row2im(all rows) = dX", signed=True, pad=pad, boxes=[win])])


def im2row_explorer(seed=0, **values):
    """One output position = one row of the im2row matrix (returns a widget).

    Forward: the chosen output's window in the input, its row in ``im2row(x)``
    and the kernel w. Backward: the row ``δ_r · w`` of ``dY @ W`` and
    ``row2im`` scattering it back onto the window; all rows together give dX.
    ``values`` set controls at the start (``im2row_explorer(stride=1)``), each
    within its slider's range (kernel 2..4, stride 1..3, padding 0..1), else a
    ValueError; ``seed`` is an int >= 0.
    """
    return Im2rowExplorer(seed=seed, **values)
