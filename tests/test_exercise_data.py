"""The data of every value exercise tells its catalogued mistakes apart.

A value exercise asks for a shape, a number or an array computed on the notebook's own data
(Check yourself). For each one (``tests/mutants/``, the entries whose checker is not a
FunctionExercise), the learner-style answer of every catalogued mistake differs from the right
answer and from the answer of every other mistake, unless the two are declared twins (the
same numbers by mathematics, so the checker names both). Data on which two mistakes give one
number would make the checker name the wrong one (review 1, item 3: in notebook 02's one-cell
exercise, "the other filter's bias" and "the bias once per input channel" were both 47).
The function exercises' hidden data get the same proof from ``distinguishable()``
(test_mistake_catalogue.py).
"""
import importlib
import itertools
import pkgutil

import numpy as np
import pytest

import mutants
from cnnlib.exercises import FunctionExercise

ENTRIES = [entry for info in pkgutil.iter_modules(mutants.__path__)
           for entry in importlib.import_module(f"mutants.{info.name}").ENTRIES
           if not isinstance(entry.check, FunctionExercise)]


def _same(a, b):
    """Equal answers: the same nesting, shapes and values (to rounding)."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return False
        if all(np.isscalar(v) for v in (*a, *b)):      # a shape, or a list of numbers
            return np.shape(a) == np.shape(b) and np.allclose(np.asarray(a, float), np.asarray(b, float))
        return all(_same(u, v) for u, v in zip(a, b))
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-9, atol=1e-9))


def _groups():
    """``{checker name: (right answer, [(mistake key, answer), ...], twin groups)}``, one per
    exercise: the entries of one checker on one right answer (so on the same data)."""
    groups = []
    for entry in ENTRIES:
        for group in groups:
            if group[0] == entry.name and _same(group[1], entry.solution):
                group[2].extend(entry.mutants.items())
                group[3].update(entry.twins)
                break
        else:
            groups.append((entry.name, entry.solution, list(entry.mutants.items()), set(entry.twins)))
    return groups


GROUPS = _groups()


def test_every_value_exercise_of_notebooks_00_to_06_is_covered():
    names = {name for name, *_ in GROUPS}
    assert {"check_seed_network_shapes", "check_convolution_via_correlation", "check_conv_output_shape",
            "check_conv_output_cell", "check_conv_relu_pool_dw", "check_conv_backward_matrices"} <= names


@pytest.mark.parametrize("name, right, answers, twins", GROUPS, ids=[g[0] for g in GROUPS])
def test_each_mistake_gives_an_answer_of_its_own(name, right, answers, twins):
    for key, answer in answers:
        assert not _same(answer, right), f"{name}: the mistake {key} gives the right answer on this data"
    for (key1, a1), (key2, a2) in itertools.combinations(answers, 2):
        if key1 == key2 or any({key1, key2} <= set(group) for group in twins):
            continue          # one mistake written two ways, or twins the checker names together
        assert not _same(a1, a2), f"{name}: the mistakes {key1} and {key2} give the same answer on this data"
