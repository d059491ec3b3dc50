"""The explorers in a real browser (headless Chromium driven by Playwright), everywhere they live.

- **JupyterLab**: a notebook with the four explorers, and the course's notebook 00
  (copies in a temporary folder), run top to bottom; each explorer answers a keyboard
  move of a slider and a click on a cell, and what it then draws (every number of
  every panel, the readout) is what the Python explorer shows for the same controls.
- **Before Run All**: the same notebook, executed but not run in this session and not
  trusted, shows each explorer's still picture (an SVG image) and a line saying to run
  the cell, never a ``VBox(...`` repr line; trusted, its explorers are interactive from
  the saved widget state, with nothing run.
- **Static page**: nbconvert's HTML of the executed notebook, served on 127.0.0.1 with
  every script vendored into the temporary folder (``cnnlib.explorers.static``); any
  request elsewhere is refused and fails the test. With no kernel, each explorer is
  swept over its controls (every geometry, every view, sampled positions), and what is
  drawn is compared with cnnlib's numbers; screenshots at 1024 and 1920 px and at
  device scale 2; at 1024 px no control is cramped and no number is under 9 px.
- **Voila**: the notebook served as an app; an explorer answers a slider.

Screenshots go to ``tests/output/`` (gitignored). How the servers are run (fresh HOME,
token, free port, own process group; Run All only once the kernel is idle and
connected): see the project notes. Skipped, with the reason, where ``/usr/bin/chromium``
or the ``playwright`` package is missing; the static-page tests also need npm.
"""
import contextlib
import html
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from cnnlib import explorers as X

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[1]
COURSE_NOTEBOOK = ROOT / "notebooks" / "00_start_here.ipynb"
OUTPUT = Path(__file__).resolve().parent / "output"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

if not os.path.exists(CHROMIUM):
    pytest.skip(f"browser tests need Chromium at {CHROMIUM} (Debian: apt-get install chromium)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="browser tests need the playwright Python package "
                                      "(pip install -e '.[browser]')")

# the explorers of the test notebook: (code, class, constructor arguments)
EXPLORERS = [("gradient_flow_explorer()", X.GradientFlowExplorer),
             ("conv_arithmetic_explorer()", X.ConvArithmeticExplorer),
             ("pooling_explorer()", X.PoolingExplorer),
             ("im2row_explorer()", X.Im2rowExplorer)]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A JupyterLab server on a temporary folder; ``url(path)`` and ``api(path)`` talk to it."""

    def __init__(self, root):
        self.root = root
        self.port = _free_port()
        self.token = secrets.token_hex(16)
        home = root / "home"
        settings = home / "lab-settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True)
        # no "Jupyter news" toast over the screenshots, no update check
        (settings / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False}))
        self.notebooks = root / "notebooks"
        self.notebooks.mkdir()
        env = dict(os.environ, HOME=str(home), JUPYTERLAB_SETTINGS_DIR=str(home / "lab-settings"),
                   JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"), MPLBACKEND="Agg")
        for var in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR"):
            env.pop(var, None)
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
               f"--port={self.port}", f"--IdentityProvider.token={self.token}",
               f"--notebook-dir={self.notebooks}", "--ServerApp.port_retries=0"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        self.log = open(root / "jupyter.log", "wb")
        self.proc = subprocess.Popen(cmd, cwd=self.notebooks, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}/{path}?token={self.token}"

    def api(self, path):
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/api/{path}",
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=5) as resp:
            return json.loads(resp.read())

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.proc.returncode}:\n"
                                   f"{self.tail()}")
            try:
                self.api("status")
                return
            except OSError:
                time.sleep(0.3)
        raise TimeoutError(f"jupyter lab did not answer within {timeout} s:\n{self.tail()}")

    def wait_kernel_idle(self, name, timeout=60):
        """Until the notebook's session has a kernel that is idle and connected."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for session in self.api("sessions"):
                kernel = session.get("kernel") or {}
                if (session.get("path", "").endswith(name)
                        and kernel.get("execution_state") == "idle"
                        and kernel.get("connections", 0) >= 1):
                    return
            time.sleep(0.3)
        raise TimeoutError(f"no idle, connected kernel for {name} within {timeout} s: "
                           f"{self.api('sessions')}")

    def tail(self):
        self.log.flush()
        return (self.root / "jupyter.log").read_bytes()[-3000:].decode(errors="replace")

    def stop(self):
        """Stop the server and its kernels: the whole process group."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        try:  # kernels left in the group after the server itself exited
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.log.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    server = Lab(tmp_path_factory.mktemp("lab"))
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def open_and_run_all(lab, page, name):
    """Open notebook ``name`` in Lab, wait for its kernel, Run All, wait for all cells to end."""
    page.goto(lab.url(f"lab/workspaces/t{secrets.token_hex(4)}/tree/{name}"))  # a fresh workspace
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell")
    lab.wait_kernel_idle(name)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator("li[data-command='runmenu:run-all']").click()
    # every code cell gets an execution count: no "[ ]:" nor "[*]:" prompt left
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll(
                '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputArea-prompt')];
            return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""", timeout=60_000)
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    tracebacks = [t for t in errors.all_inner_texts() if "Traceback" in t or "Error" in t]
    assert not tracebacks, f"{name} raised while running: {tracebacks[:1]}"


