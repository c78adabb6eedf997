"""Generator and discriminator builders returning plain functional Keras models."""

from keras_gan.networks.mlp import mlp_discriminator, mlp_generator
from keras_gan.networks.dcgan import (
    dcgan_discriminator,
    dcgan_generator,
    ebgan_discriminator,
    upsampling_plan,
)
from keras_gan.networks.srresnet import srgan_discriminator, srresnet, upsampling_steps
from keras_gan.networks.rrdb import esrgan_discriminator, rrdb_net
from keras_gan.networks.transformer import transformer_net
