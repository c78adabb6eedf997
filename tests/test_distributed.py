"""Data parallel training over 2 CPU devices: the same model code, each backend's own
engine (JAX `keras.distribution.DataParallel`, TensorFlow `MirroredStrategy`,
PyTorch `torch.distributed` with 2 gloo processes), and the 2-device run gives the
weights of a 1-device run with the same global batch and seed.

The devices have to be configured before the framework starts (XLA flags, TF logical
devices) or live in other processes (torch), so each run is a child process; each test
runs under its own backend only.
"""

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

import keras

from conftest import BACKEND, ROOT, assert_ok, run_python
from keras_gan.distribute import shard_batches

# One tiny GAN, trained in every run: 2 steps of a global batch of 8. Plain SGD, so
# that a gradient off by the replica count shows in the weights (Adam would hide it).
MODEL_CODE = '''
import numpy as np
import keras
import keras_gan
from keras_gan import backend

GLOBAL_BATCH = 8
DATA = keras_gan.datasets.ring().sample(16, seed=0).astype("float32")


def build(batch_norm=False, cls=keras_gan.GAN):
    keras.utils.set_random_seed(0)
    g = keras_gan.networks.mlp_generator(2, 2, hidden_units=(8, 8), batch_norm=batch_norm)
    d = keras_gan.networks.mlp_discriminator(2, hidden_units=(8,))
    model = cls(g, d, latent_dim=2, seed=3)
    model.compile(generator_optimizer=keras.optimizers.SGD(0.5),
                  discriminator_optimizer=keras.optimizers.SGD(0.5))
    return model


def train(model, data, batch_size):
    history = model.fit(data, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
    weights = [np.asarray(keras.ops.convert_to_numpy(w)) for w in model.get_weights()]
    return weights, {k: float(v[-1]) for k, v in history.history.items()}


def compare(one, two, batch_norm=False):
    (w1, logs1), (w2, logs2) = one, two
    assert len(w1) == len(w2)
    for a, b in zip(w1, w2):
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-5)
    assert sorted(logs1) == sorted(logs2), (logs1, logs2)
    for key in logs1:
        np.testing.assert_allclose(logs2[key], logs1[key], rtol=1e-5, atol=1e-6)
    # the runs trained: the weights moved from their initial values
    start = build(batch_norm).get_weights()
    assert max(float(np.max(np.abs(a - s))) for a, s in zip(w1, start)) > 1e-3


def draw(m):
    return keras.random.normal((m, 3), seed=keras.random.SeedGenerator(7))
'''


def only(backend):
    return pytest.mark.skipif(BACKEND != backend,
                              reason=f"runs under the {backend} backend only")


@only("jax")
def test_jax_data_parallel_matches_one_device():
    code = MODEL_CODE + '''
import jax

assert len(jax.devices()) == 2, jax.devices()
one = train(build(batch_norm=True), DATA, GLOBAL_BATCH)

keras.distribution.set_distribution(keras.distribution.DataParallel(devices=jax.devices()))
seen = []


class Recording(keras_gan.GAN):
    def _train_step(self, data):
        jax.debug.inspect_array_sharding(data, callback=seen.append)
        return super()._train_step(data)


model = build(batch_norm=True, cls=Recording)
two = train(model, DATA, GLOBAL_BATCH)
# the batch was split over the 2 devices inside the step; the weights are replicated
assert seen and all(len(s.device_set) == 2 and not s.is_fully_replicated for s in seen), seen
sharding = model.generator.trainable_variables[0].value.sharding
assert len(sharding.device_set) == 2 and sharding.is_fully_replicated, sharding
compare(one, two, batch_norm=True)
print("OK")
'''
    result = run_python(code, extra_env={
        "XLA_FLAGS": "--xla_force_host_platform_device_count=2"})
    assert_ok(result)
    assert "OK" in result.stdout


@only("tensorflow")
def test_tensorflow_mirrored_strategy_matches_one_device():
    code = '''
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
''' + MODEL_CODE + '''
# one device without XLA, as the replicated model runs (keras_gan turns XLA on for one
# device only; XLA's stateless random ops also draw other numbers than TF's kernels)
one_device = build()
one_device.jit_compile = False
one = train(one_device, DATA, GLOBAL_BATCH)
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
assert strategy.num_replicas_in_sync == 2
with strategy.scope():
    model = build()
assert model.jit_compile is False
two = train(model, DATA, GLOBAL_BATCH)
compare(one, two)

# each replica gets its own rows of one global draw
expected = keras.ops.convert_to_numpy(draw(6))
with strategy.scope():
    per_replica = strategy.run(lambda: backend.replica_rows(draw, 3))
rows = [keras.ops.convert_to_numpy(t) for t in strategy.experimental_local_results(per_replica)]
np.testing.assert_array_equal(np.concatenate(rows), expected)
assert np.abs(rows[0] - rows[1]).min() > 0

# mixed_float16: real samples that overflow float16 on replica 1 only; both replicas
# skip the discriminator's update and halve its loss scale (backend.all_replicas), so
# the replicas' copies of every variable stay equal
keras.mixed_precision.set_dtype_policy("mixed_float16")
bad = DATA[:8].copy()
bad[4:] = 1e6  # replica 1's half of the global batch
with strategy.scope():
    model = build()
before = [np.array(keras.ops.convert_to_numpy(w)) for w in model.discriminator.weights]
model.fit(bad, batch_size=8, epochs=1, shuffle=False, verbose=0)
for variable in model.weights:
    local = [np.asarray(t) for t in strategy.experimental_local_results(variable.value)]
    for other in local[1:]:
        np.testing.assert_array_equal(other, local[0], err_msg=variable.path)
for w, b in zip(model.discriminator.weights, before):
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(w), b)
scales = model._loss_scales
assert float(scales["discriminator"].scale.numpy()) == 2.0 ** 14
assert float(scales["generator"].scale.numpy()) == 2.0 ** 15
print("OK")
'''
    result = run_python(code)
    assert_ok(result)
    assert "OK" in result.stdout


