"""Max-pool routing (notebook 05): every window outlined, its winner dotted."""
import numpy as np
from matplotlib.patches import Rectangle
from .grids import plot_grid


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
    from ..pool import maxpool2d_forward  # local import: plotting stays importable on its own
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
