"""Throughput of the library's `model.fit` against hand-written training loops in the
same framework, on every backend (issue 7: "the Keras abstraction must cost nothing").

    python benchmarks/throughput.py [--workloads dcgan wgan_gp] [--batch-sizes 64]
        [--backends tensorflow jax torch] [--steps 3] [--repeats 3]

Workloads (64x64 RGB, the DCGAN networks of Radford et al. 2016 with `filters=64`):

- `dcgan`: one step = one discriminator update + one generator update, non-saturating
  loss, Adam(2e-4, 0.5) (`keras_gan.DCGAN`);
- `wgan_gp`: one step = 5 critic updates, each on its own fifth of the batch, with the
  gradient penalty of Gulrajani et al. 2017 (double backpropagation), + one generator
  update (`keras_gan.WGANGP` on the DCGAN networks).

For each backend a child process (`KERAS_BACKEND` is fixed per process) builds the
library model and the reference loop of its framework (`benchmarks/reference/`:
`tf_loop.py` tf.GradientTape + tf.function, `torch_loop.py` plain torch.nn +
torch.optim, `jax_loop.py` plain jax.jit), with the same networks, batch, optimizer and
arithmetic. One `fit` call runs `1 + repeats` epochs of `steps` steps; after each epoch
(timed from its start to a host read of the weights, which waits for the device) the
reference runs `steps` steps, timed the same way: the two alternate, and the first
epoch of each (compilation) is not counted. The table shows the median images per
second (real images consumed per training step times steps per second), the ratio
library / reference, the peak resident memory of a separate process running each one
alone, and the compute floor: the step's floating point operations (counted from the
layer shapes: 2 per multiply-add of the convolutions and dense layers, a backward pass
= 2 forward passes, double backpropagation of the penalty = 4) per second, as a
fraction of the best float32 matmul rate of the same framework on this machine.

Writes `benchmarks/results/throughput.md` (and `throughput_runs.jsonl`, one line per
measurement).
"""

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results")
BACKENDS = ("tensorflow", "jax", "torch")
REFERENCE_MODULE = {"tensorflow": "tf_loop", "jax": "jax_loop", "torch": "torch_loop"}
CRITIC_STEPS = 5


# ----------------------------------------------------------------------- FLOPs
def forward_flops(network):
    """Floating point operations of one forward pass of one sample through a functional
    Keras `network`: 2 per multiply-add of its Dense, Conv2D and Conv2DTranspose layers
    (elementwise layers, batch norm and activations are left out: a few percent)."""
    import keras

    total = 0
    for layer in network.layers:
        if isinstance(layer, keras.layers.Dense):
            total += 2 * layer.kernel.shape[0] * layer.kernel.shape[1]
        elif isinstance(layer, keras.layers.Conv2DTranspose):
            # each input position scatters a k x k x C_out patch: the cost of the
            # convolution it is the gradient of
            _, h, w, c_in = layer.input.shape
            k_h, k_w = layer.kernel_size
            total += 2 * h * w * c_in * k_h * k_w * layer.filters
        elif isinstance(layer, keras.layers.Conv2D):
            _, h, w, c_out = layer.output.shape
            k_h, k_w = layer.kernel_size
            total += 2 * h * w * c_out * k_h * k_w * layer.input.shape[-1]
    return total


def step_flops(workload, batch_size, generator, discriminator):
    """FLOPs of one training step of `workload` (see the module docstring)."""
    f_g, f_d = forward_flops(generator), forward_flops(discriminator)
    if workload == "dcgan":
        b = batch_size
        # D update: G forward (no gradient), D forward + backward on real and fake;
        # G update: G forward + backward, D forward + backward to its input only
        return b * (f_g + 2 * 3 * f_d) + b * (3 * f_g + 2 * f_d)
    m = batch_size // CRITIC_STEPS
    # critic update: G forward, D forward + backward on real and fake, the penalty's
    # forward + input gradient (2 F_D) and its backward through both (4 F_D)
    critic = m * (f_g + 2 * 3 * f_d + 6 * f_d)
    return CRITIC_STEPS * critic + m * (3 * f_g + 2 * f_d)


# ----------------------------------------------------------------- child process
def _networks(workload):
    import keras_gan

    generator = keras_gan.networks.dcgan_generator(100, (64, 64, 3), 64)
    discriminator = keras_gan.networks.dcgan_discriminator((64, 64, 3), 64)
    return generator, discriminator


def _library_model(workload):
    import keras_gan

    generator, discriminator = _networks(workload)
    if workload == "dcgan":
        model = keras_gan.DCGAN(generator, discriminator, latent_dim=100, seed=0)
    else:
        model = keras_gan.WGANGP(generator, discriminator, latent_dim=100, seed=0,
                                 discriminator_steps=CRITIC_STEPS)
    model.compile()
    return model