def make_notebook(folder, name="explorers.ipynb"):
    """A notebook with the four explorers, executed by nbconvert (widget state saved)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("from cnnlib.explorers import (conv_arithmetic_explorer, "
                                          "gradient_flow_explorer, im2row_explorer, "
                                          "pooling_explorer)")]
    nb.cells += [nbformat.v4.new_code_cell(code) for code, _ in EXPLORERS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = Path(folder) / name
    nbformat.write(nb, str(path))
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                    "--inplace", str(path)], check=True, capture_output=True, timeout=300,
                   env=dict(os.environ, MPLBACKEND="Agg"))
    return path


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    return make_notebook(tmp_path_factory.mktemp("executed"))


# ----------------------------------------------------------------- reading what is drawn

READ = """el => {
  const panels = [...el.querySelectorAll('svg.cnn-panel')].map(svg => {
    const cells = [...svg.querySelectorAll('rect.cnn-cell')];
    const nr = 1 + Math.max(...cells.map(r => +r.dataset.r));
    const nc = 1 + Math.max(...cells.map(r => +r.dataset.c));
    const grid = Array.from({length: nr}, () => Array(nc).fill(''));
    svg.querySelectorAll('text.v').forEach(t => { grid[+t.dataset.r][+t.dataset.c] = t.textContent; });
    const cell = +cells[0].getAttribute('width'), x0 = +cells[0].getAttribute('x'),
          y0 = +cells[0].getAttribute('y');
    const boxes = [...svg.querySelectorAll('rect.cnn-box')].map(b => [   // back to cells
      Math.round((+b.getAttribute('y') - 2 - y0) / cell),
      Math.round((+b.getAttribute('x') - 2 - x0) / cell),
      Math.round((+b.getAttribute('height') + 4) / cell),
      Math.round((+b.getAttribute('width') + 4) / cell), b.getAttribute('stroke')]);
    const marks = [...svg.querySelectorAll('path.cnn-mark')]   // crosses: two strokes each
      .reduce((n, p) => n + p.getAttribute('d').match(/M/g).length / 2, 0);
    return {n: svg.dataset.panel, t: svg.querySelector('.cnn-title').textContent,
            g: grid.map(r => r.join(',')).join(';'), b: boxes, m: marks};
  });
  return {key: el.dataset.key, readout: el.querySelector('.cnn-readout').textContent,
          tip: el.querySelector('.cnn-tip').textContent, panels};
}"""

SET = """(el, changes) => {
  for (const [name, kind, v] of changes) {
    const row = el.querySelector(`.cnn-control[data-name="${name}"]`);
    if (kind === 'toggle') { row.querySelectorAll('button')[v].click(); continue; }
    const input = row.querySelector('input');
    input.value = v;
    input.dispatchEvent(new Event('input', {bubbles: true}));
  }
}"""

# many settings in one call: set each, read what is drawn
SWEEP = f"""(el, settings) => settings.map(changes => {{ ({SET})(el, changes); return ({READ})(el); }})"""


def text_of(fragment):
    """What the browser's textContent gives for Python's HTML readout."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def expected(ex, values):
    """What the Python explorer shows for ``values``, in the form READ returns."""
    ex.values = values
    return {"key": ex.key(ex.values), "readout": text_of(ex.readout), "tip": ex.tip,
            "panels": [{"n": p["n"], "t": p["t"], "g": p["g"], "b": [list(b) for b in p["b"]],
                        "m": len(p.get("m", []))} for p in ex.panels]}


