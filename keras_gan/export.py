"""Export a generator as a TensorFlow SavedModel for TF Serving, from any backend.

The SavedModel has one signature, `serving_default`:

- inputs: `latent` (float32, `[None, latent_dim]`) and, for a conditional generator
  (two inputs), `label` (int32, `[None]`);
- outputs: `samples` (float32, the generator's raw output) and, for image generators
  (output `[None, H, W, C]` in [-1, 1]), `images` (uint8, `[None, H, W, C]`,
  `round((samples + 1) * 127.5)` clipped to 0..255).

TensorFlow and JAX trace the generator directly with `keras.export.ExportArchive`
(JAX through jax2tf, lowered for CPU and CUDA). Keras 3.15 cannot trace a model on
the PyTorch backend into a SavedModel, so there the generator is saved as a `.keras`
file and exported by a child Python process running the TensorFlow backend; that
needs TensorFlow installed next to PyTorch (it is needed to serve the model anyway).
"""

import os
import subprocess
import sys
import tempfile

import keras
from keras import ops

from keras_gan import backend

__all__ = ["export_generator"]

SIGNATURE = "serving_default"
INPUT_NAME = "latent"
LABEL_NAME = "label"
OUTPUT_NAME = "samples"
IMAGES_NAME = "images"


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


def to_uint8_images(samples):
    """Images in [-1, 1] as uint8 0..255 (the inverse of the datasets' scaling)."""
    pixels = ops.clip(ops.round((ops.cast(samples, "float32") + 1.0) * 127.5), 0.0, 255.0)
    return ops.cast(pixels, "uint8")


def _export_native(generator, filepath, verbose):
    specs = _input_specs(generator)
    archive = keras.export.ExportArchive()
    archive.track(generator)
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


def _export_in_tensorflow_process(generator, filepath, verbose):
    _input_specs(generator)
    with tempfile.TemporaryDirectory() as tmp:
        saved = os.path.join(tmp, "generator.keras")
        generator.save(saved)
        env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="2")
        result = subprocess.run(
            [sys.executable, "-m", "keras_gan.export", saved, os.fspath(filepath)],
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
    if backend.NATIVE_SAVED_MODEL_EXPORT:
        _export_native(generator, filepath, verbose)
    else:
        _export_in_tensorflow_process(generator, filepath, verbose)
    return filepath


def _main(argv):
    """`python -m keras_gan.export GENERATOR.keras DIR` (used by the torch route)."""
    if len(argv) != 2:
        print("usage: python -m keras_gan.export GENERATOR.keras DIR", file=sys.stderr)
        return 2
    import keras_gan  # noqa: F401  (registers the custom layers)

    generator = keras.saving.load_model(argv[0], compile=False)
    export_generator(generator, argv[1], verbose=True)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
