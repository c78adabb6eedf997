"""Hand-written plain-JAX reference training loop for the SRGAN workload of
`benchmarks/throughput.py`: SRResNet x4 on LR crops with the VGG54 perceptual loss.

The same networks, batch, optimizers and math per step as
`keras_gan.models.SRGAN(stage="gan")` trained with `model.fit` under the JAX backend,
written without Keras, flax or optax, in the style of `jax_loop.py` (whose batch
normalisation, LeakyReLU, Adam and parameter count it imports): parameters are pytrees
(dicts of arrays named after the library's layers), layers are `jax.lax` convolutions
(NHWC), and one whole training step (both updates) is one `jax.jit` with the state
donated. The ratio of the library's images/s to this loop's is the abstraction tax.

SRGAN (Ledig et al. 2017, "Photo-Realistic Single Image Super-Resolution Using a
Generative Adversarial Network"), as the library trains it
(keras_gan/models/super_resolution.py `SuperResolutionGAN._train_step`,
`generator_losses`, `reconstruction_losses`, `discriminator_losses`):

- Generator: `keras_gan.networks.srresnet(4, 16, 64)` layer by layer: 9x9 convolution
  (bias) + PReLU; 16 residual blocks `x + BN(conv(PReLU(BN(conv(x)))))` with 3x3
  convolutions without bias; 3x3 trunk convolution without bias + BN added to the output
  of the first layer; per x2 stage a 3x3 convolution to 256 channels (bias), the pixel
  shuffle of `keras_gan.layers.PixelShuffle` (channels as an `(r, r, C)` block, row
  offset first: `tf.nn.depth_to_space`) and PReLU; 9x9 convolution to 3 channels (bias)
  and tanh. PReLU: one slope per channel (`shared_axes=[1, 2]`, shape (1, 1, C)),
  `relu(x) - alpha * relu(-x)` as Keras writes it, initialised to 0. LR input in [0, 1],
  output in [-1, 1].
- Discriminator: `keras_gan.networks.srgan_discriminator((96, 96, 3))`: eight 3x3
  convolutions with 64, 64, 128, 128, 256, 256, 512, 512 channels and strides 1, 2, ...
  (TF "SAME" padding, what Keras' JAX backend passes to `lax.conv_general_dilated`),
  bias on the first only, BN on all but the first, LeakyReLU(0.2); flatten (NHWC order);
  dense 1024 + LeakyReLU(0.2); dense 1 (logit).
- Perceptual loss (`keras_gan.losses.PerceptualLoss(("block5_conv4",), distance="mse",
  feature_scale=1/12.75)`, VGG54): the images mapped from [-1, 1] to VGG's caffe input
  (`(x + 1) * 127.5`, RGB -> BGR, minus the ImageNet mean `[103.939, 116.779, 123.68]`),
  VGG19's 3x3 "same" convolutions with bias and ReLU and its 2x2 max pools up to
  block5_conv4 (after its ReLU); per image `mean(((phi(SR) - phi(HR)) / 12.75)^2)`, mean
  over the batch. VGG is called twice, on HR (without gradient) then on SR, as the
  library does. Its weights are frozen (part of the state, never updated); the benchmark
  uses random weights (`vgg_weights=None`: glorot-uniform kernels, zero biases), as the
  pretrained ones cannot be downloaded here; the work per step is the same.
- One step (the order of the library): the generator update first, with
  `g_loss = 0 * pixel_mse + perceptual + 1e-3 * mean(softplus(-D(SR)))` (non-saturating
  adversarial loss; the pixel MSE is computed with weight 0, as SRGAN's GAN stage
  does), G and D in training mode (both networks' batch-norm moving statistics are
  updated, D's from its call on SR); then the discriminator update on the same SR batch,
  not recomputed and without gradient, `d_loss = mean softplus(-D(HR)) +
  mean softplus(D(SR))`, D called on HR then on SR in training mode (its moving
  statistics updated twice more, from the values the generator update left). The
  training monitor PSNR (dB, on [0, 1]-mapped images, no gradient), `d_real` and
  `d_fake` are computed as the library's logs are.
- Adam(1e-4, beta_1=0.9, beta_2=0.999, epsilon=1e-7) for each network with Keras'
  update rule (`jax_loop._adam_update`) and a step counter per optimizer.
- Initialisation as the library's: glorot-uniform kernels for every convolution and
  dense layer (each drawn independently), zero biases, BN gamma 1 / beta 0, moving mean
  0 / variance 1, PReLU slopes 0 (the values differ, the distributions are the same).

Not mirrored (bookkeeping, not math): the library's loss trackers (running means of the
reported terms) and its `optimizer.iterations` counter. The step here returns its loss
terms as one array in the state; nothing is copied to the host per step.

Interface (used by the harness): `srgan(...)` returns an `SRGANReference` with
`param_counts` (generator, discriminator trainable), `run(steps)` and `sync()`.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np

try:  # imported as `reference.jax_srgan` (benchmarks/ on sys.path, as the harness does)
    from .jax_loop import (Reference, _adam_init, _adam_update, _batch_norm, _bn_init,
                           _leaky_relu)
    from .srgan_workload import check_arguments
except ImportError:  # imported as a top-level module (benchmarks/reference/ on sys.path)
    from jax_loop import (Reference, _adam_init, _adam_update, _batch_norm, _bn_init,
                          _leaky_relu)
    from srgan_workload import check_arguments

__all__ = ["LOSS_NAMES", "SRGANReference", "srgan"]

BLOCKS = 16
FILTERS = 64
CHANNELS = 3
DISCRIMINATOR_MULTIPLES = (1, 1, 2, 2, 4, 4, 8, 8)
DENSE_UNITS = 1024
VGG19_BLOCKS = (2, 2, 4, 4, 4)  # convolutions per block of VGG19 ("configuration E")
VGG19_FILTERS = (64, 128, 256, 512, 512)
IMAGENET_MEAN_BGR = (103.939, 116.779, 123.68)
FEATURE_SCALE = 1.0 / 12.75
ADVERSARIAL_WEIGHT = 1e-3
PIXEL_WEIGHT = 0.0
PERCEPTUAL_WEIGHT = 1.0
HR_RANGE = (-1.0, 1.0)
ADAM = dict(lr=1e-4, beta_1=0.9, beta_2=0.999)

LOSS_NAMES = ("g_loss", "pixel_loss", "perceptual_loss", "adversarial_loss", "psnr",
              "d_loss", "d_real", "d_fake")
"""The order of the terms in `state["losses"]` (the library's log names)."""


# --------------------------------------------------------------------------- layers
def _conv(x, kernel, stride=1):
    """Conv2D "same" (TF padding), kernel (kh, kw, in, out), NHWC."""
    return jax.lax.conv_general_dilated(
        x, kernel, window_strides=(stride, stride), padding="SAME",
        dimension_numbers=("NHWC", "HWIO", "NHWC"))


def _prelu(x, alpha):
    """Keras PReLU: `relu(x) - alpha * relu(-x)`."""
    return jax.nn.relu(x) - alpha * jax.nn.relu(-x)


def _pixel_shuffle(x, r):
    """`(N, H, W, r*r*C) -> (N, r*H, r*W, C)`, depth-to-space order."""
    n, h, w, c = x.shape
    c //= r * r
    x = x.reshape(n, h, w, r, r, c).transpose(0, 1, 3, 2, 4, 5)
    return x.reshape(n, h * r, w * r, c)


def _max_pool(x):
    """MaxPooling2D(2, 2), "valid" padding."""
    return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1),
                                 "VALID")


