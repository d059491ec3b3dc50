"""The message of a function exercise: "Correct" with the geometries, or "Not yet" per output.

``judge(exercise, runs)`` writes it from the learner's runs on the hidden geometries:

- results returned in another order than the exercise's (``(db, dw)`` for ``(dw, db)``): said
  first, and the outputs judged in the order they were returned in;
- a function that raised: on how many geometries, the first one, the exception and the learner's
  line; the mistake whose model predicts that very exception (type and words), or else whose
  exception it is and what the failing geometries share; and what it returned where it ran
  (wrong values there too, or right ones), so no geometry is taken for passing unseen;
- per output: on how many geometries it is wrong, the first wrong geometry, the shape (and when
  it has the right number of entries, whether it is the right one transposed) or the first
  wrong entry (and what that entry is made of, ``Output.where``); every catalogued mistake that
  explains it on all geometries, or two whose effects add up to it, or else the diagnosis from the
  evidence (``function_diagnosis``); the line to debug with.
"""
import copy
import itertools

import numpy as np

from .compare import entries_match, given_expected, hint_lines, index_text
from .diagnosis import relation_words, shape_words
from .evidence import relation
from .function_diagnosis import composed, diagnose, diagnose_crash
from .learner_call import own_exception_lines
from .result import CheckResult, WrongAnswer


def _shape_everywhere(ex, mistake, o, runs):
    """Does ``mistake`` give the learner's shape of output ``o`` on every geometry where that shape is
    wrong (and the right shape wherever the learner's is right)?"""
    wrong_shape = False
    for run, model, ref in zip(runs, ex.model_outputs(mistake), ex._expected):
        given = run.outputs[o]
        shapes = {v[o].shape for v in ex._numbers(model)} if model is not None else {ref[o].shape}
        if given.shape != ref[o].shape:
            wrong_shape = True
            if given.shape not in shapes:
                return False
        elif shapes and ref[o].shape not in shapes:
            return False
    return wrong_shape


def beyond_whole_numbers(ex, runs, fn, seed=12):
    """Lines when a function right on every hidden geometry is not right in general: it returns float32
    (or float16) arrays, or it goes wrong when the same geometries hold numbers that are not whole
    (the hidden data are small whole numbers, exact in any float and in integer arithmetic)."""
    low = {name: dtype for run in runs for name, dtype in run.low_precision.items()}
    if low:
        name, dtype = next(iter(low.items()))
        return [f"Not yet: {ex.name}: the numbers are right on all {len(runs)} geometries, but it returns {name} as "
                f"{dtype}.", f"  {dtype} keeps about {7 if '32' in dtype else 3} digits: a gradient check (relative "
                "error 1e-7) cannot pass in it. Make the arrays float64: np.zeros(shape) without a dtype, or "
                ".astype(np.float64)."]
    if fn is None or not getattr(ex, "check_fractions", True):
        return []
    rng = np.random.default_rng(seed)
    for k, case in enumerate(ex.cases):
        args = [rng.normal(size=a.shape) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else copy.deepcopy(a)
                for a in case.args]
        if all(a is b for a, b in zip(args, case.args)) or not any(isinstance(a, np.ndarray) for a in args):
            continue
        expected = ex._normalise(ex._reference(*copy.deepcopy(args)))
        head = (f"Not yet: {ex.name} is right on all {len(runs)} hidden geometries, whose numbers are small whole "
                f"numbers, but not on geometry {k} filled with numbers that are not whole (normal random numbers, "
                f"seed {seed}):")
        try:
            run = ex._run(fn, case._replace(args=tuple(args)))
        except WrongAnswer as err:
            return [head, f"  {err}"]
        if run.error is not None:
            return [head, f"  {run.error}"]
        given = run.outputs
        for o, out in enumerate(ex.outputs):
            g, r = given[o], expected[o]
            if g.shape == r.shape and entries_match(g, r, ex.atol, ex.rtol):
                continue
            lines = [head]
            if g.shape != r.shape:
                lines.append(f"  {out.name}: shape {g.shape}, expected {r.shape}.")
                return lines
            bad = np.abs(g - r) > ex.atol + ex.rtol * np.abs(r)
            first = tuple(int(v) for v in np.argwhere(bad)[0])
            lines.append(f"  {out.name}: {int(bad.sum())} of {r.size} entries differ; the first is {out.name}"
                         f"{index_text(first, out.letters)}: {given_expected(g[first], r[first])}.")
            rel = relation(g, r, ex.atol, ex.rtol)
            lines.append(f"  Diagnosis: {relation_words(rel, out.name, out.letters)}." if rel is not None else
                         "  Diagnosis: whole numbers hide it: look for integer arithmetic (//, int(), an integer "
                         "array), a rounding, or a rule that only holds for whole numbers (such as a slope that is "
                         "1 for every positive whole number).")
            return lines
    return []


def _numbers(ks):
    ks = [str(k) for k in ks]
    return ks[0] if len(ks) == 1 else ", ".join(ks[:-1]) + " and " + ks[-1]


