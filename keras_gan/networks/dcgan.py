"""Convolutional generator and discriminators of DCGAN (Radford, Metz & Chintala 2016,
"Unsupervised Representation Learning with Deep Convolutional Generative Adversarial
Networks"), with the heads and conditioning that CGAN, ACGAN, InfoGAN and EBGAN add.

The architecture guidelines of the paper (section 3): strided convolutions instead of
pooling (transposed convolutions with stride 2 in the generator, stride-2 convolutions
in the discriminator), batch normalisation in both networks except the generator's
output layer and the discriminator's input layer, no fully connected hidden layers
(the generator's first layer is a projection of z that is reshaped; the discriminator's
last feature map is flattened into one logit), ReLU in the generator with tanh at its
output, LeakyReLU(0.2) in the discriminator, weights drawn from N(0, 0.02).

Image sizes: the spatial side is `base * 2^k` with `k >= 1` upsampling steps, where the
side is halved while it stays even and at least 4: 64 = 4 * 2^4, 32 = 4 * 2^3,
28 = 7 * 2^2 (MNIST), 48 = 6 * 2^3. Channel counts are free (1 for MNIST, 3 for RGB).

Discriminators return a dict: `"logits"` (N, 1) and `"features"` (N, F), the flattened
last feature map (the intermediate layer that feature matching compares, Salimans et
al. 2016), plus the heads that were asked for.
"""

import keras

from keras_gan.layers import (
    DropReferenceBatch,
    MinibatchDiscrimination,
    PrependReferenceBatch,
    VirtualBatchNormalization,
)
from keras_gan.networks.common import (
    dcgan_init,
    discriminator_conv,
    initializer,
    maybe_spectral_norm,
)
from keras_gan.layers.fast_layers import BatchNormalization, Conv2D, Conv2DTranspose

__all__ = [
    "dcgan_discriminator",
    "dcgan_generator",
    "ebgan_discriminator",
    "upsampling_plan",
]


def upsampling_plan(image_shape):
    """`(base_height, base_width, steps)` such that `side = base * 2^steps`.

    Raises a ValueError for a shape the DCGAN networks cannot produce.
    """
    if len(image_shape) != 3 or any(int(d) < 1 for d in image_shape):
        raise ValueError(f"image_shape must be (height, width, channels); received {image_shape}.")
    height, width = int(image_shape[0]), int(image_shape[1])
    steps = 0
    while height % 2 == 0 and width % 2 == 0 and min(height, width) // 2 >= 4:
        height, width, steps = height // 2, width // 2, steps + 1
    if steps == 0:
        raise ValueError(
            f"A DCGAN image side must be base * 2^k with k >= 1 and base >= 4 (e.g. 64, 32, "
            f"28); received image_shape {tuple(image_shape)}."
        )
    return height, width, steps


def _filters(filters, level, max_filters):
    return min(filters * 2 ** level, max_filters or filters * 8)


