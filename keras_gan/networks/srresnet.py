"""The SRResNet generator and the SRGAN discriminator (Ledig et al. 2017, "Photo-Realistic
Single Image Super-Resolution Using a Generative Adversarial Network", figure 4).

Value ranges, as in the paper (section 3.2): the low-resolution input is in [0, 1], the
generator's output (tanh) and the high-resolution images are in [-1, 1]. The
discriminator takes images in the range of the generator's output, [-1, 1].
"""

import math

import keras

from keras_gan.layers import PixelShuffle
from keras_gan.networks.common import discriminator_conv, initializer, maybe_spectral_norm
from keras_gan.layers.fast_layers import BatchNormalization, Conv2D

__all__ = ["srgan_discriminator", "srresnet", "upsampling_steps"]


def upsampling_steps(scale):
    """The number of x2 upsampling stages for an upscaling factor `scale` (a power of
    two >= 2): `log2(scale)`. Raises a ValueError for any other scale."""
    steps = int(round(math.log2(scale))) if isinstance(scale, int) and scale >= 2 else 0
    if steps < 1 or 2 ** steps != scale:
        raise ValueError(f"scale must be a power of two >= 2 (2, 4, 8, ...); received {scale!r}.")
    return steps


def srresnet(scale=4, blocks=16, filters=64, channels=3, kernel_initializer="glorot_uniform",
             name="srresnet"):
    """The SRResNet generator of SRGAN, `low-resolution image -> scale x larger image`.

    Ledig et al. 2017, figure 4 (top): a 9x9 convolution with PReLU; `blocks` residual
    blocks `x + BN(conv(PReLU(BN(conv(x)))))` (3x3, `filters` channels); a 3x3
    convolution with batch normalisation added to the output of the first layer (the
    long skip connection); `log2(scale)` upsampling stages of a 3x3 convolution to
    `4 * filters` channels, a sub-pixel shuffle x2 (`PixelShuffle`, Shi et al. 2016)
    and PReLU; a 9x9 convolution to `channels` with tanh.

    Every PReLU learns one slope per channel (`shared_axes=[1, 2]`). Convolutions
    followed by batch normalisation have no bias (it would be cancelled).

    The input is `(None, None, channels)`: one model upscales images of any size.
    Input range [0, 1] (the low-resolution image scaled as in the paper); output range
    [-1, 1] (tanh), to be compared with high-resolution images scaled to [-1, 1].
    `srresnet(4, 16, 64)` is the paper's x4 network: 1,548,547 trainable parameters
    (1,552,771 with the batch-normalisation statistics), the "1.5M" usually quoted.

    Args:
        scale: upscaling factor, a power of two (4 in the paper).
        blocks: number of residual blocks B (16).
        filters: channels of the trunk (64).
        channels: of the input and output images (3).
        kernel_initializer: of every convolution.
        name: model name.

    Returns:
        A functional `keras.Model` `(N, H, W, channels) -> (N, scale*H, scale*W, channels)`.
    """
    steps = upsampling_steps(scale)
    if int(blocks) < 0 or int(filters) < 1 or int(channels) < 1:
        raise ValueError("srresnet needs blocks >= 0, filters >= 1 and channels >= 1; received "
                         f"blocks={blocks}, filters={filters}, channels={channels}.")
    filters, channels = int(filters), int(channels)

    def conv(units, kernel, layer_name, bias=True):
        return Conv2D(units, kernel, padding="same", use_bias=bias,
                                   kernel_initializer=initializer(kernel_initializer),
                                   name=layer_name)

    def prelu(layer_name):
        return keras.layers.PReLU(shared_axes=[1, 2], name=layer_name)

    low_res = keras.Input((None, None, channels), name="low_resolution")
    x = conv(filters, 9, "conv_in")(low_res)
    skip = x = prelu("conv_in_prelu")(x)
    for b in range(1, int(blocks) + 1):
        y = conv(filters, 3, f"block_{b}_conv_1", bias=False)(x)
        y = BatchNormalization(name=f"block_{b}_bn_1")(y)
        y = prelu(f"block_{b}_prelu")(y)
        y = conv(filters, 3, f"block_{b}_conv_2", bias=False)(y)
        y = BatchNormalization(name=f"block_{b}_bn_2")(y)
        x = keras.layers.Add(name=f"block_{b}_add")([x, y])
    x = conv(filters, 3, "trunk_conv", bias=False)(x)
    x = BatchNormalization(name="trunk_bn")(x)
    x = keras.layers.Add(name="long_skip")([skip, x])
    for s in range(1, steps + 1):
        x = conv(4 * filters, 3, f"upsample_{s}_conv")(x)
        x = PixelShuffle(2, name=f"upsample_{s}_shuffle")(x)
        x = prelu(f"upsample_{s}_prelu")(x)
    x = conv(channels, 9, "conv_out")(x)
    high_res = keras.layers.Activation("tanh", name="high_resolution")(x)
    return keras.Model(low_res, high_res, name=name)


def srgan_discriminator(image_shape=(96, 96, 3), filters=64, spectral_norm=False,
                        kernel_initializer="glorot_uniform", name="discriminator"):
    """The SRGAN discriminator, `image -> logit` (Ledig et al. 2017, figure 4, bottom).

    Eight 3x3 convolutions with `filters * (1, 1, 2, 2, 4, 4, 8, 8)` channels (64 to
    512) and strides alternating 1, 2 (the side is halved four times), LeakyReLU(0.2)
    after each and batch normalisation on all but the first; then a dense layer of 1024
    units, LeakyReLU(0.2) and a dense layer of one unit. The paper ends with a sigmoid;
    this network returns the logit, which the adversarial losses of `keras_gan.losses`
    take. For 96x96 crops (the paper's) the flattened features are 6x6x512 and the
    network has 23,563,649 trainable parameters, most of them (18.9M) in the first
    dense layer.

    Images are in the generator's output range, [-1, 1].

    Args:
        image_shape: `(height, width, channels)` of the high-resolution crops (96x96x3).
        filters: channels of the first convolutions (64).
        spectral_norm: wrap every convolution and dense layer in spectral normalisation
            and drop batch normalisation (Miyato et al. 2018), as
            `dcgan_discriminator` does.
        kernel_initializer: of every convolution and dense layer.
        name: model name.

    Returns:
        A functional `keras.Model` `(N, height, width, channels) -> (N, 1)` logits.
    """
    if len(image_shape) != 3 or any(int(d) < 1 for d in image_shape):
        raise ValueError(f"image_shape must be (height, width, channels); received {image_shape}.")
    images = keras.Input(tuple(int(d) for d in image_shape), name="images")
    x = images
    for i, multiple in enumerate((1, 1, 2, 2, 4, 4, 8, 8)):
        x = discriminator_conv(x, int(filters) * multiple, 3, 1 + i % 2, f"conv_{i + 1}",
                               normalize=i > 0 and not spectral_norm,
                               spectral_norm=spectral_norm, kernel_initializer=kernel_initializer)
    x = keras.layers.Flatten(name="features")(x)

    def dense(units, layer_name, source):
        layer = keras.layers.Dense(units, kernel_initializer=initializer(kernel_initializer),
                                   name=layer_name)
        return maybe_spectral_norm(layer, spectral_norm)(source)

    x = keras.layers.LeakyReLU(0.2, name="dense_lrelu")(dense(1024, "dense", x))
    return keras.Model(images, dense(1, "logits", x), name=name)
