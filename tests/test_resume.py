"""Training that survives interruption: `keras_gan.callbacks.BackupAndRestore` and
`keras-gan train --resume`.

The main test kills real processes with SIGKILL (once while a backup is being
written, once in the middle of an epoch) and checks that the run resumed twice ends
with exactly the state of an uninterrupted run: both networks, both optimizers, the
seed generator and the generator's moving average (bitwise equal on CPU: the same
operations run on the same values in the same order)."""

import os
import signal
import subprocess
import sys

import numpy as np
import pytest

import keras

import keras_gan
from keras_gan.callbacks import BackupAndRestore, DivergenceError, StopOnDivergence
from keras_gan.callbacks.backup import BACKUP_FILE, write_atomically
from keras_gan.callbacks.divergence import state_variables

from conftest import ROOT, assert_cli_error, run_cli
from model_zoo import ALL_MODELS, build

EPOCHS = 4

# One script for the three runs of the kill test; argv: backup_dir, then "kill-write"
# (SIGKILL while the backup of the 2nd epoch is written), "kill-batch" (SIGKILL in the
# 2nd batch of the 3rd epoch) or "finish". It prints the epoch it resumed from and
# saves the final state to backup_dir/../final.npz.
SCRIPT = """
import os, signal, sys
import numpy as np
import keras
sys.path.insert(0, "tests")
import test_resume
from keras_gan.callbacks import BackupAndRestore

backup_dir, mode = sys.argv[1], sys.argv[2]
model, x = test_resume.ring_gan()
backup = BackupAndRestore(backup_dir, delete_backup=False)
callbacks = [backup]
if mode == "kill-write":
    savez = np.savez
    def dying_savez(file, **arrays):
        if backup.model.optimizer.iterations.numpy() == 8:  # the 2nd epoch's backup
            file.write(b"PK half a zip file")
            file.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        savez(file, **arrays)
    np.savez = dying_savez
if mode == "kill-batch":
    class Kill(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch
        def on_train_batch_end(self, batch, logs=None):
            if self.epoch == 2 and batch == 1:
                os.kill(os.getpid(), signal.SIGKILL)
    callbacks.append(Kill())
model.fit(x, batch_size=16, epochs=test_resume.EPOCHS, shuffle=False, verbose=0,
          callbacks=callbacks)
print("restored", backup.restored_epoch)
np.savez(os.path.join(os.path.dirname(backup_dir), "final.npz"), *test_resume.state(model))
"""


def ring_gan(**kwargs):
    """A tiny GAN with a moving average of its generator, and 64 ring points (4 steps
    of 16 per epoch)."""
    keras.utils.set_random_seed(0)
    generator = keras_gan.networks.mlp_generator(2, 2, hidden_units=(8, 8), batch_norm=True)
    discriminator = keras_gan.networks.mlp_discriminator(2, hidden_units=(8,))
    model = keras_gan.GAN(generator, discriminator, latent_dim=2, seed=1, ema_decay=0.9,
                          **kwargs)
    model.compile()
    return model, keras_gan.datasets.ring().sample(64, seed=0)


def state(model):
    """Every variable of the model and of its optimizer, as numpy arrays."""
    return [np.asarray(keras.ops.convert_to_numpy(v.value))
            for v in list(model.variables) + list(model.optimizer.variables)]


