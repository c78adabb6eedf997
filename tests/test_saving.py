"""`.keras` round trips, also across backends (save here, load under the other two)."""

import json
import os

import numpy as np
import pytest

import keras

import keras_gan
from conftest import BACKEND, BACKENDS, assert_ok, ring_data, run_python, tiny_model


def _trained(cls=keras_gan.WGANGP, **kwargs):
    model = tiny_model(cls, seed=21, batch_norm=True, **kwargs)
    model.fit(ring_data(200), batch_size=100, epochs=1, verbose=0)
    return model


@pytest.mark.parametrize("cls,kwargs", [
    (keras_gan.GAN, {"packing": 2, "label_smoothing": 0.1, "loss": "minimax"}),
    (keras_gan.WGAN, {}),
    (keras_gan.WGANGP, {"discriminator_steps": 2}),
])
def test_round_trip_in_this_backend(tmp_path, cls, kwargs):
    model = _trained(cls, **kwargs)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is cls
    for key in ("latent_dim", "discriminator_steps", "packing", "seed"):
        assert getattr(loaded, key) == getattr(model, key)
    assert type(loaded.adversarial_loss) is type(model.adversarial_loss)
    assert loaded.adversarial_loss.label_smoothing == model.adversarial_loss.label_smoothing
    np.testing.assert_array_equal(loaded.generate(9, seed=5), model.generate(9, seed=5))
    for a, b in zip(model.discriminator.weights, loaded.discriminator.weights):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))
    for name in ("generator_optimizer", "discriminator_optimizer"):
        saved, restored = getattr(model, name), getattr(loaded, name)
        assert restored.name == name and type(restored) is type(saved)
        assert int(restored.iterations.numpy()) == int(saved.iterations.numpy()) > 0
        for a, b in zip(saved.variables, restored.variables):
            np.testing.assert_array_equal(keras.ops.convert_to_numpy(a),
                                          keras.ops.convert_to_numpy(b))
    before = int(loaded.discriminator_optimizer.iterations.numpy())
    loaded.fit(ring_data(200, seed=1), batch_size=100, epochs=1, verbose=0)
    assert int(loaded.discriminator_optimizer.iterations.numpy()) > before


@pytest.mark.slow
def test_save_here_load_in_the_other_backends(tmp_path):
    model = _trained(keras_gan.WGANGP)
    path = tmp_path / "m.keras"
    model.save(path)
    expected = model.generate(6, seed=11)
    np.save(tmp_path / "expected.npy", expected)
    iterations = int(model.discriminator_optimizer.iterations.numpy())
    code = f"""
import json, numpy as np, keras, keras_gan
m = keras.saving.load_model({str(path)!r})
got = m.generate(6, seed=11)
np.testing.assert_allclose(got, np.load({str(tmp_path / 'expected.npy')!r}), rtol=1e-5, atol=1e-6)
it0 = int(m.discriminator_optimizer.iterations.numpy())
assert it0 == {iterations}, it0
m.fit(keras_gan.datasets.ring().sample(200, seed=2), batch_size=100, epochs=1, verbose=0)
assert int(m.discriminator_optimizer.iterations.numpy()) == it0 + 10
assert np.isfinite(m.generate(4, seed=1)).all()
print(json.dumps({{"backend": keras.backend.backend(), "ok": True}}))
"""
    for other in BACKENDS:
        if other == BACKEND:
            continue
        result = run_python(code, backend=other)
        assert_ok(result)
        assert json.loads(result.stdout.strip().splitlines()[-1]) == {"backend": other, "ok": True}


def test_loading_a_damaged_file_fails_clearly(tmp_path):
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"not a zip archive")
    with pytest.raises(ValueError):
        keras.saving.load_model(bad)
    assert not os.path.exists(tmp_path / "missing.keras")
    with pytest.raises(ValueError):
        keras.saving.load_model(tmp_path / "missing.keras")
