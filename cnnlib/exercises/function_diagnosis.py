"""The diagnosis of a function exercise's output when no catalogued mistake explains it.

``diagnose(exercise, o, runs)`` puts together, in plain words (``diagnosis``):

1. how the learner's output relates to the right one on the wrong geometries, when one relation
   holds on all of them (a multiple named by the geometry, float32 rounding, a transpose, a flip,
   a shift, the right numbers elsewhere) or else on the first wrong geometry;
2. else where the wrong entries are on the first wrong geometry;
3. which geometries pass and what they share (``split_lines``).

``diagnose_crash(exercise, runs)`` says, for a function that fails on some geometries only, what
the geometries it fails on share, and that the exception comes from the learner's own code.
"""
import numpy as np

import itertools

from .compare import entries_match
from .diagnosis import geometry, multiple_lines, relation_words, split_lines
from .evidence import axes_order, edge_region, masked, offset, relation, shape_order, wrong_region
from .experiment import confirm
from .function_parts import Raises, Variants


def geometries(exercise):
    return [geometry(exercise.params, case.args) for case in exercise.cases]


def _right_cases(exercise, o, runs):
    return [k for k, (run, ref) in enumerate(zip(runs, exercise._expected))
            if run.outputs is not None and entries_match(run.outputs[o], ref[o], exercise.atol, exercise.rtol)]


def _confirmer(exercise, fn, passing, o=None, crash=False):
    """``confirm(label) -> (verdict, k)`` for ``split_lines``: the experiment on the first passing case
    where it can be made (``experiment.confirm``)."""
    def run(label):
        for k in passing:
            verdict = confirm(exercise, fn, k, label, o=o, crash=crash)
            if verdict is not None:
                return verdict, k
        return None, None
    return run if fn is not None else None


def diagnose(exercise, o, runs, fn=None):
    """Lines (maybe none) saying what the evidence shows about output ``o``; ``fn``, the learner's
    function, lets an experiment confirm a split of the geometries (``experiment``)."""
    out, geoms = exercise.outputs[o], geometries(exercise)
    right = _right_cases(exercise, o, runs)
    wrong = [k for k in range(len(runs)) if k not in right and runs[k].outputs is not None]
    if not wrong:
        return []
    pairs = {k: (runs[k].outputs[o], exercise._expected[k][o]) for k in wrong}
    moved = _axes_moved(exercise, out, pairs)
    if moved:   # the whole story: where N = C = 1 the transpose changes nothing, hence the passing ones
        return moved
    rels = {k: relation(g, r, exercise.atol, exercise.rtol) for k, (g, r) in pairs.items()}
    lines = []
    kinds = {rel.kind if rel else None for rel in rels.values()}
    first = wrong[0]
    if kinds == {"multiple"}:
        zero = [not np.any(exercise._expected[k][o]) for k in range(len(runs))]
        lines += multiple_lines(out.name, {k: rels[k].value for k in wrong}, geoms, wrong, right, zero)
    elif len(kinds) == 1 and None not in kinds:
        values = {rels[k].value for k in wrong}
        pads = {geoms[k].get("P") for k in wrong}
        shift_by_pad = kinds == {"shift"} and all(
            geoms[k].get("P") and set(map(abs, rels[k].value)) - {0} == {geoms[k]["P"]} for k in wrong)
        if len(values) == 1 or shift_by_pad or kinds & {"zeros", "float32", "rows", "columns", "moved"}:
            pad = geoms[first].get("P") if shift_by_pad or len(pads) == 1 else None
            text = relation_words(rels[first], out.name, out.letters, pad)
            where = "every geometry where it is wrong" if len(wrong) > 1 else f"geometry {first}"
            lines.append(f"  Diagnosis: on {where}, {text}.")
        else:
            lines.append(f"  Diagnosis: on geometry {first}, {relation_words(rels[first], out.name, out.letters)}.")
    elif rels[first] is not None:
        lines.append(f"  Diagnosis: on geometry {first}, {relation_words(rels[first], out.name, out.letters)}.")
    named_factor = any("times the right one on every geometry where" in line for line in lines)
    if not lines:
        lines += _with_inputs(exercise, o, runs, wrong)
    if not lines and all(pairs[k][0].shape != pairs[k][1].shape for k in wrong):
        lines += _shape_lines(exercise, o, runs, wrong)
    if not lines and out.letters:
        g, r = pairs[first]
        region = wrong_region(g, r, out.letters, exercise.atol, exercise.rtol) or \
            edge_region(g, r, out.letters, exercise.atol, exercise.rtol)
        if region:
            lines.append(f"  Diagnosis: on geometry {first}, the wrong entries of {out.name} are {region}; "
                         "all the others are right.")
    low = [k for k in wrong if out.name in runs[k].low_precision]
    if low and not any("float32" in line for line in lines):
        lines.append(f"  Note: it returned {out.name} as {runs[low[0]].low_precision[out.name]}: compute in "
                     "float64 (the checker's tolerance is 1e-6).")
    if not named_factor:
        # a case whose right answer is all zeros (a pixel no window reads) is right for most slips:
        # it tells nothing about which geometries break the function, so it is left out of the split
        informative = [k for k in range(len(runs)) if k not in right or np.any(exercise._expected[k][o])]
        sub_right = [informative.index(k) for k in right if k in informative]
        lines += split_lines([geoms[k] for k in informative], sub_right,
                             confirm=_confirmer(exercise, fn, [k for k in right if k in informative], o))
    return lines


