"""The super-resolution evaluation protocol: MATLAB-compatible bicubic `imresize` (checked
against a slow direct-formula reference and hand-derived values) and the bicubic x4
baseline of Set5 / Set14 against the published PSNR-Y (SRCNN / SRGAN / EDSR tables)."""

import math
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from keras_gan.datasets import bicubic_downscale, imresize
from keras_gan.metrics import psnr

SR_DATA = Path(__file__).parents[1] / ".." / "shared" / "data" / "sr"


# A slow reference, written from the formulas of MATLAB's imresize.m (contributions,
# cubic, the mirrored indices), one output sample and one tap at a time.

def ref_cubic(x):
    x = abs(x)
    if x <= 1:
        return 1.5 * x ** 3 - 2.5 * x ** 2 + 1
    if x <= 2:
        return -0.5 * x ** 3 + 2.5 * x ** 2 - 4 * x + 2
    return 0.0


def ref_index(j, n, boundary):
    """1-based tap index j brought inside 1..n."""
    if boundary == "replicate":
        return min(max(j, 1), n)
    while j < 1 or j > n:  # reflect about the outer edge of the first / last sample
        j = 1 - j if j < 1 else 2 * n + 1 - j
    return j


def ref_resize_1d(signal, out_length, scale, boundary):
    n = len(signal)
    width = 4 / scale if scale < 1 else 4
    out = []
    for x in range(1, out_length + 1):
        u = x / scale + 0.5 * (1 - 1 / scale)
        first = math.floor(u - width / 2)
        taps = range(first, first + math.ceil(width) + 2)
        w = [scale * ref_cubic(scale * (u - j)) if scale < 1 else ref_cubic(u - j) for j in taps]
        total = sum(w)
        out.append(sum(wk / total * signal[ref_index(j, n, boundary) - 1]
                       for wk, j in zip(w, taps)))
    return out


def ref_round(v):
    return min(255, max(0, math.floor(abs(v) + 0.5) * (1 if v >= 0 else -1)))


def ref_imresize(image, out_shape, scales, boundary="symmetric"):
    """(H, W, C) float64 or uint8 image; MATLAB order (smaller scale first), uint8
    rounded after each axis."""
    uint8 = image.dtype == np.uint8
    x = image.astype(np.float64)
    for axis in sorted((0, 1), key=lambda a: scales[a]):
        shape = list(x.shape)
        shape[axis] = out_shape[axis]
        y = np.zeros(shape)
        moved_x, moved_y = np.moveaxis(x, axis, 0), np.moveaxis(y, axis, 0)
        for i in range(moved_x.shape[1]):
            for c in range(moved_x.shape[2]):
                moved_y[:, i, c] = ref_resize_1d(list(moved_x[:, i, c]), out_shape[axis],
                                                 scales[axis], boundary)
        if uint8:
            y = np.vectorize(ref_round)(y)
        x = y
    return x.astype(image.dtype)


CASES = [  # (input shape, scale): shrink x2, x3, x4, enlarge x2, x4, non-square
    ((12, 16, 3), 1 / 2),
    ((15, 21, 2), 1 / 3),
    ((16, 24, 1), 1 / 4),
    ((7, 10, 3), 2),
    ((5, 9, 3), 4),
    ((13, 18, 3), 1 / 4),  # not a multiple of the scale: ceil(13 / 4) = 4 rows
]


@pytest.mark.parametrize("shape,scale", CASES)
@pytest.mark.parametrize("boundary", ["symmetric", "replicate"])
def test_float_matches_reference(shape, scale, boundary, numpy_rng):
    image = numpy_rng.uniform(0, 255, shape)
    out = imresize(image, scale, boundary=boundary)
    out_shape = tuple(math.ceil(scale * n - 1e-9) for n in shape[:2])
    assert out.shape == out_shape + shape[2:] and out.dtype == np.float64
    np.testing.assert_allclose(out, ref_imresize(image, out_shape, (scale, scale), boundary),
                               rtol=0, atol=1e-9)


@pytest.mark.parametrize("shape,scale", CASES)
def test_uint8_matches_reference(shape, scale, numpy_rng):
    image = numpy_rng.integers(0, 256, shape, dtype=np.uint8)
    out = imresize(image, scale)
    assert out.dtype == np.uint8
    out_shape = out.shape[:2]
    np.testing.assert_array_equal(out, ref_imresize(image, out_shape, (scale, scale)))


