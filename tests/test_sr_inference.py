"""Super-resolution inference, export and evaluation (keras_gan.super_resolution,
keras_gan.export.export_image_model, `keras-gan upscale` / `evaluate-sr`).

Tiny networks and small images; the SavedModel is checked in a fresh TensorFlow process
that never imports keras, as TF Serving would load it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import keras

import keras_gan
from conftest import BACKEND, ROOT, assert_cli_error, assert_ok, run_cli, run_python
from keras_gan import super_resolution as sr
from keras_gan.datasets import bicubic_downscale
from keras_gan.export import export_image_model
from keras_gan.layers import PixelShuffle
from keras_gan.metrics import psnr, ssim

SET5 = Path(ROOT).parent / "shared" / "data" / "sr" / "Set5"
needs_set5 = pytest.mark.skipif(not SET5.is_dir(), reason=f"no Set5 test images at {SET5}")


@pytest.fixture(scope="module")
def generator():
    """SRResNet x2, one residual block, 8 filters: receptive field 10 LR pixels."""
    keras.utils.set_random_seed(5)
    return keras_gan.networks.srresnet(scale=2, blocks=1, filters=8)


def random_image(height, width, channels=3, seed=0):
    """Smooth structure plus noise, uint8."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = 127 + 100 * np.sin(x[..., None] / 5.0 + np.arange(channels)) * np.cos(y[..., None] / 7.0)
    return np.clip(base + rng.normal(0, 20, (height, width, channels)), 0, 255).astype(np.uint8)


def conv_shuffle_net(scale, channels=1):
    """A hand-made x`scale` net: 3x3 convolution to scale^2 * channels, PixelShuffle."""
    keras.utils.set_random_seed(11)
    inputs = keras.Input((None, None, channels))
    x = keras.layers.Conv2D(scale * scale * channels, 3, padding="same")(inputs)
    return keras.Model(inputs, PixelShuffle(scale)(x))


def nearest_net(scale, channels=3):
    inputs = keras.Input((None, None, channels))
    return keras.Model(inputs, keras.layers.UpSampling2D(scale)(inputs))


def identity_net(channels=3):
    inputs = keras.Input((None, None, channels))
    return keras.Model(inputs, keras.layers.Activation("linear")(inputs))


class FakeSRModel:
    """The attributes keras_gan's SR models (SRGAN, ESRGAN) expose."""

    def __init__(self, generator, scale, lr_range, hr_range):
        self.generator, self.scale = generator, scale
        self.lr_range, self.hr_range = lr_range, hr_range


# ---------------------------------------------------------------------------- tiling


@pytest.mark.parametrize("length,tile,overlap", [(45, 24, 11), (61, 30, 12), (7, 24, 11),
                                                 (100, 10, 0), (33, 32, 15)])
def test_tile_spans_cover_the_axis_with_context(length, tile, overlap):
    spans = sr._spans(length, tile, overlap)
    centres = [(c0, c1) for _, _, c0, c1 in spans]
    assert centres[0][0] == 0 and centres[-1][1] == length
    assert all(a[1] == b[0] for a, b in zip(centres, centres[1:]))  # a partition
    for w0, w1, c0, c1 in spans:
        assert w1 - w0 == min(tile, length) and 0 <= w0 <= c0 < c1 <= w1 <= length
        assert c0 - w0 >= overlap or w0 == 0
        assert w1 - c1 >= overlap or w1 == length


def test_tiled_upscale_equals_the_whole_image(generator):
    image = random_image(40, 52)
    whole = sr.upscale(generator, image)
    assert whole.shape == (80, 104, 3) and whole.dtype == np.uint8
    # 4 x 5 windows of 32 in batches of 8; 2 x 3 windows of 44; one window
    for tile, overlap, batch in ((32, 10, 8), (44, 12, 1), (64, 10, 2)):
        tiled = sr.upscale(generator, image, tile=tile, overlap=overlap, batch_size=batch)
        diff = np.abs(tiled.astype(int) - whole)
        assert diff.max() <= 1 and (diff == 0).mean() > 0.999, (tile, overlap, diff.max())
    # an overlap below the receptive field (10 LR pixels) does change the result
    too_little = sr.upscale(generator, image, tile=16, overlap=2, batch_size=20)
    assert np.abs(too_little.astype(int) - whole).max() > 1


