"""The im2row conv layer, a chunk of images at a time (the engine of ``conv.conv2d_forward``).

The batch is cut into chunks of ``k`` images. For each chunk, forward fills the
chunk's im2row matrix into a reused work buffer (``parallel.workspace``) and
multiplies; backward fills it again from the cached padded input and computes
that chunk's share of ``dW`` and ``db`` and its ``dx``. Why chunks:

- memory: only a chunk's im2row matrix (and its gradient) exists at any time,
  never the whole batch's (462 MB each on a (64, 64, 56, 56) input);
- speed: a chunk's matrix stays in the CPU cache between the copy that fills it
  and the product that reads it, and a reused buffer is not page-faulted in again;
- threads: chunks are independent, so ``parallel.run_chunks`` runs them on
  several threads; each writes its own images of ``out`` / ``dx`` and its own
  row of the partial sums, which are added in chunk order afterwards.

The chunks depend only on the layer's shapes (``plan``), never on the thread
count, so every thread count gives the same numbers, bit for bit. Only a layer
with a large matrix (``PARALLEL_ENTRIES``) spreads its chunks over threads; on
small layers the thread hand-offs cost more than they save (measured).

Two layouts of a chunk's matrix, the same numbers: image index before the
output position, ``(C, KH, KW, k, H_out, W_out)``, or, when output rows are
short (``W_out < 16``, e.g. 10 on MNIST layer 2), image index last,
``(C, KH, KW, H_out, W_out, k)``, so that each slice copy moves runs of
``W_out*k`` numbers instead of ``W_out`` (2x faster there, measured).
"""
import math
import threading
import weakref

import numpy as np

from .im2row import _fill, _fill_last, _scatter, _scatter_last
from .parallel import run_chunks, workspace

CHUNK_ENTRIES = 1 << 21  # entries of a chunk's im2row matrix (8 MB in float32), at most
SPLIT_ENTRIES = 5 << 16  # a batch whose matrix has fewer entries (1.25 MB in float32) is one chunk
MIN_CHUNKS = 2           # a batch large enough to split is cut into at least this many
PARALLEL_ENTRIES = 1 << 21  # a smaller batch runs its chunks in the calling thread: measured, two
                            # threads on the MNIST layers were slower than one (many small numpy calls)
KEEP_ENTRIES = 1 << 21   # a batch whose whole matrix is smaller keeps it between forward and backward
SHORT_ROW = 16           # output rows shorter than this use the image-index-last layout


