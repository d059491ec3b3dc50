"""Tests of the diagnosis' pieces: cnnlib/exercises/evidence.py (relations between a wrong answer and
the right one), diagnosis.py (geometry features, named factors), experiment.py (a split checked by
changing one feature), and the checks beyond the hidden whole numbers (float32, non-whole data).

Each relation is found when it holds exactly and not found when it almost holds: a diagnosis says
only what the numbers show.
"""
import numpy as np
import pytest

from cnnlib.exercises import check_conv_forward_loops, check_maxpool_backward, check_relu_backward
from cnnlib.exercises.diagnosis import FEATURES, geometry, split_lines
from cnnlib.exercises.evidence import edge_region, masked, offset, relation, wrong_region
from cnnlib.exercises.experiment import confirm, flipped, make_args

RNG = np.random.default_rng(0)
RIGHT = RNG.integers(-5, 6, size=(2, 3, 4, 5)).astype(float) + 0.25


@pytest.mark.parametrize("given, kind, value", [
    (np.zeros_like(RIGHT), "zeros", None),
    (RIGHT.astype(np.float32).astype(float) + RIGHT * 1e-7, "float32", None),
    (3 * RIGHT, "multiple", 3.0),
    (-RIGHT, "multiple", -1.0),
    (np.flip(RIGHT, (2, 3)), "flip", (2, 3)),
    (np.floor(RIGHT), "rounded", "floor"),
    (np.repeat(RIGHT[:, :1], 3, axis=1), "same_along", 1),
])
def test_relations_are_found_when_they_hold_exactly(given, kind, value):
    rel = relation(given, RIGHT)
    assert rel is not None and rel.kind == kind and (value is None or rel.value == value), rel


def test_transpose_shift_rows_and_moved():
    square = RNG.integers(-5, 6, size=(5, 5)).astype(float) + 0.5
    assert relation(square.T, square).kind == "transpose"
    moved = np.zeros_like(square)
    moved[1:, 1:] = square[:-1, :-1]
    assert relation(moved, square) == ("shift", (1, 1))
    rows = square[:, ::-1].copy()
    rows[:, [0, 1]] = rows[:, [1, 0]]
    assert relation(rows, square).kind in ("rows", "flip")
    perm = square.ravel()[RNG.permutation(25)].reshape(5, 5)
    assert relation(perm, square).kind in ("moved", "rows", "columns")


def test_a_relation_that_almost_holds_is_not_said():
    almost = 3 * RIGHT
    almost[0, 0, 0, 0] += 1
    assert relation(almost, RIGHT) is None
    assert relation(RIGHT + 1e-3, RIGHT) is None               # not float32 rounding: too large


def test_offset_mask_and_regions():
    b = np.array([1.0, -2.0, 3.0])
    assert offset(RIGHT - 2 * b[None, :, None, None], RIGHT, {"b": b}) == [(-2.0, "b", 1)]
    z = RNG.integers(-2, 3, size=(4, 6)).astype(float)
    dout = RNG.choice([-2.0, 1.0, 3.0], size=(4, 6))
    assert masked(dout * np.sign(z), dout * (z > 0), {"z": z, "dout": dout}) == ("z", "< 0", "-dout")
    wrong = RIGHT.copy()
    wrong[1, 2] += 1                                             # one (n, c) map
    assert wrong_region(wrong, RIGHT, "n c u v").startswith("only at")
    edges = RIGHT[0, 0].copy()
    edges[0, :] = 0
    edges[:, 0] = 0
    assert edge_region(edges, RIGHT[0, 0], "u v") == "only at u = 0 and at v = 0"


def test_geometry_features_and_a_split_in_words():
    g = geometry(("x", "w", "b", "stride", "pad"), check_conv_forward_loops.cases[1].args)
    assert (g["N"], g["C"], g["F"], g["S"], g["P"], g["KH"], g["KW"]) == (2, 2, 3, 1, 1, 3, 3)
    pool = geometry(("dout", "x", "size", "stride"), check_maxpool_backward.cases[1].args)
    assert "F" not in pool and pool["pool"] and pool["C"] == 2
    geometries = [dict(P=0), dict(P=1), dict(P=0), dict(P=2)]
    (line,) = split_lines(geometries, [0, 2])
    assert "right on the 2 geometries with P = 0 and wrong on the 2 geometries with P > 0" in line
    refuted = split_lines(geometries, [0, 2], confirm=lambda label: (False, 0))
    assert refuted == []
    assert {f[2] for f in FEATURES} >= {"P = 0", "S = 1", "one image", "C = F = 1"}


def test_the_experiment_confirms_a_cause_and_refutes_a_coincidence():
    def forgets_padding(x, w, b, stride, pad):                  # wrong exactly when P > 0
        from cnnlib.conv import conv2d_forward_naive
        return conv2d_forward_naive(x, w, b, stride, 0)[0]
    ex = check_conv_forward_loops
    assert confirm(ex, forgets_padding, 0, "P = 0") is True     # geometry 0 has P = 0; P = 1 breaks it
    assert confirm(ex, forgets_padding, 0, "S = 1") is False    # S changed alone: still right
    g = geometry(ex.params, ex.cases[0].args)
    assert flipped("P = 0", g)["P"] == 1 and len(make_args(ex.params, flipped("P = 0", g))) == 5


def test_a_float32_result_and_a_slip_hidden_by_whole_numbers_are_not_correct():
    result = check_relu_backward(lambda dout, z: (dout * (z > 0)).astype(np.float32))
    assert result.status == "wrong" and "returns dz as float32" in " ".join(result.text.split())
    clipped = check_relu_backward(lambda dout, z: dout * np.clip(z, 0, 1))
    assert clipped.status == "wrong" and "numbers that are not whole" in clipped.text
    assert check_relu_backward(lambda dout, z: dout * (z > 0)).correct
