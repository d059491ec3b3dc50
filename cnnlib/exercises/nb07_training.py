"""Notebook 07's "Your turn": one training step of seed 004's network, chained by hand.

The learner writes ``training_step(params, x, y, lr) -> (loss, grads, new_params)`` with
cnnlib's layer functions: the forward pass keeping every cache, the ``*_backward`` functions
called by hand from the loss down to conv1, and the SGD update. ``check_training_step`` runs
it on hidden batches (float64) and reports, per parameter, its gradient against two routes:

- finite differences of the true loss (cnnlib's ``Sequential.loss``), on sampled entries
  of every one of the six arrays (computed once, they do not depend on the learner);
- ``Sequential.backward`` of the same network with the same parameters, entry by entry;

and the loss and the updated parameters against the same network. When the answer is what a
typical mistake gives (``nb07_models``) on every batch, the mistake is named.
"""
import copy

import numpy as np

from ..gradcheck import numerical_gradient, rel_error
from ..network import two_conv_net
from .compare import WrongAnswer, as_answer_array, entries_match, given_expected, hint_lines, index_text, number_text
from .compare import low_precision
from .result import CheckResult
from .training_diagnosis import training_lines
from .function_exercise import Case, FunctionExercise, Output, _Run
from .nb07_models import ORDER, PARAM_NAMES, PARAM_SHAPES, TRAINING_MISTAKES, RaisedIn, flat

LETTERS = {"conv1.w": ("f c m q", "F C KH KW"), "conv2.w": ("f c m q", "F C KH KW"), "fc1.w": ("d k", "D K"),
           "conv1.b": ("f", "F"), "conv2.b": ("f", "F"), "fc1.b": ("k", "K")}
OUTPUTS = [Output("loss", "")] + [Output(f"grads['{p}']", *LETTERS[p]) for p in PARAM_NAMES] + \
          [Output(f"new_params['{p}']", *LETTERS[p]) for p in PARAM_NAMES]
FD_TOL = 1e-6  # relative error, float64, h = 1e-6 (as in the notebook's own check)


def reference(params, x, y, lr):
    """cnnlib's answer: ``Sequential`` (the layer objects of ``two_conv_net``) with these parameters."""
    model = two_conv_net(dtype=np.float64)
    for name, value in model.parameters().items():
        value[...] = params[name]
    loss, _ = model.loss_and_gradients(x, y)
    grads = {name: g.copy() for name, g in model.gradients().items()}
    return loss, grads, {name: params[name] - lr * grads[name] for name in PARAM_NAMES}


def _cases():
    """Three hidden batches, float64: random images (no ties in the pooling windows, no kinks for
    finite differences), He-initialised weights of three seeds and biases that are not zero."""
    rng = np.random.default_rng(7)
    cases = []
    for seed, n, lr in ((1, 2, 0.1), (2, 3, 0.05), (3, 1, 0.5)):
        params = {k: v.copy() for k, v in two_conv_net(seed=seed, dtype=np.float64).parameters().items()}
        for name in ("conv1.b", "conv2.b", "fc1.b"):
            params[name] = rng.uniform(-0.3, 0.3, size=params[name].shape)
        params["fc1.w"] *= 5.0  # scores of a few units, not all near 0
        x = rng.normal(size=(n, 1, 28, 28))
        y = rng.choice(10, size=n, replace=False)
        label = f"{n} image{'s' if n > 1 else ''} (random pixels), labels {list(map(int, y))}, lr {lr}"
        cases.append(Case(label, (params, x, y, lr)))
    return cases


def _sampled_entries(size, rng, count=20):
    return np.arange(size) if size <= 30 else np.sort(rng.choice(size, count, replace=False))


def finite_differences(params, x, y, entries, network=two_conv_net):
    """Central differences of cnnlib's loss at ``entries[name]`` (flat indices) of each parameter
    of ``network`` (a function building the cnnlib network, ``two_conv_net`` by default)."""
    model = network(dtype=np.float64)
    live = model.parameters()
    for name in entries:
        live[name][...] = params[name]
    numeric = {}
    for name in entries:
        flat_param, idx = live[name].reshape(-1), entries[name]
        saved = flat_param[idx].copy()

        def loss_at(values, flat_param=flat_param, idx=idx):
            flat_param[idx] = values
            return model.loss(x, y)

        numeric[name] = numerical_gradient(loss_at, saved)
        flat_param[idx] = saved
    return numeric


