"""Train SRGAN (Ledig et al. 2017) in its two stages on a folder of high-resolution
images, then score bicubic, SRResNet and SRGAN on a test folder (PSNR / SSIM).

    KERAS_BACKEND=jax python applications/train_srgan.py \
        --data ../shared/data/sr/BSD68 --eval-data ../shared/data/sr/Set5 \
        --psnr-steps 2000 --gan-steps 1000 --blocks 8 --out runs/srgan

Ledig et al. 2017 ("Photo-Realistic Single Image Super-Resolution Using a Generative
Adversarial Network") train in two stages, and so does this script:

1. SRResNet: the generator alone with the pixel MSE (`SRGAN(stage="psnr")`), Adam(1e-4,
   beta_1=0.9) (the paper: 1e6 updates);
2. SRGAN, initialised from SRResNet (`SRGAN(pretrained=...)`): the VGG54 content loss
   (VGG19 `block5_conv4` features, rescaled by 1/12.75) plus 1e-3 times the adversarial
   loss, against the paper's discriminator; the rate is 1e-4 for the first half of the
   steps and 1e-5 for the second (the paper: 1e5 updates each).

The training pairs are random HR crops and their MATLAB-bicubic x4 LR
(`keras_gan.datasets.sr_pairs`); the test scores follow the papers' protocol
(`keras_gan.super_resolution.evaluate_sr`: PSNR / SSIM on Y, `scale` pixels shaved), as
`keras-gan evaluate-sr` does. The perceptual loss needs the ImageNet VGG19
(`--vgg-weights imagenet`, loaded by `keras.applications`, downloaded once into
~/.keras/models); `--vgg-weights none` runs with random VGG features, which trains
*something* but not the paper's loss: use it for smoke tests only.

Writes into --out: srresnet.keras, srgan.keras (both loadable by
applications/super_resolve.py and `keras-gan upscale`), history_srresnet.csv,
history_srgan.csv and scores.json (the run's settings and the test scores).
"""

import argparse
import json
import os
import sys

import keras

from keras_gan import cli, networks
from keras_gan.datasets import sr_pairs
from keras_gan.models import SRGAN
from keras_gan.recipes import fit_steps
from keras_gan.super_resolution import compare_sr

PROG = "train_srgan.py"


def main(argv=None):
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    cli.add_sr_training_arguments(parser, crop=96, blocks=16,
                                  blocks_help="residual blocks", filters_help="")
    parser.add_argument("--learning-rate", type=float, default=1e-4,
                        help="Adam rate of SRResNet and of the first half of the GAN stage; "
                             "the second half uses a tenth of it (default 1e-4, the paper's)")
    parser.add_argument("--out", default="runs/srgan", help="output folder")
    args = parser.parse_args(argv)
    weights = cli.check_sr_training_arguments(args, PROG)
    vgg = cli.describe_vgg_weights(weights)
    os.makedirs(args.out, exist_ok=True)
    keras.utils.set_random_seed(args.seed)

    # Stage 1: SRResNet, the pixel MSE alone
    data = sr_pairs(args.data, scale=args.scale, patch_size=args.crop_size,
                    batch_size=args.batch_size, seed=args.seed)
    srresnet = SRGAN(stage="psnr", scale=args.scale, blocks=args.blocks, filters=args.filters)
    srresnet.compile(generator_optimizer=keras.optimizers.Adam(args.learning_rate, beta_1=0.9))
    print(f"stage 1: SRResNet ({args.blocks} residual blocks, "
          f"{srresnet.generator.count_params():,} "
          f"parameters), {args.psnr_steps} steps of {args.batch_size} {args.crop_size}x"
          f"{args.crop_size} crops", flush=True)
    psnr_seconds, psnr_logs = fit_steps(srresnet, data, args.psnr_steps, args.steps_per_epoch,
                                        os.path.join(args.out, "history_srresnet.csv"),
                                        args.verbose)
    srresnet.save(os.path.join(args.out, "srresnet.keras"))

    # Stage 2: SRGAN from SRResNet: VGG54 + 1e-3 adversarial; 1e-4 then 1e-5
    half = args.gan_steps // 2
    rates = (keras.optimizers.schedules.PiecewiseConstantDecay(
        [half], [args.learning_rate, args.learning_rate / 10]) if half else args.learning_rate)
    data = sr_pairs(args.data, scale=args.scale, patch_size=args.crop_size,
                    batch_size=args.batch_size, seed=args.seed + 1)
    srgan = SRGAN(pretrained=srresnet, scale=args.scale, vgg_weights=weights,
                  discriminator=networks.srgan_discriminator(
                      (args.crop_size, args.crop_size, 3), filters=args.discriminator_filters))
    srgan.compile(generator_optimizer=keras.optimizers.Adam(rates, beta_1=0.9),
                  discriminator_optimizer=keras.optimizers.Adam(rates, beta_1=0.9))
    print(f"stage 2: SRGAN from SRResNet, VGG54 ({vgg}) + 1e-3 adversarial, "
          f"{args.gan_steps} steps", flush=True)
    gan_seconds, gan_logs = fit_steps(srgan, data, args.gan_steps, args.steps_per_epoch,
                                      os.path.join(args.out, "history_srgan.csv"), args.verbose)
    srgan.save(os.path.join(args.out, "srgan.keras"))

    report = {
        "model": "SRGAN (Ledig et al. 2017)", "backend": keras.backend.backend(),
        "data": args.data, "scale": args.scale, "crop_size": args.crop_size,
        "batch_size": args.batch_size, "blocks": args.blocks, "filters": args.filters,
        "discriminator_filters": args.discriminator_filters,
        "vgg_weights": vgg, "learning_rate": args.learning_rate, "seed": args.seed,
        "stages": {"srresnet": {"steps": args.psnr_steps, "seconds": round(psnr_seconds, 1),
                                "last_epoch": psnr_logs},
                   "srgan": {"steps": args.gan_steps, "seconds": round(gan_seconds, 1),
                             "last_epoch": gan_logs}},
    }
    if args.eval_data is not None:
        report["eval_data"] = args.eval_data
        report["scores"] = compare_sr({"srresnet": srresnet, "srgan": srgan}, args.eval_data,
                                      args.scale, tile=args.eval_tile or None)
    with open(os.path.join(args.out, "scores.json"), "w") as f:
        json.dump(report, f, indent=2)
    print(f"wrote srresnet.keras, srgan.keras, history_srresnet.csv, history_srgan.csv, "
          f"scores.json to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(cli.run_script(main, prog=PROG))
