"""Adversarial losses, written on discriminator logits in numerically stable forms.

Every loss is a pair of pure functions of the discriminator's raw outputs (logits):
`discriminator_loss(real_logits, fake_logits)` and
`generator_loss(fake_logits, real_logits=None)`, both returning a scalar mean over the
batch. The BCE-based losses never form `sigmoid(logits)`: `log sigmoid(x) = -softplus(-x)`
and `log(1 - sigmoid(x)) = -softplus(x)`, so logits of +-100 (or more) give finite
losses and gradients.

`get(name)` returns one of the loss objects below; they bind the functions with their
options (one-sided label smoothing for the BCE losses) and serialise with Keras.
"""

import keras
from keras import ops

__all__ = [
    "AdversarialLoss",
    "HingeLoss",
    "LeastSquaresLoss",
    "MinimaxLoss",
    "NonSaturatingLoss",
    "RelativisticAverageLoss",
    "RelativisticLoss",
    "WassersteinLoss",
    "binary_cross_entropy_with_logits",
    "get",
    "serialize",
    "deserialize",
]


def binary_cross_entropy_with_logits(logits, target):
    """Mean of `-[t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))]`, computed stably.

    Equal to `t * softplus(-x) + (1 - t) * softplus(x)`.
    """
    logits = ops.convert_to_tensor(logits)
    if isinstance(target, (int, float)) and target == 1.0:
        return ops.mean(ops.softplus(-logits))
    if isinstance(target, (int, float)) and target == 0.0:
        return ops.mean(ops.softplus(logits))
    return ops.mean(target * ops.softplus(-logits) + (1.0 - target) * ops.softplus(logits))


def _tensors(*values):
    return [None if v is None else ops.convert_to_tensor(v) for v in values]


def _check_smoothing(label_smoothing):
    label_smoothing = float(label_smoothing)
    if not 0.0 <= label_smoothing < 1.0:
        raise ValueError(
            f"label_smoothing must be in [0, 1); received {label_smoothing}."
        )
    return label_smoothing


class AdversarialLoss:
    """Base class of the adversarial losses.

    Subclasses implement `discriminator_loss(real_logits, fake_logits)` and
    `generator_loss(fake_logits, real_logits=None)`. `needs_real_logits` tells the
    training step whether the generator loss uses the discriminator's output on real
    data (the relativistic losses do).
    """

    name = None
    needs_real_logits = False
    supports_label_smoothing = False

    def __init__(self, label_smoothing=0.0):
        self.label_smoothing = _check_smoothing(label_smoothing)
        if self.label_smoothing and not self.supports_label_smoothing:
            raise ValueError(
                f"The {self.name!r} loss has no labels to smooth; one-sided label "
                "smoothing applies to the minimax, non_saturating, least_squares and "
                "relativistic losses."
            )

    @property
    def real_target(self):
        """Target for real samples: `1 - label_smoothing` (one-sided smoothing)."""
        return 1.0 - self.label_smoothing

    def discriminator_loss(self, real_logits, fake_logits):
        raise NotImplementedError

    def generator_loss(self, fake_logits, real_logits=None):
        raise NotImplementedError

    def get_config(self):
        return {"label_smoothing": self.label_smoothing}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        smoothing = f", label_smoothing={self.label_smoothing}" if self.label_smoothing else ""
        return f"{type(self).__name__}({smoothing.lstrip(', ')})"


def _register(cls):
    return keras.saving.register_keras_serializable(package="keras_gan")(cls)


@_register
class MinimaxLoss(AdversarialLoss):
    """The original minimax game of Goodfellow et al. 2014, "Generative Adversarial Nets".

    D maximises `log D(x) + log(1 - D(G(z)))`; G minimises `log(1 - D(G(z)))` (the
    saturating form: its gradient vanishes when D rejects the samples confidently).
    With one-sided label smoothing (Salimans et al. 2016) the real target is
    `1 - label_smoothing`.
    """

    name = "minimax"
    supports_label_smoothing = True

    def discriminator_loss(self, real_logits, fake_logits):
        real_logits, fake_logits = _tensors(real_logits, fake_logits)
        return binary_cross_entropy_with_logits(
            real_logits, self.real_target
        ) + binary_cross_entropy_with_logits(fake_logits, 0.0)

    def generator_loss(self, fake_logits, real_logits=None):
        # log(1 - sigmoid(x)) = -softplus(x)
        return -ops.mean(ops.softplus(ops.convert_to_tensor(fake_logits)))


