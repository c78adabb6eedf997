"""DCGAN networks and the image GANs (DCGAN, CGAN, ACGAN, InfoGAN, EBGAN), the
Improved-GAN techniques on the models, spectral normalisation and EMA."""

import numpy as np
import pytest

import keras
from keras import ops

import keras_gan
from keras_gan import models, networks
from keras_gan.models.averaging import WeightAverage

from conftest import assert_ok, run_python

SMALL = dict(image_shape=(16, 16, 1), filters=4)


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


def _images(n=32, seed=0, shape=(16, 16, 1)):
    rng = np.random.default_rng(seed)
    return np.tanh(rng.normal(size=(n,) + shape)).astype("float32")


def _labels(n=32, classes=3, seed=0):
    return np.random.default_rng(seed).integers(0, classes, n).astype("int32")


# ------------------------------------------------------------------ networks
@pytest.mark.parametrize("shape, base, steps", [((64, 64, 3), 4, 4), ((28, 28, 1), 7, 2),
                                                ((32, 32, 3), 4, 3), ((8, 8, 2), 4, 1)])
def test_dcgan_networks_produce_every_supported_size(shape, base, steps):
    assert networks.upsampling_plan(shape) == (base, base, steps)
    g = networks.dcgan_generator(16, shape, filters=4)
    d = networks.dcgan_discriminator(shape, filters=4)
    assert g.output_shape == (None,) + shape
    images = g(np.zeros((2, 16), "float32"))
    out = d(images)
    assert tuple(out["logits"].shape) == (2, 1)
    assert tuple(out["features"].shape) == (2, base * base * 4 * 2 ** (steps - 1))
    # stride-2 transposed convolutions double the side `steps` times
    deconvs = [layer for layer in g.layers if isinstance(layer, keras.layers.Conv2DTranspose)]
    assert len(deconvs) == steps and all(layer.strides == (2, 2) for layer in deconvs)


def test_dcgan_architecture_follows_the_paper():
    g = networks.dcgan_generator(100, (64, 64, 3), filters=64)
    d = networks.dcgan_discriminator((64, 64, 3), filters=64)
    g_layers = [layer.name for layer in g.layers]
    # batch norm after every layer but the output; tanh output
    assert g_layers[-2:] == ["deconv_4", "images"] and g.layers[-1].activation.__name__ == "tanh"
    assert sum(isinstance(layer, keras.layers.BatchNormalization) for layer in g.layers) == 4
    assert not any(isinstance(layer, (keras.layers.MaxPooling2D, keras.layers.UpSampling2D))
                   for layer in g.layers + d.layers)
    # no batch norm on the discriminator's input layer, LeakyReLU 0.2
    assert d.get_layer("conv_1").use_bias and "conv_1_bn" not in [layer.name for layer in d.layers]
    assert all(layer.negative_slope == pytest.approx(0.2)
               for layer in d.layers if isinstance(layer, keras.layers.LeakyReLU))
    assert [d.get_layer(f"conv_{i}").filters for i in range(1, 5)] == [64, 128, 256, 512]
    kernel = _np(g.get_layer("deconv_2").kernel)
    assert abs(kernel.std() - 0.02) < 0.002 and abs(kernel.mean()) < 0.002


def test_unsupported_image_sizes_are_refused():
    assert networks.upsampling_plan((48, 48, 3)) == (6, 6, 3)  # any base >= 4
    for shape in [(31, 31, 3), (6, 6, 1), (64, 64)]:
        with pytest.raises(ValueError, match="image_shape|image side"):
            networks.dcgan_generator(8, shape)


def test_discriminator_heads_and_spectral_norm():
    d = networks.dcgan_discriminator((16, 16, 3), filters=4, class_head=5,
                                     info_codes=((3, 4), 2), spectral_norm=True,
                                     minibatch_discrimination=(6, 3))
    out = d(np.zeros((3, 16, 16, 3), "float32"))
    assert {k: tuple(v.shape) for k, v in out.items()} == {
        "logits": (3, 1), "features": (3, 128), "class_logits": (3, 5),
        "categorical_logits": (3, 7), "continuous_mean": (3, 2)}
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in d.layers)
    assert sum(isinstance(layer, keras_gan.layers.SpectralNormalization) for layer in d.layers) >= 3


