"""Fast style transfer (Johnson et al. 2016): the transformation network, instance
normalisation and the FastStyleTransfer model, on tiny images with a random VGG19
(`weights=None`: no ImageNet download), against float64 numpy references.

One model (8-filter transformer, one residual block) is built per module and shared:
building VGG19 and compiling the JAX step are the slow parts."""

import json

import numpy as np
import pytest

import keras

from conftest import assert_ok, run_python, stripes_style_image

from keras_gan import backend
from keras_gan.layers import InstanceNormalization
from keras_gan.losses import VGGFeatures
from keras_gan.models import FastStyleTransfer
from keras_gan.networks import transformer_net
from keras_gan.networks.transformer import ReflectionPadding2D

STYLE_LAYERS = ("block1_conv2", "block2_conv2", "block3_conv3", "block4_conv3")


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x), dtype="float64")


def _content_batch(n=2, size=16):
    """`n` smooth 16x16 images in [0, 1] with a bright square each (VGG19 to
    block4_conv3 costs about 0.6 GFLOP per 32x32 image: small images keep `fit` fast)."""
    y, x = np.mgrid[0:size, 0:size] / (size - 1.0)
    images = []
    for i in range(n):
        image = np.stack([x, y, (x + y) / 2], axis=-1) * (0.5 + 0.1 * i)
        image[2 + i:8 + i, 3:11] = (0.95, 0.9, 0.1)
        images.append(image)
    return np.clip(np.stack(images), 0, 1).astype("float32")


def _identity(channels=3):
    images = keras.Input((None, None, channels))
    return keras.Model(images, images)


def _numpy_glorot(net, seed=0):
    """Draws `net`'s convolution kernels Glorot-uniform with numpy: the same weights on
    every backend, and no random-number kernel compiled per shape (about a second each
    under JAX). The network is built with zero kernels, so its config names a standard
    initializer and loads anywhere."""
    rng = np.random.default_rng(seed)
    for variable in net.trainable_variables:
        shape = tuple(variable.shape)
        if len(shape) == 4:
            limit = np.sqrt(6.0 / (shape[0] * shape[1] * (shape[2] + shape[3])))
            variable.assign(rng.uniform(-limit, limit, shape).astype("float32"))
    return net


def _tiny_transformer(**kwargs):
    return _numpy_glorot(transformer_net(filters=8, residual_blocks=1,
                                         kernel_initializer="zeros", **kwargs))


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(3)
    return FastStyleTransfer(stripes_style_image(), transformer=_tiny_transformer(), weights=None)


@pytest.fixture(scope="module")
def variant():
    """The other options: batch normalisation, resize-convolution upsampling, tanh."""
    keras.utils.set_random_seed(4)
    return _tiny_transformer(normalization="batch", upsampling="resize", output="tanh")


def _loss_terms(model, images):
    with backend.no_grad():
        terms = model.compute_loss_terms(images, model(images))
    return {k: float(_np(v)) for k, v in terms.items()}


# ------------------------------------------------------------ instance normalisation
def _instance_norm_reference(x, gamma, beta, epsilon=1e-5):
    x = np.asarray(x, "float64")
    axes = tuple(range(1, x.ndim - 1))
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + epsilon) * gamma + beta, (x - mean) / np.sqrt(var + epsilon)


def _norm_inputs():
    rng = np.random.default_rng(0)
    shape = (2, 7, 5, 4)
    mixed = rng.normal(size=shape)
    mixed[0, ..., 0] = 1000.3  # a constant channel at a large offset
    mixed[1, ..., 1] = 1000.0 + 0.01 * rng.normal(size=shape[1:3])  # tiny spread
    mixed[1, ..., 2] = -7.0  # another constant channel
    return {
        "normal": rng.normal(size=shape),
        "huge": 1e3 * rng.normal(size=shape),
        "constant": np.full(shape, 1000.3),
        "offset": 1000.0 + 0.01 * rng.normal(size=shape),
        "mixed": mixed,
    }


