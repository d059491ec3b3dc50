"""The grid explorers as every learner meets them: coordinates, contrast, dark mode, a phone.

The servers, the browser, the executed notebook and its offline static page come from
``test_browser.py`` (its fixtures); keyboard picking is checked there, in every host
(``check_keyboard_pick``), and for the network explorer in ``test_browser_network.py``.

- **Coordinates under padding**: one convention everywhere. Every grid is labelled with
  the index of the array it shows (the padding of x is -P..-1 and H..H+P-1), and the
  sliders, the readouts, the outlines and the clicks say the same indices: the pixel the
  sliders pick is outlined at the cell labelled with them, a click on the cell labelled
  (a, b) picks x[a, b], the window the readout names is the one outlined, in the gradient
  flow (one output, one pixel, the full convolution), im2row (forward and row2im) and the
  conv arithmetic.
- **Names**: every picture (SVG, canvas) has an accessible name, or is hidden inside a
  named element; the readouts are polite live regions.
- **Contrast**, measured in the browser from the computed colours: each number drawn on
  a cell against that cell (WCAG 2 ratio >= 4.5:1), each outline against the white halo
  under it (>= 3:1), and the titles, labels, tips and readouts against the explorer's
  background (>= 4.5:1), on the light page and with the site theme's ``data-theme="dark"``
  (the explorer's background then dark).
- **Dark mode in JupyterLab**: the theme set to JupyterLab Dark; the same measures.
- **A phone, 390 px**: the gradient-flow explorer (notebook 04's) in its widest views:
  the page does not scroll sideways, nothing sticks out of the explorer or is cut, no
  readout is clipped, every slider and button is at least 24 px tall (a touch target).

Screenshots (light and dark, 390 and 1024 px) go to ``tests/output/``.
"""
import re
import secrets
import shutil
import subprocess
import sys

import pytest

import test_browser as T
from test_browser import browser, executed, lab, page, static_page  # noqa: F401  (fixtures)

from cnnlib import explorers as X

# ----------------------------------------------------------------- measuring in the page

# WCAG 2 contrast of computed colours; a colour with alpha is blended over its background
WCAG = """
const rgba = (s) => { const v = (s.match(/[\\d.]+/g) || [0, 0, 0]).map(Number);
                      return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1]; };
const over = (fg, bg) => [0, 1, 2].map(i => fg[i] * fg[3] + bg[i] * (1 - fg[3]));
const lum = (c) => { const l = c.map(v => { v /= 255;
    return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2]; };
const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05); };
const background = (node) => {   // the first opaque background behind a node
  for (let n = node; n; n = n.parentElement) {
    const c = rgba(getComputedStyle(n).backgroundColor);
    if (c[3] > 0.99) return c;
  }
  return [255, 255, 255, 1];
};
"""

# every number against its cell; every outline against its halo; every piece of text of
# the explorer (titles, index labels, tip, readout, control labels) against its background
CONTRAST = """el => {""" + WCAG + """
  const numbers = [], outlines = [], texts = [];
  const bg = background(el);
  el.querySelectorAll('svg.cnn-panel').forEach(svg => {
    const cells = {};
    svg.querySelectorAll('rect.cnn-cell').forEach(r => {
      cells[r.dataset.r + ',' + r.dataset.c] = rgba(getComputedStyle(r).fill); });
    svg.querySelectorAll('text.v').forEach(t => {
      const cell = cells[t.dataset.r + ',' + t.dataset.c];
      numbers.push([svg.dataset.panel, t.textContent, ratio(over(rgba(getComputedStyle(t).fill), cell), cell)]);
    });
    svg.querySelectorAll('rect.cnn-box').forEach(b => {
      const halo = rgba(getComputedStyle(b.previousElementSibling).stroke);
      outlines.push([svg.dataset.panel, b.getAttribute('stroke'), ratio(rgba(getComputedStyle(b).stroke), halo)]);
    });
    svg.querySelectorAll('text.cnn-title, text.cnn-index').forEach(t => {
      texts.push([svg.dataset.panel + ' ' + t.textContent, ratio(over(rgba(getComputedStyle(t).fill), bg), bg)]); });
  });
  el.querySelectorAll('.cnn-tip, .cnn-readout, .cnn-label, .cnn-control output, .cnn-toggle button')
    .forEach(n => {
      if (!n.offsetParent || !n.textContent.trim()) return;
      const b = background(n);
      texts.push([n.className + ' ' + n.textContent.slice(0, 30), ratio(over(rgba(getComputedStyle(n).color), b), b)]);
    });
  return {numbers, outlines, texts, background: lum(bg)};
}"""