def changes(ex, values):
    """The control moves that bring the page's explorer to ``values``: the mode and
    geometry first (they set the ranges), then the positions; toggles by option index."""
    order = ([ex.MODE] if ex.MODE else []) + ex.GEOMETRY
    order += [s["name"] for s in ex.CONTROLS if s["name"] not in order]
    out = []
    for name in order:
        spec = next(s for s in ex.CONTROLS if s["name"] == name)
        if spec["kind"] == "toggle":
            out.append([name, "toggle", [o[1] for o in spec["options"]].index(values[name])])
        else:
            out.append([name, spec["kind"], values[name]])
    return out


def boxes_of(page):
    return {b.evaluate("el => el.dataset.explorer"): b for b in
            page.locator(".cnn-explorer").element_handles()}


def wait_drawn(page, count=4, timeout=60_000):
    page.wait_for_function(f"() => document.querySelectorAll('.cnn-explorer .cnn-panel').length"
                           f" > 0 && document.querySelectorAll('.cnn-explorer[data-key]').length"
                           f" >= {count}", timeout=timeout)


def check_keyboard_and_click(page, box, cls):
    """Move the first visible slider one step with the keyboard, then click the first cell
    that has a pick; after each, what is drawn equals the Python explorer's view."""
    ex = cls()
    box.evaluate(SET, changes(ex, ex.values))   # start from the defaults
    assert box.evaluate(READ) == expected(ex, ex.values)
    slider = next(s for s in ex.CONTROLS if s["kind"] == "slider" and ex.limits(ex.values)
                  .get(s["name"], s["max"]) > ex.values[s["name"]] and s["name"] in ex.VISIBLE[
                      ex.values[ex.MODE] if ex.MODE else ""])
    before = box.evaluate("el => el.dataset.values")
    box.query_selector(f'.cnn-control[data-name="{slider["name"]}"] input').focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("([el, k]) => el.dataset.values !== k", arg=[box, before])
    ex.set(**{slider["name"]: ex.values[slider["name"]] + 1})
    assert box.evaluate(READ) == expected(ex, ex.values), slider["name"]
    index, p = next((i, p) for i, p in enumerate(ex.panels) if "k" in p)
    r, c = next((r, c) for r, row in enumerate(p["k"]) for c, hit in enumerate(row)
                if hit and any(ex.values[k] != v for k, v in hit.items()))
    before = box.evaluate("el => el.dataset.values")
    box.query_selector(f'svg.cnn-panel[data-i="{index}"] rect.cnn-cell[data-r="{r}"]'
                       f'[data-c="{c}"]').click()
    page.wait_for_function("([el, k]) => el.dataset.values !== k", arg=[box, before])
    ex.click(index, r, c)
    assert box.evaluate(READ) == expected(ex, ex.values), (p["n"], r, c)
    check_keyboard_pick(page, box, ex)


# where the keyboard cursor of the focused panel is, and whether the focus shows
CURSOR = """el => {
  const svg = document.activeElement;
  if (!svg || !el.contains(svg) || !svg.matches('svg.cnn-panel')) return null;
  const ring = svg.querySelector('.cnn-cursor rect'), cell = svg.querySelector('rect.cnn-cell');
  const size = +cell.getAttribute('width');
  return {panel: svg.dataset.panel, i: +svg.dataset.i,
          r: Math.round((+ring.getAttribute('y') - +cell.getAttribute('y')) / size),
          c: Math.round((+ring.getAttribute('x') - +cell.getAttribute('x')) / size),
          shown: getComputedStyle(svg.querySelector('.cnn-cursor')).display !== 'none',
          outline: getComputedStyle(svg).outlineStyle,
          said: el.querySelector('.cnn-sr').textContent};
}"""


