"""The numbers behind ``network_explorer``: one digit through seed 004's trained two-conv net.

``trained_two_conv_net()`` is ``cnnlib.network.two_conv_net`` with the weights of
``data/two_conv_weights.npz`` (trained by ``python -m cnnlib.train``, see
``data/README.md``; its SHA-256 is checked). ``network_state(model, x, target)``
runs one image forward with ``Sequential.activations`` and then backward, layer by
layer (``layer.backward`` in reverse order, exactly the chain that
``Sequential.backward`` runs), from the loss ``E = -ln p[target]``:

    ∂E/∂scores = p - onehot(target)                        (softmax cross-entropy)
    δ_in = layer.backward(δ_out)   for fc1, flatten1, maxpool2, relu2, conv2, ..., conv1

and keeps every stage's activation and delta, every weight gradient, the max-pool
winners and the per-stage gradient norms. Shapes, per image (no batch axis):

    input (1, 28, 28) -> conv1 (3, 26, 26) -> relu1 -> maxpool1 (3, 13, 13) -> conv2 (10, 10, 10)
    -> relu2 -> maxpool2 (10, 5, 5) -> flatten1 (250,) -> fc1 (10,) scores -> softmax p (10,)

``delta[name]`` is ``∂E/∂(output of name)``; ``delta["input"]`` is ``∂E/∂x``.
What a click on one unit shows (its upstream window, where its delta goes, the
sum that gives its delta) is ``network_units``.
"""
import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..data import load_mnist_subset, pixel_stats, prepare_images
from ..losses import softmax_cross_entropy_backward, softmax_cross_entropy_forward
from ..network import two_conv_net
from ..weights_file import as_path

WEIGHTS_FILE = Path(__file__).resolve().parents[2] / "data" / "two_conv_weights.npz"
WEIGHTS_SHA256 = "1150419a19896ccbd91719df4e460cf1db3ff1deed904b565091932c6d008b6a"
STAGES = ("input", "conv1", "relu1", "maxpool1", "conv2", "relu2", "maxpool2", "flatten1", "fc1")
SHAPES = {"input": (1, 28, 28), "conv1": (3, 26, 26), "relu1": (3, 26, 26),
          "maxpool1": (3, 13, 13), "conv2": (10, 10, 10), "relu2": (10, 10, 10),
          "maxpool2": (10, 5, 5), "flatten1": (250,), "fc1": (10,)}
PARAMS = ("conv1.w", "conv1.b", "conv2.w", "conv2.b", "fc1.w", "fc1.b")


def _sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def trained_two_conv_net(path=None, dtype=np.float32):
    """``two_conv_net`` with the trained weights of ``data/two_conv_weights.npz`` (or ``path``).

    The shipped file's SHA-256 must be ``WEIGHTS_SHA256`` (ValueError otherwise);
    a file given as ``path`` is only checked by ``Sequential.load``.
    """
    file = WEIGHTS_FILE if path is None else as_path(path, "trained_two_conv_net")
    if path is None:
        if not file.exists():
            raise FileNotFoundError(f"no trained weights at {file}: train them with the command "
                                    f"in data/README.md")
        got = _sha256(file)
        if got != WEIGHTS_SHA256:
            raise ValueError(f"{file}: expected SHA-256 {WEIGHTS_SHA256}, got {got} (a damaged or "
                             f"retrained file: see data/README.md)")
    return two_conv_net(dtype=dtype).load(file)


def held_out_digits(dtype=np.float32):
    """The 1,000 held-out digits as the network reads them, and their pixels and labels:
    ``(x (1000, 1, 28, 28) standardized, pixels (1000, 28, 28) uint8, labels (1000,))``."""
    x_train, _, x_test, y_test = load_mnist_subset()
    mean, std = pixel_stats(x_train)
    return prepare_images(x_test, mean, std, dtype), x_test, y_test


