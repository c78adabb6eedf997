"""Keras callbacks for GAN training."""

from keras_gan.callbacks.ema import EMA
from keras_gan.callbacks.sample_grid import SampleGrid

__all__ = ["EMA", "SampleGrid"]
