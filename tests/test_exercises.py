"""Tests for cnnlib/exercises.py: each checker accepts the right answer and rejects
wrong ones with a message that says what is wrong (shape, values, a known mistake).

Pattern for new checkers: one test that the reference answer passes (returns True),
one per kind of wrong answer, matching a piece of the message with ``match=``.
"""
import numpy as np
import pytest

from cnnlib.conv import conv2d_forward_naive, conv_output_shape
from cnnlib.correlate import convolve2d, cross_correlate2d, rot180
from cnnlib.data import teaching_example
from cnnlib.exercises import (WrongAnswer, check_conv_output_cell, check_conv_output_shape,
                              check_convolution_via_correlation, check_seed_network_shapes,
                              compare_answer, seed_network_shapes)

# ------------------------------------------------------------- compare_answer


def test_compare_answer_accepts_equal_and_prints(capsys):
    assert compare_answer("a", [[1, 2], [3, 4]], np.array([[1.0, 2.0], [3.0, 4.0]])) is True
    assert "Correct: a" in capsys.readouterr().out


def test_compare_answer_quiet_prints_nothing(capsys):
    assert compare_answer("a", 1.0, 1.0, quiet=True) is True
    assert capsys.readouterr().out == ""


def test_compare_answer_wrong_shape_says_expected_and_given():
    with pytest.raises(WrongAnswer, match=r"wrong shape: expected \(2, 3\), given \(3, 2\)"):
        compare_answer("a", np.zeros((3, 2)), np.zeros((2, 3)))


def test_compare_answer_wrong_values_names_the_worst_entry():
    expected = np.arange(12.0).reshape(3, 4)
    given = expected.copy()
    given[1, 2] += 5
    given[2, 0] -= 0.5
    with pytest.raises(WrongAnswer) as info:
        compare_answer("a", given, expected)
    msg = str(info.value)
    assert "2 of 12 entries differ" in msg
    assert "first wrong entry a[1, 2]: given 11, expected 6" in msg   # row-major first, not (2, 0)


def test_compare_answer_scalar_message_does_not_give_the_answer_away():
    with pytest.raises(WrongAnswer, match="given 3") as info:
        compare_answer("s", 3, 4)
    assert "4" not in str(info.value)
    with pytest.raises(WrongAnswer, match="given 3, expected 4"):
        compare_answer("s", 3, 4, reveal=True)


def test_compare_answer_names_entries_by_letters():
    with pytest.raises(WrongAnswer, match=r"dw\[f=0, c=1\]: given 1, expected 0"):
        compare_answer("dw", np.array([[0.0, 1.0], [1.0, 0.0]]),
                       np.zeros((2, 2)), letters="f c", reveal=True)


def test_compare_answer_rejects_nan_and_non_numbers():
    with pytest.raises(WrongAnswer, match="NaN or infinite"):
        compare_answer("a", [1.0, np.nan], [1.0, 2.0])
    with pytest.raises(WrongAnswer, match="expected numbers"):
        compare_answer("a", "hello", [1.0])


def test_compare_answer_names_a_known_mistake_only_when_it_matches():
    expected, typo = np.array([1.0, 2.0]), np.array([2.0, 1.0])
    with pytest.raises(WrongAnswer, match="Hint: swapped"):
        compare_answer("a", typo, expected, known_mistakes=[(typo, "swapped")])
    with pytest.raises(WrongAnswer) as info:
        compare_answer("a", [0.0, 0.0], expected, known_mistakes=[(typo, "swapped")])
    assert "Hint" not in str(info.value)


def test_compare_answer_lists_every_matching_mistake():
    with pytest.raises(WrongAnswer, match="each of these mistakes(.|\n)*- first(.|\n)*- second"):
        compare_answer("a", 0.0, 1.0, known_mistakes=[(0.0, "first"), (0.0, "second"), (2.0, "third")])


