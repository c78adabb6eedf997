"""Train a class-conditional GAN (CGAN or ACGAN) and draw one row of samples per class.

    python applications/train_conditional.py --model acgan --data mnist \
        --data-dir ../shared/data --epochs 5 --out runs/acgan_mnist

Two ways to tell a GAN which class to draw:

- CGAN (Mirza & Osindero 2014, "Conditional Generative Adversarial Nets"): both networks
  receive the label y; the discriminator judges whether an image is a real image *of
  class y*, so the generator must draw that class to fool it.
- ACGAN (Odena, Olah & Shlens 2017, "Conditional Image Synthesis with Auxiliary
  Classifier GANs"): only the generator receives y; the discriminator has a second head
  that classifies every image, real or generated, and both networks are trained to make
  that classification right.

The same as `keras-gan train cgan|acgan`, written out so that it can be copied and
changed: `keras_gan.recipes.image_data` builds the labelled input pipeline (the shapes'
circle / square / triangle, the ten MNIST digits or Fashion-MNIST classes, or the
sub-folders of an image folder), `recipes.image_model` the networks and optimizers with
the data's number of classes, and `model.fit` trains on the `(images, labels)` batches.

Writes into --out: `history.csv` (the losses per epoch), `class_grid/epoch_NNNN.png`
(per epoch) and `class_grid.png` (at the end): one row per class, and in each column the
same noise z for every class, so that a column shows what the label alone changes;
`model.keras` (the whole model; `keras-gan sample model.keras --label 2` draws from it).
"""

import argparse
import os
import sys
import time

import numpy as np

# keras_gan before keras: it keeps TensorFlow's C++ INFO notes off stderr (unless
# TF_CPP_MIN_LOG_LEVEL is set), which must happen before TensorFlow is imported.
from keras_gan import callbacks, cli, recipes

import keras  # noqa: I001  (after keras_gan, see above)

MODELS = ("cgan", "acgan")


def class_grid_callback(model, columns, out_dir, seed):
    """A grid callback with one row per class and `columns` columns, the same latent
    vector for every class in a column: the `columns` vectors of
    `model.latents(columns, seed)` repeated for every class, with the labels
    `0, ..., 0, 1, ..., 1, ...` row by row."""
    latent = np.tile(model.latents(columns, seed=seed), (model.num_classes, 1))
    labels = np.repeat(np.arange(model.num_classes), columns)
    return callbacks.SampleGrid(latent=latent, columns=columns, labels=labels, out_dir=out_dir)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=MODELS, default="acgan",
                        help="cgan (Mirza & Osindero 2014) or acgan (Odena et al. 2017)")
    parser.add_argument("--data", default="shapes",
                        help="'shapes' (embedded, 3 classes), mnist, fashion_mnist, cifar10, "
                             "or the path of an image folder with one sub-folder per class")
    parser.add_argument("--data-dir", default=None,
                        help="where the named datasets' files are (offline copies; default: "
                             "the environment variable KERAS_GAN_DATA)")
    parser.add_argument("--image-size", type=int, default=None,
                        help="side of the training images (default: the dataset's)")
    parser.add_argument("--shapes-count", type=int, default=recipes.SHAPES_EPOCH,
                        help="images of the embedded shapes dataset (one epoch)")
    parser.add_argument("--filters", type=int, default=64, help="width of the networks")
    parser.add_argument("--epochs", type=int, default=5, help="training epochs")
    parser.add_argument("--steps-per-epoch", type=int, default=None,
                        help="training steps per epoch (default: one pass over the data)")
    parser.add_argument("--batch-size", type=int, default=64, help="images per training step")
    parser.add_argument("--columns", type=int, default=8,
                        help="samples per class in the class grid (one noise vector each)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the weights, the data order and the grid's noise")
    parser.add_argument("--out", default="runs/conditional", help="output folder")
    args = parser.parse_args(argv)
    for name in ("epochs", "batch_size", "columns", "shapes_count"):
        if getattr(args, name) < 1:
            raise cli.CLIError(f"--{name.replace('_', '-')} must be >= 1")
    if args.data_dir is not None and not os.path.isdir(args.data_dir):
        raise cli.CLIError(f"--data-dir is not a folder: {args.data_dir}")

    os.makedirs(args.out, exist_ok=True)
    dataset, image_shape, num_classes = recipes.image_data(
        args.data, image_size=args.image_size, batch_size=args.batch_size, seed=args.seed,
        data_dir=args.data_dir, shapes_count=args.shapes_count)
    if num_classes is None:
        raise cli.CLIError(f"{args.model} needs class labels; the data {args.data!r} has none")
    model = recipes.image_model(args.model, image_shape, num_classes, seed=args.seed,
                                filters=args.filters)
    print(f"{args.model} on {args.data}: images {image_shape}, {num_classes} classes")
    grid = class_grid_callback(model, args.columns, os.path.join(args.out, "class_grid"),
                               args.seed)
    if args.steps_per_epoch:
        dataset = dataset.repeat()
    start = time.perf_counter()
    history = model.fit(
        dataset, epochs=args.epochs, steps_per_epoch=args.steps_per_epoch, verbose=2,
        shuffle=False,  # the pipeline shuffles
        callbacks=[grid, keras.callbacks.CSVLogger(os.path.join(args.out, "history.csv"))])
    seconds = time.perf_counter() - start
    grid.render().save(os.path.join(args.out, "class_grid.png"))
    model.save(os.path.join(args.out, "model.keras"))
    last = {name: series[-1] for name, series in history.history.items()}
    print(f"trained {args.epochs} epochs in {seconds:.1f} s; last epoch: "
          + ", ".join(f"{name} {value:.4f}" for name, value in sorted(last.items())))
    print(f"wrote class_grid.png ({num_classes} rows x {args.columns} columns), "
          f"class_grid/epoch_*.png, history.csv, model.keras to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(cli.run_script(main, prog="train_conditional.py"))
