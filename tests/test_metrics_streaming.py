"""Streaming image metrics: equal to the functions on all features, and end to end on
InceptionV3 with random weights (no network)."""

import numpy as np
import pytest

from keras import ops

from keras_gan import metrics


def _flat(images):
    """A cheap feature extractor: the mean colour and brightness quartiles."""
    x = np.asarray(ops.convert_to_numpy(images), dtype="float64")
    flat = x.reshape(len(x), -1)
    return np.concatenate([x.mean(axis=(1, 2)), np.quantile(flat, [0.25, 0.5, 0.75], axis=1).T],
                          axis=1)


def _batches(rng, n, offset=0.0):
    return [np.clip(rng.normal(offset, 0.5, (16, 8, 8, 3)), -1, 1).astype("float32")
            for _ in range(n)]


def test_streamed_fid_equals_fid_of_all_features(numpy_rng):
    real, fake = _batches(numpy_rng, 4), _batches(numpy_rng, 3, offset=0.3)
    fid = metrics.FrechetInceptionDistance(feature_extractor=_flat)
    for batch in real:
        fid.update_state(real_images=batch)
    for batch in fake:
        fid.update_state(generated_images=batch)
    expected = metrics.frechet_distance(_flat(np.concatenate(real)),
                                        _flat(np.concatenate(fake)))
    np.testing.assert_allclose(fid.result(), expected, rtol=1e-9)
    # The real side survives reset_generated; identical sides give 0.
    fid.reset_generated()
    for batch in real:
        fid.update_state(generated_images=batch)
    assert abs(fid.result()) < 1e-6
    fid.reset_state()
    with pytest.raises(ValueError, match="at least 2 real"):
        fid.result()


def test_streamed_fid_is_exact_for_features_with_a_large_mean(numpy_rng):
    a = numpy_rng.normal(size=(300, 4)) + 1e6  # a float32 one-pass sum would lose it all
    b = numpy_rng.normal(size=(300, 4)) * 2 + 1e6
    fid = metrics.FrechetInceptionDistance(feature_extractor=lambda x: x)
    for start in range(0, 300, 50):
        fid.update_state(a[start:start + 50], b[start:start + 50])
    np.testing.assert_allclose(fid.result(), metrics.frechet_distance(a, b), rtol=1e-6)


def test_streamed_kid_precision_recall_and_is_equal_the_functions(numpy_rng):
    real, fake = np.concatenate(_batches(numpy_rng, 3)), np.concatenate(_batches(numpy_rng, 3, .2))
    kid = metrics.KernelInceptionDistance(feature_extractor=_flat, subsets=5, subset_size=20)
    pr = metrics.PrecisionRecall(feature_extractor=_flat, k=3)
    for m in (kid, pr):
        for start in range(0, 48, 16):
            m.update_state(real[start:start + 16], fake[start:start + 16])
    assert kid.result() == metrics.kernel_inception_distance(_flat(real), _flat(fake), 5, 20)[0]
    assert pr.result() == dict(zip(("precision", "recall"),
                                   metrics.precision_recall(_flat(real), _flat(fake), 3)))

    def softmax(images):
        z = _flat(images) * 3
        e = np.exp(z - z.max(1, keepdims=True))
        return {"probabilities": e / e.sum(1, keepdims=True)}

    score = metrics.InceptionScore(classifier=softmax, splits=3)
    for start in range(0, 48, 16):
        score.update_state(generated_images=fake[start:start + 16])
    expected = metrics.inception_score(softmax(fake)["probabilities"], 3)
    np.testing.assert_allclose([score.result(), score.result_std()], expected, rtol=1e-12)


def test_metric_errors_name_the_problem(numpy_rng):
    kid = metrics.KernelInceptionDistance(feature_extractor=_flat)
    with pytest.raises(ValueError, match="no real images"):
        kid.result()
    bad = metrics.FrechetInceptionDistance(feature_extractor=lambda x: np.full((len(x), 2),
                                                                              np.nan))
    with pytest.raises(ValueError, match="NaN"):
        bad.update_state(real_images=np.zeros((2, 8, 8, 3), "float32"))
    with pytest.raises(FileNotFoundError, match="weights file"):
        metrics.InceptionV3Features(weights="/no/such/inception.weights.h5")


def test_inception_preprocessing_resizes_and_rescales():
    from keras_gan.metrics.inception import preprocess

    grey = np.zeros((2, 28, 28, 1), "float32")
    out = ops.convert_to_numpy(preprocess(grey))
    assert out.shape == (2, 299, 299, 3)
    np.testing.assert_allclose(out, 0.0, atol=1e-6)
    white = ops.convert_to_numpy(preprocess(np.full((1, 64, 64, 3), 255, "uint8")))
    np.testing.assert_allclose(white, 1.0, atol=1e-5)
    with pytest.raises(ValueError, match="channels-last"):
        preprocess(np.zeros((1, 3, 32, 32), "float32"))


