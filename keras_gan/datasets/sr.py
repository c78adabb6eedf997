"""Super-resolution training pairs: random HR patches and their bicubic LR inputs.

The training data of SRGAN (Ledig et al. 2017, "Photo-Realistic Single Image
Super-Resolution Using a Generative Adversarial Network") is random 96 x 96
high-resolution (HR) crops, each paired with the low-resolution (LR) image made by
bicubic downscaling x4; LR is scaled to [0, 1] and HR to [-1, 1] (section 3.2), the
ranges of `networks.srresnet_generator`. ESRGAN (Wang et al. 2018, "ESRGAN: Enhanced
Super-Resolution Generative Adversarial Networks") crops 128 x 128 HR patches of DIV2K
and augments them with random horizontal flips and 90-degree rotations; it keeps both
images in [0, 1] (`sr_pairs(..., patch_size=128, hr_range=(0, 1))`).

`sr_pairs` builds that pipeline with `tf.data` (it runs under every Keras backend):

1. a random `patch_size` x `patch_size` window of a random HR image (uniform over the
   positions that fit; images smaller than the patch are skipped);
2. with `augment`, one of the 8 symmetries of the square, uniformly: a transpose, a
   vertical flip and a horizontal flip, each with probability 1/2 (the `augment` of
   BasicSR, the ESRGAN code); applied to the HR crop, before downscaling;
3. LR = MATLAB's `imresize(hr_crop, 1 / scale)` of the (augmented) crop, exactly as
   `keras_gan.datasets.imresize` computes it (bicubic, antialiased, symmetric
   boundary at the crop's edges). The crop has a fixed size, so each axis is one
   fixed `(patch / scale, patch)` matrix, the cached weight matrix of `resize.py`,
   applied with `tf.einsum` in float64 to whole batches. As MATLAB does on uint8
   images, the result is rounded (half away from zero) and saturated to 0..255 after
   each axis (rows first), so the LR pixels are the uint8 values `imresize` gives
   (`round_lr=False` keeps the unrounded float result, clipped to 0..255);
4. both scaled from 0..255 to float32 `lr_range` and `hr_range`.

Note that the LR patch is the downscaled *crop*: its outer two pixels (the kernel's
half-width at x4) see the crop's mirrored border instead of the image's true
neighbours, unlike pipelines that crop aligned pairs from a downscaled whole image
(BasicSR's `paired_random_crop` on DIV2K's LR files).
"""

import concurrent.futures
import numbers
import os
import warnings

import numpy as np

from keras_gan.datasets import images as _images
from keras_gan.datasets.resize import BOUNDARIES, _weight_matrix

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


