"""The four explorers: move a slider or click a cell, watch a layer's backward pass move.

- ``gradient_flow_explorer``   the 7x7 input, 3x3 kernel, stride-2 layer of the course:
  one output's window and its delta's share of dX and dW; one input pixel and the
  sum of terms that makes dE/dx there; dX accumulated output by output (the
  scatter-add); the same dX as a full correlation of the dilated deltas with the
  rotated kernel. Stride, padding and kernel size can change.
- ``conv_arithmetic_explorer`` input size, kernel, stride, padding -> output size,
  the windows, and why some pixels are never read when the stride does not tile.
- ``pooling_explorer``         max or average pooling, any size and stride: where
  each delta goes.
- ``im2row_explorer``          one output position is one row of the im2row matrix;
  backward, ``row2im`` scatters that row back onto its window.

How they are built (so that tests can check the numbers behind every picture):
each explorer is a small class holding its controls and a ``state``. The state
is computed by a pure function of the control values (``gradient_flow_state``,
``conv_arithmetic_state``, ``pooling_state``, ``im2row_state``), and every number
in it comes from a cnnlib function (``conv2d_backward``, ``conv2d_coverage``,
``im2row``/``row2im``, the pooling backward functions, ``dilate``, ``rot180``,
``cross_correlate2d``); nothing is recomputed here by hand. A picture is a row
(or two) of panels, each a list of ``cnnlib.plotting`` calls; each panel is drawn
on its own small matplotlib ``Figure`` (no pyplot, so nothing leaks into the
notebook) and the row is shown as one PNG in an ``ipywidgets.Image``. Drawn
panels are cached, and a panel whose numbers did not change but whose outline
moved only gets the outline drawn on its cached background (matplotlib
blitting): most slider moves then take about 10-35 ms, a change of geometry about 65.
Each function returns an ``ipywidgets.VBox`` whose ``.explorer`` attribute is the
explorer object (``.state``, the controls, ``.update()``, ``.hold()``).

Clicks: a panel may carry a ``pick(row, col)`` (e.g. a click on a delta picks
that output, on a pixel of x that pixel). ``render`` records where each grid
lies in the picture (``hits``, from ``plotting.grid_panel_layout``), and
``click(x, y)`` maps a pixel of the picture to its panel and cell. The browser's
clicks arrive through the ``ipyevents`` package, which reports them in pixels of
the picture; without it the explorers work with their sliders alone.
"""
import html
import io
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field

import ipywidgets as widgets
import numpy as np
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from . import plotting
from .conv import conv2d_backward, conv2d_coverage, conv2d_forward, conv_output_shape
from .correlate import cross_correlate2d, dilate, pad2d, rot180
from .data import teaching_example
from .im2row import im2row, row2im
from .pool import avgpool2d_backward, avgpool2d_forward, maxpool2d_backward, maxpool2d_forward

_STYLE = {"description_width": "initial"}


def _slider(value, lo, hi, description, width="270px"):
    return widgets.IntSlider(value=value, min=lo, max=hi, description=description,
                             style=_STYLE, layout=widgets.Layout(width=width))


def _plain(v):
    """A number as a learner writes it: 3, -1.5, 0.25."""
    return plotting._format(float(v), None)


def _num(v):
    """A number as a learner writes it: 3, -1.5, 0.25 (negative numbers in parentheses)."""
    s = plotting._format(float(v), None)
    return f"({s})" if float(v) < 0 else s


def _freeze(value):
    """A hashable key for the arguments of a plotting call (arrays by their bytes)."""
    if isinstance(value, np.ndarray):
        return ("array", value.shape, value.dtype.str, value.tobytes())
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    return value


class _Panel(tuple):
    """``(shape, calls)`` of one picture, and ``pick``: what a click on its cell does."""
    pick = None


def _panel(shape, *calls, pick=None):
    """One picture of an explorer: a grid ``shape`` and the plotting calls that draw it.

    Each call is ``(function, kwargs)``; the function is called as
    ``function(ax=ax, **kwargs)`` (the plotting functions' ``ax`` argument).
    ``pick(row, col)``, if given, is called when the learner clicks the cell
    ``(row, col)`` of this grid (the row and column of the array drawn, counted
    from 0 at the top left).
    """
    panel = _Panel((tuple(int(v) for v in shape), tuple(calls)))
    panel.pick = pick
    return panel


