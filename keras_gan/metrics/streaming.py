"""FID, KID, Inception Score and precision/recall as streaming `keras.metrics.Metric`s.

Each metric is fed batches with `update_state(real_images, generated_images)` (either
may be None, so the real side can be fed once and kept across `reset_generated()`),
and `result()` computes the score with the functions of `keras_gan.metrics`.

The feature extractor runs eagerly on batches and the metrics accumulate on the host
in float64, which keeps FID's covariance exact over 50,000 images at no measurable
cost next to InceptionV3 itself; so these metrics are used eagerly (in callbacks, in
`keras-gan evaluate`, in a user's loop), not compiled into `model.compile(metrics=)`.
FID keeps only sums and outer products (`2 d^2` floats per side); KID, the Inception
Score and precision/recall need the samples themselves (kernel, splits, k-NN), so
they keep the features or probabilities.

`feature_extractor` is any callable from a batch of images to `(n, d)` features (or to
a dict with `features` and, for the Inception Score, `probabilities`); by default an
`InceptionV3Features(weights, input_range)`, built on first use and shared by all
metrics with the same arguments.
"""

import keras
import numpy as np

from keras_gan.metrics.frechet import frechet_distance_from_statistics
from keras_gan.metrics.inception import InceptionV3Features
from keras_gan.metrics.inception_score import inception_score
from keras_gan.metrics.kernel import kernel_inception_distance
from keras_gan.metrics.precision_recall import precision_recall

__all__ = [
    "FrechetInceptionDistance",
    "InceptionScore",
    "KernelInceptionDistance",
    "PrecisionRecall",
]

_SHARED_EXTRACTORS = {}


def _default_extractor(weights, input_range):
    key = (str(weights), tuple(input_range))
    if key not in _SHARED_EXTRACTORS:
        _SHARED_EXTRACTORS[key] = InceptionV3Features(weights=weights, input_range=input_range)
    return _SHARED_EXTRACTORS[key]


class _Moments:
    """Running count, mean and covariance of feature rows, in float64.

    Sums are taken about a shift (the first batch's mean) so that large feature
    means do not cancel the covariance away.
    """

    def __init__(self):
        self.count, self.shift, self.total, self.outer = 0, None, None, None

    def update(self, features):
        if self.shift is None:
            self.shift = features.mean(axis=0)
            d = features.shape[1]
            self.total, self.outer = np.zeros(d), np.zeros((d, d))
        elif features.shape[1] != len(self.shift):
            raise ValueError(f"features of dimension {features.shape[1]} cannot join "
                             f"earlier ones of dimension {len(self.shift)}.")
        centred = features - self.shift
        self.count += len(features)
        self.total += centred.sum(axis=0)
        self.outer += centred.T @ centred

    def statistics(self, side):
        if self.count < 2:
            raise ValueError(f"FID needs at least 2 {side} images; received {self.count}.")
        mean_centred = self.total / self.count
        cov = (self.outer - self.count * np.outer(mean_centred, mean_centred)) / (self.count - 1)
        return self.shift + mean_centred, cov


