"""Layer objects and a sequential network, thin wrappers over the cnnlib functions.

Each layer keeps what its forward pass returned as ``cache`` and hands it to the
matching ``*_backward`` function; the maths lives only in ``conv.py``,
``activations.py``, ``pool.py`` and ``dense.py``. A layer has

- ``params``: a dict of its arrays (``"w"``, ``"b"``; empty for ReLU, pooling, flatten),
- ``grads``: a dict of the same names and shapes, filled by ``backward``,
- ``forward(x) -> out`` and ``backward(dout) -> dx`` (``dout = ∂E/∂out``, ``dx = ∂E/∂x``),
- ``output_shape(input_shape)`` for one image (no batch axis), used by the summary.

``Sequential`` chains layers: ``forward`` runs them in order, ``backward`` in
reverse order (the chain rule), so after ``backward`` every layer's ``grads``
holds ``∂E/∂param``. The two networks of the seeds are ready-made:

- ``one_conv_net``: Input -> conv -> relu -> maxpool -> fully connected (``000_*``),
- ``two_conv_net``: conv 3@1x3x3 -> relu -> maxpool 2 -> conv 10@3x4x4 -> relu ->
  maxpool 2 -> FC 250 -> 10 (``004_*``): 28x28 -> 3@26x26 -> 3@13x13 -> 10@10x10 ->
  10@5x5 -> 250 -> 10.

Weights are drawn once, in layer order, from ``np.random.default_rng(seed)``
(He / Kaiming normal: ``w ~ N(0, gain² / fan_in)`` with ``gain = √2`` for layers
followed by ReLU, biases 0), so the same seed gives the same network. The ready
networks start their output layer small (``gain = 0.1``): all ten scores start
near 0, every class near probability 1/10, so the first loss is near ``ln 10``. ``dtype`` is float32 (fast) or float64 (for gradient checks).
"""
import numpy as np

from ._validate import as_pair, output_size
from .activations import relu_backward, relu_forward
from .conv import conv2d_backward, conv2d_forward, conv_output_shape
from .dense import affine_backward, affine_forward, flatten_backward, flatten_forward
from .gradcheck import numerical_gradient, rel_error
from .losses import softmax_cross_entropy_backward, softmax_cross_entropy_forward
from .pool import avgpool2d_backward, avgpool2d_forward, maxpool2d_backward, maxpool2d_forward

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _as_float_dtype(dtype):
    dtype = np.dtype(dtype)
    if dtype not in _FLOATS:
        raise ValueError(f"dtype: expected float32 or float64, got {dtype}")
    return dtype


class Layer:
    """Base class: no parameters; subclasses set ``kind`` and the two passes."""
    kind = "layer"

    def __init__(self, name=None):
        self.name = name
        self.params = {}
        self.grads = {}
        self.cache = None

    def init(self, rng, dtype):
        """Draw the parameters from ``rng`` (nothing to draw for most layers)."""

    def output_shape(self, input_shape):
        return tuple(input_shape)

    def _need_cache(self):
        if self.cache is None:
            raise ValueError(f"{self.name or self.kind}: backward called before forward")
        return self.cache

    def __repr__(self):
        return f"{type(self).__name__}({self._args()})"

    def _args(self):
        return ""


