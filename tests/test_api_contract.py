"""The error contract, across the whole public API of the numerical core: bad input gets a
ValueError that says what was expected and what was given, never a numpy or Python error
from deep inside, and never a silently wrong result.

One table, one line per bad call: what is called, and the message it must raise. The
cases come from a new user's tries (the issue's list) and from going through every
public function, class and option of the core modules.
"""
import numpy as np
import pytest

from cnnlib import benchmark as bm
from cnnlib import parallel
from cnnlib.activations import relu_backward, relu_forward
from cnnlib.conv import (conv2d_backward, conv2d_backward_naive, conv2d_coverage, conv2d_forward,
                         conv2d_forward_naive, conv_output_shape)
from cnnlib.correlate import convolve2d, cross_correlate2d, dilate, pad2d, rot180
from cnnlib.data import pixel_stats, prepare_images, teaching_example
from cnnlib.dense import affine_backward, affine_forward, flatten_backward, flatten_forward
from cnnlib.evaluation import confusion_matrix, evaluate, predict, predict_scores
from cnnlib.gradcheck import check_close, numerical_gradient, numerical_vjp, rel_error
from cnnlib.im2row import im2row, row2im
from cnnlib.jacobian import conv2d_input_jacobian, conv2d_kernel_jacobian, numerical_jacobian
from cnnlib.losses import (softmax, softmax_cross_entropy_backward, softmax_cross_entropy_forward,
                           squared_error_backward)
from cnnlib.network import (Conv2D, Dense, Flatten, MaxPool2D, ReLU, Sequential, build_model,
                            check_gradients, one_conv_net, two_conv_net)
from cnnlib.pool import avgpool2d_backward, maxpool2d_backward, maxpool2d_forward
from cnnlib.progress import TextProgress, make_progress
from cnnlib.routes import input_gradient_by_full_convolution, kernel_gradient_by_correlation
from cnnlib.train import SGD, learning_rate, train

X4 = np.ones((1, 1, 5, 5))
W4 = np.ones((1, 1, 3, 3))
B1 = np.zeros(1)
_, CONV_CACHE = conv2d_forward(X4, W4, B1)
_, RELU_CACHE = relu_forward(np.ones((2, 3)))
_, AFFINE_CACHE = affine_forward(np.ones((2, 3)), np.ones((3, 4)), np.zeros(4))
_, FLAT_CACHE = flatten_forward(np.ones((2, 3, 2, 2)))
_, CE_CACHE = softmax_cross_entropy_forward(np.ones((2, 3)), np.array([0, 1]))
_, POOL_CACHE = maxpool2d_forward(np.ones((1, 1, 4, 4)), 2)
MODEL = two_conv_net(seed=0)
TINY = Sequential([Flatten(), Dense(4, 3)], (1, 2, 2), dtype=np.float64)
IMAGES = np.zeros((2, 1, 28, 28), np.float32)


def _forward_then(model, fn):
    model.forward(np.zeros((2,) + model.input_shape))
    return fn()


