"""Hints on request, in levels: ``check_x.hint(1)``, ``check_x.hint(2)``, ...; ``check_x.hint()``
says how many levels there are.

The hints are data: each notebook's checker module holds a dict beside its ``CATALOGUE``,

    HINTS = {"check_kernel_gradient": ("level 1 ...", "level 2 ...", "level 3 ..."), ...}

keyed by the name the notebook imports the checker by. Level 1 points to the section or the
equation, the last level gives the loop structure, never a whole solution. The text may use
markdown and ``$...$`` math: a hint displays as markdown in a notebook and as plain text in a
terminal. Every checker (a ``checker`` function or a ``FunctionExercise``) has ``.hint``; it finds
its levels in its own module's ``HINTS`` or, failing that, in any loaded module of
``cnnlib.exercises`` (a notebook's checkers may be spread over a few modules). A level out of
range or of the wrong type gets a message that says which levels exist, never an IndexError.
"""
import sys

_PACKAGE = __name__.rsplit(".", 1)[0]


def hints_for(checker_name, module_name=None):
    """The tuple of hint levels of ``checker_name`` (empty when none are written)."""
    modules = [sys.modules.get(module_name)] if module_name else []
    modules += [m for name, m in sorted(sys.modules.items()) if name.startswith(_PACKAGE + ".")]
    for module in modules:
        table = getattr(module, "HINTS", None)
        if isinstance(table, dict) and checker_name in table:
            levels = table[checker_name]
            return (levels,) if isinstance(levels, str) else tuple(levels)
    return ()


class HintText:
    """A hint (or a message about hints) that displays as markdown, and as text in a terminal."""
    __slots__ = ("title", "body")

    def __init__(self, title, body=""):
        self.title, self.body = title, body

    def __repr__(self):
        return self.title + (f"\n\n{self.body}" if self.body else "")

    __str__ = __repr__

    def _repr_markdown_(self):
        return f"**{self.title}**" + (f"\n\n{self.body}" if self.body else "")


def _levels_text(n):
    calls = [f"hint({k})" for k in range(1, n + 1)]
    return calls[0] if n == 1 else ", ".join(calls[:-1]) + " or " + calls[-1]


class Hints:
    """``checker.hint``: ``hint(level)`` shows one level; ``hint()`` says how many there are."""
    __slots__ = ("checker_name", "module_name")

    def __init__(self, checker_name, module_name=None):
        self.checker_name, self.module_name = checker_name, module_name

    @property
    def levels(self):
        return hints_for(self.checker_name, self.module_name)

    def __len__(self):
        return len(self.levels)

    def __call__(self, level=None):
        levels, name = self.levels, self.checker_name
        if not levels:
            return HintText(f"{name} has no hints yet.",
                            "Read the section the exercise points to, then the message the check gives.")
        n = len(levels)
        if level is None:
            return HintText(f"{name} has {n} hint level{'s' if n > 1 else ''}: {_levels_text(n)}.",
                            f"{name}.hint(1) points to where the idea was derived; each level says a little "
                            "more. Ask for one level at a time.")
        valid = isinstance(level, int) and not isinstance(level, bool) or (
            hasattr(level, "__index__") and not isinstance(level, (bool, float)))
        if not valid or not 1 <= int(level) <= n:
            return HintText(f"{name}.hint({level!r}): there {'is' if n == 1 else 'are'} {n} level"
                            f"{'s' if n > 1 else ''}, ask for {_levels_text(n)}.")
        level = int(level)
        return HintText(f"Hint {level} of {n} for {name}", levels[level - 1])

    def __repr__(self):
        return f"<hints of {self.checker_name}: {len(self)} level{'s' if len(self) != 1 else ''}; call hint(1)>"
