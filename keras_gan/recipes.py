"""Ready-made experiments: the 2D-mixture setup of PacGAN (Lin et al. 2018).

The command line, the benchmarks and the applications build their models here, so the
configuration that the benchmark table reports is the one a user gets from
`keras-gan train`.
"""

import keras

from keras_gan import datasets, networks
from keras_gan.models import GAN, WGAN, WGANGP

__all__ = ["MIXTURE_MODELS", "mixture_model"]

MIXTURE_MODELS = ("gan", "wgan", "wgan_gp")


def mixture_model(name, packing=1, seed=None, learning_rate=1e-4):
    """A compiled model for a 2D mixture, with the networks of PacGAN's experiments.

    Generator: 2D Gaussian noise, four hidden layers of 400 ReLU units with batch
    normalisation, linear 2D output. Discriminator: three hidden layers of 200 maxout
    units with 5 pieces each and a linear output (the WGAN critic uses the same
    network). `packing` turns any of them into a PacGAN.

    Args:
        name: `"gan"`, `"wgan"` or `"wgan_gp"`.
        packing: PacGAN degree.
        seed: seed of the weights and of the training noise.
        learning_rate: Adam learning rate for GAN and WGAN-GP (WGAN keeps RMSprop 5e-5).

    Returns:
        A compiled `GAN`, `WGAN` or `WGANGP`.
    """
    if name not in MIXTURE_MODELS:
        raise ValueError(f"Unknown model {name!r}; choose one of {', '.join(MIXTURE_MODELS)}.")
    if seed is not None:
        keras.utils.set_random_seed(seed)
    generator = networks.mlp_generator(2, 2, hidden_units=(400,) * 4, batch_norm=True)
    discriminator = networks.mlp_discriminator(
        2, hidden_units=(200,) * 3, maxout_pieces=5, packing=packing
    )
    if name == "gan":
        model = GAN(generator, discriminator, latent_dim=2, packing=packing, seed=seed)
        model.compile(
            keras.optimizers.Adam(learning_rate, beta_1=0.5),
            keras.optimizers.Adam(learning_rate, beta_1=0.5),
        )
    elif name == "wgan":
        model = WGAN(generator, discriminator, latent_dim=2, packing=packing, seed=seed)
        model.compile()
    else:
        model = WGANGP(generator, discriminator, latent_dim=2, packing=packing, seed=seed)
        model.compile(
            keras.optimizers.Adam(learning_rate, beta_1=0.5, beta_2=0.9),
            keras.optimizers.Adam(learning_rate, beta_1=0.5, beta_2=0.9),
        )
    return model


def mixture_data(name, n=100_000, seed=None):
    """The mixture `name` (`"ring"` or `"grid"`) and `n` training samples from it."""
    mixture = datasets.get(name)
    return mixture, mixture.sample(n, seed=seed)
