"""`keras_gan.layers.Conv2D`, `Conv2DTranspose`, `MaxPooling2D` and
`BatchNormalization` compute what the Keras layers compute (outputs, input and weight
gradients, moving statistics) and what a float64 numpy reference computes, on every
backend; on PyTorch through torch's native kernels (keras_gan/backend/torch.py)."""

import itertools

import numpy as np
import pytest

import keras
from keras import ops

from keras_gan import backend
from keras_gan.backend import layer_ops
from keras_gan.layers import BatchNormalization, Conv2D, Conv2DTranspose, MaxPooling2D


def numpy(x):
    return np.asarray(ops.convert_to_numpy(ops.stop_gradient(x)), dtype="float64")


# ------------------------------------------------------------ float64 references
def conv_reference(x, kernel, stride, padding, dilation):
    """NHWC convolution, HWIO kernel, Keras / TensorFlow "same" padding (the extra
    row / column at the end)."""
    n, h, w, _ = x.shape
    kh, kw, _, c_out = kernel.shape
    eh, ew = (kh - 1) * dilation + 1, (kw - 1) * dilation + 1
    if padding == "same":
        oh, ow = -(-h // stride), -(-w // stride)
        ph = max(0, (oh - 1) * stride + eh - h)
        pw = max(0, (ow - 1) * stride + ew - w)
        x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    else:
        oh, ow = (h - eh) // stride + 1, (w - ew) // stride + 1
    out = np.zeros((n, oh, ow, c_out))
    for i, j in itertools.product(range(kh), range(kw)):
        patch = x[:, i * dilation: i * dilation + (oh - 1) * stride + 1: stride,
                  j * dilation: j * dilation + (ow - 1) * stride + 1: stride, :]
        out += patch @ kernel[i, j]
    return out


def conv_transpose_reference(x, kernel, stride, padding):
    """NHWC transposed convolution, kernel `(kh, kw, out, in)`: every input position
    scatters `kernel @ x` into the output; "same" keeps `size * stride` rows, cropping
    `(k - stride) // 2` at the start."""
    n, h, w, _ = x.shape
    kh, kw, c_out, _ = kernel.shape
    full = np.zeros((n, (h - 1) * stride + kh, (w - 1) * stride + kw, c_out))
    for i, j in itertools.product(range(kh), range(kw)):
        full[:, i: i + (h - 1) * stride + 1: stride,
             j: j + (w - 1) * stride + 1: stride, :] += x @ kernel[i, j].T
    if padding == "valid":
        return full
    ch, cw = (kh - stride) // 2, (kw - stride) // 2
    return full[:, ch: ch + h * stride, cw: cw + w * stride]


CONV_CASES = [
    # (height, width), kernel, stride, padding, dilation
    ((8, 8), 4, 2, "same", 1),    # DCGAN: symmetric padding
    ((7, 9), 3, 1, "same", 1),    # SRResNet / VGG
    ((7, 9), 4, 2, "same", 1),    # asymmetric padding: one extra at the end
    ((6, 5), 1, 1, "same", 1),
    ((9, 9), 9, 1, "same", 1),    # SRResNet's 9x9 input / output convolutions
    ((7, 8), 3, 2, "valid", 1),
    ((9, 9), 3, 1, "same", 2),    # dilated
    ((5, 6), 5, 3, "same", 1),
]


@pytest.mark.parametrize("size,kernel_size,stride,padding,dilation", CONV_CASES)
def test_conv2d_matches_keras_and_float64(size, kernel_size, stride, padding, dilation,
                                          numpy_rng):
    x = numpy_rng.normal(size=(2, *size, 3)).astype("float32")
    fast = Conv2D(4, kernel_size, strides=stride, padding=padding, dilation_rate=dilation)
    plain = keras.layers.Conv2D(4, kernel_size, strides=stride, padding=padding,
                                dilation_rate=dilation)
    fast.build(x.shape)
    plain.build(x.shape)
    kernel = numpy_rng.normal(size=fast.kernel.shape).astype("float32")
    bias = numpy_rng.normal(size=(4,)).astype("float32")
    fast.set_weights([kernel, bias])
    plain.set_weights([kernel, bias])
    expected = conv_reference(x.astype("float64"), kernel.astype("float64"), stride, padding,
                              dilation) + bias
    np.testing.assert_allclose(numpy(fast(x)), expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(numpy(fast(x)), numpy(plain(x)), rtol=1e-5, atol=1e-5)
    # gradients with respect to the input and to the kernel, against Keras's layer
    weights = ops.convert_to_tensor(numpy_rng.normal(size=expected.shape).astype("float32"))

    def weighted(layer):
        return lambda t: layer.convolution_op(t, kernel) * weights

    np.testing.assert_allclose(numpy(backend.input_gradient(weighted(fast), x)),
                               numpy(backend.input_gradient(weighted(plain), x)),
                               rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(
        numpy(backend.input_gradient(lambda k: fast.convolution_op(x, k) * weights, kernel)),
        numpy(backend.input_gradient(lambda k: plain.convolution_op(x, k) * weights, kernel)),
        rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("size,kernel_size,stride,padding", [
    ((4, 4), 4, 2, "same"),   # DCGAN generator
    ((3, 5), 5, 2, "same"),   # odd k - stride: Keras's own computation
    ((3, 4), 3, 1, "same"),
    ((3, 3), 4, 2, "valid"),
    ((2, 3), 1, 2, "valid"),  # kernel smaller than the stride
    ((5, 4), 9, 1, "same"),   # the fast-style transformer's 9x9
])
def test_conv2d_transpose_matches_keras_and_float64(size, kernel_size, stride, padding,
                                                    numpy_rng):
    x = numpy_rng.normal(size=(2, *size, 5)).astype("float32")
    fast = Conv2DTranspose(3, kernel_size, strides=stride, padding=padding)
    plain = keras.layers.Conv2DTranspose(3, kernel_size, strides=stride, padding=padding)
    fast.build(x.shape)
    plain.build(x.shape)
    kernel = numpy_rng.normal(size=fast.kernel.shape).astype("float32")
    bias = numpy_rng.normal(size=(3,)).astype("float32")
    fast.set_weights([kernel, bias])
    plain.set_weights([kernel, bias])
    got = numpy(fast(x))
    np.testing.assert_allclose(got, numpy(plain(x)), rtol=1e-5, atol=1e-5)
    expected = conv_transpose_reference(x.astype("float64"), kernel.astype("float64"),
                                        stride, padding)
    if padding == "valid" and kernel_size < stride:  # rows no kernel tap reaches: zero
        extra = stride - kernel_size
        expected = np.pad(expected, ((0, 0), (0, extra), (0, extra), (0, 0)))
    np.testing.assert_allclose(got, expected + bias, rtol=1e-4, atol=1e-4)
    weights = ops.convert_to_tensor(numpy_rng.normal(size=got.shape).astype("float32"))
    np.testing.assert_allclose(
        numpy(backend.input_gradient(lambda t: fast(t) * weights, x)),
        numpy(backend.input_gradient(lambda t: plain(t) * weights, x)), rtol=1e-4, atol=1e-4)


def test_max_pooling_matches_keras_and_float64(numpy_rng):
    x = numpy_rng.normal(size=(2, 6, 8, 3)).astype("float32")
    got = numpy(MaxPooling2D(2)(x))
    expected = x.reshape(2, 3, 2, 4, 2, 3).max(axis=(2, 4))
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(got, numpy(keras.layers.MaxPooling2D(2)(x)))
    odd = numpy_rng.normal(size=(1, 5, 7, 2)).astype("float32")
    for padding in ("valid", "same"):
        np.testing.assert_array_equal(
            numpy(MaxPooling2D(2, padding=padding)(odd)),
            numpy(keras.layers.MaxPooling2D(2, padding=padding)(odd)))
    weights = ops.convert_to_tensor(numpy_rng.normal(size=got.shape).astype("float32"))
    np.testing.assert_array_equal(
        numpy(backend.input_gradient(lambda t: MaxPooling2D(2)(t) * weights, x)),
        numpy(backend.input_gradient(lambda t: keras.layers.MaxPooling2D(2)(t) * weights, x)))


def batch_norm_reference(x, gamma, beta, epsilon):
    axes = tuple(range(x.ndim - 1))
    mean, variance = x.mean(axis=axes), x.var(axis=axes)
    return (x - mean) / np.sqrt(variance + epsilon) * gamma + beta, mean, variance


@pytest.mark.parametrize("shape,offset,scale", [
    ((4, 5, 6, 7), 1.0, 3.0),
    ((16, 7), 0.0, 1.0),            # after a Dense layer
    ((4, 3, 3, 5), 100.0, 1e-2),    # large mean, small spread
    ((4, 3, 3, 5), 30.0, 1e-3),
    ((4, 3, 3, 5), 0.0, 1e-5),      # variance far below epsilon
    ((2, 4, 4, 5), 0.0, 1e3),       # large values
])
def test_batch_norm_matches_keras_and_float64(shape, offset, scale, numpy_rng):
    """The batch variance is computed in two passes (mean, then mean squared deviation):
    Keras's `ops.moments` takes `E[x^2] - E[x]^2`, which cancels catastrophically when
    the mean is large against the spread (negative variances: NaN outputs on PyTorch
    for the `30 +- 1e-3` case); there the layer is compared with the float64
    reference only."""
    x64 = numpy_rng.normal(size=shape) * scale + offset
    x = x64.astype("float32")
    channels = shape[-1]
    gamma = numpy_rng.normal(size=channels).astype("float32")
    beta = numpy_rng.normal(size=channels).astype("float32")
    fast = BatchNormalization(momentum=0.9)
    plain = keras.layers.BatchNormalization(momentum=0.9)
    for layer in (fast, plain):
        layer.build(shape)
        layer.gamma.assign(gamma)
        layer.beta.assign(beta)
    expected, mean, variance = batch_norm_reference(x.astype("float64"), gamma, beta, 1e-3)
    got = numpy(fast(x, training=True))
    plain_out = numpy(plain(x, training=True))
    # the outputs are O(1): float32 normalisation of float32 data
    tolerance = 2e-3 if scale < 1e-3 * max(1.0, abs(offset)) else 1e-4
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, expected, rtol=tolerance, atol=tolerance)
    if abs(offset) <= 10 * scale:  # well conditioned: Keras's own layer agrees
        np.testing.assert_allclose(got, plain_out, rtol=tolerance, atol=tolerance)
    # moving statistics: 0.9 * initial (0 and 1) + 0.1 * the batch's (biased variance)
    np.testing.assert_allclose(numpy(fast.moving_mean), 0.1 * mean,
                               rtol=1e-5, atol=1e-6 * max(1.0, abs(offset)))
    np.testing.assert_allclose(numpy(fast.moving_variance), 0.9 + 0.1 * variance,
                               rtol=1e-4, atol=1e-6)
    if abs(offset) <= 10 * scale:
        np.testing.assert_allclose(numpy(fast.moving_variance),
                                   numpy(plain.moving_variance), rtol=1e-4, atol=1e-6)
    # inference mode: the moving statistics
    moving_mean, moving_variance = numpy(fast.moving_mean), numpy(fast.moving_variance)
    expected_inference = ((x.astype("float64") - moving_mean)
                          / np.sqrt(moving_variance + 1e-3) * gamma + beta)
    np.testing.assert_allclose(numpy(fast(x, training=False)), expected_inference,
                               rtol=tolerance, atol=tolerance)


def test_batch_norm_gradients_match_keras(numpy_rng):
    x = (numpy_rng.normal(size=(4, 3, 5, 6)) * 2 + 0.5).astype("float32")
    gamma = numpy_rng.normal(size=6).astype("float32")
    beta = numpy_rng.normal(size=6).astype("float32")
    weights = ops.convert_to_tensor(numpy_rng.normal(size=x.shape).astype("float32"))
    expected = None
    for batch_norm_train in (backend.batch_norm_train, layer_ops.batch_norm_train):
        grads = [numpy(backend.input_gradient(
            lambda t: batch_norm_train(t, gamma, beta, 1e-3)[0] * weights, x)),
            numpy(backend.input_gradient(
                lambda g: batch_norm_train(x, g, beta, 1e-3)[0] * weights, gamma)),
            numpy(backend.input_gradient(
                lambda b: batch_norm_train(x, gamma, b, 1e-3)[0] * weights, beta))]
        if expected is None:
            expected = grads
        else:
            for got, want in zip(expected, grads):
                np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    # the float64 reference of the input gradient of sum(w * BN(x))
    x64, w = x.astype("float64"), numpy(weights)
    axes, count = (0, 1, 2), x.size // 6
    mean, variance = x64.mean(axis=axes), x64.var(axis=axes)
    inverse_std = 1.0 / np.sqrt(variance + 1e-3)
    x_hat = (x64 - mean) * inverse_std
    dy = w * gamma
    dx = inverse_std * (dy - dy.sum(axis=axes) / count
                        - x_hat * (dy * x_hat).sum(axis=axes) / count)
    np.testing.assert_allclose(expected[0], dx, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(expected[1], (w * x_hat).sum(axis=axes), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(expected[2], w.sum(axis=axes), rtol=1e-4, atol=1e-4)


def test_batch_norm_low_precision_inputs_follow_keras(numpy_rng):
    x = numpy_rng.normal(size=(4, 3, 3, 5)).astype("float32")
    fast = BatchNormalization(dtype="mixed_bfloat16")
    plain = keras.layers.BatchNormalization(dtype="mixed_bfloat16")
    low = ops.cast(x, "bfloat16")
    a, b = fast(low, training=True), plain(low, training=True)
    assert keras.backend.standardize_dtype(a.dtype) == "bfloat16"
    np.testing.assert_allclose(numpy(ops.cast(a, "float32")), numpy(ops.cast(b, "float32")),
                               rtol=1e-2, atol=1e-2)
    np.testing.assert_allclose(numpy(fast.moving_variance), numpy(plain.moving_variance),
                               rtol=1e-5)


def test_fast_layers_serialize_and_networks_use_them(tmp_path, numpy_rng):
    from keras_gan import networks

    generator = networks.dcgan_generator(8, (16, 16, 3), 4)
    kinds = {type(layer) for layer in generator.layers}
    assert Conv2DTranspose in kinds and BatchNormalization in kinds
    assert Conv2D in {type(layer) for layer in networks.dcgan_discriminator((16, 16, 3), 4).layers}
    path = str(tmp_path / "generator.keras")
    generator.save(path)
    loaded = keras.saving.load_model(path)
    assert {type(layer) for layer in loaded.layers} == kinds
    z = numpy_rng.normal(size=(3, 8)).astype("float32")
    np.testing.assert_allclose(numpy(loaded(z)), numpy(generator(z)), rtol=1e-6, atol=1e-6)
    # a network of plain Keras layers still trains and loads as it was
    plain = keras.Sequential([keras.Input((6, 6, 2)), keras.layers.Conv2D(2, 3)])
    plain.save(str(tmp_path / "plain.keras"))
    assert type(keras.saving.load_model(str(tmp_path / "plain.keras")).layers[0]) is \
        keras.layers.Conv2D
