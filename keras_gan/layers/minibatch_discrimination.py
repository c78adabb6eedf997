"""Minibatch discrimination (Salimans et al. 2016, "Improved Techniques for Training
GANs", section 3.2): side information about how close a sample is to the other samples
of its minibatch, so that the discriminator can detect a collapsed generator."""

import math

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_gan")
class MinibatchDiscrimination(keras.layers.Layer):
    """Appends minibatch features `o(x)` to the features `f(x)` of every sample.

    Following Salimans et al. 2016, section 3.2, with a learned tensor
    `T` of shape `(A, num_kernels, kernel_dim)`:

        M_i = f(x_i) T                                  (num_kernels x kernel_dim)
        c_b(x_i, x_j) = exp(-||M_{i,b} - M_{j,b}||_L1)   for each kernel b
        o(x_i)_b = sum_{j != i} c_b(x_i, x_j)
        output_i = concat([f(x_i), o(x_i)])             (A + num_kernels)

    **j = i is left out of the sum** (`include_self=False`, the default), as in the
    authors' reference code (openai/improved-gan, which masks the diagonal): the
    self-term is the constant `exp(0) = 1` and carries no information. So `o = 0` for a
    batch of one sample, and `o(x_i)_b` lies in `[0, B - 1]`. `include_self=True` sums
    over every j, as the paper's formula is written (it adds exactly 1 to each
    feature).

    **Input rank.** Inputs of rank > 2, e.g. convolutional feature maps `(B, H, W, C)`,
    are flattened to `(B, H * W * C)` as in the reference code; the non-batch dimensions
    must be known when the layer is built. The features part of the output is this
    flattened `f(x)`, unchanged.

    **Cost.** The pairwise L1 distances take `O(B^2 * num_kernels * kernel_dim)` time.
    They are computed from `M` by broadcasting, `(B, 1, K) - (1, B, K)` (no tiled
    copies of `M`), one of the `kernel_dim` coordinates at a time, accumulating
    `|M_{i,b,d} - M_{j,b,d}|` into a `(B, B, num_kernels)` distance tensor; so the
    forward pass never holds a `(B, B, num_kernels, kernel_dim)` difference tensor,
    only tensors of `B^2 * num_kernels` entries (back-propagation still keeps the
    signs of the `kernel_dim` differences). `M` itself is one matrix product,
    `f(x) @ T.reshape(A, num_kernels * kernel_dim)`, computed from `f(x)` minus its
    batch mean: the differences `M_i - M_j = (f(x_i) - f(x_j)) T` do not change, but a
    large common offset in the features (values around 1e3) no longer eats the float32
    precision of those differences (the mean is a constant for the gradients, so
    they are those of the formula above). The batch dimension may be dynamic (None);
    any batch size >= 1 works.

    Args:
        num_kernels: B in the paper, the number of minibatch features appended.
        kernel_dim: C in the paper, the size of each row `M_{i,b}`.
        include_self: include the j = i term (a constant 1) in `o(x_i)`.
        kernel_initializer: initializer of `T`; by default N(0, 0.05), the scale of the
            reference code's initial tensor.
        kernel_regularizer: optional regularizer of `T`.
    """

    def __init__(self, num_kernels=100, kernel_dim=5, include_self=False,
                 kernel_initializer="random_normal", kernel_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        if int(num_kernels) < 1 or int(kernel_dim) < 1:
            raise ValueError("MinibatchDiscrimination needs num_kernels >= 1 and "
                             f"kernel_dim >= 1; got {num_kernels}, {kernel_dim}.")
        self.num_kernels = int(num_kernels)
        self.kernel_dim = int(kernel_dim)
        self.include_self = bool(include_self)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)

    def _feature_dim(self, input_shape):
        if len(input_shape) < 2:
            raise ValueError("MinibatchDiscrimination expects inputs of shape (batch, features, "
                             f"...); got shape {tuple(input_shape)}.")
        dims = tuple(input_shape[1:])
        if any(d is None for d in dims):
            raise ValueError("MinibatchDiscrimination needs the non-batch dimensions of its "
                             f"input to be known; got shape {tuple(input_shape)}.")
        return int(math.prod(dims))

    def build(self, input_shape):
        self.input_dim = self._feature_dim(input_shape)
        self.kernel = self.add_weight(
            name="kernel", shape=(self.input_dim, self.num_kernels, self.kernel_dim),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
        )

    def call(self, inputs):
        features = inputs
        if len(inputs.shape) > 2:
            features = ops.reshape(inputs, (-1, self.input_dim))
        kernel = ops.reshape(self.kernel, (self.input_dim, self.num_kernels * self.kernel_dim))
        # the distances only involve differences M_i - M_j = (f_i - f_j) T, so f is
        # centred on its batch mean first: a common offset (features around 1e3) would
        # otherwise cost the differences their float32 precision
        centred = features - ops.stop_gradient(ops.mean(features, axis=0, keepdims=True))
        m = ops.reshape(ops.matmul(centred, kernel), (-1, self.num_kernels, self.kernel_dim))
        # L1 distances (B, B, K), one coordinate of the kernel rows at a time
        distance = None
        for d in range(self.kernel_dim):
            md = m[:, :, d]
            term = ops.abs(ops.expand_dims(md, 1) - ops.expand_dims(md, 0))
            distance = term if distance is None else distance + term
        closeness = ops.exp(-distance)
        if not self.include_self:
            batch = ops.shape(features)[0]
            dtype = keras.backend.standardize_dtype(closeness.dtype)
            off_diagonal = 1.0 - ops.eye(batch, dtype=dtype)
            closeness = closeness * ops.expand_dims(off_diagonal, -1)
        minibatch_features = ops.sum(closeness, axis=1)
        return ops.concatenate([features, ops.cast(minibatch_features, features.dtype)], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self._feature_dim(input_shape) + self.num_kernels)

    def get_config(self):
        config = super().get_config()
        config.update(
            num_kernels=self.num_kernels,
            kernel_dim=self.kernel_dim,
            include_self=self.include_self,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
            kernel_regularizer=keras.regularizers.serialize(self.kernel_regularizer),
        )
        return config
