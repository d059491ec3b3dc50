"""Notebook 07 §2, one_conv_gradients(params, x, y): held-out wrong answers (seed 000's network,
conv 8@1x3x3 -> ReLU -> max pool 2x2 -> flatten -> fully connected -> softmax cross-entropy)."""
import numpy as np

from cnnlib.activations import relu_backward, relu_forward
from cnnlib.conv import conv2d_backward, conv2d_forward
from cnnlib.dense import affine_backward, affine_forward, flatten_backward, flatten_forward
from cnnlib.losses import softmax_cross_entropy_backward, softmax_cross_entropy_forward
from cnnlib.pool import maxpool2d_backward, maxpool2d_forward

from .registry import wrong

G = "check_one_conv_gradients"


@wrong(G, bug="the 1/N is applied twice: softmax_cross_entropy_backward(1.0 / N, cache), reading the "
              "notebook's (p - onehot)/N as something to do by hand, though the function divides by N "
              "already: every gradient N times too small",
       where="every gradient on batches of N > 1; right on a batch of one image; the loss is right",
       catalogue_keys_ok=())
def one_over_n_twice(params, x, y):
    N = x.shape[0]
    z, conv_cache = conv2d_forward(x, params["conv1.w"], params["conv1.b"])
    a, relu_cache = relu_forward(z)
    p, pool_cache = maxpool2d_forward(a, 2)
    h, flatten_cache = flatten_forward(p)
    s, fc_cache = affine_forward(h, params["fc1.w"], params["fc1.b"])
    loss, loss_cache = softmax_cross_entropy_forward(s, y)
    ds = softmax_cross_entropy_backward(1.0 / N, loss_cache)
    dh, dw_fc, db_fc = affine_backward(ds, fc_cache)
    da = maxpool2d_backward(flatten_backward(dh, flatten_cache), pool_cache)
    _, dw, db = conv2d_backward(relu_backward(da, relu_cache), conv_cache)
    return loss, {"conv1.w": dw, "conv1.b": db, "fc1.w": dw_fc, "fc1.b": db_fc}


@wrong(G, bug="the fully connected layer's backward is written by hand, and its bias gradient is the "
              "mean of ds over the batch, ds.mean(axis=0), where ds already holds the 1/N: fc1.b is N "
              "times too small; everything else is right",
       where="fc1.b on batches of N > 1; right on one image",
       catalogue_keys_ok=(),
       variant="db_mean_over_batch (of check_bias_gradient), in the dense layer")
def fc_bias_mean(params, x, y):
    z, conv_cache = conv2d_forward(x, params["conv1.w"], params["conv1.b"])
    a, relu_cache = relu_forward(z)
    p, pool_cache = maxpool2d_forward(a, 2)
    h = p.reshape(p.shape[0], -1)                              # (N, 1352)
    s = h @ params["fc1.w"] + params["fc1.b"]                  # (N, 10)
    loss, loss_cache = softmax_cross_entropy_forward(s, y)
    ds = softmax_cross_entropy_backward(1.0, loss_cache)       # (N, 10)
    dw_fc = h.T @ ds                                           # (1352, 10)
    db_fc = ds.mean(axis=0)                                    # (10,)
    dh = ds @ params["fc1.w"].T                                # (N, 1352)
    da = maxpool2d_backward(dh.reshape(p.shape), pool_cache)
    _, dw, db = conv2d_backward(relu_backward(da, relu_cache), conv_cache)
    return loss, {"conv1.w": dw, "conv1.b": db, "fc1.w": dw_fc, "fc1.b": db_fc}


@wrong(G, bug="everything is cast to float32 first, 'as notebook 07 trains in float32' "
              "(x.astype(np.float32), each parameter too): the loss and gradients carry float32 "
              "rounding, about 1e-7 relative, and come back as float32",
       where="every batch (float32 rounding)", tags=("dtype",))
def float32_everywhere(params, x, y):
    x = x.astype(np.float32)
    params = {name: value.astype(np.float32) for name, value in params.items()}
    z, conv_cache = conv2d_forward(x, params["conv1.w"], params["conv1.b"])
    a, relu_cache = relu_forward(z)
    p, pool_cache = maxpool2d_forward(a, 2)
    h, flatten_cache = flatten_forward(p)
    s, fc_cache = affine_forward(h, params["fc1.w"], params["fc1.b"])
    loss, loss_cache = softmax_cross_entropy_forward(s, y)
    ds = softmax_cross_entropy_backward(1.0, loss_cache)
    dh, dw_fc, db_fc = affine_backward(ds, fc_cache)
    da = maxpool2d_backward(flatten_backward(dh, flatten_cache), pool_cache)
    _, dw, db = conv2d_backward(relu_backward(da, relu_cache), conv_cache)
    return loss, {"conv1.w": dw, "conv1.b": db, "fc1.w": dw_fc, "fc1.b": db_fc}


