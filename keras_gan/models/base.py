"""The adversarial base model every GAN of keras_gan derives from.

It owns what all GANs share: the two optimizers, the alternation of discriminator and
generator updates inside `train_step`, the loss trackers, `test_step`, `generate`,
saving and export. A model subclass only writes its losses
(`discriminator_losses` / `generator_losses`) and, where its paper says so, what
happens after a discriminator update.
"""

import re

import numpy as np

import keras
from keras import ops

from keras_gan import backend
from keras_gan import losses as losses_lib

__all__ = ["AdversarialModel"]


class _SelectOptimizer:
    """Routes a variable to the generator's or the discriminator's optimizer."""

    def __init__(self, generator_optimizer, discriminator_optimizer, generator_variables):
        self.generator_optimizer = generator_optimizer
        self.discriminator_optimizer = discriminator_optimizer
        self.generator_ids = {id(v) for v in generator_variables}

    def __call__(self, variable):
        if id(variable) in self.generator_ids:
            return self.generator_optimizer
        return self.discriminator_optimizer


def _name_optimizer(optimizer, name):
    """Optimizers are named after the network they train, so that logs and callbacks
    (`learning_rate_generator_optimizer`, ...) tell them apart."""
    if optimizer.built:
        return optimizer
    # Keras names an unnamed optimizer after its class: "adam", "adam_1", "rm_sprop".
    default = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", type(optimizer).__name__)
    default = re.sub(r"([a-z])([A-Z])", r"\1_\2", default).lower()
    if re.fullmatch(re.escape(default) + r"(_\d+)?", optimizer.name):
        optimizer.name = name
    return optimizer


def pack(samples, packing):
    """PacGAN packing (Lin et al. 2018): groups of `packing` consecutive samples are
    joined along the last axis, `(B, ..., C) -> (B / m, ..., m * C)`. For vectors this
    is their concatenation; for images, the channels are stacked."""
    if packing == 1:
        return samples
    shape = tuple(samples.shape[1:])
    grouped = ops.reshape(samples, (-1, packing) + shape)
    rank = len(shape)
    # (B/m, m, d1, ..., dk) -> (B/m, d1, ..., d_{k-1}, m, dk) -> (B/m, d1, ..., m*dk)
    perm = (0,) + tuple(range(2, rank + 1)) + (1, rank + 1)
    grouped = ops.transpose(grouped, perm)
    return ops.reshape(grouped, (-1,) + shape[:-1] + (packing * shape[-1],))


