"""Tests for cnnlib/plotting.py: the drawing functions put the right numbers and
outlines on the axes, return their axes, accept given axes, and reject bad input.

Other helpers: append tests for your plotting functions below, in the same style.
Rendering runs on the Agg backend; every test closes its figures.
"""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from cnnlib.conv import conv2d_coverage, conv2d_forward  # noqa: E402
from cnnlib.correlate import rot180  # noqa: E402
from cnnlib.data import teaching_example  # noqa: E402
from cnnlib.plotting import (INDEX_LABEL, MARK_LABEL, plot_conv_windows,  # noqa: E402
                             plot_correlation_step, plot_flip, plot_maps)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _texts(ax):
    """The texts written on the axes, without plot_grid's row and column numbers."""
    return [t.get_text() for t in ax.texts if t.get_label() != INDEX_LABEL]


def _index_labels(ax):
    """plot_grid's ``(column numbers, row numbers)``: texts under and left of the grid."""
    labels = [t for t in ax.texts if t.get_label() == INDEX_LABEL]
    return ([t.get_text() for t in labels if t.get_ha() == "center"],   # under the columns
            [t.get_text() for t in labels if t.get_ha() == "right"])    # left of the rows


def _crosses(ax):
    """The (row, col) cells plot_grid crossed out: two strokes through each cell's centre."""
    strokes = [seg for c in ax.collections if c.get_label() == MARK_LABEL for seg in c.get_segments()]
    cells = [tuple(int(v) for v in np.round(seg.mean(axis=0)[::-1])) for seg in strokes]
    assert all(cells.count(c) == 2 for c in cells)
    return sorted(set(cells))


def _rects(ax):
    """(row, col, height, width) of every rectangle patch, rounded to the grid."""
    out = []
    for p in ax.patches:
        if isinstance(p, Rectangle):
            x, y = p.get_xy()
            out.append((round(y + 0.5, 2), round(x + 0.5, 2), round(p.get_height(), 2),
                        round(p.get_width(), 2)))
    return out


# ------------------------------------------------------------ plot_correlation_step

def test_correlation_step_shows_window_products_and_output():
    ex = teaching_example()
    image, kernel = ex.x[0, 0], ex.w[0, 0]
    axes = plot_correlation_step(image, kernel, 1, 2, stride=2)
    assert len(axes) == 4
    # the window of out[1, 2] starts at row 2, column 4 of the input
    assert (2, 4, 3, 3) in _rects(axes[0])
    products = image[2:5, 4:7] * kernel
    assert _texts(axes[2]) == [f"{v:g}" for v in products.ravel()]
    assert f"sum = {products.sum():g}" in axes[2].get_title()
    out = conv2d_forward(ex.x, ex.w, np.zeros(1), 2)[0][0, 0]
    assert _texts(axes[3]) == [f"{v:g}" for v in out.ravel()]
    assert out[1, 2] == products.sum()
    assert (1, 2, 1, 1) in _rects(axes[3])


def test_correlation_step_with_padding_labels_and_window():
    image = np.arange(16.0).reshape(4, 4)
    axes = plot_correlation_step(image, np.ones((3, 3)), 0, 0, stride=1, pad=1)
    assert _index_labels(axes[0])[0][0] == "-1"
    assert (0, 0, 3, 3) in _rects(axes[0])            # padded coordinates
    assert "sum = 10" in axes[2].get_title()          # 0 + 1 + 4 + 5 (the rest is padding)


def test_correlation_step_uses_given_axes_and_titles():
    _, given = plt.subplots(1, 4)
    axes = plot_correlation_step(np.eye(3), np.ones((2, 2)), 0, 0, axes=list(given),
                                 titles=("a", "b", "c", "d"))
    assert axes == list(given)
    assert [ax.get_title().split("\n")[0] for ax in axes] == ["a", "b", "c", "d"]


@pytest.mark.parametrize("i, j", [(3, 0), (0, -1)])
def test_correlation_step_rejects_a_cell_outside_the_output(i, j):
    with pytest.raises(ValueError, match="expected 0 <= i < 3"):
        plot_correlation_step(np.zeros((7, 7)), np.zeros((3, 3)), i, j, stride=2)


def test_correlation_step_rejects_non_2d():
    with pytest.raises(ValueError, match=r"2-D image.*got shapes \(1, 7, 7\)"):
        plot_correlation_step(np.zeros((1, 7, 7)), np.zeros((3, 3)), 0, 0)


