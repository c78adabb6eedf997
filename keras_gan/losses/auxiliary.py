"""Loss terms that image GANs add to the adversarial game, as pure functions of
network outputs. Each returns a scalar mean over the batch (or a per-sample vector
where stated) and is computed in a numerically stable form."""

from keras import ops

__all__ = [
    "categorical_crossentropy_from_logits",
    "ebgan_discriminator_loss",
    "ebgan_generator_loss",
    "feature_matching",
    "gaussian_negative_log_likelihood",
    "pulling_away_term",
    "reconstruction_energy",
]


def feature_matching(real_features, fake_features):
    """Feature matching (Salimans et al. 2016, "Improved Techniques for Training GANs",
    section 3.1): `||E_x f(x) - E_z f(G(z))||_2^2` on an intermediate layer `f` of the
    discriminator, both expectations taken over the batch.

    Args:
        real_features, fake_features: `(batch, ...)` features of real and generated
            samples (flattened per sample).
    """
    real = ops.reshape(real_features, (ops.shape(real_features)[0], -1))
    fake = ops.reshape(fake_features, (ops.shape(fake_features)[0], -1))
    diff = ops.mean(ops.cast(real, "float32"), axis=0) - ops.mean(ops.cast(fake, "float32"),
                                                                  axis=0)
    return ops.sum(ops.square(diff))


def categorical_crossentropy_from_logits(labels, logits):
    """Mean of `-log softmax(logits)[label]`, through `log_softmax` (stable for logits of
    any magnitude). Used by ACGAN's class loss (Odena et al. 2017) and InfoGAN's
    categorical code (Chen et al. 2016).

    Args:
        labels: int `(batch,)`.
        logits: `(batch, classes)`.
    """
    logits = ops.cast(logits, "float32")
    log_probs = ops.log_softmax(logits, axis=-1)
    one_hot = ops.one_hot(ops.cast(ops.reshape(labels, (-1,)), "int32"), ops.shape(logits)[-1])
    return -ops.mean(ops.sum(one_hot * log_probs, axis=-1))


def gaussian_negative_log_likelihood(values, mean, log_std=None):
    """Mean negative log-likelihood of `values` under a factored Gaussian
    `N(mean, exp(log_std)^2)`, summed over the last axis: InfoGAN's continuous codes
    (Chen et al. 2016). With `log_std=None` the standard deviation is 1 (the
    reference implementation's default), leaving `0.5 (c - mean)^2 + 0.5 log(2 pi)`.
    """
    values = ops.cast(values, "float32")
    mean = ops.cast(mean, "float32")
    half_log_2pi = 0.9189385332046727
    if log_std is None:
        nll = 0.5 * ops.square(values - mean) + half_log_2pi
    else:
        log_std = ops.cast(log_std, "float32")
        nll = 0.5 * ops.square((values - mean) * ops.exp(-log_std)) + log_std + half_log_2pi
    return ops.mean(ops.sum(nll, axis=-1))


def reconstruction_energy(images, reconstructions):
    """EBGAN's energy of each sample (Zhao et al. 2017): the mean squared error of the
    auto-encoder's reconstruction over its pixels. Returns `(batch,)`."""
    diff = ops.cast(reconstructions, "float32") - ops.cast(images, "float32")
    axes = tuple(range(1, len(diff.shape)))
    return ops.mean(ops.square(diff), axis=axes)


def ebgan_discriminator_loss(real_energy, fake_energy, margin):
    """EBGAN's discriminator loss `D(x) + [m - D(G(z))]^+` (Zhao et al. 2017, eq. 1):
    low energy on real data, energy at least the margin `m` on generated data."""
    return ops.mean(real_energy) + ops.mean(ops.relu(margin - fake_energy))


def ebgan_generator_loss(fake_energy):
    """EBGAN's generator loss `D(G(z))` (Zhao et al. 2017, eq. 2)."""
    return ops.mean(fake_energy)


def pulling_away_term(embeddings, epsilon=1e-12):
    """EBGAN's pulling-away term (Zhao et al. 2017, eq. 6):
    `1 / (N (N - 1)) sum_{i != j} (s_i . s_j / (||s_i|| ||s_j||))^2` over the batch's
    encoder embeddings `s`, which pushes generated samples to be orthogonal in the
    embedding space. A batch of one sample gives 0.

    Args:
        embeddings: `(batch, ...)`, flattened per sample.
        epsilon: keeps the normalisation finite for zero embeddings.
    """
    s = ops.reshape(ops.cast(embeddings, "float32"), (ops.shape(embeddings)[0], -1))
    s = s / ops.sqrt(ops.maximum(ops.sum(ops.square(s), axis=-1, keepdims=True), epsilon))
    cosine = ops.matmul(s, ops.transpose(s))
    n = ops.cast(ops.shape(s)[0], "float32")
    off_diagonal = ops.sum(ops.square(cosine)) - ops.sum(ops.square(ops.diagonal(cosine)))
    return off_diagonal / ops.maximum(n * (n - 1.0), 1.0)
