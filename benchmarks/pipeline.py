"""Does the input pipeline starve the training step? Seconds per `model.fit` step on
the library's real-data pipelines against the same model fed synthetic in-memory numpy
batches of the same shapes and dtypes, on every backend (issue 7: "the input pipeline
never starves the step": the gap must stay under 5%).

    python benchmarks/pipeline.py [--pipelines mnist folder sr]
        [--backends tensorflow jax torch] [--steps 4] [--window 3] [--repeats 5]
        [--batch-size 64] [--filters 32] [--sr-batch-size 16] [--sr-blocks 2]
        [--sr-filters 32] [--sr-vgg]

Pipelines (each the path a user takes; `keras_gan.recipes` is what `keras-gan train`
builds):

- `mnist`: DCGAN (Radford, Metz & Chintala 2016, "Unsupervised Representation Learning
  with Deep Convolutional Generative Adversarial Networks") on MNIST 28x28x1,
  `recipes.image_data("mnist", data_dir=...)` + `recipes.image_model("dcgan", ...)`
  (the command line's defaults: batch 64, `--filters 32`). With `data_dir` holding
  the original IDX files (`../shared/data/mnist`) `datasets.load` reads them without
  network and without `tensorflow_datasets`: the 60,000 uint8 images are held in
  memory and each batch is a shuffled gather, cast and scaled to [-1, 1] in a parallel
  `tf.data` map, prefetched. The `tensorflow_datasets.load` path (a prepared TFDS
  copy, 60,000-example shuffle buffer) cannot be built on a machine without network
  and is not measured.
- `folder`: DCGAN 64x64x3 on an image folder, `recipes.image_data(FOLDER)` (=
  `datasets.image_folder(FOLDER, 64)`, labels from sub-folders, which DCGAN ignores).
  The folder is made for the run in a temporary directory: `--folder-images` files
  (default 512, half JPEG at quality 90, half PNG, in 4 class sub-folders), random
  square crops of 128 to 320 pixels of the BSD68 photographs
  (`../shared/data/sr/BSD68`), which the loader centre-crops and resizes to 64x64.
  `image_folder` decodes every file once, when it is called (reported as set-up
  time, not in the step), and serves batches from memory like MNIST. An epoch of 512
  images is 8 steps, so the dataset is `.repeat()`ed, which makes no difference to
  the work per batch.
- `sr`: SRGAN (Ledig et al. 2017, "Photo-Realistic Single Image Super-Resolution Using
  a Generative Adversarial Network") on `datasets.sr_pairs(BSD68)` (SRGAN's defaults:
  random aligned 96x96 HR / 24x24 LR patches, x4, the 8 symmetries, batch 16; each
  image's LR is computed once, when `sr_pairs` is called: set-up time). The model is
  shrunk so that a CPU run stays short, which makes the test harder (a cheaper step
  leaves less time to hide the pipeline's work): the paper's SRGAN-MSE variant (pixel
  MSE + 1e-3 x the adversarial loss, no VGG) with `networks.srresnet(4,
  blocks=--sr-blocks, filters=--sr-filters)` (2 residual blocks of 32 channels; the
  paper: 16 of 64) and `networks.srgan_discriminator((96, 96, 3),
  filters=--sr-filters)` (the paper: 64). `--sr-vgg` trains SRGAN-VGG54 instead
  (`SRGAN(vgg_weights=None)`: the VGG19 features through random weights, since
  ImageNet weights cannot be downloaded offline; the same arithmetic): with
  `--sr-filters 64` that step took 15 to 19 s under TensorFlow on 2 CPU cores shared
  with other work, too long for this benchmark's budget.

Synthetic data: numpy arrays of the real batches' shapes and dtypes (float32 images
uniform in [-1, 1] and int32 labels for the DCGANs; float32 LR in [0, 1] and HR in
[-1, 1] for SRGAN), `(steps + 2) * batch` examples (more than one call takes, so that
its iterator never restarts) given to `fit(x, y, batch_size=..., shuffle=False)`:
Keras's own array adapter feeds them (a vectorised gather in `tf.data` under
TensorFlow, numpy slices under JAX and PyTorch).

Protocol: one child process per backend (`KERAS_BACKEND` is fixed per process) builds,
for each pipeline, one model and alternates `fit` calls on synthetic and real data in
the same process, `1 + repeats` rounds (the order inside a round alternates: S R, R S,
...), the first round not counted (tracing / compilation of each input signature).
Each call is one epoch of `1 + steps` steps, `steps` being `--steps`, or more when
`--window` seconds need more at the warm-up round's speed (a fast step is timed over
more steps: a window of a few tenths of a second is mostly scheduling noise on a shared
machine). Its step 0, timed from the epoch's start, also creates the iterator and
waits for the first batch (reported as "first step"); steps 1 to `steps` are the
steady state that the gap compares. Both are timed up to a host read of weights of
both networks, which waits for the device (under JAX, `jax_state_sync` first puts the
weights that `fit` holds back into the variables).

gap % = median real s/step / median synthetic s/step - 1 (the target: under 5%). The
range of the per-round ratios of the paired rounds shows the noise; "fastest" compares
the fastest round of each, the least disturbed by other processes on a shared machine.
"alone" is the real dataset iterated as numpy batches without a model (ms per batch,
after 3 batches), in the same child: the pipeline's own cost per step, to set beside
the step time.

Writes `benchmarks/results/pipeline.md` (from the latest measurement of each backend
and pipeline in `pipeline_runs.jsonl`, one line per measurement).
"""

