"""Exploring a trained generator's latent space: interpolation, vector arithmetic and
the nearest-neighbour memorisation check.

- `interpolate(z0, z1, steps, method="slerp")`: paths between latent vectors. Spherical
  interpolation is the recommendation of White 2016, "Sampling Generative Networks":
  vectors drawn from a high-dimensional Gaussian prior lie near a sphere, and the
  straight line between two of them passes close to the origin, where the generator
  was almost never trained.
- `average`, `arithmetic`, `perturb`: vector arithmetic on latent vectors, as in
  section 6.3 of Radford et al. 2016, "Unsupervised Representation Learning with Deep
  Convolutional Generative Adversarial Networks" (DCGAN): "smiling woman - neutral
  woman + neutral man = smiling man", with each concept the average of a few
  exemplars' latent vectors.
- `nearest_neighbours`, `neighbours_grid`: the closest training images of generated
  samples, to check that a generator does not reproduce its training set (Goodfellow
  et al. 2014, Figure 2, show each sample's nearest training example for this;
  Radford et al. 2016, DCGAN, sections 4.1 and 6.1, guard against and test for
  memorisation).
- `interpolation_grid(model, z0, z1)`: an interpolation rendered through a model (the
  latent space walks of Radford et al. 2016, section 6.1).

All of it is numpy; only `interpolation_grid` runs the model (`model.generate_from`).
"""

import operator

import numpy as np

import keras

from keras_gan.visualize import image_grid

__all__ = [
    "arithmetic",
    "average",
    "interpolate",
    "interpolation_grid",
    "nearest_neighbours",
    "neighbours_grid",
    "perturb",
]

# Below this sine of the angle between two directions, the great circle through them is
# numerically undetermined: parallel vectors are interpolated linearly (the limit of
# slerp, exact to float64 rounding at this angle), antiparallel ones along a chosen
# great circle.
_ANGLE_EPS = 1e-8


def _output_dtype(*arrays):
    """float64 if an input is float64 (or wider), else float32 (integer inputs too)."""
    floats = [a.dtype for a in arrays if np.issubdtype(a.dtype, np.floating)]
    return np.result_type(np.float32, *floats)


def _as_latent(value, name):
    array = np.asarray(value)
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number)
                                     or array.dtype == bool):
        raise TypeError(f"{name} must be a numeric array; received dtype {array.dtype}.")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values.")
    return array


def _check_steps(steps):
    try:
        steps = operator.index(steps)
    except TypeError:
        raise TypeError(f"steps must be an integer; received {steps!r}.") from None
    if steps < 2:
        raise ValueError(
            f"steps must be >= 2 (the path includes both endpoints); received {steps}."
        )
    return steps


