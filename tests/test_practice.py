"""The explorers' practice questions (``cnnlib.explorers.practice``), as the browser gets them.

For each of the five explorers, every question stored in its widget state:

- is what cnnlib computes for its setting (the stored JSON is ``ask``'s, nothing else);
- has no mistake whose answer is the right one, and every wrong answer a catalogued mistake
  gives is named with every mistake that gives it (two mistakes with one answer: both);
- is answered by an independent route, loops written here the way a learner would write
  them: the right one is judged right, and each learner-style mistake (a loop that forgets
  the stride, flips the kernel, ...) is named as that mistake on every stored question
  where it applies;
- gives a wrong answer that no mistake explains a pointer, never the answer.

Also: every mistake of each catalogue is asked somewhere; the saved state is small and the
same on every run; typed numbers are read as the browser reads them.
"""
import itertools
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from cnnlib import explorers as X
from cnnlib.explorers import practice as P
from cnnlib.explorers.gradient_flow_state import gradient_flow_layer
from cnnlib.explorers.pooling import pooling_layer
from cnnlib.explorers.practice._question import decode, judge, parse_number
from cnnlib.explorers._panels import plain

SMALL = {"gradient-flow explorer": X.GradientFlowExplorer, "conv-arithmetic explorer": X.ConvArithmeticExplorer,
         "pooling explorer": X.PoolingExplorer, "im2row explorer": X.Im2rowExplorer}
NAMES = list(SMALL) + ["network explorer"]


@pytest.fixture(scope="module")
def network():
    return X.NetworkExplorer()


def _explorer(name, network):
    return network if name == "network explorer" else SMALL[name]()


@pytest.fixture(scope="module")
def stored(network):
    """{explorer name: the decoded practice trait}, as the browser reads it."""
    return {name: decode(P.practice_data(_explorer(name, network))) for name in NAMES}


def _states(network):
    return {d: (network.label_of(d), network._state(d, network.label_of(d))) for d in network.precomputed}


def _asked(name, q, network):
    """The question ``ask`` makes for a stored question's setting, in stored (JSON) form."""
    module = P.MODULES[name]
    if name == "network explorer":
        digit = q["s"]["digit"]
        label, state = _states(network)[digit]
        fresh = module.ask(q["k"], q["s"], state, label)
    else:
        fresh = module.ask(q["k"], q["s"])
    return fresh, json.loads(json.dumps(fresh.stored()))


@pytest.mark.parametrize("name", NAMES)
def test_stored_questions_are_cnnlibs_and_every_mistake_is_named(name, stored, network):
    data = stored[name]
    module = P.MODULES[name]
    assert data["name"] == name
    assert set(data["mistakes"]) == set(module.MISTAKES)
    assert len(data["questions"]) >= 40
    for q in data["questions"]:
        fresh, as_json = _asked(name, q, network)
        assert q == as_json, (q["k"], q["s"])
        assert fresh.problems() == [], (q["k"], q["s"])
        assert judge(q, _typed(q, q["a"]), module.MISTAKES)[0] == "right"
        for answer, keys in q["m"]:
            assert not fresh.same(answer, fresh.right), (q["k"], q["s"], keys)
            verdict, named, text = judge(q, _typed(q, answer), module.MISTAKES)
            assert (verdict, named) == ("mistake", keys), (q["k"], q["s"])
            for key in keys:
                assert module.MISTAKES[key].name in text
        for key, answers in fresh.mistakes.items():   # every answer of every mistake: named
            for a in answers:
                assert key in judge(q, _typed(q, fresh.normal(a)), module.MISTAKES)[1], (q["s"], key)


@pytest.mark.parametrize("name", NAMES)
def test_every_catalogued_mistake_is_asked_and_every_kind_too(name, stored):
    module = P.MODULES[name]
    asked = {k for q in stored[name]["questions"] for _, keys in q["m"] for k in keys}
    assert asked == set(module.MISTAKES)
    assert {q["k"] for q in stored[name]["questions"]} == set(module.ASK)


def _typed(q, answer):
    """An answer as the learner gives it: a number typed as text, cells, an option."""
    return plain(answer) if q["t"] == "number" and float(answer).is_integer() else \
        (repr(float(answer)) if q["t"] == "number" else answer)