# every picture (SVG, canvas) has a name for a screen reader, or sits hidden inside a named
# element; the readouts are live regions
UNNAMED = """el => {
  const named = (n) => n.getAttribute('aria-label') || n.getAttribute('aria-labelledby');
  const pictures = [...el.querySelectorAll('svg, canvas')].filter(n => !n.closest('svg:not(:scope)')
      || n.matches('svg.cnn-panel'));
  const unnamed = pictures.filter(n => !named(n) && !(n.getAttribute('aria-hidden') === 'true'
      && n.parentElement.closest('[aria-label]') !== el)
      && !(n.matches('svg.cnn-overlay') && named(n.parentElement)))
    .map(n => n.outerHTML.slice(0, 80));
  const silent = [...el.querySelectorAll('.cnn-readout')].filter(n => n.getAttribute('aria-live') !== 'polite')
    .map(n => n.className);
  return {unnamed, silent};
}"""

SET_AND_MEASURE = f"""(el, settings) => settings.map(changes => {{
    ({T.SET})(el, changes); return ({CONTRAST})(el); }})"""


def dark_page(page):
    """The site theme's dark mode (pydata-sphinx-theme sets ``<html data-theme="dark">``)."""
    page.evaluate("() => { document.documentElement.dataset.theme = 'dark'; }")


def check_contrast(measures, where, dark):
    """Assert the WCAG ratios of ``CONTRAST`` results; returns the smallest of each kind."""
    worst = {"numbers": 21.0, "outlines": 21.0, "texts": 21.0}
    for m in measures:
        assert (m["background"] < 0.05) == dark, (where, "background luminance", m["background"])
        for kind in worst:
            for *what, r in m[kind]:
                need = 3.0 if kind == "outlines" else 4.5
                assert r >= need, (where, kind, what, round(r, 2))
                worst[kind] = min(worst[kind], r)
    assert all(m["numbers"] for m in measures), where
    return worst


