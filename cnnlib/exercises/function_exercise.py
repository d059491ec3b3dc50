"""A "Your turn" exercise where the learner writes a whole function.

``FunctionExercise`` is the checker: called with the learner's function, it runs
it on several hidden geometries (``Case``s: a stride that does not tile, padding
that changes the result, C != F, non-square shapes, a nonzero bias, ...), and
compares every output with cnnlib's reference. It says:

- "Not written yet" while the body still raises ``NotImplementedError``, so a notebook with an
  unwritten template still runs (every message is a ``CheckResult``; ``strict=True`` raises
  ``WrongAnswer`` unless it is "Correct");
- the exception, the geometry and the learner's line, when the function fails;
- per output (``dw`` and ``db`` are judged apart): the first wrong geometry, the
  shape (expected vs given) or the first wrong entry by its index in the
  equation's letters, and every typical mistake that explains the answer on
  *all* the geometries (when several do, all of them);
- that the function changed one of its inputs in place, when it did.

A typical mistake is a ``FunctionMistake``: a key, a hint, and a ``model``, a
function with the exercise's signature that computes what the mistake gives
(usually cnnlib's reference called on altered inputs). A model may return
``None`` for a geometry it does not apply to. A mistake explains an output when
the learner's output equals the model's on every geometry where the model
applies, and the model differs from the reference on at least one of them.

Checking the checker: ``tests/`` runs a learner-style wrong implementation of
every mistake (a mutant) through it and asserts that exactly that mistake is
named (or its declared twins, mistakes that give the same numbers by
mathematics); ``distinguishable`` proves the hidden data can tell every
mistake from the right answer and from each other.

The pieces (``Case``, ``Output``, ``FunctionMistake``, ``RAISES``, ``Raises``, ``Variants``)
live in ``function_parts`` and are importable from here.
"""
import copy

import numpy as np

from .compare import as_answer_array, entries_match, hint_lines, index_text, is_boolean, number_text
from .function_parts import (RAISES, Case, FunctionMistake, Output, Raises, Variants,  # noqa: F401
                             _Run, _same_inputs)
from .hints import Hints
from .learner_call import TIME_LIMIT, call, learner_line
from .result import CheckerCalledInside, CheckResult, WrongAnswer, called_inside_message, finish, running


