"""Threads for a batch: how many, the pool that runs a layer's chunks, and work buffers.

The vectorized conv layer splits its batch into *chunks* of images and runs
them on up to ``num_threads()`` threads (numpy releases the GIL inside its
copies and matrix products, so Python threads do use several cores).

How many threads, first match wins:

1. the ``threads=`` argument of ``conv2d_forward`` / ``conv2d_backward``;
2. ``set_num_threads(n)`` (or ``with num_threads_set(n): ...``) in this process;
3. the environment variable ``CNNLIB_NUM_THREADS``, then ``OMP_NUM_THREADS``;
4. the cores this process may run on (``os.sched_getaffinity``).

``threads=1`` runs everything in the calling thread, exactly as a plain loop.

**The result does not depend on the thread count, bit for bit**: the chunks
are cut from the layer's shape alone, never from the thread count, each chunk
is computed the same way whichever thread runs it, and partial sums (``dW``,
``db``) are added in chunk order at the end.

That holds for **one caller at a time**. The settings are process-wide, not per
Python thread: ``set_num_threads`` applies to every thread of the process, and
numpy's OpenBLAS has one thread setting for the whole process. While one Python
thread runs a layer on several threads, BLAS is held at one thread for every
other thread's matrix products too, and a matrix product's last bits may depend
on BLAS's thread count. So with several Python threads calling layers at once,
a result may differ in its last bits from the same call made alone (it is
still correct to rounding). Running them at once is safe: the pool is shared
under a lock.

**BLAS.** numpy's OpenBLAS has its own thread pool. Called from two threads at
once, each call wanting both cores, it runs 2x slower than one thread doing it
all (measured: 72 ms against 37 ms on the benchmark's larger layer). So while a
layer runs its chunks on more than one thread, numpy's OpenBLAS is held at one
thread, and its previous setting is put back as soon as the last such layer
returns (what scikit-learn does with threadpoolctl). Nothing is changed on import,
and nothing at all with ``threads=1``.

**Work buffers.** The im2row matrix of a chunk and the other temporaries of a
layer live in buffers that each thread keeps and reuses (``workspace``): a
fresh process then runs as fast as a warm one, since it does not map and
page-fault in new memory on every call. They hold at most a few chunks' worth.
"""
import contextlib
import ctypes
import glob
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ._validate import as_int, as_shape

_lock = threading.Lock()
_explicit = None  # set_num_threads
_pool = None
_pool_size = 0
_pool_pid = None


# ------------------------------------------------------------------- how many

def default_num_threads():
    """Threads when nothing was set: ``CNNLIB_NUM_THREADS``, ``OMP_NUM_THREADS``, or the cores.

    An environment variable that is not a positive int raises ValueError
    naming it (rather than being ignored); an empty one counts as unset.
    """
    for var in ("CNNLIB_NUM_THREADS", "OMP_NUM_THREADS"):
        text = os.environ.get(var, "").strip()
        if text:
            try:  # OMP_NUM_THREADS may list nested OpenMP levels, "2,1": the first one counts
                value = int(text.split(",")[0] if var == "OMP_NUM_THREADS" else text)
            except ValueError:
                value = 0
            if value < 1:
                raise ValueError(f"{var}: expected a positive int, got {os.environ[var]!r}")
            return value
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def num_threads():
    """The number of threads a layer uses when its ``threads`` argument is None."""
    return _explicit if _explicit is not None else default_num_threads()


def set_num_threads(n):
    """Use ``n`` threads from now on (None: back to ``default_num_threads()``).

    Returns the previous explicit setting (None if there was none), so it can be restored.
    """
    global _explicit
    previous = _explicit
    _explicit = None if n is None else as_int(n, "threads", minimum=1)
    return previous


@contextlib.contextmanager
def num_threads_set(n):
    """``with num_threads_set(1): ...`` runs the block with ``n`` threads, then restores."""
    previous = set_num_threads(n)
    try:
        yield
    finally:
        set_num_threads(previous)


def resolve_threads(threads):
    """``threads`` of a layer call: None -> ``num_threads()``, else an int >= 1."""
    return num_threads() if threads is None else as_int(threads, "threads", minimum=1)


# ------------------------------------------------------------------- BLAS

def _openblas_libs():
    """numpy's OpenBLAS: the wheel's copy in numpy.libs, else any OpenBLAS loaded in this process."""
    candidates = sorted(glob.glob(os.path.join(os.path.dirname(np.__file__) + ".libs", "*openblas*")))
    try:
        with open("/proc/self/maps") as maps:
            candidates += sorted({line.split()[-1] for line in maps
                                  if "openblas" in line.lower() and ".so" in line.split()[-1]})
    except OSError:
        pass
    return candidates


def _openblas_fn(suffix):
    for path in _openblas_libs():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("scipy_openblas_", "openblas_"):
            for tail in ("64_", ""):
                fn = getattr(lib, f"{prefix}{suffix}{tail}", None)
                if fn is not None:
                    return fn
    return None


_BLAS_FNS = {}


def _blas_fn(suffix):
    if suffix not in _BLAS_FNS:
        _BLAS_FNS[suffix] = _openblas_fn(suffix)
    return _BLAS_FNS[suffix]


