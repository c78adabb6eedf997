"""Scores of the generator during training, logged with the other epoch metrics."""

import keras

from keras_gan.metrics import evaluation


class Evaluate(keras.callbacks.Callback):
    """Adds sample-quality scores (FID, KID, IS, precision/recall, MNIST scores) to the
    epoch logs every `every` epochs, so `History`, `CSVLogger` and `TensorBoard` (placed
    after this callback) record them.

    The real images are read once (the first `n_samples` of `real_data`) and their
    features kept; each evaluation generates `n_samples` images from a fixed seed.

    Args:
        metrics: names (`"fid"`, `"kid"`, `"is"`, `"pr"`, `"mnist_fd"`, `"mnist_score"`,
            `"mnist_pr"`) or metric objects of `keras_gan.metrics`.
        real_data: images in the generator's output range: an array, a
            `tf.data.Dataset` or an iterable of batches (labels are ignored).
        every: evaluate after every `every`-th epoch (and never in between).
        n_samples: real and generated images per evaluation.
        batch_size: images per generation / feature pass.
        seed: seed of the generated samples.
        weights: InceptionV3 weights of the named Inception metrics (`"imagenet"`, None,
            or a file).

    Example:
    >>> model.fit(data, epochs=20, callbacks=[
    ...     keras_gan.callbacks.Evaluate(["mnist_fd", "mnist_score"], mnist_test, every=5)])
    """

    def __init__(self, metrics, real_data, every=1, n_samples=10_000, batch_size=250, seed=0,
                 weights="imagenet"):
        super().__init__()
        if int(every) < 1:
            raise ValueError(f"every must be >= 1; received {every}.")
        if int(n_samples) < 2:
            raise ValueError(f"n_samples must be >= 2; received {n_samples}.")
        self.metrics = [evaluation.get(m, weights=weights) for m in metrics]
        self.real_data, self.every = real_data, int(every)
        self.n_samples, self.batch_size, self.seed = int(n_samples), int(batch_size), seed
        self._real_fed = False

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        if not self._real_fed:
            real = evaluation.collect_images(self.real_data, self.n_samples)
            for metric in self.metrics:
                metric.reset_state()
            scores = evaluation.evaluate(self.model, self.metrics, real, self.n_samples,
                                         self.batch_size, self.seed)
            self._real_fed = True
        else:
            for metric in self.metrics:
                metric.reset_generated()
            scores = evaluation.evaluate(self.model, self.metrics, None, self.n_samples,
                                         self.batch_size, self.seed, feed_real=False)
        if logs is not None:
            logs.update(scores)