# ---------------------------------------------------------------------- plot_flip

def test_flip_panels_are_kernel_updown_and_rot180():
    kernel = np.arange(6.0).reshape(2, 3) - 2
    axes = plot_flip(kernel, name="K")
    assert len(axes) == 3
    for ax, a in zip(axes, [kernel, kernel[::-1, :], rot180(kernel)]):
        assert _texts(ax) == [f"{v:g}" for v in a.ravel()]
    # the entry w[0, 0] is outlined where it lands in each panel
    assert (0, 0, 1, 1) in _rects(axes[0])
    assert (1, 0, 1, 1) in _rects(axes[1])
    assert (1, 2, 1, 1) in _rects(axes[2])
    assert "rot180(K)" in axes[2].get_title()


def test_flip_rejects_non_2d():
    with pytest.raises(ValueError, match="2-D kernel"):
        plot_flip(np.zeros(3))


# -------------------------------------------------------------- plot_conv_windows

def test_conv_windows_counts_outlines_and_crosses():
    ax = plot_conv_windows((8, 8), 3, stride=2)
    counts = conv2d_coverage((8, 8), 3, stride=2)
    assert _texts(ax) == [f"{v:g}" for v in counts.ravel()]
    windows = [r for r in _rects(ax) if r[2] < 3 and r[2] > 2]   # the inset window outlines
    assert len(windows) == 9                                      # 3 x 3 outputs
    assert _crosses(ax) == sorted(zip(*np.nonzero(counts == 0)))
    assert len(_crosses(ax)) == 15 and not ax.lines


def test_conv_windows_padding_frames_the_image():
    ax = plot_conv_windows((1, 1, 8, 8), 3, stride=2, pad=1)
    assert len(_texts(ax)) == 10 * 10
    assert _crosses(ax) == []                  # with P = 1 every real pixel is read
    assert (1, 1, 8, 8) in _rects(ax)          # the dashed frame around the real image



def test_conv_windows_spans_show_what_each_output_row_and_column_reads():
    ax = plot_conv_windows((8, 8), 3, stride=2, windows="spans")
    counts = conv2d_coverage((8, 8), 3, stride=2)
    assert _texts(ax)[:64] == [f"{v:g}" for v in counts.ravel()]
    assert _texts(ax)[64:] == ["0", "1", "2", "0", "1", "2"]          # the bars' numbers i, then j
    rows = sorted((round(min(l.get_ydata()) + 0.4), round(max(l.get_ydata()) - 0.4)) for l in ax.lines
                  if l.get_xdata()[0] == l.get_xdata()[1])
    cols = sorted((round(min(l.get_xdata()) + 0.4), round(max(l.get_xdata()) - 0.4)) for l in ax.lines
                  if l.get_ydata()[0] == l.get_ydata()[1])
    assert rows == cols == [(0, 2), (2, 4), (4, 6)]                  # rows/columns 0-2, 2-4, 4-6; 7 is never read
    assert (4, 4, 3, 3) in _rects(ax)                                 # the last window, outlined
    assert _crosses(ax) == sorted(zip(*np.nonzero(counts == 0)))
    with pytest.raises(ValueError, match="windows: expected 'outlines' or 'spans'"):
        plot_conv_windows((8, 8), 3, windows="all")

# ---------------------------------------------------------------------- plot_maps

def test_maps_one_panel_each_no_ticks():
    maps = [np.zeros((28, 28)), np.ones((13, 13)), np.array([[-1.0, 2.0]])]
    axes = plot_maps(maps, titles=["a", "b", "c"])
    assert len(axes) == 3
    assert [ax.get_title() for ax in axes] == ["a", "b", "c"]
    assert all(len(ax.get_xticks()) == 0 for ax in axes)
    im = axes[2].images[0]
    assert im.get_clim() == (-2.0, 2.0)        # signed map: centred on zero


