"""Inception Score on class probabilities.

Salimans et al. 2016, "Improved Techniques for Training GANs" (section 4):
`IS = exp(E_x KL(p(y|x) || p(y)))`, where `p(y|x)` is a classifier's prediction for a
generated image and `p(y)` its average over the images. It is high when each image is
classified confidently and the classes are used evenly: 1 for uniform predictions,
the number of classes for confident predictions spread evenly over all classes. As
commonly reported, the samples are cut into 10 consecutive splits and the mean and
standard deviation of the per-split scores are returned.
"""

import numpy as np

__all__ = ["inception_score"]


def inception_score(class_probabilities, splits=10):
    """Inception Score of `(n, classes)` class probabilities (rows summing to 1).

    Args:
        class_probabilities: array or tensor of softmax outputs, `n >= splits`.
        splits: number of consecutive, (nearly) equal parts scored separately.

    Returns:
        `(mean, std)` of the per-split scores, as Python floats.
    """
    from keras import ops

    p = np.asarray(ops.convert_to_numpy(class_probabilities), dtype="float64")
    if p.ndim != 2:
        raise ValueError(f"class_probabilities must be 2-D (samples, classes); received "
                         f"shape {p.shape}.")
    if not np.isfinite(p).all() or (p < 0).any():
        raise ValueError("class_probabilities must be finite and non-negative.")
    if not np.allclose(p.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError("class_probabilities rows must sum to 1 (pass softmax outputs, not "
                         "logits).")
    splits = int(splits)
    if not 1 <= splits <= len(p):
        raise ValueError(f"splits must be in [1, {len(p)}] for {len(p)} samples; received "
                         f"{splits}.")
    p = p / p.sum(axis=1, keepdims=True)
    scores = []
    for part in np.array_split(p, splits):
        marginal = part.mean(axis=0)
        # p log(p / q), with 0 log 0 = 0; q > 0 wherever p > 0.
        safe = np.where(part > 0, part, 1.0)
        kl = np.where(part > 0, part * (np.log(safe) - np.log(np.where(marginal > 0,
                                                                        marginal, 1.0))),
                      0.0).sum(axis=1)
        scores.append(np.exp(kl.mean()))
    scores = np.array(scores)
    return float(scores.mean()), float(scores.std())
