"""`BackupAndRestore`: training that survives interruption, and stops when it diverges.

What `keras.callbacks.BackupAndRestore` (Keras 3.15) does for the models of keras_gan,
found by reading `keras/src/callbacks/backup_and_restore.py` and trying it under
TensorFlow, JAX and PyTorch:

- It writes `model.save_weights(...)`: the networks' weights, BatchNorm statistics, the
  generator's moving averages (`enable_ema`: variables made by `add_weight`) and both
  optimizers of the `MultiOptimizer` container. It does not write the state of
  `keras.random.SeedGenerator`s (`model.seed_generator`, dropout layers'): a resumed
  run draws the noise of its first steps again and does not continue the
  interrupted run.
- It writes the weights file in place and the epoch counter afterwards, in a second
  file: a kill during the write leaves a file that cannot be loaded, and a kill
  between the two writes resumes new weights with an old epoch count.
- It writes whatever the weights hold, NaN included, and deletes its backup at the end
  of training, also when training was stopped by `TerminateOnNaN`.

This callback writes one file holding every variable of the model
(`model.variables`: weights, non-trainable state, moving averages and random seed
states), every variable of its optimizer (both optimizers of a GAN) and the number of
finished epochs, atomically, at the end of every epoch. Before it writes, it checks that
the epoch's logs and the variables are finite; a diverged run is stopped and never
overwrites the last good backup.
"""

import glob
import json
import os
import tempfile

import numpy as np

import keras

from keras_gan.callbacks.divergence import (check_on_divergence, find_non_finite,
                                            state_variables, stop, values)

__all__ = ["BackupAndRestore", "write_atomically"]

#: name of the backup file inside `backup_dir`
BACKUP_FILE = "backup.npz"
_TEMP_PREFIX = ".backup-"
_FORMAT = 1


