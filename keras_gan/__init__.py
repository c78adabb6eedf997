"""keras_gan: generative adversarial networks for Keras 3.

Train with `model.fit` on TensorFlow, JAX or PyTorch (`KERAS_BACKEND`), save with
`model.save`, serve the generator with TF Serving after `model.export`.
"""

__version__ = "0.1.0"

from keras_gan import backend, datasets, layers, losses, models, networks
from keras_gan.export import export_generator
from keras_gan.models import GAN, WGAN, WGANGP, AdversarialModel

__all__ = [
    "GAN",
    "WGAN",
    "WGANGP",
    "AdversarialModel",
    "backend",
    "datasets",
    "export_generator",
    "layers",
    "losses",
    "models",
    "networks",
]
