"""Hostile input: what the library and the `keras-gan` command do with data, files and
arguments that are wrong. Each case ends in a clear error (its type, and a message
that names the problem: expected and received) or in a documented conversion, and
loses nothing (weights, existing output files).

Decisions tested here (README, "Bad input"):
- integer images (uint8 0..255) are refused: a float generator never makes 0..255;
- float images outside [-1, 1] (0..255 most often) train, with a warning naming the
  range found and the scaling to use (a generator may have another range);
- images of an image folder that cannot be read (damaged, zero bytes, another format
  under an image name) are skipped with one warning naming them; none readable is an
  error;
- a model file is loaded in Keras's safe mode: a `.keras` file whose config holds
  Python code (a `Lambda` layer's lambda) is refused and the code never runs.

Every model is tiny and nothing trains beyond one step; runs under each backend.
"""

import os
import zipfile

import numpy as np
import pytest

import keras

import keras_gan
from keras_gan import datasets, models

from conftest import assert_cli_error, run_cli, tiny_model

IMAGE = (8, 8, 1)


def small_image_model(cls=models.DCGAN, packing=1, steps=1, **kwargs):
    keras.utils.set_random_seed(0)
    model = cls(latent_dim=4, image_shape=IMAGE, filters=4, packing=packing,
                discriminator_steps=steps, **kwargs)
    model.compile()
    return model


def images(n=16, seed=0, shape=IMAGE):
    return np.tanh(np.random.default_rng(seed).normal(size=(n,) + shape)).astype("float32")


def fit(model, x, y=None, batch_size=8, **kwargs):
    return model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0, **kwargs)


def weights(model):
    return [np.array(w) for w in model.get_weights()]


def assert_unchanged(model, before):
    for a, b in zip(before, weights(model)):
        np.testing.assert_array_equal(a, b)


def tf_dataset(*arrays, batch=4, drop_remainder=True):
    import tensorflow as tf

    data = arrays[0] if len(arrays) == 1 else tuple(arrays)
    return tf.data.Dataset.from_tensor_slices(data).batch(batch, drop_remainder=drop_remainder)


# ------------------------------------------------------------------ real samples
@pytest.mark.parametrize("source", ["array", "dataset"])
def test_wrong_image_rank_and_channels_are_named_before_training(source):
    model = small_image_model()
    before = weights(model)
    wrap = (lambda x: x) if source == "array" else tf_dataset
    batch = 8 if source == "array" else None
    with pytest.raises(ValueError, match=r"shape \(8, 8\) each but DCGAN's generator makes "
                                         r"samples of shape \(8, 8, 1\).*x\[\.\.\., None\]"):
        fit(model, wrap(images()[..., 0]), batch_size=batch)
    with pytest.raises(ValueError, match=r"shape \(8, 8, 3\) each .*\(8, 8, 1\).*3 channel"):
        fit(model, wrap(np.repeat(images(), 3, axis=-1)), batch_size=batch)
    with pytest.raises(ValueError, match=r"shape \(16, 16, 1\) each .*\(8, 8, 1\)"):
        fit(model, wrap(images(shape=(16, 16, 1))), batch_size=batch)
    assert_unchanged(model, before)


@pytest.mark.parametrize("source", ["array", "dataset"])
def test_integer_images_are_refused_with_the_scaling_to_use(source):
    model = small_image_model()
    before = weights(model)
    raw = np.round((images() + 1) * 127.5).astype("uint8")
    x = raw if source == "array" else tf_dataset(raw)
    with pytest.raises(ValueError, match=r"floating point.*dtype uint8.*/ 127\.5 - 1"):
        fit(model, x, batch_size=8 if source == "array" else None)
    assert_unchanged(model, before)