# ------------------------------------------------------------------ interpolation
def interpolate(z0, z1, steps, method="slerp"):
    """Points on a path from `z0` to `z1`, both endpoints included.

    Args:
        z0, z1: latent vectors of shape `(d,)`, or batches `(n, d)` of pairs (row i of
            `z0` goes to row i of `z1`). Both must have the same shape.
        steps: number of points on each path, >= 2; point j is at
            `t = j / (steps - 1)`.
        method: `"slerp"` (spherical, the default) or `"lerp"` (straight line,
            `(1 - t) z0 + t z1`).

    Returns:
        An array `(steps, d)` for vectors, `(n, steps, d)` for batches; float32 unless
        the inputs are float64. The first and last points equal `z0` and `z1` exactly.

    **Slerp.** White 2016 ("Sampling Generative Networks", section 2.1) interpolates
    along the great circle through the two vectors,
    `slerp(z0, z1; t) = sin((1 - t) theta) / sin(theta) z0 + sin(t theta) / sin(theta) z1`,
    with `theta` the angle between them. For vectors of equal norm (the case it is
    designed for: Gaussian latent vectors of dimension d all have norms close to
    sqrt(d)) every point keeps that norm and consecutive points are separated by the
    same angle `theta / (steps - 1)`. White applies the formula to the raw vectors
    (norms `r0`, `r1`); when the norms differ, that path is
    `r0 cos(t theta) u + r1 sin(t theta) v + (r1 - r0) sin(t theta) cot(theta) u`
    (`u = z0 / r0`, `v` the unit vector orthogonal to it in the plane of the pair),
    whose last term grows without bound as the vectors become antipodal. Here the
    direction follows the great circle at that constant angular speed and the norm
    is interpolated linearly, `(1 - t) r0 + t r1`: the same path as White's for equal
    norms, and a bounded one otherwise.

    Degenerate pairs: a zero vector, or parallel vectors (angle below ~1e-8 rad), are
    interpolated linearly (the limit of slerp). For antiparallel vectors the great
    circle is not unique; the path turns through the direction of the coordinate
    axis least aligned with `z0` (made orthogonal to it), so that it never passes
    through the origin. With `d == 1` there is no such direction and the path is the
    straight line.

    Example:

    ```python
    z = model.latents(2, seed=0)
    path = keras_gan.latent.interpolate(z[0], z[1], steps=9)   # (9, latent_dim)
    images = model.generate_from(path)
    ```
    """
    a = _as_latent(z0, "z0")
    b = _as_latent(z1, "z1")
    steps = _check_steps(steps)
    if method not in ("slerp", "lerp"):
        raise ValueError(f'method must be "slerp" or "lerp"; received {method!r}.')
    if a.shape != b.shape:
        raise ValueError(
            f"z0 and z1 must have the same shape; received {a.shape} and {b.shape}."
        )
    if a.ndim not in (1, 2) or a.shape[-1] == 0:
        raise ValueError(
            f"z0 and z1 must be vectors (d,) or batches (n, d) with d >= 1; received "
            f"shape {a.shape}."
        )
    dtype = _output_dtype(a, b)
    x0 = a.astype("float64").reshape(-1, a.shape[-1])
    x1 = b.astype("float64").reshape(-1, b.shape[-1])
    t = np.linspace(0.0, 1.0, steps)
    if method == "lerp":
        path = _lerp(x0, x1, t)
    else:
        path = _slerp(x0, x1, t)
    path[:, 0] = x0
    path[:, -1] = x1
    path = path.astype(dtype)
    return path[0] if a.ndim == 1 else path


def _lerp(x0, x1, t):
    t = t[None, :, None]
    return (1.0 - t) * x0[:, None, :] + t * x1[:, None, :]


def _slerp(x0, x1, t):
    n, d = x0.shape
    r0 = np.linalg.norm(x0, axis=1)
    r1 = np.linalg.norm(x1, axis=1)
    nonzero = (r0 > 0) & (r1 > 0)
    u0 = np.divide(x0, r0[:, None], out=np.zeros_like(x0), where=nonzero[:, None])
    u1 = np.divide(x1, r1[:, None], out=np.zeros_like(x1), where=nonzero[:, None])
    # Angle from the chord lengths, accurate near 0 and near pi (arccos is not).
    theta = 2.0 * np.arctan2(np.linalg.norm(u0 - u1, axis=1), np.linalg.norm(u0 + u1, axis=1))
    # Unit vector orthogonal to u0 in the plane of u0 and u1 (Gram-Schmidt, twice).
    w = u1 - np.sum(u0 * u1, axis=1, keepdims=True) * u0
    w -= np.sum(u0 * w, axis=1, keepdims=True) * u0
    w_norm = np.linalg.norm(w, axis=1)
    regular = nonzero & (w_norm > _ANGLE_EPS)
    antiparallel = nonzero & ~regular & (theta > np.pi / 2) & (d > 1)
    if np.any(antiparallel):
        # A deterministic great circle: through the axis least aligned with u0.
        rows = np.flatnonzero(antiparallel)
        axis = np.argmin(np.abs(u0[rows]), axis=1)
        e = np.zeros((len(rows), d))
        e[np.arange(len(rows)), axis] = 1.0
        e -= np.sum(u0[rows] * e, axis=1, keepdims=True) * u0[rows]
        e -= np.sum(u0[rows] * e, axis=1, keepdims=True) * u0[rows]
        w[rows] = e
        w_norm[rows] = np.linalg.norm(e, axis=1)
        theta[rows] = np.pi
    spherical = regular | antiparallel
    v = np.divide(w, w_norm[:, None], out=np.zeros_like(w), where=spherical[:, None])
    angle = theta[:, None] * t[None, :]  # (n, steps)
    direction = (np.cos(angle)[:, :, None] * u0[:, None, :]
                 + np.sin(angle)[:, :, None] * v[:, None, :])
    radius = (1.0 - t)[None, :] * r0[:, None] + t[None, :] * r1[:, None]
    path = radius[:, :, None] * direction
    linear = ~spherical
    if np.any(linear):
        path[linear] = _lerp(x0[linear], x1[linear], t)
    return path


