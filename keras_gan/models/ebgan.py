"""Energy-based GAN (Zhao, Mathieu & LeCun 2017, "Energy-based Generative Adversarial
Network")."""

import keras
from keras import ops

from keras_gan import networks
from keras_gan.losses import (
    ebgan_discriminator_loss,
    ebgan_generator_loss,
    pulling_away_term,
    reconstruction_energy,
)
from keras_gan.models.base import AdversarialModel, float32_outputs


@keras.saving.register_keras_serializable(package="keras_gan")
class EBGAN(AdversarialModel):
    """EBGAN: the discriminator is an auto-encoder whose reconstruction error is an
    energy, low on real data and high elsewhere.

    `D(x) = mean over pixels of (Dec(Enc(x)) - x)^2`. The discriminator minimises
    `D(x) + [m - D(G(z))]^+` (margin loss, eq. 1) and the generator minimises
    `D(G(z)) + lambda_PT * f_PT(S)` (eq. 2 and 6), where the pulling-away term `f_PT`
    is the mean squared cosine similarity between the encoder embeddings `S` of
    different generated samples of the batch, which discourages mode collapse.

    Defaults: `pulling_away_weight = 0.1` (the paper's lambda_PT), Adam(2e-4,
    beta_1=0.5) for both networks (DCGAN's settings, which the paper's 64x64 models
    start from), and margin `m = 1`. The margin depends on how the energy is scaled:
    here it is a per-pixel mean squared error of images in [-1, 1], for which a
    reconstruction of an unrelated image costs about 0.5 to 2.

    The discriminator must return `"reconstruction"` (same shape as the image) and
    `"features"` (the embedding S): `keras_gan.networks.ebgan_discriminator`.

    Trackers: `d_loss`, `g_loss`, `d_real` / `d_fake` (mean energies of real and
    generated images), `pulling_away`.

    Args:
        generator, discriminator: networks to use instead of the default ones.
        latent_dim: size of z.
        margin: m of the hinge on generated images' energy.
        pulling_away_weight: lambda_PT (0 disables the term).
        image_shape, filters: of the default networks.
        **kwargs: `seed`, `discriminator_steps`, `ema_decay`, ... of
            `keras_gan.models.AdversarialModel` (no adversarial `loss`: the energy
            losses are EBGAN's).
    """

    tracked_losses = AdversarialModel.tracked_losses + ("pulling_away",)

    def __init__(self, generator=None, discriminator=None, latent_dim=100, *, margin=1.0,
                 pulling_away_weight=0.1, image_shape=(28, 28, 1), filters=64, **kwargs):
        for key in ("loss", "feature_matching", "packing", "label_smoothing"):
            if kwargs.get(key):
                raise ValueError(f"EBGAN does not take {key!r}: its losses are energies.")
            kwargs.pop(key, None)
        if generator is None:
            generator = networks.dcgan_generator(latent_dim, image_shape, filters)
        if discriminator is None:
            discriminator = networks.ebgan_discriminator(image_shape, filters)
        super().__init__(generator, discriminator, latent_dim, **kwargs)
        if float(margin) <= 0 or float(pulling_away_weight) < 0:
            raise ValueError(f"margin must be > 0 and pulling_away_weight >= 0; received "
                             f"{margin}, {pulling_away_weight}.")
        self.margin = float(margin)
        self.pulling_away_weight = float(pulling_away_weight)

    def discriminator_outputs(self, samples, labels=None, training=True):
        outputs = self.discriminator(samples, training=training)
        if not isinstance(outputs, dict) or "reconstruction" not in outputs:
            raise ValueError("EBGAN needs an auto-encoder discriminator with a "
                             "'reconstruction' output (keras_gan.networks.ebgan_discriminator).")
        outputs = float32_outputs(dict(outputs))
        outputs["energy"] = reconstruction_energy(samples, outputs["reconstruction"])
        return outputs

    def discriminator_losses(self, real, fake, labels=None, latent=None, training=True):
        real_energy = self.discriminator_outputs(real, training=training)["energy"]
        fake_energy = self.discriminator_outputs(fake, training=training)["energy"]
        return {
            "d_loss": ebgan_discriminator_loss(real_energy, fake_energy, self.margin),
            "d_real": ops.mean(real_energy),
            "d_fake": ops.mean(fake_energy),
        }

    def generator_losses(self, real, labels=None, training=True):
        latent = self.replica_latent(ops.shape(real)[0])
        fake = self.generate_samples(latent, training=training)
        outputs = self.discriminator_outputs(fake, training=training)
        pulling_away = pulling_away_term(outputs["features"])
        g_loss = ebgan_generator_loss(outputs["energy"])
        return {"g_loss": g_loss + self.pulling_away_weight * pulling_away,
                "pulling_away": pulling_away}

    def get_config(self):
        config = super().get_config()
        for key in ("loss", "feature_matching", "adversarial_weight", "packing"):
            config.pop(key, None)
        config.update(margin=self.margin, pulling_away_weight=self.pulling_away_weight)
        return config
