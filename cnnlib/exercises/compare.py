"""Comparing a learner's answer with the reference, and saying what is wrong.

Every checker of the course ends here, so the messages read the same everywhere:

- right answer: one line saying so, and ``True``;
- wrong answer: ``WrongAnswer`` (an ``AssertionError``, so a wrong answer stops
  *Run All* at that cell) whose message says the shape (expected vs given), or
  how many entries differ and the first wrong one by its index in the
  equation's letters (``dw[f=0, c=1, m=2, q=0]``), and, when the answer is what
  a typical mistake gives, names that mistake: every one that gives it, when
  several do. ``WrongAnswer.mistakes`` holds the keys of the mistakes named, so
  the tests can prove which mistake a message names.

A mistake is a ``Mistake(key, hint)``: ``key`` is its name in the catalogue
(``cnnlib.exercises.catalogue``), ``hint`` is what the learner reads.
"""
from typing import NamedTuple

import numpy as np


class WrongAnswer(AssertionError):
    """Raised by a checker when the answer is not right; the message says why.

    ``mistakes``: the keys of the typical mistakes the message names (may be empty).
    """

    def __init__(self, message, mistakes=()):
        super().__init__(message)
        self.mistakes = tuple(mistakes)


class Mistake(NamedTuple):
    """One typical mistake: its catalogue ``key`` and the ``hint`` a learner reads."""
    key: str
    hint: str


def not_answered(answer, name):
    """``True`` (after printing "not answered yet") when ``answer`` is still the template's
    ``None`` or ``...``: a notebook with an unanswered exercise still runs top to bottom."""
    if answer is None or answer is Ellipsis:
        print(f"{name}: not answered yet. Put your answer where the template has None, "
              "then run this cell again.")
        return True
    return False


def as_answer_array(answer, name):
    """``answer`` as a float64 array, or ``WrongAnswer`` saying it is not numbers."""
    if answer is None:
        raise WrongAnswer(f"{name}: the answer is None: nothing was computed or returned yet")
    try:
        arr = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise WrongAnswer(f"{name}: expected numbers (an array, a tuple or a number), "
                          f"got {type(answer).__name__}: {answer!r:.80} ({err})") from None
    return arr


def number_text(value):
    """A number as the messages print it: 6 significant digits, and never ``-0``."""
    return f"{float(value) + 0.0:.6g}"


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


def describe_difference(name, given, expected, letters=None, atol=1e-6, rtol=1e-6, reveal=True):
    """Lines saying how ``given`` differs from ``expected`` (same shape): count, first wrong entry.

    ``reveal=False`` leaves the expected value out (for an answer that is a single number
    or a handful of them, where the expected value *is* the answer).
    """
    diff = np.abs(given - expected)
    wrong = diff > atol + rtol * np.abs(expected)
    if not expected.shape:
        text = f"{name}: wrong value: given {number_text(given)}"
        return [text + (f", expected {number_text(expected)}." if reveal else ".")]
    first = tuple(int(k) for k in np.argwhere(wrong)[0])
    lines = [f"{name}: wrong values: {int(wrong.sum())} of {expected.size} entries differ."]
    entry = f"  first wrong entry {name}{index_text(first, letters)}: given {number_text(given[first])}"
    lines.append(entry + (f", expected {number_text(expected[first])}." if reveal else "."))
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
                   quiet=False, letters=None, reveal=None, shape_hints=()):
    """Compare a learner's ``answer`` with the ``expected`` array; ``True`` if they match.

    name           : what the answer is, used in every message (e.g. ``"∂E/∂w"``).
    answer         : anything ``np.asarray`` turns into numbers (array, tuple, list, scalar).
    expected       : the reference, computed by the checker with cnnlib.
    atol, rtol     : entries match when ``|answer - expected| <= atol + rtol·|expected|``.
    known_mistakes : pairs ``(wrong_answer, Mistake)``: every mistake whose wrong answer
                     equals the given one (shape and values) is named.
    letters        : the index letters of ``expected``'s axes, e.g. ``"f c m q"``.
    reveal         : print the expected value of the first wrong entry (default: only for
                     arrays of more than 4 entries, so a one-number answer is never given away).
    shape_hints    : pairs ``(shape, hint)``: said when the answer has that wrong shape and no
                     known mistake explains it.

    Returns ``False`` (and prints "not answered yet") when ``answer`` is still ``None``.
    Raises ``WrongAnswer`` saying what is wrong, with ``.mistakes`` the keys named.
    """
    if not_answered(answer, name):
        return False
    expected = np.asarray(expected, dtype=np.float64)
    given = as_answer_array(answer, name)
    if reveal is None:
        reveal = expected.size > 4
    candidates = _as_candidates(known_mistakes)
    found = named_mistakes(given, candidates, atol, rtol)
    if given.shape != expected.shape:
        lines = [f"{name}: wrong shape: expected {expected.shape}, given {given.shape}"]
        if given.size == expected.size and not found:
            lines[0] += " (same number of entries: reshape or transpose?)"
        if not found:
            lines += [f"  Hint: {hint}" for shape, hint in shape_hints if tuple(shape) == given.shape][:1]
        raise WrongAnswer("\n".join(lines + hint_lines(found)), [m.key for m in found])
    if not np.isfinite(given).all():
        bad = int(given.size - np.count_nonzero(np.isfinite(given)))
        raise WrongAnswer(f"{name}: {bad} entr{'y is' if bad == 1 else 'ies are'} NaN or infinite")
    if entries_match(given, expected, atol, rtol):
        if not quiet:
            print(f"Correct: {name} matches the reference"
                  + (f" (shape {expected.shape})." if expected.ndim >= 2 else "."))
        return True
    lines = describe_difference(name, given, expected, letters, atol, rtol, reveal)
    raise WrongAnswer("\n".join(lines + hint_lines(found)), [m.key for m in found])
