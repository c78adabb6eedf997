"""Mode-collapse benchmark on the 2D ring and grid, beside VEEGAN and PacGAN's Table 1.

    python benchmarks/mixtures.py                      # full table (hours on 2 cores)
    python benchmarks/mixtures.py --seeds 1 --epochs 1 --epoch-size 2000 \
        --runs '' --out /tmp/mixtures.md              # smoke run

Trains GAN, WGAN-GP and PacGAN (m = 2, 4) on the 8-mode ring and the 25-mode grid for
several seeds, each run in a fresh process (`keras_gan.recipes.train_on_mixture`, the
configuration `keras-gan train` uses), and writes a markdown table of mean +- standard
error of modes captured, high-quality samples (%), reverse KL and wall time per run.
Then it times the same run on every backend, side by side, to tell the fastest.

Finished runs are appended to `results/mixtures_runs.jsonl` and reused when the
benchmark is run again with the same settings; delete that file after changing the
recipe in `keras_gan/recipes.py`.
"""

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BACKENDS = ("tensorflow", "jax", "torch")

# (label, model, packing)
CONFIGS = [("PacGAN2", "gan", 2), ("PacGAN4", "gan", 4), ("GAN", "gan", 1),
           ("WGAN-GP", "wgan_gp", 1)]

PUBLISHED = """\
Published rows (2500 samples each; VEEGAN Table 1 and PacGAN Table 1; modes / high-quality % /
reverse KL, mean over runs):

| source | model | ring modes | ring HQ % | ring rev. KL | grid modes | grid HQ % | grid rev. KL |
|---|---|---|---|---|---|---|---|
| VEEGAN Table 1 | GAN | 1 | 99.3 | - | 3.3 | 0.5 | - |
| VEEGAN Table 1 | VEEGAN | 8 | 52.9 | - | 24.6 | 40 | - |
| PacGAN Table 1 | PacGAN2 | 7.9 | 95.6 | 0.07 | 23.8 | 91.3 | 0.13 |
| PacGAN Table 1 | PacGAN4 | 7.8 | 95.9 | 0.07 | 24.8 | 93.6 | 0.04 |
"""


def load_cache(path):
    """Finished runs, keyed by their configuration (runs are appended as they end)."""
    cache = {}
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                if line.strip():
                    record = json.loads(line)
                    cache[json.dumps(record["config"], sort_keys=True)] = record["metrics"]
    return cache


def run_one(backend, model, data, packing, seed, epochs, batch_size, epoch_size, cache=None,
            cache_path=None):
    """Trains one configuration in a fresh process (or takes it from the cache of finished
    runs); returns its metrics dict."""
    config = dict(backend=backend, model=model, data=data, packing=packing, seed=seed,
                  epochs=epochs, batch_size=batch_size, epoch_size=epoch_size)
    key = json.dumps(config, sort_keys=True)
    if cache is not None and key in cache:
        return cache[key]
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2")
    start = time.perf_counter()
    result = subprocess.run([sys.executable, __file__, "--worker", json.dumps(config)],
                            env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"run {config} on {backend} failed:\n{result.stderr[-2000:]}")
    metrics = json.loads(result.stdout.strip().splitlines()[-1])
    metrics["process_seconds"] = time.perf_counter() - start
    if cache_path:
        with open(cache_path, "a") as f:
            f.write(json.dumps({"config": config, "metrics": metrics}) + "\n")
    return metrics


def worker(config):
    import keras

    from keras_gan import recipes

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seconds = []

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self.start)

    timer = EpochTimer()
    config = json.loads(config)
    config.pop("backend")
    _, _, metrics = recipes.train_on_mixture(
        config["model"], data=config["data"], epochs=config["epochs"],
        batch_size=config["batch_size"], packing=config["packing"],
        decisions=config["epoch_size"], seed=config["seed"], callbacks=[timer])
    metrics["epoch_seconds"] = timer.seconds
    metrics["reverse_kl"] = None if math.isinf(metrics["reverse_kl"]) else metrics["reverse_kl"]
    print(json.dumps(metrics))


