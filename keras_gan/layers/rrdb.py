"""The residual-in-residual dense block of ESRGAN (Wang et al. 2018, "ESRGAN: Enhanced
Super-Resolution Generative Adversarial Networks", section 3.1 and figure 4): dense
blocks of convolutions without batch normalisation, each a scaled residual, three of
them nested in one more scaled residual."""

import keras
from keras import ops
from keras_gan.layers.fast_layers import Conv2D

__all__ = ["RRDB", "ResidualDenseBlock", "rrdb_init"]


def rrdb_init():
    """ESRGAN's initialisation of the dense-block convolutions: He (Kaiming) normal
    scaled by 0.1 (section 3.1, "smaller initialization"; `default_init_weights(...,
    0.1)` in the authors' code), i.e. N(0, 0.02 / fan_in)."""
    return keras.initializers.VarianceScaling(scale=0.02, mode="fan_in",
                                              distribution="untruncated_normal")


def _initializer(spec):
    """A fresh initializer per convolution: `keras_gan.networks.common.initializer`,
    imported when called because `keras_gan.networks` imports this package."""
    from keras_gan.networks.common import initializer

    return initializer(spec)


@keras.saving.register_keras_serializable(package="keras_gan")
class ResidualDenseBlock(keras.layers.Layer):
    """Residual dense block: five 3x3 convolutions with dense connections, a scaled
    residual (Wang et al. 2018, figure 4).

        x1 = lrelu(conv1(x))
        x2 = lrelu(conv2([x, x1]))
        x3 = lrelu(conv3([x, x1, x2]))
        x4 = lrelu(conv4([x, x1, x2, x3]))
        x5 = conv5([x, x1, x2, x3, x4])
        output = x + residual_scale * x5

    `[...]` is concatenation along the channels, lrelu is LeakyReLU(0.2). conv1-conv4
    have `growth` filters, conv5 as many as the input (so that the residual can be
    added); there is no batch normalisation. All convolutions are 3x3, stride 1,
    "same" padding, with biases. The spatial sizes may be dynamic; the channels must be
    known when the layer is built.

    Args:
        growth: filters of conv1-conv4, the growth channels (32 in ESRGAN).
        residual_scale: beta, the factor of the residual branch (0.2).
        kernel_initializer: of the convolutions; by default `rrdb_init()` (He normal
            x 0.1, as ESRGAN).
        negative_slope: of the LeakyReLU (0.2).

    Returns (when called):
        A tensor of the input's shape.
    """

    def __init__(self, growth=32, residual_scale=0.2, kernel_initializer=None,
                 negative_slope=0.2, **kwargs):
        super().__init__(**kwargs)
        if int(growth) < 1:
            raise ValueError(f"ResidualDenseBlock needs growth >= 1; got {growth}.")
        self.growth = int(growth)
        self.residual_scale = float(residual_scale)
        self.negative_slope = float(negative_slope)
        self.kernel_initializer = keras.initializers.get(kernel_initializer or rrdb_init())

    def build(self, input_shape):
        channels = input_shape[-1]
        if len(input_shape) != 4 or channels is None:
            raise ValueError("ResidualDenseBlock expects channels-last images with known "
                             f"channels; got shape {tuple(input_shape)}.")
        channels = int(channels)
        self.convs = []
        for i in range(5):
            conv = Conv2D(
                self.growth if i < 4 else channels, 3, padding="same",
                kernel_initializer=_initializer(self.kernel_initializer),
                dtype=self.dtype_policy, name=f"conv{i + 1}",
            )
            conv.build(tuple(input_shape[:3]) + (channels + i * self.growth,))
            self.convs.append(conv)

    def call(self, inputs):
        features = [inputs]
        for conv in self.convs[:4]:
            x = conv(features[0] if len(features) == 1 else ops.concatenate(features, axis=-1))
            features.append(ops.leaky_relu(x, negative_slope=self.negative_slope))
        x = self.convs[4](ops.concatenate(features, axis=-1))
        return inputs + ops.cast(self.residual_scale, x.dtype) * x

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            growth=self.growth,
            residual_scale=self.residual_scale,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
            negative_slope=self.negative_slope,
        )
        return config


@keras.saving.register_keras_serializable(package="keras_gan")
class RRDB(keras.layers.Layer):
    """Residual-in-residual dense block (Wang et al. 2018, figure 4): `blocks` residual
    dense blocks in sequence, themselves a scaled residual.

        output = x + residual_scale * RDB_3(RDB_2(RDB_1(x)))

    (the authors' code, `RRDB.forward`: `out * 0.2 + x`). The same `residual_scale`
    beta is used inside each dense block, as in the paper. Note that with every dense
    block's residual branch at zero the block is the map `x -> (1 + beta) x`, not the
    identity.

    Args:
        growth: growth channels of the dense blocks (32).
        residual_scale: beta (0.2), of this block and of its dense blocks.
        blocks: number of dense blocks (3).
        kernel_initializer: of every convolution (default `rrdb_init()`).
        negative_slope: of the LeakyReLUs (0.2).

    Returns (when called):
        A tensor of the input's shape.
    """

    def __init__(self, growth=32, residual_scale=0.2, blocks=3, kernel_initializer=None,
                 negative_slope=0.2, **kwargs):
        super().__init__(**kwargs)
        if int(blocks) < 1:
            raise ValueError(f"RRDB needs blocks >= 1; got {blocks}.")
        self.growth = int(growth)
        self.residual_scale = float(residual_scale)
        self.num_blocks = int(blocks)
        self.negative_slope = float(negative_slope)
        self.kernel_initializer = keras.initializers.get(kernel_initializer or rrdb_init())
        self.blocks = [
            ResidualDenseBlock(self.growth, self.residual_scale,
                               kernel_initializer=_initializer(self.kernel_initializer),
                               negative_slope=self.negative_slope, dtype=self.dtype_policy,
                               name=f"rdb{i + 1}")
            for i in range(self.num_blocks)
        ]

    def build(self, input_shape):
        for block in self.blocks:
            block.build(input_shape)

    def call(self, inputs):
        x = inputs
        for block in self.blocks:
            x = block(x)
        return inputs + ops.cast(self.residual_scale, x.dtype) * x

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            growth=self.growth,
            residual_scale=self.residual_scale,
            blocks=self.num_blocks,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
            negative_slope=self.negative_slope,
        )
        return config
