"""Latent space tools: interpolation, vector arithmetic, nearest neighbours, grids."""

import numpy as np
import pytest

import keras

from keras_gan import latent


def _white_slerp(z0, z1, t):
    """Reference: the slerp formula of White 2016, in float64."""
    z0, z1 = np.asarray(z0, "float64"), np.asarray(z1, "float64")
    cos = np.dot(z0, z1) / (np.linalg.norm(z0) * np.linalg.norm(z1))
    theta = np.arccos(np.clip(cos, -1.0, 1.0))
    return np.stack([np.sin((1 - s) * theta) / np.sin(theta) * z0
                     + np.sin(s * theta) / np.sin(theta) * z1 for s in t])


def _angles(path):
    u = path / np.linalg.norm(path, axis=-1, keepdims=True)
    cos = np.sum(u[:-1] * u[1:], axis=-1)
    sin = np.linalg.norm(u[1:] - cos[:, None] * u[:-1], axis=-1)
    return np.arctan2(sin, cos)


# ------------------------------------------------------------------ interpolate
@pytest.mark.parametrize("radius", [1.0, 7.5])
def test_slerp_matches_whites_formula_for_equal_norms(numpy_rng, radius):
    z = numpy_rng.normal(size=(6, 16))
    z = radius * z / np.linalg.norm(z, axis=1, keepdims=True)
    z0, z1 = z[:3], z[3:]
    paths = latent.interpolate(z0, z1, steps=9)
    assert paths.shape == (3, 9, 16) and paths.dtype == np.float64
    t = np.linspace(0, 1, 9)
    for i in range(3):
        np.testing.assert_allclose(paths[i], _white_slerp(z0[i], z1[i], t), rtol=0, atol=1e-12)
        np.testing.assert_allclose(np.linalg.norm(paths[i], axis=1), radius, rtol=1e-13)
        theta = np.arccos(np.dot(z0[i], z1[i]) / radius**2)
        np.testing.assert_allclose(_angles(paths[i]), theta / 8, rtol=1e-9)
        np.testing.assert_array_equal(latent.interpolate(z0[i], z1[i], 9), paths[i])


def test_endpoints_are_exact_and_dtype_follows_the_inputs(numpy_rng):
    z0 = numpy_rng.normal(size=(4, 8)).astype("float32")
    z1 = numpy_rng.normal(size=(4, 8)).astype("float32")
    z1[1] = z0[1]          # identical
    z1[2] = -3 * z0[2]     # antiparallel, different norms
    z0[3] = 0              # zero vector
    for method in ("slerp", "lerp"):
        path = latent.interpolate(z0, z1, steps=5, method=method)
        assert path.dtype == np.float32 and path.shape == (4, 5, 8)
        np.testing.assert_array_equal(path[:, 0], z0)
        np.testing.assert_array_equal(path[:, -1], z1)
        assert np.all(np.isfinite(path))
    assert latent.interpolate(z0[0].astype("float64"), z1[0], 3).dtype == np.float64
    assert latent.interpolate([1, 0], [0, 1], 3).dtype == np.float32


def test_slerp_keeps_unit_norm_in_float32_latents(numpy_rng):
    z = numpy_rng.normal(size=(2, 128)).astype("float32")
    z /= np.linalg.norm(z, axis=1, keepdims=True)
    path = latent.interpolate(z[0], z[1], steps=33)
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), 1.0, rtol=1e-6)
    lerp = latent.interpolate(z[0], z[1], steps=33, method="lerp")
    assert np.linalg.norm(lerp[16]) < 0.8  # the straight line cuts through the sphere


def test_slerp_with_different_norms_interpolates_the_norm_linearly(numpy_rng):
    z0, z1 = numpy_rng.normal(size=(2, 10))
    z1 *= 3.0
    path = latent.interpolate(z0, z1, steps=6)
    t = np.linspace(0, 1, 6)
    norms = (1 - t) * np.linalg.norm(z0) + t * np.linalg.norm(z1)
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), norms, rtol=1e-12)
    directions = _white_slerp(z0 / np.linalg.norm(z0), z1 / np.linalg.norm(z1), t)
    np.testing.assert_allclose(path / norms[:, None], directions, atol=1e-12)


