"""Fast (feed-forward) style transfer (Johnson, Alahi & Fei-Fei 2016, "Perceptual Losses
for Real-Time Style Transfer and Super-Resolution"): an image transformation network is
trained on content photos with VGG feature and Gram-matrix losses, then stylises any
image in one forward pass."""

import numpy as np

import keras
from keras import ops

from keras_gan import backend
from keras_gan.losses import perceptual
from keras_gan.models.base import _non_negative, float32_outputs
from keras_gan.models import loss_scaling
from keras_gan.models.style_transfer import (
    _built_optimizer,
    _check_image,
    _check_size,
    _min_side,
)
from keras_gan.networks.transformer import OUTPUTS, transformer_net

__all__ = ["FastStyleTransfer"]

# The paper's VGG-16 layers, at the same place in VGG-19 (see the class doc).
DEFAULT_CONTENT_LAYERS = ("block2_conv2",)
DEFAULT_STYLE_LAYERS = ("block1_conv2", "block2_conv2", "block3_conv3", "block4_conv3")
DEFAULT_LEARNING_RATE = 1e-3
_CONTENT = "FastStyleTransfer trains on content images, which"


def _check_transformer(transformer):
    shapes = []
    for attr in ("input_shape", "output_shape"):
        try:
            shapes.append(getattr(transformer, attr))
        except (AttributeError, ValueError, TypeError):
            shapes.append(None)
    if not all(isinstance(s, tuple) and len(s) == 4 and s[-1] == 3 for s in shapes):
        raise ValueError(
            "transformer must be a Keras model from RGB images (None, height, width, 3) to "
            f"RGB images (e.g. keras_gan.networks.transformer_net()); received "
            f"{type(transformer).__name__} with input shape {shapes[0]} and output shape "
            f"{shapes[1]}.")
    return transformer


def _default_transformer(image_range):
    for output, value_range in OUTPUTS.items():
        if value_range == image_range:
            return transformer_net(output=output)
    raise ValueError(
        f"The default transformer makes images in [0, 1] (sigmoid) or [-1, 1] (tanh); for "
        f"image_range={image_range} pass a transformer whose output is in that range.")


