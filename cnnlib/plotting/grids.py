"""The basic picture: a grid of numbers (``plot_grid``), several side by side, outlines."""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.patches import Rectangle
from matplotlib.transforms import TransformedPatchPath
from ._style import HIGHLIGHT, SIGNED_CMAP, UNSIGNED_CMAP, _format
from .stamps import TextStamps


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
