"""InceptionV3 features and class probabilities for FID, KID, IS and precision/recall.

The network is `keras.applications.InceptionV3` with its ImageNet classifier: the
2048-d output of the global average pool (`avg_pool`) are the features of FID (Heusel
et al. 2017), KID and precision/recall, the 1000-way softmax the class probabilities
of the Inception Score (Salimans et al. 2016).

Images are resized to 299 x 299 one way only: bilinear interpolation with
antialiasing (a triangle filter widened by the scale factor when shrinking, as
PIL's bilinear resize; plain bilinear when enlarging). Parmar et al. 2022 ("On
Aliased Resizing and Surprising Subtleties in GAN Evaluation", clean-fid) showed that
the resize method moves FID by several points, so scores are comparable only between
runs that resize the same way.

These weights are Keras's port of InceptionV3, not the 2015 TensorFlow graph that the
TTUR and pytorch-fid reference code use (1008 classes, its own resize), so the
numbers are comparable with each other, not with published FIDs. A user who has
converted that graph's weights into this architecture passes them as a file.
"""

import os

import numpy as np

__all__ = ["InceptionV3Features", "preprocess"]

INCEPTION_SIZE = 299


def _to_unit_range(images, input_range):
    """float32 images in [-1, 1], as `keras.applications.inception_v3` expects."""
    from keras import ops

    images = ops.convert_to_tensor(images)
    if "int" in str(images.dtype):
        low, high = 0.0, 255.0
    else:
        low, high = (float(v) for v in input_range)
    images = ops.cast(images, "float32")
    return (images - low) * (2.0 / (high - low)) - 1.0


def _check_images(images, name="images"):
    shape = tuple(images.shape)
    if len(shape) != 4 or shape[-1] not in (1, 3):
        raise ValueError(f"{name} must be (batch, height, width, 1 or 3) channels-last; "
                         f"received shape {shape}.")


def preprocess(images, input_range=(-1.0, 1.0)):
    """`(n, H, W, 1 or 3)` images in `input_range` (integers: 0..255) -> InceptionV3's
    input: `(n, 299, 299, 3)` in [-1, 1], resized bilinearly with antialiasing and
    greyscale repeated over three channels."""
    from keras import ops

    _check_images(images)
    images = _to_unit_range(images, input_range)
    if images.shape[-1] == 1:
        images = ops.repeat(images, 3, axis=-1)
    if tuple(images.shape[1:3]) != (INCEPTION_SIZE, INCEPTION_SIZE):
        images = ops.image.resize(images, (INCEPTION_SIZE, INCEPTION_SIZE),
                                  interpolation="bilinear", antialias=True)
    return images


class InceptionV3Features:
    """Pool features and class probabilities of InceptionV3 for batches of images.

    Args:
        weights: `"imagenet"` (downloaded by `keras.applications` on first use),
            `None` (random weights: for tests only, the scores mean nothing), or the
            path of a weights file for the full InceptionV3 classifier.
        input_range: `(low, high)` of float input images (the generators' tanh range
            by default); integer images are taken as 0..255. Greyscale images are
            repeated over the three channels.
        batch_size: images per forward pass.

    Calling the object on `(n, H, W, C)` images returns a dict of numpy float32 arrays
    `features` `(n, 2048)` and `probabilities` `(n, 1000)`.
    """

    feature_dim = 2048

    def __init__(self, weights="imagenet", input_range=(-1.0, 1.0), batch_size=50):
        import keras

        if weights not in ("imagenet", None) and not os.path.isfile(str(weights)):
            raise FileNotFoundError(f"InceptionV3 weights file not found: {weights}")
        if not input_range[1] > input_range[0]:
            raise ValueError(f"input_range must be (low, high) with high > low; received "
                             f"{input_range}.")
        self.input_range = tuple(float(v) for v in input_range)
        self.batch_size = int(batch_size)
        base = keras.applications.InceptionV3(
            include_top=True, weights="imagenet" if weights == "imagenet" else None)
        if weights not in ("imagenet", None):
            base.load_weights(weights)
        inputs = keras.Input((INCEPTION_SIZE, INCEPTION_SIZE, 3))
        # Rebuilt on a fixed-size input so that predict_on_batch compiles once.
        outputs = keras.Model(base.input, [base.get_layer("avg_pool").output,
                                           base.output])(inputs)
        self.model = keras.Model(inputs, outputs, name="inception_v3_features")

    def __call__(self, images):
        from keras import ops

        if len(images) == 0:
            raise ValueError("images is empty: InceptionV3 features need at least one image.")
        # Every forward pass has the same batch size (the last one padded with zeros and
        # the padding dropped: inference-mode batch norm keeps rows independent), so the
        # network compiles once per call however many images there are.
        size = min(self.batch_size, len(images))
        features, probabilities = [], []
        for start in range(0, len(images), size):
            chunk = images[start:start + size]
            count = len(chunk)
            batch = preprocess(chunk, self.input_range)
            if count < size:
                batch = ops.pad(batch, ((0, size - count), (0, 0), (0, 0), (0, 0)))
            f, p = self.model.predict_on_batch(batch)
            features.append(ops.convert_to_numpy(f)[:count])
            probabilities.append(ops.convert_to_numpy(p)[:count])
        return {"features": np.concatenate(features).astype("float32"),
                "probabilities": np.concatenate(probabilities).astype("float32")}
