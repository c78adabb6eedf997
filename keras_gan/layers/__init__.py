"""Reusable layers."""

from keras_gan.layers.maxout import Maxout
