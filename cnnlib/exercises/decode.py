"""What an entry of an im2row-shaped matrix, or of a conv layer's gradient, is made of.

A checker that reports a wrong entry says, below it, what that entry means on that geometry:

- ``rows_entry``: ``rows[r, k]`` is output (n, i, j), column (c, m, q): it holds x_pad[n, c, S·i + m, S·j + q];
- ``dx_sources``: ``dx[n, c, u, v]`` sums the entries of the rows matrix (or of ΔY·W_colᵀ) that
  im2row copied x_pad[n, c, u + P, v + P] into: one per window over that pixel;
- ``dw_sources``: ``dw[f, c, m, q]`` is column (c·KH + m)·KW + q of R dotted with column f of ΔY.

Rows run ``r = (n·H_out + i)·W_out + j``, columns ``k = (c·KH + m)·KW + q`` (cnnlib's im2row).
"""


def out_size(size, k, stride, pad):
    return (size + 2 * pad - k) // stride + 1


def rows_entry(r, k, x_shape, KH, KW, stride, pad):
    """``rows[r, k]`` in words."""
    h_out, w_out = out_size(x_shape[2], KH, stride, pad), out_size(x_shape[3], KW, stride, pad)
    n, rest = divmod(r, h_out * w_out)
    i, j = divmod(rest, w_out)
    c, rest = divmod(k, KH * KW)
    m, q = divmod(rest, KW)
    return (f"row {r} is output n={n}, i={i}, j={j}; column {k} is c={c}, m={m}, q={q}: it holds "
            f"x_pad[{n}, {c}, {stride * i + m}, {stride * j + q}] (x_pad[n, c, S·i + m, S·j + q], P = {pad})")


def dx_sources(index, x_shape, KH, KW, stride, pad, matrix="rows", most=4):
    """``dx[n, c, u, v]`` in words: which entries of the (N·H_out·W_out, C·KH·KW) ``matrix`` add into it."""
    n, c, u, v = index
    h_out, w_out = out_size(x_shape[2], KH, stride, pad), out_size(x_shape[3], KW, stride, pad)
    a, b = u + pad, v + pad
    found = []
    for i in range(h_out):
        for j in range(w_out):
            m, q = a - stride * i, b - stride * j
            if 0 <= m < KH and 0 <= q < KW:
                found.append(f"[{(n * h_out + i) * w_out + j}, {(c * KH + m) * KW + q}] (i={i}, j={j}, m={m}, q={q})")
    if not found:
        return (f"x_pad[{n}, {c}, {a}, {b}] lies in no window, so dx[{n}, {c}, {u}, {v}] is 0: "
                "nothing of the matrix goes there")
    shown = "; ".join(found[:most]) + ("; ..." if len(found) > most else "")
    return (f"dx[{n}, {c}, {u}, {v}] is x_pad[{n}, {c}, {a}, {b}] (P = {pad}): it sums {matrix}[r, k] over the "
            f"{len(found)} window{'s' if len(found) > 1 else ''} that hold{'' if len(found) > 1 else 's'} it: {shown}")


def dw_sources(index, KH, KW, R="R", dY="ΔY"):
    """``dw[f, c, m, q]`` in words: the column of R and the column of ΔY whose product it is."""
    f, c, m, q = index
    return (f"dw[{f}, {c}, {m}, {q}] is column {(c * KH + m) * KW + q} of {R} (c={c}, m={m}, q={q}) dotted with "
            f"column {f} of {dY}: Σ_r {R}[r, {(c * KH + m) * KW + q}]·{dY}[r, {f}]")


def _conv_sizes(args, params):
    a = dict(zip(params, args))
    w_shape = tuple(a["w"].shape) if "w" in a else tuple(a["w_shape"])
    return a["dout"].shape, w_shape, int(a["stride"]), int(a["pad"])


def conv_dx_where(params):
    """``where(index, args)`` for an input gradient ``dx[n, c, u, v]`` of a conv layer: the windows
    (i, j) and kernel entries (m, q) whose δ·w add into it."""
    def where(index, args):
        (_, _, h_out, w_out), (_, _, kh, kw), s, p = _conv_sizes(args, params)
        n, c, u, v = index
        terms = [(i, j, u + p - s * i, v + p - s * j) for i in range(h_out) for j in range(w_out)
                 if 0 <= u + p - s * i < kh and 0 <= v + p - s * j < kw]
        if not terms:
            return f"x_pad[{n}, {c}, {u + p}, {v + p}] lies in no window: dx[{n}, {c}, {u}, {v}] is 0"
        shown = "; ".join(f"(i={i}, j={j}, m={m}, q={q})" for i, j, m, q in terms[:4]) + ("; ..." if len(terms) > 4 else "")
        return (f"dx[{n}, {c}, {u}, {v}] is x_pad[{n}, {c}, {u + p}, {v + p}] (P = {p}): it sums δ[{n}, f, i, j]·"
                f"w[f, {c}, m, q] over f and the {len(terms)} window{'s' if len(terms) > 1 else ''} that hold{'' if len(terms) > 1 else 's'} it: {shown}")
    return where


def conv_dw_where(params):
    """``where(index, args)`` for a kernel gradient ``dw[f, c, m, q]``: the terms it sums."""
    def where(index, args):
        (n_img, _, h_out, w_out), _, s, p = _conv_sizes(args, params)
        f, c, m, q = index
        return (f"dw[{f}, {c}, {m}, {q}] sums δ[n, {f}, i, j]·x_pad[n, {c}, {s}·i + {m}, {s}·j + {q}] over the "
                f"{n_img * h_out * w_out} (n, i, j) (P = {p}); the first term is δ[0, {f}, 0, 0]·x_pad[0, {c}, {m}, {q}]")
    return where
