"""Hand-written TensorFlow iteration of neural style transfer (Gatys, Ecker & Bethge 2016,
"Image Style Transfer Using Convolutional Neural Networks", CVPR): the reference that
`benchmarks/throughput.py` compares the library's `StyleTransfer.fit` with.

What a TensorFlow user writes by hand: `keras.applications.VGG19(weights=None,
include_top=False)` cut by a functional sub-model after block5_conv1 (the deepest layer
used), the image a `keras.Variable`, `tf.GradientTape`, `keras.optimizers.Adam` applied
with `optimizer.apply`, and one `tf.function` per iteration (XLA with
`jit_compile=True`). None of the library's models, losses or `fit` is used.

Mirrored (keras_gan/models/style_transfer.py `StyleTransfer.compute_loss_terms`,
`_train_step`; keras_gan/losses/perceptual.py `preprocess`, `gram_matrix`,
`total_variation`):

- the image `(1, H, W, 3)`, RGB on 0..255, float32, started at the content image;
- caffe preprocessing: RGB -> BGR, minus the ImageNet mean (103.939, 116.779, 123.68);
- VGG19 features after the ReLU at block4_conv2 (content) and block1_conv1,
  block2_conv1, block3_conv1, block4_conv1, block5_conv1 (style), one forward pass;
- `content = mean((F - P)^2)` at block4_conv2;
- `style = sum_l w_l * sum((G_l / M_l - A_l) / (2 N_l))^2`, `G_l` the Gram matrix
  `einsum("bhwi,bhwj->bij")`, `M_l` the positions, `N_l` the channels, `A_l` the style
  image's Gram matrix divided by its positions, `w_l = (64 / N_l)^2 / 5`;
- `tv = sum (x[i+1, j] - x[i, j])^2 + sum (x[i, j+1] - x[i, j])^2` (mean over the batch
  of one);
- `loss = 5 content + 0.5 style + 5e-4 tv`; the gradient with respect to the image
  only (VGG19 is frozen); `keras.optimizers.Adam(10.0)` (beta_1 0.9, beta_2 0.999,
  epsilon 1e-7), then the image clipped to [0, 255];
- the targets (content features, style Gram matrices / positions) computed once, at
  construction, and kept on the device.

Differences (bookkeeping, not math): the library also updates its four loss trackers
(running means of `loss`, `content_loss`, `style_loss`, `tv_loss`) per step and `fit`
feeds it a dummy batch; its preprocessing first rescales the input range 0..255 to
0..255 (`(x - 0) * 1`, two elementwise ops left out here); its targets are
non-trainable variables, here constant tensors. The step here returns its four loss
terms as tensors (`last_losses`) without reading them. The VGG19 weights are random
(`keras.utils.set_random_seed(seed)` before building) unless `vgg_weights` is given.

The module runs only under `KERAS_BACKEND=tensorflow`.
"""

import numpy as np

import keras

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
)


def _tensorflow():
    backend = keras.backend.backend()
    if backend != "tensorflow":
        raise RuntimeError(
            f"benchmarks/reference/tf_style.py is a TensorFlow loop and needs "
            f"KERAS_BACKEND=tensorflow; Keras is running on {backend!r}."
        )
    import tensorflow as tf

    return tf


def _check(size):
    if int(size) != size or int(size) < 16:
        raise ValueError(f"size must be an integer >= 16 (block5_conv1 needs 16 pixels per "
                         f"side); received {size!r}.")


def _images(size, seed):
    """The content and style images of `style_workload.images(size, seed)`."""
    return tuple(x.astype("float32")[None] for x in images(size, seed))


