"""The network explorer (notebook 08) in a real browser: the static page, JupyterLab, Voila.

The servers, the browser and the offline page come from ``test_browser.py``. Everywhere:
a click at each layer (forward and backward maps, the scores, the weight gradients), a
step through the backward pass, a digit change; after each, what the page holds and shows
is cnnlib's:

- the arrays the page draws (every stage's activations and deltas, every weight
  gradient) equal ``network_state``'s, float for float;
- the view of the clicked unit, which the browser computes from those arrays
  (``unitView`` in ``js/network.js``), equals ``network_unit``'s, number for number, and the
  numbers written on the page are ``sig3`` of them (the JS writer is checked against
  Python's on 3,000 numbers, ties included);
- each step's sentence is Python's (``step_texts``).

With a kernel (JupyterLab, Voila) also: a test digit that is not stored in the page, and a
digit drawn with the mouse, computed by the kernel (the kernel's explorer follows the
browser). Screenshots at 1024 and 1920 px go to ``tests/output/``.

Also, as a learner meets it: the keyboard picks a unit in a map (the arrow keys move a
cursor, across the gap between two maps; Enter picks), a score and a weight gradient; the
explanation of the clicked unit is written right under the row of maps clicked, and the
clicked map does not move; on a phone (390 px), light and dark, nothing sticks out, the page
does not scroll sideways, the readout is not cut and "8 of 9" stays on one line; its numbers
and texts keep WCAG contrast (``test_browser_access``'s measures).
"""
import html
import json
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import test_browser as T
import test_browser_access as A
from test_browser import browser, lab, page  # noqa: F401  (fixtures)

from cnnlib.explorers.network import NetworkExplorer
from cnnlib.explorers.network_state import PARAMS, SHAPES, STAGES, drawn_digit
from cnnlib.explorers.network_steps import step_texts
from cnnlib.explorers.network_units import network_unit, prob3, sig3

NOTEBOOK = T.ROOT / "notebooks" / "08_watch_the_backward_pass.ipynb"
BOX = ".cnn-network"


@pytest.fixture(scope="module")
def ex():
    return NetworkExplorer()


def wait_net(page, timeout=60_000):
    page.wait_for_function("() => { const el = document.querySelector('.cnn-network');"
                           " return el && el.dataset.key && el.querySelector('canvas'); }",
                           timeout=timeout)
    return page.query_selector(BOX)


def values_of(box):
    return json.loads(box.evaluate("el => el.dataset.values"))


def text_of(fragment):
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def check_arrays(box, ex, values):
    """Every array the page draws for ``values`` is cnnlib's."""
    s = ex.state_for(values)
    got = box.evaluate("""(el, names) => {
        const n = el.cnnNetwork, out = {};
        for (const s of names.stages) { out['fwd:' + s] = n.array('fwd', s); out['bwd:' + s] = n.array('bwd', s); }
        for (const p of names.params) { out['grad:' + p] = n.array('grad', p); out['w:' + p] = n.array('w', p); }
        out.softmax = n.array('fwd', 'softmax');
        return out;
    }""", {"stages": list(STAGES), "params": list(PARAMS)})
    for name in STAGES:
        np.testing.assert_array_equal(np.array(got[f"fwd:{name}"], np.float32), s.act[name].ravel())
        np.testing.assert_array_equal(np.array(got[f"bwd:{name}"], np.float32), s.delta[name].ravel())
    for k in PARAMS:
        np.testing.assert_array_equal(np.array(got[f"grad:{k}"], np.float32), s.grads[k].ravel())
        np.testing.assert_array_equal(np.array(got[f"w:{k}"], np.float32), s.params[k].ravel())
    np.testing.assert_array_equal(np.array(got["softmax"], np.float32), s.probs)


