"""The convolution layer: loops vs im2row, finite differences, the backward rules, PyTorch.

Every route is independent of the others: the loops follow the equations, the
vectorized path goes through im2row, the rules of the article go through the
single-channel primitives of ``correlate``, finite differences only call forward,
and PyTorch is somebody else's code.
"""
import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from cnnlib.conv import (conv2d_backward, conv2d_backward_naive, conv2d_coverage, conv2d_forward,
                         conv2d_forward_naive, conv_output_shape)
from cnnlib.correlate import cross_correlate2d, dilate, pad2d, rot180
from cnnlib.data import teaching_example
from cnnlib.gradcheck import check_close, numerical_vjp

FORWARDS = {"naive": (conv2d_forward_naive, conv2d_backward_naive),
            "vectorized": (conv2d_forward, conv2d_backward)}

# (x shape, w shape, stride, pad): stride/pad pairs, strides that do not tile,
# 1x1 kernels, a kernel as large as the (padded) input
CONFIGS = [
    ((2, 3, 7, 7), (4, 3, 3, 3), 2, 0),            # the teaching example's geometry
    ((1, 2, 6, 5), (3, 2, 3, 2), 1, 1),
    ((2, 1, 8, 7), (2, 1, 3, 3), 2, 1),            # (8 + 2 - 3) / 2 = 3.5: the last row is never read
    ((1, 2, 7, 9), (2, 2, 2, 3), (2, 3), (1, 0)),  # (h, w) pairs
    ((2, 2, 5, 6), (3, 2, 1, 1), 3, 2),            # 1x1 kernel, stride 3, pad 2
    ((1, 3, 4, 4), (2, 3, 4, 4), 1, 0),            # kernel = input: a 1x1 output
    ((1, 1, 3, 5), (1, 1, 5, 3), 1, (1, 0)),       # kernel taller than x, fits the padded x
    ((1, 2, 9, 8), (2, 2, 3, 3), 3, 2),
    ((2, 2, 6, 7), (2, 2, 2, 2), (1, 3), (2, 1)),
]
IDS = [f"x{c[0]}-w{c[1]}-s{c[2]}-p{c[3]}".replace(" ", "") for c in CONFIGS]


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def make_case(config, seed=0, dtype=np.float64):
    x_shape, w_shape, stride, pad = config
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[0]).astype(dtype)
    out_shape = conv_output_shape(x_shape, w_shape, stride, pad)
    dout = rng.standard_normal(out_shape).astype(dtype)
    return x, w, b, stride, pad, dout


# ------------------------------------------------------------------ forward

