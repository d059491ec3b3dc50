"""The registry of held-out set 2: learner-style wrong answers to the "Your turn" exercises.

Each answer is a whole function a learner could write, with a bug its author knows. It was written
without reading how the checkers work (only the notebooks, the solutions notebooks, the layer code
and the catalogue's words), then confirmed wrong against the solutions notebooks' functions
(``reference.py``) on the notebook's example and on random non-whole data (``confirm.py``).

Fields of a registration:
- ``checker``: the name of the checker in ``cnnlib.exercises`` that judges it;
- ``bug``: in plain words, what is really wrong;
- ``where``: which geometries it should differ on (its author's prediction);
- ``catalogue_keys_ok``: catalogue keys that would be a fair name for it (empty: none is);
- ``variant``: a catalogue key this answer is a natural variant of, written differently, or None.
"""
from dataclasses import dataclass, field

ANSWERS = {}


@dataclass(frozen=True)
class HeldOut:
    name: str
    checker: str
    fn: object
    bug: str
    where: str
    catalogue_keys_ok: tuple = ()
    variant: object = None
    tags: tuple = field(default=())


def wrong(checker, bug, where, catalogue_keys_ok=(), variant=None, tags=()):
    """Register the decorated function as a wrong answer to ``checker``."""
    def register(fn):
        name = f"{fn.__module__.rsplit('.', 1)[-1]}.{fn.__name__}"
        if name in ANSWERS:
            raise ValueError(f"{name} registered twice")
        ANSWERS[name] = HeldOut(name, checker, fn, bug, where, tuple(catalogue_keys_ok), variant, tuple(tags))
        return fn
    return register


def all_answers():
    """Every registered answer, in the order of the notebooks."""
    from . import nb02, nb03, nb04, nb05, nb06, nb07, nb08  # noqa: F401  (registration on import)
    return list(ANSWERS.values())
