"""The image GANs' extra loss terms against float64 numpy references."""

import numpy as np
import pytest

from keras import ops

from keras_gan import losses


def _np(x):
    return np.asarray(ops.convert_to_numpy(x), dtype="float64")


def _log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


@pytest.mark.parametrize("scale", [1.0, 100.0, 1e4])
def test_categorical_crossentropy_matches_numpy_for_extreme_logits(numpy_rng, scale):
    logits = numpy_rng.normal(size=(7, 5)) * scale
    labels = numpy_rng.integers(0, 5, 7)
    expected = -_log_softmax(logits)[np.arange(7), labels].mean()
    got = _np(losses.categorical_crossentropy_from_logits(labels.astype("int32"),
                                                          logits.astype("float32")))
    assert np.isfinite(got)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-4)


def test_gaussian_nll_matches_numpy(numpy_rng):
    c = numpy_rng.uniform(-1, 1, (6, 3))
    mean = numpy_rng.normal(size=(6, 3))
    log_std = numpy_rng.normal(size=(6, 3)) * 0.5
    unit = (0.5 * (c - mean) ** 2 + 0.5 * np.log(2 * np.pi)).sum(-1).mean()
    learned = (0.5 * ((c - mean) / np.exp(log_std)) ** 2 + log_std
               + 0.5 * np.log(2 * np.pi)).sum(-1).mean()
    f32 = [a.astype("float32") for a in (c, mean, log_std)]
    np.testing.assert_allclose(_np(losses.gaussian_negative_log_likelihood(*f32[:2])), unit,
                               rtol=1e-5)
    np.testing.assert_allclose(_np(losses.gaussian_negative_log_likelihood(*f32)), learned,
                               rtol=1e-5)


def test_feature_matching_matches_numpy(numpy_rng):
    real = numpy_rng.normal(size=(8, 4, 3)) * 50
    fake = numpy_rng.normal(size=(6, 4, 3)) * 50 + 3
    expected = ((real.reshape(8, -1).mean(0) - fake.reshape(6, -1).mean(0)) ** 2).sum()
    got = _np(losses.feature_matching(real.astype("float32"), fake.astype("float32")))
    np.testing.assert_allclose(got, expected, rtol=1e-4)
    assert _np(losses.feature_matching(real.astype("float32"), real.astype("float32"))) < 1e-6


def test_ebgan_energy_and_margin_losses_match_numpy(numpy_rng):
    x = numpy_rng.uniform(-1, 1, (5, 4, 4, 2))
    rec = x + numpy_rng.normal(size=x.shape)
    energy = ((rec - x) ** 2).reshape(5, -1).mean(-1)
    got = _np(losses.reconstruction_energy(x.astype("float32"), rec.astype("float32")))
    np.testing.assert_allclose(got, energy, rtol=1e-5)
    real_e, fake_e = np.array([0.1, 0.3]), np.array([0.2, 5.0])
    expected = real_e.mean() + np.maximum(1.0 - fake_e, 0).mean()
    np.testing.assert_allclose(
        _np(losses.ebgan_discriminator_loss(real_e.astype("float32"),
                                            fake_e.astype("float32"), 1.0)), expected,
        rtol=1e-6)
    np.testing.assert_allclose(_np(losses.ebgan_generator_loss(fake_e.astype("float32"))),
                               fake_e.mean(), rtol=1e-6)


def test_pulling_away_term_matches_numpy_and_handles_degenerate_batches(numpy_rng):
    s = numpy_rng.normal(size=(6, 10)) * 1e3
    unit = s / np.linalg.norm(s, axis=1, keepdims=True)
    cos = unit @ unit.T
    expected = (cos ** 2).sum() - np.trace(cos ** 2)
    expected /= 6 * 5
    got = _np(losses.pulling_away_term(s.astype("float32")))
    np.testing.assert_allclose(got, expected, rtol=1e-4)
    # identical embeddings: every pair has cosine 1; orthogonal ones: 0
    np.testing.assert_allclose(_np(losses.pulling_away_term(np.ones((4, 3), "float32"))), 1.0,
                               rtol=1e-5)
    np.testing.assert_allclose(_np(losses.pulling_away_term(np.eye(3, dtype="float32"))), 0.0,
                               atol=1e-7)
    # one sample, or a zero embedding, stays finite
    assert _np(losses.pulling_away_term(s[:1].astype("float32"))) == 0.0
    with_zero = np.concatenate([np.zeros((1, 10)), s[:3]]).astype("float32")
    assert np.isfinite(_np(losses.pulling_away_term(with_zero)))
