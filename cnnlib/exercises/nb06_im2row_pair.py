"""Notebook 06's "Your turn": the learner writes ``im2row`` and its adjoint ``row2im``.

    my_im2row(x, KH, KW, stride, pad) -> rows                      (N*H_out*W_out, C*KH*KW)
        rows[(n*H_out + i)*W_out + j, (c*KH + m)*KW + q] = x_pad[n, c, S·i + m, S·j + q]

    my_row2im(rows, x_shape, KH, KW, stride, pad) -> dx            (N, C, H, W)
        dx_pad[n, c, S·i + m, S·j + q] += rows[(n*H_out + i)*W_out + j, (c*KH + m)*KW + q],
        then the padding cropped

The mistake models are cnnlib's ``im2row`` / ``row2im`` with their rows or columns
reordered, on other geometries (no padding, stride 1), or with cnnlib's overwriting
``row2im_overwrite``.
"""
import numpy as np

from ..conv import conv_output_shape
from ..im2row import im2row, row2im
from .function_exercise import RAISES, Case, FunctionExercise, FunctionMistake, Output, Raises, Variants
from .nb06_overwrite import row2im_overwrite, row2im_overwrite_by_offset


def _sizes(x_shape, KH, KW, stride, pad):
    return conv_output_shape(tuple(x_shape), (1, x_shape[1], KH, KW), stride, pad)[2:]


# reorderings of the rows (r) and columns (k) of an im2row matrix, as cnnlib lays it out
def columns_mqc(rows, C, KH, KW):
    """Columns in (m, q, c) order, as an NHWC layout gives them: ``(R, C*KH*KW)``."""
    blocks = rows.reshape(-1, C, KH, KW)  # (R, C, KH, KW)
    return blocks.transpose(0, 2, 3, 1).reshape(rows.shape)  # (R, KH, KW, C) -> (R, C*KH*KW)


def columns_from_mqc(rows, C, KH, KW):
    """The inverse of ``columns_mqc``: columns read as (m, q, c), put back in (c, m, q) order."""
    blocks = rows.reshape(-1, KH, KW, C)  # (R, KH, KW, C)
    return blocks.transpose(0, 3, 1, 2).reshape(rows.shape)  # (R, C, KH, KW) -> (R, C*KH*KW)


def columns_cqm(rows, C, KH, KW):
    """Columns in (c, q, m) order: the kernel's row and column swapped within each channel."""
    blocks = rows.reshape(-1, C, KH, KW)  # (R, C, KH, KW)
    return blocks.transpose(0, 1, 3, 2).reshape(rows.shape)  # (R, C, KW, KH) -> (R, C*KH*KW)


def rows_ji(rows, N, H_out, W_out):
    """Rows in (n, j, i) order: the loops over i and j swapped."""
    grid = rows.reshape(N, H_out, W_out, -1)  # (N, H_out, W_out, K)
    return grid.transpose(0, 2, 1, 3).reshape(rows.shape)  # (N, W_out, H_out, K) -> (R, K)


def rows_from_ji(rows, N, H_out, W_out):
    """The inverse of ``rows_ji``: row r read as (n, j, i), put back in (n, i, j) order."""
    grid = rows.reshape(N, W_out, H_out, -1)  # (N, W_out, H_out, K)
    return grid.transpose(0, 2, 1, 3).reshape(rows.shape)  # (N, H_out, W_out, K) -> (R, K)


def rows_image_last(rows, N):
    """Rows in (i, j, n) order: the image index fastest."""
    grid = rows.reshape(N, -1, rows.shape[1])  # (N, H_out*W_out, K)
    return grid.transpose(1, 0, 2).reshape(rows.shape)  # (H_out*W_out, N, K) -> (R, K)


def rows_from_image_last(rows, N):
    """The inverse of ``rows_image_last``: row r read as (i, j, n), put back in (n, i, j) order."""
    grid = rows.reshape(-1, N, rows.shape[1])  # (H_out*W_out, N, K)
    return grid.transpose(1, 0, 2).reshape(rows.shape)  # (N, H_out*W_out, K) -> (R, K)


def _ref_im2row(x, KH, KW, stride, pad):
    return im2row(x, KH, KW, stride, pad)


def _ref_row2im(rows, x_shape, KH, KW, stride, pad):
    return row2im(rows, x_shape, KH, KW, stride, pad)


# --------------------------------------------------------------------------- im2row

def _too_wide(x, KH, KW, pad):
    """The text of the error when a window x_pad[n, :] of C + 2P channels is put into a row."""
    return f"from shape ({(x.shape[1] + 2 * pad) * KH * KW},)"


