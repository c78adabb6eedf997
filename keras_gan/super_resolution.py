"""Super-resolution inference and evaluation: upscale 8-bit images with a generator, in
tiles of bounded memory, and score it with the protocol of the super-resolution papers.

Inference. `upscale(generator, image)` takes a uint8 image `(H, W, C)` and returns the
uint8 image `(scale*H, scale*W, C)`. The generator is any fully convolutional Keras
model `(None, None, None, C) -> (None, None, None, C)`, e.g.
`keras_gan.networks.srresnet` or `rrdb_net`, or the `generator` of a keras_gan SR model
(an object with `generator`, `scale`, `lr_range`, `hr_range`; `resolve_sr_model`). The
uint8 input is scaled to the generator's input range (`low + x / 255 * (high - low)`,
[0, 1] for SRGAN and ESRGAN) and its output is mapped back from the output range
([-1, 1] for SRGAN's tanh, [0, 1] for ESRGAN) to 0..255, rounded and clipped: the same
arithmetic as the SavedModel of `keras_gan.export.export_image_model`.

With `tile=T`, the low-resolution image is cut into `T x T` windows that overlap: each
window keeps only its centre, `T - 2 * overlap` pixels wide, and the `overlap` pixels
on each side are context (windows at the image's border reach the border, where the
network sees the same padding as on the whole image). A convolutional generator whose
receptive field reaches at most `overlap` low-resolution pixels from the output pixel
then gives exactly the untiled result (to floating-point rounding), and the memory of
one call is that of a `T x T` input, whatever the image's size. SRResNet's receptive
field is large (its 9x9 input convolution and 16 residual blocks reach ~40 pixels), so
a smaller `overlap` is an approximation there, as in every tiled SR inference.

Evaluation: the protocol of SRGAN (Ledig et al. 2017, "Photo-Realistic Single Image
Super-Resolution Using a Generative Adversarial Network", section 4.1) and ESRGAN
(Wang et al. 2018, "ESRGAN: Enhanced Super-Resolution Generative Adversarial
Networks", section 4.1), inherited from SRCNN / VDSR / EDSR: each HR test image (Set5,
Set14, BSD100, ...) is cropped to a multiple of the scale (MATLAB `modcrop`), LR is
MATLAB's `imresize(HR, 1 / scale)` (bicubic, antialiased:
`keras_gan.datasets.bicubic_downscale`), the network's output SR is compared with HR by
PSNR and SSIM on the luma Y of YCbCr (BT.601, MATLAB `rgb2ycbcr`) with `scale` pixels
shaved from each border (`keras_gan.metrics.psnr` / `ssim`, `crop_border=scale,
y_channel=True`). A greyscale file (Set14's bridge) is compared on its grey level, as
the MATLAB scripts apply `rgb2ycbcr` to 3-channel images only; its LR is fed to an RGB
network replicated to RGB, and the SR's grey level is its BT.601 luma
`0.299 R + 0.587 G + 0.114 B` (the channels themselves when they are equal).
`benchmarks/sr_bicubic.py` reproduces the published bicubic rows through
`evaluate_image` (Set5 x4 28.43 dB, Set14 25.99 dB).
"""

import numbers
import os
import warnings

import numpy as np

from keras_gan.export import image_model_channels, value_range

__all__ = ["compare_sr", "evaluate_image", "evaluate_sr", "infer_scale", "protocol_scores",
           "read_hr_image", "resolve_sr_model", "upscale"]

DEFAULT_INPUT_RANGE = (0.0, 1.0)
DEFAULT_OUTPUT_RANGE = (-1.0, 1.0)
_PROBE = (16, 24)  # height, width of the input that measures the scale
_GREY_MODES = ("1", "L", "LA", "I", "F")
_LUMA = np.array([0.299, 0.587, 0.114])


# ----------------------------------------------------------------------------- models


