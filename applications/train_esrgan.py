"""Train ESRGAN (Wang et al. 2018) in its two stages on a folder of high-resolution
images, blend the two by network interpolation, and score every model (PSNR / SSIM).

    KERAS_BACKEND=jax python applications/train_esrgan.py \
        --data ../shared/data/sr/BSD68 --eval-data ../shared/data/sr/Set5 \
        --psnr-steps 2000 --gan-steps 1000 --blocks 3 --alpha 0.2 0.5 0.8 --out runs/esrgan

Wang et al. 2018 ("ESRGAN: Enhanced Super-Resolution Generative Adversarial Networks")
train RRDBNet, a generator of residual-in-residual dense blocks without batch
normalisation, in two stages, and so does this script:

1. RRDB_PSNR: the generator alone with the L1 pixel loss (`ESRGAN(stage="psnr")`),
   Adam(2e-4, beta_1=0.9, beta_2=0.999), the rate halved after each fifth of the steps
   (the authors: every 2e5 of 1e6 updates);
2. ESRGAN, initialised from RRDB_PSNR (`ESRGAN(pretrained=...)`): the perceptual loss on
   VGG19 `block5_conv4` features *before* the ReLU (L1), plus 1e-2 L1 pixel loss and
   5e-3 times the relativistic average adversarial loss (RaGAN, Jolicoeur-Martineau
   2018) against the VGG-style discriminator; Adam(1e-4) for both networks, halved after
   1/8, 1/4, 1/2 and 3/4 of the steps (the authors: at 50k, 100k, 200k, 300k of 400k).

Then network interpolation (section 3.4, `keras_gan.models.interpolate_weights`): for
each `--alpha`, a generator with weights `(1 - alpha) * PSNR + alpha * GAN`, which trades
the PSNR model's smooth fidelity for the GAN's texture without retraining.

The training pairs are random HR crops and their MATLAB-bicubic x4 LR, both in [0, 1]
(`keras_gan.datasets.sr_pairs(..., hr_range=(0, 1))`); the test scores follow the papers'
protocol (`keras_gan.super_resolution.evaluate_sr`, as `keras-gan evaluate-sr`). The
perceptual loss needs the ImageNet VGG19 (`--vgg-weights imagenet`, loaded by
`keras.applications`, downloaded once into ~/.keras/models); `--vgg-weights none` runs
with random VGG features, which is not the paper's loss: smoke tests only.

Writes into --out: rrdb_psnr.keras, esrgan.keras, interp_<alpha>.keras (one per
--alpha; all loadable by applications/super_resolve.py and `keras-gan upscale`),
history_rrdb_psnr.csv, history_esrgan.csv and scores.json.
"""

import argparse
import json
import math
import os
import sys
import time

import keras

from keras_gan import cli, networks
from keras_gan.datasets import imresize, sr_pairs
from keras_gan.models import ESRGAN, SuperResolutionGAN, interpolate_weights
from keras_gan.super_resolution import evaluate_image, evaluate_sr, read_hr_image

PROG = "train_esrgan.py"


def default_folder(name):
    """`$KERAS_GAN_DATA/sr/<name>` when that folder exists, else None."""
    root = os.environ.get("KERAS_GAN_DATA")
    folder = os.path.join(root, "sr", name) if root else None
    return folder if folder and os.path.isdir(folder) else None


def vgg_weights(text):
    """The VGG19 weights of `--vgg-weights`: "imagenet" (loaded now, the real way, so
    that an offline machine fails before any training), None for "none" (with a
    warning), or an existing weights file."""
    if text.lower() == "none":
        print(f"{PROG}: warning: --vgg-weights none: the perceptual loss uses a VGG19 with "
              "random weights (random features), not the ImageNet VGG19 of the paper; the "
              "GAN stage then shows the mechanics, not SRGAN's results", file=sys.stderr)
        return None
    if text.lower() != "imagenet":
        if not os.path.isfile(text):
            raise cli.CLIError(f"VGG19 weights file not found: {text}")
        return text
    try:
        keras.applications.VGG19(include_top=False, weights="imagenet",
                                 input_shape=(None, None, 3))
    except Exception as e:  # a download failure is a bare Exception in Keras
        raise cli.CLIError(
            f"cannot load the ImageNet VGG19 weights ({cli.one_line(e, 240)}): "
            "keras.applications downloads them once into ~/.keras/models; offline, copy "
            "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5 there, pass --vgg-weights "
            "FILE, or --vgg-weights none (random features: a smoke test)") from e
    return "imagenet"


def train(model, data, steps, per_epoch, log_file, verbose):
    """`steps` updates of `model` on `data`, logged per `per_epoch` steps into `log_file`;
    returns (seconds, the last epoch's logs)."""
    per_epoch = min(per_epoch, steps)
    epochs, rest = divmod(steps, per_epoch)
    start = time.perf_counter()
    history = model.fit(data, epochs=epochs, steps_per_epoch=per_epoch, verbose=verbose,
                        callbacks=[keras.callbacks.CSVLogger(log_file)])
    if rest:  # the last, shorter epoch
        history = model.fit(data, initial_epoch=epochs, epochs=epochs + 1, steps_per_epoch=rest,
                            verbose=verbose,
                            callbacks=[keras.callbacks.CSVLogger(log_file, append=True)])
    logs = {k: number(v[-1]) for k, v in history.history.items()}
    return time.perf_counter() - start, logs