def test_greyscale_images(generator):
    grey = random_image(20, 26, channels=1)[..., 0]
    rgb = sr.upscale(generator, grey)  # replicated to RGB for an RGB model
    np.testing.assert_array_equal(rgb, sr.upscale(generator, np.repeat(grey[..., None], 3, 2)))
    one_channel = conv_shuffle_net(2, channels=1)
    out = sr.upscale(one_channel, grey, input_range=(0, 1), output_range=(0, 1), tile=12,
                     overlap=2, batch_size=12)
    assert out.shape == (40, 52) and out.dtype == np.uint8
    np.testing.assert_array_equal(out, sr.upscale(one_channel, grey[..., None],
                                                  output_range=(0, 1))[..., 0])


# --------------------------------------------------------------------- scale, ranges


def test_scale_inference(generator):
    assert sr.infer_scale(generator) == 2
    assert sr.infer_scale(conv_shuffle_net(4)) == 4
    assert sr.infer_scale(identity_net()) == 1
    inputs = keras.Input((None, None, 3))
    halving = keras.Model(inputs, keras.layers.Conv2D(3, 3, strides=2, padding="same")(inputs))
    with pytest.raises(ValueError, match="cannot infer the scale"):
        sr.infer_scale(halving)
    image = random_image(10, 12)
    assert sr.upscale(conv_shuffle_net(4, 3), image, scale=4).shape == (40, 48, 3)
    with pytest.raises(ValueError, match="not a x4 image"):
        sr.upscale(generator, image, scale=4)


@pytest.mark.parametrize("input_range,output_range", [((0, 1), (0, 1)), ((-1, 1), (-1, 1)),
                                                      ((0, 255), (0, 255)), ((-1, 1), (0, 1))])
def test_uint8_value_ranges(input_range, output_range):
    image = np.arange(256, dtype=np.uint8).reshape(16, 16, 1).repeat(3, axis=2)
    out = sr.upscale(identity_net(), image, input_range=input_range, output_range=output_range)
    assert out.dtype == np.uint8 and out.shape == image.shape
    low, high = input_range
    value = low + image / 255.0 * (high - low)  # what the net sees and returns
    out_low, out_high = output_range
    expected = np.clip(np.round((value - out_low) / (out_high - out_low) * 255), 0, 255)
    np.testing.assert_array_equal(out, expected.astype(np.uint8))
    if input_range == output_range:
        np.testing.assert_array_equal(out, image)  # exact round trip
    nearest = sr.upscale(nearest_net(3), image, input_range=input_range,
                         output_range=output_range)
    np.testing.assert_array_equal(nearest, np.repeat(np.repeat(out, 3, 0), 3, 1))


def test_resolve_sr_model(generator):
    model = FakeSRModel(generator, 2, (0, 1), (0, 1))
    got, lr_range, hr_range = sr.resolve_sr_model(model)
    assert got is generator and lr_range == (0.0, 1.0) and hr_range == (0.0, 1.0)
    assert sr.resolve_sr_model(model, input_range=(0, 1)) == (generator, (0.0, 1.0), (0.0, 1.0))
    with pytest.raises(ValueError, match=r"output_range \(-1, 1\) conflicts with the model's "
                                         r"hr_range \(0.0, 1.0\)"):
        sr.resolve_sr_model(model, output_range=(-1, 1))
    assert sr.resolve_sr_model(generator) == (generator, (0.0, 1.0), (-1.0, 1.0))
    assert sr.resolve_sr_model(generator, (-1, 1), (0, 255))[1:] == ((-1.0, 1.0), (0.0, 255.0))
    # upscale takes an SR model with its ranges and scale
    image = random_image(12, 14)
    np.testing.assert_array_equal(
        sr.upscale(model, image),
        sr.upscale(generator, image, input_range=(0, 1), output_range=(0, 1), scale=2))
    with pytest.raises(TypeError, match="expected a Keras image-to-image model"):
        sr.resolve_sr_model("generator.keras")


