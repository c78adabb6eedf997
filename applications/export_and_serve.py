"""Export a trained generator for TF Serving and answer a REST predict request with it.

    python applications/export_and_serve.py runs/dcgan/model.keras --export-dir served \
        -n 16 --seed 0 --output served_samples.png --bodies served/bodies

Reads a `.keras` file (a keras_gan model saved with `model.save`, as the train_*.py
applications and `keras-gan train` write it, or a bare generator network), then:

1. exports the generator with `keras_gan.export_generator` into
   `EXPORT_DIR/NAME/VERSION/`, the layout TF Serving reads (`--model_base_path`); a
   conditional model's number of classes and an InfoGAN's codes are passed on, which
   adds the label input or the `codes` signature (see `keras_gan.export`);
2. builds the JSON body of a TF Serving REST `:predict` request with
   `keras_gan.serving.predict_request` (columnar `inputs` or row `instances`) for the
   chosen signature: `serving_default` (latent vectors, from `model.latents(n, seed)`),
   `generate` (a seed and a count; the latents are drawn inside the served graph) or,
   for InfoGAN, `codes` (noise, categorical and continuous codes apart);
3. answers it the way TF Serving does, without a server: the SavedModel is loaded with
   `tf.saved_model.load` (no Keras, no keras_gan needed), every JSON value is cast to
   the dtype of the signature's input, the signature is called, and the reply is the
   JSON object TF Serving sends back (`outputs` or `predictions`);
4. reads the reply with `keras_gan.serving.parse_predict_response`, prints the shapes
   of the request and the reply, checks the served samples against the model's own
   `generate_from` for the same latents (not for `generate`, whose latents come from
   TensorFlow's stateless generator), and writes the served uint8 `images` as a PNG grid.

To serve the same directory for real:

    docker run -p 8501:8501 -v "$PWD/served:/models" -e MODEL_NAME=dcgan tensorflow/serving
    curl -d @served/bodies/request.json http://localhost:8501/v1/models/dcgan:predict
"""

import argparse
import json
import os
import sys
import zipfile

import numpy as np

# keras_gan before keras: it keeps TensorFlow's C++ INFO notes off stderr (unless
# TF_CPP_MIN_LOG_LEVEL is set), which must happen before TensorFlow is imported.
import keras_gan
from keras_gan import cli, serving, visualize

import keras  # noqa: I001  (after keras_gan, see above)

SIGNATURES = ("serving_default", "generate", "codes")


def load_model(path):
    """The keras_gan model or bare generator saved in `path` (a `.keras` file)."""
    if not os.path.isfile(path):
        raise cli.CLIError(f"model file not found: {path}")
    if not zipfile.is_zipfile(path):
        raise cli.CLIError(f"not a .keras model file (corrupt or wrong format): {path}")
    try:
        return keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as e:  # a damaged archive fails in many ways inside Keras
        raise cli.CLIError(f"cannot load model file {path}: {e}") from e


def _embedding_classes(model):
    """The input size of the one Embedding layer in `model` (nested models included)."""
    sizes, stack = [], list(model.layers)
    while stack:
        layer = stack.pop()
        if isinstance(layer, keras.layers.Embedding):
            sizes.append(layer.input_dim)
        stack.extend(getattr(layer, "layers", []))
    return sizes[0] if len(sizes) == 1 else None


class Served:
    """What the export needs to know about the loaded model, and its reference samples."""

    def __init__(self, loaded, num_classes=None):
        self.model = loaded if hasattr(loaded, "generate_from") else None
        self.generator = loaded.sampling_generator() if self.model else loaded
        if not isinstance(self.generator, keras.Model):
            raise cli.CLIError(f"the file holds a {type(loaded).__name__}, not a generator")
        self.conditional = len(self.generator.inputs) == 2
        self.info_codes = None
        if self.model is not None:
            self.latent_dim = self.model.generator_input_dim
            self.num_classes = getattr(self.model, "num_classes", None)
            if isinstance(self.model, keras_gan.InfoGAN):
                self.info_codes = (self.model.categorical_codes, self.model.continuous_codes)
        else:
            self.latent_dim = int(self.generator.inputs[0].shape[-1])
            self.num_classes = (num_classes or _embedding_classes(self.generator)
                                if self.conditional else None)
            if self.conditional and self.num_classes is None:
                raise cli.CLIError("the generator takes a label: give --num-classes")
        if not self.conditional:
            self.num_classes = None

    def latents(self, n, seed):
        """`model.latents(n, seed)`, or standard normal vectors for a bare generator."""
        if self.model is not None:
            return np.asarray(self.model.latents(n, seed=seed), "float32")
        rng = np.random.default_rng(seed)
        return rng.standard_normal((n, self.latent_dim)).astype("float32")

    def generate_from(self, latent, labels):
        if self.model is not None:
            kwargs = {"labels": labels} if self.conditional else {}
            return np.asarray(self.model.generate_from(latent, **kwargs))
        inputs = [latent, labels] if self.conditional else latent
        return keras.ops.convert_to_numpy(self.generator(inputs, training=False))

    def code_inputs(self, latent):
        """An InfoGAN latent `[noise | one-hot codes | continuous]` taken apart into the
        inputs of the `codes` signature."""
        categorical, continuous = self.info_codes
        noise_dim = self.latent_dim - sum(categorical) - continuous
        inputs = {"noise": latent[:, :noise_dim]}
        start, columns = noise_dim, []
        for k in categorical:
            columns.append(np.argmax(latent[:, start:start + k], axis=-1))
            start += k
        if categorical:
            inputs["categorical"] = np.stack(columns, axis=-1).astype("int32")
        if continuous:
            inputs["continuous"] = latent[:, start:]
        return inputs


