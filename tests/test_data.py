"""cnnlib.data: the teaching example and the MNIST subset loader."""
import os
import shutil

import numpy as np
import pytest

from cnnlib.data import (MNIST_SUBSET_SHA256, default_mnist_path, load_mnist_subset, pixel_stats,
                         prepare_images, teaching_example)


def test_teaching_example_is_seeded_and_shaped():
    a, b = teaching_example(channels=2, filters=3, seed=4), teaching_example(channels=2, filters=3, seed=4)
    assert a.x.shape == (1, 2, 7, 7) and a.w.shape == (3, 2, 3, 3) and a.dout.shape == (1, 3, 3, 3)
    assert all(np.array_equal(u, v) for u, v in zip(a[:4], b[:4]))
    assert (a.stride, a.pad) == (2, 0)


def test_loader_shapes_dtypes_and_classes():
    x_train, y_train, x_test, y_test = load_mnist_subset()
    assert x_train.shape == (4000, 28, 28) and x_test.shape == (1000, 28, 28)
    assert x_train.dtype == np.uint8 and x_test.dtype == np.uint8
    assert y_train.dtype == np.int64 and y_test.dtype == np.int64
    assert np.array_equal(np.bincount(y_train), [400] * 10)
    assert np.array_equal(np.bincount(y_test), [100] * 10)
    # real digits: mostly background, some ink at full strength
    assert 0.7 < np.mean(x_train == 0) < 0.9 and x_train.max() == 255
    # the split is disjoint: no test image is a copy of a training image
    train_keys = {img.tobytes() for img in x_train}
    assert not any(img.tobytes() in train_keys for img in x_test)


def test_loader_does_not_depend_on_working_directory(tmp_path):
    old = os.getcwd()
    try:
        os.chdir(tmp_path)
        y_test = load_mnist_subset().y_test
    finally:
        os.chdir(old)
    assert y_test.shape == (1000,)
    assert default_mnist_path().is_absolute()


def test_missing_file_names_the_path(tmp_path):
    missing = tmp_path / "nowhere.npz"
    with pytest.raises(FileNotFoundError, match="nowhere.npz"):
        load_mnist_subset(missing)


def test_damaged_copy_fails_the_checksum(tmp_path):
    copy = tmp_path / "mnist_subset.npz"
    shutil.copyfile(default_mnist_path(), copy)
    raw = bytearray(copy.read_bytes())
    raw[len(raw) // 2] ^= 0xFF  # flip one byte
    copy.write_bytes(bytes(raw))
    with pytest.raises(ValueError) as info:
        load_mnist_subset(copy)
    message = str(info.value)
    assert str(copy) in message and MNIST_SUBSET_SHA256 in message and "found" in message


def test_wrong_arrays_are_reported_even_without_checksum(tmp_path):
    fake = tmp_path / "fake.npz"
    np.savez(fake, x_train=np.zeros((10, 28, 28), np.uint8), y_train=np.zeros(10, np.uint8),
             x_test=np.zeros((1000, 28, 28), np.uint8), y_test=np.zeros(1000, np.uint8))
    with pytest.raises(ValueError, match=r"x_train expected shape \(4000, 28, 28\).*found shape \(10, 28, 28\)"):
        load_mnist_subset(fake, verify=False)
    not_a_zip = tmp_path / "text.npz"
    not_a_zip.write_text("hello")
    with pytest.raises(ValueError, match="cannot be read"):
        load_mnist_subset(not_a_zip, verify=False)


def test_prepare_images_scales_and_standardizes():
    images = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)  # (1, 2, 2)
    x = prepare_images(images)
    assert x.shape == (1, 1, 2, 2) and x.dtype == np.float32
    assert np.allclose(x[0, 0], [[0, 1], [0.2, 0.4]])
    x_train = load_mnist_subset().x_train
    mean, std = pixel_stats(x_train)
    z = prepare_images(x_train, mean, std, dtype=np.float64)
    assert z.dtype == np.float64 and z.shape == (4000, 1, 28, 28)
    assert abs(z.mean()) < 1e-9 and abs(z.std() - 1) < 1e-9


@pytest.mark.parametrize("bad, kwargs, match", [
    (np.zeros((2, 28)), {}, "expected 3 dimensions"),
    (np.zeros((2, 3, 3)), {"std": 0.0}, "std: expected a finite real number > 0"),
    (np.zeros((2, 3, 3)), {"dtype": np.int32}, "expected a float dtype"),
])
def test_prepare_images_rejects_bad_input(bad, kwargs, match):
    with pytest.raises(ValueError, match=match):
        prepare_images(bad, **kwargs)
