"""Data: the small worked example the course follows, and real MNIST digits.

``teaching_example`` is the layer of the seeds' question: a 7x7 input, 3x3
kernels, stride 2, no padding, so a 3x3 output, with small integers so a
learner can follow every sum by hand.

``load_mnist_subset`` reads the 5,000 real MNIST digits shipped in the
repository's ``data/mnist_subset.npz`` (a fixed 4,000/1,000 train/test split;
``data/README.md`` says where they come from and how the file was made), and
checks the file's SHA-256, shapes and dtypes first. ``prepare_images`` turns
the uint8 images into the float ``(N, 1, 28, 28)`` batches a network reads.
"""
import hashlib
import os
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ._validate import as_bool, as_int, as_real, as_seed


class TeachingExample(NamedTuple):
    x: np.ndarray      # (1, C, 7, 7)
    w: np.ndarray      # (F, C, 3, 3)
    b: np.ndarray      # (F,)
    dout: np.ndarray   # (1, F, 3, 3), the deltas arriving from the layer above
    stride: int
    pad: int


def teaching_example(channels=1, filters=1, seed=0):
    """The 7x7 input, 3x3 kernel, stride-2 example, as float64 arrays of small integers.

    Inputs are integers 0..9, weights and deltas integers -2..2, biases 0..2,
    drawn from ``np.random.default_rng(seed)``, so the same seed always gives
    the same numbers.
    """
    channels = as_int(channels, "channels", minimum=1)
    filters = as_int(filters, "filters", minimum=1)
    rng = np.random.default_rng(as_seed(seed))
    x = rng.integers(0, 10, size=(1, channels, 7, 7)).astype(np.float64)
    w = rng.integers(-2, 3, size=(filters, channels, 3, 3)).astype(np.float64)
    b = rng.integers(0, 3, size=(filters,)).astype(np.float64)
    dout = rng.integers(-2, 3, size=(1, filters, 3, 3)).astype(np.float64)
    return TeachingExample(x, w, b, dout, 2, 0)


# ------------------------------------------------------------------ MNIST subset

MNIST_SUBSET_FILE = "mnist_subset.npz"
MNIST_SUBSET_SHA256 = "01c73bcd674fb6e311e2b7b869a4ea7dee8dc6db059702a30d54f70cdced9b1f"
_MNIST_LAYOUT = {  # name -> (shape, dtype) stored in the file
    "x_train": ((4000, 28, 28), np.uint8),
    "y_train": ((4000,), np.uint8),
    "x_test": ((1000, 28, 28), np.uint8),
    "y_test": ((1000,), np.uint8),
}


MNIST_TRAIN_SIZE = _MNIST_LAYOUT["x_train"][0][0]  # 4000
MNIST_TEST_SIZE = _MNIST_LAYOUT["x_test"][0][0]    # 1000


class MnistSubset(NamedTuple):
    x_train: np.ndarray  # (4000, 28, 28) uint8, pixel values 0..255
    y_train: np.ndarray  # (4000,) int64, digits 0..9
    x_test: np.ndarray   # (1000, 28, 28) uint8
    y_test: np.ndarray   # (1000,) int64


