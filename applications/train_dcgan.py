"""Train a DCGAN (Radford, Metz & Chintala 2016) on MNIST, another named dataset, the
embedded shapes or an image folder, with a sample grid per epoch.

    KERAS_BACKEND=torch python applications/train_dcgan.py --data mnist \
        --data-dir ../shared/data --epochs 5 --out runs/dcgan_mnist

The same as `keras-gan train dcgan`, written out so that it can be copied and changed:
`keras_gan.recipes.image_data` builds the input pipeline, `recipes.image_model` the paper's
networks and optimizers, and `model.fit` trains it.
"""

import argparse
import os
import sys

import keras

from keras_gan import callbacks, cli, recipes, visualize


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="shapes",
                        help="'shapes' (embedded), mnist, fashion_mnist, cifar10, celeb_a, or "
                             "the path of an image folder")
    parser.add_argument("--data-dir", default=None,
                        help="where the named datasets' files are (offline copies)")
    parser.add_argument("--image-size", type=int, default=None,
                        help="side of the training images (default: the dataset's)")
    parser.add_argument("--filters", type=int, default=64, help="width of the networks")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--steps-per-epoch", type=int, default=None,
                        help="default: one pass over the data")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="runs/dcgan")
    args = parser.parse_args(argv)

    os.makedirs(args.out, exist_ok=True)
    dataset, image_shape, _ = recipes.image_data(
        args.data, image_size=args.image_size, batch_size=args.batch_size, seed=args.seed,
        data_dir=args.data_dir)
    model = recipes.image_model("dcgan", image_shape, seed=args.seed, filters=args.filters)
    if args.steps_per_epoch:
        dataset = dataset.repeat()
    model.fit(dataset, epochs=args.epochs, steps_per_epoch=args.steps_per_epoch, verbose=2,
              callbacks=[callbacks.SampleGrid(out_dir=os.path.join(args.out, "samples"),
                                              seed=args.seed),
                         keras.callbacks.CSVLogger(os.path.join(args.out, "history.csv"))])
    visualize.image_grid(model.generate(64, seed=args.seed)).save(
        os.path.join(args.out, "samples.png"))
    model.save(os.path.join(args.out, "model.keras"))
    return 0


if __name__ == "__main__":
    sys.exit(cli.run_script(main, prog="train_dcgan.py"))
