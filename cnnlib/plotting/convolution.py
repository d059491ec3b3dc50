"""Convolution figures: one correlation step, the flip, windows, what a weight or a pixel reaches."""
import numpy as np
from matplotlib.patches import Rectangle
from ._style import HIGHLIGHT, SECOND, _format
from .grids import INDEX_LABEL, outline_window, plot_grid
from .panels import grid_figure, plot_padded_grid
from .pooling import WINDOW_COLORS


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
    from ..conv import conv2d_forward  # local import: plotting stays importable on its own
    from ..correlate import pad2d
    from .._validate import as_pair
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
    from ..correlate import rot180  # local import: plotting stays importable on its own
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


def plot_conv_windows(x_shape, kernel_size, stride=1, pad=0, ax=None, title=None, windows="outlines"):
    """Every window of a conv layer drawn on its (padded) input, with read counts.

    x_shape     : ``(H, W)`` or ``(N, C, H, W)``; kernel_size an int or ``(KH, KW)``.
    The cells show how many windows read each input pixel
    (``cnnlib.conv.conv2d_coverage``, padding zeros shown as 0 outside the dashed
    frame); pixels of the real image that no window reads are crossed out: their
    gradient is always zero.
    windows     : ``"outlines"``: every window is outlined in its own colour (row-major
                  order, inset a little more for each later window so overlapping ones
                  stay visible); ``"spans"``: no overlapping outlines but, right of the
                  grid, a bar per output row ``i`` over the rows its windows read and,
                  above it, a bar per output column ``j`` over the columns, numbered, in
                  the colours of the window outlines; only the last window is outlined
                  (black). Easier to follow when many windows overlap.
    Returns the axes.
    """
    from ..conv import conv2d_coverage, conv_output_shape  # local import, as above
    from .._validate import as_pair
    if windows not in ("outlines", "spans"):
        raise ValueError(f"windows: expected 'outlines' or 'spans', got {windows!r}")
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
    if windows == "spans":
        return _window_spans(ax, padded.shape, (kh, kw), (sh, sw), (h_out, w_out))
    for k, (i, j) in enumerate(np.ndindex(h_out, w_out)):
        inset = 0.06 + 0.06 * (k % 4)
        ax.add_patch(Rectangle((sw * j - 0.5 + inset, sh * i - 0.5 + inset), kw - 2 * inset,
                               kh - 2 * inset, fill=False, linewidth=1.6, zorder=3,
                               edgecolor=WINDOW_COLORS[k % len(WINDOW_COLORS)]))
    return ax


def _window_spans(ax, padded_shape, kernel, stride, out_shape, gap=0.35, step=0.45):
    """The ``"spans"`` drawing of ``plot_conv_windows``: a numbered bar per output row (right of
    the grid) and per output column (above it) over what its windows read; the last window outlined."""
    (hp, wp), (kh, kw), (sh, sw), (h_out, w_out) = padded_shape, kernel, stride, out_shape
    for i in range(h_out):  # rows read by the windows of output row i
        x, color = wp - 0.5 + gap + step * i, WINDOW_COLORS[i % len(WINDOW_COLORS)]
        ax.plot([x, x], [sh * i - 0.4, sh * i + kh - 0.6], color=color, lw=2.2, solid_capstyle="butt",
                clip_on=False)
        ax.text(x, sh * i + kh - 0.55, f"{i}", fontsize=7, color=color, ha="center", va="top")
    for j in range(w_out):  # columns read by the windows of output column j
        y, color = -0.5 - gap - step * j, WINDOW_COLORS[j % len(WINDOW_COLORS)]
        ax.plot([sw * j - 0.4, sw * j + kw - 0.6], [y, y], color=color, lw=2.2, solid_capstyle="butt",
                clip_on=False)
        ax.text(sw * j + kw - 0.5, y, f"{j}", fontsize=7, color=color, ha="left", va="center")
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.add_patch(Rectangle((-0.5, -0.5), wp, hp, fill=False, edgecolor="black", linewidth=0.8))
    outline_window(ax, sh * (h_out - 1), sw * (w_out - 1), kh, kw, color="black", lw=2)
    ax.set_xlim(-0.5, wp - 0.3 + gap + step * h_out)
    ax.set_ylim(hp - 0.5, -0.5 - gap - step * w_out)
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
                   paired with is written small in its corner ("δ=−2"), so the picture shows

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
        # "δ=−2", not "δ-2" (which reads as an index); a true minus sign
        labels = [f"δ={_format(v, None)}".replace("-", "\u2212") for v in np.asarray(deltas, dtype=float).ravel()]
        _corner_labels(ax, cells, labels, color=label_color, fontsize=label_fontsize)
    return ax


def plot_pixel_reach(deltas, kernel, pixel, stride=1, pad=0, ax=None, title=None, label_fontsize=6,
                     **grid_kwargs):
    """Draw the deltas with the outputs that read input pixel ``(u, v)`` outlined.

    deltas : (H_out, W_out) array; ``kernel`` (KH, KW) array; ``pixel`` ``(u, v)``
             in unpadded input coordinates; ``stride``/``pad`` ints.
    Output ``(i, j)`` read pixel ``(u, v)`` through the weight ``w[m, q]`` with
    ``S·i + m = u + P`` and ``S·j + q = v + P``; that weight is written in the
    corner of the outlined cell (as "×8": the delta is multiplied by 8, in
    ``label_fontsize`` points), so the picture shows

        ∂E/∂x[u, v] = Σ over outlined (i, j) of δ[i, j] · w[u + P - S·i, v + P - S·j]   (eq. 16-20)

    Returns the axes.
    """
    d = np.asarray(deltas, dtype=float)
    k = np.asarray(kernel, dtype=float)
    if d.ndim != 2 or k.ndim != 2:
        raise ValueError(f"plot_pixel_reach: expected 2-D deltas and kernel, got shapes {d.shape} and {k.shape}")
    u, v = pixel
    kh, kw = k.shape
    cells, labels = [], []
    for i in range(d.shape[0]):
        for j in range(d.shape[1]):
            m, q = u + pad - stride * i, v + pad - stride * j
            if 0 <= m < kh and 0 <= q < kw:
                cells.append((i, j))
                labels.append(_times(k[m, q]))
    mask = np.zeros(d.shape, dtype=bool)
    for r, c in cells:
        mask[r, c] = True
    ax = plot_grid(d, ax=ax, title=title, highlight=mask, **grid_kwargs)
    _corner_labels(ax, cells, labels, color="black", fontsize=label_fontsize)
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
    # in the window, each cell's number moves up a little, so that the weight label below it
    # never touches it (on dark cells too)
    for text in ax.texts:
        if text.get_label() == INDEX_LABEL or text.get_transform() != ax.transData:
            continue
        col, row = text.get_position()
        if (round(row), round(col)) in cells:
            text.set_position((col, row - 0.2))
    _corner_labels(ax, cells, [_times(v) for v in rotated.ravel()], color="tab:purple",
                   fontsize=label_fontsize)
    return ax
