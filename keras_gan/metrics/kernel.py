"""Kernel Inception Distance: unbiased MMD^2 with a cubic polynomial kernel.

Binkowski et al. 2018, "Demystifying MMD GANs" (section 4, "KID"): the squared
maximum mean discrepancy between the feature distributions of real and generated
images, with the kernel `k(x, y) = (x . y / d + 1)^3` on `d`-dimensional features,
estimated without bias and averaged over random subsets (the paper's protocol:
100 subsets of 1000 samples). Unlike FID it has an unbiased estimator, so values
from small sample sets are comparable to values from large ones; it can be slightly
negative when the two distributions are close.
"""

import numpy as np

from keras_gan.metrics.frechet import _as_features

__all__ = ["kernel_inception_distance", "polynomial_mmd2"]


def _polynomial_kernel(x, y, degree, gamma, coef0):
    return (x @ y.T * gamma + coef0) ** degree


def polynomial_mmd2(features_a, features_b, degree=3, gamma=None, coef0=1.0):
    """Unbiased MMD^2 of two samples under `k(x, y) = (gamma x . y + coef0)^degree`.

    `(1 / m(m-1)) sum_{i != j} k(a_i, a_j) + (1 / n(n-1)) sum_{i != j} k(b_i, b_j)
    - (2 / mn) sum_{i, j} k(a_i, b_j)`, in float64; `gamma` defaults to `1 / d`.
    """
    a = _as_features(features_a, "features_a")
    b = _as_features(features_b, "features_b")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"features_a and features_b must have the same feature dimension; "
                         f"received {a.shape[1]} and {b.shape[1]}.")
    gamma = 1.0 / a.shape[1] if gamma is None else gamma
    m, n = len(a), len(b)
    k_aa = _polynomial_kernel(a, a, degree, gamma, coef0)
    k_bb = _polynomial_kernel(b, b, degree, gamma, coef0)
    k_ab = _polynomial_kernel(a, b, degree, gamma, coef0)
    within_a = (k_aa.sum() - np.trace(k_aa)) / (m * (m - 1))
    within_b = (k_bb.sum() - np.trace(k_bb)) / (n * (n - 1))
    return float(within_a + within_b - 2.0 * k_ab.mean())


def kernel_inception_distance(features_a, features_b, subsets=100, subset_size=1000,
                              seed=0):
    """KID of two feature sets: mean and standard deviation of `polynomial_mmd2` over
    random subsets (Binkowski et al. 2018).

    Args:
        features_a, features_b: `(n_a, d)` and `(n_b, d)` arrays or tensors.
        subsets: number of subsets.
        subset_size: samples per subset, drawn without replacement from each set;
            reduced to the smaller set's size when a set is smaller (the estimate stays
            unbiased, only noisier).
        seed: seed of the subset draws (the same seed gives the same value).

    Returns:
        `(mean, std)` as Python floats.
    """
    a = _as_features(features_a, "features_a")
    b = _as_features(features_b, "features_b")
    if subsets < 1:
        raise ValueError(f"subsets must be >= 1; received {subsets}.")
    if subset_size < 2:
        raise ValueError(f"subset_size must be >= 2; received {subset_size}.")
    size = min(subset_size, len(a), len(b))
    rng = np.random.default_rng(seed)
    values = np.array([
        polynomial_mmd2(a[rng.choice(len(a), size, replace=False)],
                        b[rng.choice(len(b), size, replace=False)])
        for _ in range(subsets)
    ])
    return float(values.mean()), float(values.std())
