"""PyTorch: `torch.autograd`; `fit` runs the step eagerly."""

import torch

# `ExportArchive.track` / `add_endpoint` are not implemented for torch in Keras 3.15:
# keras_gan.export reloads the generator under TensorFlow in a child process.
# extra arguments of ExportArchive.add_endpoint
EXPORT_ENDPOINT_KWARGS = {}

NATIVE_SAVED_MODEL_EXPORT = False


def run_step(model, step_fn, data):
    del model
    return step_fn(data)


def value_and_grad(loss_fn, variables):
    with torch.enable_grad():
        loss, aux = loss_fn()
        values = [v.value for v in variables]
        grads = torch.autograd.grad(loss, values, allow_unused=True)
    grads = [torch.zeros_like(v) if g is None else g for g, v in zip(grads, values)]
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


def no_grad():
    return torch.no_grad()
