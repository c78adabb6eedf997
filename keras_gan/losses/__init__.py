"""Losses: adversarial losses on logits and penalties on the discriminator."""

from keras_gan.losses.adversarial import (
    AdversarialLoss,
    HingeLoss,
    LeastSquaresLoss,
    MinimaxLoss,
    NonSaturatingLoss,
    RelativisticAverageLoss,
    RelativisticLoss,
    WassersteinLoss,
    binary_cross_entropy_with_logits,
    deserialize,
    get,
    serialize,
)
from keras_gan.losses.penalties import WeightClip, clip_weights, gradient_penalty, r1_penalty
from keras_gan.losses.auxiliary import (
    categorical_crossentropy_from_logits,
    ebgan_discriminator_loss,
    ebgan_generator_loss,
    feature_matching,
    gaussian_negative_log_likelihood,
    pulling_away_term,
    reconstruction_energy,
)
from keras_gan.losses.perceptual import (
    VGG19_LAYERS,
    PerceptualLoss,
    StyleLoss,
    VGGFeatures,
    gram_matrix,
    total_variation,
)