# -------------------------------------------------------------- vector arithmetic
def _as_group(value, name, d=None):
    array = _as_latent(value, name)
    if array.ndim == 1:
        array = array[None]
    if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(
            f"{name} must be a latent vector (d,) or a non-empty group of them (k, d); "
            f"received shape {np.shape(value)}."
        )
    if d is not None and array.shape[1] != d:
        raise ValueError(
            f"{name} has latent vectors of size {array.shape[1]}, the others of size {d}."
        )
    return array


def average(latents):
    """The mean of a group of latent vectors: `(k, d) -> (d,)`; a vector `(d,)` is
    returned unchanged.

    Radford et al. 2016 (DCGAN, section 6.3) found arithmetic on single samples'
    latent vectors unstable, and averaged the vectors of three exemplars of each
    concept first.
    """
    group = _as_group(latents, "latents")
    return group.astype("float64").mean(axis=0).astype(_output_dtype(group))


def arithmetic(positive, negative=()):
    """Latent vector arithmetic: `sum(average(p) for p in positive) - sum(average(q)
    for q in negative)`.

    Each entry of `positive` and `negative` is one latent vector `(d,)` or a group of
    exemplars' vectors `(k, d)`, which is averaged first (see `average`).

    Example (Radford et al. 2016, DCGAN, section 6.3 and Figure 7): with `smiling_woman`,
    `neutral_woman` and `neutral_man` each a `(3, d)` array holding the latent vectors
    of three generated samples that show the concept,

    ```python
    from keras_gan import latent
    z = latent.arithmetic(positive=[smiling_woman, neutral_man],
                          negative=[neutral_woman])                     # (d,)
    # the paper shows the result and 8 neighbours, with uniform noise of scale 0.25
    batch = np.concatenate([z[None], latent.perturb(z, 8, scale=0.25, seed=0)])
    images = model.generate_from(batch)                                 # "smiling man"
    ```

    Args:
        positive: a non-empty sequence of vectors or groups to add.
        negative: a sequence of vectors or groups to subtract.

    Returns:
        The resulting vector `(d,)`, float32 unless the inputs are float64.
    """
    if isinstance(positive, np.ndarray) or isinstance(negative, np.ndarray):
        raise TypeError(
            "positive and negative are sequences of vectors or groups, e.g. "
            "positive=[a, b], negative=[c]; wrap a single array in a list."
        )
    positive, negative = list(positive), list(negative)
    if not positive:
        raise ValueError("arithmetic needs at least one positive vector or group.")
    groups, d = [], None
    for sign, entries, name in ((1.0, positive, "positive"), (-1.0, negative, "negative")):
        for i, entry in enumerate(entries):
            group = _as_group(entry, f"{name}[{i}]", d)
            d = group.shape[1]
            groups.append((sign, group))
    result = sum(sign * g.astype("float64").mean(axis=0) for sign, g in groups)
    return result.astype(_output_dtype(*[g for _, g in groups]))