def _reference(workload, batch_size):
    import importlib

    import keras

    sys.path.insert(0, HERE)
    module = importlib.import_module(
        "reference." + REFERENCE_MODULE[keras.backend.backend()])
    return getattr(module, workload)(batch_size, seed=0)


def _real_images(batch_size, steps):
    import numpy as np

    rng = np.random.default_rng(0)
    return rng.uniform(-1.0, 1.0, (batch_size * steps, 64, 64, 3)).astype("float32")


def _wait(model):
    """Blocks until the device has run every queued step: a host read of values that
    depend on the last update of both networks."""
    import keras

    for variable in (model.generator.trainable_variables[-1],
                     model.discriminator.trainable_variables[-1]):
        keras.ops.convert_to_numpy(variable.value)


def _timings(workload, batch_size, steps, repeats):
    """Alternating epochs of the library and runs of the reference (see the module
    docstring). Returns seconds per step of each, without the first (warm-up) round."""
    import time

    import keras

    model = _library_model(workload)
    reference = _reference(workload, batch_size)
    library_seconds, reference_seconds = [], []

    class Alternate(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            _wait(model)
            library_seconds.append((time.perf_counter() - self.start) / steps)
            start = time.perf_counter()
            reference.run(steps)
            reference.sync()
            reference_seconds.append((time.perf_counter() - start) / steps)

    model.fit(_real_images(batch_size, steps), batch_size=batch_size, epochs=1 + repeats,
              steps_per_epoch=steps, shuffle=False, verbose=0, callbacks=[Alternate()])
    return library_seconds[1:], reference_seconds[1:], model, reference.param_counts


def _trainable(network):
    return int(sum(math.prod(v.shape) for v in network.trainable_variables))


def _peak_memory(workload, batch_size, steps, implementation):
    """Peak resident memory (MB) of this process after `steps` steps of one
    implementation alone."""
    import resource

    if implementation == "library":
        model = _library_model(workload)
        model.fit(_real_images(batch_size, steps), batch_size=batch_size, epochs=1,
                  steps_per_epoch=steps, shuffle=False, verbose=0)
        _wait(model)
    else:
        reference = _reference(workload, batch_size)
        reference.run(steps)
        reference.sync()
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KB on Linux


def _matmul_peak(n=2048, repeats=5):
    """Best float32 GFLOP/s of an n x n matmul in the current backend's framework."""
    import time

    import keras
    import numpy as np

    a = keras.ops.convert_to_tensor(np.random.default_rng(0).standard_normal((n, n)),
                                    dtype="float32")
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        matmul = jax.jit(lambda x: x @ x)
    elif backend == "tensorflow":
        import tensorflow as tf

        matmul = tf.function(lambda x: tf.linalg.matmul(x, x))
    else:
        import torch

        def matmul(x):
            with torch.no_grad():
                return x @ x
    keras.ops.convert_to_numpy(matmul(a))  # compile / warm up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        out = matmul(a)
        keras.ops.convert_to_numpy(out[:1, :1])
        best = min(best, time.perf_counter() - start)
    return 2 * n ** 3 / best / 1e9


def child(args):
    import keras

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if args.probe:
        mb = _peak_memory(args.workload, args.batch_size, args.steps, args.probe)
        print("RESULT " + json.dumps({"peak_mb": mb}))
        return
    library, reference, model, reference_counts = _timings(
        args.workload, args.batch_size, args.steps, args.repeats)
    if tuple(reference_counts) != (_trainable(model.generator),
                                   _trainable(model.discriminator)):
        raise RuntimeError(f"the reference's networks have {reference_counts} trainable "
                           "parameters, the library's "
                           f"{(_trainable(model.generator), _trainable(model.discriminator))}")
    flops = step_flops(args.workload, args.batch_size, model.generator, model.discriminator)
    print("RESULT " + json.dumps({
        "backend": keras.backend.backend(), "workload": args.workload,
        "batch_size": args.batch_size, "steps": args.steps,
        "library_seconds": library, "reference_seconds": reference,
        "step_gflop": flops / 1e9, "matmul_gflops": _matmul_peak(),
        "param_counts": [_trainable(model.generator), _trainable(model.discriminator)],
        "reference_param_counts": list(reference_counts),
        "library_jit_compile": bool(model.jit_compile),
    }))


# ----------------------------------------------------------------- parent process
def _run_child(backend, extra):
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", *extra],
                            env=env, capture_output=True, text=True, cwd=ROOT)
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    if result.returncode != 0 or not lines:
        tail = "\n".join(result.stderr.strip().splitlines()[-15:])
        raise RuntimeError(f"the {backend} child failed ({' '.join(extra)}):\n{tail}")
    return json.loads(lines[-1][len("RESULT "):])


