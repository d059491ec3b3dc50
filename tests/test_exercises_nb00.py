"""Tests of cnnlib/exercises/nb00_network_shapes.py: notebook 00's checker.

Pattern: the reference answer passes (returns True); each kind of wrong answer is
rejected with a message that says what is wrong (``match=``).
"""
import pytest

from cnnlib.exercises import (WrongAnswer, check_seed_network_shapes,
                              seed_network_shapes)


# ------------------------------------------------------ 00: the seed network


def test_seed_network_shapes_follow_seed_004():
    assert seed_network_shapes() == [(1, 1, 28, 28), (1, 3, 26, 26), (1, 3, 26, 26), (1, 3, 13, 13),
                                     (1, 10, 10, 10), (1, 10, 10, 10), (1, 10, 5, 5), (1, 10)]


def test_check_seed_network_shapes():
    assert check_seed_network_shapes(seed_network_shapes())
    wrong = seed_network_shapes()
    wrong[3] = (1, 3, 14, 14)
    with pytest.raises(WrongAnswer, match=r"pool1: expected \(1, 3, 13, 13\), given \(1, 3, 14, 14\)"):
        check_seed_network_shapes(wrong)
    with pytest.raises(WrongAnswer, match="expected 8 shapes"):
        check_seed_network_shapes(seed_network_shapes()[:5])