def check_keyboard_pick(page, box, ex):
    """With the keyboard only: focus the last panel that takes picks, move its cursor with
    the arrow keys to a cell whose pick changes the view, press Enter; the focus ring and
    the cursor show, the cell's labels are spoken, and what is drawn is Python's view
    after ``ex.click`` of that cell. The focus stays on the panel."""
    index, p = [(i, p) for i, p in enumerate(ex.panels) if "k" in p][-1]
    r, c = next((r, c) for r, row in enumerate(p["k"]) for c, hit in enumerate(row)
                if hit and any(ex.values[k] != v for k, v in hit.items()))
    box.query_selector(f'svg.cnn-panel[data-i="{index}"]').focus()
    start = box.evaluate(CURSOR)
    assert start and start["i"] == index, start
    moves = (["ArrowDown"] * (r - start["r"]) + ["ArrowUp"] * (start["r"] - r)
             + ["ArrowRight"] * (c - start["c"]) + ["ArrowLeft"] * (start["c"] - c))
    for key in moves or ["ArrowRight", "ArrowLeft"]:
        page.keyboard.press(key)
    at = box.evaluate(CURSOR)
    assert (at["r"], at["c"]) == (r, c) and at["shown"] and at["outline"] != "none", at
    assert f"row {r + p['o'][0]}, column {c + p['o'][1]}" in at["said"], at
    before = box.evaluate("el => el.dataset.values")
    page.keyboard.press("Enter")
    page.wait_for_function("([el, k]) => el.dataset.values !== k", arg=[box, before])
    ex.click(index, r, c)
    assert box.evaluate(READ) == expected(ex, ex.values), ("keyboard", p["n"], r, c)
    after = box.evaluate(CURSOR)
    assert after and (after["panel"] == p["n"] or after["i"] == index) and after["shown"], after


# ----------------------------------------------------------------- JupyterLab

def test_four_explorers_in_jupyterlab(lab, page):
    """Run All in JupyterLab; each explorer draws cnnlib's numbers and answers the keyboard
    and a click (the new view is Python's for the same controls)."""
    shutil.copy(make_notebook(lab.root), lab.notebooks / "explorers.ipynb")
    open_and_run_all(lab, page, "explorers.ipynb")
    wait_drawn(page)
    OUTPUT.mkdir(exist_ok=True)
    boxes = boxes_of(page)
    for _, cls in EXPLORERS:
        box = boxes[cls.NAME]
        box.scroll_into_view_if_needed()
        check_keyboard_and_click(page, box, cls)
        box.screenshot(path=str(OUTPUT / f"lab_{cls.__name__}.png"))
    latency = page.evaluate("() => globalThis.cnnlibLatency.map(r => r.ms)")
    assert len(latency) >= 8   # every move was timed (benchmarks/ reports the numbers)
    # the kernel's explorer objects followed the browser: a new cell prints their values
    shown = {cls.NAME: json.loads(boxes[cls.NAME].evaluate("el => el.dataset.values"))
             for _, cls in EXPLORERS}
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").last.locator(
        ".jp-InputArea-prompt").click()   # (not the explorer: a click there picks a cell)
    page.keyboard.press("Escape")
    page.keyboard.press("b")          # a new cell below, then edit it
    page.keyboard.press("Enter")
    page.keyboard.insert_text("import json; print('SYNCED' + json.dumps({Out[k].NAME: "
                              "Out[k].values for k in range(2, 6)}))")
    page.keyboard.press("Shift+Enter")
    out = page.locator(".jp-OutputArea-output", has_text="SYNCED")
    out.wait_for(timeout=30_000)
    synced = json.loads(out.inner_text().strip()[len("SYNCED"):])
    assert synced == shown


def test_course_notebook_00_in_jupyterlab(lab, page):
    """Notebook 00 runs in JupyterLab; its explorer draws and answers a slider."""
    shutil.copy(COURSE_NOTEBOOK, lab.notebooks / COURSE_NOTEBOOK.name)
    open_and_run_all(lab, page, COURSE_NOTEBOOK.name)
    wait_drawn(page, count=1)
    box = boxes_of(page)[X.GradientFlowExplorer.NAME]
    box.scroll_into_view_if_needed()
    check_keyboard_and_click(page, box, X.GradientFlowExplorer)
    page.screenshot(path=str(OUTPUT / "lab_00_start_here.png"))


