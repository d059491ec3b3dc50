"""The network explorer's numbers: the trained weights, the state against ``Sequential.backward``
and finite differences, the click views of every unit and weight, the packed table, the widget.

The browser side (the JS computes the click views from the stored arrays) is checked
against ``network_unit`` in ``test_browser.py``.
"""
import hashlib
import json
import warnings
import zlib

import numpy as np
import pytest

from cnnlib.explorers import network_explorer
from cnnlib.explorers.network import NetworkExplorer, _png
from cnnlib.explorers.network_data import array, decode, encode, pack
from cnnlib.explorers.network_state import (PARAMS, SHAPES, STAGES, WEIGHTS_FILE, WEIGHTS_SHA256,
                                            dead_filters, drawn_digit, held_out_digits,
                                            network_state, trained_two_conv_net)
from cnnlib.explorers.network_steps import REVEAL, layer_notes, step_texts
from cnnlib.explorers.network_units import network_unit, sig3
from cnnlib.gradcheck import numerical_gradient
from cnnlib.losses import softmax_cross_entropy_backward, softmax_cross_entropy_forward
from cnnlib.network import two_conv_net
from cnnlib.train import evaluate, main as train_main

DIGIT = 26   # the explorer's first digit: a 9 read right with p = 0.596


@pytest.fixture(scope="module")
def model():
    return trained_two_conv_net()


@pytest.fixture(scope="module")
def digits():
    return held_out_digits()


@pytest.fixture(scope="module")
def state(model, digits):
    x, _, labels = digits
    return network_state(model, x[DIGIT], int(labels[DIGIT]))


@pytest.fixture(scope="module")
def explorer():
    return network_explorer()


# ----------------------------------------------------------------- the weights

def test_weights_file_checksum_and_load(model, digits):
    assert hashlib.sha256(WEIGHTS_FILE.read_bytes()).hexdigest() == WEIGHTS_SHA256
    readme = (WEIGHTS_FILE.parent / "README.md").read_text()
    assert WEIGHTS_SHA256 in readme and f"{WEIGHTS_FILE.stat().st_size:,} bytes" in readme
    x, _, labels = digits
    loss, acc = evaluate(model, x, labels)
    assert acc == pytest.approx(0.969, abs=1e-9)   # what data/README.md says
    assert f"{acc:.1%}" in readme


def test_a_damaged_weights_file_is_refused(tmp_path, monkeypatch):
    import cnnlib.explorers.network_state as S

    bad = tmp_path / "w.npz"
    bad.write_bytes(WEIGHTS_FILE.read_bytes()[:-10] + b"0123456789")
    monkeypatch.setattr(S, "WEIGHTS_FILE", bad)
    with pytest.raises(ValueError, match="expected SHA-256"):
        trained_two_conv_net()
    monkeypatch.setattr(S, "WEIGHTS_FILE", tmp_path / "missing.npz")
    with pytest.raises(FileNotFoundError, match="data/README.md"):
        trained_two_conv_net()


def test_the_readme_command_trains_the_shipped_weights_again(tmp_path, capsys):
    """The one command of data/README.md, run as written: same weights as the shipped file
    (bit for bit on this machine; the check allows float32 rounding of another BLAS)."""
    readme = (WEIGHTS_FILE.parent / "README.md").read_text()
    line = next(t for t in readme.splitlines() if t.startswith("python -m cnnlib.train"))
    argv = line.split()[3:]
    at = argv.index("--save")
    assert argv[at + 1] == "data/two_conv_weights.npz"
    argv[at + 1] = str(tmp_path / "again.npz")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        train_main(argv + ["--quiet"])
    assert "test accuracy 96.90% (969/1000)" in capsys.readouterr().out
    again, shipped = np.load(tmp_path / "again.npz"), np.load(WEIGHTS_FILE)
    assert sorted(again.files) == sorted(PARAMS)
    for k in PARAMS:
        np.testing.assert_allclose(again[k], shipped[k], rtol=1e-3, atol=1e-5, err_msg=k)


