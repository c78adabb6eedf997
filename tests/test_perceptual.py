"""VGG19 features, perceptual / style losses and total variation against numpy.

All with `weights=None` or a weights file the tests save themselves (no ImageNet
download), on tiny images.
"""

import numpy as np
import pytest

import keras
from keras import ops

from keras_gan import losses
from keras_gan.losses import perceptual

MEAN_BGR = np.array([103.939, 116.779, 123.68])


def _np(x):
    return np.asarray(ops.convert_to_numpy(x), dtype="float64")


@pytest.fixture(scope="module")
def weights_file(tmp_path_factory):
    """A random VGG19 (no top) saved to a .weights.h5 file."""
    keras.utils.set_random_seed(7)
    base = keras.applications.VGG19(include_top=False, weights=None, input_shape=(None, None, 3))
    path = tmp_path_factory.mktemp("vgg") / "vgg19_random.weights.h5"
    base.save_weights(str(path))
    return str(path)


def _images(rng, n=2, size=32, low=-1.0, high=1.0):
    return rng.uniform(low, high, (n, size, size, 3)).astype("float32")


def _reference_preprocess(images, low, high):
    """Caffe mode in float64: input range -> 0..255, RGB -> BGR, minus the BGR mean."""
    x = (np.asarray(images, "float64") - low) * (255.0 / (high - low))
    return x[..., ::-1] - MEAN_BGR


def _reference_conv_same(x, kernel, bias):
    """3x3 'same' cross-correlation in float64, channels-last, HWIO kernel."""
    kh, kw = kernel.shape[:2]
    padded = np.pad(x, ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0)))
    h, w = x.shape[1:3]
    out = np.zeros(x.shape[:3] + (kernel.shape[-1],))
    for i in range(kh):
        for j in range(kw):
            out += np.einsum("bhwc,co->bhwo", padded[:, i:i + h, j:j + w, :], kernel[i, j])
    return out + bias


def _features(extractor, images):
    return {name: _np(value) for name, value in extractor(images).items()}


def test_pre_activation_copies_pretrained_weights_and_relu_gives_post_activation(
        weights_file, numpy_rng):
    names = ["block1_conv2", "block5_conv4"]
    pre = losses.VGGFeatures(names, weights=weights_file, pre_activation=True)
    post = losses.VGGFeatures(names, weights=weights_file)
    for name in names:
        rebuilt, original = pre.network.get_layer(name), post.network.get_layer(name)
        assert rebuilt is not original
        assert rebuilt.get_config()["activation"] == "linear"
        assert original.get_config()["activation"] == "relu"
        for a, b in zip(rebuilt.get_weights(), original.get_weights()):
            np.testing.assert_array_equal(a, b)

    images = _images(numpy_rng)
    f_pre, f_post = _features(pre, images), _features(post, images)
    for name in names:
        assert f_pre[name].min() < 0, name
        scale = np.abs(f_post[name]).max()
        assert scale > 0
        np.testing.assert_allclose(np.maximum(f_pre[name], 0), f_post[name], rtol=1e-5,
                                   atol=1e-5 * scale, err_msg=name)


def test_layers_are_chosen_by_name_with_their_shapes(numpy_rng):
    names = ["block5_conv4", "block1_conv2", "block2_pool", "block3_conv4"]
    extractor = losses.VGGFeatures(names, weights=None)
    out = extractor(_images(numpy_rng, n=2, size=48))
    assert list(out) == names
    assert {k: tuple(v.shape) for k, v in out.items()} == {
        "block1_conv2": (2, 48, 48, 64),
        "block2_pool": (2, 12, 12, 128),
        "block3_conv4": (2, 12, 12, 256),
        "block5_conv4": (2, 3, 3, 512),
    }


def test_network_stops_at_the_deepest_requested_layer_and_is_frozen():
    extractor = losses.VGGFeatures("block2_conv1", weights=None, pre_activation=True)
    built = [layer.name for layer in extractor.network.layers]
    assert "block2_conv1" in built and "block1_pool" in built
    assert not any(name.startswith(("block2_conv2", "block3", "block4", "block5"))
                   for name in built)
    assert extractor.trainable_weights == []
    assert len(extractor.non_trainable_weights) == 6  # 3 convolutions: kernel + bias
    assert not extractor.trainable


