"""Practice questions of the gradient-flow explorer (the 7x7 layer; stride, padding, kernel).

Three kinds, on the explorer's own layers (``gradient_flow_layer``, one channel):

- ``reach``: "click every delta whose output's window holds x[u, v]" (cells of δ).
  Right: the outputs that read the pixel (``gradient_flow_state(...).reached``: ``im2row``
  of the one-hot image). Mistakes: the stride ignored (``im2row`` with S = 1), the padding
  ignored (``im2row`` with P = 0), only output (u, v), only one of the windows.
- ``dx``: "type ∂E/∂x[u, v]". Right: ``conv2d_backward``. Mistakes: the kernel not flipped
  (the backward of the layer whose kernel is ``rot180(w)``), the deltas not dilated (the
  backward of the stride-1 layer with the same deltas in its top-left corner), one term of
  the sum only (the backward of one delta), the padded array read at (u, v) (the backward
  of ``pad2d(x)`` with no padding).
- ``dw``: "type ∂E/∂w[m, q]". Right: ``conv2d_backward``. Mistakes: the deltas flipped
  (the backward of ``rot180(δ)``), x not padded (the layer on x with its 2P zero rows and
  columns all at the bottom and right), the stride ignored (the stride-1 layer, deltas in
  its top-left corner).

A mistake is asked about only where it is a different computation (the stride ignored
needs S > 1, the padding P > 0, one term of several terms), and a setting is used only where
every such mistake gives an answer other than the right one (``Question.problems``).
"""
import itertools
from functools import lru_cache

import numpy as np

from ...conv import conv2d_backward, conv2d_forward
from ...correlate import pad2d, rot180
from ...im2row import im2row
from .._panels import GREEN, ORANGE, grid, num, plain
from ..gradient_flow import terms_text
from ..gradient_flow_state import gradient_flow_layer, gradient_flow_state
from ._question import Mistake, Question, cells_of, check_kind, pick, span

NAME = "gradient-flow explorer"
M = [
    Mistake("reach_stride_ignored", "the stride ignored",
            "the windows move S pixels at a time: output (i, j) reads rows S·i − P to "
            "S·i − P + K − 1, not i − P to i − P + K − 1."),
    Mistake("reach_padding_ignored", "the padding ignored",
            "with padding P the first window starts P rows above x (at row −P), so output "
            "(i, j) reads rows S·i − P to S·i − P + K − 1."),
    Mistake("reach_same_index", "output (u, v) taken for pixel (u, v)",
            "δ[u, v] belongs to the output whose window starts at row S·u − P; find every "
            "window that covers row u and column v of x."),
    Mistake("reach_one_window", "only one window",
            "a pixel can lie in several windows (they overlap where K > S): every one of "
            "them sends its delta back to it."),
    Mistake("dx_not_flipped", "the kernel not flipped",
            "in output (i, j)'s window x[u, v] meets w[u + P − S·i, v + P − S·j]; written as a "
            "full correlation of the deltas, that is the kernel rotated by 180°, not w itself."),
    Mistake("dx_not_dilated", "the deltas not dilated",
            "with stride S > 1 the deltas sit S pixels apart: put S − 1 zeros between them "
            "before the full correlation with rot180(w)."),
    Mistake("dx_one_term", "one term of the sum",
            "x[u, v] lies in several windows: ∂E/∂x[u, v] adds δ[i, j]·w[m, q] over every "
            "output whose window holds it."),
    Mistake("dx_padded_index", "the padded array read at (u, v)",
            "x[u, v] is entry (u + P, v + P) of the padded input: ∂E/∂x[u, v] is ∂E/∂x_pad at "
            "(u + P, v + P)."),
    Mistake("dw_deltas_flipped", "the deltas flipped",
            "∂E/∂w is the cross-correlation of the padded input with the deltas as they are: "
            "∂E/∂w[m, q] = Σ δ[i, j]·x_pad[S·i + m, S·j + q], nothing rotated."),
    Mistake("dw_not_padded", "x not padded",
            "the windows read the padded input: x_pad[S·i + m, S·j + q] = x[S·i + m − P, "
            "S·j + q − P], and rows above x (and columns left of it) are zeros."),
    Mistake("dw_stride_ignored", "the stride ignored",
            "in output (i, j)'s window w[m, q] meets x_pad[S·i + m, S·j + q]: the windows "
            "move S pixels at a time."),
]
MISTAKES = {m.key: m for m in M}
GEOMETRIES = list(itertools.product((1, 2, 3), (0, 1, 2), (2, 3, 4)))   # (S, P, K)


