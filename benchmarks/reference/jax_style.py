"""Hand-written plain-JAX iteration of neural style transfer (Gatys, Ecker & Bethge 2016,
"Image Style Transfer Using Convolutional Neural Networks", CVPR): the reference that
`benchmarks/throughput.py` compares the library's `StyleTransfer.fit` with.

Written without Keras, flax or optax: VGG19 is a list of `(kernel, bias)` arrays and
`jax.lax` convolutions (NHWC, HWIO, "SAME" padding) and max pooling
(`lax.reduce_window`, 2x2 stride 2 "VALID"), Adam is written out with Keras' update
rule and epsilon placement, and one iteration is one `jax.jit` with the state (image,
Adam slots and step counter, last losses) donated; the frozen weights and the targets
are arguments of the jitted function (not donated, not differentiated).

Mirrored (keras_gan/models/style_transfer.py `StyleTransfer.compute_loss_terms`,
`_train_step`; keras_gan/losses/perceptual.py `preprocess`, `gram_matrix`,
`total_variation`):

- the image `(1, H, W, 3)`, RGB on 0..255, float32, started at the content image, the
  only value differentiated (`jax.value_and_grad` with respect to it alone);
- caffe preprocessing: RGB -> BGR, minus the ImageNet mean (103.939, 116.779, 123.68);
- VGG19 (Simonyan & Zisserman 2015) up to block5_conv1, the deepest layer used, ReLU
  after every convolution; features at block4_conv2 (content) and block1_conv1 ...
  block5_conv1 (style), one forward pass;
- `content = mean((F - P)^2)`;
- `style = sum_l w_l * sum(((G_l / M_l - A_l) / (2 N_l))^2)`,
  `G_l = einsum("bhwi,bhwj->bij")`, `A_l` the style image's Gram matrix / its
  positions, `w_l = (64 / N_l)^2 / 5`;
- `tv = sum (x[i+1, j] - x[i, j])^2 + sum (x[i, j+1] - x[i, j])^2`;
- `loss = 5 content + 0.5 style + 5e-4 tv`; Adam(10.0, beta_1 0.9, beta_2 0.999,
  epsilon 1e-7) as keras/src/optimizers/adam.py (`m += (g - m)(1 - b1)`,
  `v += (g^2 - v)(1 - b2)`, `x -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)`),
  then the image clipped to [0, 255];
- the targets (content features, style Gram matrices / positions) computed once, at
  construction.

Differences (bookkeeping, not math): the library also updates its four loss trackers
per step (running means) and `fit` feeds it a dummy batch; its preprocessing first
rescales its input range 0..255 to 0..255 (`(x - 0) * 1`, two elementwise ops left out
here); its step carries all of the model's state (VGG19 weights, targets, trackers)
through the jitted function, here only the image and Adam's state are carried. With
`vgg_weights=None` the weights are Keras' initial values redrawn with numpy (Glorot
uniform kernels, zero biases). Nothing is copied to the host per iteration.
"""


import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["Reference", "style_transfer"]

from reference.style_workload import (  # the workload: the library's defaults
    CONTENT_LAYER,
    CONTENT_WEIGHT,
    IMAGENET_MEAN_BGR,
    LEARNING_RATE,
    STYLE_LAYERS,
    STYLE_WEIGHT,
    TV_WEIGHT,
    images,
    vgg19_plan,
)

BETA_1, BETA_2, EPSILON = 0.9, 0.999, 1e-7
_PLAN = vgg19_plan()
_WANTED = set(STYLE_LAYERS) | {CONTENT_LAYER}


def _glorot_uniform(seed):
    """Keras' initial values, drawn with numpy: Glorot uniform kernels, zero biases."""
    rng = np.random.default_rng(seed)
    weights = []
    for _, c_in, c_out in _PLAN:
        if c_in is None:
            continue
        limit = np.sqrt(6.0 / (9 * (c_in + c_out)))
        weights.append((rng.uniform(-limit, limit, (3, 3, c_in, c_out)).astype("float32"),
                        np.zeros((c_out,), "float32")))
    return weights


def _vgg(weights, x):
    """`{layer: features after the ReLU}` of caffe-preprocessed NHWC images."""
    out, convs = {}, iter(weights)
    for name, c_in, _ in _PLAN:
        if c_in is None:
            x = jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1),
                                      "VALID")
        else:
            kernel, bias = next(convs)
            x = jax.lax.conv_general_dilated(
                x, kernel, window_strides=(1, 1), padding="SAME",
                dimension_numbers=("NHWC", "HWIO", "NHWC"))
            x = jax.nn.relu(x + bias)
        if name in _WANTED:
            out[name] = x
    return out


def _preprocess(images):
    return jnp.flip(images, axis=-1) - jnp.asarray(IMAGENET_MEAN_BGR, jnp.float32)


def _gram_per_position(features):
    positions = features.shape[1] * features.shape[2]
    return jnp.einsum("bhwi,bhwj->bij", features, features) / float(positions)