def settings_of(ex, count):
    """``count`` settings spread over every reachable view of ``ex`` (as control moves)."""
    every = list(ex.reachable())
    return [T.changes(ex, v) for v in every[::max(1, len(every) // count)][:count]]


# ----------------------------------------------------------------- coordinates under padding

LABELS = """el => [...el.querySelectorAll('svg.cnn-panel')].map(svg => {
  const first = svg.querySelector('rect.cnn-cell'), size = +first.getAttribute('width');
  const x0 = +first.getAttribute('x'), y0 = +first.getAttribute('y');
  const crossed = new Set();
  svg.querySelectorAll('path.cnn-mark').forEach(p => {
    for (const [, x, y] of p.getAttribute('d').matchAll(/M([\\d.]+),([\\d.]+)/g)) {
      crossed.add(Math.floor((+y - y0) / size) + ',' + Math.floor((+x - x0) / size));
    }
  });
  return {n: svg.dataset.panel,
          rows: [...svg.querySelectorAll('text.cnn-index.cnn-row')].map(t => +t.textContent),
          cols: [...svg.querySelectorAll('text.cnn-index:not(.cnn-row)')].map(t => +t.textContent),
          crossed: [...crossed].map(k => k.split(',').map(Number))};
})"""


def drawn(box):
    """``{panel name: {"rows", "cols", "crossed", "boxes"}}``: labels and outlines as drawn."""
    read = {p["n"]: p for p in box.evaluate(T.READ)["panels"]}
    return {p["n"]: {**p, "boxes": read[p["n"]]["b"]} for p in box.evaluate(LABELS)}


def labels_of(panel, box):
    """The (first row, last row, first col, last col) labels an outline covers."""
    r, c, h, w = box[:4]
    return panel["rows"][r], panel["rows"][r + h - 1], panel["cols"][c], panel["cols"][c + w - 1]


def span(text, what):
    """(a, b, c, d) of 'rows a..b, cols c..d of <what>' in a readout."""
    m = re.search(rf"rows (-?\d+)\.\.(-?\d+), cols (-?\d+)\.\.(-?\d+) of {what}", text)
    assert m, (what, text)
    return tuple(int(v) for v in m.groups())


def bring(box, ex, **values):
    """Set the page's explorer (and ``ex``) to ``values``; returns the readout drawn."""
    with ex.hold():
        ex.set(**values)
    box.evaluate(T.SET, T.changes(ex, ex.values))
    shown = box.evaluate(T.READ)
    assert shown == T.expected(ex, ex.values), values
    return shown["readout"]


def click_label(page, box, panel, a, b):
    """Click the cell of ``panel`` whose row and column labels are ``a`` and ``b``."""
    p = drawn(box)[panel]
    r, c = p["rows"].index(a), p["cols"].index(b)
    before = box.evaluate("el => el.dataset.values")
    box.query_selector(f'svg.cnn-panel[data-panel="{panel}"] rect.cnn-cell[data-r="{r}"]'
                       f'[data-c="{c}"]').click()
    return before


def test_padded_coordinates_agree_everywhere(browser, static_page):  # noqa: F811
    context, pg, refused, errors = T.open_offline(browser, static_page, 1280)
    try:
        boxes = T.boxes_of(pg)
        box, ex = boxes[X.GradientFlowExplorer.NAME], X.GradientFlowExplorer()
        for pad in (1, 2):
            # one pixel: the sliders' (u, v) is outlined at the cells labelled (u, v)
            text = bring(box, ex, view="pixel", pad=pad, stride=2, kernel_size=3, pix_r=2, pix_c=3)
            assert "∂E/∂x[2, 3]" in text
            shown = drawn(box)
            for name in ("x", "dx"):
                assert shown[name]["rows"][0] == shown[name]["cols"][0] == -pad
                assert shown[name]["rows"][-1] == 6 + pad
                green = [b for b in shown[name]["boxes"] if b[4] == X._panels.GREEN]
                assert [labels_of(shown[name], b) for b in green] == [(2, 2, 3, 3)], name
            outputs = box.evaluate("el => ['pix_r', 'pix_c'].map(n => el.querySelector("
                                   "`.cnn-control[data-name=\"${n}\"] output`).textContent)")
            assert outputs == ["2", "3"]
            # a click on the cell labelled (0, 0) picks x[0, 0]; the padding picks nothing
            before = click_label(pg, box, "x", 0, 0)
            pg.wait_for_function("([el, k]) => el.dataset.values !== k", arg=[box, before])
            assert "∂E/∂x[0, 0]" in box.evaluate(T.READ)["readout"]
            before = click_label(pg, box, "dx", -1, -1)
            pg.wait_for_timeout(100)
            assert box.evaluate("el => el.dataset.values") == before
            # one output: the window the readout names is the one outlined in x and dX
            text = bring(box, ex, view="output", pad=pad, out_i=1, out_j=1)
            a, b, c, d = span(text, "x")
            shown = drawn(box)
            for name in ("x", "dx_share"):
                orange = [b for b in shown[name]["boxes"] if b[4] == X._panels.ORANGE]
                assert [labels_of(shown[name], o) for o in orange] == [(a, b, c, d)], name
            # the full convolution: the readout's window of the dilated deltas is the
            # outlined one, and dX's pixel (u, v) is labelled (u, v)
            text = bring(box, ex, view="full", pad=pad, pix_r=4, pix_c=1)
            shown = drawn(box)
            window = [labels_of(shown["dilated"], b) for b in shown["dilated"]["boxes"]]
            assert window == [span(text, "the dilated deltas")]
            assert [labels_of(shown["dx"], b) for b in shown["dx"]["boxes"]] == [(4, 4, 1, 1)]
        # im2row (notebook 06): the window in x and the row2im scatter, in x's indices; the
        # rows of the matrix are labelled with their row numbers, and the readout says why
        # only some are drawn
        box, ex = boxes[X.Im2rowExplorer.NAME], X.Im2rowExplorer()
        for mode, panel in (("forward", "x"), ("backward", "scatter")):
            text = bring(box, ex, mode=mode, pad=1, stride=1, kernel_size=3, out_i=2, out_j=4)
            shown = drawn(box)
            window = [labels_of(shown[panel], b) for b in shown[panel]["boxes"]]
            assert window == [span(text, "x")], (mode, text)
            assert shown[panel]["rows"][0] == -1
            lo, hi = ex.band()
            rows = "rows" if mode == "forward" else "d_rows"
            assert shown[rows]["rows"] == list(range(lo, hi))
            assert f"The matrix has {ex.state.rows.shape[0]} rows" in text
            assert f"rows {lo}..{hi - 1}" in text
            assert [labels_of(shown[rows], b)[0] for b in shown[rows]["boxes"]] == [ex.state.row]
        # conv arithmetic: the rows the readout says are skipped are the crossed ones
        box, ex = boxes[X.ConvArithmeticExplorer.NAME], X.ConvArithmeticExplorer()
        text = bring(box, ex, size=7, kernel_size=1, stride=2, pad=1)
        shown = drawn(box)["coverage"]
        assert shown["rows"][0] == -1 and shown["rows"][-1] == 7
        crossed = {(shown["rows"][r], shown["cols"][c]) for r, c in shown["crossed"]}
        skipped = {0, 2, 4, 6}
        assert crossed == {(r, c) for r in range(7) for c in range(7)
                           if r in skipped or c in skipped}
        assert "(rows 0, 2, 4 and 6)" in text and "Real rows and columns 0, 2, 4, 6" in text
        assert not refused and not errors, (refused, errors)
    finally:
        context.close()


# ----------------------------------------------------------------- contrast, light and dark

def test_contrast_light_and_dark_on_the_static_page(browser, static_page):  # noqa: F811
    """Every number, outline and text of the four explorers over views spread across all
    their settings, on the light page and in the site theme's dark mode (1024 px)."""
    worst = {}
    for theme in ("light", "dark"):
        context, pg, refused, errors = T.open_offline(browser, static_page, 1024)
        try:
            if theme == "dark":
                dark_page(pg)
            boxes = T.boxes_of(pg)
            for _, cls in T.EXPLORERS:
                ex, box = cls(), boxes[cls.NAME]
                measures = box.evaluate(SET_AND_MEASURE, settings_of(ex, 24))
                worst[theme, cls.NAME] = check_contrast(measures, (theme, cls.NAME), theme == "dark")
                assert box.evaluate(UNNAMED) == {"unnamed": [], "silent": []}, cls.NAME
                box.evaluate(T.SET, T.changes(ex, ex.values))
                T.OUTPUT.mkdir(exist_ok=True)
                box.screenshot(path=str(T.OUTPUT / f"static_{cls.__name__}_1024px_{theme}.png"))
            assert not refused and not errors, (refused, errors)
        finally:
            context.close()
    print({k: {kind: round(v, 2) for kind, v in w.items()} for k, w in worst.items()})


# ----------------------------------------------------------------- JupyterLab Dark

THEME_SETTINGS = ("lab-settings", "@jupyterlab", "apputils-extension", "themes.jupyterlab-settings")


def test_dark_theme_in_jupyterlab(lab, page, executed):  # noqa: F811
    """JupyterLab Dark, the trusted executed notebook opened (its explorers from the saved
    state): each explorer draws on the theme's dark background, and its numbers, outlines
    and texts keep their contrast; the keyboard still picks a cell."""
    settings = lab.root / "home"
    for part in THEME_SETTINGS:
        settings = settings / part
    settings.write_text('{"theme": "JupyterLab Dark"}')
    name = "dark.ipynb"
    try:
        shutil.copy(executed, lab.notebooks / name)
        subprocess.run([sys.executable, "-m", "jupyter", "trust", str(lab.notebooks / name)],
                       check=True, capture_output=True, timeout=60,
                       env=dict(T.os.environ, HOME=str(lab.root / "home")))
        page.goto(lab.url(f"lab/workspaces/t{secrets.token_hex(4)}/tree/{name}"))
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell")
        T.wait_drawn(page)
        assert page.evaluate("() => document.body.dataset.jpThemeLight") == "false"
        boxes = T.boxes_of(page)
        for _, cls in T.EXPLORERS:
            ex, box = cls(), boxes[cls.NAME]
            box.scroll_into_view_if_needed()
            measures = box.evaluate(SET_AND_MEASURE, settings_of(ex, 6))
            check_contrast(measures, ("JupyterLab Dark", cls.NAME), dark=True)
            box.evaluate(T.SET, T.changes(ex, ex.values))
            T.check_keyboard_pick(page, box, ex)
            box.screenshot(path=str(T.OUTPUT / f"lab_dark_{cls.__name__}.png"))
    finally:
        settings.unlink()


# ----------------------------------------------------------------- a phone

FITS = """el => {
  const edge = el.getBoundingClientRect().right + 0.5;
  const out = [...el.querySelectorAll('*')].filter(n => n.getBoundingClientRect().right > edge
      && n.getClientRects().length).map(n => n.tagName + '.' + n.getAttribute('class'));
  const clipped = [...el.querySelectorAll('.cnn-readout, .cnn-picture, .cnn-control')]
      .filter(n => n.offsetParent && (n.scrollHeight > n.clientHeight + 1
                                     || n.scrollWidth > n.clientWidth + 1))
      .map(n => n.className);
  const wrapped = [...el.querySelectorAll('.cnn-control output, .cnn-label')]
      .filter(n => n.offsetParent && n.getClientRects().length > 1).map(n => n.textContent);
  const small = [...el.querySelectorAll('input, button')]   // touch targets: 24 px at least
      .filter(n => n.offsetParent && n.getBoundingClientRect().height < 24)
      .map(n => n.outerHTML.slice(0, 60));
  return {out, clipped, wrapped, small, page: document.documentElement.scrollWidth - innerWidth};
}"""
FIT = {"out": [], "clipped": [], "wrapped": [], "small": [], "page": 0}


def test_gradient_flow_explorer_on_a_phone(browser, static_page):  # noqa: F811
    """390 px wide (notebook 04's explorer), light and dark: in its widest views nothing
    sticks out or is cut, the page does not scroll sideways."""
    widest = [dict(view="output", stride=2, pad=0, kernel_size=3),
              dict(view="output", stride=1, pad=2, kernel_size=4, out_i=7, out_j=7),
              dict(view="pixel", stride=1, pad=2, kernel_size=2, pix_r=6, pix_c=6),
              dict(view="steps", stride=1, pad=2, kernel_size=4, step=5),
              dict(view="full", stride=3, pad=2, kernel_size=4, pix_r=3, pix_c=5),
              dict(view="full", stride=1, pad=2, kernel_size=4, pix_r=0, pix_c=0)]
    for theme in ("light", "dark"):
        context, pg, refused, errors = T.open_offline(browser, static_page, 390)
        try:
            if theme == "dark":
                dark_page(pg)
            boxes = T.boxes_of(pg)
            box, ex = boxes[X.GradientFlowExplorer.NAME], X.GradientFlowExplorer()
            for values in widest:
                bring(box, ex, **values)
                fit = box.evaluate(FITS)
                assert fit == FIT, (values, fit)
                check_contrast([box.evaluate(CONTRAST)], ("390 px", theme, values), theme == "dark")
            bring(box, ex, view="output", stride=2, pad=1, kernel_size=3, out_i=1, out_j=1)
            box.scroll_into_view_if_needed()
            T.OUTPUT.mkdir(exist_ok=True)
            box.screenshot(path=str(T.OUTPUT / f"static_GradientFlowExplorer_390px_{theme}.png"))
            for _, cls in T.EXPLORERS:   # the others, at their defaults
                fit = boxes[cls.NAME].evaluate(FITS)
                assert fit == FIT, (cls.NAME, fit)
            assert not refused and not errors, (refused, errors)
        finally:
            context.close()
