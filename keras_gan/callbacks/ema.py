"""Exponential moving average of the generator's weights."""

import keras

__all__ = ["EMA"]


class EMA(keras.callbacks.Callback):
    """Keeps an exponential moving average of the generator's weights,
    `avg <- decay * avg + (1 - decay) * w` after every generator update, and makes
    sampling (`generate`, `SampleGrid`) and `export` use the averaged weights
    (Yazici et al. 2019, "The Unusual Effectiveness of Averaging in GAN Training";
    Karras et al. 2018). Training itself continues from the raw weights.

    The averages live in the model as non-trainable variables updated inside
    `train_step` (`AdversarialModel.enable_ema`): that is how they are carried through
    the stateless JAX step, saved with `model.save` and restored by `load_model`. This
    callback switches them on when `fit` starts; passing `ema_decay=` to the model's
    constructor is equivalent.

    Args:
        decay: the averaging decay (0.999 is typical; the horizon is about
            `1 / (1 - decay)` generator updates).
    """

    def __init__(self, decay=0.999):
        super().__init__()
        decay = float(decay)
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"EMA decay must be in [0, 1); received {decay}.")
        self.decay = decay

    def set_model(self, model):
        # Called by `fit` before the training step is built, so the step that is
        # compiled updates the averages.
        if not hasattr(model, "enable_ema"):
            raise TypeError(f"EMA needs a keras_gan model; received {type(model).__name__}.")
        model.enable_ema(self.decay)
        super().set_model(model)
