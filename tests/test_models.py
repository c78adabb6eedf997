"""GAN, WGAN and WGAN-GP trained with `fit` under the current backend."""

import numpy as np
import pytest

import keras

import keras_gan
from conftest import BACKEND, ring_data, tiny_model, tiny_networks


def _snapshot(variables):
    return [np.array(keras.ops.convert_to_numpy(v)) for v in variables]


def _changed(before, variables):
    return any(not np.array_equal(b, keras.ops.convert_to_numpy(v))
               for b, v in zip(before, variables))


@pytest.mark.parametrize("cls", [keras_gan.GAN, keras_gan.WGAN, keras_gan.WGANGP])
def test_a_step_changes_both_networks(cls):
    model = tiny_model(cls, seed=1)
    g0 = _snapshot(model.generator.trainable_variables)
    d0 = _snapshot(model.discriminator.trainable_variables)
    model.fit(ring_data(160), batch_size=160, epochs=1, verbose=0)
    assert _changed(g0, model.generator.trainable_variables)
    assert _changed(d0, model.discriminator.trainable_variables)


@pytest.mark.parametrize("k", [1, 3])
def test_k_discriminator_updates_per_generator_update(k):
    model = tiny_model(discriminator_steps=k, seed=2)
    steps = 4
    model.fit(ring_data(steps * 12 * k), batch_size=12 * k, epochs=1, verbose=0)
    assert int(model.generator_optimizer.iterations.numpy()) == steps
    assert int(model.discriminator_optimizer.iterations.numpy()) == k * steps
    assert int(model.optimizer.iterations.numpy()) == steps


def test_each_discriminator_step_sees_its_own_slice():
    model = tiny_model(discriminator_steps=3, compile=False)
    batch = keras.ops.convert_to_tensor(np.arange(22, dtype="float32").reshape(11, 2))
    labels = keras.ops.convert_to_tensor(np.arange(11, dtype="int32"))
    pairs = model._slices(batch, labels)
    slices = [keras.ops.convert_to_numpy(s) for s, _ in pairs]
    assert [len(s) for s in slices] == [3, 3, 3]  # 11 // 3; the remainder is unused
    np.testing.assert_array_equal(np.concatenate(slices), np.arange(18).reshape(9, 2))
    # labels travel with their samples
    np.testing.assert_array_equal(
        np.concatenate([keras.ops.convert_to_numpy(y) for _, y in pairs]), np.arange(9))
    assert all(y is None for _, y in model._slices(batch))
    with pytest.raises(ValueError, match="too small for 3 discriminator steps"):
        model._slices(batch[:2])


def test_wgan_defaults_and_clipping_holds_after_training():
    model = tiny_model(keras_gan.WGAN, batch_norm=False, seed=3)
    assert model.discriminator_steps == 5 and model.clip_value == 0.01
    assert isinstance(model.generator_optimizer, keras.optimizers.RMSprop)
    np.testing.assert_allclose(float(model.discriminator_optimizer.learning_rate.numpy()), 5e-5)
    model.compile(keras.optimizers.RMSprop(1e-2), keras.optimizers.RMSprop(1e-2))  # big steps
    model.fit(ring_data(500), batch_size=100, epochs=2, verbose=0)
    for v in model.discriminator.trainable_variables:
        assert np.abs(keras.ops.convert_to_numpy(v)).max() <= 0.01 + 1e-7
    assert max(np.abs(keras.ops.convert_to_numpy(v)).max()
               for v in model.generator.trainable_variables) > 0.01  # G is not clipped


def test_wgan_gp_defaults_and_penalty_tracker():
    model = tiny_model(keras_gan.WGANGP, batch_norm=False, seed=4)
    assert model.discriminator_steps == 5 and model.gradient_penalty_weight == 10.0
    opt = model.discriminator_optimizer
    assert isinstance(opt, keras.optimizers.Adam)
    np.testing.assert_allclose([float(opt.learning_rate.numpy()), opt.beta_1, opt.beta_2],
                               [1e-4, 0.5, 0.9])
    history = model.fit(ring_data(200), batch_size=100, epochs=1, verbose=0,
                        validation_data=(ring_data(100, seed=5),))
    h = history.history
    for key in ("d_loss", "g_loss", "d_real", "d_fake", "gradient_penalty",
                "val_d_loss", "val_g_loss", "val_gradient_penalty"):
        assert key in h and np.isfinite(h[key][-1]), key
    assert h["gradient_penalty"][-1] > 0


def test_evaluate_reports_the_same_losses():
    model = tiny_model(seed=6)
    model.fit(ring_data(128), batch_size=64, epochs=1, verbose=0)
    logs = model.evaluate(ring_data(128, seed=9), batch_size=64, verbose=0, return_dict=True)
    assert set(logs) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert all(np.isfinite(v) for v in logs.values())