def test_errors(generator):
    image = random_image(12, 12)
    cases = [
        (TypeError, "image must be uint8", image.astype("float32")),
        (ValueError, r"one image \(height, width, channels\).*received shape \(2, 12, 12, 3\) "
                     r"\(upscale a batch image by image\)", np.stack([image, image])),
        (ValueError, r"received shape \(12,\)", image[0, :, 0]),
        (ValueError, r"takes 3-channel images; received 4 channels.*drop the alpha",
         np.concatenate([image, image[..., :1]], -1)),
        (ValueError, "takes 3-channel images; received 1 channels", image[..., :1]),
        (ValueError, "empty", image[:0]),
    ]
    for error, message, bad in cases:
        with pytest.raises(error, match=message):
            sr.upscale(generator, bad)
    with pytest.raises(ValueError, match=r"tile \(32\) must be larger than 2 \* overlap \(32\)"):
        sr.upscale(generator, image, tile=32)
    with pytest.raises(ValueError, match="overlap must be a non-negative integer"):
        sr.upscale(generator, image, tile=8, overlap=-1)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        sr.upscale(generator, image, batch_size=0)
    with pytest.raises(ValueError, match="input_range must be finite with low < high"):
        sr.upscale(generator, image, input_range=(1, 0))
    inputs = keras.Input((8,))
    dense = keras.Model(inputs, keras.layers.Dense(4)(inputs))
    with pytest.raises(ValueError, match="expected an image-to-image model"):
        sr.upscale(dense, image)
    with pytest.raises(ValueError, match="expected an image-to-image model"):
        export_image_model(dense, "unused")
    inputs = keras.Input((12, 12, 3))
    fixed = keras.Model(inputs, keras.layers.UpSampling2D(2)(inputs))
    assert sr.upscale(fixed, image).shape == (24, 24, 3)
    with pytest.raises(ValueError, match="takes inputs of 12x12 pixels only"):
        sr.upscale(fixed, random_image(12, 16))


# ------------------------------------------------------------------------- export


@pytest.mark.slow
def test_exported_image_model_serves_uint8_images_of_any_size(generator, tmp_path):
    """Exported from the current backend (torch: through the TensorFlow child process),
    loaded with tf.saved_model.load in a process without keras."""
    export_dir = tmp_path / "served" / "1"
    ranges = dict(input_range=(-1.0, 1.0), output_range=(-1.5, 1.5))
    assert export_image_model(generator, str(export_dir), **ranges) == str(export_dir)
    batches = {"a": np.stack([random_image(13, 17, seed=1), random_image(13, 17, seed=2)]),
               "b": np.stack([random_image(20, 9, seed=3), random_image(20, 9, seed=4)])}
    for key, batch in batches.items():
        np.save(tmp_path / f"{key}.npy", batch)
        np.save(tmp_path / f"{key}_expected.npy",
                np.stack([sr.upscale(generator, image, **ranges) for image in batch]))
        raw = keras.ops.convert_to_numpy(generator(batch.astype("float32") / 127.5 - 1.0))
        np.save(tmp_path / f"{key}_raw.npy", raw)
    code = f"""
import json, sys
sys.modules["keras"] = None  # serving needs TensorFlow only: importing keras would fail
import numpy as np
import tensorflow as tf
loaded = tf.saved_model.load({str(export_dir)!r})
fn = loaded.signatures["serving_default"]
spec = fn.structured_input_signature[1]["images"]
info = dict(signatures=sorted(loaded.signatures), shape=spec.shape.as_list(),
            dtype=spec.dtype.name, outputs=sorted(fn.structured_outputs))
for key in ("a", "b"):
    out = fn(images=tf.constant(np.load({str(tmp_path)!r} + f"/{{key}}.npy")))
    expected = np.load({str(tmp_path)!r} + f"/{{key}}_expected.npy")
    raw = np.load({str(tmp_path)!r} + f"/{{key}}_raw.npy")
    images = out["images"].numpy()
    info[key] = dict(dtype=images.dtype.name, shape=list(images.shape),
                     max_diff=int(np.abs(images.astype(int) - expected).max()),
                     raw_diff=float(np.abs(out["outputs"].numpy() - raw).max()))
try:
    fn(images=tf.zeros((1, 8, 8, 4), tf.uint8))
    info["error"] = None
except tf.errors.InvalidArgumentError as e:
    info["error"] = e.message
info["keras_gan_imported"] = "keras_gan" in sys.modules
print(json.dumps(info))
"""
    result = run_python(code, backend="tensorflow")
    assert_ok(result)
    info = json.loads(result.stdout.strip().splitlines()[-1])
    assert info["signatures"] == ["raw", "serving_default"]
    assert info["shape"] == [None, None, None, 3] and info["dtype"] == "uint8"
    assert info["outputs"] == ["images", "outputs"]
    assert info["a"]["shape"] == [2, 26, 34, 3] and info["b"]["shape"] == [2, 40, 18, 3]
    for key in ("a", "b"):
        assert info[key]["dtype"] == "uint8" and info[key]["max_diff"] <= 1, info
        assert info[key]["raw_diff"] < 1e-4, info
    assert "this model takes 3-channel images" in info["error"]
    assert info["keras_gan_imported"] is False


