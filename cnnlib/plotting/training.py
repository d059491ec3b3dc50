"""Pictures without numbers: digits, feature maps, filters, training curves, confusion (00, 07)."""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter
from ._style import SIGNED_CMAP, UNSIGNED_CMAP


def _hide_ticks(ax):
    ax.set_xticks([])
    ax.set_yticks([])


def _map_image(ax, a, signed=None, vmax=None):
    """Draw one 2-D map ``a`` as a picture (no numbers, no ticks) with its own colour scale:
    the diverging ``SIGNED_CMAP`` centred on zero if ``signed`` (default: if ``a`` has a
    negative value), else ``UNSIGNED_CMAP`` from 0 to its maximum. ``vmax`` fixes the top of
    the scale instead (``[-vmax, vmax]`` or ``[0, vmax]``). Returns the axes."""
    if (a < 0).any() if signed is None else signed:
        lim = max(float(np.abs(a).max()), 1e-12) if vmax is None else vmax
        ax.imshow(a, cmap=SIGNED_CMAP, vmin=-lim, vmax=lim, interpolation="nearest")
    else:
        ax.imshow(a, cmap=UNSIGNED_CMAP, vmin=0.0, vmax=max(float(a.max()), 1e-12) if vmax is None else vmax,
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


def plot_feature_maps(maps, ncols=None, axes=None, titles=None, size=0.9, signed=None, vmax=None,
                      colorbar=None):
    """Feature maps ``(C, H, W)`` of one image as a grid of pictures.

    Each map has its own colour scale (``Greys`` for maps without negative
    values, such as after ReLU or pooling; diverging around zero otherwise,
    or as ``signed`` says), unless ``vmax`` gives one scale to all of them:
    ``"shared"`` (the largest ``|value|`` of these maps) or a number (to share it
    with other calls), so that the same colour is the same number in every
    panel and an empty map looks empty. ``colorbar``: a label; draws the shared
    scale's colour bar beside the panels. Returns the list of axes.
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
    if vmax == "shared":
        vmax = max(float(np.abs(maps).max()), 1e-12)
    if vmax is not None and signed is None:  # one scale, one colour map
        signed = bool((maps < 0).any())
    if colorbar is not None and vmax is None:
        raise ValueError("plot_feature_maps: a colorbar needs one scale for all maps: vmax='shared' or a number")
    for k, ax in enumerate(axes):
        if k >= n:
            _hide_ticks(ax)
            ax.set_axis_off()
            continue
        _map_image(ax, maps[k], signed, vmax)
        if titles is not None:
            ax.set_title(titles[k], fontsize=7)
    if colorbar is not None:
        bar = axes[0].figure.colorbar(axes[n - 1].images[-1], ax=axes[:n], fraction=0.03, pad=0.01, aspect=12)
        bar.set_label(colorbar, fontsize=7)
        bar.ax.tick_params(labelsize=7)
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
