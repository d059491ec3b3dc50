"""The claims notebook 07 makes about training, checked over several seeds, not one lucky one.

- Section 4: the first loss of an untrained network is within 0.25 of ln 10 (the seed networks
  start their last layer small), for every weight seed (it is 0.02 off for seed 0, 0.17 for 13).
- Section 6: with the notebook's recipe (no weight decay, lr 0.01 constant, 30 epochs, batch 20)
  a healthy network memorizes 100 digits: 100% right, loss below 0.05, for every weight seed and
  batch order tried here, and reads the 1,000 test digits worse (below 90%, at a loss more than
  10 times the training loss): that gap is the lesson. With five times the learning rate it can
  fail without any bug (dead ReLUs), so the test is about the recipe, not the network alone.
- Section 7: the notebook's recipe (10 epochs, lr 0.01 on a cosine, batch 32, momentum 0.9,
  weight decay 5e-4) reads at least 95% of the 1,000 test digits, for seeds other than the
  notebook's own; at 0.02 (the old default) it leaves dead conv2 filters on many seeds, and the
  seeds below the bar are among them (measured over seeds 0-39: 18 with dead filters, 5 below
  95%; at 0.01, one with dead filters, none below).
- "To go further": ``python -m cnnlib.train`` with no options (20 epochs, the default lr 0.01 on a
  cosine) reads at least 95% of the test digits. Measured over seeds 0-39: 95.3% to 96.9%,
  median 96.3%, no warning; one seed (6) of 40 ends with dead conv2 filters (4 of them) and
  still reads 96.3%. With the old default, lr 0.02, the same 20 epochs: 92.2% to 97.7%, 3 seeds
  below 95%, 16 with dead conv2 filters.

Each test reads the recipe from the notebook's own code, so the claim tested is the claim made.
The quick run checks a few seeds of each claim (7 runs on the 4,000 digits, 38 on 100 of them);
``CNNLIB_ALL_SEEDS=1`` repeats the measurement behind the notebook's text (40 weight seeds x 4
batch orders for memorizing, seeds 0-39 for the 95% bar, for lr 0.02 and for the CLI's default
run; about an hour of CPU).
"""
import json
import os
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from cnnlib.data import load_mnist_prepared
from cnnlib.network import two_conv_net
from cnnlib.train import evaluate, main, train

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "07_cnn_on_mnist.ipynb"
ALL_SEEDS = os.environ.get("CNNLIB_ALL_SEEDS") == "1"

# the recipes as the notebook's code writes them (its train(...) calls must contain this text)
MEMORIZE_TEXT = 'epochs=30, batch_size=20, lr=0.01, weight_decay=0.0, schedule="constant"'
TRAIN_TEXT = 'epochs=10, batch_size=32, lr=0.01, momentum=0.9, weight_decay=5e-4, schedule="cosine"'
MEMORIZE = eval(f"dict({MEMORIZE_TEXT})")
TRAIN = eval(f"dict({TRAIN_TEXT})")


@pytest.fixture(scope="module")
def digits():
    return load_mnist_prepared()


def test_the_recipes_are_the_notebooks():
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    source = re.sub(r"\s+", " ", " ".join("".join(c["source"]) for c in cells if c["cell_type"] == "code"))
    assert MEMORIZE_TEXT in source, "section 6 changed its recipe: change it here too"
    assert TRAIN_TEXT in source, "section 7 changed its recipe: change it here too"
    assert "assert train_acc == 1.0 and train_loss < 0.05" in source
    assert 'assert history["test_acc"][-1] >= 0.95' in source
    assert "assert abs(first_loss - np.log(10)) < 0.25" in source


@pytest.mark.parametrize("seed", range(20))
def test_the_first_loss_is_near_ln_10(digits, seed):
    x_train, y_train, _, _ = digits
    loss = two_conv_net(seed=seed).loss(x_train[:500], y_train[:500])
    assert abs(loss - np.log(10)) < 0.25        # the notebook's bar; measured at most 0.17 over 40 seeds


