"""Export generators and image-to-image models as TensorFlow SavedModels for TF Serving,
from any backend.

`export_generator(generator, dir)`: a generator `latent -> samples`. Its signatures:

- `serving_default`: inputs `latent` (float32, `[None, latent_dim]`) and, for a
  conditional generator (two inputs), `label` (int32, `[None]`, in `[0, num_classes)`);
  outputs `samples` (float32, the generator's raw output) and, for image generators
  (output `[None, H, W, C]` in [-1, 1]), `images` (uint8, `[None, H, W, C]`,
  `round((samples + 1) * 127.5)` clipped to 0..255).
- `generate`: inputs `seed` (int64 scalar), `count` (int32 scalar) and, for a
  conditional generator, `label` (int32 `[count]`); the latent vectors are drawn inside
  the served graph with TensorFlow's stateless Philox generator,
  `tf.random.stateless_normal([count, latent_dim], seed=[seed, 0], alg="philox")`, so
  the same seed gives the same samples on every call, on every server. Outputs as
  `serving_default`. These latents are not the numpy ones of `model.latents(n, seed)`:
  to reproduce samples drawn in Python, send those latents to `serving_default`. (With
  InfoGAN codes the noise is drawn so, with `noise_dim` columns, categorical code `i`
  uniformly from the stream `[seed, 1 + i]` and the continuous codes from U(-1, 1) on the
  next stream.)
- `codes` (InfoGAN only, `info_codes=(categorical sizes, continuous count)`): the
  generator's input is `[noise | one-hot categorical codes | continuous codes]`;
  `serving_default` takes that concatenated vector, `codes` takes `noise` (float32
  `[None, noise_dim]`), `categorical` (int32 `[None, number of categorical codes]`,
  column `i` in `[0, size_i)`) and `continuous` (float32 `[None, continuous]`)
  separately and does the one-hot encoding itself. An input of width 0 is left out.

A signature's static shape is not enforced on the tensors fed to it (TF Serving,
`signatures[...]`), so every signature checks its inputs at run time: a latent of the
wrong width or rank, a label or categorical code out of range, or inputs with different
batch sizes fail with an InvalidArgumentError that names the expected shape or range,
instead of an obscure error deep in the model (or, under JAX, a silently clamped
embedding lookup).

`export_image_model(model, dir, input_range=(0, 1), output_range=(-1, 1))`: an
image-to-image model such as a super-resolution generator (SRResNet, RRDBNet). Its
`serving_default` signature takes and returns 8-bit images of any batch size and any
height and width (the model must be fully convolutional for that):

- input: `images` (uint8, `[None, None, None, C]`, C the model's input channels),
  mapped to the model's input range as `low + images / 255 * (high - low)`; an input
  with another number of channels or another rank fails with an InvalidArgumentError
  that says what the model takes;
- outputs: `images` (uint8, `[None, None, None, C_out]`, the model's output mapped from
  `output_range` to 0..255, rounded half to even and clipped) and `outputs` (float32,
  the model's raw output).

A second signature, `raw`, takes float32 `inputs` already in `input_range` and returns
`outputs` only (float pipelines that do their own scaling).

Writing is safe: an existing non-empty target directory is refused with a
FileExistsError unless `overwrite=True`; the SavedModel is written into a temporary
sibling directory and renamed into place only when complete (with `overwrite`, the old
directory is moved aside and deleted only after the new one is in place). A failed
export leaves the target as it was and no temporary directory behind.

TensorFlow and JAX trace the model directly with `keras.export.ExportArchive` (JAX
through jax2tf with native serialization, lowered for CPU and CUDA; the batch, height
and width stay symbolic, so one artifact serves every image size). The uint8 scaling,
the latent sampling and the input checks are TensorFlow ops wrapped around the traced
model, so they are the same on both. Keras 3.15 cannot trace a model on the PyTorch
backend into a SavedModel, so there the model is saved as a `.keras` file and exported
by a child Python process running the TensorFlow backend (`python -m keras_gan.export`);
that needs TensorFlow installed next to PyTorch (it is needed to serve the model anyway).
"""

import argparse
import inspect
import math
import os
import shutil
import subprocess
import sys
import tempfile

import keras
from keras import ops

from keras_gan import backend

__all__ = ["export_generator", "export_image_model", "image_model_channels"]