BAD = [
    # ---- silently wrong before: now a clear error
    ("softmax CE on an empty batch", lambda: softmax_cross_entropy_forward(np.ones((0, 3)), np.array([], int)),
     r"scores \(N, K\): expected at least one row .*got shape \(0, 3\)"),
    ("softmax with zero classes", lambda: softmax(np.ones((2, 0))),
     r"scores \(N, K\): expected at least one class \(K >= 1\), got shape \(2, 0\)"),
    ("confusion_matrix label -1", lambda: confusion_matrix([0, -1], [0, 1]),
     r"y_true: expected values in 0..9, got values from -1 to 0"),
    ("confusion_matrix label 10", lambda: confusion_matrix([0, 1], [0, 10]),
     r"y_pred: expected values in 0..9, got values from 0 to 10"),
    ("confusion_matrix float labels", lambda: confusion_matrix([0.0, 1.0], [0, 1]),
     r"y_true: expected integer labels, shape \(N,\), got shape \(2,\) dtype float64"),
    ("confusion_matrix classes 2.5", lambda: confusion_matrix([0], [0], classes=2.5),
     r"classes: expected an int >= 1, got 2.5"),
    ("Conv2D(2.5, 3, 3)", lambda: Conv2D(2.5, 3, 3), r"Conv2D in_channels: expected an int >= 1, got 2.5"),
    ("Conv2D filters '3'", lambda: Conv2D(1, "3", 3), r"Conv2D filters: expected an int >= 1, got '3'"),
    ("Conv2D gain nan", lambda: Conv2D(1, 3, 3, gain=float("nan")),
     r"Conv2D gain: expected a finite real number > 0, got nan"),
    ("Dense('10', 3)", lambda: Dense("10", 3), r"Dense in_features: expected an int >= 1, got '10'"),
    ("Dense(10, 3.0)", lambda: Dense(10, 3.0), r"Dense out_features: expected an int >= 1, got 3.0"),
    ("Dense gain -1", lambda: Dense(10, 3, gain=-1), r"Dense gain: expected a finite real number > 0, got -1"),
    ("conv_output_shape float H", lambda: conv_output_shape((1, 1, 7.0, 7), (1, 1, 3, 3)),
     r"x_shape: expected a tuple of ints >= 0 \(N, C, H, W\), got \(1, 1, 7.0, 7\)"),
    ("prepare_images mean nan", lambda: prepare_images(np.zeros((1, 2, 2), np.uint8), mean=np.nan),
     r"mean: expected a finite real number, got nan"),
    ("prepare_images std inf", lambda: prepare_images(np.zeros((1, 2, 2), np.uint8), std=np.inf),
     r"std: expected a finite real number > 0, got inf"),
    ("prepare_images NaN pixels", lambda: prepare_images(np.full((1, 2, 2), np.nan)),
     r"images: expected finite pixel values"),
    ("pixel_stats of no images", lambda: pixel_stats(np.zeros((0, 28, 28), np.uint8)),
     r"images: expected at least one pixel, got shape \(0, 28, 28\)"),
    ("Sequential.forward complex x", lambda: MODEL.forward(np.ones((1, 1, 28, 28), complex)),
     r"x: expected a numeric array, got dtype complex128"),
    ("Sequential.forward str x", lambda: MODEL.forward(np.full((1, 1, 28, 28), "1")),
     r"x: expected a numeric array, got dtype <U1"),
    ("Sequential.forward object x", lambda: MODEL.forward(np.ones((1, 1, 28, 28), object)),
     r"x: expected a numeric array, got dtype object"),
    ("Sequential.backward complex dout",
     lambda: _forward_then(MODEL, lambda: MODEL.backward(np.ones((2, 10), complex))),
     r"dout: expected a numeric array, got dtype complex128"),
    ("Sequential.backward need_dx 'no'",
     lambda: _forward_then(TINY, lambda: TINY.backward(np.ones((2, 3)), need_dx="no")),
     r"need_dx: expected True or False, got 'no'"),
    ("Sequential([])", lambda: Sequential([], (1, 2, 2)), r"layers: expected a non-empty list"),
    ("Sequential input_shape floats", lambda: Sequential([ReLU()], (1, 2.5, 2)),
     r"input_shape: expected a tuple of 3 ints >= 1 \(C, H, W\), got \(1, 2.5, 2\)"),
    ("Sequential seed -1", lambda: Sequential([ReLU()], (1, 2, 2), seed=-1), r"seed: expected an int >= 0, got -1"),
    ("Sequential dtype 'floaty'", lambda: Sequential([ReLU()], (1, 2, 2), dtype="floaty"),
     r"dtype: expected float32 or float64, got 'floaty'"),
    ("Sequential same layer twice", lambda: (lambda r: Sequential([r, r], (1, 2, 2)))(ReLU()),
     r"layers: expected each layer object once"),
    ("train epochs 2.5", lambda: train(TINY, np.ones((2, 1, 2, 2)), [0, 1], epochs=2.5, progress=None),
     r"epochs: expected an int >= 1, got 2.5"),
    ("train batch_size 1.5", lambda: train(TINY, np.ones((2, 1, 2, 2)), [0, 1], batch_size=1.5, progress=None),
     r"batch_size: expected an int >= 1, got 1.5"),
    ("train lr inf", lambda: train(TINY, np.ones((2, 1, 2, 2)), [0, 1], lr=np.inf, progress=None),
     r"lr: expected a finite real number > 0, got inf"),
    ("train weight_decay inf", lambda: train(TINY, np.ones((2, 1, 2, 2)), [0, 1], weight_decay=np.inf, progress=None),
     r"weight_decay: expected a finite real number >= 0, got inf"),
    ("train label 3 of 3 classes", lambda: train(TINY, np.ones((2, 1, 2, 2)), [0, 3], progress=None),
     r"y_train: expected values in 0..2, got values from 0 to 3"),
    ("train x_test without y_test", lambda: train(TINY, np.ones((2, 1, 2, 2)), [0, 1], x_test=np.ones((1, 1, 2, 2)),
                                                  progress=None), r"x_test, y_test: expected both"),
    ("train seed 1.5", lambda: train(TINY, np.ones((2, 1, 2, 2)), [0, 1], seed=1.5, progress=None),
     r"seed: expected an int >= 0, got 1.5"),
    ("train a non-model", lambda: train("model", np.ones((2, 1, 2, 2)), [0, 1], progress=None),
     r"train: expected a cnnlib Sequential model, got str"),
    ("SGD lr -0.1", lambda: SGD(TINY, lr=-0.1), r"lr: expected a finite real number > 0, got -0.1"),
    ("SGD momentum 1", lambda: SGD(TINY, momentum=1.0), r"momentum: expected a finite real number >= 0 and < 1"),
    ("SGD lr '0.1'", lambda: SGD(TINY, lr="0.1"), r"lr: expected a finite real number > 0, got '0.1'"),
    ("SGD.step lr nan", lambda: SGD(TINY).step(lr=np.nan), r"lr: expected a finite real number >= 0, got nan"),
    ("learning_rate step past the end", lambda: learning_rate(11, 10, 0.1), r"step: expected an int in 0..10, got 11"),
    ("learning_rate total 0", lambda: learning_rate(0, 0, 0.1), r"total_steps: expected an int >= 1, got 0"),
    ("evaluate no images", lambda: evaluate(TINY, np.ones((0, 1, 2, 2)), []),
     r"evaluate: expected at least one image, got 0"),
    ("evaluate labels of another length", lambda: evaluate(TINY, np.ones((2, 1, 2, 2)), [0]),
     r"y: expected 2 integer labels, shape \(2,\), got shape \(1,\)"),
    ("predict batch_size 0", lambda: predict(TINY, np.ones((2, 1, 2, 2)), batch_size=0),
     r"batch_size: expected an int >= 1, got 0"),
    ("predict_scores wrong image shape", lambda: predict_scores(TINY, np.ones((2, 1, 3, 3))),
     r"x: expected shape \(N, 1, 2, 2\), got \(2, 1, 3, 3\)"),
    ("TextProgress total 0", lambda: TextProgress(0), r"total: expected an int >= 1, got 0"),
    ("TextProgress stream", lambda: TextProgress(3, stream=42), r"stream: expected a text stream with write\(\)"),
    ("make_progress array", lambda: make_progress(np.ones(2), 3), r"progress: expected 'auto', 'widget', 'text'"),
    # ---- caches that were not checked
    ("relu_backward cache None", lambda: relu_backward(np.ones(3), None),
     r"cache: expected the array returned by relu_forward \(its input x\), got NoneType"),
    ("relu_backward a conv cache", lambda: relu_backward(np.ones(3), CONV_CACHE),
     r"cache: expected the array returned by relu_forward \(its input x\), got ConvCache"),
    ("affine_backward cache None", lambda: affine_backward(np.ones((2, 4)), None),
     r"cache: expected the AffineCache returned by affine_forward, got NoneType"),
    ("affine_backward a relu cache", lambda: affine_backward(np.ones((2, 4)), RELU_CACHE),
     r"cache: expected the AffineCache returned by affine_forward, got ndarray"),
    ("flatten_backward cache None", lambda: flatten_backward(np.ones((2, 12)), None),
     r"cache: expected the shape \(N, C, H, W\) returned by flatten_forward, got NoneType"),
    ("flatten_backward an affine cache", lambda: flatten_backward(np.ones((2, 12)), AFFINE_CACHE),
     r"cache: expected the shape \(N, C, H, W\) returned by flatten_forward, got AffineCache"),
    ("softmax CE backward a tuple", lambda: softmax_cross_entropy_backward(1.0, (np.ones((2, 3)), [0, 1])),
     r"cache: expected the SoftmaxCache returned by softmax_cross_entropy_forward, got tuple"),
    ("squared error backward cache None", lambda: squared_error_backward(1.0, None),
     r"cache: expected the SquaredErrorCache returned by squared_error_forward, got NoneType"),
    ("maxpool backward an avg cache", lambda: avgpool2d_backward(np.ones((1, 1, 2, 2)), POOL_CACHE),
     r"cache: expected the cache of a avgpool2d forward"),
    ("conv backward a pool cache", lambda: conv2d_backward(np.ones((1, 1, 3, 3)), POOL_CACHE),
     r"cache: expected the ConvCache returned by a conv2d forward, got PoolCache"),
    ("conv backward naive, a relu cache", lambda: conv2d_backward_naive(np.ones((1, 1, 3, 3)), RELU_CACHE),
     r"cache: expected the ConvCache returned by a conv2d forward, got ndarray"),
    ("Sequential([]).backward is refused at construction", lambda: Sequential([], (1, 28, 28)).backward(np.ones((1, 10))),
     r"layers: expected a non-empty list"),
    ("backward before forward", lambda: Dense(3, 2).backward(np.ones((1, 2))), r"fc: backward called before forward"),
    # ---- numpy's or Python's errors before
    ("row2im float shape", lambda: row2im(np.ones((9, 9)), (1, 1, 5.0, 5), 3, 3),
     r"x_shape: expected a tuple of 4 ints >= 1 \(N, C, H, W\), got \(1, 1, 5.0, 5\)"),
    ("row2im shape None", lambda: row2im(np.ones((9, 9)), None, 3, 3), r"x_shape: expected a tuple of 4 ints"),
    ("numerical_gradient vector f", lambda: numerical_gradient(lambda z: z * 2, np.ones(3)),
     r"numerical_gradient: expected f to return one real number, got ndarray with shape \(3,\)"),
    ("numerical_gradient NaN f", lambda: numerical_gradient(lambda z: np.nan, np.ones(2)),
     r"numerical_gradient: f returned nan when entry 0 of x was nudged"),
    ("numerical_gradient complex x", lambda: numerical_gradient(np.sum, np.ones(2, complex)),
     r"x: expected a numeric array, got dtype complex128"),
    ("numerical_gradient h 0", lambda: numerical_gradient(np.sum, np.ones(2), h=0),
     r"h: expected a finite real number > 0, got 0"),
    ("numerical_gradient f not callable", lambda: numerical_gradient(3, np.ones(2)), r"f: expected a function, got int"),
    ("numerical_vjp dout of the wrong shape", lambda: numerical_vjp(lambda z: z * 2, np.ones(3), np.ones(2)),
     r"dout: expected the shape of f\(x\), \(3,\), got \(2,\)"),
    ("check_close on strings", lambda: check_close("s", "abc", "abd"), r"s: got: expected a numeric array, got dtype <U3"),
    ("check_close tol -1", lambda: check_close("t", 1.0, 1.0, tol=-1), r"tol: expected a finite real number >= 0, got -1"),
    ("rel_error on strings", lambda: rel_error(["a"], ["b"]), r"rel_error: a: expected a numeric array, got dtype <U1"),
    ("rel_error NaN", lambda: rel_error([np.nan], [1.0]), r"rel_error: a: expected finite values"),
    ("numerical_jacobian changing size", lambda: numerical_jacobian(lambda z: np.ones(int(z[0] * 1e6) % 3 + 1), np.ones(1)),
     r"numerical_jacobian: expected f to return \d numbers every time"),
    ("conv2d_kernel_jacobian filters True", lambda: conv2d_kernel_jacobian(X4, 3, filters=True),
     r"filters: expected an int >= 1, got True"),
    ("conv2d_input_jacobian x_shape floats", lambda: conv2d_input_jacobian(W4, (1, 1, 5.0, 5)),
     r"x_shape: expected a tuple of 4 ints >= 1"),
    ("kernel gradient by correlation, kernel size 2.0",
     lambda: kernel_gradient_by_correlation(X4, np.ones((1, 1, 3, 3)), 2.0),
     r"kernel size \(KH, KW\): expected an int or a pair of ints \(h, w\), got 2.0"),
    ("input gradient by full convolution, x_shape floats",
     lambda: input_gradient_by_full_convolution(np.ones((1, 1, 3, 3)), W4, (1, 1, 5.5, 5)),
     r"x_shape: expected a tuple of 4 ints >= 1"),
    ("conv2d_coverage x_shape None", lambda: conv2d_coverage(None, 3), r"x_shape: expected a tuple of ints"),
    ("conv2d_forward threads 0", lambda: conv2d_forward(X4, W4, B1, threads=0), r"threads: expected an int >= 1, got 0"),
    ("conv2d_forward complex x", lambda: conv2d_forward(X4.astype(complex), W4, B1),
     r"x: expected a numeric array, got dtype complex128"),
    ("conv2d_forward no filters", lambda: conv2d_forward(X4, np.ones((0, 1, 3, 3)), np.zeros(0)),
     r"w: expected at least one filter"),
    ("pad2d of strings", lambda: pad2d(np.array([["a"]]), 1), r"pad2d: a: expected a numeric array, got dtype <U1"),
    ("rot180 of objects", lambda: rot180(np.ones((2, 2), object)), r"rot180: kernel: expected a numeric array"),
    ("dilate of strings", lambda: dilate(np.array([["a"]]), 2), r"dilate: delta: expected a numeric array"),
    ("cross_correlate2d complex", lambda: cross_correlate2d(np.ones((3, 3), complex), np.ones((2, 2))),
     r"image: expected a numeric array, got dtype complex128"),
    ("convolve2d mode", lambda: convolve2d(np.ones((3, 3)), np.ones((2, 2)), "same"),
     r"mode: expected one of \('valid', 'full'\), got 'same'"),
    ("im2row stride 1.5", lambda: im2row(X4, 3, 3, 1.5), r"stride: expected an int or a pair of ints"),
    ("maxpool size 2.5", lambda: maxpool2d_forward(X4, 2.5), r"size: expected an int or a pair of ints"),
    ("maxpool backward wrong dout", lambda: maxpool2d_backward(np.ones((1, 1, 3, 3)), POOL_CACHE),
     r"dout: expected shape \(1, 1, 2, 2\), got \(1, 1, 3, 3\)"),
    ("teaching_example channels 2.5", lambda: teaching_example(channels=2.5),
     r"channels: expected an int >= 1, got 2.5"),
    ("teaching_example seed -1", lambda: teaching_example(seed=-1), r"seed: expected an int >= 0, got -1"),
    ("prepare_images dtype int", lambda: prepare_images(np.zeros((1, 2, 2), np.uint8), dtype=np.int8),
     r"dtype: expected a float dtype"),
    ("check_gradients unknown name", lambda: check_gradients(two_conv_net(dtype=np.float64), IMAGES[:1], [0],
                                                             names={"conv1.W"}),
     r"names: expected names from \['conv1.w', .*\], got \['conv1.W'\]"),
    ("check_gradients a non-model", lambda: check_gradients(None, IMAGES, [0, 1]),
     r"check_gradients: expected a cnnlib Sequential model, got NoneType"),
    ("check_gradients h nan", lambda: check_gradients(two_conv_net(dtype=np.float64), IMAGES[:1], [0], h=np.nan),
     r"h: expected a finite real number > 0, got nan"),
    ("one_conv_net input_shape of 2", lambda: one_conv_net(input_shape=(28, 28)),
     r"input_shape: expected a tuple of 3 ints >= 1 \(C, H, W\), got \(28, 28\)"),
    ("one_conv_net classes 0", lambda: one_conv_net(classes=0), r"Dense out_features: expected an int >= 1, got 0"),
    ("build_model a list", lambda: build_model(["two_conv"]), r"model: expected one of \['one_conv', 'two_conv'\]"),
    ("Layer.init with a seed", lambda: Conv2D(1, 2, 3).init(0, np.float32),
     r"rng: expected a numpy Generator \(np.random.default_rng\(seed\)\), got int"),
    ("Layer output_shape floats", lambda: MaxPool2D(2).output_shape((1, 4.0, 4)),
     r"maxpool: input shape: expected a tuple of ints >= 1, got \(1, 4.0, 4\)"),
    ("Sequential.layer unknown", lambda: TINY.layer("conv9"), r"layer: expected one of \['flatten1', 'fc1'\]"),
    ("Sequential.save to a number", lambda: TINY.save(3), r"save: expected a file path \(str or os.PathLike\), got int"),
    # ---- cnnlib.parallel and cnnlib.benchmark
    ("set_num_threads 0", lambda: parallel.set_num_threads(0), r"threads: expected an int >= 1, got 0"),
    ("set_num_threads '2'", lambda: parallel.set_num_threads("2"), r"threads: expected an int >= 1, got '2'"),
    ("run_chunks a non-function", lambda: parallel.run_chunks(None, 2, 1),
     r"task: expected a function of the chunk index, got NoneType"),
    ("workspace shape floats", lambda: parallel.workspace("a", (2.0,), np.float32), r"shape: expected a tuple of ints"),
    ("set_blas_threads 0", lambda: parallel.set_blas_threads(0), r"BLAS threads: expected an int >= 1, got 0"),
    ("time_samples repeat 2.5", lambda: bm.time_samples(lambda: None, repeat=2.5), r"repeat: expected an int >= 1, got 2.5"),
    ("time_samples fn None", lambda: bm.time_samples(None), r"fn: expected a function to time, got NoneType"),
    ("time_samples min_sample 0", lambda: bm.time_samples(lambda: None, min_sample=0),
     r"min_sample: expected a finite real number > 0, got 0"),
    ("compare_conv float sizes", lambda: bm.compare_conv((2, 1, 6.5, 6, 1, 3, 3)),
     r"shape \(N, C, H, W, F, KH, KW, stride\): expected a tuple of ints >= 1"),
    ("compare_conv kernel too big", lambda: bm.compare_conv((2, 1, 2, 2, 1, 3, 3)),
     r"kernel H size 3 is larger than the padded input H size 2"),
    ("compare_conv impls a str", lambda: bm.compare_conv("seed example", impls="naive"),
     r"impls: expected a non-empty subset of"),
    ("compare_conv naive_limit -1", lambda: bm.compare_conv("seed example", naive_limit=-1),
     r"naive_limit: expected an int >= 0, got -1"),
    ("compare_maxpool size too big", lambda: bm.compare_maxpool((1, 1, 3, 3), size=4),
     r"size: expected an int in 1..3, got 4"),
    ("compare_maxpool x_shape floats", lambda: bm.compare_maxpool((1, 1, 4.0, 4)), r"x_shape: expected a tuple of ints"),
    ("format_table of a dict", lambda: bm.format_table({"case": 1}), r"rows: expected a list of dicts"),
    ("set_threads 0", lambda: bm.set_threads(0), r"threads: expected an int >= 1, got 0"),
    ("run_fresh impl naive", lambda: bm.run_fresh("MNIST layer 2", "naive"), r"impl: expected one of \('vectorized', 'torch'\)"),
    ("run_fresh unknown case", lambda: bm.run_fresh("layer 9"), r"shape: expected one of"),
    ("peak_memory of a non-function", lambda: bm.peak_memory(3), r"fn: expected a function to time, got int"),
]


