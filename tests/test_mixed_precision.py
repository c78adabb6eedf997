"""Mixed precision: every model trains under the "mixed_bfloat16" and "mixed_float16"
dtype policies (variables float32, compute in the low dtype, losses float32), the
dynamic loss scaling of float16 training (`keras_gan.models.loss_scaling`), the
gradient penalty under a mixed policy and under loss scaling against float32 and a
float64 numpy reference, saving the loss scale, and float32 serving.

Tiny networks and 1-4 steps. Every model runs under both policies."""

import numpy as np
import pytest

import keras
from keras import ops

import keras_gan
from keras_gan import backend
from keras_gan.losses import gradient_penalty
from keras_gan.models.loss_scaling import DynamicLossScale, minimize

from conftest import ring_data
from model_zoo import ALL_MODELS, build, trained_networks

LOW = {"mixed_bfloat16": "bfloat16", "mixed_float16": "float16"}


@pytest.fixture
def policy(request):
    """Sets the global dtype policy named by the test's parameter; restores the
    previous one afterwards, whatever happens in the test."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(request.param)
    try:
        yield request.param
    finally:
        keras.config.set_dtype_policy(previous)


def _np(x):
    return np.asarray(ops.convert_to_numpy(ops.cast(x, "float32")), dtype="float64")


CASES = [pytest.param(n, policy, id=f"{n}-{LOW[policy]}") for policy in LOW
         for n in ALL_MODELS]


@pytest.mark.parametrize("name, policy", CASES, indirect=["policy"])
def test_every_model_trains_under_a_mixed_policy(name, policy):
    model, fit_kwargs = build(name)
    low = LOW[policy]
    if name != "style_transfer":  # StyleTransfer's only network is its frozen VGG
        main = model.transformer if name == "fast_style_transfer" else model.generator
        computing = [layer for layer in main.layers if layer.weights]
        assert computing and all(layer.compute_dtype == low for layer in computing)
    floats = [v for v in model.weights if "float" in str(v.dtype)]
    assert floats and all(keras.backend.standardize_dtype(v.dtype) == "float32"
                          for v in floats)
    model.compile()
    scales = model._loss_scales
    assert (scales is not None) == (low == "float16")
    before = {k: [_np(v) for v in vs] for k, vs in trained_networks(model).items()}
    # float16: the first steps may overflow (skipped, scale halved); a few steps each
    epochs = 3 if low == "float16" else 1
    if low == "float16" and name == "fast_style_transfer":
        # the gradients through VGG (0..255-scale inputs, Gram terms) times the first
        # scales overflow float16: 4-5 steps are skipped (the scale halves each time)
        # before it trains
        epochs = 8
    history = model.fit(**fit_kwargs, epochs=epochs, verbose=0)
    logs = {k: v[-1] for k, v in history.history.items()}
    assert logs and all(np.isfinite(v) for v in logs.values()), logs
    for network, variables in trained_networks(model).items():
        changed = [not np.array_equal(b, _np(v)) for b, v in zip(before[network], variables)]
        assert any(changed), f"{name}: no weight of the {network} changed"
        assert all(keras.backend.standardize_dtype(v.dtype) == "float32" for v in variables)
    if scales is not None:
        for scale in scales.values():
            value = float(_np(scale.scale))
            assert np.isfinite(value) and value > 0
        # every network was updated, so not all of its steps were skipped
        assert len(scales) == len(trained_networks(model))


# ------------------------------------------------------------ the loss scale
@pytest.mark.parametrize("policy", ["mixed_float16"], indirect=True)
def test_a_non_finite_gradient_skips_the_update_and_halves_the_scale(policy):
    del policy
    keras.utils.set_random_seed(0)
    net = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    scale = DynamicLossScale(keras.layers.Layer(), "test", initial_scale=1024.0,
                             growth_steps=2)
    optimizer = keras.optimizers.Adam(0.1)
    variables = net.trainable_variables
    optimizer.build(variables)
    weights = [_np(v) for v in variables]
    state = [_np(v) for v in optimizer.variables]

    bad = [ops.ones(v.shape) for v in variables]
    bad[0] = ops.where(ops.arange(bad[0].shape[1]) == 0, np.inf, 1.0) * bad[0]
    applied = scale.apply(optimizer, bad, variables)
    assert not bool(ops.convert_to_numpy(applied))
    for b, v in zip(weights, variables):
        np.testing.assert_array_equal(b, _np(v))
    for b, v in zip(state, optimizer.variables):
        np.testing.assert_array_equal(b, _np(v))
    assert float(_np(scale.scale)) == 512.0 and int(_np(scale.good_steps)) == 0

    # finite gradients of a scaled loss: unscaled (divided by 512) and applied
    grads = [ops.full(v.shape, 512.0 * 0.25) for v in variables]
    assert bool(ops.convert_to_numpy(scale.apply(optimizer, grads, variables)))
    assert float(_np(scale.scale)) == 512.0 and int(_np(scale.good_steps)) == 1
    assert int(_np(optimizer.iterations)) == 1
    # Adam's first step moves every weight by the learning rate, against the gradient
    for b, v in zip(weights, variables):
        np.testing.assert_allclose(_np(v), b - 0.1, atol=1e-5)
    # the second finite step in a row doubles the scale (growth_steps=2)
    scale.apply(optimizer, grads, variables)
    assert float(_np(scale.scale)) == 1024.0 and int(_np(scale.good_steps)) == 0


@pytest.mark.parametrize("policy", ["mixed_float16"], indirect=True)
def test_fit_skips_the_player_with_non_finite_gradients_and_grows_after_good_steps(policy):
    del policy
    model, _ = build("gan")
    model.compile(loss_scale_growth_steps=2)
    g_scale, d_scale = model._loss_scales["generator"], model._loss_scales["discriminator"]
    start = float(_np(d_scale.scale))
    d_before = [_np(v) for v in model.discriminator.trainable_variables]
    g_before = [_np(v) for v in model.generator.trainable_variables]
    data = ring_data(16)
    # finite in float32, infinite in float16 (max 65504): the discriminator's loss and
    # gradients are not finite
    data[3, 0] = 1e6
    model.fit(data, batch_size=16, epochs=1, verbose=0)
    for b, v in zip(d_before, model.discriminator.trainable_variables):
        np.testing.assert_array_equal(b, _np(v))
    assert int(_np(model.discriminator_optimizer.iterations)) == 0
    assert float(_np(d_scale.scale)) == start / 2
    # the generator's loss does not read real data (non-saturating): it was updated
    assert any(not np.array_equal(b, _np(v))
               for b, v in zip(g_before, model.generator.trainable_variables))
    assert int(_np(model.generator_optimizer.iterations)) == 1
    assert float(_np(g_scale.scale)) == start and int(_np(g_scale.good_steps)) == 1
    # two finite steps: the generator's scale has doubled (growth_steps=2), the
    # discriminator's counts one
    model.fit(ring_data(16), batch_size=16, epochs=1, verbose=0)
    assert float(_np(g_scale.scale)) == 2 * start and int(_np(g_scale.good_steps)) == 0
    assert float(_np(d_scale.scale)) == start / 2 and int(_np(d_scale.good_steps)) == 1


@pytest.mark.parametrize("policy", ["mixed_float16"], indirect=True)
def test_the_loss_scale_is_saved_with_the_model(policy, tmp_path):
    del policy
    model, fit_kwargs = build("wgan_gp")
    model.compile(loss_scale_growth_steps=7)
    model.fit(**fit_kwargs, epochs=1, verbose=0)
    model._loss_scales["generator"].scale.assign(256.0)
    model._loss_scales["discriminator"].good_steps.assign(3)
    path = str(tmp_path / "mixed.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.dtype_policy.name == "mixed_float16"
    assert loaded.generator.layers[1].compute_dtype == "float16"
    for name, scale in model._loss_scales.items():
        other = loaded._loss_scales[name]
        assert float(_np(other.scale)) == float(_np(scale.scale))
        assert int(_np(other.good_steps)) == int(_np(scale.good_steps))
        assert other.growth_steps == 7
    assert float(_np(loaded._loss_scales["generator"].scale)) == 256.0
    assert loaded._scale_losses
    loaded.fit(**fit_kwargs, epochs=1, verbose=0)


@pytest.mark.parametrize("policy", ["mixed_float16"], indirect=True)
def test_auto_scale_loss_false_trains_without_scaling(policy):
    del policy
    model, fit_kwargs = build("gan")
    model.compile(auto_scale_loss=False)
    assert not model._scale_losses
    assert not isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    model.fit(**fit_kwargs, epochs=1, verbose=0)
    assert float(_np(model._loss_scales["generator"].scale)) == 2.0 ** 15
    assert model.get_compile_config()["auto_scale_loss"] is False


# ------------------------------------------------- the gradient penalty
def _critic_weights(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(0, 0.5, (4, 8)), rng.normal(0, 0.1, 8), rng.normal(0, 0.5, (8, 1)),
            rng.normal(0, 0.1, 1)]


def _critic(weights):
    critic = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="tanh"),
                               keras.layers.Dense(1)])
    critic.set_weights([w.astype("float32") for w in weights])
    return critic


def _penalty_inputs():
    rng = np.random.default_rng(1)
    real, fake = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
    alpha = rng.uniform(size=(6, 1))
    return real, fake, alpha


def _numpy_penalty(weights, real, fake, alpha):
    """float64 reference: the critic's input gradient is W1 diag(1 - tanh^2) w2."""
    w1, b1, w2, _ = weights
    x = real + alpha * (fake - real)
    h = np.tanh(x @ w1 + b1)
    grads = ((1 - h ** 2) * w2[:, 0]) @ w1.T
    norms = np.sqrt(np.sum(grads ** 2, axis=1) + 1e-12)
    return np.mean((norms - 1.0) ** 2)


