"""The explorers: the numbers behind every picture, checked against cnnlib by other routes.

Each explorer is driven the way a learner drives it (setting its controls'
``.value``) and its ``state`` is compared with an independent computation: the
loop (naive) backward functions, a direct loop over outputs written here, or
brute-force window membership. The readouts and panels are Python's (the
browser only draws them): they are tested here, and so is the table of every
reachable view that the browser looks them up in.
"""
import base64
import itertools
import json
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

pytest.importorskip("anywidget")

from cnnlib import explorers as X  # noqa: E402
from cnnlib import widgets as W  # noqa: E402
from cnnlib.plotting import _format  # noqa: E402
from cnnlib.conv import conv2d_backward_naive, conv2d_coverage, conv2d_forward_naive  # noqa: E402
from cnnlib.correlate import convolve2d, dilate, pad2d  # noqa: E402
from cnnlib.data import teaching_example  # noqa: E402
from cnnlib.im2row import im2row  # noqa: E402
from cnnlib.pool import (avgpool2d_backward, avgpool2d_backward_naive,  # noqa: E402
                         avgpool2d_forward, avgpool2d_forward_naive, maxpool2d_backward,
                         maxpool2d_backward_naive, maxpool2d_forward, maxpool2d_forward_naive)

GEOMETRIES = list(itertools.product((1, 2, 3), (0, 1, 2), (2, 3, 4)))  # stride, pad, kernel


def _naive_layer(channels, stride, pad, k, seed=0):
    """The explorer's layer, run through the loop (reference) backward."""
    x, w, b, dout = W.gradient_flow_layer(channels, seed, k, stride, pad)
    _, cache = conv2d_forward_naive(x, w, b, stride, pad)
    dx, dw, db = conv2d_backward_naive(dout, cache)
    return x, w, dout, dx, dw, db


def _scatter_by_hand(x_pad, w, dout, stride, outputs):
    """dX_pad accumulated over the listed outputs: each adds δ[i, j]·w onto its window."""
    k = w.shape[-1]
    acc = np.zeros_like(x_pad)
    for (i, j) in outputs:
        acc[:, stride * i:stride * i + k, stride * j:stride * j + k] += dout[i, j] * w
    return acc


# ------------------------------------------------------------------ gradient flow

def test_gradient_flow_default_is_the_teaching_example():
    ex = teaching_example(channels=1, seed=0)
    x, w, b, dout = W.gradient_flow_layer(1, 0, 3, 2, 0)
    for got, want in ((x, ex.x), (w, ex.w), (b, ex.b), (dout, ex.dout)):
        np.testing.assert_array_equal(got, want)
    s = W.gradient_flow_explorer().explorer.state
    assert (s.stride, s.pad, s.kernel_size, s.dout.shape) == (2, 0, 3, (3, 3))
    _, _, _, dx, dw, db = _naive_layer(1, 2, 0, 3)
    np.testing.assert_allclose(s.dx, dx[0])
    np.testing.assert_allclose(s.dw, dw[0])
    assert s.db == pytest.approx(db[0])
    # 7 = 2*3 + 1: the stride tiles, every pixel is read
    assert not s.unread.any()


@pytest.mark.parametrize("stride,pad,k", GEOMETRIES)
def test_gradient_flow_state_matches_the_loops(stride, pad, k):
    s = W.gradient_flow_state(channels=1, stride=stride, pad=pad, kernel_size=k)
    x, w, dout, dx, dw, db = _naive_layer(1, stride, pad, k)
    np.testing.assert_allclose(s.dx, dx[0], atol=1e-12)
    np.testing.assert_allclose(s.dw, dw[0], atol=1e-12)
    # dX before the crop: its inner part is dX; the scatter by hand gives all of it
    h = x.shape[2]
    np.testing.assert_allclose(s.dx_pad[:, pad:pad + h, pad:pad + h], s.dx, atol=1e-12)
    h_out, w_out = dout.shape[2:]
    all_outputs = list(np.ndindex(h_out, w_out))
    by_hand = _scatter_by_hand(s.x_pad, s.w, s.dout, stride, all_outputs)
    np.testing.assert_allclose(s.dx_pad, by_hand, atol=1e-12)
    # the full-convolution toggle shows the same dX, also by the convolution route (no flip)
    np.testing.assert_allclose(s.dx_full, s.dx, atol=1e-12)
    full_conv = convolve2d(dilate(s.dout, stride), s.w[0], mode="full")
    np.testing.assert_allclose(s.full[0], full_conv, atol=1e-12)
    # pixels marked as unread are exactly those no window covers, and their gradient is 0
    coverage = conv2d_coverage((h, h), k, stride, pad)
    np.testing.assert_array_equal(s.unread, coverage == 0)
    np.testing.assert_array_equal(s.unread_pad[pad:pad + h, pad:pad + h], coverage == 0)
    assert not s.unread_pad.sum() - s.unread.sum()
    assert np.all(s.dx[:, s.unread] == 0)


