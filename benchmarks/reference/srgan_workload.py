"""The SRGAN throughput workload: what `benchmarks/throughput.py` needs to run the
library's SRGAN and count its work, independent of the backend.

SRGAN (Ledig et al. 2017, "Photo-Realistic Single Image Super-Resolution Using a
Generative Adversarial Network"), GAN stage: SRResNet x4 (16 residual blocks, 64
filters) on 24x24 low-resolution crops, the SRGAN discriminator on 96x96 crops, the
VGG54 content loss (VGG19 `block5_conv4` after its ReLU, MSE of the features / 12.75)
plus 1e-3 times the non-saturating adversarial loss, Adam(1e-4, beta_1=0.9) for both
networks, batch 16 (`keras_gan.models.SRGAN(stage="gan")`). The VGG19 weights are
random (`vgg_weights=None`): pretrained weights are not available offline, and they
change no arithmetic.

The hand-written loops of the same step are `tf_srgan.py` (TensorFlow) and
`torch_srgan.py` (plain PyTorch); `check_srgan.py` checks that they compute what the
library computes.

Only numpy is imported at module level: `data` serves the PyTorch reference, which
imports no Keras; the functions that need Keras import it when called.
"""

import math

import numpy as np

__all__ = ["LR_SIZE", "SCALE", "check_arguments", "data", "forward_flops", "images_per_step",
           "library_model", "param_counts", "step_flops"]

LR_SIZE = 24  # low-resolution crop side; the HR crops are SCALE x larger (96)
SCALE = 4


def check_arguments(batch_size, lr_size, scale):
    """Raises ValueError unless the batch, LR crop side and scale make the workload:
    positive integers, a power-of-two scale, HR crops of at least 16 px."""
    for name, value in (("batch_size", batch_size), ("lr_size", lr_size), ("scale", scale)):
        if int(value) != value or int(value) < 1:
            raise ValueError(f"{name} must be a positive integer; received {value!r}.")
    if int(scale) < 2 or int(scale) & (int(scale) - 1):
        raise ValueError(f"scale must be a power of two >= 2; received {scale!r}.")
    if int(lr_size) * int(scale) < 16:
        raise ValueError(f"The HR crops ({int(lr_size) * int(scale)} px) must be at least "
                         "16 px: VGG19 and the discriminator halve them four times.")


def library_model(lr_size=LR_SIZE, scale=SCALE, **compile_kwargs):
    """The library's model of the workload, compiled: `keras_gan.models.SRGAN` (GAN
    stage, random VGG19 weights, the paper's networks, losses and optimizers), its
    weights drawn after `keras.utils.set_random_seed(0)`.

    Args:
        lr_size: side of the low-resolution crops (24); the discriminator judges
            `scale * lr_size` crops.
        scale: upscaling factor (4).
        **compile_kwargs: passed to `model.compile` (e.g. `jit_compile`).
    """
    import keras

    from keras_gan.models import SRGAN

    keras.utils.set_random_seed(0)
    model = SRGAN(stage="gan", vgg_weights=None, scale=int(scale),
                  patch_size=int(scale) * int(lr_size))
    model.compile(**compile_kwargs)
    return model


def data(batch_size, steps, lr_size=LR_SIZE, scale=SCALE, seed=0):
    """`(lr, hr)` float32 arrays of `batch_size * steps` pairs, as `model.fit(lr, hr,
    batch_size=batch_size)` takes them: HR crops `(n, scale*lr_size, scale*lr_size, 3)`
    uniform in [-1, 1] (rng `seed`), LR crops `(n, lr_size, lr_size, 3)` their
    `scale x scale` box averages mapped to [0, 1] (SRGAN's ranges; the pairs are
    consistent, the content is noise)."""
    n, lr_size, scale = int(batch_size) * int(steps), int(lr_size), int(scale)
    if n < 1 or lr_size < 1 or scale < 1:
        raise ValueError(f"batch_size, steps, lr_size and scale must be positive; received "
                         f"{batch_size}, {steps}, {lr_size}, {scale}.")
    rng = np.random.default_rng(seed)
    hr = rng.uniform(-1.0, 1.0, (n, lr_size * scale, lr_size * scale, 3)).astype("float32")
    boxes = hr.reshape(n, lr_size, scale, lr_size, scale, 3).mean(axis=(2, 4))
    lr = ((boxes + 1.0) / 2.0).astype("float32")
    return lr, hr


