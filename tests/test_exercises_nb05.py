"""Tests of notebook 05's checkers (cnnlib/exercises/nb05_*.py) beyond the generic catalogue test.

tests/test_mistake_catalogue.py proves that every catalogued mistake is named exactly by its
mutant; here: the exercise data really holds what the mistakes need (counted with plain loops,
not with cnnlib's pooling), the checkers leave their inputs alone and reject bad input, the
other ways of writing a mistake (the Variants) are named too, and the notes in the docstrings
hold (a mask on the output a > 0 is right).
"""
import numpy as np
import pytest

from cnnlib.exercises import (WrongAnswer, check_avgpool_backward, check_conv_relu_pool_dw, check_maxpool_backward,
                              check_relu_backward, conv_relu_pool_exercise_data)
from cnnlib.exercises.nb05_relu_pooling import CATALOGUE


def _z_of(x, w, b):
    """z = x ⋆ w + b by the explicit sum (one channel, stride 1)."""
    kh, kw = w.shape
    h, w_in = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    return np.array([[np.sum(x[i:i + kh, j:j + kw] * w) + b for j in range(w_in)] for i in range(h)])


def _window_list(a, k, s):
    """Every pooling window of a 2-D array as ((i, j), window), by slicing."""
    h_out, w_out = (a.shape[0] - k) // s + 1, (a.shape[1] - k) // s + 1
    return [((i, j), a[s * i:s * i + k, s * j:s * j + k]) for i in range(h_out) for j in range(w_out)]


# ------------------------------------------------------------- check yourself: the chain

def test_the_chain_data_holds_a_positive_tie_a_zero_winner_and_a_stopped_delta():
    x, w, b, delta_p = conv_relu_pool_exercise_data()
    z = _z_of(x, w, b)
    a = np.maximum(z, 0)
    windows = dict(_window_list(a, 2, 2))
    z_windows = dict(_window_list(z, 2, 2))
    positive_ties = [ij for ij, win in windows.items() if win.max() > 0 and np.sum(win == win.max()) > 1]
    assert positive_ties and all(delta_p[ij] != 0 for ij in positive_ties)
    # a window that is all <= 0 whose first entry (the winner of its tie of zeros) has z = 0 exactly
    assert any(np.all(zw <= 0) and zw[0, 0] == 0 and delta_p[ij] != 0 for ij, zw in z_windows.items())
    # a window whose winner has z < 0: the ReLU mask stops its delta
    assert any(zw.ravel()[np.argmax(windows[ij].ravel())] < 0 for ij, zw in z_windows.items())


def test_the_chain_checker_accepts_the_right_answer_and_leaves_its_inputs_alone():
    x, w, b, delta_p = conv_relu_pool_exercise_data()
    z = _z_of(x, w, b)
    delta_a = np.zeros_like(z)
    for (i, j), win in _window_list(np.maximum(z, 0), 2, 2):
        m, q = divmod(int(np.argmax(win)), 2)
        delta_a[2 * i + m, 2 * j + q] = delta_p[i, j]
    delta_z = delta_a * (z > 0)
    dw = np.array([[np.sum(delta_z * x[m:m + 4, q:q + 4]) for q in range(2)] for m in range(2)])
    copies = [v.copy() for v in (x, w, delta_p)]
    assert check_conv_relu_pool_dw(dw, x, w, b, delta_p)
    assert check_conv_relu_pool_dw(dw.tolist(), x, w, b, delta_p).text.startswith("Correct")
    assert all(np.array_equal(c, v) for c, v in zip(copies, (x, w, delta_p)))


def test_the_chain_checker_does_not_give_the_answer_away_and_rejects_bad_input():
    x, w, b, delta_p = conv_relu_pool_exercise_data()
    with pytest.raises(WrongAnswer) as info:
        check_conv_relu_pool_dw(np.zeros((2, 2)), x, w, b, delta_p, strict=True)
    assert "expected" not in str(info.value) and info.value.mistakes == ()
    with pytest.raises(WrongAnswer, match=r"wrong shape: expected \(2, 2\), given \(3, 3\)"):
        check_conv_relu_pool_dw(np.zeros((3, 3)), x, w, b, delta_p, strict=True)
    assert "Not answered yet" in check_conv_relu_pool_dw(None, x, w, b, delta_p).text
    with pytest.raises(ValueError, match="2-D"):
        check_conv_relu_pool_dw(np.zeros((2, 2)), x[None], w, b, delta_p)
    with pytest.raises(ValueError, match="dout"):
        check_conv_relu_pool_dw(np.zeros((2, 2)), x, w, b, np.zeros((3, 3)))


# ------------------------------------------------------------------ Your turn: ReLU