def _is_sr_model(model):
    return all(hasattr(model, a) for a in ("generator", "scale", "lr_range", "hr_range"))


def _resolve(model, input_range, output_range):
    """`(generator, input_range, output_range, scale or None)`."""
    if _is_sr_model(model):
        generator = model.generator
        own = (value_range(model.lr_range, "lr_range"), value_range(model.hr_range, "hr_range"))
        for given, mine, what, attr in ((input_range, own[0], "input_range", "lr_range"),
                                        (output_range, own[1], "output_range", "hr_range")):
            if given is not None and value_range(given, what) != mine:
                raise ValueError(f"{what} {tuple(given)} conflicts with the model's {attr} "
                                 f"{mine}; leave it out for a {type(model).__name__}.")
        scale = model.scale
    else:
        generator, scale = model, None
        own = (value_range(DEFAULT_INPUT_RANGE if input_range is None else input_range,
                           "input_range"),
               value_range(DEFAULT_OUTPUT_RANGE if output_range is None else output_range,
                           "output_range"))
    if not callable(generator) or not hasattr(generator, "input_shape"):
        raise TypeError("expected a Keras image-to-image model (a super-resolution "
                        "generator) or a keras_gan SR model with `generator`, `scale`, "
                        f"`lr_range` and `hr_range`; received {type(model).__name__}.")
    image_model_channels(generator)
    return generator, own[0], own[1], scale


def resolve_sr_model(model, input_range=None, output_range=None):
    """The generator and value ranges of a super-resolution model.

    Args:
        model: a keras_gan SR model (an object with `generator`, `scale`, `lr_range`
            and `hr_range`, such as `keras_gan.models.SRGAN` / `ESRGAN`), or a bare
            Keras generator `(None, H, W, C) -> (None, H', W', C')`.
        input_range, output_range: the value ranges of a bare generator's input and
            output (default `(0, 1)` and `(-1, 1)`, SRGAN's). An SR model has its own
            (`lr_range`, `hr_range`); giving different ones raises a ValueError.

    Returns:
        `(generator, input_range, output_range)`, the ranges as float pairs.
    """
    return _resolve(model, input_range, output_range)[:3]


def _predict(generator, batch):
    """The generator's float32 numpy output for a float32 numpy batch, in inference mode.

    `predict_on_batch` runs the backend's compiled predict step (jit under JAX, where
    calling the model op by op is several times slower; a shape-generic tf.function
    under TensorFlow; eager without autograd under PyTorch), compiled once per input
    shape, which tiles share."""
    from keras import ops

    if hasattr(generator, "predict_on_batch"):
        output = generator.predict_on_batch(batch)
    else:
        from keras_gan import backend

        with backend.no_grad():
            output = generator(ops.convert_to_tensor(batch), training=False)
    return np.asarray(ops.convert_to_numpy(output), dtype=np.float32)


def _fixed_size(generator):
    height, width = generator.input_shape[1:3]
    return (None if height is None else int(height)), (None if width is None else int(width))


def infer_scale(generator):
    """The integer upscaling factor of an image-to-image `generator`, measured by running
    it on a small input (16 x 24 unless the model fixes its input size).

    Raises a ValueError when the output is not the same whole multiple of the input in
    both directions (a model that is not an upscaler)."""
    generator = _resolve(generator, None, None)[0] if _is_sr_model(generator) else generator
    channels = image_model_channels(generator)[0]
    fixed = _fixed_size(generator)
    height, width = (f or p for f, p in zip(fixed, _PROBE))
    output = _predict(generator, np.zeros((1, height, width, channels), np.float32))
    out_h, out_w = output.shape[1:3]
    if out_h % height or out_w % width or out_h // height != out_w // width or out_h < height:
        raise ValueError(f"cannot infer the scale: a {height}x{width} input gives a "
                         f"{out_h}x{out_w} output, not the same whole multiple of both sides.")
    return out_h // height


