"""The rows of a benchmark as ratios and as a fixed-width text table.

``_add_ratios`` turns times into ``*_vs_torch`` ratios (time / PyTorch's time)
and ``speedup_vs_naive``; ``format_table(rows)`` prints rows of
``compare_conv`` / ``compare_maxpool`` with medians and ratios.
"""
import numpy as np


def _add_ratios(rows, round_ratios=None):
    """Add ``*_vs_torch`` (time / torch time) and ``speedup_vs_naive`` to each row, where known.

    ``round_ratios[impl][key]``, when given, holds the ratio to torch of every
    round; the row then gets their median instead of the ratio of the medians.
    """
    by_impl = {r["impl"]: r for r in rows}
    ref = by_impl.get("torch")
    naive = by_impl.get("naive")
    for r in rows:
        for key in ("forward", "backward", "total"):
            mine, theirs = r[f"{key}_s"], None if ref is None else ref[f"{key}_s"]
            r[f"{key}_vs_torch"] = None if mine is None or not theirs else mine / theirs
            per_round = (round_ratios or {}).get(r["impl"], {}).get(key)
            if per_round and r[f"{key}_vs_torch"] is not None:
                r[f"{key}_vs_torch"] = float(np.median(per_round))
        base = None if naive is None else naive["total_s"]
        r["speedup_vs_naive"] = None if base is None or not r["total_s"] else base / r["total_s"]
    return rows


def _fmt_time(seconds):
    if seconds is None:
        return "-"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.0f} µs"


def _fmt_ratio(ratio):
    return "-" if ratio is None else f"{ratio:.2f}x"


def format_table(rows, columns=None):
    """The rows of ``compare_conv`` / ``compare_maxpool`` as a fixed-width text table.

    Times are medians (``ms`` / ``µs``); ``fwd/torch`` etc. are ratios to
    PyTorch's time (1.00x = as fast, 2.00x = twice as slow); ``vs naive`` is
    how many times faster than the loop version.
    """
    if not isinstance(rows, (list, tuple)) or not all(isinstance(r, dict) for r in rows):
        raise ValueError(f"rows: expected a list of dicts (the rows of compare_conv / compare_maxpool), "
                         f"got {type(rows).__name__}")
    if columns is not None and (not isinstance(columns, (list, tuple)) or not all(
            isinstance(c, (list, tuple)) and len(c) == 2 and all(isinstance(v, str) for v in c) for c in columns)):
        raise ValueError(f"columns: expected a list of (key, title) pairs of str, got {columns!r}")
    columns = columns or [("case", "case"), ("dtype", "dtype"), ("impl", "impl"),
                          ("forward_s", "forward"), ("backward_s", "backward"), ("total_s", "fwd+bwd"),
                          ("forward_vs_torch", "fwd/torch"), ("backward_vs_torch", "bwd/torch"),
                          ("total_vs_torch", "total/torch"), ("speedup_vs_naive", "vs naive"),
                          ("note", "note")]
    table = [[title for _, title in columns]]
    for r in rows:
        line = []
        for key, _ in columns:
            v = r.get(key)
            if key.endswith("_s"):
                line.append(_fmt_time(v))
            elif key.endswith("_vs_torch") or key == "speedup_vs_naive":
                line.append("-" if v is None else (f"{v:,.0f}x" if key == "speedup_vs_naive"
                                                   else _fmt_ratio(v)))
            else:
                line.append("" if v is None else str(v))
        table.append(line)
    widths = [max(len(line[k]) for line in table) for k in range(len(columns))]
    out = []
    for i, line in enumerate(table):
        out.append("  ".join(cell.ljust(wd) if k < 3 or k == len(line) - 1 else cell.rjust(wd)
                             for k, (cell, wd) in enumerate(zip(line, widths))).rstrip())
        if i == 0:
            out.append("  ".join("-" * wd for wd in widths))
    return "\n".join(out)