def test_images_outside_minus_one_one_train_with_a_warning():
    model = small_image_model()
    raw = np.round((images() + 1) * 127.5).astype("float32")
    raw[0, 0, :2, 0] = 0, 255
    with pytest.warns(UserWarning, match=r"values from 0 to 255, outside \[-1, 1\].*"
                                         r"x / 127\.5 - 1"):
        history = fit(model, raw)
    assert np.isfinite(history.history["d_loss"][0])
    import warnings

    from keras_gan.models.data_checks import check_training_data

    with warnings.catch_warnings():  # what fit checks first: no warning for these
        warnings.simplefilter("error", UserWarning)
        check_training_data(model, images(), batch_size=8)  # in range
        check_training_data(tiny_model(compile=False),  # points, not images
                            3.0 * keras_gan.datasets.ring().sample(16, seed=0))


def test_image_grids_show_uint8_images_as_pixel_values():
    from keras_gan import visualize

    pixels = np.array([0, 64, 128, 255], "uint8").reshape(4, 1, 1, 1)
    grid = np.asarray(visualize.image_grid(pixels, columns=4, padding=0))
    np.testing.assert_array_equal(grid, [[0, 64, 128, 255]])
    floats = np.asarray(visualize.image_grid(pixels / 127.5 - 1, columns=4, padding=0))
    np.testing.assert_array_equal(floats, grid)


def test_non_finite_samples_are_refused():
    model = small_image_model()
    x = images()
    x[3, 1, 1, 0] = np.nan
    x[5, 0, 0, 0] = np.inf
    with pytest.raises(ValueError, match="2 NaN or infinite values"):
        fit(model, x)


def test_an_error_in_the_first_step_keeps_the_weights():
    # Keras 3.15's JAX trainer detaches the variables' values when fit starts and does
    # not put them back when the first step fails; backend.keep_state_on_error does.
    model = tiny_model(feature_matching=1.0)  # the MLP discriminator has no "features"
    before = [np.array(v) for v in model.generator.trainable_variables]
    with pytest.raises(ValueError, match="Feature matching needs a discriminator"):
        fit(model, keras_gan.datasets.ring().sample(16, seed=0))
    # The error comes in the generator update: the generator's trainable weights are
    # untouched (under PyTorch, which runs the step eagerly, the discriminator update
    # before it, and the batch-norm statistics it moved, have been applied).
    for a, v in zip(before, model.generator.trainable_variables):
        np.testing.assert_array_equal(a, np.array(v))
    # every other variable (discriminator, optimizers, trackers) still has its value
    for v in model.weights + model.optimizer.variables + model.metrics_variables:
        assert np.all(np.isfinite(np.array(v))), v.path


# ---------------------------------------------------------------- batch sizes
@pytest.mark.parametrize("packing, steps, n, batch_size, message", [
    (4, 1, 2, 2, r"batch of 2 samples is too small for 1 discriminator steps with packing 4"),
    (2, 2, 16, 3, r"batch of 3 samples is too small for 2 discriminator steps with packing 2"),
    (1, 2, 1, 8, r"batch of 1 samples is too small for 2 discriminator steps"),
    (2, 1, 17, 8, r"last batch would hold 1 samples \(17 samples in batches of 8\)"),
    (2, 2, 19, 8, r"last batch would hold 3 samples .*at least 4"),
])
def test_batches_smaller_than_steps_times_packing(packing, steps, n, batch_size, message):
    model = small_image_model(packing=packing, steps=steps)
    before = weights(model)
    with pytest.raises(ValueError, match=message):
        fit(model, images(n), batch_size=batch_size)
    assert_unchanged(model, before)


def test_the_batch_size_is_the_one_fit_uses():
    model = small_image_model(packing=2)
    # 33 samples in 3 steps: batches of 11 (keras's ArrayDataAdapter), none of 1
    history = model.fit(images(33), epochs=1, steps_per_epoch=3, verbose=0)
    assert np.isfinite(history.history["d_loss"][0])
    with pytest.raises(ValueError, match=r"last batch would hold 1 samples \(9 samples"):
        model.fit(images(10), None, 4, 1, 0, None, 0.1)  # positional validation_split


