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

import numpy as np

from keras_gan import callbacks, cli, recipes

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
    cli.add_image_data_arguments(
        parser, data_help="'shapes' (embedded, 3 classes), mnist, fashion_mnist, cifar10, "
                          "or the path of an image folder with one sub-folder per class")
    cli.add_image_training_arguments(parser)
    parser.add_argument("--columns", type=int, default=8,
                        help="samples per class in the class grid (one noise vector each)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the weights, the data order and the grid's noise")
    parser.add_argument("--out", default="runs/conditional", help="output folder")
    args = parser.parse_args(argv)
    cli.check_positive(args, ("epochs", "batch_size", "columns", "shapes_count"))
    cli.check_data_dir(args)

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
    seconds, last = recipes.fit_epochs(model, dataset, args.epochs, args.steps_per_epoch,
                                       os.path.join(args.out, "history.csv"), callbacks=[grid])
    grid.render().save(os.path.join(args.out, "class_grid.png"))
    model.save(os.path.join(args.out, "model.keras"))
    print(f"trained {args.epochs} epochs in {seconds:.1f} s; last epoch: "
          + ", ".join(f"{name} {value:.4f}" for name, value in sorted(last.items())))
    print(f"wrote class_grid.png ({num_classes} rows x {args.columns} columns), "
          f"class_grid/epoch_*.png, history.csv, model.keras to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(cli.run_script(main, prog="train_conditional.py"))