def dcgan_generator(latent_dim=100, image_shape=(64, 64, 3), filters=64, max_filters=None,
                    kernel_size=4, num_classes=None, embedding_dim=50,
                    virtual_batch_norm=None, kernel_initializer=None, name="generator"):
    """The DCGAN generator `z -> image in [-1, 1]`.

    z is projected by a dense layer to a `base x base x C0` map, followed by transposed
    convolutions of stride 2 that double the side and halve the channels down to
    `filters`, and a last transposed convolution to the image's channels with tanh.
    For 64x64 images this is the paper's 4x4x1024... network scaled by `filters`
    (`filters=128` gives the paper's 1024-512-256-128).

    Args:
        latent_dim: size of z (100 in the paper).
        image_shape: `(height, width, channels)` of the output.
        filters: channels of the last hidden layer; each earlier layer has twice as
            many, up to `max_filters` (default `8 * filters`).
        kernel_size: of the transposed convolutions (4; the paper's code used 5).
        num_classes: if given, the generator is conditional (CGAN, ACGAN): it takes a
            second input `label` (int, shape `(N,)`) whose learned embedding of size
            `embedding_dim` is concatenated to z (Mirza & Osindero 2014).
        embedding_dim: size of the label embedding.
        virtual_batch_norm: a reference-batch size R to use virtual batch
            normalisation instead of batch normalisation (Salimans et al. 2016): a
            fixed batch of R latent vectors, drawn once and saved with the model, runs
            through the network with every batch and supplies the normalisation
            statistics. Unconditional generators only.
        kernel_initializer: default N(0, 0.02).
        name: model name.

    Returns:
        A functional `keras.Model` with inputs `latent` (and `label`), output the image.
    """
    base_h, base_w, steps = upsampling_plan(image_shape)
    init = kernel_initializer or dcgan_init()

    latent = keras.Input((int(latent_dim),), name="latent")
    inputs, x = [latent], latent
    if virtual_batch_norm:
        if num_classes is not None:
            raise ValueError("virtual_batch_norm is available for unconditional generators only.")
        reference_size = int(virtual_batch_norm)
        x = PrependReferenceBatch(shape=(reference_size, int(latent_dim)),
                                  name="reference_batch")(latent)

        def normalization(layer_name):
            return VirtualBatchNormalization(reference_size, name=layer_name)
    else:
        def normalization(layer_name):
            return BatchNormalization(name=layer_name)
    if num_classes is not None:
        label = keras.Input((), dtype="int32", name="label")
        embedded = keras.layers.Embedding(int(num_classes), int(embedding_dim),
                                          embeddings_initializer=initializer(init),
                                          name="label_embedding")(label)
        inputs.append(label)
        x = keras.layers.Concatenate(name="latent_and_label")([latent, embedded])

    channels = _filters(filters, steps - 1, max_filters)
    x = keras.layers.Dense(base_h * base_w * channels, use_bias=False,
                           kernel_initializer=initializer(init), name="project")(x)
    x = keras.layers.Reshape((base_h, base_w, channels), name="reshape")(x)
    x = normalization("project_bn")(x)
    x = keras.layers.ReLU(name="project_relu")(x)
    for level in range(steps - 1, 0, -1):
        i = steps - level
        x = Conv2DTranspose(
            _filters(filters, level - 1, max_filters), kernel_size, strides=2, padding="same",
            use_bias=False, kernel_initializer=initializer(init), name=f"deconv_{i}",
        )(x)
        x = normalization(f"deconv_{i}_bn")(x)
        x = keras.layers.ReLU(name=f"deconv_{i}_relu")(x)
    x = Conv2DTranspose(int(image_shape[-1]), kernel_size, strides=2,
                                     padding="same", kernel_initializer=initializer(init),
                                     name=f"deconv_{steps}")(x)
    if virtual_batch_norm:
        x = DropReferenceBatch(reference_size, name="drop_reference_batch")(x)
    images = keras.layers.Activation("tanh", name="images")(x)
    return keras.Model(inputs if len(inputs) > 1 else latent, images, name=name)


def _label_map(label, height, width, num_classes, init):
    """CGAN's label input to a convolutional discriminator: an embedding of the label
    as one extra image channel."""
    x = keras.layers.Embedding(int(num_classes), height * width,
                               embeddings_initializer=initializer(init),
                               name="label_embedding")(label)
    return keras.layers.Reshape((height, width, 1), name="label_map")(x)


