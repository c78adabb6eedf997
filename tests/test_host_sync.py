"""No device-to-host synchronisation per training step in the library's own code.

A read of a tensor's value on the host (`ops.convert_to_numpy`, `np.asarray`, `float`,
`int`, `bool` or a Python `if` on a tensor, `.item()`, `.numpy()`, `.cpu()`, printing)
waits until the device has finished the step: once per step, it stalls the host and
the accelerator in turn. The library may read values at epoch ends (sample grids,
evaluation, backups, the divergence check) or every N steps, never at every step.

How it is checked, under each backend:

- **Reads during the steps.** For the length of a `fit`, every way of reading a tensor
  on the host is wrapped: the numpy conversions (`np.asarray`, `np.array`, ...) of a
  tensor or variable and, per backend, the methods that host reads go through (JAX:
  `ArrayImpl._value` and `copy_to_host_async`, and `block_until_ready`, a wait
  without a read; TensorFlow: `EagerTensor._numpy`; PyTorch: `Tensor.item / tolist /
  numpy / cpu / __bool__ / __float__ / __int__ / __index__`). A read is the library's
  when library code (a file of `keras_gan/`) is on the call stack, other than the
  `fit` method that wraps Keras's loop (reads made by Keras's loop itself: see
  below). A callback placed first opens the window at every batch of the epochs after
  the first one (the first traces and compiles the step) and closes it when the epoch
  ends, before the epoch-end work of the other callbacks. No library read may fall
  inside. The epoch-end reads of `SampleGrid`, `Evaluate` and `BackupAndRestore` must
  be seen outside it, which shows that the wrappers work. On the CPU these reads
  transfer nothing, but they are the calls that synchronise with an accelerator, so
  counting them finds the same code.
- **The compiled step.** Under JAX and TensorFlow the step is traced: a host read in it
  fails the trace (and so the test), but a host callback compiles and runs at every
  step. The step's jaxpr must hold no callback primitive (`jax.debug.print`,
  `pure_callback`, `io_callback`), its TensorFlow graph no `PrintV2`, `PyFunc`,
  `EagerPyFunc` or `Assert` op (ops that run on the host).
- **Keras's own loop.** Keras 3.15 converts the logs of every step to Python floats
  before `on_train_batch_end` (`CallbackList._on_train_batch_end` calls
  `pythonify_logs`). Under JAX and PyTorch this runs in a worker thread, unless a
  callback overrides a per-batch end hook without `async_safe = True`; under
  TensorFlow (which Keras does not treat as thread safe) it runs in the loop, which
  also reads `has_value()` of every step's output (`function` in
  `keras/src/backend/tensorflow/trainer.py`). The library cannot remove these
  (`compile(steps_per_execution=N)` makes them one per N steps) but must not make
  them worse: its steps return one scalar per loss tracker, and none of its
  callbacks turns the asynchronous dispatch off.

Known exception (PyTorch): Keras's PyTorch random ops read the seed of a
`keras.random.SeedGenerator` on the host at every draw
(`keras/src/backend/torch/random.py`, `torch_seed_generator`:
`int(first_seed + second_seed)`), so the noise of every update costs one read. These
reads are set apart, and `test_noise_draws_do_not_read_the_seed_on_the_host` is
expected to fail under PyTorch until the library draws its noise without them.

Models: DCGAN with the EMA of its generator and every callback of the library, WGAN-GP
(two critic steps, historical averaging) and SRGAN (pixel and adversarial losses);
tiny networks, 2 steps per epoch, 3 epochs.
"""

import os
import re
import sys

import numpy as np
import pytest

import keras
from keras.src import utils as keras_utils
from keras.src.callbacks import callback_list

import keras_gan
from keras_gan import models, networks
from keras_gan.callbacks import evaluate as evaluate_module
from keras_gan.metrics import FrechetInceptionDistance

from conftest import BACKEND, ring_data, tiny_model, tiny_networks
from model_zoo import ZEROS, images, randomized, sr_pairs

LIBRARY = os.path.dirname(os.path.abspath(keras_gan.__file__)) + os.sep
EPOCHS = 3
PER_BATCH_END_HOOKS = ("on_batch_end", "on_train_batch_end", "on_test_batch_end",
                       "on_predict_batch_end")
# Keras's PyTorch random ops read the seed on the host (see the module doc)
KNOWN = (os.path.join("keras", "src", "backend", "torch", "random.py"), "torch_seed_generator")

