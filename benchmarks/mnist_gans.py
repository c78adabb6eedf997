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

3. scores: `--eval-samples` samples of each trained model and as many MNIST test images are
   scored with the shipped MNIST classifier (MNIST score, MNIST Frechet distance,
   precision / recall), written to `results/mnist_scores.md` beside the real data's own.

This is a benchmark, not a test: nothing here asserts a time or a score.
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
        if args.eval_samples:
            from keras_gan import datasets, metrics

            real, _ = datasets.load_arrays("mnist", "test", data_dir=args.data_dir)
            real = real[:args.eval_samples].astype("float32") / 127.5 - 1.0
            start = time.perf_counter()
            result["scores"] = metrics.evaluate(
                model, ["mnist_score", "mnist_fd", "mnist_pr"], real,
                n_samples=args.eval_samples, seed=args.seed + 1)
            result["eval_seconds"] = time.perf_counter() - start
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
               "--eval-samples", str(args.eval_samples),
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
    parser.add_argument("--eval-samples", type=int, default=10_000,
                        help="generated (and real test) images scored after training; 0: none")
    parser.add_argument("--scores-out",
                        default=os.path.join(HERE, "results", "mnist_scores.md"))
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
    if args.eval_samples:
        write_scores(args, models, backends, trained, timed, epochs)


def _reference_scores(args):
    """The scores of real MNIST (training images against the test images): the ceiling."""
    from keras_gan import datasets, metrics

    n = args.eval_samples
    test, _ = datasets.load_arrays("mnist", "test", data_dir=args.data_dir)
    train, _ = datasets.load_arrays("mnist", "train", data_dir=args.data_dir)
    test = test[:n].astype("float32") / 127.5 - 1.0
    train = train[:n].astype("float32") / 127.5 - 1.0
    scores = {}
    for name in ("mnist_score", "mnist_fd", "mnist_pr"):
        metric = metrics.get(name)
        metric.update_state(test, train)
        scores.update(metrics.evaluation._logged(metric))
    return scores


def write_scores(args, models, backends, trained, timed, epochs):
    """`mnist_scores.md`: MNIST classifier scores after the budget, and time per backend."""
    real = _reference_scores(args)
    n = args.eval_samples
    lines = [
        "# MNIST scores of the image GANs after a fixed budget",
        "",
        f"Written by `python benchmarks/mnist_gans.py --steps {args.steps} --filters "
        f"{args.filters}` ({time.strftime('%Y-%m-%d')}; {platform.machine()}, "
        f"{os.cpu_count()} CPU cores). Each model trained {args.steps} steps of "
        f"{args.batch_size} images ({epochs:.2f} epochs) on {args.train_backend}; then "
        f"{n:,} samples (conditional models: classes in turn) scored against {n:,} MNIST test "
        "images with the shipped MNIST classifier (`keras_gan.metrics`): MNIST score "
        "(Inception Score under that classifier, 10 splits; 10 is the most), Frechet "
        "distance of its 64-d features, and precision / recall (k = 3) in the same features. "
        "Time per epoch of 60,000 images on each backend, as in `mnist_gans.md`.",
        "",
        "| model | MNIST score | MNIST FD | precision | recall | "
        + " | ".join(f"{b} s/epoch" for b in backends) + " |",
        "|---" * (5 + len(backends)) + "|",
        f"| real MNIST (train vs test) | {real['mnist_score']:.2f} +- "
        f"{real['mnist_score_std']:.2f} | {real['mnist_fd']:.3f} | "
        f"{real['mnist_pr_precision']:.3f} | {real['mnist_pr_recall']:.3f} |"
        + " |" * len(backends),
    ]
    for model in models:
        sc = trained[model]["scores"]
        lines.append(
            f"| {model} | {sc['mnist_score']:.2f} +- {sc['mnist_score_std']:.2f} | "
            f"{sc['mnist_fd']:.3f} | {sc['mnist_pr_precision']:.3f} | "
            f"{sc['mnist_pr_recall']:.3f} | "
            + " | ".join(f"{timed[model, b]['epoch_seconds']:.0f}" for b in backends) + " |")
    text = "\n".join(lines) + "\n"
    with open(args.scores_out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