@keras.saving.register_keras_serializable(package="keras_gan")
class FastStyleTransfer(keras.Model):
    """Feed-forward style transfer of Johnson, Alahi & Fei-Fei 2016, "Perceptual Losses
    for Real-Time Style Transfer and Super-Resolution" (ECCV).

    An image transformation network (`transformer`, by default
    `keras_gan.networks.transformer_net()`: the paper's residual network with instance
    normalisation) learns to stylise photos after one style image. It is trained with
    `fit` on content images alone; for a batch `x` and its output `y = T(x)` the loss is

        content_weight * L_content + style_weight * L_style + tv_weight * L_tv

    - `L_content`, the feature reconstruction loss (paper, Sec. 3.2): the mean squared
      error between the VGG features of `y` and of `x` itself, summed over
      `content_layers`.
    - `L_style`, the style reconstruction loss (Sec. 3.2): the mean over the batch and
      the `C x C` entries of `(G(y) - G(s))^2`, weighted by `style_layer_weights` and
      summed over `style_layers`, where `G = F^T F / (C H W)` is the Gram matrix
      (`keras_gan.losses.gram_matrix`) of the layer's `(H W, C)` features divided by
      their size and `s` the style image (its Gram matrices use its own size, so it
      may differ from the training images'). The paper writes the squared Frobenius
      norm (the sum over the entries); the authors' code (jcjohnson/fast-neural-style,
      `StyleLoss` with `nn.MSECriterion`) takes the mean, which its weights are for.
    - `L_tv = keras_gan.losses.total_variation(y)`: summed squared differences of
      neighbouring pixels, per image, averaged over the batch.

    Every term is computed on the 0..255 pixel scale that VGG sees (caffe
    preprocessing, `keras_gan.losses.VGGFeatures`), whatever `image_range` is, so the
    weights do not depend on it. One frozen VGG19 (the union of the layers, cut after
    the deepest) serves both losses: the stylised batch goes through it once; the
    content targets come from the same layers run only up to the deepest content
    layer. The style image's Gram matrices are computed once, at construction, and
    kept as non-trainable variables (`style_targets`).

    **VGG layers.** The paper used VGG-16: content at relu2_2, style at relu1_2,
    relu2_2, relu3_3 and relu4_3. `keras.applications` VGG19 (the network of
    `keras_gan.losses`) has the same first two blocks and one more convolution in
    blocks 3 to 5; the defaults take the same positions, `block1_conv2`,
    `block2_conv2`, `block3_conv3`, `block4_conv3` (the Keras convolutions include
    their ReLU, so `block2_conv2` is relu2_2). `block3_conv4` / `block4_conv4`, the
    last convolution of those blocks as relu3_3 / relu4_3 are in VGG-16, are the other
    reasonable reading. The authors' code defaults to relu3_3 for content
    (`content_layers=("block3_conv3",)`).

    **Default weights** are the authors' code's (`train.lua`: `-content_weights 1.0
    -style_weights 5.0 -tv_strength 1e-6`) for the same loss definitions on the same
    0..255 caffe scale: content 1, style 5 for each style layer. Its total variation
    module adds the gradient of `1e-6 / 2 * sum of squared differences`, summed (not
    averaged) over its batch of 4, hence `tv_weight = 4 * 1e-6 / 2 = 2e-6` for the
    batch mean used here. They are transcribed for VGG-16 and not tuned here (this
    project has no offline copy of the ImageNet weights); the paper tuned them per
    style (tv between 1e-6 and 1e-4).

    **Training.** `compile()` gives the paper's `Adam(learning_rate=1e-3)` (`fit`
    compiles with it when `compile` was not called); `compile(optimizer=...)` takes
    another. `fit(images, batch_size=4, epochs=...)` or `fit(dataset)`: float images in
    `image_range`, or integer images on 0..255; labels in the data are ignored. The
    paper trained 40,000 iterations of batch 4 on the 80k MS-COCO training images
    resized to 256x256 (about two epochs); the authors' code scales the style image to
    256 pixels (`-style_image_size 256`). Logs: `loss` (the weighted total),
    `content_loss`, `style_loss`, `tv_loss` (unweighted). `evaluate` reports the same
    terms without updating.

    **Using it.** `model(images)` / `model.predict(images)` give the stylised images
    (float in `image_range`); `model.stylize(uint8_images)` takes and returns uint8
    images of any size; `model.transformer` is a plain functional Keras model to
    save, load or embed anywhere; `model.export(dir)` writes a SavedModel with uint8
    images in and out (`keras_gan.export.export_image_model`).

    **Saving.** `model.save("x.keras")` / `keras.saving.load_model` keep everything
    needed to resume training: the transformer, the style targets, the optimizer state
    and the VGG19 layers (about 33 MB for the default layers; loading then needs no
    download, VGG is rebuilt with random weights and overwritten). The style image
    itself is not kept, only its Gram matrices.

    Args:
        style_image: the style image `(H, W, 3)` (or `(1, H, W, 3)`), uint8 or floats
            on the 0..255 scale (numpy array, tensor or PIL image); at least as large
            as the deepest style layer needs (8 pixels for `block4_conv3`). `None`
            leaves the style targets at zero until weights are loaded into them (what
            `from_config` does when a saved model is loaded).
        transformer: the image transformation network, a Keras model `(None, H, W, 3)
            -> (None, H, W, 3)` whose output is in `image_range`; default
            `keras_gan.networks.transformer_net(output="sigmoid")` for
            `image_range=(0, 1)` (`"tanh"` for `(-1, 1)`).
        content_layers, style_layers: VGG19 layer names (`keras_gan.losses.VGG19_LAYERS`).
        content_weight, style_weight, tv_weight: the loss weights (>= 0).
        style_layer_weights: one weight per style layer (a sequence in the order of
            `style_layers`, or a dict by name); default 1 each.
        weights: VGG19 weights, `"imagenet"`, `None` (random: for tests) or a file.
        image_range: `(low, high)` of the float images the model takes and makes;
            `(0, 1)` by default.

    Example:

    ```python
    import numpy as np
    from PIL import Image
    from keras_gan.models import FastStyleTransfer

    style = np.asarray(Image.open("starry_night.jpg").convert("RGB").resize((256, 256)))
    model = FastStyleTransfer(style)
    model.fit(photos_uint8, batch_size=4, epochs=2)  # (N, 256, 256, 3) content photos
    Image.fromarray(model.stylize(photo)).save("out.png")  # any size
    model.transformer.save("starry_night.keras")
    model.export("served/starry_night/1")
    ```
    """

    def __init__(self, style_image, transformer=None, content_layers=DEFAULT_CONTENT_LAYERS,
                 style_layers=DEFAULT_STYLE_LAYERS, content_weight=1.0, style_weight=5.0,
                 tv_weight=2e-6, style_layer_weights=None, weights="imagenet",
                 image_range=(0.0, 1.0), **kwargs):
        kwargs.setdefault("name", "fast_style_transfer")
        super().__init__(**kwargs)
        self.image_range = perceptual._check_input_range(image_range)
        self.content_layers = perceptual._normalize_layers(content_layers)
        self.style_layers = perceptual._normalize_layers(style_layers)
        style = None if style_image is None else _check_image(style_image, "style_image")
        if style is not None:
            _check_size(style, "style_image", self.style_layers)
        self.content_weight = _non_negative("content_weight", content_weight)
        self.style_weight = _non_negative("style_weight", style_weight)
        self.tv_weight = _non_negative("tv_weight", tv_weight)
        perceptual._check_weights(weights)
        self.style_layer_weights = perceptual._layer_weights(self.style_layers,
                                                             style_layer_weights, 1.0)
        for w in self.style_layer_weights:
            _non_negative("style_layer_weights", w)
        self.transformer = _check_transformer(
            _default_transformer(self.image_range) if transformer is None else transformer)

        # One VGG19 for both losses: the union of the layers, in network order.
        self.vgg_weights = weights
        union = [n for n in perceptual.VGG19_LAYERS
                 if n in self.content_layers or n in self.style_layers]
        self.extractor = perceptual.VGGFeatures(union, weights=weights,
                                                input_range=self.image_range)
        network = self.extractor.network
        content_only = keras.Model(network.input,
                                   {n: network.output[n] for n in self.content_layers},
                                   name="vgg19_content_layers")
        # A plain function (not an attribute Keras tracks or saves): the same layers and
        # weights as the extractor, run only up to the deepest content layer.
        # float32 features: Gram matrices of float16 features overflow
        self._content_features = lambda images: float32_outputs(content_only(
            perceptual.preprocess(images, self.image_range)))
        self._min_side = _min_side(max(union, key=_min_side))

        self._style_targets = []
        with backend.no_grad():
            features = (None if style is None
                        else float32_outputs(self.extractor(self._from_pixels(style[None]))))
            for name in self.style_layers:
                n = int(self.extractor.network.output[name].shape[-1])
                gram = (np.zeros((n, n), "float32") if features is None
                        else ops.convert_to_numpy(self._gram(features[name])[0]))
                self._style_targets.append(keras.Variable(
                    gram, trainable=False, name=f"style_target_{name}"))
        self._trackers = [keras.metrics.Mean(name=n)
                          for n in ("loss", "content_loss", "style_loss", "tv_loss")]
        # float16 compute (the "mixed_float16" policy): a dynamic loss scale
        self._loss_scales = loss_scaling.loss_scales_for(
            self, ("optimizer",), (self.transformer, self.extractor))
        self.built = True

    # ------------------------------------------------------------------- ranges
    def _from_pixels(self, pixels):
        """0..255 values -> float32 images in `image_range`."""
        low, high = self.image_range
        return ops.cast(pixels, "float32") * ((high - low) / 255.0) + low

    def _to_pixels(self, images):
        """Images in `image_range` -> float32 values on the 0..255 scale."""
        low, high = self.image_range
        return (ops.cast(images, "float32") - low) * (255.0 / (high - low))

    def _check_shape(self, shape, what, vgg=False):
        """Raises a ValueError for a batch shape that is not `(N, H, W, 3)` (dimensions
        unknown at tracing time pass) or, with `vgg`, smaller than the VGG layers need."""
        shape = tuple(None if d is None else int(d) for d in shape)
        if len(shape) != 4 or shape[-1] not in (3, None):
            raise ValueError(
                f"{what} must be a batch of RGB images (batch, height, width, 3), channels "
                f"last; received shape {shape}.")
        if vgg and any(d is not None and d < self._min_side for d in shape[1:3]):
            raise ValueError(
                f"Content images of {shape[1]}x{shape[2]} pixels are too small for the VGG19 "
                f"layers of this model: they need at least {self._min_side} pixels per side.")

    def _as_images(self, images, what):
        """A batch as float32 images in `image_range` (integer images: 0..255)."""
        images = ops.convert_to_tensor(images)
        self._check_shape(images.shape, what)
        if "int" in keras.backend.standardize_dtype(images.dtype):
            return self._from_pixels(images)
        return ops.cast(images, "float32")

    @staticmethod
    def _gram(features):
        """`gram_matrix(features) / (C H W)`: the Gram matrix of Johnson et al. 2016."""
        shape = ops.shape(features)
        size = ops.cast(shape[1] * shape[2] * shape[3], "float32")
        return perceptual.gram_matrix(features) / size

    @property
    def style_targets(self):
        """`{layer: (C, C) Gram matrix of the style image's features divided by C H W}`
        (numpy)."""
        return {n: ops.convert_to_numpy(v) for n, v in zip(self.style_layers,
                                                           self._style_targets)}

    # ------------------------------------------------------------------- losses
    def compute_loss_terms(self, images, stylized):
        """The loss terms of a batch of content `images` and the transformer's output
        for them, `stylized` (both `(N, H, W, 3)` in `image_range`), as a dict of
        scalar tensors: `loss` (weighted total), `content_loss`, `style_loss`,
        `tv_loss` (unweighted). No gradient flows to `images`."""
        images = ops.stop_gradient(ops.convert_to_tensor(images))
        targets = self._content_features(images)
        features = float32_outputs(self.extractor(stylized))
        content = 0.0
        for name in self.content_layers:
            target = ops.stop_gradient(targets[name])
            content = content + ops.mean(ops.square(features[name] - target))
        style = 0.0
        for name, target, weight in zip(self.style_layers, self._style_targets,
                                        self.style_layer_weights):
            gram = self._gram(features[name])
            style = style + weight * ops.mean(ops.square(gram - target[None]))
        tv = perceptual.total_variation(self._to_pixels(stylized))
        total = (self.content_weight * content + self.style_weight * style
                 + self.tv_weight * tv)
        return {"loss": total, "content_loss": content, "style_loss": style, "tv_loss": tv}

    # ----------------------------------------------------------------- training
    def compile(self, optimizer=None, auto_scale_loss=True, loss_scale_growth_steps=None,
                **kwargs):
        """Configures training.

        Args:
            optimizer: a `keras.optimizers.Optimizer`, name or config; default the
                paper's `Adam(learning_rate=1e-3)`. Built here, on the transformer's
                trainable variables.
            auto_scale_loss, loss_scale_growth_steps: dynamic loss scaling under
                float16 compute (`keras_gan.models.loss_scaling`; the scale is saved
                with the model).
            **kwargs: passed to `keras.Model.compile` (`jit_compile`, `run_eagerly`,
                `steps_per_execution`, ...); `loss` and `metrics` are not accepted (the
                loss is the model's).
        """
        optimizer = _built_optimizer(self, optimizer, DEFAULT_LEARNING_RATE,
                                     self.transformer.trainable_variables, kwargs)
        loss_scaling.configure_loss_scaling(self, auto_scale_loss, loss_scale_growth_steps)
        # the loss scaling is ours: no LossScaleOptimizer around the optimizer
        super().compile(optimizer=optimizer, auto_scale_loss=False, **kwargs)

    def get_compile_config(self):
        if not self.compiled:
            return None
        return {"optimizer": keras.optimizers.serialize(self.optimizer),
                **loss_scaling.loss_scaling_config(self)}

    def compile_from_config(self, config):
        self.compile(optimizer=keras.optimizers.deserialize(config["optimizer"]),
                     **loss_scaling.loss_scaling_kwargs(config))

    def fit(self, x=None, *args, **kwargs):
        """`keras.Model.fit` on content images (see the class doc); compiles with the
        default `Adam(1e-3)` first when `compile` was not called."""
        self._check_shape_of(x)
        if not self.compiled:
            self.compile()
        with backend.keep_state_on_error(self):
            return super().fit(x, *args, **kwargs)

    def evaluate(self, x=None, *args, **kwargs):
        self._check_shape_of(x)
        return super().evaluate(x, *args, **kwargs)

    def _check_shape_of(self, x):
        """Checks an array or a `tf.data` dataset of images before `fit` traces the step
        (where the height and width may no longer be known)."""
        spec = getattr(x, "element_spec", None)
        if spec is not None:  # a tf.data.Dataset: (images, ...) or images
            x = spec[0] if isinstance(spec, (tuple, list)) else spec
        shape = getattr(x, "shape", None)
        if shape is not None and getattr(shape, "rank", 0) is not None:
            self._check_shape(tuple(shape), _CONTENT, vgg=True)

    @property
    def metrics(self):
        return list(self._trackers)

    def _content_batch(self, data):
        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        images = self._as_images(x, _CONTENT)
        self._check_shape(images.shape, _CONTENT, vgg=True)
        return images

    def train_step(self, *args):
        return backend.run_step(self, self._train_step, *args)

    def test_step(self, *args):
        return backend.run_step(self, self._test_step, *args)

    def _train_step(self, data):
        images = self._content_batch(data)
        variables = self.transformer.trainable_variables

        def loss_fn():
            terms = self.compute_loss_terms(images, self.transformer(images, training=True))
            return terms["loss"], terms

        terms = loss_scaling.minimize(self.optimizer, loss_fn, variables,
                                      loss_scaling.loss_scale(self, "optimizer"))
        return self._update_trackers(terms)

    def _test_step(self, data):
        images = self._content_batch(data)
        terms = self.compute_loss_terms(images, self.transformer(images, training=False))
        return self._update_trackers(terms)

    def _update_trackers(self, terms):
        for tracker in self._trackers:
            tracker.update_state(terms[tracker.name])
        return {t.name: t.result() for t in self._trackers}

    # ------------------------------------------------------------------ results
    def call(self, images, training=False):
        """The stylised images: `(N, H, W, 3)` float images in `image_range` (or
        integer images on 0..255) -> `(N, H, W, 3)` floats in `image_range`."""
        return self.transformer(self._as_images(images, "images"), training=training)

    def stylize(self, images, batch_size=8):
        """Stylises uint8 images with the transformer (inference mode).

        Args:
            images: one image `(H, W, 3)` or a batch `(N, H, W, 3)`, uint8 or floats on
                the 0..255 scale, any height and width.
            batch_size: images per forward pass.

        Returns:
            uint8 numpy images of the same shape.
        """
        array = np.asarray(images)
        single = array.ndim == 3
        batch = array[None] if single else array
        if batch.ndim != 4 or batch.shape[-1] != 3:
            raise ValueError("stylize takes an RGB image (height, width, 3) or a batch "
                             f"(n, height, width, 3); received shape {array.shape}.")
        if len(batch):
            _check_image(batch.reshape((-1,) + batch.shape[2:]), "images")
        low, high = self.image_range
        outputs = []
        for start in range(0, len(batch), int(batch_size)):
            chunk = batch[start:start + int(batch_size)].astype("float32")
            # predict_on_batch: one compiled forward pass per image size (jit under JAX)
            made = self.transformer.predict_on_batch(chunk * ((high - low) / 255.0) + low)
            pixels = (np.asarray(made, "float32") - low) * (255.0 / (high - low))
            outputs.append(np.clip(np.round(pixels), 0, 255).astype("uint8"))
        out = np.concatenate(outputs) if outputs else np.zeros(batch.shape, "uint8")
        return out[0] if single else out

    # -------------------------------------------------------- saving and export
    def get_config(self):
        config = super().get_config()
        config.update(
            transformer=keras.saving.serialize_keras_object(self.transformer),
            content_layers=list(self.content_layers),
            style_layers=list(self.style_layers),
            content_weight=self.content_weight,
            style_weight=self.style_weight,
            tv_weight=self.tv_weight,
            style_layer_weights=list(self.style_layer_weights),
            weights=self.vgg_weights,
            image_range=list(self.image_range),
        )
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["transformer"] = keras.saving.deserialize_keras_object(
            config["transformer"], custom_objects=custom_objects)
        weights = config.pop("weights", None)
        # The saved file holds VGG19's weights and the style targets: build with random
        # VGG weights (no download) and no style image; loading overwrites both.
        model = cls(style_image=None, weights=None, **config)
        model.vgg_weights = weights
        return model

    def export(self, filepath, format="tf_saved_model", verbose=None, overwrite=False,
               **kwargs):
        """Exports the transformer as a SavedModel for TF Serving, from any backend.

        The signature `serving_default` takes `images` (uint8, `[None, None, None,
        3]`: any batch and size) and returns `images` (uint8, the stylised images, same
        shape) and `outputs` (float32, the transformer's output in `image_range`); the
        signature `raw` takes and returns float32 images in `image_range`. An existing
        non-empty `filepath` is refused with a FileExistsError unless `overwrite`; a
        failed export leaves it as it was. See `keras_gan.export.export_image_model`.
        """
        if format != "tf_saved_model":
            raise ValueError(f"Only format='tf_saved_model' is supported; received {format!r}.")
        from keras_gan.export import export_image_model

        return export_image_model(self.transformer, filepath, input_range=self.image_range,
                                  output_range=self.image_range, verbose=bool(verbose),
                                  overwrite=overwrite, **kwargs)