def _geometries(ks):
    return f"geometr{'y' if len(ks) == 1 else 'ies'} {_numbers(ks)}"


def output_order(ex, runs):
    """``order`` (``order[o]``: where the learner returned output ``o``), not the identity, when the
    results fit the exercise's outputs only in that order on every geometry where the function ran:
    by their shapes, or, where the shapes fit either way, by their numbers. Else None."""
    m = len(ex.outputs)
    ran = [(run, ref) for run, ref in zip(runs, ex._expected) if run.outputs is not None]
    if not 2 <= m <= 4 or not ran:
        return None

    def shapes_fit(order):
        return all(run.outputs[order[o]].shape == ref[o].shape for run, ref in ran for o in range(m))

    def right(order):
        return all(entries_match(run.outputs[order[o]], ref[o], ex.atol, ex.rtol) for run, ref in ran
                   for o in range(m))
    identity = tuple(range(m))
    others = [p for p in itertools.permutations(identity) if p != identity]
    if shapes_fit(identity):
        return None if right(identity) else next((p for p in others if right(p)), None)
    fits = [p for p in others if shapes_fit(p)]
    return next((p for p in fits if right(p)), fits[0] if fits else None)


def reordered(ex, runs, order):
    """``runs`` with each result moved to the place of the output it is (``output_order``)."""
    names = {ex.outputs[order[o]].name: ex.outputs[o].name for o in range(len(order))}  # returned at -> is

    def move(run):
        if run.outputs is None:
            return run
        return run._replace(outputs=tuple(run.outputs[order[o]] for o in range(len(order))),
                            booleans=tuple(names[b] for b in run.booleans),
                            low_precision={names[k]: v for k, v in run.low_precision.items()})
    return [move(run) for run in runs]


def order_lines(ex, runs, order):
    """``(head, lines)`` when the results came in another order: a whole verdict when they are right
    in the exercise's order (``head`` not None), else a note to put under the verdict."""
    returned = [None] * len(order)
    for o, at in enumerate(order):
        returned[at] = ex.outputs[o].name
    given, asked = ", ".join(returned), ", ".join(o.name for o in ex.outputs)
    moved = reordered(ex, runs, order)
    all_right = all(run.outputs is not None and all(entries_match(g, r, ex.atol, ex.rtol)
                                                    for g, r in zip(run.outputs, ref))
                    for run, ref in zip(moved, ex._expected))
    if all_right:
        return (f"Not yet: {ex.name}: your results look like ({given}), in the other order: in the order ({asked}) "
                f"they are right on all {len(runs)} geometries.",
                [f"  Try: return them in the order the exercise asks for: `return {asked}`."])
    return None, [f"  Note: your results look like ({given}), in the other order (their shapes say so): the exercise "
                  f"asks for ({asked}). Below, each is judged as the output it looks like."]


def _first_wrong(ex, o, k, given, ref):
    """Lines about output ``o`` on case ``k``: its shape (and what a same-sized shape says), NaN, or
    how many entries differ and the first one (and what it is made of)."""
    out = ex.outputs[o]
    if given.shape != ref.shape:
        dims = (out.dims or out.letters.upper()).split()
        words = shape_words(given, ref, " ".join(dims), ex.atol, ex.rtol)
        return [f"  wrong shape: expected ({', '.join(dims)}) = {ref.shape}, given {given.shape}"
                + (words if words.startswith(":") else words + ".") + ("." if words.startswith(":") else "")]
    if not np.isfinite(given).all():
        return ["  it holds NaN or infinite entries."]
    wrong_entries = np.abs(given - ref) > ex.atol + ex.rtol * np.abs(ref)
    first = tuple(int(v) for v in np.argwhere(wrong_entries)[0])
    lines = [f"  {int(wrong_entries.sum())} of {ref.size} entries differ; the first is "
             f"{out.name}{index_text(first, out.letters)}: {given_expected(given[first], ref[first])}."]
    if out.where is not None:
        lines.append(f"  ({out.where(first, copy.deepcopy(ex.cases[k].args))})")
    return lines


def _values_where_it_ran(ex, runs, failed):
    """For a function that raised on the geometries ``failed``: ``(wrong, lines)``, the geometries
    where it ran and returned wrong values, and lines saying what it returned where it ran."""
    n, ran = len(runs), [k for k in range(len(runs)) if k not in failed]
    if not ran:
        return [], []
    per_output, wrong_any = [], set()
    for o, out in enumerate(ex.outputs):
        wrong = [k for k in ran if not entries_match(runs[k].outputs[o], ex._expected[k][o], ex.atol, ex.rtol)]
        per_output.append(wrong)
        wrong_any |= set(wrong)
    if not wrong_any:
        return [], [f"  Where it ran ({_geometries(ran)}), it returned the right values."]
    wrong_all = sorted(wrong_any)
    right = [k for k in ran if k not in wrong_any]
    lines = [f"  Where it ran, the values are wrong too: on {_geometries(wrong_all)}"
             + (f" (right on {_geometries(right)})." if right else f", every geometry where it ran.")]
    for o, (out, wrong) in enumerate(zip(ex.outputs, per_output)):
        if not wrong:
            if len(ex.outputs) > 1:
                lines.append(f"    {out.name}: right on all {len(ran)} geometries where it ran.")
            continue
        k = wrong[0]
        first = _first_wrong(ex, o, k, runs[k].outputs[o], ex._expected[k][o])
        label = f"{out.name}, " if len(ex.outputs) > 1 else ""
        lines.append(f"    {label}geometry {k} ({ex.cases[k].label}):")
        lines += ["    " + line for line in first]
    return wrong_all, lines


