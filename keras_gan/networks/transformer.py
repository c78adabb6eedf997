"""The image transformation network of Johnson, Alahi & Fei-Fei 2016, "Perceptual Losses
for Real-Time Style Transfer and Super-Resolution" (ECCV; supplementary material,
table 1), trained by `keras_gan.models.FastStyleTransfer`."""

import keras
from keras import ops

from keras_gan.layers.instance_norm import InstanceNormalization
from keras_gan.networks.common import initializer
from keras_gan.layers.fast_layers import BatchNormalization, Conv2D, Conv2DTranspose

__all__ = ["CropToInput", "ReflectionPadding2D", "transformer_net"]

NORMALIZATIONS = ("instance", "batch")
UPSAMPLINGS = ("transpose", "resize")
OUTPUTS = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "linear": None}
"""The output activations and the range of images each one gives."""


def _register(cls):
    return keras.saving.register_keras_serializable(package="keras_gan")(cls)


def _reflect_indices(size, before, after):
    """Indices into an axis of `size` that pad it by reflection (the edge pixel is not
    repeated: `numpy.pad(mode="reflect")`), clipped into range for axes too short to
    reflect. Built from `arange`, so the size may be symbolic (JAX export)."""
    index = ops.arange(-before, size + after, dtype="int32")
    last = size - 1
    index = last - ops.abs(last - ops.abs(index))
    return ops.clip(index, 0, last)


def _reflect(x, axis, before, after):
    return ops.take(x, _reflect_indices(ops.shape(x)[axis], before, after), axis=axis)


