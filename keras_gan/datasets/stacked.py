"""Stacked MNIST: three MNIST digits stacked as the channels of one RGB image.

Metz et al. 2017 ("Unrolled Generative Adversarial Networks") introduced it and VEEGAN
(Srivastava et al. 2017) and PacGAN (Lin et al. 2018) use it to count modes: the
digits of the three channels give `10^3 = 1000` modes, `100 * red + 10 * green +
blue`, that a generator should all cover evenly. A mode of a generated image is read
by a pre-trained MNIST classifier, channel by channel
(`keras_gan.metrics.mnist_stacked_classes`).
"""

import numpy as np

from keras_gan.datasets.images import load_arrays

__all__ = ["stacked_mnist"]


def stacked_mnist(n, split="train", data_dir=None, seed=0):
    """`n` Stacked MNIST images drawn (with replacement) from an MNIST split.

    Args:
        n: number of images (PacGAN: 128,000 for training).
        split: the MNIST split the digits come from.
        data_dir: where MNIST is (see `load_arrays`).
        seed: seed of the digit draws.

    Returns:
        `(images, modes)`: uint8 `(n, 28, 28, 3)` (channel c holds the digit of
        `modes // 10^(2 - c) % 10`) and int32 `(n,)` modes in [0, 1000).
    """
    n = int(n)
    if n < 0:
        raise ValueError(f"n must be >= 0; received {n}.")
    digits, labels = load_arrays("mnist", split, data_dir=data_dir)
    index = np.random.default_rng(seed).integers(0, len(digits), (n, 3))
    images = np.concatenate([digits[index[:, c]] for c in range(3)], axis=-1)
    modes = (100 * labels[index[:, 0]] + 10 * labels[index[:, 1]]
             + labels[index[:, 2]]).astype("int32")
    return images, modes