@pytest.mark.parametrize("label, call, message", BAD, ids=[b[0] for b in BAD])
def test_bad_input_gets_a_clear_value_error(label, call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_table_covers_the_issues_list():
    """Each case the issue lists by name is in the table (a guard against deleting a line)."""
    labels = {b[0] for b in BAD}
    for needed in ("softmax CE on an empty batch", "confusion_matrix label -1", "confusion_matrix label 10",
                   "Conv2D(2.5, 3, 3)", "conv_output_shape float H", "prepare_images mean nan",
                   "Sequential.forward complex x", "Sequential.forward str x", "Sequential.backward complex dout",
                   "relu_backward cache None", "affine_backward cache None", "flatten_backward cache None",
                   "softmax CE backward a tuple", "train epochs 2.5", "train batch_size 1.5", "Dense('10', 3)",
                   "train lr inf", "train weight_decay inf", "row2im float shape", "row2im shape None",
                   "softmax with zero classes", "numerical_gradient vector f", "numerical_vjp dout of the wrong shape",
                   "check_close on strings", "Sequential([]).backward is refused at construction"):
        assert needed in labels, needed


# ------------------------------------------------------ edge cases that now give a correct result

def test_empty_batches_give_empty_results_of_the_right_shape():
    out, cache = conv2d_forward(np.ones((0, 1, 5, 5)), W4, B1)
    assert out.shape == (0, 1, 3, 3)
    dx, dw, db = conv2d_backward(np.ones((0, 1, 3, 3)), cache)
    assert dx.shape == (0, 1, 5, 5) and np.array_equal(dw, np.zeros_like(W4)) and np.array_equal(db, [0.0])
    assert predict_scores(TINY, np.ones((0, 1, 2, 2))).shape == (0, 3)
    assert predict(TINY, np.ones((0, 1, 2, 2))).shape == (0,)
    assert softmax(np.ones((0, 4))).shape == (0, 4)


def test_confusion_matrix_counts_every_label_in_its_own_cell():
    counts = confusion_matrix([0, 1, 2, 2], [0, 2, 2, 1], classes=3)
    assert counts.tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 1]]


