"""Shapes: a procedural image dataset of coloured circles, squares and triangles.

Every image shows one filled shape in a bright, saturated colour of random hue on a
plain dark grey background, so a generator must learn geometry, position, size and
colour at once, while a human can judge its samples at a glance. (An earlier
version drew both colours uniformly from the RGB cube: with six colour parameters
per image a small DCGAN's discriminator won within a few epochs and the generator
collapsed to one square; with the dark background the same DCGAN keeps a balanced
game and spreads its shapes over positions, sizes and hues.) The images are
drawn in closed form with vectorised numpy (no download, no files): each pixel's
coverage is computed from its signed distance to the shape's outline, which
anti-aliases the edges as well as supersampling would, at the cost of one
evaluation per pixel.

Geometry, for a size parameter `s` drawn uniformly from `[0.18, 0.36] * image_size`
(capped on tiny images so every shape fits):

* circle (label 0): radius `s`, area `pi * s**2`;
* square (label 1): axis-aligned, half side `s`, area `4 * s**2`;
* triangle (label 2): equilateral, circumradius `1.2 * s` at a random rotation,
  area `(3 * sqrt(3) / 4) * (1.2 * s)**2` (about `1.87 * s**2`).

Each shape lies wholly inside the image, at least one pixel from the border, so the
corner pixels always show the background.
"""

import math

import numpy as np

__all__ = ["SHAPE_NAMES", "shapes"]

SHAPE_NAMES = ("circle", "square", "triangle")

# Size parameter s, as a fraction of the image side; see the module docstring.
_MIN_SIZE, _MAX_SIZE = 0.18, 0.36
# Circumradius of a triangle in units of s: an equilateral triangle with
# circumradius s looks much smaller than a circle of radius s, so it is enlarged.
_TRIANGLE_SCALE = 1.2
# Shape colours: HSV with a uniform hue and these saturation and value ranges;
# backgrounds: a grey level in _BACKGROUND (colours in [0, 1]).
_SATURATION, _VALUE, _BACKGROUND = (0.6, 1.0), (0.8, 1.0), (0.0, 0.15)
# Most pixels evaluated at once (bounds the memory of large requests).
_CHUNK_PIXELS = 1 << 18


def _hsv_to_rgb(hue, saturation, value):
    """Vectorised HSV -> RGB, all in [0, 1]; returns `(n, 3)`."""
    sector = hue * 6.0
    # Distance of each channel's hue angle from the colour's: red at 0, green at
    # 1/3 and blue at 2/3 of the circle, in sixths.
    offsets = np.array([5.0, 3.0, 1.0])
    k = (offsets[None, :] + sector[:, None]) % 6.0
    ramp = np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0)
    return value[:, None] * (1.0 - saturation[:, None] * ramp)


def _colours(rng, n):
    """`n` pairs of RGB colours in [0, 1]: bright saturated shapes on dark greys."""
    shape_colours = _hsv_to_rgb(rng.random(n), rng.uniform(*_SATURATION, n),
                                rng.uniform(*_VALUE, n))
    backgrounds = np.repeat(rng.uniform(*_BACKGROUND, (n, 1)), 3, axis=1)
    return shape_colours, backgrounds


