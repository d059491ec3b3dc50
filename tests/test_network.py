"""cnnlib.network: layers against finite differences, the whole network, save/load, shapes."""
import numpy as np
import pytest

from cnnlib.gradcheck import check_close, numerical_gradient, numerical_vjp
from cnnlib.losses import softmax_cross_entropy_backward, softmax_cross_entropy_forward
from cnnlib.network import (AvgPool2D, Conv2D, Dense, Flatten, MaxPool2D, ReLU, Sequential,
                            build_model, check_gradients, one_conv_net, two_conv_net)


def _layer_with_params(layer, rng):
    layer.init(rng, np.dtype(np.float64))
    return layer


LAYER_CASES = [
    ("conv stride 1", lambda: Conv2D(2, 3, 3), (2, 2, 6, 6)),
    ("conv stride 2 pad 1", lambda: Conv2D(2, 3, 3, stride=2, pad=1), (2, 2, 7, 7)),
    ("relu", ReLU, (2, 3, 4, 4)),
    ("maxpool 2", lambda: MaxPool2D(2), (2, 2, 4, 6)),
    ("maxpool 3 stride 2 (overlap)", lambda: MaxPool2D(3, stride=2), (1, 2, 7, 7)),
    ("avgpool 2", lambda: AvgPool2D(2), (2, 2, 4, 4)),
    ("flatten", Flatten, (2, 3, 2, 2)),
    ("dense", lambda: Dense(5, 4), (3, 5)),
]


@pytest.mark.parametrize("label, make, x_shape", LAYER_CASES, ids=[c[0] for c in LAYER_CASES])
def test_layer_backward_matches_finite_differences(label, make, x_shape):
    rng = np.random.default_rng(1)
    layer = _layer_with_params(make(), rng)
    x = rng.normal(size=x_shape)
    out = layer.forward(x)
    dout = rng.normal(size=out.shape)
    dx = layer.backward(dout)

    def f_x(z):
        return layer.forward(z)

    check_close(f"{label} dx", dx, numerical_vjp(f_x, x, dout), tol=1e-7)
    grads = {k: v.copy() for k, v in layer.grads.items()}
    for name, param in layer.params.items():
        saved = param.copy()

        def f_p(value, param=param):
            param[...] = value
            return np.sum(layer.forward(x) * dout)

        numeric = numerical_gradient(f_p, saved)
        param[...] = saved
        check_close(f"{label} d{name}", grads[name], numeric, tol=1e-7)


def test_backward_before_forward_is_a_clear_error():
    with pytest.raises(ValueError, match="backward called before forward"):
        ReLU(name="r").backward(np.ones((1, 1, 2, 2)))


def test_two_conv_net_shapes_and_summary():
    model = two_conv_net()
    assert model.shapes == [(1, 28, 28), (3, 26, 26), (3, 26, 26), (3, 13, 13), (10, 10, 10),
                            (10, 10, 10), (10, 5, 5), (250,), (10,)]
    params = model.parameters()
    assert {k: v.shape for k, v in params.items()} == {
        "conv1.w": (3, 1, 3, 3), "conv1.b": (3,), "conv2.w": (10, 3, 4, 4), "conv2.b": (10,),
        "fc1.w": (250, 10), "fc1.b": (10,)}
    assert model.num_parameters() == 30 + 490 + 2510
    text = model.summary()
    for piece in ("(3, 26, 26)", "(10, 10, 10)", "(10, 5, 5)", "(250,)", "3030"):
        assert piece in text
    out = model.forward(np.zeros((2, 1, 28, 28)))
    assert out.shape == (2, 10) and out.dtype == np.float32


def test_whole_two_conv_network_gradient_check():
    rng = np.random.default_rng(3)
    model = two_conv_net(seed=3, dtype=np.float64)
    x = rng.normal(size=(2, 1, 28, 28))
    y = np.array([3, 7])
    errors = check_gradients(model, x, y)
    assert set(errors) == set(model.parameters())
    assert max(errors.values()) < 1e-6, errors
    # and the gradient with respect to the input image (one image: 784 pixels)
    _, scores = model.loss_and_gradients(x[:1], y[:1])
    _, cache = softmax_cross_entropy_forward(scores, y[:1])
    dx = model.backward(softmax_cross_entropy_backward(1.0, cache))
    check_close("dE/dx", dx, numerical_gradient(lambda z: model.loss(z, y[:1]), x[:1]), tol=1e-6)