def dcgan_discriminator(image_shape=(64, 64, 3), filters=64, max_filters=None, kernel_size=4,
                        num_classes=None, class_head=None, info_codes=None, packing=1,
                        spectral_norm=False, minibatch_discrimination=None,
                        kernel_initializer=None, name="discriminator"):
    """The DCGAN discriminator `image -> {"logits", "features", ...}`.

    Stride-2 convolutions halve the side and double the channels (from `filters` up to
    `max_filters`) down to the generator's base size; LeakyReLU(0.2) everywhere, batch
    normalisation on every convolution but the first. The flattened last feature map is
    the `"features"` output; a dense layer on it gives one logit.

    Args:
        image_shape: `(height, width, channels)` of a sample.
        filters, max_filters, kernel_size: as for `dcgan_generator`.
        num_classes: if given, the discriminator is conditional (CGAN): it takes a
            second input `label` (int, `(N,)`), embedded as an extra image channel that
            is joined to the input image.
        class_head: if given, the number of classes of an auxiliary classifier head,
            output `"class_logits"` (N, classes) (ACGAN, Odena et al. 2017).
        info_codes: `(categorical_dims, continuous)` for InfoGAN's Q head (Chen et al.
            2016), sharing this trunk: a dense layer of 128 units with batch norm and
            LeakyReLU, then outputs `"categorical_logits"` (N, sum(categorical_dims))
            and `"continuous_mean"` (N, continuous).
        packing: PacGAN degree; the input has `packing * channels` channels.
        spectral_norm: wrap every convolution and dense layer in spectral
            normalisation and drop batch normalisation (SNGAN, Miyato et al. 2018).
        minibatch_discrimination: `(num_kernels, kernel_dim)` to append minibatch
            features to the flattened features before the logit (Salimans et al. 2016).
        kernel_initializer: default N(0, 0.02).
        name: model name.

    Returns:
        A functional `keras.Model` with a dict output.
    """
    base_h, base_w, steps = upsampling_plan(image_shape)
    init = kernel_initializer or dcgan_init()
    height, width, channels = (int(d) for d in image_shape)
    images = keras.Input((height, width, channels * int(packing)), name="images")
    inputs, x = [images], images
    if num_classes is not None:
        label = keras.Input((), dtype="int32", name="label")
        inputs.append(label)
        x = keras.layers.Concatenate(name="image_and_label")(
            [images, _label_map(label, height, width, num_classes, init)])

    for level in range(steps):
        x = discriminator_conv(x, _filters(filters, level, max_filters), kernel_size, 2,
                               f"conv_{level + 1}", normalize=level > 0 and not spectral_norm,
                               spectral_norm=spectral_norm, kernel_initializer=init)
    features = keras.layers.Flatten(name="features")(x)

    def dense(units, layer_name, source):
        layer = keras.layers.Dense(units, kernel_initializer=initializer(init), name=layer_name)
        return maybe_spectral_norm(layer, spectral_norm)(source)

    head = features
    if minibatch_discrimination is not None:
        num_kernels, kernel_dim = minibatch_discrimination
        head = MinibatchDiscrimination(num_kernels, kernel_dim,
                                       name="minibatch_discrimination")(features)
    outputs = {"logits": dense(1, "logits", head), "features": features}
    if class_head is not None:
        outputs["class_logits"] = dense(int(class_head), "class_logits", head)
    if info_codes is not None:
        categorical, continuous = info_codes
        q = dense(128, "q_dense", features)
        if not spectral_norm:
            q = BatchNormalization(name="q_bn")(q)
        q = keras.layers.LeakyReLU(0.2, name="q_lrelu")(q)
        if sum(categorical):
            outputs["categorical_logits"] = dense(sum(categorical), "categorical_logits", q)
        if continuous:
            outputs["continuous_mean"] = dense(int(continuous), "continuous_mean", q)
    return keras.Model(inputs if len(inputs) > 1 else images, outputs, name=name)


def ebgan_discriminator(image_shape=(64, 64, 3), filters=64, max_filters=None, kernel_size=4,
                        kernel_initializer=None, name="discriminator"):
    """EBGAN's auto-encoder discriminator (Zhao, Mathieu & LeCun 2017, "Energy-based
    Generative Adversarial Network"): `image -> {"reconstruction", "features"}`.

    The encoder is the DCGAN discriminator's convolution stack (stride 2, batch norm
    after the first layer, LeakyReLU 0.2); the decoder mirrors it with transposed
    convolutions (batch norm, ReLU) back to the image, with a linear output. The energy
    of an image is its reconstruction error (computed by `keras_gan.models.EBGAN`);
    `"features"` is the flattened code that the pulling-away term compares. For MNIST
    (28x28) the encoder is 64-128 channels, as in the paper's 64-128-256 at 32 px.

    Args:
        image_shape, filters, max_filters, kernel_size, kernel_initializer, name: as for
            `dcgan_discriminator`.
    """
    _, _, steps = upsampling_plan(image_shape)
    init = kernel_initializer or dcgan_init()
    images = keras.Input(tuple(int(d) for d in image_shape), name="images")
    x = images
    for level in range(steps):
        x = Conv2D(_filters(filters, level, max_filters), kernel_size, strides=2,
                                padding="same", use_bias=level == 0,
                                kernel_initializer=initializer(init),
                                name=f"encoder_{level + 1}")(x)
        if level > 0:
            x = BatchNormalization(name=f"encoder_{level + 1}_bn")(x)
        x = keras.layers.LeakyReLU(0.2, name=f"encoder_{level + 1}_lrelu")(x)
    features = keras.layers.Flatten(name="features")(x)
    for level in range(steps - 2, -1, -1):
        i = steps - 1 - level
        x = Conv2DTranspose(_filters(filters, level, max_filters), kernel_size,
                                         strides=2, padding="same", use_bias=False,
                                         kernel_initializer=initializer(init),
                                         name=f"decoder_{i}")(x)
        x = BatchNormalization(name=f"decoder_{i}_bn")(x)
        x = keras.layers.ReLU(name=f"decoder_{i}_relu")(x)
    reconstruction = Conv2DTranspose(
        int(image_shape[-1]), kernel_size, strides=2, padding="same",
        kernel_initializer=initializer(init), name="reconstruction",
    )(x)
    return keras.Model(images, {"reconstruction": reconstruction, "features": features},
                       name=name)
