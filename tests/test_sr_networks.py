"""Super-resolution networks: the sub-pixel shuffle against depth_to_space's ordering,
the ESRGAN dense blocks against a float64 numpy reference, the SRResNet / RRDBNet
generators (shapes, any input size, the papers' parameter counts, saving) and the SRGAN /
ESRGAN discriminators."""

import numpy as np
import pytest

import keras
from keras import ops

from keras_gan import layers, networks

# Forward passes use `predict` (compiled: tf.function / jax.jit), which also checks the
# dynamic spatial sizes inside a compiled function. The networks are built with zero
# initializers and, where the values matter, given random numpy weights: under JAX every
# random initializer of a new weight shape is one more XLA compilation (seconds each on a
# busy CPU). The default initializer of the dense blocks is tested by
# `test_rrdb_initialization_and_config`.
ZEROS = {"kernel_initializer": "zeros"}


def randomize(layer, rng, scale=0.3, fan_in=False):
    """Random normal values for every weight of `layer`, with std `scale` (divided by
    sqrt(fan_in) for kernels when `fan_in`); BN variances stay positive."""
    for v in layer.weights:
        std = scale / np.sqrt(np.prod(v.shape[:-1])) if fan_in and len(v.shape) > 1 else scale
        values = rng.normal(scale=std, size=v.shape)
        if "variance" in v.path:
            values = 1.0 + np.abs(values)
        v.assign(values.astype("float32"))


def depth_to_space_reference(x, r):
    """`tf.nn.depth_to_space` (NHWC) as documented, one element at a time:
    output[n, h*r + i, w*r + j, c] = input[n, h, w, (i*r + j)*C + c]."""
    n, height, width, depth = x.shape
    channels = depth // (r * r)
    out = np.zeros((n, height * r, width * r, channels), x.dtype)
    for h in range(height):
        for w in range(width):
            for i in range(r):
                for j in range(r):
                    for c in range(channels):
                        out[:, h * r + i, w * r + j, c] = x[:, h, w, (i * r + j) * channels + c]
    return out


@pytest.mark.parametrize("scale, channels", [(2, 3), (3, 2), (1, 4)])
def test_pixel_shuffle_matches_depth_to_space(numpy_rng, scale, channels):
    # float32 values (JAX has no float64 by default); a rearrangement is exact, so the
    # float64 reference of those values must be matched exactly
    x = numpy_rng.normal(size=(2, 3, 4, scale * scale * channels)).astype("float32")
    layer = layers.PixelShuffle(scale)
    got = ops.convert_to_numpy(layer(x))
    np.testing.assert_array_equal(got, depth_to_space_reference(x.astype("float64"), scale))
    assert layer.compute_output_shape(x.shape) == (2, 3 * scale, 4 * scale, channels)


def test_pixel_shuffle_with_dynamic_sizes(numpy_rng):
    inputs = keras.Input((None, None, 8))
    model = keras.Model(inputs, layers.PixelShuffle(2)(inputs))
    assert model.output_shape == (None, None, None, 2)
    for shape in [(1, 3, 5, 8), (2, 4, 2, 8)]:
        x = numpy_rng.normal(size=shape).astype("float32")
        got = model.predict(x, verbose=0)  # compiled (tf.function / jax.jit / torch)
        np.testing.assert_array_equal(got, depth_to_space_reference(x.astype("float64"), 2))


def test_pixel_shuffle_checks_its_arguments():
    with pytest.raises(ValueError, match="divisible by scale\\^2 = 4"):
        layers.PixelShuffle(2)(np.zeros((1, 2, 2, 6), "float32"))
    with pytest.raises(ValueError, match="divisible"):
        layers.PixelShuffle(3)(keras.Input((None, None, 12)))
    with pytest.raises(ValueError, match="integer scale >= 1"):
        layers.PixelShuffle(0)
    again = layers.PixelShuffle.from_config(layers.PixelShuffle(3, name="ps").get_config())
    assert again.scale == 3 and again.name == "ps"


# ESRGAN's dense blocks (float32) against a float64 numpy reference

def conv3x3_reference(x, kernel, bias):
    """'same' 3x3 convolution (cross-correlation, as Conv2D), NHWC, float64."""
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    height, width = x.shape[1:3]
    out = np.zeros(x.shape[:3] + (kernel.shape[-1],))
    for dy in range(3):
        for dx in range(3):
            out += padded[:, dy:dy + height, dx:dx + width] @ kernel[dy, dx]
    return out + bias


def rdb_reference(x, weights, beta=0.2):
    def lrelu(v):
        return np.where(v > 0, v, 0.2 * v)

    features = [x]
    for kernel, bias in weights[:4]:
        features.append(lrelu(conv3x3_reference(np.concatenate(features, -1), kernel, bias)))
    return x + beta * conv3x3_reference(np.concatenate(features, -1), *weights[4])