import argparse
import json
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from throughput import _wait  # the host read that waits for the device

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results")
DATA = os.path.join(os.path.dirname(ROOT), "shared", "data")
BACKENDS = ("tensorflow", "jax", "torch")
PIPELINES = ("mnist", "folder", "sr")
NAMES = {"mnist": "DCGAN MNIST 28x28", "folder": "DCGAN 64x64 image folder",
         "sr": "SRGAN sr_pairs BSD68"}
LIMIT = 0.05  # the target: real data at most 5% slower per step


def _check(args):
    for name in ("steps", "repeats", "batch_size", "filters", "sr_batch_size", "sr_blocks",
                 "sr_filters", "folder_images", "alone_batches"):
        if getattr(args, name) < 1:
            raise SystemExit(f"--{name.replace('_', '-')} must be >= 1; received "
                             f"{getattr(args, name)}.")
    if not args.window >= 0:
        raise SystemExit(f"--window must be >= 0 seconds; received {args.window}.")
    for name in ("mnist", os.path.join("sr", "BSD68")):
        if not os.path.isdir(os.path.join(args.data_dir, name)):
            raise SystemExit(f"{os.path.join(args.data_dir, name)} is missing (see "
                             "shared/data/README.md); pass --data-dir.")


# ------------------------------------------------------------------ the image folder
def make_folder(source, target, count, seed=0):
    """`count` random square crops (128 to 320 px) of the images in `source`, half JPEG
    (quality 90) and half PNG, in 4 class sub-folders of `target`."""
    from PIL import Image

    files = sorted(f for f in os.listdir(source) if f.lower().endswith((".png", ".jpg")))
    rng = random.Random(seed)
    for c in range(4):
        os.makedirs(os.path.join(target, f"class{c}"), exist_ok=True)
    for i in range(count):
        with Image.open(os.path.join(source, files[i % len(files)])) as image:
            image = image.convert("RGB")
            side = rng.randint(128, min(320, *image.size))
            left = rng.randint(0, image.width - side)
            top = rng.randint(0, image.height - side)
            crop = image.crop((left, top, left + side, top + side))
            stem = os.path.join(target, f"class{i % 4}", f"{i:04d}")
            if i % 2:
                crop.save(stem + ".png")
            else:
                crop.save(stem + ".jpg", quality=90)


# ----------------------------------------------------------------- child process
def _model_note(pipeline, args):
    if pipeline != "sr":
        return f"recipes.image_model('dcgan', filters={args.filters})"
    return (f"SRGAN-{'VGG54 (random VGG19)' if args.sr_vgg else 'MSE'}, SRResNet "
            f"blocks={args.sr_blocks} filters={args.sr_filters}, srgan_discriminator "
            f"filters={args.sr_filters}")


