"""Notebook 07's "Your turn": the backward pass of seed 000's network, written from the layer functions.

The network of ``000_*`` (``cnnlib.network.one_conv_net``):

    x (N, 1, 28, 28) -> conv1 8@1x3x3 -> relu1 -> maxpool1 2 -> flatten1 (N, 1352) -> fc1 1352 -> 10
      -> mean softmax cross-entropy E.

The learner writes ``one_conv_gradients(params, x, y) -> (loss, grads)`` with cnnlib's layer
functions, from a template that gives the shapes and what to return, not the calls.
``check_one_conv_gradients`` is ``TrainingStepExercise`` (notebook 07's two-conv checker) set to
this network with no SGD update: per parameter, the gradient against finite differences of the
true loss (sampled entries) and against ``Sequential.backward`` (every entry), and a typical
mistake named when it explains every output on every batch.

``backward`` below is the right chain with switches; each switch is one typical mistake
(``ONE_CONV_MISTAKES``: the catalogue, with the hints a learner reads). Where a learner with
that mistake gets an exception from cnnlib (a cache handed to the wrong layer's backward, the
backward functions in the wrong order), the model returns that very error (``RaisedIn``).
"""
import copy

import numpy as np

from ..activations import relu_backward, relu_forward
from ..conv import conv2d_backward, conv2d_forward
from ..dense import affine_backward, affine_forward, flatten_backward, flatten_forward
from ..losses import softmax_cross_entropy_backward, softmax_cross_entropy_forward
from ..network import one_conv_net
from ..pool import maxpool2d_backward, maxpool2d_forward
from .function_exercise import Case, FunctionMistake, Output, Raises, Variants
from .nb07_models import RaisedIn, unflatten_channels_last, upsample
from .nb07_training import TrainingStepExercise

PARAM_NAMES = ("conv1.w", "conv1.b", "fc1.w", "fc1.b")
PARAM_SHAPES = {"conv1.w": (8, 1, 3, 3), "conv1.b": (8,), "fc1.w": (1352, 10), "fc1.b": (10,)}
ORDER = "fc1, flatten1, maxpool1, relu1, conv1"
LETTERS = {"conv1.w": ("f c m q", "F C KH KW"), "conv1.b": ("f", "F"), "fc1.w": ("d k", "D K"), "fc1.b": ("k", "K")}
OUTPUTS = [Output("loss", "")] + [Output(f"grads['{p}']", *LETTERS[p]) for p in PARAM_NAMES]


def forward(params, x, y):
    """The forward pass with every layer's cache: ``(loss, caches)``."""
    caches = {}
    z, caches["conv1"] = conv2d_forward(x, params["conv1.w"], params["conv1.b"])   # (N, 8, 26, 26)
    a, caches["relu1"] = relu_forward(z)
    p, caches["maxpool1"] = maxpool2d_forward(a, 2)                                # (N, 8, 13, 13)
    h, caches["flatten1"] = flatten_forward(p)                                     # (N, 1352)
    scores, caches["fc1"] = affine_forward(h, params["fc1.w"], params["fc1.b"])    # (N, 10)
    loss, caches["loss"] = softmax_cross_entropy_forward(scores, y)
    return loss, caches


