"""Super-resolution training pairs (`datasets.sr_pairs`, `datasets.div2k`): shapes and
ranges; aligned pairs, LR windows exactly of MATLAB `bicubic_downscale` of the whole
image (in memory, streamed, or a dataset's own "lr"); `lr_from="crop"`, LR exactly
MATLAB `imresize` of the HR crop; the 8 symmetries of the square, the same on both
patches; folders with damaged files, BSD68, seeded reproducibility, streams and `fit`."""

import time
from pathlib import Path

import keras
import numpy as np
import pytest
from PIL import Image

from keras_gan.datasets import bicubic_downscale, div2k, imresize, sr_pairs

BSD68 = Path(__file__).parents[1] / ".." / "shared" / "data" / "sr" / "BSD68"


def random_images(sizes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for h, w in sizes]


def smooth_images(sizes, seed=0):
    """Natural-ish images (smooth gradients plus noise), so that bicubic overshoot and
    rounding are exercised the way real photos exercise them."""
    rng = np.random.default_rng(seed)
    out = []
    for h, w in sizes:
        y, x = np.mgrid[0:h, 0:w]
        base = 127 + 100 * np.sin(x[..., None] / rng.uniform(3, 12) + np.arange(3))
        base = base * np.cos(y[..., None] / rng.uniform(3, 12))
        out.append(np.clip(base + rng.normal(0, 20, (h, w, 3)), 0, 255).astype(np.uint8))
    return out


def to_uint8(x, value_range):
    """Float pipeline output back to the 0..255 values it was scaled from."""
    low, high = value_range
    values = (np.asarray(x, np.float64) - low) * 255.0 / (high - low)
    rounded = np.round(values)
    assert np.abs(values - rounded).max() < 1e-3  # integer-valued before scaling
    return rounded.astype(np.uint8)


def take(dataset, n):
    iterator = dataset.as_numpy_iterator()
    return [next(iterator) for _ in range(n)]


def windows(patch, image):
    """The `(top, left)` positions where `patch` is a window of `image`."""
    p = patch.shape[0]
    h, w = image.shape[0] - p + 1, image.shape[1] - p + 1
    if h < 1 or w < 1:
        return []
    corners = (np.all(image[:h, :w] == patch[0, 0], axis=-1)
               & np.all(image[p - 1:, p - 1:] == patch[-1, -1], axis=-1))
    return [(top, left) for top, left in zip(*np.nonzero(corners))
            if np.array_equal(image[top:top + p, left:left + p], patch)]


def is_window(patch, images):
    """Whether `patch` is a window of one of `images`."""
    return any(windows(patch, image) for image in images)


def dihedral(image):
    """The 8 symmetries of a square image; index 0 is the identity."""
    out = []
    for k in range(4):
        rotated = np.rot90(image, k)
        out += [rotated, rotated[:, ::-1]]
    return out


def whole_image_lr(images, scale=4, **kwargs):
    """`(hr_cropped, lr)` lists: the mod-cropped images and `bicubic_downscale` of each."""
    pairs = [bicubic_downscale(image, scale, **kwargs) for image in images]
    return [hr for hr, _ in pairs], [lr for _, lr in pairs]


def find_pair(lr, hr, hrs, lrs, scale=4, equal=np.array_equal):
    """`(image, top, left, symmetry)` such that the pair `(lr, hr)` is, up to the same
    symmetry of the square on both, the HR window of `hrs[image]` at `(top, left)`, a
    multiple of `scale`, and the LR window of `lrs[image]` at `(top, left) / scale`;
    None if there is none. `lrs` may be a function of the image's index instead."""
    size = lr.shape[0]
    for index, hr_image in enumerate(hrs):
        for symmetry, (hr_t, lr_t) in enumerate(zip(dihedral(hr), dihedral(lr))):
            p = hr_t.shape[0]  # windows at multiples of scale only
            grid = hr_image[:hr_image.shape[0] - p + 1:scale, :hr_image.shape[1] - p + 1:scale]
            for i, j in zip(*np.nonzero(np.all(grid == hr_t[0, 0], axis=-1))):
                top, left = scale * i, scale * j
                if not np.array_equal(hr_image[top:top + p, left:left + p], hr_t):
                    continue
                lr_image = lrs(index) if callable(lrs) else lrs[index]
                if equal(lr_t, lr_image[i:i + size, j:j + size]):
                    return index, top, left, symmetry
    return None