def test_instance_norm_matches_a_float64_reference_for_any_offset_and_scale():
    rng = np.random.default_rng(1)
    gamma, beta = rng.uniform(0.5, 2.0, 4), rng.normal(size=4)
    layer = InstanceNormalization(gamma_initializer=keras.initializers.Constant(gamma),
                                  beta_initializer=keras.initializers.Constant(beta))
    for name, x in _norm_inputs().items():
        x = x.astype("float32")
        got = _np(layer(x))
        expected, _ = _instance_norm_reference(x, gamma, beta)
        assert got.dtype == np.float64 and np.isfinite(got).all(), name
        np.testing.assert_allclose(got, expected, rtol=0, atol=2e-5, err_msg=name)
    rank3 = (5.0 + np.random.default_rng(3).normal(size=(3, 11, 4))).astype("float32")
    np.testing.assert_allclose(_np(InstanceNormalization()(rank3)),
                               _instance_norm_reference(rank3, 1.0, 0.0)[0], atol=2e-5)
    # A constant channel normalises to exactly beta (zero before the offset).
    constant = _np(layer(np.full((1, 6, 6, 4), 1000.3, "float32")))
    np.testing.assert_allclose(constant, np.broadcast_to(beta, constant.shape), atol=1e-6)
    assert layer.epsilon == 1e-5 and [w.shape for w in layer.trainable_weights] == [(4,), (4,)]


def test_instance_norm_gradient_and_agreement_with_group_normalization():
    rng = np.random.default_rng(2)
    gamma = rng.uniform(0.5, 2.0, 4)
    layer = InstanceNormalization(gamma_initializer=keras.initializers.Constant(gamma))
    weights = rng.normal(size=(2, 7, 5, 4))
    for scale in (1.0, 1e3):
        x = (scale * rng.normal(size=(2, 7, 5, 4))).astype("float32")
        # Gradient of sum(w * y): (u - mean(u) - xhat * mean(u * xhat)) / sigma, u = w gamma.
        grad = _np(backend.input_gradient(
            lambda t: layer(t) * keras.ops.convert_to_tensor(weights, "float32"), x))
        x64 = x.astype("float64")
        var = x64.var(axis=(1, 2), keepdims=True)
        _, xhat = _instance_norm_reference(x64, 1.0, 0.0)
        u = weights * gamma
        expected = (u - u.mean(axis=(1, 2), keepdims=True)
                    - xhat * (u * xhat).mean(axis=(1, 2), keepdims=True)) / np.sqrt(var + 1e-5)
        np.testing.assert_allclose(grad, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())
    # keras.layers.GroupNormalization(groups=-1) is the same function on ordinary inputs.
    x = rng.normal(size=(2, 7, 5, 4)).astype("float32")
    group = keras.layers.GroupNormalization(groups=-1, epsilon=1e-5)
    np.testing.assert_allclose(_np(InstanceNormalization()(x)), _np(group(x)), atol=1e-5)


def test_instance_norm_config_round_trip_and_bad_inputs():
    layer = InstanceNormalization(epsilon=1e-3, center=False, name="norm")
    copy = InstanceNormalization.from_config(layer.get_config())
    assert (copy.epsilon, copy.center, copy.scale, copy.name) == (1e-3, False, True, "norm")
    with pytest.raises(ValueError, match="rank >= 3 with known channels"):
        InstanceNormalization()(np.zeros((2, 4), "float32"))
    with pytest.raises(ValueError, match="epsilon must be >= 0"):
        InstanceNormalization(epsilon=-1)


# ------------------------------------------------------------------ the network
def test_transformer_net_is_the_papers_network():
    net = transformer_net(kernel_initializer="zeros")  # the structure only
    assert net.count_params() == 1_677_635  # the paper's 1.68M
    assert net.input_shape == (None, None, None, 3) and net.output_shape == (None, None, None, 3)
    convs = {layer.name: (layer.kernel_size, layer.strides, layer.filters) for layer in net.layers
             if isinstance(layer, (keras.layers.Conv2D, keras.layers.Conv2DTranspose))}
    assert convs["conv_in"] == ((9, 9), (1, 1), 32)
    assert convs["down_1"] == ((3, 3), (2, 2), 64) and convs["down_2"] == ((3, 3), (2, 2), 128)
    for b in range(1, 6):
        assert convs[f"block_{b}_conv_1"] == convs[f"block_{b}_conv_2"] == ((3, 3), (1, 1), 128)
    assert isinstance(net.get_layer("up_1"), keras.layers.Conv2DTranspose)
    assert convs["up_1"] == ((3, 3), (2, 2), 64) and convs["up_2"] == ((3, 3), (2, 2), 32)
    assert convs["conv_out"] == ((9, 9), (1, 1), 3) and len(convs) == 16
    norms = [layer for layer in net.layers if isinstance(layer, InstanceNormalization)]
    assert len(norms) == 15  # after every convolution but the last
    assert net.layers[-1].get_config()["activation"] == "sigmoid"



