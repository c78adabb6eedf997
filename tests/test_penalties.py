"""Gradient penalty, R1 and weight clipping against float64 numpy references."""

import numpy as np
import pytest

import keras
from keras import ops

from keras_gan import backend, losses


class QuadraticCritic:
    """critic(x) = x.w + c/2 |x|^2, so grad_x critic = w + c x (known in closed form)."""

    def __init__(self, w, c):
        self.w, self.c = w, c

    def __call__(self, x):
        w = ops.convert_to_tensor(self.w.astype("float32"))
        return ops.sum(x * w, axis=1, keepdims=True) + 0.5 * self.c * ops.sum(
            ops.square(x), axis=1, keepdims=True)


def gp_reference(real, fake, alpha, w, c, eps=1e-12):
    x_hat = real + alpha * (fake - real)
    grad = w[None, :] + c * x_hat
    norm = np.sqrt((grad ** 2).sum(axis=1) + eps)
    return np.mean((norm - 1.0) ** 2)


def test_gradient_penalty_matches_numpy(numpy_rng):
    real = numpy_rng.normal(size=(16, 3))
    fake = numpy_rng.normal(size=(16, 3))
    alpha = numpy_rng.uniform(size=(16, 1))
    w = numpy_rng.normal(size=3)
    critic = QuadraticCritic(w, c=0.7)
    got = losses.gradient_penalty(critic, real.astype("float32"), fake.astype("float32"),
                                  alpha=alpha.astype("float32"))
    np.testing.assert_allclose(float(ops.convert_to_numpy(ops.stop_gradient(got))),
                               gp_reference(real, fake, alpha, w, 0.7), rtol=1e-5)


@pytest.mark.parametrize("scale", [100.0, 1e-4])
def test_gradient_penalty_at_extreme_gradients(scale, numpy_rng):
    # Critic gradients of norm ~ 170 (weights of +-100) or ~ 2e-4: the penalty is finite
    # and matches float64, as are its gradients with respect to the critic's weights.
    w = scale * np.sign(numpy_rng.normal(size=3))
    real = numpy_rng.normal(size=(8, 3))
    fake = numpy_rng.normal(size=(8, 3))
    alpha = numpy_rng.uniform(size=(8, 1))
    layer = keras.layers.Dense(1)
    layer.build((None, 3))
    layer.kernel.assign(w[:, None].astype("float32"))

    def loss_fn():
        gp = losses.gradient_penalty(layer, real.astype("float32"), fake.astype("float32"),
                                     alpha=alpha.astype("float32"))
        return gp, gp

    loss, _, grads = backend.value_and_grad(loss_fn, [layer.kernel])
    norm = np.sqrt(np.sum(w ** 2) + 1e-12)
    value = float(ops.convert_to_numpy(ops.stop_gradient(loss)))
    np.testing.assert_allclose(value, (norm - 1) ** 2, rtol=1e-5)
    grad = ops.convert_to_numpy(grads[0])[:, 0]
    assert np.all(np.isfinite(grad))
    np.testing.assert_allclose(grad, 2 * (norm - 1) * w / norm, rtol=1e-4, atol=1e-6)


def test_gradient_penalty_draws_one_alpha_per_sample():
    # With a purely quadratic critic, grad = c x_hat: a per-sample alpha in [0, 1] puts
    # every x_hat on its own real-fake segment; check the penalty lies within the range
    # spanned by alpha = 0 and alpha = 1 for each sample, and differs from both.
    real = np.zeros((64, 2), "float32")
    fake = np.tile(np.array([[3.0, 4.0]], "float32"), (64, 1))  # |fake| = 5
    critic = QuadraticCritic(np.zeros(2), c=1.0)
    gp = float(ops.convert_to_numpy(ops.stop_gradient(
        losses.gradient_penalty(critic, real, fake, seed=keras.random.SeedGenerator(3)))))
    # norm = 5 alpha; E[(5a - 1)^2] for a ~ U(0,1) = 25/3 - 5 + 1 = 4.333...
    assert 0 < gp < 16
    np.testing.assert_allclose(gp, 25 / 3 - 5 + 1, rtol=0.25)


