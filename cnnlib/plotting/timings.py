"""Bar charts of the benchmark timings (notebook 06)."""
import matplotlib.pyplot as plt


TIMING_COLORS = {"naive": "0.55", "vectorized": "tab:blue", "torch": "tab:orange"}


def plot_timings(rows, ax=None, key="total_s", title=None):
    """Grouped bar chart (log scale) of the rows of ``cnnlib.benchmark.compare_conv`` / ``compare_maxpool``.

    rows : list of dicts with ``case``, ``impl`` and ``key`` (seconds; None = not timed).
    key  : ``"forward_s"``, ``"backward_s"`` or ``"total_s"``.
    One group of bars per case, one bar per implementation, each labelled with its time;
    an implementation that was skipped gets the word "skipped" instead of a bar.
    Returns the axes.
    """
    rows = list(rows)
    if not rows:
        raise ValueError("plot_timings: expected at least one row, got none")
    cases = list(dict.fromkeys(r["case"] for r in rows))
    impls = list(dict.fromkeys(r["impl"] for r in rows))
    if ax is None:
        _, ax = plt.subplots(figsize=(min(9.0, 1.6 + 1.9 * len(cases)), 3.2))
    width = 0.8 / len(impls)
    times = [r[key] for r in rows if r.get(key)]
    floor = min(times) / 3 if times else 1e-6
    labelled = set()
    for k, impl in enumerate(impls):
        for g, case in enumerate(cases):
            match = [r for r in rows if r["case"] == case and r["impl"] == impl]
            if not match:
                continue
            t = match[0].get(key)
            xpos = g - 0.4 + width * (k + 0.5)
            if t is None:
                ax.text(xpos, floor * 1.2, "skipped", rotation=90, ha="center", va="bottom", fontsize=7)
                continue
            ax.bar(xpos, t, width * 0.9, color=TIMING_COLORS.get(impl, f"C{k}"),
                   label=None if impl in labelled else impl)
            labelled.add(impl)
            label = f"{t:.3g} s" if t >= 1 else (f"{t * 1e3:.3g} ms" if t >= 1e-3 else f"{t * 1e6:.0f} µs")
            ax.text(xpos, t * 1.1, label, ha="center", va="bottom", fontsize=7)
    ax.set_yscale("log")
    ax.set_ylim(floor, max(times) * 40 if times else 1.0)
    ax.set_xticks(range(len(cases)))
    ax.set_xticklabels(cases, fontsize=8)
    ax.set_ylabel({"total_s": "forward + backward (s)", "forward_s": "forward (s)",
                   "backward_s": "backward (s)"}.get(key, key), fontsize=8)
    ax.tick_params(axis="y", labelsize=7)
    ax.legend(fontsize=8, frameon=False, ncol=len(impls), loc="upper left")
    if title:
        ax.set_title(title, fontsize=9)
    return ax
