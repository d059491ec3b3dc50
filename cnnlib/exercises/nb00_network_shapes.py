"""Checker of notebook 00 (start here): the layer shapes of seed 004's network, and the
catalogue of the typical mistakes it names.

The answer is a list of 8 shapes. The checker finds the first stage that is wrong and
diagnoses it from the stage before (which is right): a mistake made at conv1 carries on
into every later stage, and is named where it was made. It never prints the expected
shape, only which stage is wrong and the hint of the mistake that explains it.
"""
import numpy as np

from ..activations import relu_forward
from ..conv import conv2d_forward
from ..dense import affine_forward, flatten_forward
from ..pool import maxpool2d_forward
from .compare import Mistake, WrongAnswer, hint_lines, not_answered, unanswered
from .result import CheckResult, checker


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


# the stages: (name, kind, filters, kernel size); the pool is 2x2 with stride 2
_SEED_LAYERS = [("input", "input", None, None), ("conv1", "conv", 3, 3), ("relu1", "relu", None, None),
                ("pool1", "pool", None, None), ("conv2", "conv", 10, 4), ("relu2", "relu", None, None),
                ("pool2", "pool", None, None), ("scores", "scores", 10, None)]

CONV_NO_SHRINK = Mistake("conv_does_not_shrink", "a conv layer without padding shrinks the map: a K x K "
                         "window fits only H - K + 1 times down H rows (only padding keeps the size).")
CONV_SHRINKS_BY_K = Mistake("conv_shrinks_by_k", "one row and one column too few: a K x K window fits "
                            "H - K + 1 times (the +1 counts the first window).")
DEPTH_KEPT = Mistake("depth_is_input_channels", "the depth after a conv layer is its number of filters F, "
                     "not the depth of its input: each filter sums over all its input channels into one map.")
DEPTH_F_TIMES_C = Mistake("depth_filters_times_channels", "a filter does not give one map per input channel: "
                          "it adds up its C channel results into one map, so the depth is F, not F·C.")
POOL_STRIDE_ONE = Mistake("pool_stride_one", "a 2x2 max pool moves by 2 (its stride is its size), so it "
                          "halves H and W (rounding down), (H - 2) // 2 + 1; it does not slide by 1.")
NO_BATCH_AXIS = Mistake("batch_axis_missing", "every shape starts with N, the number of images in the batch "
                        "(1 here): (N, C, H, W) for the maps and (N, 10) for the scores.")
CHANNELS_LAST = Mistake("channels_last", "the course's layout is NCHW: channels come second, (N, C, H, W), "
                        "not (N, H, W, C).")
SCORES_FLATTENED = Mistake("scores_are_the_flattened_maps", "that is the flattened pool2, the input of the "
                           "fully connected layer; its output is one score per class: (N, 10).")
SEED_SHAPE_MISTAKES = [CONV_NO_SHRINK, CONV_SHRINKS_BY_K, DEPTH_KEPT, DEPTH_F_TIMES_C, POOL_STRIDE_ONE,
                       NO_BATCH_AXIS, CHANNELS_LAST, SCORES_FLATTENED]

_STAGE_HINTS = {
    "input": "one grey 28 x 28 image as a batch of one: (N, C, H, W).",
    "conv": "F filters of K x K with stride 1 and no padding give (N, F, H - K + 1, W - K + 1).",
    "relu": "ReLU acts on each entry alone: its output has the shape of its input.",
    "pool": "a 2x2 max pool with stride 2 gives (N, C, H // 2, W // 2).",
    "scores": "the fully connected layer gives one score per class for each image: a 2-D array of shape "
              "(N, 10), one row per image (no channel or spatial axes).",
}


