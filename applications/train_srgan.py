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
import math
import os
import sys
import time

import keras

from keras_gan import cli, networks
from keras_gan.datasets import imresize, sr_pairs
from keras_gan.models import SRGAN
from keras_gan.super_resolution import evaluate_image, evaluate_sr, read_hr_image

PROG = "train_srgan.py"


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
                        help=f"residual blocks of the generator (default {blocks}, the paper's)")
    parser.add_argument("--filters", type=int, default=64,
                        help="channels of the generator (default 64)")
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
    for flag in ("crop_size", "batch_size", "blocks", "filters", "discriminator_filters",
                 "psnr_steps", "gan_steps", "steps_per_epoch"):
        if getattr(args, flag) < 1:
            raise cli.CLIError(f"--{flag.replace('_', '-')} must be a positive integer")
    if args.crop_size % args.scale:
        raise cli.CLIError(f"--crop-size {args.crop_size} must be a multiple of --scale "
                           f"{args.scale}")
    if args.eval_tile < 0:
        raise cli.CLIError("--eval-tile must be >= 0")
    return vgg_weights(args.vgg_weights)


def main(argv=None):
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    add_common_arguments(parser, crop=96, blocks=16)
    parser.add_argument("--learning-rate", type=float, default=1e-4,
                        help="Adam rate of SRResNet and of the first half of the GAN stage; "
                             "the second half uses a tenth of it (default 1e-4, the paper's)")
    parser.add_argument("--out", default="runs/srgan", help="output folder")
    args = parser.parse_args(argv)
    weights = check_common_arguments(args)
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
    psnr_seconds, psnr_logs = train(srresnet, data, args.psnr_steps, args.steps_per_epoch,
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
    print(f"stage 2: SRGAN from SRResNet, VGG54 ({describe(weights)}) + 1e-3 adversarial, "
          f"{args.gan_steps} steps", flush=True)
    gan_seconds, gan_logs = train(srgan, data, args.gan_steps, args.steps_per_epoch,
                                  os.path.join(args.out, "history_srgan.csv"), args.verbose)
    srgan.save(os.path.join(args.out, "srgan.keras"))

    report = {
        "model": "SRGAN (Ledig et al. 2017)", "backend": keras.backend.backend(),
        "data": args.data, "scale": args.scale, "crop_size": args.crop_size,
        "batch_size": args.batch_size, "blocks": args.blocks, "filters": args.filters,
        "discriminator_filters": args.discriminator_filters,
        "vgg_weights": describe(weights), "learning_rate": args.learning_rate, "seed": args.seed,
        "stages": {"srresnet": {"steps": args.psnr_steps, "seconds": round(psnr_seconds, 1),
                                "last_epoch": psnr_logs},
                   "srgan": {"steps": args.gan_steps, "seconds": round(gan_seconds, 1),
                             "last_epoch": gan_logs}},
    }
    if args.eval_data is not None:
        report["eval_data"] = args.eval_data
        report["scores"] = evaluate({"srresnet": srresnet, "srgan": srgan}, args.eval_data,
                                    args.scale, args.eval_tile)
    with open(os.path.join(args.out, "scores.json"), "w") as f:
        json.dump(report, f, indent=2)
    print(f"wrote srresnet.keras, srgan.keras, history_srresnet.csv, history_srgan.csv, "
          f"scores.json to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(cli.run_script(main, prog=PROG))
