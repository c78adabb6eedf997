"""InfoGAN (Chen et al. 2016, "InfoGAN: Interpretable Representation Learning by
Information Maximizing Generative Adversarial Nets")."""

import numpy as np

import keras
from keras import ops

from keras_gan import networks
from keras_gan.losses import (
    categorical_crossentropy_from_logits,
    gaussian_negative_log_likelihood,
)
from keras_gan.models.base import AdversarialModel, _sample_count


@keras.saving.register_keras_serializable(package="keras_gan")
class InfoGAN(AdversarialModel):
    """InfoGAN: the generator's input is noise z plus latent codes c, and a network Q
    that shares the discriminator's trunk predicts c from the generated image. Both
    players add `-lambda L_I(G, Q)`, a variational lower bound of the mutual
    information `I(c; G(z, c))`, to their losses (the paper's eq. 5-6); L_I is, up to
    the constant entropy of c, the negative log-likelihood of the codes under Q:
    cross-entropy for each categorical code, a Gaussian NLL with unit standard
    deviation (the reference implementation's default) for the continuous codes.

    The generator input is `[z (latent_dim) | one-hot categorical codes | continuous
    codes]`; categorical codes are uniform over their values, continuous codes
    Uniform(-1, 1). Defaults are the paper's MNIST setting: 62 noise dimensions, one
    categorical code of 10 values and 2 continuous codes, lambda = 1, Adam with
    learning rate 2e-4 for D and Q and 1e-3 for G, beta_1 = 0.5; the Q head is a dense
    layer of 128 units with batch norm and LeakyReLU on the discriminator's features.

    The discriminator must return `"categorical_logits"` (N, sum of the categorical
    sizes) and / or `"continuous_mean"` (N, continuous): see
    `keras_gan.networks.dcgan_discriminator(info_codes=...)`.

    Extra trackers: `d_info`, `g_info` (the code NLL in the D and G updates) and
    `categorical_accuracy` (how often Q recovers the first categorical code).

    Args:
        generator, discriminator: networks to use instead of the default ones.
        latent_dim: size of the noise z (62 for MNIST).
        categorical_codes: the number of values of each categorical code.
        continuous_codes: the number of continuous codes.
        info_weight: lambda for the categorical codes.
        continuous_weight: lambda for the continuous codes (default: `info_weight`).
        image_shape, filters: of the default networks.
        **kwargs: as for `keras_gan.models.AdversarialModel`.
    """

    tracked_losses = AdversarialModel.tracked_losses + ("d_info", "g_info",
                                                        "categorical_accuracy")

    def __init__(self, generator=None, discriminator=None, latent_dim=62, *,
                 categorical_codes=(10,), continuous_codes=2, info_weight=1.0,
                 continuous_weight=None, image_shape=(28, 28, 1), filters=64, **kwargs):
        self.categorical_codes = tuple(int(k) for k in categorical_codes)
        self.continuous_codes = int(continuous_codes)
        if any(k < 2 for k in self.categorical_codes) or self.continuous_codes < 0:
            raise ValueError("categorical codes need >= 2 values each and continuous_codes "
                             f"must be >= 0; received {categorical_codes}, {continuous_codes}.")
        if not self.categorical_codes and not self.continuous_codes:
            raise ValueError("InfoGAN needs at least one latent code.")
        self.code_dim = sum(self.categorical_codes) + self.continuous_codes
        if generator is None:
            generator = networks.dcgan_generator(int(latent_dim) + self.code_dim, image_shape,
                                                 filters)
        if discriminator is None:
            discriminator = networks.dcgan_discriminator(
                image_shape, filters, info_codes=(self.categorical_codes, self.continuous_codes))
        super().__init__(generator, discriminator, latent_dim, **kwargs)
        self.info_weight = float(info_weight)
        self.continuous_weight = (self.info_weight if continuous_weight is None
                                  else float(continuous_weight))

    @property
    def generator_input_dim(self):
        return self.latent_dim + self.code_dim

    def default_generator_optimizer(self):
        return keras.optimizers.Adam(1e-3, beta_1=0.5)

    def default_discriminator_optimizer(self):
        return keras.optimizers.Adam(2e-4, beta_1=0.5)

    # ------------------------------------------------------------------ the codes
    def sample_latent(self, n):
        parts = [keras.random.normal((n, self.latent_dim), seed=self.seed_generator)]
        for k in self.categorical_codes:
            values = keras.random.randint((n,), 0, k, seed=self.seed_generator)
            parts.append(ops.one_hot(values, k))
        if self.continuous_codes:
            parts.append(keras.random.uniform((n, self.continuous_codes), -1.0, 1.0,
                                              seed=self.seed_generator))
        return ops.concatenate(parts, axis=-1)

    def latents(self, n, seed=None, categorical=None, continuous=None):
        """`n` generator inputs drawn with numpy (the same for a seed on every backend),
        with the codes drawn at random or fixed.

        Args:
            n: number of vectors.
            seed: numpy seed.
            categorical: fixed values of the categorical codes: one int per code (or
                an int when there is one code) for all vectors, or an int array
                `(n,)` / `(n, codes)`. None draws them uniformly.
            continuous: fixed continuous codes: `(continuous,)` for all vectors or
                `(n, continuous)`. None draws them from U(-1, 1).
        """
        n = _sample_count(n)
        rng = np.random.default_rng(seed)
        z = rng.standard_normal((n, self.latent_dim)).astype("float32")
        drawn_cat = np.stack([rng.integers(0, k, n) for k in self.categorical_codes], axis=-1) \
            if self.categorical_codes else np.zeros((n, 0), "int64")
        drawn_cont = rng.uniform(-1.0, 1.0, (n, self.continuous_codes))
        cat = drawn_cat if categorical is None else self._fixed_categorical(categorical, n)
        cont = drawn_cont if continuous is None else self._fixed_continuous(continuous, n)
        one_hot = [np.eye(k, dtype="float32")[cat[:, i]]
                   for i, k in enumerate(self.categorical_codes)]
        return np.concatenate([z, *one_hot, cont.astype("float32")], axis=-1)

    def _fixed_categorical(self, values, n):
        array = np.asarray(values)
        codes = len(self.categorical_codes)
        if not codes:
            raise ValueError("This InfoGAN has no categorical code.")
        if not np.issubdtype(array.dtype, np.integer):
            raise ValueError(f"Categorical codes must be integers; received {array.dtype}.")
        if array.ndim == 0 or array.shape == (codes,):
            array = np.broadcast_to(array.reshape(1, -1), (n, codes))
        elif array.shape == (n,) and codes == 1:
            array = array[:, None]
        if array.shape != (n, codes):
            raise ValueError(f"Expected categorical codes of shape ({n}, {codes}); received "
                             f"{np.shape(values)}.")
        for i, k in enumerate(self.categorical_codes):
            if n and (array[:, i].min() < 0 or array[:, i].max() >= k):
                raise ValueError(f"Categorical code {i} takes values in [0, {k}).")
        return array

    def _fixed_continuous(self, values, n):
        array = np.asarray(values, dtype="float32")
        c = self.continuous_codes
        if array.shape == (c,):
            array = np.broadcast_to(array, (n, c))
        elif array.shape == (n,) and c == 1:
            array = array[:, None]
        if array.shape != (n, c):
            raise ValueError(f"Expected continuous codes of shape ({n}, {c}); received "
                             f"{array.shape}.")
        return array

    def generate(self, n, seed=None, labels=None, batch_size=1024, use_ema=None,
                 categorical=None, continuous=None):
        """Draws `n` images; `categorical` / `continuous` fix the codes (see `latents`).
        The same seed gives the same noise z whatever the codes, so a sweep of one code
        over a fixed seed is a traversal of that code."""
        latent = self.latents(n, seed, categorical=categorical, continuous=continuous)
        return self.generate_from(latent, labels=labels, batch_size=batch_size,
                                  use_ema=use_ema)

    def export(self, filepath, format="tf_saved_model", verbose=None, overwrite=False,
               **kwargs):
        """Exports the generator as a SavedModel for TF Serving (see
        `AdversarialModel.export`), with the codes laid out as in `latents`.

        `serving_default` takes the whole generator input `latent`, float32
        `[None, latent_dim + code_dim]` = `[z (latent_dim) | one-hot of each
        categorical code, in order | continuous codes]`. The signature `codes` takes
        them apart: `noise` (float32 `[None, latent_dim]`), `categorical` (int32
        `[None, number of categorical codes]`, column `i` in
        `[0, categorical_codes[i])`) and `continuous` (float32 `[None,
        continuous_codes]`); an input of width 0 is left out. `generate` (`seed`,
        `count`) draws z from a normal, the categorical codes uniformly and the
        continuous ones from U(-1, 1), as in training.

        Returns:
            `filepath`.
        """
        kwargs.setdefault("info_codes", (self.categorical_codes, self.continuous_codes))
        return super().export(filepath, format=format, verbose=verbose, overwrite=overwrite,
                              **kwargs)

    # ----------------------------------------------------------------- the losses
    def information_loss(self, latent, outputs):
        """`-L_I` up to a constant: the NLL of the codes in `latent` under Q's outputs.
        Returns `(weighted loss, unweighted loss, accuracy of the first categorical code)`."""
        codes = latent[:, self.latent_dim:]
        weighted, total, accuracy = 0.0, 0.0, ops.zeros(())
        start = 0
        logits_start = 0
        for i, k in enumerate(self.categorical_codes):
            target = ops.argmax(codes[:, start:start + k], axis=-1)
            logits = outputs["categorical_logits"][:, logits_start:logits_start + k]
            nll = categorical_crossentropy_from_logits(target, logits)
            weighted, total = weighted + self.info_weight * nll, total + nll
            if i == 0:
                hits = ops.equal(ops.argmax(logits, axis=-1), target)
                accuracy = ops.mean(ops.cast(hits, "float32"))
            start += k
            logits_start += k
        if self.continuous_codes:
            nll = gaussian_negative_log_likelihood(codes[:, start:], outputs["continuous_mean"])
            weighted, total = weighted + self.continuous_weight * nll, total + nll
        return weighted, total, accuracy

    def discriminator_losses(self, real, fake, labels=None, latent=None, training=True):
        values = super().discriminator_losses(real, fake, labels, latent, training=training)
        weighted, total, accuracy = self.information_loss(latent, values["fake_outputs"])
        values["d_info"] = total
        values["categorical_accuracy"] = accuracy
        values["d_loss"] = values["d_loss"] + weighted
        return values

    def generator_losses(self, real, labels=None, training=True):
        values = super().generator_losses(real, labels, training=training)
        weighted, total, _ = self.information_loss(values["latent"], values["fake_outputs"])
        values["g_info"] = total
        values["g_loss"] = values["g_loss"] + weighted
        return values

    def get_config(self):
        config = super().get_config()
        config.update(categorical_codes=list(self.categorical_codes),
                      continuous_codes=self.continuous_codes, info_weight=self.info_weight,
                      continuous_weight=self.continuous_weight)
        return config
