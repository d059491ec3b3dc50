"""Notebook 04's "Your turn" (a), ``pixel_gradient``, right and with each typical mistake, as a learner writes it.

Two right ways to enumerate the outputs that read pixel (u, v):
- by kernel offset: for each m, the row i = (u + P - m) / S counts when it is whole and in range;
- by output: for each output row i, the kernel row m = u + P - S·i counts when 0 <= m < KH.
Each mutant is one of them with one slip; the other way's version of a slip is in ``MORE``.
"""
import numpy as np

from cnnlib.exercises.nb04_pixel_gradient import check_pixel_gradient

from . import Entry, registry


def pixel_gradient(dout, w, stride, pad, u, v):
    """By kernel offset: i = (u + P - m) / S, when it is a whole number in range."""
    N, F, H_out, W_out = dout.shape
    _, C, KH, KW = w.shape
    g = np.zeros((N, C))
    for m in range(KH):
        if (u + pad - m) % stride != 0:
            continue
        i = (u + pad - m) // stride
        if not 0 <= i < H_out:
            continue
        for q in range(KW):
            if (v + pad - q) % stride != 0:
                continue
            j = (v + pad - q) // stride
            if not 0 <= j < W_out:
                continue
            for f in range(F):
                g += np.outer(dout[:, f, i, j], w[f, :, m, q])
    return g


def pixel_gradient_by_output(dout, w, stride, pad, u, v):
    """By output: does window (i, j) contain x_pad[u + P, v + P]? Then through w[m, q], m = u + P - S·i."""
    N, F, H_out, W_out = dout.shape
    _, C, KH, KW = w.shape
    g = np.zeros((N, C))
    for i in range(H_out):
        m = u + pad - stride * i
        if not 0 <= m < KH:
            continue
        for j in range(W_out):
            q = v + pad - stride * j
            if not 0 <= q < KW:
                continue
            for n in range(N):
                for c in range(C):
                    for f in range(F):
                        g[n, c] += dout[n, f, i, j] * w[f, c, m, q]
    return g


def _by_offset(dout, w, stride, pad, u, v, row=None, keep=None, term=None, add=None):
    """The by-offset solution with one piece replaced: ``row(a, m)`` the output row (None: no output),
    ``keep(i, size)`` the range check, ``term(f, i, j, m, q)`` the (N, C) term, ``add(g, t)`` the update."""
    N, F, H_out, W_out = dout.shape
    _, C, KH, KW = w.shape
    a, b = u + pad, v + pad

    def right_row(p, k):
        return (p - k) // stride if (p - k) % stride == 0 else None
    row = row or right_row
    keep = keep or (lambda i, size: 0 <= i < size)
    g = np.zeros((N, C))
    for m in range(KH):
        i = row(a, m)
        if i is None or not keep(i, H_out):
            continue
        for q in range(KW):
            j = row(b, q)
            if j is None or not keep(j, W_out):
                continue
            for f in range(F):
                t = term(f, i, j, m, q) if term else np.outer(dout[:, f, i, j], w[f, :, m, q])
                if add:
                    g = add(g, t)
                else:
                    g += t
    return g


MUTANTS, bad = registry()


@bad("pad_not_shifted")
def _(dout, w, stride, pad, u, v):
    return _by_offset(dout, w, stride, 0, u, v)           # pad left out of u + P - m


@bad("pad_subtracted")
def _(dout, w, stride, pad, u, v):
    return _by_offset(dout, w, stride, -pad, u, v)          # u - P - m instead of u + P - m


@bad("stride_ignored")
def _(dout, w, stride, pad, u, v):
    return _by_offset(dout, w, stride, pad, u, v, row=lambda p, k: p - k)


