"""Matrices as heat maps: a Jacobian, the im2row matrix and which window became which row (03, 04, 06)."""
import matplotlib.pyplot as plt
import numpy as np
from .grids import plot_grid
from .panels import plot_padded_grid


def plot_jacobian(jac, ax=None, title=None, annotate=None, row_label="output entry",
                  col_label="parameter", fmt=None, fontsize=None, colorbar=None):
    """Draw a Jacobian matrix ``J[r, p] = ∂out_r/∂θ_p`` as a heat map (diverging colours if signed).

    jac      : (R, P) array. ``annotate`` writes the values (default: when R, P <= 12).
    Zero entries stay white, so the sparsity pattern is visible. ``fontsize``: of the
    written values (default: ``plot_grid``'s). ``colorbar``: a label (or ``True``) adds a
    colour legend beside the matrix, for a matrix too large to carry its numbers.
    Returns the axes.
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
    if colorbar:
        bar = ax.figure.colorbar(ax.images[-1], ax=ax, fraction=0.03, pad=0.015, aspect=12)
        bar.ax.tick_params(labelsize=7)
        if isinstance(colorbar, str):
            bar.set_label(colorbar, fontsize=8)
    return ax


# ------------------------------------------- im2row (notebook 06)

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
    from ..correlate import pad2d  # local imports: plotting stays importable on its own
    from ..im2row import im2row
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
