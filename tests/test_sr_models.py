"""SRGAN and ESRGAN (both stages), the super-resolution losses against a float64 numpy
reference, saving, and network interpolation.

Tiny networks (x2, one block, a few filters, 8x8 LR crops) and a perceptual loss on a
shallow VGG19 layer with random weights (`weights=None`: no download) keep this fast;
the papers' defaults are checked on the configuration, not by training them."""

import numpy as np
import pytest

import keras
from keras import ops

import keras_gan
from keras_gan import networks
from keras_gan.losses import PerceptualLoss
from keras_gan.models import ESRGAN, SRGAN, SuperResolutionGAN, interpolate_weights

SCALE = 2
LR_SIDE = 8
HR_SIDE = LR_SIDE * SCALE
ZEROS = {"kernel_initializer": "zeros"}


def pairs(n=8, hr_range=(-1.0, 1.0), seed=0):
    """Random LR in [0, 1] and HR in `hr_range`, HR = 2 x LR in size."""
    rng = np.random.default_rng(seed)
    lr = rng.uniform(0, 1, (n, LR_SIDE, LR_SIDE, 3)).astype("float32")
    low, high = hr_range
    hr = rng.uniform(low, high, (n, HR_SIDE, HR_SIDE, 3)).astype("float32")
    return lr, hr


def randomize(model, seed=0, scale=0.5):
    """Random weights drawn with numpy (std `scale / sqrt(fan_in)` for kernels): the
    networks are built with zero initializers, because under JAX every random
    initializer of a new weight shape is one more XLA compilation."""
    rng = np.random.default_rng(seed)
    for v in model.weights:
        if "moving" in v.path or "gamma" in v.path:
            continue
        fan_in = np.prod(v.shape[:-1]) if len(v.shape) > 1 else 1
        v.assign((rng.normal(size=v.shape) * scale / np.sqrt(fan_in)).astype("float32"))
    return model


def tiny_srresnet(blocks=1, seed=0):
    return randomize(networks.srresnet(scale=SCALE, blocks=blocks, filters=8, **ZEROS), seed)


def tiny_rrdb(seed=0):
    return randomize(networks.rrdb_net(SCALE, 1, 8, 4, block_initializer="zeros", **ZEROS),
                     seed)


def tiny_discriminator(builder, side, seed=0):
    return randomize(builder((side, side, 3), filters=4, **ZEROS), seed)


def tiny_perceptual(input_range, distance="mse", pre_activation=False):
    return PerceptualLoss(("block1_conv2",), distance=distance, weights=None,
                          pre_activation=pre_activation, input_range=input_range)


def changed(before, after):
    return [not np.array_equal(a, b) for a, b in zip(before, after)]


@pytest.fixture(scope="module")
def srresnet_stage():
    """An SRResNet (PSNR stage) trained for one short epoch."""
    keras.utils.set_random_seed(0)
    model = SRGAN(stage="psnr", generator=tiny_srresnet(), scale=SCALE)
    model.compile()
    model.initial_weights = model.generator.get_weights()
    lr, hr = pairs()
    model.history_ = model.fit(lr, hr, batch_size=4, epochs=1, verbose=0)
    return model


@pytest.fixture(scope="module")
def srgan(srresnet_stage):
    keras.utils.set_random_seed(1)
    model = SRGAN(pretrained=srresnet_stage, scale=SCALE,
                  discriminator=tiny_discriminator(networks.srgan_discriminator, HR_SIDE),
                  perceptual_loss=tiny_perceptual((-1.0, 1.0)))
    model.compile()
    return model


def test_psnr_stage_trains_the_generator_alone(srresnet_stage):
    model = srresnet_stage
    assert model.discriminator is None and model.perceptual_loss is None
    assert model.pixel_weight == 1.0 and model.pixel_loss == "mse"
    history = model.history_.history
    assert set(history) == {"g_loss", "pixel_loss", "psnr"}
    assert np.isfinite(history["g_loss"][0])
    assert all(changed(model.initial_weights[:len(model.generator.trainable_weights)],
                       [w.numpy() if hasattr(w, "numpy") else ops.convert_to_numpy(w)
                        for w in model.generator.trainable_weights]))
    assert int(model.optimizer.iterations) == 2
    # the paper's optimizer: Adam(1e-4, beta_1=0.9)
    assert model.generator_optimizer.beta_1 == 0.9
    assert float(model.generator_optimizer.learning_rate) == pytest.approx(1e-4)
    with pytest.raises(ValueError, match="no discriminator"):
        SRGAN(stage="psnr", generator=tiny_srresnet(), scale=SCALE).compile(
            discriminator_optimizer="adam")