# --------------------------------------------------------------------- evaluation


def _numpy_psnr_y(hr, sr_image, border):
    """PSNR on BT.601 Y in float64, written out here independently of the library."""
    def luma(x):
        x = x.astype(np.float64)
        return 16.0 + (65.481 * x[..., 0] + 128.553 * x[..., 1] + 24.966 * x[..., 2]) / 255.0

    a = luma(hr)[border:-border, border:-border]
    b = luma(sr_image)[border:-border, border:-border]
    return 10 * np.log10(255.0 ** 2 / np.mean((a - b) ** 2))


@pytest.fixture(scope="module")
def set5_crops():
    if not SET5.is_dir():
        pytest.skip(f"no Set5 test images at {SET5}")
    crops = {}
    for name, box in (("bird", (40, 60, 126, 134)), ("butterfly", (70, 30, 150, 120))):
        with Image.open(SET5 / f"{name}.png") as image:
            crops[name] = np.asarray(image.convert("RGB").crop(box))
    crops["bird_grey"] = np.asarray(Image.fromarray(crops["bird"]).convert("L"))
    return crops


def test_evaluate_sr_follows_the_protocol(generator, set5_crops):
    result = sr.evaluate_sr(generator, set5_crops, scale=2)
    assert result["scale"] == 2 and result["skipped"] == []
    assert [r["name"] for r in result["images"]] == ["bird", "butterfly", "bird_grey"]
    for row in result["images"]:
        image = set5_crops[row["name"]]
        if image.ndim == 2:
            image = np.repeat(image[..., None], 3, 2)
        hr, lr = bicubic_downscale(image, 2)
        out = sr.upscale(generator, lr)
        assert row["hr"] == hr.shape[:2] and row["lr"] == lr.shape[:2]
        if row["grey"]:  # the grey level: HR's single channel, SR's BT.601 luma
            hr_c = hr[..., :1]
            sr_c = (out.astype(np.float64) @ np.array([0.299, 0.587, 0.114]))[..., None]
            kwargs = dict(crop_border=2)
        else:
            hr_c, sr_c, kwargs = hr, out, dict(crop_border=2, y_channel=True)
        assert row["psnr"] == pytest.approx(float(psnr(hr_c, sr_c, **kwargs)), abs=1e-4)
        assert row["ssim"] == pytest.approx(float(ssim(hr_c, sr_c, **kwargs)), abs=1e-5)
    assert result["psnr"] == pytest.approx(np.mean([r["psnr"] for r in result["images"]]))
    assert [r["grey"] for r in result["images"]] == [False, False, True]
    # tiled evaluation: the same scores up to one uint8 level on a few pixels
    tiled = sr.evaluate_sr(generator, set5_crops, scale=2, tile=32, overlap=10)
    assert tiled["psnr"] == pytest.approx(result["psnr"], abs=0.05)


