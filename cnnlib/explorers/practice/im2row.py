"""Practice questions of the im2row explorer (the 7x7 input, one channel; K 2-4, S 1-3, P 0-1).

Positions are found in ``im2row`` of an index image (pixel k of the padded input holds
k + 1, so every entry of R says which pixel it copied):

- ``row``: "which row of R = im2row(x) holds the window of output (i, j)?" (a number).
  Mistakes: the outputs taken column by column (the row of output (j, i)), the input's
  width for the output's (the flat index of (i, j) in rows 7 wide), the padded input's width
  (rows 7 + 2P wide), counting from 1.
- ``column``: "which column of R meets w[m, q] in R @ w.ravel()?" (a number). Mistakes: the
  window read column by column (the column of entry (q, m)), the pixel's own index in the
  padded input (the value R holds there, minus 1), counting from 1.
- ``entries``: "click every entry of R that holds x[u, v]" (cells of R, at most 16 rows and
  9 columns). Right: the nonzero entries of ``im2row`` of the one-hot image. Mistakes: only
  one entry, the stride ignored (``im2row`` with S = 1), the padding ignored (P = 0, the 2P
  zero rows and columns all after x), the
  windows read column by column (``im2row`` of the transposed image); outputs of an altered
  layer that the real R does not have are dropped (the learner clicks in the real R).
"""
import itertools

import numpy as np

from ...conv import conv_output_shape
from ...correlate import pad2d
from ...im2row import im2row
from .._panels import GREEN, ORANGE, grid
from ._question import Mistake, Question, check_kind, pick

NAME = "im2row explorer"
M = [
    Mistake("row_transposed", "the outputs taken column by column",
            "R's rows go through the outputs row by row: (0, 0), (0, 1), …, then the next "
            "output row, so row r = i·W_out + j."),
    Mistake("row_input_width", "the input's width",
            "R has one row per output, not per pixel: a row of outputs has W_out entries, so "
            "r = i·W_out + j."),
    Mistake("row_padded_width", "the padded input's width",
            "R has one row per output: a row of outputs has W_out entries, so r = i·W_out + j."),
    Mistake("row_one_based", "counting from 1",
            "rows are numbered from 0, like every index in numpy: output (0, 0) is row 0."),
    Mistake("column_transposed", "the window read column by column",
            "a window is copied row by row, like w.ravel(): entry (m, q) is column m·K + q."),
    Mistake("column_pixel_index", "the pixel's index in the input",
            "R's columns go through the K·K entries of the window, not through the pixels of x: "
            "entry (m, q) is column m·K + q in every row."),
    Mistake("column_one_based", "counting from 1",
            "columns are numbered from 0: entry (0, 0) is column 0."),
    Mistake("entries_one", "only one entry",
            "x[u, v] lies in several windows: it is copied into the row of each of them."),
    Mistake("entries_stride_ignored", "the stride ignored",
            "output (i, j)'s window starts at row S·i − P and column S·j − P: the windows move "
            "S pixels at a time."),
    Mistake("entries_padding_ignored", "the padding ignored",
            "with padding P, output (i, j)'s window starts at row S·i − P of x (the padding is "
            "part of the windows)."),
    Mistake("entries_transposed", "the window read column by column",
            "each row copies its window row by row: the pixel at (m, q) of the window goes to "
            "column m·K + q."),
]
MISTAKES = {m.key: m for m in M}
GEOMETRIES = list(itertools.product((2, 3, 4), (1, 2, 3), (0, 1)))   # (K, S, P)


def _out(k, s, p, size=7):
    return conv_output_shape((1, 1, size, size), (1, 1, k, k), s, p)[2]


def _indexed(k, s, p):
    """``im2row`` of the padded index image (pixel n of the padded input holds n + 1) with no
    padding, the same windows as (S, P) on the input: every entry names the pixel it copied."""
    hp = 7 + 2 * p
    index = np.arange(1.0, hp * hp + 1).reshape(1, 1, hp, hp)
    return im2row(index, k, k, s, 0)     # (H_out*W_out, K*K)


def _row_of(k, s, p, i, j):
    """The row of R that holds output (i, j)'s window, found in ``im2row`` of the index image."""
    rows = _indexed(k, s, p)
    hp = 7 + 2 * p
    window = np.arange(1.0, hp * hp + 1).reshape(hp, hp)[s * i:s * i + k, s * j:s * j + k].ravel()
    return int(np.nonzero((rows == window).all(axis=1))[0][0])


