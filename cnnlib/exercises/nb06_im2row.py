"""Checkers of notebook 06 (im2row).

- ``check_conv_backward_matrices``: ∂E/∂w and ∂E/∂x of a conv layer as matrix products, on the
  notebook's data ``conv_backward_matrices_exercise_data()``; both are judged and reported;
- ``check_im2row``, ``check_row2im``: the "Your turn" pair (``nb06_im2row_pair``); ``adjoint_test``
  runs the dot-product test on it;
- ``row2im_overwrite``: the typical bug of a hand-written row2im, kept on purpose (``nb06_overwrite``).

``CATALOGUE`` lists the typical mistakes of the three checkers, ``HINTS`` their hints, in levels.
"""
import numpy as np

from ..conv import conv2d_backward_naive, conv2d_forward_naive
from ..im2row import im2row, row2im
from .compare import Mistake, WrongAnswer, as_answer_array, compare_answer
from .display import table
from .decode import dw_sources, dx_sources
from .learner_call import call
from .result import CheckResult, checker
from .nb06_im2row_pair import CATALOGUE as _PAIR_CATALOGUE
from .nb06_im2row_pair import HINTS as _PAIR_HINTS
from .nb06_im2row_pair import (GEOMETRIES, check_im2row, check_row2im, columns_from_mqc, columns_mqc,
                               rows_from_ji, rows_ji)
from .nb06_overwrite import row2im_overwrite, row2im_overwrite_by_offset


def conv_backward_matrices_exercise_data():
    """Notebook 06's exercise: ``x (2, 3, 6, 6)``, ``w (4, 3, 3, 3)``, ``dout (2, 4, 6, 6)``, stride 1,
    padding 1: a batch, padding and overlapping windows, small integers."""
    rng = np.random.default_rng(6)
    x = rng.integers(0, 10, size=(2, 3, 6, 6)).astype(float)
    w = rng.integers(-2, 3, size=(4, 3, 3, 3)).astype(float)
    dout = rng.integers(-2, 3, size=(2, 4, 6, 6)).astype(float)
    return x, w, dout, 1, 1


DY_LAYOUT = Mistake("dy_reshape_without_moving_f",
                    "the deltas were laid out with dout.reshape(-1, F): move the filter axis last first, "
                    "dout.transpose(0, 2, 3, 1).reshape(-1, F), so that row r holds the F deltas of output "
                    "position r.")
DW_NOT_TRANSPOSED = Mistake("dw_not_transposed",
                            "your ∂E/∂w is Rᵀ ΔY reshaped without a transpose: Rᵀ ΔY has shape (C*KH*KW, F); "
                            "transpose it to (F, C*KH*KW) before reshaping to (F, C, KH, KW).")
W_COL_BY_RESHAPE = Mistake("w_col_by_reshape",
                           "your W_col was built as w.reshape(-1, F): the right shape, but the filters mixed. W_col "
                           "= w.reshape(F, -1).T: flatten each filter, then stand it up as a column (§2).")
ROW2IM_OVERWRITES = Mistake("row2im_overwrite",
                            "your row2im overwrote where windows overlap: it must add (+=) every row's share, the "
                            "adjoint of im2row.")
PAIR_COLUMNS_MQC = Mistake("pair_column_order_mqc",
                           "two of your matrices order the kernel entries differently: one (c, m, q), the other "
                           "(m, q, c), channel last (your im2row / row2im against W_col = w.reshape(F, -1).T, or "
                           "a reshape of dw in (KH, KW, C) order). The dot-product test cannot see it. Order every "
                           "one (c*KH + m)*KW + q, channel first.")
PAIR_ROWS_JI = Mistake("pair_rows_i_j_swapped",
                       "the rows of R (your im2row / row2im) and of ΔY are in different orders: one runs (n, i, j), "
                       "the other (n, j, i), i fastest. Both must run (n*H_out + i)*W_out + j: ΔY = "
                       "dout.transpose(0, 2, 3, 1).reshape(-1, F), and im2row's rows in that order.")

W_COL_ROTATED = Mistake("w_col_rotated",
                        "your ∂E/∂x used the rotated kernels rot180(w) in W_col, as in notebook 04's full "
                        "correlation: here no flip is needed, row2im adds each product back where the forward pass "
                        "read it. Expected: the forward pass's W_col in ΔY W_colᵀ (§2, §5).")
MATRIX_MISTAKES = [DY_LAYOUT, DW_NOT_TRANSPOSED, W_COL_BY_RESHAPE, ROW2IM_OVERWRITES, PAIR_COLUMNS_MQC,
                   PAIR_ROWS_JI, W_COL_ROTATED]