SIGNATURE = "serving_default"
RAW_SIGNATURE = "raw"
GENERATE_SIGNATURE = "generate"
CODES_SIGNATURE = "codes"
INPUT_NAME = "latent"
LABEL_NAME = "label"
OUTPUT_NAME = "samples"
IMAGES_NAME = "images"
INPUTS_NAME = "inputs"
OUTPUTS_NAME = "outputs"
SEED_NAME = "seed"
COUNT_NAME = "count"
NOISE_NAME = "noise"
CATEGORICAL_NAME = "categorical"
CONTINUOUS_NAME = "continuous"
# The traced generator, saved as a function of the SavedModel but not as a signature:
# every signature reaches it through the input checks.
_CORE = "generator"


# ----------------------------------------------------------------- checks of arguments
def _input_specs(generator):
    """The serving inputs of `generator`: latent, and label for a conditional one."""
    shapes = getattr(generator, "input_shape", None)
    shapes = shapes if isinstance(shapes, list) else [shapes]
    latent = shapes[0]
    if (not isinstance(latent, tuple) or len(latent) != 2 or latent[-1] is None
            or len(shapes) > 2 or (len(shapes) == 2 and len(shapes[1]) != 1)):
        raise ValueError(
            "export_generator needs a generator with an input of shape (None, latent_dim) "
            f"and optionally a label input of shape (None,); this one has {shapes}."
        )
    specs = [keras.InputSpec(shape=(None, int(latent[-1])), dtype="float32", name=INPUT_NAME)]
    if len(shapes) == 2:
        specs.append(keras.InputSpec(shape=(None,), dtype="int32", name=LABEL_NAME))
    return specs


def _generator_classes(generator, num_classes):
    """The number of classes of a conditional generator: `num_classes`, or the input
    size of its one label Embedding layer (which `num_classes` may not exceed)."""
    embeddings = [layer for layer in generator.layers
                  if isinstance(layer, keras.layers.Embedding)]
    if num_classes is None:
        if len(embeddings) != 1:
            raise ValueError(
                "Cannot tell the number of classes of this conditional generator (it has "
                f"{len(embeddings)} Embedding layers); pass num_classes to export it.")
        num_classes = embeddings[0].input_dim
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(f"num_classes must be an integer >= 2; received {num_classes!r}.")
    if len(embeddings) == 1 and num_classes > embeddings[0].input_dim:
        raise ValueError(f"num_classes={num_classes} exceeds the {embeddings[0].input_dim} "
                         "classes of the generator's label Embedding.")
    return num_classes


def _checked_codes(info_codes, latent_dim):
    """`(categorical sizes, continuous count)` of InfoGAN codes, checked against the
    generator's input width `latent_dim` (the noise takes what the codes leave)."""
    try:
        categorical, continuous = info_codes
        categorical = tuple(int(k) for k in categorical)
        continuous = int(continuous)
    except (TypeError, ValueError):
        raise ValueError("info_codes must be (categorical sizes, continuous count), e.g. "
                         f"((10,), 2); received {info_codes!r}.") from None
    code_dim = sum(categorical) + continuous
    if any(k < 2 for k in categorical) or continuous < 0 or code_dim == 0:
        raise ValueError("info_codes needs categorical codes of >= 2 values, >= 0 "
                         f"continuous codes and at least one code; received {info_codes!r}.")
    if code_dim >= latent_dim:
        raise ValueError(f"the codes {info_codes!r} take {code_dim} of the generator's "
                         f"{latent_dim} inputs and leave no noise.")
    return categorical, continuous


def value_range(value, what):
    """`(low, high)` as floats, checked finite with `low < high`."""
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a pair (low, high); received {value!r}.") from None
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"{what} must be finite with low < high; received {value!r}.")
    return low, high


def image_model_channels(model):
    """`(input_channels, output_channels)` of an image-to-image Keras model: one input
    `(None, H, W, C)` and one output `(None, H', W', C')`, channels known (H, W may be
    None). Raises a ValueError naming the shapes for any other model."""
    try:
        in_shape, out_shape = model.input_shape, model.output_shape
    except (AttributeError, ValueError, TypeError):
        in_shape = out_shape = None
    ok = all(isinstance(s, tuple) and len(s) == 4 and isinstance(s[-1], int)
             for s in (in_shape, out_shape))
    if not ok:
        shapes = (f"input {in_shape} and output {out_shape}" if in_shape is not None
                  else f"a {type(model).__name__} without a known input shape")
        raise ValueError(
            "expected an image-to-image model with one input (None, height, width, "
            f"channels) and one output of the same kind; this one has {shapes}.")
    return int(in_shape[-1]), int(out_shape[-1])


