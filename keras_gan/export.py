"""Export a generator as a TensorFlow SavedModel for TF Serving, from any backend.

The SavedModel has one signature, `serving_default`:
input `latent` (float32, `[None, latent_dim]`), output `samples` (float32).

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

from keras_gan import backend

__all__ = ["export_generator"]

SIGNATURE = "serving_default"
INPUT_NAME = "latent"
OUTPUT_NAME = "samples"


def _latent_dim(generator):
    shape = getattr(generator, "input_shape", None)
    if not isinstance(shape, tuple) or len(shape) != 2 or shape[-1] is None:
        raise ValueError(
            "export_generator needs a generator with one input of shape "
            f"(None, latent_dim); this one has input shape {shape}."
        )
    return int(shape[-1])


def _export_native(generator, filepath, verbose):
    latent_dim = _latent_dim(generator)
    archive = keras.export.ExportArchive()
    archive.track(generator)

    def serve(latent):
        samples = generator(latent, training=False)
        return {OUTPUT_NAME: keras.ops.cast(samples, "float32")}

    archive.add_endpoint(
        name=SIGNATURE,
        fn=serve,
        input_signature=[
            keras.InputSpec(shape=(None, latent_dim), dtype="float32", name=INPUT_NAME)
        ],
        **backend.EXPORT_ENDPOINT_KWARGS,
    )
    archive.write_out(filepath, verbose=verbose)


def _export_in_tensorflow_process(generator, filepath, verbose):
    _latent_dim(generator)
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
        generator: a Keras model `latent (None, latent_dim) -> samples`.
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
