"""The fully connected networks and the maxout layer."""

import numpy as np
import pytest

import keras
from keras import ops

from keras_gan import layers, networks


def test_maxout_matches_numpy(numpy_rng):
    layer = layers.Maxout(4, pieces=3)
    x = numpy_rng.normal(size=(6, 5))
    layer.build((None, 5))
    kernel = numpy_rng.normal(size=(5, 12))
    bias = numpy_rng.normal(size=(12,))
    layer.kernel.assign(kernel.astype("float32"))
    layer.bias.assign(bias.astype("float32"))
    got = ops.convert_to_numpy(layer(x.astype("float32")))
    # output unit j is the maximum of its pieces j*3 .. j*3+2
    expected = (x @ kernel + bias).reshape(6, 4, 3).max(axis=-1)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    assert layer.compute_output_shape((None, 5)) == (None, 4)


def test_maxout_round_trips_its_config():
    layer = layers.Maxout(7, pieces=2, kernel_initializer=keras.initializers.RandomNormal(0, 0.1))
    again = layers.Maxout.from_config(layer.get_config())
    assert (again.units, again.pieces) == (7, 2)
    assert isinstance(again.kernel_initializer, keras.initializers.RandomNormal)
    with pytest.raises(ValueError, match="units >= 1 and pieces >= 1"):
        layers.Maxout(0)


def test_generator_layout():
    g = networks.mlp_generator(3, 2, hidden_units=(8, 8, 8), batch_norm=True)
    assert g.input_shape == (None, 3) and g.output_shape == (None, 2)
    dense = [layer for layer in g.layers if isinstance(layer, keras.layers.Dense)]
    bn = [layer for layer in g.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert len(dense) == 4 and len(bn) == 3
    # batch normalisation makes the hidden layers' biases redundant; the output keeps its own
    assert [d.use_bias for d in dense] == [False, False, False, True]
    tanh = networks.mlp_generator(3, 5, output_activation="tanh")
    out = ops.convert_to_numpy(tanh(np.full((4, 3), 100.0, "float32")))
    assert out.shape == (4, 5) and np.all(np.abs(out) <= 1.0)


@pytest.mark.parametrize("packing", [1, 3])
def test_discriminator_takes_packed_samples(packing):
    d = networks.mlp_discriminator(2, hidden_units=(16, 16), packing=packing, maxout_pieces=5,
                                   dropout=0.5)
    assert d.input_shape == (None, 2 * packing) and d.output_shape == (None, 1)
    assert sum(isinstance(layer, layers.Maxout) for layer in d.layers) == 2
    assert sum(isinstance(layer, keras.layers.Dropout) for layer in d.layers) == 2


def test_kernel_initializer_reaches_every_weight_matrix():
    keras.utils.set_random_seed(0)
    init = keras.initializers.RandomNormal(stddev=0.02)
    g = networks.mlp_generator(2, 2, hidden_units=(400, 400), batch_norm=True,
                               kernel_initializer=init)
    d = networks.mlp_discriminator(2, hidden_units=(200, 200), maxout_pieces=5,
                                   kernel_initializer=init)
    kernels = [v for net in (g, d) for v in net.weights if v.path.endswith("kernel")]
    assert len(kernels) == 6
    for v in kernels:
        values = ops.convert_to_numpy(v)
        if values.size > 1000:
            np.testing.assert_allclose(values.std(), 0.02, rtol=0.1)
    # two layers do not share one draw
    first, second = (ops.convert_to_numpy(v).ravel()[:50] for v in kernels[1:3])
    assert not np.allclose(first, second)


def test_bad_network_arguments():
    with pytest.raises(ValueError, match="hidden_units"):
        networks.mlp_generator(2, 2, hidden_units=())
    with pytest.raises(ValueError, match="packing must be >= 1"):
        networks.mlp_discriminator(2, packing=0)
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\)"):
        networks.mlp_discriminator(2, dropout=1.0)