def backward(params, x, y, mask=True, route=True, unflatten="flatten_backward", dloss=1.0, relu_first=False,
             cache_for=None, unpack=(0, 1, 2), unpack_at=()):
    """``(loss, grads)`` of seed 000's network, with switches for the typical mistakes (all off: right).

    mask       : apply relu1's mask (``relu_backward``);
    route      : route through ``maxpool2d_backward`` (False: ``upsample``, every unit gets δ);
    unflatten  : "flatten_backward", "skipped" (the flat deltas handed to the pooling) or a
                 function ``(dh, shape) -> d``;
    dloss      : the number given to softmax_cross_entropy_backward ("loss": the loss itself);
    relu_first : relu_backward before maxpool2d_backward (the forward's order, not its reverse);
    cache_for  : {layer: the layer whose cache its backward is handed};
    unpack     : the learner's (dx, dw, db) are the results at these positions, in ``unpack_at``.
    A cnnlib error propagates.
    """
    loss, caches = forward(params, x, y)
    cache_for = cache_for or {}

    def cache(layer):
        return caches[cache_for.get(layer, layer)]

    def take(result, layer):
        return tuple(result[k] for k in unpack) if layer in unpack_at else result

    ds = softmax_cross_entropy_backward(loss if dloss == "loss" else dloss, caches["loss"])   # (N, 10)
    dh, dw_fc, db_fc = take(affine_backward(ds, cache("fc1")), "fc1")                        # (N, 1352)
    if unflatten == "flatten_backward":
        d = flatten_backward(dh, cache("flatten1"))                                          # (N, 8, 13, 13)
    else:
        d = dh if unflatten == "skipped" else unflatten(dh, (len(x), 8, 13, 13))
    if relu_first:
        d = relu_backward(d, cache("relu1"))
    d = maxpool2d_backward(d, cache("maxpool1")) if route else upsample(d)                   # (N, 8, 26, 26)
    if mask and not relu_first:
        d = relu_backward(d, cache("relu1"))
    _, dw, db = take(conv2d_backward(d, cache("conv1")), "conv1")
    return loss, {"conv1.w": dw, "conv1.b": db, "fc1.w": dw_fc, "fc1.b": db_fc}


def flat(result):
    """``(loss, grads)`` -> the 5 outputs in ``OUTPUTS`` order (``Raises`` as it is)."""
    if isinstance(result, (Raises, Variants)):
        return result
    loss, grads = result
    return (loss,) + tuple(grads[p] for p in PARAM_NAMES)


def reference(params, x, y):
    """cnnlib's answer: ``Sequential`` (the layer objects of ``one_conv_net``) with these parameters."""
    model = one_conv_net(dtype=np.float64)
    for name, value in model.parameters().items():
        value[...] = params[name]
    loss, _ = model.loss_and_gradients(x, y)
    return loss, {name: g.copy() for name, g in model.gradients().items()}


def _cases():
    """Three hidden batches, float64: random images (no ties in the pooling windows, no kinks for
    finite differences), He-initialised weights of three seeds, biases that are not zero, and a
    last layer scaled up so that the scores (and the probabilities) differ."""
    rng = np.random.default_rng(17)
    cases = []
    for seed, n in ((1, 2), (2, 3), (3, 1)):
        params = {k: v.copy() for k, v in one_conv_net(seed=seed, dtype=np.float64).parameters().items()}
        params["conv1.b"] = rng.uniform(-0.3, 0.3, size=8)
        params["fc1.b"] = rng.uniform(-0.3, 0.3, size=10)
        params["fc1.w"] *= 5.0
        x = rng.normal(size=(n, 1, 28, 28))
        y = rng.choice(10, size=n, replace=False)
        cases.append(Case(f"{n} image{'s' if n > 1 else ''} (random pixels), labels {list(map(int, y))}",
                          (params, x, y)))
    return cases


# ------------------------------------------------------------------ the catalogue

def _model(**slips):
    def model(params, x, y):
        try:
            return flat(backward(params, x, y, **slips))
        except ValueError as err:
            return RaisedIn(err)
    return model


def _variants(*slip_sets):
    models = [_model(**slips) for slips in slip_sets]
    return lambda *args: Variants([m(*copy.deepcopy(args)) for m in models])


