"""Image datasets: MNIST from its original IDX files, CIFAR-10 and CelebA from files in
their original formats, the TFDS path (with `tensorflow_datasets.load` replaced), image
folders, and the procedural shapes."""

import gzip
import io
import os
import pickle
import tarfile
import time
import warnings

import numpy as np
import pytest
from PIL import Image

from conftest import ROOT
from keras_gan import datasets

DATA = os.path.join(ROOT, "..", "shared", "data")
MNIST = os.path.join(DATA, "mnist")
needs_mnist = pytest.mark.skipif(
    not os.path.isfile(os.path.join(MNIST, "t10k-labels-idx1-ubyte.gz")),
    reason=f"the offline MNIST files are not in {MNIST} (see shared/data/README.md)",
)

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(autouse=True)
def no_data_env(monkeypatch):
    """Tests choose their data folder explicitly."""
    monkeypatch.delenv("KERAS_GAN_DATA", raising=False)


@pytest.fixture(scope="module")
def mnist_test():
    return datasets.load_arrays("mnist", split="test", data_dir=DATA)


def batches(dataset):
    return [tuple(np.asarray(t) for t in b) if isinstance(b, tuple) else np.asarray(b)
            for b in dataset]


# ----------------------------------------------------------------------------------
# MNIST from the original IDX files


@needs_mnist
def test_mnist_arrays_match_the_official_counts(mnist_test):
    images, labels = datasets.load_arrays("mnist", data_dir=DATA)
    assert images.shape == (60000, 28, 28, 1) and images.dtype == np.uint8
    assert labels.shape == (60000,) and labels.dtype == np.int32
    assert np.bincount(labels).tolist() == TRAIN_COUNTS
    images, labels = mnist_test
    assert images.shape == (10000, 28, 28, 1) and labels.dtype == np.int32
    assert np.bincount(labels).tolist() == TEST_COUNTS
    assert images.min() == 0 and images.max() == 255


@needs_mnist
def test_mnist_pipeline_scales_to_minus_one_one_exactly(mnist_test):
    dataset = datasets.load("mnist", split="test", data_dir=DATA, batch_size=10000,
                            shuffle=False)
    assert dataset.class_names == [str(d) for d in range(10)]
    [(x, y)] = batches(dataset)
    assert x.dtype == np.float32 and y.dtype == np.int32
    assert x.min() == -1.0 and x.max() == 1.0
    np.testing.assert_allclose(x, mnist_test[0] / 127.5 - 1.0, atol=1e-6)
    np.testing.assert_array_equal(y, mnist_test[1])


@needs_mnist
def test_mnist_batches_shuffle_each_epoch_and_reproducibly():
    dataset = datasets.load("mnist", data_dir=DATA, batch_size=64, seed=3)
    assert int(dataset.cardinality()) == 60000 // 64
    spec_x, spec_y = dataset.element_spec
    assert tuple(spec_x.shape) == (64, 28, 28, 1) and spec_x.dtype.name == "float32"
    assert tuple(spec_y.shape) == (64,) and spec_y.dtype.name == "int32"
    first = [next(iter(dataset))[1].numpy() for _ in range(2)]
    assert not np.array_equal(first[0], first[1])  # a new order every epoch
    again = datasets.load("mnist", data_dir=DATA, batch_size=64, seed=3)
    np.testing.assert_array_equal(next(iter(again))[1].numpy(), first[0])
    other = datasets.load("mnist", data_dir=DATA, batch_size=64, seed=4)
    assert not np.array_equal(next(iter(other))[1].numpy(), first[0])
    # drop_remainder=False keeps the last, smaller batch
    tail = datasets.load("mnist", split="test[:100]", data_dir=DATA, batch_size=64,
                         drop_remainder=False)
    assert [b[0].shape[0] for b in batches(tail)] == [64, 36]


