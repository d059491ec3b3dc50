"""What the function checkers say about answers that are right in part, or not the learner's own:

- results returned in the other order ((db, dw) for (dw, db)), or an output with its axes
  transposed ((C, N) for (N, C)): named, not "no typical mistake";
- a function that raises on some geometries and returns wrong values on others: both reported,
  so no geometry that went wrong is taken for passing;
- the learner's line quoted on a line of its own; tables whose columns line up in text and HTML;
- the reference and its results not reachable by a public attribute;
- a function that calls the cnnlib function computing the answer, or finite differences, gets a
  note on its "Correct".

Every learner function here is written as a learner would write it (loops over the equation),
with the slip in it; none calls the checker's reference.
"""
import re
import sys

import numpy as np
import pytest

from cnnlib.conv import conv2d_backward_naive, conv2d_forward, conv2d_forward_naive
from cnnlib.exercises import (adjoint_test, check_input_gradient_by_correlation, check_kernel_and_bias_gradient,
                              check_pixel_gradient, compare_answer)
from cnnlib.exercises.display import table, to_html, wrap_text
from cnnlib.exercises.evidence import axes_order, relation, shape_order
from cnnlib.exercises.shortcuts import Watch
from cnnlib.gradcheck import numerical_vjp
from cnnlib.im2row import im2row, row2im


# ----------------------------------------------------------------- learner-style functions

