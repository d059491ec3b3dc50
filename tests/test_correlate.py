"""Single-channel primitives: cross-correlation, convolution, rot180, dilate, pad2d."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlib.correlate import convolve2d, cross_correlate2d, dilate, pad2d, rot180
from cnnlib.gradcheck import check_close, numerical_vjp


def _xcorr_loops(image, kernel, mode):
    """out[i, j] = Σ_m Σ_q image[i + m, j + q] kernel[m, q] (full: image zero-padded by K-1)."""
    kh, kw = kernel.shape
    if mode == "full":
        image = np.pad(image, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    h_out, w_out = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    out = np.zeros((h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            for m in range(kh):
                for q in range(kw):
                    out[i, j] += image[i + m, j + q] * kernel[m, q]
    return out


def _conv_loops(image, kernel, mode):
    """out[i, j] = Σ_m Σ_q image[i - m, j - q] kernel[m, q], over indices inside the image."""
    h, w = image.shape
    kh, kw = kernel.shape
    full = np.zeros((h + kh - 1, w + kw - 1))
    for i in range(h + kh - 1):
        for j in range(w + kw - 1):
            for m in range(kh):
                for q in range(kw):
                    if 0 <= i - m < h and 0 <= j - q < w:
                        full[i, j] += image[i - m, j - q] * kernel[m, q]
    return full if mode == "full" else full[kh - 1:h, kw - 1:w]


SHAPES = [((5, 5), (3, 3)), ((6, 4), (2, 3)), ((4, 7), (4, 1)), ((3, 3), (3, 3)), ((5, 6), (1, 1))]


@pytest.mark.parametrize("mode", ["valid", "full"])
@pytest.mark.parametrize("shapes", SHAPES)
def test_both_follow_their_definitions(shapes, mode):
    rng = np.random.default_rng(0)
    image, kernel = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    xc, cv = cross_correlate2d(image, kernel, mode), convolve2d(image, kernel, mode)
    check_close("cross_correlate2d", xc, _xcorr_loops(image, kernel, mode), 1e-14)
    check_close("convolve2d", cv, _conv_loops(image, kernel, mode), 1e-14)
    (h, w), (kh, kw) = shapes
    expected = (h - kh + 1, w - kw + 1) if mode == "valid" else (h + kh - 1, w + kw - 1)
    assert xc.shape == cv.shape == expected


@pytest.mark.parametrize("mode", ["valid", "full"])
@pytest.mark.parametrize("shapes", SHAPES)
def test_convolution_is_correlation_with_the_rotated_kernel(shapes, mode):
    rng = np.random.default_rng(1)
    image, kernel = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    check_close("conv vs xcorr(rot180)", convolve2d(image, kernel, mode),
                cross_correlate2d(image, rot180(kernel), mode), 1e-14)


def test_correlation_and_convolution_differ_for_an_asymmetric_kernel():
    image = np.arange(16.0).reshape(4, 4)
    kernel = np.array([[1.0, 0.0], [0.0, 0.0]])  # picks the top-left neighbour
    assert np.array_equal(cross_correlate2d(image, kernel), image[:3, :3])
    assert np.array_equal(convolve2d(image, kernel), image[1:, 1:])  # the flip picks bottom-right


def test_full_convolution_commutes():
    rng = np.random.default_rng(2)
    a, k = rng.standard_normal((4, 6)), rng.standard_normal((3, 2))
    check_close("I * K == K * I", convolve2d(a, k, "full"), convolve2d(k, a, "full"), 1e-14)


@pytest.mark.parametrize("shapes", SHAPES)
def test_gradients_of_cross_correlation_are_the_documented_rules(shapes, grad_check):
    """For out = I ⋆ K and deltas δ: ∂E/∂K = I ⋆ δ (valid), ∂E/∂I = δ ⋆_full rot180(K) = δ ∗_full K."""
    rng = np.random.default_rng(3)
    image, kernel = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    delta = rng.standard_normal(cross_correlate2d(image, kernel).shape)
    d_kernel = cross_correlate2d(image, delta)
    d_image = cross_correlate2d(delta, rot180(kernel), "full")
    check_close("δ ∗_full K", convolve2d(delta, kernel, "full"), d_image, 1e-14)
    grad_check("xcorr dK", d_kernel, numerical_vjp(lambda z: cross_correlate2d(image, z), kernel, delta))
    grad_check("xcorr dI", d_image, numerical_vjp(lambda z: cross_correlate2d(z, kernel), image, delta))


@pytest.mark.parametrize("shapes", SHAPES)
def test_gradients_of_convolution(shapes, grad_check):
    """For out = I ∗ K (valid): ∂E/∂I = δ ⋆_full K, ∂E/∂K = rot180(I ⋆ δ)."""
    rng = np.random.default_rng(4)
    image, kernel = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    delta = rng.standard_normal(convolve2d(image, kernel).shape)
    grad_check("conv dI", cross_correlate2d(delta, kernel, "full"),
               numerical_vjp(lambda z: convolve2d(z, kernel), image, delta))
    grad_check("conv dK", rot180(cross_correlate2d(image, delta)),
               numerical_vjp(lambda z: convolve2d(image, z), kernel, delta))


def test_float32_stays_float32():
    image, kernel = np.ones((4, 5), np.float32), np.ones((2, 2), np.float32)
    for mode in ("valid", "full"):
        assert cross_correlate2d(image, kernel, mode).dtype == np.float32
        assert convolve2d(image, kernel, mode).dtype == np.float32
    assert rot180(kernel).dtype == dilate(kernel, 2).dtype == pad2d(kernel, 1).dtype == np.float32


# ------------------------------------------------------- rot180, dilate, pad

def test_rot180():
    k = np.arange(6.0).reshape(2, 3)
    assert np.array_equal(rot180(k), np.array([[5.0, 4.0, 3.0], [2.0, 1.0, 0.0]]))
    assert np.array_equal(rot180(rot180(k)), k)
    assert np.array_equal(rot180(k), np.rot90(k, 2))
    batch = np.arange(24.0).reshape(2, 2, 2, 3)
    assert np.array_equal(rot180(batch)[1, 0], rot180(batch[1, 0]))  # last two axes only
    r = rot180(k)
    r[0, 0] = -1.0
    assert k[1, 2] == 5.0  # a copy, not a view


def test_dilate():
    d = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert np.array_equal(dilate(d, 1), d)
    assert np.array_equal(dilate(d, 2), np.array([[1, 0, 2], [0, 0, 0], [3, 0, 4]], dtype=float))
    got = dilate(np.arange(1.0, 7.0).reshape(2, 3), (3, 2))
    assert got.shape == (4, 5)
    assert np.array_equal(got[::3, ::2], np.arange(1.0, 7.0).reshape(2, 3))
    assert np.count_nonzero(got) == 6
    batch = np.ones((2, 3, 2, 2))
    assert dilate(batch, 2).shape == (2, 3, 3, 3)


def test_pad2d():
    a = np.arange(6.0).reshape(2, 3)
    assert np.array_equal(pad2d(a, 0), a)
    p = pad2d(a, (1, 2))
    assert p.shape == (4, 7)
    assert np.array_equal(p[1:-1, 2:-2], a)
    assert p.sum() == a.sum() and np.count_nonzero(p) == np.count_nonzero(a)
    assert pad2d(np.ones((2, 3, 4, 5)), 2).shape == (2, 3, 8, 9)


@settings(max_examples=100)
@given(h=st.integers(1, 6), w=st.integers(1, 6), kh=st.integers(1, 4), kw=st.integers(1, 4),
       sh=st.integers(1, 3), sw=st.integers(1, 3), seed=st.integers(0, 2**32 - 1))
def test_property_correlate_convolve_dilate(h, w, kh, kw, sh, sw, seed):
    rng = np.random.default_rng(seed)
    image, kernel = rng.standard_normal((h, w)), rng.standard_normal((kh, kw))
    check_close("full", convolve2d(image, kernel, "full"), cross_correlate2d(image, rot180(kernel), "full"), 1e-13)
    check_close("full def", cross_correlate2d(image, kernel, "full"), _xcorr_loops(image, kernel, "full"), 1e-13)
    if kh <= h and kw <= w:
        check_close("valid", convolve2d(image, kernel), cross_correlate2d(image, rot180(kernel)), 1e-13)
    d = dilate(image, (sh, sw))
    assert d.shape == (sh * (h - 1) + 1, sw * (w - 1) + 1)
    assert np.array_equal(d[::sh, ::sw], image) and np.count_nonzero(d) == np.count_nonzero(image)


# -------------------------------------------------------------- bad input

BAD = [
    (lambda: cross_correlate2d(np.ones((1, 5, 5)), np.ones((3, 3))), r"image: expected 2 dimensions \(H, W\), got 3"),
    (lambda: convolve2d(np.ones((5, 5)), np.ones(3)), r"kernel: expected 2 dimensions \(KH, KW\), got 1"),
    (lambda: cross_correlate2d(np.ones((2, 5)), np.ones((3, 3))),
     r"valid mode: kernel shape \(3, 3\) is larger than image shape \(2, 5\)"),
    (lambda: convolve2d(np.ones((5, 2)), np.ones((3, 3))),
     r"valid mode: kernel shape \(3, 3\) is larger than image shape \(5, 2\)"),
    (lambda: cross_correlate2d(np.ones((5, 5)), np.ones((3, 3)), mode="same"),
     r"mode: expected one of \('valid', 'full'\), got 'same'"),
    (lambda: convolve2d(np.full((5, 5), np.nan), np.ones((3, 3))), r"image: expected finite values, got 25 NaN"),
    (lambda: cross_correlate2d(np.ones((5, 5)), np.full((3, 3), np.inf)), r"kernel: expected finite values, got 9 NaN"),
    (lambda: dilate(np.ones((3, 3)), 0), r"stride: expected values >= 1, got 0"),
    (lambda: dilate(np.ones((3, 3)), 1.5), r"stride: expected an int or a pair of ints \(h, w\), got 1.5"),
    (lambda: dilate(np.ones(3), 2), r"dilate: expected an array with at least 2 dimensions, got shape \(3,\)"),
    (lambda: pad2d(np.ones((3, 3)), -1), r"pad: expected values >= 0, got -1"),
    (lambda: pad2d(np.ones(3), 1), r"pad2d: expected an array with at least 2 dimensions, got shape \(3,\)"),
    (lambda: rot180(np.ones(3)), r"rot180: expected an array with at least 2 dimensions, got shape \(3,\)"),
]


@pytest.mark.parametrize("call, message", BAD, ids=[m[:40] for _, m in BAD])
def test_bad_input_raises_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
