"""VGG19 feature losses: perceptual (content), style and total variation.

Features come from `keras.applications.VGG19` (Simonyan & Zisserman 2015, "Very Deep
Convolutional Networks for Large-Scale Image Recognition") without its classifier,
frozen, with layers chosen by name (`"block5_conv4"`), never by index.

- `PerceptualLoss`: distance between feature maps of the target and the generated
  image, the content loss of Gatys et al. 2016 and the feature reconstruction loss of
  Johnson et al. 2016 ("Perceptual Losses for Real-Time Style Transfer and
  Super-Resolution"); SRGAN's VGG loss (Ledig et al. 2017) with `feature_scale=1/12.75`,
  ESRGAN's (Wang et al. 2018) with `pre_activation=True` and `distance="l1"`.
- `StyleLoss`: squared distance between Gram matrices, with the normalisation of
  Gatys et al. 2016 ("Image Style Transfer Using Convolutional Neural Networks").
- `total_variation`: a smoothness prior on the generated image (Mahendran & Vedaldi
  2015, as used by Johnson et al. 2016).

Images are channels-last `(batch, H, W, 3)` RGB in `input_range` (the generators' tanh
range by default). They are mapped to VGG's caffe-mode input inside, in `keras.ops`
(`preprocess`), so the losses are differentiable with respect to the images and never
touch a numpy input in place (`keras.applications.vgg19.preprocess_input` does).
"""

import os

import keras
from keras import ops

from keras_gan.layers import fast_layers

__all__ = [
    "VGG19_LAYERS",
    "VGGFeatures",
    "PerceptualLoss",
    "StyleLoss",
    "gram_matrix",
    "preprocess",
    "total_variation",
]

# Convolutions per block of VGG19 ("configuration E" of Simonyan & Zisserman 2015).
_VGG19_BLOCKS = (2, 2, 4, 4, 4)

VGG19_LAYERS = tuple(
    name
    for block, convs in enumerate(_VGG19_BLOCKS, start=1)
    for name in [f"block{block}_conv{i}" for i in range(1, convs + 1)] + [f"block{block}_pool"]
)
"""The names of the layers of `keras.applications.VGG19(include_top=False)`, in order."""

# ImageNet mean pixel of the caffe VGG models, in BGR order.
IMAGENET_MEAN_BGR = (103.939, 116.779, 123.68)


def _register(cls):
    return keras.saving.register_keras_serializable(package="keras_gan")(cls)


def _check_input_range(input_range):
    low, high = (float(v) for v in input_range)
    if not high > low:
        raise ValueError(
            f"input_range must be (low, high) with high > low; received {input_range}."
        )
    return low, high


def _check_images(images, name="images"):
    shape = tuple(images.shape)
    if len(shape) != 4 or shape[-1] != 3:
        raise ValueError(
            f"{name} must be RGB images (batch, height, width, 3), channels-last; "
            f"received shape {shape}."
        )


def preprocess(images, input_range=(-1.0, 1.0)):
    """Maps RGB images to VGG19's caffe-mode input, in `keras.ops`.

    The images are rescaled from `input_range` to 0..255, reordered RGB -> BGR and the
    ImageNet mean `[103.939, 116.779, 123.68]` (BGR) is subtracted: what
    `keras.applications.vgg19.preprocess_input` does to 0..255 images, without
    modifying a numpy input in place.

    Args:
        images: `(batch, H, W, 3)` RGB images, floats in `input_range`; integer images
            are taken as 0..255.
        input_range: `(low, high)` of float images.

    Returns:
        `(batch, H, W, 3)` float32 BGR images, mean-subtracted, on the 0..255 scale.
    """
    _check_images(images)
    low, high = _check_input_range(input_range)
    images = ops.convert_to_tensor(images)
    if "int" in keras.backend.standardize_dtype(images.dtype):
        low, high = 0.0, 255.0
    images = ops.cast(images, "float32")
    images = (images - low) * (255.0 / (high - low))
    bgr = ops.flip(images, axis=-1)
    return bgr - ops.convert_to_tensor(IMAGENET_MEAN_BGR, dtype="float32")


def _normalize_layers(layers):
    if isinstance(layers, str):
        layers = (layers,)
    layers = tuple(layers)
    if not layers:
        raise ValueError("Give at least one VGG19 layer name.")
    unknown = [name for name in layers if name not in VGG19_LAYERS]
    if unknown:
        raise ValueError(
            f"Unknown VGG19 layer name(s) {unknown}; valid names are "
            f"{', '.join(VGG19_LAYERS)}."
        )
    if len(set(layers)) != len(layers):
        raise ValueError(f"VGG19 layer names must not repeat; received {list(layers)}.")
    return layers


