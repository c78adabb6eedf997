"""Sub-pixel convolution (Shi et al. 2016, "Real-Time Single Image and Video
Super-Resolution Using an Efficient Sub-Pixel Convolutional Neural Network"): a
convolution to `r^2 * C` channels in low resolution followed by a periodic shuffle of
those channels into an `r`-times larger image of `C` channels, the upsampling of
SRResNet / SRGAN."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_gan")
class PixelShuffle(keras.layers.Layer):
    """The periodic shuffle `PS` of Shi et al. 2016 (depth to space), channels-last:
    `(N, H, W, r*r*C) -> (N, r*H, r*W, C)`.

    The channel order is that of `tf.nn.depth_to_space` (NHWC):

        output[n, h*r + i, w*r + j, c] = input[n, h, w, (i*r + j)*C + c]

    i.e. the input channels form an `(r, r, C)` block, row offset first. (PyTorch's
    `nn.PixelShuffle` reads channels as `(C, r, r)`, `c*r*r + i*r + j`; weights ported
    from a PyTorch model must have their output channels permuted accordingly.)

    The operation is a reshape to `(N, H, W, r, r, C)`, a transpose to
    `(N, H, r, W, r, C)` and a reshape, in `keras.ops`; the batch and spatial sizes may
    be dynamic (None), so one model upscales images of any size. The channels must be
    known and divisible by `r^2`.

    Args:
        scale: the upscaling factor `r` (an int >= 1).

    Returns (when called):
        The rearranged tensor, `(N, r*H, r*W, channels / r^2)`.
    """

    def __init__(self, scale=2, **kwargs):
        super().__init__(**kwargs)
        if int(scale) != scale or int(scale) < 1:
            raise ValueError(f"PixelShuffle needs an integer scale >= 1; got {scale!r}.")
        self.scale = int(scale)

    def _output_channels(self, input_shape):
        if len(input_shape) != 4:
            raise ValueError("PixelShuffle expects channels-last images (batch, height, width, "
                             f"channels); got shape {tuple(input_shape)}.")
        channels = input_shape[-1]
        block = self.scale * self.scale
        if channels is None or int(channels) % block:
            raise ValueError(
                f"PixelShuffle({self.scale}) needs a known number of channels divisible by "
                f"scale^2 = {block}; got shape {tuple(input_shape)}.")
        return int(channels) // block

    def build(self, input_shape):
        self._output_channels(input_shape)

    def call(self, inputs):
        r = self.scale
        channels = self._output_channels(inputs.shape)
        shape = ops.shape(inputs)
        height, width = shape[1], shape[2]
        x = ops.reshape(inputs, (-1, height, width, r, r, channels))
        x = ops.transpose(x, (0, 1, 3, 2, 4, 5))
        return ops.reshape(x, (-1, height * r, width * r, channels))

    def compute_output_shape(self, input_shape):
        channels = self._output_channels(input_shape)
        batch, height, width = input_shape[:3]
        return (batch,
                None if height is None else int(height) * self.scale,
                None if width is None else int(width) * self.scale,
                channels)

    def get_config(self):
        config = super().get_config()
        config.update(scale=self.scale)
        return config
