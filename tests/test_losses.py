"""Adversarial losses against float64 numpy references, including logits of +-100."""

import numpy as np
import pytest
from keras import ops

from keras_gan import backend, losses


def softplus(x):
    return np.logaddexp(0.0, x)


def bce(x, t):
    return np.mean(t * softplus(-x) + (1 - t) * softplus(x))


def reference(name, real, fake, s=0.0):
    """(discriminator loss, generator loss) in float64, from the papers' formulas."""
    t = 1.0 - s
    if name == "minimax":
        return bce(real, t) + bce(fake, 0.0), np.mean(np.log1p(-1 / (1 + np.exp(-fake)))
                                                       if np.all(np.abs(fake) < 30)
                                                       else -softplus(fake))
    if name == "non_saturating":
        return bce(real, t) + bce(fake, 0.0), np.mean(softplus(-fake))
    if name == "wasserstein":
        return np.mean(fake) - np.mean(real), -np.mean(fake)
    if name == "hinge":
        return (np.mean(np.maximum(0, 1 - real)) + np.mean(np.maximum(0, 1 + fake)),
                -np.mean(fake))
    if name == "least_squares":
        return (0.5 * np.mean((real - t) ** 2) + 0.5 * np.mean(fake ** 2),
                0.5 * np.mean((fake - 1) ** 2))
    if name == "relativistic":
        return bce(real - fake, t), bce(fake - real, 1.0)
    if name == "relativistic_average":
        rr, fr = real - fake.mean(), fake - real.mean()
        return bce(rr, t) + bce(fr, 0.0), bce(fr, 1.0) + bce(rr, 0.0)
    raise KeyError(name)


NAMES = ["minimax", "non_saturating", "wasserstein", "hinge", "least_squares",
         "relativistic", "relativistic_average"]
SMOOTHABLE = ["minimax", "non_saturating", "least_squares", "relativistic",
              "relativistic_average"]


def _numpy(x):
    return float(ops.convert_to_numpy(x))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("scale", [1.0, 5.0])
def test_matches_numpy_reference(name, scale, numpy_rng):
    real = numpy_rng.normal(0.5, scale, size=(64, 1))
    fake = numpy_rng.normal(-0.5, scale, size=(64, 1))
    loss = losses.get(name)
    d_ref, g_ref = reference(name, real, fake)
    d = _numpy(loss.discriminator_loss(real.astype("float32"), fake.astype("float32")))
    g = _numpy(loss.generator_loss(fake.astype("float32"), real.astype("float32")))
    np.testing.assert_allclose(d, d_ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(g, g_ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_extreme_logits_are_finite_and_exact(name):
    # Every combination of confident right / wrong answers at +-100.
    real = np.array([[100.0], [-100.0], [100.0], [-100.0]])
    fake = np.array([[-100.0], [100.0], [100.0], [-100.0]])
    loss = losses.get(name)
    d_ref, g_ref = reference(name, real, fake)
    d = loss.discriminator_loss(real.astype("float32"), fake.astype("float32"))
    g = loss.generator_loss(fake.astype("float32"), real.astype("float32"))
    assert np.isfinite(_numpy(d)) and np.isfinite(_numpy(g))
    np.testing.assert_allclose(_numpy(d), d_ref, rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(_numpy(g), g_ref, rtol=1e-6, atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("value", [-100.0, 100.0])
def test_extreme_logits_have_finite_gradients(name, value):
    loss = losses.get(name)
    logits = np.full((8, 1), value, dtype="float32")
    other = np.full((8, 1), -value, dtype="float32")
    for fn in (lambda x: loss.discriminator_loss(x, other),
               lambda x: loss.discriminator_loss(other, x),
               lambda x: loss.generator_loss(x, other)):
        grad = ops.convert_to_numpy(ops.stop_gradient(backend.input_gradient(fn, logits)))
        assert np.all(np.isfinite(grad))


def test_non_saturating_gradient_matches_numpy(numpy_rng):
    fake = numpy_rng.normal(0, 3, size=(16, 1)).astype("float32")
    grad = ops.convert_to_numpy(
        backend.input_gradient(losses.get("non_saturating").generator_loss, fake))
    expected = -1.0 / (1.0 + np.exp(fake.astype("float64"))) / len(fake)  # d softplus(-x)
    np.testing.assert_allclose(grad, expected, rtol=1e-5, atol=1e-7)


def test_minimax_generator_saturates_where_non_saturating_does_not():
    # D confidently rejects the samples (logit -10): the saturating loss gives a tiny
    # gradient, the non-saturating one a large one (Goodfellow et al. 2014, Sec. 3).
    fake = np.full((4, 1), -10.0, dtype="float32")
    g_mm = ops.convert_to_numpy(backend.input_gradient(losses.get("minimax").generator_loss, fake))
    g_ns = ops.convert_to_numpy(
        backend.input_gradient(losses.get("non_saturating").generator_loss, fake))
    assert np.abs(g_mm).max() < 1e-4 < np.abs(g_ns).max()


@pytest.mark.parametrize("name", SMOOTHABLE)
def test_one_sided_label_smoothing(name, numpy_rng):
    real = numpy_rng.normal(size=(32, 1))
    fake = numpy_rng.normal(size=(32, 1))
    loss = losses.get(name, label_smoothing=0.1)
    d_ref, g_ref = reference(name, real, fake, s=0.1)
    _, g_plain = reference(name, real, fake, s=0.0)
    np.testing.assert_allclose(
        _numpy(loss.discriminator_loss(real.astype("float32"), fake.astype("float32"))),
        d_ref, rtol=1e-5, atol=1e-6)
    # one-sided: the generator's target is unchanged
    np.testing.assert_allclose(
        _numpy(loss.generator_loss(fake.astype("float32"), real.astype("float32"))),
        g_plain, rtol=1e-5, atol=1e-6)
    assert g_ref == g_plain


def test_bad_identifiers_and_options():
    with pytest.raises(ValueError, match="Unknown adversarial loss 'nope'"):
        losses.get("nope")
    with pytest.raises(ValueError, match="no labels to smooth"):
        losses.get("wasserstein", label_smoothing=0.1)
    with pytest.raises(ValueError, match=r"label_smoothing must be in \[0, 1\)"):
        losses.get("minimax", label_smoothing=1.0)
    with pytest.raises(TypeError):
        losses.get(3)
    with pytest.raises(ValueError, match="pass real_logits"):
        losses.get("relativistic").generator_loss(np.zeros((2, 1), "float32"))


@pytest.mark.parametrize("name", NAMES)
def test_serialisation_round_trip(name):
    loss = losses.get(name, label_smoothing=0.2 if name in SMOOTHABLE else 0.0)
    again = losses.deserialize(losses.serialize(loss))
    assert type(again) is type(loss) and again.label_smoothing == loss.label_smoothing
