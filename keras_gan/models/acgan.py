"""Auxiliary classifier GAN (Odena, Olah & Shlens 2017, "Conditional Image Synthesis
with Auxiliary Classifier GANs")."""

import keras

from keras_gan import networks
from keras_gan.losses import categorical_crossentropy_from_logits
from keras_gan.models.base import AdversarialModel
from keras_gan.models.conditional import ConditionalModel


@keras.saving.register_keras_serializable(package="keras_gan")
class ACGAN(ConditionalModel):
    """ACGAN: a class-conditional generator `G(z, c)` and a discriminator with two
    heads, the source (real / fake) and the class.

    With `L_S` the log-likelihood of the correct source and `L_C` that of the correct
    class, on real and on generated images (the paper's eq. 2-3), the discriminator
    maximises `L_S + L_C` and the generator maximises `L_C - L_S`. Here, as losses to
    minimise: `d_loss = adversarial + class_weight * (CE(c, C(x)) + CE(c, C(G(z, c))))`
    and `g_loss = adversarial + class_weight * CE(c, C(G(z, c)))`, with the
    non-saturating adversarial loss by default. Defaults: Adam(2e-4, beta_1=0.5) for
    both networks (the paper's appendix), DCGAN-style networks with the class
    embedding joined to z and a `"class_logits"` head on the discriminator.

    Extra trackers: `d_class` (class loss of D on real + fake), `g_class`,
    `class_accuracy` (D's accuracy on real images).

    Args:
        generator, discriminator: networks to use instead of the default ones (the
            discriminator must have a `"class_logits"` output).
        latent_dim: size of z (110 in the paper's ImageNet model, 100 here).
        num_classes: number of classes.
        class_weight: weight of the class losses (1 in the paper).
        image_shape, filters, spectral_norm: of the default networks.
        **kwargs: as for `keras_gan.models.AdversarialModel`.
    """

    tracked_losses = AdversarialModel.tracked_losses + ("d_class", "g_class", "class_accuracy")

    def __init__(self, generator=None, discriminator=None, latent_dim=100, *, num_classes,
                 class_weight=1.0, image_shape=(28, 28, 1), filters=64, spectral_norm=False,
                 **kwargs):
        if generator is None:
            generator = networks.dcgan_generator(latent_dim, image_shape, filters,
                                                 num_classes=num_classes)
        if discriminator is None:
            discriminator = networks.dcgan_discriminator(image_shape, filters,
                                                         class_head=num_classes,
                                                         spectral_norm=spectral_norm)
        super().__init__(generator, discriminator, latent_dim, num_classes=num_classes,
                         **kwargs)
        self.class_weight = float(class_weight)

    def _class_logits(self, outputs):
        if "class_logits" not in outputs:
            raise ValueError("ACGAN needs a discriminator with a 'class_logits' output "
                             "(e.g. dcgan_discriminator(..., class_head=num_classes)).")
        return outputs["class_logits"]

    def discriminator_losses(self, real, fake, labels=None, latent=None, training=True):
        values = super().discriminator_losses(real, fake, labels, latent, training=training)
        real_class = self._class_logits(values["real_outputs"])
        fake_class = self._class_logits(values["fake_outputs"])
        d_class = (categorical_crossentropy_from_logits(labels, real_class)
                   + categorical_crossentropy_from_logits(labels, fake_class))
        predicted = keras.ops.argmax(real_class, axis=-1)
        values["class_accuracy"] = keras.ops.mean(
            keras.ops.cast(keras.ops.equal(predicted, keras.ops.cast(labels, predicted.dtype)),
                           "float32"))
        values["d_class"] = d_class
        values["d_loss"] = values["d_loss"] + self.class_weight * d_class
        return values

    def generator_losses(self, real, labels=None, training=True):
        values = super().generator_losses(real, labels, training=training)
        g_class = categorical_crossentropy_from_logits(
            labels, self._class_logits(values["fake_outputs"]))
        values["g_class"] = g_class
        values["g_loss"] = values["g_loss"] + self.class_weight * g_class
        return values

    def get_config(self):
        config = super().get_config()
        config["class_weight"] = self.class_weight
        return config