def plan(n_img, per_image):
    """The chunks ``[(n0, n1), ...]`` of a batch of ``n_img`` images (``per_image`` matrix entries each)."""
    if n_img * per_image < SPLIT_ENTRIES:
        k = max(n_img, 1)
    else:  # as many images as fit CHUNK_ENTRIES, and at least MIN_CHUNKS chunks
        k = max(1, min(CHUNK_ENTRIES // max(per_image, 1), math.ceil(n_img / MIN_CHUNKS)))
    return [(n0, min(n_img, n0 + k)) for n0 in range(0, n_img, k)]


class Geometry:
    """Sizes of one conv layer call: ``x (N, C, H, W)``, ``w (F, C, KH, KW)``, stride, pad."""

    def __init__(self, x_shape, w_shape, stride, pad, h_out, w_out):
        self.n, self.c, self.h, self.w = x_shape
        self.f, _, self.kh, self.kw = w_shape
        (self.sh, self.sw), (self.ph, self.pw) = stride, pad
        self.h_out, self.w_out = h_out, w_out
        self.hp, self.wp = self.h + 2 * self.ph, self.w + 2 * self.pw
        self.ckk = self.c * self.kh * self.kw
        self.hw = h_out * w_out
        self.last = w_out < SHORT_ROW
        self.chunks = plan(self.n, self.ckk * self.hw)
        total = self.n * self.ckk * self.hw
        self.keep = total <= KEEP_ENTRIES  # each chunk's matrix kept in its own buffer
        self.parallel = total >= PARALLEL_ENTRIES
        self.key = (self.n, self.c, self.h, self.w, self.kh, self.kw, self.sh, self.sw, self.ph, self.pw)

    def cols(self, x_pad, n0, n1, dtype, last):
        """The im2row matrix of images ``n0:n1`` in a work buffer, filled from ``x_pad (N, C, H_p, W_p)``.

        Returns it as ``(C*KH*KW, k*H_out*W_out)`` (rows.T of those images), with
        the image index last (``last=True``) or before the output position.
        A batch that is one chunk keeps its own buffer (named by its shapes), so
        the backward pass finds the matrix its forward pass filled and does not
        fill it again (see ``_already_filled``).
        """
        k, args = n1 - n0, (self.kh, self.kw, self.sh, self.sw, self.h_out, self.w_out)
        single = self.keep
        name = f"cols {self.key} {n0} {last}" if single else "cols"
        if last:
            cols = workspace(name, (self.c, self.kh, self.kw, self.h_out, self.w_out, k), dtype)
            if not (single and _already_filled(name, cols, x_pad)):
                x_t = workspace("x_t", (self.c, self.hp, self.wp, k), dtype)  # (C, H_p, W_p, k)
                x_t[...] = x_pad[n0:n1].transpose(1, 2, 3, 0)
                _fill_last(cols, x_t, *args)
        else:
            cols = workspace(name, (self.c, self.kh, self.kw, k, self.h_out, self.w_out), dtype)
            if not (single and _already_filled(name, cols, x_pad)):
                _fill(cols, x_pad[n0:n1].transpose(1, 0, 2, 3), *args)  # from (C, k, H_p, W_p), a view
        if single:
            _filled[name] = (weakref.ref(x_pad), cols)
        return cols.reshape(self.ckk, k * self.hw)  # (C*KH*KW, k*H_out*W_out)


class _Filled(threading.local):
    """Per thread: which padded input each one-chunk buffer was last filled from."""

    def __init__(self):
        self.entries = {}

    def get(self, name):
        return self.entries.get(name)

    def __setitem__(self, name, entry):
        self.entries[name] = entry


_filled = _Filled()


def _already_filled(name, cols, x_pad):
    """True when buffer ``cols`` still holds the matrix of ``x_pad``: filled from that very
    array (alive: a weak reference, never a reused id), into this very buffer, and not
    overwritten since (only ``Geometry.cols`` writes buffers of this name). ``x_pad`` is
    read-only, so its values cannot have changed."""
    entry = _filled.get(name)
    if entry is None or entry[0]() is not x_pad or entry[1] is not cols:
        _filled[name] = (lambda: None, None)  # about to be overwritten
        return False
    return True


def pad_into(x_pad, x, g, n0, n1):
    """Copy images ``n0:n1`` of ``x`` into ``x_pad``, zeros around (the cache's own copy)."""
    dst = x_pad[n0:n1]
    if g.ph or g.pw:
        dst[:, :, :g.ph] = 0
        dst[:, :, g.ph + g.h:] = 0
        dst[:, :, g.ph:g.ph + g.h, :g.pw] = 0
        dst[:, :, g.ph:g.ph + g.h, g.pw + g.w:] = 0
    dst[:, :, g.ph:g.ph + g.h, g.pw:g.pw + g.w] = x[n0:n1]


def forward(x, w, b, g, threads):
    """``out (N, F, H_out, W_out)`` and ``x_pad`` (a padded copy of ``x``, read-only) for the cache."""
    dtype = x.dtype
    x_pad = np.empty((g.n, g.c, g.hp, g.wp), dtype=dtype)  # (N, C, H_p, W_p)
    out = np.empty((g.n, g.f, g.hw), dtype=dtype)          # (N, F, H_out*W_out)
    w_mat = w.reshape(g.f, g.ckk)  # (F, C*KH*KW): one filter per row
    bias = b[:, None]              # (F, 1)

    def task(i):
        n0, n1 = g.chunks[i]
        k = n1 - n0
        pad_into(x_pad, x, g, n0, n1)
        cols = g.cols(x_pad, n0, n1, dtype, last=False)  # (C*KH*KW, k*H_out*W_out)
        # one product per image, straight into out[n]: w_mat @ rows_n.T (small products
        # of this shape run faster than one product of the whole chunk, measured)
        np.matmul(w_mat, cols.reshape(g.ckk, k, g.hw).transpose(1, 0, 2), out=out[n0:n1])
        out[n0:n1] += bias  # + b[f]

    run_chunks(task, len(g.chunks), threads if g.parallel else 1)
    x_pad.flags.writeable = False
    return out.reshape(g.n, g.f, g.h_out, g.w_out), x_pad


def backward(dout, x_pad, w, g, need_dx, threads):
    """``dx (N, C, H, W)`` (None without ``need_dx``), ``dw (F, C, KH, KW)``, ``db (F,)``."""
    dtype = dout.dtype
    d3 = dout.reshape(g.n, g.f, g.hw)  # (N, F, H_out*W_out)
    w_t = np.ascontiguousarray(w.reshape(g.f, g.ckk).T)  # (C*KH*KW, F)
    n_chunks = len(g.chunks)
    dw_parts = np.zeros((max(n_chunks, 1), g.ckk, g.f), dtype=dtype)  # one partial dW.T per chunk
    db_parts = np.zeros((max(n_chunks, 1), g.f), dtype=dtype)
    # np.zeros: a large array comes zeroed from the kernel page by page as it is first
    # touched (calloc), so no chunk has to zero its part before the scatter adds into it
    dx = np.zeros((g.n, g.c, g.h, g.w), dtype=dtype) if need_dx else None
    crop = (slice(g.ph, g.ph + g.h), slice(g.pw, g.pw + g.w))
    args = (g.kh, g.kw, g.sh, g.sw, g.h_out, g.w_out)
    # dW reads the rows in forward's layout when the batch is one chunk (forward's matrix is
    # still in its buffer); several chunks refill theirs, in the faster layout for short rows
    rows_last = g.last and not g.keep

    def deltas(name, n0, n1, last):
        """dY.T of images n0:n1 in a work buffer: (F, k*HW), image index last or not."""
        k = n1 - n0
        d_y = workspace(name, (g.f, g.hw * k), dtype)
        if last:
            d_y.reshape(g.f, g.hw, k)[...] = d3[n0:n1].transpose(1, 2, 0)  # (F, HW, k): image index last
        else:
            d_y.reshape(g.f, k, g.hw)[...] = d3[n0:n1].transpose(1, 0, 2)  # (F, k, HW)
        return d_y

    def task(i):
        n0, n1 = g.chunks[i]
        k = n1 - n0
        cols = g.cols(x_pad, n0, n1, dtype, rows_last)  # (C*KH*KW, k*HW): never stored whole
        d_y = deltas("d_y", n0, n1, rows_last)
        np.matmul(cols, d_y.T, out=dw_parts[i])  # dW_chunk.T = rows.T @ dY: (C*KH*KW, F)
        np.sum(d_y, axis=1, out=db_parts[i])       # db_chunk = Σ dY: (F,)
        if dx is None:
            return
        if g.last != rows_last:
            d_y = deltas("d_y_last", n0, n1, g.last)  # the scatter below wants the image index last
        d_cols = workspace("d_cols", (g.ckk, g.hw * k), dtype)  # (dY @ w_mat).T: (C*KH*KW, k*HW)
        np.matmul(w_t, d_y, out=d_cols)
        if g.last:
            target = workspace("dx_t", (g.c, g.hp, g.wp, k), dtype)  # (C, H_p, W_p, k)
            target[...] = 0
            _scatter_last(target, d_cols.reshape(g.c, g.kh, g.kw, g.h_out, g.w_out, k), *args)
            dx[n0:n1] = target[:, crop[0], crop[1], :].transpose(3, 0, 1, 2)  # (k, C, H, W)
            return
        cols6 = d_cols.reshape(g.c, g.kh, g.kw, k, g.h_out, g.w_out)
        if g.ph or g.pw:
            target = workspace("dx_pad", (k, g.c, g.hp, g.wp), dtype)  # (k, C, H_p, W_p)
            target[...] = 0
            _scatter(target.transpose(1, 0, 2, 3), cols6, *args)
            dx[n0:n1] = target[:, :, crop[0], crop[1]]  # the padding cropped
        else:
            _scatter(dx[n0:n1].transpose(1, 0, 2, 3), cols6, *args)  # dx starts at zero

    run_chunks(task, n_chunks, threads if g.parallel else 1)
    dw_t = dw_parts.sum(axis=0)  # (C*KH*KW, F), in chunk order: the same for any thread count
    dw = np.ascontiguousarray(dw_t.T).reshape(g.f, g.c, g.kh, g.kw)  # (F, C*KH*KW) -> (F, C, KH, KW)
    db = db_parts.sum(axis=0)
    return dx, dw, db
