"""Neural style transfer (Gatys, Ecker & Bethge 2016, "Image Style Transfer Using
Convolutional Neural Networks"): an image is optimised so that its VGG19 features
match a content photo and its Gram matrices match a painting."""

import numpy as np

import keras
from keras import ops

from keras_gan import backend
from keras_gan.losses import perceptual
from keras_gan.models.base import _non_negative, float32_outputs
from keras_gan.models import loss_scaling

__all__ = ["StyleTransfer"]

DEFAULT_CONTENT_LAYERS = ("block4_conv2",)
DEFAULT_STYLE_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1",
                        "block5_conv1")
DEFAULT_LEARNING_RATE = 10.0


def _built_optimizer(model, optimizer, default_learning_rate, variables, compile_kwargs):
    """The optimizer of a style model's `compile`, built on `variables`: `Adam` at
    `default_learning_rate` for None, else an instance, name or config. Refuses the Keras
    loss arguments in `compile_kwargs`: the loss is the model's."""
    for key in ("loss", "metrics", "loss_weights", "weighted_metrics"):
        if key in compile_kwargs:
            raise ValueError(f"{type(model).__name__}.compile() does not take {key!r}: the "
                             "loss weights are constructor arguments.")
    if optimizer is None:
        optimizer = keras.optimizers.Adam(learning_rate=default_learning_rate)
    elif not isinstance(optimizer, keras.optimizers.Optimizer):
        optimizer = keras.optimizers.get(optimizer)
    optimizer.build(variables)
    return optimizer


def _check_image(image, name):
    """An RGB image as a float32 numpy array (H, W, 3) in [0, 255]."""
    array = np.asarray(image)
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 3 or array.shape[-1] != 3:
        hint = ""
        if array.ndim == 2 or (array.ndim == 3 and array.shape[-1] == 1):
            hint = " (a greyscale image: repeat it over 3 channels)"
        elif array.ndim == 3 and array.shape[-1] == 4:
            hint = " (RGBA: drop or composite the alpha channel)"
        raise ValueError(f"{name} must be an RGB image of shape (height, width, 3); received "
                         f"shape {array.shape}{hint}.")
    if array.dtype == bool or not (np.issubdtype(array.dtype, np.integer)
                                   or np.issubdtype(array.dtype, np.floating)):
        raise ValueError(f"{name} must hold integers or floats in [0, 255]; received dtype "
                         f"{array.dtype}.")
    if array.size == 0:
        raise ValueError(f"{name} is empty (shape {array.shape}).")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} holds NaN or infinite values.")
    low, high = array.min(), array.max()
    if low < 0 or high > 255:
        raise ValueError(f"{name} must have values in [0, 255] (uint8, or floats on that "
                         f"scale); received values from {low} to {high}.")
    return array.astype("float32")


def _gram_per_position(features, positions):
    """`gram_matrix(features) / positions`: the Gram matrix as a mean over positions."""
    return perceptual.gram_matrix(features) / float(positions)


def _min_side(layer):
    """Smallest image side for which VGG19 `layer` has at least one position."""
    block = int(layer[len("block")])
    pools = block if layer.endswith("_pool") else block - 1
    return 2 ** pools


def _check_size(image, name, layers):
    deepest = max(layers, key=_min_side)
    need = _min_side(deepest)
    height, width = image.shape[:2]
    if min(height, width) < need:
        raise ValueError(f"{name} is {height}x{width} pixels; VGG19 layer {deepest} needs "
                         f"images of at least {need} pixels per side.")


