"""Drawing functions for the course: pure, ``f(..., ax=None) -> ax``, no global state.

The basic picture of this course is a small grid of numbers: an image, a kernel,
a map of deltas. ``plot_grid`` draws one, with the value written in each cell,
a diverging colour map centred on zero for signed quantities (deltas,
gradients), outlined windows and marked cells. The other functions compose it.
"""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter
from matplotlib.transforms import TransformedPatchPath

SIGNED_CMAP = "RdBu_r"     # negative blue, zero white, positive red
UNSIGNED_CMAP = "Greys"    # images and counts
HIGHLIGHT = "tab:orange"   # the window or cell being looked at
SECOND = "tab:green"       # a second highlight (e.g. the pixel picked in the input)


def _axes(ax, shape=None, scale=0.42):
    """Return ``ax`` or a new axes sized for a grid of ``shape`` cells."""
    if ax is not None:
        return ax
    if shape is None:
        _, ax = plt.subplots(figsize=(3, 3))
        return ax
    h, w = shape
    _, ax = plt.subplots(figsize=(max(1.6, w * scale + 0.4), max(1.6, h * scale + 0.5)))
    return ax


def _format(v, fmt):
    if fmt is None:
        if float(v).is_integer() and abs(v) < 1e6:
            return f"{int(v)}"
        return f"{v:.2g}" if abs(v) < 0.01 and v != 0 else f"{v:.2f}".rstrip("0").rstrip(".")
    return fmt.format(v)


def outline_window(ax, row, col, height=1, width=1, color=HIGHLIGHT, lw=3, **kwargs):
    """Draw the outline of the cells ``[row:row+height, col:col+width]`` on a grid plot."""
    ax.add_patch(Rectangle((col - 0.5, row - 0.5), width, height, fill=False,
                           edgecolor=color, linewidth=lw, zorder=3, **kwargs))
    return ax


INDEX_LABEL = "_index_label"  # the Artist label of plot_grid's row/column numbers
MARK_LABEL = "_marks"          # the Artist label of plot_grid's crosses (a LineCollection)


def _index_labels(ax, xlabels, ylabels, fontsize=7, fast=False):
    """Write ``xlabels`` under the columns and ``ylabels`` left of the rows of a grid plot.

    Plain texts (``label=INDEX_LABEL``, so they can be told from the numbers in
    the cells) placed as matplotlib places tick labels, ``xtick.major.pad``
    points from the axes whatever its size: this skips matplotlib's Tick
    objects, which cost as much as the rest of a small grid picture.
    ``fast``: two ``TextStamps`` artists instead (labelled ``INDEX_LABEL`` too).
    """
    clip = TransformedPatchPath(ax.patch)  # not used (clip_on is off), given: faster, see plot_grid
    trans, va, ha = ax.get_xaxis_text1_transform(plt.rcParams["xtick.major.pad"])  # data x, axes y
    if fast:
        ax.add_artist(TextStamps([(j, 0, t, "black") for j, t in enumerate(xlabels)], fontsize,
                                 trans, ha, va, label=INDEX_LABEL))
        trans, va, ha = ax.get_yaxis_text1_transform(plt.rcParams["ytick.major.pad"])
        ax.add_artist(TextStamps([(0, i, t, "black") for i, t in enumerate(ylabels)], fontsize,
                                 trans, ha, va, label=INDEX_LABEL))
        return ax
    for j, text in enumerate(xlabels):
        ax.text(j, 0, text, transform=trans, va=va, ha=ha, fontsize=fontsize, label=INDEX_LABEL,
                clip_path=clip)
    trans, va, ha = ax.get_yaxis_text1_transform(plt.rcParams["ytick.major.pad"])  # axes x, data y
    for i, text in enumerate(ylabels):
        ax.text(0, i, text, transform=trans, va=va, ha=ha, fontsize=fontsize, label=INDEX_LABEL,
                clip_path=clip)
    return ax