def _check_weights(weights):
    if weights in ("imagenet", None):
        return weights
    path = os.fspath(weights)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"VGG19 weights file not found: {path}")
    return path


def _fast_copy(layer, activation=None):
    """A copy of a VGG19 Conv2D or MaxPooling2D layer as the `keras_gan.layers` class of
    the same name (the same arithmetic, faster on PyTorch: `keras_gan/layers/
    fast_layers.py`), weights copied, sharing nothing; `activation` replaces a
    convolution's. Other layers are returned as they are."""
    if isinstance(layer, keras.layers.MaxPooling2D):
        return fast_layers.MaxPooling2D.from_config(layer.get_config())
    if not isinstance(layer, keras.layers.Conv2D):
        return layer
    config = layer.get_config()
    if activation is not None:
        config["activation"] = activation
    copy = fast_layers.Conv2D.from_config(config)
    copy.build(layer.input.shape)
    copy.set_weights(layer.get_weights())
    return copy


def _feature_network(layers, weights, pre_activation):
    """Functional model: caffe-preprocessed images -> {layer name: features}."""
    base = keras.applications.VGG19(
        include_top=False, weights=weights, input_shape=(None, None, 3)
    )
    inputs = keras.Input((None, None, 3), name="vgg19_input")
    wanted = set(layers)
    outputs = {}
    x = inputs
    for name in VGG19_LAYERS:  # the chain in order, up to the deepest requested layer
        layer = base.get_layer(name)
        if pre_activation and name in wanted and isinstance(layer, keras.layers.Conv2D):
            x = _fast_copy(layer, activation="linear")(x)
            outputs[name] = x
            x = keras.layers.ReLU(name=f"{name}_relu")(x)
        else:
            x = _fast_copy(layer)(x)
            if name in wanted:
                outputs[name] = x
        if len(outputs) == len(wanted):
            break
    return keras.Model(inputs, {name: outputs[name] for name in layers}, name="vgg19_layers")


@_register
class VGGFeatures(keras.Model):
    """Frozen VGG19 feature maps at named layers, from RGB images.

    The network is `keras.applications.VGG19(include_top=False)` (Simonyan & Zisserman
    2015), which loads the weights, cut after the deepest requested layer (the layers
    beyond it are dropped), with the ImageNet preprocessing
    (`preprocess`, caffe mode) inside. All weights are frozen.

    With `pre_activation=True` the requested convolutions return their outputs before
    the ReLU, as ESRGAN's perceptual loss uses (Wang et al. 2018, "ESRGAN: Enhanced
    Super-Resolution Generative Adversarial Networks", Sec. 3.3): those layers are
    rebuilt with a linear activation and the pretrained kernels and biases copied, and
    a separate ReLU feeds the layers that follow, so deeper features are unchanged.

    Args:
        layers: a VGG19 layer name or a sequence of them, e.g. `"block5_conv4"` or
            `("block1_conv1", "block2_conv1")`; see `VGG19_LAYERS`.
        weights: `"imagenet"` (downloaded by `keras.applications` on first use),
            `None` (random weights: for tests only), or the path of a weights file
            (`.h5` / `.weights.h5`) for `VGG19(include_top=False)`.
        pre_activation: return the requested convolutions' outputs before their ReLU.
        input_range: `(low, high)` of float input images; integer images are taken
            as 0..255.

    Calling the model on `(batch, H, W, 3)` RGB images returns a dict
    `{layer name: (batch, h, w, channels) features}`.

    Example:

    ```python
    vgg = VGGFeatures(["block2_conv2", "block5_conv4"], pre_activation=True)
    features = vgg(images)["block5_conv4"]
    ```
    """

    def __init__(self, layers, weights="imagenet", pre_activation=False,
                 input_range=(-1.0, 1.0), **kwargs):
        kwargs.setdefault("name", "vgg19_features")
        super().__init__(**kwargs)
        # `self.layers` is keras.Model's list of sublayers: keep the names apart.
        self.layer_names = _normalize_layers(layers)
        self.weights_source = _check_weights(weights)
        self.pre_activation = bool(pre_activation)
        self.input_range = _check_input_range(input_range)
        self.network = _feature_network(self.layer_names, self.weights_source,
                                         self.pre_activation)
        self.trainable = False
        self.built = True  # the network is built: saving needs no call first

    def call(self, images):
        features = self.network(preprocess(images, self.input_range))
        # in the order asked; float32 under a mixed-precision policy (Gram matrices of
        # float16 features overflow)
        return {name: ops.cast(features[name], "float32") for name in self.layer_names}

    def get_config(self):
        config = super().get_config()
        config.update({
            "layers": list(self.layer_names),
            "weights": self.weights_source,
            "pre_activation": self.pre_activation,
            "input_range": list(self.input_range),
        })
        return config


