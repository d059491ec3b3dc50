"""A diagnosis from the evidence a checker already holds, when no catalogued mistake explains it.

For a function exercise, per output, from the learner's results on the hidden geometries:

- **which geometries pass, and what they share**: right exactly where P = 0, S = 1, the stride
  tiles, the kernel is square, N = 1, C = F = 1, C = F, windows do not overlap, ... (every
  feature that splits the geometries the same way is said: the evidence cannot tell them apart);
- **how a wrong answer relates to the right one** on every wrong geometry (``evidence``): all
  zeros, float32 rounding, a constant multiple (named when it is a quantity of the geometry:
  ×C, ×F, ×N, ×1/N, ×(k/S)², ... or a plain number), a transpose, a flip, a shift by P or by one,
  the right numbers in another order;
- where the wrong entries are, when they sit in one part of an axis.

Each finding is a plain statement of what the numbers show, followed by where to look. Nothing is
said that the evidence does not support: a relation is reported only when it holds at every entry
of every wrong geometry, a split only when it matches the passing geometries exactly.
"""
from fractions import Fraction

import numpy as np

from .evidence import axes_order, relation, shape_order, wrong_region


# ------------------------------------------------------------------ geometry of a case

def geometry(params, args):
    """The sizes of a case, by the exercise's parameter names: N, C, F, H, W, KH, KW, S, P, H_out, W_out
    (those that can be read off)."""
    a, g = dict(zip(params, args)), {}

    def shape(name):
        v = a.get(name)
        if v is None:
            return None
        s = tuple(np.shape(v)) if hasattr(v, "shape") else (tuple(v) if isinstance(v, (tuple, list)) else None)
        return s if s and all(isinstance(d, (int, np.integer)) for d in s) else None

    x = shape("x") if shape("x") and len(shape("x")) == 4 else shape("x_shape")
    if x and len(x) == 4:
        g.update(N=x[0], C=x[1], H=x[2], W=x[3])
    w = next((shape(n) for n in ("w", "w2") if shape(n) and len(shape(n)) == 4), None) or shape("w_shape")
    if w and len(w) == 4:
        g.update(F=w[0], C=w[1], KH=w[2], KW=w[3])
    for name, key in (("KH", "KH"), ("KW", "KW"), ("stride", "S"), ("pad", "P")):
        if isinstance(a.get(name), (int, np.integer)):
            g[key] = int(a[name])
    if "x" in a and np.ndim(a["x"]) == 4 and "size" in a:
        g["negatives"] = bool(np.any(np.asarray(a["x"]) < 0))
    if isinstance(a.get("size"), (int, np.integer)):
        g.update(KH=int(a["size"]), KW=int(a["size"]), P=0, pool=True)
    d = shape("dout")
    if d is None and shape("delta_conv2") and len(shape("delta_conv2")) == 3:   # one image's deltas (F, H', W')
        d = (1,) + shape("delta_conv2")
    if d and len(d) == 4:
        g.update(N=d[0], H_out=d[2], W_out=d[3])
        if not g.get("pool"):
            g.setdefault("F", d[1])   # a conv layer's deltas: axis 1 is F (a pooling layer's: C)
    if "params" in a and "x" in a:
        g["N"] = len(a["x"])
    if {"H", "KH", "S", "P"} <= set(g) and "H_out" not in g:
        g["H_out"] = (g["H"] + 2 * g["P"] - g["KH"]) // g["S"] + 1
        g["W_out"] = (g["W"] + 2 * g["P"] - g["KW"]) // g["S"] + 1
    return {k: (int(v) if not isinstance(v, bool) else v) for k, v in g.items()}


def _tiles(g):
    return (g["H"] + 2 * g["P"] - g["KH"]) % g["S"] == 0 and (g["W"] + 2 * g["P"] - g["KW"]) % g["S"] == 0


def _negatives(g):
    return not g["negatives"]