def test_before_run_all_shows_still_pictures(lab, page, executed):
    """An executed, untrusted notebook opened without running: each explorer's output is its
    still picture and a line to run the cell; no repr line."""
    name = "unrun.ipynb"
    shutil.copy(executed, lab.notebooks / name)
    page.goto(lab.url(f"lab/workspaces/t{secrets.token_hex(4)}/tree/{name}"))
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell")
    page.wait_for_function("() => document.querySelectorAll('.jp-OutputArea-output "
                           "img[src^=\"data:image/svg+xml\"]').length >= 4", timeout=30_000)
    outputs = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output")
    texts = outputs.all_inner_texts()
    assert not any("VBox(" in t or "AnyWidget" in t for t in texts), texts
    assert sum("Run this cell" in t for t in texts) == 4, texts
    page.screenshot(path=str(OUTPUT / "lab_before_run_all.png"))


def test_trusted_unrun_notebook_is_interactive(lab, page, executed):
    """The same notebook, trusted (``jupyter trust``) and opened without running anything:
    the widgets come from the saved state and answer keys and clicks with cnnlib's numbers."""
    name = "trusted.ipynb"
    shutil.copy(executed, lab.notebooks / name)
    subprocess.run([sys.executable, "-m", "jupyter", "trust", str(lab.notebooks / name)],
                   check=True, capture_output=True, timeout=60,
                   env=dict(os.environ, HOME=str(lab.root / "home")))
    page.goto(lab.url(f"lab/workspaces/t{secrets.token_hex(4)}/tree/{name}"))
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell")
    wait_drawn(page)
    boxes = boxes_of(page)   # (no cell is run here: the views come from the saved state)
    for _, cls in EXPLORERS:
        boxes[cls.NAME].scroll_into_view_if_needed()
        check_keyboard_and_click(page, boxes[cls.NAME], cls)
    page.screenshot(path=str(OUTPUT / "lab_trusted_unrun.png"))


# ----------------------------------------------------------------- checker messages

CHECK_CELLS = [
    "import numpy as np\nfrom cnnlib.exercises import (check_kernel_gradient, check_relu_backward,\n"
    "                              kernel_gradient_exercise_data)",
    "def my_relu_backward(dout, z):\n    return dout * (z >= 0)\n\ncheck_relu_backward(my_relu_backward)",
    "check_relu_backward(lambda dout, z: dout * np.sign(z))",
    "check_relu_backward(lambda dout, z: dout * (z > 0))",
    "check_kernel_gradient(None, *kernel_gradient_exercise_data())",
    "check_relu_backward.hint()",
]


def _luminance(css_colour):
    """Relative luminance of ``rgb(...)``/``rgba(...)`` (WCAG), alpha ignored."""
    r, g, b = (int(v) / 255 for v in re.findall(r"[\d.]+", css_colour)[:3])
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _check_messages(page, theme):
    boxes = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .cnnlib-check")
    assert boxes.count() == 4
    statuses = [b.get_attribute("class").split("--")[-1] for b in boxes.element_handles()]
    assert statuses == ["wrong", "wrong", "correct", "not_answered"]
    texts = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output").all_inner_texts()
    assert not any("Traceback" in t or t.strip() in ("True", "False") for t in texts), texts
    assert any(t.startswith("check_relu_backward has") for t in texts), texts        # the hint, as markdown
    first = boxes.first
    colour = first.evaluate("el => getComputedStyle(el).color")
    page_bg = page.evaluate("() => getComputedStyle(document.querySelector('.jp-Notebook')).backgroundColor")
    light = _luminance(page_bg) > 0.5
    assert light == (theme == "light"), (theme, page_bg)
    # the text follows the theme: dark on light, light on dark, contrast at least 4.5:1 on the page
    l1, l2 = sorted([_luminance(colour), _luminance(page_bg)], reverse=True)
    assert (l1 + 0.05) / (l2 + 0.05) >= 4.5, (theme, colour, page_bg)
    badge = first.locator(".cnnlib-check__badge")
    fg, bg = badge.evaluate("el => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]")
    l1, l2 = sorted([_luminance(fg), _luminance(bg)], reverse=True)
    assert (l1 + 0.05) / (l2 + 0.05) >= 4.5, (theme, fg, bg)
    assert first.locator(".nw").first.evaluate("el => getComputedStyle(el).whiteSpace") == "nowrap"