def test_dataset_batches_too_small_for_packing():
    model = small_image_model(packing=4)
    before = weights(model)
    with pytest.raises(ValueError, match="batch of 2 samples is too small .* packing 4"):
        fit(model, tf_dataset(images(8), batch=2), batch_size=None)
    assert_unchanged(model, before)
    # Without a static batch size a short last batch cannot be seen ahead: a warning.
    with pytest.warns(UserWarning, match="no static size .*drop_remainder=True"):
        history = fit(model, tf_dataset(images(8), batch=4, drop_remainder=False),
                      batch_size=None)
    assert np.isfinite(history.history["d_loss"][0])


# ----------------------------------------------------------------- the labels
@pytest.mark.parametrize("cls", [models.CGAN, models.ACGAN])
def test_conditional_models_need_labels_in_range(cls):
    model = small_image_model(cls, num_classes=3)
    before = weights(model)
    x = images()
    with pytest.raises(ValueError, match=f"{cls.__name__} is conditional: fit it on"):
        fit(model, x)
    with pytest.raises(ValueError, match=f"{cls.__name__} is conditional: fit it on"):
        fit(model, tf_dataset(x), batch_size=None)
    with pytest.raises(ValueError, match=r"Labels must be in \[0, 3\) .*from 0 to 7"):
        fit(model, x, np.arange(16) % 8)
    with pytest.raises(ValueError, match=r"Labels must be in \[0, 3\) .*from -1 to 2"):
        fit(model, x, np.arange(16) % 4 - 1)
    with pytest.raises(ValueError, match="integer class indices; received dtype float"):
        fit(model, x, np.full(16, 1.5))
    with pytest.raises(ValueError, match="integer class indices; received dtype float32"):
        fit(model, tf_dataset(x, np.ones(16, "float32")), batch_size=None)
    with pytest.raises(ValueError, match=r"one label per image: expected shape \(16,\)"):
        fit(model, x, np.zeros(15, "int32"))
    assert_unchanged(model, before)
    with pytest.raises(ValueError, match=r"Labels must be in \[0, 3\); received values "
                                         r"from 0 to 5"):
        model.generate(6, labels=np.arange(6))
    with pytest.raises(ValueError, match=f"{cls.__name__} is conditional: pass labels="):
        model.generate(2)
    with pytest.raises(ValueError, match=r"expects 2 named input\(s\).*received 1"):
        model(np.zeros((2, 4), "float32"))  # the generator alone needs [latent, label]


# ---------------------------------------------------------------- latent sizes
def test_latent_width_and_sample_counts():
    model = small_image_model()
    with pytest.raises(ValueError, match=r"Latent vectors must have shape \(n, 4\); "
                                         r"received \(2, 5\)"):
        model.generate_from(np.zeros((2, 5)))
    with pytest.raises(ValueError, match=r"shape \(n, 4\); received \(4,\)"):
        model.generate_from(np.zeros(4))
    with pytest.raises(ValueError, match=r"expected shape=\(None, 4\), found shape=\(2, 5\)"):
        model(np.zeros((2, 5), "float32"))
    with pytest.raises(TypeError, match="number of samples must be an integer; received 2.5"):
        model.generate(2.5)
    with pytest.raises(ValueError, match="number of samples must be >= 0; received -1"):
        model.generate(-1)
    with pytest.raises(ValueError, match="batch_size must be >= 1; received 0"):
        model.generate(3, batch_size=0)
    assert model.generate(np.int64(3), seed=0).shape == (3,) + IMAGE
    info = models.InfoGAN(latent_dim=4, image_shape=IMAGE, filters=4,
                          categorical_codes=(3,), continuous_codes=1)
    with pytest.raises(ValueError, match=r"shape \(n, 8\); received \(2, 4\)"):
        info.generate_from(np.zeros((2, 4)))  # z alone, without the 3 + 1 code values
    with pytest.raises(TypeError, match="must be an integer; received 2.5"):
        info.latents(2.5)