def test_integer_like_numpy_values_are_accepted():
    layer = Conv2D(np.int64(1), np.int32(2), (np.int64(3), 3))
    assert (layer.in_channels, layer.filters, layer.kernel_size) == (1, 2, (3, 3))
    assert type(layer.in_channels) is int
    assert SGD(TINY, lr=np.float32(0.5)).lr == 0.5


# ------------------------------------------------------ aliasing: inputs changed in place after forward

def _conv_pair(forward, backward):
    def run(arrays):
        x, w, b, dout = arrays
        _, cache = forward(x, w, b, 1, 1)
        return cache, lambda: backward(dout, cache)
    return run


ALIASING = {
    "conv loops": _conv_pair(conv2d_forward_naive, conv2d_backward_naive),
    "conv im2row": _conv_pair(conv2d_forward, conv2d_backward),
}


@pytest.mark.parametrize("name", sorted(ALIASING))
def test_conv_gradients_ignore_inputs_changed_after_forward(name):
    rng = np.random.default_rng(0)
    arrays = [rng.normal(size=(2, 2, 5, 5)), rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3),
              rng.normal(size=(2, 3, 5, 5))]
    _, backward = ALIASING[name]([a.copy() for a in arrays])
    expected = backward()
    mutable = [a.copy() for a in arrays]
    _, backward = ALIASING[name](mutable)
    for a in mutable[:3]:
        a *= -3.0                      # x, w and b changed in place between forward and backward
    for got, want in zip(backward(), expected):
        assert np.array_equal(got, want)


