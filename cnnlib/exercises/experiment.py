"""An experiment that confirms (or refutes) what a split of the geometries suggests.

With five or six hidden geometries, a feature can split the passing ones from the others by
chance: they differ in several ways at once. Before a diagnosis says "wrong on the geometries
with P > 0: look at the padding", the checker makes two new inputs from a geometry where the
learner's function is right, with the same fresh random numbers: a control (the same sizes) and
one with only that feature changed, and runs the function on both:

- right on the control and wrong with the feature changed: the feature matters (the diagnosis
  says so, and says what was tried);
- right on both: the feature alone does not break it, and the diagnosis does not blame it;
- wrong on the control too: the new numbers broke it, not the feature: no conclusion.

``make_args(params, g, seed)`` builds an exercise's inputs from a geometry (by parameter names,
as ``diagnosis.geometry`` reads them); ``flipped(label, g)`` changes one feature;
``confirm(exercise, fn, k, label)`` runs the experiment on case ``k``: True, False, or None
when it cannot be run for this exercise or feature.
"""
import numpy as np

from .compare import entries_match
from .diagnosis import geometry


def _out(size, k, s, p):
    return (size + 2 * p - k) // s + 1


def make_args(params, g, seed=0):
    """The inputs of an exercise with parameters ``params`` for geometry ``g``, or None."""
    rng = np.random.default_rng(seed)
    pool = g.get("pool", False)
    try:
        n, c, h, w, kh, kw, s = g["N"], g["C"], g["H"], g["W"], g["KH"], g["KW"], g["S"]
    except KeyError:
        return None
    p, f = g.get("P", 0), g.get("F", c)
    h_out, w_out = _out(h, kh, s, p), _out(w, kw, s, p)
    if min(h_out, w_out) < 1 or (pool and p):
        return None
    low = -3 if g.get("negatives", not pool) else 0
    values = {
        "x": lambda: rng.integers(low, 5, size=(n, c, h, w)).astype(float),
        "x_shape": lambda: (n, c, h, w), "w_shape": lambda: (f, c, kh, kw),
        "w": lambda: rng.integers(-3, 4, size=(f, c, kh, kw)).astype(float),
        "b": lambda: rng.integers(1, 4, size=f) * rng.choice([-1.0, 1.0], size=f),
        "dout": lambda: rng.choice([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0], size=(n, c if pool else f, h_out, w_out)),
        "rows": lambda: rng.integers(-4, 6, size=(n * h_out * w_out, c * kh * kw)).astype(float),
        "stride": lambda: s, "pad": lambda: p, "size": lambda: kh, "KH": lambda: kh, "KW": lambda: kw,
    }
    if any(name not in values for name in params) or ("size" in params and kh != kw):
        return None
    return tuple(values[name]() for name in params)


def _toggle(g, key, values):
    for v in values:
        if v >= 1 and v != g[key]:
            return dict(g, **{key: v})
    return None


def flipped(label, g):
    """``g`` with only the feature ``label`` (a FEATURES "holds" label) changed, or None."""
    g = dict(g)
    k, kw = g.get("KH"), g.get("KW")
    if label == "P = 0":
        return None if g.get("pool") else dict(g, P=1 if g.get("P", 0) == 0 else 0)
    if label == "S = 1":
        return dict(g, S=2 if g["S"] == 1 else 1)
    if label == "one image":
        return dict(g, N=2 if g["N"] == 1 else 1)
    if label == "C = 1":
        return dict(g, C=2 if g["C"] == 1 else 1)
    if label == "F = 1":
        return dict(g, F=2 if g["F"] == 1 else 1)
    if label == "C = F = 1":
        return dict(g, C=2, F=2) if g["C"] == g["F"] == 1 else dict(g, C=1, F=1)
    if label == "C = F":
        return dict(g, F=g["C"] + 1) if g["C"] == g["F"] else dict(g, F=g["C"])
    if label == "a square kernel":
        return None if g.get("pool") else dict(g, KW=(k - 1 if k > 1 else k + 1) if k == kw else k)
    if label == "a square input":
        return dict(g, W=g["W"] + 1) if g["H"] == g["W"] else dict(g, W=g["H"])
    if label == "windows that do not overlap":
        return dict(g, S=min(k, kw) - 1) if g["S"] >= max(k, kw) and min(k, kw) > 1 else dict(g, S=max(k, kw))
    if label == "S = k":
        return _toggle(g, "S", [k - 1, k + 1]) if g["S"] == k else dict(g, S=k)
    if label == "a stride that tiles the input":
        for extra in (1, 2, 3):
            h2 = dict(g, H=g["H"] + extra, W=g["W"] + extra)
            if ((h2["H"] + 2 * g.get("P", 0) - k) % g["S"] == 0) != ((g["H"] + 2 * g.get("P", 0) - k) % g["S"] == 0):
                return h2
    return None


def _holds(label, g):
    from .diagnosis import FEATURES
    for needed, test, yes, no, *_ in FEATURES:
        if yes == label and needed <= set(g):
            return test(g)
    return None


def confirm(exercise, fn, k, label, seeds=(7, 8, 9), o=None, crash=False):
    """Run ``fn`` on geometry ``k`` with only ``label`` changed: True (now wrong or failing; output ``o``
    alone when given), False (still right), ``"values"`` (a control with the same sizes already goes
    wrong: the new numbers, not the feature, broke it), None (the experiment cannot be made here).
    Three draws of numbers, each with its control. ``crash=True``: "wrong" means "raises" (for a
    split between the geometries where the function runs and those where it fails)."""
    if fn is None:
        return None
    g = geometry(exercise.params, exercise.cases[k].args)
    g2 = flipped(label, g)
    if g2 is None or _holds(label, g2) is None or _holds(label, g2) == _holds(label, g):
        return None
    found = []
    for seed in seeds:
        control, changed = make_args(exercise.params, g, seed), make_args(exercise.params, g2, seed)
        if control is None or changed is None:
            return None
        control_wrong, changed_wrong = _wrong(exercise, fn, control, o, crash), _wrong(exercise, fn, changed, o, crash)
        if control_wrong is None or changed_wrong is None:
            return None
        if control_wrong:
            return "values"
        found.append(changed_wrong)
    return any(found)


def _copies(args):
    return [a.copy() if hasattr(a, "copy") else a for a in args]


def _wrong(exercise, fn, args, o=None, crash=False):
    """Is ``fn`` wrong (or failing; with ``crash``, failing only) on ``args``? None when the reference
    itself refuses them."""
    try:
        expected = exercise._normalise(exercise._reference(*_copies(args)))
    except Exception:  # noqa: BLE001 -- a geometry the reference refuses: no experiment
        return None
    result, failed = exercise._call(fn, _copies(args))
    if failed is not None or crash:
        return failed is not None
    try:
        given = exercise._normalise(result)
    except Exception:  # noqa: BLE001 -- not numbers: it went wrong
        return True
    if not isinstance(given, tuple) or len(given) != len(expected):
        return True
    pairs = list(zip(given, expected)) if o is None else [(given[o], expected[o])]
    return not all(a.shape == b.shape and entries_match(a, b, exercise.atol, exercise.rtol) for a, b in pairs)