def test_wrong_answer_is_an_assertion_error():
    assert issubclass(WrongAnswer, AssertionError)


# ------------------------------------------------------ 00: the seed network


def test_seed_network_shapes_follow_seed_004():
    assert seed_network_shapes() == [(1, 1, 28, 28), (1, 3, 26, 26), (1, 3, 26, 26), (1, 3, 13, 13),
                                     (1, 10, 10, 10), (1, 10, 10, 10), (1, 10, 5, 5), (1, 10)]


def test_check_seed_network_shapes():
    assert check_seed_network_shapes(seed_network_shapes())
    wrong = seed_network_shapes()
    wrong[3] = (1, 3, 14, 14)
    with pytest.raises(WrongAnswer, match=r"pool1: expected \(1, 3, 13, 13\), given \(1, 3, 14, 14\)"):
        check_seed_network_shapes(wrong)
    with pytest.raises(WrongAnswer, match="expected 8 shapes"):
        check_seed_network_shapes(seed_network_shapes()[:5])


# ------------------------------------------------------------- 01: the flip

IMAGE = np.array([[1.0, 2, 0, 3], [4, 1, 2, 0], [0, 3, 1, 1]])
KERNEL = np.array([[1.0, 2], [-1, 0]])


@pytest.mark.parametrize("mode", ["valid", "full"])
def test_check_convolution_accepts_rotated_correlation(mode):
    answer = cross_correlate2d(IMAGE, rot180(KERNEL), mode)
    assert check_convolution_via_correlation(answer, IMAGE, KERNEL, mode)


@pytest.mark.parametrize("kernel, hint", [
    (KERNEL, "not rotated"),
    (KERNEL[::-1, :], "up-down only"),
    (KERNEL[:, ::-1], "left-right only"),
    (KERNEL.T, "transposed"),
])
def test_check_convolution_names_the_flip_mistake(kernel, hint):
    with pytest.raises(WrongAnswer, match=hint):
        check_convolution_via_correlation(cross_correlate2d(IMAGE, kernel, "full"), IMAGE, KERNEL, "full")


def test_check_convolution_wrong_mode_shape():
    with pytest.raises(WrongAnswer, match=r"expected \(4, 5\), given \(2, 3\)\n.*valid result"):
        check_convolution_via_correlation(convolve2d(IMAGE, KERNEL, "valid"), IMAGE, KERNEL, "full")


def test_check_convolution_does_not_change_inputs():
    image, kernel = IMAGE.copy(), KERNEL.copy()
    check_convolution_via_correlation(convolve2d(image, kernel, "full"), image, kernel, "full")
    assert np.array_equal(image, IMAGE) and np.array_equal(kernel, KERNEL)


# ------------------------------------------------------- 02: the conv layer


def test_check_conv_output_shape():
    ex = teaching_example()
    assert check_conv_output_shape((1, 1, 3, 3), ex.x.shape, ex.w.shape, ex.stride, ex.pad)
    assert check_conv_output_shape(conv_output_shape((2, 3, 32, 32), (6, 3, 5, 5), 1, 2),
                                   (2, 3, 32, 32), (6, 3, 5, 5), 1, 2)
    with pytest.raises(WrongAnswer, match="stride was left out"):
        check_conv_output_shape((1, 1, 5, 5), ex.x.shape, ex.w.shape, 2, 0)
    with pytest.raises(WrongAnswer, match="padding was left out"):
        check_conv_output_shape((2, 6, 28, 28), (2, 3, 32, 32), (6, 3, 5, 5), 1, 2)
    with pytest.raises(WrongAnswer, match="one entry per filter"):
        check_conv_output_shape((2, 3, 32, 32), (2, 3, 32, 32), (6, 3, 5, 5), 1, 2)
    with pytest.raises(WrongAnswer, match=r"expected 4 numbers"):
        check_conv_output_shape((3, 3), ex.x.shape, ex.w.shape, 2, 0)
    with pytest.raises(WrongAnswer, match="whole numbers"):
        check_conv_output_shape((1, 1, 3.5, 3.5), ex.x.shape, ex.w.shape, 2, 0)


