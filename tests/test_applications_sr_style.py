"""The super-resolution and style-transfer scripts of applications/, in a fast mode under
the default backend: tiny networks (one residual block or RRDB, a few filters), 24x24 HR
crops, two steps per stage, 32-48 pixel images, and a VGG19 with random weights
(`--vgg-weights none`, or a weights file the test writes): no ImageNet download.

The images are crops of the offline copies in ../shared/data (or $KERAS_GAN_DATA) that
each test writes into its temporary folder.
"""

import json
import math
import os

import numpy as np
import pytest

import keras

from conftest import ROOT
from test_applications import default_backend_only, run_application

DATA = os.environ.get("KERAS_GAN_DATA") or os.path.join(ROOT, "..", "shared", "data")
SR = os.path.join(DATA, "sr")
STYLE = os.path.join(DATA, "style")

needs_sr_data = pytest.mark.skipif(
    not all(os.path.isdir(os.path.join(SR, name)) for name in ("BSD68", "Set5")),
    reason=f"the offline super-resolution images are not in {SR} (set KERAS_GAN_DATA or "
           "see shared/data/README.md)")
needs_style_data = pytest.mark.skipif(
    not all(os.path.isfile(os.path.join(STYLE, name))
            for name in ("tubingen.jpg", "starry_night.jpg")),
    reason=f"the offline style images are not in {STYLE} (set KERAS_GAN_DATA or see "
           "shared/data/README.md)")


def read(path):
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def write_crops(folder, source, count, side, offset=100):
    """`count` `side`x`side` crops of the first images of `source`, as PNGs in `folder`."""
    from PIL import Image

    os.makedirs(folder, exist_ok=True)
    for name in sorted(os.listdir(source))[:count]:
        with Image.open(os.path.join(source, name)) as image:
            crop = image.convert("RGB").crop((offset, offset, offset + side, offset + side))
        crop.save(os.path.join(folder, os.path.splitext(name)[0] + ".png"))
    return folder


def sr_folders(tmp_path, test_images=2):
    """A training folder (4 BSD68 crops, 48x48) and a test folder (Set5 crops)."""
    return (write_crops(tmp_path / "hr", os.path.join(SR, "BSD68"), 4, 48),
            write_crops(tmp_path / "test", os.path.join(SR, "Set5"), test_images, 48,
                        offset=60))


TINY_SR = ["--crop-size", 24, "--batch-size", 2, "--blocks", 1, "--filters", 8,
           "--discriminator-filters", 8, "--psnr-steps", 2, "--gan-steps", 2,
           "--steps-per-epoch", 1, "--vgg-weights", "none", "--verbose", 0, "--seed", 1]


def check_scores(report, names, images):
    scores = report["scores"]
    assert set(scores) == {"bicubic"} | set(names)
    for name in scores:
        assert math.isfinite(scores[name]["psnr"]) and 0 < scores[name]["ssim"] <= 1
        assert len(scores[name]["per_image"]) == images
    # tiny networks after two steps are far below bicubic on real images
    assert scores["bicubic"]["psnr"] > max(scores[n]["psnr"] for n in names)


def rows(path):
    with open(path) as f:
        return len(f.read().strip().splitlines()) - 1


@pytest.mark.slow
@default_backend_only
@needs_sr_data
def test_train_srgan(tmp_path, capsys):
    train, test = sr_folders(tmp_path)
    out = tmp_path / "run"
    run_application("train_srgan.py", "--data", train, "--eval-data", test, *TINY_SR,
                    "--out", out, cwd=tmp_path)
    assert sorted(os.listdir(out)) == ["history_srgan.csv", "history_srresnet.csv",
                                       "scores.json", "srgan.keras", "srresnet.keras"]
    assert rows(out / "history_srresnet.csv") == 2 and rows(out / "history_srgan.csv") == 2
    report = json.loads((out / "scores.json").read_text())
    assert report["stages"]["srgan"]["steps"] == 2 and report["scale"] == 4
    assert "random" in report["vgg_weights"]
    check_scores(report, ["srresnet", "srgan"], 2)
    out_text, err = capsys.readouterr()
    assert "random weights" in err  # --vgg-weights none is announced
    assert f"{report['scores']['srgan']['psnr']:7.3f}" in out_text


@pytest.mark.slow
@default_backend_only
@needs_sr_data
def test_train_esrgan_interpolates_the_two_stages(tmp_path):
    train, test = sr_folders(tmp_path, test_images=1)
    out = tmp_path / "run"
    run_application("train_esrgan.py", "--data", train, "--eval-data", test, *TINY_SR,
                    "--growth", 4, "--alpha", 0.25, "--out", out, cwd=tmp_path)
    assert sorted(os.listdir(out)) == ["esrgan.keras", "history_esrgan.csv",
                                       "history_rrdb_psnr.csv", "interp_0.25.keras",
                                       "rrdb_psnr.keras", "scores.json"]
    report = json.loads((out / "scores.json").read_text())
    check_scores(report, ["rrdb_psnr", "esrgan", "interp_0.25"], 1)
    psnr, gan, blend = (keras.saving.load_model(out / f"{name}.keras", compile=False)
                        for name in ("rrdb_psnr", "esrgan", "interp_0.25"))
    changed = 0
    for a, b, c in zip(psnr.generator.get_weights(), gan.generator.get_weights(),
                       blend.generator.get_weights()):
        np.testing.assert_allclose(c, 0.75 * a + 0.25 * b, rtol=1e-5, atol=1e-6)
        changed += not np.array_equal(a, b)
    assert changed > 0  # the GAN stage trained: the blend is not trivially either end
    assert blend.hr_range == (0.0, 1.0) and blend.scale == 4


