"""Checks of the data a GAN is trained on, made before anything is computed.

A GAN's discriminator compares real samples with the generator's output, so the real
samples must look like that output: floats of the same per-sample shape, in the same
value range. Data that breaks this rarely fails cleanly: uint8 images are cast to
floats 0..255 without a word, a batch that the packing empties trains on NaN, and an
out-of-range label is a NaN under JAX, an error deep in a TensorFlow graph and an
IndexError under PyTorch. These checks refuse such data, in Python, with a message
that names what was expected and what was received:

- `check_real_samples` works on static dtypes and shapes, so `unpack_batch` runs it
  on every batch while `fit` traces the step (a `tf.data.Dataset` too);
- `check_training_data` looks at in-memory arrays before `fit` starts: their values
  (non-finite values, the value range of images, the labels of conditional models)
  and the size of every batch, the last one included.

Documented behaviour for the value range: float images outside [-1, 1] (0..255 most
often) are not refused, since a generator may have another output range, but warned
about; integer images (uint8) are refused, since 0..255 is never the range of a float
generator output. See the README section "Bad input".
"""

import math
import warnings

import numpy as np

import keras

# The default batch size of `keras.Model.fit` for arrays.
_KERAS_DEFAULT_BATCH = 32
# Images are expected in [-1, 1] (tanh generators); values this far outside are warned of.
_RANGE_TOLERANCE = 1e-3


def sample_shape(model):
    """The shape of one generated sample, `generator.output_shape[1:]`, or None when
    the generator does not declare one (a subclassed model, several outputs)."""
    try:
        shape = model.generator.output_shape
    except (AttributeError, ValueError, RuntimeError):
        return None
    if not isinstance(shape, tuple) or not shape or not all(
            d is None or isinstance(d, int) for d in shape):
        return None
    return tuple(shape[1:])


def _compatible(expected, received):
    return len(expected) == len(received) and all(
        e is None or r is None or int(e) == int(r) for e, r in zip(expected, received))


def check_real_samples(model, x):
    """Refuses real samples that cannot be compared with the generator's output, from
    their static dtype and shape (known before a step is traced).

    Args:
        model: an `AdversarialModel`.
        x: a batch of real samples (a tensor or an array; only `dtype` and `shape` are
            read).

    Raises:
        ValueError: `x` is not floating point (uint8 images: scale them first), or one
            sample's shape differs from the generator's output shape.
    """
    if not (hasattr(x, "dtype") and hasattr(x, "shape")):
        return  # a structure of several inputs: left to the networks
    dtype = keras.backend.standardize_dtype(x.dtype)
    if not dtype.startswith(("float", "bfloat")):
        hint = ""
        if dtype.startswith(("int", "uint")):
            hint = (" (images of 0..255 map to [-1, 1], the range of keras_gan's tanh "
                    "generators, with x.astype('float32') / 127.5 - 1; "
                    "keras_gan.datasets pipelines do this)")
        raise ValueError(f"Real samples must be floating point, like the generator's "
                         f"output; received dtype {dtype}{hint}.")
    expected = sample_shape(model)
    received = tuple(x.shape[1:])
    if expected is None or _compatible(expected, received):
        return
    hint = ""
    if len(received) == len(expected) - 1 and expected[-1] == 1:
        hint = " Add the channel axis, e.g. x[..., None]."
    elif len(received) == len(expected) == 3 and _compatible(expected[:2], received[:2]):
        hint = (f" The images have {received[-1]} channel(s) and the model "
                f"{expected[-1]}: convert them (image_folder(..., channels={expected[-1]})) "
                "or build the model for them.")
    raise ValueError(
        f"Real samples have shape {received} each but {type(model).__name__}'s generator "
        f"makes samples of shape {expected}, and the discriminator compares the two.{hint}"
    )


def check_batch_size(model, batch, hint=""):
    """Refuses a batch of `batch` samples that cannot give each of the model's
    `discriminator_steps` updates a multiple of `packing` samples (`hint` is appended to
    the message)."""
    k, p = model.discriminator_steps, model.packing
    if batch < k * p:
        raise ValueError(
            f"A batch of {batch} samples is too small for {k} discriminator steps with "
            f"packing {p}: it needs at least {k * p} samples{hint}.")


def require_labels(model, y):
    """Refuses a conditional model's batch without labels (`y` None)."""
    if y is None:
        raise ValueError(
            f"{type(model).__name__} is conditional: fit it on (images, labels) pairs, "
            "e.g. model.fit(images, labels) or a dataset of (images, labels).")


def check_label_dtype(y):
    """Refuses labels that are not integers (class indices)."""
    dtype = keras.backend.standardize_dtype(y.dtype)
    if not dtype.startswith(("int", "uint")):
        raise ValueError(f"Labels must be integer class indices; received dtype {dtype}.")


def _is_dataset(x):
    return hasattr(x, "element_spec") and hasattr(x, "cardinality")


