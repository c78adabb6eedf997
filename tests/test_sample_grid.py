"""The SampleGrid callback: fixed-latent sample pictures during `fit`."""

import io
import os
import sys

import numpy as np
import pytest
from PIL import Image

import keras

import keras_gan
from keras_gan.callbacks import SampleGrid


def _image_gan(latent_dim=4, seed=0):
    keras.utils.set_random_seed(seed)
    z = keras.Input((latent_dim,))
    h = keras.layers.Dense(64)(z)
    h = keras.layers.Reshape((8, 8, 1))(h)
    generator = keras.Model(z, keras.layers.Activation("tanh")(h))
    x = keras.Input((8, 8, 1))
    discriminator = keras.Model(x, keras.layers.Dense(1)(keras.layers.Flatten()(x)))
    model = keras_gan.GAN(generator, discriminator, latent_dim=latent_dim, seed=seed)
    # large steps, so that one epoch visibly changes the pictures
    model.compile(keras.optimizers.Adam(0.05), keras.optimizers.Adam(0.05))
    return model


def _images(n=16, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, size=(n, 8, 8, 1)).astype("float32")


def _pixels(path):
    with Image.open(path) as image:
        assert image.format == "PNG"
        return np.asarray(image)


def _image_summaries(log_dir):
    """{step: pixels} of the "samples" image summaries in a log directory."""
    import tensorflow as tf

    files = [os.path.join(log_dir, f) for f in os.listdir(log_dir)
             if f.startswith("events.out.tfevents")]
    images = {}
    for path in files:
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                if value.tag == "samples":
                    assert value.metadata.plugin_data.plugin_name == "images"
                    width, height, png = value.tensor.string_val
                    pixels = np.asarray(Image.open(io.BytesIO(png)))
                    assert pixels.shape[:2] == (int(height), int(width))
                    images[event.step] = pixels
    return images


def _tensorboard_installed():
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        return False
    return True


def test_sample_grid_during_fit(tmp_path):
    model = _image_gan()
    out_dir = tmp_path / "grids"
    tensorboard = keras.callbacks.TensorBoard(str(tmp_path / "logs"))
    grid = SampleGrid(every=1, n=4, out_dir=out_dir, seed=0, tensorboard=tensorboard)
    # Keras' TensorBoard callback needs the tensorboard package; SampleGrid does not
    callbacks = [grid, tensorboard] if _tensorboard_installed() else [grid]
    model.fit(_images(), batch_size=8, epochs=2, verbose=0, callbacks=callbacks)

    assert sorted(os.listdir(out_dir)) == ["epoch_0001.png", "epoch_0002.png"]
    assert grid.paths == [str(out_dir / "epoch_0001.png"), str(out_dir / "epoch_0002.png")]
    first, last = (_pixels(p) for p in grid.paths)
    assert first.shape == last.shape == (2 * (8 + 2) + 2,) * 2  # 2 x 2 grid, grayscale
    assert not np.array_equal(first, last)  # training changed the generator
    # the fixed latent batch, drawn once: the same weights give the same picture
    np.testing.assert_array_equal(grid.latent, model.latents(4, seed=0))
    np.testing.assert_array_equal(np.asarray(grid.render()), last)
    np.testing.assert_array_equal(grid.samples(), model.generate(4, seed=0))
    # one image summary per epoch, next to Keras' own train/ logs
    summaries = _image_summaries(str(tmp_path / "logs" / "samples"))
    assert sorted(summaries) == [0, 1]
    np.testing.assert_array_equal(summaries[0], first)
    np.testing.assert_array_equal(summaries[1], last)


def test_every_and_the_last_epoch(tmp_path):
    model = _image_gan(seed=1)
    grid = SampleGrid(every=2, n=3, out_dir=tmp_path, seed=None, columns=3)
    model.fit(_images(8), batch_size=8, epochs=3, verbose=0, callbacks=[grid])
    # epoch 2 by `every`, epoch 3 because training ended there
    assert sorted(os.listdir(tmp_path)) == ["epoch_0002.png", "epoch_0003.png"]
    assert _pixels(tmp_path / "epoch_0003.png").shape == (8 + 4, 3 * (8 + 2) + 2)
    latent = grid.latent.copy()
    model.fit(_images(8), batch_size=8, epochs=6, initial_epoch=3, verbose=0, callbacks=[grid])
    assert sorted(os.listdir(tmp_path))[2:] == ["epoch_0004.png", "epoch_0006.png"]
    np.testing.assert_array_equal(grid.latent, latent)  # seed=None: still drawn only once


def test_tensorboard_log_directory_without_png_files(tmp_path):
    model = _image_gan(seed=2)
    grid = SampleGrid(n=2, out_dir=None, tensorboard=tmp_path / "logs")
    model.fit(_images(8), batch_size=8, epochs=1, verbose=0, callbacks=[grid])
    assert grid.paths == []
    assert sorted(_image_summaries(str(tmp_path / "logs" / "samples"))) == [0]


class _FakeModel:
    """A model as SampleGrid sees it; conditional ones draw class c in gray level c."""

    def __init__(self, latent_dim=3, num_classes=None, points=False):
        self.latent_dim, self.num_classes, self.points = latent_dim, num_classes, points
        self.received = []

    def latents(self, n, seed=None):
        return np.random.default_rng(seed).standard_normal((n, self.latent_dim)).astype("float32")

    def generate_from(self, latent, labels=None, batch_size=1024):
        self.received.append(labels)
        if self.points:
            return latent[:, :2]
        value = (np.tanh(latent[:, 0]) if self.num_classes is None
                 else labels / (self.num_classes - 1) * 2 - 1)
        return np.broadcast_to(value[:, None, None, None], (len(latent), 5, 5, 1))