def images_per_step(workload, batch_size):
    """Real images one training step consumes (WGAN-GP: the 5 critic slices)."""
    if workload == "dcgan":
        return batch_size
    return batch_size // CRITIC_STEPS * CRITIC_STEPS


def measure(backend, workload, batch_size, steps, repeats):
    common = ["--workload", workload, "--batch-size", str(batch_size), "--steps", str(steps)]
    row = _run_child(backend, common + ["--repeats", str(repeats)])
    for implementation in ("library", "reference"):
        row[f"{implementation}_peak_mb"] = _run_child(
            backend, common + ["--probe", implementation])["peak_mb"]
    images = images_per_step(workload, batch_size)
    for implementation in ("library", "reference"):
        seconds = statistics.median(row[f"{implementation}_seconds"])
        row[f"{implementation}_images_per_second"] = images / seconds
        row[f"{implementation}_gflops"] = row["step_gflop"] / seconds
    row["ratio"] = row["library_images_per_second"] / row["reference_images_per_second"]
    return row


def table(rows, args):
    steps = "/".join(sorted({str(r["steps"]) for r in rows}))
    rounds = "/".join(sorted({str(len(r["library_seconds"])) for r in rows}))
    lines = [
        "# Throughput: library `model.fit` vs hand-written loops",
        "",
        "Each row: `python benchmarks/throughput.py --workloads W --batch-sizes B "
        f"--steps {steps} --repeats {rounds}` with the row's workload and batch, its latest "
        "measurement in `throughput_runs.jsonl` (`--report` rebuilds this table from it).",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPU "
        "cores, no GPU. 64x64 RGB, DCGAN networks with `filters=64` (generator "
        f"{rows[0]['param_counts'][0]:,} and discriminator {rows[0]['param_counts'][1]:,} "
        f"trainable parameters, the same in every reference loop). Median of {rounds} alternating rounds of {steps} steps "
        "after one warm-up round; images/s = real images consumed per step x steps/s. "
        "Peak memory: resident set of a process running that implementation alone. "
        "Compute: counted FLOPs per step / time, and that rate over the best float32 "
        "2048x2048 matmul of the same framework on this machine.",
        "",
        "| workload | batch | backend | library img/s | reference img/s | library / "
        "reference | library MB | reference MB | GFLOP / step | library GFLOP/s | "
        "matmul GFLOP/s | % of matmul |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['workload']} | {r['batch_size']} | {r['backend']} | "
            f"{r['library_images_per_second']:.1f} | {r['reference_images_per_second']:.1f} | "
            f"{r['ratio']:.2f} | {r['library_peak_mb']:.0f} | {r['reference_peak_mb']:.0f} | "
            f"{r['step_gflop']:.1f} | {r['library_gflops']:.1f} | {r['matmul_gflops']:.1f} | "
            f"{100 * r['library_gflops'] / r['matmul_gflops']:.0f} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workloads", nargs="+", default=["dcgan", "wgan_gp"],
                        choices=["dcgan", "wgan_gp"])
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=[64])
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    parser.add_argument("--steps", type=int, default=3, help="steps per timed round")
    parser.add_argument("--repeats", type=int, default=3, help="timed rounds")
    parser.add_argument("--report", action="store_true",
                        help="measure nothing: rewrite throughput.md from the latest line of "
                             "throughput_runs.jsonl for each workload, batch and backend")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workload", help=argparse.SUPPRESS)
    parser.add_argument("--batch-size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--probe", choices=["library", "reference"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args)
    rows = []
    os.makedirs(RESULTS, exist_ok=True)
    if args.report:
        return write_report(args)
    for workload in args.workloads:
        for batch_size in args.batch_sizes:
            for backend in args.backends:
                row = measure(backend, workload, batch_size, args.steps, args.repeats)
                rows.append(row)
                with open(os.path.join(RESULTS, "throughput_runs.jsonl"), "a") as f:
                    f.write(json.dumps(row) + "\n")
                print(f"{workload} b{batch_size} {backend}: library "
                      f"{row['library_images_per_second']:.1f} img/s, reference "
                      f"{row['reference_images_per_second']:.1f} img/s, ratio "
                      f"{row['ratio']:.2f}", flush=True)
    write_report(args)


def write_report(args):
    """throughput.md from the latest measurement of each workload, batch and backend in
    throughput_runs.jsonl (so that runs of different workloads make one table)."""
    latest = {}
    with open(os.path.join(RESULTS, "throughput_runs.jsonl")) as f:
        for line in f:
            row = json.loads(line)
            latest[(row["workload"], row["batch_size"], row["backend"])] = row
    order = {name: i for i, name in enumerate(BACKENDS)}
    rows = sorted(latest.values(), key=lambda r: (r["workload"], r["batch_size"],
                                                  order[r["backend"]]))
    text = table(rows, args)
    print(text)
    with open(os.path.join(RESULTS, "throughput.md"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    sys.exit(main())
