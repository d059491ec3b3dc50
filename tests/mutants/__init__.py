"""Learner-style wrong answers (mutants), one module per notebook, for every catalogued mistake.

Each module defines ``ENTRIES``, a list of ``Entry``: an exercise's checker, a right answer
written the way a learner would write it, and one wrong answer per typical mistake, keyed by
the mistake's catalogue key. ``tests/test_mistake_catalogue.py`` runs every mutant through
its checker and proves that it is rejected and that the message names exactly that mistake
(or its declared twins, mistakes that give the same numbers by mathematics), and that the
right answer passes.

The mutants are written independently of the checkers' mistake models: a mutant is a whole
learner function (or answer) with one bug, a model is cnnlib's reference on altered inputs.
That the two agree is what the tests prove.
"""
from collections.abc import Callable
from typing import NamedTuple


class Entry(NamedTuple):
    """One exercise: ``check(answer)`` returns True or raises WrongAnswer."""
    name: str               # the checker's name, as in cnnlib.exercises.catalogue
    check: Callable         # answer -> True, or raises WrongAnswer
    solution: object        # a right answer: a function (function exercises) or a value
    mutants: dict           # mistake key -> a wrong answer with exactly that mistake
    twins: tuple = ()       # groups (frozensets) of keys a message names together by design


def registry():
    """A decorator that files a learner-style function under a mistake key: ``@bad("forgot_bias")``."""
    found = {}

    def bad(key):
        def register(fn):
            assert key not in found, f"two mutants for {key}"
            found[key] = fn
            return fn
        return register
    return found, bad
