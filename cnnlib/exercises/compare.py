"""Comparing a learner's answer with the reference, and saying what is wrong.

Every checker of the course ends here, so the messages read the same everywhere:
``compare_answer`` returns a ``CheckResult`` (``result``): "Correct" with one line, or "Not yet"
saying the shape (expected vs given), or how many entries differ and the first wrong one by its
index in the equation's letters (``dw[f=0, c=1, m=2, q=0]``), and, when the answer is what a
typical mistake gives, naming that mistake: every one that gives it, when several do.
``result.mistakes`` holds the keys of the mistakes named, so the tests can prove which mistake
a message names.

A mistake is a ``Mistake(key, hint)``: ``key`` is its name in the catalogue
(``cnnlib.exercises.catalogue``), ``hint`` is what the learner reads.
"""
from typing import NamedTuple

import numpy as np

from .diagnosis import compare_lines, shape_words
from .result import CheckResult, WrongAnswer, finish

__all__ = ["WrongAnswer", "Mistake", "CheckResult", "compare_answer", "not_answered", "unanswered",
           "as_answer_array", "number_text", "index_text", "entries_match", "hint_lines"]


class Mistake(NamedTuple):
    """One typical mistake: its catalogue ``key`` and the ``hint`` a learner reads."""
    key: str
    hint: str


def not_answered(answer, name=None):
    """Is ``answer`` still the template's ``None`` or ``...``? (Nothing is printed.)"""
    return answer is None or answer is Ellipsis


def unanswered(name):
    """The "not answered yet" result of the answer called ``name``."""
    return CheckResult.not_answered([f"Not answered yet: {name}.",
                                     "  Put your answer where the template has None, then run the cell again."])


def _torch_to_numpy(answer):
    """A torch tensor as a numpy array (detached from the graph, on the CPU); anything else as it is."""
    if type(answer).__module__.split(".")[0] == "torch" and hasattr(answer, "detach"):
        return answer.detach().cpu().numpy()
    return answer


def as_answer_array(answer, name):
    """``answer`` as a float64 array, or ``WrongAnswer`` saying why it is not numbers.

    Refused with a message: ``None``, text, complex numbers (even with a zero imaginary part: take
    ``.real`` on purpose), ragged lists and other objects. Booleans are judged as 0 and 1 (the
    message then says that they are booleans). A torch tensor is detached and converted.
    """
    if answer is None:
        raise WrongAnswer(f"{name}: the answer is None: nothing was computed or returned yet "
                          "(is the `return` line missing?)")
    answer = _torch_to_numpy(answer)
    if isinstance(answer, (str, bytes)):
        raise WrongAnswer(f"{name}: expected numbers (an array, a tuple or a number), given text: {answer!r:.60}")
    try:
        raw = np.asarray(answer)
    except Exception as err:  # noqa: BLE001 -- whatever the object's own conversion raises
        raise WrongAnswer(f"{name}: expected numbers (an array, a tuple or a number), given "
                          f"{type(answer).__name__} ({type(err).__name__}: {err})") from None
    if np.iscomplexobj(raw):
        imag = float(np.max(np.abs(np.imag(raw)))) if raw.size else 0.0
        raise WrongAnswer(f"{name}: the answer holds complex numbers (largest imaginary part "
                          f"{imag:.3g}): a gradient here is real; if the complex part comes from an FFT "
                          "and is only rounding, return `np.real(...)` of it on purpose.")
    if raw.dtype.kind in "OUSVMm":
        kind = {"O": "Python objects (a ragged list, or arrays of different shapes?)", "U": "text",
                "S": "bytes", "V": "records", "M": "dates", "m": "time spans"}[raw.dtype.kind]
        raise WrongAnswer(f"{name}: expected numbers (an array, a tuple or a number), given an array of "
                          f"{kind}: {type(answer).__name__} {str(answer)[:80]!r}")
    return raw.astype(np.float64)


def low_precision(results, outputs):
    """``{output name: "float32"}`` for the results a learner returned in a dtype below float64."""
    found = {}
    for r, o in zip(results, outputs):
        dtype = getattr(_torch_to_numpy(r), "dtype", None)
        if dtype is not None and getattr(dtype, "kind", "") in "fc" and dtype.itemsize < 8:
            found[o.name] = str(dtype)
    return found


