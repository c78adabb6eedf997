"""JAX: a stateless step.

`fit` calls `train_step(state, data)` and expects `(logs, new_state)`, where `state`
holds the values of `model.trainable_variables`, `model.non_trainable_variables`,
`model.optimizer.variables` and `model.metrics_variables` (`test_step`: the same
without the optimizer). `run_step` opens one `keras.StatelessScope` that maps every
one of those variables to its incoming value, runs the step written with `keras.ops`
(assignments, optimizer updates and metric updates land in the scope, not in the
variables) and reads every value back out. Gradients are taken with
`jax.value_and_grad` over the values of the variables being trained, in a child scope
whose own updates (BatchNorm statistics, seed generator state) are carried out of the
differentiated function as auxiliary outputs and written to the parent scope.

Data parallel training is Keras's own: with
`keras.distribution.set_distribution(keras.distribution.DataParallel(...))` the
trainer shards every batch over the devices and replicates the state, and the step
above is compiled as one program over the global batch (gradients, noise and
BatchNormalization statistics are those of the global batch).
"""

import contextlib

import jax
import jax.numpy as jnp
from keras import StatelessScope

from keras_gan.backend.layer_ops import (  # noqa: F401  (keras.ops, as Keras computes it)
    batch_norm_inference,
    batch_norm_train,
    conv,
    conv_transpose,
    max_pool,
)

# extra arguments of ExportArchive.add_endpoint: lowered for CPU and CUDA; no gradient
# functions (a served model needs none, and jax2tf cannot build the gradient of a strided
# convolution whose height and width are unknown)
EXPORT_ENDPOINT_KWARGS = {"jax2tf_kwargs": {"native_serialization_platforms": ("cpu", "cuda"),
                                            "with_gradient": False}}


def adversarial_jit_compile():
    """`compile(jit_compile="auto")` of the adversarial models: Keras's choice
    (XLA)."""
    return "auto"


NATIVE_SAVED_MODEL_EXPORT = True


# The scopes of the step being traced, innermost last. Every stateless scope of a
# keras_gan step is one of ours, so the innermost one is known without asking Keras.
_open_scopes = []


def _current_scope():
    return _open_scopes[-1] if _open_scopes else None


class _RecordingScope(StatelessScope):
    """A stateless scope that remembers which variables were assigned in it."""

    def __init__(self, mapping):
        super().__init__()
        self.state_mapping = dict(mapping)
        self.assigned = {}

    def __enter__(self):
        _open_scopes.append(self)
        return super().__enter__()

    def __exit__(self, *exc):
        _open_scopes.pop()
        return super().__exit__(*exc)

    def add_update(self, update):
        variable, value = update
        self.assigned[id(variable)] = variable
        super().add_update(update)

    def updates(self):
        return {key: self.state_mapping[key] for key in self.assigned}


def _state_lists(model, with_optimizer):
    lists = [model.trainable_variables, model.non_trainable_variables]
    if with_optimizer:
        lists.append(model.optimizer.variables)
    lists.append(model.metrics_variables)
    return lists


def run_step(model, step_fn, state, data):
    lists = _state_lists(model, with_optimizer=len(state) == 4)
    mapping = {}
    for variables, values in zip(lists, state):
        for variable, value in zip(variables, values):
            mapping[id(variable)] = value
    with _RecordingScope(mapping) as scope:
        logs = step_fn(data)
        new_state = tuple(
            [scope.state_mapping[id(v)] for v in variables] for variables in lists
        )
    return logs, new_state


def _in_child_scope(fn):
    """Runs `fn()` in a scope that sees the current values and returns its updates."""
    parent = _current_scope()
    child = _RecordingScope(parent.state_mapping if parent is not None else {})
    with child:
        out = fn()
    return out, child.updates(), child.assigned


def _write_back(updates, assigned):
    parent = _current_scope()
    if parent is not None:
        for key, value in updates.items():
            parent.add_update((assigned[key], value))
    else:
        for key, value in updates.items():
            assigned[key].assign(value)


def value_and_grad(loss_fn, variables):
    parent = _current_scope()
    initial = [
        (parent.get_current_value(v) if parent is not None else None) for v in variables
    ]
    initial = [v.value if x is None else x for v, x in zip(variables, initial)]
    assigned_vars = {}

    def wrapped(values):
        def call():
            scope = _current_scope()
            for v, value in zip(variables, values):
                scope.state_mapping[id(v)] = value
            return loss_fn()

        (loss, aux), updates, assigned = _in_child_scope(call)
        for v in variables:  # the values being differentiated are not updates
            updates.pop(id(v), None)
        assigned_vars.update(assigned)
        return loss, (aux, updates)

    (loss, (aux, updates)), grads = jax.value_and_grad(wrapped, has_aux=True)(initial)
    _write_back(updates, assigned_vars)
    return loss, aux, list(grads)


def replica_rows(draw, n):
    # Under `keras.distribution.DataParallel` the step is one program over the global
    # batch (sharded by XLA), so the global noise draw is already what every device
    # takes its rows of.
    return draw(n)


def all_replicas(flag):
    # one program over the global batch: `flag` is already the same everywhere
    return flag


def apply_gradients(optimizer, grads, variables):
    optimizer.apply(grads, variables)


def input_gradient(fn, x):
    assigned_vars = {}

    def total(x):
        y, updates, assigned = _in_child_scope(lambda: fn(x))
        assigned_vars.update(assigned)
        return jnp.sum(y), updates

    grad, updates = jax.grad(total, has_aux=True)(jnp.asarray(x))
    _write_back(updates, assigned_vars)
    return grad


@contextlib.contextmanager
def keep_state_on_error(model):
    # `fit` detaches the variables' values before its first step (`_purge_model_variables`)
    # and attaches the last state at the end (`jax_state_sync`); when the first step
    # fails there is no state yet and the values stay detached. JAX arrays are
    # immutable, so references to the values before `fit` restore them.
    variables = list(model.variables)
    if getattr(model, "optimizer", None) is not None:
        variables += list(model.optimizer.variables)
    variables += list(model.metrics_variables)
    values = [v._value for v in variables]
    try:
        yield
    except BaseException:
        for variable, value in zip(variables, values):
            if variable._value is None:
                variable._value = value
        raise


def no_grad():
    return contextlib.nullcontext()