@pytest.mark.slow
@default_backend_only
@needs_sr_data
def test_super_resolve_a_folder_and_an_image_with_scores(tmp_path):
    import keras_gan
    from keras_gan.datasets import bicubic_downscale

    keras.utils.set_random_seed(0)
    model = keras_gan.models.SRGAN(stage="psnr", scale=2, blocks=1, filters=8)
    model.save(tmp_path / "x2.keras")
    hr_folder = write_crops(tmp_path / "hr", os.path.join(SR, "Set5"), 2, 36, offset=60)
    lr_folder = tmp_path / "lr"
    lr_folder.mkdir()
    from PIL import Image

    for name in os.listdir(hr_folder):
        Image.fromarray(bicubic_downscale(read(hr_folder / name), 2)[1]).save(lr_folder / name)

    out = tmp_path / "sr"
    run_application("super_resolve.py", tmp_path / "x2.keras", lr_folder, "-o", out,
                    "--tile", 8, "--overlap", 2, "--hr", hr_folder, cwd=tmp_path)
    names = sorted(os.listdir(lr_folder))
    assert sorted(os.listdir(out)) == sorted(names + ["scores.json"])
    for name in names:
        assert read(out / name).shape == (36, 36, 3)  # 2 x the 18x18 input
    report = json.loads((out / "scores.json").read_text())
    assert math.isfinite(report["psnr"]) and len(report["per_image"]) == 2

    # one image, whole (no tiles): the pixels of the model's own upscale
    single = tmp_path / "one.png"
    run_application("super_resolve.py", tmp_path / "x2.keras", lr_folder / names[0], "-o",
                    single, "--tile", 0, "--hr", hr_folder / names[0], cwd=tmp_path)
    np.testing.assert_array_equal(read(single), model.upscale(read(lr_folder / names[0])))
    one = json.loads((tmp_path / "one.scores.json").read_text())
    assert math.isfinite(one["psnr"]) and one["per_image"][0]["scale"] == 2


@pytest.mark.slow
@default_backend_only
@needs_style_data
def test_stylize_with_a_weights_file_and_snapshots(tmp_path, capsys):
    weights = tmp_path / "vgg19_random.weights.h5"
    keras.utils.set_random_seed(0)
    keras.applications.VGG19(include_top=False, weights=None,
                             input_shape=(None, None, 3)).save_weights(weights)
    out = tmp_path / "out.png"
    run_application("stylize.py", os.path.join(STYLE, "tubingen.jpg"),
                    os.path.join(STYLE, "starry_night.jpg"), "-o", out, "--size", 40,
                    "--steps", 2, "--save-every", 1, "--vgg-weights", weights, cwd=tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["out.png", "out_step0001.png", "out_step0002.png",
                                            "vgg19_random.weights.h5"]
    image = read(out)
    assert max(image.shape[:2]) == 40
    np.testing.assert_array_equal(image, read(tmp_path / "out_step0002.png"))
    assert not np.array_equal(image, read(tmp_path / "out_step0001.png"))  # it moves
    assert "step 2/2: loss" in capsys.readouterr().out


@pytest.mark.slow
@default_backend_only
@needs_sr_data
@needs_style_data
def test_train_fast_style(tmp_path, capsys):
    photos = write_crops(tmp_path / "photos", os.path.join(SR, "BSD68"), 4, 32)
    content = write_crops(tmp_path / "content", os.path.join(SR, "Set5"), 1, 36, offset=60)
    image_path = os.path.join(content, os.listdir(content)[0])
    out = tmp_path / "run"
    run_application("train_fast_style.py", "--data", photos, "--style",
                    os.path.join(STYLE, "starry_night.jpg"), "--image-size", 32,
                    "--style-size", 40, "--batch-size", 2, "--steps", 2, "--filters", 4,
                    "--residual-blocks", 1, "--vgg-weights", "none", "--stylize", image_path,
                    "--stylize-size", 0, "--verbose", 0, "--out", out, cwd=tmp_path)
    stem = os.path.splitext(os.path.basename(image_path))[0]
    assert sorted(os.listdir(out)) == ["history.csv", "model.keras", "stylized",
                                       "transformer.keras"]
    assert os.listdir(out / "stylized") == [stem + ".png"]
    assert "random weights" in capsys.readouterr().err
    # the saved transformer reproduces the stylised image: sigmoid output in [0, 1]
    transformer = keras.saving.load_model(out / "transformer.keras")
    source = read(image_path)
    made = np.asarray(transformer.predict_on_batch(source[None].astype("float32") / 255.0))
    expected = np.clip(np.round(made[0] * 255.0), 0, 255).astype("uint8")
    stylized = read(out / "stylized" / (stem + ".png"))
    assert stylized.shape == source.shape
    assert np.abs(stylized.astype(int) - expected).max() <= 1


@default_backend_only
def test_missing_vgg_weights_file_is_a_clear_error(tmp_path):
    from keras_gan import cli
    from test_applications import load_application

    for name, args in (("train_srgan.py", ["--data", tmp_path, "--eval-data", "none"]),
                       ("stylize.py", [tmp_path / "a.png", tmp_path / "b.png"])):
        with pytest.raises(cli.CLIError, match="VGG19 weights file not found"):
            load_application(name).main([str(a) for a in args]
                                        + ["--vgg-weights", str(tmp_path / "missing.h5")])
