"""Super-resolution GANs: SRGAN (Ledig et al. 2017, "Photo-Realistic Single Image
Super-Resolution Using a Generative Adversarial Network") and ESRGAN (Wang et al. 2018,
"ESRGAN: Enhanced Super-Resolution Generative Adversarial Networks"), each with the
PSNR-oriented stage that initialises it, and ESRGAN's network interpolation.

Both papers train in two stages: the generator alone with a pixel loss (SRResNet-MSE,
RRDB_PSNR), then the GAN initialised from it. Each class builds either stage:

```python
pairs = keras_gan.datasets.sr_pairs("hr_folder", scale=4, patch_size=96)
psnr = keras_gan.models.SRGAN(stage="psnr")         # SRResNet with the MSE loss
psnr.compile()
psnr.fit(pairs, steps_per_epoch=1000, epochs=10)
gan = keras_gan.models.SRGAN(pretrained=psnr)       # VGG54 + 1e-3 adversarial
gan.compile()
gan.fit(pairs, steps_per_epoch=1000, epochs=10)
```
"""

import numpy as np

import keras
from keras import ops

from keras_gan import backend, networks
from keras_gan import losses as losses_lib
from keras_gan.losses.perceptual import PerceptualLoss
from keras_gan.models.base import (
    AdversarialModel,
    _non_negative,
    float32_outputs,
    optimizer_pair,
)
from keras_gan.models import loss_scaling

__all__ = ["ESRGAN", "SRGAN", "SuperResolutionGAN", "interpolate_weights"]

PIXEL_LOSSES = ("mse", "l1")
STAGES = ("psnr", "gan")


def _check_range(value, name):
    low, high = (float(v) for v in value)
    if not high > low:
        raise ValueError(f"{name} must be (low, high) with high > low; received {value}.")
    return (low, high)


def _to_unit(images, value_range):
    low, high = value_range
    return (images - low) / (high - low)