def _run_epochs(callback, model, epochs=1):
    callback.set_model(model)
    callback.on_train_begin()
    for epoch in range(epochs):
        callback.on_epoch_end(epoch)
    callback.on_train_end()


def test_conditional_models_get_one_class_per_column(tmp_path):
    model = _FakeModel(num_classes=5)
    grid = SampleGrid(n=10, out_dir=tmp_path)
    _run_epochs(grid, model)
    np.testing.assert_array_equal(model.received[-1], np.arange(10) % 5)
    pixels = _pixels(tmp_path / "epoch_0001.png")
    assert pixels.shape == (2 * 7 + 2, 5 * 7 + 2)  # 5 columns, one per class
    np.testing.assert_array_equal(pixels[2, 2::7][:5], [0, 64, 128, 191, 255])
    np.testing.assert_array_equal(pixels[9, 2::7][:5], [0, 64, 128, 191, 255])

    grid = SampleGrid(n=4, out_dir=tmp_path / "b", labels=3)
    _run_epochs(grid, model)
    np.testing.assert_array_equal(model.received[-1], [3, 3, 3, 3])
    grid = SampleGrid(n=3, out_dir=tmp_path / "c", labels=[0, 4, 9])
    with pytest.raises(ValueError, match=r"in \[0, 5\)"):
        _run_epochs(grid, model)
    with pytest.raises(ValueError, match="not conditional"):
        _run_epochs(SampleGrid(n=2, out_dir=tmp_path, labels=[0, 1]), _FakeModel())


def test_unconditional_fake_model_and_2d_points(tmp_path):
    model = _FakeModel()
    _run_epochs(SampleGrid(n=5, out_dir=tmp_path, every=2), model, epochs=3)
    assert sorted(os.listdir(tmp_path)) == ["epoch_0002.png", "epoch_0003.png"]
    assert model.received == [None, None]
    points = _FakeModel(points=True)
    _run_epochs(SampleGrid(n=100, out_dir=tmp_path / "p"), points)
    assert _pixels(tmp_path / "p" / "epoch_0001.png").shape == (512, 512, 3)


def test_arguments_are_validated(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="every must be >= 1"):
        SampleGrid(every=0, out_dir=tmp_path)
    with pytest.raises(TypeError, match="every must be an integer"):
        SampleGrid(every=1.5, out_dir=tmp_path)
    with pytest.raises(ValueError, match="n must be >= 1"):
        SampleGrid(n=0, out_dir=tmp_path)
    with pytest.raises(TypeError, match="n must be an integer"):
        SampleGrid(n=True, out_dir=tmp_path)
    with pytest.raises(ValueError, match="columns must be >= 1"):
        SampleGrid(columns=0, out_dir=tmp_path)
    with pytest.raises(ValueError, match="nothing to write"):
        SampleGrid(out_dir=None)
    with pytest.raises(TypeError, match="TensorBoard instance or a log directory"):
        SampleGrid(out_dir=tmp_path, tensorboard=3)
    with pytest.raises(ValueError, match="one per sample"):
        SampleGrid(n=4, out_dir=tmp_path, labels=[0, 1])
    with pytest.raises(ValueError, match="value_range"):
        SampleGrid(out_dir=tmp_path, value_range=(1, -1))
    with pytest.raises(TypeError, match="keras_gan model"):
        _run_epochs(SampleGrid(out_dir=tmp_path), object())
    monkeypatch.setitem(sys.modules, "tensorflow", None)  # as if TensorFlow were missing
    with pytest.raises(ImportError, match="install tensorflow"):
        SampleGrid(out_dir=tmp_path, tensorboard=tmp_path / "logs")
    SampleGrid(out_dir=tmp_path)  # fine without TensorBoard


def test_given_latents_and_infogan_codes_are_kept(tmp_path):
    from model_zoo import build
    model, _ = build("infogan")  # generator input: 4 noise + 3 categorical + 1 continuous
    latent = model.latents(6, seed=3, categorical=np.array([0, 1, 2, 0, 1, 2]),
                           continuous=np.linspace(-2, 2, 6)[:, None])
    grid = SampleGrid(latent=latent, columns=3, out_dir=tmp_path)
    assert grid.n == 6
    _run_epochs(grid, model)
    np.testing.assert_array_equal(grid.latent, latent)
    np.testing.assert_allclose(_pixels(tmp_path / "epoch_0001.png"),
                               np.asarray(keras_gan.visualize.image_grid(
                                   model.generate_from(latent), columns=3)), atol=1)
    # Drawn latents of an InfoGAN (wider than latent_dim) are kept across fit calls too.
    drawn = SampleGrid(n=4, out_dir=tmp_path / "drawn")
    _run_epochs(drawn, model)
    first = drawn.latent
    assert first.shape == (4, model.generator_input_dim)
    _run_epochs(drawn, model)
    assert drawn.latent is first
    with pytest.raises(ValueError, match="have 5 values; the generator of InfoGAN takes 8"):
        _run_epochs(SampleGrid(latent=np.zeros((2, 5)), out_dir=tmp_path), model)
    with pytest.raises(ValueError, match="latent must be a batch of vectors"):
        SampleGrid(latent=np.zeros(5), out_dir=tmp_path)