def lin(coef, const, letter):
    """'2·i − 1', 'i', 'i + 2', '3 − 2·i': the index coef·letter + const as the course writes it."""
    term = letter if abs(coef) == 1 else f"{abs(coef)}·{letter}"
    if coef > 0:
        return term if const == 0 else f"{term} {'+' if const > 0 else '−'} {abs(const)}"
    return f"−{term}" if const == 0 else f"{plain(const)} − {term}"


@lru_cache(maxsize=None)
def layer(stride, pad, k):
    """``(x (1, 1, 7, 7), w (1, 1, K, K), δ (1, 1, H_out, W_out), cache)`` of one geometry."""
    x, w, b, d = gradient_flow_layer(1, 0, k, stride, pad)
    return x, w, d, conv2d_forward(x, w, b, stride, pad)[1]


def _backward(x, w, d, stride, pad):
    """``conv2d_backward`` of ``d`` for the layer (x, w, stride, pad): ``(dx, dw)`` 2-D."""
    _, cache = conv2d_forward(x, w, np.zeros(1), stride, pad)
    dx, dw, _ = conv2d_backward(d, cache)
    return dx[0, 0], dw[0, 0]


def _top_left(d, shape):
    """The deltas ``d (1, 1, h, w)`` in the top-left corner of zeros ``(1, 1) + shape``."""
    out = np.zeros((1, 1) + tuple(shape))
    out[:, :, :d.shape[2], :d.shape[3]] = d
    return out


def _reached(u, v, k, stride, pad, shape, low=0):
    """The outputs (a bool grid of ``shape``) whose windows hold pixel (u, v): ``im2row`` of
    the one-hot image; outputs beyond ``shape`` dropped (the learner clicks in δ). ``low``:
    that many zero rows and columns added after the image instead (a padding ignored)."""
    onehot = np.zeros((1, 1, 7 + low, 7 + low))
    onehot[0, 0, u, v] = 1.0
    rows = im2row(onehot, k, k, stride, pad)      # (H_out'*W_out', K*K)
    h = (7 + low + 2 * pad - k) // stride + 1
    hit = (rows.sum(axis=1) > 0).reshape(h, h)
    out = np.zeros(shape, dtype=bool)
    n = min(h, shape[0])
    out[:n, :n] = hit[:n, :n]
    return out


def _x_panel(x_pad, pad, title, boxes=(), blank=False):
    values = np.zeros_like(x_pad) if blank else x_pad
    return grid("x", values, title, signed=False, pad=pad, origin=(-pad, -pad), boxes=boxes,
                blank_zeros=blank, vmin=0, vmax=None if not blank else 1)


def _geometry_words(stride, pad, k):
    return f"Stride S = {stride}, padding P = {pad}, kernel K = {k}."


def _explore(view, stride, pad, k, **at):
    return {"view": view, "stride": stride, "pad": pad, "kernel_size": k, **at}


