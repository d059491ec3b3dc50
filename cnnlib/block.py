"""One block of seed 004's network, conv -> ReLU -> max pool, as one function.

    z = conv(x, w, b; stride, pad),   a = max(0, z),   p = maxpool(a; pool, pool_stride)

Forward only, built from the layer functions: the error of a chain as a plain function
of its weights, for finite-difference checks (notebooks 05 and 06). The backward pass is
the layers' own ``*_backward`` functions, called in reverse order.
"""
from .activations import relu_forward
from .conv import conv2d_forward
from .pool import maxpool2d_forward


def conv_relu_pool(x, w, b, stride=1, pad=0, pool=2, pool_stride=None):
    """``p = maxpool(max(0, conv(x, w, b)))``.

    ``x (N, C, H, W)``, ``w (F, C, KH, KW)``, ``b (F,)``; the conv's ``stride`` and ``pad``;
    ``pool`` the pooling window, ``pool_stride`` its stride (default: ``pool``) ->
    ``p (N, F, H_p, W_p)``. Bad input gets the layer functions' ValueError.
    """
    z, _ = conv2d_forward(x, w, b, stride, pad)  # (N, F, H_out, W_out)
    a, _ = relu_forward(z)
    p, _ = maxpool2d_forward(a, pool, pool_stride)  # (N, F, H_p, W_p)
    return p