def test_transformer_options_and_image_sizes(model, variant):
    """Shapes go through `predict_on_batch` (one compiled pass per size, cheap under JAX)."""
    norms = [layer for layer in variant.layers
             if isinstance(layer, keras.layers.BatchNormalization)]
    assert len(norms) == 7 and {(n.epsilon, n.momentum) for n in norms} == {(1e-5, 0.9)}
    assert len(variant.non_trainable_weights) == 14  # moving mean and variance, nothing else
    assert isinstance(variant.get_layer("up_1_resize"), keras.layers.UpSampling2D)
    rng = np.random.default_rng(4)
    for net, shape, (low, high) in [(model.transformer, (1, 13, 22, 3), (0, 1)),
                                    (model.transformer, (1, 1, 2, 3), (0, 1)),
                                    (variant, (2, 5, 7, 3), (-1, 1))]:
        out = np.asarray(net.predict_on_batch(rng.uniform(0, 1, shape).astype("float32")))
        assert out.shape == shape, shape
        assert out.min() >= low and out.max() <= high and np.isfinite(out).all()
    # Instance norm after a reflection-padded first convolution: the input's range is
    # immaterial (x in [0, 1] and 255 x - 3 give the same images).
    x = rng.uniform(0, 1, (1, 13, 22, 3)).astype("float32")
    np.testing.assert_allclose(model.transformer.predict_on_batch(x),
                               model.transformer.predict_on_batch(255 * x - 3), atol=1e-4)
    # Reflection padding is numpy's; padding to a multiple only pads bottom and right.
    x = rng.normal(size=(2, 6, 5, 3)).astype("float32")
    np.testing.assert_array_equal(_np(ReflectionPadding2D(2)(x)),
                                  np.pad(x, [(0, 0), (2, 2), (2, 2), (0, 0)], mode="reflect"))
    np.testing.assert_array_equal(_np(ReflectionPadding2D(0, multiple=4)(x)),
                                  np.pad(x, [(0, 0), (0, 2), (0, 3), (0, 0)], mode="reflect"))
    for kwargs, message in [({"normalization": "layer"}, "normalization must be one of"),
                            ({"upsampling": "bilinear"}, "upsampling must be one of"),
                            ({"output": "relu"}, "output must be one of"),
                            ({"padding": "same"}, "padding must be 'reflect' or 'zero'"),
                            ({"filters": 0}, "filters >= 1")]:
        with pytest.raises(ValueError, match=message):
            transformer_net(**kwargs)


# -------------------------------------------------------------------- the model
def test_style_targets_and_loss_terms_match_float64_reference(model):
    assert isinstance(model.extractor, VGGFeatures)
    assert model.layers == [model.transformer, model.extractor]
    # One VGG19 for content and style, cut after block4_conv3 (11 convolutions, kernel
    # and bias each), and the 4 style targets: nothing else is frozen.
    assert len(model.non_trainable_variables) == 2 * 11 + 4
    assert model.extractor.layer_names == STYLE_LAYERS  # the union, in network order
    assert model.content_layers == ("block2_conv2",)
    style = {k: _np(v) for k, v in model.extractor(
        (stripes_style_image()[None] / 255.0).astype("float32")).items()}
    for name, gram in model.style_targets.items():
        f = style[name][0]
        reference = np.einsum("hwi,hwj->ij", f, f) / f.size
        assert gram.shape == reference.shape
        np.testing.assert_allclose(gram, reference, rtol=1e-5, atol=1e-6 * abs(reference).max())

    images = _content_batch()
    stylized = _np(model(images))
    assert stylized.shape == images.shape and 0 <= stylized.min() and stylized.max() <= 1
    made = {k: _np(v) for k, v in model.extractor(stylized.astype("float32")).items()}
    content = {k: _np(v) for k, v in model.extractor(images).items()}
    content_loss = np.mean((made["block2_conv2"] - content["block2_conv2"]) ** 2)
    style_loss = 0.0
    for name in STYLE_LAYERS:
        f = made[name]
        grams = np.einsum("bhwi,bhwj->bij", f, f) / np.prod(f.shape[1:])
        style_loss += np.mean((grams - model.style_targets[name]) ** 2)
    pixels = stylized * 255.0
    tv = np.mean(np.sum((pixels[:, 1:] - pixels[:, :-1]) ** 2, axis=(1, 2, 3))
                 + np.sum((pixels[:, :, 1:] - pixels[:, :, :-1]) ** 2, axis=(1, 2, 3)))
    expected = {"content_loss": content_loss, "style_loss": style_loss, "tv_loss": tv,
                "loss": 1.0 * content_loss + 5.0 * style_loss + 2e-6 * tv}
    got = _loss_terms(model, images)
    for key, value in expected.items():
        assert value > 0, key
        np.testing.assert_allclose(got[key], value, rtol=1e-4, err_msg=key)