# (needed sizes, predicate, words where it holds, words where it does not, the suspect, where to look)
FEATURES = [
    ({"P"}, lambda g: g["P"] == 0, "P = 0", "P > 0", "the padding",
     "P zeros on every side of H and W; in a backward pass, the crop"),
    ({"S"}, lambda g: g["S"] == 1, "S = 1", "S > 1", "the stride",
     "the window of output (i, j) starts at row S·i, column S·j"),
    ({"H", "W", "KH", "KW", "S", "P"}, _tiles, "a stride that tiles the input",
     "a stride that leaves rows or columns unread", "the output size and the rows no window reads",
     "(H + 2P - K) // S + 1 rounds down; the rows and columns past the last window get no gradient"),
    ({"KH", "KW"}, lambda g: g["KH"] == g["KW"], "a square kernel", "a non-square kernel",
     "the kernel's rows and columns", "KH and KW, m and q, are mixed up somewhere"),
    ({"H", "W"}, lambda g: g["H"] == g["W"], "a square input", "a non-square input",
     "the input's rows and columns", "H and W are mixed up somewhere"),
    ({"H_out", "W_out"}, lambda g: g["H_out"] == g["W_out"], "a square output", "a non-square output",
     "the output's rows and columns", "H_out and W_out, i and j, are mixed up somewhere"),
    ({"N"}, lambda g: g["N"] == 1, "one image", "several images", "the batch axis n",
     "every image counts: a loop over n, or a sum over it"),
    ({"C", "F"}, lambda g: g["C"] == 1 and g["F"] == 1, "C = F = 1", "C or F above 1", "the channel and filter axes",
     "an index, a loop, or a flip or a sum over all four axes of w treats c or f wrongly"),
    ({"C"}, lambda g: g["C"] == 1, "C = 1", "C > 1", "the channel axis c", "every input channel counts"),
    ({"F"}, lambda g: g["F"] == 1, "F = 1", "F > 1", "the filter axis f", "every filter counts"),
    ({"C", "F"}, lambda g: g["C"] == g["F"], "C = F", "C ≠ F", "C and F",
     "range(C) where F is meant, or w[c, f] for w[f, c]"),
    ({"KH", "KW", "S"}, lambda g: g["S"] >= g["KH"] and g["S"] >= g["KW"], "windows that do not overlap",
     "overlapping windows", "overlapping windows", "where windows overlap, every contribution is added (+=), "
                                                   "not written (=)"),
    ({"KH", "KW", "S", "pool"}, lambda g: g["S"] == g["KH"] == g["KW"], "S = k", "S ≠ k",
     "the stride and the window size", "S and k are different numbers: somewhere one is used for the other"),
    ({"negatives"}, _negatives, "no negative inputs", "negative inputs", "negative values",
     "a maximum is the largest value, not the largest magnitude; a sign may be dropped"),
]


def _plural(n, word="geometry"):
    return f"{n} {word}" if n == 1 else f"{n} {'geometries' if word == 'geometry' else word + 's'}"


def split_lines(geometries, passing, what="right", other="wrong", word="geometry", confirm=None):
    """The features that hold exactly on the ``passing`` cases (or exactly on the others), in words:
    one feature with where to look; several (the hidden data cannot tell them apart) as suspects.

    ``confirm(label) -> (verdict, k)``: the experiment of ``experiment.confirm`` for the feature
    ``label`` (a FEATURES "holds" label) on passing case ``k``: a feature it refutes is not said;
    when it confirms one, only the confirmed ones are said, with what was tried."""
    n, found = len(geometries), []
    if not passing or len(passing) == n:
        return []
    for needed, test, yes, no, suspect, advice in FEATURES:
        if not all(needed <= set(g) for g in geometries):
            continue
        holds = {k for k, g in enumerate(geometries) if test(g)}
        if holds == set(passing):
            found.append((yes, no, suspect, advice, yes))
        elif holds == set(range(n)) - set(passing):
            found.append((no, yes, suspect, advice, yes))
    if any(f[0] in ("C = F = 1", "C or F above 1") for f in found):   # the same split: say it once
        found = [f for f in found if f[0] not in ("C = 1", "C > 1", "F = 1", "F > 1")]
    checked = {}
    if confirm is not None:
        checked = {f[4]: confirm(f[4]) for f in found}
        values = [k for verdict, k in checked.values() if verdict == "values"]
        if values:
            return [f"  Diagnosis: geometry {values[0]}, where your function {'runs' if what == 'it runs' else 'is right'}, "
                    f"{'fails' if what == 'it runs' else 'goes wrong'} with other numbers of the same sizes: the mistake "
                    "depends on the values (where a maximum lies, which entries are zero or negative, ties), not on the "
                    "sizes that split the hidden geometries."]
        found = [f for f in found if checked[f[4]][0] is not False]
        if any(checked[f[4]][0] for f in found):
            found = [f for f in found if checked[f[4]][0]]
    if not found:
        return []
    p, q = len(passing), n - len(passing)

    def side(count, verdict, words):
        return f"{verdict} on the {word} with {words}" if count == 1 else \
            f"{verdict} on the {_plural(count, word)} with {words}"
    if len(found) == 1:
        good, bad, suspect, advice, label = found[0]
        verdict, k = checked.get(label, (None, None))
        crash = what == "it runs"
        tried = (f" Checked: geometry {k} with only that changed ({good} → {bad}) "
                 f"{'fails' if crash else 'goes wrong'} too." if verdict else "")
        where = f"look at {suspect} ({advice})" + ("; the exception comes from a size or an index computed from it"
                                                   if crash else "")
        return [f"  Diagnosis: {side(p, what, good)} and {side(q, other, bad)}: {where}." + tried]
    found = found[:4]
    good, bad = ", ".join(f[0] for f in found), ", ".join(f[1] for f in found)
    suspects = [f[2] for f in found]
    suspects = ", ".join(suspects[:-1]) + " or " + suspects[-1]
    return [f"  Diagnosis: {side(p, what, good)} and {side(q, other, bad)}. The hidden geometries differ in "
            f"more than one way here, so the suspects are {suspects}."]