def test_spectral_normalization_divides_by_the_largest_singular_value(numpy_rng):
    dense = keras.layers.Dense(6)
    layer = keras_gan.layers.SpectralNormalization(dense, power_iterations=1)
    x = numpy_rng.normal(size=(4, 5)).astype("float32")
    layer.build((None, 5))
    kernel = numpy_rng.normal(size=(5, 6)) * 3
    dense.kernel.assign(kernel.astype("float32"))
    for _ in range(50):  # power iteration converges on the persistent u
        layer(x, training=True)
    sigma = np.linalg.svd(kernel, compute_uv=False)[0]
    expected = x @ (kernel / sigma) + _np(dense.bias)
    np.testing.assert_allclose(_np(layer(x, training=False)), expected, rtol=1e-3, atol=1e-4)
    # the raw kernel is kept: the optimizer updates W, the forward pass uses W / sigma
    np.testing.assert_allclose(_np(dense.kernel), kernel, rtol=1e-6)


# -------------------------------------------------------------- the models
def _make(name, **kwargs):
    keras.utils.set_random_seed(0)
    if name == "dcgan":
        return models.DCGAN(latent_dim=8, **SMALL, seed=1, **kwargs)
    if name == "cgan":
        return models.CGAN(latent_dim=8, num_classes=3, **SMALL, seed=1, **kwargs)
    if name == "acgan":
        return models.ACGAN(latent_dim=8, num_classes=3, **SMALL, seed=1, **kwargs)
    if name == "infogan":
        return models.InfoGAN(latent_dim=8, categorical_codes=(3,), continuous_codes=2,
                              **SMALL, seed=1, **kwargs)
    return models.EBGAN(latent_dim=8, **SMALL, seed=1, **kwargs)


@pytest.mark.parametrize("name", ["dcgan", "cgan", "acgan", "infogan", "ebgan"])
def test_a_few_steps_change_every_weight_and_save_load_round_trips(name, tmp_path):
    model = _make(name)
    model.compile()
    before = [_np(v).copy() for v in model.trainable_variables]
    conditional = model.num_classes is not None
    history = model.fit(_images(), _labels() if conditional else None, batch_size=16,
                        epochs=1, verbose=0)
    logs = {k: v[-1] for k, v in history.history.items()}
    assert all(np.isfinite(v) for v in logs.values()), logs
    assert {"d_loss", "g_loss"} <= set(logs)
    unchanged = [v.path for v, b in zip(model.trainable_variables, before)
                 if np.array_equal(_np(v), b)]
    assert not unchanged
    kwargs = {"labels": [0, 1, 2, 0]} if conditional else {}
    samples = model.generate(4, seed=0, **kwargs)
    assert samples.shape == (4, 16, 16, 1) and np.abs(samples).max() <= 1.0
    path = str(tmp_path / f"{name}.keras")
    model.save(path)
    again = keras.saving.load_model(path)
    assert type(again) is type(model)
    np.testing.assert_allclose(again.generate(4, seed=0, **kwargs), samples, atol=1e-6)


def test_paper_optimizer_defaults():
    def adam(optimizer):
        return float(_np(optimizer.learning_rate)), optimizer.beta_1

    dcgan = _make("dcgan")
    dcgan.compile()
    assert adam(dcgan.generator_optimizer) == pytest.approx((2e-4, 0.5))
    assert adam(dcgan.discriminator_optimizer) == pytest.approx((2e-4, 0.5))
    info = _make("infogan")
    info.compile()
    assert adam(info.generator_optimizer) == pytest.approx((1e-3, 0.5))
    assert adam(info.discriminator_optimizer) == pytest.approx((2e-4, 0.5))


