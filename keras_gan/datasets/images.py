"""Image datasets as `tf.data` pipelines: MNIST, Fashion-MNIST, CIFAR-10, CelebA and
the user's own image folders.

Every pipeline yields float32 images, NHWC, scaled from 0..255 to [-1, 1] (the range
of a generator with a `tanh` output, as in DCGAN, Radford et al. 2016), in shuffled
batches, prefetched. Keras `fit` takes a `tf.data.Dataset` under the TensorFlow, JAX
and PyTorch backends alike.

Where the data comes from (`load` and `load_arrays`):

* Offline: when `data_dir` (or else the environment variable `KERAS_GAN_DATA`) holds
  the dataset's original files, they are read directly, with no network and no
  `tensorflow_datasets`:

  - `mnist`: the four IDX files of LeCun, Cortes and Burges
    (`train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz`,
    `t10k-images-idx3-ubyte.gz`, `t10k-labels-idx1-ubyte.gz`; gzipped or not) in
    `data_dir/mnist/` or in `data_dir/` itself;
  - `fashion_mnist`: the same four file names (Xiao, Rasul and Vollgraf 2017) in
    `data_dir/fashion_mnist/` (or `data_dir/fashion-mnist/`);
  - `cifar10`: the "python version" of Krizhevsky's CIFAR-10, either the folder
    `cifar-10-batches-py/` (`data_batch_1` .. `data_batch_5`, `test_batch`) or the
    archive `cifar-10-python.tar.gz`, in `data_dir/cifar10/` or `data_dir/`;
  - `celeb_a`: the folder `img_align_celeba/` of aligned JPEGs of Liu et al. 2015, in
    `data_dir/celeb_a/` or `data_dir/`; the split follows `list_eval_partition.txt`
    when it lies next to the folder, and otherwise the official partition by file
    number (000001-162770 train, 162771-182637 validation, 182638-202599 test).

* Otherwise: `tensorflow_datasets.load(name, split=split, data_dir=data_dir)`, which
  downloads and prepares the dataset on first use.

Offline splits are `"train"` and `"test"` (and `"validation"` for CelebA), each
optionally sliced like TFDS, e.g. `"train[:10%]"` or `"test[100:200]"`; any TFDS
split string passes through to TFDS on the other path.
"""

import concurrent.futures
import gzip
import io
import math
import os
import pickle
import re
import tarfile
import warnings
import zlib

import numpy as np

__all__ = ["DATASET_NAMES", "image_folder", "load", "load_arrays"]

_CLASS_NAMES = {
    "mnist": tuple(str(d) for d in range(10)),
    "fashion_mnist": ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                      "Shirt", "Sneaker", "Bag", "Ankle boot"),
    "cifar10": ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                "ship", "truck"),
    "celeb_a": None,
}
DATASET_NAMES = tuple(_CLASS_NAMES)

# Shuffle buffer of the TFDS path: the whole split for the small datasets; for
# CelebA (200k faces) a window of cropped faces, on top of TFDS's file shuffling.
_SHUFFLE_BUFFER = {"mnist": 60_000, "fashion_mnist": 60_000, "cifar10": 50_000,
                   "celeb_a": 10_000}
# Splits small enough to keep decoded in memory on the TFDS path (47 MB for MNIST's
# training split, 150 MB for CIFAR-10's); CelebA (200k faces) is read per epoch.
_CACHED = ("mnist", "fashion_mnist", "cifar10")
# The centre crop of CelebA's aligned 178 x 218 faces used by the DCGAN-tensorflow
# implementation (T. Kim, github.com/carpedm20/DCGAN-tensorflow, options
# `--input_height=108 --crop`), the usual CelebA preprocessing for DCGAN.
_CELEB_A_CROP = 108
# The official CelebA partition by image number (Liu et al. 2015,
# list_eval_partition.txt): the last number of each split.
_CELEB_A_SPLIT_ENDS = {"train": 162_770, "validation": 182_637, "test": 202_599}
_CELEB_A_SPLIT_CODES = {"0": "train", "1": "validation", "2": "test"}

_IDX_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
              "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
_CIFAR_FILES = {"train": tuple(f"data_batch_{i}" for i in range(1, 6)),
                "test": ("test_batch",)}
_CIFAR_FOLDER, _CIFAR_ARCHIVE = "cifar-10-batches-py", "cifar-10-python.tar.gz"

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".bmp")


# ----------------------------------------------------------------------------------
# Shared helpers


def _tf():
    """TensorFlow, imported on first use (tf.data runs the pipelines on every backend)."""
    import tensorflow as tf

    return tf


def _check_name(name):
    if name not in _CLASS_NAMES:
        raise ValueError(
            f"Unknown image dataset {name!r}; known datasets: {', '.join(DATASET_NAMES)}."
        )


