"""Tests of cnnlib/exercises/nb06_im2row.py: notebook 06's checkers.

Pattern: the reference answer passes (returns True); each kind of wrong answer is
rejected with a message that says what is wrong (``match=``).
"""
import numpy as np
import pytest

from cnnlib.conv import conv2d_forward_naive
from cnnlib.exercises import WrongAnswer


# ------------------------------------------------------------- 06: im2row matrices


def _layer_06():
    rng = np.random.default_rng(6)
    x = rng.integers(0, 10, size=(2, 3, 6, 6)).astype(float)
    w = rng.integers(-2, 3, size=(4, 3, 3, 3)).astype(float)
    dout = rng.integers(-2, 3, size=(2, 4, 6, 6)).astype(float)   # stride 1, pad 1: 6x6 out
    return x, w, dout


def test_row2im_overwrite_equals_row2im_without_overlap_only():
    from cnnlib.conv import conv2d_coverage
    from cnnlib.exercises import row2im_overwrite
    from cnnlib.im2row import row2im
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(2 * 3 * 3, 2 * 2 * 2))        # x (2, 2, 6, 6), 2x2 windows, stride 2
    assert np.array_equal(row2im_overwrite(rows, (2, 2, 6, 6), 2, 2, 2), row2im(rows, (2, 2, 6, 6), 2, 2, 2))
    rows = rng.normal(size=(1 * 3 * 3, 1 * 3 * 3))        # x (1, 1, 7, 7), 3x3 windows, stride 2: overlap
    good, bad = row2im(rows, (1, 1, 7, 7), 3, 3, 2), row2im_overwrite(rows, (1, 1, 7, 7), 3, 3, 2)
    shared = conv2d_coverage((7, 7), 3, 2) > 1
    assert np.array_equal(good[0, 0][~shared], bad[0, 0][~shared])
    assert not np.allclose(good[0, 0][shared], bad[0, 0][shared])
    # pixel (2, 2) lies in windows 0, 1, 3, 4: the last one, row 4, entry (0, 0), wins
    assert bad[0, 0, 2, 2] == rows[4, 0]


def test_row2im_overwrite_fails_the_dot_product_test():
    from cnnlib.exercises import row2im_overwrite
    from cnnlib.im2row import im2row
    rng = np.random.default_rng(1)
    x, r = rng.normal(size=(1, 2, 7, 7)), rng.normal(size=(9, 18))
    assert abs(np.sum(im2row(x, 3, 3, 2) * r) - np.sum(x * row2im_overwrite(r, x.shape, 3, 3, 2))) > 1e-3
    with pytest.raises(ValueError, match="rows: expected shape"):
        row2im_overwrite(r[:, :9], x.shape, 3, 3, 2)


def test_check_conv_backward_matrices_accepts_loop_reference():
    from cnnlib.conv import conv2d_backward_naive
    from cnnlib.exercises import check_conv_backward_matrices
    x, w, dout = _layer_06()
    _, cache = conv2d_forward_naive(x, w, np.zeros(4), 1, 1)
    dx, dw, _ = conv2d_backward_naive(dout, cache)
    copies = [v.copy() for v in (x, w, dout)]
    assert check_conv_backward_matrices(dw, dx, x, w, dout, 1, 1)
    for before, after in zip(copies, (x, w, dout)):
        assert np.array_equal(before, after)


def test_check_conv_backward_matrices_names_mistakes():
    from cnnlib.conv import conv2d_backward_naive
    from cnnlib.exercises import check_conv_backward_matrices, row2im_overwrite
    from cnnlib.im2row import im2row, row2im
    x, w, dout = _layer_06()
    _, cache = conv2d_forward_naive(x, w, np.zeros(4), 1, 1)
    dx, dw, _ = conv2d_backward_naive(dout, cache)
    rows = im2row(x, 3, 3, 1, 1)                              # (72, 27)
    d_y = dout.transpose(0, 2, 3, 1).reshape(-1, 4)           # (72, 4)
    d_y_bad = dout.reshape(-1, 4)
    with pytest.raises(WrongAnswer, match="filter axis last"):
        check_conv_backward_matrices((rows.T @ d_y_bad).T.reshape(w.shape), dx, x, w, dout, 1, 1)
    with pytest.raises(WrongAnswer, match="transpose it"):
        check_conv_backward_matrices((rows.T @ d_y).reshape(w.shape), dx, x, w, dout, 1, 1)
    w_col = w.reshape(4, -1).T
    with pytest.raises(WrongAnswer, match="filter axis last"):
        check_conv_backward_matrices(dw, row2im(d_y_bad @ w_col.T, x.shape, 3, 3, 1, 1), x, w, dout, 1, 1)
    with pytest.raises(WrongAnswer, match="overwrote"):
        check_conv_backward_matrices(dw, row2im_overwrite(d_y @ w_col.T, x.shape, 3, 3, 1, 1),
                                     x, w, dout, 1, 1)
    with pytest.raises(WrongAnswer, match="wrong shape"):
        check_conv_backward_matrices(dw, dx[0], x, w, dout, 1, 1)
