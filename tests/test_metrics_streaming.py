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


def test_fid_kid_and_is_run_end_to_end_on_inception_with_random_weights(numpy_rng):
    extractor = metrics.InceptionV3Features(weights=None, batch_size=4)
    real = numpy_rng.uniform(-1, 1, (6, 32, 32, 3)).astype("float32")
    fake = np.clip(real + numpy_rng.normal(0, 0.5, real.shape), -1, 1).astype("float32")
    out = extractor(fake)
    assert out["features"].shape == (6, 2048) and out["probabilities"].shape == (6, 1000)
    np.testing.assert_allclose(out["probabilities"].sum(1), 1.0, rtol=1e-4)
    fid = metrics.FrechetInceptionDistance(feature_extractor=extractor)
    kid = metrics.KernelInceptionDistance(feature_extractor=extractor, subsets=3)
    score = metrics.InceptionScore(classifier=extractor, splits=2)
    for m in (fid, kid, score):
        m.update_state(real, fake)
    assert np.isfinite(fid.result()) and fid.result() > 0
    assert np.isfinite(kid.result())
    assert 1.0 <= score.result() <= 1000.0