def _penalty_and_grads(scale=None):
    weights = _critic_weights()
    critic = _critic(weights)
    real, fake, alpha = (x.astype("float32") for x in _penalty_inputs())

    def loss_fn():
        penalty = gradient_penalty(critic, real, fake, alpha=alpha)
        loss = penalty if scale is None else scale.scale_loss(penalty)
        return loss, penalty

    _, penalty, grads = backend.value_and_grad(loss_fn, critic.trainable_variables)
    return critic, _np(penalty), [_np(g) for g in grads]


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"], indirect=True)
def test_the_gradient_penalty_under_a_mixed_policy_matches_float32_and_float64(policy):
    reference = _numpy_penalty(_critic_weights(), *_penalty_inputs())
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("float32")
    try:
        _, penalty32, grads32 = _penalty_and_grads()
    finally:
        keras.config.set_dtype_policy(previous)
    critic, penalty, grads = _penalty_and_grads()
    assert critic.layers[0].compute_dtype == LOW[policy]
    np.testing.assert_allclose(penalty32, reference, rtol=1e-5)
    # float16 keeps 11 significant bits, bfloat16 8
    rtol = 1e-2 if policy == "mixed_float16" else 5e-2
    np.testing.assert_allclose(penalty, reference, rtol=rtol)
    for g, g32 in zip(grads, grads32):
        np.testing.assert_allclose(g, g32, rtol=rtol, atol=rtol * np.abs(g32).max())