def to_uint8_images(samples):
    """Images in [-1, 1] as uint8 0..255 (the inverse of the datasets' scaling)."""
    pixels = ops.clip(ops.round((ops.cast(samples, "float32") + 1.0) * 127.5), 0.0, 255.0)
    return ops.cast(pixels, "uint8")


# ------------------------------------------------------------- the target directory
def _check_target(filepath, overwrite):
    """Raises a FileExistsError if `filepath` exists and is not an empty directory,
    unless `overwrite`."""
    if overwrite or not os.path.lexists(filepath):
        return
    if not os.path.isdir(filepath) or os.listdir(filepath):
        raise FileExistsError(
            f"export target {filepath} exists and is not empty; pass overwrite=True "
            "(keras-gan export --force) to replace it.")


def _write_safely(filepath, overwrite, write):
    """Runs `write(directory)` on a temporary sibling of `filepath`, then swaps it in.

    The old directory (only with `overwrite`) is moved aside and deleted after the new
    one is in place; if `write` or the swap fails, `filepath` is left as it was and the
    temporary directories are removed.
    """
    filepath = os.path.abspath(os.fspath(filepath))
    _check_target(filepath, overwrite)
    parent, name = os.path.split(filepath)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=f".{name}.export-", dir=parent)
    # mkdtemp makes it private (0700); the export gets a new directory's permissions,
    # so that a server running as another user can read it.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staging, 0o777 & ~umask)
    aside = None
    try:
        write(staging)
        _check_target(filepath, overwrite)  # another writer may have come meanwhile
        if os.path.lexists(filepath):
            aside = tempfile.mkdtemp(prefix=f".{name}.old-", dir=parent)
            os.rename(filepath, os.path.join(aside, name))
        try:
            os.rename(staging, filepath)
        except BaseException:
            if aside is not None:
                os.rename(os.path.join(aside, name), filepath)
            raise
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if aside is not None and not os.listdir(aside):
            os.rmdir(aside)
        raise
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)


# -------------------------------------------------------- TensorFlow serving functions
def _require(condition, message, *data):
    """An op that fails with an InvalidArgumentError holding `message` and `data`
    unless `condition` holds."""
    import tensorflow as tf

    return tf.debugging.Assert(condition, [message, *data], summarize=16)


def _checked_shape(tensor, shape, message):
    """`tensor` after a run-time check that its shape is `shape` (None: any size).

    A signature's static shape is not enforced on the tensors fed to it (TF Serving,
    `signatures[...]`), and the model would fail deep inside with an obscure error, or
    not at all. The Assert names the problem with `message` and the shape received;
    EnsureShape then gives the traced model the static shape. (For a fully known
    `shape`, Grappler folds the Assert away and EnsureShape's own error reports the
    shapes; the signatures here all have a free batch size.)"""
    import tensorflow as tf

    actual = tf.shape(tensor)
    # Padded with -1 (no real size), so that every index below exists whatever the rank
    # fed: a missing axis reads -1, an extra one is not -1. (A rank test of its own
    # would be folded away by Grappler, which trusts the signature's static rank.)
    padded = tf.concat([actual, tf.fill([len(shape) + 1], -1)], axis=0)
    valid = tf.reduce_all(tf.stack(
        [tf.equal(padded[i], d) if d is not None else padded[i] >= 0
         for i, d in enumerate(shape)] + [tf.equal(padded[len(shape)], -1)]))
    with tf.control_dependencies([_require(valid, message, actual)]):
        return tf.ensure_shape(tensor, shape)


def _same_batch(tensors, signature):
    """An op checking that the named `tensors` (a dict) have one batch size."""
    import tensorflow as tf

    names = list(tensors)
    sizes = tf.stack([tf.shape(tensors[n])[0] for n in names])
    return _require(tf.reduce_all(tf.equal(sizes, sizes[0])),
                    f"{signature}: {', '.join(names)} need the same batch size; received",
                    sizes)


