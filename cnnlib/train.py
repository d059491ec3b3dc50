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

Every setting is checked before the first step (ValueError naming it), and
so are the thread settings of the environment (``CNNLIB_NUM_THREADS``,
``OMP_NUM_THREADS``) and the model's starting weights (finite). A run that
diverges stops with a ``RuntimeWarning`` instead of a confusing error deep
inside a layer: when the loss, the weights or a layer's values stop being
finite (only that: any other error is raised as it is), or, without stopping,
when the training accuracy collapses to chance (``lr`` far too high, dead
ReLUs). ``history["warnings"]`` lists what was warned.

Run from a terminal: ``python -m cnnlib.train --model two_conv --epochs 20 --seed 0``
(``--help`` lists the options). Every option and the environment are checked
before the data is loaded (a usage error, exit status 2); ``--save FILE`` is
checked by making a file in FILE's folder. If saving still fails after training,
the weights go to a spare file (in the current folder, else the temporary
folder) and the command says where, with exit status 1: trained weights are
never lost silently. A run that diverged saves nothing and exits with status 1;
Ctrl-C says that nothing was saved (status 130); a closed output (``| head``)
does not stop the training or the saving.
"""
import argparse
import math
import os
import sys
import time
import warnings

import numpy as np

from ._validate import NonFiniteError, as_int, as_labels, as_real, as_seed
from .data import MNIST_TRAIN_SIZE, load_mnist_prepared
from .evaluation import _check_model, confusion_matrix, evaluate, predict, predict_scores  # noqa: F401
from .model import Sequential
from .network import MODELS, build_model
from .parallel import num_threads
from .progress import NoProgress, TextProgress, WidgetProgress, make_progress  # noqa: F401 (public here too)
from .weights_file import check_writable, save_or_keep

SCHEDULES = ("cosine", "step", "constant")


# ------------------------------------------------------------------ optimizer

class SGD:
    """Mini-batch SGD with momentum and weight decay, updating the parameters in place.

    ``lr > 0``, ``0 <= momentum < 1`` and ``weight_decay >= 0``, all finite.
    """

    def __init__(self, model, lr=0.01, momentum=0.9, weight_decay=5e-4):
        if not isinstance(model, Sequential):
            raise ValueError(f"SGD: expected a cnnlib Sequential model, got {type(model).__name__}")
        self.lr = as_real(lr, "lr", low=0, low_open=True)
        self.momentum = as_real(momentum, "momentum", low=0, high=1, high_open=True)
        self.weight_decay = as_real(weight_decay, "weight_decay", low=0)
        self.model = model
        self.velocity = {name: np.zeros_like(p) for name, p in model.parameters().items()}

    def step(self, lr=None):
        """One update of every parameter from the gradients of the last backward."""
        lr = self.lr if lr is None else as_real(lr, "lr", low=0)
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
    if not isinstance(schedule, str) or schedule not in SCHEDULES:
        raise ValueError(f"schedule: expected one of {SCHEDULES}, got {schedule!r}")
    total_steps = as_int(total_steps, "total_steps", minimum=1)
    step = as_int(step, "step", minimum=0, maximum=total_steps)
    lr = as_real(lr, "lr", low=0)
    if schedule == "cosine":
        return lr * 0.5 * (1.0 + math.cos(math.pi * step / total_steps))
    if schedule == "step":
        return lr * (0.1 ** ((step >= 0.5 * total_steps) + (step >= 0.75 * total_steps)))
    return lr


# --------------------------------------------------------------------- training

def _finite(model):
    return all(np.isfinite(p).all() for p in model.parameters().values())


def _check_parameters(model):
    """A ValueError naming the first parameter that holds NaN or infinity (before training)."""
    for name, p in model.parameters().items():
        bad = int(p.size - np.count_nonzero(np.isfinite(p)))
        if bad:
            raise ValueError(f"model: expected finite parameters to start from, but {name} holds {bad} "
                             f"NaN or infinite value(s)")


def _collapsed(history, classes):
    """Why the last epoch's training accuracy looks collapsed, or None."""
    acc = history["train_acc"]
    chance = 1.0 / classes
    if len(acc) >= 2 and acc[-1] <= 1.5 * chance:
        return f"the training accuracy is {acc[-1]:.1%} after {len(acc)} epochs, chance level (1/{classes})"
    if len(acc) >= 2 and max(acc[:-1]) > 3 * chance and acc[-1] < 0.5 * max(acc[:-1]):
        return f"the training accuracy fell from {max(acc[:-1]):.1%} to {acc[-1]:.1%}"
    return None