def test_gan_stage_starts_from_the_psnr_stage_and_updates_both_networks(srresnet_stage, srgan):
    psnr_weights = srresnet_stage.generator.get_weights()
    for a, b in zip(srgan.generator.get_weights(), psnr_weights):
        np.testing.assert_array_equal(a, b)
    assert srgan.generator is not srresnet_stage.generator
    g_before = srgan.generator.get_weights()
    d_before = srgan.discriminator.get_weights()
    vgg_before = srgan.perceptual_network.get_weights()
    lr, hr = pairs(seed=1)
    history = srgan.fit(lr, hr, batch_size=4, epochs=1, verbose=0).history
    assert {"g_loss", "pixel_loss", "perceptual_loss", "adversarial_loss", "d_loss",
            "d_real", "d_fake", "psnr"} == set(history)
    assert all(np.isfinite(v[0]) for v in history.values())
    n_g = len(srgan.generator.trainable_weights)
    assert all(changed(g_before[:n_g], srgan.generator.get_weights()[:n_g]))
    assert any(changed(d_before, srgan.discriminator.get_weights()))
    # the frozen VGG and the first stage are untouched
    for a, b in zip(vgg_before, srgan.perceptual_network.get_weights()):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(psnr_weights, srresnet_stage.generator.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert int(srgan.optimizer.iterations) == 2
    assert int(srgan.generator_optimizer.iterations) == 2
    assert int(srgan.discriminator_optimizer.iterations) == 2


def test_srgan_defaults_are_the_papers():
    model = SRGAN(generator=tiny_srresnet(), scale=SCALE,
                  discriminator=tiny_discriminator(networks.srgan_discriminator, HR_SIDE),
                  vgg_weights=None)
    loss = model.perceptual_loss
    assert loss.layers == ("block5_conv4",) or list(loss.layers) == ["block5_conv4"]
    assert loss.distance == "mse" and loss.feature_scale == pytest.approx(1 / 12.75)
    assert not loss.extractor.pre_activation
    assert model.pixel_weight == 0.0 and model.adversarial_weight == pytest.approx(1e-3)
    assert model.adversarial_loss.name == "non_saturating"
    assert model.lr_range == (0.0, 1.0) and model.hr_range == (-1.0, 1.0)
    # ESRGAN's: L1 perceptual before the activation, 1e-2 L1 pixel, 5e-3 RaGAN
    esrgan = ESRGAN(generator=tiny_rrdb(), scale=SCALE,
                    discriminator=tiny_discriminator(networks.esrgan_discriminator, 32),
                    perceptual_loss=tiny_perceptual((0.0, 1.0), "l1", pre_activation=True))
    assert esrgan.pixel_loss == "l1" and esrgan.pixel_weight == pytest.approx(1e-2)
    assert esrgan.adversarial_weight == pytest.approx(5e-3)
    assert esrgan.adversarial_loss.name == "relativistic_average"
    assert esrgan.hr_range == (0.0, 1.0)
    esrgan.compile()
    for opt in (esrgan.generator_optimizer, esrgan.discriminator_optimizer):
        assert float(opt.learning_rate) == pytest.approx(1e-4)
        assert (opt.beta_1, opt.beta_2) == (0.9, 0.999)
    psnr = ESRGAN(stage="psnr", generator=tiny_rrdb(), scale=SCALE)
    assert psnr.pixel_loss == "l1" and psnr.pixel_weight == 1.0
    psnr.compile()
    assert float(psnr.generator_optimizer.learning_rate) == pytest.approx(2e-4)


def test_default_esrgan_perceptual_loss_is_pre_activation_l1_on_vgg54():
    model = ESRGAN(stage="gan", generator=tiny_rrdb(), scale=SCALE,
                   discriminator=tiny_discriminator(networks.esrgan_discriminator, 32),
                   vgg_weights=None)
    loss = model.perceptual_loss
    assert list(loss.layers) == ["block5_conv4"]
    assert loss.distance == "l1" and loss.extractor.pre_activation
    assert tuple(loss.extractor.input_range) == (0.0, 1.0)


def test_esrgan_steps_change_both_networks_with_the_relativistic_loss():
    keras.utils.set_random_seed(2)
    model = ESRGAN(generator=tiny_rrdb(), scale=SCALE,
                   discriminator=tiny_discriminator(networks.esrgan_discriminator, 32),
                   perceptual_loss=tiny_perceptual((0.0, 1.0), "l1", pre_activation=True))
    model.compile()
    rng = np.random.default_rng(3)
    lr = rng.uniform(0, 1, (4, 16, 16, 3)).astype("float32")
    hr = rng.uniform(0, 1, (4, 32, 32, 3)).astype("float32")
    g_before = [v.numpy() if hasattr(v, "numpy") else ops.convert_to_numpy(v)
                for v in model.generator.trainable_weights]
    d_before = model.discriminator.get_weights()
    history = model.fit(lr, hr, batch_size=2, epochs=1, verbose=0).history
    assert all(np.isfinite(v[0]) for v in history.values())
    g_after = [ops.convert_to_numpy(v) for v in model.generator.trainable_weights]
    assert all(changed(g_before, g_after))
    assert any(changed(d_before, model.discriminator.get_weights()))


def test_generator_loss_is_the_weighted_sum_of_its_terms(srgan):
    lr, hr = pairs(4, seed=5)
    values = srgan.generator_losses(ops.convert_to_tensor(lr), ops.convert_to_tensor(hr),
                                    training=False)
    terms = {k: float(ops.convert_to_numpy(v)) for k, v in values.items() if k != "sr"}
    expected = (srgan.pixel_weight * terms["pixel_loss"]
                + srgan.perceptual_weight * terms["perceptual_loss"]
                + srgan.adversarial_weight * terms["adversarial_loss"])
    assert terms["g_loss"] == pytest.approx(expected, rel=1e-5)
    # the adversarial term: -log sigmoid(D(SR)) averaged over the batch
    sr = ops.convert_to_numpy(values["sr"])
    logits = ops.convert_to_numpy(srgan.discriminator(sr, training=False)).astype("float64")
    assert terms["adversarial_loss"] == pytest.approx(np.mean(np.logaddexp(0.0, -logits)),
                                                      rel=1e-4)


@pytest.mark.parametrize("pixel_loss", ["mse", "l1"])
def test_pixel_loss_and_psnr_against_float64_numpy(pixel_loss):
    model = SuperResolutionGAN(tiny_srresnet(), scale=SCALE, pixel_loss=pixel_loss,
                               hr_range=(-1.0, 1.0))
    rng = np.random.default_rng(7)
    hr = rng.uniform(-1, 1, (3, 6, 6, 3)).astype("float32")
    sr = hr + rng.normal(scale=0.1, size=hr.shape).astype("float32")
    sr[2] = hr[2]  # an exact image: the PSNR is capped at 100 dB, not infinite
    sr[1] = np.float32(1e3)  # an extreme output
    values = model.reconstruction_losses(ops.convert_to_tensor(hr), ops.convert_to_tensor(sr))
    diff = sr.astype("float64") - hr.astype("float64")
    per_image = np.mean(diff ** 2 if pixel_loss == "mse" else np.abs(diff), axis=(1, 2, 3))
    np.testing.assert_allclose(float(ops.convert_to_numpy(values["pixel_loss"])),
                               per_image.mean(), rtol=1e-5)
    unit_mse = np.mean((diff / 2.0) ** 2, axis=(1, 2, 3))
    psnr = -10 * np.log10(np.maximum(unit_mse, 1e-10))
    assert psnr[2] == pytest.approx(100.0)
    np.testing.assert_allclose(float(ops.convert_to_numpy(values["psnr"])), psnr.mean(),
                               rtol=1e-5)


def test_save_and_load_restore_the_model_offline(srgan, tmp_path):
    path = str(tmp_path / "srgan.keras")
    srgan.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is SRGAN and loaded.stage == "gan"
    lr, _ = pairs(2, seed=9)
    np.testing.assert_allclose(loaded.predict(lr, verbose=0), srgan.predict(lr, verbose=0),
                               atol=1e-6)
    # the VGG of the perceptual loss is in the file (random here: it must come back as is)
    for a, b in zip(loaded.perceptual_network.get_weights(),
                    srgan.perceptual_network.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert loaded.perceptual_loss.feature_scale == srgan.perceptual_loss.feature_scale
    for a, b in zip(loaded.discriminator.get_weights(), srgan.discriminator.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert float(loaded.generator_optimizer.learning_rate) == pytest.approx(1e-4)


def test_interpolation_reproduces_the_endpoints_and_blends_between(srresnet_stage, srgan):
    lr, _ = pairs(2, seed=11)
    for alpha, reference in ((0.0, srresnet_stage), (1.0, srgan)):
        blended = interpolate_weights(srresnet_stage, srgan, alpha)
        np.testing.assert_allclose(blended.predict(lr, verbose=0),
                                   reference.generator.predict(lr, verbose=0), atol=1e-6)
    half = interpolate_weights(srresnet_stage.generator, srgan.generator, 0.3)
    for got, a, b in zip(half.get_weights(), srresnet_stage.generator.get_weights(),
                         srgan.generator.get_weights()):
        np.testing.assert_allclose(got, 0.7 * a.astype("float64") + 0.3 * b, rtol=1e-6,
                                   atol=1e-7)
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\]"):
        interpolate_weights(srresnet_stage, srgan, 1.5)
    other = tiny_srresnet(blocks=2)
    with pytest.raises(ValueError, match="generators differ"):
        interpolate_weights(srresnet_stage, other, 0.5)


def test_bad_pairs_and_settings_are_named(srgan):
    lr, hr = pairs(4)
    with pytest.raises(ValueError, match="must be 2 x the LR"):
        srgan.fit(lr, hr[:, :12, :12], batch_size=4, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="pairs"):
        srgan.fit(lr, batch_size=4, epochs=1, verbose=0)
    big_lr = np.zeros((4, 12, 12, 3), "float32")
    big_hr = np.zeros((4, 24, 24, 3), "float32")
    with pytest.raises(ValueError, match="judges 16x16 HR crops"):
        srgan.fit(big_lr, big_hr, batch_size=4, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="stage must be"):
        SRGAN(stage="mse", generator=tiny_srresnet(), scale=SCALE)
    with pytest.raises(ValueError, match="takes no discriminator"):
        SRGAN(stage="psnr", generator=tiny_srresnet(), scale=SCALE,
              discriminator=srgan.discriminator)
    with pytest.raises(ValueError, match="output range"):
        SuperResolutionGAN(tiny_srresnet(), scale=SCALE, hr_range=(0.0, 1.0),
                           perceptual_loss=srgan.perceptual_loss)
    with pytest.raises(ValueError, match="power of two"):
        SuperResolutionGAN(tiny_srresnet(), scale=3)
    with pytest.raises(ValueError, match="pixel_loss"):
        SuperResolutionGAN(tiny_srresnet(), scale=SCALE, pixel_loss="l2")
    with pytest.raises(ValueError, match="does not take 'loss'"):
        SRGAN(stage="psnr", generator=tiny_srresnet(), scale=SCALE).compile(loss="mse")
    with pytest.raises(ValueError, match="either generator or pretrained"):
        SRGAN(stage="psnr", generator=tiny_srresnet(), pretrained=srgan, scale=SCALE)


def test_validation_reports_the_psnr(srresnet_stage):
    lr, hr = pairs(4, seed=13)
    scores = srresnet_stage.evaluate(lr, hr, batch_size=4, verbose=0, return_dict=True)
    sr = srresnet_stage.predict(lr, verbose=0).astype("float64")
    unit_mse = np.mean(((sr - hr) / 2.0) ** 2, axis=(1, 2, 3))
    assert scores["psnr"] == pytest.approx(np.mean(-10 * np.log10(unit_mse)), rel=1e-4)
    assert keras_gan.models.SRGAN is SRGAN


def test_export_serves_uint8_images_of_any_size_like_upscale(srresnet_stage, tmp_path):
    import tensorflow as tf

    path = str(tmp_path / "srresnet")
    srresnet_stage.export(path)
    served = tf.saved_model.load(path).signatures["serving_default"]
    rng = np.random.default_rng(17)
    for shape in ((1, 7, 9, 3), (2, 12, 5, 3)):
        images = rng.integers(0, 256, shape, dtype=np.uint8)
        out = served(images=tf.constant(images))["images"].numpy()
        assert out.dtype == np.uint8 and out.shape == (shape[0], 2 * shape[1], 2 * shape[2], 3)
        for image, got in zip(images, out):
            expected = srresnet_stage.upscale(image).astype(int)
            assert np.abs(got.astype(int) - expected).max() <= 1