@needs_mnist
def test_mnist_resize(mnist_test):
    dataset = datasets.load("mnist", split="test", data_dir=DATA, image_size=32,
                            batch_size=1000, shuffle=False)
    x, y = next(iter(dataset))
    x = x.numpy()
    assert x.shape == (1000, 32, 32, 1) and x.dtype == np.float32
    assert x.min() >= -1.0 and x.max() <= 1.0 and x.min() == -1.0 and x.max() > 0.99
    # enlarging 28 -> 32 keeps the mean ink per image
    original = mnist_test[0][:1000] / 127.5 - 1.0
    np.testing.assert_allclose(x.mean(axis=(1, 2, 3)), original.mean(axis=(1, 2, 3)),
                               atol=0.02)
    wide = datasets.load("mnist", split="test[:8]", data_dir=DATA, image_size=(16, 20),
                         batch_size=8)
    assert tuple(next(iter(wide))[0].shape) == (8, 16, 20, 1)
    small, _ = datasets.load_arrays("mnist", split="test[:8]", data_dir=DATA, image_size=14)
    assert small.shape == (8, 14, 14, 1) and small.dtype == np.uint8


@needs_mnist
def test_mnist_splits_and_the_environment_variable(tmp_path, monkeypatch, mnist_test):
    folder = tmp_path / "mnist"
    folder.mkdir()
    for file in os.listdir(MNIST):
        os.symlink(os.path.join(os.path.abspath(MNIST), file), folder / file)
    monkeypatch.setenv("KERAS_GAN_DATA", str(tmp_path))  # data_dir/mnist/ layout
    images, labels = datasets.load_arrays("mnist", split="test[:10%]")
    assert images.shape == (1000, 28, 28, 1)
    np.testing.assert_array_equal(labels, mnist_test[1][:1000])
    _, labels = datasets.load_arrays("mnist", split="test[9950:]")
    np.testing.assert_array_equal(labels, mnist_test[1][9950:])
    with pytest.raises(ValueError, match="'train', 'test'"):
        datasets.load_arrays("mnist", split="validation")
    # the IDX files directly in data_dir (MNIST only)
    _, labels = datasets.load_arrays("mnist", split="test[:5]", data_dir=MNIST)
    np.testing.assert_array_equal(labels, mnist_test[1][:5])
    # Fashion-MNIST has the same file names and format, in data_dir/fashion_mnist/
    os.symlink(folder, tmp_path / "fashion_mnist")
    fashion = datasets.load("fashion_mnist", split="test", batch_size=10)
    assert fashion.class_names[0] == "T-shirt/top" and int(fashion.cardinality()) == 1000
    with pytest.raises(ValueError, match="Unknown image dataset 'svhn'.*mnist.*celeb_a"):
        datasets.load("svhn")


