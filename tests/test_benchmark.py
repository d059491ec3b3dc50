"""cnnlib.benchmark: the logic of the timing helpers (never a timing threshold)."""
import numpy as np
import pytest

from cnnlib import benchmark as bm
from cnnlib.benchmark import cases, timing

TINY = bm.ConvShape(2, 2, 6, 6, 3, 3, 3, stride=1, pad=1)
KEYS = {"case", "shape", "dtype", "impl", "forward_s", "backward_s", "total_s", "note",
        "forward_vs_torch", "backward_vs_torch", "total_vs_torch", "speedup_vs_naive"}


def test_time_samples_calls_warmup_plus_repeat_times_number():
    calls = []
    samples = bm.time_samples(lambda: calls.append(1), repeat=3, number=4, warmup=2)
    assert len(calls) == 2 + 3 * 4
    assert samples.shape == (3,) and np.all(samples >= 0)


def test_time_samples_picks_number_from_the_warmup_when_none():
    calls = []
    bm.time_samples(lambda: calls.append(1), repeat=2, number=None, warmup=1, min_sample=1e-3)
    # a call of append takes far less than 1 ms, so each sample repeats it more than once
    assert len(calls) > 1 + 2


def test_time_call_is_the_median_of_the_samples(monkeypatch):
    monkeypatch.setattr(timing, "time_samples", lambda *a, **k: np.array([5.0, 1.0, 3.0]))
    assert bm.time_call(lambda: None) == 3.0


@pytest.mark.parametrize("kwargs, message", [
    ({"repeat": 0}, r"repeat: expected an int >= 1, got 0"),
    ({"number": 0}, r"number: expected None or an int >= 1, got 0"),
    ({"warmup": -1}, r"warmup: expected an int >= 0, got -1"),
])
def test_time_samples_rejects_bad_counts(kwargs, message):
    with pytest.raises(ValueError, match=message):
        bm.time_samples(lambda: None, **kwargs)


def test_conv_shapes_are_the_issues_layers():
    assert bm.CONV_SHAPES["seed example"].out_shape == (1, 3, 3, 3)
    assert bm.CONV_SHAPES["MNIST layer 1"].out_shape == (64, 3, 26, 26)
    assert bm.CONV_SHAPES["MNIST layer 2"].out_shape == (64, 10, 10, 10)
    assert bm.CONV_SHAPES["larger layer"].out_shape == (64, 64, 28, 28)
    s = bm.CONV_SHAPES["MNIST layer 2"]
    assert s.x_shape == (64, 3, 13, 13) and s.w_shape == (10, 3, 4, 4)
    assert s.flops == 2 * 64 * 10 * 10 * 10 * 3 * 4 * 4


def test_naive_images_fits_the_limit():
    assert bm._naive_images(64, 1000, 150_000) == 64      # everything fits
    assert bm._naive_images(64, 50_000, 150_000) == 3     # 3 images fit, the time is scaled
    assert bm._naive_images(64, 200_000, 150_000) == 0    # not even one image: skipped
    assert bm._naive_images(64, 10, 0) == 0               # limit 0: always skipped


def _by_impl(rows):
    return {r["impl"]: r for r in rows}


def test_compare_conv_rows_without_torch():
    rows = bm.compare_conv(TINY, "float64", impls=("naive", "vectorized"), repeat=1)
    assert [r["impl"] for r in rows] == ["naive", "vectorized"]
    for r in rows:
        assert set(r) == KEYS
        assert r["dtype"] == "float64" and r["shape"].startswith("2x2x6x6 * 3x2x3x3")
        assert r["total_s"] == pytest.approx(r["forward_s"] + r["backward_s"])
        assert r["total_vs_torch"] is None  # no torch row to compare with
    by = _by_impl(rows)
    assert by["naive"]["speedup_vs_naive"] == pytest.approx(1.0)
    assert by["vectorized"]["speedup_vs_naive"] == pytest.approx(
        by["naive"]["total_s"] / by["vectorized"]["total_s"])


