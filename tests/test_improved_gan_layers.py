"""Minibatch discrimination and virtual batch normalisation (Salimans et al. 2016,
"Improved Techniques for Training GANs", sections 3.2 and 3.4)."""

import numpy as np
import pytest

import keras
from keras import ops

from keras_gan import layers


def to_numpy(x):
    return np.asarray(ops.convert_to_numpy(x), dtype="float64")


def predict(model, x):
    """The whole batch in one compiled call (much cheaper under JAX than eager calls)."""
    return np.asarray(model.predict(x, batch_size=len(x), verbose=0), dtype="float64")


# ------------------------------------------------------------ numpy references
def minibatch_numpy(x, kernel, include_self=False):
    """float64 o(x) of section 3.2, concatenated to the flattened features."""
    f = np.asarray(x, "float64").reshape(len(x), -1)
    m = np.einsum("na,akd->nkd", f, np.asarray(kernel, "float64"))
    closeness = np.exp(-np.abs(m[:, None] - m[None, :]).sum(-1))  # (B, B, K)
    if not include_self:
        closeness[np.arange(len(x)), np.arange(len(x))] = 0.0
    return np.concatenate([f, closeness.sum(axis=1)], axis=1)


def vbn_numpy(h, reference_size, gamma, beta, axis=-1, epsilon=1e-5):
    """float64 VBN from the definition: the reference rows use the reference values'
    moments; example i uses the moments of the union of the reference values and its
    own values, per channel (no closed-form combination involved)."""
    h = np.moveaxis(np.asarray(h, "float64"), axis, -1)
    channels = h.shape[-1]
    reference = h[:reference_size].reshape(-1, channels)
    out = np.empty_like(h)
    out[:reference_size] = (h[:reference_size] - reference.mean(0)) / np.sqrt(
        reference.var(0) + epsilon)
    for i in range(reference_size, len(h)):
        union = np.concatenate([reference, h[i].reshape(-1, channels)])
        out[i] = (h[i] - union.mean(0)) / np.sqrt(union.var(0) + epsilon)
    return np.moveaxis(out * gamma + beta, -1, axis)


def minibatch_layer(numpy_rng, input_dim, num_kernels=3, kernel_dim=2, **kwargs):
    layer = layers.MinibatchDiscrimination(num_kernels, kernel_dim, **kwargs)
    layer.build((None, input_dim))
    kernel = numpy_rng.normal(0.0, 0.3, size=(input_dim, num_kernels, kernel_dim))
    layer.kernel.assign(kernel.astype("float32"))
    return layer, kernel


def vbn_model(reference, hidden=6, outputs=4, name=None):
    """Prepend -> Dense -> VBN -> tanh -> Dense -> VBN -> Drop."""
    r = len(reference)
    inputs = keras.Input(reference.shape[1:])
    h = layers.PrependReferenceBatch(reference)(inputs)
    h = keras.layers.Dense(hidden, use_bias=False)(h)
    h = layers.VirtualBatchNormalization(r)(h)
    h = keras.layers.Activation("tanh")(h)
    h = keras.layers.Dense(outputs)(h)
    h = layers.VirtualBatchNormalization(r, gamma_initializer="random_normal")(h)
    return keras.Model(inputs, layers.DropReferenceBatch(r)(h), name=name)


# ------------------------------------------------------ minibatch discrimination
@pytest.mark.parametrize("include_self", [False, True])
@pytest.mark.parametrize("case", ["unit", "offset_1e3", "spread_1e3"])
def test_minibatch_discrimination_matches_numpy(numpy_rng, include_self, case):
    layer, kernel = minibatch_layer(numpy_rng, 4, include_self=include_self)
    x = numpy_rng.normal(size=(6, 4))
    if case == "offset_1e3":  # large values, moderate distances: precision of f(x) T
        x = 1e3 + x
    elif case == "spread_1e3":  # far apart samples: every c_b(x_i, x_j), i != j, is 0
        x = 1e3 * x
    x = x.astype("float32")
    got = to_numpy(layer(x))
    expected = minibatch_numpy(x, kernel, include_self)
    assert got.shape == (6, 4 + 3) and np.all(np.isfinite(got))
    np.testing.assert_array_equal(got[:, :4], x)  # the features pass through unchanged
    np.testing.assert_allclose(got[:, 4:], expected[:, 4:], rtol=1e-5, atol=1e-5)
    if case == "spread_1e3":
        np.testing.assert_allclose(got[:, 4:], 1.0 if include_self else 0.0, atol=1e-6)


