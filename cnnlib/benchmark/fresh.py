"""Measurements in a fresh Python process: cold-process speed and peak memory of a conv layer.

A warmed loop hides what a new process pays: the first calls of a layer map
and page-fault in new memory until the C library's allocator has grown its
thresholds (PyTorch keeps a caching allocator; cnnlib reuses per-thread work
buffers). And peak memory can only be read cleanly in a process that has not
freed anything yet. So ``run_fresh(case, impl, threads)`` starts
``python -m cnnlib.benchmark.fresh`` and, in that new process:

1. sets ``threads`` for numpy's BLAS, cnnlib and torch (``system.set_threads``);
2. draws the inputs of ``case`` (a name of ``CONV_SHAPES`` or a shape tuple);
3. times the first forward + backward and measures its peak resident memory
   above what the process held before it (``timing.peak_memory``);
4. times ``calls`` more forward + backward calls one by one: the **cold** times;
5. runs one forward + backward of ``warm_case`` (the larger layer: big
   temporaries, which grow glibc's mmap threshold), then ``calls`` more calls
   of ``case``: the **warm** times.

It prints one JSON line, which ``run_fresh`` returns as a dict:
``first_s``, ``cold_s`` (list), ``warm_s`` (list), ``peak_bytes``, ``threads``.
"""
import json
import os
import subprocess
import sys
import time

import numpy as np

from .._validate import as_int
from .cases import IMPLS, _as_conv_shape, _dtype_name

FRESH_IMPLS = tuple(i for i in IMPLS if i != "naive")


def _inputs(s, dtype, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(s.x_shape, dtype=dtype)
    w = rng.standard_normal(s.w_shape, dtype=dtype) / np.sqrt(s.c * s.kh * s.kw).astype(dtype)
    b = rng.standard_normal(s.f, dtype=dtype)
    dout = rng.standard_normal(s.out_shape, dtype=dtype)
    return x, w, b, dout


def _step(impl, s, arrays):
    """A function running one forward + backward (dx, dw, db) of ``impl`` on ``arrays``."""
    x, w, b, dout = arrays
    if impl == "torch":
        import torch
        import torch.nn.functional as tf
        xt, wt, bt = (torch.from_numpy(a).requires_grad_(True) for a in (x, w, b))
        dt = torch.from_numpy(dout)

        def step():
            out = tf.conv2d(xt, wt, bt, stride=s.stride, padding=s.pad)
            return torch.autograd.grad(out, (xt, wt, bt), dt)
        return step
    from ..conv import conv2d_backward, conv2d_forward

    def step():
        _, cache = conv2d_forward(x, w, b, s.stride, s.pad)
        return conv2d_backward(dout, cache)
    return step


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _child(spec):
    from .system import set_threads
    from .timing import peak_memory
    set_threads(spec["threads"])
    _, s = _as_conv_shape(tuple(spec["case"]) if isinstance(spec["case"], list) else spec["case"])
    dtype = np.dtype(spec["dtype"])
    step = _step(spec["impl"], s, _inputs(s, dtype, 0))
    start = time.perf_counter()
    peak, _ = peak_memory(step)
    first = time.perf_counter() - start
    cold = [_timed(step) for _ in range(spec["calls"])]
    _, warm_shape = _as_conv_shape(spec["warm_case"])
    _step(spec["impl"], warm_shape, _inputs(warm_shape, dtype, 1))()
    warm = [_timed(step) for _ in range(spec["calls"])]
    return {"first_s": first, "cold_s": cold, "warm_s": warm, "peak_bytes": peak, "threads": spec["threads"]}


def run_fresh(case, impl="vectorized", threads=1, dtype=np.float32, calls=20, warm_case="larger layer",
              timeout=900):
    """Run the measurement above in a new Python process and return its dict (see the module docstring).

    ``case``: a name of ``CONV_SHAPES`` or a tuple ``(N, C, H, W, F, KH, KW[, stride[, pad]])``;
    ``impl``: ``"vectorized"`` or ``"torch"``.
    """
    name, _ = _as_conv_shape(case)  # checks the shape here, not in the child
    if not isinstance(impl, str) or impl not in FRESH_IMPLS:
        raise ValueError(f"impl: expected one of {FRESH_IMPLS}, got {impl!r}")
    _as_conv_shape(warm_case)
    spec = {"case": case if isinstance(case, str) else list(case), "impl": impl,
            "threads": as_int(threads, "threads", minimum=1), "dtype": _dtype_name(dtype),
            "calls": as_int(calls, "calls", minimum=1), "warm_case": warm_case}
    env = dict(os.environ)
    env.pop("CNNLIB_NUM_THREADS", None)  # set_threads in the child decides
    done = subprocess.run([sys.executable, "-m", "cnnlib.benchmark.fresh", json.dumps(spec)],
                          capture_output=True, text=True, timeout=timeout, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"fresh process for {name} ({impl}, {threads} thread(s)) failed:\n"
                           f"{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result.update(case=name, impl=impl)
    return result


if __name__ == "__main__":
    print(json.dumps(_child(json.loads(sys.argv[1]))))