@_register
class NonSaturatingLoss(MinimaxLoss):
    """Non-saturating generator loss `-log D(G(z))` (Goodfellow et al. 2014, Sec. 3).

    The discriminator loss is the minimax one; the generator maximises `log D(G(z))`,
    which gives strong gradients early in training.
    """

    name = "non_saturating"

    def generator_loss(self, fake_logits, real_logits=None):
        return binary_cross_entropy_with_logits(fake_logits, 1.0)


@_register
class WassersteinLoss(AdversarialLoss):
    """Wasserstein loss (Arjovsky et al. 2017, "Wasserstein GAN").

    The critic maximises `E[D(x)] - E[D(G(z))]`; the generator maximises `E[D(G(z))]`.
    Needs a Lipschitz constraint on the critic: weight clipping (WGAN) or a gradient
    penalty (WGAN-GP).
    """

    name = "wasserstein"

    def discriminator_loss(self, real_logits, fake_logits):
        real_logits, fake_logits = _tensors(real_logits, fake_logits)
        return ops.mean(fake_logits) - ops.mean(real_logits)

    def generator_loss(self, fake_logits, real_logits=None):
        return -ops.mean(ops.convert_to_tensor(fake_logits))


@_register
class HingeLoss(AdversarialLoss):
    """Hinge loss (Lim & Ye 2017, "Geometric GAN"; Miyato et al. 2018, SNGAN).

    D: `E[relu(1 - D(x))] + E[relu(1 + D(G(z)))]`; G: `-E[D(G(z))]`.
    """

    name = "hinge"

    def discriminator_loss(self, real_logits, fake_logits):
        real_logits, fake_logits = _tensors(real_logits, fake_logits)
        return ops.mean(ops.relu(1.0 - real_logits)) + ops.mean(ops.relu(1.0 + fake_logits))

    def generator_loss(self, fake_logits, real_logits=None):
        return -ops.mean(ops.convert_to_tensor(fake_logits))


@_register
class LeastSquaresLoss(AdversarialLoss):
    """Least-squares loss (Mao et al. 2017, "Least Squares Generative Adversarial Networks").

    The a-b-c coding with a=0 (fake), b=1 (real), c=1 (what G wants D to believe):
    D: `0.5 E[(D(x) - b)^2] + 0.5 E[D(G(z))^2]`; G: `0.5 E[(D(G(z)) - c)^2]`. The
    discriminator output is used as is, without a sigmoid. One-sided label smoothing
    lowers `b` to `1 - label_smoothing`.
    """

    name = "least_squares"
    supports_label_smoothing = True

    def discriminator_loss(self, real_logits, fake_logits):
        real_logits, fake_logits = _tensors(real_logits, fake_logits)
        return 0.5 * ops.mean(ops.square(real_logits - self.real_target)) + 0.5 * ops.mean(
            ops.square(fake_logits)
        )

    def generator_loss(self, fake_logits, real_logits=None):
        return 0.5 * ops.mean(ops.square(ops.convert_to_tensor(fake_logits) - 1.0))


