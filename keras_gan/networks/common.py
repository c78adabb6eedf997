"""Helpers shared by the network builders."""

import keras

from keras_gan.layers import SpectralNormalization
from keras_gan.layers.fast_layers import BatchNormalization, Conv2D


def initializer(spec):
    """A fresh initializer for one layer. Keras draws the same values every time one
    unseeded initializer instance is called, so layers that shared one instance would
    all start from the same draw; a copy made from its config gets a seed of its own
    (an initializer given an explicit seed keeps it)."""
    init = keras.initializers.get(spec)
    return type(init).from_config(init.get_config())


def dcgan_init():
    """The DCGAN weight initialisation: N(0, 0.02) (Radford et al. 2016)."""
    return keras.initializers.RandomNormal(mean=0.0, stddev=0.02)


def maybe_spectral_norm(layer, spectral_norm):
    """`layer` wrapped in spectral normalisation (Miyato et al. 2018) when
    `spectral_norm`, else `layer` itself."""
    return SpectralNormalization(layer, name=f"{layer.name}_sn") if spectral_norm else layer


def discriminator_conv(x, filters, kernel_size, strides, name, normalize, spectral_norm=False,
                       kernel_initializer=None):
    """One convolutional stage of the DCGAN (Radford et al. 2016), SRGAN (Ledig et al.
    2017) and ESRGAN (Wang et al. 2018) discriminators: Conv2D ("same" padding;
    spectrally normalised when `spectral_norm`), batch normalisation when `normalize`
    (the convolution then has no bias), LeakyReLU(0.2). The layers are named `name`,
    `name_bn` and `name_lrelu`."""
    conv = Conv2D(filters, kernel_size, strides=strides, padding="same",
                               use_bias=not normalize,
                               kernel_initializer=initializer(kernel_initializer), name=name)
    x = maybe_spectral_norm(conv, spectral_norm)(x)
    if normalize:
        x = BatchNormalization(name=f"{name}_bn")(x)
    return keras.layers.LeakyReLU(0.2, name=f"{name}_lrelu")(x)
