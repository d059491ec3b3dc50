"""What the two latency benchmarks share: the statistics of a list of input-to-paint times,
and writing a result as ``benchmarks/results/<name>.json`` and ``.md``."""
import json
import statistics
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def latency_stats(ms, draw):
    """Medians, p90 and maxima of the input-to-paint times ``ms`` and the redraw times ``draw``."""
    return {"events": len(ms), "median_ms": round(statistics.median(ms), 2),
            "p90_ms": round(sorted(ms)[int(0.9 * len(ms))], 2), "max_ms": round(max(ms), 2),
            "over_16ms": sum(v > 16 for v in ms),
            "draw_median_ms": round(statistics.median(draw), 2), "draw_max_ms": round(max(draw), 2)}


def save(name, results, table):
    """Print the markdown ``table`` and write it and ``results`` (JSON) under ``results/``."""
    print(table)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(results, indent=1) + "\n")
    (RESULTS / f"{name}.md").write_text(table + "\n")
