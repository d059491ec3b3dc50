"""Benchmarks: the loop version, the im2row version and PyTorch, side by side.

Used by ``benchmarks/run.py`` (the full benchmark) and by the im2row notebook
(a small timing table). Nothing here changes global state on import; PyTorch is
imported only when a torch timing is asked for, and is optional.

One module per concern, every name importable from ``cnnlib.benchmark``:

- ``timing``: ``time_samples(fn, repeat=5, number=None, warmup=1)`` and
  ``time_call`` (their median, seconds), ``peak_memory(fn)`` (bytes of
  resident memory a call needs);
- ``cases``: ``ConvShape`` and ``CONV_SHAPES`` (``"seed example"``,
  ``"MNIST layer 1"``, ``"MNIST layer 2"``, ``"larger layer"``),
  ``compare_conv(shape, dtype, impls=("naive", "vectorized", "torch"), ..., rounds=1)``
  and ``compare_maxpool(x_shape, ...)``: rows (dicts) of forward, backward and
  total medians and their ratios to PyTorch;
- ``report``: ``format_table(rows)``, the rows as a fixed-width text table;
- ``system``: ``torch_available()``, ``environment()`` (versions, BLAS, threads,
  load), ``blas_threads()`` / ``set_blas_threads(n)``, ``set_threads(n)``
  (numpy's BLAS, cnnlib's own threads and torch, process-wide);
- ``fresh``: the same measurements in a new Python process (``run_fresh``):
  cold-process speed and peak memory.

Timing method (measured on this project's 2-core machines): each
implementation is timed in its own back-to-back block; alternating single
numpy and torch calls makes both slower, their thread pools fight over the
cores. Results under a millisecond vary by about 1.5x on a shared machine, so
the rows report medians, and ratios measured in one run.
"""
from .cases import (CONV_SHAPES, IMPLS, ConvShape, _as_conv_shape, _naive_images, _torch_conv_fns,  # noqa: F401
                    _torch_maxpool_fns, compare_conv, compare_maxpool)
from .fresh import run_fresh  # noqa: F401
from .report import _fmt_ratio, _fmt_time, format_table  # noqa: F401
from .system import (blas_threads, busy_fraction, environment, set_blas_threads, set_threads,  # noqa: F401
                     torch_available, wait_for_quiet)
from .timing import memory_supported, peak_memory, time_call, time_samples  # noqa: F401
