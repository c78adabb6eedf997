"""Scoring a generator: metrics by name, real images from any source, one evaluate().

Shared by `keras_gan.callbacks.Evaluate` (scores during `fit`) and
`keras-gan evaluate` (scores of a saved model).
"""

import functools

import numpy as np

from keras_gan.metrics.mnist import mnist_classify
from keras_gan.metrics.streaming import (
    FrechetInceptionDistance,
    InceptionScore,
    KernelInceptionDistance,
    PrecisionRecall,
    _FeatureMetric,
)

__all__ = ["METRIC_NAMES", "collect_images", "evaluate", "get"]

#: names accepted by `get`: InceptionV3 metrics, then those of the MNIST classifier
METRIC_NAMES = ("fid", "kid", "is", "pr", "mnist_fd", "mnist_score", "mnist_pr")


@functools.lru_cache(maxsize=None)
def _mnist_extractor(input_range):
    """One classifier callable per input range, so that the `mnist_*` metrics built by
    `get` share a pass over each batch in `evaluate`."""

    def mnist(images):
        return mnist_classify(images, input_range)

    return mnist


def get(name, weights="imagenet", input_range=(-1.0, 1.0)):
    """A fresh metric by name (see `METRIC_NAMES`); an existing metric passes through.

    `weights` and `input_range` configure the InceptionV3 extractor of `fid`, `kid`,
    `is` and `pr`; the `mnist_*` metrics use the shipped MNIST classifier instead.
    """
    if not isinstance(name, str):
        return name

    mnist = _mnist_extractor(tuple(float(v) for v in input_range))
    inception = dict(weights=weights, input_range=input_range)
    factories = {
        "fid": lambda: FrechetInceptionDistance(**inception),
        "kid": lambda: KernelInceptionDistance(**inception),
        "is": lambda: InceptionScore(**inception),
        "pr": lambda: PrecisionRecall(**inception),
        "mnist_fd": lambda: FrechetInceptionDistance(feature_extractor=mnist, name="mnist_fd"),
        "mnist_score": lambda: InceptionScore(classifier=mnist, name="mnist_score"),
        "mnist_pr": lambda: PrecisionRecall(feature_extractor=mnist, name="mnist_pr"),
    }
    if name not in factories:
        raise ValueError(f"Unknown metric {name!r}; choose from {', '.join(METRIC_NAMES)}.")
    return factories[name]()


def collect_images(data, n):
    """Up to `n` images from an array, a `tf.data.Dataset` or an iterable of batches
    (a batch may be `(images, labels)`); returns a numpy array."""
    from keras import ops

    if hasattr(data, "shape") and not isinstance(data, (tuple, list)):
        return np.asarray(ops.convert_to_numpy(data))[:n]
    parts, count = [], 0
    for batch in data:
        if isinstance(batch, (tuple, list)):
            batch = batch[0]
        batch = np.asarray(ops.convert_to_numpy(batch))
        parts.append(batch[:n - count])
        count += len(parts[-1])
        if count >= n:
            break
    if not parts:
        raise ValueError("the real data yielded no images.")
    return np.concatenate(parts)


def _logged(metric):
    """`{log name: value}` of a metric's result (mean and std where there is one)."""
    value = metric.result()
    if isinstance(value, dict):
        return {f"{metric.name}_{k}" if metric.name != "precision_recall" else k: float(v)
                for k, v in value.items()}
    out = {metric.name: float(value)}
    if hasattr(metric, "result_std"):
        out[f"{metric.name}_std"] = float(metric.result_std())
    return out


def _feed(metrics, side, images):
    """Feeds one batch to every metric; metrics with the same feature extractor (FID,
    KID, IS and precision/recall on one InceptionV3) share a single pass over it."""
    outputs = {}
    for metric in metrics:
        if not isinstance(metric, _FeatureMetric):
            metric.update_state(**{f"{side}_images": images})
            continue
        if side not in metric._sides:
            continue
        extractor = metric.feature_extractor
        if id(extractor) not in outputs:
            outputs[id(extractor)] = extractor(images)
        metric.update_from_outputs(side, outputs[id(extractor)], len(images))


def evaluate(model, metrics, real_images=None, n_samples=10_000, batch_size=250, seed=0,
             feed_real=True):
    """Scores of `model.generate` samples.

    Args:
        model: a keras_gan model (conditional models get labels cycling over the classes).
        metrics: metric objects (or names, see `get`).
        real_images: numpy images in the generator's output range, fed to the metrics'
            real side when `feed_real` (skip it when they were fed already).
        n_samples: generated images, made and fed in batches of `batch_size`.
        seed: seed of the latent draws (the same seed scores the same samples).

    Returns:
        A dict of Python floats, e.g. `{"fid": 12.3, "kid": 0.01, "kid_std": 0.001}`.
    """
    metrics = [get(m) for m in metrics]
    if feed_real and real_images is not None:
        for start in range(0, len(real_images), batch_size):
            _feed(metrics, "real", real_images[start:start + batch_size])
    num_classes = getattr(model, "num_classes", None)
    rng = np.random.default_rng(seed)
    for start in range(0, n_samples, batch_size):
        count = min(batch_size, n_samples - start)
        labels = None if num_classes is None else (np.arange(start, start + count)
                                                  % num_classes)
        images = model.generate(count, seed=int(rng.integers(2 ** 31)), labels=labels)
        _feed(metrics, "generated", images)
    scores = {}
    for metric in metrics:
        scores.update(_logged(metric))
    return scores