def mean_se(values, scale=1.0, digits=2):
    values = [v * scale for v in values if v is not None]
    if not values:
        return "inf"
    mean = statistics.fmean(values)
    se = statistics.stdev(values) / math.sqrt(len(values)) if len(values) > 1 else 0.0
    return f"{mean:.{digits}f} +- {se:.{digits}f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--backend", default="jax", choices=BACKENDS,
                        help="backend of the quality runs (default: jax, the fastest here)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=100,
                        help="discriminator decisions per update (the papers' minibatch)")
    parser.add_argument("--epoch-size", type=int, default=100_000,
                        help="real discriminator decisions per epoch")
    parser.add_argument("--speed-epochs", type=int, default=2,
                        help="epochs of the backend timing run (0 skips it); the steady "
                             "rate is that of the last epoch")
    parser.add_argument("--out", default=os.path.join(HERE, "results", "mixtures.md"))
    parser.add_argument("--runs", default=os.path.join(HERE, "results", "mixtures_runs.jsonl"),
                        help="every finished run is appended here; runs already there are "
                             "reused, so an interrupted benchmark continues ('' disables)")
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker)
    cache = load_cache(args.runs)

    rows = []
    for label, model, packing in CONFIGS:
        for data in ("ring", "grid"):
            runs = []
            for seed in range(args.seeds):
                m = run_one(args.backend, model, data, packing, seed, args.epochs,
                            args.batch_size, args.epoch_size, cache, args.runs)
                print(f"{label:8s} {data:4s} seed {seed}: modes {m['modes']}, HQ "
                      f"{100 * m['high_quality']:.1f}%, rev KL {m['reverse_kl']}, "
                      f"{m['train_seconds']:.0f}s", flush=True)
                runs.append(m)
            rows.append((label, data, runs))

    speed = []
    if args.speed_epochs:
        for backend in BACKENDS:
            m = run_one(backend, "gan", "ring", 2, 0, args.speed_epochs, args.batch_size,
                        args.epoch_size, cache, args.runs)
            steady = m["steps"] / args.speed_epochs / m["epoch_seconds"][-1]
            speed.append((backend, m["train_seconds"], steady))
            print(f"speed {backend}: {m['train_seconds']:.1f}s", flush=True)

    lines = [
        "# 2D mixtures: mode collapse (ring: 8 modes, radius 1, std 0.01; grid: 25 modes, "
        "spacing 2, std 0.05)",
        "",
        f"Command: `python benchmarks/mixtures.py --backend {args.backend} --seeds {args.seeds} "
        f"--epochs {args.epochs} --batch-size {args.batch_size} --epoch-size "
        f"{args.epoch_size}`  ",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores, Python "
        f"{platform.python_version()}; backend of the quality runs: {args.backend}.  ",
        "Setup (`keras_gan.recipes`): PacGAN's networks (generator: 2-d Gaussian noise -> "
        "4 x 400 ReLU + BatchNorm -> 2; discriminator: 3 x 200 maxout units of 5 pieces -> "
        "1 logit, its input m samples concatenated for PacGANm), weights from N(0, 0.02); "
        "GAN and PacGAN: non-saturating loss, 1 discriminator step; WGAN-GP: lambda 10, "
        "5 critic steps; all: Adam(3e-4, beta_1=0, beta_2=0.9) for both networks, cosine "
        f"decay to 0 over the run. {args.batch_size} discriminator decisions per update; "
        f"an epoch is {args.epoch_size} real decisions (m x {args.epoch_size} samples for "
        f"PacGANm, as in PacGAN); {args.epochs} epochs, i.e. "
        f"{args.epochs * args.epoch_size // args.batch_size} generator updates for GAN and "
        f"PacGAN, a fifth of that for WGAN-GP. Metrics on 2500 samples: a sample is high "
        "quality within 3 std of its nearest mode, a mode is captured with at least one "
        "high-quality sample, reverse KL = KL(mode histogram of high-quality samples || "
        f"uniform). Wall time: `fit` on {os.cpu_count()} CPU cores, one run at a time.",
        "",
        f"Mean +- standard error over {args.seeds} seeds:",
        "",
        "| model | data | modes | high quality % | reverse KL | wall time per run (s) |",
        "|---|---|---|---|---|---|",
    ]
    for label, data, runs in rows:
        lines.append(
            f"| {label} | {data} | {mean_se([r['modes'] for r in runs], digits=1)} | "
            f"{mean_se([r['high_quality'] for r in runs], scale=100, digits=1)} | "
            f"{mean_se([r['reverse_kl'] for r in runs], digits=3)} | "
            f"{mean_se([r['train_seconds'] for r in runs], digits=0)} |")
    lines += ["", "Target: PacGAN2 and PacGAN4 capture all 8 ring and all 25 grid modes with "
              ">= 95 % high-quality samples and reverse KL <= 0.05.", "", PUBLISHED]
    if speed:
        fastest = max(speed, key=lambda s: s[2])[0]
        lines += [
            f"Backend speed, the same run on each backend one after the other (PacGAN2 on the "
            f"ring, {args.speed_epochs} epoch(s)): the time of `fit` including compilation, "
            "and the steps per second of the last epoch:",
            "",
            "| backend | fit seconds | steady steps / s |",
            "|---|---|---|",
        ]
        lines += [f"| {b} | {s:.1f} | {r:.1f} |" for b, s, r in speed]
        lines += ["", f"Fastest here: **{fastest}**."]
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