def reach(stride, pad, k, u, v):
    x, w, d, _ = layer(stride, pad, k)
    s = gradient_flow_state(stride=stride, pad=pad, kernel_size=k, pixel=(u, v))
    shape = s.dout.shape
    right = cells_of(s.reached)
    mistakes = {}
    if stride > 1:
        mistakes["reach_stride_ignored"] = [cells_of(_reached(u, v, k, 1, pad, shape))]
    if pad > 0:
        # windows from row 0 of x: the layer with its 2P zero rows and columns all after x
        mistakes["reach_padding_ignored"] = [cells_of(_reached(u, v, k, stride, 0, shape, low=2 * pad))]
    if u < shape[0] and v < shape[1]:
        mistakes["reach_same_index"] = [(u * shape[1] + v,)]
    if len(right) > 1:
        mistakes["reach_one_window"] = [(c,) for c in right]
    lo = [stride * i - pad for i in range(shape[0])]
    words = [span(a, a + k - 1) for a in lo]
    at = [-1 if s.reached.flat[c] else 0 for c in range(s.reached.size)]
    pointer = {
        "extra": [f"Output ({{r}}, {{c}}) reads rows {{R}} and columns {{C}} of x, which do not "
                  f"hold x[{u}, {v}]."],
        "at": at, "R": words, "C": words,
        "missing": (f"An output whose window holds x[{u}, {v}] is not picked: output (i, j) reads "
                    f"rows {lin(stride, -pad, 'i')} to {lin(stride, k - 1 - pad, 'i')} "
                    f"(columns likewise with j).")}
    names = ", ".join(f"({i}, {j})" for i, j in zip(*np.nonzero(s.reached)))
    why = (f"Outputs {names} read x[{u}, {v}]." if len(right) > 1 else
           f"Only output {names} reads x[{u}, {v}]." if right else
           f"No window reads x[{u}, {v}]: nothing reaches it.")
    panels = [_x_panel(s.x_pad[0], pad, "input x", boxes=[(u + pad, v + pad, 1, 1, GREEN)]),
              grid("delta", np.zeros(shape), "deltas δ: click", signed=False, blank_zeros=True)]
    text = (f"{_geometry_words(stride, pad, k)} Click every delta δ[i, j] whose output's window "
            f"holds x[{u}, {v}] (none: check with nothing picked).")
    return Question("reach", {"stride": stride, "pad": pad, "kernel_size": k, "u": u, "v": v}, text,
                    "cells", right, mistakes, why, pointer, panels, target=1,
                    explore=_explore("pixel", stride, pad, k, pix_r=u, pix_c=v))


def dx(stride, pad, k, u, v):
    x, w, d, cache = layer(stride, pad, k)
    s = gradient_flow_state(stride=stride, pad=pad, kernel_size=k, pixel=(u, v))
    right = s.dx_at_pixel
    mistakes = {"dx_not_flipped": [_backward(x, rot180(w), d, stride, pad)[0][u, v]]}
    if stride > 1:
        _, _, h1, w1 = conv2d_forward(x, w, np.zeros(1), 1, pad)[0].shape
        mistakes["dx_not_dilated"] = [_backward(x, w, _top_left(d, (h1, w1)), 1, pad)[0][u, v]]
    if len(s.terms) > 1:   # each nonzero term alone (a term of 0 says nothing about the sum)
        ones = []
        for t in s.terms:
            keep = np.zeros_like(d)
            keep[0, 0][t.out_pos] = d[0, 0][t.out_pos]
            ones.append(conv2d_backward(keep, cache)[0][0, 0, u, v])
        mistakes["dx_one_term"] = [a for a in ones if a != 0]
    if pad > 0:
        mistakes["dx_padded_index"] = [_backward(pad2d(x, pad), w, d, stride, 0)[0][u, v]]
    n = len(s.terms)
    if n:
        how = (f"∂E/∂x[{u}, {v}] adds {n} term{'s' if n > 1 else ''} δ[i, j]·w[m, q], one for each "
               f"output whose window holds x[{u}, {v}]; in output (i, j)'s window x[{u}, {v}] meets "
               f"w[{lin(-stride, u + pad, 'i')}, {lin(-stride, v + pad, 'j')}].")
    else:
        how = (f"Which windows hold x[{u}, {v}]? Output (i, j) reads rows "
               f"{lin(stride, -pad, 'i')} to {lin(stride, k - 1 - pad, 'i')} of x (columns "
               f"likewise with j).")
    why = terms_text(s)
    panels = [_x_panel(s.x_pad[0], pad, "x (where the pixel is)", blank=True,
                       boxes=[(u + pad, v + pad, 1, 1, GREEN)]),
              grid("w", s.w[0], "kernel w", signed=True),
              grid("delta", s.dout, "deltas δ", signed=True)]
    text = f"{_geometry_words(stride, pad, k)} Type ∂E/∂x[{u}, {v}]."
    return Question("dx", {"stride": stride, "pad": pad, "kernel_size": k, "u": u, "v": v}, text,
                    "number", right, mistakes, why, {"text": how}, panels,
                    explore=_explore("pixel", stride, pad, k, pix_r=u, pix_c=v))


