"""Confirm that a held-out answer is really wrong: run it and the solutions notebook's function
(reference.py) on the notebook's example and on random non-whole data of this set's own
geometries (chosen here, not the checkers'), and say where they differ.

``probe(answer)`` -> list of (input label, verdict), verdict one of "same", "differs: ...",
"raises <Error>: ...", "mutates <arg>".
"""
import copy

import numpy as np

from cnnlib.data import teaching_example

from .reference import REFERENCE

# (N, C, F, H, W, KH, KW, S, P, label)
CONV_GEOMETRIES = [
    (2, 3, 2, 7, 9, 3, 2, 2, 1, "N=2 C=3 F=2 7x9, 3x2 kernel, S=2, P=1"),
    (1, 2, 3, 8, 8, 3, 3, 3, 0, "C=2 F=3 8x8, 3x3, S=3 (does not tile)"),
    (2, 1, 1, 6, 6, 3, 3, 1, 2, "N=2 C=F=1 6x6, 3x3, S=1, P=2"),
    (3, 2, 2, 5, 7, 2, 4, 1, 0, "N=3 C=F=2 5x7, 2x4 kernel, S=1"),
    (1, 1, 1, 7, 7, 3, 3, 2, 0, "7x7, 3x3, S=2 (the course's layer), random floats"),
    (2, 2, 2, 9, 6, 4, 3, 2, 1, "N=2 C=F=2 9x6, 4x3 kernel, S=2, P=1 (does not tile)"),
    (1, 2, 3, 7, 8, 3, 3, 2, 2, "C=2 F=3 7x8, 3x3, S=2, P=2"),
]
# (N, C, H, W, size, stride, label)
POOL_GEOMETRIES = [
    (1, 1, 4, 4, 2, 2, "4x4, 2x2, S=2"),
    (2, 2, 7, 7, 3, 2, "N=2 C=2 7x7, 3x3, S=2 (overlap)"),
    (1, 3, 6, 9, 2, 2, "C=3 6x9, 2x2, S=2 (column 8 in no window)"),
    (1, 2, 5, 6, 3, 1, "C=2 5x6, 3x3, S=1"),
    (2, 1, 8, 7, 3, 3, "N=2 8x7, 3x3, S=3 (rows 6-7, column 6 in no window)"),
    (1, 1, 6, 6, 2, 3, "6x6, 2x2, S=3 (gaps)"),
]


def _rng(k):
    return np.random.default_rng(1000 + k)


def conv_cases():
    """(label, x, w, b, dout, stride, pad): the course's example, then random floats."""
    ex = teaching_example()
    yield "the course's 7x7 example (integers)", ex.x, ex.w, ex.b, ex.dout, ex.stride, ex.pad
    ex3 = teaching_example(channels=3, filters=2, seed=4)
    yield "teaching_example(C=3, F=2), integers", ex3.x, ex3.w, ex3.b, ex3.dout, ex3.stride, ex3.pad
    for k, (N, C, F, H, W, KH, KW, S, P, label) in enumerate(CONV_GEOMETRIES):
        rng = _rng(k)
        H_out, W_out = (H + 2 * P - KH) // S + 1, (W + 2 * P - KW) // S + 1
        yield (label, rng.normal(size=(N, C, H, W)), rng.normal(size=(F, C, KH, KW)),
               rng.normal(size=F), rng.normal(size=(N, F, H_out, W_out)), S, P)


def pool_cases():
    """(label, x, dout, size, stride): notebook 05's 4x4, then integers with ties, then floats."""
    x4 = np.array([[1., 3., 2., 9.], [4., 2., 7., 5.], [6., 8., 3., 0.], [5., 7., 1., 4.]])[None, None]
    yield "notebook 05's 4x4 example", x4, np.array([[2., -1.], [1., 3.]])[None, None], 2, 2
    for k, (N, C, H, W, size, stride, label) in enumerate(POOL_GEOMETRIES):
        rng = _rng(50 + k)
        H_out, W_out = (H - size) // stride + 1, (W - size) // stride + 1
        ties = rng.integers(-3, 4, size=(N, C, H, W)).astype(float)
        yield label + ", integers with ties", ties, rng.normal(size=(N, C, H_out, W_out)), size, stride
        yield label + ", floats", rng.normal(size=(N, C, H, W)), rng.normal(size=(N, C, H_out, W_out)), size, stride


