"""The TF Serving REST client helpers (keras_gan.serving): request bodies, replies, URLs.

That a body drives an exported model is checked in tests/test_export.py, which feeds it
to the SavedModel the way TF Serving does (each value cast to the signature's dtype).
"""

import json

import numpy as np
import pytest

from keras_gan import serving


def test_columnar_and_row_bodies_round_trip_float32_exactly():
    rng = np.random.default_rng(0)
    latent = rng.standard_normal((3, 4)).astype("float32")
    labels = np.array([0, 2, 1], "int32")
    body = json.loads(json.dumps(serving.predict_request({"latent": latent, "label": labels})))
    assert body["signature_name"] == "serving_default"
    assert sorted(body["inputs"]) == ["label", "latent"]
    back = np.asarray(body["inputs"]["latent"], "float32")
    np.testing.assert_array_equal(back, latent)  # bit for bit
    assert body["inputs"]["label"] == [0, 2, 1]

    rows = json.loads(json.dumps(serving.predict_request(
        {"latent": latent, "label": labels}, format="row", signature_name="generate")))
    assert rows["signature_name"] == "generate" and len(rows["instances"]) == 3
    assert rows["instances"][1]["label"] == 2
    np.testing.assert_array_equal(np.asarray(rows["instances"][2]["latent"], "float32"),
                                  latent[2])
    # One unnamed input: the bare values.
    images = rng.integers(0, 256, (2, 3, 3, 1), dtype=np.uint8)
    assert serving.predict_request(images)["inputs"] == images.tolist()
    assert serving.predict_request(images, format="row")["instances"] == images.tolist()
    # Scalars (the seed and count of the `generate` signature) in the columnar format.
    body = json.loads(json.dumps(serving.predict_request(
        {"seed": np.int64(7), "count": 16, "label": labels}, signature_name="generate")))
    assert body == {"signature_name": "generate",
                    "inputs": {"seed": 7, "count": 16, "label": [0, 2, 1]}}


@pytest.mark.parametrize("inputs,kwargs,message", [
    ({"latent": np.array([[np.nan, 0.0]])}, {}, "'latent' holds NaN or infinite values"),
    ({"latent": np.array([[np.inf, 0.0]], "float32")}, {}, "NaN or infinite"),
    ({"latent": np.array(["a", "b"])}, {}, "'latent' must be numeric"),
    ({"seed": 7, "count": 4}, {"format": "row"}, "'seed' is a scalar, which the row format"),
    ({"seed": float("nan")}, {}, "'seed' is NaN or infinite"),
    ({"latent": np.zeros((0, 2))}, {}, "'latent' is an empty batch"),
    ({}, {}, "inputs is an empty dict"),
    ({"": np.zeros((1, 2))}, {}, "input names must be non-empty strings"),
    ({"latent": np.zeros((2, 2)), "label": np.zeros(3)}, {"format": "row"},
     r"one batch size for every input; received \{'latent': 2, 'label': 3\}"),
    (np.zeros((1, 2)), {"format": "rows"}, "format must be one of columnar, row"),
    (np.zeros((1, 2)), {"signature_name": ""}, "signature_name must be a non-empty string"),
])
def test_bad_requests_are_refused_with_the_reason(inputs, kwargs, message):
    with pytest.raises(ValueError, match=message):
        serving.predict_request(inputs, **kwargs)


def test_replies_of_both_formats_become_arrays():
    columnar = {"outputs": {"samples": [[0.5, -1.0], [1.0, 0.0]], "images": [[[[255]]], [[[0]]]]}}
    out = serving.parse_predict_response(json.dumps(columnar).encode())
    assert sorted(out) == ["images", "samples"]
    np.testing.assert_array_equal(out["samples"], [[0.5, -1.0], [1.0, 0.0]])
    assert out["images"].shape == (2, 1, 1, 1)
    rows = {"predictions": [{"samples": [0.5, -1.0], "images": [[[255]]]},
                            {"samples": [1.0, 0.0], "images": [[[0]]]}]}
    again = serving.parse_predict_response(rows)
    np.testing.assert_array_equal(again["samples"], out["samples"])
    np.testing.assert_array_equal(again["images"], out["images"])
    np.testing.assert_array_equal(serving.parse_predict_response({"predictions": [[1, 2]]}),
                                  [[1, 2]])
    np.testing.assert_array_equal(serving.parse_predict_response('{"outputs": [3]}'), [3])
    with pytest.raises(RuntimeError, match="TF Serving answered with an error: Expects arg"):
        serving.parse_predict_response({"error": "Expects arg[0] to be float but int is provided"})
    with pytest.raises(ValueError, match="neither 'outputs' nor 'predictions'"):
        serving.parse_predict_response({"result": 1})
    with pytest.raises(ValueError, match="not JSON"):
        serving.parse_predict_response("<html>502 Bad Gateway</html>")
    with pytest.raises(ValueError, match="must be a JSON object"):
        serving.parse_predict_response("[1, 2]")


def test_predict_url():
    assert serving.predict_url("dcgan") == "http://localhost:8501/v1/models/dcgan:predict"
    assert (serving.predict_url("sr", host="gpu-box", port=9000, version=3)
            == "http://gpu-box:9000/v1/models/sr/versions/3:predict")
    with pytest.raises(ValueError, match="model_name must be a non-empty name"):
        serving.predict_url("a/b")
    with pytest.raises(ValueError, match="version must be a non-negative integer"):
        serving.predict_url("dcgan", version="latest")
