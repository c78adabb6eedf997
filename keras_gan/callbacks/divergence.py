"""`StopOnDivergence`: stop training when a loss or a weight becomes NaN or infinite.

`keras.callbacks.TerminateOnNaN` reads the `loss` log after every batch, which is a
host synchronisation per step, and a GAN has no `loss` log (`d_loss`, `g_loss`, ...).
This check runs once per epoch, on every log value and on every variable of the model
and of its optimizer. `BackupAndRestore` runs the same check before each backup.
"""

import math
import warnings

import numpy as np

import keras

__all__ = ["DivergenceError", "StopOnDivergence"]

ON_DIVERGENCE = ("raise", "stop")


class DivergenceError(FloatingPointError):
    """Training produced a non-finite loss or weight."""


def check_on_divergence(on_divergence):
    if on_divergence not in ON_DIVERGENCE:
        raise ValueError(f"on_divergence must be 'raise' or 'stop'; received {on_divergence!r}.")
    return on_divergence


def state_variables(model):
    """Every variable of the training state: `model.variables` (weights, non-trainable
    state, seed generator states), then the optimizer's (both optimizers of a GAN), each
    once."""
    variables, seen = [], set()
    optimizer = getattr(model, "optimizer", None)
    extra = list(optimizer.variables) if optimizer is not None else []
    for variable in list(model.variables) + extra:
        if id(variable) not in seen:
            seen.add(id(variable))
            variables.append(variable)
    return variables


def values(variables):
    """The variables' values as numpy arrays (one host copy each)."""
    return [np.asarray(keras.ops.convert_to_numpy(v.value)) for v in variables]


def find_non_finite(logs, variables, arrays):
    """A description of the non-finite log values, or else of the first variable holding
    a non-finite value, or None when everything is finite.

    Args:
        logs: the epoch's logs (name -> number); entries that are not numbers are skipped.
        variables: the variables, for their names.
        arrays: their values (`values(variables)`).
    """
    bad = []
    for name, value in (logs or {}).items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        if not math.isfinite(number):
            bad.append(f"{name} = {number}")
    if bad:
        return ", ".join(bad)
    for variable, array in zip(variables, arrays):
        if array.dtype.kind == "V":  # bfloat16 and other ml_dtypes floats
            array = array.astype("float32")
        if array.dtype.kind in "fc" and not np.isfinite(array).all():
            return f"variable {variable.path} holds non-finite values"
    return None


def stop(model, message, on_divergence):
    """Stops `fit` (`model.stop_training`), then raises `DivergenceError(message)` or
    warns with it (`on_divergence` `"raise"` / `"stop"`)."""
    model.stop_training = True
    if on_divergence == "raise":
        raise DivergenceError(message)
    warnings.warn(message, RuntimeWarning, stacklevel=3)


class StopOnDivergence(keras.callbacks.Callback):
    """Stops training at the end of an epoch whose losses, or whose final weights, are
    NaN or infinite.

    With `on_divergence="raise"` (the default) `fit` raises `DivergenceError`, whose
    message names the epoch and the non-finite values; with `"stop"`, `fit` returns
    after a `RuntimeWarning` with that message, also kept in `callback.divergence`. The
    weights are left as they are (`BackupAndRestore` also rolls them back to the last
    good backup). Unlike `keras.callbacks.TerminateOnNaN`, it adds no synchronisation to
    the training steps: it reads the values once per epoch.

    Args:
        on_divergence: `"raise"` or `"stop"`.
    """

    def __init__(self, on_divergence="raise"):
        super().__init__()
        self.on_divergence = check_on_divergence(on_divergence)
        #: the message of the divergence that stopped the last `fit`, or None
        self.divergence = None

    def on_train_begin(self, logs=None):
        self.divergence = None

    def on_epoch_end(self, epoch, logs=None):
        variables = state_variables(self.model)
        problem = find_non_finite(logs, variables, values(variables))
        if problem is not None:
            self.divergence = (f"Training diverged in epoch {epoch + 1}: {problem}. "
                               "Training stopped.")
            stop(self.model, self.divergence, self.on_divergence)
