"""The style-transfer workload of `benchmarks/throughput.py`: one iteration of the neural
style transfer of Gatys, Ecker & Bethge 2016 ("Image Style Transfer Using Convolutional
Neural Networks", CVPR) as `keras_gan.models.StyleTransfer` runs it, at `size x size`
pixels.

One iteration = one update of the image: VGG19 (caffe preprocessing, cut after
block5_conv1) forward on the image, the content loss at block4_conv2, the Gram matrices
of the five style layers (block1_conv1 ... block5_conv1, after their ReLU), the total
variation, the gradient with respect to the image only, one Adam(10.0) update and the
clipping of the image to [0, 255]. The hand-written references of the same iteration
are `tf_style.py`, `torch_style.py` and `jax_style.py` (`style_transfer(size, seed)`),
checked against the library by `check_style.py`.

Backend-independent helpers for the harness (Keras is imported only inside the
functions, under the process's `KERAS_BACKEND`):

- `images(size, seed)`: the content and style images, uint8, drawn with numpy (the same
  draw as the references make);
- `library_model(size)`: the compiled library model on those images, random VGG19
  weights (`weights=None`: no download; the work per iteration does not depend on the
  weights);
- running S iterations of it: `model.fit(epochs=E, steps_per_epoch=S, verbose=0,
  callbacks=[...])` runs `E * S` iterations; `fit` takes no data (the model feeds itself
  a dummy batch). Time an epoch from `on_epoch_begin` to `sync(model)` in
  `on_epoch_end` (under JAX, `fit` writes the state back into the variables before
  `on_epoch_end`, so the image read there is the last one);
- `sync(model)`: reads the image to the host, which waits for every queued update;
- the references: `tf_style.style_transfer(size, seed, jit_compile=model.jit_compile)`
  (`compile`'s default `jit_compile="auto"` resolves to False for this model under
  TensorFlow on a CPU, True under JAX, False under torch), `torch_style.style_transfer(
  size, seed)` (CUDA when torch sees it) and `jax_style.style_transfer(size, seed)`;
  each has `param_counts == (trainable_count(model),)`, `run(steps)` and `sync()`;
- `step_flops(size, model)`: floating point operations of one iteration;
- `vgg_weights(model)`: the library's VGG19 kernels and biases, to load into a
  reference (`vgg_weights=` argument of the references) for `check_style.py`.
"""

import math

import numpy as np

__all__ = ["CONTENT_LAYER", "CONTENT_WEIGHT", "IMAGENET_MEAN_BGR", "LEARNING_RATE", "SIZE",
           "STYLE_LAYERS", "STYLE_WEIGHT", "TV_WEIGHT", "images", "library_model", "sync",
           "step_flops", "trainable_count", "vgg19_plan", "vgg_weights"]

SIZE = 512  # image side of the workload (pixels)

# the library's StyleTransfer defaults, which every reference loop uses
CONTENT_LAYER = "block4_conv2"
STYLE_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1",
                "block5_conv1")
IMAGENET_MEAN_BGR = (103.939, 116.779, 123.68)
CONTENT_WEIGHT, STYLE_WEIGHT, TV_WEIGHT = 5.0, 0.5, 5e-4
LEARNING_RATE = 10.0
_VGG19_BLOCKS = ((2, 64), (2, 128), (4, 256), (4, 512), (4, 512))


def vgg19_plan(last="block5_conv1"):
    """`[(name, in, out) or (name, None, None) for a pool]` of VGG19 up to `last`."""
    plan, channels = [], 3
    for block, (convs, width) in enumerate(_VGG19_BLOCKS, start=1):
        for i in range(1, convs + 1):
            plan.append((f"block{block}_conv{i}", channels, width))
            channels = width
            if plan[-1][0] == last:
                return plan
        plan.append((f"block{block}_pool", None, None))
        if plan[-1][0] == last:
            return plan
    raise ValueError(f"unknown VGG19 layer {last!r}")