class _Explorer:
    """Common machinery: controls -> pure state function -> plotting -> PNG in an Image.

    A picture is a row of panels, each drawn by ``cnnlib.plotting`` functions on
    its own small ``Figure`` (no pyplot) and rendered with Agg; the rendered
    panels are kept in a small cache keyed by the arguments of their plotting
    calls, so a panel that did not change (the kernel, an input whose window
    went back to a place seen before) is not drawn again. Measured: drawing the
    numbers as matplotlib texts (about 0.45 ms each, up to 140 per panel) was most
    of the cost of a redraw, so the explorers draw them with
    ``plot_grid(fast_numbers=True)``: each distinct number is rendered once and
    then pasted (``plotting.TextStamps``). Each panel's figure keeps its one axes
    (``plotting.grid_panel``).
    """

    dpi = 100
    max_width = 8.6          # inches, all panels together
    max_height = 3.4         # inches per row of panels
    min_cell = 0.21          # inches: below this, the panels go on two rows
    cache_bytes = 48 * 2**20  # pictures and backgrounds of the panels seen last
    click_tip = ""           # shown above the picture when clicks work

    def __init__(self, rows, controls):
        # natural size (1 image pixel = 1 CSS pixel), never stretched to the cell's width
        self.image = widgets.Image(format="png", layout=widgets.Layout(align_self="flex-start",
                                                                      max_width="100%"))
        self.readout = widgets.HTML(layout=widgets.Layout(min_height="2.6em"))
        self.hits = []       # (left, top, cell width, cell height, shape, pick) per panel, pixels
        self.clicks = _click_events(self.image, self._clicked)
        self.readout.add_class("explorer-readout")  # for tests that read it in a browser
        tip = [widgets.HTML(f"<i>{self.click_tip}</i>")] if self.clicks and self.click_tip else []
        self.widget = widgets.VBox(rows + tip + [self.readout, self.image])
        self.widget.explorer = self
        self.state = None
        self.panels = []
        self._figs = []
        self._cache = OrderedDict()
        self._cached_bytes = 0
        self._syncing = False
        self.renders = 0     # panels drawn by matplotlib so far (the rest came from the cache)
        for control in controls:
            control.observe(self._changed, names="value")

    def _changed(self, change):
        if not self._syncing:
            self.update()

    @contextmanager
    def hold(self):
        """Change several controls, update once.

        ``with ex.hold(): ex.stride.value = 1; ex.pad.value = 2`` draws one picture, not two.
        """
        syncing, self._syncing = self._syncing, True
        try:
            yield self
        finally:
            self._syncing = syncing
        if not syncing:
            self.update()

    def _set_max(self, slider, maximum):
        """Change a slider's range without triggering an update for each change."""
        syncing, self._syncing = self._syncing, True
        try:
            slider.max = maximum
            slider.value = min(slider.value, maximum)
        finally:
            self._syncing = syncing

    def update(self):
        """Recompute the state from the controls and redraw."""
        self._sync_ranges()
        self.state = self.compute()
        self.panels = self.draw()
        self.image.value = self.render(self.panels)

    def _sync_ranges(self):
        pass

    def _layout(self, panels, cell=0.3):
        """Cell size (inches, at most ``cell``), height and per-panel widths of one row that
        fits ``max_width`` x ``max_height``."""
        def widths(cell):
            out = []
            for (_, cols), calls in panels:
                title = max((len(str(kw.get("title") or "")) for _, kw in calls), default=0)
                out.append(max(0.32 + cols * cell + 0.12, 0.075 * title + 0.6))
            return out
        rows = max(r for (r, _), _ in panels)
        cell = min(cell, (self.max_height - 0.57) / rows)
        for _ in range(4):
            total = sum(widths(cell))
            if total <= self.max_width:
                break
            grid = sum(cols for (_, cols), _ in panels) * cell
            cell *= max(0.5, 1 - (total - self.max_width) / grid)
        return cell, 0.32 + rows * cell + 0.25, widths(cell)

    def _arrange(self, panels):
        """Split the panels into rows: one row, or two when one row would make cells smaller
        than ``min_cell`` inches (numbers too small to read). Returns ``[(panels, layout)]``."""
        cell = self._layout(panels)[0]
        if cell >= self.min_cell or len(panels) < 3:
            return [(panels, self._layout(panels))]
        def score(k):  # larger cells first, then rows of similar widths
            first, second = self._layout(panels[:k]), self._layout(panels[k:])
            return (-round(min(first[0], second[0]), 2), abs(sum(first[2]) - sum(second[2])))
        best = min(range(1, len(panels)), key=score)
        parts = [panels[:best], panels[best:]]
        cell = min(self._layout(part)[0] for part in parts)
        return [(part, self._layout(part, cell)) for part in parts]

    def _remember(self, key, value, nbytes):
        self._cache[key] = (value, nbytes)
        self._cached_bytes += nbytes
        while self._cached_bytes > self.cache_bytes and len(self._cache) > 1:
            self._cached_bytes -= self._cache.popitem(last=False)[1][1]

    def _recall(self, key):
        hit = self._cache.get(key)
        if hit is None:
            return None
        self._cache.move_to_end(key)
        return hit[0]

    def render(self, panels):
        """PNG bytes of the panels side by side (on two rows if one row would be too narrow).

        Per panel, two levels of cache: the finished picture (same calls: nothing
        is drawn), and the background without the coloured outlines (same
        numbers, outline moved: the background is restored and only the outlines
        are drawn on it, matplotlib's "blitting"). Only new numbers cost a full draw.
        """
        arrangement = self._arrange(panels)
        while len(self._figs) < len(panels):
            fig = Figure(dpi=self.dpi)
            FigureCanvasAgg(fig)
            self._figs.append(fig)
        slot, rows, top, hits = 0, [], 0, []
        for row_panels, (cell, height, widths) in arrangement:
            pictures, left = [], 0
            for panel, width in zip(row_panels, widths):
                shape, calls = panel
                picture = self._picture(slot, shape, calls, cell, height, width)
                pictures.append(picture)
                _, _, box = plotting.grid_panel_layout(shape, cell, height, width)
                pic_h, pic_w = picture.shape[:2]
                hits.append((left + box[0] * pic_w, top + (1 - box[1] - box[3]) * pic_h,
                             box[2] * pic_w / shape[1], box[3] * pic_h / shape[0], shape,
                             getattr(panel, "pick", None)))
                left += pic_w
                slot += 1
            tallest = max(p.shape[0] for p in pictures)
            top += tallest
            rows.append(np.concatenate([np.pad(p, ((0, tallest - p.shape[0]), (0, 0), (0, 0)),
                                               constant_values=255) for p in pictures], axis=1))
        widest = max(r.shape[1] for r in rows)
        picture = np.concatenate([np.pad(r, ((0, 0), (0, widest - r.shape[1]), (0, 0)),
                                         constant_values=255) for r in rows], axis=0)
        buf = io.BytesIO()
        PIL.Image.fromarray(picture).save(buf, format="png", compress_level=1)
        self.hits = hits
        return buf.getvalue()

    def cell_at(self, x, y):
        """The panel and grid cell under pixel ``(x, y)`` of the picture (0, 0 at its top
        left): ``(panel index, row, col)``, or None between the grids."""
        for index, (left, top, cell_w, cell_h, (rows, cols), _) in enumerate(self.hits):
            row, col = int(np.floor((y - top) / cell_h)), int(np.floor((x - left) / cell_w))
            if 0 <= row < rows and 0 <= col < cols:
                return index, row, col
        return None

    def click(self, x, y):
        """What a click on pixel ``(x, y)`` of the picture does: the clicked panel's
        ``pick(row, col)``. Returns the ``(panel index, row, col)`` hit, or None."""
        hit = self.cell_at(x, y)
        if hit is None or self.hits[hit[0]][5] is None:
            return None
        self.hits[hit[0]][5](hit[1], hit[2])
        return hit

    def pick_output(self, row, col):
        """A click on an output-shaped grid: that output position (``out_i``, ``out_j``)."""
        with self.hold():
            self.out_i.value, self.out_j.value = row, col

    def _clicked(self, event):
        if "dataX" in event and "dataY" in event:  # pixels of the picture at its natural size
            self.click(event["dataX"], event["dataY"])

    def _picture(self, slot, shape, calls, cell, height, width):
        """The RGB picture of one panel, from the cache, or blitted, or drawn."""
        base, over = _split_outlines(calls)
        geometry = (shape, round(cell, 4), round(height, 4), round(width, 4))
        base_key = ("background", geometry, _freeze([(f.__name__, kw) for f, kw in base]))
        key = ("picture", base_key, _freeze([(f.__name__, kw) for f, kw in over]))
        picture = self._recall(key)
        if picture is not None:
            return picture
        fig, ax = plotting.grid_panel(shape, fig=self._figs[slot], cell=cell, height=height,
                                      min_width=width)
        background = self._recall(base_key)
        if background is None:
            size = max(5, min(8, round(cell * 72 * 0.4)))  # numbers fit their cells
            for function, kwargs in base:
                if function in (plotting.plot_grid, plotting.plot_padded_grid):
                    kwargs = {"fontsize": size, "fast_numbers": True, **kwargs}
                function(ax=ax, **kwargs)
            fig.canvas.draw()
            background = fig.canvas.copy_from_bbox(fig.bbox)
            self._remember(base_key, background, 4 * int(fig.bbox.width * fig.bbox.height))
            self.renders += 1
        else:
            ax.set_xlim(-0.5, shape[1] - 0.5)
            ax.set_ylim(shape[0] - 0.5, -0.5)
            fig.canvas.restore_region(background)
        before = set(ax.patches) | set(ax.lines)
        for function, kwargs in over:
            function(ax=ax, **kwargs)
        added = [a for a in [*ax.patches, *ax.lines] if a not in before]
        for artist in added:
            ax.draw_artist(artist)
        picture = np.asarray(fig.canvas.buffer_rgba())[:, :, :3].copy()  # (h, w, RGB)
        for artist in added:
            artist.remove()
        self._remember(key, picture, picture.nbytes)
        return picture


