"""Input-event-to-paint latency of the four explorers in a real browser (headless Chromium).

    .venv/bin/python benchmarks/explorer_latency.py            # static page and JupyterLab
    .venv/bin/python benchmarks/explorer_latency.py --moves 60 --where static

For each explorer: ``--moves`` keyboard moves of a position slider (ArrowRight /
ArrowLeft, as a learner presses them), the same number of slider moves that change the
geometry, and clicks on cells. The explorer's front end records, per input event,
``ms``: from the event's timestamp to the first task after the next animation frame
(the frame that shows the new picture has then been painted), and ``draw``: the time
its redraw itself took. Reported per explorer and place: medians and maxima, written to
``benchmarks/results/explorer_latency.json`` and ``.md``, with the count of input
events that Chromium's own Event Timing API (input to next paint, 8 ms granularity)
reports at 16 ms or more. Where: ``static`` (nbconvert's
HTML of the executed notebook, scripts served locally, no kernel) and ``lab``
(JupyterLab, the notebook run with a kernel). Needs Chromium, playwright and npm, as
the browser tests do (whose helpers it uses).
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import test_browser as T  # noqa: E402  (its servers, notebook and page helpers)
from latency_report import latency_stats, save  # noqa: E402

# (explorer, position slider, geometry slider)
SLIDERS = {"gradient-flow explorer": ("out_j", "pad"), "conv-arithmetic explorer": ("out_j", "pad"),
           "pooling explorer": ("out_j", "stride"), "im2row explorer": ("out_j", "pad")}


EVENT_TIMING = """() => {
  globalThis.slowEvents = [];
  new PerformanceObserver(list => list.getEntries().forEach(e =>
    e.interactionId && globalThis.slowEvents.push([e.interactionId, e.duration]))).observe(
      {type: 'event', durationThreshold: 16, buffered: false});
}"""


def drive(page, box, name, moves):
    """Keyboard moves of two sliders and clicks on cells; returns the recorded timings and
    the browser's own Event Timing entries of 16 ms and more (input to next paint)."""
    page.evaluate("() => { globalThis.cnnlibLatency.length = 0; }")
    page.evaluate(EVENT_TIMING)
    position, geometry = SLIDERS[name]
    for slider in (position, geometry):
        box.query_selector(f'.cnn-control[data-name="{slider}"] input').focus()
        for k in range(moves):
            page.keyboard.press("ArrowRight" if (k // 2) % 2 == 0 else "ArrowLeft")
            page.wait_for_timeout(40)
    cells = box.query_selector_all("svg.cnn-click rect.cnn-cell")
    for k in range(moves):
        cells[(7 * k) % len(cells)].click()
        page.wait_for_timeout(40)
        cells = box.query_selector_all("svg.cnn-click rect.cnn-cell")
    page.wait_for_timeout(300)
    rows = page.evaluate("() => globalThis.cnnlibLatency.map(r => [r.ms, r.draw])")
    slow = page.evaluate("() => globalThis.slowEvents")
    return rows, slow


def summary(measured):
    rows, slow = measured
    out = latency_stats([r[0] for r in rows], [r[1] for r in rows])
    # one interaction (a key press, a click) = its longest event
    out["event_timing_over_16ms"] = sum(d > 16 for d in _per_interaction(slow).values())
    out["event_timing_max_ms"] = max(_per_interaction(slow).values(), default=0)
    return out


def _per_interaction(slow):
    out = {}
    for interaction, duration in slow:
        out[interaction] = max(out.get(interaction, 0), duration)
    return out


def measure_static(browser, folder, moves):
    from cnnlib.explorers.static import static_html

    page_path = static_html(T.make_notebook(folder), folder)
    server = T.StaticServer(folder)
    context, page, refused, errors = T.open_offline(browser, server.url + page_path.name, 1280)
    try:
        assert not refused and not errors, (refused, errors)
        return {name: summary(drive(page, box, name, moves))
                for name, box in T.boxes_of(page).items()}
    finally:
        context.close()
        server.stop()


def measure_lab(browser, folder, moves):
    lab = T.Lab(folder)
    try:
        lab.wait_ready()
        T.make_notebook(lab.notebooks)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(60_000)
        T.open_and_run_all(lab, page, "explorers.ipynb")
        T.wait_drawn(page)
        out = {}
        for name, box in T.boxes_of(page).items():
            box.scroll_into_view_if_needed()
            out[name] = summary(drive(page, box, name, moves))
        context.close()
        return out
    finally:
        lab.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--moves", type=int, default=40, help="moves per slider, and clicks")
    parser.add_argument("--where", choices=["static", "lab", "both"], default="both")
    parser.add_argument("--name", default="explorer_latency")
    args = parser.parse_args(argv)
    results = {"moves": args.moves, "when": time.strftime("%Y-%m-%d %H:%M")}
    with T.sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=T.CHROMIUM, headless=True,
                                     args=T.CHROMIUM_ARGS)
        try:
            for where, fn in (("static", measure_static), ("lab", measure_lab)):
                if args.where in (where, "both"):
                    with tempfile.TemporaryDirectory() as folder:
                        results[where] = fn(browser, Path(folder), args.moves)
        finally:
            browser.close()
    lines = ["| where | explorer | events | median ms | p90 ms | max ms | > 16 ms | draw median"
             " / max ms | Event Timing > 16 ms (max) |", "|---|---|---|---|---|---|---|---|---|"]
    for where in ("static", "lab"):
        for name, s in results.get(where, {}).items():
            lines.append(f"| {where} | {name} | {s['events']} | {s['median_ms']} | {s['p90_ms']} |"
                         f" {s['max_ms']} | {s['over_16ms']} | {s['draw_median_ms']} / "
                         f"{s['draw_max_ms']} | {s['event_timing_over_16ms']} ({s['event_timing_max_ms']}) |")
    save(args.name, results, "\n".join(lines))


if __name__ == "__main__":
    main()