def is_boolean(answer):
    """Is ``answer`` booleans (``True``/``False`` or an array of dtype bool)?"""
    answer = _torch_to_numpy(answer)
    return isinstance(answer, (bool, np.bool_)) or getattr(answer, "dtype", None) == np.bool_


def number_text(value):
    """A number as the messages print it: 6 significant digits, and never ``-0``."""
    return f"{float(value) + 0.0:.6g}"


def given_expected(given, expected):
    """``"given 0.0104960, expected 0.0104962"``: enough digits (6 to 12) that the two differ."""
    g, e = float(given) + 0.0, float(expected) + 0.0
    for digits in range(6, 13):
        a, b = f"{g:.{digits}g}", f"{e:.{digits}g}"
        if a != b:
            return f"given {a}, expected {b}"
    return f"given {g!r}, expected {e!r}"


def index_text(index, letters=None):
    """``(0, 1, 2)`` -> ``"[0, 1, 2]"``, or with ``letters="f c m"`` -> ``"[f=0, c=1, m=2]"``."""
    index = tuple(int(k) for k in index)
    names = letters.split() if letters else []
    if len(names) == len(index):
        return "[" + ", ".join(f"{a}={k}" for a, k in zip(names, index)) + "]"
    return "[" + ", ".join(str(k) for k in index) + "]"


