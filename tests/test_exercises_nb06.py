"""Tests of notebook 06's checkers (cnnlib/exercises/nb06_*.py) beyond the generic catalogue test.

tests/test_mistake_catalogue.py proves that every catalogued mistake is named exactly by its
mutant; here: the overwriting row2im is wrong exactly where windows overlap, both verdicts of
check_conv_backward_matrices are reported, the dot-product test passes and fails when it
should (and passes a consistently wrong pair, as the notebook says), and the other ways of
writing a mistake (the Variants) are named too.
"""
import numpy as np
import pytest

from cnnlib.conv import conv2d_backward_naive, conv2d_forward_naive
from cnnlib.exercises import (WrongAnswer, adjoint_test, check_conv_backward_matrices, check_im2row, check_row2im,
                              conv_backward_matrices_exercise_data, row2im_overwrite)
from cnnlib.exercises.nb06_im2row import CATALOGUE, row2im_overwrite_by_offset
from cnnlib.exercises.nb06_im2row_pair import columns_from_mqc, columns_mqc
from cnnlib.im2row import im2row, row2im


def _coverage(h, w, k, s):
    """How many k x k windows (stride s) hold each pixel, counted by a loop over the windows."""
    count = np.zeros((h, w), dtype=int)
    for i in range((h - k) // s + 1):
        for j in range((w - k) // s + 1):
            count[s * i:s * i + k, s * j:s * j + k] += 1
    return count


# --------------------------------------------------------------- the overwriting row2im

@pytest.mark.parametrize("overwrite", [row2im_overwrite, row2im_overwrite_by_offset])
def test_an_overwriting_row2im_is_wrong_exactly_where_windows_overlap(overwrite):
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(2 * 3 * 3, 2 * 2 * 2))        # x (2, 2, 6, 6), 2x2 windows, stride 2: no overlap
    assert np.array_equal(overwrite(rows, (2, 2, 6, 6), 2, 2, 2), row2im(rows, (2, 2, 6, 6), 2, 2, 2))
    rows = rng.normal(size=(1 * 3 * 3, 1 * 3 * 3))        # x (1, 1, 7, 7), 3x3 windows, stride 2: overlap
    good, bad = row2im(rows, (1, 1, 7, 7), 3, 3, 2), overwrite(rows, (1, 1, 7, 7), 3, 3, 2)
    shared = _coverage(7, 7, 3, 2) > 1
    assert np.array_equal(good[0, 0][~shared], bad[0, 0][~shared])
    assert np.all(~np.isclose(good[0, 0][shared], bad[0, 0][shared]))
    with pytest.raises(ValueError, match="rows: expected shape"):
        overwrite(rows[:, :4], (1, 1, 7, 7), 3, 3, 2)


def test_the_two_overwrites_keep_different_entries():
    rows = np.arange(9 * 9, dtype=float).reshape(9, 9)
    by_window, by_offset = row2im_overwrite(rows, (1, 1, 7, 7), 3, 3, 2), row2im_overwrite_by_offset(rows, (1, 1, 7, 7), 3, 3, 2)
    # pixel (2, 2) lies in windows 0, 1, 3, 4 at offsets (2, 2), (2, 0), (0, 2), (0, 0)
    assert by_window[0, 0, 2, 2] == rows[4, 0]            # the last window written: row 4, offset (0, 0)
    assert by_offset[0, 0, 2, 2] == rows[0, 8]            # the last offset written: (2, 2), of window 0


def test_row2im_overwrite_fails_the_dot_product_test():
    rng = np.random.default_rng(1)
    x, r = rng.normal(size=(1, 2, 7, 7)), rng.normal(size=(9, 18))
    assert abs(np.sum(im2row(x, 3, 3, 2) * r) - np.sum(x * row2im_overwrite(r, x.shape, 3, 3, 2))) > 1e-3


# ---------------------------------------------------- check_conv_backward_matrices

def _reference():
    x, w, dout, s, p = conv_backward_matrices_exercise_data()
    _, cache = conv2d_forward_naive(x, w, np.zeros(w.shape[0]), s, p)
    dx, dw, _ = conv2d_backward_naive(dout, cache)
    return x, w, dout, s, p, dw, dx


def test_the_matrices_checker_accepts_the_loops_and_leaves_its_inputs_alone():
    x, w, dout, s, p, dw, dx = _reference()
    copies = [v.copy() for v in (x, w, dout)]
    result = check_conv_backward_matrices(dw, dx, x, w, dout, s, p)
    assert result.correct is True and "both match" in result.text
    assert all(np.array_equal(c, v) for c, v in zip(copies, (x, w, dout)))
    assert (x.shape, w.shape, dout.shape, s, p) == ((2, 3, 6, 6), (4, 3, 3, 3), (2, 4, 6, 6), 1, 1)


def test_a_wrong_dw_does_not_hide_a_wrong_dx():
    x, w, dout, s, p, dw, dx = _reference()
    rows = im2row(x, 3, 3, s, p)
    d_y = dout.transpose(0, 2, 3, 1).reshape(-1, 4)
    not_transposed = (rows.T @ d_y).reshape(w.shape)
    overwritten = row2im_overwrite(d_y @ w.reshape(4, -1), x.shape, 3, 3, s, p)
    with pytest.raises(WrongAnswer) as info:
        check_conv_backward_matrices(not_transposed, overwritten, x, w, dout, s, p, strict=True)
    message = str(info.value)
    assert "∂E/∂w: wrong values" in message and "∂E/∂x: wrong values" in message
    assert set(info.value.mistakes) == {"dw_not_transposed", "row2im_overwrite"}
    with pytest.raises(WrongAnswer) as info:
        check_conv_backward_matrices(dw, dx[0], x, w, dout, s, p, strict=True)
    assert "∂E/∂w: right" in str(info.value) and "∂E/∂x: wrong shape" in str(info.value)


def test_unanswered_parts_say_so():
    x, w, dout, s, p, dw, dx = _reference()
    result = check_conv_backward_matrices(None, None, x, w, dout, s, p)
    assert result.status == "not_answered" and "Not answered yet" in result.text
    result = check_conv_backward_matrices(dw, None, x, w, dout, s, p)
    assert result.status == "not_answered"
    out = result.text
    assert "∂E/∂w: right" in out and "∂E/∂x: not answered yet" in out
    with pytest.raises(WrongAnswer, match="∂E/∂x: not answered yet"):
        check_conv_backward_matrices(dw + 1, None, x, w, dout, s, p, strict=True)


# ------------------------------------------------------------- the dot-product test

def test_the_dot_product_test_passes_cnnlibs_pair_and_a_consistently_reordered_one():
    result = adjoint_test(im2row, row2im)
    assert result.correct is True and "passes the dot-product test" in result.text

    def im2row_mqc(x, kh, kw, s, p):
        return columns_mqc(im2row(x, kh, kw, s, p), x.shape[1], kh, kw)

    def row2im_mqc(rows, x_shape, kh, kw, s, p):
        return row2im(columns_from_mqc(rows, x_shape[1], kh, kw), x_shape, kh, kw, s, p)
    assert adjoint_test(im2row_mqc, row2im_mqc).correct is True        # adjoint to each other, both wrong
    with pytest.raises(WrongAnswer):
        check_im2row(im2row_mqc, strict=True)


def test_the_dot_product_test_fails_an_overwriting_row2im_and_a_wrong_shape():
    with pytest.raises(WrongAnswer, match="not the adjoint"):
        adjoint_test(im2row, row2im_overwrite, strict=True)
    with pytest.raises(WrongAnswer, match="row2im returned shape"):
        adjoint_test(im2row, lambda rows, xs, kh, kw, s, p: row2im(rows, xs, kh, kw, s, p)[0], strict=True)

    with pytest.raises(WrongAnswer, match="expected your row2im function"):
        adjoint_test(im2row, row2im(np.zeros((9, 27)), (1, 3, 7, 7), 3, 3, 2), strict=True)

    def template(*args):
        raise NotImplementedError("your turn")
    result = adjoint_test(template, row2im)
    assert result.status == "not_answered" and "Not written yet" in result.text


# ---------------------------------------------------------------- im2row, row2im

def test_im2row_says_what_the_first_wrong_entry_holds():
    with pytest.raises(WrongAnswer) as info:
        check_im2row(lambda x, kh, kw, s, p: im2row(x, kh, kw, s, p) + 1, strict=True)
    assert "row 0 is output n=0, i=0, j=0; column 0 is c=0, m=0, q=0: it holds x_pad[0, 0, 0, 0]" in \
        str(info.value)


def test_im2row_other_ways_of_writing_a_mistake_are_named_too():
    def not_padded_at_all(x, kh, kw, s, p):      # H_out without P as well: fewer rows, no error
        return im2row(x, kh, kw, s, 0)

    def np_pad_loop_over_c(x, kh, kw, s, p):
        x_pad = np.pad(x, p)
        n_img, n_ch = x.shape[:2]
        h_out, w_out = (x.shape[2] + 2 * p - kh) // s + 1, (x.shape[3] + 2 * p - kw) // s + 1
        rows = np.zeros((n_img * h_out * w_out, n_ch * kh * kw))
        for n, i, j in np.ndindex(n_img, h_out, w_out):
            for c in range(n_ch):
                rows[(n * h_out + i) * w_out + j, c * kh * kw:(c + 1) * kh * kw] = \
                    x_pad[n, c, s * i:s * i + kh, s * j:s * j + kw].ravel()
        return rows
    for fn, key in [(not_padded_at_all, "padding_forgotten"), (np_pad_loop_over_c, "np_pad_all_axes")]:
        with pytest.raises(WrongAnswer) as info:
            check_im2row(fn, strict=True)
        assert info.value.mistakes == (key,)


def test_row2im_overwriting_offset_by_offset_is_named_too():
    with pytest.raises(WrongAnswer) as info:
        check_row2im(row2im_overwrite_by_offset, strict=True)
    assert info.value.mistakes == ("overwrite_where_windows_overlap",)


def test_the_catalogue_of_notebook_06():
    keys = {k: {m.key for m in v} for k, v in CATALOGUE.items()}
    assert sorted(keys) == ["check_conv_backward_matrices", "check_im2row", "check_row2im"]
    assert {"column_order_mqc", "rows_i_j_swapped", "padding_forgotten"} <= keys["check_im2row"]
    assert {"overwrite_where_windows_overlap", "column_order_mqc"} <= keys["check_row2im"]
    assert {"dw_not_transposed", "dy_reshape_without_moving_f", "row2im_overwrite"} <= \
        keys["check_conv_backward_matrices"]
    assert sum(len(v) for v in CATALOGUE.values()) == 22


def test_every_checker_of_notebook_06_has_hints_in_levels_that_start_at_a_section():
    from cnnlib.exercises.nb06_im2row import HINTS
    assert sorted(HINTS) == sorted(CATALOGUE)
    for name, levels in HINTS.items():
        assert 2 <= len(levels) <= 4 and all(isinstance(h, str) and h for h in levels), name
        assert levels[0].startswith("Notebook 06 §"), name