# ------------------------------------------------------------------- initialisation
def _glorot(key, shape):
    """Keras glorot_uniform: U(-l, l), `l = sqrt(6 / (fan_in + fan_out))`, the fans of a
    kernel (..., in, out) times its receptive field."""
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    limit = np.sqrt(6.0 / (receptive * (shape[-2] + shape[-1])))
    return jax.random.uniform(key, shape, jnp.float32, -limit, limit)


def _init_generator(key, scale_steps, blocks=BLOCKS, filters=FILTERS, channels=CHANNELS):
    keys = iter(jax.random.split(key, 2 * blocks + scale_steps + 3))
    params, stats = {}, {}

    def conv(name, k, c_in, c_out, bias):
        params[name] = {"kernel": _glorot(next(keys), (k, k, c_in, c_out))}
        if bias:
            params[name]["bias"] = jnp.zeros((c_out,))

    def bn(name, c):
        params[name], stats[name] = _bn_init(c)

    def prelu(name, c):
        params[name] = {"alpha": jnp.zeros((1, 1, c))}

    conv("conv_in", 9, channels, filters, True)
    prelu("conv_in_prelu", filters)
    for b in range(1, blocks + 1):
        conv(f"block_{b}_conv_1", 3, filters, filters, False)
        bn(f"block_{b}_bn_1", filters)
        prelu(f"block_{b}_prelu", filters)
        conv(f"block_{b}_conv_2", 3, filters, filters, False)
        bn(f"block_{b}_bn_2", filters)
    conv("trunk_conv", 3, filters, filters, False)
    bn("trunk_bn", filters)
    for s in range(1, scale_steps + 1):
        conv(f"upsample_{s}_conv", 3, filters, 4 * filters, True)
        prelu(f"upsample_{s}_prelu", filters)
    conv("conv_out", 9, filters, channels, True)
    return params, stats