@_register
class ReflectionPadding2D(keras.layers.Layer):
    """Pads the height and width of channels-last images by reflection, as
    `numpy.pad(mode="reflect")`: `[c b | a b c d | c b]` for a padding of 2.

    With `multiple=m` instead of `padding`, pads only the bottom and the right by the
    fewest pixels that make the height and width multiples of `m` (0 for sizes that
    already are).

    A side shorter than the padding cannot be reflected; its indices are clipped, so
    the edge pixel repeats there instead of raising an error.

    Args:
        padding: pixels added on each side (an int), or `((top, bottom), (left,
            right))`.
        multiple: pad the bottom and right up to a multiple of this (then `padding`
            must be 0).
    """

    def __init__(self, padding=1, multiple=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(padding, int):
            padding = ((padding, padding), (padding, padding))
        self.padding = tuple(tuple(int(p) for p in pair) for pair in padding)
        if len(self.padding) != 2 or any(len(p) != 2 or min(p) < 0 for p in self.padding):
            raise ValueError("padding must be an int >= 0 or ((top, bottom), (left, right)); "
                             f"received {padding!r}.")
        self.multiple = None if multiple is None else int(multiple)
        if self.multiple is not None and (self.multiple < 1 or any(map(any, self.padding))):
            raise ValueError(f"multiple must be an int >= 1 with padding 0; received "
                             f"multiple={multiple!r}, padding={padding!r}.")

    def _amounts(self, size, axis):
        if self.multiple is None:
            return self.padding[axis - 1]
        return 0, (-size) % self.multiple

    def call(self, inputs):
        x = inputs
        for axis in (1, 2):
            before, after = self._amounts(ops.shape(x)[axis], axis)
            x = _reflect(x, axis, before, after)
        return x

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis in (1, 2):
            if shape[axis] is not None:
                shape[axis] = int(shape[axis]) + sum(self._amounts(int(shape[axis]), axis))
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update(padding=[list(p) for p in self.padding], multiple=self.multiple)
        return config


@_register
class CropToInput(keras.layers.Layer):
    """`[images, reference] -> images[:, :H, :W]` with `H, W` the height and width of
    `reference`: undoes `ReflectionPadding2D(multiple=m)` at the end of a network."""

    def call(self, inputs):
        images, reference = inputs
        shape = ops.shape(reference)
        return images[:, :shape[1], :shape[2], :]

    def compute_output_shape(self, input_shape):
        images, reference = input_shape
        return (images[0], reference[1], reference[2], images[3])


def transformer_net(channels=3, filters=32, residual_blocks=5, normalization="instance",
                    upsampling="transpose", output="sigmoid", padding="reflect",
                    kernel_initializer="glorot_uniform", name="transformer_net"):
    """The image transformation network of Johnson, Alahi & Fei-Fei 2016, "Perceptual
    Losses for Real-Time Style Transfer and Super-Resolution" (supplementary
    material, table 1), `image -> image of the same size`.

    With the defaults:

    - a 9x9 convolution to 32 channels, stride 1;
    - 3x3 convolutions to 64 and 128 channels, stride 2 (down to a quarter of the side);
    - 5 residual blocks of 128 channels, each `x + norm(conv(relu(norm(conv(x)))))`
      with 3x3 convolutions (the paper's blocks: no ReLU after the addition);
    - two 3x3 fractionally-strided convolutions (stride 1/2) to 64 and 32 channels;
    - a 9x9 convolution to `channels`, then the output activation.

    Every convolution but the last is followed by normalisation and a ReLU (and has
    no bias: the normalisation's offset replaces it). `filters` scales every width:
    `filters`, `2 * filters`, `4 * filters`. The defaults have 1,677,635 trainable
    parameters, the paper's 1.68M (batch normalisation adds 3,200 moving statistics).

    Differences from the paper, all of them switchable:

    - `normalization="instance"`: instance normalisation (Ulyanov et al. 2016,
      "Instance Normalization: The Missing Ingredient for Fast Stylization",
      `keras_gan.layers.InstanceNormalization`), which the authors' released code
      (jcjohnson/fast-neural-style) uses by default; `"batch"` is the paper's batch
      normalisation (epsilon 1e-5, momentum 0.9: Torch's defaults).
    - `padding="reflect"`: every stride-1 and stride-2 convolution reads a reflection-
      padded input (`ReflectionPadding2D`, "valid" convolution), which avoids the dark
      borders of zero padding; the authors' code pads by reflection in each layer too
      (`-padding_type reflect`). The paper instead reflection-padded the input by 40
      pixels once and used unpadded convolutions in the residual blocks. `"zero"`:
      "same" zero padding.
    - `output="sigmoid"`: images in [0, 1]. The paper ends with a scaled tanh on
      VGG's mean-subtracted 0..255 scale (`150 * tanh`); `sigmoid(x) =
      (1 + tanh(x / 2)) / 2` is that tanh rescaled to exactly the image range.
      `"tanh"` gives images in [-1, 1], `"linear"` no activation.
    - `upsampling="transpose"`: the paper's 3x3 transposed convolutions, stride 2;
      `"resize"`: nearest-neighbour x2 upsampling followed by a 3x3 convolution, which
      avoids checkerboard artifacts (Odena, Dumoulin & Olah 2016, "Deconvolution and
      Checkerboard Artifacts").

    **Sizes.** The input is `(None, None, channels)`: one network takes any image size.
    Height and width are halved twice and doubled twice, so sides that are multiples
    of 4 round-trip exactly; other images are first reflection-padded at the bottom
    and right to the next multiple of 4 and the output is cropped back, so the output
    always has the input's size.

    **Ranges.** With instance normalisation after the first convolution and reflection
    padding, the network is invariant to a positive affine rescaling of its input
    (`a * x + b`, `a > 0`, up to the normalisation's epsilon): it takes images in
    [0, 1], [-1, 1] or 0..255 alike. `FastStyleTransfer` feeds it images in the range
    of its output.

    Args:
        channels: of the input and output images (3).
        filters: channels of the first convolution (32).
        residual_blocks: number of residual blocks (5).
        normalization: `"instance"` or `"batch"`.
        upsampling: `"transpose"` or `"resize"`.
        output: `"sigmoid"` ([0, 1]), `"tanh"` ([-1, 1]) or `"linear"`.
        padding: `"reflect"` or `"zero"`.
        kernel_initializer: of every convolution.
        name: model name.

    Returns:
        A functional `keras.Model` `(N, H, W, channels) -> (N, H, W, channels)`.

    Example:

    ```python
    net = keras_gan.networks.transformer_net()
    styled = net(images)  # (N, H, W, 3) floats in [0, 1] -> the same shape, in [0, 1]
    ```
    """
    if normalization not in NORMALIZATIONS:
        raise ValueError(f"normalization must be one of {NORMALIZATIONS}; received "
                         f"{normalization!r}.")
    if upsampling not in UPSAMPLINGS:
        raise ValueError(f"upsampling must be one of {UPSAMPLINGS}; received {upsampling!r}.")
    if output not in OUTPUTS:
        raise ValueError(f"output must be one of {tuple(OUTPUTS)}; received {output!r}.")
    if padding not in ("reflect", "zero"):
        raise ValueError(f"padding must be 'reflect' or 'zero'; received {padding!r}.")
    if int(channels) < 1 or int(filters) < 1 or int(residual_blocks) < 0:
        raise ValueError("transformer_net needs channels >= 1, filters >= 1 and "
                         f"residual_blocks >= 0; received channels={channels}, "
                         f"filters={filters}, residual_blocks={residual_blocks}.")
    channels, filters = int(channels), int(filters)

    def conv(x, units, kernel, stride, layer_name, bias=False):
        if padding == "reflect":
            x = ReflectionPadding2D(kernel // 2, name=f"{layer_name}_pad")(x)
        return Conv2D(
            units, kernel, strides=stride, padding="valid" if padding == "reflect" else "same",
            use_bias=bias, kernel_initializer=initializer(kernel_initializer),
            name=layer_name)(x)

    def norm(x, layer_name):
        if normalization == "instance":
            return InstanceNormalization(name=layer_name)(x)
        return BatchNormalization(epsilon=1e-5, momentum=0.9, name=layer_name)(x)

    def conv_norm_relu(x, units, kernel, stride, layer_name):
        x = conv(x, units, kernel, stride, layer_name)
        x = norm(x, f"{layer_name}_norm")
        return keras.layers.ReLU(name=f"{layer_name}_relu")(x)

    def upsample(x, units, layer_name):
        if upsampling == "transpose":
            x = Conv2DTranspose(
                units, 3, strides=2, padding="same", use_bias=False,
                kernel_initializer=initializer(kernel_initializer), name=layer_name)(x)
        else:
            x = keras.layers.UpSampling2D(2, interpolation="nearest",
                                          name=f"{layer_name}_resize")(x)
            x = conv(x, units, 3, 1, layer_name)
        x = norm(x, f"{layer_name}_norm")
        return keras.layers.ReLU(name=f"{layer_name}_relu")(x)

    images = keras.Input((None, None, channels), name="images")
    x = ReflectionPadding2D(padding=0, multiple=4, name="pad_to_multiple_of_4")(images)
    x = conv_norm_relu(x, filters, 9, 1, "conv_in")
    x = conv_norm_relu(x, 2 * filters, 3, 2, "down_1")
    x = conv_norm_relu(x, 4 * filters, 3, 2, "down_2")
    for b in range(1, int(residual_blocks) + 1):
        y = conv_norm_relu(x, 4 * filters, 3, 1, f"block_{b}_conv_1")
        y = conv(y, 4 * filters, 3, 1, f"block_{b}_conv_2")
        y = norm(y, f"block_{b}_conv_2_norm")
        x = keras.layers.Add(name=f"block_{b}_add")([x, y])
    x = upsample(x, 2 * filters, "up_1")
    x = upsample(x, filters, "up_2")
    x = conv(x, channels, 9, 1, "conv_out", bias=True)
    x = CropToInput(name="crop_to_input")([x, images])
    if output != "linear":
        x = keras.layers.Activation(output, name="stylized")(x)
    return keras.Model(images, x, name=name)