@pytest.mark.parametrize("make", [two_conv_net, one_conv_net])
def test_backward_without_dx_fills_the_same_gradients(make):
    """``need_dx=False`` (what training uses) returns None and changes no weight gradient."""
    model = make(seed=2, dtype=np.float64)
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(3, 1, 28, 28)), np.array([1, 2, 3])
    _, cache = softmax_cross_entropy_forward(model.forward(x), y)
    dscores = softmax_cross_entropy_backward(1.0, cache)
    dx = model.backward(dscores)
    assert dx.shape == x.shape
    full = {k: v.copy() for k, v in model.gradients().items()}
    assert model.backward(dscores, need_dx=False) is None
    for k, v in model.gradients().items():
        assert np.array_equal(v, full[k]), k
    model.loss_and_gradients(x, y)                # uses need_dx=False
    for k, v in model.gradients().items():
        assert np.array_equal(v, full[k]), k
    # a network whose first layer is not a conv layer: None too
    dense_first = Sequential([Flatten(), Dense(4, 3)], input_shape=(1, 2, 2), dtype=np.float64)
    dense_first.forward(np.ones((1, 1, 2, 2)))
    assert dense_first.backward(np.ones((1, 3)), need_dx=False) is None
    assert dense_first.backward(np.ones((1, 3))).shape == (1, 1, 2, 2)


def test_one_conv_net_gradient_check_small_images():
    model = one_conv_net(seed=1, dtype=np.float64, filters=2, input_shape=(1, 8, 8))
    assert model.shapes[-1] == (10,) and model.shapes[3] == (2, 3, 3)
    rng = np.random.default_rng(0)
    errors = check_gradients(model, rng.normal(size=(3, 1, 8, 8)), np.array([0, 4, 9]))
    assert max(errors.values()) < 1e-6, errors


def test_check_gradients_catches_a_wrong_backward():
    model = two_conv_net(seed=0, dtype=np.float64)
    relu = model.layer("relu2")
    real_backward = relu.backward
    relu.backward = lambda dout: real_backward(dout) * 1.5  # a deliberately wrong chain-rule step
    errors = check_gradients(model, np.random.default_rng(0).normal(size=(1, 1, 28, 28)), np.array([1]),
                             names={"conv1.w", "fc1.b"})
    assert errors["conv1.w"] > 1e-2 and errors["fc1.b"] < 1e-6  # only layers below relu2 are wrong


def test_check_gradients_needs_float64():
    with pytest.raises(ValueError, match="float64"):
        check_gradients(two_conv_net(), np.zeros((1, 1, 28, 28)), np.array([0]))


def test_seeded_initialization_and_dtype():
    a, b, c = two_conv_net(seed=5), two_conv_net(seed=5), two_conv_net(seed=6)
    for name, p in a.parameters().items():
        assert p.dtype == np.float32
        assert np.array_equal(p, b.parameters()[name])
    assert not np.array_equal(a.parameters()["conv1.w"], c.parameters()["conv1.w"])
    d = two_conv_net(seed=5, dtype=np.float64)
    assert d.parameters()["fc1.w"].dtype == np.float64
    assert np.allclose(d.parameters()["fc1.w"], a.parameters()["fc1.w"], atol=1e-7)
    # He initialization: std of the first conv's weights near sqrt(2 / 9) for a big layer
    big = Sequential([Conv2D(1, 2000, 3)], (1, 5, 5), seed=0)
    assert abs(big.parameters()["conv1.w"].std() - np.sqrt(2 / 9)) < 0.01
    assert np.all(big.parameters()["conv1.b"] == 0)


def test_first_loss_is_near_ln10():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 1, 28, 28))
    y = rng.integers(0, 10, size=64)
    for seed in range(3):
        assert abs(two_conv_net(seed=seed).loss(x, y) - np.log(10)) < 0.1


def test_save_load_round_trip(tmp_path):
    path = tmp_path / "weights.npz"
    trained = two_conv_net(seed=1)
    trained.save(path)
    fresh = two_conv_net(seed=2)
    params_before = fresh.parameters()
    fresh.load(path)
    x = np.random.default_rng(0).normal(size=(3, 1, 28, 28))
    assert np.array_equal(fresh.forward(x), trained.forward(x))
    assert all(fresh.parameters()[k] is params_before[k] for k in params_before)  # loaded in place
    with np.load(path, allow_pickle=False) as npz:
        assert sorted(npz.files) == sorted(trained.parameters())


