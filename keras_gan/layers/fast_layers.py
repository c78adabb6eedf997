"""`Conv2D`, `Conv2DTranspose`, `MaxPooling2D` and `BatchNormalization`: the Keras layers, with the same
arguments, weights, configuration and arithmetic, computed by `keras_gan.backend`.

On TensorFlow and JAX they are Keras's layers (the backend computes with `keras.ops`
as Keras does). On PyTorch, Keras 3 copies every channels-last activation twice around
each convolution and computes batch normalisation as a chain of elementwise operations;
these layers hand the tensors to torch's native convolution and fused batch-norm kernels
as they lie in memory (see `keras_gan/backend/torch.py`): a DCGAN training step does the
same work with fewer copies (`benchmarks/throughput.py` measures it). Every network of
`keras_gan.networks` (and the VGG19 of `keras_gan.losses.VGGFeatures`) is built from
them; a network of plain Keras layers trains the same,
at Keras's speed.

Only the channels-last, ungrouped two-dimensional case is routed through the backend;
anything else (`data_format="channels_first"`, `groups > 1`, a mask, renormalisation,
`synchronized=True`) is the Keras layer's own code.
"""

import keras
from keras import ops

from keras_gan import backend

__all__ = ["BatchNormalization", "Conv2D", "Conv2DTranspose", "MaxPooling2D"]


@keras.saving.register_keras_serializable(package="keras_gan")
class Conv2D(keras.layers.Conv2D):
    """`keras.layers.Conv2D`, computed by `keras_gan.backend.conv` (see the module doc)."""

    def convolution_op(self, inputs, kernel):
        if self.data_format != "channels_last" or self.groups != 1:
            return super().convolution_op(inputs, kernel)
        return backend.conv(inputs, kernel, self.strides, self.padding, self.dilation_rate)


@keras.saving.register_keras_serializable(package="keras_gan")
class Conv2DTranspose(keras.layers.Conv2DTranspose):
    """`keras.layers.Conv2DTranspose`, computed by `keras_gan.backend.conv_transpose`
    (see the module doc)."""

    def call(self, inputs):
        if self.data_format != "channels_last":
            return super().call(inputs)
        outputs = backend.conv_transpose(inputs, self.kernel, self.strides, self.padding,
                                         self.output_padding, self.dilation_rate)
        if self.use_bias:
            outputs = ops.add(outputs, self.bias)
        if self.activation is not None:
            return self.activation(outputs)
        return outputs


@keras.saving.register_keras_serializable(package="keras_gan")
class MaxPooling2D(keras.layers.MaxPooling2D):
    """`keras.layers.MaxPooling2D`, computed by `keras_gan.backend.max_pool` (see the
    module doc)."""

    def call(self, inputs):
        if self.data_format != "channels_last":
            return super().call(inputs)
        return backend.max_pool(inputs, self.pool_size, self.strides, self.padding)


@keras.saving.register_keras_serializable(package="keras_gan")
class BatchNormalization(keras.layers.BatchNormalization):
    """`keras.layers.BatchNormalization` (Ioffe & Szegedy 2015, "Batch Normalization:
    Accelerating Deep Network Training by Reducing Internal Covariate Shift"), computed
    by `keras_gan.backend.batch_norm_train` / `batch_norm_inference` (see the module
    doc). In training mode the moving statistics are updated as Keras does:
    `moving = momentum * moving + (1 - momentum) * batch`, with the biased batch
    variance."""

    def call(self, inputs, training=None, mask=None):
        if (mask is not None or self.renorm or self.synchronized
                or self.axis not in (-1, len(inputs.shape) - 1)):
            return super().call(inputs, training=training, mask=mask)
        # float16 / bfloat16 inputs are normalised in float32, as Keras does
        compute_dtype = keras.backend.result_type(inputs.dtype, "float32")
        inputs = ops.cast(inputs, compute_dtype)
        gamma = ops.cast(self.gamma, compute_dtype) if self.scale else None
        beta = ops.cast(self.beta, compute_dtype) if self.center else None
        if training and self.trainable:
            outputs, mean, variance = backend.batch_norm_train(inputs, gamma, beta,
                                                               self.epsilon)
            moving_mean = ops.cast(self.moving_mean, compute_dtype)
            moving_variance = ops.cast(self.moving_variance, compute_dtype)
            self.moving_mean.assign(
                moving_mean * self.momentum + mean * (1.0 - self.momentum))
            self.moving_variance.assign(
                moving_variance * self.momentum + variance * (1.0 - self.momentum))
        else:
            outputs = backend.batch_norm_inference(
                inputs, ops.cast(self.moving_mean, compute_dtype),
                ops.cast(self.moving_variance, compute_dtype), gamma, beta, self.epsilon)
        return ops.cast(outputs, self.compute_dtype)
