"""Checks that the hand-written SRGAN references (`tf_srgan.py`, `torch_srgan.py`) do
the math of the library's SRGAN step (Ledig et al. 2017, "Photo-Realistic Single Image
Super-Resolution Using a Generative Adversarial Network"; keras_gan/models/
super_resolution.py `SuperResolutionGAN._train_step`), for the current KERAS_BACKEND:

    KERAS_BACKEND=tensorflow python benchmarks/reference/check_srgan.py
    KERAS_BACKEND=torch python benchmarks/reference/check_srgan.py [--float64]
        [--batch-size 2] [--lr-size 8]

At a small size (batch 2, 8x8 LR / 32x32 HR crops by default; the networks are the
full SRResNet, discriminator and VGG19) it builds the library's model
(`srgan_workload.library_model`, `jit_compile=False`) and the reference, and

1. asserts that the trainable parameter counts of the generator and the
   discriminator are equal;
2. copies the library's weights into the reference (TensorFlow: `set_weights` of
   the same Keras networks, after reporting whether the seeded draws were already
   equal; PyTorch: kernels HWIO -> OIHW, the upsampling convolutions' output channels
   permuted from the library's pixel-shuffle order `(r, r, C)` to torch's `(C, r, r)`,
   the first dense layer of the discriminator's rows from HWC to CHW order, PReLU
   slopes flattened, batch-norm statistics to buffers);
3. runs one training step of each on the same batch (`model.train_on_batch`) and
   asserts that the losses of the generator update (`g_loss`, `perceptual_loss`,
   `adversarial_loss`) and of the discriminator update (`d_loss`) agree to 1e-4
   relative; under TensorFlow it also compares every weight of both networks
   (moving statistics included) after the step, and reports whether they are
   bitwise equal;
4. runs a second step and prints its losses and weight differences.

Under PyTorch the torch optimizers' eps is set, for this check only, to
`1e-7 / sqrt(1 - 0.999^t)` at step t, which makes torch's Adam update Keras' (the
benchmark keeps torch's own placement of eps), and the weights after each step are
compared for information, not asserted: in float32 a pre-activation within float
rounding of zero can fall on the other side of a ReLU / PReLU kink in the two
implementations, which changes the gradient of that position's channel, and Adam's
first step (about `lr * sign(g)`) turns that into a weight difference of up to
`2 lr`. `--float64` runs both in float64 (the library with
`keras.config.set_floatx("float64")`), where no kink is crossed; what remains there is
float32 rounding inside Keras and the library (the batch and the VGG features are
float32, and Keras 3.15's BatchNormalization normalises float64 inputs in float32:
`backend.result_type("float64", "float32")` is float32) and the moving variance,
which torch keeps unbiased.

A script, not a test: it prints the numbers and exits non-zero if a check fails.
"""

import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BENCHMARKS = os.path.dirname(HERE)
sys.path.insert(0, os.path.dirname(BENCHMARKS))
sys.path.insert(0, BENCHMARKS)

import numpy as np  # noqa: E402

import keras  # noqa: E402

from reference import srgan_workload  # noqa: E402

LOSSES = ("g_loss", "perceptual_loss", "adversarial_loss", "d_loss")
TOLERANCE = 1e-4


def _numpy(value):
    return np.asarray(keras.ops.convert_to_numpy(value))


# ------------------------------------------------------------------ PyTorch layouts
def _torch_module(net, name):
    """The torch module of `torch_srgan` that mirrors the Keras layer `name`."""
    match = re.fullmatch(r"(block|upsample)_(\d+)_(.+)", name)
    if match:
        group = net.blocks if match[1] == "block" else net.upsample
        return getattr(group[int(match[2]) - 1], match[3])
    return getattr(net, name)


