"""Timing and memory of one call: medians of back-to-back samples, and peak resident memory.

``time_samples(fn, repeat, number, warmup)`` times ``fn()``: each of ``repeat``
samples runs ``number`` calls in a row (chosen so that a sample lasts about
``min_sample`` seconds when None) and divides; ``warmup`` calls run first and
are not counted. ``time_call`` is their median.

``peak_memory(fn)`` runs ``fn()`` once and returns how many bytes of resident
memory the process needed on top of what it held before (Linux: the kernel's
high-water mark, reset just before the call). Run it in a fresh process
(``benchmark.fresh``): memory a process freed earlier may be reused without
showing up.
"""
import time

import numpy as np

from .._validate import as_int, as_real


def _check_fn(fn):
    if not callable(fn):
        raise ValueError(f"fn: expected a function to time, got {type(fn).__name__}")


def time_samples(fn, repeat=5, number=None, warmup=1, min_sample=0.02):
    """Seconds per call of ``fn()``, one value per sample: an array of ``repeat`` floats.

    Each sample times ``number`` calls in a row and divides by ``number``.
    ``number=None`` picks it from the last warm-up call so that a sample lasts
    about ``min_sample`` seconds (short calls are too noisy one at a time).
    ``warmup`` calls run first and are not counted (first calls pay for page
    faults, caches and thread start-up).
    """
    _check_fn(fn)
    repeat = as_int(repeat, "repeat", minimum=1)
    if number is not None:
        try:
            number = as_int(number, "number", minimum=1)
        except ValueError:
            raise ValueError(f"number: expected None or an int >= 1, got {number!r}") from None
    warmup = as_int(warmup, "warmup", minimum=0)
    min_sample = as_real(min_sample, "min_sample", low=0, low_open=True)
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


def _status_kb(field):
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def memory_supported():
    """True where ``peak_memory`` can measure (Linux with a resettable high-water mark)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return _status_kb("VmHWM") is not None


def peak_memory(fn):
    """``(peak_bytes, result)``: resident memory ``fn()`` needed above the process's
    current size, and what ``fn`` returned. ``peak_bytes`` is None where unsupported."""
    _check_fn(fn)
    if not memory_supported():  # also resets the high-water mark to the current size
        return None, fn()
    before = _status_kb("VmRSS")
    result = fn()
    peak = _status_kb("VmHWM")
    return max(0, peak - before) * 1024, result
