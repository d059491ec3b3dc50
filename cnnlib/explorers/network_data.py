"""The numbers of ``network_explorer`` packed for the browser: one float32 buffer and a header.

``pack(entries, weights)`` -> ``(header, buffer)``: ``header`` a JSON-able dict, ``buffer``
the bytes of one little-endian float32 array; the header gives each array's offset
(in floats) and shape. An entry is one digit: its forward arrays (every stage's
activation, the softmax, the max-pool winners) and, per loss label, its backward
(every stage's delta, every weight gradient, the loss, the gradient norms and the
step texts). ``encode(header, buffer)`` is what the widget state stores: base64 of the
deflate-compressed ``4-byte header length | header JSON | padding | buffer``. The
browser (``js/network.js``) reads it back with no number changed: the float32 values
are cnnlib's own (the model is float32).
"""
import base64
import json
import struct
import zlib

import numpy as np

from .network_state import PARAMS, STAGES
from .network_steps import step_texts

FORWARD = STAGES + ("softmax", "winners1", "winners2")
BACKWARD = tuple(f"d_{n}" for n in STAGES if n != "maxpool2") + tuple(f"g_{k}" for k in PARAMS)


class _Buffer:
    def __init__(self):
        self.parts, self.size = [], 0

    def add(self, array):
        a = np.ascontiguousarray(array, dtype="<f4")
        offset = self.size
        self.parts.append(a.ravel())
        self.size += a.size
        return [offset, list(a.shape)]

    def bytes(self):
        return (np.concatenate(self.parts) if self.parts else np.zeros(0, "<f4")).tobytes()


def forward_arrays(s):
    out = {n: s.act[n] for n in STAGES}
    out.update(softmax=s.probs, winners1=s.winners["maxpool1"], winners2=s.winners["maxpool2"])
    return out


def backward_arrays(s):
    out = {f"d_{n}": s.delta[n] for n in STAGES if n != "maxpool2"}   # = flatten1's, reshaped
    out.update({f"g_{k}": s.grads[k] for k in PARAMS})
    return out


def entry_header(key, index, label, states, buf):
    """One digit: ``states`` {target: NetworkState} (same image), arrays added to ``buf``."""
    first = next(iter(states.values()))
    head = {"key": key, "index": index, "label": label, "predicted": first.predicted,
            "fwd": {n: buf.add(a) for n, a in forward_arrays(first).items()}, "targets": {}}
    for target, s in states.items():
        head["targets"][str(target)] = {
            "off": {n: buf.add(a) for n, a in backward_arrays(s).items()},
            "loss": s.loss, "norms": s.norms,
            "filter_norms": {k: [float(v) for v in s.filter_norms[k]] for k in s.filter_norms},
            "text": step_texts(s, label)}
    return head


def pack(entries, weights=None):
    """``entries``: [(key, test index or -1, true label or -1, {target: state})] -> header, bytes."""
    buf = _Buffer()
    header = {"digits": [entry_header(*e, buf) for e in entries]}
    if weights is not None:
        header["weights"] = {k: buf.add(weights[k]) for k in PARAMS}
    return header, buf.bytes()


def encode(header, buffer, level=9):
    text = json.dumps(header, separators=(",", ":"), sort_keys=True).encode()
    pad = (-(4 + len(text))) % 4
    raw = struct.pack("<I", len(text)) + text + b" " * pad + buffer
    return base64.b64encode(zlib.compress(raw, level)).decode("ascii")


def decode(text):
    """``encode``'s inverse: ``(header, float32 array)`` (as the browser reads it)."""
    raw = zlib.decompress(base64.b64decode(text))
    (n,) = struct.unpack("<I", raw[:4])
    header = json.loads(raw[4:4 + n])
    start = 4 + n + (-(4 + n)) % 4
    return header, np.frombuffer(raw[start:], dtype="<f4")


def array(data, where):
    """The array at ``where = [offset, shape]`` of a decoded buffer."""
    offset, shape = where
    return data[offset:offset + int(np.prod(shape))].reshape(shape)
