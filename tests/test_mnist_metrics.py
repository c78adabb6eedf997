"""The shipped MNIST classifier and the scores built on it, on the offline MNIST files;
the Evaluate callback."""

import os

import numpy as np
import pytest

import keras

from conftest import ROOT
from keras_gan import callbacks, datasets, metrics

MNIST = os.path.join(ROOT, "..", "shared", "data", "mnist")
pytestmark = pytest.mark.skipif(
    not os.path.isfile(os.path.join(MNIST, "t10k-labels-idx1-ubyte.gz")),
    reason=f"the offline MNIST files are not in {MNIST} (see shared/data/README.md)")


@pytest.fixture(scope="module")
def mnist_test():
    images, labels = datasets.load_arrays("mnist", "test", data_dir=MNIST)
    return images, labels


def test_shipped_classifier_reaches_99_percent_on_the_test_set(mnist_test):
    images, labels = mnist_test
    out = metrics.mnist_classify(images)  # uint8: read as 0..255
    assert out["features"].shape == (10000, 64) and out["probabilities"].shape == (10000, 10)
    accuracy = (out["probabilities"].argmax(1) == labels).mean()
    assert accuracy >= 0.99, accuracy


def test_mnist_scores_separate_digits_from_noise(mnist_test):
    images, _ = mnist_test
    digits = images[:2000].astype("float32") / 127.5 - 1
    others = images[5000:7000].astype("float32") / 127.5 - 1
    noise = np.random.default_rng(0).uniform(-1, 1, digits.shape).astype("float32")
    score, _ = metrics.mnist_score(digits)
    assert score > 9.0  # confident and balanced: close to the 10 classes
    assert metrics.mnist_score(noise)[0] < score / 2
    same = metrics.mnist_frechet_distance(digits, others)
    assert same < 0.02 * metrics.mnist_frechet_distance(digits, noise)
    # Any size is resized to 28 x 28; 32 x 32 digits still score high.
    padded = np.pad(digits, ((0, 0), (2, 2), (2, 2), (0, 0)), constant_values=-1)
    assert metrics.mnist_score(padded)[0] > 8.0


def test_stacked_mnist_modes_are_read_channel_by_channel(mnist_test):
    images, labels = mnist_test
    idx = np.random.default_rng(1).integers(0, 10000, (300, 3))
    stacked = np.concatenate([images[idx[:, c]] for c in range(3)], axis=-1)
    modes = metrics.mnist_stacked_classes(stacked)
    expected = 100 * labels[idx[:, 0]] + 10 * labels[idx[:, 1]] + labels[idx[:, 2]]
    assert (modes == expected).mean() > 0.95
    with pytest.raises(ValueError, match="Stacked MNIST images"):
        metrics.mnist_stacked_classes(images[:2])


def test_evaluate_callback_logs_scores_into_history(mnist_test):
    from keras_gan.models import DCGAN

    images, _ = mnist_test
    real = images[:128].astype("float32") / 127.5 - 1
    keras.utils.set_random_seed(0)
    model = DCGAN(latent_dim=8, image_shape=(28, 28, 1), filters=8, seed=0)
    model.compile()
    evaluate = callbacks.Evaluate(["mnist_fd", "mnist_score"], real, every=2, n_samples=64,
                                  batch_size=32)
    history = model.fit(real, batch_size=32, epochs=4, verbose=0, callbacks=[evaluate])
    assert set(history.history) >= {"mnist_fd", "mnist_score", "mnist_score_std"}
    # Logged on epochs 2 and 4 only, as floats (History keeps one entry per epoch it saw).
    assert len(history.history["mnist_fd"]) == 2
    assert all(np.isfinite(v) and v > 0 for v in history.history["mnist_fd"])
    with pytest.raises(ValueError, match="Unknown metric 'fdi'"):
        callbacks.Evaluate(["fdi"], real)