def train(model, x_train, y_train, x_test=None, y_test=None, epochs=20, batch_size=32, lr=0.01,
          momentum=0.9, weight_decay=5e-4, schedule="cosine", seed=0, progress="auto"):
    """Train ``model`` in place; return its history, one entry per epoch.

    ``x_train (N, C, H, W)`` float, ``y_train (N,)`` integer labels; the test
    set, if given, is evaluated after every epoch. Each epoch visits the
    training images once, in an order drawn from ``default_rng(seed)``, in
    mini-batches of ``batch_size`` (the last one may be smaller).

    Returns a dict of lists: ``epoch``, ``train_loss`` and ``train_acc`` (means
    over the epoch's mini-batches, measured while the weights were changing),
    ``test_loss`` and ``test_acc`` (after the epoch, if a test set was given),
    ``lr`` (at the end of the epoch), ``seconds`` (wall time of the epoch), and
    ``warnings`` (the text of each RuntimeWarning the run gave: a diverged run
    stops early, a collapsed accuracy is reported and training goes on), and
    ``diverged`` (True when the run stopped because a loss, a weight or a layer's
    value stopped being finite; the epoch it stopped in is not in the lists).
    Any other error in a step is raised as it is.
    """
    classes = _check_model(model, "train")
    x_train = model._input(x_train)
    if len(x_train) == 0:
        raise ValueError("x_train: expected at least one image, got 0")
    n = len(x_train)
    y_arr = np.asarray(y_train)
    if y_arr.ndim == 1 and len(y_arr) != n:
        raise ValueError(f"train: expected as many labels as images (at least one), got "
                         f"{n} images and {len(y_arr)} labels")
    y_train = as_labels(y_train, "y_train", count=n, classes=classes)
    if (x_test is None) != (y_test is None):
        raise ValueError("x_test, y_test: expected both (a test set) or neither, got only one")
    if x_test is not None:
        x_test = model._input(x_test)
        y_test = as_labels(y_test, "y_test", count=len(x_test), classes=classes)
        if len(x_test) == 0:
            raise ValueError("x_test: expected at least one image, got 0")
    epochs = as_int(epochs, "epochs", minimum=1)
    batch_size = as_int(batch_size, "batch_size", minimum=1)
    seed = as_seed(seed)
    _check_parameters(model)
    num_threads()  # a bad CNNLIB_NUM_THREADS / OMP_NUM_THREADS: a ValueError now, not in a layer
    opt = SGD(model, lr, momentum, weight_decay)  # checks lr, momentum, weight_decay
    learning_rate(0, 1, lr, schedule)  # checks the schedule's name
    rng = np.random.default_rng(seed)
    steps_per_epoch = math.ceil(n / batch_size)
    total = epochs * steps_per_epoch
    history = {key: [] for key in ("epoch", "train_loss", "train_acc", "test_loss", "test_acc", "lr", "seconds")}
    history["warnings"], history["diverged"] = [], False
    bar = make_progress(progress, total)

    def warn(text):
        text += (f" (lr={opt.lr:g}, momentum={opt.momentum:g}, weight_decay={opt.weight_decay:g}: "
                 f"a smaller learning rate usually fixes it)")
        history["warnings"].append(text)
        bar.log("warning: " + text)
        warnings.warn(text, RuntimeWarning, stacklevel=3)

    def stop(text):
        """The run diverged: say so, and hand back what there is."""
        history["diverged"] = True
        warn(text)
        bar.close()
        return history

    step = 0
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        order = rng.permutation(n)
        loss_sum, correct = 0.0, 0
        for first in range(0, n, batch_size):
            idx = order[first:first + batch_size]
            try:
                with np.errstate(over="ignore", invalid="ignore"):  # a divergence is reported below
                    loss, scores = model.loss_and_gradients(x_train[idx], y_train[idx])
            except NonFiniteError as err:  # the inputs were checked above: an overflow inside the network
                return stop(f"training diverged at epoch {epoch}, step {step + 1}: a layer's values are "
                            f"no longer finite ({err}); training stopped")
            rate = learning_rate(step, total, lr, schedule)
            with np.errstate(over="ignore", invalid="ignore"):
                opt.step(rate)
            step += 1
            if not (math.isfinite(loss) and _finite(model)):
                return stop(f"training diverged at epoch {epoch}, step {step}: the loss or the weights are "
                            f"no longer finite (loss {loss}); training stopped")
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
            try:
                with np.errstate(over="ignore", invalid="ignore"):
                    test_loss, test_acc = evaluate(model, x_test, y_test)
            except NonFiniteError as err:  # finite weights, but so large that a layer overflows
                for key in ("epoch", "train_loss", "train_acc", "lr"):
                    history[key].pop()
                return stop(f"training diverged at epoch {epoch}: the test images' values are no longer "
                            f"finite in a layer ({err}); training stopped")
            history["test_loss"].append(test_loss)
            history["test_acc"].append(test_acc)
            line += f"  |  test loss {test_loss:.4f}  acc {test_acc:.2%}"
        history["seconds"].append(time.perf_counter() - start)
        bar.log(line + f"  ({history['seconds'][-1]:.1f} s)")
        why = _collapsed(history, classes)
        if why and not any("accuracy" in w for w in history["warnings"]):
            warn(f"the training looks collapsed: {why}")
    bar.close()
    return history


# -------------------------------------------------------------------------- CLI

