"""The `keras-gan` command (also `python -m keras_gan`).

    keras-gan train gan|wgan|wgan_gp --data ring|grid --epochs N --batch-size B --out DIR
                    [--packing M] [--loss NAME] [--seed S] [--resume]
    keras-gan train dcgan|cgan|acgan|infogan|ebgan
                    --data shapes|mnist|fashion_mnist|cifar10|celeb_a|DIR
                    [--image-size S] [--epochs N] [--batch-size B] [--out DIR]
    keras-gan sample MODEL.keras -n N -o out.npy|out.png [--seed S] [--label C]
    keras-gan export MODEL.keras DIR [--force]
    keras-gan evaluate MODEL.keras --data mnist|shapes|...|DIR --metrics fid,kid,is,pr,mnist_fd
                       [-n N] [--split test] [--weights imagenet|none|FILE] [-o scores.json]
    keras-gan stylize CONTENT STYLE -o out.png [--size 512] [--steps N] [--content-weight W]
                      [--style-weight W] [--tv-weight W] [--lr LR] [--init content|noise]
                      [--weights imagenet|none|FILE] [--save-every K] [--seed S]
    keras-gan upscale MODEL.keras IMAGE|DIR -o OUT.png|OUT_DIR [--tile 256] [--overlap 16]
                      [--input-range L H] [--output-range L H]
    keras-gan evaluate-sr MODEL.keras --data DIR [--scale S] [--tile N] [--overlap 16]
                          [--input-range L H] [--output-range L H] [-o scores.json]

`upscale` and `evaluate-sr` take a saved super-resolution model (SRGAN, ESRGAN: their
generator, scale and value ranges) or a bare generator saved as .keras (then
--input-range / --output-range give its ranges, default 0 1 and -1 1, SRGAN's).

Errors in the arguments or the files are reported as one line on stderr with exit
code 2 (set KERAS_GAN_DEBUG=1 for the traceback).
"""

import argparse
import json
import math
import os
import sys
import time
import zipfile

EXIT_USAGE = 2
MIXTURE_MODELS = ("gan", "wgan", "wgan_gp")
IMAGE_MODELS = ("dcgan", "cgan", "acgan", "infogan", "ebgan")
NAMED_IMAGE_DATA = ("shapes", "mnist", "fashion_mnist", "cifar10", "celeb_a")


class CLIError(Exception):
    """An error the user can fix: reported as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise CLIError(message)


def positive_int(text):
    """argparse type: an int >= 1 (the application scripts use these types too)."""
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

    train = sub.add_parser("train", help="train a GAN on an embedded dataset, a named "
                                         "dataset or an image folder")
    train.add_argument("model", choices=MIXTURE_MODELS + IMAGE_MODELS)
    train.add_argument("--data", default=None,
                       help="2D models: ring (default) or grid; image models: shapes (default, "
                            "embedded), mnist, fashion_mnist, cifar10, celeb_a, or a folder "
                            "of images (labels from its sub-folders)")
    train.add_argument("--data-dir", default=None,
                       help="folder holding the named dataset's files (default: "
                            "$KERAS_GAN_DATA, else tensorflow_datasets' download)")
    train.add_argument("--image-size", type=positive_int, default=None,
                       help="side of the training images (default: the dataset's; shapes 32, "
                            "folders 64)")
    train.add_argument("--epochs", type=positive_int, default=None,
                       help="default 20 for the 2D models, 10 for image models")
    train.add_argument("--batch-size", type=positive_int, default=None,
                       help="2D models: discriminator decisions per discriminator update "
                            "(default 100), each judging --packing samples; image models: "
                            "images per step (default 64)")
    train.add_argument("--packing", type=positive_int, default=1,
                       help="PacGAN degree (gan, wgan, wgan_gp, dcgan)")
    train.add_argument("--loss", default=None,
                       help="adversarial loss of gan / dcgan / cgan / acgan / infogan: "
                            "non_saturating (default), minimax, least_squares, hinge, "
                            "relativistic, relativistic_average, wasserstein")
    train.add_argument("--epoch-size", type=positive_int, default=None,
                       help="2D models: real discriminator decisions per epoch (default "
                            "100000, as in PacGAN); shapes: images per epoch (default 10000)")
    train.add_argument("--filters", type=positive_int, default=32,
                       help="width of the image networks: channels of the layer next to the "
                            "image (default 32, sized for a CPU; the DCGAN reference code "
                            "uses 64)")
    train.add_argument("--out", required=True, help="output directory")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--overwrite", action="store_true",
                       help="replace the run already in --out")
    train.add_argument("--resume", action="store_true",
                       help="continue the interrupted run in --out from its last backup "
                            "(written into OUT/backup at the end of every epoch); give the "
                            "same arguments as that run")
    train.add_argument("--verbose", type=int, choices=(0, 1, 2), default=None,
                       help="Keras verbosity (default: progress bar on a terminal, "
                            "one line per epoch otherwise)")

    sample = sub.add_parser("sample", help="draw samples from a saved model")
    sample.add_argument("model_file")
    sample.add_argument("-n", type=positive_int, default=1000)
    sample.add_argument("-o", "--output", required=True, help="out.npy or out.png")
    sample.add_argument("--seed", type=int, default=None)
    sample.add_argument("--label", type=int, default=None,
                        help="class of the samples of a conditional model (default: "
                             "the classes in turn)")

    export = sub.add_parser("export", help="export the generator as a SavedModel")
    export.add_argument("model_file")
    export.add_argument("directory")
    export.add_argument("--force", action="store_true",
                        help="replace an existing non-empty directory (the new export is "
                             "written aside and swapped in when complete)")

    evaluate = sub.add_parser("evaluate", help="score a saved image model's samples against "
                                               "real images")
    evaluate.add_argument("model_file")
    evaluate.add_argument("--data", required=True,
                          help="real images: shapes, mnist, fashion_mnist, cifar10, celeb_a, "
                               "or a folder of images")
    evaluate.add_argument("--data-dir", default=None,
                          help="folder holding the named dataset's files (default: "
                               "$KERAS_GAN_DATA, else tensorflow_datasets' download)")
    evaluate.add_argument("--split", default="test",
                          help="split of a named dataset (default test)")
    evaluate.add_argument("--metrics", default="fid,kid,is,pr",
                          help="comma-separated: fid, kid, is, pr (InceptionV3), mnist_fd, "
                               "mnist_score, mnist_pr (the shipped MNIST classifier)")
    evaluate.add_argument("-n", type=positive_int, default=10_000,
                          help="real and generated images (default 10000)")
    evaluate.add_argument("--weights", default="imagenet",
                          help="InceptionV3 weights: imagenet (default), none (random: "
                               "for smoke tests), or a weights file")
    evaluate.add_argument("--batch-size", type=positive_int, default=250)
    evaluate.add_argument("--seed", type=int, default=0)
    evaluate.add_argument("-o", "--output", default=None,
                          help="JSON file of the scores (default: MODEL.scores.json)")
    _add_stylize_parser(sub)
    _add_sr_parsers(sub)
    return parser


def _load_model(path):
    if not os.path.isfile(path):
        raise CLIError(f"model file not found: {path}")
    if not zipfile.is_zipfile(path):
        raise CLIError(f"not a .keras model file (corrupt or wrong format): {path}")
    import keras

    import keras_gan  # noqa: F401  (registers the classes)

    try:
        model = keras.saving.load_model(path, safe_mode=True)  # never runs code
    except Exception as e:  # a damaged archive fails in many ways inside Keras
        raise CLIError(f"cannot load model file {path}: {one_line(e)}") from e
    if not hasattr(model, "generate"):
        raise CLIError(f"{path} holds a {type(model).__name__}, not a keras_gan model")
    return model


def _output_file(path):
    """Checks, before any work is done, that the output file `path` can be written:
    its folder is created if needed and a file is created (and removed) in it, which
    catches a read-only folder or file system, a missing permission, or a file where a
    folder should be. Raises CLIError naming the path."""
    import tempfile

    if os.path.isdir(path):
        raise CLIError(f"cannot write {path}: it is a folder")
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as e:
        raise CLIError(f"cannot write {path}: {one_line(e)}") from e
    return path


def _write_output(path, write):
    """`write(binary file)` into `path` atomically (`callbacks.backup.write_atomically`):
    a failure part-way leaves an existing `path` as it was and no partial file behind.
    Raises CLIError for a file that cannot be written."""
    from keras_gan.callbacks.backup import write_atomically

    try:
        write_atomically(path, write)
    except OSError as e:
        raise CLIError(f"cannot write {path}: {one_line(e)}") from e


def one_line(error, limit=300):
    """The first line of an error's message, cut at `limit` characters."""
    text = str(error).strip().splitlines()
    line = text[0] if text else type(error).__name__
    return line if len(line) <= limit else line[:limit] + " ..."


