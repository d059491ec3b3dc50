"""Checker of notebook 00 (start here): the layer shapes of seed 004's network."""
import numpy as np

from ..activations import relu_forward
from ..conv import conv2d_forward
from ..dense import affine_forward, flatten_forward
from ..pool import maxpool2d_forward
from .compare import WrongAnswer


def seed_network_shapes():
    """The layer output shapes of the two-conv MNIST network of seed 004, for one image.

    28x28 input -> conv 3 filters 1x3x3 -> relu -> maxpool 2x2 -> conv 10 filters
    3x4x4 -> relu -> maxpool 2x2 -> flatten -> fully connected to 10 classes.
    Computed by running cnnlib's layers on zeros, so the shapes are cnnlib's own.
    Returns a list of 8 shape tuples: input, conv1, relu1, pool1, conv2, relu2,
    pool2, scores (flatten is not counted: it only changes the layout).
    """
    x = np.zeros((1, 1, 28, 28))
    conv1, _ = conv2d_forward(x, np.zeros((3, 1, 3, 3)), np.zeros(3))
    relu1, _ = relu_forward(conv1)
    pool1, _ = maxpool2d_forward(relu1, 2)
    conv2, _ = conv2d_forward(pool1, np.zeros((10, 3, 4, 4)), np.zeros(10))
    relu2, _ = relu_forward(conv2)
    pool2, _ = maxpool2d_forward(relu2, 2)
    flat, _ = flatten_forward(pool2)
    scores, _ = affine_forward(flat, np.zeros((flat.shape[1], 10)), np.zeros(10))
    return [a.shape for a in (x, conv1, relu1, pool1, conv2, relu2, pool2, scores)]


_SEED_LAYERS = ["input", "conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "scores"]


def check_seed_network_shapes(answer):
    """Check the list of 8 shapes ``(N, C, H, W)`` (``(N, 10)`` for the scores) of seed 004's network.

    ``answer`` : a list of 8 tuples in the order input, conv1, relu1, pool1,
    conv2, relu2, pool2, scores, for a batch of one image.
    """
    expected = seed_network_shapes()
    answer = list(answer)
    if len(answer) != len(expected):
        raise WrongAnswer(f"seed network shapes: expected {len(expected)} shapes "
                          f"({', '.join(_SEED_LAYERS)}), given {len(answer)}")
    for layer, given, exp in zip(_SEED_LAYERS, answer, expected):
        given = tuple(int(v) for v in np.atleast_1d(given))
        if given != tuple(exp):
            hint = ""
            if layer.startswith("conv") and len(given) == 4 and given[2] == given[3]:
                hint = " (a valid convolution shrinks by KH - 1: H_out = H - KH + 1)"
            if layer.startswith("pool"):
                hint = " (a 2x2 pool with stride 2 halves H and W, rounding down)"
            raise WrongAnswer(f"seed network shapes: {layer}: expected {tuple(exp)}, given {given}{hint}")
    print("Correct: all 8 shapes match the network run by cnnlib.")
    return True