ONE_CONV_MISTAKES = [
    FunctionMistake("relu_mask_forgotten",
                    "your deltas skip the ReLU's mask: after maxpool2d_backward, relu_backward(d, relu cache) lets "
                    "a delta through only where the ReLU's input was > 0 (notebook 05). fc1's gradients are "
                    "right, conv1's are not.",
                    _model(mask=False)),
    FunctionMistake("backward_order",
                    f"your backward calls run in the forward's order: backward visits the layers in "
                    f"reverse ({ORDER}). The ReLU came before the pooling in the forward, so its backward "
                    "comes after the pooling's.",
                    _model(relu_first=True)),
    FunctionMistake("wrong_layer_cache",
                    "a backward was handed the cache of another layer: each *_backward takes the cache its "
                    "own layer's forward returned (the pooling's backward the pooling's cache, and so on).",
                    _variants(*[dict(cache_for={a: b}) for a, b in (("maxpool1", "relu1"), ("relu1", "maxpool1"),
                                                                    ("conv1", "relu1"), ("conv1", "maxpool1"),
                                                                    ("fc1", "flatten1"))])),
    FunctionMistake("unpack_order",
                    "the results of a *_backward were unpacked in the wrong order: conv2d_backward and "
                    "affine_backward return (dx, dw, db), the delta for the layer below first.",
                    _variants(*[dict(unpack=order, unpack_at=layers) for layers in (("fc1", "conv1"), ("conv1",))
                                for order in ((2, 0, 1), (1, 2, 0), (1, 0, 2))])),
    FunctionMistake("unflatten_order",
                    "the flat deltas (N, 1352) were put back into (N, 8, 13, 13) in another order than the "
                    "flatten took: flatten_backward(dh, cache) (or dh.reshape(N, 8, 13, 13)) undoes the "
                    "forward's reshape; channels last, (N, 13, 13, 8), is another order.",
                    _model(unflatten=unflatten_channels_last)),
    FunctionMistake("unflatten_skipped",
                    "the pooling's backward was handed the flat deltas (N, 1352): the flatten is a layer too, "
                    "and its backward puts them back into the pooled maps' shape (N, 8, 13, 13).",
                    _model(unflatten="skipped")),
    FunctionMistake("forgot_1_over_n",
                    "your gradients are N times too large: the loss is the mean over the N images, so "
                    "∂E/∂scores = (p - onehot(y)) / N, as softmax_cross_entropy_backward(1.0, cache) gives.",
                    lambda params, x, y: _model(dloss=float(len(x)))(params, x, y)),
    FunctionMistake("dloss_is_the_loss",
                    "your gradients are scaled by the loss: softmax_cross_entropy_backward(dloss, cache) takes "
                    "dloss = ∂E/∂E = 1.0, not the loss itself.",
                    _model(dloss="loss")),
    FunctionMistake("pool_backward_skipped",
                    "the deltas were upsampled, not routed: maxpool2d_backward(d, pool cache) sends each delta "
                    "only to its window's winning unit; the other three get 0.",
                    _model(route=False)),
]

HINTS = {"check_one_conv_gradients": (
    "Section 2's loss gives $\\partial E/\\partial s$; notebooks 05 (ReLU, max pooling) and 03 (the conv "
    "layer's $\\partial E/\\partial w$, $\\partial E/\\partial b$) give the other steps. Write the forward pass "
    "first, and keep what each `*_forward` returns.",
    "Every `*_backward(dout, cache)` takes the delta of its layer's *output* and the cache of *its own* "
    "forward, and returns the delta of its input (a conv or dense layer also returns its two gradients). "
    "Backward visits the layers in the reverse order of the forward.",
    "The structure: five forward calls, each result kept; then five backward calls in reverse, each fed "
    "the delta the call before it returned. The conv layer is the last one: its input gradient is not "
    "needed, only its $\\partial E/\\partial w$ and $\\partial E/\\partial b$.",
)}


class OneConvGradientsExercise(TrainingStepExercise):
    """``TrainingStepExercise`` for seed 000's network: ``(loss, grads)``, no update."""
    network = staticmethod(one_conv_net)
    param_names, param_shapes, order, update = PARAM_NAMES, PARAM_SHAPES, ORDER, False

    def __init__(self):
        super().__init__("one_conv_gradients", ("params", "x", "y"), OUTPUTS,
                         reference=lambda *args: flat(reference(*args)), cases=_cases, mistakes=ONE_CONV_MISTAKES,
                         equation="E = -(1/N) Σ_n ln softmax(s)[n, y_n]")


check_one_conv_gradients = OneConvGradientsExercise()
check_one_conv_gradients.checker_name = "check_one_conv_gradients"

CATALOGUE = {"check_one_conv_gradients": ONE_CONV_MISTAKES}
