"""The explorers' practise mode in a real browser: the offline static page, JupyterLab (after
Run All, and a trusted notebook that was not run) and Voila.

A notebook with the five explorers is executed (its saved widget state holds each
explorer's questions, ``cnnlib.explorers.practice``). In each explorer, with no kernel on
the static page and after Run All in JupyterLab, three questions are answered through the
page as a learner does (clicks on cells, the keyboard, a typed number, a button):

- one right: the page says "Right!" and Python's words for it;
- one with a catalogued mistake: the page names it (every mistake that gives that answer);
- one wrong in a way no mistake explains: the page gives the question's pointer, never the
  answer;

and what the page says is, word for word, what ``practice._question.judge`` says for the
same answer. The page's comparison is also run on every stored question of every explorer
(the right answer, each mistake's answer, an unexplained one: over 1,000 answers) against
Python's. Progress ("1 of 3 right") survives a reload and is reset by its button; a page
whose storage is refused still asks and counts. Screenshots at 1280 and 390 px, light and
dark, go to ``tests/output/`` (gitignored). The browser, the servers and the offline route
come from ``test_browser.py``.
"""
import json
import re
import shutil
import subprocess
import sys

import pytest

import test_browser as T
from test_browser import browser, lab, page  # noqa: F401  (fixtures)

from cnnlib.explorers import practice as P
from cnnlib.explorers.practice._question import decode, judge

CODES = ["gradient_flow_explorer()", "conv_arithmetic_explorer()", "pooling_explorer()",
         "im2row_explorer()", "network_explorer()"]
NAMES = ["gradient-flow explorer", "conv-arithmetic explorer", "pooling explorer", "im2row explorer",
         "network explorer"]
FEEDBACK = """el => { const f = el.querySelector('.cnp-feedback');
  return [f.dataset.verdict, f.textContent, el.querySelector('.cnp-score').textContent]; }"""


