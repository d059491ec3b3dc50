"""cnnlib.parallel and the chunked conv layer: thread counts, bit-for-bit equal results, buffers.

Never a timing: only which threads ran, what came out, and what state is left behind.
"""
import threading

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

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


# ------------------------------------------------------------------ concurrent callers (issue 22)

def test_concurrent_callers_that_grow_the_pool_never_find_it_shut_down(monkeypatch):
    """One caller asks for ever more threads (each call replaces the pool) while six others run
    2 or 3 threads: the pool used to be handed out under the lock and used after it, so a
    replacement in between gave 'cannot schedule new futures after shutdown' (5-6 of 7 callers
    failed per round before the fix)."""
    monkeypatch.setattr(parallel, "_pool", None)
    monkeypatch.setattr(parallel, "_pool_size", 0)
    errors = []

    def caller(counts):
        try:
            for k in counts:
                out = [None] * 64

                def task(j, out=out):
                    out[j] = j
                parallel.run_chunks(task, 64, k)
                assert out == list(range(64))
        except Exception as err:  # noqa: BLE001 (the test reports every failure)
            errors.append(repr(err))
    for _ in range(3):
        parallel._pool_size = 0
        callers = [threading.Thread(target=caller, args=([2, 3] * 60,)) for _ in range(6)]
        callers.append(threading.Thread(target=caller, args=(range(2, 40),)))
        for t in callers:
            t.start()
        for t in callers:
            t.join()
    assert errors == []


def test_several_python_threads_calling_a_layer_at_once_get_its_numbers_to_rounding(small_chunks):
    """The same numbers for every thread count hold for one caller at a time (BLAS's setting is
    process-wide); callers at once still get correct results, and no error."""
    x, w, b, stride, pad, dout = _case(GEOMETRIES[0], np.float64)
    alone = conv2d_forward(x, w, b, stride, pad, threads=2)[0]
    results, errors = [], []

    def caller(threads):
        try:
            for _ in range(5):
                results.append(conv2d_forward(x, w, b, stride, pad, threads=threads)[0])
        except Exception as err:  # noqa: BLE001
            errors.append(repr(err))
    callers = [threading.Thread(target=caller, args=(t,)) for t in (1, 2, 3, 2)]
    for t in callers:
        t.start()
    for t in callers:
        t.join()
    assert errors == [] and len(results) == 20
    for got in results:
        check_close("out", got, alone, 1e-12)


def test_nested_levels_are_omps_syntax_only(monkeypatch):
    monkeypatch.setattr(parallel, "_explicit", None)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setenv("CNNLIB_NUM_THREADS", "2,1")
    with pytest.raises(ValueError, match=r"CNNLIB_NUM_THREADS: expected a positive int, got '2,1'"):
        parallel.num_threads()
    monkeypatch.setenv("CNNLIB_NUM_THREADS", " ")  # empty: unset
    monkeypatch.setenv("OMP_NUM_THREADS", "2,1")
    assert parallel.num_threads() == 2


def test_the_documentation_says_the_bits_hold_for_one_caller_at_a_time():
    text = " ".join(parallel.__doc__.split())
    assert "bit for bit" in text and "one caller at a time" in text and "process-wide" in text


@given(text=st.text(max_size=12).filter(lambda t: "\x00" not in t))
def test_any_thread_setting_in_the_environment_is_a_positive_int_or_a_valueerror_naming_it(text):
    """abc, 0, -1, 1e3, 2.5, '' ... : a positive int, or a ValueError that names the variable and
    the text (an empty setting counts as unset)."""
    for var, other in (("CNNLIB_NUM_THREADS", "OMP_NUM_THREADS"), ("OMP_NUM_THREADS", "CNNLIB_NUM_THREADS")):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(parallel, "_explicit", None)
            mp.delenv(other, raising=False)
            mp.setenv(var, text)
            try:
                value = parallel.num_threads()
            except ValueError as err:
                assert str(err) == f"{var}: expected a positive int, got {text!r}"
                continue
            assert type(value) is int and value >= 1
            first = text.strip().split(",")[0] if var == "OMP_NUM_THREADS" else text.strip()
            if text.strip():
                assert value == int(first)



@given(value=st.one_of(st.integers(-3, 3), st.floats(allow_nan=True), st.text(max_size=3), st.booleans(),
                       st.none(), st.tuples(st.integers())))
def test_set_num_threads_takes_a_positive_int_or_none_only(value):
    """set_num_threads(2.0), ('2'), True, 0, -1: a ValueError; 1, 2, 3 and None are taken."""
    previous = parallel._explicit
    try:
        ok = value is None or (type(value) is int and value >= 1)
        if ok:
            parallel.set_num_threads(value)
        else:
            with pytest.raises(ValueError, match=r"threads: expected an int >= 1, got "):
                parallel.set_num_threads(value)
    finally:
        parallel._explicit = previous
