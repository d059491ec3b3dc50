"""Timing helpers: the loop version, the im2row version and PyTorch, side by side.

Used by ``benchmarks/run.py`` (the full benchmark) and by the im2row notebook
(a small timing table). Nothing here changes global state on import; PyTorch is
imported only when a torch timing is asked for, and is optional.

The API (stable):

- ``time_call(fn, repeat=5, number=None, warmup=1) -> float``: median seconds
  of one call of ``fn()``; ``time_samples`` gives all the samples.
- ``ConvShape`` and ``CONV_SHAPES``: the layer shapes of the benchmark
  (``"seed example"``, ``"MNIST layer 1"``, ``"MNIST layer 2"``, ``"larger layer"``).
- ``compare_conv(shape, dtype, impls=("naive", "vectorized", "torch"), ..., rounds=1) -> list of dict``:
  forward, backward and forward+backward medians of each implementation, and
  their ratios to PyTorch (one dict per implementation, a row of a table).
- ``compare_maxpool(x_shape, dtype, impls, size=2, ...) -> list of dict``: the same for max pooling.
- ``format_table(rows) -> str``: the rows as a fixed-width text table.
- ``torch_available() -> bool``, ``environment() -> dict`` (versions, BLAS, threads),
  ``blas_threads()`` / ``set_blas_threads(n)``, ``set_threads(n)`` (numpy's BLAS and torch).

Timing method (measured on this project's 2-core machines): each
implementation is timed in its own back-to-back block; alternating single
numpy and torch calls makes both slower, their thread pools fight over the
cores. Results under a millisecond vary by about 1.5x on a shared machine, so
the rows report medians, and ratios measured in one run.

The loop (``*_naive``) versions are exact but slow, about 5-20 µs per output
entry. They cost ``N*F*H_out*W_out`` Python iterations; above
``naive_limit`` iterations they are timed on the first ``k`` images only
(``k`` as large as the limit allows) and the time is scaled by ``N/k``; the
loops do exactly the same work for every image, so the time is linear in
``N``. The row says so in ``note``. Set ``naive_limit=0`` to skip them.
"""
import ctypes
import glob
import os
import platform
import time
from typing import NamedTuple

import numpy as np

from .conv import conv2d_backward, conv2d_backward_naive, conv2d_forward, conv2d_forward_naive
from .pool import maxpool2d_backward, maxpool2d_backward_naive, maxpool2d_forward, maxpool2d_forward_naive

IMPLS = ("naive", "vectorized", "torch")


# ------------------------------------------------------------------- timing

def time_samples(fn, repeat=5, number=None, warmup=1, min_sample=0.02):
    """Seconds per call of ``fn()``, one value per sample: an array of ``repeat`` floats.

    Each sample times ``number`` calls in a row and divides by ``number``.
    ``number=None`` picks it from the last warm-up call so that a sample lasts
    about ``min_sample`` seconds (short calls are too noisy one at a time).
    ``warmup`` calls run first and are not counted (first calls pay for page
    faults, caches and thread start-up).
    """
    if repeat < 1:
        raise ValueError(f"repeat: expected an int >= 1, got {repeat!r}")
    if number is not None and number < 1:
        raise ValueError(f"number: expected None or an int >= 1, got {number!r}")
    if warmup < 0:
        raise ValueError(f"warmup: expected an int >= 0, got {warmup!r}")
    last = None
    for _ in range(warmup):
        start = time.perf_counter()
        fn()
        last = time.perf_counter() - start
    if number is None:
        number = 1 if not last else max(1, min(1000, int(min_sample / max(last, 1e-9))))
    samples = np.empty(repeat)
    for r in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples[r] = (time.perf_counter() - start) / number
    return samples


def time_call(fn, repeat=5, number=None, warmup=1, min_sample=0.02):
    """Median seconds of one call of ``fn()`` (see ``time_samples`` for the arguments)."""
    return float(np.median(time_samples(fn, repeat, number, warmup, min_sample)))


