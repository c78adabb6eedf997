"""Virtual batch normalisation (Salimans et al. 2016, "Improved Techniques for Training
GANs", section 3.4).

Batch normalisation makes the output for one example depend on the other examples of
its minibatch. Virtual batch normalisation (VBN) normalises each example `x` with the
statistics of a *reference batch*, chosen once at the start of training, together with
`x` itself. The reference statistics at a hidden layer depend on the current weights,
so the reference batch has to go through the network with every forward pass. Here it
travels as the first `R` rows of the batch:

    inputs = keras.Input((latent_dim,))
    h = PrependReferenceBatch(reference)(inputs)      # (R + B, latent_dim)
    h = keras.layers.Dense(256, use_bias=False)(h)
    h = VirtualBatchNormalization(R)(h)               # rows 0..R-1: the reference
    h = keras.layers.ReLU()(h)
    ...
    outputs = DropReferenceBatch(R)(h)                # (B, ...)
    generator = keras.Model(inputs, outputs)

or `with_reference_batch(body, reference)` around a network `body` whose VBN layers
take `R` reference rows. Layers between `PrependReferenceBatch` and
`DropReferenceBatch` must treat rows independently (Dense, convolutions, activations,
VBN), apart from the VBN layers themselves.
"""

import numpy as np

import keras
from keras import ops

_DISTRIBUTIONS = ("normal", "uniform")


def _draw_reference(shape, distribution, seed):
    rng = np.random.default_rng(seed)
    if distribution == "normal":
        return rng.standard_normal(shape)
    return rng.uniform(-1.0, 1.0, shape)