def perturb(z, n, scale=0.25, seed=None):
    """`n` copies of the latent vector `z` `(d,)` plus uniform noise in
    `[-scale, scale]`: the neighbourhood Radford et al. 2016 (DCGAN, Figure 7) show
    around the result of vector arithmetic (scale 0.25). Returns `(n, d)`."""
    z = _as_latent(z, "z")
    if z.ndim != 1:
        raise ValueError(f"z must be one latent vector (d,); received shape {z.shape}.")
    n = operator.index(n)
    if n < 0:
        raise ValueError(f"n must be >= 0; received {n}.")
    if not scale >= 0:
        raise ValueError(f"scale must be >= 0; received {scale}.")
    noise = np.random.default_rng(seed).uniform(-scale, scale, size=(n, z.shape[0]))
    return (z.astype("float64")[None] + noise).astype(_output_dtype(z))


# ----------------------------------------------------------- nearest neighbours
def _flat_features(images, features, name):
    if features is None:
        array = np.asarray(images)
    else:
        array = features(images)
        if not isinstance(array, np.ndarray):
            array = keras.ops.convert_to_numpy(array)
    if len(array) != len(images):
        raise ValueError(
            f"features() returned {len(array)} rows for {len(images)} {name} images."
        )
    array = array.reshape(len(array), -1).astype("float64")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"The {name} images (or their features) contain NaN or infinite "
                         "values.")
    return array