class _FeatureMetric(keras.metrics.Metric):
    """Shared plumbing: the extractor and the real / generated sides."""

    def __init__(self, feature_extractor=None, weights="imagenet", input_range=(-1.0, 1.0),
                 name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self._extractor = feature_extractor
        self._weights, self._input_range = weights, tuple(input_range)
        self.reset_state()

    @property
    def feature_extractor(self):
        if self._extractor is None:
            self._extractor = _default_extractor(self._weights, self._input_range)
        return self._extractor

    #: which output of the extractor the metric keeps, and for which sides
    _key = "features"
    _sides = ("real", "generated")

    def update_from_outputs(self, side, outputs, count):
        """Feeds `outputs` of `feature_extractor` already computed on `count` images of
        `side` (`"real"` or `"generated"`): one extractor pass shared by several metrics
        (as `keras_gan.metrics.evaluate` does). A side the metric ignores (the real
        images of the Inception Score) is skipped."""
        from keras import ops

        if side not in ("real", "generated"):
            raise ValueError(f"side must be 'real' or 'generated'; received {side!r}.")
        if side not in self._sides:
            return
        if isinstance(outputs, dict):
            if self._key not in outputs:
                raise ValueError(f"{self.name} needs {self._key!r} from the feature extractor, "
                                 f"which returned {sorted(outputs)}.")
            outputs = outputs[self._key]
        outputs = np.asarray(ops.convert_to_numpy(outputs), dtype="float64")
        if outputs.ndim != 2 or len(outputs) != count:
            raise ValueError(f"the feature extractor must return (batch, d) {self._key}; "
                             f"received shape {outputs.shape} for {count} images.")
        if not np.isfinite(outputs).all():
            raise ValueError(f"the feature extractor returned NaN or infinite {self._key}.")
        self._add(side, outputs)

    def update_state(self, real_images=None, generated_images=None, sample_weight=None):
        if sample_weight is not None:
            raise ValueError(f"{self.name} does not support sample_weight.")
        for side, images in (("real", real_images), ("generated", generated_images)):
            if images is not None and side in self._sides:
                self.update_from_outputs(side, self.feature_extractor(images), len(images))

    def reset_state(self):
        self.reset_real()
        self.reset_generated()

    def get_config(self):
        if self._extractor is not None and not isinstance(self._extractor,
                                                          InceptionV3Features):
            raise NotImplementedError("a metric with a custom feature extractor cannot be "
                                      "serialised; rebuild it with the extractor.")
        return {**super().get_config(), "weights": self._weights,
                "input_range": self._input_range}


class _SampleMetric(_FeatureMetric):
    """A metric that keeps the feature rows of both sides."""

    def _add(self, side, features):
        rows = self._rows[side]
        if rows and rows[0].shape[1] != features.shape[1]:
            raise ValueError(f"features of dimension {features.shape[1]} cannot join "
                             f"earlier ones of dimension {rows[0].shape[1]}.")
        rows.append(features)

    def reset_real(self):
        self._rows = {**getattr(self, "_rows", {}), "real": []}

    def reset_generated(self):
        self._rows = {**getattr(self, "_rows", {}), "generated": []}

    def _features(self, side):
        if not self._rows[side]:
            raise ValueError(f"{self.name}: no {side} images were given to update_state.")
        return np.concatenate(self._rows[side])


class FrechetInceptionDistance(_FeatureMetric):
    """FID (Heusel et al. 2017) between real and generated images, streamed.

    Example:
    >>> fid = FrechetInceptionDistance()              # InceptionV3, ImageNet weights
    >>> for real in dataset.take(100):
    ...     fid.update_state(real_images=real)
    >>> fid.update_state(generated_images=model.generate(5000))
    >>> fid.result()
    """

    def __init__(self, feature_extractor=None, weights="imagenet", input_range=(-1.0, 1.0),
                 name="fid", **kwargs):
        super().__init__(feature_extractor, weights, input_range, name=name, **kwargs)

    def _add(self, side, features):
        self._moments[side].update(features)

    def reset_real(self):
        self._moments = {**getattr(self, "_moments", {}), "real": _Moments()}

    def reset_generated(self):
        self._moments = {**getattr(self, "_moments", {}), "generated": _Moments()}

    def result(self):
        real = self._moments["real"].statistics("real")
        generated = self._moments["generated"].statistics("generated")
        if len(real[0]) != len(generated[0]):
            raise ValueError(f"real features have dimension {len(real[0])}, generated ones "
                             f"{len(generated[0])}.")
        return frechet_distance_from_statistics(*real, *generated)


class KernelInceptionDistance(_SampleMetric):
    """KID (Binkowski et al. 2018): `result()` is the mean over subsets; `result_std()`
    their standard deviation."""

    def __init__(self, feature_extractor=None, weights="imagenet", input_range=(-1.0, 1.0),
                 subsets=100, subset_size=1000, seed=0, name="kid", **kwargs):
        self.subsets, self.subset_size, self.seed = subsets, subset_size, seed
        super().__init__(feature_extractor, weights, input_range, name=name, **kwargs)

    def _scores(self):
        return kernel_inception_distance(self._features("real"), self._features("generated"),
                                         self.subsets, self.subset_size, self.seed)

    def result(self):
        return self._scores()[0]

    def result_std(self):
        return self._scores()[1]

    def get_config(self):
        return {**super().get_config(), "subsets": self.subsets,
                "subset_size": self.subset_size, "seed": self.seed}


class PrecisionRecall(_SampleMetric):
    """Improved precision and recall (Kynkaanniemi et al. 2019); `result()` is a dict
    `{"precision": p, "recall": r}`."""

    def __init__(self, feature_extractor=None, weights="imagenet", input_range=(-1.0, 1.0),
                 k=3, name="precision_recall", **kwargs):
        self.k = k
        super().__init__(feature_extractor, weights, input_range, name=name, **kwargs)

    def result(self):
        precision, recall = precision_recall(self._features("real"),
                                             self._features("generated"), self.k)
        return {"precision": precision, "recall": recall}

    def get_config(self):
        return {**super().get_config(), "k": self.k}


class InceptionScore(_SampleMetric):
    """Inception Score (Salimans et al. 2016) of generated images; `result()` is the
    mean over `splits`, `result_std()` the standard deviation. Only generated images
    count; `classifier` returns class probabilities (or a dict with `probabilities`).
    """

    def __init__(self, classifier=None, weights="imagenet", input_range=(-1.0, 1.0),
                 splits=10, name="inception_score", **kwargs):
        self.splits = splits
        super().__init__(classifier, weights, input_range, name=name, **kwargs)

    _key = "probabilities"
    _sides = ("generated",)

    def result(self):
        return inception_score(self._features("generated"), self.splits)[0]

    def result_std(self):
        return inception_score(self._features("generated"), self.splits)[1]

    def get_config(self):
        return {**super().get_config(), "splits": self.splits}