def _generator(p, stats, lr, scale_steps, blocks=BLOCKS):
    """SRResNet in training mode; returns SR images and the new moving statistics."""
    new = {}

    def bn(x, name):
        x, new[name] = _batch_norm(x, p[name], stats[name])
        return x

    x = _conv(lr, p["conv_in"]["kernel"]) + p["conv_in"]["bias"]
    skip = x = _prelu(x, p["conv_in_prelu"]["alpha"])
    for b in range(1, blocks + 1):
        y = bn(_conv(x, p[f"block_{b}_conv_1"]["kernel"]), f"block_{b}_bn_1")
        y = _prelu(y, p[f"block_{b}_prelu"]["alpha"])
        y = bn(_conv(y, p[f"block_{b}_conv_2"]["kernel"]), f"block_{b}_bn_2")
        x = x + y
    x = skip + bn(_conv(x, p["trunk_conv"]["kernel"]), "trunk_bn")
    for s in range(1, scale_steps + 1):
        x = _conv(x, p[f"upsample_{s}_conv"]["kernel"]) + p[f"upsample_{s}_conv"]["bias"]
        x = _prelu(_pixel_shuffle(x, 2), p[f"upsample_{s}_prelu"]["alpha"])
    x = _conv(x, p["conv_out"]["kernel"]) + p["conv_out"]["bias"]
    return jnp.tanh(x), new


