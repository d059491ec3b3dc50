"""cnnlib.parallel and the chunked conv layer: thread counts, bit-for-bit equal results, buffers.

Never a timing: only which threads ran, what came out, and what state is left behind.
"""
import threading

import numpy as np
import pytest

from cnnlib import _conv_chunks, parallel
from cnnlib._validate import as_pair
from cnnlib.conv import conv2d_backward, conv2d_backward_naive, conv2d_forward, conv2d_forward_naive
from cnnlib.gradcheck import check_close


@pytest.fixture
def small_chunks(monkeypatch):
    """Cut even small test batches into many chunks, so that the thread paths really run."""
    monkeypatch.setattr(_conv_chunks, "SPLIT_ENTRIES", 1)
    monkeypatch.setattr(_conv_chunks, "CHUNK_ENTRIES", 64)
    monkeypatch.setattr(_conv_chunks, "PARALLEL_ENTRIES", 1)


# (x shape, w shape, stride, pad): long rows, short rows (image index last), stride and padding
GEOMETRIES = [((7, 3, 9, 20), (4, 3, 3, 3), 1, 1),
              ((9, 2, 11, 11), (5, 2, 4, 4), 1, 0),
              ((6, 2, 13, 17), (3, 2, 3, 2), (2, 3), (1, 2))]


def _case(geometry, dtype, seed=0):
    x_shape, w_shape, stride, pad = geometry
    rng = np.random.default_rng(seed)
    x, w, b = (rng.standard_normal(s).astype(dtype) for s in (x_shape, w_shape, w_shape[:1]))
    out, _ = conv2d_forward_naive(x, w, b, stride, pad)
    return x, w, b, stride, pad, rng.standard_normal(out.shape).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("geometry", GEOMETRIES, ids=["long-rows", "short-rows", "stride-pad"])
def test_every_thread_count_gives_the_same_bits(small_chunks, geometry, dtype):
    x, w, b, stride, pad, dout = _case(geometry, dtype)
    g = _conv_chunks.Geometry(x.shape, w.shape, as_pair(stride, "stride", 1), as_pair(pad, "pad", 0),
                              *dout.shape[2:])
    assert len(g.chunks) >= 4  # the fixture made several chunks
    results = []
    for threads in (1, 2, 3):
        out, cache = conv2d_forward(x, w, b, stride, pad, threads=threads)
        results.append((out,) + conv2d_backward(dout, cache, threads=threads))
    for other in results[1:]:
        for a, b_ in zip(results[0], other):
            assert a.dtype == b_.dtype and np.array_equal(a, b_)
    # and the chunked, threaded numbers are the loops' numbers
    out, cache = conv2d_forward_naive(x, w, b, stride, pad)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for name, got, ref in zip(("out", "dx", "dw", "db"), results[1], (out,) + conv2d_backward_naive(dout, cache)):
        check_close(name, got, ref, tol)


def test_two_threads_really_run_on_two_threads(small_chunks):
    seen = set()

    def task(i):
        seen.add(threading.current_thread().name)
    parallel.run_chunks(task, 8, threads=2)
    assert len(seen) == 2 and any(name.startswith("cnnlib") for name in seen)
    seen.clear()
    parallel.run_chunks(task, 8, threads=1)
    assert seen == {threading.current_thread().name}  # one thread: the caller only


def test_run_chunks_calls_every_chunk_once_and_raises_a_tasks_error():
    calls = []
    parallel.run_chunks(calls.append, 7, threads=3)
    assert sorted(calls) == list(range(7))
    before = parallel.blas_threads()

    def task(i):
        if i == 5:
            raise ValueError("chunk 5 failed")
    with pytest.raises(ValueError, match="chunk 5 failed"):
        parallel.run_chunks(task, 8, threads=2)
    assert parallel.blas_threads() == before  # the BLAS setting is restored even then
    parallel.run_chunks(calls.append, 0, threads=2)  # nothing to do is fine