def answer_like_tf_serving(saved_model_dir, request_text):
    """The reply (JSON text) that TF Serving's REST API gives to the `:predict` request
    `request_text` for the SavedModel in `saved_model_dir`: the values of `inputs`
    (columnar) or `instances` (row) are cast to the dtypes of the signature's inputs, and
    the outputs come back as `{"outputs": ...}` or `{"predictions": [...]}`."""
    import tensorflow as tf

    loaded = tf.saved_model.load(saved_model_dir, tags=["serve"])
    body = json.loads(request_text)
    name = body.get("signature_name", "serving_default")
    if name not in loaded.signatures:
        raise cli.CLIError(f"the SavedModel has no signature {name!r}; it has "
                           f"{', '.join(sorted(loaded.signatures))}")
    function = loaded.signatures[name]
    _, specs = function.structured_input_signature
    columnar = "inputs" in body
    if columnar:
        values = body["inputs"]
        values = values if isinstance(values, dict) else {next(iter(specs)): values}
    else:
        rows = body["instances"]
        if rows and all(isinstance(row, dict) for row in rows):
            values = {key: [row[key] for row in rows] for key in rows[0]}
        else:
            values = {next(iter(specs)): rows}
    missing = sorted(set(specs) - set(values))
    if missing:
        raise cli.CLIError(f"the request lacks the inputs {missing} of signature {name!r}")
    feeds = {key: tf.constant(values[key], dtype=spec.dtype) for key, spec in specs.items()}
    outputs = {key: value.numpy() for key, value in sorted(function(**feeds).items())}
    if columnar:
        reply = {"outputs": ({key: value.tolist() for key, value in outputs.items()}
                             if len(outputs) > 1 else next(iter(outputs.values())).tolist())}
    else:
        count = len(next(iter(outputs.values())))
        reply = {"predictions": [{key: value[i].tolist() for key, value in outputs.items()}
                                 for i in range(count)]}
    return json.dumps(reply)


