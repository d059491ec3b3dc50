"""What a practice question stores, how an answer to it is judged, how the questions are saved.

A question asks one thing about one stored setting of an explorer and takes one kind of
answer: ``"cells"`` (the set of cells picked in one panel), ``"number"`` (a typed number) or
``"choice"`` (one of a few buttons). Python computes everything when the cell runs: the
right answer, the answer each catalogued mistake gives on this setting (cnnlib's reference
run on altered inputs, like the checkers' mistake models), the text shown after a right
answer (``why``) and the pointer shown after a wrong answer that no mistake explains
(``pointer``: what is wrong with it, never the answer). The browser only compares
(``js/practice.js``); ``judge`` here is the same comparison, word for word, for the tests.

Storage (``encode``): one JSON object, deflated and base64-encoded, in the widget's
``practice`` trait; panels' grids are deduplicated into ``blobs`` as in the explorer's table.
Cells are stored as flat indices ``row * columns + column`` of the target panel.
"""
import base64
import json
import re
import zlib
from dataclasses import dataclass, field

import numpy as np

from .._panels import plain


@dataclass(frozen=True)
class Mistake:
    """A catalogued mistake: ``key`` (tests), ``name`` (a few words), ``says`` (why it is
    wrong: what the learner reads; never a question's answer)."""
    key: str
    name: str
    says: str


@dataclass
class Question:
    """One question on one setting (see the module text). ``mistakes``: {mistake key: [the
    answers that mistake gives here]} (several when the mistake can be made several ways,
    e.g. one term of a sum: any of them). ``pointer``: for numbers and choices ``{"text"}``;
    for cells ``{"extra": [templates], "at": per-cell template index (-1: a right cell),
    "R": [row words], "C": [column words], "missing": text}``: a picked cell that is not
    right gets ``extra[at[cell]]`` with ``{r}``, ``{c}``, ``{R}``, ``{C}`` filled in (the first such
    cell in row-major order); with none picked wrong but some missing, ``missing``."""
    kind: str
    setting: dict
    text: str
    answer: str
    right: object
    mistakes: dict
    why: str
    pointer: dict
    panels: list = field(default_factory=list)
    target: int = -1
    options: tuple = ()
    tol: float = 1e-9
    explore: dict = field(default_factory=dict)   # the explorer's controls showing this setting

    def __post_init__(self):
        self.mistakes = {k: list(v) for k, v in self.mistakes.items() if len(v)}

    def normal(self, value):
        """An answer in its stored form: cells a sorted tuple of flat indices, a number a
        float, a choice an int."""
        if self.answer == "cells":
            cols = self.columns()
            flat = {int(v) if np.ndim(v) == 0 else int(v[0]) * cols + int(v[1]) for v in value}
            return tuple(sorted(flat))
        return float(value) if self.answer == "number" else int(value)

    def columns(self):
        return len(self.panels[self.target]["g"].split(";")[0].split(","))

    def rows(self):
        return len(self.panels[self.target]["g"].split(";"))

    def same(self, a, b):
        if self.answer == "number":
            return abs(float(a) - float(b)) <= self.tol
        return self.normal(a) == self.normal(b)

    def groups(self):
        """``[(answer, [mistake keys])]``: each wrong answer a mistake gives, with every
        mistake that gives it (within ``tol`` for numbers), in catalogue order."""
        out = []
        for key, answers in self.mistakes.items():
            for a in answers:
                a = self.normal(a)
                hit = next((g for g in out if self.same(g[0], a)), None)
                if hit is None:
                    out.append((a, [key]))
                elif key not in hit[1]:
                    hit[1].append(key)
        return out

    def problems(self):
        """What would make this question unfit: a mistake whose answer is the right one, or
        two answers of different mistakes closer than ``2 tol`` without being the same
        within ``tol`` (the browser could not tell which one was typed)."""
        found = [f"{key} gives the right answer" for key, answers in self.mistakes.items()
                 if any(self.same(a, self.right) for a in answers)]
        if self.answer == "number":
            found += [f"{key} is within twice the tolerance of the right answer"
                      for key, answers in self.mistakes.items()
                      if any(self.tol < abs(a - self.right) <= 2 * self.tol for a in answers)]
            values = [a for a, _ in self.groups()]
            found += [f"answers {a} and {b} are too close to tell apart" for i, a in enumerate(values)
                      for b in values[i + 1:] if abs(a - b) <= 2 * self.tol]
        if not self.mistakes:
            found.append("no mistake applies")
        return found

    def stored(self):
        """The JSON form (panels not yet deduplicated)."""
        out = {"k": self.kind, "s": self.setting, "q": self.text, "t": self.answer,
               "a": self.normal(self.right), "m": [[a, keys] for a, keys in self.groups()],
               "w": self.why, "x": self.pointer, "p": self.panels, "e": self.explore}
        if self.answer == "cells":
            out["tp"], out["nc"] = self.target, self.columns()
        if self.answer == "number":
            out["tol"] = self.tol
        if self.answer == "choice":
            out["o"] = list(self.options)
        return out


# ------------------------------------------------------------------ judging (as the browser)

def parse_number(text):
    """A typed number as the browser reads it: '-3', '−3', '0.25', ',25' (a decimal comma),
    '2/9', ' -1.5e-2 '; None if it is not one."""
    t = str(text).strip().replace("−", "-").replace("–", "-").replace(",", ".").replace(" ", "")
    m = re.fullmatch(r"([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)(?:/([-+]?(?:\d+\.?\d*|\.\d+)))?", t,
                     flags=re.IGNORECASE)
    if not m:
        return None
    value = float(m.group(1))
    if m.group(2) is not None:
        den = float(m.group(2))
        if den == 0:
            return None
        value /= den
    return value


