"""Hand-written PyTorch iteration of neural style transfer (Gatys, Ecker & Bethge 2016,
"Image Style Transfer Using Convolutional Neural Networks", CVPR): the reference that
`benchmarks/throughput.py` compares the library's `StyleTransfer.fit` with.

Plain PyTorch: `torch.nn` convolutions, `torch.optim.Adam` and `torch.autograd`; no Keras
is imported, so the ratio library / reference measures only what Keras and the library
cost. The math per iteration is that of `keras_gan.models.StyleTransfer` (read
keras_gan/models/style_transfer.py `compute_loss_terms`, `_train_step`, and
keras_gan/losses/perceptual.py `preprocess`, `gram_matrix`, `total_variation`):

- the image, RGB on 0..255, float32, started at the content image, is the only tensor
  with `requires_grad`;
- caffe preprocessing: RGB -> BGR, minus the ImageNet mean (103.939, 116.779, 123.68);
- VGG19 (Simonyan & Zisserman 2015, configuration E) up to block5_conv1, the deepest
  layer used: 3x3 convolutions with bias, padding 1 (= Keras "same"), ReLU, 2x2 max
  pooling of stride 2 (floor, = Keras "valid"); the weights frozen
  (`requires_grad=False`, so autograd computes no weight gradients, as in the library,
  whose VGG19 variables are not trainable); features after the ReLU at block4_conv2
  (content) and block1_conv1 ... block5_conv1 (style), one forward pass;
- `content = mean((F - P)^2)`;
- `style = sum_l w_l * sum(((G_l / M_l - A_l) / (2 N_l))^2)` with `G_l = F F^T` of the
  `(N_l, M_l)` feature matrix, `A_l` the style image's Gram matrix / its positions,
  `w_l = (64 / N_l)^2 / 5`;
- `tv = sum (x[i+1, j] - x[i, j])^2 + sum (x[i, j+1] - x[i, j])^2`;
- `loss = 5 content + 0.5 style + 5e-4 tv`; one `torch.optim.Adam` step (lr 10, betas
  (0.9, 0.999)), then the image clamped to [0, 255] in place. Keras' Adam (epsilon 1e-7)
  adds its epsilon to `sqrt(v)` before the bias correction, torch's to
  `sqrt(v_hat) = sqrt(v / (1 - beta_2^t))`: the two rules are the same with torch's eps
  set to `1e-7 / sqrt(1 - beta_2^t)` at step t, which `step()` writes into the
  optimizer's param group before each update (a Python float; without it the pixels
  whose gradient is below about 1e-4 would move by up to lr more or less than in the
  library: the first step's effective epsilon is 3.2e-6 in Keras);
- the targets (content features, style Gram matrices / positions) computed once, at
  construction, under `torch.no_grad()`.

Layout: NCHW, torch's native layout for convolutions (the library's image is NHWC and
its Keras convolutions transpose to NCHW and back around each call on this backend).
The images are drawn NHWC (as the library receives them) and transposed once.

Known differences from the library, none of which changes the work per iteration:

- the library's preprocessing first rescales its input range 0..255 to 0..255
  (`(x - 0) * 1`, two elementwise ops left out here);
- the library also updates its four loss trackers per step and `fit` feeds it a dummy
  batch; the step here keeps its loss terms on the device (`last_losses`) unread;
- with `vgg_weights=None` the weights are Keras' initial values redrawn with numpy
  (Glorot uniform kernels, zero biases; the library's are drawn by Keras' RNG).

Device: `device=None` takes CUDA when torch sees a GPU (as Keras' torch backend does),
else the CPU.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["Reference", "VGG19Features", "style_transfer"]

from reference.style_workload import (  # the workload: the library's defaults
    CONTENT_LAYER,
    CONTENT_WEIGHT,
    IMAGENET_MEAN_BGR,
    LEARNING_RATE,
    STYLE_LAYERS,
    STYLE_WEIGHT,
    TV_WEIGHT,
    images,
    vgg19_plan,
)
from reference.torch_loop import Loop, _device

_BETA_1, _BETA_2, _ADAM_EPSILON = 0.9, 0.999, 1e-7  # Keras' defaults


class VGG19Features(nn.Module):
    """VGG19 up to the deepest of `layers`; `forward(x)` (NCHW, caffe-preprocessed)
    returns `{name: features after the ReLU}` for `layers`."""

    def __init__(self, layers, last="block5_conv1"):
        super().__init__()
        self.plan = vgg19_plan(last)
        self.wanted = set(layers)
        self.convs = nn.ModuleDict({
            name: nn.Conv2d(c_in, c_out, 3, padding=1)
            for name, c_in, c_out in self.plan if c_in is not None})

    def forward(self, x):
        out = {}
        for name, c_in, _ in self.plan:
            x = F.relu(self.convs[name](x)) if c_in is not None else F.max_pool2d(x, 2, 2)
            if name in self.wanted:
                out[name] = x
        return out


def _glorot_uniform(module, seed):
    """Keras' initial values, drawn with numpy: Glorot uniform kernels, zero biases."""
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for conv in module.convs.values():
            out, c_in, k_h, k_w = conv.weight.shape
            limit = np.sqrt(6.0 / (k_h * k_w * (c_in + out)))
            kernel = rng.uniform(-limit, limit, (k_h, k_w, c_in, out)).astype("float32")
            conv.weight.copy_(torch.from_numpy(kernel).permute(3, 2, 0, 1))  # HWIO -> OIHW
            conv.bias.zero_()


