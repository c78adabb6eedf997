"""Checks that the hand-written style-transfer reference of the current backend does the
library's math: one to a few iterations of neural style transfer (Gatys, Ecker & Bethge
2016, "Image Style Transfer Using Convolutional Neural Networks") by
`keras_gan.models.StyleTransfer.fit` and by the reference, on the same images and the
same VGG19 weights, compared iteration by iteration.

    KERAS_BACKEND=jax python benchmarks/reference/check_style.py [--size 64]
        [--iterations 3] [--tolerance 1e-4]

The library model is `style_workload.library_model(size)` (random VGG19 weights); its
13 convolutions are copied into the reference of the backend's framework
(`tf_style.py`, `torch_style.py` transposing the kernels HWIO -> OIHW, `jax_style.py`).
For every iteration the script prints the four loss terms of both (the library's log of
that iteration: the loss before its update) with their relative differences, and the
image after the update: the largest pixel difference over the 0..255 range, and the
largest difference of the update itself (image after minus image before) over the
library's largest update. It exits with status 1 when a loss term or the image differs
by more than `--tolerance` (relative; the image relative to 255).

The update's own difference is reported, not checked: Adam normalises each pixel's
step (about `lr * g / (|g| + eps)`), so the few pixels whose gradient nearly cancels
(|g| near 1e-5) turn float rounding differences of the gradient into visible differences
of their step.
"""

import argparse
import importlib
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # benchmarks/: `reference.*` as the harness

MODULES = {"tensorflow": "tf_style", "jax": "jax_style", "torch": "torch_style"}
TERMS = ("loss", "content_loss", "style_loss", "tv_loss")


def _relative(a, b):
    scale = max(abs(a), abs(b))
    return 0.0 if scale == 0.0 else abs(a - b) / scale


def library_run(size, iterations):
    """`(model, [(logs, image after)] per iteration, initial image)` of the library."""
    import keras

    from reference import style_workload

    model = style_workload.library_model(size)
    start = style_workload.sync(model).copy()
    records = []

    class Record(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            records.append(({k: float(logs[k]) for k in TERMS},
                            style_workload.sync(model).copy()))

    # one iteration per epoch: each epoch's logs are that iteration's loss terms
    model.fit(epochs=iterations, steps_per_epoch=1, verbose=0, callbacks=[Record()])
    return model, records, start


def reference_run(module, size, iterations, vgg_weights):
    reference = module.style_transfer(size, seed=0, vgg_weights=vgg_weights)
    start = reference.image_array().copy()
    records = []
    for _ in range(iterations):
        reference.run(1)
        reference.sync()
        records.append((reference.losses(), reference.image_array().copy()))
    return reference, records, start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--tolerance", type=float, default=1e-4)
    args = parser.parse_args(argv)

    import keras

    from reference import style_workload

    backend = keras.backend.backend()
    module = importlib.import_module("reference." + MODULES[backend])
    model, library, lib_start = library_run(args.size, args.iterations)
    reference, ref, ref_start = reference_run(module, args.size, args.iterations,
                                              style_workload.vgg_weights(model))
    print(f"backend {backend}, {args.size}x{args.size} px, reference {module.__name__}, "
          f"trainable values library {style_workload.trainable_count(model)} / reference "
          f"{reference.param_counts[0]}")
    worst = 0.0
    if style_workload.trainable_count(model) != reference.param_counts[0]:
        worst = float("inf")
    start_diff = float(np.max(np.abs(lib_start - ref_start)))
    print(f"initial images: max |library - reference| = {start_diff:.3g}")
    worst = max(worst, start_diff / 255.0)
    before_lib, before_ref = lib_start, ref_start
    for i, ((lib_logs, lib_image), (ref_logs, ref_image)) in enumerate(zip(library, ref), 1):
        print(f"iteration {i}:")
        for name in TERMS:
            rel = _relative(lib_logs[name], ref_logs[name])
            worst = max(worst, rel)
            print(f"  {name:<13} library {lib_logs[name]:<14.8g} reference "
                  f"{ref_logs[name]:<14.8g} rel. diff {rel:.2e}")
        image_diff = float(np.max(np.abs(lib_image - ref_image))) / 255.0
        lib_update, ref_update = lib_image - before_lib, ref_image - before_ref
        update_diff = (float(np.max(np.abs(lib_update - ref_update)))
                       / max(float(np.max(np.abs(lib_update))), 1e-30))
        worst = max(worst, image_diff)
        print(f"  image after:  max |diff| / 255 = {image_diff:.2e}; update: max |diff| / "
              f"max |library update| = {update_diff:.2e} (library max |update| "
              f"{float(np.max(np.abs(lib_update))):.4g}, pixels at 0 or 255 "
              f"{int(np.sum((lib_image == 0) | (lib_image == 255)))})")
        before_lib, before_ref = lib_image, ref_image
    ok = worst <= args.tolerance
    print(f"largest relative difference {worst:.2e}: "
          f"{'OK' if ok else 'FAIL'} (tolerance {args.tolerance:g})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
