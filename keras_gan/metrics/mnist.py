"""MNIST scores that need no ImageNet weights: a small classifier this project trained.

The same idea as TF-GAN's MNIST metrics: replace InceptionV3 by a network trained on
the data itself. `mnist_score` is the Inception Score computed with this classifier's
probabilities (Salimans et al. 2016; up to 10 for confident, evenly spread digits),
`mnist_frechet_distance` the Frechet distance (Heusel et al. 2017) of its penultimate
features. The weights ship inside the package
(`keras_gan/metrics/weights/mnist_classifier.weights.h5`); they were written by
`benchmarks/train_mnist_classifier.py`, whose table in
`benchmarks/results/mnist_classifier.md` gives the test accuracy.
"""

import os

import numpy as np

from keras_gan.metrics.inception import _to_unit_range

__all__ = ["MNIST_CLASSIFIER_WEIGHTS", "build_mnist_classifier", "mnist_classifier",
           "mnist_classify", "mnist_frechet_distance", "mnist_score", "mnist_stacked_classes"]

MNIST_CLASSIFIER_WEIGHTS = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                        "weights", "mnist_classifier.weights.h5")
#: width of the penultimate layer: the features of `mnist_frechet_distance`
FEATURE_DIM = 64

_CACHE = {}


def build_mnist_classifier():
    """The classifier's architecture (untrained): `(28, 28, 1)` images in [-1, 1] ->
    a dict of `features` `(64,)` (penultimate layer, after ReLU) and `probabilities`
    `(10,)`. Three conv stages with batch norm and max pooling, then dense 64."""
    import keras
    from keras import layers

    inputs = keras.Input((28, 28, 1), name="image")
    x = inputs
    for i, filters in enumerate((32, 64, 64)):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"conv{i}_a")(x)
        x = layers.BatchNormalization(name=f"bn{i}_a")(x)
        x = layers.ReLU()(x)
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"conv{i}_b")(x)
        x = layers.BatchNormalization(name=f"bn{i}_b")(x)
        x = layers.ReLU()(x)
        x = layers.MaxPooling2D(2, padding="same")(x)  # 28 -> 14 -> 7 -> 4
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.3)(x)
    features = layers.Dense(FEATURE_DIM, activation="relu", name="features")(x)
    logits = layers.Dense(10, name="logits")(layers.Dropout(0.3)(features))
    probabilities = layers.Softmax(name="probabilities")(logits)
    return keras.Model(inputs, {"features": features, "probabilities": probabilities,
                                "logits": logits}, name="mnist_classifier")


def mnist_classifier(weights=MNIST_CLASSIFIER_WEIGHTS):
    """The shipped classifier (cached per weights file)."""
    if not os.path.isfile(weights):
        raise FileNotFoundError(f"MNIST classifier weights not found: {weights}")
    if weights not in _CACHE:
        model = build_mnist_classifier()
        model.load_weights(weights)
        _CACHE[weights] = model
    return _CACHE[weights]


def _prepare(images, input_range):
    from keras import ops

    images = ops.convert_to_tensor(images)
    shape = tuple(images.shape)
    if len(shape) == 3:
        images, shape = images[..., None], shape + (1,)
    if len(shape) != 4 or shape[-1] != 1:
        raise ValueError(f"MNIST images must be (n, H, W) or (n, H, W, 1); received shape "
                         f"{shape}.")
    images = _to_unit_range(images, input_range)
    if shape[1:3] != (28, 28):
        images = ops.image.resize(images, (28, 28), interpolation="bilinear", antialias=True)
    return images


def mnist_classify(images, input_range=(-1.0, 1.0), batch_size=500, weights=None):
    """`features` `(n, 64)` and `probabilities` `(n, 10)` (numpy float64) of the shipped
    classifier for MNIST-like images (any size, resized to 28 x 28 like
    `InceptionV3Features`; integer images are 0..255)."""
    from keras import ops

    model = mnist_classifier(weights or MNIST_CLASSIFIER_WEIGHTS)
    outputs = {"features": [], "probabilities": []}
    for start in range(0, len(images), batch_size):
        out = model.predict_on_batch(_prepare(images[start:start + batch_size], input_range))
        for key in outputs:
            outputs[key].append(np.asarray(ops.convert_to_numpy(out[key]), dtype="float64"))
    return {key: np.concatenate(value) for key, value in outputs.items()}


def mnist_score(images, splits=10, input_range=(-1.0, 1.0)):
    """Inception Score of MNIST-like images under the shipped classifier:
    `(mean, std)` over `splits`."""
    from keras_gan.metrics.inception_score import inception_score

    return inception_score(mnist_classify(images, input_range)["probabilities"], splits)


def mnist_frechet_distance(real_images, generated_images, input_range=(-1.0, 1.0)):
    """Frechet distance between the classifier's penultimate features of two image sets."""
    from keras_gan.metrics.frechet import frechet_distance

    return frechet_distance(mnist_classify(real_images, input_range)["features"],
                            mnist_classify(generated_images, input_range)["features"])


def mnist_stacked_classes(images, input_range=(-1.0, 1.0)):
    """Modes of Stacked MNIST images (Metz et al. 2017; VEEGAN; PacGAN): each of the
    three channels is classified as a digit, the mode is
    `100 * d_red + 10 * d_green + d_blue` in [0, 1000). Returns int `(n,)`."""
    from keras import ops

    images = ops.convert_to_numpy(images)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"Stacked MNIST images must be (n, H, W, 3); received shape "
                         f"{images.shape}.")
    digits = [mnist_classify(images[..., c:c + 1], input_range)["probabilities"].argmax(1)
              for c in range(3)]
    return (100 * digits[0] + 10 * digits[1] + digits[2]).astype("int64")
