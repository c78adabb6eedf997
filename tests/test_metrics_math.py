"""The metric functions against float64 numpy references, closed forms and extremes."""

import numpy as np
import pytest

from keras import ops

from keras_gan import metrics


# ------------------------------------------------------------------ references
def _reference_fid(a, b):
    """FID from the eigenvalues of the non-symmetric product S_a S_b (real, >= 0)."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    eig = np.linalg.eigvals(s_a @ s_b)
    trace_sqrt = np.sqrt(np.clip(eig.real, 0, None)).sum()
    return ((mu_a - mu_b) ** 2).sum() + np.trace(s_a) + np.trace(s_b) - 2 * trace_sqrt


def _reference_mmd2(a, b):
    d = a.shape[1]
    k = lambda x, y: (x @ y / d + 1.0) ** 3  # noqa: E731
    m, n = len(a), len(b)
    xx = sum(k(a[i], a[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(b[i], b[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(k(a[i], b[j]) for i in range(m) for j in range(n)) / (m * n)
    return xx + yy - 2 * xy


def _reference_is(p, splits):
    scores = []
    for part in np.array_split(p, splits):
        q = part.mean(0)
        kl = [sum(pi * np.log(pi / qi) for pi, qi in zip(row, q) if pi > 0) for row in part]
        scores.append(np.exp(np.mean(kl)))
    return np.mean(scores), np.std(scores)


def _reference_precision_recall(real, fake, k):
    def radii(x):
        d = np.sqrt(((x[:, None] - x[None]) ** 2).sum(-1))
        return np.sort(d, axis=1)[:, k]

    def inside(q, c, r):
        d = np.sqrt(((q[:, None] - c[None]) ** 2).sum(-1))
        return (d <= r[None]).any(1).mean()

    return inside(fake, real, radii(real)), inside(real, fake, radii(fake))


def _reference_y(x, max_val):
    x = x / max_val
    return (16 + 65.481 * x[..., 0] + 128.553 * x[..., 1] + 24.966 * x[..., 2])[..., None] \
        / 255 * max_val


def _reference_psnr(a, b, max_val):
    mse = ((a - b) ** 2).mean(axis=(1, 2, 3))
    return 10 * np.log10(max_val ** 2 / mse)


def _reference_ssim(a, b, max_val):
    g = np.exp(-((np.arange(11) - 5.0) ** 2) / (2 * 1.5 ** 2))
    w = np.outer(g, g)
    w /= w.sum()

    def blur(x):  # valid 2-D correlation per image and channel
        win = np.lib.stride_tricks.sliding_window_view(x, (11, 11), axis=(1, 2))
        return (win * w).sum(axis=(-2, -1))

    c1, c2 = (0.01 * max_val) ** 2, (0.03 * max_val) ** 2
    mx, my = blur(a), blur(b)
    vx, vy = blur(a * a) - mx ** 2, blur(b * b) - my ** 2
    cxy = blur(a * b) - mx * my
    m = (2 * mx * my + c1) * (2 * cxy + c2) / ((mx ** 2 + my ** 2 + c1) * (vx + vy + c2))
    return m.mean(axis=(1, 2, 3))


# ------------------------------------------------------------------------ FID
def test_fid_of_identical_sets_is_zero(numpy_rng):
    a = numpy_rng.normal(size=(300, 64)) * numpy_rng.uniform(0.1, 3, 64)
    assert abs(metrics.frechet_distance(a, a)) < 1e-6


@pytest.mark.parametrize("n,d", [(400, 16), (12, 40)])  # full rank and singular covariance
def test_fid_matches_the_eigenvalue_reference(numpy_rng, n, d):
    a = numpy_rng.normal(size=(n, d))
    b = numpy_rng.normal(size=(n, d)) @ numpy_rng.normal(size=(d, d)) * 0.5 + 0.3
    np.testing.assert_allclose(metrics.frechet_distance(a, b), _reference_fid(a, b),
                               rtol=1e-7)


def test_fid_of_singular_identical_sets_is_zero(numpy_rng):
    a = numpy_rng.normal(size=(10, 50))
    value, info = metrics.frechet_distance_from_statistics(
        *metrics.feature_statistics(a), *metrics.feature_statistics(a), return_info=True)
    assert abs(value) < 1e-6
    assert info["min_eigenvalue"] > -1e-9


def test_fid_of_two_gaussians_is_the_closed_form(numpy_rng):
    # Diagonal covariances commute: d^2 = |mu_a - mu_b|^2 + sum (sqrt(a_i) - sqrt(b_i))^2.
    mu_a, mu_b = numpy_rng.normal(size=8), numpy_rng.normal(size=8)
    var_a, var_b = numpy_rng.uniform(0.1, 4, 8), numpy_rng.uniform(0.1, 4, 8)
    expected = ((mu_a - mu_b) ** 2).sum() + ((np.sqrt(var_a) - np.sqrt(var_b)) ** 2).sum()
    # A shared rotation keeps the distance and makes the covariances full.
    q, _ = np.linalg.qr(numpy_rng.normal(size=(8, 8)))
    got = metrics.frechet_distance_from_statistics(q @ mu_a, q @ np.diag(var_a) @ q.T,
                                                   q @ mu_b, q @ np.diag(var_b) @ q.T)
    np.testing.assert_allclose(got, expected, rtol=1e-9)


@pytest.mark.parametrize("scale", [1e-6, 1e6])
def test_fid_scales_quadratically_at_extreme_magnitudes(numpy_rng, scale):
    a = numpy_rng.normal(size=(200, 10))
    b = numpy_rng.normal(size=(200, 10)) * 2 + 1
    np.testing.assert_allclose(metrics.frechet_distance(a * scale, b * scale),
                               metrics.frechet_distance(a, b) * scale ** 2, rtol=1e-7)


def test_fid_accepts_backend_tensors(numpy_rng):
    a = numpy_rng.normal(size=(50, 6)).astype("float32")
    b = a + 1
    np.testing.assert_allclose(
        metrics.frechet_distance(ops.convert_to_tensor(a), ops.convert_to_tensor(b)), 6.0,
        rtol=1e-5)


def test_fid_rejects_bad_features(numpy_rng):
    a = numpy_rng.normal(size=(20, 4))
    with pytest.raises(ValueError, match="feature dimension"):
        metrics.frechet_distance(a, a[:, :3])
    with pytest.raises(ValueError, match="2-D"):
        metrics.frechet_distance(a[None], a)
    with pytest.raises(ValueError, match="NaN"):
        metrics.frechet_distance(np.where(a > 1, np.nan, a), a)
    with pytest.raises(ValueError, match="at least 2"):
        metrics.frechet_distance(a[:1], a)


# ------------------------------------------------------------------------ KID
def test_mmd2_matches_the_pairwise_reference(numpy_rng):
    a = numpy_rng.normal(size=(9, 5))
    b = numpy_rng.normal(size=(7, 5)) + 0.5
    np.testing.assert_allclose(metrics.polynomial_mmd2(a, b), _reference_mmd2(a, b), rtol=1e-10)


def test_kid_uses_subsets_of_the_requested_size(numpy_rng):
    a = numpy_rng.normal(size=(10, 4))
    b = numpy_rng.normal(size=(10, 4)) + 1
    # Subsets as large as the sets: every subset is a permutation of the whole set.
    mean, std = metrics.kernel_inception_distance(a, b, subsets=3, subset_size=50)
    np.testing.assert_allclose(mean, _reference_mmd2(a, b), rtol=1e-10)
    assert std < 1e-9
    # Smaller subsets: the values vary and are deterministic for a seed.
    first = metrics.kernel_inception_distance(a, b, subsets=5, subset_size=4, seed=1)
    assert first[1] > 0
    assert first == metrics.kernel_inception_distance(a, b, subsets=5, subset_size=4, seed=1)


def test_kid_of_samples_of_one_distribution_is_near_zero(numpy_rng):
    a, b = numpy_rng.normal(size=(2, 600, 16))
    same = metrics.kernel_inception_distance(a, b, subsets=20, subset_size=300)
    shifted = metrics.kernel_inception_distance(a, b + 0.5, subsets=20, subset_size=300)
    assert abs(same[0]) < 0.05 * shifted[0]
    assert abs(same[0]) < 3 * same[1] + 1e-12


# ------------------------------------------------------------------------- IS
def test_inception_score_of_uniform_predictions_is_one():
    mean, std = metrics.inception_score(np.full((100, 10), 0.1), splits=10)
    np.testing.assert_allclose([mean, std], [1.0, 0.0], atol=1e-12)


def test_inception_score_of_distinct_one_hot_classes_is_the_class_count():
    probs = np.eye(7)[np.arange(70) % 7]  # every split of 7 holds each class once
    mean, std = metrics.inception_score(probs, splits=10)
    np.testing.assert_allclose([mean, std], [7.0, 0.0], atol=1e-10)


def test_inception_score_matches_the_reference_with_near_zero_probabilities(numpy_rng):
    logits = numpy_rng.normal(size=(60, 5)) * 30  # saturated softmax: zeros and 1e-300s
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    got = metrics.inception_score(p, splits=4)
    np.testing.assert_allclose(got, _reference_is(p, 4), rtol=1e-10)


def test_inception_score_rejects_logits_and_bad_splits(numpy_rng):
    with pytest.raises(ValueError, match="sum to 1"):
        metrics.inception_score(numpy_rng.normal(size=(20, 3)) ** 2)
    with pytest.raises(ValueError, match="splits"):
        metrics.inception_score(np.full((5, 2), 0.5), splits=10)


# ----------------------------------------------------------- precision/recall
def test_precision_recall_matches_the_brute_force_reference(numpy_rng):
    real = numpy_rng.normal(size=(60, 3))
    fake = numpy_rng.normal(size=(50, 3)) * 1.5 + 0.7
    got = metrics.precision_recall(real, fake, k=3)
    np.testing.assert_allclose(got, _reference_precision_recall(real, fake, 3), rtol=1e-12)


def test_precision_recall_extremes(numpy_rng):
    real = numpy_rng.normal(size=(40, 4))
    assert metrics.precision_recall(real, real, k=3) == (1.0, 1.0)
    assert metrics.precision_recall(real, real + 1e3, k=3) == (0.0, 0.0)
    # Generated samples piled on one real mode: all precise, little recall.
    collapsed = real[:1] + numpy_rng.normal(size=(40, 4)) * 1e-3
    precision, recall = metrics.precision_recall(real, collapsed, k=3)
    assert precision == 1.0 and recall < 0.2
    with pytest.raises(ValueError, match="k must be"):
        metrics.precision_recall(real[:3], real[:3], k=3)


# ------------------------------------------------------------------ PSNR/SSIM
def _images(rng, n=3, size=24, max_val=255.0):
    a = rng.uniform(0, max_val, (n, size, size, 3))
    b = np.clip(a + rng.normal(0, 0.1 * max_val, a.shape), 0, max_val)
    return a, b


@pytest.mark.parametrize("max_val", [1.0, 255.0])
def test_psnr_matches_numpy(numpy_rng, max_val):
    a, b = _images(numpy_rng, max_val=max_val)
    got = ops.convert_to_numpy(metrics.psnr(a.astype("float32"), b.astype("float32"), max_val))
    np.testing.assert_allclose(got, _reference_psnr(a, b, max_val), rtol=1e-5)


def test_psnr_on_cropped_y_channel_matches_numpy(numpy_rng):
    a, b = _images(numpy_rng)
    ya, yb = _reference_y(a, 255.0)[:, 4:-4, 4:-4], _reference_y(b, 255.0)[:, 4:-4, 4:-4]
    got = ops.convert_to_numpy(metrics.psnr(a, b, 255.0, crop_border=4, y_channel=True))
    np.testing.assert_allclose(got, _reference_psnr(ya, yb, 255.0), rtol=1e-5)


def test_psnr_extremes_and_errors(numpy_rng):
    a, _ = _images(numpy_rng)
    assert np.isinf(ops.convert_to_numpy(metrics.psnr(a, a))).all()
    # Black against white: MSE = max_val^2, PSNR = 0 dB; one image gives a scalar.
    got = metrics.psnr(np.zeros((8, 8, 1), "uint8"), np.full((8, 8, 1), 255, "uint8"))
    assert ops.convert_to_numpy(got).shape == ()
    np.testing.assert_allclose(ops.convert_to_numpy(got), 0.0, atol=1e-6)
    with pytest.raises(ValueError, match="same shape"):
        metrics.psnr(a, a[:, :-1])
    with pytest.raises(ValueError, match="crop_border"):
        metrics.psnr(a, a, crop_border=12)
    with pytest.raises(ValueError, match="3 channels"):
        metrics.psnr(a[..., :1], a[..., :1], y_channel=True)


@pytest.mark.parametrize("max_val,y_channel", [(255.0, False), (1.0, False), (255.0, True)])
def test_ssim_matches_numpy(numpy_rng, max_val, y_channel):
    a, b = _images(numpy_rng, size=32, max_val=max_val)
    ref_a, ref_b = (_reference_y(a, max_val), _reference_y(b, max_val)) if y_channel else (a, b)
    got = ops.convert_to_numpy(metrics.ssim(a.astype("float32"), b.astype("float32"), max_val,
                                            y_channel=y_channel))
    np.testing.assert_allclose(got, _reference_ssim(ref_a, ref_b, max_val), atol=1e-4)


def test_ssim_extremes_and_errors(numpy_rng):
    a, _ = _images(numpy_rng, size=16)
    np.testing.assert_allclose(ops.convert_to_numpy(metrics.ssim(a, a)), 1.0, atol=1e-5)
    flat = np.full((1, 16, 16, 1), 128.0)
    # Constant images: SSIM reduces to the luminance term of the two means.
    got = ops.convert_to_numpy(metrics.ssim(flat, flat * 0))
    c1 = (0.01 * 255) ** 2
    np.testing.assert_allclose(got, c1 / (128.0 ** 2 + c1), rtol=1e-4)
    with pytest.raises(ValueError, match="smaller than"):
        metrics.ssim(a, a, crop_border=3)
