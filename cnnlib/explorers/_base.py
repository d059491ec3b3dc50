"""The machinery every explorer shares: controls, the table of every reachable view, the widget.

An explorer is a pure function of its control values, computed in Python by
cnnlib: ``compute(values) -> state`` (a dataclass of cnnlib's numbers) and
``scene(state, values) -> {"readout", "tip", "panels"}`` (what the learner sees:
grids of numbers already written as text by ``cnnlib.plotting._format``,
outlines, crosses, and what a click on a cell sets; ``_panels``). ``table_data`` runs ``scene``
for every reachable control state and stores the result, deduplicated and
deflate-compressed, in the widget's ``table`` trait. The browser front end
(``js/``, plain ES modules, no build step) only looks up the current key and
draws SVG: it computes no number, so it works with no kernel (a static page
with the saved widget state) and every number drawn is the one Python made.

Each control is a ``Control`` (``.value`` settable, ``.min``, ``.max``,
``.visible``), so tests drive an explorer the way a learner does and read
``.state``, ``.readout`` and ``.panels`` back. Every value set from Python gets
the range check its slider enforces (``_check``): a clear ValueError, and the
explorer keeps working.
"""
import base64
import html
import json
import zlib
from contextlib import contextmanager
from pathlib import Path

import anywidget
import traitlets

from .._validate import _is_int, _show
from . import _check
from ._panels import resolved
from ._svg import panels_svg

HERE = Path(__file__).resolve().parent
JS_FILES = ("grid.js", "practice.js", "explorer.js")  # concatenated into one module, in this order
CSS_FILES = ("explorer.css", "practice.css")


def front_end():
    """The ES module of every explorer: the files of ``js/`` joined into one."""
    return "\n".join((HERE / "js" / name).read_text() for name in JS_FILES)


def _grid_shape(panel):
    """``(rows, cols)`` of a panel's grid (its cells' text: rows split by ';', cells by ',')."""
    rows = panel["g"].split(";")
    return len(rows), len(rows[0].split(","))


class Control:
    """One control of an explorer: ``.value`` (settable), ``.min``, ``.max``, ``.visible``."""

    def __init__(self, explorer, spec):
        self._ex, self.spec = explorer, spec
        self.name, self.kind, self.description = spec["name"], spec["kind"], spec["label"]

    @property
    def value(self):
        return self._ex.values[self.name]

    @value.setter
    def value(self, value):
        self._ex.set(**{self.name: value})

    @property
    def options(self):
        return [tuple(o) for o in self.spec.get("options", [])]

    @property
    def min(self):
        return self.spec.get("min", 0)

    @property
    def max(self):
        return self._ex.limits(self._ex.values).get(self.name, self.spec.get("max", 0))

    @property
    def visible(self):
        return self.name in self._ex.visible_controls()


class StillPicture:
    """How an explorer shows itself: the widget view, one fixed ``text/plain`` line (never a
    repr dump), and ``text/html``, a still picture (``still_html``) for where the widget cannot
    be drawn (an unrun, untrusted notebook). The class needs ``NAME``, ``fill_table`` and
    ``still_html``; it comes before ``anywidget.AnyWidget`` in the bases."""

    def _repr_mimebundle_(self, **kwargs):
        self.fill_table()
        data, metadata = super()._repr_mimebundle_(**kwargs)
        data["text/plain"] = (f"<{self.NAME}: an interactive picture; run this cell, or open "
                              f"the notebook trusted, to use it>")
        data["text/html"] = self.still_html()
        return data, metadata