class TextStamps(Artist):
    """Many short texts drawn as one artist (the explorers' fast path for grid numbers).

    ``items``: ``[(x, y, text, color)]`` in ``transform`` coordinates (default:
    the axes' data coordinates), all of one ``fontsize`` and one alignment
    ``ha``/``va``. A ``matplotlib.text.Text`` costs about 0.45 ms to draw, and a
    grid of the gradient-flow explorer holds up to 121 numbers plus its row and
    column numbers. Here each distinct (text, size, colour, alignment) is
    rendered once, by matplotlib's own text renderer on a small transparent
    canvas, and kept (``STAMPS``, a few hundred small arrays at most in the
    explorers; the key holds no font family, so a stamp made before an rcParams
    font change keeps the old font); drawing then only pastes the stamps: the
    same glyphs (placed to the nearest pixel), several times faster.
    """
    STAMPS = {}    # (text, fontsize, color, ha, va, dpi) -> (RGBA stamp, anchor pixel (x, y))

    def __init__(self, items, fontsize, transform=None, ha="center", va="center", label=None):
        super().__init__()
        self.items = list(items)
        self.fontsize, self.ha, self.va = fontsize, ha, va
        self._stamp_transform = transform
        self.set_zorder(3)
        if label:
            self.set_label(label)

    def texts(self):
        """The texts as written, in order (what ``ax.texts`` would hold)."""
        return [text for _, _, text, _ in self.items]

    @classmethod
    def stamp(cls, text, fontsize, color, ha, va, dpi):
        """``(rgba, (ax, ay))``: the text rendered with the anchor at pixel ``(ax, ay)``
        (from the lower left) of the stamp."""
        key = (text, fontsize, color, ha, va, dpi)
        hit = cls.STAMPS.get(key)
        if hit is None:
            side = int(np.ceil(fontsize * dpi / 72 * (len(text) + 2))) + 4  # pixels, with room
            anchor = ({"left": 2, "center": side // 2, "right": side - 2}[ha],
                      {"bottom": 2, "baseline": side // 3, "center": side // 2,
                       "center_baseline": side // 2, "top": side - 2}[va])
            fig = Figure(figsize=(side / dpi, side / dpi), dpi=dpi)
            canvas = FigureCanvasAgg(fig)
            fig.patch.set_alpha(0.0)
            fig.text(anchor[0] / side, anchor[1] / side, text, ha=ha, va=va,
                     fontsize=fontsize, color=color)
            canvas.draw()
            rgba = np.asarray(canvas.buffer_rgba())[::-1].copy()  # (side, side, 4), bottom row first
            hit = cls.STAMPS[key] = (rgba, anchor)
        return hit

    def draw(self, renderer):
        if not self.get_visible() or not self.items:
            return
        transform = self._stamp_transform or self.axes.transData
        points = transform.transform([(x, y) for x, y, _, _ in self.items])  # (k, 2) pixels
        gc = renderer.new_gc()
        for (_, _, text, color), (px, py) in zip(self.items, points):
            rgba, (ax_, ay_) = self.stamp(text, self.fontsize, color, self.ha, self.va,
                                          renderer.dpi)
            renderer.draw_image(gc, round(px - ax_), round(py - ay_), rgba)  # lower left corner
        gc.restore()
        self.stale = False


def plot_grid(values, ax=None, title=None, signed=None, cmap=None, annotate=True, fmt=None,
              vmin=None, vmax=None, highlight=None, highlight_color=HIGHLIGHT, mark=None,
              fontsize=None, origin=(0, 0), blank_zeros=False, gridlines=True, labels=True,
              fast_numbers=False):
    """Draw a 2-D array as a grid of coloured cells with their values written in.

    values    : (H, W) array.
    signed    : diverging colours centred on zero (default: True if any value < 0).
    highlight : a list of ``(row, col, height, width)`` windows to outline, or a
                boolean (H, W) mask of cells to outline one by one.
    mark      : a boolean (H, W) mask of cells to cross out (e.g. pixels no window reads).
    origin    : index labels start here (e.g. ``(-1, -1)`` for a padded image).
    blank_zeros : write nothing in cells equal to 0 (a sparse grid, e.g. what one
                delta adds to dX: the nonzero window stands out, and fewer texts
                draw faster).
    gridlines : thin lines between the cells.
    labels    : write the row and column numbers under and left of the grid
                where tick labels go (as plain texts labelled ``INDEX_LABEL``,
                not ticks: faster); ``False`` leaves the axes without ticks or
                numbers, for a caller that sets ticks of its own.
    fast_numbers : write the numbers (and the row and column numbers) with
                ``TextStamps`` artists instead of a ``Text`` each (the explorers:
                the same picture, drawn several times faster; the numbers are then
                not in ``ax.texts``).
    Returns the axes.
    """
    a = np.asarray(values, dtype=float)
    if a.ndim != 2:
        raise ValueError(f"plot_grid: expected a 2-D array (H, W), got shape {a.shape}")
    ax = _axes(ax, a.shape)
    if signed is None:
        signed = bool((a < 0).any())
    if signed:
        lim = max(np.abs(a).max() if a.size else 1.0, 1e-12) if vmax is None else vmax
        vmin, vmax = -lim, lim
        cmap = cmap or SIGNED_CMAP
    else:
        cmap = cmap or UNSIGNED_CMAP
        if vmin is None:
            vmin = min(0.0, a.min()) if a.size else 0.0
        if vmax is None:
            vmax = a.max() if a.size and a.max() > vmin else vmin + 1.0
    im = ax.imshow(a, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    h, w = a.shape
    ax.set_xlim(-0.5, w - 0.5)   # what imshow chose; fixed, so that reused axes agree
    ax.set_ylim(h - 0.5, -0.5)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.tick_params(length=0)     # for a caller that sets ticks of its own
    if labels:
        _index_labels(ax, [str(j + origin[1]) for j in range(w)],
                      [str(i + origin[0]) for i in range(h)], fast=fast_numbers)
    if gridlines:  # one collection, not a minor tick per line: much faster to build and draw
        edges_x, edges_y = np.arange(w + 1) - 0.5, np.arange(h + 1) - 0.5
        segments = ([[(e, -0.5), (e, h - 0.5)] for e in edges_x]
                    + [[(-0.5, e), (w - 0.5, e)] for e in edges_y])
        ax.add_collection(LineCollection(segments, colors="0.6", linewidths=0.5, zorder=1.5))
    if annotate:
        size = fontsize or (8 if max(h, w) <= 8 else 6)
        rgba = im.cmap(im.norm(a))  # (H, W, 4), the colour of each cell
        light = 0.299 * rgba[..., 0] + 0.587 * rgba[..., 1] + 0.114 * rgba[..., 2] > 0.55  # (H, W)
        # texts are not clipped, but ax.text would make each one a clip box from the axes
        # patch; one shared clip path given instead halves the time to build the texts
        clip = TransformedPatchPath(ax.patch)
        numbers = [(j, i, _format(a[i, j], fmt), "black" if light[i, j] else "white")
                   for i in range(h) for j in range(w) if not (blank_zeros and a[i, j] == 0)]
        if fast_numbers:  # (x, y) = (column, row), data coordinates
            ax.add_artist(TextStamps(numbers, size))
        else:
            for x, y, text, color in numbers:
                ax.text(x, y, text, ha="center", va="center", fontsize=size, color=color,
                        clip_path=clip)
    if highlight is not None:
        hl = np.asarray(highlight)
        if hl.dtype == bool:
            for i, j in zip(*np.nonzero(hl)):
                outline_window(ax, i, j, color=highlight_color, lw=2.5)
        else:
            for (r, c, hh, ww) in np.atleast_2d(hl):
                outline_window(ax, r, c, hh, ww, color=highlight_color)
    if mark is not None:  # a cross per marked cell, all in one collection (faster than lines)
        crosses = [stroke for i, j in zip(*np.nonzero(np.asarray(mark, dtype=bool)))
                   for stroke in ([(j - 0.4, i - 0.4), (j + 0.4, i + 0.4)],
                                  [(j - 0.4, i + 0.4), (j + 0.4, i - 0.4)])]
        if crosses:
            ax.add_collection(LineCollection(crosses, colors="0.35", linewidths=1, zorder=2,
                                             capstyle="projecting", label=MARK_LABEL))
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def plot_grids(arrays, titles=None, axes=None, **kwargs):
    """Draw several 2-D arrays side by side with ``plot_grid``; returns the list of axes."""
    arrays = [np.asarray(a) for a in arrays]
    if axes is None:
        width = sum(max(1.6, a.shape[1] * 0.42 + 0.4) for a in arrays)
        height = max(max(1.6, a.shape[0] * 0.42 + 0.5) for a in arrays)
        _, axes = plt.subplots(1, len(arrays), figsize=(min(width, 10), height), squeeze=False)
        axes = list(axes[0])
    titles = titles or [None] * len(arrays)
    for a, t, ax in zip(arrays, titles, axes):
        plot_grid(a, ax=ax, title=t, **kwargs)
    return axes


# ------------------------------------------- max-pool routing (notebook 05)

WINDOW_COLORS = ("tab:orange", "tab:green", "tab:purple", "tab:cyan", "tab:brown", "tab:pink",
                 "tab:olive", "tab:gray", "gold")


def plot_pool_routing(x, size, stride=None, ax=None, title=None, **grid_kwargs):
    """Draw a 2-D input with every max-pooling window outlined and its winning unit dotted.

    x      : (H, W) array, the input of the pooling layer.
    size   : window size, an int or ``(KH, KW)``; ``stride`` defaults to ``size``.
    Each window ``(i, j)`` (row-major, colours cycle through ``WINDOW_COLORS``)
    gets an outline (inset a little more for each later window when windows
    overlap, so all stay visible) and a dot of its colour in the cell that wins
    it: ``cnnlib.pool.maxpool2d_forward``'s argmax (ties: the first maximum in
    row-major order). A cell that wins several windows gets several dots: in
    backward it receives the sum of their deltas.
    Returns the axes.
    """
    from .pool import maxpool2d_forward  # local import: plotting stays importable on its own
    a = np.asarray(x, dtype=float)
    if a.ndim != 2:
        raise ValueError(f"plot_pool_routing: expected a 2-D array (H, W), got shape {a.shape}")
    _, cache = maxpool2d_forward(a[None, None], size, stride)
    (kh, kw), (sh, sw) = cache.size, cache.stride
    argmax = cache.argmax[0, 0]  # (H_out, W_out), flat index m*KW + q inside each window
    ax = plot_grid(a, ax=ax, title=title, **grid_kwargs)
    overlap = sh < kh or sw < kw
    corners = [(-0.28, -0.28), (0.28, -0.28), (-0.28, 0.28), (0.28, 0.28)]
    h_out, w_out = argmax.shape
    for k, (i, j) in enumerate(np.ndindex(h_out, w_out)):
        color = WINDOW_COLORS[k % len(WINDOW_COLORS)]
        inset = 0.05 + 0.07 * (k % 4) if overlap else 0.05
        ax.add_patch(Rectangle((sw * j - 0.5 + inset, sh * i - 0.5 + inset), kw - 2 * inset,
                               kh - 2 * inset, fill=False, edgecolor=color, linewidth=2, zorder=3))
        m, q = divmod(int(argmax[i, j]), kw)
        dx, dy = corners[k % 4]
        ax.plot(sw * j + q + dx, sh * i + m + dy, "o", color=color, markersize=6,
                markeredgecolor="black", markeredgewidth=0.5, zorder=4)
    return ax


# ------------------------------------------- building blocks of the explorers (widgets.py)

FRAME = "0.15"             # the dashed frame around the real image inside its padding


def _empty_axes(ax):
    """Remove what the plotting functions drew on ``ax`` (images, texts, patches, lines,
    collections, other artists such as ``TextStamps``, title, axis labels) and give it
    back its autoscaling: cheaper than ``Axes.clear`` or a new axes."""
    for artist in [*ax.images, *ax.texts, *ax.patches, *ax.lines, *ax.collections,
                   *ax.artists]:
        artist.remove()
    ax.set_title("")
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_axis_on()
    ax.relim()
    ax.set_autoscale_on(True)
    return ax


def grid_figure(shapes, fig=None, cell=0.3, min_width=1.1, height=None, max_width=9.0):
    """One row of axes sized for grids of the given ``(rows, cols)`` shapes.

    shapes : list of ``(rows, cols)``, one per axes; each axes gets a width
             proportional to its number of columns (at least ``min_width`` inches).
    fig    : a ``matplotlib.figure.Figure`` to reuse (the explorers reuse one
             figure); default: a new pyplot figure. If ``fig`` was last laid out by
             this function for the same shapes, its axes are kept and only emptied
             of what was drawn on them: that makes a redraw about twice as fast
             as building new axes.
    cell   : inches per grid cell, shrunk if the row would be wider than ``max_width``.
    Returns ``(fig, axes)``.
    """
    shapes = [tuple(int(v) for v in s) for s in shapes]
    if not shapes or any(len(s) != 2 or min(s) < 1 for s in shapes):
        raise ValueError(f"grid_figure: expected a list of (rows, cols) pairs >= 1, got {shapes}")
    widths = [max(min_width, c * cell) for _, c in shapes]
    total = sum(widths) + 0.35 * len(shapes) + 0.2
    if total > max_width:
        shrink = max_width / total
        widths = [wd * shrink for wd in widths]
        cell, total = cell * shrink, max_width
    rows = max(r for r, _ in shapes)
    if height is None:
        height = min(3.5, max(1.7, rows * cell + 0.75))
    key = (tuple(shapes), round(total, 3), round(height, 3))
    if fig is None:
        fig = plt.figure(figsize=(total, height))
    elif getattr(fig, "_grid_figure_key", None) == key and list(fig.axes) == fig._grid_figure_axes:
        for ax in fig.axes:
            _empty_axes(ax)
        return fig, list(fig.axes)
    else:
        fig.clear()
        fig.set_size_inches(total, height)
    gs = fig.add_gridspec(1, len(shapes), width_ratios=widths, left=0.03, right=0.99,
                          bottom=0.06, top=0.86, wspace=0.35 / max(np.mean(widths), 0.1))
    axes = [fig.add_subplot(gs[0, k]) for k in range(len(shapes))]
    fig._grid_figure_key, fig._grid_figure_axes = key, list(axes)
    return fig, axes


def plot_padded_grid(values, pad=0, ax=None, frame_color=FRAME, **grid_kwargs):
    """``plot_grid`` of a zero-padded array, with the unpadded part framed by a dashed line.

    values : (H + 2P, W + 2P) array (already padded, e.g. by ``cnnlib.correlate.pad2d``).
    pad    : P, an int or ``(ph, pw)``; index labels run from ``-P`` so that the
             real image keeps its own indices 0..H-1.
    Other keyword arguments go to ``plot_grid`` (highlights are in padded coordinates).
    Returns the axes.
    """
    ph, pw = (pad, pad) if np.isscalar(pad) else pad
    a = np.asarray(values, dtype=float)
    ax = plot_grid(a, ax=ax, origin=(-ph, -pw), **grid_kwargs)
    if ph or pw:
        h, w = a.shape
        ax.add_patch(Rectangle((pw - 0.5, ph - 0.5), w - 2 * pw, h - 2 * ph, fill=False,
                               edgecolor=frame_color, linewidth=1.2, linestyle="--", zorder=2.5))
    return ax


def outline_cells(ax, cells, color=SECOND, lw=2.5):
    """Outline single cells ``[(row, col), ...]`` of a grid plot; returns the axes."""
    for r, c in cells:
        outline_window(ax, r, c, color=color, lw=lw)
    return ax


def grid_panel_layout(shape, cell=0.3, height=None, min_width=0.0, left=0.32, top=0.32,
                      bottom=0.25):
    """Where ``grid_panel`` puts its grid: ``(width, height, box)``.

    ``width`` and ``height`` are the figure's size in inches, ``box`` the axes'
    ``[left, bottom, width, height]`` as fractions of the figure, the grid
    centred horizontally and hanging ``top`` inches below the top edge. The
    explorers use it to tell which cell of which panel a click landed on.
    """
    rows, cols = (int(v) for v in shape)
    if rows < 1 or cols < 1:
        raise ValueError(f"grid_panel: expected a (rows, cols) shape >= 1, got {shape}")
    width = max(min_width, left + cols * cell + 0.12)
    if height is None:
        height = top + rows * cell + bottom
    if height < top + rows * cell + bottom - 1e-9:
        raise ValueError(f"grid_panel: height {height} in is too small for {rows} rows of {cell} in")
    x0 = left + (width - left - 0.12 - cols * cell) / 2
    box = [x0 / width, 1 - (top + rows * cell) / height, cols * cell / width, rows * cell / height]
    return width, height, box


def grid_panel(shape, fig=None, cell=0.3, height=None, min_width=0.0, left=0.32, top=0.32,
               bottom=0.25):
    """A figure holding one axes whose grid cells are exactly ``cell`` inches wide.

    shape  : ``(rows, cols)`` of the grid to be drawn.
    height : figure height in inches (default: just enough for the grid); the
             grid hangs below a ``top`` margin for the title, so panels of one
             height put side by side line up at the top.
    min_width : figure width at least this (e.g. room for a long title).
    fig    : a ``matplotlib.figure.Figure`` to reuse; if it holds the one axes a
             previous ``grid_panel`` call put there, that axes is emptied of what
             was drawn on it (``_empty_axes``), moved and kept
             (whatever the new shape): much faster than clearing or making an axes.
    Returns ``(fig, ax)``. The explorers draw each panel this way and put the
    pictures side by side.
    """
    width, height, box = grid_panel_layout(shape, cell, height, min_width, left, top, bottom)
    if fig is None:
        fig = plt.figure(figsize=(width, height))
    ax = getattr(fig, "_grid_panel_axes", None)
    if ax is not None and fig.axes == [ax]:
        _empty_axes(ax)
        if not np.allclose(fig.get_size_inches(), (width, height)):
            fig.set_size_inches(width, height)
        ax.set_position(box)
        return fig, ax
    fig.clear()
    fig.set_size_inches(width, height)
    ax = fig.add_axes(box)
    fig._grid_panel_axes = ax
    return fig, ax


# ------------------------------------------- one step of a cross-correlation, the flip (01, 02)

def plot_correlation_step(image, kernel, i, j, stride=1, pad=0, axes=None,
                          titles=("input", "kernel", "window × kernel", "output"), fontsize=None):
    """One step of a (strided, zero-padded) cross-correlation, in four panels.

    image  : (H, W) array; kernel : (KH, KW) array; ``stride`` and ``pad`` an int
             or an ``(h, w)`` pair.
    (i, j) : the output cell being computed, ``0 <= i < H_out``, ``0 <= j < W_out``.
    Panels: the padded input with the window of ``out[i, j]`` outlined (it starts
    at row ``S·i``, column ``S·j`` of the padded input; the real image is framed
    by a dashed line), the kernel, the entrywise products ``window · kernel``
    (their sum is in the title), and the output with cell ``(i, j)`` outlined:

        out[i, j] = Σ_m Σ_q x_pad[S·i + m, S·j + q] · kernel[m, q]

    The output is computed by ``cnnlib.conv.conv2d_forward`` (bias 0), so the
    picture shows cnnlib's numbers. ``axes``: four axes to draw on (default: a
    new row from ``grid_figure``). ``fontsize``: of the numbers in the cells
    (default: ``plot_grid``'s, 6 pt on grids wider than 8 cells). Returns the
    list of four axes.
    """
    from .conv import conv2d_forward  # local import: plotting stays importable on its own
    from .correlate import pad2d
    from ._validate import as_pair
    img = np.asarray(image, dtype=float)
    ker = np.asarray(kernel, dtype=float)
    if img.ndim != 2 or ker.ndim != 2:
        raise ValueError(f"plot_correlation_step: expected a 2-D image (H, W) and a 2-D kernel (KH, KW), "
                         f"got shapes {img.shape} and {ker.shape}")
    (sh, sw), (ph, pw) = as_pair(stride, "stride", 1), as_pair(pad, "pad", 0)
    out, _ = conv2d_forward(img[None, None], ker[None, None], np.zeros(1), (sh, sw), (ph, pw))
    out = out[0, 0]  # (H_out, W_out)
    if not (0 <= i < out.shape[0] and 0 <= j < out.shape[1]):
        raise ValueError(f"plot_correlation_step: expected 0 <= i < {out.shape[0]} and "
                         f"0 <= j < {out.shape[1]}, got (i, j) = ({i}, {j})")
    kh, kw = ker.shape
    x_pad = pad2d(img, (ph, pw))
    products = x_pad[sh * i:sh * i + kh, sw * j:sw * j + kw] * ker  # (KH, KW)
    if axes is None:
        _, axes = grid_figure([x_pad.shape, ker.shape, products.shape, out.shape])
    t_in, t_k, t_p, t_out = titles
    plot_padded_grid(x_pad, (ph, pw), ax=axes[0], title=t_in, highlight=[(sh * i, sw * j, kh, kw)],
                     fontsize=fontsize)
    plot_grid(ker, ax=axes[1], title=t_k, signed=True, fontsize=fontsize)
    plot_grid(products, ax=axes[2], title=f"{t_p}\nsum = {_format(products.sum(), None)}", signed=True,
              fontsize=fontsize)
    plot_grid(out, ax=axes[3], title=t_out, signed=bool((out < 0).any()),
              highlight=[(i, j, 1, 1)], fontsize=fontsize)
    return list(axes)


def plot_flip(kernel, axes=None, name="w"):
    """The 180-degree rotation of a kernel as two flips, in three panels.

    kernel : (KH, KW) array. Panels: the kernel, the kernel flipped up-down
    (rows reversed), and that flipped left-right (columns reversed), which is
    ``cnnlib.correlate.rot180(kernel)``:

        rot180(w)[m, q] = w[KH-1-m, KW-1-q]

    The entry ``w[0, 0]`` is outlined in every panel so its trip to the
    opposite corner can be followed. ``axes``: three axes to draw on (default: a
    new row from ``grid_figure``). Returns the list of three axes.
    """
    from .correlate import rot180  # local import: plotting stays importable on its own
    ker = np.asarray(kernel, dtype=float)
    if ker.ndim != 2:
        raise ValueError(f"plot_flip: expected a 2-D kernel (KH, KW), got shape {ker.shape}")
    kh, kw = ker.shape
    panels = [ker, ker[::-1, :], rot180(ker)]
    corner = [(0, 0), (kh - 1, 0), (kh - 1, kw - 1)]
    titles = [name, "rows reversed", f"columns too: rot180({name})"]
    if axes is None:
        _, axes = grid_figure([ker.shape] * 3, min_width=1.5, height=2.0)
    lim = max(np.abs(ker).max(), 1e-12)
    for ax, a, (r, c), t in zip(axes, panels, corner, titles):
        plot_grid(a, ax=ax, title=t, signed=True, vmax=lim)
        outline_window(ax, r, c, color=SECOND, lw=2.5)
    return list(axes)


def plot_conv_windows(x_shape, kernel_size, stride=1, pad=0, ax=None, title=None):
    """Every window of a conv layer drawn on its (padded) input, with read counts.

    x_shape     : ``(H, W)`` or ``(N, C, H, W)``; kernel_size an int or ``(KH, KW)``.
    The cells show how many windows read each input pixel
    (``cnnlib.conv.conv2d_coverage``, padding zeros shown as 0 outside the dashed
    frame); every window is outlined in its own colour (row-major order, inset a
    little more for each later window so overlapping ones stay visible); pixels
    of the real image that no window reads are crossed out: their gradient is
    always zero. Returns the axes.
    """
    from .conv import conv2d_coverage, conv_output_shape  # local import, as above
    from ._validate import as_pair
    h, w = tuple(x_shape)[-2:]
    (kh, kw), (sh, sw), (ph, pw) = (as_pair(kernel_size, "kernel_size", 1), as_pair(stride, "stride", 1),
                                    as_pair(pad, "pad", 0))
    counts = conv2d_coverage((h, w), (kh, kw), (sh, sw), (ph, pw))  # (H, W)
    _, _, h_out, w_out = conv_output_shape((1, 1, h, w), (1, 1, kh, kw), (sh, sw), (ph, pw))
    padded = np.pad(counts, ((ph, ph), (pw, pw)))  # (H + 2P, W + 2P)
    never = np.zeros(padded.shape, dtype=bool)
    never[ph:ph + h, pw:pw + w] = counts == 0
    if ax is None:
        _, (ax,) = grid_figure([padded.shape], min_width=2.2)
    plot_padded_grid(padded, (ph, pw), ax=ax, title=title, signed=False, mark=never,
                     vmax=2.5 * max(int(counts.max()), 1))  # light greys: the outlines stay visible
    for k, (i, j) in enumerate(np.ndindex(h_out, w_out)):
        inset = 0.06 + 0.06 * (k % 4)
        ax.add_patch(Rectangle((sw * j - 0.5 + inset, sh * i - 0.5 + inset), kw - 2 * inset,
                               kh - 2 * inset, fill=False, linewidth=1.6, zorder=3,
                               edgecolor=WINDOW_COLORS[k % len(WINDOW_COLORS)]))
    return ax


# ------------------------------------- notebooks 03-04: kernel and input gradient pictures

def _times(v):
    """'×2', '×(-1)': the label of a cell whose number is multiplied by the weight ``v``."""
    text = _format(v, None)
    return f"×({text})" if v < 0 else f"×{text}"


def _corner_labels(ax, cells, labels, color=HIGHLIGHT, fontsize=6):
    """Write a small label in the lower-right corner of each ``(row, col)`` cell."""
    for (r, c), text in zip(cells, labels):
        ax.text(c + 0.47, r + 0.47, text, ha="right", va="bottom", fontsize=fontsize, color=color,
                fontweight="bold", zorder=4,
                bbox=dict(boxstyle="square,pad=0.05", facecolor="white", edgecolor="none", alpha=0.85))
    return ax


def plot_kernel_entry_inputs(image, kernel_shape, entry, stride=1, deltas=None, ax=None, title=None,
                             label_fontsize=6, label_color=HIGHLIGHT, **grid_kwargs):
    """Draw an input with the pixels that were multiplied by the kernel entry ``w[m, q]`` outlined.

    image        : (H, W) array, one (padded) input channel.
    kernel_shape : (KH, KW); ``entry`` is ``(m, q)``; ``stride`` an int or ``(S_h, S_w)``.
    deltas       : optional (H_out, W_out) array; the delta each outlined pixel is
                   paired with is written small in its corner, so the picture shows

                       ∂E/∂w[m, q] = Σ_i Σ_j δ[i, j] · x[S·i + m, S·j + q]    (eq. 13 with stride)

    label_fontsize, label_color : size and colour of those delta labels (each
                   sits on a small white box, readable on dark pixels too).
    Returns the axes.
    """
    a = np.asarray(image, dtype=float)
    if a.ndim != 2:
        raise ValueError(f"plot_kernel_entry_inputs: expected a 2-D image (H, W), got shape {a.shape}")
    kh, kw = kernel_shape
    m, q = entry
    if not (0 <= m < kh and 0 <= q < kw):
        raise ValueError(f"entry: expected 0 <= m < {kh} and 0 <= q < {kw}, got {entry}")
    sh, sw = (stride, stride) if np.isscalar(stride) else stride
    h_out, w_out = (a.shape[0] - kh) // sh + 1, (a.shape[1] - kw) // sw + 1
    if deltas is not None and np.shape(deltas) != (h_out, w_out):
        raise ValueError(f"deltas: expected shape {(h_out, w_out)}, got {np.shape(deltas)}")
    mask = np.zeros(a.shape, dtype=bool)
    mask[m:m + sh * h_out:sh, q:q + sw * w_out:sw] = True
    ax = plot_grid(a, ax=ax, title=title, highlight=mask, **grid_kwargs)
    if deltas is not None:
        cells = [(sh * i + m, sw * j + q) for i in range(h_out) for j in range(w_out)]
        labels = [f"δ{_format(v, None)}" for v in np.asarray(deltas, dtype=float).ravel()]
        _corner_labels(ax, cells, labels, color=label_color, fontsize=label_fontsize)
    return ax


def plot_pixel_reach(deltas, kernel, pixel, stride=1, pad=0, ax=None, title=None, **grid_kwargs):
    """Draw the deltas with the outputs that read input pixel ``(a, b)`` outlined.

    deltas : (H_out, W_out) array; ``kernel`` (KH, KW) array; ``pixel`` ``(a, b)``
             in unpadded input coordinates; ``stride``/``pad`` ints.
    Output ``(i, j)`` read pixel ``(a, b)`` through the weight ``w[m, q]`` with
    ``S·i + m = a + P`` and ``S·j + q = b + P``; that weight is written in the
    corner of the outlined cell (as "×8": the delta is multiplied by 8), so the picture shows

        ∂E/∂x[a, b] = Σ over outlined (i, j) of δ[i, j] · w[a + P - S·i, b + P - S·j]   (eq. 16-20)

    Returns the axes.
    """
    d = np.asarray(deltas, dtype=float)
    k = np.asarray(kernel, dtype=float)
    if d.ndim != 2 or k.ndim != 2:
        raise ValueError(f"plot_pixel_reach: expected 2-D deltas and kernel, got shapes {d.shape} and {k.shape}")
    a, b = pixel
    kh, kw = k.shape
    cells, labels = [], []
    for i in range(d.shape[0]):
        for j in range(d.shape[1]):
            m, q = a + pad - stride * i, b + pad - stride * j
            if 0 <= m < kh and 0 <= q < kw:
                cells.append((i, j))
                labels.append(_times(k[m, q]))
    mask = np.zeros(d.shape, dtype=bool)
    for r, c in cells:
        mask[r, c] = True
    ax = plot_grid(d, ax=ax, title=title, highlight=mask, **grid_kwargs)
    _corner_labels(ax, cells, labels, color="black")
    return ax


def plot_full_correlation(deltas, kernel, pixel, ax=None, title=None, label_fontsize=6,
                          **grid_kwargs):
    """Draw one step of the full cross-correlation ``δ ⋆ rot180(w)`` that gives ``∂E/∂x[a, b]``.

    deltas : (H_d, W_d) array (already dilated for a stride > 1); ``kernel`` the
             (KH, KW) forward kernel ``w``; ``pixel`` ``(a, b)`` the output position
             of the full result (the input pixel, before any cropping of padding).
    The deltas are drawn zero-padded by ``KH-1``, ``KW-1`` (dashed frame: the real
    deltas), the window of ``(a, b)`` is outlined and each of its cells carries
    the rotated-kernel entry it is multiplied with (``label_fontsize`` points):

        ∂E/∂x[a, b] = Σ_m Σ_q δ_pad[a + m, b + q] · rot180(w)[m, q]

    Returns the axes.
    """
    d = np.asarray(deltas, dtype=float)
    k = np.asarray(kernel, dtype=float)
    if d.ndim != 2 or k.ndim != 2:
        raise ValueError(f"plot_full_correlation: expected 2-D deltas and kernel, got shapes {d.shape} and {k.shape}")
    kh, kw = k.shape
    a, b = pixel
    if not (0 <= a < d.shape[0] + kh - 1 and 0 <= b < d.shape[1] + kw - 1):
        raise ValueError(f"pixel: expected a position of the full result of shape "
                         f"{(d.shape[0] + kh - 1, d.shape[1] + kw - 1)}, got {pixel}")
    padded = np.pad(d, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    ax = plot_padded_grid(padded, (kh - 1, kw - 1), ax=ax, title=title, signed=True,
                          highlight=[(a, b, kh, kw)], **grid_kwargs)
    rotated = k[::-1, ::-1]
    cells = [(a + m, b + q) for m in range(kh) for q in range(kw)]
    _corner_labels(ax, cells, [_times(v) for v in rotated.ravel()], color="tab:purple",
                   fontsize=label_fontsize)
    return ax


def plot_jacobian(jac, ax=None, title=None, annotate=None, row_label="output entry",
                  col_label="parameter", fmt=None, fontsize=None):
    """Draw a Jacobian matrix ``J[r, p] = ∂out_r/∂θ_p`` as a heat map (diverging colours if signed).

    jac      : (R, P) array. ``annotate`` writes the values (default: when R, P <= 12).
    Zero entries stay white, so the sparsity pattern is visible. ``fontsize``: of the
    written values (default: ``plot_grid``'s). Returns the axes.
    """
    a = np.asarray(jac, dtype=float)
    if a.ndim != 2:
        raise ValueError(f"plot_jacobian: expected a 2-D matrix, got shape {a.shape}")
    r, p = a.shape
    if annotate is None:
        annotate = max(r, p) <= 12
    if ax is None:
        cell = 0.32 if annotate else min(0.32, 8.5 / max(p, 1))
        _, ax = plt.subplots(figsize=(min(9, max(2.0, p * cell + 1.0)), min(3.5, max(1.8, r * cell + 0.8))))
    ax = plot_grid(a, ax=ax, title=title, annotate=annotate, fmt=fmt, fontsize=fontsize,
                   signed=bool((a < 0).any()) or None, gridlines=max(r, p) <= 30, labels=False)
    # real ticks here (not plot_grid's plain-text labels): the axis labels below sit under them
    step_r, step_p = (1, 1) if annotate else (max(1, r // 10), max(1, p // 12))
    ax.set_xticks(np.arange(0, p, step_p))
    ax.set_xticklabels([str(v) for v in range(0, p, step_p)], fontsize=7)
    ax.set_yticks(np.arange(0, r, step_r))
    ax.set_yticklabels([str(v) for v in range(0, r, step_r)], fontsize=7)
    ax.set_xlabel(col_label, fontsize=8)
    ax.set_ylabel(row_label, fontsize=8)
    return ax


# ------------------------------------------- im2row and timings (notebook 06)

def plot_im2row(x, kernel_size, stride=1, pad=0, row=0, axes=None, fmt=None, col_labels="cmq"):
    """One image, its im2row matrix, and which window became row ``row``.

    x           : (C, H, W), one image (``x[n]`` of a batch).
    kernel_size : ``K`` or ``(KH, KW)``; ``stride``, ``pad`` as in ``cnnlib.im2row.im2row``.
    row         : the row ``r = i*W_out + j`` to highlight: its window is outlined in every
                  channel (top panels) and the row in the matrix (bottom panel, whose
                  columns are grouped by channel, then kernel row, then kernel column).
    axes        : ``C + 1`` axes (channels, then the matrix); default: a new figure with the
                  channels in a top row and the matrix below.
    col_labels  : how the matrix's columns are labelled: ``"cmq"`` (default) writes
                  "c,m,q" under each column, small and rotated; ``"grouped"`` writes
                  "m,q" under each column and "channel c" once under each channel's
                  block of ``KH*KW`` columns, larger and horizontal.
    Returns the list of axes.
    """
    from .correlate import pad2d  # local imports: plotting stays importable on its own
    from .im2row import im2row
    a = np.asarray(x, dtype=float)
    if a.ndim != 3:
        raise ValueError(f"plot_im2row: expected one image (C, H, W), got shape {a.shape}")
    kh, kw = (kernel_size, kernel_size) if np.isscalar(kernel_size) else tuple(kernel_size)
    sh, sw = (stride, stride) if np.isscalar(stride) else tuple(stride)
    ph, pw = (pad, pad) if np.isscalar(pad) else tuple(pad)
    rows = im2row(a[None], kh, kw, (sh, sw), (ph, pw))  # (H_out*W_out, C*KH*KW)
    n_rows = rows.shape[0]
    w_out = (a.shape[2] + 2 * pw - kw) // sw + 1
    if not 0 <= row < n_rows:
        raise ValueError(f"row: expected 0 <= row < {n_rows} (H_out*W_out), got {row}")
    if col_labels not in ("cmq", "grouped"):
        raise ValueError(f"col_labels: expected 'cmq' or 'grouped', got {col_labels!r}")
    c = a.shape[0]
    if axes is None:
        cell = min(0.3, 8.6 / max(rows.shape[1], 1))
        x_pad_h = a.shape[1] + 2 * ph
        fig = plt.figure(figsize=(max(rows.shape[1] * cell + 0.8, c * 2.2),
                                  (x_pad_h + n_rows) * cell + 1.2))
        gs = fig.add_gridspec(2, c, height_ratios=[x_pad_h, n_rows], hspace=0.5,
                              left=0.05, right=0.98, top=0.94, bottom=0.09)
        axes = [fig.add_subplot(gs[0, k]) for k in range(c)] + [fig.add_subplot(gs[1, :])]
    if len(axes) != c + 1:
        raise ValueError(f"axes: expected {c + 1} axes (C channels + the matrix), got {len(axes)}")
    i, j = divmod(row, w_out)
    window = [(sh * i, sw * j, kh, kw)]
    for k in range(c):
        plot_padded_grid(pad2d(a[k], (ph, pw)), (ph, pw), ax=axes[k], title=f"x, channel {k}",
                         highlight=window, fmt=fmt, signed=False)
    ax = plot_grid(rows, ax=axes[c], highlight=[(row, 0, 1, rows.shape[1])], fmt=fmt, signed=False,
                   fontsize=7, labels=False,
                   title=f"im2row(x): row {row} = window ({i}, {j}), "
                         + ("columns (channel, kernel row, kernel column)" if col_labels == "cmq"
                            else "columns: channel c, then kernel entry m,q"))
    for k in range(1, c):
        ax.axvline(k * kh * kw - 0.5, color="black", linewidth=1.5)
    ax.set_xticks(np.arange(rows.shape[1]))
    if col_labels == "grouped":
        ax.set_xticklabels([f"{(k // kw) % kh},{k % kw}" for k in range(rows.shape[1])], fontsize=7)
        for k in range(c):  # one label per channel block, under the "m,q" labels
            ax.annotate(f"channel {k}", xy=((k + 0.5) * kh * kw - 0.5, 0),
                        xycoords=("data", "axes fraction"), xytext=(0, -20),
                        textcoords="offset points", ha="center", va="top", fontsize=8)
    else:
        ax.set_xticklabels([f"{k // (kh * kw)},{(k // kw) % kh},{k % kw}" for k in range(rows.shape[1])],
                           fontsize=5, rotation=90)
    ax.set_yticks(np.arange(n_rows))
    ax.set_yticklabels([str(v) for v in range(n_rows)], fontsize=7)
    return list(axes)


TIMING_COLORS = {"naive": "0.55", "vectorized": "tab:blue", "torch": "tab:orange"}


def plot_timings(rows, ax=None, key="total_s", title=None):
    """Grouped bar chart (log scale) of the rows of ``cnnlib.benchmark.compare_conv`` / ``compare_maxpool``.

    rows : list of dicts with ``case``, ``impl`` and ``key`` (seconds; None = not timed).
    key  : ``"forward_s"``, ``"backward_s"`` or ``"total_s"``.
    One group of bars per case, one bar per implementation, each labelled with its time;
    an implementation that was skipped gets the word "skipped" instead of a bar.
    Returns the axes.
    """
    rows = list(rows)
    if not rows:
        raise ValueError("plot_timings: expected at least one row, got none")
    cases = list(dict.fromkeys(r["case"] for r in rows))
    impls = list(dict.fromkeys(r["impl"] for r in rows))
    if ax is None:
        _, ax = plt.subplots(figsize=(min(9.0, 1.6 + 1.9 * len(cases)), 3.2))
    width = 0.8 / len(impls)
    times = [r[key] for r in rows if r.get(key)]
    floor = min(times) / 3 if times else 1e-6
    labelled = set()
    for k, impl in enumerate(impls):
        for g, case in enumerate(cases):
            match = [r for r in rows if r["case"] == case and r["impl"] == impl]
            if not match:
                continue
            t = match[0].get(key)
            xpos = g - 0.4 + width * (k + 0.5)
            if t is None:
                ax.text(xpos, floor * 1.2, "skipped", rotation=90, ha="center", va="bottom", fontsize=7)
                continue
            ax.bar(xpos, t, width * 0.9, color=TIMING_COLORS.get(impl, f"C{k}"),
                   label=None if impl in labelled else impl)
            labelled.add(impl)
            label = f"{t:.3g} s" if t >= 1 else (f"{t * 1e3:.3g} ms" if t >= 1e-3 else f"{t * 1e6:.0f} µs")
            ax.text(xpos, t * 1.1, label, ha="center", va="bottom", fontsize=7)
    ax.set_yscale("log")
    ax.set_ylim(floor, max(times) * 40 if times else 1.0)
    ax.set_xticks(range(len(cases)))
    ax.set_xticklabels(cases, fontsize=8)
    ax.set_ylabel({"total_s": "forward + backward (s)", "forward_s": "forward (s)",
                   "backward_s": "backward (s)"}.get(key, key), fontsize=8)
    ax.tick_params(axis="y", labelsize=7)
    ax.legend(fontsize=8, frameon=False, ncol=len(impls), loc="upper left")
    if title:
        ax.set_title(title, fontsize=9)
    return ax


# ------------------------------------------- pictures without numbers: digits, feature maps (00)

def _hide_ticks(ax):
    ax.set_xticks([])
    ax.set_yticks([])


def _map_image(ax, a, signed=None):
    """Draw one 2-D map ``a`` as a picture (no numbers, no ticks) with its own colour scale:
    the diverging ``SIGNED_CMAP`` centred on zero if ``signed`` (default: if ``a`` has a
    negative value), else ``UNSIGNED_CMAP`` from 0 to its maximum. Returns the axes."""
    if (a < 0).any() if signed is None else signed:
        lim = max(float(np.abs(a).max()), 1e-12)
        ax.imshow(a, cmap=SIGNED_CMAP, vmin=-lim, vmax=lim, interpolation="nearest")
    else:
        ax.imshow(a, cmap=UNSIGNED_CMAP, vmin=0.0, vmax=max(float(a.max()), 1e-12),
                  interpolation="nearest")
    _hide_ticks(ax)
    return ax


def plot_maps(maps, titles=None, axes=None, height=2.0):
    """Several 2-D arrays side by side as pictures (no numbers, no ticks): digits, feature maps.

    maps   : list of (H, W) arrays (sizes may differ: each panel is scaled to the same height).
    titles : one per map, or None.
    Each map gets its own colour scale: a map with negative values uses the
    diverging ``SIGNED_CMAP`` centred on zero, any other ``UNSIGNED_CMAP``
    (like ``plot_grid``). ``axes``: one axes per map (default: a new row at most
    9 inches wide and ``height`` inches tall). Returns the list of axes.
    """
    maps = [np.asarray(a, dtype=float) for a in maps]
    if not maps or any(a.ndim != 2 for a in maps):
        raise ValueError(f"plot_maps: expected a non-empty list of 2-D arrays, got shapes "
                         f"{[a.shape for a in maps]}")
    if axes is None:
        _, axes = plt.subplots(1, len(maps), figsize=(min(9.0, 1.7 * len(maps)), height),
                               squeeze=False)
        axes = list(axes[0])
    titles = titles or [None] * len(maps)
    for a, t, ax in zip(maps, titles, axes):
        _map_image(ax, a)
        if t:
            ax.set_title(t, fontsize=8)
    return list(axes)


# ------------------------------------------- training on MNIST (07): digits, curves, filters, errors

def plot_digits(images, labels=None, predicted=None, ncols=10, axes=None, size=0.8):
    """A grid of digit images, each titled with its label (and prediction, if given).

    images    : (N, H, W) or (N, 1, H, W) array (uint8 pixels or standardized floats).
    labels    : (N,) true classes, or None.
    predicted : (N,) predicted classes, or None; titles then read ``"true→pred"``,
                red where they differ.
    ncols     : images per row; ``axes``: N axes to draw into (default: a new
                figure, ``size`` inches per image, at most 9 inches wide).
    Returns the list of axes (unused trailing axes of the grid are hidden).
    """
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[1] == 1:
        images = images[:, 0]  # (N, 1, H, W) -> (N, H, W)
    if images.ndim != 3 or len(images) == 0:
        raise ValueError(f"plot_digits: expected images (N, H, W) or (N, 1, H, W), got shape {images.shape}")
    n = len(images)
    if axes is None:
        ncols = min(ncols, n)
        nrows = -(-n // ncols)
        width = min(9.0, size * ncols)
        fig, grid = plt.subplots(nrows, ncols, figsize=(width, nrows * (width / ncols) * 1.25),
                                 squeeze=False)
        fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.9, wspace=0.08, hspace=0.35)
        axes = list(grid.ravel())
    axes = list(axes)
    if len(axes) < n:
        raise ValueError(f"plot_digits: {n} images but only {len(axes)} axes")
    for k, ax in enumerate(axes):
        ax.set_xticks([])
        ax.set_yticks([])
        if k >= n:
            ax.set_axis_off()
            continue
        ax.imshow(images[k], cmap=UNSIGNED_CMAP, interpolation="nearest")
        if labels is not None and predicted is not None:
            wrong = int(labels[k]) != int(predicted[k])
            ax.set_title(f"{int(labels[k])}→{int(predicted[k])}", fontsize=8,
                         color="tab:red" if wrong else "black")
        elif labels is not None:
            ax.set_title(str(int(labels[k])), fontsize=8)
    return axes


def plot_history(history, axes=None):
    """Loss and accuracy per epoch from ``cnnlib.train.train``'s history: two panels.

    Left: training and test loss (cross-entropy, log scale); right: training
    and test accuracy in percent. The training numbers are means over each
    epoch's mini-batches, the test numbers are measured after the epoch.
    Returns ``[ax_loss, ax_acc]``.
    """
    epochs = np.asarray(history["epoch"])
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(8, 3), layout="constrained")
    ax_loss, ax_acc = axes
    ax_loss.plot(epochs, history["train_loss"], "o-", ms=3, label="training")
    ax_acc.plot(epochs, 100 * np.asarray(history["train_acc"]), "o-", ms=3, label="training")
    if history.get("test_loss"):
        ax_loss.plot(epochs, history["test_loss"], "s-", ms=3, label="test")
        ax_acc.plot(epochs, 100 * np.asarray(history["test_acc"]), "s-", ms=3, label="test")
    ax_loss.set_yscale("log")
    plain = FuncFormatter(lambda v, _: f"{v:g}")  # 0.2, not 2x10^-1
    ax_loss.yaxis.set_major_formatter(plain)
    losses = np.concatenate([history["train_loss"], history.get("test_loss") or []])
    if losses.max() < 10 * losses.min():  # within a decade: label every tick
        ax_loss.yaxis.set_minor_formatter(plain)
    elif losses.max() < 100 * losses.min():  # two decades or less: label 2x and 5x too
        ax_loss.yaxis.set_minor_formatter(FuncFormatter(
            lambda v, _: f"{v:g}" if f"{v:.0e}"[0] in "25" else ""))
    else:
        ax_loss.yaxis.set_minor_formatter(NullFormatter())
    ax_loss.set_ylabel("cross-entropy loss")
    ax_acc.set_ylabel("accuracy (%)")
    for ax in (ax_loss, ax_acc):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return [ax_loss, ax_acc]


def plot_filters(w, axes=None, title=None, size=0.7):
    """Convolution kernels ``w (F, C, KH, KW)`` as a grid: one row per input channel,
    one column per filter, on one diverging colour scale shared by all (so their
    strengths compare; blue negative, red positive). Returns the 2-D array of axes."""
    w = np.asarray(w, dtype=float)
    if w.ndim != 4:
        raise ValueError(f"plot_filters: expected w (F, C, KH, KW), got shape {w.shape}")
    n_filt, n_ch = w.shape[:2]
    if axes is None:
        fig, axes = plt.subplots(n_ch, n_filt, figsize=(min(9.0, size * n_filt + 0.3), size * n_ch + 0.45),
                                 squeeze=False)
        if title:
            fig.suptitle(title, fontsize=9)
    axes = np.asarray(axes).reshape(n_ch, n_filt)
    lim = max(float(np.abs(w).max()), 1e-12)
    for f in range(n_filt):
        for c in range(n_ch):
            ax = axes[c, f]
            ax.imshow(w[f, c], cmap=SIGNED_CMAP, vmin=-lim, vmax=lim, interpolation="nearest")
            _hide_ticks(ax)
            if c == 0:
                ax.set_title(f"filter {f}", fontsize=7)
            if f == 0 and n_ch > 1:
                ax.set_ylabel(f"ch {c}", fontsize=7)
    return axes


def plot_feature_maps(maps, ncols=None, axes=None, titles=None, size=0.9, signed=None):
    """Feature maps ``(C, H, W)`` of one image as a grid of pictures.

    Each map has its own colour scale (``Greys`` for maps without negative
    values, such as after ReLU or pooling; diverging around zero otherwise,
    or as ``signed`` says). Returns the list of axes.
    """
    maps = np.asarray(maps, dtype=float)
    if maps.ndim != 3:
        raise ValueError(f"plot_feature_maps: expected maps (C, H, W), got shape {maps.shape}")
    n = len(maps)
    ncols = n if ncols is None else ncols
    nrows = -(-n // ncols)
    if axes is None:
        fig, grid = plt.subplots(nrows, ncols, figsize=(min(9.0, size * ncols), size * nrows + 0.3),
                                 squeeze=False)
        fig.subplots_adjust(left=0.01, right=0.99, bottom=0.02, top=0.82, wspace=0.08, hspace=0.3)
        axes = list(grid.ravel())
    axes = list(axes)
    for k, ax in enumerate(axes):
        if k >= n:
            _hide_ticks(ax)
            ax.set_axis_off()
            continue
        _map_image(ax, maps[k], signed)
        if titles is not None:
            ax.set_title(titles[k], fontsize=7)
    return axes


def plot_confusion_matrix(counts, ax=None, title=None):
    """``counts[t, p]`` (true class t, predicted class p) as a coloured table.

    Non-zero counts are written in; the diagonal holds the correct answers, every
    other non-zero cell is a kind of mistake. Returns the axes.
    """
    counts = np.asarray(counts)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ValueError(f"plot_confusion_matrix: expected a square (K, K) array, got shape {counts.shape}")
    k = counts.shape[0]
    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 3.6))
    # colour by the share of each true class, so the rare mistakes show too
    share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    ax.imshow(np.sqrt(share), cmap="Blues", vmin=0, vmax=1, interpolation="nearest")
    for t in range(k):
        for p in range(k):
            if counts[t, p]:
                ax.text(p, t, str(int(counts[t, p])), ha="center", va="center", fontsize=7,
                        color="white" if share[t, p] > 0.5 else ("tab:red" if t != p else "black"))
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.tick_params(labelsize=7, length=0)
    ax.set_xlabel("predicted class", fontsize=8)
    ax.set_ylabel("true class", fontsize=8)
    if title:
        ax.set_title(title, fontsize=9)
    return ax