def _split_outlines(calls):
    """Split a panel's plotting calls into (background calls, outline calls).

    ``plot_grid(..., highlight=H, highlight_color=C)`` draws what ``plot_grid``
    without ``highlight`` draws, then an ``outline_window`` per window of H (or
    an ``outline_cells`` for a boolean mask H) in colour C: the outlines are
    separated so that they can be drawn on a cached background. Explicit
    ``outline_window`` / ``outline_cells`` calls are outlines too, except dashed
    frames (with a ``linestyle``), which belong to the background.
    """
    base, over = [], []
    for function, kwargs in calls:
        outline = function in (plotting.outline_window, plotting.outline_cells)
        if outline and "linestyle" not in kwargs:
            over.append((function, kwargs))
            continue
        kwargs = dict(kwargs)
        highlight = kwargs.pop("highlight", None)
        color = kwargs.pop("highlight_color", plotting.HIGHLIGHT)
        base.append((function, kwargs))
        if highlight is None:
            continue
        highlight = np.asarray(highlight)
        if highlight.dtype == bool:
            cells = [(int(r), int(c)) for r, c in zip(*np.nonzero(highlight))]
            over.append((plotting.outline_cells, dict(cells=cells, color=color)))
        else:
            for r, c, h, w in np.atleast_2d(highlight):
                over.append((plotting.outline_window, dict(row=int(r), col=int(c), height=int(h),
                                                           width=int(w), color=color)))
    return base, over


def _show(widget, visible):
    widget.layout.display = None if visible else "none"


def _click_events(image, handler):
    """Send clicks on ``image`` to ``handler(event)`` (the ``ipyevents`` package: its
    ``dataX``, ``dataY`` are pixels of the picture). Without ipyevents installed the
    explorers work with their sliders only, and this returns None."""
    try:
        from ipyevents import Event
    except ImportError:
        return None
    events = Event(source=image, watched_events=["click"], prevent_default_action=True)
    events.on_dom_event(handler)
    return events


# ============================================================ 1. gradient flow

def gradient_flow_layer(channels=1, seed=0, kernel_size=3, stride=2, pad=0):
    """The numbers of the gradient-flow explorer for one geometry.

    Returns ``x (1, C, 7, 7)``, ``w (1, C, K, K)``, ``b (1,)``, ``dout (1, 1, H_out, W_out)``.
    With the defaults (K=3, S=2, P=0) these are exactly
    ``cnnlib.data.teaching_example(channels, seed=seed)``. Other kernel sizes
    and output shapes keep the example's numbers in the top-left corner and fill
    the rest with integers -2..2 drawn from ``default_rng([seed, 5])``, so
    moving a slider changes the geometry, not the familiar numbers.
    """
    ex = teaching_example(channels=channels, seed=seed)
    if kernel_size not in (2, 3, 4):
        raise ValueError(f"kernel_size: expected 2, 3 or 4, got {kernel_size!r}")
    _, _, h_out, w_out = conv_output_shape(ex.x.shape, (1, channels, kernel_size, kernel_size),
                                           stride, pad)
    rng = np.random.default_rng([seed, 5])
    w_big = rng.integers(-2, 3, size=(1, channels, 4, 4)).astype(np.float64)
    w_big[:, :, :3, :3] = ex.w
    d_big = rng.integers(-2, 3, size=(1, 1, 10, 10)).astype(np.float64)  # 10 = largest H_out here
    d_big[:, :, :3, :3] = ex.dout
    w = w_big[:, :, :kernel_size, :kernel_size].copy()
    return ex.x, w, ex.b, d_big[:, :, :h_out, :w_out].copy()


@dataclass
class Term:
    """One term ``δ[i, j] · w[c, m, n]`` of the sum that makes dE/dx at one pixel."""
    out_pos: tuple      # (i, j), the output whose window read the pixel
    kernel_pos: tuple   # (m, q), the kernel entry that multiplied it
    delta: float
    weight: float

    @property
    def value(self):
        return self.delta * self.weight


@dataclass
class GradientFlowState:
    """Everything the gradient-flow explorer shows, for one setting of its controls.

    Arrays with a leading C are per input channel; "_pad" arrays are in padded
    coordinates ``(H + 2P, W + 2P)`` (the real pixel (a, b) sits at (a + P, b + P)).
    """
    stride: int
    pad: int
    kernel_size: int
    channel: int
    x: np.ndarray              # (C, H, W)
    x_pad: np.ndarray          # (C, Hp, Wp)
    w: np.ndarray              # (C, K, K), the one filter
    dout: np.ndarray           # (H_out, W_out), the deltas from above
    dx: np.ndarray             # (C, H, W)   conv2d_backward
    dw: np.ndarray             # (C, K, K)   conv2d_backward
    db: float
    dx_pad: np.ndarray         # (C, Hp, Wp) dX before the padding is cropped
    coverage: np.ndarray       # (H, W) how many windows read each pixel (conv2d_coverage)
    unread: np.ndarray         # (H, W) bool, coverage == 0
    unread_pad: np.ndarray     # (Hp, Wp) bool, the same cells in padded coordinates
    # one output position
    out_pos: tuple
    window: tuple              # (row, col, K, K) in padded coordinates
    contrib_dx_pad: np.ndarray  # (C, Hp, Wp) what δ[i, j] alone adds to dX
    contrib_dw: np.ndarray     # (C, K, K)   what δ[i, j] alone adds to dW
    # one input pixel
    pixel: tuple               # (a, b), unpadded
    reached: np.ndarray        # (H_out, W_out) bool, outputs whose window holds the pixel
    terms: list                # [Term], one per reached output (channel ``channel``)
    dx_at_pixel: float         # dx[channel, a, b]
    # scatter-add, output by output (row-major order)
    step: int                  # how many outputs have been added (0 .. H_out*W_out)
    done: np.ndarray           # (H_out, W_out) bool, the first ``step`` outputs
    current: object            # (i, j) of the output added last, or None
    step_dx_pad: np.ndarray    # (C, Hp, Wp) what that output adds
    partial_dx_pad: np.ndarray  # (C, Hp, Wp) the sum after ``step`` outputs
    # dX as a full correlation of the dilated deltas with the rotated kernel
    dilated: np.ndarray        # (S(H_out-1)+1, S(W_out-1)+1)
    dilated_padded: np.ndarray  # dilated, zero-padded by K-1 (and on the bottom/right up to Hp)
    rot_w: np.ndarray          # (C, K, K) rot180(w)
    full: np.ndarray           # (C, S(H_out-1)+K, S(W_out-1)+K) cross_correlate2d(..., "full")
    dx_full_pad: np.ndarray    # (C, Hp, Wp) ``full`` extended by zero rows/cols never read
    dx_full: np.ndarray        # (C, H, W) cropped: equals dx
    meta: dict = field(default_factory=dict)


