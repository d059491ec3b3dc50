"""The pieces a ``FunctionExercise`` is built from: hidden geometries (``Case``), outputs
(``Output``), typical mistakes (``FunctionMistake``) and what a mistake's model may return
besides numbers (``RAISES``, ``Raises``, ``Variants``).
"""
from typing import Callable, NamedTuple, Optional

import numpy as np

from .compare import Mistake
from .learner_call import learner_line


class Raises:
    """What a mistake's model returns for a geometry where a learner with that mistake gets an
    exception (an index out of range, shapes that do not broadcast), rather than numbers.

    ``Raises()`` (the same as ``RAISES``) matches any exception. ``Raises(IndexError)`` only
    that type, and ``Raises(ValueError, "(4,3,3)")`` only when the text is also found in the
    exception's message: two mistakes that both crash on the same geometries can then still
    be told apart (e.g. a window with C + 2P channels from one padded too many axes, against
    a window cut past the end of the array).
    """
    __slots__ = ("kind", "contains")

    def __init__(self, kind=Exception, contains=""):
        self.kind, self.contains = kind, str(contains)

    def matches(self, error):
        """Does the exception ``error`` (``None``: unknown) look like this one?"""
        if error is None:
            return self.kind is Exception and not self.contains
        return isinstance(error, self.kind) and self.contains in str(error)

    def example(self):
        """An exception this one matches (to ask which other mistakes it would look like)."""
        return self.kind(self.contains)

    def __repr__(self):
        return "RAISES" if self.kind is Exception and not self.contains else \
            f"Raises({self.kind.__name__}, {self.contains!r})"


RAISES = Raises()
"""A model's answer where the learner gets an exception, of any kind (see ``Raises``)."""


class Variants(tuple):
    """What a mistake's model returns when the mistake shows differently depending on how the
    loops are written (e.g. ``RAISES`` for a vectorized window, wrong numbers for scalar loops):
    the learner's result may match any one of them."""


class Case(NamedTuple):
    """One hidden geometry: a ``label`` for the learner and the positional ``args``."""
    label: str
    args: tuple


class Output(NamedTuple):
    """One output of the exercise function: its ``name``, the ``letters`` of its axes' indices
    (``"n f i j"``) and the names of its dimensions (``"N F H_out W_out"``).

    ``where`` (optional): ``where(index, args) -> str``, what the first wrong entry's index
    means on that geometry (e.g. a flat row index of the im2row matrix decoded into n, i, j),
    printed below it."""
    name: str
    letters: str
    dims: str = ""
    where: Optional[Callable] = None


class FunctionMistake(NamedTuple):
    """A typical mistake of a function exercise: ``model(*args)`` is what the mistake computes."""
    key: str
    hint: str
    model: Callable

    @property
    def mistake(self):
        return Mistake(self.key, self.hint)


class _Run(NamedTuple):
    outputs: Optional[tuple]  # one float64 array per Output, or None when the call failed
    error: Optional[str]
    exception: Optional[BaseException] = None  # what the call raised, if it failed
    booleans: tuple = ()  # the names of the outputs the learner returned as booleans


_learner_line = learner_line  # the older name


def _same_inputs(before, after):
    if isinstance(before, np.ndarray):
        return isinstance(after, np.ndarray) and before.shape == after.shape and np.array_equal(before, after)
    return before == after
