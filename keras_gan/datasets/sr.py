"""Super-resolution training pairs: random aligned HR patches and their bicubic LR.

The training data of SRGAN (Ledig et al. 2017, "Photo-Realistic Single Image
Super-Resolution Using a Generative Adversarial Network") is random 96 x 96
high-resolution (HR) crops, each paired with the low-resolution (LR) image made by
bicubic downscaling x4; LR is scaled to [0, 1] and HR to [-1, 1] (section 3.2), the
ranges of `networks.srresnet_generator`. ESRGAN (Wang et al. 2018, "ESRGAN: Enhanced
Super-Resolution Generative Adversarial Networks") crops 128 x 128 HR patches of DIV2K
and augments them with random horizontal flips and 90-degree rotations; it keeps both
images in [0, 1] (`sr_pairs(..., patch_size=128, hr_range=(0, 1))`).

`sr_pairs` builds that pipeline with `tf.data` (it runs under every Keras backend). By
default (`lr_from="image"`) it crops aligned pairs from a whole-image LR, as the
papers' reference code does (BasicSR's `paired_random_crop`, which ESRGAN trains with
on DIV2K's bicubic LR files; SRGAN's data preparation):

1. each HR image is cropped to a multiple of `scale` from its top-left corner
   (MATLAB's `modcrop`), and its LR is the MATLAB-bicubic `1 / scale` downscale of
   the *whole* image, `keras_gan.datasets.bicubic_downscale(hr, scale, boundary)`
   (`imresize`: bicubic, antialiased, boundary at the image's own edges). As MATLAB
   does on uint8 images, it is rounded (half away from zero) and saturated to
   0..255 after each axis (rows first), so the LR pixels are exactly the uint8
   values of `imresize`; `round_lr=False` keeps instead the unrounded result of the
   same resize of the image as float64, clipped to 0..255 (kept as float32);
2. a random LR window of `patch_size // scale` at `(i, j)`, uniform over the windows
   that fit, and the aligned HR window of `patch_size` at `(scale * i, scale * j)`
   (HR patches thus start at multiples of `scale`); images smaller than the patch
   are skipped;
3. with `augment`, one of the 8 symmetries of the square, uniformly: a transpose, a
   vertical flip and a horizontal flip, each with probability 1/2 (the `augment` of
   BasicSR, the ESRGAN code), the same one applied to both patches;
4. both scaled from 0..255 to float32 `lr_range` and `hr_range`.

Every LR pixel thus sees the image's true neighbours, and the LR patch is exactly
the window of the LR a test set would hold for that image. Where the LR is computed:

* in-memory images (a folder, a list or array of them): once per image, in parallel
  threads, when `sr_pairs` is called, and kept in memory next to the HR;
* a `tf.data.Dataset` whose elements are dicts holding an `"lr"` image next to the
  HR (`tensorflow_datasets.load("div2k/bicubic_x4")`: DIV2K's released LR, also made
  by MATLAB's `imresize`): not computed, the dataset's LR is used as it is;
* a `tf.data.Dataset` of HR images only (`div2k()`): once per image read, by
  `bicubic_downscale` called through `tf.numpy_function` in the parallel map of the
  stream. That reuses the one implementation of MATLAB's resize, so a stream gives
  the same pairs as the same images in memory; a TF port would have to build the
  weight matrices of every image size inside the graph for no gain in exactness. It
  costs 0.25 to 0.6 s of CPU for a 2K DIV2K image (dense float64 weight-matrix
  products; more when the BLAS threads compete with other work), paid once per
  image read and shared by its `patches_per_image` pairs: 16 or more for DIV2K keep
  it small next to the training step (the first batch waits for the shuffle buffer,
  `shuffle_buffer / patches_per_image` images read and downscaled).

`lr_from="crop"` keeps the pipeline of earlier versions: a random `patch_size` HR
crop at any position (not only multiples of `scale`), the symmetry applied to it,
then LR = `imresize(hr_crop, 1 / scale)` of the crop alone. The crop has a fixed
size, so each axis is one fixed `(patch / scale, patch)` matrix, the cached weight
matrix of `resize.py`, applied with `tf.einsum` in float64 to whole batches (rounded
after each axis as above, or with `round_lr=False` only clipped at the end). It is
cheaper for streams of large images, but the LR patch's outer two pixels (the
kernel's half-width, `2 * scale` HR pixels) see the crop's mirrored border instead
of the image's true neighbours; a dataset's `"lr"` images are then ignored.
"""

import concurrent.futures
import numbers
import os
import warnings

import numpy as np

from keras_gan.datasets import images as _images
from keras_gan.datasets.resize import BOUNDARIES, _weight_matrix, bicubic_downscale