def make_notebook(folder, name="practice.ipynb"):
    """A notebook with the five explorers, executed (its widget state saved)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("from cnnlib.explorers import (conv_arithmetic_explorer, "
                                          "gradient_flow_explorer, im2row_explorer, network_explorer, "
                                          "pooling_explorer)")]
    nb.cells += [nbformat.v4.new_code_cell(code) for code in CODES]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / name
    nbformat.write(nb, str(path))
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                    "--inplace", str(path)], check=True, capture_output=True, timeout=300)
    return path


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    return make_notebook(tmp_path_factory.mktemp("practice"))


@pytest.fixture(scope="module")
def saved(executed):
    """{explorer name: the questions as saved in the notebook's widget state}."""
    state = json.loads(executed.read_text())["metadata"]["widgets"][
        "application/vnd.jupyter.widget-state+json"]["state"]
    found = {}
    for model in state.values():
        s = model.get("state", {})
        if s.get("practice"):
            data = decode(s["practice"])
            found[data["name"]] = data
    assert sorted(found) == sorted(NAMES)
    return found


@pytest.fixture(scope="module")
def static_page(executed, tmp_path_factory):
    if shutil.which("npm") is None:
        pytest.skip("the static page needs npm to fetch require.js and the widget manager")
    from cnnlib.explorers.static import static_html

    folder = tmp_path_factory.mktemp("practice_static")
    page_file = static_html(executed, folder)
    server = T.StaticServer(folder)
    yield server.url + page_file.name
    server.stop()


def wait_five(page, timeout=90_000):
    page.wait_for_function("() => document.querySelectorAll('.cnn-explorer[data-key]').length >= 5 "
                           "&& document.querySelectorAll('.cnp-modes:not([hidden])').length >= 5",
                           timeout=timeout)


# ------------------------------------------------------------------ which answers to give

def _unexplained(q):
    """A wrong answer no mistake explains (None where a question has none: a choice)."""
    taken = [q["a"]] + [a for a, _ in q["m"]]
    if q["t"] == "number":
        return next(repr(v) for v in (q["a"] + 0.5, q["a"] - 7, q["a"] + 101)
                    if all(abs(v - a) > q["tol"] for a in taken))
    if q["t"] == "cells":
        n = len(q["p"][q["tp"]]["g"].split(";")) * q["nc"]
        extra = next((c for c in range(n) if c not in q["a"] and sorted(q["a"] + [c]) not in taken), None)
        return None if extra is None else sorted(q["a"] + [extra])
    return None


def plan(data):
    """Three questions of different kinds where possible: ``[(index, how, answer)]`` with how
    "right", "mistake" (preferably one named by two mistakes) and "unexplained"."""
    qs = data["questions"]
    cells = [k for k, q in enumerate(qs) if q["t"] == "cells" and 0 < len(q["a"]) <= 4]
    right = cells[0] if cells else 0
    others = [k for k, q in enumerate(qs) if q["k"] != qs[right]["k"] and q["m"]]
    both = [k for k in others if any(len(keys) > 1 for _, keys in qs[k]["m"])]
    mistake = (both or others)[0]
    pair = next(g for g in qs[mistake]["m"] if len(g[1]) > 1) if both else qs[mistake]["m"][0]
    rest = [k for k, q in enumerate(qs) if k not in (right, mistake) and _unexplained(q) is not None]
    loose = next(k for k in rest if qs[k]["k"] not in (qs[right]["k"], qs[mistake]["k"])) \
        if any(qs[k]["k"] not in (qs[right]["k"], qs[mistake]["k"]) for k in rest) else rest[0]
    return [(right, "right", qs[right]["a"]), (mistake, "mistake", pair[0]),
            (loose, "unexplained", _unexplained(qs[loose]))]


def _text(fragment):
    return T.text_of(fragment)


def give(page, box, q, answer, keyboard=False):
    """Answer the shown question ``q`` through the page; returns what judge() is given."""
    if q["t"] == "number":
        typed = answer if isinstance(answer, str) else re.sub(r"^-", "−", f"{answer:g}")
        field = box.query_selector(".cnp-input")
        field.fill(typed)
        field.press("Enter")
        return typed
    if q["t"] == "choice":
        box.query_selector(f'.cnp-option[data-k="{answer}"]').click()
        return answer
    nc = q["nc"]
    if keyboard:   # arrow keys to each cell, Space to pick it, then Check with Enter
        box.query_selector(".cnp-target").focus()
        at = (0, 0)
        for flat in sorted(answer):
            r, c = divmod(flat, nc)
            for _ in range(abs(r - at[0])):
                page.keyboard.press("ArrowDown" if r > at[0] else "ArrowUp")
            for _ in range(abs(c - at[1])):
                page.keyboard.press("ArrowRight" if c > at[1] else "ArrowLeft")
            page.keyboard.press("Space")
            at = (r, c)
        box.query_selector(".cnp-check").focus()
        page.keyboard.press("Enter")
    else:
        for flat in answer:
            r, c = divmod(flat, nc)
            box.query_selector(f'.cnp-target rect.cnn-cell[data-r="{r}"][data-c="{c}"]').click()
        box.query_selector(".cnp-check").click()
    return list(answer)


def answer_three_ways(page, box, data, shots=None):
    """Practise mode on; three questions answered (right, a named mistake, unexplained); each
    time the page says what judge() says. Returns the three (verdict, text) the page showed."""
    module = P.MODULES[data["name"]]
    box.scroll_into_view_if_needed()
    box.query_selector('.cnp-modes button[data-mode="practise"]').click()
    page.wait_for_function("el => el.querySelector('.cnp-box').dataset.question !== undefined", arg=box)
    box.query_selector(".cnp-reset").click()
    shown = []
    for n, (k, how, answer) in enumerate(plan(data)):
        q = data["questions"][k]
        box.evaluate("(el, k) => el.cnnPractice.ask(k)", k)
        assert box.evaluate("el => el.querySelector('.cnp-q').textContent") == _text(q["q"])
        given = give(page, box, q, answer, keyboard=(how == "right" and q["t"] == "cells"))
        verdict, text, score = box.evaluate(FEEDBACK)
        want_verdict, keys, want = judge(q, given, module.MISTAKES)
        assert verdict == want_verdict == how, (data["name"], q["k"], q["s"], text)
        assert text == _text(want), (data["name"], q["k"])
        assert box.evaluate("el => el.querySelector('.cnp-feedback').dataset.mistakes") == " ".join(keys)
        if how == "mistake":
            for key in keys:
                assert module.MISTAKES[key].name in text
        if how == "unexplained":
            assert _text(q["w"]) not in text and text.startswith("Not yet. ")
        assert score == f"1 of {n + 1} right", score
        shown.append((verdict, text))
        if shots and how == "unexplained":
            box.screenshot(path=str(shots))
    # a second answer to a question does not count again: right now, still "1 of 3"
    k, _, _ = plan(data)[2]
    q = data["questions"][k]
    if q["t"] != "cells":
        give(page, box, q, q["a"])
        assert box.evaluate(FEEDBACK)[0] == "right" and box.evaluate(FEEDBACK)[2] == "1 of 3 right"
    return shown


# ------------------------------------------------------------------ the static page, offline

def test_practise_in_every_explorer_on_the_static_page_offline(browser, static_page, saved):
    context, page, refused, errors = T.open_offline(browser, static_page, 1280, wait=wait_five)
    try:
        T.OUTPUT.mkdir(exist_ok=True)
        boxes = T.boxes_of(page)
        for name in NAMES:
            slug = name.split()[0]
            answer_three_ways(page, boxes[name], saved[name],
                              shots=T.OUTPUT / f"practice_{slug}_1280.png")
        # the page's judge on every stored question of every explorer: the right answer, each
        # mistake's answer, a wrong one no mistake explains; verdict, keys and words = Python's
        cases, want = [], []
        for name in NAMES:
            data, module = saved[name], P.MODULES[name]
            for q in data["questions"]:
                answers = [q["a"]] + [a for a, _ in q["m"]] + [a for a in [_unexplained(q)] if a is not None]
                for a in answers:
                    given = (a if isinstance(a, str) else repr(float(a))) if q["t"] == "number" else a
                    cases.append([name, q, given])
                    verdict, keys, text = judge(q, given, module.MISTAKES)
                    want.append([verdict, keys, text])
        got = T.boxes_of(page)["im2row explorer"].evaluate(
            "(el, cases) => cases.map(([name, q, given, m]) => el.cnnPractice.judge(q, given, m))",
            [[name, q, given, {k: [v.name, v.says] for k, v in P.MODULES[name].MISTAKES.items()}]
             for name, q, given in cases])
        assert len(got) == len(want) > 1000
        for (name, q, given), g, w in zip(cases, got, want):
            assert g == w, (name, q["k"], q["s"], given)
        # progress is kept across a reload, then reset
        page.reload()
        wait_five(page)
        box = T.boxes_of(page)["pooling explorer"]
        box.query_selector('.cnp-modes button[data-mode="practise"]').click()
        page.wait_for_function("el => el.querySelector('.cnp-score').textContent.length > 0", arg=box)
        assert box.evaluate(FEEDBACK)[2] == "1 of 3 right"
        box.query_selector(".cnp-reset").click()
        assert box.evaluate(FEEDBACK)[2] == "0 of 0 right"
        # "show this in the explorer": back to exploring, at the question's setting
        q = saved["pooling explorer"]["questions"][0]
        box.evaluate("el => el.cnnPractice.ask(0)")
        box.query_selector(".cnp-show").click()
        values = json.loads(box.evaluate("el => el.dataset.values"))
        assert box.evaluate("el => el.dataset.mode") == "explore"
        assert {k: values[k] for k in q["e"]} == q["e"]
        assert box.query_selector(".cnp-box").is_hidden() and box.query_selector(".cnn-picture").is_visible()
        assert not refused and not errors, (refused, errors)
    finally:
        context.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_practise_on_a_phone_and_in_dark_mode(browser, static_page, saved, theme):
    """390 px wide: the question, its panels and the feedback fit the width; the feedback is
    readable (contrast 4.5:1 at least) in the site's light and dark themes."""
    context, page, refused, errors = T.open_offline(browser, static_page, 390, scale=2, wait=wait_five)
    try:
        if theme == "dark":
            page.evaluate("() => { document.documentElement.dataset.theme = 'dark';"
                          " document.body.style.background = '#121212'; }")
        boxes = T.boxes_of(page)
        for name in NAMES:
            box = boxes[name]
            answer_three_ways(page, box, saved[name],
                              shots=T.OUTPUT / f"practice_{name.split()[0]}_390_{theme}.png")
            fit = box.evaluate("""el => {
              const b = el.querySelector('.cnp-box').getBoundingClientRect();
              const parts = [...el.querySelectorAll('.cnp-box svg, .cnp-box button, .cnp-feedback, .cnp-q')];
              const f = getComputedStyle(el.querySelector('.cnp-feedback'));
              return {right: Math.max(...parts.map(p => p.getBoundingClientRect().right)),
                      edge: Math.min(b.right, window.innerWidth), fg: f.color, bg: f.backgroundColor,
                      targets: [...el.querySelectorAll('.cnp-box button')].map(x => x.getBoundingClientRect().height)};
            }""")
            assert fit["right"] <= fit["edge"] + 1, (name, fit)
            assert min(fit["targets"]) >= 24, (name, fit)
            assert _contrast(fit["fg"], fit["bg"]) >= 4.5, (name, theme, fit)
        assert not refused and not errors, (refused, errors)
    finally:
        context.close()


def _contrast(a, b):
    def lum(css):
        rgb = [int(v) / 255 for v in re.findall(r"\d+", css)[:3]]
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted([lum(a), lum(b)], reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_a_page_without_storage_still_practises(browser, static_page, saved):
    """localStorage refused (a sandboxed frame, strict privacy settings): questions are asked
    and counted for this visit, and the page says the count is not kept."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script("Object.defineProperty(window, 'localStorage', "
                            "{get() { throw new DOMException('refused', 'SecurityError'); }});")
    page_ = context.new_page()
    errors = []
    page_.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page_.goto(static_page)
        wait_five(page_)
        box = T.boxes_of(page_)["conv-arithmetic explorer"]
        data = saved["conv-arithmetic explorer"]
        box.query_selector('.cnp-modes button[data-mode="practise"]').click()
        page_.wait_for_function("el => el.querySelector('.cnp-score').textContent.length > 0", arg=box)
        assert "not kept" in box.evaluate("el => el.querySelector('.cnp-kept').textContent")
        k = next(k for k, q in enumerate(data["questions"]) if q["t"] == "number")
        box.evaluate("(el, k) => el.cnnPractice.ask(k)", k)
        give(page_, box, data["questions"][k], "four")   # not a number: said so, not counted
        assert box.evaluate(FEEDBACK) == ["unreadable", "Type a number, for example -3, 0.25 or 2/9.",
                                          "0 of 0 right"]
        give(page_, box, data["questions"][k], data["questions"][k]["a"])
        assert box.evaluate(FEEDBACK)[0] == "right" and box.evaluate(FEEDBACK)[2] == "1 of 1 right"
        assert not errors, errors
    finally:
        context.close()


# ------------------------------------------------------------------ JupyterLab

def test_practise_in_every_explorer_in_jupyterlab(lab, page, executed, saved):  # noqa: F811
    """Run All, then the same three answers in each explorer (keys and digits typed into the
    practise box are not taken by JupyterLab's shortcuts)."""
    shutil.copy(executed, lab.notebooks / "practice.ipynb")
    T.open_and_run_all(lab, page, "practice.ipynb")
    wait_five(page)
    boxes = T.boxes_of(page)
    for name in NAMES:
        answer_three_ways(page, boxes[name], saved[name],
                          shots=T.OUTPUT / f"practice_lab_{name.split()[0]}.png")
    cells = page.evaluate("() => document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) "
                          ".jp-Cell').length")
    assert cells == len(CODES) + 1   # no key press reached the notebook (no cell added or cut)
    # JupyterLab's dark theme: the practise box follows its colours, the feedback stays readable
    page.locator(".lm-MenuBar-itemLabel", has_text="Settings").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Theme").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="JupyterLab Dark").first.click()
    page.wait_for_selector('body[data-jp-theme-light="false"]', state="attached")
    for name in NAMES:
        box = boxes[name]
        box.scroll_into_view_if_needed()
        colours = box.evaluate(r"""el => ['.cnp-feedback', '.cnp-q', '.cnp-score'].map(s => {
            const c = getComputedStyle(el.querySelector(s));
            let bg = c.backgroundColor, up = el.querySelector(s);
            while (/rgba\(0, 0, 0, 0\)|transparent/.test(bg) && up.parentElement) {
              up = up.parentElement; bg = getComputedStyle(up).backgroundColor; }
            return [c.color, bg]; })""")
        for fg, bg in colours:
            assert _contrast(fg, bg) >= 4.5, (name, fg, bg)
        box.screenshot(path=str(T.OUTPUT / f"practice_lab_dark_{name.split()[0]}.png"))


# ------------------------------------------------------------------ Voila

def test_practise_in_voila(browser, executed, saved, tmp_path):
    """``voila NOTEBOOK``: the explorers are made by a kernel again, with the same questions."""
    with T.voila_app(browser, executed, tmp_path) as page_:
        wait_five(page_)
        boxes = T.boxes_of(page_)
        for name in ("pooling explorer", "network explorer"):
            answer_three_ways(page_, boxes[name], saved[name])


def test_practise_in_a_trusted_notebook_that_was_not_run(lab, page, executed, saved):  # noqa: F811
    """Opened trusted, nothing run: the explorers come from the saved state, questions too."""
    name = "trusted_practice.ipynb"
    shutil.copy(executed, lab.notebooks / name)
    subprocess.run([sys.executable, "-m", "jupyter", "trust", str(lab.notebooks / name)],
                   check=True, capture_output=True, timeout=60,
                   env=dict(T.os.environ, HOME=str(lab.root / "home")))
    page.goto(lab.url(f"lab/workspaces/t{T.secrets.token_hex(4)}/tree/{name}"))
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell")
    wait_five(page)
    boxes = T.boxes_of(page)
    for explorer in ("gradient-flow explorer", "network explorer"):
        answer_three_ways(page, boxes[explorer], saved[explorer])