def _memorize(digits, model_seed, order_seed, **change):
    """``((loss, accuracy) on the 100 digits, model, what train warned)``."""
    x_train, y_train, _, _ = digits
    model = two_conv_net(seed=model_seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # kept in the history, looked at by the tests
        history = train(model, x_train[:100], y_train[:100], seed=order_seed, progress=None,
                        **{**MEMORIZE, **change})
    return evaluate(model, x_train[:100], y_train[:100]), model, history["warnings"]


def test_a_healthy_network_memorizes_100_digits_whatever_the_seeds(digits):
    seeds = [(m, o) for m in range(40 if ALL_SEEDS else 12) for o in range(4 if ALL_SEEDS else 3)]
    failed, no_gap, worst = [], [], 0.0
    _, _, x_test, y_test = digits
    for model_seed, order_seed in seeds:
        (loss, acc), model, _ = _memorize(digits, model_seed, order_seed)
        worst = max(worst, loss)
        if acc < 1.0 or loss >= 0.05:
            failed.append((model_seed, order_seed, acc, round(loss, 4)))
        if ALL_SEEDS or order_seed == 0:                          # the gap the notebook shows
            test_loss, test_acc = evaluate(model, x_test, y_test)
            if not (test_acc < 0.9 and test_loss > 10 * loss):
                no_gap.append((model_seed, order_seed, test_acc, round(test_loss / loss, 1)))
    assert not failed, f"did not memorize (model seed, order seed, accuracy, loss): {failed}"
    assert not no_gap, f"no gap to the test digits (model seed, order seed, test accuracy, loss ratio): {no_gap}"
    print(f"{len(seeds)} runs memorized 100 digits; largest final loss {worst:.4f}")


def test_too_large_a_learning_rate_fails_the_memorizing_test_with_dead_relus(digits):
    """What the notebook says: the test fails without a bug when the steps are too large."""
    x_train, _, _, _ = digits
    (loss, acc), model, warned = _memorize(digits, 3, 3, lr=0.05)
    on = model.activations(x_train[:100])["relu2"] > 0
    assert acc < 0.5 and not on.any()              # every conv2 unit off on every digit
    assert any("collapsed" in text for text in warned)   # and train says so
    (loss, acc), _, _ = _memorize(digits, 3, 3)    # the same seeds with the notebook's rate
    assert acc == 1.0


def test_ten_epochs_read_95_percent_of_the_test_digits_for_other_seeds(digits):
    x_train, y_train, x_test, y_test = digits
    seeds = range(40) if ALL_SEEDS else range(1, 5)  # the notebook runs seed 0 itself
    results = {}
    for seed in seeds:
        model = two_conv_net(seed=seed)
        history = train(model, x_train, y_train, x_test, y_test, seed=seed, progress=None, **TRAIN)
        results[seed] = history["test_acc"][-1]
    assert min(results.values()) >= 0.95, results
    print(f"seeds {min(seeds)}-{max(seeds)}: test accuracy {min(results.values()):.1%} to "
          f"{max(results.values()):.1%}, median {np.median(list(results.values())):.1%}")


def test_twice_the_rate_leaves_dead_conv2_filters_where_the_recipes_does_not(digits):
    """Section 7: with lr 0.02 (the old default) some seeds end with dead conv2 filters and below the
    95% bar; the notebook's 0.01 does not. Measured over seeds 0-39: at 0.02, 18 seeds with dead
    conv2 filters (never positive on a test digit), 5 below 95% (all 5 among them, the lowest 87.3%);
    at 0.01, one seed (6) with dead filters, none below 95%. Seed 14 shows it in one pair of runs."""
    x_train, y_train, x_test, y_test = digits

    def run(seed, lr):
        model = two_conv_net(seed=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            history = train(model, x_train, y_train, x_test, y_test, seed=seed, progress=None,
                            **{**TRAIN, "lr": lr})
        on = (model.activations(x_test)["relu2"] > 0).any(axis=(0, 2, 3))   # (10,): a filter ever on
        return history["test_acc"][-1], int((~on).sum())

    seeds = range(40) if ALL_SEEDS else (14,)
    fast = {seed: run(seed, 0.02) for seed in seeds}
    dead = [s for s, (_, n) in fast.items() if n]
    low = [s for s, (acc, _) in fast.items() if acc < 0.95]
    assert low and set(low) <= set(dead), fast                 # below the bar: always with dead filters
    if ALL_SEEDS:
        assert len(dead) >= 10, fast
    acc, n_dead = run(14, 0.01)                                 # the same seed with the recipe's rate
    assert acc >= 0.95 and n_dead == 0, (acc, n_dead)
    print(f"lr 0.02: {len(dead)} of {len(seeds)} seeds with dead conv2 filters, {len(low)} below 95%")


def test_the_clis_default_run_reads_95_percent_for_other_seeds(capsys):
    """The notebook's "to go further" runs ``python -m cnnlib.train`` with no --lr: its defaults must
    be a tested recipe (the measurement behind the number in the module text: CNNLIB_ALL_SEEDS=1)."""
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    text = " ".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    commands = re.findall(r"python -m cnnlib\.train[^\n`]*", text)
    assert commands and not any("--lr" in c for c in commands), commands
    seeds = range(40) if ALL_SEEDS else (1,)
    results = {}
    for seed in seeds:
        history = main(["--quiet", "--seed", str(seed)])
        assert "lr 0.01 (cosine)" in capsys.readouterr().out and len(history["test_acc"]) == 20
        assert history["warnings"] == [], (seed, history["warnings"])
        results[seed] = history["test_acc"][-1]
    assert min(results.values()) >= 0.95, results
