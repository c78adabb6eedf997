"""Client side of TF Serving's REST API for the models that `keras_gan.export` writes.

TF Serving reads a SavedModel from `MODEL_BASE/NAME/VERSION/` (for example
`models/dcgan/1/saved_model.pb`) and answers `POST /v1/models/NAME[/versions/V]:predict`
with a JSON body in one of two formats:

- columnar: `{"signature_name": ..., "inputs": {"latent": [[...], ...], "label": [...]}}`
  (one value per input, each with the batch first, or a scalar such as the `seed` and
  `count` of the `generate` signature); the reply is `{"outputs": ...}`;
- row: `{"signature_name": ..., "instances": [{"latent": [...], "label": 3}, ...]}`
  (one object per example; a single-input signature may list the bare values); the reply
  is `{"predictions": [...]}`.

JSON numbers carry no dtype: the server casts each value to the dtype of the signature's
input (float32 `latent`, int32 `label`, uint8 `images`). Float32 values are written with
enough digits to come back bit for bit. JSON has no NaN or infinity, so non-finite values
are refused here rather than sent.

    body = predict_request({"latent": z, "label": labels})
    requests.post(predict_url("dcgan"), json=body)   # or any HTTP client
    samples = parse_predict_response(reply.json())["images"]
"""

import json

import numpy as np

__all__ = ["parse_predict_response", "predict_request", "predict_url"]

FORMATS = ("columnar", "row")


def predict_url(model_name, host="localhost", port=8501, version=None):
    """The REST `:predict` address of `model_name` (TF Serving's default REST port 8501);
    `version` picks one version instead of the newest."""
    if not isinstance(model_name, str) or not model_name or "/" in model_name:
        raise ValueError(f"model_name must be a non-empty name without '/'; received "
                         f"{model_name!r}.")
    path = f"/v1/models/{model_name}"
    if version is not None:
        if isinstance(version, bool) or not isinstance(version, int) or version < 0:
            raise ValueError(f"version must be a non-negative integer; received {version!r}.")
        path += f"/versions/{version}"
    return f"http://{host}:{int(port)}{path}:predict"


def _checked_array(name, value, format):
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise ValueError(f"input {name!r} must be numeric (bool, integer or float); received "
                         f"dtype {array.dtype}.")
    if array.ndim == 0:
        if format == "row":
            raise ValueError(f"input {name!r} is a scalar, which the row format cannot carry "
                             "(every input needs the batch dimension first); use "
                             "format='columnar'.")
        if array.dtype.kind == "f" and not np.isfinite(array):
            raise ValueError(f"input {name!r} is NaN or infinite, which JSON cannot carry.")
        return array
    if len(array) == 0:
        raise ValueError(f"input {name!r} is an empty batch.")
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise ValueError(f"input {name!r} holds NaN or infinite values, which JSON cannot "
                         "carry.")
    return array


def predict_request(inputs, signature_name="serving_default", format="columnar"):
    """The JSON body (a dict, ready for `json.dumps`) of a TF Serving REST `:predict`
    request.

    Args:
        inputs: `{input name: array}` (names as in the signature, e.g. `latent`, `label`,
            `images`), or one array for a signature with a single input. Every array has
            the batch first, except the scalar inputs of a signature such as
            `generate` (`{"seed": 7, "count": 16}`), which the columnar format carries.
        signature_name: the SavedModel signature (`serving_default` unless another).
        format: `"columnar"` (`inputs`) or `"row"` (`instances`, which needs the same batch
            size for every input).
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}; received {format!r}.")
    if not isinstance(signature_name, str) or not signature_name:
        raise ValueError(f"signature_name must be a non-empty string; received "
                         f"{signature_name!r}.")
    if isinstance(inputs, dict):
        if not inputs:
            raise ValueError("inputs is an empty dict; name at least one input.")
        for name in inputs:
            if not isinstance(name, str) or not name:
                raise ValueError(f"input names must be non-empty strings; received {name!r}.")
        arrays = {name: _checked_array(name, value, format)
                  for name, value in inputs.items()}
    else:
        arrays = {None: _checked_array("inputs", inputs, format)}
    body = {"signature_name": signature_name}
    if format == "columnar":
        if None in arrays:
            body["inputs"] = arrays[None].tolist()
        else:
            body["inputs"] = {name: array.tolist() for name, array in arrays.items()}
        return body
    sizes = {name: len(array) for name, array in arrays.items()}
    if len(set(sizes.values())) > 1:
        raise ValueError(f"the row format needs one batch size for every input; received "
                         f"{sizes}. Use format='columnar'.")
    if None in arrays:
        body["instances"] = arrays[None].tolist()
    else:
        lists = {name: array.tolist() for name, array in arrays.items()}
        count = next(iter(sizes.values()))
        body["instances"] = [{name: values[i] for name, values in lists.items()}
                             for i in range(count)]
    return body


def parse_predict_response(response):
    """Numpy arrays from a `:predict` reply (a dict, or its JSON text or bytes).

    Returns `{output name: array}` for a signature with named outputs, or one array. A
    reply holding TF Serving's `error` raises a RuntimeError with its message.
    """
    if isinstance(response, (bytes, bytearray)):
        response = response.decode("utf-8")
    if isinstance(response, str):
        try:
            response = json.loads(response)
        except json.JSONDecodeError as e:
            raise ValueError(f"the reply is not JSON: {e}") from None
    if not isinstance(response, dict):
        raise ValueError(f"the reply must be a JSON object; received {type(response).__name__}.")
    if "error" in response:
        raise RuntimeError(f"TF Serving answered with an error: {response['error']}")
    if "outputs" in response:
        outputs = response["outputs"]
        if isinstance(outputs, dict):
            return {name: np.asarray(value) for name, value in outputs.items()}
        return np.asarray(outputs)
    if "predictions" in response:
        rows = response["predictions"]
        if rows and all(isinstance(row, dict) for row in rows):
            return {name: np.asarray([row[name] for row in rows]) for name in rows[0]}
        return np.asarray(rows)
    raise ValueError(f"the reply has neither 'outputs' nor 'predictions'; its keys are "
                     f"{sorted(response)}.")
