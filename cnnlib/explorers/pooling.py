"""The pooling explorer: max or average pooling, any size and stride: where each delta goes."""
import html
import itertools
from dataclasses import dataclass

import numpy as np

from ..conv import conv2d_coverage, conv_output_shape
from ..data import teaching_example
from ..pool import avgpool2d_backward, avgpool2d_forward, maxpool2d_backward, maxpool2d_forward
from . import _check
from ._base import Explorer
from ._panels import GREEN, ORANGE, grid, num, pick_table, plain


@dataclass
class PoolingState:
    """The numbers behind ``pooling_explorer`` for one setting."""
    mode: str                  # "max" or "avg"
    size: int
    stride: int
    x: np.ndarray              # (H, W)
    out: np.ndarray            # (H_out, W_out)
    dout: np.ndarray           # (H_out, W_out)
    dx: np.ndarray             # (H, W) the pooling backward of all deltas
    out_pos: tuple
    window: tuple              # (row, col, size, size)
    route: np.ndarray          # (H, W) where δ[i, j] alone goes (backward of that delta only)
    receivers: list            # [(r, c)] cells with a nonzero share of δ[i, j]
    winner: object             # (r, c) of the max (max mode) or None
    coverage: np.ndarray       # (H, W) windows holding each pixel
    unread: np.ndarray         # (H, W) bool


def pooling_layer(seed=0, size=2, stride=2):
    """Input ``(1, 1, 7, 7)`` (channel 0 of the teaching example: integers 0..9, with ties)
    and deltas ``(1, 1, H_out, W_out)`` of integers -2..2 (``default_rng([seed, 7])``).
    ``size`` and ``stride`` 1..7, ``seed`` an int >= 0 (else ValueError)."""
    seed = _check.seed("pooling_layer", seed)
    size, stride = (_check.int_in("pooling_layer", n, v, 1, 7) for n, v in (("size", size), ("stride", stride)))
    x = teaching_example(channels=1, seed=seed).x
    _, _, h_out, w_out = conv_output_shape(x.shape, (1, 1, size, size), stride, 0)
    d_big = np.random.default_rng([seed, 7]).integers(-2, 3, size=(1, 1, 7, 7)).astype(np.float64)
    d_big[d_big == 0] = 1.0  # every window sends something visible
    return x, d_big[:, :, :h_out, :w_out].copy()


def pooling_state(mode="max", size=2, stride=2, out_pos=(0, 0), seed=0):
    """Pure function behind ``pooling_explorer``: forward, backward and one delta's route.

    ``dx`` is ``maxpool2d_backward`` / ``avgpool2d_backward`` of all deltas;
    ``route`` is the same backward with only ``δ[i, j]`` kept.
    """
    if not isinstance(mode, str) or mode not in ("max", "avg"):
        raise ValueError(f"mode: expected 'max' or 'avg', got {mode!r}")
    out_pos = _check.pair("pooling_state", "out_pos", out_pos)
    forward, backward = ((maxpool2d_forward, maxpool2d_backward) if mode == "max"
                         else (avgpool2d_forward, avgpool2d_backward))
    x, dout = pooling_layer(seed, size, stride)
    out, cache = forward(x, size, stride)
    dx = backward(dout, cache)
    h_out, w_out = out.shape[2:]
    i, j = int(np.clip(out_pos[0], 0, h_out - 1)), int(np.clip(out_pos[1], 0, w_out - 1))
    one = np.zeros_like(dout)
    one[0, 0, i, j] = dout[0, 0, i, j]
    route = backward(one, cache)[0, 0]
    winner = None
    if mode == "max":
        m, n = divmod(int(cache.argmax[0, 0, i, j]), size)
        winner = (stride * i + m, stride * j + n)
    receivers = [tuple(int(v) for v in rc) for rc in zip(*np.nonzero(route))]
    coverage = conv2d_coverage(x.shape, size, stride, 0)
    return PoolingState(mode, size, stride, x[0, 0], out[0, 0], dout[0, 0], dx[0, 0], (i, j),
                        (stride * i, stride * j, size, size), route, receivers, winner, coverage,
                        coverage == 0)



