"""SavedModel export for TF Serving, checked in a fresh process with tf.saved_model.load."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import keras_gan
from conftest import assert_ok, ring_data, run_python, tiny_model


@pytest.mark.slow
def test_exported_signature_reproduces_the_generator(tmp_path):
    model = tiny_model(keras_gan.GAN, seed=31)
    model.fit(ring_data(128), batch_size=64, epochs=1, verbose=0)
    export_dir = tmp_path / "served" / "1"
    model.export(str(export_dir))
    latent = model.latents(5, seed=3)
    np.save(tmp_path / "latent.npy", latent)
    np.save(tmp_path / "expected.npy", model.generate_from(latent))
    bodies = [keras_gan.serving.predict_request({"latent": latent}, format=f)
              for f in ("columnar", "row")]
    (tmp_path / "bodies.json").write_text(json.dumps(bodies))
    code = f"""
import json, sys
import numpy as np
import tensorflow as tf
loaded = tf.saved_model.load({str(export_dir)!r})
fn = loaded.signatures["serving_default"]
_, kwargs = fn.structured_input_signature
spec = kwargs["latent"]
out = fn(latent=tf.constant(np.load({str(tmp_path / 'latent.npy')!r})))
got = out["samples"].numpy()
np.testing.assert_allclose(got, np.load({str(tmp_path / 'expected.npy')!r}), rtol=1e-5, atol=1e-6)
batch7 = fn(latent=tf.zeros((7, 2)))["samples"]
# REST bodies of keras_gan.serving, fed as TF Serving does: values cast to the input dtypes.
for body in json.load(open({str(tmp_path / 'bodies.json')!r})):
    assert body["signature_name"] == "serving_default"
    if "inputs" in body:
        columns = body["inputs"]
    else:
        columns = {{name: [row[name] for row in body["instances"]] for name in kwargs}}
    feeds = {{name: tf.constant(columns[name], dtype=kwargs[name].dtype) for name in kwargs}}
    np.testing.assert_allclose(fn(**feeds)["samples"].numpy(), got, rtol=0, atol=0)
print(json.dumps({{"outputs": sorted(out), "shape": spec.shape.as_list(), "dtype": spec.dtype.name,
                  "out_dtype": out["samples"].dtype.name, "batch7": batch7.shape.as_list(),
                  "keras_gan_imported": "keras_gan" in sys.modules}}))
"""
    result = run_python(code, backend="tensorflow")
    assert_ok(result)
    info = json.loads(result.stdout.strip().splitlines()[-1])
    assert info == {"outputs": ["samples"], "shape": [None, 2], "dtype": "float32",
                    "out_dtype": "float32", "batch7": [7, 2], "keras_gan_imported": False}
    # The directory as TF Serving's own tool reads it: saved_model_cli show, then run.
    shown = saved_model_cli("show", "--dir", export_dir, "--all")
    assert_ok(shown)
    for line in ("signature_def['serving_default']:", "inputs['latent'] tensor_info:",
                 "dtype: DT_FLOAT", "shape: (-1, 2)", "outputs['samples'] tensor_info:",
                 "Method name is: tensorflow/serving/predict"):
        assert line in shown.stdout, shown.stdout
    ran = saved_model_cli("run", "--dir", export_dir, "--tag_set", "serve", "--signature_def",
                          "serving_default", "--inputs", f"latent={tmp_path / 'latent.npy'}",
                          "--outdir", tmp_path / "cli_out")
    assert_ok(ran)
    np.testing.assert_allclose(np.load(tmp_path / "cli_out" / "samples.npy"),
                               np.load(tmp_path / "expected.npy"), rtol=1e-5, atol=1e-6)


def saved_model_cli(*args):
    """TensorFlow's saved_model_cli in a fresh process (no keras, no keras_gan)."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.run([sys.executable, "-m", "tensorflow.python.tools.saved_model_cli",
                           *map(str, args)], env=env, capture_output=True, text=True,
                          timeout=300)


def test_export_rejects_other_formats(tmp_path):
    model = tiny_model(compile=False)
    with pytest.raises(ValueError, match="tf_saved_model"):
        model.export(str(tmp_path / "x"), format="onnx")


def test_export_needs_a_latent_input(tmp_path):
    import keras

    inputs = keras.Input((4, 4, 1))
    not_a_generator = keras.Model(inputs, keras.layers.Flatten()(inputs))
    with pytest.raises(ValueError, match=r"shape \(None, latent_dim\)"):
        keras_gan.export_generator(not_a_generator, str(tmp_path / "x"))
