"""Max and average pooling: loops vs vectorized, finite differences, the tie rule, PyTorch."""
import itertools

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from cnnlib.conv import conv2d_forward
from cnnlib.gradcheck import check_close, numerical_vjp
from cnnlib.im2row import im2row
from cnnlib.pool import (avgpool2d_backward, avgpool2d_backward_naive, avgpool2d_forward,
                         avgpool2d_forward_naive, maxpool2d_backward, maxpool2d_backward_naive,
                         maxpool2d_forward, maxpool2d_forward_naive)

MAX = {"naive": (maxpool2d_forward_naive, maxpool2d_backward_naive),
       "vectorized": (maxpool2d_forward, maxpool2d_backward)}
AVG = {"naive": (avgpool2d_forward_naive, avgpool2d_backward_naive),
       "vectorized": (avgpool2d_forward, avgpool2d_backward)}
ALL = [(pool, kind) for pool in ("max", "avg") for kind in ("naive", "vectorized")]
POOLS = {"max": MAX, "avg": AVG}

# (x shape, size, stride): default stride, overlapping windows (stride < size),
# strides that do not tile, gaps (stride > size), (h, w) pairs, one global window
CONFIGS = [
    ((2, 3, 6, 6), 2, None),
    ((1, 2, 7, 7), 2, None),          # 7 = 3*2 + 1: the last row and column are never read
    ((2, 2, 7, 8), 3, 2),             # overlapping, and column 7 is never read
    ((1, 3, 5, 6), (2, 3), (1, 2)),
    ((2, 1, 9, 7), 3, 1),             # every inner pixel sits in 9 windows
    ((1, 2, 8, 5), (3, 2), (3, 1)),
    ((1, 1, 4, 4), 4, None),          # one global window
    ((2, 2, 6, 7), 1, 2),             # 1x1 windows, stride 2
    ((1, 2, 7, 9), 2, 3),             # stride > size: gaps between the windows
]
IDS = [f"x{c[0]}-k{c[1]}-s{c[2]}".replace(" ", "") for c in CONFIGS]


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def out_shape(x_shape, size, stride):
    (kh, kw) = _pair(size)
    (sh, sw) = _pair(size if stride is None else stride)
    n, c, h, w = x_shape
    return (n, c, (h - kh) // sh + 1, (w - kw) // sw + 1)


def make_case(config, seed=0, distinct=None, dtype=np.float64):
    x_shape, size, stride = config
    rng = np.random.default_rng(seed)
    x = distinct(rng, x_shape) if distinct else rng.standard_normal(x_shape)
    dout = rng.standard_normal(out_shape(x_shape, size, stride))
    return x.astype(dtype), size, stride, dout.astype(dtype)


# ------------------------------------------------------------------ forward

@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_forward_equals_a_second_route(config):
    """max: the maximum of each im2row row; avg: a convolution with a constant 1/(KH*KW) kernel."""
    x, size, stride, _ = make_case(config)
    (kh, kw) = _pair(size)
    n, c, h, w = x.shape
    shape = out_shape(x.shape, size, stride)
    s = size if stride is None else stride
    rows = im2row(x.reshape(n * c, 1, h, w), kh, kw, s)  # (N*C*H_out*W_out, KH*KW)
    by_rows = rows.max(axis=1).reshape(shape)
    by_conv, _ = conv2d_forward(x.reshape(n * c, 1, h, w), np.full((1, 1, kh, kw), 1 / (kh * kw)), [0.0], s)
    for kind in ("naive", "vectorized"):
        out, _ = MAX[kind][0](x, size, stride)
        assert np.array_equal(out, by_rows)
        out, _ = AVG[kind][0](x, size, stride)
        check_close("avg", out, by_conv.reshape(shape), 1e-13)


def test_stride_defaults_to_size():
    x = np.random.default_rng(0).standard_normal((1, 2, 7, 6))
    for forward in (maxpool2d_forward, maxpool2d_forward_naive, avgpool2d_forward, avgpool2d_forward_naive):
        out_default, _ = forward(x, (3, 2))
        out_given, _ = forward(x, (3, 2), (3, 2))
        assert out_default.shape == (1, 2, 2, 3)
        assert np.array_equal(out_default, out_given)


# ------------------------------------------------------- vectorized == naive

@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_vectorized_equals_naive(config, unchanged):
    x, size, stride, dout = make_case(config)
    for pool in ("max", "avg"):
        (f_n, b_n), (f_v, b_v) = POOLS[pool]["naive"], POOLS[pool]["vectorized"]
        out_n, cache_n = f_n(x, size, stride)
        out_v, cache_v = f_v(x, size, stride)
        assert out_v.shape == out_n.shape == out_shape(x.shape, size, stride)
        check_close(f"{pool} out", out_v, out_n, 1e-12)
        check_close(f"{pool} dx", unchanged(b_v, dout, cache_v), unchanged(b_n, dout, cache_n), 1e-12)


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_vectorized_equals_naive_with_many_ties(config):
    """Integer inputs after a ReLU: zeros everywhere, so most windows have tied maxima."""
    x_shape, size, stride = config
    rng = np.random.default_rng(1)
    x = np.maximum(rng.integers(-3, 3, size=x_shape), 0).astype(float)
    dout = rng.standard_normal(out_shape(x_shape, size, stride))
    out_n, cache_n = maxpool2d_forward_naive(x, size, stride)
    out_v, cache_v = maxpool2d_forward(x, size, stride)
    assert np.array_equal(out_v, out_n)
    check_close("max dx ties", maxpool2d_backward(dout, cache_v), maxpool2d_backward_naive(dout, cache_n), 1e-12)


# ------------------------------------------------------ finite differences

@pytest.mark.parametrize("pool, kind", ALL)
@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_gradient_matches_finite_differences(config, pool, kind, grad_check, distinct, unchanged):
    """Max pooling is differentiable where the maximum is unique: distinct values, 0.05 apart."""
    forward, backward = POOLS[pool][kind]
    x, size, stride, dout = make_case(config, seed=2, distinct=distinct)
    _, cache = forward(x, size, stride)
    dx = unchanged(backward, dout, cache)
    grad_check(f"{pool}pool {kind} dx", dx, numerical_vjp(lambda z: forward(z, size, stride)[0], x, dout))


# ------------------------------------------------------------- the tie rule

def _first_max_in_row_major(window):
    """Plain loop: the first position, scanning rows top to bottom, each left to right."""
    best = None
    for m in range(window.shape[0]):
        for q in range(window.shape[1]):
            if best is None or window[m, q] > window[best]:
                best = (m, q)
    return best


@pytest.mark.parametrize("kind", ["naive", "vectorized"])
def test_constant_windows_send_everything_to_the_top_left(kind):
    forward, backward = MAX[kind]
    x = np.full((1, 1, 4, 6), 2.5)
    dout = np.arange(1.0, 7.0).reshape(1, 1, 2, 3)
    _, cache = forward(x, 2)
    dx = backward(dout, cache)
    expected = np.zeros((4, 6))
    expected[::2, ::2] = dout[0, 0]
    assert np.array_equal(dx[0, 0], expected)


@pytest.mark.parametrize("kind", ["naive", "vectorized"])
def test_any_two_tied_maxima_the_first_in_row_major_order_wins(kind):
    forward, backward = MAX[kind]
    for first, second in itertools.combinations(range(9), 2):  # all 36 pairs of positions
        x = np.zeros((1, 1, 3, 3))
        x.flat[[first, second]] = 1.0
        _, cache = forward(x, 3)
        dx = backward(np.array([[[[4.0]]]]), cache)
        expected = np.zeros((1, 1, 3, 3))
        expected.flat[first] = 4.0
        assert np.array_equal(dx, expected), (first, second)


@pytest.mark.parametrize("kind", ["naive", "vectorized"])
def test_overlapping_windows_accumulate(kind):
    forward, backward = MAX[kind]
    # a 4x4 input with its maximum at (1, 1): all four 3x3 windows (stride 1) pick it
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 1, 1] = 5.0
    dout = np.array([1.0, 2.0, 3.0, 4.0]).reshape(1, 1, 2, 2)
    _, cache = forward(x, 3, 1)
    dx = backward(dout, cache)
    expected = np.zeros((1, 1, 4, 4))
    expected[0, 0, 1, 1] = 10.0
    assert np.array_equal(dx, expected)
    # constant input, 2x2 windows, stride 1: each window's winner is its own top-left corner
    _, cache = forward(np.ones((1, 1, 3, 3)), 2, 1)
    dx = backward(dout, cache)
    expected = np.zeros((1, 1, 3, 3))
    expected[0, 0, :2, :2] = dout[0, 0]
    assert np.array_equal(dx, expected)
    # one row [3, 3, 3, 1], 1x2 windows, stride 1: every window has a tie, each its own winner
    x = np.array([[[[3.0, 3.0, 3.0, 1.0]]]])
    _, cache = forward(x, (1, 2), (1, 1))  # windows (0,1), (1,2), (2,3)
    dx = backward(np.array([[[[1.0, 10.0, 100.0]]]]), cache)
    assert np.array_equal(dx, np.array([[[[1.0, 10.0, 100.0, 0.0]]]]))


