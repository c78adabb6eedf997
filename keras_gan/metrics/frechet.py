"""Frechet distance between Gaussians fitted to two sets of features: FID.

Heusel et al. 2017, "GANs Trained by a Two Time-Scale Update Rule Converge to a
Local Nash Equilibrium" (section "Frechet Inception Distance"). With the means
`mu_a, mu_b` and covariances `S_a, S_b` of the features of real and generated images,

    d^2 = ||mu_a - mu_b||^2 + tr(S_a) + tr(S_b) - 2 tr((S_a S_b)^(1/2)).

The trace of the matrix square root is computed from two symmetric
eigen-decompositions, never from the (non-symmetric) product itself:
`S_a S_b` has the same eigenvalues as the symmetric positive semi-definite matrix
`M = S_a^(1/2) S_b S_a^(1/2)`, so `tr((S_a S_b)^(1/2)) = sum(sqrt(eigvalsh(M)))`.
That holds for singular covariances too (fewer samples than feature dimensions),
so no offset on the diagonal is needed. The square root is not Lipschitz at zero:
a zero eigenvalue that round-off turns into 1e-14 would add 1e-7 to the trace per
eigenvalue, so eigenvalues below `d * eps * largest eigenvalue` (the rank cut-off
of `numpy.linalg.matrix_rank`) are taken as zero, and negative ones are clipped;
`frechet_distance_from_statistics` reports the most negative one met.
"""

import numpy as np

__all__ = ["feature_statistics", "frechet_distance", "frechet_distance_from_statistics"]


def _as_features(features, name):
    from keras import ops

    array = np.asarray(ops.convert_to_numpy(features), dtype="float64")
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (samples, features); received shape "
                         f"{array.shape}.")
    if len(array) < 2:
        raise ValueError(f"{name} needs at least 2 samples to estimate a covariance; "
                         f"received {len(array)}.")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite values.")
    return array


def feature_statistics(features):
    """Mean `(d,)` and unbiased covariance `(d, d)` (float64) of `(n, d)` features."""
    features = _as_features(features, "features")
    return features.mean(axis=0), np.cov(features, rowvar=False)


def _clip_round_off(values):
    """Eigenvalues with those below the rank cut-off (and negative ones) set to 0."""
    cutoff = len(values) * np.finfo("float64").eps * max(np.abs(values).max(), 0.0)
    return np.where(values > cutoff, values, 0.0)


def _symmetric_sqrt(matrix):
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.sqrt(_clip_round_off(values))) @ vectors.T, values.min()


def frechet_distance_from_statistics(mean_a, cov_a, mean_b, cov_b, return_info=False):
    """Squared Frechet distance between `N(mean_a, cov_a)` and `N(mean_b, cov_b)`.

    Args:
        mean_a, mean_b: `(d,)` means.
        cov_a, cov_b: `(d, d)` symmetric positive semi-definite covariances.
        return_info: also return a dict with `min_eigenvalue`, the most negative
            eigenvalue met (of `cov_a` and of `M`, see the module docstring) before
            clipping; values far below `-1e-6 * trace` signal a matrix that is not a
            covariance.

    Returns:
        The distance as a Python float (`>= 0` up to round-off), or
        `(distance, info)`.
    """
    mean_a, mean_b = (np.asarray(m, dtype="float64") for m in (mean_a, mean_b))
    cov_a, cov_b = (np.asarray(c, dtype="float64") for c in (cov_a, cov_b))
    d = mean_a.shape[-1]
    for name, value, shape in (("mean_b", mean_b, (d,)), ("cov_a", cov_a, (d, d)),
                               ("cov_b", cov_b, (d, d))):
        if value.shape != shape:
            raise ValueError(f"{name} must have shape {shape} to match mean_a; received "
                             f"{value.shape}.")
    # Symmetrise against round-off in the caller's accumulation.
    cov_a, cov_b = (cov_a + cov_a.T) / 2, (cov_b + cov_b.T) / 2
    root_a, min_a = _symmetric_sqrt(cov_a)
    product = root_a @ cov_b @ root_a
    product_values = np.linalg.eigvalsh((product + product.T) / 2)
    trace_sqrt = np.sqrt(_clip_round_off(product_values)).sum()
    diff = mean_a - mean_b
    distance = float(diff @ diff + np.trace(cov_a) + np.trace(cov_b) - 2.0 * trace_sqrt)
    if return_info:
        return distance, {"min_eigenvalue": float(min(min_a, product_values.min()))}
    return distance


def frechet_distance(features_a, features_b):
    """Frechet distance (FID when the features come from Inception) of two feature sets.

    Args:
        features_a, features_b: `(n_a, d)` and `(n_b, d)` arrays or tensors of any
            backend; computed in float64 on the host.

    Returns:
        A Python float; 0 for identical sets (up to ~1e-12 relative round-off).

    Example:
    >>> a = np.random.default_rng(0).normal(size=(500, 8))
    >>> round(frechet_distance(a, a), 6)
    0.0
    """
    features_a = _as_features(features_a, "features_a")
    features_b = _as_features(features_b, "features_b")
    if features_a.shape[1] != features_b.shape[1]:
        raise ValueError(f"features_a and features_b must have the same feature dimension; "
                         f"received {features_a.shape[1]} and {features_b.shape[1]}.")
    return frechet_distance_from_statistics(*feature_statistics(features_a),
                                            *feature_statistics(features_b))