def test_conditional_generation_honours_labels():
    model = _make("cgan")
    model.compile()
    model.fit(_images(), _labels(), batch_size=16, epochs=1, verbose=0)
    latent = np.repeat(model.latents(1, seed=3), 6, axis=0)
    out = model.generate_from(latent, labels=[0, 0, 1, 1, 2, 2])
    assert out.shape == (6, 16, 16, 1)
    # the same noise and label give the same image; another label routes elsewhere
    np.testing.assert_allclose(out[0], out[1], atol=1e-6)
    scale = np.abs(out).max()  # small at N(0, 0.02) initialisation
    assert np.abs(out[0] - out[2]).max() > 0.01 * scale
    assert np.abs(out[2] - out[4]).max() > 0.01 * scale
    np.testing.assert_allclose(model.generate(3, seed=0, labels=2)[0],
                               model.generate(3, seed=0, labels=[2, 0, 1])[0], atol=1e-6)
    with pytest.raises(ValueError, match="pass labels="):
        model.generate(2)
    with pytest.raises(ValueError, match=r"in \[0, 3\)"):
        model.generate(2, labels=[0, 3])
    with pytest.raises(ValueError, match="shape \\(2,\\)"):
        model.generate(2, labels=[0, 1, 2])
    with pytest.raises(ValueError, match="integers"):
        model.generate(2, labels=[0.5, 1.0])
    with pytest.raises(ValueError, match="conditional: fit it on"):
        model.fit(_images(), batch_size=16, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="unconditional"):
        _make("dcgan").generate(2, labels=[0, 1])


def test_acgan_class_head_and_losses():
    model = _make("acgan")
    model.compile()
    logs = model.fit(_images(), _labels(), batch_size=16, epochs=1, verbose=0).history
    assert {"d_class", "g_class", "class_accuracy"} <= set(logs)
    # class losses start near log(3) per term: D sees real and generated images
    assert logs["g_class"][0] == pytest.approx(np.log(3), rel=0.2)
    assert logs["d_class"][0] == pytest.approx(2 * np.log(3), rel=0.2)


def test_infogan_codes_control_the_q_head_after_short_training():
    keras.utils.set_random_seed(0)
    model = models.InfoGAN(latent_dim=4, categorical_codes=(3,), continuous_codes=0,
                           image_shape=(8, 8, 1), filters=8, seed=0)
    model.compile()
    model.fit(_images(512, shape=(8, 8, 1)), batch_size=32, epochs=4, verbose=0)
    for code in range(3):
        images = model.generate(64, seed=1, categorical=code)
        logits = model.discriminator(images, training=False)["categorical_logits"]
        accuracy = (np.argmax(_np(logits), axis=-1) == code).mean()
        assert accuracy > 0.9, (code, accuracy)


def test_infogan_latents_fix_the_codes():
    model = _make("infogan")
    z = model.latents(5, seed=0, categorical=2, continuous=[0.5, -0.5])
    assert z.shape == (5, 8 + 3 + 2)
    np.testing.assert_array_equal(z[:, 8:11], np.tile([0, 0, 1], (5, 1)))
    np.testing.assert_allclose(z[:, 11:], np.tile([0.5, -0.5], (5, 1)))
    # the same seed keeps the noise whatever the codes: a traversal
    np.testing.assert_array_equal(z[:, :8], model.latents(5, seed=0, categorical=0)[:, :8])
    free = model.latents(2000, seed=1)
    assert set(np.argmax(free[:, 8:11], -1)) == {0, 1, 2}
    assert np.abs(free[:, 11:]).max() <= 1.0
    with pytest.raises(ValueError, match="values in \\[0, 3\\)"):
        model.latents(2, categorical=3)


# -------------------------------------------------- Improved-GAN techniques
def test_feature_matching_replaces_the_generator_objective():
    model = _make("dcgan", feature_matching=1.0, adversarial_weight=0.0)
    model.compile()
    logs = model.fit(_images(), batch_size=16, epochs=1, verbose=0).history
    np.testing.assert_allclose(logs["g_loss"], logs["feature_matching"], rtol=1e-5)
    with pytest.raises(ValueError, match="'features' output"):
        g, d = networks.mlp_generator(2, 2), networks.mlp_discriminator(2)
        gan = keras_gan.GAN(g, d, latent_dim=2, feature_matching=1.0)
        gan.compile()
        gan.fit(np.zeros((8, 2), "float32"), batch_size=8, verbose=0)