def test_shapes_dtypes_and_ranges():
    images = smooth_images([(120, 150), (96, 96), (200, 97)])
    lr, hr = take(sr_pairs(images, batch_size=8, seed=0), 1)[0]
    assert lr.shape == (8, 24, 24, 3) and hr.shape == (8, 96, 96, 3)
    assert lr.dtype == np.float32 and hr.dtype == np.float32
    assert 0.0 <= lr.min() and lr.max() <= 1.0 and -1.0 <= hr.min() and hr.max() <= 1.0
    assert hr.min() < -0.5 and hr.max() > 0.5  # actually spans the range

    # ESRGAN's convention, another scale, unbatched elements
    data = sr_pairs(images, scale=2, patch_size=64, lr_range=(-1, 1), hr_range=(0, 1),
                    batch_size=None, seed=0)
    lr, hr = take(data, 1)[0]
    assert lr.shape == (32, 32, 3) and hr.shape == (64, 64, 3)
    assert -1.0 <= lr.min() and lr.max() <= 1.0 and 0.0 <= hr.min() and hr.max() <= 1.0


@pytest.mark.parametrize("augment", [False, True])
def test_pairs_are_aligned_windows_of_the_whole_image_lr(augment):
    # sizes that are not multiples of 4: the HR is mod-cropped before downscaling
    images = smooth_images([(101, 130), (70, 150), (64, 83)], seed=1)
    hrs, lrs = whole_image_lr(images)
    seen = set()
    for seed in (0, 1, 2) if augment else (0, 1):
        data = sr_pairs(images, patch_size=32, augment=augment, batch_size=8, seed=seed)
        for lr, hr in take(data, 1):
            for lr_k, hr_k in zip(lr, hr):
                found = find_pair(to_uint8(lr_k, (0, 1)), to_uint8(hr_k, (-1, 1)), hrs, lrs)
                assert found is not None
                seen.add(found[3])
    assert seen == {0} if not augment else len(seen) >= 4


def test_lr_edges_see_the_image_not_the_crop():
    """The outer two LR pixels (the kernel half-width at x4) differ from the downscale
    of the crop alone, which mirrors the crop's border; the inner ones are the same."""
    images = random_images([(120, 140), (100, 100)], seed=2)
    lr, hr = take(sr_pairs(images, patch_size=48, augment=False, batch_size=16, seed=3), 1)[0]
    for lr_k, hr_k in zip(lr, hr):
        lr_u8, hr_u8 = to_uint8(lr_k, (0, 1)), to_uint8(hr_k, (-1, 1))
        of_crop = imresize(hr_u8, 1 / 4)
        np.testing.assert_array_equal(lr_u8[2:-2, 2:-2], of_crop[2:-2, 2:-2])
        edges = np.ones(lr_u8.shape[:2], bool)
        edges[2:-2, 2:-2] = False
        assert not np.array_equal(lr_u8[edges], of_crop[edges])


@pytest.mark.parametrize("augment", [False, True])
def test_lr_from_crop_is_matlab_imresize_of_the_hr_crop(augment):
    """The pipeline of earlier versions: HR crops at any position, LR of the crop."""
    images = smooth_images([(70, 90), (50, 120), (48, 64)], seed=1)
    offsets = set()
    data = sr_pairs(images, patch_size=48, augment=augment, batch_size=8, seed=2,
                    lr_from="crop")
    for lr, hr in take(data, 2):
        for lr_k, hr_k in zip(lr, hr):
            hr_u8 = to_uint8(hr_k, (-1, 1))
            if not augment:
                positions = [w for image in images for w in windows(hr_u8, image)]
                assert positions and not is_window(hr_u8[::-1], images)
                offsets.update(top % 4 for top, _ in positions)
            else:
                assert any(is_window(t, images) for t in dihedral(hr_u8))
            np.testing.assert_array_equal(to_uint8(lr_k, (0, 1)), imresize(hr_u8, 1 / 4))
    assert augment or len(offsets) > 1  # not only multiples of the scale


