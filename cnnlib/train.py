"""Training a ``cnnlib.network.Sequential`` with mini-batch SGD, and evaluating it.

One step on a mini-batch ``B`` of images, for every parameter ``θ`` with
gradient ``g = ∂E_B/∂θ`` (from backprop), learning rate ``η_t``, momentum
``μ`` and weight decay ``λ`` (applied to weights, not to biases):

    g ← g + λ·θ          (weight decay: the gradient of (λ/2)·‖θ‖²)
    v ← μ·v - η_t·g      (velocity: a running sum of past steps)
    θ ← θ + v

The learning rate follows a schedule over all ``T`` steps of the run:
``"cosine"``: ``η_t = η·(1 + cos(π·t/T))/2``; ``"step"``: ``η`` divided by 10
after 50% and again after 75% of the steps; ``"constant"``: ``η``.

Everything random (the weights, the order of the images in each epoch) comes
from ``np.random.default_rng(seed)``, so the same seed gives the same numbers
on the same machine.

Run from a terminal: ``python -m cnnlib.train --model two_conv --epochs 20 --seed 0``
(``--help`` lists the options).
"""
import argparse
import math
import sys
import time

import numpy as np

from .data import load_mnist_prepared
from .losses import softmax_cross_entropy_forward
from .network import MODELS, build_model

SCHEDULES = ("cosine", "step", "constant")


# ----------------------------------------------------------------- evaluation

def predict_scores(model, x, batch_size=500):
    """The network's scores ``(N, K)`` for images ``x (N, C, H, W)``, in batches."""
    return np.concatenate([model.forward(x[start:start + batch_size])
                           for start in range(0, len(x), batch_size)])


def predict(model, x, batch_size=500):
    """Predicted classes ``(N,)``: the index of the largest score of each image."""
    return predict_scores(model, x, batch_size).argmax(axis=1)


def evaluate(model, x, y, batch_size=500):
    """``(mean cross-entropy loss, accuracy)`` of ``model`` on images ``x`` with labels ``y``."""
    scores = predict_scores(model, x, batch_size)
    loss, _ = softmax_cross_entropy_forward(scores.astype(np.float64), y)
    return loss, float(np.mean(scores.argmax(axis=1) == y))


