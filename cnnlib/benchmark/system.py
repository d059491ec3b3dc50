"""The machine and the thread settings a benchmark runs with.

``set_threads(n)`` gives numpy's BLAS, cnnlib's own threads (``cnnlib.parallel``)
and PyTorch (if installed) the same number of threads, process-wide;
``environment()`` records versions, BLAS, thread counts and the load.
"""
import os
import platform
import time

import numpy as np

from .. import parallel
from .._validate import as_int
from ..parallel import blas_threads, set_blas_threads  # noqa: F401 (part of this module's API)


def torch_available():
    """True when PyTorch can be imported (it is optional: the course never needs it)."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def set_threads(n):
    """numpy's BLAS, cnnlib's layers and PyTorch (if installed) on ``n`` threads each, process-wide."""
    n = as_int(n, "threads", minimum=1)
    set_blas_threads(n)
    parallel.set_num_threads(n)
    if torch_available():
        import torch
        torch.set_num_threads(n)


def environment():
    """Versions, BLAS and thread counts of this process, as a dict (for a benchmark's JSON)."""
    env = {"python": platform.python_version(), "numpy": np.__version__,
           "machine": platform.machine(), "cpu_count": os.cpu_count(),
           "numpy_blas": None, "numpy_blas_threads": blas_threads(),
           "cnnlib_threads": parallel.num_threads()}
    try:
        with open("/proc/cpuinfo") as info:
            env["cpu"] = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
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
    try:
        env["load_average"] = [round(v, 2) for v in os.getloadavg()]
    except OSError:
        env["load_average"] = None
    return env


def _cpu_ticks():
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields), idle


def busy_fraction(seconds=0.5):
    """Share of all CPUs busy over the next ``seconds`` while this process sleeps: what other
    processes use (0.0 = idle, 1.0 = every core busy); None where /proc/stat is missing."""
    try:
        total0, idle0 = _cpu_ticks()
        time.sleep(seconds)
        total1, idle1 = _cpu_ticks()
    except (OSError, ValueError, IndexError):
        return None
    spent = total1 - total0
    return None if spent <= 0 else 1.0 - (idle1 - idle0) / spent


def wait_for_quiet(max_busy=0.15, timeout=300, log=None):
    """Wait (up to ``timeout`` seconds) until other processes leave the cores idle:
    ``busy_fraction() <= max_busy``. Returns the last busy fraction measured, and
    appends it to ``log`` (a list) when given."""
    deadline = time.monotonic() + timeout
    busy = busy_fraction()
    while busy is not None and busy > max_busy and time.monotonic() < deadline:
        busy = busy_fraction(2.0)
    if log is not None:
        log.append(busy)
    return busy
