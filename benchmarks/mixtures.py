"""Mode-collapse benchmark on the 2D ring and grid, beside VEEGAN and PacGAN's Table 1.

    python benchmarks/mixtures.py                      # full table (about an hour on 2 cores)
    python benchmarks/mixtures.py --seeds 1 --epochs 1 --out /tmp/mixtures.md   # smoke run

Trains GAN, WGAN-GP and PacGAN (m = 2, 4) on the 8-mode ring and the 25-mode grid for
several seeds, each run in a fresh process (`keras_gan.recipes.train_on_mixture`, the
configuration `keras-gan train` uses), and writes a markdown table of mean +- standard
error of modes captured, high-quality samples (%), reverse KL and wall time per run.
Then it times the same run on every backend, side by side, to tell the fastest.
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
CONFIGS = [("GAN", "gan", 1), ("WGAN-GP", "wgan_gp", 1), ("PacGAN2", "gan", 2),
           ("PacGAN4", "gan", 4)]

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


def run_one(backend, model, data, packing, seed, epochs, batch_size, samples, cache=None,
            cache_path=None):
    """Trains one configuration in a fresh process (or takes it from the cache of finished
    runs); returns its metrics dict."""
    config = dict(backend=backend, model=model, data=data, packing=packing, seed=seed,
                  epochs=epochs, batch_size=batch_size, samples=samples)
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
    from keras_gan import recipes

    config = json.loads(config)
    config.pop("backend")
    _, _, metrics = recipes.train_on_mixture(
        config["model"], data=config["data"], epochs=config["epochs"],
        batch_size=config["batch_size"], packing=config["packing"],
        samples=config["samples"], seed=config["seed"])
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
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=100, help="minibatch m of the papers")
    parser.add_argument("--samples", type=int, default=100_000, help="training set size")
    parser.add_argument("--speed-epochs", type=int, default=1,
                        help="epochs of the backend timing run (0 skips it)")
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
                            args.batch_size, args.samples, cache, args.runs)
                print(f"{label:8s} {data:4s} seed {seed}: modes {m['modes']}, HQ "
                      f"{100 * m['high_quality']:.1f}%, rev KL {m['reverse_kl']}, "
                      f"{m['train_seconds']:.0f}s", flush=True)
                runs.append(m)
            rows.append((label, data, runs))

    speed = []
    if args.speed_epochs:
        for backend in BACKENDS:
            m = run_one(backend, "gan", "ring", 2, 0, args.speed_epochs, args.batch_size,
                        args.samples, cache, args.runs)
            steps = args.speed_epochs * -(-args.samples // m["fit_batch_size"])
            speed.append((backend, m["train_seconds"], steps / m["train_seconds"]))
            print(f"speed {backend}: {m['train_seconds']:.1f}s", flush=True)

    lines = [
        "# 2D mixtures: mode collapse (ring: 8 modes, radius 1, std 0.01; grid: 25 modes, "
        "spacing 2, std 0.05)",
        "",
        f"Command: `python benchmarks/mixtures.py --backend {args.backend} --seeds {args.seeds} "
        f"--epochs {args.epochs} --batch-size {args.batch_size} --samples {args.samples}`  ",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores, Python "
        f"{platform.python_version()}; backend of the quality runs: {args.backend}.  ",
        "Setup (`keras_gan.recipes`): generator 2-d Gaussian noise -> 4 x 400 ReLU + "
        "BatchNorm -> 2; discriminator 3 x 200 maxout (5 pieces) -> 1 logit, its input m "
        "samples concatenated for PacGANm; non-saturating loss; Adam(beta_1=0.5) 2e-4 with "
        "cosine decay to 0 over the run, both networks (WGAN-GP: beta_2=0.9, lambda 10, 5 "
        "critic steps); minibatch m=100 per discriminator decision step, "
        f"{args.samples} training points, {args.epochs} epochs. Metrics on 2500 samples: "
        "a sample is high quality within 3 std of its nearest mode, a mode is captured "
        "with at least one high-quality sample, reverse KL = KL(mode histogram of "
        "high-quality samples || uniform).",
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
    lines += ["", PUBLISHED]
    if speed:
        fastest = min(speed, key=lambda s: s[1])[0]
        lines += [
            f"Backend speed, same run side by side (PacGAN2 on the ring, {args.speed_epochs} "
            "epoch(s), training time of `fit` including compilation):",
            "",
            "| backend | seconds | steps / s |",
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
