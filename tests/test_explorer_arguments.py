"""The explorers' Python API gets the sliders' checks (issue 22): constructor keywords, every
control's ``.value``, ``set``, ``hold``, ``values`` and clicks. A bad value is a ValueError that
names the explorer, the control, what was expected and what was given, and the explorer keeps
working; unknown names are refused; sizes have an upper bound (the sliders').

The oracle of the property tests is the control's spec (its kind, min, max, options) and the
``.max`` a learner sees on the control, not the code under test's checks.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("anywidget")

from cnnlib import explorers as X  # noqa: E402

CLASSES = [X.GradientFlowExplorer, X.ConvArithmeticExplorer, X.PoolingExplorer, X.Im2rowExplorer]
FACTORIES = [X.gradient_flow_explorer, X.conv_arithmetic_explorer, X.pooling_explorer, X.im2row_explorer]

# any value a learner might type: ints near and far from every range, whole floats, bools,
# strings (numbers and words), None, containers, numpy scalars
VALUES = st.one_of(st.integers(-3, 14), st.integers(-10 ** 20, 10 ** 20), st.floats(allow_nan=True),
                   st.sampled_from([2.0, 3.0, True, False, None, "2", "max", "avg", "pixel", "full",
                                    "nope", [1], (1, 2), {}, np.int64(2), np.float64(2.0), np.bool_(True)]))


def _expected_ok(ex, spec, value):
    """Whether the browser's control could take ``value``: from the spec and the control's ``.max``."""
    if spec["kind"] == "toggle":
        options = [o[1] for o in spec["options"]]
        if isinstance(options[0], str):
            return isinstance(value, str) and value in options
        return type(value) in (int, np.int64) and value in options
    if type(value) not in (int, np.int64):   # never a bool, a float or a string
        return False
    return getattr(ex, spec["name"]).min <= value <= getattr(ex, spec["name"]).max


def _snapshot(ex):
    return dict(ex.values), ex.readout, [dict(p) for p in ex.panels]


# ------------------------------------------------------------------ the issue's examples

def test_the_issues_constructor_examples_are_clear_valueerrors():
    cases = [(lambda: X.gradient_flow_explorer(channels=3.0), r"GradientFlowExplorer: channels: expected one of "
              r"\[1, 3\], got 3.0"),
             (lambda: X.gradient_flow_explorer(seed=None), r"GradientFlowExplorer: seed: expected an int >= 0 "
              r"\(the numbers shown are drawn from it\), got None"),
             (lambda: X.PoolingExplorer(stride=0), r"PoolingExplorer: stride: expected an int in 1..4 \(the "
              r"slider's range\), got 0"),
             (lambda: X.ConvArithmeticExplorer(size=-5), r"ConvArithmeticExplorer: size: expected an int in "
              r"3..12 \(the slider's range\), got -5"),
             (lambda: X.GradientFlowExplorer(strides=1), r"GradientFlowExplorer: no keyword argument or control "
              r"named 'strides'; expected one of \['channel', 'channels', .*'stride', 'view'\]"),
             (lambda: X.GradientFlowExplorer(view="nope"), r"GradientFlowExplorer: view: expected one of "
              r"\['output', 'pixel', 'steps', 'full'\], got 'nope'")]
    for make, message in cases:
        with pytest.raises(ValueError, match=message):
            make()


def test_pad_40_is_refused_and_the_explorer_keeps_working():
    """It used to be accepted: every later change then failed until pad was set back."""
    ex = X.gradient_flow_explorer()
    before = _snapshot(ex)
    with pytest.raises(ValueError, match=r"GradientFlowExplorer: pad: expected an int in 0..2 \(the slider's "
                                         r"range\), got 40"):
        ex.pad.value = 40
    assert _snapshot(ex) == before and ex.pad.value == 0
    ex.stride.value = 1                              # a later change works
    assert ex.state.stride == 1 and ex.out_i.max == 4


def test_conv_arithmetic_size_has_the_sliders_upper_bound():
    """size 1000 took 2.5 s and 467 MB, 3,000 took 28 s and 3.4 GB: now refused at once."""
    ex = X.conv_arithmetic_explorer()
    for size in (13, 1000, 3000):
        with pytest.raises(ValueError, match=rf"size: expected an int in 3..12 \(the slider's range\), got {size}"):
            ex.size.value = size
    assert ex.size.value == 7
    for doc in (X.conv_arithmetic_explorer.__doc__, X.ConvArithmeticExplorer.__doc__):
        assert "input H 3..12" in " ".join(doc.split())
    with pytest.raises(ValueError, match=r"conv_arithmetic_state: size: expected an int in 1..64, got 1000"):
        X.conv_arithmetic_state(size=1000)


# ------------------------------------------------------------------ every control, any value

@pytest.fixture(scope="module")
def explorers():
    return {cls: cls() for cls in CLASSES}


@settings(max_examples=150)
@given(which=st.sampled_from(CLASSES), index=st.integers(0, 9), value=VALUES)
def test_any_value_on_any_control_is_taken_exactly_when_its_slider_could_take_it(explorers, which, index, value):
    ex = explorers[which]
    spec = ex.CONTROLS[index % len(ex.CONTROLS)]
    control = getattr(ex, spec["name"])
    ok = _expected_ok(ex, spec, value)
    before = _snapshot(ex)
    if ok:
        control.value = value
        assert control.value == value and type(control.value) in (int, str)
        assert ex.state is not None and ex.readout
    else:
        with pytest.raises(ValueError, match=rf"^{which.__name__}: {spec['name']}: expected "):
            control.value = value
        assert _snapshot(ex) == before                # refused: nothing changed
    # and the explorer still works: move a geometry control to its minimum and back
    geometry = next(s for s in ex.CONTROLS if s["name"] in ex.GEOMETRY)
    old = ex.values[geometry["name"]]
    ex.set(**{geometry["name"]: geometry["min"]})
    ex.set(**{geometry["name"]: old})


@settings(max_examples=80)
@given(which=st.sampled_from(CLASSES), index=st.integers(0, 9), value=VALUES)
def test_any_constructor_keyword_value_is_taken_exactly_when_its_slider_could_take_it(explorers, which, index,
                                                                                       value):
    reference = explorers[which]
    spec = reference.CONTROLS[index % len(reference.CONTROLS)]
    fresh = which()
    ok = _expected_ok(fresh, spec, value)   # the control's range with the default geometry
    if ok:
        assert which(**{spec["name"]: value}).values[spec["name"]] == value
    else:
        with pytest.raises(ValueError, match=rf"^{which.__name__}: {spec['name']}: expected "):
            which(**{spec["name"]: value})


@settings(max_examples=40)
@given(name=st.text(min_size=1, max_size=12))
def test_unknown_names_are_refused_by_every_constructor_factory_and_set(name):
    for cls, factory in zip(CLASSES, FACTORIES):
        known = {s["name"] for s in cls.CONTROLS} | set(cls.ARGUMENTS)
        if name in known:
            continue
        for call in (lambda: cls(**{name: 1}), lambda: factory(**{name: 1}), lambda: cls().set(**{name: 1})):
            with pytest.raises(ValueError, match=rf"^{cls.__name__}: no (keyword argument or )?control named "):
                call()


@pytest.mark.parametrize("factory", FACTORIES, ids=lambda f: f.__name__)
def test_the_factories_take_starting_values(factory):
    spec = next(s for s in factory().CONTROLS if s["kind"] == "slider")
    assert factory(**{spec["name"]: spec["min"]}).values[spec["name"]] == spec["min"]


@pytest.mark.parametrize("cls", [X.GradientFlowExplorer, X.PoolingExplorer, X.Im2rowExplorer])
@pytest.mark.parametrize("seed", [None, -1, 1.0, "0", True, [0]])
def test_a_seed_is_an_int_at_least_0(cls, seed):
    with pytest.raises(ValueError, match=rf"{cls.__name__}: seed: expected an int >= 0"):
        cls(seed=seed)
    assert cls(seed=np.int64(4)).seed == 4


@pytest.mark.parametrize("channels", [0, 2, 4, 3.0, True, "3", None])
def test_channels_is_1_or_3(channels):
    with pytest.raises(ValueError, match=r"channels: expected one of \[1, 3\], got "):
        X.GradientFlowExplorer(channels=channels)


# ------------------------------------------------------------------ positions, hold, values, the browser

def test_a_position_set_explicitly_must_be_in_its_range_one_a_geometry_change_leaves_out_is_moved():
    ex = X.GradientFlowExplorer()
    with pytest.raises(ValueError, match=r"out_i: expected an int in 0..2 \(the slider's range for stride 2, "
                                         r"pad 0, kernel_size 3\), got 3"):
        ex.out_i.value = 3
    ex.set(stride=1, out_i=4)                       # checked in the new geometry: 5x5 outputs
    assert ex.out_i.value == 4
    ex.stride.value = 3                             # the geometry shrinks: moved to the end, as the browser does
    assert ex.out_i.value == 1
    with pytest.raises(ValueError, match=r"step: expected an int in 0..4 .*got 5"):
        ex.step.value = 5


def test_hold_checks_each_value_at_its_line_and_positions_at_the_end():
    ex = X.ConvArithmeticExplorer()
    before = _snapshot(ex)
    with pytest.raises(ValueError, match=r"stride: expected an int in 1..4 \(the slider's range\), got 2.0"):
        with ex.hold():
            ex.size.value = 12
            ex.stride.value = 2.0
    assert _snapshot(ex) == before                  # nothing of the block was applied
    with ex.hold():
        ex.out_i.value = 4                          # out of range now (0..2), in range at the end
        ex.size.value = 12
    assert ex.values["out_i"] == 4
    with pytest.raises(ValueError, match=r"out_i: expected an int in 0..4 .*got 9"):
        with ex.hold():
            ex.out_i.value = 9
    assert ex.values["out_i"] == 4


def test_a_nested_hold_keeps_the_outer_blocks_changes():
    ex = X.GradientFlowExplorer()
    with ex.hold():
        ex.stride.value = 1
        with ex.hold():
            ex.pad.value = 1
        ex.out_i.value = 6
    assert (ex.state.stride, ex.state.pad, ex.state.out_pos[0]) == (1, 1, 6)


def test_assigning_values_directly_is_checked_and_a_refused_one_changes_nothing():
    ex = X.PoolingExplorer()
    before = _snapshot(ex)
    for bad, message in (({**ex.values, "size": 9}, r"size: expected an int in 2..4"),
                         ({**ex.values, "mode": "min"}, r"mode: expected one of \['max', 'avg'\]"),
                         ({**ex.values, "colour": 1}, r"no control named 'colour'"),
                         ([1, 2], r"values: expected a dict of control values, got list")):
        with pytest.raises(ValueError, match=message):
            ex.values = bad
        assert _snapshot(ex) == before
    ex.values = {**ex.values, "stride": 4, "out_i": 2}   # the browser's way: a position out of range is moved
    assert ex.values["out_i"] == 1


def test_a_bad_state_from_the_browser_is_rolled_back():
    """ipywidgets applies the browser's state inside hold_trait_notifications: our refusal is also a
    TraitError, so traitlets puts the old values back (a plain ValueError would have left them)."""
    ex = X.GradientFlowExplorer()
    before = _snapshot(ex)
    with pytest.raises(ValueError, match=r"pad: expected an int in 0..2"):
        ex.set_state({"values": {**ex.values, "pad": 40}})
    assert _snapshot(ex) == before
    ex.set_state({"values": {**ex.values, "pad": 1}})
    assert ex.state.pad == 1


def test_clicks_outside_a_grid_are_refused_not_wrapped_around():
    ex = X.GradientFlowExplorer()
    assert ex.click("delta", 2, 2) == {"view": "output", "out_i": 2, "out_j": 2}
    for args, message in ((("nope", 0, 0), r"panel: expected one of \['x', 'w', 'delta'"),
                          ((9, 0, 0), r"panel: expected one of .* or an index 0..4, got 9"),
                          (("delta", -1, 0), r"row: expected a cell of panel 'delta', 0..2, got -1"),
                          (("delta", 0, 3), r"col: expected a cell of panel 'delta', 0..2, got 3"),
                          (("delta", 1.0, 0), r"row: expected a cell of panel 'delta', 0..2, got 1.0")):
        with pytest.raises(ValueError, match=message):
            ex.click(*args)
    assert ex.values["out_i"] == 2


# ------------------------------------------------------------------ the state functions

@pytest.mark.parametrize("call, message", [
    (lambda: X.gradient_flow_state(stride=2.0), r"gradient_flow_state: stride: expected an int in 1..3, got 2.0"),
    (lambda: X.gradient_flow_state(pad=3), r"gradient_flow_state: pad: expected an int in 0..2, got 3"),
    (lambda: X.gradient_flow_state(seed=None), r"gradient_flow_state: seed: expected an int >= 0"),
    (lambda: X.gradient_flow_state(pixel="a"), r"gradient_flow_state: pixel: expected a pair of ints"),
    (lambda: X.gradient_flow_state(step=1.5), r"gradient_flow_state: step: expected an int, got 1.5"),
    (lambda: X.gradient_flow_layer(kernel_size=5), r"gradient_flow_layer: kernel_size: expected an int in 2..4"),
    (lambda: X.gradient_flow_layer(channels=100), r"gradient_flow_layer: channels: expected an int in 1..8"),
    (lambda: X.pooling_layer(seed=None), r"pooling_layer: seed: expected an int >= 0"),
    (lambda: X.pooling_state(stride=0), r"pooling_layer: stride: expected an int in 1..7, got 0"),
    (lambda: X.pooling_state(mode=["max"]), r"mode: expected 'max' or 'avg', got \['max'\]"),
    (lambda: X.pooling_state(out_pos=(0, None)), r"pooling_state: out_pos: expected a pair of ints"),
    (lambda: X.im2row_state(pad=-1), r"gradient_flow_layer: pad: expected an int in 0..2, got -1"),
    (lambda: X.im2row_state(out_pos=3), r"im2row_state: out_pos: expected a pair of ints"),
    (lambda: X.conv_arithmetic_state(kernel_size=0), r"conv_arithmetic_state: kernel_size: expected an int in 1..64"),
    (lambda: X.conv_arithmetic_state(pad=-1), r"conv_arithmetic_state: pad: expected an int in 0..64, got -1"),
])
def test_the_state_functions_check_their_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_state_functions_still_clip_positions_as_documented():
    assert X.gradient_flow_state(out_pos=(9, -3), pixel=(99, 99), step=99).out_pos == (2, 0)
    assert X.conv_arithmetic_state(out_pos=(50, 50)).out_pos == (2, 2)
