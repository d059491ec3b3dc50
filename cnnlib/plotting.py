"""Drawing functions for the course: pure, ``f(..., ax=None) -> ax``, no global state.

The basic picture of this course is a small grid of numbers: an image, a kernel,
a map of deltas. ``plot_grid`` draws one, with the value written in each cell,
a diverging colour map centred on zero for signed quantities (deltas,
gradients), outlined windows and marked cells. The other functions compose it.
"""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

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


def plot_grid(values, ax=None, title=None, signed=None, cmap=None, annotate=True, fmt=None,
              vmin=None, vmax=None, highlight=None, highlight_color=HIGHLIGHT, mark=None,
              fontsize=None, origin=(0, 0)):
    """Draw a 2-D array as a grid of coloured cells with their values written in.

    values    : (H, W) array.
    signed    : diverging colours centred on zero (default: True if any value < 0).
    highlight : a list of ``(row, col, height, width)`` windows to outline, or a
                boolean (H, W) mask of cells to outline one by one.
    mark      : a boolean (H, W) mask of cells to cross out (e.g. pixels no window reads).
    origin    : index labels start here (e.g. ``(-1, -1)`` for a padded image).
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
    ax.set_xticks(np.arange(w))
    ax.set_yticks(np.arange(h))
    ax.set_xticklabels([str(j + origin[1]) for j in range(w)], fontsize=7)
    ax.set_yticklabels([str(i + origin[0]) for i in range(h)], fontsize=7)
    ax.set_xticks(np.arange(-0.5, w, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, h, 1), minor=True)
    ax.grid(which="minor", color="0.6", linewidth=0.5)
    ax.tick_params(which="both", length=0)
    if annotate:
        size = fontsize or (8 if max(h, w) <= 8 else 6)
        for i in range(h):
            for j in range(w):
                rgba = im.cmap(im.norm(a[i, j]))
                light = 0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2] > 0.55
                ax.text(j, i, _format(a[i, j], fmt), ha="center", va="center", fontsize=size,
                        color="black" if light else "white")
    if highlight is not None:
        hl = np.asarray(highlight)
        if hl.dtype == bool:
            for i, j in zip(*np.nonzero(hl)):
                outline_window(ax, i, j, color=highlight_color, lw=2.5)
        else:
            for (r, c, hh, ww) in np.atleast_2d(hl):
                outline_window(ax, r, c, hh, ww, color=highlight_color)
    if mark is not None:
        for i, j in zip(*np.nonzero(np.asarray(mark, dtype=bool))):
            ax.plot([j - 0.4, j + 0.4], [i - 0.4, i + 0.4], color="0.35", lw=1, zorder=2)
            ax.plot([j - 0.4, j + 0.4], [i + 0.4, i - 0.4], color="0.35", lw=1, zorder=2)
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
