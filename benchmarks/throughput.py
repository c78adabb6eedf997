"""Throughput of the library's `model.fit` against hand-written training loops in the
same framework, on every backend (issue 7: "the Keras abstraction must cost nothing").

    python benchmarks/throughput.py [--workloads dcgan wgan_gp srgan style]
        [--batch-sizes 64] [--backends tensorflow jax torch] [--steps 3] [--repeats 3]
        [--jit-compile auto|true|false]

Workloads:

- `dcgan` (64x64 RGB, the DCGAN networks of Radford et al. 2016 with `filters=64`):
  one step = one discriminator update + one generator update, non-saturating loss,
  Adam(2e-4, 0.5) (`keras_gan.DCGAN`); batch 64 by default;
- `wgan_gp`: one step = 5 critic updates, each on its own fifth of the batch, with the
  gradient penalty of Gulrajani et al. 2017 (double backpropagation), + one generator
  update (`keras_gan.WGANGP` on the DCGAN networks); batch 64;
- `srgan`: one GAN step of SRGAN (Ledig et al. 2017): SRResNet x4 on 24x24 LR crops,
  the VGG54 perceptual loss + 1e-3 adversarial, one generator and one discriminator
  update (`keras_gan.models.SRGAN`, random VGG19 weights); batch 16
  (`reference/srgan_workload.py`);
- `style`: one iteration of Gatys et al. 2016 style transfer at 512x512
  (`keras_gan.models.StyleTransfer`, random VGG19 weights; `reference/style_workload.py`).

For each backend a child process (`KERAS_BACKEND` is fixed per process) builds the
library model and the reference loop of its framework (`benchmarks/reference/`:
`tf_*.py` tf.GradientTape + tf.function, `torch_*.py` plain torch.nn + torch.optim,
`jax_*.py` plain jax.jit), with the same networks, batch, optimizer and arithmetic
(`reference/check_*.py` compare one step of each with the library's). One `fit` call
runs `1 + repeats` epochs of `steps` steps; after each epoch (timed from its start to a
host read of the trained weights, which waits for the device) the reference runs
`steps` steps, timed the same way: the two alternate, and the first epoch of each
(compilation) is not counted. The TensorFlow reference is XLA-compiled exactly when the
library's step is (`--jit-compile`; `auto` is the library's default). The table shows
the median images (iterations) per second, the ratio library / reference, the peak
resident memory of a separate process running each one alone, and the compute floor:
the step's floating point operations (counted from the layer shapes: 2 per multiply-add
of the convolutions and dense layers, a backward pass = 2 forward passes, double
backpropagation of the penalty = 4) per second, as a fraction of the best float32
matmul rate of the same framework on this machine.

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
REFERENCE_MODULES = {
    "dcgan": REFERENCE_MODULE,
    "wgan_gp": REFERENCE_MODULE,
    "srgan": {"tensorflow": "tf_srgan", "jax": "jax_srgan", "torch": "torch_srgan"},
    "style": {"tensorflow": "tf_style", "jax": "jax_style", "torch": "torch_style"},
}
STYLE_SIZE = 512
DEFAULT_BATCH = {"dcgan": 64, "wgan_gp": 64, "srgan": 16, "style": 1}


def _workload_module(name):
    """`reference/srgan_workload.py` or `reference/style_workload.py`."""
    import importlib

    if HERE not in sys.path:
        sys.path.insert(0, HERE)
    return importlib.import_module(f"reference.{name}_workload")


def _networks(workload):
    import keras_gan

    generator = keras_gan.networks.dcgan_generator(100, (64, 64, 3), 64)
    discriminator = keras_gan.networks.dcgan_discriminator((64, 64, 3), 64)
    return generator, discriminator


def _library_model(workload, jit_compile="auto"):
    import keras_gan

    if workload in ("srgan", "style"):
        module = _workload_module(workload)
        if workload == "srgan":
            return module.library_model(jit_compile=jit_compile)
        return module.library_model(STYLE_SIZE, jit_compile=jit_compile)
    generator, discriminator = _networks(workload)
    if workload == "dcgan":
        model = keras_gan.DCGAN(generator, discriminator, latent_dim=100, seed=0)
    else:
        model = keras_gan.WGANGP(generator, discriminator, latent_dim=100, seed=0,
                                 discriminator_steps=CRITIC_STEPS)
    model.compile(jit_compile=jit_compile)
    return model


def _reference(workload, batch_size, jit_compile=False):
    """The hand-written loop of the current backend's framework; the TensorFlow loop
    is XLA-compiled exactly when the library's step is."""
    import importlib

    import keras

    if HERE not in sys.path:
        sys.path.insert(0, HERE)
    backend = keras.backend.backend()
    module = importlib.import_module("reference." + REFERENCE_MODULES[workload][backend])
    kwargs = {"seed": 0}
    if backend == "tensorflow":
        kwargs["jit_compile"] = bool(jit_compile)
    if workload == "style":
        return module.style_transfer(STYLE_SIZE, **kwargs)
    if workload == "srgan":
        return module.srgan(batch_size, **kwargs)
    return getattr(module, workload)(batch_size, **kwargs)