def _json_number(value):
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _check_train_args(args):
    """Rejects a bad combination of arguments before anything is trained."""
    _check_resume_flags(args)
    if os.path.exists(os.path.join(args.out, "model.keras")) and not args.overwrite:
        raise CLIError(f"{args.out} already holds a trained model; choose another --out "
                       "or pass --overwrite")
    from keras_gan import losses

    if args.loss is not None:
        if args.model in ("wgan", "wgan_gp", "ebgan"):
            raise CLIError(f"--loss does not apply to {args.model}: it has a fixed loss")
        try:
            losses.get(args.loss)
        except ValueError as e:
            raise CLIError(str(e)) from e
    if args.model in IMAGE_MODELS:
        _check_image_args(args)
    else:
        _check_mixture_args(args)
    if args.resume:
        _check_resumed_arguments(args)


#: the arguments that define a training run: `--resume` requires the same values
RUN_ARGUMENTS = ("model", "data", "data_dir", "image_size", "epochs", "batch_size", "packing",
                 "loss", "epoch_size", "filters", "seed")


def _backup_dir(args):
    return os.path.join(args.out, "backup")


def _check_resume_flags(args):
    from keras_gan.callbacks.backup import BACKUP_FILE

    backup = os.path.join(_backup_dir(args), BACKUP_FILE)
    if not args.resume:
        if os.path.exists(backup) and not args.overwrite:
            raise CLIError(f"{args.out} holds an interrupted run; pass --resume to continue "
                           "it or --overwrite to start again")
        return
    if args.overwrite:
        raise CLIError("--resume continues the run in --out and --overwrite replaces it; "
                       "pass one of them")
    if os.path.exists(os.path.join(args.out, "model.keras")):
        raise CLIError(f"--resume: the run in {args.out} already finished (it holds "
                       "model.keras)")
    if not os.path.exists(backup):
        raise CLIError(f"--resume: no backup in {_backup_dir(args)} to resume from")


def _check_resumed_arguments(args):
    """`--resume` continues a run only with the arguments it was started with."""
    path = os.path.join(_backup_dir(args), "arguments.json")
    try:
        with open(path) as f:
            stored = json.load(f)
    except (OSError, ValueError) as e:
        raise CLIError(f"--resume: cannot read the interrupted run's arguments {path}: "
                       f"{one_line(e)}") from e
    for name in RUN_ARGUMENTS:
        if stored.get(name) != getattr(args, name):
            flag = name if name == "model" else "--" + name.replace("_", "-")
            raise CLIError(f"--resume: {flag} {getattr(args, name)} differs from the "
                           f"interrupted run's {stored.get(name)} (stored in {path}); resume "
                           "with the arguments of that run")


def _check_mixture_args(args):
    from keras_gan import recipes

    args.data = args.data or "ring"
    if args.data not in ("ring", "grid"):
        raise CLIError(f"--data for {args.model} must be ring or grid; received {args.data!r}")
    for flag in ("image_size", "data_dir"):
        if getattr(args, flag) is not None:
            raise CLIError(f"--{flag.replace('_', '-')} applies to image models only")
    args.epochs = args.epochs or 20
    args.batch_size = args.batch_size or 100
    args.epoch_size = args.epoch_size or 100_000
    # One training step consumes k discriminator minibatches (recipes.train_on_mixture).
    k = recipes.discriminator_steps(args.model)
    if args.batch_size * k > args.epoch_size:
        per_step = f" times the {k} discriminator updates of {args.model}" if k > 1 else ""
        raise CLIError(f"--batch-size {args.batch_size}{per_step} is larger than --epoch-size "
                       f"{args.epoch_size}")


