"""SavedModel export for TF Serving, beyond tests/test_export.py: safe writing (no silent
overwrite, nothing half-written), the input checks inside the served signatures, the
`generate` and `codes` signatures, and the conditional generator, an SR generator and a
style transformer read as TF Serving reads them (saved_model_cli, and
`tf.saved_model.load` in a process that never imports keras).

Child processes: the CLI export with --force, the failing export and the exports
themselves under torch (one TensorFlow child each), and one TensorFlow child that checks
every export of `test_served_signatures_as_tf_serving_reads_them`.
"""

import json
import os

import numpy as np
import pytest

import keras

import keras_gan
from conftest import BACKEND, assert_cli_error, assert_ok, run_cli, run_python, tiny_model
from keras_gan.export import export_generator, export_image_model


def _conditional_generator():
    keras.utils.set_random_seed(3)
    return keras_gan.networks.dcgan_generator(3, (8, 8, 1), filters=4, num_classes=3)


def _image_model(scale):
    """A tiny fully convolutional `(None, None, None, 3)` model: an upsampling
    convolution for `scale` 2, otherwise one convolution with a sigmoid."""
    keras.utils.set_random_seed(4)
    if scale == 2:
        return keras_gan.networks.srresnet(scale=2, blocks=1, filters=4)
    return keras_gan.networks.transformer_net(filters=4, residual_blocks=1)


def _numpy(x):
    return np.asarray(keras.ops.convert_to_numpy(x), "float32")


def _marker_dir(path):
    path.mkdir(parents=True)
    (path / "keep.txt").write_text("the model served now")
    return path


# ------------------------------------------------------------------- safe writing
def test_an_existing_directory_is_refused_and_left_as_it_was(tmp_path):
    target = _marker_dir(tmp_path / "served" / "1")
    generator = _conditional_generator()
    image_model = _image_model(2)
    gan = tiny_model(compile=False)
    for export in (lambda: export_generator(generator, str(target)),
                   lambda: export_image_model(image_model, target),
                   lambda: gan.export(str(target))):
        with pytest.raises(FileExistsError, match=f"{target} exists and is not empty; pass "
                                                  r"overwrite=True"):
            export()
    assert sorted(os.listdir(tmp_path / "served")) == ["1"]
    assert os.listdir(target) == ["keep.txt"]
    # A file where the directory should go is refused too.
    a_file = tmp_path / "served" / "2"
    a_file.write_text("x")
    with pytest.raises(FileExistsError, match="2 exists"):
        export_generator(generator, a_file)
    assert a_file.read_text() == "x"


def test_bad_export_arguments_are_refused_before_anything_is_written(tmp_path):
    conditional = _conditional_generator()
    plain = tiny_model(compile=False).generator
    for generator, kwargs, message in [
            (conditional, {"num_classes": 4}, "num_classes=4 exceeds the 3 classes"),
            (conditional, {"num_classes": 1}, "num_classes must be an integer >= 2"),
            (conditional, {"info_codes": ((3,), 0)}, "applies to unconditional"),
            (plain, {"num_classes": 3}, "generator without a label input"),
            (plain, {"info_codes": ((2,), 0)}, r"take 2 of the generator's 2 inputs"),
            (plain, {"info_codes": ((1,), 0)}, "categorical codes of >= 2 values"),
            (plain, {"info_codes": 3}, r"must be \(categorical sizes, continuous count\)")]:
        with pytest.raises(ValueError, match=message):
            export_generator(generator, tmp_path / "x", **kwargs)
    assert os.listdir(tmp_path) == []


class _Untraceable(keras.layers.Layer):
    """Passes its input through until `broken` is set; then tracing it fails (and it is
    not registered, so a child process cannot load it either)."""

    broken = False

    def call(self, x):
        if self.broken:
            raise RuntimeError("this layer cannot be exported")
        return x


def test_a_failed_export_keeps_the_old_directory_and_leaves_no_temporary_one(tmp_path):
    target = _marker_dir(tmp_path / "served" / "1")
    inputs = keras.Input((2,))
    layer = _Untraceable()
    generator = keras.Model(inputs, layer(keras.layers.Dense(2)(inputs)))
    layer.broken = True
    with pytest.raises(RuntimeError, match="cannot be exported|failed"):
        export_generator(generator, target, overwrite=True)
    assert os.listdir(tmp_path / "served") == ["1"]
    assert os.listdir(target) == ["keep.txt"]