def test_bad_arguments_give_clear_errors(tmp_path, numpy_rng):
    with pytest.raises(ValueError, match="block5_conv4"):
        losses.VGGFeatures(["block5_conv5"], weights=None)
    with pytest.raises(ValueError, match="must not repeat"):
        losses.VGGFeatures(["block1_conv1", "block1_conv1"], weights=None)
    missing = str(tmp_path / "no_such_vgg.weights.h5")
    with pytest.raises(FileNotFoundError, match="no_such_vgg"):
        losses.VGGFeatures("block1_conv1", weights=missing)
    with pytest.raises(ValueError, match="input_range"):
        losses.VGGFeatures("block1_conv1", weights=None, input_range=(1, -1))
    with pytest.raises(ValueError, match="distance"):
        losses.PerceptualLoss(distance="l3", weights=None)
    with pytest.raises(ValueError, match="one weight per layer"):
        losses.PerceptualLoss(layers=("block1_conv1",), layer_weights=(1.0, 2.0),
                              weights=None)
    extractor = losses.VGGFeatures("block1_conv1", weights=None)
    with pytest.raises(ValueError, match="3"):
        extractor(numpy_rng.uniform(-1, 1, (2, 16, 16, 1)).astype("float32"))


@pytest.mark.parametrize("input_range", [(-1.0, 1.0), (0.0, 1.0), (0.0, 255.0)])
def test_preprocess_matches_numpy_caffe_mode_at_the_ends_of_the_range(numpy_rng, input_range):
    low, high = input_range
    images = _images(numpy_rng, n=3, size=5, low=low, high=high)
    images[0] = low  # both extremes and a mixed pixel
    images[1] = high
    images[2, 0, 0] = (low, high, low)
    original = images.copy()
    got = _np(perceptual.preprocess(images, input_range))
    np.testing.assert_array_equal(images, original)  # the numpy input is not modified
    np.testing.assert_allclose(got, _reference_preprocess(images, low, high), rtol=1e-6,
                               atol=1e-4)
    np.testing.assert_allclose(got[0, 0, 0], -MEAN_BGR, atol=1e-4)
    np.testing.assert_allclose(got[1, 0, 0], 255.0 - MEAN_BGR, atol=1e-4)
    np.testing.assert_allclose(got[2, 0, 0], [-MEAN_BGR[0], 255.0 - MEAN_BGR[1],
                                              -MEAN_BGR[2]], atol=1e-4)


def test_preprocess_takes_integer_images_as_0_to_255(numpy_rng):
    images = numpy_rng.integers(0, 256, (2, 4, 4, 3)).astype("uint8")
    images[0, 0, 0] = (0, 255, 0)
    np.testing.assert_allclose(_np(perceptual.preprocess(images)),
                               _reference_preprocess(images, 0.0, 255.0), atol=1e-4)


def test_first_convolution_matches_numpy_on_preprocessed_input(weights_file, numpy_rng):
    extractor = losses.VGGFeatures("block1_conv1", weights=weights_file, pre_activation=True,
                                   input_range=(0.0, 1.0))
    kernel, bias = extractor.network.get_layer("block1_conv1").get_weights()
    images = _images(numpy_rng, n=2, size=12, low=0.0, high=1.0)
    images[0, :3, :3] = 0.0
    images[1, :3, :3] = 1.0
    expected = _reference_conv_same(_reference_preprocess(images, 0.0, 1.0),
                                    kernel.astype("float64"), bias.astype("float64"))
    got = _features(extractor, images)["block1_conv1"]
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())
    post = losses.VGGFeatures("block1_conv1", weights=weights_file, input_range=(0.0, 1.0))
    np.testing.assert_allclose(_features(post, images)["block1_conv1"], np.maximum(expected, 0),
                               rtol=1e-4, atol=1e-4 * np.abs(expected).max())


def test_gram_matrix_matches_numpy(numpy_rng):
    features = numpy_rng.normal(size=(3, 4, 5, 6)) * 10
    flat = features.reshape(3, 20, 6)
    expected = np.einsum("bpi,bpj->bij", flat, flat)
    got = _np(losses.gram_matrix(features.astype("float32")))
    assert got.shape == (3, 6, 6)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-3)


@pytest.mark.parametrize("squared", [True, False])
def test_total_variation_matches_numpy(numpy_rng, squared):
    images = numpy_rng.uniform(-1, 1, (3, 7, 5, 3))
    down = images[:, 1:] - images[:, :-1]
    right = images[:, :, 1:] - images[:, :, :-1]
    penalty = np.square if squared else np.abs
    expected = (penalty(down).sum(axis=(1, 2, 3)) + penalty(right).sum(axis=(1, 2, 3))).mean()
    got = _np(losses.total_variation(images.astype("float32"), squared=squared))
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    flat = np.full((2, 6, 6, 3), 0.3, "float32")
    assert _np(losses.total_variation(flat)) == 0.0


