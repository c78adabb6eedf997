"""Spectral normalisation (Miyato et al. 2018, "Spectral Normalization for Generative
Adversarial Networks", SNGAN)."""

import keras
from keras import ops


def _l2_normalize(x, epsilon=1e-12):
    return x / ops.sqrt(ops.maximum(ops.sum(ops.square(x)), epsilon))


@keras.saving.register_keras_serializable(package="keras_gan")
class SpectralNormalization(keras.layers.SpectralNormalization):
    """Divides the kernel of a wrapped `Dense`, `Conv*` or `Embedding` layer by its
    largest singular value, `W_SN = W / sigma(W)`, as in Miyato et al. 2018.

    `sigma(W)` is estimated by power iteration on `W` reshaped to
    `(fan_in * kernel_size, filters)`, with a persistent vector `u` (non-trainable,
    saved with the model) advanced by `power_iterations` steps on every training call
    (Algorithm 1 of the paper); `u` and `v` are constants for the gradient, so the
    gradient flows through `W / sigma(W)` into the raw `W`, which is what the optimizer
    updates. Inference uses the same `W / sigma(W)` with the stored `u`.

    This differs from `keras.layers.SpectralNormalization`, whose training call
    overwrites the kernel variable with `W / sigma(W)` (a projection after which the
    gradient is taken with respect to the normalised kernel) and whose inference call
    uses the raw kernel. The constructor and config are the same, so a model built with
    either can switch to this one.

    Args:
        layer: the layer to wrap (with a `kernel` or `embeddings` weight).
        power_iterations: power-iteration steps per training call (the paper uses 1).
    """

    def call(self, inputs, training=False):
        weights = ops.reshape(self.kernel.value, (-1, self.kernel_shape[-1]))
        u = self.vector_u.value
        if training:
            for _ in range(self.power_iterations):
                v = _l2_normalize(ops.matmul(u, ops.transpose(weights)))
                u = _l2_normalize(ops.matmul(v, weights))
            u = ops.stop_gradient(u)
            self.vector_u.assign(ops.cast(u, self.vector_u.dtype))
        v = ops.stop_gradient(_l2_normalize(ops.matmul(u, ops.transpose(weights))))
        sigma = ops.sum(ops.matmul(v, weights) * u)
        normalized = self.kernel.value / sigma
        values = [normalized if w is self.kernel else w.value
                  for w in self.layer.trainable_variables]
        others = [w.value for w in self.layer.non_trainable_variables]
        outputs, _ = self.layer.stateless_call(values, others, inputs)
        return ops.cast(outputs, inputs.dtype)