def test_minibatch_features_see_the_other_samples(numpy_rng):
    layer, _ = minibatch_layer(numpy_rng, 4)
    x = numpy_rng.normal(size=(5, 4)).astype("float32")
    moved = x.copy()
    moved[3] += 0.5
    before, after = to_numpy(layer(x)), to_numpy(layer(moved))
    np.testing.assert_array_equal(after[:, :4], moved)
    for i in (0, 1, 2, 4):  # o(x_i) changes with sample 3, the features of i do not
        assert np.all(np.abs(after[i, 4:] - before[i, 4:]) > 1e-6)
        np.testing.assert_array_equal(after[i, :4], before[i, :4])


def test_minibatch_dynamic_batch_and_batch_of_one(numpy_rng):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((4,))
    model = keras.Model(inputs, layers.MinibatchDiscrimination(3, 2)(inputs))
    assert model.output_shape == (None, 7)
    kernel = to_numpy(model.layers[-1].kernel)
    for n in (1, 5):
        x = numpy_rng.normal(size=(n, 4)).astype("float32")
        got = model.predict(x, batch_size=n, verbose=0)
        np.testing.assert_allclose(got, minibatch_numpy(x, kernel), rtol=1e-5, atol=1e-6)
        if n == 1:  # no other sample: o = 0
            np.testing.assert_array_equal(got[:, 4:], 0.0)


def test_minibatch_flattens_feature_maps(numpy_rng):
    layer = layers.MinibatchDiscrimination(5, 3)
    x = numpy_rng.normal(size=(4, 2, 3, 2)).astype("float32")
    got = to_numpy(layer(x))
    assert layer.kernel.shape == (12, 5, 3)
    assert layer.compute_output_shape((None, 2, 3, 2)) == (None, 17)
    np.testing.assert_allclose(got, minibatch_numpy(x, to_numpy(layer.kernel)),
                               rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="non-batch dimensions"):
        layers.MinibatchDiscrimination().build((None, None, 3))


def test_minibatch_config_round_trip():
    layer = layers.MinibatchDiscrimination(7, kernel_dim=2, include_self=True,
                                           kernel_initializer=keras.initializers.RandomNormal(0, 0.1))
    again = layers.MinibatchDiscrimination.from_config(layer.get_config())
    assert (again.num_kernels, again.kernel_dim, again.include_self) == (7, 2, True)
    assert isinstance(again.kernel_initializer, keras.initializers.RandomNormal)
    with pytest.raises(ValueError, match="num_kernels >= 1"):
        layers.MinibatchDiscrimination(0)


# -------------------------------------------------- virtual batch normalisation
def vbn_layer(numpy_rng, reference_size, input_shape, axis=-1):
    layer = layers.VirtualBatchNormalization(reference_size, axis=axis)
    layer.build(input_shape)
    gamma = numpy_rng.normal(1.0, 0.5, size=layer.gamma.shape)
    beta = numpy_rng.normal(0.0, 0.5, size=layer.beta.shape)
    layer.gamma.assign(gamma.astype("float32"))
    layer.beta.assign(beta.astype("float32"))
    return layer, gamma, beta


VBN_CASES = {  # reference rows, example rows, shape of one row, channel axis
    "dense": (4, 3, (5,), -1),
    "image": (3, 2, (4, 4, 3), -1),
    "channels_first": (2, 3, (3, 4, 2), 1),
}


@pytest.mark.parametrize("case", sorted(VBN_CASES))
@pytest.mark.parametrize("values", ["normal", "offset_1e3", "near_constant", "constant"])
def test_vbn_matches_union_statistics(numpy_rng, case, values):
    r, b, row, axis = VBN_CASES[case]
    layer, gamma, beta = vbn_layer(numpy_rng, r, (None,) + row, axis=axis)
    h = numpy_rng.normal(2.0, 3.0, size=(r + b,) + row)
    tolerance = 1e-4
    if values == "offset_1e3":
        h = 1e3 + h
        tolerance = 2e-3  # float32 resolves values near 1e3 to 6e-5
    elif values == "near_constant":
        h = 1.0 + 1e-4 * h
    elif values == "constant":
        h = np.full_like(h, -7.5)
    h = h.astype("float32")
    got = to_numpy(layer(h))
    assert got.shape == h.shape and np.all(np.isfinite(got))
    np.testing.assert_allclose(got, vbn_numpy(h, r, gamma, beta, axis=axis),
                               rtol=tolerance, atol=tolerance)
    if values == "constant":  # zero variance: every output is beta
        beta_b = beta if axis == -1 else beta.reshape((-1,) + (1,) * (len(row) - 1))
        np.testing.assert_allclose(got, np.broadcast_to(beta_b, h.shape), atol=1e-6)