def blas_threads():
    """Threads of numpy's OpenBLAS (None if it cannot be asked, e.g. another BLAS)."""
    fn = _blas_fn("get_num_threads")
    return None if fn is None else int(fn())


def set_blas_threads(n):
    """Set numpy's OpenBLAS threads (process-wide). Returns True when it worked."""
    n = as_int(n, "BLAS threads", minimum=1)
    fn = _blas_fn("set_num_threads")
    if fn is None:
        return False
    fn(ctypes.c_int(n))
    return blas_threads() == n


_blas_depth = 0
_blas_saved = None


@contextlib.contextmanager
def _blas_single():
    """numpy's OpenBLAS on one thread for the block (nested and thread-safe), then restored."""
    global _blas_depth, _blas_saved
    with _lock:
        if _blas_depth == 0:
            _blas_saved = blas_threads()
            if _blas_saved is not None and _blas_saved > 1:
                set_blas_threads(1)
        _blas_depth += 1
    try:
        yield
    finally:
        with _lock:
            _blas_depth -= 1
            if _blas_depth == 0 and _blas_saved is not None and _blas_saved > 1:
                set_blas_threads(_blas_saved)


# ------------------------------------------------------------------- running chunks

def _submit(workers, fn, jobs):
    """``[pool.submit(fn, *args) for args in jobs]`` on the shared pool, grown to at least
    ``workers`` threads (a new one after a fork: threads do not survive it).

    The pool is looked up, replaced if too small, and given the jobs under one lock: a
    concurrent call that grows the pool shuts the old one down only after these jobs are
    queued on it (a shut-down pool still runs what it was given), never between the two.
    """
    global _pool, _pool_size, _pool_pid
    with _lock:
        if _pool is None or _pool_size < workers or _pool_pid != os.getpid():
            old = _pool if _pool_pid == os.getpid() else None
            _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cnnlib")
            _pool_size, _pool_pid = workers, os.getpid()
            if old is not None:
                old.shutdown(wait=False)
        return [_pool.submit(fn, *args) for args in jobs]


def _run_part(task, indices):
    for i in indices:
        task(i)


def run_chunks(task, n_chunks, threads):
    """Call ``task(i)`` for ``i`` in ``range(n_chunks)`` on up to ``threads`` threads.

    Thread ``t`` runs chunks ``t, t + T, t + 2T, ...`` (the calling thread is
    thread 0). Tasks must write to disjoint places; an exception in any task
    is raised here after every thread has stopped.
    """
    if not callable(task):
        raise ValueError(f"task: expected a function of the chunk index, got {type(task).__name__}")
    n_chunks = as_int(n_chunks, "n_chunks", minimum=0)
    used = min(resolve_threads(threads), n_chunks)
    if used <= 1:
        _run_part(task, range(n_chunks))
        return
    with _blas_single():
        futures = _submit(used - 1, _run_part, [(task, range(t, n_chunks, used)) for t in range(1, used)])
        try:
            _run_part(task, range(0, n_chunks, used))
        finally:
            errors = [f.exception() for f in futures]  # waits for every thread
        for err in errors:
            if err is not None:
                raise err


# ------------------------------------------------------------------- work buffers

_local = threading.local()
WORKSPACE_LIMIT = 96 << 20  # bytes of work buffers one thread keeps, at most (a larger single one is still made)


def workspace(name, shape, dtype):
    """A reusable buffer of this thread: an uninitialized array of ``shape`` and ``dtype``.

    The same ``name`` returns the same memory on the next call from the same
    thread (grown when a larger one is asked for), so the caller must be done
    with it before asking again; the contents are whatever was left there.
    """
    views = _local.__dict__.setdefault("views", {})
    key = (name, shape, dtype)
    try:
        return views[key]  # the same request as last time: the same view, no checks to redo
    except (KeyError, TypeError):  # TypeError: an unhashable shape, checked below
        pass
    if not isinstance(name, str):
        raise ValueError(f"name: expected a str naming the buffer, got {name!r}")
    shape = as_shape(shape, "shape", minimum=0)
    dtype = np.dtype(dtype)
    size = math.prod(shape) * dtype.itemsize
    buffers = _local.__dict__.setdefault("buffers", {})
    raw = buffers.get(name)
    if raw is None or raw.size < size:
        if raw is not None:
            del buffers[name]
        if sum(b.size for b in buffers.values()) + size > WORKSPACE_LIMIT:
            buffers.clear()  # many different layers in one thread: start over rather than hoard memory
            views.clear()
        raw = np.empty(max(size, 64), dtype=np.uint8)
        buffers[name] = raw
        for old in [k for k in views if k[0] == name]:  # views of the old buffer
            del views[old]
    view = raw[:size].view(dtype).reshape(shape)
    if len(views) >= 256:  # many geometries (tests): start over rather than grow without end
        views.clear()
    views[key] = view
    return view


def release_workspace():
    """Free this thread's work buffers (they are made again on the next call)."""
    _local.__dict__.pop("buffers", None)
    _local.__dict__.pop("views", None)