@checker
def check_conv_backward_matrices(dw, dx, x, w, dout, stride=1, pad=0):
    """Check ``∂E/∂w`` and ``∂E/∂x`` of a conv layer computed with im2row matrices.

    ``x (N, C, H, W)``, ``w (F, C, KH, KW)``, ``dout (N, F, H_out, W_out)``:

        R     = im2row(x)                              (N*H_out*W_out, C*KH*KW)
        ΔY    = dout with the filter axis last          (N*H_out*W_out, F)
        W_col = w.reshape(F, -1).T                      (C*KH*KW, F)
        ∂E/∂w = (Rᵀ ΔY)ᵀ reshaped to w's shape           (F, C, KH, KW)
        ∂E/∂x = row2im(ΔY W_colᵀ)                       (N, C, H, W)

    Reference: ``cnnlib.conv.conv2d_backward_naive`` (the loops). Both answers are judged and
    both verdicts reported (a wrong ``dw`` does not hide a wrong ``dx``); the typical mistakes
    named are ``MATRIX_MISTAKES``. "Not answered yet" while either is still None and the other
    (if given) is right.
    """
    if dw is None and dx is None:
        return CheckResult.not_answered(["Not answered yet: ∂E/∂w and ∂E/∂x.",
                                         "  Put your arrays where the template has None, then run the cell again."])
    x, w, dout = (np.asarray(v, dtype=np.float64) for v in (x, w, dout))
    n_filt, n_ch, kh, kw = w.shape
    _, cache = conv2d_forward_naive(x, w, np.zeros(n_filt), stride, pad)
    dx_ref, dw_ref, _ = conv2d_backward_naive(dout, cache)
    n_img, _, h_out, w_out = dout.shape

    rows = im2row(x, kh, kw, stride, pad)  # (N*H_out*W_out, C*KH*KW)
    w_col = w.reshape(n_filt, -1).T  # (C*KH*KW, F)
    d_y = dout.transpose(0, 2, 3, 1).reshape(-1, n_filt)  # (N*H_out*W_out, F)
    d_y_bad = dout.reshape(-1, n_filt)  # (N*H_out*W_out, F), but the entries in the wrong places
    w_col_bad = w.reshape(-1, n_filt)  # (C*KH*KW, F), the filters mixed
    w_col_rotated = w[:, :, ::-1, ::-1].reshape(n_filt, -1).T  # (C*KH*KW, F), each kernel turned by 180
    w_col_all_flipped = w[::-1, ::-1, ::-1, ::-1].reshape(n_filt, -1).T  # np.flip(w): F and C reversed too

    def as_w(d_w_col):  # (C*KH*KW, F) -> (F, C*KH*KW) -> (F, C, KH, KW)
        return d_w_col.T.reshape(w.shape)

    def back(d_rows):  # row2im of (N*H_out*W_out, C*KH*KW) -> (N, C, H, W)
        return row2im(d_rows, x.shape, kh, kw, stride, pad)

    rows_mqc = columns_mqc(rows, n_ch, kh, kw)  # (N*H_out*W_out, C*KH*KW), columns (m, q, c)
    rows_swapped = rows_ji(rows, n_img, h_out, w_out)  # rows (n, j, i)
    not_transposed = (rows.T @ d_y).reshape(w.shape)  # (C*KH*KW, F) poured into (F, C, KH, KW)
    dw_mistakes = [(as_w(rows.T @ d_y_bad), DY_LAYOUT), (not_transposed, DW_NOT_TRANSPOSED),
                   (as_w(rows_mqc.T @ d_y), PAIR_COLUMNS_MQC), (as_w(rows_swapped.T @ d_y), PAIR_ROWS_JI)]
    dx_mistakes = [(back(d_y_bad @ w_col.T), DY_LAYOUT), (back(d_y @ w_col_bad.T), W_COL_BY_RESHAPE),
                   (row2im_overwrite(d_y @ w_col.T, x.shape, kh, kw, stride, pad), ROW2IM_OVERWRITES),
                   (row2im_overwrite_by_offset(d_y @ w_col.T, x.shape, kh, kw, stride, pad), ROW2IM_OVERWRITES),
                   (back(columns_from_mqc(d_y @ w_col.T, n_ch, kh, kw)), PAIR_COLUMNS_MQC),
                   (back(rows_from_ji(d_y @ w_col.T, n_img, h_out, w_out)), PAIR_ROWS_JI),
                   (back(d_y @ w_col_rotated.T), W_COL_ROTATED), (back(d_y @ w_col_all_flipped.T), W_COL_ROTATED)]
    lines, named, verdicts = [], [], {}
    wheres = {"∂E/∂w": lambda index: dw_sources(index, kh, kw),
              "∂E/∂x": lambda index: dx_sources(index, x.shape, kh, kw, stride, pad, matrix="ΔY·W_colᵀ")}
    for name, answer, expected, mistakes, letters in [("∂E/∂w", dw, dw_ref, dw_mistakes, "f c m q"),
                                                      ("∂E/∂x", dx, dx_ref, dx_mistakes, "n c u v")]:
        result = compare_answer(name, answer, expected, known_mistakes=mistakes, letters=letters,
                                where=wheres[name])
        verdicts[name] = result.status
        if result.correct:
            lines.append(f"{name}: right (shape {expected.shape}).")
        elif result.status == "not_answered":
            lines.append(f"{name}: not answered yet.")
        else:
            lines += [result.lines[0].replace("Not yet: ", "", 1)] + list(result.lines[1:])
            named += [k for k in result.mistakes if k not in named]
    wrong = [name for name, status in verdicts.items() if status == "wrong"]
    if wrong:
        return CheckResult.wrong([f"Not yet: {' and '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} not "
                                  "right."] + ["  " + line for line in lines], named)
    if all(status == "correct" for status in verdicts.values()):
        return CheckResult.passed(f"Correct: ∂E/∂w {dw_ref.shape} and ∂E/∂x {dx_ref.shape} both match the loops.")
    return CheckResult.not_answered(["Not answered yet: " + " ".join(lines)])