def test_evaluate_sr_against_numpy_and_identity(set5_crops):
    """Nearest-neighbour x2 as the 'generator': PSNR-Y recomputed in numpy; identity at
    scale 1 (LR = HR): infinite PSNR, SSIM 1."""
    crops = {k: v for k, v in set5_crops.items() if v.ndim == 3}
    result = sr.evaluate_sr(nearest_net(2), crops, input_range=(0, 1), output_range=(0, 1))
    assert result["scale"] == 2
    for row in result["images"]:
        hr, lr = bicubic_downscale(crops[row["name"]], 2)
        nearest = np.repeat(np.repeat(lr, 2, 0), 2, 1)
        assert row["psnr"] == pytest.approx(_numpy_psnr_y(hr, nearest, 2), abs=2e-3)
        assert 15 < row["psnr"] < 40 and 0.3 < row["ssim"] < 1
    same = sr.evaluate_sr(identity_net(), crops, input_range=(0, 1), output_range=(0, 1))
    assert same["scale"] == 1 and np.isinf(same["psnr"])
    assert same["ssim"] == pytest.approx(1.0, abs=1e-6)


def test_evaluate_sr_folders(generator, set5_crops, tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        sr.evaluate_sr(generator, tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="holds no images"):
        sr.evaluate_sr(generator, tmp_path / "empty")
    folder = tmp_path / "hr"
    folder.mkdir()
    (folder / "broken.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(ValueError, match="None of the 1 image files"):
        sr.evaluate_sr(generator, folder)
    Image.fromarray(set5_crops["bird"]).save(folder / "bird.png")
    Image.fromarray(set5_crops["bird_grey"]).save(folder / "grey.png")
    with pytest.warns(UserWarning, match=r"Skipped 1 of 3 files that are not readable images: "
                                         r"broken.png"):
        result = sr.evaluate_sr(generator, folder)
    assert [r["name"] for r in result["images"]] == ["bird", "grey"]
    assert [r["grey"] for r in result["images"]] == [False, True]
    assert result["skipped"] == ["broken.png"]
    from_arrays = sr.evaluate_sr(generator, {"bird": set5_crops["bird"],
                                             "grey": set5_crops["bird_grey"]})
    assert [r["psnr"] for r in result["images"]] == [r["psnr"] for r in from_arrays["images"]]
    with pytest.raises(ValueError, match="scale 4 does not match the generator, which upscales x2"):
        sr.evaluate_sr(generator, folder, scale=4)
    with pytest.raises(ValueError, match="too small for the x2 protocol"):
        sr.evaluate_sr(generator, [random_image(14, 40)])
    with pytest.raises(ValueError, match="must be uint8"):
        sr.evaluate_sr(generator, [random_image(40, 40).astype("float32")])


def test_read_hr_image_and_protocol_scores(tmp_path):
    rgb = random_image(24, 20)
    Image.fromarray(rgb).save(tmp_path / "rgb.png")
    Image.fromarray(rgb[..., 0]).save(tmp_path / "grey.png")
    image, grey = sr.read_hr_image(tmp_path / "rgb.png")
    np.testing.assert_array_equal(image, rgb)
    assert grey is False
    image, grey = sr.read_hr_image(tmp_path / "grey.png")
    assert grey is True and image.shape == (24, 20, 3)
    np.testing.assert_array_equal(image[..., 2], rgb[..., 0])
    scores = sr.protocol_scores(rgb, rgb, 4)
    assert np.isinf(scores["psnr"]) and scores["ssim"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="same shape"):
        sr.protocol_scores(rgb, rgb[:-1], 4)


# ---------------------------------------------------------------------------- CLI


@pytest.fixture(scope="module")
def saved_generator(generator, tmp_path_factory):
    path = tmp_path_factory.mktemp("models") / "generator.keras"
    generator.save(path)
    return path


@pytest.fixture(scope="module")
def lr_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lr")
    Image.fromarray(random_image(30, 41, seed=7)).save(folder / "a.png")
    (folder / "sub").mkdir()
    Image.fromarray(random_image(19, 23, seed=8)[..., 0]).save(folder / "sub" / "b.jpg",
                                                               quality=95)
    (folder / "c.png").write_bytes(b"not an image")
    return folder


def test_cli_upscale_a_file(generator, saved_generator, lr_folder, tmp_path, capsys):
    out_file = tmp_path / "a_x2.png"
    code, out, err = run_cli(capsys, "upscale", saved_generator, lr_folder / "a.png",
                             "-o", out_file, "--tile", "24", "--overlap", "4")
    assert code == 0 and "wrote" in out and "82x60 from 41x30" in out, err
    written = np.asarray(Image.open(out_file))
    image = np.asarray(Image.open(lr_folder / "a.png"))
    expected = sr.upscale(generator, image, tile=24, overlap=4, batch_size=6)
    np.testing.assert_array_equal(written, expected)
    # into an existing folder, whole image in one call; SRGAN's ranges are the default
    code, out, err = run_cli(capsys, "upscale", saved_generator, lr_folder / "a.png", "-o",
                             tmp_path, "--tile", "0", "--input-range", "0", "1",
                             "--output-range", "-1", "1")
    assert code == 0, err
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "a.png")),
                                  sr.upscale(generator, image))


