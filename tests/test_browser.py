"""The explorers in a real browser: JupyterLab in headless Chromium, driven by Playwright.

What is checked: a course notebook (``notebooks/00_start_here.ipynb``, copied to a
temporary folder so the repository is never touched) opens in JupyterLab, runs
top to bottom, shows the gradient-flow explorer, and moving one of its sliders
with the keyboard changes the picture (the ``src`` of the image) and the
readout text. A second test runs all four explorers in a generated notebook and
moves one slider of each. Screenshots go to ``tests/output/`` (gitignored).

How (see the project notes on the tooling here): a fresh temporary HOME and
settings folder per run, a token, a free port, the server in its own process
group (stopped with its kernels at teardown); Debian's ``/usr/bin/chromium``
through Playwright (``playwright install`` is never needed); Run All only once
the notebook's session has an idle kernel with a connection (otherwise Lab may
ask for a kernel and run nothing).

Skipped, with the reason, where ``/usr/bin/chromium`` or the ``playwright``
package is missing.
"""
import json
import os
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

from cnnlib import widgets as W
from cnnlib.widgets import GradientFlowExplorer, _Explorer

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


def explorer(page, readout_start):
    """The widget box (a VBox) of the explorer whose readout starts with ``readout_start``,
    as an element handle (it stays the same element when the readout text changes)."""
    box = page.locator(".widget-vbox", has=page.locator(".explorer-readout .widget-html-content",
                                                        has_text=readout_start)).first
    box.scroll_into_view_if_needed()
    return box.element_handle()


def shown(box):
    """(image src, readout text) of an explorer box."""
    return (box.query_selector("img.widget-image").get_attribute("src"),
            box.query_selector(".explorer-readout .widget-html-content").inner_text())


def slider(box, label):
    for element in box.query_selector_all(".widget-hslider"):
        if element.query_selector("label").inner_text().strip() == label:
            return element
    raise AssertionError(f"no slider {label!r} in the explorer")


def move_slider(page, box, label, key="ArrowRight"):
    """Focus the slider with description ``label``, press ``key``, wait until picture and
    readout have both changed; returns (src, text) before and after."""
    before = shown(box)
    slider(box, label).query_selector(".noUi-handle").focus()
    page.keyboard.press(key)
    page.wait_for_function(
        """([el, src, text]) => {
            const img = el.querySelector('img.widget-image');
            const html = el.querySelector('.explorer-readout .widget-html-content');
            return img && img.src !== src && html && html.innerText !== text;
        }""", arg=[box, before[0], before[1]], timeout=15_000)
    return before, shown(box)


def test_course_notebook_gradient_flow_slider(lab, page):
    """Notebook 00 runs in JupyterLab; moving the explorer's slider redraws it."""
    shutil.copy(COURSE_NOTEBOOK, lab.notebooks / COURSE_NOTEBOOK.name)
    open_and_run_all(lab, page, COURSE_NOTEBOOK.name)
    box = explorer(page, "Output (0, 0) read the window")
    src, text = shown(box)
    assert src, "the explorer shows no picture"
    assert len(box.query_selector_all(".widget-hslider")) >= 5  # stride, padding, kernel, i, j
    before, after = move_slider(page, box, "output col j")
    assert after[1].startswith("Output (0, 1) read the window"), after[1]
    assert "cols 2..4" in after[1], after[1]
    assert slider(box, "output col j").query_selector(".widget-readout").inner_text().strip() == "1"
    # the picture is a PNG of a sensible size (at most 8.6 x 3.4 inches)
    size = box.query_selector("img.widget-image").evaluate(
        "i => [i.naturalWidth, i.naturalHeight, i.clientWidth]")
    assert size[2] == size[0], f"the picture is scaled to {size[2]} px from {size[0]} px"
    dpi, max_w, max_h = _Explorer.dpi, _Explorer.max_width, _Explorer.max_height
    assert 300 < size[0] <= max_w * dpi + 10 and 100 < size[1] <= max_h * dpi + 10, size
    OUTPUT.mkdir(exist_ok=True)
    box.screenshot(path=str(OUTPUT / "browser_gradient_flow.png"))
    page.screenshot(path=str(OUTPUT / "browser_00_start_here.png"))
    # the other views answer too: a click on a view button, then a slider of that view
    for view, label, then in [("one input pixel", "input col b", "∂E/∂x[2, 3] = "),
                              ("scatter-add, step by step", "outputs added", "Step 1 of 9"),
                              ("full convolution", "input row a", "dX = full cross-correlation")]:
        before = shown(box)
        box.query_selector(f"button:text-is('{view}')").click()
        page.wait_for_function("([el, src]) => el.querySelector('img.widget-image').src !== src",
                               arg=[box, before[0]])
        _, after = move_slider(page, box, label)
        assert then in after[1], after[1]
        name = view.split(",")[0].replace(" ", "_")
        box.screenshot(path=str(OUTPUT / f"browser_gradient_flow_{name}.png"))
    assert "∂E/∂x[3, 3] = " in after[1]  # the pixel (2, 3) moved down by one row
    # clicks (ipyevents): a pixel of dX in this view, then a delta in the pixel view
    click_cell(page, box, "full", panel=2, cell=(1, 5))
    page.wait_for_function("el => el.querySelector('.explorer-readout .widget-html-content').innerText"
                           ".includes('∂E/∂x[1, 5] = ')", arg=box)
    box.query_selector("button:text-is('one input pixel')").click()
    page.wait_for_function("el => el.querySelector('.explorer-readout .widget-html-content').innerText"
                           ".startsWith('∂E/∂x[1, 5] = ')", arg=box)
    click_cell(page, box, "pixel", panel=2, cell=(2, 0))
    page.wait_for_function("el => el.querySelector('.explorer-readout .widget-html-content').innerText"
                           ".startsWith('Output (2, 0) read the window')", arg=box)
    assert box.query_selector("button.mod-active").inner_text().strip() == "one output"
    box.screenshot(path=str(OUTPUT / "browser_gradient_flow_clicked.png"))