def _pair(value, what):
    """`(h, w)` from an int or a pair of positive ints; None stays None."""
    if value is None:
        return None
    if isinstance(value, (int, np.integer)):
        value = (value, value)
    try:
        h, w = (int(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be an int or a pair (height, width); "
                         f"received {value!r}.") from None
    if h < 1 or w < 1:
        raise ValueError(f"{what} must be positive; received {value!r}.")
    return h, w


def _resolve_crop(name, crop):
    if isinstance(crop, str):
        if crop != "default":
            raise ValueError(f"crop must be 'default', None, an int or (height, width); "
                             f"received {crop!r}.")
        return (_CELEB_A_CROP, _CELEB_A_CROP) if name == "celeb_a" else None
    return _pair(crop, "crop")


def _data_dir(data_dir):
    """`data_dir`, else the environment variable `KERAS_GAN_DATA`, else None."""
    if data_dir is None:
        data_dir = os.environ.get("KERAS_GAN_DATA") or None
    return None if data_dir is None else os.fspath(data_dir)


def _split_slice(split, splits):
    """`(base split, slice)` of a split string like `"train"` or `"train[10%:]"`.

    Percent boundaries round to the nearest example as in TFDS (rounding="closest").
    """
    match = re.fullmatch(r"\s*(\w+)\s*(?:\[\s*([^:\]]*?)\s*:\s*([^:\]]*?)\s*\])?\s*", split)
    if not match or match.group(1) not in splits:
        raise ValueError(
            f"Split {split!r} is not available from the original files; use one of "
            f"{', '.join(repr(s) for s in splits)}, optionally sliced like "
            f"'train[:10%]' or 'test[100:200]'."
        )
    bounds = []
    for text in match.group(2, 3):
        if not text:
            bounds.append(None)
        elif re.fullmatch(r"-?\d+%?", text):
            bounds.append(text)
        else:
            raise ValueError(f"Bad slice boundary {text!r} in split {split!r}; use an "
                             f"integer or a percentage such as '10%'.")
    return match.group(1), bounds


def _apply_slice(bounds, n):
    """The index range selected by `bounds` (from `_split_slice`) of `n` examples."""
    def absolute(text):
        if text is None:
            return None
        if text.endswith("%"):
            return int(round(int(text[:-1]) * n / 100.0))
        return int(text)

    return range(n)[slice(absolute(bounds[0]), absolute(bounds[1]))]


def _to_unit_range(tf, images):
    """uint8-valued images (any dtype) to float32 in [-1, 1]."""
    images = tf.cast(images, "float32") / 127.5 - 1.0
    return tf.clip_by_value(images, -1.0, 1.0)


def _centre_crop(tf, images, crop):
    """Centre crop of a `(h, w)` window from images `(..., H, W, C)` (static shapes)."""
    if crop is None:
        return images
    height, width = images.shape[-3], images.shape[-2]
    ch, cw = crop
    if height is None or width is None:
        shape = tf.shape(images)
        height, width = shape[-3], shape[-2]
        top, left = (height - ch) // 2, (width - cw) // 2
        return images[..., top:top + ch, left:left + cw, :]
    if ch > height or cw > width:
        raise ValueError(f"crop {crop} is larger than the images ({height}, {width}).")
    top, left = (height - ch) // 2, (width - cw) // 2
    return images[..., top:top + ch, left:left + cw, :]


def _resize(tf, images, size):
    """Bilinear resize with antialiasing (a triangle filter widened by the downscale
    factor, like pillow's BILINEAR; plain bilinear interpolation when enlarging)."""
    if size is None:
        return images
    return tf.image.resize(images, size, method="bilinear", antialias=True)


def _finish(tf, dataset, batch_size, drop_remainder, prepare, labelled, class_names):
    """Batches, applies `prepare` to the images (vectorised), prefetches, and names the
    classes on the dataset object."""
    if batch_size is not None:
        dataset = dataset.batch(int(batch_size), drop_remainder=drop_remainder)
    if labelled:
        dataset = dataset.map(lambda x, y: (prepare(x), tf.cast(y, "int32")),
                              num_parallel_calls=tf.data.AUTOTUNE)
    else:
        dataset = dataset.map(prepare, num_parallel_calls=tf.data.AUTOTUNE)
    dataset = dataset.prefetch(tf.data.AUTOTUNE)
    dataset.class_names = None if class_names is None else list(class_names)
    return dataset


def _array_dataset(tf, images, labels, batch_size, shuffle, seed, drop_remainder,
                   prepare, class_names):
    """A pipeline over in-memory uint8 images: shuffled indices, gathered per batch.

    Shuffling indices instead of images gives a full reshuffle every epoch at no
    memory cost beyond the arrays themselves.
    """
    images = tf.constant(images)
    labelled = labels is not None
    if labelled:
        labels = tf.constant(np.asarray(labels, dtype="int32"))
    dataset = tf.data.Dataset.range(int(images.shape[0]))
    if shuffle:
        dataset = dataset.shuffle(int(images.shape[0]), seed=seed,
                                  reshuffle_each_iteration=True)
    if batch_size is not None:
        dataset = dataset.batch(int(batch_size), drop_remainder=drop_remainder)

    def gather(index):
        if labelled:
            return tf.gather(images, index), tf.gather(labels, index)
        return tf.gather(images, index)

    dataset = dataset.map(gather, num_parallel_calls=tf.data.AUTOTUNE)
    return _finish(tf, dataset, None, drop_remainder, prepare, labelled, class_names)


# ----------------------------------------------------------------------------------
# Original file formats


def _find(path_options):
    """The first existing path of `path_options`, else None."""
    for path in path_options:
        if os.path.exists(path):
            return path
    return None


def _read_idx(path, ndim):
    """An unsigned-byte IDX array (LeCun et al., "THE MNIST DATABASE" file format).

    The file starts with the magic number `0x0000_08_<ndim>` (two zero bytes, type
    code 0x08 = unsigned byte, number of dimensions), then one big-endian uint32 per
    dimension, then the data in C order.

    Raises:
        ValueError: the file is not gzip when named `.gz`, is truncated, or does not
            hold an unsigned-byte IDX array of `ndim` dimensions.
    """
    try:
        if path.endswith(".gz"):
            with gzip.open(path, "rb") as f:
                data = f.read()
        else:
            with open(path, "rb") as f:
                data = f.read()
    except (EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise ValueError(f"{path} is corrupt or truncated (cannot decompress it: "
                         f"{error}); download it again.") from error
    expected_magic = 0x0800 + ndim
    if len(data) < 4:
        raise ValueError(f"{path} is truncated: {len(data)} bytes, not even an IDX header.")
    magic = int.from_bytes(data[:4], "big")
    if magic != expected_magic:
        raise ValueError(
            f"{path} is not an IDX file of unsigned bytes with {ndim} dimension(s): its "
            f"magic number is 0x{magic:08X}, expected 0x{expected_magic:08X}."
        )
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{path} is truncated inside its IDX header.")
    dims = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    size = math.prod(dims)
    if len(data) - header != size:
        raise ValueError(
            f"{path} is truncated or corrupt: its header announces {dims} = {size} bytes "
            f"of data but it holds {len(data) - header}."
        )
    return np.frombuffer(data, dtype="uint8", offset=header).reshape(dims).copy()


def _idx_folder(name, root):
    """The folder of `root` that holds `name`'s IDX files, or None."""
    folders = {"mnist": [os.path.join(root, "mnist"), root],
               "fashion_mnist": [os.path.join(root, "fashion_mnist"),
                                 os.path.join(root, "fashion-mnist")]}[name]
    for folder in folders:
        for files in _IDX_FILES.values():
            for stem in files:
                if _find([os.path.join(folder, stem + ".gz"), os.path.join(folder, stem)]):
                    return folder
    return None


def _load_idx(name, folder, split):
    base, bounds = _split_slice(split, tuple(_IDX_FILES))
    arrays = []
    for stem, ndim in zip(_IDX_FILES[base], (3, 1)):
        path = _find([os.path.join(folder, stem + ".gz"), os.path.join(folder, stem)])
        if path is None:
            raise FileNotFoundError(
                f"{name}: {os.path.join(folder, stem + '.gz')} is missing (the {base} "
                f"split needs {_IDX_FILES[base][0]}.gz and {_IDX_FILES[base][1]}.gz)."
            )
        arrays.append((path, _read_idx(path, ndim)))
    (image_path, images), (label_path, labels) = arrays
    if images.shape[1:] != (28, 28):
        raise ValueError(f"{image_path} holds images of {images.shape[1:]} pixels; "
                         f"{name} images are 28 x 28.")
    if len(images) != len(labels):
        raise ValueError(f"{image_path} holds {len(images)} images but {label_path} "
                         f"holds {len(labels)} labels.")
    if len(labels) and labels.max() > 9:
        raise ValueError(f"{label_path} holds label {labels.max()}; labels are 0..9.")
    index = _apply_slice(bounds, len(images))
    return images[index.start:index.stop:index.step, :, :, None], \
        labels[index.start:index.stop:index.step].astype("int32")


class _CifarUnpickler(pickle.Unpickler):
    """Unpickles CIFAR-10 batches and nothing else: only the numpy array
    reconstructors may be looked up, so a tampered file cannot run code."""

    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"),
                ("numpy._core.multiarray", "_reconstruct"),
                ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
                ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")}

    def find_class(self, module, name):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"unexpected object {module}.{name} in a "
                                         f"CIFAR-10 batch")
        if module.startswith("numpy.core.") and hasattr(np, "_core"):
            module = "numpy._core." + module[len("numpy.core."):]
        return super().find_class(module, name)


def _read_cifar_batch(raw, where):
    """`(images uint8 (n, 32, 32, 3), labels int32 (n,))` of one pickled CIFAR batch:
    a dict with `data` (n x 3072 bytes: the red, green then blue 32 x 32 planes of
    each image, row-major) and `labels` (n ints)."""
    try:
        batch = _CifarUnpickler(io.BytesIO(raw), encoding="bytes").load()
    except Exception as error:  # noqa: BLE001 - any unpickling failure means corrupt
        raise ValueError(f"{where} is not a readable CIFAR-10 batch ({error}).") from error
    if not isinstance(batch, dict):
        raise ValueError(f"{where} is not a CIFAR-10 batch (not a dict).")
    batch = {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in batch.items()}
    if "data" not in batch or "labels" not in batch:
        raise ValueError(f"{where} is not a CIFAR-10 batch (no 'data' and 'labels').")
    data = np.asarray(batch["data"])
    labels = np.asarray(batch["labels"], dtype="int64")
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        raise ValueError(f"{where}: 'data' must be uint8 of shape (n, 3072); received "
                         f"{data.dtype} {data.shape}.")
    if labels.shape != (len(data),):
        raise ValueError(f"{where}: {len(data)} images but {labels.shape} labels.")
    if len(labels) and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"{where}: labels must be 0..9.")
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return images, labels.astype("int32")