def drawn_digit(pixels, dtype=np.float32):
    """A digit drawn by the learner, ``pixels (28, 28)`` 0..255 (0 the background), as the
    network's input ``(1, 28, 28)``: standardized with the training set's statistics."""
    a = np.asarray(pixels)
    if a.shape != (28, 28) or a.dtype.kind not in "uif":
        raise ValueError(f"drawn digit: expected a (28, 28) array of pixel values 0..255, got "
                         f"shape {a.shape} and dtype {a.dtype}")
    if not np.isfinite(a).all() or a.min() < 0 or a.max() > 255:
        raise ValueError(f"drawn digit: expected pixel values 0..255, got {a.min()}..{a.max()}")
    mean, std = _train_stats()
    return prepare_images(a[None].astype(np.float64), mean, std, dtype)[0]


@lru_cache(maxsize=1)
def _train_stats():
    """``pixel_stats`` of the training digits (read once: a drawing must answer fast)."""
    x_train, _, _, _ = load_mnist_subset()
    return pixel_stats(x_train)


@dataclass
class NetworkState:
    """One image forward and backward through the two-conv net (arrays per image)."""
    x: np.ndarray            # (1, 28, 28) the network's input
    target: int              # the label of the loss E = -ln p[target]
    act: dict                # stage -> its output (SHAPES); act["input"] is x
    probs: np.ndarray        # (10,) softmax of the scores
    loss: float
    delta: dict              # stage -> ∂E/∂(its output), same shapes; delta["input"] = ∂E/∂x
    grads: dict              # "conv1.w" (3, 1, 3, 3), "conv1.b" (3,), ..., "fc1.w" (250, 10)
    params: dict             # the weights, same names and shapes
    winners: dict            # "maxpool1" (3, 13, 13), "maxpool2" (10, 5, 5): argmax in the window
    norms: dict = field(default_factory=dict)   # "δ input", ..., "∂E/∂conv1.w": L2 norms
    filter_norms: dict = field(default_factory=dict)   # "conv1.w" (3,), "conv2.w" (10,)

    @property
    def predicted(self):
        return int(np.argmax(self.act["fc1"]))


def network_state(model, x, target):
    """Forward ``x (1, 28, 28)`` through ``model`` (a two-conv ``Sequential``), then backward
    from ``E = -ln softmax(scores)[target]``, every layer's delta kept. See the module text."""
    x = np.asarray(x)
    if x.shape != (1, 28, 28):
        raise ValueError(f"x: expected one image of shape (1, 28, 28), got {x.shape}")
    target = int(target)
    if not 0 <= target <= 9:
        raise ValueError(f"target: expected a label 0..9, got {target}")
    names = [layer.name for layer in model.layers]
    if names != list(STAGES[1:]):
        raise ValueError(f"model: expected the two-conv net's layers {list(STAGES[1:])}, got {names}")
    outs = model.activations(x[None])                        # every stage, batch of one
    loss, cache = softmax_cross_entropy_forward(outs["fc1"], [target])
    d = softmax_cross_entropy_backward(1.0, cache)           # (1, 10)
    delta = {}
    for layer in reversed(model.layers):                     # the chain rule, top down
        delta[layer.name] = d[0]
        d = layer.backward(d)
    delta["input"] = d[0]
    act = {k: v[0] for k, v in outs.items()}
    grads = {k: v.copy() for k, v in model.gradients().items()}
    params = {k: v.copy() for k, v in model.parameters().items()}
    winners = {n: model.layer(n).cache.argmax[0].copy() for n in ("maxpool1", "maxpool2")}
    s = NetworkState(x, target, act, cache.probs[0], loss, delta, grads, params, winners)
    s.norms = {f"δ {n}": float(np.linalg.norm(delta[n].astype(np.float64))) for n in STAGES[::-1]}
    s.norms.update({f"∂E/∂{k}": float(np.linalg.norm(grads[k].astype(np.float64))) for k in PARAMS})
    s.filter_norms = {k: np.linalg.norm(grads[k].reshape(len(grads[k]), -1).astype(np.float64),
                                        axis=1) for k in ("conv1.w", "conv2.w")}   # (F,)
    return s


def dead_filters(state, layer="relu2"):
    """The channels of ``layer`` whose units are all 0 for this digit: their filter's weight
    gradient is exactly 0 (no delta passes a ReLU that is off)."""
    on = state.act[layer].reshape(state.act[layer].shape[0], -1) > 0   # (C, H*W)
    return [int(c) for c in np.nonzero(~on.any(axis=1))[0]]
