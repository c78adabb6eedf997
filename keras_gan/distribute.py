"""Data for data parallel training with one process per device (PyTorch).

Under `torch.distributed` every process runs its own `model.fit` on its own part of
the data (keras_gan's PyTorch backend averages the gradients over the processes, see
`keras_gan.backend.torch`). For the processes to train together on the global batches
of a one-process run, process i must see, at step s, the i-th slice of global batch s:
`shard_batches` cuts an array that way. Fit each process on its shard with
`batch_size = global_batch_size // num_shards` and `shuffle=False` (or shuffle the
full array with the same seed in every process, then shard, at every epoch).
"""

import numpy as np

__all__ = ["shard_batches"]


def shard_batches(data, global_batch_size, num_shards, index, drop_remainder=False):
    """The rows of `data` that process `index` of `num_shards` trains on.

    Global batch s is rows `s*B .. (s+1)*B` of `data` (`B = global_batch_size`); it is
    cut into `num_shards` consecutive slices of `B / num_shards` rows and the shard of
    process i is its slices of every global batch, in order. Fitting every process on
    its shard with `batch_size = B / num_shards` (no shuffling) therefore runs the
    global batches of `fit(data, batch_size=B)` in one process.

    Args:
        data: an array (or a list / tuple of arrays with the same number of rows, e.g.
            images and labels), indexed along the first axis.
        global_batch_size: B, the batch size of all processes together; a multiple of
            `num_shards`.
        num_shards: the number of processes (`torch.distributed.get_world_size()`).
        index: this process (`torch.distributed.get_rank()`).
        drop_remainder: whether to drop a last, incomplete global batch. Without it, a
            last batch whose size is not a multiple of `num_shards` is refused: the
            processes would run different numbers of steps and wait for each other
            forever.

    Returns:
        The shard: an array, or a list / tuple of arrays like `data`.
    """
    num_shards, index, batch = int(num_shards), int(index), int(global_batch_size)
    if num_shards < 1:
        raise ValueError(f"num_shards must be >= 1; received {num_shards}.")
    if not 0 <= index < num_shards:
        raise ValueError(f"index must be in [0, {num_shards}); received {index}.")
    if batch < 1 or batch % num_shards:
        raise ValueError(f"global_batch_size must be a positive multiple of num_shards "
                         f"({num_shards}); received {global_batch_size}.")
    arrays = list(data) if isinstance(data, (list, tuple)) else [data]
    arrays = [np.asarray(a) for a in arrays]
    rows = len(arrays[0])
    if any(len(a) != rows for a in arrays):
        raise ValueError(f"The arrays have different numbers of rows: "
                         f"{[len(a) for a in arrays]}.")
    remainder = rows % batch
    if remainder % num_shards and not drop_remainder:
        raise ValueError(
            f"The last global batch has {remainder} rows ({rows} rows, global batch "
            f"{batch}), not a multiple of {num_shards} processes: pass "
            "drop_remainder=True or give a number of rows that splits evenly."
        )
    full = rows - remainder
    positions = np.arange(full).reshape(-1, num_shards, batch // num_shards)[:, index]
    positions = positions.reshape(-1)
    if remainder and not drop_remainder:
        part = remainder // num_shards
        positions = np.concatenate([positions, full + index * part + np.arange(part)])
    shards = [a[positions] for a in arrays]
    if isinstance(data, (list, tuple)):
        return type(data)(shards)
    return shards[0]
