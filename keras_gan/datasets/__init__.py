"""Datasets: embedded synthetic data (no download)."""

from keras_gan.datasets.mixtures import GaussianMixture, grid, ring

_EMBEDDED = {"ring": ring, "grid": grid}


def get(name):
    """An embedded dataset by name (`"ring"` or `"grid"`)."""
    if name not in _EMBEDDED:
        raise ValueError(f"Unknown dataset {name!r}; choose one of {', '.join(_EMBEDDED)}.")
    return _EMBEDDED[name]()
