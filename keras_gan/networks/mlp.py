"""Fully connected generator and discriminator, as in the original GAN
(Goodfellow et al. 2014) and the 2D-mixture experiments of VEEGAN and PacGAN."""

import keras

from keras_gan.layers import Maxout
from keras_gan.networks.common import initializer as _initializer
from keras_gan.layers.fast_layers import BatchNormalization


def _hidden(units):
    units = tuple(int(u) for u in units)
    if not units or min(units) < 1:
        raise ValueError(f"hidden_units must be a non-empty list of positive sizes; got {units}.")
    return units


def mlp_generator(latent_dim, output_dim, hidden_units=(128, 128), activation="relu",
                  batch_norm=False, output_activation=None, kernel_initializer="glorot_uniform",
                  name="generator"):
    """Fully connected generator `z -> x`.

    Args:
        latent_dim: size of the noise vector `z`.
        output_dim: size of a sample (2 for the 2D mixtures).
        hidden_units: sizes of the hidden layers.
        activation: hidden activation (ReLU in the papers).
        batch_norm: BatchNormalization after each hidden layer (PacGAN's generator).
        output_activation: e.g. `"tanh"` or `"sigmoid"` for bounded data, None for 2D
            mixtures.
        kernel_initializer: initializer of every weight matrix (PacGAN's experiments
            draw them from N(0, 0.02)).
        name: model name.

    Returns:
        A functional `keras.Model` with input `(None, latent_dim)` and output
        `(None, output_dim)`.
    """
    z = keras.Input((int(latent_dim),), name="latent")
    x = z
    for i, units in enumerate(_hidden(hidden_units)):
        x = keras.layers.Dense(units, use_bias=not batch_norm,
                               kernel_initializer=_initializer(kernel_initializer),
                               name=f"dense_{i}")(x)
        if batch_norm:
            x = BatchNormalization(name=f"batch_norm_{i}")(x)
        x = keras.layers.Activation(activation, name=f"{activation}_{i}")(x)
    x = keras.layers.Dense(int(output_dim), activation=output_activation,
                           kernel_initializer=_initializer(kernel_initializer), name="samples")(x)
    return keras.Model(z, x, name=name)


def mlp_discriminator(input_dim, hidden_units=(128, 128), activation="leaky_relu",
                      dropout=0.0, packing=1, maxout_pieces=None,
                      kernel_initializer="glorot_uniform", name="discriminator"):
    """Fully connected discriminator `x -> logit`.

    Args:
        input_dim: size of one sample.
        hidden_units: sizes of the hidden layers.
        activation: hidden activation, used when `maxout_pieces` is None.
        dropout: dropout rate after each hidden layer (the original GAN used dropout).
        packing: PacGAN degree m (Lin et al. 2018): the network takes m samples
            concatenated, input size `m * input_dim`.
        maxout_pieces: if set, hidden layers are maxout units with that many pieces
            (Goodfellow et al. 2014; PacGAN used 5).
        kernel_initializer: initializer of every weight matrix.
        name: model name.

    Returns:
        A functional `keras.Model` with input `(None, packing * input_dim)` and one
        logit per (packed) sample, shape `(None, 1)`.
    """
    if packing < 1:
        raise ValueError(f"packing must be >= 1; got {packing}.")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1); got {dropout}.")
    x_in = keras.Input((int(input_dim) * int(packing),), name="samples")
    x = x_in
    for i, units in enumerate(_hidden(hidden_units)):
        if maxout_pieces:
            x = Maxout(units, pieces=maxout_pieces,
                       kernel_initializer=_initializer(kernel_initializer), name=f"maxout_{i}")(x)
        else:
            x = keras.layers.Dense(units, activation=activation,
                                   kernel_initializer=_initializer(kernel_initializer),
                                   name=f"dense_{i}")(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"dropout_{i}")(x)
    logits = keras.layers.Dense(1, kernel_initializer=_initializer(kernel_initializer),
                                name="logits")(x)
    return keras.Model(x_in, logits, name=name)