# ----------------------------------------------------------------- the state

def test_state_equals_sequential_backward(model, digits, state):
    x, _, labels = digits
    m = trained_two_conv_net()
    scores = m.forward(x[DIGIT][None])
    loss, cache = softmax_cross_entropy_forward(scores, [labels[DIGIT]])
    dx = m.backward(softmax_cross_entropy_backward(1.0, cache))
    assert state.loss == loss
    np.testing.assert_array_equal(state.delta["input"], dx[0])
    for k, g in m.gradients().items():
        np.testing.assert_array_equal(state.grads[k], g, err_msg=k)
    acts = m.activations(x[DIGIT][None])
    for name in STAGES:
        assert state.act[name].shape == SHAPES[name] == state.delta[name].shape
        np.testing.assert_array_equal(state.act[name], acts[name][0])
    np.testing.assert_array_equal(state.delta["maxpool2"].ravel(), state.delta["flatten1"])
    p = np.exp(scores[0] - scores[0].max())
    np.testing.assert_allclose(state.probs, p / p.sum(), rtol=1e-6)
    np.testing.assert_allclose(state.delta["fc1"], state.probs - np.eye(10)[labels[DIGIT]], atol=1e-7)


def _float64_model():
    m = two_conv_net(dtype=np.float64)
    return m.load(WEIGHTS_FILE)


def _above(m, stage):
    """The layers after ``stage`` (the whole net for "input")."""
    names = [la.name for la in m.layers]
    return m.layers if stage == "input" else m.layers[names.index(stage) + 1:]


def _finite_differences(m, x, t, stage, h=1e-6):
    """``(state, central differences, smooth)`` of E with respect to ``stage``'s output;
    ``smooth``: where a nudge up and a nudge down give the same slope (differentiable)."""
    s = network_state(m, x, t)
    layers = _above(m, stage)
    a0 = s.act[stage]

    def loss(a):
        out = a[None]
        for layer in layers:
            out = layer.forward(out)
        return softmax_cross_entropy_forward(out, [t])[0]

    numeric = numerical_gradient(loss, a0, h=h)
    e0, up, down = loss(a0), np.empty(a0.size), np.empty(a0.size)
    for k in range(a0.size):
        a = a0.copy()
        a.flat[k] += h
        up[k] = (loss(a) - e0) / h
        a.flat[k] -= 2 * h
        down[k] = (e0 - loss(a)) / h
    smooth = np.abs(up - down).reshape(a0.shape) < 1e-5 * np.abs(s.delta[stage]).max()
    return s, numeric, smooth


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_delta_matches_finite_differences(digits, stage):
    """δ of every stage = ∂E/∂(that stage's output), by central differences of the loss of the
    layers above it (float64), wherever the loss is differentiable. It is not where max
    pooling has a tie: the digit's constant background makes equal conv outputs, and a
    nudge there changes the winner (backprop takes the first maximum, ``cnnlib.pool``'s tie
    rule). So: on the digit itself, at the differentiable entries (measured: 30% of x, 36%
    of relu1, more elsewhere); on the same digit with its ties broken by noise of 0.01,
    at 90% of the entries or more (ReLU outputs at 0 aside: there ties stay)."""
    x, _, labels = digits
    m = _float64_model()
    t = int(labels[DIGIT])
    x0 = x[DIGIT].astype(np.float64)
    noisy = x0 + 0.01 * np.random.default_rng(1).normal(size=x0.shape)
    for image, least in ((x0, 0.25), (noisy, 0.9)):
        s, numeric, smooth = _finite_differences(m, image, t, stage)
        scale = np.abs(s.delta[stage]).max()
        countable = s.act[stage] > 0 if stage.startswith("relu") else np.ones(smooth.shape, bool)
        assert smooth[countable].mean() > least, (stage, smooth[countable].mean())
        assert np.abs(numeric - s.delta[stage])[smooth].max() <= 1e-6 * scale, stage