def test_feature_maps_own_scale_each_signed_override_and_spare_axes_hidden():
    from cnnlib.plotting import plot_feature_maps
    maps = np.stack([np.full((3, 3), 2.0), np.array([[-1.0, 0.5, 0], [0, 0, 0], [0, 0, 0]])])
    axes = plot_feature_maps(maps, ncols=3, titles=["a", "b"])
    assert len(axes) == 3 and [ax.get_title() for ax in axes[:2]] == ["a", "b"]
    assert axes[0].images[0].get_clim() == (0.0, 2.0) and axes[0].images[0].get_cmap().name == "Greys"
    assert axes[1].images[0].get_clim() == (-1.0, 1.0) and axes[1].images[0].get_cmap().name == "RdBu_r"
    assert not axes[2].images and not axes[2].axison and len(axes[0].get_xticks()) == 0
    axes = plot_feature_maps(maps, signed=True)         # every map diverging, as asked
    assert axes[0].images[0].get_clim() == (-2.0, 2.0)
    with pytest.raises(ValueError, match="C, H, W"):
        plot_feature_maps(np.zeros((2, 2)))


def test_feature_maps_shared_scale_with_a_labelled_colorbar():
    from cnnlib.plotting import plot_feature_maps
    maps = np.stack([np.full((3, 3), 2.0), np.zeros((3, 3)), np.array([[0.5, 0, 0], [0, 0, 0], [0, 0, 0]])])
    axes = plot_feature_maps(maps, vmax="shared", colorbar="activation")
    assert [ax.images[0].get_clim() for ax in axes] == [(0.0, 2.0)] * 3   # an all-zero map stays blank
    bar = [ax for ax in axes[0].figure.axes if ax not in axes]
    assert len(bar) == 1 and bar[0].get_ylabel() == "activation"
    maps[2, 0, 0] = -0.5                                                   # one negative entry: all diverging
    axes = plot_feature_maps(maps, vmax=4.0)
    assert all(ax.images[0].get_clim() == (-4.0, 4.0) and ax.images[0].get_cmap().name == "RdBu_r" for ax in axes)
    with pytest.raises(ValueError, match="colorbar needs one scale"):
        plot_feature_maps(maps, colorbar="activation")


def test_maps_rejects_bad_input():
    with pytest.raises(ValueError, match="2-D arrays"):
        plot_maps([np.zeros((2, 2, 2))])
    with pytest.raises(ValueError, match="2-D arrays"):
        plot_maps([])


# ------------------------------------------------- notebooks 03-04: gradient pictures

def _outlines(ax):
    """(row, col, height, width) of every outline rectangle on a grid plot."""
    return sorted((round(p.get_y() + 0.5), round(p.get_x() + 0.5), round(p.get_height()), round(p.get_width()))
                  for p in ax.patches if isinstance(p, Rectangle) and not p.get_fill())


def test_kernel_entry_inputs_outlines_the_pixels_met_by_one_weight():
    from cnnlib.plotting import plot_kernel_entry_inputs
    ex = teaching_example()
    x, d = ex.x[0, 0], ex.dout[0, 0]
    ax = plot_kernel_entry_inputs(x, (3, 3), (1, 2), stride=2, deltas=d)
    assert _outlines(ax) == sorted((2 * i + 1, 2 * j + 2, 1, 1) for i in range(3) for j in range(3))
    labels = [t for t in _texts(ax) if t.startswith("δ")]
    # the delta paired with each pixel, row-major, as "δ=−2" (not "δ-2", which reads as an index)
    assert labels == [f"δ={int(v)}".replace("-", "\u2212") for v in d.ravel()]


def test_kernel_entry_inputs_rejects_bad_input():
    from cnnlib.plotting import plot_kernel_entry_inputs
    with pytest.raises(ValueError, match="entry"):
        plot_kernel_entry_inputs(np.zeros((7, 7)), (3, 3), (3, 0))
    with pytest.raises(ValueError, match="deltas: expected shape"):
        plot_kernel_entry_inputs(np.zeros((7, 7)), (3, 3), (0, 0), 2, deltas=np.zeros((5, 5)))
    with pytest.raises(ValueError, match="2-D"):
        plot_kernel_entry_inputs(np.zeros((1, 7, 7)), (3, 3), (0, 0))


