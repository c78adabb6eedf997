"""A hand-written PyTorch training loop for SRGAN: the reference that
`benchmarks/throughput.py` compares the library's `model.fit` with on the SRGAN
workload (`srgan_workload.py`).

SRGAN (Ledig et al. 2017, "Photo-Realistic Single Image Super-Resolution Using a
Generative Adversarial Network"), GAN stage, in plain PyTorch: `torch.nn` modules,
`torch.optim.Adam`, `torch.autograd`. No Keras is imported here (the batch comes from
`srgan_workload.data`, numpy only), so the ratio library / reference measures only
what the Keras abstraction costs. One step does the math of `keras_gan`'s
`SuperResolutionGAN._train_step` (keras_gan/models/super_resolution.py) for
`SRGAN(stage="gan")`, in its order:

1. generator update: `sr = G(lr)` in training mode; VGG19 features (`block5_conv4`
   after its ReLU) of the HR target under `torch.no_grad()` (the library's
   `stop_gradient`) and of `sr`, both caffe-preprocessed as
   keras_gan/losses/perceptual.py `preprocess` does: `(x + 1) * 127.5`, RGB -> BGR,
   the ImageNet mean `(103.939, 116.779, 123.68)` (BGR) subtracted;
   `perceptual = mean_batch(mean_chw(((phi(sr) - phi(hr)) / 12.75)^2))`;
   `adversarial = mean softplus(-D(sr))` with D in training mode (its batch-norm
   moving statistics move, as in the library); `g_loss = perceptual + 1e-3 adversarial`,
   differentiated with respect to the generator's weights only
   (`backward(inputs=...)`, as the library's `torch.autograd.grad` of those);
2. discriminator update on the same `sr`, detached (the generator runs once per step):
   `d_loss = mean softplus(-D(hr)) + mean softplus(D(sr))`, D called on HR and on SR
   separately, in training mode.

Adam(1e-4, betas=(0.9, 0.999), eps=1e-7) for each network (`SRGAN`'s defaults, Keras'
epsilon). LR crops in [0, 1], HR crops and the generator's output in [-1, 1].

The networks, layer by layer as the library's Keras ones (names as theirs):

- `SRResNet` = `keras_gan.networks.srresnet(4, 16, 64)`: 9x9 conv (bias) + PReLU; 16
  blocks `x + BN(conv(PReLU(BN(conv(x)))))` (3x3, no bias); 3x3 conv (no bias) + BN
  added to the first layer's output; per x2 stage a 3x3 conv to 256 channels (bias),
  a pixel shuffle x2 and PReLU; 9x9 conv (bias) to 3 channels and tanh. Every PReLU
  has one slope per channel (`shared_axes=[1, 2]`), initialised to 0 as Keras'.
- `Discriminator` = `srgan_discriminator((96, 96, 3))`: eight 3x3 convs with 64, 64,
  128, 128, 256, 256, 512, 512 channels and strides 1, 2, ..., the first with bias and
  no BN, the others without bias and with BN, LeakyReLU(0.2) after each; flatten;
  Dense(1024) + LeakyReLU(0.2); Dense(1) (the logit).
- `VGG54` = `keras.applications.VGG19(include_top=False)` up to `block5_conv4` after
  its ReLU: 3x3 convs (bias) + ReLU, 2x2 max pooling between the blocks; frozen
  (`requires_grad=False`: no weight gradient is computed, as for the library's frozen
  Keras variables).
- Batch normalisation with Keras' defaults (momentum 0.99 = torch momentum 0.01,
  epsilon 1e-3), training mode in every update. Kernels Glorot-uniform (Keras'
  default; `xavier_uniform_` has the same fans), biases 0, gamma 1, beta 0.
- "same" padding as Keras / TensorFlow: symmetric where it is (odd kernels, stride
  1), else the input is padded explicitly, `(0, 1)` before the stride-2 3x3 convs on
  even sides, which is what Keras' torch backend does too (`F.pad`, then no padding);
  torch's `padding=1` would shift the stride-2 sampling grid by one pixel.

Layout: NCHW, torch's native layout; the batch (NHWC, as the library receives it) is
transposed once at construction. The last feature map of D is flattened in NCHW order,
which permutes the rows of its first dense layer (no change of math). The pixel
shuffle is `nn.PixelShuffle`, which reads the channels as `(C, r, r)`
(`c * r^2 + i * r + j`); the library's `PixelShuffle` (keras_gan/layers/pixel_shuffle.py)
reads them as `(r, r, C)` (`(i * r + j) * C + c`, `tf.nn.depth_to_space`). The work
is the same; weights copied between the two need the output channels of the
upsampling convolutions permuted (`check_srgan.py` does).

Known differences from the library's math, none of which changes the work per step:
- `torch.optim.Adam` adds eps to `sqrt(v_hat)`; Keras' Adam adds it to `sqrt(v)` before
  the bias correction (eps differs by the factor `sqrt(1 - beta_2^t)`);
- torch's BatchNorm keeps the unbiased batch variance in its moving variance, Keras the
  biased one (the normalisation in training mode uses the biased one in both);
- the library also computes the pixel MSE (weight 0 in the GAN stage: it adds exact
  zeros to the loss and its gradient) with its backward pass, the PSNR monitor and
  its loss trackers; this loop does none of these (elementwise work on the 96x96x3
  outputs).

Device: `device=None` takes CUDA when torch sees a GPU (as Keras' torch backend does),
else the CPU. Nothing is copied to the host per step.
"""