def _dims(out, ndim):
    names = (out.dims or out.letters.upper()).split()
    return names if len(names) == ndim else [f"axis {a}" for a in range(ndim)]


def _axes_moved(exercise, out, pairs):
    """A line when, on every wrong case, the output is the right one with its axes in one other
    order (a right answer of zeros counts by its shape alone); else []."""
    perms = set()
    for g, r in pairs.values():
        perms.add(axes_order(g, r, exercise.atol, exercise.rtol) if np.any(r) and np.any(g) else
                  shape_order(g.shape, r.shape) if not np.any(g) else None)
        if None in perms or len(perms) > 1:
            return []
    perm = perms.pop() if perms else None
    if perm is None:
        return []
    g, r = next(iter(pairs.values()))
    names = _dims(out, r.ndim)
    return [f"  Diagnosis: on every geometry where it is wrong, {out.name} holds the right numbers with its axes in "
            f"the order ({', '.join(names[a] for a in perm)}) instead of ({', '.join(names)}) (where those sizes are "
            "equal, as when both are 1, the two orders agree): index it, or transpose it, in the order asked."]


def _shape_lines(exercise, o, runs, wrong):
    """A wrong shape on every wrong geometry: how far each axis is off, when the same everywhere (or,
    when it is the right sizes in another order everywhere, that order)."""
    out = exercise.outputs[o]
    if any(runs[k].outputs[o].ndim != exercise._expected[k][o].ndim for k in wrong):
        return []
    orders = {shape_order(runs[k].outputs[o].shape, exercise._expected[k][o].shape) for k in wrong}
    if len(orders) == 1 and None not in orders:
        names = _dims(out, exercise._expected[wrong[0]][o].ndim)
        perm = orders.pop()
        return [f"  Diagnosis: on every geometry where it is wrong, the shape of {out.name} is the right sizes in the "
                f"order ({', '.join(names[a] for a in perm)}) instead of ({', '.join(names)}), and the numbers are "
                "not the right ones transposed: look for a reshape in the wrong order, or axes mixed up where "
                f"{out.name} is written."]
    diffs = np.array([np.subtract(runs[k].outputs[o].shape, exercise._expected[k][o].shape) for k in wrong])
    dims = (out.dims or out.letters.upper()).split()
    off = []
    for a in range(diffs.shape[1]):
        d = diffs[:, a]
        if np.any(d < 0) and np.any(d > 0):
            return []
        if np.any(d):
            sizes = sorted({abs(int(v)) for v in d if v})
            by = " or ".join(map(str, sizes))
            off.append(f"{dims[a] if a < len(dims) else f'axis {a}'} is {'never larger' if d.min() < 0 else 'never smaller'}"
                       f" and up to {by} too {'small' if d.min() < 0 else 'large'}" if len(sizes) > 1 else
                       f"{dims[a] if a < len(dims) else f'axis {a}'} is {by} too {'small' if d.min() < 0 else 'large'}"
                       + ("" if np.all(d) else " (or right)"))
    if not off:
        return []
    return [f"  Diagnosis: on every geometry where the shape is wrong, {' and '.join(off)}: look at how your code "
            "computes those sizes."]