def _loss_terms(image, weights, content_target, style_targets):
    features = _vgg(weights, _preprocess(image))
    content = jnp.mean(jnp.square(features[CONTENT_LAYER] - content_target))
    style = 0.0
    for name, target in zip(STYLE_LAYERS, style_targets):
        made = features[name]
        channels = made.shape[-1]
        gram = _gram_per_position(made)[0]
        weight = (64.0 / channels) ** 2 / len(STYLE_LAYERS)
        style = style + weight * jnp.sum(jnp.square((gram - target) / (2.0 * channels)))
    down = image[:, 1:, :, :] - image[:, :-1, :, :]
    right = image[:, :, 1:, :] - image[:, :, :-1, :]
    tv = jnp.mean(jnp.sum(jnp.square(down), axis=(1, 2, 3))
                  + jnp.sum(jnp.square(right), axis=(1, 2, 3)))
    loss = CONTENT_WEIGHT * content + STYLE_WEIGHT * style + TV_WEIGHT * tv
    return loss, {"loss": loss, "content_loss": content, "style_loss": style, "tv_loss": tv}


def _step(state, weights, content_target, style_targets):
    """One iteration: loss terms, gradient to the image, Keras Adam, clip to [0, 255]."""
    (_, terms), grad = jax.value_and_grad(_loss_terms, has_aux=True)(
        state["image"], weights, content_target, style_targets)
    t = state["t"] + 1.0
    alpha = LEARNING_RATE * jnp.sqrt(1.0 - BETA_2 ** t) / (1.0 - BETA_1 ** t)
    m = state["m"] + (grad - state["m"]) * (1.0 - BETA_1)
    v = state["v"] + (jnp.square(grad) - state["v"]) * (1.0 - BETA_2)
    image = state["image"] - m * alpha / (jnp.sqrt(v) + EPSILON)
    image = jnp.clip(image, 0.0, 255.0)
    return {"image": image, "m": m, "v": v, "t": t, "losses": terms}


def _images(size, seed):
    """The content and style images of `style_workload.images(size, seed)`."""
    return tuple(x.astype("float32")[None] for x in images(size, seed))


class Reference:
    """One style-transfer image being optimised, its state on the device.

    Attributes:
        param_counts: `(H * W * 3,)`, the trainable values (the image).
        state: `{image, m, v, t, losses}`; `losses` holds the last iteration's loss
            terms (before its update), never read by `run`.
    """

    def __init__(self, size, seed=0, vgg_weights=None):
        if int(size) != size or int(size) < 16:
            raise ValueError(f"size must be an integer >= 16 (block5_conv1 needs 16 pixels "
                             f"per side); received {size!r}.")
        if vgg_weights is None:
            vgg_weights = _glorot_uniform(seed)
        count = sum(c_in is not None for _, c_in, _ in _PLAN)
        if len(vgg_weights) != count:
            raise ValueError(f"vgg_weights has {len(vgg_weights)} (kernel, bias) pairs; the "
                             f"network has {count} convolutions.")
        self.weights = [(jnp.asarray(k, jnp.float32), jnp.asarray(b, jnp.float32))
                        for k, b in vgg_weights]
        content, style = (jnp.asarray(x) for x in _images(int(size), seed))
        features = jax.jit(_vgg)(self.weights, _preprocess(content))
        self.content_target = features[CONTENT_LAYER]
        features = jax.jit(_vgg)(self.weights, _preprocess(style))
        self.style_targets = [_gram_per_position(features[n])[0] for n in STYLE_LAYERS]
        zeros = jnp.zeros_like(content)
        self.state = {"image": content, "m": zeros, "v": jnp.zeros_like(content),
                      "t": jnp.zeros((), jnp.float32),
                      "losses": {k: jnp.zeros((), jnp.float32)
                                 for k in ("loss", "content_loss", "style_loss", "tv_loss")}}
        self.param_counts = (int(np.prod(content.shape)),)
        self._step = jax.jit(_step, donate_argnums=0)

    def run(self, steps):
        """Queues `steps` iterations (asynchronous dispatch; no host copy)."""
        for _ in range(int(steps)):
            self.state = self._step(self.state, self.weights, self.content_target,
                                    self.style_targets)

    def sync(self):
        """Blocks until every queued iteration has finished."""
        jax.block_until_ready(self.state)

    # for checks only
    def image_array(self):
        """The current image, `(1, H, W, 3)` float32 numpy, RGB on 0..255."""
        return np.asarray(self.state["image"])

    def losses(self):
        """The last iteration's loss terms (before its update) as Python floats."""
        return {k: float(v) for k, v in self.state["losses"].items()}


def style_transfer(size=512, seed=0, vgg_weights=None):
    """The style-transfer reference (Gatys et al. 2016): one iteration = one Adam update
    of a `size x size` image (see the module doc).

    Args:
        size: side of the square content and style images (>= 16).
        seed: seed of the images and of the random VGG19 weights (numpy).
        vgg_weights: optional list of `(kernel (3, 3, in, out), bias)` pairs for the 13
            convolutions up to block5_conv1 (`style_workload.vgg_weights(model)`).

    Returns:
        A `Reference` with `param_counts`, `run(steps)` and `sync()`.
    """
    return Reference(size, seed=seed, vgg_weights=vgg_weights)