def conv_weights(block):
    return [(np.asarray(ops.convert_to_numpy(c.kernel), "float64"),
             np.asarray(ops.convert_to_numpy(c.bias), "float64")) for c in block.convs]


def test_residual_dense_block_matches_numpy(numpy_rng):
    block = layers.ResidualDenseBlock(growth=3, **ZEROS)
    x = numpy_rng.normal(size=(2, 5, 4, 6)).astype("float32")
    block.build(x.shape)
    randomize(block, numpy_rng)
    assert [c.kernel.shape for c in block.convs] == [(3, 3, 6 + 3 * i, 3) for i in range(4)] + [
        (3, 3, 18, 6)]
    got = ops.convert_to_numpy(block(x))
    np.testing.assert_allclose(got, rdb_reference(x.astype("float64"), conv_weights(block)),
                               rtol=1e-5, atol=1e-5)


def test_rrdb_matches_numpy_and_scales_its_residuals(numpy_rng):
    block = layers.RRDB(growth=2, **ZEROS)
    x = numpy_rng.normal(size=(1, 4, 3, 4)).astype("float32")
    block.build(x.shape)
    randomize(block, numpy_rng)
    x64 = y = x.astype("float64")
    for rdb in block.blocks:
        y = rdb_reference(y, conv_weights(rdb))
    np.testing.assert_allclose(ops.convert_to_numpy(block(x)), x64 + 0.2 * y, rtol=1e-5,
                               atol=1e-5)
    # with the last convolution of every dense block at zero, each dense block is the
    # identity and the RRDB is x + 0.2 x (ESRGAN's `out * 0.2 + x`)
    for rdb in block.blocks:
        for v in rdb.convs[4].weights:
            v.assign(np.zeros(v.shape, "float32"))
    np.testing.assert_allclose(ops.convert_to_numpy(block.blocks[0](x)), x, rtol=0, atol=0)
    np.testing.assert_allclose(ops.convert_to_numpy(block(x)), 1.2 * x64, rtol=1e-6, atol=0)


def test_rrdb_initialization_and_config():
    keras.utils.set_random_seed(0)
    block = layers.RRDB(growth=8, residual_scale=0.1, name="trunk")
    block.build((None, None, None, 16))
    kernels = [ops.convert_to_numpy(c.kernel) for rdb in block.blocks for c in rdb.convs]
    assert len(kernels) == 15
    # He normal x 0.1 (ESRGAN): std = 0.1 * sqrt(2 / fan_in), fan_in = 3 * 3 * 16
    np.testing.assert_allclose(kernels[0].std(), 0.1 * np.sqrt(2 / 144), rtol=0.15)
    # every convolution has its own draw
    assert not np.allclose(kernels[0], kernels[5])
    again = layers.RRDB.from_config(block.get_config())
    assert (again.growth, again.residual_scale, again.num_blocks) == (8, 0.1, 3)
    assert isinstance(again.kernel_initializer, keras.initializers.VarianceScaling)


# generators

@pytest.mark.parametrize("scale", [2, 4])
def test_generators_upscale_any_input_size(numpy_rng, scale):
    generators = [networks.srresnet(scale, blocks=2, filters=16, **ZEROS),
                  networks.rrdb_net(scale, blocks=1, filters=16, growth=8,
                                    block_initializer="zeros", **ZEROS)]
    for g in generators:
        randomize(g, numpy_rng, scale=1.0, fan_in=True)
        assert g.input_shape == (None, None, None, 3)
        assert g.output_shape == (None, None, None, 3)
        for height, width in [(12, 12), (10, 14)]:
            lr = numpy_rng.uniform(size=(2, height, width, 3)).astype("float32")
            sr = g.predict(lr, verbose=0)
            assert sr.shape == (2, scale * height, scale * width, 3)
            assert np.all(np.isfinite(sr))
    srresnet_out = generators[0].predict(np.full((1, 12, 12, 3), 50.0, "float32"), verbose=0)
    assert np.all(np.abs(srresnet_out) <= 1.0)  # tanh


def test_generator_layouts():
    g = networks.srresnet(4, blocks=3, filters=8, **ZEROS)
    names = [layer.name for layer in g.layers]
    assert sum(isinstance(layer, layers.PixelShuffle) for layer in g.layers) == 2
    assert sum(isinstance(layer, keras.layers.BatchNormalization) for layer in g.layers) == 7
    prelus = [layer for layer in g.layers if isinstance(layer, keras.layers.PReLU)]
    assert len(prelus) == 1 + 3 + 2
    assert all(p.alpha.shape == (1, 1, p.alpha.shape[-1]) for p in prelus)  # per channel
    assert g.get_layer("upsample_1_conv").filters == 32
    assert g.get_layer("conv_in").kernel_size == (9, 9) == g.get_layer("conv_out").kernel_size
    assert "long_skip" in names
    r = networks.rrdb_net(8, blocks=2, filters=8, growth=4, block_initializer="zeros", **ZEROS)
    assert sum(isinstance(layer, layers.RRDB) for layer in r.layers) == 2
    assert sum(isinstance(layer, keras.layers.UpSampling2D) for layer in r.layers) == 3
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in r.layers)
    with pytest.raises(ValueError, match="power of two"):
        networks.srresnet(3)
    with pytest.raises(ValueError, match="power of two"):
        networks.rrdb_net(1)


