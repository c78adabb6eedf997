"""Improved precision and recall of generative models.

Kynkaanniemi et al. 2019, "Improved Precision and Recall Metric for Assessing
Generative Models": each set of features approximates its manifold by the union of
hyperspheres centred on its samples, each with the radius of the distance to the
sample's k-th nearest neighbour in the same set. Precision is the fraction of
generated samples that fall inside the real manifold (quality); recall is the
fraction of real samples that fall inside the generated manifold (coverage).
"""

import numpy as np

from keras_gan.metrics.frechet import _as_features

__all__ = ["precision_recall"]

# Rows of the distance matrix computed at once (bounds memory: rows x n float64).
_ROWS = 1024


def _squared_distances(x, y, y_norms):
    d = (x * x).sum(axis=1)[:, None] + y_norms[None, :] - 2.0 * (x @ y.T)
    return np.maximum(d, 0.0)


def _knn_radii(features, k):
    """Squared distance of each sample to its k-th nearest other sample."""
    norms = (features * features).sum(axis=1)
    radii = np.empty(len(features))
    for start in range(0, len(features), _ROWS):
        d = _squared_distances(features[start:start + _ROWS], features, norms)
        # Column k of the sorted row: column 0 is the sample itself (distance 0).
        radii[start:start + _ROWS] = np.partition(d, k, axis=1)[:, k]
    return radii


def _inside_fraction(queries, centres, radii):
    norms = (centres * centres).sum(axis=1)
    inside = 0
    for start in range(0, len(queries), _ROWS):
        d = _squared_distances(queries[start:start + _ROWS], centres, norms)
        inside += int((d <= radii[None, :]).any(axis=1).sum())
    return inside / len(queries)


def precision_recall(real_features, fake_features, k=3):
    """Precision and recall (Kynkaanniemi et al. 2019) of generated features.

    Args:
        real_features: `(n_real, d)` features of real samples.
        fake_features: `(n_fake, d)` features of generated samples.
        k: neighbourhood size of the manifold estimate (the paper uses 3);
            each set needs more than `k` samples.

    Returns:
        `(precision, recall)` as Python floats in [0, 1].
    """
    real = _as_features(real_features, "real_features")
    fake = _as_features(fake_features, "fake_features")
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"real_features and fake_features must have the same feature "
                         f"dimension; received {real.shape[1]} and {fake.shape[1]}.")
    k = int(k)
    if k < 1 or k >= min(len(real), len(fake)):
        raise ValueError(f"k must be in [1, {min(len(real), len(fake)) - 1}] for "
                         f"{len(real)} real and {len(fake)} generated samples; received {k}.")
    precision = _inside_fraction(fake, real, _knn_radii(real, k))
    recall = _inside_fraction(real, fake, _knn_radii(fake, k))
    return precision, recall