def test_parallel_and_zero_vectors_fall_back_to_lerp():
    z = np.array([1.0, -2.0, 0.5])
    t = np.linspace(0, 1, 4)[:, None]
    np.testing.assert_allclose(latent.interpolate(z, 3 * z, 4), (1 + 2 * t) * z, rtol=1e-14)
    np.testing.assert_array_equal(latent.interpolate(z, z, 4), np.tile(z, (4, 1)))
    np.testing.assert_allclose(latent.interpolate(np.zeros(3), z, 4), t * z, rtol=1e-14)
    np.testing.assert_array_equal(latent.interpolate(np.zeros(3), np.zeros(3), 4), 0)
    # nearly parallel: slerp and lerp agree to rounding
    z1 = z + np.array([0.0, 1e-9, 0.0])
    np.testing.assert_allclose(latent.interpolate(z, z1, 4), (1 - t) * z + t * z1, rtol=1e-14)


def test_antiparallel_vectors_stay_on_the_sphere(numpy_rng):
    u = numpy_rng.normal(size=12)
    u /= np.linalg.norm(u)
    for v in (-u, -u + 1e-12 * numpy_rng.normal(size=12)):
        path = latent.interpolate(u, v, steps=5)
        assert np.all(np.isfinite(path))
        np.testing.assert_allclose(np.linalg.norm(path, axis=1), 1.0, rtol=1e-9)
        np.testing.assert_allclose(_angles(path), np.pi / 4, rtol=1e-6)
        assert abs(np.dot(path[2], u)) < 1e-6  # the midpoint is a quarter turn away
    # different norms: bounded, the norm goes linearly from 1 to 2
    path = latent.interpolate(u, -2 * u, steps=5)
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), np.linspace(1, 2, 5), rtol=1e-12)
    # one dimension: no other direction, the straight line
    np.testing.assert_allclose(latent.interpolate([2.0], [-2.0], 3), [[2.0], [0.0], [-2.0]])


def test_lerp(numpy_rng):
    z0, z1 = numpy_rng.normal(size=(2, 3, 5))
    path = latent.interpolate(z0, z1, steps=4, method="lerp")
    t = np.linspace(0, 1, 4)[None, :, None]
    np.testing.assert_allclose(path, (1 - t) * z0[:, None] + t * z1[:, None], rtol=1e-14)


def test_interpolate_rejects_bad_arguments():
    with pytest.raises(ValueError, match="same shape"):
        latent.interpolate(np.zeros(3), np.zeros(4), 5)
    with pytest.raises(ValueError, match="same shape"):
        latent.interpolate(np.zeros((2, 3)), np.zeros(3), 5)
    with pytest.raises(ValueError, match="steps must be >= 2"):
        latent.interpolate(np.ones(3), np.ones(3), 1)
    with pytest.raises(TypeError, match="steps must be an integer"):
        latent.interpolate(np.ones(3), np.ones(3), 2.5)
    with pytest.raises(ValueError, match="method"):
        latent.interpolate(np.ones(3), np.ones(3), 3, method="cubic")
    with pytest.raises(ValueError, match=r"\(n, d\)"):
        latent.interpolate(np.ones((1, 2, 3)), np.ones((1, 2, 3)), 3)
    with pytest.raises(ValueError, match="NaN"):
        latent.interpolate(np.array([1.0, np.nan]), np.ones(2), 3)


# ------------------------------------------------------------- vector arithmetic
def test_average_and_arithmetic_on_known_vectors():
    smiling_woman = np.array([[1.0, 0.0, 2.0], [3.0, 0.0, 2.0], [2.0, 3.0, 2.0]])
    neutral_woman = np.array([[1.0, 1.0, 1.0]])
    neutral_man = np.array([0.0, 5.0, -1.0])
    np.testing.assert_allclose(latent.average(smiling_woman), [2.0, 1.0, 2.0])
    np.testing.assert_array_equal(latent.average(neutral_man), neutral_man)
    z = latent.arithmetic(positive=[smiling_woman, neutral_man], negative=[neutral_woman])
    np.testing.assert_allclose(z, [1.0, 5.0, 0.0])
    assert z.shape == (3,) and z.dtype == np.float64
    z32 = latent.arithmetic([smiling_woman.astype("float32")])
    assert z32.dtype == np.float32
    np.testing.assert_allclose(z32, [2.0, 1.0, 2.0])


