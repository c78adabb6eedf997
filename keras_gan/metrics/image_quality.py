"""Full-reference image quality: PSNR and SSIM, the protocol of super-resolution papers.

SSIM is Wang et al. 2004, "Image Quality Assessment: From Error Visibility to
Structural Similarity": local means, variances and covariance under an 11 x 11
Gaussian window (sigma 1.5), `K1 = 0.01`, `K2 = 0.03`, the map computed where the
window fits inside the image (no padding, as the authors' reference code) and
averaged. Super-resolution papers (SRGAN, ESRGAN) report both on the luma channel Y
of YCbCr (ITU-R BT.601, as MATLAB's `rgb2ycbcr`) after cropping `scale` pixels from
each border; `y_channel=True, crop_border=scale` gives that protocol.

Both are written in `keras.ops`, so they take and return tensors of any backend
(and numpy arrays), one value per image. Images are channels-last, `(H, W, C)` or
`(batch, H, W, C)`, with values in `[0, max_val]` (e.g. 255 for uint8, 1 for floats).
"""

import math

import numpy as np
from keras import ops

__all__ = ["psnr", "rgb_to_y", "ssim"]


def rgb_to_y(images, max_val=255.0):
    """Luma Y of ITU-R BT.601 YCbCr, as MATLAB's `rgb2ycbcr`: for RGB in [0, 1],
    `Y = (16 + 65.481 R + 128.553 G + 24.966 B) / 255`, here scaled to `[0, max_val]`.
    Returns `(..., 1)`.
    """
    images = ops.cast(images, "float32")
    if images.shape[-1] != 3:
        raise ValueError(f"rgb_to_y needs 3 channels (RGB) in the last axis; received shape "
                         f"{tuple(images.shape)}.")
    weights = ops.convert_to_tensor(np.array([65.481, 128.553, 24.966], "float32") / 255.0)
    luma = ops.sum(images * weights, axis=-1, keepdims=True)
    return luma + 16.0 / 255.0 * float(max_val)


def _prepare(y_true, y_pred, max_val, crop_border, y_channel, name):
    y_true = ops.cast(ops.convert_to_tensor(y_true), "float32")
    y_pred = ops.cast(ops.convert_to_tensor(y_pred), "float32")
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise ValueError(f"{name}: y_true and y_pred must have the same shape; received "
                         f"{tuple(y_true.shape)} and {tuple(y_pred.shape)}.")
    if len(y_true.shape) not in (3, 4):
        raise ValueError(f"{name}: images must be (H, W, C) or (batch, H, W, C); received "
                         f"shape {tuple(y_true.shape)}.")
    if not max_val > 0:
        raise ValueError(f"{name}: max_val must be > 0; received {max_val}.")
    single = len(y_true.shape) == 3
    if single:
        y_true, y_pred = y_true[None], y_pred[None]
    crop_border = int(crop_border)
    height, width = y_true.shape[1], y_true.shape[2]
    if crop_border < 0 or 2 * crop_border >= min(height, width):
        raise ValueError(f"{name}: crop_border {crop_border} leaves no pixels of a "
                         f"{height}x{width} image.")
    if crop_border:
        y_true = y_true[:, crop_border:-crop_border, crop_border:-crop_border]
        y_pred = y_pred[:, crop_border:-crop_border, crop_border:-crop_border]
    if y_channel:
        y_true, y_pred = rgb_to_y(y_true, max_val), rgb_to_y(y_pred, max_val)
    return y_true, y_pred, single


def psnr(y_true, y_pred, max_val=255.0, crop_border=0, y_channel=False):
    """Peak signal-to-noise ratio `10 log10(max_val^2 / MSE)` in dB, per image.

    Args:
        y_true, y_pred: reference and distorted images, `(H, W, C)` or
            `(batch, H, W, C)`, values in `[0, max_val]`.
        max_val: the largest possible pixel value (255 for 8-bit images).
        crop_border: pixels removed from each border before comparing.
        y_channel: compare the BT.601 luma of RGB images instead of all channels.

    Returns:
        float32 `(batch,)` (a scalar for one image); `inf` for identical images.
    """
    y_true, y_pred, single = _prepare(y_true, y_pred, max_val, crop_border, y_channel, "psnr")
    mse = ops.mean(ops.square(y_true - y_pred), axis=(1, 2, 3))
    value = 10.0 * ops.log(float(max_val) ** 2 / mse) / math.log(10.0)
    return value[0] if single else value


def _gaussian_window(size, sigma, channels):
    coords = np.arange(size, dtype="float64") - (size - 1) / 2.0
    g = np.exp(-(coords ** 2) / (2.0 * sigma ** 2))
    window = np.outer(g, g)
    window /= window.sum()
    return np.tile(window[:, :, None, None], (1, 1, channels, 1)).astype("float32")


def ssim(y_true, y_pred, max_val=255.0, crop_border=0, y_channel=False, filter_size=11,
         filter_sigma=1.5, k1=0.01, k2=0.03):
    """Structural similarity (Wang et al. 2004), per image, averaged over channels.

    Args:
        y_true, y_pred: `(H, W, C)` or `(batch, H, W, C)`, values in `[0, max_val]`;
            after cropping, at least `filter_size` pixels on each side.
        max_val: the dynamic range `L` of the pixel values.
        crop_border, y_channel: as in `psnr`.
        filter_size, filter_sigma: the Gaussian window.
        k1, k2: the stabilising constants, `C1 = (k1 L)^2`, `C2 = (k2 L)^2`.

    Returns:
        float32 `(batch,)` (a scalar for one image); 1 for identical images.
    """
    y_true, y_pred, single = _prepare(y_true, y_pred, max_val, crop_border, y_channel, "ssim")
    height, width, channels = y_true.shape[1], y_true.shape[2], y_true.shape[3]
    if min(height, width) < filter_size:
        raise ValueError(f"ssim: images of {height}x{width} (after cropping) are smaller than "
                         f"the {filter_size}x{filter_size} window.")
    window = ops.convert_to_tensor(_gaussian_window(filter_size, filter_sigma, channels))

    def blur(x):
        return ops.depthwise_conv(x, window, strides=1, padding="valid")

    c1 = (k1 * float(max_val)) ** 2
    c2 = (k2 * float(max_val)) ** 2
    mu_x, mu_y = blur(y_true), blur(y_pred)
    # E[x^2] - E[x]^2 in float32 cancels to about 1e-7 L^2, far below C2 = 9e-4 L^2.
    var_x = blur(ops.square(y_true)) - ops.square(mu_x)
    var_y = blur(ops.square(y_pred)) - ops.square(mu_y)
    cov = blur(y_true * y_pred) - mu_x * mu_y
    ssim_map = ((2.0 * mu_x * mu_y + c1) * (2.0 * cov + c2)) / (
        (ops.square(mu_x) + ops.square(mu_y) + c1) * (var_x + var_y + c2))
    value = ops.mean(ssim_map, axis=(1, 2, 3))
    return value[0] if single else value
