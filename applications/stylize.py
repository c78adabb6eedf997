"""Neural style transfer (Gatys, Ecker & Bethge 2016): optimise an image so that its
VGG19 features match a content photo and its Gram matrices match a painting.

    python applications/stylize.py ../shared/data/style/tubingen.jpg \
        ../shared/data/style/starry_night.jpg -o tubingen_starry.png --size 384 \
        --steps 500 --save-every 100

Gatys et al. 2016 ("Image Style Transfer Using Convolutional Neural Networks") start
from an image and descend the gradient of

    content_weight * L_content + style_weight * L_style + tv_weight * L_tv

with respect to its pixels: `L_content` compares VGG19 `block4_conv2` features of the
image with those of the content photo, `L_style` compares the Gram matrices (feature
correlations) at `block1_conv1` ... `block5_conv1` with those of the style image, and
`L_tv` (a smoothness prior the paper does not use) penalises pixel noise. This is
`keras_gan.models.StyleTransfer` trained with `fit` (Adam on the 0..255 pixels; the
paper used L-BFGS), exactly what `keras-gan stylize` runs; see the class for the
weights' derivation.

The features must be those of the ImageNet VGG19 (`--vgg-weights imagenet`, loaded by
`keras.applications`, downloaded once into ~/.keras/models). With `--vgg-weights none`
the network has random weights: the optimisation runs but the picture is not a style
transfer (smoke tests only).
"""

import argparse
import sys

from keras_gan import cli

PROG = "stylize.py"


def main(argv=None):
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("content", nargs="?", default=cli.data_path("style", "tubingen.jpg"),
                        help="content image file, a photo (default: "
                             "$KERAS_GAN_DATA/style/tubingen.jpg)")
    parser.add_argument("style", nargs="?", default=cli.data_path("style", "starry_night.jpg"),
                        help="style image file, a painting (default: "
                             "$KERAS_GAN_DATA/style/starry_night.jpg)")
    parser.add_argument("-o", "--output", default="stylized.png",
                        help="output image, .png or .jpg (default stylized.png); with "
                             "--save-every, snapshots go next to it as NAME_step0100.png")
    parser.add_argument("--size", type=cli.positive_int, default=512,
                        help="longer side of the content image, resized keeping its aspect "
                             "ratio; the style image's longer side is resized to the same "
                             "(default 512)")
    parser.add_argument("--steps", type=cli.positive_int, default=500,
                        help="optimizer steps (default 500)")
    parser.add_argument("--content-weight", type=cli.non_negative_float, default=None,
                        help="weight of the content loss (default: StyleTransfer's, 5)")
    parser.add_argument("--style-weight", type=cli.non_negative_float, default=None,
                        help="weight of the style loss (default: StyleTransfer's, 0.5)")
    parser.add_argument("--tv-weight", type=cli.non_negative_float, default=None,
                        help="weight of the total variation loss (default: StyleTransfer's, "
                             "5e-4)")
    parser.add_argument("--lr", type=cli.positive_float, default=None,
                        help="Adam learning rate, pixels on the 0..255 scale (default 10)")
    parser.add_argument("--init", choices=("content", "noise"), default="content",
                        help="start from the content image (default) or from white noise "
                             "(the paper)")
    parser.add_argument("--vgg-weights", default="imagenet",
                        help="VGG19 weights: imagenet (default, the paper's; downloaded by "
                             "keras.applications), none (random features: smoke tests only) "
                             "or a weights file of VGG19(include_top=False)")
    parser.add_argument("--save-every", type=cli.positive_int, default=None,
                        help="also write a snapshot of the image every K steps")
    parser.add_argument("--seed", type=int, default=0, help="seed of the noise image")
    args = parser.parse_args(argv)
    for what in ("content", "style"):
        if getattr(args, what) is None:
            raise cli.CLIError(f"give the {what} image (KERAS_GAN_DATA holds no default)")
    weights = cli.vgg_weights(args.vgg_weights, PROG, losses="the content and style losses use",
                              effect="the result is not a style transfer")

    # The optimisation is `keras-gan stylize`: the same checks, reading, loop and writing.
    stylize_args = argparse.Namespace(**{k: v for k, v in vars(args).items()
                                         if k != "vgg_weights"}, weights=weights or "none")
    return cli.cmd_stylize(stylize_args)


if __name__ == "__main__":
    sys.exit(cli.run_script(main, prog=PROG))