def _file_mode(path):
    """The permissions the file `path` keeps (it exists) or gets (a new file: 0666
    less the process's umask, as `open` would give it)."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomically(path, write):
    """Writes a file so that it is either the complete new file or the old one.

    `write(file)` writes the content to a temporary file in the same directory, which
    is flushed, fsync'ed and renamed over `path` (`os.replace`, atomic on POSIX and
    Windows); the directory is fsync'ed too where the system allows it. A process killed
    at any point leaves `path` as it was or complete, never partly written.

    Args:
        path: the file to write.
        write: a function of a binary file object that writes the content.
    """
    directory = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(dir=directory, prefix=_TEMP_PREFIX, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, _file_mode(path))  # mkstemp makes it private (0600)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.remove(temp)
        raise
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:  # no directory handles (Windows)
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


class BackupAndRestore(keras.callbacks.Callback):
    """Backs up the whole training state at the end of every epoch and resumes from it.

    A drop-in replacement of `keras.callbacks.BackupAndRestore` for the models of
    keras_gan (and any Keras model): when `fit` starts and `backup_dir` holds a backup,
    the model and its optimizer are restored from it and `fit` continues with the
    epoch after the last backed-up one. With data in the same order every epoch
    (arrays with `shuffle=False`, or an order that depends on the epoch only), a run
    killed at any point and restarted with the same script ends with the same
    weights, optimizer state, seed states and moving averages as an uninterrupted run.

    What is saved: every variable of `model.variables` (weights, BatchNorm statistics,
    the generator's moving averages of `enable_ema`, the states of the model's
    `keras.random.SeedGenerator`s) and of `model.optimizer.variables` (both optimizers
    of a GAN, with their step counters), and the number of finished epochs, in one file
    `backup_dir/backup.npz`. It is written atomically (`write_atomically`): a kill
    during the write leaves the previous backup in place. Loss trackers are not saved
    (Keras resets them every epoch), nor is the global random state of Python, numpy or
    the backend (draw the training noise from a `SeedGenerator`, as keras_gan does).

    Divergence: before each backup the epoch's logs (the losses) and the variables are
    checked. If one is NaN or infinite the backup is not written, the model's variables
    are rolled back to the last good backup (when there is one), training stops
    (`model.stop_training = True`) and, with `on_divergence="raise"` (the default),
    `fit` raises `keras_gan.callbacks.DivergenceError` whose message names the epoch
    and the non-finite values; with `"stop"` it returns after a `RuntimeWarning` with
    that message, kept in `callback.divergence`. The check runs once per epoch, on
    values that the backup reads anyway: no synchronisation per step
    (`keras_gan.callbacks.StopOnDivergence` is the check alone, without a backup).

    Resumed epochs must be whole: backups are written at epoch ends only. For more
    frequent backups on a large dataset, make the epochs shorter (`steps_per_epoch`
    with a repeated dataset).

    Args:
        backup_dir: directory of the backup (created if needed). Use one directory per
            training run; a backup of a different model is refused with an error.
        delete_backup: delete the backup when `fit` ends normally (not when it
            raised or diverged). `False` keeps it.
        on_divergence: `"raise"` or `"stop"` (see above).

    Example:

    ```python
    model.fit(x, epochs=100, shuffle=False,
              callbacks=[keras_gan.callbacks.BackupAndRestore("run/backup")])
    # killed at epoch 37: the same call continues from the end of epoch 36
    ```
    """

    def __init__(self, backup_dir, delete_backup=True, on_divergence="raise"):
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore needs a backup_dir.")
        self.backup_dir = os.fspath(backup_dir)
        self.path = os.path.join(self.backup_dir, BACKUP_FILE)
        self.delete_backup = bool(delete_backup)
        self.on_divergence = check_on_divergence(on_divergence)
        #: the message of the divergence that stopped the last `fit`, or None
        self.divergence = None
        #: the number of finished epochs in the backup restored by the last `fit`
        self.restored_epoch = None
        self._set_initial_epoch = False

    # ------------------------------------------------------------------ reading
    def metadata(self):
        """The backup's metadata without its arrays (`"epoch"`: the number of finished
        epochs, `"variables"`: path, shape and dtype of each variable), or None when
        there is no backup."""
        backup = self._load(arrays=False)
        return None if backup is None else backup[0]

    def read(self):
        """The backup: `(metadata, arrays)`, or None when there is none."""
        return self._load(arrays=True)

    def _load(self, arrays):
        if not os.path.exists(self.path):
            return None
        try:
            with np.load(self.path, allow_pickle=False) as data:
                metadata = json.loads(str(data["metadata"]))
                if not arrays:
                    return metadata, None
                arrays = [data[f"v{i}"] for i in range(len(metadata["variables"]))]
        except Exception as e:
            raise ValueError(f"The backup {self.path} cannot be read ({e}); delete it to "
                             "train from the start.") from e
        for i, spec in enumerate(metadata["variables"]):
            if arrays[i].dtype.kind == "u" and spec["dtype"] != arrays[i].dtype.name:
                # stored as raw bytes (bfloat16 and other non-numpy dtypes)
                arrays[i] = arrays[i].view(np.dtype(spec["dtype"])).reshape(spec["shape"])
        return metadata, arrays

    def _restore(self, metadata, arrays):
        variables = state_variables(self.model)
        specs = metadata["variables"]
        if len(specs) != len(variables):
            raise ValueError(
                f"The backup in {self.backup_dir} holds {len(specs)} variables but the model "
                f"and its optimizer have {len(variables)}: it was written by a different "
                "model or optimizer. Use another backup_dir, or delete it to start again."
            )
        for variable, spec, array in zip(variables, specs, arrays):
            if tuple(spec["shape"]) != tuple(variable.shape):
                raise ValueError(
                    f"The backup in {self.backup_dir} was written by a different model: "
                    f"{variable.path} has shape {tuple(variable.shape)} but the backup's "
                    f"{spec['path']} has shape {tuple(spec['shape'])}."
                )
        for variable, array in zip(variables, arrays):
            variable.assign(array)

    # ------------------------------------------------------------------ writing
    def _write(self, epoch, variables, arrays):
        specs, stored = [], {}
        for i, (variable, array) in enumerate(zip(variables, arrays)):
            specs.append({"path": variable.path, "shape": list(array.shape),
                          "dtype": array.dtype.name})
            if array.dtype.kind == "V" or array.dtype.name not in np.sctypeDict:
                array = np.ascontiguousarray(array).view(np.uint8)
            stored[f"v{i}"] = array
        metadata = {"format": _FORMAT, "epoch": int(epoch), "variables": specs,
                    "backend": keras.backend.backend()}
        stored["metadata"] = np.array(json.dumps(metadata))
        os.makedirs(self.backup_dir, exist_ok=True)
        write_atomically(self.path, lambda f: np.savez(f, **stored))

    # ---------------------------------------------------------------- callbacks
    def on_train_begin(self, logs=None):
        self.divergence = None
        self.restored_epoch = None
        for temp in glob.glob(os.path.join(self.backup_dir, _TEMP_PREFIX + "*.tmp")):
            os.remove(temp)  # left by a process killed while writing
        backup = self.read()
        if backup is None:
            return
        metadata, arrays = backup
        self._restore(metadata, arrays)
        self.restored_epoch = metadata["epoch"]
        # How `keras.callbacks.BackupAndRestore` makes `fit` start at a later epoch.
        self.model._initial_epoch = metadata["epoch"]
        self._set_initial_epoch = True

    def on_epoch_end(self, epoch, logs=None):
        variables = state_variables(self.model)
        arrays = values(variables)
        problem = find_non_finite(logs, variables, arrays)
        if problem is None:
            self._write(epoch + 1, variables, arrays)
            return
        backup = self.read()
        if backup is not None:
            self._restore(*backup)
            kept = (f"the model was rolled back to the last good backup (end of epoch "
                    f"{backup[0]['epoch']}), kept in {self.path}")
        else:
            kept = "no backup was written yet"
        self.divergence = (f"Training diverged in epoch {epoch + 1}: {problem}. Training "
                           f"stopped; {kept}.")
        if self.on_divergence == "raise":
            self._reset_initial_epoch()  # on_train_end is not called after an error
        stop(self.model, self.divergence, self.on_divergence)

    def on_train_end(self, logs=None):
        self._reset_initial_epoch()
        if self.delete_backup and self.divergence is None and os.path.exists(self.path):
            os.remove(self.path)
            try:
                os.rmdir(self.backup_dir)
            except OSError:  # other files in it
                pass

    def _reset_initial_epoch(self):
        # so that a later `fit` of the model starts where it is asked to
        if self._set_initial_epoch:
            self.model._initial_epoch = None
            self._set_initial_epoch = False