class _RaisesExcept(Raises):
    """Any exception of ``kind`` except one whose message holds ``text``."""
    __slots__ = ("text",)

    def __init__(self, kind, text):
        super().__init__(kind)
        self.text = text

    def matches(self, error):
        return super().matches(error) and (error is None or self.text not in str(error))


def _im2row_np_pad(x, KH, KW, stride, pad):
    if pad == 0:
        return im2row(x, KH, KW, stride)
    everything = np.pad(x, pad)  # (N+2P, C+2P, H+2P, W+2P): the images and channels shifted by P
    return Variants([Raises(ValueError, _too_wide(x, KH, KW, pad)),  # rows[r] = x_pad[n, :, ...].ravel()
                     im2row(everything[:x.shape[0], :x.shape[1]], KH, KW, stride),  # a loop over c
                     im2row(everything[:x.shape[0]], KH, KW, stride)])  # the rows stacked: C+2P channels


def _im2row_padding_forgotten(x, KH, KW, stride, pad):
    if pad == 0:
        return im2row(x, KH, KW, stride)
    # x not padded at all (H_out without P too), or H_out with P: windows cut short at the edge
    return Variants([im2row(x, KH, KW, stride), _RaisesExcept(Exception, _too_wide(x, KH, KW, pad))])


def _im2row_stride_ignored(x, KH, KW, stride, pad):
    h_out, w_out = _sizes(x.shape, KH, KW, stride, pad)
    dense = im2row(x, KH, KW, 1, pad)  # every stride-1 window
    h1, w1 = _sizes(x.shape, KH, KW, 1, pad)
    grid = dense.reshape(x.shape[0], h1, w1, -1)  # (N, H1, W1, C*KH*KW): the stride-1 grid
    return grid[:, :h_out, :w_out].reshape(-1, dense.shape[1])  # its first H_out x W_out: (R, C*KH*KW)


IM2ROW_MISTAKES = [
    FunctionMistake("column_order_mqc",
                    "the columns are in (m, q, c) order, channel last (an NHWC habit): the column of x_pad[n, c, "
                    "S·i + m, S·j + q] is (c*KH + m)*KW + q, channel first, the order of w.reshape(F, -1).",
                    lambda x, KH, KW, s, p: columns_mqc(im2row(x, KH, KW, s, p), x.shape[1], KH, KW)),
    FunctionMistake("kernel_m_q_swapped",
                    "inside each channel the kernel columns run along q first (column (c*KW + q)*KH + m): "
                    "a window flattens row by row, m outer and q inner, as window.ravel() does.",
                    lambda x, KH, KW, s, p: columns_cqm(im2row(x, KH, KW, s, p), x.shape[1], KH, KW)),
    FunctionMistake("rows_i_j_swapped",
                    "the rows run along i fastest (r = (n*W_out + j)*H_out + i): the loops over i and j are "
                    "swapped. Row r = (n*H_out + i)*W_out + j, j the inner loop, the order of "
                    "dout.transpose(0, 2, 3, 1).reshape(-1, F).",
                    lambda x, KH, KW, s, p: rows_ji(im2row(x, KH, KW, s, p), x.shape[0],
                                                    *_sizes(x.shape, KH, KW, s, p))),
    FunctionMistake("rows_image_last",
                    "the rows are ordered (i, j, n), the image index fastest: row r = (n*H_out + i)*W_out + j "
                    "holds all of image 0's windows first, then image 1's.",
                    lambda x, KH, KW, s, p: rows_image_last(im2row(x, KH, KW, s, p), x.shape[0])),
    FunctionMistake("padding_forgotten",
                    "the padding is missing: pad x with P zeros on every side of H and W first (pad2d(x, P)), and "
                    "use H + 2P in H_out.",
                    _im2row_padding_forgotten),
    FunctionMistake("np_pad_all_axes",
                    "np.pad(x, P) padded the N and C axes too, so x_pad[n, c] is the wrong image and channel: pad "
                    "only the last two axes (pad2d(x, P), or np.pad(x, ((0, 0), (0, 0), (P, P), (P, P)))).",
                    _im2row_np_pad),
    FunctionMistake("stride_ignored",
                    "the window of output (i, j) starts at row S·i and column S·j of x_pad, not at (i, j).",
                    _im2row_stride_ignored),
]


# --------------------------------------------------------------------------- row2im

def _row2im_padded(rows, x_shape, KH, KW, stride, pad):
    """The scatter into x_pad, ``(N, C, H + 2P, W + 2P)``, nothing cropped."""
    n, c, h, w = x_shape
    return row2im(rows, (n, c, h + 2 * pad, w + 2 * pad), KH, KW, stride, 0)