class Conv2D(Layer):
    """Convolution layer: ``x (N, C, H, W)`` -> ``(N, F, H_out, W_out)``.

    ``params``: ``w (F, C, KH, KW)``, ``b (F,)``. Calls ``conv2d_forward`` /
    ``conv2d_backward`` (im2row), which implement

        out[n, f, i, j] = b[f] + Σ_c Σ_m Σ_q w[f, c, m, q] · x_pad[n, c, S·i + m, S·j + q]
    """
    kind = "conv"

    def __init__(self, in_channels, filters, kernel_size, stride=1, pad=0, gain=np.sqrt(2.0), name=None):
        super().__init__(name)
        self.gain = float(gain)
        if in_channels < 1 or filters < 1:
            raise ValueError(f"Conv2D: expected in_channels >= 1 and filters >= 1, "
                             f"got {in_channels} and {filters}")
        self.in_channels, self.filters = int(in_channels), int(filters)
        self.kernel_size = as_pair(kernel_size, "kernel_size", 1)
        self.stride = as_pair(stride, "stride", 1)
        self.pad = as_pair(pad, "pad", 0)

    def init(self, rng, dtype):
        kh, kw = self.kernel_size
        fan_in = self.in_channels * kh * kw
        w = rng.normal(0.0, self.gain / np.sqrt(fan_in), size=(self.filters, self.in_channels, kh, kw))
        self.params = {"w": w.astype(dtype), "b": np.zeros(self.filters, dtype=dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def output_shape(self, input_shape):
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
        if len(input_shape) != 3:
            raise ValueError(f"{self.name or self.kind}: expected input (C, H, W), got {tuple(input_shape)}")
        c, h, w = input_shape
        return (c, output_size(h, self.size[0], self.stride[0], 0, "H"),
                output_size(w, self.size[1], self.stride[1], 0, "W"))

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
        return (int(np.prod(input_shape)),)

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
        self.gain = float(gain)
        if in_features < 1 or out_features < 1:
            raise ValueError(f"Dense: expected in_features >= 1 and out_features >= 1, "
                             f"got {in_features} and {out_features}")
        self.in_features, self.out_features = int(in_features), int(out_features)

    def init(self, rng, dtype):
        w = rng.normal(0.0, self.gain / np.sqrt(self.in_features), size=(self.in_features, self.out_features))
        self.params = {"w": w.astype(dtype), "b": np.zeros(self.out_features, dtype=dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def output_shape(self, input_shape):
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


class Sequential:
    """Layers applied one after the other to images of ``input_shape = (C, H, W)``.

    ``forward(x (N, C, H, W)) -> scores``; ``backward(dscores) -> dx`` fills every
    layer's ``grads``. Parameter names are ``"<layer>.<param>"``, e.g.
    ``"conv1.w"``; ``parameters()`` and ``gradients()`` return dicts of the live
    arrays (an optimizer updates them in place).
    """

    def __init__(self, layers, input_shape, seed=0, dtype=np.float32):
        self.layers = list(layers)
        self.input_shape = tuple(int(s) for s in input_shape)
        self.dtype = _as_float_dtype(dtype)
        self.seed = seed
        counts = {}
        shape = self.input_shape
        self.shapes = [shape]  # the per-image shape after each layer
        for layer in self.layers:
            if not isinstance(layer, Layer):
                raise ValueError(f"layers: expected cnnlib.network layers, got {type(layer).__name__}")
            counts[layer.kind] = counts.get(layer.kind, 0) + 1
            if layer.name is None:
                layer.name = f"{layer.kind}{counts[layer.kind]}"
            shape = layer.output_shape(shape)
            self.shapes.append(shape)
        names = [layer.name for layer in self.layers]
        if len(set(names)) != len(names):
            raise ValueError(f"layers: expected unique names, got {names}")
        rng = np.random.default_rng(seed)
        for layer in self.layers:
            layer.init(rng, self.dtype)

    # ------------------------------------------------------------- the passes
    def _input(self, x):
        x = np.asarray(x)
        if x.ndim != 4 or x.shape[1:] != self.input_shape:
            raise ValueError(f"x: expected shape (N, {', '.join(map(str, self.input_shape))}), "
                             f"got {x.shape}")
        return x.astype(self.dtype, copy=False)

    def forward(self, x):
        """``x (N, C, H, W)`` -> the last layer's output (scores ``(N, K)``)."""
        out = self._input(x)
        for layer in self.layers:
            out = layer.forward(out)
        return out

    def activations(self, x):
        """Every layer's output for ``x``: ``{"input": x, "conv1": ..., "relu1": ..., ...}``."""
        out = self._input(x)
        outs = {"input": out}
        for layer in self.layers:
            out = layer.forward(out)
            outs[layer.name] = out
        return outs

    def backward(self, dout, need_dx=True):
        """Chain rule from the top: each layer turns ``∂E/∂out`` into ``∂E/∂in``.

        Returns ``∂E/∂x`` for the network's input, or None with ``need_dx=False``:
        training never needs the gradient of the images, so a first conv layer
        then skips its input-gradient scatter.
        """
        d = np.asarray(dout).astype(self.dtype, copy=False)
        first, *upper = self.layers
        for layer in reversed(upper):
            d = layer.backward(d)
        if isinstance(first, Conv2D):
            return first.backward(d, need_dx=need_dx)
        d = first.backward(d)
        return d if need_dx else None

    def loss(self, x, y):
        """Mean softmax cross-entropy of the network's scores on ``x`` against labels ``y``."""
        loss, _ = softmax_cross_entropy_forward(self.forward(x), y)
        return loss

    def loss_and_gradients(self, x, y):
        """Forward, loss, and backward in one go: returns ``(loss, scores)``; fills ``grads``."""
        scores = self.forward(x)
        loss, cache = softmax_cross_entropy_forward(scores, y)
        self.backward(softmax_cross_entropy_backward(1.0, cache), need_dx=False)
        return loss, scores

    # -------------------------------------------------------------- parameters
    def parameters(self):
        """``{"conv1.w": array, ...}``: the live parameter arrays, in layer order."""
        return {f"{layer.name}.{k}": v for layer in self.layers for k, v in layer.params.items()}

    def gradients(self):
        """``{"conv1.w": ∂E/∂w, ...}`` from the last ``backward``, same names as ``parameters``."""
        return {f"{layer.name}.{k}": v for layer in self.layers for k, v in layer.grads.items()}

    def layer(self, name):
        """The layer called ``name`` (e.g. ``"conv1"``)."""
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"layer: expected one of {[la.name for la in self.layers]}, got {name!r}")

    def num_parameters(self):
        return int(sum(v.size for v in self.parameters().values()))

    def save(self, path):
        """Write the parameters to an ``.npz`` file (plain arrays, no pickle)."""
        np.savez(path, **self.parameters())

    def load(self, path):
        """Read parameters saved by ``save`` into this network, in place.

        Names and shapes must match this network exactly (ValueError otherwise);
        values are converted to the network's dtype.
        """
        params = self.parameters()
        with np.load(path, allow_pickle=False) as npz:
            if sorted(npz.files) != sorted(params):
                raise ValueError(f"load {path}: expected parameters {sorted(params)}, found {sorted(npz.files)}")
            loaded = {name: npz[name] for name in npz.files}
        for name, arr in loaded.items():
            if arr.shape != params[name].shape:
                raise ValueError(f"load {path}: {name} expected shape {params[name].shape}, found {arr.shape}")
        for name, arr in loaded.items():
            params[name][...] = arr
        return self

    def summary(self):
        """A table of every layer's output shape (per image) and parameter count."""
        rows = [("input", str(self.input_shape), "0")]
        for layer, shape in zip(self.layers, self.shapes[1:]):
            rows.append((layer.name, str(shape), str(sum(v.size for v in layer.params.values()))))
        rows.append(("total", "", str(self.num_parameters())))
        widths = [max(len(r[k]) for r in rows + [("layer", "output shape", "parameters")]) for k in range(3)]
        lines = [f"{'layer':<{widths[0]}}  {'output shape':<{widths[1]}}  {'parameters':>{widths[2]}}"]
        lines += [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:>{widths[2]}}" for a, b, c in rows]
        return "\n".join(lines)

    def __repr__(self):
        inner = ",\n  ".join(repr(layer) for layer in self.layers)
        return f"Sequential([\n  {inner}\n], input_shape={self.input_shape}, dtype={self.dtype.name})"


def check_gradients(model, x, y, h=1e-6, names=None):
    """Relative error between backprop's and finite differences' ``∂E/∂param``.

    For each parameter (or only those in ``names``), ``numerical_gradient``
    nudges every entry by ``±h`` and recomputes the loss ``model.loss(x, y)``;
    backprop's gradient comes from one ``loss_and_gradients``. Use a float64
    model and a few images. Returns ``{name: relative error}``; the parameters
    are left unchanged.
    """
    if model.dtype != np.float64:
        raise ValueError(f"check_gradients: expected a float64 model, got {model.dtype}")
    model.loss_and_gradients(x, y)
    analytic = {k: v.copy() for k, v in model.gradients().items()}
    errors = {}
    for name, param in model.parameters().items():
        if names is not None and name not in names:
            continue
        saved = param.copy()

        def loss_at(value, param=param):
            param[...] = value
            return model.loss(x, y)

        numeric = numerical_gradient(loss_at, saved, h)
        param[...] = saved
        errors[name] = rel_error(analytic[name], numeric)
    return errors


# ------------------------------------------------------------------ the seed networks

def one_conv_net(seed=0, dtype=np.float32, filters=8, kernel_size=3, classes=10, input_shape=(1, 28, 28)):
    """The network of ``000_*``: Input -> conv -> relu -> maxpool 2 -> fully connected.

    Default: conv 8@1x3x3 -> relu -> maxpool 2 -> FC 8*13*13 = 1352 -> 10
    (28x28 -> 8@26x26 -> 8@13x13 -> 1352 -> 10).
    """
    c, h, w = input_shape
    conv = Conv2D(c, filters, kernel_size)
    pooled = MaxPool2D(2).output_shape(conv.output_shape(tuple(input_shape)))
    return Sequential([conv, ReLU(), MaxPool2D(2), Flatten(), Dense(int(np.prod(pooled)), classes, gain=0.1)],
                      input_shape, seed=seed, dtype=dtype)


def two_conv_net(seed=0, dtype=np.float32):
    """The network of ``004_*``, shapes per image:

        input 1x28x28 -> conv 3@1x3x3 -> 3x26x26 -> relu -> maxpool 2 -> 3x13x13
        -> conv 10@3x4x4 -> 10x10x10 -> relu -> maxpool 2 -> 10x5x5 -> flatten 250 -> FC 10
    """
    layers = [Conv2D(1, 3, 3), ReLU(), MaxPool2D(2),
              Conv2D(3, 10, 4), ReLU(), MaxPool2D(2),
              Flatten(), Dense(250, 10, gain=0.1)]
    return Sequential(layers, (1, 28, 28), seed=seed, dtype=dtype)


MODELS = {"one_conv": one_conv_net, "two_conv": two_conv_net}


def build_model(name, seed=0, dtype=np.float32):
    """One of ``MODELS`` by name: ``"one_conv"`` or ``"two_conv"``."""
    if name not in MODELS:
        raise ValueError(f"model: expected one of {sorted(MODELS)}, got {name!r}")
    return MODELS[name](seed=seed, dtype=dtype)