def test_compare_conv_ratios_to_torch():
    pytest.importorskip("torch")
    rows = bm.compare_conv("seed example", np.float32, impls=("vectorized", "torch"), repeat=1)
    by = _by_impl(rows)
    assert by["torch"]["total_vs_torch"] == pytest.approx(1.0)
    v, t = by["vectorized"], by["torch"]
    for key in ("forward", "backward", "total"):
        assert v[f"{key}_vs_torch"] == pytest.approx(v[f"{key}_s"] / t[f"{key}_s"])
    assert v["speedup_vs_naive"] is None  # the loop version was not asked for


def test_torch_is_left_out_when_not_installed(monkeypatch):
    monkeypatch.setattr(cases, "torch_available", lambda: False)
    rows = bm.compare_conv(TINY, impls=("vectorized", "torch"), repeat=1)
    assert [r["impl"] for r in rows] == ["vectorized"]


def test_naive_is_scaled_or_skipped_above_the_limit():
    per_image = TINY.f * 6 * 6  # F*H_out*W_out loop iterations for one image
    by = _by_impl(bm.compare_conv(TINY, impls=("naive",), naive_limit=per_image))
    assert by["naive"]["note"] == "timed on 1 of 2 images, scaled x2"
    assert by["naive"]["total_s"] > 0
    by = _by_impl(bm.compare_conv(TINY, impls=("naive",), naive_limit=per_image - 1))
    assert by["naive"]["total_s"] is None and by["naive"]["note"].startswith("skipped")


def test_compare_maxpool_rows():
    rows = bm.compare_maxpool((2, 3, 6, 6), "float32", impls=("naive", "vectorized"), repeat=1,
                              case="tiny pool")
    assert [r["impl"] for r in rows] == ["naive", "vectorized"]
    assert all(set(r) == KEYS and r["case"] == "tiny pool" and r["total_s"] > 0 for r in rows)


@pytest.mark.parametrize("call, message", [
    (lambda: bm.compare_conv("no such layer"), r"shape: expected one of"),
    (lambda: bm.compare_conv((1, 2, 3)), r"shape: expected a name from CONV_SHAPES"),
    (lambda: bm.compare_conv(TINY, np.int32), r"dtype: expected float32 or float64, got int32"),
    (lambda: bm.compare_conv(TINY, impls=("fast",)), r"impls: expected a non-empty subset of"),
    (lambda: bm.compare_conv(TINY, impls=()), r"impls: expected a non-empty subset of"),
    (lambda: bm.compare_maxpool((2, 3, 6)), r"x_shape: expected \(N, C, H, W\)"),
])
def test_bad_arguments_raise_valueerror(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_format_table_has_a_line_per_row_and_dashes_for_missing_values():
    rows = bm.compare_conv(TINY, impls=("naive", "vectorized"), repeat=1, naive_limit=0)
    text = bm.format_table(rows)
    lines = text.splitlines()
    assert len(lines) == 2 + len(rows)  # header, rule, one line per row
    assert lines[0].split()[:3] == ["case", "dtype", "impl"]
    naive_line = next(line for line in lines[2:] if " naive " in line)
    assert " - " in naive_line and "skipped" in naive_line


@pytest.mark.parametrize("seconds, text", [(None, "-"), (2.5, "2.50 s"), (0.0123, "12.30 ms"),
                                           (4.2e-5, "42 µs")])
def test_time_format(seconds, text):
    assert bm._fmt_time(seconds) == text


def test_environment_reports_versions_and_threads():
    env = bm.environment()
    assert env["numpy"] == np.__version__
    assert {"python", "cpu_count", "numpy_blas", "numpy_blas_threads", "torch"} <= set(env)
    if bm.torch_available():
        assert env["torch_threads"] >= 1


def test_rounds_report_medians_and_per_round_ratios(monkeypatch):
    pytest.importorskip("torch")
    # fake clock: every vectorized call "takes" 2 units, every torch call 1 unit, in each round
    monkeypatch.setattr(cases, "_torch_conv_fns", lambda *a: (lambda: "torch", lambda: "torch"))
    monkeypatch.setattr(cases, "time_call", lambda fn, *a, **k: 1.0 if fn() == "torch" else 2.0)
    rows = bm.compare_conv(TINY, impls=("vectorized", "torch"), rounds=3)
    by = _by_impl(rows)
    assert by["vectorized"]["note"] == "median of 3 rounds"
    assert by["vectorized"]["forward_s"] == 2.0 and by["torch"]["total_s"] == 2.0
    assert by["vectorized"]["total_vs_torch"] == pytest.approx(2.0)
    with pytest.raises(ValueError, match=r"rounds: expected an int >= 1, got 0"):
        bm.compare_conv(TINY, impls=("vectorized",), rounds=0)


# ------------------------------------------------- benchmarks/run.py: the epoch and the targets

def _load_run():
    import importlib.util
    from pathlib import Path
    path = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"
    spec = importlib.util.spec_from_file_location("benchmarks_run", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_numpy_and_torch_epochs_do_the_same_work():
    """The timed epochs are the same computation: equal weights after one epoch (float64)."""
    pytest.importorskip("torch")
    run = _load_run()
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3 * run.BATCH + 5, 1, 28, 28))  # the last batch is smaller
    y = rng.integers(0, 10, len(x))
    order = rng.permutation(len(x))
    params = run.he_params(0, np.float64)
    epoch = run.torch_epoch_fn(run.he_params(0, np.float64), x, y, order)
    run.numpy_epoch_functions(params, x, y, order)
    epoch()
    model = epoch.model
    pairs = [(params["w1"], model[0].weight), (params["b1"], model[0].bias),
             (params["w2"], model[3].weight), (params["b2"], model[3].bias),
             (params["w3"], model[7].weight.T), (params["b3"], model[7].bias)]
    for mine, theirs in pairs:
        np.testing.assert_allclose(mine, theirs.detach().numpy(), rtol=1e-9, atol=1e-11)
    assert not np.allclose(params["w1"], run.he_params(0, np.float64)["w1"])  # the weights moved