def _real_images(batch_size, steps):
    import numpy as np

    rng = np.random.default_rng(0)
    return rng.uniform(-1.0, 1.0, (batch_size * steps, 64, 64, 3)).astype("float32")


def _fit(model, workload, batch_size, steps, epochs, callbacks=()):
    """`model.fit` of `epochs` epochs of `steps` steps on the workload's data."""
    if workload == "style":  # feeds itself
        return model.fit(epochs=epochs, steps_per_epoch=steps, verbose=0,
                         callbacks=list(callbacks))
    if workload == "srgan":
        lr, hr = _workload_module("srgan").data(batch_size, steps)
        return model.fit(lr, hr, batch_size=batch_size, epochs=epochs, steps_per_epoch=steps,
                         shuffle=False, verbose=0, callbacks=list(callbacks))
    images = _real_images(batch_size, steps)
    if os.environ.get("THROUGHPUT_INPUT") == "tf.data":
        # a dataset with a static batch dimension (what the library's image pipelines
        # give): Keras's TensorFlow trainer then compiles the XLA step once; from numpy
        # arrays (batch dimension unknown) it compiles it again in a later epoch
        import tensorflow as tf

        dataset = tf.data.Dataset.from_tensor_slices(images).batch(
            batch_size, drop_remainder=True).repeat()
        return model.fit(dataset, epochs=epochs, steps_per_epoch=steps, verbose=0,
                         callbacks=list(callbacks))
    return model.fit(images, batch_size=batch_size, epochs=epochs,
                     steps_per_epoch=steps, shuffle=False, verbose=0,
                     callbacks=list(callbacks))


def _wait(model):
    """Blocks until the device has run every queued step: a host read of values that
    depend on the last update of every trained network (the image, for style
    transfer)."""
    import keras

    for variable in model.trainable_variables[-1:] + (
            [model.generator.trainable_variables[-1]] if hasattr(model, "generator") else []):
        keras.ops.convert_to_numpy(variable.value)


def _timings(workload, batch_size, steps, repeats, jit_compile="auto"):
    """Alternating epochs of the library and runs of the reference (see the module
    docstring). Returns seconds per step of each, without the first (warm-up) round."""
    import time

    import keras

    model = _library_model(workload, jit_compile)
    reference = _reference(workload, batch_size, jit_compile=model.jit_compile)
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

    _fit(model, workload, batch_size, steps, 1 + repeats, [Alternate()])
    return library_seconds[1:], reference_seconds[1:], model, reference.param_counts


def _trainable(network):
    return int(sum(math.prod(v.shape) for v in network.trainable_variables))


def _peak_memory(workload, batch_size, steps, implementation, jit_compile="auto"):
    """Peak resident memory (MB) of this process after `steps` steps of one
    implementation alone."""
    import resource

    if implementation == "library":
        model = _library_model(workload, jit_compile)
        _fit(model, workload, batch_size, steps, 1)
        _wait(model)
    else:  # `jit_compile`: the library's resolved setting, from the timing child
        reference = _reference(workload, batch_size, jit_compile=jit_compile is True)
        reference.run(steps)
        reference.sync()
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KB on Linux


def _param_counts(workload, model):
    """Trainable parameters of the library model, as the reference reports its own."""
    if workload == "style":
        return [_workload_module("style").trainable_count(model)]
    return [_trainable(model.generator), _trainable(model.discriminator)]


