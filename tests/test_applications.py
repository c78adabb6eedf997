"""The scripts in applications/, run as a user runs them, in a fast mode."""

import json
import os
import subprocess
import sys

import pytest

from conftest import BACKEND, ROOT


def run_application(name, *args, cwd):
    """Runs `applications/<name>` as a user does, under the suite's backend."""
    env = dict(os.environ, KERAS_BACKEND=BACKEND, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "applications", name), *map(str, args)],
        env=env, capture_output=True, text=True, timeout=600, cwd=cwd)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.mark.slow
def test_train_gan_mixture(tmp_path):
    out = tmp_path / "run"
    result = run_application(
        "train_gan_mixture.py", "--data", "grid", "--packing", "2", "--epochs", "1",
        "--epoch-size", "400", "--batch-size", "50", "--seed", "1", "--out", out,
        cwd=tmp_path)
    assert sorted(os.listdir(out)) == ["history.csv", "model.keras", "samples.png"]
    metrics = json.loads(result.stdout[result.stdout.index("{"):])
    assert metrics["steps"] == 8 and metrics["fit_batch_size"] == 100  # 400 / 50 decisions
    assert 0 <= metrics["modes"] <= 25


@pytest.mark.slow
def test_train_dcgan(tmp_path):
    out = tmp_path / "run"
    run_application("train_dcgan.py", "--data", "shapes", "--image-size", "16", "--filters", "4",
                    "--epochs", "2", "--steps-per-epoch", "2", "--batch-size", "8", "--seed", "1",
                    "--out", out, cwd=tmp_path)
    assert sorted(os.listdir(out)) == ["history.csv", "model.keras", "samples", "samples.png"]
    assert len(os.listdir(out / "samples")) >= 2  # a grid per epoch
    with open(out / "history.csv") as f:
        assert len(f.read().strip().splitlines()) == 3  # header + 2 epochs