from collections import OrderedDict

import torch
from torch import nn
import torch.nn.functional as F

from .srgan_workload import LR_SIZE, SCALE, check_arguments, data
from .torch_loop import _ADAM_EPSILON, _bn, _device, _trainable_count
from .torch_loop import Loop as _Loop
from .torch_loop import Reference as _GANReference

__all__ = ["Discriminator", "Reference", "SRResNet", "VGG54", "srgan"]

IMAGENET_MEAN_BGR = (103.939, 116.779, 123.68)  # caffe VGG mean pixel
FEATURE_SCALE = 1.0 / 12.75  # Ledig et al. 2017, VGG54 loss rescaling
ADVERSARIAL_WEIGHT = 1e-3
VGG19_BLOCKS = (2, 2, 4, 4, 4)  # convolutions per block (configuration E)


def _same_padding(size, kernel, stride):
    """`(before, after)` padding of TensorFlow's "same" for one spatial axis."""
    out = -(-int(size) // stride)
    total = max((out - 1) * stride + kernel - int(size), 0)
    return total // 2, total - total // 2


class Conv2dSame(nn.Conv2d):
    """`nn.Conv2d` with Keras' "same" padding (see the module docstring)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, bias=True):
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=0,
                         bias=bias)

    def forward(self, x):
        (top, bottom), (left, right) = (
            _same_padding(x.shape[axis], self.kernel_size[i], self.stride[i])
            for i, axis in enumerate((2, 3)))
        if top == bottom and left == right:
            return F.conv2d(x, self.weight, self.bias, self.stride, (top, left))
        return F.conv2d(F.pad(x, (left, right, top, bottom)), self.weight, self.bias,
                        self.stride)


def _init(module, generator):
    """Keras' initial values: kernels Glorot-uniform, biases 0, gamma 1, beta 0,
    PReLU slopes 0."""
    for layer in module.modules():
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(layer.weight, generator=generator)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
        elif isinstance(layer, nn.BatchNorm2d):
            nn.init.ones_(layer.weight)
            nn.init.zeros_(layer.bias)
        elif isinstance(layer, nn.PReLU):
            nn.init.zeros_(layer.weight)


class ResidualBlock(nn.Module):
    """`x + BN(conv(PReLU(BN(conv(x)))))`, 3x3 convolutions without bias."""

    def __init__(self, filters):
        super().__init__()
        self.conv_1 = Conv2dSame(filters, filters, 3, bias=False)
        self.bn_1 = _bn(filters)
        self.prelu = nn.PReLU(filters)
        self.conv_2 = Conv2dSame(filters, filters, 3, bias=False)
        self.bn_2 = _bn(filters)

    def forward(self, x):
        return x + self.bn_2(self.conv_2(self.prelu(self.bn_1(self.conv_1(x)))))


class SRResNet(nn.Module):
    """The SRResNet generator (Ledig et al. 2017, figure 4), NCHW, LR [0, 1] -> SR
    [-1, 1]."""

    def __init__(self, scale=SCALE, blocks=16, filters=64, channels=3):
        super().__init__()
        steps = int(scale).bit_length() - 1
        self.conv_in = Conv2dSame(channels, filters, 9)
        self.conv_in_prelu = nn.PReLU(filters)
        self.blocks = nn.Sequential(*(ResidualBlock(filters) for _ in range(blocks)))
        self.trunk_conv = Conv2dSame(filters, filters, 3, bias=False)
        self.trunk_bn = _bn(filters)
        self.upsample = nn.Sequential(*(
            nn.Sequential(OrderedDict(conv=Conv2dSame(filters, 4 * filters, 3),
                                      shuffle=nn.PixelShuffle(2),
                                      prelu=nn.PReLU(filters)))
            for _ in range(steps)))
        self.conv_out = Conv2dSame(filters, channels, 9)

    def forward(self, lr):
        skip = self.conv_in_prelu(self.conv_in(lr))
        x = skip + self.trunk_bn(self.trunk_conv(self.blocks(skip)))
        return torch.tanh(self.conv_out(self.upsample(x)))


class Discriminator(nn.Sequential):
    """The SRGAN discriminator (Ledig et al. 2017, figure 4), NCHW images in [-1, 1]
    -> logits (N, 1)."""

    def __init__(self, image_size, filters=64, channels=3):
        layers, width, side = OrderedDict(), channels, int(image_size)
        for i, multiple in enumerate((1, 1, 2, 2, 4, 4, 8, 8)):
            name, stride, out = f"conv_{i + 1}", 1 + i % 2, filters * multiple
            layers[name] = Conv2dSame(width, out, 3, stride=stride, bias=i == 0)
            if i > 0:
                layers[f"{name}_bn"] = _bn(out)
            layers[f"{name}_lrelu"] = nn.LeakyReLU(0.2)
            width, side = out, -(-side // stride)
        layers["features"] = nn.Flatten()
        layers["dense"] = nn.Linear(width * side * side, 1024)
        layers["dense_lrelu"] = nn.LeakyReLU(0.2)
        layers["logits"] = nn.Linear(1024, 1)
        super().__init__(layers)


class VGG54(nn.Sequential):
    """VGG19 (Simonyan & Zisserman 2015) up to `block5_conv4` after its ReLU, on
    caffe-preprocessed NCHW images; the layers are named as in Keras."""

    def __init__(self):
        layers, width = OrderedDict(), 3
        for block, convs in enumerate(VGG19_BLOCKS, start=1):
            if block > 1:
                layers[f"block{block - 1}_pool"] = nn.MaxPool2d(2)
            out = min(64 * 2 ** (block - 1), 512)
            for i in range(1, convs + 1):
                layers[f"block{block}_conv{i}"] = Conv2dSame(width, out, 3)
                layers[f"block{block}_conv{i}_relu"] = nn.ReLU()
                width = out
        super().__init__(layers)


class Reference(_Loop):
    """The hand-written SRGAN training step on one fixed `(lr, hr)` batch.

    Attributes:
        generator, discriminator, vgg: the `nn.Module`s.
        lr, hr: the batch, NCHW tensors on the device.
        param_counts: `(generator, discriminator)` trainable parameter counts (the
            Keras networks' `trainable_weights`; the moving statistics are buffers).
        losses: dict of the last step's losses, tensors on the device.
    """

    minimize = staticmethod(_GANReference.minimize)

    def __init__(self, batch_size, lr_size, scale, seed, device):
        self.device = _device(device)
        init_rng = torch.Generator().manual_seed(int(seed))
        self.generator = SRResNet(scale)
        self.discriminator = Discriminator(lr_size * scale)
        self.vgg = VGG54()
        for net in (self.generator, self.discriminator, self.vgg):
            _init(net, init_rng)
            net.to(self.device)
        self.generator.train()  # training mode in every update, as the library
        self.discriminator.train()
        self.vgg.eval().requires_grad_(False)
        self.g_params = list(self.generator.parameters())
        self.d_params = list(self.discriminator.parameters())
        self.g_opt = torch.optim.Adam(self.g_params, lr=1e-4, betas=(0.9, 0.999),
                                      eps=_ADAM_EPSILON)
        self.d_opt = torch.optim.Adam(self.d_params, lr=1e-4, betas=(0.9, 0.999),
                                      eps=_ADAM_EPSILON)
        self.param_counts = (_trainable_count(self.generator),
                             _trainable_count(self.discriminator))
        lr, hr = data(batch_size, 1, lr_size, scale, seed)
        # NHWC -> NCHW, once
        self.lr, self.hr = (torch.from_numpy(x).permute(0, 3, 1, 2).contiguous().to(self.device)
                            for x in (lr, hr))
        self.mean = torch.tensor(IMAGENET_MEAN_BGR, device=self.device).view(1, 3, 1, 1)
        self.losses = None

    def features(self, images):
        """VGG54 features of [-1, 1] RGB images (caffe preprocessing: 0..255, BGR,
        mean subtracted)."""
        return self.vgg(((images + 1.0) * 127.5).flip(1) - self.mean)

    def step(self):
        """One training step: the generator's update, then the discriminator's."""
        lr, hr = self.lr, self.hr
        sr = self.generator(lr)
        with torch.no_grad():
            target = self.features(hr)
        diff = (self.features(sr) - target) * FEATURE_SCALE
        perceptual = diff.square().mean(dim=(1, 2, 3)).mean()
        adversarial = F.softplus(-self.discriminator(sr)).mean()
        g_loss = perceptual + ADVERSARIAL_WEIGHT * adversarial
        self.minimize(self.g_opt, g_loss, self.g_params)
        sr = sr.detach()
        d_loss = (F.softplus(-self.discriminator(hr)).mean()
                  + F.softplus(self.discriminator(sr)).mean())
        self.minimize(self.d_opt, d_loss, self.d_params)
        self.losses = {"g_loss": g_loss.detach(), "perceptual_loss": perceptual.detach(),
                       "adversarial_loss": adversarial.detach(), "d_loss": d_loss.detach()}


def srgan(batch_size=16, lr_size=LR_SIZE, scale=SCALE, seed=0, device=None):
    """The SRGAN reference (Ledig et al. 2017, GAN stage): one step = 1 generator
    update (VGG54 + 1e-3 non-saturating adversarial loss) + 1 discriminator update on
    a batch of `batch_size` LR/HR pairs, Adam(1e-4, 0.9) for both networks.

    Args:
        batch_size: LR/HR pairs per step (16 in the paper).
        lr_size: side of the LR crops (24); the HR crops are `scale * lr_size`.
        scale: upscaling factor, a power of two (4).
        seed: seed of the weights and of the batch (`srgan_workload.data`).
        device: a torch device; default CUDA if available, else CPU.

    Returns:
        A `Reference` with `run(steps)`, `sync()` and `param_counts`.
    """
    check_arguments(batch_size, lr_size, scale)
    return Reference(int(batch_size), int(lr_size), int(scale), seed, device)
