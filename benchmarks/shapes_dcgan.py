"""How recognisable are the samples of the shapes main job?

    KERAS_BACKEND=jax keras-gan train dcgan --out runs/dcgan
    KERAS_BACKEND=jax python benchmarks/shapes_dcgan.py runs/dcgan/model.keras

A small CNN is trained (seeded) on 10,000 real shapes, checked on 2,000 held-out ones, and
then reads `--n` generated samples: the table gives the fraction it calls a shape with
confidence above `--confidence`, and how those split over circle / square / triangle,
beside the same figures on real shapes. Written to `benchmarks/results/shapes_dcgan.md`.

This is a benchmark, not a test; nothing asserts a score.
"""

import argparse
import json
import os
import platform
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))


def shape_classifier(image_size, seed, epochs):
    import keras

    from keras_gan import datasets

    keras.utils.set_random_seed(seed)
    images, labels = datasets.shapes(10_000, image_size, seed=seed + 1)
    inputs = keras.Input((image_size, image_size, 3))
    x = inputs
    for filters in (16, 32, 64):
        x = keras.layers.Conv2D(filters, 3, strides=2, padding="same", activation="relu")(x)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(3, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(images, labels, batch_size=64, epochs=epochs, verbose=0)
    return model


def read(classifier, images, confidence):
    p = np.asarray(classifier.predict(images, batch_size=250, verbose=0))
    sure = p.max(axis=1) > confidence
    return float(sure.mean()), [int((sure & (p.argmax(axis=1) == c)).sum()) for c in range(3)], p


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a model.keras written by `keras-gan train dcgan`")
    parser.add_argument("--n", type=int, default=1000, help="generated samples to read")
    parser.add_argument("--confidence", type=float, default=0.9)
    parser.add_argument("--epochs", type=int, default=6, help="classifier training epochs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=os.path.join(HERE, "results", "shapes_dcgan.md"))
    args = parser.parse_args(argv)

    import keras

    import keras_gan  # noqa: F401  (registers the model classes)
    from keras_gan import datasets

    model = keras.models.load_model(args.model)
    size = model.generator.output_shape[1]
    start = time.perf_counter()
    classifier = shape_classifier(size, args.seed, args.epochs)
    train_seconds = time.perf_counter() - start
    real, labels = datasets.shapes(2000, size, seed=args.seed + 2)
    real_rate, real_hist, p = read(classifier, real, args.confidence)
    accuracy = float((p.argmax(axis=1) == labels).mean())
    fake = np.asarray(keras.ops.convert_to_numpy(model.generate(args.n, seed=args.seed + 3)))
    fake_rate, fake_hist, _ = read(classifier, fake, args.confidence)

    run_file = os.path.join(os.path.dirname(os.path.abspath(args.model)), "run.json")
    run = ""
    if os.path.exists(run_file):
        with open(run_file) as f:
            info = json.load(f)
        run = (f" (`keras-gan train {info['model']}` on {info['data']}, {info['epochs']} epochs, "
               f"{info['backend']}, seed {info['seed']}, {info['train_seconds']:.0f} s)")
    rows = [("real shapes (2,000)", real_rate, real_hist),
            (f"generated ({args.n:,})", fake_rate, fake_hist)]
    lines = [
        "# Shapes main job: recognisable samples",
        "",
        f"Model `{args.model}`{run}; classifier: 3 strided convolutions, trained {args.epochs} "
        f"epochs on 10,000 real shapes in {train_seconds:.0f} s, held-out accuracy "
        f"{accuracy:.1%}. Backend {keras.backend.backend()}, {platform.processor() or 'cpu'}.",
        "",
        f"| images | confidence > {args.confidence} | circles | squares | triangles |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {name} | {rate:.1%} | {h[0]} | {h[1]} | {h[2]} |" for name, rate, h in rows]
    table = "\n".join(lines) + "\n"
    print(table)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(table)
    print(json.dumps(dict(real=real_rate, generated=fake_rate, accuracy=accuracy)))


if __name__ == "__main__":
    main()