def _cifar_source(root):
    """Where `root` keeps CIFAR-10: `("folder", path)`, `("archive", path)` or None."""
    for base in (os.path.join(root, "cifar10"), os.path.join(root, "cifar-10"), root):
        folder = os.path.join(base, _CIFAR_FOLDER)
        if os.path.isdir(folder):
            return "folder", folder
        if os.path.isfile(os.path.join(base, _CIFAR_ARCHIVE)):
            return "archive", os.path.join(base, _CIFAR_ARCHIVE)
    return None


def _load_cifar(source, split):
    kind, path = source
    base, bounds = _split_slice(split, tuple(_CIFAR_FILES))
    parts = []
    if kind == "folder":
        for file in _CIFAR_FILES[base]:
            file_path = os.path.join(path, file)
            if not os.path.isfile(file_path):
                raise FileNotFoundError(f"cifar10: {file_path} is missing (the {base} "
                                        f"split needs {', '.join(_CIFAR_FILES[base])}).")
            with open(file_path, "rb") as f:
                parts.append(_read_cifar_batch(f.read(), file_path))
    else:
        try:
            with tarfile.open(path, "r:gz") as archive:
                for file in _CIFAR_FILES[base]:
                    member = f"{_CIFAR_FOLDER}/{file}"
                    try:
                        raw = archive.extractfile(member).read()
                    except KeyError:
                        raise FileNotFoundError(
                            f"cifar10: {path} has no member {member}.") from None
                    parts.append(_read_cifar_batch(raw, f"{path}:{member}"))
        except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as error:
            raise ValueError(f"{path} is corrupt or truncated ({error}); download it "
                             f"again.") from error
    images = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    index = _apply_slice(bounds, len(images))
    sl = slice(index.start, index.stop, index.step)
    return np.ascontiguousarray(images[sl]), labels[sl]


