"""Every typical mistake in the catalogue is caught and named by its checker.

For each exercise (``tests/mutants/``): the right answer passes ("Correct"); every mutant (a
learner-style answer with one typical mistake) gets "Not yet" (and ``WrongAnswer`` under
``strict=True``), and the message names exactly that mistake (or its declared twins) and shows
its hint; every mistake of the
catalogue (``cnnlib.exercises.catalogue``) has a mutant; the hidden data of every function
exercise can tell each mistake from the right answer and from the others; and an unwritten
template (``raise NotImplementedError``) gets "Not written yet".
"""
import importlib
import pkgutil

import pytest

import mutants
from cnnlib.exercises import FunctionExercise, WrongAnswer
from cnnlib.exercises.catalogue import catalogue

ENTRIES = [entry for info in pkgutil.iter_modules(mutants.__path__)
           for entry in importlib.import_module(f"mutants.{info.name}").ENTRIES]
MUTANT_CASES = [(entry, key) for entry in ENTRIES for key in entry.mutants]
CATALOGUE = catalogue()


def _twins(entry, key):
    return set().union({key}, *[group for group in entry.twins if key in group])


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.name for e in ENTRIES])
def test_the_right_answer_passes(entry):
    result = entry.check(entry.solution)
    assert result.correct is True and result.status == "correct", result.text
    assert result.text.startswith("Correct") and result.mistakes == ()


@pytest.mark.parametrize("entry, key", MUTANT_CASES, ids=[f"{e.name}:{k}" for e, k in MUTANT_CASES])
def test_each_mutant_is_rejected_and_named(entry, key):
    result = entry.check(entry.mutants[key])
    assert result.status == "wrong" and not result and result.text.startswith("Not yet"), result.text
    named, message = set(result.mistakes), result.message
    assert named == _twins(entry, key), f"named {sorted(named)} for {key}:\n{message}"
    with pytest.raises(WrongAnswer) as info:           # strict: the same message, raised
        result.raise_if_wrong()
    assert str(info.value) == message and set(info.value.mistakes) == named
    hints = {m.key: m.hint for m in CATALOGUE[entry.name]}
    for k in named:
        assert hints[k] in message, f"the hint of {k} is not in the message:\n{message}"


@pytest.mark.parametrize("checker", sorted(CATALOGUE))
def test_every_catalogued_mistake_has_a_mutant(checker):
    covered = {key for entry in ENTRIES if entry.name == checker for key in entry.mutants}
    missing = [m.key for m in CATALOGUE[checker] if m.key not in covered]
    assert not missing, f"{checker}: no mutant for {missing}"


@pytest.mark.parametrize("checker", sorted(CATALOGUE))
def test_catalogue_keys_are_unique_and_hints_written(checker):
    keys = [m.key for m in CATALOGUE[checker]]
    assert len(keys) == len(set(keys))
    assert all(len(m.hint) > 20 for m in CATALOGUE[checker])


FUNCTION_CHECKERS = sorted({e.name: e.check for e in ENTRIES if isinstance(e.check, FunctionExercise)}.items())


@pytest.mark.parametrize("name, checker", FUNCTION_CHECKERS, ids=[n for n, _ in FUNCTION_CHECKERS])
def test_the_hidden_data_tells_every_mistake_apart(name, checker):
    assert checker.distinguishable() == []


@pytest.mark.parametrize("name, checker", FUNCTION_CHECKERS, ids=[n for n, _ in FUNCTION_CHECKERS])
def test_an_unwritten_template_is_not_written_yet(name, checker):
    def template(*args):
        raise NotImplementedError("your turn")
    result = checker(template)
    assert result.status == "not_answered" and result.text.startswith("Not written yet")
    with pytest.raises(WrongAnswer, match="Not written yet"):
        checker(template, strict=True)


def test_the_readme_states_the_catalogues_size():
    import re
    from pathlib import Path
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    stated = re.search(r"cnnlib\.exercises\.catalogue`: (\d+) of them", readme)
    assert stated, "the README no longer says how many mistakes are catalogued"
    assert int(stated.group(1)) == sum(len(v) for v in CATALOGUE.values())