def entries_match(given, expected, atol=1e-6, rtol=1e-6):
    """``True`` when shapes agree and every entry is within ``atol + rtol·|expected|``."""
    given, expected = np.asarray(given, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    return given.shape == expected.shape and bool(
        np.all(np.abs(given - expected) <= atol + rtol * np.abs(expected)))


def describe_difference(name, given, expected, letters=None, atol=1e-6, rtol=1e-6, reveal=True, where=None):
    """Lines saying how ``given`` differs from ``expected`` (same shape): count, first wrong entry.

    ``reveal=False`` leaves the expected value out (for an answer that is a single number
    or a handful of them, where the expected value *is* the answer). ``where(index) -> str``
    says what the first wrong entry is made of (``decode``), on a line below it.
    """
    diff = np.abs(given - expected)
    wrong = diff > atol + rtol * np.abs(expected)
    if not expected.shape:
        text = f"{name}: wrong value: given {number_text(given)}"
        return [text + (f", expected {number_text(expected)}." if reveal else ".")]
    first = tuple(int(k) for k in np.argwhere(wrong)[0])
    lines = [f"{name}: wrong values: {int(wrong.sum())} of {expected.size} entries differ."]
    entry = f"  first wrong entry {name}{index_text(first, letters)}: "
    lines.append(entry + (given_expected(given[first], expected[first]) + "." if reveal else
                          f"given {number_text(given[first])}."))
    if where is not None:
        lines.append(f"  ({where(first)})")
    return lines


def named_mistakes(given, candidates, atol=1e-6, rtol=1e-6):
    """The ``Mistake``s among ``candidates`` (pairs ``(wrong_answer, Mistake)``) that give ``given``."""
    found = []
    for wrong_answer, mistake in candidates:
        if wrong_answer is None or mistake in found:
            continue
        if entries_match(given, wrong_answer, atol, rtol):
            found.append(mistake)
    return found


def hint_lines(mistakes):
    """The hint lines for the mistakes found: one, or all of them when several give the answer."""
    if not mistakes:
        return []
    if len(mistakes) == 1:
        return [f"  Hint: {mistakes[0].hint}"]
    return ["  Hint: this is what each of these mistakes gives (the numbers cannot tell them apart):"] + \
        [f"    - {m.hint}" for m in mistakes]


def _as_candidates(known_mistakes):
    """Accept ``(wrong_answer, Mistake)`` pairs and the older ``(wrong_answer, "hint")`` pairs."""
    out = []
    for wrong_answer, mistake in known_mistakes:
        if isinstance(mistake, str):
            mistake = Mistake(key=mistake, hint=mistake)
        out.append((wrong_answer, mistake))
    return out


def compare_answer(name, answer, expected, atol=1e-6, rtol=1e-6, known_mistakes=(),
                   quiet=False, letters=None, reveal=None, shape_hints=(), strict=False, where=None):
    """Compare a learner's ``answer`` with the ``expected`` array: a ``CheckResult``.

    name           : what the answer is, used in every message (e.g. ``"∂E/∂w"``).
    answer         : anything ``np.asarray`` turns into numbers (array, tuple, list, scalar).
    expected       : the reference, computed by the checker with cnnlib.
    atol, rtol     : entries match when ``|answer - expected| <= atol + rtol·|expected|``.
    known_mistakes : pairs ``(wrong_answer, Mistake)``: every mistake whose wrong answer
                     equals the given one (shape and values) is named.
    letters        : the index letters of ``expected``'s axes, e.g. ``"f c m q"``.
    reveal         : say the expected value of the first wrong entry (default: only for
                     arrays of more than 4 entries, so a one-number answer is never given away).
    shape_hints    : pairs ``(shape, hint)``: said when the answer has that wrong shape and no
                     known mistake explains it.
    where          : ``where(index) -> str``, what the first wrong entry is made of (``decode``).
    quiet          : kept for older callers; nothing is ever printed.
    strict         : raise ``WrongAnswer`` unless the answer is right.

    ``None`` is "not answered yet"; a wrong answer is "Not yet" with ``.mistakes`` the keys named.
    """
    return finish(_compare(name, answer, expected, atol, rtol, known_mistakes, letters, reveal, shape_hints,
                           where), strict)


def _compare(name, answer, expected, atol, rtol, known_mistakes, letters, reveal, shape_hints, where=None):
    if not_answered(answer):
        return unanswered(name)
    expected = np.asarray(expected, dtype=np.float64)
    try:
        given = as_answer_array(answer, name)
    except WrongAnswer as err:
        return CheckResult.wrong(str(err))
    notes = ([f"  Note: the answer is booleans (True/False), read here as 1 and 0: {name} is numbers."]
             if is_boolean(answer) else [])
    if reveal is None:
        reveal = expected.size > 4
    candidates = _as_candidates(known_mistakes)
    found = named_mistakes(given, candidates, atol, rtol)
    if given.shape != expected.shape:
        lines = [f"{name}: wrong shape: expected {expected.shape}, given {given.shape}"]
        if given.size == expected.size and not found:
            lines[0] += shape_words(given, expected, letters, atol, rtol)
        if not found:
            lines += [f"  Hint: {hint}" for shape, hint in shape_hints if tuple(shape) == given.shape][:1]
        return CheckResult.wrong(lines + notes + hint_lines(found), [m.key for m in found])
    if not np.isfinite(given).all():
        bad = int(given.size - np.count_nonzero(np.isfinite(given)))
        return CheckResult.wrong(f"{name}: {bad} entr{'y is' if bad == 1 else 'ies are'} NaN or infinite")
    if entries_match(given, expected, atol, rtol):
        return CheckResult.passed(f"Correct: {name} matches the reference"
                                  + (f" (shape {expected.shape})." if expected.ndim >= 2 else "."))
    lines = describe_difference(name, given, expected, letters, atol, rtol, reveal, where)
    if not found and expected.size > 4:   # with a handful of numbers, a sum of two effects can be chance
        pairs = composed_mistakes(given, expected, candidates, atol, rtol)
        if pairs:
            found = list(dict.fromkeys(m for pair in pairs for m in pair))
            return CheckResult.wrong(lines + notes + ["  Two typical mistakes at once: the effects of these add up "
                                                      "to your answer exactly:"] + [f"    - {m.hint}" for m in found],
                                     [m.key for m in found])
        lines += compare_lines(name, given, expected, letters, atol, rtol) if reveal else []
    return CheckResult.wrong(lines + notes + hint_lines(found), [m.key for m in found])


def composed_mistakes(given, expected, candidates, atol=1e-6, rtol=1e-6):
    """Pairs of mistakes (of ``candidates``) whose effects, added, give ``given``: ``[(m1, m2)]``."""
    effects = [(np.asarray(w, dtype=np.float64), m) for w, m in candidates if w is not None]
    effects = [(w, m) for w, m in effects if w.shape == expected.shape and not entries_match(w, expected, atol, rtol)]
    pairs = []
    for k, (wa, ma) in enumerate(effects):
        for wb, mb in effects[k + 1:]:
            if ma != mb and entries_match(given, wa + wb - expected, atol, rtol) and (ma, mb) not in pairs:
                pairs.append((ma, mb))
    return pairs