def gram_matrix(features):
    """Gram matrices of feature maps, unnormalised.

    `G[b, i, j] = sum over positions p of F[b, p, i] * F[b, p, j]`, i.e. `F^T F` with
    `F` the `(H*W, C)` feature matrix of each image (Gatys et al. 2016, Eq. 3). No
    division by the number of positions or channels: `StyleLoss` applies the paper's
    `1 / (4 N^2 M^2)`.

    Args:
        features: `(batch, H, W, C)` feature maps.

    Returns:
        `(batch, C, C)` Gram matrices.
    """
    features = ops.convert_to_tensor(features)
    return ops.einsum("bhwi,bhwj->bij", features, features)


def total_variation(images, squared=True):
    """Total variation of images: summed differences between neighbouring pixels.

    The default is the squared (beta = 2), anisotropic form that Johnson et al. 2016's
    style transfer and super-resolution code regularises with (Mahendran & Vedaldi
    2015): for each image,
    `sum (x[i+1, j] - x[i, j])^2 + sum (x[i, j+1] - x[i, j])^2` over all rows, columns
    and channels. `squared=False` sums absolute differences instead (the anisotropic
    L1 form of `tf.image.total_variation`). Sums, not means: the value grows with the
    image size.

    Args:
        images: `(batch, H, W, C)` images.
        squared: square the differences (default) or take their absolute values.

    Returns:
        A scalar: the mean over the batch of each image's total variation.
    """
    images = ops.convert_to_tensor(images)
    if len(images.shape) != 4:
        raise ValueError(f"images must be (batch, height, width, channels); received shape "
                         f"{tuple(images.shape)}.")
    down = images[:, 1:, :, :] - images[:, :-1, :, :]
    right = images[:, :, 1:, :] - images[:, :, :-1, :]
    penalty = ops.square if squared else ops.abs
    per_image = ops.sum(penalty(down), axis=(1, 2, 3)) + ops.sum(penalty(right), axis=(1, 2, 3))
    return ops.mean(per_image)


def _layer_weights(layers, layer_weights, default):
    if layer_weights is None:
        return tuple(float(default) for _ in layers)
    if isinstance(layer_weights, dict):
        if set(layer_weights) != set(layers):
            raise ValueError(
                f"layer_weights keys {sorted(layer_weights)} must be the layers "
                f"{list(layers)}."
            )
        return tuple(float(layer_weights[name]) for name in layers)
    layer_weights = tuple(float(w) for w in layer_weights)
    if len(layer_weights) != len(layers):
        raise ValueError(
            f"Give one weight per layer: {len(layers)} layers {list(layers)}, "
            f"{len(layer_weights)} layer_weights."
        )
    return layer_weights


class _FeatureLoss(keras.losses.Loss):
    """A loss on VGG19 features of `y_true` (the target) and `y_pred` (the images made)."""

    def __init__(self, layers, layer_weights, default_layer_weight, weights, pre_activation,
                 input_range, **kwargs):
        super().__init__(**kwargs)
        self.extractor = VGGFeatures(layers, weights=weights, pre_activation=pre_activation,
                                     input_range=input_range)
        self.layers = self.extractor.layer_names
        self.layer_weights = _layer_weights(self.layers, layer_weights, default_layer_weight)

    def features(self, y_true, y_pred):
        """`(target features, generated features)` dicts; no gradient to the target."""
        target = self.extractor(y_true)
        made = self.extractor(y_pred)
        return {k: ops.stop_gradient(v) for k, v in target.items()}, made

    def get_config(self):
        config = super().get_config()
        config.update({
            "layers": list(self.layers),
            "layer_weights": list(self.layer_weights),
            "weights": self.extractor.weights_source,
            "pre_activation": self.extractor.pre_activation,
            "input_range": list(self.extractor.input_range),
        })
        return config