def test_pixel_reach_outlines_the_outputs_that_read_a_pixel():
    from cnnlib.plotting import plot_pixel_reach
    w = np.arange(9.0).reshape(3, 3)
    ax = plot_pixel_reach(np.ones((3, 3)), w, (2, 2), stride=2)
    # pixel (2, 2) is read by outputs (0,0) via w[2,2], (0,1) via w[2,0], (1,0) via w[0,2], (1,1) via w[0,0]
    assert _outlines(ax) == [(0, 0, 1, 1), (0, 1, 1, 1), (1, 0, 1, 1), (1, 1, 1, 1)]
    assert [t for t in _texts(ax) if t.startswith("×")] == ["×8", "×6", "×2", "×0"]
    ax = plot_pixel_reach(np.ones((3, 3)), -w, (2, 2), stride=2, label_fontsize=7)
    assert [t for t in _texts(ax) if t.startswith("×")] == ["×(-8)", "×(-6)", "×(-2)", "×0"]
    assert {t.get_fontsize() for t in ax.texts if t.get_text().startswith("×")} == {7}
    ax = plot_pixel_reach(np.ones((3, 3)), w, (0, 0), stride=1, pad=1)   # padded: (1,1) read via w[1,1] etc.
    assert _outlines(ax) == [(0, 0, 1, 1), (0, 1, 1, 1), (1, 0, 1, 1), (1, 1, 1, 1)]
    with pytest.raises(ValueError, match="2-D"):
        plot_pixel_reach(np.ones(3), w, (0, 0))


def test_full_correlation_draws_padded_deltas_window_and_rotated_weights():
    from cnnlib.plotting import plot_full_correlation
    w = np.arange(1.0, 5.0).reshape(2, 2)
    d = np.array([[1.0, -2.0], [3.0, 4.0]])
    ax = plot_full_correlation(d, w, (1, 2))
    assert (1, 2, 2, 2) in _outlines(ax)
    assert [t for t in _texts(ax) if t.startswith("×")] == ["×4", "×3", "×2", "×1"]   # rot180(w), row-major
    raised = sorted((round(t.get_position()[1] + 0.2), t.get_position()[0]) for t in ax.texts
                    if t.get_transform() == ax.transData and not t.get_text().startswith("×")
                    and abs(t.get_position()[1] % 1 - 0.8) < 1e-9)          # numbers moved up by 0.2
    assert raised == [(1, 2), (1, 3), (2, 2), (2, 3)]                       # the window's 4 cells only
    ax = plot_full_correlation(d, -w, (1, 2), label_fontsize=9)
    labels = [t for t in ax.texts if t.get_text().startswith("×")]
    assert [t.get_text() for t in labels] == ["×(-4)", "×(-3)", "×(-2)", "×(-1)"]
    assert {t.get_fontsize() for t in labels} == {9}
    assert _index_labels(ax)[0][0] == "-1"                                         # padded by KW - 1 = 1
    with pytest.raises(ValueError, match="pixel"):
        plot_full_correlation(d, w, (3, 0))


def test_jacobian_annotates_small_and_not_large_matrices():
    from cnnlib.plotting import plot_jacobian
    ax = plot_jacobian(np.eye(3) * 2, row_label="r", col_label="p")
    assert _texts(ax).count("2") == 3 and ax.get_xlabel() == "p" and ax.get_ylabel() == "r"
    fig, given = plt.subplots()
    ax = plot_jacobian(np.ones((9, 49)), ax=given)
    assert ax is given and _texts(ax) == []
    # ticks (the axis labels are placed under them), not plot_grid's index texts as well
    assert _index_labels(ax) == ([], [])
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(v) for v in range(0, 49, 4)]
    ax = plot_jacobian(np.ones((9, 49)), colorbar="∂out/∂x")               # a colour legend
    assert len(ax.figure.axes) == 2 and ax.figure.axes[1].get_ylabel() == "∂out/∂x"
    ax = plot_jacobian(-np.eye(2))
    assert _index_labels(ax) == ([], []) and [t.get_text() for t in ax.get_yticklabels()] == ["0", "1"]
    with pytest.raises(ValueError, match="2-D"):
        plot_jacobian(np.ones(4))


# ------------------------------------------ notebooks 05-06: pooling, im2row, timings

def test_pool_routing_outlines_each_window_and_dots_its_first_maximum():
    from cnnlib.plotting import plot_pool_routing
    x = np.array([[0., 0., 3., 1.],
                  [0., 0., 2., 3.],
                  [5., 2., 0., 4.],
                  [1., 4., 0., 0.]])        # window (0, 0) ties four zeros, window (0, 1) ties two 3s
    ax = plot_pool_routing(x, 2)
    assert len(_outlines(ax)) == 4
    dots = sorted((round(line.get_ydata()[0]), round(line.get_xdata()[0])) for line in ax.lines
                  if line.get_marker() == "o")
    assert dots == [(0, 0), (0, 2), (2, 0), (2, 3)]   # ties: the first maximum in row-major order
    assert sorted(_texts(ax)) == sorted(str(int(v)) for v in x.ravel())