# -------------------------------------------------------------------------- upscaling


def _positive_int(value, what, minimum=1):
    if not isinstance(value, numbers.Integral) or isinstance(value, (bool, np.bool_)) \
            or value < minimum:
        kind = "a positive" if minimum == 1 else "a non-negative"
        raise ValueError(f"{what} must be {kind} integer; received {value!r}.")
    return int(value)


def _check_image(image, channels):
    """`image` as uint8 `(H, W, channels)`; a greyscale `(H, W)` image is given one
    channel, or replicated to three for an RGB model."""
    array = np.asarray(image)
    if array.dtype != np.uint8:
        raise TypeError(
            f"image must be uint8 (0..255), as read from an image file; received {array.dtype} "
            "(convert floats in [0, 1] with np.clip(np.round(x * 255), 0, 255).astype('uint8')).")
    if array.ndim == 2:
        if channels not in (1, 3):
            raise ValueError(f"a greyscale (H, W) image cannot feed a {channels}-channel "
                             "model; pass (H, W, C) images.")
        array = np.repeat(array[:, :, None], channels, axis=2)
    if array.ndim != 3:
        raise ValueError(f"image must be one image (height, width, channels) or a greyscale "
                         f"(height, width); received shape {array.shape}"
                         f"{' (upscale a batch image by image)' if array.ndim == 4 else ''}.")
    if array.shape[2] != channels:
        hint = (" (drop the alpha channel: image[..., :3])" if array.shape[2] == 4
                and channels == 3 else "")
        raise ValueError(f"the model takes {channels}-channel images; received "
                         f"{array.shape[2]} channels (shape {array.shape}){hint}.")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"image is empty (shape {array.shape}).")
    return array


def _spans(length, tile, overlap):
    """`[(window_start, window_end, centre_start, centre_end)]` along one axis: windows of
    `tile` pixels (or the whole axis), each centre `tile - 2 * overlap` wide with at
    least `overlap` pixels of context on each side that is not the image's border."""
    if tile is None or length <= tile:
        return [(0, length, 0, length)]
    step = tile - 2 * overlap
    spans = []
    for start in range(0, length, step):
        end = min(start + step, length)
        window = min(max(start - overlap, 0), length - tile)
        spans.append((window, window + tile, start, end))
    return spans


