"""Datasets: embedded synthetic data (no download) and image datasets as tf.data
pipelines (MNIST, Fashion-MNIST, CIFAR-10, CelebA, the user's own image folders)."""

from keras_gan.datasets.images import DATASET_NAMES, image_folder, load, load_arrays
from keras_gan.datasets.mixtures import GaussianMixture, grid, ring
from keras_gan.datasets.resize import bicubic_downscale, imresize
from keras_gan.datasets.shapes import SHAPE_NAMES, shapes
from keras_gan.datasets.sr import div2k, sr_pairs
from keras_gan.datasets.stacked import stacked_mnist

_EMBEDDED = {"ring": ring, "grid": grid}


def get(name):
    """An embedded dataset by name (`"ring"` or `"grid"`)."""
    if name not in _EMBEDDED:
        raise ValueError(f"Unknown dataset {name!r}; choose one of {', '.join(_EMBEDDED)}.")
    return _EMBEDDED[name]()
