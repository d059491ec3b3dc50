"""Layer objects, a sequential network, and the two networks of the seeds.

The pieces live in two modules, all importable from here as before:

- ``layers``: ``Layer``, ``Conv2D``, ``ReLU``, ``MaxPool2D``, ``AvgPool2D``,
  ``Flatten``, ``Dense``: thin wrappers over the cnnlib functions, each keeping
  its forward cache for its backward;
- ``model``: ``Sequential`` (forward, backward, loss, parameters, ``save`` /
  ``load`` of the weights file, summary) and ``check_gradients``.

The two networks of the seeds are ready-made here:

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

from ._validate import as_shape
from .layers import AvgPool2D, Conv2D, Dense, Flatten, Layer, MaxPool2D, ReLU
from .model import Sequential, check_gradients

__all__ = ["Layer", "Conv2D", "ReLU", "MaxPool2D", "AvgPool2D", "Flatten", "Dense", "Sequential",
           "check_gradients", "one_conv_net", "two_conv_net", "MODELS", "build_model"]


def one_conv_net(seed=0, dtype=np.float32, filters=8, kernel_size=3, classes=10, input_shape=(1, 28, 28)):
    """The network of ``000_*``: Input -> conv -> relu -> maxpool 2 -> fully connected.

    Default: conv 8@1x3x3 -> relu -> maxpool 2 -> FC 8*13*13 = 1352 -> 10
    (28x28 -> 8@26x26 -> 8@13x13 -> 1352 -> 10).
    """
    c, h, w = as_shape(input_shape, "input_shape", ndim=3, hint="(C, H, W)")
    conv = Conv2D(c, filters, kernel_size)
    pooled = MaxPool2D(2).output_shape(conv.output_shape((c, h, w)))
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
    if not isinstance(name, str) or name not in MODELS:
        raise ValueError(f"model: expected one of {sorted(MODELS)}, got {name!r}")
    return MODELS[name](seed=seed, dtype=dtype)