def _load(module, vgg_weights):
    convs = list(module.convs.values())
    if len(vgg_weights) != len(convs):
        raise ValueError(f"vgg_weights has {len(vgg_weights)} (kernel, bias) pairs; the "
                         f"network has {len(convs)} convolutions.")
    with torch.no_grad():
        for conv, (kernel, bias) in zip(convs, vgg_weights):
            kernel = torch.from_numpy(np.asarray(kernel, dtype="float32"))
            conv.weight.copy_(kernel.permute(3, 2, 0, 1))  # HWIO -> OIHW
            conv.bias.copy_(torch.from_numpy(np.asarray(bias, dtype="float32")))


def _images(size, seed):
    """The content and style images of `style_workload.images(size, seed)`, NCHW float32."""
    return [torch.from_numpy(x.astype("float32")[None]).permute(0, 3, 1, 2).contiguous()
            for x in images(size, seed)]


def _gram_per_position(features):
    """`(N, N)` Gram matrix of `(1, N, h, w)` features divided by `h * w`."""
    n, h, w = features.shape[1:]
    matrix = features.reshape(n, h * w)
    return (matrix @ matrix.T) / float(h * w)


class Reference(Loop):
    """One style-transfer image being optimised with plain PyTorch.

    Attributes:
        param_counts: `(H * W * 3,)`, the trainable values (the image).
        image: the `(1, 3, H, W)` tensor being optimised.
        last_losses: `{loss, content_loss, style_loss, tv_loss}` of the last iteration,
            detached tensors on the device (never read by `run`).
    """

    def __init__(self, size, seed=0, device=None, vgg_weights=None):
        if int(size) != size or int(size) < 16:
            raise ValueError(f"size must be an integer >= 16 (block5_conv1 needs 16 pixels "
                             f"per side); received {size!r}.")
        self.device = _device(device)
        self.vgg = VGG19Features(set(STYLE_LAYERS) | {CONTENT_LAYER})
        if vgg_weights is None:
            _glorot_uniform(self.vgg, seed)
        else:
            _load(self.vgg, vgg_weights)
        self.vgg.to(self.device).eval().requires_grad_(False)
        self.mean = torch.tensor(IMAGENET_MEAN_BGR, device=self.device).view(1, 3, 1, 1)
        content, style = (x.to(self.device) for x in _images(int(size), seed))
        with torch.no_grad():
            self.content_target = self.vgg(self._preprocess(content))[CONTENT_LAYER]
            features = self.vgg(self._preprocess(style))
            self.style_targets = [_gram_per_position(features[n]) for n in STYLE_LAYERS]
            self.style_weights = [(64.0 / features[n].shape[1]) ** 2 / len(STYLE_LAYERS)
                                  for n in STYLE_LAYERS]
        self.image = content.clone().requires_grad_(True)
        self.optimizer = torch.optim.Adam([self.image], lr=LEARNING_RATE,
                                          betas=(_BETA_1, _BETA_2), eps=_ADAM_EPSILON)
        self.iterations = 0
        self.param_counts = (self.image.numel(),)
        self.last_losses = None

    def _preprocess(self, images):
        return torch.flip(images, dims=(1,)) - self.mean  # RGB -> BGR, minus the mean

    def loss_terms(self, image):
        features = self.vgg(self._preprocess(image))
        content = (features[CONTENT_LAYER] - self.content_target).square().mean()
        style = 0.0
        for name, target, weight in zip(STYLE_LAYERS, self.style_targets, self.style_weights):
            made = features[name]
            gram = _gram_per_position(made)
            style = style + weight * ((gram - target) / (2.0 * made.shape[1])).square().sum()
        down = image[:, :, 1:, :] - image[:, :, :-1, :]
        right = image[:, :, :, 1:] - image[:, :, :, :-1]
        tv = (down.square().sum(dim=(1, 2, 3)) + right.square().sum(dim=(1, 2, 3))).mean()
        loss = CONTENT_WEIGHT * content + STYLE_WEIGHT * style + TV_WEIGHT * tv
        return {"loss": loss, "content_loss": content, "style_loss": style, "tv_loss": tv}

    def step(self):
        """One iteration: loss, gradient to the image, Adam, clamp to [0, 255]."""
        terms = self.loss_terms(self.image)
        self.optimizer.zero_grad(set_to_none=True)
        terms["loss"].backward(inputs=[self.image])
        self.iterations += 1
        # Keras' epsilon placement (see the module doc)
        self.optimizer.param_groups[0]["eps"] = _ADAM_EPSILON / math.sqrt(
            1.0 - _BETA_2 ** self.iterations)
        self.optimizer.step()
        with torch.no_grad():
            self.image.clamp_(0.0, 255.0)
        self.last_losses = {k: v.detach() for k, v in terms.items()}

    # for checks only
    def image_array(self):
        """The current image as `(1, H, W, 3)` float32 numpy (NHWC, RGB on 0..255)."""
        return self.image.detach().permute(0, 2, 3, 1).cpu().numpy()

    def losses(self):
        """The last iteration's loss terms (before its update) as Python floats."""
        return {k: float(v) for k, v in self.last_losses.items()}


def style_transfer(size=512, seed=0, device=None, vgg_weights=None):
    """The style-transfer reference (Gatys et al. 2016): one iteration = one Adam update
    of a `size x size` image (see the module doc).

    Args:
        size: side of the square content and style images (>= 16).
        seed: seed of the images and of the random VGG19 weights (numpy).
        device: a torch device; default CUDA if available, else CPU.
        vgg_weights: optional list of `(kernel (3, 3, in, out), bias)` pairs (Keras
            layout) for the 13 convolutions up to block5_conv1
            (`style_workload.vgg_weights(model)`); transposed to OIHW here.

    Returns:
        A `Reference` with `param_counts`, `run(steps)` and `sync()`.
    """
    return Reference(size, seed=seed, device=device, vgg_weights=vgg_weights)
