"""Reusable layers."""

from keras_gan.layers.maxout import Maxout
from keras_gan.layers.minibatch_discrimination import MinibatchDiscrimination
from keras_gan.layers.virtual_batch_norm import (
    DropReferenceBatch,
    PrependReferenceBatch,
    VirtualBatchNormalization,
    with_reference_batch,
)
from keras_gan.layers.spectral_normalization import SpectralNormalization
from keras_gan.layers.pixel_shuffle import PixelShuffle
from keras_gan.layers.rrdb import RRDB, ResidualDenseBlock
from keras_gan.layers.instance_norm import InstanceNormalization
from keras_gan.layers.fast_layers import (
    BatchNormalization,
    Conv2D,
    Conv2DTranspose,
    MaxPooling2D,
)
