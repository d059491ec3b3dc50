"""One training epoch of the network of ``004_*``: cnnlib against the same network in PyTorch.

conv 3@1x3x3 -> relu -> maxpool 2 -> conv 10@3x4x4 -> relu -> maxpool 2 -> FC 250 -> 10
on the 4,000 training images of the MNIST subset, batch 64, SGD with momentum
0.9 and weight decay 5e-4, float32, in three versions:

- ``vectorized``: the cnnlib layer functions called directly, the first conv
  with ``need_dx=False`` (``numpy_epoch_functions``);
- ``network``: ``cnnlib.train.train`` for one epoch on ``cnnlib.network.two_conv_net``;
- ``torch``: the same network, data order and update in ``torch.nn`` (``torch_epoch_fn``).

``compare_epoch`` times them (each in its own block) and returns rows like
``compare_conv``'s.
"""
import math

import numpy as np

from ..activations import relu_backward, relu_forward
from ..conv import conv2d_backward, conv2d_forward
from ..dense import affine_backward, affine_forward, flatten_backward, flatten_forward
from ..losses import softmax_cross_entropy_backward, softmax_cross_entropy_forward
from ..pool import maxpool2d_backward, maxpool2d_forward
from .timing import time_call

BATCH = 64
LR, MOMENTUM, WEIGHT_DECAY = 0.01, 0.9, 5e-4


def mnist_train(dtype):
    """The 4,000 training images ``(4000, 1, 28, 28)`` and labels, and where they came from."""
    try:
        from ..data import load_mnist_prepared
        x, y, _, _ = load_mnist_prepared(dtype)
        return x, y, "MNIST subset (data/mnist_subset.npz), standardized"
    except (ImportError, FileNotFoundError, ValueError) as err:
        rng = np.random.default_rng(0)
        x = rng.standard_normal((4000, 1, 28, 28)).astype(dtype)
        y = rng.integers(0, 10, 4000)
        return x, y, f"random data of MNIST shape (the subset could not be loaded: {err})"


def he_params(seed, dtype):
    """Weights of the 004 network, He-normal, biases 0 (the torch model gets copies)."""
    rng = np.random.default_rng(seed)
    shapes = {"w1": (3, 1, 3, 3), "w2": (10, 3, 4, 4), "w3": (250, 10)}
    params = {}
    for name, shape in shapes.items():
        fan_in = int(np.prod(shape[1:])) if len(shape) == 4 else shape[0]
        params[name] = (rng.standard_normal(shape) * math.sqrt(2.0 / fan_in)).astype(dtype)
    params.update(b1=np.zeros(3, dtype), b2=np.zeros(10, dtype), b3=np.zeros(10, dtype))
    return params


def numpy_epoch_functions(params, x, y, order):
    """One epoch with the cnnlib layer functions; the first conv skips its dx (``need_dx=False``).

    SGD with momentum and weight decay on the weights, the update PyTorch's SGD makes:
    ``g += wd·w;  v = μ·v + g;  w -= lr·v``.
    """
    p = params
    velocity = {k: np.zeros_like(v) for k, v in p.items()}
    for first in range(0, len(order), BATCH):
        idx = order[first:first + BATCH]
        xb, yb = x[idx], y[idx]
        h1, c1 = conv2d_forward(xb, p["w1"], p["b1"])            # (B, 3, 26, 26)
        a1, r1 = relu_forward(h1)
        q1, m1 = maxpool2d_forward(a1, 2)                        # (B, 3, 13, 13)
        h2, c2 = conv2d_forward(q1, p["w2"], p["b2"])            # (B, 10, 10, 10)
        a2, r2 = relu_forward(h2)
        q2, m2 = maxpool2d_forward(a2, 2)                        # (B, 10, 5, 5)
        f, fc = flatten_forward(q2)                              # (B, 250)
        scores, ac = affine_forward(f, p["w3"], p["b3"])         # (B, 10)
        _, lc = softmax_cross_entropy_forward(scores, yb)
        g = {}
        d = softmax_cross_entropy_backward(1.0, lc)
        d, g["w3"], g["b3"] = affine_backward(d, ac)
        d = maxpool2d_backward(flatten_backward(d, fc), m2)
        d, g["w2"], g["b2"] = conv2d_backward(relu_backward(d, r2), c2)
        d = maxpool2d_backward(d, m1)
        _, g["w1"], g["b1"] = conv2d_backward(relu_backward(d, r1), c1, need_dx=False)
        for k, param in p.items():
            grad = g[k] + WEIGHT_DECAY * param if param.ndim > 1 else g[k]
            velocity[k] *= MOMENTUM
            velocity[k] += grad
            param -= LR * velocity[k]