def test_pool_routing_overlap_gives_a_unit_one_dot_per_window_won():
    from cnnlib.plotting import plot_pool_routing
    x = np.arange(25.0).reshape(5, 5) % 7
    x[2, 1] = 30.0                          # in both left windows of 3x3, stride 2
    fig, given = plt.subplots()
    ax = plot_pool_routing(x, 3, 2, ax=given, title="t")
    assert ax is given and ax.get_title() == "t"
    assert len([p for p in ax.patches if isinstance(p, Rectangle)]) == 4
    cells = [(round(line.get_ydata()[0]), round(line.get_xdata()[0])) for line in ax.lines
             if line.get_marker() == "o"]
    assert cells.count((2, 1)) == 2
    with pytest.raises(ValueError, match="2-D"):
        plot_pool_routing(x[None], 2)


def test_im2row_outlines_the_window_in_each_channel_and_its_row():
    from cnnlib.im2row import im2row
    from cnnlib.plotting import plot_im2row
    x = teaching_example(channels=3).x[0]                 # (3, 7, 7)
    axes = plot_im2row(x, 3, stride=2, row=5)             # row 5 = output (1, 2): window at (2, 4)
    assert len(axes) == 4
    for k in range(3):
        assert _outlines(axes[k]) == [(2, 4, 3, 3)]
        assert axes[k].get_title() == f"x, channel {k}"
    assert _outlines(axes[3]) == [(5, 0, 1, 27)]
    rows = im2row(x[None], 3, 3, 2)                       # (9, 27)
    assert _texts(axes[3]) == [str(int(v)) for v in rows.ravel()]
    assert axes[3].get_xticklabels()[13].get_text() == "1,1,1"   # column 13: channel 1, centre
    assert [t.get_text() for t in axes[3].get_yticklabels()] == [str(v) for v in range(9)]
    assert _index_labels(axes[3]) == ([], [])                     # the ticks only, once
    assert _index_labels(axes[0])[1] == [str(v) for v in range(7)]


def test_im2row_padding_uses_given_axes_and_rejects_bad_input():
    from cnnlib.plotting import plot_im2row
    x = np.arange(16.0).reshape(1, 4, 4)
    fig, given = plt.subplots(1, 2)
    axes = plot_im2row(x, 3, stride=1, pad=1, row=0, axes=list(given))
    assert axes == list(given)
    assert (0, 0, 3, 3) in _outlines(axes[0])             # window of output (0, 0) in padded coords
    with pytest.raises(ValueError, match="C, H, W"):
        plot_im2row(x[0], 3)
    with pytest.raises(ValueError, match="row"):
        plot_im2row(x, 3, pad=1, row=16)
    with pytest.raises(ValueError, match="axes"):
        plot_im2row(x, 3, axes=[given[0]])


def test_im2row_grouped_column_labels_name_m_q_and_each_channel_once():
    from cnnlib.plotting import plot_im2row
    x = teaching_example(channels=3).x[0]                 # (3, 7, 7)
    ax = plot_im2row(x, 3, stride=2, row=5, col_labels="grouped")[3]
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert len(ticks) == 27
    assert (ticks[0], ticks[5], ticks[13], ticks[26]) == ("0,0", "1,2", "1,1", "2,2")  # m,q
    assert [t.get_text() for t in ax.texts if t.get_text().startswith("channel")] == \
        ["channel 0", "channel 1", "channel 2"]
    with pytest.raises(ValueError, match="col_labels"):
        plot_im2row(x, 3, col_labels="mq")


def test_timings_one_bar_per_timed_row_and_skipped_ones_named():
    from cnnlib.plotting import plot_timings
    rows = [{"case": "a", "impl": "naive", "total_s": 2.5},
            {"case": "a", "impl": "vectorized", "total_s": 0.004},
            {"case": "b", "impl": "naive", "total_s": None},
            {"case": "b", "impl": "vectorized", "total_s": 3e-5},
            {"case": "b", "impl": "torch", "total_s": 2e-5}]
    ax = plot_timings(rows, title="t")
    heights = sorted(p.get_height() for p in ax.patches if isinstance(p, Rectangle))
    assert heights == pytest.approx([2e-5, 3e-5, 0.004, 2.5])
    assert {"2.5 s", "4 ms", "30 µs", "20 µs", "skipped"} <= set(_texts(ax))
    assert ax.get_yscale() == "log" and ax.get_title() == "t"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["naive", "vectorized", "torch"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]