def test_load_rejects_a_different_network(tmp_path):
    path = tmp_path / "one.npz"
    one_conv_net().save(path)
    with pytest.raises(ValueError, match="expected parameters"):
        two_conv_net().load(path)
    bad = tmp_path / "bad.npz"
    params = two_conv_net().parameters()
    params["fc1.w"] = np.zeros((10, 250))
    np.savez(bad, **params)
    with pytest.raises(ValueError, match=r"fc1.w expected shape \(250, 10\), found \(10, 250\)"):
        two_conv_net().load(bad)


def test_bad_networks_and_inputs_raise_valueerror():
    with pytest.raises(ValueError, match=r"expected input \(100,\), got \(250,\)"):
        Sequential([Conv2D(1, 10, 5, stride=5), Flatten(), Dense(100, 10)], (1, 25, 25))
    with pytest.raises(ValueError, match=r"expected input \(C=3, H, W\)"):
        Sequential([Conv2D(3, 4, 3)], (1, 8, 8))
    with pytest.raises(ValueError, match=r"x: expected shape \(N, 1, 28, 28\), got \(2, 28, 28\)"):
        two_conv_net().forward(np.zeros((2, 28, 28)))
    with pytest.raises(ValueError, match="float32 or float64"):
        two_conv_net(dtype=np.int32)
    with pytest.raises(ValueError, match="expected one of"):
        build_model("three_conv")
    with pytest.raises(ValueError, match="unique names"):
        Sequential([ReLU(name="a"), ReLU(name="a")], (1, 2, 2))


def test_backward_does_not_mutate_the_caches():
    model = two_conv_net(seed=0, dtype=np.float64)
    x = np.random.default_rng(0).normal(size=(2, 1, 28, 28))
    model.forward(x)
    before = [np.array(layer.cache[0], copy=True) for layer in model.layers if layer.kind == "conv"]
    model.backward(np.ones((2, 10)))
    after = [layer.cache[0] for layer in model.layers if layer.kind == "conv"]
    assert all(np.array_equal(a, b) for a, b in zip(before, after))


def test_activations_are_every_layer_output():
    model = two_conv_net(seed=0)
    x = np.random.default_rng(0).normal(size=(2, 1, 28, 28))
    acts = model.activations(x)
    assert list(acts) == ["input"] + [layer.name for layer in model.layers]
    assert [a.shape[1:] for a in acts.values()] == model.shapes
    assert np.array_equal(acts["fc1"], model.forward(x))
    assert np.array_equal(acts["relu1"], np.maximum(acts["conv1"], 0))


# ------------------------------------------------------------------ the weights file

def test_save_writes_the_path_given_and_load_reads_it(tmp_path):
    model = two_conv_net(seed=1)
    written = model.save(tmp_path / "w")
    assert written == tmp_path / "w" and written.is_file()
    assert not (tmp_path / "w.npz").exists()
    other = two_conv_net(seed=2).load(str(tmp_path / "w"))
    assert all(np.array_equal(other.parameters()[k], v) for k, v in model.parameters().items())
    assert [p.name for p in tmp_path.iterdir()] == ["w"]  # no temporary file left behind


def test_save_into_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match=r"save .*: expected an existing folder, but .*nowhere does not exist"):
        two_conv_net().save(tmp_path / "nowhere" / "w.npz")
    with pytest.raises(ValueError, match=r"expected a file name, got a folder"):
        two_conv_net().save(tmp_path)


def _params_with(model, **changes):
    params = {k: v.copy() for k, v in model.parameters().items()}
    params.update(changes)
    return params


BAD_FILES = [
    ("random bytes", lambda p: p.write_bytes(np.random.default_rng(0).bytes(300)), r"cannot be read as one"),
    ("an empty file", lambda p: p.write_bytes(b""), r"cannot be read as one"),
    ("a .npy file", lambda p: np.save(open(p, "wb"), np.ones(3)), r"found a single array of shape \(3,\) \(an .npy file\)"),
    ("a truncated file", lambda p: (two_conv_net().save(p), p.write_bytes(p.read_bytes()[:700])),
     r"(cannot be read as one|the array .* in it cannot be read)"),
    ("a pickled object array", lambda p: np.savez(open(p, "wb"), **_params_with(two_conv_net(), **{
        "fc1.b": np.array([object()] * 10)})), r"the array fc1.b in it cannot be read without unpickling"),
    ("another architecture", lambda p: one_conv_net().save(p), r"expected parameters \[.*\], found \[.*\]; missing"),
    ("complex weights", lambda p: np.savez(open(p, "wb"), **_params_with(two_conv_net(), **{
        "fc1.w": np.ones((250, 10), complex)})), r"fc1.w expected real numbers .*found dtype complex128"),
    ("string weights", lambda p: np.savez(open(p, "wb"), **_params_with(two_conv_net(), **{
        "conv1.b": np.array(["1", "2", "3"])})), r"conv1.b expected real numbers .*found dtype <U1"),
    ("a NaN weight", lambda p: np.savez(open(p, "wb"), **_params_with(two_conv_net(), **{
        "conv2.w": np.full((10, 3, 4, 4), np.nan)})), r"conv2.w expected finite values as float32, found 480 NaN"),
    ("a weight too big for float32", lambda p: np.savez(open(p, "wb"), **_params_with(two_conv_net(), **{
        "fc1.b": np.full(10, 1e300)})), r"fc1.b expected finite values as float32, found 10 NaN or infinite"),
    ("a wrong shape", lambda p: np.savez(open(p, "wb"), **_params_with(two_conv_net(), **{
        "fc1.w": np.zeros((10, 250))})), r"fc1.w expected shape \(250, 10\), found \(10, 250\)"),
]


