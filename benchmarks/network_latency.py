"""Input-to-paint latency of the network explorer (notebook 08) in a real browser.

    .venv/bin/python benchmarks/network_latency.py               # static page and JupyterLab
    .venv/bin/python benchmarks/network_latency.py --clicks 80 --where lab

Static page (no kernel): ``--clicks`` clicks on cells of every map (forward, backward,
weight gradients, scores), one step of the backward pass after every second click (◀ / ▶),
and a change of digit among the stored ones after every eighth. JupyterLab (notebook 08
run, a kernel): the same, then ``--digits`` test digits the page does not store, typed
into the digit field (the kernel computes them with cnnlib and sends them), and a few
digits drawn with the mouse. The explorer records, per input, ``ms`` from the event's
timestamp to the first task after the next animation frame (the new picture painted),
``draw`` (its own redraw) and, for a kernel's digit, ``python`` (cnnlib's forward,
backward and packing in the kernel). Medians and maxima per kind of input go to
``benchmarks/results/network_latency.json`` and ``.md``. Needs Chromium, playwright and
npm, as the browser tests do (whose helpers it uses).
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import test_browser as T  # noqa: E402
import test_browser_network as N  # noqa: E402
from latency_report import latency_stats, save  # noqa: E402


def clicks_and_steps(page, box, clicks):
    page.evaluate("() => { globalThis.cnnlibLatency.length = 0; }")
    canvases = box.query_selector_all(".cnn-block canvas")
    picks = box.query_selector_all(".cnn-picks button")
    for k in range(clicks):
        canvas = canvases[(7 * k) % len(canvases)]
        canvas.scroll_into_view_if_needed()
        r = canvas.bounding_box()
        canvas.click(position={"x": r["width"] * ((k * 37) % 97) / 97, "y": r["height"] * ((k * 53) % 89) / 89})
        page.wait_for_timeout(40)
        if k % 2:
            button = box.query_selector(".cnn-prev" if (k // 2) % 9 < 4 else ".cnn-next")
            button.click()
            page.wait_for_timeout(40)
        if k % 8 == 7:
            picks[(k // 8) % len(picks)].click()
            page.wait_for_timeout(80)
    page.wait_for_timeout(300)


def kernel_digits(page, box, digits, drawings=4):
    field = box.query_selector(".cnn-index-input")
    for k in range(digits):
        index = 100 + 37 * k
        before = box.evaluate("el => el.dataset.key")
        field.fill(str(index))
        field.press("Enter")
        page.wait_for_function("([el, k, i]) => el.dataset.key !== k && el.dataset.key.startsWith(`t${i}|`)",
                               arg=[box, before, index], timeout=30_000)
        page.wait_for_timeout(60)
    pad = box.query_selector(".cnn-pad-canvas")
    for k in range(drawings):
        box.query_selector(".cnn-clear").click()
        pad.scroll_into_view_if_needed()
        r = pad.bounding_box()
        before = box.evaluate("el => el.dataset.key")
        page.mouse.move(r["x"] + 0.3 * r["width"], r["y"] + 0.2 * r["height"])
        page.mouse.down()
        for j in range(10):
            page.mouse.move(r["x"] + (0.3 + 0.04 * j) * r["width"], r["y"] + (0.2 + 0.06 * j + 0.01 * k) * r["height"])
        page.mouse.up()
        page.wait_for_function("([el, k]) => el.dataset.key !== k && el.dataset.key.startsWith('d')",
                               arg=[box, before], timeout=30_000)
        page.wait_for_timeout(60)
    page.wait_for_timeout(300)


def summary(page):
    rows = page.evaluate("() => globalThis.cnnlibLatency.filter(r => r.explorer === 'network explorer')")
    out = {}
    for what in sorted({r["what"] for r in rows}):
        ms = [r["ms"] for r in rows if r["what"] == what]
        draw = [r["draw"] for r in rows if r["what"] == what]
        python = [r["python"] for r in rows if r["what"] == what and "python" in r]
        out[what] = latency_stats(ms, draw)
        if python:
            out[what]["python_median_ms"] = round(statistics.median(python), 2)
            out[what]["python_max_ms"] = round(max(python), 2)
    return out


def measure_static(browser, folder, clicks):
    from cnnlib.explorers.static import static_html

    page_path = static_html(N.NOTEBOOK, folder)
    server = T.StaticServer(folder)
    context, page, box, refused, errors = N.open_net_offline(browser, server.url + page_path.name, 1280)
    try:
        assert not refused and not errors, (refused, errors)
        clicks_and_steps(page, box, clicks)
        return summary(page)
    finally:
        context.close()
        server.stop()


def measure_lab(browser, folder, clicks, digits):
    import shutil

    lab = T.Lab(folder)
    try:
        lab.wait_ready()
        shutil.copy(N.NOTEBOOK, lab.notebooks / N.NOTEBOOK.name)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(60_000)
        T.open_and_run_all(lab, page, N.NOTEBOOK.name)
        box = N.wait_net(page)
        page.wait_for_function("el => el.cnnNetwork.kernel()", arg=box, timeout=30_000)
        clicks_and_steps(page, box, clicks)
        first = summary(page)
        page.evaluate("() => { globalThis.cnnlibLatency.length = 0; }")
        kernel_digits(page, box, digits)
        first.update(summary(page))
        context.close()
        return first
    finally:
        lab.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clicks", type=int, default=60)
    parser.add_argument("--digits", type=int, default=20, help="test digits through the kernel")
    parser.add_argument("--where", choices=["static", "lab", "both"], default="both")
    parser.add_argument("--name", default="network_latency")
    args = parser.parse_args(argv)
    results = {"clicks": args.clicks, "digits": args.digits, "when": time.strftime("%Y-%m-%d %H:%M")}
    with T.sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=T.CHROMIUM, headless=True, args=T.CHROMIUM_ARGS)
        try:
            with tempfile.TemporaryDirectory() as folder:
                if args.where in ("static", "both"):
                    results["static"] = measure_static(browser, Path(folder) / "s", args.clicks)
                if args.where in ("lab", "both"):
                    (Path(folder) / "l").mkdir()
                    results["lab"] = measure_lab(browser, Path(folder) / "l", args.clicks, args.digits)
        finally:
            browser.close()
    lines = ["| where | input | events | median ms | p90 ms | max ms | > 16 ms | draw median / max ms |"
             " kernel (cnnlib) median / max ms |", "|---|---|---|---|---|---|---|---|---|"]
    for where in ("static", "lab"):
        for what, s in results.get(where, {}).items():
            py = f"{s['python_median_ms']} / {s['python_max_ms']}" if "python_median_ms" in s else ""
            lines.append(f"| {where} | {what} | {s['events']} | {s['median_ms']} | {s['p90_ms']} | "
                         f"{s['max_ms']} | {s['over_16ms']} | {s['draw_median_ms']} / {s['draw_max_ms']} | {py} |")
    save(args.name, results, "\n".join(lines))


if __name__ == "__main__":
    main()
