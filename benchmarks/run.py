"""Speed of cnnlib's loop version, its im2row version and PyTorch on the CPU, side by side.

    .venv/bin/python benchmarks/run.py              # the full run, 1 thread, about 2-3 minutes
    .venv/bin/python benchmarks/run.py --quick      # float32 only, fewer repeats, no loops
    .venv/bin/python benchmarks/run.py --threads 2  # numpy's BLAS and torch on 2 threads each

In one process, each implementation in its own back-to-back block (never
alternating numpy and torch calls: their thread pools fight over the cores):

1. convolution forward and backward (dx, dw, db) on the layer shapes of
   ``cnnlib.benchmark.CONV_SHAPES``, float32 and float64;
2. max pooling 2x2 (stride 2) on the outputs of those layers, after a ReLU;
3. one training epoch of the two-conv network of ``004_*`` (conv 3@1x3x3 ->
   relu -> maxpool 2 -> conv 10@3x4x4 -> relu -> maxpool 2 -> FC 250 -> 10) on
   the 4,000 training images of the MNIST subset, batch 64, SGD with momentum,
   float32, against the same network in PyTorch.

Prints a table of medians and ratios to PyTorch and writes everything, with
the environment (versions, BLAS, threads), as JSON to
``benchmarks/results/<name>.json``.
"""
import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

from cnnlib import benchmark as bm
from cnnlib.activations import relu_backward, relu_forward
from cnnlib.conv import conv2d_backward, conv2d_forward
from cnnlib.dense import affine_backward, affine_forward, flatten_backward, flatten_forward
from cnnlib.losses import softmax_cross_entropy_backward, softmax_cross_entropy_forward
from cnnlib.pool import maxpool2d_backward, maxpool2d_forward

RESULTS = Path(__file__).resolve().parent / "results"

# The targets: vectorized time / PyTorch time, forward + backward, float32.
TARGETS = {"MNIST layer 1": 1.2, "MNIST layer 2": 1.2, "larger layer": 2.0}
SPEEDUP_TARGET = ("MNIST layer 1", 300.0)  # vectorized at least 300x faster than the loops
EPOCH_TARGET = 1.5

BATCH = 64
LR, MOMENTUM, WEIGHT_DECAY = 0.01, 0.9, 5e-4


# ------------------------------------------------------------------- data

def mnist_train(dtype):
    """The 4,000 training images ``(4000, 1, 28, 28)`` and labels, and where they came from."""
    try:
        from cnnlib.data import load_mnist_prepared
        x, y, _, _ = load_mnist_prepared(dtype)
        return x, y, "MNIST subset (data/mnist_subset.npz), standardized"
    except (ImportError, FileNotFoundError, ValueError) as err:
        rng = np.random.default_rng(0)
        x = rng.standard_normal((4000, 1, 28, 28)).astype(dtype)
        y = rng.integers(0, 10, 4000)
        return x, y, f"random data of MNIST shape (the subset could not be loaded: {err})"


# ------------------------------------------------------------------- epochs

def he_params(seed, dtype):
    """Weights of the 004 network, He-normal, biases 0 (the torch model gets copies)."""
    rng = np.random.default_rng(seed)
    shapes = {"w1": (3, 1, 3, 3), "w2": (10, 3, 4, 4), "w3": (250, 10)}
    params = {}
    for name, shape in shapes.items():
        fan_in = int(np.prod(shape[1:])) if len(shape) == 4 else shape[0]
        params[name] = (rng.standard_normal(shape) * math.sqrt(2.0 / fan_in)).astype(dtype)
    params.update(b1=np.zeros(3, dtype), b2=np.zeros(10, dtype), b3=np.zeros(10, dtype))
    return params


