"""The network explorer: seed 004's trained two-conv net, one real digit, forward and backward.

``network_explorer()`` -> a widget (an anywidget, drawn by ``js/network.js``):

- a digit of the held-out set (a picker of the precomputed ones; with a kernel any of
  the 1,000 test digits, and a 28x28 digit drawn with the mouse);
- forward: every layer's maps, the scores and the softmax;
- backward from the loss for the true label (or a label the learner picks): every
  stage's deltas in the shape of the network, and each layer's weight gradient;
- a step mode that reveals the backward pass one layer at a time;
- a click on any unit (or weight): the units and weights that made it, where its delta
  goes, and the sum that gives its delta (``network_units``);
- per-layer gradient norms (a dead filter shows as a zero bar).

Every array comes from cnnlib (``network_state``); the widget state holds the
precomputed digits (``network_data``: float32 buffer, deflated), so the explorer works
on a static page. With a kernel, Python answers the browser's requests for other
digits with a message carrying the same arrays (nothing of it is saved in the notebook).
"""
import base64
import html
import struct
import time
import zlib

import anywidget
import numpy as np
import traitlets

from .._validate import _is_int, _show
from . import _check
from ._base import HERE, StillPicture
from ._svg import colour
from .network_data import encode, pack
from .network_state import (PARAMS, STAGES, _train_stats, drawn_digit, held_out_digits, network_state,
                            trained_two_conv_net)
from .network_steps import REVEAL
from .network_units import network_unit, prob3, sig3

STEPS = len(REVEAL) - 1   # 9
# the front end: one ES module, these files joined in this order (grid.js: the colour maps)
JS_FILES = ("grid.js", "practice.js", "network_numbers.js", "network_text.js", "network_maps.js",
            "network.js")
CSS_FILES = ("explorer.css", "network.css", "practice.css")