class Explorer(StillPicture, anywidget.AnyWidget):
    """Base of the four explorers (an anywidget); subclasses define the controls and views.

    Subclass API: ``CONTROLS`` (list of control specs: name, kind "slider"/"toggle"/
    "play", label, min, max, options), ``MODE`` (the control that picks the view, or
    None), ``GEOMETRY`` (the controls that decide the other controls' ranges),
    ``KEYS`` ({mode value: the controls the view depends on}), ``VISIBLE`` ({mode
    value: controls shown}), ``SELECT`` ({mode value: (control, control)}, see
    ``table_data``), and ``compute``, ``scene``, ``limits``, ``geometries``, ``positions``.
    """

    _esm = front_end()
    _css = "".join((HERE / "js" / name).read_text() for name in CSS_FILES)
    spec = traitlets.Dict().tag(sync=True)
    values = _check.Values().tag(sync=True)
    table = traitlets.Unicode("").tag(sync=True)
    practice = traitlets.Unicode("").tag(sync=True)   # the practice questions (``practice``)

    CONTROLS, MODE, GEOMETRY, KEYS, VISIBLE, SELECT = [], None, [], {}, {}, {}
    ARGUMENTS = ()   # the constructor's own keywords (e.g. seed), named in its error messages
    NAME = "explorer"

    def __init__(self, **values):
        self._holding, self._given = False, None
        super().__init__()
        _check.known_names(type(self).__name__, values, [s["name"] for s in self.CONTROLS] +
                           list(self.ARGUMENTS), "keyword argument or control")
        for spec in self.CONTROLS:
            setattr(self, spec["name"], Control(self, spec))
        defaults = {s["name"]: s["value"] for s in self.CONTROLS}
        self.spec = {"controls": self.CONTROLS, "mode": self.MODE, "geometry": self.GEOMETRY,
                     "keys": self.KEYS, "visible": self.VISIBLE, "name": self.NAME}
        self.observe(self._on_values, names="values")
        self._given = set(values)
        self.values = {**defaults, **values}   # checked by ``_valid_values``
        self.explorer = self.widget = self   # the old ``widget.explorer`` / ``.widget`` names

    # ----------------------------------------------------------------- controls
    def clamp(self, values):
        """``values`` with every position inside its range for the current geometry."""
        out = dict(values)
        for name, hi in self.limits(out).items():
            out[name] = int(min(max(int(out[name]), 0), hi))
        return out

    def set(self, **values):
        """Set controls by name (``ex.set(stride=1, out_i=3)``), each checked as its slider is."""
        owner = type(self).__name__
        _check.known_names(owner, values, [s["name"] for s in self.CONTROLS])
        positions = self.limits(self.values)
        for spec in self.CONTROLS:  # each value's own check now, at the line that set it
            if spec["name"] in values:
                check = _check.position_type if spec["name"] in positions else _check.control_value
                values[spec["name"]] = check(owner, spec, values[spec["name"]])
        if self._holding:
            self._pending.update(values)
            self._pending_given |= set(values)
        else:
            self._given = set(values)
            self.values = {**self.values, **values}   # positions checked in the new geometry

    @contextmanager
    def hold(self):
        """Change several controls, compute once: ``with ex.hold(): ex.stride.value = 1``.

        Positions are checked against the geometry at the end of the block."""
        outer, self._holding = self._holding, True
        if not outer:
            self._pending, self._pending_given = dict(self.values), set()
        try:
            yield self
        finally:
            self._holding = outer
        if not outer:
            self._given = self._pending_given
            self.values = self._pending

    @traitlets.validate("values")
    def _valid_values(self, proposal):
        """Every new ``values`` (from Python or the browser), checked before it is kept: a
        refused one leaves the explorer as it was (a ControlError, a ValueError)."""
        given, self._given = self._given, None
        return self.checked(proposal["value"], given)

    def checked(self, values, given=None):
        """``values`` with every control checked as its slider is, positions in the new
        geometry's range. A position in ``given`` (set explicitly) out of range is refused;
        any other (``given=None``: the browser's) is moved to the nearest end of its range."""
        owner = type(self).__name__
        if not isinstance(values, dict):
            raise _check.ControlError(f"{owner}: values: expected a dict of control values, got "
                                      f"{type(values).__name__}")
        names = [s["name"] for s in self.CONTROLS]
        _check.known_names(owner, values, names)
        new = {**(self.values or {}), **values}
        missing = [n for n in names if n not in new]
        if missing:
            raise _check.ControlError(f"{owner}: values: expected every control, {missing} missing")
        first = [s for s in self.CONTROLS if s["name"] not in self.limits_names()]
        for spec in first:
            new[spec["name"]] = _check.control_value(owner, spec, new[spec["name"]])
        specs = {s["name"]: s for s in self.CONTROLS}
        geometry = ", ".join(f"{n} {new[n]}" for n in self.GEOMETRY)
        for name, hi in self.limits(new).items():
            value = _check.position_type(owner, specs[name], new[name])
            if given is not None and name in given:
                value = _check.control_value(owner, specs[name], value, hi, f" for {geometry}")
            new[name] = min(value, hi)
        return new

    def limits_names(self):
        """The controls whose range depends on the others (positions): ``limits``' keys."""
        defaults = {s["name"]: s["value"] for s in self.CONTROLS}
        return set(self.limits(defaults))

    def _on_values(self, change):
        try:
            self.update()
        except Exception:
            if change["old"]:   # never leave a state that cannot be drawn: back to the last one
                self.values = change["old"]
            raise

    def update(self):
        """Recompute the state and the view from the control values."""
        self.updates = getattr(self, "updates", 0) + 1
        self.state = self.compute(self.values)
        shown = self.scene(self.state, self.values)
        parts = shown["readout"]
        self.readout = parts if isinstance(parts, str) else "".join(parts)
        self.tip = shown["tip"]
        self.panels = [resolved(p, self.values) for p in shown["panels"]]

    def _mode_value(self):
        return self.values[self.MODE] if self.MODE else ""

    def key(self, values):
        names = self.KEYS[values[self.MODE] if self.MODE else ""]
        return "|".join(str(values[n]) for n in ([self.MODE] if self.MODE else []) + names)

    def visible_controls(self):
        return self.VISIBLE[self._mode_value()]

    def click(self, panel, row, col):
        """What a click on cell ``(row, col)`` of panel ``panel`` (index or name) does, as
        in the browser: the control values its pick table gives. Returns them, or None."""
        owner, names = type(self).__name__, [p["n"] for p in self.panels]
        if isinstance(panel, str) and panel in names:
            panel = names.index(panel)
        elif not (_is_int(panel) and 0 <= panel < len(names)):
            raise _check.ControlError(f"{owner}: panel: expected one of {names} or an index "
                                      f"0..{len(names) - 1}, got {_show(panel)}")
        rows, cols = _grid_shape(self.panels[panel])
        for name, v, n in (("row", row, rows), ("col", col, cols)):
            if not (_is_int(v) and 0 <= v < n):   # (a negative index would pick from the end)
                raise _check.ControlError(f"{owner}: {name}: expected a cell of panel "
                                          f"{names[panel]!r}, 0..{n - 1}, got {_show(v)}")
        target = self.panels[panel].get("k")
        hit = target[row][col] if target else None
        if hit:
            self.set(**hit)
        return hit

    # ----------------------------------------------------------------- the table
    def table_data(self):
        """Every reachable view: ``{"views": {key: entry}, "limits": {geometry key: {...}},
        "blobs": [...]}``; panels' grids, mark lists, pick tables, tips and the parts of a
        readout (``scene`` may give it as a list of strings) are deduplicated into
        ``blobs`` (an entry refers to them by index). In a mode of ``SELECT`` (two
        position controls whose views differ only in their readout and outlines) one
        entry serves every position: its ``x`` is a blob ``[a][b] -> {"r": readout parts,
        "b": outlines per panel}``, its ``xb`` the two controls' names."""
        blobs, index, views, limits, patches = [], {}, {}, {}, {}

        def blob(value):
            text = json.dumps(value, separators=(",", ":"))
            if text not in index:
                index[text] = len(blobs)
                blobs.append(value)
            return index[text]

        for values in self.reachable():
            gkey = "|".join(str(values[n]) for n in self.GEOMETRY)
            limits.setdefault(gkey, self.limits(values))
            key, select = self.key(values), self.SELECT.get(self._mode_of(values))
            if key in views and not select:
                continue
            shown = self.scene(self.compute(values), values)
            parts = shown["readout"]
            parts = [blob(t) for t in ([parts] if isinstance(parts, str) else parts)]
            panels = []
            for p in shown["panels"]:
                p = dict(p, **({"b": []} if select else {}))
                for k in ("g", "m", "k", "x"):
                    if k in p:
                        p[k] = blob(p[k])
                panels.append(p)
            entry = {"r": parts, "i": blob(shown["tip"]), "p": panels}
            if select:
                a, b = select
                patch = {"r": parts, "b": [[list(x) for x in p["b"]] for p in shown["panels"]]}
                entry["r"] = []
                if key in views and views[key] != {**entry, "x": 0, "xb": [a, b]}:
                    raise RuntimeError(f"{type(self).__name__}: the views of {key} differ by more "
                                       f"than outlines and readout between {a}, {b} positions")
                patches.setdefault(key, {})[(values[a], values[b])] = patch
                entry.update(x=0, xb=[a, b])
            views.setdefault(key, entry)
        for key, patch in patches.items():
            rows = 1 + max(i for i, _ in patch)
            cols = 1 + max(j for _, j in patch)
            views[key]["x"] = blob([[patch.get((i, j)) for j in range(cols)] for i in range(rows)])
        return {"views": views, "limits": limits, "blobs": blobs}

    def _mode_of(self, values):
        return values[self.MODE] if self.MODE else ""

    def reachable(self):
        """Every control state whose view can be seen (positions clipped to their range)."""
        modes = [o[1] for o in getattr(self, self.MODE).options] if self.MODE else [""]
        for geometry in self.geometries():
            for mode in modes:
                base = {**self.values, **geometry, **({self.MODE: mode} if self.MODE else {})}
                for position in self.positions(base):
                    yield self.clamp({**base, **position})

    def encoded_table(self):
        raw = json.dumps(self.table_data(), separators=(",", ":"), sort_keys=True).encode()
        return base64.b64encode(zlib.compress(raw, 9)).decode("ascii")

    def fill_table(self):
        """Put every reachable view into the ``table`` trait and the practice questions into
        ``practice`` (done once, at display)."""
        if not self.table:
            self.table = self.encoded_table()
        if not self.practice:
            from .practice import practice_data   # (it imports the explorers' modules)
            self.practice = practice_data(self)
        return self

    # ----------------------------------------------------------------- display
    def __repr__(self):
        shown = ", ".join(f"{k}={v!r}" for k, v in self.values.items())
        return f"{type(self).__name__}({shown})"

    def still_html(self):
        """The explorer's picture as a still image, with a line saying how to bring it to life
        (what a notebook shows before it is run, where the widget cannot be drawn)."""
        svg = panels_svg(self.panels)
        src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")
        return (f'<div class="cnnlib-explorer-still"><p><i>{html.escape(self.NAME)}: a still '
                f"picture. Run this cell (or trust the notebook) to make it interactive.</i></p>"
                f'<img src="{src}" alt="{html.escape(self.NAME)}" style="max-width:100%">'
                f"<p>{self.readout}</p></div>")
