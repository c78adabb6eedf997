"""Ready-made experiments: the 2D-mixture setup of PacGAN (Lin et al. 2018) and the
image GANs on the embedded shapes, MNIST-like datasets or an image folder.

The command line, the benchmark and the application build their models here, so the
configuration that the benchmark table reports is the one a user gets from
`keras-gan train`.

What is the paper's and what is this library's:

- From PacGAN's experiments (and VEEGAN's before them): the networks (generator: 2-d
  Gaussian noise, four hidden layers of 400 ReLU units with batch normalisation,
  linear output; discriminator: three hidden layers of 200 maxout units with 5 pieces,
  linear output), weights drawn from N(0, 0.02), minibatches of 100 discriminator
  decisions, a training set of 100,000 decisions (packed samples) per epoch, so that
  every packing degree takes the same number of steps per epoch.
- This library's schedule, chosen on the grid with the benchmark's metrics: Adam with
  `beta_1 = 0`, `beta_2 = 0.9` and learning rate 3e-4, decayed to 0 by a cosine over
  the whole run, for both networks. The paper trained 400 epochs at a constant 1e-4
  (Adam `beta_1 = 0.8`), 20 times as many steps. In 20 epochs this schedule gives
  PacGAN2 every mode of the ring and of the grid, but fewer high-quality samples on the
  grid than the paper, and PacGAN4 does not converge on the grid in that budget: see
  `benchmarks/results/mixtures.md` for the measured numbers.
"""

import inspect
import math
import time

import keras

from keras_gan import datasets, networks
from keras_gan.models import ACGAN, CGAN, DCGAN, EBGAN, GAN, WGAN, WGANGP, InfoGAN

__all__ = ["IMAGE_MODELS", "MIXTURE_MODELS", "image_data", "image_model", "mixture_data",
           "mixture_model", "train_on_mixture", "fit_epochs", "fit_steps"]

MIXTURE_MODELS = {"gan": GAN, "wgan": WGAN, "wgan_gp": WGANGP}
IMAGE_MODELS = {"dcgan": DCGAN, "cgan": CGAN, "acgan": ACGAN, "infogan": InfoGAN,
                "ebgan": EBGAN}
#: images in one epoch of the embedded shapes dataset
SHAPES_EPOCH = 10_000

#: initial learning rate of both Adam optimizers (GAN, PacGAN and WGAN-GP)
LEARNING_RATE = 3e-4


def _model_class(name):
    if name not in MIXTURE_MODELS:
        raise ValueError(f"Unknown model {name!r}; choose one of {', '.join(MIXTURE_MODELS)}.")
    return MIXTURE_MODELS[name]


def discriminator_steps(name):
    """The paper's discriminator updates per generator update of model `name`."""
    return inspect.signature(_model_class(name)).parameters["discriminator_steps"].default


def mixture_model(name, packing=1, seed=None, total_steps=None, loss=None):
    """A compiled model for a 2D mixture, with the networks of PacGAN's experiments.

    Args:
        name: `"gan"`, `"wgan"` or `"wgan_gp"`.
        packing: PacGAN degree m; the discriminator judges m samples jointly.
        seed: seed of the weights and of the training noise.
        total_steps: training steps (generator updates) of the whole run; the learning
            rate follows a cosine decay to 0 over them. `None` keeps it constant.
        loss: adversarial loss of `"gan"` (default `"non_saturating"`); the Wasserstein
            models always use theirs.

    Returns:
        A compiled `GAN`, `WGAN` or `WGANGP`. GAN and WGAN-GP train with
        Adam(3e-4, beta_1=0, beta_2=0.9); WGAN keeps its paper's RMSprop(5e-5).
    """
    cls = _model_class(name)
    if loss is not None and cls is not GAN:
        raise ValueError(f"The {name} model has a fixed loss; `loss` applies to 'gan' only.")
    if seed is not None:
        keras.utils.set_random_seed(seed)
    init = keras.initializers.RandomNormal(stddev=0.02)
    generator = networks.mlp_generator(2, 2, hidden_units=(400,) * 4, batch_norm=True,
                                       kernel_initializer=init)
    discriminator = networks.mlp_discriminator(2, hidden_units=(200,) * 3, maxout_pieces=5,
                                               packing=packing, kernel_initializer=init)
    kwargs = {"loss": loss} if loss is not None else {}
    model = cls(generator, discriminator, latent_dim=2, packing=packing, seed=seed, **kwargs)
    if cls is WGAN:
        model.compile()
        return model

    def adam():
        rate = LEARNING_RATE
        if total_steps is not None:
            rate = keras.optimizers.schedules.CosineDecay(LEARNING_RATE, int(total_steps))
        return keras.optimizers.Adam(rate, beta_1=0.0, beta_2=0.9)

    model.compile(adam(), adam())
    return model


