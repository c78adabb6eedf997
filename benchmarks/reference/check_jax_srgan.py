"""Checks that the plain-JAX SRGAN reference (`jax_srgan.py`) does the math of the
library's `keras_gan.models.SRGAN(stage="gan")` step (Ledig et al. 2017, "Photo-Realistic
Single Image Super-Resolution Using a Generative Adversarial Network") under
`KERAS_BACKEND=jax`.

Builds the library model (`keras.utils.set_random_seed(0)`, `SRGAN(vgg_weights=None)`,
`compile()`) and the reference at a small batch, checks that their trainable parameter
counts are equal, copies the library's weights (generator, discriminator with their
batch-norm statistics, the frozen VGG19) into the reference's pytrees, runs one step of
each on the same `(LR, HR)` batch and compares:

- the logged loss terms (`g_loss`, `perceptual_loss`, `adversarial_loss`, `d_loss`, ...),
  computed with the weights before the update;
- every trainable weight's update (new - old) of both networks, as
  `|delta_ref - delta_lib| / |delta_lib|` (Euclidean norms over all of a network's
  weights; each Adam step moves a weight by about the learning rate, 1e-4);
- the batch-norm moving statistics after the step, relative.

Run from the repository root: `python benchmarks/reference/check_jax_srgan.py`
(`--batch-size 2 --lr-size 24`: the paper's 96x96 HR crops; a few seconds of CPU).
Prints the numbers and exits with status 1 if a relative difference exceeds `--rtol`.
"""

import argparse
import os
import sys

if os.environ.setdefault("KERAS_BACKEND", "jax") != "jax":
    sys.exit(f"check_jax_srgan.py compares with the JAX backend; KERAS_BACKEND is "
             f"{os.environ['KERAS_BACKEND']!r}.")

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

import jax_srgan  # noqa: E402
import keras_gan  # noqa: E402

_VARIABLES = {"kernel": ("params", "kernel"), "bias": ("params", "bias"),
              "alpha": ("params", "alpha"), "gamma": ("params", "gamma"),
              "beta": ("params", "beta"), "moving_mean": ("stats", "mean"),
              "moving_variance": ("stats", "var")}


def _network_values(network):
    """`{"params": {layer: {name: array}}, "stats": {...}}` of a Keras network's weights,
    keyed as the reference's pytrees are (the library's layer and variable names)."""
    out = {"params": {}, "stats": {}}
    for layer in network.layers:
        for variable in layer.weights:
            kind, key = _VARIABLES[variable.name]
            out[kind].setdefault(layer.name, {})[key] = np.asarray(
                keras.ops.convert_to_numpy(variable.value))
    return out


def _load(tree, values, what):
    """`tree` (a reference pytree) with every leaf replaced by `values`' (same keys and
    shapes required)."""
    if set(tree) != set(values):
        raise AssertionError(f"{what}: layers differ: reference {sorted(tree)}, "
                             f"library {sorted(values)}")
    out = {}
    for layer, leaves in tree.items():
        if set(leaves) != set(values[layer]):
            raise AssertionError(f"{what}/{layer}: variables differ: {sorted(leaves)} vs "
                                 f"{sorted(values[layer])}")
        out[layer] = {}
        for key, leaf in leaves.items():
            value = values[layer][key]
            if tuple(leaf.shape) != value.shape:
                raise AssertionError(f"{what}/{layer}/{key}: shape {tuple(leaf.shape)} in the "
                                     f"reference, {value.shape} in the library")
            out[layer][key] = jax.numpy.asarray(value)
    return out


def _flat(tree):
    return {f"{layer}/{key}": np.asarray(v) for layer, leaves in tree.items()
            for key, v in leaves.items()}


def _relative(a, b):
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))


