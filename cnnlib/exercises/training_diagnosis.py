"""What the evidence says about a training step that no catalogued mistake explains.

``training_lines(exercise, runs)`` looks at the gradients (and, for a training step, the updated
parameters) the learner returned on every hidden batch, against cnnlib's, and says (only what holds
exactly). The exercise names its parameters (``exercise.param_names``: the six of seed 004's
network, or the four of seed 000's) and says whether it returns an update (``exercise.update``):

- **float32**: every difference is float32 rounding (or the arrays are float32): the step is
  computed in float32; the equations are right;
- **a decay term**: every wrong gradient is the right one plus ``λ·θ`` (the parameter itself),
  with one ``λ``: the backward pass is right and a weight-decay term was added after it;
- **a common factor**: every wrong gradient is ``c`` times the right one, ``c`` the same for all
  of them on a batch (named when it is ``1/N`` or ``N``);
- **parameters not updated**: ``new_params[p]`` is ``params[p]`` itself.
"""
import numpy as np

from .diagnosis import _number
from .evidence import constant_factor, float32_level


def _names(exercise):
    return tuple(exercise.param_names)


def _all(exercise):
    n = len(_names(exercise))
    return "both" if n == 2 else "all " + {4: "four", 6: "six"}.get(n, str(n))


def _wrong(exercise, runs, o):
    return [k for k, (run, ref) in enumerate(zip(runs, exercise._expected))
            if run.outputs[o].shape == ref[o].shape and
            not np.all(np.abs(run.outputs[o] - ref[o]) <= exercise.atol + exercise.rtol * np.abs(ref[o]))]


def _float32(exercise, runs):
    low = sorted({name for run in runs for name in run.low_precision})
    pairs = [(runs[k].outputs[o], exercise._expected[k][o]) for o in range(1, len(exercise.outputs))
             for k in _wrong(exercise, runs, o)]
    if not pairs or not (low or all(float32_level(g, r) for g, r in pairs)):
        return []
    worst = max(float(np.max(np.abs(g - r)) / max(np.max(np.abs(r)), 1e-30)) for g, r in pairs)
    dtype = f"; you returned {', '.join(low[:3])}{' ...' if len(low) > 3 else ''} as float32" if low else ""
    what = "the step is computed" if getattr(exercise, "update", True) else "your function computes"
    return [f"  Diagnosis: every difference is float32 rounding (at most {worst:.1g} of the largest value{dtype}): "
            f"{what} in float32. The equations are right; the checker works in float64 (to 1e-6): "
            "keep params and x in float64 (no .astype(np.float32))."]


def _decay(exercise, runs):
    lambdas, decayed, plain = [], set(), set()
    for i, p in enumerate(_names(exercise)):
        o = 1 + i
        wrong = _wrong(exercise, runs, o)
        (decayed if wrong else plain).add(p)
        for k in wrong:
            theta = exercise.cases[k].args[0][p]
            diff = runs[k].outputs[o] - exercise._expected[k][o]
            if not np.any(theta):
                return []
            lam = float(np.sum(diff * theta) / np.sum(theta * theta))
            if not np.all(np.abs(diff - lam * theta) <= exercise.atol + exercise.rtol * np.abs(diff)):
                return []
            lambdas.append(lam)
    if not lambdas or np.ptp(lambdas) > 1e-6 * max(abs(v) for v in lambdas) or abs(lambdas[0]) < 1e-12:
        return []
    which = "every gradient" if not plain else \
        f"the gradients of {', '.join(p for p in _names(exercise) if p in decayed)}"
    return [f"  Diagnosis: {which} is the right one plus {lambdas[0]:.3g}·θ, θ the parameter itself, on every batch: "
            "the backward pass is right, and a weight-decay term was added to the gradients after it. This loss has "
            "no decay term, so ∂E/∂θ has none: return the gradients as the backward pass gives them (a decay, in a "
            "training loop of your own, belongs in the update)."]


def _factor(exercise, runs):
    per_batch = {}
    for i in range(len(_names(exercise))):
        for k in _wrong(exercise, runs, 1 + i):
            c = constant_factor(runs[k].outputs[1 + i], exercise._expected[k][1 + i], exercise.atol, exercise.rtol)
            if c is None:
                return []
            per_batch.setdefault(k, []).append(c)
    if not per_batch or any(np.ptp(cs) > 1e-6 * max(abs(c) for c in cs) for cs in per_batch.values()):
        return []
    if any(len(cs) != len(_names(exercise)) for cs in per_batch.values()):
        return []
    sizes = {k: len(exercise.cases[k].args[1]) for k in range(len(exercise.cases))}
    right = [k for k in sizes if k not in per_batch]
    for name, value, advice in (("1/N", lambda n: 1 / n, "the 1/N of the mean loss is applied twice: "
                                 "softmax_cross_entropy_backward(1.0, cache) already divides by N"),
                                ("N", lambda n: n, "the 1/N of the mean loss is missing")):
        if all(abs(per_batch[k][0] - value(sizes[k])) <= 1e-6 * value(sizes[k]) for k in per_batch) and \
                all(value(sizes[k]) == 1 for k in right):
            ns = ", ".join(str(sizes[k]) for k in per_batch)
            return [f"  Diagnosis: {_all(exercise)} gradients are exactly {name} times the right ones on every batch where "
                    f"they are wrong (N = {ns}; the batch{'es' if len(right) > 1 else ''} with N = 1 "
                    f"{'are' if len(right) > 1 else 'is'} right): {advice}." if right else
                    f"  Diagnosis: {_all(exercise)} gradients are exactly {name} times the right ones (N = {ns}): {advice}."]
    c0 = next(iter(per_batch.values()))[0]
    if all(abs(cs[0] - c0) <= 1e-6 * abs(c0) for cs in per_batch.values()):
        return [f"  Diagnosis: {_all(exercise)} gradients are exactly {_number(c0)} times the right ones: the backward pass "
                "starts from a wrong ∂E/∂scores (what softmax_cross_entropy_backward is given, or what is done to "
                "its result)."]
    return []


def _not_updated(exercise, runs):
    if not getattr(exercise, "update", True):
        return []
    first = 1 + len(_names(exercise))                       # new_params come after the loss and the gradients
    frozen = [p for i, p in enumerate(_names(exercise)) if _wrong(exercise, runs, first + i) and all(
        np.array_equal(run.outputs[first + i], case.args[0][p]) for run, case in zip(runs, exercise.cases))]
    if not frozen:
        return []
    return [f"  Diagnosis: new_params for {', '.join(frozen)} {'is' if len(frozen) == 1 else 'are'} the old "
            f"parameter{'' if len(frozen) == 1 else 's'} unchanged: the update θ - lr·∂E/∂θ is not applied to "
            f"{'it' if len(frozen) == 1 else 'them'}."]


def training_lines(exercise, runs):
    """Diagnosis lines for a training step no catalogued mistake explains (maybe none)."""
    return _float32(exercise, runs) or _decay(exercise, runs) or _factor(exercise, runs) or \
        _not_updated(exercise, runs)