def _in_range(values, high, message):
    """An op checking `0 <= values < high` (`high` broadcast along the last axis)."""
    import tensorflow as tf

    valid = tf.logical_and(tf.reduce_all(values >= 0), tf.reduce_all(values < high))
    return _require(valid, message, values)


def _named_arguments(names, body):
    """A function of the arguments `names` (which become the signature's input names)
    that calls `body({name: value})`."""
    def fn(*args):
        return body(dict(zip(names, args)))

    fn.__signature__ = inspect.Signature(
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names])
    return fn


def _serving_function(names, specs, body):
    """A `tf.function` with the arguments `names` and `input_signature` `specs`;
    `body({name: tensor})` returns the outputs."""
    import tensorflow as tf

    return tf.function(_named_arguments(names, body), input_signature=specs,
                       autograph=False)


def _add_signature(archive, name, fn):
    """Adds the `tf.function` `fn` (traced once here) as the signature `name`."""
    fn.get_concrete_function()
    archive.add_endpoint(name=name, fn=fn)


def _stateless_seed(seed, stream):
    import tensorflow as tf

    return tf.stack([seed, tf.constant(stream, tf.int64)])


def _add_generator_signatures(archive, core, latent_dim, num_classes, info_codes):
    """Adds `serving_default`, `generate` and (InfoGAN) `codes` around the traced
    generator `core` (a function `latent[, label] -> outputs`)."""
    import tensorflow as tf

    conditional = num_classes is not None
    label_spec = [tf.TensorSpec((None,), tf.int32, name=LABEL_NAME)] if conditional else []
    label_names = [LABEL_NAME] if conditional else []

    def checked_label(signature, label, batch, per, source):
        """`label` checked: a vector of `batch` values (one per `per`, `batch` read from
        the input `source`), each in range."""
        label = _checked_shape(label, (None,),
                               f"{signature}: label must be int32 [batch]; received shape")
        sizes = tf.stack([batch, tf.shape(label)[0]])
        checks = [_in_range(label, num_classes,
                            f"{signature}: label must be in [0, {num_classes}) (the "
                            f"generator has {num_classes} classes); received"),
                  _require(tf.equal(sizes[0], sizes[1]),
                           f"{signature}: label needs one value per {per}; received "
                           f"{source} and label sizes", sizes)]
        with tf.control_dependencies(checks):
            return tf.identity(label)

    def serve(inputs):
        latent = _checked_shape(
            inputs[INPUT_NAME], (None, latent_dim),
            f"{SIGNATURE}: latent must be float32 [batch, {latent_dim}]; received shape")
        if not conditional:
            return core(latent)
        return core(latent, checked_label(SIGNATURE, inputs[LABEL_NAME],
                                          tf.shape(latent)[0], "latent row", "latent"))

    serving = _serving_function(
        [INPUT_NAME, *label_names],
        [tf.TensorSpec((None, latent_dim), tf.float32, name=INPUT_NAME), *label_spec], serve)
    _add_signature(archive, SIGNATURE, serving)

    categorical, continuous = info_codes or ((), 0)
    noise_dim = latent_dim - sum(categorical) - continuous

    def to_latent(noise, codes, values):
        one_hot = [tf.one_hot(codes[:, i], k, dtype=tf.float32)
                   for i, k in enumerate(categorical)]
        return tf.concat([noise, *one_hot, values], axis=-1)

    def generate(inputs):
        # EnsureShape's own error names the tensor and the shapes ("Shape of tensor seed
        # [1] is not compatible with expected shape []"); an Assert on the shape of a
        # scalar input would be folded away by Grappler, which trusts the signature.
        seed, count = (tf.ensure_shape(inputs[name], ()) for name in (SEED_NAME, COUNT_NAME))
        with tf.control_dependencies([_require(count >= 0, f"{GENERATE_SIGNATURE}: count "
                                               "must be >= 0; received", count)]):
            count = tf.identity(count)
        noise = tf.random.stateless_normal((count, noise_dim), _stateless_seed(seed, 0),
                                           alg="philox")
        codes = tf.stack([tf.random.stateless_uniform(
            (count,), _stateless_seed(seed, 1 + i), 0, k, tf.int32, alg="philox")
            for i, k in enumerate(categorical)], axis=-1) if categorical else None
        values = tf.random.stateless_uniform(
            (count, continuous), _stateless_seed(seed, 1 + len(categorical)), -1.0, 1.0,
            alg="philox")
        latent = to_latent(noise, codes, values)
        if not conditional:
            return core(latent)
        return core(latent, checked_label(GENERATE_SIGNATURE, inputs[LABEL_NAME], count,
                                          "sample", "count"))

    generating = _serving_function(
        [SEED_NAME, COUNT_NAME, *label_names],
        [tf.TensorSpec((), tf.int64, name=SEED_NAME),
         tf.TensorSpec((), tf.int32, name=COUNT_NAME), *label_spec], generate)
    _add_signature(archive, GENERATE_SIGNATURE, generating)
    if info_codes is None:
        return

    names, specs = [NOISE_NAME], [tf.TensorSpec((None, noise_dim), tf.float32, name=NOISE_NAME)]
    if categorical:
        names.append(CATEGORICAL_NAME)
        specs.append(tf.TensorSpec((None, len(categorical)), tf.int32, name=CATEGORICAL_NAME))
    if continuous:
        names.append(CONTINUOUS_NAME)
        specs.append(tf.TensorSpec((None, continuous), tf.float32, name=CONTINUOUS_NAME))

    def from_codes(inputs):
        checked = {name: _checked_shape(
            inputs[name], tuple(spec.shape),
            f"{CODES_SIGNATURE}: {name} must be {spec.dtype.name} "
            f"[batch, {spec.shape[-1]}]; received shape")
            for name, spec in zip(names, specs)}
        checks = [_same_batch(checked, CODES_SIGNATURE)] if len(checked) > 1 else []
        codes = checked.get(CATEGORICAL_NAME)
        if categorical:
            checks.append(_in_range(codes, tf.constant(categorical, tf.int32),
                                    f"{CODES_SIGNATURE}: categorical code i must be in [0, "
                                    f"size_i), sizes {list(categorical)}; received"))
        with tf.control_dependencies(checks):
            noise = tf.identity(checked[NOISE_NAME])
        values = checked.get(CONTINUOUS_NAME, tf.zeros((tf.shape(noise)[0], 0)))
        return core(to_latent(noise, codes, values))

    coding = _serving_function(names, specs, from_codes)
    _add_signature(archive, CODES_SIGNATURE, coding)


