"""MATLAB-compatible bicubic resizing: how super-resolution papers make their inputs.

The test sets of super-resolution papers (SRCNN, Dong et al. 2014; SRGAN, Ledig et
al. 2017; EDSR, Lim et al. 2017; ESRGAN, Wang et al. 2018) pair each high-resolution
(HR) image with a low-resolution (LR) one made by MATLAB's `imresize(hr, 1/4)`, after
cropping HR to a multiple of the scale ("modcrop"). The bicubic baseline of their
tables upscales LR back with `imresize(lr, 4)`; PSNR and SSIM are then read on the
luma Y with `scale` pixels shaved from each border
(`keras_gan.metrics.psnr(..., crop_border=4, y_channel=True)`). Other resizers
(PIL, OpenCV, `tf.image.resize`) differ in the kernel, the antialiasing or the
boundary and move the numbers by tenths of a dB, so this module follows MATLAB's
`imresize` (Image Processing Toolbox, method "bicubic", the default) exactly:

* kernel: Keys' cubic convolution with `a = -0.5`,
  `k(x) = 1.5|x|^3 - 2.5|x|^2 + 1` for `|x| <= 1`,
  `-0.5|x|^3 + 2.5|x|^2 - 4|x| + 2` for `1 < |x| <= 2`, 0 beyond; width 4.
* antialiasing when shrinking (`scale < 1`): the kernel is stretched to
  `scale * k(scale * x)`, width `4 / scale` (16 taps' worth at x1/4).
* coordinates: output pixel `x` (1-based) samples input position
  `u = x / scale + 0.5 * (1 - 1 / scale)`, which maps pixel edges onto pixel edges;
  the taps are `floor(u - width / 2) + (0 .. ceil(width) + 1)`, and each output's
  weights are normalised to sum to one *before* the boundary is applied.
* boundary: taps that fall outside `1..n` are mirrored with the edge sample repeated,
  `aux = [1:n, n:-1:1]; index = aux(mod(index - 1, 2n) + 1)`, i.e. "symmetric"
  padding (`padarray(..., 'symmetric')`; numpy's `np.pad(mode="symmetric")`). That is
  what current MATLAB releases do. The imresize.m of the R2007a to ~R2013 releases
  instead clamped indices (`min(max(1, index), n)`, "replicate" padding, the
  comment there says "has the effect of replicating end-points");
  `boundary="replicate"` reproduces those. The two differ only in pixels within a
  kernel half-width of the border, mostly removed again by `crop_border`.
* order: the axis with the smaller scale is resized first (rows first on ties), as
  MATLAB does.
* output size: `ceil(scale * size)`; when `output_shape` is given instead, each
  axis uses the scale `out / in`.
* classes: the output has the class of the input. MATLAB resizes one axis at a time
  and stores the intermediate image in the input's class too, so an integer
  (e.g. uint8) input is rounded (half away from zero) and saturated after *each*
  pass, as MATLAB's conversion to integer classes does. Floating inputs are
  computed in float64 and returned in their own dtype, unclipped (bicubic
  overshoots slightly beyond the input range).

Everything is numpy float64 on the host. Each axis is one matrix product with an
`(out, in)` weight matrix (the boundary folded in), cached per
`(in, out, scale, boundary)`, so a 512 x 512 RGB image resizes in milliseconds.
"""

import functools
import math
import numbers

import numpy as np

__all__ = ["bicubic_downscale", "imresize"]

BOUNDARIES = ("symmetric", "replicate")
_KERNEL_WIDTH = 4.0


def _cubic(x):
    """Keys' cubic convolution kernel with a = -0.5 (MATLAB's `cubic`)."""
    absx = np.abs(x)
    absx2 = absx * absx
    absx3 = absx2 * absx
    return ((1.5 * absx3 - 2.5 * absx2 + 1.0) * (absx <= 1.0)
            + (-0.5 * absx3 + 2.5 * absx2 - 4.0 * absx + 2.0) * ((absx > 1.0) & (absx <= 2.0)))


