"""Practice mode: questions inside the explorers, answered and diagnosed with no kernel.

One module per explorer (``gradient_flow``, ``conv_arithmetic``, ``pooling``, ``im2row``,
``network``), each with its catalogue of mistakes (``MISTAKES``), its kinds of question
(``ASK``), ``ask(kind, setting, ...)`` -> a ``Question`` and ``questions(...)``, the stored
ones. What a question holds and how an answer is judged: ``_question``. ``practice_data``
is what an explorer saves in its widget state (the ``practice`` trait); the browser
(``js/practice.js``) asks, compares and names the mistake, with no kernel.
"""
from functools import lru_cache

from . import conv_arithmetic, gradient_flow, im2row, network, pooling
from ._question import Mistake, Question, decode, encode, judge, parse_number  # noqa: F401

MODULES = {m.NAME: m for m in (gradient_flow, conv_arithmetic, pooling, im2row, network)}


@lru_cache(maxsize=8)
def _encoded(name, seed):
    module = MODULES[name]
    return encode(name, module.MISTAKES, module.questions(seed))


def practice_data(explorer):
    """The ``practice`` trait of ``explorer`` (one of the five): its stored questions, encoded.
    The four small explorers' questions depend on nothing but the explorer (cached); the
    network explorer's on its stored digits."""
    name = explorer.NAME
    if name == network.NAME:
        states = {d: (explorer.label_of(d), explorer._state(d, explorer.label_of(d)))
                  for d in explorer.precomputed}
        return encode(name, network.MISTAKES, network.questions(states))
    if name not in MODULES:
        raise ValueError(f"practice_data: expected one of the explorers {sorted(MODULES)}, got {name!r}")
    return _encoded(name, 0)