def _stage_mistakes(kind, filters, k, before, right):
    """``[(wrong shape, Mistake)]`` at one stage, from the right shape of the stage before."""
    found = [(tuple(right[1:]), NO_BATCH_AXIS)]
    if len(right) == 4:
        found.append(((right[0],) + tuple(right[2:]) + (right[1],), CHANNELS_LAST))
    if kind == "conv":
        n, c, h, w = before
        found += [((n, filters, h, w), CONV_NO_SHRINK), ((n, filters, h - k, w - k), CONV_SHRINKS_BY_K),
                  ((n, c, h - k + 1, w - k + 1), DEPTH_KEPT), ((n, filters * c, h - k + 1, w - k + 1), DEPTH_F_TIMES_C)]
    elif kind == "pool":
        n, c, h, w = before
        found.append(((n, c, h - 1, w - 1), POOL_STRIDE_ONE))
    elif kind == "scores":
        found.append(((before[0], int(np.prod(before[1:]))), SCORES_FLATTENED))
    return [(shape, m) for shape, m in found if shape != tuple(right)]


def _as_shape(stage, given):
    try:
        values = np.atleast_1d(np.asarray(given, dtype=np.float64))
    except (TypeError, ValueError):
        values = None
    if values is None or values.ndim != 1 or not np.all(np.isfinite(values)):
        raise WrongAnswer(f"seed network shapes: {stage}: expected a tuple of whole numbers, given {given!r}")
    if not np.all(values == np.floor(values)):
        raise WrongAnswer(f"seed network shapes: {stage}: sizes are whole numbers (round down), given {given!r}")
    return tuple(int(v) for v in values)


@checker
def check_seed_network_shapes(answer):
    """Check the list of 8 shapes ``(N, C, H, W)`` (``(N, 10)`` for the scores) of seed 004's network.

    ``answer`` : a list of 8 tuples in the order input, conv1, relu1, pool1,
    conv2, relu2, pool2, scores, for a batch of one image. ``None`` is
    "not answered yet". A wrong answer gets the first wrong stage and the hint
    of every mistake of ``SEED_SHAPE_MISTAKES`` that explains it there.
    """
    if not_answered(answer):
        return unanswered("seed network shapes")
    expected = seed_network_shapes()
    names = [layer[0] for layer in _SEED_LAYERS]
    if isinstance(answer, (str, bytes)) or not hasattr(answer, "__len__") or len(answer) != len(expected):
        raise WrongAnswer(f"seed network shapes: expected a list of {len(expected)} shapes "
                          f"({', '.join(names)}), given {answer!r:.120}")
    given = [_as_shape(name, g) for name, g in zip(names, answer)]
    wrong = [k for k, (g, e) in enumerate(zip(given, expected)) if g != tuple(e)]
    if not wrong:
        return CheckResult.passed("Correct: all 8 shapes match the network run by cnnlib.")
    k = wrong[0]
    name, kind, filters, size = _SEED_LAYERS[k]
    before = tuple(expected[k - 1]) if k else None
    found = list(dict.fromkeys(m for shape, m in _stage_mistakes(kind, filters, size, before, tuple(expected[k]))
                               if shape == given[k]))
    count = f"{len(wrong)} of {len(expected)} stages {'is' if len(wrong) == 1 else 'are'} not right"
    lines = [f"seed network shapes: {count}; the first is {name}: given {given[k]}" + (f" (after {names[k - 1]} {given[k - 1]}, which is right)." if k else ".")]
    lines += hint_lines(found) or [f"  Hint: {_STAGE_HINTS[kind]}"]
    if k < len(expected) - 1:
        lines.append("  The stages after it follow from it: check them once it is right.")
    raise WrongAnswer("\n".join(lines), [m.key for m in found])


CATALOGUE = {"check_seed_network_shapes": SEED_SHAPE_MISTAKES}

HINTS = {"check_seed_network_shapes": (
    "Follow notebook 00's network cell by cell: each stage's shape follows from the stage before it, "
    "and the cell under the printed shapes says why.",
    r"Three rules, stage by stage, for $N = 1$: a conv layer with $F$ filters of $K \times K$ (stride 1, no "
    r"padding) gives $(N, F, H - K + 1, W - K + 1)$, whatever its input depth; ReLU keeps the shape; a "
    r"$2 \times 2$ max pool moving by 2 halves $H$ and $W$, rounding down. The scores are $(N, 10)$.",
)}
