"""im2row and its adjoint row2im."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlib.conv import conv2d_coverage
from cnnlib.correlate import pad2d
from cnnlib.gradcheck import check_close
from cnnlib.im2row import im2row, row2im

# (x shape, KH, KW, stride, pad)
CONFIGS = [
    ((2, 3, 7, 7), 3, 3, 2, 0),
    ((1, 2, 6, 5), 3, 2, 1, 1),
    ((2, 1, 8, 7), 3, 3, 2, 1),           # the stride does not tile
    ((1, 2, 7, 9), 2, 3, (2, 3), (1, 0)),
    ((2, 2, 5, 6), 1, 1, 3, 2),
    ((1, 3, 4, 4), 4, 4, 1, 0),
    ((1, 2, 7, 9), 2, 2, 3, 0),           # stride > kernel: gaps
]
IDS = [f"x{c[0]}-k{c[1]}x{c[2]}-s{c[3]}-p{c[4]}".replace(" ", "") for c in CONFIGS]


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _im2row_loops(x, kh, kw, stride, pad):
    """The definition, entry by entry: rows[(n*H_out + i)*W_out + j, (c*KH + m)*KW + q]."""
    (sh, sw), (ph, pw) = _pair(stride), _pair(pad)
    xp = pad2d(x, (ph, pw))
    n_img, n_ch, hp, wp = xp.shape
    h_out, w_out = (hp - kh) // sh + 1, (wp - kw) // sw + 1
    rows = np.zeros((n_img * h_out * w_out, n_ch * kh * kw))
    for n in range(n_img):
        for i in range(h_out):
            for j in range(w_out):
                for c in range(n_ch):
                    for m in range(kh):
                        for q in range(kw):
                            rows[(n * h_out + i) * w_out + j, (c * kh + m) * kw + q] = xp[n, c, sh * i + m, sw * j + q]
    return rows


def _row2im_add_at(rows, x_shape, kh, kw, stride, pad):
    """The adjoint by the slow, obvious route: np.add.at on flat pixel indices."""
    (sh, sw), (ph, pw) = _pair(stride), _pair(pad)
    n_img, n_ch, h, w = x_shape
    hp, wp = h + 2 * ph, w + 2 * pw
    index = np.arange(n_img * n_ch * hp * wp).reshape(n_img, n_ch, hp, wp)
    targets = _im2row_loops(index.astype(float), kh, kw, stride, 0).astype(int)  # which pixel each entry came from
    out = np.zeros(n_img * n_ch * hp * wp)
    np.add.at(out, targets.ravel(), rows.ravel())
    return out.reshape(n_img, n_ch, hp, wp)[:, :, ph:ph + h, pw:pw + w]


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_im2row_follows_the_definition(config):
    x_shape, kh, kw, stride, pad = config
    x = np.random.default_rng(0).standard_normal(x_shape)
    rows = im2row(x, kh, kw, stride, pad)
    assert np.array_equal(rows, _im2row_loops(x, kh, kw, stride, pad))


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_row2im_equals_scatter_add_with_add_at(config):
    x_shape, kh, kw, stride, pad = config
    rows_shape = im2row(np.zeros(x_shape), kh, kw, stride, pad).shape
    rows = np.random.default_rng(1).standard_normal(rows_shape)
    check_close("row2im", row2im(rows, x_shape, kh, kw, stride, pad),
                _row2im_add_at(rows, x_shape, kh, kw, stride, pad), 1e-14)


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_adjointness(config):
    """<im2row(x), R> == <x, row2im(R)>: row2im is the transpose of the linear map im2row."""
    x_shape, kh, kw, stride, pad = config
    rng = np.random.default_rng(2)
    x = rng.standard_normal(x_shape)
    rows = im2row(x, kh, kw, stride, pad)
    r = rng.standard_normal(rows.shape)
    lhs, rhs = np.sum(rows * r), np.sum(x * row2im(r, x_shape, kh, kw, stride, pad))
    assert abs(lhs - rhs) <= 1e-12 * (abs(lhs) + np.abs(rows * r).sum())


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_row2im_of_ones_counts_the_windows_over_each_pixel(config):
    x_shape, kh, kw, stride, pad = config
    rows = np.ones(im2row(np.zeros(x_shape), kh, kw, stride, pad).shape)
    counts = row2im(rows, x_shape, kh, kw, stride, pad)
    coverage = conv2d_coverage(x_shape, (kh, kw), stride, pad)
    assert np.array_equal(counts, np.broadcast_to(coverage, x_shape))


def test_row2im_gives_the_same_result_for_any_memory_layout():
    rng = np.random.default_rng(4)
    x_shape, kh, kw, stride, pad = CONFIGS[3]
    rows = im2row(rng.standard_normal(x_shape), kh, kw, stride, pad)
    r = rng.standard_normal(rows.shape)
    c_order = row2im(np.ascontiguousarray(r), x_shape, kh, kw, stride, pad)
    f_order = row2im(np.asfortranarray(r), x_shape, kh, kw, stride, pad)
    strided = row2im(np.repeat(r, 2, axis=1)[:, ::2], x_shape, kh, kw, stride, pad)  # a non-contiguous view
    assert np.array_equal(c_order, f_order) and np.array_equal(c_order, strided)


def test_float32_stays_float32_and_inputs_are_untouched():
    x = np.random.default_rng(3).standard_normal((2, 2, 6, 5)).astype(np.float32)
    x0 = x.copy()
    rows = im2row(x, 3, 2, 2, 1)
    assert rows.dtype == np.float32 and np.array_equal(x, x0)
    r0 = rows.copy()
    back = row2im(rows, x.shape, 3, 2, 2, 1)
    assert back.dtype == np.float32 and np.array_equal(rows, r0)


def test_rows_are_a_copy_not_a_view():
    x = np.zeros((1, 1, 4, 4))
    rows = im2row(x, 2, 2, 1, 0)
    rows[:] = 7.0
    assert np.all(x == 0.0)


BAD = [
    (lambda: im2row(np.ones((2, 5, 5)), 3, 3), r"x: expected 4 dimensions \(N, C, H, W\), got 3 dimensions"),
    (lambda: im2row(np.ones((1, 2, 5, 5)), 6, 3), r"kernel H size 6 is larger than the padded input H size 5"),
    (lambda: im2row(np.ones((1, 2, 5, 5)), 3, 8, 1, 1), r"kernel W size 8 is larger than the padded input W size 5 \+ 2\*1 = 7"),
    (lambda: im2row(np.ones((1, 2, 5, 5)), 0, 3), r"kernel size \(KH, KW\): expected values >= 1, got \(0, 3\)"),
    (lambda: im2row(np.ones((1, 2, 5, 5)), 3, 3, 0), r"stride: expected values >= 1, got 0"),
    (lambda: im2row(np.ones((1, 2, 5, 5)), 3, 3, 1, -1), r"pad: expected values >= 0, got -1"),
    (lambda: im2row(np.ones((1, 2, 5, 5)), 3, 3, 1.0), r"stride: expected an int or a pair of ints \(h, w\), got 1.0"),
    (lambda: im2row(np.ones((1, 2, 5, 5)) * np.nan, 3, 3), r"x: expected finite values, got 50 NaN"),
    (lambda: row2im(np.ones((9, 17)), (1, 2, 5, 5), 3, 3),
     r"rows: expected shape \(9, 18\) \(N\*H_out\*W_out, C\*KH\*KW\) for x shape \(1, 2, 5, 5\), got \(9, 17\)"),
    (lambda: row2im(np.ones((9, 18)), (2, 5, 5), 3, 3),
     r"x_shape: expected a tuple of 4 ints >= 1 \(N, C, H, W\), got \(2, 5, 5\)"),
    (lambda: row2im(np.ones((9, 18)), (1, 2, 5.0, 5), 3, 3),
     r"x_shape: expected a tuple of 4 ints >= 1 \(N, C, H, W\), got \(1, 2, 5.0, 5\)"),
    (lambda: row2im(np.ones((9, 18)), None, 3, 3), r"x_shape: expected a tuple of 4 ints >= 1 .*, got None"),
    (lambda: row2im(np.ones(162), (1, 2, 5, 5), 3, 3), r"rows: expected 2 dimensions, got 1 dimensions"),
    (lambda: row2im(np.full((9, 18), np.inf), (1, 2, 5, 5), 3, 3), r"rows: expected finite values, got 162 NaN"),
    (lambda: row2im(np.ones((9, 18)), (1, 2, 5, 5), 3, 3, -1), r"stride: expected values >= 1, got -1"),
]


@pytest.mark.parametrize("call, message", BAD, ids=[m[:40] for _, m in BAD])
def test_bad_input_raises_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@st.composite
def geometries(draw):
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh, sw, ph, pw = (draw(st.integers(1, 3)), draw(st.integers(1, 3)),
                      draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    h_lo, w_lo = max(1, kh - 2 * ph), max(1, kw - 2 * pw)
    h = draw(st.integers(h_lo, h_lo + 6))
    w = draw(st.sampled_from([v for v in range(w_lo, w_lo + 7) if v != h]))
    return (n, c, h, w), kh, kw, (sh, sw), (ph, pw), draw(st.integers(0, 2**32 - 1))


@settings(max_examples=200)
@given(geometry=geometries())
def test_property_adjoint_and_definition(geometry):
    x_shape, kh, kw, stride, pad, seed = geometry
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape)
    rows = im2row(x, kh, kw, stride, pad)
    assert np.array_equal(rows, _im2row_loops(x, kh, kw, stride, pad))
    r = rng.standard_normal(rows.shape)
    back = row2im(r, x_shape, kh, kw, stride, pad)
    assert back.shape == x_shape
    lhs, rhs = np.sum(rows * r), np.sum(x * back)
    assert abs(lhs - rhs) <= 1e-12 * (abs(lhs) + np.abs(rows * r).sum())
    check_close("row2im vs add.at", back, _row2im_add_at(r, x_shape, kh, kw, stride, pad), 1e-13)