def gradient_flow_state(channels=1, seed=0, stride=2, pad=0, kernel_size=3, out_pos=(0, 0),
                        pixel=(0, 0), step=0, channel=0):
    """The numbers behind the gradient-flow explorer (a pure function of the controls).

    The layer is ``gradient_flow_layer(channels, seed, kernel_size, stride, pad)``;
    positions out of range are clipped. Every array comes from cnnlib:

    - ``dx, dw, db = conv2d_backward(dout, cache)``; ``dx_pad`` from the same layer
      run on ``pad2d(x)`` with no padding (the same windows, before the crop);
    - one output's share: ``conv2d_backward`` of the deltas with all but
      ``δ[i, j]`` set to zero; the scatter-add after k steps: the same with the
      first k deltas kept (row-major);
    - the outputs that read pixel (a, b) and the kernel entry each used: the
      nonzero entries of ``im2row`` of the one-hot image at (a, b) (one column of
      the layer's Jacobian);
    - the full-convolution route, per channel c:
      ``cross_correlate2d(dilate(δ, S), rot180(w[c]), "full")``.
    """
    x4, w4, b, d4 = gradient_flow_layer(channels, seed, kernel_size, stride, pad)
    n_ch, h, w_in = x4.shape[1:]
    k = kernel_size
    _, cache = conv2d_forward(x4, w4, b, stride, pad)
    dx, dw, db = conv2d_backward(d4, cache)
    x_pad4 = pad2d(x4, pad)  # (1, C, Hp, Wp)
    _, cache_pad = conv2d_forward(x_pad4, w4, b, stride, 0)
    h_out, w_out = d4.shape[2:]
    hp, wp = x_pad4.shape[2:]

    def backward_pad(keep):
        """dX_pad and dW of the deltas where ``keep`` (H_out, W_out) is True, zero elsewhere."""
        d_kept = np.where(keep, d4, 0.0)  # (1, 1, H_out, W_out)
        dxp, dwk, _ = conv2d_backward(d_kept, cache_pad)
        return dxp[0], dwk[0]

    everything = np.ones((h_out, w_out), dtype=bool)
    dx_pad = backward_pad(everything)[0]
    coverage = conv2d_coverage((h, w_in), k, stride, pad)
    coverage_pad = conv2d_coverage((hp, wp), k, stride, 0)
    unread_pad = np.zeros((hp, wp), dtype=bool)
    unread_pad[pad:pad + h, pad:pad + w_in] = coverage_pad[pad:pad + h, pad:pad + w_in] == 0

    # one output position
    i, j = int(np.clip(out_pos[0], 0, h_out - 1)), int(np.clip(out_pos[1], 0, w_out - 1))
    one = np.zeros((h_out, w_out), dtype=bool)
    one[i, j] = True
    contrib_dx_pad, contrib_dw = backward_pad(one)

    # the scatter-add after ``step`` outputs
    n_steps = h_out * w_out
    step = int(np.clip(step, 0, n_steps))
    done = (np.arange(n_steps) < step).reshape(h_out, w_out)
    partial_dx_pad = backward_pad(done)[0]
    if step:
        current = divmod(step - 1, w_out)
        last = np.zeros((h_out, w_out), dtype=bool)
        last[current] = True
        step_dx_pad = backward_pad(last)[0]
    else:
        current, step_dx_pad = None, np.zeros_like(dx_pad)

    # one input pixel: which outputs read it, and with which kernel entry
    c = int(np.clip(channel, 0, n_ch - 1))
    p, q = int(np.clip(pixel[0], 0, h - 1)), int(np.clip(pixel[1], 0, w_in - 1))
    onehot = np.zeros_like(x4)
    onehot[0, c, p, q] = 1.0
    jac = im2row(onehot, k, k, stride, pad)  # (H_out*W_out, C*K*K): where the pixel lands
    reached = (jac.sum(axis=1) > 0).reshape(h_out, w_out)  # (H_out, W_out)
    terms = []
    for r, col in zip(*np.nonzero(jac)):
        oi, oj = divmod(int(r), w_out)
        _, m, n = np.unravel_index(int(col), (n_ch, k, k))
        terms.append(Term((oi, oj), (int(m), int(n)), float(d4[0, 0, oi, oj]),
                          float(w4[0, c, m, n])))

    # the same dX by the full correlation of the dilated deltas with the rotated kernel
    dilated = dilate(d4[0, 0], stride)  # (S(H_out-1)+1, S(W_out-1)+1)
    rot_w = rot180(w4[0])  # (C, K, K)
    full = np.stack([cross_correlate2d(dilated, rot_w[cc], mode="full") for cc in range(n_ch)])
    extra_h, extra_w = hp - full.shape[1], wp - full.shape[2]  # rows/cols no window reached
    dx_full_pad = np.pad(full, ((0, 0), (0, extra_h), (0, extra_w)))  # (C, Hp, Wp)
    dilated_padded = np.pad(dilated, ((k - 1, k - 1 + extra_h), (k - 1, k - 1 + extra_w)))

    return GradientFlowState(
        stride=stride, pad=pad, kernel_size=k, channel=c,
        x=x4[0], x_pad=x_pad4[0], w=w4[0], dout=d4[0, 0], dx=dx[0], dw=dw[0], db=float(db[0]),
        dx_pad=dx_pad, coverage=coverage, unread=coverage == 0, unread_pad=unread_pad,
        out_pos=(i, j), window=(stride * i, stride * j, k, k), contrib_dx_pad=contrib_dx_pad,
        contrib_dw=contrib_dw, pixel=(p, q), reached=reached, terms=terms,
        dx_at_pixel=float(dx[0, c, p, q]), step=step, done=done, current=current,
        step_dx_pad=step_dx_pad, partial_dx_pad=partial_dx_pad, dilated=dilated,
        dilated_padded=dilated_padded, rot_w=rot_w, full=full, dx_full_pad=dx_full_pad,
        dx_full=dx_full_pad[:, pad:pad + h, pad:pad + w_in],
        meta={"extra": (extra_h, extra_w), "n_steps": n_steps})


