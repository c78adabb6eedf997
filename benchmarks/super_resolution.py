"""Super-resolution x4 on Set5 / Set14: bicubic, SRResNet and RRDB_PSNR trained for a
fixed number of steps on BSD68 crops, beside the published table.

    KERAS_BACKEND=jax python benchmarks/super_resolution.py [--srresnet-steps 600]
        [--rrdb-steps 400] [--rrdb-blocks 3]

The PSNR-oriented stages of SRGAN (`SRGAN(stage="psnr")`: SRResNet, MSE) and ESRGAN
(`ESRGAN(stage="psnr")`: RRDBNet, L1) are trained with `fit` on
`keras_gan.datasets.sr_pairs` of `../shared/data/sr/BSD68` (68 images, 96x96 HR crops,
the 8 symmetries, batch 16) and scored with `keras_gan.super_resolution.evaluate_sr`
(the papers' protocol: MATLAB bicubic LR, PSNR / SSIM on Y, 4 pixels shaved; the
bicubic row reproduces the published 28.42 / 26.00 dB, see sr_bicubic.md). The papers
train on ImageNet / DIV2K for 1e6 (SRResNet) and 1e6 (RRDB_PSNR) steps on GPUs; these
runs are a CPU budget, so the rows show how far a short run gets, not the papers'
numbers. The GAN stages (SRGAN, ESRGAN) are not benchmarked: their perceptual loss needs
the ImageNet VGG19, which this offline machine cannot download.

Writes `benchmarks/results/super_resolution.md` and a figure of crops
(`super_resolution_crops.png`: HR, bicubic, SRResNet, RRDB_PSNR).
"""

import argparse
import os
import platform
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

PUBLISHED = {  # x4, PSNR-Y / SSIM-Y: SRGAN (Ledig et al. 2017) table 4, ESRGAN table
    "bicubic": {"Set5": (28.42, 0.8104), "Set14": (26.00, 0.7027)},
    "SRResNet": {"Set5": (32.05, 0.9019), "Set14": (28.49, 0.8184)},
    "RRDB_PSNR": {"Set5": (32.73, 0.9011), "Set14": (28.99, 0.7917)},
}
SCALE = 4
CROPS = (("Set14", "comic", (60, 60)), ("Set5", "butterfly", (100, 120)))  # (top, left) HR
CROP_SIDE = 96