def upscale(generator, image, *, input_range=None, output_range=None, tile=None, overlap=16,
            batch_size=1, scale=None):
    """Super-resolves one uint8 image with `generator`.

    Args:
        generator: a fully convolutional Keras model `(None, None, None, C) ->
            (None, None, None, C)` (e.g. `networks.srresnet`), or a keras_gan SR model
            (its `generator`, `lr_range`, `hr_range` and `scale` are used).
        image: uint8 `(H, W, C)`, C the generator's input channels; a greyscale
            `(H, W)` image feeds a 1-channel model, or an RGB model replicated to RGB
            (the result then has the model's output channels).
        input_range: `(low, high)` the generator's input is scaled to (default (0, 1));
            uint8 `x` becomes `low + x / 255 * (high - low)`.
        output_range: `(low, high)` of the generator's output (default (-1, 1), SRGAN's
            tanh; (0, 1) for ESRGAN), mapped to 0..255.
        tile: side in LR pixels of the windows the image is processed in (None: the
            whole image in one call). Bounds the memory; see the module docstring.
        overlap: LR pixels of context on each side of a window's kept centre; `tile`
            must exceed `2 * overlap`.
        batch_size: windows per generator call.
        scale: the upscaling factor; measured with `infer_scale` when None.

    Returns:
        uint8 `(scale*H, scale*W, C_out)`; `(scale*H, scale*W)` for a greyscale `(H, W)`
        image upscaled by a 1-channel model.

    Raises:
        TypeError: `image` is not uint8.
        ValueError: a wrong shape or channel count, `tile <= 2 * overlap`, or a
            generator whose output is not `scale` times its input.
    """
    generator, (low, high), (out_low, out_high), model_scale = _resolve(
        generator, input_range, output_range)
    in_channels, out_channels = image_model_channels(generator)
    squeeze = np.ndim(image) == 2 and in_channels == 1 and out_channels == 1
    image = _check_image(image, in_channels)
    overlap = _positive_int(overlap, "overlap", minimum=0)
    batch_size = _positive_int(batch_size, "batch_size")
    if tile is not None:
        tile = _positive_int(tile, "tile")
        if tile <= 2 * overlap:
            raise ValueError(f"tile ({tile}) must be larger than 2 * overlap ({2 * overlap}): "
                             f"each {tile}x{tile} window keeps its centre, tile - 2 * overlap "
                             "pixels wide.")
    height, width = image.shape[:2]
    fixed = _fixed_size(generator)
    if any(f is not None for f in fixed):
        if (height, width) != tuple(f or s for f, s in zip(fixed, (height, width))) or (
                tile is not None and tile < max(height, width)):
            raise ValueError(f"the generator takes inputs of {fixed[0]}x{fixed[1]} pixels only; "
                             f"received a {height}x{width} image{' in tiles' if tile else ''} "
                             "(build it with input (None, None, C) to upscale any size).")
    scale = scale if scale is not None else model_scale
    scale = infer_scale(generator) if scale is None else _positive_int(scale, "scale")

    x = image.astype(np.float32) / np.float32(255.0) * np.float32(high - low) + np.float32(low)
    factor = np.float32(255.0 / (out_high - out_low))
    result = np.empty((scale * height, scale * width, out_channels), np.uint8)
    windows = [(r, c) for r in _spans(height, tile, overlap) for c in _spans(width, tile, overlap)]
    for first in range(0, len(windows), batch_size):
        group = windows[first:first + batch_size]
        batch = np.stack([x[r[0]:r[1], c[0]:c[1]] for r, c in group])
        output = _predict(generator, batch)
        expected = (len(group), scale * batch.shape[1], scale * batch.shape[2], out_channels)
        if output.shape != expected:
            raise ValueError(f"the generator turned a {batch.shape[1]}x{batch.shape[2]} input "
                             f"into {output.shape[1:]} (batch {output.shape[0]}), not a x{scale} "
                             f"image of shape {expected[1:]}.")
        pixels = np.clip(np.round((output - np.float32(out_low)) * factor), 0, 255)
        pixels = pixels.astype(np.uint8)
        for (rows, cols), tile_pixels in zip(group, pixels):
            top, left = (rows[2] - rows[0]) * scale, (cols[2] - cols[0]) * scale
            h, w = (rows[3] - rows[2]) * scale, (cols[3] - cols[2]) * scale
            result[rows[2] * scale:rows[3] * scale, cols[2] * scale:cols[3] * scale] = \
                tile_pixels[top:top + h, left:left + w]
    return result[:, :, 0] if squeeze else result


# ------------------------------------------------------------------------- evaluation


def read_hr_image(path):
    """One test image as uint8 RGB `(H, W, 3)` at its own size, decoded as the datasets
    decode files (EXIF rotation, 16-bit and transparency handling), and whether the file
    is greyscale (one channel, e.g. mode L; a palette image whose colours are all grey).

    Returns:
        `(image, grey)`.
    """
    from PIL import Image

    from keras_gan.datasets.sr import _read_full_size

    with Image.open(path) as file:
        mode = file.mode
    image = _read_full_size(path)
    grey = mode in _GREY_MODES or mode.startswith("I;16") or (
        mode in ("P", "PA") and bool((image[..., 0] == image[..., 1]).all()
                                     and (image[..., 1] == image[..., 2]).all()))
    return image, grey