@pytest.mark.parametrize("name", PARAMS)
def test_every_weight_gradient_matches_finite_differences(digits, name):
    x, _, labels = digits
    m = _float64_model()
    t = int(labels[DIGIT])
    s = network_state(m, x[DIGIT].astype(np.float64), t)
    param = m.parameters()[name]
    saved = param.copy()
    flat = np.random.default_rng(0).choice(param.size, size=min(param.size, 40), replace=False)

    def loss_at(value):
        param[...] = value
        return m.loss(x[DIGIT][None].astype(np.float64), [t])

    for k in flat:
        def one(v, k=k):
            w = saved.copy()
            w.flat[k] = v[0]
            return loss_at(w)
        g = numerical_gradient(one, np.array([saved.flat[k]]), h=1e-6)[0]
        assert g == pytest.approx(s.grads[name].flat[k], abs=1e-7 * (1 + np.abs(s.grads[name]).max()))
    param[...] = saved


def test_state_refuses_bad_input(model):
    with pytest.raises(ValueError, match=r"shape \(1, 28, 28\)"):
        network_state(model, np.zeros((28, 28)), 3)
    with pytest.raises(ValueError, match="label 0..9"):
        network_state(model, np.zeros((1, 28, 28)), 10)
    from cnnlib.network import one_conv_net
    with pytest.raises(ValueError, match="two-conv net"):
        network_state(one_conv_net(), np.zeros((1, 28, 28)), 1)
    with pytest.raises(ValueError, match=r"\(28, 28\)"):
        drawn_digit(np.zeros((27, 28)))
    with pytest.raises(ValueError, match="0..255"):
        drawn_digit(np.full((28, 28), 300.0))


def test_drawn_digit_is_standardized_like_the_test_set(digits):
    x, pixels, _ = digits
    np.testing.assert_allclose(drawn_digit(pixels[DIGIT]), x[DIGIT], rtol=1e-6)


# ----------------------------------------------------------------- one unit's view

def _all_units():
    for stage in STAGES:
        for k in range(int(np.prod(SHAPES[stage]))):
            yield stage, k


def test_every_unit_sum_is_cnnlibs_delta_and_every_up_sum_its_value(state):
    """For each of the 8,400 units (and each weight): the terms of its delta sum to cnnlib's
    delta, the terms of its forward sum give its value; counts of terms as the layer says."""
    for stage, k in _all_units():
        v = network_unit(state, stage, k)
        scale = np.abs(state.delta[stage]).max()
        assert abs(v["sum"]["total"] - v["delta"]) <= 1e-5 * scale, (stage, k)
        if v["up"] is not None:
            assert abs(v["up"]["total"] - v["value"]) <= 1e-5 * (1 + abs(v["value"])), (stage, k)
    for name in PARAMS:
        g = state.grads[name]
        for k in range(g.size):
            v = network_unit(state, name, k)
            assert abs(v["sum"]["total"] - g.flat[k]) <= 1e-5 * np.abs(g).max(), (name, k)
    assert len(network_unit(state, "conv2", 0)["up"]["terms"]) == 48          # 3@4x4
    assert len(network_unit(state, "maxpool1", 6 * 13 + 6)["sum"]["terms"]) == 160   # 10 x 4 x 4
    assert len(network_unit(state, "maxpool1", 0)["sum"]["terms"]) == 10     # a corner: 1 per filter
    assert len(network_unit(state, "input", 0)["sum"]["terms"]) == 3
    assert len(network_unit(state, "conv1.w", 0)["sum"]["terms"]) == 676
    assert len(network_unit(state, "fc1", 0)["down"]) == 250


def test_max_pool_routing_and_relu_mask_in_the_views(state):
    d = state.delta
    routed = [k for k in range(1000) if network_unit(state, "relu2", k)["sum"]["terms"][0][0] == 1]
    assert len(routed) == 250                        # one winner per 2x2 window
    assert set(np.flatnonzero(d["relu2"].ravel())) <= set(routed)
    for k in range(0, 1000, 37):
        v = network_unit(state, "conv2", k)
        assert v["sum"]["terms"][0][0] == (1.0 if state.act["conv2"].flat[k] > 0 else 0.0)


