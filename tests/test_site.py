"""The course website (``make site``) in a real browser, offline.

The site is built into a temporary folder by the same code as ``make site``
(``book/build.py``, strict: a Sphinx warning fails), served by ``http.server`` on
127.0.0.1, and every page is opened in headless Chromium with every request to any
other address aborted and recorded. For each page:

- it is the page the README's notebook map (then ``notebooks/solutions/``) puts there,
  with previous/next links and the sidebar in that order;
- no script error, no request that failed or left 127.0.0.1;
- the math rendered: every math element holds MathJax output, no MathJax error, and no
  raw ``$...$``, ``\\(``, ``\\frac``... left in the text (code and outputs excepted);
- every figure loaded, and there are as many as the notebook has image outputs;
- every saved widget view was drawn by the widget manager;
- a screenshot of the whole page at 1280 px goes to ``tests/output/site_<page>.png``.

Also: the search page finds a word of the course; a page opened from ``file://`` shows
its math and widgets and its explorer answers; and every explorer on every page answers a
keyboard move of a slider and a click on a cell with cnnlib's numbers, with no kernel.

Skipped, with the reason, where Chromium, playwright, Jupyter Book or npm is missing.
"""
import functools
import http.server
import json
import re
import shutil
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = Path(__file__).resolve().parent / "output"
WIDTH = 1280
sys.path.insert(0, str(ROOT / "book"))
import build  # book/build.py: what `make site` runs
import vendor  # book/vendor.py

# tests/test_browser.py: the Chromium browser fixture (it skips where Chromium or playwright
# is missing) and how a page is read
from test_browser import READ, browser, expected  # noqa: E402, F401  (browser: a fixture)

pytest.importorskip("jupyter_book", reason="site tests need Jupyter Book 1 "
                                           "(pip install -e '.[site]')")

from cnnlib import explorers as X

if shutil.which("npm") is None and not all(
        (vendor.DEFAULT_CACHE / p.archive).exists() for p in vendor.PACKAGES):
    pytest.skip("site tests need npm to vendor the site's scripts (Debian: apt-get install npm)",
                allow_module_level=True)

COURSE, SOLUTIONS, _ = build.pages()
PAGES = COURSE + SOLUTIONS
VIEW_MIME = "application/vnd.jupyter.widget-view+json"
STATE_MIME = "application/vnd.jupyter.widget-state+json"


# ------------------------------------------------------------------ fixtures