def test_check_targets_compares_with_the_issues_limits():
    run = _load_run()

    def row(case, impl, total_vs_torch, speedup=None, threads=1):
        return {"case": case, "impl": impl, "dtype": "float32", "total_vs_torch": total_vs_torch,
                "speedup_vs_naive": speedup, "threads": threads}

    rows = [row("MNIST layer 1", "vectorized", 0.9, speedup=400.0),
            row("MNIST layer 2", "vectorized", 1.3),
            row("larger layer", "vectorized", 1.25, threads=2),
            row("epoch 004 net, 4000 images", "vectorized", 1.4)]
    fresh = [{"case": str(run.MEMORY_CASE), "impl": "vectorized", "threads": 1, "peak_bytes": 300},
             {"case": str(run.MEMORY_CASE), "impl": "torch", "threads": 1, "peak_bytes": 100},
             {"case": "MNIST layer 2", "impl": "vectorized", "threads": 1, "cold_over_warm": 1.05}]
    met = {t["target"]: t["met"] for t in run.check_targets(rows, fresh, (1, 2))}
    assert met["MNIST layer 1: vectorized / torch, fwd+bwd, float32, 1 thread(s) <= 1.0x"] is True
    assert met["MNIST layer 2: vectorized / torch, fwd+bwd, float32, 1 thread(s) <= 1.0x"] is False
    assert met["larger layer: vectorized / torch, fwd+bwd, float32, 1 thread(s) <= 1.3x"] is None  # not measured
    assert met["larger layer: vectorized / torch, fwd+bwd, float32, 2 thread(s) <= 1.3x"] is True
    assert met["MNIST layer 1: vectorized >= 300x faster than the loops, float32"] is True
    assert met["training epoch (vectorized) / torch, 1 thread(s) <= 1.5x"] is True
    memory = [k for k in met if k.startswith("peak memory") and "1 thread" in k]
    assert len(memory) == 1 and met[memory[0]] is False  # 3x torch
    assert met["MNIST layer 2: fresh-process (cold) median / warm median, vectorized, 1 thread(s) <= 1.15x"] is True
    assert met["MNIST layer 1: fresh-process (cold) median / warm median, vectorized, 1 thread(s) <= 1.15x"] is None