def _torch_layout(keras_net, layer):
    """`{torch tensor name: numpy value}` of a Keras layer's weights in the torch
    module's layout."""
    if isinstance(layer, keras.layers.Conv2D):
        kernel = _numpy(layer.kernel)
        bias = _numpy(layer.bias) if layer.use_bias else None
        if re.fullmatch(r"upsample_\d+_conv", layer.name):
            # library PixelShuffle reads channel (i*r + j)*C + c, torch c*r*r + i*r + j
            k_h, k_w, c_in, c_out = kernel.shape
            c = c_out // 4
            kernel = kernel.reshape(k_h, k_w, c_in, 4, c).transpose(0, 1, 2, 4, 3)
            kernel = kernel.reshape(k_h, k_w, c_in, c_out)
            bias = bias.reshape(4, c).T.reshape(-1)
        values = {"weight": kernel.transpose(3, 2, 0, 1)}  # HWIO -> OIHW
        if bias is not None:
            values["bias"] = bias
        return values
    if isinstance(layer, keras.layers.Dense):
        kernel = _numpy(layer.kernel)
        if layer.name == "dense":  # after the flatten: rows HWC -> CHW (torch flattens NCHW)
            _, h, w, c = keras_net.get_layer("features").input.shape
            kernel = kernel.reshape(h, w, c, -1).transpose(2, 0, 1, 3).reshape(h * w * c, -1)
        return {"weight": kernel.T, "bias": _numpy(layer.bias)}
    if isinstance(layer, keras.layers.BatchNormalization):
        return {"weight": _numpy(layer.gamma), "bias": _numpy(layer.beta),
                "running_mean": _numpy(layer.moving_mean),
                "running_var": _numpy(layer.moving_variance)}
    if isinstance(layer, keras.layers.PReLU):
        return {"weight": _numpy(layer.alpha).reshape(-1)}
    if layer.weights:
        raise TypeError(f"No torch layout for layer {layer.name} ({type(layer).__name__}).")
    return {}


def _networks(model, reference):
    """`(Keras network, torch module)` of the generator, discriminator and VGG."""
    return ((model.generator, reference.generator),
            (model.discriminator, reference.discriminator),
            (model.perceptual_loss.extractor.network, reference.vgg))


def _copy_to_torch(model, reference):
    import torch

    copied = 0
    with torch.no_grad():
        for keras_net, torch_net in _networks(model, reference):
            for layer in keras_net.layers:
                for key, value in _torch_layout(keras_net, layer).items():
                    target = getattr(_torch_module(torch_net, layer.name), key)
                    if tuple(target.shape) != value.shape:
                        raise ValueError(f"{layer.name}.{key}: torch {tuple(target.shape)}, "
                                         f"Keras {value.shape}")
                    target.copy_(torch.from_numpy(np.ascontiguousarray(value)))
                    copied += value.size
    return copied


def _keras_adam_epsilon(model, reference, step):
    """Sets the torch optimizers' eps so that their update `step` is Keras' Adam's:
    Keras adds eps to `sqrt(v)`, torch to `sqrt(v) / sqrt(1 - beta_2^t)`, so torch's
    `eps / sqrt(1 - beta_2^t)` gives the same update (the benchmark itself keeps
    torch's own placement)."""
    for keras_opt, torch_opt in ((model.generator_optimizer, reference.g_opt),
                                 (model.discriminator_optimizer, reference.d_opt)):
        beta_2, epsilon = float(keras_opt.beta_2), float(keras_opt.epsilon)
        for group in torch_opt.param_groups:
            group["eps"] = epsilon / (1.0 - beta_2 ** step) ** 0.5


def _to_float64(reference):
    """The torch reference in float64 (the parameters stay the optimizers' objects)."""
    for net in (reference.generator, reference.discriminator, reference.vgg):
        net.double()
    reference.lr, reference.hr, reference.mean = (
        t.double() for t in (reference.lr, reference.hr, reference.mean))


def _torch_differences(model, reference):
    """Max abs difference of the trainable weights and of the moving statistics of
    the generator and discriminator, library vs reference."""
    trainable = statistics = 0.0
    for keras_net, torch_net in _networks(model, reference)[:2]:
        for layer in keras_net.layers:
            for key, value in _torch_layout(keras_net, layer).items():
                ours = getattr(_torch_module(torch_net, layer.name), key)
                diff = float(np.max(np.abs(ours.detach().cpu().numpy() - value)))
                if key.startswith("running_"):
                    statistics = max(statistics, diff)
                else:
                    trainable = max(trainable, diff)
    return trainable, statistics


# ------------------------------------------------------------------ TensorFlow
def _tf_max_difference(model, reference):
    """(max abs difference, bitwise equal) over every weight of G and D."""
    worst, equal = 0.0, True
    for ours, theirs in _networks(model, reference)[:2]:
        for a, b in zip(ours.get_weights(), theirs.get_weights()):
            worst = max(worst, float(np.max(np.abs(a - b))))
            equal = equal and np.array_equal(a, b)
    return worst, equal


