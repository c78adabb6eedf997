"""A hand-written TensorFlow training loop for SRGAN: the reference that
`benchmarks/throughput.py` compares the library's `model.fit` with on the SRGAN
workload (`srgan_workload.py`).

SRGAN (Ledig et al. 2017, "Photo-Realistic Single Image Super-Resolution Using a
Generative Adversarial Network"), GAN stage. The loop is what a TensorFlow user writes
by hand: the Keras 3 networks of the library (`keras_gan.networks.srresnet`,
`srgan_discriminator`, built under `KERAS_BACKEND=tensorflow`), the VGG19 of
`keras.applications` (`weights=None`, `include_top=False`) cut at `block5_conv4` with
`keras.Model(vgg.input, vgg.get_layer("block5_conv4").output)` and frozen (not the
library's `VGGFeatures`: a TensorFlow user builds this cut directly; the layers and
their arithmetic are the same), the caffe preprocessing written in TensorFlow ops, two
`keras.optimizers.Adam` applied with `optimizer.apply(grads, variables)`,
`tf.GradientTape`, and one `tf.function` per training step (optionally XLA-compiled
with `jit_compile=True`). It uses none of the library's models, losses, train steps or
`fit`. One fixed `(lr, hr)` batch is put on the device once; nothing is copied to the
host per step.

Mirrored math (keras_gan/models/super_resolution.py `SuperResolutionGAN._train_step`,
`generator_losses`, `reconstruction_losses`, `discriminator_losses`;
keras_gan/losses/perceptual.py `preprocess`, `PerceptualLoss.call`;
keras_gan/losses/adversarial.py `NonSaturatingLoss`), in the library's order:

1. generator update: `sr = G(lr)` in training mode; VGG features of the HR target
   (`stop_gradient`) and of `sr`, both after `(x + 1) * 127.5`, RGB -> BGR and the
   ImageNet mean subtracted; `perceptual = mean_batch(mean_hwc(((phi(sr) - phi(hr)) /
   12.75)^2))`; `adversarial = mean softplus(-D(sr))` with D in training mode (its
   batch-norm moving statistics move, as in the library); `g_loss = perceptual +
   1e-3 adversarial`, differentiated with respect to the generator's weights only;
2. discriminator update on the same `sr`, detached (the generator runs once per step):
   `d_loss = mean softplus(-D(hr)) + mean softplus(D(sr))`, D called on HR and on SR
   separately, in training mode.

Adam(1e-4, beta_1=0.9, beta_2=0.999, epsilon=1e-7) for each network (`SRGAN`'s
defaults). LR crops in [0, 1], HR crops and the generator's output in [-1, 1].

Not mirrored (none of it changes the weights):
- the pixel MSE, whose weight is 0 in the GAN stage (`0 * pixel` adds exact zeros to
  the loss and to the gradient; the library computes it and its gradient: elementwise
  work on the 96x96x3 outputs), and the PSNR monitor;
- the library's loss trackers (running means of the reported losses) and the
  `optimizer.iterations` counter of its optimizer container; the step here returns
  its losses as tensors and keeps the last ones in `Reference.last_losses` unread.

The module runs only under `KERAS_BACKEND=tensorflow`; building the reference under
another backend raises a RuntimeError that says so.
"""

import keras

from .srgan_workload import LR_SIZE, SCALE, check_arguments, data
from .tf_loop import _trainable_count

__all__ = ["Reference", "srgan"]

IMAGENET_MEAN_BGR = (103.939, 116.779, 123.68)  # caffe VGG mean pixel
FEATURE_SCALE = 1.0 / 12.75  # Ledig et al. 2017, VGG54 loss rescaling
ADVERSARIAL_WEIGHT = 1e-3


def _tensorflow():
    """The `tensorflow` module, after checking that Keras runs on it."""
    backend = keras.backend.backend()
    if backend != "tensorflow":
        raise RuntimeError(
            f"benchmarks/reference/tf_srgan.py is a TensorFlow loop and needs "
            f"KERAS_BACKEND=tensorflow; Keras is running on {backend!r}."
        )
    import tensorflow as tf

    return tf


def vgg54():
    """Frozen VGG19 (`keras.applications`, random weights) up to `block5_conv4` after
    its ReLU, on caffe-preprocessed images of any size."""
    vgg = keras.applications.VGG19(include_top=False, weights=None)
    features = keras.Model(vgg.input, vgg.get_layer("block5_conv4").output, name="vgg54")
    features.trainable = False
    return features


