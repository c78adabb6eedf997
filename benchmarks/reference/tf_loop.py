"""Hand-written TensorFlow training loops for DCGAN and WGAN-GP: the reference that
`benchmarks/throughput.py` compares the library's `model.fit` with (issue 7).

The loop is what a TensorFlow user writes by hand: the Keras 3 networks of the library
(`keras_gan.networks.dcgan_generator` / `dcgan_discriminator`, built under
`KERAS_BACKEND=tensorflow`), two `keras.optimizers.Adam` applied with
`optimizer.apply(grads, variables)`, `tf.GradientTape`, and one `tf.function` per
training step (optionally XLA-compiled with `jit_compile=True`). It uses none of the
library's models, train steps or `fit`. The noise is drawn inside the `tf.function` from a
`tf.random.Generator`; the real batch is put on the device once; nothing is copied to the
host per step.

Mirrored math (keras_gan/models/base.py `_train_step`, `_discriminator_update`,
`_generator_update`; keras_gan/losses/adversarial.py, penalties.py):

- DCGAN (Radford, Metz & Chintala 2016, "Unsupervised Representation Learning with Deep
  Convolutional Generative Adversarial Networks"): one step = one discriminator update
  (fakes from G in training mode, outside the tape and `stop_gradient`, D called on the
  real and on the fake batch separately, loss `mean softplus(-D(x)) + mean softplus(D(G(z)))`)
  and one generator update on fresh noise (loss `mean softplus(-D(G(z)))`, G and D in
  training mode, so both networks' batch-norm moving statistics are updated as in the
  library). Adam(2e-4, beta_1=0.5, beta_2=0.999, epsilon=1e-7) for each network.
- WGAN-GP (Gulrajani et al. 2017, "Improved Training of Wasserstein GANs", Algorithm 1):
  one step = `critic_steps` critic updates, each on its own slice of
  `batch_size // critic_steps` real images and as many noise vectors, with loss
  `mean D(G(z)) - mean D(x) + 10 * mean((sqrt(sum(grad_x D(x_hat)^2) + 1e-12) - 1)^2)` at
  `x_hat = x + alpha (G(z) - x)`, `alpha ~ U(0, 1)` per sample (double backpropagation
  through a nested tape), then one generator update on `batch_size // critic_steps` noise
  vectors with loss `-mean D(G(z))`. Adam(1e-4, beta_1=0.5, beta_2=0.9) as `WGANGP`'s
  defaults. The library has no 64x64 WGAN-GP recipe, so the critic is
  `dcgan_discriminator` (with its batch normalisation, called in training mode on the
  real, fake and interpolated batches, as `WGANGP` would call it).

Not mirrored (bookkeeping, not math): the library's loss trackers (running means of the
reported losses) and its `optimizer.iterations` counter; the step here returns its losses
as tensors and keeps the last ones in `Reference.last_losses` without reading them.

The module runs only under `KERAS_BACKEND=tensorflow`; building a reference under another
backend raises a RuntimeError that says so.
"""

import numpy as np

import keras

__all__ = ["Reference", "dcgan", "wgan_gp"]


def _tensorflow():
    """The `tensorflow` module, after checking that Keras runs on it."""
    backend = keras.backend.backend()
    if backend != "tensorflow":
        raise RuntimeError(
            f"benchmarks/reference/tf_loop.py is a TensorFlow loop and needs "
            f"KERAS_BACKEND=tensorflow; Keras is running on {backend!r}."
        )
    import tensorflow as tf

    return tf


def _check(batch_size, image_size, latent_dim, filters, critic_steps=1):
    for name, value in (("batch_size", batch_size), ("image_size", image_size),
                        ("latent_dim", latent_dim), ("filters", filters),
                        ("critic_steps", critic_steps)):
        if int(value) != value or int(value) < 1:
            raise ValueError(f"{name} must be a positive integer; received {value!r}.")
    if batch_size < critic_steps:
        raise ValueError(
            f"A batch of {batch_size} images is too small for {critic_steps} critic steps: "
            f"it needs at least {critic_steps}."
        )