def numpy_epoch_functions(params, x, y, order):
    """One epoch with the cnnlib layer functions; the first conv skips its dx (``need_dx=False``).

    SGD with momentum and weight decay on the weights, the update PyTorch's SGD makes:
    ``g += wd·w;  v = μ·v + g;  w -= lr·v``.
    """
    p = params
    velocity = {k: np.zeros_like(v) for k, v in p.items()}
    for first in range(0, len(order), BATCH):
        idx = order[first:first + BATCH]
        xb, yb = x[idx], y[idx]
        h1, c1 = conv2d_forward(xb, p["w1"], p["b1"])            # (B, 3, 26, 26)
        a1, r1 = relu_forward(h1)
        q1, m1 = maxpool2d_forward(a1, 2)                        # (B, 3, 13, 13)
        h2, c2 = conv2d_forward(q1, p["w2"], p["b2"])            # (B, 10, 10, 10)
        a2, r2 = relu_forward(h2)
        q2, m2 = maxpool2d_forward(a2, 2)                        # (B, 10, 5, 5)
        f, fc = flatten_forward(q2)                              # (B, 250)
        scores, ac = affine_forward(f, p["w3"], p["b3"])         # (B, 10)
        _, lc = softmax_cross_entropy_forward(scores, yb)
        g = {}
        d = softmax_cross_entropy_backward(1.0, lc)
        d, g["w3"], g["b3"] = affine_backward(d, ac)
        d = maxpool2d_backward(flatten_backward(d, fc), m2)
        d, g["w2"], g["b2"] = conv2d_backward(relu_backward(d, r2), c2)
        d = maxpool2d_backward(d, m1)
        _, g["w1"], g["b1"] = conv2d_backward(relu_backward(d, r1), c1, need_dx=False)
        for k, param in p.items():
            grad = g[k] + WEIGHT_DECAY * param if param.ndim > 1 else g[k]
            velocity[k] *= MOMENTUM
            velocity[k] += grad
            param -= LR * velocity[k]


def network_epoch(x, y, seed):
    """One epoch of ``cnnlib.train.train`` on ``cnnlib.network.two_conv_net``, or None if missing."""
    try:
        from cnnlib.network import two_conv_net
        from cnnlib.train import train
    except ImportError:
        return None
    model = two_conv_net(seed=seed, dtype=x.dtype)

    def epoch():
        train(model, x, y, epochs=1, batch_size=BATCH, lr=LR, momentum=MOMENTUM,
              weight_decay=WEIGHT_DECAY, schedule="constant", seed=seed, progress=None)
    return epoch


def torch_epoch_fn(params, x, y, order):
    """The same network, data order and SGD in PyTorch (weights copied from ``params``)."""
    import torch
    from torch import nn
    dtype = torch.float32 if x.dtype == np.float32 else torch.float64
    model = nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(3, 10, 4), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(250, 10)).to(dtype)
    with torch.no_grad():
        for layer, w, b in ((model[0], "w1", "b1"), (model[3], "w2", "b2"), (model[7], "w3", "b3")):
            layer.weight.copy_(torch.from_numpy(params[w].T.copy() if w == "w3" else params[w]))
            layer.bias.copy_(torch.from_numpy(params[b]))
    weights = [p for n, p in model.named_parameters() if n.endswith("weight")]
    biases = [p for n, p in model.named_parameters() if n.endswith("bias")]
    opt = torch.optim.SGD([{"params": weights, "weight_decay": WEIGHT_DECAY},
                           {"params": biases, "weight_decay": 0.0}], lr=LR, momentum=MOMENTUM)
    loss_fn = nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    order_t = torch.from_numpy(order)

    def epoch():
        for first in range(0, len(order_t), BATCH):
            idx = order_t[first:first + BATCH]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
    epoch.model = model  # for a test: the weights after the epoch
    return epoch


