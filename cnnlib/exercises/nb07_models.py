"""What each typical mistake of notebook 07's training step computes (the checker's models).

The exercise: one SGD step of seed 004's network, written with cnnlib's layer functions,

    x (N, 1, 28, 28) -> conv1 3@1x3x3 -> relu -> maxpool 2 -> conv2 10@3x4x4 -> relu -> maxpool 2
      -> flatten (N, 250) -> fc1 250 -> 10 -> mean softmax cross-entropy E,

then θ_new = θ - η·∂E/∂θ for the six parameter arrays. ``step`` below is that chain with
switches; each switch is one typical mistake (``TRAINING_MISTAKES`` at the end: the catalogue,
with the hint a learner reads), and the checker's reference is
``Sequential.backward``, not this chain (a test proves that the two agree with every switch
off). A model returns ``(loss, grads, new_params)``, or ``RaisedIn`` where a learner with that
mistake gets an exception from cnnlib: a cache of the wrong layer, or the layers' backward
functions called in the wrong order, give cnnlib's own ``ValueError`` (expected vs given
shapes), and the model reproduces that very error so the checker can tell such mistakes apart.
"""
import copy
import os
import traceback

import numpy as np

from ..activations import relu_backward, relu_forward
from ..conv import conv2d_backward, conv2d_forward
from ..dense import affine_backward, affine_forward, flatten_backward, flatten_forward
from ..losses import softmax_cross_entropy_backward, softmax_cross_entropy_forward
from ..pool import maxpool2d_backward, maxpool2d_forward
from .function_exercise import FunctionMistake, Raises, Variants

PARAM_NAMES = ("conv1.w", "conv1.b", "conv2.w", "conv2.b", "fc1.w", "fc1.b")
PARAM_SHAPES = {"conv1.w": (3, 1, 3, 3), "conv1.b": (3,), "conv2.w": (10, 3, 4, 4), "conv2.b": (10,),
                "fc1.w": (250, 10), "fc1.b": (10,)}


_CNNLIB = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_EXERCISES = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _cnnlib_function(err):
    """The cnnlib function (outside the exercises) that the failing call entered first, or None."""
    for frame in traceback.extract_tb(err.__traceback__):
        path = os.path.abspath(frame.filename)
        if path.startswith(_CNNLIB) and not path.startswith(_EXERCISES):
            return frame.name
    return None


class RaisedIn(Raises):
    """What a mistake's model gives where the learner's function raises *this very* exception:
    the same type and message, raised by the same cnnlib function (``relu_backward`` and
    ``conv2d_backward`` both say "dout: expected shape ..." when handed another layer's
    cache). So two mistakes that both crash are still told apart. ``of(err)`` wraps the
    exception the model itself got by making the mistake."""
    __slots__ = ("error", "function")

    def __init__(self, error):
        super().__init__(type(error), str(error))
        self.error, self.function = error, _cnnlib_function(error)

    of = classmethod(lambda cls, err: cls(err))

    def matches(self, error):
        return (error is not None and type(error) is self.kind and str(error) == self.contains
                and _cnnlib_function(error) == self.function)

    def example(self):
        return self.error

    def describe(self):
        """``"ValueError in relu_backward: <message>"``."""
        return f"{self.kind.__name__}{' in ' + self.function if self.function else ''}: {self.contains}"

    def __repr__(self):
        return f"RaisedIn({self.describe()!r})"


def forward(params, x, y):
    """The forward pass with every layer's cache: ``(loss, caches)``."""
    caches = {}
    z1, caches["conv1"] = conv2d_forward(x, params["conv1.w"], params["conv1.b"])  # (N, 3, 26, 26)
    a1, caches["relu1"] = relu_forward(z1)
    p1, caches["pool1"] = maxpool2d_forward(a1, 2)                                 # (N, 3, 13, 13)
    z2, caches["conv2"] = conv2d_forward(p1, params["conv2.w"], params["conv2.b"])  # (N, 10, 10, 10)
    a2, caches["relu2"] = relu_forward(z2)
    p2, caches["pool2"] = maxpool2d_forward(a2, 2)                                 # (N, 10, 5, 5)
    h, caches["flatten"] = flatten_forward(p2)                                     # (N, 250)
    scores, caches["fc1"] = affine_forward(h, params["fc1.w"], params["fc1.b"])    # (N, 10)
    loss, caches["loss"] = softmax_cross_entropy_forward(scores, y)
    return loss, caches