def test_cli_export_force_replaces_an_existing_export(tmp_path, capsys):
    model_file = tmp_path / "gan.keras"
    tiny_model(seed=5).save(model_file)
    target = _marker_dir(tmp_path / "served" / "1")
    assert_cli_error(capsys, f"export directory exists and is not empty: {target}",
                     "export", model_file, target)
    assert os.listdir(target) == ["keep.txt"]
    code, out, err = run_cli(capsys, "export", model_file, target, "--force")
    assert code == 0, err
    assert "exported the generator" in out
    assert os.listdir(tmp_path / "served") == ["1"]
    assert "keep.txt" not in os.listdir(target) and (target / "saved_model.pb").exists()
    # Not the private mode of a temporary directory: a server user can read it.
    mask = os.umask(0)
    os.umask(mask)
    assert os.stat(target).st_mode & 0o777 == 0o777 & ~mask


# ------------------------------------------------ served signatures, read by TF Serving
# The child imports TensorFlow only (keras is made unimportable). saved_model_cli's own
# parser and commands run in it (as `python -m tensorflow.python.tools.saved_model_cli
# show|run ...` would, one process for all of them); the results come back as JSON and
# .npy files.
CHILD = r"""
import contextlib, io, json, sys


# `import tensorflow` loads keras' optimizers when keras is installed (and goes on
# without them); a TF Serving host has no keras at all. None in sys.modules makes an
# installed package look absent to `import` and `importlib.util.find_spec`.
sys.modules["keras"] = sys.modules["keras_gan"] = None
import numpy as np
import tensorflow as tf
from absl import flags
from tensorflow.python.tools import saved_model_cli

root, = sys.argv[1:]
result = {}


def smcli(*argv):
    flags.FLAGS.unparse_flags()
    args = saved_model_cli.create_parser().parse_args(list(argv))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        args.func()
    return out.getvalue()


def error(fn, **feeds):
    # Tensors, as TF Serving feeds them (Python's binding would check numpy arrays'
    # shapes against the signature before the graph runs).
    try:
        fn(**{name: tf.constant(value) for name, value in feeds.items()})
    except tf.errors.InvalidArgumentError as e:
        return next(line.strip() for line in e.message.splitlines()
                    if "assertion failed" in line or "not compatible" in line)
    return "no error"


for kind in ("conditional", "infogan", "sr", "style"):
    folder = f"{root}/{kind}"
    model = f"{folder}/model"
    inputs = dict(np.load(f"{folder}/inputs.npz"))  # those of serving_default
    info = result[kind] = {}
    info["show"] = smcli("show", "--dir", model, "--all")
    smcli("run", "--dir", model, "--tag_set", "serve", "--signature_def", "serving_default",
          "--inputs", ";".join(f"{k}={folder}/inputs.npz[{k}]" for k in inputs),
          "--outdir", f"{folder}/cli", "--overwrite")
    loaded = tf.saved_model.load(model)
    info["signatures"] = list(loaded.signatures)
    serve = loaded.signatures["serving_default"]
    outputs = {k: v.numpy() for k, v in serve(**inputs).items()}
    np.savez(f"{folder}/loaded.npz", **outputs)
    info["dtypes"] = {k: v.dtype.name for k, v in outputs.items()}
    if kind in ("sr", "style"):
        images = inputs["images"]
        info["errors"] = [error(serve, images=images[..., :1]),
                          error(serve, images=images[0])]
        continue
    latent = inputs["latent"]
    width = latent.shape[1]
    wider = np.zeros((2, width + 1), "float32")
    extra = {"label": np.array([0, 1], "int32")} if "label" in inputs else {}
    info["errors"] = [error(serve, latent=wider, **extra),
                      error(serve, latent=latent[0], **({"label": inputs["label"][:1]}
                                                      if extra else {}))]
    generate = loaded.signatures["generate"]
    seed = {"seed": tf.constant(7, tf.int64), "count": tf.constant(3)}
    if extra:
        seed["label"] = tf.constant([2, 0, 1])
        info["errors"] += [error(serve, latent=latent, label=inputs["label"] + 3),
                           error(serve, latent=latent, label=inputs["label"][:2]),
                           error(generate, seed=seed["seed"], count=seed["count"],
                                 label=tf.constant([0, 3, 1])),
                           error(generate, seed=np.array([7], "int64"), count=seed["count"],
                                 label=seed["label"])]
    first, again = (generate(**seed)[k].numpy() for k in ("samples", "samples"))
    other = generate(**dict(seed, seed=tf.constant(8, tf.int64)))["samples"].numpy()
    info["generate"] = {"same": bool((first == again).all()),
                        "differs": bool((first != other).any()),
                        "keys": sorted(generate(**seed)), "shape": list(first.shape)}
    if extra:  # the documented latent of `generate`, fed to serving_default
        drawn = tf.random.stateless_normal((3, width), [7, 0], alg="philox")
        same = serve(latent=drawn, label=seed["label"])["samples"].numpy()
        info["generate"]["documented_latent"] = bool(np.abs(same - first).max() <= 1e-6)
    if kind == "infogan":
        codes = loaded.signatures["codes"]
        info["codes_inputs"] = sorted(codes.structured_input_signature[1])
        noise, cat, cont = latent[:, :2], np.load(f"{folder}/categorical.npy"), latent[:, -1:]
        made = codes(noise=noise, categorical=cat, continuous=cont)["samples"].numpy()
        info["codes_equal"] = bool(np.abs(made - outputs["samples"]).max() <= 1e-6)
        info["errors"] += [error(codes, noise=noise, categorical=cat + 2, continuous=cont),
                           error(codes, noise=noise, categorical=cat, continuous=cont[:2])]
result["keras_imported"] = [m for m, module in sys.modules.items()
                            if m.split(".")[0] in ("keras", "keras_gan") and module is not None]
print(json.dumps(result))
"""