def _trainable(network):
    return int(sum(np.prod(v.shape) for v in network.trainable_variables))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--lr-size", type=int, default=24)
    parser.add_argument("--rtol", type=float, default=1e-4)
    args = parser.parse_args(argv)
    scale = 4

    keras.utils.set_random_seed(0)
    model = keras_gan.models.SRGAN(vgg_weights=None, scale=scale,
                                   patch_size=args.lr_size * scale)
    model.compile()
    reference = jax_srgan.srgan(batch_size=args.batch_size, lr_size=args.lr_size,
                                scale=scale, seed=0)
    library_counts = (_trainable(model.generator), _trainable(model.discriminator))
    print(f"trainable parameters: library {library_counts}, reference "
          f"{reference.param_counts}")
    if tuple(reference.param_counts) != library_counts:
        raise AssertionError("trainable parameter counts differ")

    # the library's weights into the reference
    before = {"g": _network_values(model.generator),
              "d": _network_values(model.discriminator)}
    state = reference.state
    for net in ("g", "d"):
        for kind in ("params", "stats"):
            state[net][kind] = _load(state[net][kind], before[net][kind], f"{net}/{kind}")
        state[net]["opt"] = jax_srgan._adam_init(state[net]["params"])
    vgg = _network_values(model.perceptual_network.network)
    state["vgg"] = _load(state["vgg"], vgg["params"], "vgg")

    rng = np.random.default_rng(1)
    hr_size = args.lr_size * scale
    lr = rng.uniform(0.0, 1.0, (args.batch_size, args.lr_size, args.lr_size, 3))
    hr = rng.uniform(-1.0, 1.0, (args.batch_size, hr_size, hr_size, 3))
    lr, hr = lr.astype("float32"), hr.astype("float32")
    reference.set_batch(lr, hr)

    history = model.fit(lr, hr, batch_size=args.batch_size, epochs=1, steps_per_epoch=1,
                        shuffle=False, verbose=0)
    library_logs = {k: float(v[-1]) for k, v in history.history.items()}
    reference.run(1)
    reference.sync()
    reference_logs = reference.losses()

    worst = 0.0
    print(f"{'term':18s} {'library':>14s} {'reference':>14s} {'rel. diff':>10s}")
    for name in jax_srgan.LOSS_NAMES:
        a, b = library_logs[name], reference_logs[name]
        rel = abs(a - b) / max(abs(a), 1e-30)
        worst = max(worst, rel)
        print(f"{name:18s} {a:14.7g} {b:14.7g} {rel:10.2e}")

    after = {"g": _network_values(model.generator),
             "d": _network_values(model.discriminator)}
    print(f"{'network / state':26s} {'|ref - lib| / |lib|':>20s}  (largest tensor)")
    for net in ("g", "d"):
        old = _flat(before[net]["params"])
        lib = _flat(after[net]["params"])
        ref = _flat(reference.state[net]["params"])
        delta_lib = np.concatenate([(lib[k] - old[k]).ravel() for k in sorted(old)])
        delta_ref = np.concatenate([(ref[k] - old[k]).ravel() for k in sorted(old)])
        rel = _relative(delta_ref, delta_lib)
        per = max(sorted(old), key=lambda k: _relative(ref[k] - old[k], lib[k] - old[k]))
        print(f"{net} weight updates{'':10s} {rel:20.2e}  ({per}: "
              f"{_relative(ref[per] - old[per], lib[per] - old[per]):.2e}; max |delta| "
              f"{np.abs(delta_lib).max():.3g})")
        worst = max(worst, rel)
        lib_s, ref_s = _flat(after[net]["stats"]), _flat(reference.state[net]["stats"])
        rel = _relative(np.concatenate([ref_s[k].ravel() for k in sorted(lib_s)]),
                        np.concatenate([lib_s[k].ravel() for k in sorted(lib_s)]))
        print(f"{net} moving statistics{'':7s} {rel:20.2e}")
        worst = max(worst, rel)
    print(f"largest relative difference: {worst:.2e} (tolerance {args.rtol:g})")
    if not worst <= args.rtol:
        print("FAILED")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