def test_output_shape_and_layouts_match_reference(numpy_rng):
    """Per-axis scales out / in, the axis that shrinks most first; (H, W), (H, W, C) and
    (N, H, W, C) give the same pixels."""
    batch = numpy_rng.integers(0, 256, (2, 10, 12, 3), dtype=np.uint8)
    out = imresize(batch, output_shape=(23, 5))
    assert out.shape == (2, 23, 5, 3) and out.dtype == np.uint8
    for image, resized in zip(batch, out):
        np.testing.assert_array_equal(resized, ref_imresize(image, (23, 5), (2.3, 5 / 12)))
        np.testing.assert_array_equal(imresize(image, output_shape=(23, 5)), resized)
        np.testing.assert_array_equal(imresize(image[..., 1], output_shape=(23, 5)),
                                      resized[..., 1])
    floats = batch.astype(np.float32) / 255
    out = imresize(floats, scale=(0.5, 2))
    assert out.shape == (2, 5, 24, 3) and out.dtype == np.float32
    np.testing.assert_allclose(
        out[1], ref_imresize(floats[1].astype(np.float64), (5, 24), (0.5, 2)), atol=1e-6)


@pytest.mark.parametrize("scale", [1 / 2, 1 / 3, 1 / 4, 2, 3, 4, 1])
def test_constants_preserved(scale):
    for value, dtype in ((37, np.uint8), (0.3, np.float64)):
        image = np.full((12, 9, 3), value, dtype)
        out = imresize(image, scale)
        assert out.dtype == dtype
        np.testing.assert_allclose(out, value, rtol=0, atol=1e-12)
    identity = np.arange(60, dtype=np.float64).reshape(6, 10)
    np.testing.assert_array_equal(imresize(identity, 1), identity)


def test_known_values_downscale_by_two():
    """A 4 x 4 horizontal ramp 0, 64, 128, 192 shrunk by 2, worked out by hand: output 1
    samples u = 1.5 with the widened kernel 0.5 k(x / 2) on taps -3..6, whose weights
    0.4336, 0.1133, -0.0352, -0.0117 fold by the mirror onto inputs 1..4 as
    0.546875, 0.3984375, 0.1015625, -0.046875, giving 29.5; output 2 is 192 - 29.5."""
    ramp = np.tile(np.array([0, 64, 128, 192], np.uint8), (4, 1))
    np.testing.assert_allclose(imresize(ramp.astype(np.float64), 0.5),
                               [[29.5, 162.5], [29.5, 162.5]], atol=1e-12)
    # uint8: half away from zero, as MATLAB (numpy's half-to-even would give 162).
    np.testing.assert_array_equal(imresize(ramp, 0.5), [[30, 163], [30, 163]])


def test_known_values_upscale_by_two_border():
    """The same ramp enlarged by 2: u = x / 2 + 1/4. Inside, the a = -0.5 cubic reproduces
    the line (u = 2.25 gives 80); at the border the mirrored tap (index -1 -> 2) pulls
    output 1 to -6 (replicate, index -1 -> 1: -4.5), and uint8 rounds half away from zero
    and saturates."""
    ramp = np.tile(np.array([0, 64, 128, 192], np.float64), (4, 1))
    symmetric = [-6, 11.5, 46.5, 80, 112, 145.5, 180.5, 198]
    replicate = [-4.5, 11.5, 46.5, 80, 112, 145.5, 180.5, 196.5]
    np.testing.assert_allclose(imresize(ramp, 2), np.tile(symmetric, (8, 1)), atol=1e-12)
    np.testing.assert_allclose(imresize(ramp, 2, boundary="replicate"),
                               np.tile(replicate, (8, 1)), atol=1e-12)
    np.testing.assert_array_equal(imresize(ramp.astype(np.uint8), 2)[0],
                                  [0, 12, 47, 80, 112, 146, 181, 198])


def test_dtypes_clipping_and_rounding():
    edge = np.zeros((8, 8), np.float32)
    edge[:, 4:] = 1
    up = imresize(edge, 4)
    assert up.dtype == np.float32 and up.min() < 0 and up.max() > 1  # bicubic overshoot kept
    up8 = imresize((edge * 255).astype(np.uint8), 4)
    assert up8.dtype == np.uint8 and up8.min() == 0 and up8.max() == 255  # saturated
    np.testing.assert_array_equal(up8, np.clip(np.floor(up.astype(np.float64) * 255 + 0.5), 0, 255))
    assert imresize(np.zeros((4, 4), np.uint16) + 1000, 0.5).dtype == np.uint16


def test_bicubic_downscale_modcrop():
    image = np.random.default_rng(0).integers(0, 256, (2, 13, 18, 3), dtype=np.uint8)
    hr, lr = bicubic_downscale(image, 4)
    assert hr.shape == (2, 12, 16, 3) and lr.shape == (2, 3, 4, 3) and lr.dtype == np.uint8
    np.testing.assert_array_equal(hr, image[:, :12, :16])  # top-left crop, as MATLAB modcrop
    np.testing.assert_array_equal(lr, imresize(image[:, :12, :16], 0.25))
    hr, lr = bicubic_downscale(image[0, :, :, 0], 3)
    assert hr.shape == (12, 18) and lr.shape == (4, 6)


