"""Penalties and constraints that keep the discriminator (critic) well behaved."""

import keras
from keras import ops

from keras_gan import backend

__all__ = ["WeightClip", "clip_weights", "gradient_penalty", "r1_penalty"]


def _per_sample_sum(x):
    x = _at_least_float32(x)
    axes = tuple(range(1, len(x.shape)))
    return ops.sum(ops.square(x), axis=axes) if axes else ops.square(x)


def _at_least_float32(x):
    """`x` with float16 / bfloat16 values cast to float32 (a mixed-precision policy):
    the penalty and the input it differentiates stay in float32."""
    x = ops.convert_to_tensor(x)
    if keras.backend.standardize_dtype(x.dtype) in ("float16", "bfloat16"):
        return ops.cast(x, "float32")
    return x


def gradient_penalty(critic, real, fake, *, alpha=None, seed=None, target=1.0, epsilon=1e-12):
    """Two-sided gradient penalty of WGAN-GP (Gulrajani et al. 2017, "Improved Training
    of Wasserstein GANs", Algorithm 1).

    `E[(||grad_x critic(x_hat)||_2 - target)^2]` at `x_hat = real + alpha (fake - real)`,
    with one `alpha ~ U(0, 1)` per sample. The norm is `sqrt(sum(g^2) + epsilon)`, so
    its gradient stays finite where the critic's gradient vanishes. The result is
    differentiable with respect to the critic's weights (double backpropagation).

    Under a mixed-precision policy the critic may compute in float16 or bfloat16; the
    input `x_hat`, its gradient and the penalty are float32 (low-precision samples are
    cast up). The inner gradient is the true one: under loss scaling only the outer
    loss is scaled (`keras_gan.models.loss_scaling`), never `critic`'s output here.

    Args:
        critic: callable mapping a batch like `real` to scores of shape `(batch, ...)`.
        real, fake: tensors of the same shape `(batch, ...)`.
        alpha: optional interpolation weights broadcastable to `real`
            (default: drawn from U(0, 1), one per sample).
        seed: a `keras.random.SeedGenerator` or int for drawing `alpha`.
        target: the norm the penalty pulls towards (1 in the paper).
        epsilon: added inside the square root.

    Returns:
        The scalar penalty, not yet multiplied by its weight (lambda = 10 in the paper).
    """
    real = _at_least_float32(real)
    fake = ops.cast(ops.convert_to_tensor(fake), real.dtype)
    if tuple(real.shape[1:]) != tuple(fake.shape[1:]):
        raise ValueError(
            f"gradient_penalty needs real and fake samples of the same shape; received "
            f"{tuple(real.shape)} and {tuple(fake.shape)}."
        )
    if alpha is None:
        shape = (ops.shape(real)[0],) + (1,) * (len(real.shape) - 1)
        # one draw for the global batch, this replica's rows of it (data parallel)
        alpha = backend.replica_rows(
            lambda m: keras.random.uniform((m,) + shape[1:], dtype=real.dtype, seed=seed),
            ops.shape(real)[0])
    alpha = ops.cast(ops.convert_to_tensor(alpha), real.dtype)
    x_hat = real + alpha * (fake - real)
    grads = backend.input_gradient(lambda x: _at_least_float32(critic(x)), x_hat)
    norms = ops.sqrt(_per_sample_sum(grads) + epsilon)
    return ops.mean(ops.square(norms - target))


def r1_penalty(discriminator, real):
    """R1 regulariser (Mescheder et al. 2018, "Which Training Methods for GANs do
    actually Converge?"): `E[||grad_x D(x)||^2]` on real data.

    The paper's term is `gamma / 2` times this value; multiply by it where you add the
    penalty to the discriminator loss.
    """
    grads = backend.input_gradient(lambda x: _at_least_float32(discriminator(x)),
                                   _at_least_float32(real))
    return ops.mean(_per_sample_sum(grads))


def clip_weights(variables, clip_value):
    """Clips every variable to `[-clip_value, clip_value]` in place (the WGAN critic
    constraint of Arjovsky et al. 2017, applied after each critic update)."""
    for variable in variables:
        variable.assign(ops.clip(variable, -clip_value, clip_value))


@keras.saving.register_keras_serializable(package="keras_gan")
class WeightClip(keras.constraints.Constraint):
    """Weight clipping as a Keras constraint, for layers built by hand
    (`Dense(..., kernel_constraint=WeightClip(0.01))`). Arjovsky et al. 2017."""

    def __init__(self, clip_value=0.01):
        self.clip_value = float(clip_value)

    def __call__(self, w):
        return ops.clip(w, -self.clip_value, self.clip_value)

    def get_config(self):
        return {"clip_value": self.clip_value}