def test_timings_without_torch_and_bad_input():
    from cnnlib.plotting import plot_timings
    rows = [{"case": "a", "impl": "naive", "forward_s": 0.5},
            {"case": "a", "impl": "vectorized", "forward_s": 0.001}]
    fig, given = plt.subplots()
    ax = plot_timings(rows, ax=given, key="forward_s")
    assert ax is given and ax.get_ylabel() == "forward (s)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["naive", "vectorized"]
    with pytest.raises(ValueError, match="at least one row"):
        plot_timings([])


# ------------------------------------------------------------ plot_grid and the explorers' blocks

from matplotlib.figure import Figure  # noqa: E402

from cnnlib.plotting import (FRAME, HIGHLIGHT, SECOND, grid_figure, grid_panel,  # noqa: E402
                             outline_cells, outline_window, plot_grid, plot_grids,
                             plot_padded_grid)


def test_plot_grid_writes_every_value_and_centres_signed_colours():
    a = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -0.25]])
    ax = plot_grid(a, title="deltas")
    assert _texts(ax) == ["1", "-2", "0.5", "0", "3", "-0.25"]
    im = ax.images[0]
    assert im.norm.vmin == -3 and im.norm.vmax == 3  # diverging, centred on zero
    assert im.get_cmap().name == "RdBu_r" and ax.get_title() == "deltas"
    # the text on the darkest cell (3: dark red) is white, on a pale one (0) black
    colours = {t.get_text(): t.get_color() for t in ax.texts if t.get_label() != INDEX_LABEL}
    assert colours["3"] == "white" and colours["0"] == "black"


def test_plot_grid_unsigned_labels_highlights_and_marks():
    a = np.arange(12.0).reshape(3, 4)
    given = plt.subplots()[1]
    mask = np.zeros((3, 4), dtype=bool)
    mask[2, 3] = mask[0, 1] = True
    ax = plot_grid(a, ax=given, highlight=[(1, 1, 2, 3)], mark=mask, origin=(-1, 5))
    assert ax is given and ax.images[0].get_cmap().name == "Greys"
    assert ax.images[0].norm.vmin == 0 and ax.images[0].norm.vmax == 11
    assert _rects(ax) == [(1, 1, 2, 3)]
    assert _crosses(ax) == [(0, 1), (2, 3)]  # a cross per marked cell
    assert _index_labels(ax) == (["5", "6", "7", "8"], ["-1", "0", "1"])
    assert not ax.get_xticks().size and not ax.get_yticks().size  # texts, not ticks
    ax = plot_grid(a, highlight=mask, annotate=False)
    assert sorted(_rects(ax)) == [(0, 1, 1, 1), (2, 3, 1, 1)] and not _texts(ax)
    assert _index_labels(plot_grid(a, labels=False)) == ([], [])
    with pytest.raises(ValueError, match="2-D"):
        plot_grid(np.zeros((2, 2, 2)))


def test_plot_grid_index_labels_keep_a_fixed_gap_in_points_like_tick_labels():
    for size in [(2, 2), (6, 5)]:
        fig, ax = plt.subplots(figsize=size)
        plot_grid(np.zeros((3, 4)), ax=ax, origin=(-1, -1))
        fig.canvas.draw()                                  # the axes shrinks to square cells
        renderer = fig.canvas.get_renderer()
        box = ax.get_window_extent(renderer)
        labels = [t for t in ax.texts if t.get_label() == INDEX_LABEL]
        gap = 3.5 * fig.dpi / 72                           # xtick.major.pad, in pixels
        for t in labels:
            b = t.get_window_extent(renderer)
            if t.get_ha() == "center":                     # under the grid, centred on column
                assert box.y0 - b.y1 == pytest.approx(gap, abs=1)
            else:                                          # left of the grid
                assert box.x0 - b.x1 == pytest.approx(gap, abs=1)
        centres = [(t.get_window_extent(renderer).x0 + t.get_window_extent(renderer).x1) / 2
                   for t in labels if t.get_ha() == "center"]
        cells = [box.x0 + (j + 0.5) * box.width / 4 for j in range(4)]
        assert centres == pytest.approx(cells, abs=1)