@pytest.mark.parametrize("distance", ["mse", "l1"])
def test_perceptual_loss_matches_numpy(numpy_rng, distance):
    names = ("block1_conv2", "block2_conv1")
    layer_weights, scale = (0.3, 2.0), 1 / 12.75
    loss = losses.PerceptualLoss(layers=names, layer_weights=layer_weights, distance=distance,
                                 feature_scale=scale, weights=None)
    y_true, y_pred = _images(numpy_rng), _images(numpy_rng)
    f_true, f_pred = _features(loss.extractor, y_true), _features(loss.extractor, y_pred)
    penalty = np.square if distance == "mse" else np.abs
    per_image = sum(w * penalty(scale * (f_pred[n] - f_true[n])).mean(axis=(1, 2, 3))
                    for n, w in zip(names, layer_weights))
    got = _np(loss(y_true, y_pred))
    assert got.shape == () and np.isfinite(got) and got > 0
    np.testing.assert_allclose(got, per_image.mean(), rtol=1e-4)
    assert _np(loss(y_true, y_true)) == 0.0


def test_perceptual_loss_defaults_and_dict_layer_weights(numpy_rng):
    loss = losses.PerceptualLoss(layers=["block1_conv1", "block1_conv2"],
                                 layer_weights={"block1_conv2": 0.5, "block1_conv1": 4.0},
                                 weights=None, pre_activation=True)
    assert loss.layer_weights == (4.0, 0.5)
    assert losses.PerceptualLoss(weights=None).layers == ("block5_conv4",)
    config = loss.get_config()
    clone = losses.PerceptualLoss.from_config(config)
    assert clone.get_config() == config


def _style_reference(f_true, f_pred, names, layer_weights):
    total = 0.0
    for name, weight in zip(names, layer_weights):
        b, h, w, c = f_pred[name].shape
        gram = lambda f: np.einsum("bpi,bpj->bij", f.reshape(f.shape[0], -1, c),
                                   f.reshape(f.shape[0], -1, c))
        e = ((gram(f_pred[name]) - gram(f_true[name])) ** 2).sum(axis=(1, 2))
        total = total + weight * e / (4.0 * c ** 2 * (h * w) ** 2)
    return total.mean()


def test_style_loss_matches_numpy_gatys_normalisation(numpy_rng):
    names = ("block1_conv1", "block2_conv1", "block3_conv1")
    loss = losses.StyleLoss(layers=names, weights=None)
    assert loss.layer_weights == pytest.approx((1 / 3,) * 3)
    y_true, y_pred = _images(numpy_rng, size=16), _images(numpy_rng, size=16)
    f_true, f_pred = _features(loss.extractor, y_true), _features(loss.extractor, y_pred)
    got = _np(loss(y_true, y_pred))
    assert got.shape == () and np.isfinite(got) and got > 0
    np.testing.assert_allclose(got, _style_reference(f_true, f_pred, names, (1 / 3,) * 3),
                               rtol=1e-4)
    assert _np(loss(y_pred, y_pred)) == 0.0

    # one style image for a batch of generated images
    style = y_true[:1]
    f_style = _features(loss.extractor, style)
    expected = _style_reference({n: np.repeat(f_style[n], 2, axis=0) for n in names}, f_pred,
                                names, (1 / 3,) * 3)
    np.testing.assert_allclose(_np(loss(style, y_pred)), expected, rtol=1e-4)


def test_style_loss_layer_weights(numpy_rng):
    names, layer_weights = ("block1_conv2", "block2_conv2"), (10.0, 0.25)
    loss = losses.StyleLoss(layers=names, layer_weights=layer_weights, weights=None,
                            pre_activation=True)
    y_true, y_pred = _images(numpy_rng, size=16), _images(numpy_rng, size=16)
    f_true, f_pred = _features(loss.extractor, y_true), _features(loss.extractor, y_pred)
    np.testing.assert_allclose(_np(loss(y_true, y_pred)),
                               _style_reference(f_true, f_pred, names, layer_weights), rtol=1e-4)


def test_gradients_reach_a_generator_through_the_losses(numpy_rng):
    """One `fit` step of a 1x1 convolution under each loss moves its weights (any
    backend: the gradient goes through the frozen VGG to the images)."""
    x = _images(numpy_rng, n=4, size=16)
    y = _images(numpy_rng, n=4, size=16)
    for loss in (losses.PerceptualLoss(layers=("block1_conv2",), weights=None),
                 losses.StyleLoss(layers=("block1_conv1",), weights=None)):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((16, 16, 3)), keras.layers.Conv2D(3, 1)])
        model.compile(optimizer=keras.optimizers.SGD(1e-3), loss=loss)
        before = [w.copy() for w in model.get_weights()]
        model.fit(x, y, batch_size=4, epochs=1, verbose=0)
        after = model.get_weights()
        assert all(np.isfinite(w).all() for w in after)
        assert any(not np.array_equal(a, b) for a, b in zip(before, after)), loss.name
        assert loss.extractor.trainable_weights == []