def test_cli_upscale_a_folder(generator, saved_generator, lr_folder, tmp_path):
    """The real command in a child process: a folder in, PNGs with the same stems out."""
    out_dir = tmp_path / "out"
    env = dict(os.environ, KERAS_BACKEND=BACKEND)
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    result = subprocess.run(
        [sys.executable, "-m", "keras_gan", "upscale", str(saved_generator), str(lr_folder),
         "-o", str(out_dir), "--input-range", "0", "1", "--output-range", "-1", "1"],
        env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert_ok(result)
    assert result.stderr.strip().splitlines() == [
        "keras-gan: warning: skipped 1 of 3 files that are not readable images: c.png"]
    assert sorted(p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*.png")) == [
        "a.png", "sub/b.png"]
    grey = np.asarray(Image.open(lr_folder / "sub" / "b.jpg"))
    written = np.asarray(Image.open(out_dir / "sub" / "b.png"))
    assert written.shape == (38, 46, 3)  # a greyscale input through an RGB model
    np.testing.assert_array_equal(written, sr.upscale(generator, grey))
    assert "upscaled 2 images" in result.stdout


@needs_set5
def test_cli_evaluate_sr_on_set5(generator, saved_generator, tmp_path, capsys):
    scores = tmp_path / "scores.json"
    code, out, err = run_cli(capsys, "evaluate-sr", saved_generator, "--data", SET5,
                             "-o", scores)
    assert code == 0, err
    report = json.loads(scores.read_text())
    assert report["scale"] == 2 and report["images"] == 5 and report["backend"] == BACKEND
    names = [r["name"] for r in report["per_image"]]
    assert names == ["baby", "bird", "butterfly", "head", "woman"]
    assert report["psnr"] == pytest.approx(np.mean([r["psnr"] for r in report["per_image"]]))
    lines = out.splitlines()
    assert lines[0].split() == ["image", "PSNR-Y", "(dB)", "SSIM-Y"]
    assert [line.split()[0] for line in lines[1:7]] == names + ["mean"]
    assert f"{report['psnr']:.3f}" in lines[6]
    # the library gives the same on one of them
    direct = sr.evaluate_sr(generator, {"bird": sr.read_hr_image(SET5 / "bird.png")[0]})
    assert report["per_image"][1]["psnr"] == pytest.approx(direct["psnr"], abs=1e-6)


def test_cli_errors(saved_generator, lr_folder, tmp_path, capsys):
    not_keras = tmp_path / "model.keras"
    not_keras.write_text("text")
    inputs = keras.Input((8,))
    dense = tmp_path / "dense.keras"
    keras.Model(inputs, keras.layers.Dense(2)(inputs)).save(dense)
    image = lr_folder / "a.png"
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    cases = [
        ("model file not found", "upscale", tmp_path / "none.keras", image, "-o", "x.png"),
        ("not a .keras model file", "upscale", not_keras, image, "-o", tmp_path / "x.png"),
        ("holds a Functional, not a super-resolution (image-to-image) model", "upscale",
         dense, image, "-o", tmp_path / "x.png"),
        ("input image or folder not found", "upscale", saved_generator, tmp_path / "no.png",
         "-o", tmp_path / "x.png"),
        ("cannot read input image", "upscale", saved_generator, lr_folder / "c.png",
         "-o", tmp_path / "x.png"),
        ("cannot create output folder", "upscale", saved_generator, image,
         "-o", a_file / "x.png"),
        ("output must end in .png", "upscale", saved_generator, image, "-o", tmp_path / "x.gif"),
        ("--tile 32 must be larger than twice --overlap 16", "upscale", saved_generator, image,
         "-o", tmp_path / "x.png", "--tile", "32"),
        ("expected a non-negative integer", "upscale", saved_generator, image, "-o", "x.png",
         "--tile", "-3"),
        ("must differ from the input folder", "upscale", saved_generator, lr_folder,
         "-o", lr_folder),
        ("output for a folder must be a folder", "upscale", saved_generator, lr_folder,
         "-o", a_file),
        ("--input-range: input_range must be finite with low < high", "upscale", saved_generator, image,
         "-o", tmp_path / "x.png", "--input-range", "1", "0"),
        ("--data must be a folder", "evaluate-sr", saved_generator, "--data", tmp_path / "no"),
        ("holds no images", "evaluate-sr", saved_generator, "--data", tmp_path / "models"),
        ("scale 4 does not match the generator", "evaluate-sr", saved_generator, "--data",
         lr_folder, "--scale", "4"),
        ("cannot write", "evaluate-sr", saved_generator, "--data", tmp_path / "hr", "-o",
         a_file / "s.json"),
        ("too small for the x2 protocol", "evaluate-sr", saved_generator, "--data",
         tmp_path / "small"),
    ]
    (tmp_path / "models").mkdir()
    (tmp_path / "small").mkdir()
    Image.fromarray(random_image(12, 30)).save(tmp_path / "small" / "s.png")
    (tmp_path / "hr").mkdir()
    Image.fromarray(random_image(40, 36)).save(tmp_path / "hr" / "x.png")
    for message, *args in cases:
        assert_cli_error(capsys, message, *args)


def test_cli_upscale_a_saved_srgan(tmp_path, lr_folder, capsys):
    """A saved SR model brings its generator, scale and ranges (SRGAN: [0, 1] -> [-1, 1])."""
    keras.utils.set_random_seed(3)
    model = keras_gan.models.SRGAN(stage="psnr", scale=2, blocks=1, filters=8)
    generator, lr_range, hr_range = sr.resolve_sr_model(model)
    assert generator is model.generator and (lr_range, hr_range) == ((0, 1), (-1, 1))
    path = tmp_path / "srgan.keras"
    model.save(path)
    code, out, err = run_cli(capsys, "upscale", path, lr_folder / "a.png", "-o",
                             tmp_path / "a.png")
    assert code == 0, err
    image = np.asarray(Image.open(lr_folder / "a.png"))
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "a.png")),
                                  sr.upscale(model.generator, image, input_range=(0, 1),
                                             output_range=(-1, 1)))
    assert_cli_error(capsys, "output_range (0.0, 1.0) conflicts with the model's hr_range",
                     "upscale", path, lr_folder / "a.png", "-o", tmp_path / "b.png",
                     "--output-range", "0", "1")
