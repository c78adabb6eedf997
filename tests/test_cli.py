"""The keras-gan command. Training, export and a few errors go through the real entry
point (a child process, `python -m keras_gan`), where the process matters: stderr free of
library logs, files written. The many argument checks, `sample` and `evaluate` call
`cli.main` in this process."""

import csv
import json
import os
import sys

import numpy as np
import pytest

from conftest import BACKEND, ROOT, assert_cli_error, assert_ok, run_cli, run_python



def keras_gan_cli(*args, timeout=600):
    import subprocess

    env = dict(os.environ, KERAS_BACKEND=BACKEND)
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # the CLI must keep stderr clean by itself
    return subprocess.run([sys.executable, "-m", "keras_gan", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT)


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    result = keras_gan_cli("train", "gan", "--data", "ring", "--epochs", "1", "--epoch-size",
                           "2000", "--batch-size", "100", "--packing", "2", "--loss",
                           "least_squares", "--out", out, "--seed", "3")
    assert_ok(result)
    return out, result


@pytest.mark.slow
def test_train_writes_its_outputs(trained_run):
    out, result = trained_run
    assert sorted(os.listdir(out)) == ["history.csv", "metrics.json", "model.keras", "samples.png"]
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics) >= {"modes", "high_quality", "reverse_kl", "train_seconds", "backend"}
    assert metrics["backend"] == BACKEND and 0 <= metrics["modes"] <= 8
    assert metrics["loss"] == "least_squares" and metrics["packing"] == 2
    assert metrics["steps"] == 20 and metrics["fit_batch_size"] == 200  # 2000 decisions / 100
    rows = list(csv.DictReader(open(out / "history.csv")))
    assert len(rows) == 1 and {"d_loss", "g_loss", "d_real", "d_fake"} <= set(rows[0])
    assert (out / "samples.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "modes" in result.stdout and "d_loss" in result.stdout  # Keras progress output


@pytest.mark.slow
def test_sample_and_export(trained_run, tmp_path, capsys):
    out, _ = trained_run
    npy = tmp_path / "s.npy"
    code, _, err = run_cli(capsys, "sample", out / "model.keras", "-n", "17", "-o", npy,
                           "--seed", "1")
    assert code == 0, err
    samples = np.load(npy)
    assert samples.shape == (17, 2) and np.isfinite(samples).all()
    png = tmp_path / "s.png"
    code, _, err = run_cli(capsys, "sample", out / "model.keras", "-n", "50", "-o", png)
    assert code == 0, err
    assert png.read_bytes()[:4] == b"\x89PNG"
    export = tmp_path / "exported"
    result = keras_gan_cli("export", out / "model.keras", export)
    assert_ok(result)
    assert (export / "saved_model.pb").exists()
    check = run_python(
        "import numpy as np, tensorflow as tf\n"
        f"f = tf.saved_model.load({str(export)!r}).signatures['serving_default']\n"
        "z = np.random.default_rng(1).standard_normal((17, 2)).astype('float32')\n"
        f"np.testing.assert_allclose(f(latent=z)['samples'].numpy(), np.load({str(npy)!r}),"
        " rtol=1e-5, atol=1e-6)\n", backend="tensorflow")
    assert_ok(check)


@pytest.mark.slow
def test_train_an_image_model_on_the_embedded_shapes(tmp_path, capsys, random_inception):
    out = tmp_path / "dcgan"
    result = keras_gan_cli("train", "dcgan", "--epochs", "2", "--epoch-size", "64",
                           "--batch-size", "32", "--image-size", "16", "--filters", "8",
                           "--out", out)
    assert_ok(result)
    assert sorted(os.listdir(out)) == ["history.csv", "model.keras", "run.json", "samples"]
    assert sorted(os.listdir(out / "samples")) == ["epoch_0001.png", "epoch_0002.png"]
    run = json.loads((out / "run.json").read_text())
    assert run["image_shape"] == [16, 16, 3] and run["num_classes"] == 3
    assert len(list(csv.DictReader(open(out / "history.csv")))) == 2
    png = tmp_path / "grid.png"
    code, _, err = run_cli(capsys, "sample", out / "model.keras", "-n", "9", "-o", png)
    assert code == 0, err
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert_cli_error(capsys, "--label applies to conditional models",
                     "sample", out / "model.keras", "-o", png, "--label", "1")
    # Scores against embedded shapes, InceptionV3 with random weights (no download): the
    # process's shared extractor, built once for this and the metrics' tests.
    scores = tmp_path / "scores.json"
    code, out_text, err = run_cli(capsys, "evaluate", out / "model.keras", "--data", "shapes",
                                  "--metrics", "fid,kid,is,pr", "--weights", "none", "-n", "12",
                                  "-o", scores)
    assert code == 0, err
    report = json.loads(scores.read_text())
    assert report["n"] == 12 and report["inception_weights"] == "None"
    assert set(report["scores"]) == {"fid", "kid", "kid_std", "inception_score",
                                     "inception_score_std", "precision", "recall"}
    assert report["scores"]["fid"] > 0 and "fid" in out_text
    assert_cli_error(capsys, "MNIST images must be", "evaluate", out / "model.keras",
                     "--data", "shapes", "--metrics", "mnist_fd", "-n", "8")


@pytest.mark.parametrize("args,message", [
    (("train", "stylegan", "--out", "x"), "invalid choice: 'stylegan'"),
    (("train", "gan", "--epochs", "0", "--out", "x"), "expected a positive integer"),
    (("train", "gan", "--data", "spiral", "--out", "x"),
     "--data for gan must be ring or grid; received 'spiral'"),
    (("train", "dcgan", "--data", "ring", "--out", "x"), "--data ring is a 2D mixture"),
    (("train", "cgan", "--data", "no/such/folder", "--out", "x"),
     "--data must be one of shapes, mnist"),
    (("train", "dcgan", "--image-size", "6", "--out", "x"), "--image-size 6: A DCGAN image side"),
    (("train", "ebgan", "--loss", "hinge", "--out", "x"), "--loss does not apply to ebgan"),
    (("train", "acgan", "--packing", "2", "--out", "x"), "--packing applies to dcgan"),
    (("train", "dcgan", "--data", "mnist", "--epoch-size", "100", "--out", "x"),
     "--epoch-size applies to the embedded datasets"),
    (("train", "gan", "--image-size", "32", "--out", "x"), "--image-size applies to image models"),
    (("train", "gan"), "the following arguments are required: --out"),
    (("sample", "missing.keras", "-o", "x.npy"), "model file not found: missing.keras"),
    (("export", "missing.keras", "out"), "model file not found"),
    (("sample", "missing.keras", "-o", "x.txt"), "output must end in .npy or .png"),
    (("train", "gan", "--loss", "nope", "--out", "x"), "Unknown adversarial loss 'nope'"),
    (("train", "wgan_gp", "--loss", "hinge", "--out", "x"), "--loss does not apply to wgan_gp"),
    (("train", "gan", "--batch-size", "500", "--epoch-size", "100", "--out", "x"),
     "--batch-size 500 is larger than --epoch-size 100"),
    (("train", "wgan_gp", "--batch-size", "100", "--epoch-size", "300", "--out", "x"),
     "--batch-size 100 times the 5 discriminator updates of wgan_gp is larger than --epoch-size 300"),
    (("frobnicate",), "invalid choice: 'frobnicate'"),
    (("evaluate", "missing.keras", "--data", "mnist", "--metrics", "fid,fidd"),
     "unknown metric fidd"),
    (("evaluate", "missing.keras", "--data", "mnist"), "model file not found"),
    (("evaluate", "missing.keras", "--data", "mnist", "--weights", "no.h5"),
     "InceptionV3 weights file not found: no.h5"),
])
def test_bad_arguments_are_one_line_and_exit_2(args, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert_cli_error(capsys, message, *args)
    assert os.listdir(tmp_path) == []  # nothing written


@pytest.mark.parametrize("args,message", [
    (("frobnicate",), "invalid choice: 'frobnicate'"),
    (("train", "gan", "--loss", "nope", "--out", "x"), "Unknown adversarial loss 'nope'"),
])
def test_errors_through_the_entry_point_are_one_line_and_exit_2(args, message):
    result = keras_gan_cli(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and lines[0].startswith("keras-gan: error:"), \
        result.stderr


@pytest.mark.slow
def test_train_does_not_overwrite_a_run(trained_run):
    out, _ = trained_run
    before = (out / "model.keras").read_bytes()
    result = keras_gan_cli("train", "gan", "--epochs", "1", "--epoch-size", "200", "--out", out)
    assert result.returncode == 2 and "already holds a trained model" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert (out / "model.keras").read_bytes() == before


def test_corrupt_model_files(tmp_path, capsys):
    garbage = tmp_path / "garbage.keras"
    garbage.write_bytes(os.urandom(1000))
    import zipfile

    broken = tmp_path / "broken.keras"
    with zipfile.ZipFile(broken, "w") as z:
        z.writestr("config.json", "{truncated")
    assert_cli_error(capsys, "not a .keras model file", "sample", garbage, "-o", tmp_path / "x.npy")
    result = keras_gan_cli("sample", broken, "-o", tmp_path / "x.npy")  # keras loaded
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot load model file" in lines[0], result.stderr
    assert not (tmp_path / "x.npy").exists()
