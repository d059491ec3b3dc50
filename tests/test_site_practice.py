"""The practise mode on the course website (``make site``), offline, with no kernel.

On every page whose notebook saved a browser-drawn explorer, each explorer answers three
questions through the page (right, a catalogued mistake, unexplained: what
``practice._question.judge`` says, word for word); screenshots at 1280 and 390 px, light
and in the site theme's dark mode (``<html data-theme="dark">``). The site, its server and
the offline tab come from ``test_site.py``; how a question is answered from
``test_browser_practice.py``.
"""
import pytest

import test_browser_practice as BP
import test_site as S
from test_browser import browser  # noqa: F401  (fixtures)
from test_site import server, site  # noqa: F401

from cnnlib.explorers.practice._question import decode

PAGES = {}   # page -> [explorer names, in page order]
for _page, _model in S._saved_models():
    _state = _model.get("state", {})
    if _model.get("model_module") == "anywidget" and _state.get("spec", {}).get("name") in BP.NAMES:
        PAGES.setdefault(_page, []).append(_state)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_practise_on_the_site(browser, server, name):  # noqa: F811
    stale = [s["spec"]["name"] for s in PAGES[name] if not s.get("practice")]
    assert not stale, f"notebooks/{name}.ipynb saved no practice questions for {stale}: execute it again"
    for width, theme in ((1280, "light"), (390, "dark")):
        visit = S.Visit(browser, server)
        try:
            page = visit.page
            page.set_viewport_size({"width": width, "height": 900})
            if theme == "dark":   # the theme's toggle stores its choice; the page reads it first
                page.add_init_script("localStorage.setItem('theme', 'dark'); localStorage.setItem('mode', 'dark');")
            visit.open(server + S.html_name(name))
            if theme == "dark":
                page.evaluate("() => document.documentElement.dataset.theme = 'dark'")
            page.wait_for_function("n => document.querySelectorAll('.cnp-modes:not([hidden])').length >= n",
                                   arg=len(PAGES[name]))
            boxes = page.locator(".cnn-explorer").element_handles()
            assert len(boxes) == len(PAGES[name])
            for k, (box, saved) in enumerate(zip(boxes, PAGES[name])):
                data = decode(saved["practice"])
                slug = f"{name.replace('/', '_')}_{k}_{width}_{theme}"
                BP.answer_three_ways(page, box, data, shots=S.OUTPUT / f"site_practice_{slug}.png")
                if width == 390:
                    right = box.evaluate("el => Math.max(...[...el.querySelectorAll('.cnp-box *')]"
                                         ".map(e => e.getBoundingClientRect().right))")
                    assert right <= page.evaluate("() => document.documentElement.clientWidth") + 1, slug
            visit.assert_clean(f"{name} ({width} px, {theme})")
        finally:
            visit.close()
