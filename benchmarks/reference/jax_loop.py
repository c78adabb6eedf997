"""Hand-written plain-JAX reference training loops for `benchmarks/throughput.py` (issue 7).

The same networks, batch, optimizer and math per step as `keras_gan`'s `DCGAN` and
`WGANGP` trained with `model.fit` under the JAX backend, written without Keras, flax or
optax: parameters are pytrees (dicts of arrays), layers are `jax.lax` convolutions
(NHWC), batch normalisation and Adam are written out, and one whole training step (all
its updates) is one `jax.jit` with the state donated and the random keys split inside.
The ratio of the library's images/s to this loop's is the abstraction tax.

Mirrored from the library:

- DCGAN (Radford, Metz & Chintala 2016, "Unsupervised Representation Learning with Deep
  Convolutional Generative Adversarial Networks"): `keras_gan.networks.dcgan_generator`
  and `dcgan_discriminator` layer by layer (dense projection without bias, transposed
  convolutions 4x4 stride 2 "same" with the padding Keras' JAX backend uses, (2, 2) per
  side, bias only on the output layer; stride-2 convolutions with TF "SAME" padding, bias
  only on the first; BatchNormalization with momentum 0.99 and epsilon 1e-3 in training
  mode with its moving statistics updated at every call; ReLU / tanh in G, LeakyReLU(0.2)
  in D; N(0, 0.02) kernels, zero biases). One step = one discriminator update (fakes from
  G in training mode without gradient; D called separately on the real and the fake
  batch) and one generator update (fresh noise, G and D again); non-saturating loss;
  Adam(2e-4, beta_1=0.5, beta_2=0.999, epsilon=1e-7) with Keras' update rule and one
  step counter per optimizer.
- WGAN-GP (Gulrajani et al. 2017, "Improved Training of Wasserstein GANs"): the library
  has no 64x64 WGAN-GP recipe, so the critic is `dcgan_discriminator` (with its batch
  norm, as `WGANGP(generator, dcgan_discriminator(...))` would train it). One step =
  `critic_steps` critic updates, each on its own slice of `batch_size // critic_steps`
  real images, loss `mean D(fake) - mean D(real) + 10 * mean((sqrt(|grad D(x_hat)|^2 +
  1e-12) - 1)^2)` at `x_hat = real + alpha (fake - real)`, `alpha ~ U(0, 1)` per sample
  (D in training mode there too, its moving statistics updated), then one generator
  update with loss `-mean D(G(z))`; Adam(1e-4, beta_1=0.5, beta_2=0.9, epsilon=1e-7).

Nothing is copied to the host per step. Interface (used by the harness): `dcgan(...)`
and `wgan_gp(...)` return a `Reference` with `param_counts`, `run(steps)` and `sync()`.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["Reference", "dcgan", "wgan_gp"]

_BN_MOMENTUM = 0.99
_BN_EPSILON = 1e-3
_INIT_STDDEV = 0.02


# --------------------------------------------------------------------------- layers
def _conv(x, kernel):
    """Conv2D 4x4 stride 2 "same" (TF padding), kernel (kh, kw, in, out), NHWC."""
    return jax.lax.conv_general_dilated(
        x, kernel, window_strides=(2, 2), padding="SAME",
        dimension_numbers=("NHWC", "HWIO", "NHWC"))


def _conv_transpose_padding(kernel_size, stride):
    """The padding Keras' JAX backend gives `jax.lax.conv_transpose` for
    Conv2DTranspose(padding="same") without output_padding: total
    `stride + kernel - 2`, the larger half on the left, at most `kernel - 1`
    (keras/src/backend/common/backend_utils.py); output side = input side * stride."""
    total = stride + kernel_size - 2
    left = min(total // 2 + total % 2, kernel_size - 1)
    return (left, total - left)


def _conv_transpose(x, kernel):
    """Conv2DTranspose 4x4 stride 2 "same", kernel (kh, kw, out, in) as in Keras, NHWC;
    doubles the spatial side."""
    pad = _conv_transpose_padding(kernel.shape[0], 2)
    return jax.lax.conv_transpose(
        x, kernel, (2, 2), padding=(pad, pad),
        dimension_numbers=("NHWC", "HWIO", "NHWC"), transpose_kernel=True)


def _batch_norm(x, params, stats):
    """BatchNormalization in training mode over all axes but the last; returns the
    output and the updated moving statistics (Keras defaults)."""
    axes = tuple(range(x.ndim - 1))
    mean = jnp.mean(x, axes)
    variance = jnp.var(x, axes)
    inv = jax.lax.rsqrt(variance + _BN_EPSILON) * params["gamma"]
    out = x * inv + (params["beta"] - mean * inv)
    new_stats = {
        "mean": stats["mean"] * _BN_MOMENTUM + mean * (1.0 - _BN_MOMENTUM),
        "var": stats["var"] * _BN_MOMENTUM + variance * (1.0 - _BN_MOMENTUM),
    }
    return out, new_stats


def _leaky_relu(x):
    return jnp.where(x >= 0, x, 0.2 * x)


# ------------------------------------------------------------------------- networks
def _upsampling_plan(image_size):
    """`(base, steps)` with `image_size = base * 2^steps`, as
    `keras_gan.networks.dcgan.upsampling_plan` for square images."""
    side, steps = int(image_size), 0
    while side % 2 == 0 and side // 2 >= 4:
        side, steps = side // 2, steps + 1
    if steps == 0:
        raise ValueError(f"image_size must be base * 2^k with k >= 1, base >= 4; got {image_size}.")
    return side, steps


def _channels(filters, level):
    """Channels at `level`, capped at `8 * filters` (the library's default max_filters)."""
    return min(filters * 2 ** level, filters * 8)


def _bn_init(channels):
    return ({"gamma": jnp.ones((channels,)), "beta": jnp.zeros((channels,))},
            {"mean": jnp.zeros((channels,)), "var": jnp.ones((channels,))})


def _init_generator(key, latent_dim, image_size, channels, filters):
    base, steps = _upsampling_plan(image_size)
    keys = iter(jax.random.split(key, steps + 1))
    normal = lambda shape: _INIT_STDDEV * jax.random.normal(next(keys), shape)  # noqa: E731
    c = _channels(filters, steps - 1)
    params, stats = {"project": normal((latent_dim, base * base * c))}, {}
    params["project_bn"], stats["project_bn"] = _bn_init(c)
    for level in range(steps - 1, 0, -1):
        i, out = steps - level, _channels(filters, level - 1)
        params[f"deconv_{i}"] = normal((4, 4, out, c))
        params[f"deconv_{i}_bn"], stats[f"deconv_{i}_bn"] = _bn_init(out)
        c = out
    params["out"] = {"kernel": normal((4, 4, channels, c)), "bias": jnp.zeros((channels,))}
    return params, stats


def _generator(params, stats, z, base, steps):
    """G(z) in training mode; returns images and the new moving statistics."""
    new = {}
    x = z @ params["project"]
    x = x.reshape(z.shape[0], base, base, -1)
    x, new["project_bn"] = _batch_norm(x, params["project_bn"], stats["project_bn"])
    x = jax.nn.relu(x)
    for i in range(1, steps):
        x = _conv_transpose(x, params[f"deconv_{i}"])
        x, new[f"deconv_{i}_bn"] = _batch_norm(x, params[f"deconv_{i}_bn"],
                                               stats[f"deconv_{i}_bn"])
        x = jax.nn.relu(x)
    x = _conv_transpose(x, params["out"]["kernel"]) + params["out"]["bias"]
    return jnp.tanh(x), new


def _init_discriminator(key, image_size, channels, filters):
    base, steps = _upsampling_plan(image_size)
    keys = iter(jax.random.split(key, steps + 1))
    normal = lambda shape: _INIT_STDDEV * jax.random.normal(next(keys), shape)  # noqa: E731
    params, stats, c = {}, {}, channels
    for level in range(steps):
        out = _channels(filters, level)
        params[f"conv_{level + 1}"] = normal((4, 4, c, out))
        if level == 0:
            params["conv_1_bias"] = jnp.zeros((out,))
        else:
            params[f"conv_{level + 1}_bn"], stats[f"conv_{level + 1}_bn"] = _bn_init(out)
        c = out
    params["logits"] = {"kernel": normal((base * base * c, 1)), "bias": jnp.zeros((1,))}
    return params, stats


def _discriminator(params, stats, x, steps):
    """D(x) logits (N, 1) in training mode; returns them and the new moving statistics."""
    new = {}
    for level in range(steps):
        name = f"conv_{level + 1}"
        x = _conv(x, params[name])
        if level == 0:
            x = x + params["conv_1_bias"]
        else:
            x, new[f"{name}_bn"] = _batch_norm(x, params[f"{name}_bn"], stats[f"{name}_bn"])
        x = _leaky_relu(x)
    x = x.reshape(x.shape[0], -1)
    return x @ params["logits"]["kernel"] + params["logits"]["bias"], new


# ------------------------------------------------------------------------------ Adam
def _adam_init(params):
    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    return {"m": zeros, "v": jax.tree_util.tree_map(jnp.zeros_like, params),
            "t": jnp.zeros((), jnp.float32)}


def _adam_update(params, grads, opt, lr, beta_1, beta_2, epsilon=1e-7):
    """One Adam step with Keras' update rule (keras/src/optimizers/adam.py):
    `m += (g - m)(1 - b1)`, `v += (g^2 - v)(1 - b2)`,
    `w -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)`."""
    t = opt["t"] + 1.0
    alpha = lr * jnp.sqrt(1.0 - beta_2 ** t) / (1.0 - beta_1 ** t)
    m = jax.tree_util.tree_map(lambda m, g: m + (g - m) * (1.0 - beta_1), opt["m"], grads)
    v = jax.tree_util.tree_map(lambda v, g: v + (g * g - v) * (1.0 - beta_2), opt["v"], grads)
    params = jax.tree_util.tree_map(lambda w, m, v: w - m * alpha / (jnp.sqrt(v) + epsilon),
                                    params, m, v)
    return params, {"m": m, "v": v, "t": t}


# ---------------------------------------------------------------------------- steps
def _dcgan_step(state, real, *, latent_dim, base, steps, adam):
    key, k_d, k_g = jax.random.split(state["key"], 3)
    g, d = state["g"], state["d"]
    n = real.shape[0]

    # discriminator update: fakes from G (training mode) without gradient
    z = jax.random.normal(k_d, (n, latent_dim))
    fake, g_stats = _generator(g["params"], g["stats"], z, base, steps)
    fake = jax.lax.stop_gradient(fake)

    def d_loss_fn(d_params):
        real_logits, stats = _discriminator(d_params, d["stats"], real, steps)
        fake_logits, stats = _discriminator(d_params, stats, fake, steps)
        loss = jnp.mean(jax.nn.softplus(-real_logits)) + jnp.mean(jax.nn.softplus(fake_logits))
        return loss, (stats, loss)

    d_grads, (d_stats, d_loss) = jax.grad(d_loss_fn, has_aux=True)(d["params"])
    d_params, d_opt = _adam_update(d["params"], d_grads, d["opt"], **adam)

    # generator update: fresh noise, G and D again
    z = jax.random.normal(k_g, (n, latent_dim))

    def g_loss_fn(g_params):
        images, new_g_stats = _generator(g_params, g_stats, z, base, steps)
        logits, new_d_stats = _discriminator(d_params, d_stats, images, steps)
        loss = jnp.mean(jax.nn.softplus(-logits))
        return loss, (new_g_stats, new_d_stats, loss)

    g_grads, (g_stats, d_stats, g_loss) = jax.grad(g_loss_fn, has_aux=True)(g["params"])
    g_params, g_opt = _adam_update(g["params"], g_grads, g["opt"], **adam)
    return {
        "key": key,
        "g": {"params": g_params, "stats": g_stats, "opt": g_opt},
        "d": {"params": d_params, "stats": d_stats, "opt": d_opt},
        "losses": jnp.stack([d_loss, g_loss]),
    }


def _wgan_gp_step(state, real, *, latent_dim, base, steps, adam, critic_steps,
                  penalty_weight=10.0, penalty_epsilon=1e-12):
    key = state["key"]
    g, d = state["g"], state["d"]
    g_params, g_stats = g["params"], g["stats"]
    d_params, d_stats, d_opt = d["params"], d["stats"], d["opt"]
    size = real.shape[0] // critic_steps

    for i in range(critic_steps):
        key, k_z, k_alpha = jax.random.split(key, 3)
        real_i = real[i * size:(i + 1) * size]
        z = jax.random.normal(k_z, (size, latent_dim))
        fake, g_stats = _generator(g_params, g_stats, z, base, steps)
        fake = jax.lax.stop_gradient(fake)
        alpha = jax.random.uniform(k_alpha, (size, 1, 1, 1))

        def d_loss_fn(p, real_i=real_i, fake=fake, alpha=alpha, stats=d_stats):
            real_logits, stats = _discriminator(p, stats, real_i, steps)
            fake_logits, stats = _discriminator(p, stats, fake, steps)
            wasserstein = jnp.mean(fake_logits) - jnp.mean(real_logits)
            x_hat = real_i + alpha * (fake - real_i)

            def total(x, stats):
                logits, new_stats = _discriminator(p, stats, x, steps)
                return jnp.sum(logits), new_stats

            grads, stats = jax.grad(total, has_aux=True)(x_hat, stats)
            norms = jnp.sqrt(jnp.sum(jnp.square(grads), axis=(1, 2, 3)) + penalty_epsilon)
            penalty = jnp.mean(jnp.square(norms - 1.0))
            loss = wasserstein + penalty_weight * penalty
            return loss, (stats, loss)

        d_grads, (d_stats, d_loss) = jax.grad(d_loss_fn, has_aux=True)(d_params)
        d_params, d_opt = _adam_update(d_params, d_grads, d_opt, **adam)

    key, k_g = jax.random.split(key)
    z = jax.random.normal(k_g, (size, latent_dim))

    def g_loss_fn(p):
        images, new_g_stats = _generator(p, g_stats, z, base, steps)
        logits, new_d_stats = _discriminator(d_params, d_stats, images, steps)
        loss = -jnp.mean(logits)
        return loss, (new_g_stats, new_d_stats, loss)

    g_grads, (g_stats, d_stats, g_loss) = jax.grad(g_loss_fn, has_aux=True)(g_params)
    g_params, g_opt = _adam_update(g_params, g_grads, g["opt"], **adam)
    return {
        "key": key,
        "g": {"params": g_params, "stats": g_stats, "opt": g_opt},
        "d": {"params": d_params, "stats": d_stats, "opt": d_opt},
        "losses": jnp.stack([d_loss, g_loss]),
    }


# ------------------------------------------------------------------------ Reference
def _count(params):
    return int(sum(np.prod(leaf.shape) for leaf in jax.tree_util.tree_leaves(params)))


class Reference:
    """A hand-written training loop with its state on the device.

    Attributes:
        param_counts: `(generator, discriminator)` trainable parameter counts.
        state: the training state pytree (parameters, moving statistics, Adam slots and
            step counters, PRNG key, last `[d_loss, g_loss]`).
    """

    def __init__(self, step_fn, state, real):
        self.param_counts = (_count(state["g"]["params"]), _count(state["d"]["params"]))
        self.state = state
        self._real = real
        self._step = jax.jit(step_fn, donate_argnums=0)

    def run(self, steps):
        """Queues `steps` training steps (asynchronous dispatch; no host copy)."""
        for _ in range(int(steps)):
            self.state = self._step(self.state, self._real)

    def sync(self):
        """Blocks until every queued step has finished."""
        jax.block_until_ready(self.state)

    def losses(self):
        """`(d_loss, g_loss)` of the last step, copied to the host (for checks only)."""
        return tuple(float(v) for v in np.asarray(self.state["losses"]))


def _build(step_fn, batch_size, image_size, latent_dim, filters, seed):
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be positive; got {batch_size}.")
    base, steps = _upsampling_plan(image_size)
    rng = np.random.default_rng(seed)
    real_np = rng.uniform(-1.0, 1.0, (int(batch_size), image_size, image_size, 3))
    real = jax.device_put(real_np.astype(np.float32))
    key_g, key_d, key = jax.random.split(jax.random.PRNGKey(seed), 3)
    g_params, g_stats = _init_generator(key_g, latent_dim, image_size, 3, filters)
    d_params, d_stats = _init_discriminator(key_d, image_size, 3, filters)
    state = {
        "key": key,
        "g": {"params": g_params, "stats": g_stats, "opt": _adam_init(g_params)},
        "d": {"params": d_params, "stats": d_stats, "opt": _adam_init(d_params)},
        "losses": jnp.zeros((2,)),
    }
    step = functools.partial(step_fn, latent_dim=int(latent_dim), base=base, steps=steps)
    return Reference(step, state, real)


def dcgan(batch_size, image_size=64, latent_dim=100, filters=64, seed=0):
    """DCGAN reference: one training step = 1 discriminator update + 1 generator update.

    Args:
        batch_size: real images per step (and noise vectors per update).
        image_size: side of the square RGB images.
        latent_dim: size of z.
        filters: width of the networks (as `keras_gan.networks.dcgan_*`).
        seed: seed of the real batch, the weights and the noise.

    Returns:
        A `Reference`.
    """
    adam = dict(lr=2e-4, beta_1=0.5, beta_2=0.999)
    return _build(functools.partial(_dcgan_step, adam=adam), batch_size, image_size,
                  latent_dim, filters, seed)


def wgan_gp(batch_size, image_size=64, latent_dim=100, filters=64, seed=0, critic_steps=5):
    """WGAN-GP reference: one step = `critic_steps` critic updates (each on its own slice
    of `batch_size // critic_steps` real images and as many noise vectors) + 1 generator
    update (`batch_size // critic_steps` noise vectors).

    Args:
        batch_size: real images per step; at least `critic_steps`.
        image_size, latent_dim, filters, seed: as for `dcgan`.
        critic_steps: critic updates per step (5 in the paper).

    Returns:
        A `Reference`.
    """
    if int(critic_steps) < 1 or int(batch_size) < int(critic_steps):
        raise ValueError(f"batch_size ({batch_size}) must be at least critic_steps "
                         f"({critic_steps}) >= 1.")
    adam = dict(lr=1e-4, beta_1=0.5, beta_2=0.9)
    return _build(functools.partial(_wgan_gp_step, adam=adam, critic_steps=int(critic_steps)),
                  batch_size, image_size, latent_dim, filters, seed)