def _check_image_args(args):
    args.data = args.data or "shapes"
    if args.data in ("ring", "grid"):
        raise CLIError(f"{args.model} trains on images; --data {args.data} is a 2D mixture")
    if args.data not in NAMED_IMAGE_DATA and not os.path.isdir(args.data):
        raise CLIError(f"--data must be one of {', '.join(NAMED_IMAGE_DATA)} or a folder of "
                       f"images; {args.data!r} is neither")
    if args.packing > 1 and args.model != "dcgan":
        raise CLIError(f"--packing applies to dcgan among the image models, not {args.model}")
    if args.epoch_size is not None and args.data != "shapes":
        raise CLIError("--epoch-size applies to the embedded datasets (ring, grid, shapes)")
    if args.data_dir is not None and not os.path.isdir(args.data_dir):
        raise CLIError(f"--data-dir is not a folder: {args.data_dir}")
    if args.image_size is not None:
        from keras_gan.networks import upsampling_plan

        try:
            upsampling_plan((args.image_size, args.image_size, 1))
        except ValueError as e:
            raise CLIError(f"--image-size {args.image_size}: {e}") from e
    args.epochs = args.epochs or 10
    args.batch_size = args.batch_size or 64
    args.epoch_size = args.epoch_size or 10_000
    if args.batch_size > args.epoch_size:
        raise CLIError(f"--batch-size {args.batch_size} is larger than --epoch-size "
                       f"{args.epoch_size}")


def cmd_train(args):
    """Trains a model; the training state is backed up into OUT/backup at the end of
    every epoch (with the run's arguments), so that `--resume` continues an interrupted
    run. The backup is removed once model.keras is written."""
    import shutil

    from keras_gan.callbacks import BackupAndRestore, DivergenceError
    from keras_gan.callbacks.backup import write_atomically

    _check_train_args(args)
    os.makedirs(args.out, exist_ok=True)
    verbose = args.verbose if args.verbose is not None else (1 if sys.stdout.isatty() else 2)
    backup_dir = _backup_dir(args)
    backup = BackupAndRestore(backup_dir, delete_backup=False)
    if args.resume:
        print(f"resuming the run in {args.out} after epoch {backup.metadata()['epoch']}")
    else:
        shutil.rmtree(backup_dir, ignore_errors=True)  # an interrupted run: --overwrite
        os.makedirs(backup_dir)
        arguments = json.dumps({name: getattr(args, name) for name in RUN_ARGUMENTS})
        write_atomically(os.path.join(backup_dir, "arguments.json"),
                         lambda f: f.write(arguments.encode()))
    try:
        if args.model in IMAGE_MODELS:
            code = _train_image_model(args, verbose, backup)
        else:
            code = _train_mixture_model(args, verbose, backup)
    except DivergenceError as e:
        raise CLIError(one_line(e)) from e
    except KeyboardInterrupt:
        if backup.metadata() is not None:
            print(f"keras-gan: the run is backed up in {backup_dir}; continue it with the "
                  "same command and --resume", file=sys.stderr)
        raise
    shutil.rmtree(backup_dir, ignore_errors=True)  # model.keras is written
    return code