# ------------------------------------------------------------------- shapes

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
    if isinstance(shape, ConvShape):
        return str(tuple(shape)), shape
    if isinstance(shape, (tuple, list)) and len(shape) in (7, 8, 9):
        return str(tuple(shape)), ConvShape(*shape)
    raise ValueError("shape: expected a name from CONV_SHAPES, a ConvShape or a tuple "
                     f"(N, C, H, W, F, KH, KW[, stride[, pad]]), got {shape!r}")


def _check_impls(impls):
    impls = tuple(impls)
    unknown = [i for i in impls if i not in IMPLS]
    if unknown or not impls:
        raise ValueError(f"impls: expected a non-empty subset of {IMPLS}, got {impls!r}")
    return impls


def _dtype_name(dtype):
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype: expected float32 or float64, got {dtype}")
    return dtype.name


# ------------------------------------------------------------------- torch

def torch_available():
    """True when PyTorch can be imported (it is optional: the course never needs it)."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


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


def _add_ratios(rows, round_ratios=None):
    """Add ``*_vs_torch`` (time / torch time) and ``speedup_vs_naive`` to each row, where known.

    ``round_ratios[impl][key]``, when given, holds the ratio to torch of every
    round; the row then gets their median instead of the ratio of the medians.
    """
    by_impl = {r["impl"]: r for r in rows}
    ref = by_impl.get("torch")
    naive = by_impl.get("naive")
    for r in rows:
        for key in ("forward", "backward", "total"):
            mine, theirs = r[f"{key}_s"], None if ref is None else ref[f"{key}_s"]
            r[f"{key}_vs_torch"] = None if mine is None or not theirs else mine / theirs
            per_round = (round_ratios or {}).get(r["impl"], {}).get(key)
            if per_round and r[f"{key}_vs_torch"] is not None:
                r[f"{key}_vs_torch"] = float(np.median(per_round))
        base = None if naive is None else naive["total_s"]
        r["speedup_vs_naive"] = None if base is None or not r["total_s"] else base / r["total_s"]
    return rows


def _compare(case, desc, dtype, impls, fast_fns, naive_fns, n_images, per_image, naive_limit,
             repeat, warmup, rounds):
    """The rows of one table case; shared by ``compare_conv`` and ``compare_maxpool``.

    ``fast_fns(impl) -> (forward, backward)`` closures for "vectorized" and
    "torch"; ``naive_fns(k) -> (forward, backward)`` on the first ``k`` images.
    Each round times every implementation in its own block, in the order of
    ``impls``; times are medians over rounds, ratios to torch the medians of
    the per-round ratios. The loop version is timed once, in the first round.
    """
    if rounds < 1:
        raise ValueError(f"rounds: expected an int >= 1, got {rounds!r}")
    if "torch" in impls and not torch_available():
        impls = tuple(i for i in impls if i != "torch")
    fns = {impl: fast_fns(impl) for impl in impls if impl != "naive"}
    times = {impl: {"forward": [], "backward": []} for impl in fns}
    naive_row = None
    for r in range(rounds):
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
                 warmup=1, rounds=1):
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
    machine whose load changes over time disturbs less.
    """
    case, s = _as_conv_shape(shape)
    dtype = _dtype_name(dtype)
    impls = _check_impls(impls)
    rng = np.random.default_rng(seed)
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
                    repeat, warmup, rounds)


def compare_maxpool(x_shape, dtype=np.float32, impls=IMPLS, size=2, repeat=5, naive_limit=150_000,
                    seed=0, warmup=1, case=None, relu=True, rounds=1):
    """Time max pooling (``size x size``, stride ``size``) forward and backward; rows as ``compare_conv``.

    ``x_shape (N, C, H, W)``: the feature maps pooled. With ``relu=True`` the
    input is ``max(0, noise)``, as after a ReLU layer: half the entries are 0,
    so ties are common and the tie rule (first maximum wins) is exercised.
    """
    dtype = _dtype_name(dtype)
    impls = _check_impls(impls)
    x_shape = tuple(int(v) for v in x_shape)
    if len(x_shape) != 4:
        raise ValueError(f"x_shape: expected (N, C, H, W), got {x_shape!r}")
    rng = np.random.default_rng(seed)
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
                    repeat, warmup, rounds)


def _fmt_time(seconds):
    if seconds is None:
        return "-"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.0f} µs"