def confusion_matrix(y_true, y_pred, classes=10):
    """``counts[t, p]``: how many images of class ``t`` were predicted as ``p``; ``(K, K)``."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"confusion_matrix: y_true shape {y_true.shape} differs from y_pred shape {y_pred.shape}")
    counts = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


# ------------------------------------------------------------------ optimizer

class SGD:
    """Mini-batch SGD with momentum and weight decay, updating the parameters in place."""

    def __init__(self, model, lr=0.02, momentum=0.9, weight_decay=5e-4):
        if not lr > 0 or not 0 <= momentum < 1 or not weight_decay >= 0:
            raise ValueError(f"SGD: expected lr > 0, 0 <= momentum < 1, weight_decay >= 0, "
                             f"got lr={lr}, momentum={momentum}, weight_decay={weight_decay}")
        self.model, self.lr, self.momentum, self.weight_decay = model, lr, momentum, weight_decay
        self.velocity = {name: np.zeros_like(p) for name, p in model.parameters().items()}

    def step(self, lr=None):
        """One update of every parameter from the gradients of the last backward."""
        lr = self.lr if lr is None else lr
        grads = self.model.gradients()
        for name, param in self.model.parameters().items():
            g = grads[name]
            if self.weight_decay and param.ndim > 1:  # weights only, not biases
                g = g + self.weight_decay * param
            v = self.velocity[name]
            v *= self.momentum
            v -= lr * g
            param += v


def learning_rate(step, total_steps, lr, schedule="cosine"):
    """The learning rate at ``step`` (0-based) of ``total_steps`` under ``schedule``."""
    if schedule == "cosine":
        return lr * 0.5 * (1.0 + math.cos(math.pi * step / total_steps))
    if schedule == "step":
        return lr * (0.1 ** ((step >= 0.5 * total_steps) + (step >= 0.75 * total_steps)))
    if schedule == "constant":
        return lr
    raise ValueError(f"schedule: expected one of {SCHEDULES}, got {schedule!r}")


# -------------------------------------------------------------------- progress

def _in_notebook():
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class TextProgress:
    """A one-line text bar rewritten in place with ``\\r``, and one line per epoch.

    ``live=None`` draws the bar only where ``\\r`` works (a terminal or a
    notebook); written to a file or a pipe, only the epoch lines appear.
    """

    def __init__(self, total, stream=None, width=24, live=None):
        self.total, self.width = total, width
        self.stream = sys.stdout if stream is None else stream
        if live is None:
            isatty = getattr(self.stream, "isatty", None)
            live = _in_notebook() or bool(isatty and isatty())
        self.live = live

    def update(self, done, text):
        if not self.live:
            return
        filled = int(self.width * done / self.total)
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r[{bar}] {done}/{self.total} {text}   ")
        self.stream.flush()

    def log(self, text):
        self.stream.write(("\r" + text + " " * 30 if self.live else text) + "\n")
        self.stream.flush()

    def close(self):
        pass


class WidgetProgress:
    """An ipywidgets progress bar with a label, and one text line per epoch below it."""

    def __init__(self, total):
        import ipywidgets as widgets
        from IPython.display import display
        self.bar = widgets.IntProgress(min=0, max=total, value=0, layout=widgets.Layout(width="45%"))
        self.label = widgets.HTML()
        self.lines = widgets.HTML()
        display(widgets.VBox([widgets.HBox([self.bar, self.label]), self.lines]))
        self._log = []

    def update(self, done, text):
        self.bar.value = done
        self.label.value = f"&nbsp;{done}/{self.bar.max} {text}"

    def log(self, text):
        self._log.append(text)
        self.lines.value = "<pre style='margin:0'>" + "\n".join(self._log) + "</pre>"

    def close(self):
        self.bar.bar_style = "success"


class NoProgress:
    def update(self, done, text):
        pass

    def log(self, text):
        pass

    def close(self):
        pass


def make_progress(progress, total):
    """``progress``: ``"auto"`` (a widget in a notebook when ipywidgets is installed,
    else text), ``"widget"``, ``"text"``, or ``None``/``False`` (silent)."""
    if progress in (None, False, "none"):
        return NoProgress()
    if progress == "auto":
        if _in_notebook():
            try:
                return WidgetProgress(total)
            except ImportError:
                pass
        return TextProgress(total)
    if progress == "widget":
        return WidgetProgress(total)
    if progress in ("text", True):
        return TextProgress(total)
    raise ValueError(f"progress: expected 'auto', 'widget', 'text' or None, got {progress!r}")


# --------------------------------------------------------------------- training

def train(model, x_train, y_train, x_test=None, y_test=None, epochs=20, batch_size=32, lr=0.02,
          momentum=0.9, weight_decay=5e-4, schedule="cosine", seed=0, progress="auto"):
    """Train ``model`` in place; return its history, one entry per epoch.

    ``x_train (N, C, H, W)`` float, ``y_train (N,)`` integer labels; the test
    set, if given, is evaluated after every epoch. Each epoch visits the
    training images once, in an order drawn from ``default_rng(seed)``, in
    mini-batches of ``batch_size`` (the last one may be smaller).

    Returns a dict of lists: ``epoch``, ``train_loss`` and ``train_acc`` (means
    over the epoch's mini-batches, measured while the weights were changing),
    ``test_loss`` and ``test_acc`` (after the epoch, if a test set was given),
    ``lr`` (at the end of the epoch), ``seconds`` (wall time of the epoch).
    """
    x_train, y_train = np.asarray(x_train), np.asarray(y_train)
    if len(x_train) != len(y_train) or len(x_train) == 0:
        raise ValueError(f"train: expected as many labels as images (at least one), got "
                         f"{len(x_train)} images and {len(y_train)} labels")
    if epochs < 1 or batch_size < 1:
        raise ValueError(f"train: expected epochs >= 1 and batch_size >= 1, got {epochs} and {batch_size}")
    learning_rate(0, 1, lr, schedule)  # checks the schedule's name
    rng = np.random.default_rng(seed)
    opt = SGD(model, lr, momentum, weight_decay)
    n = len(x_train)
    steps_per_epoch = math.ceil(n / batch_size)
    total = epochs * steps_per_epoch
    history = {key: [] for key in ("epoch", "train_loss", "train_acc", "test_loss", "test_acc", "lr", "seconds")}
    bar = make_progress(progress, total)
    step = 0
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        order = rng.permutation(n)
        loss_sum, correct = 0.0, 0
        for first in range(0, n, batch_size):
            idx = order[first:first + batch_size]
            loss, scores = model.loss_and_gradients(x_train[idx], y_train[idx])
            rate = learning_rate(step, total, lr, schedule)
            opt.step(rate)
            step += 1
            loss_sum += loss * len(idx)
            correct += int(np.sum(scores.argmax(axis=1) == y_train[idx]))
            if step % 5 == 0 or step == total:
                bar.update(step, f"epoch {epoch}/{epochs} loss {loss_sum / (first + len(idx)):.3f}")
        history["epoch"].append(epoch)
        history["train_loss"].append(loss_sum / n)
        history["train_acc"].append(correct / n)
        history["lr"].append(rate)
        line = f"epoch {epoch:>2}/{epochs}  train loss {loss_sum / n:.4f}  acc {correct / n:.2%}"
        if x_test is not None:
            test_loss, test_acc = evaluate(model, x_test, y_test)
            history["test_loss"].append(test_loss)
            history["test_acc"].append(test_acc)
            line += f"  |  test loss {test_loss:.4f}  acc {test_acc:.2%}"
        history["seconds"].append(time.perf_counter() - start)
        bar.log(line + f"  ({history['seconds'][-1]:.1f} s)")
    bar.close()
    return history


# -------------------------------------------------------------------------- CLI

def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m cnnlib.train",
        description="Train one of the course's networks on the 4,000 training digits of the MNIST "
                    "subset in data/ and print its accuracy on the 1,000 test digits.")
    parser.add_argument("--model", choices=sorted(MODELS), default="two_conv",
                        help="one_conv: conv-relu-pool-FC (seed 000); two_conv: the network of seed 004 "
                             "(default)")
    parser.add_argument("--epochs", type=int, default=20, help="passes over the training set (default 20)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights and the batch order (default 0)")
    parser.add_argument("--batch-size", type=int, default=32, help="images per SGD step (default 32)")
    parser.add_argument("--lr", type=float, default=0.02, help="peak learning rate (default 0.02)")
    parser.add_argument("--momentum", type=float, default=0.9, help="momentum (default 0.9)")
    parser.add_argument("--weight-decay", type=float, default=5e-4, help="L2 weight decay on weights (default 5e-4)")
    parser.add_argument("--schedule", choices=SCHEDULES, default="cosine", help="learning-rate schedule (default cosine)")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32", help="default float32")
    parser.add_argument("--train-size", type=int, default=None,
                        help="use only the first N training digits (default: all 4000)")
    parser.add_argument("--save", metavar="FILE.npz", default=None, help="save the trained weights here")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bar and no per-epoch lines: the settings and the result only")
    args = parser.parse_args(argv)

    x_train, y_train, x_test, y_test = load_mnist_prepared(dtype=np.dtype(args.dtype))
    if args.train_size is not None:
        if not 1 <= args.train_size <= len(x_train):
            parser.error(f"--train-size: expected 1..{len(x_train)}, got {args.train_size}")
        x_train, y_train = x_train[:args.train_size], y_train[:args.train_size]
    model = build_model(args.model, seed=args.seed, dtype=args.dtype)
    print(f"{args.model}: {model.num_parameters()} parameters; {len(x_train)} training digits, "
          f"{len(x_test)} test digits; {args.epochs} epochs, batch {args.batch_size}, lr {args.lr} "
          f"({args.schedule}), momentum {args.momentum}, weight decay {args.weight_decay}, seed {args.seed}")
    start = time.perf_counter()
    history = train(model, x_train, y_train, x_test, y_test, epochs=args.epochs,
                    batch_size=args.batch_size, lr=args.lr, momentum=args.momentum,
                    weight_decay=args.weight_decay, schedule=args.schedule, seed=args.seed,
                    progress=None if args.quiet else "text")
    seconds = time.perf_counter() - start
    if args.save:
        model.save(args.save)
        print(f"weights saved to {args.save}")
    print(f"test accuracy {history['test_acc'][-1]:.2%} ({round(history['test_acc'][-1] * len(x_test))}"
          f"/{len(x_test)}) after {args.epochs} epochs in {seconds:.1f} s")
    return history


if __name__ == "__main__":
    main()