def _build(pipeline, args):
    """`(model, real dataset, synthetic(steps) -> (x, y), batch size, set-up seconds)`."""
    import numpy as np

    import keras

    from keras_gan import recipes

    start = time.perf_counter()
    classes = None
    if pipeline == "sr":
        from keras_gan import networks
        from keras_gan.datasets import sr_pairs
        from keras_gan.models import SRGAN

        real = sr_pairs(os.path.join(args.data_dir, "sr", "BSD68"),
                        batch_size=args.sr_batch_size, seed=0)
        setup = time.perf_counter() - start
        keras.utils.set_random_seed(0)
        # SRGAN-MSE (pixel MSE + 1e-3 adversarial), or with --sr-vgg SRGAN-VGG54
        losses = {} if args.sr_vgg else {"perceptual_loss": None, "pixel_weight": 1.0}
        model = SRGAN(blocks=args.sr_blocks, filters=args.sr_filters, vgg_weights=None,
                      discriminator=networks.srgan_discriminator((96, 96, 3),
                                                                 args.sr_filters),
                      **losses)
        model.compile()
        batch = args.sr_batch_size
    else:
        source = "mnist" if pipeline == "mnist" else args.folder
        real, shape, classes = recipes.image_data(source, batch_size=args.batch_size, seed=0,
                                                  data_dir=args.data_dir)
        setup = time.perf_counter() - start
        real = real.repeat()
        model = recipes.image_model("dcgan", shape, classes, seed=0, filters=args.filters)
        batch = args.batch_size
    specs = real.element_spec

    def synthetic(steps):
        """Arrays of `(steps + 2) * batch` examples: more than a call of `1 + steps`
        steps takes, so that its iterator never restarts."""
        rng = np.random.default_rng(0)
        arrays = []
        for spec in specs:
            shape = ((steps + 2) * batch, *spec.shape[1:])
            if spec.dtype.is_integer:
                arrays.append(rng.integers(0, classes or 1, shape).astype(spec.dtype.name))
            else:
                low = 0.0 if pipeline == "sr" and not arrays else -1.0  # SR: LR in [0, 1]
                arrays.append(rng.uniform(low, 1.0, shape).astype(spec.dtype.name))
        return tuple(arrays)

    return model, real, synthetic, batch, setup


def _alone(real, batches):
    """ms per batch of the real dataset iterated as numpy, without a model."""
    iterator = real.as_numpy_iterator()
    for _ in range(3):
        next(iterator)
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return 1000 * (time.perf_counter() - start) / batches


def _sync(model):
    """`_wait` in the middle of an epoch: under JAX, `fit` keeps the weights out of the
    model's variables until the epoch ends; `jax_state_sync` (JAX only) puts them back."""
    if hasattr(model, "jax_state_sync"):
        model.jax_state_sync()
    _wait(model)


def _measure(pipeline, args):
    import keras

    model, real, synthetic, batch, setup = _build(pipeline, args)

    class Timer(keras.callbacks.Callback):
        """Times step 0 (from the epoch's start: it also creates the iterator and reads
        the first batch) and steps 1.. together (the steady state), each up to a host
        read of the weights, which waits for the device."""

        def on_epoch_begin(self, epoch, logs=None):
            self.begin = time.perf_counter()

        def on_train_batch_begin(self, batch, logs=None):
            if batch == 1:
                _sync(model)
                self.middle = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            _wait(model)
            self.end = time.perf_counter()

        def seconds(self, steps):
            return self.middle - self.begin, (self.end - self.middle) / steps

    seconds = {"synthetic": [], "real": []}
    first = {"synthetic": [], "real": []}
    steps = args.steps
    x, y = synthetic(steps)
    for round_ in range(1 + args.repeats):
        order = ("synthetic", "real") if round_ % 2 == 0 else ("real", "synthetic")
        for kind in order:
            timer = Timer()
            if kind == "real":
                model.fit(real, epochs=1, steps_per_epoch=steps + 1, verbose=0,
                          callbacks=[timer])
            else:
                model.fit(x, y, batch_size=batch, epochs=1, steps_per_epoch=steps + 1,
                          shuffle=False, verbose=0, callbacks=[timer])
            step0, step = timer.seconds(steps)
            if round_ > 0:
                first[kind].append(step0)
                seconds[kind].append(step)
            else:
                seconds[kind].append(step)  # the warm-up round sizes the timed ones
        if round_ == 0:
            warm = statistics.mean(seconds["synthetic"] + seconds["real"])
            seconds = {"synthetic": [], "real": []}
            steps = max(args.steps, math.ceil(args.window / warm))
            x, y = synthetic(steps)
    return {
        "backend": keras.backend.backend(), "pipeline": pipeline, "batch_size": batch,
        "steps": steps, "repeats": args.repeats,
        "model": _model_note(pipeline, args),
        "shapes": [list(a.shape[1:]) for a in (x, y)],
        "synthetic_seconds": seconds["synthetic"], "real_seconds": seconds["real"],
        "synthetic_first_seconds": first["synthetic"], "real_first_seconds": first["real"],
        "setup_seconds": setup, "alone_ms": _alone(real, args.alone_batches),
        "jit_compile": bool(model.jit_compile),
    }


