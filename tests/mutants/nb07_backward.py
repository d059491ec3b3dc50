"""Notebook 07's "Your turn": the backward pass of seed 000's network (conv -> relu -> pool -> FC),
right and with each typical mistake.

Every function here is what a learner might type into the template: the forward pass with
cnnlib's layer functions, keeping each cache, then the backward functions by hand. A mutant is
the right function with one slip, written the way a learner writes it (``np.kron`` to upsample,
``.reshape`` in channels-last order, ``probs - onehot`` by hand), never through the checker's
models.
"""
import numpy as np

from cnnlib.activations import relu_backward, relu_forward
from cnnlib.conv import conv2d_backward, conv2d_forward
from cnnlib.dense import affine_backward, affine_forward, flatten_backward, flatten_forward
from cnnlib.exercises.nb07_backward import check_one_conv_gradients
from cnnlib.losses import softmax_cross_entropy_backward, softmax_cross_entropy_forward
from cnnlib.pool import maxpool2d_backward, maxpool2d_forward

from . import Entry, registry


def one_conv_gradients(params, x, y):
    z, conv_cache = conv2d_forward(x, params["conv1.w"], params["conv1.b"])
    a, relu_cache = relu_forward(z)
    p, pool_cache = maxpool2d_forward(a, 2)
    h, flat_cache = flatten_forward(p)
    s, fc_cache = affine_forward(h, params["fc1.w"], params["fc1.b"])
    loss, loss_cache = softmax_cross_entropy_forward(s, y)

    ds = softmax_cross_entropy_backward(1.0, loss_cache)
    dh, dw_fc, db_fc = affine_backward(ds, fc_cache)
    dp = flatten_backward(dh, flat_cache)
    da = maxpool2d_backward(dp, pool_cache)
    dz = relu_backward(da, relu_cache)
    _, dw, db = conv2d_backward(dz, conv_cache)
    return loss, {"conv1.w": dw, "conv1.b": db, "fc1.w": dw_fc, "fc1.b": db_fc}


def one_conv_gradients_compact(params, x, y):
    """The same, written another way: caches in a list, ∂E/∂s by hand, the reshape for the flatten."""
    caches = []
    out = x
    for fn, args in ((conv2d_forward, (params["conv1.w"], params["conv1.b"])), (relu_forward, ()),
                     (maxpool2d_forward, (2,))):
        out, cache = fn(out, *args)
        caches.append(cache)
    n = len(x)
    s, fc_cache = affine_forward(out.reshape(n, -1), params["fc1.w"], params["fc1.b"])
    loss, loss_cache = softmax_cross_entropy_forward(s, y)
    p = np.exp(s - s.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(n), y] -= 1
    dh, dw_fc, db_fc = affine_backward(p / n, fc_cache)
    d = relu_backward(maxpool2d_backward(dh.reshape(out.shape), caches[2]), caches[1])
    _, dw, db = conv2d_backward(d, caches[0])
    return loss, {"conv1.w": dw, "conv1.b": db, "fc1.w": dw_fc, "fc1.b": db_fc}


MUTANTS, bad = registry()


def _forward(params, x, y):
    z, conv_cache = conv2d_forward(x, params["conv1.w"], params["conv1.b"])
    a, relu_cache = relu_forward(z)
    p, pool_cache = maxpool2d_forward(a, 2)
    h, flat_cache = flatten_forward(p)
    s, fc_cache = affine_forward(h, params["fc1.w"], params["fc1.b"])
    loss, loss_cache = softmax_cross_entropy_forward(s, y)
    return loss, conv_cache, relu_cache, pool_cache, flat_cache, fc_cache, loss_cache


def _grads(dw, db, dw_fc, db_fc):
    return {"conv1.w": dw, "conv1.b": db, "fc1.w": dw_fc, "fc1.b": db_fc}


@bad("relu_mask_forgotten")
def _(params, x, y):
    loss, conv_cache, relu_cache, pool_cache, flat_cache, fc_cache, loss_cache = _forward(params, x, y)
    dh, dw_fc, db_fc = affine_backward(softmax_cross_entropy_backward(1.0, loss_cache), fc_cache)
    da = maxpool2d_backward(flatten_backward(dh, flat_cache), pool_cache)
    _, dw, db = conv2d_backward(da, conv_cache)                       # straight into the conv
    return loss, _grads(dw, db, dw_fc, db_fc)


@bad("backward_order")
def _(params, x, y):
    loss, conv_cache, relu_cache, pool_cache, flat_cache, fc_cache, loss_cache = _forward(params, x, y)
    dh, dw_fc, db_fc = affine_backward(softmax_cross_entropy_backward(1.0, loss_cache), fc_cache)
    dp = flatten_backward(dh, flat_cache)
    dz = maxpool2d_backward(relu_backward(dp, relu_cache), pool_cache)   # relu, then pool
    _, dw, db = conv2d_backward(dz, conv_cache)
    return loss, _grads(dw, db, dw_fc, db_fc)