def test_checker_messages_read_well_in_jupyterlab_light_and_dark(lab, page):
    """A wrong, a diagnosed, a right and an unanswered check and a hint, run in JupyterLab: each is
    a formatted message (no traceback, no True/False echo) whose text and badge keep a 4.5:1
    contrast in the light and in the dark theme; tokens are kept whole (nowrap)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in CHECK_CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(lab.notebooks / "checks.ipynb"))
    page.set_viewport_size({"width": 900, "height": 1400})
    open_and_run_all(lab, page, "checks.ipynb")
    page.wait_for_selector(".cnnlib-check")
    _check_messages(page, "light")
    page.screenshot(path=str(OUTPUT / "lab_checks_light.png"), full_page=True)
    page.locator(".lm-MenuBar-itemLabel", has_text="Settings").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Theme").first.hover()
    page.locator(".lm-Menu-itemLabel", has_text="JupyterLab Dark").first.click()
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'")
    page.wait_for_timeout(500)
    _check_messages(page, "dark")
    page.screenshot(path=str(OUTPUT / "lab_checks_dark.png"), full_page=True)
    page.keyboard.press("Control+b")                     # the file browser closed: a phone-wide notebook
    page.set_viewport_size({"width": 420, "height": 1400})
    page.wait_for_timeout(500)
    page.screenshot(path=str(OUTPUT / "lab_checks_dark_narrow.png"), full_page=True)
    # saved with its outputs and opened again, not trusted: JupyterLab sanitizes the HTML
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                    "--output", "checks_saved.ipynb", str(lab.notebooks / "checks.ipynb")],
                   check=True, capture_output=True, timeout=300)
    page.set_viewport_size({"width": 900, "height": 1400})
    page.goto(lab.url(f"lab/workspaces/t{secrets.token_hex(4)}/tree/checks_saved.ipynb"))
    page.wait_for_function("() => document.querySelectorAll('.cnnlib-check').length === 4", timeout=30_000)
    heads = page.locator(".cnnlib-check__head").all_inner_texts()    # readable without the stylesheet
    assert heads[0].startswith("Not yet: my_relu_backward") and heads[2].startswith("Correct: "), heads
    page.screenshot(path=str(OUTPUT / "lab_checks_untrusted.png"), full_page=True)


# ----------------------------------------------------------------- the static page

class StaticServer:
    """``python -m http.server``'s handler on 127.0.0.1 in a thread, for one folder."""

    def __init__(self, folder):
        import functools
        import http.server
        import threading

        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

        handler = functools.partial(Quiet, directory=str(folder))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def static_page(executed, tmp_path_factory):
    if shutil.which("npm") is None:
        pytest.skip("the static page needs npm to fetch require.js and the widget manager")
    from cnnlib.explorers.static import static_html

    folder = tmp_path_factory.mktemp("static")
    page = static_html(executed, folder)
    server = StaticServer(folder)
    yield server.url + page.name
    server.stop()


def open_offline(browser, url, width, scale=1, wait=None):
    """A page at ``url`` where every request off 127.0.0.1 is refused and recorded; ``wait(page)``
    (default: the explorers drawn) runs after it loads."""
    context = browser.new_context(viewport={"width": width, "height": 1000},
                                  device_scale_factor=scale)
    page = context.new_page()
    page.set_default_timeout(30_000)
    refused = []

    def route(request_route):
        if request_route.request.url.startswith("http://127.0.0.1:"):
            request_route.continue_()
        else:
            refused.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    (wait or wait_drawn)(page)
    return context, page, refused, errors