def _column_of(k, s, p, m, q):
    """The column of R holding entry (m, q) of each window: where row 0 holds pixel (m, q)."""
    hp = 7 + 2 * p
    return int(np.nonzero(_indexed(k, s, p)[0] == m * hp + q + 1)[0][0])


def _explore(k, s, p, i=0, j=0):
    return {"mode": "forward", "kernel_size": k, "stride": s, "pad": p, "out_i": i, "out_j": j}


def _words(k, s, p):
    return f"Kernel K = {k}, stride S = {s}, padding P = {p} on the 7×7 input."


def row(k, s, p, i, j):
    n = _out(k, s, p)
    right = _row_of(k, s, p, i, j)
    mistakes = {"row_one_based": [right + 1]}
    if i != j:
        mistakes["row_transposed"] = [_row_of(k, s, p, j, i)]
    if n != 7:   # the flat index of (i, j) in rows as wide as x, or as the padded x
        mistakes["row_input_width"] = [int(np.ravel_multi_index((i, j), (n, 7)))]
    if p and n != 7 + 2 * p:
        mistakes["row_padded_width"] = [int(np.ravel_multi_index((i, j), (n, 7 + 2 * p)))]
    why = (f"R has one row per output, in row-major order: row r = i·W_out + j = {i}·{n} + {j} = "
           f"<b>{right}</b>.")
    how = (f"R has one row per output, H_out·W_out = {n * n} here, in a fixed order of the "
           f"outputs (0, 0), (0, 1), …; count the outputs that come before ({i}, {j}).")
    xp = pad2d(np.zeros((1, 1, 7, 7)), p)[0, 0]
    panels = [grid("x", xp, "input x", signed=False, blank_zeros=True, vmin=0, vmax=1, pad=p,
                   origin=(-p, -p), boxes=[(s * i, s * j, k, k, ORANGE)]),
              grid("out", np.zeros((n, n)), "outputs", signed=False, blank_zeros=True,
                   boxes=[(i, j, 1, 1, ORANGE)])]
    text = f"{_words(k, s, p)} Which row of R = im2row(x) holds the window of output ({i}, {j})?"
    return Question("row", {"kernel_size": k, "stride": s, "pad": p, "i": i, "j": j}, text, "number",
                    right, mistakes, why, {"text": how}, panels, explore=_explore(k, s, p, i, j))


def column(k, s, p, m, q):
    right = _column_of(k, s, p, m, q)
    mistakes = {"column_one_based": [right + 1],
                "column_pixel_index": [int(_indexed(k, s, p)[0, right]) - 1]}
    if m != q:
        mistakes["column_transposed"] = [_column_of(k, s, p, q, m)]
    why = (f"Each row of R is its window read row by row, like w.ravel(): entry (m, q) is column "
           f"m·K + q = {m}·{k} + {q} = <b>{right}</b>.")
    how = (f"Each row of R is one K×K window laid out in a line, in the order of w.ravel(); "
           f"K = {k} entries per row of the window.")
    panels = [grid("w", np.zeros((k, k)), "kernel w", signed=False, blank_zeros=True,
                   boxes=[(m, q, 1, 1, ORANGE)])]
    text = (f"{_words(k, s, p)} In R @ w.ravel(), which column of R = im2row(x) is multiplied by "
            f"w[{m}, {q}]?")
    return Question("column", {"kernel_size": k, "stride": s, "pad": p, "m": m, "q": q}, text, "number",
                    right, mistakes, why, {"text": how}, panels, explore=_explore(k, s, p))


def _entries(onehot, k, s, p, n, transposed=False):
    """Flat indices (in the real R: n·n rows, K·K columns) of the nonzero entries of
    ``im2row(onehot, K, K, s, p)``; outputs outside the real n x n grid dropped."""
    rows = im2row(onehot, k, k, s, p)
    n_alt = (onehot.shape[2] + 2 * p - k) // s + 1
    out = set()
    for r, c in zip(*np.nonzero(rows)):
        i, j = divmod(int(r), n_alt)
        if transposed:   # the transposed image's output (i, j), entry (m, q) is output (j, i),
            i, j = j, i  # entry (q, m) of x: here at column m·K + q of output (j, i)'s row
        if i < n and j < n:
            out.add((i * n + j) * k * k + int(c))
    return tuple(sorted(out))