@needs_mnist
def test_damaged_or_missing_idx_files_are_named(tmp_path):
    with open(os.path.join(MNIST, "t10k-labels-idx1-ubyte.gz"), "rb") as f:
        labels_gz = f.read()
    with open(os.path.join(MNIST, "t10k-images-idx3-ubyte.gz"), "rb") as f:
        images_gz = f.read()
    folder = tmp_path / "mnist"
    folder.mkdir()
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(images_gz)

    # truncated download: the gzip stream ends early
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(labels_gz[: len(labels_gz) // 2])
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte\.gz is corrupt or truncated"):
        datasets.load_arrays("mnist", split="test", data_dir=tmp_path)

    # a valid gzip whose IDX payload is cut short
    payload = gzip.decompress(labels_gz)
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(payload[:5000]))
    with pytest.raises(ValueError, match=r"t10k-labels.*header announces \(10000,\)"):
        datasets.load_arrays("mnist", split="test", data_dir=tmp_path)

    # labels where the images belong: the magic number tells
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(labels_gz)
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(labels_gz)
    with pytest.raises(ValueError, match=r"t10k-images.*magic number is 0x00000801"):
        datasets.load_arrays("mnist", split="test", data_dir=tmp_path)

    # a missing file of the split
    with pytest.raises(FileNotFoundError, match=r"train-images-idx3-ubyte\.gz is missing"):
        datasets.load("mnist", split="train", data_dir=tmp_path)


# ----------------------------------------------------------------------------------
# CIFAR-10 and CelebA from files in their original formats


def cifar_batch(rng, n):
    """A CIFAR-10 python batch as Krizhevsky's files hold it, and its NHWC images."""
    images = rng.integers(0, 256, size=(n, 32, 32, 3), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n).tolist()
    batch = {b"batch_label": b"testing batch", b"labels": labels,
             b"data": images.transpose(0, 3, 1, 2).reshape(n, 3072),
             b"filenames": [f"img_{i}.png".encode() for i in range(n)]}
    return pickle.dumps(batch, protocol=2), images, np.array(labels)


def write_cifar(root, archive=False):
    rng = np.random.default_rng(0)
    files, expected = {}, {"train": ([], []), "test": ([], [])}
    for name, split in [(f"data_batch_{i}", "train") for i in range(1, 6)] + [
            ("test_batch", "test")]:
        files[name], images, labels = cifar_batch(rng, 4 if split == "train" else 3)
        expected[split][0].append(images)
        expected[split][1].append(labels)
    if archive:
        with tarfile.open(root / "cifar-10-python.tar.gz", "w:gz") as tar:
            for name, raw in files.items():
                info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
                info.size = len(raw)
                tar.addfile(info, io.BytesIO(raw))
    else:
        folder = root / "cifar10" / "cifar-10-batches-py"
        folder.mkdir(parents=True)
        for name, raw in files.items():
            (folder / name).write_bytes(raw)
    return {k: (np.concatenate(v[0]), np.concatenate(v[1])) for k, v in expected.items()}


@pytest.mark.parametrize("archive", [False, True], ids=["folder", "archive"])
def test_cifar10_from_the_python_batches(tmp_path, archive):
    expected = write_cifar(tmp_path, archive=archive)
    for split, count in (("train", 20), ("test", 3)):
        images, labels = datasets.load_arrays("cifar10", split=split, data_dir=tmp_path)
        assert images.shape == (count, 32, 32, 3) and labels.dtype == np.int32
        np.testing.assert_array_equal(images, expected[split][0])
        np.testing.assert_array_equal(labels, expected[split][1])
    dataset = datasets.load("cifar10", data_dir=tmp_path, batch_size=8, shuffle=False)
    assert dataset.class_names[0] == "airplane" and len(dataset.class_names) == 10
    out = batches(dataset)
    assert len(out) == 2 and out[0][0].shape == (8, 32, 32, 3)
    np.testing.assert_allclose(out[0][0], expected["train"][0][:8] / 127.5 - 1, atol=1e-6)


def test_cifar10_refuses_foreign_pickles_and_names_missing_batches(tmp_path):
    write_cifar(tmp_path)
    folder = tmp_path / "cifar10" / "cifar-10-batches-py"
    (folder / "test_batch").write_bytes(pickle.dumps(os.getcwd))  # code, not a batch
    with pytest.raises(ValueError, match="test_batch is not a readable CIFAR-10 batch"):
        datasets.load_arrays("cifar10", split="test", data_dir=tmp_path)
    (folder / "data_batch_3").unlink()
    with pytest.raises(FileNotFoundError, match="data_batch_3 is missing"):
        datasets.load_arrays("cifar10", data_dir=tmp_path)


def test_celeb_a_offline_crops_the_face_and_has_no_labels(tmp_path):
    folder = tmp_path / "celeb_a" / "img_align_celeba"
    folder.mkdir(parents=True)
    face = np.zeros((218, 178, 3), dtype=np.uint8)
    face[:] = (0, 0, 255)  # blue outside the centre 108 x 108 window
    face[55:163, 35:143] = (255, 0, 0)
    for number in (1, 2, 3, 4, 5, 162771):
        Image.fromarray(face).save(folder / f"{number:06d}.jpg", quality=95)
    dataset = datasets.load("celeb_a", data_dir=tmp_path, image_size=16, batch_size=2, seed=0)
    assert dataset.class_names is None
    out = batches(dataset)
    assert len(out) == 2  # 5 training images (000001-000005), last batch dropped
    assert all(isinstance(b, np.ndarray) and b.shape == (2, 16, 16, 3) for b in out)
    # only the red face is left (JPEG blurs its colours a little at the edges)
    assert out[0][..., 0].min() > 0.7 and out[0][..., 2].max() < -0.5
    images, labels = datasets.load_arrays("celeb_a", split="validation", data_dir=tmp_path)
    assert labels is None and images.shape == (1, 108, 108, 3)


# ----------------------------------------------------------------------------------
# The TFDS path, with tensorflow_datasets.load replaced by an in-memory dataset


class _Calls(list):
    """The recorded `tfds.load` calls; `.reads`: one entry per example read."""


@pytest.fixture
def fake_tfds(monkeypatch):
    tfds = pytest.importorskip("tensorflow_datasets")
    import tensorflow as tf

    calls, reads = _Calls(), []
    rng = np.random.default_rng(0)
    examples = {
        "mnist": {"image": rng.integers(0, 256, (40, 28, 28, 1), dtype=np.uint8),
                  "label": np.arange(40, dtype=np.int64) % 10},
        "celeb_a": {"image": rng.integers(0, 256, (6, 218, 178, 3), dtype=np.uint8),
                    "landmarks": {"lefteye_x": np.zeros(6, dtype=np.int64)}},
    }

    def load(name, split=None, data_dir=None, batch_size=None, **kwargs):
        calls.append(dict(name=name, split=split, data_dir=data_dir,
                          batch_size=batch_size, **kwargs))
        data = examples[name]
        if batch_size == -1:
            return tf.nest.map_structure(tf.constant, data)

        def read(example):  # counts the examples the pipeline reads from "disk"
            tf.py_function(lambda: reads.append(1), [], [])
            return example

        return tf.data.Dataset.from_tensor_slices(data).map(read)

    monkeypatch.setattr(tfds, "load", load)
    calls.reads = reads
    return calls, examples


def test_tfds_path_arguments_and_pipeline(tmp_path, fake_tfds):
    calls, examples = fake_tfds
    dataset = datasets.load("mnist", split="train[:10%]", data_dir=tmp_path, batch_size=16,
                            seed=5, image_size=32)
    (call,) = calls
    assert call["name"] == "mnist" and call["split"] == "train[:10%]"
    assert call["data_dir"] == str(tmp_path) and call["shuffle_files"] is True
    assert call["read_config"].shuffle_seed == 5
    out = batches(dataset)
    assert len(out) == 2
    x, y = out[0]
    assert x.shape == (16, 32, 32, 1) and x.dtype == np.float32 and y.dtype == np.int32
    assert x.min() >= -1 and x.max() <= 1
    assert set(np.concatenate([b[1] for b in out]).tolist()) == set(range(10))

    # the small splits are decoded once: a second epoch reads nothing again
    assert len(calls.reads) == 40
    second = batches(dataset)
    assert len(calls.reads) == 40 and len(second) == 2
    # (reshuffled)
    assert not all(np.array_equal(a[1], b[1]) for a, b in zip(out, second))

    images, labels = datasets.load_arrays("mnist", split="test")
    assert calls[-1]["batch_size"] == -1 and calls[-1]["data_dir"] is None
    np.testing.assert_array_equal(images, examples["mnist"]["image"])
    assert labels.dtype == np.int32

    faces = datasets.load("celeb_a", image_size=64, batch_size=3, shuffle=False,
                          download=False)
    assert calls[-1]["download"] is False and calls[-1]["shuffle_files"] is False
    out = batches(faces)
    assert len(out) == 2 and out[0].shape == (3, 64, 64, 3)  # images only
    crop = examples["celeb_a"]["image"][:3, 55:163, 35:143]
    np.testing.assert_allclose(out[0].mean(axis=(1, 2)), crop.mean(axis=(1, 2)) / 127.5 - 1,
                               atol=0.01)


# ----------------------------------------------------------------------------------
# The user's own image folders


def make_image_folder(root):
    rng = np.random.default_rng(0)

    def rgb(h=24, w=30):
        return Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))

    (root / "cats" / "deep" / "nested").mkdir(parents=True)
    (root / "dogs").mkdir()
    rgb().save(root / "cats" / "a.png")
    rgb(40, 20).save(root / "cats" / "deep" / "nested" / "b.JPG")
    Image.fromarray(rng.integers(0, 256, (20, 20), dtype=np.uint8)).save(
        root / "cats" / "gray.png")
    Image.new("RGBA", (20, 20), (255, 0, 0, 0)).save(root / "dogs" / "clear.png")
    rgb().save(root / "dogs" / "c.bmp")
    rgb().save(root / "dogs" / "d.webp")
    rgb().convert("P").save(root / "dogs" / "palette.png")
    buffer = io.BytesIO()
    rgb(64, 64).save(buffer, format="JPEG")
    (root / "dogs" / "broken.jpg").write_bytes(buffer.getvalue()[:300])
    (root / "dogs" / "notes.png").write_text("not a picture")
    (root / "dogs" / "readme.txt").write_text("ignored: not an image extension")