def default_mnist_path():
    """Where the subset lives: ``data/mnist_subset.npz`` next to the ``cnnlib`` folder.

    Found from this file's location, so it does not depend on the current
    working directory (notebooks run from ``notebooks/``).
    """
    return Path(__file__).resolve().parent.parent / "data" / MNIST_SUBSET_FILE


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_mnist_subset(path=None, verify=True):
    """The 5,000-digit MNIST subset: ``(x_train, y_train, x_test, y_test)``.

    Shapes: ``x_train (4000, 28, 28)`` and ``x_test (1000, 28, 28)`` uint8
    pixel values 0..255 (0 is the background); ``y_train (4000,)`` and
    ``y_test (1000,)`` int64 labels 0..9, 400 and 100 of each digit.

    ``path`` defaults to ``default_mnist_path()``. With ``verify=True`` the
    file's SHA-256 must equal ``MNIST_SUBSET_SHA256``. A missing file raises
    ``FileNotFoundError``; a damaged one (checksum, arrays, shapes, dtypes,
    label values) raises ``ValueError``; both messages name the path and what
    was expected versus found. Returns a named tuple, so it unpacks as four arrays.
    """
    verify = as_bool(verify, "verify")
    try:
        path = Path(default_mnist_path() if path is None else os.fspath(path))
    except TypeError:
        raise ValueError(f"path: expected None or a file path (str or os.PathLike), "
                         f"got {type(path).__name__}") from None
    remedy = ("restore it with `git checkout -- data/mnist_subset.npz` or rebuild it as "
              "data/README.md describes (data/make_mnist_subset.py)")
    if not path.is_file():
        raise FileNotFoundError(f"MNIST subset not found: expected a file at {path}; {remedy}")
    if verify:
        found = _sha256(path)
        if found != MNIST_SUBSET_SHA256:
            raise ValueError(f"MNIST subset {path} is damaged or changed: expected SHA-256 "
                             f"{MNIST_SUBSET_SHA256}, found {found}; {remedy}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except Exception as err:  # not a zip, a truncated member, a pickled array, ...
        raise ValueError(f"MNIST subset {path} cannot be read as an .npz of arrays "
                         f"({type(err).__name__}: {err}); {remedy}") from err
    if sorted(arrays) != sorted(_MNIST_LAYOUT):
        raise ValueError(f"MNIST subset {path}: expected arrays {sorted(_MNIST_LAYOUT)}, "
                         f"found {sorted(arrays)}")
    for name, (shape, dtype) in _MNIST_LAYOUT.items():
        arr = arrays[name]
        if arr.shape != shape or arr.dtype != dtype:
            raise ValueError(f"MNIST subset {path}: {name} expected shape {shape} dtype "
                             f"{np.dtype(dtype)}, found shape {arr.shape} dtype {arr.dtype}")
    for name in ("y_train", "y_test"):
        if arrays[name].max() > 9:
            raise ValueError(f"MNIST subset {path}: {name} expected labels 0..9, "
                             f"found a maximum of {arrays[name].max()}")
    return MnistSubset(arrays["x_train"], arrays["y_train"].astype(np.int64),
                       arrays["x_test"], arrays["y_test"].astype(np.int64))


def _images(images):
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"images: expected 3 dimensions (N, H, W), got shape {images.shape}")
    if images.dtype.kind not in "uif":
        raise ValueError(f"images: expected numeric pixel values, got dtype {images.dtype}")
    if images.dtype.kind == "f" and not np.isfinite(images).all():
        raise ValueError("images: expected finite pixel values, got NaN or infinity")
    return images


def pixel_stats(images):
    """Mean and standard deviation of ``images / 255`` over all pixels: two floats.

    Compute them on the training images only, and use them for both sets.
    ``images (N, H, W)``, at least one image.
    """
    images = _images(images)
    if images.size == 0:
        raise ValueError(f"images: expected at least one pixel, got shape {images.shape}")
    scaled = images.astype(np.float64) / 255.0
    return float(scaled.mean()), float(scaled.std())


def prepare_images(images, mean=0.0, std=1.0, dtype=np.float32):
    """uint8 images ``(N, H, W)`` -> float network input ``(N, 1, H, W)``.

        x[n, 0, i, j] = (images[n, i, j] / 255 - mean) / std

    With the defaults the pixels are only scaled to [0, 1]; with
    ``mean, std = pixel_stats(x_train)`` they are standardized (mean 0,
    standard deviation 1 over the training set), which makes SGD train faster.
    ``mean`` must be a finite number and ``std`` a finite number > 0.
    """
    images = _images(images)
    mean = as_real(mean, "mean")
    std = as_real(std, "std", low=0, low_open=True)
    dtype = _float_dtype(dtype)
    x = (images.astype(np.float64) / 255.0 - mean) / std
    with np.errstate(over="ignore"):
        x = x.astype(dtype)
    if not np.isfinite(x).all():
        raise ValueError(f"prepare_images: the scaled pixels overflow {dtype} (mean={mean}, std={std})")
    return x[:, None, :, :]  # (N, H, W) -> (N, 1, H, W)


def _float_dtype(dtype):
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise ValueError(f"dtype: expected a float dtype such as float32 or float64, got {dtype!r}") from None
    if dtype.kind != "f":
        raise ValueError(f"dtype: expected a float dtype such as float32 or float64, got {dtype}")
    return dtype


def load_mnist_prepared(dtype=np.float32, path=None):
    """The subset ready for a network: images standardized with the training set's statistics.

    Returns ``(x_train (4000, 1, 28, 28), y_train (4000,), x_test (1000, 1, 28, 28),
    y_test (1000,))``, images as ``dtype``, labels int64.
    """
    dtype = _float_dtype(dtype)
    x_train, y_train, x_test, y_test = load_mnist_subset(path)
    mean, std = pixel_stats(x_train)
    return MnistSubset(prepare_images(x_train, mean, std, dtype), y_train,
                       prepare_images(x_test, mean, std, dtype), y_test)
