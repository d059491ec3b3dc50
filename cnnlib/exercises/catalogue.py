"""The catalogue of typical mistakes: every mistake a checker of the course can name.

``catalogue()`` returns ``{checker name: [mistake, ...]}`` in notebook order; each mistake has a
``key`` (its name in the tests and in ``WrongAnswer.mistakes``) and the ``hint`` a learner
reads. Each notebook's module keeps its own part in a ``CATALOGUE`` dict. The tests hold a
learner-style wrong answer for every entry and prove the checker names it
(``tests/mutants/``, ``tests/test_mistake_catalogue.py``).
"""
from importlib import import_module

NOTEBOOK_MODULES = ["nb00_network_shapes", "nb01_flip", "nb02_conv_forward", "nb03_kernel_gradient",
                    "nb04_input_gradient", "nb05_relu_pooling", "nb06_im2row", "nb07_backward", "nb07_training",
                    "nb08_backward_pass"]


def catalogue():
    """``{checker name: [mistake, ...]}`` for every checker that has a catalogue, in notebook order."""
    found = {}
    for name in NOTEBOOK_MODULES:
        try:
            module = import_module(f"{__package__}.{name}")
        except ModuleNotFoundError as err:  # a notebook whose checkers are not written yet
            if err.name != f"{__package__}.{name}":
                raise
            continue
        for checker, mistakes in getattr(module, "CATALOGUE", {}).items():
            found[checker] = list(mistakes)
    return found


def catalogue_table():
    """The catalogue as markdown table rows: notebook module, checker, key, hint."""
    rows = ["| checker | mistake | what the learner reads |", "|---|---|---|"]
    for checker, mistakes in catalogue().items():
        rows += [f"| `{checker}` | `{m.key}` | {m.hint} |" for m in mistakes]
    return "\n".join(rows)