class FunctionExercise:
    """Checker of a learner-written function; call it with the function: ``check(my_fn)``.

    name      : the function's name in the template, e.g. ``"conv_forward_loops"``.
    params    : the parameter names, in order (used in messages and ``case``).
    outputs   : ``Output``s in the order the function returns them.
    reference : cnnlib's answer, same signature, returns the outputs (a tuple if several).
    cases     : a function returning the list of ``Case``s (built on first use, seeded).
    mistakes  : ``FunctionMistake``s, the catalogue of this exercise.
    twins     : groups of mistake keys that give the same numbers by mathematics.
    checker_name : the name the notebook imports the checker by (``check_<name>``), used in
                   the "to debug" line.
    """

    def __init__(self, name, params, outputs, reference, cases, mistakes=(), twins=(),
                 atol=1e-6, rtol=1e-6, equation="", checker_name=None):
        self.name, self.params, self.outputs = name, tuple(params), tuple(outputs)
        self.checker_name = checker_name or f"check_{name}"
        self.reference, self._make_cases = reference, cases
        self.mistakes, self.twins = tuple(mistakes), tuple(frozenset(t) for t in twins)
        self.atol, self.rtol, self.equation = atol, rtol, equation
        self.time_limit = TIME_LIMIT
        self._cases = self._ref = self._models = None

    @property
    def hint(self):
        """``check.hint(level)``: the hints of this exercise, in levels (``HINTS`` of its module)."""
        return Hints(self.checker_name)

    # ----------------------------------------------------------- the data, built once
    @property
    def cases(self):
        if self._cases is None:
            self._cases = list(self._make_cases())
        return self._cases

    def case(self, k):
        """A fresh copy of geometry ``k``'s inputs, as a dict by parameter name (to debug with):
        ``my_fn(**check.case(2))``."""
        n = len(self.cases)
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k < n:
            raise ValueError(f"{self.checker_name}.case(k): k is the number of a hidden geometry, a whole "
                             f"number from 0 to {n - 1}; given {k!r}")
        return dict(zip(self.params, copy.deepcopy(self.cases[int(k)].args)))

    def _normalise(self, result):
        if isinstance(result, Raises):
            return result
        if isinstance(result, Variants):
            return Variants(self._normalise(r) for r in result)
        if len(self.outputs) == 1:
            result = (result,)
        return tuple(np.asarray(r, dtype=np.float64) for r in result)

    @property
    def expected(self):
        if self._ref is None:
            self._ref = [self._normalise(self.reference(*copy.deepcopy(c.args))) for c in self.cases]
        return self._ref

    def model_outputs(self, mistake):
        """What ``mistake`` gives on every case: a list of output tuples, ``None`` where it does not apply."""
        if self._models is None:
            self._models = {}
        if mistake.key not in self._models:
            runs = []
            for c in self.cases:
                value = mistake.model(*copy.deepcopy(c.args))
                runs.append(None if value is None else self._normalise(value))
            self._models[mistake.key] = runs
        return self._models[mistake.key]

    # ------------------------------------------------------------- diagnosis
    def _matches(self, run, model, o):
        """Does ``run`` (output ``o``) look like ``model`` (numbers, RAISES or Variants)?"""
        if isinstance(model, Variants):
            return any(self._matches(run, m, o) for m in model)
        if isinstance(model, Raises) or run.outputs is None:
            return isinstance(model, Raises) and run.outputs is None and model.matches(run.exception)
        return entries_match(run.outputs[o], model[o], self.atol, self.rtol)

    def _explains(self, mistake, o, runs):
        models, seen_difference = self.model_outputs(mistake), False
        for run, model, ref in zip(runs, models, self.expected):
            if model is None:
                continue
            if not self._matches(run, model, o):
                return False
            # the run matches the mistake here; does the mistake show here (differ from the reference)?
            seen_difference |= run.outputs is None or not entries_match(run.outputs[o], ref[o], self.atol,
                                                                         self.rtol)
        return seen_difference

    def explaining(self, o, runs):
        """The mistakes that explain output ``o`` of ``runs`` on every case."""
        return [m for m in self.mistakes if self._explains(m, o, runs)]

    @staticmethod
    def _as_run(model, ref):
        """The run of a learner whose function behaves like ``model`` (its first variant)."""
        if isinstance(model, Variants):
            model = model[0]
        if isinstance(model, Raises):
            return _Run(None, "raises", model.example())
        return _Run(ref if model is None else model, None)

    def distinguishable(self):
        """Problems with the hidden data: a mistake the cases cannot tell from the right answer
        or from another mistake (not declared twins). An empty list means every mistake can be named."""
        problems = []
        for m in self.mistakes:
            runs = [self._as_run(mo, ref) for mo, ref in zip(self.model_outputs(m), self.expected)]
            outputs = range(len(self.outputs))
            if any(run.outputs is None for run in runs):  # as __call__ names them when a run raises
                named = {k.key for k in self.mistakes if all(self._explains(k, o, runs) for o in outputs)}
            else:
                named = {k.key for o in outputs for k in self.explaining(o, runs)}
            if m.key not in named:
                problems.append(f"{m.key}: the cases cannot tell it from the right answer")
            twins = set().union(*[t for t in self.twins if m.key in t]) if self.twins else set()
            for other in named - {m.key} - twins:
                problems.append(f"{m.key}: the cases cannot tell it from {other}")
        return problems

    # -------------------------------------------------------------- checking
    def describe_error(self, err):
        """How a failure of the learner's function is written (a subclass may say more)."""
        return f"{type(err).__name__}: {err}"

    def _call(self, fn, args):
        """``(result, None)``, or ``(None, a failed _Run)`` saying where the learner's code failed or
        that it took too long. ``NotImplementedError`` (an unwritten template) goes through."""
        result, failure = call(fn, args, self.time_limit, self.describe_error)
        return (result, None) if failure is None else (None, _Run(None, failure.text, failure.exception))

    def _run(self, fn, case):
        args = copy.deepcopy(case.args)
        result, failed = self._call(fn, args)
        if failed:
            return failed
        for name, before, after in zip(self.params, case.args, args):
            if not _same_inputs(before, after):
                raise WrongAnswer(f"{self.name}: it changed its input {name} in place (geometry "
                                  f"'{case.label}'); a forward or backward pass must leave its inputs "
                                  "as they were: write into a new array (np.zeros, .copy()).")
        if result is None:
            raise WrongAnswer(f"{self.name}: it returned None: is the `return` line missing?")
        if len(self.outputs) > 1:
            if not isinstance(result, (tuple, list)) or len(result) != len(self.outputs):
                names = ", ".join(o.name for o in self.outputs)
                got = len(result) if isinstance(result, (tuple, list)) else 1
                raise WrongAnswer(f"{self.name}: expected {len(self.outputs)} results ({names}), "
                                  f"given {got}")
        results = result if len(self.outputs) > 1 else (result,)
        outputs = tuple(as_answer_array(r, f"{self.name} → {o.name}") for r, o in zip(results, self.outputs))
        booleans = tuple(o.name for r, o in zip(results, self.outputs) if is_boolean(r))
        return _Run(outputs, None, booleans=booleans)

    @staticmethod
    def _same_shape(model, o, given, ref):
        """Does some variant of ``model`` have the learner's (wrong) shape?"""
        variants = model if isinstance(model, Variants) else (model,)
        return given.shape != ref.shape and any(
            v is not None and not isinstance(v, Raises) and v[o].shape == given.shape for v in variants)

    def __call__(self, fn, strict=False):
        """Check the learner's function ``fn``: a ``CheckResult`` ("Correct", "Not yet" or "Not
        written yet"); with ``strict=True``, ``WrongAnswer`` unless it is correct."""
        return finish(self.check(fn), strict)

    def check(self, fn):
        """The ``CheckResult`` of the learner's function ``fn`` (never raises for the learner's code)."""
        if not callable(fn):
            return CheckResult.wrong(f"{self.name}: expected your function (its name, without calling it "
                                     f"and without brackets), given {type(fn).__name__}")
        with running(self.checker_name):
            try:
                runs = [self._run(fn, case) for case in self.cases]
                return self.judge(runs)
            except NotImplementedError:
                return CheckResult.not_answered(
                    [f"Not written yet: {self.name}: its body still raises NotImplementedError.",
                     "  Write it, then run this cell again."])
            except CheckerCalledInside as err:
                if err.name != self.checker_name:
                    raise
                return CheckResult.wrong(called_inside_message(self.checker_name, getattr(fn, "__name__", "it"),
                                                               learner_line(err)))
            except WrongAnswer as err:   # the function's result is not an answer at all (None, in place, ...)
                return CheckResult.wrong(str(err), err.mistakes)

    def _debug_line(self, k):
        return (f"  To debug: `{self.checker_name}.case({k})` gives geometry {k}'s inputs "
                f"({', '.join(self.params)}) as a dict: `{self.name}(**{self.checker_name}.case({k}))`.")

    def judge(self, runs):
        """The ``CheckResult`` of the learner's ``runs`` (one per case)."""
        n = len(self.cases)
        failed = [k for k, run in enumerate(runs) if run.error is not None]
        if failed:
            k = failed[0]
            found = [m for m in self.mistakes if all(self._explains(m, o, runs) for o in range(len(self.outputs)))]
            lines = [f"{self.name} failed on {len(failed)} of {n} geometries; the first is "
                     f"geometry {k}: {self.cases[k].label}.", f"  {runs[k].error}"]
            lines += hint_lines([m.mistake for m in found])
            lines.append(self._debug_line(k))
            return CheckResult.wrong(lines, [m.key for m in found])
        lines, named, summary = [], [], []
        for o, out in enumerate(self.outputs):
            wrong = [k for k, (run, ref) in enumerate(zip(runs, self.expected))
                     if not entries_match(run.outputs[o], ref[o], self.atol, self.rtol)]
            if not wrong:
                if len(self.outputs) > 1:
                    lines.append(f"{out.name}: right on all {n} geometries.")
                continue
            summary.append(f"{out.name} is wrong on {len(wrong)} of {n}")
            k = wrong[0]
            given, ref = runs[k].outputs[o], self.expected[k][o]
            lines.append(f"{out.name}: wrong on {len(wrong)} of {n} geometries; "
                         f"the first is geometry {k}: {self.cases[k].label}.")
            if given.shape != ref.shape:
                dims = ", ".join((out.dims or out.letters.upper()).split())
                lines.append(f"  wrong shape: expected ({dims}) = {ref.shape}, given {given.shape}.")
            elif not np.isfinite(given).all():
                lines.append("  it holds NaN or infinite entries.")
            else:
                wrong_entries = np.abs(given - ref) > self.atol + self.rtol * np.abs(ref)
                first = tuple(int(v) for v in np.argwhere(wrong_entries)[0])
                lines.append(f"  {int(wrong_entries.sum())} of {ref.size} entries differ; the first is "
                             f"{out.name}{index_text(first, out.letters)}: given {number_text(given[first])}, "
                             f"expected {number_text(ref[first])}.")
                if out.where is not None:
                    lines.append(f"  ({out.where(first, copy.deepcopy(self.cases[k].args))})")
            if out.name in runs[k].booleans:
                lines.append(f"  Note: it returned {out.name} as booleans (True/False), read here as 1 and 0.")
            found = self.explaining(o, runs)
            named += [m.key for m in found if m.key not in named]
            if found:
                lines += hint_lines([m.mistake for m in found])
            else:
                shape_only = [m for m in self.mistakes if self._same_shape(self.model_outputs(m)[k], o, given, ref)]
                if shape_only:
                    lines.append("  Your shape is the one this mistake gives: "
                                 + "; ".join(m.hint for m in shape_only[:2]))
                else:
                    lines.append("  No typical mistake of the catalogue explains it: follow the "
                                 "equation at the first wrong entry.")
            lines.append(self._debug_line(k))
        if summary:
            right = [o.name for o in self.outputs if not any(s.startswith(o.name + " ") for s in summary)]
            head = (f"Not yet: {self.name}: " + ", ".join(summary) + f" hidden geometries"
                    + (f"; {', '.join(right)} {'is' if len(right) == 1 else 'are'} right." if right else "."))
            return CheckResult.wrong([head] + lines, named)
        return CheckResult.passed([f"Correct: {self.name} matches cnnlib on all {n} geometries:"]
                                  + [f"  {k}. {c.label}" for k, c in enumerate(self.cases)])

    def __repr__(self):
        return f"<checker of {self.name}({', '.join(self.params)}): {len(self.mistakes)} typical mistakes>"
