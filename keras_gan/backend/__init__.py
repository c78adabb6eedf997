"""The only backend-specific code in keras_gan.

Everything a GAN step needs from the framework underneath Keras is here:

- `run_step(model, step_fn, *args)`: runs a step written with `keras.ops` the way the
  backend's trainer calls `train_step` / `test_step` (JAX passes and expects back the
  stateless training state; TensorFlow and PyTorch pass the data only).
- `value_and_grad(loss_fn, variables)`: `loss_fn()` returns `(loss, aux)`; returns
  `(loss, aux, gradients)` with the gradients of `loss` with respect to `variables`.
- `apply_gradients(optimizer, gradients, variables)`: one optimizer update.
- `input_gradient(fn, x)`: gradient of `sum(fn(x))` with respect to the input `x`,
  itself differentiable (double backpropagation, for gradient penalties).
- `no_grad()`: context in which no autograd graph is recorded (a forward pass whose
  result is only a constant for the next update).
- `EXPORT_ENDPOINT_KWARGS`: extra arguments of `ExportArchive.add_endpoint` (JAX lowers
  the exported function for the CPU and CUDA platforms).
- `NATIVE_SAVED_MODEL_EXPORT`: whether `keras.export.ExportArchive` can trace the
  model's functions on this backend.

Every other module of the library calls these and `keras.ops`; none of them asks
which backend is running.
"""

import importlib

import keras

name = keras.backend.backend()

if name not in ("tensorflow", "jax", "torch"):
    raise ImportError(
        f"keras_gan supports the tensorflow, jax and torch backends of Keras; "
        f"KERAS_BACKEND is {name!r}."
    )

_API = ("EXPORT_ENDPOINT_KWARGS", "NATIVE_SAVED_MODEL_EXPORT", "apply_gradients",
        "input_gradient", "no_grad", "run_step", "value_and_grad")
_implementation = importlib.import_module(f"keras_gan.backend.{name}")
globals().update({key: getattr(_implementation, key) for key in _API})
__all__ = ["name", *_API]
