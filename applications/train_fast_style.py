"""Train a feed-forward style transfer network (Johnson, Alahi & Fei-Fei 2016) on a folder
of content photos and one style image, save it, and stylise images with it.

    python applications/train_fast_style.py --data photos/ \
        --style ../shared/data/style/starry_night.jpg --image-size 256 --steps 4000 \
        --stylize ../shared/data/style/tubingen.jpg --out runs/fast_starry

Johnson et al. 2016 ("Perceptual Losses for Real-Time Style Transfer and
Super-Resolution") replace the per-image optimisation of Gatys et al. 2016 by an image
transformation network (a residual network with instance normalisation,
`keras_gan.networks.transformer_net`) trained once per style: on each batch of content
photos `x`, the output `y = T(x)` pays a feature reconstruction loss against `x`
(VGG19 `block2_conv2`, the paper's relu2_2) and a style reconstruction loss against
the Gram matrices of the style image (relu1_2, relu2_2, relu3_3, relu4_3), plus total
variation. Afterwards one forward pass stylises any photo of any size. This is
`keras_gan.models.FastStyleTransfer` trained with `fit`; the defaults are the authors'
code's weights (content 1, style 5, tv 2e-6 for the batch mean) and Adam(1e-3). The
paper trained 40,000 steps of batch 4 on the 80k COCO photos at 256x256.

The losses need the ImageNet VGG19 (`--vgg-weights imagenet`, loaded by
`keras.applications`, downloaded once into ~/.keras/models); with `--vgg-weights none`
its weights are random, the network trains but does not learn a style (smoke tests
only).

Writes into --out: model.keras (the whole model, to resume training), transformer.keras
(the network alone, for inference), history.csv and stylized/<name>.png for each
--stylize image.
"""

import argparse
import os
import sys

import keras

from keras_gan import cli, datasets
from keras_gan.models import FastStyleTransfer
from keras_gan.networks import transformer_net
from keras_gan.recipes import fit_steps

PROG = "train_fast_style.py"


def read_image(path, what, size):
    """uint8 RGB `(H, W, 3)`, the longer side resized to `size` (0: its own size)."""
    width, height = cli.probe_image(path, what)
    return cli.read_resized(path, what, width, height, size or max(width, height))