def click_cell(page, box, view, panel, cell):
    """Click the centre of ``cell`` (row, col) of picture ``panel`` of the gradient-flow
    explorer in ``view``, default geometry; where it lies comes from the same explorer built
    here (the picture's layout depends on the view and geometry only)."""
    local = GradientFlowExplorer()
    local.view.value = view
    left, top, cell_w, cell_h, _, pick = local.hits[panel]
    assert pick is not None, f"panel {panel} of the {view} view takes no clicks"
    x, y = left + (cell[1] + 0.5) * cell_w, top + (cell[0] + 0.5) * cell_h
    assert local.cell_at(x, y) == (panel, *cell)
    box.query_selector("img.widget-image").click(position={"x": x, "y": y})


ALL_EXPLORERS = [
    # (code, its readout starts with, slider to move, the readout then starts with,
    #  (the same explorer built here, with that slider moved; panel and cell to click;
    #   the readout then starts with, or None where the readout does not depend on it))
    ("gradient_flow_explorer(channels=3)", "Output (0, 0) read the window rows 0..2", "padding P",
     "Output (0, 0) read the window rows -1..1",
     (lambda: _moved(W.GradientFlowExplorer(channels=3), pad=1), 2, (1, 2),
      "Output (1, 2) read the window")),
    ("conv_arithmetic_explorer()", "H_out = ⌊(H + 2P − K) / S⌋ + 1 = ⌊(7 +", "input H",
     "H_out = ⌊(H + 2P − K) / S⌋ + 1 = ⌊(8 +",
     (lambda: _moved(W.ConvArithmeticExplorer(), size=8), 1, (1, 1), None)),
    ("pooling_explorer()", "Window (0, 0): its maximum", "output col j", "Window (0, 1)",
     (lambda: _moved(W.PoolingExplorer(), out_j=1), 1, (2, 0), "Window (2, 0)")),
    ("im2row_explorer()", "Output (0, 0) is row r", "output row i", "Output (1, 0) is row r",
     (lambda: _moved(W.Im2rowExplorer(), out_i=1), 1, (4, 0), "Output (1, 1) is row r")),
]


def _moved(explorer, **values):
    with explorer.hold():
        for name, value in values.items():
            getattr(explorer, name).value = value
    return explorer


def click_and_wait(page, box, local, panel, cell, then):
    """Click ``cell`` of picture ``panel`` where ``local`` (the same explorer in the same state,
    built here) draws it; wait for a new picture (and readout ``then``)."""
    left, top, cell_w, cell_h, _, pick = local.hits[panel]
    assert pick is not None
    before = shown(box)
    box.query_selector("img.widget-image").click(
        position={"x": left + (cell[1] + 0.5) * cell_w, "y": top + (cell[0] + 0.5) * cell_h})
    page.wait_for_function("([el, src]) => el.querySelector('img.widget-image').src !== src",
                           arg=[box, before[0]], timeout=15_000)
    if then is not None:
        page.wait_for_function("([el, then]) => el.querySelector('.explorer-readout "
                               ".widget-html-content').innerText.startsWith(then)",
                               arg=[box, then], timeout=15_000)


def test_all_four_explorers(lab, page):
    """Each explorer renders in the browser and answers a keyboard move of one slider."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "from cnnlib.widgets import (conv_arithmetic_explorer, gradient_flow_explorer, "
        "im2row_explorer, pooling_explorer)")]
    nb.cells += [nbformat.v4.new_code_cell(code) for code, *_ in ALL_EXPLORERS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, str(lab.notebooks / "explorers.ipynb"))
    open_and_run_all(lab, page, "explorers.ipynb")
    OUTPUT.mkdir(exist_ok=True)
    for code, start, label, then, (make_local, panel, cell, clicked) in ALL_EXPLORERS:
        name = code.split("(")[0]
        box = explorer(page, start)
        box.screenshot(path=str(OUTPUT / f"browser_{name}.png"))
        _, after = move_slider(page, box, label)
        assert after[1].startswith(then), after[1]
        box.screenshot(path=str(OUTPUT / f"browser_{name}_moved.png"))
        click_and_wait(page, box, make_local(), panel, cell, clicked)
        box.screenshot(path=str(OUTPUT / f"browser_{name}_clicked.png"))
