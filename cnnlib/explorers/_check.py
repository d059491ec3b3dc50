"""The argument checks of the explorers' Python API: what the sliders enforce in the browser.

A learner can drive an explorer from Python: constructor keywords
(``GradientFlowExplorer(stride=1)``), ``ex.pad.value = 1``, ``ex.set(pad=1)``,
``with ex.hold(): ...``, or ``ex.values = {...}``. Each value gets the check its
control gets in the browser, and anything else is a ``ControlError`` (a
ValueError) that names the explorer, the control, what was expected and what
was given; the explorer keeps its previous, working state.

- a slider or play control: an int (not 2.0, True or "2") in the control's
  range; for a position (an output, a pixel, a step) the range of the current
  geometry (``limits``). A position given explicitly must be in range; one that
  a geometry change leaves outside is moved to the nearest end, as the browser does.
- a toggle: one of its options' values (``view="pixel"``, ``channel=2``).
- an unknown name (``strides=1``) is refused, never ignored.
- ``seed``: an int >= 0 (the numbers shown are drawn from it; None would draw
  different ones in every process). ``channels``: 1 or 3.

The ranges are the sliders' ranges, which are also the settings the stored table
of views covers, so every size has an upper bound (e.g. the conv-arithmetic
explorer's input is 3..12 pixels).
"""
import traitlets

from .._validate import _is_int, _show


class ControlError(ValueError, traitlets.TraitError):
    """A refused explorer argument: a ValueError, like every bad input to cnnlib; also a
    TraitError, so that traitlets rolls back a ``values`` it refuses in every path."""


def control_value(owner, spec, value, high=None, why=""):
    """``value`` checked for the control ``spec`` (``high`` overrides its max, e.g. a
    position's range in the current geometry, which ``why`` names)."""
    name = spec["name"]
    if spec["kind"] == "toggle":
        allowed = [option[1] for option in spec["options"]]
        if all(type(a) is int for a in allowed):
            if _is_int(value) and int(value) in allowed:
                return int(value)
        elif isinstance(value, str) and value in allowed:
            return value
        raise ControlError(f"{owner}: {name}: expected one of {allowed}, got {_show(value)}")
    low = spec.get("min", 0)
    high = spec["max"] if high is None else high
    if _is_int(value) and low <= int(value) <= high:
        return int(value)
    raise ControlError(f"{owner}: {name}: expected an int in {low}..{high} (the slider's range{why}), "
                       f"got {_show(value)}")


def position_type(owner, spec, value):
    """A position before its range is known (inside ``hold``): an int >= its minimum."""
    if _is_int(value) and int(value) >= spec.get("min", 0):
        return int(value)
    raise ControlError(f"{owner}: {spec['name']}: expected an int >= {spec.get('min', 0)} (a position; "
                       f"its range depends on the other sliders), got {_show(value)}")


def known_names(owner, given, names, what="control"):
    """Refuse names that are not in ``names`` (a typo must not be ignored)."""
    unknown = sorted(set(given) - set(names), key=str)
    if unknown:
        raise ControlError(f"{owner}: no {what} named {', '.join(map(repr, unknown))}; expected one of "
                           f"{sorted(names)}")


def seed(owner, value):
    """The seed of an explorer's numbers: an int >= 0."""
    if _is_int(value) and int(value) >= 0:
        return int(value)
    raise ControlError(f"{owner}: seed: expected an int >= 0 (the numbers shown are drawn from it), "
                       f"got {_show(value)}")


def one_of(owner, name, value, allowed):
    """An int argument that must be one of ``allowed`` (``channels``: 1 or 3)."""
    if _is_int(value) and int(value) in allowed:
        return int(value)
    raise ControlError(f"{owner}: {name}: expected one of {list(allowed)}, got {_show(value)}")


def int_in(owner, name, value, low, high):
    """An int argument in ``low..high`` (a geometry given to a state function)."""
    if _is_int(value) and low <= int(value) <= high:
        return int(value)
    raise ControlError(f"{owner}: {name}: expected an int in {low}..{high}, got {_show(value)}")


def pair(owner, name, value):
    """A position ``(i, j)`` of a state function: two ints (clipped to the range by the caller)."""
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(_is_int(v) for v in value):
        return int(value[0]), int(value[1])
    raise ControlError(f"{owner}: {name}: expected a pair of ints (i, j), got {_show(value)}")


# ------------------------------------------------------------------ the state functions' arguments
# (the pure functions behind the explorers take the same settings as their sliders, a little wider
# where the function allows it; the bounds keep every array small)

def layer_args(owner, channels, seed_, kernel_size, stride, pad):
    """The 7x7 teaching layer's geometry: kernel 2..4, stride 1..3, padding 0..2 (H_out <= 10)."""
    if not (_is_int(channels) and 1 <= channels <= 8):
        raise ControlError(f"{owner}: channels: expected an int in 1..8, got {_show(channels)}")
    return (int(channels), seed(owner, seed_), int_in(owner, "kernel_size", kernel_size, 2, 4),
            int_in(owner, "stride", stride, 1, 3), int_in(owner, "pad", pad, 0, 2))


def ints(owner, **named):
    """Each ``name=value`` an int (a position or step: clipped to its range by the caller)."""
    for name, value in named.items():
        if not _is_int(value):
            raise ControlError(f"{owner}: {name}: expected an int, got {_show(value)}")


class Values(traitlets.Dict):
    """The ``values`` trait of an explorer: a dict; anything else is a ControlError (a ValueError)."""

    def error(self, obj, value, error=None, info=None):
        raise ControlError(f"{type(obj).__name__}: values: expected a dict of control values, got "
                           f"{type(value).__name__}")