def mixture_data(name, n=100_000, seed=None):
    """The mixture `name` (`"ring"` or `"grid"`) and `n` training samples from it."""
    mixture = datasets.get(name)
    return mixture, mixture.sample(n, seed=seed)


def train_on_mixture(model_name, data="ring", epochs=20, batch_size=100, packing=1,
                     decisions=100_000, seed=0, loss=None, eval_samples=2500, callbacks=None,
                     verbose=0):
    """Trains a `mixture_model` on a 2D mixture and scores it.

    An epoch is `decisions` real discriminator decisions in minibatches of
    `batch_size` decisions, as in PacGAN: the training set holds
    `decisions * packing` samples, and every discriminator update sees
    `batch_size * packing` of them. A training step (one call of `train_step`) runs
    the model's k discriminator updates and one generator update, so `fit` receives
    `batch_size * packing * k` samples per step and an epoch has
    `decisions / (batch_size * k)` steps. The learning rate decays to 0 over the run.

    Returns:
        `(model, mixture, metrics)`, where `metrics` holds the mixture's `evaluate`
        results on `eval_samples` generated points (latents drawn with `seed`),
        `train_seconds` (wall time of `fit`), `steps` and `fit_batch_size`.
    """
    fit_batch = batch_size * packing * discriminator_steps(model_name)
    if decisions * packing < fit_batch:
        raise ValueError(
            f"A training step needs {fit_batch} samples but an epoch of {decisions} "
            f"decisions holds {decisions * packing}."
        )
    mixture, x = mixture_data(data, n=decisions * packing, seed=seed)
    steps = epochs * -(-len(x) // fit_batch)
    model = mixture_model(model_name, packing=packing, seed=seed, total_steps=steps, loss=loss)
    start = time.perf_counter()
    model.fit(x, batch_size=fit_batch, epochs=epochs, shuffle=True, callbacks=callbacks,
              verbose=verbose)
    seconds = time.perf_counter() - start
    metrics = mixture.evaluate(model.generate(eval_samples, seed=seed))
    metrics.update(train_seconds=seconds, steps=steps, fit_batch_size=fit_batch)
    return model, mixture, metrics


# --------------------------------------------------------------------- images
def image_data(data="shapes", image_size=None, batch_size=64, seed=0, data_dir=None,
               shapes_count=SHAPES_EPOCH):
    """The training pipeline of an image GAN.

    Args:
        data: `"shapes"` (embedded, `shapes_count` images, default 32 px), a dataset of
            `keras_gan.datasets.load` (`"mnist"`, `"fashion_mnist"`, `"cifar10"`,
            `"celeb_a"`), or the path of an image folder (labels from sub-folders,
            default 64 px).
        image_size: side of the square training images (default: the dataset's).
        batch_size: images per training step.
        seed: shuffling (and shapes) seed.
        data_dir: where the named datasets' files are (see `datasets.load`).

    Returns:
        `(dataset, image_shape, num_classes)`: a `tf.data.Dataset` of
        `(images, labels)` batches (or images alone when there are no labels), the
        shape of one image and the number of classes (None without labels).
    """
    if data == "shapes":
        import tensorflow as tf

        images, labels = datasets.shapes(shapes_count, image_size=image_size or 32, seed=seed)
        dataset = (tf.data.Dataset.from_tensor_slices((images, labels))
                   .shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
                   .batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE))
        class_names = list(datasets.SHAPE_NAMES)
    elif data in datasets.DATASET_NAMES:
        dataset = datasets.load(data, image_size=image_size, data_dir=data_dir,
                                batch_size=batch_size, seed=seed)
        class_names = getattr(dataset, "class_names", None)
    else:
        dataset = datasets.image_folder(data, image_size or 64, batch_size=batch_size, seed=seed)
        class_names = getattr(dataset, "class_names", None)
    spec = dataset.element_spec
    image_spec = spec[0] if isinstance(spec, tuple) else spec
    image_shape = tuple(int(d) for d in image_spec.shape[1:])
    num_classes = len(class_names) if class_names and isinstance(spec, tuple) else None
    return dataset, image_shape, num_classes