def test_fast_on_a_512_image():
    image = np.random.default_rng(0).integers(0, 256, (512, 512, 3), dtype=np.uint8)
    imresize(imresize(image, 0.25), 4)  # builds the cached matrices
    start = time.perf_counter()
    out = imresize(imresize(image, 0.25), 4)
    assert out.shape == image.shape
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize("call,error", [
    (lambda: imresize(np.zeros(5), 2), "must be"),
    (lambda: imresize(np.zeros((1, 2, 3, 4, 5)), 2), "must be"),
    (lambda: imresize(np.zeros((0, 4)), 2), "empty"),
    (lambda: imresize(np.zeros((4, 4))), "exactly one"),
    (lambda: imresize(np.zeros((4, 4)), 2, output_shape=(8, 8)), "exactly one"),
    (lambda: imresize(np.zeros((4, 4)), 0), "scale"),
    (lambda: imresize(np.zeros((4, 4)), -2), "scale"),
    (lambda: imresize(np.zeros((4, 4)), float("nan")), "scale"),
    (lambda: imresize(np.zeros((4, 4)), True), "scale"),
    (lambda: imresize(np.zeros((4, 4)), "2"), "scale"),
    (lambda: imresize(np.zeros((4, 4)), (2, 2, 2)), "scale"),
    (lambda: imresize(np.zeros((4, 4)), output_shape=(0, 4)), "output_shape"),
    (lambda: imresize(np.zeros((4, 4)), output_shape=(2.5, 4)), "output_shape"),
    (lambda: imresize(np.zeros((4, 4)), output_shape=8), "output_shape"),
    (lambda: imresize(np.zeros((4, 4)), 2, boundary="reflect"), "boundary"),
    (lambda: bicubic_downscale(np.zeros((8, 8)), 0), "positive integer"),
    (lambda: bicubic_downscale(np.zeros((8, 8)), 2.5), "positive integer"),
    (lambda: bicubic_downscale(np.zeros((3, 8)), 4), "smaller than"),
    (lambda: bicubic_downscale(np.zeros(8), 2), "must be"),
])
def test_errors(call, error):
    with pytest.raises(ValueError, match=error):
        call()


@pytest.mark.parametrize("dtype", [np.bool_, np.complex64, object])
def test_dtype_errors(dtype):
    with pytest.raises(TypeError, match="dtype"):
        imresize(np.zeros((4, 4), dtype), 2)


# The protocol: HR cropped to a multiple of 4, LR = imresize(HR, 1/4), bicubic baseline
# imresize(LR, 4), PSNR on Y (BT.601, MATLAB rgb2ycbcr) with 4 pixels shaved per border.
# A greyscale file (Set14's bridge) is compared on its grey level: the MATLAB evaluation
# scripts apply rgb2ycbcr only to 3-channel images (through the Y of a replicated grey
# image, bridge reads 1.32 dB higher, 20 log10(255 / 219), and Set14 +0.09 dB).
PUBLISHED = {"Set5": (28.42, 0.10, 5), "Set14": (26.00, 0.15, 14)}


def bicubic_baseline_psnr(path):
    with Image.open(path) as file:
        grey = len(file.getbands()) == 1
        image = np.asarray(file.convert("RGB"))
    hr, lr = bicubic_downscale(image, 4)
    sr = imresize(lr, 4)
    if grey:
        return float(psnr(hr[..., :1], sr[..., :1], max_val=255, crop_border=4))
    return float(psnr(hr, sr, max_val=255, crop_border=4, y_channel=True))


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_bicubic_baseline_matches_published_psnr(name):
    folder = SR_DATA / name
    if not folder.is_dir():
        pytest.skip(f"the offline {name} images are not in {folder.resolve()} "
                    "(see shared/data/README.md)")
    published, tolerance, count = PUBLISHED[name]
    files = sorted(folder.glob("*.png"))
    assert len(files) == count
    values = [bicubic_baseline_psnr(path) for path in files]
    assert all(math.isfinite(v) and 18 < v < 40 for v in values), values
    mean = float(np.mean(values))
    assert abs(mean - published) <= tolerance, (
        f"{name}: bicubic x4 PSNR-Y {mean:.3f} dB, published {published} dB; per image "
        + ", ".join(f"{p.stem} {v:.2f}" for p, v in zip(files, values)))