@keras.saving.register_keras_serializable(package="keras_gan")
class PrependReferenceBatch(keras.layers.Layer):
    """Puts a fixed reference batch of `R` inputs in front of every batch.

    `(B, ...) -> (R + B, ...)`; the first `R` rows are the stored reference batch, for
    the `VirtualBatchNormalization(R)` layers further on (Salimans et al. 2016,
    section 3.4); `DropReferenceBatch(R)` removes them at the end of the network.

    The reference batch is a non-trainable weight of shape `(R, ...)`, named
    `"reference"`: it is saved and restored with the model's weights (`model.save`,
    `save_weights`), and never appears in the config, which records only its shape and,
    for a drawn batch, how it was drawn.

    Give either `reference`, an array of shape `(R, ...)` (e.g. `R` latent vectors or
    `R` real images), or `shape=(R, ...)` to draw a batch of latent vectors:
    `distribution="normal"` draws N(0, 1) (the latent prior of `keras_gan`'s models),
    `"uniform"` draws U(-1, 1), from `numpy.random.default_rng(seed)`. With
    `seed=None` a seed is drawn from NumPy's global generator (which
    `keras.utils.set_random_seed` seeds) and recorded in the config, so
    `from_config(get_config())` reproduces a drawn batch exactly. A layer made from an
    array has `distribution=None` in its config: `from_config` gives a layer whose
    reference is zeros until the weights are loaded.

    Args:
        reference: array-like of shape `(R, ...)`, or None.
        shape: `(R, ...)`, used when `reference` is None.
        distribution: `"normal"` or `"uniform"` for a drawn batch; None for zeros (the
            placeholder that loaded weights overwrite).
        seed: seed of the draw.
    """

    def __init__(self, reference=None, *, shape=None, distribution="normal", seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        if reference is not None:
            values = np.asarray(reference)
            if shape is not None and tuple(shape) != values.shape:
                raise ValueError(f"PrependReferenceBatch: shape {tuple(shape)} does not match "
                                 f"the reference batch of shape {values.shape}.")
            distribution, seed = None, None
        else:
            if shape is None:
                raise ValueError("PrependReferenceBatch needs a reference batch (an array of "
                                 "shape (R, ...)) or its shape=(R, ...).")
            if distribution is not None and distribution not in _DISTRIBUTIONS:
                raise ValueError(f"distribution must be one of {_DISTRIBUTIONS} or None; "
                                 f"got {distribution!r}.")
            if distribution is not None and seed is None:
                seed = int(np.random.randint(0, 2**31 - 1))
            values = None
        self.reference_shape = tuple(int(d) for d in (shape if values is None else values.shape))
        if len(self.reference_shape) < 2 or self.reference_shape[0] < 1:
            raise ValueError("The reference batch must have shape (R, ...) with R >= 1 and at "
                             f"least one feature dimension; got {self.reference_shape}.")
        self.distribution = distribution
        self.seed = None if seed is None else int(seed)
        self._initial_values = values

    @property
    def reference_size(self):
        """R, the number of reference rows."""
        return self.reference_shape[0]

    def build(self, input_shape):
        features = tuple(input_shape[1:])
        if len(features) != len(self.reference_shape) - 1 or any(
                d is not None and d != r for d, r in zip(features, self.reference_shape[1:])):
            raise ValueError(f"PrependReferenceBatch: inputs of shape {tuple(input_shape)} do "
                             f"not match the reference batch of shape {self.reference_shape}.")
        if self._initial_values is not None:
            values = self._initial_values
        elif self.distribution is not None:
            values = _draw_reference(self.reference_shape, self.distribution, self.seed)
        else:
            values = np.zeros(self.reference_shape)

        def initializer(shape, dtype=None):
            return ops.cast(np.asarray(values).reshape(shape), dtype)

        self.reference = self.add_weight(name="reference", shape=self.reference_shape,
                                         initializer=initializer, trainable=False)
        self._initial_values = None

    def call(self, inputs):
        return ops.concatenate([ops.cast(self.reference, inputs.dtype), inputs], axis=0)

    def compute_output_shape(self, input_shape):
        batch = input_shape[0]
        batch = None if batch is None else batch + self.reference_size
        return (batch,) + tuple(input_shape[1:])

    def get_config(self):
        config = super().get_config()
        config.update(shape=list(self.reference_shape), distribution=self.distribution,
                      seed=self.seed)
        return config


@keras.saving.register_keras_serializable(package="keras_gan")
class DropReferenceBatch(keras.layers.Layer):
    """Removes the first `reference_size` rows, the reference batch that
    `PrependReferenceBatch` put in front: `(R + B, ...) -> (B, ...)`.

    Args:
        reference_size: R.
    """

    def __init__(self, reference_size, **kwargs):
        super().__init__(**kwargs)
        if int(reference_size) < 1:
            raise ValueError(f"reference_size must be >= 1; got {reference_size}.")
        self.reference_size = int(reference_size)

    def call(self, inputs):
        return inputs[self.reference_size:]

    def compute_output_shape(self, input_shape):
        batch = input_shape[0]
        batch = None if batch is None else batch - self.reference_size
        return (batch,) + tuple(input_shape[1:])

    def get_config(self):
        config = super().get_config()
        config.update(reference_size=self.reference_size)
        return config


@keras.saving.register_keras_serializable(package="keras_gan")
class VirtualBatchNormalization(keras.layers.Layer):
    """Virtual batch normalisation (Salimans et al. 2016, section 3.4).

    The first `reference_size` (R) rows of the input are the reference batch (see
    `PrependReferenceBatch`); the others are the examples. Statistics are per channel
    (`axis`), over the batch and every other non-channel axis, as in batch
    normalisation. Let each example hold S values per channel (S = 1 for dense
    features, S = H * W for an `(H, W, C)` feature map), and write, per channel c,

        mu_r, var_r : mean and (biased) variance of the R * S reference values
        mu_x, var_x : mean and variance of the S values of example x (var_x = 0 if S = 1)

    * the reference rows are normalised with `mu_r, var_r`;
    * an example x is normalised with the mean and variance of the union of the
      reference values and its own values, `(R + 1) * S` values in which x has weight
      `w = 1 / (R + 1)` and the reference `R / (R + 1)`:

          mu  = (1 - w) mu_r + w mu_x
          var = (1 - w) var_r + w var_x + w (1 - w) (mu_x - mu_r)^2

      i.e. `E[v^2] - mu^2` of the union with `E[v^2] = (1 - w) E_r[v^2] + w E_x[v^2]`
      (the paper's combination), written in centred form so that large offsets
      (inputs around 1e3) lose no precision.

    Then `y = gamma * (v - mu) / sqrt(var + epsilon) + beta`. The same computation runs
    in training and inference: there are no moving averages, and the output for one
    example depends only on the example, the reference batch and the weights, never on
    the other examples of the batch. Gradients flow through the reference statistics
    too, since they are a function of the weights.

    The input batch must be at least R rows (R rows of reference, any number >= 0 of
    examples); the batch dimension may be dynamic.

    Args:
        reference_size: R, the number of reference rows at the front of the batch.
        axis: the channel axis (not 0).
        epsilon: added to the variance.
        center, scale: learn `beta` / `gamma`.
        beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer: as
            for `keras.layers.BatchNormalization`.
    """

    def __init__(self, reference_size, axis=-1, epsilon=1e-5, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        if int(reference_size) < 1:
            raise ValueError(f"reference_size must be >= 1; got {reference_size}.")
        if not isinstance(axis, int):
            raise TypeError(f"axis must be an int; got {axis!r}.")
        if float(epsilon) <= 0:
            raise ValueError(f"epsilon must be > 0; got {epsilon}.")
        self.reference_size = int(reference_size)
        self.axis = axis
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = keras.initializers.get(beta_initializer)
        self.gamma_initializer = keras.initializers.get(gamma_initializer)
        self.beta_regularizer = keras.regularizers.get(beta_regularizer)
        self.gamma_regularizer = keras.regularizers.get(gamma_regularizer)

    def build(self, input_shape):
        rank = len(input_shape)
        axis = self.axis % rank if -rank <= self.axis < rank else None
        if rank < 2 or axis is None or axis == 0:
            raise ValueError(f"VirtualBatchNormalization: axis {self.axis} is not a non-batch "
                             f"axis of inputs of shape {tuple(input_shape)}.")
        channels = input_shape[axis]
        if channels is None:
            raise ValueError("VirtualBatchNormalization needs a known channel dimension; got "
                             f"shape {tuple(input_shape)}.")
        if input_shape[0] is not None and input_shape[0] < self.reference_size:
            raise ValueError(f"VirtualBatchNormalization: a batch of {input_shape[0]} rows has "
                             f"no room for {self.reference_size} reference rows.")
        self._channel_axis = axis
        self._spatial_axes = [a for a in range(1, rank) if a != axis]
        self._broadcast_shape = [1] * rank
        self._broadcast_shape[axis] = int(channels)
        self.gamma = self.beta = None
        if self.scale:
            self.gamma = self.add_weight(name="gamma", shape=(int(channels),),
                                         initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer)
        if self.center:
            self.beta = self.add_weight(name="beta", shape=(int(channels),),
                                        initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer)

    def call(self, inputs):
        dtype = keras.backend.standardize_dtype(inputs.dtype)
        x = ops.cast(inputs, "float32") if dtype in ("float16", "bfloat16") else inputs
        r = self.reference_size
        spatial = self._spatial_axes
        reference, examples = x[:r], x[r:]

        ref_mean = ops.mean(reference, axis=[0] + spatial, keepdims=True)
        ref_var = ops.mean(ops.square(reference - ref_mean), axis=[0] + spatial, keepdims=True)
        if spatial:
            ex_mean = ops.mean(examples, axis=spatial, keepdims=True)
            ex_var = ops.mean(ops.square(examples - ex_mean), axis=spatial, keepdims=True)
        else:
            ex_mean, ex_var = examples, 0.0
        w = 1.0 / (r + 1.0)
        mean = (1.0 - w) * ref_mean + w * ex_mean
        var = (1.0 - w) * ref_var + w * ex_var + (w * (1.0 - w)) * ops.square(ex_mean - ref_mean)

        outputs = ops.concatenate([
            (reference - ref_mean) * ops.rsqrt(ref_var + self.epsilon),
            (examples - mean) * ops.rsqrt(var + self.epsilon),
        ], axis=0)
        if self.scale:
            outputs = outputs * ops.reshape(ops.cast(self.gamma, outputs.dtype),
                                            self._broadcast_shape)
        if self.center:
            outputs = outputs + ops.reshape(ops.cast(self.beta, outputs.dtype),
                                            self._broadcast_shape)
        return ops.cast(outputs, dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            reference_size=self.reference_size,
            axis=self.axis,
            epsilon=self.epsilon,
            center=self.center,
            scale=self.scale,
            beta_initializer=keras.initializers.serialize(self.beta_initializer),
            gamma_initializer=keras.initializers.serialize(self.gamma_initializer),
            beta_regularizer=keras.regularizers.serialize(self.beta_regularizer),
            gamma_regularizer=keras.regularizers.serialize(self.gamma_regularizer),
        )
        return config


def _sublayers(layer):
    for sub in getattr(layer, "layers", ()):
        yield sub
        yield from _sublayers(sub)


def with_reference_batch(body, reference, name=None):
    """Wraps `body` as `DropReferenceBatch(R)(body(PrependReferenceBatch(reference)(x)))`.

    Args:
        body: a Keras model or layer, `(R + B, ...) -> (R + B, ...)`, whose
            `VirtualBatchNormalization` layers take `R` reference rows; it must be
            built, or buildable on the input shape `reference.shape[1:]`.
        reference: the reference batch, an array of shape `(R, ...)`, or a
            `PrependReferenceBatch` layer.
        name: name of the returned model (by default the body's name).

    Returns:
        A functional `keras.Model` with input `(None,) + reference.shape[1:]` whose
        output for each example depends on that example alone (given the weights and
        the reference batch), as in Salimans et al. 2016, section 3.4.
    """
    prepend = (reference if isinstance(reference, PrependReferenceBatch)
               else PrependReferenceBatch(reference))
    size = prepend.reference_size
    for layer in _sublayers(body):
        if isinstance(layer, VirtualBatchNormalization) and layer.reference_size != size:
            raise ValueError(f"with_reference_batch: layer {layer.name!r} takes "
                             f"{layer.reference_size} reference rows, but the reference "
                             f"batch has {size}.")
    inputs = keras.Input(prepend.reference_shape[1:])
    outputs = DropReferenceBatch(size)(body(prepend(inputs)))
    return keras.Model(inputs, outputs, name=name or getattr(body, "name", None))