def _row2im_padding_forgotten(rows, x_shape, KH, KW, stride, pad):
    if pad == 0:
        return row2im(rows, x_shape, KH, KW, stride)
    h_out, w_out = _sizes(x_shape, KH, KW, stride, pad)
    if stride * (h_out - 1) + KH > x_shape[2] or stride * (w_out - 1) + KW > x_shape[3]:
        return RAISES  # a window sticks out of the unpadded dx: the += does not broadcast
    return _row2im_padded(rows, x_shape, KH, KW, stride, pad)[:, :, :x_shape[2], :x_shape[3]]


def _row2im_stride_ignored(rows, x_shape, KH, KW, stride, pad):
    h_out, w_out = _sizes(x_shape, KH, KW, stride, pad)
    h1, w1 = _sizes(x_shape, KH, KW, 1, pad)
    dense = np.zeros((x_shape[0], h1, w1, rows.shape[1]))  # the stride-1 grid of windows
    dense[:, :h_out, :w_out] = rows.reshape(x_shape[0], h_out, w_out, -1)  # (N, H_out, W_out, C*KH*KW)
    return row2im(dense.reshape(-1, rows.shape[1]), x_shape, KH, KW, 1, pad)  # (N*H1*W1, C*KH*KW) back


ROW2IM_MISTAKES = [
    FunctionMistake("overwrite_where_windows_overlap",
                    "where windows overlap, a pixel copied into several rows must get the sum of all their "
                    "entries: add (+=), do not assign (=). That sum is what makes row2im the adjoint of im2row.",
                    lambda *a: Variants([row2im_overwrite(*a), row2im_overwrite_by_offset(*a)])),
    FunctionMistake("column_order_mqc",
                    "the columns were read in (m, q, c) order, channel last: column (c*KH + m)*KW + q of row r "
                    "goes back to x_pad[n, c, S·i + m, S·j + q], channel first, as im2row wrote it.",
                    lambda r, xs, KH, KW, s, p: row2im(columns_from_mqc(r, xs[1], KH, KW), xs, KH, KW, s, p)),
    FunctionMistake("rows_i_j_swapped",
                    "the rows were read with i fastest (r = (n*W_out + j)*H_out + i): row r = (n*H_out + i)*W_out "
                    "+ j belongs to output (i, j), j the inner loop.",
                    lambda r, xs, KH, KW, s, p: row2im(rows_from_ji(r, xs[0], *_sizes(xs, KH, KW, s, p)),
                                                       xs, KH, KW, s, p)),
    FunctionMistake("rows_image_last",
                    "the rows were read as (i, j, n), the image index fastest: row r = (n*H_out + i)*W_out + j, "
                    "all of image 0's windows first.",
                    lambda r, xs, KH, KW, s, p: row2im(rows_from_image_last(r, xs[0]), xs, KH, KW, s, p)),
    FunctionMistake("padding_not_cropped",
                    "the padding was not cropped: the scatter goes into x_pad, (N, C, H + 2P, W + 2P); return "
                    "x_pad[:, :, P:P + H, P:P + W], the gradient of the real pixels.",
                    lambda r, xs, KH, KW, s, p: _row2im_padded(r, xs, KH, KW, s, p)),
    FunctionMistake("cropped_wrong_side",
                    "the crop kept rows and columns 0..H-1 of x_pad: the padding sits on both sides, so the real "
                    "pixels are x_pad[:, :, P:P + H, P:P + W].",
                    lambda r, xs, KH, KW, s, p: _row2im_padded(r, xs, KH, KW, s, p)[:, :, :xs[2], :xs[3]]),
    FunctionMistake("crop_minus_zero",
                    "with P = 0, x_pad[:, :, P:-P, P:-P] is empty (-0 is 0: the slice 0:0): crop with "
                    "P:P + H, P:P + W, which works for every P.",
                    lambda r, xs, KH, KW, s, p: np.zeros(tuple(xs[:2]) + (0, 0)) if p == 0 else
                    row2im(r, xs, KH, KW, s, p)),
    FunctionMistake("padding_forgotten",
                    "the scatter went into an unpadded array: the windows live in x_pad, (N, C, H + 2P, W + 2P); "
                    "add into it, then crop the padding.", _row2im_padding_forgotten),
    FunctionMistake("stride_ignored",
                    "row (i, j) goes back to the window that starts at row S·i and column S·j of x_pad, "
                    "not at (i, j).", _row2im_stride_ignored),
]


# ---------------------------------------------------------------------- the hidden data