def test_arithmetic_rejects_bad_arguments():
    with pytest.raises(ValueError, match="at least one positive"):
        latent.arithmetic([], [np.ones(3)])
    with pytest.raises(ValueError, match="size 4, the others of size 3"):
        latent.arithmetic([np.ones(3)], [np.ones(4)])
    with pytest.raises(TypeError, match="sequences"):
        latent.arithmetic(np.ones((2, 3)))
    with pytest.raises(ValueError, match="non-empty group"):
        latent.average(np.ones((0, 3)))


def test_perturb():
    z = np.arange(4, dtype="float32")
    batch = latent.perturb(z, 8, scale=0.25, seed=3)
    assert batch.shape == (8, 4) and batch.dtype == np.float32
    assert np.all(np.abs(batch - z) <= 0.25) and np.std(batch - z) > 0.05
    np.testing.assert_array_equal(batch, latent.perturb(z, 8, scale=0.25, seed=3))


# ----------------------------------------------------------- nearest neighbours
def _brute_force(generated, train, k):
    g = generated.reshape(len(generated), -1).astype("float64")
    x = train.reshape(len(train), -1).astype("float64")
    d = ((g[:, None, :] - x[None, :, :]) ** 2).sum(-1)
    idx = np.stack([np.lexsort((np.arange(len(x)), row))[:k] for row in d])
    return idx, np.take_along_axis(d, idx, axis=1)


@pytest.mark.parametrize("batch_size", [1, 32, 1024])
def test_nearest_neighbours_match_brute_force(numpy_rng, batch_size):
    train = numpy_rng.uniform(-1, 1, size=(257, 6, 5, 1)).astype("float32")
    train[200] = train[40]  # a duplicate: equal distances, the lower index first
    generated = numpy_rng.uniform(-1, 1, size=(37, 6, 5, 1)).astype("float32")
    generated[7] = train[40]  # a memorised sample
    idx, dist = latent.nearest_neighbours(generated, train, k=4, batch_size=batch_size)
    ref_idx, ref_d2 = _brute_force(generated, train, 4)
    assert idx.shape == dist.shape == (37, 4) and idx.dtype == np.int64
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_allclose(dist, np.sqrt(ref_d2), rtol=1e-12)
    assert list(idx[7, :2]) == [40, 200] and dist[7, 0] == 0.0 and dist[7, 1] == 0.0
    _, d2 = latent.nearest_neighbours(generated, train, k=4, batch_size=batch_size,
                                      metric="sqeuclidean")
    np.testing.assert_allclose(d2, ref_d2, rtol=1e-12)


def test_nearest_neighbours_break_ties_by_lower_index_across_chunks():
    train = np.zeros((50, 3, 3), dtype="float32")
    train[::7] = 0.5  # rows 0, 7, 14, ... are farther
    idx, dist = latent.nearest_neighbours(np.zeros((2, 3, 3)), train, k=5, batch_size=4)
    np.testing.assert_array_equal(idx, [[1, 2, 3, 4, 5]] * 2)
    np.testing.assert_array_equal(dist, 0.0)
    idx, _ = latent.nearest_neighbours(np.zeros((1, 3, 3)), train, k=50, batch_size=8)
    assert sorted(idx[0]) == list(range(50))
    assert list(idx[0, -8:]) == [0, 7, 14, 21, 28, 35, 42, 49]


def test_nearest_neighbours_in_a_feature_space(numpy_rng):
    train = numpy_rng.uniform(-1, 1, size=(90, 4, 4, 1)).astype("float32")
    generated = numpy_rng.uniform(-1, 1, size=(5, 4, 4, 1)).astype("float32")
    extractor = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(),
                                  keras.layers.Dense(3, use_bias=False)])
    calls = []

    def features(images):
        calls.append(len(images))
        return extractor(images)  # a backend tensor: converted to numpy

    idx, dist = latent.nearest_neighbours(generated, train, k=3, features=features,
                                          batch_size=40)
    assert max(calls) <= 40 and sum(calls) == 95
    f_train = keras.ops.convert_to_numpy(extractor(train))
    f_gen = keras.ops.convert_to_numpy(extractor(generated))
    ref_idx, ref_d2 = _brute_force(f_gen, f_train, 3)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_allclose(dist, np.sqrt(ref_d2), rtol=1e-5)
    pixel_idx, _ = latent.nearest_neighbours(generated, train, k=3)
    assert not np.array_equal(pixel_idx, idx)


