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
import os
import sys

import keras

from keras_gan import cli, networks
from keras_gan.datasets import sr_pairs
from keras_gan.models import ESRGAN, SuperResolutionGAN, interpolate_weights
from keras_gan.recipes import fit_steps
from keras_gan.super_resolution import compare_sr

PROG = "train_esrgan.py"


def halving_schedule(rate, steps, fractions):
    """`rate` halved after each fraction of `steps` (a float when none falls inside)."""
    boundaries = sorted({int(f * steps) for f in fractions} - {0})
    boundaries = [b for b in boundaries if b < steps]
    if not boundaries:
        return rate
    return keras.optimizers.schedules.PiecewiseConstantDecay(
        boundaries, [rate / 2 ** i for i in range(len(boundaries) + 1)])


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
    cli.add_sr_training_arguments(parser, crop=128, blocks=23,
                                  blocks_help="residual-in-residual dense blocks (RRDBs)",
                                  filters_help="'s trunk", growth=True)
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
    weights = cli.check_sr_training_arguments(args, PROG)
    vgg = cli.describe_vgg_weights(weights)
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
    psnr_seconds, psnr_logs = fit_steps(psnr, data, args.psnr_steps, args.steps_per_epoch,
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
    print(f"stage 2: ESRGAN from RRDB_PSNR, pre-activation VGG54 L1 ({vgg}) + "
          f"1e-2 L1 + 5e-3 RaGAN, {args.gan_steps} steps", flush=True)
    gan_seconds, gan_logs = fit_steps(gan, data, args.gan_steps, args.steps_per_epoch,
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
        "vgg_weights": vgg, "alpha": sorted(set(args.alpha)),
        "psnr_learning_rate": args.psnr_learning_rate,
        "gan_learning_rate": args.gan_learning_rate, "seed": args.seed,
        "stages": {"rrdb_psnr": {"steps": args.psnr_steps, "seconds": round(psnr_seconds, 1),
                                 "last_epoch": psnr_logs},
                   "esrgan": {"steps": args.gan_steps, "seconds": round(gan_seconds, 1),
                              "last_epoch": gan_logs}},
    }
    if args.eval_data is not None:
        report["eval_data"] = args.eval_data
        report["scores"] = compare_sr(models, args.eval_data, args.scale,
                                      tile=args.eval_tile or None)
    with open(os.path.join(args.out, "scores.json"), "w") as f:
        json.dump(report, f, indent=2)
    print(f"wrote {', '.join(files)}, history_rrdb_psnr.csv, history_esrgan.csv, scores.json "
          f"to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(cli.run_script(main, prog=PROG))