def dw(stride, pad, k, m, q):
    x, w, d, cache = layer(stride, pad, k)
    _, dw_all, _ = conv2d_backward(d, cache)
    right = float(dw_all[0, 0, m, q])
    mistakes = {"dw_deltas_flipped": [_backward(x, w, rot180(d[0, 0])[None, None], stride, pad)[1][m, q]]}
    if pad > 0:
        x_low = np.pad(x, ((0, 0), (0, 0), (0, 2 * pad), (0, 2 * pad)))   # (1, 1, 7+2P, 7+2P)
        mistakes["dw_not_padded"] = [_backward(x_low, w, d, stride, 0)[1][m, q]]
    if stride > 1:
        xp = pad2d(x, pad)
        h1 = xp.shape[2] - k + 1
        mistakes["dw_stride_ignored"] = [_backward(xp, w, _top_left(d, (h1, h1)), 1, 0)[1][m, q]]
    xp = pad2d(x, pad)[0, 0]
    h_out, w_out = d.shape[2:]
    terms = [(i, j, d[0, 0, i, j], xp[stride * i + m, stride * j + q])
             for i in range(h_out) for j in range(w_out)]
    shown = [t for t in terms if t[2] * t[3] != 0]
    why = (f"∂E/∂w[{m}, {q}] = Σ δ[i, j]·x[{lin(stride, m - pad, 'i')}, {lin(stride, q - pad, 'j')}] = "
           + (" + ".join(f"{num(t[2])}·{num(t[3])}" for t in shown) or "0")
           + f" = <b>{plain(right)}</b>"
           + (f" (the other {len(terms) - len(shown)} terms are 0)." if len(shown) < len(terms) else "."))
    how = (f"∂E/∂w[{m}, {q}] adds one term per output, {h_out * w_out} here: δ[i, j] times the "
           f"pixel w[{m}, {q}] meets in output (i, j)'s window, x[{lin(stride, m - pad, 'i')}, "
           f"{lin(stride, q - pad, 'j')}] (0 where that is padding).")
    panels = [_x_panel(xp, pad, "input x"), grid("delta", d[0, 0], "deltas δ", signed=True),
              grid("w", np.zeros((k, k)), "kernel w", signed=False, blank_zeros=True,
                   boxes=[(m, q, 1, 1, ORANGE)])]
    text = f"{_geometry_words(stride, pad, k)} Type ∂E/∂w[{m}, {q}]."
    return Question("dw", {"stride": stride, "pad": pad, "kernel_size": k, "m": m, "q": q}, text,
                    "number", right, mistakes, why, {"text": how},
                    panels, explore=_explore("output", stride, pad, k, out_i=0, out_j=0))


ASK = {"reach": reach, "dx": dx, "dw": dw}


def ask(kind, setting):
    """The question ``kind`` on ``setting`` (a stored question's ``s``)."""
    check_kind(kind, ASK, NAME)
    s = setting
    if kind == "dw":
        return dw(s["stride"], s["pad"], s["kernel_size"], s["m"], s["q"])
    return ASK[kind](s["stride"], s["pad"], s["kernel_size"], s["u"], s["v"])


def candidates(kind):
    """Every setting of ``kind`` worth asking by hand: a dx sum of at most 4 terms, a dw sum
    over at most 16 outputs, at most 6 deltas to click."""
    for stride, pad, k in GEOMETRIES:
        if kind == "dw":
            x, w, d, _ = layer(stride, pad, k)
            if d.shape[2] * d.shape[3] > 16:
                continue
            for m, q in itertools.product(range(k), range(k)):
                yield {"stride": stride, "pad": pad, "kernel_size": k, "m": m, "q": q}
            continue
        for u, v in itertools.product(range(7), range(7)):
            x, w, d, _ = layer(stride, pad, k)
            if _reached(u, v, k, stride, pad, d.shape[2:]).sum() > (4 if kind == "dx" else 6):
                continue
            yield {"stride": stride, "pad": pad, "kernel_size": k, "u": u, "v": v}


COUNT = {"reach": 18, "dx": 18, "dw": 14}


def questions(seed=0):
    """The stored questions: for each kind, up to ``COUNT[kind]`` usable settings, one per
    geometry first (drawn with ``default_rng([seed, k])``)."""
    out = []
    for n, kind in enumerate(ASK):
        out += pick(list(candidates(kind)), lambda s, kind=kind: ask(kind, s), COUNT[kind],
                    np.random.default_rng([seed, n]), lambda s: (s["stride"], s["pad"], s["kernel_size"]))
    return out