def upsample(d):
    """Every entry of each 2x2 window gets its window's delta (no routing to the winner)."""
    return np.repeat(np.repeat(d, 2, axis=2), 2, axis=3)  # (N, C, 2·H, 2·W)


def unflatten_channels_last(dh, shape):
    """``dh (N, C*H*W)`` read as if the flatten had taken (h, w, c) order: d[n, c, i, j] = dh[n, (i·W + j)·C + c]."""
    _, c, h, w = shape
    d = np.zeros(shape)
    for i in range(h):
        for j in range(w):
            d[:, :, i, j] = dh[:, (i * w + j) * c:(i * w + j + 1) * c]
    return d


def unflatten_rows_columns_swapped(dh, shape):
    """``dh`` read as if the flatten had taken (c, w, h) order: d[n, c, i, j] = dh[n, (c·W + j)·H + i]."""
    n, c, h, w = shape
    return np.stack([dh[:, k * h * w:(k + 1) * h * w].reshape(n, w, h).transpose(0, 2, 1) for k in range(c)],
                    axis=1)  # (N, C, H, W)


def step(params, x, y, lr, mask=(True, True), route=(True, True), unflatten=None, dloss=1.0,
         sign=-1.0, use_lr=True, relu_before_pool=(False, False), cache_for=None, unpack=(0, 1, 2),
         unpack_at=()):
    """One SGD step, with switches for the typical mistakes (all off: the right step).

    mask      : (relu1, relu2): apply each ReLU's mask in backward;
    route     : (pool1, pool2): route through maxpool backward (False: ``upsample``);
    unflatten : None (flatten_backward) or a function ``(dh, shape) -> d``;
    dloss     : the number given to softmax_cross_entropy_backward ("loss" for the loss itself);
    sign      : -1 for θ - η·g, +1 for θ + η·g;
    relu_before_pool : (block 1, block 2): call relu_backward before maxpool2d_backward;
    use_lr    : False for θ - g (the learning rate left out);
    cache_for : {layer: the layer whose cache its backward is handed} (a cache of the wrong layer);
    unpack    : the learner's (dx, dw, db) are the backward's results at these positions, in the
                layers ``unpack_at`` (e.g. ``dw, db, dx = conv2d_backward(...)`` is ``(2, 0, 1)``).
    Returns ``(loss, grads, new_params)``; a cnnlib error propagates.
    """
    loss, caches = forward(params, x, y)
    cache_for = cache_for or {}

    def cache(layer):
        return caches[cache_for.get(layer, layer)]
    ds = softmax_cross_entropy_backward(loss if dloss == "loss" else dloss, caches["loss"])  # (N, 10)

    def take(result, layer):
        return tuple(result[k] for k in unpack) if layer in unpack_at else result

    dh, dw3, db3 = take(affine_backward(ds, caches["fc1"]), "fc1")                           # (N, 250)
    shape = (len(x), 10, 5, 5)
    dp2 = flatten_backward(dh, caches["flatten"]) if unflatten is None else unflatten(dh, shape)
    grads = {"fc1.w": dw3, "fc1.b": db3}
    d = dp2
    for block, conv, relu, pool in ((1, "conv2", "relu2", "pool2"), (0, "conv1", "relu1", "pool1")):
        if relu_before_pool[block]:
            d = relu_backward(d, cache(relu))
        d = maxpool2d_backward(d, cache(pool)) if route[block] else upsample(d)
        if mask[block] and not relu_before_pool[block]:
            d = relu_backward(d, cache(relu))
        d, grads[f"{conv}.w"], grads[f"{conv}.b"] = take(conv2d_backward(d, cache(conv)), conv)
    grads = {name: grads[name] for name in PARAM_NAMES}
    rate = lr if use_lr else 1.0
    new_params = {name: params[name] + sign * rate * grads[name] for name in PARAM_NAMES}
    return loss, grads, new_params


def step_or_raises(**slips):
    """A model: ``step`` with these slips, or ``RaisedIn`` the error cnnlib gives."""
    def model(params, x, y, lr):
        try:
            return step(params, x, y, lr, **slips)
        except ValueError as err:
            return RaisedIn(err)
    return model


# ------------------------------------------------------------------ the catalogue
ORDER = "fc1, flatten, pool2, relu2, conv2, pool1, relu1, conv1"


def flat(result):
    """``(loss, grads, new_params)`` -> the 13 outputs in ``OUTPUTS`` order (``Raises`` as it is)."""
    if isinstance(result, (Raises, Variants)):
        return result
    loss, grads, new = result
    return (loss,) + tuple(grads[p] for p in PARAM_NAMES) + tuple(new[p] for p in PARAM_NAMES)


