"""Held-out wrong answers to the "Your turn" exercises, written as learners would write them.

They were written from the notebooks, their templates and the solutions only, without reading
how the checkers work, and every bug in them is outside the mistake catalogue (or a combination
of catalogued slips, or a natural variant written differently). tests/test_heldout.py runs each
one through its checker and asserts that it is rejected.

Each wrong answer is registered with:

- ``checker``: the name of its checker in ``cnnlib.exercises``;
- ``bug``: what is really wrong, as its author knows it;
- ``where``: the geometries where it should differ from the right answer;
- ``catalogue_keys_ok``: catalogue keys that would be a fair name for it (usually none).
"""
import importlib
from dataclasses import dataclass
from typing import Callable

MODULES = ("nb02", "nb03", "nb04", "nb05", "nb06")


@dataclass(frozen=True)
class WrongAnswer:
    name: str                   # "nb02.fwd_int_padded_copy"
    checker: str                # "check_conv_forward_loops"
    fn: Callable
    bug: str
    where: str
    catalogue_keys_ok: tuple = ()


REGISTRY = []


def wrong(checker, bug, where, catalogue_keys_ok=()):
    """Register the decorated function as a wrong answer for ``checker``."""
    def register(fn):
        module = fn.__module__.rsplit(".", 1)[-1]
        REGISTRY.append(WrongAnswer(f"{module}.{fn.__name__}", checker, fn, bug, where,
                                    tuple(catalogue_keys_ok)))
        return fn
    return register


def all_wrong_answers():
    """Every registered wrong answer, in the order of the modules and of their definitions."""
    for module in MODULES:
        importlib.import_module(f"{__name__}.{module}")
    return list(REGISTRY)