@pytest.mark.parametrize("pool, kind", ALL)
@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_each_window_gradient_sums_to_its_delta(config, pool, kind):
    """One delta at a time: max sends all of it to one winner in that window (the first
    maximum in row-major order); average spreads it evenly over the window."""
    forward, backward = POOLS[pool][kind]
    x_shape, size, stride = config
    (kh, kw), (sh, sw) = _pair(size), _pair(size if stride is None else stride)
    rng = np.random.default_rng(3)
    x = rng.integers(0, 3, size=x_shape).astype(float)  # few values: ties everywhere
    _, cache = forward(x, size, stride)
    n_img, n_ch, h_out, w_out = out_shape(x_shape, size, stride)
    for n, c, i, j in itertools.product(range(n_img), range(n_ch), range(h_out), range(w_out)):
        dout = np.zeros((n_img, n_ch, h_out, w_out))
        dout[n, c, i, j] = 3.25
        dx = backward(dout, cache)
        inside = np.zeros(x_shape, dtype=bool)
        inside[n, c, sh * i:sh * i + kh, sw * j:sw * j + kw] = True
        assert np.all(dx[~inside] == 0.0)
        assert np.isclose(dx.sum(), 3.25, rtol=1e-14, atol=0)
        if pool == "max":
            assert np.count_nonzero(dx) == 1
            m, q = _first_max_in_row_major(x[n, c, sh * i:sh * i + kh, sw * j:sw * j + kw])
            assert dx[n, c, sh * i + m, sw * j + q] == 3.25
        else:
            assert np.allclose(dx[inside], 3.25 / (kh * kw), rtol=1e-15, atol=0)


