"""The 2D mixtures and the VEEGAN / PacGAN mode metrics."""

import math

import numpy as np
import pytest

from keras_gan import datasets


def test_ring_and_grid_geometry():
    ring = datasets.ring()
    assert ring.num_modes == 8 and ring.std == 0.01
    np.testing.assert_allclose(np.linalg.norm(ring.centers, axis=1), 1.0)
    grid = datasets.grid()
    assert grid.num_modes == 25 and grid.std == 0.05
    assert sorted(set(grid.centers[:, 0])) == [-4, -2, 0, 2, 4]
    assert {tuple(c) for c in grid.centers} == {(x, y) for x in (-4, -2, 0, 2, 4)
                                               for y in (-4, -2, 0, 2, 4)}


def test_samples_are_reproducible_and_have_the_right_spread():
    ring = datasets.ring()
    a, b = ring.sample(20000, seed=1), ring.sample(20000, seed=1)
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.float32 and a.shape == (20000, 2)
    nearest, dist = ring.assign(a)
    counts = np.bincount(nearest, minlength=8)
    assert counts.min() > 2000  # uniform over modes (2500 expected)
    # the distance to the centre of a 2D Gaussian is Rayleigh: mean std * sqrt(pi / 2)
    np.testing.assert_allclose(dist.mean(), 0.01 * math.sqrt(math.pi / 2), rtol=0.02)


def test_true_samples_score_perfectly():
    grid = datasets.grid()
    m = grid.evaluate(grid.sample(2500, seed=0))
    assert m["modes"] == 25
    assert m["high_quality"] > 0.98  # 3 std in 2D holds 98.9 % of the mass
    assert m["reverse_kl"] < 0.02


def test_collapsed_samples():
    ring = datasets.ring()
    one_mode = np.tile(ring.centers[:1], (100, 1))
    m = ring.evaluate(one_mode)
    assert m == {"modes": 1, "high_quality": 1.0, "reverse_kl": pytest.approx(math.log(8))}
    two_modes = np.concatenate([np.tile(ring.centers[:1], (30, 1)),
                                np.tile(ring.centers[3:4], (10, 1))])
    p = np.array([0.75, 0.25])
    assert ring.evaluate(two_modes)["reverse_kl"] == pytest.approx(np.sum(p * np.log(p * 8)))


def test_low_quality_and_non_finite_samples():
    ring = datasets.ring()
    far = np.array([[0.0, 0.0], [np.nan, 1.0], [np.inf, 0.0],
                    ring.centers[2] + [0.0, 0.029], ring.centers[2] + [0.031, 0.0]])
    m = ring.evaluate(far)
    assert m["modes"] == 1 and m["high_quality"] == pytest.approx(1 / 5)
    assert ring.evaluate(np.zeros((3, 2)))["reverse_kl"] == math.inf


def test_bad_input():
    ring = datasets.ring()
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        ring.evaluate(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="at least one sample"):
        ring.evaluate(np.zeros((0, 2)))
    with pytest.raises(ValueError, match="std must be positive"):
        datasets.GaussianMixture([[0, 0]], std=0)
    with pytest.raises(ValueError, match="Unknown dataset"):
        datasets.get("spiral")
