"""Neural style transfer (Gatys et al. 2016) on tiny images with a random VGG19
(`weights=None`: no ImageNet download), against float64 numpy references."""

import os

import numpy as np
import pytest

import keras

from conftest import ROOT, stripes_style_image
from test_cli import keras_gan_cli

from keras_gan.models import StyleTransfer

SHARED_STYLE = os.path.join(ROOT, "..", "shared", "data", "style")


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x), dtype="float64")


def _content_image():
    """32x32 uint8: a smooth gradient with a bright square."""
    y, x = np.mgrid[0:32, 0:32]
    image = np.stack([x * 8, y * 8, (x + y) * 4], axis=-1).astype("float64")
    image[8:20, 10:24] = (250, 240, 30)
    return np.clip(image, 0, 255).astype("uint8")


def _model(**kwargs):
    keras.utils.set_random_seed(3)
    kwargs.setdefault("weights", None)
    return StyleTransfer(_content_image(), stripes_style_image(), **kwargs)


def _reference_losses(model, image):
    """The loss terms of `image` (1, H, W, 3) in float64 from the extractor's features."""
    made = {k: _np(v) for k, v in model.extractor(image.astype("float32")).items()}
    content = {k: _np(v) for k, v in model.extractor(_content_image()[None]).items()}
    style = {k: _np(v) for k, v in model.extractor(stripes_style_image()[None].astype("float32"))
             .items()}
    content_loss = sum(np.mean((made[n] - content[n]) ** 2) for n in model.content_layers)
    style_loss = 0.0
    for name in model.style_layers:
        f, s = made[name][0], style[name][0]
        n = f.shape[-1]
        gram = np.einsum("hwi,hwj->ij", f, f) / (f.shape[0] * f.shape[1])
        target = np.einsum("hwi,hwj->ij", s, s) / (s.shape[0] * s.shape[1])
        weight = (64.0 / n) ** 2 / len(model.style_layers)  # the documented default
        style_loss += weight * np.sum((gram - target) ** 2) / (4.0 * n ** 2)
    x = np.asarray(image, "float64")[0]
    tv = np.sum((x[1:] - x[:-1]) ** 2) + np.sum((x[:, 1:] - x[:, :-1]) ** 2)
    total = 5.0 * content_loss + 0.5 * style_loss + 5e-4 * tv
    return {"loss": total, "content_loss": content_loss, "style_loss": style_loss,
            "tv_loss": tv}, style


def test_targets_and_first_step_match_float64_reference_then_only_the_image_trains():
    model = _model(init="noise", seed=4)
    # Targets: computed once, in the model, from the one shared extractor.
    assert set(model.extractor.layer_names) == {"block4_conv2", "block1_conv1", "block2_conv1",
                                                "block3_conv1", "block4_conv1", "block5_conv1"}
    start = _np(model.image_variable)
    assert start.min() >= 0 and start.max() <= 255 and start.std() > 50  # white noise
    expected, style_features = _reference_losses(model, start)
    for name, gram in model.style_targets.items():
        f = style_features[name][0]
        reference = np.einsum("hwi,hwj->ij", f, f) / (f.shape[0] * f.shape[1])
        np.testing.assert_allclose(gram, reference, rtol=1e-5, atol=1e-6 * abs(reference).max())
    content = {k: _np(v) for k, v in model.extractor(_content_image()[None]).items()}
    np.testing.assert_allclose(model.content_targets["block4_conv2"], content["block4_conv2"],
                               rtol=1e-6)
    got = model.loss_terms()
    for key, value in expected.items():
        assert value > 0, key
        np.testing.assert_allclose(got[key], value, rtol=1e-4, err_msg=key)

    assert model.trainable_variables == [model.image_variable]
    assert model.extractor.trainable_weights == []
    frozen = [_np(v) for v in model.non_trainable_variables]
    # fit without compile: the default Adam(10); each logged value is the loss before
    # the step's update, so the first one is the reference.
    history = model.fit(epochs=1, steps_per_epoch=1, verbose=0).history
    assert float(model.optimizer.learning_rate) == 10.0
    for key, value in expected.items():
        np.testing.assert_allclose(history[key][0], value, rtol=1e-4, err_msg=key)
    history = model.fit(epochs=2, steps_per_epoch=2, verbose=0).history
    assert history["loss"][1] < history["loss"][0] < expected["loss"]
    assert model.loss_terms()["loss"] < history["loss"][1]
    for before, variable in zip(frozen, model.non_trainable_variables):
        np.testing.assert_array_equal(_np(variable), before, err_msg=variable.path)
    assert int(model.optimizer.iterations) == 5
    image = _np(model.image_variable)
    assert not np.array_equal(image, start)
    assert image.min() >= 0 and image.max() <= 255


def test_content_init_starts_at_the_content_image_and_the_image_stays_in_range():
    content = _content_image()
    model = _model(init="content")
    out = model.image()
    assert out.dtype == np.uint8 and out.shape == (32, 32, 3)
    np.testing.assert_array_equal(out, content)
    terms = model.loss_terms()
    assert terms["content_loss"] == 0 and terms["style_loss"] > 0
    # A huge step pushes pixels past the ends: they are clipped after every update.
    model.compile(optimizer=keras.optimizers.Adam(1000.0))
    model.fit(epochs=1, steps_per_epoch=2, verbose=0)
    image = _np(model.image_variable)
    assert image.min() == 0 and image.max() == 255
    assert (image == 0).mean() > 0.05 and (image == 255).mean() > 0.05
    assert model.image().dtype == np.uint8