def _celeb_a_folder(root):
    for base in (os.path.join(root, "celeb_a"), os.path.join(root, "celeba"), root):
        folder = os.path.join(base, "img_align_celeba")
        if os.path.isdir(folder):
            return folder
    return None


def _celeb_a_files(folder, split):
    """The sorted JPEG paths of CelebA's `split` in `folder`."""
    base, bounds = _split_slice(split, tuple(_CELEB_A_SPLIT_ENDS))
    names = sorted(f for f in os.listdir(folder) if f.lower().endswith((".jpg", ".jpeg")))
    if not names:
        raise FileNotFoundError(f"celeb_a: no JPEG images in {folder}.")
    partition_file = _find([os.path.join(os.path.dirname(folder), "list_eval_partition.txt"),
                            os.path.join(folder, "list_eval_partition.txt")])
    if partition_file is not None:
        partition = {}
        with open(partition_file) as f:
            for line in f:
                fields = line.split()
                if len(fields) == 2 and fields[1] in _CELEB_A_SPLIT_CODES:
                    partition[fields[0]] = _CELEB_A_SPLIT_CODES[fields[1]]
        chosen = [n for n in names if partition.get(n) == base]
    else:
        low = {"train": 0, "validation": _CELEB_A_SPLIT_ENDS["train"],
               "test": _CELEB_A_SPLIT_ENDS["validation"]}[base]
        chosen = []
        for n in names:
            stem = os.path.splitext(n)[0]
            if not stem.isdigit():
                raise ValueError(
                    f"celeb_a: cannot place {n} in a split (CelebA files are numbered, "
                    f"e.g. 000001.jpg); put list_eval_partition.txt next to {folder}."
                )
            if low < int(stem) <= _CELEB_A_SPLIT_ENDS[base]:
                chosen.append(n)
    index = _apply_slice(bounds, len(chosen))
    chosen = chosen[index.start:index.stop:index.step]
    if not chosen:
        raise ValueError(f"celeb_a: no images of split {split!r} in {folder}.")
    return [os.path.join(folder, n) for n in chosen]


