"""Hand-written PyTorch training loops that `benchmarks/throughput.py` compares with `fit`.

Plain PyTorch: `torch.nn` modules, `torch.optim.Adam` and `torch.autograd`. No Keras is
imported here, so the ratio library / reference measures only what the Keras
abstraction costs. Each loop does the same math per step as `keras_gan`'s
`AdversarialModel._train_step` (read keras_gan/models/base.py):

- DCGAN (Radford, Metz & Chintala 2016, "Unsupervised Representation Learning with Deep
  Convolutional Generative Adversarial Networks"): one step is one discriminator update
  and one generator update. The discriminator update draws `batch_size` noise vectors,
  generates the fakes with the generator in training mode under `torch.no_grad()` (its
  batch-norm statistics move, as in the library), then calls D on the real and on the
  fake batch separately (two forward passes, so the batch-norm statistics of each are
  their own) and minimises `mean softplus(-D(x)) + mean softplus(D(G(z)))`. The
  generator update draws new noise, runs G and D in training mode and minimises
  `mean softplus(-D(G(z)))`, differentiating only the generator's weights (the library
  asks `torch.autograd.grad` for exactly those). Adam(2e-4, beta_1=0.5, beta_2=0.999,
  eps=1e-7) for both networks.
- WGAN-GP (Gulrajani et al. 2017, "Improved Training of Wasserstein GANs"): one step is
  `critic_steps` critic updates, update i on its own slice `i*m:(i+1)*m` of the real
  batch (`m = batch_size // critic_steps`) and `m` fresh noise vectors, then one
  generator update on `m` noise vectors. Critic loss `mean D(G(z)) - mean D(x) + 10 GP`
  with `GP = mean((sqrt(sum(grad_x_hat D(x_hat)^2) + 1e-12) - 1)^2)`,
  `x_hat = x + alpha (G(z) - x)`, one `alpha ~ U(0, 1)` per sample, the input gradient
  taken with `create_graph=True` of `D(x_hat).sum()` (double backpropagation), D called
  three times (real, fake, x_hat). Generator loss `-mean D(G(z))`. Adam(1e-4,
  beta_1=0.5, beta_2=0.9, eps=1e-7) for both networks, `keras_gan.models.WGANGP`'s
  defaults. The library has no 64x64 WGAN-GP recipe (`recipes.image_model` builds
  DCGAN, CGAN, ACGAN, InfoGAN and EBGAN; WGAN-GP is a recipe only for 2D mixtures), so
  the critic is `dcgan_discriminator`, batch normalisation included, as
  `WGANGP(dcgan_generator(...), dcgan_discriminator(...), 100)` would train it.

The networks are `keras_gan.networks.dcgan_generator(latent_dim, (S, S, 3), filters)`
and `dcgan_discriminator((S, S, 3), filters)` layer by layer: the same shapes,
bias / no bias, BatchNorm with the Keras defaults (momentum 0.99 = torch momentum 0.01,
epsilon 1e-3, training mode in every update, moving statistics updated), ReLU / tanh in
G, LeakyReLU(0.2) in D, all kernels N(0, 0.02), biases 0, gamma 1, beta 0. Kernel 4,
stride 2, "same" padding = torch padding 1 for both the convolutions and the transposed
convolutions (exact for even sides).

Layout: NCHW, torch's native and fastest layout for convolutions on CPU. The real batch
(NHWC, as the library receives it) is transposed to NCHW once at construction; the
projection of z is reshaped to (C, h, w) and the last feature map flattened in NCHW
order, which permutes the weights of those two dense layers but changes no math.

Known differences from the library's math, none of which changes the work per step:
- `torch.optim.Adam` adds eps to `sqrt(v_hat)`; Keras' Adam adds it to `sqrt(v)` before
  the bias correction (eps differs by the factor `sqrt(1 - beta_2^t)`);
- torch's BatchNorm keeps the unbiased batch variance in its moving variance, Keras the
  biased one (the normalisation in training mode uses the biased one in both);
- the library also updates its loss trackers (`d_loss`, `d_real`, ... means) each step;
  this loop computes no metrics.

Device: `device=None` takes CUDA when torch sees a GPU (as Keras' torch backend does),
else the CPU. All noise is drawn on the device from a `torch.Generator` seeded with
`seed`; nothing is copied to the host per step.
"""

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

__all__ = ["Reference", "dcgan", "wgan_gp"]

_BN_MOMENTUM = 0.01  # Keras momentum 0.99: moving = 0.99 moving + 0.01 batch
_BN_EPSILON = 1e-3
_ADAM_EPSILON = 1e-7  # Keras' default
_INIT_STDDEV = 0.02


def _upsampling_plan(image_size):
    """`(base, steps)` with `image_size = base * 2^steps`, as
    `keras_gan.networks.dcgan.upsampling_plan` for a square image."""
    base, steps = int(image_size), 0
    while base % 2 == 0 and base // 2 >= 4:
        base, steps = base // 2, steps + 1
    if steps == 0:
        raise ValueError(f"image_size must be base * 2^k with k >= 1 and base >= 4; "
                         f"received {image_size}.")
    return base, steps