class StyleTransfer(keras.Model):
    """Neural style transfer of Gatys, Ecker & Bethge 2016, "Image Style Transfer Using
    Convolutional Neural Networks" (CVPR), optimised by gradient descent.

    The model's only trainable variable is the image being made, `(1, H, W, 3)` RGB
    pixel values on the 0..255 scale of the content image, stored as they are (no
    reparametrisation) and **clipped to [0, 255] after every update**. One frozen VGG19
    (`keras_gan.losses.VGGFeatures`, caffe preprocessing inside, the union of the
    content and style layers, cut after the deepest) gives its features. The loss is

        loss = content_weight * L_content + style_weight * L_style + tv_weight * L_tv

    - `L_content = sum over content layers of mean((F_l - P_l)^2)`: the mean squared
      error between the image's and the content image's features. The paper's Eq. 1
      is the half sum `1/2 sum (F - P)^2`, i.e. `N_l M_l / 2` times this; the mean (as
      in Gatys's own PyTorch code and neural-style) keeps the weight independent of
      the image size.
    - `L_style = sum over style layers of w_l E_l`, the paper's Eq. 4-5,
      `E_l = 1 / (4 N_l^2) * sum_ij (G_ij / M_l - A_ij / M_l')^2`, with `G` and `A` the
      Gram matrices (`keras_gan.losses.gram_matrix`) of the image and of the style
      image, `N_l` channels and `M_l`, `M_l'` their numbers of positions. When both
      images have the same size this is exactly the paper's
      `1 / (4 N_l^2 M_l^2) sum (G - A)^2`; dividing each Gram matrix by its own number
      of positions lets the style image have another size.
    - `L_tv = keras_gan.losses.total_variation` of the 0..255 image (summed squared
      differences of neighbouring pixels), a smoothness prior the paper does not use.

    The content features and the style Gram matrices (divided by `M_l'`) are
    computed once, here, and kept as non-trainable variables (`content_targets`,
    `style_targets`).

    **Default weights.** The paper's weights (`w_l = 1/5`, `alpha / beta = 1e-3`) are
    for its *normalised* VGG19 (each filter rescaled to mean activation 1, average
    pooling); `keras.applications` ships the original caffe ImageNet weights, the
    network of jcjohnson/neural-style. The defaults are neural-style's
    (`-content_weight 5 -style_weight 100 -tv_weight 1e-3 -learning_rate 1e1`)
    rewritten for the losses above: its content loss is the same mean squared error
    (`content_weight=5`); its style loss per layer, the mean over `N_l^2` entries of
    the squared difference of Gram matrices divided by `N_l M_l`, is `4 E_l / N_l^2`,
    so layers are weighted by `1 / N_l^2` (Gatys's own PyTorch code, on his
    normalised network, also does: `1e3 / N_l^2` times the mean over entries of the
    squared difference of Gram matrices divided by `M_l`, `4e3 E_l / N_l^2`). Hence
    the default layer weights `w_l = (64 / N_l)^2 / L` (`L` style layers: the paper's
    `1/L` for the 64-channel conv1 layers, a quarter of it per doubling of channels)
    and `style_weight=0.5` (`100 * 4 * L / 64^2 = 0.49` for five layers); its TV term
    is `1e-3 * 1/2 sum(differences^2)`, so `tv_weight=5e-4`. Pass
    `style_layer_weights=[0.2] * 5` for the paper's uniform layer weights. These values
    are transcribed, not tuned here: this project has no offline copy of the ImageNet
    weights.

    **Training.** `compile(optimizer=...)` then `fit(epochs=E, steps_per_epoch=S)`:
    `E * S` updates; `fit` takes no data (the model feeds itself a dummy batch per
    step) and reports the epoch means of `content_loss`, `style_loss`, `tv_loss` and
    `loss` (each logged value is the loss before that step's update). Without
    `compile`, `fit` compiles with `Adam(learning_rate=10.0)`: neural-style's Adam
    step for 0..255 pixels (about 10 grey levels per pixel per early step). The paper
    optimised with L-BFGS; Keras has no L-BFGS optimizer and this model does not
    provide one. The paper also replaced VGG's max pooling by average pooling; the
    Keras VGG19 keeps max pooling (as neural-style does by default).

    Not serialisable as a `.keras` file (the class is not registered): it holds two
    images, not a reusable network, and its result is `image()`. `save_weights` /
    `load_weights` keep its variables (the image, the targets, VGG19).

    Args:
        content_image, style_image: RGB images `(H, W, 3)` (or `(1, H, W, 3)`), uint8
            or floats in [0, 255] (numpy arrays, tensors or PIL images); they may
            differ in size. The image made has the content image's size.
        content_layers, style_layers: VGG19 layer names (`keras_gan.losses.VGG19_LAYERS`);
            defaults are the paper's conv4_2 and conv1_1 ... conv5_1 (after ReLU).
        content_weight, style_weight, tv_weight: the loss weights (>= 0).
        style_layer_weights: `w_l`, one per style layer (a sequence in the order of
            `style_layers`, or a dict by name); default `(64 / N_l)^2 / L`.
        init: `"content"` (default; start from the content image, as Gatys's PyTorch
            code and the TensorFlow tutorial do) or `"noise"` (white noise, uniform in
            [0, 255], as in the paper).
        weights: VGG19 weights, `"imagenet"`, `None` (random: for tests) or a file.
        seed: seed of the noise image (numpy; the same on every backend).

    Example:

    ```python
    import keras
    import numpy as np
    from PIL import Image
    from keras_gan.models import StyleTransfer

    content = np.asarray(Image.open("tubingen.jpg").convert("RGB"))
    style = np.asarray(Image.open("starry_night.jpg").convert("RGB"))
    model = StyleTransfer(content, style)
    model.compile(optimizer=keras.optimizers.Adam(10.0))  # optional: the default
    model.fit(epochs=5, steps_per_epoch=100)
    Image.fromarray(model.image()).save("out.png")
    ```
    """

    def __init__(self, content_image, style_image, content_layers=DEFAULT_CONTENT_LAYERS,
                 style_layers=DEFAULT_STYLE_LAYERS, content_weight=5.0, style_weight=0.5,
                 tv_weight=5e-4, style_layer_weights=None, init="content",
                 weights="imagenet", seed=None, **kwargs):
        kwargs.setdefault("name", "style_transfer")
        super().__init__(**kwargs)
        content = _check_image(content_image, "content_image")
        style = _check_image(style_image, "style_image")
        self.content_layers = perceptual._normalize_layers(content_layers)
        self.style_layers = perceptual._normalize_layers(style_layers)
        _check_size(content, "content_image", self.content_layers + self.style_layers)
        _check_size(style, "style_image", self.style_layers)
        if init not in ("content", "noise"):
            raise ValueError(f"init must be 'content' or 'noise'; received {init!r}.")
        self.content_weight = _non_negative("content_weight", content_weight)
        self.style_weight = _non_negative("style_weight", style_weight)
        self.tv_weight = _non_negative("tv_weight", tv_weight)
        self.init = init
        self.seed = seed

        # One VGG19 for both: the union of the layers, in network order.
        union = [n for n in perceptual.VGG19_LAYERS
                 if n in self.content_layers or n in self.style_layers]
        self.extractor = perceptual.VGGFeatures(union, weights=weights,
                                                input_range=(0.0, 255.0))
        with backend.no_grad():
            content_features = float32_outputs(self.extractor(content[None]))
            style_features = float32_outputs(self.extractor(style[None]))
            self._content_targets = [
                keras.Variable(ops.convert_to_numpy(content_features[name]), trainable=False,
                               name=f"content_target_{name}")
                for name in self.content_layers
            ]
            self._style_targets = []
            channels = []
            for name in self.style_layers:
                features = style_features[name]
                positions = features.shape[1] * features.shape[2]
                gram = _gram_per_position(features, positions)[0]
                self._style_targets.append(keras.Variable(
                    ops.convert_to_numpy(gram), trainable=False, name=f"style_target_{name}"))
                channels.append(int(features.shape[3]))
        self._style_channels = tuple(channels)
        if style_layer_weights is None:
            count = len(self.style_layers)
            self.style_layer_weights = tuple((64.0 / n) ** 2 / count for n in channels)
        else:
            self.style_layer_weights = perceptual._layer_weights(
                self.style_layers, style_layer_weights, None)
            for w in self.style_layer_weights:
                _non_negative("style_layer_weights", w)

        if init == "content":
            start = content
        else:
            start = np.random.default_rng(seed).uniform(0.0, 255.0, content.shape)
        self.image_variable = keras.Variable(start[None].astype("float32"), name="image")
        # float16 compute (the "mixed_float16" policy): a dynamic loss scale
        self._loss_scales = loss_scaling.loss_scales_for(self, ("optimizer",), (self.extractor,))
        self._trackers = [keras.metrics.Mean(name=n)
                          for n in ("loss", "content_loss", "style_loss", "tv_loss")]
        self.built = True

    # ------------------------------------------------------------------ targets
    @property
    def content_targets(self):
        """`{layer: (1, h, w, channels) features of the content image}` (numpy)."""
        return {n: ops.convert_to_numpy(v) for n, v in zip(self.content_layers,
                                                           self._content_targets)}

    @property
    def style_targets(self):
        """`{layer: (channels, channels) Gram matrix of the style image's features
        divided by their number of positions}` (numpy)."""
        return {n: ops.convert_to_numpy(v) for n, v in zip(self.style_layers,
                                                           self._style_targets)}

    # ------------------------------------------------------------------- losses
    def compute_loss_terms(self, image):
        """The loss terms of `image`, `(1, H, W, 3)` on the 0..255 scale, as a dict of
        scalar tensors: `loss` (weighted total), `content_loss`, `style_loss`,
        `tv_loss` (unweighted)."""
        # float32 features: Gram matrices of float16 features overflow
        features = float32_outputs(self.extractor(image))
        content = 0.0
        for name, target in zip(self.content_layers, self._content_targets):
            content = content + ops.mean(ops.square(features[name] - target))
        style = 0.0
        for name, target, channels, weight in zip(self.style_layers, self._style_targets,
                                                  self._style_channels,
                                                  self.style_layer_weights):
            made = features[name]
            gram = _gram_per_position(made, made.shape[1] * made.shape[2])[0]
            # 1 / (4 N^2) sum (G/M - A/M')^2, as the sum of squares of (G/M - A/M') / 2N
            style = style + weight * ops.sum(ops.square((gram - target) / (2.0 * channels)))
        tv = perceptual.total_variation(image)
        total = (self.content_weight * content + self.style_weight * style
                 + self.tv_weight * tv)
        return {"loss": total, "content_loss": content, "style_loss": style, "tv_loss": tv}

    def loss_terms(self):
        """The current image's loss terms as Python floats (see `compute_loss_terms`)."""
        with backend.no_grad():
            terms = self.compute_loss_terms(ops.convert_to_tensor(self.image_variable))
        return {k: float(ops.convert_to_numpy(v)) for k, v in terms.items()}

    # ----------------------------------------------------------------- training
    def compile(self, optimizer=None, auto_scale_loss=True, loss_scale_growth_steps=None,
                **kwargs):
        """Configures the optimisation.

        Args:
            optimizer: a `keras.optimizers.Optimizer`, name or config; default
                `Adam(learning_rate=10.0)` (see the class doc). Built here.
            auto_scale_loss, loss_scale_growth_steps: dynamic loss scaling under
                float16 compute (`keras_gan.models.loss_scaling`).
            **kwargs: passed to `keras.Model.compile` (`jit_compile`, `run_eagerly`,
                ...); `loss` and `metrics` are not accepted (the loss is the model's).
        """
        optimizer = _built_optimizer(self, optimizer, DEFAULT_LEARNING_RATE,
                                     [self.image_variable], kwargs)
        loss_scaling.configure_loss_scaling(self, auto_scale_loss, loss_scale_growth_steps)
        # the loss scaling is ours: no LossScaleOptimizer around the optimizer
        super().compile(optimizer=optimizer, auto_scale_loss=False, **kwargs)

    def fit(self, x=None, y=None, *, epochs=1, steps_per_epoch=100, **kwargs):
        """Optimises the image for `epochs * steps_per_epoch` steps.

        Takes no data: `model.fit(epochs=E, steps_per_epoch=S)`. Logs are the epoch
        means of the loss terms; callbacks see the image at the end of each epoch
        (`model.image()`), so use `steps_per_epoch` as the interval for intermediate
        images. Compiles with the default optimizer when `compile` was not called.
        Other keyword arguments (`callbacks`, `verbose`, `initial_epoch`) go to
        `keras.Model.fit`.
        """
        if x is not None or y is not None:
            raise ValueError("StyleTransfer optimises one image and takes no data: call "
                             "fit(epochs=E, steps_per_epoch=S).")
        for key in ("batch_size", "validation_data", "validation_split", "sample_weight",
                    "class_weight", "validation_steps", "validation_batch_size"):
            if kwargs.get(key) not in (None, 0.0):
                raise ValueError(f"StyleTransfer.fit() does not take {key!r}.")
            kwargs.pop(key, None)
        steps_per_epoch = int(steps_per_epoch)
        if steps_per_epoch < 1:
            raise ValueError(f"steps_per_epoch must be >= 1; received {steps_per_epoch}.")
        if not self.compiled:
            self.compile()
        # One dummy sample per step; the step ignores it.
        dummy = np.zeros((steps_per_epoch, 1), dtype="float32")
        with backend.keep_state_on_error(self):
            return super().fit(dummy, batch_size=1, epochs=epochs, shuffle=False, **kwargs)

    @property
    def metrics(self):
        return list(self._trackers)

    def train_step(self, *args):
        return backend.run_step(self, self._train_step, *args)

    def _train_step(self, data):
        del data
        variables = [self.image_variable]

        def loss_fn():
            terms = self.compute_loss_terms(ops.convert_to_tensor(self.image_variable))
            return terms["loss"], terms

        terms = loss_scaling.minimize(self.optimizer, loss_fn, variables,
                                      loss_scaling.loss_scale(self, "optimizer"))
        self.image_variable.assign(ops.clip(self.image_variable, 0.0, 255.0))
        for tracker in self._trackers:
            tracker.update_state(terms[tracker.name])
        return {t.name: t.result() for t in self._trackers}

    # ------------------------------------------------------------------ results
    def call(self, inputs=None):
        """The current image, `(1, H, W, 3)` floats in [0, 255]."""
        return ops.convert_to_tensor(self.image_variable)

    def image(self):
        """The current image as a uint8 numpy array `(H, W, 3)`."""
        value = ops.convert_to_numpy(self.image_variable)[0]
        return np.clip(np.round(value), 0, 255).astype("uint8")

    def get_config(self):
        raise NotImplementedError(
            "A StyleTransfer model is not saved as a .keras file: its result is the "
            "image (model.image()); save_weights keeps the image being optimised.")
