"""The `keras-gan` command (also `python -m keras_gan`).

    keras-gan train gan|wgan|wgan_gp --data ring|grid --epochs N --batch-size B --out DIR
                    [--packing M] [--loss NAME] [--seed S]
    keras-gan sample MODEL.keras -n N -o out.npy|out.png [--seed S]
    keras-gan export MODEL.keras DIR

Errors in the arguments or the files are reported as one line on stderr with exit
code 2 (set KERAS_GAN_DEBUG=1 for the traceback).
"""

import argparse
import json
import math
import os
import sys
import zipfile

EXIT_USAGE = 2


class CLIError(Exception):
    """An error the user can fix: reported as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise CLIError(message)


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def build_parser():
    parser = _Parser(prog="keras-gan", description="Train, sample and export GANs with Keras 3.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    train = sub.add_parser("train", help="train a GAN on an embedded dataset")
    train.add_argument("model", choices=("gan", "wgan", "wgan_gp"))
    train.add_argument("--data", choices=("ring", "grid"), default="ring")
    train.add_argument("--epochs", type=_positive_int, default=20)
    train.add_argument("--batch-size", type=_positive_int, default=100,
                       help="discriminator decisions per discriminator update (default 100); "
                            "each decision judges --packing samples")
    train.add_argument("--packing", type=_positive_int, default=1, help="PacGAN degree")
    train.add_argument("--loss", default=None,
                       help="adversarial loss of 'gan': non_saturating (default), minimax, "
                            "least_squares, hinge, relativistic, relativistic_average, "
                            "wasserstein")
    train.add_argument("--epoch-size", type=_positive_int, default=100_000,
                       help="real discriminator decisions per epoch (default 100000, as in "
                            "PacGAN); the training set holds --packing times as many samples")
    train.add_argument("--out", required=True, help="output directory")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--overwrite", action="store_true",
                       help="replace the run already in --out")
    train.add_argument("--verbose", type=int, choices=(0, 1, 2), default=None,
                       help="Keras verbosity (default: progress bar on a terminal, "
                            "one line per epoch otherwise)")

    sample = sub.add_parser("sample", help="draw samples from a saved model")
    sample.add_argument("model_file")
    sample.add_argument("-n", type=_positive_int, default=1000)
    sample.add_argument("-o", "--output", required=True, help="out.npy or out.png")
    sample.add_argument("--seed", type=int, default=None)

    export = sub.add_parser("export", help="export the generator as a SavedModel")
    export.add_argument("model_file")
    export.add_argument("directory")
    return parser


def _load_model(path):
    if not os.path.isfile(path):
        raise CLIError(f"model file not found: {path}")
    if not zipfile.is_zipfile(path):
        raise CLIError(f"not a .keras model file (corrupt or wrong format): {path}")
    import keras

    import keras_gan  # noqa: F401  (registers the classes)

    try:
        model = keras.saving.load_model(path)
    except Exception as e:  # a damaged archive fails in many ways inside Keras
        raise CLIError(f"cannot load model file {path}: {_one_line(e)}") from e
    if not hasattr(model, "generate"):
        raise CLIError(f"{path} holds a {type(model).__name__}, not a keras_gan model")
    return model


def _one_line(error, limit=300):
    text = str(error).strip().splitlines()
    line = text[0] if text else type(error).__name__
    return line if len(line) <= limit else line[:limit] + " ..."


def _json_number(value):
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _check_train_args(args):
    """Rejects a bad combination of arguments before anything is trained."""
    if os.path.exists(os.path.join(args.out, "model.keras")) and not args.overwrite:
        raise CLIError(f"{args.out} already holds a trained model; choose another --out "
                       "or pass --overwrite")
    from keras_gan import losses, recipes

    # One training step consumes k discriminator minibatches (recipes.train_on_mixture).
    k = recipes.discriminator_steps(args.model)
    if args.batch_size * k > args.epoch_size:
        per_step = f" times the {k} discriminator updates of {args.model}" if k > 1 else ""
        raise CLIError(f"--batch-size {args.batch_size}{per_step} is larger than --epoch-size "
                       f"{args.epoch_size}")
    if args.loss is not None:
        if args.model != "gan":
            raise CLIError(f"--loss applies to 'gan' only; {args.model} has a fixed loss")
        try:
            losses.get(args.loss)
        except ValueError as e:
            raise CLIError(str(e)) from e


def cmd_train(args):
    _check_train_args(args)
    import keras

    from keras_gan import recipes, visualize

    os.makedirs(args.out, exist_ok=True)
    verbose = args.verbose if args.verbose is not None else (1 if sys.stdout.isatty() else 2)
    model, mixture, metrics = recipes.train_on_mixture(
        args.model, data=args.data, epochs=args.epochs, batch_size=args.batch_size,
        packing=args.packing, decisions=args.epoch_size, seed=args.seed, loss=args.loss,
        verbose=verbose,
        callbacks=[keras.callbacks.CSVLogger(os.path.join(args.out, "history.csv"))],
    )
    samples = model.generate(2500, seed=args.seed)
    metrics.update(model=args.model, loss=model.adversarial_loss.name, data=args.data,
                   packing=args.packing, epochs=args.epochs,
                   seed=args.seed, backend=keras.backend.backend(), evaluated_samples=len(samples))
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump({k: _json_number(v) for k, v in metrics.items()}, f, indent=2)
    visualize.scatter_plot(samples, centers=mixture.centers).save(
        os.path.join(args.out, "samples.png"))
    model.save(os.path.join(args.out, "model.keras"))
    print(f"modes {metrics['modes']}/{mixture.num_modes}, high quality "
          f"{100 * metrics['high_quality']:.1f}%, reverse KL {metrics['reverse_kl']:.3f}; "
          f"wrote samples.png, metrics.json, history.csv, model.keras to {args.out}")
    return 0


def cmd_sample(args):
    import numpy as np

    from keras_gan import visualize

    ext = os.path.splitext(args.output)[1].lower()
    if ext not in (".npy", ".png"):
        raise CLIError(f"output must end in .npy or .png: {args.output}")
    model = _load_model(args.model_file)
    samples = model.generate(args.n, seed=args.seed)
    if ext == ".npy":
        np.save(args.output, samples)
    else:
        try:
            visualize.save_samples_png(samples, args.output)
        except ValueError as e:
            raise CLIError(str(e)) from e
    print(f"wrote {len(samples)} samples to {args.output}")
    return 0


def cmd_export(args):
    model = _load_model(args.model_file)
    if os.path.exists(args.directory) and os.listdir(args.directory):
        raise CLIError(f"export directory exists and is not empty: {args.directory}")
    model.export(args.directory)
    print(f"exported the generator to {args.directory} (signature serving_default: "
          f"latent [None, {model.latent_dim}] float32 -> samples float32)")
    return 0


COMMANDS = {"train": cmd_train, "sample": cmd_sample, "export": cmd_export}


def main(argv=None):
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except CLIError as e:
        print(f"keras-gan: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("keras-gan: interrupted", file=sys.stderr)
        return 130
    except Exception as e:
        if os.environ.get("KERAS_GAN_DEBUG"):
            raise
        print(f"keras-gan: error: {type(e).__name__}: {_one_line(e)}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