def nearest_neighbours(generated, train_images, k=3, features=None, batch_size=1024,
                       metric="euclidean"):
    """The `k` training images closest to each generated sample.

    The memorisation check: if a generator's samples were copies of training images,
    their nearest neighbours would be those images at distance ~0. Goodfellow et al.
    2014 (Figure 2) show each sample's nearest training example to demonstrate that
    the model has not memorised the training set; Radford et al. 2016 (DCGAN, section
    4.1.1) compare images in a learned code space (an autoencoder's) to remove
    near-duplicates before training. Distances are Euclidean in pixel space by
    default, or in a feature space (`features`): pixel distance favours images of
    the same average brightness, learned features compare content.

    The training set is read in slices of `batch_size` images (a numpy array, memmap
    or anything with `len` and slicing), so 60,000 MNIST images against 64 samples
    never build more than a `batch_size x batch_size` distance block. Candidates are
    found with `|g|^2 + |x|^2 - 2 g.x` in float64, with a margin that covers that
    formula's rounding error, and ranked by their distances computed directly,
    `sum((g - x)^2)` in float64: a training image equal to a sample is at distance 0
    exactly, and equal distances are ordered by the lower index.

    Args:
        generated: samples `(n, ...)`, e.g. `model.generate(64, seed=0)`.
        train_images: training images `(m, ...)` in the same value range as
            `generated` (scale uint8 images to [-1, 1] first) and, without
            `features`, the same shape per image.
        k: neighbours per sample, `1 <= k <= m`.
        features: `None` (pixel space), or a callable `images -> (b, f)` array,
            e.g. `feature_model.predict` or `lambda x: extractor(x, training=False)`;
            it is called on batches of at most `batch_size` images.
        batch_size: images per slice of the training set (and of `generated`).
        metric: `"euclidean"` (L2, the default) or `"sqeuclidean"` (squared L2) for
            the returned distances; the ranking is the same.

    Returns:
        `(indices, distances)`: int64 `(n, k)` indices into `train_images` and
        float64 `(n, k)` distances, each row sorted from nearest.
    """
    try:
        k = operator.index(k)
        batch_size = operator.index(batch_size)
    except TypeError:
        raise TypeError("k and batch_size must be integers.") from None
    if metric not in ("euclidean", "sqeuclidean"):
        raise ValueError(f'metric must be "euclidean" or "sqeuclidean"; received {metric!r}.')
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1; received {batch_size}.")
    if features is not None and not callable(features):
        raise TypeError("features must be a callable images -> (b, f) array, or None.")
    m = len(train_images)
    if m == 0:
        raise ValueError("train_images is empty.")
    if not 1 <= k <= m:
        raise ValueError(f"k must be between 1 and the number of training images ({m}); "
                         f"received {k}.")
    generated = np.asarray(generated)
    n = len(generated)
    if n == 0:
        return np.zeros((0, k), dtype="int64"), np.zeros((0, k), dtype="float64")

    g = np.concatenate([
        _flat_features(generated[s:s + batch_size], features, "generated")
        for s in range(0, n, batch_size)
    ])
    g_sq = np.einsum("ij,ij->i", g, g)
    dim = g.shape[1]
    # Rounding error bound of |g|^2 + |x|^2 - 2 g.x in float64 (each of the three
    # terms is a sum of `dim` products): generous, yet ~1e-10 for MNIST pixels.
    unit = 4.0 * (dim + 4) * np.finfo("float64").eps

    best_d = np.full((n, k), np.inf)
    best_i = np.full((n, k), np.iinfo("int64").max, dtype="int64")
    for start in range(0, m, batch_size):
        x = _flat_features(train_images[start:start + batch_size], features, "training")
        if x.shape[1] != dim:
            raise ValueError(
                f"Generated samples have {dim} values (pixels or features) each, training "
                f"images {x.shape[1]}."
            )
        x_sq = np.einsum("ij,ij->i", x, x)
        x_sq_max = x_sq.max()
        for gs in range(0, n, batch_size):
            rows = slice(gs, gs + batch_size)
            approx = g_sq[rows, None] + x_sq[None, :] - 2.0 * (g[rows] @ x.T)
            error = unit * (g_sq[rows] + x_sq_max)
            kk = min(k, x.shape[0])
            kth = np.partition(approx, kk - 1, axis=1)[:, kk - 1]
            # Any of this block's exact top-k is within 2 error bounds of the k-th
            # approximate distance; only what can beat the current k-th best matters.
            limit = np.minimum(kth + 2.0 * error, best_d[rows, -1] + error)
            r, c = np.nonzero(approx <= limit[:, None])
            if len(r) == 0:
                continue
            r_abs = r + gs
            exact = np.empty(len(r))
            chunk = max(1, (1 << 22) // dim)
            for p in range(0, len(r), chunk):
                diff = g[r_abs[p:p + chunk]] - x[c[p:p + chunk]]
                exact[p:p + chunk] = np.einsum("ij,ij->i", diff, diff)
            _merge(best_d, best_i, r_abs, c + start, exact, gs, min(gs + batch_size, n))
    distances = np.sqrt(best_d) if metric == "euclidean" else best_d
    return best_i, distances


def _merge(best_d, best_i, rows, cols, dist, lo, hi):
    """Keeps, for rows lo..hi, the k smallest (distance, index) pairs of the current
    best and the new candidates."""
    k = best_d.shape[1]
    old_rows = np.repeat(np.arange(lo, hi), k)
    all_rows = np.concatenate([old_rows, rows])
    all_d = np.concatenate([best_d[lo:hi].ravel(), dist])
    all_i = np.concatenate([best_i[lo:hi].ravel(), cols])
    order = np.lexsort((all_i, all_d, all_rows))
    counts = np.bincount(all_rows - lo, minlength=hi - lo)
    starts = np.cumsum(counts) - counts
    take = order[(starts[:, None] + np.arange(k)[None, :]).ravel()]
    best_d[lo:hi] = all_d[take].reshape(hi - lo, k)
    best_i[lo:hi] = all_i[take].reshape(hi - lo, k)


def neighbours_grid(generated, train_images, indices, value_range=(-1.0, 1.0), padding=2):
    """A picture of the memorisation check: row i shows generated sample i, then its
    nearest training images `train_images[indices[i, 0]], ...` (from
    `nearest_neighbours`), nearest first.

    Args:
        generated: images `(n, H, W[, C])`.
        train_images: training images `(m, H, W[, C])`, same value range.
        indices: int array `(n, k)`.
        value_range: the pixel range mapped to black..white.
        padding: pixels between images.

    Returns:
        A `PIL.Image` of `n` rows and `k + 1` columns (see `visualize.image_grid`).
    """
    generated = np.asarray(generated)
    indices = np.asarray(indices)
    if indices.ndim != 2 or len(indices) != len(generated) or indices.shape[1] == 0:
        raise ValueError(
            f"indices must have shape (n, k) with n = {len(generated)} generated images; "
            f"received {indices.shape}."
        )
    if not np.issubdtype(indices.dtype, np.integer):
        raise TypeError(f"indices must be integers; received dtype {indices.dtype}.")
    neighbours = np.stack([np.asarray(train_images[int(j)]) for j in indices.ravel()])
    neighbours = neighbours.reshape(indices.shape + neighbours.shape[1:])
    if neighbours.shape[2:] != generated.shape[1:]:
        raise ValueError(
            f"Generated images {generated.shape[1:]} and training images "
            f"{neighbours.shape[2:]} must have the same shape."
        )
    rows = np.concatenate([generated[:, None].astype("float64"),
                           neighbours.astype("float64")], axis=1)
    return image_grid(rows.reshape((-1,) + rows.shape[2:]), columns=indices.shape[1] + 1,
                      value_range=value_range, padding=padding)


# ------------------------------------------------------------- through a model
def _default_labels(model, n):
    """`arange(n) % num_classes` for a conditional model (so that a grid with
    `num_classes` columns shows one class per column), `None` for an unconditional one."""
    num_classes = getattr(model, "num_classes", None)
    if num_classes is None:
        return None
    return np.arange(n) % int(num_classes)


def _check_labels(model, labels, n):
    """Validates labels for `n` samples of `model`; returns an int array or None."""
    num_classes = getattr(model, "num_classes", None)
    if labels is None:
        return _default_labels(model, n)
    if num_classes is None:
        raise ValueError(f"{type(model).__name__} is not conditional (num_classes is None); "
                         "do not pass labels.")
    labels = np.asarray(labels)
    if labels.ndim == 0:
        labels = np.full((n,), labels)
    if labels.shape != (n,) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be {n} integers (shape ({n},)); received "
                         f"{labels.dtype} array of shape {labels.shape}.")
    if n and (labels.min() < 0 or labels.max() >= int(num_classes)):
        raise ValueError(f"labels must be in [0, {int(num_classes)}); received values from "
                         f"{labels.min()} to {labels.max()}.")
    return labels.astype("int32")