def test_plot_grids_and_outline_window():
    axes = plot_grids([np.ones((2, 2)), -np.ones((3, 1))], titles=["a", "b"])
    assert [ax.get_title() for ax in axes] == ["a", "b"]
    assert [ax.images[0].get_array().shape for ax in axes] == [(2, 2), (3, 1)]
    ax = outline_window(axes[0], 1, 0, 1, 2, color=SECOND)
    assert ax is axes[0] and _rects(ax) == [(1, 0, 1, 2)]


def test_grid_figure_widths_follow_the_grids_and_axes_are_reused():
    fig = Figure()
    fig, axes = grid_figure([(7, 7), (3, 3), (7, 7)], fig=fig)
    widths = [ax.get_position().width for ax in axes]
    assert len(axes) == 3 and widths[0] == pytest.approx(widths[2]) and widths[1] < widths[0]
    assert fig.get_size_inches()[0] <= 9.0 and fig.get_size_inches()[1] <= 3.5
    plot_grid(np.ones((7, 7)), ax=axes[0], title="x", highlight=[(0, 0, 3, 3)])
    again, axes2 = grid_figure([(7, 7), (3, 3), (7, 7)], fig=fig)
    assert again is fig and axes2 == axes  # same layout: the same axes, emptied
    assert not axes[0].texts and not axes[0].patches and not axes[0].images
    assert axes[0].get_title() == ""
    _, axes3 = grid_figure([(5, 5)], fig=fig)
    assert len(fig.axes) == 1 and axes3[0] not in axes
    with pytest.raises(ValueError, match="rows, cols"):
        grid_figure([(0, 3)])


def test_grid_panel_cells_are_exactly_cell_inches():
    fig, ax = grid_panel((4, 6), cell=0.25, min_width=3.0)
    w_in, h_in = fig.get_size_inches()
    box = ax.get_position()
    assert box.width * w_in == pytest.approx(6 * 0.25) and box.height * h_in == pytest.approx(4 * 0.25)
    assert w_in == pytest.approx(3.0)  # min_width wins over 0.32 + 1.5 + 0.12
    plot_grid(np.ones((4, 6)), ax=ax)
    fig2, ax2 = grid_panel((4, 6), fig=fig, cell=0.25, min_width=3.0)
    assert (fig2, ax2) == (fig, ax) and not ax.texts and not ax.images
    # another shape: the same axes again, moved, cells still exactly cell inches
    plot_grid(-np.ones((4, 6)), ax=ax, title="t")
    ax.set_xlabel("x")
    fig2, ax2 = grid_panel((2, 3), fig=fig, cell=0.4)
    w_in, h_in = fig.get_size_inches()
    box = ax2.get_position()
    assert ax2 is ax and fig.axes == [ax] and (w_in, h_in) == pytest.approx((0.32 + 1.2 + 0.12, 0.32 + 0.8 + 0.25))
    assert box.width * w_in == pytest.approx(3 * 0.4) and box.height * h_in == pytest.approx(2 * 0.4)
    assert not ax.texts and not ax.collections and ax.get_title() == ax.get_xlabel() == ""
    plot_grid(np.ones((2, 3)), ax=ax2)
    assert ax.get_xlim() == (-0.5, 2.5) and ax.get_ylim() == (1.5, -0.5)
    fig.add_subplot(2, 2, 1)  # someone else's axes: start afresh
    _, ax3 = grid_panel((2, 3), fig=fig)
    assert fig.axes == [ax3] and ax3 is not ax
    # a taller figure keeps the grid hanging from the same top margin
    fig3, ax3 = grid_panel((2, 2), fig=Figure(), cell=0.3, height=2.0)
    top = (1 - ax3.get_position().y1) * 2.0
    assert top == pytest.approx(0.32)
    with pytest.raises(ValueError, match="too small"):
        grid_panel((10, 2), cell=0.3, height=1.0)
    with pytest.raises(ValueError, match="rows, cols"):
        grid_panel((0, 2))


def test_plot_padded_grid_labels_from_minus_pad_and_frames_the_image():
    x = np.pad(np.arange(9.0).reshape(3, 3), 2)  # (7, 7), the real image at 2..4
    ax = plot_padded_grid(x, pad=2, highlight=[(0, 0, 3, 3)])
    assert _index_labels(ax)[0] == ["-2", "-1", "0", "1", "2", "3", "4"]
    frames = [p for p in ax.patches if p.get_linestyle() == "--"]
    assert len(frames) == 1
    x0, y0 = frames[0].get_xy()
    assert (y0 + 0.5, x0 + 0.5, frames[0].get_height(), frames[0].get_width()) == (2, 2, 3, 3)
    assert matplotlib.colors.same_color(frames[0].get_edgecolor(), FRAME)
    assert (0, 0, 3, 3) in _rects(ax)
    ax = plot_padded_grid(np.ones((3, 3)), pad=0)
    assert not ax.patches  # no padding, no frame