# np.array of a torch tensor warns in torch 2.13 / numpy 2.4, with or without the wrappers
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept")


# --------------------------------------------------------------- the recorder
def _library_frame():
    """`(where, known)` for the caller's stack: `where` is
    `"keras_gan/...py:line (function)"` of the innermost library frame, None when no
    library code is on the stack or when the innermost library frame is a model's `fit`
    (the read is then made by Keras's loop, which `fit` wraps); `known` tells whether
    the read is the known one of Keras's PyTorch random ops."""
    frame = sys._getframe(2)
    known = False
    while frame is not None:
        code = frame.f_code
        if code.co_filename.endswith(KNOWN[0]) and code.co_name == KNOWN[1]:
            known = True
        if code.co_filename.startswith(LIBRARY):
            if code.co_name == "fit":
                return None, known
            relative = os.path.relpath(code.co_filename,
                                       os.path.dirname(LIBRARY.rstrip(os.sep)))
            return f"{relative}:{frame.f_lineno} ({code.co_name})", known
        frame = frame.f_back
    return None, known


class HostReads:
    """The host reads of tensors made by library code: during the training steps
    (`in_steps`; the known reads of Keras's PyTorch random ops in `known`) and outside
    them (`elsewhere`)."""

    def __init__(self):
        self.counting = False
        self.in_steps = []
        self.known = []
        self.elsewhere = []

    def record(self, what):
        where, known = _library_frame()
        if where is None:
            return
        if not self.counting:
            self.elsewhere.append(f"{what} at {where}")
        elif known:
            self.known.append(f"{what} at {where}")
        else:
            self.in_steps.append(f"{what} at {where}")


def _is_tensor(x):
    return keras.ops.is_tensor(x) or isinstance(x, keras.Variable)


def _backend_methods():
    """`(owner, name)` of the methods through which this backend reads a tensor on
    the host."""
    if BACKEND == "jax":
        import jax.numpy as jnp

        import jax

        array = type(jnp.zeros(()))
        return [(array, "_value"), (array, "copy_to_host_async"),
                (array, "block_until_ready"), (jax, "block_until_ready")]
    if BACKEND == "tensorflow":
        from tensorflow.python.framework import ops as tf_ops

        return [(tf_ops._EagerTensorBase, "_numpy")]
    import torch

    # (`Tensor.__array__` calls `numpy`)
    return [(torch.Tensor, name) for name in ("item", "tolist", "numpy", "cpu", "__bool__",
                                              "__float__", "__int__", "__index__")]


def watch_host_reads(monkeypatch):
    """Wraps every host read of a tensor (see the module doc) until the test ends or
    `monkeypatch.undo()`; returns the `HostReads` they are recorded in."""
    reads = HostReads()
    for name in ("asarray", "array", "asanyarray", "ascontiguousarray"):
        original = getattr(np, name)

        def converting(x, *args, _original=original, _name=name, **kwargs):
            if _is_tensor(x):
                reads.record(f"np.{_name}")
            return _original(x, *args, **kwargs)

        monkeypatch.setattr(np, name, converting)
    for owner, name in _backend_methods():
        attribute = owner.__dict__.get(name, getattr(owner, name))
        if isinstance(attribute, property):
            def getter(self, _fget=attribute.fget, _name=name):
                reads.record(_name)
                return _fget(self)

            monkeypatch.setattr(owner, name, property(getter))
        else:
            def method(self, *args, _original=attribute, _name=name, **kwargs):
                reads.record(_name)
                return _original(self, *args, **kwargs)

            monkeypatch.setattr(owner, name, method)
    return reads


class StepWindow(keras.callbacks.Callback):
    """Opens `reads` at every batch of the epochs after the first and closes it when
    the epoch ends; placed first, it closes before the other callbacks' epoch-end work.
    (A per-batch *begin* hook does not affect Keras's asynchronous dispatch.)"""

    def __init__(self, reads):
        super().__init__()
        self.reads = reads
        self.epoch = 0
        self.steps = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if self.epoch >= 1:
            self.reads.counting = True
            self.steps += 1

    def on_epoch_end(self, epoch, logs=None):
        self.reads.counting = False

    def on_train_end(self, logs=None):
        self.reads.counting = False


