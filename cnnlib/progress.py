"""Progress of a training run: a text bar, an ipywidgets bar, or nothing.

``make_progress(progress, total)`` picks one; each has ``update(done, text)``
(the bar), ``log(text)`` (one line per epoch) and ``close()``.
"""
import sys

from ._validate import as_bool, as_int


def _in_notebook():
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class TextProgress:
    """A one-line text bar rewritten in place with ``\\r``, and one line per epoch.

    ``live=None`` draws the bar only where ``\\r`` works (a terminal or a
    notebook); written to a file or a pipe, only the epoch lines appear.
    """

    def __init__(self, total, stream=None, width=24, live=None):
        self.total = as_int(total, "total", minimum=1)
        self.width = as_int(width, "width", minimum=1)
        self.stream = sys.stdout if stream is None else stream
        if not callable(getattr(self.stream, "write", None)):
            raise ValueError(f"stream: expected a text stream with write(), got {type(stream).__name__}")
        if live is not None:
            live = as_bool(live, "live")
        else:
            isatty = getattr(self.stream, "isatty", None)
            live = _in_notebook() or bool(isatty and isatty())
        self.live = live
        self.closed = False   # the stream stopped taking text: nothing more is written

    def update(self, done, text):
        if not self.live:
            return
        filled = max(0, min(self.width, int(self.width * done / self.total)))
        bar = "#" * filled + "." * (self.width - filled)
        self._write(f"\r[{bar}] {done}/{self.total} {text}   ")

    def log(self, text):
        self._write(("\r" + text + " " * 30 if self.live else text) + "\n")

    def _write(self, text):
        """Write, unless the stream was closed (``| head``): progress never stops a training run."""
        if self.closed:
            return
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a broken pipe; a closed file
            self.closed = True

    def close(self):
        pass


class WidgetProgress:
    """An ipywidgets progress bar with a label, and one text line per epoch below it."""

    def __init__(self, total):
        import ipywidgets as widgets
        from IPython.display import display
        self.bar = widgets.IntProgress(min=0, max=total, value=0, layout=widgets.Layout(width="45%"))
        self.label = widgets.HTML()
        self.lines = widgets.HTML()
        display(widgets.VBox([widgets.HBox([self.bar, self.label]), self.lines]))
        self._log = []

    def update(self, done, text):
        self.bar.value = done
        self.label.value = f"&nbsp;{done}/{self.bar.max} {text}"

    def log(self, text):
        self._log.append(text)
        self.lines.value = "<pre style='margin:0'>" + "\n".join(self._log) + "</pre>"

    def close(self):
        self.bar.bar_style = "success"


class NoProgress:
    def update(self, done, text):
        pass

    def log(self, text):
        pass

    def close(self):
        pass


def make_progress(progress, total):
    """``progress``: ``"auto"`` (a widget in a notebook when ipywidgets is installed,
    else text), ``"widget"``, ``"text"``, or ``None``/``False`` (silent)."""
    total = as_int(total, "total", minimum=1)
    if not (progress is None or isinstance(progress, (bool, str))):
        raise ValueError(f"progress: expected 'auto', 'widget', 'text' or None, got {type(progress).__name__}")
    if progress is None or progress is False or progress == "none":
        return NoProgress()
    if progress == "auto":
        if _in_notebook():
            try:
                return WidgetProgress(total)
            except ImportError:
                pass
        return TextProgress(total)
    if progress == "widget":
        return WidgetProgress(total)
    if progress is True or progress == "text":
        return TextProgress(total)
    raise ValueError(f"progress: expected 'auto', 'widget', 'text' or None, got {progress!r}")