def compare_epoch(repeat, with_torch, rounds=1, seed=0):
    """Rows (as ``bm.compare_conv``'s) for one training epoch of the 004 network, float32.

    Each round times every implementation in its own block (``repeat`` epochs,
    median); times are medians over the rounds, ratios the medians of the
    per-round ratios.
    """
    x, y, source = mnist_train(np.float32)
    order = np.random.default_rng(seed).permutation(len(x))
    case = f"epoch 004 net, {len(x)} images"
    desc = f"{len(x)} images 1x28x28, batch {BATCH}, SGD momentum {MOMENTUM}, float32"
    params = he_params(seed, np.float32)
    fns = {"vectorized": (lambda: numpy_epoch_functions(params, x, y, order),
                          "cnnlib layer functions, first conv need_dx=False; " + source)}
    net = network_epoch(x, y, seed)
    if net is not None:
        fns["network"] = (net, "cnnlib.train.train on cnnlib.network.two_conv_net (its own data order)")
    if with_torch:
        fns["torch"] = (torch_epoch_fn(he_params(seed, np.float32), x, y, order),
                        "torch.nn, same order and SGD")
    times = {impl: [] for impl in fns}
    for r in range(rounds):
        for impl, (fn, _) in fns.items():
            times[impl].append(bm.time_call(fn, repeat, number=1, warmup=1 if r == 0 else 0))
    rows = []
    for impl, (_, note) in fns.items():
        ratio = None
        if "torch" in times:
            ratio = float(np.median([a / b for a, b in zip(times[impl], times["torch"])]))
        rows.append({"case": case, "shape": desc, "dtype": "float32", "impl": impl,
                     "forward_s": None, "backward_s": None, "total_s": float(np.median(times[impl])),
                     "note": note + ("" if rounds == 1 else f"; median of {rounds} rounds"),
                     "forward_vs_torch": None, "backward_vs_torch": None, "total_vs_torch": ratio,
                     "speedup_vs_naive": None})
    return rows


# ------------------------------------------------------------------- targets

def check_targets(rows):
    """The issue's targets, each as a dict with the measured value and whether it was met."""
    def find(case, impl, dtype="float32"):
        return next((r for r in rows
                     if r["case"] == case and r["impl"] == impl and r["dtype"] == dtype), None)

    out = []
    for case, limit in TARGETS.items():
        r = find(case, "vectorized")
        value = None if r is None else r["total_vs_torch"]
        out.append({"target": f"{case}: vectorized / torch, fwd+bwd, float32 <= {limit}x",
                    "value": value, "met": None if value is None else value <= limit})
    case, factor = SPEEDUP_TARGET
    r = find(case, "vectorized")
    value = None if r is None else r["speedup_vs_naive"]
    out.append({"target": f"{case}: vectorized >= {factor:.0f}x faster than the loops, float32",
                "value": value, "met": None if value is None else value >= factor})
    for impl in ("vectorized", "network"):
        r = find(next((r["case"] for r in rows if r["case"].startswith("epoch")), ""), impl)
        if r is not None:
            value = r["total_vs_torch"]
            out.append({"target": f"training epoch ({impl}) / torch <= {EPOCH_TARGET}x",
                        "value": value, "met": None if value is None else value <= EPOCH_TARGET})
    return out


def markdown_summary(rows, env, targets):
    """A compact Markdown table: one line per case and dtype, fwd+bwd medians and ratios."""
    def ms(v):
        return "-" if v is None else (f"{v:.2f} s" if v >= 1 else f"{v * 1e3:.2f} ms")

    def ratio(v):
        return "-" if v is None else f"{v:.2f}x"

    lines = [f"numpy {env['numpy']} ({env['numpy_blas']}), torch {env.get('torch')}, "
             f"{env['threads_requested']} thread(s) each, {env.get('cpu')} ({env['cpu_count']} CPUs); "
             f"medians of forward + backward (an epoch: its wall time)", "",
             "| case | dtype | loops | im2row | PyTorch | im2row / PyTorch | loops / im2row |",
             "|---|---|---|---|---|---|---|"]
    keys = list(dict.fromkeys((r["case"], r["dtype"]) for r in rows))
    for case, dtype in keys:
        by = {r["impl"]: r for r in rows if r["case"] == case and r["dtype"] == dtype}
        vec, naive, tor = by.get("vectorized"), by.get("naive"), by.get("torch")
        naive_t = None if naive is None else naive["total_s"]
        speed = None if vec is None or naive_t is None else naive_t / vec["total_s"]
        scaled = " (scaled)" if naive is not None and naive["note"].startswith("timed on") else ""
        lines.append(f"| {case} | {dtype} | {ms(naive_t)}{scaled} | {ms(vec and vec['total_s'])} | "
                     f"{ms(tor and tor['total_s'])} | {ratio(vec and vec['total_vs_torch'])} | "
                     f"{'-' if speed is None else f'{speed:,.0f}x'} |")
        if "network" in by:
            net = by["network"]
            lines.append(f"| {case}, cnnlib.network + train | {dtype} | - | {ms(net['total_s'])} | "
                         f"{ms(tor and tor['total_s'])} | {ratio(net['total_vs_torch'])} | - |")
    lines.append("")
    for t in targets:
        mark = {True: "met", False: "NOT met", None: "not measured"}[t["met"]]
        value = "-" if t["value"] is None else f"{t['value']:.2f}x"
        lines.append(f"- {t['target']}: {value} ({mark})")
    return "\n".join(lines) + "\n"


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