class Reference:
    """One style-transfer image being optimised, with a hand-written TensorFlow step.

    Attributes:
        param_counts: `(H * W * 3,)`, the trainable values (the image).
        image: the `keras.Variable` `(1, H, W, 3)` being optimised.
        last_losses: `{loss, content_loss, style_loss, tv_loss}` tensors of the last
            iteration (computed by the step, never read by `run`).
    """

    def __init__(self, size, seed=0, jit_compile=False, vgg_weights=None):
        _check(size)
        tf = _tensorflow()
        self.tf = tf
        size = int(size)
        content, style = _images(size, seed)
        keras.utils.set_random_seed(int(seed))
        base = keras.applications.VGG19(include_top=False, weights=None,
                                        input_shape=(None, None, 3))
        names = sorted(set(STYLE_LAYERS) | {CONTENT_LAYER},
                       key=[layer.name for layer in base.layers].index)
        # the functional graph from the input to these outputs: VGG19 up to block5_conv1
        self.vgg = keras.Model(base.input, {n: base.get_layer(n).output for n in names})
        if vgg_weights is not None:
            convs = [layer for layer in self.vgg.layers
                     if isinstance(layer, keras.layers.Conv2D)]
            if len(vgg_weights) != len(convs):
                raise ValueError(f"vgg_weights has {len(vgg_weights)} (kernel, bias) pairs; "
                                 f"the network has {len(convs)} convolutions.")
            for layer, (kernel, bias) in zip(convs, vgg_weights):
                layer.set_weights([np.asarray(kernel), np.asarray(bias)])
        self.vgg.trainable = False
        self.mean = tf.constant(IMAGENET_MEAN_BGR, dtype=tf.float32)

        features = self.vgg(self._preprocess(tf.constant(content)))
        self.content_target = tf.identity(features[CONTENT_LAYER])
        features = self.vgg(self._preprocess(tf.constant(style)))
        self.style_targets = [self._gram_per_position(features[n])[0] for n in STYLE_LAYERS]
        self.style_weights = [(64.0 / int(features[n].shape[-1])) ** 2 / len(STYLE_LAYERS)
                              for n in STYLE_LAYERS]

        self.image = keras.Variable(content, name="image")
        self.optimizer = keras.optimizers.Adam(learning_rate=LEARNING_RATE)
        self.optimizer.build([self.image])  # slot variables outside the tf.function
        self.param_counts = (int(np.prod(self.image.shape)),)
        self.jit_compile = bool(jit_compile)
        self.last_losses = None
        self._step = tf.function(self._step_fn, jit_compile=self.jit_compile)

    def _preprocess(self, images):
        return self.tf.reverse(images, axis=[-1]) - self.mean

    def _gram_per_position(self, features):
        positions = float(features.shape[1] * features.shape[2])
        return self.tf.einsum("bhwi,bhwj->bij", features, features) / positions

    def _loss_terms(self, image):
        tf = self.tf
        features = self.vgg(self._preprocess(image))
        content = tf.reduce_mean(tf.square(features[CONTENT_LAYER] - self.content_target))
        style = 0.0
        for name, target, weight in zip(STYLE_LAYERS, self.style_targets, self.style_weights):
            made = features[name]
            gram = self._gram_per_position(made)[0]
            channels = float(made.shape[-1])
            style = style + weight * tf.reduce_sum(tf.square((gram - target) / (2.0 * channels)))
        down = image[:, 1:, :, :] - image[:, :-1, :, :]
        right = image[:, :, 1:, :] - image[:, :, :-1, :]
        tv = tf.reduce_mean(tf.reduce_sum(tf.square(down), axis=(1, 2, 3))
                            + tf.reduce_sum(tf.square(right), axis=(1, 2, 3)))
        loss = CONTENT_WEIGHT * content + STYLE_WEIGHT * style + TV_WEIGHT * tv
        return {"loss": loss, "content_loss": content, "style_loss": style, "tv_loss": tv}

    def _step_fn(self):
        tf = self.tf
        with tf.GradientTape() as tape:
            terms = self._loss_terms(self.image.value)
        (grad,) = tape.gradient(terms["loss"], [self.image.value])
        self.optimizer.apply([grad], [self.image])
        self.image.assign(tf.clip_by_value(self.image.value, 0.0, 255.0))
        return terms

    def run(self, steps):
        """Runs `steps` iterations (one `tf.function` call each)."""
        for _ in range(int(steps)):
            self.last_losses = self._step()

    def sync(self):
        """Blocks until the queued iterations are done (a host copy of the image)."""
        return self.image.value.numpy()

    # for checks only
    def image_array(self):
        """The current image, `(1, H, W, 3)` float32 numpy, RGB on 0..255."""
        return self.image.value.numpy()

    def losses(self):
        """The last iteration's loss terms (before its update) as Python floats."""
        return {k: float(v.numpy()) for k, v in self.last_losses.items()}


def style_transfer(size=512, seed=0, jit_compile=False, vgg_weights=None):
    """The style-transfer reference (Gatys et al. 2016): one iteration = one Adam update
    of a `size x size` image (see the module doc).

    Args:
        size: side of the square content and style images (>= 16).
        seed: seed of the images (numpy) and of the random VGG19 weights.
        jit_compile: compile the iteration with XLA.
        vgg_weights: optional list of `(kernel (3, 3, in, out), bias)` pairs for the 13
            convolutions up to block5_conv1 (`style_workload.vgg_weights(model)`).

    Returns:
        A `Reference` with `param_counts`, `run(steps)` and `sync()`.
    """
    return Reference(size, seed=seed, jit_compile=jit_compile, vgg_weights=vgg_weights)
