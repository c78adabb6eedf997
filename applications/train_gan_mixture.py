"""Train a GAN, WGAN-GP or PacGAN on the embedded 2D ring or grid and plot its samples.

    KERAS_BACKEND=jax python applications/train_gan_mixture.py --model gan --packing 2 \
        --data grid --epochs 20 --out runs/grid_pacgan2

The same as `keras-gan train`, written out so that it can be copied and changed: the
whole experiment is `keras_gan.recipes.train_on_mixture`.
"""

import argparse
import json
import os
import sys

import keras

from keras_gan import cli, recipes, visualize


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(recipes.MIXTURE_MODELS), default="gan")
    parser.add_argument("--data", choices=("ring", "grid"), default="ring")
    parser.add_argument("--packing", type=int, default=2, help="PacGAN degree")
    parser.add_argument("--loss", default=None, help="adversarial loss of 'gan'")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=100,
                        help="discriminator decisions per discriminator update")
    parser.add_argument("--epoch-size", type=int, default=100_000,
                        help="real discriminator decisions per epoch")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="runs/mixture")
    args = parser.parse_args(argv)

    os.makedirs(args.out, exist_ok=True)
    model, mixture, metrics = recipes.train_on_mixture(
        args.model, data=args.data, epochs=args.epochs, batch_size=args.batch_size,
        packing=args.packing, decisions=args.epoch_size, seed=args.seed, loss=args.loss,
        verbose=2,
        callbacks=[keras.callbacks.CSVLogger(os.path.join(args.out, "history.csv"))])
    print(json.dumps(metrics, indent=2))
    samples = model.generate(2500, seed=args.seed)
    visualize.scatter_plot(samples, centers=mixture.centers).save(
        os.path.join(args.out, "samples.png"))
    model.save(os.path.join(args.out, "model.keras"))
    return 0


if __name__ == "__main__":
    sys.exit(cli.run_script(main, prog="train_gan_mixture.py"))