@pytest.mark.parametrize("name", NAMES)
def test_unexplained_wrong_answers_get_a_pointer_never_the_answer(name, stored):
    module = P.MODULES[name]
    counted = 0
    for q in stored[name]["questions"]:
        taken = [q["a"]] + [a for a, _ in q["m"]]
        if q["t"] == "number":
            tol = q["tol"]
            wrong = next(v for v in (q["a"] + 0.5, q["a"] - 7, -q["a"] - 13.5, q["a"] + 101)
                         if all(abs(v - a) > tol for a in taken))
            verdict, keys, text = judge(q, repr(wrong), module.MISTAKES)
            assert (verdict, keys) == ("unexplained", []) and text == "Not yet. " + q["x"]["text"]
            right = plain(q["a"])
            shown = set(re.findall(r"-?\d+(?:\.\d+)?", q["q"]))
            if right not in shown and len(right) > 1:   # the answer is no number of the pointer
                # (beyond the question's; a one-digit answer may be a count there, "1 term")
                assert right not in re.findall(r"-?\d+(?:\.\d+)?", text), (q["s"], text)
            counted += 1
        elif q["t"] == "cells":
            cells = q["p"][q["tp"]]["g"].split(";")
            n = len(cells) * len(cells[0].split(","))
            extra = next((c for c in range(n) if c not in q["a"]
                          and tuple(sorted(q["a"] + [c])) not in [tuple(a) for a in taken]), None)
            if extra is not None:
                verdict, _, text = judge(q, q["a"] + [extra], module.MISTAKES)
                r, c = divmod(extra, q["nc"])
                assert verdict == "unexplained" and "{" not in text and text != "Not yet. ", text
                assert q["w"] not in text
                counted += 1
            if len(q["a"]) > 1 and q["a"][1:] not in [list(a) for a in taken]:
                verdict, _, text = judge(q, q["a"][1:], module.MISTAKES)
                assert (verdict, text) == ("unexplained", "Not yet. " + q["x"]["missing"])
        if q["t"] != "choice":
            assert "<b>" not in json.dumps(q["x"])   # the answer is bold in ``why`` only
    assert counted >= 20


def test_typed_numbers_are_read_as_the_browser_reads_them():
    cases = {"-3": -3.0, "−3": -3.0, " 0.25 ": 0.25, ",5": 0.5, "0,25": 0.25, "2/9": 2 / 9,
             "-1/16": -1 / 16, "1e-2": 0.01, "+4": 4.0, "4.": 4.0}
    for text, value in cases.items():
        assert parse_number(text) == pytest.approx(value), text
    for text in ("", "abc", "1/0", "2 3x", "--1", "1/2/3", "nan", "inf"):
        assert parse_number(text) is None, text


def test_the_saved_state_is_small_and_the_same_on_every_run(network):
    for name in NAMES:
        ex = _explorer(name, network)
        text = P.practice_data(ex)
        assert len(text) < 12_000, (name, len(text))   # base64 characters in the notebook
        assert text == P.practice_data(ex)
    first = P.practice_data(X.PoolingExplorer())
    P._encoded.cache_clear()
    assert P.practice_data(X.PoolingExplorer()) == first   # computed again: the same


def test_the_explorers_fill_the_practice_trait_at_display(network):
    ex = X.Im2rowExplorer()
    assert ex.practice == ""
    ex._repr_mimebundle_()
    assert decode(ex.practice)["name"] == "im2row explorer"
    assert network.practice == "" or decode(network.practice)["name"] == "network explorer"
    with pytest.raises(ValueError, match="expected one of the explorers"):
        P.practice_data(type("Other", (), {"NAME": "other"})())


# ------------------------------------------------------------------ learner-style answers
# Each function takes a stored setting and returns an answer computed here with loops, as a
# learner would: "right" or with one catalogued mistake. On every stored question of its kind
# the right one must be judged right, and each mistaken one named as its mistake wherever the
# question asks about that mistake.

def _gf(s):
    k, st, p = s["kernel_size"], s["stride"], s["pad"]
    x, w, _, d = gradient_flow_layer(1, 0, k, st, p)
    return np.pad(x[0, 0], p), x[0, 0], w[0, 0], d[0, 0], k, st, p


def gf_dx(s, flip=False, stride=None, shift=None):
    xp, x, w, d, k, st, p = _gf(s)
    st = st if stride is None else stride
    shift = p if shift is None else shift
    total = 0.0
    for i, j in np.ndindex(d.shape):
        m, q = s["u"] + shift - st * i, s["v"] + shift - st * j
        if 0 <= m < k and 0 <= q < k:
            total += d[i, j] * (w[k - 1 - m, k - 1 - q] if flip else w[m, q])
    return total


def gf_dx_terms(s):
    xp, x, w, d, k, st, p = _gf(s)
    return [d[i, j] * w[s["u"] + p - st * i, s["v"] + p - st * j] for i, j in np.ndindex(d.shape)
            if 0 <= s["u"] + p - st * i < k and 0 <= s["v"] + p - st * j < k]