def test_vbn_reference_rows_alone_and_batch_norm_statistics(numpy_rng):
    # with only the reference rows, VBN is batch normalisation of the reference batch
    layer = layers.VirtualBatchNormalization(6)
    h = numpy_rng.normal(3.0, 2.0, size=(6, 4)).astype("float32")
    got = to_numpy(layer(h))
    np.testing.assert_allclose(got.mean(0), 0.0, atol=1e-5)
    np.testing.assert_allclose(got.var(0), 1.0 / (1.0 + 1e-5 / h.astype("float64").var(0)),
                               rtol=1e-4)


def test_vbn_example_does_not_depend_on_the_other_examples(numpy_rng):
    keras.utils.set_random_seed(1)
    model = vbn_model(numpy_rng.normal(size=(8, 3)).astype("float32"))
    # a dynamic batch dimension: (B, 3) -> (8 + B, 3) -> ... -> (B, 4)
    assert model.input_shape == (None, 3) and model.output_shape == (None, 4)
    assert model.layers[1].compute_output_shape((None, 3)) == (None, 3)
    assert model.layers[1].compute_output_shape((5, 3)) == (13, 3)
    x = numpy_rng.normal(size=(5, 3)).astype("float32")
    full = predict(model, x)
    for k in range(5):  # batches of one
        alone = predict(model, x[k:k + 1])
        assert alone.shape == (1, 4)
        np.testing.assert_allclose(alone[0], full[k], rtol=1e-5, atol=1e-5)
    others = x.copy()
    others[[0, 1, 3, 4]] = 10.0 * numpy_rng.normal(size=(4, 3))
    changed = predict(model, others)
    np.testing.assert_allclose(changed[2], full[2], rtol=1e-5, atol=1e-5)
    assert not np.allclose(changed[[0, 1, 3, 4]], full[[0, 1, 3, 4]])


def test_layers_train_one_fit_step(numpy_rng):
    keras.utils.set_random_seed(3)
    reference = numpy_rng.normal(size=(4, 3)).astype("float32")
    inputs = keras.Input((3,))
    h = layers.PrependReferenceBatch(reference)(inputs)
    h = keras.layers.Dense(8, use_bias=False)(h)
    h = layers.VirtualBatchNormalization(4)(h)
    h = keras.layers.ReLU()(h)
    h = layers.DropReferenceBatch(4)(h)
    h = layers.MinibatchDiscrimination(4, 3)(h)
    model = keras.Model(inputs, keras.layers.Dense(1)(h))
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    assert len(model.trainable_weights) == 6  # dense, gamma, beta, T, dense kernel + bias
    assert [w.path for w in model.non_trainable_weights] == [
        model.layers[1].reference.path]
    before = [to_numpy(w) for w in model.weights]
    x = numpy_rng.normal(size=(8, 3)).astype("float32")
    y = numpy_rng.normal(size=(8, 1)).astype("float32")
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    for w, old in zip(model.weights, before):
        new = to_numpy(w)
        assert np.all(np.isfinite(new))
        if w.trainable:
            assert not np.allclose(new, old), w.path
        else:  # the reference batch is fixed
            np.testing.assert_array_equal(new, reference)
    # inputs of large magnitude keep the step finite
    model.fit(1e3 * x, y, batch_size=8, epochs=1, verbose=0)
    assert all(np.all(np.isfinite(to_numpy(w))) for w in model.weights)