class Reference:
    """The hand-written SRGAN training step on one fixed `(lr, hr)` batch.

    Attributes:
        generator, discriminator, vgg: the Keras networks.
        lr, hr: the batch, tensors on the device.
        param_counts: `(generator, discriminator)` trainable parameter counts.
        last_losses: the loss tensors of the last step (never read by the loop).
    """

    def __init__(self, batch_size, lr_size, scale, seed, jit_compile):
        tf = _tensorflow()
        from keras_gan.networks import srgan_discriminator, srresnet

        hr_size = int(lr_size) * int(scale)
        # the weights' draw, in the library's order: generator, discriminator, VGG
        keras.utils.set_random_seed(seed)
        self.generator = srresnet(int(scale), 16, 64)
        self.discriminator = srgan_discriminator((hr_size, hr_size, 3))
        self.vgg = vgg54()
        self.g_vars = list(self.generator.trainable_variables)
        self.d_vars = list(self.discriminator.trainable_variables)
        self.g_opt = keras.optimizers.Adam(1e-4, beta_1=0.9, beta_2=0.999, epsilon=1e-7)
        self.d_opt = keras.optimizers.Adam(1e-4, beta_1=0.9, beta_2=0.999, epsilon=1e-7)
        # slot variables are created here, outside the tf.function
        self.g_opt.build(self.g_vars)
        self.d_opt.build(self.d_vars)
        lr, hr = data(batch_size, 1, lr_size, scale, seed)
        self.lr, self.hr = tf.constant(lr), tf.constant(hr)
        self.mean = tf.constant(IMAGENET_MEAN_BGR, dtype=tf.float32)
        self.jit_compile = bool(jit_compile)
        self.param_counts = (_trainable_count(self.generator),
                             _trainable_count(self.discriminator))
        self.last_losses = None
        self._step = tf.function(self.step, jit_compile=self.jit_compile)

    def features(self, images):
        """VGG54 features of [-1, 1] RGB images (caffe preprocessing: 0..255, BGR,
        mean subtracted)."""
        tf = _tensorflow()
        return self.vgg(tf.reverse((images + 1.0) * 127.5, axis=[-1]) - self.mean)

    def step(self):
        """One training step (traced into a `tf.function`)."""
        tf = _tensorflow()
        lr, hr = self.lr, self.hr
        # generator update
        with tf.GradientTape() as tape:
            sr = self.generator(lr, training=True)
            target = tf.stop_gradient(self.features(hr))
            diff = (self.features(sr) - target) * FEATURE_SCALE
            perceptual = tf.reduce_mean(tf.reduce_mean(tf.square(diff), axis=[1, 2, 3]))
            fake_logits = self.discriminator(sr, training=True)
            adversarial = tf.reduce_mean(tf.math.softplus(-fake_logits))
            g_loss = perceptual + ADVERSARIAL_WEIGHT * adversarial
        self.g_opt.apply(tape.gradient(g_loss, self.g_vars), self.g_vars)
        # discriminator update on the same super-resolved batch, detached
        sr = tf.stop_gradient(sr)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(hr, training=True)
            fake_logits = self.discriminator(sr, training=True)
            d_loss = (tf.reduce_mean(tf.math.softplus(-real_logits))
                      + tf.reduce_mean(tf.math.softplus(fake_logits)))
        self.d_opt.apply(tape.gradient(d_loss, self.d_vars), self.d_vars)
        return {"g_loss": g_loss, "perceptual_loss": perceptual,
                "adversarial_loss": adversarial, "d_loss": d_loss}

    def run(self, steps):
        """Runs `steps` training steps (one `tf.function` call each)."""
        for _ in range(int(steps)):
            self.last_losses = self._step()

    def sync(self):
        """Blocks until the queued steps are finished (a host read of the last weight
        of each network)."""
        self.g_vars[-1].numpy()
        self.d_vars[-1].numpy()


def srgan(batch_size=16, lr_size=LR_SIZE, scale=SCALE, seed=0, jit_compile=False):
    """The SRGAN reference (Ledig et al. 2017, GAN stage): one step = 1 generator
    update (VGG54 + 1e-3 non-saturating adversarial loss) + 1 discriminator update on
    a batch of `batch_size` LR/HR pairs, Adam(1e-4, 0.9) for both networks.

    Args:
        batch_size: LR/HR pairs per step (16 in the paper).
        lr_size: side of the LR crops (24); the HR crops are `scale * lr_size`.
        scale: upscaling factor (4).
        seed: seed of the weights and of the batch (`srgan_workload.data`).
        jit_compile: compile the step with XLA.

    Returns:
        A `Reference` with `run(steps)`, `sync()` and `param_counts`.
    """
    check_arguments(batch_size, lr_size, scale)
    return Reference(int(batch_size), int(lr_size), int(scale), seed, jit_compile)
