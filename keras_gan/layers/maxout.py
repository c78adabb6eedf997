"""Maxout units (Goodfellow et al. 2013, "Maxout Networks"), the hidden units of the
original GAN discriminator and of PacGAN's 2D-mixture discriminator."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_gan")
class Maxout(keras.layers.Layer):
    """Dense maxout layer: `units` outputs, each the maximum of `pieces` affine maps.

    Args:
        units: number of outputs.
        pieces: number of linear pieces per output.
        kernel_initializer, bias_initializer: as for `keras.layers.Dense`.
    """

    def __init__(self, units, pieces=5, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        if units < 1 or pieces < 1:
            raise ValueError(f"Maxout needs units >= 1 and pieces >= 1; got {units}, {pieces}.")
        self.units = int(units)
        self.pieces = int(pieces)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)

    def build(self, input_shape):
        self.kernel = self.add_weight(
            name="kernel", shape=(input_shape[-1], self.units * self.pieces),
            initializer=self.kernel_initializer,
        )
        self.bias = self.add_weight(
            name="bias", shape=(self.units * self.pieces,), initializer=self.bias_initializer
        )

    def call(self, inputs):
        z = ops.matmul(inputs, self.kernel) + self.bias
        z = ops.reshape(z, (-1, self.units, self.pieces))
        return ops.max(z, axis=-1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update(
            units=self.units,
            pieces=self.pieces,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
            bias_initializer=keras.initializers.serialize(self.bias_initializer),
        )
        return config