def test_relu_affine_and_loss_gradients_ignore_inputs_changed_after_forward():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 4))
    _, cache = relu_forward(x)
    expected = relu_backward(np.ones((3, 4)), cache)
    x[...] = 1.0
    assert np.array_equal(relu_backward(np.ones((3, 4)), cache), expected)

    x, w, b = rng.normal(size=(3, 4)), rng.normal(size=(4, 2)), rng.normal(size=2)
    _, cache = affine_forward(x, w, b)
    expected = affine_backward(np.ones((3, 2)), cache)
    x += 1.0
    w *= 2.0
    for got, want in zip(affine_backward(np.ones((3, 2)), cache), expected):
        assert np.array_equal(got, want)

    labels = np.array([0, 2, 1])
    _, cache = softmax_cross_entropy_forward(rng.normal(size=(3, 3)), labels)
    expected = softmax_cross_entropy_backward(1.0, cache)
    labels[...] = 0
    assert np.array_equal(softmax_cross_entropy_backward(1.0, cache), expected)

    from cnnlib.losses import squared_error_forward
    y, t = rng.normal(size=4), rng.normal(size=4)
    _, cache = squared_error_forward(y, t)
    expected = squared_error_backward(1.0, cache)
    y += 5.0
    assert np.array_equal(squared_error_backward(1.0, cache), expected)


def test_the_copies_cost_no_extra_copy_of_x_in_the_im2row_path():
    """The im2row cache's x is a view of its one padded copy, not a second copy."""
    x = np.random.default_rng(2).normal(size=(2, 3, 6, 6))
    _, cache = conv2d_forward(x, np.ones((2, 3, 3, 3)), np.zeros(2), 1, 1)
    assert np.shares_memory(cache.x, cache.x_pad) and not np.shares_memory(cache.x, x)
    assert np.array_equal(cache.x, x) and not cache.x.flags.writeable