def test_unit_view_refuses_bad_names(state):
    with pytest.raises(ValueError, match="stage: expected"):
        network_unit(state, "conv3", 0)
    with pytest.raises(ValueError, match="0..999"):
        network_unit(state, "conv2", 1000)
    with pytest.raises(ValueError, match="0..26"):
        network_unit(state, "conv1.w", 30)


def test_sig3_writes_three_significant_digits():
    cases = {0.0: "0", -0.0: "0", 1.125: "1.12", 1.135: "1.14", 0.000123456: "0.000123",
             1.5e-05: "1.5e-05", -3.92e-07: "-3.92e-07", 1234.5: "1.23e+03", 999.5: "1e+03",
             0.5: "0.5", 8.54: "8.54", -0.404: "-0.404", 100.0: "100"}
    for v, text in cases.items():
        assert sig3(v) == text, v


# ----------------------------------------------------------------- the steps, the notes

def test_step_texts_and_layer_notes_say_the_states_numbers(state):
    notes = dict(layer_notes(state, 9))
    assert f"{np.count_nonzero(state.delta['relu2'])} of 1000 relu2 units" in notes["relu2"]
    assert f"keeps {np.count_nonzero(state.delta['conv2'])}" in notes["conv2"]
    assert sig3(state.loss) in notes["forward"] and sig3(state.probs[9]) in notes["forward"]
    assert sig3(np.linalg.norm(state.delta["input"].astype(np.float64))) in notes["input"]
    texts = step_texts(state, 9)
    assert len(texts) == len(REVEAL) == 10
    assert texts[0].startswith("<b>Step 0 of 9: forward pass.</b>")
    assert dead_filters(state) == []


def test_a_dead_filter_has_zero_gradient(digits):
    """A conv2 filter switched off (bias -100): every one of its units is 0, so its filter's
    gradient norm is exactly 0 and the explorer's notes name it."""
    x, _, labels = digits
    m = trained_two_conv_net()
    m.layer("conv2").params["b"][4] = -100.0
    s = network_state(m, x[DIGIT], int(labels[DIGIT]))
    assert dead_filters(s) == [4]
    assert s.filter_norms["conv2.w"][4] == 0.0 and (np.delete(s.filter_norms["conv2.w"], 4) > 0).all()
    assert "filters [4] are off everywhere" in dict(layer_notes(s, 9))["conv2"]


# ----------------------------------------------------------------- the packed table

def test_the_table_holds_cnnlibs_arrays_unchanged(explorer, model, digits):
    header, data = decode(encode(*explorer.table_data()))
    x, _, labels = digits
    by_key = {d["key"]: d for d in header["digits"]}
    assert [d["index"] for d in header["digits"]] == explorer.precomputed
    assert sorted(by_key[f"t{DIGIT}"]["targets"]) == [str(t) for t in range(10)]
    for d in header["digits"][1:]:
        assert list(d["targets"]) == [str(d["label"])]
    for d in header["digits"][:3]:
        for t, b in d["targets"].items():
            s = network_state(model, x[d["index"]], int(t))
            for n in STAGES:
                np.testing.assert_array_equal(array(data, d["fwd"][n]), s.act[n])
                if n != "maxpool2":
                    np.testing.assert_array_equal(array(data, b["off"][f"d_{n}"]), s.delta[n])
            for k in PARAMS:
                np.testing.assert_array_equal(array(data, b["off"][f"g_{k}"]), s.grads[k])
            assert b["loss"] == s.loss and b["text"] == step_texts(s, d["label"])
    for k in PARAMS:
        np.testing.assert_array_equal(array(data, header["weights"][k]), model.parameters()[k])


