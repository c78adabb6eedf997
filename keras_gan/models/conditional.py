"""What the class-conditional GANs share: the number of classes and its checks."""

from keras_gan.models.base import AdversarialModel


class ConditionalModel(AdversarialModel):
    """Base of the class-conditional GANs (CGAN, ACGAN).

    `fit` takes `(images, labels)` (arrays or a dataset of pairs; labels are ints in
    `[0, num_classes)`), the generator takes `[latent, label]`, and
    `generate(n, labels=...)` draws samples of the given classes. The generator of a
    discriminator update is given the labels of the real slice it is compared with, so
    generated classes follow the data's class frequencies.
    """

    def __init__(self, generator, discriminator, latent_dim, *, num_classes, **kwargs):
        self.num_classes = int(num_classes)
        if self.num_classes < 2:
            raise ValueError(f"num_classes must be >= 2; received {num_classes}.")
        super().__init__(generator, discriminator, latent_dim, **kwargs)
        if not self._generator_takes_labels:
            raise ValueError(
                f"{type(self).__name__} needs a generator with two inputs, [latent, label] "
                "(e.g. keras_gan.networks.dcgan_generator(..., num_classes=...))."
            )

    def get_config(self):
        config = super().get_config()
        config["num_classes"] = self.num_classes
        return config