def images(size=SIZE, seed=0):
    """`(content, style)`: two `(size, size, 3)` uint8 images of uniform random pixels,
    drawn in that order from `numpy.random.default_rng(seed)`."""
    size = int(size)
    rng = np.random.default_rng(seed)
    content = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
    style = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
    return content, style


def library_model(size=SIZE, seed=0, **compile_kwargs):
    """The compiled `keras_gan.models.StyleTransfer` of the workload: content and style
    images of `images(size, seed)`, VGG19 with random weights (`weights=None`, drawn
    after `keras.utils.set_random_seed(seed)`), the library's defaults for everything
    else (content layer block4_conv2, the five style layers, content 5, style 0.5, tv
    5e-4, per-layer style weights (64 / N_l)^2 / 5, init from the content image,
    `Adam(10.0)`). `compile_kwargs` go to `compile` (e.g. `jit_compile`)."""
    import keras

    from keras_gan.models import StyleTransfer

    content, style = images(size, seed)
    keras.utils.set_random_seed(int(seed))
    model = StyleTransfer(content, style, weights=None)
    model.compile(**compile_kwargs)
    return model


def sync(model):
    """Blocks until the model's queued updates are done: a host copy of the image."""
    import keras

    return keras.ops.convert_to_numpy(model.image_variable.value)


def trainable_count(model):
    """Trainable values of the model: the image's `H * W * 3`."""
    return int(sum(math.prod(v.shape) for v in model.trainable_variables))


def vgg_weights(model):
    """The library's VGG19 convolutions up to the deepest layer used, in network order:
    a list of `(kernel (3, 3, in, out), bias (out,))` float32 numpy pairs."""
    import keras

    return [tuple(np.asarray(w, dtype="float32") for w in layer.get_weights())
            for layer in model.extractor.network.layers
            if isinstance(layer, keras.layers.Conv2D)]


def step_flops(size, model):
    """Floating point operations of one iteration at `size x size` pixels.

    Counted (2 per multiply-add; pooling, ReLU, the preprocessing, the losses'
    elementwise terms, Adam and the clipping are left out, well under 1%):

    - the VGG19 convolutions up to the deepest layer used (block5_conv1: 13 of the 16),
      forward: `2 * h * w * 9 * C_in * C_out` each;
    - their backward pass **to the input only**: the gradient with respect to a
      convolution's input is a transposed convolution with the same multiply-adds as the
      forward one, so the backward pass counts 1 forward, not the usual 2 (input +
      weight gradients): VGG19 is frozen and the only variable differentiated is the
      image, so no framework computes the weight gradients (JAX differentiates only
      the image; torch's frozen weights have `requires_grad=False`; TensorFlow prunes
      the unused filter gradients from the `tf.function` graph). The block1_conv1
      input gradient is counted: it is the gradient with respect to the image;
    - the Gram matrices of the five style layers, `G = F^T F` with `F` the `(M, N)`
      feature matrix: `2 M N^2` forward and `2 * 2 M N^2` backward (one product per
      operand of the einsum, as autodiff computes it). The style image's Gram matrices
      are computed once, at construction, and not counted.

    Args:
        size: side of the square image.
        model: the library model (`library_model(size)`): its VGG19 layers and style
            layers are read.

    Returns:
        The FLOPs of one iteration (an int).
    """
    import keras

    side = int(size)
    height, width = side, side
    shape = tuple(model.image_variable.shape)
    if shape[1:3] != (height, width):
        raise ValueError(f"the model's image is {shape[1]}x{shape[2]}; size is {side}.")
    conv_forward, gram_forward = 0, 0
    style_layers = set(model.style_layers)
    for layer in model.extractor.network.layers:
        if isinstance(layer, keras.layers.MaxPooling2D):
            height, width = height // 2, width // 2
        elif isinstance(layer, keras.layers.Conv2D):
            k_h, k_w, c_in, c_out = layer.kernel.shape
            conv_forward += 2 * height * width * k_h * k_w * c_in * c_out
            if layer.name in style_layers:
                gram_forward += 2 * height * width * c_out * c_out
    return 2 * conv_forward + 3 * gram_forward