def images_per_step(batch_size):
    """HR crops (and LR inputs) one training step consumes."""
    return int(batch_size)


def forward_flops(network, input_shape):
    """Floating point operations of one forward pass of one sample `(h, w, c)` through
    a functional Keras `network`, with the conventions of `throughput.forward_flops`
    (2 per multiply-add of the Dense, Conv2D and Conv2DTranspose layers; the rest is
    left out), for networks whose spatial sizes are unknown (`(None, None, 3)`
    inputs, as SRResNet and the VGG19 feature network have): the shapes are
    propagated symbolically from `input_shape` through the network's graph."""
    import keras

    total = 0

    def count(layer):
        def run(*args, **kwargs):
            nonlocal total
            out = layer.compute_output_spec(*args, **kwargs)
            if isinstance(layer, keras.layers.Dense):
                total += 2 * layer.kernel.shape[0] * layer.kernel.shape[1]
            elif isinstance(layer, keras.layers.Conv2DTranspose):
                _, h, w, c_in = args[0].shape
                k_h, k_w = layer.kernel_size
                total += 2 * h * w * c_in * k_h * k_w * layer.filters
            elif isinstance(layer, keras.layers.Conv2D):
                _, h, w, c_out = out.shape
                k_h, k_w = layer.kernel_size
                total += 2 * h * w * c_out * k_h * k_w * args[0].shape[-1]
            return out
        return run

    # Functional._run_through_graph: the walk `compute_output_spec` does, one hook per layer
    network._run_through_graph(keras.KerasTensor((1,) + tuple(int(d) for d in input_shape)),
                               operation_fn=count)
    return total


def step_flops(batch_size, model):
    """FLOPs of one training step of the library's SRGAN `model` (see
    `SuperResolutionGAN._train_step`), per the conventions of `throughput.step_flops`
    (a backward pass through a network's weights and input = 2 forward passes, to its
    input only = 1 forward pass).

    Per HR/LR pair, with F_G, F_D, F_V one forward pass of the generator (at the LR
    size), the discriminator and the VGG19 cut at `block5_conv4` (at the HR size):

    - generator update: G forward + backward (3 F_G); VGG forward on the HR target,
      no gradient (F_V); VGG forward on the SR output + backward to its input only,
      the VGG being frozen (2 F_V); D forward on SR + backward to its input only
      (2 F_D);
    - discriminator update on the same (detached) SR batch: D forward + backward on
      HR and on SR (2 x 3 F_D).

    Total `batch_size * (3 F_G + 3 F_V + 8 F_D)`. The zero-weighted pixel MSE, the
    PSNR monitor, the caffe preprocessing, batch norm, activations, pooling and the
    pixel shuffle are elementwise or data movement and are left out.
    """
    hr_size = tuple(int(d) for d in model.discriminator.input_shape[1:])
    lr_size = (hr_size[0] // model.scale, hr_size[1] // model.scale, hr_size[2])
    f_g = forward_flops(model.generator, lr_size)
    f_d = forward_flops(model.discriminator, hr_size)
    f_v = forward_flops(model.perceptual_loss.extractor.network, hr_size)
    return int(batch_size) * (3 * f_g + 3 * f_v + 8 * f_d)


def param_counts(model):
    """`(generator, discriminator)` trainable parameter counts of the library's
    model (the frozen VGG19 has none)."""
    return tuple(int(sum(math.prod(v.shape) for v in net.trainable_variables))
                 for net in (model.generator, model.discriminator))
