"""Wasserstein GANs: weight clipping (Arjovsky et al. 2017) and gradient penalty
(Gulrajani et al. 2017)."""

import keras

from keras_gan.losses import clip_weights, gradient_penalty
from keras_gan.models.base import AdversarialModel


@keras.saving.register_keras_serializable(package="keras_gan")
class WGAN(AdversarialModel):
    """Wasserstein GAN (Arjovsky, Chintala & Bottou 2017, "Wasserstein GAN").

    The critic estimates the Wasserstein-1 distance `E[D(x)] - E[D(G(z))]`; it is kept
    K-Lipschitz by clipping all of its weights to `[-clip_value, clip_value]` after
    every critic update. Defaults of the paper (Algorithm 1): `clip_value=0.01`,
    `discriminator_steps=5` (n_critic), RMSprop with learning rate 5e-5 for both
    networks.

    The loss is always `"wasserstein"`.
    """

    def __init__(self, generator, discriminator, latent_dim, *, clip_value=0.01,
                 discriminator_steps=5, packing=1, seed=None, **kwargs):
        super().__init__(generator, discriminator, latent_dim, loss="wasserstein",
                         discriminator_steps=discriminator_steps, packing=packing, seed=seed,
                         **kwargs)
        if clip_value is not None and float(clip_value) <= 0:
            raise ValueError(f"clip_value must be positive; received {clip_value}.")
        self.clip_value = None if clip_value is None else float(clip_value)

    def default_generator_optimizer(self):
        return keras.optimizers.RMSprop(5e-5)

    def default_discriminator_optimizer(self):
        return keras.optimizers.RMSprop(5e-5)

    def after_discriminator_update(self):
        if self.clip_value is not None:
            clip_weights(self.discriminator.trainable_variables, self.clip_value)

    def get_config(self):
        config = super().get_config()
        del config["loss"]  # always Wasserstein
        config["clip_value"] = self.clip_value
        return config


@keras.saving.register_keras_serializable(package="keras_gan")
class WGANGP(AdversarialModel):
    """WGAN with gradient penalty (Gulrajani et al. 2017, "Improved Training of
    Wasserstein GANs").

    The critic loss is `E[D(G(z))] - E[D(x)] + lambda E[(||grad D(x_hat)||_2 - 1)^2]`
    with `x_hat` on straight lines between real and generated samples (one uniform
    weight per sample). Defaults: `lambda = 10` and `discriminator_steps=5` (the
    paper's Algorithm 1); Adam(1e-4, beta_1=0.5, beta_2=0.9) for both networks, as in
    the authors' released code (Algorithm 1 lists `beta_1=0`: pass such optimizers to
    `compile` for it). No batch normalisation in the critic: the penalty is per sample
    (the paper suggests layer normalisation).

    Extra tracker: `gradient_penalty` (unweighted).
    """

    tracked_losses = AdversarialModel.tracked_losses + ("gradient_penalty",)

    def __init__(self, generator, discriminator, latent_dim, *, gradient_penalty_weight=10.0,
                 discriminator_steps=5, loss="wasserstein", packing=1, seed=None, **kwargs):
        super().__init__(generator, discriminator, latent_dim, loss=loss,
                         discriminator_steps=discriminator_steps, packing=packing, seed=seed,
                         **kwargs)
        if float(gradient_penalty_weight) < 0:
            raise ValueError(
                f"gradient_penalty_weight must be >= 0; received {gradient_penalty_weight}."
            )
        self.gradient_penalty_weight = float(gradient_penalty_weight)

    def default_generator_optimizer(self):
        return keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9)

    def default_discriminator_optimizer(self):
        return keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9)

    def discriminator_losses(self, real, fake, labels=None, latent=None, training=True):
        values = super().discriminator_losses(real, fake, labels, latent, training=training)
        penalty = gradient_penalty(
            lambda x: self.discriminate(x, labels, training=training), real, fake,
            seed=self.seed_generator,
        )
        values["gradient_penalty"] = penalty
        values["d_loss"] = values["d_loss"] + self.gradient_penalty_weight * penalty
        return values

    def get_config(self):
        config = super().get_config()
        config["gradient_penalty_weight"] = self.gradient_penalty_weight
        return config