def entries(k, s, p, u, v):
    n = _out(k, s, p)
    onehot = np.zeros((1, 1, 7, 7))
    onehot[0, 0, u, v] = 1.0
    right = _entries(onehot, k, s, p, n)
    mistakes = {}
    if len(right) > 1:
        mistakes["entries_one"] = [(e,) for e in right]
    if s > 1:   # (an altered layer whose copies all fall outside the real R: not asked)
        mistakes["entries_stride_ignored"] = [a for a in [_entries(onehot, k, 1, p, n)] if a]
    if p:
        low = np.pad(onehot, ((0, 0), (0, 0), (0, 2 * p), (0, 2 * p)))   # windows from row 0 of x
        mistakes["entries_padding_ignored"] = [a for a in [_entries(low, k, s, 0, n)] if a]
    if any((e % (k * k)) // k != e % k for e in right):
        mistakes["entries_transposed"] = [_entries(onehot.transpose(0, 1, 3, 2), k, s, p, n, True)]
    outputs = [f"({i}, {j})" for i in range(n) for j in range(n)]
    kernel = [f"({m}, {q})" for m in range(k) for q in range(k)]
    pointer = {"extra": [f"R[{{r}}, {{c}}] copies entry {{C}} of output {{R}}'s window, which is "
                         f"not x[{u}, {v}]."],
               "at": [-1 if e in right else 0 for e in range(n * n * k * k)], "R": outputs, "C": kernel,
               "missing": (f"An entry holding x[{u}, {v}] is not picked: x[{u}, {v}] is copied into "
                           f"the row of every window that holds it, at the column of the kernel "
                           f"entry it meets there.")}
    found = [(e // (k * k), e % (k * k)) for e in right]
    why = (f"x[{u}, {v}] is copied {len(found)} time{'s' if len(found) != 1 else ''}: "
           + "; ".join(f"R[{r}, {c}] (output {outputs[r]}, entry {kernel[c]})" for r, c in found) + "."
           if found else f"No window reads x[{u}, {v}]: R holds no copy of it.")
    xp = pad2d(np.zeros((1, 1, 7, 7)), p)[0, 0]
    panels = [grid("x", xp, "input x", signed=False, blank_zeros=True, vmin=0, vmax=1, pad=p,
                   origin=(-p, -p), boxes=[(u + p, v + p, 1, 1, GREEN)]),
              grid("rows", np.zeros((n * n, k * k)), f"R = im2row(x): {n * n}×{k * k}, click",
                   signed=False, blank_zeros=True)]
    text = f"{_words(k, s, p)} Click every entry of R = im2row(x) that holds a copy of x[{u}, {v}]."
    return Question("entries", {"kernel_size": k, "stride": s, "pad": p, "u": u, "v": v}, text, "cells",
                    right, mistakes, why, pointer, panels, target=1, explore=_explore(k, s, p))


ASK = {"row": row, "column": column, "entries": entries}


def ask(kind, setting):
    check_kind(kind, ASK, NAME)
    s = setting
    a, b = {"row": ("i", "j"), "column": ("m", "q"), "entries": ("u", "v")}[kind]
    return ASK[kind](s["kernel_size"], s["stride"], s["pad"], s[a], s[b])


def candidates(kind):
    """Every position of every geometry; ``entries`` where R has at most 16 rows and 9
    columns (every entry drawn, on a phone too)."""
    for k, s, p in GEOMETRIES:
        n = _out(k, s, p)
        if kind == "row":
            ranges = (range(n), range(n))
        elif kind == "column":
            ranges = (range(k), range(k))
        elif n * n <= 16 and k <= 3:
            ranges = (range(7), range(7))
        else:
            continue
        names = {"row": ("i", "j"), "column": ("m", "q"), "entries": ("u", "v")}[kind]
        for a, b in itertools.product(*ranges):
            yield {"kernel_size": k, "stride": s, "pad": p, names[0]: a, names[1]: b}


COUNT = {"row": 20, "column": 16, "entries": 20}


def questions(seed=0):
    out = []
    for n, kind in enumerate(ASK):
        out += pick(list(candidates(kind)), lambda s, kind=kind: ask(kind, s), COUNT[kind],
                    np.random.default_rng([seed, n]), lambda s: (s["kernel_size"], s["stride"], s["pad"]))
    return out