def test_nearest_neighbours_rejects_bad_arguments():
    train = np.zeros((5, 2, 2))
    with pytest.raises(ValueError, match="between 1 and the number of training images"):
        latent.nearest_neighbours(np.zeros((1, 2, 2)), train, k=6)
    with pytest.raises(ValueError, match="between 1"):
        latent.nearest_neighbours(np.zeros((1, 2, 2)), train, k=0)
    with pytest.raises(ValueError, match="4 values"):
        latent.nearest_neighbours(np.zeros((1, 2, 2)), np.zeros((5, 3, 3)), k=1)
    with pytest.raises(ValueError, match="empty"):
        latent.nearest_neighbours(np.zeros((1, 2, 2)), np.zeros((0, 2, 2)))
    with pytest.raises(ValueError, match="metric"):
        latent.nearest_neighbours(np.zeros((1, 2, 2)), train, k=1, metric="cosine")
    idx, dist = latent.nearest_neighbours(np.zeros((0, 2, 2)), train, k=2)
    assert idx.shape == dist.shape == (0, 2)


# ------------------------------------------------------------------------ grids
def test_neighbours_grid_rows_show_a_sample_then_its_neighbours(numpy_rng):
    train = numpy_rng.uniform(-1, 1, size=(20, 6, 5, 1)).astype("float32")
    generated = train[[3, 9, 11]] + 0.01
    idx, _ = latent.nearest_neighbours(generated, train, k=2)
    np.testing.assert_array_equal(idx[:, 0], [3, 9, 11])
    image = latent.neighbours_grid(generated, train, idx, padding=2)
    assert image.size == (3 * (5 + 2) + 2, 3 * (6 + 2) + 2)  # (width, height)
    pixels = np.asarray(image)
    expected = np.round((train[idx[1, 1], ..., 0] + 1) / 2 * 255)
    np.testing.assert_array_equal(pixels[2 + 8:2 + 8 + 6, 2 + 14:2 + 14 + 5], expected)
    with pytest.raises(ValueError, match=r"shape \(n, k\)"):
        latent.neighbours_grid(generated, train, idx[:2])


class _FakeModel:
    """The model API the latent tools use: latent_dim, num_classes, generate_from."""

    def __init__(self, latent_dim=3, num_classes=None):
        self.latent_dim, self.num_classes = latent_dim, num_classes
        self.received = []

    def generate_from(self, latent, labels=None, batch_size=1024):
        self.received.append((np.array(latent), labels))
        if self.num_classes is None:
            value = np.tanh(latent[:, 0])
        else:
            value = labels / (self.num_classes - 1) * 2 - 1
        return np.broadcast_to(value[:, None, None, None], (len(latent), 4, 3, 1))


def test_interpolation_grid_through_a_model():
    model = _FakeModel()
    z0 = np.array([[-2.0, 0, 0], [0.0, 1, 0]])
    z1 = np.array([[2.0, 0, 0], [0.0, 0, 1]])
    image = latent.interpolation_grid(model, z0, z1, steps=5, method="lerp", padding=1)
    assert image.size == (5 * (3 + 1) + 1, 2 * (4 + 1) + 1)
    latents, labels = model.received[-1]
    assert labels is None and latents.shape == (10, 3)
    np.testing.assert_allclose(latents[:5, 0], [-2, -1, 0, 1, 2])
    row = np.asarray(image)[1, 1::4][:5]
    assert np.all(np.diff(row.astype(int)) > 0)  # the first row brightens left to right
    assert latent.interpolation_grid(model, z0[0], z1[0], steps=3).size == (3 * 5 + 2, 6 + 2)


def test_interpolation_grid_of_a_conditional_model_holds_the_class_per_row():
    model = _FakeModel(num_classes=3)
    z = np.ones((4, 3))
    latent.interpolation_grid(model, z, -z, steps=2)
    np.testing.assert_array_equal(model.received[-1][1], [0, 0, 1, 1, 2, 2, 0, 0])
    latent.interpolation_grid(model, z, -z, steps=2, labels=2)
    np.testing.assert_array_equal(model.received[-1][1], [2] * 8)
    with pytest.raises(ValueError, match=r"in \[0, 3\)"):
        latent.interpolation_grid(model, z, -z, steps=2, labels=[0, 1, 2, 3])
    with pytest.raises(ValueError, match="not conditional"):
        latent.interpolation_grid(_FakeModel(), z, -z, steps=2, labels=[0, 1, 2, 0])