@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site, built as `make site` builds it (strict), into a temporary folder."""
    out = tmp_path_factory.mktemp("site") / "site"
    summary = build.build(out, strict=True, quiet=True)
    summary["path"] = out
    return summary


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(site):
    """``http.server`` on 127.0.0.1 (a free port) serving the built folder."""
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site["path"])))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


class Visit:
    """A browser tab that may load only ``allowed`` URLs; records what went wrong."""

    def __init__(self, browser, allowed):
        self.context = browser.new_context(viewport={"width": WIDTH, "height": 900})
        self.outside, self.failed, self.errors = [], [], []

        def route(r):
            if r.request.url.startswith(allowed) or r.request.url.startswith("data:"):
                r.continue_()
            else:
                self.outside.append(r.request.url)
                r.abort()
        self.context.route("**/*", route)
        self.page = self.context.new_page()
        self.page.set_default_timeout(30_000)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.status} {r.url}"))
        self.page.on("requestfailed", lambda r: r.url.startswith(allowed)
                     and self.failed.append(f"{r.failure} {r.url}"))

    def open(self, url):
        self.page.goto(url)
        self.page.wait_for_load_state("load")
        wait_rendered(self.page)
        return self.page

    def assert_clean(self, what):
        assert not self.outside, f"{what}: requests left the site (blocked): {self.outside[:5]}"
        assert not self.failed, f"{what}: requests failed: {self.failed[:5]}"
        assert not self.errors, f"{what}: script errors: {self.errors[:5]}"

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, server):
    v = Visit(browser, server)
    yield v
    v.close()


def wait_rendered(page):
    """Until MathJax has typeset the page and the widget manager has drawn every view."""
    page.wait_for_function("""() => {
        const math = document.querySelectorAll('span.math, div.math').length;
        if (math && !(window.MathJax && MathJax.startup && MathJax.startup.document)) return false;
        const views = document.querySelectorAll(
            'script[type="application/vnd.jupyter.widget-view+json"]').length;
        const drawn = [...document.querySelectorAll('.widget-subarea')]
            .filter(d => d.children.length > 0).length;
        return drawn >= views;
    }""", timeout=30_000)
    page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")


# ------------------------------------------------------------------ notebook facts

def _notebook(name):
    return json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))


def image_outputs(name):
    """How many figures a page should show: the notebook's image outputs (those not drawn
    as a widget view instead), in cells not tagged to be removed."""
    count = 0
    for cell in _notebook(name)["cells"]:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & {"remove-cell", "remove-output"}:
            continue
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if any(k.startswith("image/") for k in data) and VIEW_MIME not in data:
                count += 1
    return count


def widget_views(name):
    count = 0
    for cell in _notebook(name)["cells"]:
        for out in cell.get("outputs", []):
            count += VIEW_MIME in out.get("data", {})
    return count


def html_name(docname):
    return f"{docname}.html"


# ------------------------------------------------------------------ the build

def test_build_renders_the_committed_notebooks_in_the_readme_order(site):
    assert site["pages"] == PAGES
    mapped = build.readout_map()
    assert COURSE[:len(mapped)] == mapped and COURSE[0] == "00_start_here"
    on_disk = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert sorted(COURSE) == on_disk, "every course notebook is a page"
    assert SOLUTIONS == sorted(f"solutions/{p.stem}"
                               for p in (ROOT / "notebooks" / "solutions").glob("*.ipynb"))
    assert not site["warnings"], site["warnings"]  # (strict already fails on Sphinx's)
    for name in PAGES:
        assert (site["path"] / html_name(name)).is_file(), f"no page for {name}"
    # nothing executed: myst-nb ran with execution off and executed no notebook (each page
    # then shows the stored outputs: test_page counts the figures against the notebook)
    assert site["execution_mode"] == ["off"] and not site["executed"], site["executed"]
    # every script the pages load is in the folder; no page names a CDN in a tag
    for name in PAGES:
        text = (site["path"] / html_name(name)).read_text(encoding="utf-8")
        for src in re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', text):
            assert "://" not in src, f"{name}: loads {src} from outside the site"
            path = (site["path"] / Path(name).parent / src.split("?")[0]).resolve()
            assert path.is_file(), f"{name}: {src} is not in the site"
    assert (site["path"] / ".nojekyll").exists()
    # every widget module in the saved state is one the pages have: built into the widget
    # manager, or vendored (book/vendor.py) and mapped for require.js (widgets-config.js)
    modules = {model.get("model_module") for _, model in _saved_models()}
    unknown = modules - {"@jupyter-widgets/base", "@jupyter-widgets/controls",
                         "@jupyter-widgets/output", "anywidget"}
    assert not unknown, f"widget modules the site does not vendor: {sorted(unknown)}"
    sources = (site["path"] / vendor.VENDOR / "SOURCES.txt").read_text()
    for package in vendor.PACKAGES:
        assert package.spec in sources and package.checksum in sources


def test_vendored_archives_match_their_pinned_checksums():
    for package in vendor.PACKAGES:
        path = vendor.fetch(package)
        assert vendor.checksum(path) == package.checksum


# ------------------------------------------------------------------ every page

NO_RAW_MATH = """() => {
    const root = document.querySelector('article') || document.body;
    const clone = root.cloneNode(true);
    clone.querySelectorAll('pre, code, script, style, mjx-container, .highlight, '
                           + '.cell_output .output.text_plain').forEach(e => e.remove());
    const text = clone.textContent;
    const raw = [/\\\\(frac|partial|sum|mathbf|begin|cdot|star|delta|left|right)\\b/,
                 /\\\\\\(|\\\\\\[|\\$\\$/, /\\$[^$\\s][^$\\n]{0,80}\\$/];
    return raw.map(r => (text.match(r) || [null])[0]).filter(m => m);
}"""


@pytest.mark.parametrize("name", PAGES)
def test_page(visit, server, name):
    page = visit.open(server + html_name(name))
    where = html_name(name)
    # math
    math = page.evaluate("""() => {
        const all = [...document.querySelectorAll('span.math, div.math')];
        return {count: all.length,
                untypeset: all.filter(e => !e.querySelector('mjx-container'))
                              .map(e => e.textContent.slice(0, 60)),
                errors: [...document.querySelectorAll('mjx-merror')].map(e => e.textContent)};
    }""")
    assert math["count"] > 0, f"{where}: no math on the page"
    assert not math["untypeset"], f"{where}: math left as TeX: {math['untypeset'][:3]}"
    assert not math["errors"], f"{where}: MathJax errors: {math['errors'][:3]}"
    raw = page.evaluate(NO_RAW_MATH)
    assert not raw, f"{where}: raw TeX in the text: {raw}"
    # figures
    images = page.evaluate("""() => [...document.querySelectorAll('article img')].map(i => ({
        src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0,
        widget: !!i.closest('.widget-subarea')}))""")
    broken = [i["src"][:80] for i in images if not i["ok"]]
    assert not broken, f"{where}: figures that did not load: {broken}"
    figures = [i for i in images if not i["widget"]]
    assert len(figures) == image_outputs(name), \
        f"{where}: {len(figures)} figures, the notebook has {image_outputs(name)} image outputs"
    # widgets: every saved view drawn
    drawn = page.evaluate("""() => [...document.querySelectorAll('.widget-subarea')]
        .filter(d => d.querySelector('.jupyter-widgets, .widget-box, .widget-inline-hbox, '
                                     + '.widget-output, .lm-Widget')).length""")
    assert drawn == widget_views(name), \
        f"{where}: {drawn} widgets drawn, the notebook saved {widget_views(name)} views"
    # navigation: previous/next links and the sidebar follow the site's order
    k = PAGES.index(name)
    links = page.evaluate("""() => ({
        prev: document.querySelector('.prev-next-area a.left-prev')?.getAttribute('href'),
        next: document.querySelector('.prev-next-area a.right-next')?.getAttribute('href'),
        nav: [...document.querySelectorAll('.bd-docs-nav a.reference, .bd-sidenav a.reference')]
               .map(a => a.href)})""")
    base = server + (name.rsplit("/", 1)[0] + "/" if "/" in name else "")
    resolve = lambda href: None if href is None else page.evaluate(
        "([h, b]) => new URL(h, b).href", [href, base])
    assert resolve(links["prev"]) == (server + html_name(PAGES[k - 1]) if k else None), links
    assert resolve(links["next"]) == (server + html_name(PAGES[k + 1])
                                      if k + 1 < len(PAGES) else None), links
    nav = list(dict.fromkeys(h.split("#")[0] for h in links["nav"]))
    assert nav == [server + html_name(p) for p in PAGES], nav
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"site_{name.replace('/', '_')}.png"), full_page=True)
    visit.assert_clean(where)


def test_home_and_search(visit, server):
    visit.page.goto(server)  # index.html sends the reader to the first page
    visit.page.wait_for_url(server + html_name(PAGES[0]))
    wait_rendered(visit.page)
    page = visit.open(server + "search.html?q=rot180")
    page.wait_for_selector("#search-results ul.search li a", timeout=30_000)
    hits = page.evaluate("() => [...document.querySelectorAll('#search-results ul.search li a')]"
                         ".map(a => a.href.split('#')[0].split('?')[0])")
    assert set(hits) & {server + html_name(p) for p in COURSE}, hits
    # titles with math (03 · The kernel gradient ∂E/∂w) are typeset (book/_ext/course_site.py)
    page.wait_for_function("""() => [...document.querySelectorAll('#search-results li > a')]
        .filter(a => a.querySelector('span.math')).every(a => a.querySelector('mjx-container'))""")
    visit.assert_clean("search.html")


def test_a_page_opened_from_file_url(browser, site):
    """From file:// (no server): the math and the saved widgets render, no script error, and
    a browser-drawn explorer (where a page has one) answers its slider."""
    explorers = browser_drawn_explorers()
    name = next(iter(next(iter(explorers.values())))) if explorers else \
        next(p for p in PAGES if widget_views(p))
    v = Visit(browser, "file://")
    try:
        page = v.open((site["path"] / html_name(name)).as_uri())
        assert page.locator("mjx-container").count() > 0
        drawn = page.locator(".widget-subarea > *").count()
        assert drawn >= widget_views(name) > 0, (name, drawn)
        if explorers:
            box = page.locator(".cnn-explorer").first
            box.scroll_into_view_if_needed()
            box = box.element_handle()
            before = box.evaluate(READ)
            box.evaluate("el => [...el.querySelectorAll('.cnn-control:not([hidden]) "
                         "input[type=range]')].find(i => +i.value < +i.max).focus()")
            page.keyboard.press("ArrowRight")
            redrawn(page, box, before)
        assert not v.outside and not v.errors, (v.outside[:3], v.errors[:3])
    finally:
        v.close()


# ------------------------------------------------------------------ the explorers
# What an explorer draws is read, and brought to a setting, the way tests/test_browser.py
# does it (one definition of "what is drawn" for JupyterLab, nbconvert and the site).

EXPLORER_CLASSES = {cls.NAME: cls for cls in (X.GradientFlowExplorer, X.ConvArithmeticExplorer,
                                              X.PoolingExplorer, X.Im2rowExplorer)}


def _saved_models():
    """(page, model) for every widget model saved in the site's notebooks."""
    for name in PAGES:
        state = _notebook(name)["metadata"].get("widgets", {}).get(STATE_MIME, {}).get("state", {})
        for model in state.values():
            yield name, model


def browser_drawn_explorers():
    """{explorer name: {page: [saved control values of each instance]}}: the browser-drawn
    explorers (anywidgets whose ``spec.name`` is an explorer's NAME) in the saved state."""
    found = {}
    for name, model in _saved_models():
        if model.get("model_module") == "anywidget":
            state = model.get("state", {})
            found.setdefault(state.get("spec", {}).get("name"), {}).setdefault(
                name, []).append(state.get("values"))
    return found


def _one_step(ex, start, candidates):
    """From the setting ``start``, the first candidate move (a function of the explorer)
    after which cnnlib shows a different picture and a different readout, or, where no
    move changes the readout (the conv-arithmetic readout is about the geometry, not the
    window picked), a different picture. Leaves ``ex`` there; returns (what the move
    returned, the view)."""
    before = expected(ex, start)
    picture_only = None
    for move in candidates:
        ex.values = start
        result = move(ex)
        if result is None:
            continue
        view = expected(ex, ex.values)
        if view["panels"] != before["panels"]:
            if view["readout"] != before["readout"]:
                return result, view   # ex stays at the moved setting
            picture_only = picture_only or (dict(ex.values), result, view)
    if picture_only is None:
        raise AssertionError(f"{ex.NAME}: no move changes the picture")
    ex.values = picture_only[0]
    return picture_only[1:]


def _slider_moves(ex):
    mode = ex.values[ex.MODE] if ex.MODE else ""
    for spec in ex.CONTROLS:
        if spec["kind"] == "slider" and spec["name"] in ex.VISIBLE[mode]:
            yield lambda e, n=spec["name"]: (
                (e.set(**{n: e.values[n] + 1}) or n)
                if e.limits(e.values).get(n, next(s for s in e.CONTROLS if s["name"] == n)["max"])
                > e.values[n] else None)


def _cell_clicks(ex):
    for index, panel in enumerate(ex.panels):
        for r, row in enumerate(panel.get("k") or []):
            for c, hit in enumerate(row):
                if hit and any(ex.values[k] != v for k, v in hit.items()):
                    yield lambda e, i=index, r=r, c=c: (e.click(i, r, c) and (i, r, c))


CHANGED = f"([el, before]) => JSON.stringify(({READ})(el)) !== before"


def _json(view):
    return json.dumps(view, separators=(",", ":"), ensure_ascii=False)  # as JSON.stringify


def redrawn(page, box, before):
    """What the explorer draws once it differs from ``before`` (a READ result)."""
    page.wait_for_function(CHANGED, arg=[box, _json(before)])
    return box.evaluate(READ)


@pytest.mark.parametrize("explorer", list(EXPLORER_CLASSES))
def test_explorer_on_the_static_page(visit, server, explorer):
    """On its page, with no kernel: the saved picture is cnnlib's; a keyboard move of a
    slider changes the picture and the readout, then a click on a cell changes the picture
    (and the readout, where cnnlib's readout depends on the cell), each to exactly what
    cnnlib's explorer shows for the new setting."""
    found = browser_drawn_explorers()
    assert explorer in found, f"no notebook of the site holds the {explorer} in its saved state"
    cls = EXPLORER_CLASSES[explorer]
    for name, saved in found[explorer].items():
        page = visit.open(server + html_name(name))
        boxes = page.locator(f'.cnn-explorer[data-explorer="{explorer}"]').element_handles()
        assert len(boxes) == len(saved), f"{name}: {len(boxes)} {explorer}s drawn of {len(saved)}"
        for k, box in enumerate(boxes):
            box.scroll_into_view_if_needed()
            drive(page, box, cls, saved, f"{explorer} {k + 1} on {name}")
        visit.assert_clean(f"{html_name(name)} ({explorer})")


def drive(page, box, cls, saved, what):
    """The checks of test_explorer_on_the_static_page on one explorer ``box``."""
    ex = cls()
    shown = box.evaluate(READ)
    matches = [v for v in saved if expected(ex, v) == shown]
    assert matches, f"{what}: the saved picture is not cnnlib's for any saved setting"
    expected(ex, matches[0])   # the Python explorer at that saved setting
    start = dict(ex.values)
    # a slider, moved with the keyboard
    slider, want = _one_step(ex, start, _slider_moves(ex))
    assert not page.evaluate(CHANGED, [box, _json(shown)]), "the redraw check cannot tell"
    box.query_selector(f'.cnn-control[data-name="{slider}"] input').focus()
    page.keyboard.press("ArrowRight")
    drawn = redrawn(page, box, shown)
    assert drawn == want, f"{what}: after moving {slider}"
    assert drawn["readout"] != shown["readout"] and drawn["panels"] != shown["panels"]
    OUTPUT.mkdir(exist_ok=True)
    slug = re.sub(r"[^\w.-]+", "_", what)
    box.screenshot(path=str(OUTPUT / f"site_{slug}_moved.png"))
    # then a click on a cell
    start = dict(ex.values)
    (index, r, c), want = _one_step(ex, start, _cell_clicks(ex))
    box.query_selector(f'svg.cnn-panel[data-i="{index}"] rect.cnn-cell[data-r="{r}"]'
                       f'[data-c="{c}"]').click()
    clicked = redrawn(page, box, drawn)
    assert clicked == want, f"{what}: after clicking cell {(r, c)} of panel {index}"
    assert clicked["panels"] != drawn["panels"]
    box.screenshot(path=str(OUTPUT / f"site_{slug}_clicked.png"))

