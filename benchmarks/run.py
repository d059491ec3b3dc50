"""Speed and memory of cnnlib's loop version, its im2row version and PyTorch on the CPU, side by side.

    .venv/bin/python benchmarks/run.py              # the full run: 1 and 2 threads, about 6-8 minutes
    .venv/bin/python benchmarks/run.py --quick      # float32 only, fewer repeats, no loops
    .venv/bin/python benchmarks/run.py --threads 2  # one thread count only

In one process, for each thread count (numpy's BLAS, cnnlib's own threads and
torch all get the same number), each implementation in its own back-to-back
block (never alternating numpy and torch calls: their thread pools fight over
the cores):

1. convolution forward and backward (dx, dw, db) on the layer shapes of
   ``cnnlib.benchmark.CONV_SHAPES``, float32 and float64;
2. max pooling 2x2 (stride 2) on the outputs of those layers, after a ReLU;
3. one training epoch of the two-conv network of ``004_*`` against the same
   network in PyTorch (``cnnlib.benchmark.epoch``).

Then, in fresh processes (``cnnlib.benchmark.fresh``), for each thread count:
the first forward + backward of a layer with its peak memory, the next calls
("cold"), and the same calls after one call of the larger layer ("warm").

Prints tables of medians and ratios to PyTorch and writes everything, with
the environment (versions, BLAS, threads, load), as JSON and Markdown to
``benchmarks/results/<name>.json`` and ``.md``.
"""
import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

from cnnlib import benchmark as bm
from cnnlib.benchmark.epoch import (BATCH, LR, MOMENTUM, WEIGHT_DECAY, compare_epoch, he_params,  # noqa: F401
                                    mnist_train, numpy_epoch_functions, network_epoch, torch_epoch_fn)

RESULTS = Path(__file__).resolve().parent / "results"

# The targets: vectorized time / PyTorch time, forward + backward, float32, at each thread count.
TARGETS = {"MNIST layer 1": 1.0, "MNIST layer 2": 1.0, "larger layer": 1.3}
SPEEDUP_TARGET = ("MNIST layer 1", 300.0)  # vectorized at least 300x faster than the loops
EPOCH_TARGET = 1.5
MEMORY_CASE = (64, 64, 56, 56, 64, 3, 3, 1, 1)  # peak memory of forward + backward: at most 2x torch
MEMORY_TARGET = 2.0
COLD_TARGET = 1.15  # cold-process median / warm median, cnnlib, MNIST layers
FRESH_CASES = ("MNIST layer 1", "MNIST layer 2", "larger layer", MEMORY_CASE)


def _find(rows, case, impl, threads, dtype="float32"):
    return next((r for r in rows if r["case"] == case and r["impl"] == impl and r["dtype"] == dtype
                 and r.get("threads") == threads), None)


def check_targets(rows, fresh=(), thread_counts=(1,)):
    """The issue's targets, each as a dict with the measured value and whether it was met."""
    out = []

    def add(target, value, limit, below=True):
        out.append({"target": target, "value": value,
                    "met": None if value is None else (value <= limit if below else value >= limit)})

    for t in thread_counts:
        for case, limit in TARGETS.items():
            r = _find(rows, case, "vectorized", t)
            add(f"{case}: vectorized / torch, fwd+bwd, float32, {t} thread(s) <= {limit}x",
                None if r is None else r["total_vs_torch"], limit)
        for impl in ("vectorized", "network"):
            r = _find(rows, next((r["case"] for r in rows if r["case"].startswith("epoch")), ""), impl, t)
            if r is not None:
                add(f"training epoch ({impl}) / torch, {t} thread(s) <= {EPOCH_TARGET}x",
                    r["total_vs_torch"], EPOCH_TARGET)
    case, factor = SPEEDUP_TARGET
    r = _find(rows, case, "vectorized", thread_counts[0])
    add(f"{case}: vectorized >= {factor:.0f}x faster than the loops, float32",
        None if r is None else r["speedup_vs_naive"], factor, below=False)
    by = {(f["case"], f["impl"], f["threads"]): f for f in fresh}
    for t in thread_counts:
        mine, theirs = by.get((str(MEMORY_CASE), "vectorized", t)), by.get((str(MEMORY_CASE), "torch", t))
        value = None if not (mine and theirs and mine["peak_bytes"] and theirs["peak_bytes"]) \
            else mine["peak_bytes"] / theirs["peak_bytes"]
        add(f"peak memory of fwd+bwd on {MEMORY_CASE[:4]}, {t} thread(s): vectorized / torch <= "
            f"{MEMORY_TARGET}x", value, MEMORY_TARGET)
        for case in ("MNIST layer 1", "MNIST layer 2"):
            f = by.get((case, "vectorized", t))
            add(f"{case}: fresh-process (cold) median / warm median, vectorized, {t} thread(s) <= "
                f"{COLD_TARGET}x", None if f is None else f["cold_over_warm"], COLD_TARGET)
    return out