def _filters(filters, level):
    return min(filters * 2 ** level, filters * 8)


def _init(module, generator):
    """Keras' initial values: kernels N(0, 0.02), biases 0, gamma 1, beta 0."""
    for layer in module.modules():
        if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(layer.weight, 0.0, _INIT_STDDEV, generator=generator)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
        elif isinstance(layer, nn.BatchNorm2d):
            nn.init.ones_(layer.weight)
            nn.init.zeros_(layer.bias)


def _bn(channels):
    return nn.BatchNorm2d(channels, eps=_BN_EPSILON, momentum=_BN_MOMENTUM)


class Generator(nn.Module):
    """`dcgan_generator`: Dense(no bias) -> reshape -> BN -> ReLU, then stride-2
    transposed convolutions (no bias) -> BN -> ReLU, halving the channels, and a last
    transposed convolution (with bias) to 3 channels and tanh. Output NCHW."""

    def __init__(self, latent_dim, image_size, filters, channels=3):
        super().__init__()
        base, steps = _upsampling_plan(image_size)
        width = _filters(filters, steps - 1)
        self.shape = (width, base, base)
        self.project = nn.Linear(latent_dim, width * base * base, bias=False)
        self.project_bn = _bn(width)
        layers = []
        for level in range(steps - 1, 0, -1):
            out = _filters(filters, level - 1)
            layers += [nn.ConvTranspose2d(width, out, 4, stride=2, padding=1, bias=False),
                       _bn(out), nn.ReLU()]
            width = out
        layers += [nn.ConvTranspose2d(width, channels, 4, stride=2, padding=1), nn.Tanh()]
        self.body = nn.Sequential(*layers)

    def forward(self, z):
        x = self.project(z).view(z.shape[0], *self.shape)
        return self.body(F.relu(self.project_bn(x)))


class Discriminator(nn.Module):
    """`dcgan_discriminator`: stride-2 convolutions doubling the channels, the first
    with bias and no BN, the others without bias and with BN, LeakyReLU(0.2) after
    each; flatten; Dense(1) with bias. Returns the logits (N, 1) (the library's
    `"logits"` output; `"features"` is the flattened map, computed on the way)."""

    def __init__(self, image_size, filters, channels=3):
        super().__init__()
        _, steps = _upsampling_plan(image_size)
        layers, width = [], channels
        for level in range(steps):
            out = _filters(filters, level)
            layers.append(nn.Conv2d(width, out, 4, stride=2, padding=1, bias=level == 0))
            if level > 0:
                layers.append(_bn(out))
            layers.append(nn.LeakyReLU(0.2))
            width = out
        layers.append(nn.Flatten())
        self.body = nn.Sequential(*layers)
        side = image_size // 2 ** steps
        self.logits = nn.Linear(width * side * side, 1)

    def forward(self, x):
        return self.logits(self.body(x))


def _device(device):
    if device is not None:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _trainable_count(module):
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


class Loop:
    """`run` / `sync` of a hand-written loop on `self.device`; subclasses define `step()`."""

    def run(self, steps):
        """Runs `steps` steps (asynchronously on a GPU)."""
        for _ in range(int(steps)):
            self.step()

    def sync(self):
        """Blocks until all queued device work is finished."""
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)


class Reference(Loop):
    """A GAN, its optimizers and a fixed real batch on the device.

    Attributes:
        param_counts: `(generator, discriminator)` trainable parameter counts (the
            Keras networks' `trainable_weights`; their moving statistics are torch
            buffers here).
        generator, discriminator: the `nn.Module`s.
        losses: `(d_loss, g_loss)` of the last step, tensors on the device.

    Subclasses define `step()`, one training step.
    """

    def __init__(self, batch_size, image_size, latent_dim, filters, seed, device, lr, betas):
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be >= 1; received {batch_size}.")
        self.device = _device(device)
        self.latent_dim = int(latent_dim)
        self.rng = torch.Generator(device=self.device)
        self.rng.manual_seed(int(seed))
        init_rng = torch.Generator().manual_seed(int(seed))
        self.generator = Generator(self.latent_dim, image_size, filters)
        self.discriminator = Discriminator(image_size, filters)
        for net in (self.generator, self.discriminator):
            _init(net, init_rng)
            net.to(self.device).train()  # training mode in every update, as the library
        self.g_params = list(self.generator.parameters())
        self.d_params = list(self.discriminator.parameters())
        self.g_opt = torch.optim.Adam(self.g_params, lr=lr, betas=betas, eps=_ADAM_EPSILON)
        self.d_opt = torch.optim.Adam(self.d_params, lr=lr, betas=betas, eps=_ADAM_EPSILON)
        self.param_counts = (_trainable_count(self.generator),
                             _trainable_count(self.discriminator))
        real = np.random.default_rng(seed).uniform(
            -1.0, 1.0, (int(batch_size), image_size, image_size, 3)).astype("float32")
        # NHWC -> NCHW, once
        self.real = torch.from_numpy(real).permute(0, 3, 1, 2).contiguous().to(self.device)

    def noise(self, n):
        return torch.randn(n, self.latent_dim, device=self.device, generator=self.rng)

    @staticmethod
    def minimize(optimizer, loss, params):
        """One optimizer update of `params` on the gradient of `loss` with respect to
        them alone (the library differentiates only the updated player's weights)."""
        optimizer.zero_grad(set_to_none=True)
        loss.backward(inputs=params)
        optimizer.step()