def test_output_size_is_the_floor_formula():
    for x_shape, w_shape, stride, pad in CONFIGS:
        (sh, sw), (ph, pw) = _pair(stride), _pair(pad)
        h, w = x_shape[2:]
        kh, kw = w_shape[2:]
        expected = (x_shape[0], w_shape[0], (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1)
        assert conv_output_shape(x_shape, w_shape, stride, pad) == expected
        out, _ = conv2d_forward(*make_case((x_shape, w_shape, stride, pad))[:5])
        assert out.shape == expected


def test_teaching_example_gives_3x3():
    ex = teaching_example(channels=2, filters=3)
    out, _ = conv2d_forward_naive(ex.x, ex.w, ex.b, ex.stride, ex.pad)
    assert out.shape == (1, 3, 3, 3)
    # the example is all small integers, so the output is exactly integer-valued
    assert np.array_equal(out, np.rint(out))


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_naive_forward_equals_per_channel_cross_correlation(config):
    """A second route for the reference: out[n, f] = b[f] + Σ_c (x_pad[n, c] ⋆ w[f, c]) sampled every S."""
    x, w, b, stride, pad, _ = make_case(config)
    (sh, sw) = _pair(stride)
    out, _ = conv2d_forward_naive(x, w, b, stride, pad)
    x_pad = pad2d(x, pad)
    for n in range(x.shape[0]):
        for f in range(w.shape[0]):
            full = sum(cross_correlate2d(x_pad[n, c], w[f, c]) for c in range(x.shape[1]))
            expected = full[::sh, ::sw] + b[f]
            check_close(f"out[{n},{f}]", out[n, f], expected, 1e-13)


# ------------------------------------------------------- vectorized == naive

@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_vectorized_equals_naive(config):
    x, w, b, stride, pad, dout = make_case(config)
    out_n, cache_n = conv2d_forward_naive(x, w, b, stride, pad)
    out_v, cache_v = conv2d_forward(x, w, b, stride, pad)
    check_close("out", out_v, out_n, 1e-12)
    for name, got, expected in zip(("dx", "dw", "db"), conv2d_backward(dout, cache_v),
                                   conv2d_backward_naive(dout, cache_n)):
        check_close(name, got, expected, 1e-12)


def test_backward_without_dx_gives_the_same_dw_and_db():
    """``need_dx=False`` (the first layer never needs dx) skips dx and changes nothing else."""
    x, w, b, stride, pad, dout = make_case(CONFIGS[3])
    _, cache = conv2d_forward(x, w, b, stride, pad)
    dx, dw, db = conv2d_backward(dout, cache)
    none, dw2, db2 = conv2d_backward(dout, cache, need_dx=False)
    assert none is None
    assert np.array_equal(dw2, dw) and np.array_equal(db2, db)
    with pytest.raises(ValueError, match=r"need_dx: expected True or False, got 'no'"):
        conv2d_backward(dout, cache, need_dx="no")


# ------------------------------------------------------ finite differences

@pytest.mark.parametrize("kind", ["naive", "vectorized"])
@pytest.mark.parametrize("config", CONFIGS[:5] + CONFIGS[8:], ids=IDS[:5] + IDS[8:])
def test_gradients_match_finite_differences(config, kind, grad_check, unchanged):
    forward, backward = FORWARDS[kind]
    x, w, b, stride, pad, dout = make_case(config, seed=1)
    _, cache = forward(x, w, b, stride, pad)
    dx, dw, db = unchanged(backward, dout, cache)
    grad_check(f"conv {kind} dx", dx, numerical_vjp(lambda z: forward(z, w, b, stride, pad)[0], x, dout))
    grad_check(f"conv {kind} dw", dw, numerical_vjp(lambda z: forward(x, z, b, stride, pad)[0], w, dout))
    grad_check(f"conv {kind} db", db, numerical_vjp(lambda z: forward(x, w, z, stride, pad)[0], b, dout))


# ------------------------------------------------- the rules of the article

@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_backward_equals_the_rules_with_dilate_and_rot180(config):
    """db = Σ δ;  dw[f, c] = Σ_n x_pad[n, c] ⋆ dilate(δ[n, f]);
    dx_pad[n, c] = Σ_f dilate(δ[n, f]) ⋆_full rot180(w[f, c]), then crop the padding."""
    x, w, b, stride, pad, dout = make_case(config, seed=2)
    (sh, sw), (ph, pw) = _pair(stride), _pair(pad)
    n_img, n_ch, h, w_in = x.shape
    n_filt, _, kh, kw = w.shape
    _, cache = conv2d_forward_naive(x, w, b, stride, pad)
    dx, dw, db = conv2d_backward_naive(dout, cache)
    check_close("db", db, dout.sum(axis=(0, 2, 3)), 1e-13)

    x_pad = pad2d(x, (ph, pw))
    deltas = dilate(dout, (sh, sw))  # (N, F, S_h*(H_out-1)+1, S_w*(W_out-1)+1)
    dw_rule = np.zeros_like(w)
    for f in range(n_filt):
        for c in range(n_ch):
            for n in range(n_img):
                # when the stride does not tile, the valid correlation is larger than
                # the kernel: the extra rows/columns belong to never-read pixels
                dw_rule[f, c] += cross_correlate2d(x_pad[n, c], deltas[n, f])[:kh, :kw]
    check_close("dw", dw, dw_rule, 1e-12)

    dx_pad_rule = np.zeros_like(x_pad)
    for n in range(n_img):
        for c in range(n_ch):
            for f in range(n_filt):
                full = cross_correlate2d(deltas[n, f], rot180(w[f, c]), mode="full")
                # full has S*(H_out-1) + KH rows <= H + 2P: the rest were never read
                dx_pad_rule[n, c, :full.shape[0], :full.shape[1]] += full
    check_close("dx", dx, dx_pad_rule[:, :, ph:ph + h, pw:pw + w_in], 1e-12)


def test_single_channel_stride1_rules_are_plain_correlations():
    """Stride 1, no padding (article eq. 14 and 21): dw = x ⋆ δ, dx = δ ⋆_full rot180(w)."""
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((1, 1, 6, 5)), rng.standard_normal((1, 1, 3, 2))
    dout = rng.standard_normal((1, 1, 4, 4))
    _, cache = conv2d_forward(x, w, np.zeros(1))
    dx, dw, _ = conv2d_backward(dout, cache)
    check_close("dw", dw[0, 0], cross_correlate2d(x[0, 0], dout[0, 0]), 1e-13)
    check_close("dx", dx[0, 0], cross_correlate2d(dout[0, 0], rot180(w[0, 0]), mode="full"), 1e-13)


# ------------------------------------------------------ pixels never read

def _brute_coverage(h, w, kh, kw, stride, pad):
    (sh, sw), (ph, pw) = _pair(stride), _pair(pad)
    count = np.zeros((h + 2 * ph, w + 2 * pw), dtype=int)
    for i in range((h + 2 * ph - kh) // sh + 1):
        for j in range((w + 2 * pw - kw) // sw + 1):
            count[sh * i:sh * i + kh, sw * j:sw * j + kw] += 1
    return count[ph:ph + h, pw:pw + w]


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_coverage_matches_brute_force_count(config):
    x_shape, w_shape, stride, pad = config
    got = conv2d_coverage(x_shape, w_shape[2:], stride, pad)
    assert got.dtype.kind == "i"
    assert np.array_equal(got, _brute_coverage(*x_shape[2:], *w_shape[2:], stride, pad))
    assert np.array_equal(conv2d_coverage(x_shape[2:], w_shape[2:], stride, pad), got)


def test_coverage_of_the_teaching_example():
    rows = np.array([1, 1, 2, 1, 2, 1, 1])  # windows start at 0, 2, 4: rows 2 and 4 are shared
    assert np.array_equal(conv2d_coverage((7, 7), 3, 2), np.outer(rows, rows))


@pytest.mark.parametrize("kind", ["naive", "vectorized"])
def test_unread_pixels_get_exactly_zero_gradient(kind):
    forward, backward = FORWARDS[kind]
    # windows start at rows 0, 2, 4 and columns 0, 4: row 7 is never read, nor are
    # column 3 (stride 4 > kernel 3 leaves a gap) and columns 7, 8 (the floor)
    config = ((2, 2, 8, 9), (3, 2, 3, 3), (2, 4), 0)
    x, w, b, stride, pad, dout = make_case(config)
    _, cache = forward(x, w, b, stride, pad)
    dx, _, _ = backward(dout, cache)
    cover = conv2d_coverage(x.shape, (3, 3), stride, pad)
    unread = np.zeros((8, 9), dtype=bool)
    unread[7, :] = True
    unread[:, [3, 7, 8]] = True
    assert np.array_equal(cover == 0, unread)
    assert np.all(dx[:, :, cover == 0] == 0.0)
    assert np.all(dx[:, :, cover > 0] != 0.0)  # random weights: every read pixel gets a gradient
    # changing an unread pixel cannot change the output
    x2 = x.copy()
    x2[:, :, unread] += 100.0
    assert np.array_equal(forward(x2, w, b, stride, pad)[0], forward(x, w, b, stride, pad)[0])


# ------------------------------------------------------------------ dtypes

@pytest.mark.parametrize("kind", ["naive", "vectorized"])
def test_float32_in_float32_out(kind):
    forward, backward = FORWARDS[kind]
    x, w, b, stride, pad, dout = make_case(CONFIGS[2], dtype=np.float32)
    out, cache = forward(x, w, b, stride, pad)
    grads = backward(dout, cache)
    assert out.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)
    out64, cache64 = forward(*(a.astype(np.float64) for a in (x, w, b)), stride, pad)
    check_close("out f32 vs f64", out, out64, 1e-6)
    for g32, g64 in zip(grads, backward(dout.astype(np.float64), cache64)):
        check_close("grad f32 vs f64", g32, g64, 1e-6)


def test_integer_input_gives_float64():
    out, _ = conv2d_forward(np.ones((1, 1, 3, 3), dtype=int), np.ones((1, 1, 2, 2), dtype=int), [0])
    assert out.dtype == np.float64 and np.array_equal(out, np.full((1, 1, 2, 2), 4.0))


def test_forward_does_not_modify_inputs():
    x, w, b, stride, pad, _ = make_case(CONFIGS[1])
    copies = [a.copy() for a in (x, w, b)]
    for forward, _ in FORWARDS.values():
        forward(x, w, b, stride, pad)
    for a, a0 in zip((x, w, b), copies):
        assert np.array_equal(a, a0)


# -------------------------------------------------------------- bad input

X, W, B = np.ones((1, 2, 5, 5)), np.ones((3, 2, 3, 3)), np.zeros(3)
BAD_FORWARD = [
    ((np.ones((2, 5, 5)), W, B, 1, 0), r"x: expected 4 dimensions \(N, C, H, W\), got 3 dimensions"),
    ((X, np.ones((2, 3, 3)), B, 1, 0), r"w: expected 4 dimensions \(F, C, KH, KW\), got 3 dimensions"),
    ((np.ones((1, 3, 5, 5)), W, B, 1, 0), r"channels differ: x has C=3 .* but w expects C=2"),
    ((X, W, np.zeros(2), 1, 0), r"b: expected .*\(3,\), got \(2,\)"),
    ((X, W, np.zeros((3, 1)), 1, 0), r"b: expected 1 dimensions \(F,\), got 2 dimensions"),
    ((X, np.ones((3, 2, 8, 3)), B, 1, 1), r"kernel H size 8 is larger than the padded input H size 5 \+ 2\*1 = 7"),
    ((X, np.ones((3, 2, 3, 6)), B, 1, 0), r"kernel W size 6 is larger than the padded input W size 5"),
    ((X, W, B, 0, 0), r"stride: expected values >= 1, got 0"),
    ((X, W, B, -2, 0), r"stride: expected values >= 1, got -2"),
    ((X, W, B, (1, 0), 0), r"stride: expected values >= 1, got \(1, 0\)"),
    ((X, W, B, 1, -1), r"pad: expected values >= 0, got -1"),
    ((X, W, B, 1, (0, -2)), r"pad: expected values >= 0, got \(0, -2\)"),
    ((X, W, B, 1.5, 0), r"stride: expected an int or a pair of ints \(h, w\), got 1.5"),
    ((X, W, B, 2.0, 0), r"stride: expected an int or a pair of ints \(h, w\), got 2.0"),
    ((X, W, B, "2", 0), r"stride: expected an int or a pair of ints \(h, w\), got '2'"),
    ((X, W, B, None, 0), r"stride: expected an int or a pair of ints \(h, w\), got None"),
    ((X, W, B, True, 0), r"stride: expected an int or a pair of ints \(h, w\), got True"),
    ((X, W, B, (1, 1, 1), 0), r"stride: expected an int or a pair of ints \(h, w\), got \(1, 1, 1\)"),
    ((X, W, B, 1, 0.5), r"pad: expected an int or a pair of ints \(h, w\), got 0.5"),
    ((X * np.nan, W, B, 1, 0), r"x: expected finite values, got 50 NaN or infinite"),
    ((X, W * np.inf, B, 1, 0), r"w: expected finite values, got 54 NaN or infinite"),
    ((X, W, B - np.inf, 1, 0), r"b: expected finite values, got 3 NaN or infinite"),
    ((np.full((1, 2, 5, 5), "a"), W, B, 1, 0), r"x: expected a numeric array, got dtype <U1"),
    ((X + 1j, W, B, 1, 0), r"x: expected a numeric array, got dtype complex128"),
    (([[1.0, [2.0]]], W, B, 1, 0), r"x: expected a numeric array, got list that numpy cannot turn into one"),
]


@pytest.mark.parametrize("kind", ["naive", "vectorized"])
@pytest.mark.parametrize("args, message", BAD_FORWARD, ids=[m[:40] for _, m in BAD_FORWARD])
def test_bad_forward_input_raises_value_error(kind, args, message):
    forward, _ = FORWARDS[kind]
    with pytest.raises(ValueError, match=message):
        forward(*args)


@pytest.mark.parametrize("kind", ["naive", "vectorized"])
def test_bad_dout_raises_value_error(kind):
    forward, backward = FORWARDS[kind]
    _, cache = forward(X, W, B, 1, 0)  # out (1, 3, 3, 3)
    with pytest.raises(ValueError, match=r"dout: expected shape \(1, 3, 3, 3\), got \(1, 3, 2, 2\)"):
        backward(np.ones((1, 3, 2, 2)), cache)
    with pytest.raises(ValueError, match=r"dout: expected shape \(1, 3, 3, 3\), got \(1, 2, 3, 3\)"):
        backward(np.ones((1, 2, 3, 3)), cache)
    with pytest.raises(ValueError, match=r"dout: expected 4 dimensions \(N, F, H_out, W_out\), got 3"):
        backward(np.ones((3, 3, 3)), cache)
    with pytest.raises(ValueError, match=r"dout: expected finite values, got 1 NaN"):
        backward(np.where(np.arange(27).reshape(1, 3, 3, 3) == 5, np.nan, 1.0), cache)
    with pytest.raises(ValueError, match=r"cache: expected the ConvCache .*, got NoneType"):
        backward(np.ones((1, 3, 3, 3)), None)


def test_bad_shapes_for_the_shape_helpers():
    with pytest.raises(ValueError, match=r"expected x_shape \(N, C, H, W\).*got \(5, 5, 5\)"):
        conv_output_shape((5, 5, 5), (1, 1, 3, 3))
    with pytest.raises(ValueError, match=r"x_shape: expected \(H, W\) or \(N, C, H, W\), got \(5,\)"):
        conv2d_coverage((5,), 3)
    with pytest.raises(ValueError, match=r"kernel H size 6 is larger than the padded input H size 5"):
        conv2d_coverage((5, 5), 6)
    with pytest.raises(ValueError, match=r"kernel_size: expected values >= 1, got 0"):
        conv2d_coverage((5, 5), 0)


# ------------------------------------------------------- property-based

@st.composite
def conv_cases(draw):
    """Small random layers: N, C, F, kernel, stride 1-3, pad 0-2, H != W, any remainder."""
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ph, pw = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    h_lo, w_lo = max(1, kh - 2 * ph), max(1, kw - 2 * pw)
    h = draw(st.integers(h_lo, h_lo + 6))
    w = draw(st.sampled_from([v for v in range(w_lo, w_lo + 7) if v != h]))
    stride = sh if sh == sw and draw(st.booleans()) else (sh, sw)
    pad = ph if ph == pw and draw(st.booleans()) else (ph, pw)
    tiles = (h + 2 * ph - kh) % sh == 0 and (w + 2 * pw - kw) % sw == 0
    event("stride tiles the input" if tiles else "stride does not tile the input")
    seed = draw(st.integers(0, 2**32 - 1))
    return make_case(((n, c, h, w), (f, c, kh, kw), stride, pad), seed)


@settings(max_examples=200)
@given(case=conv_cases())
def test_property_vectorized_equals_naive(case, unchanged):
    x, w, b, stride, pad, dout = case
    (sh, sw), (ph, pw) = _pair(stride), _pair(pad)
    out_n, cache_n = conv2d_forward_naive(x, w, b, stride, pad)
    out_v, cache_v = conv2d_forward(x, w, b, stride, pad)
    assert out_v.shape == (x.shape[0], w.shape[0], (x.shape[2] + 2 * ph - w.shape[2]) // sh + 1,
                           (x.shape[3] + 2 * pw - w.shape[3]) // sw + 1)
    check_close("out", out_v, out_n, 1e-12)
    grads_n = unchanged(conv2d_backward_naive, dout, cache_n)
    grads_v = unchanged(conv2d_backward, dout, cache_v)
    for name, got, expected in zip(("dx", "dw", "db"), grads_v, grads_n):
        check_close(name, got, expected, 1e-12)
    cover = conv2d_coverage(x.shape, w.shape[2:], stride, pad)
    assert np.all(grads_v[0][:, :, cover == 0] == 0.0) and np.all(grads_n[0][:, :, cover == 0] == 0.0)


@settings(max_examples=60)
@given(case=conv_cases())
def test_property_gradients_match_finite_differences(case, grad_check):
    x, w, b, stride, pad, dout = case
    _, cache = conv2d_forward(x, w, b, stride, pad)
    dx, dw, db = conv2d_backward(dout, cache)
    grad_check("conv hypothesis dx", dx, numerical_vjp(lambda z: conv2d_forward(z, w, b, stride, pad)[0], x, dout))
    grad_check("conv hypothesis dw", dw, numerical_vjp(lambda z: conv2d_forward(x, z, b, stride, pad)[0], w, dout))
    grad_check("conv hypothesis db", db, numerical_vjp(lambda z: conv2d_forward(x, w, z, stride, pad)[0], b, dout))


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


TORCH_CONFIGS = CONFIGS + [
    ((3, 4, 10, 11), (5, 4, 3, 3), 1, 1),
    ((2, 3, 12, 9), (4, 3, 5, 3), (3, 2), (2, 1)),
    ((1, 1, 28, 28), (3, 1, 3, 3), 1, 0),   # the first layer of the seeds' MNIST network
    ((2, 3, 13, 13), (10, 3, 4, 4), 1, 0),  # its second layer
]


@pytest.mark.parametrize("kind", ["naive", "vectorized"])
@pytest.mark.parametrize("config", TORCH_CONFIGS, ids=[f"t{k}" for k in range(len(TORCH_CONFIGS))])
def test_agrees_with_pytorch_autograd(torch, torch_case, config, kind):
    forward, backward = FORWARDS[kind]
    x, w, b, stride, pad, dout = make_case(config, seed=4)
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    out_t = torch.nn.functional.conv2d(xt, wt, bt, stride=_pair(stride), padding=_pair(pad))
    out_t.backward(torch.tensor(dout))
    out, cache = forward(x, w, b, stride, pad)
    dx, dw, db = backward(dout, cache)
    check_close("out vs torch", out, out_t.detach().numpy(), 1e-10)
    check_close("dx vs torch", dx, xt.grad.numpy(), 1e-10)
    check_close("dw vs torch", dw, wt.grad.numpy(), 1e-10)
    check_close("db vs torch", db, bt.grad.numpy(), 1e-10)
    torch_case()