@pytest.mark.parametrize("pool, kind", ALL)
def test_unread_pixels_get_zero_gradient(pool, kind):
    forward, backward = POOLS[pool][kind]
    x, size, stride, dout = make_case(((2, 2, 7, 9), 2, 3))  # windows at 0 and 3 (and 6): gaps
    _, cache = forward(x, size, stride)
    dx = backward(dout, cache)
    read = np.zeros((7, 9), dtype=bool)
    for r in (0, 3):
        for col in (0, 3, 6):
            read[r:r + 2, col:col + 2] = True
    assert np.all(dx[:, :, ~read] == 0.0)
    if pool == "avg":
        assert np.all(dx[:, :, read] != 0.0)


# ------------------------------------------------------------------ dtypes

@pytest.mark.parametrize("pool, kind", ALL)
def test_float32_in_float32_out(pool, kind):
    forward, backward = POOLS[pool][kind]
    x, size, stride, dout = make_case(CONFIGS[2], dtype=np.float32)
    out, cache = forward(x, size, stride)
    dx = backward(dout, cache)
    assert out.dtype == np.float32 and dx.dtype == np.float32
    out64, cache64 = forward(x.astype(np.float64), size, stride)
    check_close("out f32 vs f64", out, out64, 1e-6)
    check_close("dx f32 vs f64", dx, backward(dout.astype(np.float64), cache64), 1e-6)


# -------------------------------------------------------------- bad input

X = np.ones((1, 2, 5, 5))
BAD_FORWARD = [
    ((np.ones((5, 5)), 2), r"x: expected 4 dimensions \(N, C, H, W\), got 2 dimensions"),
    ((X, 6), r"pooling window H size 6 is larger than the input H size 5"),
    ((X, (2, 7)), r"pooling window W size 7 is larger than the input W size 5"),
    ((X, 0), r"size: expected values >= 1, got 0"),
    ((X, 2, 0), r"stride: expected values >= 1, got 0"),
    ((X, 2, (1, -1)), r"stride: expected values >= 1, got \(1, -1\)"),
    ((X, 2.0), r"size: expected an int or a pair of ints \(h, w\), got 2.0"),
    ((X, None), r"size: expected an int or a pair of ints \(h, w\), got None"),
    ((X, 2, "1"), r"stride: expected an int or a pair of ints \(h, w\), got '1'"),
    ((X, 2, 1.0), r"stride: expected an int or a pair of ints \(h, w\), got 1.0"),
    ((X * np.nan, 2), r"x: expected finite values, got 50 NaN or infinite"),
    ((X - np.inf, 2), r"x: expected finite values, got 50 NaN or infinite"),
]


