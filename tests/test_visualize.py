"""Pictures drawn with pillow."""

import numpy as np
import pytest
from PIL import Image

from keras_gan import datasets, visualize


def test_scatter_plot_marks_samples_and_modes(tmp_path):
    ring = datasets.ring()
    image = visualize.scatter_plot(ring.sample(200, seed=0), centers=ring.centers, size=128)
    pixels = np.asarray(image)
    assert image.size == (128, 128)
    blue = (pixels[..., 2] > 150) & (pixels[..., 0] < 100)
    red = (pixels[..., 0] > 180) & (pixels[..., 1] < 80)
    assert blue.sum() > 20 and red.sum() > 20
    path = visualize.save_samples_png(ring.sample(10, seed=1), tmp_path / "s.png")
    assert Image.open(path).format == "PNG"


def test_image_grid_maps_the_value_range():
    images = np.stack([np.full((4, 4, 1), -1.0), np.full((4, 4, 1), 1.0)])
    grid = np.asarray(visualize.image_grid(images, columns=2, padding=1))
    assert grid.shape == (6, 11)
    assert grid[1, 1] == 0 and grid[1, 6] == 255 and grid[0, 0] == 255


def test_bad_shapes():
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        visualize.scatter_plot(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="Cannot draw samples of shape"):
        visualize.save_samples_png(np.zeros((3, 5)), "x.png")