def _ms(v):
    return "-" if v is None else (f"{v:.2f} s" if v >= 1 else f"{v * 1e3:.2f} ms")


def _ratio(v):
    return "-" if v is None else f"{v:.2f}x"


def speed_table(rows, thread_counts):
    """Markdown: one line per case and dtype, fwd+bwd medians and ratios at every thread count."""
    head = "| case | dtype | loops |" + "".join(f" im2row {t}t | PyTorch {t}t | im2row / PyTorch {t}t |"
                                              for t in thread_counts)
    lines = [head, "|" + "---|" * (3 + 3 * len(thread_counts))]
    keys = list(dict.fromkeys((r["case"], r["dtype"]) for r in rows))
    for case, dtype in keys:
        naive = next((r for r in rows if r["case"] == case and r["dtype"] == dtype and r["impl"] == "naive"), None)
        loops = "-" if naive is None else _ms(naive["total_s"]) + (
            " (scaled)" if naive["note"].startswith("timed on") else "")
        for impl in ("vectorized", "network"):
            cells = []
            for t in thread_counts:
                mine, tor = _find(rows, case, impl, t, dtype), _find(rows, case, "torch", t, dtype)
                cells.append(f" {_ms(mine and mine['total_s'])} | {_ms(tor and tor['total_s'])} | "
                             f"{_ratio(mine and mine['total_vs_torch'])} |")
            if impl == "network" and all(_find(rows, case, impl, t, dtype) is None for t in thread_counts):
                continue
            label = case if impl == "vectorized" else f"{case}, cnnlib.network + train"
            lines.append(f"| {label} | {dtype} | {loops if impl == 'vectorized' else '-'} |" + "".join(cells))
    return "\n".join(lines)


def fresh_table(fresh):
    lines = ["| layer | impl | threads | first call | cold median | warm median | cold / warm | "
             "peak memory | peak / PyTorch's |", "|---|---|---|---|---|---|---|---|---|"]
    by = {(f["case"], f["impl"], f["threads"]): f for f in fresh}
    for f in fresh:
        tor = by.get((f["case"], "torch", f["threads"]))
        mem = None if not (tor and tor["peak_bytes"] and f["peak_bytes"]) else f["peak_bytes"] / tor["peak_bytes"]
        peak = "-" if f["peak_bytes"] is None else f"{f['peak_bytes'] / 2**20:,.0f} MB"
        lines.append(f"| {f['case']} | {f['impl']} | {f['threads']} | {_ms(f['first_s'])} | "
                     f"{_ms(f['cold_median_s'])} | {_ms(f['warm_median_s'])} | {_ratio(f['cold_over_warm'])} | "
                     f"{peak} | {_ratio(mem)} |")
    return "\n".join(lines)


def gemm_floor(name, threads, repeat, rounds=1, quiet=lambda: None):
    """The three matrix products of the im2row path alone (forward, dW, dx), on ready matrices.

    No im2row fill, no scatter, no checks: the least time numpy's BLAS needs for
    this layer's forward + backward, and so the best any im2row implementation
    on it could reach. Compared with PyTorch's whole forward + backward.
    """
    s = bm.CONV_SHAPES[name]
    _, f, h_out, w_out = s.out_shape
    rng = np.random.default_rng(0)
    ckk, hw = s.c * s.kh * s.kw, h_out * w_out
    rows_t = rng.standard_normal((ckk, s.n * hw), dtype=np.float32)  # rows.T (C*KH*KW, N*H_out*W_out)
    w_mat = rng.standard_normal((f, ckk), dtype=np.float32)
    d_y = rng.standard_normal((f, s.n * hw), dtype=np.float32)       # dY.T
    per_image = rows_t.reshape(ckk, s.n, hw).transpose(1, 0, 2)
    out = np.empty((s.n, f, hw), np.float32)

    def products():
        np.matmul(w_mat, per_image, out=out)  # forward, one product per image
        rows_t @ d_y.T                         # dW.T
        w_mat.T @ d_y                          # (dY W).T, what row2im scatters

    times = []
    for _ in range(rounds):
        quiet()
        times.append(bm.time_call(products, repeat))
    return {"case": name, "threads": threads, "gemm_s": float(np.median(times))}


def copy_costs(rows, thread_counts):
    """What the caches' own copies of x cost (aliasing made impossible), next to fwd+bwd."""
    out = []
    rng = np.random.default_rng(0)
    for name, s in bm.CONV_SHAPES.items():
        x = rng.standard_normal(s.x_shape, dtype=np.float32)
        t_copy = bm.time_call(lambda: np.copy(x), 7)
        for t in thread_counts:
            r = _find(rows, name, "vectorized", t)
            if r is not None:
                out.append({"case": name, "threads": t, "copy_s": t_copy, "total_s": r["total_s"],
                            "share": t_copy / r["total_s"]})
    return out