@pytest.mark.slow
def test_served_signatures_as_tf_serving_reads_them(tmp_path):
    rng = np.random.default_rng(0)
    expected = {}

    def save(kind, export, inputs, outputs):
        folder = tmp_path / kind
        folder.mkdir()
        export(str(folder / "model"))
        np.savez(folder / "inputs.npz", **inputs)
        expected[kind] = outputs

    # A conditional generator (classes from its Embedding layer).
    generator = _conditional_generator()
    latent = rng.standard_normal((4, 3)).astype("float32")
    label = np.array([0, 2, 1, 2], "int32")
    save("conditional", lambda d: export_generator(generator, d),
         {"latent": latent, "label": label}, _numpy(generator([latent, label])))
    # InfoGAN: noise 2, one categorical code of 3 values, one continuous code.
    keras.utils.set_random_seed(6)
    info = keras_gan.InfoGAN(keras_gan.networks.mlp_generator(6, 2, hidden_units=(8,)),
                             keras_gan.networks.mlp_discriminator(2, hidden_units=(8,)),
                             latent_dim=2, categorical_codes=(3,), continuous_codes=1)
    categorical = np.array([[0], [2], [1], [1]], "int32")
    latent = info.latents(4, seed=1, categorical=categorical)
    save("infogan", info.export, {"latent": latent}, info.generate_from(latent))
    np.save(tmp_path / "infogan" / "categorical.npy", categorical)
    # An SR generator through SuperResolutionGAN.export (lr (0, 1) -> hr (-1, 1)).
    sr = keras_gan.models.SuperResolutionGAN(_image_model(2), scale=2)
    images = rng.integers(0, 256, (2, 5, 7, 3), dtype=np.uint8)
    save("sr", sr.export, {"images": images},
         _numpy(sr.generator(images.astype("float32") / 255.0)))
    # The fast style transfer network, exported as FastStyleTransfer.export does
    # (image_range (0, 1) in and out).
    transformer = _image_model(1)
    images = rng.integers(0, 256, (2, 12, 8, 3), dtype=np.uint8)
    save("style", lambda d: export_image_model(transformer, d, input_range=(0, 1),
                                               output_range=(0, 1)),
         {"images": images}, _numpy(transformer(images.astype("float32") / 255.0)))

    child = run_python(CHILD.replace("root, = sys.argv[1:]", f"root = {str(tmp_path)!r}"),
                       backend="tensorflow")
    assert_ok(child)
    result = json.loads(child.stdout.strip().splitlines()[-1])
    assert result.pop("keras_imported") == []
    for kind, info in result.items():
        raw_name = "samples" if kind in ("conditional", "infogan") else "outputs"
        for source in ("loaded", "cli"):
            got = (np.load(tmp_path / kind / "loaded.npz")[raw_name] if source == "loaded"
                   else np.load(tmp_path / kind / "cli" / f"{raw_name}.npy"))
            np.testing.assert_allclose(got, expected[kind], rtol=1e-5, atol=1e-5,
                                       err_msg=f"{kind} {source}")
        if kind != "infogan":  # its tiny generator makes points, not images
            assert info["dtypes"]["images"] == "uint8", (kind, info["dtypes"])
        assert "signature_def['serving_default']:" in info["show"]
        assert "Method name is: tensorflow/serving/predict" in info["show"]

    conditional = result["conditional"]
    assert sorted(conditional["signatures"]) == ["generate", "serving_default"]
    for line in ("signature_def['generate']:", "inputs['seed'] tensor_info:",
                 "dtype: DT_INT64", "inputs['count'] tensor_info:", "inputs['label']",
                 "dtype: DT_INT32", "shape: (-1, 3)", "outputs['images'] tensor_info:",
                 "dtype: DT_UINT8", "shape: (-1, 8, 8, 1)"):
        assert line in conditional["show"], line
    assert conditional["errors"] == [
        "assertion failed: [serving_default: latent must be float32 [batch, 3]; received "
        "shape] [2 4]",
        "assertion failed: [serving_default: latent must be float32 [batch, 3]; received "
        "shape] [3]",
        "assertion failed: [serving_default: label must be in [0, 3) (the generator has 3 "
        "classes); received] [3 5 4 5]",
        "assertion failed: [serving_default: label needs one value per latent row; "
        "received latent and label sizes] [4 2]",
        "assertion failed: [generate: label must be in [0, 3) (the generator has 3 "
        "classes); received] [0 3 1]",
        "Shape of tensor seed [1] is not compatible with expected shape []."]
    assert conditional["generate"] == {"same": True, "differs": True, "documented_latent": True,
                                       "keys": ["images", "samples"], "shape": [3, 8, 8, 1]}

    infogan = result["infogan"]
    assert sorted(infogan["signatures"]) == ["codes", "generate", "serving_default"]
    assert infogan["codes_inputs"] == ["categorical", "continuous", "noise"]
    assert infogan["codes_equal"] is True
    assert infogan["generate"]["same"] and infogan["generate"]["differs"]
    assert infogan["errors"][0].endswith("latent must be float32 [batch, 6]; received "
                                         "shape] [2 7]")
    assert infogan["errors"][2] == (
        "assertion failed: [codes: categorical code i must be in [0, size_i), sizes [3]; "
        "received] [[2][4][3][3]]")
    assert infogan["errors"][3] == (
        "assertion failed: [codes: noise, categorical, continuous need the same batch "
        "size; received] [4 4 2]")

    message = ("assertion failed: [serving_default: images must be uint8 [batch, height, "
               "width, 3] (this model takes 3-channel images); received shape]")
    for kind, size in (("sr", "5 7"), ("style", "12 8")):
        info = result[kind]
        assert sorted(info["signatures"]) == ["raw", "serving_default"], info["signatures"]
        assert "inputs['images'] tensor_info:" in info["show"]
        assert "shape: (-1, -1, -1, 3)" in info["show"]
        assert info["errors"] == [f"{message} [2 {size} 1]", f"{message} [{size} 3]"]


# ------------------------------------------------------------------ JAX: CPU and CUDA
@pytest.mark.skipif(BACKEND != "jax", reason="only JAX exports go through jax2tf's "
                                             "XlaCallModule, lowered per platform")
def test_jax_export_is_lowered_for_cpu_and_cuda(tmp_path):
    from tensorflow.core.protobuf import saved_model_pb2

    export_generator(tiny_model(compile=False).generator, tmp_path / "m")
    saved = saved_model_pb2.SavedModel()
    saved.ParseFromString((tmp_path / "m" / "saved_model.pb").read_bytes())
    graph = saved.meta_graphs[0].graph_def
    nodes = [n for f in graph.library.function for n in f.node_def] + list(graph.node)
    platforms = {tuple(n.attr["platforms"].list.s) for n in nodes if n.op == "XlaCallModule"}
    assert platforms == {(b"CPU", b"CUDA")}, platforms