@functools.lru_cache(maxsize=128)
def _weight_matrix(in_length, out_length, scale, boundary):
    """The `(out_length, in_length)` float64 matrix of one axis (MATLAB's `contributions`
    with the boundary indices folded in), read-only because it is cached."""
    antialias = scale < 1.0
    width = _KERNEL_WIDTH / scale if antialias else _KERNEL_WIDTH
    x = np.arange(1, out_length + 1, dtype=np.float64)
    u = x / scale + 0.5 * (1.0 - 1.0 / scale)
    left = np.floor(u - width / 2.0)
    taps = int(math.ceil(width)) + 2
    index = left[:, None] + np.arange(taps, dtype=np.float64)[None, :]  # 1-based
    distance = u[:, None] - index
    weights = scale * _cubic(scale * distance) if antialias else _cubic(distance)
    weights = weights / weights.sum(axis=1, keepdims=True)
    index = index.astype(np.int64) - 1  # 0-based
    if boundary == "symmetric":
        period = 2 * in_length
        index = np.mod(index, period)
        index = np.where(index < in_length, index, period - 1 - index)
    else:
        index = np.clip(index, 0, in_length - 1)
    matrix = np.zeros((out_length, in_length), dtype=np.float64)
    rows = np.repeat(np.arange(out_length), taps)
    np.add.at(matrix, (rows, index.ravel()), weights.ravel())
    matrix.setflags(write=False)
    return matrix


def _round_saturate(x, dtype):
    """MATLAB's conversion to an integer class: round half away from zero, saturate."""
    info = np.iinfo(dtype)
    return np.clip(np.sign(x) * np.floor(np.abs(x) + 0.5), info.min, info.max)


def _output_length(scale, length):
    """`ceil(scale * length)`, except that a product within 1e-9 of an integer counts as
    that integer (`0.1 * 30` is 3.0000000000000004 in floating point; MATLAB would give
    4 there, which no caller means)."""
    size = scale * length
    nearest = round(size)
    if abs(size - nearest) <= 1e-9 * max(1.0, size):
        return max(1, int(nearest))
    return max(1, int(math.ceil(size)))


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _sizes_and_scales(in_shape, scale, output_shape):
    if (scale is None) == (output_shape is None):
        raise ValueError("imresize: give exactly one of `scale` or `output_shape`; received "
                         f"scale={scale!r}, output_shape={output_shape!r}.")
    if scale is not None:
        if isinstance(scale, np.ndarray) and scale.ndim == 0:
            scale = scale.item()
        scales = tuple(scale) if isinstance(scale, (tuple, list, np.ndarray)) else (scale,) * 2
        if len(scales) != 2 or not all(_is_number(s) and math.isfinite(s) and s > 0
                                       for s in scales):
            raise ValueError("imresize: `scale` must be a positive finite number or a pair "
                             f"(rows, cols) of them; received {scale!r}.")
        scales = tuple(float(s) for s in scales)
        sizes = tuple(_output_length(s, n) for s, n in zip(scales, in_shape))
    else:
        sizes = tuple(output_shape) if isinstance(output_shape, (tuple, list, np.ndarray)) else ()
        if len(sizes) != 2 or not all(isinstance(n, numbers.Integral)
                                      and not isinstance(n, (bool, np.bool_)) and n > 0
                                      for n in sizes):
            raise ValueError("imresize: `output_shape` must be a pair (height, width) of "
                             f"positive integers; received {output_shape!r}.")
        sizes = tuple(int(n) for n in sizes)
        scales = tuple(out / n for out, n in zip(sizes, in_shape))
    return sizes, scales