def test_image_folder_labels_skips_and_converts(tmp_path):
    make_image_folder(tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dataset = datasets.image_folder(tmp_path, 16, batch_size=3, seed=0)
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert len(messages) == 1, messages
    assert "Skipped 2 of 9 files" in messages[0]
    assert "broken.jpg" in messages[0] and "notes.png" in messages[0]
    assert dataset.class_names == ["cats", "dogs"]
    assert len(dataset.file_paths) == 7
    for _ in range(2):  # every batch of two full epochs
        out = batches(dataset)
        assert len(out) == 2
        for x, y in out:
            assert x.shape == (3, 16, 16, 3) and x.dtype == np.float32 and y.dtype == np.int32
            assert x.min() >= -1 and x.max() <= 1
    with pytest.warns(UserWarning, match="Skipped 2 of 9"):
        unbatched = datasets.image_folder(tmp_path, 16, batch_size=None, shuffle=False)
    unbatched = batches(unbatched)
    labels = [int(y) for _, y in unbatched]
    assert sorted(labels) == [0, 0, 0, 1, 1, 1, 1]
    by_name = {os.path.basename(p): x for p, (x, _) in zip(dataset.file_paths, unbatched)}
    np.testing.assert_array_equal(by_name["clear.png"], 1.0)  # transparent -> white
    gray = by_name["gray.png"]
    np.testing.assert_array_equal(gray[..., 0], gray[..., 2])


def test_image_folder_crop_channels_and_errors(tmp_path):
    stripes = np.zeros((20, 40, 3), dtype=np.uint8)
    stripes[:, :10] = stripes[:, 30:] = (255, 0, 0)  # red margins, black centre
    (tmp_path / "only").mkdir()
    Image.fromarray(stripes).save(tmp_path / "only" / "wide.png")
    Image.fromarray(stripes).save(tmp_path / "loose.png")
    centre = batches(datasets.image_folder(tmp_path / "only", 10, batch_size=1,
                                           labels=False))[0]
    assert centre.shape == (1, 10, 10, 3)
    assert centre.max() == -1.0  # the centred square misses the red margins
    resized = batches(datasets.image_folder(tmp_path / "only", 10, batch_size=1,
                                            labels=False, crop="resize"))[0]
    assert resized[..., 0].max() == 1.0
    with pytest.warns(UserWarning, match="1 image.*directly in"):
        datasets.image_folder(tmp_path, 8, batch_size=1)
    flat = datasets.image_folder(tmp_path, (8, 12), batch_size=2, labels=False, channels=1)
    assert flat.class_names is None and tuple(flat.element_spec.shape) == (2, 8, 12, 1)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        datasets.image_folder(tmp_path / "missing", 8)
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    (tmp_path / "empty" / "sub" / "a.txt").write_text("x")
    with pytest.raises(ValueError, match="holds no images"):
        datasets.image_folder(tmp_path / "empty", 8)
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="no class sub-folders"):
        datasets.image_folder(tmp_path / "only", 8, labels=True)