def halving_schedule(rate, steps, fractions):
    """`rate` halved after each fraction of `steps` (a float when none falls inside)."""
    boundaries = sorted({int(f * steps) for f in fractions} - {0})
    boundaries = [b for b in boundaries if b < steps]
    if not boundaries:
        return rate
    return keras.optimizers.schedules.PiecewiseConstantDecay(
        boundaries, [rate / 2 ** i for i in range(len(boundaries) + 1)])


def bicubic_scores(folder, scale):
    """The bicubic baseline on the test folder, with the same protocol."""
    from keras_gan.datasets.sr import image_files

    rows = []
    for path in image_files(folder):
        try:
            image, grey = read_hr_image(path)
        except Exception:  # noqa: BLE001 - unreadable files are skipped, as evaluate_sr does
            continue
        scores = evaluate_image(lambda lr: imresize(lr, scale), image, scale, grey=grey)
        rows.append(dict(name=os.path.splitext(os.path.relpath(path, folder))[0],
                         psnr=scores["psnr"], ssim=scores["ssim"]))
    return summary(rows)


def number(value):
    """A float for JSON: None for NaN / infinity."""
    return float(value) if math.isfinite(value) else None


def describe(weights):
    return {"imagenet": "ImageNet VGG19", None: "random VGG19 features"}.get(
        weights, f"VGG19 weights {weights}")


def summary(rows):
    return {"psnr": number(sum(r["psnr"] for r in rows) / len(rows)),
            "ssim": number(sum(r["ssim"] for r in rows) / len(rows)),
            "per_image": [{"name": r["name"], "psnr": number(r["psnr"]),
                           "ssim": number(r["ssim"])} for r in rows]}


def evaluate(models, folder, scale, tile):
    """{name: scores} of bicubic and each SR model on `folder`, printed as a table."""
    results = {"bicubic": bicubic_scores(folder, scale)}
    for name, model in models.items():
        results[name] = summary(evaluate_sr(model, folder, tile=tile or None)["images"])
    print(f"x{scale} on {len(results['bicubic']['per_image'])} images of {folder} "
          "(PSNR-Y dB / SSIM-Y, the papers' protocol):")
    for name, scores in results.items():
        print(f"  {name:<12} {scores['psnr']:7.3f}  {scores['ssim']:.4f}")
    return results


def add_common_arguments(parser, crop, blocks):
    parser.add_argument("--data", default=default_folder("BSD68"),
                        help="folder of high-resolution training images, any depth (default: "
                             "$KERAS_GAN_DATA/sr/BSD68)")
    parser.add_argument("--eval-data", default=default_folder("Set5"),
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
                        help=f"residual-in-residual dense blocks (RRDBs) of the generator "
                             f"(default {blocks}, the paper's)")
    parser.add_argument("--filters", type=int, default=64,
                        help="channels of the generator's trunk (default 64)")
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


def check_common_arguments(args):
    """Rejects bad arguments before anything is built; returns the VGG weights."""
    if args.data is None:
        raise cli.CLIError("--data is required (a folder of HR images) when KERAS_GAN_DATA "
                           "does not hold sr/BSD68")
    if not os.path.isdir(args.data):
        raise cli.CLIError(f"--data must be a folder of HR images; no such folder: {args.data}")
    if args.eval_data is not None and args.eval_data.lower() == "none":
        args.eval_data = None
    if args.eval_data is not None and not os.path.isdir(args.eval_data):
        raise cli.CLIError(f"--eval-data: no such folder: {args.eval_data}")
    for flag in ("crop_size", "batch_size", "blocks", "filters", "growth", "discriminator_filters",
                 "psnr_steps", "gan_steps", "steps_per_epoch"):
        if getattr(args, flag) < 1:
            raise cli.CLIError(f"--{flag.replace('_', '-')} must be a positive integer")
    if args.crop_size % args.scale:
        raise cli.CLIError(f"--crop-size {args.crop_size} must be a multiple of --scale "
                           f"{args.scale}")
    if args.eval_tile < 0:
        raise cli.CLIError("--eval-tile must be >= 0")
    return vgg_weights(args.vgg_weights)


