"""The adversarial base model every GAN of keras_gan derives from.

It owns what all GANs share: the two optimizers, the alternation of discriminator and
generator updates inside `train_step`, the loss trackers, `test_step`, `generate`,
saving and export. A model subclass only writes its losses
(`discriminator_losses` / `generator_losses`) and, where its paper says so, what
happens after a discriminator update.
"""

import inspect
import re

import numpy as np

import keras
from keras import ops

from keras_gan import backend
from keras_gan import losses as losses_lib
from keras_gan.models import data_checks
from keras_gan.models.averaging import WeightAverage
from keras_gan.models import loss_scaling

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


def optimizer_pair(g_opt, d_opt, generator, discriminator):
    """One built `MultiOptimizer` over both networks' optimizers, for `Model.compile`.

    One container so that every backend's trainer carries both optimizers' state (under
    JAX, `fit` threads only `model.optimizer.variables` through the step). Its own
    `iterations` counts training steps (= generator updates).
    """
    if g_opt is d_opt:
        raise ValueError("The generator and the discriminator need two optimizer instances.")
    g_vars = generator.trainable_variables
    d_vars = discriminator.trainable_variables
    container = keras.optimizers.MultiOptimizer(
        _SelectOptimizer(g_opt, d_opt, g_vars), name="adversarial_optimizer"
    )
    container.build(g_vars + d_vars)
    if container.optimizers != [g_opt, d_opt]:
        raise ValueError("Both networks need trainable variables of their own.")
    return container


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


def _non_negative(name, value):
    value = float(value)
    if not value >= 0:
        raise ValueError(f"{name} must be >= 0; received {value}.")
    return value


