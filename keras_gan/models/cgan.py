"""Conditional GAN (Mirza & Osindero 2014, "Conditional Generative Adversarial Nets")."""

import keras

from keras_gan import networks
from keras_gan.models.conditional import ConditionalModel


@keras.saving.register_keras_serializable(package="keras_gan")
class CGAN(ConditionalModel):
    """Conditional GAN: both networks receive the class label y,
    `min_G max_D E[log D(x|y)] + E[log(1 - D(G(z|y)|y))]` (Mirza & Osindero 2014, eq. 2).

    The label's learned embedding is joined to the noise in the generator and, as an
    extra image channel, to the discriminator's input (`dcgan_generator` /
    `dcgan_discriminator` with `num_classes`). The paper's own networks were fully
    connected (MNIST: maxout discriminator, SGD with momentum and dropout); the
    default networks here are the DCGAN convolutional ones with the DCGAN optimizers,
    Adam(2e-4, beta_1=0.5), which train reliably on images; pass your own networks
    and optimizers for the paper's setting.

    Args:
        generator, discriminator: conditional networks (`[latent, label]` and
            `[image, label]` inputs) to use instead of the default ones.
        latent_dim: size of z (100 in the paper).
        num_classes: number of classes.
        image_shape: `(height, width, channels)` of the default networks.
        filters: width of the default networks.
        spectral_norm: spectral normalisation in the default discriminator.
        **kwargs: `loss`, `label_smoothing`, `feature_matching`, ... of
            `keras_gan.models.AdversarialModel`.
    """

    def __init__(self, generator=None, discriminator=None, latent_dim=100, *, num_classes,
                 image_shape=(28, 28, 1), filters=64, spectral_norm=False, **kwargs):
        if generator is None:
            generator = networks.dcgan_generator(latent_dim, image_shape, filters,
                                                 num_classes=num_classes)
        if discriminator is None:
            discriminator = networks.dcgan_discriminator(image_shape, filters,
                                                         num_classes=num_classes,
                                                         spectral_norm=spectral_norm)
        super().__init__(generator, discriminator, latent_dim, num_classes=num_classes,
                         **kwargs)
        if not self._discriminator_takes_labels:
            raise ValueError("CGAN needs a discriminator with two inputs, [image, label].")
