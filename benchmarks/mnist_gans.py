"""The image GANs on MNIST: sample grids after a fixed training budget, and wall time per
epoch on every backend.

    python benchmarks/mnist_gans.py                            # all models, all backends
    python benchmarks/mnist_gans.py --models dcgan --steps 50 --timing-steps 10 \
        --out /tmp/mnist.md                                    # smoke run

MNIST is read from `../shared/data/mnist` (the original IDX files; `--data-dir` to
change it). Each model is built by `keras_gan.recipes.image_model` (the configuration
`keras-gan train MODEL --data mnist` uses, at `--filters` width) and trained in a fresh
process:

1. quality: `--steps` training steps of `--batch-size` images on `--train-backend`, then a
   sample grid from fixed latents (conditional models: one class per column; InfoGAN: its
   categorical code per column) is written to `results/mnist_gans/MODEL.png`;
2. speed: on every backend, `--timing-steps` steps after `--warmup-steps` steps of
   warm-up (compilation), repeated `--repeats` times (median), reported as seconds per
   epoch of 60,000 images and images per second.

Quantitative scores (FID, MNIST classifier scores) come with the evaluation module; the
grids are for looking at. This is a benchmark, not a test: nothing here asserts a time.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BACKENDS = ("tensorflow", "jax", "torch")
MODELS = ("dcgan", "cgan", "acgan", "infogan", "ebgan")
MNIST_TRAIN = 60_000


def _child(args):
    """Runs one (model, backend, mode) measurement in this process; prints JSON."""
    import numpy as np

    import keras

    from keras_gan import recipes, visualize

    dataset, shape, classes = recipes.image_data("mnist", batch_size=args.batch_size,
                                                 seed=args.seed, data_dir=args.data_dir)
    model = recipes.image_model(args.model, shape, classes, seed=args.seed,
                                filters=args.filters)
    result = {"model": args.model, "backend": keras.backend.backend(),
              "params_g": model.generator.count_params(),
              "params_d": model.discriminator.count_params()}
    if args.mode == "train":
        start = time.perf_counter()
        history = model.fit(dataset.repeat(), steps_per_epoch=args.steps, epochs=1, verbose=0)
        result["train_seconds"] = time.perf_counter() - start
        result["logs"] = {k: float(v[-1]) for k, v in history.history.items()}
        columns = 10
        latent = model.latents(100, seed=args.seed)
        if args.model in ("cgan", "acgan"):
            images = model.generate_from(latent, labels=np.arange(100) % columns)
        elif args.model == "infogan":
            latent = model.latents(100, seed=args.seed, categorical=np.arange(100) % columns)
            images = model.generate_from(latent)
        else:
            images = model.generate_from(latent)
        os.makedirs(os.path.dirname(args.grid), exist_ok=True)
        visualize.image_grid(images, columns=columns).save(args.grid)
        result["grid"] = args.grid
    else:
        data = dataset.repeat()
        model.fit(data, steps_per_epoch=args.warmup_steps, epochs=1, verbose=0)
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            model.fit(data, steps_per_epoch=args.timing_steps, epochs=1, verbose=0)
            times.append((time.perf_counter() - start) / args.timing_steps)
        step = statistics.median(times)
        result.update(step_seconds=step, images_per_second=args.batch_size / step,
                      epoch_seconds=step * MNIST_TRAIN / args.batch_size)
    print("RESULT " + json.dumps(result))


def _run(args, model, backend, mode, grid=None):
    command = [sys.executable, os.path.abspath(__file__), "--child", "--model", model,
               "--mode", mode, "--steps", str(args.steps), "--timing-steps",
               str(args.timing_steps), "--warmup-steps", str(args.warmup_steps),
               "--repeats", str(args.repeats), "--batch-size", str(args.batch_size),
               "--filters", str(args.filters), "--seed", str(args.seed),
               "--data-dir", args.data_dir, "--grid", grid or ""]
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2")
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise RuntimeError(f"{model} on {backend} ({mode}) failed:\n{done.stderr[-2000:]}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--train-backend", default="jax")
    parser.add_argument("--steps", type=int, default=1000, help="training steps per model")
    parser.add_argument("--timing-steps", type=int, default=30)
    parser.add_argument("--warmup-steps", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--filters", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", default=os.path.join(ROOT, "..", "shared", "data"))
    parser.add_argument("--out", default=os.path.join(HERE, "results", "mnist_gans.md"))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--mode", help=argparse.SUPPRESS)
    parser.add_argument("--grid", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args)
    if not os.path.isdir(os.path.join(args.data_dir, "mnist")):
        sys.exit(f"MNIST not found in {args.data_dir}/mnist (the original IDX files)")
    models = [m for m in args.models.split(",") if m]
    backends = [b for b in args.backends.split(",") if b]
    grid_dir = os.path.join(os.path.dirname(os.path.abspath(args.out)), "mnist_gans")

    trained, timed = {}, {}
    for model in models:
        grid = os.path.join(grid_dir, f"{model}.png")
        trained[model] = _run(args, model, args.train_backend, "train", grid)
        print(f"{model}: trained {args.steps} steps on {args.train_backend} in "
              f"{trained[model]['train_seconds']:.0f} s", flush=True)
        for backend in backends:
            timed[model, backend] = _run(args, model, backend, "time")
            print(f"  {backend}: {timed[model, backend]['epoch_seconds']:.0f} s/epoch", flush=True)

    epochs = args.steps * args.batch_size / MNIST_TRAIN
    lines = [
        "# Image GANs on MNIST",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores, no GPU; "
        f"{time.strftime('%Y-%m-%d')}. Command: `python benchmarks/mnist_gans.py "
        f"--steps {args.steps} --filters {args.filters} --batch-size {args.batch_size}`.",
        "",
        f"Each model: `keras_gan.recipes.image_model(name, (28, 28, 1), 10, filters="
        f"{args.filters})` with its paper's optimizers, trained {args.steps} steps of "
        f"{args.batch_size} images ({epochs:.2f} epochs) on {args.train_backend}. Seconds per "
        f"epoch: median of {args.repeats} timings of {args.timing_steps} steps after "
        f"{args.warmup_steps} warm-up steps, times {MNIST_TRAIN // args.batch_size} steps; "
        "measured one backend at a time on the same machine.",
        "",
        "| model | G params | D params | " + " | ".join(f"{b} s/epoch" for b in backends)
        + " | " + " | ".join(f"{b} img/s" for b in backends) + " | final losses |",
        "|---" * (4 + 2 * len(backends)) + "|",
    ]
    for model in models:
        t = trained[model]
        losses = ", ".join(f"{k} {v:.3f}" for k, v in sorted(t["logs"].items()))
        lines.append(
            f"| {model} | {t['params_g']:,} | {t['params_d']:,} | "
            + " | ".join(f"{timed[model, b]['epoch_seconds']:.0f}" for b in backends) + " | "
            + " | ".join(f"{timed[model, b]['images_per_second']:.0f}" for b in backends)
            + f" | {losses} |")
    lines += ["", "Samples after the training budget (conditional models: class per column; "
                  "InfoGAN: categorical code per column):", ""]
    for model in models:
        lines.append(f"**{model}**\n\n![{model}](mnist_gans/{model}.png)\n")
    text = "\n".join(lines) + "\n"
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