@pytest.fixture
def layer():
    ex = teaching_example(channels=2, filters=2, seed=1)
    b = ex.b + 1  # make sure no bias is zero, so a forgotten bias is visible
    out, _ = conv2d_forward_naive(ex.x, ex.w, b, 2, 1)
    return ex.x, ex.w, b, out


def test_check_conv_output_cell_accepts_reference(layer):
    x, w, b, out = layer
    for (i, j) in [(0, 0), (1, 2), (3, 3)]:
        assert check_conv_output_cell(out[0, 1, i, j], x, w, b, 2, 1, 0, 1, i, j)


def test_check_conv_output_cell_names_mistakes(layer):
    x, w, b, out = layer
    with pytest.raises(WrongAnswer, match="bias"):
        check_conv_output_cell(out[0, 1, 1, 2] - b[1], x, w, b, 2, 1, 0, 1, 1, 2)
    x_pad = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    no_stride = np.sum(x_pad[0, :, 1:4, 2:5] * w[1]) + b[1]
    flipped = np.sum(x_pad[0, :, 2:5, 4:7] * w[1, :, ::-1, ::-1]) + b[1]
    right, no_bias = out[0, 1, 1, 2], out[0, 1, 1, 2] - b[1]
    assert len({float(v) for v in (right, no_bias, no_stride, flipped)}) == 4, "mistakes must differ here"
    with pytest.raises(WrongAnswer, match="stride was left out"):
        check_conv_output_cell(no_stride, x, w, b, 2, 1, 0, 1, 1, 2)
    with pytest.raises(WrongAnswer, match="flipped"):
        check_conv_output_cell(flipped, x, w, b, 2, 1, 0, 1, 1, 2)
    with pytest.raises(WrongAnswer, match=r"out\[0, 1, 1, 2\]: wrong value: given"):
        check_conv_output_cell(out[0, 1, 1, 2] + 0.25, x, w, b, 2, 1, 0, 1, 1, 2)


# ------------------------------------------- 03/04: kernel, bias and input gradient checkers

def _gradients_3_4(x, w, dout, stride, pad):
    from cnnlib.conv import conv2d_backward_naive
    _, cache = conv2d_forward_naive(x[None, None], w[None, None], np.zeros(1), stride, pad)
    dx, dw, _ = conv2d_backward_naive(dout[None, None], cache)
    return dx[0, 0], dw[0, 0]


def test_check_kernel_gradient_accepts_reference_and_names_mistakes():
    from cnnlib.correlate import dilate
    from cnnlib.exercises import check_kernel_gradient
    ex = teaching_example(seed=3)
    x, w, d = ex.x[0, 0], ex.w[0, 0], ex.dout[0, 0]
    _, dw = _gradients_3_4(x, w, d, 2, 0)
    assert check_kernel_gradient(dw, x, d, (3, 3), 2)
    assert check_kernel_gradient(cross_correlate2d(x, dilate(d, 2)), x, d, (3, 3), 2)
    with pytest.raises(WrongAnswer, match="rotated by 180"):
        check_kernel_gradient(cross_correlate2d(x, rot180(dilate(d, 2))), x, d, (3, 3), 2)
    with pytest.raises(WrongAnswer, match="not dilated|dilate"):
        check_kernel_gradient(cross_correlate2d(x, d), x, d, (3, 3), 2)
    with pytest.raises(WrongAnswer, match="stride was ignored"):
        check_kernel_gradient(cross_correlate2d(x, d)[:3, :3], x, d, (3, 3), 2)
    with pytest.raises(WrongAnswer, match="deltas are missing"):
        check_kernel_gradient(cross_correlate2d(x, dilate(np.ones_like(d), 2)), x, d, (3, 3), 2)
    with pytest.raises(WrongAnswer, match="wrong values"):
        check_kernel_gradient(dw + 0.5, x, d, (3, 3), 2)


