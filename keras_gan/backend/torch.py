"""PyTorch: `torch.autograd`; `fit` runs the step eagerly.

Data parallel training under `torch.distributed` (Keras 3 does none for torch): when
the script has called `torch.distributed.init_process_group` (one process per device,
e.g. launched with `torchrun --nproc_per_node=N`) and each process fits on its own
shard of every global batch (`keras_gan.distribute.shard_batches`), then

- the first step of a model broadcasts its weights, optimizer state, seed generator
  states and metric states from rank 0, so every process starts from the same model;
- `value_and_grad` averages the gradients over the processes (one all-reduce), so
  every process applies the gradient of the global-batch mean loss and the weights
  stay equal;
- `replica_rows` gives each process its rows of one global noise draw;
- after every step the loss trackers are averaged over the processes, so the logs
  are the global means.

Without an initialised process group (or with one process) nothing of this runs.
"""

import contextlib
import weakref

import keras
import torch

from keras_gan.backend import layer_ops

# `ExportArchive.track` / `add_endpoint` are not implemented for torch in Keras 3.15:
# keras_gan.export reloads the generator under TensorFlow in a child process.
# extra arguments of ExportArchive.add_endpoint
EXPORT_ENDPOINT_KWARGS = {}


def adversarial_jit_compile():
    """`compile(jit_compile="auto")` of the adversarial models: Keras's choice
    (eager)."""
    return "auto"


NATIVE_SAVED_MODEL_EXPORT = False


def _replicas():
    """`(world size, rank)` of the initialised process group; `(1, 0)` without one."""
    dist = torch.distributed
    if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
        return dist.get_world_size(), dist.get_rank()
    return 1, 0


def _average(tensors):
    """Averages float tensors over the processes in place, in one all-reduce."""
    count, _ = _replicas()
    if count == 1 or not tensors:
        return
    flat = torch.cat([t.detach().reshape(-1).to(torch.float64) for t in tensors])
    torch.distributed.all_reduce(flat, op=torch.distributed.ReduceOp.SUM)
    flat /= count
    for t, part in zip(tensors, torch.split(flat, [t.numel() for t in tensors])):
        t.copy_(part.reshape(t.shape).to(t.dtype))


# models whose state has been broadcast from rank 0 (their first distributed step)
_synchronised = weakref.WeakSet()


def _broadcast_state(model):
    variables = list(model.trainable_variables) + list(model.non_trainable_variables)
    if getattr(model, "optimizer", None) is not None:
        variables += list(model.optimizer.variables)
    variables += list(model.metrics_variables)
    seen = set()
    with torch.no_grad():
        for variable in variables:
            if id(variable) in seen:
                continue
            seen.add(id(variable))
            torch.distributed.broadcast(variable.value, src=0)


def run_step(model, step_fn, data):
    count, _ = _replicas()
    if count == 1:
        return step_fn(data)
    if model not in _synchronised:
        _broadcast_state(model)
        _synchronised.add(model)
    logs = step_fn(data)
    with torch.no_grad():
        # trackers hold sums and counts that are equal on every process before the
        # step: averaging them gives the global mean of the step's values
        _average([v.value for v in model.metrics_variables
                  if torch.is_floating_point(v.value)])
    if not isinstance(logs, dict):
        return logs
    metrics = {m.name: m for m in model.metrics}  # the logs again, from the averages
    return {key: metrics[key].result() if key in metrics else value
            for key, value in logs.items()}


def replica_rows(draw, n):
    count, rank = _replicas()
    if count == 1:
        return draw(n)
    return draw(n * count)[rank * n:(rank + 1) * n]


def all_replicas(flag):
    count, _ = _replicas()
    if count == 1:
        return flag
    agreed = torch.as_tensor(flag, dtype=torch.float32).reshape(1).clone()
    torch.distributed.all_reduce(agreed, op=torch.distributed.ReduceOp.MIN)
    return agreed[0] > 0.5


def value_and_grad(loss_fn, variables):
    with torch.enable_grad():
        loss, aux = loss_fn()
        values = [v.value for v in variables]
        grads = torch.autograd.grad(loss, values, allow_unused=True)
    grads = [torch.zeros_like(v) if g is None else g for g, v in zip(grads, values)]
    # the gradient of the global-batch mean loss on every process
    _average(grads)
    return loss, aux, grads


def apply_gradients(optimizer, grads, variables):
    with torch.no_grad():
        optimizer.apply(grads, variables)


def input_gradient(fn, x):
    x = torch.as_tensor(x)
    with torch.enable_grad():
        if not x.requires_grad:
            x = x.detach().requires_grad_(True)
        y = fn(x).sum()
        (grad,) = torch.autograd.grad(y, x, create_graph=True)
    return grad


def keep_state_on_error(model):
    del model  # the variables keep their values throughout fit
    return contextlib.nullcontext()


def no_grad():
    return torch.no_grad()


# ------------------------------------------------------------------ layer arithmetic
# Keras 3.15 runs a channels-last convolution on torch as: permute the NHWC input to
# NCHW and copy it (`.contiguous()`), copy it again into torch's channels-last memory
# format (the layout it started in), copy the permuted kernel, and for a transposed
# convolution compute the uncropped output and slice it; batch normalisation is a
# chain of elementwise ops (moments as E[x^2] - E[x]^2, then subtract, multiply, add),
# each with its own backward. Here an NHWC tensor is handed to torch as what it is in
# memory, an NCHW tensor in the channels-last format (a permuted view, no copy); the
# transposed convolution gets its "same" crop as torch padding; batch normalisation
# is torch's fused kernel. Same arithmetic, same results to float32 rounding; the
# configurations this does not cover go to `layer_ops`, Keras's own computation.