def git_commit():
    """The commit of the code measured (with ``+changes`` if the work tree differs), or None."""
    import subprocess
    root = Path(__file__).resolve().parent.parent
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "cnnlib"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return sha + ("+changes in cnnlib/" if dirty else "")


def _thread_list(text):
    try:
        counts = [int(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected thread counts like 1,2, got {text!r}") from None
    if not counts or min(counts) < 1 or len(set(counts)) != len(counts):
        raise argparse.ArgumentTypeError(f"expected distinct thread counts >= 1 like 1,2, got {text!r}")
    return counts


def _fraction(text):
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"expected a share of the CPUs in (0, 1], got {text!r}")
    return value


def _positive(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an int >= 1, got {text!r}")
    return value


def _name(text):
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", text) or text.endswith((".json", ".md")):
        raise argparse.ArgumentTypeError(f"expected a plain file name like latest (letters, digits, - _ .), "
                                         f"got {text!r}")
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="float32 only, 3 repeats, no loop versions, one round, fewer fresh processes")
    parser.add_argument("--threads", type=_thread_list, default=[1, 2],
                        help="thread counts for numpy's BLAS, cnnlib and torch, the same for all (default 1,2)")
    parser.add_argument("--repeat", type=_positive, default=None, help="samples per median (default 5)")
    parser.add_argument("--rounds", type=_positive, default=None,
                        help="repeat every comparison this many times (default 5, --quick 1)")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    parser.add_argument("--no-fresh", action="store_true", help="skip the fresh-process runs (cold speed, memory)")
    parser.add_argument("--name", type=_name, default=None, help="results/<name>.json (default: latest or quick)")
    parser.add_argument("--max-busy", type=_fraction, default=0.15,
                        help="before each round wait (up to 5 minutes) until other processes use at most this "
                             "share of the CPUs (default 0.15; 1 never waits)")
    args = parser.parse_args(argv)
    busy_log = []

    def quiet():
        if args.max_busy < 1:
            bm.wait_for_quiet(args.max_busy, timeout=300, log=busy_log)

    with_torch = bm.torch_available() and not args.no_torch
    repeat = args.repeat or (3 if args.quick else 5)
    rounds = args.rounds or (1 if args.quick else 5)
    dtypes = ("float32",) if args.quick else ("float32", "float64")
    impls = tuple(i for i in bm.IMPLS
                  if not (i == "naive" and args.quick) and not (i == "torch" and not with_torch))
    start = time.perf_counter()
    rows, loads = [], {}
    for t in args.threads:
        bm.set_threads(t)
        loads[t] = {"start": list(os.getloadavg())}
        for dtype in dtypes:
            for name in bm.CONV_SHAPES:
                rows += [dict(r, threads=t) for r in
                         bm.compare_conv(name, dtype, impls if t == args.threads[0] else
                                         tuple(i for i in impls if i != "naive"), repeat=repeat, rounds=rounds,
                                         before_round=quiet)]
            print(f"  {t} thread(s): conv {dtype} done ({time.perf_counter() - start:.0f} s)", flush=True)
        for dtype in dtypes:
            for name, s in bm.CONV_SHAPES.items():
                rows += [dict(r, threads=t) for r in
                         bm.compare_maxpool(s.out_shape, dtype, tuple(i for i in impls if i != "naive"),
                                            size=2, repeat=repeat, case=f"maxpool 2x2 after {name}",
                                            rounds=rounds, before_round=quiet)]
        rows += [dict(r, threads=t) for r in compare_epoch(1 if args.quick else 3, with_torch, rounds,
                                                           before_round=quiet)]
        loads[t]["end"] = list(os.getloadavg())
        loads[t]["busy_before_rounds"] = busy_log[:]
        busy_log.clear()
        print(f"  {t} thread(s): pooling and epoch done ({time.perf_counter() - start:.0f} s)", flush=True)
    env = bm.environment()
    env["threads_measured"] = args.threads

    fresh = []
    if not args.no_fresh:
        cases = FRESH_CASES[1:] if args.quick else FRESH_CASES
        for t in args.threads:
            for case in cases:
                for impl in ("vectorized", "torch") if with_torch else ("vectorized",):
                    quiet()
                    f = bm.run_fresh(case, impl, threads=t, calls=10 if args.quick else 30)
                    f["cold_median_s"] = float(np.median(f["cold_s"]))
                    f["warm_median_s"] = float(np.median(f["warm_s"]))
                    f["cold_over_warm"] = f["cold_median_s"] / f["warm_median_s"]
                    fresh.append(f)
            print(f"  {t} thread(s): fresh processes done ({time.perf_counter() - start:.0f} s)", flush=True)
    floors = []
    for t in args.threads:
        bm.set_threads(t)
        floors += [gemm_floor(name, t, repeat, rounds, quiet) for name in ("MNIST layer 2", "larger layer")]
        for f in floors[-2:]:
            tor = _find(rows, f["case"], "torch", t)
            f["vs_torch"] = None if tor is None else f["gemm_s"] / tor["total_s"]
    copies = copy_costs(rows, args.threads)
    seconds = time.perf_counter() - start
    targets = check_targets(rows, fresh, args.threads)

    print()
    for t in args.threads:
        print(f"{t} thread(s):")
        print(bm.format_table([r for r in rows if r["threads"] == t]))
        print()
    if fresh:
        print(fresh_table(fresh), "\n")
    for t in targets:
        mark = {True: "met", False: "NOT met", None: "not measured"}[t["met"]]
        value = "-" if t["value"] is None else f"{t['value']:.2f}x"
        print(f"target {mark:>12}: {t['target']}  (measured {value})")
    busy = max(max(v["start"][0], v["end"][0]) for v in loads.values()) > (env["cpu_count"] or 1) / 2
    load_text = "; ".join(f"{t} thread(s): {v['start'][0]:.2f} at the start, {v['end'][0]:.2f} at the end"
                          for t, v in loads.items())
    print(f"\nwhole run: {seconds:.0f} s; load average (1 min) {load_text}, on {env['cpu_count']} CPUs")
    if busy:
        print("the machine was busy with other work: timings are noisy, multi-threaded ones most")

    RESULTS.mkdir(exist_ok=True)
    name = args.name or ("quick" if args.quick else "latest")
    path = RESULTS / f"{name}.json"
    record = {"command": ("python benchmarks/run.py " + " ".join(sys.argv[1:] if argv is None else argv)).strip(),
              "git_commit": git_commit(), "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "seconds": round(seconds, 1), "repeat": repeat, "rounds": rounds, "environment": env,
              "load_average": loads, "targets": targets, "rows": rows, "fresh": fresh, "cache_copies": copies,
              "gemm_floor": floors}
    path.write_text(json.dumps(record, indent=1) + "\n")
    summary = markdown_summary(rows, env, targets, fresh, copies, loads, args.threads, floors)
    path.with_suffix(".md").write_text(summary)
    print(f"\nwrote {path} and {path.with_suffix('.md').name}")


def _busy_text(load):
    busy = [b for b in load.get("busy_before_rounds", []) if b is not None]
    if not busy:
        return ""
    return (f" (other processes' share of the CPUs just before a round: median {np.median(busy):.0%}, "
            f"largest {max(busy):.0%})")


def markdown_summary(rows, env, targets, fresh, copies, loads, thread_counts, floors=()):
    load_text = "; ".join(f"{t} thread(s): {v['start'][0]:.2f} -> {v['end'][0]:.2f}" + _busy_text(v)
                          for t, v in loads.items())
    parts = [f"numpy {env['numpy']} ({env['numpy_blas']}), torch {env.get('torch')}, {env.get('cpu')} "
             f"({env['cpu_count']} CPUs); thread counts {thread_counts} (numpy's BLAS, cnnlib and torch alike); "
             f"load average (1 min) during the run: {load_text}. Medians of forward + backward "
             "(an epoch: its wall time); ratios are medians of per-round ratios.", "",
             speed_table(rows, thread_counts), ""]
    if fresh:
        parts += ["Fresh processes (`cnnlib.benchmark.fresh`): the first forward + backward and its peak "
                  "resident memory above the process's size before it; cold = the next calls; warm = the "
                  "same calls after one call of the larger layer.", "", fresh_table(fresh), ""]
    if floors:
        parts += ["The three matrix products of the im2row path alone (forward, dW, dx on ready "
                  "matrices: no fill, no scatter), against PyTorch's whole forward + backward: "
                  + "; ".join(f"{f['case']} {f['threads']}t {_ms(f['gemm_s'])} = {_ratio(f['vs_torch'])}"
                              for f in floors) + ".", ""]
    if copies:
        parts += ["The caches' own copy of x (so that changing x in place cannot change the gradients): "
                  + "; ".join(f"{c['case']} {c['threads']}t {c['copy_s'] * 1e6:,.0f} µs = {c['share']:.1%}"
                              for c in copies) + " of forward + backward.", ""]
    for t in targets:
        mark = {True: "met", False: "NOT met", None: "not measured"}[t["met"]]
        value = "-" if t["value"] is None else f"{t['value']:.2f}x"
        parts.append(f"- {t['target']}: {value} ({mark})")
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    main()