@pytest.mark.parametrize("loss", ["minimax", "hinge", "least_squares", "relativistic",
                                  "relativistic_average", "wasserstein"])
def test_every_loss_trains(loss):
    model = tiny_model(loss=loss, seed=7, batch_norm=False)
    history = model.fit(ring_data(128), batch_size=64, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][-1]) and np.isfinite(history.history["g_loss"][-1])


def test_label_smoothing_changes_the_discriminator_loss():
    plain = tiny_model(seed=8, compile=False)
    smooth = tiny_model(seed=8, compile=False, label_smoothing=0.1)
    assert smooth.adversarial_loss.real_target == 0.9
    real, fake = ring_data(32), ring_data(32, seed=1) * 0
    lp = plain.discriminator_losses(real, fake, training=False)["d_loss"]
    ls = smooth.discriminator_losses(real, fake, training=False)["d_loss"]
    assert float(keras.ops.convert_to_numpy(lp)) != float(keras.ops.convert_to_numpy(ls))


@pytest.mark.parametrize("packing", [2, 4])
def test_packing_feeds_groups_of_samples(packing):
    model = tiny_model(packing=packing, seed=9)
    x = np.arange(16, dtype="float32").reshape(8, 2)
    packed = keras.ops.convert_to_numpy(keras_gan.models.pack(x, packing))
    np.testing.assert_array_equal(packed, x.reshape(8 // packing, 2 * packing))
    images = np.arange(8 * 3 * 3 * 2, dtype="float32").reshape(8, 3, 3, 2)
    packed = keras.ops.convert_to_numpy(keras_gan.models.pack(images, packing))
    assert packed.shape == (8 // packing, 3, 3, 2 * packing)
    np.testing.assert_array_equal(packed[0, 1, 2], np.concatenate(images[:packing, 1, 2]))
    history = model.fit(ring_data(8 * packing * 4), batch_size=8 * packing, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][-1])


def test_generate_is_seeded_with_numpy():
    model = tiny_model(seed=10)
    a, b = model.generate(7, seed=3), model.generate(7, seed=3)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (7, 2) and a.dtype == np.float32
    z = np.random.default_rng(3).standard_normal((7, 2)).astype("float32")
    np.testing.assert_allclose(a, keras.ops.convert_to_numpy(model.generator(z, training=False)),
                               rtol=1e-6, atol=1e-6)
    assert not np.array_equal(a, model.generate(7, seed=4))
    assert model.generate(0).shape == (0, 2)
    np.testing.assert_allclose(model.predict(z, verbose=0), a, rtol=1e-6, atol=1e-6)


def test_optimizers_are_named_and_logged_by_callbacks():
    model = tiny_model(seed=11)
    assert model.generator_optimizer.name == "generator_optimizer"
    assert model.discriminator_optimizer.name == "discriminator_optimizer"
    schedule = keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    model.fit(ring_data(64), batch_size=64, epochs=1, verbose=0, callbacks=[schedule])
    for opt in (model.generator_optimizer, model.discriminator_optimizer):
        np.testing.assert_allclose(float(opt.learning_rate.numpy()), 1e-4, rtol=1e-6)


def test_bad_configuration_is_rejected_clearly():
    g, d = tiny_networks()
    with pytest.raises(ValueError, match="latent vectors of size 2 but latent_dim is 3"):
        keras_gan.GAN(g, d, latent_dim=3)
    with pytest.raises(ValueError, match="discriminator_steps must be >= 1"):
        keras_gan.GAN(g, d, latent_dim=2, discriminator_steps=0)
    with pytest.raises(TypeError, match="generator must be a Keras model"):
        keras_gan.GAN(lambda z: z, d, latent_dim=2)
    model = keras_gan.GAN(g, d, latent_dim=2)
    with pytest.raises(RuntimeError, match="compile"):
        model.generator_optimizer
    with pytest.raises(ValueError, match="does not take 'loss'"):
        model.compile(loss="mse")
    opt = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="two optimizer instances"):
        model.compile(opt, opt)
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        model.generate_from(np.zeros((3, 5)))


@pytest.mark.parametrize("options", [{"steps_per_execution": 2}, {"run_eagerly": True}])
def test_fit_options_of_keras_keep_the_alternation(options):
    model = tiny_model(discriminator_steps=2, compile=False, seed=12)
    if BACKEND == "torch" and "steps_per_execution" in options:
        model.compile(**options)
        with pytest.raises(ValueError, match="steps_per_execution"):  # a Keras limitation
            model.fit(ring_data(40), batch_size=20, epochs=1, verbose=0)
        return
    model.compile(**options)
    model.fit(ring_data(4 * 20), batch_size=20, epochs=1, verbose=0)
    assert int(model.generator_optimizer.iterations.numpy()) == 4
    assert int(model.discriminator_optimizer.iterations.numpy()) == 8
