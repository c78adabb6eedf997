"""Shared helpers. The backend is fixed per pytest process by KERAS_BACKEND."""

import os
import subprocess
import sys

import numpy as np
import pytest

import keras

import keras_gan

BACKENDS = ("tensorflow", "jax", "torch")
BACKEND = keras.backend.backend()
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tiny_networks(packing=1, batch_norm=True, maxout=False, hidden=16):
    generator = keras_gan.networks.mlp_generator(2, 2, hidden_units=(hidden, hidden),
                                                 batch_norm=batch_norm)
    discriminator = keras_gan.networks.mlp_discriminator(
        2, hidden_units=(hidden,), packing=packing, maxout_pieces=3 if maxout else None
    )
    return generator, discriminator


def tiny_model(cls=keras_gan.GAN, packing=1, compile=True, batch_norm=True, **kwargs):
    keras.utils.set_random_seed(kwargs.get("seed") or 0)
    generator, discriminator = tiny_networks(packing=packing, batch_norm=batch_norm)
    model = cls(generator, discriminator, latent_dim=2, packing=packing, **kwargs)
    if compile:
        model.compile()
    return model


def ring_data(n=512, seed=0):
    return keras_gan.datasets.ring().sample(n, seed=seed)


def run_python(code, backend=BACKEND, timeout=300, extra_env=None):
    """Runs `code` in a fresh interpreter under `backend`; returns the CompletedProcess."""
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2")
    env.update(extra_env or {})
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT)


def assert_ok(result):
    assert result.returncode == 0, f"child failed:\n{result.stdout}\n{result.stderr[-3000:]}"


def stripes_style_image():
    """40x24 (height x width) floats in [0, 255]: diagonal stripes and noise, a style
    image for the style-transfer tests."""
    rng = np.random.default_rng(5)
    y, x = np.mgrid[0:40, 0:24]
    stripes = 127.5 + 120 * np.sin((x + y) / 2.0)
    image = np.stack([stripes, 255 - stripes, rng.uniform(0, 255, (40, 24))], axis=-1)
    return np.clip(image, 0, 255)


def run_cli(capsys, *args):
    """Runs `keras-gan ARGS` in this process; returns (exit code, stdout, stderr)."""
    from keras_gan import cli

    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def assert_cli_error(capsys, message, *args):
    """`keras-gan ARGS` fails with exit code 2 and one line on stderr holding `message`."""
    code, _, err = run_cli(capsys, *args)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, (code, err)
    assert lines[0].startswith("keras-gan: error:") and message in lines[0], lines[0]


@pytest.fixture(scope="session")
def random_inception():
    """InceptionV3 features with random weights, built once per process (tens of seconds
    under JAX): the metrics' shared default extractor, which `keras-gan evaluate
    --weights none` and `metrics.get(name, weights=None)` use too."""
    from keras_gan.metrics.streaming import _default_extractor

    return _default_extractor(None, (-1.0, 1.0))


@pytest.fixture
def numpy_rng():
    return np.random.default_rng(1234)
