"""The cases a benchmark times: conv and max pooling layers, loops vs im2row vs PyTorch.

``compare_conv(shape, dtype, impls, ...)`` and ``compare_maxpool(x_shape, ...)``
return one row (a dict) per implementation: forward, backward and total
medians, and ratios to PyTorch. Each implementation is timed in its own
back-to-back block (alternating numpy and torch calls makes both slower: their
thread pools fight over the cores).

The loop (``*_naive``) versions are exact but slow, about 5-20 µs per output
entry. They cost ``N*F*H_out*W_out`` Python iterations; above
``naive_limit`` iterations they are timed on the first ``k`` images only
(``k`` as large as the limit allows) and the time is scaled by ``N/k``; the
loops do exactly the same work for every image, so the time is linear in
``N``. The row says so in ``note``. Set ``naive_limit=0`` to skip them.
"""
from typing import NamedTuple

import numpy as np

from .._validate import as_int, as_seed, as_shape
from ..conv import (conv2d_backward, conv2d_backward_naive, conv2d_forward, conv2d_forward_naive,
                    conv_output_shape)
from ..pool import maxpool2d_backward, maxpool2d_backward_naive, maxpool2d_forward, maxpool2d_forward_naive
from .timing import time_call
from .report import _add_ratios
from .system import torch_available

IMPLS = ("naive", "vectorized", "torch")


class ConvShape(NamedTuple):
    """A convolution layer to time: input ``(n, c, h, w)``, filters ``(f, c, kh, kw)``."""
    n: int
    c: int
    h: int
    w: int
    f: int
    kh: int
    kw: int
    stride: int = 1
    pad: int = 0

    @property
    def x_shape(self):
        return (self.n, self.c, self.h, self.w)

    @property
    def w_shape(self):
        return (self.f, self.c, self.kh, self.kw)

    @property
    def out_shape(self):
        """``(N, F, H_out, W_out)``."""
        h_out = (self.h + 2 * self.pad - self.kh) // self.stride + 1
        w_out = (self.w + 2 * self.pad - self.kw) // self.stride + 1
        return (self.n, self.f, h_out, w_out)

    @property
    def flops(self):
        """Multiply-adds of the forward, counted as 2 flops: ``2*N*F*H_out*W_out*C*KH*KW``."""
        return 2 * int(np.prod(self.out_shape)) * self.c * self.kh * self.kw


CONV_SHAPES = {
    "seed example": ConvShape(1, 3, 7, 7, 3, 3, 3, stride=2, pad=0),
    "MNIST layer 1": ConvShape(64, 1, 28, 28, 3, 3, 3, stride=1, pad=0),
    "MNIST layer 2": ConvShape(64, 3, 13, 13, 10, 4, 4, stride=1, pad=0),
    "larger layer": ConvShape(64, 32, 28, 28, 64, 3, 3, stride=1, pad=1),
}


def _as_conv_shape(shape):
    if isinstance(shape, str):
        if shape not in CONV_SHAPES:
            raise ValueError(f"shape: expected one of {sorted(CONV_SHAPES)} or a ConvShape, got {shape!r}")
        return shape, CONV_SHAPES[shape]
    if not isinstance(shape, (tuple, list)) or len(shape) not in (7, 8, 9):
        raise ValueError("shape: expected a name from CONV_SHAPES, a ConvShape or a tuple "
                         f"(N, C, H, W, F, KH, KW[, stride[, pad]]), got {shape!r}")
    s = ConvShape(*shape)
    sizes = as_shape(tuple(s[:8]), "shape (N, C, H, W, F, KH, KW, stride)")
    pad = as_int(s.pad, "shape: pad", minimum=0)
    s = ConvShape(*sizes, pad)
    conv_output_shape(s.x_shape, s.w_shape, s.stride, s.pad)  # the kernel must fit the padded input
    return str(tuple(s)), s


def _check_impls(impls):
    if isinstance(impls, str) or not isinstance(impls, (tuple, list)):
        raise ValueError(f"impls: expected a non-empty subset of {IMPLS} (a tuple), got {impls!r}")
    impls = tuple(impls)
    unknown = [i for i in impls if i not in IMPLS]
    if unknown or not impls:
        raise ValueError(f"impls: expected a non-empty subset of {IMPLS}, got {impls!r}")
    return impls


def _dtype_name(dtype):
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise ValueError(f"dtype: expected float32 or float64, got {dtype!r}") from None
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype: expected float32 or float64, got {dtype}")
    return dtype.name


# ------------------------------------------------------------------- torch

def _torch_conv_fns(x, w, b, dout, stride, pad):
    """Forward and backward closures of ``torch.nn.functional.conv2d`` on copies of the arrays.

    Backward is the autograd pass of one recorded forward (``retain_graph``), so
    it times the gradient computation only: dx, dw and db.
    """
    import torch
    import torch.nn.functional as tf
    xt = torch.from_numpy(x.copy()).requires_grad_(True)
    wt = torch.from_numpy(w.copy()).requires_grad_(True)
    bt = torch.from_numpy(b.copy()).requires_grad_(True)
    dt = torch.from_numpy(dout.copy())
    out = tf.conv2d(xt, wt, bt, stride=stride, padding=pad)

    def forward():
        return tf.conv2d(xt, wt, bt, stride=stride, padding=pad)

    def backward():
        return torch.autograd.grad(out, (xt, wt, bt), dt, retain_graph=True)

    return forward, backward