def test_fit_trains_only_the_transformer_and_lowers_the_loss(model):
    images = _content_batch()
    before = _loss_terms(model, images)
    assert model.trainable_variables == model.transformer.trainable_variables
    frozen = [_np(v) for v in model.non_trainable_variables]
    weights = [_np(v) for v in model.transformer.trainable_variables]
    # fit without compile: the paper's Adam(1e-3).
    history = model.fit(images, batch_size=2, epochs=4, shuffle=False, verbose=0).history
    assert float(model.optimizer.learning_rate) == pytest.approx(1e-3)
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert sorted(history) == ["content_loss", "loss", "style_loss", "tv_loss"]
    # Each logged value is the loss before that step's update: the first is `before`.
    np.testing.assert_allclose(history["loss"][0], before["loss"], rtol=1e-4)
    after = _loss_terms(model, images)
    assert after["loss"] < history["loss"][-1] < history["loss"][0] == pytest.approx(
        before["loss"], rel=1e-4)
    assert int(model.optimizer.iterations) == 4
    for before_value, variable in zip(weights, model.transformer.trainable_variables):
        assert not np.array_equal(_np(variable), before_value), variable.path
    # VGG19 and the style targets (computed once, at construction) never change.
    for before_value, variable in zip(frozen, model.non_trainable_variables):
        np.testing.assert_array_equal(_np(variable), before_value, err_msg=variable.path)
    # evaluate: the same terms, no update; uint8 batches are read as 0..255.
    scores = model.evaluate((images * 255).round().astype("uint8"), batch_size=2, verbose=0,
                            return_dict=True)
    uint8_terms = _loss_terms(model, (images * 255).round().astype("uint8") / 255.0)
    for key in ("loss", "content_loss", "style_loss", "tv_loss"):
        np.testing.assert_allclose(scores[key], uint8_terms[key], rtol=1e-4, err_msg=key)
    assert int(model.optimizer.iterations) == 4


def test_stylize_takes_uint8_images_of_any_size(model):
    rng = np.random.default_rng(6)
    batch = rng.integers(0, 256, (2, 16, 16, 3)).astype("uint8")
    out = model.stylize(batch)
    assert out.dtype == np.uint8 and out.shape == batch.shape
    expected = np.clip(np.round(_np(model(batch)) * 255), 0, 255)  # integer images: 0..255
    assert np.abs(out.astype(int) - expected).max() <= 1
    np.testing.assert_array_equal(model.stylize(batch.astype("float32")), out)
    odd = rng.integers(0, 256, (13, 22, 3)).astype("uint8")  # neither side a multiple of 4
    single = model.stylize(odd)
    assert single.shape == odd.shape and single.dtype == np.uint8
    three = model.stylize(np.stack([odd, odd, odd]), batch_size=1)
    for image in three:
        np.testing.assert_array_equal(image, single)