# ----------------------------------------------------------------------------------
# Shapes


def coverage_areas(images):
    """Per-image shape area in pixels, from the anti-aliased coverage: a pixel is
    `background + c * (colour - background)`; the corner shows the background."""
    background = images[:, :1, :1, :]
    offset = np.linalg.norm(images - background, axis=-1)
    return (offset / offset.max(axis=(1, 2), keepdims=True)).sum(axis=(1, 2))


def test_shapes_range_determinism_and_geometry():
    start = time.perf_counter()
    images, labels = datasets.shapes(10000, image_size=32, seed=0)
    seconds = time.perf_counter() - start
    assert seconds < 2.0, f"10,000 shapes took {seconds:.2f} s"
    assert images.shape == (10000, 32, 32, 3) and images.dtype == np.float32
    assert labels.shape == (10000,) and labels.dtype == np.int32
    assert images.min() >= -1 and images.max() <= 1
    assert datasets.SHAPE_NAMES == ("circle", "square", "triangle")
    assert np.bincount(labels).min() > 3000
    first, again = (datasets.shapes(100, image_size=32, seed=7) for _ in range(2))
    np.testing.assert_array_equal(first[0], again[0])  # same seed, same images
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(datasets.shapes(100, image_size=32, seed=8)[0], first[0])
    # all four corners show the background
    corners = images[:, [0, 0, -1, -1], [0, -1, 0, -1]]
    np.testing.assert_allclose(corners, np.repeat(corners[:, :1], 4, axis=1), atol=1e-6)
    # same size parameter s: circle pi s^2, square 4 s^2, triangle 1.87 s^2
    area = [coverage_areas(images[labels == k]).mean() for k in range(3)]
    assert area[1] / area[0] == pytest.approx(4 / np.pi, rel=0.05)
    assert area[2] / area[0] == pytest.approx(3 * np.sqrt(3) / 4 * 1.44 / np.pi, rel=0.05)
    for size in (8, 64):
        small, _ = datasets.shapes(10, image_size=size, seed=2)
        assert small.shape == (10, size, size, 3)
    with pytest.raises(ValueError, match="image_size must be >= 8"):
        datasets.shapes(4, image_size=7)


