"""The RRDB generator (RRDBNet) and the VGG-style discriminator of ESRGAN (Wang et al.
2018, "ESRGAN: Enhanced Super-Resolution Generative Adversarial Networks", section 3.1
and the authors' code, BasicSR `RRDBNet` / `VGGStyleDiscriminator`).

Value ranges, as in ESRGAN: the low-resolution input and the high-resolution target are
in [0, 1]. The generator has no output activation (its output is linear, approximately
in [0, 1]; clip it for display), so it also works unchanged with another range, e.g.
[-1, 1], if the training pairs use it. The discriminator takes images in the range of
the generator's output.
"""

import keras

from keras_gan.layers import RRDB
from keras_gan.layers.rrdb import rrdb_init
from keras_gan.networks.common import discriminator_conv, initializer
from keras_gan.networks.srresnet import upsampling_steps
from keras_gan.layers.fast_layers import Conv2D

__all__ = ["esrgan_discriminator", "rrdb_net"]


def rrdb_net(scale=4, blocks=23, filters=64, growth=32, channels=3,
             kernel_initializer="glorot_uniform", block_initializer=None, name="rrdb_net"):
    """ESRGAN's generator (RRDBNet), `low-resolution image -> scale x larger image`.

    A 3x3 convolution to `filters` channels; a trunk of `blocks` residual-in-residual
    dense blocks (`keras_gan.layers.RRDB`: 3 dense blocks of 5 convolutions with
    `growth` channels, residual scaling 0.2) and a 3x3 convolution, added to the first
    convolution's output (the long skip); `log2(scale)` upsampling stages of
    nearest-neighbour x2 interpolation, a 3x3 convolution and LeakyReLU(0.2); a 3x3
    convolution with LeakyReLU(0.2) and a 3x3 convolution to `channels`, linear. No
    batch normalisation anywhere (section 3.1). `rrdb_net(4, 23)` is ESRGAN's x4
    network: 16,697,987 parameters, the "16.7M" of the paper's code.

    The input is `(None, None, channels)`: one model upscales images of any size.
    Input and output in [0, 1] as in ESRGAN (the output is linear, see the module
    docstring).

    Args:
        scale: upscaling factor, a power of two (4).
        blocks: number of RRDBs in the trunk (23).
        filters: channels of the trunk (64).
        growth: growth channels of the dense blocks (32).
        channels: of the input and output images (3).
        kernel_initializer: of the convolutions outside the RRDBs.
        block_initializer: of the convolutions inside the RRDBs; default
            `keras_gan.layers.rrdb.rrdb_init()`, He normal scaled by 0.1 (ESRGAN's
            "smaller initialization").
        name: model name.

    Returns:
        A functional `keras.Model` `(N, H, W, channels) -> (N, scale*H, scale*W, channels)`.
    """
    steps = upsampling_steps(scale)
    if int(blocks) < 0 or int(filters) < 1 or int(growth) < 1 or int(channels) < 1:
        raise ValueError("rrdb_net needs blocks >= 0 and filters, growth, channels >= 1; "
                         f"received blocks={blocks}, filters={filters}, growth={growth}, "
                         f"channels={channels}.")
    filters, channels = int(filters), int(channels)
    block_initializer = block_initializer or rrdb_init()

    def conv(units, layer_name):
        return Conv2D(units, 3, padding="same",
                                   kernel_initializer=initializer(kernel_initializer),
                                   name=layer_name)

    def lrelu(layer_name):
        return keras.layers.LeakyReLU(0.2, name=layer_name)

    low_res = keras.Input((None, None, channels), name="low_resolution")
    features = x = conv(filters, "conv_first")(low_res)
    for b in range(1, int(blocks) + 1):
        x = RRDB(int(growth), 0.2, kernel_initializer=initializer(block_initializer),
                 name=f"rrdb_{b}")(x)
    x = conv(filters, "conv_body")(x)
    x = keras.layers.Add(name="long_skip")([features, x])
    for s in range(1, steps + 1):
        x = keras.layers.UpSampling2D(2, interpolation="nearest", name=f"upsample_{s}")(x)
        x = lrelu(f"upsample_{s}_lrelu")(conv(filters, f"upsample_{s}_conv")(x))
    x = lrelu("conv_hr_lrelu")(conv(filters, "conv_hr")(x))
    high_res = conv(channels, "high_resolution")(x)
    return keras.Model(low_res, high_res, name=name)


def esrgan_discriminator(image_shape=(128, 128, 3), filters=64,
                         kernel_initializer="glorot_uniform", name="discriminator"):
    """ESRGAN's VGG-style discriminator, `image -> logit` (the authors' code, BasicSR
    `VGGStyleDiscriminator` for 128x128 crops).

    Five stages of a 3x3 convolution (stride 1) and a 4x4 convolution (stride 2) with
    `filters * (1, 2, 4, 8, 8)` channels, ten convolutions in all, each followed by
    batch normalisation (except the first) and LeakyReLU(0.2); the flattened map
    (4x4x512 for 128x128 crops) goes through a dense layer of 100 units, LeakyReLU(0.2)
    and a dense layer of one unit, the logit: 14,499,401 trainable parameters for
    128x128 crops. ESRGAN trains it with the relativistic average loss
    (`keras_gan.losses`), which takes logits.

    Args:
        image_shape: `(height, width, channels)` of the high-resolution crops (128x128x3).
        filters: channels of the first stage (64).
        kernel_initializer: of every convolution and dense layer.
        name: model name.

    Returns:
        A functional `keras.Model` `(N, height, width, channels) -> (N, 1)` logits.
    """
    if len(image_shape) != 3 or any(int(d) < 1 for d in image_shape):
        raise ValueError(f"image_shape must be (height, width, channels); received {image_shape}.")
    images = keras.Input(tuple(int(d) for d in image_shape), name="images")
    x = images
    for stage, multiple in enumerate((1, 2, 4, 8, 8)):
        for i, (kernel, strides) in enumerate(((3, 1), (4, 2))):
            x = discriminator_conv(x, int(filters) * multiple, kernel, strides,
                                   f"conv{stage}_{i}", normalize=stage > 0 or i > 0,
                                   kernel_initializer=kernel_initializer)
    x = keras.layers.Flatten(name="features")(x)
    x = keras.layers.Dense(100, kernel_initializer=initializer(kernel_initializer),
                           name="dense")(x)
    x = keras.layers.LeakyReLU(0.2, name="dense_lrelu")(x)
    logits = keras.layers.Dense(1, kernel_initializer=initializer(kernel_initializer),
                                name="logits")(x)
    return keras.Model(images, logits, name=name)