def _torch_maxpool_fns(x, dout, size):
    import torch
    import torch.nn.functional as tf
    xt = torch.from_numpy(x.copy()).requires_grad_(True)
    dt = torch.from_numpy(dout.copy())
    out = tf.max_pool2d(xt, size, size)

    def forward():
        return tf.max_pool2d(xt, size, size)

    def backward():
        return torch.autograd.grad(out, (xt,), dt, retain_graph=True)

    return forward, backward


# ------------------------------------------------------------------- tables

def _counts(repeat, warmup, rounds, naive_limit):
    return (as_int(repeat, "repeat", minimum=1), as_int(warmup, "warmup", minimum=0),
            as_int(rounds, "rounds", minimum=1), as_int(naive_limit, "naive_limit", minimum=0))


def _hook(before_round):
    if before_round is not None and not callable(before_round):
        raise ValueError(f"before_round: expected None or a function called before each round, "
                         f"got {type(before_round).__name__}")
    return before_round


def _naive_images(n_images, iterations_per_image, naive_limit):
    """How many images the loop version is timed on (0: skip it)."""
    if naive_limit <= 0 or iterations_per_image > naive_limit:
        return 0
    return int(min(n_images, naive_limit // max(iterations_per_image, 1)))


def _row(case, shape_desc, dtype, impl, fwd, bwd, note=""):
    return {"case": case, "shape": shape_desc, "dtype": dtype, "impl": impl,
            "forward_s": fwd, "backward_s": bwd,
            "total_s": None if fwd is None or bwd is None else fwd + bwd,
            "note": note}


def _compare(case, desc, dtype, impls, fast_fns, naive_fns, n_images, per_image, naive_limit,
             repeat, warmup, rounds, before_round=None):
    """The rows of one table case; shared by ``compare_conv`` and ``compare_maxpool``.

    ``fast_fns(impl) -> (forward, backward)`` closures for "vectorized" and
    "torch"; ``naive_fns(k) -> (forward, backward)`` on the first ``k`` images.
    Each round times every implementation in its own block, in the order of
    ``impls``; times are medians over rounds, ratios to torch the medians of
    the per-round ratios. The loop version is timed once, in the first round.
    """
    if "torch" in impls and not torch_available():
        impls = tuple(i for i in impls if i != "torch")
    fns = {impl: fast_fns(impl) for impl in impls if impl != "naive"}
    times = {impl: {"forward": [], "backward": []} for impl in fns}
    naive_row = None
    for r in range(rounds):
        if before_round is not None:
            before_round()
        for impl in impls:
            if impl != "naive":
                fwd, bwd = fns[impl]
                times[impl]["forward"].append(time_call(fwd, repeat, warmup=warmup))
                times[impl]["backward"].append(time_call(bwd, repeat, warmup=warmup))
            elif r == 0:
                k = _naive_images(n_images, per_image, naive_limit)
                if k == 0:
                    naive_row = _row(case, desc, dtype, impl, None, None,
                                     f"skipped: {n_images * per_image:,} loop iterations")
                    continue
                fwd, bwd = naive_fns(k)
                scale = n_images / k
                note = "" if k == n_images else f"timed on {k} of {n_images} images, scaled x{scale:.4g}"
                naive_row = _row(case, desc, dtype, impl,
                                 scale * time_call(fwd, 1, number=1, warmup=0),
                                 scale * time_call(bwd, 1, number=1, warmup=0), note)
    rows, round_ratios = [], {}
    for impl in impls:
        if impl == "naive":
            rows.append(naive_row)
            continue
        fwd, bwd = (float(np.median(times[impl][key])) for key in ("forward", "backward"))
        note = "" if rounds == 1 else f"median of {rounds} rounds"
        rows.append(_row(case, desc, dtype, impl, fwd, bwd, note))
        if "torch" in times:
            mine, ref = times[impl], times["torch"]
            round_ratios[impl] = {
                "forward": [a / b for a, b in zip(mine["forward"], ref["forward"])],
                "backward": [a / b for a, b in zip(mine["backward"], ref["backward"])],
                "total": [(a + c) / (b + d) for a, c, b, d in
                          zip(mine["forward"], mine["backward"], ref["forward"], ref["backward"])]}
    return _add_ratios(rows, round_ratios if rounds > 1 else None)


def compare_conv(shape, dtype=np.float32, impls=IMPLS, repeat=5, naive_limit=150_000, seed=0,
                 warmup=1, rounds=1, before_round=None):
    """Time conv forward and backward of each implementation on one layer shape.

    ``shape``: a name of ``CONV_SHAPES``, a ``ConvShape`` or a tuple
    ``(N, C, H, W, F, KH, KW[, stride[, pad]])``. ``impls``: any of
    ``"naive"`` (``conv2d_*_naive``, the loops), ``"vectorized"``
    (``conv2d_forward`` / ``conv2d_backward``, im2row), ``"torch"``
    (``torch.nn.functional.conv2d`` and autograd; left out when PyTorch is not
    installed). Every backward computes dx, dw and db.

    Returns one dict per implementation with keys ``case, shape, dtype, impl,
    forward_s, backward_s, total_s`` (medians in seconds), ``note``,
    ``forward_vs_torch, backward_vs_torch, total_vs_torch`` (this time divided
    by PyTorch's; None without torch) and ``speedup_vs_naive`` (the loop
    version's total divided by this one's). The loop version is timed once per
    pass (``repeat=1``) and only up to ``naive_limit`` Python iterations (see
    the module docstring). ``rounds > 1`` repeats the whole comparison (each
    implementation still in its own block) and reports medians over the
    rounds; the ratios are then the medians of each round's ratio, which a
    machine whose load changes over time disturbs less. ``before_round()``, if
    given, is called before each round (``system.wait_for_quiet`` waits for
    other processes to leave the cores idle).
    """
    case, s = _as_conv_shape(shape)
    dtype = _dtype_name(dtype)
    impls = _check_impls(impls)
    repeat, warmup, rounds, naive_limit = _counts(repeat, warmup, rounds, naive_limit)
    rng = np.random.default_rng(as_seed(seed))
    x = rng.standard_normal(s.x_shape).astype(dtype)
    w = (rng.standard_normal(s.w_shape) / np.sqrt(s.c * s.kh * s.kw)).astype(dtype)
    b = rng.standard_normal(s.f).astype(dtype)
    dout = rng.standard_normal(s.out_shape).astype(dtype)
    desc = f"{s.n}x{s.c}x{s.h}x{s.w} * {s.f}x{s.c}x{s.kh}x{s.kw}, stride {s.stride}, pad {s.pad}"

    def fast_fns(impl):
        if impl == "torch":
            return _torch_conv_fns(x, w, b, dout, s.stride, s.pad)
        _, cache = conv2d_forward(x, w, b, s.stride, s.pad)
        return (lambda: conv2d_forward(x, w, b, s.stride, s.pad),
                lambda: conv2d_backward(dout, cache))

    def naive_fns(k):
        xk, dk = x[:k], dout[:k]
        _, cache_k = conv2d_forward_naive(xk, w, b, s.stride, s.pad)
        return (lambda: conv2d_forward_naive(xk, w, b, s.stride, s.pad),
                lambda: conv2d_backward_naive(dk, cache_k))

    per_image = s.f * s.out_shape[2] * s.out_shape[3]
    return _compare(case, desc, dtype, impls, fast_fns, naive_fns, s.n, per_image, naive_limit,
                    repeat, warmup, rounds, _hook(before_round))


def compare_maxpool(x_shape, dtype=np.float32, impls=IMPLS, size=2, repeat=5, naive_limit=150_000,
                    seed=0, warmup=1, case=None, relu=True, rounds=1, before_round=None):
    """Time max pooling (``size x size``, stride ``size``) forward and backward; rows as ``compare_conv``.

    ``x_shape (N, C, H, W)``: the feature maps pooled. With ``relu=True`` the
    input is ``max(0, noise)``, as after a ReLU layer: half the entries are 0,
    so ties are common and the tie rule (first maximum wins) is exercised.
    """
    dtype = _dtype_name(dtype)
    impls = _check_impls(impls)
    repeat, warmup, rounds, naive_limit = _counts(repeat, warmup, rounds, naive_limit)
    x_shape = as_shape(x_shape, "x_shape", hint="(N, C, H, W)")
    if len(x_shape) != 4:
        raise ValueError(f"x_shape: expected (N, C, H, W), got {x_shape!r}")
    size = as_int(size, "size", minimum=1, maximum=min(x_shape[2:]))
    if case is not None and not isinstance(case, str):
        raise ValueError(f"case: expected None or a str, got {case!r}")
    rng = np.random.default_rng(as_seed(seed))
    x = rng.standard_normal(x_shape).astype(dtype)
    if relu:
        x = np.maximum(x, 0)
    n, c, h, w = x_shape
    out_shape = (n, c, (h - size) // size + 1, (w - size) // size + 1)
    dout = rng.standard_normal(out_shape).astype(dtype)
    desc = "x".join(map(str, x_shape)) + f", {size}x{size} stride {size}"
    case = desc if case is None else case

    def fast_fns(impl):
        if impl == "torch":
            return _torch_maxpool_fns(x, dout, size)
        _, cache = maxpool2d_forward(x, size)
        return lambda: maxpool2d_forward(x, size), lambda: maxpool2d_backward(dout, cache)

    def naive_fns(k):
        xk, dk = x[:k], dout[:k]
        _, cache_k = maxpool2d_forward_naive(xk, size)
        return lambda: maxpool2d_forward_naive(xk, size), lambda: maxpool2d_backward_naive(dk, cache_k)

    per_image = int(np.prod(out_shape[1:]))
    return _compare(case, desc, dtype, impls, fast_fns, naive_fns, n, per_image, naive_limit,
                    repeat, warmup, rounds, _hook(before_round))


