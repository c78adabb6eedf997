"""The only backend-specific code in keras_gan.

Everything a GAN step needs from the framework underneath Keras is here:

- `run_step(model, step_fn, *args)`: runs a step written with `keras.ops` the way the
  backend's trainer calls `train_step` / `test_step` (JAX passes and expects back the
  stateless training state; TensorFlow and PyTorch pass the data only).
- `value_and_grad(loss_fn, variables)`: `loss_fn()` returns `(loss, aux)`; returns
  `(loss, aux, gradients)` with the gradients of `loss` with respect to `variables`.
  Under data parallel training they are such that the update is that of the
  global-batch mean loss (TensorFlow: of `loss / replicas`, which the optimizer sums
  over the replicas; PyTorch: averaged over the processes).
- `apply_gradients(optimizer, gradients, variables)`: one optimizer update.
- `input_gradient(fn, x)`: gradient of `sum(fn(x))` with respect to the input `x`,
  itself differentiable (double backpropagation, for gradient penalties).
- `replica_rows(draw, n)`: this replica's `n` rows of noise. `draw(m)` draws `m`
  rows from the model's seed generator; under data parallel training with R
  replicas (a `tf.distribute` strategy, or `torch.distributed` processes) it is
  called for the global batch `R * n` and replica i gets rows `i*n .. (i+1)*n`, so
  the replicas draw different noise and together the noise of a one-device run
  with the global batch. With one replica (and under JAX, whose step is one program
  over the global batch): `draw(n)`.
- `all_replicas(flag)`: a boolean scalar that is true only if `flag` is true on every
  replica (data parallel: the replicas of a step then take the same decision, e.g.
  skipping a loss-scaled update whose gradients overflowed on one of them); `flag`
  itself with one replica, and under JAX (one program over the global batch).
- `keep_state_on_error(model)`: context around `model.fit`: if `fit` raises, every
  variable of the model (weights, optimizer and metric state) still holds a value
  (Keras 3.15's JAX trainer detaches the values when `fit` starts and, when the first
  step fails, does not attach them again: the weights would be lost).
- `no_grad()`: context in which no autograd graph is recorded (a forward pass whose
  result is only a constant for the next update).
- `conv`, `conv_transpose`, `max_pool`, `batch_norm_train`, `batch_norm_inference`: the
  arithmetic of `keras_gan.layers.Conv2D`, `Conv2DTranspose`, `MaxPooling2D` and
  `BatchNormalization`
  (`keras_gan/backend/layer_ops.py`: `keras.ops`, as the Keras layers compute it; on
  PyTorch torch's native kernels without Keras's layout copies).
- `adversarial_jit_compile()`: what `compile(jit_compile="auto")` of the adversarial
  models means on this backend (TensorFlow: XLA also on a CPU-only machine, unless a
  strategy with several replicas is in scope).
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

_API = ("EXPORT_ENDPOINT_KWARGS", "NATIVE_SAVED_MODEL_EXPORT", "adversarial_jit_compile",
        "all_replicas", "apply_gradients", "batch_norm_inference", "batch_norm_train", "conv",
        "conv_transpose", "input_gradient", "keep_state_on_error", "max_pool", "no_grad",
        "replica_rows", "run_step", "value_and_grad")
_implementation = importlib.import_module(f"keras_gan.backend.{name}")
globals().update({key: getattr(_implementation, key) for key in _API})
__all__ = ["name", *_API]