def _shapes(arrays):
    if isinstance(arrays, dict):
        return ", ".join(f"{key} {np.asarray(value).dtype}{list(np.shape(value))}"
                         for key, value in arrays.items())
    return f"{np.asarray(arrays).dtype}{list(np.shape(arrays))}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_file",
                        help=".keras file: a keras_gan model (model.save) or a bare generator")
    parser.add_argument("--export-dir", default="served",
                        help="model base path of TF Serving; the SavedModel is written into "
                             "EXPORT_DIR/NAME/VERSION")
    parser.add_argument("--name", default=None,
                        help="the served model's name (default: the model class, e.g. dcgan; "
                             "'generator' for a bare generator)")
    parser.add_argument("--version", type=int, default=1, help="the served model's version")
    parser.add_argument("--force", action="store_true",
                        help="replace an existing EXPORT_DIR/NAME/VERSION")
    parser.add_argument("--signature", choices=SIGNATURES, default="serving_default",
                        help="signature the request calls: serving_default (latent vectors), "
                             "generate (seed and count) or codes (InfoGAN only)")
    parser.add_argument("--format", choices=serving.FORMATS, default="columnar",
                        help="body of the request: columnar ('inputs') or row ('instances')")
    parser.add_argument("-n", "--count", type=int, default=16, help="samples to request")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the latent vectors (model.latents(n, seed)), or the "
                             "seed input of the generate signature")
    parser.add_argument("--label", type=int, default=None,
                        help="class of every sample of a conditional model (default: "
                             "sample i gets class i %% num_classes)")
    parser.add_argument("--num-classes", type=int, default=None,
                        help="classes of a bare conditional generator (default: the input "
                             "size of its Embedding layer)")
    parser.add_argument("--output", default="served_samples.png",
                        help="PNG file of the served samples")
    parser.add_argument("--bodies", default=None,
                        help="also write the request and the reply as BODIES/request.json and "
                             "BODIES/response.json")
    args = parser.parse_args(argv)
    if args.count < 1:
        raise cli.CLIError("--count must be >= 1")
    if args.version < 0:
        raise cli.CLIError("--version must be >= 0")
    if not args.output.lower().endswith(".png"):
        raise cli.CLIError(f"--output must end in .png: {args.output}")

    served = Served(load_model(args.model_file), args.num_classes)
    name = args.name or (type(served.model).__name__.lower() if served.model else "generator")
    target = os.path.join(args.export_dir, name, str(args.version))
    if args.signature == "codes" and served.info_codes is None:
        raise cli.CLIError("--signature codes needs an InfoGAN model")
    labels = None
    if served.conditional:
        if args.label is not None and not 0 <= args.label < served.num_classes:
            raise cli.CLIError(f"--label must be in [0, {served.num_classes})")
        labels = (np.full(args.count, args.label, "int32") if args.label is not None
                  else (np.arange(args.count) % served.num_classes).astype("int32"))
    elif args.label is not None:
        raise cli.CLIError("--label applies to conditional models")

    # 1. The SavedModel, in TF Serving's MODEL_BASE/NAME/VERSION layout.
    try:
        keras_gan.export_generator(served.generator, target, num_classes=served.num_classes,
                                   info_codes=served.info_codes, overwrite=args.force)
    except FileExistsError as e:
        raise cli.CLIError(f"export directory exists and is not empty: {target} "
                           "(--force replaces it)") from e
    print(f"exported the generator to {target} (latent width {served.latent_dim}"
          + (f", {served.num_classes} classes" if served.conditional else "")
          + (f", InfoGAN codes {served.info_codes}" if served.info_codes else "") + ")")

    # 2. The request, as a client sends it to POST .../v1/models/NAME:predict.
    latent = served.latents(args.count, args.seed)
    if args.signature == "generate":
        inputs = {"seed": np.int64(args.seed), "count": np.int32(args.count)}
    elif args.signature == "codes":
        inputs = served.code_inputs(latent)
    else:
        inputs = {"latent": latent}
    if labels is not None:
        inputs["label"] = labels
    request = json.dumps(serving.predict_request(inputs, signature_name=args.signature,
                                                 format=args.format))
    print(f"POST {serving.predict_url(name, version=args.version)}")
    print(f"request ({args.format}, {len(request)} bytes): signature {args.signature}, "
          f"inputs {_shapes(inputs)}")

    # 3. The reply of TF Serving, computed from the SavedModel alone.
    reply = answer_like_tf_serving(target, request)
    outputs = serving.parse_predict_response(reply)
    if not isinstance(outputs, dict):
        outputs = {"samples": outputs}
    # JSON numbers carry no dtype: back to those of the signature's outputs.
    outputs = {key: value.astype("uint8" if key == "images" else "float32")
               for key, value in outputs.items()}
    print(f"response ({len(reply)} bytes): outputs {_shapes(outputs)}")
    if args.bodies:
        os.makedirs(args.bodies, exist_ok=True)
        for file, text in (("request.json", request), ("response.json", reply)):
            with open(os.path.join(args.bodies, file), "w") as f:
                f.write(text)

    # 4. The served samples against the model's own, and the picture.
    samples = outputs["samples"]
    print(f"served samples: range [{samples.min():.4f}, {samples.max():.4f}]")
    if args.signature == "generate":
        print("(the generate signature draws its latents in the served graph with "
              "TensorFlow's stateless generator: they are not model.latents(n, seed), so "
              "there is nothing to compare with)")
    else:
        expected = served.generate_from(latent, labels)
        print(f"served samples vs the model's generate_from on the same latents: "
              f"max |difference| {np.max(np.abs(samples - expected)):.2e}")
    folder = os.path.dirname(os.path.abspath(args.output))
    os.makedirs(folder, exist_ok=True)
    if "images" in outputs:
        images = outputs["images"]
        columns = served.num_classes if served.conditional and args.label is None else None
        visualize.image_grid(images, columns=columns).save(args.output)
    else:
        visualize.save_samples_png(samples, args.output)
    print(f"wrote the served samples to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(cli.run_script(main, prog="export_and_serve.py"))