@pytest.mark.parametrize("pool, kind", ALL)
@pytest.mark.parametrize("args, message", BAD_FORWARD, ids=[m[:40] for _, m in BAD_FORWARD])
def test_bad_forward_input_raises_value_error(pool, kind, args, message):
    forward, _ = POOLS[pool][kind]
    with pytest.raises(ValueError, match=message):
        forward(*args)


@pytest.mark.parametrize("pool, kind", ALL)
def test_bad_dout_or_cache_raises_value_error(pool, kind):
    forward, backward = POOLS[pool][kind]
    _, cache = forward(X, 2)  # out (1, 2, 2, 2)
    with pytest.raises(ValueError, match=r"dout: expected shape \(1, 2, 2, 2\), got \(1, 2, 3, 3\)"):
        backward(np.ones((1, 2, 3, 3)), cache)
    with pytest.raises(ValueError, match=r"dout: expected 4 dimensions \(N, F, H_out, W_out\), got 2"):
        backward(np.ones((2, 2)), cache)
    with pytest.raises(ValueError, match=r"dout: expected finite values, got 8 NaN"):
        backward(np.full((1, 2, 2, 2), np.nan), cache)
    with pytest.raises(ValueError, match=rf"cache: expected the cache of a {pool}pool2d forward, got NoneType"):
        backward(np.ones((1, 2, 2, 2)), None)
    other = "avg" if pool == "max" else "max"
    _, other_cache = POOLS[other][kind][0](X, 2)
    with pytest.raises(ValueError, match=rf"cache: expected the cache of a {pool}pool2d forward"):
        backward(np.ones((1, 2, 2, 2)), other_cache)


# ------------------------------------------------------- property-based