class AdversarialModel(keras.Model):
    """Base class of the GANs: a generator, a discriminator and a two-player step.

    `train_step` runs `discriminator_steps` (k) discriminator updates, then one
    generator update, each with fresh noise from the model's
    `keras.random.SeedGenerator`. **How a batch is used when k > 1:** the batch that
    `fit` passes is split into k equal slices of `m = batch_size // k` samples (a
    remainder of `batch_size % k` samples is not used); discriminator update i sees
    slice i, so every critic update gets real samples of its own, as in Algorithm 1 of
    Goodfellow et al. 2014 and of Arjovsky et al. 2017, and one epoch shows each real
    sample to the discriminator once. The generator update then uses m noise vectors
    (and, for losses that compare with real data, the last slice). Choose
    `batch_size = k * m` for the paper's minibatch size m.

    With `packing = p` (PacGAN), each slice is also trimmed to a multiple of p and the
    discriminator judges groups of p samples.

    Args:
        generator: a Keras model `latent (None, latent_dim) -> samples`.
        discriminator: a Keras model `samples -> logits (None, 1)`; with packing p
            its input has p times the last dimension of a sample.
        latent_dim: size of the noise vector.
        loss: an adversarial loss name or object (see `keras_gan.losses.get`).
        discriminator_steps: k, discriminator updates per generator update.
        label_smoothing: one-sided label smoothing of the real target (BCE losses).
        packing: PacGAN degree, samples per discriminator decision.
        seed: seed of the noise drawn inside the training step.
    """

    #: names of the loss trackers this model reports (in the progress bar and History)
    tracked_losses = ("d_loss", "g_loss", "d_real", "d_fake")

    def __init__(self, generator, discriminator, latent_dim, *, loss="non_saturating",
                 discriminator_steps=1, label_smoothing=0.0, packing=1, seed=None, **kwargs):
        super().__init__(**kwargs)
        for role, net in (("generator", generator), ("discriminator", discriminator)):
            if not isinstance(net, keras.layers.Layer):
                raise TypeError(f"{role} must be a Keras model or layer; received {type(net).__name__}.")
        if int(latent_dim) < 1:
            raise ValueError(f"latent_dim must be a positive integer; received {latent_dim}.")
        if int(discriminator_steps) < 1:
            raise ValueError(f"discriminator_steps must be >= 1; received {discriminator_steps}.")
        if int(packing) < 1:
            raise ValueError(f"packing must be >= 1; received {packing}.")
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(latent_dim)
        self.discriminator_steps = int(discriminator_steps)
        self.packing = int(packing)
        self.adversarial_loss = losses_lib.get(loss, label_smoothing=label_smoothing)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="seed_generator")
        self._trackers = [keras.metrics.Mean(name=n) for n in self.tracked_losses]
        self._check_latent_dim()
        self.built = True

    def _check_latent_dim(self):
        shape = getattr(self.generator, "input_shape", None)
        if isinstance(shape, tuple) and shape and shape[-1] not in (None, self.latent_dim):
            raise ValueError(
                f"The generator takes latent vectors of size {shape[-1]} but latent_dim "
                f"is {self.latent_dim}."
            )

    # ------------------------------------------------------------------ optimizers
    def default_generator_optimizer(self):
        """The optimizer of the model's paper for the generator."""
        return keras.optimizers.Adam(2e-4, beta_1=0.5)

    def default_discriminator_optimizer(self):
        """The optimizer of the model's paper for the discriminator."""
        return keras.optimizers.Adam(2e-4, beta_1=0.5)

    def compile(self, generator_optimizer=None, discriminator_optimizer=None, **kwargs):
        """Configures the model for training.

        Args:
            generator_optimizer, discriminator_optimizer: `keras.optimizers.Optimizer`
                instances, names or configs; `None` gives the defaults of the
                model's paper. They are named `generator_optimizer` and
                `discriminator_optimizer` and built here, so that their state is
                saved and restored with the model.
            **kwargs: passed to `keras.Model.compile` (`jit_compile`,
                `steps_per_execution`, `run_eagerly`, ...). `loss` and `metrics` are
                not accepted: the adversarial loss is a constructor argument.
        """
        for key in ("loss", "optimizer", "metrics", "loss_weights"):
            if key in kwargs:
                raise ValueError(
                    f"{type(self).__name__}.compile() does not take {key!r}: pass "
                    "generator_optimizer / discriminator_optimizer, and the adversarial "
                    "loss to the model's constructor."
                )
        g_opt = self._make_optimizer(generator_optimizer, self.default_generator_optimizer,
                                     "generator_optimizer")
        d_opt = self._make_optimizer(discriminator_optimizer,
                                     self.default_discriminator_optimizer,
                                     "discriminator_optimizer")
        if g_opt is d_opt:
            raise ValueError("The generator and the discriminator need two optimizer instances.")
        g_vars = self.generator.trainable_variables
        d_vars = self.discriminator.trainable_variables
        # One container so that every backend's trainer carries both optimizers' state
        # (under JAX, `fit` threads only `model.optimizer.variables` through the step).
        # Its own `iterations` counts training steps (= generator updates).
        container = keras.optimizers.MultiOptimizer(
            _SelectOptimizer(g_opt, d_opt, g_vars), name="adversarial_optimizer"
        )
        container.build(g_vars + d_vars)
        if container.optimizers != [g_opt, d_opt]:
            raise ValueError("Both networks need trainable variables of their own.")
        self._compile_optimizers = (g_opt, d_opt)
        super().compile(optimizer=container, **kwargs)

    @staticmethod
    def _make_optimizer(spec, default, name):
        if spec is None:
            optimizer = default()
        elif isinstance(spec, keras.optimizers.Optimizer):
            optimizer = spec
        else:
            optimizer = keras.optimizers.get(spec)
        return _name_optimizer(optimizer, name)

    @property
    def generator_optimizer(self):
        return self._compiled_optimizers()[0]

    @property
    def discriminator_optimizer(self):
        return self._compiled_optimizers()[1]

    def _compiled_optimizers(self):
        if getattr(self, "_compile_optimizers", None) is None:
            raise RuntimeError(f"Call {type(self).__name__}.compile() before training.")
        return self._compile_optimizers

    def get_compile_config(self):
        if getattr(self, "_compile_optimizers", None) is None:
            return None
        g_opt, d_opt = self._compile_optimizers
        return {
            "generator_optimizer": keras.optimizers.serialize(g_opt),
            "discriminator_optimizer": keras.optimizers.serialize(d_opt),
        }

    def compile_from_config(self, config):
        self.compile(
            generator_optimizer=keras.optimizers.deserialize(config["generator_optimizer"]),
            discriminator_optimizer=keras.optimizers.deserialize(
                config["discriminator_optimizer"]
            ),
        )

    # --------------------------------------------------------------------- metrics
    @property
    def metrics(self):
        return list(self._trackers)

    def _update_trackers(self, values):
        for tracker in self._trackers:
            if tracker.name in values:
                tracker.update_state(values[tracker.name])

    def _logs(self):
        return {t.name: t.result() for t in self._trackers}

    # ------------------------------------------------------------- the networks
    def call(self, latent, training=False):
        """The generator: `model(latent)` / `model.predict(latent)` give samples."""
        return self.generator(latent, training=training)

    def sample_latent(self, n):
        """`n` noise vectors drawn inside the graph from the model's seed generator."""
        return keras.random.normal((n, self.latent_dim), seed=self.seed_generator)

    def discriminate(self, samples, training=True):
        """Discriminator logits for `samples`, packed in groups of `packing`."""
        return self.discriminator(pack(samples, self.packing), training=training)

    # ----------------------------------------------------------------- the losses
    def discriminator_losses(self, real, fake, training=True):
        """Discriminator loss terms for a batch of real and generated samples.

        Returns a dict whose `"d_loss"` entry is minimised; other entries are
        reported by the trackers of the same name.
        """
        real_logits = self.discriminate(real, training=training)
        fake_logits = self.discriminate(fake, training=training)
        return {
            "d_loss": self.adversarial_loss.discriminator_loss(real_logits, fake_logits),
            "d_real": ops.mean(real_logits),
            "d_fake": ops.mean(fake_logits),
        }

    def generator_losses(self, real, training=True):
        """Generator loss terms; `"g_loss"` is minimised. `real` is a batch of real
        samples of the size to generate, used by losses that compare with real data."""
        n = ops.shape(real)[0]
        fake = self.generator(self.sample_latent(n), training=training)
        fake_logits = self.discriminate(fake, training=training)
        real_logits = None
        if self.adversarial_loss.needs_real_logits:
            real_logits = self.discriminate(real, training=training)
        return {"g_loss": self.adversarial_loss.generator_loss(fake_logits, real_logits)}

    def after_discriminator_update(self):
        """Hook run after every discriminator update (WGAN clips weights here)."""

    # ------------------------------------------------------------------ the steps
    def real_samples(self, data):
        """The real samples in a batch that `fit` passes (`x`, or `(x, y, ...)`)."""
        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        return x

    def _slices(self, real):
        """Splits a batch into k slices for the k discriminator updates (see class doc)."""
        k, p = self.discriminator_steps, self.packing
        batch = real.shape[0]
        if batch is not None and batch < k * p:
            raise ValueError(
                f"A batch of {batch} samples is too small for {k} discriminator steps "
                f"with packing {p}: it needs at least {k * p} samples."
            )
        size = ops.shape(real)[0] // (k * p) * p
        if k == 1 and p == 1:
            return [real]
        return [real[i * size:(i + 1) * size] for i in range(k)]

    def train_step(self, *args):
        return backend.run_step(self, self._train_step, *args)

    def test_step(self, *args):
        return backend.run_step(self, self._test_step, *args)

    def _train_step(self, data):
        slices = self._slices(self.real_samples(data))
        for real in slices:
            self._update_trackers(self._discriminator_update(real))
        self._update_trackers(self._generator_update(slices[-1]))
        self.optimizer.iterations.assign_add(1)
        return self._logs()

    def _discriminator_update(self, real):
        d_vars = self.discriminator.trainable_variables
        with backend.no_grad():
            fake = self.generator(self.sample_latent(ops.shape(real)[0]), training=True)
        fake = ops.stop_gradient(fake)

        def loss_fn():
            values = self.discriminator_losses(real, fake)
            return values["d_loss"], values

        _, values, grads = backend.value_and_grad(loss_fn, d_vars)
        backend.apply_gradients(self.discriminator_optimizer, grads, d_vars)
        self.after_discriminator_update()
        return values

    def _generator_update(self, real):
        g_vars = self.generator.trainable_variables

        def loss_fn():
            values = self.generator_losses(real)
            return values["g_loss"], values

        _, values, grads = backend.value_and_grad(loss_fn, g_vars)
        backend.apply_gradients(self.generator_optimizer, grads, g_vars)
        return values

    def _test_step(self, data):
        real = self.real_samples(data)
        n = ops.shape(real)[0] // self.packing * self.packing
        real = real[:n]
        fake = self.generator(self.sample_latent(n), training=False)
        self._update_trackers(self.discriminator_losses(real, fake, training=False))
        self._update_trackers(self.generator_losses(real, training=False))
        return self._logs()

    # ------------------------------------------------------------------ sampling
    def latents(self, n, seed=None):
        """`n` latent vectors drawn with numpy: the same for a seed on every backend."""
        n = int(n)
        if n < 0:
            raise ValueError(f"The number of samples must be >= 0; received {n}.")
        rng = np.random.default_rng(seed)
        return rng.standard_normal((n, self.latent_dim)).astype("float32")

    def generate(self, n, seed=None, batch_size=1024):
        """Draws `n` samples from the generator (inference mode).

        Args:
            n: number of samples.
            seed: seed of the numpy generator that draws the latent vectors; the same
                seed and weights give the same samples under every backend.
            batch_size: samples generated per forward pass.

        Returns:
            A float32 numpy array of `n` samples.
        """
        return self.generate_from(self.latents(n, seed), batch_size=batch_size)

    def generate_from(self, latent, batch_size=1024):
        """Generator output for given latent vectors, as a float32 numpy array."""
        latent = np.asarray(latent, dtype="float32")
        if latent.ndim != 2 or latent.shape[1] != self.latent_dim:
            raise ValueError(
                f"Latent vectors must have shape (n, {self.latent_dim}); received "
                f"{latent.shape}."
            )
        outputs = []
        with backend.no_grad():
            for start in range(0, len(latent), batch_size):
                out = self.generator(latent[start:start + batch_size], training=False)
                outputs.append(ops.convert_to_numpy(ops.cast(out, "float32")))
        if not outputs:
            shape = tuple(self.generator.output_shape[1:])
            return np.zeros((0,) + shape, dtype="float32")
        return np.concatenate(outputs, axis=0)

    # -------------------------------------------------------- saving and export
    def get_config(self):
        config = super().get_config()
        config.update(
            generator=keras.saving.serialize_keras_object(self.generator),
            discriminator=keras.saving.serialize_keras_object(self.discriminator),
            latent_dim=self.latent_dim,
            loss=losses_lib.serialize(self.adversarial_loss),
            discriminator_steps=self.discriminator_steps,
            packing=self.packing,
            seed=self.seed,
        )
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key in ("generator", "discriminator"):
            config[key] = keras.saving.deserialize_keras_object(
                config[key], custom_objects=custom_objects
            )
        if "loss" in config:
            config["loss"] = losses_lib.get(config["loss"])
        return cls(**config)

    def export(self, filepath, format="tf_saved_model", verbose=None, **kwargs):
        """Exports the generator as a SavedModel for TF Serving (any backend).

        The signature `serving_default` takes `latent` (float32, `[None, latent_dim]`)
        and returns `samples` (float32). See `keras_gan.export.export_generator`.
        """
        if format != "tf_saved_model":
            raise ValueError(f"Only format='tf_saved_model' is supported; received {format!r}.")
        from keras_gan.export import export_generator

        return export_generator(self.generator, filepath, verbose=bool(verbose), **kwargs)
