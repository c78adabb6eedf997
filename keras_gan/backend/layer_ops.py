"""The convolution and batch-normalization arithmetic of `keras_gan.layers.Conv2D`,
`Conv2DTranspose`, `MaxPooling2D` and `BatchNormalization`, written with `keras.ops` exactly as the
Keras layers compute it. TensorFlow and JAX use these as they are; the PyTorch backend
(`keras_gan.backend.torch`) runs the same arithmetic through torch's native kernels
and falls back to these for the configurations it does not cover.

All images are channels-last: `(batch, height, width, channels)`.
"""

from keras import ops

__all__ = ["batch_norm_inference", "batch_norm_train", "conv", "conv_transpose", "max_pool"]


def conv(inputs, kernel, strides, padding, dilation_rate):
    """`keras.layers.Conv2D`'s convolution: `kernel` `(kh, kw, in, out)`."""
    return ops.conv(inputs, kernel, strides=list(strides), padding=padding,
                    dilation_rate=dilation_rate, data_format="channels_last")


def conv_transpose(inputs, kernel, strides, padding, output_padding, dilation_rate):
    """`keras.layers.Conv2DTranspose`'s transposed convolution: `kernel`
    `(kh, kw, out, in)`."""
    return ops.conv_transpose(inputs, kernel, strides=list(strides), padding=padding,
                              output_padding=output_padding, dilation_rate=dilation_rate,
                              data_format="channels_last")


def max_pool(inputs, pool_size, strides, padding):
    """`keras.layers.MaxPooling2D`'s pooling."""
    return ops.max_pool(inputs, pool_size=pool_size, strides=strides, padding=padding,
                        data_format="channels_last")


def batch_norm_train(inputs, gamma, beta, epsilon):
    """Normalises float32 `inputs` over every axis but the last with the batch's own
    statistics (`keras.layers.BatchNormalization` in training mode). Returns
    `(outputs, mean, variance)`, the variance biased (divided by the count).

    The variance is the mean squared deviation from the mean (two passes), not
    `keras.ops.moments`'s `E[x^2] - E[x]^2`, which cancels catastrophically (to a
    negative variance, NaN outputs) when the mean is large against the spread."""
    inputs = ops.convert_to_tensor(inputs)
    axes = tuple(range(len(inputs.shape) - 1))
    mean = ops.mean(inputs, axis=axes)
    variance = ops.mean(ops.square(inputs - ops.stop_gradient(mean)), axis=axes)
    outputs = ops.batch_normalization(inputs, mean, variance, axis=-1, offset=beta,
                                      scale=gamma, epsilon=epsilon)
    return outputs, mean, variance


def batch_norm_inference(inputs, mean, variance, gamma, beta, epsilon):
    """Normalises float32 `inputs` with given statistics (inference mode)."""
    return ops.batch_normalization(inputs, mean, variance, axis=-1, offset=beta,
                                   scale=gamma, epsilon=epsilon)