def test_historical_average_is_the_mean_of_past_values():
    holder = keras.Model()
    variable = keras.Variable(np.zeros(3, "float32"))
    average = WeightAverage(holder, [variable], "history")
    values = [np.zeros(3)]
    rng = np.random.default_rng(0)
    for _ in range(4):
        values.append(rng.normal(size=3))
        variable.assign(values[-1].astype("float32"))
        average.update()
    np.testing.assert_allclose(_np(average.averages[0]), np.mean(values, axis=0), rtol=1e-5)
    expected = ((values[-1] - np.mean(values, axis=0)) ** 2).sum()
    np.testing.assert_allclose(_np(average.squared_distance()), expected, rtol=1e-5)


def test_exponential_average_follows_its_recursion():
    holder = keras.Model()
    variable = keras.Variable(np.ones(2, "float32"))
    ema = WeightAverage(holder, [variable], "ema", decay=0.9)
    expected = np.ones(2)
    for value in (2.0, -1.0, 5.0):
        variable.assign(np.full(2, value, "float32"))
        ema.update()
        expected = 0.9 * expected + 0.1 * value
    np.testing.assert_allclose(_np(ema.averages[0]), expected, rtol=1e-6)


def test_historical_averaging_trains_and_reports_its_penalties():
    model = _make("dcgan", historical_averaging=1.0)
    model.compile()
    logs = model.fit(_images(), batch_size=8, epochs=1, verbose=0).history
    assert logs["d_historical_average"][0] > 0 and logs["g_historical_average"][0] > 0


def test_label_smoothing_is_exposed_on_the_models(tmp_path):
    model = _make("acgan", label_smoothing=0.1)
    assert model.adversarial_loss.label_smoothing == pytest.approx(0.1)
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras")
    assert again.adversarial_loss.label_smoothing == pytest.approx(0.1)


def test_ema_callback_averages_the_generator_for_sampling(tmp_path):
    model = _make("dcgan")
    model.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2))
    model.fit(_images(), batch_size=8, epochs=1, verbose=0,
              callbacks=[keras_gan.callbacks.EMA(decay=0.5)])
    assert model.ema_decay == 0.5
    averaged, raw = model.generate(4, seed=0), model.generate(4, seed=0, use_ema=False)
    assert np.abs(averaged - raw).max() > 1e-5
    model.save(tmp_path / "ema.keras")
    again = keras.saving.load_model(tmp_path / "ema.keras")
    np.testing.assert_allclose(again.generate(4, seed=0), averaged, atol=1e-6)
    copy = model.sampling_generator()
    np.testing.assert_allclose(_np(copy(model.latents(4, seed=0), training=False)), averaged,
                               atol=1e-6)
    with pytest.raises(ValueError, match="no moving average"):
        _make("dcgan").generate(2, use_ema=True)


@pytest.mark.slow
def test_conditional_export_serves_labels_and_uint8_images(tmp_path):
    model = _make("cgan", ema_decay=0.9)
    model.compile()
    model.fit(_images(), _labels(), batch_size=16, epochs=1, verbose=0)
    latent = model.latents(3, seed=0)
    labels = np.array([2, 0, 1], "int32")
    expected = model.generate_from(latent, labels=labels)
    path = str(tmp_path / "served" / "1")
    model.export(path)
    np.save(tmp_path / "latent.npy", latent)
    code = f"""
import numpy as np, tensorflow as tf
fn = tf.saved_model.load({path!r}).signatures["serving_default"]
out = fn(latent=tf.constant(np.load({str(tmp_path / 'latent.npy')!r})),
         label=tf.constant([2, 0, 1], tf.int32))
np.save({str(tmp_path / 'samples.npy')!r}, out["samples"].numpy())
np.save({str(tmp_path / 'images.npy')!r}, out["images"].numpy())
"""
    assert_ok(run_python(code, backend="tensorflow"))
    np.testing.assert_allclose(np.load(tmp_path / "samples.npy"), expected, atol=1e-5)
    images = np.load(tmp_path / "images.npy")
    assert images.dtype == np.uint8 and images.shape == (3, 16, 16, 1)
    reference = np.clip(np.round((expected + 1) * 127.5), 0, 255)
    assert np.abs(images.astype("float64") - reference).max() <= 1  # float32 rounding
