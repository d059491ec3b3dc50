"""What a click on one unit (or one weight) of ``network_explorer`` shows, computed from a state.

``network_unit(state, stage, index)`` -> a dict of plain numbers:

- ``value``, ``delta``: the unit's activation and ``∂E/∂`` it (for a weight: the weight and
  cnnlib's gradient ``∂E/∂w``), as ``network_state`` holds them;
- ``up``: the forward sum that made it (``terms`` ``[[a, b], ...]``, ``bias``, ``total`` =
  bias + Σ a·b), and which units those are (``units``: ``[stage, flat index]``);
- ``sum``: the terms whose sum is its delta, in the chain rule's order (``terms`` ``[[a, b,
  stage, flat index]]``, ``total`` = Σ a·b), e.g. for a unit of maxpool1 (the input of conv2)

      δ[c, r, s] = Σ_f Σ_m Σ_q w2[f, c, m, q] · δ_conv2[f, r - m, s - q]   (valid r-m, s-q);

- ``down``: where its delta is sent, ``[[stage, flat index, a, a·δ]]`` (for a conv unit
  also its share of the weight gradient: the window it read, ``grad``).

The browser computes the same dict from the stored arrays (``js/network.js``, ``unitView``):
the sums in float64 from the float32 numbers, term by term in this order, so both give
the same bits (a browser test compares them). ``sig3`` writes a number as both show it,
``prob3`` a probability (never "1" for 0.9996).
"""
import numpy as np

from .network_state import SHAPES

CONV = {"conv1": ("input", "conv1.w", "conv1.b"), "conv2": ("maxpool1", "conv2.w", "conv2.b")}
RELU = {"relu1": "conv1", "relu2": "conv2"}
POOL = {"maxpool1": "relu1", "maxpool2": "relu2"}
ABOVE = {"input": "conv1", "maxpool1": "conv2"}   # the conv layer that reads a stage


def sig3(v):
    """``v`` with 3 significant digits, as Python's ``'.3g'`` writes it (0 for ±0)."""
    v = float(v)
    return "0" if v == 0 else f"{v:.3g}"


def prob3(p):
    """A probability as ``sig3`` writes it, except where that would round it to 1 (or 0):
    then with as many decimals as show how far below 1 it is (0.99962, not 1)."""
    p = float(p)
    text = sig3(p)
    if text == "1" and p < 1.0:
        return f"{p:.{int(np.floor(-np.log10(1.0 - p))) + 2}f}"
    return text


def _flat(stage, index):
    return int(np.ravel_multi_index(index, SHAPES[stage]))


def _sum(terms, start=0.0):
    total = float(start)
    for a, b, *_ in terms:
        total += float(a) * float(b)
    return total