def _networks(image_size, latent_dim, filters, seed):
    from keras_gan.networks import dcgan_discriminator, dcgan_generator

    keras.utils.set_random_seed(seed)  # the weights' draw, as recipes.image_model does
    shape = (int(image_size), int(image_size), 3)
    return (dcgan_generator(int(latent_dim), shape, int(filters)),
            dcgan_discriminator(shape, int(filters)))


def _real_batch(tf, batch_size, image_size, seed):
    rng = np.random.default_rng(seed)
    images = rng.uniform(-1.0, 1.0, (int(batch_size), int(image_size), int(image_size), 3))
    return tf.constant(images.astype("float32"))


def _trainable_count(network):
    return int(sum(np.prod(v.shape) for v in network.trainable_variables))


class Reference:
    """A hand-written TensorFlow training loop of one GAN on one fixed real batch.

    Args:
        generator, discriminator: Keras networks (built).
        step_fn: Python function `(state) -> dict of loss tensors` with the math of one
            training step; `state` is this object (networks, optimizers, real batch, noise
            generator). It is wrapped in one `tf.function`.
        generator_optimizer, discriminator_optimizer: Keras optimizers.
        real: the real batch, a tensor already on the device.
        seed: seed of the `tf.random.Generator` that draws the noise and alphas.
        jit_compile: compile the step with XLA.

    Attributes:
        param_counts: `(generator, discriminator)` trainable parameter counts.
        last_losses: the loss tensors of the last step (never read by the loop).
    """

    def __init__(self, generator, discriminator, step_fn, generator_optimizer,
                 discriminator_optimizer, real, seed=0, jit_compile=False):
        tf = _tensorflow()
        self.generator, self.discriminator = generator, discriminator
        self.g_vars = list(generator.trainable_variables)
        self.d_vars = list(discriminator.trainable_variables)
        self.g_opt, self.d_opt = generator_optimizer, discriminator_optimizer
        # slot variables are created here, outside the tf.function
        self.g_opt.build(self.g_vars)
        self.d_opt.build(self.d_vars)
        self.real = real
        self.noise = tf.random.Generator.from_seed(int(seed))
        self.jit_compile = bool(jit_compile)
        self.param_counts = (_trainable_count(generator), _trainable_count(discriminator))
        self.last_losses = None
        self._step = tf.function(lambda: step_fn(self), jit_compile=self.jit_compile)

    def run(self, steps):
        """Runs `steps` training steps (one `tf.function` call each)."""
        for _ in range(int(steps)):
            self.last_losses = self._step()

    def sync(self):
        """Blocks until the queued steps are finished (reads one generator bias, which the
        last update of a step writes)."""
        self.g_vars[-1].numpy()


def _softplus_mean(tf, x):
    return tf.reduce_mean(tf.math.softplus(x))


def dcgan(batch_size, image_size=64, latent_dim=100, filters=64, seed=0, jit_compile=False):
    """The DCGAN reference (Radford et al. 2016): one step = 1 discriminator update +
    1 generator update on a batch of `batch_size`, non-saturating loss, Adam(2e-4, 0.5).

    Args:
        batch_size: real images and noise vectors per update.
        image_size: side of the square RGB images.
        latent_dim: size of z.
        filters: width of the networks (64 in the DCGAN reference code).
        seed: seed of the weights, of the real batch and of the noise.
        jit_compile: compile the step with XLA.

    Returns:
        A `Reference`.
    """
    _check(batch_size, image_size, latent_dim, filters)
    tf = _tensorflow()
    generator, discriminator = _networks(image_size, latent_dim, filters, seed)
    n, latent_dim = int(batch_size), int(latent_dim)

    def step(s):
        # discriminator update: fakes from G in training mode, no gradient to G
        fake = tf.stop_gradient(
            s.generator(s.noise.normal((n, latent_dim)), training=True))
        with tf.GradientTape() as tape:
            real_logits = s.discriminator(s.real, training=True)["logits"]
            fake_logits = s.discriminator(fake, training=True)["logits"]
            d_loss = _softplus_mean(tf, -real_logits) + _softplus_mean(tf, fake_logits)
        s.d_opt.apply(tape.gradient(d_loss, s.d_vars), s.d_vars)
        # generator update on fresh noise
        with tf.GradientTape() as tape:
            fake = s.generator(s.noise.normal((n, latent_dim)), training=True)
            g_loss = _softplus_mean(tf, -s.discriminator(fake, training=True)["logits"])
        s.g_opt.apply(tape.gradient(g_loss, s.g_vars), s.g_vars)
        return {"d_loss": d_loss, "g_loss": g_loss}

    return Reference(
        generator, discriminator, step,
        keras.optimizers.Adam(2e-4, beta_1=0.5, beta_2=0.999, epsilon=1e-7),
        keras.optimizers.Adam(2e-4, beta_1=0.5, beta_2=0.999, epsilon=1e-7),
        _real_batch(tf, batch_size, image_size, seed), seed=seed, jit_compile=jit_compile,
    )