def test_bad_inputs_give_clear_errors(model, tmp_path):
    style = stripes_style_image()
    for args, kwargs, message in [
        ((style[..., 0],), {}, "style_image must be an RGB image of shape (height, width, 3)"),
        ((np.zeros((40, 24, 4)),), {}, "RGBA"),
        ((style * 2,), {}, "values in [0, 255]"),
        ((style[:4, :6],), {}, "style_image is 4x6 pixels; VGG19 layer block4_conv3 needs "
                                "images of at least 8 pixels"),
        ((style,), {"style_layers": ("block3_conv5",)}, "Unknown VGG19 layer name(s) "
                                                         "['block3_conv5']"),
        ((style,), {"content_layers": ()}, "at least one VGG19 layer"),
        ((style,), {"style_weight": -1}, "style_weight must be >= 0"),
        ((style,), {"style_layer_weights": [1, 2]}, "Give one weight per layer"),
        ((style,), {"image_range": (0, 255)}, "pass a transformer whose output is in"),
        ((style,), {"transformer": _identity(channels=1)},
         "transformer must be a Keras model from RGB images"),
    ]:
        with pytest.raises(ValueError) as info:
            FastStyleTransfer(*args, weights=None, **kwargs)
        assert message in str(info.value), (message, str(info.value))
    with pytest.raises(FileNotFoundError, match="VGG19 weights file not found"):
        FastStyleTransfer(style, transformer=_identity(), weights=str(tmp_path / "missing.h5"))

    with pytest.raises(ValueError, match=r"must be a batch of RGB images .*shape \(32, 32, 3\)"):
        model(np.zeros((32, 32, 3), "float32"))
    with pytest.raises(ValueError, match=r"must be a batch of RGB images .*shape \(1, 32, 32, 4\)"):
        model(np.zeros((1, 32, 32, 4), "float32"))
    with pytest.raises(ValueError, match=r"trains on content images, which must be a batch of "
                                         r"RGB images"):
        model.fit(np.zeros((2, 32, 32, 4), "float32"), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="they need at least 8 pixels per side"):
        model.fit(np.zeros((2, 6, 6, 3), "float32"), epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"received shape \(4, 4\)"):
        model.stylize(np.zeros((4, 4), "uint8"))
    with pytest.raises(ValueError, match="values in"):
        model.stylize(np.full((1, 8, 8, 3), 300.0))
    with pytest.raises(ValueError, match="does not take 'loss'"):
        model.compile(loss="mse")
    with pytest.raises(ValueError, match="Only format='tf_saved_model'"):
        model.export(str(tmp_path / "x"), format="onnx")


def test_saving_the_transformer_and_the_model(model, tmp_path):
    images = _content_batch()
    expected = _np(model(images))
    path = tmp_path / "transformer.keras"
    model.transformer.save(path)
    transformer = keras.saving.load_model(path)
    assert type(transformer).__name__ == "Functional"  # a plain functional model
    np.testing.assert_allclose(_np(transformer(images)), expected, rtol=1e-6, atol=1e-6)

    if not model.compiled:
        model.compile()
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, FastStyleTransfer) and loaded.vgg_weights is None
    np.testing.assert_allclose(_np(loaded(images)), expected, rtol=1e-6, atol=1e-6)
    for name, gram in model.style_targets.items():
        np.testing.assert_array_equal(loaded.style_targets[name], gram)
    # the random VGG19 comes back as it was: the same loss terms
    for key, value in _loss_terms(model, images).items():
        np.testing.assert_allclose(_loss_terms(loaded, images)[key], value, rtol=1e-5,
                                   err_msg=key)
    assert int(loaded.optimizer.iterations) == int(model.optimizer.iterations)
    assert (loaded.content_weight, loaded.style_weight, loaded.tv_weight) == (1.0, 5.0, 2e-6)


@pytest.mark.slow
def test_export_serves_uint8_images_of_any_size(model, tmp_path):
    rng = np.random.default_rng(7)
    inputs = {"a": rng.integers(0, 256, (2, 16, 16, 3)).astype("uint8"),
              "b": rng.integers(0, 256, (1, 13, 22, 3)).astype("uint8")}
    for key, images in inputs.items():
        np.save(tmp_path / f"{key}.npy", images)
        np.save(tmp_path / f"{key}_expected.npy", model.stylize(images))
    export_dir = tmp_path / "served" / "1"
    model.export(str(export_dir))
    code = f"""
import json, sys
import numpy as np
import tensorflow as tf
fn = tf.saved_model.load({str(export_dir)!r}).signatures["serving_default"]
report = {{"keras_gan_imported": "keras_gan" in sys.modules}}
for key in ("a", "b"):
    out = fn(images=tf.constant(np.load({str(tmp_path)!r} + f"/{{key}}.npy")))
    expected = np.load({str(tmp_path)!r} + f"/{{key}}_expected.npy")
    got = out["images"].numpy()
    report[key] = [got.dtype.name, list(got.shape), int(np.abs(got.astype(int)
                   - expected.astype(int)).max()), float(out["outputs"].numpy().min()),
                   float(out["outputs"].numpy().max())]
print(json.dumps(report))
"""
    result = run_python(code, backend="tensorflow")
    assert_ok(result)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["keras_gan_imported"] is False
    for key, images in inputs.items():
        dtype, shape, max_diff, low, high = report[key]
        assert dtype == "uint8" and shape == list(images.shape) and max_diff <= 1, report
        assert 0.0 <= low and high <= 1.0  # `outputs`: the transformer's [0, 1] images