def _with_inputs(exercise, o, runs, wrong):
    """Relations that need the case's inputs: an offset by an input vector (``-2·b[f]``), or wrong
    entries exactly where an input has a sign; said only when the same holds on every wrong geometry."""
    out, found = exercise.outputs[o], []
    letters = out.letters.split()
    for k in wrong:
        args = dict(zip(exercise.params, exercise.cases[k].args))
        given, ref = runs[k].outputs[o], exercise._expected[k][o]
        vectors = {n: v for n, v in args.items() if isinstance(v, np.ndarray) and v.ndim == 1}
        arrays = {n: v for n, v in args.items() if isinstance(v, np.ndarray) and v.shape == ref.shape}
        facts = {("offset",) + f for f in offset(given, ref, vectors, exercise.atol, exercise.rtol)}
        mask = None if facts else masked(given, ref, arrays, exercise.atol, exercise.rtol)
        found.append(facts or ({("masked",) + mask} if mask else set()))
    common = set.intersection(*found) if found else set()
    if not common:
        return []
    fact = sorted(common, key=lambda f: -f[-1] if f[0] == "offset" else 0)[0]
    if fact[0] == "offset":
        _, c, name, axis = fact
        letter = letters[axis] if axis < len(letters) else f"axis {axis}"
        times = ("plus " if c > 0 else "minus ") + ("" if abs(c) == 1 else f"{abs(c):g}·")
        advice = (f"{name} is subtracted instead of added" if c == -2 else f"{name} is added twice" if c == 1
                  else f"{name} is left out" if c == -1 else f"{name} enters with the wrong factor")
        return [f"  Diagnosis: on every geometry where it is wrong, {out.name} is the right one {times}{name}[{letter}] "
                f"at every entry: {advice}."]
    _, name, cond, value = fact
    there = f"; there your {out.name} is {value}" if value is not None else ""
    return [f"  Diagnosis: on every geometry where it is wrong, the wrong entries of {out.name} are exactly those "
            f"where {name} {cond}{there}: look at how your code treats those entries."]


def _numeric(model):
    """The numeric variants of a model's answer on one case (``None``: it does not apply)."""
    if isinstance(model, Variants):
        return [v for m in model for v in _numeric(m)]
    return [] if isinstance(model, Raises) else [model]


def composed(exercise, o, runs):
    """Pairs of catalogued mistakes whose effects, added, give output ``o`` on every geometry (and
    neither alone does): ``[(m1, m2)]``."""
    if any(run.outputs is None for run in runs):
        return []
    refs = [ref[o] for ref in exercise._expected]
    effects = {}
    for m in exercise.mistakes:
        per_case = []
        for model, ref in zip(exercise.model_outputs(m), exercise._expected):
            options = [ref] if model is None else _numeric(model)
            per_case.append([v[o] for v in options[:4] if v[o].shape == ref[o].shape])
        if all(per_case) and any(not entries_match(v[0], r) for v, r in zip(per_case, refs)):
            effects[m.key] = per_case
    found = []
    for a, b in itertools.combinations(effects, 2):
        ok = True
        for k, (run, ref) in enumerate(zip(runs, refs)):
            given = run.outputs[o]
            if given.shape != ref.shape or not any(
                    entries_match(given, va + vb - ref, exercise.atol, exercise.rtol)
                    for va, vb in itertools.product(effects[a][k], effects[b][k])):
                ok = False
                break
        if ok:
            found.append((a, b))
    return found


def diagnose_crash(exercise, runs, fn=None):
    """Lines about a function that raises: what the failing geometries share (confirmed by an
    experiment where one can be made)."""
    ran = [k for k, run in enumerate(runs) if run.error is None]
    return split_lines(geometries(exercise), ran, what="it runs", other="fails",
                       confirm=_confirmer(exercise, fn, ran, crash=True))
