"""Tiny models of every kind in the library, for the tests that go through all of them
(mixed precision, backup and restore): `build(name)` returns the model and the `fit`
arguments of a few steps on matching data. Networks are small and built with zero
initializers where that saves JAX compilations (see `randomized`)."""

import numpy as np

import keras

import keras_gan
from keras_gan import models, networks
from keras_gan.losses import PerceptualLoss

from conftest import ring_data, stripes_style_image, tiny_networks

IMAGE = dict(image_shape=(8, 8, 1), filters=4)


def images(n=16, seed=0, shape=(8, 8, 1)):
    return np.tanh(np.random.default_rng(seed).normal(size=(n,) + shape)).astype("float32")


def labels(n=16, seed=0):
    return np.random.default_rng(seed).integers(0, 3, n).astype("int32")


def sr_pairs(n=4, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.uniform(0, 1, (n, 8, 8, 3)).astype("float32"),
            rng.uniform(-1, 1, (n, 16, 16, 3)).astype("float32"))


def content_batch(n=2, size=16):
    y, x = np.mgrid[0:size, 0:size] / (size - 1.0)
    return np.stack([np.stack([x, y, (x + y) / 2], -1) * (0.5 + 0.2 * i)
                     for i in range(n)]).astype("float32")


ZEROS = {"kernel_initializer": "zeros"}


def randomized(net, seed=0, scale=0.5):
    """`net` with kernels drawn by numpy (std `scale / sqrt(fan_in)`): networks are
    built with zero initializers, since under JAX every random initializer of a new
    weight shape is one more XLA compilation."""
    rng = np.random.default_rng(seed)
    for v in net.trainable_variables:
        if len(v.shape) > 1:
            fan_in = np.prod(v.shape[:-1])
            v.assign((rng.normal(size=v.shape) * scale / np.sqrt(fan_in)).astype("float32"))
    return net


def build(name):
    """A tiny model of kind `name` under the current policy, and the `fit` arguments
    of a few steps for it."""
    keras.utils.set_random_seed(0)
    gan_fit = dict(x=ring_data(32), batch_size=16)
    image_fit = dict(x=images(), batch_size=8)
    if name in ("gan", "wgan", "wgan_gp"):
        cls = {"gan": keras_gan.GAN, "wgan": keras_gan.WGAN, "wgan_gp": keras_gan.WGANGP}[name]
        kwargs = {} if name == "gan" else {"discriminator_steps": 1}
        g, d = tiny_networks(batch_norm=name == "gan")
        return cls(g, d, latent_dim=2, seed=1, **kwargs), gan_fit
    if name == "dcgan":
        return models.DCGAN(latent_dim=4, **IMAGE, seed=1), image_fit
    if name == "improved_gan":  # Salimans et al. 2016: feature matching, historical
        # averaging, minibatch discrimination, virtual batch normalisation
        g = networks.dcgan_generator(4, (8, 8, 1), filters=4, virtual_batch_norm=4)
        d = networks.dcgan_discriminator((8, 8, 1), filters=4, minibatch_discrimination=(4, 2))
        return models.DCGAN(g, d, latent_dim=4, seed=1, feature_matching=1.0,
                            historical_averaging=0.1), image_fit
    if name in ("cgan", "acgan"):
        cls = models.CGAN if name == "cgan" else models.ACGAN
        return (cls(latent_dim=4, num_classes=3, **IMAGE, seed=1),
                dict(x=images(), y=labels(), batch_size=8))
    if name == "infogan":
        return models.InfoGAN(latent_dim=4, categorical_codes=(3,), continuous_codes=1,
                              **IMAGE, seed=1), image_fit
    if name == "ebgan":
        return models.EBGAN(latent_dim=4, **IMAGE, seed=1), image_fit
    if name in ("srgan", "esrgan"):
        lr, hr = sr_pairs()
        generator = randomized(networks.srresnet(scale=2, blocks=1, filters=4, **ZEROS))
        if name == "srgan":
            discriminator = randomized(
                networks.srgan_discriminator((16, 16, 3), filters=4, **ZEROS))
            perceptual = PerceptualLoss(("block1_conv2",), weights=None)
            return (models.SRGAN(generator=generator, discriminator=discriminator, scale=2,
                                 perceptual_loss=perceptual), dict(x=lr, y=hr, batch_size=2))
        # the VGG perceptual path is SRGAN's; ESRGAN adds the RRDB generator and the
        # relativistic loss (real logits in the generator's loss)
        generator = randomized(networks.rrdb_net(2, 1, 4, 4, block_initializer="zeros",
                                                  **ZEROS))
        discriminator = randomized(
            networks.esrgan_discriminator((32, 32, 3), filters=4, **ZEROS))
        perceptual = None
        hr = np.clip(np.repeat(np.repeat((hr + 1) / 2, 2, 1), 2, 2), 0, 1)
        lr = np.repeat(np.repeat(lr, 2, 1), 2, 2)
        return (models.ESRGAN(generator=generator, discriminator=discriminator, scale=2,
                              perceptual_loss=perceptual), dict(x=lr, y=hr, batch_size=2))
    if name == "fast_style_transfer":
        transformer = randomized(networks.transformer_net(filters=4, residual_blocks=1,
                                                           **ZEROS))
        return (models.FastStyleTransfer(stripes_style_image(), transformer=transformer,
                                         weights=None, style_layers=("block1_conv2",),
                                         content_layers=("block1_conv2",)),
                dict(x=content_batch(), batch_size=2))
    assert name == "style_transfer"
    content = (np.random.default_rng(0).uniform(0, 255, (16, 16, 3))).astype("uint8")
    return (models.StyleTransfer(content, stripes_style_image(), weights=None,
                                 content_layers=("block1_conv2",),
                                 style_layers=("block1_conv1", "block1_conv2")),
            dict(steps_per_epoch=2))


def trained_networks(model):
    if isinstance(model, models.StyleTransfer):
        return {"image": [model.image_variable]}
    if isinstance(model, models.FastStyleTransfer):
        return {"transformer": model.transformer.trainable_variables}
    return {"generator": model.generator.trainable_variables,
            "discriminator": model.discriminator.trainable_variables}


ALL_MODELS = ("gan", "wgan", "wgan_gp", "dcgan", "improved_gan", "cgan", "acgan", "infogan",
              "ebgan", "srgan", "esrgan", "fast_style_transfer", "style_transfer")