def child(args):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    for pipeline in args.pipelines:
        print("RESULT " + json.dumps(_measure(pipeline, args)), flush=True)


# ----------------------------------------------------------------- parent process
def summarise(row):
    synthetic = statistics.median(row["synthetic_seconds"])
    real = statistics.median(row["real_seconds"])
    row["synthetic_step"], row["real_step"] = synthetic, real
    row["gap"] = real / synthetic - 1
    ratios = [r / s - 1 for r, s in zip(row["real_seconds"], row["synthetic_seconds"])]
    row["round_gaps"] = [min(ratios), max(ratios)]
    # other processes only ever add time: the fastest rounds are the least disturbed
    row["fastest_gap"] = min(row["real_seconds"]) / min(row["synthetic_seconds"]) - 1
    row["synthetic_first"] = statistics.median(row["synthetic_first_seconds"])
    row["real_first"] = statistics.median(row["real_first_seconds"])
    return row


def measure(backend, args):
    """The rows of one backend's child (all pipelines)."""
    command = [sys.executable, os.path.abspath(__file__), "--child", "--backends", backend,
               "--pipelines", *args.pipelines, "--data-dir", args.data_dir,
               "--folder", args.folder or "", "--steps", str(args.steps),
               "--window", str(args.window),
               "--repeats", str(args.repeats), "--batch-size", str(args.batch_size),
               "--filters", str(args.filters), "--sr-batch-size", str(args.sr_batch_size),
               "--sr-blocks", str(args.sr_blocks), "--sr-filters", str(args.sr_filters),
               "--alone-batches", str(args.alone_batches)] + ["--sr-vgg"] * args.sr_vgg
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2")
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
    rows = [json.loads(line[len("RESULT "):]) for line in done.stdout.splitlines()
            if line.startswith("RESULT ")]
    if done.returncode != 0 or len(rows) != len(args.pipelines):
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        raise RuntimeError(f"the {backend} child failed:\n{tail}")
    return [summarise(row) for row in rows]


