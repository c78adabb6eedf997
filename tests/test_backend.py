"""The backend layer: gradients, updates and the stateless step."""

import numpy as np

import keras
from keras import ops

from keras_gan import backend


def test_value_and_grad_matches_closed_form(numpy_rng):
    w0 = numpy_rng.normal(size=(3,)).astype("float32")
    w = keras.Variable(w0)
    x = numpy_rng.normal(size=(5, 3)).astype("float32")

    def loss_fn():
        y = ops.sum(ops.square(ops.matmul(x, w)))
        return y, {"twice": 2 * y}

    loss, aux, (grad,) = backend.value_and_grad(loss_fn, [w])
    x64, w64 = x.astype("float64"), w0.astype("float64")
    np.testing.assert_allclose(float(ops.convert_to_numpy(ops.stop_gradient(loss))),
                               np.sum((x64 @ w64) ** 2), rtol=1e-5)
    np.testing.assert_allclose(ops.convert_to_numpy(grad), 2 * x64.T @ (x64 @ w64), rtol=1e-4)
    np.testing.assert_allclose(float(ops.convert_to_numpy(ops.stop_gradient(aux["twice"]))),
                               2 * np.sum((x64 @ w64) ** 2), rtol=1e-5)


def test_value_and_grad_keeps_state_updates_of_the_forward_pass():
    # BatchNormalization updates its moving statistics during the differentiated pass.
    layer = keras.layers.BatchNormalization(momentum=0.5)
    layer.build((None, 2))
    x = np.array([[1.0, 2.0], [3.0, 6.0]], dtype="float32")

    def loss_fn():
        y = layer(x, training=True)
        return ops.sum(y * y), ()

    backend.value_and_grad(loss_fn, layer.trainable_variables)
    np.testing.assert_allclose(ops.convert_to_numpy(layer.moving_mean), [1.0, 2.0], rtol=1e-6)


def test_apply_gradients_is_one_optimizer_step():
    v = keras.Variable(np.array([1.0, -2.0], dtype="float32"))
    opt = keras.optimizers.SGD(0.1)
    opt.build([v])
    backend.apply_gradients(opt, [ops.convert_to_tensor(np.array([1.0, 1.0], "float32"))], [v])
    np.testing.assert_allclose(ops.convert_to_numpy(v), [0.9, -2.1], rtol=1e-6)
    assert int(opt.iterations.numpy()) == 1


def test_input_gradient_is_twice_differentiable(numpy_rng):
    # f(x) = sum(w * x^3): grad_x = 3 w x^2; d/dw sum(grad_x) = 3 x^2.
    w = keras.Variable(numpy_rng.normal(size=(4,)).astype("float32"))
    x = numpy_rng.normal(size=(2, 4)).astype("float32")

    def loss_fn():
        g = backend.input_gradient(lambda t: ops.sum(w * t ** 3, axis=1), x)
        return ops.sum(g), ()

    _, _, (grad,) = backend.value_and_grad(loss_fn, [w])
    np.testing.assert_allclose(ops.convert_to_numpy(grad), (3 * x.astype("float64") ** 2).sum(0),
                               rtol=1e-5)


def test_adversarial_models_default_to_xla_on_tensorflow():
    """`compile()` of an adversarial model XLA-compiles its step on TensorFlow also
    without a GPU (Keras's "auto" would not: 1.6x slower DCGAN training on a CPU, see
    benchmarks/results/throughput.md); JAX and PyTorch keep Keras's choice; an explicit
    `jit_compile` and `run_eagerly` are honoured."""
    import keras_gan

    from conftest import tiny_networks

    model = keras_gan.GAN(*tiny_networks(), latent_dim=2)
    model.compile()
    expected = {"tensorflow": True, "jax": True, "torch": False}[keras.backend.backend()]
    assert model.jit_compile is expected
    model.compile(jit_compile=False)
    assert model.jit_compile is False
    model.compile(run_eagerly=True)
    assert model.jit_compile is False and model.run_eagerly
    # the SR and style models keep Keras's choice (XLA slowed their VGG19 steps on a CPU)
    sr = keras_gan.models.SuperResolutionGAN(keras_gan.networks.srresnet(2, 1, 4))
    sr.compile()
    assert sr.jit_compile is (keras.backend.backend() == "jax")
