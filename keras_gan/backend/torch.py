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

import torch

# `ExportArchive.track` / `add_endpoint` are not implemented for torch in Keras 3.15:
# keras_gan.export reloads the generator under TensorFlow in a child process.
# extra arguments of ExportArchive.add_endpoint
EXPORT_ENDPOINT_KWARGS = {}

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