GEOMETRIES = [  # x shape, KH, KW, stride, pad, label
    ((1, 3, 7, 7), 3, 3, 2, 0, "the layer of seed 001: 7x7x3, 3x3 windows, stride 2 (windows overlap)"),
    ((2, 2, 5, 6), 3, 2, 1, 1, "2 images, C=2, 5x6, a 3x2 kernel, stride 1, padding 1"),
    ((2, 3, 8, 7), 2, 3, 3, 0, "2 images, C=3, 8x7, a 2x3 kernel, stride 3 that does not tile"),
    ((1, 2, 6, 6), 3, 3, 2, 2, "C=2, 6x6, 3x3, stride 2, padding 2"),
    ((3, 2, 5, 4), 2, 2, 2, 1, "3 images, C=2, 5x4, 2x2, stride 2, padding 1"),
]


def _im2row_cases():
    rng = np.random.default_rng(61)
    return [Case(label, (rng.integers(-4, 6, size=shape).astype(float), kh, kw, s, p))
            for shape, kh, kw, s, p, label in GEOMETRIES]


def _row2im_cases():
    rng = np.random.default_rng(62)
    cases = []
    for shape, kh, kw, s, p, label in GEOMETRIES:
        h_out, w_out = _sizes(shape, kh, kw, s, p)
        rows = rng.integers(-4, 6, size=(shape[0] * h_out * w_out, shape[1] * kh * kw)).astype(float)
        cases.append(Case(label, (rows, shape, kh, kw, s, p)))
    return cases


def _where_in_rows(index, args):
    """What entry ``rows[r, k]`` of geometry ``args`` holds: output (n, i, j), column (c, m, q)."""
    x, KH, KW, stride, pad = args
    h_out, w_out = _sizes(x.shape, KH, KW, stride, pad)
    r, k = index
    n, rest = divmod(r, h_out * w_out)
    i, j = divmod(rest, w_out)
    c, rest = divmod(k, KH * KW)
    m, q = divmod(rest, KW)
    return (f"row {r} is output n={n}, i={i}, j={j}; column {k} is c={c}, m={m}, q={q}: it holds "
            f"x_pad[{n}, {c}, {stride * i + m}, {stride * j + q}] (x_pad[n, c, S·i + m, S·j + q], P = {pad})")


check_im2row = FunctionExercise(
    "my_im2row", ("x", "KH", "KW", "stride", "pad"),
    [Output("rows", "r k", "N*H_out*W_out C*KH*KW", where=_where_in_rows)],
    reference=_ref_im2row, cases=_im2row_cases, mistakes=IM2ROW_MISTAKES, checker_name="check_im2row",
    equation="rows[(n*H_out + i)*W_out + j, (c*KH + m)*KW + q] = x_pad[n, c, S·i + m, S·j + q]")

check_row2im = FunctionExercise(
    "my_row2im", ("rows", "x_shape", "KH", "KW", "stride", "pad"), [Output("dx", "n c u v", "N C H W")],
    reference=_ref_row2im, cases=_row2im_cases, mistakes=ROW2IM_MISTAKES, checker_name="check_row2im",
    equation="dx_pad[n, c, S·i + m, S·j + q] += rows[(n*H_out + i)*W_out + j, (c*KH + m)*KW + q]")

CATALOGUE = {"check_im2row": IM2ROW_MISTAKES, "check_row2im": ROW2IM_MISTAKES}

HINTS = {
    "check_im2row": (
        "Notebook 06 §1: its equation says which entry of the padded input lands in row $r$, "
        "column $k$ of $R$.",
        "Pad only the last two axes (`np.pad` with a width per axis). "
        "$H_{out} = (H + 2P - K_H) // S + 1$, likewise $W_{out}$. Row $r$ counts the image first, "
        "then the output row $i$, then the output column $j$.",
        "Start from zeros of shape $(N H_{out} W_{out}, C K_H K_W)$. Loop over $n, i, j$: cut the "
        "window of all channels that output $(i, j)$ reads, shape $(C, K_H, K_W)$, and write it, "
        "flattened, into its row. `ravel` flattens channel first, then kernel row, then kernel "
        "column: the order of `w.reshape(F, -1)`.",
    ),
    "check_row2im": (
        "Notebook 06 §6: `row2im` is the adjoint of `im2row`. Every entry goes back to the pixel "
        "`im2row` copied it from, and the copies of one pixel add up.",
        "Work in the padded shape $(N, C, H + 2P, W + 2P)$ and crop the padding at the end, with "
        "`P:P + H` (`P:-P` is empty when $P = 0$). Read the rows in the order your `my_im2row` "
        "wrote them.",
        "Start from zeros of the padded shape. Loop over $n, i, j$: reshape row $r$ to "
        "$(C, K_H, K_W)$ and add (`+=`) it onto the window it came from; then crop.",
    ),
}