def kernel_and_bias_loops(dout, x, w_shape, stride, pad, pad_x=True):
    F, C, KH, KW = w_shape
    N, _, H_out, W_out = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))) if pad_x else x
    dw, db = np.zeros(w_shape), np.zeros(F)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    dw[f] += dout[n, f, i, j] * x_pad[n, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
                    db[f] += dout[n, f, i, j]
    return dw, db


def returns_db_dw(dout, x, w_shape, stride, pad):
    dw, db = kernel_and_bias_loops(dout, x, w_shape, stride, pad)
    return db, dw


def returns_db_dw_with_db_doubled(dout, x, w_shape, stride, pad):
    dw, db = kernel_and_bias_loops(dout, x, w_shape, stride, pad)
    return 2 * db, dw


def padding_forgotten(dout, x, w_shape, stride, pad):
    return kernel_and_bias_loops(dout, x, w_shape, stride, pad, pad_x=False)


def pixel_loops(dout, w, stride, pad, u, v, order="nc"):
    N, F, H_out, W_out = dout.shape
    _, C, KH, KW = w.shape
    g = np.zeros((N, C) if order == "nc" else (C, N))
    for n in range(N):
        for c in range(C):
            for f in range(F):
                for i in range(H_out):
                    for j in range(W_out):
                        m, q = u + pad - stride * i, v + pad - stride * j
                        if 0 <= m < KH and 0 <= q < KW:
                            g[(n, c) if order == "nc" else (c, n)] += dout[n, f, i, j] * w[f, c, m, q]
    return g


def pixel_as_c_n(dout, w, stride, pad, u, v):
    return pixel_loops(dout, w, stride, pad, u, v, order="cn")


# ----------------------------------------------------------------- item 8: order of outputs and axes

def test_results_in_the_other_order_are_named_and_otherwise_right():
    result = check_kernel_and_bias_gradient(returns_db_dw)
    assert result.status == "wrong"
    assert result.lines[0] == ("Not yet: kernel_and_bias_gradient: your results look like (db, dw), in the other "
                               "order: in the order (dw, db) they are right on all 6 geometries.")
    assert "`return dw, db`" in result.text and "No typical mistake" not in result.text


def test_results_in_the_other_order_are_judged_as_the_outputs_they_look_like():
    result = check_kernel_and_bias_gradient(returns_db_dw_with_db_doubled)
    text = result.text
    assert "your results look like (db, dw), in the other order (their shapes say so)" in text
    assert "db: right on all 6 geometries" not in text and "dw: right on all 6 geometries." in text
    assert "db is exactly 2 times the right one" in " ".join(text.split())
    assert "wrong shape" not in text


def test_right_numbers_with_axes_transposed_are_named_on_every_geometry():
    assert check_pixel_gradient(pixel_loops).correct
    result = check_pixel_gradient(pixel_as_c_n)
    flat = " ".join(result.text.split())
    assert "given (3, 2): the right numbers, with the axes in the order (C, N): a transpose" in flat
    assert "g holds the right numbers with its axes in the order (C, N) instead of (N, C)" in flat
    assert "No typical mistake" not in flat and "C = F = 1" not in flat   # no split next to the transpose


def test_same_sizes_in_another_order_that_are_not_a_transpose_say_so():
    def reshaped(dout, w, x_shape, stride, pad):   # dx (N, C, H, W) reshaped, not transposed, to (C, N, ...)
        dx = input_gradient_loops(dout, w, x_shape, stride, pad)
        return dx.reshape(dx.shape[1], dx.shape[0], *dx.shape[2:])
    flat = " ".join(check_input_gradient_by_correlation(reshaped).text.split())
    assert "the sizes of (C, N, H, W): axes transposed, or a reshape in the wrong order?" in flat
    assert "the numbers are not the right ones transposed" in flat
    assert "too large" not in flat


def input_gradient_loops(dout, w, x_shape, stride, pad):
    N, C, H, W = x_shape
    F, _, KH, KW = w.shape
    dx_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    for n in range(N):
        for f in range(F):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    dx_pad[n, :, i * stride:i * stride + KH, j * stride:j * stride + KW] += dout[n, f, i, j] * w[f]
    return dx_pad[:, :, pad:pad + H, pad:pad + W]


def test_a_result_with_fewer_axes_does_not_crash_the_diagnosis():
    # np.swapaxes on the right answer with the learner's number of axes raised AxisError before
    assert relation(np.zeros(3) + 1, np.arange(54.0).reshape(3, 2, 3, 3)) is None
    assert axes_order(np.arange(6.0).reshape(3, 2), np.arange(6.0).reshape(2, 3)) is None   # a reshape, not a transpose


def test_axes_order_and_shape_order():
    a = np.arange(24.0).reshape(2, 3, 4)
    assert axes_order(np.transpose(a, (1, 0, 2)), a) == (1, 0, 2)
    assert axes_order(a.reshape(3, 2, 4), a) is None
    assert shape_order((3, 2, 4), (2, 3, 4)) == (1, 0, 2)
    assert shape_order((2, 3, 4), (2, 3, 4)) is None and shape_order((6, 4), (2, 3, 4)) is None


def test_the_value_checkers_name_a_transpose_too():
    expected = np.arange(6.0).reshape(2, 3)
    result = compare_answer("g", expected.T, expected, letters="n c")
    assert "the right numbers, with the axes in the order (c, n): a transpose" in " ".join(result.text.split())
    result = compare_answer("g", expected.reshape(3, 2), expected, letters="n c")
    assert "axes transposed, or a reshape in the wrong order?" in " ".join(result.text.split())


# ----------------------------------------------------------------- item 9: crashes and values together

def test_values_are_reported_where_a_function_that_raises_elsewhere_ran():
    result = check_kernel_and_bias_gradient(padding_forgotten)
    lines = result.lines
    assert lines[0].startswith("Not yet: kernel_and_bias_gradient failed on 2 of 6 geometries; the first is "
                               "geometry 3")
    assert lines[0].endswith("Where it ran, it returned wrong values on 2 more (geometries 0 and 4).")
    assert "  Where it ran, the values are wrong too: on geometries 0 and 4 (right on geometries 1 and 2)." in lines
    assert any(line.startswith("      54 of 54 entries differ; the first is dw[f=0, c=0, m=0, q=0]: given 27, "
                               "expected -40") for line in lines)
    assert "    db: right on all 4 geometries where it ran." in lines


def test_a_function_that_raises_somewhere_and_is_right_elsewhere_says_so():
    def stride_one_only(dout, x, w_shape, stride, pad):
        if stride != 1:
            raise ValueError("only stride 1 so far")
        return kernel_and_bias_loops(dout, x, w_shape, stride, pad)
    result = check_kernel_and_bias_gradient(stride_one_only)
    assert "Where it ran (geometry 3), it returned the right values." in result.text
    assert "more (" not in result.lines[0]


# ----------------------------------------------------------------- item 10: wrapping and tables

def test_the_learners_line_is_quoted_on_a_line_of_its_own():
    def window_one_too_wide(dout, x, w_shape, stride, pad):
        F, C, KH, KW = w_shape
        x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
        dw, db = np.zeros(w_shape), np.zeros(F)
        for n in range(dout.shape[0]):
            for f in range(F):
                for i in range(dout.shape[2]):
                    for j in range(dout.shape[3]):
                        dw[f] += dout[n, f, i, j] * x_pad[n, :, i * stride:i * stride + KH, j * stride:j * stride + KW + 1]
        return dw, db
    result = check_kernel_and_bias_gradient(window_one_too_wide)
    text = result.text
    assert re.search(r"\n  It happened in line \d+ of window_one_too_wide:\n    `dw\[f\] \+= .*KW \+ 1\]`\n", text)
    assert not any(line.strip() in ("at", "at line") or line.rstrip().endswith(" at") for line in text.splitlines())
    assert "<code>dw[f] += dout[n, f, i, j] * x_pad" in result._repr_html_()


def _column_starts(line):
    return [m.start() for m in re.finditer(r"(?<=  )\S", line)]


def test_a_table_lines_up_its_header_and_columns():
    lines = table([("geometry", "<im2row(x), G>", "<x, row2im(G)>", ""),
                   ("x (1, 3, 7, 7), 3x3 windows, stride 2, pad 0", "19.150735", "-5.761927", "DIFFERENT"),
                   ("x (2, 2, 5, 6), 3x2 windows, stride 1, pad 1", "139.503101", "6.9", "equal")])
    # the numbers are right-aligned under their header: every row's number columns end where the header's end
    header_ends = [m.end() for m in re.finditer(r"<[^>]*>", lines[0])]
    for line in lines[1:]:
        number_ends = [m.end() for m in re.finditer(r"-?\d+\.\d+", line)]
        assert number_ends == header_ends
    # the text keeps them as they are, and the HTML shows the same characters in a fixed-width block
    assert wrap_text(lines, 40).splitlines() == [line.rstrip() for line in lines]
    html = to_html("wrong", ["Not yet: a table"] + lines)
    shown = [m.group(1) for m in re.finditer(r'<pre class="cnnlib-check__line"[^>]*>(.*?)</pre>', html)]
    assert shown == [line.strip().replace("<", "&lt;").replace(">", "&gt;") for line in lines]


def test_the_adjoint_test_table_is_aligned():
    lines = adjoint_test(im2row, row2im).text.splitlines()
    header, rows = lines[1], lines[2:5]
    ends = [m.end() for m in re.finditer(r"<[^>]*>", header)]
    for row in rows:
        assert [m.end() for m in re.finditer(r"-?\d+\.\d+", row)] == ends


# ----------------------------------------------------------------- loopholes: the answers stay private

@pytest.mark.parametrize("name", ["expected", "reference", "answer", "solution"])
def test_the_checker_does_not_give_out_the_answers(name):
    with pytest.raises(AttributeError, match="does not give out the right answers"):
        getattr(check_kernel_and_bias_gradient, name)
    public = [a for a in dir(check_kernel_and_bias_gradient) if not a.startswith("_")]
    assert not {"expected", "reference", "_ref"} & set(public)


def test_seed_network_shapes_is_not_exported():
    import cnnlib.exercises as exercises
    assert not hasattr(exercises, "seed_network_shapes")


# ----------------------------------------------------------------- loopholes: calling cnnlib's answer

def calls_cnnlib(dout, x, w_shape, stride, pad):
    _, cache = conv2d_forward_naive(x, np.zeros(w_shape), np.zeros(w_shape[0]), stride, pad)
    _, dw, db = conv2d_backward_naive(dout, cache)
    return dw, db


def test_calling_the_cnnlib_function_that_computes_the_answer_is_noted():
    result = check_kernel_and_bias_gradient(calls_cnnlib)
    assert result.correct   # the numbers are right; the note says what they do not show
    assert result.lines[0].endswith("(read the note at the end):")
    assert result.lines[-1].startswith("  Note: your function calls cnnlib's `conv2d_backward_naive` (on all 6 "
                                       "geometries), the function that computes this answer: the exercise is to "
                                       "write it yourself")


def test_calling_it_on_some_geometries_names_them():
    def half_own(dout, x, w_shape, stride, pad):
        if stride > 1:
            return calls_cnnlib(dout, x, w_shape, stride, pad)
        return kernel_and_bias_loops(dout, x, w_shape, stride, pad)
    assert "(on geometry 3)" not in check_kernel_and_bias_gradient(half_own).text   # stride 1 is geometry 3 only
    assert "on geometries 0, 1, 2, 4 and 5" in " ".join(check_kernel_and_bias_gradient(half_own).text.split())


def test_finite_differences_with_cnnlib_are_noted():
    def by_finite_differences(dout, x, w_shape, stride, pad):
        w0, b0 = np.zeros(w_shape), np.zeros(w_shape[0])
        dw = numerical_vjp(lambda w: conv2d_forward(x, w, b0, stride, pad)[0], w0, dout)
        db = numerical_vjp(lambda b: conv2d_forward(x, w0, b, stride, pad)[0], b0, dout)
        return dw, db
    result = check_kernel_and_bias_gradient(by_finite_differences)
    assert result.correct
    notes = [line for line in result.lines if "Note:" in line]
    assert len(notes) == 1 and "cnnlib's `numerical_vjp`: finite differences" in notes[0]   # not numerical_gradient too


def test_own_finite_differences_that_are_inexact_are_noted():
    def own_finite_differences(dout, x, w_shape, stride, pad, h=1e-5):
        w = np.random.default_rng(0).normal(size=w_shape)   # around some kernel: not exact
        b = np.zeros(w_shape[0])

        def loss(w, b):
            return np.sum(conv2d_forward(x, w, b, stride, pad)[0] * dout)
        dw, db = np.zeros(w_shape), np.zeros(w_shape[0])
        for idx in np.ndindex(*w_shape):
            e = np.zeros(w_shape)
            e[idx] = h
            dw[idx] = (loss(w + e, b) - loss(w - e, b)) / (2 * h)
        for f in range(w_shape[0]):
            e = np.zeros(w_shape[0])
            e[f] = h
            db[f] = (loss(w, b + e) - loss(w, b - e)) / (2 * h)
        return dw, db
    result = check_kernel_and_bias_gradient(own_finite_differences)
    assert result.correct
    assert "Note: your numbers are within the tolerance, but not exact" in result.text
    assert "what finite differences give" in " ".join(result.text.split())


def test_a_right_loop_answer_gets_no_note():
    result = check_kernel_and_bias_gradient(kernel_and_bias_loops)
    assert result.correct and "Note:" not in result.text and "read the note" not in result.text


def test_a_wrong_answer_that_calls_cnnlib_is_judged_without_the_note():
    def rotated(dout, x, w_shape, stride, pad):
        return calls_cnnlib(dout[:, :, ::-1, ::-1], x, w_shape, stride, pad)
    result = check_kernel_and_bias_gradient(rotated)
    assert not result.correct and "Note: your function calls" not in result.text


def test_the_watch_leaves_a_profiler_alone_and_restores_the_hook():
    calls = []

    def profiler(frame, event, arg):
        calls.append(event)
    sys.setprofile(profiler)
    try:
        with Watch("kernel_and_bias_gradient") as watch:
            watch.next_call()
            calls_cnnlib(*check_kernel_and_bias_gradient.case(1).values())
        assert sys.getprofile() is profiler and watch.seen == {}
    finally:
        sys.setprofile(None)
    with Watch("kernel_and_bias_gradient") as watch:
        watch.next_call()
        calls_cnnlib(*check_kernel_and_bias_gradient.case(1).values())
    assert sys.getprofile() is None and watch.seen == {"conv2d_backward_naive": [0]}
