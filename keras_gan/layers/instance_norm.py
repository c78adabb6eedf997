"""Instance normalisation (Ulyanov, Vedaldi & Lempitsky 2016, "Instance Normalization:
The Missing Ingredient for Fast Stylization"): batch normalisation's statistics taken
per image and per channel, over the spatial positions only, at training and at test
time alike."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_gan")
class InstanceNormalization(keras.layers.Layer):
    """Normalises each channel of each image by its own mean and variance over the
    spatial positions (Ulyanov et al. 2016), then scales and shifts it:

        y[n, ..., c] = gamma[c] * (x[n, ..., c] - mu[n, c]) / sqrt(var[n, c] + epsilon)
                       + beta[c]

    with `mu` and `var` the mean and the (biased) variance of `x[n, ..., c]` over every
    axis but the first (batch) and the last (channels). There are no moving statistics:
    training and inference compute the same thing, so `training` changes nothing.

    `keras.layers.GroupNormalization(groups=-1)` is the same function on paper, and
    agrees with this layer on ordinary inputs, but in float32 it cancels
    catastrophically when a channel's mean is large against its spread: it computes
    the output as `x * inv - mean * inv`, and the variance as `E[x^2] - E[x]^2` under
    PyTorch. With epsilon 1e-5, a constant channel of value 1000.3 comes out as up to
    0.56 (TensorFlow) instead of 0, and a channel `1000 + N(0, 0.01)` as NaN under
    PyTorch (a negative variance). Here the mean is subtracted first and the corrected
    two-pass algorithm (Chan, Golub & LeVeque 1983, "Algorithms for Computing the
    Sample Variance: Analysis and Recommendations") removes the rounding error of that
    mean, so the result matches a float64 computation for inputs of any offset and
    scale. float16 / bfloat16 inputs are normalised in float32 and cast back.

    Args:
        epsilon: added to the variance (1e-5, as in the Torch code of Ulyanov et al.
            and of Johnson et al.'s fast-neural-style).
        center: learn the offset `beta` (initialised to 0).
        scale: learn the scale `gamma` (initialised to 1).
        beta_initializer, gamma_initializer: initializers of the two vectors.

    Input: channels-last tensors of rank >= 3, `(batch, ..., channels)` with the
    channels known (`(batch, H, W, C)` images; the spatial sizes may be None).

    Example:

    ```python
    x = keras.layers.Conv2D(32, 9, use_bias=False)(images)
    x = keras_gan.layers.InstanceNormalization()(x)
    ```
    """

    def __init__(self, epsilon=1e-5, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", **kwargs):
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)
        if not self.epsilon >= 0:
            raise ValueError(f"epsilon must be >= 0; received {epsilon!r}.")
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = keras.initializers.get(beta_initializer)
        self.gamma_initializer = keras.initializers.get(gamma_initializer)
        self.supports_masking = True
        # gamma and beta stay float32 under mixed precision; the statistics are float32.
        self.autocast = False

    def build(self, input_shape):
        if len(input_shape) < 3 or input_shape[-1] is None:
            raise ValueError(
                "InstanceNormalization expects channels-last inputs (batch, ..., channels) "
                f"of rank >= 3 with known channels; received shape {tuple(input_shape)}.")
        channels = int(input_shape[-1])
        self.input_spec = keras.InputSpec(ndim=len(input_shape), axes={-1: channels})
        self.gamma = self.add_weight(shape=(channels,), name="gamma",
                                     initializer=self.gamma_initializer,
                                     autocast=False) if self.scale else None
        self.beta = self.add_weight(shape=(channels,), name="beta",
                                    initializer=self.beta_initializer,
                                    autocast=False) if self.center else None

    def call(self, inputs):
        dtype = keras.backend.standardize_dtype(inputs.dtype)
        x = ops.cast(inputs, "float32") if dtype in ("float16", "bfloat16") else inputs
        axes = tuple(range(1, len(inputs.shape) - 1))
        centred = x - ops.mean(x, axis=axes, keepdims=True)
        # Corrected two-pass: the first mean's rounding error leaves a small offset in
        # `centred`; subtract it too, and take the variance of what remains.
        centred = centred - ops.mean(centred, axis=axes, keepdims=True)
        variance = ops.mean(ops.square(centred), axis=axes, keepdims=True)
        outputs = centred * ops.rsqrt(variance + self.epsilon)
        if self.gamma is not None:
            outputs = outputs * ops.cast(self.gamma, outputs.dtype)
        if self.beta is not None:
            outputs = outputs + ops.cast(self.beta, outputs.dtype)
        return ops.cast(outputs, dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": keras.initializers.serialize(self.beta_initializer),
            "gamma_initializer": keras.initializers.serialize(self.gamma_initializer),
        })
        return config
