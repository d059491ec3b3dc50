"""Notebook 07's "Your turn": one training step of seed 004's network, right and with each
typical mistake.

Every function here is what a learner might type into the template: the forward pass with
cnnlib's layer functions, keeping each cache in its own variable, the backward functions
called by hand from the loss down, and the update. A mutant repeats the right steps with
one slip, written the way a learner writes it (``np.kron`` to upsample, a reshape in
channels-last order, ``probs - onehot`` by hand), never through the checker's models.
"""
import numpy as np

from cnnlib.activations import relu_backward, relu_forward
from cnnlib.conv import conv2d_backward, conv2d_forward
from cnnlib.dense import affine_backward, affine_forward, flatten_backward, flatten_forward
from cnnlib.exercises.nb07_training import check_training_step
from cnnlib.losses import softmax_cross_entropy_backward, softmax_cross_entropy_forward
from cnnlib.pool import maxpool2d_backward, maxpool2d_forward

from . import Entry, registry


def forward(params, x, y):
    """The learner's forward pass: the loss and one cache per layer."""
    z1, c_conv1 = conv2d_forward(x, params["conv1.w"], params["conv1.b"])
    a1, c_relu1 = relu_forward(z1)
    p1, c_pool1 = maxpool2d_forward(a1, 2)
    z2, c_conv2 = conv2d_forward(p1, params["conv2.w"], params["conv2.b"])
    a2, c_relu2 = relu_forward(z2)
    p2, c_pool2 = maxpool2d_forward(a2, 2)
    h, c_flat = flatten_forward(p2)
    s, c_fc = affine_forward(h, params["fc1.w"], params["fc1.b"])
    loss, c_loss = softmax_cross_entropy_forward(s, y)
    return loss, (c_conv1, c_relu1, c_pool1, c_conv2, c_relu2, c_pool2, c_flat, c_fc, c_loss)


def update(params, grads, lr):
    return {name: params[name] - lr * grads[name] for name in params}


def training_step(params, x, y, lr):
    loss, (c_conv1, c_relu1, c_pool1, c_conv2, c_relu2, c_pool2, c_flat, c_fc, c_loss) = forward(params, x, y)
    ds = softmax_cross_entropy_backward(1.0, c_loss)
    dh, dw3, db3 = affine_backward(ds, c_fc)
    dp2 = flatten_backward(dh, c_flat)
    da2 = maxpool2d_backward(dp2, c_pool2)
    dz2 = relu_backward(da2, c_relu2)
    dp1, dw2, db2 = conv2d_backward(dz2, c_conv2)
    da1 = maxpool2d_backward(dp1, c_pool1)
    dz1 = relu_backward(da1, c_relu1)
    _, dw1, db1 = conv2d_backward(dz1, c_conv1)
    grads = {"conv1.w": dw1, "conv1.b": db1, "conv2.w": dw2, "conv2.b": db2, "fc1.w": dw3, "fc1.b": db3}
    return loss, grads, update(params, grads, lr)


def training_step_softmax_by_hand(params, x, y, lr):
    """The same, with ∂E/∂scores written out, (p - onehot) / N, and the update as a loop."""
    loss, caches = forward(params, x, y)
    c_conv1, c_relu1, c_pool1, c_conv2, c_relu2, c_pool2, c_flat, c_fc, c_loss = caches
    probs = np.exp(c_fc.x @ c_fc.w + c_fc.b)
    probs /= probs.sum(axis=1, keepdims=True)
    onehot = np.eye(10)[y]
    ds = (probs - onehot) / len(x)
    dh, dw3, db3 = affine_backward(ds, c_fc)
    d = maxpool2d_backward(dh.reshape(len(x), 10, 5, 5), c_pool2)
    dp1, dw2, db2 = conv2d_backward(relu_backward(d, c_relu2), c_conv2)
    d = maxpool2d_backward(dp1, c_pool1)
    _, dw1, db1 = conv2d_backward(relu_backward(d, c_relu1), c_conv1)
    grads = dict(zip(["conv1.w", "conv1.b", "conv2.w", "conv2.b", "fc1.w", "fc1.b"], [dw1, db1, dw2, db2, dw3, db3]))
    new_params = {}
    for name, value in params.items():
        new_params[name] = value - lr * grads[name]
    return loss, grads, new_params


MUTANTS, bad = registry()