def test_blas_is_held_at_one_thread_inside_a_parallel_region_only():
    if parallel.blas_threads() is None:
        pytest.skip("numpy's BLAS is not an OpenBLAS this process can ask")
    before = parallel.blas_threads()
    assert parallel.set_blas_threads(2)
    inside = []
    parallel.run_chunks(lambda i: inside.append(parallel.blas_threads()), 4, threads=2)
    assert inside == [1] * 4
    assert parallel.blas_threads() == 2
    parallel.run_chunks(lambda i: inside.append(parallel.blas_threads()), 2, threads=1)
    assert inside[-2:] == [2, 2]  # threads=1 touches nothing
    parallel.set_blas_threads(before)


def test_thread_count_comes_from_the_argument_the_setting_or_the_environment(monkeypatch):
    monkeypatch.setattr(parallel, "_explicit", None)
    monkeypatch.delenv("CNNLIB_NUM_THREADS", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert parallel.num_threads() == 3
    monkeypatch.setenv("OMP_NUM_THREADS", "2,1")  # nested OpenMP levels: the first one counts
    assert parallel.num_threads() == 2
    monkeypatch.setenv("CNNLIB_NUM_THREADS", "5")
    assert parallel.num_threads() == 5
    with parallel.num_threads_set(1):
        assert parallel.num_threads() == 1 and parallel.resolve_threads(None) == 1
        assert parallel.resolve_threads(4) == 4
    assert parallel.num_threads() == 5
    monkeypatch.setenv("CNNLIB_NUM_THREADS", "many")
    with pytest.raises(ValueError, match=r"CNNLIB_NUM_THREADS: expected a positive int, got 'many'"):
        parallel.num_threads()
    monkeypatch.delenv("CNNLIB_NUM_THREADS")
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert parallel.num_threads() >= 1  # the cores this process may use


def test_set_num_threads_returns_the_previous_setting(monkeypatch):
    monkeypatch.setattr(parallel, "_explicit", None)
    assert parallel.set_num_threads(2) is None
    assert parallel.set_num_threads(None) == 2
    assert parallel._explicit is None


def test_work_buffers_are_reused_per_thread_and_grow_when_needed():
    a = parallel.workspace("test", (4, 5), np.float32)
    b = parallel.workspace("test", (2, 10), np.float32)
    assert np.shares_memory(a, b) and b.shape == (2, 10) and b.dtype == np.float32
    c = parallel.workspace("test", (100, 100), np.float64)  # larger: a new buffer
    assert c.shape == (100, 100) and not np.shares_memory(a, c)
    other = []
    t = threading.Thread(target=lambda: other.append(parallel.workspace("test", (4, 5), np.float32)))
    t.start()
    t.join()
    assert not np.shares_memory(other[0], c)  # each thread has its own
    parallel.release_workspace()
    assert not np.shares_memory(parallel.workspace("test", (4, 5), np.float32), c)


def test_a_second_conv_call_reuses_the_buffers_of_the_first():
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(8, 3, 12, 12)), rng.normal(size=(4, 3, 3, 3)), np.zeros(4)
    with parallel.num_threads_set(1):
        conv2d_forward(x, w, b)
        first = parallel.workspace("cols", (1,), np.uint8).__array_interface__["data"][0]
        conv2d_forward(x, w, b)
        second = parallel.workspace("cols", (1,), np.uint8).__array_interface__["data"][0]
    assert first == second


def test_the_chunks_depend_on_the_shapes_only():
    assert _conv_chunks.plan(64, 48 * 10 * 10) == [(0, 64)]           # MNIST layer 2: one chunk
    assert _conv_chunks.plan(64, 9 * 26 * 26) == [(0, 32), (32, 64)]  # MNIST layer 1: two
    chunks = _conv_chunks.plan(64, 288 * 28 * 28)              # the larger layer: 9 images a chunk
    assert chunks == [(n, min(64, n + 9)) for n in range(0, 64, 9)]
    assert _conv_chunks.plan(64, 576 * 56 * 56) == [(n, n + 1) for n in range(64)]  # one image: 1.8M entries
    assert _conv_chunks.plan(64, 100_000) == [(n, min(64, n + 20)) for n in range(0, 64, 20)]
    assert _conv_chunks.plan(3, 10 ** 7) == [(0, 1), (1, 2), (2, 3)]
    assert _conv_chunks.plan(0, 100) == []


