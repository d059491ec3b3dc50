"""The machine and the thread settings a benchmark runs with.

``set_threads(n)`` gives numpy's BLAS, cnnlib's own threads (``cnnlib.parallel``)
and PyTorch (if installed) the same number of threads, process-wide;
``environment()`` records versions, BLAS, thread counts and the load.
"""
import os
import platform

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