def _terms_text(state):
    """'dE/dx[c, a, b] = δ[0,1]·w[2,1] + ... = (-1)·2 + ... = -2' as HTML."""
    p, q = state.pixel
    c = state.channel
    name = f"∂E/∂x[{c}, {p}, {q}]" if state.x.shape[0] > 1 else f"∂E/∂x[{p}, {q}]"
    if not state.terms:
        return (f"{name} = <b>0</b>: no window reads this pixel "
                f"(the stride does not tile the input), so no delta reaches it.")
    wname = f"w[{c}," if state.x.shape[0] > 1 else "w["
    symbols = " + ".join(f"δ[{t.out_pos[0]},{t.out_pos[1]}]·{wname}{t.kernel_pos[0]},"
                         f"{t.kernel_pos[1]}]" for t in state.terms)
    numbers = " + ".join(f"{_num(t.delta)}·{_num(t.weight)}" for t in state.terms)  # (-1)·2
    return (f"{name} = {symbols}<br>&nbsp;&nbsp;&nbsp;= {numbers} = "
            f"<b>{_plain(state.dx_at_pixel)}</b>"
            f" &nbsp;({len(state.terms)} output(s) read this pixel)")


class GradientFlowExplorer(_Explorer):
    """Controls and drawing of ``gradient_flow_explorer``; the numbers are in ``self.state``."""

    click_tip = ("Click a delta δ to follow that output, or a pixel of x or dX to see where "
                 "its gradient comes from.")

    VIEWS = (("one output", "output"), ("one input pixel", "pixel"),
             ("scatter-add, step by step", "steps"), ("full convolution", "full"))

    def __init__(self, channels=1, seed=0):
        if channels not in (1, 3):
            raise ValueError(f"channels: expected 1 or 3, got {channels!r}")
        self.channels, self.seed = channels, seed
        self.view = widgets.ToggleButtons(options=self.VIEWS, value="output",
                                          style={"button_width": "auto"})
        self.stride = _slider(2, 1, 3, "stride S")
        self.pad = _slider(0, 0, 2, "padding P")
        self.kernel_size = _slider(3, 2, 4, "kernel K")
        self.channel = widgets.ToggleButtons(options=list(range(channels)), value=0,
                                             description="channel", style={"button_width": "32px"})
        self.out_i = _slider(0, 0, 2, "output row i")
        self.out_j = _slider(0, 0, 2, "output col j")
        self.pix_r = _slider(2, 0, 6, "input row a")
        self.pix_c = _slider(2, 0, 6, "input col b")
        self.step = _slider(0, 0, 9, "outputs added", width="360px")
        self.play = widgets.Play(value=0, min=0, max=9, interval=900, description="play")
        widgets.jslink((self.play, "value"), (self.step, "value"))
        _show(self.channel, channels > 1)
        geometry = widgets.HBox([self.stride, self.pad, self.kernel_size, self.channel])
        picks = widgets.HBox([self.out_i, self.out_j, self.pix_r, self.pix_c, self.play, self.step])
        controls = [self.view, self.stride, self.pad, self.kernel_size, self.channel, self.out_i,
                    self.out_j, self.pix_r, self.pix_c, self.step]
        super().__init__([self.view, geometry, picks], controls)
        self.update()

    def values(self):
        return dict(channels=self.channels, seed=self.seed, stride=self.stride.value,
                    pad=self.pad.value, kernel_size=self.kernel_size.value,
                    out_pos=(self.out_i.value, self.out_j.value),
                    pixel=(self.pix_r.value, self.pix_c.value), step=self.step.value,
                    channel=self.channel.value)

    def _sync_ranges(self):
        _, _, h_out, w_out = conv_output_shape((1, 1, 7, 7), (1, 1, self.kernel_size.value,
                                               self.kernel_size.value), self.stride.value,
                                               self.pad.value)
        self._set_max(self.out_i, h_out - 1)
        self._set_max(self.out_j, w_out - 1)
        self._set_max(self.step, h_out * w_out)
        self._set_max(self.play, h_out * w_out)
        view = self.view.value
        for control, views in ((self.out_i, "output"), (self.out_j, "output"),
                               (self.pix_r, "pixel full"), (self.pix_c, "pixel full"),
                               (self.step, "steps"), (self.play, "steps")):
            _show(control, view in views.split())

    def compute(self):
        return gradient_flow_state(**self.values())

    def pick_output(self, row, col):
        """A click on the deltas: that output's view (in the step view: add up to it)."""
        if self.view.value == "steps":
            self.step.value = row * self.state.dout.shape[1] + col + 1
            return
        with self.hold():
            self.view.value = "output"
            self.out_i.value, self.out_j.value = row, col

    def pick_pixel(self, row, col):
        """A click on the (padded) input or on dX: that input pixel; the padding is no pixel."""
        a, b = row - self.state.pad, col - self.state.pad
        h, w = self.state.x.shape[1:]
        if not (0 <= a < h and 0 <= b < w):
            return
        with self.hold():
            if self.view.value not in ("pixel", "full"):
                self.view.value = "pixel"
            self.pix_r.value, self.pix_c.value = a, b

    def draw(self):
        s, view = self.state, self.view.value
        to_output, to_pixel = self.pick_output, self.pick_pixel
        c, pad, k = s.channel, s.pad, s.kernel_size
        ch = f"[{c}]" if s.x.shape[0] > 1 else ""
        xp_shape = s.x_pad.shape[1:]
        pixel = [(s.pixel[0] + pad, s.pixel[1] + pad, 1, 1)]
        grid, padded, outline, green = (plotting.plot_grid, plotting.plot_padded_grid,
                                        plotting.outline_window, plotting.SECOND)
        if view == "output":
            i, j = s.out_pos
            r0, c0 = s.window[:2]
            self.readout.value = (
                f"Output ({i}, {j}) read the window rows {r0 - pad}..{r0 - pad + k - 1}, "
                f"cols {c0 - pad}..{c0 - pad + k - 1} of x. Its delta δ[{i},{j}] = "
                f"<b>{_plain(s.dout[i, j])}</b> adds δ·w to that window of dX and δ·window to dW; "
                f"dX and dW are the sums of these shares over all {s.dout.size} outputs.")
            return [
                _panel(xp_shape, (padded, dict(values=s.x_pad[c], pad=pad, title=f"input x{ch}",
                                               highlight=[s.window], mark=s.unread_pad)),
                       pick=to_pixel),
                _panel((k, k), (grid, dict(values=s.w[c], title=f"kernel w{ch}", signed=True))),
                _panel(s.dout.shape, (grid, dict(values=s.dout, title="deltas δ", signed=True,
                                                 highlight=[(i, j, 1, 1)])), pick=to_output),
                _panel(xp_shape, (padded, dict(values=s.contrib_dx_pad[c], pad=pad, signed=True,
                                               title=f"δ[{i},{j}]·w → dX{ch}", blank_zeros=True,
                                               highlight=[s.window])), pick=to_pixel),
                _panel((k, k), (grid, dict(values=s.contrib_dw[c], signed=True,
                                           title=f"δ[{i},{j}]·window → dW{ch}"))),
            ]
        if view == "pixel":
            used = np.zeros((k, k), dtype=bool)
            for t in s.terms:
                used[t.kernel_pos] = True
            self.readout.value = _terms_text(s)
            return [
                _panel(xp_shape, (padded, dict(values=s.x_pad[c], pad=pad, title=f"input x{ch}",
                                               highlight=pixel, highlight_color=green,
                                               mark=s.unread_pad)), pick=to_pixel),
                _panel((k, k), (grid, dict(values=s.w[c], title=f"kernel w{ch}", signed=True,
                                           highlight=used, highlight_color=green))),
                _panel(s.dout.shape, (grid, dict(values=s.dout, title="deltas δ", signed=True,
                                                 highlight=s.reached, highlight_color=green)),
                       pick=to_output),
                _panel(xp_shape, (padded, dict(values=s.dx_pad[c], pad=pad, signed=True,
                                               title=f"dX{ch} = ∂E/∂x", highlight=pixel,
                                               highlight_color=green, mark=s.unread_pad)),
                       pick=to_pixel),
            ]
        if view == "steps":
            lim = max(float(np.abs(s.dx_pad[c]).max()), 1e-12)  # one colour scale for all steps
            n = s.meta["n_steps"]
            deltas = [(grid, dict(values=s.dout, title="deltas δ (added: grey)", signed=True,
                                  highlight=s.done, highlight_color="0.3"))]
            if s.current is None:
                self.readout.value = ("dX starts at zero. Move the slider (or press play): each "
                                      "step adds one output's δ·w onto its window.")
                return [
                    _panel(s.dout.shape, *deltas, pick=to_output),
                    _panel((k, k), (grid, dict(values=np.zeros((k, k)), signed=True,
                                               title="nothing added yet"))),
                    _panel(xp_shape, (padded, dict(values=s.partial_dx_pad[c], pad=pad,
                                                   signed=True, vmax=lim,
                                                   title=f"dX{ch} after 0 of {n}"))),
                ]
            i, j = s.current
            r0, c0 = s.stride * i, s.stride * j
            win = [(r0, c0, k, k)]
            self.readout.value = (
                f"Step {s.step} of {n}: output ({i}, {j}) adds δ[{i},{j}]·w = "
                f"{_num(s.dout[i, j])}·w onto its window (outlined in dX); where windows "
                f"overlap the contributions add up (scatter-add). After step {n} this is dX.")
            return [
                _panel(s.dout.shape, *deltas, (outline, dict(row=i, col=j)), pick=to_output),
                # what this step adds, lifted out of dX: δ[i, j]·w, the size of the kernel
                _panel((k, k), (grid, dict(values=s.step_dx_pad[c][r0:r0 + k, c0:c0 + k],
                                           signed=True, title=f"step {s.step}: δ[{i},{j}]·w"))),
                _panel(xp_shape, (padded, dict(values=s.partial_dx_pad[c], pad=pad, signed=True,
                                               vmax=lim, title=f"dX{ch} after {s.step} of {n}",
                                               highlight=win))),
            ]
        # the full-convolution view
        km1 = k - 1
        extra = s.meta["extra"]
        same = np.array_equal(s.dx_full, s.dx)
        note = (f" Its last {extra[0]} row(s) and column(s) are zero: no window reads them."
                if max(extra) else "")
        self.readout.value = (
            f"dX = full cross-correlation of the dilated deltas with rot180(w), i.e. a 'full "
            f"convolution' with w{', then cropped by P' if pad else ''}. The same as the "
            f"scatter-add: <b>{'yes' if same else 'NO'}</b>.{note} The window times "
            f"rot180(w) gives the sum below (rot180(w)[m,q] = w[{k - 1}-m,{k - 1}-q]).<br>"
            + _terms_text(s))
        return [
            _panel(s.dilated_padded.shape,
                   (grid, dict(values=s.dilated_padded, signed=True, origin=(-km1, -km1),
                               title=f"δ dilated (S={s.stride}), padded by K-1={km1}",
                               highlight=[(pixel[0][0], pixel[0][1], k, k)],
                               highlight_color=green)),
                   (outline, dict(row=km1, col=km1, height=s.dilated.shape[0],
                                  width=s.dilated.shape[1], color=plotting.FRAME, lw=1.2,
                                  linestyle="--"))),
            _panel((k, k), (grid, dict(values=s.rot_w[c], signed=True, title=f"rot180(w{ch})"))),
            _panel(xp_shape, (padded, dict(values=s.dx_full_pad[c], pad=pad, signed=True,
                                           title=f"dX{ch} by full correlation", highlight=pixel,
                                           highlight_color=green, mark=s.unread_pad)),
                   pick=to_pixel),
        ]


