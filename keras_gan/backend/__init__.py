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

import keras

_BACKEND = keras.backend.backend()

if _BACKEND == "tensorflow":
    from keras_gan.backend.tensorflow import *  # noqa: F401,F403
elif _BACKEND == "jax":
    from keras_gan.backend.jax import *  # noqa: F401,F403
elif _BACKEND == "torch":
    from keras_gan.backend.torch import *  # noqa: F401,F403
else:
    raise ImportError(
        f"keras_gan supports the tensorflow, jax and torch backends of Keras; "
        f"KERAS_BACKEND is {_BACKEND!r}."
    )

name = _BACKEND