def run_script(backup_dir, mode):
    env = dict(os.environ, KERAS_BACKEND=keras.backend.backend(), TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.run([sys.executable, "-c", SCRIPT, str(backup_dir), mode], env=env,
                          capture_output=True, text=True, timeout=300, cwd=ROOT)


def assert_same_state(actual, expected):
    assert len(actual) == len(expected)
    for i, (a, b) in enumerate(zip(actual, expected)):
        np.testing.assert_array_equal(a, b, err_msg=f"variable {i}")


def backup_epoch(backup_dir):
    return BackupAndRestore(backup_dir).metadata()["epoch"]


def test_killed_twice_resumes_to_the_state_of_an_uninterrupted_run(tmp_path):
    model, x = ring_gan()
    names = [v.path for v in list(model.variables) + list(model.optimizer.variables)]
    assert any("seed_generator" in n for n in names) and any("generator_ema" in n for n in names)
    assert any("generator_optimizer" in n for n in names)
    assert any("discriminator_optimizer" in n for n in names)
    model.fit(x, batch_size=16, epochs=EPOCHS, shuffle=False, verbose=0)
    expected = state(model)
    backup_dir = tmp_path / "backup"

    killed = run_script(backup_dir, "kill-write")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    # the kill hit the write of the 2nd backup: the 1st is intact, a partial temp file is left
    assert backup_epoch(backup_dir) == 1
    assert [p for p in os.listdir(backup_dir) if p.endswith(".tmp")]

    killed = run_script(backup_dir, "kill-batch")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert backup_epoch(backup_dir) == 2
    assert os.listdir(backup_dir) == [BACKUP_FILE]  # the temp file was cleaned up

    finished = run_script(backup_dir, "finish")
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert "restored 2" in finished.stdout
    with np.load(tmp_path / "final.npz") as final:
        resumed = [final[f"arr_{i}"] for i in range(len(final.files))]
    assert_same_state(resumed, expected)


def test_write_atomically_keeps_the_old_file_when_the_write_fails(tmp_path):
    path = tmp_path / "file.bin"
    path.write_bytes(b"old")

    def failing(f):
        f.write(b"new but")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(path, failing)
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["file.bin"]
    write_atomically(path, lambda f: f.write(b"new"))
    assert path.read_bytes() == b"new" and os.listdir(tmp_path) == ["file.bin"]


class _Poison(keras.callbacks.Callback):
    """Records the state at the start of epoch `epoch`, then sets a discriminator
    weight to NaN."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            self.good = state(self.model)
            kernel = self.model.discriminator.trainable_variables[0]
            kernel.assign(np.full(kernel.shape, np.nan, "float32"))


@pytest.mark.parametrize("on_divergence", ["raise", "stop"])
def test_divergence_stops_and_keeps_the_last_good_backup(tmp_path, on_divergence):
    model, x = ring_gan()
    backup = BackupAndRestore(tmp_path, on_divergence=on_divergence)
    poison = _Poison(epoch=2)
    fit = lambda: model.fit(x, batch_size=16, epochs=EPOCHS, shuffle=False, verbose=0,  # noqa
                            callbacks=[poison, backup])
    message = r"Training diverged in epoch 3: (.*, )?d_loss = nan[,.] .*rolled back .*epoch 2\)"
    if on_divergence == "raise":
        with pytest.raises(DivergenceError, match=message):
            fit()
    else:
        with pytest.warns(RuntimeWarning, match=message):
            history = fit()
        assert len(history.history["d_loss"]) == 3 and model.stop_training
    # the backup on disk and the model hold the finite state of the end of epoch 2
    metadata, arrays = backup.read()
    assert metadata["epoch"] == 2
    assert_same_state(arrays, poison.good)
    assert_same_state(state(model), poison.good)
    assert model._initial_epoch is None


def test_stop_on_divergence_checks_the_weights_too():
    model, x = ring_gan()

    class PoisonAverage(keras.callbacks.Callback):
        # the moving average does not enter the losses: only the weight check sees it
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                average = self.model._ema.averages[0]
                average.assign(np.full(average.shape, np.inf, "float32"))

    check = StopOnDivergence(on_divergence="stop")
    with pytest.warns(RuntimeWarning, match=r"epoch 2: variable \S*generator_ema_0 holds"):
        history = model.fit(x, batch_size=16, epochs=EPOCHS, shuffle=False, verbose=0,
                            callbacks=[PoisonAverage(), check])
    assert len(history.history["d_loss"]) == 2 and "generator_ema_0" in check.divergence
    with pytest.raises(DivergenceError, match=r"epoch 1: .*d_loss = nan"):
        model.fit(x, batch_size=16, epochs=1, shuffle=False, verbose=0,
                  callbacks=[_Poison(epoch=0), StopOnDivergence()])


def test_a_backup_of_another_model_is_refused(tmp_path):
    model, x = ring_gan()
    model.fit(x, batch_size=16, epochs=1, shuffle=False, verbose=0,
              callbacks=[BackupAndRestore(tmp_path, delete_backup=False)])
    keras.utils.set_random_seed(0)
    other = keras_gan.GAN(keras_gan.networks.mlp_generator(2, 2, hidden_units=(4, 8)),
                          keras_gan.networks.mlp_discriminator(2, hidden_units=(8,)),
                          latent_dim=2)
    other.compile()
    with pytest.raises(ValueError, match="different model"):
        other.fit(x, batch_size=16, epochs=2, verbose=0, callbacks=[BackupAndRestore(tmp_path)])


class _Interrupt(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 1:
            raise KeyboardInterrupt


class _Record(keras.callbacks.Callback):
    """Records the state when training begins (after the backup callback before it
    restored the model)."""

    def on_train_begin(self, logs=None):
        self.state = state(self.model)


def test_super_resolution_gan_restores_both_optimizers(tmp_path):
    from test_sr_models import SCALE, pairs, tiny_discriminator, tiny_srresnet

    from keras_gan.models import SuperResolutionGAN

    keras.utils.set_random_seed(0)
    model = SuperResolutionGAN(
        tiny_srresnet(), tiny_discriminator(keras_gan.networks.srgan_discriminator, 16),
        scale=SCALE)
    model.compile()
    lr, hr = pairs(n=4)
    fit = dict(batch_size=4, shuffle=False, verbose=0)
    model.fit(lr, hr, epochs=1, callbacks=[BackupAndRestore(tmp_path, delete_backup=False)],
              **fit)
    trained = state(model)
    # the same model (no second compilation under JAX), its state wiped
    for variable in list(model.variables) + list(model.optimizer.variables):
        variable.assign(np.zeros(variable.shape, variable.dtype))
    record, backup = _Record(), BackupAndRestore(tmp_path)
    history = model.fit(lr, hr, epochs=2, callbacks=[backup, record], **fit)
    assert backup.restored_epoch == 1 and len(history.history["g_loss"]) == 1
    assert_same_state(record.state, trained)
    assert int(model.generator_optimizer.iterations.numpy()) == 2
    assert int(model.discriminator_optimizer.iterations.numpy()) == 2
    assert not os.path.exists(tmp_path / BACKUP_FILE)  # deleted at the end


# ------------------------------------------------------------------------ the CLI
TRAIN = ("train", "gan", "--data", "ring", "--epochs", "2", "--batch-size", "16",
         "--epoch-size", "64", "--verbose", "0", "--seed", "3")


def test_cli_resume(tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    assert_cli_error(capsys, "no backup", *TRAIN, "--out", out, "--resume")
    with monkeypatch.context() as patch:
        patch.setattr(BackupAndRestore, "on_epoch_begin",
                      _Interrupt.on_epoch_begin, raising=False)
        code, _, err = run_cli(capsys, *TRAIN, "--out", out)
    assert code == 130 and "--resume" in err, err
    assert os.path.exists(out / "backup" / BACKUP_FILE) and not os.path.exists(out / "model.keras")
    assert_cli_error(capsys, "--resume", *TRAIN, "--out", out)
    assert_cli_error(capsys, "--seed 4 differs from the interrupted run's 3",
                     *TRAIN[:-1], "4", "--out", out, "--resume")
    code, stdout, err = run_cli(capsys, *TRAIN, "--out", out, "--resume")
    assert code == 0, err
    assert "after epoch 1" in stdout
    assert os.path.exists(out / "model.keras") and not os.path.exists(out / "backup")
    with open(out / "history.csv") as f:
        assert len(f.read().strip().splitlines()) == 3  # header, epoch 1, epoch 2
    model = keras.saving.load_model(out / "model.keras")
    assert int(model.optimizer.iterations.numpy()) == 8
    assert_cli_error(capsys, "already finished", *TRAIN, "--out", out, "--resume")


@pytest.mark.parametrize("name", ALL_MODELS)
def test_every_model_restores_its_whole_state_from_a_backup(tmp_path, name):
    """For every model of the library: a backup holds every variable of the training
    state (both networks, both optimizers' moments and counters, seed generator states,
    moving averages where the model keeps them) and restores it into a fresh model.
    Every variable is set to random values first, so none can pass by keeping its
    initial value. (No training: the round trip alone, cheap on every backend.)"""
    def fresh():
        model, _ = build(name)
        if hasattr(model, "enable_ema"):
            model.enable_ema(0.9)
        model.compile()
        return model

    model = fresh()
    variables = state_variables(model)
    paths = " ".join(v.path for v in variables)
    if hasattr(model, "seed_generator"):  # the GANs: noise drawn inside the step
        assert "seed_generator" in paths, paths
    if hasattr(model, "enable_ema"):
        assert "generator_ema" in paths, paths
    if hasattr(model, "discriminator"):  # both optimizers are in the state
        assert len(model.optimizer.optimizers) == 2, model.optimizer
    rng = np.random.default_rng(0)
    for variable in variables:
        dtype = keras.backend.standardize_dtype(variable.dtype)
        if "int" in dtype:
            value = rng.integers(1, 1000, variable.shape)
        elif dtype == "bool":
            value = rng.integers(0, 2, variable.shape).astype(bool)
        else:
            value = rng.normal(size=variable.shape)
        variable.assign(np.asarray(value).astype(dtype))
    saved = BackupAndRestore(tmp_path)
    saved.set_model(model)
    saved.on_epoch_end(4, {"loss": 1.0})

    restored = fresh()
    assert any(not np.array_equal(a, b) for a, b in zip(state(restored), state(model)))
    callback = BackupAndRestore(tmp_path)
    callback.set_model(restored)
    callback.on_train_begin()
    assert callback.restored_epoch == 5
    assert_same_state(state(restored), state(model))
    callback.on_train_end()