def _grey_level(images):
    """`(H, W, 1)`: the first channel when all are equal, else the BT.601 luma."""
    images = np.asarray(images)
    if images.shape[-1] == 1 or all(np.array_equal(images[..., 0], images[..., k])
                                    for k in range(1, images.shape[-1])):
        return images[..., :1]
    return (images.astype(np.float64) @ _LUMA)[..., None]


def protocol_scores(hr, sr, scale, grey=False, with_ssim=True):
    """PSNR and SSIM of a super-resolved image as the SR papers read them: on Y (BT.601)
    with `scale` pixels shaved from each border, on the grey level for a greyscale
    image (`grey`, or a 1-channel pair).

    Args:
        hr: the reference, uint8 `(H, W, 3)` (HR cropped to a multiple of `scale`) or
            `(H, W, 1)`.
        sr: the image to score, same shape, 0..255.
        scale: the SR factor, the border shaved.
        grey: compare `hr[..., :1]` with the grey level of `sr` instead of Y.
        with_ssim: also compute SSIM (else `None`).

    Returns:
        `{"psnr": dB, "ssim": value or None}` as Python floats.
    """
    from keras_gan.metrics import psnr, ssim

    hr, sr = np.asarray(hr), np.asarray(sr)
    if hr.shape != sr.shape or hr.ndim != 3:
        raise ValueError(f"hr and sr must be images of the same shape (H, W, C); received "
                         f"{hr.shape} and {sr.shape}.")
    y_channel = hr.shape[-1] == 3 and not grey
    if not y_channel:
        hr, sr = hr[..., :1], _grey_level(sr)
    kwargs = dict(max_val=255, crop_border=int(scale), y_channel=y_channel)
    return {"psnr": float(psnr(hr, sr, **kwargs)),
            "ssim": float(ssim(hr, sr, **kwargs)) if with_ssim else None}


def evaluate_image(upscaler, image, scale, *, grey=False, boundary="symmetric",
                   with_ssim=True):
    """One image of the SR protocol: HR cropped to a multiple of `scale`, LR by
    `bicubic_downscale`, SR = `upscaler(LR)`, scored by `protocol_scores`.

    Args:
        upscaler: a function uint8 LR `(h, w, C)` -> uint8 SR `(scale*h, scale*w, C)`,
            e.g. `lambda lr: upscale(generator, lr)` or the bicubic baseline
            `lambda lr: imresize(lr, scale)`.
        image: the HR image, uint8 `(H, W, 3)` (or `(H, W, 1)`).
        scale: the integer SR factor.
        grey: the file is greyscale (scored on its grey level).
        boundary: of the bicubic downscaling (`imresize`).
        with_ssim: also compute SSIM.

    Returns:
        `{"psnr", "ssim", "hr": (H, W) cropped, "lr": (h, w)}`.
    """
    from keras_gan.datasets import bicubic_downscale

    hr, lr = bicubic_downscale(image, scale, boundary=boundary)
    sr = np.asarray(upscaler(lr))
    if sr.shape != hr.shape:
        raise ValueError(f"the upscaler turned LR {lr.shape} into {sr.shape}; expected the "
                         f"HR shape {hr.shape} (x{scale}).")
    scores = protocol_scores(hr, sr, scale, grey=grey, with_ssim=with_ssim)
    return dict(scores, hr=tuple(hr.shape[:2]), lr=tuple(lr.shape[:2]))


def _folder_images(path):
    """`[(name, path)]`: the candidate image files under `path` (any depth, sorted), the
    name being the path relative to `path` without its extension."""
    from keras_gan.datasets.sr import image_files

    path = os.fspath(path)
    paths = image_files(path)
    return [(os.path.splitext(os.path.relpath(p, path))[0], p) for p in paths]