def wgan_gp(batch_size, image_size=64, latent_dim=100, filters=64, seed=0, critic_steps=5,
            jit_compile=False, gradient_penalty_weight=10.0):
    """The WGAN-GP reference (Gulrajani et al. 2017): one step = `critic_steps` critic
    updates, each on its own slice of `batch_size // critic_steps` real images and as many
    noise vectors, + 1 generator update on `batch_size // critic_steps` noise vectors;
    Adam(1e-4, 0.5, 0.9). The critic is `dcgan_discriminator` (the library has no 64x64
    WGAN-GP recipe).

    Args:
        batch_size, image_size, latent_dim, filters, seed, jit_compile: as for `dcgan`.
        critic_steps: critic updates per step (n_critic = 5 in the paper).
        gradient_penalty_weight: lambda (10 in the paper).

    Returns:
        A `Reference`.
    """
    _check(batch_size, image_size, latent_dim, filters, critic_steps)
    tf = _tensorflow()
    generator, discriminator = _networks(image_size, latent_dim, filters, seed)
    k, latent_dim = int(critic_steps), int(latent_dim)
    m = int(batch_size) // k
    weight = float(gradient_penalty_weight)

    def critic(s, x):
        return s.discriminator(x, training=True)["logits"]

    def step(s):
        values = {}
        for i in range(k):
            real = s.real[i * m:(i + 1) * m]
            fake = tf.stop_gradient(
                s.generator(s.noise.normal((m, latent_dim)), training=True))
            with tf.GradientTape() as tape:
                real_scores = critic(s, real)  # real first, as the library
                wasserstein = tf.reduce_mean(critic(s, fake)) - tf.reduce_mean(real_scores)
                # gradient penalty: per-sample gradient norm at random interpolates
                alpha = s.noise.uniform((m, 1, 1, 1))
                x_hat = real + alpha * (fake - real)
                with tf.GradientTape() as inner:
                    inner.watch(x_hat)
                    score = tf.reduce_sum(critic(s, x_hat))
                grads = inner.gradient(score, x_hat)
                norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]) + 1e-12)
                penalty = tf.reduce_mean(tf.square(norms - 1.0))
                d_loss = wasserstein + weight * penalty
            s.d_opt.apply(tape.gradient(d_loss, s.d_vars), s.d_vars)
            values = {"d_loss": d_loss, "gradient_penalty": penalty}
        with tf.GradientTape() as tape:
            fake = s.generator(s.noise.normal((m, latent_dim)), training=True)
            g_loss = -tf.reduce_mean(critic(s, fake))
        s.g_opt.apply(tape.gradient(g_loss, s.g_vars), s.g_vars)
        values["g_loss"] = g_loss
        return values

    return Reference(
        generator, discriminator, step,
        keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9, epsilon=1e-7),
        keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9, epsilon=1e-7),
        _real_batch(tf, batch_size, image_size, seed), seed=seed, jit_compile=jit_compile,
    )