def test_check_bias_gradient():
    from cnnlib.exercises import check_bias_gradient
    dout = np.arange(2 * 3 * 2 * 2, dtype=float).reshape(2, 3, 2, 2) - 10
    assert check_bias_gradient(dout.sum(axis=(0, 2, 3)), dout)
    with pytest.raises(WrongAnswer, match="mean"):
        check_bias_gradient(dout.mean(axis=(0, 2, 3)), dout)
    with pytest.raises(WrongAnswer, match="first image"):
        check_bias_gradient(dout[0].sum(axis=(1, 2)), dout)
    with pytest.raises(WrongAnswer, match="wrong shape"):
        check_bias_gradient(dout.sum(), dout)


def test_check_input_gradient_accepts_reference_and_names_mistakes():
    from cnnlib.correlate import dilate
    from cnnlib.exercises import check_input_gradient
    rng = np.random.default_rng(7)
    w = rng.integers(-2, 3, size=(3, 3)).astype(float)
    d = rng.integers(-2, 3, size=(4, 4)).astype(float)    # 8x8 input, pad 1, stride 2 -> 4x4
    dx, _ = _gradients_3_4(np.zeros((8, 8)), w, d, 2, 1)
    assert check_input_gradient(dx, d, w, (8, 8), 2, 1)
    full = cross_correlate2d(dilate(d, 2), rot180(w), "full")        # (9, 9): rows 0..8 of the 10x10 x_pad
    with pytest.raises(WrongAnswer, match="before cropping"):
        check_input_gradient(full, d, w, (8, 8), 2, 1)
    with pytest.raises(WrongAnswer, match="not dilated"):
        check_input_gradient(cross_correlate2d(d, rot180(w), "full"), d, w, (8, 8), 2, 1)
    padded = np.pad(full, ((0, 1), (0, 1)))                          # (10, 10) = x_pad
    with pytest.raises(WrongAnswer, match="padding was not cropped"):
        check_input_gradient(padded, d, w, (8, 8), 2, 1)
    with pytest.raises(WrongAnswer, match="no window reads"):
        check_input_gradient(full[1:-1, 1:-1], d, w, (8, 8), 2, 1)
    not_rotated = np.pad(cross_correlate2d(dilate(d, 2), w, "full"), ((0, 1), (0, 1)))[1:-1, 1:-1]
    with pytest.raises(WrongAnswer, match="not rotated"):
        check_input_gradient(not_rotated, d, w, (8, 8), 2, 1)
    with pytest.raises(WrongAnswer, match="wrong values"):
        check_input_gradient(dx + 1.0, d, w, (8, 8), 2, 1)


# ------------------------------------------------------------- 05: conv -> relu -> pool


def _chain_05():
    """The exercise of notebook 05: a window that is all negative (ties of zeros after ReLU)."""
    rng = np.random.default_rng(21)
    x = rng.integers(-3, 6, size=(5, 5)).astype(float)
    w = np.array([[1., -1.], [2., 0.]])
    delta_p = np.array([[1., -2.], [3., 1.]])
    return x, w, 0.5, delta_p


def _chain_05_dw(x, w, b, delta_p, mode="max"):
    """∂E/∂w by the loop versions, with the pooling backward chosen by ``mode``."""
    from cnnlib.conv import conv2d_backward_naive
    from cnnlib.pool import (avgpool2d_backward_naive, avgpool2d_forward_naive,
                             maxpool2d_backward_naive, maxpool2d_forward_naive)
    z, cache = conv2d_forward_naive(x[None, None], w[None, None], np.array([b]))
    a = np.maximum(z, 0)
    if mode == "max":
        da = maxpool2d_backward_naive(delta_p[None, None], maxpool2d_forward_naive(a, 2)[1])
    else:
        da = avgpool2d_backward_naive(delta_p[None, None], avgpool2d_forward_naive(a, 2)[1])
    return conv2d_backward_naive(da * (z > 0), cache)[1][0, 0], z[0, 0], da[0, 0]