class _DCGAN(Reference):
    def __init__(self, batch_size, image_size, latent_dim, filters, seed, device):
        super().__init__(batch_size, image_size, latent_dim, filters, seed, device,
                         lr=2e-4, betas=(0.5, 0.999))
        self.losses = None

    def step(self):
        real, n = self.real, self.real.shape[0]
        with torch.no_grad():
            fake = self.generator(self.noise(n))
        d_loss = (F.softplus(-self.discriminator(real)).mean()
                  + F.softplus(self.discriminator(fake)).mean())
        self.minimize(self.d_opt, d_loss, self.d_params)
        g_loss = F.softplus(-self.discriminator(self.generator(self.noise(n)))).mean()
        self.minimize(self.g_opt, g_loss, self.g_params)
        self.losses = (d_loss.detach(), g_loss.detach())  # stays on the device


class _WGANGP(Reference):
    def __init__(self, batch_size, image_size, latent_dim, filters, seed, device,
                 critic_steps, penalty_weight=10.0, epsilon=1e-12):
        if int(critic_steps) < 1 or int(batch_size) < int(critic_steps):
            raise ValueError(f"batch_size ({batch_size}) must be >= critic_steps "
                             f"({critic_steps}) >= 1.")
        super().__init__(batch_size, image_size, latent_dim, filters, seed, device,
                         lr=1e-4, betas=(0.5, 0.9))
        m = int(batch_size) // int(critic_steps)
        self.slices = [self.real[i * m:(i + 1) * m] for i in range(int(critic_steps))]
        self.penalty_weight = float(penalty_weight)
        self.epsilon = float(epsilon)
        self.losses = None

    def gradient_penalty(self, real, fake):
        alpha = torch.rand(real.shape[0], 1, 1, 1, device=self.device, generator=self.rng)
        x_hat = (real + alpha * (fake - real)).requires_grad_(True)
        (grad,) = torch.autograd.grad(self.discriminator(x_hat).sum(), x_hat,
                                      create_graph=True)
        norms = torch.sqrt(grad.square().sum(dim=(1, 2, 3)) + self.epsilon)
        return (norms - 1.0).square().mean()

    def step(self):
        for real in self.slices:
            with torch.no_grad():
                fake = self.generator(self.noise(real.shape[0]))
            # D on real, fake, then the interpolates: the library's order of calls
            d_real = self.discriminator(real).mean()
            d_loss = (self.discriminator(fake).mean() - d_real
                      + self.penalty_weight * self.gradient_penalty(real, fake))
            self.minimize(self.d_opt, d_loss, self.d_params)
        g_loss = -self.discriminator(self.generator(self.noise(self.slices[-1].shape[0]))).mean()
        self.minimize(self.g_opt, g_loss, self.g_params)
        self.losses = (d_loss.detach(), g_loss.detach())


def dcgan(batch_size, image_size=64, latent_dim=100, filters=64, seed=0, device=None):
    """DCGAN reference (Radford et al. 2016): one step = 1 discriminator update + 1
    generator update on `batch_size` real images and noise vectors.

    Args:
        batch_size: real images (and noise vectors) per update.
        image_size: side of the square RGB images, `base * 2^k` (64).
        latent_dim: size of z.
        filters: width of the networks (as `dcgan_generator` / `dcgan_discriminator`).
        seed: seed of the weights, the real batch and the noise.
        device: a torch device; default CUDA if available, else CPU.

    Returns:
        A `Reference` with `run(steps)`, `sync()` and `param_counts`.
    """
    return _DCGAN(batch_size, image_size, latent_dim, filters, seed, device)


def wgan_gp(batch_size, image_size=64, latent_dim=100, filters=64, seed=0, critic_steps=5,
            device=None):
    """WGAN-GP reference (Gulrajani et al. 2017): one step = `critic_steps` critic
    updates (each on its own slice of `batch_size // critic_steps` real images and as
    many noise vectors) + 1 generator update (`batch_size // critic_steps` noise
    vectors). The critic is `dcgan_discriminator` (see the module doc).

    Args:
        batch_size, image_size, latent_dim, filters, seed, device: as for `dcgan`.
        critic_steps: critic updates per generator update (5 in the paper).

    Returns:
        A `Reference` with `run(steps)`, `sync()` and `param_counts`.
    """
    return _WGANGP(batch_size, image_size, latent_dim, filters, seed, device, critic_steps)
