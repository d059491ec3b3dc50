"""Solve first: a learner who runs all cells of a course notebook, or scrolls past an exercise,
is not shown its answer before trying (review 1, item 1).

The reference listings and demonstrations that would give an exercise away live in a section
"After the exercises" that follows every exercise of the notebook, or appear only once the
learner's own function passes; the checkers' messages shown before an exercise name no recipe
(review 1, item 2).
"""
import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
AFTER = re.compile(r"## (\d+ · )?After the exercises")   # a heading, numbered or not


def _cells(name):
    cells = json.loads((NOTEBOOKS / name).read_text())["cells"]
    out = []
    for cell in cells:
        text = "".join(cell["source"])
        shown = ""
        for o in cell.get("outputs", []):
            shown += "".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
        out.append((cell["cell_type"], text, shown))
    return out


def _is_exercise(kind, text):
    return kind == "code" and ('raise NotImplementedError("your turn")' in text or re.search(r"^\w+ = None\b", text, re.M))


def _split(name):
    """(cells before the section after the exercises, the cells of that section); the section
    comes after the notebook's last exercise."""
    cells = _cells(name)
    last = max(k for k, (kind, text, _) in enumerate(cells) if _is_exercise(kind, text))
    heads = [k for k, (kind, text, _) in enumerate(cells) if kind == "markdown" and AFTER.match(text)]
    assert len(heads) == 1 and heads[0] > last, f"{name}: one 'After the exercises' section, after the last exercise"
    return cells[:heads[0]], cells[heads[0]:]


def test_01_shows_no_recipe_before_or_in_its_exercise():
    cells = _cells("01_cross_correlation_and_convolution.ipynb")
    k = next(k for k, (kind, text, _) in enumerate(cells) if kind == "code" and text.startswith("answer = None"))
    template, task = cells[k][1], cells[k - 1][1] + cells[k - 3][1]
    assert "rot180" not in template and "cross_correlate2d" not in template
    assert "rot180" not in task and "cross_correlate2d" not in task
    shown = " ".join(out for _, _, out in cells[:k])
    assert "rotate once" not in shown.lower() and "cross_correlate2d(" not in shown


def test_02_prints_cnnlibs_loops_only_after_the_exercises_and_once_the_learners_pass():
    before, after = _split("02_conv_layer_forward.ipynb")
    assert not any("getsource" in text for kind, text, _ in before if kind == "code")
    listing = [(text, out) for kind, text, out in after if "getsource(conv2d_forward_naive)" in text]
    assert len(listing) == 1
    text, out = listing[0]
    assert re.search(r"^if check_conv_forward_loops\(conv_forward_loops\):", text, re.M)
    assert "def conv2d_forward_naive" not in out      # the committed template is not written


def test_05_keeps_the_pooling_backward_loops_and_cnnlibs_checks_after_the_exercises():
    before, after = _split("05_relu_and_pooling.ipynb")
    code = "\n".join(text for kind, text, _ in before if kind == "code")
    for answer in ("unravel_index", ".argmax(", "maxpool2d_backward_naive", "avgpool2d_backward", "getsource"):
        assert answer not in code, f"{answer} before notebook 05's exercises are all behind"
    after_code = "\n".join(text for kind, text, _ in after if kind == "code")
    assert "maxpool2d_backward_naive" in after_code and "avgpool2d_backward" in after_code


def test_06_prints_no_answer_before_its_exercises_are_all_behind():
    before, after = _split("06_im2row_vectorization.ipynb")
    code = "\n".join(text for kind, text, _ in before if kind == "code")
    shown = "\n".join(out for _, _, out in before)
    assert "getsource" not in code and "def row2im_overwrite" not in shown
    assert "window.ravel()" not in code                   # §1's window-by-window check of im2row
    after_code = "\n".join(text for kind, text, _ in after if kind == "code")
    assert "window.ravel()" in after_code and "getsource" in after_code


def test_06_times_the_layer_cheaply_unless_asked():
    cells = _cells("06_im2row_vectorization.ipynb")
    bench = [text for kind, text, _ in cells if kind == "code" and "compare_conv(" in text]
    assert len(bench) == 1
    assert re.search(r"^WITH_TORCH = False\b", bench[0], re.M)
    limit = int(re.search(r"naive_limit=([\d_]+)", bench[0]).group(1).replace("_", ""))
    assert limit < 2 * 3 * 26 * 26       # the loops run on one of the 64 digits (3 maps of 26 x 26 each)