def gradient_flow_explorer(channels=1, seed=0):
    """Explore the backward pass of the 7x7, 3x3-kernel, stride-2 layer (returns a widget).

    Views: one output (its window, its delta's share of dX and dW); one input
    pixel (the outputs that read it, dE/dx there as a sum of terms); the
    scatter-add step by step; dX as the full correlation of the dilated deltas
    with the rotated kernel. Stride 1-3, padding 0-2 and kernel size 2-4 can be
    changed; pixels that no output reads are crossed out. ``channels`` is 1 or 3.
    Clicks: a delta picks that output (in the step view: adds up to it), a pixel
    of x or dX picks that pixel.
    The returned ``VBox`` has ``.explorer`` (a ``GradientFlowExplorer``) whose
    ``.state`` is a ``GradientFlowState``.
    """
    return GradientFlowExplorer(channels=channels, seed=seed).widget


# ============================================================ 2. conv arithmetic

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
    coverage_pad: np.ndarray   # (Hp, Hp) windows reading each padded pixel (conv2d_coverage)
    unread: np.ndarray         # (Hp, Hp) bool, real pixels no window reads
    out_pos: tuple
    window: object             # (row, col, K, K) in padded coordinates, or None
    formula: str
    reason: str


def conv_arithmetic_state(size=7, kernel_size=3, stride=2, pad=0, out_pos=(0, 0)):
    """Pure function behind ``conv_arithmetic_explorer`` (square input and kernel).

    ``H_out = floor((H + 2P - K) / S) + 1`` comes from ``conv_output_shape``, the
    windows' coverage from ``conv2d_coverage``; when ``(H + 2P - K)`` is not a
    multiple of S the remainder rows/cols are never read.
    """
    padded = size + 2 * pad
    try:
        out_size = conv_output_shape((1, 1, size, size), (1, 1, kernel_size, kernel_size),
                                     stride, pad)[2]
        error = None
    except ValueError as exc:
        out_size, error = 0, str(exc)
    if error:
        coverage = np.zeros((padded, padded), dtype=int)
        remainder, window, pos = 0, None, (0, 0)
        formula = (f"H_out = ⌊(H + 2P − K) / S⌋ + 1 = ⌊({size} + {2 * pad} − {kernel_size}) / "
                   f"{stride}⌋ + 1: the kernel does not fit")
        reason = f"No output: {error}."
    else:
        coverage = conv2d_coverage((padded, padded), kernel_size, stride, 0)
        span = padded - kernel_size
        remainder = span % stride
        pos = tuple(int(np.clip(v, 0, out_size - 1)) for v in out_pos)
        window = (stride * pos[0], stride * pos[1], kernel_size, kernel_size)
        formula = (f"H_out = ⌊(H + 2P − K) / S⌋ + 1 = ⌊({size} + {2 * pad} − {kernel_size}) / "
                   f"{stride}⌋ + 1 = ⌊{span}/{stride}⌋ + 1 = {out_size}")
        if remainder == 0:
            reason = (f"The stride tiles: {span} is a multiple of {stride}, the last window ends "
                      f"exactly at the last padded row, every pixel is read.")
        else:
            reason = (f"The stride does not tile: {span} = {span // stride}·{stride} + "
                      f"{remainder}, "
                      f"so after the last window (it ends at padded row {padded - remainder - 1}) "
                      f"{remainder} row(s) and column(s) are left over. The division is floored: "
                      f"those pixels are never read (crossed out) and their gradient is always 0.")
    unread = np.zeros((padded, padded), dtype=bool)
    unread[pad:pad + size, pad:pad + size] = coverage[pad:pad + size, pad:pad + size] == 0
    return ConvArithmeticState(size, kernel_size, stride, pad, padded, out_size, error, remainder,
                               remainder == 0 and not error, coverage, unread, pos, window,
                               formula, reason)