def watch_step_logs(monkeypatch):
    """Records the shapes of the logs of every step, which Keras's loop converts to
    floats before `on_train_batch_end` (`CallbackList._on_train_batch_end`)."""
    seen = []
    original = callback_list.CallbackList._on_train_batch_end

    def _on_train_batch_end(self, batch, logs=None):
        seen.append({k: tuple(getattr(v, "shape", ())) for k, v in (logs or {}).items()})
        return original(self, batch, logs)

    monkeypatch.setattr(callback_list.CallbackList, "_on_train_batch_end",
                        _on_train_batch_end)
    return seen


def fit_watched(model, fit_kwargs, monkeypatch, callbacks=()):
    """Fits `model` for `EPOCHS` epochs with the reads watched; returns the reads, the
    step window and the logs of every step."""
    reads = watch_host_reads(monkeypatch)
    logs = watch_step_logs(monkeypatch)
    window = StepWindow(reads)
    try:
        model.fit(**fit_kwargs, epochs=EPOCHS, shuffle=False, verbose=0,
                  callbacks=[window, *callbacks])
    finally:
        monkeypatch.undo()
    return reads, window, logs


# --------------------------------------------------------------- the models
def dcgan():
    keras.utils.set_random_seed(0)
    generator = randomized(networks.dcgan_generator(4, (8, 8, 1), 4, **ZEROS))
    discriminator = randomized(networks.dcgan_discriminator((8, 8, 1), 4, **ZEROS))
    model = models.DCGAN(generator, discriminator, latent_dim=4, seed=1)
    return model, dict(x=images(16), batch_size=8)


def wgan_gp():
    keras.utils.set_random_seed(0)
    generator, critic = tiny_networks(batch_norm=False)
    model = models.WGANGP(generator, critic, latent_dim=2, discriminator_steps=2,
                          historical_averaging=0.1, seed=1)
    return model, dict(x=ring_data(32), batch_size=16)


def srgan():
    # SRGAN's generator (SRResNet) and a small critic of 16x16 crops; without the VGG
    # perceptual term: building VGG19, even with random weights, takes 15-30 s under
    # JAX, and the term is a forward pass of a frozen network (test_sr_models.py)
    keras.utils.set_random_seed(0)
    generator = randomized(networks.srresnet(scale=2, blocks=1, filters=4, **ZEROS))
    discriminator = randomized(keras.Sequential([
        keras.Input((16, 16, 3)),
        keras.layers.Conv2D(4, 3, strides=2, **ZEROS),
        keras.layers.LeakyReLU(0.2),
        keras.layers.Flatten(),
        keras.layers.Dense(1, **ZEROS)]))
    model = models.SRGAN(generator=generator, discriminator=discriminator, scale=2,
                         pixel_weight=1.0, perceptual_loss=None)
    lr, hr = sr_pairs(4)
    return model, dict(x=lr, y=hr, batch_size=2)


def library_callbacks(tmp_path, real):
    """Every callback of the library; the per-epoch work every 2 epochs."""
    distance = FrechetInceptionDistance(
        feature_extractor=lambda x: np.reshape(x, (len(x), -1))[:, :8], name="fd")
    return [keras_gan.callbacks.EMA(0.9),
            keras_gan.callbacks.SampleGrid(every=2, n=4, out_dir=tmp_path / "grid"),
            keras_gan.callbacks.Evaluate([distance], real, every=2, n_samples=8,
                                         batch_size=8),
            keras_gan.callbacks.StopOnDivergence(),
            keras_gan.callbacks.BackupAndRestore(tmp_path / "backup", delete_backup=False)]


# --------------------------------------------------------------- the compiled step
def _batch(fit_kwargs):
    n = fit_kwargs["batch_size"]
    return tuple(keras.ops.convert_to_tensor(fit_kwargs[k][:n]) for k in ("x", "y")
                 if k in fit_kwargs)


