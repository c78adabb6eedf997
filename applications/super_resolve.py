"""Super-resolve an image or a folder of images with a saved super-resolution model,
optionally scoring the results against ground-truth high-resolution images.

    python applications/super_resolve.py runs/srgan/srgan.keras photo.png -o photo_x4.png
    python applications/super_resolve.py runs/esrgan/interp_0.8.keras lr_folder/ \
        -o sr_folder/ --tile 128 --hr hr_folder/

The model is a `.keras` file written by applications/train_srgan.py, train_esrgan.py or
`model.save` of an SRGAN / ESRGAN / SuperResolutionGAN (its generator, scale and value
ranges are used), or a bare image-to-image generator (then give its ranges with
--input-range / --output-range). The upscaling is `keras-gan upscale`
(`keras_gan.super_resolution.upscale`): uint8 in, uint8 out, optionally in overlapping
tiles of bounded memory; a folder gives PNGs with the inputs' names.

With --hr, each output is compared with its ground truth (the file of the same name in
a folder, or the one file) by PSNR and SSIM on the luma Y with `scale` pixels shaved
from each border, the reading of the SR papers (Ledig et al. 2017; Wang et al. 2018;
`keras_gan.super_resolution.protocol_scores`); the HR image is cropped to a multiple of
the scale from its top-left corner (MATLAB `modcrop`) and must then be `scale` times
the input. To score a model on HR test images from which the LR is made by bicubic
downscaling, use `keras-gan evaluate-sr` instead.
"""

import argparse
import json
import math
import os
import sys

from keras_gan import cli

PROG = "super_resolve.py"
LOSSLESS = (".png", ".bmp")


def find_hr(hr_files, hr_folder, relative_stem):
    """The file of `hr_folder` with the stem `relative_stem` (any image extension);
    `hr_files` maps the stems of its files to their paths."""
    if relative_stem not in hr_files:
        raise cli.CLIError(f"--hr: no ground truth for {relative_stem} in {hr_folder}")
    return hr_files[relative_stem]


def score(pairs):
    """Protocol PSNR / SSIM of each (name, sr file, hr file); returns the rows."""
    import numpy as np

    from keras_gan.super_resolution import protocol_scores, read_hr_image

    rows = []
    for name, sr_path, lr_shape, hr_path in pairs:
        sr, _ = read_hr_image(sr_path)
        hr, grey = read_hr_image(hr_path)
        scale = sr.shape[0] // lr_shape[0]
        hr = hr[:hr.shape[0] - hr.shape[0] % scale, :hr.shape[1] - hr.shape[1] % scale]
        if hr.shape != sr.shape:
            raise cli.CLIError(f"--hr {hr_path} is {hr.shape[1]}x{hr.shape[0]} after cropping "
                               f"to a multiple of {scale}; the x{scale} output of {name} is "
                               f"{sr.shape[1]}x{sr.shape[0]}")
        scores = protocol_scores(hr, sr, scale, grey=grey)
        rows.append({"name": name, "psnr": scores["psnr"], "ssim": scores["ssim"],
                     "scale": scale, "sr": sr_path, "hr": hr_path})
    for row in rows:
        print(f"{row['name']}: PSNR-Y {row['psnr']:.3f} dB, SSIM-Y {row['ssim']:.4f}")
    mean = {k: float(np.mean([r[k] for r in rows])) for k in ("psnr", "ssim")}
    print(f"mean of {len(rows)}: PSNR-Y {mean['psnr']:.3f} dB, SSIM-Y {mean['ssim']:.4f}")
    return rows, mean


def main(argv=None):
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    cli.add_upscale_arguments(parser)  # the arguments of `keras-gan upscale`
    parser.add_argument("--hr", default=None,
                        help="ground-truth high-resolution image (for an image input) or "
                             "folder of them with the inputs' names: score each output")
    parser.add_argument("--scores", default=None,
                        help="JSON file of the --hr scores (default: scores.json in the output "
                             "folder, or OUTPUT.scores.json for an image)")
    args = parser.parse_args(argv)

    folder_input = os.path.isdir(args.input)
    if args.hr is not None:
        if folder_input and not os.path.isdir(args.hr):
            raise cli.CLIError(f"--hr must be a folder for a folder input; no such folder: "
                               f"{args.hr}")
        if not folder_input and not os.path.isfile(args.hr):
            raise cli.CLIError(f"--hr ground-truth image not found: {args.hr}")
        if (not folder_input and not os.path.isdir(args.output)
                and os.path.splitext(args.output)[1].lower() not in LOSSLESS):
            raise cli.CLIError(f"--hr scores the written image: write a lossless "
                               f"{', '.join(LOSSLESS)} output, not {args.output}")

    # The upscaling itself is `keras-gan upscale`: the same checks, reading and writing.
    cli.cmd_upscale(args)
    if args.hr is None:
        return 0

    def size(path):  # (height, width) of an input, upright
        return cli.probe_image(path, "input")[::-1]

    if folder_input:
        from keras_gan.datasets.sr import image_files

        hr_files = {os.path.splitext(os.path.relpath(p, args.hr))[0]: p
                    for p in image_files(args.hr)}
        pairs = []
        for path in image_files(args.input):
            stem = os.path.splitext(os.path.relpath(path, args.input))[0]
            target = os.path.join(args.output, stem + ".png")
            if os.path.isfile(target):  # unreadable inputs were skipped
                pairs.append((stem, target, size(path), find_hr(hr_files, args.hr, stem)))
        scores_file = args.scores or os.path.join(args.output, "scores.json")
    else:
        stem = os.path.splitext(os.path.basename(args.input))[0]
        target = (os.path.join(args.output, stem + ".png") if os.path.isdir(args.output)
                  else args.output)
        pairs = [(stem, target, size(args.input), args.hr)]
        scores_file = args.scores or os.path.splitext(target)[0] + ".scores.json"
    rows, mean = score(pairs)
    finite = lambda v: v if math.isfinite(v) else None  # noqa: E731 - JSON has no inf
    report = {"model": args.model_file, "input": args.input, "hr": args.hr,
              "tile": args.tile or None, "psnr": finite(mean["psnr"]),
              "ssim": finite(mean["ssim"]),
              "per_image": [dict(r, psnr=finite(r["psnr"]), ssim=finite(r["ssim"]))
                            for r in rows]}
    with open(scores_file, "w") as f:
        json.dump(report, f, indent=2)
    print(f"wrote {scores_file}")
    return 0


if __name__ == "__main__":
    sys.exit(cli.run_script(main, prog=PROG))