def _same_padding(size, kernel, stride, dilation):
    """Keras's "same" padding of a convolution along one axis, `(left, right)`."""
    effective = (kernel - 1) * dilation + 1
    out = -(-size // stride)
    total = max(0, (out - 1) * stride + effective - size)
    return total // 2, total - total // 2


def _pair(value):
    """An int or a pair as a pair (Keras's `dilation_rate`)."""
    return (value,) * 2 if isinstance(value, int) else tuple(value)


def _tensor(x):
    """A torch tensor of `x` (Keras variables give their value, autograd intact)."""
    return keras.ops.convert_to_tensor(x)


def _nchw(x):
    return _tensor(x).permute(0, 3, 1, 2)


def _nhwc(x):
    return x.permute(0, 2, 3, 1)


def conv(inputs, kernel, strides, padding, dilation_rate):
    inputs, kernel = _tensor(inputs), _tensor(kernel)
    if inputs.ndim != 4 or inputs.shape[-1] != kernel.shape[2]:  # grouped: Keras's way
        return layer_ops.conv(inputs, kernel, strides, padding, dilation_rate)
    strides = tuple(strides)
    dilation = _pair(dilation_rate)
    x = _nchw(inputs)
    pad = (0, 0)
    if padding == "same":
        sides = [_same_padding(inputs.shape[1 + i], kernel.shape[i], strides[i], dilation[i])
                 for i in range(2)]
        if all(left == right for left, right in sides):
            pad = tuple(left for left, _ in sides)
        else:  # the extra row / column at the end, as Keras (and TensorFlow) pad
            x = torch.nn.functional.pad(
                x, (sides[1][0], sides[1][1], sides[0][0], sides[0][1]))
    outputs = torch.nn.functional.conv2d(x, kernel.permute(3, 2, 0, 1), None, strides, pad,
                                         dilation)
    return _nhwc(outputs)


def conv_transpose(inputs, kernel, strides, padding, output_padding, dilation_rate):
    inputs, kernel = _tensor(inputs), _tensor(kernel)
    strides = tuple(strides)
    dilation = _pair(dilation_rate)
    crops = []
    for i in range(2):
        effective = (kernel.shape[i] - 1) * dilation[i] + 1
        # Keras's output: size * stride ("same"), size * stride + max(k - stride, 0)
        # ("valid"); torch's with padding p: (size - 1) * stride + k - 2p
        crop = effective - strides[i] if padding == "same" else min(effective - strides[i], 0)
        crops.append(crop)
    if (inputs.ndim != 4 or output_padding is not None
            or any(c < 0 or c % 2 for c in crops)):
        return layer_ops.conv_transpose(inputs, kernel, strides, padding, output_padding,
                                        dilation_rate)
    outputs = torch.nn.functional.conv_transpose2d(
        _nchw(inputs), kernel.permute(3, 2, 0, 1), None, strides,
        tuple(c // 2 for c in crops), 0, 1, dilation)
    return _nhwc(outputs)


def max_pool(inputs, pool_size, strides, padding):
    inputs = _tensor(inputs)
    if padding != "valid" or inputs.ndim != 4:  # Keras pads "same" pooling its own way
        return layer_ops.max_pool(inputs, pool_size, strides, padding)
    return _nhwc(torch.nn.functional.max_pool2d(_nchw(inputs), tuple(pool_size),
                                                tuple(strides)))


def _channels_second(x):
    """`x` `(N, ..., C)` as torch's batch norm wants it, `(N, C, ...)`, without a copy:
    an NHWC image batch is the NCHW view in channels-last memory format (torch's
    vectorised channels-last kernels take it); `(N, C)` is itself."""
    return _nchw(x) if x.ndim == 4 else x


def _channels_last(x):
    return _nhwc(x) if x.ndim == 4 else x


def batch_norm_train(inputs, gamma, beta, epsilon):
    inputs = _tensor(inputs)
    count = inputs.numel() // max(inputs.shape[-1], 1)
    if inputs.ndim not in (2, 4) or count < 2 or inputs.dtype != torch.float32:
        return layer_ops.batch_norm_train(inputs, gamma, beta, epsilon)
    outputs, mean, inverse_std = torch.native_batch_norm(
        _channels_second(inputs), None if gamma is None else _tensor(gamma),
        None if beta is None else _tensor(beta), None, None, True, 0.0, epsilon)
    # the biased batch variance, from 1 / sqrt(variance + epsilon)
    variance = inverse_std.detach().pow(-2).sub_(epsilon).clamp_(min=0.0)
    return _channels_last(outputs), mean.detach(), variance


def batch_norm_inference(inputs, mean, variance, gamma, beta, epsilon):
    inputs = _tensor(inputs)
    if inputs.ndim not in (2, 4) or inputs.dtype != torch.float32:
        return layer_ops.batch_norm_inference(inputs, mean, variance, gamma, beta, epsilon)
    outputs = torch.nn.functional.batch_norm(
        _channels_second(inputs), _tensor(mean), _tensor(variance),
        None if gamma is None else _tensor(gamma),
        None if beta is None else _tensor(beta), False, 0.0, epsilon)
    return _channels_last(outputs)