# ------------------------------------------------------------------------ exporters
def _archive(model):
    archive = keras.export.ExportArchive()
    archive.track(model)
    return archive


def _traced_core(archive, model, specs):
    """`model` traced by the backend (jax2tf under JAX) as a function of the archive
    that is not a signature of its own: the signatures call it after their checks.

    Keras lists every endpoint as a signature; the core is taken off that list (it
    stays a function of the SavedModel, reached through the signatures)."""
    names = [spec.name for spec in specs]
    is_image = len(model.output_shape) == 4

    def body(inputs):
        args = [inputs[n] for n in names]
        samples = model(args[0] if len(args) == 1 else args, training=False)
        result = {OUTPUT_NAME: ops.cast(samples, "float32")}
        if is_image:
            result[IMAGES_NAME] = to_uint8_images(samples)
        return result

    core = archive.add_endpoint(name=_CORE, fn=_named_arguments(names, body),
                                input_signature=specs, **backend.EXPORT_ENDPOINT_KWARGS)
    archive._endpoint_names.remove(_CORE)
    return core


def _export_generator_native(generator, filepath, num_classes, info_codes, verbose):
    specs = _input_specs(generator)
    archive = _archive(generator)
    core = _traced_core(archive, generator, specs)
    _add_generator_signatures(archive, core, specs[0].shape[-1], num_classes, info_codes)
    archive.write_out(filepath, verbose=verbose)


