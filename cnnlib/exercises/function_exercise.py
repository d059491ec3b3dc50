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
- that the function changed one of its inputs in place, when it did;
- a note when it calls the cnnlib function that computes the answer, or finite differences, or
  when its numbers are right only within the tolerance where exact ones are due (``shortcuts``).

The reference and its results are kept private (``_reference``, ``_expected``): the checker
gives out the hidden inputs (``case(k)``) and never the answers.

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

from .compare import as_answer_array, entries_match, is_boolean, low_precision
from .function_report import judge
from .function_parts import (BROADCAST_ERROR, INDEX_ERROR, RAISES, Case, FunctionMistake, Output,  # noqa: F401
                             Raises, Variants, first_cut_window, index_error, shape_error,
                             _Run, _same_inputs)
from .hints import Hints
from .learner_call import TIME_LIMIT, call
from .result import CheckerCalledInside, CheckResult, WrongAnswer, called_inside_message, finish, running
from .shortcuts import Watch, inexact_lines, whole


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
    answers   : the cnnlib functions that compute the answer (a call to one is noted); by
                default those of ``shortcuts.ANSWERS`` for ``name``.
    """

    def __init__(self, name, params, outputs, reference, cases, mistakes=(), twins=(),
                 atol=1e-6, rtol=1e-6, equation="", checker_name=None, answers=None):
        self.name, self.params, self.outputs = name, tuple(params), tuple(outputs)
        self.checker_name = checker_name or f"check_{name}"
        self._reference, self._make_cases, self.answers = reference, cases, answers
        self.mistakes, self.twins = tuple(mistakes), tuple(frozenset(t) for t in twins)
        self.atol, self.rtol, self.equation = atol, rtol, equation
        self.time_limit = TIME_LIMIT
        self._cases = self._ref = self._models = self._watch = None

    def __getattr__(self, name):   # only called for a name that is not there
        if name in ("expected", "reference", "answer", "solution"):   # what a learner may try
            checker = self.__dict__.get("checker_name", "this checker")
            raise AttributeError(f"{checker} does not give out the right answers (no .{name}): it gives the "
                                 f"inputs of a hidden geometry, {checker}.case(k), to run your own function on.")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

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
    def _expected(self):
        """The reference's outputs on every case (private: the tests and the diagnosis use it)."""
        if self._ref is None:
            self._ref = [self._normalise(self._reference(*copy.deepcopy(c.args))) for c in self.cases]
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
        for run, model, ref in zip(runs, models, self._expected):
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
        while isinstance(model, Variants):
            model = model[0]
        if isinstance(model, Raises):
            return _Run(None, "raises", model.example())
        return _Run(ref if model is None else model, None)

    def distinguishable(self):
        """Problems with the hidden data: a mistake the cases cannot tell from the right answer
        or from another mistake (not declared twins). An empty list means every mistake can be named."""
        problems = []
        for m in self.mistakes:
            runs = [self._as_run(mo, ref) for mo, ref in zip(self.model_outputs(m), self._expected)]
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
        watch = self._watch
        if watch is None:
            result, failure = call(fn, args, self.time_limit, self.describe_error)
        else:
            watch.next_call()
            with watch:   # notes a call of the cnnlib function that computes the answer
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
        return _Run(outputs, None, booleans=booleans, low_precision=low_precision(results, self.outputs))

    @staticmethod
    def _numbers(model):
        """The numeric variants of ``model`` (Variants flattened, Raises and None left out)."""
        if isinstance(model, Variants):
            return [v for m in model for v in FunctionExercise._numbers(m)]
        return [] if model is None or isinstance(model, Raises) else [model]

    @staticmethod
    def _same_shape(model, o, given, ref):
        """Does some variant of ``model`` have the learner's (wrong) shape?"""
        return given.shape != ref.shape and any(v[o].shape == given.shape for v in FunctionExercise._numbers(model))

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
            self._watch = Watch(self.name, self.answers)
            try:
                runs = [self._run(fn, case) for case in self.cases]
                return self._with_notes(self.judge(runs, fn), runs)
            except NotImplementedError:
                return CheckResult.not_answered(
                    [f"Not written yet: {self.name}: its body still raises NotImplementedError.",
                     "  Write it, then run this cell again."])
            except CheckerCalledInside as err:
                if err.name != self.checker_name:
                    raise
                return CheckResult.wrong(called_inside_message(self.checker_name, err))
            except WrongAnswer as err:   # the function's result is not an answer at all (None, in place, ...)
                return CheckResult.wrong(str(err), err.mistakes)
            finally:
                self._watch = None

    def _with_notes(self, result, runs):
        """A "Correct" ``result`` with the notes of ``shortcuts`` at its end: a call of the cnnlib
        function that computes the answer (or of finite differences); numbers right only within the
        tolerance. (A "Not yet" has more pressing things to say: it is left as it is.)"""
        if not result.correct:
            return result
        notes = self._watch.lines(len(self.cases)) if self._watch is not None else []
        if not notes:
            pairs = [(g, r) for run, ref in zip(runs, self._expected) for g, r in zip(run.outputs, ref)]
            inputs_whole = all(whole(a) for c in self.cases for a in c.args
                               if isinstance(a, np.ndarray) and a.dtype.kind in "fiu")
            notes = inexact_lines(pairs, inputs_whole)
        if not notes:
            return result
        head = result.lines[0]
        if result.correct:   # the verdict is about the numbers; the note says what they do not show
            head = head.rstrip(":.") + f" (read the note{'s' if len(notes) > 1 else ''} at the end)" + head[-1]
        return CheckResult(result.status, [head] + list(result.lines[1:]) + notes, result.mistakes)

    def _debug_line(self, k):
        return (f"  To debug: `{self.checker_name}.case({k})` gives geometry {k}'s inputs "
                f"({', '.join(self.params)}) as a dict: `{self.name}(**{self.checker_name}.case({k}))`.")

    def judge(self, runs, fn=None):
        """The ``CheckResult`` of the learner's ``runs`` (one per case): see ``function_report``."""
        return judge(self, runs, fn)

    def __repr__(self):
        return f"<checker of {self.name}({', '.join(self.params)}): {len(self.mistakes)} typical mistakes>"
