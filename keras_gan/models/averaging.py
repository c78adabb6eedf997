"""Running averages of a network's weights, kept as non-trainable variables of the model.

Two GAN techniques keep a shadow copy of parameters:

- historical averaging (Salimans et al. 2016, "Improved Techniques for Training GANs",
  section 3.3): each player's cost gets the term `||theta - (1/t) sum_i theta[i]||^2`,
  the distance of its parameters from the mean of their past values;
- an exponential moving average of the generator's weights for sampling (Yazici et
  al. 2019, "The Unusual Effectiveness of Averaging in GAN Training"; Karras et al.
  2018 use it in ProGAN).

The averages are variables created with `model.add_weight`, so they are saved with
the model, restored by `load_model`, and carried through the stateless JAX step like
BatchNorm statistics; they are updated inside `train_step` (a callback cannot read or
write variables in the middle of a JAX `fit`).
"""

from keras import ops

__all__ = ["WeightAverage"]


class WeightAverage:
    """Shadow copies of `variables` owned by `model`.

    Args:
        model: the Keras model that owns the shadow variables (`add_weight`).
        variables: the variables to average.
        name: prefix of the shadow variables' names.
        decay: `None` for the cumulative mean `(1/t) sum theta[i]` (historical
            averaging), or the decay of an exponential moving average.
    """

    def __init__(self, model, variables, name, decay=None):
        self.variables = list(variables)
        self.decay = None if decay is None else float(decay)
        if self.decay is not None and not 0.0 <= self.decay < 1.0:
            raise ValueError(f"The averaging decay must be in [0, 1); received {decay}.")
        self.averages = []
        for i, variable in enumerate(self.variables):
            average = model.add_weight(shape=variable.shape, initializer="zeros",
                                       dtype=variable.dtype, trainable=False,
                                       name=f"{name}_{i}")
            # The mean of one value is that value; a copy, because two variables that
            # share one buffer cannot both be donated to a jit-compiled JAX step.
            average.assign(ops.copy(variable.value))
            self.averages.append(average)
        self.count = None
        if self.decay is None:
            self.count = model.add_weight(shape=(), initializer="ones", dtype="float32",
                                          trainable=False, name=f"{name}_count")

    def update(self):
        """Folds the variables' current values into the averages."""
        if self.decay is None:
            count = self.count.value + 1.0
            for variable, average in zip(self.variables, self.averages):
                rate = ops.cast(1.0 / count, average.dtype)
                average.assign(average.value + (variable.value - average.value) * rate)
            self.count.assign(count)
        else:
            for variable, average in zip(self.variables, self.averages):
                average.assign(self.decay * average.value + (1.0 - self.decay) * variable.value)

    def squared_distance(self):
        """`sum ||theta - average||^2` over the variables (a differentiable tensor)."""
        total = 0.0
        for variable, average in zip(self.variables, self.averages):
            diff = variable.value - ops.stop_gradient(average.value)
            total = total + ops.sum(ops.square(ops.cast(diff, "float32")))
        return total

    def values(self):
        """The averaged values, in the order of `variables`."""
        return [average.value for average in self.averages]