@pytest.mark.parametrize("stride,pad,k", [(2, 0, 3), (1, 1, 3), (3, 2, 4), (2, 1, 2)])
def test_one_output_window_and_contributions(stride, pad, k):
    ex = W.GradientFlowExplorer()
    with ex.hold():
        ex.stride.value, ex.pad.value, ex.kernel_size.value = stride, pad, k
    h_out = ex.state.dout.shape[0]
    assert ex.out_i.max == h_out - 1 and ex.out_j.max == h_out - 1
    for i, j in [(0, 0), (h_out - 1, 0), (h_out - 1, h_out - 1), (h_out // 2, h_out - 1)]:
        with ex.hold():
            ex.out_i.value, ex.out_j.value = i, j
        s = ex.state
        assert s.out_pos == (i, j)
        assert s.window == (stride * i, stride * j, k, k)
        r0, c0 = s.window[:2]
        delta = s.dout[i, j]
        want = np.zeros_like(s.x_pad)
        want[:, r0:r0 + k, c0:c0 + k] = delta * s.w
        np.testing.assert_allclose(s.contrib_dx_pad, want, atol=1e-12)
        window = s.x_pad[:, r0:r0 + k, c0:c0 + k]
        np.testing.assert_allclose(s.contrib_dw, delta * window, atol=1e-12)
    # the shares of all outputs add up to dX and dW
    tot_dx, tot_dw = 0, 0
    for i, j in np.ndindex(h_out, h_out):
        s = W.gradient_flow_state(stride=stride, pad=pad, kernel_size=k, out_pos=(i, j))
        tot_dx, tot_dw = tot_dx + s.contrib_dx_pad, tot_dw + s.contrib_dw
    np.testing.assert_allclose(tot_dx, s.dx_pad, atol=1e-12)
    np.testing.assert_allclose(tot_dw, s.dw, atol=1e-12)


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("stride,pad,k", [(2, 0, 3), (1, 0, 3), (3, 0, 3), (2, 2, 4), (3, 1, 2)])
def test_pixel_terms_sum_to_dx(channels, stride, pad, k):
    for c in range(channels):
        for p, q in np.ndindex(7, 7):
            s = W.gradient_flow_state(channels=channels, stride=stride, pad=pad, kernel_size=k,
                                      pixel=(p, q), channel=c)
            # reached outputs: brute force over windows in padded coordinates
            h_out, w_out = s.dout.shape
            brute = np.zeros((h_out, w_out), dtype=bool)
            for i, j in np.ndindex(h_out, w_out):
                brute[i, j] = (stride * i <= p + pad < stride * i + k
                               and stride * j <= q + pad < stride * j + k)
            np.testing.assert_array_equal(s.reached, brute)
            assert {t.out_pos for t in s.terms} == set(zip(*np.nonzero(brute)))
            for t in s.terms:
                i, j = t.out_pos
                assert t.kernel_pos == (p + pad - stride * i, q + pad - stride * j)
                assert t.delta == s.dout[i, j] and t.weight == s.w[c][t.kernel_pos]
            assert sum(t.value for t in s.terms) == pytest.approx(s.dx[c, p, q], abs=1e-12)
            assert s.dx_at_pixel == s.dx[c, p, q]
            assert (len(s.terms) == 0) == bool(s.unread[p, q])


def test_pixel_readout_lists_the_terms():
    ex = W.GradientFlowExplorer()
    ex.view.value = "pixel"
    ex.pix_r.value, ex.pix_c.value = 2, 2
    s = ex.state
    assert len(s.terms) == 4  # pixel (2, 2) lies in four stride-2 windows
    text = ex.readout
    for t in s.terms:
        assert f"δ[{t.out_pos[0]},{t.out_pos[1]}]·w[{t.kernel_pos[0]},{t.kernel_pos[1]}]" in text
    assert f"<b>{_format(s.dx[0, 2, 2], None)}</b>" in text
    # an unread pixel says so
    ex.stride.value, ex.kernel_size.value = 3, 3  # (7 - 3) / 3 is not whole: row and col 6 unread
    ex.pix_r.value = 6
    assert ex.state.unread[6, 2] and ex.state.terms == []
    assert "no window reads this pixel" in ex.readout


@pytest.mark.parametrize("stride,pad,k", [(2, 0, 3), (1, 1, 3), (3, 2, 4)])
def test_scatter_steps_are_partial_sums(stride, pad, k):
    shape = W.gradient_flow_state(stride=stride, pad=pad, kernel_size=k).dout.shape
    order = list(np.ndindex(*shape))
    n = len(order)  # outputs, added in row-major order
    for step in range(n + 1):
        s = W.gradient_flow_state(stride=stride, pad=pad, kernel_size=k, step=step)
        assert s.step == step and s.done.sum() == step
        want = _scatter_by_hand(s.x_pad, s.w, s.dout, stride, order[:step])
        np.testing.assert_allclose(s.partial_dx_pad, want, atol=1e-12)
        if step:
            assert s.current == order[step - 1]
            np.testing.assert_allclose(
                s.step_dx_pad, _scatter_by_hand(s.x_pad, s.w, s.dout, stride, [order[step - 1]]),
                atol=1e-12)
        else:
            assert s.current is None and not s.step_dx_pad.any()
    # the last step is dX, and equals the full-convolution route
    np.testing.assert_allclose(s.partial_dx_pad, s.dx_pad, atol=1e-12)
    np.testing.assert_allclose(s.partial_dx_pad, s.dx_full_pad, atol=1e-12)
    # the step slider of the explorer shows these states
    ex = W.GradientFlowExplorer()
    with ex.hold():
        ex.view.value = "steps"
        ex.stride.value, ex.pad.value, ex.kernel_size.value = stride, pad, k
    assert ex.step.max == n and ex.step.kind == "play"
    for step in (1, n // 2, n, 0):
        ex.step.value = step
        want = W.gradient_flow_state(stride=stride, pad=pad, kernel_size=k, step=step)
        np.testing.assert_array_equal(ex.state.partial_dx_pad, want.partial_dx_pad)
        assert ex.readout.startswith(f"Step {step} of {n}" if step else "dX starts at zero")


def test_full_view_dilated_padded_window_gives_the_pixel():
    """Full view: the outlined window of the padded dilated deltas times rot180(w) is dX there."""
    for stride, pad, k in [(2, 0, 3), (3, 2, 4), (1, 1, 2)]:
        for p, q in [(0, 0), (3, 4), (6, 6)]:
            s = W.gradient_flow_state(stride=stride, pad=pad, kernel_size=k, pixel=(p, q))
            win = s.dilated_padded[p + pad:p + pad + k, q + pad:q + pad + k]
            assert np.sum(win * s.rot_w[0]) == pytest.approx(s.dx[0, p, q], abs=1e-12)


def test_three_channels():
    ex = W.GradientFlowExplorer(channels=3)
    assert ex.state.x.shape == (3, 7, 7) and ex.state.w.shape == (3, 3, 3)
    _, _, _, dx, dw, _ = _naive_layer(3, 2, 0, 3)
    np.testing.assert_allclose(ex.state.dx, dx[0])
    np.testing.assert_allclose(ex.state.dw, dw[0])
    ex.view.value = "pixel"
    ex.channel.value = 2
    assert ex.state.channel == 2
    assert "∂E/∂x[2, 2, 2]" in ex.readout
    with pytest.raises(ValueError, match="channels"):
        W.gradient_flow_explorer(channels=2)


def _cells(panel):
    """The texts of a panel's cells, as the browser draws them: [[str]]."""
    return [row.split(",") for row in panel["g"].split(";")]


def _panel(ex, name):
    return next(p for p in ex.panels if p["n"] == name)


def test_controls_resize_and_redraw():
    ex = W.GradientFlowExplorer()
    before_panels, before_text = ex.panels, ex.readout
    ex.out_j.value = 2
    assert ex.panels != before_panels and ex.readout != before_text
    # stride 1: a 5x5 output, the sliders grow; back to stride 3: they shrink and clip
    ex.stride.value = 1
    assert ex.state.dout.shape == (5, 5) and ex.out_i.max == 4 and ex.step.max == 25
    ex.out_i.value = 4
    ex.stride.value = 3
    assert ex.state.dout.shape == (2, 2) and ex.out_i.value == 1 and ex.state.out_pos == (1, 2 - 1)
    # the controls of other views are hidden
    assert not ex.step.visible and ex.out_i.visible
    ex.view.value = "steps"
    assert ex.step.visible and not ex.out_i.visible
    with pytest.raises(ValueError, match="no control named"):
        ex.set(strides=2)


def test_explorers_leave_pyplot_alone():
    before = plt.get_fignums()
    for make in (W.gradient_flow_explorer, W.conv_arithmetic_explorer, W.pooling_explorer,
                 W.im2row_explorer):
        widget = make()
        assert widget.explorer is widget and widget.widget is widget
        assert widget.panels and widget.readout
    assert plt.get_fignums() == before


@pytest.mark.parametrize("view", ["output", "pixel", "steps", "full"])
def test_every_view_draws_at_the_extremes(view):
    ex = W.GradientFlowExplorer(channels=3)
    ex.view.value = view
    for stride, pad, k in [(1, 2, 2), (3, 2, 4), (3, 0, 2), (1, 0, 4)]:
        with ex.hold():
            ex.stride.value, ex.pad.value, ex.kernel_size.value = stride, pad, k
            ex.pix_r.value = 6
        ex.step.value = ex.step.max
        assert ex.readout and len(ex.panels) >= 3
        for p in ex.panels:   # every grid is rectangular, every outline inside it
            cells = _cells(p)
            assert len({len(row) for row in cells}) == 1
            for r, c, h, w, _ in p["b"]:
                assert 0 <= r and r + h <= len(cells) and 0 <= c and c + w <= len(cells[0]), p["n"]


def test_panels_write_the_state_numbers():
    """The numbers a panel shows are the state's arrays, written by plotting._format."""
    ex = W.GradientFlowExplorer()
    with ex.hold():
        ex.stride.value, ex.pad.value, ex.out_i.value, ex.out_j.value = 1, 1, 2, 3
    s = ex.state
    assert _cells(_panel(ex, "x")) == [[_format(v, None) for v in row] for row in s.x_pad[0]]
    share = _cells(_panel(ex, "dx_share"))
    r0, c0, k, _ = s.window
    for (r, c), v in np.ndenumerate(s.contrib_dx_pad[0]):   # blank outside the window only:
        inside = r0 <= r < r0 + k and c0 <= c < c0 + k       # a 0 inside it is written, as dW's
        assert share[r][c] == (_format(v, None) if inside else ""), (r, c)
    assert any(v == "0" for row in share for v in row)
    assert _cells(_panel(ex, "dw_share")) == [[_format(v, None) for v in row]
                                              for row in s.contrib_dw[0]]
    assert [2, 3, 1, 1] == _panel(ex, "delta")["b"][0][:4]
    ex.view.value = "full"
    assert _cells(_panel(ex, "dx")) == [[_format(v, None) for v in row] for row in s.dx_full_pad[0]]


# ------------------------------------------------------------------ conv arithmetic

@pytest.mark.parametrize("size,k,stride,pad", [(7, 3, 2, 0), (7, 3, 3, 0), (8, 3, 2, 1),
                                               (5, 5, 1, 0), (12, 2, 4, 3), (6, 4, 3, 1),
                                               (3, 1, 4, 0)])
def test_conv_arithmetic(size, k, stride, pad):
    ex = W.ConvArithmeticExplorer()
    with ex.hold():
        ex.size.value, ex.kernel_size.value, ex.stride.value, ex.pad.value = size, k, stride, pad
    s = ex.state
    padded = size + 2 * pad
    assert s.out_size == (padded - k) // stride + 1
    assert s.remainder == (padded - k) % stride
    assert s.tiles == ((padded - k) % stride == 0)
    assert ex.out_i.max == s.out_size - 1
    assert str(s.out_size) in ex.readout
    assert ("does not tile" in ex.readout) == (not s.tiles)
    np.testing.assert_array_equal(s.coverage_pad, conv2d_coverage((padded, padded), k, stride, 0))
    cov = conv2d_coverage((size, size), k, stride, pad)
    np.testing.assert_array_equal(s.unread[pad:pad + size, pad:pad + size], cov == 0)
    ex.out_i.value = ex.out_i.max
    ex.out_j.value = 0
    assert ex.state.window == (stride * ex.out_i.max, 0, k, k)
    # the last window ends inside the padded input, and the remainder is what is left over
    assert stride * (s.out_size - 1) + k == padded - s.remainder


def test_conv_arithmetic_kernel_too_large():
    ex = W.ConvArithmeticExplorer()
    ex.size.value, ex.pad.value, ex.kernel_size.value = 3, 0, 5
    s = ex.state
    assert s.error and s.out_size == 0 and s.window is None
    assert "larger than the padded input" in ex.readout
    ex.pad.value = 1  # 3 + 2 = 5: fits again
    assert ex.state.out_size == 1 and ex.state.error is None


# ------------------------------------------------------------------ pooling

@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("size,stride", [(2, 2), (3, 2), (2, 1), (3, 3), (4, 1), (2, 3)])
def test_pooling_routes(mode, size, stride):
    ex = W.PoolingExplorer()
    with ex.hold():
        ex.mode.value, ex.size.value, ex.stride.value = mode, size, stride
    s = ex.state
    x, dout = W.pooling_layer(0, size, stride)
    forward, backward, fwd_naive, bwd_naive = {
        "max": (maxpool2d_forward, maxpool2d_backward, maxpool2d_forward_naive,
                maxpool2d_backward_naive),
        "avg": (avgpool2d_forward, avgpool2d_backward, avgpool2d_forward_naive,
                avgpool2d_backward_naive),
    }[mode]
    out, cache = forward(x, size, stride)
    np.testing.assert_allclose(s.dx, backward(dout, cache)[0, 0])
    _, cache_naive = fwd_naive(x, size, stride)
    np.testing.assert_allclose(s.dx, bwd_naive(dout, cache_naive)[0, 0], atol=1e-12)
    np.testing.assert_allclose(s.out, out[0, 0])
    h_out = out.shape[2]
    assert ex.out_i.max == h_out - 1
    total = np.zeros_like(s.dx)
    for i, j in np.ndindex(h_out, h_out):
        ex.out_i.value, ex.out_j.value = i, j
        s = ex.state
        r0, c0 = stride * i, stride * j
        assert s.window == (r0, c0, size, size)
        delta = s.dout[i, j]
        assert delta != 0
        window = s.x[r0:r0 + size, c0:c0 + size]
        inside = np.zeros(s.x.shape, dtype=bool)
        inside[r0:r0 + size, c0:c0 + size] = True
        assert not s.route[~inside].any()          # nothing leaves the window
        assert s.route.sum() == pytest.approx(delta)  # and all of the delta arrives
        if mode == "max":
            m, n = np.unravel_index(np.argmax(window), window.shape)  # first maximum
            assert s.winner == (r0 + m, c0 + n)
            assert s.receivers == [s.winner] and s.route[s.winner] == delta
        else:
            np.testing.assert_allclose(s.route[inside], delta / size ** 2)
            assert len(s.receivers) == size * size
        total += s.route
    np.testing.assert_allclose(total, s.dx, atol=1e-12)  # overlapping shares add up
    np.testing.assert_array_equal(s.unread, conv2d_coverage((7, 7), size, stride, 0) == 0)
    assert np.all(s.dx[s.unread] == 0)


# ------------------------------------------------------------------ im2row

@pytest.mark.parametrize("k,stride,pad", [(3, 2, 0), (3, 1, 0), (2, 1, 1), (4, 3, 1), (2, 2, 0)])
def test_im2row_rows_and_scatter(k, stride, pad):
    ex = W.Im2rowExplorer()
    with ex.hold():
        ex.kernel_size.value, ex.stride.value, ex.pad.value = k, stride, pad
    x, w, b, dout = W.gradient_flow_layer(1, 0, k, stride, pad)
    rows = im2row(x, k, k, stride, pad)
    np.testing.assert_array_equal(ex.state.rows, rows)
    h_out, w_out = dout.shape[2:]
    _, cache = conv2d_forward_naive(x, w, b, stride, pad)
    dx, _, _ = conv2d_backward_naive(dout, cache)
    x_pad = pad2d(x, pad)[0, 0]
    for mode in ("forward", "backward"):
        ex.mode.value = mode
        for i, j in [(0, 0), (h_out - 1, w_out - 1), (h_out // 2, 0)]:
            with ex.hold():
                ex.out_i.value, ex.out_j.value = i, j
            s = ex.state
            r = i * w_out + j
            assert s.row == r and s.window == (stride * i, stride * j, k, k)
            np.testing.assert_array_equal(s.rows[r], rows[r])
            np.testing.assert_array_equal(
                s.rows[r], x_pad[stride * i:stride * i + k, stride * j:stride * j + k].ravel())
            assert s.out[i, j] == pytest.approx(rows[r] @ w.ravel() + 0.0)
            np.testing.assert_allclose(s.d_rows[r], dout[0, 0, i, j] * w.ravel())
            want = np.zeros_like(x_pad)
            want[stride * i:stride * i + k, stride * j:stride * j + k] = dout[0, 0, i, j] * w[0, 0]
            np.testing.assert_allclose(s.scatter_row_pad, want, atol=1e-12)
            assert ex.readout.startswith("Output" if mode == "forward" else "Backward")
    np.testing.assert_allclose(s.dx, dx[0, 0], atol=1e-12)
    np.testing.assert_allclose(s.dx_pad[pad:pad + 7, pad:pad + 7], dx[0, 0], atol=1e-12)


def test_im2row_band_follows_the_row():
    ex = W.Im2rowExplorer()
    ex.stride.value, ex.kernel_size.value = 1, 3  # 25 rows: only a band is drawn
    ex.out_i.value, ex.out_j.value = 4, 4
    lo, hi = ex._band(ex.state.rows.shape[0])
    assert hi - lo == ex.max_rows_shown and lo <= ex.state.row < hi and hi == 25


def test_hold_updates_once():
    ex = W.GradientFlowExplorer()
    updates = ex.updates
    with ex.hold():
        ex.stride.value, ex.pad.value = 1, 1
        assert ex.state.stride == 2  # nothing recomputed inside the block
    assert (ex.state.stride, ex.state.pad) == (1, 1)
    assert ex.updates - updates == 1


# ------------------------------------------------------------------ clicks

def _click(ex, panel, row, col):
    """Click cell (row, col) of panel ``panel`` (index), as the browser does: its pick table."""
    return ex.click(panel, row, col)


def test_pick_tables_have_the_shape_of_their_grids():
    for ex in (W.GradientFlowExplorer(), W.ConvArithmeticExplorer(), W.PoolingExplorer(),
               W.Im2rowExplorer()):
        views = [o[1] for o in getattr(ex, ex.MODE).options] if ex.MODE else [None]
        for view in views:
            if view:
                getattr(ex, ex.MODE).value = view
            for p in ex.panels:
                if "k" in p:
                    cells = _cells(p)
                    assert [len(row) for row in p["k"]] == [len(row) for row in cells], p["n"]


def test_gradient_flow_clicks():
    ex = W.GradientFlowExplorer()
    assert _click(ex, 2, 1, 2) == {"view": "output", "out_i": 1, "out_j": 2}  # a delta
    assert ex.view.value == "output" and ex.state.out_pos == (1, 2)
    assert _click(ex, 1, 0, 0) is None                       # the kernel takes no clicks
    _click(ex, 0, 4, 5)                                      # a pixel of x: the pixel view
    assert ex.view.value == "pixel" and ex.state.pixel == (4, 5)
    _click(ex, 3, 0, 6)                                      # a pixel of dX
    assert ex.state.pixel == (0, 6)
    _click(ex, 2, 2, 0)                                      # a delta: back to that output
    assert ex.view.value == "output" and ex.state.out_pos == (2, 0)
    ex.pad.value = 1
    before = ex.state
    _click(ex, 0, 0, 3)                                      # the padding is no pixel
    assert ex.state is before and ex.view.value == "output"
    _click(ex, 0, 1, 3)                                      # padded row 1 = pixel row 0
    assert ex.state.pixel == (0, 2)
    ex.view.value = "steps"
    _click(ex, 0, 1, 0)                                      # steps: add up to that output
    assert ex.step.value == 1 * ex.state.dout.shape[1] + 0 + 1 and ex.state.current == (1, 0)
    ex.view.value = "full"
    _click(ex, 2, 3, 4)
    assert ex.view.value == "full" and ex.state.pixel == (2, 3)


def test_conv_arithmetic_click_picks_the_window():
    ex = W.ConvArithmeticExplorer()
    _click(ex, 1, 2, 1)
    assert ex.state.out_pos == (2, 1) and ex.state.window[:2] == (2 * 2, 1 * 2)
    assert _click(ex, 0, 0, 0) is None                      # the input takes no clicks


@pytest.mark.parametrize("size, stride", [(2, 2), (3, 1), (2, 3), (4, 2)])
def test_pooling_click_on_a_cell_picks_its_first_window(size, stride):
    ex = W.PoolingExplorer()
    with ex.hold():
        ex.size.value, ex.stride.value = size, stride
    h_out = (7 - size) // stride + 1
    for r, c in itertools.product(range(7), range(7)):
        holders = [(i, j) for i in range(h_out) for j in range(h_out)
                   if i * stride <= r < i * stride + size and j * stride <= c < j * stride + size]
        with ex.hold():
            ex.out_i.value, ex.out_j.value = h_out - 1, 0    # a window to move away from
        _click(ex, 3 if (r + c) % 2 else 0, r, c)          # x or dX
        assert ex.state.out_pos == (holders[0] if holders else (h_out - 1, 0)), (r, c)
    _click(ex, 2, 0, h_out - 1)                             # a delta
    assert ex.state.out_pos == (0, h_out - 1)
    _click(ex, 1, h_out - 1, h_out - 1)                     # an output
    assert ex.state.out_pos == (h_out - 1, h_out - 1)


def test_im2row_click_on_a_row_picks_its_output():
    ex = W.Im2rowExplorer()
    with ex.hold():
        ex.stride.value = 1                                  # 5x5 outputs: 25 rows, 9 shown
    w_out = ex.state.out.shape[1]
    _click(ex, 1, 3, 0)                                      # shown rows start at 0
    assert ex.state.out_pos == divmod(3, w_out) and ex.state.row == 3
    _click(ex, 1, 8, 2)                                      # the last row shown: row 8
    assert ex.state.row == 8
    lo, hi = ex._band(25)                                    # the band follows: rows 4..12
    assert (lo, hi) == (4, 13)
    _click(ex, 1, 8, 0)                                      # the last row shown is now 12
    assert ex.state.row == 12 and ex.state.out_pos == divmod(12, w_out)
    ex.mode.value = "backward"
    _click(ex, 0, 4, 4)                                      # a delta
    assert ex.state.out_pos == (4, 4) and ex.state.row == 24
    _click(ex, 2, 0, 0)                                      # the scatter picture: no clicks
    assert ex.state.out_pos == (4, 4)


# ------------------------------------------------------------------ the table the browser reads

_TABLES = {}


def _encoded(ex):
    """The explorer's table (built once per kind of explorer in this test run)."""
    name = type(ex).__name__
    if name not in _TABLES:
        _TABLES[name] = ex.encoded_table()
    return _TABLES[name]


def _decoded(ex):
    """The table as the browser gets it: base64, then deflate (zlib), then JSON."""
    return json.loads(zlib.decompress(base64.b64decode(_encoded(ex))))


def _view_in_table(table, ex, values):
    entry = table["views"][ex.key(values)]
    blobs = table["blobs"]
    patch = blobs[entry["x"]][values[entry["xb"][0]]][values[entry["xb"][1]]] \
        if "x" in entry else None   # one view for every position of two controls
    panels = []
    for i, p in enumerate(entry["p"]):
        p = {k: (blobs[v] if k in ("g", "m", "k", "x") else v) for k, v in p.items()}
        if patch:
            p["b"] = patch["b"][i]
        panels.append(X._panels.resolved(p, values))
    readout = patch["r"] if patch else entry["r"]
    return "".join(blobs[i] for i in readout), blobs[entry["i"]], panels


@pytest.mark.parametrize("make", [lambda: W.GradientFlowExplorer(), W.ConvArithmeticExplorer,
                                  W.PoolingExplorer, W.Im2rowExplorer])
def test_the_table_holds_every_reachable_view(make):
    """What the browser looks up for a setting is what Python shows for it; the limits it
    clamps with are Python's; the table is the same on every run (nbval, git diffs)."""
    ex = make()
    table = _decoded(ex)
    reachable = list(ex.reachable())
    assert {ex.key(v) for v in reachable} == set(table["views"])
    rng = np.random.default_rng(0)
    for k in rng.choice(len(reachable), size=min(60, len(reachable)), replace=False):
        values = reachable[k]
        ex.values = values
        readout, tip, panels = _view_in_table(table, ex, values)
        assert (readout, tip) == (ex.readout, ex.tip), values
        assert panels == [{**p, "b": [list(b) for b in p["b"]]} for p in ex.panels], values
        gkey = "|".join(str(values[n]) for n in ex.GEOMETRY)
        assert table["limits"][gkey] == ex.limits(values)
    assert make().encoded_table() == _encoded(ex)   # the same on every run


# The state each explorer saves into a notebook (its table), in base64 characters: a notebook
# stays under 1 MB with its figures. Measured: gradient flow about 161 000, conv arithmetic
# 96 000, im2row 52 000, pooling 13 000.
BUDGET = {"GradientFlowExplorer": 180_000, "ConvArithmeticExplorer": 130_000,
          "Im2rowExplorer": 80_000, "PoolingExplorer": 30_000}


@pytest.mark.parametrize("name", sorted(BUDGET))
def test_saved_state_fits_the_notebook_budget(name):
    ex = getattr(W, name)()
    assert len(_encoded(ex)) < BUDGET[name]
    assert not ex.table   # filled only when displayed
    ex.encoded_table = lambda: _encoded(ex)
    ex._repr_mimebundle_()
    assert ex.table == _encoded(ex)


def test_before_run_all_a_still_picture_and_a_line_to_run_the_cell():
    """What an unrun (untrusted) notebook shows: text/html with the picture as an SVG image
    (JupyterLab's sanitizer keeps <img> with a data: URI) and a sentence; the text/plain repr
    is one stable line (nbval compares it), never a VBox(children=... dump."""
    for make in (W.gradient_flow_explorer, W.conv_arithmetic_explorer, W.pooling_explorer,
                 W.im2row_explorer):
        ex = make()
        ex.table = _encoded(ex)   # (what display fills in, built once here)
        data, _ = ex._repr_mimebundle_()
        assert set(data) == {"text/plain", "text/html", "application/vnd.jupyter.widget-view+json"}
        assert "VBox" not in data["text/plain"] and len(data["text/plain"]) < 110
        assert data["text/plain"] == f"<{ex.NAME}: an interactive picture; run this cell, or " \
            "open the notebook trusted, to use it>"
        page = data["text/html"]
        assert "Run this cell" in page and ex.readout in page
        src = page.split('src="data:image/svg+xml;base64,')[1].split('"')[0]
        svg = ET.fromstring(base64.b64decode(src))
        texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
        for p in ex.panels:   # every number of every panel is in the still picture
            assert p["t"] in texts
            for row in _cells(p):
                for v in row:
                    assert v == "" or v in texts


# ------------------------------------------------------------------ the readouts found wrong

def test_conv_arithmetic_gaps_between_windows():
    s = W.conv_arithmetic_state(7, 1, 2, 0)      # K = 1 < S = 2: rows 1, 3, 5 skipped
    assert s.tiles and s.gaps == (1, 3, 5) and s.leftover == () and s.unread.sum() == 33
    assert "every pixel is read" not in s.reason.lower() and "33 of 49" in s.reason
    assert "between two windows" in s.reason
    s = W.conv_arithmetic_state(7, 2, 4, 0)      # rows 2, 3 (gap) and 6 (left over)
    assert s.gaps == (2, 3) and s.leftover == (6,)
    assert "does not tile" in s.reason and "2, 3, 6" in s.reason and "1 row(s)" in s.reason
    cov = conv2d_coverage((7, 7), 2, 4, 0)
    assert s.unread.sum() == (cov == 0).sum() == 33


def test_conv_arithmetic_leftover_padding_is_not_crossed_out():
    s = W.conv_arithmetic_state(10, 5, 4, 3)     # 16 padded rows, rows 13-15 left over
    assert s.leftover == (13, 14, 15) and not s.unread.any()
    assert "all padding" in s.reason and "crossed out" in s.reason
    assert "never read" not in s.reason


def test_gradient_flow_pixel_in_a_gap():
    s = W.gradient_flow_state(stride=3, kernel_size=2, pixel=(2, 4))
    assert s.terms == [] and s.unread[2, 4]
    text = X.gradient_flow.terms_text(s)
    assert "gap between two windows" in text and "row 2" in text
    assert "column" not in text   # column 4 lies in the window at columns 3..4
    assert "does not tile" not in text
    s = W.gradient_flow_state(stride=3, kernel_size=3, pixel=(6, 2))   # after the last window
    assert "after the last window" in X.gradient_flow.terms_text(s)


def test_gradient_flow_window_of_padding_only():
    ex = W.GradientFlowExplorer()
    with ex.hold():
        ex.stride.value, ex.pad.value, ex.kernel_size.value = 1, 2, 2
        ex.out_i.value, ex.out_j.value = 0, 0   # rows -2..-1: all padding
    assert "entirely in the padding" in ex.readout
    assert not ex.state.contrib_dw.any()
    ex.out_i.value = ex.out_j.value = 1         # rows and cols -1..0: pixel (0, 0) is real
    assert "entirely in the padding" not in ex.readout


def test_position_with_one_value_has_range_zero():
    ex = W.ConvArithmeticExplorer()
    with ex.hold():
        ex.size.value, ex.kernel_size.value, ex.pad.value = 5, 5, 0
    assert ex.out_i.max == 0 and ex.out_i.min == 0   # the browser writes "one position"


def test_im2row_forward_shows_w_and_tips_follow_the_view():
    ex = W.Im2rowExplorer()
    w = _panel(ex, "w")
    assert _cells(w) == [[_format(v, None) for v in row] for row in ex.state.w]
    assert _cells(_panel(ex, "w_flat")) == [[_format(v, None) for v in ex.state.w.ravel()]]
    tips = set()
    g = W.GradientFlowExplorer()
    for view in ("output", "pixel", "steps", "full"):
        g.view.value = view
        tips.add(g.tip)
        clickable = [p["n"] for p in g.panels if "k" in p]
        if "x" not in [p["n"] for p in g.panels]:
            assert " x " not in g.tip and "of x" not in g.tip, (view, g.tip)
        assert clickable
    assert len(tips) == 4


def test_crosses_and_added_outlines_are_drawn_with_a_halo():
    """Outlines get a white halo under their colour, and a crossed number a halo of its own
    cell's colour over the cross, in the browser (grid.js) and in the still picture."""
    js = (Path(X.__file__).parent / "js" / "grid.js").read_text()
    assert "cnn-box-halo" in js and "cnn-crossed" in js
    ex = W.GradientFlowExplorer()
    with ex.hold():
        ex.view.value, ex.step.value = "steps", 4
    added = [b for b in _panel(ex, "delta")["b"] if b[4] == X._panels.DARK]
    assert len(added) == 4
    svg = X._svg.panels_svg(ex.panels)
    assert svg.count('stroke="#fff" stroke-width="5.5"') == sum(len(p["b"]) for p in ex.panels)


def test_every_number_contrasts_with_its_cell_and_every_outline_with_its_halo():
    """WCAG 2: black or white, whichever contrasts more, gives every cell colour of both
    colour maps at least 4.5:1 (the minimum is 4.58:1); the outline colours reach 3:1
    against the white halo drawn under them."""
    from cnnlib.explorers._svg import colour, contrast, dark

    worst = 21.0
    for signed in (True, False):
        for v in np.linspace(-1, 1, 2001):
            rgb = colour(float(v), -1.0, 1.0, signed)
            ink = (255, 255, 255) if dark(rgb) else (0, 0, 0)
            other = (0, 0, 0) if dark(rgb) else (255, 255, 255)
            assert contrast(ink, rgb) >= contrast(other, rgb)
            worst = min(worst, contrast(ink, rgb))
    assert worst >= 4.5, worst
    assert contrast((255, 255, 255), (0, 0, 0)) == pytest.approx(21.0)
    for name in ("ORANGE", "GREEN", "DARK"):
        hexa = getattr(X._panels, name)
        rgb = tuple(int(hexa[i:i + 2], 16) for i in (1, 3, 5))
        assert contrast(rgb, (255, 255, 255)) >= 3.0, name