def alpha_value(text):
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1], got {text!r}")
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    add_common_arguments(parser, crop=128, blocks=23)
    parser.add_argument("--alpha", type=alpha_value, nargs="+", default=[0.8],
                        help="interpolation weights of the GAN generator, each in [0, 1]: "
                             "one interpolated model per value (default 0.8)")
    parser.add_argument("--psnr-learning-rate", type=float, default=2e-4,
                        help="initial Adam rate of RRDB_PSNR, halved after each fifth of the "
                             "steps (default 2e-4, the paper's)")
    parser.add_argument("--gan-learning-rate", type=float, default=1e-4,
                        help="initial Adam rate of both GAN networks, halved after 1/8, 1/4, "
                             "1/2 and 3/4 of the steps (default 1e-4, the paper's)")
    parser.add_argument("--out", default="runs/esrgan", help="output folder")
    args = parser.parse_args(argv)
    weights = check_common_arguments(args)
    os.makedirs(args.out, exist_ok=True)
    keras.utils.set_random_seed(args.seed)
    hr_range = (0.0, 1.0)  # ESRGAN keeps LR, HR and the output in [0, 1]

    # Stage 1: RRDB_PSNR, the L1 pixel loss alone
    data = sr_pairs(args.data, scale=args.scale, patch_size=args.crop_size,
                    batch_size=args.batch_size, seed=args.seed, hr_range=hr_range)
    psnr = ESRGAN(stage="psnr", scale=args.scale, blocks=args.blocks, filters=args.filters,
                  growth=args.growth)
    rate = halving_schedule(args.psnr_learning_rate, args.psnr_steps, (0.2, 0.4, 0.6, 0.8))
    psnr.compile(generator_optimizer=keras.optimizers.Adam(rate, beta_1=0.9, beta_2=0.999))
    print(f"stage 1: RRDB_PSNR ({args.blocks} RRDBs, {psnr.generator.count_params():,} "
          f"parameters), L1, {args.psnr_steps} steps of {args.batch_size} {args.crop_size}x"
          f"{args.crop_size} crops", flush=True)
    psnr_seconds, psnr_logs = train(psnr, data, args.psnr_steps, args.steps_per_epoch,
                                    os.path.join(args.out, "history_rrdb_psnr.csv"),
                                    args.verbose)
    psnr.save(os.path.join(args.out, "rrdb_psnr.keras"))

    # Stage 2: ESRGAN from RRDB_PSNR: pre-ReLU VGG54 (L1) + 1e-2 L1 + 5e-3 RaGAN
    data = sr_pairs(args.data, scale=args.scale, patch_size=args.crop_size,
                    batch_size=args.batch_size, seed=args.seed + 1, hr_range=hr_range)
    gan = ESRGAN(pretrained=psnr, scale=args.scale, vgg_weights=weights,
                 discriminator=networks.esrgan_discriminator(
                     (args.crop_size, args.crop_size, 3), filters=args.discriminator_filters))
    rate = halving_schedule(args.gan_learning_rate, args.gan_steps, (0.125, 0.25, 0.5, 0.75))
    gan.compile(generator_optimizer=keras.optimizers.Adam(rate, beta_1=0.9, beta_2=0.999),
                discriminator_optimizer=keras.optimizers.Adam(rate, beta_1=0.9, beta_2=0.999))
    print(f"stage 2: ESRGAN from RRDB_PSNR, pre-activation VGG54 L1 ({describe(weights)}) + "
          f"1e-2 L1 + 5e-3 RaGAN, {args.gan_steps} steps", flush=True)
    gan_seconds, gan_logs = train(gan, data, args.gan_steps, args.steps_per_epoch,
                                  os.path.join(args.out, "history_esrgan.csv"), args.verbose)
    gan.save(os.path.join(args.out, "esrgan.keras"))

    # Network interpolation: (1 - alpha) * PSNR + alpha * GAN, saved as SR models
    models = {"rrdb_psnr": psnr, "esrgan": gan}
    files = ["rrdb_psnr.keras", "esrgan.keras"]
    for alpha in dict.fromkeys(args.alpha):
        name = f"interp_{alpha:g}"
        blend = SuperResolutionGAN(interpolate_weights(psnr, gan, alpha), scale=args.scale,
                                   lr_range=(0.0, 1.0), hr_range=hr_range, pixel_loss="l1")
        blend.save(os.path.join(args.out, name + ".keras"))
        models[name] = blend
        files.append(name + ".keras")
    print(f"network interpolation: {', '.join(files[2:])}", flush=True)

    report = {
        "model": "ESRGAN (Wang et al. 2018)", "backend": keras.backend.backend(),
        "data": args.data, "scale": args.scale, "crop_size": args.crop_size,
        "batch_size": args.batch_size, "blocks": args.blocks, "filters": args.filters,
        "growth": args.growth, "discriminator_filters": args.discriminator_filters,
        "vgg_weights": describe(weights), "alpha": sorted(set(args.alpha)),
        "psnr_learning_rate": args.psnr_learning_rate,
        "gan_learning_rate": args.gan_learning_rate, "seed": args.seed,
        "stages": {"rrdb_psnr": {"steps": args.psnr_steps, "seconds": round(psnr_seconds, 1),
                                 "last_epoch": psnr_logs},
                   "esrgan": {"steps": args.gan_steps, "seconds": round(gan_seconds, 1),
                              "last_epoch": gan_logs}},
    }
    if args.eval_data is not None:
        report["eval_data"] = args.eval_data
        report["scores"] = evaluate(models, args.eval_data, args.scale, args.eval_tile)
    with open(os.path.join(args.out, "scores.json"), "w") as f:
        json.dump(report, f, indent=2)
    print(f"wrote {', '.join(files)}, history_rrdb_psnr.csv, history_esrgan.csv, scores.json "
          f"to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(cli.run_script(main, prog=PROG))