def test_shapes_are_bright_saturated_colours_on_dark_grey():
    images, _ = datasets.shapes(500, image_size=32, seed=3)
    rgb = (images + 1) / 2
    background = rgb[:, 0, 0]
    # grey backgrounds in [0, 0.15]
    np.testing.assert_allclose(background, np.repeat(background[:, :1], 3, axis=1), atol=1e-6)
    assert background.min() >= -1e-6 and background.max() <= 0.15 + 1e-6
    # the brightest pixel of each image is the shape's colour: HSV value >= 0.8 and
    # saturation >= 0.6 (a fully covered pixel exists: every shape spans > 2 pixels)
    flat = rgb.reshape(len(rgb), -1, 3)
    colour = flat[np.arange(len(flat)), flat.max(axis=2).argmax(axis=1)]
    value, low = colour.max(axis=1), colour.min(axis=1)
    assert value.min() >= 0.8 - 1e-5
    assert ((value - low) / value).min() >= 0.6 - 1e-5
    hues = np.arctan2(np.sqrt(3) * (colour[:, 1] - colour[:, 2]),
                      2 * colour[:, 0] - colour[:, 1] - colour[:, 2])
    assert np.histogram(hues, bins=6, range=(-np.pi, np.pi))[0].min() > 30  # every hue


@needs_mnist
def test_stacked_mnist_stacks_three_labelled_digits(mnist_test):
    images, modes = datasets.stacked_mnist(500, split="test", data_dir=DATA, seed=4)
    assert images.shape == (500, 28, 28, 3) and images.dtype == np.uint8
    assert modes.dtype == np.int32 and modes.min() >= 0 and modes.max() < 1000
    digits, labels = mnist_test
    # Each channel is one of the test digits, with the label the mode says.
    lookup = {d.tobytes(): l for d, l in zip(digits[..., 0], labels)}
    for image, mode in zip(images[:20], modes[:20]):
        got = [lookup[image[..., c].tobytes()] for c in range(3)]
        assert 100 * got[0] + 10 * got[1] + got[2] == mode
    assert len(np.unique(modes)) > 350  # 500 draws over 1000 modes
    same = datasets.stacked_mnist(500, split="test", data_dir=DATA, seed=4)
    np.testing.assert_array_equal(same[1], modes)