@pytest.mark.parametrize("label, write, message", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_load_rejects_a_bad_file_naming_it_and_changes_nothing(tmp_path, label, write, message):
    path = tmp_path / "weights.npz"
    write(path)
    model = two_conv_net(seed=3)
    before = {k: v.copy() for k, v in model.parameters().items()}
    with pytest.raises(ValueError, match=message) as info:
        model.load(path)
    assert str(path) in str(info.value)
    assert all(np.array_equal(model.parameters()[k], v) for k, v in before.items())  # atomic: untouched


def test_load_checks_every_array_before_writing_any(tmp_path):
    """The last array is bad: before, every other parameter had already been overwritten."""
    path = tmp_path / "w.npz"
    source = two_conv_net(seed=1)
    names = list(source.parameters())
    np.savez(path, **_params_with(source, **{names[-1]: np.full(source.parameters()[names[-1]].shape, np.inf)}))
    model = two_conv_net(seed=2)
    before = {k: v.copy() for k, v in model.parameters().items()}
    with pytest.raises(ValueError, match=rf"{names[-1]} expected finite values"):
        model.load(path)
    assert all(np.array_equal(model.parameters()[k], v) for k, v in before.items())


def test_load_of_a_missing_file_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"load: no file at .*missing.npz \(expected an .npz archive"):
        two_conv_net().load(tmp_path / "missing.npz")
    with pytest.raises(ValueError, match=r"expected an .npz archive .*, got a folder"):
        two_conv_net().load(tmp_path)


def test_load_converts_float64_and_int_weights_to_the_network_dtype(tmp_path):
    path = tmp_path / "w.npz"
    source = two_conv_net(seed=1, dtype=np.float64)
    np.savez(path, **_params_with(source, **{"conv1.b": np.array([1, 2, 3])}))
    model = two_conv_net(seed=2).load(path)
    assert model.parameters()["conv1.b"].dtype == np.float32
    assert model.parameters()["conv1.b"].tolist() == [1.0, 2.0, 3.0]
    assert np.array_equal(model.parameters()["fc1.w"], source.parameters()["fc1.w"].astype(np.float32))


# ------------------------------------------------------------------ aliasing

def test_changing_inputs_or_weights_in_place_between_forward_and_backward_changes_nothing():
    """The caches keep their own copies: PyTorch refuses such a backward, here it is impossible."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 1, 28, 28))
    y = np.array([1, 2, 3])
    model = two_conv_net(seed=0, dtype=np.float64)
    _, cache = softmax_cross_entropy_forward(model.forward(x), y)
    dscores = softmax_cross_entropy_backward(1.0, cache)
    dx = model.backward(dscores)
    expected = {k: v.copy() for k, v in model.gradients().items()}
    model.forward(x)
    x += 1.0                                   # the caller reuses its buffer
    for p in model.parameters().values():      # and an optimizer steps too early
        p *= 2.0
    assert np.array_equal(model.backward(dscores), dx)
    for k, v in model.gradients().items():
        assert np.array_equal(v, expected[k]), k


def test_layer_caches_are_read_only():
    model = two_conv_net(seed=0)
    model.forward(np.ones((2, 1, 28, 28)))
    for array in (model.layer("conv1").cache.x, model.layer("conv1").cache.w, model.layer("relu1").cache,
                  model.layer("fc1").cache.x, model.layer("fc1").cache.w):
        with pytest.raises(ValueError, match="read-only"):
            array[...] = 0