def network_unit(s, stage, index):
    """The click view of unit ``index`` (a flat index) of ``stage`` (see the module text)."""
    if stage in ("conv1.w", "conv2.w", "fc1.w", "conv1.b", "conv2.b", "fc1.b"):
        return _weight(s, stage, int(index))
    if stage not in SHAPES:
        raise ValueError(f"stage: expected one of {list(SHAPES)} or a weight name, got {stage!r}")
    size = int(np.prod(SHAPES[stage]))
    if not 0 <= int(index) < size:
        raise ValueError(f"index: expected 0..{size - 1} for {stage}, got {index}")
    idx = np.unravel_index(int(index), SHAPES[stage])
    a, d = s.act, s.delta
    view = {"stage": stage, "index": int(index), "value": float(a[stage][idx]),
            "delta": float(d[stage][idx]), "up": None, "down": []}
    f = lambda st, *i: float(st[i])   # noqa: E731
    if stage in CONV:
        src, wname, bname = CONV[stage]
        w, b = s.params[wname], s.params[bname]
        fi, i, j = idx
        terms = [[f(w, fi, c, m, q), f(a[src], c, i + m, j + q), src, _flat(src, (c, i + m, j + q))]
                 for c in range(w.shape[1]) for m in range(w.shape[2]) for q in range(w.shape[3])]
        view["up"] = {"terms": terms, "bias": float(b[fi]), "total": _sum(terms, b[fi])}
        relu = "relu" + stage[-1]
        view["sum"] = {"terms": [[1.0 if a[stage][idx] > 0 else 0.0, f(d[relu], *idx), relu,
                                  int(index)]]}
        dl = float(d[stage][idx])
        view["down"] = [[src, t[3], t[0], t[0] * dl] for t in terms]
        view["grad"] = [[wname, int(np.ravel_multi_index((fi, c, m, q), w.shape)), t[1], t[1] * dl]
                        for t, (c, m, q) in zip(terms, np.ndindex(w.shape[1:]))]
    elif stage in RELU:
        conv = RELU[stage]
        view["up"] = {"terms": [[1.0, f(a[conv], *idx), conv, int(index)]], "bias": 0.0,
                      "total": max(0.0, f(a[conv], *idx))}
        pool = "maxpool" + stage[-1]
        c, i, j = idx
        won = int(s.winners[pool][c, i // 2, j // 2]) == (i % 2) * 2 + j % 2
        k = _flat(pool, (c, i // 2, j // 2))
        view["sum"] = {"terms": [[1.0 if won else 0.0, f(d[pool], c, i // 2, j // 2), pool, k]]}
        on = 1.0 if a[conv][idx] > 0 else 0.0
        view["down"] = [[conv, int(index), on, on * float(d[stage][idx])]]
    elif stage in POOL:
        relu = POOL[stage]
        c, i, j = idx
        terms = [[1.0, f(a[relu], c, 2 * i + m, 2 * j + q), relu, _flat(relu, (c, 2 * i + m, 2 * j + q))]
                 for m in range(2) for q in range(2)]
        win = int(s.winners[stage][idx])
        view["up"] = {"terms": terms, "bias": 0.0, "total": terms[win][1], "winner": terms[win][3]}
        view["down"] = [[relu, terms[win][3], 1.0, float(d[stage][idx])]]
        if stage == "maxpool2":   # un-flatten: its delta is flatten1's, same number
            view["sum"] = {"terms": [[1.0, float(d["flatten1"][int(index)]), "flatten1", int(index)]]}
        else:                     # the input gradient of conv2 (a full correlation)
            view["sum"] = {"terms": _input_gradient(s, "conv2", idx)}
    elif stage == "input":
        view["sum"] = {"terms": _input_gradient(s, "conv1", idx)}
    elif stage == "flatten1":
        w = s.params["fc1.w"]
        view["up"] = {"terms": [[1.0, float(a["maxpool2"].ravel()[int(index)]), "maxpool2", int(index)]],
                      "bias": 0.0, "total": float(a["flatten1"][int(index)])}
        view["sum"] = {"terms": [[float(w[int(index), k]), float(d["fc1"][k]), "fc1", k]
                                 for k in range(w.shape[1])]}
        view["down"] = [["maxpool2", int(index), 1.0, float(d[stage][int(index)])]]
    else:   # fc1: a score
        w, k = s.params["fc1.w"], int(index)
        terms = [[float(w[r, k]), float(a["flatten1"][r]), "flatten1", r] for r in range(w.shape[0])]
        view["up"] = {"terms": terms, "bias": float(s.params["fc1.b"][k]),
                      "total": _sum(terms, s.params["fc1.b"][k])}
        view["sum"] = {"terms": [[1.0, float(s.probs[k]), "softmax", k],
                                 [-1.0, 1.0 if k == s.target else 0.0, "target", k]]}
        view["down"] = [["flatten1", r, t[0], t[0] * float(d["fc1"][k])] for r, t in enumerate(terms)]
    if "sum" in view:
        view["sum"]["total"] = _sum(view["sum"]["terms"])
    return view


def _input_gradient(s, conv, idx):
    """``[[w, δ_out, conv, flat]]`` whose sum is ∂E/∂(input unit ``idx``) of layer ``conv``:
    ``Σ_f Σ_m Σ_q w[f, c, m, q] · δ[f, r - m, s - q]`` over the outputs that read it."""
    w, dl = s.params[conv + ".w"], s.delta[conv]
    c, r, q0 = idx
    out = []
    for fi in range(w.shape[0]):
        for m in range(w.shape[2]):
            for q in range(w.shape[3]):
                i, j = r - m, q0 - q
                if 0 <= i < dl.shape[1] and 0 <= j < dl.shape[2]:
                    out.append([float(w[fi, c, m, q]), float(dl[fi, i, j]), conv,
                                _flat(conv, (fi, i, j))])
    return out


def _weight(s, name, index):
    shape = s.params[name].shape
    if not 0 <= index < int(np.prod(shape)):
        raise ValueError(f"index: expected 0..{int(np.prod(shape)) - 1} for {name}, got {index}")
    idx = np.unravel_index(index, shape)
    view = {"stage": name, "index": index, "value": float(s.params[name][idx]),
            "delta": float(s.grads[name][idx]), "up": None, "down": []}
    layer, kind = name.split(".")
    dl = s.delta[layer]
    if kind == "b":                      # ∂E/∂b[f] = Σ_i Σ_j δ[f, i, j]
        flat = dl[idx[0]].ravel() if dl.ndim == 3 else dl[idx[0]:idx[0] + 1]
        base = idx[0] * flat.size
        terms = [[1.0, float(v), layer, base + k] for k, v in enumerate(flat)]
    elif layer == "fc1":                 # ∂E/∂W[r, k] = flatten1[r] · δ_scores[k]
        r, k = idx
        terms = [[float(s.act["flatten1"][r]), float(dl[k]), "fc1", int(k)]]
    else:                                # ∂E/∂w[f, c, m, q] = Σ_i Σ_j δ[f, i, j] · x[c, i + m, j + q]
        src = CONV[layer][0]
        fi, c, m, q = idx
        terms = [[float(dl[fi, i, j]), float(s.act[src][c, i + m, j + q]), layer,
                  _flat(layer, (fi, i, j))] for i in range(dl.shape[1]) for j in range(dl.shape[2])]
    view["sum"] = {"terms": terms, "total": _sum(terms)}
    return view