# ------------------------------------------------------------------ empty data
def test_empty_data_is_refused(tmp_path, capsys):
    model = small_image_model()
    with pytest.raises(ValueError, match=r"No training samples: x has shape \(0, 8, 8, 1\)"):
        fit(model, images(0))
    with pytest.raises(ValueError, match="training dataset is empty"):
        fit(model, tf_dataset(images(3), batch=4), batch_size=None)  # drop_remainder
    (tmp_path / "empty" / "cats").mkdir(parents=True)
    (tmp_path / "empty" / "cats" / "notes.txt").write_text("not an image")
    with pytest.raises(ValueError, match="holds no images"):
        datasets.image_folder(tmp_path / "empty", 8)
    out = tmp_path / "run"
    assert_cli_error(capsys, "holds no images", "train", "dcgan", "--data", tmp_path / "empty",
                     "--out", out)
    assert not (out / "model.keras").exists()


# ------------------------------------------------------------ bad image files
def make_bad_folder(root, good=2):
    from PIL import Image

    cats = root / "cats"
    cats.mkdir(parents=True)
    for i in range(good):
        Image.fromarray(np.full((10, 10, 3), 40 * i, "uint8")).save(cats / f"ok{i}.png")
    (cats / "empty.png").write_bytes(b"")
    (cats / "text.jpg").write_text("this is not a JPEG")
    png = (cats / "ok0.png").read_bytes() if good else b"\x89PNG\r\n\x1a\n" + b"\0" * 40
    (cats / "cut.png").write_bytes(png[:len(png) // 2])
    (cats / "readme.md").write_text("ignored: not an image name")
    return root


def test_unreadable_image_files_are_skipped_and_named(tmp_path, capsys):
    folder = make_bad_folder(tmp_path / "data")
    with pytest.warns(UserWarning, match=r"Skipped 3 of 5 files that are not readable") as caught:
        dataset = datasets.image_folder(folder, 8, batch_size=2)
    message = str(caught[0].message)
    for name in ("empty.png", "text.jpg", "cut.png"):
        assert name in message
    assert sorted(os.path.basename(p) for p in dataset.file_paths) == ["ok0.png", "ok1.png"]
    bad = make_bad_folder(tmp_path / "bad", good=0)
    with pytest.warns(UserWarning, match="Skipped 3 of 3"), \
            pytest.raises(ValueError, match="None of the 3 image files .* is readable"):
        datasets.image_folder(bad, 8)
    assert_cli_error(capsys, "None of the 3 image files", "train", "dcgan", "--data", bad,
                     "--out", tmp_path / "run")


def test_evaluate_reads_any_image_folder_in_the_model_s_format(tmp_path):
    """`keras-gan evaluate --data DIR`: a flat folder of RGB images, fewer than a batch,
    for a greyscale model (a documented conversion: size and channels follow the
    generator)."""
    import argparse

    from PIL import Image

    from keras_gan import cli

    for i in range(3):
        Image.fromarray(np.full((12, 10, 3), 60 * i, "uint8")).save(tmp_path / f"{i}.png")
    args = argparse.Namespace(data=str(tmp_path), n=10, batch_size=250, seed=0, split="test",
                              data_dir=None)
    real = cli._real_images(args, (8, 8, 1))
    assert real.shape == (3, 8, 8, 1) and real.dtype == np.float32
    np.testing.assert_allclose(np.sort(real[:, 0, 0, 0]), np.array([0, 60, 120]) / 127.5 - 1,
                               atol=1e-6)


# ------------------------------------------------------------------ model files
@pytest.fixture(scope="module")
def gan_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "gan.keras"
    tiny_model().save(path)
    return path


def test_truncated_and_foreign_model_files(gan_file, tmp_path, capsys):
    data = gan_file.read_bytes()
    for size in (0, 100, len(data) // 2, len(data) - 30):
        cut = tmp_path / f"cut{size}.keras"
        cut.write_bytes(data[:size])
        code, _, err = run_cli(capsys, "sample", cut, "-o", tmp_path / "x.npy")
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        assert ("not a .keras model file" in err or "cannot load model file" in err), err
    foreign = tmp_path / "sequential.keras"
    keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]).save(foreign)
    assert_cli_error(capsys, "holds a Sequential, not a keras_gan model", "sample", foreign,
                     "-o", tmp_path / "x.npy")
    assert_cli_error(capsys, "holds a Sequential, not a keras_gan model", "export", foreign,
                     tmp_path / "exported")
    assert not (tmp_path / "x.npy").exists() and not (tmp_path / "exported").exists()


def test_export_refuses_a_non_empty_directory(gan_file, tmp_path, capsys):
    target = tmp_path / "exported"
    target.mkdir()
    (target / "keep.txt").write_text("precious")
    assert_cli_error(capsys, "not empty", "export", gan_file, target)
    assert os.listdir(target) == ["keep.txt"] and (target / "keep.txt").read_text() == "precious"


# --------------------------------------------------------------- output files
def can_block_writes(tmp_path):
    """Whether a read-only folder blocks writing here (not as root)."""
    probe = tmp_path / "probe"
    probe.mkdir()
    probe.chmod(0o500)
    try:
        (probe / "x").write_text("x")
    except PermissionError:
        return True
    finally:
        probe.chmod(0o700)
    return False


def test_sample_output_that_cannot_be_written(gan_file, tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("I am a file")
    assert_cli_error(capsys, f"cannot write {blocker / 'x.npy'}", "sample", gan_file, "-o",
                     blocker / "x.npy")
    assert blocker.read_text() == "I am a file"
    folder = tmp_path / "a_folder.npy"
    folder.mkdir()
    assert_cli_error(capsys, "it is a folder", "sample", gan_file, "-o", folder)
    nested = tmp_path / "new" / "deeper" / "s.npy"  # missing folders are created
    code, _, err = run_cli(capsys, "sample", gan_file, "-n", "3", "-o", nested)
    assert code == 0, err
    assert np.load(nested).shape == (3, 2)


def test_sample_into_a_read_only_folder(gan_file, tmp_path, capsys):
    if not can_block_writes(tmp_path):
        pytest.skip("running as root: a read-only folder does not block writes")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        assert_cli_error(capsys, "Permission denied", "sample", gan_file, "-o",
                         locked / "x.npy")
        assert_cli_error(capsys, "Permission denied", "train", "gan", "--epochs", "1",
                         "--epoch-size", "200", "--out", locked / "run")
    finally:
        locked.chmod(0o700)
    assert os.listdir(locked) == []


def test_a_failing_sample_keeps_the_existing_output(tmp_path, capsys):
    g = keras_gan.networks.mlp_generator(2, 5, hidden_units=(4,))
    d = keras_gan.networks.mlp_discriminator(5, hidden_units=(4,))
    path = tmp_path / "five.keras"
    keras_gan.GAN(g, d, latent_dim=2).save(path)
    existing = tmp_path / "out.png"
    existing.write_bytes(b"an older picture")
    # samples of 5 values cannot be drawn: the error comes after generating
    assert_cli_error(capsys, "Cannot draw samples of shape (4, 5)", "sample", path, "-n", "4",
                     "-o", existing)
    assert existing.read_bytes() == b"an older picture"
    assert sorted(os.listdir(tmp_path)) == ["five.keras", "out.png"]  # no partial file
    assert_cli_error(capsys, "not a .keras model file", "sample", existing, "-o", existing)
    assert existing.read_bytes() == b"an older picture"


def test_train_out_that_cannot_be_written(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("I am a file")
    code, _, err = run_cli(capsys, "train", "gan", "--epochs", "1", "--epoch-size", "200",
                           "--out", blocker / "run")
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("keras-gan: error:"), err
    assert str(blocker) in lines[0]
    assert blocker.read_text() == "I am a file"


def test_evaluate_checks_its_output_before_the_work(tmp_path, capsys):
    path = tmp_path / "dcgan.keras"
    small_image_model().save(path)
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    assert_cli_error(capsys, "cannot write", "evaluate", path, "--data", "shapes",
                     "--metrics", "fid", "--weights", "none", "-n", "8",
                     "-o", blocker / "scores.json")


# ------------------------------------------------------------------- safe mode
# The code a hostile file would carry, saved as bytecode (a "__lambda__"): it creates
# the file $KERAS_GAN_MARKER whenever it runs (a Lambda layer runs it when its model
# is built, too). Self-contained: a loaded lambda sees no globals of this module.
touch = lambda t: (  # noqa: E731
    __import__("pathlib").Path(__import__("os").environ["KERAS_GAN_MARKER"]).touch(), t)[1]


@pytest.fixture
def code_carrying_files(tmp_path, monkeypatch):
    """A GAN and a bare image-to-image model whose configs hold a Python lambda."""
    import warnings

    marker = tmp_path / "code_ran"
    monkeypatch.setenv("KERAS_GAN_MARKER", str(marker))
    z = keras.Input((2,), name="latent")
    generator = keras.Model(z, keras.layers.Dense(2)(keras.layers.Lambda(touch)(z)))
    gan = keras_gan.GAN(generator, keras_gan.networks.mlp_discriminator(2, hidden_units=(4,)),
                        latent_dim=2)
    x = keras.Input((None, None, 3))
    image_model = keras.Model(x, keras.layers.UpSampling2D(2)(
        keras.layers.Lambda(touch)(x)))
    files = {"gan": tmp_path / "gan.keras", "image": tmp_path / "image.keras"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras warns that a lambda will not load safely
        gan.save(files["gan"])
        image_model.save(files["image"])
    marker.unlink()
    return files, marker


def test_a_model_file_never_runs_code_on_load(code_carrying_files, tmp_path, capsys):
    files, marker = code_carrying_files
    with pytest.raises(ValueError, match="lambda.*safe_mode"):
        keras.saving.load_model(files["gan"])
    assert_cli_error(capsys, "cannot load model file", "sample", files["gan"], "-o",
                     tmp_path / "x.npy")
    assert_cli_error(capsys, "cannot load model file", "export", files["gan"],
                     tmp_path / "exported")
    from PIL import Image

    Image.fromarray(np.zeros((4, 4, 3), "uint8")).save(tmp_path / "in.png")
    assert_cli_error(capsys, "cannot load model file", "upscale", files["image"],
                     tmp_path / "in.png", "-o", tmp_path / "out.png")
    from keras_gan import export

    with pytest.raises(ValueError, match="lambda"):
        export._main([str(files["gan"]), str(tmp_path / "exported2")])
    assert not marker.exists()
    code, _, err = run_cli(capsys, "sample", files["gan"], "-o", tmp_path / "x.npy")
    assert "safe_mode" in err or "lambda" in err.lower()
    assert not marker.exists() and not (tmp_path / "x.npy").exists()
    # The files do carry code: loading them outside safe mode runs it.
    keras.saving.load_model(files["gan"], safe_mode=False)
    assert marker.exists()


def test_a_lambda_smuggled_into_a_gan_config_is_refused(gan_file, tmp_path, monkeypatch):
    """A hand-edited config.json: the serialised loss (read by keras_gan's own
    `from_config`) replaced by a Python lambda."""
    import json

    marker = tmp_path / "code_ran"
    monkeypatch.setenv("KERAS_GAN_MARKER", str(marker))
    smuggled = keras.saving.serialize_keras_object(touch)
    assert smuggled["class_name"] == "__lambda__"
    crafted = tmp_path / "crafted.keras"
    with zipfile.ZipFile(gan_file) as source, zipfile.ZipFile(crafted, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "config.json":
                config = json.loads(data)
                config["config"]["loss"] = smuggled
                data = json.dumps(config)
            target.writestr(item, data)
    with pytest.raises(ValueError, match="deserialization of a Python lambda"):
        keras.saving.load_model(crafted)
    assert not marker.exists()
