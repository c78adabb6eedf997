"""Export generators and image-to-image models as TensorFlow SavedModels for TF Serving,
from any backend.

`export_generator(generator, dir)`: a generator `latent -> samples`. The SavedModel
has one signature, `serving_default`:

- inputs: `latent` (float32, `[None, latent_dim]`) and, for a conditional generator
  (two inputs), `label` (int32, `[None]`);
- outputs: `samples` (float32, the generator's raw output) and, for image generators
  (output `[None, H, W, C]` in [-1, 1]), `images` (uint8, `[None, H, W, C]`,
  `round((samples + 1) * 127.5)` clipped to 0..255).

`export_image_model(model, dir, input_range=(0, 1), output_range=(-1, 1))`: an
image-to-image model such as a super-resolution generator (SRResNet, RRDBNet). Its
`serving_default` signature takes and returns 8-bit images of any batch size and any
height and width (the model must be fully convolutional for that):

- input: `images` (uint8, `[None, None, None, C]`, C the model's input channels),
  mapped to the model's input range as `low + images / 255 * (high - low)`; an input
  with another number of channels fails with an InvalidArgumentError that says how
  many channels the model takes;
- outputs: `images` (uint8, `[None, None, None, C_out]`, the model's output mapped from
  `output_range` to 0..255, rounded half to even and clipped) and `outputs` (float32,
  the model's raw output).

A second signature, `raw`, takes float32 `inputs` already in `input_range` and returns
`outputs` only (float pipelines that do their own scaling).

TensorFlow and JAX trace the model directly with `keras.export.ExportArchive` (JAX
through jax2tf with native serialization, lowered for CPU and CUDA; the batch, height
and width stay symbolic, so one artifact serves every image size). The uint8 scaling
and the channel check are TensorFlow ops wrapped around the traced model, so they are
the same on both. Keras 3.15 cannot trace a model on the PyTorch backend into a
SavedModel, so there the model is saved as a `.keras` file and exported by a child
Python process running the TensorFlow backend (`python -m keras_gan.export`); that
needs TensorFlow installed next to PyTorch (it is needed to serve the model anyway).
"""

import argparse
import math
import os
import subprocess
import sys
import tempfile

import keras
from keras import ops

from keras_gan import backend

__all__ = ["export_generator", "export_image_model", "image_model_channels"]

SIGNATURE = "serving_default"
RAW_SIGNATURE = "raw"
INPUT_NAME = "latent"
LABEL_NAME = "label"
OUTPUT_NAME = "samples"
IMAGES_NAME = "images"
INPUTS_NAME = "inputs"
OUTPUTS_NAME = "outputs"


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


def _archive(model):
    archive = keras.export.ExportArchive()
    archive.track(model)
    return archive


def _export_generator_native(generator, filepath, verbose):
    specs = _input_specs(generator)
    archive = _archive(generator)
    is_image = len(generator.output_shape) == 4

    def outputs(samples):
        result = {OUTPUT_NAME: ops.cast(samples, "float32")}
        if is_image:
            result[IMAGES_NAME] = to_uint8_images(samples)
        return result

    if len(specs) == 1:
        def serve(latent):
            return outputs(generator(latent, training=False))
    else:
        def serve(latent, label):
            return outputs(generator([latent, label], training=False))

    archive.add_endpoint(name=SIGNATURE, fn=serve, input_signature=specs,
                         **backend.EXPORT_ENDPOINT_KWARGS)
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
    message = (f"{SIGNATURE}: images must be uint8 [batch, height, width, {channels}] "
               f"(this model takes {channels}-channel images); received shape")

    @tf.function(input_signature=[tf.TensorSpec((None, height, width, channels), tf.uint8,
                                                name=IMAGES_NAME)], autograph=False)
    def serve(images):
        # A signature's static shape is not enforced on the tensors fed to it (TF Serving,
        # `signatures[...]`), and the model would fail deep inside with an obscure error.
        # The channel check names the problem; EnsureShape (a runtime op) catches the rank.
        shape = tf.shape(images)
        valid = tf.equal(shape[-1], channels)
        with tf.control_dependencies([tf.debugging.Assert(valid, [message, shape], summarize=8)]):
            images = tf.ensure_shape(images, (None, height, width, channels))
        x = tf.cast(images, tf.float32) / 255.0 * (high - low) + low
        outputs = core(x)[OUTPUTS_NAME]
        pixels = (outputs - out_low) * (255.0 / (out_high - out_low))
        images_out = tf.cast(tf.clip_by_value(tf.round(pixels), 0.0, 255.0), tf.uint8)
        return {IMAGES_NAME: images_out, OUTPUTS_NAME: outputs}

    serve.get_concrete_function()
    archive.add_endpoint(name=SIGNATURE, fn=serve)
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


def export_generator(generator, filepath, verbose=False):
    """Writes `generator` as a SavedModel directory for TF Serving.

    Args:
        generator: a Keras model `latent (None, latent_dim) -> samples`, or
            `[latent, label (None,)] -> samples` for a conditional one.
        filepath: the directory to write (TF Serving expects `MODEL_NAME/VERSION/`).
        verbose: print a summary of the endpoint.

    Returns:
        `filepath`.
    """
    _input_specs(generator)
    if backend.NATIVE_SAVED_MODEL_EXPORT:
        _export_generator_native(generator, filepath, verbose)
    else:
        _export_in_tensorflow_process(generator, filepath, verbose)
    return filepath


def export_image_model(model, filepath, *, input_range=(0.0, 1.0), output_range=(-1.0, 1.0),
                       verbose=False):
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
    if backend.NATIVE_SAVED_MODEL_EXPORT:
        _export_image_native(model, filepath, input_range, output_range, verbose)
    else:
        _export_in_tensorflow_process(
            model, filepath, verbose,
            ["--image", "--input-range", *map(repr, input_range),
             "--output-range", *map(repr, output_range)])
    return filepath


def _main(argv):
    """`python -m keras_gan.export MODEL.keras DIR [--image [--input-range L H]
    [--output-range L H]]` (the torch route): exports a generator, or with `--image`
    an image-to-image model."""
    parser = argparse.ArgumentParser(
        prog="python -m keras_gan.export",
        description="Export a .keras generator (or, with --image, an image-to-image "
                    "model) as a SavedModel; run under the TensorFlow or JAX backend.")
    parser.add_argument("model_file")
    parser.add_argument("directory")
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
        export_generator(model, args.directory, verbose=True)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