def main(argv=None):
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--data", required=True,
                        help="folder of content photos, any depth (the paper: MS-COCO)")
    parser.add_argument("--style", default=cli.data_path("style", "starry_night.jpg"),
                        help="style image file (default: $KERAS_GAN_DATA/style/"
                             "starry_night.jpg)")
    parser.add_argument("--image-size", type=cli.positive_int, default=256,
                        help="side of the square training images, centre-cropped and resized "
                             "(default 256, the paper's)")
    parser.add_argument("--style-size", type=cli.positive_int, default=256,
                        help="longer side of the style image (default 256, the authors' "
                             "code's)")
    parser.add_argument("--batch-size", type=cli.positive_int, default=4,
                        help="content photos per step (default 4, the paper's)")
    parser.add_argument("--steps", type=cli.positive_int, default=2000,
                        help="training steps (the paper: 40,000)")
    parser.add_argument("--steps-per-epoch", type=cli.positive_int, default=100,
                        help="steps per logged epoch (history.csv rows)")
    parser.add_argument("--learning-rate", type=cli.positive_float, default=1e-3,
                        help="Adam learning rate (default 1e-3, the paper's)")
    parser.add_argument("--content-weight", type=cli.non_negative_float, default=1.0,
                        help="weight of the feature reconstruction loss (default 1)")
    parser.add_argument("--style-weight", type=cli.non_negative_float, default=5.0,
                        help="weight of the style reconstruction loss (default 5)")
    parser.add_argument("--tv-weight", type=cli.non_negative_float, default=2e-6,
                        help="weight of the total variation loss (default 2e-6)")
    parser.add_argument("--filters", type=cli.positive_int, default=32,
                        help="channels of the transformer's first convolution (default 32, "
                             "the paper's)")
    parser.add_argument("--residual-blocks", type=cli.positive_int, default=5,
                        help="residual blocks of the transformer (default 5, the paper's)")
    parser.add_argument("--vgg-weights", default="imagenet",
                        help="VGG19 of the losses: imagenet (default, the paper's; downloaded "
                             "by keras.applications), none (random features: smoke tests "
                             "only) or a weights file of VGG19(include_top=False)")
    parser.add_argument("--stylize", nargs="*", default=None,
                        help="images to stylise with the trained network (default: "
                             "$KERAS_GAN_DATA/style/tubingen.jpg when present)")
    parser.add_argument("--stylize-size", type=int, default=512,
                        help="longer side the --stylize images are resized to (default 512; "
                             "0: their own size)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the weights and of the shuffling")
    parser.add_argument("--verbose", type=int, choices=(0, 1, 2), default=2,
                        help="Keras verbosity (default 2: one line per epoch)")
    parser.add_argument("--out", default="runs/fast_style", help="output folder")
    args = parser.parse_args(argv)

    if not os.path.isdir(args.data):
        raise cli.CLIError(f"--data must be a folder of content photos; no such folder: "
                           f"{args.data}")
    if args.style is None:
        raise cli.CLIError("give --style (KERAS_GAN_DATA holds no default style image)")
    if args.stylize is None:
        args.stylize = [p for p in (cli.data_path("style", "tubingen.jpg"),) if p]
    if args.stylize_size < 0:
        raise cli.CLIError("--stylize-size must be >= 0")
    style = read_image(args.style, "style", args.style_size)
    for path in args.stylize:
        cli.probe_image(path, "--stylize")
    weights = cli.vgg_weights(args.vgg_weights, PROG, losses="the content and style losses use",
                              effect="the network trains but does not learn the style")
    os.makedirs(args.out, exist_ok=True)
    keras.utils.set_random_seed(args.seed)

    # Content photos in [0, 1], the range of the default transformer's sigmoid output
    photos = datasets.image_folder(args.data, args.image_size, batch_size=None, labels=False,
                                   seed=args.seed)
    count = len(photos.file_paths)
    data = (photos.map(lambda x: (x + 1.0) * 0.5).repeat()
            .batch(args.batch_size, drop_remainder=True).prefetch(2))
    model = FastStyleTransfer(
        style, transformer=transformer_net(filters=args.filters,
                                           residual_blocks=args.residual_blocks),
        content_weight=args.content_weight, style_weight=args.style_weight,
        tv_weight=args.tv_weight, weights=weights)
    model.compile(optimizer=keras.optimizers.Adam(args.learning_rate))
    print(f"training the transformer ({model.transformer.count_params():,} parameters) on "
          f"{count} photos of {args.data} at {args.image_size}x{args.image_size}, style "
          f"{args.style} ({style.shape[1]}x{style.shape[0]}), {args.steps} steps of "
          f"{args.batch_size}", flush=True)
    seconds, _ = fit_steps(model, data, args.steps, args.steps_per_epoch,
                           os.path.join(args.out, "history.csv"), args.verbose)
    print(f"trained {args.steps} steps in {seconds:.0f} s", flush=True)
    model.save(os.path.join(args.out, "model.keras"))
    model.transformer.save(os.path.join(args.out, "transformer.keras"))

    written = []
    for path in args.stylize:
        image = read_image(path, "--stylize", args.stylize_size)
        target = os.path.join(args.out, "stylized",
                              os.path.splitext(os.path.basename(path))[0] + ".png")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        cli.save_image(model.stylize(image), target)
        written.append(os.path.relpath(target, args.out))
        print(f"wrote {target} ({image.shape[1]}x{image.shape[0]})", flush=True)
    print(f"wrote {', '.join(['model.keras', 'transformer.keras', 'history.csv'] + written)} "
          f"to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(cli.run_script(main, prog=PROG))