def _folder_arrays(path):
    """`(arrays, paths, notes)`: the readable images under `path` at full size."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"Image folder {path} does not exist.")
    if not os.path.isdir(path):
        raise NotADirectoryError(f"{path} is not a folder.")
    paths = _images._list_images(path, labels=False)[0]
    if not paths:
        raise ValueError(f"{path} holds no images (looked for "
                         f"{', '.join(_images.IMAGE_EXTENSIONS)} at any depth).")

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


def _check_stream(tf, dataset):
    spec = _image_of(tf, dataset.element_spec)
    if not isinstance(spec, tf.TensorSpec) or spec.dtype != tf.uint8 \
            or spec.shape.rank not in (None, 3) \
            or spec.shape.rank == 3 and spec.shape[-1] not in (None, 1, 3):
        raise ValueError(f"A dataset of HR images must yield single uint8 images "
                         f"(height, width, 3) (or dicts with an 'hr' or 'image' key "
                         f"holding them, as tensorflow_datasets does); its elements are "
                         f"{dataset.element_spec}.")
    grey = spec.shape.rank == 3 and spec.shape[-1] == 1

    def select(element):
        image = _image_of(tf, element)
        if grey:
            image = tf.image.grayscale_to_rgb(image)
        return tf.ensure_shape(image, (None, None, 3))

    return dataset.map(select, num_parallel_calls=tf.data.AUTOTUNE)


# ----------------------------------------------------------------------------------
# The pipeline


def _random_patches(tf, image, seed, patch_size, count, augment):
    """`count` random `patch_size` windows of `image`, each with a random symmetry of
    the square when `augment`: `(count, p, p, 3)` uint8. Stateless, from `seed` (a
    scalar int64), so a seeded pipeline gives the same patches every time."""
    shape = tf.shape(image, out_type=tf.int64)
    patches = []
    for j in range(count):
        def draw(k, maxval):
            return tf.random.stateless_uniform(
                [], seed=tf.stack([seed, tf.constant(4 * j + k, tf.int64)]), minval=0,
                maxval=maxval, dtype=tf.int64)

        top, left = draw(0, shape[0] - patch_size + 1), draw(1, shape[1] - patch_size + 1)
        patch = image[top:top + patch_size, left:left + patch_size]
        if augment:
            flips = tf.random.stateless_uniform(
                [3], seed=tf.stack([seed, tf.constant(4 * j + 2, tf.int64)])) < 0.5
            patch = tf.cond(flips[0], lambda p=patch: tf.transpose(p, (1, 0, 2)),
                            lambda p=patch: p)
            patch = tf.cond(flips[1], lambda p=patch: tf.reverse(p, [0]), lambda p=patch: p)
            patch = tf.cond(flips[2], lambda p=patch: tf.reverse(p, [1]), lambda p=patch: p)
        patches.append(patch)
    return tf.ensure_shape(tf.stack(patches), (count, patch_size, patch_size, 3))


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
    """0..255 (any float dtype) to float32 `value_range`."""
    low, high = value_range
    return tf.cast(low + (high - low) * (tf.cast(x, tf.float64) / 255.0), tf.float32)


def sr_pairs(hr_images, scale=4, patch_size=96, augment=True, batch_size=16, seed=None,
             repeat=True, shuffle=True, lr_range=(0.0, 1.0), hr_range=(-1.0, 1.0),
             round_lr=True, patches_per_image=1, shuffle_buffer=None, drop_remainder=True,
             boundary="symmetric"):
    """Batches of `(lr, hr)` super-resolution training pairs as a `tf.data.Dataset`.

    Random `patch_size` HR crops, optionally flipped / rotated by multiples of 90
    degrees, each paired with its MATLAB-bicubic `1 / scale` downscale (see the module
    docstring), so that `model.fit(sr_pairs(...))` trains on `x=lr`, `y=hr`. The
    defaults are SRGAN's (Ledig et al. 2017: 96 x 96 HR, x4, LR in [0, 1], HR in
    [-1, 1]); ESRGAN's (Wang et al. 2018) are `patch_size=128, hr_range=(0, 1)`.

    Where the HR images come from:

    * a folder (str or path): every image file under it, at any depth (.jpg, .jpeg,
      .png, .webp, .bmp, as `image_folder` finds and decodes them: RGB, EXIF rotation
      applied). All are decoded once, in parallel, and kept in memory at full size
      (BSD68: 31 MB; DIV2K's 800 training images: about 6.6 GB, so pass
      `div2k(...)` instead, which streams). Files that are not readable images are
      skipped with one warning that counts them.
    * a list of uint8 `(H, W, 3)` arrays (sizes may differ), or one `(N, H, W, 3)`
      uint8 array; kept in memory.
    * a `tf.data.Dataset` of uint8 `(H, W, 3)` images (or of dicts holding them
      under `"hr"` or `"image"`, as from `tensorflow_datasets`), e.g. `div2k()`;
      streamed: each image read gives `patches_per_image` crops, shuffled in a
      buffer of `shuffle_buffer` patches.

    In-memory images smaller than the patch are skipped with one warning that counts
    them (an error when all are); a dataset's are dropped silently (a stream cannot
    be counted in advance; one of only small images gives an empty dataset).

    Args:
        hr_images: the HR images, as above.
        scale: the integer downscaling factor (4 in SRGAN and ESRGAN).
        patch_size: side of the square HR crop; a multiple of `scale`. The LR side is
            `patch_size // scale`.
        augment: apply a uniformly random one of the 8 symmetries of the square
            (transpose, vertical and horizontal flip, each with probability 1/2) to
            the HR crop, before downscaling.
        batch_size: pairs per batch, or None for unbatched pairs.
        seed: seed of the shuffling, the crop positions and the augmentation; a
            seeded pipeline yields the same batches each time it is built (None:
            different every run).
        repeat: repeat the images forever (then give `fit` a `steps_per_epoch`); with
            False one epoch is one pass, `patches_per_image` crops of each image,
            with new crops each time the dataset is iterated again.
        shuffle: shuffle the images (in memory: a full reshuffle every epoch; a
            dataset: the patch buffer, on top of the dataset's own order).
        lr_range: `(low, high)` that LR pixel values 0..255 are mapped to.
        hr_range: `(low, high)` that HR pixel values 0..255 are mapped to.
        round_lr: round the LR to uint8 values after each resize pass, as MATLAB's
            `imresize` does on uint8 images (the SR protocol); False keeps the
            unrounded float result (clipped to 0..255) before scaling.
        patches_per_image: crops taken from each image read. In memory it multiplies
            the epoch (all crops are shuffled together); for a stream it amortises
            the decoding of large images.
        shuffle_buffer: patches in the shuffle buffer of a stream (default 1024, or
            `patches_per_image` if larger); unused for in-memory images.
        drop_remainder: drop the last, smaller batch (only reached without `repeat`).
        boundary: `"symmetric"` (current MATLAB) or `"replicate"`, as in `imresize`.

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

    tf = _images._tf()
    file_paths = None
    if isinstance(hr_images, tf.data.Dataset):
        images = _check_stream(tf, hr_images).filter(lambda image: tf.logical_and(
            tf.shape(image)[0] >= patch_size, tf.shape(image)[1] >= patch_size))
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
        images = _memory_images(tf, arrays, patches_per_image, shuffle, seed, repeat)
        count, buffer = 1, None

    randomness = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
    patches = tf.data.Dataset.zip((images, randomness)).map(
        lambda image, r: _random_patches(tf, image, r, patch_size, count, augment),
        num_parallel_calls=tf.data.AUTOTUNE).unbatch()
    if buffer is not None and shuffle:
        patches = patches.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    if batch_size is not None:
        patches = patches.batch(batch_size, drop_remainder=drop_remainder)

    matrix = _weight_matrix(patch_size, patch_size // scale, 1.0 / scale, boundary)

    def pair(hr):
        lr = _downscale(tf, hr, matrix, round_lr)
        return _scaled(tf, lr, lr_range), _scaled(tf, hr, hr_range)

    dataset = patches.map(pair, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
    if file_paths is not None:
        dataset.file_paths = file_paths
    return dataset


def _memory_images(tf, arrays, patches_per_image, shuffle, seed, repeat):
    """A dataset of the in-memory images (as uint8 `(H, W, 3)` tensors), each
    `patches_per_image` times per epoch, in a fresh shuffled order every epoch.

    The images are kept as one flat uint8 tensor with offsets, so that images of
    different sizes need neither padding nor a Python generator."""
    sizes = np.asarray([a.size for a in arrays], dtype=np.int64)
    offsets = tf.constant(np.concatenate([[0], np.cumsum(sizes)[:-1]]), tf.int64)
    heights = tf.constant([a.shape[0] for a in arrays], tf.int64)
    widths = tf.constant([a.shape[1] for a in arrays], tf.int64)
    flat = tf.constant(np.concatenate([a.reshape(-1) for a in arrays]))
    n = len(arrays)
    indices = tf.data.Dataset.range(n * patches_per_image).map(lambda i: i % n)
    if shuffle:
        indices = indices.shuffle(n * patches_per_image, seed=seed,
                                  reshuffle_each_iteration=True)
    if repeat:
        indices = indices.repeat()

    def image(i):
        start, height, width = offsets[i], heights[i], widths[i]
        return tf.reshape(flat[start:start + height * width * 3], tf.stack([height, width, 3]))

    return indices.map(image, num_parallel_calls=tf.data.AUTOTUNE)


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
    `"hr"` images are kept.

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