@pytest.mark.parametrize("policy", ["mixed_float16"], indirect=True)
def test_a_scaled_penalty_gives_scaled_gradients_and_an_unscaled_penalty(policy):
    """Only the outer loss is scaled: the penalty (and the input gradient inside it) is
    the same with and without scaling, and its weight gradients are S times larger,
    not S^2 (no double scaling); unscaled, the update sees the true gradients."""
    del policy
    _, penalty, grads = _penalty_and_grads()
    scale = DynamicLossScale(keras.layers.Layer(), "penalty", initial_scale=1024.0)
    critic, scaled_penalty, scaled_grads = _penalty_and_grads(scale)
    assert scaled_penalty == penalty
    for g, sg in zip(grads, scaled_grads):
        np.testing.assert_allclose(sg, 1024.0 * g, rtol=1e-2, atol=1e-2 * 1024 * np.abs(g).max())
    # `minimize` with the scale: one SGD step moves the weights by -lr * true gradient
    optimizer = keras.optimizers.SGD(1.0)
    optimizer.build(critic.trainable_variables)
    before = [_np(v) for v in critic.trainable_variables]
    real, fake, alpha = (x.astype("float32") for x in _penalty_inputs())
    minimize(optimizer, lambda: (gradient_penalty(critic, real, fake, alpha=alpha), None),
             critic.trainable_variables, scale)
    for b, g, v in zip(before, grads, critic.trainable_variables):
        np.testing.assert_allclose(b - _np(v), g, rtol=1e-2, atol=1e-2 * np.abs(g).max())


# ------------------------------------------------------------------ serving
@pytest.mark.parametrize("policy", ["mixed_bfloat16"], indirect=True)
def test_a_mixed_generator_samples_and_exports_float32(policy, tmp_path):
    del policy
    model, fit_kwargs = build("dcgan")
    model.compile()
    model.fit(**fit_kwargs, epochs=1, verbose=0)
    samples = model.generate(3, seed=0)
    assert samples.dtype == np.float32 and np.isfinite(samples).all()
    path = str(tmp_path / "served")
    model.export(path)
    import tensorflow as tf

    serve = tf.saved_model.load(path).signatures["serving_default"]
    latent = model.latents(3, seed=0)
    out = serve(latent=tf.constant(latent))
    assert out["samples"].dtype == tf.float32
    np.testing.assert_allclose(out["samples"].numpy(), samples, atol=2e-2)