def test_gradient_penalty_epsilon_keeps_zero_gradient_finite():
    critic = lambda x: ops.zeros((ops.shape(x)[0], 1)) * ops.sum(x, axis=1, keepdims=True)
    real = np.zeros((4, 2), "float32")
    gp = losses.gradient_penalty(critic, real, real, alpha=np.full((4, 1), 0.5, "float32"))
    np.testing.assert_allclose(float(ops.convert_to_numpy(ops.stop_gradient(gp))),
                               (1e-6 - 1.0) ** 2, rtol=1e-6)


def test_gradient_penalty_is_differentiable_in_the_critic_weights(numpy_rng):
    # Linear critic D(x) = x.w + b: grad_x D = w, GP = (sqrt(|w|^2 + eps) - 1)^2 and
    # dGP/dw = 2 (|w| - 1) w / |w| (double backpropagation through the penalty).
    layer = keras.layers.Dense(1)
    layer.build((None, 3))
    w = numpy_rng.normal(size=(3, 1))
    layer.kernel.assign(w.astype("float32"))
    real = numpy_rng.normal(size=(8, 3)).astype("float32")
    fake = numpy_rng.normal(size=(8, 3)).astype("float32")

    def loss_fn():
        gp = losses.gradient_penalty(layer, real, fake, seed=1)
        return gp, gp

    loss, _, grads = backend.value_and_grad(loss_fn, [layer.kernel, layer.bias])
    norm = np.linalg.norm(w)
    np.testing.assert_allclose(float(ops.convert_to_numpy(ops.stop_gradient(loss))),
                               (norm - 1) ** 2, rtol=1e-5)
    np.testing.assert_allclose(ops.convert_to_numpy(grads[0]), 2 * (norm - 1) * w / norm,
                               rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(ops.convert_to_numpy(grads[1]), 0.0, atol=1e-7)


def test_gradient_penalty_on_images_sums_over_all_pixel_axes(numpy_rng):
    real = numpy_rng.normal(size=(4, 5, 5, 2))
    fake = numpy_rng.normal(size=(4, 5, 5, 2))
    alpha = numpy_rng.uniform(size=(4, 1, 1, 1))
    critic = lambda x: 0.5 * ops.sum(ops.square(x), axis=(1, 2, 3))
    gp = losses.gradient_penalty(critic, real.astype("float32"), fake.astype("float32"),
                                 alpha=alpha.astype("float32"))
    x_hat = real + alpha * (fake - real)
    norm = np.sqrt((x_hat ** 2).sum(axis=(1, 2, 3)) + 1e-12)
    np.testing.assert_allclose(float(ops.convert_to_numpy(ops.stop_gradient(gp))),
                               np.mean((norm - 1) ** 2), rtol=1e-5)


def test_gradient_penalty_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="same shape"):
        losses.gradient_penalty(lambda x: x, np.zeros((2, 3), "float32"),
                                np.zeros((2, 4), "float32"))


def test_r1_penalty_matches_numpy(numpy_rng):
    w = numpy_rng.normal(size=3)
    real = numpy_rng.normal(size=(10, 3))
    critic = QuadraticCritic(w, c=0.3)
    got = float(ops.convert_to_numpy(ops.stop_gradient(
        losses.r1_penalty(critic, real.astype("float32")))))
    grad = w[None, :] + 0.3 * real
    np.testing.assert_allclose(got, np.mean((grad ** 2).sum(axis=1)), rtol=1e-5)


def test_clip_weights_and_constraint(numpy_rng):
    values = numpy_rng.normal(scale=0.1, size=(5, 5)).astype("float32")
    v = keras.Variable(values)
    losses.clip_weights([v], 0.01)
    np.testing.assert_array_equal(ops.convert_to_numpy(v), np.clip(values, -0.01, 0.01))
    clip = losses.WeightClip(0.02)
    np.testing.assert_array_equal(ops.convert_to_numpy(clip(values)), np.clip(values, -0.02, 0.02))
    assert losses.WeightClip.from_config(clip.get_config()).clip_value == 0.02
