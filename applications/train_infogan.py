"""Train an InfoGAN on MNIST or the embedded shapes and draw its latent traversals.

    python applications/train_infogan.py --data mnist --data-dir ../shared/data \
        --epochs 5 --out runs/infogan_mnist

InfoGAN (Chen et al. 2016, "InfoGAN: Interpretable Representation Learning by
Information Maximizing Generative Adversarial Nets") feeds the generator latent codes c
next to the noise z, here one categorical code (10 values on MNIST, as in the paper; 3
on the shapes) and two continuous codes drawn from U(-1, 1), and adds to both players'
losses a variational lower bound of the mutual information I(c; G(z, c)), estimated by
a head Q on the discriminator that recovers c from the image. Nothing tells the model
what the codes mean: it never sees the labels. On MNIST the paper found the
categorical code taking the digit class and the continuous ones the width and the
rotation of the strokes (its Figure 2).

The traversal grids show what each code learned: for continuous code j,
`traversal_c{j}.png` has one row per value of the categorical code and one column per
value of code j from -2 to 2 (outside the training range [-1, 1], as the paper's
Figure 2 shows), the other continuous codes at 0 and the same noise z in every tile.
They are written at the end and, by a `keras_gan.callbacks.SampleGrid` given the
traversal latents, after every epoch into `traversal_c{j}/epoch_NNNN.png`.

The same as `keras-gan train infogan`, written out so that it can be copied and
changed: `recipes.image_data` builds the pipeline, `recipes.image_model("infogan")` the
paper's MNIST setting (62 noise dimensions, lambda = 1, Adam 2e-4 for D and Q and 1e-3
for G), `model.fit` trains it, and `InfoGAN.latents(n, categorical=..., continuous=...)`
builds the generator inputs with the codes fixed. Also writes `history.csv` (the losses,
with `categorical_accuracy`: how often Q recovers the categorical code of a generated
image) and `model.keras`.
"""

import argparse
import os
import sys

import numpy as np

from keras_gan import callbacks, cli, recipes, visualize


def traversal_latents(model, code, values, seed=0):
    """Generator inputs of one traversal grid: row i holds categorical value i (of the
    first categorical code), column j continuous code `code` at `values[j]`, the other
    continuous codes at 0, and every tile the same noise z (`model.latents(1, seed)`).
    Returns `(num_categories * len(values), latent_dim + code_dim)`, row-major."""
    categories = model.categorical_codes[0]
    steps = len(values)
    n = categories * steps
    continuous = np.zeros((n, model.continuous_codes), "float32")
    continuous[:, code] = np.tile(np.asarray(values, "float32"), categories)
    categorical = np.repeat(np.arange(categories), steps)
    if len(model.categorical_codes) > 1:  # further categorical codes held at 0
        categorical = np.stack([categorical] + [np.zeros(n, int)] *
                               (len(model.categorical_codes) - 1), axis=-1)
    latent = model.latents(n, seed=seed, categorical=categorical, continuous=continuous)
    latent[:, :model.latent_dim] = model.latents(1, seed=seed)[0, :model.latent_dim]
    return latent


def traversal_callbacks(model, values, out_dir, seed):
    """One grid callback per continuous code, writing its traversal after every epoch
    into `out_dir/traversal_c{code}/epoch_NNNN.png`."""
    return [callbacks.SampleGrid(latent=traversal_latents(model, code, values, seed),
                                 columns=len(values),
                                 out_dir=os.path.join(out_dir, f"traversal_c{code + 1}"))
            for code in range(model.continuous_codes)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_image_data_arguments(
        parser, data_help="'shapes' (embedded), mnist, fashion_mnist, or the path of an "
                          "image folder (the labels are not used)")
    parser.add_argument("--categories", type=int, default=None,
                        help="values of the categorical code (default: the data's number of "
                             "classes, 10 without labels)")
    cli.add_image_training_arguments(parser)
    parser.add_argument("--steps", type=int, default=9,
                        help="columns of a traversal grid: values of the code from -RANGE to "
                             "RANGE")
    parser.add_argument("--range", type=float, default=2.0, dest="limit",
                        help="a continuous code goes from -RANGE to RANGE in the traversals")
    parser.add_argument("--no-epoch-grids", action="store_true",
                        help="write the traversal grids at the end only")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the weights, the data order and the traversals' noise")
    parser.add_argument("--out", default="runs/infogan", help="output folder")
    args = parser.parse_args(argv)
    cli.check_positive(args, ("epochs", "batch_size", "shapes_count"))
    if args.steps < 2:
        raise cli.CLIError("--steps must be >= 2")
    if args.categories is not None and args.categories < 2:
        raise cli.CLIError("--categories must be >= 2")
    cli.check_data_dir(args)

    os.makedirs(args.out, exist_ok=True)
    dataset, image_shape, num_classes = recipes.image_data(
        args.data, image_size=args.image_size, batch_size=args.batch_size, seed=args.seed,
        data_dir=args.data_dir, shapes_count=args.shapes_count)
    # InfoGAN is unsupervised: the labels only size its categorical code.
    model = recipes.image_model("infogan", image_shape, args.categories or num_classes,
                                seed=args.seed, filters=args.filters)
    print(f"infogan on {args.data}: images {image_shape}, noise {model.latent_dim}, "
          f"categorical codes {list(model.categorical_codes)}, continuous codes "
          f"{model.continuous_codes}")
    values = np.linspace(-args.limit, args.limit, args.steps)
    grids = [] if args.no_epoch_grids else traversal_callbacks(model, values, args.out,
                                                               args.seed)
    seconds, last = recipes.fit_epochs(model, dataset, args.epochs, args.steps_per_epoch,
                                       os.path.join(args.out, "history.csv"), callbacks=grids)
    for code in range(model.continuous_codes):
        images = model.generate_from(traversal_latents(model, code, values, args.seed))
        visualize.image_grid(images, columns=args.steps).save(
            os.path.join(args.out, f"traversal_c{code + 1}.png"))
    model.save(os.path.join(args.out, "model.keras"))
    print(f"trained {args.epochs} epochs in {seconds:.1f} s; last epoch: "
          + ", ".join(f"{name} {value:.4f}" for name, value in sorted(last.items())))
    print(f"wrote traversal_c1..c{model.continuous_codes}.png "
          f"({model.categorical_codes[0]} categories x {args.steps} values from "
          f"{-args.limit:g} to {args.limit:g}), history.csv, model.keras to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(cli.run_script(main, prog="train_infogan.py"))
