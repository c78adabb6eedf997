"""Run the tutorial notebooks top to bottom, as a reader does.

    python tutorials/execute.py                    # full runs, outputs written back
    python tutorials/execute.py --fast 02_dcgan.ipynb   # FAST=1, outputs thrown away

A full run executes each notebook in a fresh Jupyter kernel (the backend is whatever
`KERAS_BACKEND` says, as for any Keras program), writes the outputs into the notebook,
records how it was made in the notebook's metadata (`keras_gan.mode == "full"`, backend,
versions, minutes) and copies every image of a cell whose metadata names a `gallery` file
into `tutorials/gallery/` (the README shows those). A fast run (`--fast`, what the test
suite does) sets `FAST=1`, which every notebook reads to shrink its data and steps to
seconds, and leaves the committed notebook untouched.
"""

import argparse
import base64
import os
import platform
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

HERE = os.path.dirname(os.path.abspath(__file__))
# Offline copies of the datasets beside the project (see tutorials/README.md), used when
# KERAS_GAN_DATA is not set.
SHARED_DATA = os.path.join(os.path.dirname(os.path.dirname(HERE)), "shared", "data")
GALLERY = os.path.join(HERE, "gallery")
IMAGE_LIMIT = 200_000  # bytes of one committed PNG output: small images only


def notebooks():
    """The tutorial notebooks, in reading order."""
    return sorted(name for name in os.listdir(HERE) if name.endswith(".ipynb"))


def _images(cell):
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if "image/png" in data:
            yield base64.b64decode(data["image/png"])


def check_outputs(nb, name):
    """Raises when an executed notebook has an error output or an image over the limit."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                raise RuntimeError(f"{name}: cell {index} raised {output.get('ename')}: "
                                   f"{output.get('evalue')}")
        for png in _images(cell):
            if len(png) > IMAGE_LIMIT:
                raise RuntimeError(f"{name}: cell {index} shows a {len(png)}-byte PNG; keep "
                                   f"images under {IMAGE_LIMIT} bytes (fewer or smaller tiles)")


def execute(name, fast, timeout=600, backend=None):
    """Executes `tutorials/<name>` and returns the executed notebook (not written)."""
    path = os.path.join(HERE, name)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no tutorial notebook {path}")
    nb = nbformat.read(path, as_version=4)
    env = dict(os.environ, FAST="1" if fast else "0", TF_CPP_MIN_LOG_LEVEL="2")
    if backend:
        env["KERAS_BACKEND"] = backend
    if not env.get("KERAS_GAN_DATA") and os.path.isdir(SHARED_DATA):
        env["KERAS_GAN_DATA"] = SHARED_DATA
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": HERE}})
    client.execute(env=env)
    check_outputs(nb, name)
    return nb


def _versions():
    import keras

    import keras_gan
    return {"keras_gan": keras_gan.__version__, "keras": keras.__version__,
            "python": platform.python_version()}


def write_full_run(name, nb, backend, minutes):
    """Writes a full run's outputs and metadata back, and its gallery images."""
    nb.metadata["keras_gan"] = dict(mode="full", backend=backend, minutes=round(minutes, 1),
                                    machine=f"{platform.machine()}, {os.cpu_count()} CPU cores",
                                    **_versions())
    nbformat.write(nb, os.path.join(HERE, name))
    for cell in nb.cells:
        target = cell.metadata.get("gallery")
        if not target:
            continue
        images = list(_images(cell))
        if len(images) != 1:
            raise RuntimeError(f"{name}: the cell for gallery/{target} shows {len(images)} "
                               f"images; it must show exactly one")
        os.makedirs(GALLERY, exist_ok=True)
        with open(os.path.join(GALLERY, target), "wb") as f:
            f.write(images[0])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebook file names (default: all)")
    parser.add_argument("--fast", action="store_true",
                        help="FAST=1: seconds per notebook; outputs are not written back")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per cell")
    args = parser.parse_args(argv)
    names = args.names or notebooks()
    unknown = sorted(set(names) - set(notebooks()))
    if unknown:
        parser.error(f"no such notebook in {HERE}: {', '.join(unknown)}")
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    for name in names:
        start = time.perf_counter()
        try:
            nb = execute(name, args.fast, timeout=args.timeout)
        except CellExecutionError as error:
            print(f"{name}: failed\n{error}", file=sys.stderr)
            return 1
        minutes = (time.perf_counter() - start) / 60
        if not args.fast:
            write_full_run(name, nb, backend, minutes)
        print(f"{name}: {'fast' if args.fast else 'full'} run under {backend}, "
              f"{minutes * 60:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