def sweep(ex, most=150):
    """The control settings swept on the static page: the first position of every mode and
    geometry (at most ``most`` of those, spread evenly), and positions spread over all the
    reachable views, the last one included."""
    reachable = list(ex.reachable())
    firsts, seen = [], set()
    for values in reachable:
        gkey = tuple(values[n] for n in ([ex.MODE] if ex.MODE else []) + ex.GEOMETRY)
        if gkey not in seen:
            seen.add(gkey)
            firsts.append(values)
    return (firsts[::max(1, len(firsts) // most)] + reachable[::max(1, len(reachable) // 60)]
            + [reachable[-1]])


def test_static_page_every_explorer_draws_cnnlib_numbers_offline(browser, static_page):
    context, page, refused, errors = open_offline(browser, static_page, 1280)
    try:
        boxes = boxes_of(page)
        for _, cls in EXPLORERS:
            ex, box = cls(), boxes[cls.NAME]
            settings = sweep(ex)
            drawn = box.evaluate(SWEEP, [changes(ex, values) for values in settings])
            for values, got in zip(settings, drawn):
                assert got == expected(ex, values), values
            check_keyboard_and_click(page, box, cls)
        # a position with one value: no slider, the words "one position"
        ex = X.ConvArithmeticExplorer(size=5, kernel_size=5, pad=0)
        box = boxes[X.ConvArithmeticExplorer.NAME]
        box.evaluate(SET, changes(ex, ex.values))
        one = box.evaluate("""el => ['out_i', 'out_j'].map(n => {
            const row = el.querySelector(`.cnn-control[data-name="${n}"]`);
            return [row.querySelector('input').offsetWidth, row.querySelector('.cnn-one').innerText];
        })""")
        assert one == [[0, "one position"], [0, "one position"]], one
        assert not refused and not errors, (refused, errors)
    finally:
        context.close()


@pytest.mark.parametrize("width,scale", [(1024, 1), (1920, 1), (1280, 2)])
def test_static_page_layout_and_screenshots(browser, static_page, width, scale):
    """No control cramped, no number under 9 px, the picture within the cell (wrapping
    where it must); screenshots for a person to look at."""
    context, page, refused, errors = open_offline(browser, static_page, width, scale)
    try:
        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUTPUT / f"static_{width}px_x{scale}.png"), full_page=True)
        boxes = boxes_of(page)
        for _, cls in EXPLORERS:
            box = boxes[cls.NAME]
            box.screenshot(path=str(OUTPUT / f"static_{cls.__name__}_{width}px_x{scale}.png"))
            fit = box.evaluate("""el => {
              const r = el.getBoundingClientRect();
              const sliders = [...el.querySelectorAll('.cnn-control:not([hidden]) input')]
                .map(i => i.getBoundingClientRect().width);
              const fonts = [...el.querySelectorAll('svg.cnn-panel text')]
                .map(t => parseFloat(getComputedStyle(t).fontSize));
              const right = Math.max(...[...el.querySelectorAll('svg.cnn-panel, .cnn-title')]
                .map(s => s.getBoundingClientRect().right));   // titles included
              return {sliders, small: Math.min(...fonts), right, edge: r.right};
            }""")
            assert min(fit["sliders"]) >= 100, (cls.NAME, fit)
            assert fit["small"] >= 9.5, (cls.NAME, fit)
            assert fit["right"] <= fit["edge"] + 1, (cls.NAME, fit)
        assert not refused and not errors, (refused, errors)
    finally:
        context.close()


# ----------------------------------------------------------------- Voila

@contextlib.contextmanager
def voila_app(browser, notebook, tmp_path):
    """Serve ``notebook`` with Voila on a free port; yield a page opened on it (1280 px).

    Skips when voila is not installed; stops the server and its kernel afterwards."""
    voila = Path(sys.executable).parent / "voila"
    if not voila.exists():
        pytest.skip("voila is not installed (pip install -e '.[browser]')")
    port, home = _free_port(), tmp_path / "home"
    home.mkdir()
    shutil.copy(notebook, tmp_path / "app.ipynb")
    log = open(tmp_path / "voila.log", "wb")
    proc = subprocess.Popen([str(voila), "app.ipynb", "--no-browser", "--Voila.ip=127.0.0.1",
                             f"--port={port}"], cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
                            env=dict(os.environ, HOME=str(home), MPLBACKEND="Agg"),
                            start_new_session=True)
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    try:
        page = context.new_page()
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).close()
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, \
                    (tmp_path / "voila.log").read_text(errors="replace")[-2000:]
                time.sleep(0.5)
        page.goto(f"http://127.0.0.1:{port}/", timeout=90_000)
        yield page
    finally:
        context.close()
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def test_voila_app_mode(browser, executed, tmp_path):
    """``voila NOTEBOOK`` serves the explorers as an app; a slider move redraws."""
    with voila_app(browser, executed, tmp_path) as page:
        wait_drawn(page, timeout=90_000)
        boxes = boxes_of(page)
        for _, cls in EXPLORERS:
            check_keyboard_and_click(page, boxes[cls.NAME], cls)
        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUTPUT / "voila.png"))