# ------------------------------------------------------------------- main

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="float32 only, 3 repeats, no loop versions, one epoch repeat")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads for numpy's BLAS and for torch, the same for both (default 1)")
    parser.add_argument("--repeat", type=int, default=None, help="samples per median (default 7)")
    parser.add_argument("--rounds", type=int, default=None,
                        help="repeat every comparison this many times (default 5, --quick 1)")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    parser.add_argument("--name", default=None, help="results/<name>.json (default: latest or quick)")
    args = parser.parse_args(argv)

    threads = args.threads
    if threads < 1:
        parser.error(f"--threads: expected an int >= 1, got {threads}")
    bm.set_threads(threads)
    with_torch = bm.torch_available() and not args.no_torch
    repeat = args.repeat or (3 if args.quick else 5)
    rounds = args.rounds or (1 if args.quick else 5)
    dtypes = ("float32",) if args.quick else ("float32", "float64")
    impls = tuple(i for i in bm.IMPLS
                  if not (i == "naive" and args.quick) and not (i == "torch" and not with_torch))
    env = bm.environment()
    env["threads_requested"] = threads
    env["load_average_start"] = [round(v, 2) for v in os.getloadavg()]
    print("environment:", ", ".join(f"{k}={v}" for k, v in env.items()), flush=True)

    start = time.perf_counter()
    rows = []
    for dtype in dtypes:
        for name in bm.CONV_SHAPES:
            rows += bm.compare_conv(name, dtype, impls, repeat=repeat, rounds=rounds)
            print(f"  conv {name} {dtype} done ({time.perf_counter() - start:.0f} s)", flush=True)
    for dtype in dtypes:
        for name, s in bm.CONV_SHAPES.items():
            rows += bm.compare_maxpool(s.out_shape, dtype, impls, size=2, repeat=repeat,
                                       case=f"maxpool 2x2 after {name}", rounds=rounds)
        print(f"  maxpool {dtype} done ({time.perf_counter() - start:.0f} s)", flush=True)
    rows += compare_epoch(1 if args.quick else 3, with_torch, rounds)
    print(f"  epoch done ({time.perf_counter() - start:.0f} s)", flush=True)
    seconds = time.perf_counter() - start
    env["load_average_end"] = [round(v, 2) for v in os.getloadavg()]

    targets = check_targets(rows)
    print()
    print(bm.format_table(rows))
    print()
    for t in targets:
        mark = {True: "met", False: "NOT met", None: "not measured"}[t["met"]]
        value = "-" if t["value"] is None else f"{t['value']:.2f}x"
        print(f"target {mark:>12}: {t['target']}  (measured {value})")
    print(f"\nwhole run: {seconds:.0f} s; load average (1 min) {env['load_average_start'][0]} at the "
          f"start, {env['load_average_end'][0]} at the end, on {env['cpu_count']} CPUs")
    if max(env["load_average_start"][0], env["load_average_end"][0]) > (env["cpu_count"] or 1):
        print("the machine was busy with other work: timings are noisy, multi-threaded ones most")

    RESULTS.mkdir(exist_ok=True)
    name = args.name or ("quick" if args.quick else "latest")
    path = RESULTS / f"{name}.json"
    record = {"command": ("python benchmarks/run.py " + " ".join(sys.argv[1:] if argv is None else argv)).strip(),
              "git_commit": git_commit(),
              "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "seconds": round(seconds, 1), "repeat": repeat, "rounds": rounds, "environment": env,
              "targets": targets, "rows": rows}
    path.write_text(json.dumps(record, indent=1) + "\n")
    summary = markdown_summary(rows, env, targets)
    path.with_suffix(".md").write_text(summary)
    print(f"\n{summary}\nwrote {path} and {path.with_suffix('.md').name}")


if __name__ == "__main__":
    main()
