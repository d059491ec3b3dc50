"""Layer objects: thin wrappers over the cnnlib functions, one per layer kind.

Each layer keeps what its forward pass returned as ``cache`` and hands it to the
matching ``*_backward`` function; the maths lives only in ``conv.py``,
``activations.py``, ``pool.py`` and ``dense.py``. A layer has

- ``params``: a dict of its arrays (``"w"``, ``"b"``; empty for ReLU, pooling, flatten),
- ``grads``: a dict of the same names and shapes, filled by ``backward``,
- ``forward(x) -> out`` and ``backward(dout) -> dx`` (``dout = ∂E/∂out``, ``dx = ∂E/∂x``),
- ``output_shape(input_shape)`` for one image (no batch axis), used by the summary.

Weights are drawn by ``init(rng, dtype)`` (He / Kaiming normal:
``w ~ N(0, gain² / fan_in)``, biases 0). Sizes must be ints (``Conv2D(2.5, ...)``
is an error, not a layer with 2 channels), ``gain`` a finite number > 0.
"""
import numpy as np

from ._validate import as_int, as_pair, as_real, as_shape, output_size
from .activations import relu_backward, relu_forward
from .conv import conv2d_backward, conv2d_forward, conv_output_shape
from .dense import affine_backward, affine_forward, flatten_backward, flatten_forward
from .pool import avgpool2d_backward, avgpool2d_forward, maxpool2d_backward, maxpool2d_forward

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _as_float_dtype(dtype):
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise ValueError(f"dtype: expected float32 or float64, got {dtype!r}") from None
    if dtype not in _FLOATS:
        raise ValueError(f"dtype: expected float32 or float64, got {dtype}")
    return dtype


def _as_name(name):
    if name is not None and (not isinstance(name, str) or not name):
        raise ValueError(f"name: expected None or a non-empty str, got {name!r}")
    return name


class Layer:
    """Base class: no parameters; subclasses set ``kind`` and the two passes."""
    kind = "layer"

    def __init__(self, name=None):
        self.name = _as_name(name)
        self.params = {}
        self.grads = {}
        self.cache = None

    def init(self, rng, dtype):
        """Draw the parameters from ``rng`` (nothing to draw for most layers)."""
        _check_init(rng, dtype)

    def output_shape(self, input_shape):
        return as_shape(input_shape, f"{self.name or self.kind}: input shape")

    def _need_cache(self):
        if self.cache is None:
            raise ValueError(f"{self.name or self.kind}: backward called before forward")
        return self.cache

    def __repr__(self):
        return f"{type(self).__name__}({self._args()})"

    def _args(self):
        return ""


def _check_init(rng, dtype):
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng: expected a numpy Generator (np.random.default_rng(seed)), "
                         f"got {type(rng).__name__}")
    return _as_float_dtype(dtype)


def _he_normal(rng, dtype, shape, fan_in, gain):
    dtype = _check_init(rng, dtype)
    return rng.normal(0.0, gain / np.sqrt(fan_in), size=shape).astype(dtype)