def network_epoch(x, y, seed):
    """One epoch of ``cnnlib.train.train`` on ``cnnlib.network.two_conv_net``, or None if missing."""
    try:
        from ..network import two_conv_net
        from ..train import train
    except ImportError:
        return None
    model = two_conv_net(seed=seed, dtype=x.dtype)

    def epoch():
        train(model, x, y, epochs=1, batch_size=BATCH, lr=LR, momentum=MOMENTUM,
              weight_decay=WEIGHT_DECAY, schedule="constant", seed=seed, progress=None)
    return epoch


def torch_epoch_fn(params, x, y, order):
    """The same network, data order and SGD in PyTorch (weights copied from ``params``)."""
    import torch
    from torch import nn
    dtype = torch.float32 if x.dtype == np.float32 else torch.float64
    model = nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(3, 10, 4), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(250, 10)).to(dtype)
    with torch.no_grad():
        for layer, w, b in ((model[0], "w1", "b1"), (model[3], "w2", "b2"), (model[7], "w3", "b3")):
            layer.weight.copy_(torch.from_numpy(params[w].T.copy() if w == "w3" else params[w]))
            layer.bias.copy_(torch.from_numpy(params[b]))
    weights = [p for n, p in model.named_parameters() if n.endswith("weight")]
    biases = [p for n, p in model.named_parameters() if n.endswith("bias")]
    opt = torch.optim.SGD([{"params": weights, "weight_decay": WEIGHT_DECAY},
                           {"params": biases, "weight_decay": 0.0}], lr=LR, momentum=MOMENTUM)
    loss_fn = nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    order_t = torch.from_numpy(order)

    def epoch():
        for first in range(0, len(order_t), BATCH):
            idx = order_t[first:first + BATCH]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
    epoch.model = model  # for a test: the weights after the epoch
    return epoch


def compare_epoch(repeat, with_torch, rounds=1, seed=0, before_round=None):
    """Rows (as ``bm.compare_conv``'s) for one training epoch of the 004 network, float32.

    Each round times every implementation in its own block (``repeat`` epochs,
    median); times are medians over the rounds, ratios the medians of the
    per-round ratios.
    """
    x, y, source = mnist_train(np.float32)
    order = np.random.default_rng(seed).permutation(len(x))
    case = f"epoch 004 net, {len(x)} images"
    desc = f"{len(x)} images 1x28x28, batch {BATCH}, SGD momentum {MOMENTUM}, float32"
    params = he_params(seed, np.float32)
    fns = {"vectorized": (lambda: numpy_epoch_functions(params, x, y, order),
                          "cnnlib layer functions, first conv need_dx=False; " + source)}
    net = network_epoch(x, y, seed)
    if net is not None:
        fns["network"] = (net, "cnnlib.train.train on cnnlib.network.two_conv_net (its own data order)")
    if with_torch:
        fns["torch"] = (torch_epoch_fn(he_params(seed, np.float32), x, y, order),
                        "torch.nn, same order and SGD")
    times = {impl: [] for impl in fns}
    for r in range(rounds):
        if before_round is not None:
            before_round()
        for impl, (fn, _) in fns.items():
            times[impl].append(time_call(fn, repeat, number=1, warmup=1 if r == 0 else 0))
    rows = []
    for impl, (_, note) in fns.items():
        ratio = None
        if "torch" in times:
            ratio = float(np.median([a / b for a, b in zip(times[impl], times["torch"])]))
        rows.append({"case": case, "shape": desc, "dtype": "float32", "impl": impl,
                     "forward_s": None, "backward_s": None, "total_s": float(np.median(times[impl])),
                     "note": note + ("" if rounds == 1 else f"; median of {rounds} rounds"),
                     "forward_vs_torch": None, "backward_vs_torch": None, "total_vs_torch": ratio,
                     "speedup_vs_naive": None})
    return rows
