"""Keras callbacks for GAN training."""

from keras_gan.callbacks.backup import BackupAndRestore
from keras_gan.callbacks.divergence import DivergenceError, StopOnDivergence
from keras_gan.callbacks.ema import EMA
from keras_gan.callbacks.evaluate import Evaluate
from keras_gan.callbacks.sample_grid import SampleGrid

__all__ = ["BackupAndRestore", "DivergenceError", "EMA", "Evaluate", "SampleGrid",
           "StopOnDivergence"]