class Conv2D(Layer):
    """Convolution layer: ``x (N, C, H, W)`` -> ``(N, F, H_out, W_out)``.

    ``params``: ``w (F, C, KH, KW)``, ``b (F,)``. Calls ``conv2d_forward`` /
    ``conv2d_backward`` (im2row), which implement

        out[n, f, i, j] = b[f] + Σ_c Σ_m Σ_q w[f, c, m, q] · x_pad[n, c, S·i + m, S·j + q]
    """
    kind = "conv"

    def __init__(self, in_channels, filters, kernel_size, stride=1, pad=0, gain=np.sqrt(2.0), name=None):
        super().__init__(name)
        self.gain = as_real(gain, "Conv2D gain", low=0, low_open=True)
        self.in_channels = as_int(in_channels, "Conv2D in_channels", minimum=1)
        self.filters = as_int(filters, "Conv2D filters", minimum=1)
        self.kernel_size = as_pair(kernel_size, "kernel_size", 1)
        self.stride = as_pair(stride, "stride", 1)
        self.pad = as_pair(pad, "pad", 0)

    def init(self, rng, dtype):
        kh, kw = self.kernel_size
        w = _he_normal(rng, dtype, (self.filters, self.in_channels, kh, kw), self.in_channels * kh * kw, self.gain)
        self.params = {"w": w, "b": np.zeros(self.filters, dtype=w.dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def output_shape(self, input_shape):
        input_shape = super().output_shape(input_shape)
        if len(input_shape) != 3 or input_shape[0] != self.in_channels:
            raise ValueError(f"{self.name or 'Conv2D'}: expected input (C={self.in_channels}, H, W), "
                             f"got {tuple(input_shape)}")
        _, f, h_out, w_out = conv_output_shape((1,) + tuple(input_shape),
                                               (self.filters, self.in_channels) + self.kernel_size,
                                               self.stride, self.pad)
        return (f, h_out, w_out)

    def forward(self, x):
        out, self.cache = conv2d_forward(x, self.params["w"], self.params["b"], self.stride, self.pad)
        return out

    def backward(self, dout, need_dx=True):
        dx, self.grads["w"], self.grads["b"] = conv2d_backward(dout, self._need_cache(), need_dx)
        return dx

    def _args(self):
        return (f"{self.in_channels}, {self.filters}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, pad={self.pad}")


class ReLU(Layer):
    """``out = max(0, x)``; backward lets ``dout`` through where ``x > 0``."""
    kind = "relu"

    def forward(self, x):
        out, self.cache = relu_forward(x)
        return out

    def backward(self, dout):
        return relu_backward(dout, self._need_cache())


class _Pool(Layer):
    def __init__(self, size=2, stride=None, name=None):
        super().__init__(name)
        self.size = as_pair(size, "size", 1)
        self.stride = self.size if stride is None else as_pair(stride, "stride", 1)

    def output_shape(self, input_shape):
        input_shape = super().output_shape(input_shape)
        if len(input_shape) != 3:
            raise ValueError(f"{self.name or self.kind}: expected input (C, H, W), got {tuple(input_shape)}")
        c, h, w = input_shape
        return (c, output_size(h, self.size[0], self.stride[0], None, "H", "pooling window"),
                output_size(w, self.size[1], self.stride[1], None, "W", "pooling window"))

    def _args(self):
        return f"size={self.size}, stride={self.stride}"


class MaxPool2D(_Pool):
    """Max pooling; backward routes each delta to its window's winning unit."""
    kind = "maxpool"

    def forward(self, x):
        out, self.cache = maxpool2d_forward(x, self.size, self.stride)
        return out

    def backward(self, dout):
        return maxpool2d_backward(dout, self._need_cache())


class AvgPool2D(_Pool):
    """Average pooling; backward spreads each delta as ``δ / (KH·KW)`` over its window."""
    kind = "avgpool"

    def forward(self, x):
        out, self.cache = avgpool2d_forward(x, self.size, self.stride)
        return out

    def backward(self, dout):
        return avgpool2d_backward(dout, self._need_cache())


class Flatten(Layer):
    """``(N, C, H, W) -> (N, C*H*W)``; backward restores the layout of the deltas."""
    kind = "flatten"

    def output_shape(self, input_shape):
        return (int(np.prod(super().output_shape(input_shape))),)

    def forward(self, x):
        out, self.cache = flatten_forward(x)
        return out

    def backward(self, dout):
        return flatten_backward(dout, self._need_cache())


class Dense(Layer):
    """Fully connected layer ``out = x @ w + b``: ``x (N, D)``, ``w (D, M)``, ``b (M,)``."""
    kind = "fc"

    def __init__(self, in_features, out_features, gain=np.sqrt(2.0), name=None):
        super().__init__(name)
        self.gain = as_real(gain, "Dense gain", low=0, low_open=True)
        self.in_features = as_int(in_features, "Dense in_features", minimum=1)
        self.out_features = as_int(out_features, "Dense out_features", minimum=1)

    def init(self, rng, dtype):
        w = _he_normal(rng, dtype, (self.in_features, self.out_features), self.in_features, self.gain)
        self.params = {"w": w, "b": np.zeros(self.out_features, dtype=w.dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def output_shape(self, input_shape):
        input_shape = super().output_shape(input_shape)
        if tuple(input_shape) != (self.in_features,):
            raise ValueError(f"{self.name or 'Dense'}: expected input ({self.in_features},), "
                             f"got {tuple(input_shape)}")
        return (self.out_features,)

    def forward(self, x):
        out, self.cache = affine_forward(x, self.params["w"], self.params["b"])
        return out

    def backward(self, dout):
        dx, self.grads["w"], self.grads["b"] = affine_backward(dout, self._need_cache())
        return dx

    def _args(self):
        return f"{self.in_features}, {self.out_features}"
