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

    A model names the exception it predicts: its type and words of its message,
    ``Raises(IndexError, "out of bounds for axis 2")``, ``Raises(ValueError, "(4,3,3)")``; so an
    exception of another kind (the learner's own ``assert``, a cnnlib error saying "expected
    shape", a TypeError) is never put down to that mistake, and two mistakes that both crash on the
    same geometries can still be told apart. ``RAISES`` is numpy's index-or-broadcast error (what
    an index or a window past the end of an array gives). ``Raises()`` with no arguments would
    match any exception: the catalogue's models never use it (a test proves it).
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


class _NumpyError(Raises):
    """numpy's error for an index past the end of an array (``IndexError: index 7 is out of bounds
    for axis 2 with size 7``) or for shapes that do not fit (``ValueError: operands could not be
    broadcast together ...``, ``could not broadcast input array ...``, ``non-broadcastable output
    operand ...``)."""
    __slots__ = ()

    def __init__(self):
        super().__init__(IndexError, "out of bounds")

    def matches(self, error):
        return error is not None and ((isinstance(error, IndexError) and "out of bounds" in str(error)) or
                                      (isinstance(error, ValueError) and "broadcast" in str(error)))

    def example(self):
        return IndexError("index 9 is out of bounds for axis 0 with size 9")

    def __repr__(self):
        return "RAISES"


RAISES = _NumpyError()
"""A model's answer where the learner gets numpy's index-past-the-end or does-not-broadcast error."""
INDEX_ERROR = Raises(IndexError, "out of bounds")
"""numpy's error for an index past the end of an array."""
BROADCAST_ERROR = Raises(ValueError, "broadcast")
"""numpy's error for two shapes that do not fit."""


def index_error(size, axis=None):
    """numpy's ``IndexError: index I is out of bounds for axis A with size Z`` for this size (and axis)."""
    return Raises(IndexError, f"for axis {axis} with size {size}" if axis is not None else f"with size {size}")


def _shape_in(shape, text):
    """Is ``shape`` written in numpy's ``text``, as ``(2,3,3)``, as the last axes of a longer shape
    (``(4,2,3,3)``), or, for one axis, as ``(6,)``?"""
    tail = ",".join(map(str, shape)) + ")"
    return f"({tail}" in text or f",{tail}" in text or (len(shape) == 1 and f"({shape[0]},)" in text)


class _ShapeError(Raises):
    """numpy's ``ValueError`` about shapes that do not fit (broadcast, reshape) naming every one of
    ``shapes`` (see ``_shape_in``): the shape that does not fit, and where given, the one it met."""
    __slots__ = ("shapes",)

    def __init__(self, *shapes):
        self.shapes = tuple(tuple(int(d) for d in s) for s in shapes)
        super().__init__(ValueError, " ".join("(" + ",".join(map(str, s)) + ")" for s in self.shapes))

    def matches(self, error):
        text = str(error)
        return isinstance(error, ValueError) and any(w in text for w in ("broadcast", "reshape")) and \
            all(_shape_in(s, text) for s in self.shapes)

    def example(self):
        return ValueError(f"operands could not be broadcast together with shapes {self.contains} (1,)")

    def __repr__(self):
        return f"shape_error{self.contains}"


def shape_error(*shape, meets=None):
    """numpy's error about shapes that do not fit, naming ``shape`` (and ``meets``, the shape it met)."""
    return _ShapeError(shape) if meets is None else _ShapeError(shape, tuple(meets))


def first_cut_window(rows, cols, h_out, w_out, KH, KW, stride):
    """The first window (row by row) of an ``h_out`` x ``w_out`` grid that runs past an array of
    ``rows`` x ``cols``: ``(its rows, its columns)`` as a slice cuts it, or None when all fit."""
    for i in range(h_out):
        for j in range(w_out):
            r = len(range(rows)[stride * i:stride * i + KH])
            c = len(range(cols)[stride * j:stride * j + KW])
            if (r, c) != (KH, KW):
                return r, c
    return None


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
    low_precision: dict = {}  # output name -> "float32" (or float16) where the learner returned that dtype


_learner_line = learner_line  # the older name


def _same_inputs(before, after):
    if isinstance(before, np.ndarray):
        return isinstance(after, np.ndarray) and before.shape == after.shape and np.array_equal(before, after)
    return before == after