class ConvArithmeticExplorer(_Explorer):
    """Controls and drawing of ``conv_arithmetic_explorer``."""

    click_tip = "Click an output to outline its window."

    def __init__(self):
        self.size = _slider(7, 3, 12, "input H")
        self.kernel_size = _slider(3, 1, 5, "kernel K")
        self.stride = _slider(2, 1, 4, "stride S")
        self.pad = _slider(0, 0, 3, "padding P")
        self.out_i = _slider(0, 0, 2, "window row i")
        self.out_j = _slider(0, 0, 2, "window col j")
        controls = [self.size, self.kernel_size, self.stride, self.pad, self.out_i, self.out_j]
        super().__init__([widgets.HBox(controls[:4]), widgets.HBox(controls[4:])], controls)
        self.update()

    def values(self):
        return dict(size=self.size.value, kernel_size=self.kernel_size.value,
                    stride=self.stride.value, pad=self.pad.value,
                    out_pos=(self.out_i.value, self.out_j.value))

    def _sync_ranges(self):
        s = conv_arithmetic_state(**{**self.values(), "out_pos": (0, 0)})
        self._set_max(self.out_i, max(s.out_size - 1, 0))
        self._set_max(self.out_j, max(s.out_size - 1, 0))

    def compute(self):
        return conv_arithmetic_state(**self.values())

    def draw(self):
        s = self.state
        self.readout.value = f"{html.escape(s.formula)}<br>{html.escape(s.reason)}"
        panels = [_panel((s.padded, s.padded), (plotting.plot_padded_grid, dict(
            values=s.coverage_pad, pad=s.pad, signed=False, title="windows reading each pixel",
            vmax=2 * max(int(s.coverage_pad.max()), 1),  # counts in light greys
            highlight=[s.window] if s.window else None, mark=s.unread)))]
        if not s.error:
            index = np.arange(s.out_size * s.out_size).reshape(s.out_size, s.out_size)
            panels.append(_panel(index.shape, (plotting.plot_grid, dict(
                values=index, signed=False, title="output (window no.)",
                highlight=[(s.out_pos[0], s.out_pos[1], 1, 1)], vmax=4 * index.max() + 1)),
                pick=self.pick_output))
        return panels


def conv_arithmetic_explorer():
    """Input size, kernel, stride, padding -> output size and windows (returns a widget).

    The grid shows the padded input with the number of windows reading each
    pixel; the window of the chosen output is outlined; the readout gives the
    output-size formula with the numbers and, when the stride does not tile,
    which rows and columns are left unread and why.
    """
    return ConvArithmeticExplorer().widget