def imresize(images, scale=None, output_shape=None, boundary="symmetric"):
    """Bicubic resize with the semantics of MATLAB's `imresize(A, scale)` (see the module
    docstring): cubic kernel `a = -0.5`, antialiasing when shrinking, MATLAB's pixel
    mapping and mirrored boundary, the output in the input's class.

    Args:
        images: `(H, W)`, `(H, W, C)` or `(N, H, W, C)` array (numpy or anything
            `np.asarray` takes), of an integer dtype (uint8 as read from PNGs) or a
            floating dtype. Only `H` and `W` are resized.
        scale: the factor, e.g. `0.25` to shrink 4 times or `4` to enlarge; a number
            or a pair `(rows, cols)`. The output is `ceil(scale * size)`.
        output_shape: instead of `scale`, the output `(height, width)`.
        boundary: `"symmetric"` (current MATLAB) or `"replicate"` (MATLAB R2007a to
            ~R2013), how taps beyond the border are filled.

    Returns:
        The resized array, same rank and dtype as `images`. Integer inputs are rounded
        half away from zero and saturated to their dtype after each axis, as in MATLAB;
        floating inputs are returned unclipped.

    Example:
        >>> hr = np.asarray(PIL.Image.open("baby.png").convert("RGB"))  # uint8
        >>> lr = imresize(hr, 1 / 4)          # what the SR test sets contain
        >>> bicubic = imresize(lr, 4)         # the "Bicubic" row of SR tables
    """
    array = np.asarray(images)
    if array.dtype == np.bool_ or not (np.issubdtype(array.dtype, np.integer)
                                      or np.issubdtype(array.dtype, np.floating)):
        raise TypeError("imresize: images must have an integer or floating dtype; received "
                        f"{array.dtype}.")
    if array.ndim not in (2, 3, 4):
        raise ValueError("imresize: images must be (H, W), (H, W, C) or (N, H, W, C); "
                         f"received shape {array.shape}.")
    if boundary not in BOUNDARIES:
        raise ValueError(f"imresize: boundary must be one of {BOUNDARIES}; received {boundary!r}.")
    axes = (1, 2) if array.ndim == 4 else (0, 1)
    in_shape = tuple(array.shape[a] for a in axes)
    if array.size == 0:
        raise ValueError(f"imresize: images of shape {array.shape} are empty.")
    sizes, scales = _sizes_and_scales(in_shape, scale, output_shape)

    integer = np.issubdtype(array.dtype, np.integer)
    result = array.astype(np.float64)
    # The axis that shrinks most goes first; a stable sort keeps rows first on ties.
    for k in sorted(range(2), key=lambda k: scales[k]):
        matrix = _weight_matrix(in_shape[k], sizes[k], scales[k], boundary)
        result = np.moveaxis(np.tensordot(matrix, result, axes=([1], [axes[k]])), 0, axes[k])
        if integer:
            result = _round_saturate(result, array.dtype)
    return np.ascontiguousarray(result.astype(array.dtype))


def bicubic_downscale(hr, scale, boundary="symmetric"):
    """The LR input of the super-resolution protocol: HR cropped to a multiple of `scale`
    from its top-left corner (MATLAB `modcrop`), then `imresize(hr, 1 / scale)`.

    Args:
        hr: high-resolution `(H, W)`, `(H, W, C)` or `(N, H, W, C)` images (uint8 as
            read from the PNGs of Set5 / Set14, for the published protocol).
        scale: the integer super-resolution factor (4 in SRGAN / ESRGAN tables).
        boundary: as in `imresize`.

    Returns:
        `(hr_cropped, lr)`: HR of size `(H - H % scale, W - W % scale)` (the reference
        for PSNR / SSIM) and LR of that size divided by `scale`, both in `hr`'s dtype.

    Example:
        >>> hr, lr = bicubic_downscale(image, 4)
        >>> psnr(hr, imresize(lr, 4), max_val=255, crop_border=4, y_channel=True)
    """
    if not isinstance(scale, numbers.Integral) or isinstance(scale, (bool, np.bool_)) \
            or scale < 1:
        raise ValueError("bicubic_downscale: scale must be a positive integer; received "
                         f"{scale!r}.")
    scale = int(scale)
    hr = np.asarray(hr)
    if hr.ndim not in (2, 3, 4):
        raise ValueError("bicubic_downscale: hr must be (H, W), (H, W, C) or (N, H, W, C); "
                         f"received shape {hr.shape}.")
    h_axis = 1 if hr.ndim == 4 else 0
    height, width = hr.shape[h_axis], hr.shape[h_axis + 1]
    if height < scale or width < scale:
        raise ValueError(f"bicubic_downscale: a {height}x{width} image is smaller than the "
                         f"scale {scale}.")
    crop = (slice(None),) * h_axis + (slice(0, height - height % scale),
                                      slice(0, width - width % scale))
    hr_cropped = np.ascontiguousarray(hr[crop])
    return hr_cropped, imresize(hr_cropped, scale=1.0 / scale, boundary=boundary)
