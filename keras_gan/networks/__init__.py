"""Generator and discriminator builders returning plain functional Keras models."""

from keras_gan.networks.mlp import mlp_discriminator, mlp_generator
