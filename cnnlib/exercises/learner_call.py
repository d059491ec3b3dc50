"""Calling a learner's function from a checker: its exception, its line, and a time limit.

``call(fn, args, limit)`` returns ``(result, None)``, or ``(None, Failure)`` when the learner's
code raised (the exception and the learner's own line, never a traceback into cnnlib) or did
not return within ``limit`` seconds (an endless loop, or far too much work). Two things go
through unchanged: ``NotImplementedError`` (the template is not written yet) and
``CheckerCalledInside`` (the function calls its own checker); ``KeyboardInterrupt`` too.

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
    text: str                        # "IndexError: ...\n  at line 7 of f: ..."
    exception: Optional[BaseException]  # None when the time limit passed


def learner_line(err):
    """``"line 7 of f: out[n, f, i, j] = ..."`` for the deepest frame outside cnnlib and numpy."""
    for frame in reversed(traceback.extract_tb(err.__traceback__)):
        path = frame.filename.replace("\\", "/")
        if "/cnnlib/" in path or "/numpy/" in path:
            continue
        line = frame.line or linecache.getline(frame.filename, frame.lineno).strip()
        return f"line {frame.lineno} of {frame.name}: {line}" if line else f"line {frame.lineno} of {frame.name}"
    return None


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
    from .result import CheckerCalledInside  # noqa: F401 -- documented pass-through, not caught below
    try:
        with _Limit(limit):
            return fn(*args), None
    except NotImplementedError:
        raise
    except TookTooLong as err:
        where = learner_line(err)
        name = getattr(fn, "__name__", "your function")
        return None, Failure(f"{name} did not return within {limit:g} s: an endless loop (a `while` whose "
                             "condition never changes, a loop variable that is never increased), or far "
                             "more work than these small inputs need" + (f".\n  It was at {where}" if where
                                                                        else ""), None)
    except Exception as err:  # the learner's code failed: say where
        where = learner_line(err)
        text = describe(err) if describe else f"{type(err).__name__}: {err}"
        return None, Failure(text + (f"\n  at {where}" if where else ""), err)