def check_unit(box, ex, values):
    """The clicked unit: the browser's view (its sums) = ``network_unit``; the page's numbers."""
    s = ex.state_for(values)
    view = box.evaluate("(el, v) => el.cnnNetwork.unitView(v.stage, v.unit)", values)
    assert view == network_unit(s, values["stage"], values["unit"]), values
    shown = box.evaluate("""el => Object.fromEntries(['cnn-v', 'cnn-d', 'cnn-up-total', 'cnn-sum-total']
        .map(c => [c, (el.querySelector('.cnn-net-unit .' + c) || {}).textContent || null]))""")
    assert shown["cnn-v"] == sig3(view["value"])
    revealed = shown["cnn-d"] is not None
    if revealed:
        assert shown["cnn-d"] == sig3(view["delta"])
        assert shown["cnn-sum-total"] == (sig3(view["sum"]["total"]) if view.get("sum") else None)
    if view["up"] is not None:
        assert shown["cnn-up-total"] == sig3(view["up"]["total"])
    readout = box.query_selector(".cnn-readout").inner_text()
    assert text_of(step_texts(s, ex.label_of(values["digit"]))[values["step"]]) in readout


def click_map(page, box, direction, name, m, r, c):
    """Click cell (r, c) of map ``m`` of the ``direction`` ("fwd", "bwd", "grad") block of
    ``name``; returns the page's values after the click."""
    canvas = box.query_selector(f'.cnn-block[data-dir="{direction}"][data-array="{name}"] canvas')
    canvas.scroll_into_view_if_needed()
    size = canvas.evaluate("c => [c.width, c.height, c.getBoundingClientRect().width, "
                           "c.getBoundingClientRect().height, +c.dataset.nr, +c.dataset.nc, "
                           "+c.dataset.cols]")
    cw, ch = size[2] / size[0], size[3] / size[1]
    nr, nc, cols = size[4:]
    r, c = r + (m // cols) * (nr + 1), c + (m % cols) * (nc + 1)   # the maps of a block, a cell apart
    before = box.evaluate("el => el.dataset.values")
    canvas.click(position={"x": (c + 0.5) * cw, "y": (r + 0.5) * ch})
    page.wait_for_function("([el, k]) => el.dataset.values !== k", arg=[box, before])
    return values_of(box)


def check_clicks_at_each_layer(page, box, ex):
    """A click on a forward and a backward map of every stage, the scores and every weight
    gradient: the unit selected is the one under the mouse, its view is cnnlib's."""
    for name in STAGES[:-1]:
        c, h, w = (1, 10, 25) if name == "flatten1" else SHAPES[name]
        for direction, m, r, col in (("fwd", c - 1, h // 2, w // 3), ("bwd", 0, h // 3, w // 2)):
            values = click_map(page, box, direction, name, m, r, col)
            expect = r * 25 + col if name == "flatten1" else int(np.ravel_multi_index((m, r, col), SHAPES[name]))
            assert (values["stage"], values["unit"]) == (name, expect)
            check_unit(box, ex, values)
    before = box.evaluate("el => el.dataset.values")
    box.query_selector('.cnn-vrow[data-k="7"] .cnn-vhit').click()
    page.wait_for_function("([el, k]) => el.dataset.values !== k", arg=[box, before])
    assert (values_of(box)["stage"], values_of(box)["unit"]) == ("fc1", 7)
    check_unit(box, ex, values_of(box))
    for name, (m, r, c) in (("conv1.w", (2, 1, 2)), ("conv2.w", (29, 3, 0)), ("fc1.w", (0, 4, 120)),
                            ("conv2.b", (0, 0, 6))):
        values = click_map(page, box, "grad", name, m, r, c)
        assert values["stage"] == name
        check_unit(box, ex, values)
    assert values_of(box)["unit"] == 6


def check_steps(page, box, ex):
    """Step back from 9 to 0 with ◀ and forward again with ▶: each step's sentence is
    Python's, the deltas of later steps are hidden, the clicked unit's view still cnnlib's."""
    values = values_of(box)
    hidden = []
    for direction, button in ((-1, ".cnn-prev"), (1, ".cnn-next")):
        for _ in range(9):
            before = box.evaluate("el => el.dataset.values")
            box.query_selector(button).click()
            page.wait_for_function("([el, k]) => el.dataset.values !== k", arg=[box, before])
            values = values_of(box)
            check_unit(box, ex, values)
            hidden.append(box.evaluate("el => el.querySelectorAll('.cnn-hidden-step').length"))
    assert values["step"] == 9
    assert hidden[8] == 8 + 3 + 3 and hidden[-1] == 0   # step 0: every delta and gradient hidden


def check_digit_change(page, box, ex, index_in_picker=3):
    before = box.evaluate("el => el.dataset.values")
    button = box.query_selector_all(".cnn-picks button")[index_in_picker]
    button.click()
    page.wait_for_function("([el, k]) => el.dataset.values !== k", arg=[box, before])
    values = values_of(box)
    assert values["digit"] == ex.precomputed[index_in_picker] and values["target"] == -1
    check_arrays(box, ex, values)
    check_unit(box, ex, values)
    return values


def check_colours(box, ex, values):
    """The colour of cells of every block is ``_svg.colour`` (the colour map every explorer
    shares) of cnnlib's number there, on the block's scale: the picture shows cnnlib's maps."""
    from cnnlib.explorers._svg import colour

    s = ex.state_for(values)
    got = box.evaluate("""el => [...el.querySelectorAll('.cnn-block')].map(b => {
        const c = b.querySelector('canvas'), g = c.getContext('2d');
        const nr = +c.dataset.nr, nc = +c.dataset.nc, cols = +c.dataset.cols;
        const cells = [[0, 0], [Math.floor(nr / 2), Math.floor(nc / 2)], [nr - 1, nc - 1]];
        return {dir: b.dataset.dir, name: b.dataset.array, hidden: b.classList.contains('cnn-hidden-step'),
                scale: el.cnnNetwork.scale(b.dataset.dir, b.dataset.array),
                px: cells.map(([r, q]) => [r, q, [...g.getImageData(q, r, 1, 1).data.slice(0, 3)]])};
    })""")
    assert len(got) == 2 * 8 + 6
    for blk in got:
        if blk["hidden"]:
            continue
        lo, hi, signed = blk["scale"]
        name = blk["name"]
        a = (s.act if blk["dir"] == "fwd" else s.delta if blk["dir"] == "bwd" else s.grads)[name]
        if signed:                    # the block's scale: symmetric, or 0..max
            m = max(float(np.abs(a).max()), 1e-12)
            assert (lo, hi) == (-m, m), name
        else:
            low = min(0.0, float(a.min()))
            assert (lo, hi) == (low, float(a.max()) if a.max() > low else low + 1), name
        for r, q, rgb in blk["px"]:   # cells of the first map of the block
            if name == "fc1.w":
                v = a[q, r]                  # drawn transposed: a row per class
            elif name == "flatten1":
                v = a[r * 25 + q]
            else:
                v = a.reshape(-1, a.shape[-2], a.shape[-1])[0, r, q] if a.ndim >= 3 else a[q]
            assert tuple(rgb) == colour(float(v), lo, hi, bool(signed)), (blk["dir"], name, r, q)


def check_keyboard(page, box, ex):
    """Keyboard only: a unit of conv2's deltas (the cursor crosses from map 0 to map 1), a
    score, an entry of ∂E/∂W fc; the cursor and the focus ring show; the view is cnnlib's."""
    home = ["Home", "PageUp"]   # the cursor to the first cell (first column, first row)
    picks = [('.cnn-block[data-dir="bwd"][data-array="conv2"] .cnn-map',
              home + ["ArrowRight"] * 10 + ["ArrowDown"] * 2, ("conv2", 120)),   # map 1, row 2, col 0
             (".cnn-vector", home + ["ArrowDown"] * 3, ("fc1", 3)),
             ('.cnn-block[data-dir="grad"][data-array="fc1.w"] .cnn-map', home + ["ArrowRight"] * 5,
              ("fc1.w", 50))]   # W[5, 0]: row 0 (class 0), column 5
    for selector, keys, want in picks:
        target = box.query_selector(selector)
        target.scroll_into_view_if_needed()
        target.focus()
        for key in keys:
            page.keyboard.press(key)
        ring = target.evaluate("""t => ({outline: getComputedStyle(t).outlineStyle,
            cursor: t.querySelector('.cnn-kcursor') ? getComputedStyle(t.querySelector('.cnn-kcursor')).display
                    : t.querySelectorAll('.cnn-vrow.cnn-kfocus').length ? 'row' : 'none'})""")
        assert ring["outline"] != "none" and ring["cursor"] != "none", (selector, ring)
        before = box.evaluate("el => el.dataset.values")
        page.keyboard.press("Enter")
        page.wait_for_function("([el, k]) => el.dataset.values !== k", arg=[box, before])
        values = values_of(box)
        assert (values["stage"], values["unit"]) == want, (selector, values)
        check_unit(box, ex, values)


UNDER = """(el, stage) => {
    const col = el.querySelector(`.cnn-stage[data-stage="${stage}"]`);
    const row = [...el.querySelectorAll('.cnn-net-maps > .cnn-stage')]
      .filter(c => c.offsetTop === col.offsetTop);
    const bottom = Math.max(...row.map(c => c.getBoundingClientRect().bottom));
    return el.querySelector('.cnn-net-unit').getBoundingClientRect().top - bottom;
}"""


def check_explanation_under_the_click(page, box, ex):
    """After a click, the clicked unit's explanation starts right under the row of maps
    that holds it, and the clicked map has not moved on the screen."""
    for direction, name, stage, cell in (("bwd", "conv2", "conv2", (3, 2, 2)),
                                         ("fwd", "conv1", "conv1", (0, 5, 5)),
                                         ("grad", "conv2.w", "grads", (4, 1, 1)),
                                         ("bwd", "maxpool1", "maxpool1", (1, 6, 6))):
        canvas = box.query_selector(f'.cnn-block[data-dir="{direction}"][data-array="{name}"] canvas')
        canvas.scroll_into_view_if_needed()
        top = canvas.evaluate("c => c.getBoundingClientRect().top")
        values = click_map(page, box, direction, name, *cell)
        assert values["stage"] == name
        gap = box.evaluate(UNDER, stage)
        assert 0 <= gap <= 20, (name, gap)
        assert abs(canvas.evaluate("c => c.getBoundingClientRect().top") - top) <= 1, name
        check_unit(box, ex, values)


def check_number_writer(box):
    rng = np.random.default_rng(0)
    numbers = np.concatenate([rng.normal(size=1000) * 10.0 ** rng.integers(-9, 6, size=1000),
                              rng.normal(size=1000).astype(np.float32),
                              np.round(rng.normal(size=800) * 1000) / 8,     # exact ties: x.xx5
                              [0.0, -0.0, 1.125, 0.125, 2.5, 999.5, 1e-5, 9.995e-5, 1e3, 0.0001]])
    numbers = [float(v) for v in numbers]
    got = box.evaluate("(el, xs) => xs.map(el.cnnNetwork.fmt3)", numbers)
    assert got == [sig3(v) for v in numbers]
    # probabilities: never "1" for less than 1 (float32 softmax outputs near 1, and others)
    probs = [float(np.float32(1 - 10.0 ** -e)) for e in np.linspace(2.5, 7.5, 200)]
    probs += [float(v) for v in rng.uniform(0, 1, 300).astype(np.float32)] + [1.0, 0.0, 0.9995]
    got = box.evaluate("(el, xs) => xs.map(el.cnnNetwork.fmtP)", probs)
    assert got == [prob3(v) for v in probs]
    assert all(t != "1" for t, v in zip(got, probs) if v < 1)


# ----------------------------------------------------------------- the static page

@pytest.fixture(scope="module")
def static_net(tmp_path_factory):
    if shutil.which("npm") is None:
        pytest.skip("the static page needs npm to fetch require.js and the widget manager")
    from cnnlib.explorers.static import static_html

    folder = tmp_path_factory.mktemp("static_net")
    page_path = static_html(NOTEBOOK, folder)
    server = T.StaticServer(folder)
    yield server.url + page_path.name
    server.stop()


def open_net_offline(browser, url, width):  # noqa: F811
    """``test_browser.open_offline`` for notebook 08's page: also returns the explorer's box."""
    context, pg, refused, errors = T.open_offline(browser, url, width, wait=lambda page: None)
    return context, pg, wait_net(pg), refused, errors


def test_network_explorer_on_the_static_page(browser, static_net, ex):  # noqa: F811
    """No kernel: the 8 stored digits; clicks at every layer, the steps, a digit change, a
    label change on the first digit, and the labels that need a kernel refused."""
    context, pg, box, refused, errors = open_net_offline(browser, static_net, 1280)
    try:
        assert box.evaluate("el => el.cnnNetwork.kernel()") is False
        values = values_of(box)
        assert values == ex.values
        check_arrays(box, ex, values)
        check_number_writer(box)
        check_clicks_at_each_layer(pg, box, ex)
        check_explanation_under_the_click(pg, box, ex)
        check_keyboard(pg, box, ex)
        check_steps(pg, box, ex)
        # a label of the first digit: all ten are stored
        before = box.evaluate("el => el.dataset.values")
        box.query_selector('.cnn-targets button[data-t="4"]').click()
        pg.wait_for_function("([el, k]) => el.dataset.values !== k", arg=[box, before])
        check_arrays(box, ex, values_of(box))
        check_unit(box, ex, values_of(box))
        check_colours(box, ex, values_of(box))
        for k in range(len(ex.precomputed)):           # every digit stored in the page
            values = check_digit_change(pg, box, ex, k)
        # another digit's other labels are not in the page: disabled, and nothing changes
        assert box.evaluate("el => el.querySelector('.cnn-targets button[data-t=\"0\"]').disabled")
        # many units at once: the browser's sums are cnnlib's
        sample = [(s, k) for s in list(STAGES) + list(PARAMS)
                  for k in range(0, int(np.prod(SHAPES.get(s) or ex.state.params[s].shape)), 97)]
        views = box.evaluate("(el, units) => units.map(([s, k]) => el.cnnNetwork.unitView(s, k))", sample)
        state = ex.state_for(values)
        for (s, k), view in zip(sample, views):
            assert view == network_unit(state, s, k), (s, k)
        latency = pg.evaluate("() => globalThis.cnnlibLatency.map(r => [r.what, r.ms])")
        assert {"click", "step", "digit", "label"} <= {w for w, _ in latency}
        assert not refused and not errors, (refused, errors)
    finally:
        context.close()


@pytest.mark.parametrize("width", [1024, 1920])
def test_network_explorer_layout_and_screenshots(browser, static_net, width):  # noqa: F811
    """At 1024 and 1920 px: nothing wider than the notebook's output, numbers legible;
    screenshots of the explorer after a click on a conv2 delta."""
    context, pg, box, refused, errors = open_net_offline(browser, static_net, width)
    try:
        click_map(pg, box, "bwd", "maxpool1", 1, 6, 6)
        T.OUTPUT.mkdir(exist_ok=True)
        box.screenshot(path=str(T.OUTPUT / f"static_network_explorer_{width}px.png"))
        fit = box.evaluate("""el => {
            const edge = el.getBoundingClientRect().right;
            const right = Math.max(...[...el.querySelectorAll('canvas, svg, .cnn-stage-title')]
              .map(e => e.getBoundingClientRect().right));
            const fonts = [...el.querySelectorAll('text, td, .cnn-readout')]
              .map(t => parseFloat(getComputedStyle(t).fontSize));
            return {edge, right, small: Math.min(...fonts)};
        }""")
        assert fit["right"] <= fit["edge"] + 1, fit
        assert fit["small"] >= 10, fit
        assert not refused and not errors, (refused, errors)
    finally:
        context.close()


# ----------------------------------------------------------------- with a kernel

def check_kernel_digit_and_drawing(page, box, ex):
    """A test digit the page does not store, then a digit drawn with the mouse: the kernel
    computes them; the page's arrays are cnnlib's for them."""
    box.evaluate("el => { globalThis.cnnlibLatency.length = 0; }")
    before = box.evaluate("el => el.dataset.key")
    field = box.query_selector(".cnn-index-input")
    field.fill("500")
    field.press("Enter")
    page.wait_for_function("([el, k]) => el.dataset.key !== k && el.dataset.key.startsWith('t500|')",
                           arg=[box, before], timeout=30_000)
    values = values_of(box)
    assert values["digit"] == 500
    check_arrays(box, ex, values)
    check_unit(box, ex, values)
    box.query_selector('.cnn-targets button[data-t="3"]').click()   # a label not in the page
    page.wait_for_function("el => el.dataset.key.startsWith('t500|3|')", arg=box, timeout=30_000)
    check_arrays(box, ex, values_of(box))
    check_unit(box, ex, values_of(box))
    pad = box.query_selector(".cnn-pad-canvas")
    pad.scroll_into_view_if_needed()
    r = pad.bounding_box()
    page.mouse.move(r["x"] + 0.5 * r["width"], r["y"] + 0.2 * r["height"])
    page.mouse.down()
    for k in range(12):   # a vertical stroke: a "1"
        page.mouse.move(r["x"] + (0.5 - 0.01 * k) * r["width"], r["y"] + (0.2 + 0.05 * k) * r["height"])
    page.mouse.up()
    page.wait_for_function("el => el.dataset.key.startsWith('d')", arg=box, timeout=30_000)
    values = values_of(box)
    ink = box.evaluate("el => el.cnnNetwork.ink()")
    ex.drawn, ex.drawings = drawn_digit(np.array(ink, np.float64).reshape(28, 28)), values["drawing"]
    ex._cache.clear()
    check_arrays(box, ex, values)
    check_unit(box, ex, values)
    latency = box.evaluate("el => globalThis.cnnlibLatency.filter(r => r.what.startsWith('kernel'))"
                           ".map(r => [r.what, r.ms])")
    assert {w for w, _ in latency} == {"kernel digit", "kernel label", "kernel draw"}, latency
    return latency


def test_network_explorer_in_jupyterlab(lab, page, ex):  # noqa: F811
    """Notebook 08, Run All in JupyterLab: clicks at every layer, the steps, a stored digit,
    a test digit and a drawing computed by the kernel; the kernel's explorer follows."""
    shutil.copy(NOTEBOOK, lab.notebooks / NOTEBOOK.name)
    T.open_and_run_all(lab, page, NOTEBOOK.name)
    box = wait_net(page)
    box.scroll_into_view_if_needed()
    page.wait_for_function("el => el.cnnNetwork.kernel()", arg=box, timeout=30_000)
    check_clicks_at_each_layer(page, box, ex)
    check_steps(page, box, ex)
    check_digit_change(page, box, ex)
    check_kernel_digit_and_drawing(page, box, ex)
    T.OUTPUT.mkdir(exist_ok=True)
    box.screenshot(path=str(T.OUTPUT / "lab_network_explorer.png"))
    shown = values_of(box)
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").last.locator(
        ".jp-InputArea-prompt").click()   # (not the explorer: a click there picks a cell)
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    page.keyboard.press("Enter")
    page.keyboard.insert_text("import json; print('SYNCED' + json.dumps([o for o in Out.values() "
                              "if type(o).__name__ == 'NetworkExplorer'][0].values))")
    page.keyboard.press("Shift+Enter")
    out = page.locator(".jp-OutputArea-output", has_text="SYNCED")
    out.wait_for(timeout=30_000)
    assert json.loads(out.inner_text().strip()[len("SYNCED"):]) == shown


def test_network_explorer_before_run_all(lab, page, ex):  # noqa: F811
    """Notebook 08 opened without running: untrusted, the explorer's output is its still
    picture and a line to run the cell; trusted, it is interactive from the saved state
    (no kernel behind it: the stored digits), with cnnlib's numbers."""
    import secrets

    for name in ("unrun08.ipynb", "trusted08.ipynb"):
        shutil.copy(NOTEBOOK, lab.notebooks / name)
    page.goto(lab.url(f"lab/workspaces/t{secrets.token_hex(4)}/tree/unrun08.ipynb"))
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell")
    # the explorer's output: its still picture (the notebook's own figures are PNG outputs too)
    page.wait_for_function("() => [...document.querySelectorAll('.jp-OutputArea-output')].some(e => "
                           "e.querySelector('img[src^=\"data:image/png\"]') && "
                           "e.textContent.includes('network explorer'))", timeout=30_000)
    still = page.locator(".jp-OutputArea-output", has=page.locator("img[src^='data:image/png']"),
                         has_text="network explorer").first
    still.scroll_into_view_if_needed()
    text = still.evaluate("e => e.textContent")   # (Lab's windowing may not lay it out yet)
    assert "network explorer: a still picture. Run this cell" in text, text
    assert "the network reads 9" in text and "NetworkExplorer(" not in text
    assert not page.query_selector(BOX)
    subprocess.run([sys.executable, "-m", "jupyter", "trust", str(lab.notebooks / "trusted08.ipynb")],
                   check=True, capture_output=True, timeout=60,
                   env=dict(T.os.environ, HOME=str(lab.root / "home")))
    page.goto(lab.url(f"lab/workspaces/t{secrets.token_hex(4)}/tree/trusted08.ipynb"))
    box = wait_net(page)
    box.scroll_into_view_if_needed()
    assert box.evaluate("el => el.cnnNetwork.kernel()") is False
    check_arrays(box, ex, values_of(box))
    values = click_map(page, box, "bwd", "relu2", 7, 4, 4)
    check_unit(box, ex, values)
    check_digit_change(page, box, ex, 5)


def test_network_explorer_in_voila(browser, tmp_path, ex):  # noqa: F811
    """Notebook 08 as a Voila app: a click, a step, a test digit computed by the kernel."""
    with T.voila_app(browser, NOTEBOOK, tmp_path) as pg:
        box = wait_net(pg, timeout=90_000)
        pg.wait_for_function("el => el.cnnNetwork.kernel()", arg=box, timeout=30_000)
        values = click_map(pg, box, "bwd", "conv2", 4, 3, 5)
        check_unit(box, ex, values)
        before = box.evaluate("el => el.dataset.values")
        box.query_selector(".cnn-prev").click()
        pg.wait_for_function("([el, k]) => el.dataset.values !== k", arg=[box, before])
        check_unit(box, ex, values_of(box))
        field = box.query_selector(".cnn-index-input")
        field.fill("123")
        field.press("Enter")
        pg.wait_for_function("el => el.dataset.key.startsWith('t123|')", arg=box, timeout=30_000)
        check_arrays(box, ex, values_of(box))
        T.OUTPUT.mkdir(exist_ok=True)
        pg.screenshot(path=str(T.OUTPUT / "voila_network_explorer.png"))


# ----------------------------------------------------------------- a phone, light and dark

NET_CONTRAST = """el => {""" + A.WCAG + """
  const bg = background(el), numbers = [], texts = [];
  el.querySelectorAll('.cnn-vector text.cnn-vnum').forEach(t => {
    const cell = t.previousElementSibling;
    if (!cell || !cell.matches('rect.cnn-vcell')) return;
    const c = rgba(getComputedStyle(cell).fill);
    numbers.push(['score', t.textContent, ratio(over(rgba(getComputedStyle(t).fill), c), c)]);
  });
  el.querySelectorAll('.cnn-stage-title, .cnn-block-title, .cnn-readout, .cnn-tip, .cnn-label, '
                      + '.cnn-net-unit, .cnn-terms td, .cnn-stepper output, .cnn-vector text:not(.cnn-vnum), '
                      + '.cnn-net-norms text').forEach(n => {
    if (!n.getClientRects().length || !n.textContent.trim()) return;
    const b = background(n.closest('svg') ? n.closest('svg').parentElement : n);
    const colour = n instanceof SVGElement ? getComputedStyle(n).fill : getComputedStyle(n).color;
    texts.push([n.getAttribute('class') + ' ' + n.textContent.slice(0, 30), ratio(over(rgba(colour), b), b)]);
  });
  return {numbers, texts, outlines: [], background: lum(bg)};
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_network_explorer_on_a_phone(browser, static_net, ex, theme):  # noqa: F811
    """390 px: nothing sticks out of the explorer (∂E/∂W fc in bands), the page does not
    scroll sideways, the readout is not cut, "9 of 9" stays on one line; a tap on a map
    and the keyboard pick units, the explanation under the row tapped; contrast holds."""
    context, pg, box, refused, errors = open_net_offline(browser, static_net, 390)
    try:
        if theme == "dark":
            A.dark_page(pg)
        fit = box.evaluate(A.FITS)
        assert fit == A.FIT, fit
        assert box.evaluate("el => el.querySelector('.cnn-block[data-array=\"fc1.w\"] "
                            "canvas').dataset.cols") == "1"
        A.check_contrast([box.evaluate(NET_CONTRAST)], ("390 px", theme), theme == "dark")
        assert box.evaluate(A.UNNAMED) == {"unnamed": [], "silent": []}
        check_explanation_under_the_click(pg, box, ex)
        values = click_map(pg, box, "grad", "fc1.w", 1, 3, 10)   # the second band
        assert values["stage"] == "fc1.w" and values["unit"] == (125 + 10) * 10 + 3
        check_unit(box, ex, values)
        check_keyboard(pg, box, ex)
        fit = box.evaluate(A.FITS)
        assert fit == A.FIT, fit
        A.check_contrast([box.evaluate(NET_CONTRAST)], ("390 px", theme), theme == "dark")
        T.OUTPUT.mkdir(exist_ok=True)
        box.screenshot(path=str(T.OUTPUT / f"static_network_explorer_390px_{theme}.png"))
        assert not refused and not errors, (refused, errors)
    finally:
        context.close()


def test_network_explorer_in_jupyterlab_dark(lab, page, ex):  # noqa: F811
    """JupyterLab Dark, notebook 08 trusted and not run (the saved state): the explorer draws
    on the dark background with its contrast kept, and the keyboard picks units."""
    import secrets

    settings = lab.root / "home"
    for part in A.THEME_SETTINGS:
        settings = settings / part
    settings.write_text('{"theme": "JupyterLab Dark"}')
    try:
        name = "dark08.ipynb"
        shutil.copy(NOTEBOOK, lab.notebooks / name)
        subprocess.run([sys.executable, "-m", "jupyter", "trust", str(lab.notebooks / name)],
                       check=True, capture_output=True, timeout=60,
                       env=dict(T.os.environ, HOME=str(lab.root / "home")))
        page.goto(lab.url(f"lab/workspaces/t{secrets.token_hex(4)}/tree/{name}"))
        box = wait_net(page)
        box.scroll_into_view_if_needed()
        assert page.evaluate("() => document.body.dataset.jpThemeLight") == "false"
        A.check_contrast([box.evaluate(NET_CONTRAST)], "JupyterLab Dark", dark=True)
        check_keyboard(page, box, ex)
        T.OUTPUT.mkdir(exist_ok=True)
        box.screenshot(path=str(T.OUTPUT / "lab_dark_network_explorer.png"))
    finally:
        settings.unlink()