@_register
class RelativisticLoss(AdversarialLoss):
    """Relativistic standard GAN, RSGAN (Jolicoeur-Martineau 2018, "The relativistic
    discriminator: a key element missing from standard GAN").

    The discriminator estimates the probability that a real sample is more realistic
    than a fake one paired with it: D: `-E[log sigmoid(C(x_r) - C(x_f))]`,
    G: `-E[log sigmoid(C(x_f) - C(x_r))]`. Real and fake batches are paired by index
    and must have the same size.
    """

    name = "relativistic"
    needs_real_logits = True
    supports_label_smoothing = True

    def discriminator_loss(self, real_logits, fake_logits):
        real_logits, fake_logits = _tensors(real_logits, fake_logits)
        return binary_cross_entropy_with_logits(real_logits - fake_logits, self.real_target)

    def generator_loss(self, fake_logits, real_logits=None):
        _require_real(self, real_logits)
        fake_logits, real_logits = _tensors(fake_logits, real_logits)
        return binary_cross_entropy_with_logits(fake_logits - real_logits, 1.0)


@_register
class RelativisticAverageLoss(AdversarialLoss):
    """Relativistic average GAN, RaSGAN (Jolicoeur-Martineau 2018), used by ESRGAN.

    With `D(x_r) = sigmoid(C(x_r) - E[C(x_f)])` and `D(x_f) = sigmoid(C(x_f) - E[C(x_r)])`:
    D: `-E[log D(x_r)] - E[log(1 - D(x_f))]`;
    G: `-E[log D(x_f)] - E[log(1 - D(x_r))]` (the roles swapped, as in the paper; both
    terms are summed, not averaged).
    """

    name = "relativistic_average"
    needs_real_logits = True
    supports_label_smoothing = True

    def discriminator_loss(self, real_logits, fake_logits):
        real_logits, fake_logits = _tensors(real_logits, fake_logits)
        real_rel = real_logits - ops.mean(fake_logits)
        fake_rel = fake_logits - ops.mean(real_logits)
        return binary_cross_entropy_with_logits(
            real_rel, self.real_target
        ) + binary_cross_entropy_with_logits(fake_rel, 0.0)

    def generator_loss(self, fake_logits, real_logits=None):
        _require_real(self, real_logits)
        fake_logits, real_logits = _tensors(fake_logits, real_logits)
        real_rel = real_logits - ops.mean(fake_logits)
        fake_rel = fake_logits - ops.mean(real_logits)
        return binary_cross_entropy_with_logits(
            fake_rel, 1.0
        ) + binary_cross_entropy_with_logits(real_rel, 0.0)


def _require_real(loss, real_logits):
    if real_logits is None:
        raise ValueError(
            f"The {loss.name!r} generator loss compares fake with real samples: "
            "pass real_logits."
        )


_LOSSES = {
    cls.name: cls
    for cls in (
        MinimaxLoss,
        NonSaturatingLoss,
        WassersteinLoss,
        HingeLoss,
        LeastSquaresLoss,
        RelativisticLoss,
        RelativisticAverageLoss,
    )
}


def get(identifier, label_smoothing=0.0):
    """Returns an adversarial loss object.

    Args:
        identifier: a name (`"minimax"`, `"non_saturating"`, `"wasserstein"`,
            `"hinge"`, `"least_squares"`, `"relativistic"`,
            `"relativistic_average"`), an `AdversarialLoss` instance (returned as is)
            or a serialised loss (a dict from `serialize`).
        label_smoothing: one-sided label smoothing for the losses that have labels.

    Returns:
        An object with `discriminator_loss(real_logits, fake_logits)` and
        `generator_loss(fake_logits, real_logits=None)`.
    """
    if isinstance(identifier, AdversarialLoss):
        if label_smoothing:
            raise ValueError(
                "label_smoothing was given together with a loss object; set it on the "
                f"loss itself, e.g. {type(identifier).__name__}(label_smoothing=...)."
            )
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        key = identifier.lower().replace("-", "_")
        if key not in _LOSSES:
            raise ValueError(
                f"Unknown adversarial loss {identifier!r}; choose one of "
                f"{', '.join(sorted(_LOSSES))}."
            )
        return _LOSSES[key](label_smoothing=label_smoothing)
    raise TypeError(
        f"An adversarial loss is a name or an AdversarialLoss; received {identifier!r}."
    )


def serialize(loss):
    return keras.saving.serialize_keras_object(loss)


def deserialize(config):
    return keras.saving.deserialize_keras_object(config)