def first_window(row, col, size, stride, n_out):
    """The first window (row-major) of a pooling layer that holds cell (row, col), or None."""
    first = [-(-max(v - size + 1, 0) // stride) for v in (row, col)]  # ceil((v-size+1)/S)
    if all(f * stride <= v < f * stride + size and f < n_out for f, v in zip(first, (row, col))):
        return tuple(first)
    return None


class PoolingExplorer(Explorer):
    """``pooling_explorer``: controls and views; the numbers are in ``self.state``."""

    NAME = "pooling explorer"
    CONTROLS = [
        dict(name="mode", kind="toggle", label="pooling",
             options=[["max pooling", "max"], ["average pooling", "avg"]], value="max"),
        dict(name="size", kind="slider", label="size", min=2, max=4, value=2),
        dict(name="stride", kind="slider", label="stride", min=1, max=4, value=2),
        dict(name="out_i", kind="slider", label="output row i", min=0, max=2, value=0),
        dict(name="out_j", kind="slider", label="output col j", min=0, max=2, value=0),
    ]
    MODE, GEOMETRY = "mode", ["size", "stride"]
    KEYS = {m: ["size", "stride", "out_i", "out_j"] for m in ("max", "avg")}
    VISIBLE = dict.fromkeys(("max", "avg"), [c["name"] for c in CONTROLS])

    ARGUMENTS = ("seed",)

    def __init__(self, seed=0, **values):
        self.seed = _check.seed(type(self).__name__, seed)
        super().__init__(**values)

    def limits(self, values):
        n = (7 - values["size"]) // values["stride"] + 1
        return {"out_i": n - 1, "out_j": n - 1}

    def geometries(self):
        for size, stride in itertools.product((2, 3, 4), (1, 2, 3, 4)):
            yield {"size": size, "stride": stride}

    def positions(self, base):
        n = self.limits(base)["out_i"] + 1
        for i, j in itertools.product(range(n), range(n)):
            yield {"out_i": i, "out_j": j}

    def compute(self, values):
        return pooling_state(values["mode"], values["size"], values["stride"],
                             (values["out_i"], values["out_j"]), self.seed)

    def scene(self, s, values):
        i, j = s.out_pos
        n = s.out.shape[0]
        if s.mode == "max":
            r, c = s.winner
            text = (f"Window ({i}, {j}): its maximum {plain(s.out[i, j])} sits at x[{r},{c}] "
                    f"(ties: the first in row-major order wins), so all of δ[{i},{j}] = "
                    f"{plain(s.dout[i, j])} goes there and nothing to the other cells.")
        else:
            k = s.size * s.size
            text = (f"Window ({i}, {j}): every one of its {k} cells gets "
                    f"δ/{k} = {num(s.dout[i, j])}/{k} = {plain(s.route[s.window[0], s.window[1]])}.")
        if s.stride < s.size:
            text += " Windows overlap: a cell in several windows adds up their shares."
        if s.unread.any():
            text += " Crossed cells are in no window: their gradient is 0."
        win = s.window + (ORANGE,)
        to_window = pick_table(s.x.shape, lambda r, c: _pick(first_window(r, c, s.size, s.stride, n)))
        to_output = pick_table(s.out.shape, lambda r, c: {"out_i": r, "out_j": c})
        winner = [(s.winner[0], s.winner[1], 1, 1, GREEN)] if s.winner else []
        name = "max" if s.mode == "max" else "mean"
        return dict(readout=html.escape(text), tip=("Click an output or a delta to pick its "
                                                   "window, or a cell of x or dX: its first window."),
                    panels=[
            grid("x", s.x, "input x", signed=False, boxes=[win] + winner, marks=s.unread,
                 pick=to_window),
            grid("out", s.out, f"output ({name})", signed=False, boxes=[(i, j, 1, 1, ORANGE)],
                 pick=to_output),
            grid("delta", s.dout, "deltas δ", signed=True, boxes=[(i, j, 1, 1, ORANGE)],
                 pick=to_output),
            grid("dx", s.dx, "dX (all deltas)", signed=True, marks=s.unread, pick=to_window,
                 boxes=[win] + [(a, b, 1, 1, GREEN) for a, b in s.receivers])])


def _pick(window):
    return None if window is None else {"out_i": window[0], "out_j": window[1]}


def pooling_explorer(seed=0, **values):
    """Max or average pooling: where each delta goes (returns a widget).

    Size 2-4 and stride 1-4 (stride < size: overlapping windows, whose shares
    add up). The chosen window is outlined in the input and in dX; the cells
    that receive its delta are outlined in green. ``values`` set controls at the
    start (``pooling_explorer(mode="avg", size=3)``), each within its slider's
    range, else a ValueError; ``seed`` is an int >= 0.
    """
    return PoolingExplorer(seed=seed, **values)