def fill(template, r, c, rows, cols):
    return (template.replace("{r}", str(r)).replace("{c}", str(c))
            .replace("{R}", rows[r] if r < len(rows) else "").replace("{C}", cols[c] if c < len(cols) else ""))


def named(catalogue, keys):
    """The words of a known mistake (or of several that give the same answer)."""
    parts = [f"{catalogue[k].name}: {catalogue[k].says}" for k in keys]
    if len(parts) == 1:
        return "Not yet. This is what a known mistake gives, " + parts[0]
    return (f"Not yet. {len(parts)} known mistakes give this answer. "
            + " Or: ".join(f"({k + 1}) {p}" for k, p in enumerate(parts)))


def judge(q, given, catalogue):
    """``(verdict, mistake keys, text)`` for the answer ``given`` (typed text for a number,
    picked cells as flat indices or (row, col), an option index): verdict "right",
    "mistake", "unexplained" or "unreadable". ``stored`` JSON works as ``q`` too."""
    s = q.stored() if isinstance(q, Question) else q
    if s["t"] == "number":
        value = parse_number(given)
        if value is None:
            return "unreadable", [], "Type a number, for example -3, 0.25 or 2/9."
        close = lambda a: abs(value - a) <= s["tol"]   # noqa: E731
    elif s["t"] == "cells":
        nc = s["nc"]
        value = tuple(sorted({int(v) if np.ndim(v) == 0 else int(v[0]) * nc + int(v[1])
                              for v in given}))
        close = lambda a: tuple(a) == value   # noqa: E731
    else:
        value = int(given)
        close = lambda a: a == value   # noqa: E731
    if close(s["a"]):
        return "right", [], "Right! " + s["w"]
    for answer, keys in s["m"]:
        if close(answer):
            return "mistake", list(keys), named(catalogue, keys)
    x = s["x"]
    if s["t"] != "cells":
        return "unexplained", [], "Not yet. " + x["text"]
    right, nc = set(s["a"]), s["nc"]
    extra = [v for v in value if v not in right]
    if extra:
        r, c = divmod(extra[0], nc)
        return "unexplained", [], "Not yet. " + fill(x["extra"][x["at"][extra[0]]], r, c, x["R"], x["C"])
    return "unexplained", [], "Not yet. " + x["missing"]


# ------------------------------------------------------------------ helpers for the modules

def cells_of(mask):
    """Flat indices of the True cells of a 2-D bool array."""
    return tuple(int(k) for k in np.flatnonzero(np.asarray(mask)))


def span(lo, hi):
    """'2..4' (or '3' for one row), the numbers as the explorers write them."""
    return plain(lo) if lo == hi else f"{plain(lo)}..{plain(hi)}"


def pick(settings, make, count, rng, spread=lambda s: 0):
    """Up to ``count`` usable questions ``make(setting)`` on ``settings``, drawn in the order of
    ``rng``: first one for each value of ``spread(setting)`` (so that every geometry is
    asked, each kind of case), then any, taking turns over the values of ``spread``."""
    groups = {}
    for k in rng.permutation(len(settings)):
        groups.setdefault(spread(settings[k]), []).append(settings[k])
    out, names = [], list(groups)
    while len(out) < count and any(groups.values()):
        for g in names:
            while groups[g] and len(out) < count:
                q = make(groups[g].pop(0))
                if usable(q):
                    out.append(q)
                    break
    return out


def check_kind(kind, asks, name):
    """A ValueError naming the kinds of question ``name`` has, for a ``kind`` it has not."""
    if kind not in asks:
        raise ValueError(f"{name}: expected a kind of question in {sorted(asks)}, got {kind!r}")


def usable(q):
    return q is not None and not q.problems()


def encode(name, catalogue, questions):
    """The widget's ``practice`` trait: base64 of the deflated JSON ``{"name", "mistakes":
    {key: [name, says]}, "questions": [...], "blobs": [...]}``; each panel's grid, marks
    and pick table are blobs (indices)."""
    blobs, index = [], {}

    def blob(value):
        text = json.dumps(value, separators=(",", ":"))
        if text not in index:
            index[text] = len(blobs)
            blobs.append(value)
        return index[text]

    stored = []
    for q in questions:
        s = q.stored()
        s["p"] = [{**p, **{k: blob(p[k]) for k in ("g", "m") if k in p}} for p in s["p"]]
        for k in ("R", "C", "extra", "at"):
            if k in s["x"]:
                s["x"] = {**s["x"], k: blob(s["x"][k])}
        stored.append(s)
    data = {"name": name, "mistakes": {m.key: [m.name, m.says] for m in catalogue.values()},
            "questions": stored, "blobs": blobs}
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
    return base64.b64encode(zlib.compress(raw, 9)).decode("ascii")


def decode(text):
    """``encode``'s inverse, blobs put back: ``{"name", "mistakes", "questions"}``."""
    data = json.loads(zlib.decompress(base64.b64decode(text)))
    blobs = data.pop("blobs")
    for s in data["questions"]:
        s["p"] = [{**p, **{k: blobs[p[k]] for k in ("g", "m") if k in p}} for p in s["p"]]
        s["x"] = {k: (blobs[v] if k in ("R", "C", "extra", "at") else v) for k, v in s["x"].items()}
    return data