def _sample_count(n, name="The number of samples", minimum=0):
    """`n` as an int >= `minimum`; a float such as 2.5 is refused, not truncated."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{name} must be an integer; received {n!r}.")
    if n < minimum:
        raise ValueError(f"{name} must be >= {minimum}; received {n}.")
    return int(n)


def _input_count(network):
    inputs = getattr(network, "inputs", None)
    return len(inputs) if isinstance(inputs, (list, tuple)) else 1


def float32_outputs(outputs):
    """A network's outputs (a tensor, or a dict of them) with the low-precision floats
    (float16 / bfloat16 under a mixed dtype policy) cast to float32, so that losses
    are computed in float32."""
    if isinstance(outputs, dict):
        return {k: float32_outputs(v) for k, v in outputs.items()}
    if keras.backend.standardize_dtype(outputs.dtype) in ("float16", "bfloat16"):
        return ops.cast(outputs, "float32")
    return outputs


def _reported(values):
    """The loss terms of an update, without the tensors kept for subclasses."""
    return {k: v for k, v in values.items()
            if k not in ("latent", "real_outputs", "fake_outputs")}


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
                 discriminator_steps=1, label_smoothing=0.0, packing=1, seed=None,
                 feature_matching=0.0, adversarial_weight=1.0, historical_averaging=0.0,
                 ema_decay=None, **kwargs):
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
        self.feature_matching = _non_negative("feature_matching", feature_matching)
        self.adversarial_weight = _non_negative("adversarial_weight", adversarial_weight)
        self.historical_averaging = _non_negative("historical_averaging", historical_averaging)
        if self.num_classes is not None and self.packing > 1:
            raise ValueError(f"{type(self).__name__} is conditional; packing must be 1.")
        self._check_latent_dim()
        self._generator_takes_labels = _input_count(generator) == 2
        self._discriminator_takes_labels = _input_count(discriminator) == 2
        if self.num_classes is None and self._generator_takes_labels:
            raise ValueError(
                f"The generator takes a second (label) input but {type(self).__name__} is "
                "unconditional; use CGAN or ACGAN for class-conditional networks."
            )
        self._historical = None
        if self.historical_averaging > 0:
            self._historical = (
                WeightAverage(self, generator.trainable_variables, "generator_historical_average"),
                WeightAverage(self, discriminator.trainable_variables,
                              "discriminator_historical_average"),
            )
        self.ema_decay = None
        self._ema = None
        if ema_decay is not None:
            self.enable_ema(ema_decay)
        trackers = list(self.tracked_losses)
        if self.feature_matching:
            trackers.append("feature_matching")
        if self.historical_averaging:
            trackers += ["g_historical_average", "d_historical_average"]
        self._trackers = [keras.metrics.Mean(name=n) for n in trackers]
        # float16 compute (the "mixed_float16" policy): a dynamic loss scale per player
        self._loss_scales = loss_scaling.loss_scales_for(
            self, ("generator", "discriminator"), (generator, discriminator))
        self.built = True

    def enable_ema(self, decay=0.999):
        """Keeps an exponential moving average of the generator's trainable weights,
        updated after every generator update inside `train_step`; `generate`, the
        sample callbacks and `export` then use the averaged weights (see
        `keras_gan.callbacks.EMA`). Call it before `fit`; the averages start from the
        current weights and are saved with the model."""
        decay = float(decay)
        if self._ema is not None:
            if decay != self.ema_decay:
                raise ValueError(
                    f"This model already averages its generator with decay {self.ema_decay}; "
                    f"received {decay}."
                )
            return
        self._ema = WeightAverage(self, self.generator.trainable_variables,
                                  "generator_ema", decay=decay)
        self.ema_decay = decay
        # A step traced before the averages existed would not update them.
        self.train_function = None

    #: number of classes of a conditional model; None for an unconditional one
    num_classes = None

    @property
    def generator_input_dim(self):
        """Size of the generator's latent input (InfoGAN adds its codes to z)."""
        return self.latent_dim

    def _check_latent_dim(self):
        shape = getattr(self.generator, "input_shape", None)
        if isinstance(shape, list) and shape:
            shape = shape[0]
        expected = self.generator_input_dim
        if isinstance(shape, tuple) and shape and shape[-1] not in (None, expected):
            given = (f"latent_dim is {self.latent_dim}" if expected == self.latent_dim else
                     f"latent_dim plus the code sizes is {expected}")
            raise ValueError(
                f"The generator takes latent vectors of size {shape[-1]} but {given}."
            )

    # ------------------------------------------------------------------ optimizers
    def default_generator_optimizer(self):
        """The optimizer of the model's paper for the generator."""
        return keras.optimizers.Adam(2e-4, beta_1=0.5)

    def default_discriminator_optimizer(self):
        """The optimizer of the model's paper for the discriminator."""
        return keras.optimizers.Adam(2e-4, beta_1=0.5)

    def compile(self, generator_optimizer=None, discriminator_optimizer=None,
                auto_scale_loss=True, loss_scale_growth_steps=None, **kwargs):
        """Configures the model for training.

        Args:
            generator_optimizer, discriminator_optimizer: `keras.optimizers.Optimizer`
                instances, names or configs; `None` gives the defaults of the
                model's paper. They are named `generator_optimizer` and
                `discriminator_optimizer` and built here, so that their state is
                saved and restored with the model.
            auto_scale_loss: when the model or its networks compute in float16 (the
                `"mixed_float16"` dtype policy), scale each player's loss dynamically
                (`keras_gan.models.loss_scaling`; its scale is saved with the model).
            loss_scale_growth_steps: finite steps after which a loss scale doubles
                (default 2000, as `keras.optimizers.LossScaleOptimizer`).
            **kwargs: passed to `keras.Model.compile` (`jit_compile`,
                `steps_per_execution`, `run_eagerly`, ...). `loss` and `metrics` are
                not accepted: the adversarial loss is a constructor argument.
                `jit_compile="auto"` (the default) is Keras's choice except on
                TensorFlow, where the step is XLA-compiled on the CPU too
                (`keras_gan.backend.adversarial_jit_compile`: Keras turns XLA off on
                machines without a GPU; for these models it is 1.6x faster there,
                `benchmarks/results/throughput.md`).
        """
        if kwargs.get("jit_compile", "auto") == "auto" and not kwargs.get("run_eagerly"):
            kwargs["jit_compile"] = backend.adversarial_jit_compile()
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
        container = optimizer_pair(g_opt, d_opt, self.generator, self.discriminator)
        self._compile_optimizers = (g_opt, d_opt)
        loss_scaling.configure_loss_scaling(self, auto_scale_loss, loss_scale_growth_steps)
        # auto_scale_loss=False: Keras would wrap the container in a LossScaleOptimizer
        # that the step does not use; the scaling is ours
        super().compile(optimizer=container, auto_scale_loss=False, **kwargs)

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
            **loss_scaling.loss_scaling_config(self),
        }

    def compile_from_config(self, config):
        self.compile(
            generator_optimizer=keras.optimizers.deserialize(config["generator_optimizer"]),
            discriminator_optimizer=keras.optimizers.deserialize(
                config["discriminator_optimizer"]
            ),
            **loss_scaling.loss_scaling_kwargs(config),
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
        """The generator: `model(latent)` / `model.predict(latent)` give samples
        (conditional models: `model([latent, labels])`)."""
        return self.generator(latent, training=training)

    def sample_latent(self, n):
        """`n` generator inputs drawn inside the graph from the model's seed generator
        (InfoGAN appends its codes to the noise)."""
        return keras.random.normal((n, self.latent_dim), seed=self.seed_generator)

    def replica_latent(self, n):
        """`n` generator inputs for this replica's slice of the batch: under data
        parallel training, its rows of one `sample_latent` draw for the global batch
        (`keras_gan.backend.replica_rows`), so that the replicas get different noise
        and together the noise of a one-device run; else `sample_latent(n)`. The
        training and test steps draw their noise with it."""
        return backend.replica_rows(self.sample_latent, n)

    def generate_samples(self, latent, labels=None, training=True):
        """The generator's output for `latent` (and `labels` for conditional models)."""
        if self._generator_takes_labels:
            return self.generator([latent, labels], training=training)
        return self.generator(latent, training=training)

    def discriminator_outputs(self, samples, labels=None, training=True):
        """The discriminator's outputs for `samples` (packed in groups of `packing`) as a
        dict: `"logits"` always, plus whatever else the network returns (`"features"`,
        `"class_logits"`, ...)."""
        x = pack(samples, self.packing)
        outputs = self.discriminator([x, labels] if self._discriminator_takes_labels else x,
                                     training=training)
        outputs = float32_outputs(outputs)
        if not isinstance(outputs, dict):
            return {"logits": outputs}
        return outputs

    def discriminate(self, samples, labels=None, training=True):
        """Discriminator logits for `samples`, packed in groups of `packing`."""
        return self.discriminator_outputs(samples, labels, training=training)["logits"]

    # ----------------------------------------------------------------- the losses
    def discriminator_losses(self, real, fake, labels=None, latent=None, training=True):
        """Discriminator loss terms for a batch of real and generated samples.

        Args:
            real, fake: real and generated samples (the same number).
            labels: their class labels (conditional models), else None.
            latent: the generator inputs that produced `fake`.

        Returns a dict whose `"d_loss"` entry is minimised; other scalar entries are
        reported by the trackers of the same name; `"real_outputs"` and
        `"fake_outputs"` hold the discriminator's outputs for subclasses that add
        terms.
        """
        real_out = self.discriminator_outputs(real, labels, training=training)
        fake_out = self.discriminator_outputs(fake, labels, training=training)
        real_logits, fake_logits = real_out["logits"], fake_out["logits"]
        return {
            "d_loss": self.adversarial_loss.discriminator_loss(real_logits, fake_logits),
            "d_real": ops.mean(real_logits),
            "d_fake": ops.mean(fake_logits),
            "real_outputs": real_out,
            "fake_outputs": fake_out,
        }

    def generator_losses(self, real, labels=None, training=True):
        """Generator loss terms; `"g_loss"` is minimised. `real` is a batch of real
        samples of the size to generate (with their `labels`), used by losses that
        compare with real data and by feature matching."""
        n = ops.shape(real)[0]
        latent = self.replica_latent(n)
        fake = self.generate_samples(latent, labels, training=training)
        fake_out = self.discriminator_outputs(fake, labels, training=training)
        values = self.generator_adversarial_losses(real, labels, fake_out, training=training)
        values["latent"] = latent
        values["fake_outputs"] = fake_out
        return values

    def generator_adversarial_losses(self, real, labels, fake_outputs, training=True):
        """The adversarial part of the generator's loss: `adversarial_weight` times the
        adversarial loss, plus `feature_matching` times the feature-matching loss
        `||E f(x) - E f(G(z))||^2` on the discriminator's `"features"` output
        (Salimans et al. 2016, section 3.1; the paper's generator uses feature
        matching alone: `adversarial_weight=0, feature_matching=1`)."""
        need_real = self.adversarial_loss.needs_real_logits and self.adversarial_weight > 0
        real_out = None
        if need_real or self.feature_matching > 0:
            real_out = self.discriminator_outputs(real, labels, training=training)
        values = {}
        g_loss = 0.0
        if self.adversarial_weight > 0:
            real_logits = real_out["logits"] if need_real else None
            g_loss = self.adversarial_weight * self.adversarial_loss.generator_loss(
                fake_outputs["logits"], real_logits)
        if self.feature_matching > 0:
            if "features" not in fake_outputs:
                raise ValueError(
                    "Feature matching needs a discriminator with a 'features' output "
                    "(e.g. keras_gan.networks.dcgan_discriminator)."
                )
            values["feature_matching"] = losses_lib.feature_matching(
                ops.stop_gradient(real_out["features"]), fake_outputs["features"])
            g_loss = g_loss + self.feature_matching * values["feature_matching"]
        values["g_loss"] = g_loss
        return values

    def after_discriminator_update(self):
        """Hook run after every discriminator update (WGAN clips weights here)."""

    # ------------------------------------------------------------------ the steps
    def unpack_batch(self, data):
        """`(real samples, labels)` from a batch that `fit` passes: `x` or `(x, y)`.
        Unconditional models ignore `y` (labels are None); conditional models need it.
        The samples' dtype and shape and the labels' dtype are checked here, from the
        static shapes, while the step is traced (`data_checks.check_real_samples`)."""
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        data_checks.check_real_samples(self, x)
        if self.num_classes is None:
            return x, None
        data_checks.require_labels(self, y)
        data_checks.check_label_dtype(y)
        return x, ops.reshape(ops.cast(y, "int32"), (-1,))

    def fit(self, x=None, y=None, batch_size=None, *args, **kwargs):
        """`keras.Model.fit`, after the checks of in-memory data that need their
        values or their size (`data_checks.check_training_data`: empty data, NaN,
        batches too small for `discriminator_steps * packing`, labels out of range, a
        warning for images outside [-1, 1]). The arguments are those of
        `keras.Model.fit`."""
        given = inspect.signature(keras.Model.fit).bind(
            self, x, y, batch_size, *args, **kwargs).arguments
        data_checks.check_training_data(self, x, y, batch_size,
                                        given.get("validation_split", 0.0),
                                        given.get("steps_per_epoch"))
        with backend.keep_state_on_error(self):
            return super().fit(x, y, batch_size, *args, **kwargs)

    def real_samples(self, data):
        """The real samples in a batch that `fit` passes (`x`, or `(x, y, ...)`)."""
        return self.unpack_batch(data)[0]

    def _slices(self, real, labels=None):
        """Splits a batch (and its labels) into k slices for the k discriminator updates
        (see the class doc). Returns a list of `(real, labels)` pairs."""
        k, p = self.discriminator_steps, self.packing
        if real.shape[0] is not None:
            data_checks.check_batch_size(self, real.shape[0])
        if k == 1 and p == 1:
            return [(real, labels)]
        size = ops.shape(real)[0] // (k * p) * p

        def part(t, i):
            return None if t is None else t[i * size:(i + 1) * size]

        return [(part(real, i), part(labels, i)) for i in range(k)]

    def train_step(self, *args):
        return backend.run_step(self, self._train_step, *args)

    def test_step(self, *args):
        return backend.run_step(self, self._test_step, *args)

    def _train_step(self, data):
        slices = self._slices(*self.unpack_batch(data))
        for real, labels in slices:
            self._update_trackers(self._discriminator_update(real, labels))
        self._update_trackers(self._generator_update(*slices[-1]))
        if self._ema is not None:
            self._ema.update()
        self.optimizer.iterations.assign_add(1)
        return self._logs()

    def _discriminator_update(self, real, labels):
        d_vars = self.discriminator.trainable_variables
        with backend.no_grad():
            latent = self.replica_latent(ops.shape(real)[0])
            fake = self.generate_samples(latent, labels, training=True)
        fake = ops.stop_gradient(fake)

        def loss_fn():
            values = self.discriminator_losses(real, fake, labels, latent)
            if self._historical is not None:
                values["d_historical_average"] = self._historical[1].squared_distance()
                values["d_loss"] = (values["d_loss"] + self.historical_averaging
                                    * values["d_historical_average"])
            return values["d_loss"], _reported(values)

        values = loss_scaling.minimize(self.discriminator_optimizer, loss_fn, d_vars,
                                       loss_scaling.loss_scale(self, "discriminator"))
        self.after_discriminator_update()
        if self._historical is not None:
            self._historical[1].update()
        return values

    def _generator_update(self, real, labels):
        g_vars = self.generator.trainable_variables

        def loss_fn():
            values = self.generator_losses(real, labels)
            if self._historical is not None:
                values["g_historical_average"] = self._historical[0].squared_distance()
                values["g_loss"] = (values["g_loss"] + self.historical_averaging
                                    * values["g_historical_average"])
            return values["g_loss"], _reported(values)

        values = loss_scaling.minimize(self.generator_optimizer, loss_fn, g_vars,
                                       loss_scaling.loss_scale(self, "generator"))
        if self._historical is not None:
            self._historical[0].update()
        return values

    def _test_step(self, data):
        real, labels = self.unpack_batch(data)
        n = ops.shape(real)[0] // self.packing * self.packing
        real = real[:n]
        labels = None if labels is None else labels[:n]
        latent = self.replica_latent(n)
        fake = self.generate_samples(latent, labels, training=False)
        self._update_trackers(_reported(self.discriminator_losses(real, fake, labels, latent,
                                                                  training=False)))
        self._update_trackers(_reported(self.generator_losses(real, labels, training=False)))
        return self._logs()

    # ------------------------------------------------------------------ sampling
    def latents(self, n, seed=None):
        """`n` latent vectors drawn with numpy: the same for a seed on every backend."""
        n = _sample_count(n)
        rng = np.random.default_rng(seed)
        return rng.standard_normal((n, self.latent_dim)).astype("float32")

    def generate(self, n, seed=None, labels=None, batch_size=1024, use_ema=None):
        """Draws `n` samples from the generator (inference mode).

        Args:
            n: number of samples.
            seed: seed of the numpy generator that draws the latent vectors; the same
                seed and weights give the same samples under every backend.
            labels: class labels of the samples (conditional models): one int for all,
                or `n` ints.
            batch_size: samples generated per forward pass.
            use_ema: use the generator's moving-average weights (default: when the
                model keeps them, see `enable_ema`).

        Returns:
            A float32 numpy array of `n` samples.
        """
        return self.generate_from(self.latents(n, seed), labels=labels, batch_size=batch_size,
                                  use_ema=use_ema)

    def check_labels(self, labels, n):
        """Labels for `n` samples of a conditional model as an int32 array `(n,)`."""
        if self.num_classes is None:
            if labels is not None:
                raise ValueError(f"{type(self).__name__} is unconditional; it takes no labels.")
            return None
        if labels is None:
            raise ValueError(
                f"{type(self).__name__} is conditional: pass labels= (ints in "
                f"[0, {self.num_classes}))."
            )
        array = np.asarray(labels)
        if not np.issubdtype(array.dtype, np.integer):
            raise ValueError(f"Labels must be integers; received dtype {array.dtype}.")
        if array.ndim == 0:
            array = np.full((n,), int(array))
        if array.shape != (n,):
            raise ValueError(f"Expected {n} labels (shape ({n},)); received shape {array.shape}.")
        if n and (array.min() < 0 or array.max() >= self.num_classes):
            raise ValueError(
                f"Labels must be in [0, {self.num_classes}); received values from "
                f"{array.min()} to {array.max()}."
            )
        return array.astype("int32")

    def generate_from(self, latent, labels=None, batch_size=1024, use_ema=None):
        """Generator output for given latent vectors (and labels), as a float32 numpy
        array. See `generate`."""
        latent = np.asarray(latent, dtype="float32")
        batch_size = _sample_count(batch_size, "batch_size", minimum=1)
        dim = self.generator_input_dim
        if latent.ndim != 2 or latent.shape[1] != dim:
            raise ValueError(
                f"Latent vectors must have shape (n, {dim}); received {latent.shape}."
            )
        labels = self.check_labels(labels, len(latent))
        if use_ema and self._ema is None:
            raise ValueError("This model keeps no moving average of its generator "
                             "(see enable_ema / keras_gan.callbacks.EMA).")
        use_ema = self._ema is not None if use_ema is None else bool(use_ema)
        generator = self._generator_forward(use_ema)
        outputs = []
        with backend.no_grad():
            for start in range(0, len(latent), batch_size):
                chunk = [ops.convert_to_tensor(latent[start:start + batch_size])]
                if labels is not None:
                    chunk.append(ops.convert_to_tensor(labels[start:start + batch_size]))
                out = generator(chunk if len(chunk) > 1 else chunk[0])
                outputs.append(ops.convert_to_numpy(ops.cast(out, "float32")))
        if not outputs:
            shape = tuple(self.generator.output_shape[1:])
            return np.zeros((0,) + shape, dtype="float32")
        return np.concatenate(outputs, axis=0)

    def _generator_forward(self, use_ema):
        if not use_ema:
            return lambda inputs: self.generator(inputs, training=False)
        averaged = self._ema.values()
        others = [v.value for v in self.generator.non_trainable_variables]

        def forward(inputs):
            out, _ = self.generator.stateless_call(averaged, others, inputs, training=False)
            return out

        return forward

    def sampling_generator(self):
        """The generator that samples are drawn from: the generator itself, or a copy
        holding the moving-average weights when the model keeps them."""
        if self._ema is None:
            return self.generator
        copy = keras.models.clone_model(self.generator)
        copy.set_weights(self.generator.get_weights())
        for variable, value in zip(copy.trainable_variables, self._ema.values()):
            variable.assign(value)
        return copy

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
            feature_matching=self.feature_matching,
            adversarial_weight=self.adversarial_weight,
            historical_averaging=self.historical_averaging,
            ema_decay=self.ema_decay,
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

    def export(self, filepath, format="tf_saved_model", verbose=None, overwrite=False,
               **kwargs):
        """Exports the generator (its moving average when kept) as a SavedModel for
        TF Serving, from any backend.

        The signature `serving_default` takes `latent` (float32, `[None, latent_dim]`;
        conditional models also `label`, int32 `[None]` in `[0, num_classes)`) and
        returns `samples` (float32) and, for images, `images` (uint8, 0..255); the
        signature `generate` takes `seed` (int64) and `count` (int32) (and `label`) and
        draws the latents inside the served graph (not those of `latents(n, seed)`).
        Inputs of the wrong shape and labels out of range are refused with an
        InvalidArgumentError. See `keras_gan.export.export_generator`.

        Args:
            filepath: the directory to write (TF Serving expects `NAME/VERSION/`).
            format: `"tf_saved_model"`, the only format.
            verbose: print a summary of the endpoints.
            overwrite: replace an existing non-empty `filepath` (otherwise a
                FileExistsError); a failed export leaves it as it was.
            **kwargs: passed to `keras_gan.export.export_generator`.

        Returns:
            `filepath`.
        """
        if format != "tf_saved_model":
            raise ValueError(f"Only format='tf_saved_model' is supported; received {format!r}.")
        from keras_gan.export import export_generator

        if self._generator_takes_labels:
            kwargs.setdefault("num_classes", self.num_classes)
        return export_generator(self.sampling_generator(), filepath, verbose=bool(verbose),
                                overwrite=overwrite, **kwargs)