def _train_mixture_model(args, verbose, backup):
    import keras

    from keras_gan import recipes, visualize

    model, mixture, metrics = recipes.train_on_mixture(
        args.model, data=args.data, epochs=args.epochs, batch_size=args.batch_size,
        packing=args.packing, decisions=args.epoch_size, seed=args.seed, loss=args.loss,
        verbose=verbose,
        callbacks=[backup, keras.callbacks.CSVLogger(os.path.join(args.out, "history.csv"),
                                                     append=args.resume)],
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


def _train_image_model(args, verbose, backup):
    import keras

    from keras_gan import callbacks, recipes

    try:
        dataset, image_shape, num_classes = recipes.image_data(
            args.data, image_size=args.image_size, batch_size=args.batch_size, seed=args.seed,
            data_dir=args.data_dir, shapes_count=args.epoch_size)
        model = recipes.image_model(args.model, image_shape, num_classes, seed=args.seed,
                                    loss=args.loss, filters=args.filters,
                                    packing=args.packing)
    except (ValueError, FileNotFoundError) as e:
        raise CLIError(one_line(e)) from e
    grids = os.path.join(args.out, "samples")
    start = time.perf_counter()
    model.fit(dataset, epochs=args.epochs, verbose=verbose, shuffle=False, callbacks=[
        backup,
        callbacks.SampleGrid(every=1, n=64, out_dir=grids, seed=args.seed),
        keras.callbacks.CSVLogger(os.path.join(args.out, "history.csv"), append=args.resume),
    ])
    seconds = time.perf_counter() - start
    model.save(os.path.join(args.out, "model.keras"))
    info = dict(model=args.model, data=args.data, image_shape=list(image_shape),
                num_classes=num_classes, epochs=args.epochs, batch_size=args.batch_size,
                seed=args.seed, backend=keras.backend.backend(), train_seconds=seconds)
    with open(os.path.join(args.out, "run.json"), "w") as f:
        json.dump(info, f, indent=2)
    print(f"trained {args.model} on {args.data} {image_shape} for {args.epochs} epochs in "
          f"{seconds:.0f} s; wrote samples/epoch_*.png, history.csv, run.json, model.keras "
          f"to {args.out}")
    return 0


def cmd_sample(args):
    import numpy as np

    from keras_gan import visualize

    ext = os.path.splitext(args.output)[1].lower()
    if ext not in (".npy", ".png"):
        raise CLIError(f"output must end in .npy or .png: {args.output}")
    _output_file(args.output)
    model = _load_model(args.model_file)
    labels = None
    if getattr(model, "num_classes", None) is not None:
        if args.label is not None and not 0 <= args.label < model.num_classes:
            raise CLIError(f"--label must be in [0, {model.num_classes}); received {args.label}")
        labels = (np.full(args.n, args.label) if args.label is not None
                  else np.arange(args.n) % model.num_classes)
    elif args.label is not None:
        raise CLIError(f"--label applies to conditional models; {args.model_file} holds a "
                       f"{type(model).__name__}")
    samples = model.generate(args.n, seed=args.seed, labels=labels)

    def write(f):
        if ext == ".npy":
            np.save(f, samples)
        else:
            visualize.save_samples_png(samples, f)

    try:
        _write_output(args.output, write)
    except ValueError as e:
        raise CLIError(str(e)) from e
    print(f"wrote {len(samples)} samples to {args.output}")
    return 0


def cmd_export(args):
    model = _load_model(args.model_file)
    target = args.directory
    try:
        model.export(target, overwrite=args.force)
    except FileExistsError as e:  # refused before anything was written
        raise CLIError(f"export directory exists and is not empty: {target} "
                       "(--force replaces it)") from e
    print(f"exported the generator to {target} (signature serving_default: latent "
          f"[None, {model.generator_input_dim}] float32 -> samples float32; signature "
          "generate: seed, count -> samples)")
    return 0


def _real_images(args, image_shape):
    """Up to `args.n` real images in [-1, 1] matching the generator's output size."""
    import numpy as np

    from keras_gan import datasets
    from keras_gan.metrics import collect_images

    if args.data == "shapes":
        return datasets.shapes(args.n, image_size=image_shape[0], seed=args.seed + 1)[0]
    if args.data in datasets.DATASET_NAMES:
        images, _ = datasets.load_arrays(args.data, args.split, data_dir=args.data_dir,
                                         image_size=image_shape[:2])
        return images[:args.n].astype("float32") / 127.5 - 1.0
    if not os.path.isdir(args.data):
        raise CLIError(f"--data must be one of {', '.join(NAMED_IMAGE_DATA)} or a folder; "
                       f"no such folder: {args.data}")
    # Every image of the folder (sub-folders or not, no labels needed), converted to
    # the generator's size and channel count; unreadable files are skipped with a warning.
    folder = datasets.image_folder(args.data, image_shape[:2], batch_size=args.batch_size,
                                   seed=args.seed, labels=False, channels=image_shape[2],
                                   drop_remainder=False)
    return np.asarray(collect_images(folder, args.n), dtype="float32")


def cmd_evaluate(args):
    from keras_gan import metrics

    names = [m.strip() for m in args.metrics.split(",") if m.strip()]
    unknown = [m for m in names if m not in metrics.METRIC_NAMES]
    if unknown or not names:
        raise CLIError(f"unknown metric {', '.join(unknown) or '(none given)'}; choose from "
                       f"{', '.join(metrics.METRIC_NAMES)}")
    weights = weights_argument(args.weights, "InceptionV3")
    model = _load_model(args.model_file)
    image_shape = tuple(int(d) for d in model.generator.outputs[0].shape[1:])
    if len(image_shape) != 3:
        raise CLIError(f"{args.model_file} generates {image_shape} samples, not images")
    output = _output_file(args.output or os.path.splitext(args.model_file)[0]
                          + ".scores.json")
    start = time.perf_counter()
    try:
        real = _real_images(args, image_shape)
        if real.shape[1:] != image_shape:
            raise CLIError(f"real images {real.shape[1:]} do not match the generator's "
                           f"{image_shape}")
        scores = metrics.evaluate(model, [metrics.get(m, weights=weights) for m in names],
                                  real, n_samples=args.n, batch_size=args.batch_size,
                                  seed=args.seed)
    except (ValueError, FileNotFoundError) as e:
        raise CLIError(one_line(e)) from e
    seconds = time.perf_counter() - start
    width = max(len(k) for k in scores)
    print(f"{'metric':<{width}}  value")
    for key, value in scores.items():
        print(f"{key:<{width}}  {value:.6g}")
    report = dict(model=args.model_file, data=args.data, split=args.split, n=args.n,
                  real_images=len(real), seed=args.seed, inception_weights=str(weights),
                  seconds=round(seconds, 1),
                  scores={k: _json_number(v) for k, v in scores.items()})
    _write_json(output, report)
    print(f"wrote {output}")
    return 0


# ---------------------------------------------------------------------------- stylize
STYLIZE_OUTPUTS = (".png", ".jpg", ".jpeg")


def _float(text, positive):
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (math.isfinite(value) and (value > 0 if positive else value >= 0)):
        kind = "positive" if positive else "non-negative"
        raise argparse.ArgumentTypeError(f"expected a {kind} number, got {text!r}")
    return value


def non_negative_float(text):
    """argparse type: a finite float >= 0."""
    return _float(text, positive=False)


def positive_float(text):
    """argparse type: a finite float > 0."""
    return _float(text, positive=True)


def weights_argument(text, network):
    """The weights of an `imagenet|none|FILE` option (`keras-gan stylize --weights`,
    `keras-gan evaluate --weights`): None for "none" (any case), "imagenet", or the path
    of an existing file; a CLIError "`network` weights file not found: ..." otherwise."""
    weights = None if text.lower() == "none" else text
    if weights not in (None, "imagenet") and not os.path.isfile(weights):
        raise CLIError(f"{network} weights file not found: {weights}")
    return weights


def vgg_weights(text, prog, losses="the perceptual loss uses",
                effect="the results are not the paper's", option="--vgg-weights"):
    """The VGG19 weights of a script's `--vgg-weights imagenet|none|FILE` option, for the
    perceptual losses of Johnson et al. 2016, Ledig et al. 2017 and Wang et al. 2018.

    "imagenet" (any case) is loaded now, the real way (`keras.applications`, downloaded
    once into ~/.keras/models), so that an offline machine fails with a clear CLIError
    before any training, and returns "imagenet"; "none" prints a warning on stderr,
    "`prog`: warning: `option` none: `losses` a VGG19 with random weights ...; `effect`",
    and returns None; anything else must be an existing weights file, returned as given
    (else a CLIError "VGG19 weights file not found: ...")."""
    if text.lower() == "none":
        print(f"{prog}: warning: {option} none: {losses} a VGG19 with random weights (random "
              f"features), not the ImageNet VGG19 of the paper; {effect}", file=sys.stderr)
        return None
    if text.lower() != "imagenet":
        return weights_argument(text, "VGG19")
    import keras

    try:
        keras.applications.VGG19(include_top=False, weights="imagenet",
                                 input_shape=(None, None, 3))
    except Exception as e:  # a download failure is a bare Exception in Keras
        raise CLIError(
            f"cannot load the ImageNet VGG19 weights ({one_line(e, 240)}): "
            "keras.applications downloads them once into ~/.keras/models; offline, copy "
            f"vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5 there, pass {option} "
            f"FILE, or {option} none (random features: a smoke test)") from e
    return "imagenet"


def describe_vgg_weights(weights):
    """Words for a `vgg_weights` result, for reports: "ImageNet VGG19", "random VGG19
    features" (None) or "VGG19 weights FILE"."""
    return {"imagenet": "ImageNet VGG19", None: "random VGG19 features"}.get(
        weights, f"VGG19 weights {weights}")


def data_path(*parts, folder=False):
    """`$KERAS_GAN_DATA/<parts...>` when that file (a folder with `folder=True`) exists,
    else None: the default of a script's data option on an offline copy of the data."""
    root = os.environ.get("KERAS_GAN_DATA")
    path = os.path.join(root, *parts) if root else None
    exists = os.path.isdir if folder else os.path.isfile
    return path if path and exists(path) else None


def add_image_data_arguments(parser, data_help):
    """Adds the data options of the image GAN scripts (applications/train_conditional.py,
    train_infogan.py): `--data` (default "shapes"; `data_help` says what it takes),
    `--data-dir`, `--image-size` and `--shapes-count`, the arguments of
    `keras_gan.recipes.image_data` (`check_data_dir` checks the folder)."""
    from keras_gan.recipes import SHAPES_EPOCH

    parser.add_argument("--data", default="shapes", help=data_help)
    parser.add_argument("--data-dir", default=None,
                        help="where the named datasets' files are (offline copies; default: "
                             "the environment variable KERAS_GAN_DATA)")
    parser.add_argument("--image-size", type=int, default=None,
                        help="side of the training images (default: the dataset's)")
    parser.add_argument("--shapes-count", type=int, default=SHAPES_EPOCH,
                        help="images of the embedded shapes dataset (one epoch)")


def add_image_training_arguments(parser):
    """Adds `--filters` (the networks' width, `keras_gan.recipes.image_model`),
    `--epochs`, `--steps-per-epoch` and `--batch-size`: the training options of the
    image GAN scripts."""
    parser.add_argument("--filters", type=int, default=64, help="width of the networks")
    parser.add_argument("--epochs", type=int, default=5, help="training epochs")
    parser.add_argument("--steps-per-epoch", type=int, default=None,
                        help="training steps per epoch (default: one pass over the data)")
    parser.add_argument("--batch-size", type=int, default=64, help="images per training step")


def check_positive(args, names):
    """Rejects (CLIError "--NAME must be >= 1") the first integer option of `names` (argparse
    destinations, e.g. "batch_size") below 1."""
    for name in names:
        if getattr(args, name) < 1:
            raise CLIError(f"--{name.replace('_', '-')} must be >= 1")


def check_data_dir(args):
    """Rejects (CLIError) a `--data-dir` that is not a folder."""
    if args.data_dir is not None and not os.path.isdir(args.data_dir):
        raise CLIError(f"--data-dir is not a folder: {args.data_dir}")


def add_sr_training_arguments(parser, crop, blocks, blocks_help, filters_help, growth=False):
    """Adds the options shared by the two-stage SR training scripts
    (applications/train_srgan.py, Ledig et al. 2017; train_esrgan.py, Wang et al. 2018):
    data folders, scale, crops, network sizes, steps of both stages, `--vgg-weights`,
    evaluation, seed and verbosity. `crop`, `blocks`: the paper's defaults; `blocks_help`,
    `filters_help`: what a block and the filters are; `growth`: add ESRGAN's `--growth`.
    `check_sr_training_arguments` checks them."""
    parser.add_argument("--data", default=data_path("sr", "BSD68", folder=True),
                        help="folder of high-resolution training images, any depth (default: "
                             "$KERAS_GAN_DATA/sr/BSD68)")
    parser.add_argument("--eval-data", default=data_path("sr", "Set5", folder=True),
                        help="folder of high-resolution test images scored at the end, or "
                             "'none' (default: $KERAS_GAN_DATA/sr/Set5 when present)")
    parser.add_argument("--scale", type=int, choices=(2, 4, 8), default=4,
                        help="upscaling factor (default 4, the paper's)")
    parser.add_argument("--crop-size", type=int, default=crop,
                        help=f"side of the random HR training crops, a multiple of --scale "
                             f"(default {crop}, the paper's)")
    parser.add_argument("--batch-size", type=int, default=16,
                        help="crops per step (default 16, the paper's)")
    parser.add_argument("--blocks", type=int, default=blocks,
                        help=f"{blocks_help} of the generator (default {blocks}, the paper's)")
    parser.add_argument("--filters", type=int, default=64,
                        help=f"channels of the generator{filters_help} (default 64)")
    if growth:
        parser.add_argument("--growth", type=int, default=32,
                            help="channels each dense-block convolution adds (default 32)")
    parser.add_argument("--discriminator-filters", type=int, default=64,
                        help="channels of the discriminator's first convolution (default 64)")
    parser.add_argument("--psnr-steps", type=int, default=1000,
                        help="updates of the first, pixel-loss stage")
    parser.add_argument("--gan-steps", type=int, default=1000,
                        help="updates of the second, GAN stage")
    parser.add_argument("--steps-per-epoch", type=int, default=100,
                        help="updates per logged epoch (history CSV rows)")
    parser.add_argument("--vgg-weights", default="imagenet",
                        help="VGG19 of the perceptual loss: imagenet (default, the paper's; "
                             "downloaded by keras.applications), none (random features: "
                             "smoke tests only) or a weights file of VGG19(include_top=False)")
    parser.add_argument("--eval-tile", type=int, default=0,
                        help="evaluate in LR windows of this side (bounded memory); 0: whole "
                             "images, as the papers (default)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the weights and of the crops")
    parser.add_argument("--verbose", type=int, choices=(0, 1, 2), default=2,
                        help="Keras verbosity (default 2: one line per epoch)")


def check_sr_training_arguments(args, prog):
    """Rejects bad `add_sr_training_arguments` options before anything is built (a
    CLIError), sets `args.eval_data` to None for "none", and returns the VGG19 weights
    (`vgg_weights`; `prog` names the script in the warning of "none")."""
    if args.data is None:
        raise CLIError("--data is required (a folder of HR images) when KERAS_GAN_DATA "
                       "does not hold sr/BSD68")
    if not os.path.isdir(args.data):
        raise CLIError(f"--data must be a folder of HR images; no such folder: {args.data}")
    if args.eval_data is not None and args.eval_data.lower() == "none":
        args.eval_data = None
    if args.eval_data is not None and not os.path.isdir(args.eval_data):
        raise CLIError(f"--eval-data: no such folder: {args.eval_data}")
    for flag in ("crop_size", "batch_size", "blocks", "filters", "growth", "discriminator_filters",
                 "psnr_steps", "gan_steps", "steps_per_epoch"):
        if getattr(args, flag, 1) < 1:
            raise CLIError(f"--{flag.replace('_', '-')} must be a positive integer")
    if args.crop_size % args.scale:
        raise CLIError(f"--crop-size {args.crop_size} must be a multiple of --scale "
                       f"{args.scale}")
    if args.eval_tile < 0:
        raise CLIError("--eval-tile must be >= 0")
    return vgg_weights(args.vgg_weights, prog,
                       effect="the GAN stage then shows the mechanics, not the paper's results")


def _add_stylize_parser(sub):
    stylize = sub.add_parser("stylize", help="neural style transfer (Gatys et al. 2016): "
                                             "paint a content image in the style of another")
    stylize.add_argument("content", help="content image file (a photo)")
    stylize.add_argument("style", help="style image file (a painting)")
    stylize.add_argument("-o", "--output", required=True,
                         help="output image, .png or .jpg; with --save-every, intermediate "
                              "images go next to it as NAME_step0100.png")
    stylize.add_argument("--size", type=positive_int, default=512,
                         help="longer side of the content image, which is resized keeping its "
                              "aspect ratio; the style image's longer side is resized to the "
                              "same (default 512)")
    stylize.add_argument("--steps", type=positive_int, default=500,
                         help="optimizer steps (default 500)")
    stylize.add_argument("--content-weight", type=non_negative_float, default=None,
                         help="weight of the content loss (default: StyleTransfer's, 5)")
    stylize.add_argument("--style-weight", type=non_negative_float, default=None,
                         help="weight of the style loss (default: StyleTransfer's, 0.5)")
    stylize.add_argument("--tv-weight", type=non_negative_float, default=None,
                         help="weight of the total variation loss (default: StyleTransfer's, "
                              "5e-4)")
    stylize.add_argument("--lr", type=positive_float, default=None,
                         help="Adam learning rate, pixels on the 0..255 scale (default 10)")
    stylize.add_argument("--init", choices=("content", "noise"), default="content",
                         help="start from the content image (default) or from white noise")
    stylize.add_argument("--weights", default="imagenet",
                         help="VGG19 weights: imagenet (default), none (random: for smoke "
                              "tests), or a weights file")
    stylize.add_argument("--save-every", type=positive_int, default=None,
                         help="also write the image every K steps")
    stylize.add_argument("--seed", type=int, default=0, help="seed of the noise image")


def probe_image(path, what):
    """Checks that `path` is an image pillow can decode; returns its upright (width, height)."""
    if not os.path.isfile(path):
        raise CLIError(f"{what} image not found: {path}")
    from PIL import Image, ImageOps

    try:
        with Image.open(path) as image:
            image.load()
            return ImageOps.exif_transpose(image).size
    except Exception as e:  # pillow reports damaged files with many exception types
        raise CLIError(f"cannot read {what} image {path}: {one_line(e)}") from e


def read_resized(path, what, width, height, size):
    """The image as uint8 RGB (H, W, 3), its longer side resized to `size`."""
    from keras_gan.datasets.images import _decode_image

    scale = size / max(width, height)
    shape = (max(1, round(height * scale)), max(1, round(width * scale)))
    try:
        return _decode_image(path, shape, "resize", 3)
    except Exception as e:
        raise CLIError(f"cannot read {what} image {path}: {one_line(e)}") from e


def save_image(array, path):
    """Writes a uint8 image in the format its file extension names."""
    from PIL import Image

    image_format = Image.registered_extensions().get(os.path.splitext(path)[1].lower())
    try:
        _write_output(path, lambda f: Image.fromarray(array).save(f, format=image_format))
    except ValueError as e:
        raise CLIError(f"cannot write {path}: {one_line(e)}") from e


def _write_json(path, report):
    _write_output(path, lambda f: f.write(json.dumps(report, indent=2).encode()))


def cmd_stylize(args):
    stem, ext = os.path.splitext(args.output)
    if ext.lower() not in STYLIZE_OUTPUTS:
        raise CLIError(f"output must end in {', '.join(STYLIZE_OUTPUTS)}: {args.output}")
    _output_file(args.output)
    weights = weights_argument(args.weights, "VGG19")
    content_size = probe_image(args.content, "content")
    style_size = probe_image(args.style, "style")
    content = read_resized(args.content, "content", *content_size, args.size)
    style = read_resized(args.style, "style", *style_size, args.size)

    import keras

    from keras_gan.models import StyleTransfer

    loss_weights = {k: getattr(args, k) for k in ("content_weight", "style_weight", "tv_weight")
                    if getattr(args, k) is not None}
    try:
        model = StyleTransfer(content, style, init=args.init, weights=weights, seed=args.seed,
                              **loss_weights)
    except (ValueError, FileNotFoundError) as e:
        raise CLIError(one_line(e)) from e
    if args.lr is not None:
        model.compile(optimizer=keras.optimizers.Adam(args.lr))
    else:
        model.compile()
    folder = os.path.dirname(os.path.abspath(args.output))
    os.makedirs(folder, exist_ok=True)
    digits = max(4, len(str(args.steps)))
    chunk = args.save_every or min(args.steps, 100)
    start = time.perf_counter()
    done = 0
    while done < args.steps:
        steps = min(chunk, args.steps - done)
        logs = model.fit(epochs=1, steps_per_epoch=steps, verbose=0).history
        done += steps
        print(f"step {done}/{args.steps}: loss {logs['loss'][-1]:.4g} (content "
              f"{logs['content_loss'][-1]:.4g}, style {logs['style_loss'][-1]:.4g}, tv "
              f"{logs['tv_loss'][-1]:.4g}; mean of the last {steps} step{'s' * (steps > 1)})",
              flush=True)
        if args.save_every and done % args.save_every == 0:
            save_image(model.image(), f"{stem}_step{done:0{digits}d}{ext}")
    image = model.image()
    save_image(image, args.output)
    seconds = time.perf_counter() - start
    print(f"wrote {args.output} ({image.shape[1]}x{image.shape[0]}) after {args.steps} steps "
          f"in {seconds:.0f} s")
    return 0


# ------------------------------------------------------------------- super-resolution
SR_IMAGE_OUTPUTS = (".png", ".jpg", ".jpeg", ".webp", ".bmp")


def _non_negative_int(text):
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return value


def _add_range_arguments(parser):
    parser.add_argument("--input-range", nargs=2, type=float, default=None,
                        metavar=("LOW", "HIGH"),
                        help="value range of a bare generator's input (default 0 1); a "
                             "saved SR model has its own")
    parser.add_argument("--output-range", nargs=2, type=float, default=None,
                        metavar=("LOW", "HIGH"),
                        help="value range of a bare generator's output (default -1 1, "
                             "tanh; 0 1 for ESRGAN's RRDBNet)")


def add_upscale_arguments(parser):
    """Adds the arguments of `keras-gan upscale` (model file, input image or folder,
    `-o`, `--tile`, `--overlap`, `--input-range`, `--output-range`), which `cmd_upscale`
    reads; applications/super_resolve.py adds its scoring options to the same set."""
    parser.add_argument("model_file", help=".keras file: an SR model (SRGAN, ESRGAN) or a "
                                           "bare image-to-image generator")
    parser.add_argument("input", help="an image file, or a folder of images (any depth)")
    parser.add_argument("-o", "--output", required=True,
                        help=f"for an image: the output image ({', '.join(SR_IMAGE_OUTPUTS)}) "
                             "or an existing folder; for a folder: the output folder, "
                             "PNGs with the inputs' names")
    parser.add_argument("--tile", type=_non_negative_int, default=256,
                        help="side of the low-resolution windows images are processed in, "
                             "which bounds the memory (default 256; 0: whole images)")
    parser.add_argument("--overlap", type=_non_negative_int, default=16,
                        help="low-resolution pixels of context around each window's kept "
                             "centre (default 16)")
    _add_range_arguments(parser)


def _add_sr_parsers(sub):
    add_upscale_arguments(sub.add_parser(
        "upscale", help="super-resolve an image or a folder of images with a saved SR model "
                        "or generator"))

    evaluate = sub.add_parser("evaluate-sr", help="PSNR / SSIM of a saved SR model on a "
                                                  "folder of HR test images (Set5, Set14, "
                                                  "...), the papers' protocol")
    evaluate.add_argument("model_file", help=".keras file: an SR model or a bare generator")
    evaluate.add_argument("--data", required=True,
                          help="folder of high-resolution test images; LR = bicubic "
                               "(MATLAB imresize) downscaling")
    evaluate.add_argument("--scale", type=positive_int, default=None,
                          help="the SR factor (default: the model's); checked against the "
                               "generator")
    evaluate.add_argument("--tile", type=_non_negative_int, default=0,
                          help="process images in windows of this many LR pixels (default "
                               "0: whole images, as the papers)")
    evaluate.add_argument("--overlap", type=_non_negative_int, default=16)
    _add_range_arguments(evaluate)
    evaluate.add_argument("-o", "--output", default=None,
                          help="JSON file of the scores (default: MODEL.sr_scores.json)")


def _load_sr_model(args):
    """The saved model (an SR model or a bare generator), checked to be image-to-image
    and compatible with --input-range / --output-range."""
    path = args.model_file
    if not os.path.isfile(path):
        raise CLIError(f"model file not found: {path}")
    if not zipfile.is_zipfile(path):
        raise CLIError(f"not a .keras model file (corrupt or wrong format): {path}")
    import keras

    import keras_gan  # noqa: F401  (registers the classes)
    from keras_gan import super_resolution
    from keras_gan.export import value_range

    for flag in ("input_range", "output_range"):
        if getattr(args, flag) is not None:
            try:
                value_range(getattr(args, flag), flag)
            except ValueError as e:
                raise CLIError(f"--{flag.replace('_', '-')}: {one_line(e)}") from e

    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as e:  # a damaged archive fails in many ways inside Keras
        raise CLIError(f"cannot load model file {path}: {one_line(e)}") from e
    try:
        super_resolution.resolve_sr_model(model, args.input_range, args.output_range)
    except (TypeError, ValueError) as e:
        if hasattr(model, "lr_range"):  # an SR model with conflicting ranges
            raise CLIError(f"{path}: {one_line(e)}") from e
        raise CLIError(f"{path} holds a {type(model).__name__}, not a super-resolution "
                       f"(image-to-image) model: {one_line(e)}") from e
    return model


def _read_image(path, channels):
    """An input image as uint8 `(H, W, channels)` at its own size."""
    from keras_gan.datasets.images import _decode_image

    width, height = probe_image(path, "input")
    try:
        return _decode_image(path, (height, width), "resize", channels)
    except Exception as e:
        raise CLIError(f"cannot read input image {path}: {one_line(e)}") from e


def _upscale_file(model, args, source, target):
    from keras_gan import super_resolution
    from keras_gan.export import image_model_channels

    generator = super_resolution.resolve_sr_model(model, args.input_range,
                                                  args.output_range)[0]
    image = _read_image(source, image_model_channels(generator)[0])
    try:
        result = super_resolution.upscale(model, image, input_range=args.input_range,
                                          output_range=args.output_range,
                                          tile=args.tile or None, overlap=args.overlap)
    except (TypeError, ValueError) as e:
        raise CLIError(f"cannot upscale {source}: {one_line(e)}") from e
    if result.shape[-1] == 1:
        result = result[..., 0]
    save_image(result, target)
    return image.shape, result.shape


def _output_folder(path):
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as e:
        raise CLIError(f"cannot create output folder {path}: {one_line(e)}") from e


def cmd_upscale(args):
    if args.tile and args.tile <= 2 * args.overlap:
        raise CLIError(f"--tile {args.tile} must be larger than twice --overlap "
                       f"{args.overlap} (0 turns tiling off)")
    if os.path.isdir(args.input):
        return _upscale_folder(args)
    if not os.path.isfile(args.input):
        raise CLIError(f"input image or folder not found: {args.input}")
    target = args.output
    if os.path.isdir(target):
        target = os.path.join(target, os.path.splitext(os.path.basename(args.input))[0] + ".png")
    elif os.path.splitext(target)[1].lower() not in SR_IMAGE_OUTPUTS:
        raise CLIError(f"output must end in {', '.join(SR_IMAGE_OUTPUTS)} (or be a folder): "
                       f"{args.output}")
    probe_image(args.input, "input")
    model = _load_sr_model(args)
    folder = os.path.dirname(os.path.abspath(target))
    _output_folder(folder)
    start = time.perf_counter()
    before, after = _upscale_file(model, args, args.input, target)
    print(f"wrote {target} ({after[1]}x{after[0]} from {before[1]}x{before[0]}) in "
          f"{time.perf_counter() - start:.1f} s")
    return 0


def _upscale_folder(args):
    from keras_gan.datasets.images import _list_images

    paths = _list_images(args.input, labels=False)[0]
    if not paths:
        raise CLIError(f"no images in {args.input} (looked for .png, .jpg, .jpeg, .webp, .bmp)")
    if os.path.isfile(args.output):
        raise CLIError(f"output for a folder must be a folder; {args.output} is a file")
    if os.path.exists(args.output) and os.path.samefile(args.output, args.input):
        raise CLIError("the output folder must differ from the input folder (the PNGs would "
                       "replace the inputs)")
    targets = {}
    for path in paths:
        stem = os.path.splitext(os.path.relpath(path, args.input))[0]
        target = os.path.join(args.output, stem + ".png")
        if target in targets:
            raise CLIError(f"{os.path.relpath(targets[target], args.input)} and "
                           f"{os.path.relpath(path, args.input)} would both be written to "
                           f"{target}")
        targets[target] = path
    model = _load_sr_model(args)
    _output_folder(args.output)
    start = time.perf_counter()
    skipped = []
    for target, source in targets.items():
        try:
            probe_image(source, "input")
        except CLIError:
            skipped.append(os.path.relpath(source, args.input))
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        before, after = _upscale_file(model, args, source, target)
        print(f"wrote {target} ({after[1]}x{after[0]} from {before[1]}x{before[0]})",
              flush=True)
    written = len(targets) - len(skipped)
    if skipped:
        names = ", ".join(skipped[:5]) + (f", and {len(skipped) - 5} more"
                                          if len(skipped) > 5 else "")
        print(f"keras-gan: warning: skipped {len(skipped)} of {len(targets)} files that are "
              f"not readable images: {names}", file=sys.stderr)
    if not written:
        raise CLIError(f"none of the {len(targets)} image files in {args.input} is readable")
    print(f"upscaled {written} images into {args.output} in "
          f"{time.perf_counter() - start:.1f} s")
    return 0


def cmd_evaluate_sr(args):
    import warnings

    if not os.path.isdir(args.data):
        raise CLIError(f"--data must be a folder of high-resolution images; no such folder: "
                       f"{args.data}")
    if args.tile and args.tile <= 2 * args.overlap:
        raise CLIError(f"--tile {args.tile} must be larger than twice --overlap "
                       f"{args.overlap} (0 turns tiling off)")
    output = _output_file(args.output or os.path.splitext(args.model_file)[0]
                          + ".sr_scores.json")
    model = _load_sr_model(args)
    import keras

    from keras_gan import super_resolution

    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = super_resolution.evaluate_sr(
                model, args.data, scale=args.scale, input_range=args.input_range,
                output_range=args.output_range, tile=args.tile or None, overlap=args.overlap)
        except (ValueError, TypeError, OSError) as e:
            raise CLIError(one_line(e)) from e
    for warning in caught:
        if str(warning.message).startswith("Skipped"):
            print(f"keras-gan: warning: {warning.message}", file=sys.stderr)
    seconds = time.perf_counter() - start
    rows = result["images"]
    width = max(len("mean"), max(len(r["name"]) + 7 * r["grey"] for r in rows))
    print(f"{'image':<{width}}  PSNR-Y (dB)  SSIM-Y")
    for r in rows:
        name = r["name"] + (" (grey)" if r["grey"] else "")
        print(f"{name:<{width}}  {r['psnr']:11.3f}  {r['ssim']:.4f}")
    print(f"{'mean':<{width}}  {result['psnr']:11.3f}  {result['ssim']:.4f}")
    report = dict(model=args.model_file, data=args.data, scale=result["scale"],
                  images=len(rows), skipped=result["skipped"], tile=args.tile or None,
                  backend=keras.backend.backend(), seconds=round(seconds, 1),
                  psnr=_json_number(result["psnr"]), ssim=_json_number(result["ssim"]),
                  per_image=[dict(name=r["name"], psnr=_json_number(r["psnr"]),
                                  ssim=_json_number(r["ssim"]), grey=r["grey"],
                                  hr=list(r["hr"]), lr=list(r["lr"])) for r in rows])
    _write_json(output, report)
    print(f"x{result['scale']} on {len(rows)} images of {args.data}: PSNR-Y "
          f"{result['psnr']:.3f} dB, SSIM-Y {result['ssim']:.4f}; wrote {output}")
    return 0


COMMANDS = {"train": cmd_train, "sample": cmd_sample, "export": cmd_export,
            "evaluate": cmd_evaluate, "stylize": cmd_stylize, "upscale": cmd_upscale,
            "evaluate-sr": cmd_evaluate_sr}


def run_script(function, argv=None, prog="keras-gan"):
    """Runs `function(argv)` as a command-line program and returns its exit code.

    A `CLIError` or any other exception becomes one line on stderr (`<prog>: error: ...`)
    and exit code 2 instead of a traceback (`KERAS_GAN_DEBUG=1` re-raises); Ctrl-C is 130.
    The scripts of `applications/` end with `sys.exit(cli.run_script(main, prog=...))`.
    """
    try:
        return function(argv)
    except CLIError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except Exception as e:
        if os.environ.get("KERAS_GAN_DEBUG"):
            raise
        print(f"{prog}: error: {type(e).__name__}: {one_line(e)}", file=sys.stderr)
        return EXIT_USAGE


def _main(argv):
    args = build_parser().parse_args(argv)
    return COMMANDS[args.command](args)


def main(argv=None):
    return run_script(_main, argv)


if __name__ == "__main__":
    sys.exit(main())
