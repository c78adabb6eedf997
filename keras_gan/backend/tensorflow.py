"""TensorFlow: `tf.GradientTape`; `fit` runs the step inside `tf.function`.

Under `tf.distribute.MirroredStrategy` (model built and compiled in `strategy.scope()`),
`fit` runs the step once per replica on that replica's slice of the global batch, and
the optimizer sums the replicas' gradients. `value_and_grad` therefore differentiates
`loss / num_replicas` (a loss written with `ops.mean` is a mean over the replica's
slice only), so that the summed gradient is the gradient of the global-batch mean; the
loss it returns and the trackers stay unscaled (Keras averages the trackers over the
replicas). `replica_rows` gives each replica its rows of one global noise draw.
"""

import contextlib

import tensorflow as tf

from keras_gan.backend.layer_ops import (  # noqa: F401  (keras.ops, as Keras computes it)
    batch_norm_inference,
    batch_norm_train,
    conv,
    conv_transpose,
    max_pool,
)

# extra arguments of ExportArchive.add_endpoint
EXPORT_ENDPOINT_KWARGS = {}


def adversarial_jit_compile():
    """XLA for the adversarial models' steps, also on a CPU-only machine (Keras's
    `"auto"` turns it off there): DCGAN 64x64 trains 1.6x faster on a 2-core CPU with
    it, as the hand-written XLA loop does (benchmarks/results/throughput.md); the SR
    and style models keep Keras's choice (XLA made their VGG19 steps slower on the
    CPU). Not under a `tf.distribute` strategy with several replicas: XLA cannot reach
    the seed generator's per-replica variables there ("tfvariable on a different
    device"); Keras's choice then."""
    if tf.distribute.get_strategy().num_replicas_in_sync > 1:
        return "auto"
    return True


NATIVE_SAVED_MODEL_EXPORT = True


def run_step(model, step_fn, data):
    del model
    return step_fn(data)


def _replicas():
    """`(number of replicas in sync, this replica's index)`; `(1, 0)` outside a
    replica context (no strategy, or cross-replica code)."""
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return 1, 0
    return context.num_replicas_in_sync, context.replica_id_in_sync_group


def replica_rows(draw, n):
    count, index = _replicas()
    if count == 1:
        return draw(n)
    index = tf.cast(index, tf.int32)
    n = tf.cast(n, tf.int32)
    return draw(n * count)[index * n:(index + 1) * n]


def all_replicas(flag):
    count, _ = _replicas()
    if count == 1:
        return flag
    # (tf.distribute reduces by SUM or MEAN only: count the replicas where it is false)
    failures = tf.distribute.get_replica_context().all_reduce(
        tf.distribute.ReduceOp.SUM, tf.cast(tf.logical_not(flag), tf.float32))
    return failures < 0.5


def value_and_grad(loss_fn, variables):
    count, _ = _replicas()
    with tf.GradientTape() as tape:
        loss, aux = loss_fn()
        # the optimizer sums the replicas' gradients: each replica contributes 1/count
        scaled = loss if count == 1 else loss / tf.cast(count, loss.dtype)
    grads = tape.gradient(scaled, variables)
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


def keep_state_on_error(model):
    del model  # the variables keep their values throughout fit
    return contextlib.nullcontext()


def no_grad():
    return contextlib.nullcontext()