def test_bad_images_and_arguments_give_clear_errors():
    content, style = _content_image(), stripes_style_image()
    cases = [
        ((content[..., 0], style), "shape (32, 32)"),
        ((content, np.zeros((40, 24, 4))), "RGBA"),
        ((content, np.zeros((40, 24, 1))), "greyscale"),
        ((content.astype("float32") * 2, style), "values in [0, 255]"),
        ((content, np.full((40, 24, 3), np.nan)), "NaN"),
        ((content, style.astype(bool)), "dtype bool"),
        ((content[:12, :12], style), "block5_conv1 needs images of at least 16 pixels"),
        ((content, style[:8]), "style_image is 8x24 pixels"),
    ]
    for args, message in cases:
        with pytest.raises(ValueError, match=None) as info:
            StyleTransfer(*args, weights=None)
        assert message in str(info.value), (message, str(info.value))
    for kwargs, message in [({"init": "zeros"}, "init must be"),
                            ({"style_weight": -1}, "style_weight must be >= 0"),
                            ({"content_layers": "block6_conv1"}, "Unknown VGG19 layer")]:
        with pytest.raises(ValueError, match=message):
            StyleTransfer(content, style, weights=None, **kwargs)
    model = _model()
    with pytest.raises(ValueError, match="takes no data"):
        model.fit(np.zeros((4, 1)))
    with pytest.raises(ValueError, match="does not take 'loss'"):
        model.compile(loss="mse")
    with pytest.raises(NotImplementedError, match="not saved as a .keras file"):
        model.get_config()


def _cli_inputs(tmp_path):
    """Content and style files: the shared photos when present, else tiny PNGs."""
    content = os.path.join(SHARED_STYLE, "tubingen.jpg")
    style = os.path.join(SHARED_STYLE, "starry_night.jpg")
    if os.path.isfile(content) and os.path.isfile(style):
        return content, style
    from PIL import Image

    Image.fromarray(_content_image()[:, :24]).save(tmp_path / "content.png")
    Image.fromarray(stripes_style_image().astype("uint8")).save(tmp_path / "style.png")
    return tmp_path / "content.png", tmp_path / "style.png"


def test_cli_stylize_writes_the_image_and_the_intermediate_ones(tmp_path, capsys):
    """In-process (`cli.main`): a child process would pay for importing the backend
    and building VGG19 again (half a minute under JAX); the wiring of the command
    itself is checked in a child process below."""
    from PIL import Image

    from keras_gan import cli

    content, style = _cli_inputs(tmp_path)
    out = tmp_path / "result" / "out.png"
    code = cli.main(["stylize", str(content), str(style), "-o", str(out), "--weights", "none",
                     "--size", "32", "--steps", "2", "--save-every", "1", "--style-weight",
                     "2", "--tv-weight", "0", "--lr", "5"])
    stdout = capsys.readouterr().out
    assert code == 0
    assert sorted(os.listdir(out.parent)) == ["out.png", "out_step0001.png", "out_step0002.png"]
    with Image.open(content) as original:
        width, height = original.size
    expected = (32, round(height * 32 / width)) if width >= height else (
        round(width * 32 / height), 32)
    with Image.open(out) as image:
        assert image.mode == "RGB" and image.size == expected
    assert "step 2/2" in stdout and "wrote" in stdout


@pytest.mark.parametrize("args,message", [
    (("missing.png", "{style}", "-o", "{out}"), "content image not found: missing.png"),
    (("{content}", "{text}", "-o", "{out}"), "cannot read style image"),
    (("{content}", "{style}", "-o", "{tmp}/out.txt"), "output must end in .png, .jpg, .jpeg"),
    (("{content}", "{style}", "-o", "{out}", "--steps", "0"), "expected a positive integer"),
    (("{content}", "{style}", "-o", "{out}", "--style-weight", "-1"),
     "argument --style-weight: expected a non-negative number, got '-1'"),
    (("{content}", "{style}", "-o", "{out}", "--tv-weight", "nan"),
     "expected a non-negative number, got 'nan'"),
    (("{content}", "{style}", "-o", "{out}", "--lr", "0"), "expected a positive number"),
    (("{content}", "{style}", "-o", "{out}", "--init", "zeros"), "invalid choice: 'zeros'"),
    (("{content}", "{style}", "-o", "{out}", "--weights", "no.h5"),
     "VGG19 weights file not found: no.h5"),
    (("{content}", "{style}", "-o", "{out}", "--size", "8"),
     "VGG19 layer block5_conv1 needs images of at least 16 pixels per side"),
])
def test_cli_stylize_bad_inputs_are_one_line_and_exit_2(tmp_path, capsys, args, message):
    """In-process (`cli.main`) for speed; the test below checks a real child process."""
    from PIL import Image

    from keras_gan import cli

    Image.fromarray(_content_image()).save(tmp_path / "c.png")
    Image.fromarray(stripes_style_image().astype("uint8")).save(tmp_path / "s.png")
    (tmp_path / "notes.png").write_text("not an image\n")
    names = dict(content=tmp_path / "c.png", style=tmp_path / "s.png", text=tmp_path / "notes.png",
                 out=tmp_path / "out.png", tmp=tmp_path)
    assert cli.main(["stylize", *(a.format(**names) for a in args)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("keras-gan: error:") and message in lines[0], \
        captured.err
    assert not (tmp_path / "out.png").exists()


def test_cli_stylize_child_process_reports_a_non_image_file_in_one_line(tmp_path):
    from PIL import Image

    Image.fromarray(_content_image()).save(tmp_path / "c.png")
    (tmp_path / "notes.png").write_text("not an image\n")
    result = keras_gan_cli("stylize", tmp_path / "c.png", tmp_path / "notes.png", "-o",
                           tmp_path / "out.png", "--weights", "none")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot read style image" in lines[0], result.stderr
