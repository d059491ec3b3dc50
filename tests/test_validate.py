"""The shared input checks behind every ValueError of cnnlib."""
import numpy as np
import pytest

from cnnlib._validate import as_finite_scalar, as_float_array, as_pair, check_shape, output_size


def test_as_pair():
    assert as_pair(2, "stride", 1) == (2, 2)
    assert as_pair((1, 3), "stride", 1) == (1, 3)
    assert as_pair([0, 2], "pad", 0) == (0, 2)
    assert as_pair(np.int64(3), "stride", 1) == (3, 3)
    assert all(type(v) is int for v in as_pair((np.int32(1), np.int64(2)), "stride", 1))


@pytest.mark.parametrize("value", [1.0, "1", None, True, (1,), (1, 2, 3), (1, 2.0), (True, 1), np.array([1, 2])])
def test_as_pair_rejects_other_types(value):
    with pytest.raises(ValueError, match=r"stride: expected an int or a pair of ints \(h, w\), got "):
        as_pair(value, "stride", 1)


def test_as_pair_minimum():
    with pytest.raises(ValueError, match=r"pad: expected values >= 0, got \(0, -1\)"):
        as_pair((0, -1), "pad", 0)


def test_as_float_array_dtypes():
    assert as_float_array([1, 2], "x").dtype == np.float64
    assert as_float_array(np.array([True]), "x").dtype == np.float64
    assert as_float_array(np.ones(2, np.float32), "x").dtype == np.float32
    assert as_float_array(np.ones(2, np.float16), "x").dtype == np.float64
    a = np.ones(3)
    assert as_float_array(a, "x") is a  # no copy when nothing changes


def test_as_float_array_errors():
    with pytest.raises(ValueError, match=r"x: expected 4 dimensions \(N, C, H, W\), got 2 dimensions with shape \(2, 2\)"):
        as_float_array(np.ones((2, 2)), "x", ndim=4)
    with pytest.raises(ValueError, match=r"y: expected 3 dimensions, got 1 dimensions"):
        as_float_array(np.ones(2), "y", ndim=3)
    with pytest.raises(ValueError, match=r"x: expected finite values, got 2 NaN or infinite value\(s\)"):
        as_float_array([np.nan, 1.0, -np.inf], "x")
    assert np.isnan(as_float_array([np.nan], "x", finite=False)[0])
    with pytest.raises(ValueError, match=r"x: expected a numeric array, got dtype object"):
        as_float_array(np.array([None]), "x")
    with pytest.raises(ValueError, match=r"x: expected a numeric array, got list that numpy cannot turn into one"):
        as_float_array([[1.0], [1.0, 2.0]], "x")


def test_as_finite_scalar():
    assert as_finite_scalar(2, "dloss") == 2.0 and type(as_finite_scalar(np.float32(1), "dloss")) is float
    with pytest.raises(ValueError, match=r"dloss: expected a finite number, got nan"):
        as_finite_scalar(float("nan"), "dloss")
    with pytest.raises(ValueError, match=r"dloss: expected one real number \(a scalar\), got list with shape \(1,\)"):
        as_finite_scalar([1.0], "dloss")


def test_check_shape_and_output_size():
    check_shape(np.ones((2, 3)), "a", (2, 3))
    with pytest.raises(ValueError, match=r"a: expected shape \(3, 2\), got \(2, 3\)"):
        check_shape(np.ones((2, 3)), "a", (3, 2))
    assert output_size(7, 3, 2, 0) == 3
    assert output_size(8, 3, 2, 0) == 3  # the floor
    assert output_size(5, 7, 1, 1) == 1
    with pytest.raises(ValueError, match=r"kernel W size 8 is larger than the padded input W size 5 \+ 2\*1 = 7"):
        output_size(5, 8, 1, 1, "W")


def test_nan_or_infinity_raise_a_non_finite_error_which_is_a_valueerror():
    """train() tells a diverging network from any other error by this class alone (issue 22)."""
    from cnnlib._validate import NonFiniteError
    for bad in ([1.0, np.nan], [np.inf], np.full((2, 2), -np.inf, np.float32)):
        with pytest.raises(NonFiniteError, match="expected finite values") as info:
            as_float_array(bad, "x")
        assert isinstance(info.value, ValueError)
    with pytest.raises(NonFiniteError, match="expected a finite number"):
        as_finite_scalar(np.nan, "dloss")
    with pytest.raises(ValueError) as info:  # any other refusal is a plain ValueError
        as_float_array(["a"], "x")
    assert not isinstance(info.value, NonFiniteError)