def test_unrounded_lr_and_replicate_boundary():
    images = smooth_images([(100, 100), (151, 122)], seed=3)
    hrs = [image[:image.shape[0] // 3 * 3, :image.shape[1] // 3 * 3] for image in images]
    lrs = [np.clip(imresize(hr.astype(np.float64), 1 / 3), 0, 255) for hr in hrs]

    def close(a, b):
        return a.shape == b.shape and np.allclose(a, b, rtol=0, atol=1e-4)

    data = sr_pairs(images, scale=3, patch_size=48, round_lr=False, lr_range=(0, 255),
                    hr_range=(0, 255), batch_size=4, seed=0)
    lr, hr = take(data, 1)[0]
    assert lr.shape == (4, 16, 16, 3)
    for lr_k, hr_k in zip(lr, hr):
        assert find_pair(lr_k, to_uint8(hr_k, (0, 255)), hrs, lrs, scale=3, equal=close)
    assert not np.allclose(lr, np.round(lr))  # really unrounded
    data = sr_pairs(images, scale=3, patch_size=48, round_lr=False, lr_range=(0, 255),
                    hr_range=(0, 255), batch_size=4, seed=0, lr_from="crop")
    for lr_k, hr_k in zip(*take(data, 1)[0]):
        expected = imresize(hr_k.astype(np.float64), 1 / 3)
        np.testing.assert_allclose(lr_k, np.clip(expected, 0, 255), atol=1e-4)

    # the replicate boundary of older MATLAB releases
    hrs, lrs = whole_image_lr(images, boundary="replicate")
    lr, hr = take(sr_pairs(images, boundary="replicate", augment=False, batch_size=2,
                           seed=0), 1)[0]
    for lr_k, hr_k in zip(lr, hr):
        assert find_pair(to_uint8(lr_k, (0, 1)), to_uint8(hr_k, (-1, 1)), hrs, lrs)
    lr, hr = take(sr_pairs(images, boundary="replicate", augment=False, batch_size=2,
                           seed=0, lr_from="crop"), 1)[0]
    for lr_k, hr_k in zip(lr, hr):
        hr_u8 = to_uint8(hr_k, (-1, 1))
        np.testing.assert_array_equal(to_uint8(lr_k, (0, 1)),
                                      imresize(hr_u8, 1 / 4, boundary="replicate"))


def test_augmentation_covers_the_eight_symmetries():
    # asymmetric: all 8 transforms differ; 34 x 35 is mod-cropped to the 32 x 32 patch
    image = random_images([(34, 35)], seed=4)[0]
    hr_full, lr_full = bicubic_downscale(image, 4)
    transforms = {t.tobytes(): i for i, t in enumerate(dihedral(hr_full))}
    assert len(transforms) == 8
    seen = []
    for lr, hr in take(sr_pairs([image], patch_size=32, batch_size=None, seed=5), 160):
        k = transforms[to_uint8(hr, (-1, 1)).tobytes()]  # KeyError: not a symmetry
        seen.append(k)
        # the LR is the same symmetry of the image's LR (which, for transposes, is not
        # the downscale of the transformed HR: MATLAB rounds after the first axis)
        np.testing.assert_array_equal(to_uint8(lr, (0, 1)), dihedral(lr_full)[k])
    counts = np.bincount(seen, minlength=8)
    assert counts.min() >= 8, counts  # every one, roughly uniformly (expected 20 each)
    plain = take(sr_pairs([image], patch_size=32, batch_size=None, augment=False,
                          seed=5), 20)
    assert all(np.array_equal(to_uint8(hr, (-1, 1)), hr_full) for _, hr in plain)
    # lr_from="crop": the symmetry on the HR crop, then its downscale
    square = image[:32, :32]
    transforms = {t.tobytes(): i for i, t in enumerate(dihedral(square))}
    seen = []
    for lr, hr in take(sr_pairs([square], patch_size=32, batch_size=None, seed=5,
                                lr_from="crop"), 80):
        hr_u8 = to_uint8(hr, (-1, 1))
        seen.append(transforms[hr_u8.tobytes()])
        np.testing.assert_array_equal(to_uint8(lr, (0, 1)), imresize(hr_u8, 1 / 4))
    assert len(set(seen)) == 8


def test_argument_errors(tmp_path):
    images = random_images([(64, 64)])
    with pytest.raises(ValueError, match="multiple of scale.*patch_size=90, scale=4"):
        sr_pairs(images, patch_size=90)
    with pytest.raises(ValueError, match="uint8 RGB array"):
        sr_pairs([images[0].astype(np.float32)], patch_size=32)
    with pytest.raises(ValueError, match="uint8 RGB array"):
        sr_pairs([images[0][..., 0]], patch_size=32)
    with pytest.raises(ValueError, match="All 1 images are smaller than the 96 x 96"):
        sr_pairs(images)
    with pytest.raises(ValueError, match="lr_range"):
        sr_pairs(images, patch_size=32, lr_range=(1, 0))
    with pytest.raises(ValueError, match="lr_from must be one of"):
        sr_pairs(images, patch_size=32, lr_from="hr")
    with pytest.raises(TypeError, match="hr_images must be"):
        sr_pairs(42)
    with pytest.raises(FileNotFoundError):
        sr_pairs(tmp_path / "missing")


def test_folder_skips_damaged_files_and_small_images(tmp_path):
    images = smooth_images([(80, 100), (70, 64), (64, 90), (40, 40)], seed=6)
    (tmp_path / "a" / "b").mkdir(parents=True)
    Image.fromarray(images[0]).save(tmp_path / "one.png")
    Image.fromarray(images[1]).save(tmp_path / "a" / "two.webp", lossless=True)
    Image.fromarray(images[2]).save(tmp_path / "a" / "b" / "three.PNG")
    Image.fromarray(images[3]).save(tmp_path / "a" / "small.png")
    (tmp_path / "a" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (tmp_path / "notes.txt").write_text("not an image")
    with pytest.warns(UserWarning) as record:
        data = sr_pairs(tmp_path, patch_size=64, batch_size=4, augment=False, seed=0)
    messages = [str(w.message) for w in record]
    assert any("Skipped 1 of 5 files that are not readable images: "
               f"{Path('a', 'broken.jpg')}" in m for m in messages), messages
    assert any("Skipped 1 of 4 images smaller than the 64 x 64 patch" in m
               for m in messages), messages
    assert sorted(Path(p).name for p in data.file_paths) == ["one.png", "three.PNG",
                                                            "two.webp"]
    hrs, lrs = whole_image_lr(images[:3])
    for lr, hr in take(data, 2):
        for lr_k, hr_k in zip(lr, hr):
            assert find_pair(to_uint8(lr_k, (0, 1)), to_uint8(hr_k, (-1, 1)), hrs, lrs)


@pytest.mark.skipif(not BSD68.is_dir(), reason=f"BSD68 not found at {BSD68} (the offline "
                    "data of ../shared/data/sr)")
def test_bsd68_folder():
    start = time.perf_counter()
    data = sr_pairs(BSD68, batch_size=16, seed=0)
    assert time.perf_counter() - start < 15  # decoding and downscaling 68 images
    assert len(data.file_paths) == 68
    lr, hr = take(data, 1)[0]
    assert lr.shape == (16, 24, 24, 3) and hr.shape == (16, 96, 96, 3)
    hrs = [np.asarray(Image.open(p).convert("RGB")) for p in data.file_paths]
    hrs = [hr[:hr.shape[0] // 4 * 4, :hr.shape[1] // 4 * 4] for hr in hrs]
    for lr_k, hr_k in zip(lr[:4], hr[:4]):  # only the LR of the images found
        assert find_pair(to_uint8(lr_k, (0, 1)), to_uint8(hr_k, (-1, 1)), hrs,
                         lambda i: bicubic_downscale(hrs[i], 4)[1])
    # one pass without repeat: one patch per image, then the end
    epoch = list(sr_pairs(BSD68, batch_size=17, repeat=False, seed=0,
                          lr_from="crop").as_numpy_iterator())
    assert len(epoch) == 4 and all(hr.shape == (17, 96, 96, 3) for _, hr in epoch)


@pytest.mark.parametrize("lr_from", ["image", "crop"])
def test_seeded_pipelines_repeat_identically(lr_from):
    images = random_images([(100, 130), (97, 200), (150, 96)], seed=7)

    def batches(seed, **kwargs):
        return take(sr_pairs(images, batch_size=4, seed=seed, lr_from=lr_from, **kwargs), 4)

    first, second = batches(11), batches(11)
    for (lr1, hr1), (lr2, hr2) in zip(first, second):
        np.testing.assert_array_equal(lr1, lr2)
        np.testing.assert_array_equal(hr1, hr2)
    if lr_from == "crop":  # the rest is the same code for both
        return
    other = batches(12)
    assert not all(np.array_equal(a[1], b[1]) for a, b in zip(first, other))
    # without repeat: each epoch is a pass over the images, with fresh crops
    data = sr_pairs(images, batch_size=None, repeat=False, patches_per_image=2, seed=3)
    epoch1 = list(data.as_numpy_iterator())
    epoch2 = list(data.as_numpy_iterator())
    assert len(epoch1) == len(epoch2) == 6
    assert not all(np.array_equal(a[1], b[1]) for a, b in zip(epoch1, epoch2))


def test_dataset_input_streams_patches():
    import tensorflow as tf

    images = smooth_images([(101, 130), (50, 60), (97, 200)], seed=8)
    hrs, lrs = whole_image_lr([images[0], images[2]])

    def generate():
        yield from images

    stream = tf.data.Dataset.from_generator(
        generate, output_signature=tf.TensorSpec((None, None, 3), tf.uint8))
    data = sr_pairs(stream, batch_size=None, repeat=False, patches_per_image=3, seed=0)
    pairs = list(data.as_numpy_iterator())
    assert len(pairs) == 6  # the 50 x 60 image is dropped
    for lr, hr in pairs:  # the LR of the whole image, computed as in memory
        assert find_pair(to_uint8(lr, (0, 1)), to_uint8(hr, (-1, 1)), hrs, lrs)
    # tensorflow_datasets-style dict elements; seeded repeat
    dicts = tf.data.Dataset.from_generator(
        lambda: ({"hr": image} for image in images),
        output_signature={"hr": tf.TensorSpec((None, None, 3), tf.uint8)})
    a = take(sr_pairs(dicts, batch_size=2, seed=1, shuffle_buffer=8), 3)
    b = take(sr_pairs(dicts, batch_size=2, seed=1, shuffle_buffer=8), 3)
    for (lr1, hr1), (lr2, hr2) in zip(a, b):
        np.testing.assert_array_equal(hr1, hr2)
        np.testing.assert_array_equal(lr1, lr2)
    for lr, hr in a:
        for lr_k, hr_k in zip(lr, hr):
            assert find_pair(to_uint8(lr_k, (0, 1)), to_uint8(hr_k, (-1, 1)), hrs, lrs)
    small = tf.data.Dataset.from_tensor_slices(np.zeros((3, 40, 40, 3), np.uint8))
    assert list(sr_pairs(small, batch_size=2).as_numpy_iterator()) == []  # no hang
    with pytest.raises(ValueError, match="single uint8 images"):
        sr_pairs(tf.data.Dataset.from_tensor_slices(np.zeros((2, 8, 8, 3), np.float32)))


def test_dataset_with_its_own_lr():
    """Dicts with "lr" next to "hr" (tensorflow_datasets' div2k/bicubic_x4): the
    dataset's LR is cropped in aligned pairs, not recomputed."""
    import tensorflow as tf

    images = random_images([(37, 34), (64, 48)], seed=9)
    # any LR will do (here noise, not a downscale); 10 x 9 is ceil((37, 34) / 4), as
    # from an image that was not mod-cropped: its last row and column are dropped
    given = random_images([(10, 9), (16, 12)], seed=10)
    signature = {key: tf.TensorSpec((None, None, 3), tf.uint8) for key in ("hr", "lr")}

    def dataset(lrs, key="hr"):
        return tf.data.Dataset.from_generator(
            lambda: ({key: hr, "lr": lr} for hr, lr in zip(images, lrs)),
            output_signature={key: signature["hr"], "lr": signature["lr"]})

    hrs = [images[0][:36, :32], images[1]]
    lrs = [given[0][:9, :8], given[1]]
    data = sr_pairs(dataset(given), patch_size=32, batch_size=None, repeat=False,
                    patches_per_image=8, seed=0)
    pairs = list(data.as_numpy_iterator())
    assert len(pairs) == 16
    found = [find_pair(to_uint8(lr, (0, 1)), to_uint8(hr, (-1, 1)), hrs, lrs)
             for lr, hr in pairs]
    assert None not in found
    assert (0, 4, 0) in {f[:3] for f in found}  # down to the mod-cropped HR's last row
    assert len({f[3] for f in found}) > 1  # augmented together
    # lr_from="crop" ignores the dataset's LR
    for lr, hr in take(sr_pairs(dataset(given), patch_size=32, batch_size=None, seed=0,
                                lr_from="crop", shuffle_buffer=4), 4):
        hr_u8 = to_uint8(hr, (-1, 1))
        np.testing.assert_array_equal(to_uint8(lr, (0, 1)), imresize(hr_u8, 1 / 4))
    # an LR of another scale: a clear error when iterating (HR under "image" this time)
    with pytest.raises(tf.errors.InvalidArgumentError, match="needs HR / scale.*scale=2"):
        take(sr_pairs(dataset(given, "image"), scale=2, patch_size=32, seed=0,
                      shuffle=False), 1)
    with pytest.raises(ValueError, match="'lr' images of a dataset must be uint8"):
        sr_pairs(tf.data.Dataset.from_tensors({"hr": images[0],
                                               "lr": given[0].astype(np.float32)}))


def test_div2k_offline_folder_and_clear_error_when_absent(tmp_path):
    folder = tmp_path / "DIV2K_train_HR"
    folder.mkdir()
    images = smooth_images([(70, 90), (64, 80), (100, 64)], seed=9)
    for i, image in enumerate(images):
        Image.fromarray(image).save(folder / f"{i + 1:04d}.png")
    hr = list(div2k(data_dir=tmp_path, shuffle=False).as_numpy_iterator())
    assert [h.shape for h in hr] == [i.shape for i in images]
    assert all(np.array_equal(h, i) for h, i in zip(hr, images))
    assert len(list(div2k("train[1:]", data_dir=tmp_path).as_numpy_iterator())) == 2
    lr, hr = take(sr_pairs(div2k(data_dir=tmp_path, seed=0), patch_size=64, batch_size=4,
                           seed=0, shuffle_buffer=4), 1)[0]
    assert lr.shape == (4, 16, 16, 3) and hr.shape == (4, 64, 64, 3)

    # no original files and no prepared TFDS data: a message that says what to do
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(RuntimeError, match=r"div2k/bicubic_x4.*DIV2K_train_HR\.zip.*"
                                           r"data_dir"):
        div2k(data_dir=empty, download=False)


def test_fit_takes_the_pairs_as_x_and_y():
    images = smooth_images([(64, 80), (72, 72)], seed=10)
    data = sr_pairs(images, patch_size=32, batch_size=4, seed=0)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.UpSampling2D(4),
                              keras.layers.Conv2D(3, 3, padding="same")])
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(data, steps_per_epoch=2, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