@st.composite
def pool_cases(draw):
    """Small random inputs: N, C, window 1-3 (h, w), stride 1-3 (or the default), H != W."""
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = draw(st.one_of(st.none(), st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    h = draw(st.integers(kh, kh + 6))
    w = draw(st.sampled_from([v for v in range(kw, kw + 7) if v != h]))
    size = kh if kh == kw and draw(st.booleans()) else (kh, kw)
    (sh, sw) = _pair(size if stride is None else stride)
    event("windows overlap" if sh < kh or sw < kw else "windows do not overlap")
    event("stride tiles" if (h - kh) % sh == 0 and (w - kw) % sw == 0 else "stride does not tile")
    ties = draw(st.booleans())
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 3, size=(n, c, h, w)).astype(float) if ties else rng.standard_normal((n, c, h, w))
    dout = rng.standard_normal(out_shape(x.shape, size, stride))
    return x, size, stride, dout


@settings(max_examples=200)
@given(case=pool_cases())
def test_property_vectorized_equals_naive(case, unchanged):
    x, size, stride, dout = case
    for pool in ("max", "avg"):
        (f_n, b_n), (f_v, b_v) = POOLS[pool]["naive"], POOLS[pool]["vectorized"]
        out_n, cache_n = f_n(x, size, stride)
        out_v, cache_v = f_v(x, size, stride)
        assert out_v.shape == out_shape(x.shape, size, stride)
        check_close(f"{pool} out", out_v, out_n, 1e-12)
        dx_n, dx_v = unchanged(b_n, dout, cache_n), unchanged(b_v, dout, cache_v)
        check_close(f"{pool} dx", dx_v, dx_n, 1e-12)
        # every window passes on exactly its delta: the total is conserved
        assert np.isclose(dx_v.sum(), dout.sum(), rtol=1e-12, atol=1e-12)


@settings(max_examples=60)
@given(case=pool_cases())
def test_property_gradients_match_finite_differences(case, grad_check, distinct):
    x, size, stride, dout = case
    x = distinct(np.random.default_rng(x.size), x.shape)  # no ties: max is differentiable
    for pool in ("max", "avg"):
        forward, backward = POOLS[pool]["vectorized"]
        _, cache = forward(x, size, stride)
        grad_check(f"{pool}pool hypothesis dx", backward(dout, cache),
                   numerical_vjp(lambda z: forward(z, size, stride)[0], x, dout))


# ---------------------------------------------------------------- PyTorch

@pytest.fixture(scope="module")
def torch():
    torch = pytest.importorskip(
        "torch", reason="PyTorch is not installed: the agreement-with-PyTorch tests need "
                        "`pip install torch==2.13.0` (the CPU build; .ci/run installs it)")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield torch
    torch.set_num_threads(threads)


@pytest.mark.parametrize("inputs", ["random", "relu_ties"])
@pytest.mark.parametrize("pool, kind", ALL)
@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_agrees_with_pytorch_autograd(torch, torch_case, config, pool, kind, inputs):
    forward, backward = POOLS[pool][kind]
    x, size, stride, dout = make_case(config, seed=5)
    if inputs == "relu_ties":
        x = np.maximum(np.round(x), 0.0)  # ReLU zeros and small integers: ties in most windows
    xt = torch.tensor(x, requires_grad=True)
    torch_pool = torch.nn.functional.max_pool2d if pool == "max" else torch.nn.functional.avg_pool2d
    s = _pair(size if stride is None else stride)
    out_t = torch_pool(xt, _pair(size), s)
    out_t.backward(torch.tensor(dout))
    out, cache = forward(x, size, stride)
    check_close(f"{pool} out vs torch", out, out_t.detach().numpy(), 1e-10)
    check_close(f"{pool} dx vs torch", backward(dout, cache), xt.grad.numpy(), 1e-10)
    torch_case()


# ------------------------------------------- windows and tie rules (notebook 05's pictures)

def test_pool_windows_is_a_read_only_view_of_every_window():
    from cnnlib.pool import pool_windows
    rng = np.random.default_rng(3)
    for shape, size, stride in [((2, 3, 7, 8), 3, 2), ((1, 2, 6, 6), 2, None), ((1, 1, 5, 7), (2, 3), (1, 2))]:
        x = rng.normal(size=shape)
        win = pool_windows(x, size, stride)
        (kh, kw), (sh, sw) = _pair(size), _pair(size if stride is None else stride)
        h_out, w_out = (shape[2] - kh) // sh + 1, (shape[3] - kw) // sw + 1
        assert win.shape == shape[:2] + (h_out, w_out, kh, kw)
        for n, c, i, j in itertools.product(*map(range, win.shape[:4])):
            assert np.array_equal(win[n, c, i, j], x[n, c, sh * i:sh * i + kh, sw * j:sw * j + kw])
        assert np.shares_memory(win, x) and not win.flags.writeable
    with pytest.raises(ValueError, match="size"):
        pool_windows(np.zeros((1, 1, 4, 4)), 0)
    with pytest.raises(ValueError, match="x"):
        pool_windows(np.zeros((4, 4)), 2)


def test_spread_over_windows_copies_each_value_over_its_block():
    from cnnlib.pool import spread_over_windows
    t = np.arange(12.0).reshape(1, 2, 2, 3)
    out = spread_over_windows(t, (2, 3))
    assert out.shape == (1, 2, 4, 9)
    for c, u, v in itertools.product(range(2), range(4), range(9)):
        assert out[0, c, u, v] == t[0, c, u // 2, v // 3]
    with pytest.raises(ValueError, match="t"):
        spread_over_windows(t[0], 2)


def test_tie_shares_first_is_cnnlibs_rule_split_adds_up_every_counts_the_ties():
    from cnnlib.pool import spread_over_windows, tie_shares
    rng = np.random.default_rng(4)
    for shape, size in [((2, 3, 6, 8), 2), ((1, 2, 7, 7), 3), ((2, 1, 5, 6), (2, 3))]:
        x = np.maximum(rng.integers(-2, 3, size=shape), 0).astype(float)  # ReLU zeros: ties everywhere
        p, cache = maxpool2d_forward(x, size)
        dout = rng.normal(size=p.shape)
        routed = tie_shares(x, size, "first") * np.pad(
            spread_over_windows(dout, size),
            ((0, 0), (0, 0), (0, shape[2] - p.shape[2] * _pair(size)[0]), (0, shape[3] - p.shape[3] * _pair(size)[1])))
        assert np.array_equal(routed, maxpool2d_backward(dout, cache))
        kh, kw = _pair(size)
        for n, c, i, j in itertools.product(*map(range, p.shape)):
            window = (n, c, slice(kh * i, kh * i + kh), slice(kw * j, kw * j + kw))
            ties = np.sum(x[window] == p[n, c, i, j])
            assert np.isclose(tie_shares(x, size, "split")[window].sum(), 1.0)
            assert tie_shares(x, size, "every")[window].sum() == ties
        # entries in no window (the last row/column when the windows do not tile) get 0
        for rule in ("first", "split", "every"):
            shares = tie_shares(x, size, rule)
            assert not shares[:, :, p.shape[2] * kh:].any() and not shares[:, :, :, p.shape[3] * kw:].any()
    with pytest.raises(ValueError, match="rule: expected one of"):
        tie_shares(np.zeros((1, 1, 4, 4)), 2, "last")