def _export_image_native(model, filepath, input_range, output_range, verbose):
    import tensorflow as tf

    channels, _ = image_model_channels(model)
    height, width = model.input_shape[1:3]
    archive = _archive(model)

    def raw(inputs):
        return {OUTPUTS_NAME: ops.cast(model(inputs, training=False), "float32")}

    # The model itself is traced by the backend (jax2tf under JAX); the uint8 scaling
    # and the checks around it are TensorFlow ops, the same under both backends.
    core = archive.add_endpoint(
        name=RAW_SIGNATURE, fn=raw,
        input_signature=[keras.InputSpec(shape=(None, height, width, channels),
                                         dtype="float32", name=INPUTS_NAME)],
        **backend.EXPORT_ENDPOINT_KWARGS)
    low, high = input_range
    out_low, out_high = output_range
    size = "height, width" if height is None and width is None else f"{height}, {width}"
    message = (f"{SIGNATURE}: images must be uint8 [batch, {size}, {channels}] "
               f"(this model takes {channels}-channel images); received shape")

    def serve(inputs):
        images = _checked_shape(inputs[IMAGES_NAME], (None, height, width, channels), message)
        x = tf.cast(images, tf.float32) / 255.0 * (high - low) + low
        outputs = core(x)[OUTPUTS_NAME]
        pixels = (outputs - out_low) * (255.0 / (out_high - out_low))
        images_out = tf.cast(tf.clip_by_value(tf.round(pixels), 0.0, 255.0), tf.uint8)
        return {IMAGES_NAME: images_out, OUTPUTS_NAME: outputs}

    _add_signature(archive, SIGNATURE, _serving_function(
        [IMAGES_NAME], [tf.TensorSpec((None, height, width, channels), tf.uint8,
                                      name=IMAGES_NAME)], serve))
    archive.write_out(filepath, verbose=verbose)


def _export_in_tensorflow_process(model, filepath, verbose, options=()):
    """The torch route: save `model` as `.keras` and export it from a child process
    running the TensorFlow backend (`python -m keras_gan.export FILE DIR *options`)."""
    with tempfile.TemporaryDirectory() as tmp:
        saved = os.path.join(tmp, "model.keras")
        model.save(saved)
        env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="2")
        result = subprocess.run(
            [sys.executable, "-m", "keras_gan.export", saved, os.fspath(filepath),
             *map(str, options)],
            env=env, capture_output=True, text=True,
        )
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise RuntimeError(
            "Exporting through the TensorFlow backend failed (it needs tensorflow "
            "installed): " + " | ".join(tail)
        )
    if verbose:
        print(result.stdout, end="")


def export_generator(generator, filepath, *, num_classes=None, info_codes=None,
                     overwrite=False, verbose=False):
    """Writes `generator` as a SavedModel directory for TF Serving, with the signatures
    `serving_default`, `generate` and, with `info_codes`, `codes` (see the module
    docstring).

    Args:
        generator: a Keras model `latent (None, latent_dim) -> samples`, or
            `[latent, label (None,)] -> samples` for a conditional one.
        filepath: the directory to write (TF Serving expects `MODEL_NAME/VERSION/`).
        num_classes: the classes of a conditional generator (labels outside
            `[0, num_classes)` are refused by the served model); default: the input
            size of the generator's one Embedding layer.
        info_codes: `(categorical sizes, continuous count)` of an InfoGAN generator,
            whose input is `[noise | one-hot codes | continuous codes]`: adds the
            `codes` signature and draws the codes in `generate` as InfoGAN does.
        overwrite: replace an existing non-empty `filepath` (otherwise a
            FileExistsError).
        verbose: print a summary of the endpoints.

    Returns:
        `filepath`.

    Example:
        >>> export_generator(dcgan.generator, "served/dcgan/1")
        >>> # in a TensorFlow process, no keras needed:
        >>> served = tf.saved_model.load("served/dcgan/1")
        >>> served.signatures["generate"](seed=tf.constant(7, tf.int64),
        ...                               count=tf.constant(16))["images"]
    """
    specs = _input_specs(generator)
    latent_dim = specs[0].shape[-1]
    if len(specs) == 2:
        num_classes = _generator_classes(generator, num_classes)
    elif num_classes is not None:
        raise ValueError(f"num_classes={num_classes!r} was given for a generator without "
                         "a label input.")
    if info_codes is not None:
        if len(specs) == 2:
            raise ValueError("info_codes applies to unconditional (InfoGAN) generators; "
                             "this one takes a label.")
        info_codes = _checked_codes(info_codes, latent_dim)
    options = []
    if num_classes is not None:
        options += ["--num-classes", num_classes]
    if info_codes is not None:
        options += ["--categorical-codes", *info_codes[0], "--continuous-codes", info_codes[1]]

    def write(directory):
        if backend.NATIVE_SAVED_MODEL_EXPORT:
            _export_generator_native(generator, directory, num_classes, info_codes, verbose)
        else:
            _export_in_tensorflow_process(generator, directory, verbose, options)

    _write_safely(filepath, overwrite, write)
    return filepath


