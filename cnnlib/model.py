"""``Sequential``: layers applied in order, their parameters, and the weights file.

``forward`` runs the layers in order, ``backward`` in reverse order (the chain
rule), so after ``backward`` every layer's ``grads`` holds ``∂E/∂param``.
Weights are drawn once, in layer order, from ``np.random.default_rng(seed)``,
so the same seed gives the same network.

The weights file (``save`` / ``load``) is a plain ``.npz`` archive, one array
per parameter named ``"<layer>.<param>"`` (``"conv1.w"``), no pickle. ``save``
writes exactly the path it is given (no suffix is added, so ``load`` of the
same path reads it back) and returns it. ``load`` reads and checks the whole
file first (names, shapes, dtypes, finite values) and only then writes the
parameters: a bad file leaves the network as it was. Reading and writing the
archive, and what is checked before anything is inflated: ``weights_file``.
"""
import warnings

import numpy as np

from ._validate import as_bool, as_float_array, as_real, as_seed, as_shape
from .gradcheck import numerical_gradient, rel_error
from .layers import Conv2D, Layer, _as_float_dtype
from .losses import softmax_cross_entropy_backward, softmax_cross_entropy_forward
from .weights_file import WEIGHTS_FILE, as_path, read_weights, write_weights  # noqa: F401


class Sequential:
    """Layers applied one after the other to images of ``input_shape = (C, H, W)``.

    ``forward(x (N, C, H, W)) -> scores``; ``backward(dscores) -> dx`` fills every
    layer's ``grads``. Parameter names are ``"<layer>.<param>"``, e.g.
    ``"conv1.w"``; ``parameters()`` and ``gradients()`` return dicts of the live
    arrays (an optimizer updates them in place).
    """

    def __init__(self, layers, input_shape, seed=0, dtype=np.float32):
        if not isinstance(layers, (list, tuple)) or not layers:
            raise ValueError(f"layers: expected a non-empty list of cnnlib.network layers, got {layers!r}")
        self.layers = list(layers)
        self.input_shape = as_shape(input_shape, "input_shape", ndim=3, hint="(C, H, W)")
        self.dtype = _as_float_dtype(dtype)
        self.seed = as_seed(seed)
        if len(set(map(id, self.layers))) != len(self.layers):
            raise ValueError("layers: expected each layer object once (a layer keeps one cache), "
                             "got the same object twice")
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
        rng = np.random.default_rng(self.seed)
        for layer in self.layers:
            layer.init(rng, self.dtype)

    # ------------------------------------------------------------- the passes
    def _input(self, x):
        x = as_float_array(x, "x")
        if x.ndim != 4 or x.shape[1:] != self.input_shape:
            raise ValueError(f"x: expected shape (N, {', '.join(map(str, self.input_shape))}), "
                             f"got {x.shape}")
        return x.astype(self.dtype, copy=False)

    def _deltas(self, dout, need_dx):
        """``dout`` checked (real, finite) as the network's dtype; ``need_dx`` a bool."""
        as_bool(need_dx, "need_dx")
        return as_float_array(dout, "dout").astype(self.dtype, copy=False)

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
        d = self._deltas(dout, need_dx)
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
        """Write the parameters to ``path`` as an ``.npz`` archive; returns the ``Path`` written.

        The path is used as given (``save("w")`` writes ``w``, which ``load("w")``
        reads). The folder must exist and be writable; a symbolic link is written
        through. The file is written to a short temporary name next to it and then
        renamed, so an interrupted save never leaves half a file. Parameters that
        are NaN or infinite are refused (``load`` would refuse the file): a
        ValueError, and nothing is written. (``cnnlib.weights_file``)
        """
        path = as_path(path, "save")
        params = self.parameters()
        for name, value in params.items():
            bad = int(value.size - np.count_nonzero(np.isfinite(value)))
            if bad:
                raise ValueError(f"save {path}: expected finite parameters, but {name} holds {bad} NaN or "
                                 f"infinite value(s) (a diverged training?); nothing was written")
        return write_weights(path, params)

    def load(self, path):
        """Read parameters saved by ``save`` into this network, in place; returns the network.

        Names and shapes must match this network exactly, values must be real
        and finite once converted to the network's dtype; otherwise ValueError
        naming the file and what was expected, and no parameter is changed. A
        missing file raises FileNotFoundError. The file is checked before it is
        inflated (names and declared sizes), so a small file that would inflate
        to gigabytes is refused at once (``cnnlib.weights_file``).
        """
        path = as_path(path, "load")
        params = self.parameters()
        loaded = read_weights(path, {name: p.shape for name, p in params.items()})
        converted = {}
        for name in sorted(params):
            arr, target = loaded[name], params[name]
            with np.errstate(over="ignore", invalid="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                value = arr.astype(target.dtype)
            bad = int(value.size - np.count_nonzero(np.isfinite(value)))
            if bad:
                raise ValueError(f"load {path}: {name} expected finite values as {target.dtype}, "
                                 f"found {bad} NaN or infinite value(s)")
            converted[name] = value
        for name, value in converted.items():  # every check passed: now write
            params[name][...] = value
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
    if not isinstance(model, Sequential):
        raise ValueError(f"check_gradients: expected a cnnlib Sequential model, got {type(model).__name__}")
    if model.dtype != np.float64:
        raise ValueError(f"check_gradients: expected a float64 model, got {model.dtype}")
    h = as_real(h, "h", low=0, low_open=True)
    if names is not None:
        names = {names} if isinstance(names, str) else set(names)
        unknown = sorted(n for n in names if n not in model.parameters())
        if unknown:
            raise ValueError(f"names: expected names from {list(model.parameters())}, got {unknown}")
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