def _array_images(images):
    if isinstance(images, dict):
        items = list(images.items())
    else:
        if isinstance(images, np.ndarray) and images.ndim != 4:
            images = [images]
        items = [(f"image_{i:03d}", image) for i, image in enumerate(images)]
    if not items:
        raise ValueError("hr_images is empty.")
    result = []
    for name, image in items:
        array = np.asarray(image)
        if array.dtype != np.uint8 or not (array.ndim == 2 or (array.ndim == 3
                                                               and array.shape[-1] in (1, 3))):
            raise ValueError(f"HR image {name!r} must be uint8 (H, W, 3), (H, W, 1) or (H, W); "
                             f"received {array.dtype} of shape {array.shape}.")
        grey = array.ndim == 2 or array.shape[-1] == 1
        if grey:
            array = np.repeat(array.reshape(array.shape[0], array.shape[1], 1), 3, axis=2)
        result.append((name, array, grey))
    return result


def evaluate_sr(generator, hr_images_or_dir, *, scale=None, input_range=None, output_range=None,
                tile=None, overlap=16, with_ssim=True):
    """Scores a super-resolution generator with the papers' protocol (module docstring):
    PSNR-Y and SSIM-Y, `scale` pixels shaved, per image and their means.

    Args:
        generator: a Keras SR generator or a keras_gan SR model (`resolve_sr_model`).
        hr_images_or_dir: a folder of HR images (any depth; Set5, Set14, BSD100...),
            or uint8 HR images: a list or `(N, H, W, 3)` array, or a dict name ->
            image; `(H, W)` / `(H, W, 1)` images count as greyscale.
        scale: the SR factor (default: the model's, else measured with `infer_scale`).
        input_range, output_range: of a bare generator (see `upscale`).
        tile, overlap: passed to `upscale` (bounded memory for large test images).
        with_ssim: also compute SSIM.

    Returns:
        `{"images": [{"name", "psnr", "ssim", "grey", "hr": (H, W), "lr": (h, w)}, ...],
        "psnr": mean, "ssim": mean (None without SSIM), "scale": scale,
        "skipped": [unreadable files, relative to the folder]}`, images in sorted file order.

    Raises:
        FileNotFoundError / NotADirectoryError: the folder does not exist / is a file.
        ValueError: no image files, none readable, or an image too small for the
            protocol. Unreadable files among readable ones are skipped with one warning
            that counts them (as `keras_gan.datasets.sr_pairs` does).
    """
    generator, in_range, out_range, model_scale = _resolve(generator, input_range, output_range)
    in_channels, out_channels = image_model_channels(generator)
    if in_channels not in (1, 3) or out_channels != in_channels:
        raise ValueError("evaluate_sr scores RGB (or greyscale) generators: 3 -> 3 or 1 -> 1 "
                         f"channels; this one maps {in_channels} to {out_channels}.")
    measured = infer_scale(generator)
    scale = model_scale if scale is None else scale
    if scale is not None and _positive_int(scale, "scale") != measured:
        raise ValueError(f"scale {scale} does not match the generator, which upscales "
                         f"x{measured}.")
    scale = measured

    def upscaler(lr):
        return upscale(generator, lr, input_range=in_range, output_range=out_range, tile=tile,
                       overlap=overlap, scale=scale)

    if isinstance(hr_images_or_dir, (str, os.PathLike)):
        folder = os.fspath(hr_images_or_dir)
        sources = [(name, path, None) for name, path in _folder_images(folder)]
    else:
        folder = None
        sources = [(name, None, (array, grey))
                   for name, array, grey in _array_images(hr_images_or_dir)]
    # psnr / ssim need pixels left after shaving `scale` from each border (11 for the
    # SSIM window)
    smallest = 2 * scale + (11 if with_ssim else 1)
    rows, skipped = [], []
    for name, path, loaded in sources:
        if loaded is None:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # pillow's per-file notes
                    loaded = read_hr_image(path)
            except Exception:  # noqa: BLE001 - any failure to decode means skip the file
                skipped.append(os.path.relpath(path, folder))
                continue
        image, grey = loaded
        if min(image.shape[0] - image.shape[0] % scale,
               image.shape[1] - image.shape[1] % scale) < smallest:
            raise ValueError(f"HR image {name!r} ({image.shape[0]}x{image.shape[1]}) is too "
                             f"small for the x{scale} protocol: it needs at least "
                             f"{smallest}x{smallest} pixels after cropping to a multiple of "
                             f"{scale}.")
        if in_channels == 1:
            image = np.clip(np.round(_grey_level(image)), 0, 255).astype(np.uint8)
        scores = evaluate_image(upscaler, image, scale, grey=grey, with_ssim=with_ssim)
        rows.append(dict(name=name, psnr=scores["psnr"], ssim=scores["ssim"], grey=bool(grey),
                         hr=scores["hr"], lr=scores["lr"]))
    if not rows:
        raise ValueError(f"None of the {len(sources)} image files in {folder} is readable.")
    if skipped:
        names = ", ".join(skipped[:5])
        more = f", and {len(skipped) - 5} more" if len(skipped) > 5 else ""
        warnings.warn(f"Skipped {len(skipped)} of {len(sources)} files that are not readable "
                      f"images: {names}{more}.", stacklevel=2)
    return {"images": rows,
            "psnr": float(np.mean([r["psnr"] for r in rows])),
            "ssim": float(np.mean([r["ssim"] for r in rows])) if with_ssim else None,
            "scale": scale,
            "skipped": skipped}