@bad("wrong_layer_cache")
def _(params, x, y):
    loss, conv_cache, relu_cache, pool_cache, flat_cache, fc_cache, loss_cache = _forward(params, x, y)
    dh, dw_fc, db_fc = affine_backward(softmax_cross_entropy_backward(1.0, loss_cache), fc_cache)
    da = maxpool2d_backward(flatten_backward(dh, flat_cache), relu_cache)   # the cache above it
    _, dw, db = conv2d_backward(relu_backward(da, relu_cache), conv_cache)
    return loss, _grads(dw, db, dw_fc, db_fc)


@bad("unpack_order")
def _(params, x, y):
    loss, conv_cache, relu_cache, pool_cache, flat_cache, fc_cache, loss_cache = _forward(params, x, y)
    dh, dw_fc, db_fc = affine_backward(softmax_cross_entropy_backward(1.0, loss_cache), fc_cache)
    dz = relu_backward(maxpool2d_backward(flatten_backward(dh, flat_cache), pool_cache), relu_cache)
    dw, db, _ = conv2d_backward(dz, conv_cache)                         # (dw, db, dx)?
    return loss, _grads(dw, db, dw_fc, db_fc)


@bad("unflatten_order")
def _(params, x, y):
    loss, conv_cache, relu_cache, pool_cache, flat_cache, fc_cache, loss_cache = _forward(params, x, y)
    dh, dw_fc, db_fc = affine_backward(softmax_cross_entropy_backward(1.0, loss_cache), fc_cache)
    dp = dh.reshape(len(x), 13, 13, 8).transpose(0, 3, 1, 2)            # channels last
    dz = relu_backward(maxpool2d_backward(dp, pool_cache), relu_cache)
    _, dw, db = conv2d_backward(dz, conv_cache)
    return loss, _grads(dw, db, dw_fc, db_fc)


@bad("unflatten_skipped")
def _(params, x, y):
    loss, conv_cache, relu_cache, pool_cache, flat_cache, fc_cache, loss_cache = _forward(params, x, y)
    dh, dw_fc, db_fc = affine_backward(softmax_cross_entropy_backward(1.0, loss_cache), fc_cache)
    dz = relu_backward(maxpool2d_backward(dh, pool_cache), relu_cache)   # no flatten_backward
    _, dw, db = conv2d_backward(dz, conv_cache)
    return loss, _grads(dw, db, dw_fc, db_fc)


@bad("forgot_1_over_n")
def _(params, x, y):
    loss, conv_cache, relu_cache, pool_cache, flat_cache, fc_cache, loss_cache = _forward(params, x, y)
    ds = loss_cache.probs - np.eye(10)[y]                                # p - onehot, no / N
    dh, dw_fc, db_fc = affine_backward(ds, fc_cache)
    dz = relu_backward(maxpool2d_backward(flatten_backward(dh, flat_cache), pool_cache), relu_cache)
    _, dw, db = conv2d_backward(dz, conv_cache)
    return loss, _grads(dw, db, dw_fc, db_fc)


@bad("dloss_is_the_loss")
def _(params, x, y):
    loss, conv_cache, relu_cache, pool_cache, flat_cache, fc_cache, loss_cache = _forward(params, x, y)
    dh, dw_fc, db_fc = affine_backward(softmax_cross_entropy_backward(loss, loss_cache), fc_cache)
    dz = relu_backward(maxpool2d_backward(flatten_backward(dh, flat_cache), pool_cache), relu_cache)
    _, dw, db = conv2d_backward(dz, conv_cache)
    return loss, _grads(dw, db, dw_fc, db_fc)


@bad("pool_backward_skipped")
def _(params, x, y):
    loss, conv_cache, relu_cache, pool_cache, flat_cache, fc_cache, loss_cache = _forward(params, x, y)
    dh, dw_fc, db_fc = affine_backward(softmax_cross_entropy_backward(1.0, loss_cache), fc_cache)
    dp = flatten_backward(dh, flat_cache)
    da = np.kron(dp, np.ones((2, 2)))                                   # every unit of the window
    _, dw, db = conv2d_backward(relu_backward(da, relu_cache), conv_cache)
    return loss, _grads(dw, db, dw_fc, db_fc)


ENTRIES = [
    Entry("check_one_conv_gradients", check_one_conv_gradients, one_conv_gradients, MUTANTS),
    Entry("check_one_conv_gradients (another style)", check_one_conv_gradients, one_conv_gradients_compact, {}),
]
