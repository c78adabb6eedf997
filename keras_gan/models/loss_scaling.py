"""Dynamic loss scaling for float16 training, one scale per optimizer.

Under the `"mixed_float16"` dtype policy the networks compute in float16, whose
smallest normal number is about 6e-5: small gradients underflow to zero during
backpropagation. Loss scaling (Micikevicius et al. 2018, "Mixed Precision Training",
section 3.2) multiplies the loss by a factor S before differentiation, so that every
gradient of the backward pass is S times larger, and divides the gradients by S
(in float32) before the update. The dynamic variant adapts S: a step whose gradients
hold an inf or NaN (S too large: float16 overflow) is skipped and S is halved; after
`growth_steps` consecutive finite steps, S is doubled. This is the algorithm of
`keras.optimizers.LossScaleOptimizer` (initial scale 2**15, growth every 2000 steps).

Why not `LossScaleOptimizer`: `Model.compile(auto_scale_loss=True)` wraps only
`model.optimizer`, and a GAN's `model.optimizer` is a `MultiOptimizer` over two
optimizers, which refuses a `LossScaleOptimizer` inside and overwrites the inner
optimizers' `loss_scale_factor`. Each player here gets its own scale (the two losses
have different magnitudes), kept as non-trainable variables of the model: they are
saved with it and carried through the stateless JAX step.

A skipped step leaves the weights and the optimizer's state (moments, iteration
count) exactly as they were: the update is computed and then discarded with
`ops.where`, which works in the same way inside `tf.function`, a JAX trace and eager
PyTorch (no data-dependent Python branch).
"""

import keras
from keras import ops

from keras_gan import backend

__all__ = ["DynamicLossScale", "configure_loss_scaling", "loss_scale", "loss_scales_for",
           "loss_scaling_config", "loss_scaling_kwargs", "minimize", "uses_float16"]

INITIAL_SCALE = 2.0 ** 15
GROWTH_STEPS = 2000


def uses_float16(*layers):
    """Whether any of `layers` computes in float16 (the policy that needs loss scaling;
    bfloat16 has float32's exponent range and needs none)."""
    return any(layer is not None and layer.compute_dtype == "float16" for layer in layers)


def _growth_steps(value):
    if int(value) != value or int(value) < 1:
        raise ValueError(f"loss_scale_growth_steps must be a positive integer; received "
                         f"{value}.")
    return int(value)


class DynamicLossScale:
    """The loss scale of one optimizer, as two non-trainable variables of `model`.

    Args:
        model: the Keras model that owns the variables (`add_weight`).
        name: prefix of the variables' names (`<name>_loss_scale`,
            `<name>_good_steps`).
        initial_scale: the first value of the scale.
        growth_steps: consecutive steps with finite gradients after which the scale
            is doubled.
    """

    def __init__(self, model, name, initial_scale=INITIAL_SCALE, growth_steps=GROWTH_STEPS):
        self.growth_steps = growth_steps
        self.scale = model.add_weight(
            shape=(), initializer=keras.initializers.Constant(float(initial_scale)),
            dtype="float32", trainable=False, autocast=False, name=f"{name}_loss_scale")
        self.good_steps = model.add_weight(
            shape=(), initializer="zeros", dtype="int32", trainable=False, autocast=False,
            name=f"{name}_good_steps")

    @property
    def growth_steps(self):
        return self._growth_steps

    @growth_steps.setter
    def growth_steps(self, value):
        self._growth_steps = _growth_steps(value)

    def scale_loss(self, loss):
        """`loss` (cast to float32) times the current scale."""
        return ops.cast(loss, "float32") * self.scale.value

    def apply(self, optimizer, scaled_gradients, variables):
        """Unscales the gradients of a scaled loss and applies them with `optimizer`,
        unless one of them is not finite: then the weights and the optimizer's state
        stay unchanged and the scale is halved. Updates the scale.

        Returns:
            A boolean scalar tensor: whether the update was applied.
        """
        scale = self.scale.value
        grads = [ops.cast(ops.cast(g, "float32") / scale, v.dtype)
                 for g, v in zip(scaled_gradients, variables)]
        # data parallel: skip on every replica if the gradients overflowed on one
        finite = backend.all_replicas(
            ops.all(ops.stack([ops.all(ops.isfinite(g)) for g in grads])))
        grads = [ops.where(finite, g, ops.zeros_like(g)) for g in grads]
        state = list(variables) + list(optimizer.variables)
        # Copies: the PyTorch optimizers update the variables' tensors in place.
        before = [ops.copy(v.value) for v in state]
        backend.apply_gradients(optimizer, grads, variables)
        for variable, old in zip(state, before):
            variable.assign(ops.where(finite, variable.value, old))
        good = self.good_steps.value + 1
        grow = ops.logical_and(finite, good >= self.growth_steps)
        self.scale.assign(ops.where(finite, ops.where(grow, scale * 2.0, scale), scale * 0.5))
        self.good_steps.assign(ops.where(ops.logical_and(finite, ops.logical_not(grow)),
                                         good, ops.zeros_like(good)))
        return finite


