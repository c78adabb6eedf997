"""keras_gan: generative adversarial networks for Keras 3.

Train with `model.fit` on TensorFlow, JAX or PyTorch (`KERAS_BACKEND`), save with
`model.save`, serve the generator with TF Serving after `model.export`.
"""

import os as _os

# TensorFlow prints INFO notes from C++ on import (also under the JAX backend, which
# imports it for tf.data); keep them off stderr unless the user chose a level.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")

__version__ = "0.1.0"

from keras_gan import (  # noqa: E402
    backend,
    callbacks,
    datasets,
    distribute,
    latent,
    layers,
    losses,
    metrics,
    models,
    networks,
    serving,
    super_resolution,
)
from keras_gan.export import export_generator  # noqa: E402
from keras_gan.models import (  # noqa: E402
    ACGAN,
    CGAN,
    DCGAN,
    EBGAN,
    GAN,
    WGAN,
    WGANGP,
    AdversarialModel,
    InfoGAN,
)

__all__ = [
    "ACGAN",
    "CGAN",
    "DCGAN",
    "EBGAN",
    "GAN",
    "InfoGAN",
    "WGAN",
    "WGANGP",
    "AdversarialModel",
    "backend",
    "callbacks",
    "datasets",
    "distribute",
    "export_generator",
    "latent",
    "layers",
    "losses",
    "metrics",
    "models",
    "networks",
    "serving",
    "super_resolution",
]