def check_training_data(model, x, y=None, batch_size=None, validation_split=0.0,
                        steps_per_epoch=None):
    """What `fit` checks before it starts (see the module docstring).

    For a `tf.data.Dataset`: that it is not known to be empty. For numpy arrays: the
    dtype and shape of the samples, that there are samples, that no value is NaN or
    infinite, that every batch (the last, smaller one too) holds at least
    `discriminator_steps * packing` samples, the labels of a conditional model
    (integers of shape `(n,)` in `[0, num_classes)`), and the range of image values
    (a warning outside [-1, 1]). Other inputs (tensors, generators) are left to the
    checks made when the step is traced.

    Args:
        model: an `AdversarialModel`.
        x, y, batch_size, validation_split, steps_per_epoch: as given to `fit`.

    Raises:
        ValueError: naming the problem, expected and received.
    """
    if _is_dataset(x):
        if int(x.cardinality()) == 0:
            raise ValueError("The training dataset is empty: it yields no batch (with "
                             "drop_remainder=True, a dataset smaller than one batch is "
                             "empty).")
        _check_element_spec(model, x.element_spec)
        return
    if not isinstance(x, np.ndarray):
        return
    n = len(x) if x.ndim else 0
    if validation_split:
        n = int(math.ceil(n * (1.0 - validation_split)))
    if n == 0:
        raise ValueError(f"No training samples: x has shape {x.shape}.")
    check_real_samples(model, x)
    # min and max see every NaN / inf without a boolean copy of the data
    low, high = (float(x.min()), float(x.max())) if x.size else (0.0, 0.0)
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"The real samples hold {int(np.size(x) - np.isfinite(x).sum())} "
                         "NaN or infinite values.")
    if batch_size is None and steps_per_epoch:  # as keras's ArrayDataAdapter
        batch_size = int(math.ceil(n / steps_per_epoch))
    _check_batches(model, n, batch_size)
    if x.ndim >= 3:  # images (samples of rank 2 or more)
        if low < -1 - _RANGE_TOLERANCE or high > 1 + _RANGE_TOLERANCE:
            warnings.warn(
                f"The real images hold values from {low:g} to {high:g}, outside [-1, 1], "
                "the range of the tanh output of keras_gan's generators: the "
                "discriminator can then tell real from generated by the range alone. "
                "Scale 0..255 images with x / 127.5 - 1.", stacklevel=3)
    if model.num_classes is not None:
        _check_labels(model, y, len(x))


def _check_element_spec(model, spec):
    """The static checks of `unpack_batch` and `_slices`, made on a dataset's
    `element_spec` before `fit` starts: an error raised while the first step is traced
    would come after Keras's JAX trainer has detached the variables' values."""
    x_spec, y_spec = (spec[0], spec[1] if len(spec) > 1 else None) \
        if isinstance(spec, tuple) else (spec, None)
    if not (hasattr(x_spec, "shape") and hasattr(x_spec, "dtype")):
        return
    check_real_samples(model, x_spec)
    batch = x_spec.shape[0] if x_spec.shape.rank else None
    k, p = model.discriminator_steps, model.packing
    if batch is not None:
        check_batch_size(model, batch)
    elif k * p > 1:
        warnings.warn(
            f"The dataset's batches have no static size (batched without "
            f"drop_remainder=True), so a batch smaller than the {k * p} samples that "
            f"{k} discriminator steps with packing {p} need (a short last batch) cannot "
            "be refused before training: under TensorFlow it would train on empty "
            "slices (NaN losses). Batch the dataset with drop_remainder=True.",
            stacklevel=4)
    if model.num_classes is not None:
        require_labels(model, y_spec)
        if hasattr(y_spec, "dtype"):
            check_label_dtype(y_spec)


def _check_batches(model, n, batch_size):
    k, p = model.discriminator_steps, model.packing
    need = k * p
    batch = min(int(batch_size or _KERAS_DEFAULT_BATCH), n)
    check_batch_size(model, batch, f" (batch_size >= {need}, and at least {need} training "
                                   "samples)")
    last = n % batch
    if last and last < need:
        raise ValueError(
            f"The last batch would hold {last} samples ({n} samples in batches of "
            f"{batch}), too few for {k} discriminator steps with packing {p} (at least "
            f"{need}); choose a batch_size whose remainder is 0 or >= {need}, leave out "
            f"the last {last} samples, or use a tf.data.Dataset batched with "
            "drop_remainder=True.")


def _check_labels(model, y, n):
    name = type(model).__name__
    require_labels(model, y)
    labels = np.asarray(y)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.shape != (n,):
        raise ValueError(f"{name} needs one label per image: expected shape ({n},); "
                         f"received {np.shape(y)}.")
    check_label_dtype(labels)
    if labels.min() < 0 or labels.max() >= model.num_classes:
        raise ValueError(f"Labels must be in [0, {model.num_classes}) for {name} "
                         f"(num_classes={model.num_classes}); received values from "
                         f"{labels.min()} to {labels.max()}.")