@keras.saving.register_keras_serializable(package="keras_gan")
class SuperResolutionGAN(keras.Model):
    """A super-resolution model trained on `(low-resolution, high-resolution)` pairs.

    The generator's loss is
    `pixel_weight * pixel + perceptual_weight * perceptual + adversarial_weight * adversarial`;
    without a discriminator the model trains the generator alone (the PSNR-oriented
    stage). A training step runs the generator once: its update first, then the
    discriminator's update on the same (detached) super-resolved batch, the order of
    the ESRGAN authors' code. `SRGAN` and `ESRGAN` fill in their papers' networks,
    weights and optimizers; this class takes any combination.

    Args:
        generator: a Keras model `LR (N, h, w, C) -> SR (N, scale*h, scale*w, C)`.
        discriminator: a Keras model `HR -> logits (N, 1)`, or None (no adversarial
            term: PSNR-oriented training).
        scale: the upscaling factor of the generator.
        lr_range, hr_range: value ranges of the low-resolution input and of the
            high-resolution target / generator output (`keras_gan.datasets.sr_pairs`
            `lr_range` / `hr_range`).
        pixel_loss: `"mse"` or `"l1"`, mean over pixels and channels.
        pixel_weight, perceptual_weight, adversarial_weight: weights of the terms.
        perceptual_loss: a `keras_gan.losses.PerceptualLoss` (its `input_range` must be
            `hr_range`) or None. Its VGG network is part of the model, saved in the
            `.keras` file, so a saved model loads offline.
        loss: the adversarial loss (name or object, see `keras_gan.losses.get`).

    Metrics: `g_loss`, `pixel_loss`, `psnr` (dB, per image on the float output mapped
    to [0, 1], a training monitor: the papers' protocol is
    `keras_gan.super_resolution.evaluate_sr`), and with the terms present
    `perceptual_loss`, `adversarial_loss`, `d_loss`, `d_real`, `d_fake`.
    """

    def __init__(self, generator, discriminator=None, *, scale=4, lr_range=(0.0, 1.0),
                 hr_range=(-1.0, 1.0), pixel_loss="mse", pixel_weight=1.0,
                 perceptual_loss=None, perceptual_weight=1.0, loss="non_saturating",
                 adversarial_weight=1e-3, **kwargs):
        super().__init__(**kwargs)
        for role, net in (("generator", generator), ("discriminator", discriminator)):
            if net is not None and not isinstance(net, keras.layers.Layer):
                raise TypeError(f"{role} must be a Keras model; received {type(net).__name__}.")
        if generator is None:
            raise ValueError("A super-resolution model needs a generator.")
        networks.upsampling_steps(scale)  # validates the scale
        if pixel_loss not in PIXEL_LOSSES:
            raise ValueError(f"pixel_loss must be one of {PIXEL_LOSSES}; received {pixel_loss!r}.")
        if perceptual_loss is not None and not isinstance(perceptual_loss, PerceptualLoss):
            raise TypeError("perceptual_loss must be a keras_gan.losses.PerceptualLoss or None; "
                            f"received {type(perceptual_loss).__name__}.")
        self.generator = generator
        self.discriminator = discriminator
        self.scale = int(scale)
        self.lr_range = _check_range(lr_range, "lr_range")
        self.hr_range = _check_range(hr_range, "hr_range")
        if (perceptual_loss is not None
                and tuple(perceptual_loss.extractor.input_range) != self.hr_range):
            raise ValueError(
                f"The perceptual loss reads images in {perceptual_loss.extractor.input_range} "
                f"but the generator's output range (hr_range) is {self.hr_range}."
            )
        self.pixel_loss = pixel_loss
        self.pixel_weight = _non_negative("pixel_weight", pixel_weight)
        self.perceptual_loss = perceptual_loss
        # tracked, so that the frozen VGG weights are part of the model's state (JAX)
        # and of its .keras file
        self.perceptual_network = None if perceptual_loss is None else perceptual_loss.extractor
        self.perceptual_weight = _non_negative("perceptual_weight", perceptual_weight)
        self.adversarial_loss = losses_lib.get(loss)
        self.adversarial_weight = _non_negative("adversarial_weight", adversarial_weight)
        names = ["g_loss", "pixel_loss"]
        if perceptual_loss is not None:
            names.append("perceptual_loss")
        if discriminator is not None:
            names += ["adversarial_loss", "d_loss", "d_real", "d_fake"]
        names.append("psnr")
        self._trackers = [keras.metrics.Mean(name=n) for n in names]
        # float16 compute (the "mixed_float16" policy): a dynamic loss scale per network
        self._loss_scales = loss_scaling.loss_scales_for(
            self, ("generator",) if discriminator is None else ("generator", "discriminator"),
            (generator, discriminator))
        self.built = True

    # ------------------------------------------------------------------ optimizers
    def default_generator_optimizer(self):
        return keras.optimizers.Adam(1e-4, beta_1=0.9)

    def default_discriminator_optimizer(self):
        return keras.optimizers.Adam(1e-4, beta_1=0.9)

    def compile(self, generator_optimizer=None, discriminator_optimizer=None,
                auto_scale_loss=True, loss_scale_growth_steps=None, **kwargs):
        """Configures the model for training.

        Args:
            generator_optimizer, discriminator_optimizer: optimizers (instances, names
                or configs); None gives the paper's. A model without a discriminator
                takes no discriminator optimizer.
            auto_scale_loss, loss_scale_growth_steps: dynamic loss scaling under
                float16 compute, as in `AdversarialModel.compile`.
            **kwargs: passed to `keras.Model.compile` (`jit_compile`,
                `steps_per_execution`, ...); not `loss`, `optimizer` or `metrics`.
        """
        for key in ("loss", "optimizer", "metrics", "loss_weights"):
            if key in kwargs:
                raise ValueError(
                    f"{type(self).__name__}.compile() does not take {key!r}: pass "
                    "generator_optimizer / discriminator_optimizer; the losses are "
                    "constructor arguments."
                )
        g_opt = self._make_optimizer(generator_optimizer, self.default_generator_optimizer,
                                     "generator_optimizer")
        loss_scaling.configure_loss_scaling(self, auto_scale_loss, loss_scale_growth_steps)
        # the loss scaling is ours (Keras would wrap the optimizer in a
        # LossScaleOptimizer that the step does not use)
        kwargs["auto_scale_loss"] = False
        if self.discriminator is None:
            if discriminator_optimizer is not None:
                raise ValueError(f"This {type(self).__name__} has no discriminator (PSNR "
                                 "stage); it takes no discriminator_optimizer.")
            self._compile_optimizers = (g_opt, None)
            super().compile(optimizer=g_opt, **kwargs)
            return
        d_opt = self._make_optimizer(discriminator_optimizer,
                                     self.default_discriminator_optimizer,
                                     "discriminator_optimizer")
        container = optimizer_pair(g_opt, d_opt, self.generator, self.discriminator)
        self._compile_optimizers = (g_opt, d_opt)
        super().compile(optimizer=container, **kwargs)

    _make_optimizer = staticmethod(AdversarialModel._make_optimizer)

    def _optimizers(self):
        if getattr(self, "_compile_optimizers", None) is None:
            raise RuntimeError(f"Call {type(self).__name__}.compile() before training.")
        return self._compile_optimizers

    @property
    def generator_optimizer(self):
        return self._optimizers()[0]

    @property
    def discriminator_optimizer(self):
        return self._optimizers()[1]

    def get_compile_config(self):
        if getattr(self, "_compile_optimizers", None) is None:
            return None
        g_opt, d_opt = self._compile_optimizers
        config = {"generator_optimizer": keras.optimizers.serialize(g_opt)}
        if d_opt is not None:
            config["discriminator_optimizer"] = keras.optimizers.serialize(d_opt)
        config.update(loss_scaling.loss_scaling_config(self))
        return config

    def compile_from_config(self, config):
        d_opt = config.get("discriminator_optimizer")
        self.compile(
            generator_optimizer=keras.optimizers.deserialize(config["generator_optimizer"]),
            discriminator_optimizer=None if d_opt is None else keras.optimizers.deserialize(d_opt),
            **loss_scaling.loss_scaling_kwargs(config),
        )

    # --------------------------------------------------------------------- metrics
    # the loss trackers work as the adversarial models' do
    metrics = AdversarialModel.metrics
    _update_trackers = AdversarialModel._update_trackers
    _logs = AdversarialModel._logs

    # ------------------------------------------------------------------ the losses
    def call(self, images, training=False):
        """The generator: `model(lr)` / `model.predict(lr)` give super-resolved images."""
        return self.generator(images, training=training)

    def unpack_batch(self, data):
        """`(lr, hr)` from a batch that `fit` passes; checks that the shapes agree."""
        lr, hr, _ = keras.utils.unpack_x_y_sample_weight(data)
        if hr is None:
            raise ValueError(
                f"{type(self).__name__} trains on (low-resolution, high-resolution) pairs, "
                "e.g. keras_gan.datasets.sr_pairs(...) or model.fit(lr_images, hr_images)."
            )
        self.check_pair_shapes(tuple(lr.shape), tuple(hr.shape))
        return ops.cast(lr, "float32"), ops.cast(hr, "float32")

    def check_pair_shapes(self, lr_shape, hr_shape):
        """Raises a ValueError naming the problem when LR / HR batch shapes (None for
        unknown sizes) do not fit the model: ranks, the scale, the discriminator's
        crop size."""
        lr_shape, hr_shape = tuple(lr_shape), tuple(hr_shape)
        if len(lr_shape) != 4 or len(hr_shape) != 4:
            raise ValueError("Expected batches of images (N, H, W, C); received shapes "
                             f"{lr_shape} (LR) and {hr_shape} (HR).")
        for axis, what in ((1, "height"), (2, "width")):
            low, high = lr_shape[axis], hr_shape[axis]
            if low is not None and high is not None and int(high) != self.scale * int(low):
                raise ValueError(
                    f"The HR {what} ({high}) must be {self.scale} x the LR {what} ({low}) "
                    f"for a x{self.scale} model; received LR {lr_shape}, HR {hr_shape}."
                )
        if self.discriminator is not None:
            expected = tuple(self.discriminator.input_shape[1:3])
            given = hr_shape[1:3]
            if None not in expected and None not in given and expected != tuple(
                    int(d) for d in given):
                raise ValueError(
                    f"The discriminator judges {expected[0]}x{expected[1]} HR crops; received "
                    f"{given[0]}x{given[1]} (set sr_pairs(patch_size=...) to match, or "
                    "build the model with that patch_size)."
                )

    def _check_data(self, x, y):
        """Checks the shapes of arrays or of a tf.data pipeline before `fit` /
        `evaluate` trace a step (traced steps may not know the sizes)."""
        shapes = None
        if y is not None and hasattr(x, "shape") and hasattr(y, "shape"):
            shapes = (x.shape, y.shape)
        elif hasattr(x, "element_spec"):
            spec = x.element_spec
            if isinstance(spec, (tuple, list)) and len(spec) >= 2 and all(
                    hasattr(s, "shape") for s in spec[:2]):
                shapes = (spec[0].shape, spec[1].shape)
            elif hasattr(spec, "shape"):
                raise ValueError(
                    f"{type(self).__name__} trains on (low-resolution, high-resolution) "
                    "pairs; the dataset yields single tensors (see keras_gan.datasets.sr_pairs)."
                )
        if shapes is not None:
            lr_shape, hr_shape = (tuple(None if d is None else int(d) for d in s)
                                  for s in shapes)
            if y is not None:  # arrays: the batch axis is the number of samples
                lr_shape, hr_shape = (None,) + lr_shape[1:], (None,) + hr_shape[1:]
            self.check_pair_shapes(lr_shape, hr_shape)

    def fit(self, x=None, y=None, *args, **kwargs):
        self._check_data(x, y)
        with backend.keep_state_on_error(self):
            return super().fit(x, y, *args, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        self._check_data(x, y)
        return super().evaluate(x, y, *args, **kwargs)

    def reconstruction_losses(self, hr, sr):
        """The non-adversarial terms: `pixel_loss`, `perceptual_loss` and their weighted
        sum `g_loss`, with `psnr` (a monitor, no gradient)."""
        diff = sr - hr
        per_image = ops.mean(ops.square(diff) if self.pixel_loss == "mse" else ops.abs(diff),
                             axis=(1, 2, 3))
        values = {"pixel_loss": ops.mean(per_image)}
        g_loss = self.pixel_weight * values["pixel_loss"]
        if self.perceptual_loss is not None:
            # `call` and a plain mean: `Loss.__call__` would also divide by the number of
            # tf.distribute replicas, which the backend's gradient step already does
            values["perceptual_loss"] = ops.mean(self.perceptual_loss.call(hr, sr))
            g_loss = g_loss + self.perceptual_weight * values["perceptual_loss"]
        unit_sr = ops.stop_gradient(_to_unit(sr, self.hr_range))
        mse = ops.mean(ops.square(unit_sr - _to_unit(hr, self.hr_range)), axis=(1, 2, 3))
        values["psnr"] = ops.mean(-10.0 * ops.log10(ops.maximum(mse, 1e-10)))
        values["g_loss"] = g_loss
        return values

    def generator_losses(self, lr, hr, training=True):
        """All generator terms; `"g_loss"` is minimised and `"sr"` holds the output."""
        sr = float32_outputs(self.generator(lr, training=training))
        values = self.reconstruction_losses(hr, sr)
        if self.discriminator is not None:
            fake_logits = float32_outputs(self.discriminator(sr, training=training))
            real_logits = None
            if self.adversarial_loss.needs_real_logits:
                real_logits = ops.stop_gradient(
                    float32_outputs(self.discriminator(hr, training=training)))
            values["adversarial_loss"] = self.adversarial_loss.generator_loss(fake_logits,
                                                                              real_logits)
            values["g_loss"] = (values["g_loss"]
                                + self.adversarial_weight * values["adversarial_loss"])
        values["sr"] = sr
        return values

    def discriminator_losses(self, hr, sr, training=True):
        """The discriminator's terms for real HR images and super-resolved ones."""
        real_logits = float32_outputs(self.discriminator(hr, training=training))
        fake_logits = float32_outputs(self.discriminator(sr, training=training))
        return {
            "d_loss": self.adversarial_loss.discriminator_loss(real_logits, fake_logits),
            "d_real": ops.mean(real_logits),
            "d_fake": ops.mean(fake_logits),
        }

    # ------------------------------------------------------------------ the steps
    def train_step(self, *args):
        return backend.run_step(self, self._train_step, *args)

    def test_step(self, *args):
        return backend.run_step(self, self._test_step, *args)

    def _train_step(self, data):
        lr, hr = self.unpack_batch(data)
        g_opt, d_opt = self._optimizers()
        g_vars = self.generator.trainable_variables

        def g_loss_fn():
            values = self.generator_losses(lr, hr)
            return values["g_loss"], values

        values = loss_scaling.minimize(g_opt, g_loss_fn, g_vars,
                                       loss_scaling.loss_scale(self, "generator"))
        sr = ops.stop_gradient(values.pop("sr"))
        self._update_trackers(values)
        if self.discriminator is not None:
            d_vars = self.discriminator.trainable_variables

            def d_loss_fn():
                d_values = self.discriminator_losses(hr, sr)
                return d_values["d_loss"], d_values

            d_values = loss_scaling.minimize(d_opt, d_loss_fn, d_vars,
                                             loss_scaling.loss_scale(self, "discriminator"))
            self._update_trackers(d_values)
            self.optimizer.iterations.assign_add(1)
        return self._logs()

    def _test_step(self, data):
        lr, hr = self.unpack_batch(data)
        values = self.generator_losses(lr, hr, training=False)
        sr = values.pop("sr")
        self._update_trackers(values)
        if self.discriminator is not None:
            self._update_trackers(self.discriminator_losses(hr, sr, training=False))
        return self._logs()

    # ------------------------------------------------------------------ inference
    def upscale(self, image, tile=None, overlap=16):
        """Super-resolves one uint8 image `(H, W, C)` into a uint8 image
        `(scale*H, scale*W, C)`; `tile` bounds the memory (see
        `keras_gan.super_resolution.upscale`)."""
        from keras_gan import super_resolution

        return super_resolution.upscale(self.generator, image, input_range=self.lr_range,
                                        output_range=self.hr_range, scale=self.scale,
                                        tile=tile, overlap=overlap)

    def export(self, filepath, format="tf_saved_model", verbose=None, overwrite=False,
               **kwargs):
        """Exports the generator as a SavedModel for TF Serving: uint8 images of any
        size and batch in, uint8 images out (`keras_gan.export.export_image_model`).
        An existing non-empty `filepath` is refused with a FileExistsError unless
        `overwrite`; a failed export leaves it as it was."""
        if format != "tf_saved_model":
            raise ValueError(f"Only format='tf_saved_model' is supported; received {format!r}.")
        from keras_gan.export import export_image_model

        return export_image_model(self.generator, filepath, input_range=self.lr_range,
                                  output_range=self.hr_range, verbose=bool(verbose),
                                  overwrite=overwrite, **kwargs)

    # ------------------------------------------------------------------ saving
    def get_config(self):
        config = super().get_config()
        config.update(
            generator=keras.saving.serialize_keras_object(self.generator),
            discriminator=(None if self.discriminator is None
                           else keras.saving.serialize_keras_object(self.discriminator)),
            scale=self.scale,
            lr_range=list(self.lr_range),
            hr_range=list(self.hr_range),
            pixel_loss=self.pixel_loss,
            pixel_weight=self.pixel_weight,
            perceptual_loss=(None if self.perceptual_loss is None
                             else keras.saving.serialize_keras_object(self.perceptual_loss)),
            perceptual_weight=self.perceptual_weight,
            loss=losses_lib.serialize(self.adversarial_loss),
            adversarial_weight=self.adversarial_weight,
        )
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key in ("generator", "discriminator"):
            if config.get(key) is not None:
                config[key] = keras.saving.deserialize_keras_object(
                    config[key], custom_objects=custom_objects)
        if config.get("perceptual_loss") is not None:
            # the VGG weights are in the saved file: build without downloading them
            loss_config = dict(config["perceptual_loss"])
            loss_config["config"] = dict(loss_config["config"], weights=None)
            config["perceptual_loss"] = keras.saving.deserialize_keras_object(
                loss_config, custom_objects=custom_objects)
        if "loss" in config:
            config["loss"] = losses_lib.get(config["loss"])
        return cls(**config)


def _pretrained_generator(pretrained):
    """A copy (architecture and weights) of the generator of `pretrained`, an SR model
    or a generator, so that the first stage stays intact for network interpolation."""
    source = getattr(pretrained, "generator", pretrained)
    if not isinstance(source, keras.Model):
        raise TypeError("pretrained must be a super-resolution model or a Keras generator; "
                        f"received {type(pretrained).__name__}.")
    copy = keras.models.clone_model(source)
    copy.set_weights(source.get_weights())
    return copy


class _PaperModel(SuperResolutionGAN):
    """The stage logic shared by SRGAN and ESRGAN."""

    def __init__(self, generator, discriminator, stage, pretrained, defaults, **kwargs):
        if stage not in STAGES:
            raise ValueError(f"stage must be one of {STAGES}; received {stage!r}.")
        if pretrained is not None:
            if generator is not None:
                raise ValueError("Pass either generator or pretrained, not both.")
            generator = _pretrained_generator(pretrained)
        gan = stage == "gan"
        if generator is None:
            generator = defaults["generator"]()
        if gan and discriminator is None:
            discriminator = defaults["discriminator"]()
        if not gan and discriminator is not None:
            raise ValueError("The PSNR stage trains the generator alone; it takes no "
                             "discriminator.")
        for key in ("pixel_weight", "perceptual_loss"):
            if kwargs.get(key, "default") == "default":
                kwargs[key] = defaults[key]()
        super().__init__(generator, discriminator, **kwargs)
        self.stage = stage

    def get_config(self):
        config = super().get_config()
        config["stage"] = self.stage
        return config


@keras.saving.register_keras_serializable(package="keras_gan")
class SRGAN(_PaperModel):
    """SRGAN (Ledig et al. 2017, "Photo-Realistic Single Image Super-Resolution Using a
    Generative Adversarial Network"), with its SRResNet stage.

    - `stage="psnr"`: SRResNet-MSE, `networks.srresnet` trained on the pixel MSE alone
      (the paper's initialisation of the GAN).
    - `stage="gan"` (default): the same generator trained with the VGG54 content loss
      (`block5_conv4` after ReLU, MSE on features rescaled by 1/12.75) plus `1e-3` times
      the non-saturating adversarial loss, against `networks.srgan_discriminator`.
      `pretrained=` an SRResNet model (or generator) copies its weights in.

    LR images in [0, 1], HR images and the output in [-1, 1] (the paper's scaling;
    `sr_pairs` produces them by default). Optimizers: Adam(1e-4, beta_1=0.9) for both
    networks; the paper trains 1e6 SRResNet updates, then 1e5 GAN updates at 1e-4 and
    1e5 at 1e-5 (pass a `keras.optimizers.schedules.PiecewiseConstantDecay`).

    Args:
        generator, discriminator: networks to use instead of the paper's.
        stage: `"psnr"` or `"gan"`.
        pretrained: an SR model or generator whose weights start the generator.
        scale: upscaling factor (4).
        patch_size: side of the HR training crops the default discriminator judges (96).
        blocks, filters: of the default SRResNet (16, 64).
        vgg_weights: of the perceptual VGG19: `"imagenet"`, None (random, for tests)
            or a weights file.
        pixel_weight: default 1 for the PSNR stage, 0 for the GAN stage.
        perceptual_loss: default VGG54 for the GAN stage, none for the PSNR stage.
        **kwargs: `adversarial_weight`, `loss`, `perceptual_weight`, ... of
            `SuperResolutionGAN`.
    """

    def __init__(self, generator=None, discriminator=None, *, stage="gan", pretrained=None,
                 scale=4, patch_size=96, blocks=16, filters=64, vgg_weights="imagenet",
                 pixel_loss="mse", pixel_weight="default", perceptual_loss="default",
                 adversarial_weight=1e-3, lr_range=(0.0, 1.0), hr_range=(-1.0, 1.0),
                 **kwargs):
        gan = stage == "gan"
        defaults = {
            "generator": lambda: networks.srresnet(scale, blocks, filters),
            "discriminator": lambda: networks.srgan_discriminator((patch_size, patch_size, 3)),
            "pixel_weight": lambda: 0.0 if gan else 1.0,
            "perceptual_loss": lambda: PerceptualLoss(
                ("block5_conv4",), distance="mse", feature_scale=1 / 12.75,
                weights=vgg_weights, input_range=hr_range) if gan else None,
        }
        super().__init__(generator, discriminator, stage, pretrained, defaults, scale=scale,
                         pixel_loss=pixel_loss, pixel_weight=pixel_weight,
                         perceptual_loss=perceptual_loss,
                         adversarial_weight=adversarial_weight, lr_range=lr_range,
                         hr_range=hr_range, **kwargs)


@keras.saving.register_keras_serializable(package="keras_gan")
class ESRGAN(_PaperModel):
    """ESRGAN (Wang et al. 2018, "ESRGAN: Enhanced Super-Resolution Generative
    Adversarial Networks"), with its RRDB_PSNR stage.

    - `stage="psnr"`: `networks.rrdb_net` trained on the L1 pixel loss alone
      (RRDB_PSNR, the initialisation of the GAN and the "PSNR" end of network
      interpolation).
    - `stage="gan"` (default): perceptual loss on VGG19 `block5_conv4` *before* its
      ReLU (L1), plus `1e-2` L1 pixel loss and `5e-3` times the relativistic average
      adversarial loss (Jolicoeur-Martineau 2018) against
      `networks.esrgan_discriminator` (128x128 crops). `pretrained=` the PSNR model.
      `interpolate_weights(psnr_model, gan_model, alpha)` blends the two.

    LR, HR and the output in [0, 1] (pass `sr_pairs(..., hr_range=(0, 1))`).
    Optimizers: Adam(beta_1=0.9, beta_2=0.999), 2e-4 for the PSNR stage, 1e-4 for both
    GAN networks; the paper halves the rate every 2e5 PSNR updates and at
    50k, 100k, 200k, 300k GAN updates (pass a schedule).

    Args:
        generator, discriminator: networks to use instead of the paper's.
        stage: `"psnr"` or `"gan"`.
        pretrained: an SR model or generator whose weights start the generator.
        scale: upscaling factor (4).
        patch_size: side of the HR crops the default discriminator judges (128).
        blocks, filters, growth: of the default RRDBNet (23, 64, 32).
        vgg_weights: of the perceptual VGG19: `"imagenet"`, None or a weights file.
        pixel_weight: default 1 for the PSNR stage, 1e-2 for the GAN stage.
        perceptual_loss: default as above for the GAN stage, none for the PSNR stage.
        **kwargs: `adversarial_weight`, `loss`, `perceptual_weight`, ... of
            `SuperResolutionGAN`.
    """

    def __init__(self, generator=None, discriminator=None, *, stage="gan", pretrained=None,
                 scale=4, patch_size=128, blocks=23, filters=64, growth=32,
                 vgg_weights="imagenet", pixel_loss="l1", pixel_weight="default",
                 perceptual_loss="default", adversarial_weight=5e-3,
                 loss="relativistic_average", lr_range=(0.0, 1.0), hr_range=(0.0, 1.0),
                 **kwargs):
        gan = stage == "gan"
        defaults = {
            "generator": lambda: networks.rrdb_net(scale, blocks, filters, growth),
            "discriminator": lambda: networks.esrgan_discriminator((patch_size, patch_size, 3)),
            "pixel_weight": lambda: 1e-2 if gan else 1.0,
            "perceptual_loss": lambda: PerceptualLoss(
                ("block5_conv4",), distance="l1", pre_activation=True,
                weights=vgg_weights, input_range=hr_range) if gan else None,
        }
        super().__init__(generator, discriminator, stage, pretrained, defaults, scale=scale,
                         pixel_loss=pixel_loss, pixel_weight=pixel_weight,
                         perceptual_loss=perceptual_loss, loss=loss,
                         adversarial_weight=adversarial_weight, lr_range=lr_range,
                         hr_range=hr_range, **kwargs)

    def default_generator_optimizer(self):
        rate = 1e-4 if self.discriminator is not None else 2e-4
        return keras.optimizers.Adam(rate, beta_1=0.9, beta_2=0.999)

    def default_discriminator_optimizer(self):
        return keras.optimizers.Adam(1e-4, beta_1=0.9, beta_2=0.999)


def interpolate_weights(model_psnr, model_gan, alpha):
    """Network interpolation (Wang et al. 2018, ESRGAN section 3.4): a generator whose
    weights are `(1 - alpha) * psnr + alpha * gan`, every weight of the two generators
    (batch-normalisation statistics included) blended.

    Args:
        model_psnr, model_gan: SR models (their `generator` is used) or generators of
            the same architecture, e.g. the PSNR stage and the GAN stage of `ESRGAN`.
        alpha: in [0, 1]; 0 gives the PSNR generator, 1 the GAN generator.

    Returns:
        A new Keras model (a clone of the GAN generator); the inputs are unchanged.
    """
    alpha = float(alpha)
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1]; received {alpha}.")
    psnr = getattr(model_psnr, "generator", model_psnr)
    gan = getattr(model_gan, "generator", model_gan)
    for name, net in (("model_psnr", psnr), ("model_gan", gan)):
        if not isinstance(net, keras.Model):
            raise TypeError(f"{name} must be an SR model or a Keras generator; received "
                            f"{type(net).__name__}.")
    a_weights, b_weights = psnr.weights, gan.weights
    if len(a_weights) != len(b_weights):
        raise ValueError(f"The generators differ: {len(a_weights)} weights against "
                         f"{len(b_weights)}; interpolation needs one architecture.")
    for a, b in zip(a_weights, b_weights):
        if tuple(a.shape) != tuple(b.shape):
            raise ValueError(f"The generators differ: weight {a.path} has shape "
                             f"{tuple(a.shape)}, {b.path} has {tuple(b.shape)}.")
    blended = []
    for a, b in zip(a_weights, b_weights):
        a_value, b_value = ops.convert_to_numpy(a.value), ops.convert_to_numpy(b.value)
        if np.issubdtype(a_value.dtype, np.floating):
            value = ((1.0 - alpha) * a_value.astype("float64")
                     + alpha * b_value.astype("float64")).astype(a_value.dtype)
        else:  # integer counters are not blended
            value = b_value
        blended.append(value)
    result = keras.models.clone_model(gan)
    result.set_weights(blended)
    return result