def judge(ex, runs, fn=None):
    """The ``CheckResult`` of the learner's ``runs`` (one per case of ``ex``); ``fn``, the learner's
    function, lets the diagnosis run an experiment."""
    n = len(ex.cases)
    order = output_order(ex, runs)
    order_note = []
    if order is not None:
        head, order_note = order_lines(ex, runs, order)
        if head is not None:
            return CheckResult.wrong([head] + order_note)
        runs = reordered(ex, runs, order)
    failed = [k for k, run in enumerate(runs) if run.error is not None]
    if failed:
        k = failed[0]
        found = [m for m in ex.mistakes if all(ex._explains(m, o, runs) for o in range(len(ex.outputs)))]
        wrong_values, values = _values_where_it_ran(ex, runs, failed)
        head = (f"{ex.name} failed on {len(failed)} of {n} geometries; the first is geometry {k}: "
                f"{ex.cases[k].label}.")
        if wrong_values:
            head += (f" Where it ran, it returned wrong values on {len(wrong_values)} more "
                     f"({_geometries(wrong_values)}).")
        lines = [head] + order_note + [f"  {runs[k].error}"]
        lines += hint_lines([m.mistake for m in found])
        if not found:
            lines += own_exception_lines(runs[k].exception) + diagnose_crash(ex, runs, fn)
        lines += values
        lines.append(ex._debug_line(k))
        return CheckResult.wrong(lines, [m.key for m in found])
    lines, named, summary = [], [], []
    for o, out in enumerate(ex.outputs):
        wrong = [k for k, (run, ref) in enumerate(zip(runs, ex._expected))
                 if not entries_match(run.outputs[o], ref[o], ex.atol, ex.rtol)]
        if not wrong:
            if len(ex.outputs) > 1:
                lines.append(f"{out.name}: right on all {n} geometries.")
            continue
        summary.append(f"{out.name} is wrong on {len(wrong)} of {n}")
        k = wrong[0]
        given, ref = runs[k].outputs[o], ex._expected[k][o]
        lines.append(f"{out.name}: wrong on {len(wrong)} of {n} geometries; "
                     f"the first is geometry {k}: {ex.cases[k].label}.")
        lines += _first_wrong(ex, o, k, given, ref)
        if out.name in runs[k].booleans:
            lines.append(f"  Note: it returned {out.name} as booleans (True/False), read here as 1 and 0.")
        found = ex.explaining(o, runs)
        pairs = [] if found else composed(ex, o, runs)
        if pairs:
            keys = list(dict.fromkeys(k for pair in pairs for k in pair))
            found = [m for m in ex.mistakes if m.key in keys]
            lines.append("  Two typical mistakes at once: the effects of these add up to your answer exactly, "
                         "on every geometry:")
            lines += [f"    - {m.hint}" for m in found]
            named += [m.key for m in found if m.key not in named]
        elif found:
            named += [m.key for m in found if m.key not in named]
            lines += hint_lines([m.mistake for m in found])
        else:
            shape_only = [m for m in ex.mistakes if _shape_everywhere(ex, m, o, runs)]
            if shape_only:
                lines.append("  On every geometry where your shape is wrong, it is the shape this mistake gives "
                             "(the numbers do not tell more): "
                             + "; ".join(m.hint for m in shape_only[:2]))
            else:
                lines += diagnose(ex, o, runs, fn) or [
                    "  No typical mistake of the catalogue explains it, and the numbers show no simple "
                    "pattern: follow the equation at the first wrong entry."]
        lines.append(ex._debug_line(k))
    if summary:
        right = [o.name for o in ex.outputs if not any(s.startswith(o.name + " ") for s in summary)]
        head = (f"Not yet: {ex.name}: " + ", ".join(summary) + " hidden geometries"
                + (f"; {', '.join(right)} {'is' if len(right) == 1 else 'are'} right." if right else "."))
        return CheckResult.wrong([head] + order_note + lines, named)
    beyond = beyond_whole_numbers(ex, runs, fn)
    if beyond:
        return CheckResult.wrong(beyond)
    return CheckResult.passed([f"Correct: {ex.name} matches cnnlib on all {n} geometries:"]
                              + [f"  {k}. {c.label}" for k, c in enumerate(ex.cases)])
