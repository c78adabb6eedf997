"""Helpers shared by the network builders."""

import keras


def initializer(spec):
    """A fresh initializer for one layer. Keras draws the same values every time one
    unseeded initializer instance is called, so layers that shared one instance would
    all start from the same draw; a copy made from its config gets a seed of its own
    (an initializer given an explicit seed keeps it)."""
    init = keras.initializers.get(spec)
    return type(init).from_config(init.get_config())


def dcgan_init():
    """The DCGAN weight initialisation: N(0, 0.02) (Radford et al. 2016)."""
    return keras.initializers.RandomNormal(mean=0.0, stddev=0.02)