def _select_digits(model, x, labels, count):
    """Test indices shown without a kernel: first the first digit the network reads right
    but unsure (p of its label between 0.4 and 0.6: a loss worth following), then the first
    right-read digit of each class, in class order, and last the first digit it gets wrong;
    ``count`` in all."""
    scores = model.forward(x).astype(np.float64)
    p = np.exp(scores - scores.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    predicted, sure = p.argmax(axis=1), p[np.arange(len(labels)), labels]
    unsure = int(np.nonzero((predicted == labels) & (sure > 0.4) & (sure < 0.6))[0][0])
    right = [int(np.nonzero((labels == c) & (predicted == c))[0][0]) for c in range(10)]
    wrong = int(np.nonzero(predicted != labels)[0][0])
    return [unsure] + [i for i in right if i != unsure][:count - 2] + [wrong]


class NetworkExplorer(StillPicture, anywidget.AnyWidget):
    """``network_explorer``: the state is ``self.state`` (a ``NetworkState``), the clicked
    unit's view ``self.unit`` (``network_unit``). Drive it as the browser does:
    ``ex.set(digit=12, target=3, stage="conv2", unit=57, step=5)``, ``ex.draw(pixels)``."""

    NAME = "network explorer"
    _esm = "\n".join((HERE / "js" / n).read_text() for n in JS_FILES)
    _css = "".join((HERE / "js" / n).read_text() for n in CSS_FILES)
    spec = traitlets.Dict().tag(sync=True)
    values = _check.Values().tag(sync=True)
    table = traitlets.Unicode("").tag(sync=True)
    practice = traitlets.Unicode("").tag(sync=True)   # the practice questions (``practice``)

    CONTROLS = ("digit", "target", "stage", "unit", "step", "drawing")

    def __init__(self, digits=8, all_labels=1, featured=None, **values):
        owner = type(self).__name__
        for name, v, lo, hi in (("digits", digits, 2, 12), ("all_labels", all_labels, 0, digits)):
            if not _is_int(v) or not lo <= v <= hi:
                raise _check.ControlError(f"{owner}: {name}: expected an int {lo}..{hi}, got {_show(v)}")
        if featured is not None and (not _is_int(featured) or not 0 <= featured < 1000):
            raise _check.ControlError(f"{owner}: featured: expected a test index 0..999 or None, got "
                                      f"{_show(featured)}")
        _check.known_names(owner, values, self.CONTROLS, "keyword argument or control")
        digits, all_labels = int(digits), int(all_labels)
        super().__init__()
        self.model = trained_two_conv_net()
        self.x, self.pixels, self.labels = held_out_digits()
        _train_stats()   # read now: a drawing must answer fast
        chosen = _select_digits(self.model, self.x, self.labels, digits)
        if featured is not None:
            chosen = [int(featured)] + [i for i in chosen if i != int(featured)][:digits - 1]
        self.precomputed = chosen
        self.full_labels = chosen[:all_labels]   # these digits carry all ten loss labels
        self.drawn, self.drawings, self._cache, self.sent = None, 0, {}, []
        self.spec = {"name": self.NAME, "stages": list(STAGES), "steps": STEPS,
                     "digits": chosen, "test_size": int(len(self.labels))}
        defaults = {"digit": chosen[0], "target": -1, "stage": "fc1", "unit": 0, "step": STEPS,
                    "drawing": 0}
        self.on_msg(self._on_msg)
        self.observe(self._on_values, names="values")
        self.values = self._checked({**defaults, **values})

    # ------------------------------------------------------------------ the numbers
    def label_of(self, digit):
        return -1 if digit < 0 else int(self.labels[digit])

    def target_of(self, values):
        """The loss label: the picked one, else the true label (a drawing: the predicted one)."""
        if values["target"] >= 0:
            return int(values["target"])
        if values["digit"] >= 0:
            return self.label_of(values["digit"])
        return self._state(-1, 0).predicted

    def _state(self, digit, target):
        key = (digit, self.drawings if digit < 0 else 0, target)
        if key not in self._cache:
            if digit < 0 and self.drawn is None:
                raise ValueError("digit -1 is the drawn digit, but nothing has been drawn yet")
            x = self.drawn if digit < 0 else self.x[digit]
            self._cache[key] = network_state(self.model, x, target)
            if len(self._cache) > 64:
                self._cache.pop(next(iter(self._cache)))
        return self._cache[key]

    def state_for(self, values):
        return self._state(values["digit"], self.target_of(values))

    def _checked(self, values):
        """``values`` checked as the browser's controls allow (a ControlError, a ValueError,
        naming the control, what was expected and what was given)."""
        owner = type(self).__name__
        if not isinstance(values, dict):
            raise _check.ControlError(f"{owner}: values: expected a dict of control values, got "
                                      f"{type(values).__name__}")
        _check.known_names(owner, values, self.CONTROLS)
        out = {**(self.values or {}), **values}
        missing = [n for n in self.CONTROLS if n not in out]
        if missing:
            raise _check.ControlError(f"{owner}: values: expected every control, {missing} missing")

        def refuse(name, expected):
            raise _check.ControlError(f"{owner}: {name}: expected {expected}, got {_show(out[name])}")
        n = len(self.labels)
        if not (_is_int(out["digit"]) and -1 <= out["digit"] < n):
            refuse("digit", f"a test index 0..{n - 1} (or -1, the drawing)")
        if out["digit"] < 0 and self.drawn is None:
            raise _check.ControlError(f"{owner}: digit -1 is the drawn digit: draw one first "
                                      f"(ex.draw(pixels))")
        if not (_is_int(out["target"]) and -1 <= out["target"] <= 9):
            refuse("target", "-1 (the true label) or a label 0..9")
        if not (_is_int(out["step"]) and 0 <= out["step"] <= STEPS):
            refuse("step", f"an int in 0..{STEPS} (the slider's range)")
        if not (_is_int(out["drawing"]) and out["drawing"] == self.drawings):
            refuse("drawing", f"{self.drawings}, the number of drawings made with ex.draw (not a "
                              f"control to set)")
        if not (isinstance(out["stage"], str) and out["stage"] in STAGES + PARAMS):
            refuse("stage", f"one of {list(STAGES)} or a weight name {list(PARAMS)}")
        if not _is_int(out["unit"]):
            refuse("unit", f"an int (a flat index into {out['stage']})")
        out = {k: (v if k == "stage" else int(v)) for k, v in out.items()}
        self._unit = network_unit(self._state(out["digit"], self.target_of(out)), out["stage"],
                                  out["unit"])   # raises for an index out of the stage's range
        return out

    # ------------------------------------------------------------------ controls
    def set(self, **values):
        """Set controls by name, each checked as the browser's controls allow."""
        self.values = self._checked(values)

    def click(self, stage, index):
        """What a click on unit ``index`` (flat) of ``stage`` does in the browser."""
        self.set(stage=stage, unit=index)
        return self.unit

    def draw(self, pixels):
        """A digit drawn by the learner, ``pixels (28, 28)`` 0..255: it becomes digit -1."""
        self.drawn = drawn_digit(pixels)
        self.drawings += 1
        self.set(digit=-1, target=-1, drawing=self.drawings)

    def _on_values(self, change):
        self._start = time.perf_counter()
        new = change["new"]
        try:
            checked = self._checked(new)
        except ValueError:
            self.values = change["old"]   # the browser asked for something impossible
            return
        if checked != new:
            self.values = checked
            return
        self.state = self.state_for(new)
        self.unit = self._unit
        if not self._stored(new):
            self._send_digit(new)

    def _stored(self, values):
        digit = values["digit"]
        return digit in self.precomputed and (values["target"] < 0 or digit in self.full_labels)

    def _send_digit(self, values):
        """The arrays of this digit and loss label, to the browser (a custom message)."""
        start = getattr(self, "_start", time.perf_counter())
        digit, target = values["digit"], self.target_of(values)
        key = f"t{digit}" if digit >= 0 else f"d{self.drawings}"
        header, buf = pack([(key, digit, self.label_of(digit), {target: self.state})])
        header["kind"], header["values"] = "digit", dict(values)
        header["python_ms"] = round(1000 * (time.perf_counter() - start), 2)   # check, compute, pack
        self.sent.append(header["python_ms"])
        self.send(header, buffers=[buf])

    def _on_msg(self, widget, content, buffers):
        if not isinstance(content, dict):
            return
        if content.get("kind") == "hello":
            self.send({"kind": "hello"})
        elif content.get("kind") == "draw":
            try:
                pixels = np.asarray(content.get("pixels"), dtype=np.float64).reshape(28, 28)
                self.draw(np.clip(pixels, 0, 255))
            except (ValueError, TypeError) as err:   # not 784 numbers
                self.send({"kind": "error", "text": str(err)})

    # ------------------------------------------------------------------ the table
    def table_data(self):
        """``(header, buffer)`` of the precomputed digits (``network_data.pack``)."""
        entries = []
        for digit in self.precomputed:
            label = self.label_of(digit)
            targets = range(10) if digit in self.full_labels else [label]
            entries.append((f"t{digit}", digit, label,
                            {t: network_state(self.model, self.x[digit], t) for t in targets}))
        return pack(entries, self.model.parameters())

    def fill_table(self):
        if not self.table:
            self.table = encode(*self.table_data())
        if not self.practice:
            from .practice import practice_data
            self.practice = practice_data(self)
        return self

    # ------------------------------------------------------------------ display
    def __repr__(self):
        return f"NetworkExplorer({', '.join(f'{k}={v!r}' for k, v in self.values.items())})"

    def still_html(self):
        """A still picture (the digit, ∂E/∂x, the probabilities) for an unrun notebook."""
        s = self.state
        imgs = []
        for title, a, signed in (("the digit x", s.x[0], False), ("∂E/∂x", s.delta["input"][0], True)):
            hi = float(np.abs(a).max()) or 1.0
            lo, hi = (-hi, hi) if signed else (float(a.min()), float(a.max()))
            rgb = np.array([[colour(float(v), lo, hi, signed) for v in row] for row in a], np.uint8)
            src = "data:image/png;base64," + base64.b64encode(_png(rgb)).decode("ascii")
            imgs.append(f'<figure style="display:inline-block;margin:0 16px 0 0"><img src="{src}" '
                        f'alt="{html.escape(title)}" width="140" height="140" style="image-rendering:'
                        f'pixelated"><figcaption>{html.escape(title)}</figcaption></figure>')
        bars = "".join(f"<div>{k} <span style=\"display:inline-block;background:#1f6fb4;height:9px;"
                       f"width:{max(1, round(100 * p))}px\"></span> {prob3(p)}</div>"
                       for k, p in enumerate(s.probs))
        return (f'<div class="cnnlib-explorer-still"><p><i>{self.NAME}: a still picture. Run this '
                f'cell (or trust the notebook) to make it interactive.</i></p>{"".join(imgs)}'
                f'<div style="display:inline-block;vertical-align:top;font-size:11px">{bars}</div>'
                f'<p>test digit {self.values["digit"]}: the network reads {s.predicted} (p = '
                f'{prob3(s.probs[s.predicted])}), loss {sig3(s.loss)}</p></div>')


def _png(rgb):
    """The bytes of a PNG image of ``rgb (H, W, 3)`` uint8 (no library needed)."""
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[r].tobytes() for r in range(h))   # filter 0 per row

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def network_explorer(digits=8, featured=None):
    """Seed 004's trained two-conv net on a real digit: every layer forward and backward,
    step by step; click any unit (returns a widget). ``digits``: how many test digits are
    precomputed for pages without a kernel (the first carries all ten loss labels);
    ``featured``: the test index shown first."""
    return NetworkExplorer(digits=digits, featured=featured)