@bad("no_divisibility_check")
def _(dout, w, stride, pad, u, v):
    return _by_offset(dout, w, stride, pad, u, v, row=lambda p, k: (p - k) // stride)


@bad("float_index")
def _(dout, w, stride, pad, u, v):
    return _by_offset(dout, w, stride, pad, u, v,
                      row=lambda p, k: (p - k) / stride if (p - k) % stride == 0 else None)


@bad("negative_index_wraps")
def _(dout, w, stride, pad, u, v):
    return _by_offset(dout, w, stride, pad, u, v, keep=lambda i, size: i < size)


@bad("upper_bound_missing")
def _(dout, w, stride, pad, u, v):
    return _by_offset(dout, w, stride, pad, u, v, keep=lambda i, size: i >= 0)


@bad("kernel_flipped")
def _(dout, w, stride, pad, u, v):
    KH, KW = w.shape[2:]
    return _by_offset(dout, w, stride, pad, u, v,
                      term=lambda f, i, j, m, q: np.outer(dout[:, f, i, j], w[f, :, KH - 1 - m, KW - 1 - q]))


@bad("plus_instead_of_minus")
def _(dout, w, stride, pad, u, v):
    return _by_offset(dout, w, stride, pad, u, v,
                      row=lambda p, k: (p + k) // stride if (p + k) % stride == 0 else None)


@bad("c_f_swapped")
def _(dout, w, stride, pad, u, v):
    return _by_offset(dout, w, stride, pad, u, v, term=lambda f, i, j, m, q: np.outer(dout[:, f, i, j], w[:, f, m, q]))


@bad("first_filter_only")
def _(dout, w, stride, pad, u, v):
    N, F, H_out, W_out = dout.shape
    _, C, KH, KW = w.shape
    g = np.zeros((N, C))
    for i, j in np.ndindex(H_out, W_out):
        m, q = u + pad - stride * i, v + pad - stride * j
        if 0 <= m < KH and 0 <= q < KW:
            g += np.outer(dout[:, 0, i, j], w[0, :, m, q])     # no loop over the filters: f = 0
    return g


@bad("filter_equals_channel")
def _(dout, w, stride, pad, u, v):
    N, F, H_out, W_out = dout.shape
    _, C, KH, KW = w.shape
    g = np.zeros((N, C))
    for i, j in np.ndindex(H_out, W_out):
        m, q = u + pad - stride * i, v + pad - stride * j
        if 0 <= m < KH and 0 <= q < KW:
            for n, c in np.ndindex(N, C):
                g[n, c] += dout[n, c, i, j] * w[c, c, m, q]     # channel c from filter c only
    return g


@bad("i_j_swapped")
def _(dout, w, stride, pad, u, v):
    return _by_offset(dout, w, stride, pad, u, v, term=lambda f, i, j, m, q: np.outer(dout[:, f, j, i], w[f, :, m, q]))


@bad("outer_product_missing")
def _(dout, w, stride, pad, u, v):
    return _by_offset(dout, w, stride, pad, u, v, term=lambda f, i, j, m, q: dout[:, f, i, j] * w[f, :, m, q])


@bad("overwrite_not_add")
def _(dout, w, stride, pad, u, v):
    def overwrite(g, t):
        g[:] = t
        return g
    return _by_offset(dout, w, stride, pad, u, v, add=overwrite)


# ------------------------------------------------------------ the same slips, written by output

def _by_output(dout, w, stride, pad, u, v, offset=None, keep=None, update=None, scalar=True):
    """The by-output solution with one piece replaced: ``offset(a, i)`` the kernel row, ``keep(m, size)``
    its range check, ``update(g, n, c, f, i, j, m, q)`` the scalar update."""
    N, F, H_out, W_out = dout.shape
    _, C, KH, KW = w.shape
    offset = offset or (lambda p, i: p - stride * i)
    keep = keep or (lambda m, size: 0 <= m < size)
    g = np.zeros((N, C))
    for i in range(H_out):
        m = offset(u + pad, i)
        if not keep(m, KH):
            continue
        for j in range(W_out):
            q = offset(v + pad, j)
            if not keep(q, KW):
                continue
            for n, c, f in np.ndindex(N, C, F):
                if update:
                    update(g, n, c, f, i, j, m, q)
                else:
                    g[n, c] += dout[n, f, i, j] * w[f, c, m, q]
    return g


def _only_the_last_filter(dout, w, stride, pad, u, v):
    """g reset inside the loop over the filters: only the last filter's sum is returned."""
    N, F, H_out, W_out = dout.shape
    _, C, KH, KW = w.shape
    for f in range(F):
        g = np.zeros((N, C))
        for i, j in np.ndindex(H_out, W_out):
            m, q = u + pad - stride * i, v + pad - stride * j
            if 0 <= m < KH and 0 <= q < KW:
                g += np.outer(dout[:, f, i, j], w[f, :, m, q])
    return g


def _overwrite_by_output(dout, w, stride, pad, u, v):
    def update(g, n, c, f, i, j, m, q):
        g[n, c] = dout[n, f, i, j] * w[f, c, m, q]
    return _by_output(dout, w, stride, pad, u, v, update=update)


def _overwrite_sum_over_filters(dout, w, stride, pad, u, v):
    def overwrite(g, t):
        return t
    return _by_offset(dout, w, stride, pad, u, v, add=overwrite,
                      term=lambda f, i, j, m, q: np.einsum("nf,fc->nc", dout[:, :, i, j], w[:, :, m, q]))


MORE = {
    "pad_not_shifted": lambda d, w, s, p, u, v: _by_output(d, w, s, p, u, v, offset=lambda a, i: a - p - s * i),
    "stride_ignored": lambda d, w, s, p, u, v: _by_output(d, w, s, p, u, v, offset=lambda a, i: a - i),
    "pad_subtracted": lambda d, w, s, p, u, v: _by_output(d, w, s, p, u, v, offset=lambda a, i: a - 2 * p - s * i),
    "negative_index_wraps": lambda d, w, s, p, u, v: _by_output(d, w, s, p, u, v, keep=lambda m, size: m < size),
    "upper_bound_missing": lambda d, w, s, p, u, v: _by_output(d, w, s, p, u, v, keep=lambda m, size: m >= 0),
    "plus_instead_of_minus": lambda d, w, s, p, u, v: _by_output(d, w, s, p, u, v, offset=lambda a, i: s * i - a),
    "c_f_swapped": lambda d, w, s, p, u, v: _by_output(
        d, w, s, p, u, v, update=lambda g, n, c, f, i, j, m, q: g.__setitem__((n, c), g[n, c] + d[n, f, i, j] * w[c, f, m, q])),
    "overwrite_not_add": _overwrite_by_output,
}
MORE_OVERWRITE = {"overwrite_not_add": _only_the_last_filter}
MORE_OVERWRITE_SUM = {"overwrite_not_add": _overwrite_sum_over_filters}

ENTRIES = [
    Entry("check_pixel_gradient", check_pixel_gradient, pixel_gradient, MUTANTS),
    Entry("check_pixel_gradient", check_pixel_gradient, pixel_gradient_by_output, MORE),
    Entry("check_pixel_gradient", check_pixel_gradient, pixel_gradient_by_output, MORE_OVERWRITE),
    Entry("check_pixel_gradient", check_pixel_gradient, pixel_gradient, MORE_OVERWRITE_SUM),
]
