"""`SampleGrid`: pictures of a fixed batch of samples as training goes on."""

import io
import operator
import os

import numpy as np

import keras

from keras_gan import latent as latent_lib
from keras_gan import visualize

__all__ = ["SampleGrid"]


def _positive_int(value, name):
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an integer; received {value!r}.")
    try:
        value = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer; received {value!r}.") from None
    if value < 1:
        raise ValueError(f"{name} must be >= 1; received {value}.")
    return value


class SampleGrid(keras.callbacks.Callback):
    """Saves a grid of samples from the same latent vectors every `every` epochs.

    When training begins, `n` latent vectors are drawn once with
    `model.latents(n, seed)` (or given as `latent`); at the end of every `every`-th epoch (epochs
    `every, 2 every, ...`, counted from 1 as `fit` prints them) they go through the
    generator and the grid is written to `out_dir/epoch_{epoch:04d}.png`, so that
    successive pictures show how the same samples change as training goes on (the
    practice of Radford et al. 2016, DCGAN, and of most GAN papers since). When training
    ends on an epoch that was not written (`epochs` not a multiple of `every`, or
    an early stop), that last epoch is written too, so the final generator is always
    pictured. The same latent vectors are kept for later `fit` calls with this
    callback.

    Images `(n, H, W[, C])` with values in `value_range` are tiled with
    `visualize.image_grid`; 2D points `(n, 2)` are drawn with
    `visualize.scatter_plot` (use a large `n` for those).

    Conditional models (`model.num_classes` not None) get `labels`, by default
    `arange(n) % num_classes` with `num_classes` columns, so each column shows one class.

    The work is done only in `on_epoch_end` and `on_train_end`, where the model's
    variables are up to date under every backend (JAX syncs them at epoch end).

    Args:
        every: write a grid every `every` epochs, >= 1.
        n: number of samples in the grid, >= 1.
        out_dir: directory of the PNG files (created if needed); `None` writes no
            files (then `tensorboard` is required).
        seed: seed of the fixed latent vectors (`model.latents(n, seed)`); `None`
            draws different ones for each new callback.
        latent: the latent vectors to picture instead, `(n, generator_input_dim)`
            (e.g. one noise vector per column repeated for every class, or InfoGAN
            codes from `model.latents(n, categorical=..., continuous=...)`); `n` is
            then their number.
        columns: images per row; by default `num_classes` for conditional models
            (when `n >= num_classes`), else about `sqrt(n)`.
        labels: for conditional models, `n` class labels (ints), or one int for all.
        tensorboard: also log the grid as an image summary (tag `"samples"`, step =
            the 0-based epoch, as `keras.callbacks.TensorBoard` logs epoch
            scalars) to `<log_dir>/samples`. A `keras.callbacks.TensorBoard`
            instance (its `log_dir` is used) or a log directory. Needs TensorFlow
            (under any backend), not the `tensorboard` package.
        value_range: the sample value range mapped to black..white (the generators of
            keras_gan end in tanh: `(-1, 1)`).

    Attributes:
        latent: the fixed latent vectors `(n, generator_input_dim)` (set when training
            begins).
        labels: the labels used for conditional models, else `None`.
        paths: the PNG files written so far.

    Example:

    ```python
    grid = keras_gan.callbacks.SampleGrid(every=5, n=64, out_dir="samples",
                                          tensorboard=keras.callbacks.TensorBoard("logs"))
    model.fit(images, epochs=50, callbacks=[grid])
    ```
    """

    def __init__(self, every=1, n=64, out_dir="samples", seed=0, columns=None, labels=None,
                 tensorboard=None, value_range=(-1.0, 1.0), latent=None):
        super().__init__()
        self.every = _positive_int(every, "every")
        self._latent_arg = None
        if latent is not None:
            self._latent_arg = np.asarray(latent, dtype="float32")
            if self._latent_arg.ndim != 2 or len(self._latent_arg) < 1:
                raise ValueError(f"latent must be a batch of vectors (n, generator_input_dim); "
                                 f"received shape {self._latent_arg.shape}.")
            n = len(self._latent_arg)
        self.n = _positive_int(n, "n")
        self.columns = None if columns is None else _positive_int(columns, "columns")
        self.out_dir = None if out_dir is None else os.fspath(out_dir)
        self.seed = seed
        self.value_range = tuple(value_range)
        if len(self.value_range) != 2 or not self.value_range[0] < self.value_range[1]:
            raise ValueError(f"value_range must be (low, high) with low < high; received "
                             f"{value_range!r}.")
        self._labels_arg = labels
        if labels is not None:
            array = np.asarray(labels)
            if array.ndim > 1 or (array.ndim == 1 and len(array) != self.n):
                raise ValueError(f"labels must be one int or {self.n} ints (one per sample); "
                                 f"received shape {array.shape}.")
            if not np.issubdtype(array.dtype, np.integer):
                raise ValueError(f"labels must be integers; received dtype {array.dtype}.")
        if tensorboard is None:
            self._tensorboard = None
        elif isinstance(tensorboard, keras.callbacks.TensorBoard):
            self._tensorboard = tensorboard
        elif isinstance(tensorboard, (str, os.PathLike)):
            self._tensorboard = os.fspath(tensorboard)
        else:
            raise TypeError("tensorboard must be a keras.callbacks.TensorBoard instance or a "
                            f"log directory; received {type(tensorboard).__name__}.")
        if self._tensorboard is not None:
            try:
                import tensorflow  # noqa: F401
            except ImportError as error:
                raise ImportError(
                    "SampleGrid(tensorboard=...) writes image summaries with TensorFlow, "
                    "which cannot be imported; install tensorflow (any Keras backend "
                    "works) or leave tensorboard=None."
                ) from error
        if self.out_dir is None and self._tensorboard is None:
            raise ValueError("SampleGrid has nothing to write: give out_dir, tensorboard, "
                             "or both.")
        self.latent = None
        self.labels = None
        self.paths = []
        self._writer = None
        self._last_epoch = None
        self._last_written = None

    # ----------------------------------------------------------------- callbacks
    def on_train_begin(self, logs=None):
        model = self.model
        for attribute in ("latent_dim", "latents", "generate_from"):
            if not hasattr(model, attribute):
                raise TypeError(f"SampleGrid needs a keras_gan model; {type(model).__name__} "
                                f"has no {attribute!r}.")
        width = getattr(model, "generator_input_dim", model.latent_dim)
        if self._latent_arg is not None:
            if self._latent_arg.shape[1] != width:
                raise ValueError(f"SampleGrid's latent vectors have {self._latent_arg.shape[1]} "
                                 f"values; the generator of {type(model).__name__} takes "
                                 f"{width}.")
            self.latent = self._latent_arg
        elif self.latent is None or self.latent.shape != (self.n, width):
            self.latent = np.asarray(model.latents(self.n, seed=self.seed), dtype="float32")
        self.labels = latent_lib._check_labels(model, self._labels_arg, self.n)
        self._last_epoch = None
        self._last_written = None

    def on_epoch_end(self, epoch, logs=None):
        self._last_epoch = epoch
        if (epoch + 1) % self.every == 0:
            self._write(epoch)

    def on_train_end(self, logs=None):
        if self._last_epoch is not None and self._last_written != self._last_epoch:
            self._write(self._last_epoch)
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    # ------------------------------------------------------------------- drawing
    def samples(self):
        """The generator's output for the fixed latent vectors (numpy)."""
        if self.latent is None:
            raise RuntimeError("The latent vectors are drawn when training begins; call "
                               "fit (or on_train_begin) first.")
        return latent_lib._generate(self.model, self.latent, self.labels)

    def render(self):
        """The grid of the current samples, as a `PIL.Image`."""
        samples = self.samples()
        if samples.ndim == 2 and samples.shape[1] == 2:
            return visualize.scatter_plot(samples)
        if samples.ndim not in (3, 4):
            raise ValueError(f"SampleGrid draws images (n, H, W[, C]) or 2D points (n, 2); "
                             f"the generator returned shape {samples.shape}.")
        columns = self.columns
        num_classes = getattr(self.model, "num_classes", None)
        if columns is None and num_classes is not None and self.n >= int(num_classes):
            columns = int(num_classes)
        return visualize.image_grid(samples, columns=columns, value_range=self.value_range)

    def _write(self, epoch):
        image = self.render()
        if self.out_dir is not None:
            os.makedirs(self.out_dir, exist_ok=True)
            path = os.path.join(self.out_dir, f"epoch_{epoch + 1:04d}.png")
            image.save(path, format="PNG")
            self.paths.append(path)
        if self._tensorboard is not None:
            self._write_summary(image, epoch)
        self._last_written = epoch

    def _log_dir(self):
        if isinstance(self._tensorboard, keras.callbacks.TensorBoard):
            return self._tensorboard.log_dir
        return self._tensorboard

    def _write_summary(self, image, epoch):
        import tensorflow as tf

        if self._writer is None:
            self._writer = tf.summary.create_file_writer(
                os.path.join(self._log_dir(), "samples"))
        with self._writer.as_default():
            _write_image_summary(tf, "samples", image, step=epoch)
        self._writer.flush()


def _write_image_summary(tf, tag, image, step):
    """Writes a PIL image in the format of TensorBoard's images plugin (that of
    `tf.summary.image`, which needs the `tensorboard` package; `tf.summary.write` does
    not): a string tensor `[width, height, png]` with the plugin's metadata."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    metadata = tf.compat.v1.SummaryMetadata()
    metadata.plugin_data.plugin_name = "images"
    metadata.plugin_data.content = b""  # ImagePluginData(version=0), serialized
    metadata.data_class = 3  # DATA_CLASS_BLOB_SEQUENCE
    width, height = image.size
    with tf.device("/CPU:0"):
        tensor = tf.constant([str(width).encode(), str(height).encode(), buffer.getvalue()])
        return tf.summary.write(tag=tag, tensor=tensor, step=step, metadata=metadata)
