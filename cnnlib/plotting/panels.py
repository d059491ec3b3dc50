"""Building blocks of the explorers and the figure grids: padded grids, panels of fixed cell size."""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle
from ._style import SECOND
from .grids import outline_window, plot_grid


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