def _offline_source(name, data_dir):
    """What `data_dir` holds of `name`'s original files, or None."""
    if data_dir is None or not os.path.isdir(data_dir):
        return None
    if name in ("mnist", "fashion_mnist"):
        folder = _idx_folder(name, data_dir)
        return None if folder is None else ("idx", folder)
    if name == "cifar10":
        source = _cifar_source(data_dir)
        return None if source is None else ("cifar", source)
    folder = _celeb_a_folder(data_dir)
    return None if folder is None else ("celeb_a", folder)


def _import_tfds(name):
    try:
        import tensorflow_datasets as tfds
    except ImportError as error:
        raise ImportError(
            f"Loading {name} without its original files needs tensorflow_datasets "
            f"(pip install 'keras-gan[datasets]'); or pass data_dir (or set "
            f"KERAS_GAN_DATA) to a folder that holds the original files."
        ) from error
    return tfds


# ----------------------------------------------------------------------------------
# Public API


def load_arrays(name, split="train", data_dir=None, image_size=None, crop="default"):
    """A whole split of an image dataset as numpy arrays (for benchmarks, metrics and
    memorisation checks).

    The original files are read when `data_dir` (or else `KERAS_GAN_DATA`) holds them
    (see the module docstring); otherwise the split comes from
    `tensorflow_datasets.load(name, split=split, data_dir=data_dir, batch_size=-1)`.
    Mind the memory: CelebA's training split at full size is about 19 GB; pass
    `image_size` (and keep the default crop) to shrink it while reading.

    Args:
        name: one of `DATASET_NAMES`: `"mnist"`, `"fashion_mnist"`, `"cifar10"`,
            `"celeb_a"`.
        split: `"train"`, `"test"` (CelebA also `"validation"`), optionally sliced
            as in TFDS (`"train[:10%]"`); other TFDS split strings pass through to TFDS.
        data_dir: folder of the original files, or TFDS's data folder.
        image_size: None to keep the dataset's size, or an int or `(height, width)` to
            resize to (antialiased bilinear, as `load`), rounded back to uint8.
        crop: `"default"` (CelebA: centre 108 x 108, the DCGAN practice; other
            datasets: none), None for none, or an int or `(height, width)` centre crop
            applied before resizing.

    Returns:
        `(images, labels)`: uint8 array `(n, height, width, channels)` and int32 array
        `(n,)`; `labels` is None for CelebA, which has no class label.
    """
    _check_name(name)
    size, crop = _pair(image_size, "image_size"), _resolve_crop(name, crop)
    data_dir = _data_dir(data_dir)
    source = _offline_source(name, data_dir)
    if source is None:
        tfds = _import_tfds(name)
        data = tfds.as_numpy(tfds.load(name, split=split, data_dir=data_dir, batch_size=-1))
        images = np.asarray(data["image"], dtype="uint8")
        labels = None if name == "celeb_a" else np.asarray(data["label"], dtype="int32")
    elif source[0] == "idx":
        images, labels = _load_idx(name, source[1], split)
    elif source[0] == "cifar":
        images, labels = _load_cifar(source[1], split)
    else:
        paths = _celeb_a_files(source[1], split)
        window = crop or (218, 178)

        def read(path):
            from PIL import Image

            with Image.open(path) as image:
                array = np.asarray(image.convert("RGB"))
            h, w = array.shape[:2]
            top, left = (h - window[0]) // 2, (w - window[1]) // 2
            if top < 0 or left < 0:
                raise ValueError(f"{path} ({h} x {w}) is smaller than the crop {window}.")
            array = array[top:top + window[0], left:left + window[1]]
            return array if size is None else _resize_uint8(array[None], size)[0]

        with concurrent.futures.ThreadPoolExecutor(_workers()) as pool:
            return np.stack(list(pool.map(read, paths))), None
    if crop is not None:
        if crop[0] > images.shape[1] or crop[1] > images.shape[2]:
            raise ValueError(f"crop {crop} is larger than the images {images.shape[1:3]}.")
        images = images[:, (images.shape[1] - crop[0]) // 2:][:, :crop[0]]
        images = images[:, :, (images.shape[2] - crop[1]) // 2:][:, :, :crop[1]]
        images = np.ascontiguousarray(images)
    if size is not None:
        images = _resize_uint8(images, size)
    return images, labels


def _resize_uint8(images, size, chunk=4096):
    """uint8 images `(n, H, W, C)` resized as in the pipelines, rounded to uint8."""
    tf = _tf()
    out = [np.clip(np.round(_resize(tf, images[i:i + chunk], size).numpy()), 0, 255)
           for i in range(0, len(images), chunk)]
    return np.concatenate(out).astype("uint8")


def _workers():
    return min(32, (os.cpu_count() or 1) + 4)


def load(name, split="train", image_size=None, data_dir=None, batch_size=64, shuffle=True,
         seed=None, drop_remainder=True, crop="default", shuffle_buffer=None, **tfds_kwargs):
    """An image dataset as a batched, shuffled, prefetched `tf.data.Dataset`.

    The pipeline reads the original files when `data_dir` (or else the environment
    variable `KERAS_GAN_DATA`) holds them (see the module docstring), without network;
    otherwise it is `tensorflow_datasets.load(name, split=split, data_dir=data_dir,
    shuffle_files=shuffle, **tfds_kwargs)`, which downloads on first use.

    Each element is `(images, labels)`: float32 images `(batch, height, width,
    channels)` scaled from 0..255 to [-1, 1], and int32 class labels `(batch,)` (names
    in the dataset's `class_names` attribute). CelebA has no class label: its elements
    are the images alone and `class_names` is None. Preprocessing is a centre crop
    (CelebA by default: 108 x 108 of the 178 x 218 aligned faces, as in the
    DCGAN-tensorflow implementation), then, when `image_size` is given, a bilinear
    resize with antialiasing (a triangle filter widened by the downscale factor, like
    pillow's BILINEAR; plain bilinear interpolation when enlarging).

    Shuffling reshuffles every epoch (every new iteration), reproducibly when `seed`
    is given. Offline datasets held in memory (MNIST, Fashion-MNIST, CIFAR-10) are
    shuffled whole; CelebA's file list is shuffled whole before decoding; on the TFDS
    path the shuffle buffer holds the whole split for the small datasets and
    10,000 faces for CelebA, on top of TFDS's shuffling of its files.

    Args:
        name: one of `DATASET_NAMES`: `"mnist"`, `"fashion_mnist"`, `"cifar10"`,
            `"celeb_a"`.
        split: `"train"` or `"test"` (CelebA also `"validation"`), optionally sliced
            as in TFDS (`"train[:10%]"`, `"test[100:200]"`); on the TFDS path any TFDS
            split string.
        image_size: None to keep the size (after the crop), or an int or
            `(height, width)`.
        data_dir: folder of the original files, or TFDS's data folder; defaults to
            `KERAS_GAN_DATA`, then TFDS's default.
        batch_size: examples per batch, or None for unbatched examples.
        shuffle: whether to shuffle.
        seed: shuffling seed (None: a different order every run).
        drop_remainder: drop the last, smaller batch (GAN steps expect full batches).
        crop: `"default"` (see above), None for no crop, or an int or
            `(height, width)`: the centre window kept before resizing.
        shuffle_buffer: shuffle buffer size on the TFDS path (default above).
        **tfds_kwargs: further arguments of `tensorflow_datasets.load` (e.g.
            `download=False`, `read_config`), used on the TFDS path only.

    Returns:
        A `tf.data.Dataset` with an extra attribute `class_names` (list of str, or None
        for CelebA); transformations such as `.map` return datasets without it.
    """
    _check_name(name)
    tf = _tf()
    size, crop = _pair(image_size, "image_size"), _resolve_crop(name, crop)
    if batch_size is not None and int(batch_size) < 1:
        raise ValueError(f"batch_size must be >= 1 or None; received {batch_size}.")
    class_names = _CLASS_NAMES[name]
    labelled = class_names is not None
    data_dir = _data_dir(data_dir)
    source = _offline_source(name, data_dir)

    def prepare(images):
        return _to_unit_range(tf, _resize(tf, _centre_crop(tf, images, crop), size))

    if source is not None and source[0] in ("idx", "cifar"):
        images, labels = (_load_idx(name, source[1], split) if source[0] == "idx"
                          else _load_cifar(source[1], split))
        return _array_dataset(tf, images, labels, batch_size, shuffle, seed,
                              drop_remainder, prepare, class_names)

    if source is not None:  # CelebA JPEGs: shuffle the file names, decode in parallel
        paths = _celeb_a_files(source[1], split)
        dataset = tf.data.Dataset.from_tensor_slices(paths)
        if shuffle:
            dataset = dataset.shuffle(len(paths), seed=seed, reshuffle_each_iteration=True)
        window = crop

        def decode(path):
            image = tf.io.decode_jpeg(tf.io.read_file(path), channels=3)
            if window is not None:
                image = _centre_crop(tf, image, window)
                image = tf.ensure_shape(image, (*window, 3))
            return image

        dataset = dataset.map(decode, num_parallel_calls=tf.data.AUTOTUNE)
        # A damaged JPEG is dropped (with a log line) rather than ending the epoch.
        dataset = dataset.ignore_errors(log_warning=True)
        return _finish(tf, dataset, batch_size, drop_remainder, prepare, False, None)

    tfds = _import_tfds(name)
    if seed is not None and "read_config" not in tfds_kwargs:
        tfds_kwargs["read_config"] = tfds.ReadConfig(shuffle_seed=seed)
    dataset = tfds.load(name, split=split, data_dir=data_dir, shuffle_files=shuffle,
                        **tfds_kwargs)

    def select(example):
        # Crop each example before the shuffle buffer so that it holds small images.
        image = _centre_crop(tf, example["image"], crop)
        return (image, example["label"]) if labelled else image

    dataset = dataset.map(select, num_parallel_calls=tf.data.AUTOTUNE)
    if name in _CACHED:
        # Decoded once, kept in memory: without it every epoch reads and decodes the
        # split again and refills the whole-split shuffle buffer before its first batch
        # (seconds of a stalled step per epoch).
        dataset = dataset.cache()
    if shuffle:
        buffer = int(shuffle_buffer or _SHUFFLE_BUFFER[name])
        dataset = dataset.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    return _finish(tf, dataset, batch_size, drop_remainder, prepare, labelled, class_names)


# ----------------------------------------------------------------------------------
# The user's own images


def _list_images(root, labels):
    """Candidate image files under `root` (by extension), sorted, with class names.

    Returns:
        `(paths, class_index, class_names, loose)`: `class_index` holds each path's
        first-level sub-folder index (None when `labels` is False); `loose` counts the
        images directly in `root`, which have no class and are left out when `labels`.
    """
    found = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for file in sorted(files):
            if file.lower().endswith(IMAGE_EXTENSIONS) and not file.startswith("."):
                found.append(os.path.join(folder, file))
    if not labels:
        return found, None, None, 0
    paths, classes = [], []
    loose = 0
    for path in found:
        relative = os.path.relpath(path, root).split(os.sep)
        if len(relative) == 1:
            loose += 1
            continue
        paths.append(path)
        classes.append(relative[0])
    class_names = sorted(set(classes))
    lookup = {c: i for i, c in enumerate(class_names)}
    return paths, [lookup[c] for c in classes], class_names, loose


def _decode_image(path, size, crop, channels):
    """One image file decoded with pillow to uint8 `(height, width, channels)`.

    Fully decodes the file, so any damage raises here. EXIF rotation is applied;
    16-bit greyscale is scaled to 8 bits; transparency is composited over white
    unless `channels` is 4; the result is centre-cropped to the aspect ratio of
    `size` (crop="center") or not (crop="resize"), then resized with pillow's
    BILINEAR filter (antialiased when shrinking).
    """
    from PIL import Image, ImageOps

    with Image.open(path) as image:
        image.load()
        image = ImageOps.exif_transpose(image)
        if image.mode.startswith("I;16") or image.mode == "I":
            array = np.asarray(image, dtype="float64")
            if image.mode.startswith("I;16") or array.max() > 255:
                array = array / 257.0
            image = Image.fromarray(np.clip(np.round(array), 0, 255).astype("uint8"))
        has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
            image.mode == "P" and "transparency" in image.info)
        if channels == 4:
            image = image.convert("RGBA")
        else:
            if has_alpha:
                rgba = image.convert("RGBA")
                image = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
                image.alpha_composite(rgba)
            image = image.convert("L" if channels == 1 else "RGB")
        height, width = size
        if crop == "center":
            # the largest centred window of the output's aspect ratio, in whole pixels
            scale = min(image.width / width, image.height / height)
            cw = min(image.width, max(1, round(width * scale)))
            ch = min(image.height, max(1, round(height * scale)))
            left, top = (image.width - cw) // 2, (image.height - ch) // 2
            image = image.crop((left, top, left + cw, top + ch))
        image = image.resize((width, height), Image.Resampling.BILINEAR)
        array = np.asarray(image, dtype="uint8")
    return array.reshape(height, width, channels)


def image_folder(path, image_size, batch_size=64, crop="center", labels=True, shuffle=True,
                 seed=None, channels=3, drop_remainder=True):
    """The images of a folder (any nesting) as a batched, shuffled `tf.data.Dataset`.

    Files ending in .jpg, .jpeg, .png, .webp or .bmp (any case) are read with pillow;
    other files are ignored. Every candidate is decoded in full once, in parallel,
    before the pipeline is built, and kept in memory at its final size
    (`n * height * width * channels` bytes: 10,000 RGB images of 64 x 64 take 123 MB);
    files that are not readable images (damaged, or another format under an image
    name) are skipped with one warning that counts and names them, so an epoch never
    fails halfway. Greyscale, palette and transparent images are converted to
    `channels` (transparency composited over white); EXIF rotation is applied.

    With `labels=True`, an image's class is the first-level sub-folder of `path` that
    holds it (at any depth below), class indices follow the sorted sub-folder names,
    and images directly in `path` are left out (with a warning); with `labels=False`
    every image is used and the elements are the images alone.

    Args:
        path: the folder.
        image_size: int or `(height, width)` of the output images.
        batch_size: images per batch, or None for unbatched images.
        crop: `"center"`: crop the largest centred window of the output's aspect ratio
            (a square for square outputs), then resize; `"resize"`: resize the whole
            image, changing its aspect ratio.
        labels: whether to yield `(images, labels)` with labels from sub-folders.
        shuffle: whether to shuffle (a full reshuffle every epoch).
        seed: shuffling seed.
        channels: 1 (greyscale), 3 (RGB) or 4 (RGBA).
        drop_remainder: drop the last, smaller batch.

    Returns:
        A `tf.data.Dataset` of float32 images `(batch, height, width, channels)` in
        [-1, 1] (with int32 labels `(batch,)` when `labels`), with the extra attributes
        `class_names` (sorted sub-folder names; None without labels) and `file_paths`
        (the images used, in the order of their labels before shuffling).

    Raises:
        FileNotFoundError: `path` does not exist. NotADirectoryError: it is a file.
        ValueError: no readable image was found (or no class sub-folder with labels).
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"Image folder {path} does not exist.")
    if not os.path.isdir(path):
        raise NotADirectoryError(f"{path} is not a folder.")
    size = _pair(image_size, "image_size")
    if crop not in ("center", "resize"):
        raise ValueError(f"crop must be 'center' or 'resize'; received {crop!r}.")
    if channels not in (1, 3, 4):
        raise ValueError(f"channels must be 1, 3 or 4; received {channels!r}.")
    if batch_size is not None and int(batch_size) < 1:
        raise ValueError(f"batch_size must be >= 1 or None; received {batch_size}.")

    paths, classes, class_names, loose = _list_images(path, labels)
    if loose:
        warnings.warn(f"{loose} image(s) directly in {path} have no class sub-folder and "
                      f"are left out; pass labels=False to use every image.", stacklevel=2)
    if not paths:
        if loose:
            raise ValueError(f"{path} holds images but no class sub-folders; pass "
                             f"labels=False to use them without labels.")
        raise ValueError(f"{path} holds no images (looked for "
                         f"{', '.join(IMAGE_EXTENSIONS)} at any depth).")

    def read(file):
        try:
            return _decode_image(file, size, crop, channels)
        except Exception:  # noqa: BLE001 - any failure to decode means skip the file
            return None

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pillow's per-file notes; we report once below
        with concurrent.futures.ThreadPoolExecutor(_workers()) as pool:
            decoded = list(pool.map(read, paths))
    bad = [p for p, image in zip(paths, decoded) if image is None]
    if bad:
        names = ", ".join(os.path.relpath(p, path) for p in bad[:5])
        more = f", and {len(bad) - 5} more" if len(bad) > 5 else ""
        warnings.warn(f"Skipped {len(bad)} of {len(paths)} files that are not readable "
                      f"images: {names}{more}.", stacklevel=2)
    keep = [i for i, image in enumerate(decoded) if image is not None]
    if not keep:
        raise ValueError(f"None of the {len(paths)} image files in {path} is readable.")
    images = np.stack([decoded[i] for i in keep])
    label_array = None if classes is None else np.asarray([classes[i] for i in keep],
                                                          dtype="int32")
    tf = _tf()
    dataset = _array_dataset(tf, images, label_array, batch_size, shuffle, seed,
                             drop_remainder, lambda x: _to_unit_range(tf, x), class_names)
    dataset.file_paths = [paths[i] for i in keep]
    return dataset