def gf_dw(s, flipped=False, padded=True, stride=None):
    xp, x, w, d, k, st, p = _gf(s)
    st = st if stride is None else stride
    src = xp if padded else np.pad(x, ((0, 2 * p), (0, 2 * p)))
    h, wd = d.shape
    total = 0.0
    for i, j in np.ndindex(d.shape):
        a, b = st * i + s["m"], st * j + s["q"]
        dd = d[h - 1 - i, wd - 1 - j] if flipped else d[i, j]
        total += dd * src[a, b]
    return total


def gf_reach(s, stride=None, pad=None):
    xp, x, w, d, k, st, p = _gf(s)
    st = st if stride is None else stride
    p = p if pad is None else pad
    return [(i, j) for i, j in np.ndindex(d.shape)
            if st * i - p <= s["u"] <= st * i - p + k - 1 and st * j - p <= s["v"] <= st * j - p + k - 1]


def ca_size(s, ceil=False, plus_one=True, pad_times=2, stride=True):
    h, k, st, p = s["size"], s["kernel_size"], s["stride"], s["pad"]
    span = h + pad_times * p - k
    div = span / (st if stride else 1)
    return (math.ceil(div) if ceil else math.floor(div)) + (1 if plus_one else 0)


def ca_unread(s, ceil=False, padded=True, stride=True, gaps=True):
    h, k, st, p = s["size"], s["kernel_size"], s["stride"], s["pad"]
    hp, st = h + 2 * p, st if stride else 1
    src = hp if padded else h
    n = (math.ceil((src - k) / st) if ceil else (src - k) // st) + 1
    read = {r for i in range(n) for r in range(st * i, st * i + k)}
    rows = range(hp) if padded else range(h)
    unread = [r + (0 if padded else p) for r in rows if r not in read]
    if not gaps:
        unread = [r for r in unread if r > max(read)]
    return [[r, 0] for r in unread]


def _pool(s):
    x, d = pooling_layer(0, s["size"], s["stride"])
    return x[0, 0], d[0, 0], s["size"], s["stride"]


def _window(x, k, st, i, j):
    return [(st * i + a, st * j + b) for a in range(k) for b in range(k)]


def pool_route(s, rule="first", strided=True):
    x, d, k, st = _pool(s)
    cells = _window(x, k, st if strided else 1, s["i"], s["j"])
    if rule == "all" or (s["mode"] == "avg" and rule == "first"):
        return cells
    top = max(x[c] for c in cells)
    ties = [c for c in cells if x[c] == top]
    return {"first": ties[:1], "last": ties[-1:], "ties": ties}[rule]


def pool_dx(s, rule=None, share=None):
    """rule: 'first', 'last', 'ties', 'all' (split evenly); share: the divisor of δ."""
    x, d, k, st = _pool(s)
    rule = rule or ("first" if s["mode"] == "max" else "all")
    share = share or (1 if rule != "all" else k * k)
    total, parts = 0.0, []
    for i, j in np.ndindex(d.shape):
        cells = _window(x, k, st, i, j)
        if (s["r"], s["c"]) not in cells:
            continue
        top = max(x[c] for c in cells)
        ties = [c for c in cells if x[c] == top]
        got = {"first": ties[:1], "last": ties[-1:], "ties": ties, "all": cells}[rule]
        if (s["r"], s["c"]) in got:
            total += d[i, j] / share
            parts.append(d[i, j] / share)
    return total, parts


def _n(s):
    return (7 + 2 * s["pad"] - s["kernel_size"]) // s["stride"] + 1


def ir_entries(s, stride=None, pad=None, transposed=False):
    k, n = s["kernel_size"], _n(s)
    st = s["stride"] if stride is None else stride
    p = s["pad"] if pad is None else pad
    out = []
    for i, j, m, q in itertools.product(range(n), range(n), range(k), range(k)):
        if st * i - p + m == s["u"] and st * j - p + q == s["v"]:
            out.append([i * n + j, (q * k + m) if transposed else (m * k + q)])
    return out


def net_state(network, s):
    return _states(network)[s["digit"]][1]


def _first_max(window):
    flat = list(np.ravel(window))
    return flat.index(max(flat))


def net_count(network, s, rule="winner"):
    st = net_state(network, s)
    relu, conv = st.act["relu2"], st.act["conv2"]
    count = 0
    for f, i, j in np.ndindex(10, 5, 5):
        win = relu[f, 2 * i:2 * i + 2, 2 * j:2 * j + 2]
        if rule == "split":
            count += 4
        elif rule == "winner":
            count += 1
        elif rule == "masked":
            a, b = divmod(_first_max(win), 2)
            count += conv[f, 2 * i + a, 2 * j + b] > 0
    return count if rule != "on" else int((relu > 0).sum())


LEARNERS = {
    ("gradient-flow explorer", "dx"): (lambda s: gf_dx(s), {
        "dx_not_flipped": lambda s: gf_dx(s, flip=True),
        "dx_not_dilated": lambda s: gf_dx(s, stride=1),
        "dx_padded_index": lambda s: gf_dx(s, shift=0),
        "dx_one_term": lambda s: next((t for t in gf_dx_terms(s) if t != 0), None)}),
    ("gradient-flow explorer", "dw"): (lambda s: gf_dw(s), {
        "dw_deltas_flipped": lambda s: gf_dw(s, flipped=True),
        "dw_not_padded": lambda s: gf_dw(s, padded=False),
        "dw_stride_ignored": lambda s: gf_dw(s, stride=1)}),
    ("gradient-flow explorer", "reach"): (lambda s: gf_reach(s), {
        "reach_stride_ignored": lambda s: gf_reach(s, stride=1),
        "reach_padding_ignored": lambda s: gf_reach(s, pad=0),
        "reach_same_index": lambda s: [(s["u"], s["v"])],
        "reach_one_window": lambda s: gf_reach(s)[-1:]}),
    ("conv-arithmetic explorer", "size"): (lambda s: ca_size(s), {
        "size_ceil": lambda s: ca_size(s, ceil=True),
        "size_no_plus_one": lambda s: ca_size(s, plus_one=False),
        "size_padding_left_out": lambda s: ca_size(s, pad_times=0),
        "size_padding_once": lambda s: ca_size(s, pad_times=1),
        "size_stride_left_out": lambda s: ca_size(s, stride=False)}),
    ("conv-arithmetic explorer", "unread"): (lambda s: ca_unread(s), {
        "unread_ceil": lambda s: ca_unread(s, ceil=True),
        "unread_padding_ignored": lambda s: ca_unread(s, padded=False),
        "unread_stride_ignored": lambda s: ca_unread(s, stride=False),
        "unread_gaps_missed": lambda s: ca_unread(s, gaps=False)}),
    ("pooling explorer", "route"): (lambda s: pool_route(s), {
        "route_every_tie": lambda s: pool_route(s, "ties"),
        "route_last_tie": lambda s: pool_route(s, "last"),
        "route_split": lambda s: pool_route(s, "all"),
        "route_max_only": lambda s: pool_route(dict(s, mode="max")),
        "route_not_strided": lambda s: pool_route(s, strided=False)}),
    ("pooling explorer", "dx"): (lambda s: pool_dx(s)[0], {
        "dx_not_added": lambda s: pool_dx(s)[1][-1],
        "dx_every_tie": lambda s: pool_dx(s, "ties")[0],
        "dx_last_tie": lambda s: pool_dx(s, "last")[0],
        "dx_split": lambda s: pool_dx(s, "all", s["size"] ** 2)[0],
        "dx_one_over_k": lambda s: pool_dx(s, "all", s["size"])[0],
        "dx_over_s2": lambda s: pool_dx(s, "all", s["stride"] ** 2)[0],
        "dx_max_routing": lambda s: pool_dx(s, "first", 1)[0]}),
    ("im2row explorer", "row"): (lambda s: s["i"] * _n(s) + s["j"], {
        "row_transposed": lambda s: s["j"] * _n(s) + s["i"],
        "row_input_width": lambda s: s["i"] * 7 + s["j"],
        "row_padded_width": lambda s: s["i"] * (7 + 2 * s["pad"]) + s["j"],
        "row_one_based": lambda s: s["i"] * _n(s) + s["j"] + 1}),
    ("im2row explorer", "column"): (lambda s: s["m"] * s["kernel_size"] + s["q"], {
        "column_transposed": lambda s: s["q"] * s["kernel_size"] + s["m"],
        "column_pixel_index": lambda s: s["m"] * (7 + 2 * s["pad"]) + s["q"],
        "column_one_based": lambda s: s["m"] * s["kernel_size"] + s["q"] + 1}),
    ("im2row explorer", "entries"): (lambda s: ir_entries(s), {
        "entries_one": lambda s: ir_entries(s)[:1],
        "entries_stride_ignored": lambda s: ir_entries(s, stride=1),
        "entries_padding_ignored": lambda s: ir_entries(s, pad=0),
        "entries_transposed": lambda s: ir_entries(s, transposed=True)}),
}


def _net_learners(network):
    def reach(s, rows=4, side=1):
        i, j = s["i"], s["j"]
        rr = range(i, i + rows) if side > 0 else range(i - 3, i + 1)
        cc = range(j, j + rows) if side > 0 else range(j - 3, j + 1)
        return [(r, c) for r in rr for c in cc if 0 <= r < 13 and 0 <= c < 13]

    def route(s, rule="first"):
        win = np.ravel(net_state(network, s).act["relu2"][s["f"], 2 * s["i"]:2 * s["i"] + 2,
                                                          2 * s["j"]:2 * s["j"] + 2])
        ties = [k for k in range(4) if win[k] == win.max()]
        return {"first": ties[:1], "last": ties[-1:], "ties": ties, "all": [0, 1, 2, 3]}[rule]

    def gate(s):
        st = net_state(network, s)
        f, r, c = s["f"], s["r"], s["s"]
        window = np.maximum(st.act["conv2"][f, r // 2 * 2:r // 2 * 2 + 2, c // 2 * 2:c // 2 * 2 + 2], 0)
        won = _first_max(window) == (r % 2) * 2 + c % 2
        return 0 if won and st.act["conv2"][f, r, c] > 0 else 1

    return {
        ("network explorer", "count"): (lambda s: net_count(network, s), {
            "count_split": lambda s: net_count(network, s, "split"),
            "count_on_units": lambda s: net_count(network, s, "on"),
            "count_mask_early": lambda s: net_count(network, s, "masked")}),
        ("network explorer", "route"): (route, {
            "route_every_tie": lambda s: route(s, "ties"), "route_last_tie": lambda s: route(s, "last"),
            "route_split": lambda s: route(s, "all")}),
        ("network explorer", "reach"): (reach, {
            "reach_one": lambda s: [(s["i"], s["j"])], "reach_wrong_side": lambda s: reach(s, side=-1),
            "reach_kernel_3": lambda s: reach(s, rows=3)}),
        ("network explorer", "gate"): (gate, {
            "gate_not_winner": lambda s: 1 - gate(s), "gate_mask_forgotten": lambda s: 1 - gate(s),
            "gate_winner_missed": lambda s: 1 - gate(s)}),
    }


@pytest.mark.parametrize("name", NAMES)
def test_learner_style_answers_are_judged_right_or_named(name, stored, network):
    module = P.MODULES[name]
    learners = {**LEARNERS, **_net_learners(network)}
    named = set()
    for q in stored[name]["questions"]:
        right, mistaken = learners[(name, q["k"])]
        answer = _as_given(q, right(q["s"]))
        assert judge(q, answer, module.MISTAKES)[0] == "right", (q["k"], q["s"])
        asked = {k for _, keys in q["m"] for k in keys}
        for key, learner in mistaken.items():
            if key not in asked:
                continue
            verdict, keys, _ = judge(q, _as_given(q, learner(q["s"])), module.MISTAKES)
            assert verdict == "mistake" and key in keys, (q["k"], q["s"], key, verdict, keys)
            named.add(key)
    assert named == set(module.MISTAKES)


def _as_given(q, answer):
    if q["t"] == "number":
        return repr(float(answer))
    if q["t"] == "cells":
        nc = q["nc"]
        return [a if np.ndim(a) == 0 else int(a[0]) * nc + int(a[1]) for a in answer]
    return answer


# ------------------------------------------------------------------ the committed notebooks

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _saved_explorers(path):
    state = json.loads(path.read_text(encoding="utf-8"))["metadata"].get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {}).get("state", {})
    return [m["state"] for m in state.values() if m.get("model_module") == "anywidget"
            and m.get("state", {}).get("spec", {}).get("name") in NAMES]


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if _saved_explorers(p)], ids=lambda p: p.stem)
def test_committed_notebooks_hold_the_current_practice_questions_and_front_end(path, network):
    """What a static page, the site and an unrun trusted notebook practise with: the questions
    an explorer makes now (so a change of the questions needs the notebook executed again)."""
    for saved in _saved_explorers(path):
        name = saved["spec"]["name"]
        assert saved.get("practice"), f"{path.name}: the {name} has no practice questions saved"
        assert saved["practice"] == P.practice_data(_explorer(name, network)), (path.name, name)
        cls = X.NetworkExplorer if name == "network explorer" else SMALL[name]
        assert "function attachPractice(" in saved["_esm"] and saved["_esm"] == cls._esm, (path.name, name)
        assert saved["_css"] == cls._css, (path.name, name)


def test_a_kind_of_question_an_explorer_has_not_is_a_clear_error():
    with pytest.raises(ValueError, match=r"expected a kind of question in \['column', 'entries', 'row'\]"):
        P.im2row.ask("window", {})
