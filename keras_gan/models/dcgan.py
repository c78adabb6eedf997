"""DCGAN (Radford, Metz & Chintala 2016, "Unsupervised Representation Learning with
Deep Convolutional Generative Adversarial Networks")."""

import keras

from keras_gan import networks
from keras_gan.models.gan import GAN


@keras.saving.register_keras_serializable(package="keras_gan")
class DCGAN(GAN):
    """Deep convolutional GAN with the paper's architecture and training settings.

    The networks default to `keras_gan.networks.dcgan_generator` and
    `dcgan_discriminator` for `image_shape` (strided transposed / plain convolutions,
    batch norm except at the generator's output and the discriminator's input, ReLU and
    tanh in G, LeakyReLU(0.2) in D, N(0, 0.02) weights); the loss is the
    non-saturating GAN loss and both optimizers are Adam(2e-4, beta_1=0.5), the
    paper's settings (section 4). Images are expected in [-1, 1].

    SNGAN (Miyato et al. 2018): `DCGAN(spectral_norm=True, loss="hinge")` wraps every
    layer of the discriminator in spectral normalisation (without batch norm) and
    trains with the hinge loss.

    Every technique of `AdversarialModel` composes with it: `packing`,
    `label_smoothing`, `feature_matching`, `historical_averaging`, `ema_decay`,
    `discriminator_steps`.

    Args:
        generator, discriminator: networks to use instead of the default ones.
        latent_dim: size of z (100 in the paper).
        image_shape: `(height, width, channels)`, a side of `4 * 2^k` or 28.
        filters: width of the default networks (64 gives 512-256-128-64 at 64x64; the
            paper's generator is `filters=128`).
        spectral_norm: spectral normalisation in the default discriminator.
        minibatch_discrimination: `(num_kernels, kernel_dim)` for the default
            discriminator (Salimans et al. 2016).
        **kwargs: `loss`, `discriminator_steps`, `label_smoothing`, `packing`, `seed`,
            ... of `keras_gan.models.AdversarialModel`.

    Example:

    ```python
    images, _ = keras_gan.datasets.shapes(10_000, image_size=32, seed=0)
    gan = keras_gan.models.DCGAN(image_shape=(32, 32, 3))
    gan.compile()
    gan.fit(images, batch_size=64, epochs=5,
            callbacks=[keras_gan.callbacks.SampleGrid(out_dir="samples")])
    ```
    """

    def __init__(self, generator=None, discriminator=None, latent_dim=100, *,
                 image_shape=(64, 64, 3), filters=64, spectral_norm=False,
                 minibatch_discrimination=None, packing=1, **kwargs):
        if generator is None:
            generator = networks.dcgan_generator(latent_dim, image_shape, filters)
        if discriminator is None:
            discriminator = networks.dcgan_discriminator(
                image_shape, filters, packing=packing, spectral_norm=spectral_norm,
                minibatch_discrimination=minibatch_discrimination,
            )
        super().__init__(generator, discriminator, latent_dim, packing=packing, **kwargs)