def _finite(value):
    value = float(value)
    return value if np.isfinite(value) else None


def _summary(rows):
    """Mean and per-image PSNR / SSIM, floats (None for NaN / infinity: JSON)."""
    return {"psnr": _finite(sum(r["psnr"] for r in rows) / len(rows)),
            "ssim": _finite(sum(r["ssim"] for r in rows) / len(rows)),
            "per_image": [{"name": r["name"], "psnr": _finite(r["psnr"]),
                           "ssim": _finite(r["ssim"])} for r in rows]}


def compare_sr(models, folder, scale, *, tile=None, verbose=True):
    """Scores bicubic upscaling and each super-resolution model on a folder of HR test
    images with the papers' protocol (module docstring; `evaluate_image` /
    `evaluate_sr`), the comparison table of Ledig et al. 2017 and Wang et al. 2018.

    Args:
        models: dict name -> SR model (`resolve_sr_model`), in the table's order.
        folder: HR test images, any depth (Set5, Set14, BSD100...).
        scale: the SR factor, also of the bicubic row (MATLAB-style `imresize`).
        tile: passed to `evaluate_sr` (LR windows of this side; None: whole images).
        verbose: print the table (PSNR-Y dB / SSIM-Y per row).

    Returns:
        `{"bicubic": scores, name: scores, ...}`, each `{"psnr", "ssim", "per_image":
        [{"name", "psnr", "ssim"}]}` with floats (None for NaN / infinity).
    """
    from keras_gan.datasets import imresize
    from keras_gan.datasets.sr import image_files

    rows = []
    for path in image_files(folder):
        try:
            image, grey = read_hr_image(path)
        except Exception:  # noqa: BLE001 - unreadable files are skipped, as evaluate_sr does
            continue
        scores = evaluate_image(lambda lr: imresize(lr, scale), image, scale, grey=grey)
        rows.append(dict(name=os.path.splitext(os.path.relpath(path, folder))[0],
                         psnr=scores["psnr"], ssim=scores["ssim"]))
    results = {"bicubic": _summary(rows)}
    for name, model in models.items():
        results[name] = _summary(evaluate_sr(model, folder, tile=tile)["images"])
    if verbose:
        print(f"x{scale} on {len(rows)} images of {folder} (PSNR-Y dB / SSIM-Y, the papers' "
              "protocol):")
        for name, scores in results.items():
            print(f"  {name:<12} {scores['psnr']:7.3f}  {scores['ssim']:.4f}")
    return results
