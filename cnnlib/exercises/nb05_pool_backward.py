"""Notebook 05's "Your turn", part 2: the learner writes max and average pooling's backward pass.

    my_maxpool_backward(dout, x, size, stride) -> dx
        dx[n, c, S·i + m*, S·j + q*] += dout[n, c, i, j],
        (m*, q*) = the first maximum of window (i, j) in row-major order (cnnlib's tie rule)

    my_avgpool_backward(dout, x_shape, size, stride) -> dx
        dx[n, c, S·i + m, S·j + q] += dout[n, c, i, j] / (k·k)   for 0 <= m, q < k

``x (N, C, H, W)``, a ``k x k`` window (``k = size``) moved by ``stride``,
``dout (N, C, H_out, W_out)`` with ``H_out = (H - k) // S + 1``. The hidden geometries
hold ties among positive values (two, three and four tied maxima), overlapping windows
(stride < size) where one unit wins several windows, strides that leave a row or a column
in no window, C > 1, N > 1 and non-square inputs.

The mistake models are built on cnnlib's pooling where they can be (its winners, its
average-pooling backward) and on a small loop over windows (``_route``) for the tie rules
cnnlib does not implement.
"""
import numpy as np

from ..pool import avgpool2d_backward, avgpool2d_forward, maxpool2d_backward, maxpool2d_forward
from .function_exercise import RAISES, Case, FunctionExercise, FunctionMistake, Output, Variants


def _max_reference(dout, x, size, stride):
    return maxpool2d_backward(dout, maxpool2d_forward(x, size, stride)[1])


def _avg_reference(dout, x_shape, size, stride):
    return avgpool2d_backward(dout, avgpool2d_forward(np.zeros(x_shape), size, stride)[1])


# ---------------------------------------------------------------- the mistakes' models

def _route(dout, x, size, stride, share, assign=None):
    """Each window's delta times ``share(window)`` (a ``k x k`` array of fractions), added into
    ``dx``; ``assign="winner"`` writes (``=``) the winner's entry instead, ``assign="window"``
    writes the whole window: the overwrite slips."""
    k, s = size, stride
    dx = np.zeros(x.shape)
    for n, c, i, j in np.ndindex(*dout.shape):
        rows, cols = slice(s * i, s * i + k), slice(s * j, s * j + k)
        part = share(x[n, c, rows, cols]) * dout[n, c, i, j]  # (k, k)
        if assign == "window":
            dx[n, c, rows, cols] = part
        elif assign == "winner":
            m, q = divmod(int(np.argmax(x[n, c, rows, cols])), k)
            dx[n, c, s * i + m, s * j + q] = dout[n, c, i, j]
        else:
            dx[n, c, rows, cols] += part
    return dx


def _first(win):
    return (np.arange(win.size) == np.argmax(win)).reshape(win.shape).astype(float)  # (k, k) one-hot


def _last(win):
    flat = win.ravel()
    last = flat.size - 1 - int(np.argmax(flat[::-1]))
    return (np.arange(win.size) == last).reshape(win.shape).astype(float)  # (k, k) one-hot


def _every(win):
    return (win == win.max()).astype(float)


def _split(win):
    return _every(win) / np.count_nonzero(win == win.max())


def _winners(x, size, stride):
    """cnnlib's winner of every window as (m*, q*) arrays of shape (N, C, H_out, W_out)."""
    argmax = maxpool2d_forward(x, size, stride)[1].argmax
    return divmod(argmax, size)


def _scatter(dout, x_shape, rows, cols):
    """``dx[n, c, rows, cols] += dout``, or RAISES when a target lies outside ``x``."""
    if (rows >= x_shape[2]).any() or (cols >= x_shape[3]).any():
        return RAISES
    dx = np.zeros(x_shape)
    n, c = np.indices(dout.shape)[:2]
    np.add.at(dx, (n, c, rows, cols), dout)
    return dx


def _origin_forgotten(dout, x, size, stride):
    m, q = _winners(x, size, stride)
    return _scatter(dout, x.shape, m, q)


def _unravel_with_stride(dout, x, size, stride):
    flat = maxpool2d_forward(x, size, stride)[1].argmax
    m, q = divmod(flat, stride)  # the slip: a window row is `size` long, not `stride`
    i, j = np.indices(dout.shape)[2:]
    in_x = _scatter(dout, x.shape, stride * i + m, stride * j + q)  # dx[n, c, S·i + m, S·j + q] += δ
    in_window = RAISES if (m >= size).any() or (q >= size).any() else in_x  # dx_window[m, q] += δ
    return Variants([in_x, in_window])


def _too_few_windows(reference):
    """The mistake's model for either exercise: only H // k x W // k windows visited."""
    def model(dout, x, size, stride):
        shape = x.shape if hasattr(x, "shape") else tuple(x)
        h, w = shape[2] // size, shape[3] // size
        if h > dout.shape[2] or w > dout.shape[3]:
            return RAISES  # dout[n, c, i, j] out of range
        visited = np.zeros(dout.shape)
        visited[:, :, :h, :w] = dout[:, :, :h, :w]
        return reference(visited, x, size, stride)
    return model