def _model(**slips):
    fn = step_or_raises(**slips)
    return lambda *args: flat(fn(*args))


def _variants(*slip_sets):
    models = [_model(**slips) for slips in slip_sets]
    return lambda *args: Variants([m(*copy.deepcopy(args)) for m in models])


TRAINING_MISTAKES = [
    FunctionMistake("relu_mask_forgotten",
                    "your backward skips a ReLU mask: after each maxpool2d_backward, relu_backward(d, relu cache) "
                    "lets the delta through only where the ReLU's input was > 0 (notebook 05). The gradients below "
                    "that ReLU are wrong, the ones above it right.",
                    _variants(dict(mask=(False, False)), dict(mask=(True, False)), dict(mask=(False, True)))),
    FunctionMistake("backward_order",
                    f"your backward functions run in the wrong order: backward visits the layers in the "
                    f"reverse order of the forward ({ORDER}), so a ReLU's backward comes after its pooling's.",
                    _variants(dict(relu_before_pool=(True, True)), dict(relu_before_pool=(True, False)))),
    FunctionMistake("wrong_layer_cache",
                    "a backward was handed the cache of another layer: each *_backward takes the cache its "
                    "own layer's forward returned (pool2's backward pool2's cache, relu2's relu2's, ...): "
                    "keep one named cache per layer.",
                    _variants(*[dict(cache_for={a: b}) for a, b in (("pool2", "pool1"), ("relu2", "relu1"),
                                                                    ("conv2", "conv1"), ("pool1", "pool2"),
                                                                    ("relu1", "relu2"))])),
    FunctionMistake("conv1_from_conv2_cache",
                    "conv1's gradients were asked of conv2's cache: each *_backward takes the cache of its "
                    "own layer's forward. conv1's cache holds its input, the images x (N, 1, 28, 28); "
                    "conv2's holds the pooled maps (N, 3, 13, 13).",
                    _model(cache_for={"conv1": "conv2"})),
    FunctionMistake("unpack_order",
                    "the results of a *_backward were unpacked in the wrong order: conv2d_backward and "
                    "affine_backward return (dx, dw, db), the delta for the layer below first: "
                    "dx, dw, db = conv2d_backward(d, cache).",
                    _variants(*[dict(unpack=order, unpack_at=layers) for layers in (("fc1", "conv2", "conv1"),
                                                                                    ("conv2", "conv1"))
                                for order in ((2, 0, 1), (1, 0, 2))])),
    FunctionMistake("unflatten_order",
                    "the flat deltas (N, 250) were put back into (N, 10, 5, 5) in another order than the "
                    "flatten took: un-flatten with flatten_backward(dh, cache) (or dh.reshape(N, 10, 5, 5)), "
                    "the C-order inverse of the forward's reshape.",
                    lambda *args: Variants([_model(unflatten=unflatten_channels_last)(*copy.deepcopy(args)),
                                            _model(unflatten=unflatten_rows_columns_swapped)(*args)])),
    FunctionMistake("forgot_1_over_n",
                    "your gradients are N times too large: the loss is the mean over the N images, so ∂E/∂scores = "
                    "(p - onehot(y)) / N, as softmax_cross_entropy_backward(1.0, cache) gives.",
                    lambda params, x, y, lr: flat(step_or_raises(dloss=float(len(x)))(params, x, y, lr))),
    FunctionMistake("dloss_is_the_loss",
                    "your gradients are scaled by the loss: softmax_cross_entropy_backward(dloss, cache) takes dloss "
                    "= ∂E/∂E = 1.0, not the loss itself.",
                    _model(dloss="loss")),
    FunctionMistake("pool_backward_skipped",
                    "the deltas were upsampled, not routed: maxpool2d_backward(d, pool cache) sends each delta "
                    "only to its window's winning unit, the other three get 0 (every entry getting δ is wrong).",
                    _variants(dict(route=(False, False)), dict(route=(True, False)), dict(route=(False, True)))),
    FunctionMistake("update_sign",
                    "your update climbs the loss (a plus sign): gradient descent steps against the gradient, θ_new = "
                    "θ - lr·∂E/∂θ.",
                    _model(sign=1.0)),
    FunctionMistake("update_without_lr",
                    "your update left out the learning rate: θ_new = θ - lr·∂E/∂θ, a small step along the gradient, "
                    "not θ - ∂E/∂θ.",
                    _model(use_lr=False)),
]
