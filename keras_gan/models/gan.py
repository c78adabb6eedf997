"""The original GAN (Goodfellow et al. 2014, "Generative Adversarial Nets")."""

import keras

from keras_gan.models.base import AdversarialModel


@keras.saving.register_keras_serializable(package="keras_gan")
class GAN(AdversarialModel):
    """Generative adversarial network of Goodfellow et al. 2014.

    A generator G and a discriminator D play the minimax game
    `min_G max_D E[log D(x)] + E[log(1 - D(G(z)))]`, with `discriminator_steps` (k)
    updates of D per update of G (Algorithm 1 of the paper; the paper used k = 1).
    `loss="non_saturating"` (default) trains G to maximise `log D(G(z))`, as the paper
    recommends in practice; `loss="minimax"` uses the saturating `log(1 - D(G(z)))`.
    Any other loss of `keras_gan.losses` can be chosen, and `packing=m` makes it a
    PacGAN (Lin et al. 2018, "PacGAN: The power of two samples in generative
    adversarial networks"): the discriminator judges m samples jointly.

    Default optimizers: Adam(2e-4, beta_1=0.5) for both networks (the DCGAN settings;
    the 2014 paper used SGD with momentum).

    Example:

    ```python
    import keras_gan
    data = keras_gan.datasets.ring()
    gan = keras_gan.models.GAN(
        keras_gan.networks.mlp_generator(2, 2, batch_norm=True),
        keras_gan.networks.mlp_discriminator(2),
        latent_dim=2,
    )
    gan.compile()
    gan.fit(data.sample(50_000, seed=0), batch_size=256, epochs=10)
    samples = gan.generate(2500, seed=0)
    print(data.evaluate(samples))
    ```
    """