def train(name, model, hr_range, args, data_dir):
    import keras

    from keras_gan.datasets import sr_pairs

    data = sr_pairs(os.path.join(data_dir, "BSD68"), scale=SCALE, patch_size=args.patch_size,
                    batch_size=args.batch_size, seed=args.seed, hr_range=hr_range)
    model.compile(generator_optimizer=keras.optimizers.Adam(args.learning_rate, beta_1=0.9))
    steps = args.srresnet_steps if name == "SRResNet" else args.rrdb_steps
    per_epoch = min(steps, 100)
    epochs = max(1, steps // per_epoch)
    start = time.perf_counter()
    history = model.fit(data, steps_per_epoch=per_epoch, epochs=epochs, verbose=2)
    seconds = time.perf_counter() - start
    return {"steps": per_epoch * epochs, "seconds": seconds,
            "train_psnr": float(history.history["psnr"][-1])}


def evaluate(upscaler_or_model, data_dir, **kwargs):
    from keras_gan.super_resolution import evaluate_sr

    return {name: evaluate_sr(upscaler_or_model, os.path.join(data_dir, name), **kwargs)
            for name in ("Set5", "Set14")}


def bicubic_scores(data_dir):
    from keras_gan.datasets import imresize
    from keras_gan.super_resolution import evaluate_image, read_hr_image

    scores = {}
    for name in ("Set5", "Set14"):
        folder = os.path.join(data_dir, name)
        rows = []
        for file in sorted(os.listdir(folder)):
            image, grey = read_hr_image(os.path.join(folder, file))
            rows.append(evaluate_image(lambda lr: imresize(lr, SCALE), image, SCALE, grey=grey))
        scores[name] = {"psnr": float(np.mean([r["psnr"] for r in rows])),
                        "ssim": float(np.mean([r["ssim"] for r in rows]))}
    return scores


def crops_figure(models, data_dir, path):
    """One row per test crop: HR, bicubic, then each model, at 1x."""
    from PIL import Image

    from keras_gan.datasets import bicubic_downscale, imresize
    from keras_gan.super_resolution import read_hr_image, upscale

    rows = []
    for dataset, stem, (top, left) in CROPS:
        image, _ = read_hr_image(os.path.join(data_dir, dataset, stem + ".png"))
        hr, lr = bicubic_downscale(image, SCALE)
        panels = [hr, imresize(lr, SCALE)] + [upscale(m, lr) for m in models]
        crop = [p[top:top + CROP_SIDE, left:left + CROP_SIDE] for p in panels]
        gap = np.full((CROP_SIDE, 4, 3), 255, np.uint8)
        row = [c for panel in crop for c in (panel, gap)][:-1]
        rows.append(np.concatenate(row, axis=1))
        rows.append(np.full((4, rows[-1].shape[1], 3), 255, np.uint8))
    Image.fromarray(np.concatenate(rows[:-1], axis=0)).save(path)


def results_table(results, args, backend):
    """The markdown table of `results` ({method: info}) for the run of `args`."""
    lines = [
        "# Super-resolution x4: Set5 / Set14 after a CPU budget",
        "",
        f"`KERAS_BACKEND={backend} python benchmarks/super_resolution.py "
        f"--srresnet-steps {args.srresnet_steps} --rrdb-steps {args.rrdb_steps} "
        f"--rrdb-blocks {args.rrdb_blocks}` on {platform.processor() or 'cpu'} "
        f"({os.cpu_count()} cores, shared with other jobs: times are indicative). Training "
        f"data: BSD68 (68 images), {args.patch_size}x{args.patch_size} HR crops, the 8 "
        f"symmetries, batch {args.batch_size}, Adam({args.learning_rate}, beta_1=0.9), "
        f"seed {args.seed}. Evaluation: the papers' protocol (MATLAB bicubic LR, PSNR / "
        "SSIM on Y, 4 pixels shaved; `keras_gan.super_resolution.evaluate_sr`).",
        "",
        "| method | generator params | training steps | training time | last training "
        "batch PSNR | Set5 PSNR / SSIM | published | Set14 PSNR / SSIM | published |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, info in results.items():
        s5, s14 = info["scores"]["Set5"], info["scores"]["Set14"]
        p5, p14 = PUBLISHED[name]["Set5"], PUBLISHED[name]["Set14"]
        label = name if name != "RRDB_PSNR" else f"RRDB_PSNR ({args.rrdb_blocks} RRDBs)"
        params = f"{info['params']:,}" if "params" in info else "-"
        steps = f"{info['steps']:,}" if "steps" in info else "-"
        seconds = f"{info['seconds'] / 60:.1f} min" if "seconds" in info else "-"
        train = f"{info['train_psnr']:.2f}" if "train_psnr" in info else "-"
        lines.append(f"| {label} | {params} | {steps} | {seconds} | {train} | {s5['psnr']:.2f} / "
                     f"{s5['ssim']:.4f} | {p5[0]:.2f} / {p5[1]:.4f} | {s14['psnr']:.2f} / "
                     f"{s14['ssim']:.4f} | {p14[0]:.2f} / {p14[1]:.4f} |")
    lines += [
        "",
        "Published: SRGAN (Ledig et al. 2017) table 4 for bicubic and SRResNet (SRResNet-MSE, "
        "1e6 steps on 350k ImageNet images); ESRGAN (Wang et al. 2018) for RRDB_PSNR "
        "(23 RRDBs, DIV2K + Flickr2K + OST). The papers' rows are not like for like with "
        "a few hundred CPU steps on 68 images; they are the targets a long run aims at. "
        "The GAN stages are not in this table: their perceptual loss needs the ImageNet "
        "VGG19, which this offline machine cannot download. \"Last training batch PSNR\" is "
        "the `psnr` metric of `fit` (RGB, whole crops, batch norm in training mode) on the "
        "last epoch. It is not the test protocol: a gap between the two columns mixes the "
        "different images, Y against RGB, and batch norm in inference mode (SRResNet's "
        "moving statistics trail weights that are still changing fast); this run does not "
        "separate them.",
        "",
        "![crops](super_resolution_crops.png) Crops of Set14 comic and Set5 butterfly: HR, "
        "bicubic, SRResNet, RRDB_PSNR.",
    ]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=os.path.join(HERE, "..", "..", "shared", "data",
                                                           "sr"))
    parser.add_argument("--srresnet-steps", type=int, default=600)
    parser.add_argument("--rrdb-steps", type=int, default=400)
    parser.add_argument("--rrdb-blocks", type=int, default=3,
                        help="RRDBs in the trunk (the paper: 23; fewer for a CPU budget)")
    parser.add_argument("--patch-size", type=int, default=96)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--learning-rate", type=float, default=2e-4,
                        help="Adam rate of both PSNR stages (ESRGAN's PSNR-stage 2e-4)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=os.path.join(HERE, "results", "super_resolution.md"))
    args = parser.parse_args(argv)
    data_dir = os.path.abspath(args.data_dir)
    for name in ("BSD68", "Set5", "Set14"):
        if not os.path.isdir(os.path.join(data_dir, name)):
            sys.exit(f"{os.path.join(data_dir, name)} not found: this benchmark reads "
                     "../shared/data/sr (see its README).")

    import keras

    import keras_gan

    keras.utils.set_random_seed(args.seed)
    results = {"bicubic": {"scores": bicubic_scores(data_dir)}}
    models = []
    specs = (("SRResNet", lambda: keras_gan.models.SRGAN(stage="psnr"), (-1.0, 1.0)),
             ("RRDB_PSNR", lambda: keras_gan.models.ESRGAN(stage="psnr",
                                                          blocks=args.rrdb_blocks), (0.0, 1.0)))
    for name, build, hr_range in specs:
        model = build()
        info = train(name, model, hr_range, args, data_dir)
        evaluation = evaluate(model, data_dir)
        info["scores"] = {k: {"psnr": v["psnr"], "ssim": v["ssim"]}
                          for k, v in evaluation.items()}
        info["params"] = model.generator.count_params()
        results[name] = info
        models.append(model)
        print(name, info, flush=True)
    figure = os.path.join(os.path.dirname(args.out), "super_resolution_crops.png")
    os.makedirs(os.path.dirname(figure), exist_ok=True)
    crops_figure(models, data_dir, figure)

    table = results_table(results, args, keras.backend.backend())
    print(table)
    with open(args.out, "w") as f:
        f.write(table)


if __name__ == "__main__":
    main()
