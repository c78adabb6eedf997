"""Ready-made experiments: the 2D-mixture setup of PacGAN (Lin et al. 2018).

The command line, the benchmarks and the applications build their models here, so the
configuration that the benchmark table reports is the one a user gets from
`keras-gan train`.
"""

import inspect
import time

import keras

from keras_gan import datasets, networks
from keras_gan.models import GAN, WGAN, WGANGP

__all__ = ["MIXTURE_MODELS", "mixture_data", "mixture_model", "train_on_mixture"]

MIXTURE_MODELS = {"gan": GAN, "wgan": WGAN, "wgan_gp": WGANGP}


def _model_class(name):
    if name not in MIXTURE_MODELS:
        raise ValueError(f"Unknown model {name!r}; choose one of {', '.join(MIXTURE_MODELS)}.")
    return MIXTURE_MODELS[name]


def discriminator_steps(name):
    """The paper's discriminator steps per generator step of model `name`."""
    return inspect.signature(_model_class(name)).parameters["discriminator_steps"].default


def mixture_model(name, packing=1, seed=None, learning_rate=2e-4, decay_steps=None):
    """A compiled model for a 2D mixture, with the networks of PacGAN's experiments.

    Generator: 2D Gaussian noise, four hidden layers of 400 ReLU units with batch
    normalisation, linear 2D output. Discriminator: three hidden layers of 200 maxout
    units with 5 pieces each and a linear output (the WGAN critic uses the same
    network). `packing` turns any of them into a PacGAN.

    Args:
        name: `"gan"`, `"wgan"` or `"wgan_gp"`.
        packing: PacGAN degree.
        seed: seed of the weights and of the training noise.
        learning_rate: initial Adam learning rate of GAN and WGAN-GP, both networks
            (WGAN keeps the paper's RMSprop 5e-5). Adam's beta_1 is 0.5 (beta_2 0.9 for
            WGAN-GP, as in its paper).
        decay_steps: if given, the learning rate follows a cosine decay to 0 over this
            many training steps (the whole run). Without the decay the generator keeps
            jittering around the modes and far fewer samples land within 3 std of one.

    Returns:
        A compiled `GAN`, `WGAN` or `WGANGP`.
    """
    cls = _model_class(name)
    if seed is not None:
        keras.utils.set_random_seed(seed)
    generator = networks.mlp_generator(2, 2, hidden_units=(400,) * 4, batch_norm=True)
    discriminator = networks.mlp_discriminator(
        2, hidden_units=(200,) * 3, maxout_pieces=5, packing=packing
    )
    model = cls(generator, discriminator, latent_dim=2, packing=packing, seed=seed)
    if cls is WGAN:
        model.compile()
        return model

    def adam():
        rate = learning_rate
        if decay_steps is not None:
            rate = keras.optimizers.schedules.CosineDecay(learning_rate, int(decay_steps))
        return keras.optimizers.Adam(rate, beta_1=0.5, beta_2=0.9 if cls is WGANGP else 0.999)

    model.compile(adam(), adam())
    return model


def mixture_data(name, n=100_000, seed=None):
    """The mixture `name` (`"ring"` or `"grid"`) and `n` training samples from it."""
    mixture = datasets.get(name)
    return mixture, mixture.sample(n, seed=seed)


def train_on_mixture(model_name, data="ring", epochs=10, batch_size=100, packing=1,
                     samples=100_000, seed=0, eval_samples=2500, callbacks=None, verbose=0):
    """Trains a `mixture_model` on `samples` points of the mixture and scores it.

    `batch_size` is the minibatch m of the papers; `fit` receives
    `m * packing * discriminator_steps` samples per step (see `AdversarialModel`).
    The learning rate decays to 0 over the run.

    Returns:
        `(model, mixture, metrics)`, where `metrics` holds the mixture's `evaluate`
        results on `eval_samples` generated points (latents drawn with `seed`),
        `train_seconds` (wall time of `fit`) and `fit_batch_size`.
    """
    mixture, x = mixture_data(data, n=samples, seed=seed)
    fit_batch = batch_size * packing * discriminator_steps(model_name)
    if fit_batch > len(x):
        raise ValueError(
            f"A training step needs {fit_batch} samples but the training set has {len(x)}."
        )
    steps = epochs * -(-len(x) // fit_batch)
    model = mixture_model(model_name, packing=packing, seed=seed, decay_steps=steps)
    start = time.perf_counter()
    model.fit(x, batch_size=fit_batch, epochs=epochs, shuffle=True, callbacks=callbacks,
              verbose=verbose)
    seconds = time.perf_counter() - start
    metrics = mixture.evaluate(model.generate(eval_samples, seed=seed))
    metrics.update(train_seconds=seconds, fit_batch_size=fit_batch)
    return model, mixture, metrics