def _tf_functions(function, seen=None):
    """The `tf.function`s reachable from `function` through closures."""
    seen = set() if seen is None else seen
    if id(function) in seen:
        return
    seen.add(id(function))
    if hasattr(function, "_list_all_concrete_functions"):
        yield function
        function = getattr(function, "_python_function", None)
    for cell in getattr(function, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if callable(value):
            yield from _tf_functions(value, seen)


def host_ops_in_step(model, fit_kwargs):
    """The host callbacks (JAX) or host ops (TensorFlow) in the traced training step;
    None under PyTorch (no trace)."""
    if BACKEND == "jax":
        import jax

        batch = _batch(fit_kwargs)
        state = tuple([v.value for v in variables] for variables in (
            model.trainable_variables, model.non_trainable_variables,
            model.optimizer.variables, model.metrics_variables))
        jaxpr = str(jax.make_jaxpr(model.train_step)(state, batch))  # nested ones too
        return sorted(set(re.findall(r"\b\w*callback\w*\b|\bdebug_print\b", jaxpr)))
    if BACKEND == "tensorflow":
        # the graphs that `fit` traced: the `tf.function`s in the closures of
        # `model.train_function` (Keras traces the step without AutoGraph)
        ops = set()
        for function in _tf_functions(model.train_function):
            for concrete in function._list_all_concrete_functions():
                definition = concrete.graph.as_graph_def()
                ops.update(node.op for node in definition.node)
                for body in definition.library.function:  # nested functions, loops
                    ops.update(node.op for node in body.node_def)
        assert "Conv2D" in ops or "MatMul" in ops, "the step's graph was not found"
        return sorted(ops & {"PrintV2", "Print", "PyFunc", "PyFuncStateless",
                             "EagerPyFunc", "Assert"})
    return None


# --------------------------------------------------------------- the tests
@pytest.mark.parametrize("build", [dcgan, wgan_gp, srgan], ids=lambda f: f.__name__)
def test_no_host_read_in_the_training_steps(build, tmp_path, monkeypatch):
    model, fit_kwargs = build()
    model.compile()
    with_callbacks = build is dcgan
    callbacks = library_callbacks(tmp_path, fit_kwargs["x"]) if with_callbacks else []
    evaluations = []
    if with_callbacks:
        original = evaluate_module.evaluation.evaluate
        monkeypatch.setattr(evaluate_module.evaluation, "evaluate",
                            lambda *a, **k: evaluations.append(1) or original(*a, **k))
    reads, window, logs = fit_watched(model, fit_kwargs, monkeypatch, callbacks)

    steps_per_epoch = len(fit_kwargs["x"]) // fit_kwargs["batch_size"]
    assert window.steps == (EPOCHS - 1) * steps_per_epoch
    assert reads.in_steps == [], (
        f"{type(model).__name__}: host reads of tensors by the library in "
        f"{window.steps} training steps:\n" + "\n".join(sorted(set(reads.in_steps))))
    # what Keras converts at every step: one scalar per loss tracker, nothing else
    trackers = {m.name for m in model.metrics}
    assert len(logs) == EPOCHS * steps_per_epoch
    assert all(set(step) == trackers and set(step.values()) == {()} for step in logs), logs
    if with_callbacks:
        # the epoch-end work ran every 2 epochs and at the end, and its reads were seen
        assert [os.path.basename(p) for p in callbacks[1].paths] == ["epoch_0002.png",
                                                                     "epoch_0003.png"]
        assert len(evaluations) == 1
        assert any("generate_from" in r for r in reads.elsewhere), reads.elsewhere
    assert host_ops_in_step(model, fit_kwargs) in (None, [])


@pytest.mark.skipif(BACKEND != "torch", reason="only Keras's PyTorch random ops read seeds")
@pytest.mark.xfail(strict=True, raises=AssertionError, reason=(
    "Keras 3.15's PyTorch random ops read the SeedGenerator's seed on the host at every "
    "draw (keras/src/backend/torch/random.py, torch_seed_generator)"))
def test_noise_draws_do_not_read_the_seed_on_the_host(monkeypatch):
    model = tiny_model(seed=1)
    reads, _, _ = fit_watched(model, dict(x=ring_data(32), batch_size=16), monkeypatch)
    assert reads.known == []


def test_library_callbacks_keep_keras_batch_logs_asynchronous(tmp_path):
    """Keras (3.15, `CallbackList._configure_async_dispatch`) converts the step logs in
    a worker thread only when no callback overrides a per-batch end hook without
    declaring `async_safe`; a callback that does moves that conversion into the loop,
    at every step."""
    for callback in library_callbacks(tmp_path, images(8)):
        overridden = [hook for hook in PER_BATCH_END_HOOKS
                      if not keras_utils.is_default(getattr(callback, hook))]
        assert not overridden or getattr(callback, "async_safe", False), (
            f"{type(callback).__name__} overrides {overridden} without async_safe = True")