def _init_discriminator(key, hr_size, filters=FILTERS, channels=CHANNELS):
    keys = iter(jax.random.split(key, len(DISCRIMINATOR_MULTIPLES) + 2))
    params, stats, c, side = {}, {}, channels, hr_size
    for i, multiple in enumerate(DISCRIMINATOR_MULTIPLES):
        name, out = f"conv_{i + 1}", filters * multiple
        params[name] = {"kernel": _glorot(next(keys), (3, 3, c, out))}
        if i == 0:
            params[name]["bias"] = jnp.zeros((out,))
        else:
            params[f"{name}_bn"], stats[f"{name}_bn"] = _bn_init(out)
        side = -(-side // (1 + i % 2))  # "same" padding: ceil(side / stride)
        c = out
    features = side * side * c
    params["dense"] = {"kernel": _glorot(next(keys), (features, DENSE_UNITS)),
                       "bias": jnp.zeros((DENSE_UNITS,))}
    params["logits"] = {"kernel": _glorot(next(keys), (DENSE_UNITS, 1)),
                        "bias": jnp.zeros((1,))}
    return params, stats


def _discriminator(p, stats, x):
    """Logits (N, 1) in training mode; returns them and the new moving statistics."""
    new = {}
    for i in range(len(DISCRIMINATOR_MULTIPLES)):
        name = f"conv_{i + 1}"
        x = _conv(x, p[name]["kernel"], stride=1 + i % 2)
        if i == 0:
            x = x + p[name]["bias"]
        else:
            x, new[f"{name}_bn"] = _batch_norm(x, p[f"{name}_bn"], stats[f"{name}_bn"])
        x = _leaky_relu(x)
    x = x.reshape(x.shape[0], -1)
    x = _leaky_relu(x @ p["dense"]["kernel"] + p["dense"]["bias"])
    return x @ p["logits"]["kernel"] + p["logits"]["bias"], new


def _vgg_layer_names():
    """VGG19's convolutions up to block5_conv4, in order, with a pool after each block
    but the last: `(name, pool_after)`."""
    names = []
    for block, convs in enumerate(VGG19_BLOCKS, start=1):
        for i in range(1, convs + 1):
            names.append((f"block{block}_conv{i}", i == convs and block < len(VGG19_BLOCKS)))
    return names


def _init_vgg(key):
    names = _vgg_layer_names()
    keys = iter(jax.random.split(key, len(names)))
    params, c = {}, CHANNELS
    for name, _ in names:
        out = VGG19_FILTERS[int(name[5]) - 1]
        params[name] = {"kernel": _glorot(next(keys), (3, 3, c, out)),
                        "bias": jnp.zeros((out,))}
        c = out
    return params


def _vgg54(p, images):
    """block5_conv4 features (after ReLU) of images in [-1, 1] (caffe preprocessing)."""
    low, high = HR_RANGE
    x = (images - low) * (255.0 / (high - low))
    x = jnp.flip(x, axis=-1) - jnp.asarray(IMAGENET_MEAN_BGR, jnp.float32)
    for name, pool in _vgg_layer_names():
        x = jax.nn.relu(_conv(x, p[name]["kernel"]) + p[name]["bias"])
        if pool:
            x = _max_pool(x)
    return x


# ---------------------------------------------------------------------------- step
def _srgan_step(state, data, *, scale_steps):
    lr, hr = data
    g, d, vgg = state["g"], state["d"], state["vgg"]

    # generator update: G, VGG on HR and SR, D on SR, all in training mode
    def g_loss_fn(g_params):
        sr, g_stats = _generator(g_params, g["stats"], lr, scale_steps)
        pixel = jnp.mean(jnp.mean(jnp.square(sr - hr), axis=(1, 2, 3)))
        target = jax.lax.stop_gradient(_vgg54(vgg, hr))
        made = _vgg54(vgg, sr)
        perceptual = jnp.mean(jnp.mean(jnp.square((made - target) * FEATURE_SCALE),
                                       axis=(1, 2, 3)))
        low, high = HR_RANGE
        unit_sr = jax.lax.stop_gradient((sr - low) / (high - low))
        mse = jnp.mean(jnp.square(unit_sr - (hr - low) / (high - low)), axis=(1, 2, 3))
        psnr = jnp.mean(-10.0 * jnp.log10(jnp.maximum(mse, 1e-10)))
        logits, d_stats = _discriminator(d["params"], d["stats"], sr)
        adversarial = jnp.mean(jax.nn.softplus(-logits))
        loss = (PIXEL_WEIGHT * pixel + PERCEPTUAL_WEIGHT * perceptual
                + ADVERSARIAL_WEIGHT * adversarial)
        return loss, (sr, g_stats, d_stats,
                      jnp.stack([loss, pixel, perceptual, adversarial, psnr]))

    g_grads, (sr, g_stats, d_stats, g_terms) = jax.grad(g_loss_fn, has_aux=True)(g["params"])
    g_params, g_opt = _adam_update(g["params"], g_grads, g["opt"], **ADAM)

    # discriminator update on the same SR batch, without gradient to G
    sr = jax.lax.stop_gradient(sr)

    def d_loss_fn(d_params):
        real_logits, stats = _discriminator(d_params, d_stats, hr)
        fake_logits, stats = _discriminator(d_params, stats, sr)
        loss = (jnp.mean(jax.nn.softplus(-real_logits))
                + jnp.mean(jax.nn.softplus(fake_logits)))
        return loss, (stats, jnp.stack([loss, jnp.mean(real_logits), jnp.mean(fake_logits)]))

    d_grads, (d_stats, d_terms) = jax.grad(d_loss_fn, has_aux=True)(d["params"])
    d_params, d_opt = _adam_update(d["params"], d_grads, d["opt"], **ADAM)
    return {
        "g": {"params": g_params, "stats": g_stats, "opt": g_opt},
        "d": {"params": d_params, "stats": d_stats, "opt": d_opt},
        "vgg": vgg,
        "losses": jnp.concatenate([g_terms, d_terms]),
    }


# ----------------------------------------------------------------------- Reference
class SRGANReference(Reference):
    """The SRGAN training loop with its state on the device.

    Attributes:
        param_counts: `(generator, discriminator)` trainable parameter counts (the
            frozen VGG19 is in neither).
        state: `{"g": {...}, "d": {...}, "vgg": {...}, "losses": ...}`: parameters
            (dicts named after the library's layers), moving statistics, Adam slots
            and step counters, the frozen VGG19 weights, the last step's terms in the
            order of `LOSS_NAMES`.
    """

    def set_batch(self, lr, hr):
        """Trains on `(lr, hr)` from now on (arrays of the shapes the loop was built for)."""
        lr, hr = (jnp.asarray(np.asarray(a, np.float32)) for a in (lr, hr))
        if lr.shape != self._real[0].shape or hr.shape != self._real[1].shape:
            raise ValueError(f"Expected LR {self._real[0].shape} and HR "
                             f"{self._real[1].shape}; received {lr.shape} and {hr.shape}.")
        self._real = (lr, hr)

    def losses(self):
        """`{name: value}` of the last step's terms, copied to the host (for checks)."""
        return dict(zip(LOSS_NAMES, (float(v) for v in np.asarray(self.state["losses"]))))


def _check(batch_size, lr_size, scale):
    """`srgan_workload.check_arguments`; returns the x2 upsampling steps."""
    check_arguments(batch_size, lr_size, scale)
    return int(scale).bit_length() - 1


def srgan(batch_size=16, lr_size=24, scale=4, seed=0):
    """SRGAN reference (GAN stage): one training step = 1 generator update + 1
    discriminator update on `batch_size` LR / HR pairs.

    Args:
        batch_size: LR / HR pairs per step.
        lr_size: side of the square LR crops (24: HR 96x96 with scale 4, the paper's).
        scale: upscaling factor, a power of two (4).
        seed: seed of the batch (LR uniform in [0, 1], HR uniform in [-1, 1]) and of
            the weights.

    Returns:
        An `SRGANReference`.
    """
    scale_steps = _check(batch_size, lr_size, scale)
    batch_size, lr_size, hr_size = int(batch_size), int(lr_size), int(lr_size) * int(scale)
    rng = np.random.default_rng(seed)
    lr = rng.uniform(0.0, 1.0, (batch_size, lr_size, lr_size, CHANNELS)).astype(np.float32)
    hr = rng.uniform(-1.0, 1.0, (batch_size, hr_size, hr_size, CHANNELS)).astype(np.float32)
    key_g, key_d, key_vgg = jax.random.split(jax.random.PRNGKey(seed), 3)
    g_params, g_stats = _init_generator(key_g, scale_steps)
    d_params, d_stats = _init_discriminator(key_d, hr_size)
    state = {
        "g": {"params": g_params, "stats": g_stats, "opt": _adam_init(g_params)},
        "d": {"params": d_params, "stats": d_stats, "opt": _adam_init(d_params)},
        "vgg": _init_vgg(key_vgg),
        "losses": jnp.zeros((len(LOSS_NAMES),)),
    }
    step = functools.partial(_srgan_step, scale_steps=scale_steps)
    return SRGANReference(step, state, (jax.device_put(lr), jax.device_put(hr)))