def inputs(checker):
    """Yield (label, args) for the checker's function."""
    if checker == "check_conv_forward_loops":
        for label, x, w, b, dout, s, p in conv_cases():
            yield label, (x, w, b, s, p)
    elif checker == "check_kernel_and_bias_gradient":
        from cnnlib.exercises import kernel_and_bias_gradient_example
        yield "notebook 03's example", kernel_and_bias_gradient_example()
        for label, x, w, b, dout, s, p in conv_cases():
            yield label, (dout, x, w.shape, s, p)
    elif checker == "check_pixel_gradient":
        from cnnlib.exercises import pixel_gradient_example
        yield "notebook 04's example", pixel_gradient_example()
        for label, x, w, b, dout, s, p in conv_cases():
            for u in range(x.shape[2]):
                for v in range(x.shape[3]):
                    yield f"{label}, pixel ({u}, {v})", (dout, w, s, p, u, v)
    elif checker == "check_input_gradient_by_correlation":
        from cnnlib.exercises import input_gradient_example
        yield "notebook 04's example (b)", input_gradient_example()
        for label, x, w, b, dout, s, p in conv_cases():
            yield label, (dout, w, x.shape, s, p)
    elif checker == "check_relu_backward":
        z = np.array([[2., -1., 0., 3.], [-2., 4., -3., 1.], [1., 0., 5., -4.]])
        d = np.array([[1., 2., -1., 1.], [2., -2., 1., 3.], [-1., 1., 2., 2.]])
        yield "notebook 05's 3x4 example", (d, z)
        for k, shape in enumerate([(3, 4), (2, 3, 4, 5), (4, 6), (5,)]):
            rng = _rng(90 + k)
            z = rng.normal(size=shape) * 2
            z[rng.random(shape) < 0.2] = 0.0
            yield f"random {shape} with exact zeros", (rng.normal(size=shape), z)
    elif checker == "check_maxpool_backward":
        for label, x, dout, size, stride in pool_cases():
            yield label, (dout, x, size, stride)
    elif checker == "check_avgpool_backward":
        for label, x, dout, size, stride in pool_cases():
            yield label, (dout, x.shape, size, stride)
    elif checker == "check_im2row":
        for label, x, w, b, dout, s, p in conv_cases():
            yield label, (x, w.shape[2], w.shape[3], s, p)
    elif checker == "check_row2im":
        for label, x, w, b, dout, s, p in conv_cases():
            rows = REFERENCE["check_im2row"](x, w.shape[2], w.shape[3], s, p)
            g = _rng(7).normal(size=rows.shape)
            yield label, (g, x.shape, w.shape[2], w.shape[3], s, p)
    elif checker == "check_one_conv_gradients":
        for k, n in enumerate((2, 3, 1)):
            rng = _rng(200 + k)
            params = {"conv1.w": rng.normal(size=(8, 1, 3, 3)) * 0.4, "conv1.b": rng.normal(size=8) * 0.1,
                      "fc1.w": rng.normal(size=(1352, 10)) * 0.05, "fc1.b": rng.normal(size=10) * 0.1}
            yield f"{n} random images", (params, rng.normal(size=(n, 1, 28, 28)), rng.integers(0, 10, n))
    elif checker == "check_pool1_delta":
        for k, (F, C, KH, KW, H, W) in enumerate([(10, 3, 4, 4, 10, 10), (2, 3, 3, 2, 4, 5),
                                                  (1, 1, 3, 3, 4, 4), (3, 2, 2, 3, 3, 6)]):
            rng = _rng(300 + k)
            yield f"F={F} C={C} kernel {KH}x{KW} deltas {H}x{W}", (rng.normal(size=(F, C, KH, KW)),
                                                                    rng.normal(size=(F, H, W)))
    else:
        raise ValueError(f"no probe inputs for {checker}")


def _same(a, b):
    if isinstance(b, dict):
        return isinstance(a, dict) and set(a) == set(b) and all(_same(a[k], b[k]) for k in b)
    if isinstance(b, tuple):
        return isinstance(a, (tuple, list)) and len(a) == len(b) and all(_same(p, q) for p, q in zip(a, b))
    a = np.asarray(a)
    b = np.asarray(b)
    return a.shape == b.shape and a.dtype.kind in "fiu" and np.allclose(a, b, rtol=1e-12, atol=1e-12)


def _differs(a, b):
    """A short description of how answer a differs from reference b."""
    if isinstance(b, (tuple, dict)):
        keys = range(len(b)) if isinstance(b, tuple) else b
        try:
            bad = [k for k in keys if not _same(a[k], b[k])]
        except Exception as exc:  # noqa: BLE001
            return f"differs: not the same structure ({type(exc).__name__})"
        return f"differs in {bad}"
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return f"differs: shape {a.shape}, expected {b.shape}"
    if a.dtype != b.dtype and a.dtype.kind == "f" and np.allclose(a, b, rtol=1e-5):
        return f"differs: dtype {a.dtype}, close to 1e-5"
    wrong = ~np.isclose(a, b, rtol=1e-12, atol=1e-12)
    return f"differs: {int(wrong.sum())} of {b.size} entries"


def _changed(given, original):
    """True when the answer changed an argument it was handed (an array, or a dict of arrays)."""
    if isinstance(original, np.ndarray):
        return not np.array_equal(given, original)
    if isinstance(original, dict):
        return set(given) != set(original) or any(
            not isinstance(given[k], np.ndarray) or given[k].shape != v.shape or not np.array_equal(given[k], v)
            for k, v in original.items())
    return False


def probe(answer):
    """Run answer.fn and the reference on every probe input of its checker."""
    ref = REFERENCE[answer.checker]
    results = []
    for label, args in inputs(answer.checker):
        expected = ref(*copy.deepcopy(args))
        given = copy.deepcopy(args)
        try:
            got = answer.fn(*given)
        except Exception as exc:  # noqa: BLE001  (a learner's crash is a result here)
            results.append((label, f"raises {type(exc).__name__}: {str(exc)[:80]}"))
            continue
        mutated = [k for k, (g, a) in enumerate(zip(given, args)) if _changed(g, a)]
        if mutated:
            results.append((label, f"mutates argument {mutated}"))
        elif _same(got, expected):
            results.append((label, "same"))
        else:
            results.append((label, _differs(got, expected)))
    return results


def is_wrong(answer):
    """True when the answer differs from the reference (or raises, or mutates) on some probe."""
    return any(v != "same" for _, v in probe(answer))


def summary(answer):
    """A one-line count: on how many probes it differs, and the first few."""
    res = probe(answer)
    bad = [(label, v) for label, v in res if v != "same"]
    return f"{len(bad)} of {len(res)} probes differ" + ("" if not bad else ": " + "; ".join(
        f"{label}: {v}" for label, v in bad[:3]))