_TOO_FEW_WINDOWS = ("only H // k windows were visited along the rows (W // k along the columns), as if the "
                    "windows tiled the input: with stride S there are H_out = (H - k) // S + 1 of them "
                    "(dout.shape[2]), and likewise W_out.")

MAXPOOL_MISTAKES = [
    FunctionMistake("every_tied_max_gets_delta",
                    "every tied maximum got the whole δ: a window with k tied maxima then hands out k·δ, "
                    "but its shares must add up to δ. The convention (cnnlib, PyTorch): all of δ to one "
                    "winner, the first maximum in row-major order (np.argmax of the window).",
                    lambda dout, x, k, s: _route(dout, x, k, s, _every)),
    FunctionMistake("last_max_wins",
                    "on a tie the last maximum won: the convention is the first maximum in row-major "
                    "order (top row first, then left to right), what np.argmax returns; a comparison "
                    "with >= instead of > while scanning the window picks the last one.",
                    lambda dout, x, k, s: _route(dout, x, k, s, _last)),
    FunctionMistake("delta_split_among_ties",
                    "δ was split evenly among the tied maxima: that is a valid choice at the kink too, but "
                    "not the convention used here: all of δ goes to the first maximum in row-major order.",
                    lambda dout, x, k, s: _route(dout, x, k, s, _split)),
    FunctionMistake("overwrite_where_windows_overlap",
                    "where windows overlap (stride < size) a unit that wins several windows must receive "
                    "the sum of their deltas: add (+=) into dx, do not assign (=).",
                    lambda dout, x, k, s: Variants([_route(dout, x, k, s, _first, assign="winner"),
                                                    _route(dout, x, k, s, _first, assign="window")])),
    FunctionMistake("spread_as_average",
                    "δ was spread over the whole window as in average pooling: max pooling sends all of "
                    "it to the window's winning unit.",
                    lambda dout, x, k, s: avgpool2d_backward(dout, avgpool2d_forward(x, k, s)[1])),
    FunctionMistake("window_origin_forgotten",
                    "δ went to (m*, q*), the winner's place inside its window: add the window's corner, "
                    "dx[n, c, S·i + m*, S·j + q*].", _origin_forgotten),
    FunctionMistake("unravel_with_stride",
                    "the flat index of the window's maximum was split with divmod(index, stride): a "
                    "window row is size entries long, so m*, q* = divmod(index, size) "
                    "(or np.unravel_index(index, (size, size))).", _unravel_with_stride),
    FunctionMistake("too_few_windows", _TOO_FEW_WINDOWS, _too_few_windows(_max_reference)),
]


def _avg_overwrite(dout, x_shape, size, stride):
    dx = np.zeros(x_shape)
    for n, c, i, j in np.ndindex(*dout.shape):
        dx[n, c, stride * i:stride * i + size, stride * j:stride * j + size] = dout[n, c, i, j] / size ** 2
    return dx


def _repeat(dout, x_shape, size, stride):
    up = np.repeat(np.repeat(dout, size, axis=2), size, axis=3) / size ** 2  # (N, C, k·H_out, k·W_out)
    h, w = up.shape[2:]
    if h > x_shape[2] or w > x_shape[3]:
        placed = RAISES  # dx[:, :, :k·H_out, :k·W_out] = up does not fit into x's shape
    else:
        placed = np.zeros(x_shape)
        placed[:, :, :h, :w] = up
    return Variants([up, placed])


def _stride_as_size(dout, x_shape, size, stride):
    n, c, h, w = x_shape
    h_out, w_out = dout.shape[2:]
    canvas = np.zeros((n, c, max(h, size * h_out), max(w, size * w_out)))  # windows at k·i may stick out
    dx = avgpool2d_backward(dout, avgpool2d_forward(canvas[:, :, :size * h_out, :size * w_out], size)[1])
    canvas[:, :, :size * h_out, :size * w_out] = dx
    return canvas[:, :, :h, :w]  # what slicing dx[.., k·i:k·i + k, ..] keeps


AVGPOOL_MISTAKES = [
    FunctionMistake("forgot_one_over_kk",
                    "every entry of the window got the whole δ: the window's mean has slope 1/(k·k) in "
                    "each entry, so each gets δ / (k·k).",
                    lambda dout, xs, k, s: _avg_reference(dout, xs, k, s) * k * k),
    FunctionMistake("divided_by_k",
                    "δ was divided by k: a k x k window has k·k entries, each gets δ / (k·k).",
                    lambda dout, xs, k, s: _avg_reference(dout, xs, k, s) * k),
    FunctionMistake("overwrite_where_windows_overlap",
                    "where windows overlap (stride < size) an entry in several windows must receive the "
                    "sum of their shares: add (+=) into dx, do not assign (=).", _avg_overwrite),
    FunctionMistake("repeat_upsample",
                    "np.repeat (or np.kron) lays the windows side by side, k apart: right only when the "
                    "stride equals the size and the windows tile the input. Where windows overlap their "
                    "shares must add up, and rows or columns in no window get 0: loop over the windows "
                    "(or over the k·k offsets) and add.", _repeat),
    FunctionMistake("stride_taken_as_size",
                    "the windows were placed size apart: window (i, j) starts at row S·i, column S·j, "
                    "with S the stride.", _stride_as_size),
    FunctionMistake("too_few_windows", _TOO_FEW_WINDOWS, _too_few_windows(_avg_reference)),
]


