"""Seconds per iteration of Gatys style transfer (`keras_gan.models.StyleTransfer`) at
256 and 512 px under each backend, measured side by side.

    python benchmarks/style_transfer.py [--sizes 256 512] [--steps 5] [--repeats 3]

Each measurement is a fresh child process with one backend (`KERAS_BACKEND` is fixed
per process): it builds the model on `../shared/data/style` (tubingen.jpg resized to
`size` on its long side, starry_night.jpg to the same size), runs `--warmup` steps
(compilation), then times `--steps` steps of `fit`. The backends are measured in turn,
`--repeats` times each, and the median is reported with the ratio to the fastest
backend of that size. VGG19 has random weights (`weights=None`): the ImageNet file is
not available offline, and the arithmetic per step is the same.

Writes `benchmarks/results/style_transfer.md`.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BACKENDS = ("tensorflow", "jax", "torch")

CHILD = r"""
import json, sys, time
import numpy as np
from PIL import Image
import keras
import keras_gan

size, steps, warmup, data = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

def load(name):
    with Image.open(f"{data}/{name}") as f:
        image = f.convert("RGB")
        w, h = image.size
        k = size / max(w, h)
        return np.asarray(image.resize((round(w * k), round(h * k)), Image.BICUBIC))

content = load("tubingen.jpg")
style = load("starry_night.jpg")
model = keras_gan.models.StyleTransfer(content, style, weights=None, seed=0)
model.compile()
model.fit(epochs=1, steps_per_epoch=warmup, verbose=0)
start = time.perf_counter()
model.fit(epochs=1, steps_per_epoch=steps, verbose=0)
seconds = (time.perf_counter() - start) / steps
print("RESULT " + json.dumps({"seconds": seconds, "shape": list(content.shape)}))
"""


def measure(backend, size, steps, warmup, data):
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run([sys.executable, "-c", CHILD, str(size), str(steps), str(warmup),
                             data], env=env, capture_output=True, text=True, cwd=ROOT)
    for line in result.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise RuntimeError(f"{backend} at {size} px failed:\n{result.stderr[-2000:]}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS))
    parser.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data", "style"))
    parser.add_argument("--out", default=os.path.join(HERE, "results", "style_transfer.md"))
    args = parser.parse_args(argv)
    data = os.path.abspath(args.data)
    if not os.path.isdir(data):
        sys.exit(f"{data} not found: this benchmark reads ../shared/data/style.")

    times = {(b, s): [] for b in args.backends for s in args.sizes}
    shapes = {}
    for repeat in range(args.repeats):
        for size in args.sizes:
            for backend in args.backends:  # in turn, so that load drifts hit all alike
                r = measure(backend, size, args.steps, args.warmup, data)
                times[backend, size].append(r["seconds"])
                shapes[size] = r["shape"]
                print(f"repeat {repeat + 1}: {backend} {size} px {r['seconds']:.3f} s/iter",
                      flush=True)

    lines = [
        "# Gatys style transfer: seconds per iteration",
        "",
        f"`python benchmarks/style_transfer.py --steps {args.steps} --repeats {args.repeats}` "
        f"on {platform.processor() or 'cpu'} ({os.cpu_count()} cores). One iteration = one "
        "Adam update of the image: VGG19 forward to block5_conv1 and backward. Median of "
        f"{args.repeats} processes per cell, each timing {args.steps} iterations after "
        f"{args.warmup} warm-up iterations; backends measured in turn.",
        "",
        "| size (content image) | backend | s / iteration (median) | all repeats | "
        "ratio to fastest |",
        "|---|---|---|---|---|",
    ]
    for size in args.sizes:
        medians = {b: statistics.median(times[b, size]) for b in args.backends}
        best = min(medians.values())
        h, w = shapes[size][:2]
        for backend in args.backends:
            runs = ", ".join(f"{t:.3f}" for t in times[backend, size])
            lines.append(f"| {size} px ({w}x{h}) | {backend} | {medians[backend]:.3f} | {runs} | "
                         f"{medians[backend] / best:.2f} |")
    table = "\n".join(lines) + "\n"
    print(table)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(table)


if __name__ == "__main__":
    main()