# ------------------------------------------------------------------ main
def _reference_losses(reference):
    losses = reference.last_losses if hasattr(reference, "last_losses") else reference.losses
    return {key: float(_numpy(losses[key])) if keras.backend.backend() == "tensorflow"
            else float(losses[key].cpu()) for key in LOSSES}


def _compare(step, logs, reference, check):
    ours = _reference_losses(reference)
    failed = []
    for key in LOSSES:
        rel = abs(ours[key] - logs[key]) / max(abs(logs[key]), 1e-12)
        print(f"  step {step} {key:17s} library {logs[key]:.9g}  reference {ours[key]:.9g}  "
              f"rel diff {rel:.2e}")
        if check and not rel <= TOLERANCE:
            failed.append(key)
    return failed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--lr-size", type=int, default=8)
    parser.add_argument("--scale", type=int, default=4)
    parser.add_argument("--float64", action="store_true",
                        help="PyTorch only: run both in float64 (see the module docstring)")
    args = parser.parse_args(argv)
    backend = keras.backend.backend()
    if backend not in ("tensorflow", "torch"):
        raise SystemExit(f"KERAS_BACKEND must be tensorflow or torch; it is {backend!r}.")
    if args.float64:
        if backend != "torch":
            raise SystemExit("--float64 is for KERAS_BACKEND=torch.")
        keras.config.set_floatx("float64")
    import importlib

    module = importlib.import_module("reference." + ("tf_srgan" if backend == "tensorflow"
                                                     else "torch_srgan"))
    b, lr_size, scale = args.batch_size, args.lr_size, args.scale
    hr_size = lr_size * scale
    print(f"backend {backend}, batch {b}, LR {lr_size}x{lr_size}, HR {hr_size}x{hr_size}, "
          f"{keras.config.floatx()}")
    model = srgan_workload.library_model(lr_size, scale, jit_compile=False)
    reference = module.srgan(b, lr_size, scale, seed=0)
    if args.float64:
        _to_float64(reference)
    failures = []

    library_counts = srgan_workload.param_counts(model)
    print(f"trainable parameters (G, D): library {library_counts}, reference "
          f"{tuple(reference.param_counts)}")
    if tuple(reference.param_counts) != library_counts:
        failures.append("parameter counts")

    import throughput  # the harness's FLOP count for fixed-shape networks

    f_d = srgan_workload.forward_flops(model.discriminator, (hr_size, hr_size, 3))
    if f_d != throughput.forward_flops(model.discriminator):
        failures.append("discriminator FLOPs")
    print(f"FLOPs: discriminator forward {f_d / 1e9:.4f} GFLOP (= throughput.forward_flops), "
          f"step at batch {b}: {srgan_workload.step_flops(b, model) / 1e9:.3f} GFLOP")

    if backend == "tensorflow":
        same = [all(np.array_equal(x, y) for x, y in zip(k.get_weights(), r.get_weights()))
                for k, r in _networks(model, reference)]
        print(f"initial weights equal before copying (G, D, VGG): {same}")
        for ours, theirs in _networks(model, reference):
            theirs.set_weights(ours.get_weights())
    else:
        print(f"copied {_copy_to_torch(model, reference):,} weights into the torch modules")

    lr, hr = srgan_workload.data(b, 1, lr_size, scale, seed=0)
    for step in (1, 2):
        if backend == "torch":
            _keras_adam_epsilon(model, reference, step)
        logs = model.train_on_batch(lr, hr, return_dict=True)
        reference.run(1)
        reference.sync()
        failures += [f"step {step} {key}" for key in _compare(step, logs, reference, step == 1)]
        if backend == "tensorflow":
            worst, equal = _tf_max_difference(model, reference)
            print(f"  after step {step}: max |weight difference| over G and D (moving "
                  f"statistics included) {worst:.3e}, bitwise equal: {equal}")
            if step == 1 and worst > 1e-6:
                failures.append("weights after step 1")
        else:
            trainable, moving = _torch_differences(model, reference)
            print(f"  after step {step}: max |difference| of trainable weights {trainable:.3e}, "
                  f"of moving statistics {moving:.3e} (torch keeps the "
                  "unbiased variance)")
    if failures:
        print("FAILED: " + ", ".join(failures))
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