def image_model(name, image_shape, num_classes=None, seed=None, loss=None, filters=64,
                packing=1):
    """A compiled image GAN with its paper's networks and optimizers.

    Args:
        name: `"dcgan"`, `"cgan"`, `"acgan"`, `"infogan"` or `"ebgan"`.
        image_shape: `(height, width, channels)`.
        num_classes: classes of the data; required by CGAN and ACGAN. InfoGAN gets one
            categorical code with this many values (10 without labels) and two
            continuous codes; it does not see the labels.
        seed: seed of the weights and of the training noise.
        loss: adversarial loss (not for EBGAN, whose losses are energies).
        filters: width of the networks (64 as in the DCGAN reference code).
        packing: PacGAN degree (DCGAN only).
    """
    if name not in IMAGE_MODELS:
        raise ValueError(f"Unknown image model {name!r}; choose one of {', '.join(IMAGE_MODELS)}.")
    cls = IMAGE_MODELS[name]
    if cls in (CGAN, ACGAN) and not num_classes:
        raise ValueError(f"{name} is conditional and needs labelled data; the data has no labels.")
    if loss is not None and cls is EBGAN:
        raise ValueError("ebgan has no adversarial loss option: its losses are energies.")
    if seed is not None:
        keras.utils.set_random_seed(seed)
    kwargs = dict(image_shape=tuple(image_shape), filters=filters, seed=seed)
    if loss is not None:
        kwargs["loss"] = loss
    if cls in (CGAN, ACGAN):
        kwargs["num_classes"] = num_classes
    if cls is InfoGAN:
        kwargs["categorical_codes"] = (num_classes or 10,)
    if packing > 1:
        if cls is not DCGAN:
            raise ValueError(f"packing applies to dcgan among the image models, not {name}.")
        kwargs["packing"] = packing
    model = cls(**kwargs)
    model.compile()
    return model


def fit_epochs(model, dataset, epochs, steps_per_epoch, log_file, callbacks=()):
    """Trains an image GAN of `image_model` on a dataset of `image_data`: `epochs` epochs
    of `steps_per_epoch` steps (None: one pass over the data; else the dataset is
    repeated), one log line per epoch, each epoch's logs appended to the CSV file
    `log_file`, and `callbacks` (e.g. `keras_gan.callbacks.SampleGrid`) before it.

    Returns `(seconds, logs)`: the training time and the last epoch's logs."""
    if steps_per_epoch:
        dataset = dataset.repeat()
    start = time.perf_counter()
    history = model.fit(dataset, epochs=epochs, steps_per_epoch=steps_per_epoch, verbose=2,
                        shuffle=False,  # the pipeline shuffles
                        callbacks=[*callbacks, keras.callbacks.CSVLogger(log_file)])
    seconds = time.perf_counter() - start
    return seconds, {name: series[-1] for name, series in history.history.items()}


def fit_steps(model, data, steps, steps_per_epoch, log_file, verbose=2):
    """Trains `model` for exactly `steps` updates of `model.fit` on `data` (an endless
    dataset), `steps_per_epoch` per epoch and a last, shorter epoch for the rest, each
    epoch's logs appended to the CSV file `log_file` (`keras.callbacks.CSVLogger`).

    Returns `(seconds, logs)`: the training time and the last epoch's logs, floats
    (None for NaN / infinity, so that they can be written as JSON)."""
    steps_per_epoch = min(steps_per_epoch, steps)
    epochs, rest = divmod(steps, steps_per_epoch)
    start = time.perf_counter()
    history = model.fit(data, epochs=epochs, steps_per_epoch=steps_per_epoch, verbose=verbose,
                        callbacks=[keras.callbacks.CSVLogger(log_file)])
    if rest:  # the last, shorter epoch
        history = model.fit(data, initial_epoch=epochs, epochs=epochs + 1, steps_per_epoch=rest,
                            verbose=verbose,
                            callbacks=[keras.callbacks.CSVLogger(log_file, append=True)])
    logs = {k: _finite(v[-1]) for k, v in history.history.items()}
    return time.perf_counter() - start, logs


def _finite(value):
    value = float(value)
    return value if math.isfinite(value) else None