# ------------------------------------------------------------------ the dot-product test

ADJOINT_GEOMETRIES = [GEOMETRIES[0], GEOMETRIES[1], GEOMETRIES[3]]  # all with overlapping windows


@checker
def adjoint_test(im2row_fn, row2im_fn, seed=0):
    """The dot-product test on a pair of functions: ``<im2row(x), G> == <x, row2im(G)>``.

    Runs on three geometries where windows overlap (one with padding), with random ``x`` and
    ``G`` of the shapes ``im2row_fn`` gives. The message holds both sides per geometry; it is
    "Correct" when they agree on all (the pair is adjoint), "Not written yet" while either still
    raises NotImplementedError. The test checks that the two functions agree with each other,
    not that either agrees with cnnlib.
    """
    for name, fn in (("im2row", im2row_fn), ("row2im", row2im_fn)):
        if not callable(fn):
            raise WrongAnswer(f"adjoint test: expected your {name} function (its name, without calling it), "
                              f"given {type(fn).__name__}")
    rng = np.random.default_rng(seed)
    cells, failed = [("geometry", "<im2row(x), G>", "<x, row2im(G)>", "")], []
    for k, (shape, kh, kw, s, p, label) in enumerate(ADJOINT_GEOMETRIES):
        x = rng.normal(size=shape)
        try:
            rows, failure = call(im2row_fn, (x.copy(), kh, kw, s, p))
            if failure is None:
                rows = as_answer_array(rows, "im2row's result")
                g = rng.normal(size=rows.shape)
                back, failure = call(row2im_fn, (g.copy(), shape, kh, kw, s, p))
        except NotImplementedError:
            return CheckResult.not_answered(["Not written yet: adjoint test: my_im2row or my_row2im still raises "
                                             "NotImplementedError.", "  Write both, then run this cell again."])
        if failure is not None:
            raise WrongAnswer(f"adjoint test, geometry {k} ({label}): your function failed:\n  {failure.text}")
        back = as_answer_array(back, "row2im's result")
        if back.shape != x.shape:
            raise WrongAnswer(f"adjoint test, geometry {k} ({label}): row2im returned shape {back.shape}, "
                              f"expected the shape of x, {shape}")
        lhs, rhs = float(np.sum(rows * g)), float(np.sum(x * back))
        ok = abs(lhs - rhs) <= 1e-9 * max(1.0, abs(lhs))
        name = f"x {shape}, {kh}x{kw} windows, stride {s}, pad {p}"
        cells.append((name, f"{lhs:.6f}", f"{rhs:.6f}", "equal" if ok else "DIFFERENT"))
        if not ok:
            failed.append(k)
    lines = table(cells)   # columns as wide as their cells: the header stays above its numbers
    if failed:
        return CheckResult.wrong(
            [f"Not yet: the dot-product test fails on {len(failed)} of {len(ADJOINT_GEOMETRIES)} geometries: "
             "your row2im is not the adjoint of your im2row."] + lines +
            ["  Hint: each entry of G must go back, added, to the very pixel im2row copied into that place: check "
             "that both use the same row and column order, that row2im adds (+=) where windows overlap, and that "
             "it crops the padding it added."])
    return CheckResult.passed(["Correct: the pair passes the dot-product test: your row2im is the adjoint of "
                               "your im2row."] + lines)


CATALOGUE = {"check_conv_backward_matrices": MATRIX_MISTAKES, **_PAIR_CATALOGUE}

HINTS = {
    "check_conv_backward_matrices": (
        r"Notebook 06 §5: $\partial E/\partial W_{col} = R^\top \Delta Y$ and "
        r"$\partial E/\partial x = \mathrm{row2im}(\Delta Y\, W_{col}^\top)$.",
        r"$\Delta Y$ is `dout` with the filter axis moved last, then one row per output position, "
        r"in the order of your $R$'s rows. $W_{col}$ = `w.reshape(F, -1).T`. Pass the layer's "
        r"stride and padding to both of your functions.",
        r"$R^\top \Delta Y$ has shape $(C K_H K_W, F)$: one filter per column. Transpose it before "
        r"the reshape to `w`'s shape (§5 shows what goes wrong without it).",
    ),
    **_PAIR_HINTS,
}

__all__ = ["check_conv_backward_matrices", "conv_backward_matrices_exercise_data", "check_im2row",
           "check_row2im", "adjoint_test", "row2im_overwrite", "row2im_overwrite_by_offset", "CATALOGUE",
           "HINTS"]