def test_run_py_rejects_bad_options(capsys):
    run = _load_run()
    for argv, message in ((["--threads", "0"], "expected distinct thread counts"),
                          (["--threads", "1,x"], "expected thread counts like 1,2"),
                          (["--repeat", "0"], "expected an int >= 1"),
                          (["--rounds", "1.5"], "expected an int >= 1"),
                          (["--name", "../x"], "expected a plain file name"),
                          (["--max-busy", "0"], "expected a share of the CPUs in (0, 1]")):
        with pytest.raises(SystemExit) as exit_info:
            run.main(argv)
        assert exit_info.value.code == 2
        assert message in capsys.readouterr().err


def test_markdown_tables_show_every_thread_count():
    run = _load_run()
    rows = []
    for t in (1, 2):
        for impl, total in (("vectorized", 2.0e-3), ("torch", 1.0e-3)):
            rows.append({"case": "MNIST layer 2", "dtype": "float32", "impl": impl, "threads": t,
                         "total_s": total / t, "total_vs_torch": 2.0 if impl == "vectorized" else 1.0,
                         "note": ""})
    table = run.speed_table(rows, [1, 2])
    assert "im2row 1t" in table and "im2row 2t" in table
    line = next(line for line in table.splitlines() if line.startswith("| MNIST layer 2"))
    assert line.count("2.00x") == 2 and "1.00 ms" in line
    fresh = [{"case": "MNIST layer 2", "impl": impl, "threads": 1, "first_s": 0.01, "cold_median_s": 0.002,
              "warm_median_s": 0.002, "cold_over_warm": 1.0, "peak_bytes": mb * 2**20}
             for impl, mb in (("vectorized", 6), ("torch", 3))]
    text = run.fresh_table(fresh)
    assert "6 MB" in text and "2.00x" in text


def test_peak_memory_sees_a_temporary_array_and_returns_the_result():
    if not bm.memory_supported():
        pytest.skip("no resettable high-water mark on this system")

    def make():
        a = np.ones(40 * 2**20 // 8)  # 40 MB, touched, then freed
        return float(a[-1])
    peak, result = bm.peak_memory(make)
    assert result == 1.0 and 35 * 2**20 < peak < 200 * 2**20


def test_run_fresh_reports_cold_and_warm_calls_of_a_new_process():
    result = bm.run_fresh("seed example", "vectorized", threads=1, calls=3, warm_case="seed example")
    assert result["case"] == "seed example" and result["impl"] == "vectorized" and result["threads"] == 1
    assert len(result["cold_s"]) == 3 and len(result["warm_s"]) == 3 and result["first_s"] > 0
    assert result["peak_bytes"] is None or result["peak_bytes"] >= 0


def test_set_threads_sets_cnnlib_threads_too(monkeypatch):
    from cnnlib import parallel
    monkeypatch.setattr(parallel, "_explicit", None)
    before = bm.blas_threads()
    torch_before = bm.environment().get("torch_threads")
    bm.set_threads(1)
    assert parallel.num_threads() == 1 and bm.environment()["cnnlib_threads"] == 1
    if before:
        bm.set_blas_threads(before)
    if torch_before:
        import torch
        torch.set_num_threads(torch_before)


def test_before_round_is_called_once_per_round():
    calls = []
    bm.compare_conv(TINY, impls=("vectorized",), repeat=1, rounds=3, before_round=lambda: calls.append(1))
    assert len(calls) == 3
    with pytest.raises(ValueError, match=r"before_round: expected None or a function"):
        bm.compare_conv(TINY, impls=("vectorized",), before_round=3)


def test_busy_fraction_is_a_share_of_the_cpus():
    busy = bm.busy_fraction(0.05)
    assert busy is None or 0.0 <= busy <= 1.0
    log = []
    assert bm.wait_for_quiet(1.0, timeout=1, log=log) == log[0]