def loss_scales_for(model, names, layers):
    """One `DynamicLossScale` per name, owned by `model`, when one of `layers` (the
    model and its networks) computes in float16; else None. Call it in the model's
    constructor, so that a model rebuilt from its config (with the same dtype policy)
    has the same variables as the one saved."""
    if not uses_float16(model, *layers):
        return None
    return {name: DynamicLossScale(model, name) for name in names}


def configure_loss_scaling(model, auto_scale_loss=True, growth_steps=None):
    """Turns the loss scaling of `model` (a model whose constructor called
    `loss_scales_for`) on or off; called by its `compile`.

    Args:
        model: the model.
        auto_scale_loss: scale the losses when the model has loss scales (float16).
        growth_steps: finite steps after which a scale doubles; None keeps the value.
    """
    scales = getattr(model, "_loss_scales", None)
    model._auto_scale_loss = bool(auto_scale_loss)
    model._scale_losses = model._auto_scale_loss and scales is not None
    if growth_steps is not None:
        growth_steps = _growth_steps(growth_steps)
        for scale in (scales or {}).values():
            scale.growth_steps = growth_steps


def loss_scale(model, name):
    """The `DynamicLossScale` of the optimizer `name` of `model`, or None when the
    model's losses are not scaled."""
    if not getattr(model, "_scale_losses", False):
        return None
    return model._loss_scales[name]


def loss_scaling_config(model):
    """The loss-scaling arguments of `model.compile`, for `get_compile_config`."""
    config = {"auto_scale_loss": getattr(model, "_auto_scale_loss", True)}
    scales = getattr(model, "_loss_scales", None)
    if scales:
        config["loss_scale_growth_steps"] = next(iter(scales.values())).growth_steps
    return config


def loss_scaling_kwargs(config):
    """The loss-scaling arguments of `compile` found in a compile config (files
    written before loss scaling existed have none)."""
    return {key: config[key] for key in ("auto_scale_loss", "loss_scale_growth_steps")
            if key in config}


def minimize(optimizer, loss_fn, variables, loss_scale=None):
    """One update of `variables` that lowers `loss_fn()`.

    Args:
        optimizer: the optimizer of `variables`.
        loss_fn: returns `(loss, aux)`.
        variables: the variables to differentiate and update.
        loss_scale: a `DynamicLossScale`, or None for no scaling.

    Returns:
        `aux`, the loss function's auxiliary output (computed with the weights before
        the update).
    """
    if loss_scale is None:
        _, aux, grads = backend.value_and_grad(loss_fn, variables)
        backend.apply_gradients(optimizer, grads, variables)
        return aux

    def scaled_loss_fn():
        loss, aux = loss_fn()
        return loss_scale.scale_loss(loss), aux

    _, aux, grads = backend.value_and_grad(scaled_loss_fn, variables)
    loss_scale.apply(optimizer, grads, variables)
    return aux
