"""The bicubic x4 baseline of super-resolution tables, reproduced on Set5 and Set14.

    KERAS_BACKEND=jax python benchmarks/sr_bicubic.py

The protocol of SRCNN / SRGAN / EDSR / ESRGAN: each HR PNG is cropped to a multiple
of 4, LR = MATLAB `imresize(HR, 1/4)` (bicubic, antialiased), and the baseline is
`imresize(LR, 4)` (`keras_gan.datasets.bicubic_downscale` / `imresize`, uint8 in and
out). PSNR and SSIM are read on the luma Y (BT.601, MATLAB `rgb2ycbcr`) with 4 pixels
shaved from each border (`keras_gan.metrics.psnr` / `ssim` with `crop_border=4,
y_channel=True`); a greyscale file (Set14's bridge) is read on its grey level, as the
MATLAB evaluation scripts apply `rgb2ycbcr` to 3-channel images only. Each image goes
through `keras_gan.super_resolution.evaluate_image`, the per-image step of
`evaluate_sr` (`keras-gan evaluate-sr`), with `imresize` as the upscaler. The published
values are the "Bicubic" x4 rows of SRCNN / VDSR / EDSR / ESRGAN tables.
Data: `../shared/data/sr/{Set5,Set14}` (`--data-dir`). Written to
`benchmarks/results/sr_bicubic.md`.

This is a benchmark, not a test (tests/test_sr_protocol.py asserts the PSNR).
"""

import argparse
import os
import platform
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

PUBLISHED = {"Set5": (28.42, 0.8104), "Set14": (26.00, 0.7027)}
SCALE = 4


def evaluate(path, boundary="symmetric", grey_as_rgb=False, with_ssim=True):
    """PSNR-Y and SSIM-Y (`None` unless `with_ssim`) of the bicubic baseline of one image,
    and facts about it: `keras_gan.super_resolution.evaluate_image`, the per-image
    protocol of `evaluate_sr`, with `imresize(LR, 4)` as the upscaler."""
    from keras_gan.datasets import imresize
    from keras_gan.super_resolution import evaluate_image, read_hr_image

    image, grey = read_hr_image(path)
    scores = evaluate_image(lambda lr: imresize(lr, SCALE, boundary=boundary), image, SCALE,
                            grey=grey and not grey_as_rgb, boundary=boundary,
                            with_ssim=with_ssim)
    return dict(name=os.path.splitext(os.path.basename(path))[0], grey=grey, **scores)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=os.path.join(HERE, "..", "..", "shared", "data",
                                                           "sr"))
    parser.add_argument("--out", default=os.path.join(HERE, "results", "sr_bicubic.md"))
    args = parser.parse_args(argv)

    import keras

    start = time.perf_counter()
    results, variants = {}, {}
    for name in PUBLISHED:
        folder = os.path.join(args.data_dir, name)
        paths = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".png"))
        results[name] = [evaluate(p) for p in paths]
        replicate = [evaluate(p, boundary="replicate", with_ssim=False) for p in paths]
        grey_as_rgb = [evaluate(p, grey_as_rgb=True, with_ssim=False) for p in paths]
        variants[name] = {
            "replicate boundary (clamped indices, as the imresize.m of MATLAB R2007a-R2013)":
                np.mean([r["psnr"] for r in replicate]),
            "greyscale files read through the Y of their replicated grey (no special case)":
                np.mean([r["psnr"] for r in grey_as_rgb]),
        }
    seconds = time.perf_counter() - start

    lines = [
        "# Bicubic x4 baseline on Set5 / Set14 (super-resolution protocol)",
        "",
        "HR cropped to a multiple of 4, LR = MATLAB-compatible `imresize(HR, 1/4)`, baseline = "
        "`imresize(LR, 4)` (uint8, symmetric boundary as current MATLAB); PSNR / SSIM on Y "
        "(BT.601) with 4 border pixels shaved; greyscale files on their grey level. "
        f"Backend {keras.backend.backend()}, {platform.processor() or 'cpu'}, "
        f"{seconds:.1f} s in all (`python benchmarks/sr_bicubic.py`).",
        "",
        "| dataset | images | PSNR-Y (dB) | published | difference | SSIM-Y | published |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, rows in results.items():
        p, s = np.mean([r["psnr"] for r in rows]), np.mean([r["ssim"] for r in rows])
        pub_p, pub_s = PUBLISHED[name]
        lines.append(f"| {name} | {len(rows)} | {p:.3f} | {pub_p:.2f} | {p - pub_p:+.3f} | "
                     f"{s:.4f} | {pub_s:.4f} |")
    lines += ["", "Published: the Bicubic x4 rows of the super-resolution tables (PSNR first "
              "in SRCNN, Dong et al. 2014; PSNR / SSIM as repeated by VDSR, Kim et al. 2016, "
              "EDSR, Lim et al. 2017, and ESRGAN, Wang et al. 2018). SSIM here is Wang et "
              "al.'s Gaussian-window SSIM without the automatic downsampling of the 2009 "
              "`ssim.m`; SSIM implementations of SR papers vary, so it is informative only.",
              "",
              "Mean PSNR-Y of protocol variants:", ""]
    for name, table in variants.items():
        for label, value in table.items():
            lines.append(f"- {name}, {label}: {value:.3f} dB")
    lines += ["", "## Per image", "",
              "| dataset | image | HR (cropped) | LR | PSNR-Y (dB) | SSIM-Y |",
              "|---|---|---|---|---|---|"]
    for name, rows in results.items():
        for r in rows:
            note = " (greyscale)" if r["grey"] else ""
            lines.append(f"| {name} | {r['name']}{note} | {r['hr'][0]}x{r['hr'][1]} | "
                         f"{r['lr'][0]}x{r['lr'][1]} | {r['psnr']:.3f} | {r['ssim']:.4f} |")
    table = "\n".join(lines) + "\n"
    print(table)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(table)


if __name__ == "__main__":
    main()
