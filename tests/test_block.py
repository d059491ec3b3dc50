"""The conv -> ReLU -> max pool block: the composition of the three layer functions."""
import numpy as np
import pytest

from cnnlib.activations import relu_forward
from cnnlib.block import conv_relu_pool
from cnnlib.conv import conv2d_forward_naive
from cnnlib.pool import maxpool2d_forward_naive


@pytest.mark.parametrize("stride, pad, pool, pool_stride", [(1, 0, 2, None), (2, 1, 2, 1), (1, 1, 3, 2)])
def test_the_block_is_conv_then_relu_then_max_pool(stride, pad, pool, pool_stride):
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(2, 3, 9, 8)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)
    z, _ = conv2d_forward_naive(x, w, b, stride, pad)
    expected, _ = maxpool2d_forward_naive(relu_forward(z)[0], pool, pool_stride)
    np.testing.assert_allclose(conv_relu_pool(x, w, b, stride, pad, pool, pool_stride), expected, rtol=1e-12)


def test_bad_input_gets_the_layers_value_error():
    with pytest.raises(ValueError, match="channels"):
        conv_relu_pool(np.zeros((1, 2, 6, 6)), np.zeros((1, 3, 3, 3)), np.zeros(1))
    with pytest.raises(ValueError):
        conv_relu_pool(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 3, 3)), np.zeros(1), pool=3)