def _arg(check, what):
    """An argparse ``type``: ``check(text)`` or a usage error saying what was expected."""
    def parse(text):
        try:
            return check(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
    parse.__name__ = what  # argparse names the type in its message
    return parse


def _int_at_least(low):
    return _arg(lambda t: as_int(int(t), "", minimum=low), f"an int >= {low}")


def _real(what, **bounds):
    return _arg(lambda t: as_real(float(t), "", **bounds), what)


def _save_path(text):
    """``--save FILE``: a file can be made in FILE's folder (checked by making one; ``os.access``
    says yes to root even for ``/proc``)."""
    try:
        return check_writable(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err).split(": ", 1)[1]) from None


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m cnnlib.train",
        description="Train one of the course's networks on the 4,000 training digits of the MNIST "
                    "subset in data/ and print its accuracy on the 1,000 test digits.")
    parser.add_argument("--model", choices=sorted(MODELS), default="two_conv",
                        help="one_conv: conv-relu-pool-FC (seed 000); two_conv: the network of seed 004 "
                             "(default)")
    parser.add_argument("--epochs", type=_int_at_least(1), default=20, help="passes over the training set (default 20)")
    parser.add_argument("--seed", type=_int_at_least(0), default=0,
                        help="seed of the weights and the batch order, an int >= 0 (default 0)")
    parser.add_argument("--batch-size", type=_int_at_least(1), default=32, help="images per SGD step (default 32)")
    parser.add_argument("--lr", type=_real("a finite number > 0", low=0, low_open=True), default=0.01,
                        help="peak learning rate (default 0.01)")
    parser.add_argument("--momentum", type=_real("a number in [0, 1)", low=0, high=1, high_open=True), default=0.9,
                        help="momentum, at least 0 and below 1 (default 0.9)")
    parser.add_argument("--weight-decay", type=_real("a finite number >= 0", low=0), default=5e-4,
                        help="L2 weight decay on weights (default 5e-4)")
    parser.add_argument("--schedule", choices=SCHEDULES, default="cosine", help="learning-rate schedule (default cosine)")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32", help="default float32")
    parser.add_argument("--train-size", type=_int_at_least(1), default=None,
                        help=f"use only the first N training digits, 1..{MNIST_TRAIN_SIZE} (default: all)")
    parser.add_argument("--save", metavar="FILE", type=_save_path, default=None,
                        help="save the trained weights here (an .npz archive; the folder must exist)")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bar and no per-epoch lines: the settings and the result only")
    args = parser.parse_args(argv)
    if args.train_size is not None and args.train_size > MNIST_TRAIN_SIZE:
        parser.error(f"argument --train-size: expected 1..{MNIST_TRAIN_SIZE}, got {args.train_size}")
    try:
        num_threads()  # the environment's thread settings: a usage error now, not inside a layer
    except ValueError as err:
        parser.error(str(err))

    try:  # Ctrl-C anywhere before the training's end: say so, no traceback
        x_train, y_train, x_test, y_test = load_mnist_prepared(dtype=np.dtype(args.dtype))
        if args.train_size is not None:
            x_train, y_train = x_train[:args.train_size], y_train[:args.train_size]
        model = build_model(args.model, seed=args.seed, dtype=args.dtype)
        print(f"{args.model}: {model.num_parameters()} parameters; {len(x_train)} training digits, "
              f"{len(x_test)} test digits; {args.epochs} epochs, batch {args.batch_size}, lr {args.lr} "
              f"({args.schedule}), momentum {args.momentum}, weight decay {args.weight_decay}, seed {args.seed}")
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # printed below, as a line, not a traceback-like warning
            history = train(model, x_train, y_train, x_test, y_test, epochs=args.epochs,
                            batch_size=args.batch_size, lr=args.lr, momentum=args.momentum,
                            weight_decay=args.weight_decay, schedule=args.schedule, seed=args.seed,
                            progress=None if args.quiet else "text")
    except KeyboardInterrupt:
        print(f"\ninterrupted: the training did not finish, so nothing was saved"
              f"{f' to {args.save}' if args.save else ''}", file=sys.stderr)
        sys.exit(130)
    seconds = time.perf_counter() - start
    if history["diverged"]:  # saved first, printed after: a closed output (| head) cannot lose the weights
        status = 1
        if args.save:
            print(f"error: the training diverged, so nothing was saved to {args.save}", file=sys.stderr)
    else:
        status = save_or_keep(model, args.save) if args.save else 0
    if args.quiet:
        for text in history["warnings"]:
            print(f"warning: {text}")
    if history["test_acc"]:
        print(f"test accuracy {history['test_acc'][-1]:.2%} ({round(history['test_acc'][-1] * len(x_test))}"
              f"/{len(x_test)}) after {len(history['test_acc'])} epoch{'s' * (len(history['test_acc']) != 1)} "
              f"in {seconds:.1f} s")
    else:
        print(f"no epoch finished: training diverged in {seconds:.1f} s")
    if status:
        sys.exit(status)
    return history


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:  # the output was closed (| head): the weights are saved, stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