# ------------------------------------------------------------------ named factors

def _factors(g):
    """Quantities of the geometry a wrong answer may be a multiple of: name -> (value, where to look)."""
    out = {}
    k2 = g["KH"] * g["KW"] if {"KH", "KW"} <= set(g) else None
    for name, value, advice in [
        ("C", g.get("C"), "something is added once per input channel where it belongs once (inside the loop "
                          "over c?)"),
        ("F", g.get("F"), "something is added once per filter where it belongs once (inside the loop over f?)"),
        ("N", g.get("N"), "a 1/N is missing, or something is added once per image where it belongs once"),
        ("1/N", 1 / g["N"] if g.get("N") else None,
         "divided by N once too often: a backward pass sums over the batch, and the 1/N of a mean loss is "
         "applied once, where the gradient of the loss starts"),
        ("1/C", 1 / g["C"] if g.get("C") else None, "divided by C: every input channel adds in full"),
        ("1/F", 1 / g["F"] if g.get("F") else None, "divided by F: every filter adds in full"),
        ("k·k", k2 if g.get("pool") else None, "the 1/(k·k) of the window's mean is missing"),
        ("1/(k·k)", 1 / k2 if g.get("pool") and k2 else None, "divided by k·k where each entry gets all of δ"),
        ("k·k/(S·S)", k2 / g["S"] ** 2 if g.get("pool") and k2 and g.get("S") else None,
         "divided by S·S where the window has k·k entries: the stride and the window size are different numbers"),
        ("S·S/(k·k)", g["S"] ** 2 / k2 if g.get("pool") and k2 and g.get("S") else None,
         "divided by k·k and multiplied by S·S: the stride and the window size are different numbers"),
        ("H_out·W_out", g["H_out"] * g["W_out"] if {"H_out", "W_out"} <= set(g) else None,
         "a mean over the output positions where a sum is meant, or the reverse"),
        ("1/(H_out·W_out)", 1 / (g["H_out"] * g["W_out"]) if {"H_out", "W_out"} <= set(g) else None,
         "divided by the number of output positions: every position adds in full"),
    ]:
        if value is not None:
            out[name] = (float(value), advice)
    return out


_CONSTANT_ADVICE = {-1.0: "the sign is flipped: look at the order of a subtraction, or a minus sign",
                    2.0: "something is counted twice", 0.5: "something is halved, or only half of it is added"}


def _number(c):
    f = Fraction(c).limit_denominator(64)
    return f"{f.numerator}/{f.denominator}" if f.denominator != 1 and abs(float(f) - c) < 1e-9 else f"{c:.4g}"


def multiple_lines(name, factors, geometries, wrong, passing, right_is_zero):
    """The factor that explains ``factors[k]`` (k in ``wrong``), in words, or []."""
    for fname, _ in _factors(geometries[wrong[0]]).items():
        per = [_factors(geometries[k]).get(fname) for k in range(len(geometries))]
        if any(p is None for p in per):
            continue
        if all(abs(factors[k] - per[k][0]) <= 1e-6 * abs(per[k][0]) for k in wrong) and \
                all(abs(per[k][0] - 1) < 1e-12 or right_is_zero[k] for k in passing):
            values = ", ".join(_number(per[k][0]) for k in wrong)
            return [f"  Diagnosis: {name} is exactly {fname} times the right one on every geometry where it is "
                    f"wrong ({fname} = {values} there; where it is right, {fname} = 1): {per[wrong[0]][1]}."]
    c0 = factors[wrong[0]]
    if all(abs(factors[k] - c0) <= 1e-6 * abs(c0) for k in wrong):
        advice = _CONSTANT_ADVICE.get(round(c0, 9), "look for a factor that should not be there (or one that is "
                                                    "missing)")
        return [f"  Diagnosis: {name} is exactly {_number(c0)} times the right one on every geometry where it is "
                f"wrong: {advice}."]
    values = ", ".join(_number(factors[k]) for k in wrong)
    return [f"  Diagnosis: on every geometry where it is wrong, {name} is a constant multiple of the right one, "
            f"but the factor changes with the geometry ({values}): a factor that depends on the sizes is applied "
            "where it should not be, or is missing."]


# ------------------------------------------------------------------ relations in words