@wrong(G, bug="the flatten is not undone: maxpool2d_backward gets the flat (N, 1352) deltas, and "
              "cnnlib's maxpool2d_backward raises a ValueError about dout's shape",
       where="every batch (raises)", tags=("crash",),
       catalogue_keys_ok=("unflatten_skipped",),
       variant="unflatten_skipped (in the checker's catalogue, which reached this branch after the answer "
               "was written)")
def flatten_not_undone(params, x, y):
    z, conv_cache = conv2d_forward(x, params["conv1.w"], params["conv1.b"])
    a, relu_cache = relu_forward(z)
    p, pool_cache = maxpool2d_forward(a, 2)
    h, flatten_cache = flatten_forward(p)
    s, fc_cache = affine_forward(h, params["fc1.w"], params["fc1.b"])
    loss, loss_cache = softmax_cross_entropy_forward(s, y)
    ds = softmax_cross_entropy_backward(1.0, loss_cache)
    dh, dw_fc, db_fc = affine_backward(ds, fc_cache)
    da = maxpool2d_backward(dh, pool_cache)
    _, dw, db = conv2d_backward(relu_backward(da, relu_cache), conv_cache)
    return loss, {"conv1.w": dw, "conv1.b": db, "fc1.w": dw_fc, "fc1.b": db_fc}


@wrong(G, bug="conv2d_backward's results are unpacked as (dx, db, dw): conv1.w gets the (8,) bias "
              "gradient and conv1.b the (8, 1, 3, 3) kernel gradient",
       where="every batch: conv1.w and conv1.b have each other's shapes; fc1 right",
       catalogue_keys_ok=("unpack_order",),
       variant="unpack_order (catalogued for check_training_step, and for this checker too)")
def conv_unpacked_dx_db_dw(params, x, y):
    z, conv_cache = conv2d_forward(x, params["conv1.w"], params["conv1.b"])
    a, relu_cache = relu_forward(z)
    p, pool_cache = maxpool2d_forward(a, 2)
    h, flatten_cache = flatten_forward(p)
    s, fc_cache = affine_forward(h, params["fc1.w"], params["fc1.b"])
    loss, loss_cache = softmax_cross_entropy_forward(s, y)
    ds = softmax_cross_entropy_backward(1.0, loss_cache)
    dh, dw_fc, db_fc = affine_backward(ds, fc_cache)
    da = maxpool2d_backward(flatten_backward(dh, flatten_cache), pool_cache)
    _, db, dw = conv2d_backward(relu_backward(da, relu_cache), conv_cache)
    return loss, {"conv1.w": dw, "conv1.b": db, "fc1.w": dw_fc, "fc1.b": db_fc}


@wrong(G, bug="grads = params (an alias, not a new dict): filling grads replaces the caller's "
              "parameters with their gradients; the values returned are right",
       where="every batch: params changed (the template says to leave them as they are)",
       tags=("in-place",))
def grads_alias_params(params, x, y):
    z, conv_cache = conv2d_forward(x, params["conv1.w"], params["conv1.b"])
    a, relu_cache = relu_forward(z)
    p, pool_cache = maxpool2d_forward(a, 2)
    h, flatten_cache = flatten_forward(p)
    s, fc_cache = affine_forward(h, params["fc1.w"], params["fc1.b"])
    loss, loss_cache = softmax_cross_entropy_forward(s, y)
    ds = softmax_cross_entropy_backward(1.0, loss_cache)
    dh, dw_fc, db_fc = affine_backward(ds, fc_cache)
    da = maxpool2d_backward(flatten_backward(dh, flatten_cache), pool_cache)
    _, dw, db = conv2d_backward(relu_backward(da, relu_cache), conv_cache)
    grads = params
    grads["conv1.w"], grads["conv1.b"], grads["fc1.w"], grads["fc1.b"] = dw, db, dw_fc, db_fc
    return loss, grads


@wrong(G, bug="the pooling is done with the stride left at 1 (maxpool2d_forward(a, 2, 1), 'stride 1 "
              "like the conv'): 25x25 maps, 5,000 inputs to fc1, and affine_forward raises a "
              "ValueError about the shapes",
       where="every batch (raises)", tags=("crash",),
       catalogue_keys_ok=())
def pool_stride_one(params, x, y):
    z, conv_cache = conv2d_forward(x, params["conv1.w"], params["conv1.b"])
    a, relu_cache = relu_forward(z)
    p, pool_cache = maxpool2d_forward(a, 2, 1)
    h, flatten_cache = flatten_forward(p)
    s, fc_cache = affine_forward(h, params["fc1.w"], params["fc1.b"])
    loss, loss_cache = softmax_cross_entropy_forward(s, y)
    ds = softmax_cross_entropy_backward(1.0, loss_cache)
    dh, dw_fc, db_fc = affine_backward(ds, fc_cache)
    da = maxpool2d_backward(flatten_backward(dh, flatten_cache), pool_cache)
    _, dw, db = conv2d_backward(relu_backward(da, relu_cache), conv_cache)
    return loss, {"conv1.w": dw, "conv1.b": db, "fc1.w": dw_fc, "fc1.b": db_fc}
