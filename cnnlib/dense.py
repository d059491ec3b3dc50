"""The fully connected (affine) layer and flatten.

Affine, with ``x (N, D)``, ``w (D, M)``, ``b (M,)``:

    out[n, k] = Σ_d x[n, d] · w[d, k] + b[k]
    dx = dout @ w.T,  dw = x.T @ dout,  db = Σ_n dout[n, :]

Flatten reshapes ``(N, C, H, W)`` feature maps to ``(N, C*H*W)`` rows, and its
backward reshapes the deltas back: no numbers change, only their layout.

The affine cache keeps read-only copies of ``x`` and ``w``: changing them in
place after the forward pass cannot change the gradients.
"""
from typing import NamedTuple

import numpy as np

from ._validate import as_float_array, as_shape, check_cache, check_shape, frozen_copy


class AffineCache(NamedTuple):
    """What ``affine_forward`` keeps: read-only copies of its inputs."""
    x: np.ndarray
    w: np.ndarray
    b: np.ndarray


def affine_forward(x, w, b):
    """``out = x @ w + b``: ``x (N, D)``, ``w (D, M)``, ``b (M,)`` -> ``out (N, M)``, cache."""
    x = as_float_array(x, "x (N, D)", ndim=2)
    w = as_float_array(w, "w (D, M)", ndim=2)
    b = as_float_array(b, "b (M,)", ndim=1)
    if x.shape[1] != w.shape[0]:
        raise ValueError(f"affine: x has D={x.shape[1]} features (shape {x.shape}) but w expects "
                         f"D={w.shape[0]} (shape {w.shape})")
    if b.shape[0] != w.shape[1]:
        raise ValueError(f"b: expected shape ({w.shape[1]},), got {b.shape}")
    return x @ w + b, AffineCache(frozen_copy(x), frozen_copy(w), frozen_copy(b))


def affine_backward(dout, cache):
    """``dout (N, M)`` -> ``dx (N, D)``, ``dw (D, M)``, ``db (M,)``."""
    x, w, _ = check_cache(cache, AffineCache, "affine_forward")
    dout = as_float_array(dout, "dout (N, M)", ndim=2)
    check_shape(dout, "dout", (x.shape[0], w.shape[1]))
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)


def flatten_forward(x):
    """``(N, ...) -> (N, D)``, keeping each image's numbers in C-order; cache is the shape."""
    x = as_float_array(x, "x")
    if x.ndim < 2:
        raise ValueError(f"flatten: expected at least 2 dimensions (N, ...), got shape {x.shape}")
    return x.reshape(x.shape[0], -1), x.shape  # (N, C*H*W)


def _flatten_shape(cache):
    try:
        return as_shape(cache, "cache", minimum=0)
    except ValueError:
        pass
    raise ValueError(f"cache: expected the shape (N, C, H, W) returned by flatten_forward, "
                     f"got {type(cache).__name__}" + (f" {cache!r}" if isinstance(cache, (tuple, list)) else ""))


def flatten_backward(dout, cache):
    """``dout (N, D)`` -> the deltas in the original ``(N, C, H, W)`` layout."""
    x_shape = _flatten_shape(cache)
    dout = as_float_array(dout, "dout")
    check_shape(dout, "dout", (x_shape[0], int(np.prod(x_shape[1:]))))
    return dout.reshape(x_shape)  # (N, C, H, W)
