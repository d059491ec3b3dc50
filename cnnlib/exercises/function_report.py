"""The message of a function exercise: "Correct" with the geometries, or "Not yet" per output.

``judge(exercise, runs)`` writes it from the learner's runs on the hidden geometries:

- a function that raised: on how many geometries, the first one, the exception and the learner's
  line; the mistake whose model predicts that very exception (type and words), or else whose
  exception it is and what the failing geometries share;
- per output: on how many geometries it is wrong, the first wrong geometry, the shape or the first
  wrong entry (and what that entry is made of, ``Output.where``); every catalogued mistake that
  explains it on all geometries, or two whose effects add up to it, or else the diagnosis from the
  evidence (``function_diagnosis``); the line to debug with.
"""
import copy

import numpy as np

from .compare import entries_match, given_expected, hint_lines, index_text
from .diagnosis import relation_words
from .evidence import relation
from .function_diagnosis import composed, diagnose, diagnose_crash
from .learner_call import own_exception_lines
from .result import CheckResult, WrongAnswer


def _shape_everywhere(ex, mistake, o, runs):
    """Does ``mistake`` give the learner's shape of output ``o`` on every geometry where that shape is
    wrong (and the right shape wherever the learner's is right)?"""
    wrong_shape = False
    for run, model, ref in zip(runs, ex.model_outputs(mistake), ex.expected):
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
        expected = ex._normalise(ex.reference(*copy.deepcopy(args)))
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


def judge(ex, runs, fn=None):
    """The ``CheckResult`` of the learner's ``runs`` (one per case of ``ex``); ``fn``, the learner's
    function, lets the diagnosis run an experiment."""
    n = len(ex.cases)
    failed = [k for k, run in enumerate(runs) if run.error is not None]
    if failed:
        k = failed[0]
        found = [m for m in ex.mistakes if all(ex._explains(m, o, runs) for o in range(len(ex.outputs)))]
        lines = [f"{ex.name} failed on {len(failed)} of {n} geometries; the first is "
                 f"geometry {k}: {ex.cases[k].label}.", f"  {runs[k].error}"]
        lines += hint_lines([m.mistake for m in found])
        if not found:
            lines += own_exception_lines(runs[k].exception) + diagnose_crash(ex, runs, fn)
        lines.append(ex._debug_line(k))
        return CheckResult.wrong(lines, [m.key for m in found])
    lines, named, summary = [], [], []
    for o, out in enumerate(ex.outputs):
        wrong = [k for k, (run, ref) in enumerate(zip(runs, ex.expected))
                 if not entries_match(run.outputs[o], ref[o], ex.atol, ex.rtol)]
        if not wrong:
            if len(ex.outputs) > 1:
                lines.append(f"{out.name}: right on all {n} geometries.")
            continue
        summary.append(f"{out.name} is wrong on {len(wrong)} of {n}")
        k = wrong[0]
        given, ref = runs[k].outputs[o], ex.expected[k][o]
        lines.append(f"{out.name}: wrong on {len(wrong)} of {n} geometries; "
                     f"the first is geometry {k}: {ex.cases[k].label}.")
        if given.shape != ref.shape:
            dims = ", ".join((out.dims or out.letters.upper()).split())
            lines.append(f"  wrong shape: expected ({dims}) = {ref.shape}, given {given.shape}.")
        elif not np.isfinite(given).all():
            lines.append("  it holds NaN or infinite entries.")
        else:
            wrong_entries = np.abs(given - ref) > ex.atol + ex.rtol * np.abs(ref)
            first = tuple(int(v) for v in np.argwhere(wrong_entries)[0])
            lines.append(f"  {int(wrong_entries.sum())} of {ref.size} entries differ; the first is "
                         f"{out.name}{index_text(first, out.letters)}: {given_expected(given[first], ref[first])}.")
            if out.where is not None:
                lines.append(f"  ({out.where(first, copy.deepcopy(ex.cases[k].args))})")
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
        return CheckResult.wrong([head] + lines, named)
    beyond = beyond_whole_numbers(ex, runs, fn)
    if beyond:
        return CheckResult.wrong(beyond)
    return CheckResult.passed([f"Correct: {ex.name} matches cnnlib on all {n} geometries:"]
                              + [f"  {k}. {c.label}" for k, c in enumerate(ex.cases)])
