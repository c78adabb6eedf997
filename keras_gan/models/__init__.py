"""GAN models: keras.Model subclasses trained with `fit`."""

from keras_gan.models.acgan import ACGAN
from keras_gan.models.base import AdversarialModel, pack
from keras_gan.models.cgan import CGAN
from keras_gan.models.conditional import ConditionalModel
from keras_gan.models.dcgan import DCGAN
from keras_gan.models.ebgan import EBGAN
from keras_gan.models.gan import GAN
from keras_gan.models.infogan import InfoGAN
from keras_gan.models.wgan import WGAN, WGANGP
from keras_gan.models.style_transfer import StyleTransfer
from keras_gan.models.super_resolution import (
    ESRGAN,
    SRGAN,
    SuperResolutionGAN,
    interpolate_weights,
)
from keras_gan.models.fast_style_transfer import FastStyleTransfer