def test_check_conv_relu_pool_dw_accepts_reference():
    from cnnlib.exercises import check_conv_relu_pool_dw
    x, w, b, delta_p = _chain_05()
    dw, _, _ = _chain_05_dw(x, w, b, delta_p)
    copies = [v.copy() for v in (x, w, delta_p)]
    assert check_conv_relu_pool_dw(dw, x, w, b, delta_p)
    assert check_conv_relu_pool_dw(dw.tolist(), x, w, b, delta_p)
    for before, after in zip(copies, (x, w, delta_p)):
        assert np.array_equal(before, after)


def test_check_conv_relu_pool_dw_names_mistakes():
    from cnnlib.exercises import check_conv_relu_pool_dw
    x, w, b, delta_p = _chain_05()
    dw, z, da = _chain_05_dw(x, w, b, delta_p)
    no_mask = cross_correlate2d(x, da)
    assert not np.allclose(no_mask, dw)
    with pytest.raises(WrongAnswer, match="ReLU mask was forgotten"):
        check_conv_relu_pool_dw(no_mask, x, w, b, delta_p)
    dw_avg, _, _ = _chain_05_dw(x, w, b, delta_p, mode="avg")
    with pytest.raises(WrongAnswer, match="average pooling"):
        check_conv_relu_pool_dw(dw_avg, x, w, b, delta_p)
    with pytest.raises(WrongAnswer, match="convolution"):
        check_conv_relu_pool_dw(convolve2d(x, da * (z > 0)), x, w, b, delta_p)
    with pytest.raises(WrongAnswer, match="wrong shape"):
        check_conv_relu_pool_dw(np.zeros((3, 3)), x, w, b, delta_p)
    with pytest.raises(WrongAnswer, match="wrong values"):
        check_conv_relu_pool_dw(dw + 1.0, x, w, b, delta_p)


def test_check_conv_relu_pool_dw_names_every_tied_max():
    from cnnlib.exercises import check_conv_relu_pool_dw
    # a flat input with a positive bias: every pooling window is a four-way tie of b
    x, w, b, delta_p = np.zeros((5, 5)), np.array([[1., -1.], [2., 0.]]), 0.5, np.array([[1., -2.], [3., 1.]])
    dw, _, _ = _chain_05_dw(x, w, b, delta_p)
    assert check_conv_relu_pool_dw(dw, x, w, b, delta_p)
    x = np.arange(25.0).reshape(5, 5) % 2          # ties of positive values inside windows
    dw, z, _ = _chain_05_dw(x, w, b, delta_p)
    a = np.maximum(z, 0)
    p_up = np.repeat(np.repeat(a.reshape(2, 2, 2, 2).max(axis=(1, 3)), 2, 0), 2, 1)   # (4, 4)
    all_ties = np.where(a == p_up, np.repeat(np.repeat(delta_p, 2, 0), 2, 1), 0.0) * (z > 0)
    wrong = cross_correlate2d(x, all_ties)
    assert not np.allclose(wrong, dw)
    with pytest.raises(WrongAnswer, match="every tied maximum"):
        check_conv_relu_pool_dw(wrong, x, w, b, delta_p)


def test_check_conv_relu_pool_dw_rejects_bad_input():
    from cnnlib.exercises import check_conv_relu_pool_dw
    x, w, b, delta_p = _chain_05()
    with pytest.raises(ValueError, match="2-D"):
        check_conv_relu_pool_dw(np.zeros((2, 2)), x[None], w, b, delta_p)
    with pytest.raises(ValueError, match="dout"):
        check_conv_relu_pool_dw(np.zeros((2, 2)), x, w, b, np.zeros((3, 3)))


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