__all__ = ["div2k", "sr_pairs"]

DIV2K_URL = "https://data.vision.ee.ethz.ch/cvl/DIV2K/"
# The folders of DIV2K's original zips (DIV2K_train_HR.zip, DIV2K_valid_HR.zip), by
# the split names of tensorflow_datasets' `div2k`.
_DIV2K_FOLDERS = {"train": "DIV2K_train_HR", "validation": "DIV2K_valid_HR"}
_DEFAULT_SHUFFLE_BUFFER = 1024  # patches, on the streaming path


def _positive_int(value, what):
    if not isinstance(value, numbers.Integral) or isinstance(value, (bool, np.bool_)) \
            or value < 1:
        raise ValueError(f"{what} must be a positive integer; received {value!r}.")
    return int(value)


def _value_range(value, what):
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a pair (low, high); received {value!r}.") from None
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"{what} must be finite with low < high; received {value!r}.")
    return low, high


# ----------------------------------------------------------------------------------
# Sources of HR images


def _read_full_size(path):
    """One image file as uint8 RGB `(height, width, 3)` at its own size, decoded as
    `image_folder` decodes (EXIF rotation, 16-bit and transparency handling): its
    decoder is asked for the image's own size, which pillow returns unresized."""
    from PIL import Image

    with Image.open(path) as image:
        width, height = image.size
        if image.getexif().get(0x0112) in (5, 6, 7, 8):  # EXIF orientations that turn
            width, height = height, width
    return _images._decode_image(path, (height, width), "resize", 3)