def _signed_distance(labels, cx, cy, size, angle, x, y):
    """Signed distance (pixels; negative inside) from pixel centres to each outline.

    Args:
        labels, cx, cy, size, angle: arrays `(m,)`, one entry per image.
        x, y: pixel-centre coordinates broadcastable to `(1, S, S)`.

    Returns:
        float32 array `(m, S, S)`. For the square and the triangle it is the
        largest signed distance to the lines through their edges, which is exact
        along the edges and only overestimates the (far) outside near corners;
        that is all the anti-aliasing needs.
    """
    m = len(labels)
    dist = np.empty((m, y.shape[1], x.shape[2]), dtype="float32")
    for label in range(len(SHAPE_NAMES)):
        pick = labels == label
        if not pick.any():
            continue
        dx = x - cx[pick, None, None]
        dy = y - cy[pick, None, None]
        s = size[pick, None, None]
        if label == 0:
            dist[pick] = np.sqrt(dx * dx + dy * dy) - s
        elif label == 1:
            dist[pick] = np.maximum(np.abs(dx), np.abs(dy)) - s
        else:
            # The outward edge normals of an equilateral triangle whose vertices
            # sit at angles angle + 2 pi k / 3 point half-way between vertices;
            # the edges lie at the inradius, half the circumradius.
            base = angle[pick, None, None] + math.pi / 3
            edge = None
            for k in range(3):
                theta = base + 2 * math.pi * k / 3
                along = dx * np.cos(theta) + dy * np.sin(theta)
                edge = along if edge is None else np.maximum(edge, along)
            dist[pick] = edge - s * _TRIANGLE_SCALE / 2
    return dist


def shapes(n, image_size=32, seed=None):
    """`n` images of coloured circles, squares and triangles, labelled by shape.

    The classes are balanced in expectation (each image's shape is drawn uniformly);
    position, size, colour (hue, saturation, value), background grey level and the
    triangles' rotation are random
    (see the module docstring for the geometry). Edges are anti-aliased: a pixel's
    value mixes shape and background colour by its coverage,
    `clip(0.5 - d, 0, 1)` for a signed distance `d` in pixels from its centre to the
    outline. 10,000 images of 32 x 32 take about a tenth of a second.

    Args:
        n: number of images (>= 0).
        image_size: side of the square images in pixels (>= 8).
        seed: seed of the numpy random generator; the same seed gives the same
            images and labels.

    Returns:
        `(images, labels)`: float32 array `(n, image_size, image_size, 3)` with values
        in [-1, 1], and int32 array `(n,)` with 0 for a circle, 1 for a square and
        2 for a triangle (names in `SHAPE_NAMES`).
    """
    n, image_size = int(n), int(image_size)
    if n < 0:
        raise ValueError(f"n must be >= 0; received {n}.")
    if image_size < 8:
        raise ValueError(f"image_size must be >= 8; received {image_size}.")
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(SHAPE_NAMES), size=n).astype("int32")
    size = rng.uniform(_MIN_SIZE, _MAX_SIZE, size=n) * image_size
    # The extent of a shape from its centre: the circumradius of the triangle, the
    # half side of the square (it is axis-aligned), the radius of the circle.
    reach = np.where(labels == 2, _TRIANGLE_SCALE, 1.0)
    size = np.minimum(size, (image_size / 2 - 1) / reach)
    extent = size * reach
    low, high = extent + 1.0, image_size - extent - 1.0
    cx = low + rng.random(n) * (high - low)
    cy = low + rng.random(n) * (high - low)
    angle = rng.uniform(0.0, 2 * math.pi / 3, size=n)
    shape_colours, backgrounds = _colours(rng, n)

    images = np.empty((n, image_size, image_size, 3), dtype="float32")
    centres = np.arange(image_size, dtype="float32") + 0.5
    y, x = centres[None, :, None], centres[None, None, :]
    step = max(1, _CHUNK_PIXELS // (image_size * image_size))
    for start in range(0, n, step):
        part = slice(start, min(n, start + step))
        dist = _signed_distance(labels[part], cx[part].astype("float32"),
                                cy[part].astype("float32"), size[part].astype("float32"),
                                angle[part].astype("float32"), x, y)
        coverage = np.clip(0.5 - dist, 0.0, 1.0)
        # Values go from [0, 1] to [-1, 1]; one channel at a time keeps the
        # broadcasting over contiguous pixels.
        background = (backgrounds[part] * 2.0 - 1.0).astype("float32")
        change = ((shape_colours[part] - backgrounds[part]) * 2.0).astype("float32")
        for c in range(3):
            images[part, :, :, c] = (background[:, c, None, None]
                                     + coverage * change[:, c, None, None])
    return images, labels
