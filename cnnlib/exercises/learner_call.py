"""Calling a learner's function from a checker: its exception, its line, and a time limit.

``call(fn, args, limit)`` returns ``(result, None)``, or ``(None, Failure)`` when the learner's
code raised (the exception and the learner's own line, never a traceback into cnnlib) or did
not return within ``limit`` seconds (an endless loop, or far too much work). Two things go
through unchanged: ``NotImplementedError`` (the template is not written yet) and
``CheckerCalledInside`` (the function calls its own checker); ``KeyboardInterrupt`` too.

The learner's line is written on lines of its own (``where_lines``): "It happened in line 7 of
f:", then the code in backticks, so a long line of code never leaves a word stranded when the
message is wrapped.

The time limit uses ``SIGALRM`` (a real-time interval timer), which exists only on Unix and only
in the main thread (where a notebook's kernel runs the code); elsewhere there is no limit. The
timer and the previous ``SIGALRM`` handler are restored after every call, and the limit only
fires while the learner's code runs.
"""
import linecache
import signal
import threading
import time
import traceback
from typing import NamedTuple, Optional

TIME_LIMIT = 20.0  # seconds per call: the hidden geometries are small; a right loop answer takes < 0.5 s


class TookTooLong(BaseException):
    """Raised inside the learner's code when the time limit passes (a ``BaseException``, so a
    learner's ``except Exception`` does not swallow it)."""


class Failure(NamedTuple):
    text: str                        # "IndexError: ...\n  It happened in line 7 of f:\n    `...`"
    exception: Optional[BaseException]  # None when the time limit passed


def learner_frame(err):
    """``(line number, function name, code)`` of the deepest frame of ``err``'s traceback outside
    cnnlib and numpy (``code`` may be ``""``), or None."""
    for frame in reversed(traceback.extract_tb(err.__traceback__)):
        path = frame.filename.replace("\\", "/")
        if "/cnnlib/" in path or "/numpy/" in path:
            continue
        line = (frame.line or linecache.getline(frame.filename, frame.lineno) or "").strip()
        return frame.lineno, frame.name, line
    return None


def learner_line(err):
    """``"line 7 of f: out[n, f, i, j] = ..."`` for the deepest frame outside cnnlib and numpy."""
    found = learner_frame(err)
    if found is None:
        return None
    lineno, name, line = found
    return f"line {lineno} of {name}: {line}" if line else f"line {lineno} of {name}"


def code_text(code):
    """A line of the learner's code as the messages show it: in backticks (one token, shown as code)."""
    return f"`{code}`" if "`" not in code else code


def where_lines(err, lead="It happened in", indent=2):
    """The learner's line as message lines: ``"It happened in line 7 of f:"`` and the code below it,
    indented ``indent`` and ``indent + 2`` spaces (no lines when the traceback has no frame of theirs)."""
    found = learner_frame(err)
    if found is None:
        return []
    lineno, name, code = found
    pad = " " * indent
    return [f"{pad}{lead} line {lineno} of {name}" + (":" if code else ".")] + \
        ([f"{pad}  {code_text(code)}"] if code else [])


def _can_time():
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


class _Limit:
    """A context in which ``TookTooLong`` is raised after ``seconds`` (if the platform allows)."""

    def __init__(self, seconds):
        self.seconds, self.armed, self.active = seconds, False, False

    def _fire(self, signum, frame):
        if self.active:
            self.active = False
            raise TookTooLong()

    def __enter__(self):
        if self.seconds and _can_time():
            self.previous = signal.signal(signal.SIGALRM, self._fire)
            self.old_timer = signal.setitimer(signal.ITIMER_REAL, 0)
            self.start, self.armed, self.active = time.monotonic(), True, True
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *exc):
        if self.armed:
            self.active = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
            delay, interval = self.old_timer
            if delay:  # someone else's timer: give back what is left of it
                signal.setitimer(signal.ITIMER_REAL, max(delay - (time.monotonic() - self.start), 1e-3), interval)
        return False


def call(fn, args, limit=TIME_LIMIT, describe=None):
    """Run ``fn(*args)``: ``(result, None)`` or ``(None, Failure)`` (see the module's docstring).

    ``describe(err) -> str`` writes the exception (default ``"Type: message"``)."""
    try:
        with _Limit(limit):
            return fn(*args), None
    except NotImplementedError:
        raise
    except TookTooLong as err:
        name = getattr(fn, "__name__", "your function")
        text = "\n".join([f"{name} did not return within {limit:g} s: an endless loop (a `while` whose condition "
                          "never changes, a loop variable that is never increased), or far more work than these "
                          "small inputs need."] + where_lines(err, "It was running"))
        return None, Failure(text, None)
    except Exception as err:  # the learner's code failed: say where
        text = describe(err) if describe else f"{type(err).__name__}: {err}"
        return None, Failure("\n".join([text] + where_lines(err)), err)


def own_exception_lines(err):
    """What to say about an exception no typical mistake predicts: whose it is."""
    if err is None:
        return []
    if isinstance(err, AssertionError):
        return ["  Note: this AssertionError comes from an `assert` in your own code: the hidden geometries "
                "include cases it does not allow, and the exercise asks for all of them."]
    frames = [f for f in traceback.extract_tb(err.__traceback__) if "/numpy/" not in f.filename.replace("\\", "/")]
    ours = [k for k, f in enumerate(frames) if "/cnnlib/" not in f.filename.replace("\\", "/")]
    inner = frames[ours[-1] + 1] if ours and ours[-1] + 1 < len(frames) else None  # cnnlib's function it called
    path = inner.filename.replace("\\", "/") if inner else ""
    if "/cnnlib/" in path and "/exercises/" not in path:
        return [f"  No typical mistake predicts this exception. It was raised inside cnnlib's {inner.name}, "
                "called from your line above: its message says what it expected and what it was given."]
    return ["  No typical mistake predicts this exception: it comes from the line above."]
