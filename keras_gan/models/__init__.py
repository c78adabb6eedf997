"""GAN models: keras.Model subclasses trained with `fit`."""

from keras_gan.models.base import AdversarialModel, pack
from keras_gan.models.gan import GAN
from keras_gan.models.wgan import WGAN, WGANGP