def test_relu_a_mask_on_the_output_is_the_same_mask_and_is_accepted():
    assert check_relu_backward(lambda dout, z: dout * (np.maximum(z, 0) > 0)).correct is True
    assert check_relu_backward(lambda dout, z: np.where(z > 0, dout, 0)).correct is True


def test_relu_data_has_exact_zeros_and_both_signs():
    for k in range(len(check_relu_backward.cases)):
        dout, z = check_relu_backward.case(k).values()
        assert np.any(z == 0) and np.any(z > 1) and np.any(z < 0)
        assert np.any(dout[z > 0] < 0) and np.all(dout != 0)


def test_relu_changing_dout_in_place_is_rejected():
    def in_place(dout, z):
        dout[z <= 0] = 0
        return dout
    with pytest.raises(WrongAnswer, match="changed its input dout in place"):
        check_relu_backward(in_place, strict=True)


# ---------------------------------------------------------------- Your turn: pooling

def test_maxpool_data_holds_positive_ties_and_units_that_win_several_windows():
    overlapping_winners = 0
    for k in range(len(check_maxpool_backward.cases)):
        dout, x, size, stride = check_maxpool_backward.case(k).values()
        ties = 0
        for n, c in np.ndindex(*x.shape[:2]):
            wins = {}
            for (i, j), win in _window_list(x[n, c], size, stride):
                top = win.max()
                ties += top > 0 and np.sum(win == top) > 1
                m, q = divmod(int(np.argmax(win)), size)
                wins.setdefault((stride * i + m, stride * j + q), []).append(dout[n, c, i, j])
            overlapping_winners += sum(len(set(d)) > 1 for d in wins.values())
        assert ties >= 1, f"geometry {k} has no tie among positive values"
    assert overlapping_winners >= 2


def test_maxpool_overwriting_the_whole_window_is_named_too():
    def window_assign(dout, x, size, stride):
        dx = np.zeros(x.shape)
        for n, c, i, j in np.ndindex(*dout.shape):
            win = x[n, c, stride * i:stride * i + size, stride * j:stride * j + size]
            one_hot = np.zeros(win.shape)
            one_hot[np.unravel_index(np.argmax(win), win.shape)] = 1
            dx[n, c, stride * i:stride * i + size, stride * j:stride * j + size] = one_hot * dout[n, c, i, j]
        return dx
    with pytest.raises(WrongAnswer) as info:
        check_maxpool_backward(window_assign, strict=True)
    assert info.value.mistakes == ("overwrite_where_windows_overlap",)


def test_maxpool_unravel_with_stride_inside_the_window_is_named_too():
    def local(dout, x, size, stride):
        dx = np.zeros(x.shape)
        for n, c, i, j in np.ndindex(*dout.shape):
            rows, cols = slice(stride * i, stride * i + size), slice(stride * j, stride * j + size)
            m, q = divmod(int(np.argmax(x[n, c, rows, cols])), stride)
            dx[n, c, rows, cols][m, q] += dout[n, c, i, j]   # the window of dx, a view
        return dx
    with pytest.raises(WrongAnswer) as info:
        check_maxpool_backward(local, strict=True)
    assert info.value.mistakes == ("unravel_with_stride",)


def test_avgpool_repeat_placed_into_x_is_named_too():
    def placed(dout, x_shape, size, stride):
        up = np.repeat(np.repeat(dout, size, axis=2), size, axis=3) / size ** 2
        dx = np.zeros(x_shape)
        dx[:, :, :up.shape[2], :up.shape[3]] = up
        return dx
    with pytest.raises(WrongAnswer) as info:
        check_avgpool_backward(placed, strict=True)
    assert info.value.mistakes == ("repeat_upsample",)


def test_the_catalogue_of_notebook_05():
    assert sorted(CATALOGUE) == ["check_avgpool_backward", "check_conv_relu_pool_dw", "check_maxpool_backward",
                                 "check_relu_backward"]
    keys = {k: {m.key for m in v} for k, v in CATALOGUE.items()}
    assert {"every_tied_max_gets_delta", "last_max_wins", "delta_split_among_ties",
            "overwrite_where_windows_overlap"} <= keys["check_maxpool_backward"]
    assert {"forgot_one_over_kk", "divided_by_k"} <= keys["check_avgpool_backward"]
    assert {"mask_ge_zero", "mask_from_deltas", "times_output"} <= keys["check_relu_backward"]
    assert sum(len(v) for v in CATALOGUE.values()) == 29


def test_every_checker_of_notebook_05_has_hints_in_levels_that_start_at_a_section():
    from cnnlib.exercises.nb05_relu_pooling import HINTS
    assert sorted(HINTS) == sorted(CATALOGUE)
    for name, levels in HINTS.items():
        assert 2 <= len(levels) <= 4 and all(isinstance(h, str) and h for h in levels), name
        assert levels[0].startswith("Notebook 05 §"), name
