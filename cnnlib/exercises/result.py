"""What every checker returns: a ``CheckResult`` that displays itself; and ``strict``.

    result = check_kernel_gradient(my_dw, ...)    # the last line of a cell shows the message

- ``result.correct`` (also ``bool(result)``), ``result.status``: ``"correct"``, ``"wrong"`` or
  ``"not_answered"`` (the template's ``None``, or a body that still raises
  ``NotImplementedError``);
- ``result.mistakes``: the catalogue keys of the typical mistakes the message names;
- ``result.text``: the message as plain text, wrapped without cutting a token; ``repr(result)``
  is the same text (a terminal, nbval); ``result._repr_html_()`` the rich version;
  ``result.lines``: the message's logical lines, unwrapped.

No checker prints, and none raises on a wrong answer: a notebook runs on past it. Tests and the
solutions notebooks pass ``strict=True``: then a result that is not correct raises
``WrongAnswer(message, mistakes)``, an ``AssertionError``.

``checker`` turns a function that judges an answer into a course checker: it adds ``strict``,
``.hint`` (``hints``), turns a ``WrongAnswer`` raised inside into a result, and stops a check that
calls itself (a check line indented into the function it checks). Inside a checker, raising
``WrongAnswer("what is wrong", mistakes)`` is the short way to say "not yet".
"""
import functools
import threading

from .display import WIDTH, to_html, wrap_text

HEADS = {"correct": "Correct", "wrong": "Not yet", "not_answered": "Not answered yet"}
_VERDICTS = ("Correct", "Not yet", "Not written yet", "Not answered yet")


class WrongAnswer(AssertionError):
    """A checker's "not yet", raised under ``strict=True`` (and inside checkers, as a signal).

    ``mistakes``: the keys of the typical mistakes the message names (may be empty).
    """

    def __init__(self, message, mistakes=()):
        super().__init__(message)
        self.mistakes = tuple(mistakes)


def _indented(part, line):
    """A line of a multi-line entry keeps at least the entry's indentation (an exception's own
    message may hold newlines); trailing spaces go."""
    base = len(line) - len(line.lstrip(" "))
    part = part.rstrip()
    return part if len(part) - len(part.lstrip(" ")) >= base else " " * base + part.lstrip(" ")


class CheckResult:
    """A checker's verdict and message. Build one with ``CheckResult.passed(...)``,
    ``.wrong(...)`` or ``.not_answered(...)``; each takes the message's lines (or one string)."""
    __slots__ = ("status", "lines", "mistakes")

    def __init__(self, status, lines, mistakes=()):
        if status not in HEADS:
            raise ValueError(f"status: expected one of {sorted(HEADS)}, got {status!r}")
        lines = [lines] if isinstance(lines, str) else [str(line) for line in lines]
        lines = [_indented(part, line) for line in lines for part in line.splitlines()] or [HEADS[status]]
        if not lines[0].startswith(_VERDICTS):
            lines[0] = f"{HEADS[status]}: {lines[0]}"
        self.status, self.lines, self.mistakes = status, tuple(lines), tuple(mistakes)

    @classmethod
    def passed(cls, lines):
        return cls("correct", lines)

    @classmethod
    def wrong(cls, lines, mistakes=()):
        return cls("wrong", lines, mistakes)

    @classmethod
    def not_answered(cls, lines):
        return cls("not_answered", lines)

    @property
    def correct(self):
        return self.status == "correct"

    def __bool__(self):
        return self.correct

    @property
    def message(self):
        """The logical lines joined (unwrapped): what ``WrongAnswer`` carries."""
        return "\n".join(self.lines)

    @property
    def text(self):
        return wrap_text(self.lines, WIDTH)

    def __repr__(self):
        return self.text

    __str__ = __repr__

    def _repr_html_(self):
        return to_html(self.status, self.lines)

    def raise_if_wrong(self):
        """``WrongAnswer`` unless correct (what ``strict=True`` does); else the result itself."""
        if not self.correct:
            raise WrongAnswer(self.message, self.mistakes)
        return self


def as_result(value, mistakes=()):
    """A checker's outcome as a ``CheckResult``: a result as it is, a ``WrongAnswer`` as "not yet"."""
    if isinstance(value, CheckResult):
        return value
    if isinstance(value, WrongAnswer):
        return CheckResult.wrong(str(value), value.mistakes)
    raise TypeError(f"a checker must return a CheckResult, got {type(value).__name__}")


# ------------------------------------------------------------------ re-entry

class CheckerCalledInside(BaseException):
    """Raised when a checker is called while it is already running: the learner's function calls
    its own checker (usually a check line indented into the function). A ``BaseException``, so a
    learner's ``except Exception`` does not swallow it."""

    def __init__(self, name):
        super().__init__(f"{name} was called from inside the function it is checking")
        self.name = name


_RUNNING = threading.local()


class running:
    """``with running(name):`` marks the checker ``name`` as running; entering it again inside
    raises ``CheckerCalledInside``."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        active = getattr(_RUNNING, "names", None)
        if active is None:
            active = _RUNNING.names = set()
        if self.name in active:
            raise CheckerCalledInside(self.name)
        active.add(self.name)
        return self

    def __exit__(self, *exc):
        _RUNNING.names.discard(self.name)
        return False


def called_inside_message(name, err):
    """The message when the learner's function calls its own checker ``name`` (``err``: the
    ``CheckerCalledInside`` raised at that call)."""
    import traceback

    from .learner_call import where_lines
    frames = [f for f in traceback.extract_tb(err.__traceback__) if "/cnnlib/" not in f.filename.replace("\\", "/")]
    fn_name = frames[-1].name if frames else "your function"
    where = where_lines(err, "The call is in")
    return [f"Not yet: {fn_name} calls {name} itself, so the check would never end."] + \
           (where or ["  The call is inside your function."]) + [
            f"  Try: take the line `{name}(...)` out of the body of {fn_name}: un-indent it, so that it runs "
            "after the `def` block, not inside it."]


# ------------------------------------------------------------------ the decorator

def finish(result, strict):
    """What a checker hands back: the result, or under ``strict`` ``WrongAnswer`` unless correct."""
    return result.raise_if_wrong() if strict else result


def checker(fn):
    """Make ``fn(answer, ...) -> CheckResult`` a course checker (see the module's docstring)."""
    from .hints import Hints

    name = fn.__name__

    @functools.wraps(fn)
    def run(*args, strict=False, **kwargs):
        with running(name):              # a call from inside raises here, out to the outer call
            try:
                result = fn(*args, **kwargs)
            except WrongAnswer as err:
                result = err
            except CheckerCalledInside as err:
                if err.name != name:
                    raise
                result = CheckResult.wrong(called_inside_message(name, err))
        return finish(as_result(result), strict)

    run.hint = Hints(name, fn.__module__)
    return run