def _fmt_ratio(ratio):
    return "-" if ratio is None else f"{ratio:.2f}x"


def format_table(rows, columns=None):
    """The rows of ``compare_conv`` / ``compare_maxpool`` as a fixed-width text table.

    Times are medians (``ms`` / ``µs``); ``fwd/torch`` etc. are ratios to
    PyTorch's time (1.00x = as fast, 2.00x = twice as slow); ``vs naive`` is
    how many times faster than the loop version.
    """
    columns = columns or [("case", "case"), ("dtype", "dtype"), ("impl", "impl"),
                          ("forward_s", "forward"), ("backward_s", "backward"), ("total_s", "fwd+bwd"),
                          ("forward_vs_torch", "fwd/torch"), ("backward_vs_torch", "bwd/torch"),
                          ("total_vs_torch", "total/torch"), ("speedup_vs_naive", "vs naive"),
                          ("note", "note")]
    table = [[title for _, title in columns]]
    for r in rows:
        line = []
        for key, _ in columns:
            v = r.get(key)
            if key.endswith("_s"):
                line.append(_fmt_time(v))
            elif key.endswith("_vs_torch") or key == "speedup_vs_naive":
                line.append("-" if v is None else (f"{v:,.0f}x" if key == "speedup_vs_naive"
                                                   else _fmt_ratio(v)))
            else:
                line.append("" if v is None else str(v))
        table.append(line)
    widths = [max(len(line[k]) for line in table) for k in range(len(columns))]
    out = []
    for i, line in enumerate(table):
        out.append("  ".join(cell.ljust(wd) if k < 3 or k == len(line) - 1 else cell.rjust(wd)
                             for k, (cell, wd) in enumerate(zip(line, widths))).rstrip())
        if i == 0:
            out.append("  ".join("-" * wd for wd in widths))
    return "\n".join(out)


# ------------------------------------------------------------------- environment

def _openblas_lib():
    libs_dir = os.path.dirname(np.__file__) + ".libs"
    for path in sorted(glob.glob(os.path.join(libs_dir, "*openblas*"))):
        try:
            return ctypes.CDLL(path)
        except OSError:
            continue
    return None


def _openblas_fn(suffix):
    lib = _openblas_lib()
    if lib is None:
        return None
    for prefix in ("scipy_openblas_", "openblas_"):
        for tail in ("64_", ""):
            fn = getattr(lib, f"{prefix}{suffix}{tail}", None)
            if fn is not None:
                return fn
    return None


def blas_threads():
    """Threads of numpy's OpenBLAS (None if it cannot be asked, e.g. another BLAS)."""
    fn = _openblas_fn("get_num_threads")
    return None if fn is None else int(fn())


def set_blas_threads(n):
    """Set numpy's OpenBLAS threads (process-wide). Returns True when it worked."""
    fn = _openblas_fn("set_num_threads")
    if fn is None:
        return False
    fn(ctypes.c_int(int(n)))
    return blas_threads() == int(n)


def set_threads(n):
    """Give numpy's BLAS and PyTorch (if installed) the same number of threads, process-wide."""
    set_blas_threads(n)
    if torch_available():
        import torch
        torch.set_num_threads(int(n))


def environment():
    """Versions, BLAS and thread counts of this process, as a dict (for a benchmark's JSON)."""
    env = {"python": platform.python_version(), "numpy": np.__version__,
           "machine": platform.machine(), "cpu_count": os.cpu_count(),
           "numpy_blas": None, "numpy_blas_threads": blas_threads()}
    try:
        env["cpu"] = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                          if line.startswith("model name"))
    except (OSError, StopIteration):
        env["cpu"] = platform.processor()
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        env["numpy_blas"] = f"{blas.get('name')} {blas.get('version')}"
    except Exception:  # the layout of show_config varies between numpy versions
        pass
    if torch_available():
        import torch
        env["torch"] = torch.__version__
        env["torch_threads"] = torch.get_num_threads()
        env["torch_mkldnn"] = bool(torch.backends.mkldnn.is_available())
        env["torch_mkl"] = bool(torch.backends.mkl.is_available())
    else:
        env["torch"] = None
    return env