def _axes(axes, letters):
    names = letters.split() if letters else []
    return " and ".join(names[a] if a < len(names) else f"axis {a}" for a in axes)


def relation_words(rel, name, letters, pad=None):
    """A relation (``evidence.Relation``) of ``name`` to the right answer, in words with advice."""
    kind, v = rel
    if kind == "zeros":
        return (f"{name} is all zeros: nothing was added into it (an accumulation outside its loop, a loop that "
                "runs zero times, or a result computed and not stored)")
    if kind == "float32":
        return (f"every entry of {name} differs from the right one by float32 rounding only: the numbers are "
                "computed in float32 somewhere (an np.float32 array, .astype(np.float32), data loaded as float32)"
                "; compute in float64. The equations are right")
    if kind == "multiple":
        return f"{name} is exactly {_number(v)} times the right one: " + _CONSTANT_ADVICE.get(
            round(v, 9), "look for a factor that should not be there (or one that is missing)")
    if kind == "transpose":
        return (f"{name} holds the right numbers with the axes {_axes(v, letters)} swapped: look at the order of "
                "those indices where you write (or read) it")
    if kind == "flip":
        return (f"{name} is the right one reversed along {_axes(v, letters)}: a flip (rot180, [::-1]) too many, "
                "or one missing")
    if kind == "shift":
        dy, dx = v
        how = " and ".join(t for t in (f"{abs(dy)} row{'s' if abs(dy) > 1 else ''} {'down' if dy > 0 else 'up'}"
                                       if dy else "", f"{abs(dx)} column{'s' if abs(dx) > 1 else ''} "
                                       f"{'right' if dx > 0 else 'left'}" if dx else "") if t)
        by_pad = pad is not None and pad > 0 and {abs(dy), abs(dx)} - {0} == {pad}
        return (f"{name} is the right one moved {how}, wherever both are defined: "
                + ("a shift by P, the padding: x[u, v] sits at x_pad[u + P, v + P] (the crop or an index is off by P)"
                   if by_pad else "an index or a crop is off by that much"))
    if kind == "rows":
        return (f"every row of {name} holds the right numbers, in another order: the order of the columns "
                "inside a row is not the one asked")
    if kind == "columns":
        return (f"every column of {name} holds the right numbers, in another order: the order of the rows "
                "is not the one asked")
    if kind == "rounded":
        how = {"floor": "rounded down", "trunc": "cut to whole numbers (towards 0)", "round": "rounded",
               "ceil": "rounded up"}[v]
        return (f"{name} is the right one {how} to whole numbers: an integer division (//), int(), or an integer "
                "array (np.zeros(..., dtype=int), a copy into one) somewhere; use / and float arrays")
    if kind == "same_along":
        letter = _axes((v,), letters)
        return (f"{name} is the same for every {letter}, where the right one is not: something is summed (or "
                f"copied) over {letter} where each {letter} has its own value")
    if kind == "moved":
        return (f"{name} holds all the right numbers, each once, but in other places: an index order, or where "
                "each value is written")
    return None


def shape_words(given, expected, dims=None, atol=1e-6, rtol=1e-6):
    """What a wrong shape with the right number of entries says, appended to the shape line:
    ``": the right numbers with the axes in the order (C, N, H, W), a transpose"``, or that the sizes
    are the right ones in another order, or "same number of entries"; "" when the sizes differ.
    ``dims``: the names of ``expected``'s axes (``"N C H W"``)."""
    given, expected = np.asarray(given, float), np.asarray(expected, float)
    if given.shape == expected.shape or given.size != expected.size:
        return ""
    names = dims.split() if dims else []
    if len(names) != expected.ndim:
        names = [f"axis {a}" for a in range(expected.ndim)]
    perm = axes_order(given, expected, atol, rtol)
    if perm is not None:
        return (f": the right numbers, with the axes in the order ({', '.join(names[a] for a in perm)}): a transpose; "
                f"put them back in the order ({', '.join(names)})")
    perm = shape_order(given.shape, expected.shape)
    if perm is not None:
        return (f" (same number of entries, the sizes of ({', '.join(names[a] for a in perm)}): axes transposed, or "
                "a reshape in the wrong order? The numbers are not the right ones in that order either)")
    return " (same number of entries: reshape or transpose?)"


def compare_lines(name, given, expected, letters=None, atol=1e-6, rtol=1e-6):
    """For a one-answer checker: what relates ``given`` to ``expected`` (lines, maybe none)."""
    rel = relation(given, expected, atol, rtol)
    if rel is not None:
        return [f"  Diagnosis: {relation_words(rel, name, letters)}."]
    region = wrong_region(given, expected, letters, atol, rtol)
    return [f"  Diagnosis: the wrong entries are {region}; the others are right."] if region else []
