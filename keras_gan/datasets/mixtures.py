"""2D Gaussian mixtures, the standard mode-collapse benchmark, and their metrics.

The ring (8 modes) and grid (25 modes) of VEEGAN (Srivastava et al. 2017) and PacGAN
(Lin et al. 2018), with the metrics of both papers: modes captured, the fraction of
high-quality samples and the reverse KL divergence of the mode histogram.
"""

import math

import numpy as np

__all__ = ["GaussianMixture", "grid", "ring"]


class GaussianMixture:
    """A mixture of isotropic Gaussians with equal weights.

    Args:
        centers: array-like `(modes, dim)`, the means.
        std: the standard deviation of every component.
    """

    def __init__(self, centers, std):
        centers = np.asarray(centers, dtype="float64")
        if centers.ndim != 2 or len(centers) == 0:
            raise ValueError(f"centers must have shape (modes, dim); received {centers.shape}.")
        if not np.all(np.isfinite(centers)):
            raise ValueError("centers must be finite.")
        if not float(std) > 0:
            raise ValueError(f"std must be positive; received {std}.")
        self.centers = centers
        self.std = float(std)

    @property
    def num_modes(self):
        return len(self.centers)

    @property
    def dim(self):
        return self.centers.shape[1]

    def sample(self, n, seed=None):
        """`n` samples (float32 array `(n, dim)`): a uniformly chosen mode plus
        Gaussian noise of standard deviation `std`."""
        n = int(n)
        if n < 0:
            raise ValueError(f"n must be >= 0; received {n}.")
        rng = np.random.default_rng(seed)
        modes = rng.integers(0, self.num_modes, size=n)
        noise = rng.standard_normal((n, self.dim)) * self.std
        return (self.centers[modes] + noise).astype("float32")

    def assign(self, samples):
        """Index of the nearest mode and the distance to it, for each sample."""
        samples = np.asarray(samples, dtype="float64")
        if samples.ndim != 2 or samples.shape[1] != self.dim:
            raise ValueError(
                f"samples must have shape (n, {self.dim}); received {samples.shape}."
            )
        d2 = ((samples[:, None, :] - self.centers[None, :, :]) ** 2).sum(-1)
        nearest = d2.argmin(axis=1)
        return nearest, np.sqrt(d2[np.arange(len(samples)), nearest])

    def evaluate(self, samples, threshold=3.0):
        """Mode-collapse metrics of VEEGAN and PacGAN.

        A sample is *high quality* when it lies within `threshold` (3) standard
        deviations of its nearest mode; a mode is *captured* when at least one
        high-quality sample is nearest to it.

        Returns:
            A dict with `modes` (number of modes captured), `high_quality` (fraction of
            high-quality samples, in [0, 1]) and `reverse_kl`: `KL(p || uniform)` of the
            histogram `p` of high-quality samples over the modes (0 when every mode holds
            the same share; `inf` when no sample is of high quality). Non-finite samples
            count as low quality.
        """
        samples = np.asarray(samples, dtype="float64")
        if samples.ndim != 2 or samples.shape[1] != self.dim:
            raise ValueError(
                f"samples must have shape (n, {self.dim}); received {samples.shape}."
            )
        if len(samples) == 0:
            raise ValueError("evaluate needs at least one sample.")
        finite = np.all(np.isfinite(samples), axis=1)
        nearest, dist = self.assign(np.where(finite[:, None], samples, 0.0))
        good = finite & (dist <= threshold * self.std)
        counts = np.bincount(nearest[good], minlength=self.num_modes)
        total = counts.sum()
        if total == 0:
            reverse_kl = math.inf
        else:
            p = counts[counts > 0] / total
            reverse_kl = float(np.sum(p * np.log(p * self.num_modes)))
        return {
            "modes": int((counts > 0).sum()),
            "high_quality": float(good.mean()),
            "reverse_kl": reverse_kl,
        }

    def __repr__(self):
        return f"GaussianMixture(modes={self.num_modes}, dim={self.dim}, std={self.std})"


def ring(modes=8, radius=1.0, std=0.01):
    """`modes` Gaussians evenly spaced on a circle of `radius` (PacGAN: 8, 1.0, 0.01)."""
    if int(modes) < 1:
        raise ValueError(f"modes must be >= 1; received {modes}.")
    angles = 2 * np.pi * np.arange(int(modes)) / int(modes)
    centers = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return GaussianMixture(centers, std)


def grid(size=5, spacing=2.0, std=0.05):
    """`size x size` Gaussians on a square grid centred at the origin (PacGAN: 5 x 5 at
    {-4, -2, 0, 2, 4}^2, std 0.05)."""
    if int(size) < 1:
        raise ValueError(f"size must be >= 1; received {size}.")
    coords = (np.arange(int(size)) - (int(size) - 1) / 2) * spacing
    xx, yy = np.meshgrid(coords, coords, indexing="ij")
    return GaussianMixture(np.stack([xx.ravel(), yy.ravel()], axis=1), std)