def test_a_forked_child_gets_its_own_pool():
    import os
    parallel.run_chunks(lambda i: None, 4, threads=2)  # the parent's pool exists
    pid = os.fork()
    if pid == 0:  # the child: the parent's threads are gone; this must not hang
        import signal
        signal.alarm(30)  # a hang ends the child (status: killed), and the test fails
        try:
            seen = []
            parallel.run_chunks(seen.append, 4, threads=2)
            os._exit(0 if sorted(seen) == [0, 1, 2, 3] else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0


@pytest.mark.parametrize("x_shape, w_shape", [((4, 2, 20, 20), (3, 2, 3, 3)),    # long rows
                                               ((4, 2, 9, 9), (3, 2, 4, 4))])     # short rows
def test_backward_never_uses_a_stale_matrix_of_another_forward(x_shape, w_shape):
    """A one-chunk batch keeps its matrix between forward and backward; interleaved
    forwards of the same geometry (two layers alike, a gradient check) must not mix them up."""
    rng = np.random.default_rng(3)
    xa, xb = rng.normal(size=x_shape), rng.normal(size=x_shape)
    w, b = rng.normal(size=w_shape), rng.normal(size=w_shape[0])
    out, cache_a = conv2d_forward(xa, w, b, threads=1)
    dout = rng.normal(size=out.shape)
    _, cache_b = conv2d_forward(xb, w, b, threads=1)        # the same buffer, filled from xb
    for cache, x in ((cache_a, xa), (cache_b, xb), (cache_a, xa)):
        _, naive_cache = conv2d_forward_naive(x, w, b)
        for got, ref in zip(conv2d_backward(dout, cache, threads=1), conv2d_backward_naive(dout, naive_cache)):
            check_close("after interleaved forwards", got, ref, 1e-12)
    parallel.release_workspace()                            # buffers gone: the next call refills
    for got, ref in zip(conv2d_backward(dout, cache_a, threads=1), conv2d_backward_naive(dout, conv2d_forward_naive(xa, w, b)[1])):
        check_close("after release_workspace", got, ref, 1e-12)


def test_work_buffers_of_one_thread_stay_below_the_limit(monkeypatch):
    parallel.release_workspace()
    monkeypatch.setattr(parallel, "WORKSPACE_LIMIT", 1 << 20)
    for k in range(20):
        parallel.workspace(f"layer {k}", (100_000,), np.uint8)  # 20 buffers of 100 kB each
    held = sum(b.size for b in parallel._local.buffers.values())
    assert held <= 1 << 20
    big = parallel.workspace("big", (3 << 20,), np.uint8)  # larger than the limit on its own: still given
    assert big.size == 3 << 20
    parallel.release_workspace()


def test_small_batches_run_in_the_calling_thread_whatever_the_thread_count(monkeypatch):
    seen = []
    real = parallel.run_chunks
    monkeypatch.setattr(_conv_chunks, "run_chunks", lambda task, n, threads: (seen.append(threads), real(task, n, threads)))
    x, w = np.ones((64, 1, 28, 28)), np.ones((3, 1, 3, 3))   # MNIST layer 1: two chunks, one thread
    conv2d_forward(x, w, np.zeros(3), threads=2)
    x, w = np.ones((16, 32, 28, 28)), np.ones((64, 32, 3, 3))  # a larger layer: its chunks on threads
    conv2d_forward(x, w, np.zeros(64), threads=2)
    assert seen == [1, 2]
