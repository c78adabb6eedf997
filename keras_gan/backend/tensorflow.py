"""TensorFlow: `tf.GradientTape`; `fit` runs the step inside `tf.function`."""

import contextlib

import tensorflow as tf

# extra arguments of ExportArchive.add_endpoint
EXPORT_ENDPOINT_KWARGS = {}

NATIVE_SAVED_MODEL_EXPORT = True


def run_step(model, step_fn, data):
    del model
    return step_fn(data)


def value_and_grad(loss_fn, variables):
    with tf.GradientTape() as tape:
        loss, aux = loss_fn()
    grads = tape.gradient(loss, variables)
    grads = [tf.zeros_like(v) if g is None else g for g, v in zip(grads, variables)]
    return loss, aux, grads


def apply_gradients(optimizer, grads, variables):
    optimizer.apply(grads, variables)


def input_gradient(fn, x):
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(fn(x))
    return tape.gradient(y, x)


def no_grad():
    return contextlib.nullcontext()