def export_image_model(model, filepath, *, input_range=(0.0, 1.0), output_range=(-1.0, 1.0),
                       overwrite=False, verbose=False):
    """Writes an image-to-image model (e.g. a super-resolution generator) as a SavedModel
    for TF Serving that takes and returns uint8 images (see the module docstring).

    Args:
        model: a Keras model `(None, H, W, C) -> (None, H', W', C')` with known
            channels; H and W should be None (fully convolutional) so that the
            export serves any image size.
        filepath: the directory to write (TF Serving expects `MODEL_NAME/VERSION/`).
        input_range: `(low, high)` the model's input is scaled to; uint8 `x` becomes
            `low + x / 255 * (high - low)`. `(0, 1)` for SRResNet / RRDBNet.
        output_range: `(low, high)` of the model's output, mapped to 0..255: `(-1, 1)`
            for SRResNet (tanh), `(0, 1)` for ESRGAN's RRDBNet.
        overwrite: replace an existing non-empty `filepath` (otherwise a
            FileExistsError).
        verbose: print a summary of the endpoints.

    Returns:
        `filepath`.

    Example:
        >>> export_image_model(srgan.generator, "served/srgan/1")
        >>> # in a TensorFlow process, no keras needed:
        >>> fn = tf.saved_model.load("served/srgan/1").signatures["serving_default"]
        >>> fn(images=tf.constant(lr_uint8[None]))["images"]  # uint8 (1, 4H, 4W, 3)
    """
    input_range = value_range(input_range, "input_range")
    output_range = value_range(output_range, "output_range")
    image_model_channels(model)

    def write(directory):
        if backend.NATIVE_SAVED_MODEL_EXPORT:
            _export_image_native(model, directory, input_range, output_range, verbose)
        else:
            _export_in_tensorflow_process(
                model, directory, verbose,
                ["--image", "--input-range", *map(repr, input_range),
                 "--output-range", *map(repr, output_range)])

    _write_safely(filepath, overwrite, write)
    return filepath


def _main(argv):
    """`python -m keras_gan.export MODEL.keras DIR [--num-classes K]
    [--categorical-codes K1 K2 .. --continuous-codes C] [--image [--input-range L H]
    [--output-range L H]]` (the torch route): exports a generator, or with `--image`
    an image-to-image model, into DIR (an empty or new directory)."""
    parser = argparse.ArgumentParser(
        prog="python -m keras_gan.export",
        description="Export a .keras generator (or, with --image, an image-to-image "
                    "model) as a SavedModel; run under the TensorFlow or JAX backend.")
    parser.add_argument("model_file")
    parser.add_argument("directory")
    parser.add_argument("--num-classes", type=int, default=None,
                        help="classes of a conditional generator")
    parser.add_argument("--categorical-codes", type=int, nargs="*", default=None,
                        help="InfoGAN: the sizes of the categorical codes")
    parser.add_argument("--continuous-codes", type=int, default=0,
                        help="InfoGAN: the number of continuous codes")
    parser.add_argument("--image", action="store_true",
                        help="export with export_image_model (uint8 images in and out)")
    parser.add_argument("--input-range", nargs=2, type=float, default=(0.0, 1.0),
                        metavar=("LOW", "HIGH"))
    parser.add_argument("--output-range", nargs=2, type=float, default=(-1.0, 1.0),
                        metavar=("LOW", "HIGH"))
    args = parser.parse_args(argv)
    import keras_gan  # noqa: F401  (registers the custom layers)

    model = keras.saving.load_model(args.model_file, compile=False)
    if args.image:
        export_image_model(model, args.directory, input_range=args.input_range,
                           output_range=args.output_range, verbose=True)
    else:
        info_codes = None
        if args.categorical_codes is not None or args.continuous_codes:
            info_codes = (args.categorical_codes or (), args.continuous_codes)
        export_generator(model, args.directory, num_classes=args.num_classes,
                         info_codes=info_codes, verbose=True)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