# ------------------------------------------------------------------- the hidden data

GEOMETRIES = [  # (N, C, H, W), size, stride, label, what the max-pool data adds to it
    ((1, 1, 4, 4), 2, 2, "4x4, 2x2 windows, stride 2 (notebook 05 §2-3)", "ties of 2, 3 and 4 positive maxima"),
    ((2, 2, 7, 7), 3, 2, "2 images, C=2, 7x7, 3x3 windows, stride 2: overlapping windows", "ties"),
    ((1, 3, 6, 9), 2, 2, "C=3, 6x9, 2x2, stride 2: column 8 is in no window", "negative values too"),
    ((1, 2, 5, 6), 3, 1, "C=2, 5x6, 3x3 windows, stride 1: an entry lies in up to 9 windows", "ties"),
    ((2, 1, 8, 7), 3, 3, "2 images, 8x7, 3x3, stride 3: rows 6-7 and column 6 in no window", "ties"),
]

_TIES_4X4 = np.array([[2., 2., 1., 3.],
                      [2., 2., 3., 0.],
                      [0., 4., 1., 1.],
                      [1., 0., 1., 0.]])  # windows: a 4-way tie of 2, a 2-way tie of 3, a single 4, a 3-way tie of 1


def _deltas(rng, shape):
    return rng.choice([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0], size=shape)


def _pool_cases(seed):
    rng = np.random.default_rng(seed)
    cases = []
    for g, (shape, k, s, label, data) in enumerate(GEOMETRIES):
        low = -3 if g == 2 else 0
        x = rng.integers(low, 4, size=shape).astype(float)  # small integers: ties are common
        if g == 0:
            x[0, 0] = _TIES_4X4
        h_out, w_out = (shape[2] - k) // s + 1, (shape[3] - k) // s + 1
        dout = _deltas(rng, shape[:2] + (h_out, w_out))
        if g == 0:
            dout[0, 0] = [[2., -1.], [3., 1.]]
        cases.append((label, data, dout, x, k, s))
    return cases


def _maxpool_cases():
    return [Case(f"{label}; {data}", (dout, x, k, s)) for label, data, dout, x, k, s in _pool_cases(55)]


def _avgpool_cases():
    return [Case(label, (dout, x.shape, k, s)) for label, _, dout, x, k, s in _pool_cases(56)]


check_maxpool_backward = FunctionExercise(
    "my_maxpool_backward", ("dout", "x", "size", "stride"), [Output("dx", "n c u v", "N C H W")],
    reference=_max_reference, cases=_maxpool_cases, mistakes=MAXPOOL_MISTAKES,
    checker_name="check_maxpool_backward",
    equation="dx[n, c, S·i + m*, S·j + q*] += dout[n, c, i, j], (m*, q*) the first maximum of window (i, j)")

check_avgpool_backward = FunctionExercise(
    "my_avgpool_backward", ("dout", "x_shape", "size", "stride"), [Output("dx", "n c u v", "N C H W")],
    reference=_avg_reference, cases=_avgpool_cases, mistakes=AVGPOOL_MISTAKES,
    checker_name="check_avgpool_backward",
    equation="dx[n, c, S·i + m, S·j + q] += dout[n, c, i, j] / (k·k)")

CATALOGUE = {"check_maxpool_backward": MAXPOOL_MISTAKES, "check_avgpool_backward": AVGPOOL_MISTAKES}

HINTS = {
    "check_maxpool_backward": (
        "Notebook 05 §2 (each window's delta goes to its winning unit), §3 (a tie has one winner: "
        "the first maximum in row-major order) and §4 (a unit that wins several windows gets all "
        "their deltas).",
        "Window $(n, c, i, j)$ is `size` x `size` and starts at row $S i$, column $S j$ of `x`; "
        "`dout` has one entry per window. `np.argmax` of a window is the flat index of its first "
        "maximum; `np.unravel_index` (or `divmod` by the window's width) gives its row and column "
        "$(m^*, q^*)$ inside the window.",
        "Start from zeros of `x`'s shape. Loop over $n, c, i, j$; find the winner of window "
        "$(i, j)$; add `dout[n, c, i, j]` at the winner's place in `x` (the window's corner plus "
        "$(m^*, q^*)$). Add with `+=`: overlapping windows can share a winner.",
    ),
    "check_avgpool_backward": (
        "Notebook 05 §5: the mean of $k \\cdot k$ entries has the same slope in each of them.",
        "Each entry of window $(n, c, i, j)$ (rows $S i$ to $S i + k - 1$, likewise the columns) "
        "gets an equal share of `dout[n, c, i, j]`: which fraction? An entry in no window gets 0; "
        "an entry in several windows gets a share from each.",
        "Start from zeros of shape `x_shape`. Loop over $n, c, i, j$ and add (`+=`) the share to "
        "the whole window slice of the result at once.",
    ),
}