TORCH_WORKER = MODEL_CODE + '''
import pickle
import sys
import torch.distributed as dist
from keras_gan.distribute import shard_batches

dist.init_process_group("gloo")
world, rank = dist.get_world_size(), dist.get_rank()
if rank == 1:
    keras.utils.set_random_seed(1)  # rank 0's weights must win: start from other ones
model = build()
if rank == 1:
    for w in model.trainable_weights:
        w.assign(keras.ops.zeros_like(w) + 0.25)
shard = shard_batches(DATA, GLOBAL_BATCH, world, rank)
weights, logs = train(model, shard, GLOBAL_BATCH // world)
rows = keras.ops.convert_to_numpy(backend.replica_rows(draw, 3))
# a flag false on rank 1 only is false on every rank; true everywhere stays true
agreed = [bool(backend.all_replicas(keras.ops.convert_to_tensor(value)))
          for value in (rank == 0, True)]
everything = [None] * world
dist.all_gather_object(everything, (weights, logs, rows, agreed))
if rank == 0:
    with open(sys.argv[1], "wb") as f:
        pickle.dump(everything, f)
dist.destroy_process_group()
'''


@only("torch")
def test_torch_two_processes_match_one_process(tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(TORCH_WORKER)
    out = str(tmp_path / "result.pickle")
    env = dict(os.environ, KERAS_BACKEND="torch", PYTHONPATH=ROOT, OMP_NUM_THREADS="1",
               TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
         str(script), out], env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert_ok(result)

    namespace = {}
    exec(MODEL_CODE, namespace)  # the 1-process reference, in this process
    one = namespace["train"](namespace["build"](), namespace["DATA"], namespace["GLOBAL_BATCH"])
    with open(out, "rb") as f:
        per_rank = pickle.load(f)  # [(weights, logs, noise rows, flags)] of ranks 0, 1
    for weights, logs, _, agreed in per_rank:  # every process: the 1-process weights, logs
        namespace["compare"](one, (weights, logs))
        assert agreed == [False, True]
    # each process drew its own rows of the global noise draw
    expected = keras.ops.convert_to_numpy(namespace["draw"](6))
    np.testing.assert_array_equal(np.concatenate([rows for _, _, rows, _ in per_rank]),
                                  expected)


def test_shard_batches_gives_each_process_its_slice_of_every_global_batch():
    data = np.arange(20)
    labels = np.arange(20) * 10
    shards = [shard_batches((data, labels), 8, 2, i) for i in (0, 1)]
    np.testing.assert_array_equal(shards[0][0], [0, 1, 2, 3, 8, 9, 10, 11, 16, 17])
    np.testing.assert_array_equal(shards[1][0], [4, 5, 6, 7, 12, 13, 14, 15, 18, 19])
    np.testing.assert_array_equal(shards[1][1], shards[1][0] * 10)
    assert isinstance(shards[0], tuple)
    # step s of a process with batch 4 is its half of global batch s
    for step in range(3):
        joined = np.concatenate([s[0][step * 4:(step + 1) * 4] for s in shards])
        np.testing.assert_array_equal(joined, data[step * 8:(step + 1) * 8])
    np.testing.assert_array_equal(shard_batches(data, 8, 2, 1, drop_remainder=True),
                                  [4, 5, 6, 7, 12, 13, 14, 15])


@pytest.mark.parametrize("kwargs, message", [
    (dict(data=np.arange(19), global_batch_size=8, num_shards=2, index=0), "not a multiple"),
    (dict(data=np.arange(16), global_batch_size=6, num_shards=4, index=0),
     "multiple of num_shards"),
    (dict(data=np.arange(16), global_batch_size=8, num_shards=2, index=2), "index must be"),
    (dict(data=(np.arange(16), np.arange(15)), global_batch_size=8, num_shards=2, index=0),
     "different numbers of rows"),
])
def test_shard_batches_refuses_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        shard_batches(**kwargs)