class TrainingStepExercise(FunctionExercise):
    """``FunctionExercise`` for a function returning ``(loss, grads dict, new_params dict)``, which
    also reports each parameter's gradient against finite differences, and names a mistake only
    when it explains the whole answer (every output) on every batch.

    The network is a class attribute, so another network's exercise is a subclass that sets
    ``network`` (the cnnlib builder, for finite differences), ``param_names``, ``param_shapes``,
    ``order`` (the backward order, for messages) and ``update`` (False: the function returns
    ``(loss, grads)`` only, no SGD step): notebook 07's one-conv exercise (``nb07_backward``)."""
    network = staticmethod(two_conv_net)
    param_names, param_shapes, order, update = PARAM_NAMES, PARAM_SHAPES, ORDER, True

    def __init__(self, name="training_step", params=("params", "x", "y", "lr"), outputs=OUTPUTS,
                 reference=lambda *args: flat(reference(*args)), cases=_cases, mistakes=TRAINING_MISTAKES,
                 equation="E = -(1/N) Σ_n ln softmax(s)[n, y_n];  θ_new = θ - lr·∂E/∂θ"):
        super().__init__(name, params, outputs, reference=reference, cases=cases, mistakes=mistakes,
                         atol=1e-9, rtol=1e-6, equation=equation)
        self._numeric = None
        self.check_fractions = False   # the hidden batches already hold numbers that are not whole

    @property
    def _results(self):
        return "(loss, grads, new_params)" if self.update else "(loss, grads)"

    def _flat(self, result):
        """``(loss, grads[, new_params])`` -> the outputs in ``self.outputs`` order."""
        loss, grads, *new = result
        return ((loss,) + tuple(grads[p] for p in self.param_names)
                + (tuple(new[0][p] for p in self.param_names) if self.update else ()))

    # -------------------------------------------------------------- the two routes
    @property
    def numeric(self):
        """Per case: ``(entries, finite differences)`` of every parameter, built once."""
        if self._numeric is None:  # filled completely or not at all (an interrupt leaves it None)
            rng = np.random.default_rng(11)
            numeric = []
            for case in self.cases:
                entries = {p: _sampled_entries(int(np.prod(self.param_shapes[p])), rng) for p in self.param_names}
                numeric.append((entries, finite_differences(*case.args[:3], entries, self.network)))
            self._numeric = numeric
        return self._numeric

    # ---------------------------------------------------- running the learner's function
    def describe_error(self, err):
        return RaisedIn(err).describe()   # names the cnnlib function that raised

    def _run(self, fn, case):
        args = copy.deepcopy(case.args)
        result, failed = self._call(fn, args)
        if failed:
            return failed
        for name, before, after in zip(self.params, case.args, args):
            same = (all(np.array_equal(before[p], after.get(p)) for p in before) if isinstance(before, dict)
                    else np.array_equal(before, after))
            if not same:
                raise WrongAnswer(f"{self.name}: it changed its input {name} in place; leave the inputs as "
                                  "they were and return new arrays" + (" (new_params[name] = params[name] - lr * "
                                  "grads[name], not params[name] -= ...)." if self.update else "."))
        count = 3 if self.update else 2
        if not isinstance(result, (tuple, list)) or len(result) != count:
            raise WrongAnswer(f"{self.name}: expected {count} results {self._results}, given "
                              f"{len(result) if isinstance(result, (tuple, list)) else type(result).__name__}")
        loss, *dicts = result
        if isinstance(loss, (tuple, list)):
            raise WrongAnswer(f"{self.name}: loss must be one number, given a {type(loss).__name__} of "
                              f"{len(loss)}: softmax_cross_entropy_forward returns (loss, cache); unpack it.")
        words = {2: "two", 4: "four", 6: "six"}
        for what, d in zip(("grads", "new_params"), dicts):
            if not isinstance(d, dict) or sorted(d) != sorted(self.param_names):
                given = sorted(d) if isinstance(d, dict) else type(d).__name__
                raise WrongAnswer(f"{self.name}: {what} must be a dict with the "
                                  f"{words.get(len(self.param_names), len(self.param_names))} names "
                                  f"{list(self.param_names)}, given {given}")
        outputs = tuple(as_answer_array(r, o.name) for r, o in zip(self._flat(result), self.outputs))
        return _Run(outputs, None, low_precision=low_precision(self._flat(result), self.outputs))

    # ---------------------------------------------------------------- diagnosis
    def explains_all(self, mistake, runs):
        """Does ``mistake`` give the learner's answer, every output on every batch, and differ from the right one?"""
        models, differs = self.model_outputs(mistake), False
        for run, model, ref in zip(runs, models, self._expected):
            for o in range(len(self.outputs)):
                if not self._matches(run, model, o):
                    return False
                differs |= run.outputs is None or not entries_match(run.outputs[o], ref[o], self.atol, self.rtol)
        return differs

    def distinguishable(self):
        problems = []
        for m in self.mistakes:
            runs = [self._as_run(mo, ref) for mo, ref in zip(self.model_outputs(m), self._expected)]
            named = {k.key for k in self.mistakes if self.explains_all(k, runs)}
            if m.key not in named:
                problems.append(f"{m.key}: the cases cannot tell it from the right answer")
            problems += [f"{m.key}: the cases cannot tell it from {other}" for other in sorted(named - {m.key})]
        return problems

    # ---------------------------------------------------------------- the report
    def _wrong_cases(self, runs, o):
        return [k for k, (run, ref) in enumerate(zip(runs, self._expected))
                if not entries_match(run.outputs[o], ref[o], self.atol, self.rtol)]

    def _first_wrong(self, runs, o, k):
        given, ref, out = runs[k].outputs[o], self._expected[k][o], self.outputs[o]
        if given.shape != ref.shape:
            return f"wrong shape: expected ({', '.join(out.dims.split())}) = {ref.shape}, given {given.shape}"
        if not np.isfinite(given).all():
            return "it holds NaN or infinite entries"
        bad = np.abs(given - ref) > self.atol + self.rtol * np.abs(ref)
        first = tuple(int(v) for v in np.argwhere(bad)[0])
        return (f"batch {k}: {int(bad.sum())} of {ref.size} differ, the first {index_text(first, out.letters)}: "
                f"{given_expected(given[first], ref[first])}")

    def _fd_error(self, runs, p):
        """The largest relative error, over the batches, of the learner's gradient of ``p`` at the
        sampled entries against finite differences; None if a shape is wrong."""
        o, errors = 1 + self.param_names.index(p), []
        for run, (entries, numeric) in zip(runs, self.numeric):
            g = run.outputs[o]
            if g.shape != self.param_shapes[p] or not np.isfinite(g).all():
                return None
            errors.append(rel_error(g.reshape(-1)[entries[p]], numeric[p]))
        return max(errors)

    def report(self, runs):
        """``(lines, right)``: the per-parameter table and whether every output is right."""
        n = len(self.cases)
        lines, right = [], True
        wrong = self._wrong_cases(runs, 0)
        right &= not wrong
        loss_shape = runs[0].outputs[0].shape
        lines.append("  loss: right on every batch." if not wrong else
                     f"  loss: expected one number, given shape {loss_shape}." if loss_shape else
                     f"  loss: wrong on {len(wrong)} of {n} batches (batch {wrong[0]}: given "
                     f"{number_text(runs[wrong[0]].outputs[0])}): the forward pass is not the network's; "
                     "check each layer, its parameters and their order.")
        lines.append("  ∂E/∂θ, checked two ways: FD = relative error against finite differences of the loss "
                     "(sampled entries, worst batch) | against cnnlib's Sequential.backward (every entry):")
        for p in self.param_names:
            o = 1 + self.param_names.index(p)
            fd, wrong = self._fd_error(runs, p), self._wrong_cases(runs, o)
            # below 1e-8 the digits are rounding noise that differs from machine to machine
            fd_text = "-" if fd is None else "<1e-8" if fd < 1e-8 else f"{fd:.1e}"
            verdict = "agree" if fd is not None and fd < FD_TOL and not wrong else "WRONG"
            right &= verdict == "agree"
            where = "right on every batch" if not wrong else self._first_wrong(runs, o, wrong[0])
            lines.append(f"    {p:8s} {str(self.param_shapes[p]):14s} {verdict:5s} FD {fd_text:7s} | {where}")
        if not self.update:
            return lines, right
        first_new = 1 + len(self.param_names)
        wrong_new = [p for p in self.param_names if self._wrong_cases(runs, first_new + self.param_names.index(p))]
        right &= not wrong_new
        if not wrong_new:
            lines.append("  new_params: right (params - lr·grads) on every batch.")
        else:
            own = all(entries_match(run.outputs[first_new + i], args[0][p] - args[3] * run.outputs[1 + i],
                                    self.atol, self.rtol) for run, (args) in zip(runs, (c.args for c in self.cases))
                      for i, p in enumerate(self.param_names) if run.outputs[1 + i].shape == self.param_shapes[p])
            o = first_new + self.param_names.index(wrong_new[0])
            lines.append(f"  new_params: wrong for {', '.join(wrong_new)}; "
                         + ("the update params - lr·grads is right for the gradients you returned: fix them."
                            if own else self._first_wrong(runs, o, self._wrong_cases(runs, o)[0]) + "."))
        return lines, right

    def judge(self, runs, fn=None):
        """The ``CheckResult`` of the learner's function on the hidden batches."""
        found = [m for m in self.mistakes if self.explains_all(m, runs)]
        debug = (f"  To debug: `{self.checker_name}.case(k)` gives batch k's inputs ({', '.join(self.params)}) as a "
                 f"dict: `{self.name}(**{self.checker_name}.case(0))`.")
        failed = [k for k, run in enumerate(runs) if run.error is not None]
        if failed:
            k = failed[0]
            lines = [f"{self.name} failed on {len(failed)} of {len(self.cases)} batches; the first is "
                     f"batch {k}: {self.cases[k].label}.", f"  {runs[k].error}"]
            if found:
                lines += hint_lines([m.mistake for m in found])
            elif (RaisedIn(runs[k].exception).function or "").endswith("_backward"):
                lines.append(f"  A *_backward got a delta or a cache that does not fit its layer: backward "
                             f"visits the layers in the reverse order ({self.order}), each with its own cache.")
            return CheckResult.wrong(lines + [debug], [m.key for m in found])
        lines, right = self.report(runs)
        if right:
            return CheckResult.passed([f"Correct: {self.name} matches cnnlib on all {len(self.cases)} hidden "
                                       "batches:"] + [f"  {k}. {c.label}" for k, c in enumerate(self.cases)] + lines)
        evidence = [] if found else training_lines(self, runs)
        if found:
            lines += hint_lines([m.mistake for m in found])
        elif evidence:
            lines += evidence
        elif any(line.startswith("  new_params") for line in lines) and all(
                " agree " in line for line in lines if line.startswith("    ")):
            lines.append("  No typical mistake of the catalogue explains it: the gradients are right, so look "
                         "at the update, θ_new = θ - lr·∂E/∂θ for each of the six arrays.")
        else:
            lines.append("  No typical mistake of the catalogue explains it: the wrong gradient nearest the loss "
                         f"(backward order: {self.order}) points at the first wrong backward step.")
        header = f"Not yet: {self.name} (checked on {len(self.cases)} hidden batches, float64)."
        return CheckResult.wrong([header] + lines + [debug], [m.key for m in found])


check_training_step = TrainingStepExercise()
check_training_step.checker_name = "check_training_step"

CATALOGUE = {"check_training_step": TRAINING_MISTAKES}

HINTS = {"check_training_step": (
    "The same chain as `one_conv_gradients`, with a second conv block, then the update of section 5: "
    "$\\theta - \\eta\\,\\partial E/\\partial\\theta$ for each of the six arrays.",
    "conv2's backward returns the delta of its input (pool1's output), which the first block needs: "
    "notebook 04's input gradient. conv1's input gradient is never needed.",
    "The structure: eight forward calls and the loss, every cache kept; eight backward calls in reverse "
    "order, each with its own cache; then new arrays for the parameters (leave `params` as it was).",
)}