def test_save_and_load_restore_the_reference_batch(numpy_rng, tmp_path):
    keras.utils.set_random_seed(4)
    reference = numpy_rng.normal(size=(5, 3)).astype("float32")
    inputs = keras.Input((3,))
    h = vbn_model(reference, name="body")(inputs)
    outputs = keras.layers.Dense(2)(layers.MinibatchDiscrimination(3, 2)(h))
    model = keras.Model(inputs, outputs)
    x = numpy_rng.normal(size=(6, 3)).astype("float32")
    expected = predict(model, x)

    path = tmp_path / "vbn.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(predict(loaded, x), expected, rtol=1e-6, atol=1e-6)
    prepend = loaded.get_layer("body").layers[1]
    assert isinstance(prepend, layers.PrependReferenceBatch)
    np.testing.assert_array_equal(to_numpy(prepend.reference), reference)

    # the config holds no array: a model rebuilt from it gets the batch from the weights
    config = model.get_config()
    prepend_config = config["layers"][1]["config"]["layers"][1]["config"]
    assert "reference" not in prepend_config and prepend_config["shape"] == [5, 3]
    rebuilt = keras.Model.from_config(config)
    assert np.all(to_numpy(rebuilt.get_layer("body").layers[1].reference) == 0.0)
    rebuilt.set_weights(model.get_weights())
    np.testing.assert_allclose(predict(rebuilt, x), expected, rtol=1e-6, atol=1e-6)


def test_prepend_reference_batch_config():
    drawn = layers.PrependReferenceBatch(shape=(6, 2, 2), seed=11)
    config = drawn.get_config()
    assert (config["shape"], config["distribution"], config["seed"]) == ([6, 2, 2], "normal", 11)
    again = layers.PrependReferenceBatch.from_config(config)
    for layer in (drawn, again):
        layer.build((None, 2, 2))
    np.testing.assert_array_equal(to_numpy(again.reference), to_numpy(drawn.reference))
    np.testing.assert_allclose(to_numpy(drawn.reference),
                               np.random.default_rng(11).standard_normal((6, 2, 2)), atol=1e-6)
    # an unseeded draw records the seed it used
    unseeded = layers.PrependReferenceBatch(shape=(3, 2), distribution="uniform")
    copy = layers.PrependReferenceBatch.from_config(unseeded.get_config())
    assert copy.seed == unseeded.seed is not None
    out = to_numpy(unseeded(np.zeros((2, 2), "float32")))
    assert out.shape == (5, 2) and np.all(np.abs(out[:3]) <= 1.0) and np.all(out[3:] == 0)
    np.testing.assert_array_equal(to_numpy(copy(np.zeros((1, 2), "float32")))[:3], out[:3])

    vbn = layers.VirtualBatchNormalization(5, axis=1, epsilon=1e-3, center=False,
                                           gamma_initializer="random_normal")
    vbn_again = layers.VirtualBatchNormalization.from_config(vbn.get_config())
    assert (vbn_again.reference_size, vbn_again.axis, vbn_again.epsilon) == (5, 1, 1e-3)
    assert vbn_again.center is False and vbn_again.scale is True
    drop = layers.DropReferenceBatch.from_config(layers.DropReferenceBatch(5).get_config())
    assert drop.reference_size == 5 and drop.compute_output_shape((7, 3)) == (2, 3)


def test_with_reference_batch_helper(numpy_rng):
    keras.utils.set_random_seed(5)
    reference = numpy_rng.normal(size=(4, 3)).astype("float32")
    body = keras.Sequential([keras.Input((3,)), keras.layers.Dense(5),
                             layers.VirtualBatchNormalization(4), keras.layers.Dense(2)])
    model = layers.with_reference_batch(body, reference)
    assert model.input_shape == (None, 3) and model.output_shape == (None, 2)
    assert [type(layer).__name__ for layer in model.layers] == [
        "InputLayer", "PrependReferenceBatch", "Sequential", "DropReferenceBatch"]
    with pytest.raises(ValueError, match="takes 4 reference rows"):
        layers.with_reference_batch(body, reference[:3])


def test_bad_reference_arguments():
    with pytest.raises(ValueError, match="reference batch"):
        layers.PrependReferenceBatch()
    with pytest.raises(ValueError, match="distribution"):
        layers.PrependReferenceBatch(shape=(4, 2), distribution="cauchy")
    with pytest.raises(ValueError, match="do not match"):
        layers.PrependReferenceBatch(np.zeros((4, 2)))(np.zeros((1, 3), "float32"))
    with pytest.raises(ValueError, match="reference_size must be >= 1"):
        layers.VirtualBatchNormalization(0)
    with pytest.raises(ValueError, match="reference_size must be >= 1"):
        layers.DropReferenceBatch(0)
    with pytest.raises(ValueError, match="not a non-batch axis"):
        layers.VirtualBatchNormalization(2, axis=0).build((None, 3))
    with pytest.raises(ValueError, match="no room"):
        layers.VirtualBatchNormalization(4).build((3, 2))