@_register
class PerceptualLoss(_FeatureLoss):
    """Perceptual (content / feature reconstruction) loss on VGG19 feature maps.

    For each image: `sum_l w_l * mean(d(s * phi_l(y_pred) - s * phi_l(y_true)))` over
    the positions and channels of layer `l`, with `d` the square (`"mse"`) or absolute
    value (`"l1"`) and `s = feature_scale`; the loss is the mean over the batch.

    - Johnson et al. 2016, "Perceptual Losses for Real-Time Style Transfer and
      Super-Resolution": feature reconstruction loss, mse at one layer (relu2_2 for
      super-resolution: `"block2_conv2"`).
    - Ledig et al. 2017, SRGAN: mse on `"block5_conv4"` (VGG54) features rescaled by
      `feature_scale=1/12.75`.
    - Wang et al. 2018, ESRGAN: l1 on `"block5_conv4"` before its ReLU
      (`pre_activation=True`).

    Args:
        layers: VGG19 layer names (see `VGG19_LAYERS`).
        layer_weights: one weight per layer (a sequence in the order of `layers`, or a
            dict by name); by default 1 for every layer (the layer terms are summed).
        distance: `"mse"` or `"l1"`.
        feature_scale: multiplies the features before the distance.
        weights: `"imagenet"`, `None` (random, for tests) or a weights file path.
        pre_activation: compare the convolutions' outputs before their ReLU.
        input_range: `(low, high)` of the images.
        reduction, name, dtype: as for `keras.losses.Loss`.

    Calling the loss `loss(y_true, y_pred)` on `(batch, H, W, 3)` images returns the
    scalar loss. The VGG network is in `loss.extractor`.
    """

    _DISTANCES = {"mse": ops.square, "l1": ops.abs}

    def __init__(self, layers=("block5_conv4",), layer_weights=None, distance="mse",
                 feature_scale=1.0, weights="imagenet", pre_activation=False,
                 input_range=(-1.0, 1.0), reduction="sum_over_batch_size",
                 name="perceptual_loss", dtype=None):
        if distance not in self._DISTANCES:
            raise ValueError(f"distance must be one of {sorted(self._DISTANCES)}; "
                             f"received {distance!r}.")
        self.distance = distance
        self.feature_scale = float(feature_scale)
        super().__init__(layers, layer_weights, 1.0, weights, pre_activation, input_range,
                         reduction=reduction, name=name, dtype=dtype)

    def call(self, y_true, y_pred):
        target, made = self.features(y_true, y_pred)
        penalty = self._DISTANCES[self.distance]
        total = 0.0
        for name, weight in zip(self.layers, self.layer_weights):
            diff = (made[name] - target[name]) * self.feature_scale
            total = total + weight * ops.mean(penalty(diff), axis=(1, 2, 3))
        return total

    def get_config(self):
        config = super().get_config()
        config.update({"distance": self.distance, "feature_scale": self.feature_scale})
        return config


@_register
class StyleLoss(_FeatureLoss):
    """Style loss of Gatys et al. 2016, "Image Style Transfer Using Convolutional
    Neural Networks" (Eq. 4-5), on Gram matrices of VGG19 feature maps.

    For each image: `sum_l w_l * E_l` with
    `E_l = 1 / (4 N_l^2 M_l^2) * sum_ij (G_ij - A_ij)^2`, where `G` and `A` are the
    Gram matrices (`gram_matrix`) of `y_pred` and `y_true` at layer `l`, `N_l` its
    number of channels and `M_l` its number of positions `H * W`; the loss is the mean
    over the batch. `y_true` may be one style image (batch 1) for a batch of `y_pred`
    of the same size.

    Args:
        layers: VGG19 layer names; by default the paper's conv1_1 ... conv5_1 (after
            their ReLU).
        layer_weights: one weight per layer (a sequence or a dict by name); by default
            `1 / len(layers)` each, as in the paper.
        weights: `"imagenet"`, `None` (random, for tests) or a weights file path.
        pre_activation: use the convolutions' outputs before their ReLU.
        input_range: `(low, high)` of the images.
        reduction, name, dtype: as for `keras.losses.Loss`.
    """

    def __init__(self, layers=("block1_conv1", "block2_conv1", "block3_conv1",
                               "block4_conv1", "block5_conv1"),
                 layer_weights=None, weights="imagenet", pre_activation=False,
                 input_range=(-1.0, 1.0), reduction="sum_over_batch_size",
                 name="style_loss", dtype=None):
        count = 1 if isinstance(layers, str) else len(tuple(layers))
        super().__init__(layers, layer_weights, 1.0 / max(count, 1), weights, pre_activation,
                         input_range, reduction=reduction, name=name, dtype=dtype)

    def call(self, y_true, y_pred):
        target, made = self.features(y_true, y_pred)
        total = 0.0
        for name, weight in zip(self.layers, self.layer_weights):
            shape = ops.shape(made[name])
            channels = ops.cast(shape[3], "float32")
            positions = ops.cast(shape[1] * shape[2], "float32")
            # (G - A) / (2 N M), squared and summed: 1 / (4 N^2 M^2) sum (G - A)^2
            # without forming the large unnormalised squares.
            diff = (gram_matrix(made[name]) - gram_matrix(target[name])) / (
                2.0 * channels * positions)
            total = total + weight * ops.sum(ops.square(diff), axis=(1, 2))
        return total