def _generate(model, latent, labels=None):
    """`model.generate_from(latent)`, passing `labels` to conditional models only
    (`model.num_classes` not None)."""
    if getattr(model, "num_classes", None) is None:
        return np.asarray(model.generate_from(latent))
    return np.asarray(model.generate_from(latent, labels=labels))


def interpolation_grid(model, z0, z1, steps=8, method="slerp", labels=None,
                       value_range=(-1.0, 1.0), padding=2):
    """Renders latent interpolations through `model`: one row per pair `(z0[i], z1[i])`,
    `steps` columns from `z0` to `z1` (see `interpolate`; slerp after White 2016).

    Args:
        model: a keras_gan model (`generate_from`, `num_classes`).
        z0, z1: latent vectors `(d,)` or batches `(n, d)`.
        steps: images per row, >= 2.
        method: `"slerp"` or `"lerp"`.
        labels: for conditional models, one class per row (an int or `(n,)` ints);
            by default row i shows class `i % num_classes`. The class is held fixed
            along a row.
        value_range, padding: see `visualize.image_grid`.

    Returns:
        A `PIL.Image`.
    """
    path = interpolate(z0, z1, steps, method=method)
    path = path[None] if path.ndim == 2 else path
    n = path.shape[0]
    row_labels = _check_labels(model, labels, n)
    step_labels = None if row_labels is None else np.repeat(row_labels, steps)
    images = _generate(model, path.reshape(n * steps, -1), step_labels)
    return image_grid(images, columns=steps, value_range=value_range, padding=padding)