def _step_flops(workload, batch_size, model):
    if workload == "srgan":
        return _workload_module("srgan").step_flops(batch_size, model)
    if workload == "style":
        return _workload_module("style").step_flops(STYLE_SIZE, model)
    return step_flops(workload, batch_size, model.generator, model.discriminator)


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


def _jit_argument(value):
    return {"auto": "auto", "true": True, "false": False}[value]


def child(args):
    import keras

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    jit_compile = _jit_argument(args.jit_compile)
    if args.probe:
        mb = _peak_memory(args.workload, args.batch_size, args.steps, args.probe,
                          jit_compile)
        print("RESULT " + json.dumps({"peak_mb": mb}))
        return
    library, reference, model, reference_counts = _timings(
        args.workload, args.batch_size, args.steps, args.repeats, jit_compile)
    counts = _param_counts(args.workload, model)
    if list(reference_counts) != counts:
        raise RuntimeError(f"the reference has {tuple(reference_counts)} trainable "
                           f"parameters, the library {tuple(counts)}")
    flops = _step_flops(args.workload, args.batch_size, model)
    print("RESULT " + json.dumps({
        "backend": keras.backend.backend(), "workload": args.workload,
        "batch_size": args.batch_size, "steps": args.steps,
        "library_seconds": library, "reference_seconds": reference,
        "step_gflop": flops / 1e9, "matmul_gflops": _matmul_peak(),
        "param_counts": counts, "reference_param_counts": list(reference_counts),
        "library_jit_compile": bool(model.jit_compile),
        "library_input": os.environ.get("THROUGHPUT_INPUT", "arrays"),
        "jit_compile_argument": args.jit_compile,
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
    """Real images one training step consumes (WGAN-GP: the 5 critic slices; style
    transfer: one iteration on one image)."""
    if workload == "wgan_gp":
        return batch_size // CRITIC_STEPS * CRITIC_STEPS
    if workload == "style":
        return 1
    return batch_size


def measure(backend, workload, batch_size, steps, repeats, jit_compile="auto"):
    common = ["--workload", workload, "--batch-size", str(batch_size), "--steps", str(steps)]
    row = _run_child(backend, common + ["--repeats", str(repeats),
                                        "--jit-compile", jit_compile])
    resolved = "true" if row["library_jit_compile"] else "false"
    for implementation in ("library", "reference"):
        row[f"{implementation}_peak_mb"] = _run_child(
            backend, common + ["--probe", implementation, "--jit-compile", resolved])["peak_mb"]
    images = images_per_step(workload, batch_size)
    for implementation in ("library", "reference"):
        seconds = statistics.median(row[f"{implementation}_seconds"])
        row[f"{implementation}_images_per_second"] = images / seconds
        row[f"{implementation}_gflops"] = row["step_gflop"] / seconds
    row["ratio"] = row["library_images_per_second"] / row["reference_images_per_second"]
    return row


WORKLOAD_TEXT = {
    "dcgan": "DCGAN 64x64 (Radford et al. 2016 networks, `filters=64`: generator "
             "3,576,707 and discriminator 2,765,633 trainable parameters), one D + one G "
             "update per step; images/s",
    "wgan_gp": "WGAN-GP 64x64 on the same networks, 5 critic updates (each on a fifth of "
               "the batch, gradient penalty by double backpropagation) + 1 generator "
               "update per step; real images/s",
    "srgan": "SRGAN (Ledig et al. 2017) GAN step: SRResNet x4 (16 blocks) on 24x24 LR "
             "crops, discriminator on 96x96, VGG54 perceptual loss (VGG19 to block5_conv4, "
             "random weights) + 1e-3 adversarial, one G + one D update; HR images/s",
    "style": "Gatys et al. 2016 style transfer at 512x512: one Adam update of the image "
             "through VGG19 (content block4_conv2, five style Gram layers, TV); "
             "iterations/s",
}


def table(rows, args):
    steps = "/".join(sorted({str(r["steps"]) for r in rows}))
    rounds = "/".join(sorted({str(len(r["library_seconds"])) for r in rows}))
    lines = [
        "# Throughput: library `model.fit` vs hand-written loops",
        "",
        "Each row: `python benchmarks/throughput.py --workloads W --batch-sizes B "
        "--steps S --repeats R [--jit-compile J]` with the row's workload, batch and XLA "
        "setting, its latest measurement in `throughput_runs.jsonl` (`--report` rebuilds "
        "this table from it).",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPU "
        f"cores, no GPU. Median of {rounds} alternating rounds of {steps} steps after one "
        "warm-up round; the reference of each row is the hand-written loop of the row's "
        "framework (`benchmarks/reference/`), XLA-compiled on TensorFlow exactly when the "
        "library's step is (`jit`; `(tf.data)`: the library's fit fed a tf.data.Dataset "
        "with a static batch, `--input tf.data`, else numpy arrays). Peak memory: resident "
        "set of a process running that "
        "implementation alone. Compute: counted FLOPs per step / time, and that rate over "
        "the best float32 2048x2048 matmul of the same framework on this machine (the "
        "best of the table's rows, each of which measures it; XLA's fused convolutions "
        "can exceed a plain matmul's rate).",
        "",
        "Workloads:",
        "",
    ]
    for name in dict.fromkeys(r["workload"] for r in rows):
        lines.append(f"- `{name}`: {WORKLOAD_TEXT[name]}.")
    lines += [
        "",
        "| workload | batch | backend | jit | library /s | reference /s | library / "
        "reference | library MB | reference MB | GFLOP / step | library GFLOP/s | "
        "matmul GFLOP/s | % of matmul |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    # the machine's matmul rate per framework: the best of the rows' measurements (a
    # row measured while the machine was busy measures a lower one)
    peak = {}
    for r in rows:
        peak[r["backend"]] = max(peak.get(r["backend"], 0.0), r["matmul_gflops"])
    for r in rows:
        lines.append(
            f"| {r['workload']} | {r['batch_size']} | {r['backend']} | "
            f"{'on' if r.get('library_jit_compile') else 'off'}"
            f"{' (tf.data)' if r.get('library_input') == 'tf.data' else ''} | "
            f"{r['library_images_per_second']:.2f} | {r['reference_images_per_second']:.2f} | "
            f"{r['ratio']:.2f} | {r['library_peak_mb']:.0f} | {r['reference_peak_mb']:.0f} | "
            f"{r['step_gflop']:.1f} | {r['library_gflops']:.1f} | {peak[r['backend']]:.1f} | "
            f"{100 * r['library_gflops'] / peak[r['backend']]:.0f} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workloads", nargs="+", default=["dcgan", "wgan_gp"],
                        choices=list(REFERENCE_MODULES))
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=None,
                        help="default: 64 for dcgan / wgan_gp, 16 for srgan (style "
                             "transfer optimises one image: batch 1)")
    parser.add_argument("--jit-compile", choices=["auto", "true", "false"], default="auto",
                        help="the library's compile(jit_compile=...) (and the TensorFlow "
                             "reference's, resolved the same way); default: the library's "
                             "default")
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    parser.add_argument("--input", choices=["arrays", "tf.data"], default="arrays",
                        help="how the library's fit gets the DCGAN / WGAN-GP images: numpy "
                             "arrays, or a tf.data.Dataset with a static batch dimension")
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
    os.environ["THROUGHPUT_INPUT"] = args.input  # the children inherit it
    rows = []
    os.makedirs(RESULTS, exist_ok=True)
    if args.report:
        return write_report(args)
    for workload in args.workloads:
        batch_sizes = args.batch_sizes or [DEFAULT_BATCH[workload]]
        if workload == "style":
            batch_sizes = [1]
        for batch_size in batch_sizes:
            for backend in args.backends:
                row = measure(backend, workload, batch_size, args.steps, args.repeats,
                              args.jit_compile)
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
            latest[(row["workload"], row["batch_size"], row["backend"],
                    row.get("library_jit_compile", False),
                    row.get("library_input", "arrays"))] = row
    order = {name: i for i, name in enumerate(BACKENDS)}
    workloads = {name: i for i, name in enumerate(REFERENCE_MODULES)}
    rows = sorted(latest.values(), key=lambda r: (
        workloads[r["workload"]], r["batch_size"], order[r["backend"]],
        r.get("library_jit_compile", False), r.get("library_input", "arrays")))
    text = table(rows, args)
    print(text)
    with open(os.path.join(RESULTS, "throughput.md"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    sys.exit(main())