def test_the_table_fits_the_notebook_budget(explorer):
    explorer.fill_table()
    assert len(explorer.table) < 600_000      # base64 of the deflated buffer
    raw = zlib.decompress(__import__("base64").b64decode(explorer.table))
    assert len(raw) > 3 * len(explorer.table) // 4   # it is compressed


# ----------------------------------------------------------------- the widget

def test_controls_clicks_and_kernel_messages(monkeypatch):
    ex = NetworkExplorer()
    sent = []
    monkeypatch.setattr(ex, "send", lambda content, buffers=None: sent.append((content, buffers)))
    assert ex.values["digit"] == DIGIT and ex.state.target == 9
    ex.set(step=3)
    assert not sent                                  # a precomputed digit: nothing to send
    view = ex.click("maxpool1", 100)
    assert view == network_unit(ex.state, "maxpool1", 100) and ex.values["unit"] == 100
    ex.set(target=4)                                 # all ten labels are stored for this digit
    assert not sent and ex.state.target == 4
    ex.set(digit=500, target=-1)                     # not precomputed: Python sends it
    (content, buffers), = sent
    assert content["kind"] == "digit" and content["values"]["digit"] == 500
    header = {k: v for k, v in content.items() if k not in ("kind", "values", "python_ms")}
    data = np.frombuffer(buffers[0], "<f4")
    s = network_state(ex.model, ex.x[500], int(ex.labels[500]))
    np.testing.assert_array_equal(array(data, header["digits"][0]["fwd"]["conv2"]), s.act["conv2"])
    ex._on_msg(ex, {"kind": "draw", "pixels": ex.pixels[7].tolist()}, [])
    assert ex.values["digit"] == -1 and ex.values["drawing"] == 1
    assert sent[-1][0]["values"]["digit"] == -1 and sent[-1][0]["digits"][0]["key"] == "d1"
    np.testing.assert_allclose(ex.state.x, ex.x[7], rtol=1e-6)
    assert ex.state.target == ex.state.predicted     # a drawing's loss: the predicted label
    ex._on_msg(ex, {"kind": "hello"}, [])
    assert sent[-1][0] == {"kind": "hello"}


def test_bad_controls_are_refused():
    ex = NetworkExplorer(digits=3)
    for bad, match in (({"digit": 1000}, "0..999"), ({"target": 10}, "target"),
                       ({"stage": "pool9"}, "stage"), ({"unit": 5000}, "0..999"),
                       ({"digit": -1}, "draw one first"), ({"colour": 1}, "no control")):
        with pytest.raises(ValueError, match=match):
            ex.set(**({"stage": "conv2"} if "unit" in bad else {}), **bad)
    before = dict(ex.values)
    ex.values = {**ex.values, "digit": 5000}          # the browser sent nonsense: reverted
    assert ex.values == before


def test_bad_arguments_are_refused():
    for kwargs, match in (({"digits": 1}, "digits: expected an int 2..12"),
                          ({"digits": 2.5}, "digits"), ({"all_labels": 9}, "all_labels"),
                          ({"featured": 1000}, "featured: expected a test index")):
        with pytest.raises(ValueError, match=match):
            NetworkExplorer(**kwargs)
    ex = NetworkExplorer(digits=3, featured=500)
    assert ex.precomputed[0] == 500 and len(ex.precomputed) == 3


def test_still_picture_and_repr(explorer):
    data, _ = explorer._repr_mimebundle_()
    assert "Run this cell" in data["text/plain"] or "run this cell" in data["text/plain"]
    still = data["text/html"]
    assert still.count("data:image/png;base64,") == 2 and "the network reads 9" in still
    assert len(still) < 10_000
    png = _png(np.zeros((2, 3, 3), np.uint8))
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and b"IEND" in png
    assert json.dumps(explorer.spec)   # JSON-able


