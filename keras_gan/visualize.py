"""Pictures of samples, drawn with pillow: 2D scatter plots and image grids."""

import math

import numpy as np
from PIL import Image, ImageDraw

__all__ = ["image_grid", "save_samples_png", "scatter_plot"]


def scatter_plot(samples, centers=None, size=512, limit=None, point_radius=1):
    """A scatter plot of 2D samples (blue) over the true modes (red rings).

    Args:
        samples: array `(n, 2)`.
        centers: optional array `(modes, 2)` of the true modes.
        size: image side in pixels.
        limit: half-width of the square region shown; by default it covers the
            centres (or samples) with a margin.
        point_radius: radius of a sample's dot in pixels.

    Returns:
        A `PIL.Image`.
    """
    samples = np.asarray(samples, dtype="float64")
    if samples.ndim != 2 or samples.shape[1] != 2:
        raise ValueError(f"A scatter plot needs 2D points (n, 2); received shape {samples.shape}.")
    finite = samples[np.all(np.isfinite(samples), axis=1)]
    if limit is None:
        ref = np.asarray(centers, dtype="float64") if centers is not None else finite
        extent = float(np.abs(ref).max()) if len(ref) else 1.0
        limit = 1.25 * extent + 0.25
    image = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(image)

    def to_px(points):
        return (points + limit) / (2 * limit) * (size - 1)

    # axes through the origin
    o = to_px(np.zeros(2))
    draw.line([(0, size - 1 - o[1]), (size - 1, size - 1 - o[1])], fill=(225, 225, 225))
    draw.line([(o[0], 0), (o[0], size - 1)], fill=(225, 225, 225))
    for x, y in to_px(finite):
        y = size - 1 - y
        draw.ellipse([x - point_radius, y - point_radius, x + point_radius, y + point_radius],
                     fill=(31, 90, 180))
    if centers is not None:
        for x, y in to_px(np.asarray(centers, dtype="float64")):
            y = size - 1 - y
            draw.ellipse([x - 6, y - 6, x + 6, y + 6], outline=(210, 30, 30), width=2)
    return image


def image_grid(images, columns=None, value_range=(-1.0, 1.0), padding=2):
    """Tiles a batch of images `(n, H, W, C)` (C = 1 or 3) into one `PIL.Image`.

    Pixel values of float images are mapped from `value_range` to 0..255 and clipped;
    integer images (uint8) are pixel values 0..255 already and are shown as they are,
    whatever `value_range` (mapping 0..255 from [-1, 1] would draw them all white).
    """
    images = np.asarray(images)
    if np.issubdtype(images.dtype, np.integer):
        value_range = (0.0, 255.0)
    images = images.astype("float64")
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.shape[-1] not in (1, 3) or len(images) == 0:
        raise ValueError(
            f"An image grid needs images of shape (n, H, W, 1 or 3); received {images.shape}."
        )
    lo, hi = value_range
    pixels = np.clip((images - lo) / (hi - lo) * 255.0, 0, 255)
    pixels = np.nan_to_num(pixels).round().astype("uint8")
    n, h, w, c = pixels.shape
    columns = columns or int(math.ceil(math.sqrt(n)))
    rows = int(math.ceil(n / columns))
    canvas = np.full((rows * (h + padding) + padding, columns * (w + padding) + padding, c),
                     255, dtype="uint8")
    for i in range(n):
        r, col = divmod(i, columns)
        top, left = padding + r * (h + padding), padding + col * (w + padding)
        canvas[top:top + h, left:left + w] = pixels[i]
    return Image.fromarray(canvas[..., 0] if c == 1 else canvas)


def save_samples_png(samples, path, centers=None):
    """Writes 2D points as a scatter plot, or images as a grid, to a PNG file (`path`:
    a file name or a binary file object)."""
    samples = np.asarray(samples)
    if samples.ndim == 2 and samples.shape[1] == 2:
        image = scatter_plot(samples, centers=centers)
    elif samples.ndim in (3, 4):
        image = image_grid(samples)
    else:
        raise ValueError(
            f"Cannot draw samples of shape {samples.shape} as a PNG: expected 2D points "
            "(n, 2) or images (n, H, W[, C])."
        )
    image.save(path, format="PNG")
    return path