def trainable(model):
    return sum(int(np.prod(v.shape)) for v in model.trainable_weights)


def test_paper_parameter_counts():
    srresnet = networks.srresnet(4, 16, 64, **ZEROS)
    rrdb = networks.rrdb_net(4, 23, 64, 32, block_initializer="zeros", **ZEROS)
    srgan_d = networks.srgan_discriminator((96, 96, 3), **ZEROS)
    esrgan_d = networks.esrgan_discriminator((128, 128, 3), **ZEROS)
    # SRResNet: "1.5M" (as quoted e.g. by EDSR); 1,552,771 with the BN statistics
    assert trainable(srresnet) == 1_548_547 and srresnet.count_params() == 1_552_771
    # RRDBNet (ESRGAN, BasicSR's RRDBNet(3, 3, 64, 23, 32)): 16,697,987, "16.7M"
    assert trainable(rrdb) == rrdb.count_params() == 16_697_987
    assert trainable(srgan_d) == 23_563_649
    assert trainable(esrgan_d) == 14_499_401


# discriminators

def test_srgan_discriminator(numpy_rng):
    d = networks.srgan_discriminator((32, 32, 3), filters=8, **ZEROS)
    randomize(d, numpy_rng, scale=1.0, fan_in=True)
    convs = [layer for layer in d.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [c.filters for c in convs] == [8, 8, 16, 16, 32, 32, 64, 64]
    assert [c.strides for c in convs] == [(1, 1), (2, 2)] * 4
    # batch normalisation after every convolution but the first
    assert d.get_layer("conv_1_lrelu").input is d.get_layer("conv_1").output
    assert sum(isinstance(layer, keras.layers.BatchNormalization) for layer in d.layers) == 7
    assert d.get_layer("conv_2_bn").input is d.get_layer("conv_2").output
    assert d.get_layer("dense").units == 1024
    assert d.get_layer("features").output.shape == (None, 2 * 2 * 64)
    x = numpy_rng.uniform(-1, 1, size=(3, 32, 32, 3)).astype("float32")
    assert d.predict(x, verbose=0).shape == (3, 1)
    sn = networks.srgan_discriminator((32, 32, 3), filters=8, spectral_norm=True, **ZEROS)
    randomize(sn, numpy_rng, scale=1.0, fan_in=True)
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in sn.layers)
    assert sum(isinstance(layer, layers.SpectralNormalization) for layer in sn.layers) == 10
    assert sn.predict(x, verbose=0).shape == (3, 1)


def test_esrgan_discriminator(numpy_rng):
    d = networks.esrgan_discriminator((64, 64, 3), filters=8, **ZEROS)
    convs = [layer for layer in d.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [c.filters for c in convs] == [8, 8, 16, 16, 32, 32, 64, 64, 64, 64]
    assert [c.kernel_size[0] for c in convs] == [3, 4] * 5
    assert d.get_layer("conv0_0_lrelu").input is d.get_layer("conv0_0").output
    assert sum(isinstance(layer, keras.layers.BatchNormalization) for layer in d.layers) == 9
    assert d.get_layer("features").output.shape == (None, 2 * 2 * 64)
    x = numpy_rng.uniform(0, 1, size=(2, 64, 64, 3)).astype("float32")
    assert d.predict(x, verbose=0).shape == (2, 1)


# saving

def test_generators_survive_a_save_and_load(tmp_path, numpy_rng):
    for g in [networks.srresnet(2, blocks=1, filters=8, **ZEROS),
              networks.rrdb_net(2, blocks=1, filters=8, growth=4, block_initializer="zeros",
                                **ZEROS)]:
        randomize(g, numpy_rng, scale=1.0, fan_in=True)
        path = tmp_path / f"{g.name}.keras"
        g.save(path)
        loaded = keras.saving.load_model(path)
        assert any(isinstance(layer, (layers.PixelShuffle, layers.RRDB)) for layer in loaded.layers)
        for shape in [(1, 6, 6, 3), (2, 5, 7, 3)]:
            lr = numpy_rng.uniform(size=shape).astype("float32")
            np.testing.assert_array_equal(loaded.predict(lr, verbose=0),
                                          g.predict(lr, verbose=0))