def _backward(loss, caches, lr, params, ds=None, unflatten=None, upsample=None, mask=True, swap=None,
              unpack=False, relu_first=False):
    """The right backward with one piece replaced: how a learner's one-line slip looks."""
    c_conv1, c_relu1, c_pool1, c_conv2, c_relu2, c_pool2, c_flat, c_fc, c_loss = caches
    if swap:  # a cache of another layer, e.g. {"c_pool2": "c_pool1"}
        named = {"c_conv1": c_conv1, "c_relu1": c_relu1, "c_pool1": c_pool1, "c_conv2": c_conv2,
                 "c_relu2": c_relu2, "c_pool2": c_pool2}
        c_conv1, c_relu1, c_pool1, c_conv2, c_relu2, c_pool2 = [named[swap.get(k, k)] for k in named]
    if ds is None:
        ds = softmax_cross_entropy_backward(1.0, c_loss)
    dh, dw3, db3 = affine_backward(ds, c_fc)
    dp2 = flatten_backward(dh, c_flat) if unflatten is None else unflatten(dh)
    if relu_first:
        dz2 = maxpool2d_backward(relu_backward(dp2, c_relu2), c_pool2)
    else:
        da2 = maxpool2d_backward(dp2, c_pool2) if upsample is None else upsample(dp2)
        dz2 = relu_backward(da2, c_relu2) if mask else da2
    if unpack:
        dw2, db2, dp1 = conv2d_backward(dz2, c_conv2)
    else:
        dp1, dw2, db2 = conv2d_backward(dz2, c_conv2)
    da1 = maxpool2d_backward(dp1, c_pool1) if upsample is None else upsample(dp1)
    dz1 = relu_backward(da1, c_relu1) if mask else da1
    _, dw1, db1 = conv2d_backward(dz1, c_conv1)
    return {"conv1.w": dw1, "conv1.b": db1, "conv2.w": dw2, "conv2.b": db2, "fc1.w": dw3, "fc1.b": db3}


@bad("relu_mask_forgotten")
def _(params, x, y, lr):
    loss, caches = forward(params, x, y)
    grads = _backward(loss, caches, lr, params, mask=False)
    return loss, grads, update(params, grads, lr)


@bad("backward_order")
def _(params, x, y, lr):
    loss, caches = forward(params, x, y)
    grads = _backward(loss, caches, lr, params, relu_first=True)   # relu2's backward, then pool2's
    return loss, grads, update(params, grads, lr)


@bad("wrong_layer_cache")
def _(params, x, y, lr):
    loss, caches = forward(params, x, y)
    grads = _backward(loss, caches, lr, params, swap={"c_pool2": "c_pool1"})   # a copy-paste slip
    return loss, grads, update(params, grads, lr)


@bad("conv1_from_conv2_cache")
def _(params, x, y, lr):
    loss, caches = forward(params, x, y)
    grads = _backward(loss, caches, lr, params, swap={"c_conv1": "c_conv2"})
    return loss, grads, update(params, grads, lr)


@bad("unpack_order")
def _(params, x, y, lr):
    loss, caches = forward(params, x, y)
    grads = _backward(loss, caches, lr, params, unpack=True)        # dw, db, dx = conv2d_backward(...)
    return loss, grads, update(params, grads, lr)


@bad("unflatten_order")
def _(params, x, y, lr):
    loss, caches = forward(params, x, y)
    grads = _backward(loss, caches, lr, params,
                      unflatten=lambda dh: dh.reshape(len(x), 5, 5, 10).transpose(0, 3, 1, 2))  # channels last
    return loss, grads, update(params, grads, lr)


@bad("forgot_1_over_n")
def _(params, x, y, lr):
    loss, caches = forward(params, x, y)
    ds = caches[-1].probs.copy()
    ds[np.arange(len(y)), y] -= 1                                   # p - onehot, no / N
    grads = _backward(loss, caches, lr, params, ds=ds)
    return loss, grads, update(params, grads, lr)


@bad("dloss_is_the_loss")
def _(params, x, y, lr):
    loss, caches = forward(params, x, y)
    grads = _backward(loss, caches, lr, params, ds=softmax_cross_entropy_backward(loss, caches[-1]))
    return loss, grads, update(params, grads, lr)


@bad("pool_backward_skipped")
def _(params, x, y, lr):
    loss, caches = forward(params, x, y)
    grads = _backward(loss, caches, lr, params, upsample=lambda d: np.kron(d, np.ones((2, 2))))
    return loss, grads, update(params, grads, lr)


@bad("update_sign")
def _(params, x, y, lr):
    loss, grads, _ = training_step(params, x, y, lr)
    return loss, grads, {name: params[name] + lr * grads[name] for name in params}


@bad("update_without_lr")
def _(params, x, y, lr):
    loss, grads, _ = training_step(params, x, y, lr)
    return loss, grads, {name: params[name] - grads[name] for name in params}


ENTRIES = [
    Entry("check_training_step", check_training_step, training_step, MUTANTS),
    Entry("check_training_step (softmax by hand)", check_training_step, training_step_softmax_by_hand, {}),
]
