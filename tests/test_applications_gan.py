"""The GAN applications: conditional GANs, InfoGAN and the TF Serving round trip, in a
fast mode (16-pixel shapes, networks of width 4, two epochs of two steps)."""

import csv
import json
import os

import numpy as np
import pytest
from PIL import Image

from test_applications import default_backend_only, load_application, run_application

TILE = 16 + 2  # a 16-pixel image and the grid's 2-pixel padding


def grid_size(rows, columns):
    """(width, height) of a `visualize.image_grid` of 16-pixel tiles."""
    return (columns * TILE + 2, rows * TILE + 2)


def read_history(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def png_pixels(path):
    return np.asarray(Image.open(path))


@pytest.mark.slow
@default_backend_only
@pytest.mark.parametrize("model_name", ["cgan", "acgan"])
def test_train_conditional(tmp_path, model_name):
    import keras

    import keras_gan
    from keras_gan import visualize

    out = tmp_path / "run"
    run_application("train_conditional.py", "--model", model_name, "--data", "shapes",
                    "--image-size", "16", "--shapes-count", "64", "--filters", "4",
                    "--epochs", "2", "--steps-per-epoch", "2", "--batch-size", "8",
                    "--columns", "4", "--seed", "1", "--out", out, cwd=tmp_path)
    assert sorted(os.listdir(out)) == ["class_grid", "class_grid.png", "history.csv",
                                       "model.keras"]
    assert sorted(os.listdir(out / "class_grid")) == ["epoch_0001.png", "epoch_0002.png"]
    history = read_history(out / "history.csv")
    assert [row["epoch"] for row in history] == ["0", "1"]
    if model_name == "acgan":
        assert 0 <= float(history[-1]["class_accuracy"]) <= 1
    # One row per class (circle, square, triangle), 4 columns.
    final = png_pixels(out / "class_grid.png")
    assert Image.open(out / "class_grid.png").size == grid_size(3, 4)
    np.testing.assert_array_equal(final, png_pixels(out / "class_grid" / "epoch_0002.png"))
    # The picture is the saved model's samples: row c has class c, column j the noise z_j.
    model = keras.saving.load_model(out / "model.keras")
    assert isinstance(model, keras_gan.ACGAN if model_name == "acgan" else keras_gan.CGAN)
    latent = np.tile(model.latents(4, seed=1), (3, 1))
    labels = np.repeat(np.arange(3), 4)
    expected = visualize.image_grid(model.generate_from(latent, labels=labels), columns=4)
    difference = np.abs(np.asarray(expected, "int16") - final)
    assert difference.max() <= 1  # a float rounding may move a pixel by one level
    # The grid callback keeps those latents and labels when training begins (the
    # pixels above barely tell them apart after two steps).
    grid = load_application("train_conditional.py").class_grid_callback(
        model, 4, tmp_path / "again", seed=1)
    grid.set_model(model)
    grid.on_train_begin()
    np.testing.assert_array_equal(grid.latent, latent)
    np.testing.assert_array_equal(grid.labels, labels)


@pytest.mark.slow
@default_backend_only
def test_train_infogan(tmp_path):
    import keras

    from keras_gan import visualize

    out = tmp_path / "run"
    run_application("train_infogan.py", "--data", "shapes", "--image-size", "16",
                    "--shapes-count", "64", "--filters", "4", "--epochs", "2",
                    "--steps-per-epoch", "2", "--batch-size", "8", "--steps", "5", "--seed",
                    "2", "--out", out, cwd=tmp_path)
    assert sorted(os.listdir(out)) == ["history.csv", "model.keras", "traversal_c1",
                                       "traversal_c1.png", "traversal_c2", "traversal_c2.png"]
    for code in (1, 2):
        assert sorted(os.listdir(out / f"traversal_c{code}")) == ["epoch_0001.png",
                                                                  "epoch_0002.png"]
        # 3 categories (the shapes' classes) x 5 values of the code.
        assert Image.open(out / f"traversal_c{code}.png").size == grid_size(3, 5)
    history = read_history(out / "history.csv")
    assert len(history) == 2 and 0 <= float(history[-1]["categorical_accuracy"]) <= 1

    model = keras.saving.load_model(out / "model.keras")
    assert model.categorical_codes == (3,) and model.continuous_codes == 2
    script = load_application("train_infogan.py")
    values = np.linspace(-2, 2, 5)
    latent = script.traversal_latents(model, 1, values, seed=2)  # continuous code 2
    noise, one_hot, continuous = latent[:, :62], latent[:, 62:65], latent[:, 65:]
    np.testing.assert_array_equal(noise, np.broadcast_to(noise[0], noise.shape))
    np.testing.assert_array_equal(one_hot.argmax(-1), np.repeat(np.arange(3), 5))
    np.testing.assert_allclose(continuous[:, 1], np.tile(values, 3), rtol=0, atol=1e-7)
    np.testing.assert_array_equal(continuous[:, 0], 0)
    expected = visualize.image_grid(model.generate_from(latent), columns=5)
    final = png_pixels(out / "traversal_c2.png")
    assert np.abs(np.asarray(expected, "int16") - final).max() <= 1
    np.testing.assert_array_equal(final, png_pixels(out / "traversal_c2" / "epoch_0002.png"))
    # The per-epoch grids keep the traversal latents when training begins.
    grids = script.traversal_callbacks(model, values, tmp_path / "again", seed=2)
    assert len(grids) == 2
    grids[1].set_model(model)
    grids[1].on_train_begin()
    np.testing.assert_array_equal(grids[1].latent, latent)


@pytest.mark.slow
@default_backend_only
def test_export_and_serve(tmp_path, capsys):
    import keras_gan
    from keras_gan import recipes

    # A tiny conditional model, trained for two steps and saved as a user's would be.
    dataset, image_shape, num_classes = recipes.image_data(
        "shapes", image_size=16, batch_size=8, seed=3, shapes_count=16)
    model = recipes.image_model("cgan", image_shape, num_classes, seed=3, filters=4)
    model.fit(dataset, epochs=1, verbose=0)
    model.save(tmp_path / "model.keras")

    run_application("export_and_serve.py", tmp_path / "model.keras", "--export-dir", "served",
                    "-n", "5", "--seed", "4", "--format", "row", "--output", "samples.png",
                    "--bodies", "bodies", cwd=tmp_path)
    assert (tmp_path / "served" / "cgan" / "1" / "saved_model.pb").is_file()
    request = json.loads((tmp_path / "bodies" / "request.json").read_text())
    assert request["signature_name"] == "serving_default" and len(request["instances"]) == 5
    assert sorted(request["instances"][0]) == ["label", "latent"]
    reply = json.loads((tmp_path / "bodies" / "response.json").read_text())
    outputs = keras_gan.serving.parse_predict_response(reply)
    assert "predictions" in reply and sorted(outputs) == ["images", "samples"]
    samples, images = outputs["samples"], outputs["images"]
    assert samples.shape == images.shape == (5, 16, 16, 3)
    assert -1 <= samples.min() and samples.max() <= 1
    assert images.min() >= 0 and images.max() <= 255
    np.testing.assert_array_equal(images, np.clip(np.round((samples + 1) * 127.5), 0, 255))
    # The served samples are the model's for the same latents and labels.
    labels = np.arange(5) % num_classes
    np.testing.assert_allclose(samples, model.generate(5, seed=4, labels=labels),
                               rtol=0, atol=1e-5)
    # One column per class: 5 samples of 3 classes in 2 rows.
    assert Image.open(tmp_path / "samples.png").size == grid_size(2, 3)
    stdout = capsys.readouterr().out
    assert "inputs latent float32[5, 100], label int32[5]" in stdout
    assert "outputs images uint8[5, 16, 16, 3], samples float32[5, 16, 16, 3]" in stdout


@default_backend_only
def test_export_and_serve_refuses_a_missing_model_file(tmp_path):
    from keras_gan import cli

    with pytest.raises(cli.CLIError, match="model file not found: .*missing.keras"):
        load_application("export_and_serve.py").main([str(tmp_path / "missing.keras")])