def table(rows, command):
    repeats = "/".join(sorted({str(r["repeats"]) for r in rows}))
    models = sorted({f"{r['pipeline']}: {r['model']}" for r in rows})
    lines = [
        "# Input pipeline: real data vs synthetic in-memory batches",
        "",
        f"Command: `{command}` (`--report` rebuilds this table from the latest line of "
        "`pipeline_runs.jsonl` for each backend and pipeline).",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPU "
        "cores, no GPU. Models: " + "; ".join(models) + ". Seconds per `model.fit` "
        f"step: the median of {repeats} rounds of `steps` steps after one warm-up round, "
        "real and synthetic data alternating in one process (see the docstring of "
        "`benchmarks/pipeline.py`). gap = real / synthetic - 1 (the target: under 5%); "
        "per round: the range of the paired rounds' gaps (the noise); fastest: the "
        "fastest real round over the fastest synthetic one. first step: s of each "
        "call's step 0, which also starts the iterator. set-up: building the dataset "
        "(decoding the folder; the SR images' LR), once. alone: the real dataset "
        "iterated as numpy batches without a model. Not measured: the "
        "`tensorflow_datasets` path of `datasets.load` (it needs a prepared TFDS copy; "
        "MNIST here is read from the original IDX files).",
        "",
        "| pipeline | backend | batch | steps | synthetic s/step | real s/step | gap % | "
        "per round % | fastest % | synthetic first step s | real first step s | set-up s "
        "| alone ms/batch |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        flag = " **over 5%**" if r["gap"] > LIMIT else ""
        lines.append(
            f"| {NAMES[r['pipeline']]} | {r['backend']} | {r['batch_size']} | "
            f"{r['steps']} | {r['synthetic_step']:.3f} | {r['real_step']:.3f} | "
            f"{100 * r['gap']:+.1f}{flag} | "
            f"{100 * r['round_gaps'][0]:+.1f} .. {100 * r['round_gaps'][1]:+.1f} | "
            f"{100 * r['fastest_gap']:+.1f} | {r['synthetic_first']:.3f} | "
            f"{r['real_first']:.3f} | {r['setup_seconds']:.1f} | {r['alone_ms']:.1f} |")
    return "\n".join(lines) + "\n"


def write_report(command, results=RESULTS):
    latest = {}
    with open(os.path.join(results, "pipeline_runs.jsonl")) as f:
        for line in f:
            row = json.loads(line)
            latest[(row["pipeline"], row["backend"])] = row
    p_order = {name: i for i, name in enumerate(PIPELINES)}
    b_order = {name: i for i, name in enumerate(BACKENDS)}
    rows = sorted(latest.values(), key=lambda r: (p_order[r["pipeline"]],
                                                  b_order[r["backend"]]))
    commands = sorted({r.get("command", command) for r in rows})
    text = table(rows, "`; `".join(commands))
    print(text)
    with open(os.path.join(results, "pipeline.md"), "w") as f:
        f.write(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pipelines", nargs="+", default=list(PIPELINES), choices=PIPELINES)
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    parser.add_argument("--steps", type=int, default=4,
                        help="timed steps per call (after its step 0), at least")
    parser.add_argument("--window", type=float, default=3.0,
                        help="seconds that the timed steps of a call should take, at least: "
                             "more steps for a fast step, from the warm-up round")
    parser.add_argument("--repeats", type=int, default=5, help="timed rounds")
    parser.add_argument("--batch-size", type=int, default=64, help="DCGAN batch")
    parser.add_argument("--filters", type=int, default=32, help="DCGAN width")
    parser.add_argument("--sr-batch-size", type=int, default=16)
    parser.add_argument("--sr-blocks", type=int, default=2, help="SRResNet residual blocks")
    parser.add_argument("--sr-filters", type=int, default=32,
                        help="SRResNet and SRGAN discriminator width (the paper's: 64)")
    parser.add_argument("--sr-vgg", action="store_true",
                        help="SRGAN-VGG54 (random VGG19) instead of SRGAN-MSE")
    parser.add_argument("--folder-images", type=int, default=512)
    parser.add_argument("--alone-batches", type=int, default=20)
    parser.add_argument("--data-dir", default=DATA, help="the offline data (shared/data)")
    parser.add_argument("--results", default=RESULTS,
                        help="folder of pipeline.md and pipeline_runs.jsonl")
    parser.add_argument("--report", action="store_true",
                        help="measure nothing: rewrite pipeline.md from pipeline_runs.jsonl")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args)
    command = "python benchmarks/pipeline.py " + " ".join(argv if argv is not None
                                                          else sys.argv[1:])
    os.makedirs(args.results, exist_ok=True)
    if args.report:
        return write_report(command.strip(), args.results)
    _check(args)
    temporary = None
    if "folder" in args.pipelines:
        temporary = tempfile.mkdtemp(prefix="keras_gan_pipeline_")
        make_folder(os.path.join(args.data_dir, "sr", "BSD68"), temporary, args.folder_images)
        args.folder = temporary
    try:
        for backend in args.backends:
            for row in measure(backend, args):
                row["command"] = command.strip()
                with open(os.path.join(args.results, "pipeline_runs.jsonl"), "a") as f:
                    f.write(json.dumps(row) + "\n")
                print(f"{row['pipeline']} {backend}: synthetic {row['synthetic_step']:.3f} "
                      f"s/step, real {row['real_step']:.3f} s/step, gap "
                      f"{100 * row['gap']:+.1f}%", flush=True)
    finally:
        if temporary:
            shutil.rmtree(temporary, ignore_errors=True)
    write_report(command.strip(), args.results)


if __name__ == "__main__":
    sys.exit(main())
