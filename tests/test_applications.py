"""The scripts in applications/, run in a fast mode under the default backend.

Each script's `main(argv)` is called in this process (a fresh interpreter per script would
spend seconds importing the frameworks again); one test runs a script as a user does, to
check the one-line error and exit code 2 of bad input.
"""

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from conftest import BACKEND, ROOT

APPLICATIONS = os.path.join(ROOT, "applications")

# The applications run under the default backend (TensorFlow) only: they are thin
# scripts over library calls that the rest of the suite tests under every backend.
default_backend_only = pytest.mark.skipif(
    BACKEND != "tensorflow", reason="applications run under the default backend (TensorFlow)")


def load_application(name):
    """The module `applications/<name>`, imported from its file."""
    path = os.path.join(APPLICATIONS, name)
    spec = importlib.util.spec_from_file_location(f"application_{name[:-3]}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_application(name, *args, cwd):
    """Calls `main(argv)` of `applications/<name>` in `cwd`; asserts exit code 0."""
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        code = load_application(name).main([str(arg) for arg in args])
    finally:
        os.chdir(previous)
    assert code == 0


@default_backend_only
def test_every_application_documents_help(capsys):
    scripts = sorted(name for name in os.listdir(APPLICATIONS) if name.endswith(".py"))
    assert len(scripts) == 10, scripts
    for name in scripts:
        with pytest.raises(SystemExit) as exit_info:
            load_application(name).main(["--help"])
        out = capsys.readouterr().out
        assert exit_info.value.code == 0 and out.startswith("usage: "), (name, out)
        assert len(out.split("options:")[1].strip().splitlines()) >= 2, (name, out)


@default_backend_only
def test_bad_input_is_one_line_and_exit_code_2(tmp_path):
    result = subprocess.run(
        [sys.executable, os.path.join(APPLICATIONS, "train_dcgan.py"), "--data",
         str(tmp_path / "missing"), "--out", str(tmp_path / "run")],
        capture_output=True, text=True, timeout=300,
        env=dict(os.environ, KERAS_BACKEND=BACKEND, TF_CPP_MIN_LOG_LEVEL="2"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("train_dcgan.py: error: "), result.stderr
    assert "missing" in lines[0]


@pytest.mark.slow
@default_backend_only
def test_train_gan_mixture(tmp_path, capsys):
    out = tmp_path / "run"
    run_application(
        "train_gan_mixture.py", "--data", "grid", "--packing", "2", "--epochs", "1",
        "--epoch-size", "400", "--batch-size", "50", "--seed", "1", "--out", out,
        cwd=tmp_path)
    assert sorted(os.listdir(out)) == ["history.csv", "model.keras", "samples.png"]
    stdout = capsys.readouterr().out
    metrics = json.loads(stdout[stdout.index("{"):])
    assert metrics["steps"] == 8 and metrics["fit_batch_size"] == 100  # 400 / 50 decisions
    assert 0 <= metrics["modes"] <= 25


@pytest.mark.slow
@default_backend_only
def test_train_dcgan(tmp_path):
    out = tmp_path / "run"
    run_application("train_dcgan.py", "--data", "shapes", "--image-size", "16", "--filters", "4",
                    "--epochs", "2", "--steps-per-epoch", "2", "--batch-size", "8", "--seed", "1",
                    "--out", out, cwd=tmp_path)
    assert sorted(os.listdir(out)) == ["history.csv", "model.keras", "samples", "samples.png"]
    assert len(os.listdir(out / "samples")) >= 2  # a grid per epoch


def test_vgg_weights_option(tmp_path, capsys):
    from keras_gan import cli

    assert cli.vgg_weights("None", "app.py", effect="a smoke test only") is None
    err = capsys.readouterr().err
    assert err.startswith("app.py: warning: --vgg-weights none: the perceptual loss uses a "
                          "VGG19 with random weights") and "a smoke test only" in err
    missing = str(tmp_path / "vgg.h5")
    with pytest.raises(cli.CLIError, match="VGG19 weights file not found: .*vgg.h5"):
        cli.vgg_weights(missing, "app.py")
    (tmp_path / "vgg.h5").write_bytes(b"")
    assert cli.vgg_weights(missing, "app.py") == missing
    assert cli.weights_argument("NONE", "InceptionV3") is None
    assert cli.weights_argument("imagenet", "InceptionV3") == "imagenet"
    with pytest.raises(cli.CLIError, match="InceptionV3 weights file not found: x.h5"):
        cli.weights_argument("x.h5", "InceptionV3")
    assert cli.describe_vgg_weights(None) == "random VGG19 features"
    assert cli.describe_vgg_weights("imagenet") == "ImageNet VGG19"


def test_data_path_and_argument_checks(tmp_path, monkeypatch):
    import argparse

    from keras_gan import cli

    (tmp_path / "sr" / "Set5").mkdir(parents=True)
    (tmp_path / "style.jpg").write_bytes(b"")
    monkeypatch.setenv("KERAS_GAN_DATA", str(tmp_path))
    assert cli.data_path("sr", "Set5", folder=True) == str(tmp_path / "sr" / "Set5")
    assert cli.data_path("sr", "Set5") is None  # a folder, not a file
    assert cli.data_path("style.jpg") == str(tmp_path / "style.jpg")
    assert cli.data_path("sr", "Set14", folder=True) is None
    monkeypatch.delenv("KERAS_GAN_DATA")
    assert cli.data_path("style.jpg") is None
    args = argparse.Namespace(epochs=1, batch_size=0, data_dir=str(tmp_path / "no"))
    with pytest.raises(cli.CLIError, match="--batch-size must be >= 1"):
        cli.check_positive(args, ("epochs", "batch_size"))
    with pytest.raises(cli.CLIError, match="--data-dir is not a folder"):
        cli.check_data_dir(args)


@default_backend_only
def test_fit_steps_logs_every_epoch_and_the_rest(tmp_path):
    import keras
    import numpy as np
    import tensorflow as tf

    from keras_gan.recipes import fit_steps

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    data = tf.data.Dataset.from_tensor_slices(
        (np.zeros((4, 2), "float32"), np.zeros((4, 1), "float32"))).batch(2).repeat()
    log = tmp_path / "history.csv"
    seconds, logs = fit_steps(model, data, steps=5, steps_per_epoch=2, log_file=str(log),
                              verbose=0)
    assert seconds >= 0 and set(logs) == {"loss"} and logs["loss"] == 0.0
    assert len(log.read_text().strip().splitlines()) == 1 + 3  # header, 2 + 2 + 1 steps