def test_outline_cells_outlines_each_cell():
    ax = plot_grid(np.zeros((3, 3)))
    assert outline_cells(ax, [(0, 2), (1, 1)]) is ax
    assert sorted(_rects(ax)) == [(0, 2, 1, 1), (1, 1, 1, 1)]
    assert all(matplotlib.colors.same_color(p.get_edgecolor(), SECOND) for p in ax.patches)
    outline_cells(ax, [(2, 2)], color=HIGHLIGHT)
    assert matplotlib.colors.same_color(ax.patches[-1].get_edgecolor(), HIGHLIGHT)


def test_plot_grid_blank_zeros_writes_only_nonzero_values():
    a = np.array([[0.0, 2.0], [-1.0, 0.0]])
    assert _texts(plot_grid(a, blank_zeros=True)) == ["2", "-1"]
    assert _texts(plot_grid(a)) == ["0", "2", "-1", "0"]


def test_optional_font_sizes_reach_the_cell_numbers_and_labels():
    from matplotlib.colors import to_rgba
    from cnnlib.plotting import plot_jacobian, plot_kernel_entry_inputs

    def sizes(ax, prefix=""):
        return {t.get_fontsize() for t in ax.texts
                if t.get_label() != INDEX_LABEL and t.get_text().startswith(prefix)}

    image, kernel = np.arange(49.0).reshape(7, 7), np.ones((3, 3))
    assert sizes(plot_correlation_step(image, kernel, 0, 0, pad=1)[0]) == {6}   # default: 9 wide
    axes = plot_correlation_step(image, kernel, 0, 0, pad=1, fontsize=8)
    assert all(sizes(ax) == {8} for ax in axes)
    ex = teaching_example()
    ax = plot_kernel_entry_inputs(ex.x[0, 0], (3, 3), (0, 0), 2, deltas=ex.dout[0, 0])
    assert sizes(ax, "δ") == {6}                                                 # default unchanged
    ax = plot_kernel_entry_inputs(ex.x[0, 0], (3, 3), (0, 0), 2, deltas=ex.dout[0, 0],
                                  label_fontsize=8, label_color="black")
    labels = [t for t in ax.texts if t.get_text().startswith("δ")]
    assert len(labels) == 9 and sizes(ax, "δ") == {8}
    assert all(to_rgba(t.get_color()) == to_rgba("black") for t in labels)
    assert sizes(plot_jacobian(np.eye(9))) == {6} and sizes(plot_jacobian(np.eye(9), fontsize=8)) == {8}


def test_fast_numbers_draw_the_same_picture():
    """``fast_numbers`` (the explorers) pastes cached stamps of the same glyphs: the picture
    matches the one drawn with a Text per number, and the numbers are all there."""
    from cnnlib.plotting import TextStamps
    a = np.arange(-40, 81).reshape(11, 11) / 4.0        # signed, integers and fractions
    pictures = []
    for fast in (False, True):
        fig, ax = plt.subplots(figsize=(4, 4), dpi=100)
        plot_padded_grid(a, 2, ax=ax, fast_numbers=fast, highlight=[(1, 1, 3, 3)],
                         mark=np.eye(11, dtype=bool))
        fig.canvas.draw()
        pictures.append(np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(int))
        if fast:
            stamps = [s for s in ax.artists if isinstance(s, TextStamps)]
            cells = [s for s in stamps if s.get_label() != INDEX_LABEL]
            assert len(cells) == 1 and cells[0].texts()[:3] == ["-10", "-9.75", "-9.5"]
            assert len(cells[0].texts()) == 121 and _texts(ax) == []
            assert [s.texts() for s in stamps if s.get_label() == INDEX_LABEL] == \
                [[str(v) for v in range(-2, 9)]] * 2
        plt.close(fig)
    slow, fast = pictures
    differ = np.abs(slow - fast).max(axis=2)
    assert (differ > 0).mean() < 0.02 and (differ > 96).sum() == 0, (differ > 0).sum()