def test_inception_features_run_every_batch_at_one_size():
    import keras

    from keras_gan.metrics.inception import INCEPTION_SIZE, preprocess

    # The batching of InceptionV3Features around a small stand-in for the network.
    inputs = keras.Input((INCEPTION_SIZE, INCEPTION_SIZE, 3))
    pooled = keras.layers.GlobalAveragePooling2D()(inputs)
    network = keras.Model(inputs, [keras.layers.Dense(5)(pooled),
                                   keras.layers.Dense(4, activation="softmax")(pooled)])
    sizes = []

    def predict_on_batch(batch):
        sizes.append(int(batch.shape[0]))
        return network.predict_on_batch(batch)

    extractor = object.__new__(metrics.InceptionV3Features)
    extractor.input_range, extractor.batch_size = (-1.0, 1.0), 4
    extractor.model = type("Stub", (), {"predict_on_batch": staticmethod(predict_on_batch)})()
    images = np.random.default_rng(3).uniform(-1, 1, (6, 8, 8, 3)).astype("float32")
    out = extractor(images)
    assert sizes == [4, 4]  # the last batch of 2 padded to 4
    assert out["features"].shape == (6, 5) and out["probabilities"].shape == (6, 4)
    one_by_one = np.concatenate([ops.convert_to_numpy(network.predict_on_batch(
        preprocess(images[i:i + 1]))[0]) for i in range(6)])
    np.testing.assert_allclose(out["features"], one_by_one, rtol=1e-4, atol=1e-5)
    sizes.clear()
    extractor(images[:3])
    assert sizes == [3]  # fewer images than a batch: one pass of their number
    with pytest.raises(ValueError, match="images is empty"):
        extractor(images[:0])


def test_fid_kid_and_is_run_end_to_end_on_inception_with_random_weights(numpy_rng,
                                                                         random_inception):
    # 12 images per side: one batch, the size `keras-gan evaluate -n 12` compiles too.
    extractor = random_inception
    real = numpy_rng.uniform(-1, 1, (12, 32, 32, 3)).astype("float32")
    fake = np.clip(real + numpy_rng.normal(0, 0.5, real.shape), -1, 1).astype("float32")
    out = extractor(fake)
    assert out["features"].shape == (12, 2048) and out["probabilities"].shape == (12, 1000)
    np.testing.assert_allclose(out["probabilities"].sum(1), 1.0, rtol=1e-4)
    fid = metrics.FrechetInceptionDistance(feature_extractor=extractor)
    fid.update_state(real, fake)
    assert np.isfinite(fid.result()) and fid.result() > 0
    # The other metrics take the same InceptionV3 outputs, computed once.
    real_out = extractor(real)
    shared = metrics.FrechetInceptionDistance(feature_extractor=extractor)
    kid = metrics.KernelInceptionDistance(feature_extractor=extractor, subsets=3)
    score = metrics.InceptionScore(classifier=extractor, splits=2)
    for m in (shared, kid, score):
        m.update_from_outputs("real", real_out, len(real))
        m.update_from_outputs("generated", out, len(fake))
    assert shared.result() == pytest.approx(fid.result(), rel=1e-4)
    assert np.isfinite(kid.result())
    assert 1.0 <= score.result() <= 1000.0


class _CountingExtractor:
    """A cheap stand-in for InceptionV3: features and probabilities from the pixels."""

    def __init__(self):
        self.calls = 0

    def __call__(self, images):
        self.calls += 1
        flat = np.asarray(images, "float64").reshape(len(images), -1)[:, :6]
        e = np.exp(flat - flat.max(1, keepdims=True))
        return {"features": flat, "probabilities": e / e.sum(1, keepdims=True)}


class _StubGenerator:
    def generate(self, count, seed=None, labels=None):
        return np.random.default_rng(seed).uniform(-1, 1, (count, 4, 4, 1))


def test_evaluate_runs_a_shared_extractor_once_per_batch():
    real = np.random.default_rng(0).uniform(-1, 1, (20, 4, 4, 1))
    extractor = _CountingExtractor()

    def build():
        return [metrics.FrechetInceptionDistance(feature_extractor=extractor),
                metrics.KernelInceptionDistance(feature_extractor=extractor, subsets=2,
                                                subset_size=8),
                metrics.InceptionScore(classifier=extractor, splits=2),
                metrics.PrecisionRecall(feature_extractor=extractor)]

    scores = metrics.evaluate(_StubGenerator(), build(), real, n_samples=20, batch_size=10)
    assert extractor.calls == 4  # 2 real + 2 generated batches for all four metrics
    # The same scores as each metric feeding itself.
    separate = build()
    generator, rng = _StubGenerator(), np.random.default_rng(0)
    fakes = [generator.generate(10, seed=int(rng.integers(2 ** 31))) for _ in range(2)]
    for m in separate:
        for start in (0, 10):
            m.update_state(real_images=real[start:start + 10])
        for fake in fakes:
            m.update_state(generated_images=fake)
    assert extractor.calls == 4 + 4 * 2 + 4 * 2 - 2  # the Inception Score skips real images
    assert scores["fid"] == pytest.approx(separate[0].result())
    assert scores["kid"] == pytest.approx(separate[1].result())
    assert scores["inception_score"] == pytest.approx(separate[2].result())
    assert scores["precision"] == pytest.approx(separate[3].result()["precision"])
    # Metrics by name share their network: one InceptionV3, one MNIST classifier.
    by_name = [metrics.get(name) for name in ("mnist_fd", "mnist_score", "mnist_pr")]
    assert len({id(m.feature_extractor) for m in by_name}) == 1
    with pytest.raises(ValueError, match="side must be 'real' or 'generated'"):
        separate[0].update_from_outputs("fake", np.zeros((2, 6)), 2)
    with pytest.raises(ValueError, match=r"\(batch, d\) features; received shape \(3, 6\)"):
        separate[0].update_from_outputs("real", np.zeros((3, 6)), 2)