def test_notebook_08_holds_the_current_front_end():
    """The executed notebook 08 carries the explorer's JS and CSS in its widget state (what a
    static page and an unrun, trusted notebook run): they must be the files as they are now,
    so a change of ``js/`` needs notebook 08 executed again."""
    from cnnlib.explorers._base import HERE
    from cnnlib.explorers.network import JS_FILES

    nb = json.loads((WEIGHTS_FILE.parents[1] / "notebooks" / "08_watch_the_backward_pass.ipynb").read_text())
    saved = [m["state"] for m in nb["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]
             ["state"].values() if "_esm" in m["state"]]
    assert len(saved) == 1
    assert saved[0]["_esm"] == "\n".join((HERE / "js" / n).read_text() for n in JS_FILES)
    assert saved[0]["_css"] == NetworkExplorer._css
    assert saved[0]["values"] == NetworkExplorer().values


# ------------------------------------------------------------------ the Python API's checks (issue 22)

@pytest.mark.parametrize("bad, message", [
    ({"digit": 2.7}, r"NetworkExplorer: digit: expected a test index 0..999 \(or -1, the drawing\), got 2.7"),
    ({"digit": True}, r"digit: expected a test index 0..999 .*got True"),
    ({"digit": "12"}, r"digit: expected a test index .*got '12'"),
    ({"target": 3.0}, r"target: expected -1 \(the true label\) or a label 0..9, got 3.0"),
    ({"step": 99}, r"step: expected an int in 0..9 \(the slider's range\), got 99"),
    ({"step": -1}, r"step: expected an int in 0..9 .*got -1"),
    ({"stage": ["conv2"]}, r"stage: expected one of \['input', 'conv1', .*\] or a weight name .*got \['conv2'\]"),
    ({"stage": None}, r"stage: expected one of"),
    ({"unit": 1.5}, r"unit: expected an int \(a flat index into fc1\), got 1.5"),
    ({"unit": 10}, r"index: expected 0..9 for fc1, got 10"),
    ({"drawing": 3}, r"drawing: expected 0, the number of drawings made with ex.draw \(not a control to set\), "
                     r"got 3"),
    ({"digits": 3}, r"no control named 'digits'"),
])
def test_every_control_is_checked_and_a_refusal_changes_nothing(explorer, bad, message):
    before = dict(explorer.values), explorer.state, explorer.unit
    with pytest.raises(ValueError, match=message):
        explorer.set(**bad)
    assert (dict(explorer.values), explorer.state, explorer.unit) == before
    explorer.set(step=3)            # and it still works
    explorer.set(step=before[0]["step"])


def test_unknown_constructor_keywords_are_refused_before_anything_is_loaded(monkeypatch):
    import cnnlib.explorers.network as N

    def no_model(*args, **kwargs):
        raise AssertionError("the network was loaded before the keywords were checked")
    monkeypatch.setattr(N, "trained_two_conv_net", no_model)
    for kwargs, message in (({"colour": 1}, r"NetworkExplorer: no keyword argument or control named 'colour'"),
                            ({"digits": np.float64(3)}, r"digits: expected an int 2..12, got np.float64\(3.0\)"),
                            ({"all_labels": True}, r"all_labels: expected an int 0..8, got True"),
                            ({"featured": "5"}, r"featured: expected a test index 0..999 or None, got '5'")):
        with pytest.raises(ValueError, match=message):
            NetworkExplorer(**kwargs)


def test_a_drawing_message_that_is_not_784_numbers_answers_with_an_error_message(explorer, monkeypatch):
    sent = []
    monkeypatch.setattr(explorer, "send", lambda content, buffers=None: sent.append(content))
    before = dict(explorer.values)
    for pixels in (None, {"a": 1}, [[1, 2]], ["x"] * 784):
        explorer._on_msg(explorer, {"kind": "draw", "pixels": pixels}, [])
        assert sent[-1]["kind"] == "error" and sent[-1]["text"]
    assert explorer.values == before


def test_trained_weights_from_a_path_that_is_not_a_path_are_a_clear_error():
    with pytest.raises(ValueError, match=r"trained_two_conv_net: expected a file path \(str or os.PathLike\), got int"):
        trained_two_conv_net(path=3)