# ============================================================ 3. pooling

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
    and deltas ``(1, 1, H_out, W_out)`` of integers -2..2 (``default_rng([seed, 7])``)."""
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
    if mode not in ("max", "avg"):
        raise ValueError(f"mode: expected 'max' or 'avg', got {mode!r}")
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


class PoolingExplorer(_Explorer):
    """Controls and drawing of ``pooling_explorer``."""

    click_tip = "Click an output or a delta to pick its window, or a cell of x or dX: its first window."

    def __init__(self, seed=0):
        self.seed = seed
        self.mode = widgets.ToggleButtons(options=[("max pooling", "max"),
                                                   ("average pooling", "avg")],
                                          value="max", style={"button_width": "auto"})
        self.size = _slider(2, 2, 4, "size")
        self.stride = _slider(2, 1, 4, "stride")
        self.out_i = _slider(0, 0, 2, "output row i")
        self.out_j = _slider(0, 0, 2, "output col j")
        controls = [self.mode, self.size, self.stride, self.out_i, self.out_j]
        super().__init__([self.mode, widgets.HBox(controls[1:])], controls)
        self.update()

    def values(self):
        return dict(mode=self.mode.value, size=self.size.value, stride=self.stride.value,
                    out_pos=(self.out_i.value, self.out_j.value), seed=self.seed)

    def _sync_ranges(self):
        h_out = (7 - self.size.value) // self.stride.value + 1
        self._set_max(self.out_i, h_out - 1)
        self._set_max(self.out_j, h_out - 1)

    def compute(self):
        return pooling_state(**self.values())

    def pick_cell(self, row, col):
        """A click on x or dX: the first window (row-major) that holds that cell, if any."""
        size, stride = self.size.value, self.stride.value
        first = [-(-max(v - size + 1, 0) // stride) for v in (row, col)]  # ceil((v-size+1)/S)
        if all(f * stride <= v < f * stride + size and f <= m for f, v, m in
               zip(first, (row, col), (self.out_i.max, self.out_j.max))):
            self.pick_output(*first)

    def draw(self):
        s = self.state
        i, j = s.out_pos
        grid = plotting.plot_grid
        d = _num(s.dout[i, j])
        if s.mode == "max":
            r, c = s.winner
            text = (f"Window ({i}, {j}): its maximum {_plain(s.out[i, j])} sits at x[{r},{c}] "
                    f"(ties: the first in row-major order wins), so all of δ[{i},{j}] = "
                    f"{_plain(s.dout[i, j])} goes "
                    f"there and nothing to the other cells.")
        else:
            n = s.size * s.size
            text = (f"Window ({i}, {j}): every one of its {n} cells gets "
                    f"δ/{n} = {d}/{n} = {_plain(s.route[s.window[0], s.window[1]])}.")
        if s.stride < s.size:
            text += " Windows overlap: a cell in several windows adds up their shares."
        if s.unread.any():
            text += " Crossed cells are in no window: their gradient is 0."
        self.readout.value = text
        x_calls = [(grid, dict(values=s.x, title="input x", signed=False, highlight=[s.window],
                               mark=s.unread))]
        if s.winner:
            x_calls.append((plotting.outline_cells, dict(cells=[s.winner])))
        name = "max" if s.mode == "max" else "mean"
        return [
            _panel(s.x.shape, *x_calls, pick=self.pick_cell),
            _panel(s.out.shape, (grid, dict(values=s.out, signed=False, title=f"output ({name})",
                                            highlight=[(i, j, 1, 1)])), pick=self.pick_output),
            _panel(s.dout.shape, (grid, dict(values=s.dout, signed=True, title="deltas δ",
                                             highlight=[(i, j, 1, 1)])), pick=self.pick_output),
            _panel(s.x.shape, (grid, dict(values=s.dx, signed=True, title="dX (all deltas)",
                                          highlight=[s.window], mark=s.unread)),
                   (plotting.outline_cells, dict(cells=s.receivers)), pick=self.pick_cell),
        ]


def pooling_explorer(seed=0):
    """Max or average pooling: where each delta goes (returns a widget).

    Size 2-4 and stride 1-4 (stride < size: overlapping windows, whose shares
    add up). The chosen window is outlined in the input and in dX; the cells
    that receive its delta are outlined in green.
    """
    return PoolingExplorer(seed=seed).widget


# ============================================================ 4. im2row

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


class Im2rowExplorer(_Explorer):
    """Controls and drawing of ``im2row_explorer``."""

    click_tip = "Click an output, a delta or a row of the matrix to pick that output position."

    max_rows_shown = 9

    def __init__(self, seed=0):
        self.seed = seed
        self.mode = widgets.ToggleButtons(options=[("forward: im2row", "forward"),
                                                   ("backward: row2im", "backward")],
                                          value="forward", style={"button_width": "auto"})
        self.kernel_size = _slider(3, 2, 4, "kernel K")
        self.stride = _slider(2, 1, 3, "stride S")
        self.pad = _slider(0, 0, 1, "padding P")
        self.out_i = _slider(0, 0, 2, "output row i")
        self.out_j = _slider(0, 0, 2, "output col j")
        controls = [self.mode, self.kernel_size, self.stride, self.pad, self.out_i, self.out_j]
        super().__init__([self.mode, widgets.HBox(controls[1:4]), widgets.HBox(controls[4:])],
                         controls)
        self.update()

    def values(self):
        return dict(kernel_size=self.kernel_size.value, stride=self.stride.value,
                    pad=self.pad.value, out_pos=(self.out_i.value, self.out_j.value),
                    seed=self.seed)

    def _sync_ranges(self):
        _, _, h_out, w_out = conv_output_shape((1, 1, 7, 7), (1, 1, self.kernel_size.value,
                                               self.kernel_size.value), self.stride.value,
                                               self.pad.value)
        self._set_max(self.out_i, h_out - 1)
        self._set_max(self.out_j, w_out - 1)

    def compute(self):
        return im2row_state(**self.values())

    def _band(self, n_rows):
        """The rows of the matrix shown: at most ``max_rows_shown``, around row r."""
        r, shown = self.state.row, self.max_rows_shown
        start = int(np.clip(r - shown // 2, 0, max(n_rows - shown, 0)))
        return start, min(n_rows, start + shown)

    def pick_row(self, row, col):
        """A click on the matrix shown (rows ``lo..hi-1``): the output of that row."""
        lo, _ = self._band(self.state.rows.shape[0])
        self.pick_output(*divmod(lo + row, self.state.out.shape[1]))

    def draw(self):
        s = self.state
        k, pad, r = s.kernel_size, s.pad, s.row
        i, j = s.out_pos
        lo, hi = self._band(s.rows.shape[0])
        band = "" if (lo, hi) == (0, s.rows.shape[0]) else f", rows {lo}..{hi - 1}"
        row_box = [(r - lo, 0, 1, k * k)]
        grid, padded = plotting.plot_grid, plotting.plot_padded_grid
        if self.mode.value == "forward":
            self.readout.value = (
                f"Output ({i}, {j}) is row r = i·W_out + j = {i}·{s.out.shape[1]} + {j} = "
                f"<b>{r}</b>"
                f" of im2row(x): its window read row by row (column m·{k} + q holds entry (m, q))."
                f" out[{i},{j}] = row {r} · w = {_plain(s.out[i, j])}.")
            return [
                _panel(s.x_pad.shape, (padded, dict(values=s.x_pad, pad=pad, title="input x",
                                                    signed=False, highlight=[s.window]))),
                _panel((hi - lo, k * k), (grid, dict(
                    values=s.rows[lo:hi], signed=False, origin=(lo, 0), highlight=row_box,
                    title=f"im2row(x): {s.rows.shape[0]}×{k * k}{band}")), pick=self.pick_row),
                _panel(s.out.shape, (grid, dict(values=s.out, title="rows @ w",
                                                highlight=[(i, j, 1, 1)])), pick=self.pick_output),
            ]
        self.readout.value = (
            f"Backward: row {r} of dY·w is δ[{i},{j}]·w = {_num(s.dout[i, j])}·w. row2im sends "
            f"each entry back to the pixel it was copied from and adds where windows overlap"
            f"{'; then the padding frame is cropped' if pad else ''}.")
        return [
            _panel(s.dout.shape, (grid, dict(values=s.dout, signed=True, title="deltas δ",
                                             highlight=[(i, j, 1, 1)])), pick=self.pick_output),
            _panel((hi - lo, k * k), (grid, dict(values=s.d_rows[lo:hi], signed=True,
                                                  origin=(lo, 0), highlight=row_box,
                                                  title=f"dY·w: row r is δ_r·w{band}")),
                   pick=self.pick_row),
            _panel(s.x_pad.shape, (padded, dict(values=s.scatter_row_pad, pad=pad, signed=True,
                                                title=f"row2im(row {r} alone)", blank_zeros=True,
                                                highlight=[s.window]))),
            _panel(s.x_pad.shape, (padded, dict(values=s.dx_pad, pad=pad, signed=True,
                                                title="row2im(all rows) = dX",
                                                highlight=[s.window]))),
        ]


def im2row_explorer(seed=0):
    """One output position = one row of the im2row matrix (returns a widget).

    Forward: the chosen output's window in the input and its row in
    ``im2row(x)``. Backward: the row ``δ_r · w`` of ``dY @ W`` and ``row2im``
    scattering it back onto the window; all rows together give dX.
    """
    return Im2rowExplorer(seed=seed).widget