def image_files(path):
    """The candidate image files under the folder `path` (any depth, sorted); raises
    FileNotFoundError / NotADirectoryError / ValueError for a missing folder, a file, or
    a folder without image files."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"Image folder {path} does not exist.")
    if not os.path.isdir(path):
        raise NotADirectoryError(f"{path} is not a folder.")
    paths = _images._list_images(path, labels=False)[0]
    if not paths:
        raise ValueError(f"{path} holds no images (looked for "
                         f"{', '.join(_images.IMAGE_EXTENSIONS)} at any depth).")
    return paths


def _folder_arrays(path):
    """`(arrays, paths, notes)`: the readable images under `path` at full size."""
    paths = image_files(path)

    def read(file):
        try:
            return _read_full_size(file)
        except Exception:  # noqa: BLE001 - any failure to decode means skip the file
            return None

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pillow's per-file notes; we report once below
        with concurrent.futures.ThreadPoolExecutor(_images._workers()) as pool:
            decoded = list(pool.map(read, paths))
    notes = []
    bad = [p for p, image in zip(paths, decoded) if image is None]
    if bad:
        names = ", ".join(os.path.relpath(p, path) for p in bad[:5])
        more = f", and {len(bad) - 5} more" if len(bad) > 5 else ""
        notes.append(f"Skipped {len(bad)} of {len(paths)} files that are not readable "
                     f"images: {names}{more}.")
    keep = [i for i, image in enumerate(decoded) if image is not None]
    if not keep:
        raise ValueError(f"None of the {len(paths)} image files in {path} is readable.")
    return [decoded[i] for i in keep], [paths[i] for i in keep], notes


def _check_arrays(images):
    """A list of uint8 `(H, W, 3)` arrays from a list of them or an `(N, H, W, 3)` array."""
    if isinstance(images, np.ndarray):
        images = list(images) if images.ndim == 4 else [images]
    arrays = []
    for i, image in enumerate(images):
        array = np.asarray(image)
        if array.dtype != np.uint8 or array.ndim != 3 or array.shape[-1] != 3:
            raise ValueError(
                f"hr_images[{i}] must be a uint8 RGB array (height, width, 3); received "
                f"{array.dtype} of shape {array.shape} (scale 0..255 images with "
                f"np.clip(np.round(x), 0, 255).astype('uint8')).")
        arrays.append(array)
    if not arrays:
        raise ValueError("hr_images is empty.")
    return arrays


def _image_of(tf, element):
    """The HR image of a dataset element: the element, or its `"hr"` / `"image"`."""
    if isinstance(element, dict):
        for key in ("hr", "image"):
            if key in element:
                return element[key]
        raise ValueError(f"Dataset elements are dicts without an 'hr' or 'image' key "
                         f"(keys: {sorted(element)}).")
    return element


def _image_spec_ok(tf, spec):
    return (isinstance(spec, tf.TensorSpec) and spec.dtype == tf.uint8
            and spec.shape.rank in (None, 3)
            and not (spec.shape.rank == 3 and spec.shape[-1] not in (None, 1, 3)))


def _check_stream(tf, dataset, use_lr):
    """`(images, has_lr)`: the dataset mapped to RGB uint8 HR images, or to `(hr, lr)`
    pairs of them when `use_lr` and its elements are dicts with an `"lr"` image."""
    spec = dataset.element_spec
    hr_spec = _image_of(tf, spec)
    if not _image_spec_ok(tf, hr_spec):
        raise ValueError(f"A dataset of HR images must yield single uint8 images "
                         f"(height, width, 3) (or dicts with an 'hr' or 'image' key "
                         f"holding them, as tensorflow_datasets does); its elements are "
                         f"{dataset.element_spec}.")
    has_lr = use_lr and isinstance(spec, dict) and "lr" in spec
    if has_lr and not _image_spec_ok(tf, spec["lr"]):
        raise ValueError(f"The 'lr' images of a dataset must be uint8 (height, width, 3), "
                         f"like its HR images (or pass lr_from='crop' to ignore them); its "
                         f"elements are {dataset.element_spec}.")

    def rgb(image, image_spec):
        if image_spec.shape.rank == 3 and image_spec.shape[-1] == 1:
            image = tf.image.grayscale_to_rgb(image)
        return tf.ensure_shape(image, (None, None, 3))

    def select(element):
        hr = rgb(_image_of(tf, element), hr_spec)
        return (hr, rgb(element["lr"], spec["lr"])) if has_lr else hr

    return dataset.map(select, num_parallel_calls=tf.data.AUTOTUNE), has_lr


def _provided_lr(tf, hr, lr, scale):
    """A dataset's own `(hr, lr)` made aligned: HR mod-cropped to a multiple of `scale`,
    LR cut to HR / `scale` (an LR of `ceil(size / scale)`, from an image that was not
    mod-cropped, loses its last, partial row / column); any other LR size is an error."""
    hr_shape, lr_shape = tf.shape(hr)[:2], tf.shape(lr)[:2]
    low = hr_shape // scale
    high = (hr_shape + scale - 1) // scale
    check = tf.debugging.Assert(
        tf.reduce_all((lr_shape == low) | (lr_shape == high)),
        ["sr_pairs: the dataset's 'lr' image has (height, width)", lr_shape,
         "but its HR image", hr_shape, f"needs HR / scale (scale={scale}); is the "
         f"dataset's LR of another scale? (lr_from='crop' ignores it)"])
    with tf.control_dependencies([check]):
        hr = tf.identity(hr[:low[0] * scale, :low[1] * scale])
        return hr, lr[:low[0], :low[1]]


def _whole_image_lr(hr, scale, boundary, round_lr):
    """`(hr_cropped, lr)` in numpy: HR mod-cropped, and `bicubic_downscale` of it: uint8
    as MATLAB gives it, or with `round_lr=False` the unrounded result of the same resize
    of float64 input, clipped to 0..255, as float32."""
    if round_lr:
        return bicubic_downscale(hr, scale, boundary)
    hr_cropped, lr = bicubic_downscale(hr.astype(np.float64), scale, boundary)
    return hr_cropped.astype(np.uint8), np.clip(lr, 0.0, 255.0).astype(np.float32)


def _stream_lr(tf, hr, scale, boundary, round_lr):
    """`_whole_image_lr` of one HR image tensor, through `tf.numpy_function`."""
    hr, lr = tf.numpy_function(lambda image: _whole_image_lr(image, scale, boundary, round_lr),
                               [hr], (tf.uint8, tf.uint8 if round_lr else tf.float32),
                               stateful=False)
    return tf.ensure_shape(hr, (None, None, 3)), tf.ensure_shape(lr, (None, None, 3))


# ----------------------------------------------------------------------------------
# The pipeline


def _flips(tf, seed, j):
    """The 3 coin flips (transpose, vertical, horizontal) of patch `j`, from `seed`."""
    return tf.random.stateless_uniform(
        [3], seed=tf.stack([seed, tf.constant(4 * j + 2, tf.int64)])) < 0.5


def _symmetry(tf, patch, flips):
    """One patch with the symmetry of the square that `flips` selects."""
    patch = tf.cond(flips[0], lambda: tf.transpose(patch, (1, 0, 2)), lambda: patch)
    patch = tf.cond(flips[1], lambda: tf.reverse(patch, [0]), lambda: patch)
    return tf.cond(flips[2], lambda: tf.reverse(patch, [1]), lambda: patch)


def _draw(tf, seed, j, k, maxval):
    """A uniform int64 in `[0, maxval)`, the `k`-th draw of patch `j`, from `seed`."""
    return tf.random.stateless_uniform(
        [], seed=tf.stack([seed, tf.constant(4 * j + k, tf.int64)]), minval=0,
        maxval=maxval, dtype=tf.int64)


def _random_patches(tf, image, seed, patch_size, count, augment):
    """`lr_from="crop"`: `count` random `patch_size` windows of `image`, at any
    position, each with a random symmetry of the square when `augment`:
    `(count, p, p, 3)` uint8. Stateless, from `seed` (a scalar int64), so a seeded
    pipeline gives the same patches every time."""
    shape = tf.shape(image, out_type=tf.int64)
    patches = []
    for j in range(count):
        top = _draw(tf, seed, j, 0, shape[0] - patch_size + 1)
        left = _draw(tf, seed, j, 1, shape[1] - patch_size + 1)
        patch = image[top:top + patch_size, left:left + patch_size]
        if augment:
            patch = _symmetry(tf, patch, _flips(tf, seed, j))
        patches.append(patch)
    return tf.ensure_shape(tf.stack(patches), (count, patch_size, patch_size, 3))


def _random_pairs(tf, hr, lr, seed, scale, patch_size, count, augment):
    """`lr_from="image"`: `count` aligned pairs of windows, LR `patch_size // scale` at
    a random `(i, j)` of `lr`, HR `patch_size` at `(scale * i, scale * j)` of `hr`
    (mod-cropped, `lr`'s size times `scale`), each pair with the same random symmetry
    of the square when `augment`: `(count, p / scale, p / scale, 3)` in `lr`'s dtype
    and `(count, p, p, 3)` uint8. Stateless, from `seed`, as `_random_patches`."""
    size = patch_size // scale
    shape = tf.shape(lr, out_type=tf.int64)
    lr_patches, hr_patches = [], []
    for j in range(count):
        top = _draw(tf, seed, j, 0, shape[0] - size + 1)
        left = _draw(tf, seed, j, 1, shape[1] - size + 1)
        lr_patch = lr[top:top + size, left:left + size]
        hr_patch = hr[scale * top:scale * top + patch_size,
                      scale * left:scale * left + patch_size]
        if augment:
            flips = _flips(tf, seed, j)
            lr_patch, hr_patch = _symmetry(tf, lr_patch, flips), _symmetry(tf, hr_patch, flips)
        lr_patches.append(lr_patch)
        hr_patches.append(hr_patch)
    return (tf.ensure_shape(tf.stack(lr_patches), (count, size, size, 3)),
            tf.ensure_shape(tf.stack(hr_patches), (count, patch_size, patch_size, 3)))


def _round_saturate(tf, x):
    """MATLAB's conversion to uint8: round half away from zero, saturate to 0..255."""
    return tf.clip_by_value(tf.sign(x) * tf.floor(tf.abs(x) + 0.5), 0.0, 255.0)


def _downscale(tf, hr, matrix, round_lr):
    """`imresize(hr, 1 / scale)` of square uint8 patches `(..., p, p, 3)` as float64
    0..255: the rows, then the columns, each one product with the `(p / scale, p)`
    weight matrix, rounded after each pass when `round_lr` (MATLAB on uint8)."""
    weights = tf.constant(matrix, tf.float64)
    x = tf.cast(hr, tf.float64)
    x = tf.einsum("ij,...jkc->...ikc", weights, x)
    if round_lr:
        x = _round_saturate(tf, x)
    x = tf.einsum("kl,...ilc->...ikc", weights, x)
    return _round_saturate(tf, x) if round_lr else tf.clip_by_value(x, 0.0, 255.0)


def _scaled(tf, x, value_range):
    """0..255 (any dtype) to float32 `value_range`."""
    low, high = value_range
    return tf.cast(low + (high - low) * (tf.cast(x, tf.float64) / 255.0), tf.float32)


_LR_CHUNK_BYTES = 8 * 2 ** 20  # uint8 HR per `bicubic_downscale` call (x8 in float64)


def _memory_lr(arrays, scale, boundary, round_lr):
    """`(hr_arrays, lr_arrays)`: each image mod-cropped and its `_whole_image_lr`.

    Images of one size are stacked and downscaled together, up to `_LR_CHUNK_BYTES`
    at a time (one large matrix product per axis takes a third of the time of as many
    small ones: BSD68's 68 images have two sizes), the chunks in parallel threads
    (numpy's products release the GIL). The results are those of one image at a time."""
    groups = {}
    for index, array in enumerate(arrays):
        groups.setdefault(array.shape, []).append(index)
    chunks = []
    for shape, indices in groups.items():
        step = max(1, _LR_CHUNK_BYTES // int(np.prod(shape)))
        chunks += [indices[k:k + step] for k in range(0, len(indices), step)]

    def downscale(chunk):
        stack = np.stack([arrays[i] for i in chunk])
        return _whole_image_lr(stack, scale, boundary, round_lr)

    with concurrent.futures.ThreadPoolExecutor(min(len(chunks), os.cpu_count() or 1)) as pool:
        results = list(pool.map(downscale, chunks))
    hr_arrays, lr_arrays = [None] * len(arrays), [None] * len(arrays)
    for chunk, (hr, lr) in zip(chunks, results):
        for k, index in enumerate(chunk):
            hr_arrays[index], lr_arrays[index] = hr[k], lr[k]
    return hr_arrays, lr_arrays


LR_FROM = ("image", "crop")


def sr_pairs(hr_images, scale=4, patch_size=96, augment=True, batch_size=16, seed=None,
             repeat=True, shuffle=True, lr_range=(0.0, 1.0), hr_range=(-1.0, 1.0),
             round_lr=True, patches_per_image=1, shuffle_buffer=None, drop_remainder=True,
             boundary="symmetric", lr_from="image"):
    """Batches of `(lr, hr)` super-resolution training pairs as a `tf.data.Dataset`.

    Random aligned pairs of patches: a `patch_size // scale` window of the LR image
    (the MATLAB-bicubic `1 / scale` downscale of the whole, mod-cropped HR image) and
    the `patch_size` window of HR above it, optionally flipped / rotated by multiples
    of 90 degrees together (see the module docstring), so that
    `model.fit(sr_pairs(...))` trains on `x=lr`, `y=hr`. The defaults are SRGAN's
    (Ledig et al. 2017: 96 x 96 HR, x4, LR in [0, 1], HR in [-1, 1]); ESRGAN's (Wang
    et al. 2018) are `patch_size=128, hr_range=(0, 1)`.

    Where the HR images (and their LR) come from:

    * a folder (str or path): every image file under it, at any depth (.jpg, .jpeg,
      .png, .webp, .bmp, as `image_folder` finds and decodes them: RGB, EXIF rotation
      applied). All are decoded once, in parallel, and kept in memory at full size
      (BSD68: 31 MB; DIV2K's 800 training images: about 6.6 GB, so pass
      `div2k(...)` instead, which streams). Files that are not readable images are
      skipped with one warning that counts them.
    * a list of uint8 `(H, W, 3)` arrays (sizes may differ), or one `(N, H, W, 3)`
      uint8 array; kept in memory.

      For both, with `lr_from="image"`, each image is mod-cropped and its LR computed
      once, in parallel threads, by `bicubic_downscale` when `sr_pairs` is called
      (BSD68's 68 images: one to two seconds on two cores) and kept in memory next
      to it (`1 / scale**2` of its size; 4 times that, as float32, with
      `round_lr=False`).
    * a `tf.data.Dataset` of uint8 `(H, W, 3)` images (or of dicts holding them
      under `"hr"` or `"image"`, as from `tensorflow_datasets`), e.g. `div2k()`;
      streamed: each image read gives `patches_per_image` pairs, shuffled in a
      buffer of `shuffle_buffer` pairs. When the dicts also hold an `"lr"` image
      (`tensorflow_datasets.load("div2k/bicubic_x4")` does), that LR is used as it
      is (`round_lr` and `boundary` do not apply), HR being mod-cropped; its size
      must be HR's divided by `scale` (rounded down, or up: a last partial row /
      column is dropped), else iterating raises `InvalidArgumentError`. Otherwise
      the LR of each image read is computed by `bicubic_downscale` (through
      `tf.numpy_function`, in tf.data's parallel map): 0.25 to 0.6 s of CPU for a
      2K DIV2K image, shared by its `patches_per_image` pairs (the first batch
      waits for `shuffle_buffer / patches_per_image` images); `lr_from="crop"`
      avoids that cost.

    Images smaller than the patch are skipped: in memory with one warning that counts
    them (an error when all are); a dataset's silently (a stream cannot be counted in
    advance; one of only small images gives an empty dataset).

    Args:
        hr_images: the HR images, as above.
        scale: the integer downscaling factor (4 in SRGAN and ESRGAN).
        patch_size: side of the square HR patch; a multiple of `scale`. The LR side
            is `patch_size // scale`.
        augment: apply a uniformly random one of the 8 symmetries of the square
            (transpose, vertical and horizontal flip, each with probability 1/2) to
            the pair (with `lr_from="crop"`: to the HR crop, before downscaling).
        batch_size: pairs per batch, or None for unbatched pairs.
        seed: seed of the shuffling, the crop positions and the augmentation; a
            seeded pipeline yields the same batches each time it is built (None:
            different every run).
        repeat: repeat the images forever (then give `fit` a `steps_per_epoch`); with
            False one epoch is one pass, `patches_per_image` pairs from each image,
            with new positions each time the dataset is iterated again.
        shuffle: shuffle the images (in memory: a full reshuffle every epoch; a
            dataset: the pair buffer, on top of the dataset's own order).
        lr_range: `(low, high)` that LR pixel values 0..255 are mapped to.
        hr_range: `(low, high)` that HR pixel values 0..255 are mapped to.
        round_lr: round the LR to uint8 values after each resize pass, as MATLAB's
            `imresize` does on uint8 images (the SR protocol); False keeps the
            unrounded float result of the same resize (of the image as float64),
            clipped to 0..255, before scaling. Not applied to a dataset's own LR.
        patches_per_image: pairs taken from each image read. In memory it multiplies
            the epoch (all pairs are shuffled together); for a stream it amortises
            the decoding (and downscaling) of large images.
        shuffle_buffer: pairs in the shuffle buffer of a stream (default 1024, or
            `patches_per_image` if larger); unused for in-memory images.
        drop_remainder: drop the last, smaller batch (only reached without `repeat`).
        boundary: `"symmetric"` (current MATLAB) or `"replicate"`, as in `imresize`.
        lr_from: `"image"` (default): LR windows of the whole image's LR, as in the
            papers' reference code. `"crop"`: HR crops at any position (not only
            multiples of `scale`), each downscaled on its own, batched in TF (the
            pipeline of earlier versions); its outer two LR pixels see the
            crop's mirrored border; it is cheaper for streams of large images. A
            dataset's own `"lr"` images are ignored.

    Returns:
        A `tf.data.Dataset` of `(lr, hr)`: float32 `(batch, patch_size // scale,
        patch_size // scale, 3)` in `lr_range` and float32 `(batch, patch_size,
        patch_size, 3)` in `hr_range` (no batch axis when `batch_size` is None).
        Datasets made from a folder carry the extra attribute `file_paths` (the images
        used).

    Raises:
        ValueError: `patch_size` is not a multiple of `scale`, arguments are out of
            range, no image is readable, or every image is smaller than the patch.
        FileNotFoundError, NotADirectoryError: a folder that does not exist / a file.

    Example:
        >>> data = sr_pairs("DIV2K_train_HR", patch_size=96, batch_size=16, seed=0)
        >>> srgan.fit(data, steps_per_epoch=1000, epochs=100)
        >>> lr, hr = next(data.as_numpy_iterator())  # (16, 24, 24, 3), (16, 96, 96, 3)
    """
    scale = _positive_int(scale, "scale")
    patch_size = _positive_int(patch_size, "patch_size")
    if patch_size % scale:
        lower = max(scale, patch_size - patch_size % scale)
        raise ValueError(
            f"patch_size must be a multiple of scale so that the LR patch has whole pixels;"
            f" received patch_size={patch_size}, scale={scale} (use e.g. {lower} or "
            f"{lower + scale}).")
    if batch_size is not None:
        batch_size = _positive_int(batch_size, "batch_size")
    patches_per_image = _positive_int(patches_per_image, "patches_per_image")
    if shuffle_buffer is not None:
        shuffle_buffer = _positive_int(shuffle_buffer, "shuffle_buffer")
    lr_range, hr_range = _value_range(lr_range, "lr_range"), _value_range(hr_range, "hr_range")
    if boundary not in BOUNDARIES:
        raise ValueError(f"boundary must be one of {BOUNDARIES}; received {boundary!r}.")
    if lr_from not in LR_FROM:
        raise ValueError(f"lr_from must be one of {LR_FROM}; received {lr_from!r}.")
    whole = lr_from == "image"

    tf = _images._tf()
    file_paths = None
    if isinstance(hr_images, tf.data.Dataset):
        images, has_lr = _check_stream(tf, hr_images, whole)

        def large(image, *_):  # the mod-crop keeps a multiple of scale >= patch_size
            return tf.logical_and(tf.shape(image)[0] >= patch_size,
                                  tf.shape(image)[1] >= patch_size)

        images = images.filter(large)
        if has_lr:
            images = images.map(lambda hr, lr: _provided_lr(tf, hr, lr, scale),
                                num_parallel_calls=tf.data.AUTOTUNE)
        elif whole:
            images = images.map(lambda hr: _stream_lr(tf, hr, scale, boundary, round_lr),
                                num_parallel_calls=tf.data.AUTOTUNE)
        if repeat:  # after the filter: a stream of only small images then ends
            images = images.repeat()
        count, buffer = patches_per_image, max(shuffle_buffer or _DEFAULT_SHUFFLE_BUFFER,
                                               patches_per_image)
    else:
        if isinstance(hr_images, (str, os.PathLike)):
            arrays, file_paths, notes = _folder_arrays(hr_images)
        elif isinstance(hr_images, (list, tuple, np.ndarray)):
            arrays, notes = _check_arrays(hr_images), []
        else:
            raise TypeError(f"hr_images must be a folder, a list of uint8 (H, W, 3) arrays "
                            f"or a tf.data.Dataset of images; received "
                            f"{type(hr_images).__name__}.")
        large = [a.shape[0] >= patch_size and a.shape[1] >= patch_size for a in arrays]
        if not any(large):
            raise ValueError(f"All {len(arrays)} images are smaller than the "
                             f"{patch_size} x {patch_size} patch.")
        if not all(large):
            notes.append(f"Skipped {large.count(False)} of {len(arrays)} images smaller "
                         f"than the {patch_size} x {patch_size} patch.")
            if file_paths is not None:
                file_paths = [p for p, keep in zip(file_paths, large) if keep]
            arrays = [a for a, keep in zip(arrays, large) if keep]
        for note in notes:
            warnings.warn(note, stacklevel=2)
        lr_arrays = None
        if whole:
            arrays, lr_arrays = _memory_lr(arrays, scale, boundary, round_lr)
        images = _memory_images(tf, arrays, lr_arrays, patches_per_image, shuffle, seed,
                                repeat)
        count, buffer = 1, None

    randomness = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
    if whole:
        patches = tf.data.Dataset.zip((images, randomness)).map(
            lambda images, r: _random_pairs(tf, *images, r, scale, patch_size, count,
                                            augment),
            num_parallel_calls=tf.data.AUTOTUNE).unbatch()
    else:
        patches = tf.data.Dataset.zip((images, randomness)).map(
            lambda image, r: _random_patches(tf, image, r, patch_size, count, augment),
            num_parallel_calls=tf.data.AUTOTUNE).unbatch()
    if buffer is not None and shuffle:
        patches = patches.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    if batch_size is not None:
        patches = patches.batch(batch_size, drop_remainder=drop_remainder)

    if whole:
        def pair(lr, hr):
            return _scaled(tf, lr, lr_range), _scaled(tf, hr, hr_range)
    else:
        matrix = _weight_matrix(patch_size, patch_size // scale, 1.0 / scale, boundary)

        def pair(hr):
            lr = _downscale(tf, hr, matrix, round_lr)
            return _scaled(tf, lr, lr_range), _scaled(tf, hr, hr_range)

    dataset = patches.map(pair, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
    if file_paths is not None:
        dataset.file_paths = file_paths
    return dataset


def _memory_images(tf, arrays, lr_arrays, patches_per_image, shuffle, seed, repeat):
    """A dataset of the in-memory images (as uint8 `(H, W, 3)` tensors), or of
    `(hr, lr)` pairs of them when `lr_arrays` is given, each `patches_per_image`
    times per epoch, in a fresh shuffled order every epoch.

    The images are kept as one flat tensor with offsets (one for HR, one for LR), so
    that images of different sizes need neither padding nor a Python generator."""

    def flat(images):
        sizes = np.asarray([a.size for a in images], dtype=np.int64)
        offsets = tf.constant(np.concatenate([[0], np.cumsum(sizes)[:-1]]), tf.int64)
        heights = tf.constant([a.shape[0] for a in images], tf.int64)
        widths = tf.constant([a.shape[1] for a in images], tf.int64)
        values = tf.constant(np.concatenate([a.reshape(-1) for a in images]))

        def image(i):
            start, height, width = offsets[i], heights[i], widths[i]
            return tf.reshape(values[start:start + height * width * 3],
                              tf.stack([height, width, 3]))

        return image

    hr_image = flat(arrays)
    lr_image = None if lr_arrays is None else flat(lr_arrays)
    n = len(arrays)
    indices = tf.data.Dataset.range(n * patches_per_image).map(lambda i: i % n)
    if shuffle:
        indices = indices.shuffle(n * patches_per_image, seed=seed,
                                  reshuffle_each_iteration=True)
    if repeat:
        indices = indices.repeat()
    if lr_image is None:
        return indices.map(hr_image, num_parallel_calls=tf.data.AUTOTUNE)
    return indices.map(lambda i: (hr_image(i), lr_image(i)),
                       num_parallel_calls=tf.data.AUTOTUNE)


# ----------------------------------------------------------------------------------
# DIV2K


def div2k(split="train", data_dir=None, shuffle=True, seed=None, **tfds_kwargs):
    """The HR images of DIV2K (Agustsson and Timofte 2017; 800 training and 100
    validation 2K images), the training set of EDSR and ESRGAN, as a `tf.data.Dataset`
    of uint8 `(H, W, 3)` images of varying sizes, to pass to `sr_pairs`.

    When `data_dir` (or else the environment variable `KERAS_GAN_DATA`) holds the
    unzipped original folder (`DIV2K_train_HR/` for `"train"`, `DIV2K_valid_HR/` for
    `"validation"`, directly or in a `div2k/` sub-folder), its PNGs are read without
    network (damaged files are dropped with a log line). Otherwise the images come
    from `tensorflow_datasets.load("div2k/bicubic_x4", split=split,
    data_dir=data_dir)`, which downloads DIV2K (about 4 GB) on first use; only its
    `"hr"` images are kept, so that both paths yield the same images.

    `sr_pairs` computes the LR of each image read itself (`bicubic_downscale` of the
    whole image, 0.25 to 0.6 s of CPU per 2K image, shared by its `patches_per_image`
    pairs). To use DIV2K's released x4 LR images instead (made by
    MATLAB's `imresize` too), pass the TFDS dataset itself,
    `sr_pairs(tfds.load("div2k/bicubic_x4", split="train"), ...)`: its elements hold
    `"lr"` next to `"hr"`.

    Args:
        split: `"train"` or `"validation"`, optionally sliced as in TFDS
            (`"train[:100]"`); on the TFDS path any TFDS split string.
        data_dir: folder of the original files, or TFDS's data folder.
        shuffle: shuffle the file order (every epoch).
        seed: shuffling seed.
        **tfds_kwargs: further arguments of `tensorflow_datasets.load` (e.g.
            `download=False`), on the TFDS path only.

    Returns:
        An unbatched `tf.data.Dataset` of uint8 HR images.

    Raises:
        RuntimeError: DIV2K is neither in `data_dir` nor obtainable through
            `tensorflow_datasets` (no network, not prepared, TFDS not installed); the
            message says how to provide it offline.

    Example:
        >>> data = sr_pairs(div2k(), patch_size=128, hr_range=(0, 1), patches_per_image=16)
    """
    tf = _images._tf()
    data_dir = _images._data_dir(data_dir)
    folder = None
    if data_dir is not None and split.split("[")[0].strip() in _DIV2K_FOLDERS:
        name = _DIV2K_FOLDERS[split.split("[")[0].strip()]
        folder = _images._find([os.path.join(data_dir, name),
                                os.path.join(data_dir, "div2k", name)])
    if folder is not None:
        base, bounds = _images._split_slice(split, tuple(_DIV2K_FOLDERS))
        files = sorted(f for f in os.listdir(folder) if f.lower().endswith(".png"))
        index = _images._apply_slice(bounds, len(files))
        files = [os.path.join(folder, f) for f in files[index.start:index.stop:index.step]]
        if not files:
            raise ValueError(f"div2k: no PNG images of split {split!r} in {folder}.")
        dataset = tf.data.Dataset.from_tensor_slices(files)
        if shuffle:
            dataset = dataset.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)
        dataset = dataset.map(
            lambda file: tf.ensure_shape(tf.io.decode_png(tf.io.read_file(file), channels=3),
                                         (None, None, 3)),
            num_parallel_calls=tf.data.AUTOTUNE)
        return dataset.ignore_errors(log_warning=True)

    offline = (f"To use DIV2K offline, download DIV2K_train_HR.zip (and "
               f"DIV2K_valid_HR.zip) from {DIV2K_URL}, unzip them into one folder and "
               f"pass it as data_dir (or set KERAS_GAN_DATA); or pass any folder of HR "
               f"images straight to sr_pairs.")
    try:
        import tensorflow_datasets as tfds
    except ImportError as error:
        raise RuntimeError(f"div2k: tensorflow_datasets is not installed (pip install "
                           f"'keras-gan[datasets]'). {offline}") from error
    if seed is not None and "read_config" not in tfds_kwargs:
        tfds_kwargs["read_config"] = tfds.ReadConfig(shuffle_seed=seed)
    try:
        dataset = tfds.load("div2k/bicubic_x4", split=split, data_dir=data_dir,
                            shuffle_files=shuffle, **tfds_kwargs)
    except Exception as error:  # noqa: BLE001 - download / preparation failures vary
        where = data_dir or "TFDS's default data folder (~/tensorflow_datasets)"
        raise RuntimeError(
            f"div2k: tensorflow_datasets could not load 'div2k/bicubic_x4' (split "
            f"{split!r}) from {where}: {type(error).__name__}: {error} -- it downloads "
            f"DIV2K (about 4 GB) on first use, which needs internet access. "
            f"{offline}") from error
    return dataset.map(lambda example: example["hr"], num_parallel_calls=tf.data.AUTOTUNE)
