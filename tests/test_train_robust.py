"""cnnlib.train at its edges (issue 22): the environment's thread settings, divergence told apart from
every other error, and the weights of a finished run never lost silently (--save)."""
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlib._validate import NonFiniteError
from cnnlib.data import load_mnist_prepared
from cnnlib.network import two_conv_net
from cnnlib.train import evaluate, main, train


@pytest.fixture(scope="module")
def digits():
    return load_mnist_prepared()


# ------------------------------------------------------------------ the environment and divergence (issue 22)

def _no_data(monkeypatch):
    import cnnlib.train as train_module

    def no_data(*args, **kwargs):
        raise AssertionError("the data was loaded before the settings were checked")
    monkeypatch.setattr(train_module, "load_mnist_prepared", no_data)


@pytest.mark.parametrize("var, value", [("CNNLIB_NUM_THREADS", "abc"), ("CNNLIB_NUM_THREADS", "0"),
                                        ("CNNLIB_NUM_THREADS", "-1"), ("CNNLIB_NUM_THREADS", "1e3"),
                                        ("OMP_NUM_THREADS", "abc"), ("OMP_NUM_THREADS", "0,1")])
def test_cli_a_bad_thread_setting_is_a_usage_error_before_any_data_is_loaded(monkeypatch, capsys, var, value):
    """It used to train, 'diverge' at step 1 and exit 0 with 'a smaller learning rate usually fixes it'."""
    from cnnlib import parallel
    monkeypatch.setattr(parallel, "_explicit", None)
    monkeypatch.delenv("CNNLIB_NUM_THREADS", raising=False)
    monkeypatch.setenv(var, value)
    _no_data(monkeypatch)
    with pytest.raises(SystemExit) as info:
        main(["--epochs", "1"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"error: {var}: expected a positive int, got {value!r}" in err and "Traceback" not in err


def test_cli_a_bad_thread_setting_in_a_real_process_exits_2():
    env = {**os.environ, "CNNLIB_NUM_THREADS": "abc"}
    done = subprocess.run([sys.executable, "-m", "cnnlib.train", "--epochs", "1", "--train-size", "32"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 2 and "CNNLIB_NUM_THREADS: expected a positive int, got 'abc'" in done.stderr
    assert "diverged" not in done.stdout + done.stderr


def test_train_checks_the_thread_setting_before_the_first_step(monkeypatch, digits):
    from cnnlib import parallel
    monkeypatch.setattr(parallel, "_explicit", None)
    monkeypatch.setenv("CNNLIB_NUM_THREADS", "abc")
    model = two_conv_net(seed=0)
    before = {k: v.copy() for k, v in model.parameters().items()}
    with pytest.raises(ValueError, match=r"CNNLIB_NUM_THREADS: expected a positive int, got 'abc'"):
        train(model, digits.x_train[:32], digits.y_train[:32], epochs=1, progress=None)
    assert all(np.array_equal(model.parameters()[k], v) for k, v in before.items())


def test_train_refuses_a_model_that_starts_with_nan_weights(digits):
    model = two_conv_net(seed=0)
    model.parameters()["conv2.b"][3] = np.nan
    with pytest.raises(ValueError, match=r"model: expected finite parameters to start from, but conv2.b holds 1 NaN"):
        train(model, digits.x_train[:32], digits.y_train[:32], epochs=1, progress=None)


@settings(max_examples=25)
@given(kind=st.sampled_from([ValueError, TypeError, IndexError, ZeroDivisionError]),
       message=st.sampled_from(["boom", "expected finite values", "x: expected finite values, got 3 NaN",
                                "a layer's values are no longer finite", ""]),
       at_step=st.integers(1, 4))
def test_train_reports_divergence_only_for_non_finite_values_and_raises_every_other_error(digits, kind, message,
                                                                                         at_step):
    """An error of the network's code (even a ValueError that mentions finite values) is raised as it
    is, at the step it happens; only cnnlib's NaN/inf check (NonFiniteError) means a divergence."""
    x, y = digits.x_train[:64], digits.y_train[:64]
    model = two_conv_net(seed=0)
    real, calls = model.loss_and_gradients, []

    def failing(xb, yb):
        calls.append(1)
        if len(calls) == at_step:
            raise kind(message)
        return real(xb, yb)
    model.loss_and_gradients = failing
    with pytest.raises(kind, match=f"^{re.escape(message)}$"):
        train(model, x, y, epochs=2, batch_size=32, progress=None)
    assert len(calls) == at_step


@pytest.mark.parametrize("at_step", [1, 3])
def test_a_non_finite_error_inside_a_step_is_a_divergence(digits, at_step):
    x, y = digits.x_train[:64], digits.y_train[:64]
    model = two_conv_net(seed=0)
    real, calls = model.loss_and_gradients, []

    def failing(xb, yb):
        calls.append(1)
        if len(calls) == at_step:
            raise NonFiniteError("relu2: expected finite values, got 5 NaN or infinite value(s)")
        return real(xb, yb)
    model.loss_and_gradients = failing
    with pytest.warns(RuntimeWarning, match=rf"training diverged at epoch \d, step {at_step}: a layer's values are "
                                            r"no longer finite \(relu2: expected finite"):
        history = train(model, x, y, epochs=2, batch_size=32, progress=None)
    assert history["diverged"] and len(history["epoch"]) == (at_step - 1) // 2


def test_huge_finite_weights_that_overflow_on_the_test_set_stop_as_a_divergence(digits):
    """lr 1e30: one step leaves finite weights so large that a layer overflows; the test evaluation
    after the epoch then says 'diverged' (it used to raise the layer's ValueError)."""
    model = two_conv_net(seed=0)
    with pytest.warns(RuntimeWarning, match=r"training diverged at epoch 1"):
        history = train(model, digits.x_train[:32], digits.y_train[:32], digits.x_test[:50], digits.y_test[:50],
                        epochs=2, batch_size=32, lr=1e30, progress=None)
    assert history["diverged"] and history["epoch"] == [] and history["test_acc"] == []


def test_a_healthy_run_did_not_diverge(digits):
    history = train(two_conv_net(seed=0), digits.x_train[:64], digits.y_train[:64], epochs=1, progress=None)
    assert history["diverged"] is False


# ------------------------------------------------------------------ saving after training (issue 22)

def test_cli_save_into_proc_is_a_usage_error_even_as_root(monkeypatch, capsys):
    """os.access says yes to root for /proc: the check now makes a file there (and cannot)."""
    _no_data(monkeypatch)
    with pytest.raises(SystemExit) as info:
        main(["--save", "/proc/w.npz"])
    assert info.value.code == 2
    assert "argument --save: expected a folder you may write to, but no file can be made in /proc" in \
        capsys.readouterr().err


def _folder_removed_during_training(monkeypatch, folder):
    import shutil

    import cnnlib.train as train_module
    real = train_module.train

    def train_then_remove(*args, **kwargs):
        history = real(*args, **kwargs)
        shutil.rmtree(folder)   # the folder goes away while the network trains
        return history
    monkeypatch.setattr(train_module, "train", train_then_remove)


def test_cli_save_failing_after_training_keeps_the_weights_in_a_spare_file_and_says_where(
        monkeypatch, capsys, tmp_path):
    folder = tmp_path / "gone"
    folder.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    _folder_removed_during_training(monkeypatch, folder)
    with pytest.raises(SystemExit) as info:
        main(["--epochs", "1", "--train-size", "64", "--quiet", "--save", str(folder / "w.npz")])
    assert info.value.code == 1
    out, err = capsys.readouterr()
    assert f"error: the trained weights could not be saved: save {folder / 'w.npz'}: expected an existing folder" in err
    spares = list(work.iterdir())
    assert len(spares) == 1 and spares[0].name.startswith("cnnlib-weights-")
    assert f"error: the trained weights were saved to {spares[0]} instead" in err
    assert "test accuracy" in out   # the result is still reported
    loaded = two_conv_net().load(spares[0])
    assert np.isclose(evaluate(loaded, *load_mnist_prepared()[2:])[1], float(re.search(r"test accuracy ([\d.]+)%", out)
                                                                             .group(1)) / 100, atol=1e-4)


def test_cli_save_failing_with_no_spare_place_either_says_the_weights_are_lost(monkeypatch, capsys, tmp_path):
    import cnnlib.weights_file as weights_file
    folder = tmp_path / "gone"
    folder.mkdir()
    _folder_removed_during_training(monkeypatch, folder)
    monkeypatch.setattr(weights_file, "_spare_path", lambda: None)
    with pytest.raises(SystemExit) as info:
        main(["--epochs", "1", "--train-size", "32", "--quiet", "--save", str(folder / "w.npz")])
    assert info.value.code == 1
    assert "error: no spare file could be written either: the trained weights are lost" in capsys.readouterr().err


def test_cli_a_diverged_run_saves_nothing_and_exits_1(capsys, tmp_path):
    target = tmp_path / "w.npz"
    two_conv_net(seed=5).save(target)
    good = target.read_bytes()
    with pytest.raises(SystemExit) as info:
        main(["--epochs", "1", "--train-size", "64", "--quiet", "--lr", "1e30", "--save", str(target)])
    assert info.value.code == 1
    out, err = capsys.readouterr()
    assert "warning: training diverged" in out
    assert f"error: the training diverged, so nothing was saved to {target}" in err
    assert target.read_bytes() == good   # a good file is not overwritten with diverged weights


# ------------------------------------------------------------------ a closed output, an interrupt, a deleted folder

def test_cli_output_closed_by_head_still_saves_the_weights_and_exits_1(tmp_path):
    """`python -m cnnlib.train --save w.npz | head -1`: the epoch lines hit a closed pipe. The
    progress lines used to raise BrokenPipeError inside train() and the weights were lost."""
    target = tmp_path / "w.npz"
    proc = subprocess.Popen([sys.executable, "-m", "cnnlib.train", "--epochs", "3", "--train-size", "128",
                             "--save", str(target)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = proc.stdout.readline()
    proc.stdout.close()                                   # what `| head -1` does
    err = proc.stderr.read()
    assert proc.wait(timeout=300) == 1
    assert first.startswith("two_conv: 3030 parameters") and "Traceback" not in err
    two_conv_net().load(target)


def test_a_progress_stream_that_breaks_does_not_stop_the_training(digits, monkeypatch):
    class Broken:
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            pass

        def isatty(self):
            return True
    monkeypatch.setattr(sys, "stdout", Broken())
    history = train(two_conv_net(seed=0), digits.x_train[:64], digits.y_train[:64], epochs=2, batch_size=16,
                    progress="text")
    assert history["epoch"] == [1, 2] and not history["diverged"]


def test_cli_ctrl_c_says_nothing_was_saved_and_exits_130(tmp_path):
    import signal
    target = tmp_path / "w.npz"
    proc = subprocess.Popen([sys.executable, "-m", "cnnlib.train", "--epochs", "200", "--quiet",
                             "--save", str(target)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().startswith("two_conv:")   # training has started
    proc.send_signal(signal.SIGINT)
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 130
    assert f"interrupted: the training did not finish, so nothing was saved to {target}" in err
    assert "Traceback" not in err and not target.exists()


def test_the_spare_file_goes_to_the_temporary_folder_when_the_current_one_was_deleted(monkeypatch, capsys,
                                                                                        tmp_path):
    import tempfile

    import cnnlib.weights_file as weights_file
    gone, spare_dir = tmp_path / "cwd", tmp_path / "spare"
    gone.mkdir()
    spare_dir.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()                                          # os.getcwd() now raises
    monkeypatch.setattr(tempfile, "tempdir", str(spare_dir))
    model = two_conv_net(seed=1)
    assert weights_file.save_or_keep(model, tmp_path / "missing" / "w.npz") == 1
    err = capsys.readouterr().err
    spares = list(spare_dir.iterdir())
    assert len(spares) == 1 and f"saved to {spares[0]} instead" in err
    assert np.array_equal(two_conv_net().load(spares[0]).parameters()["fc1.w"], model.parameters()["fc1.w"])
